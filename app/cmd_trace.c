/* imcsim trace dump|stats: read trace files back as text. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "json.h"
#include "model.h"
#include "opts.h"
#include "trace_io.h"
#include "ytree.h"

static const char *usage_main =
    "usage: imcsim trace <subcommand> [options]\n\n"
    "subcommands:\n"
    "  dump FILE [--limit N] [--tile T]  print a layer trace's records as text\n"
    "  stats FILE|DIR [--json] summarise one layer file or a trace directory\n\n"
    "Trace files are written by 'imcsim compile -o DIR' (format: docs/trace-format.md).\n"
    "Exit status: 0 ok, 2 bad usage or a bad trace file (message gives the byte offset).\n";

static void dump_rec(const trace_rec_t *r, char *buf, size_t n)
{
    switch (r->op) {
    case TR_WAIT:
        if (r->a == TRACE_NETWORK_INPUT)
            snprintf(buf, n, "producer=input values=%u", r->b);
        else
            snprintf(buf, n, "producer=%u values=%u", r->a, r->b);
        break;
    case TR_READ:
    case TR_WRITE:
        snprintf(buf, n, "bytes=%u", r->a);
        break;
    case TR_MVM:
        snprintf(buf, n, "ce=%u xbars=%u rows=%u cols=%u input_bits=%u", r->a, r->b,
                 r->c & 0xFFFF, r->c >> 16, r->arg);
        break;
    case TR_PSUM_SEND:
        snprintf(buf, n, "tile=%u bytes=%u", r->a, r->b);
        break;
    case TR_ACCUM:
        snprintf(buf, n, "messages=%u values=%u", r->a, r->b);
        break;
    case TR_ACT:
        snprintf(buf, n, "kind=%s values=%u", act_kind_name(r->arg) ? act_kind_name(r->arg) : "?",
                 r->a);
        break;
    case TR_POOL:
        snprintf(buf, n, "kind=%s values=%u window=%u", r->arg ? "avg" : "max", r->a, r->b);
        break;
    case TR_ADD:
        snprintf(buf, n, "values=%u", r->a);
        break;
    case TR_SEND:
        snprintf(buf, n, "tile=%u values=%u consumer=%u%s", r->a, r->b, r->c,
                 r->arg & TRACE_SEND_MORE ? " more" : ""); // the message goes on
        break;
    default:
        snprintf(buf, n, "a=%u b=%u c=%u arg=%u", r->a, r->b, r->c, r->arg);
    }
}

static int read_or_report(const char *path, const trace_read_opts_t *o, trace_layer_t *l)
{
    imc_diag_t d;
    diag_init(&d);
    int rc = trace_read_file(path, o, l, &d);
    if (rc)
        fputs(d.text ? d.text : "error: cannot read trace\n", stderr);
    diag_free(&d);
    return rc;
}

static int cmd_dump(int argc, char **argv)
{
    static const opts_cmd_t c = {
        "trace dump", "trace dump FILE [--limit N] [--tile T]",
        "Prints the header of a layer trace file, then one line per record:\n"
        "tile, record index within the tile's stream, op name and decoded fields.\n",
        NULL, 1, 1, "FILE"};
    const char *file = NULL;
    int64_t limit = -1, tile = -1;
    const opt_t opts[] = {
        OPT_INT(0, "limit", &limit, "N", 0, INT64_MAX, "print at most N records in total (default: all)"),
        OPT_INT(0, "tile", &tile, "T", 0, UINT32_MAX, "print only the stream of tile T (global tile index)"),
        OPT_END,
    };
    int rc = opts_parse(&c, opts, argc, argv, &file, NULL);
    if (rc != OPTS_GO)
        return rc;
    trace_layer_t l;
    if (read_or_report(file, NULL, &l))
        return 2;
    uint64_t total = 0;
    for (uint32_t s = 0; s < l.n_streams; s++)
        total += l.streams[s].n_recs;
    if (tile >= 0) {
        uint32_t s;
        for (s = 0; s < l.n_streams && l.streams[s].tile != (uint32_t)tile; s++)
            ;
        if (s == l.n_streams) {
            fprintf(stderr, "%s: error: no stream for tile %lld (layer '%s' runs on", file,
                    (long long)tile, l.name);
            for (uint32_t k = 0; k < l.n_streams && k < 16; k++)
                fprintf(stderr, " %u", l.streams[k].tile);
            fprintf(stderr, "%s)\n", l.n_streams > 16 ? " ..." : "");
            trace_layer_free(&l);
            return 2;
        }
    }
    printf("# %s: layer %u '%s' (%s, act %s, %u-bit activations), %u streams, %" PRIu64
           " records\n# arch hash 0x%016" PRIx64 ", model hash 0x%016" PRIx64
           ", %u layers, %u tiles, %u CEs\n",
           file, l.layer, l.name, layer_kind_name(l.kind), act_kind_name(l.act), l.act_bits,
           l.n_streams, total, l.arch_hash, l.model_hash, l.n_layers, l.n_tiles, l.n_ces);
    printf("# %5s %8s  %-9s %s\n", "tile", "rec", "op", "fields");
    uint64_t shown = 0;
    char buf[160];
    if (tile >= 0) {
        total = 0;
        for (uint32_t s = 0; s < l.n_streams; s++)
            total += l.streams[s].tile == (uint32_t)tile ? l.streams[s].n_recs : 0;
    }
    for (uint32_t s = 0; s < l.n_streams; s++)
        for (uint32_t i = 0; i < l.streams[s].n_recs; i++) {
            if (tile >= 0 && l.streams[s].tile != (uint32_t)tile)
                break;
            if (limit >= 0 && shown >= (uint64_t)limit)
                goto done;
            const trace_rec_t *r = &l.streams[s].recs[i];
            dump_rec(r, buf, sizeof buf);
            printf("%7u %8u  %-9s %s\n", l.streams[s].tile, i, trace_op_name(r->op), buf);
            shown++;
        }
done:
    if (shown < total)
        printf("# ... %" PRIu64 " more records not shown (--limit %" PRId64 ")\n",
               total - shown, limit);
    trace_layer_free(&l);
    return 0;
}

/* Stats ------------------------------------------------------------------- */

typedef struct counts {
    uint64_t recs, per_op[TR_OP_COUNT_], xbars, read_b, write_b, psum_b, sent;
} counts_t;

/* Per-tile counts are kept for the tiles that have streams (sorted ids), not
 * for every tile the header says the system has: the memory is bounded by
 * the files' sizes, not by a header field. */
typedef struct stats {
    counts_t all;
    uint32_t n_tiles;
    uint32_t *tile_id;        /* n_tiles distinct stream tiles, increasing */
    counts_t *tile;           /* n_tiles entries */
    int n_layers;
    counts_t *layer;
    char (*names)[TRACE_NAME_BYTES];
    uint8_t *kinds;
    uint32_t *streams;
} stats_t;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The distinct tiles of the layers' streams. 0, or -1 out of memory. */
static int stats_tiles(stats_t *st, const trace_layer_t *l, int n)
{
    size_t total = 0, k = 0;
    for (int i = 0; i < n; i++)
        total += l[i].n_streams;
    st->tile_id = malloc((total ? total : 1) * sizeof *st->tile_id);
    if (!st->tile_id)
        return -1;
    for (int i = 0; i < n; i++)
        for (uint32_t s = 0; s < l[i].n_streams; s++)
            st->tile_id[k++] = l[i].streams[s].tile;
    qsort(st->tile_id, total, sizeof *st->tile_id, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < total; i++)
        if (!u || st->tile_id[u - 1] != st->tile_id[i])
            st->tile_id[u++] = st->tile_id[i];
    st->n_tiles = (uint32_t)u;
    st->tile = calloc(u ? u : 1, sizeof *st->tile);
    return st->tile ? 0 : -1;
}

static void count(counts_t *c, const trace_rec_t *r)
{
    c->recs++;
    c->per_op[r->op]++;
    switch (r->op) {
    case TR_MVM: c->xbars += r->b; break;
    case TR_READ: c->read_b += r->a; break;
    case TR_WRITE: c->write_b += r->a; break;
    case TR_PSUM_SEND: c->psum_b += r->b; break;
    case TR_SEND: c->sent += r->b; break;
    }
}

static void add_layer(stats_t *st, int li, const trace_layer_t *l)
{
    snprintf(st->names[li], TRACE_NAME_BYTES, "%s", l->name);
    st->kinds[li] = l->kind;
    st->streams[li] = l->n_streams;
    for (uint32_t s = 0; s < l->n_streams; s++) {
        const trace_stream_t *x = &l->streams[s];
        const uint32_t *at = bsearch(&x->tile, st->tile_id, st->n_tiles, sizeof *at, cmp_u32);
        counts_t *tc = &st->tile[at - st->tile_id];
        for (uint32_t i = 0; i < x->n_recs; i++) {
            count(&st->all, &x->recs[i]);
            count(&st->layer[li], &x->recs[i]);
            count(tc, &x->recs[i]);
        }
    }
}

static void print_counts_json(json_w_t *w, const counts_t *c)
{
    jw_uint(w, "records", c->recs);
    jw_obj_begin(w, "records_per_op");
    for (int op = 1; op < TR_OP_COUNT_; op++)
        jw_uint(w, trace_op_name(op), c->per_op[op]);
    jw_obj_end(w);
    jw_uint(w, "mvms", c->per_op[TR_MVM]);
    jw_uint(w, "crossbar_activations", c->xbars);
    jw_uint(w, "read_bytes", c->read_b);
    jw_uint(w, "write_bytes", c->write_b);
    jw_uint(w, "psum_bytes", c->psum_b);
    jw_uint(w, "values_sent", c->sent);
}

static void print_stats(const stats_t *st, const char *what, int json)
{
    if (json) {
        json_w_t w;
        jw_init(&w, stdout);
        jw_obj_begin(&w, NULL);
        jw_str(&w, "source", what);
        print_counts_json(&w, &st->all);
        jw_arr_begin(&w, "layers");
        for (int i = 0; i < st->n_layers; i++) {
            jw_obj_begin(&w, NULL);
            jw_str(&w, "name", st->names[i]);
            jw_str(&w, "type", layer_kind_name(st->kinds[i]));
            jw_uint(&w, "streams", st->streams[i]);
            print_counts_json(&w, &st->layer[i]);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_arr_begin(&w, "tiles");
        for (uint32_t t = 0; t < st->n_tiles; t++) {
            if (!st->tile[t].recs)
                continue;
            jw_obj_begin(&w, NULL);
            jw_uint(&w, "tile", st->tile_id[t]);
            print_counts_json(&w, &st->tile[t]);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_obj_end(&w);
        jw_finish(&w);
        return;
    }
    const counts_t *a = &st->all;
    printf("%s: %d layer(s), %" PRIu64 " records (%" PRIu64 " bytes of records)\n", what,
           st->n_layers, a->recs, a->recs * TRACE_REC_BYTES);
    printf("\n%-10s %12s\n", "op", "records");
    for (int op = 1; op < TR_OP_COUNT_; op++)
        printf("%-10s %12" PRIu64 "\n", trace_op_name(op), a->per_op[op]);
    printf("\nMVMs: %" PRIu64 ", crossbar activations: %" PRIu64 "\n", a->per_op[TR_MVM], a->xbars);
    printf("read: %" PRIu64 " bytes, written: %" PRIu64 " bytes, partial sums sent: %" PRIu64
           " bytes, values sent: %" PRIu64 "\n", a->read_b, a->write_b, a->psum_b, a->sent);
    const char *hdr = "%12s %12s %12s %14s %14s %14s %14s\n";
    printf("\n%-5s %-20s %-10s %7s ", "layer", "name", "type", "streams");
    printf(hdr, "records", "mvms", "xbar_acts", "read_bytes", "write_bytes", "psum_bytes",
           "values_sent");
    const char *row = "%12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %14" PRIu64 " %14" PRIu64
                      " %14" PRIu64 " %14" PRIu64 "\n";
    for (int i = 0; i < st->n_layers; i++) {
        const counts_t *c = &st->layer[i];
        printf("%-5d %-20.20s %-10s %7u ", i, st->names[i], layer_kind_name(st->kinds[i]),
               st->streams[i]);
        printf(row, c->recs, c->per_op[TR_MVM], c->xbars, c->read_b, c->write_b, c->psum_b,
               c->sent);
    }
    printf("\n%-5s ", "tile");
    printf(hdr, "records", "mvms", "xbar_acts", "read_bytes", "write_bytes", "psum_bytes",
           "values_sent");
    for (uint32_t t = 0; t < st->n_tiles; t++) {
        const counts_t *c = &st->tile[t];
        if (!c->recs)
            continue;
        printf("%-5u ", st->tile_id[t]);
        printf(row, c->recs, c->per_op[TR_MVM], c->xbars, c->read_b, c->write_b, c->psum_b,
               c->sent);
    }
}

static int stats_alloc(stats_t *st, const trace_layer_t *l, int n)
{
    if (stats_tiles(st, l, n))
        return -1;
    st->n_layers = n;
    st->layer = calloc((size_t)n, sizeof *st->layer);
    st->names = calloc((size_t)n, sizeof *st->names);
    st->kinds = calloc((size_t)n, 1);
    st->streams = calloc((size_t)n, sizeof *st->streams);
    return st->layer && st->names && st->kinds && st->streams ? 0 : -1;
}

static void stats_free(stats_t *st)
{
    free(st->tile_id);
    free(st->tile);
    free(st->layer);
    free(st->names);
    free(st->kinds);
    free(st->streams);
}

static int cmd_stats(int argc, char **argv)
{
    static const opts_cmd_t c = {
        "trace stats", "trace stats FILE|DIR [--json]",
        "Summarises a layer trace file, or every layer of a trace directory (DIR/index.txt):\n"
        "records per op, MVMs, crossbar activations, bytes read/written, partial-sum bytes,\n"
        "values sent; per layer and per tile.\n",
        NULL, 1, 1, "FILE|DIR"};
    const char *path = NULL;
    int json = 0;
    const opt_t opts[] = {OPT_FLAG(0, "json", &json, "machine-readable output"), OPT_END};
    int rc = opts_parse(&c, opts, argc, argv, &path, NULL);
    if (rc != OPTS_GO)
        return rc;
    struct stat sb;
    stats_t st = {0};
    rc = 2;
    if (!stat(path, &sb) && S_ISDIR(sb.st_mode)) {
        imc_diag_t d;
        diag_init(&d);
        trace_index_t ix;
        trace_layer_t *l;
        int n;
        if (trace_index_read(path, &ix, &d) || trace_dir_read(path, NULL, &l, &n, &d)) {
            fputs(d.text, stderr);
            diag_free(&d);
            if (ix.files || ix.n_layers)
                trace_index_free(&ix);
            return 2;
        }
        diag_free(&d);
        if (!stats_alloc(&st, l, n)) {
            for (int i = 0; i < n; i++)
                add_layer(&st, i, &l[i]);
            char what[4400];
            snprintf(what, sizeof what, "%s (model %s 0x%016" PRIx64 ", arch %s 0x%016" PRIx64
                     ")", path, ix.model, ix.model_hash, ix.arch, ix.arch_hash);
            print_stats(&st, what, json);
            rc = 0;
        } else {
            fprintf(stderr, "imcsim trace stats: error: out of memory\n");
        }
        trace_layers_free(l, n);
        trace_index_free(&ix);
    } else {
        trace_layer_t l;
        if (read_or_report(path, NULL, &l))
            return 2;
        if (!stats_alloc(&st, &l, 1)) {
            add_layer(&st, 0, &l);
            print_stats(&st, path, json);
            rc = 0;
        } else {
            fprintf(stderr, "imcsim trace stats: error: out of memory\n");
        }
        trace_layer_free(&l);
    }
    stats_free(&st);
    return rc;
}

int imc_cmd_trace(int argc, char **argv)
{
    static const cli_sub_t subs[] = {{"dump", cmd_dump}, {"stats", cmd_stats}, {NULL, NULL}};
    return cli_dispatch("trace", subs, usage_main, argc, argv);
}
