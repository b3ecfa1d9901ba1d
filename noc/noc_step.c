/* The cycle loop: sources inject, routers do RC -> VA -> SA -> ST, ejection
 * channels deliver. See the layout notes at the top of noc.c. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noc.h"
#include "noc_internal.h"


/* A VC's flit ring. */
static inline noc_flit_t *ring(noc_t *n, const noc_ivc_t *iv)
{
    return &n->flits[iv->fbase];
}

/* The VCs of a port a router step looks at: those holding flits that are
 * not parked (vwait, cwait). A router is stepped while one of its ports has
 * some (ports, ractive); a parked VC would only fail its checks. */
static inline uint64_t live(const noc_rport_t *p) { return p->nonempty & ~(p->vwait | p->cwait); }

static inline void router_wake(noc_t *n, noc_router_t *rt, int r, int port)
{
    rt->ports |= 1u << port;
    noc_bit_set(n->ractive, r);
}

/* The port may have no live VC left (an armed router, see va_arm, stays
 * active for its next step). */
static inline void port_recheck(noc_t *n, noc_router_t *rt, int r, int port)
{
    if (!live(&rt->in[port]) && !(rt->ports &= ~(1u << port)) && !rt->varm)
        noc_bit_clear(n->ractive, r);
}

/* Candidate output ports of the packet's head at router r, and its output VC
 * class [lo, hi) (torus dateline: class 0 before the wrap link of the current
 * dimension, class 1 from it on). */
static __attribute__((noinline)) uint32_t route(const noc_t *n, int r, const noc_pkt_t *p,
                                               uint8_t *lo, uint8_t *hi)
{
    const noc_config_t *c = &n->cfg;
    int dr = p->dst / n->C;
    *lo = 0;
    *hi = (uint8_t)n->V;
    if (dr == r)
        return 1u << (NOC_NET_PORTS + p->dst % n->C);
    int cx = r % c->kx, cy = r / c->kx, dx = dr % c->kx, dy = dr / c->kx;
    int ex = n->topo->step(c->kx, cx, dx), ey = n->topo->step(c->ky, cy, dy);
    int px = ex > 0 ? NOC_EAST : NOC_WEST, py = ey > 0 ? NOC_NORTH : NOC_SOUTH;
    uint8_t m;
    switch (c->routing) {
    case ROUTE_YX:
        m = (uint8_t)(1u << (ey ? py : px));
        break;
    case ROUTE_WEST_FIRST:
        if (ex < 0)
            m = 1u << NOC_WEST;
        else
            m = (uint8_t)((ex ? 1u << NOC_EAST : 0) | (ey ? 1u << py : 0));
        break;
    case ROUTE_ODD_EVEN: { /* Chiu 2000, x = column */
        int sx = (p->src / n->C) % c->kx;
        m = 0;
        if (!ex)
            m = (uint8_t)(1u << py);
        else if (ex > 0) {
            if (!ey)
                m = 1u << NOC_EAST;
            else {
                if ((cx & 1) || cx == sx)
                    m |= (uint8_t)(1u << py);
                if ((dx & 1) || dx - cx != 1) /* not the last column */
                    m |= 1u << NOC_EAST;
            }
        } else {
            m = 1u << NOC_WEST;
            if (ey && !(cx & 1))
                m |= (uint8_t)(1u << py);
        }
        break;
    }
    default: /* XY */
        m = (uint8_t)(1u << (ex ? px : py));
        break;
    }
    if (n->dateline) {
        int port = __builtin_ctz(m), dim = port >> 1;
        int cls = n->wrap[r * NOC_NET_PORTS + port] || (p->dl && p->last_dim == dim);
        int half = n->V / 2;
        *lo = (uint8_t)(cls ? half : 0);
        *hi = (uint8_t)(cls ? n->V : half);
    }
    return m;
}

/* The head in iv requests VA from cycle tr + rd: the timer wheel wakes it
 * then. */
static inline void va_wheel(noc_t *n, noc_ivc_t *iv, uint64_t tr)
{
    iv->stage_ready = tr + (uint64_t)n->rd;
    uint32_t i = (uint32_t)(iv - n->ivc), slot = (uint32_t)iv->stage_ready & n->twmask;
    n->tw[i].next = n->tw_head[slot];
    n->tw_head[slot] = i;
}

/* va_enter's rarer cases, apart so that a unicast head with a memoised
 * route saves no registers (they end in tail calls): a head with several
 * destinations, which the router replicates (VC_MC), and a route not yet
 * memoised. */
static __attribute__((noinline)) void va_enter_mc(noc_t *n, int r, noc_ivc_t *iv, uint64_t tr)
{
    noc_mc_enter(n, r, iv);
    va_wheel(n, iv, tr);
}

static __attribute__((noinline)) void va_enter_route(noc_t *n, int r, noc_ivc_t *iv,
                                                     uint64_t tr, const noc_pkt_t *p,
                                                     uint8_t *memo)
{
    iv->cand = route(n, r, p, &iv->vc_lo, &iv->vc_hi);
    if (memo)
        *memo = (uint8_t)(iv->cand < 16 ? iv->cand : 12u + (uint32_t)__builtin_ctz(iv->cand));
    va_wheel(n, iv, tr);
}

/* RC for the head now at the front of iv (at router r), done at cycle tr
 * (the first cycle the router looks at it there). Its VA request waits for
 * cycle tr + rd on the timer wheel, left out of nonempty (the caller sees
 * to that) so no router step polls it before; noc_advance wakes it. */
static __attribute__((noinline)) void va_enter(noc_t *n, int r, noc_ivc_t *iv, uint64_t tr)
{
    const noc_pkt_t *p = &n->pkt[ring(n, iv)[iv->head].pf & NOC_F_PKT];
    uint8_t *memo = n->rtab ? &n->rtab[(size_t)r * n->E + (size_t)p->dst] : NULL;
    iv->state = VC_VA;
    iv->whole = 0;
    if (n->mcva && p->ds >= 0) {
        va_enter_mc(n, r, iv, tr);
        return;
    }
    if (!memo || !*memo) {
        va_enter_route(n, r, iv, tr, p, memo);
        return;
    }
    /* network masks are 1..15, a local port p (4..19) is 12 + p */
    iv->cand = *memo < 16 ? (uint32_t)*memo : 1u << (*memo - 12);
    iv->vc_lo = 0;
    iv->vc_hi = (uint8_t)n->V;
    va_wheel(n, iv, tr);
}

/* since: the first cycle router r is stepped with this flit (busy_since) */
static inline void push_flit(noc_t *n, noc_ivc_t *d, int r, int port, int vc,
                             uint64_t ready, uint32_t pf, uint64_t since, uint32_t bmask,
                             const int mc)
{
    noc_flit_t f = {(uint32_t)ready, pf};
    ring(n, d)[(d->head + d->count) & bmask] = f;
    noc_router_t *rt = &n->rt[r];
    if (!rt->flits++)
        rt->busy_since = since;
    /* the router's count first, so the calls below (RC, a replicating VC's
     * arrival) come last and keep no registers live; neither reads it */
    if (!d->count++) {
        d->front_ready = ready;
        if (pf & NOC_F_HEAD) { /* RC when it arrives (the VC is live then) */
            va_enter(n, r, d, ready);
        } else { /* the rest of an active packet: live */
            rt->in[port].nonempty |= 1ull << vc;
            router_wake(n, rt, r, port);
        }
    } else if (mc && d->state == VC_MC) { /* maybe the flit its branches wait for */
        noc_mc_arrive(n, r, d, ready);
    }
}

/* Double a ring of `count` elements of `size` bytes from *head (capacity
 * *cap, a power of two; `first` when it has none yet), its elements from 0
 * on in their order: the ejection channel's rings. */
static __attribute__((noinline)) void *ring_grow(void *ring, int *head, int count, int *cap,
                                                 size_t size, int first)
{
    int c = *cap ? *cap * 2 : first;
    char *q = malloc((size_t)c * size);
    if (!q) {
        fprintf(stderr, "imcsim: out of memory\n");
        abort();
    }
    for (int i = 0; i < count; i++)
        memcpy(q + (size_t)i * size, (char *)ring + (size_t)((*head + i) & (*cap - 1)) * size,
               size);
    free(ring);
    *head = 0;
    *cap = c;
    return q;
}

static inline void eject_push(noc_t *n, uint64_t time, int pkt, int tail)
{
    if (n->ej_count == n->ej_cap)
        n->ej = ring_grow(n->ej, &n->ej_head, n->ej_count, &n->ej_cap, sizeof *n->ej, 256);
    int slot = (n->ej_head + n->ej_count) & (n->ej_cap - 1); /* cap: a power of two */
    n->ej[slot] = (noc_ej_t){time, pkt, (uint8_t)tail};
    n->ej_count++;
}

/* A head or body flit arriving over an ejection channel at cycle `time`
 * (never earlier than the last one: without output speedup every flit
 * ejected in cycle t arrives at t + fwd): counted when it arrives. */
static inline void ejb_push(noc_t *n, uint64_t time)
{
    if (n->ejb_count && n->ejb_last->time == time) {
        n->ejb_last->n++;
        return;
    }
    if (n->ejb_count == n->ejb_cap)
        n->ejb = ring_grow(n->ejb, &n->ejb_head, n->ejb_count, &n->ejb_cap, sizeof *n->ejb, 64);
    n->ejb_last = &n->ejb[(n->ejb_head + n->ejb_count) & (n->ejb_cap - 1)];
    *n->ejb_last = (noc_ejb_t){time, 1};
    n->ejb_count++;
}

/* Count the head and body flits arrived by cycle t. */
static inline void ejb_arrived(noc_t *n, uint64_t t)
{
    while (n->ejb_count && n->ejb[n->ejb_head].time <= t) {
        n->st.flits_ejected += n->ejb[n->ejb_head].n;
        n->ejb_head = (n->ejb_head + 1) & (n->ejb_cap - 1);
        n->ejb_count--;
    }
}

static inline int ejh_before(const noc_ejh_t *a, const noc_ejh_t *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void ejheap_push(noc_ejheap_t *h, noc_ejh_t e)
{
    if (h->n == h->cap) {
        int c = h->cap ? h->cap * 2 : 256;
        noc_ejh_t *q = realloc(h->v, (size_t)c * sizeof *q);
        if (!q) {
            fprintf(stderr, "imcsim: out of memory\n");
            abort();
        }
        h->v = q;
        h->cap = c;
    }
    int i = h->n++;
    for (; i > 0 && ejh_before(&e, &h->v[(i - 1) / 2]); i = (i - 1) / 2)
        h->v[i] = h->v[(i - 1) / 2];
    h->v[i] = e;
}

/* Removes the first. */
static void ejheap_pop(noc_ejheap_t *h)
{
    noc_ejh_t last = h->v[--h->n];
    int i = 0, m = h->n;
    for (int c; (c = 2 * i + 1) < m; i = c) {
        if (c + 1 < m && ejh_before(&h->v[c + 1], &h->v[c]))
            c++;
        if (!ejh_before(&h->v[c], &last))
            break;
        h->v[i] = h->v[c];
    }
    if (m)
        h->v[i] = last;
}

/* With output speedup a flit queued at a local output arrives later than
 * flits other routers send after it: tails wait in a heap by (time, send
 * order), head and body flits, which are only counted, in another
 * (noc_t.tail_due, body_due). */
static __attribute__((noinline)) void eject_push_os(noc_t *n, uint64_t time, int pkt, int tail)
{
    if (!tail) {
        ejheap_push(&n->body_due, (noc_ejh_t){time, 0, -1});
        return;
    }
    const noc_pkt_t *p = &n->pkt[pkt];
    if (p->mc >= 0 ? !--n->mcm[p->mc].coming[p->di] : p->fin) /* it may complete */
        ejheap_push(&n->fin_due, (noc_ejh_t){time, 0, -1});
    ejheap_push(&n->tail_due, (noc_ejh_t){time, n->ejh_seq++, pkt});
}

/* Output speedup: the flits arrived by cycle t leave the heaps, the tails
 * into the ejection channel (in order: what is due now, after what was due
 * before), the others into the count. */
static __attribute__((noinline)) void ej_due(noc_t *n, uint64_t t)
{
    for (; n->body_due.n && n->body_due.v[0].time <= t; ejheap_pop(&n->body_due))
        n->st.flits_ejected++;
    for (; n->fin_due.n && n->fin_due.v[0].time <= t; ejheap_pop(&n->fin_due))
        ;
    for (; n->tail_due.n && n->tail_due.v[0].time <= t; ejheap_pop(&n->tail_due))
        eject_push(n, n->tail_due.v[0].time, n->tail_due.v[0].pkt, 1);
}

/* wait_for_tail_credit: the tail of a packet left input VC i (a network
 * port); its credit frees the upstream output VC `cd` cycles later. */
static __attribute__((noinline)) void release_later(noc_t *n, uint32_t i, uint64_t at)
{
    uint32_t slot = (uint32_t)at & n->relmask;
    n->rel_next[i] = n->rel_head[slot];
    n->rel_head[slot] = i;
    n->rel_pending++;
}

/* Output port out of router r released a VC: the VCs waiting in VA with out
 * among their candidates request again in the router's next step
 * (va_rearm). They stay parked meanwhile: all but one usually fail again,
 * and a failure then costs no unpark and re-park. */
static inline void va_arm(noc_t *n, noc_router_t *rt, int r, int out)
{
    for (uint32_t pm = rt->wports; pm; pm &= pm - 1)
        if (rt->vwo[__builtin_ctz(pm)][out]) {
            rt->varm |= 1u << out;
            noc_bit_set(n->ractive, r);
            return;
        }
}

/* The parked VCs armed by va_arm join this step's VA requests. With one
 * candidate and one class per packet (va_det), a released output with f
 * free VCs can take only its first f waiters in the VA order from va_rr:
 * after the f-th one's turn it is full, so the others would fail. */
static __attribute__((noinline)) void va_rearm(const noc_t *n, noc_router_t *rt,
                                               uint64_t *va_req, uint32_t *va_ports)
{
    for (uint32_t om = n->va_det ? rt->varm : 0; om; om &= om - 1) {
        int o = __builtin_ctz(om), V = n->V;
        int sp = rt->va_rr / V, sv = rt->va_rr % V;
        uint64_t low = sv ? (~0ull >> (64 - sv)) : 0, fr = ~rt->oown[o];
        uint32_t spb = 1u << sp, wp = rt->wports;
        /* ports in order sp (VCs from sv), sp+1, ..., sp-1, sp (VCs below sv) */
        uint32_t order[4] = {wp & spb, wp & ~(spb | (spb - 1u)), wp & (spb - 1u), wp & spb};
        for (int h = 0; h < 4 && fr; h++)
            for (uint32_t pm = order[h]; pm && fr; pm &= pm - 1) {
                int port = __builtin_ctz(pm);
                uint64_t w = rt->vwo[port][o] & (h == 0 ? ~low : h == 3 ? low : ~0ull), take = 0;
                for (; w && fr; w &= w - 1, fr &= fr - 1)
                    take |= w & -w;
                if (!take)
                    continue;
                va_req[port] = (*va_ports & (1u << port) ? va_req[port] : 0) | take;
                *va_ports |= 1u << port;
            }
    }
    for (uint32_t pm = n->va_det ? 0 : rt->wports; pm; pm &= pm - 1) {
        int port = __builtin_ctz(pm);
        uint64_t w = 0;
        for (uint32_t om = rt->varm; om; om &= om - 1)
            w |= rt->vwo[port][__builtin_ctz(om)];
        if (!w)
            continue;
        if (*va_ports & (1u << port))
            va_req[port] |= w;
        else
            va_req[port] = w;
        *va_ports |= 1u << port;
    }
    rt->varm = 0;
}

/* wait_for_tail_credit: the releases due at cycle t (all of them when the
 * network is empty and the loop jumps ahead: no head can want them before). */
static __attribute__((noinline)) void release_due(noc_t *n, uint64_t t, int all)
{
    for (uint32_t s = all ? 0 : (uint32_t)t & n->relmask; s <= n->relmask; s++) {
        for (uint32_t i = n->rel_head[s]; i != UINT32_MAX; i = n->rel_next[i]) {
            /* input VC i = (r, port, vc) was fed by output port opposite(port)
             * of the neighbour through `port` */
            int r = (int)(i / ((uint32_t)n->P * (uint32_t)n->V)),
                port = (int)(i / (uint32_t)n->V % (uint32_t)n->P), vc = (int)(i % (uint32_t)n->V);
            int u = n->nbr[r * NOC_NET_PORTS + port], out = noc_opposite(port);
            noc_router_t *rt = &n->rt[u];
            rt->oown[out] &= ~(1ull << vc);
            if (rt->wports)
                va_arm(n, rt, u, out);
            n->rel_pending--;
        }
        n->rel_head[s] = UINT32_MAX;
        if (!all)
            break;
    }
}

/* A credit is on its way back to the upstream VC parked on d. */
static __attribute__((noinline)) void credit_unpark(noc_t *n, noc_ivc_t *d)
{
    d->up_parked = 0;
    uint32_t up = n->up[d - n->ivc];
    int r = noc_where_router(up), port = noc_where_port(up), vc = noc_where_vc(up);
    noc_router_t *rt = &n->rt[r];
    rt->in[port].cwait &= ~(1ull << vc);
    router_wake(n, rt, r, port);
}

/* Output port o of router r released a VC or gained room: the heads passing
 * through (whole_park) and the replicating VCs (noc_mcast.c park) parked
 * for it request again from its next step. */
static __attribute__((noinline)) void whole_wake(noc_t *n, noc_router_t *rt, int r, int o)
{
    for (uint32_t pm = rt->wwp[o]; pm; pm &= pm - 1) {
        int port = __builtin_ctz(pm);
        noc_ivc_t *pb = rt->ivb + port * n->V;
        for (uint64_t m = rt->in[port].nonempty; m; m &= m - 1) {
            int v = __builtin_ctzll(m);
            if (pb[v].state == VC_MC)
                noc_mc_unpark(n, r, port, v, &pb[v], o);
            else if (pb[v].whole && pb[v].cand == 1u << o)
                rt->in[port].vwait &= ~(1ull << v);
        }
        router_wake(n, rt, r, port);
    }
    rt->wwp[o] = 0;
}

/* Output VC out_vc of port o of router r was released: the heads and
 * replicating VCs parked for room on o (wwp) can only use it once it holds
 * their smallest packet (wneed). Short of that they stay parked: their
 * requests would fail, and the flits leaving it wake them (whole_room),
 * as they would have after failing. */
static inline void whole_release(noc_t *n, noc_router_t *rt, int r, int o, int out_vc)
{
    if (rt->wwp[o] && n->B - n->ivc[n->dnb[r * NOC_NET_PORTS + o] + (uint32_t)out_vc].count >=
                          rt->wneed[o])
        whole_wake(n, rt, r, o);
}

/* A flit left input VC iv of network port `port` of rt: a head upstream
 * parked for room on that port may have it once the credit is back (the VC
 * free, its slots as many as the head's packet needs; the flits of one
 * packet come one by one, so most pops leave too little). */
static __attribute__((noinline)) void whole_room(noc_t *n, noc_router_t *rt, int port,
                                                 const noc_ivc_t *iv)
{
    int u = rt->nbr[port], o = noc_opposite(port);
    noc_router_t *ur = &n->rt[u];
    int v = (int)(iv - rt->ivb) - port * n->V;
    if ((ur->oown[o] >> v & 1) || n->B - iv->count < ur->wneed[o])
        return;
    noc_ivc_t *pb = rt->ivb + port * n->V;
    for (int k = 0; k < n->V; k++)
        pb[k].whole_up = 0;
    whole_wake(n, ur, u, o);
}

/* Take the front flit f out of input VC iv = (r, port, vc) at cycle t: its
 * slot goes back upstream as a credit. */
static inline __attribute__((always_inline)) noc_flit_t
vc_pop(noc_t *n, noc_router_t *rt, noc_ivc_t *iv, int r, int port, int vc, uint64_t t, int cd,
       uint32_t bmask, const int wftc)
{
    const noc_flit_t *rg = ring(n, iv);
    noc_flit_t f = rg[iv->head];
    iv->head = (uint16_t)((iv->head + 1u) & bmask);
    if (--iv->count == 0) {
        rt->in[port].nonempty &= ~(1ull << vc);
        port_recheck(n, rt, r, port);
    } else {
        const noc_flit_t *nf = &rg[iv->head];
        iv->front_ready = noc_unwrap(nf->ready, t, n->ahead);
    }
    if (!--rt->flits)
        rt->busy_cycles += t + 1 - rt->busy_since;
    if (port >= 4) { /* wake the source feeding this port (ni_sleep) if it can go on */
        int e = r * n->C + port - 4;
        const noc_ni_t *ni = &n->ni[e];
        /* an idle one would only find its queue empty (a message wakes it) */
        if (n->B - iv->count >= ni->need && (ni->cur >= 0 || ni->qhead >= 0))
            noc_bit_set(n->eactive, e);
    }
    /* the freed slot travels back upstream as a credit (credits_out) */
    if (cd > 1) { /* with 1, the last read is all there is to know */
        uint64_t age = t - iv->pop_t;
        iv->pop_bits = (age >= 64 ? 0 : iv->pop_bits << age) | 1;
    }
    iv->pop_t = t;
    if (iv->up_parked) /* the VC upstream waited for this credit */
        credit_unpark(n, iv);
    if (iv->whole_up) /* a head upstream waits for room here */
        whole_room(n, rt, port, iv);
    if (wftc && port < NOC_NET_PORTS && (f.pf & NOC_F_TAIL))
        release_later(n, (uint32_t)(iv - n->ivc), t + (uint64_t)cd);
    return f;
}

/* The cycle a flit sent through output port out of router r at cycle t
 * arrives downstream (with output speedup, after the ones queued before). */
static inline uint64_t arrival(noc_t *n, int r, int out, uint64_t t, const int os)
{
    uint64_t at = t + (uint64_t)n->fwd;
    if (os > 1) { /* the output queue sends one flit a cycle */
        uint64_t *last = &n->olast[(size_t)r * n->P + (size_t)out];
        if (at <= *last)
            at = *last + 1;
        *last = at;
    }
    return at;
}

/* Move the front flit of input VC iv = (r, port, vc) through the crossbar.
 * Inlined: the call itself was a tenth of its cost. */
static inline __attribute__((always_inline)) void
traverse(noc_t *n, noc_router_t *rt, noc_ivc_t *iv, int r, int port, int vc, uint64_t t, int cd,
         uint32_t bmask, const int os, const int wftc, const int mc)
{
    noc_flit_t f = vc_pop(n, rt, iv, r, port, vc, t, cd, bmask, wftc);
    /* xbar, link and buffer counts are sums of port_flits (noc_stats) */
    int out = iv->out_port;
    rt->port_flits[out]++;
    /* only heads going on and tails ejected touch their packet */
    int pid = (int)(f.pf & NOC_F_PKT), fhead = (f.pf & NOC_F_HEAD) != 0,
        ftail = (f.pf & NOC_F_TAIL) != 0;
    uint64_t at = arrival(n, r, out, t, os); /* its arrival downstream */
    if (out < 4) {
        int nb = rt->nbr[out], q = noc_opposite(out);
        noc_ivc_t *dn = &n->ivc[iv->out_ivc];
        if (fhead) {
            noc_pkt_t *p = &n->pkt[pid];
            if (n->dateline) { /* only route() reads them, for the dateline */
                int dim = out >> 1;
                if (dim != p->last_dim) {
                    p->dl = 0;
                    p->last_dim = (int8_t)dim;
                }
                if (n->wrap[r * 4 + out])
                    p->dl = 1;
            }
            p->hops++;
            if (p->fin) {
                n->fin_left[p->left]--;
                n->fin_left[--p->left]++;
            }
        }
        if (ftail && !wftc) {
            rt->oown[out] &= ~(1ull << iv->out_vc);
            if (rt->wports)
                va_arm(n, rt, r, out);
            whole_release(n, rt, r, out, iv->out_vc);
        }
        push_flit(n, dn, nb, q, iv->out_vc, at, f.pf, t + 1, bmask, mc);
    } else {
        n->in_network--; /* a link hop leaves it unchanged */
        if (os > 1)
            eject_push_os(n, at, pid, ftail);
        else if (ftail)
            eject_push(n, at, pid, 1);
        else
            ejb_push(n, at);
        if (ftail && n->pkt[pid].fin) { /* noc_bound.c: the channel gives its cycle */
            noc_pkt_t *p = &n->pkt[pid];
            p->ejecting = 1;
            n->fin_left[p->left]--;
        }
    }
    if (ftail) {
        iv->state = VC_IDLE;
        rt->in[port].vact &= ~(1ull << vc);
        if (iv->count) { /* the next packet's head: RC from the next cycle on */
            rt->in[port].nonempty &= ~(1ull << vc);
            va_enter(n, r, iv, iv->front_ready > t + 1 ? iv->front_ready : t + 1);
            port_recheck(n, rt, r, port);
        }
    }
}

/* ---- for noc_mcast.c: the same steps as traverse(), for one copy ---- */

void noc_copy_out(noc_t *n, int r, int out, int out_vc, uint32_t out_ivc, uint32_t pf, uint64_t t)
{
    noc_router_t *rt = &n->rt[r];
    int os = n->cfg.output_speedup;
    uint64_t at = arrival(n, r, out, t, os);
    rt->port_flits[out]++;
    if (out < NOC_NET_PORTS) {
        n->in_network++; /* a new flit downstream */
        push_flit(n, &n->ivc[out_ivc], rt->nbr[out], noc_opposite(out), out_vc, at, pf, t + 1,
                  n->bmask, 1);
    } else if (os > 1) {
        eject_push_os(n, at, (int)(pf & NOC_F_PKT), (pf & NOC_F_TAIL) != 0);
    } else if (pf & NOC_F_TAIL) {
        eject_push(n, at, (int)(pf & NOC_F_PKT), 1);
    } else {
        ejb_push(n, at);
    }
}

void noc_pop_front(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, uint64_t t)
{
    vc_pop(n, &n->rt[r], iv, r, port, vc, t, n->cd, n->bmask, n->cfg.wait_for_tail_credit);
    n->in_network--;
}

void noc_release_out(noc_t *n, int r, int out, int out_vc)
{
    noc_router_t *rt = &n->rt[r];
    rt->oown[out] &= ~(1ull << out_vc);
    if (rt->wports)
        va_arm(n, rt, r, out);
    whole_release(n, rt, r, out, out_vc);
}

void noc_next_head(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, uint64_t tr)
{
    noc_router_t *rt = &n->rt[r];
    rt->in[port].nonempty &= ~(1ull << vc);
    va_enter(n, r, iv, tr);
    port_recheck(n, rt, r, port);
}

/* Active VC (r, port, vc) waits for a credit of d with none in flight:
 * park it until d's router sends a flit on (credit_unpark). */
static __attribute__((noinline)) void credit_park(noc_t *n, noc_router_t *rt, int r, int port,
                                                  int vc, noc_ivc_t *d)
{
    d->up_parked = 1;
    rt->in[port].cwait |= 1ull << vc;
    port_recheck(n, rt, r, port);
}

/* Is the front flit of active VC iv = (r, port, vc) allowed to bid for the
 * switch? */
static inline __attribute__((always_inline)) int sa_ready(noc_t *n, noc_router_t *rt, int r, int port, int vc, noc_ivc_t *iv,
                           uint64_t t, int cd, int B)
{
    if (iv->front_ready > t) /* a granted head: its SA cycle (vc_allocate) */
        return 0;
    int op = iv->out_port;
    if (op >= 4)
        return 1;
    noc_ivc_t *d = &n->ivc[iv->out_ivc];
    if (has_credit(d, t, cd, B))
        return 1;
    if (!credits_out(d, t, cd))
        credit_park(n, rt, r, port, vc, d);
    return 0;
}

/* Its output VC class as a mask. */
static inline uint64_t vc_class(const noc_ivc_t *iv)
{
    return noc_vc_class(iv->vc_lo, iv->vc_hi);
}

/* The first free VC of iv's class on network output p, from ovc_rr on
 * (wrapping within the class); -1 if all are owned. */
static inline int va_first_free(const noc_t *n, const noc_router_t *rt, const noc_ivc_t *iv,
                                int p)
{
    /* va_det: the class is [0, V), and oown has the bits from V on set */
    uint64_t fr = (n->va_det ? ~0ull : vc_class(iv)) & ~rt->oown[p];
    if (!fr)
        return -1;
    int j = rt->ovc_rr[p];
    if (j >= iv->vc_hi - iv->vc_lo)
        j = 0;
    uint64_t from = fr & (~0ull << (iv->vc_lo + j));
    return __builtin_ctzll(from ? from : fr);
}

/* Adaptive VA (several network candidates): on each candidate port the
 * first free VC of the class from ovc_rr on; the one with the most credits
 * wins. Out of line: it keeps the common single-candidate case small. */
static __attribute__((noinline)) int
va_adaptive(noc_t *n, int r, noc_router_t *rt, const noc_ivc_t *iv, uint64_t t, int *best_vc)
{
    int best_p = -1, best_cr = -1;
    for (uint32_t cm = iv->cand; cm; cm &= cm - 1) {
        int p = __builtin_ctz(cm);
        if (p >= 4) {
            *best_vc = 0;
            return p;
        }
        int vc = va_first_free(n, rt, iv, p);
        if (vc >= 0) {
            int cr = credits(n, &n->ivc[n->dnb[r * 4 + p] + (uint32_t)vc], t);
            if (cr > best_cr) {
                best_p = p;
                *best_vc = vc;
                best_cr = cr;
            }
        }
    }
    return best_p;
}

/* Every VC of iv's class is owned on every candidate (a local port never
 * fails): no retry until a candidate port releases one (va_arm). */
static __attribute__((noinline)) void va_park(noc_t *n, noc_router_t *rt, int r, int port,
                                              int ivc, uint32_t cand)
{
    uint64_t b = 1ull << ivc;
    rt->in[port].vwait |= b;
    rt->wports |= 1u << port;
    for (; cand; cand &= cand - 1)
        rt->vwo[port][__builtin_ctz(cand)] |= b;
    port_recheck(n, rt, r, port);
}

/* A parked VC (va_park) was granted. */
static __attribute__((noinline)) void va_unpark(noc_t *n, noc_router_t *rt, int r, int port,
                                                uint64_t b)
{
    for (int o = 0; o < 4; o++)
        rt->vwo[port][o] &= ~b;
    if (!(rt->in[port].vwait &= ~b))
        rt->wports &= ~(1u << port);
    router_wake(n, rt, r, port);
}

/* Does iv's VA request fail for sure (one network candidate, every VC of
 * it owned)? The test callers make before vc_allocate, so a failing
 * request costs no call. */
static inline int va_blocked(const noc_router_t *rt, const noc_ivc_t *iv)
{
    uint32_t c = iv->cand;
    return !(c & (c - 1)) && c <= 0xfu && rt->oown[__builtin_ctz(c)] == ~0ull;
}

/* Input VC iv = (r, port, ivc) gets output VC out_vc of port out (a local
 * port: out_vc 0, never owned). */
static inline void va_grant(noc_t *n, int r, noc_router_t *rt, int port, int ivc, noc_ivc_t *iv,
                            int out, int out_vc, uint64_t t)
{
    if (out < NOC_NET_PORTS) {
        uint32_t di = n->dnb[r * NOC_NET_PORTS + out] + (uint32_t)out_vc;
        rt->oown[out] |= 1ull << out_vc;
        n->up[di] = noc_where(r, port, ivc);
        iv->out_ivc = di;
    }
    iv->out_port = (int8_t)out;
    iv->out_vc = (uint8_t)out_vc;
    iv->state = VC_ACTIVE;
    rt->in[port].vact |= 1ull << ivc;
    /* the head arrived by the VA cycle: from now on its first SA cycle */
    iv->front_ready = t + (uint64_t)n->cfg.vc_alloc_delay;
    n->st.vc_allocs++;
}

/* VA for one requesting input VC iv = (r, port, ivc): a free output VC of
 * its class on the candidate port with the most free slots (adaptive
 * routing picks here). */
static inline int vc_allocate(noc_t *n, int r, noc_router_t *rt, int port, int ivc,
                              noc_ivc_t *iv, uint64_t t)
{
    int best_p, best_vc;
    uint32_t cand = iv->cand;
    if (!(cand & 0xfu)) { /* ejection: the local port, VC 0 */
        best_p = __builtin_ctz(cand);
        best_vc = 0;
    } else {
        if (!(cand & (cand - 1))) { /* one candidate: its credits decide nothing */
            best_p = __builtin_ctz(cand);
            best_vc = va_first_free(n, rt, iv, best_p);
            if (best_vc < 0)
                best_p = -1;
        } else {
            best_p = va_adaptive(n, r, rt, iv, t, &best_vc);
        }
        if (best_p < 0) {
            if (!(rt->in[port].vwait & (1ull << ivc)))
                va_park(n, rt, r, port, ivc, cand);
            return 0;
        }
        if (rt->in[port].vwait & (1ull << ivc))
            va_unpark(n, rt, r, port, 1ull << ivc);
        int nx = best_vc - iv->vc_lo + 1;
        rt->ovc_rr[best_p] = (uint8_t)(nx == iv->vc_hi - iv->vc_lo ? 0 : nx);
    }
    va_grant(n, r, rt, port, ivc, iv, best_p, best_vc, t);
    return 1;
}

int noc_room_coming(const noc_t *n, int r, int o, int lo, int hi, int flits)
{
    const noc_ivc_t *d = &n->ivc[n->dnb[r * NOC_NET_PORTS + o]];
    for (uint64_t fr = noc_vc_class(lo, hi) & ~n->rt[r].oown[o]; fr; fr &= fr - 1)
        if (n->B - d[__builtin_ctzll(fr)].count >= flits)
            return 1;
    return 0;
}

void noc_wait_room(noc_t *n, noc_router_t *rt, int r, int port, int o, int flits)
{
    noc_ivc_t *d = &n->ivc[n->dnb[r * NOC_NET_PORTS + o]];
    for (int v = 0; v < n->V; v++)
        d[v].whole_up = 1;
    if (!rt->wwp[o] || flits < rt->wneed[o])
        rt->wneed[o] = (uint16_t)flits;
    rt->wwp[o] |= 1u << port;
}

void noc_vwait(noc_t *n, int r, int port, int vc)
{
    noc_router_t *rt = &n->rt[r];
    rt->in[port].vwait |= 1ull << vc;
    port_recheck(n, rt, r, port);
}

/* A head passing through found no VC with room for its packet. While a
 * free VC of its class will have the room once the credits on their way
 * are back, it keeps asking; otherwise only a release on its port or a
 * flit leaving one of the VCs downstream can give it one: it parks (vwait)
 * until then (whole_wake). A failed request changes nothing, so the
 * requests it skips meanwhile would all have failed: the same cycles as
 * asking every cycle (test_noc compares with the replicating VC). */
static __attribute__((noinline)) void whole_park(noc_t *n, noc_router_t *rt, int r, int port,
                                                 int ivc, const noc_ivc_t *iv, int flits)
{
    int o = __builtin_ctz(iv->cand);
    if (noc_room_coming(n, r, o, iv->vc_lo, iv->vc_hi, flits))
        return;
    noc_wait_room(n, rt, r, port, o, flits);
    noc_vwait(n, r, port, ivc);
}

/* VA of a multicast packet passing through on one port (iv->whole,
 * noc_mc_enter): a free VC of its class with room for the whole packet,
 * the first from the port's pointer, as a replicating VC's branch takes
 * (noc_mc_va). Not the unicast parking (va_park): a VC free but short of
 * room may have it later without a release; whole_park waits for that. */
static __attribute__((noinline)) int va_whole(noc_t *n, int r, noc_router_t *rt, int port,
                                              int ivc, noc_ivc_t *iv, uint64_t t)
{
    int o = __builtin_ctz(iv->cand);
    if (o >= NOC_NET_PORTS) { /* ejection never contends */
        va_grant(n, r, rt, port, ivc, iv, o, 0, t);
        return 1;
    }
    int flits = n->pkt[ring(n, iv)[iv->head].pf & NOC_F_PKT].flits;
    uint64_t fr = noc_whole_vcs(n, r, o, iv->vc_lo, iv->vc_hi, flits, t);
    if (!fr) {
        whole_park(n, rt, r, port, ivc, iv, flits);
        return 0;
    }
    va_grant(n, r, rt, port, ivc, iv, o, noc_take_vc(rt, o, fr, iv->vc_lo, iv->vc_hi), t);
    return 1;
}

/* vc_allocate, with the sure failures settled inline. */
static inline int va_try(noc_t *n, int r, noc_router_t *rt, int port, int ivc, noc_ivc_t *iv,
                         uint64_t t, const int mc)
{
    if (mc && iv->state == VC_MC)
        return noc_mc_va(n, r, port, ivc, iv, t);
    if (mc && iv->whole)
        return va_whole(n, r, rt, port, ivc, iv, t);
    if (va_blocked(rt, iv)) {
        if (!(rt->in[port].vwait & (1ull << ivc)))
            va_park(n, rt, r, port, ivc, iv->cand);
        return 0;
    }
    return vc_allocate(n, r, rt, port, ivc, iv, t);
}

/* The lowest set bit of m at or after position rr, wrapping around. The
 * crossbar port pointers (out_rr, acc_rr) are stored unwrapped: rr = the
 * number of ports (<= NOC_MAX_XPORTS) picks like rr = 0. */
static inline int rr_pick(uint64_t m, int rr)
{
    uint64_t hi = m & (~0ull << rr);
    return __builtin_ctzll(hi ? hi : m);
}

/* Crossbar ports: with input speedup 2 input port p feeds crossbar inputs
 * 2p (its even VCs) and 2p + 1 (its odd VCs); with output speedup 2 output
 * port o is fed by crossbar outputs 2o (from even input ports) and 2o + 1
 * (from odd ones), as BookSim expands them. */
static inline int xin(int port, int vc, int is) { return is > 1 ? port * is + (vc & 1) : port; }
static inline int xout(int op, int port, int os) { return os > 1 ? op * os + (port & 1) : op; }

/* SA by iSLIP (McKeown 1999), alloc_iters iterations (the separable
 * output-first allocator is one): every crossbar input requests each output
 * some ready VC of it wants; each output grants one unmatched input from its
 * pointer; each input accepts one grant from its pointer; pointers move only
 * on an accept of the first iteration. The accepted VC is the first ready
 * one for that output from the input's VC pointer. */
static void islip(noc_t *n, int r, noc_router_t *rt, noc_ivc_t *base, uint64_t t, const int is,
                  const int os, const int wftc)
{
    const int V = n->V, cd = n->cd, B = n->B;
    const int iters = n->cfg.sw_alloc == ALLOC_ISLIP ? n->cfg.alloc_iters : 1;
    /* per crossbar input: the outputs it requests and its ready VCs; per
     * crossbar output: the inputs requesting it; per ready VC: its outputs */
    uint64_t req[NOC_MAX_XPORTS], grant[NOC_MAX_XPORTS], ready[NOC_MAX_XPORTS];
    uint64_t oreq[NOC_MAX_XPORTS], vouts[NOC_MAX_VA_ROWS];
    uint64_t outs = 0, ins = 0, in_done = 0, out_done = 0;
    for (uint32_t pm = rt->ports; pm; pm &= pm - 1) {
        int port = __builtin_ctz(pm);
        for (uint64_t m = live(&rt->in[port]) & rt->in[port].vact; m; m &= m - 1) {
            int vc = __builtin_ctzll(m), xi = xin(port, vc, is);
            noc_ivc_t *iv = base + port * V + vc;
            if (!sa_ready(n, rt, r, port, vc, iv, t, cd, B))
                continue;
            uint64_t ob = 0;
            if (iv->state == VC_MC)
                for (uint32_t om = noc_mc_outputs(n, iv, t); om; om &= om - 1)
                    ob |= 1ull << xout(__builtin_ctz(om), port, os);
            else
                ob = 1ull << xout(iv->out_port, port, os);
            if (!ob)
                continue;
            if (!(ins & (1ull << xi))) {
                ins |= 1ull << xi;
                req[xi] = ready[xi] = 0;
            }
            req[xi] |= ob;
            ready[xi] |= 1ull << vc;
            vouts[port * V + vc] = ob;
            for (uint64_t om = ob & ~outs; om; om &= om - 1)
                oreq[__builtin_ctzll(om)] = 0;
            outs |= ob;
            for (uint64_t om = ob; om; om &= om - 1)
                oreq[__builtin_ctzll(om)] |= 1ull << xi;
        }
    }
    for (int it = 0; it < iters && (outs & ~out_done); it++) {
        uint64_t granted = 0;
        for (uint64_t om = outs & ~out_done; om; om &= om - 1) {
            int xo = __builtin_ctzll(om);
            uint64_t from = oreq[xo] & ~in_done;
            if (!from)
                continue;
            int xi = rr_pick(from, rt->out_rr[xo]);
            if (!(granted & (1ull << xi)))
                grant[xi] = 0;
            granted |= 1ull << xi;
            grant[xi] |= 1ull << xo;
        }
        for (; granted; granted &= granted - 1) {
            int xi = __builtin_ctzll(granted);
            int xo = rr_pick(grant[xi], rt->acc_rr[xi]), port = xi / is;
            if (it == 0) {
                rt->out_rr[xo] = (uint8_t)(xi + 1);
                rt->acc_rr[xi] = (uint8_t)(xo + 1);
            }
            in_done |= 1ull << xi;
            out_done |= 1ull << xo;
            /* the VC for that output: the first ready one from in_rr */
            uint64_t cand = 0;
            for (uint64_t vm = ready[xi]; vm; vm &= vm - 1)
                if (vouts[port * V + __builtin_ctzll(vm)] & (1ull << xo))
                    cand |= vm & -vm;
            int pick = rr_pick(cand, rt->in_rr[xi] >= V ? 0 : rt->in_rr[xi]);
            n->last_progress = t;
            noc_ivc_t *iv = base + port * V + pick;
            if (iv->state == VC_MC) {
                /* the flit goes to every output granted to this input that
                 * the VC's branches wait for, in one buffer read */
                int moved = 0;
                for (uint64_t gm = grant[xi] & vouts[port * V + pick]; gm; gm &= gm - 1) {
                    int xo2 = __builtin_ctzll(gm);
                    if (xo2 != xo) {
                        out_done |= 1ull << xo2;
                        if (it == 0)
                            rt->out_rr[xo2] = (uint8_t)(xi + 1);
                    }
                    int8_t out = (int8_t)(xo2 / os);
                    moved |= noc_mc_send(n, r, port, pick, iv, &out, 1, t, !(gm & (gm - 1)));
                }
                rt->in_rr[xi] = (uint8_t)(pick + moved);
                continue;
            }
            rt->in_rr[xi] = (uint8_t)(pick + 1);
            traverse(n, rt, iv, r, port, pick, t, cd, n->bmask, os, wftc, 1);
        }
    }
}

/* VA for several requests, in round-robin order over (port, vc) from va_rr;
 * returns the flattened (port, vc) of the last grant, or -1. */
static __attribute__((noinline)) int va_ordered(noc_t *n, int r, noc_router_t *rt, uint32_t va_ports,
                                                const uint64_t *va_req, uint64_t t)
{
    const int mc = n->cfg.multicast;
    const int V = n->V;
    noc_ivc_t *base = rt->ivb;
    int last = -1;
    int sp = rt->va_rr / V, sv = rt->va_rr % V;
    uint64_t low = sv ? (~0ull >> (64 - sv)) : 0;
    /* ports in order sp (VCs from sv), sp+1, ..., sp-1, sp (VCs below sv) */
    uint32_t spb = 1u << sp;
    uint32_t order[2] = {va_ports & ~(spb | (spb - 1u)), va_ports & (spb - 1u)};
    if (va_ports & spb)
        for (uint64_t m = va_req[sp] & ~low; m; m &= m - 1) {
            int vc = __builtin_ctzll(m);
            if (va_try(n, r, rt, sp, vc, base + sp * V + vc, t, mc))
                last = sp * V + vc;
        }
    for (int h = 0; h < 2; h++)
        for (uint32_t pm = order[h]; pm; pm &= pm - 1) {
            int port = __builtin_ctz(pm);
            for (uint64_t m = va_req[port]; m; m &= m - 1) {
                int vc = __builtin_ctzll(m);
                if (va_try(n, r, rt, port, vc, base + port * V + vc, t, mc))
                    last = port * V + vc;
            }
        }
    if (va_ports & spb)
        for (uint64_t m = va_req[sp] & low; m; m &= m - 1) {
            int vc = __builtin_ctzll(m);
            if (va_try(n, r, rt, sp, vc, base + sp * V + vc, t, mc))
                last = sp * V + vc;
        }
    return last;
}

/* The switch bid of one input port: the first VC of active mask a, from
 * position rr on (wrapping), whose front flit may go; -1 if none. The VC
 * pointers (in_rr) are stored unwrapped: rr = V picks like rr = 0 (a has
 * no bit from V on, and 64 rotates like 0). */
static inline __attribute__((always_inline)) int sa_bid(noc_t *n, noc_router_t *rt, int r, int port, noc_ivc_t *pb, uint64_t a,
                         int rr, uint64_t t, int V, int cd, int B)
{
    if (!(a & (a - 1))) { /* one active VC: no rotation */
        int vc = __builtin_ctzll(a);
        return sa_ready(n, rt, r, port, vc, pb + vc, t, cd, B) ? vc : -1;
    }
    if (V == 2) { /* both: VC 1 first only from rr = 1 */
        int vc = rr == 1;
        if (sa_ready(n, rt, r, port, vc, pb + vc, t, cd, B))
            return vc;
        vc ^= 1;
        return sa_ready(n, rt, r, port, vc, pb + vc, t, cd, B) ? vc : -1;
    }
    uint64_t rot = (a >> (rr & 63)) | (a << (-rr & 63));
    for (; rot; rot &= rot - 1) {
        int vc = __builtin_ctzll(rot) + rr;
        if (vc >= 64)
            vc -= 64;
        if (sa_ready(n, rt, r, port, vc, pb + vc, t, cd, B))
            return vc;
    }
    return -1;
}

/* VA by a fair allocator (chip.noc.vc_allocator other than greedy): every
 * VC waiting for an output VC asks for all free VCs of its class on its
 * candidate ports; noc_alloc.c picks with a pointer per output VC (over the
 * router's input VCs) and per input VC (over output VCs). Requests to a
 * local port are granted at once, as an ejection never contends for a VC.
 * Returns the VCs granted per port (they may bid for the switch this cycle
 * when the VA stage takes no cycle). */
static __attribute__((noinline)) void va_fair(noc_t *n, int r, noc_router_t *rt, uint32_t va_ports,
                                              const uint64_t *va_req, uint64_t t)
{
    const int V = n->V, nres = NOC_NET_PORTS * V;
    noc_ivc_t *base = rt->ivb;
    noc_alloc_row_t rows[NOC_MAX_VA_ROWS];
    int nrows = 0;
    uint16_t *aptr = &n->va_aptr[(size_t)r * n->P * V];
    for (uint32_t pm = va_ports; pm; pm &= pm - 1) {
        int port = __builtin_ctz(pm);
        for (uint64_t m = va_req[port]; m; m &= m - 1) {
            int vc = __builtin_ctzll(m);
            noc_ivc_t *iv = base + port * V + vc;
            if (iv->state == VC_MC) { /* a row per branch waiting for VA */
                nrows += noc_mc_va_rows(n, r, port, vc, iv, t, rows + nrows);
                continue;
            }
            if (!(iv->cand & 0xfu)) { /* ejection: no contention */
                vc_allocate(n, r, rt, port, vc, iv, t);
                continue;
            }
            noc_alloc_row_t *q = &rows[nrows];
            memset(q->req, 0, sizeof q->req);
            uint64_t cls = vc_class(iv);
            int any = 0;
            for (uint32_t cm = iv->cand & 0xfu; cm; cm &= cm - 1) {
                int o = __builtin_ctz(cm);
                uint64_t fr = cls & ~rt->oown[o];
                if (!fr)
                    continue;
                any = 1;
                /* output VC (o, v) is resource o * V + v */
                int bit = o * V;
                q->req[bit / 64] |= fr << (bit % 64);
                if (bit % 64 && V < 64 && (bit % 64) + V > 64)
                    q->req[bit / 64 + 1] |= fr >> (64 - bit % 64);
            }
            if (!any)
                continue;
            q->id = port * V + vc;
            q->aptr = &aptr[port * V + vc];
            q->br = -1;
            nrows++;
        }
    }
    if (!nrows)
        return;
    uint16_t *gptr = &n->va_gptr[(size_t)r * nres];
    if (n->cfg.vc_alloc == ALLOC_SEPARABLE_INPUT_FIRST)
        noc_alloc_separable_if(rows, nrows, nres, n->P * V, gptr);
    else
        noc_alloc_islip(rows, nrows, nres, n->P * V, gptr,
                        n->cfg.vc_alloc == ALLOC_ISLIP ? n->cfg.alloc_iters : 1);
    for (int i = 0; i < nrows; i++) {
        if (rows[i].match < 0)
            continue;
        int port = rows[i].id / V, vc = rows[i].id % V;
        if (rows[i].br >= 0)
            noc_mc_grant_row(n, r, port, vc, base + port * V + vc, rows[i].br,
                             rows[i].match % V, t);
        else
            va_grant(n, r, rt, port, vc, base + port * V + vc, rows[i].match / V,
                     rows[i].match % V, t);
    }
}

/* Inlined into the cycle loop (its only caller): the call and the reloads of
 * n's constants were ~4% of the instructions. The constants are n's V, B,
 * bmask and cd, the switch and VC allocators, the VA delay, the input and
 * output speedups and wait_for_tail_credit; the default configuration's
 * values (NOC_DEF_*) make most of the code below fold away. */
static inline __attribute__((always_inline)) void
router_step(noc_t *n, int r, uint64_t t, const int V, const int B, const uint32_t bmask,
            const int cd, const arch_alloc_t sa, const arch_alloc_t va, const int va_delay,
            const int is, const int os, const int wftc, const int mc)
{
    noc_router_t *rt = &n->rt[r];
    noc_ivc_t *base = rt->ivb;
    uint64_t va_req[4 + NOC_MAX_CONCENTRATION];
    int in_vc[NOC_MAX_XPORTS];
    uint64_t out_req[NOC_MAX_XPORTS];
    uint64_t outs = 0;
    uint32_t va_ports = 0;

    /* Per input port: the switch bid of each crossbar input (the first
     * active VC, from in_rr on, whose front flit may go), then the VA
     * requests of the VCs still without an output VC (the two do not
     * interact within a cycle). */
    uint64_t bids = 0;
    for (uint32_t pm = rt->ports; pm; pm &= pm - 1) {
        int port = __builtin_ctz(pm);
        const noc_rport_t *ip = &rt->in[port];
        /* the live VCs split by vact (cwait ones are active, vwait ones
         * in VA) */
        uint64_t l = live(ip), a = l & ip->vact, rest = l ^ a;
        if (a && sa != ALLOC_SEPARABLE_INPUT_FIRST) {
            bids |= 1; /* iSLIP scans the VCs itself; any bid means a step */
        } else if (a && is == 1) {
            noc_ivc_t *pb = base + port * V;
            int chosen = sa_bid(n, rt, r, port, pb, a, rt->in_rr[port], t, V, cd, B);
            in_vc[port] = chosen;
            if (chosen >= 0)
                bids |= 1ull << port;
        } else if (a) { /* even and odd VCs: two crossbar inputs */
            noc_ivc_t *pb = base + port * V;
            for (int k = 0; k < is; k++) {
                uint64_t ak = a & (k ? 0xaaaaaaaaaaaaaaaaull : 0x5555555555555555ull);
                int xi = port * is + k, chosen = -1;
                if (ak)
                    chosen = sa_bid(n, rt, r, port, pb, ak, rt->in_rr[xi], t, V, cd, B);
                in_vc[xi] = chosen;
                if (chosen >= 0)
                    bids |= 1ull << xi;
            }
        }
        if (rest) { /* VCs in VA from their request cycle on (va_enter) */
            va_req[port] = rest;
            va_ports |= 1u << port;
        }
    }

    if (mc && rt->mcn) /* replicating VCs with a branch still waiting for VA */
        noc_mc_requests(n, r, va_req, &va_ports);

    /* VA. greedy: in round-robin order over (port, vc) from va_rr (one
     * pointer for the router). A VC granted with a zero-cycle VA stage may
     * still bid for the switch this cycle. */
    int armed = rt->varm != 0;
    if (armed)
        va_rearm(n, rt, va_req, &va_ports);
    if (va_ports && va != ALLOC_GREEDY) {
        va_fair(n, r, rt, va_ports, va_req, t);
    } else if (va_ports) {
        int last = -1, p1 = __builtin_ctz(va_ports);
        if (!(va_ports & (va_ports - 1)) && !(va_req[p1] & (va_req[p1] - 1))) {
            /* one request: the priority order does not matter */
            int vc = __builtin_ctzll(va_req[p1]);
            if (va_try(n, r, rt, p1, vc, base + p1 * V + vc, t, mc))
                last = p1 * V + vc;
        } else {
            last = va_ordered(n, r, rt, va_ports, va_req, t);
        }
        if (last >= 0)
            rt->va_rr = (uint16_t)(last + 1); /* P * V: the same order as 0 */
    }
    if (va_ports && va_delay == 0 && sa == ALLOC_SEPARABLE_INPUT_FIRST)
        for (uint32_t pm = va_ports; pm; pm &= pm - 1) {
            int port = __builtin_ctz(pm);
            for (uint64_t mm = rt->in[port].nonempty; mm; mm &= mm - 1) {
                int vc = __builtin_ctzll(mm), xi = xin(port, vc, is);
                if (bids & (1ull << xi))
                    continue;
                noc_ivc_t *iv = base + port * V + vc;
                if ((iv->state == VC_ACTIVE || iv->state == VC_MC) &&
                    (rt->in[port].vact & (1ull << vc)) && sa_ready(n, rt, r, port, vc, iv, t, cd, B)) {
                    in_vc[xi] = vc;
                    bids |= 1ull << xi;
                    if (is == 1)
                        break;
                }
            }
        }
    else if (va_ports && va_delay == 0)
        bids |= 1;

    if (armed && !rt->ports) /* only the armed VCs kept it active */
        noc_bit_clear(n->ractive, r);

    if (sa != ALLOC_SEPARABLE_INPUT_FIRST) {
        if (bids)
            islip(n, r, rt, base, t, is, os, wftc);
        return;
    }
    /* SA, separable input-first: each crossbar output grants one bidding
     * crossbar input (round robin from out_rr). */
    if (!bids)
        return;
    n->last_progress = t; /* every bid wins some output */
    if (!(bids & (bids - 1))) { /* one bid, not a replicating VC's: it wins its output */
        int xi = __builtin_ctzll(bids), port = is > 1 ? xi / is : xi, vc = in_vc[xi];
        noc_ivc_t *iv = base + port * V + vc;
        if (!(mc && iv->state == VC_MC)) {
            rt->out_rr[xout(iv->out_port, port, os)] = (uint8_t)(xi + 1);
            rt->in_rr[xi] = (uint8_t)(vc + 1);
            traverse(n, rt, iv, r, port, vc, t, cd, bmask, os, wftc, mc);
            return;
        }
        if (is == 1 && os == 1) { /* a replicating VC alone wins every output it bids
                                     for: one run of them in port order, as below */
            int8_t run[NOC_MAX_XPORTS];
            int k = 0;
            for (uint32_t om = noc_mc_outputs(n, iv, t) | 1u << iv->out_port; om; om &= om - 1) {
                run[k] = (int8_t)__builtin_ctz(om);
                rt->out_rr[run[k++]] = (uint8_t)(xi + 1);
            }
            rt->in_rr[xi] = (uint8_t)(vc + noc_mc_send(n, r, port, vc, iv, run, k, t, 1));
            return;
        }
    }
    uint64_t bids_all = bids;
    for (; bids; bids &= bids - 1) {
        int xi = __builtin_ctzll(bids), port = is > 1 ? xi / is : xi;
        int xo = xout(base[port * V + in_vc[xi]].out_port, port, os);
        if (!(outs & (1ull << xo)))
            out_req[xo] = 0;
        outs |= 1ull << xo;
        out_req[xo] |= 1ull << xi;
    }
    if (mc && rt->mcn) /* a replicating VC bids for every branch ready to send */
        for (uint64_t bm = bids_all; bm; bm &= bm - 1) {
            int xi = __builtin_ctzll(bm), port = is > 1 ? xi / is : xi;
            noc_ivc_t *iv = base + port * V + in_vc[xi];
            if (iv->state != VC_MC)
                continue;
            for (uint32_t om = noc_mc_outputs(n, iv, t); om; om &= om - 1) {
                int xo = xout(__builtin_ctz(om), port, os);
                if (!(outs & (1ull << xo)))
                    out_req[xo] = 0;
                outs |= 1ull << xo;
                out_req[xo] |= 1ull << xi;
            }
        }
    /* with replicating VCs, each output's pick first (no grant changes
     * another output's): the outputs each crossbar input won, so that a
     * replicating VC knows its last copy of the cycle */
    const int mcr = mc && rt->mcn;
    int8_t pick[NOC_MAX_XPORTS];
    uint8_t wins[NOC_MAX_XPORTS];
    if (mcr) {
        memset(wins, 0, sizeof wins);
        for (uint64_t om = outs; om; om &= om - 1) {
            int xo = __builtin_ctzll(om);
            pick[xo] = (int8_t)rr_pick(out_req[xo], rt->out_rr[xo]);
            wins[pick[xo]]++;
        }
    }
    while (outs) {
        int xo = __builtin_ctzll(outs);
        outs &= outs - 1;
        int xi = mcr ? pick[xo] : rr_pick(out_req[xo], rt->out_rr[xo]), port = is > 1 ? xi / is : xi;
        noc_ivc_t *iv = base + port * V + in_vc[xi];
        rt->out_rr[xo] = (uint8_t)(xi + 1);
        if (mc && iv->state == VC_MC) { /* its input keeps it until the flit is copied */
            /* with the next outputs it won too, in one call (the same order) */
            int8_t run[NOC_MAX_XPORTS];
            int k = 0;
            run[k++] = (int8_t)(os > 1 ? xo / os : xo);
            while (outs && pick[__builtin_ctzll(outs)] == xi) {
                int xo2 = __builtin_ctzll(outs);
                outs &= outs - 1;
                rt->out_rr[xo2] = (uint8_t)(xi + 1);
                run[k++] = (int8_t)(os > 1 ? xo2 / os : xo2);
            }
            wins[xi] = (uint8_t)(wins[xi] - k);
            int moved = noc_mc_send(n, r, port, in_vc[xi], iv, run, k, t, wins[xi] == 0);
            rt->in_rr[xi] = (uint8_t)(in_vc[xi] + moved);
            continue;
        }
        rt->in_rr[xi] = (uint8_t)(in_vc[xi] + 1);
        traverse(n, rt, iv, r, port, in_vc[xi], t, cd, bmask, os, wftc, mc);
    }
}

/* router_step for any configuration, out of line: the cycle loop inlines
 * the default one (default_step). The default router with other buffers,
 * credit or VA delays has its own copy, as it had before the fair
 * allocators and speedups came. */
static __attribute__((noinline)) void router_step_any(noc_t *n, int r, uint64_t t)
{
    const noc_config_t *c = &n->cfg;
    if (n->plain_step)
        router_step(n, r, t, n->V, n->B, n->bmask, n->cd, ALLOC_SEPARABLE_INPUT_FIRST,
                    ALLOC_GREEDY, c->vc_alloc_delay, 1, 1, 0, c->multicast);
    else
        router_step(n, r, t, n->V, n->B, n->bmask, n->cd, c->sw_alloc, c->vc_alloc,
                    c->vc_alloc_delay, c->input_speedup, c->output_speedup,
                    c->wait_for_tail_credit, c->multicast);
}

/* Step the routers active at the start of cycle t (rsnap) with the router
 * step of `kind`, a constant: each kind has its own loop, with no test of
 * the kind per router. A router emptied here leaves ractive; one sent a
 * flit later in this cycle is set again by push_flit. */
static inline __attribute__((always_inline)) void step_routers(noc_t *n, uint64_t t,
                                                               const int kind)
{
    for (int w = 0; w < n->rwords; w++)
        for (uint64_t m = n->rsnap[w]; m; m &= m - 1) {
            int r = w * 64 + __builtin_ctzll(m);
            /* the default router inlined, without and with multicast */
            if (kind == NOC_STEP_DEFAULT)
                router_step(n, r, t, NOC_DEF_VCS, NOC_DEF_BUF, NOC_DEF_BUF - 1, NOC_DEF_CREDIT,
                            ALLOC_SEPARABLE_INPUT_FIRST, ALLOC_GREEDY, NOC_DEF_VA_DELAY, 1, 1, 0,
                            0);
            else if (kind == NOC_STEP_DEFAULT_MC)
                router_step(n, r, t, NOC_DEF_VCS, NOC_DEF_BUF, NOC_DEF_BUF - 1, NOC_DEF_CREDIT,
                            ALLOC_SEPARABLE_INPUT_FIRST, ALLOC_GREEDY, NOC_DEF_VA_DELAY, 1, 1, 0,
                            1);
            else
                router_step_any(n, r, t);
        }
}

/* A source that found no credit (none owned by another packet: only the
 * source owns its local VCs) with none in flight back waits for its router
 * to take a flit out of its local port: vc_pop() wakes it, for the next
 * cycle at the earliest, when that credit can be used, once the VC has the
 * `need` free slots it waits for (a multicast packet's head waits for room
 * for all of the packet: the pops before would wake it only to fail, and a
 * failed poll changes nothing). */
static void ni_sleep(noc_t *n, int e, const noc_ivc_t *ivs, uint64_t t, int need)
{
    for (int v = 0; v < n->V; v++)
        if (credits_out(&ivs[v], t, n->cd))
            return;
    n->ni[e].need = need;
    noc_bit_clear(n->eactive, e);
}

/* Send the next flit of the source's packet (it has a credit for it). The
 * flit's arrival comes last, as the only call (RC, a replicating VC's
 * arrival): a body flit's path saves no registers. */
static inline void ni_send(noc_t *n, int e, noc_ni_t *ni, uint64_t t)
{
    noc_ivc_t *ivs = &n->ivc[ni->ivb];
    int r = ni->r, port = ni->port;
    int vc = ni->vc;
    uint32_t pf = (uint32_t)ni->cur | (ni->sent == 0 ? NOC_F_HEAD : 0) |
                  (ni->sent == ni->flits - 1 ? NOC_F_TAIL : 0);
    n->in_network++;
    n->st.flits_injected++;
    ni->injected++;
    ni->queued_flits--;
    n->queued_flits--;
    n->last_progress = t;
    if (++ni->sent == ni->flits) {
        ivs[vc].owned = 0;
        ni->cur = -1;
        /* the next poll reads the queue head: with 10^5 messages queued it
         * is rarely in cache; with none, there is no next poll (it would
         * only find the queue empty) */
        if (ni->qhead >= 0)
            __builtin_prefetch(&n->msg[ni->qhead]);
        else
            noc_bit_clear(n->eactive, e);
    }
    push_flit(n, &ivs[vc], r, port, vc, t + (uint64_t)n->cfg.link_latency, pf, t, n->bmask,
              n->cfg.multicast);
}

/* The source's next packet takes a free VC with the credits it needs and
 * sends its head, or the source waits (asleep or idle, or its message not
 * yet due). Out of line: a body flit's path stays small. */
static __attribute__((noinline)) void ni_start(noc_t *n, int e, noc_ni_t *ni, noc_ivc_t *ivs,
                                               uint64_t t)
{
    if (ni->qhead < 0) {
        noc_bit_clear(n->eactive, e);
        return;
    }
    noc_msg_t *m = &n->msg[ni->qhead];
    if (m->t_create > t)
        return;
    int vc = -1, V = n->V;
    int v0 = (int)ni->vc_rr >= V ? (int)ni->vc_rr - V : (int)ni->vc_rr; /* vc_rr <= V */
    /* free slots the packet needs to start: one; a multicast packet all
     * of its own (virtual cut-through); with wait_for_tail_credit the
     * whole buffer (the last packet's tail credit is back) */
    int need = n->cfg.wait_for_tail_credit ? n->B
               : m->mc >= 0                 ? (m->flits < m->pf ? m->flits : m->pf)
                                            : 1;
    for (int i = 0; i < V; i++) {
        int v = v0 + i >= V ? v0 + i - V : v0 + i;
        if (!ivs[v].owned && (need == 1 ? has_credit(&ivs[v], t, n->cd, n->B)
                                        : credits(n, &ivs[v], t) >= need)) {
            vc = v;
            break;
        }
    }
    if (vc < 0) {
        ni_sleep(n, e, ivs, t, need);
        return;
    }
    /* the message's next packet comes into being as its head leaves */
    int id = noc_pkt_alloc(n);
    if (id < 0)
        return; /* 2^30 packets in the network: cannot happen with finite buffers */
    noc_pkt_t *p = &n->pkt[id];
    *p = (noc_pkt_t){.src = e, .dst = m->dst, .flits = m->flits < m->pf ? m->flits : m->pf,
                     .next = -1, .done = m->done, .tag = m->tag, .t_create = m->t_create,
                     .t_inject = t, .last_dim = -1, .mc = m->mc, .ds = -1};
    if (m->mc >= 0) { /* the packet carries every destination */
        noc_mcm_t *mm = &n->mcm[m->mc];
        /* interned once per message: its last packet takes the
         * message's reference, the others one of their own */
        int ds = mm->ds >= 0 ? mm->ds : noc_dset_get(n, mm->dst, mm->ndst);
        m = &n->msg[ni->qhead];
        mm = &n->mcm[m->mc];
        p = &n->pkt[id];
        if (m->flits > p->flits) {
            mm->ds = ds;
            p->ds = noc_dset_ref(n, ds);
        } else {
            mm->ds = -1;
            p->ds = ds;
        }
        if (mm->first_inject == UINT64_MAX)
            mm->first_inject = t;
    }
    if (m->done >= 0 && n->done[m->done].first_inject == UINT64_MAX)
        n->done[m->done].first_inject = t;
    m->flits -= p->flits;
    /* it hands its message over; any packet of a multicast message may be
     * the last one a destination gets (no orphans: noc_bound.c) */
    if (m->done < 0 || !m->flits)
        noc_bound_packet(n, id);
    if (!m->flits) { /* its last packet: the message leaves the queue */
        int mid = ni->qhead;
        ni->qhead = m->next;
        if (ni->qhead < 0) {
            ni->qtail = -1;
            noc_bit_clear(n->equeued, e);
        }
        m->next = n->free_msg;
        n->free_msg = mid;
    }
    ni->cur = id;
    ni->sent = 0;
    ni->flits = p->flits;
    ni->vc = vc;
    ni->vc_rr = (uint32_t)(vc + 1);
    ivs[vc].owned = 1;
    n->st.packets_injected++;
    ni_send(n, e, ni, t);
}

static void ni_step(noc_t *n, int e, uint64_t t)
{
    noc_ni_t *ni = &n->ni[e];
    noc_ivc_t *ivs = &n->ivc[ni->ivb];
    if (ni->cur < 0)
        ni_start(n, e, ni, ivs, t);
    else if (!has_credit(&ivs[ni->vc], t, n->cd, n->B))
        ni_sleep(n, e, ivs, t, 1);
    else
        ni_send(n, e, ni, t);
}

/* Hand over the ejections of cycles <= t; 1 if the callback held one. */
static int deliver(noc_t *n, uint64_t t, noc_eject_fn cb, void *ctx)
{
    while (n->ej_count && n->ej[n->ej_head].time <= t) {
        noc_ej_t ev = n->ej[n->ej_head];
        if (!ev.tail) { /* a head or body flit: only counted */
            n->ej_head = (n->ej_head + 1) & (n->ej_cap - 1);
            n->ej_count--;
            n->st.flits_ejected++;
            continue;
        }
        if (n->pkt[ev.pkt].mc >= 0) { /* a multicast copy: per destination */
            if (noc_mc_deliver(n, cb, ctx))
                return 1;
            continue;
        }
        int done = n->pkt[ev.pkt].done;
        /* a message is handed over when its last packet arrives */
        if (cb && (done < 0 || n->done[done].left == 1)) {
            const noc_pkt_t *p = &n->pkt[ev.pkt];
            n->ej_inject = done < 0 ? p->t_inject : n->done[done].first_inject;
            n->ej_hops = p->hops;
            n->ej_flits = p->flits;
            if (cb(ctx, p->tag, p->dst, ev.time))
                return 1; /* held: still at the head of the queue */
        }
        n->ej_head = (n->ej_head + 1) & (n->ej_cap - 1); /* cap: a power of two */
        n->ej_count--;
        n->st.flits_ejected++;
        /* re-read: the callback may have injected (and grown n->pkt) */
        noc_pkt_t *p = &n->pkt[ev.pkt];
        n->st.packets_ejected++;
        n->st.sum_packet_latency_cycles += (double)(ev.time - p->t_create);
        n->st.sum_network_latency_cycles += (double)(ev.time - p->t_inject);
        n->st.sum_hops += p->hops;
        if (p->fin && done >= 0 && n->done[done].left > 1) {
            /* a packet it overtook hands the message over */
            n->done[done].orphan = 1;
            n->orphans++;
        }
        p->fin = 0;
        p->next = n->free_pkt;
        n->free_pkt = ev.pkt;
        if (done >= 0 && !--n->done[done].left) {
            n->orphans -= n->done[done].orphan;
            n->done[done].next = n->free_done;
            n->free_done = done;
        }
    }
    return 0;
}

int noc_deliver(noc_t *n, uint64_t upto, noc_eject_fn cb, void *ctx)
{
    uint64_t t = upto < n->now ? upto : n->now;
    ejb_arrived(n, t);
    if (n->tail_due.n | n->body_due.n)
        ej_due(n, t);
    return deliver(n, t, cb, ctx);
}

int noc_advance(noc_t *n, uint64_t until, noc_eject_fn cb, void *ctx)
{
    while (n->now < until) {
        uint64_t t = n->now;
        /* head and body flits are only counted: the call is for tails */
        ejb_arrived(n, t);
        if (n->tail_due.n | n->body_due.n)
            ej_due(n, t);
        while (n->ej_count && n->ej[n->ej_head].time <= t) {
            if (n->ej[n->ej_head].tail) {
                if (deliver(n, t, cb, ctx))
                    return 1;
                break;
            }
            n->ej_head = (n->ej_head + 1) & (n->ej_cap - 1);
            n->ej_count--;
            n->st.flits_ejected++;
        }
        if (n->rel_pending)
            release_due(n, t, !n->in_network);
        if (!n->in_network) {
            uint64_t nx = noc_next_event(n);
            if (nx > t) {
                n->now = nx < until ? nx : until;
                continue;
            }
        }
        for (int w = 0; w < n->ewords; w++) {
            uint64_t m = n->eactive[w];
            while (m) {
                int e = w * 64 + __builtin_ctzll(m);
                m &= m - 1;
                ni_step(n, e, t);
            }
        }
        /* the heads whose VA starts now (va_enter; after the sources: an
         * injection with no link and routing delay requests at once) */
        uint32_t *tw = &n->tw_head[t & n->twmask];
        for (uint32_t i = *tw; i != UINT32_MAX; i = n->tw[i].next) {
            uint32_t w = n->tw[i].where;
            int r = noc_where_router(w), port = noc_where_port(w);
            noc_router_t *rt = &n->rt[r];
            rt->in[port].nonempty |= 1ull << noc_where_vc(w);
            router_wake(n, rt, r, port);
        }
        *tw = UINT32_MAX;
        /* the routers active at the start of the cycle (a copy loop: a
         * memcpy call cost more than the usual single word) */
        for (int w = 0; w < n->rwords; w++)
            n->rsnap[w] = n->ractive[w];
        /* the default configuration has its own copy of the step, inlined
         * with constants: port * V is a shift, and they need no register */
        if (n->probe) { /* test_noc's fairness checks */
            for (int w = 0; w < n->rwords; w++)
                for (uint64_t m = n->rsnap[w]; m; m &= m - 1) {
                    int r = w * 64 + __builtin_ctzll(m);
                    noc_probe_before(n, r, t);
                    router_step_any(n, r, t);
                    noc_probe_after(n, r, t);
                }
        } else if (n->step_kind == NOC_STEP_DEFAULT)
            step_routers(n, t, NOC_STEP_DEFAULT);
        else if (n->step_kind == NOC_STEP_DEFAULT_MC)
            step_routers(n, t, NOC_STEP_DEFAULT_MC);
        else
            step_routers(n, t, NOC_STEP_ANY);
        n->now = t + 1;
        if (n->cfg.watchdog_cycles && n->in_network) {
            if (t - n->last_progress >= n->cfg.watchdog_cycles) {
                noc_watchdog_stop(n, t);
                return -1;
            }
            if (t >= n->mon_next)
                noc_monitor_scan(n, t);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- stats */

/* JSON key (the field name, with its unit unless the name says it), unit,
 * meaning (base/desc.h) */
#define SU(k, f, u, d) {k, u, d, offsetof(noc_stats_t, f), DESC_U64}
#define SF(k, f, u, d) {k, u, d, offsetof(noc_stats_t, f), DESC_F64}
const desc_t noc_stat_table[] = {
    SU("cycles", cycles, "cycles", "cycles since the statistics reset"),
    SU("packets_injected", packets_injected, "packets", "packets whose head entered the network"),
    SU("packets_ejected", packets_ejected, "packets", "packets whose tail reached the destination"),
    SU("flits_injected", flits_injected, "flits", "flits sent by the sources"),
    SU("flits_ejected", flits_ejected, "flits", "flits delivered to the destinations"),
    SU("buffer_writes_flits", buffer_writes, "flits", "input buffer writes"),
    SU("buffer_reads_flits", buffer_reads, "flits", "input buffer reads"),
    SU("vc_allocs_grants", vc_allocs, "grants", "VC allocations granted"),
    SU("sw_allocs_grants", sw_allocs, "grants", "switch allocations granted"),
    SU("xbar_flits", xbar_flits, "flits", "crossbar traversals"),
    SU("link_flits", link_flits, "flits", "router-to-router link traversals"),
    SU("queued_flits", queued_flits, "flits", "flits waiting in source queues now"),
    SU("flits_in_network", flits_in_network, "flits", "flits in router buffers now"),
    SF("sum_packet_latency_cycles", sum_packet_latency_cycles, "cycles",
       "sum over ejected packets, creation to tail"),
    SF("sum_network_latency_cycles", sum_network_latency_cycles, "cycles",
       "sum over ejected packets, head injection to tail"),
    SF("sum_hops", sum_hops, "hops", "sum of router-to-router hops over ejected packets"),
    SF("dynamic_energy_pj", dynamic_energy_pj, "pJ", "buffers, allocators, crossbars and links"),
    SF("leakage_energy_pj", leakage_energy_pj, "pJ", "router leakage over the cycles"),
    SF("router_area_mm2", router_area_mm2, "mm2", "all routers"),
    SF("link_area_mm2", link_area_mm2, "mm2", "all router-to-router links"),
};
const int noc_stat_count = DESC_COUNT(noc_stat_table);

void noc_stats(const noc_t *n, noc_stats_t *s)
{
    const noc_config_t *c = &n->cfg;
    *s = n->st;
    /* per-flit counters the cycle loop does not keep: every crossbar
     * traversal is one buffer read, one switch grant and one port_flits
     * count; a network port's are link traversals, each a buffer write
     * downstream like every injected flit */
    uint64_t xbar = 0, link = 0;
    for (int r = 0; r < n->R; r++)
        for (int p = 0; p < n->P; p++) {
            uint64_t f = n->rt[r].port_flits[p];
            xbar += f;
            if (p < 4)
                link += f;
        }
    s->xbar_flits = xbar;
    s->link_flits = link;
    s->buffer_writes = s->flits_injected + link;
    s->buffer_reads = s->sw_allocs = s->xbar_flits;
    s->cycles = n->now - n->stats_start;
    s->queued_flits = n->queued_flits;
    s->flits_in_network = n->in_network;
    s->dynamic_energy_pj = (double)s->buffer_writes * c->buf_write_pj +
                           (double)s->buffer_reads * c->buf_read_pj +
                           (double)(s->vc_allocs + s->sw_allocs) * c->alloc_pj +
                           (double)s->xbar_flits * c->xbar_pj +
                           (double)s->link_flits * c->flit_bits * c->link_pj_per_bit;
    /* mW x ns = pJ */
    s->leakage_energy_pj = (double)n->R * c->router_leakage_mw * (double)s->cycles / c->clock_ghz;
    int links = 0;
    for (int i = 0; i < n->R * 4; i++)
        links += n->nbr[i] >= 0;
    s->router_area_mm2 = n->R * c->router_area_mm2;
    s->link_area_mm2 = links * c->link_area_mm2;
}

void noc_stats_reset(noc_t *n)
{
    memset(&n->st, 0, sizeof n->st);
    for (int r = 0; r < n->R; r++) {
        n->rt[r].busy_cycles = 0;
        if (n->rt[r].busy_since < n->now)
            n->rt[r].busy_since = n->now;
        memset(n->rt[r].port_flits, 0, (size_t)n->P * sizeof *n->rt[r].port_flits);
    }
    for (int e = 0; e < n->E; e++)
        n->ni[e].injected = 0;
    n->stats_start = n->now;
}

uint64_t noc_source_flits(const noc_t *n, int e) { return n->ni[e].injected; }

int64_t noc_port_flits(const noc_t *n, int r, int p)
{
    if (r < 0 || r >= n->R || p < 0 || p >= n->P || (p < 4 && n->nbr[r * 4 + p] < 0))
        return -1;
    return (int64_t)n->rt[r].port_flits[p];
}

void noc_eject_info(const noc_t *n, uint64_t *inject_cycle, int *hops)
{
    *inject_cycle = n->ej_inject;
    *hops = n->ej_hops;
}

int noc_eject_flits(const noc_t *n) { return n->ej_flits; }

uint64_t noc_router_flits(const noc_t *n, int r)
{
    uint64_t f = 0;
    for (int p = 0; p < n->P; p++)
        f += n->rt[r].port_flits[p];
    return f;
}
/* Cycles the router held flits (a router step each): the closed spans plus
 * the open one. */
uint64_t noc_router_busy_cycles(const noc_t *n, int r)
{
    const noc_router_t *rt = &n->rt[r];
    return rt->busy_cycles + (rt->flits ? n->now - rt->busy_since : 0);
}
