/* The wrapper's wake-up bound: a cycle no message can be handed over before,
 * if nothing more is injected (noc_delivery_bound, docs/noc.md). Kept cheap
 * enough to ask at every wake-up: final packets are counted by the hops
 * their head has to go (a tail is behind its head, and each router it
 * crosses puts it fwd cycles further); each source keeps a bound on its
 * queue that only grows as the queue drains (one flit a cycle), so the
 * sources are rescanned only when their smallest bound comes. */
#include "noc_internal.h"

/* A tail `left` router-to-router hops from its destination, from cycle t. */
static uint64_t tail_bound(const noc_t *n, uint64_t t, int left)
{
    return t + (uint64_t)(left + 1) * (uint64_t)n->fwd;
}

/* The tail of a packet from src still `flits` flits of that source away
 * (its own included), from cycle t on. */
static uint64_t queued_bound(const noc_t *n, uint64_t t, int src, int dst, uint64_t flits)
{
    return tail_bound(n, t + flits - 1 + (uint64_t)n->cfg.link_latency, noc_ep_hops(n, src, dst));
}

/* Flits of a message of `flits` (packets of at most pf) up to its first
 * hand-over: all of them, or with each_packet its first packet's. */
static uint64_t handover_flits(int flits, int pf, int each_packet)
{
    return (uint64_t)(each_packet && pf < flits ? pf : flits);
}

/* Source e's queue: its head message (the first packet that hands it over,
 * after the packet now leaving), or any later one (all of the head first).
 * t is the cycle the queue is in this state (the core's), not a queued
 * message's creation cycle: the wrapper queues messages of later cycles, and
 * the queue drains meanwhile. The head starts no earlier than its creation. */
static uint64_t source_bound(const noc_t *n, int e, uint64_t t)
{
    const noc_ni_t *ni = &n->ni[e];
    const noc_msg_t *m = &n->msg[ni->qhead];
    uint64_t before = ni->cur >= 0 ? (uint64_t)(n->pkt[ni->cur].flits - ni->sent) : 0;
    uint64_t start = t + before > m->t_create ? t + before : m->t_create;
    /* no completion record: one packet, or every packet handed over */
    uint64_t need = handover_flits(m->flits, m->pf, m->done < 0);
    uint64_t b = m->mc >= 0 ? tail_bound(n, start + need - 1 + (uint64_t)n->cfg.link_latency,
                                         n->mcm[m->mc].min_hops)
                            : queued_bound(n, start, e, m->dst, need);
    if (m->next >= 0) {
        uint64_t later = start + (uint64_t)m->flits + (uint64_t)n->cfg.link_latency +
                         (uint64_t)n->fwd;
        if (later < b)
            b = later;
    }
    return b;
}

void noc_bound_packet(noc_t *n, int id)
{
    noc_pkt_t *p = &n->pkt[id];
    p->fin = 1;
    p->left = (int16_t)(p->mc >= 0 ? n->mcm[p->mc].min_hops : noc_ep_hops(n, p->src, p->dst));
    n->fin_left[p->left]++;
}

void noc_bound_source(noc_t *n, int e, uint64_t t)
{
    noc_ni_t *ni = &n->ni[e];
    uint64_t b = source_bound(n, e, t);
    if (ni->qhead != ni->qtail && ni->lb < b)
        b = ni->lb; /* the queue had messages: its bound still holds */
    ni->lb = b;
    if (b < n->src_lb)
        n->src_lb = b;
}

uint64_t noc_message_bound(const noc_t *n, uint64_t cycle, int src, int dst, int flits,
                           int packet_flits, int each_packet)
{
    return queued_bound(n, cycle, src, dst, handover_flits(flits, packet_flits, each_packet));
}

/* The tails noc_delivery_bound has passed in the ejection channel, by
 * message and destination (the first TAILS_SEEN of them). */
enum { TAILS_SEEN = 64 };
typedef struct tail_seen {
    int32_t mc, dst;
} tail_seen_t;

/* Does the multicast copy at position i of the ejection channel complete
 * its destination (its message's copies there before it leave one)?
 * `tails`: the tails before it in the channel, the first of them in seen. */
static int mc_completes(const noc_t *n, int i, const tail_seen_t *seen, int tails)
{
    const noc_pkt_t *p = &n->pkt[n->ej[(n->ej_head + i) & (n->ej_cap - 1)].pkt];
    const noc_mcm_t *m = &n->mcm[p->mc];
    int lo = p->di; /* the destination's index */
    if (m->left[lo] <= 1) /* its last packet, whatever is before it */
        return 1;
    if (m->left[lo] > tails + 1) /* more packets to come than tails up to it */
        return 0;
    int before = 0;
    if (tails <= TAILS_SEEN) { /* the tails before it, without their packet records */
        for (int j = 0; j < tails; j++)
            before += seen[j].mc == p->mc && seen[j].dst == p->dst;
        return m->left[lo] <= before + 1;
    }
    for (int j = 0; j < i; j++) {
        const noc_ej_t *ev = &n->ej[(n->ej_head + j) & (n->ej_cap - 1)];
        const noc_pkt_t *q = &n->pkt[ev->pkt];
        before += ev->tail && q->mc == p->mc && q->dst == p->dst;
    }
    return m->left[lo] <= before + 1;
}

uint64_t noc_multicast_bound(const noc_t *n, uint64_t cycle, int src, const int *dsts, int ndst,
                             int flits, int packet_flits)
{
    (void)packet_flits; /* a destination has the message with its last flit */
    uint64_t b = UINT64_MAX;
    if (ndst > 1 && n->cfg.multicast) { /* one stream: its nearest destination */
        int h = INT32_MAX;
        for (int i = 0; i < ndst; i++) {
            int k = noc_ep_hops(n, src, dsts[i]);
            h = k < h ? k : h;
        }
        return tail_bound(n, cycle + (uint64_t)flits - 1 + (uint64_t)n->cfg.link_latency, h);
    }
    for (int i = 0; i < ndst; i++) { /* copies, queued one after another */
        uint64_t c = queued_bound(n, cycle, src, dsts[i], (uint64_t)(i + 1) * (uint64_t)flits);
        b = c < b ? c : b;
    }
    return b;
}

uint64_t noc_delivery_bound(noc_t *n)
{
    uint64_t t = n->now, b = UINT64_MAX;
    if (n->orphans) /* a message completes with a packet that is not final */
        return t;
    /* the ejection channel, in time order: its first tail that completes
     * its message or is a final packet (which may have overtaken another
     * packet of its message) */
    tail_seen_t seen[TAILS_SEEN];
    for (int i = 0, tails = 0; i < n->ej_count; i++) {
        const noc_ej_t *ev = &n->ej[(n->ej_head + i) & (n->ej_cap - 1)];
        if (!ev->tail)
            continue;
        const noc_pkt_t *p = &n->pkt[ev->pkt];
        if (p->mc >= 0 ? mc_completes(n, i, seen, tails)
                       : p->fin || n->done[p->done].left == 1) {
            b = ev->time;
            break;
        }
        if (tails < TAILS_SEEN)
            seen[tails] = (tail_seen_t){p->mc, p->dst};
        tails++;
    }
    /* output speedup: the first final packet's tail still on its way (a
     * message completes with it, or later when it overtook another packet
     * of its message) */
    if (n->fin_due.n && n->fin_due.v[0].time < b)
        b = n->fin_due.v[0].time;
    for (int d = 0; d < n->cfg.kx + n->cfg.ky; d++)
        if (n->fin_left[d]) {
            uint64_t c = tail_bound(n, t, d);
            if (c < b)
                b = c;
            break;
        }
    if (n->src_lb <= t) { /* the nearest source bound came: recompute them */
        n->src_lb = UINT64_MAX;
        for (int w = 0; w < n->ewords; w++)
            for (uint64_t q = n->equeued[w]; q; q &= q - 1) {
                int e = w * 64 + __builtin_ctzll(q);
                uint64_t c = n->ni[e].lb = source_bound(n, e, t);
                if (c < n->src_lb)
                    n->src_lb = c;
            }
    }
    return n->src_lb < b ? n->src_lb : b;
}
