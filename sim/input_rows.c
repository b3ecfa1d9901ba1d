/* The host's input rows (input_rows.h). */
#include "input_rows.h"

#include <stdio.h>
#include <stdlib.h>

#include "deps.h"

/* tracegen's rule: a conv whose positions read the input's pixels by window
 * takes, on each tile, the columns its windows read there. */
static int by_window(const model_t *md, const layer_t *L, int c)
{
    return L->kind == LAYER_CONV && L->in_w > 0 &&
           deps_positions_in(md, LAYER_INPUT_NETWORK, c) == (int64_t)L->in_h * L->in_w;
}

/* The columns of the input the stream's positions read (x0 > x1: none). */
static void stream_hull(const model_t *md, int c, const trace_stream_t *ts, int64_t *x0,
                        int64_t *x1)
{
    for (uint32_t r = 0; r < ts->n_recs; r++) {
        if (ts->recs[r].op != TR_POS)
            continue;
        deps_window_t w = deps_window(md, c, LAYER_INPUT_NETWORK, (int64_t)ts->recs[r].a);
        if (w.kind != DEPS_RECT)
            continue;
        *x0 = w.x0 < *x0 ? w.x0 : *x0;
        *x1 = w.x1 > *x1 ? w.x1 : *x1;
    }
}

int input_dests(const model_t *md, const trace_layer_t *layers, input_dest_t **out, size_t *n,
                char *err, size_t errlen, int *bad_layer)
{
    int bad = -1;
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    const int64_t W = md->in_w > 0 ? md->in_w : 1, H = md->in_h > 0 ? md->in_h : 1;
    for (int c = 0; c < md->n_layers; c++) {
        const trace_layer_t *TL = &layers[c];
        const int hull = by_window(md, &md->layers[c], c);
        /* streams come in tile order: a tile's streams of the layer share
         * its input port (the largest WAIT is all it takes) */
        for (uint32_t s = 0; s < TL->n_streams; s++) {
            const trace_stream_t *ts = &TL->streams[s];
            uint64_t total = 0;
            for (uint32_t r = 0; r < ts->n_recs; r++)
                if (ts->recs[r].op == TR_WAIT && ts->recs[r].a == TRACE_NETWORK_INPUT &&
                    ts->recs[r].b > total)
                    total = ts->recs[r].b;
            if (!total)
                continue;
            input_dest_t *d = *n ? &(*out)[*n - 1] : NULL;
            if (!d || d->layer != c || d->tile != ts->tile) {
                if (*n == cap) {
                    cap = cap ? 2 * cap : 16;
                    input_dest_t *g = realloc(*out, cap * sizeof *g);
                    if (!g) {
                        snprintf(err, errlen, "out of memory");
                        goto fail;
                    }
                    *out = g;
                }
                d = &(*out)[(*n)++];
                *d = (input_dest_t){c, ts->tile, 0, hull ? INT64_MAX : 0, hull ? -1 : W - 1};
            }
            d->total = total > d->total ? total : d->total;
            if (hull)
                stream_hull(md, c, ts, &d->x0, &d->x1);
        }
    }
    const int64_t C = md->in_c > 0 ? md->in_c : 1;
    for (size_t i = 0; i < *n; i++) { /* a hull's total is whole pixels of its columns */
        input_dest_t *d = &(*out)[i];
        const int whole = d->x0 == 0 && d->x1 == W - 1;
        if (d->x0 > d->x1 || (!whole && d->total % (uint64_t)(H * (d->x1 - d->x0 + 1)))) {
            snprintf(err, errlen,
                     "layer %d on tile %u waits for %llu input values, not whole pixels of "
                     "the %lld columns its windows read over %lld rows",
                     d->layer, d->tile, (unsigned long long)d->total,
                     (long long)(d->x1 - d->x0 + 1), (long long)H);
            bad = d->layer;
            goto fail;
        }
        /* the host sends what the WAITs ask: never more than the input has */
        const int64_t cols = d->x1 - d->x0 + 1;
        if (d->total > (uint64_t)(H * cols * C)) {
            snprintf(err, errlen,
                     "layer %d (%s) on tile %u waits for %llu values of the network input, "
                     "more than the %lld of the %lld rows x %lld columns x %lld channels it "
                     "reads there",
                     d->layer, md->layers[d->layer].name, d->tile,
                     (unsigned long long)d->total, (long long)(H * cols * C), (long long)H,
                     (long long)cols, (long long)C);
            bad = d->layer;
            goto fail;
        }
    }
    return 0;
fail:
    if (bad_layer)
        *bad_layer = bad;
    free(*out);
    *out = NULL;
    *n = 0;
    return -1;
}

uint64_t input_row_values(const model_t *md, const input_dest_t *d, int64_t y)
{
    const uint64_t H = (uint64_t)(md->in_h > 0 ? md->in_h : 1), T = d->total;
    return (uint64_t)(y + 1) * T / H - (uint64_t)y * T / H;
}

/* Of dest d's row values v, those of columns [x0 of d, x) (rounded so that
 * its segments add up to v exactly). */
static uint64_t upto(const input_dest_t *d, uint64_t v, int64_t x)
{
    return v * (uint64_t)(x - d->x0) / (uint64_t)(d->x1 - d->x0 + 1);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int input_row_messages(const input_dest_t *dests, const int *idx, const uint64_t *v, int k,
                       input_msg_fn emit, void *ctx)
{
    int64_t *cut = malloc((size_t)(2 * k + 1) * sizeof *cut);
    input_part_t *parts = malloc((size_t)(k + 1) * sizeof *parts);
    int64_t *order = malloc((size_t)(k + 1) * sizeof *order); /* first column << 32 | position */
    int *live = malloc((size_t)(k + 1) * sizeof *live);   /* the takers, by position */
    char *done = malloc((size_t)k + 1);
    int rc = 0;
    if (!cut || !parts || !order || !live || !done) {
        rc = -1;
        goto out;
    }
    int nc = 0;
    for (int i = 0; i < k; i++) {
        cut[nc++] = dests[idx[i]].x0;
        cut[nc++] = dests[idx[i]].x1 + 1;
        order[i] = dests[idx[i]].x0 << 32 | i; /* columns and k are below 2^31 */
    }
    qsort(cut, (size_t)nc, sizeof *cut, cmp_i64);
    qsort(order, (size_t)k, sizeof *order, cmp_i64);
    /* a sweep over the cuts: the takers of [a, b) are the dests begun by a
     * and not ended before it (each covers [a, b): no cut lies inside) */
    int nl = 0, next = 0;
    for (int s = 0; s + 1 < nc; s++) {
        const int64_t a = cut[s], b = cut[s + 1];
        if (a == b)
            continue;
        int m = 0;
        for (int t = 0; t < nl; t++)
            if (dests[idx[live[t]]].x1 >= a)
                live[m++] = live[t];
        nl = m;
        for (; next < k && order[next] >> 32 <= a; next++) {
            int t = nl++, i = (int)(order[next] & 0xffffffff); /* kept in position order */
            for (; t > 0 && live[t - 1] > i; t--)
                live[t] = live[t - 1];
            live[t] = i;
        }
        for (int t = 0; t < nl; t++)
            done[t] = 0;
        for (int t = 0; t < nl; t++) {
            if (done[t])
                continue;
            /* with every later taker of the same values per pixel */
            const int i = live[t];
            const input_dest_t *di = &dests[idx[i]];
            const uint64_t wi = (uint64_t)(di->x1 - di->x0 + 1);
            int n = 0;
            uint64_t size = 0;
            for (int u = t; u < nl; u++) {
                const int j = live[u];
                const input_dest_t *dj = &dests[idx[j]];
                if (done[u] || v[i] * (uint64_t)(dj->x1 - dj->x0 + 1) != v[j] * wi)
                    continue;
                done[u] = 1;
                uint64_t val = upto(dj, v[j], b) - upto(dj, v[j], a);
                if (val) {
                    parts[n++] = (input_part_t){idx[j], val};
                    size = val > size ? val : size;
                }
            }
            if (n)
                emit(ctx, parts, n, size);
        }
    }
out:
    free(cut);
    free(parts);
    free(order);
    free(live);
    free(done);
    return rc;
}
