/* Multicast (docs/noc.md "Multicast"): one message reaches a set of
 * endpoints as one stream of packets that the routers replicate along a
 * dimension-order tree (the union of the XY, or YX, routes from the source).
 *
 * A packet with several destinations (noc_pkt_t.ds) sits in one input VC
 * per router (state VC_MC) with a branch per output port its destinations
 * leave by. Each branch gets its own output VC, by virtual cut-through: a VC
 * whose free slots hold the whole packet (multicast packets are at most one
 * VC buffer long), so a branch never waits for a credit once allocated and
 * never makes another branch wait (no dependency between siblings: the tree
 * stays deadlock-free wherever the unicast routes are). Branches send
 * independently; a flit goes to every branch ready for it in one buffer read
 * (the crossbar fans it out), and leaves the buffer once every branch sent
 * it. Each branch sends a copy: a packet record of its own, with the
 * branch's destinations. Every copy costs its crossbar, link and buffer
 * energy. */
#include <stdlib.h>
#include <string.h>

#include "noc_internal.h"

static noc_mcvc_t *mcvc(const noc_t *n, const noc_ivc_t *iv)
{
    return &n->mcv[iv->mcv];
}

/* Replicating VC (r, port, vc) asks for VA (a branch waits) or not: its
 * bit in mcva, and its port in the router's summary of them. */
static void asking(noc_t *n, int r, int port, int vc, int on)
{
    uint64_t *va = &n->mcva[(size_t)r * n->P + (size_t)port];
    noc_router_t *rt = &n->rt[r];
    if (on) {
        *va |= 1ull << vc;
        rt->mcvp |= 1u << port;
    } else if (!(*va &= ~(1ull << vc))) {
        rt->mcvp &= ~(1u << port);
    }
}

/* The output port of router r on the tree toward endpoint e: its local port
 * at e's router, else the dimension-order step (YX with yx routing, XY
 * otherwise, which west_first allows too). */
int noc_tree_port(const noc_t *n, int r, int e)
{
    int dr = e / n->C;
    if (dr == r)
        return NOC_NET_PORTS + e % n->C;
    int x, y;
    noc_router_xy(n, r, &x, &y);
    int ex = n->topo->step(n->cfg.kx, x, n->epx[e]), ey = n->topo->step(n->cfg.ky, y, n->epy[e]);
    int px = ex > 0 ? NOC_EAST : NOC_WEST, py = ey > 0 ? NOC_NORTH : NOC_SOUTH;
    if (n->cfg.routing == ROUTE_YX)
        return ey ? py : px;
    return ex ? px : py;
}

int32_t *noc_mc_scratch(noc_t *n, int k)
{
    if (n->mc_tmp_cap < k) {
        free(n->mc_tmp);
        n->mc_tmp = malloc((size_t)k * 2 * sizeof *n->mc_tmp);
        if (!n->mc_tmp)
            abort();
        n->mc_tmp_cap = k;
    }
    return n->mc_tmp;
}

/* The packet record pid was freed elsewhere: its set goes too. */
void noc_mc_pkt_free(noc_t *n, int pid)
{
    if (n->pkt[pid].ds >= 0) {
        noc_dset_put(n, n->pkt[pid].ds);
        n->pkt[pid].ds = -1;
    }
}

/* The output VC class [lo, hi) on port o of router r for packet p: route()'s
 * dateline classes on a torus, else all VCs. */
static void port_class(const noc_t *n, int r, const noc_pkt_t *p, int o, uint8_t *lo,
                       uint8_t *hi)
{
    *lo = 0;
    *hi = (uint8_t)n->V;
    if (o < NOC_NET_PORTS && n->dateline) {
        int dim = o >> 1;
        int cls = n->wrap[r * NOC_NET_PORTS + o] || (p->dl && p->last_dim == dim);
        *lo = (uint8_t)(cls ? n->V / 2 : 0);
        *hi = (uint8_t)(cls ? n->V : n->V / 2);
    }
}

void noc_mc_enter(noc_t *n, int r, noc_ivc_t *iv)
{
    int pid = (int)(n->flits[iv->fbase + iv->head].pf & NOC_F_PKT);
    const noc_pkt_t *p = &n->pkt[pid];
    /* the destinations grouped by output port: a branch per port */
    int si = noc_dset_split(n, p->ds, r); /* may grow the pool: index it after */
    const noc_split_t *sp = &n->split[si];
    if (sp->nbr == 1 && n->mc_pass) {
        /* one branch: the packet itself goes on, as a unicast head that
         * asks for an output VC with room for all of it (noc_step.c
         * va_whole). It is what a replicating VC of one branch does, flit
         * for flit, without a copy; the tree forks before any destination,
         * so such a packet is never ejected. */
        iv->cand = sp->used;
        port_class(n, r, p, sp->br[0].port, &iv->vc_lo, &iv->vc_hi);
        iv->whole = 1;
        return;
    }
    int id = noc_mcv_alloc(n);
    if (id < 0)
        abort(); /* one per VC at most */
    noc_mcvc_t *m = &n->mcv[id];
    m->pid = pid;
    m->popped = 0;
    m->nbr = sp->nbr;
    m->lag = -1;
    m->lagm = m->gom = m->round_m = 0;
    m->copies = 0;
    m->ndone = 0;
    m->parked = 0;
    m->out_lagm = m->out_ports = 0; /* no laggards: no outputs, none first */
    m->out_ready = 0;
    m->out_best = -1;
    for (int i = 0; i < sp->nbr; i++) {
        const noc_split_br_t *g = &sp->br[i];
        noc_branch_t *b = &m->br[i];
        int o = g->port;
        m->br_of[o] = (int8_t)i;
        memset(b, 0, sizeof *b);
        b->port = (int8_t)o;
        b->state = NOC_BR_VA;
        b->child = -1;
        port_class(n, r, p, o, &b->lo, &b->hi);
        b->hops_next = g->hops_next;
        b->hops_here = o < NOC_NET_PORTS ? g->hops_next + 1 : 0;
        b->dst = g->dst;
        b->ds = g->ds >= 0 ? noc_dset_ref(n, g->ds) : -1; /* the copy's, from grant() */
    }
    m->nva = m->nbr;
    iv->mcv = id;
    iv->state = VC_MC;
    iv->cand = 0;
    n->rt[r].mcn++;
}

/* The laggards: the allocated branches with the fewest flits sent, as a
 * mask of branch indices; that count in *lag (-1: none allocated). */
static uint32_t laggards(const noc_mcvc_t *m, int *lag)
{
    if (!m->copies) { /* nothing sent yet: every GO branch, at 0 */
        *lag = m->gom ? 0 : -1;
        return m->gom;
    }
    int l = -1;
    uint32_t mask = 0;
    for (int i = 0; i < m->nbr; i++) {
        const noc_branch_t *b = &m->br[i];
        if (b->state != NOC_BR_GO)
            continue;
        if (l < 0 || b->sent < l) {
            l = b->sent;
            mask = 0;
        }
        if (b->sent == l)
            mask |= 1u << i;
    }
    *lag = l;
    return mask;
}

/* The laggards' memo (noc_mcvc_t.out_*), brought up to the current set:
 * their ports, the last of their first SA cycles and the one ready first
 * (the lowest sa_ready, the first of equals; -1: none). A branch's port and
 * sa_ready are fixed once it is allocated, so the set alone decides them. */
static void lag_memo(noc_mcvc_t *m)
{
    if (m->lagm == m->out_lagm)
        return;
    uint32_t o = 0;
    uint64_t last = 0;
    int best = -1;
    for (uint32_t lm = m->lagm; lm; lm &= lm - 1) {
        int i = __builtin_ctz(lm);
        const noc_branch_t *b = &m->br[i];
        o |= 1u << b->port;
        last = b->sa_ready > last ? b->sa_ready : last;
        if (best < 0 || b->sa_ready < m->br[best].sa_ready)
            best = i;
    }
    m->out_lagm = m->lagm;
    m->out_ports = o;
    m->out_ready = last;
    m->out_best = (int8_t)best;
}

static int first_ready(noc_mcvc_t *m)
{
    lag_memo(m);
    return m->out_best;
}

/* Bring the VC's switch view up to date: it bids (vact) while a branch is
 * allocated, its "front" is the flit the laggard branches send next, and
 * out_port / out_ivc are one of them (the one ready first); it asks for VA
 * while a branch waits (mcva). */
/* The view of laggard l, best branch `best` (-1: none allocated) and
 * `waiting` (a branch waits for VA). Inlined into its two callers: the call
 * (nine arguments) was a fifth of its instructions. */
static inline __attribute__((always_inline)) void
refresh_view(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, uint64_t t, int l,
             int best, int waiting)
{
    noc_router_t *rt = &n->rt[r];
    noc_mcvc_t *m = mcvc(n, iv);
    m->lag = l;
    uint64_t bit = 1ull << vc;
    int ask = waiting && !m->parked;
    if (!(n->mcva[(size_t)r * n->P + (size_t)port] & bit) != !ask)
        asking(n, r, port, vc, ask);
    if (best < 0) {
        rt->in[port].vact &= ~bit;
        return;
    }
    const noc_branch_t *b = &m->br[best];
    rt->in[port].vact |= bit;
    iv->out_port = b->port;
    iv->out_vc = b->out_vc;
    iv->out_ivc = (uint32_t)b->out_ivc;
    int off = l - m->popped;
    if (off < iv->count) {
        uint64_t ready = noc_unwrap(n->flits[iv->fbase + ((iv->head + off) & n->bmask)].ready, t,
                                    n->ahead);
        iv->front_ready = ready > b->sa_ready ? ready : b->sa_ready;
    } else {
        iv->front_ready = UINT64_MAX; /* not here yet: noc_mc_arrive */
    }
}

/* refresh_view() of the branches as they are: the ready one of the
 * laggards first. Inlined: noc_mc_va calls it after every grant round. */
static inline __attribute__((always_inline)) void refresh(noc_t *n, int r, int port, int vc,
                                                          noc_ivc_t *iv, uint64_t t)
{
    noc_mcvc_t *m = mcvc(n, iv);
    int l;
    m->lagm = m->round_m = laggards(m, &l);
    refresh_view(n, r, port, vc, iv, t, l, first_ready(m), m->nva > 0);
}

void noc_mc_arrive(noc_t *n, int r, noc_ivc_t *iv, uint64_t ready)
{
    (void)ready;
    if (iv->front_ready == UINT64_MAX && iv->mcv >= 0) {
        uint32_t i = (uint32_t)(iv - n->ivc);
        refresh(n, r, (int)(i / (uint32_t)n->V % (uint32_t)n->P), (int)(i % (uint32_t)n->V), iv,
                n->now);
    }
}

/* The index of destination d in m's sorted dst: `guess` when right, else
 * by binary search. */
static int mcm_index(const noc_mcm_t *m, int d, int guess)
{
    if (guess >= 0 && guess < m->ndst && m->dst[guess] == d)
        return guess;
    int lo = 0, hi = m->ndst - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (m->dst[mid] < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Branch bi gets output VC out_vc (ignored for a local port) at cycle t,
 * and its copy a packet record. A copy for one destination looks up its
 * index in the message's dst, trying `guess` first; returns the guess for
 * the next branch, one past it: a router's endpoints are numbered in a row,
 * and a set reaching a router holds all of its message's destinations
 * there, so its local branches (in port order) follow one another. Inlined:
 * the call (nine arguments) was a fifth of its instructions. */
static inline __attribute__((always_inline)) int
grant(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, int bi, int out_vc, int guess,
      uint64_t t)
{
    noc_router_t *rt = &n->rt[r];
    int child = noc_pkt_alloc(n);
    if (child < 0)
        abort(); /* 2^30 packets: cannot happen with finite buffers */
    noc_mcvc_t *m = mcvc(n, iv);
    noc_branch_t *b = &m->br[bi];
    noc_pkt_t *c = &n->pkt[child];
    *c = n->pkt[m->pid];
    c->dst = b->dst;
    c->ds = b->ds; /* the copy owns the set now */
    if (c->ds < 0) /* the copy for one destination: ejected there */
        c->di = mcm_index(&n->mcm[c->mc], c->dst, guess);
    c->fin = 0;
    c->ejecting = 0;
    c->next = -1;
    c->done = -1;
    b->child = child;
    b->state = NOC_BR_GO;
    m->gom |= 1u << bi;
    m->nva--; /* refresh() follows: it finds the laggards again */
    b->sa_ready = t + (uint64_t)n->cfg.vc_alloc_delay;
    if (b->port < NOC_NET_PORTS) {
        uint32_t di = n->dnb[r * NOC_NET_PORTS + b->port] + (uint32_t)out_vc;
        rt->oown[b->port] |= 1ull << out_vc;
        n->up[di] = noc_where(r, port, vc);
        b->out_ivc = (int32_t)di;
        b->out_vc = (uint8_t)out_vc;
    }
    n->st.vc_allocs++;
    return c->ds < 0 ? c->di + 1 : -1;
}

/* No waiting branch of the VC got an output VC. While a free VC of one of
 * their ports will have room for the packet once the credits on their way
 * are back, it keeps asking; otherwise it stops asking (parked: out of
 * mcva, and out of the live set while no branch sends) until a release or
 * room on one of those ports (whole_wake, noc_mc_unpark). A failed request
 * changes nothing, so it asks in every cycle it could win (test_noc
 * compares with asking every cycle). */
static void park(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, int flits)
{
    noc_router_t *rt = &n->rt[r];
    noc_mcvc_t *m = mcvc(n, iv);
    int waiting = 0;
    for (int i = 0; i < m->nbr; i++) {
        const noc_branch_t *b = &m->br[i];
        if (b->state != NOC_BR_VA)
            continue;
        if (noc_room_coming(n, r, b->port, b->lo, b->hi, flits))
            return;
        waiting = 1;
    }
    if (!waiting)
        return;
    for (int i = 0; i < m->nbr; i++)
        if (m->br[i].state == NOC_BR_VA)
            noc_wait_room(n, rt, r, port, m->br[i].port, flits);
    m->parked = 1;
    uint64_t bit = 1ull << vc;
    asking(n, r, port, vc, 0);
    if (!(rt->in[port].vact & bit))
        noc_vwait(n, r, port, vc);
}

void noc_mc_unpark(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, int o)
{
    noc_mcvc_t *m = mcvc(n, iv);
    if (!m->parked)
        return;
    int on_o = 0;
    for (int i = 0; i < m->nbr; i++)
        on_o |= m->br[i].state == NOC_BR_VA && m->br[i].port == o;
    if (!on_o)
        return;
    uint64_t bit = 1ull << vc;
    m->parked = 0;
    asking(n, r, port, vc, 1);
    n->rt[r].in[port].vwait &= ~bit;
}

int noc_mc_va(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, uint64_t t)
{
    noc_router_t *rt = &n->rt[r];
    noc_mcvc_t *m = mcvc(n, iv);
    int any = 0, flits = n->pkt[m->pid].flits, guess = -1;
    m->parked = 0; /* asked after all (its last sending branch finished) */
    for (int i = 0; i < m->nbr; i++) {
        const noc_branch_t *b = &m->br[i];
        if (b->state != NOC_BR_VA)
            continue;
        int ov = 0; /* ejection never contends */
        if (b->port < NOC_NET_PORTS) {
            uint64_t fr = noc_whole_vcs(n, r, b->port, b->lo, b->hi, flits, t);
            if (!fr)
                continue;
            /* the first from the port's output VC pointer (as greedy unicast) */
            ov = noc_take_vc(rt, b->port, fr, b->lo, b->hi);
        }
        guess = grant(n, r, port, vc, iv, i, ov, guess, t);
        m = mcvc(n, iv);
        any = 1;
    }
    /* no grant: no branch changed since the last refresh, so the view
     * stands (its front_ready may lie in the past, which reads the same) */
    if (any)
        refresh(n, r, port, vc, iv, t);
    else if (n->mc_pass)
        park(n, r, port, vc, iv, flits);
    return any;
}

int noc_mc_va_rows(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, uint64_t t,
                   noc_alloc_row_t *rows)
{
    noc_mcvc_t *m = mcvc(n, iv);
    int k = 0, flits = n->pkt[m->pid].flits, V = n->V, guess = -1;
    for (int i = 0; i < m->nbr; i++) {
        noc_branch_t *b = &m->br[i];
        if (b->state != NOC_BR_VA)
            continue;
        if (b->port >= NOC_NET_PORTS) {
            guess = grant(n, r, port, vc, iv, i, 0, guess, t);
            m = mcvc(n, iv);
            continue;
        }
        uint64_t fr = noc_whole_vcs(n, r, b->port, b->lo, b->hi, flits, t);
        if (!fr)
            continue;
        noc_alloc_row_t *q = &rows[k++];
        memset(q->req, 0, sizeof q->req);
        int bit = b->port * V; /* output VC (o, v) is resource o * V + v */
        q->req[bit / 64] |= fr << (bit % 64);
        if (bit % 64 && (bit % 64) + V > 64)
            q->req[bit / 64 + 1] |= fr >> (64 - bit % 64);
        q->id = port * V + vc; /* one branch per output: unique at each output VC */
        q->aptr = &b->aptr;
        q->br = i;
    }
    refresh(n, r, port, vc, iv, t);
    return k;
}

void noc_mc_grant_row(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, int br, int out_vc,
                      uint64_t t)
{
    grant(n, r, port, vc, iv, br, out_vc, -1, t);
    refresh(n, r, port, vc, iv, t);
}

void noc_mc_requests(noc_t *n, int r, uint64_t *va_req, uint32_t *va_ports)
{
    const uint64_t *va = &n->mcva[(size_t)r * n->P];
    const noc_router_t *rt = &n->rt[r];
    for (uint32_t pm = rt->mcvp; pm; pm &= pm - 1) {
        int port = __builtin_ctz(pm);
        /* live ones only: a VC waits on the timer wheel until its VA cycle */
        uint64_t m = va[port] & rt->in[port].nonempty;
        if (!m)
            continue;
        va_req[port] = (*va_ports & (1u << port) ? va_req[port] : 0) | m;
        *va_ports |= 1u << port;
    }
}

uint32_t noc_mc_outputs(const noc_t *n, const noc_ivc_t *iv, uint64_t t)
{
    if (iv->front_ready > t) /* the laggards' flit is not here */
        return 0;
    noc_mcvc_t *m = mcvc(n, iv);
    lag_memo(m); /* asked every cycle it may send: worked out once a round */
    if (m->out_ready <= t) /* all of them past their VA */
        return m->out_ports;
    uint32_t o = 0;
    for (uint32_t lm = m->lagm; lm; lm &= lm - 1) {
        const noc_branch_t *b = &m->br[__builtin_ctz(lm)];
        if (b->sa_ready <= t)
            o |= 1u << b->port;
    }
    return o;
}

/* noc_bound.c: the packet being replicated counts for the branches whose
 * head has not left yet (the copies count for the others), at the hops
 * left to the nearest of their destinations; none left: it stops counting. */
static void bound_rest(noc_t *n, const noc_mcvc_t *m)
{
    noc_pkt_t *p = &n->pkt[m->pid];
    int left = INT32_MAX;
    for (int i = 0; i < m->nbr; i++) {
        const noc_branch_t *b = &m->br[i];
        if (!b->sent && b->hops_here < left) /* a local port's is 0 */
            left = b->hops_here;
    }
    n->fin_left[p->left]--;
    if (left == INT32_MAX) {
        p->fin = 0;
        return;
    }
    p->left = (int16_t)left;
    n->fin_left[left]++;
}

/* Every branch sent the packet: the VC moves on to its next packet. */
static void retire(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, uint64_t t)
{
    noc_router_t *rt = &n->rt[r];
    int id = iv->mcv, pid = n->mcv[id].pid;
    noc_pkt_t *p = &n->pkt[pid];
    if (p->fin && !p->ejecting) /* its copies count from here on */
        n->fin_left[p->left]--;
    p->fin = 0;
    noc_mc_pkt_free(n, pid);
    p->next = n->free_pkt;
    n->free_pkt = pid;
    n->mcv[id].next = n->free_mcv;
    n->free_mcv = id;
    iv->mcv = -1;
    rt->mcn--;
    asking(n, r, port, vc, 0);
    iv->state = VC_IDLE;
    rt->in[port].vact &= ~(1ull << vc);
    if (iv->count) /* the next packet's head: RC from the next cycle on */
        noc_next_head(n, r, port, vc, iv, iv->front_ready > t + 1 ? iv->front_ready : t + 1);
}

/* A head or tail copy of branch b (copy c, of a final packet or not) on
 * output `out`: what traverse() keeps for a head going on, and noc_bound.c's
 * counts. Body flits, half of them, touch no packet record. */
static inline void copy_ends(noc_t *n, int r, int out, const noc_branch_t *b, noc_pkt_t *c,
                             int fin, int head, int tail)
{
    if (head) {
        if (out < NOC_NET_PORTS) {
            int dim = out >> 1;
            if (n->dateline) {
                if (dim != c->last_dim) {
                    c->dl = 0;
                    c->last_dim = (int8_t)dim;
                }
                if (n->wrap[r * NOC_NET_PORTS + out])
                    c->dl = 1;
            }
            c->hops++;
            if (fin) { /* noc_bound.c: from the next router on */
                int left = b->hops_next;
                c->fin = 1;
                c->left = (int16_t)left;
                n->fin_left[left]++;
            }
        } else if (fin) { /* at its destination's router */
            c->fin = 1;
            c->left = 0;
            n->fin_left[0]++;
        }
    }
    if (tail && c->fin && out >= NOC_NET_PORTS) { /* noc_bound.c: the channel's cycle */
        c->ejecting = 1;
        n->fin_left[0]--;
    }
}

int noc_mc_send(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, const int8_t *outs, int k,
                uint64_t t, int last)
{
    noc_mcvc_t *m = mcvc(n, iv);
    int l0 = m->lag, lag = l0;
    n->last_progress = t;
    /* every branch of the run is a laggard: they all send flit lag */
    const uint32_t pf =
        n->flits[iv->fbase + ((iv->head + (uint32_t)(lag - m->popped)) & n->bmask)].pf;
    const int head = (pf & NOC_F_HEAD) != 0, tail = (pf & NOC_F_TAIL) != 0;
    for (int j = 0; j < k; j++) {
        int out = outs[j], bi = m->br_of[out];
        noc_branch_t *b = &m->br[bi];
        if (head | tail)
            copy_ends(n, r, out, b, &n->pkt[b->child], n->pkt[m->pid].fin, head, tail);
        noc_copy_out(n, r, out, b->out_vc, (uint32_t)b->out_ivc,
                     (uint32_t)b->child | (pf & (NOC_F_HEAD | NOC_F_TAIL)), t);
        m = mcvc(n, iv); /* the copy may have grown the pool (noc_mc_enter downstream) */
        b = &m->br[bi];
        b->sent++;
        m->copies++;
        if (tail) {
            b->state = NOC_BR_DONE;
            m->gom &= ~(1u << bi);
            m->ndone++;
            if (out < NOC_NET_PORTS && !n->cfg.wait_for_tail_credit)
                noc_release_out(n, r, out, b->out_vc);
        }
        m->lagm &= ~(1u << bi); /* b was a laggard (only they bid) */
    }
    /* noc_bound.c: once for the run's heads (per copy, the counts it moved
     * in between would cancel; the packet stays final while a branch has
     * not sent its head, so no copy of the run read it changed) */
    if (head && n->pkt[m->pid].fin)
        bound_rest(n, m);
    /* Every output of the run was a laggard's, so only its last copy can
     * have left none: then the next round's laggards, and the flits every
     * branch sent leave the buffer (none while a branch waits for VA, which
     * sent none; up to the laggards' count, all of it once every branch is
     * done). Until then no copy changed lag, and so the flits to pop. */
    if (!m->lagm) {
        if (!(m->gom & ~m->round_m)) {
            /* every GO branch was one of the round's laggards: they all
             * sent one flit more (or their tail: no longer GO) */
            lag = m->gom ? lag + 1 : -1;
            m->lagm = m->gom;
        } else {
            m->lagm = laggards(m, &lag);
        }
        m->round_m = m->lagm;
        int low = m->nva ? 0 : lag >= 0 ? lag : n->pkt[m->pid].flits;
        for (int f = m->popped; f < low; f++)
            noc_pop_front(n, r, port, vc, iv, t);
        if (low > m->popped)
            m->popped = low;
        if (m->ndone == m->nbr) { /* every branch sent its tail */
            retire(n, r, port, vc, iv, t);
            return 1;
        }
    }
    /* the VC sends on another output this cycle: its view (read by the next
     * cycle's switch bids and VA only) follows the last copy */
    if (last)
        refresh_view(n, r, port, vc, iv, t, lag, first_ready(m), m->nva > 0);
    else
        m->lag = lag;
    return lag != l0; /* the last copy started a round (as k calls would tell) */
}

/* The copy whose tail is at the head of the ejection channel: a destination
 * has the message when its last packet's copy arrives. 1 when on_eject
 * held it. */
int noc_mc_deliver(noc_t *n, noc_eject_fn cb, void *ctx)
{
    noc_ej_t ev = n->ej[n->ej_head];
    noc_pkt_t *p = &n->pkt[ev.pkt];
    noc_mcm_t *m = &n->mcm[p->mc];
    int lo = p->di; /* the destination's index */
    if (cb && m->left[lo] == 1) {
        n->ej_inject = m->first_inject;
        n->ej_hops = p->hops;
        n->ej_flits = p->flits;
        if (cb(ctx, p->tag, p->dst, ev.time))
            return 1; /* held: still at the head of the queue */
    }
    n->ej_head = (n->ej_head + 1) & (n->ej_cap - 1);
    n->ej_count--;
    n->st.flits_ejected++;
    /* re-read: the callback may have injected (and grown the pools) */
    p = &n->pkt[ev.pkt];
    m = &n->mcm[p->mc];
    n->st.packets_ejected++;
    n->st.sum_packet_latency_cycles += (double)(ev.time - p->t_create);
    n->st.sum_network_latency_cycles += (double)(ev.time - p->t_inject);
    n->st.sum_hops += p->hops;
    int mc = p->mc;
    p->fin = 0;
    p->next = n->free_pkt;
    n->free_pkt = ev.pkt;
    if (!--m->left[lo] && !--m->live) { /* every destination has it (its arrays stay) */
        m->next = n->free_mcm;
        n->free_mcm = mc;
    }
    return 0;
}
