/* The router network: see noc.h. Layout notes, since speed matters here:
 * - every input VC (router, port, vc) is one noc_ivc_t; the credits an
 *   upstream router sees follow from it (flits held, recent reads), so a link
 *   needs no separate object; which downstream VCs are allocated to a packet
 *   is a mask per output port in the upstream router (oown);
 * - a flit written downstream carries the cycle it becomes visible, and a
 *   credit becomes usable credit_delay >= 1 cycles after its read: a router
 *   never sees what another router did in the same cycle, so the visit order
 *   cannot change results (BookSim's read/evaluate/write);
 * - active routers and sources are bitmaps walked in index order; a head
 *   waits for its VA cycle on a timer wheel (noc_t.tw_head). */
#include "noc.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noc_internal.h"

void noc_config_default(noc_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->topology = TOPO_MESH;
    c->kx = c->ky = 8;
    c->concentration = 1;
    c->routing = ROUTE_XY;
    c->vcs = 2;
    c->vc_buf_flits = 8;
    c->routing_delay = c->vc_alloc_delay = c->sw_alloc_delay = c->st_delay = 1;
    c->link_latency = 1;
    c->credit_delay = 1;
    c->flit_bits = 32;
    c->dateline = 1;
    c->watchdog_cycles = 100000;
    c->clock_ghz = 1.0;
    /* Model inputs in the range of ORION/DSENT figures for 32-bit flits at
     * 32 nm; not calibrated to a chip (use an arch file for that). */
    c->buf_write_pj = 0.60;
    c->buf_read_pj = 0.45;
    c->alloc_pj = 0.05;
    c->xbar_pj = 0.80;
    c->link_pj_per_bit = 0.04;
    c->router_leakage_mw = 1.0;
    c->router_area_mm2 = 0.151; /* ISAAC Table I router (8 ports, 32-bit) */
    c->link_area_mm2 = 0.0;
}

int noc_config_from_arch(noc_config_t *c, const arch_t *a, imc_diag_t *d)
{
    const arch_noc_t *an = &a->chip.noc;
    noc_config_default(c);
    c->topology = an->topology;
    c->kx = a->chip.grid_x;
    c->ky = a->chip.grid_y;
    c->concentration = an->concentration > 0 ? an->concentration : 1;
    c->routing = an->routing;
    c->vcs = an->vcs;
    c->vc_buf_flits = an->vc_buf_flits;
    c->routing_delay = an->routing_delay;
    c->vc_alloc_delay = an->vc_alloc_delay;
    c->sw_alloc_delay = an->sw_alloc_delay;
    c->st_delay = an->st_delay;
    c->lookahead = an->lookahead;
    c->credit_delay = an->credit_delay;
    if (c->credit_delay < 1) {
        /* a credit must cross a cycle boundary for the two-phase update */
        diag_warning(d, "noc", 0, 0, "chip.noc.credit_delay 0 taken as 1 cycle");
        c->credit_delay = 1;
    }
    c->link_latency = an->link_latency;
    c->flit_bits = an->flit_bits;
    c->clock_ghz = an->clock_ghz;
    c->router_leakage_mw = an->router.leakage_mw;
    c->router_area_mm2 = an->router.area_mm2;
    c->link_area_mm2 = 0.0;
    c->link_pj_per_bit = an->link_energy_pj_per_bit;
    if (an->buffer_energy_pj_per_flit > 0 || an->xbar_energy_pj_per_flit > 0) {
        /* one buffer energy per flit in arch: half write, half read */
        c->buf_write_pj = an->buffer_energy_pj_per_flit * 0.5;
        c->buf_read_pj = an->buffer_energy_pj_per_flit * 0.5;
        c->xbar_pj = an->xbar_energy_pj_per_flit;
        c->alloc_pj = 0.0;
    } else {
        /* Only the router's power at full activity is given (ISAAC, PUMA):
         * every port moving a flit each cycle, so power / (clock x ports) pJ
         * per flit and router, split 25/25/40/10 over buffer write, buffer
         * read, crossbar and allocation (one switch grant per flit). */
        double e = an->clock_ghz > 0
                       ? an->router.power_mw / an->clock_ghz / (4.0 + c->concentration)
                       : 0.0;
        c->buf_write_pj = 0.25 * e;
        c->buf_read_pj = 0.25 * e;
        c->xbar_pj = 0.40 * e;
        c->alloc_pj = 0.10 * e;
    }
    return noc_config_check(c, d);
}

#define BAD(...) (diag_error(d, "noc", 0, 0, __VA_ARGS__), bad = 1)

int noc_config_check(const noc_config_t *c, imc_diag_t *d)
{
    int bad = 0;
    if (c->topology != TOPO_MESH && c->topology != TOPO_TORUS && c->topology != TOPO_CMESH)
        BAD("unknown topology %d (expected mesh, torus or cmesh)", (int)c->topology);
    if (c->kx < 1 || c->kx > NOC_MAX_K || c->ky < 1 || c->ky > NOC_MAX_K)
        BAD("grid %dx%d out of range (expected 1..%d routers per dimension)",
            c->kx, c->ky, NOC_MAX_K);
    if (c->concentration < 1 || c->concentration > NOC_MAX_CONCENTRATION)
        BAD("concentration %d out of range (expected 1..%d)", c->concentration,
            NOC_MAX_CONCENTRATION);
    if (c->routing != ROUTE_XY && c->routing != ROUTE_YX && c->routing != ROUTE_WEST_FIRST &&
        c->routing != ROUTE_ODD_EVEN)
        BAD("unknown routing %d (expected xy, yx, westfirst or oddeven)", (int)c->routing);
    else if (c->topology == TOPO_TORUS &&
             (c->routing == ROUTE_WEST_FIRST || c->routing == ROUTE_ODD_EVEN))
        BAD("routing %s is defined on meshes only (expected xy or yx on a torus)",
            c->routing == ROUTE_WEST_FIRST ? "westfirst" : "oddeven");
    if (c->vcs < 1 || c->vcs > NOC_MAX_VCS)
        BAD("vcs %d out of range (expected 1..%d)", c->vcs, NOC_MAX_VCS);
    else if (c->topology == TOPO_TORUS && c->dateline && c->vcs < 2)
        BAD("a torus with dateline needs vcs >= 2 (expected an even split of classes)");
    if (c->vc_buf_flits < 1 || c->vc_buf_flits > 4096)
        BAD("vc buffer of %d flits out of range (expected 1..4096)", c->vc_buf_flits);
    if (c->routing_delay < 0 || c->vc_alloc_delay < 0 || c->sw_alloc_delay < 0 ||
        c->st_delay < 0 || c->link_latency < 0 || c->credit_delay < 1 ||
        c->routing_delay > 64 || c->vc_alloc_delay > 64 || c->sw_alloc_delay > 64 ||
        c->st_delay > 64 || c->link_latency > 64 || c->credit_delay > 64)
        BAD("pipeline delays out of range (expected 0..64 cycles, credit delay 1..64)");
    else if (c->sw_alloc_delay + c->st_delay + c->link_latency < 1)
        BAD("switch allocation + traversal + link must take at least 1 cycle "
            "(expected sw_alloc + st + link >= 1)");
    if (c->flit_bits < 1)
        BAD("flit width %d bits (expected >= 1)", c->flit_bits);
    if (!(c->clock_ghz > 0))
        BAD("clock %g GHz (expected > 0)", c->clock_ghz);
    if (c->buf_write_pj < 0 || c->buf_read_pj < 0 || c->alloc_pj < 0 || c->xbar_pj < 0 ||
        c->link_pj_per_bit < 0 || c->router_leakage_mw < 0 || c->router_area_mm2 < 0 ||
        c->link_area_mm2 < 0)
        BAD("negative energy, power or area (expected >= 0)");
    return bad ? -1 : 0;
}

/* ---------------------------------------------------------------- create */

static void *xcalloc(size_t n, size_t s)
{
    void *p = calloc(n ? n : 1, s);
    if (!p) {
        fprintf(stderr, "imcsim: out of memory\n");
        abort();
    }
    return p;
}

noc_t *noc_create(const noc_config_t *c, imc_diag_t *d)
{
    if (noc_config_check(c, d))
        return NULL;
    noc_t *n = xcalloc(1, sizeof *n);
    n->cfg = *c;
    n->R = c->kx * c->ky;
    n->C = c->concentration;
    n->P = 4 + n->C;
    n->V = c->vcs;
    n->B = c->vc_buf_flits;
    n->E = n->R * n->C;
    n->rd = c->lookahead ? 0 : c->routing_delay;
    n->dateline = c->topology == TOPO_TORUS && c->dateline;
    n->va_det = (c->routing == ROUTE_XY || c->routing == ROUTE_YX) && !n->dateline;
    n->default_step = n->V == 2 && n->B == 8 && c->credit_delay == 1 && !c->islip &&
                      c->vc_alloc_delay == 1;
    n->fwd = c->sw_alloc_delay + c->st_delay + c->link_latency;
    n->ahead = (uint32_t)(n->fwd > c->link_latency ? n->fwd : c->link_latency);
    size_t nivc = (size_t)n->R * n->P * n->V, ring = 1;
    while (ring < (size_t)n->B)
        ring *= 2;
    n->bmask = (uint32_t)(ring - 1);
    if (nivc * ring > UINT32_MAX) {
        diag_error(d, "noc", 0, 0, "network too large (%zu buffer slots; expected < 2^32)",
                   nivc * ring);
        free(n);
        return NULL;
    }
    /* one 64-byte line per VC when the struct fits one */
    n->ivc = aligned_alloc(64, (nivc * sizeof *n->ivc + 63) / 64 * 64);
    if (!n->ivc) {
        fprintf(stderr, "imcsim: out of memory\n");
        abort();
    }
    memset(n->ivc, 0, nivc * sizeof *n->ivc);
    n->flits = xcalloc(nivc * ring, sizeof *n->flits);
    n->up = xcalloc(nivc, sizeof *n->up);
    for (size_t i = 0; i < nivc; i++) {
        n->ivc[i].fbase = (uint32_t)(i * ring);
        n->ivc[i].pop_t = UINT64_MAX; /* never read */
    }
    n->rt = aligned_alloc(64, (size_t)n->R * sizeof *n->rt); /* a multiple of 64 */
    if (!n->rt) {
        fprintf(stderr, "imcsim: out of memory\n");
        abort();
    }
    memset(n->rt, 0, (size_t)n->R * sizeof *n->rt);
    for (int r = 0; r < n->R; r++) {
        n->rt[r].ivb = &n->ivc[(size_t)r * n->P * n->V];
        for (int p = 0; p < 4; p++) /* VCs >= V count as owned: all owned = ~0 */
            n->rt[r].oown[p] = n->V == 64 ? 0 : ~0ull << n->V;
    }
    n->nbr = xcalloc((size_t)n->R * 4, sizeof *n->nbr);
    n->wrap = xcalloc((size_t)n->R * 4, sizeof *n->wrap);
    for (int r = 0; r < n->R; r++) {
        int x = r % c->kx, y = r / c->kx;
        int tor = c->topology == TOPO_TORUS;
        int nx[4] = {x + 1, x - 1, x, x};
        int ny[4] = {y, y, y + 1, y - 1};
        for (int p = 0; p < 4; p++) {
            int xx = nx[p], yy = ny[p], w = 0;
            if (xx < 0 || xx >= c->kx || yy < 0 || yy >= c->ky) {
                if (!tor) {
                    n->nbr[r * 4 + p] = -1;
                    continue;
                }
                xx = (xx + c->kx) % c->kx;
                yy = (yy + c->ky) % c->ky;
                w = 1;
            }
            /* a 1- or 2-wide torus dimension has no distinct wrap link */
            if (tor && ((p < 2 && c->kx < 3) || (p >= 2 && c->ky < 3)) && w) {
                n->nbr[r * 4 + p] = -1;
                continue;
            }
            n->nbr[r * 4 + p] = yy * c->kx + xx;
            n->wrap[r * 4 + p] = (uint8_t)w;
        }
    }
    for (int r = 0; r < n->R; r++)
        memcpy(n->rt[r].nbr, &n->nbr[r * 4], sizeof n->rt[r].nbr);
    n->dnb = xcalloc((size_t)n->R * 4, sizeof *n->dnb);
    for (int i = 0; i < n->R * 4; i++)
        n->dnb[i] = n->nbr[i] < 0 ? UINT32_MAX
                                  : (uint32_t)(((size_t)n->nbr[i] * n->P + (size_t)((i & 3) ^ 1)) * n->V);
    /* odd-even also looks at the source, the dateline at the packet's past */
    if (c->routing != ROUTE_ODD_EVEN && !n->dateline &&
        (size_t)n->R * (size_t)n->E <= ((size_t)1 << 22))
        n->rtab = xcalloc((size_t)n->R * n->E, 1);
    n->ni = xcalloc((size_t)n->E, sizeof *n->ni);
    for (int e = 0; e < n->E; e++) {
        noc_ni_t *ni = &n->ni[e];
        ni->cur = ni->qhead = ni->qtail = -1;
        ni->r = e / n->C;
        ni->port = 4 + e % n->C;
        ni->ivb = (uint32_t)(((size_t)ni->r * n->P + (size_t)ni->port) * n->V);
    }
    n->rwords = (n->R + 63) / 64;
    n->ewords = (n->E + 63) / 64;
    n->ractive = xcalloc((size_t)n->rwords, sizeof(uint64_t));
    n->eactive = xcalloc((size_t)n->ewords, sizeof(uint64_t));
    n->equeued = xcalloc((size_t)n->ewords, sizeof(uint64_t));
    n->fin_left = xcalloc((size_t)(c->kx + c->ky), sizeof *n->fin_left);
    n->src_lb = UINT64_MAX;
    n->epx = xcalloc((size_t)n->E, sizeof *n->epx);
    n->epy = xcalloc((size_t)n->E, sizeof *n->epy);
    for (int e = 0; e < n->E; e++) {
        n->epx[e] = (int16_t)((e / n->C) % c->kx);
        n->epy[e] = (int16_t)((e / n->C) / c->kx);
    }
    n->rsnap = xcalloc((size_t)n->rwords, sizeof(uint64_t));
    /* a VA cycle is at most ahead + rd + 1 cycles away */
    size_t tw = 1;
    while (tw < n->ahead + (uint32_t)n->rd + 2)
        tw *= 2;
    n->twmask = (uint32_t)(tw - 1);
    n->tw_head = xcalloc(tw, sizeof *n->tw_head);
    memset(n->tw_head, 0xff, tw * sizeof *n->tw_head);
    n->tw = xcalloc(nivc, sizeof *n->tw);
    for (size_t i = 0; i < nivc; i++)
        n->tw[i].where = (uint32_t)((i / (size_t)(n->P * n->V)) << 12 |
                                    (i / (size_t)n->V % (size_t)n->P) << 6 | (i % (size_t)n->V));
    n->free_pkt = -1;
    n->free_msg = -1;
    n->free_done = -1;
    n->report = xcalloc(1, 1);
    return n;
}

void noc_destroy(noc_t *n)
{
    if (!n)
        return;
    free(n->ivc);
    free(n->flits);
    free(n->up);
    free(n->rt);
    free(n->nbr);
    free(n->dnb);
    free(n->rtab);
    free(n->wrap);
    free(n->ni);
    free(n->ractive);
    free(n->eactive);
    free(n->rsnap);
    free(n->equeued);
    free(n->fin_left);
    free(n->epx);
    free(n->epy);
    free(n->tw_head);
    free(n->tw);
    free(n->pkt);
    free(n->msg);
    free(n->done);
    free(n->ej);
    free(n->report);
    free(n);
}

const noc_config_t *noc_config(const noc_t *n) { return &n->cfg; }
int noc_routers(const noc_t *n) { return n->R; }
int noc_endpoints(const noc_t *n) { return n->E; }
uint64_t noc_now(const noc_t *n) { return n->now; }
const char *noc_watchdog_report(const noc_t *n) { return n->report; }
int noc_neighbor(const noc_t *n, int r, int p)
{
    return (r < 0 || r >= n->R || p < 0 || p > 3) ? -1 : n->nbr[r * 4 + p];
}

int noc_hops(const noc_t *n, int src, int dst) { return noc_ep_hops(n, src, dst); }

uint64_t noc_zero_load_latency(const noc_t *n, int src, int dst, int flits)
{
    const noc_config_t *c = &n->cfg;
    uint64_t tr = (uint64_t)(n->rd + c->vc_alloc_delay + c->sw_alloc_delay + c->st_delay);
    uint64_t tl = (uint64_t)c->link_latency;
    uint64_t h = (uint64_t)noc_hops(n, src, dst);
    return (h + 1) * (tr + tl) + tl + (uint64_t)(flits - 1);
}

/* ---------------------------------------------------------------- inject */

/* Take a free record from a pool of records with a `next` link (grown by
 * doubling up to max_cap records); -1 when full. */
#define POOL_ALLOC(n, arr, cap, freel, max_cap)                                                    \
    do {                                                                                           \
        if ((n)->freel < 0) {                                                                      \
            int old_ = (n)->cap, c_ = old_ ? old_ * 2 : 1024;                                      \
            if (c_ > (max_cap))                                                                    \
                return -1;                                                                         \
            void *p_ = realloc((n)->arr, (size_t)c_ * sizeof *(n)->arr);                           \
            if (!p_) {                                                                             \
                fprintf(stderr, "imcsim: out of memory\n");                                        \
                abort();                                                                           \
            }                                                                                      \
            (n)->arr = p_;                                                                         \
            for (int i_ = c_ - 1; i_ >= old_; i_--) {                                              \
                (n)->arr[i_].next = (n)->freel;                                                    \
                (n)->freel = i_;                                                                   \
            }                                                                                      \
            (n)->cap = c_;                                                                         \
        }                                                                                          \
        int id_ = (n)->freel;                                                                      \
        (n)->freel = (n)->arr[id_].next;                                                           \
        return id_;                                                                                \
    } while (0)

/* flits index packets in 30 bits */
int noc_pkt_alloc(noc_t *n) { POOL_ALLOC(n, pkt, npkt_cap, free_pkt, (int)NOC_F_PKT + 1); }
static int msg_alloc(noc_t *n) { POOL_ALLOC(n, msg, nmsg_cap, free_msg, INT32_MAX / 2); }
static int done_alloc(noc_t *n) { POOL_ALLOC(n, done, ndone_cap, free_done, INT32_MAX / 2); }

int noc_inject(noc_t *n, uint64_t now, int src, int dst, int flits, uint64_t tag)
{
    return noc_inject_message(n, now, src, dst, flits, flits, tag);
}

/* A queued message; each_packet: no completion record, so every packet's
 * arrival is handed over. */
static int inject(noc_t *n, uint64_t now, int src, int dst, int flits, int packet_flits,
                  uint64_t tag, int each_packet)
{
    if (src < 0 || src >= n->E || dst < 0 || dst >= n->E || flits < 1 || packet_flits < 1 ||
        now < n->now)
        return -1;
    int done = -1;
    if (flits > packet_flits && !each_packet) { /* several packets: count them home */
        done = done_alloc(n);
        if (done < 0)
            return -1;
        n->done[done].left = (flits + packet_flits - 1) / packet_flits;
        n->done[done].first_inject = UINT64_MAX;
        n->done[done].orphan = 0;
    }
    int id = msg_alloc(n);
    if (id < 0)
        return -1;
    noc_msg_t *m = &n->msg[id];
    m->done = done;
    m->dst = dst;
    m->flits = flits;
    m->pf = packet_flits;
    m->next = -1;
    m->tag = tag;
    m->t_create = now;
    noc_ni_t *ni = &n->ni[src];
    if (ni->qtail >= 0)
        n->msg[ni->qtail].next = id;
    else
        ni->qhead = id;
    ni->qtail = id;
    ni->queued_flits += (uint64_t)flits;
    n->queued_flits += (uint64_t)flits;
    n->eactive[src >> 6] |= 1ull << (src & 63);
    n->equeued[src >> 6] |= 1ull << (src & 63);
    noc_bound_source(n, src, now > n->now ? now : n->now);
    return 0;
}

int noc_inject_message(noc_t *n, uint64_t now, int src, int dst, int flits, int packet_flits,
                       uint64_t tag)
{
    return inject(n, now, src, dst, flits, packet_flits, tag, 0);
}

int noc_inject_stream(noc_t *n, uint64_t now, int src, int dst, int flits, int packet_flits,
                      uint64_t tag)
{
    return inject(n, now, src, dst, flits, packet_flits, tag, 1);
}

uint64_t noc_next_event(const noc_t *n)
{
    uint64_t t = UINT64_MAX;
    if (n->in_network)
        return n->now;
    if (n->ej_count)
        t = n->ej[n->ej_head].time;
    for (int w = 0; w < n->ewords; w++) {
        uint64_t m = n->eactive[w];
        while (m) {
            int e = w * 64 + __builtin_ctzll(m);
            m &= m - 1;
            const noc_ni_t *ni = &n->ni[e];
            if (ni->cur >= 0)
                return n->now;
            if (ni->qhead >= 0) {
                uint64_t c = n->msg[ni->qhead].t_create;
                if (c <= n->now)
                    return n->now;
                if (c < t)
                    t = c;
            }
        }
    }
    return t;
}
