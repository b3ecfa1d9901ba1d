/* The wrapper's wake-up bound: a cycle no message can be handed over before,
 * if nothing more is injected (noc_delivery_bound, docs/noc.md). Each final
 * packet and each busy source queue keeps a lower bound in a min-heap. A
 * bound only grows as its item advances (a hop takes at least fwd cycles, a
 * source sends at most a flit a cycle), so an entry stays valid until its
 * cycle comes; then it is recomputed, tighter, from the item's position. */
#include <stdio.h>
#include <stdlib.h>

#include "noc_internal.h"

/* Cycles ahead whose entries a bound query refreshes: fewer wake-ups for
 * bounds that have loosened, at a few heap operations each. */
#define NOC_BOUND_RECHECK 16

typedef struct noc_lb {
    uint64_t at;   /* no hand-over by this item before cycle at */
    int32_t item;  /* a packet id, or ~e for source e's queue */
    uint32_t gen;  /* live while the item's lb_gen is this */
} noc_lb_t;

static int hops(const noc_t *n, int src, int dst)
{
    int dx = abs(n->epx[src] - n->epx[dst]), dy = abs(n->epy[src] - n->epy[dst]);
    if (n->cfg.topology == TOPO_TORUS) {
        dx = dx <= n->cfg.kx - dx ? dx : n->cfg.kx - dx;
        dy = dy <= n->cfg.ky - dy ? dy : n->cfg.ky - dy;
    }
    return dx + dy;
}

/* A tail with `left` router-to-router hops to go, from cycle t on: every
 * router it crosses puts it fwd cycles further. */
static uint64_t tail_bound(const noc_t *n, uint64_t t, int left)
{
    return t + (uint64_t)(left + 1) * (uint64_t)n->fwd;
}

/* The tail of a packet from src still `flits` flits of that source away
 * (its own included), from cycle t on. */
static uint64_t queued_bound(const noc_t *n, uint64_t t, int src, int dst, uint64_t flits)
{
    return tail_bound(n, t + flits - 1 + (uint64_t)n->cfg.link_latency, hops(n, src, dst));
}

/* Source e's queue: its head message (the first packet that hands it over
 * after the packet now leaving), or any later one (all of the head first). */
static uint64_t source_bound(const noc_t *n, int e, uint64_t t)
{
    const noc_ni_t *ni = &n->ni[e];
    const noc_msg_t *m = &n->msg[ni->qhead];
    uint64_t before = ni->cur >= 0 ? (uint64_t)(n->pkt[ni->cur].flits - ni->sent) : 0;
    uint64_t need = m->done < 0 ? (uint64_t)(m->flits < m->pf ? m->flits : m->pf)
                                : (uint64_t)m->flits;
    uint64_t b = queued_bound(n, t, e, m->dst, before + need);
    if (m->next >= 0) {
        uint64_t later = t + before + (uint64_t)m->flits + (uint64_t)n->cfg.link_latency +
                         (uint64_t)n->fwd;
        if (later < b)
            b = later;
    }
    return b;
}

static void push(noc_t *n, uint64_t at, int32_t item, uint32_t gen)
{
    if (n->nlb == n->lb_cap) {
        n->lb_cap = n->lb_cap ? n->lb_cap * 2 : 256;
        n->lbh = realloc(n->lbh, (size_t)n->lb_cap * sizeof *n->lbh);
        if (!n->lbh) {
            fprintf(stderr, "imcsim: out of memory\n");
            abort();
        }
    }
    int i = n->nlb++;
    while (i > 0 && n->lbh[(i - 1) / 2].at > at) {
        n->lbh[i] = n->lbh[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    n->lbh[i] = (noc_lb_t){at, item, gen};
}

static void pop(noc_t *n)
{
    noc_lb_t last = n->lbh[--n->nlb];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= n->nlb)
            break;
        if (c + 1 < n->nlb && n->lbh[c + 1].at < n->lbh[c].at)
            c++;
        if (n->lbh[c].at >= last.at)
            break;
        n->lbh[i] = n->lbh[c];
        i = c;
    }
    if (n->nlb)
        n->lbh[i] = last;
}

static uint32_t next_gen(noc_t *n)
{
    if (!++n->lb_gen) /* 0 marks "no entry" */
        n->lb_gen = 1;
    return n->lb_gen;
}

void noc_bound_packet(noc_t *n, int id, uint64_t t)
{
    noc_pkt_t *p = &n->pkt[id];
    p->fin = 1;
    p->lb_gen = next_gen(n);
    push(n, queued_bound(n, t, p->src, p->dst, (uint64_t)p->flits), id, p->lb_gen);
}

void noc_bound_source(noc_t *n, int e, uint64_t t)
{
    noc_ni_t *ni = &n->ni[e];
    uint64_t b = source_bound(n, e, t);
    if (ni->lb_gen && ni->lb <= b)
        return; /* its live entry bounds the new message too */
    ni->lb_gen = next_gen(n);
    ni->lb = b;
    push(n, b, ~e, ni->lb_gen);
}

uint64_t noc_message_bound(const noc_t *n, uint64_t cycle, int src, int dst, int flits,
                           int packet_flits, int each_packet)
{
    int need = each_packet || flits <= packet_flits ? (flits < packet_flits ? flits : packet_flits)
                                                     : flits;
    return queued_bound(n, cycle, src, dst, (uint64_t)need);
}

/* The item's bound from cycle t on; UINT64_MAX drops its entry (gone, or
 * covered by the ejection channel); t itself when nothing can be said. */
static uint64_t recompute(noc_t *n, const noc_lb_t *en, uint64_t t)
{
    if (en->item < 0) {
        noc_ni_t *ni = &n->ni[~en->item];
        if (ni->lb_gen != en->gen)
            return UINT64_MAX;
        if (ni->qhead < 0) {
            ni->lb_gen = 0;
            return UINT64_MAX;
        }
        return ni->lb = source_bound(n, ~en->item, t);
    }
    const noc_pkt_t *p = &n->pkt[en->item];
    if (!p->fin || p->lb_gen != en->gen)
        return UINT64_MAX;
    if (p->ejecting) /* its exact cycle is on the ejection channel */
        return p->done >= 0 && n->done[p->done].left > 1 ? t : UINT64_MAX;
    const noc_ni_t *ni = &n->ni[p->src];
    if (ni->cur == en->item) /* its tail is still at the source */
        return queued_bound(n, t, p->src, p->dst, (uint64_t)(p->flits - ni->sent));
    return tail_bound(n, t, hops(n, p->src, p->dst) - p->hops);
}

uint64_t noc_delivery_bound(noc_t *n)
{
    uint64_t t = n->now, b = UINT64_MAX;
    if (n->orphans) /* a message completes with a packet that is not final */
        return t;
    /* the ejection channel, in time order: its first tail that completes
     * its message or is a final packet (which may have overtaken another
     * packet of its message) */
    for (int i = 0; i < n->ej_count; i++) {
        const noc_ej_t *ev = &n->ej[(n->ej_head + i) & (n->ej_cap - 1)];
        const noc_pkt_t *p = &n->pkt[ev->pkt];
        if (ev->tail && (p->fin || n->done[p->done].left == 1)) {
            b = ev->time;
            break;
        }
    }
    /* entries whose cycle has come, or will soon: recompute them from where
     * their items are (the heap orders them by their last, looser, bound) */
    int k = 0;
    while (n->nlb && n->lbh[0].at <= t + NOC_BOUND_RECHECK) {
        if (k == n->lb_tmp_cap) {
            n->lb_tmp_cap = n->lb_tmp_cap ? 2 * n->lb_tmp_cap : 64;
            n->lb_tmp = realloc(n->lb_tmp, (size_t)n->lb_tmp_cap * sizeof *n->lb_tmp);
            if (!n->lb_tmp) {
                fprintf(stderr, "imcsim: out of memory\n");
                abort();
            }
        }
        n->lb_tmp[k] = n->lbh[0];
        pop(n);
        uint64_t at = recompute(n, &n->lb_tmp[k], t);
        if (at <= t)
            b = t;
        if (at != UINT64_MAX)
            n->lb_tmp[k++].at = at;
    }
    for (int i = 0; i < k; i++) {
        uint32_t gen = next_gen(n);
        if (n->lb_tmp[i].item < 0)
            n->ni[~n->lb_tmp[i].item].lb_gen = gen;
        else
            n->pkt[n->lb_tmp[i].item].lb_gen = gen;
        push(n, n->lb_tmp[i].at, n->lb_tmp[i].item, gen);
    }
    return n->nlb && n->lbh[0].at < b ? n->lbh[0].at : b;
}
