/* The analytic estimate: ISAAC's pipeline model of a mapping (Shafiee et al.,
 * ISCA 2016, section on the pipeline), in microseconds of host time, the
 * fast first-order answer beside the cycle-level run (docs/validation.md).
 *
 * Every weight layer's replica computes one output position per MVM time
 * (the CE's issue interval: (input slices + extra slots) x read slot), so a
 * layer needs steps = ceil(positions / replication) MVM times per
 * inference; the pipeline's period is the slowest layer's; a position starts
 * once its inputs exist (the fill latency follows the layers' windows), the
 * network input arriving row by row over the off-chip link. Energy is the
 * CEs' dynamic energy per MVM (the same component formulas the run uses)
 * plus static power x period. Not modelled: NoC and buffer contention, the
 * tiles' units, partial-sum traffic; the NoC's link loads and an LSTM's
 * recurrence come as bounds beside it (estimate_noc, estimate_recurrence). */
#ifndef IMC_ESTIMATE_H
#define IMC_ESTIMATE_H

#include <stdint.h>

#include "json.h"
#include "mapping.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The parts of one chained LSTM step (estimate_rec.c): mvm, local_sums,
 * sums_in, gates, updates, write, h_out, h_in, read. */
enum { EST_REC_PARTS = 9 };
extern const char *const estimate_rec_part_names[EST_REC_PARTS];

typedef struct estimate_layer {
    int layer;               /* index in the model */
    int64_t positions, replication, steps;
    double mvm_s;            /* one MVM time of the layer's CEs (their issue interval) */
    double mvm_latency_s;    /* one MVM's start to its result (the last ADC batch, S+A and
                                output register after the reads) */
    double busy_s;           /* steps x mvm_s: its time per inference */
    double first_s, last_s;  /* when its first and last outputs of inference 0 exist */
    double dynamic_j;        /* CE energy per inference */
} estimate_layer_t;

typedef struct estimate {
    double period_s, throughput_inferences_per_s, latency_s;
    int bottleneck;          /* model index of the slowest layer */
    int64_t bottleneck_steps;
    double dynamic_j;        /* per inference */
    double static_w;         /* powered tiles' leakage and extras, routers, off-chip links */
    double energy_per_inference_j; /* dynamic + static x period */
    double macs;             /* per inference */
    /* the NoC (estimate_noc): one inference's flits through the busiest
       router output port, where it is, and the period it bounds; noc_bounded
       0 when the routing is adaptive (odd_even: no fixed routes to load) */
    int noc_bounded;
    uint64_t noc_port_flits;
    int noc_chip, noc_router, noc_port;
    int noc_top_layer;       /* whose messages are most of them (-1: the host's input) */
    uint64_t noc_top_flits;  /* and how many */
    double noc_bound_s;
    /* the recurrence (estimate_rec.c): the LSTM layer whose chained step is
       longest (-1: none, or a unit it needs takes no values), its steps
       per inference, one step by part (tile cycles, estimate_rec_part_names),
       one step's time and the period the chain bounds */
    int rec_layer;
    int64_t rec_steps;
    double rec_part_cycles[EST_REC_PARTS];
    double rec_step_s, rec_bound_s;
    /* the host (chip.offchip.host_io: links; 0 with preloaded): the links'
       latency, one inference's input and output at their bandwidth, and the
       period the host's double-buffered input bounds (estimate.c) */
    double host_latency_s, host_input_s, host_output_s, host_bound_s;
    int n;                   /* weight layers */
    estimate_layer_t *layers;
} estimate_t;

/* The host starts inference k's input once inference k - HOST_INPUTS_AHEAD's
 * is consumed (the engine's double buffer, sim/offchip.cpp). */
enum { HOST_INPUTS_AHEAD = 2 };

/* 0, or -1 with a message in d. Free with estimate_free. */
int estimate_run(const mapping_t *m, estimate_t *e, imc_diag_t *d);
/* Adds the NoC bound of the traces of the same mapping (estimate_noc.c):
 * ISAAC's model leaves the network out; this says when its links would bound
 * the period instead; with odd_even routing there is none (noc_bounded 0).
 * 0, or -1 with a message in d. */
struct trace_layer; /* trace_io.h */
int estimate_noc(const mapping_t *m, const struct trace_layer *layers, estimate_t *e, imc_diag_t *d);
/* The same without the top sender (noc_top_layer -1, noc_top_flits 0): the
 * busiest port alone, for the placement search and the run's floor. */
int estimate_noc_busiest(const mapping_t *m, const struct trace_layer *layers, estimate_t *e,
                         imc_diag_t *d);
/* Adds the recurrence bound (rec_*; estimate_run calls it): ISAAC's model
 * pipelines an LSTM layer's steps like independent positions, but step t
 * needs h(t-1), so they chain; this is the period that chain allows. */
void estimate_recurrence(const mapping_t *m, estimate_t *e);
/* "router (x, y) east port" and the like, of the NoC bound's port. */
void estimate_noc_port_name(const estimate_t *e, const arch_t *a, char *buf, size_t n);
/* Whether the summaries name the host's bound: the links have a latency, or
 * the bound exceeds the pipeline's period. */
static inline int estimate_host_shown(const estimate_t *e)
{
    return e->host_latency_s > 0 || e->host_bound_s > e->period_s;
}
void estimate_free(estimate_t *e);
void estimate_write_json(const estimate_t *e, const model_t *md, json_w_t *w);

#ifdef __cplusplus
}
#endif
#endif
