/* Trace generation: one stream of records per tile per layer (per replica on
 * the tile for weight layers), derived from
 * the mapping alone (no arch-dependent timing: that is the run engine's).
 * Every choice here is documented in docs/trace-format.md. */
#include "tracegen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct recbuf {
    trace_rec_t *v;
    uint32_t n, cap;
} recbuf_t;

/* A layer as the layers around it see it. */
typedef struct view {
    int64_t positions, vals;  /* output positions per inference, values per position */
    uint32_t t0, t1;          /* tiles [t0, t1] that may receive its inputs */
    int64_t *rows_t;          /* distinct weight rows held per tile of [t0, t1] */
    int64_t rows;             /* 0 for layers without weights (share 1) */
    int n_cons, *cons;        /* consumer layers, ascending (LSTM: itself first) */
    /* Banded convs (out_h > 1): replica r computes a contiguous block of
     * positions, so a tile receives only the input rows its replicas' windows
     * read. Per tile of [t0, t1]: recv[t·in_h + y] whether row y is received,
     * before[t·(in_h+1) + y] how many received rows precede row y. */
    int banded;
    uint8_t *recv;
    int64_t *before;
} view_t;

typedef struct ce_work {
    uint32_t ce, xbars;
    int64_t rows, cols;       /* sums over the CE's crossbars of the replica */
} ce_work_t;

typedef struct tile_work {
    uint32_t tile;
    int n_ces;
    ce_work_t *ces;
    int64_t rows, lcols;      /* distinct rows read, logical columns produced */
    /* The replica's own stream on this tile: replicas sharing a tile run in
     * parallel on their own CEs, so each has a stream of its own. */
    recbuf_t buf;
    int64_t waited[LAYER_MAX_INPUTS + 1];
    int64_t msgs;
} tile_work_t;

typedef struct replica {
    int n_tiles, home;        /* home: index in tiles of the replica's first CE */
    tile_work_t *tiles;
} replica_t;

typedef struct gen {
    const mapping_t *m;
    const arch_t *a;
    const model_t *md;
    imc_diag_t *d;
    uint32_t n_tiles, n_ces, cpt, xpc;
    view_t *v;
    recbuf_t *st;             /* per tile, for the layer being generated */
    int64_t *waited;          /* per tile x input slot: last WAIT value */
    int64_t *msgs;            /* per tile: partial-sum messages awaited so far */
    int n_slots, slots[LAYER_MAX_INPUTS + 1];
    /* Streams of the weight layer being generated, one per (tile, replica),
     * in replica order; merged with st[] by tile when the layer is done. */
    uint32_t *rs_tile;
    recbuf_t *rs_buf;
    uint32_t n_rs, cap_rs;
    int err;
} gen_t;

static int is_weight(layer_kind_t k) { return k == LAYER_CONV || k == LAYER_LINEAR || k == LAYER_LSTM; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

static int act_bits(const gen_t *g, const layer_t *L)
{
    const layer_map_t *lm = &g->m->layers[L - g->md->layers];
    return lm->act_bits > 0 ? lm->act_bits
           : L->act_bits > 0 ? L->act_bits : (int)max64(1, g->a->precision.act_bits);
}

static int64_t bytes_of(int64_t values, int bits) { return cdiv(values * bits, 8); }

static int64_t positions_of(const layer_t *L)
{
    return L->kind == LAYER_LSTM ? max64(1, L->lstm_steps) : max64(1, (int64_t)L->out_h * L->out_w);
}

static void push(gen_t *g, uint32_t tile, int op, int arg, int layer, int64_t a, int64_t b,
                 int64_t c)
{
    if (g->err)
        return;
    if (a < 0 || a > UINT32_MAX || b < 0 || b > UINT32_MAX || c < 0 || c > UINT32_MAX) {
        diag_error(g->d, NULL, 0, 0, "layer '%s': %s record field out of range "
                   "(%lld, %lld, %lld; expected 0..4294967295)", g->md->layers[layer].name,
                   trace_op_name(op), (long long)a, (long long)b, (long long)c);
        g->err = 1;
        return;
    }
    recbuf_t *s = &g->st[tile];
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 64;
        trace_rec_t *v = realloc(s->v, cap * sizeof *v);
        if (!v || cap < s->cap) {
            diag_error(g->d, NULL, 0, 0, "out of memory generating traces");
            g->err = 1;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (trace_rec_t){(uint8_t)op, (uint8_t)arg, (uint16_t)layer, (uint32_t)a,
                                 (uint32_t)b, (uint32_t)c};
}

/* Splits total units into blocks of at most w, full blocks first; when that
 * would leave a block empty, evenly. */
static void split(int64_t total, int blocks, int64_t w, int64_t *out)
{
    total = max64(blocks, min64(total, (int64_t)blocks * w));
    for (int b = 0; b < blocks; b++)
        out[b] = total > (int64_t)(blocks - 1) * w ? min64(w, total - (int64_t)b * w)
                                                    : total / blocks + (b < total % blocks);
}

/* What each crossbar of a replica holds. Crossbar k holds row block
 * k % rb of column block k / rb (column-major: a tile gets whole columns,
 * adds their partial sums itself, and needs many inputs), or with row_major
 * row block k / cb of column block k % cb (a tile gets a few row blocks whole:
 * few inputs, more partial sums to send) -- whichever moves fewer bits over
 * the network (choose_order). Its rows belong to a "row slot": inputs that
 * only it and the other crossbars of the slot read (the row block, per group
 * for grouped convs), so distinct slots add up to the layer's inputs. */
typedef struct geom {
    int rb, cb, nx, n_slots;
    int row_major;
    int *slot;                /* per crossbar */
    int64_t *rows, *pcols;    /* per crossbar: rows driven, physical columns */
    int64_t *lcols;           /* per column block: logical output columns */
    int64_t *slot_rows;       /* per slot */
} geom_t;

static void geom_free(geom_t *q)
{
    free(q->slot);
    free(q->rows);
    free(q->pcols);
    free(q->lcols);
    free(q->slot_rows);
}

static uint32_t ce_of(const gen_t *g, int i, int r, int k);

static int rb_of(const geom_t *q, int k) { return q->row_major ? k / q->cb : k % q->rb; }
static int cb_of(const geom_t *q, int k) { return q->row_major ? k % q->cb : k / q->rb; }

/* Bits one inference moves for replica 0 of weight layer i in q's order:
 * inputs to each tile (the share of the input its distinct row blocks read)
 * and partial sums from each tile but the home one, per position. */
static double traffic_bits(const gen_t *g, int i, const geom_t *q, const int64_t *rbrows)
{
    const layer_t *L = &g->md->layers[i];
    const layer_map_t *lm = &g->m->layers[i];
    uint32_t t0 = UINT32_MAX, t1 = 0, home = ce_of(g, i, 0, 0) / g->cpt;
    for (int k = 0; k < q->nx; k++) {
        uint32_t t = ce_of(g, i, 0, k) / g->cpt;
        t0 = t < t0 ? t : t0;
        t1 = t > t1 ? t : t1;
    }
    size_t nt = t1 - t0 + 1, stride = (size_t)(q->rb + q->cb);
    char *seen = calloc(nt * stride, 1);
    if (!seen)
        return -1;
    int64_t rows = 0, all_rows = 0, psum_cols = 0;
    for (int b = 0; b < q->rb; b++)
        all_rows += rbrows[b];
    for (int k = 0; k < q->nx; k++) {
        uint32_t t = ce_of(g, i, 0, k) / g->cpt;
        char *sn = seen + (t - t0) * stride;
        int rbi = rb_of(q, k), cbi = cb_of(q, k);
        if (!sn[rbi]++)
            rows += rbrows[rbi];
        if (t != home && !sn[q->rb + cbi]++)
            psum_cols += q->lcols[cbi];
    }
    free(seen);
    double in_values = (double)max64(1, L->in_h) * max64(1, L->in_w) * max64(1, L->in_c);
    double bits = lm->act_bits > 0 ? lm->act_bits : g->a->precision.act_bits;
    return in_values * (double)rows / (double)max64(1, all_rows) * bits +
           (double)lm->positions * (double)psum_cols * TRACEGEN_PSUM_BYTES * 8;
}

/* Row-major when it moves fewer bits (plain convs and linear layers only). */
static int choose_order(const gen_t *g, int i, geom_t *q, const int64_t *rbrows)
{
    const layer_t *L = &g->md->layers[i];
    q->row_major = 0;
    if (!(L->kind == LAYER_LINEAR || (L->kind == LAYER_CONV && L->groups <= 1)) ||
        q->rb < 2 || q->cb < 2)
        return 0;
    double col = traffic_bits(g, i, q, rbrows);
    q->row_major = 1;
    double row = traffic_bits(g, i, q, rbrows);
    if (col < 0 || row < 0)
        return -1;
    q->row_major = row < col;
    return 0;
}

static int geom_init(const gen_t *g, int i, geom_t *q)
{
    const layer_t *L = &g->md->layers[i];
    const layer_map_t *lm = &g->m->layers[i];
    memset(q, 0, sizeof *q);
    q->rb = lm->row_blocks;
    q->cb = lm->col_blocks;
    q->nx = q->rb * q->cb;
    int64_t groups = L->kind == LAYER_CONV && L->groups > 1 ? L->groups : 1;
    int64_t gpx = max64(1, lm->groups_per_crossbar);
    int packed = groups > 1 && gpx > 1;          /* whole groups share crossbars */
    int per_group = groups > 1 && !packed && q->cb % groups == 0;
    int64_t cpg = per_group ? q->cb / groups : q->cb; /* column blocks per group */
    q->n_slots = packed ? q->cb : per_group ? (int)(groups * q->rb) : q->rb;
    q->slot = calloc((size_t)q->nx, sizeof(int));
    q->rows = calloc((size_t)q->nx, sizeof(int64_t));
    q->pcols = calloc((size_t)q->nx, sizeof(int64_t));
    q->lcols = calloc((size_t)q->cb, sizeof(int64_t));
    q->slot_rows = calloc((size_t)q->n_slots, sizeof(int64_t));
    int64_t *rbrows = calloc((size_t)q->rb, sizeof(int64_t));
    if (!q->slot || !q->rows || !q->pcols || !q->lcols || !q->slot_rows || !rbrows) {
        free(rbrows);
        return -1;
    }
    int wb = lm->weight_bits > 0 ? lm->weight_bits
             : L->weight_bits > 0 ? L->weight_bits : g->a->precision.weight_bits;
    int bpc = g->a->device.bits_per_cell > 0 ? g->a->device.bits_per_cell : 1;
    int64_t slices = lm->slices > 0 ? lm->slices
                     : cdiv(max64(1, wb), bpc) *
                           (g->a->crossbar.signed_scheme == SIGNED_DIFFERENTIAL ? 2 : 1);
    int64_t wpr = lm->weights_per_row > 0 ? lm->weights_per_row
                                          : max64(1, g->a->crossbar.cols / slices);
    int64_t rows_g = packed || per_group ? max64(1, lm->rows) : lm->rows; /* per group */
    int64_t cols_g = max64(1, lm->cols / groups);
    split(rows_g, q->rb, max64(1, g->a->crossbar.rows), rbrows);
    for (int c = 0; c < q->cb; c++) {
        if (packed) {
            int64_t ng = min64(gpx, groups - (int64_t)c * gpx);
            q->lcols[c] = max64(1, ng) * cols_g;
        } else {
            int64_t cc = per_group ? c % cpg : c, width = per_group ? cols_g : lm->cols;
            q->lcols[c] = max64(1, min64(wpr, width - cc * wpr));
        }
    }
    if (choose_order(g, i, q, rbrows)) { /* grouped convs stay column-major */
        free(rbrows);
        return -1;
    }
    for (int k = 0; k < q->nx; k++) {
        int rbi = rb_of(q, k), cbi = cb_of(q, k);
        if (packed) {
            q->slot[k] = cbi;
            q->rows[k] = (q->lcols[cbi] / cols_g) * rows_g;
        } else {
            q->slot[k] = per_group ? (int)((cbi / cpg) * q->rb + rbi) : rbi;
            q->rows[k] = rbrows[rbi];
        }
        q->pcols[k] = min64(q->lcols[cbi] * slices, max64(1, g->a->crossbar.cols));
        q->slot_rows[q->slot[k]] = q->rows[k];
    }
    free(rbrows);
    return 0;
}

/* Global CE of crossbar k of replica r: the compiler's CE list when it gives
 * one, else consecutive CEs from first_ce. */
static uint32_t ce_of(const gen_t *g, int i, int r, int k)
{
    const layer_map_t *lm = &g->m->layers[i];
    int64_t idx = (int64_t)r * lm->ces_per_replica + k / (int)g->xpc;
    return (uint32_t)(lm->ces ? lm->ces[idx] : lm->first_ce + idx);
}

static void replica_free(replica_t *R)
{
    for (int t = 0; R->tiles && t < R->n_tiles; t++) {
        free(R->tiles[t].ces);
        free(R->tiles[t].buf.v);
    }
    free(R->tiles);
}

static int replica_build(const gen_t *g, int i, int r, const geom_t *q, replica_t *R)
{
    int cpr = g->m->layers[i].ces_per_replica;
    uint32_t t0 = UINT32_MAX, t1 = 0;
    for (int k = 0; k < q->nx; k++) {
        uint32_t t = ce_of(g, i, r, k) / g->cpt;
        t0 = t < t0 ? t : t0;
        t1 = t > t1 ? t : t1;
    }
    memset(R, 0, sizeof *R);
    size_t stride = (size_t)(q->n_slots + q->cb);
    R->tiles = calloc(t1 - t0 + 1, sizeof *R->tiles);
    char *seen = calloc((size_t)(t1 - t0 + 1) * stride, 1);
    if (!R->tiles || !seen) {
        free(seen);
        return -1;
    }
    R->n_tiles = (int)(t1 - t0 + 1);
    for (int t = 0; t < R->n_tiles; t++) {
        R->tiles[t].tile = t0 + (uint32_t)t;
        R->tiles[t].ces = calloc((size_t)cpr, sizeof(ce_work_t));
        if (!R->tiles[t].ces) {
            free(seen);
            return -1;
        }
    }
    for (int k = 0; k < q->nx; k++) {
        uint32_t ce = ce_of(g, i, r, k);
        tile_work_t *tw = &R->tiles[ce / g->cpt - t0];
        char *sn = seen + (size_t)(ce / g->cpt - t0) * stride;
        int c;
        for (c = 0; c < tw->n_ces && tw->ces[c].ce != ce; c++)
            ;
        if (c == tw->n_ces)
            tw->ces[tw->n_ces++].ce = ce;
        ce_work_t *cw = &tw->ces[c];
        cw->xbars++;
        cw->rows += q->rows[k];
        cw->cols += q->pcols[k];
        if (!sn[q->slot[k]]++)
            tw->rows += q->slot_rows[q->slot[k]];
        if (!sn[q->n_slots + cb_of(q, k)]++)
            tw->lcols += q->lcols[cb_of(q, k)];
    }
    free(seen);
    /* Keep the tiles the replica uses, in increasing order; its home is the
     * tile of its first CE. */
    uint32_t home = ce_of(g, i, r, 0) / g->cpt;
    int n = 0;
    for (int t = 0; t < R->n_tiles; t++) {
        if (R->tiles[t].n_ces) {
            if (R->tiles[t].tile == home)
                R->home = n;
            R->tiles[n++] = R->tiles[t];
        } else {
            free(R->tiles[t].ces);
        }
    }
    R->n_tiles = n;
    return 0;
}

/* Values per position producer j (or the network input) sends to tile t of
 * consumer c: its output values, scaled to the share of c's rows on t. */
static int64_t share(const gen_t *g, int j, int c, uint32_t t)
{
    int64_t vals = j < 0 ? max64(1, g->md->in_c) : g->v[j].vals;
    const view_t *v = &g->v[c];
    if (!v->rows)
        return vals;
    int64_t rt = t >= v->t0 && t <= v->t1 ? v->rows_t[t - v->t0] : 0;
    return rt ? max64(1, cdiv(vals * rt, v->rows)) : 0;
}

/* Row groups of a row-interleaved conv: output row oy belongs to group
 * oy mod G and the replicas r with r mod G = g share group g's rows position
 * by position. G = min(R, out_h): output rows go to the replicas in turn, so
 * consecutive rows run in parallel while a replica reads only the input rows
 * of its own rows' windows; with more replicas than rows, a row's positions
 * are shared round-robin by its group. (A smaller G, e.g. 2·ky, tracks the
 * producer more closely but sends each input row to ~R/G times more tiles.) */
static int64_t row_groups(const layer_t *L, int64_t R)
{
    return max64(1, min64(R, L->out_h));
}

static int64_t replica_of_pixel(const layer_t *L, int64_t R, int64_t oy, int64_t ox)
{
    int64_t G = row_groups(L, R), g = oy % G;
    int64_t members = (R - g + G - 1) / G; /* replicas g, g+G, g+2G, ... */
    return g + G * (ox % members);
}

/* Replica computing position p of weight layer i: row-interleaved for
 * banded convs, else round-robin. */
static int replica_of(const gen_t *g, int i, int64_t p)
{
    int64_t R = g->m->layers[i].replication;
    if (!g->v[i].banded)
        return (int)(p % R);
    const layer_t *L = &g->md->layers[i];
    return (int)replica_of_pixel(L, R, p / L->out_w, p % L->out_w);
}

static int lstm_to_plain(const gen_t *g, int j, int c)
{
    return j >= 0 && j != c && g->md->layers[j].kind == LAYER_LSTM &&
           g->md->layers[c].kind != LAYER_LSTM;
}

/* Positions producer j (or the network input) sends to consumer c. Layers
 * after an LSTM see only its last hidden state; an LSTM feeds itself every
 * step but the last. */
static int64_t positions_in(const gen_t *g, int j, int c)
{
    if (j < 0)
        return max64(1, (int64_t)g->md->in_h * g->md->in_w);
    if (lstm_to_plain(g, j, c))
        return 1;
    return g->v[j].positions - (j == c);
}

/* Whether producer j's values reach consumer c by input row (c banded and j's
 * positions are c's input pixels). */
static int by_rows(const gen_t *g, int j, int c)
{
    const layer_t *L = &g->md->layers[c];
    return g->v[c].banded && j != c && L->in_w > 0 &&
           positions_in(g, j, c) == (int64_t)L->in_h * L->in_w;
}

/* Input pixels of rows received by tile t of banded consumer c, in raster
 * order, up to pixel (y, x) inclusive; y = in_h counts all of them. */
static int64_t rows_upto(const gen_t *g, int c, uint32_t t, int64_t y, int64_t x)
{
    const layer_t *L = &g->md->layers[c];
    const view_t *v = &g->v[c];
    if (t < v->t0 || t > v->t1 || y < 0 || x < 0)
        return 0;
    size_t ti = t - v->t0;
    int64_t n = v->before[ti * (size_t)(L->in_h + 1) + (size_t)y] * L->in_w;
    return y < L->in_h && v->recv[ti * (size_t)L->in_h + (size_t)y] ? n + x + 1 : n;
}

static int sends_at(const gen_t *g, int j, int c, int64_t p)
{
    if (lstm_to_plain(g, j, c))
        return p == g->v[j].positions - 1;
    return j != c || p < g->v[j].positions - 1;
}

/* Producer positions consumer c needs before its position p. */
static int64_t need(const gen_t *g, int c, int j, int64_t p)
{
    const layer_t *L = &g->md->layers[c];
    int64_t pj = positions_in(g, j, c), pc = g->v[c].positions;
    if (j == c)
        return p; /* LSTM step p needs the outputs of steps 0..p-1 */
    switch (L->kind) {
    case LAYER_CONV:
    case LAYER_MAXPOOL:
    case LAYER_AVGPOOL: {
        if (pj != (int64_t)L->in_h * L->in_w || L->out_w <= 0)
            return pj;
        int64_t oy = p / L->out_w, ox = p % L->out_w, s = max64(1, L->stride);
        int64_t ly = min64(L->in_h - 1, oy * s - L->pad + max64(1, L->ky) - 1);
        int64_t lx = min64(L->in_w - 1, ox * s - L->pad + max64(1, L->kx) - 1);
        return ly < 0 || lx < 0 ? 0 : ly * L->in_w + lx + 1;
    }
    case LAYER_ADD:
    case LAYER_CONCAT:
    case LAYER_ACT:
        return pj == pc ? p + 1 : pj;
    case LAYER_LSTM:
        return j >= 0 && g->md->layers[j].kind == LAYER_LSTM && pj == pc ? p + 1 : pj;
    default:
        return pj;
    }
}

static int64_t *waited(gen_t *g, uint32_t t, int s) { return &g->waited[(size_t)t * g->n_slots + s]; }

static void emit_waits(gen_t *g, int c, uint32_t t, int64_t p)
{
    for (int s = 0; s < g->n_slots; s++) {
        int j = g->slots[s];
        int64_t val = min64(need(g, c, j, p), positions_in(g, j, c)) * share(g, j, c, t);
        if (by_rows(g, j, c)) {
            const layer_t *L = &g->md->layers[c];
            int64_t np = need(g, c, j, p); /* last pixel needed + 1, in raster order */
            val = np ? rows_upto(g, c, t, (np - 1) / L->in_w, (np - 1) % L->in_w) : 0;
            val *= share(g, j, c, t);
        }
        if (val > *waited(g, t, s)) {
            push(g, t, TR_WAIT, 0, c, j < 0 ? TRACE_NETWORK_INPUT : (uint32_t)j, val, 0);
            *waited(g, t, s) = val;
        }
    }
}

/* At the end of a stream: wait for every value sent to it this inference, so
 * the counts start afresh with the next inference. */
static void emit_drain(gen_t *g, int c, uint32_t t)
{
    for (int s = 0; s < g->n_slots; s++) {
        int j = g->slots[s];
        int64_t n = by_rows(g, j, c)
                        ? rows_upto(g, c, t, g->md->layers[c].in_h, 0)
                        : positions_in(g, j, c);
        int64_t val = n * share(g, j, c, t);
        if (val > *waited(g, t, s)) {
            push(g, t, TR_WAIT, 0, c, j < 0 ? TRACE_NETWORK_INPUT : (uint32_t)j, val, 0);
            *waited(g, t, s) = val;
        }
    }
}

static void emit_sends(gen_t *g, int i, uint32_t from, int64_t p)
{
    const view_t *v = &g->v[i];
    for (int k = 0; k < v->n_cons; k++) {
        int c = v->cons[k];
        if (!sends_at(g, i, c, p))
            continue;
        const view_t *vc = &g->v[c];
        int rows = by_rows(g, i, c);
        int64_t in_h = g->md->layers[c].in_h, y = rows ? p / g->md->layers[c].in_w : 0;
        for (uint32_t t = vc->t0; t <= vc->t1; t++) {
            int64_t n = share(g, i, c, t);
            if (rows && !vc->recv[(size_t)(t - vc->t0) * (size_t)in_h + (size_t)y])
                continue;
            if (n)
                push(g, from, TR_SEND, 0, i, t, n, c);
        }
    }
}

/* ACT for the fused activation, elementwise LSTM work, WRITE, SEND. */
static void emit_tail(gen_t *g, int i, uint32_t home, int64_t p)
{
    const layer_t *L = &g->md->layers[i];
    int64_t oc = max64(1, L->out_c);
    if (L->kind == LAYER_LSTM) {
        /* Gates i, f, o through sigmoid, g and the cell through tanh;
         * c = f*c + i*g and h = o*tanh(c) are 4 elementwise ops per value. */
        int64_t h = (L->lstm_hidden > 0 ? L->lstm_hidden : oc) * max64(1, L->lstm_layers);
        push(g, home, TR_ACT, ACT_SIGMOID, i, 3 * h, 0, 0);
        push(g, home, TR_ACT, ACT_TANH, i, 2 * h, 0, 0);
        push(g, home, TR_ADD, 0, i, 4 * h, 0, 0);
    } else if (L->act != ACT_NONE && L->kind != LAYER_ACT) {
        push(g, home, TR_ACT, L->act, i, oc, 0, 0);
    }
    push(g, home, TR_WRITE, 0, i, bytes_of(oc, act_bits(g, L)), 0, 0);
    emit_sends(g, i, home, p);
}

/* Makes tile_work w the stream that push()/emit_*() write for its tile (and
 * back): the emitters address streams by tile, a replica's by swapping. */
static void swap_stream(gen_t *g, tile_work_t *w)
{
    recbuf_t b = g->st[w->tile];
    g->st[w->tile] = w->buf;
    w->buf = b;
    for (int s = 0; s < g->n_slots; s++) {
        int64_t v = g->waited[(size_t)w->tile * g->n_slots + s];
        g->waited[(size_t)w->tile * g->n_slots + s] = w->waited[s];
        w->waited[s] = v;
    }
    int64_t m = g->msgs[w->tile];
    g->msgs[w->tile] = w->msgs;
    w->msgs = m;
}

/* Hands a finished replica stream over to the layer's list. */
static void keep_stream(gen_t *g, tile_work_t *w)
{
    if (!w->buf.n)
        return;
    if (g->n_rs == g->cap_rs) {
        uint32_t cap = g->cap_rs ? g->cap_rs * 2 : 64;
        uint32_t *t = realloc(g->rs_tile, cap * sizeof *t);
        if (t)
            g->rs_tile = t;
        recbuf_t *b = t ? realloc(g->rs_buf, cap * sizeof *b) : NULL;
        if (!t || !b) {
            diag_error(g->d, NULL, 0, 0, "out of memory generating traces");
            g->err = 1;
            return;
        }
        g->rs_buf = b;
        g->cap_rs = cap;
    }
    g->rs_tile[g->n_rs] = w->tile;
    g->rs_buf[g->n_rs++] = w->buf;
    w->buf = (recbuf_t){0};
}

static int gen_weight_layer(gen_t *g, int i)
{
    const layer_t *L = &g->md->layers[i];
    const layer_map_t *lm = &g->m->layers[i];
    geom_t q = {0};
    replica_t *reps = calloc((size_t)lm->replication, sizeof *reps);
    int rc = -1;
    if (!reps || geom_init(g, i, &q))
        goto out;
    for (int r = 0; r < lm->replication; r++)
        if (replica_build(g, i, r, &q, &reps[r]))
            goto out;
    int bits = act_bits(g, L);
    for (int64_t p = 0; p < g->v[i].positions && !g->err; p++) {
        int r = replica_of(g, i, p);
        replica_t *R = &reps[r];
        uint32_t home = R->tiles[R->home].tile;
        for (int t = 0; t < R->n_tiles; t++) {
            tile_work_t *tw = &R->tiles[t];
            swap_stream(g, tw);
            emit_waits(g, i, tw->tile, p);
            push(g, tw->tile, TR_READ, 0, i, bytes_of(tw->rows, bits), 0, 0);
            for (int k = 0; k < tw->n_ces; k++) {
                ce_work_t *cw = &tw->ces[k];
                if (cw->rows > 0xFFFF || cw->cols > 0xFFFF) {
                    diag_error(g->d, NULL, 0, 0, "layer '%s': CE %u drives %lld rows and %lld "
                               "columns in one MVM (expected at most 65535 each)", L->name,
                               cw->ce, (long long)cw->rows, (long long)cw->cols);
                    g->err = 1;
                }
                push(g, tw->tile, TR_MVM, bits, i, cw->ce, cw->xbars,
                     cw->rows | cw->cols << 16);
            }
            if (t != R->home) /* c: the replica, whose home stream counts them */
                push(g, tw->tile, TR_PSUM_SEND, 0, i, home, tw->lcols * TRACEGEN_PSUM_BYTES, r + 1);
            swap_stream(g, tw);
        }
        tile_work_t *hw = &R->tiles[R->home];
        swap_stream(g, hw);
        if (R->n_tiles > 1 || q.rb > 1) {
            g->msgs[home] += R->n_tiles - 1;
            push(g, home, TR_ACCUM, 0, i, g->msgs[home], (int64_t)(q.rb - 1) * lm->cols, r + 1);
        }
        emit_tail(g, i, home, p);
        swap_stream(g, hw);
    }
    /* Each replica stream ends with its drain WAITs, then joins the layer. */
    for (int r = 0; r < lm->replication && !g->err; r++)
        for (int t = 0; t < reps[r].n_tiles; t++) {
            tile_work_t *tw = &reps[r].tiles[t];
            if (!tw->buf.n)
                continue;
            swap_stream(g, tw);
            emit_drain(g, i, tw->tile);
            swap_stream(g, tw);
            keep_stream(g, tw);
        }
    rc = g->err ? -1 : 0;
out:
    if (rc && !g->err)
        diag_error(g->d, NULL, 0, 0, "out of memory generating traces");
    for (int r = 0; reps && r < lm->replication; r++)
        replica_free(&reps[r]);
    free(reps);
    geom_free(&q);
    return rc;
}

static void gen_plain_layer(gen_t *g, int i)
{
    const layer_t *L = &g->md->layers[i];
    uint32_t home = (uint32_t)g->m->layers[i].home_tile;
    int bits = act_bits(g, L);
    int64_t oc = max64(1, L->out_c), win = max64(1, L->kx) * max64(1, L->ky);
    int64_t plane = max64(1, (int64_t)L->in_h * L->in_w);
    for (int64_t p = 0; p < g->v[i].positions && !g->err; p++) {
        emit_waits(g, i, home, p);
        switch (L->kind) {
        case LAYER_MAXPOOL:
        case LAYER_AVGPOOL:
            push(g, home, TR_READ, 0, i, bytes_of(win * oc, bits), 0, 0);
            push(g, home, TR_POOL, L->kind == LAYER_AVGPOOL, i, oc, win, 0);
            break;
        case LAYER_GLOBALPOOL:
            push(g, home, TR_READ, 0, i, bytes_of(plane * oc, bits), 0, 0);
            push(g, home, TR_POOL, L->pool_avg ? 1 : 0, i, oc, plane, 0);
            break;
        case LAYER_ADD:
            push(g, home, TR_READ, 0, i, bytes_of(max64(2, L->n_inputs) * oc, bits), 0, 0);
            push(g, home, TR_ADD, 0, i, (max64(2, L->n_inputs) - 1) * oc, 0, 0);
            break;
        case LAYER_ACT:
            push(g, home, TR_READ, 0, i, bytes_of(oc, bits), 0, 0);
            if (L->act != ACT_NONE)
                push(g, home, TR_ACT, L->act, i, oc, 0, 0);
            break;
        default: /* concat, flatten: data movement only */
            push(g, home, TR_READ, 0, i, bytes_of(oc, bits), 0, 0);
            break;
        }
        emit_tail(g, i, home, p);
    }
}

/* Rejects what would make the generator index outside the system. */
static int check_mapping(gen_t *g)
{
    const model_t *md = g->md;
    if (md->n_layers < 1 || md->n_layers > 65536) {
        diag_error(g->d, NULL, 0, 0, "model '%s': %d layers (expected 1..65536)", md->name,
                   md->n_layers);
        return -1;
    }
    for (int i = 0; i < md->n_layers; i++) {
        const layer_t *L = &md->layers[i];
        const layer_map_t *lm = &g->m->layers[i];
        if ((int)L->kind < 0 || (int)L->kind >= LAYER_KIND_COUNT_ || L->n_inputs < 1 ||
            L->n_inputs > LAYER_MAX_INPUTS) {
            diag_error(g->d, NULL, 0, 0, "layer '%s': bad kind %d or input count %d", L->name,
                       (int)L->kind, L->n_inputs);
            return -1;
        }
        for (int k = 0; k < L->n_inputs; k++)
            if (L->inputs[k] < LAYER_INPUT_NETWORK || L->inputs[k] >= i) {
                diag_error(g->d, NULL, 0, 0, "layer '%s': input %d is layer %d (expected an "
                           "earlier layer or the network input)", L->name, k, L->inputs[k]);
                return -1;
            }
        if (!is_weight(L->kind)) {
            if (lm->home_tile < 0 || (uint32_t)lm->home_tile >= g->n_tiles) {
                diag_error(g->d, NULL, 0, 0, "layer '%s': home tile %d out of range (system has "
                           "%u tiles)", L->name, lm->home_tile, g->n_tiles);
                return -1;
            }
            continue;
        }
        int64_t nx = (int64_t)lm->row_blocks * lm->col_blocks;
        if (lm->row_blocks < 1 || lm->col_blocks < 1 || lm->replication < 1 ||
            lm->ces_per_replica < 1 || lm->rows < 1 || lm->cols < 1 ||
            nx > (int64_t)lm->ces_per_replica * g->xpc) {
            diag_error(g->d, NULL, 0, 0, "layer '%s': inconsistent mapping (%d x %d blocks of "
                       "%d x %d, %d CEs of %u crossbars per replica, %d replicas)", L->name,
                       lm->row_blocks, lm->col_blocks, lm->rows, lm->cols, lm->ces_per_replica,
                       g->xpc, lm->replication);
            return -1;
        }
        if (lm->positions > 0 && lm->positions != positions_of(L)) {
            diag_error(g->d, NULL, 0, 0, "layer '%s': mapping has %lld positions, the layer's "
                       "shape %lld", L->name, (long long)lm->positions,
                       (long long)positions_of(L));
            return -1;
        }
        if (lm->ces) {
            if (lm->n_ces != lm->replication * lm->ces_per_replica) {
                diag_error(g->d, NULL, 0, 0, "layer '%s': %d CEs listed (expected %d replicas "
                           "x %d)", L->name, lm->n_ces, lm->replication, lm->ces_per_replica);
                return -1;
            }
            for (int k = 0; k < lm->n_ces; k++)
                if (lm->ces[k] < 0 || (uint32_t)lm->ces[k] >= g->n_ces) {
                    diag_error(g->d, NULL, 0, 0, "layer '%s': CE %d out of range (system has "
                               "%u CEs)", L->name, lm->ces[k], g->n_ces);
                    return -1;
                }
            continue;
        }
        int64_t last = lm->first_ce + (int64_t)lm->replication * lm->ces_per_replica;
        if (lm->first_ce < 0 || last > g->n_ces) {
            diag_error(g->d, NULL, 0, 0, "layer '%s': CEs %d..%lld out of range (system has %u "
                       "CEs)", L->name, lm->first_ce, (long long)last - 1, g->n_ces);
            return -1;
        }
    }
    return 0;
}

/* Marks, per tile of banded conv i, the input rows read by the windows of
 * the positions its replicas compute (clipped to the input). */
static int band_rows(gen_t *g, int i, const geom_t *q)
{
    const layer_t *L = &g->md->layers[i];
    const layer_map_t *lm = &g->m->layers[i];
    view_t *v = &g->v[i];
    size_t nt = v->t1 - v->t0 + 1, h = (size_t)L->in_h;
    v->recv = calloc(nt * h, 1);
    v->before = calloc(nt * (h + 1), sizeof(int64_t));
    if (!v->recv || !v->before)
        return -1;
    v->banded = 1;
    int64_t R = lm->replication, s = max64(1, L->stride);
    int64_t ky = max64(1, L->ky), G = row_groups(L, R);
    for (int64_t oy = 0; oy < L->out_h; oy++) {
        int64_t grp = oy % G, members = (R - grp + G - 1) / G;
        for (int64_t m = 0; m < members && m < L->out_w; m++) {
            int64_t r = grp + G * m;
            for (int k = 0; k < q->nx; k++) {
                uint8_t *rv = v->recv + (size_t)(ce_of(g, i, (int)r, k) / g->cpt - v->t0) * h;
                for (int64_t y = max64(0, oy * s - L->pad);
                     y <= min64(L->in_h - 1, oy * s - L->pad + ky - 1); y++)
                    rv[y] = 1;
            }
        }
    }
    for (size_t t = 0; t < nt; t++)
        for (size_t y = 0; y < h; y++)
            v->before[t * (h + 1) + y + 1] = v->before[t * (h + 1) + y] + v->recv[t * h + y];
    return 0;
}

static int build_views(gen_t *g)
{
    const model_t *md = g->md;
    for (int i = 0; i < md->n_layers; i++) {
        const layer_t *L = &md->layers[i];
        const layer_map_t *lm = &g->m->layers[i];
        view_t *v = &g->v[i];
        v->positions = positions_of(L);
        v->vals = max64(1, L->out_c);
        v->cons = calloc((size_t)md->n_layers, sizeof(int));
        if (!v->cons)
            return -1;
        if (L->kind == LAYER_LSTM)
            g->v[i].cons[g->v[i].n_cons++] = i;
        for (int k = 0; k < L->n_inputs; k++) {
            int j = L->inputs[k];
            if (j >= 0 && (!g->v[j].n_cons || g->v[j].cons[g->v[j].n_cons - 1] != i))
                g->v[j].cons[g->v[j].n_cons++] = i;
        }
        if (!is_weight(L->kind)) {
            v->t0 = v->t1 = (uint32_t)lm->home_tile;
            continue;
        }
        geom_t q;
        if (geom_init(g, i, &q)) {
            geom_free(&q);
            return -1;
        }
        v->t0 = UINT32_MAX;
        for (int r = 0; r < lm->replication; r++)
            for (int k = 0; k < q.nx; k++) {
                uint32_t t = ce_of(g, i, r, k) / g->cpt;
                v->t0 = t < v->t0 ? t : v->t0;
                v->t1 = t > v->t1 ? t : v->t1;
            }
        size_t nt = v->t1 - v->t0 + 1;
        v->rows_t = calloc(nt, sizeof(int64_t));
        char *seen = calloc(nt * (size_t)q.n_slots, 1);
        if (!v->rows_t || !seen) {
            free(seen);
            geom_free(&q);
            return -1;
        }
        for (int r = 0; r < lm->replication; r++)
            for (int k = 0; k < q.nx; k++) {
                size_t t = ce_of(g, i, r, k) / g->cpt - v->t0;
                if (!seen[t * (size_t)q.n_slots + (size_t)q.slot[k]]++)
                    v->rows_t[t] += q.slot_rows[q.slot[k]];
            }
        for (int b = 0; b < q.n_slots; b++)
            v->rows += q.slot_rows[b];
        free(seen);
        int rc = L->kind == LAYER_CONV && L->out_h > 1 && L->out_w > 0 && L->in_h > 0 &&
                         L->in_w > 0
                     ? band_rows(g, i, &q)
                     : 0;
        geom_free(&q);
        if (rc)
            return -1;
    }
    return 0;
}

static int gen_layer(gen_t *g, int i, trace_layer_t *out)
{
    const layer_t *L = &g->md->layers[i];
    g->n_slots = 0;
    for (int k = 0; k < L->n_inputs; k++) {
        int dup = 0;
        for (int s = 0; s < g->n_slots; s++)
            dup |= g->slots[s] == L->inputs[k];
        if (!dup)
            g->slots[g->n_slots++] = L->inputs[k];
    }
    if (L->kind == LAYER_LSTM)
        g->slots[g->n_slots++] = i;
    memset(g->waited, 0, (size_t)g->n_tiles * (LAYER_MAX_INPUTS + 1) * sizeof(int64_t));
    memset(g->msgs, 0, g->n_tiles * sizeof(int64_t));
    if (is_weight(L->kind)) {
        if (gen_weight_layer(g, i))
            return -1;
    } else {
        gen_plain_layer(g, i);
    }
    for (uint32_t t = 0; t < g->n_tiles; t++)
        if (g->st[t].n)
            emit_drain(g, i, t);
    if (g->err)
        return -1;

    memset(out, 0, sizeof *out);
    out->arch_hash = g->a->hash;
    out->model_hash = g->md->hash;
    out->layer = (uint32_t)i;
    out->n_layers = (uint32_t)g->md->n_layers;
    out->n_tiles = g->n_tiles;
    out->n_ces = g->n_ces;
    out->kind = (uint8_t)L->kind;
    out->act = (uint8_t)L->act;
    out->act_bits = (uint16_t)act_bits(g, L);
    snprintf(out->name, sizeof out->name, "%s", L->name);
    for (uint32_t t = 0; t < g->n_tiles; t++)
        out->n_streams += g->st[t].n > 0;
    out->n_streams += g->n_rs;
    out->streams = calloc(out->n_streams ? out->n_streams : 1, sizeof *out->streams);
    if (!out->streams) {
        diag_error(g->d, NULL, 0, 0, "out of memory generating traces");
        return -1;
    }
    /* Streams in tile order; a tile's replica streams in replica order (the
     * replica list is walked once per tile: replicas are few per layer). */
    uint32_t s = 0;
    for (uint32_t t = 0; t < g->n_tiles; t++) {
        if (g->st[t].n) {
            out->streams[s++] = (trace_stream_t){t, g->st[t].n, g->st[t].v};
            g->st[t] = (recbuf_t){0};
        }
    }
    if (g->n_rs) {
        /* counting sort by tile keeps replica order within a tile */
        uint32_t *first = calloc((size_t)g->n_tiles + 1, sizeof *first);
        if (!first) {
            diag_error(g->d, NULL, 0, 0, "out of memory generating traces");
            return -1;
        }
        for (uint32_t k = 0; k < g->n_rs; k++)
            first[g->rs_tile[k] + 1]++;
        for (uint32_t t = 0; t < g->n_tiles; t++)
            first[t + 1] += first[t];
        for (uint32_t k = 0; k < g->n_rs; k++)
            out->streams[s + first[g->rs_tile[k]]++] =
                (trace_stream_t){g->rs_tile[k], g->rs_buf[k].n, g->rs_buf[k].v};
        free(first);
        s += g->n_rs;
        g->n_rs = 0;
    }
    return 0;
}

int tracegen_build(const mapping_t *m, trace_layer_t **layers_out, imc_diag_t *d)
{
    gen_t g = {.m = m, .a = m->arch, .md = m->model, .d = d};
    *layers_out = NULL;
    int64_t tiles = (int64_t)g.a->chip.tiles * max64(1, g.a->chip.chips);
    if (g.a->chip.tiles < 1 || g.a->tile.ces < 1 || g.a->ce.crossbars < 1 ||
        tiles * g.a->tile.ces > UINT32_MAX) {
        diag_error(d, NULL, 0, 0, "arch '%s': %d tiles x %d chips, %d CEs per tile, %d crossbars "
                   "per CE (expected positive, at most 2^32 CEs)", g.a->name, g.a->chip.tiles,
                   g.a->chip.chips, g.a->tile.ces, g.a->ce.crossbars);
        return -1;
    }
    g.n_tiles = (uint32_t)tiles;
    g.cpt = (uint32_t)g.a->tile.ces;
    g.n_ces = g.n_tiles * g.cpt;
    g.xpc = (uint32_t)g.a->ce.crossbars;
    if (check_mapping(&g))
        return -1;
    int n = g.md->n_layers, rc = -1;
    trace_layer_t *layers = calloc((size_t)n, sizeof *layers);
    g.v = calloc((size_t)n, sizeof *g.v);
    g.st = calloc(g.n_tiles, sizeof *g.st);
    g.waited = calloc((size_t)g.n_tiles * (LAYER_MAX_INPUTS + 1), sizeof(int64_t));
    g.msgs = calloc(g.n_tiles, sizeof(int64_t));
    if (!layers || !g.v || !g.st || !g.waited || !g.msgs || build_views(&g)) {
        diag_error(d, NULL, 0, 0, "out of memory generating traces");
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (gen_layer(&g, i, &layers[i]))
            goto out;
    rc = 0;
out:
    for (int i = 0; g.v && i < n; i++) {
        free(g.v[i].rows_t);
        free(g.v[i].recv);
        free(g.v[i].before);
        free(g.v[i].cons);
    }
    for (uint32_t t = 0; g.st && t < g.n_tiles; t++)
        free(g.st[t].v);
    free(g.v);
    free(g.st);
    free(g.waited);
    for (uint32_t k = 0; k < g.n_rs; k++)
        free(g.rs_buf[k].v);
    free(g.rs_buf);
    free(g.rs_tile);
    free(g.msgs);
    if (rc)
        trace_layers_free(layers, n);
    else
        *layers_out = layers;
    return rc;
}

int tracegen_write_dir(const mapping_t *m, const char *dir, const char *model_source,
                       imc_diag_t *d)
{
    struct stat st;
    if (mkdir(dir, 0777) && !(errno == EEXIST && !stat(dir, &st) && S_ISDIR(st.st_mode))) {
        diag_error(d, dir, 0, 0, "cannot create the trace directory: %s", strerror(errno));
        return -1;
    }
    trace_layer_t *layers;
    if (tracegen_build(m, &layers, d))
        return -1;
    int n = m->model->n_layers, rc = -1;
    trace_index_t ix = {.model_hash = m->model->hash, .arch_hash = m->arch->hash, .n_layers = n};
    snprintf(ix.model, sizeof ix.model, "%s", m->model->name);
    snprintf(ix.arch, sizeof ix.arch, "%s", m->arch->name);
    snprintf(ix.source, sizeof ix.source, "%s", model_source ? model_source : "");
    ix.files = calloc((size_t)n, sizeof *ix.files);
    if (!ix.files) {
        diag_error(d, dir, 0, 0, "out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        trace_file_name(ix.files[i], sizeof ix.files[i], (uint32_t)i, layers[i].name);
        snprintf(path, sizeof path, "%s/%s", dir, ix.files[i]);
        if (trace_write_file(path, &layers[i], d))
            goto out;
    }
    rc = trace_index_write(dir, &ix, d);
out:
    free(ix.files);
    trace_layers_free(layers, n);
    return rc;
}
