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
#include "params.h"

void noc_config_default(noc_config_t *c)
{
    arch_t a;
    imc_diag_t d;
    arch_params_defaults(&a);
    diag_init(&d);
    noc_config_from_arch(c, &a, &d); /* the defaults are valid (test_noc) */
    diag_free(&d);
}

int noc_config_from_arch(noc_config_t *c, const arch_t *a, imc_diag_t *d)
{
    const arch_noc_t *an = &a->chip.noc;
    memset(c, 0, sizeof *c);
    c->topology = an->topology;
    c->kx = a->chip.grid_x;
    c->ky = a->chip.grid_y;
    c->concentration = arch_noc_local_ports(a); /* a gateway's own port included */
    c->routing = an->routing;
    c->vcs = an->vcs;
    c->vc_buf_flits = an->vc_buf_flits;
    c->routing_delay = an->routing_delay;
    c->vc_alloc_delay = an->vc_alloc_delay;
    c->sw_alloc_delay = an->sw_alloc_delay;
    c->st_delay = an->st_delay;
    c->lookahead = an->lookahead;
    c->credit_delay = an->credit_delay;
    c->credit_latency = an->credit_latency;
    c->link_latency = an->link_latency;
    c->vc_alloc = an->vc_allocator;
    c->sw_alloc = an->sw_allocator;
    c->alloc_iters = an->alloc_iters;
    c->input_speedup = an->input_speedup;
    c->output_speedup = an->output_speedup;
    c->wait_for_tail_credit = an->wait_for_tail_credit;
    c->multicast = an->multicast;
    c->packet_flits = an->packet_flits;
    c->dateline = an->dateline;
    c->watchdog_cycles = (uint64_t)an->watchdog_cycles;
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
                       ? an->router.power_mw / an->clock_ghz / (4.0 + an->concentration)
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
    if (!noc_topo(c->topology))
        BAD("unknown topology %d (expected mesh, torus or cmesh)", (int)c->topology);
    if (c->kx < 1 || c->kx > NOC_MAX_K || c->ky < 1 || c->ky > NOC_MAX_K)
        BAD("grid %dx%d out of range (expected 1..%d routers per dimension)",
            c->kx, c->ky, NOC_MAX_K);
    if (c->concentration < 1 || c->concentration > NOC_MAX_CONCENTRATION)
        BAD("concentration %d out of range (expected 1..%d)", c->concentration,
            NOC_MAX_CONCENTRATION);
    if (c->routing != ROUTE_XY && c->routing != ROUTE_YX && c->routing != ROUTE_WEST_FIRST &&
        c->routing != ROUTE_ODD_EVEN)
        BAD("unknown routing %d (expected xy, yx, west_first or odd_even)", (int)c->routing);
    else if (c->topology == TOPO_TORUS &&
             (c->routing == ROUTE_WEST_FIRST || c->routing == ROUTE_ODD_EVEN))
        BAD("routing %s is defined on meshes only (expected xy or yx on a torus)",
            c->routing == ROUTE_WEST_FIRST ? "west_first" : "odd_even");
    if (c->vcs < 1 || c->vcs > NOC_MAX_VCS)
        BAD("vcs %d out of range (expected 1..%d)", c->vcs, NOC_MAX_VCS);
    else if (c->topology == TOPO_TORUS && c->dateline && c->vcs < 2)
        BAD("a torus with dateline needs vcs >= 2 (expected an even split of classes)");
    if (c->vc_buf_flits < 1 || c->vc_buf_flits > 4096)
        BAD("vc buffer of %d flits out of range (expected 1..4096)", c->vc_buf_flits);
    if (c->routing_delay < 0 || c->vc_alloc_delay < 0 || c->sw_alloc_delay < 0 ||
        c->st_delay < 0 || c->link_latency < 0 || c->credit_delay < 1 || c->credit_latency < 0 ||
        c->routing_delay > 64 || c->vc_alloc_delay > 64 || c->sw_alloc_delay > 64 ||
        c->st_delay > 64 || c->link_latency > 64 || c->credit_delay > 64 || c->credit_latency > 64)
        BAD("pipeline delays out of range (expected 0..64 cycles, credit delay 1..64)");
    else if (c->sw_alloc_delay + c->st_delay + c->link_latency < 1)
        BAD("switch allocation + traversal + link must take at least 1 cycle "
            "(expected sw_alloc + st + link >= 1)");
    if ((unsigned)c->vc_alloc > ALLOC_GREEDY)
        BAD("unknown VC allocator %d (expected %s)", (int)c->vc_alloc,
            "separable_input_first, separable_output_first, islip or greedy");
    if ((unsigned)c->sw_alloc > ALLOC_ISLIP)
        BAD("unknown switch allocator %d (expected %s)", (int)c->sw_alloc,
            "separable_input_first, separable_output_first or islip");
    if (c->alloc_iters < 1 || c->alloc_iters > 16)
        BAD("alloc_iters %d out of range (expected 1..16)", c->alloc_iters);
    if (c->input_speedup < 1 || c->input_speedup > 2 || c->output_speedup < 1 ||
        c->output_speedup > 2)
        BAD("speedups %d/%d out of range (expected input and output speedup 1 or 2)",
            c->input_speedup, c->output_speedup);
    else if (c->output_speedup > 1 && c->vcs >= 1 && c->vc_buf_flits >= 1 &&
             (long)(4 + c->concentration) * c->vcs * c->vc_buf_flits > 65536)
        BAD("output_speedup 2 queues up to ports x vcs x vc_buf_flits = %ld flits per output "
            "(expected at most 65536)",
            (long)(4 + c->concentration) * c->vcs * c->vc_buf_flits);
    if (c->multicast && c->routing == ROUTE_ODD_EVEN)
        BAD("multicast trees follow dimension order, which odd_even routing forbids at even "
            "columns (expected routing xy, yx or west_first with multicast)");
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

/* n zeroed records of s bytes from a 64-byte line on (the size rounded up
 * to whole lines, as aligned_alloc wants): records laid out by line */
static void *xcalloc_lines(size_t n, size_t s)
{
    size_t bytes = (n * s + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (!p) {
        fprintf(stderr, "imcsim: out of memory\n");
        abort();
    }
    memset(p, 0, bytes);
    return p;
}

noc_t *noc_create(const noc_config_t *c, imc_diag_t *d)
{
    if (noc_config_check(c, d))
        return NULL;
    noc_t *n = xcalloc(1, sizeof *n);
    n->cfg = *c;
    n->topo = noc_topo(c->topology);
    n->R = c->kx * c->ky;
    n->C = c->concentration;
    n->P = 4 + n->C;
    n->V = c->vcs;
    n->B = c->vc_buf_flits;
    n->E = n->R * n->C;
    n->rd = c->lookahead ? 0 : c->routing_delay;
    n->dateline = c->topology == TOPO_TORUS && c->dateline;
    n->va_det = (c->routing == ROUTE_XY || c->routing == ROUTE_YX) && !n->dateline;
    n->cd = c->credit_delay + c->credit_latency;
    n->plain_step = c->sw_alloc == ALLOC_SEPARABLE_INPUT_FIRST && c->vc_alloc == ALLOC_GREEDY &&
                    c->input_speedup == 1 && c->output_speedup == 1 && !c->wait_for_tail_credit;
    n->default_step = n->plain_step && n->V == NOC_DEF_VCS && n->B == NOC_DEF_BUF &&
                      n->cd == NOC_DEF_CREDIT && c->vc_alloc_delay == NOC_DEF_VA_DELAY;
    n->mc_pass = n->plain_step;
    n->step_kind = !n->default_step ? NOC_STEP_ANY
                   : c->multicast   ? NOC_STEP_DEFAULT_MC
                                    : NOC_STEP_DEFAULT;
    n->fwd = c->sw_alloc_delay + c->st_delay + c->link_latency;
    n->ahead = (uint32_t)(n->fwd > c->link_latency ? n->fwd : c->link_latency);
    if (c->output_speedup > 1) /* a flit may wait in an output queue of every buffered flit */
        n->ahead += (uint32_t)(n->P * n->V * n->B);
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
    n->ivc = xcalloc_lines(nivc, sizeof *n->ivc);
    n->flits = xcalloc(nivc * ring, sizeof *n->flits);
    n->up = xcalloc(nivc, sizeof *n->up);
    for (size_t i = 0; i < nivc; i++) {
        n->ivc[i].fbase = (uint32_t)(i * ring);
        n->ivc[i].pop_t = UINT64_MAX; /* never read */
        n->ivc[i].mcv = -1;
    }
    n->rt = xcalloc_lines((size_t)n->R, sizeof *n->rt);
    size_t nport = (size_t)n->R * n->P;
    n->rin = xcalloc_lines(nport, sizeof *n->rin);
    n->rport_flits = xcalloc(nport, sizeof *n->rport_flits);
    n->rvwo = xcalloc(nport, sizeof *n->rvwo);
    n->racc_rr = xcalloc(2 * nport, 1);
    for (int r = 0; r < n->R; r++) {
        size_t p0 = (size_t)r * n->P;
        n->rt[r].ivb = &n->ivc[p0 * n->V];
        n->rt[r].in = &n->rin[p0];
        n->rt[r].port_flits = &n->rport_flits[p0];
        n->rt[r].vwo = &n->rvwo[p0];
        n->rt[r].acc_rr = &n->racc_rr[2 * p0];
        for (int p = 0; p < 4; p++) /* VCs >= V count as owned: all owned = ~0 */
            n->rt[r].oown[p] = n->V == 64 ? 0 : ~0ull << n->V;
    }
    n->nbr = xcalloc((size_t)n->R * NOC_NET_PORTS, sizeof *n->nbr);
    n->wrap = xcalloc((size_t)n->R * NOC_NET_PORTS, sizeof *n->wrap);
    for (int r = 0; r < n->R; r++) {
        int x, y;
        noc_router_xy(n, r, &x, &y);
        for (int p = 0; p < NOC_NET_PORTS; p++) {
            int w;
            n->nbr[r * NOC_NET_PORTS + p] = n->topo->neighbor(c, x, y, p, &w);
            n->wrap[r * NOC_NET_PORTS + p] = (uint8_t)w;
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
    if (n->R <= NOC_RHOPS_MAX) {
        uint16_t *h = xcalloc((size_t)n->R * (size_t)n->R, sizeof *h);
        for (int a = 0; a < n->R; a++)
            for (int b = 0; b < n->R; b++)
                h[(size_t)a * n->R + b] = (uint16_t)(n->topo->dist(c->kx, a % c->kx, b % c->kx) +
                                                     n->topo->dist(c->ky, a / c->kx, b / c->kx));
        n->rhops = h;
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
        n->tw[i].where = noc_where((int)(i / (size_t)(n->P * n->V)),
                                   (int)(i / (size_t)n->V % (size_t)n->P), (int)(i % (size_t)n->V));
    n->free_pkt = -1;
    n->free_msg = -1;
    n->free_done = -1;
    if (c->vc_alloc != ALLOC_GREEDY) {
        n->va_gptr = xcalloc((size_t)n->R * NOC_NET_PORTS * n->V, sizeof *n->va_gptr);
        n->va_aptr = xcalloc(nivc, sizeof *n->va_aptr);
    }
    if (c->output_speedup > 1)
        n->olast = xcalloc((size_t)n->R * n->P, sizeof *n->olast);
    if (c->wait_for_tail_credit) {
        size_t rw = 1;
        while (rw < (size_t)n->cd + 1)
            rw *= 2;
        n->relmask = (uint32_t)(rw - 1);
        n->rel_head = xcalloc(rw, sizeof *n->rel_head);
        memset(n->rel_head, 0xff, rw * sizeof *n->rel_head);
        n->rel_next = xcalloc(nivc, sizeof *n->rel_next);
    }
    n->report = xcalloc(1, 1);
    n->mon_period = c->watchdog_cycles / 8 ? c->watchdog_cycles / 8 : 1;
    n->free_mcm = n->free_dset = n->free_mcv = n->free_split = -1;
    n->dset_idle_max = 1024; /* idle destination sets kept cached (noc_dset.c) */
    if (c->multicast) {
        n->mcva = xcalloc((size_t)n->R * n->P, sizeof *n->mcva);
        if ((size_t)n->R * (size_t)n->E <= ((size_t)1 << 22)) {
            n->mtree = xcalloc((size_t)n->R * n->E, 1);
            for (int r = 0; r < n->R; r++)
                for (int e = 0; e < n->E; e++)
                    n->mtree[(size_t)r * n->E + e] = (uint8_t)noc_tree_port(n, r, e);
        }
    }
    n->mon_seen = xcalloc(nivc, sizeof *n->mon_seen);
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
    free(n->rin);
    free(n->rport_flits);
    free(n->rvwo);
    free(n->racc_rr);
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
    free(n->rhops);
    free(n->epy);
    free(n->tw_head);
    free(n->tw);
    free(n->pkt);
    free(n->msg);
    free(n->done);
    free(n->ej);
    free(n->ejb);
    free(n->tail_due.v);
    free(n->body_due.v);
    free(n->fin_due.v);
    free(n->report);
    free(n->va_gptr);
    free(n->va_aptr);
    free(n->olast);
    free(n->rel_head);
    free(n->rel_next);
    free(n->starve);
    free(n->mon_seen);
    noc_fairness_probe(n, 0);
    for (int i = 0; i < n->nmcm_cap; i++) {
        free(n->mcm[i].dst);
        free(n->mcm[i].left);
        free(n->mcm[i].coming);
    }
    noc_dset_free_all(n);
    free(n->mcm);
    free(n->mcv);
    free(n->mcva);
    free(n->mtree);
    free(n->mc_tmp);
    free(n);
}

const noc_config_t *noc_config(const noc_t *n) { return &n->cfg; }
int noc_routers(const noc_t *n) { return n->R; }
int noc_endpoints(const noc_t *n) { return n->E; }
uint64_t noc_now(const noc_t *n) { return n->now; }
const char *noc_watchdog_report(const noc_t *n) { return n->report; }
uint64_t noc_source_queued_flits(const noc_t *n, int e) { return n->ni[e].queued_flits; }
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
            int old_ = (n)->cap, c_ = old_ ? old_ * 2 : 64;                                      \
            if (c_ > (max_cap))                                                                    \
                return -1;                                                                         \
            void *p_ = realloc((n)->arr, (size_t)c_ * sizeof *(n)->arr);                           \
            if (!p_) {                                                                             \
                fprintf(stderr, "imcsim: out of memory\n");                                        \
                abort();                                                                           \
            }                                                                                      \
            (n)->arr = p_;                                                                         \
            memset(&(n)->arr[old_], 0, (size_t)(c_ - old_) * sizeof *(n)->arr);                    \
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
int noc_mcm_alloc(noc_t *n) { POOL_ALLOC(n, mcm, nmcm_cap, free_mcm, INT32_MAX / 2); }
int noc_dset_alloc(noc_t *n) { POOL_ALLOC(n, dset, ndset_cap, free_dset, (int)NOC_F_PKT + 1); }
int noc_mcv_alloc(noc_t *n) { POOL_ALLOC(n, mcv, nmcv_cap, free_mcv, INT32_MAX / 2); }
int noc_split_alloc(noc_t *n) { POOL_ALLOC(n, split, nsplit_cap, free_split, INT32_MAX / 2); }

int noc_inject(noc_t *n, uint64_t now, int src, int dst, int flits, uint64_t tag)
{
    return noc_inject_message(n, now, src, dst, flits, flits, tag);
}

/* A queued message; each_packet: no completion record, so every packet's
 * arrival is handed over; mc >= 0: a multicast message (dst unused). */
static int inject(noc_t *n, uint64_t now, int src, int dst, int flits, int packet_flits,
                  uint64_t tag, int each_packet, int mc)
{
    if (src < 0 || src >= n->E || (mc < 0 && (dst < 0 || dst >= n->E)) || flits < 1 ||
        packet_flits < 1 || now < n->now)
        return -1;
    int done = -1;
    if (flits > packet_flits && !each_packet && mc < 0) { /* several packets: count them home */
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
    m->mc = mc;
    m->dst = mc < 0 ? dst : n->mcm[mc].dst[0];
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
    noc_bit_set(n->eactive, src);
    noc_bit_set(n->equeued, src);
    noc_bound_source(n, src, n->now); /* the queue as it is now (source_bound) */
    return 0;
}

int noc_inject_message(noc_t *n, uint64_t now, int src, int dst, int flits, int packet_flits,
                       uint64_t tag)
{
    return inject(n, now, src, dst, flits, packet_flits, tag, 0, -1);
}

int noc_inject_stream(noc_t *n, uint64_t now, int src, int dst, int flits, int packet_flits,
                      uint64_t tag)
{
    return inject(n, now, src, dst, flits, packet_flits, tag, 1, -1);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* dsts sorted into noc_mc_scratch(); NULL when one is out of range or
 * repeated. */
static int32_t *sorted_dsts(noc_t *n, const int *dsts, int ndst)
{
    int32_t *d = noc_mc_scratch(n, ndst);
    for (int i = 0; i < ndst; i++) {
        if (dsts[i] < 0 || dsts[i] >= n->E)
            return NULL;
        d[i] = dsts[i];
    }
    qsort(d, (size_t)ndst, sizeof *d, cmp_int);
    for (int i = 1; i < ndst; i++)
        if (d[i] == d[i - 1])
            return NULL;
    return d;
}

int noc_inject_multicast(noc_t *n, uint64_t now, int src, const int *dsts, int ndst, int flits,
                         int packet_flits, uint64_t tag)
{
    if (!dsts || ndst < 1 || ndst > n->E || src < 0 || src >= n->E || flits < 1 ||
        packet_flits < 1 || now < n->now)
        return -1;
    const int32_t *d = sorted_dsts(n, dsts, ndst);
    if (!d)
        return -1;
    if (ndst == 1 || !n->cfg.multicast) { /* one message per destination, in the given order */
        for (int i = 0; i < ndst; i++)
            if (inject(n, now, src, dsts[i], flits, packet_flits, tag, 0, -1))
                return -1;
        return 0;
    }
    int id = noc_mcm_alloc(n);
    if (id < 0)
        return -1;
    noc_mcm_t *m = &n->mcm[id];
    /* packets of at most a VC buffer: virtual cut-through (noc_mcast.c) */
    int pf = packet_flits < n->B ? packet_flits : n->B;
    if (m->cap < ndst) { /* a freed record keeps its arrays for the next one */
        free(m->dst);
        free(m->left);
        free(m->coming);
        m->dst = malloc((size_t)ndst * sizeof *m->dst);
        m->left = malloc((size_t)ndst * sizeof *m->left);
        m->coming = malloc((size_t)ndst * sizeof *m->coming);
        if (!m->dst || !m->left || !m->coming)
            abort();
        m->cap = ndst;
    }
    memcpy(m->dst, d, (size_t)ndst * sizeof *d);
    m->ndst = m->live = ndst;
    m->min_hops = INT32_MAX;
    for (int i = 0; i < ndst; i++) {
        m->left[i] = m->coming[i] = (flits + pf - 1) / pf;
        int h = noc_ep_hops(n, src, d[i]);
        m->min_hops = h < m->min_hops ? h : m->min_hops;
    }
    m->first_inject = UINT64_MAX;
    m->ds = -1;
    return inject(n, now, src, -1, flits, pf, tag, 0, id);
}

uint64_t noc_next_event(const noc_t *n)
{
    uint64_t t = UINT64_MAX;
    if (n->in_network)
        return n->now;
    if (n->ej_count)
        t = n->ej[n->ej_head].time;
    if (n->ejb_count && n->ejb[n->ejb_head].time < t)
        t = n->ejb[n->ejb_head].time;
    if (n->tail_due.n && n->tail_due.v[0].time < t) /* output speedup: the heaps' firsts */
        t = n->tail_due.v[0].time;
    if (n->body_due.n && n->body_due.v[0].time < t)
        t = n->body_due.v[0].time;
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
