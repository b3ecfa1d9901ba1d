/* noc: cycle-level network-on-chip of input-queued virtual-channel routers
 * (BookSim 2 semantics, Jiang et al. ISPASS 2013): wormhole switching, credit-based
 * flow control, RC/VA/SA/ST pipeline, mesh/torus/concentrated mesh, DOR and
 * turn-model adaptive routing.
 *
 * Time is integer cycles of the NoC clock. The core is passive: the caller
 * injects packets and advances time; only routers holding flits cost host
 * time, and an idle network reports UINT64_MAX as its next event.
 *
 * Endpoints: e = 0..routers*concentration-1, attached to router e / c, local
 * port e % c. Router r sits at (x, y) = (r % kx, r / kx). */
#ifndef IMC_NOC_H
#define IMC_NOC_H

#include <stdint.h>

#include "arch.h"
#include "desc.h"
#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NOC_MAX_VCS 64
#define NOC_MAX_CONCENTRATION 16
#define NOC_MAX_K 256

typedef struct noc_config {
    /* Resolved from the architecture's chip.noc rows (arch/params.c, the one
     * table of names, bounds and defaults; docs/noc.md); noc_config_default()
     * gives the default architecture's network. */
    arch_topology_t topology;  /* TOPO_MESH, TOPO_TORUS, TOPO_CMESH */
    int kx, ky;                /* routers along x and y (chip.grid_x, chip.grid_y) */
    int concentration;         /* endpoints per router (1 = one per router) */
    arch_routing_t routing;    /* XY, YX, west-first, odd-even (last two: mesh only) */
    int vcs;                   /* VCs per input port */
    int vc_buf_flits;          /* flits per VC buffer */
    int routing_delay;         /* cycles of route computation (0 with lookahead) */
    int vc_alloc_delay;        /* cycles */
    int sw_alloc_delay;        /* cycles */
    int st_delay;              /* switch traversal, cycles */
    int link_latency;          /* cycles, also the injection and ejection channels */
    int credit_delay;          /* cycles from buffer read to credit processed upstream */
    int credit_latency;        /* cycles on the credit channel (added to credit_delay) */
    int lookahead;             /* 1: route computed one hop ahead (no RC stage) */
    arch_alloc_t vc_alloc;     /* VC allocator (ALLOC_GREEDY: one router-wide pointer) */
    arch_alloc_t sw_alloc;     /* switch allocator (not ALLOC_GREEDY) */
    int alloc_iters;           /* iSLIP iterations */
    int input_speedup;         /* 1 or 2 crossbar inputs per input port (by VC parity) */
    int output_speedup;        /* 1 or 2 crossbar outputs per output port (by input parity) */
    int wait_for_tail_credit;  /* output VC free once its tail's credit is back */
    int multicast;             /* noc_inject_multicast replicates in routers (else copies) */
    int packet_flits;          /* chip.noc.packet_flits (the core takes sizes per call) */
    int flit_bits;
    int dateline;              /* torus: 1 = dateline VC classes (deadlock-free) */
    uint64_t watchdog_cycles;  /* starvation report / deadlock stop threshold; 0 = off */
    double clock_ghz;
    /* Energy and area model inputs. */
    double buf_write_pj;       /* per flit written into an input buffer */
    double buf_read_pj;        /* per flit read out of an input buffer */
    double alloc_pj;           /* per VC or switch allocation granted */
    double xbar_pj;            /* per flit through the crossbar */
    double link_pj_per_bit;    /* per bit over a router-to-router link */
    double router_leakage_mw;  /* per router */
    double router_area_mm2;    /* per router */
    double link_area_mm2;      /* per unidirectional link */
} noc_config_t;

/* The network of the default architecture (every chip.noc row and the grid
 * at its default: a 2x2 concentrated mesh of 4 endpoints per router, XY,
 * 2 VCs x 8 flits, 1-cycle stages, zero energies; docs/noc.md). */
void noc_config_default(noc_config_t *c);
/* The chip's NoC: arch->chip.noc and grid_x x grid_y routers. */
int noc_config_from_arch(noc_config_t *c, const arch_t *arch, imc_diag_t *d);
/* 0 when valid; otherwise one error per bad field in d and -1. */
int noc_config_check(const noc_config_t *c, imc_diag_t *d);

typedef struct noc noc_t;

/* NULL (with errors in d) when the configuration is invalid. */
noc_t *noc_create(const noc_config_t *c, imc_diag_t *d);
void noc_destroy(noc_t *n);
const noc_config_t *noc_config(const noc_t *n);
int noc_routers(const noc_t *n);
int noc_endpoints(const noc_t *n);
/* Router-to-router hops of the route between two endpoints (minimal). */
int noc_hops(const noc_t *n, int src, int dst);
/* Zero-load latency of a packet (cycles from creation to tail ejection). */
uint64_t noc_zero_load_latency(const noc_t *n, int src, int dst, int flits);

/* Queue a packet of `flits` flits created at cycle now_cycle (>= the current
 * cycle) at endpoint src for endpoint dst. Source queues are unbounded.
 * Returns 0, or -1 on bad arguments. */
int noc_inject(noc_t *n, uint64_t now_cycle, int src, int dst, int flits,
               uint64_t tag);
/* Queue a message of `flits` flits that the source sends as packets of at
 * most packet_flits, one after another, every packet tagged `tag` (the same
 * as that many noc_inject calls in a row, but a queued message costs one
 * record: packets exist only from their injection on). */
int noc_inject_message(noc_t *n, uint64_t now_cycle, int src, int dst, int flits,
                       int packet_flits, uint64_t tag);
/* The same, but every packet is handed over as it arrives (on_eject once per
 * packet, noc_eject_flits() giving its size): for a gateway that streams the
 * packets on. */
int noc_inject_stream(noc_t *n, uint64_t now_cycle, int src, int dst, int flits,
                      int packet_flits, uint64_t tag);

/* Queue one message for a set of destination endpoints (ndst >= 1, each
 * once, any order): on_eject comes once per destination, at the cycle that
 * destination has the whole message (its last packet's copy arrived), with
 * dst = that destination. With chip.noc.multicast the source sends ONE
 * stream of packets of at most min(packet_flits, vc_buf_flits) flits that the
 * routers replicate along the dimension-order tree of the routes (docs/noc.md
 * "Multicast"); without it, or with one destination, it is the same as a
 * noc_inject_message per destination, in the order given. Returns 0, or -1
 * on bad arguments (a destination out of range or repeated, no
 * destination, sizes < 1, a cycle already simulated). */
int noc_inject_multicast(noc_t *n, uint64_t now_cycle, int src, const int *dsts, int ndst,
                         int flits, int packet_flits, uint64_t tag);

/* The earliest cycle at which something happens, UINT64_MAX when idle. */
uint64_t noc_next_event(const noc_t *n);
/* A cycle no on_eject call can come before (>= noc_now(); UINT64_MAX when
 * nothing is queued or in flight), if nothing more is injected: a wrapper
 * need not simulate before it to hand packets over on time. */
uint64_t noc_delivery_bound(noc_t *n);
/* The same for a message about to be injected at `cycle`, and for a
 * noc_inject_multicast message. */
uint64_t noc_message_bound(const noc_t *n, uint64_t cycle, int src, int dst, int flits,
                           int packet_flits, int each_packet);
uint64_t noc_multicast_bound(const noc_t *n, uint64_t cycle, int src, const int *dsts, int ndst,
                             int flits, int packet_flits);
/* The next cycle to simulate (all cycles before it are done). */
uint64_t noc_now(const noc_t *n);

/* Called when a message's last packet's tail reaches its destination (cycle =
 * that cycle; a noc_inject packet is a message of one packet).
 * Return 0 when the ejection is consumed; nonzero to hold it: nothing is
 * consumed, the simulation stops before that cycle's routers step, and the
 * same ejection is offered again by the next noc_advance/noc_deliver. A
 * wrapper that simulates ahead of its caller's time uses this to hand a
 * packet over at its exact cycle. */
typedef int (*noc_eject_fn)(void *ctx, uint64_t tag, int dst, uint64_t cycle);
/* Simulate every cycle < until_cycle, calling on_eject for each ejection.
 * Returns 0 (done), 1 (an ejection was held: cycles < noc_now() are done),
 * or -1 when the watchdog fired (the report is in noc_watchdog_report()). */
int noc_advance(noc_t *n, uint64_t until_cycle, noc_eject_fn on_eject, void *ctx);
/* Deliver, without simulating, the ejections of cycles <= upto_cycle (<= the
 * current cycle: they are known one cycle ahead). Lets a wrapper hand over
 * cycle c's packets at the start of c, before injections made in c.
 * Returns 1 if on_eject held one (the rest stay queued), else 0. */
int noc_deliver(noc_t *n, uint64_t upto_cycle, noc_eject_fn on_eject, void *ctx);
/* Inside on_eject: the head injection cycle of the message's first packet
 * (it left the source queue) and the last packet's router-to-router hops. */
void noc_eject_info(const noc_t *n, uint64_t *inject_cycle, int *hops);
/* Inside on_eject: the flits of the packet whose tail arrived. */
int noc_eject_flits(const noc_t *n);
/* The blocked-VC report of the last watchdog stop ("" if none). */
const char *noc_watchdog_report(const noc_t *n);
/* A report of the VCs holding flits now, longest wait first (e.g. when a run
 * ends with packets undelivered); valid until the next report. */
const char *noc_blocked_report(noc_t *n);
/* The starvation monitor: flits found waiting at the front of their VC for
 * watchdog_cycles or more while the network moved (each wait counted once;
 * the report lists the first 64, "" if none). */
uint64_t noc_starved(const noc_t *n);
const char *noc_starvation_report(const noc_t *n);
/* Fairness diagnostics (test_noc checks the bounds docs/noc.md states): when
 * on, every router step records, for each input VC, in how many cycles it
 * asked the switch allocator (a front flit ready to go, or a multicast
 * fan-out) without a grant since its last one, and in how many it asked the
 * VC allocator with a free VC of its class (room for the packet for
 * multicast) on a candidate port without a grant. Costs host time: for
 * tests. */
typedef struct noc_fairness {
    uint64_t sa_max_wait_cycles, va_max_wait_cycles;
    int sa_router, sa_port, sa_vc; /* where the longest switch wait was */
    int va_router, va_port, va_vc;
} noc_fairness_t;
void noc_fairness_probe(noc_t *n, int on);
void noc_fairness(const noc_t *n, noc_fairness_t *f);
/* Flits waiting in endpoint e's source queue. */
uint64_t noc_source_queued_flits(const noc_t *n, int e);
/* Flits endpoint e's source has sent into its router's injection port (since
 * creation or the last noc_stats_reset). */
uint64_t noc_source_flits(const noc_t *n, int e);

/* ---- statistics (counted since creation or the last noc_stats_reset) ---- */
typedef struct noc_stats {
    uint64_t cycles;
    uint64_t packets_injected;    /* head entered the network */
    uint64_t packets_ejected;
    uint64_t flits_injected;
    uint64_t flits_ejected;
    uint64_t buffer_writes;
    uint64_t buffer_reads;
    uint64_t vc_allocs;
    uint64_t sw_allocs;
    uint64_t xbar_flits;
    uint64_t link_flits;          /* router-to-router link traversals */
    uint64_t queued_flits;        /* in source queues now */
    uint64_t flits_in_network;    /* now */
    double sum_packet_latency_cycles;
    double sum_network_latency_cycles;
    double sum_hops;
    double dynamic_energy_pj;
    double leakage_energy_pj;
    double router_area_mm2;       /* all routers */
    double link_area_mm2;         /* all links */
} noc_stats_t;

/* Every noc_stats_t field as a descriptor (base/desc.h: its JSON key, unit
 * and meaning), in field order. */
extern const desc_t noc_stat_table[];
extern const int noc_stat_count;

void noc_stats(const noc_t *n, noc_stats_t *s);
void noc_stats_reset(noc_t *n);
/* Flits sent by router r through output port p (0 E,1 W,2 N,3 S, 4+l local l)
 * since the reset; -1 when the port has no link (mesh edge). */
int64_t noc_port_flits(const noc_t *n, int r, int port);

/* Link loads without simulation (noc_load.c): flits per router output port
 * (numbered as noc_port_flits; then port 4 + C + l: endpoint l's injection
 * channel into the router) of messages added along their dimension-order
 * routes (multicast: the tree, each branch once; without chip.noc.multicast a
 * copy per destination, as the network sends it). NULL on odd_even routing
 * (with a message in d) or out of memory. */
typedef struct noc_load noc_load_t;
/* 1 when the routing has fixed routes to load (not the adaptive odd_even). */
int noc_load_routes_fixed(const noc_config_t *c);
noc_load_t *noc_load_new(const noc_config_t *c, imc_diag_t *d);
void noc_load_free(noc_load_t *l);
/* One message of `flits` from endpoint src to the endpoints dst[0..n). */
void noc_load_add(noc_load_t *l, int src, const int *dst, int n, uint64_t flits);
/* The busiest port's flits, and where it is. */
uint64_t noc_load_busiest(const noc_load_t *l, int *router, int *port);
uint64_t noc_load_port(const noc_load_t *l, int router, int port);
/* Neighbour router of output port p (0..3) of router r, or -1. */
int noc_neighbor(const noc_t *n, int r, int port);
/* Flits that crossed router r's crossbar since the reset. */
uint64_t noc_router_flits(const noc_t *n, int r);
/* Cycles router r held at least one flit since the reset. */
uint64_t noc_router_busy_cycles(const noc_t *n, int r);

#ifdef __cplusplus
}
#endif
#endif
