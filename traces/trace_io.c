/* Trace file reader and writer. Fields are serialised one by one in
 * little-endian order, never as raw structs, so files are the same on every
 * host. The layout is in docs/trace-format.md. */
#include "trace_io.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mapping.h"

/* Header field offsets. */
enum {
    H_MAGIC = 0, H_VERSION = 4, H_RESERVED = 6, H_ARCH = 8, H_MODEL = 16,
    H_LAYER = 24, H_NLAYERS = 28, H_NTILES = 32, H_NCES = 36, H_KIND = 40,
    H_ACT = 41, H_ACTBITS = 42, H_RESERVED2 = 44, H_NAME = 48, H_NSTREAMS = 112,
    H_CRC = 116
};

static const char *const op_names[TR_OP_COUNT_] = {
    NULL, "WAIT", "READ", "MVM", "PSUM_SEND", "ACCUM", "ACT", "POOL", "ADD",
    "WRITE", "SEND", "POS"};
#define N_ACTS ACT_KIND_COUNT_

const char *trace_op_name(int op)
{
    return op > 0 && op < TR_OP_COUNT_ ? op_names[op] : NULL;
}

uint32_t trace_crc32(uint32_t crc, const void *buf, size_t len)
{
    /* Byte-wise table, built per call (2 k operations: nothing next to a
     * trace file, and no mutable global). */
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        table[i] = c;
    }
    const uint8_t *p = buf;
    crc = ~crc;
    while (len--)
        crc = table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static uint32_t file_crc(const uint8_t *b, size_t len)
{
    uint32_t c = trace_crc32(0, b, H_CRC);
    return trace_crc32(c, b + TRACE_HEADER_BYTES, len - TRACE_HEADER_BYTES);
}

int trace_encode(const trace_layer_t *l, uint8_t **bufp, size_t *lenp)
{
    uint64_t total = TRACE_HEADER_BYTES + (uint64_t)TRACE_STREAM_ENTRY_BYTES * l->n_streams;
    for (uint32_t s = 0; s < l->n_streams; s++)
        total += (uint64_t)TRACE_REC_BYTES * l->streams[s].n_recs;
    if (total > TRACE_MAX_FILE_BYTES)
        return -1;
    uint8_t *b = malloc((size_t)total);
    if (!b)
        return -1;
    memset(b, 0, TRACE_HEADER_BYTES); /* the rest is written in full below */
    memcpy(b + H_MAGIC, TRACE_MAGIC, 4);
    put16(b + H_VERSION, TRACE_VERSION);
    put64(b + H_ARCH, l->arch_hash);
    put64(b + H_MODEL, l->model_hash);
    put32(b + H_LAYER, l->layer);
    put32(b + H_NLAYERS, l->n_layers);
    put32(b + H_NTILES, l->n_tiles);
    put32(b + H_NCES, l->n_ces);
    b[H_KIND] = l->kind;
    b[H_ACT] = l->act;
    put16(b + H_ACTBITS, l->act_bits);
    size_t nl = strnlen(l->name, TRACE_NAME_BYTES - 1);
    memcpy(b + H_NAME, l->name, nl);
    put32(b + H_NSTREAMS, l->n_streams);
    uint8_t *p = b + TRACE_HEADER_BYTES;
    for (uint32_t s = 0; s < l->n_streams; s++, p += TRACE_STREAM_ENTRY_BYTES) {
        put32(p, l->streams[s].tile);
        put32(p + 4, l->streams[s].n_recs);
    }
    for (uint32_t s = 0; s < l->n_streams; s++)
        for (uint32_t i = 0; i < l->streams[s].n_recs; i++, p += TRACE_REC_BYTES) {
            const trace_rec_t *r = &l->streams[s].recs[i];
            p[0] = r->op;
            p[1] = r->arg;
            put16(p + 2, r->layer);
            put32(p + 4, r->a);
            put32(p + 8, r->b);
            put32(p + 12, r->c);
        }
    put32(b + H_CRC, file_crc(b, (size_t)total));
    *bufp = b;
    *lenp = (size_t)total;
    return 0;
}

int trace_write_file(const char *path, const trace_layer_t *l, imc_diag_t *d)
{
    uint8_t *b;
    size_t n;
    if (trace_encode(l, &b, &n)) {
        diag_error(d, path, 0, 0, "trace too large to write (limit %llu bytes)",
                   (unsigned long long)TRACE_MAX_FILE_BYTES);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(b, 1, n, f) == n;
    if (f && fclose(f))
        ok = 0;
    free(b);
    if (!ok) {
        diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
        return -1;
    }
    return 0;
}

void trace_layer_free(trace_layer_t *l)
{
    if (!l)
        return;
    for (uint32_t s = 0; s < l->n_streams && l->streams; s++)
        free(l->streams[s].recs);
    free(l->streams);
    memset(l, 0, sizeof *l);
}

void trace_layers_free(trace_layer_t *layers, int n)
{
    for (int i = 0; layers && i < n; i++)
        trace_layer_free(&layers[i]);
    free(layers);
}

/* Reader ------------------------------------------------------------------ */

typedef struct rd {
    const char *name;
    imc_diag_t *d;
} rd_t;

__attribute__((format(printf, 3, 4)))
static int fail(rd_t *r, uint64_t off, const char *fmt, ...)
{
    char loc[1200], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(loc, sizeof loc, "%s: offset %" PRIu64, r->name, off);
    diag_error(r->d, loc, 0, 0, "%s", msg);
    return -1;
}

static void show_bytes(char *out, const uint8_t *p, int n)
{
    for (int i = 0; i < n; i++)
        out += p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '"'
                   ? sprintf(out, "%c", p[i]) : sprintf(out, "\\x%02x", p[i]);
}

/* Checks a record's fields against the header's bounds. */
static int check_rec(rd_t *r, const trace_layer_t *l, const trace_rec_t *x, uint64_t off)
{
    if (x->op == 0 || x->op >= TR_OP_COUNT_)
        return fail(r, off, "op %u out of range (expected 1..%d)", x->op, TR_OP_COUNT_ - 1);
    const char *op = op_names[x->op];
    if (x->layer != l->layer)
        return fail(r, off, "%s record of layer %u in the file of layer %u", op,
                    x->layer, l->layer);
    switch (x->op) {
    case TR_WAIT:
        if (x->a != TRACE_NETWORK_INPUT && x->a > l->layer)
            return fail(r, off + 4, "WAIT producer layer %u out of range (expected <= %u, "
                        "or 0xFFFFFFFF for the network input)", x->a, l->layer);
        break;
    case TR_MVM:
        if (x->a >= l->n_ces)
            return fail(r, off + 4, "MVM CE %u out of range (system has %u CEs)", x->a, l->n_ces);
        if (x->arg == 0 || x->arg > 64)
            return fail(r, off + 1, "MVM input bits %u out of range (expected 1..64)", x->arg);
        break;
    case TR_SEND:
        if (x->a == TRACE_HOST || x->c == TRACE_NETWORK_OUTPUT) {
            if (x->a != TRACE_HOST || x->c != TRACE_NETWORK_OUTPUT)
                return fail(r, off + 4, "SEND to the host needs tile 0x%08x and consumer 0x%08x "
                            "(got 0x%08x, 0x%08x)", TRACE_HOST, TRACE_NETWORK_OUTPUT, x->a, x->c);
            if (x->arg)
                return fail(r, off + 1, "SEND to the host is not part of a multicast");
            break;
        }
        if (x->arg > TRACE_SEND_MORE)
            return fail(r, off + 1, "SEND arg %u out of range (expected 0, or 1: more "
                        "destinations follow)", x->arg);
        /* fall through */
    case TR_PSUM_SEND:
        if (x->a >= l->n_tiles)
            return fail(r, off + 4, "%s destination tile %u out of range (system has %u tiles)",
                        op, x->a, l->n_tiles);
        if (x->op == TR_SEND && (x->c < l->layer || x->c >= l->n_layers))
            return fail(r, off + 12, "SEND consumer layer %u out of range (expected %u..%u)",
                        x->c, l->layer, l->n_layers - 1);
        break;
    case TR_ACT:
        if (x->arg >= N_ACTS || x->arg == 0)
            return fail(r, off + 1, "ACT kind %u out of range (expected 1..%d)", x->arg, N_ACTS - 1);
        break;
    case TR_POOL:
        if (x->arg > 1)
            return fail(r, off + 1, "POOL kind %u out of range (expected 0 max or 1 avg)", x->arg);
        break;
    }
    return 0;
}

static int parse(rd_t *r, const uint8_t *b, size_t len, const trace_read_opts_t *o,
                 trace_layer_t *l)
{
    if (len < TRACE_HEADER_BYTES)
        return fail(r, 0, "truncated header (expected %d bytes, got %zu)", TRACE_HEADER_BYTES, len);
    if (memcmp(b, TRACE_MAGIC, 4)) {
        char got[20];
        show_bytes(got, b, 4);
        return fail(r, 0, "bad magic \"%s\" (expected \"%s\": not an imcsim trace)", got, TRACE_MAGIC);
    }
    unsigned ver = get16(b + H_VERSION);
    if (ver != TRACE_VERSION)
        return fail(r, H_VERSION, "unsupported version %u (expected %d)", ver, TRACE_VERSION);
    if (len > TRACE_MAX_FILE_BYTES)
        return fail(r, 0, "file of %zu bytes exceeds the limit of %llu bytes", len,
                    (unsigned long long)TRACE_MAX_FILE_BYTES);

    /* Sizes, before anything is allocated from them. */
    uint64_t n_streams = get32(b + H_NSTREAMS);
    uint64_t n_tiles = get32(b + H_NTILES);
    uint64_t avail = len - TRACE_HEADER_BYTES;
    uint64_t n_ces_hdr = get32(b + H_NCES);
    if (n_streams > n_ces_hdr)
        return fail(r, H_NSTREAMS, "stream count %" PRIu64 " exceeds the CE count %" PRIu64
                    " (at most one stream per replica per tile)", n_streams, n_ces_hdr);
    if (n_streams * TRACE_STREAM_ENTRY_BYTES > avail)
        return fail(r, TRACE_HEADER_BYTES, "truncated stream table (expected %" PRIu64
                    " bytes for %" PRIu64 " streams, got %" PRIu64 ")",
                    n_streams * TRACE_STREAM_ENTRY_BYTES, n_streams, avail);
    uint64_t recs_at = TRACE_HEADER_BYTES + n_streams * TRACE_STREAM_ENTRY_BYTES;
    uint64_t room = (len - recs_at) / TRACE_REC_BYTES, total = 0;
    for (uint64_t s = 0; s < n_streams; s++) {
        uint64_t e = TRACE_HEADER_BYTES + s * TRACE_STREAM_ENTRY_BYTES;
        uint64_t n = get32(b + e + 4);
        if (n > room)
            return fail(r, e + 4, "record count %" PRIu64 " of stream %" PRIu64
                        " exceeds the file size (%" PRIu64 " bytes hold at most %" PRIu64
                        " records)", n, s, (uint64_t)len - recs_at, room);
        total += n;
    }
    uint64_t end = recs_at + total * TRACE_REC_BYTES;
    if (end > len) {
        uint64_t k = (len - recs_at) / TRACE_REC_BYTES;
        return fail(r, recs_at + k * TRACE_REC_BYTES,
                    "truncated record (expected %d bytes, got %" PRIu64 ")", TRACE_REC_BYTES,
                    (uint64_t)len - recs_at - k * TRACE_REC_BYTES);
    }
    if (end < len)
        return fail(r, end, "%" PRIu64 " trailing bytes after the last record", (uint64_t)len - end);
    uint32_t stored = get32(b + H_CRC), crc = file_crc(b, len);
    if (!(o && o->skip_checksum) && stored != crc)
        return fail(r, H_CRC, "checksum mismatch (stored 0x%08x, computed 0x%08x): file corrupt",
                    stored, crc);

    /* Header fields. */
    l->arch_hash = get64(b + H_ARCH);
    l->model_hash = get64(b + H_MODEL);
    if (o && o->check_arch && l->arch_hash != o->arch_hash)
        return fail(r, H_ARCH, "arch hash 0x%016" PRIx64 " does not match the architecture's "
                    "hash 0x%016" PRIx64 " (trace compiled for another architecture)",
                    l->arch_hash, o->arch_hash);
    if (o && o->check_model && l->model_hash != o->model_hash)
        return fail(r, H_MODEL, "model hash 0x%016" PRIx64 " does not match the model's "
                    "hash 0x%016" PRIx64 " (trace compiled from another model)",
                    l->model_hash, o->model_hash);
    if (get16(b + H_RESERVED) || get32(b + H_RESERVED2))
        return fail(r, get16(b + H_RESERVED) ? H_RESERVED : H_RESERVED2,
                    "reserved field not zero (expected 0)");
    l->layer = get32(b + H_LAYER);
    l->n_layers = get32(b + H_NLAYERS);
    l->n_tiles = (uint32_t)n_tiles;
    l->n_ces = get32(b + H_NCES);
    l->kind = b[H_KIND];
    l->act = b[H_ACT];
    l->act_bits = get16(b + H_ACTBITS);
    if (l->n_layers == 0 || l->n_layers > 65536)
        return fail(r, H_NLAYERS, "layer count %u out of range (expected 1..65536)", l->n_layers);
    if (l->layer >= l->n_layers)
        return fail(r, H_LAYER, "layer index %u out of range (model has %u layers)", l->layer,
                    l->n_layers);
    /* the largest system the compiler maps (compile.c): larger counts are
       corrupt, whatever the rest of the file says */
    if (l->n_tiles == 0 || l->n_tiles > TRACE_MAX_TILES)
        return fail(r, H_NTILES, "tile count %u out of range (expected 1..%u)", l->n_tiles,
                    TRACE_MAX_TILES);
    if (l->n_ces > TRACE_MAX_TILES)
        return fail(r, H_NCES, "CE count %u out of range (expected 0..%u)", l->n_ces,
                    TRACE_MAX_TILES);
    if (l->kind >= LAYER_KIND_COUNT_)
        return fail(r, H_KIND, "layer kind %u out of range (expected 0..%d)", l->kind,
                    LAYER_KIND_COUNT_ - 1);
    if (l->act >= N_ACTS)
        return fail(r, H_ACT, "activation %u out of range (expected 0..%d)", l->act, N_ACTS - 1);
    if (l->act_bits == 0 || l->act_bits > 64)
        return fail(r, H_ACTBITS, "activation bits %u out of range (expected 1..64)", l->act_bits);
    const uint8_t *nul = memchr(b + H_NAME, 0, TRACE_NAME_BYTES);
    if (!nul)
        return fail(r, H_NAME, "layer name not NUL-terminated within %d bytes", TRACE_NAME_BYTES);
    for (const uint8_t *q = nul; q < b + H_NAME + TRACE_NAME_BYTES; q++)
        if (*q)
            return fail(r, (uint64_t)(q - b), "layer name padding not zero (expected NUL bytes "
                        "after the name)");
    memcpy(l->name, b + H_NAME, TRACE_NAME_BYTES);

    /* Streams and records: allocations bounded by len, checked above. */
    l->streams = calloc(n_streams ? n_streams : 1, sizeof *l->streams);
    if (!l->streams)
        return fail(r, 0, "out of memory");
    l->n_streams = (uint32_t)n_streams;
    const uint8_t *p = b + recs_at;
    for (uint64_t s = 0; s < n_streams; s++) {
        uint64_t e = TRACE_HEADER_BYTES + s * TRACE_STREAM_ENTRY_BYTES;
        trace_stream_t *st = &l->streams[s];
        st->tile = get32(b + e);
        st->n_recs = get32(b + e + 4);
        if (st->tile >= l->n_tiles)
            return fail(r, e, "stream %" PRIu64 " tile %u out of range (system has %u tiles)", s,
                        st->tile, l->n_tiles);
        if (s && st->tile < l->streams[s - 1].tile)
            return fail(r, e, "stream %" PRIu64 " tile %u before tile %u (expected tile ids in "
                        "increasing order)", s, st->tile, l->streams[s - 1].tile);
        st->recs = malloc((st->n_recs ? st->n_recs : 1) * sizeof *st->recs);
        if (!st->recs)
            return fail(r, e, "out of memory");
        for (uint32_t i = 0; i < st->n_recs; i++, p += TRACE_REC_BYTES) {
            trace_rec_t *x = &st->recs[i];
            x->op = p[0];
            x->arg = p[1];
            x->layer = get16(p + 2);
            x->a = get32(p + 4);
            x->b = get32(p + 8);
            x->c = get32(p + 12);
            if (check_rec(r, l, x, (uint64_t)(p - b)))
                return -1;
        }
    }
    return 0;
}

int trace_read_mem(const char *name, const void *buf, size_t len,
                   const trace_read_opts_t *opts, trace_layer_t *out, imc_diag_t *d)
{
    rd_t r = {name, d};
    memset(out, 0, sizeof *out);
    if (parse(&r, buf, len, opts, out)) {
        trace_layer_free(out);
        return -1;
    }
    return 0;
}

int trace_read_file(const char *path, const trace_read_opts_t *opts, trace_layer_t *out,
                    imc_diag_t *d)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        diag_error(d, path, 0, 0, "cannot read: %s", f ? "not a regular file" : strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    if ((uint64_t)st.st_size > TRACE_MAX_FILE_BYTES) {
        diag_error(d, path, 0, 0, "file of %lld bytes exceeds the limit of %llu bytes",
                   (long long)st.st_size, (unsigned long long)TRACE_MAX_FILE_BYTES);
        fclose(f);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *b = malloc(n ? n : 1);
    size_t got = b ? fread(b, 1, n, f) : 0;
    fclose(f);
    if (!b || got != n) {
        diag_error(d, path, 0, 0, "cannot read: %s", b ? "short read" : "out of memory");
        free(b);
        return -1;
    }
    int rc = trace_read_mem(path, b, n, opts, out, d);
    free(b);
    return rc;
}

void trace_file_name(char *buf, size_t n, uint32_t layer, const char *name)
{
    char clean[TRACE_NAME_BYTES];
    size_t i = 0;
    for (; name[i] && i < sizeof clean - 1; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '.';
        clean[i] = ok ? c : '_';
    }
    clean[i] = 0;
    snprintf(buf, n, "L%03u_%s.imct", layer, clean);
}
