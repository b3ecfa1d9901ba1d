/* Synthetic traffic for a standalone network (BookSim 2's src/traffic.cpp): destination
 * patterns, Bernoulli injection with an explicit seed, and the warm-up /
 * measurement / drain protocol of BookSim. Used by `imcsim noc`, the tests and
 * the benchmark. */
#ifndef IMC_NOC_TRAFFIC_H
#define IMC_NOC_TRAFFIC_H

#include <stdint.h>

#include "noc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* xoshiro256** seeded through splitmix64: fast, and the same on every host. */
typedef struct noc_rng {
    uint64_t s[4];
} noc_rng_t;
void noc_rng_seed(noc_rng_t *g, uint64_t seed);
uint64_t noc_rng_next(noc_rng_t *g);
/* Uniform in [0, n). */
uint32_t noc_rng_below(noc_rng_t *g, uint32_t n);

typedef enum {
    NOC_TRAFFIC_UNIFORM,
    NOC_TRAFFIC_TRANSPOSE, /* router (x,y) -> (y,x), same local port */
    NOC_TRAFFIC_BITCOMP,   /* endpoint d = ~s (2^n endpoints) */
    NOC_TRAFFIC_BITREV,    /* d = s with its n bits reversed */
    NOC_TRAFFIC_SHUFFLE,   /* d = s rotated left by one bit */
    NOC_TRAFFIC_TORNADO,   /* (x + (kx-1)/2, y + (ky-1)/2), same local port */
    NOC_TRAFFIC_NEIGHBOR,  /* (x + 1, y + 1) mod k, same local port */
    NOC_TRAFFIC_HOTSPOT,   /* hotspot_frac to one endpoint, the rest uniform */
    NOC_TRAFFIC_COUNT_
} noc_traffic_t;

extern const char *const noc_traffic_names[NOC_TRAFFIC_COUNT_];
/* -1 when unknown. */
int noc_traffic_from_name(const char *name);
/* 0 when the pattern is defined on this network, else -1 with a message. */
int noc_traffic_check(noc_traffic_t t, const noc_t *n, imc_diag_t *d);
/* The destination endpoint for source src (random patterns draw from g). */
int noc_traffic_dest(noc_traffic_t t, const noc_t *n, int src, noc_rng_t *g,
                     double hotspot_frac, int hotspot);

typedef struct noc_synth {
    noc_traffic_t traffic;
    double rate;            /* offered flits per endpoint per cycle */
    int packet_flits;       /* 0 = the network's chip.noc.packet_flits */
    uint64_t warmup, measure;
    /* cycles allowed after the window for its packets to arrive (injection
     * goes on); 0 = NOC_SYNTH_DRAIN_WINDOWS measurement windows */
    uint64_t drain_max;
    uint64_t seed;
    double hotspot_frac;
    int hotspot;            /* endpoint; -1 = first endpoint of the centre router */
    int progress;           /* progress lines on stderr */
} noc_synth_t;

#define NOC_SYNTH_DRAIN_WINDOWS 10

void noc_synth_default(noc_synth_t *s);

/* A k x k mesh, one endpoint per router, 20-flit packets, 1 GHz, the
 * default router otherwise (2 VCs x 8 flits, 1-cycle stages): the network
 * of the synthetic studies and tests. */
void noc_config_mesh(noc_config_t *c, int k);

/* The router of BookSim 2's examples/mesh88_lat as docs/noc.md runs it
 * (8x8 mesh, one endpoint per router, XY, 8 VCs x 8 flits, 20-flit packets,
 * iSLIP VC and switch allocators, input speedup 2, tail-credit wait,
 * lookahead, VA 1 + SA 1 + ST 0 + link 2 cycles, credits 2 + 2 cycles). */
void noc_config_booksim_mesh88(noc_config_t *c);

/* Saturation tests over the measurement window (docs/noc.md), in the order
 * they are tried; the result names the first that fired. */
typedef enum {
    NOC_SAT_NONE,
    NOC_SAT_WATCHDOG,          /* the network stopped: deadlock */
    NOC_SAT_UNDELIVERED,       /* window packets still undelivered when the run ended */
    NOC_SAT_SOURCE_QUEUE,      /* a source queue grew through the window */
    NOC_SAT_LATENCY_TREND,     /* the window's last quarter waited much longer than its first */
    NOC_SAT_COUNT_
} noc_sat_test_t;
extern const char *const noc_sat_test_names[NOC_SAT_COUNT_];

/* A source queue growing by more than max(NOC_SAT_QUEUE_PACKETS packets,
 * NOC_SAT_QUEUE_FRAC of the flits a source offers in the window) through
 * the window fails the source-queue test; a last-quarter mean latency above
 * NOC_SAT_LATENCY_RATIO x the first quarter's fails the latency test. */
#define NOC_SAT_QUEUE_PACKETS 2
#define NOC_SAT_QUEUE_FRAC 0.05
#define NOC_SAT_LATENCY_RATIO 1.25

typedef struct noc_synth_result {
    /* over packets created in the measurement window and delivered
     * (latencies are meaningless when packets_delivered is 0) */
    double avg_packet_latency_cycles;
    double avg_network_latency_cycles;
    double avg_hops;
    uint64_t max_packet_latency_cycles;
    uint64_t p50_packet_latency_cycles, p95_packet_latency_cycles, p99_packet_latency_cycles;
    uint64_t packets_measured, packets_delivered;
    /* over the measurement window */
    double offered_flits_per_node_cycle;
    double accepted_flits_per_node_cycle;
    uint64_t flits_injected, flits_ejected;
    int64_t queue_growth_flits; /* source queues + network, end minus start of the window */
    uint64_t sim_cycles;        /* warm-up + measurement + drain */
    int drained, saturated, watchdog;
    noc_sat_test_t saturation_test;  /* the first test that fired, or NOC_SAT_NONE */
    int64_t max_source_growth_flits; /* largest growth of one source queue over the window */
    double source_growth_limit_flits;
    /* mean packet latency of the window's first and last quarters (by
     * creation), cycles; 0 when a quarter delivered nothing */
    double first_quarter_latency_cycles, last_quarter_latency_cycles;
    uint64_t starved;           /* flits the monitor reported waiting >= the watchdog */
    noc_stats_t stats;          /* the measurement window */
    uint64_t *port_flits;       /* [router][port] flits sent in the window
                                   (malloc'd; noc_synth_result_free) */
} noc_synth_result_t;

void noc_synth_result_free(noc_synth_result_t *r);

/* Runs the protocol on a fresh network n. 0 ok; 1 when the watchdog stopped
 * the network (report in noc_watchdog_report()) or window packets were
 * still undelivered at the end (noc_blocked_report() lists what holds them). */
int noc_synth_run(noc_t *n, const noc_synth_t *s, noc_synth_result_t *r);

#ifdef __cplusplus
}
#endif
#endif
