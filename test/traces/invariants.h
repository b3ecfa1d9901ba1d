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

#endif
