/* Invariants every generated trace set must satisfy, derived from the layer
 * shapes and the trace semantics rather than from the generator's code. */
#ifndef TEST_TRACES_INVARIANTS_H
#define TEST_TRACES_INVARIANTS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping.h"
#include "trace_io.h"

static inline int64_t count_op(const trace_layer_t *l, int op)
{
    int64_t n = 0;
    for (uint32_t s = 0; s < l->n_streams; s++)
        for (uint32_t i = 0; i < l->streams[s].n_recs; i++)
            n += l->streams[s].recs[i].op == op;
    return n;
}

/* 0 when all hold; else 1 and the first violation in msg:
 * - every record of layer i says layer i;
 * - MVMs of a weight layer = output positions (from its shape) x CEs per replica;
 * - per stream and producer, WAIT counts never decrease;
 * - per consumer layer c, producer j and tile t: the values j sends to t for c
 *   equal the last (largest) WAIT on j in c's stream on t. */
static inline int check_invariants(const mapping_t *m, const trace_layer_t *l, char *msg,
                                   size_t n)
{
    const model_t *md = m->model;
    uint32_t nt = l[0].n_tiles;
    int64_t *sent = calloc(nt, sizeof *sent), *wait = calloc(nt, sizeof *wait);
    int bad = 0;
    for (int i = 0; i < md->n_layers && !bad; i++) {
        const layer_t *L = &md->layers[i];
        for (uint32_t s = 0; s < l[i].n_streams; s++)
            for (uint32_t k = 0; k < l[i].streams[s].n_recs; k++)
                if (l[i].streams[s].recs[k].layer != i && !bad) {
                    snprintf(msg, n, "layer %d: record of layer %u", i, l[i].streams[s].recs[k].layer);
                    bad = 1;
                }
        if (L->kind == LAYER_CONV || L->kind == LAYER_LINEAR || L->kind == LAYER_LSTM) {
            int64_t pos = L->kind == LAYER_LSTM ? L->lstm_steps : (int64_t)L->out_h * L->out_w;
            int64_t want = pos * m->layers[i].ces_per_replica, got = count_op(&l[i], TR_MVM);
            if (got != want && !bad) {
                snprintf(msg, n, "layer %s: %lld MVMs, expected %lld positions x %d CEs",
                         L->name, (long long)got, (long long)pos, m->layers[i].ces_per_replica);
                bad = 1;
            }
        }
        /* producers of i, including itself when it is recurrent */
        int prods[LAYER_MAX_INPUTS + 1], np = 0;
        for (int k = 0; k < L->n_inputs; k++)
            if (L->inputs[k] >= 0)
                prods[np++] = L->inputs[k];
        if (L->kind == LAYER_LSTM)
            prods[np++] = i;
        for (int q = 0; q < np && !bad; q++) {
            int j = prods[q];
            memset(sent, 0, nt * sizeof *sent);
            memset(wait, 0, nt * sizeof *wait);
            for (uint32_t s = 0; s < l[j].n_streams; s++)
                for (uint32_t k = 0; k < l[j].streams[s].n_recs; k++) {
                    const trace_rec_t *r = &l[j].streams[s].recs[k];
                    if (r->op == TR_SEND && r->c == (uint32_t)i)
                        sent[r->a] += r->b;
                }
            for (uint32_t s = 0; s < l[i].n_streams && !bad; s++) {
                const trace_stream_t *st = &l[i].streams[s];
                int64_t last = 0;
                for (uint32_t k = 0; k < st->n_recs; k++) {
                    const trace_rec_t *r = &st->recs[k];
                    if (r->op != TR_WAIT || r->a != (uint32_t)j)
                        continue;
                    if ((int64_t)r->b < last && !bad) {
                        snprintf(msg, n, "layer %s tile %u: WAIT on %d decreases %lld -> %u",
                                 L->name, st->tile, j, (long long)last, r->b);
                        bad = 1;
                    }
                    last = r->b;
                }
                wait[st->tile] = last;
            }
            for (uint32_t t = 0; t < nt && !bad; t++)
                if (sent[t] != wait[t]) {
                    snprintf(msg, n, "%s -> %s on tile %u: %lld values sent, %lld waited for",
                             md->layers[j].name, L->name, t, (long long)sent[t],
                             (long long)wait[t]);
                    bad = 1;
                }
        }
    }
    free(sent);
    free(wait);
    return bad;
}

/* Runs the streams untimed, as the engine would: a WAIT proceeds once its
 * (tile, layer, producer) counter reaches b, an ACCUM once the stream has
 * received a partial-sum messages, SEND and PSUM_SEND deliver at once; the
 * network input is always there. 0 when every stream runs to its end (no
 * deadlock, nothing waited for that is never sent), else 1 and the first
 * blocked record in msg. */
static inline int find_stream(const trace_layer_t *l, uint32_t tile)
{
    int lo = 0, hi = (int)l->n_streams - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (l->streams[mid].tile == tile) {
            while (mid > 0 && l->streams[mid - 1].tile == tile)
                mid--; /* the tile's first stream: a tile may have several */
            return mid;
        }
        if (l->streams[mid].tile < tile)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

#define EXEC_SLOTS (LAYER_MAX_INPUTS + 1)

/* Slot of producer j among layer c's producers (inputs, then itself). */
static inline int exec_slot(const mapping_t *m, int c, int j)
{
    const layer_t *L = &m->model->layers[c];
    for (int k = 0; k < L->n_inputs; k++)
        if (L->inputs[k] == j)
            return k;
    return j == c ? LAYER_MAX_INPUTS : -1;
}

static inline int check_executable(const mapping_t *m, const trace_layer_t *l, char *msg,
                                   size_t n)
{
    int nl = m->model->n_layers, bad = 0;
    /* per layer, per stream: position; per layer and tile (its first stream):
     * producer counters, and psum messages per replica group (the c field) */
    uint32_t **pos = calloc((size_t)nl, sizeof *pos);
    int64_t **cnt = calloc((size_t)nl, sizeof *cnt), **psum = calloc((size_t)nl, sizeof *psum);
    uint32_t *groups = calloc((size_t)nl, sizeof *groups);
    for (int i = 0; i < nl; i++) {
        for (uint32_t s = 0; s < l[i].n_streams; s++)
            for (uint32_t k = 0; k < l[i].streams[s].n_recs; k++) {
                const trace_rec_t *r = &l[i].streams[s].recs[k];
                if ((r->op == TR_ACCUM || r->op == TR_PSUM_SEND) && r->c + 1 > groups[i])
                    groups[i] = r->c + 1;
            }
        if (!groups[i])
            groups[i] = 1;
        pos[i] = calloc(l[i].n_streams + 1, sizeof **pos);
        cnt[i] = calloc((l[i].n_streams + 1) * EXEC_SLOTS, sizeof **cnt);
        psum[i] = calloc((l[i].n_streams + 1) * groups[i], sizeof **psum);
    }
    int progress = 1, done = 0;
    while (progress && !bad && !done) {
        progress = 0;
        done = 1;
        for (int i = 0; i < nl && !bad; i++)
            for (uint32_t s = 0; s < l[i].n_streams && !bad; s++) {
                const trace_stream_t *st = &l[i].streams[s];
                while (pos[i][s] < st->n_recs && !bad) {
                    const trace_rec_t *r = &st->recs[pos[i][s]];
                    if (r->op == TR_WAIT && r->a != TRACE_NETWORK_INPUT) {
                        int k = exec_slot(m, i, (int)r->a);
                        if (k < 0) {
                            snprintf(msg, n, "layer %d tile %u: WAIT on %u, not a producer", i,
                                     st->tile, r->a);
                            bad = 1;
                            break;
                        }
                        int ts = find_stream(&l[i], st->tile);
                        if (cnt[i][ts * EXEC_SLOTS + k] < r->b)
                            break;
                    } else if (r->op == TR_ACCUM) {
                        int ts = find_stream(&l[i], st->tile);
                        if (psum[i][ts * groups[i] + r->c] < r->a)
                            break;
                    } else if (r->op == TR_SEND && r->a == TRACE_HOST) {
                        /* the network's output leaves the chip */
                    } else if (r->op == TR_PSUM_SEND || r->op == TR_SEND) {
                        int c = r->op == TR_SEND ? (int)r->c : i;
                        int ds = find_stream(&l[c], r->a);
                        int k = r->op == TR_SEND ? exec_slot(m, c, i) : 0;
                        if (ds < 0 || k < 0) {
                            snprintf(msg, n, "layer %d tile %u: %s to tile %u of layer %d, which "
                                     "has no stream there or does not consume it", i, st->tile,
                                     trace_op_name(r->op), r->a, c);
                            bad = 1;
                            break;
                        }
                        if (r->op == TR_SEND)
                            cnt[c][ds * EXEC_SLOTS + k] += r->b;
                        else
                            psum[c][ds * groups[c] + r->c]++;
                    }
                    pos[i][s]++;
                    progress = 1;
                }
                done &= pos[i][s] == st->n_recs;
            }
    }
    if (!bad && !done) {
        for (int i = 0; i < nl && !bad; i++)
            for (uint32_t s = 0; s < l[i].n_streams && !bad; s++)
                if (pos[i][s] < l[i].streams[s].n_recs) {
                    const trace_rec_t *r = &l[i].streams[s].recs[pos[i][s]];
                    snprintf(msg, n, "deadlock: layer %s tile %u blocked at record %u (%s a=%u "
                             "b=%u)", m->model->layers[i].name, l[i].streams[s].tile, pos[i][s],
                             trace_op_name(r->op), r->a, r->b);
                    bad = 1;
                }
    }
    for (int i = 0; i < nl; i++) {
        free(pos[i]);
        free(cnt[i]);
        free(psum[i]);
    }
    free(pos);
    free(cnt);
    free(psum);
    free(groups);
    return bad;
}

#endif
