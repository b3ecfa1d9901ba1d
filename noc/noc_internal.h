/* Private layout of noc_t, shared by noc.c (set-up) and noc_step.c (the
 * cycle loop). Not part of the API. */
#ifndef IMC_NOC_INTERNAL_H
#define IMC_NOC_INTERNAL_H

#include <stdint.h>

#include "noc.h"

/* VC_MC: the front packet goes to several destinations and the router
 * replicates it (noc_mcast.c); its branches have their own state. */
enum { VC_IDLE = 0, VC_VA = 1, VC_ACTIVE = 2, VC_MC = 3 };

/* The default configuration (the arch defaults, which the ISAAC and PUMA
 * presets keep: 2 VCs of 8 flits, one-cycle credits and VA, greedy VA,
 * separable input-first SA, no speedup): the cycle loop inlines its router
 * step with these as constants (noc_t.default_step; test_noc checks that
 * noc_config_default() takes it). */
enum { NOC_DEF_VCS = 2, NOC_DEF_BUF = 8, NOC_DEF_CREDIT = 1, NOC_DEF_VA_DELAY = 1 };

enum { NOC_STEP_DEFAULT, NOC_STEP_DEFAULT_MC, NOC_STEP_ANY };

/* Networks of up to this many routers keep a table of the hops between
 * every pair (2 MB at most): the wake-up bounds ask for hops all the time. */
#define NOC_RHOPS_MAX 1024

/* Crossbar ports of a router: with input (output) speedup 2, two per input
 * (output) port. */
#define NOC_MAX_XPORTS (2 * (4 + NOC_MAX_CONCENTRATION))
/* VA requests one router can have in a cycle (one per input VC). */
#define NOC_MAX_VA_ROWS ((4 + NOC_MAX_CONCENTRATION) * NOC_MAX_VCS)

/* A topology (noc_topo.c's registry): the routers form a kx x ky grid,
 * router r at (r % kx, r / kx); the topology says which links exist and
 * which way along a dimension is minimal. */
typedef struct noc_topo_ops {
    const char *name;
    /* The router one step from (x, y) through network port `port`, or -1
     * when there is no link; *wrap = 1 for a wrap-around link. */
    int (*neighbor)(const noc_config_t *c, int x, int y, int port, int *wrap);
    /* The minimal step along a dimension of k routers from coordinate a
     * toward b: -1, 0 or +1. */
    int (*step)(int k, int a, int b);
    /* Hops along a dimension of k routers between coordinates a and b. */
    int (*dist)(int k, int a, int b);
} noc_topo_ops_t;

const noc_topo_ops_t *noc_topo(arch_topology_t t); /* NULL when unknown */

/* Bit i of a set of 64-bit words (active routers and sources). */
static inline void noc_bit_set(uint64_t *w, int i) { w[i >> 6] |= 1ull << (i & 63); }
static inline void noc_bit_clear(uint64_t *w, int i) { w[i >> 6] &= ~(1ull << (i & 63)); }

/* Router ports: 0 east (+x), 1 west (-x), 2 north (+y), 3 south (-y), then
 * the local ports 4 + l. */
enum { NOC_EAST, NOC_WEST, NOC_NORTH, NOC_SOUTH, NOC_NET_PORTS };
static inline int noc_opposite(int p) { return p ^ 1; } /* E<->W, N<->S */

/* An input VC as one word, router << 12 | port << 6 | vc: the upstream owner
 * of a VC (noc_t.up) and the timer wheel's entries. */
#define NOC_WHERE_VC_BITS 6
#define NOC_WHERE_PORT_BITS 6
static inline uint32_t noc_where(int r, int port, int vc)
{
    return (uint32_t)r << (NOC_WHERE_VC_BITS + NOC_WHERE_PORT_BITS) |
           (uint32_t)port << NOC_WHERE_VC_BITS | (uint32_t)vc;
}
static inline int noc_where_router(uint32_t w) { return (int)(w >> (NOC_WHERE_VC_BITS + NOC_WHERE_PORT_BITS)); }
static inline int noc_where_port(uint32_t w) { return (int)(w >> NOC_WHERE_VC_BITS & ((1u << NOC_WHERE_PORT_BITS) - 1)); }
static inline int noc_where_vc(uint32_t w) { return (int)(w & ((1u << NOC_WHERE_VC_BITS) - 1)); }

/* Flits and credits keep the low 32 bits of their cycle: they are at most a
 * few cycles ahead of now when written, so noc_unwrap() recovers the cycle
 * (an entry older than now is only ever compared with now). 8-byte flits keep
 * the rings small, which is most of the host time. */
typedef struct noc_flit {
    uint32_t ready;  /* first cycle this flit may be used in this buffer, mod 2^32 */
    uint32_t pf;     /* packet index | NOC_F_HEAD | NOC_F_TAIL */
} noc_flit_t;
#define NOC_F_HEAD 0x80000000u
#define NOC_F_TAIL 0x40000000u
#define NOC_F_PKT 0x3fffffffu

/* The cycle of a stored low word v: v - now (mod 2^32) within [0, ahead]
 * is that far ahead; anything else lies in the past (returned as now). */
static inline uint64_t noc_unwrap(uint32_t v, uint64_t now, uint32_t ahead)
{
    uint32_t d = v - (uint32_t)now;
    return d <= ahead ? now + d : now;
}

typedef struct noc_ivc {
    /* the receiving router's side; the front flit's ready cycle is
     * mirrored here so the per-cycle checks do not touch the flit ring (its
     * packet is read from the ring, by va_enter only) */
    uint64_t stage_ready;      /* VA cycle (in VC_VA) */
    uint64_t front_ready;      /* ready cycle of the front flit (a granted head:
                                  its first SA cycle) */
    /* its recent reads (a VC sends at most one flit a cycle): the last at
     * pop_t (UINT64_MAX: none yet), and with credit_delay > 1 bit k = one
     * at cycle pop_t - k; their credits are on their way back upstream for
     * credit_delay cycles (credits_out) */
    uint64_t pop_t;
    uint64_t pop_bits;
    uint32_t fbase;            /* index of this VC's ring in flits[] */
    uint32_t out_ivc;          /* downstream input VC allocated (network output) */
    uint16_t head, count;      /* flit ring */
    /* the upstream side (router or source) feeding this VC; its free
     * slots are vc_buf_flits - count - credits_out() */
    uint8_t owned;             /* local ports: allocated to a packet by the source
                                  (network ports: the upstream router's oown) */
    uint8_t state;             /* VC_IDLE / VC_VA / VC_ACTIVE for the front packet */
    uint32_t cand;             /* candidate output ports (bit mask, up to 20) while VC_VA */
    uint8_t vc_lo, vc_hi;      /* output VC class [lo, hi) */
    int8_t out_port;
    uint8_t out_vc;
    uint8_t up_parked;         /* that upstream VC waits for this one's credits (cwait) */
    uint8_t whole;             /* its head is a multicast packet passing through on one
                                  output port: VA by virtual cut-through (noc_mc_enter) */
    uint8_t whole_up;          /* such a head or a replicating VC upstream waits for room
                                  on this VC's port (noc_wait_room) */
    int32_t mcv;               /* in VC_MC: its noc_mcvc_t, else -1 (in the line's
                                  padding: a lookup beside the VC's other fields) */
} noc_ivc_t;
_Static_assert(sizeof(noc_ivc_t) == 64, "an input VC is one 64-byte line (noc.c)");

/* One input port's VC masks, together: a router step reads them all. */
typedef struct noc_rport {
    /* VCs holding flits, but for a head waiting on the timer wheel for
     * its VA cycle (va_enter): nothing to do until then */
    uint64_t nonempty;
    /* VCs in VC_ACTIVE: the switch bid scans only these, so the hot loop
     * never reads the state of VCs still in RC/VA */
    uint64_t vact;
    /* VCs whose VA request found every VC of its class owned on every
     * candidate port: it fails again until one of those ports releases a
     * VC (a tail leaves through it; no other state frees one), so they are
     * left out of the scan; the next VA after a release (va_arm) tries them
     * again, still parked until granted */
    uint64_t vwait;
    /* active VCs whose front flit waits for a credit with none in flight:
     * only the downstream VC sending a flit on (traverse) can return one,
     * and it takes them off this mask */
    uint64_t cwait;
} noc_rport_t;

/* Laid out by use, in four 64-byte lines whatever the concentration: the
 * first holds what every step and every arriving or leaving flit touch, the
 * next two the crossbar pointers and what a tail leaving through an output
 * touches, the last the rarer fields. The per-port arrays live in arrays
 * sized to the real port count (noc_t.rin etc.): sized for
 * NOC_MAX_CONCENTRATION in the record, a router of 8 ports spread the 12
 * lines it used over 27, and the records crowded the VCs out of L1. */
typedef struct noc_router {
    _Alignas(64) uint32_t ports; /* input ports with a live VC (see live()) */
    int flits;                 /* flits held in the input buffers */
    uint32_t wports;           /* input ports with a VC in vwait */
    uint32_t varm;             /* network outputs that released a VC with waiters (va_arm) */
    uint16_t va_rr;            /* flattened (port, vc) priority pointer */
    uint16_t mcn;              /* VCs in VC_MC (noc_mcast.c) */
    noc_ivc_t *ivb;            /* its input VCs */
    noc_rport_t *in;           /* [P] its input ports' VC masks */
    int32_t nbr[4];            /* its neighbours (noc_t.nbr) */
    /* [P] flits out of each output port: here, not by oown, so a body flit
     * leaving touches no third line */
    uint64_t *port_flits;
    uint8_t in_rr[NOC_MAX_XPORTS];  /* VC pointer per crossbar input (0..V) */
    uint8_t out_rr[NOC_MAX_XPORTS]; /* crossbar input pointer per crossbar output */
    /* per network output port: the downstream input VCs allocated to a
     * packet (VA), until its tail leaves through the port; bits >= V are
     * set, so ~0 means all owned */
    uint64_t oown[4];
    uint64_t busy_since;       /* while it holds flits: the first cycle of that span */
    /* [P][4] per input port and network output port: the VCs in vwait with
     * that output among their candidates (va_arm reads them, no VC state) */
    uint64_t (*vwo)[4];
    /* per network output port: the input ports with a parked head passing
     * through (whole, in vwait) or a parked replicating VC (noc_mcvc_t.parked)
     * that waits for a VC of that port with room for its packet
     * (noc_wait_room) */
    uint32_t wwp[4];
    uint16_t wneed[4];         /* and the fewest flits one of them needs room for */
    uint32_t mcvp;             /* input ports with a replicating VC asking for VA (mcva) */
    uint8_t ovc_rr[4];         /* output VC pointer per network output port */
    uint64_t busy_cycles;      /* cycles with flits, up to busy_since */
    uint8_t *acc_rr;           /* [2P] iSLIP accept pointer per crossbar input */
} noc_router_t;
_Static_assert(sizeof(noc_router_t) == 256, "a router is four 64-byte lines");

typedef struct noc_pkt {
    int32_t src, dst, flits, next;
    int32_t done;              /* its message's completion record, -1: one packet */
    int32_t di;                /* a multicast copy for one destination (ds = -1):
                                  dst's index in its message's sorted dst (noc_mcm_t);
                                  0 as the source makes it, right for a packet ejected
                                  whole (its message's only destination) */
    uint64_t tag;
    uint64_t t_create, t_inject;
    int16_t hops;
    int8_t last_dim;           /* dimension of the last hop (torus dateline) */
    uint8_t dl;                /* crossed the dateline in last_dim */
    /* A final packet (the last of its message, or one handed over on its
     * own) counts in fin_left[left] until its tail is on the ejection
     * channel (ejecting): noc_bound.c */
    uint8_t fin;
    uint8_t ejecting;
    int16_t left;              /* router-to-router hops its head has to go */
    /* multicast: the message's completion record (noc_mcm_t), or -1; a
     * packet for several destinations has their set (ds, noc_dset_t; dst
     * is then the first of them), others ds = -1 */
    int32_t mc, ds;
} noc_pkt_t;

typedef struct noc_dset {      /* a sorted set of destination endpoints (noc_dset.c) */
    int32_t n, next;           /* next: free list */
    int32_t cap;               /* d's length (kept while on the free list) */
    int32_t refs;              /* packets and splits holding it; 0: cached, idle */
    int32_t split;             /* its splits at the routers it reached, a list */
    uint32_t hash;
    uint8_t cached;            /* interned (in noc_t.dhash), not on the free list */
    int32_t *d;
} noc_dset_t;

typedef struct noc_split_br {  /* one branch of a split */
    int8_t port;               /* the router's output port */
    int32_t ds;                /* its destinations (a set, held), or -1: just dst */
    int32_t dst;               /* the first of them */
    int32_t hops_next;         /* from the next router to the nearest (0: local) */
} noc_split_br_t;

typedef struct noc_split {     /* a set's destinations grouped at router r */
    int32_t r, next;           /* next: the set's list, or the free list */
    int32_t nbr;
    uint32_t used;             /* the output ports (a bit each) */
    noc_split_br_t br[4 + NOC_MAX_CONCENTRATION];
} noc_split_t;

typedef struct noc_mcm {       /* a multicast message until every copy arrived */
    int32_t ndst, live, next;  /* live: destinations still waiting */
    int32_t min_hops;          /* from the source to the nearest destination */
    int32_t cap;               /* dst's and left's length (kept while free) */
    int32_t *dst;              /* sorted */
    int32_t *left;             /* per destination: packets not yet delivered */
    int32_t *coming;           /* per destination: packets whose tail is not yet on
                                  its ejection channel (output speedup: the last one
                                  completes it, noc_delivery_bound) */
    uint64_t first_inject;     /* head injection of its first packet */
    int32_t ds;                /* its set, referenced for the packets still to inject
                                  (ni_step), or -1 */
} noc_mcm_t;

/* A VC replicating a multicast packet: one branch per output port. A branch
 * sends the packet's flits in order (sent); a flit leaves the buffer once
 * every branch sent it (popped). */
typedef struct noc_branch {
    int8_t port;
    uint8_t state;             /* NOC_BR_VA, NOC_BR_GO, NOC_BR_DONE */
    uint8_t out_vc, lo, hi;    /* its output VC and class [lo, hi) */
    uint16_t aptr;             /* fair VA: its pointer over output VCs */
    int32_t out_ivc;           /* the downstream input VC (network port) */
    int32_t child;             /* the copy it sends (a packet record) */
    int32_t ds;                /* its destinations (several), or -1: dst */
    int32_t dst;
    int32_t sent;
    /* router-to-router hops to the nearest of its destinations, from this
     * router and from the next one (noc_bound.c) */
    int32_t hops_here, hops_next;
    uint64_t sa_ready;         /* first SA cycle after its VA */
} noc_branch_t;
enum { NOC_BR_VA, NOC_BR_GO, NOC_BR_DONE };

typedef struct noc_mcvc {
    int32_t pid;               /* the packet being replicated */
    int32_t popped;            /* its flits every branch sent */
    int32_t nbr, next;         /* branches; free list */
    int32_t lag;               /* the laggards' flits sent (refresh_view), -1: none */
    uint32_t lagm;             /* the laggards: GO branches with lag flits sent (bits) */
    uint32_t gom;              /* the GO branches (bits) */
    int32_t copies;            /* flits its branches sent, in all */
    uint32_t round_m;          /* lagm when last worked out: the round's laggards */
    int32_t nva, ndone;        /* branches waiting for VA, and done */
    int32_t parked;            /* its waiting branches wait for room (noc_mc_va) */
    /* the laggards' memo (noc_mcast.c lag_memo): the set (lagm) it was
     * worked out for, their ports, the last of their first SA cycles and
     * the one ready first */
    uint32_t out_lagm, out_ports;
    uint64_t out_ready;
    int8_t out_best;
    int8_t br_of[4 + NOC_MAX_CONCENTRATION]; /* the branch of each output port it uses */
    noc_branch_t br[4 + NOC_MAX_CONCENTRATION];
} noc_mcvc_t;

typedef struct noc_msg {       /* a message in a source queue */
    int32_t dst, flits, pf, next; /* flits: not yet sent as packets */
    int32_t done;              /* completion record (messages of 2+ packets), else -1 */
    int32_t mc;                /* multicast: its noc_mcm_t, else -1 (dst then counts) */
    uint64_t tag, t_create;
} noc_msg_t;

typedef struct noc_done {      /* a message of several packets until its last arrives */
    int32_t left, next;        /* packets not yet ejected; free-list link */
    int32_t orphan;            /* its final packet arrived before another one */
    uint64_t first_inject;     /* head injection of its first packet */
} noc_done_t;

typedef struct noc_ni {        /* one endpoint's source queue and injector */
    int32_t qhead, qtail;      /* FIFO of waiting messages */
    int32_t cur;               /* packet being injected, or -1 */
    int32_t sent;              /* its flits already sent */
    int32_t vc;
    uint32_t vc_rr;
    uint64_t queued_flits;
    uint64_t injected;         /* flits it sent (statistics: noc_source_flits) */
    uint32_t ivb;              /* ivc index of VC 0 of its router's local input port */
    int32_t flits;             /* cur's flits (its body flits need no packet record) */
    uint64_t lb;               /* a bound on its queue's next hand-over (noc_bound.c) */
    int32_t need;              /* asleep (ni_sleep): the free slots of one VC it waits for */
    int32_t r;                 /* its router */
    int32_t port;              /* its router's input port */
} noc_ni_t;

typedef struct noc_ej {        /* a flit on its way over an ejection channel */
    uint64_t time;
    int32_t pkt;
    uint8_t tail;
} noc_ej_t;

typedef struct noc_ejb {       /* flits that arrive over the ejection channels in a cycle */
    uint64_t time, n;
} noc_ejb_t;

/* With output speedup: a flit on its way over an ejection channel, in a
 * binary heap by (time, send order) (noc_t.tail_due, body_due, fin_due) */
typedef struct noc_ejh {
    uint64_t time, seq;
    int32_t pkt;               /* tail_due: its packet (else unused) */
} noc_ejh_t;

typedef struct noc_ejheap {
    noc_ejh_t *v;
    int n, cap;
} noc_ejheap_t;

struct noc {
    noc_config_t cfg;
    const noc_topo_ops_t *topo;
    int R, C, P, V, B, E;
    uint32_t bmask;            /* a VC's flit ring: the power of two >= B, less one */
    int rd;                    /* effective routing delay */
    int cd;                    /* effective credit delay: credit_delay + credit_latency */
    int va_det;                /* every VA request: one candidate, the whole class [0, V) */
    int dateline;              /* torus dateline classes: heads track last_dim and dl */
    /* the default configuration (NOC_DEF_*), whose router step the cycle
     * loop inlines with constants */
    int default_step;
    /* the default router (greedy VA, separable input-first SA, no speedup
     * or tail-credit wait) with any buffers and delays */
    int plain_step;
    int step_kind;             /* NOC_STEP_*: which router step the cycle loop runs */
    /* a multicast packet with one branch at a router goes on as itself
     * (noc_mc_enter; plain_step, where the two are the same cycle for
     * cycle: test_noc compares them) */
    int mc_pass;
    /* fair VA (noc_alloc.c): a pointer per output VC [R][4][V] over the
     * router's input VCs, and per input VC [R][P][V] over output VCs */
    uint16_t *va_gptr, *va_aptr;
    /* output speedup: the arrival cycle of the last flit sent through each
     * output port [R][P] (its queue sends one a cycle) */
    uint64_t *olast;
    /* wait_for_tail_credit: input VCs whose tail's credit frees the upstream
     * output VC, by cycle mod (relmask + 1), linked through rel_next */
    uint32_t *rel_head, *rel_next, relmask;
    uint64_t rel_pending;
    int fwd;                   /* SA + ST + link: switch win to downstream arrival */
    noc_ivc_t *ivc;            /* [R][P][V] */
    uint32_t *up;              /* [R][P][V] the upstream input VC owning it (network
                                  ports), as router << 12 | port << 6 | vc */
    noc_flit_t *flits;         /* [R][P][V][bmask + 1] (a power of two: no wrap tests) */
    uint32_t ahead;            /* largest flit look-ahead: max(fwd, link latency) */
    noc_router_t *rt;
    /* the routers' per-port arrays (noc_router_t.in, port_flits, vwo,
     * acc_rr): [R][P], [R][P], [R][P][4], [R][2P] */
    noc_rport_t *rin;
    uint64_t *rport_flits, (*rvwo)[4];
    uint8_t *racc_rr;
    int *nbr;                  /* [R][4] */
    uint32_t *dnb;             /* [R][4] ivc index of VC 0 of the neighbour's facing input port */
    uint8_t *rtab;             /* [R][E] memoised route() masks (0 = not yet; a local
                                  port p as 12 + p, see va_enter), when
                                  they depend on router and destination only */
    uint8_t *wrap;             /* [R][4] wrap-around link */
    noc_ni_t *ni;
    uint64_t *ractive, *eactive, *rsnap;
    uint64_t *equeued;         /* endpoints with a message in their source queue */
    int rwords, ewords;
    /* timer wheel of VCs waiting for their VA cycle: per cycle mod
     * (twmask + 1) a list of ivc indices linked through tw[] */
    uint32_t *tw_head;
    struct {
        uint32_t next;
        uint32_t where;        /* its router << 12 | port << 6 | vc */
    } *tw;
    uint32_t twmask;
    noc_pkt_t *pkt;            /* packets from injection to ejection */
    int npkt_cap, free_pkt;
    noc_msg_t *msg;            /* messages in source queues */
    int nmsg_cap, free_msg;
    noc_done_t *done;          /* messages with packets in flight */
    int ndone_cap, free_done;
    /* multicast (noc_mcast.c): messages, destination sets, replicating VCs
     * (noc_ivc_t.mcv) and per router and input port the VC_MC VCs with a
     * branch waiting for VA (mcva; NULL without multicast) */
    noc_mcm_t *mcm;
    int nmcm_cap, free_mcm;
    noc_dset_t *dset;
    int ndset_cap, free_dset;
    int32_t *dhash;            /* open addressing over the cached sets' ids, -1: empty */
    uint32_t dhmask;
    int dsets_cached, dsets_idle, dset_idle_max;
    noc_split_t *split;
    int nsplit_cap, free_split;
    noc_mcvc_t *mcv;
    int nmcv_cap, free_mcv;
    uint64_t *mcva;
    /* [R][E] noc_tree_port() of every router and endpoint (networks with
     * R * E <= 2^22), or NULL */
    uint8_t *mtree;
    int32_t *mc_tmp;           /* noc_mc_enter's scratch: 2 * mc_tmp_cap entries */
    int mc_tmp_cap;
    int orphans;               /* messages whose final packet was overtaken */
    /* noc_bound.c */
    int *fin_left;             /* [kx + ky] final packets by hops their head has to go */
    uint64_t src_lb;           /* <= every source's lb */
    int16_t *epx, *epy;        /* [E] router coordinates of each endpoint */
    uint16_t *rhops;           /* [R][R] hops between routers (R <= NOC_RHOPS_MAX), or NULL */
    noc_ej_t *ej;
    int ej_head, ej_count, ej_cap;
    /* the head and body flits on the ejection channels, which are only
     * counted when they arrive: how many arrive in each cycle, in time order
     * (without output speedup, where they arrive in the order sent; with
     * it they queue in ej like the tails). The ring was most of ej's
     * traffic, and noc_delivery_bound scanned past them. */
    noc_ejb_t *ejb;
    noc_ejb_t *ejb_last;       /* its newest entry (while ejb_count > 0): most flits join it */
    int ejb_head, ejb_count, ejb_cap;
    /* With output speedup a local output's queue sends a flit a cycle, so
     * its flits arrive later than flits other routers send after them, up
     * to a queue's depth (thousands of cycles) ahead: the tails wait in
     * tail_due and the head and body flits in body_due until their cycle
     * comes (ej_due), then join ej / the count in that order. (Insertion into
     * ej in time order cost 88 % of such a run.) fin_due: the tails among
     * them that may complete their message, for noc_delivery_bound. */
    noc_ejheap_t tail_due, body_due, fin_due;
    uint64_t ejh_seq;          /* send order of the tails */
    uint64_t now;
    uint64_t in_network;       /* flits in router buffers */
    uint64_t queued_flits;
    uint64_t last_progress;
    char *report;              /* the last watchdog or blocked-VC report */
    /* noc_monitor.c: the next scan cycle, the report of flits waiting
     * longer than the watchdog and how many there were, and per VC the
     * packet last reported there (+1; 0 = none) so a wait is reported once */
    uint64_t mon_next, mon_period;
    char *starve;
    size_t starve_len, starve_cap;
    uint64_t starved;
    uint32_t *mon_seen;
    /* noc_monitor.c: the fairness probe (noc_fairness_probe), or NULL */
    struct noc_probe *probe;
    uint64_t ej_inject;        /* noc_eject_info() of the packet being delivered */
    int ej_hops, ej_flits;
    /* counters since the last reset */
    noc_stats_t st;
    uint64_t stats_start;
};

int noc_pkt_alloc(noc_t *n); /* -1 when 2^30 packets are alive */

/* The credits of input VC d still on their way back upstream at cycle t:
 * one per flit read out in the last credit_delay cycles (read at cycle p,
 * its slot is usable upstream from p + credit_delay on). */
static inline int credits_out(const noc_ivc_t *d, uint64_t t, int credit_delay)
{
    uint64_t age = t - d->pop_t, cd = (uint64_t)credit_delay;
    if (age >= cd)
        return 0;
    if (cd == 1) /* read at t */
        return 1;
    int k = 0;
    for (uint64_t b = d->pop_bits & (~0ull >> (64 - (cd - age))); b; b &= b - 1)
        k++;
    return k;
}

/* The free slots of d the upstream side knows of at cycle t: a flit holds
 * its slot from its sending on (count), a read one until its credit is
 * back. */
static inline int credits(const noc_t *n, const noc_ivc_t *d, uint64_t t)
{
    return n->B - d->count - credits_out(d, t, n->cd);
}

/* credits() > 0, most often known without the look at recent reads. */
static inline int has_credit(const noc_ivc_t *d, uint64_t t, int cd, int B)
{
    int fr = B - d->count;
    return fr > cd || (fr > 0 && fr > credits_out(d, t, cd));
}

/* The VCs [lo, hi) as a mask (hi <= 64). */
static inline uint64_t noc_vc_class(int lo, int hi)
{
    return (hi >= 64 ? ~0ull : (1ull << hi) - 1) & (~0ull << lo);
}

/* The VCs of class [lo, hi) on network output o of router r that no packet
 * owns and whose free slots hold a whole packet of `flits` flits: the VCs
 * a multicast packet may take (virtual cut-through, noc_mcast.c). */
static inline uint64_t noc_whole_vcs(const noc_t *n, int r, int o, int lo, int hi, int flits,
                                     uint64_t t)
{
    const noc_ivc_t *d = &n->ivc[n->dnb[r * NOC_NET_PORTS + o]];
    uint64_t ok = 0;
    for (uint64_t fr = noc_vc_class(lo, hi) & ~n->rt[r].oown[o]; fr; fr &= fr - 1) {
        int v = __builtin_ctzll(fr);
        if (credits(n, &d[v], t) >= flits)
            ok |= 1ull << v;
    }
    return ok;
}

/* Greedy VA's pick among the VCs fr (of class [lo, hi)) of network output
 * o: the first from the port's VC pointer on, wrapping; the pointer moves
 * past it. */
static inline int noc_take_vc(noc_router_t *rt, int o, uint64_t fr, int lo, int hi)
{
    int span = hi - lo, j = rt->ovc_rr[o];
    if (j >= span)
        j = 0;
    uint64_t from = fr & (~0ull << (lo + j));
    int ov = __builtin_ctzll(from ? from : fr), nx = ov - lo + 1;
    rt->ovc_rr[o] = (uint8_t)(nx == span ? 0 : nx);
    return ov;
}

/* noc_alloc.c: separable allocators with a round-robin pointer per resource
 * (gptr, over requester ids 0..nid-1) and per requester (aptr, over
 * resources 0..nres-1); pointers are stored as the next index to favour
 * (nid or nres read as 0). `match` is the granted resource or -1. */
#define NOC_ALLOC_WORDS 4 /* resources: up to 4 ports x 64 output VCs */
typedef struct noc_alloc_row {
    uint64_t req[NOC_ALLOC_WORDS]; /* resources asked for */
    uint16_t *aptr;
    int id;
    int pick;                      /* separable_input_first: its input-stage choice */
    int match;
    int br;                        /* the caller's: a multicast branch, or -1 */
} noc_alloc_row_t;
void noc_alloc_separable_if(noc_alloc_row_t *rows, int nrows, int nres, int nid, uint16_t *gptr);
/* iSLIP with `iters` iterations; one iteration is the separable
 * output-first allocator. */
void noc_alloc_islip(noc_alloc_row_t *rows, int nrows, int nres, int nid, uint16_t *gptr,
                     int iters);

/* noc_mcast.c: replication in routers (docs/noc.md "Multicast"). The router
 * step calls these for VCs in VC_MC only. */
void noc_mc_enter(noc_t *n, int r, noc_ivc_t *iv);             /* branches of a new head */
void noc_mc_arrive(noc_t *n, int r, noc_ivc_t *iv, uint64_t ready); /* a flit came in */
int noc_mc_va(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, uint64_t t); /* greedy VA */
/* Fair VA: a row per branch waiting (returns how many; ejection branches
 * are granted at once), and a row's grant. */
int noc_mc_va_rows(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, uint64_t t,
                   noc_alloc_row_t *rows);
void noc_mc_grant_row(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, int br, int out_vc,
                      uint64_t t);
/* The VC_MC VCs of router r with a branch waiting for VA join its requests. */
void noc_mc_requests(noc_t *n, int r, uint64_t *va_req, uint32_t *va_ports);
/* Output ports the VC's next flit can go to at cycle t (its fan-out). */
uint32_t noc_mc_outputs(const noc_t *n, const noc_ivc_t *iv, uint64_t t);
/* Send the next flit of the branches on output ports outs[0..k), in that
 * order (the crossbar's); 1 when the last copy completed the copies of the
 * flit the branches wait on. last = 0: the VC sends on another output later
 * in this cycle (its view waits for that). */
int noc_mc_send(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, const int8_t *outs, int k,
                uint64_t t, int last);
/* noc_step.c, for noc_mcast.c: a copy of a flit onto output `out` of
 * router r (downstream VC out_ivc, or the ejection channel), the front
 * flit's removal from a VC, and an output VC's release. */
void noc_copy_out(noc_t *n, int r, int out, int out_vc, uint32_t out_ivc, uint32_t pf, uint64_t t);
void noc_pop_front(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, uint64_t t);
void noc_release_out(noc_t *n, int r, int out, int out_vc);
/* A new head at the front of VC (r, port, vc): RC, then VA from cycle tr
 * + routing delay (the VC leaves the live set until then). */
void noc_next_head(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, uint64_t tr);
void noc_mc_pkt_free(noc_t *n, int pid); /* a packet record's destination set */
/* Waiting for room (noc_step.c): can a free VC of class [lo, hi) on network
 * output o of router r take `flits` flits once the credits on their way are
 * back; the input port `port` waits for room on o (whole_wake wakes it); VC
 * (r, port, vc) leaves the live set (vwait). */
int noc_room_coming(const noc_t *n, int r, int o, int lo, int hi, int flits);
void noc_wait_room(noc_t *n, noc_router_t *rt, int r, int port, int o, int flits);
void noc_vwait(noc_t *n, int r, int port, int vc);
/* A replicating VC parked for room (noc_mc_va) with a branch on output o:
 * it asks again. */
void noc_mc_unpark(noc_t *n, int r, int port, int vc, noc_ivc_t *iv, int o);
int noc_tree_port(const noc_t *n, int r, int e); /* router r's port toward endpoint e */
/* A scratch array of at least 2 * k entries, valid until the next call. */
int32_t *noc_mc_scratch(noc_t *n, int k);
/* noc_dset.c: the interned set equal to the sorted d[0..k), with a
 * reference for the caller; another reference to set id; one less (the set
 * stays cached while idle); the index of set id's split at router r
 * (noc_t.split, valid until the next split or set is made); destroy. */
int noc_dset_get(noc_t *n, const int32_t *d, int k);
int noc_dset_ref(noc_t *n, int id);
void noc_dset_put(noc_t *n, int id);
int noc_dset_split(noc_t *n, int id, int r);
void noc_dset_free_all(noc_t *n);
int noc_mc_deliver(noc_t *n, noc_eject_fn cb, void *ctx); /* the copy at the channel's head */
/* noc.c's record pools: -1 when full */
int noc_mcm_alloc(noc_t *n);
int noc_dset_alloc(noc_t *n);
int noc_split_alloc(noc_t *n);
int noc_mcv_alloc(noc_t *n);

/* noc_monitor.c: the watchdog stop (report in n->report) and the periodic
 * starvation scan (n->mon_next). */
void noc_watchdog_stop(noc_t *n, uint64_t t);
void noc_monitor_scan(noc_t *n, uint64_t t);
/* The fairness probe around a router step (only when n->probe is set). */
void noc_probe_before(noc_t *n, int r, uint64_t t);
void noc_probe_after(noc_t *n, int r, uint64_t t);


/* Router-to-router hops between endpoints src and dst on a minimal path:
 * noc_hops(), inlined for noc_bound.c (from the table of router pairs when
 * the network has one). */
static inline int noc_ep_hops(const noc_t *n, int src, int dst)
{
    if (n->rhops)
        return n->rhops[(size_t)(src / n->C) * (size_t)n->R + (size_t)(dst / n->C)];
    return n->topo->dist(n->cfg.kx, n->epx[src], n->epx[dst]) +
           n->topo->dist(n->cfg.ky, n->epy[src], n->epy[dst]);
}

/* Router r's grid coordinates. */
static inline void noc_router_xy(const noc_t *n, int r, int *x, int *y)
{
    *x = r % n->cfg.kx;
    *y = r / n->cfg.kx;
}

/* noc_bound.c: packet id was just made a final packet; a message was
 * queued at source e in cycle t */
void noc_bound_packet(noc_t *n, int id);
void noc_bound_source(noc_t *n, int e, uint64_t t);

#endif
