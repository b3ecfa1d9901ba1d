/* Trace generation: one stream of records per tile per layer (per replica on
 * the tile for weight layers), derived from the mapping alone (timing is the
 * run engine's). Every choice here is documented in docs/trace-format.md. */
#include "tracegen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deps.h"
#include "tracegen_internal.h"

typedef struct recbuf {
    trace_rec_t *v;
    uint32_t n, cap;
} recbuf_t;

/* Where the positions of a layer without weights get their inputs from one
 * producer: per producer position, the tiles it is sent to (CSR), and per
 * such tile the dealing ranks of the positions it receives, sorted. */
typedef struct feed {
    int64_t *off;              /* producer positions + 1 */
    uint32_t *dst;             /* destination tiles */
    int n_tiles;               /* tiles of the consumer */
    uint32_t *tile;            /* [n_tiles], increasing */
    int64_t *roff;             /* [n_tiles + 1] into rank */
    int64_t *rank;             /* received ranks per tile, sorted */
} feed_t;

static int fed(const feed_t *f) { return f->off != NULL; }

/* A layer as the layers around it see it. */
typedef struct view {
    int64_t positions, vals;   /* output positions per inference, values per position */
    int64_t *rank;             /* production rank of each position (NULL: the position) */
    int64_t *dealt;            /* the position of rank k (NULL: k) */
    int win;                   /* dealt window by window: the window's side, else 0 */
    /* weight layers: the replica of each position, and each replica's
       positions in rank order (CSR over replicas) */
    int *rep_of;
    int64_t *rep_pos_off, *rep_pos;
    uint32_t *ptile;           /* tile where each position's outputs are produced */
    int n_cons, *cons;         /* consumer layers, ascending (LSTM: itself first) */
    int output;                /* the network's output: sends to the host */
    /* weight layers: tiles [t0, t1] holding it, rows and row-slot signature per tile */
    uint32_t t0, t1;
    int64_t *rows_t;
    uint64_t *sig_t;
    int64_t rows;
    /* weight layers: the tiles of each replica (CSR over replicas) */
    int64_t *rep_off;
    uint32_t *rep_tile;
    /* a conv reading the network input: the input columns [in_x0, in_x1]
       its windows read on each of its tiles (index t - t0), the columns
       the host sends that tile of every input row (NULL: whole rows) */
    int64_t *in_x0, *in_x1;
    /* one feed per input slot: every layer without weights; a weight layer
       for the inputs it reads by window (convs), so that a tile gets only
       the producer positions its replicas' windows read */
    feed_t feed[LAYER_MAX_INPUTS];
} view_t;

typedef struct gen {
    const mapping_t *m;
    const arch_t *a;
    const model_t *md;
    imc_diag_t *d;
    uint32_t n_tiles, n_ces;
    int multicast;
    view_t *v;
    recbuf_t cur;              /* the stream being written */
    int64_t waited[LAYER_MAX_INPUTS + 1]; /* its last WAIT per input slot */
    int n_slots, slots[LAYER_MAX_INPUTS + 1];
    uint32_t *full_tile;       /* emit_sends: destinations of the whole output */
    int *full_cons;
    size_t n_full, cap_full;
    trace_stream_t *out;       /* the layer's finished streams */
    uint32_t n_out, cap_out;
    /* the part [part0, part1) of parts of every output this stream sends
     * (an LSTM's tile sends its own hidden units' share; else 0, 1, 1) */
    int64_t part0, part1, parts;
    int err;
} gen_t;

static int is_weight(layer_kind_t k) { return k == LAYER_CONV || k == LAYER_LINEAR || k == LAYER_LSTM; }

static int64_t bytes_of(int64_t values, int bits) { return tg_cdiv(values * bits, 8); }

/* This stream's part of n values: the shares of the parts add up to n
 * exactly (floors of the cumulative split telescope). */
static int64_t part_of(const gen_t *g, int64_t n)
{
    return n * g->part1 / g->parts - n * g->part0 / g->parts;
}


static int act_bits(const gen_t *g, int i)
{
    const layer_map_t *lm = &g->m->layers[i];
    const layer_t *L = &g->md->layers[i];
    return lm->act_bits > 0 ? lm->act_bits
           : L->act_bits > 0 ? L->act_bits : (int)tg_max(1, g->a->precision.act_bits);
}

static int64_t rank_of(const view_t *v, int64_t p) { return v->rank ? v->rank[p] : p; }

static void oom(gen_t *g)
{
    if (!g->err)
        diag_error(g->d, NULL, 0, 0, "out of memory generating traces");
    g->err = 1;
}

static void push(gen_t *g, int op, int arg, int layer, int64_t a, int64_t b, int64_t c)
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
    recbuf_t *s = &g->cur;
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 64;
        trace_rec_t *v = cap > s->cap ? realloc(s->v, cap * sizeof *v) : NULL;
        if (!v) {
            oom(g);
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (trace_rec_t){(uint8_t)op, (uint8_t)arg, (uint16_t)layer, (uint32_t)a,
                                 (uint32_t)b, (uint32_t)c};
}

/* Starts a new stream (its WAIT counters at 0). */
static void begin_stream(gen_t *g)
{
    g->cur = (recbuf_t){0};
    memset(g->waited, 0, sizeof g->waited);
}

/* Hands the stream written since begin_stream over to the layer. */
static void end_stream(gen_t *g, uint32_t tile)
{
    if (!g->cur.n || g->err) {
        free(g->cur.v);
        g->cur = (recbuf_t){0};
        return;
    }
    if (g->n_out == g->cap_out) {
        uint32_t cap = g->cap_out ? 2 * g->cap_out : 64;
        trace_stream_t *o = realloc(g->out, cap * sizeof *o);
        if (!o) {
            free(g->cur.v);
            g->cur = (recbuf_t){0};
            oom(g);
            return;
        }
        g->out = o;
        g->cap_out = cap;
    }
    g->out[g->n_out++] = (trace_stream_t){tile, g->cur.n, g->cur.v};
    g->cur = (recbuf_t){0};
}

/* ------------------------------------------------------------ dependencies */

static int lstm_to_plain(const gen_t *g, int j, int c) { return deps_last_only(g->md, j, c); }
static int64_t positions_in(const gen_t *g, int j, int c) { return deps_positions_in(g->md, j, c); }

static int sends_at(const gen_t *g, int j, int c, int64_t p)
{
    if (lstm_to_plain(g, j, c))
        return p == g->v[j].positions - 1;
    return j != c || p < g->v[j].positions - 1;
}

static int64_t rank_in(const gen_t *g, int j, int64_t p)
{
    return j < 0 ? p : rank_of(&g->v[j], p);
}

/* The largest dealing rank among the producer positions c's position p
 * reads, + 1: how many of j's positions, in the order j produces them, p
 * waits for. */
static int64_t need(const gen_t *g, int c, int j, int64_t p)
{
    deps_window_t w = deps_window(g->md, c, j, p);
    if (w.kind == DEPS_NONE)
        return 0;
    if (j < 0 || !g->v[j].rank || j == c)
        return w.y1 * w.w + w.x1 + 1; /* raster: the last position is the latest */
    int64_t best = -1;
    for (int64_t y = w.y0; y <= w.y1; y++)
        for (int64_t x = w.x0; x <= w.x1; x++)
            best = tg_max(best, rank_in(g, j, y * w.w + x));
    return best + 1;
}

/* Values per position producer j (or the network input) sends to tile t of
 * weight layer c: its output values scaled to the share of c's rows on t. */
static int64_t share(const gen_t *g, int j, int c, uint32_t t)
{
    int64_t vals = j < 0 ? tg_max(1, g->md->in_c) : g->v[j].vals;
    const view_t *v = &g->v[c];
    int64_t rt = t >= v->t0 && t <= v->t1 ? v->rows_t[t - v->t0] : 0;
    return rt ? tg_max(1, tg_cdiv(vals * rt, v->rows)) : 0;
}

static int feed_tile(const feed_t *f, uint32_t t)
{
    int lo = 0, hi = f->n_tiles - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (f->tile[mid] == t)
            return mid;
        if (f->tile[mid] < t)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* Values of one producer position tile t of consumer c receives: all of
 * them for a layer without weights, the share of its rows for a weight
 * layer. */
static int64_t value_of(const gen_t *g, int j, int c, uint32_t t)
{
    if (is_weight(g->md->layers[c].kind))
        return share(g, j, c, t);
    return j < 0 ? tg_max(1, g->md->in_c) : g->v[j].vals;
}

/* The network input's columns tile t of c takes of every row. */
static int64_t input_columns(const gen_t *g, int c, uint32_t t)
{
    const view_t *v = &g->v[c];
    if (t < v->t0 || t > v->t1 || v->in_x1[t - v->t0] < v->in_x0[t - v->t0])
        return 0;
    return v->in_x1[t - v->t0] - v->in_x0[t - v->t0] + 1;
}

/* Values of producer slot s tile t of consumer c must hold before c's
 * position p (of the producer positions with rank < n). */
static int64_t needed(const gen_t *g, int c, int s, int j, uint32_t t, int64_t p)
{
    if (j < 0 && g->v[c].in_x0) { /* whole rows of the tile's columns */
        deps_window_t w = deps_window(g->md, c, j, p);
        return w.kind == DEPS_NONE ? 0 : (w.y1 + 1) * input_columns(g, c, t) * share(g, j, c, t);
    }
    int64_t n = need(g, c, j, p);
    const feed_t *f = j == c ? NULL : &g->v[c].feed[s];
    if (!f || !fed(f))
        return tg_min(n, positions_in(g, j, c)) * share(g, j, c, t);
    int k = feed_tile(f, t);
    if (k < 0)
        return 0;
    int64_t lo = f->roff[k], hi = f->roff[k + 1]; /* ranks < n received by t */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (f->rank[mid] < n)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo - f->roff[k]) * value_of(g, j, c, t);
}

/* Everything tile t of c receives from slot s in one inference. */
static int64_t received(const gen_t *g, int c, int s, int j, uint32_t t)
{
    if (j < 0 && g->v[c].in_x0)
        return positions_in(g, j, c) / tg_max(1, g->md->in_w) * input_columns(g, c, t) *
               share(g, j, c, t);
    const feed_t *f = j == c ? NULL : &g->v[c].feed[s];
    if (!f || !fed(f))
        return positions_in(g, j, c) * share(g, j, c, t);
    int k = feed_tile(f, t);
    return k < 0 ? 0 : (f->roff[k + 1] - f->roff[k]) * value_of(g, j, c, t);
}

static void emit_wait(gen_t *g, int c, int s, int64_t val)
{
    int j = g->slots[s];
    if (val > g->waited[s]) {
        push(g, TR_WAIT, 0, c, j < 0 ? TRACE_NETWORK_INPUT : (uint32_t)j, val, 0);
        g->waited[s] = val;
    }
}

/* The input slot of producer j in layer c's stream. */
static int slot_of(const gen_t *g, int j)
{
    for (int s = 0; s < g->n_slots; s++)
        if (g->slots[s] == j)
            return s;
    return -1;
}

static int feed_slot(const layer_t *L, int j)
{
    for (int k = 0; k < L->n_inputs; k++)
        if (L->inputs[k] == j)
            return k;
    return 0;
}

static void emit_waits(gen_t *g, int c, uint32_t t, int64_t p)
{
    const layer_t *L = &g->md->layers[c];
    for (int s = 0; s < g->n_slots; s++) {
        int j = g->slots[s];
        emit_wait(g, c, s, needed(g, c, feed_slot(L, j), j, t, p));
    }
}

/* At the end of a stream: wait for every value sent to it this inference, so
 * the counts start afresh with the next inference. */
static void emit_drain(gen_t *g, int c, uint32_t t)
{
    const layer_t *L = &g->md->layers[c];
    for (int s = 0; s < g->n_slots; s++) {
        int j = g->slots[s];
        emit_wait(g, c, s, received(g, c, feed_slot(L, j), j, t));
    }
}

/* ------------------------------------------------------------------ sends */

/* One message of b values for consumer c to the tiles dst[0..n): a multicast
 * when the network replicates, else one SEND each (all but the last marked
 * TRACE_SEND_MORE when multicast). */
static void emit_message(gen_t *g, int i, const uint32_t *dst, int n, int64_t b, int c)
{
    for (int k = 0; k < n; k++)
        push(g, TR_SEND, g->multicast && k + 1 < n ? (int)TRACE_SEND_MORE : 0, i, dst[k], b, c);
}

/* Remembers tile t of consumer c as a destination of the whole output. */
static void add_full(gen_t *g, uint32_t t, int c)
{
    if (g->n_full == g->cap_full) {
        size_t cap = g->cap_full ? 2 * g->cap_full : 64;
        uint32_t *tt = realloc(g->full_tile, cap * sizeof *tt);
        if (tt)
            g->full_tile = tt;
        int *cc = tt ? realloc(g->full_cons, cap * sizeof *cc) : NULL;
        if (!cc) {
            oom(g);
            return;
        }
        g->full_cons = cc;
        g->cap_full = cap;
    }
    g->full_tile[g->n_full] = t;
    g->full_cons[g->n_full++] = c;
}

/* Sends position p of layer i to its consumers: to a weight layer, the
 * tiles holding the same row slots get the same values (one message per
 * group); to a layer without weights, the tiles whose positions read p. */
static void emit_sends(gen_t *g, int i, int64_t p, uint32_t *scratch)
{
    const view_t *v = &g->v[i];
    g->n_full = 0;
    for (int k = 0; k < v->n_cons; k++) {
        int c = v->cons[k];
        if (!sends_at(g, i, c, p))
            continue;
        const view_t *vc = &g->v[c];
        const feed_t *f = c == i ? NULL : &vc->feed[feed_slot(&g->md->layers[c], i)];
        if (is_weight(g->md->layers[c].kind)) {
            /* to the tiles that read p (all of c's, or its feed's), one
             * message per group of equal (share, signature), in order of
             * their first tile */
            uint32_t nt = vc->t1 - vc->t0 + 1;
            char *done = (char *)(scratch + nt);
            memset(done, 0, nt);
            if (f && fed(f)) {
                memset(done, 1, nt);
                for (int64_t e = f->off[p]; e < f->off[p + 1]; e++)
                    done[f->dst[e] - vc->t0] = 0;
            }
            for (uint32_t a = 0; a < nt; a++) {
                int64_t n = share(g, i, c, vc->t0 + a);
                if (!n || done[a])
                    continue;
                int64_t part = part_of(g, n);
                int m = 0;
                for (uint32_t b = a; b < nt; b++)
                    if (!done[b] && share(g, i, c, vc->t0 + b) == n &&
                        vc->sig_t[b] == vc->sig_t[a]) {
                        done[b] = 1;
                        scratch[m++] = vc->t0 + b;
                    }
                if (n == v->vals) /* the whole output: one message with the others */
                    for (int e = 0; e < m; e++)
                        add_full(g, scratch[e], c);
                else if (part)
                    emit_message(g, i, scratch, m, part, c);
            }
        } else {
            int64_t q = lstm_to_plain(g, i, c) ? 0 : p;
            for (int64_t e = f->off[q]; e < f->off[q + 1]; e++)
                add_full(g, f->dst[e], c);
        }
    }
    /* the tiles of every consumer that read the whole output: one message
     * (the network carries each value once, whoever reads it) */
    int64_t part = part_of(g, v->vals);
    for (size_t k = 0; k < g->n_full && part; k++)
        push(g, TR_SEND, g->multicast && k + 1 < g->n_full ? (int)TRACE_SEND_MORE : 0, i,
             g->full_tile[k], part, g->full_cons[k]);
    if (v->output && part && (g->md->layers[i].kind != LAYER_LSTM || p == v->positions - 1))
        push(g, TR_SEND, 0, i, TRACE_HOST, part, TRACE_NETWORK_OUTPUT);
}

/* The fused activation (LSTM: its gates and updates), WRITE and SENDs of
 * position p on its output tile (LSTM: of this stream's part of the hidden
 * units, g->part0..part1). */
static void emit_tail(gen_t *g, int i, int64_t p, uint32_t *scratch)
{
    const layer_t *L = &g->md->layers[i];
    int64_t oc = tg_max(1, L->out_c);
    if (L->kind == LAYER_LSTM) {
        /* Gates i, f, o through sigmoid, g and the cell through tanh;
         * c = f*c + i*g and h = o*tanh(c) are 4 elementwise ops per value. */
        int64_t h = part_of(g, (L->lstm_hidden > 0 ? L->lstm_hidden : oc) *
                                   tg_max(1, L->lstm_layers));
        push(g, TR_ACT, ACT_SIGMOID, i, 3 * h, 0, 0);
        push(g, TR_ACT, ACT_TANH, i, 2 * h, 0, 0);
        push(g, TR_ADD, 0, i, 4 * h, 0, 0);
    } else if (L->act != ACT_NONE && L->kind != LAYER_ACT) {
        push(g, TR_ACT, L->act, i, oc, 0, 0);
    }
    push(g, TR_WRITE, 0, i, bytes_of(part_of(g, oc), act_bits(g, i)), 0, 0);
    emit_sends(g, i, p, scratch);
}

/* An LSTM's step p on replica tile tw after its MVMs: the partial sums of
 * the column blocks other tiles own go to them, the tile adds those of its
 * own blocks that come from others, then computes the gates and updates of
 * its own columns' hidden units and sends their h. Timing takes the gate
 * columns unit by unit (i, f, g, o of unit 0, then of unit 1, ...: a column
 * permutation, which changes no sum), so a tile's own columns hold whole
 * units but at block edges: the units split over the tiles in proportion to
 * their own columns (part0..part1 of parts). */
static void emit_lstm_step(gen_t *g, int i, int r, int64_t p, const tg_replica_t *Rp,
                           const tg_tile_t *tw, int64_t *msgs, uint32_t *scratch)
{
    int bits = act_bits(g, i);
    for (int k = 0; k < tw->n_psum_to; k++)
        push(g, TR_PSUM_SEND, 0, i, Rp->tiles[tw->psum_to[k]].tile,
             bytes_of(tw->psum_cols[k], bits), r + 1);
    if (tw->in_msgs) {
        *msgs += tw->in_msgs;
        push(g, TR_ACCUM, 0, i, *msgs, tw->in_adds, r + 1);
    }
    if (g->part1 > g->part0)
        emit_tail(g, i, p, scratch);
}

/* ----------------------------------------------------------------- layers */

static int gen_weight_layer(gen_t *g, int i, uint32_t *scratch)
{
    const layer_t *L = &g->md->layers[i];
    const layer_map_t *lm = &g->m->layers[i];
    const view_t *v = &g->v[i];
    tg_geom_t q;
    int R = lm->replication, bits = act_bits(g, i), rc = -1;
    tg_replica_t *reps = calloc((size_t)R, sizeof *reps);
    if (!reps || tg_geom_init(g->m, i, g->multicast, &q))
        goto out;
    int lstm = L->kind == LAYER_LSTM;
    for (int r = 0; r < R; r++)
        if (tg_replica_build(g->m, i, r, &q, &reps[r]) ||
            (lstm && tg_replica_owners(g->m, i, r, &q, &reps[r])))
            goto out;
    /* One stream per replica and tile, the replica's positions in the
     * order they are produced (deal()). */
    for (int r = 0; r < R && !g->err; r++) {
        tg_replica_t *Rp = &reps[r];
        uint32_t home = Rp->tiles[Rp->home].tile;
        int64_t own = 0, own_total = 0;
        for (int t = 0; t < Rp->n_tiles; t++)
            own_total += Rp->tiles[t].own_cols;
        for (int t = 0; t < Rp->n_tiles && !g->err; t++) {
            tg_tile_t *tw = &Rp->tiles[t];
            int at_home = t == Rp->home;
            int64_t msgs = 0;
            if (lstm) { /* its own columns' part of the hidden units */
                g->part0 = own;
                g->part1 = own += tw->own_cols;
                g->parts = own_total > 0 ? own_total : 1;
            }
            begin_stream(g);
            for (int64_t e = v->rep_pos_off[r]; e < v->rep_pos_off[r + 1]; e++) {
                int64_t p = v->rep_pos[e];
                push(g, TR_POS, 0, i, p, 0, 0);
                emit_waits(g, i, tw->tile, p);
                push(g, TR_READ, 0, i, bytes_of(tw->rows, bits), 0, 0);
                for (int e = 0; e < tw->n_ces; e++) {
                    tg_ce_t *cw = &tw->ces[e];
                    if (cw->rows > 0xFFFF || cw->cols > 0xFFFF) {
                        diag_error(g->d, NULL, 0, 0, "layer '%s': CE %u drives %lld rows and "
                                   "%lld columns in one MVM (expected at most 65535 each)",
                                   L->name, cw->ce, (long long)cw->rows, (long long)cw->cols);
                        g->err = 1;
                    }
                    push(g, TR_MVM, bits, i, cw->ce, cw->xbars, cw->rows | cw->cols << 16);
                }
                if (tw->local_adds)
                    push(g, TR_ACCUM, 0, i, msgs, tw->local_adds, r + 1);
                if (lstm) {
                    emit_lstm_step(g, i, r, p, Rp, tw, &msgs, scratch);
                    continue;
                }
                if (!at_home) {
                    push(g, TR_PSUM_SEND, 0, i, home, bytes_of(tw->lcols, bits), r + 1);
                    continue;
                }
                if (Rp->n_tiles > 1) {
                    msgs += Rp->n_tiles - 1;
                    push(g, TR_ACCUM, 0, i, msgs, Rp->remote_adds, r + 1);
                }
                emit_tail(g, i, p, scratch);
            }
            emit_drain(g, i, tw->tile);
            end_stream(g, tw->tile);
        }
    }
    rc = g->err ? -1 : 0;
out:
    g->part0 = 0;
    g->part1 = g->parts = 1;
    if (rc && !g->err)
        oom(g);
    for (int r = 0; reps && r < R; r++)
        tg_replica_free(&reps[r]);
    free(reps);
    tg_geom_free(&q);
    return rc;
}

/* A layer without weights: each tile computes the positions the feed of
 * its first input gives it, in the order the producer makes them. */
static void gen_plain_layer(gen_t *g, int i, uint32_t *scratch)
{
    const layer_t *L = &g->md->layers[i];
    const view_t *v = &g->v[i];
    int bits = act_bits(g, i);
    int64_t oc = tg_max(1, L->out_c), win = tg_max(1, L->kx) * tg_max(1, L->ky);
    int64_t plane = tg_max(1, (int64_t)L->in_h * L->in_w);
    const feed_t *f = &v->feed[0];
    for (int k = 0; k < f->n_tiles && !g->err; k++) {
        uint32_t t = f->tile[k];
        begin_stream(g);
        for (int64_t p = 0; p < v->positions && !g->err; p++) {
            if (v->ptile[p] != t)
                continue;
            push(g, TR_POS, 0, i, p, 0, 0);
            emit_waits(g, i, t, p);
            switch (L->kind) {
            case LAYER_MAXPOOL:
            case LAYER_AVGPOOL:
                push(g, TR_READ, 0, i, bytes_of(win * oc, bits), 0, 0);
                push(g, TR_POOL, L->kind == LAYER_AVGPOOL, i, oc, win, 0);
                break;
            case LAYER_GLOBALPOOL:
                push(g, TR_READ, 0, i, bytes_of(plane * oc, bits), 0, 0);
                push(g, TR_POOL, L->pool_avg ? 1 : 0, i, oc, plane, 0);
                break;
            case LAYER_ADD:
                push(g, TR_READ, 0, i, bytes_of(tg_max(2, L->n_inputs) * oc, bits), 0, 0);
                push(g, TR_ADD, 0, i, (tg_max(2, L->n_inputs) - 1) * oc, 0, 0);
                break;
            case LAYER_ACT:
                push(g, TR_READ, 0, i, bytes_of(oc, bits), 0, 0);
                if (L->act != ACT_NONE)
                    push(g, TR_ACT, L->act, i, oc, 0, 0);
                break;
            default: /* concat, flatten: data movement only */
                push(g, TR_READ, 0, i, bytes_of(oc, bits), 0, 0);
                break;
            }
            emit_tail(g, i, p, scratch);
        }
        emit_drain(g, i, t);
        end_stream(g, t);
    }
}

/* ------------------------------------------------------------------ views */

/* Rejects what would make the generator index outside the system. */
static int check_mapping(gen_t *g)
{
    const model_t *md = g->md;
    uint32_t xpc = (uint32_t)g->a->ce.crossbars;
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
        if (!is_weight(L->kind))
            continue;
        int mvmu = g->a->ce.mvmu_crossbars > 1 ? g->a->ce.mvmu_crossbars : 1;
        int64_t nx = (int64_t)lm->row_blocks * tg_cdiv(lm->col_blocks, mvmu) * mvmu;
        if (lm->row_blocks < 1 || lm->col_blocks < 1 || lm->replication < 1 ||
            lm->ces_per_replica < 1 || lm->rows < 1 || lm->cols < 1 ||
            nx > (int64_t)lm->ces_per_replica * xpc) {
            diag_error(g->d, NULL, 0, 0, "layer '%s': inconsistent mapping (%d x %d blocks of "
                       "%d x %d, %d CEs of %u crossbars per replica, %d replicas)", L->name,
                       lm->row_blocks, lm->col_blocks, lm->rows, lm->cols, lm->ces_per_replica,
                       xpc, lm->replication);
            return -1;
        }
        if (lm->positions > 0 && lm->positions != deps_positions(L)) {
            diag_error(g->d, NULL, 0, 0, "layer '%s': mapping has %lld positions, the layer's "
                       "shape %lld", L->name, (long long)lm->positions,
                       (long long)deps_positions(L));
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

/* A conv whose only consumer pools non-overlapping windows over its pixels
 * is produced window by window (ranks: the windows in raster order, each
 * window's pixels in raster order), and dealt in whole windows (deal()), so
 * a window's pixels are produced on one tile. */
static int deal_by_windows(gen_t *g, int i)
{
    const layer_t *L = &g->md->layers[i];
    view_t *v = &g->v[i];
    if (L->kind != LAYER_CONV || v->n_cons != 1)
        return 0;
    const layer_t *C = &g->md->layers[v->cons[0]];
    int64_t k = C->kx, s = C->stride;
    if ((C->kind != LAYER_MAXPOOL && C->kind != LAYER_AVGPOOL) || C->ky != k || s != k ||
        k < 2 || C->pad || C->in_h != L->out_h || C->in_w != L->out_w || L->out_h % k ||
        L->out_w % k)
        return 0;
    v->rank = malloc((size_t)v->positions * sizeof *v->rank);
    v->dealt = malloc((size_t)v->positions * sizeof *v->dealt);
    if (!v->rank || !v->dealt)
        return -1;
    v->win = (int)k;
    int64_t n = 0, W = L->out_w;
    for (int64_t wy = 0; wy < L->out_h; wy += k)
        for (int64_t wx = 0; wx < W; wx += k)
            for (int64_t y = wy; y < wy + k; y++)
                for (int64_t x = wx; x < wx + k; x++) {
                    v->dealt[n] = y * W + x;
                    v->rank[y * W + x] = n++;
                }
    return 0;
}

typedef struct { int64_t key, p; } keyed_t;

static int cmp_keyed(const void *x, const void *y)
{
    const keyed_t *a = x, *b = y;
    return (a->key > b->key) - (a->key < b->key);
}

/* Which replica computes each position of weight layer i, exactly the
 * compiler's ceil(P / R) or floor(P / R) each. Positions go to tiles in
 * vertical strips (the layer's grid in column-major order, cut into one
 * chunk per home tile of as many positions as the tile's replicas take), so
 * a tile's windows read neighbouring pixels and every tile sweeps its strip
 * top to bottom while the others do theirs; within a tile, the strip's
 * positions go round-robin over its replicas in production (rank) order.
 * Convs dealt window by window (deal_by_windows) cut whole windows. */
static int deal(gen_t *g, int i)
{
    const layer_t *L = &g->md->layers[i];
    const layer_map_t *lm = &g->m->layers[i];
    view_t *v = &g->v[i];
    const int64_t P = v->positions, R = lm->replication;
    const uint32_t cpt = (uint32_t)g->a->tile.ces;
    v->rep_of = malloc((size_t)P * sizeof *v->rep_of);
    v->rep_pos_off = calloc((size_t)R + 1, sizeof *v->rep_pos_off);
    v->rep_pos = malloc((size_t)P * sizeof *v->rep_pos);
    keyed_t *order = malloc((size_t)P * sizeof *order);
    int64_t *left = malloc((size_t)R * sizeof *left);
    if (!v->rep_of || !v->rep_pos_off || !v->rep_pos || !order || !left) {
        free(order);
        free(left);
        return -1;
    }
    /* the strip order: column-major over the grid (of windows, when dealt so) */
    int conv = L->kind == LAYER_CONV && (int64_t)L->out_h * L->out_w == P;
    int64_t k = v->win > 1 ? v->win : 1; /* window units: rank / k^2 is the window's raster index */
    int64_t H = conv ? L->out_h / k : 1, W = conv ? L->out_w / k : P;
    for (int64_t p = 0; p < P; p++) {
        int64_t r = rank_of(v, p), unit = k > 1 ? r / (k * k) : p;
        order[p] = (keyed_t){((unit % W) * H + unit / W) * k * k + (k > 1 ? r % (k * k) : 0), p};
    }
    qsort(order, (size_t)P, sizeof *order, cmp_keyed);
    for (int64_t r = 0; r < R; r++)
        left[r] = P / R + (r < P % R);
    /* chunks of the strip order to the tiles, in replica order */
    int64_t at = 0;
    for (int64_t r0 = 0; r0 < R;) {
        uint32_t home = tg_ce_of(g->m, i, (int)r0, 0) / cpt;
        int64_t r1 = r0, quota = 0;
        while (r1 < R && tg_ce_of(g->m, i, (int)r1, 0) / cpt == home)
            quota += left[r1++];
        /* the tile's positions in rank order, round-robin over its replicas */
        for (int64_t e = at; e < at + quota; e++)
            order[e].key = rank_of(v, order[e].p);
        qsort(order + at, (size_t)quota, sizeof *order, cmp_keyed);
        int64_t r = r0;
        for (int64_t e = at; e < at + quota; e++) {
            while (!left[r])
                r = r + 1 < r1 ? r + 1 : r0;
            v->rep_of[order[e].p] = (int)r;
            left[r]--;
            v->rep_pos_off[r + 1]++;
            r = r + 1 < r1 ? r + 1 : r0;
        }
        at += quota;
        r0 = r1;
    }
    for (int64_t r = 0; r < R; r++)
        v->rep_pos_off[r + 1] += v->rep_pos_off[r];
    /* each replica's positions in rank order */
    for (int64_t e = 0; e < P; e++)
        order[e] = (keyed_t){rank_of(v, order[e].p), order[e].p};
    qsort(order, (size_t)P, sizeof *order, cmp_keyed);
    for (int64_t r = 0; r < R; r++)
        left[r] = v->rep_pos_off[r];
    for (int64_t e = 0; e < P; e++)
        v->rep_pos[left[v->rep_of[order[e].p]]++] = order[e].p;
    free(order);
    free(left);
    return 0;
}

static int build_feed(gen_t *g, int i, int s);
static int input_hull(gen_t *g, int i, size_t nt);
static int tiles_of(const gen_t *g, int i, int64_t q, uint32_t *out);

/* Tiles, rows and row-slot signatures of weight layer i, and the home tile
 * of each of its positions. */
static int weight_view(gen_t *g, int i)
{
    const layer_map_t *lm = &g->m->layers[i];
    view_t *v = &g->v[i];
    uint32_t cpt = (uint32_t)g->a->tile.ces;
    tg_geom_t q;
    if (tg_geom_init(g->m, i, g->multicast, &q)) {
        tg_geom_free(&q);
        return -1;
    }
    v->t0 = UINT32_MAX;
    for (int r = 0; r < lm->replication; r++)
        for (int k = 0; k < q.nx; k++) {
            uint32_t t = tg_ce_of(g->m, i, r, k) / cpt;
            v->t0 = t < v->t0 ? t : v->t0;
            v->t1 = t > v->t1 ? t : v->t1;
        }
    size_t nt = v->t1 - v->t0 + 1;
    v->rows_t = calloc(nt, sizeof *v->rows_t);
    v->sig_t = calloc(nt, sizeof *v->sig_t);
    char *seen = calloc(nt * (size_t)q.n_slots, 1);
    v->ptile = malloc((size_t)v->positions * sizeof *v->ptile);
    int rc = v->rows_t && v->sig_t && seen && v->ptile ? 0 : -1;
    for (int r = 0; r < lm->replication && !rc; r++)
        for (int k = 0; k < q.nx; k++) {
            size_t t = tg_ce_of(g->m, i, r, k) / cpt - v->t0;
            if (q.slot[k] >= 0 && !seen[t * (size_t)q.n_slots + (size_t)q.slot[k]]++) {
                v->rows_t[t] += q.slot_rows[q.slot[k]];
                v->sig_t[t] += tg_slot_sig(q.slot[k]);
            }
        }
    for (int b = 0; b < q.n_slots; b++)
        v->rows += q.slot_rows[b];
    if (!rc)
        rc = deal(g, i);
    for (int64_t p = 0; !rc && p < v->positions; p++)
        v->ptile[p] = tg_ce_of(g->m, i, v->rep_of[p], 0) / cpt;
    /* each replica's tiles: its crossbars go tile by tile, increasing */
    v->rep_off = calloc((size_t)lm->replication + 1, sizeof *v->rep_off);
    v->rep_tile = malloc((size_t)lm->replication * (size_t)q.nx * sizeof *v->rep_tile);
    rc |= v->rep_off && v->rep_tile ? 0 : -1;
    int64_t n = 0;
    for (int r = 0; r < lm->replication && !rc; r++) {
        for (int k = 0; k < q.nx; k++) {
            uint32_t t = tg_ce_of(g->m, i, r, k) / cpt;
            if (n == v->rep_off[r] || v->rep_tile[n - 1] != t)
                v->rep_tile[n++] = t;
        }
        v->rep_off[r + 1] = n;
    }
    free(seen);
    tg_geom_free(&q);
    /* a conv reads its producers' pixels by window: feed each tile only the
     * pixels its replicas' windows read (the network input: the columns,
     * as the host streams it row by row, docs/run.md) */
    const layer_t *L = &g->md->layers[i];
    for (int s = 0; s < L->n_inputs && !rc; s++) {
        int j = L->inputs[s];
        if (L->kind != LAYER_CONV || j == i || L->in_w <= 0 ||
            positions_in(g, j, i) != (int64_t)L->in_h * L->in_w)
            continue;
        rc = j >= 0 ? build_feed(g, i, s) : input_hull(g, i, nt);
    }
    return rc;
}

/* The network input's column hull of each tile of conv layer i (view_t). */
static int input_hull(gen_t *g, int i, size_t nt)
{
    view_t *v = &g->v[i];
    uint32_t tl[256];
    v->in_x0 = malloc(nt * sizeof *v->in_x0);
    v->in_x1 = malloc(nt * sizeof *v->in_x1);
    if (!v->in_x0 || !v->in_x1)
        return -1;
    for (size_t k = 0; k < nt; k++) {
        v->in_x0[k] = INT64_MAX;
        v->in_x1[k] = -1;
    }
    for (int64_t p = 0; p < v->positions; p++) {
        deps_window_t w = deps_window(g->md, i, -1, p);
        if (w.kind == DEPS_NONE)
            continue;
        int n = tiles_of(g, i, p, tl);
        for (int k = 0; k < n; k++) {
            size_t e = tl[k] - v->t0;
            v->in_x0[e] = tg_min(v->in_x0[e], w.x0);
            v->in_x1[e] = tg_max(v->in_x1[e], w.x1);
        }
    }
    return 0;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* The tiles that compute position q of layer i (at most 256): its own tile
 * for a layer without weights, every tile of its replica for a weight layer. */
static int tiles_of(const gen_t *g, int i, int64_t q, uint32_t *out)
{
    const view_t *v = &g->v[i];
    if (!is_weight(g->md->layers[i].kind)) {
        out[0] = v->ptile[q];
        return 1;
    }
    int64_t r = v->rep_of[q];
    int n = 0;
    for (int64_t e = v->rep_off[r]; e < v->rep_off[r + 1] && n < 256; e++)
        out[n++] = v->rep_tile[e];
    return n;
}

/* The feed of input slot s of layer i: for each producer position, the
 * tiles computing a position of i that reads it (deduplicated), and per
 * tile the dealing ranks it receives, sorted. */
static int build_feed(gen_t *g, int i, int s)
{
    const layer_t *L = &g->md->layers[i];
    view_t *v = &g->v[i];
    uint32_t tl[256];
    {
        int j = L->inputs[s];
        feed_t *f = &v->feed[s];
        int64_t pj = positions_in(g, j, i);
        f->off = calloc((size_t)pj + 1, sizeof *f->off);
        if (!f->off)
            return -1;
        /* pass 1 counts, pass 2 fills the tiles of every window each
         * producer position is part of (consecutive duplicates dropped) */
        for (int pass = 0; pass < 2; pass++) {
            int64_t *fill = pass ? calloc((size_t)pj, sizeof *fill) : NULL;
            if (pass && !fill)
                return -1;
            for (int64_t p = 0; p < v->positions; p++) {
                deps_window_t w = deps_window(g->md, i, j, p);
                int nt = tiles_of(g, i, p, tl);
                for (int64_t y = w.y0; y <= w.y1; y++)
                    for (int64_t x = w.x0; x <= w.x1; x++) {
                        int64_t pp = y * w.w + x;
                        if (!pass) {
                            f->off[pp + 1] += nt;
                            continue;
                        }
                        uint32_t *d = f->dst + f->off[pp];
                        for (int k = 0; k < nt; k++) {
                            int dup = 0;
                            for (int64_t e = 0; e < fill[pp]; e++)
                                dup |= d[e] == tl[k];
                            if (!dup)
                                d[fill[pp]++] = tl[k];
                        }
                    }
            }
            if (!pass) {
                for (int64_t p = 0; p < pj; p++)
                    f->off[p + 1] += f->off[p];
                f->dst = malloc((size_t)tg_max(1, f->off[pj]) * sizeof *f->dst);
                if (!f->dst)
                    return -1;
                continue;
            }
            /* compact: drop the slots the duplicates left */
            int64_t w = 0;
            for (int64_t p = 0; p < pj; p++) {
                int64_t o = f->off[p];
                f->off[p] = w;
                for (int64_t e = 0; e < fill[p]; e++)
                    f->dst[w++] = f->dst[o + e];
            }
            f->off[pj] = w;
            free(fill);
        }
        /* the consumer's tiles, and the ranks each receives */
        f->tile = malloc((size_t)tg_max(1, f->off[pj]) * sizeof *f->tile);
        f->rank = malloc((size_t)tg_max(1, f->off[pj]) * sizeof *f->rank);
        if (!f->tile || !f->rank)
            return -1;
        for (int64_t e = 0; e < f->off[pj]; e++) /* the distinct destinations */
            f->tile[f->n_tiles++] = f->dst[e];
        qsort(f->tile, (size_t)f->n_tiles, sizeof *f->tile, cmp_u32);
        int nd = 0;
        for (int k = 0; k < f->n_tiles; k++)
            if (!nd || f->tile[nd - 1] != f->tile[k])
                f->tile[nd++] = f->tile[k];
        f->n_tiles = nd;
        f->roff = calloc((size_t)f->n_tiles + 1, sizeof *f->roff);
        if (!f->roff)
            return -1;
        for (int64_t p = 0; p < pj; p++)
            for (int64_t e = f->off[p]; e < f->off[p + 1]; e++)
                f->roff[feed_tile(f, f->dst[e]) + 1]++;
        for (int k = 0; k < f->n_tiles; k++)
            f->roff[k + 1] += f->roff[k];
        int64_t *at = calloc((size_t)f->n_tiles, sizeof *at);
        if (!at)
            return -1;
        for (int64_t p = 0; p < pj; p++) /* by position: ranks come out sorted when raster */
            for (int64_t e = f->off[p]; e < f->off[p + 1]; e++) {
                int k = feed_tile(f, f->dst[e]);
                int64_t pp = lstm_to_plain(g, j, i) ? g->v[j].positions - 1 : p;
                f->rank[f->roff[k] + at[k]++] = rank_in(g, j, pp);
            }
        free(at);
        for (int k = 0; k < f->n_tiles; k++) /* sort each tile's ranks */
            qsort(f->rank + f->roff[k], (size_t)(f->roff[k + 1] - f->roff[k]), sizeof *f->rank,
                  cmp_i64);
    }
    return 0;
}


/* The tile of each position of layer i without weights: where its first
 * input's latest position of the window is produced (tile 0
 * for the network input); and the feeds of every input. */
static int plain_view(gen_t *g, int i)
{
    const layer_t *L = &g->md->layers[i];
    view_t *v = &g->v[i];
    v->ptile = malloc((size_t)v->positions * sizeof *v->ptile);
    if (!v->ptile)
        return -1;
    int j0 = L->inputs[0];
    for (int64_t p = 0; p < v->positions; p++) {
        int64_t best = -1, bp = 0;
        deps_window_t w = deps_window(g->md, i, j0, p);
        for (int64_t y = w.y0; y <= w.y1; y++)
            for (int64_t x = w.x0; x <= w.x1; x++) {
                int64_t pp = lstm_to_plain(g, j0, i) ? g->v[j0].positions - 1 : y * w.w + x;
                int64_t r = rank_in(g, j0, pp);
                if (r > best) {
                    best = r;
                    bp = pp;
                }
            }
        v->ptile[p] = j0 < 0 ? 0 : g->v[j0].ptile[bp];
    }
    for (int s = 0; s < L->n_inputs; s++)
        if (build_feed(g, i, s))
            return -1;
    return 0;
}

static void feed_free(feed_t *f)
{
    free(f->off);
    free(f->dst);
    free(f->tile);
    free(f->roff);
    free(f->rank);
}

static int build_views(gen_t *g)
{
    const model_t *md = g->md;
    for (int i = 0; i < md->n_layers; i++) {
        const layer_t *L = &md->layers[i];
        view_t *v = &g->v[i];
        v->positions = deps_positions(L);
        v->vals = tg_max(1, L->out_c);
        v->cons = calloc((size_t)md->n_layers, sizeof(int));
        if (!v->cons)
            return -1;
        if (L->kind == LAYER_LSTM)
            v->cons[v->n_cons++] = i;
        for (int k = 0; k < L->n_inputs; k++) {
            int j = L->inputs[k];
            if (j >= 0 && (!g->v[j].n_cons || g->v[j].cons[g->v[j].n_cons - 1] != i))
                g->v[j].cons[g->v[j].n_cons++] = i;
        }
    }
    for (int i = md->n_layers - 1; i >= 0; i--) { /* dealing needs the consumers */
        view_t *v = &g->v[i];
        v->output = deps_output_values(md, i) > 0;
        if (deal_by_windows(g, i))
            return -1;
    }
    for (int i = 0; i < md->n_layers; i++)
        if (is_weight(md->layers[i].kind) ? weight_view(g, i) : plain_view(g, i))
            return -1;
    return 0;
}

static int gen_layer(gen_t *g, int i, trace_layer_t *out, uint32_t *scratch)
{
    const layer_t *L = &g->md->layers[i];
    g->n_slots = 0;
    for (int k = 0; k < L->n_inputs; k++)
        if (slot_of(g, L->inputs[k]) < 0)
            g->slots[g->n_slots++] = L->inputs[k];
    if (L->kind == LAYER_LSTM)
        g->slots[g->n_slots++] = i;
    g->n_out = 0;
    if (is_weight(L->kind))
        gen_weight_layer(g, i, scratch);
    else
        gen_plain_layer(g, i, scratch);
    memset(out, 0, sizeof *out);
    if (g->err)
        return -1;
    out->arch_hash = g->a->hash;
    out->model_hash = g->md->hash;
    out->layer = (uint32_t)i;
    out->n_layers = (uint32_t)g->md->n_layers;
    out->n_tiles = g->n_tiles;
    out->n_ces = g->n_ces;
    out->kind = (uint8_t)L->kind;
    out->act = (uint8_t)L->act;
    out->act_bits = (uint16_t)act_bits(g, i);
    snprintf(out->name, sizeof out->name, "%s", L->name);
    /* streams in tile order; a tile's replica streams in replica order */
    uint32_t *first = calloc((size_t)g->n_tiles + 1, sizeof *first);
    out->streams = calloc(g->n_out ? g->n_out : 1, sizeof *out->streams);
    if (!first || !out->streams) {
        free(first);
        oom(g);
        return -1;
    }
    for (uint32_t k = 0; k < g->n_out; k++)
        first[g->out[k].tile + 1]++;
    for (uint32_t t = 0; t < g->n_tiles; t++)
        first[t + 1] += first[t];
    for (uint32_t k = 0; k < g->n_out; k++)
        out->streams[first[g->out[k].tile]++] = g->out[k];
    out->n_streams = g->n_out;
    g->n_out = 0;
    free(first);
    return 0;
}

int tracegen_build(const mapping_t *m, trace_layer_t **layers_out, imc_diag_t *d)
{
    gen_t g = {.m = m, .a = m->arch, .md = m->model, .d = d, .part1 = 1, .parts = 1};
    *layers_out = NULL;
    int64_t tiles = (int64_t)g.a->chip.tiles * tg_max(1, g.a->chip.chips);
    if (g.a->chip.tiles < 1 || g.a->tile.ces < 1 || g.a->ce.crossbars < 1 ||
        tiles * g.a->tile.ces > UINT32_MAX) {
        diag_error(d, NULL, 0, 0, "arch '%s': %d tiles x %d chips, %d CEs per tile, %d crossbars "
                   "per CE (expected positive, at most 2^32 CEs)", g.a->name, g.a->chip.tiles,
                   g.a->chip.chips, g.a->tile.ces, g.a->ce.crossbars);
        return -1;
    }
    g.n_tiles = (uint32_t)tiles;
    g.n_ces = g.n_tiles * (uint32_t)g.a->tile.ces;
    g.multicast = g.a->chip.noc.multicast;
    if (check_mapping(&g))
        return -1;
    int n = g.md->n_layers, rc = -1;
    trace_layer_t *layers = calloc((size_t)n, sizeof *layers);
    g.v = calloc((size_t)n, sizeof *g.v);
    /* per-send scratch: destination tiles + a done flag per tile */
    uint32_t *scratch = malloc((size_t)g.n_tiles * (sizeof(uint32_t) + 1) + 8);
    if (!layers || !g.v || !scratch || build_views(&g)) {
        oom(&g);
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (gen_layer(&g, i, &layers[i], scratch))
            goto out;
    rc = 0;
out:
    for (int i = 0; g.v && i < n; i++) {
        view_t *v = &g.v[i];
        free(v->rank);
        free(v->dealt);
        free(v->rep_of);
        free(v->rep_pos_off);
        free(v->rep_pos);
        free(v->ptile);
        free(v->rep_off);
        free(v->rep_tile);
        free(v->rows_t);
        free(v->sig_t);
        free(v->in_x0);
        free(v->in_x1);
        free(v->cons);
        for (int s = 0; s < LAYER_MAX_INPUTS; s++)
            feed_free(&v->feed[s]);
    }
    for (uint32_t k = 0; k < g.n_out; k++)
        free(g.out[k].recs);
    free(g.out);
    free(g.full_tile);
    free(g.full_cons);
    free(g.cur.v);
    free(g.v);
    free(scratch);
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
