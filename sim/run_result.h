/* What one `imcsim run` measured, independent of how it was simulated, and
 * the writers that turn it into JSON, CSV and a text summary. The schema is
 * documented in docs/stats.md; every field name carries its unit. */
#ifndef IMC_RUN_RESULT_H
#define IMC_RUN_RESULT_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "comp_common.h" /* comp_class_t, comp_class_names: the energy classes */
#include "estimate.h"

typedef struct run_layer {
    char name[64];
    char type[16];
    int replication;
    int64_t crossbars;
    uint64_t start_cycle, end_cycle; /* first and last activity, inference 0 */
    uint64_t busy_cycles;            /* per inference: the longest a stream of it held one
                                        kind of resource (crossbars, buffer, units) */
    uint64_t mvms;
    int64_t macs;
    double energy_j;
    int bound;                       /* this layer limits the pipeline rate */
} run_layer_t;

typedef struct run_tile {
    int id, chip, x, y;
    double utilization;              /* crossbar busy per inference / (crossbars x period) */
    double energy_j;                 /* the batch: dynamic + static (0 when gated) */
    int powered;
} run_tile_t;

/* Peak of one instance of a level (an op is half a MAC at the arch's
 * weight x input bits): the CE (a macro), the tile, the chip. */
typedef struct run_peak {
    double ops_per_s, ops_per_s_per_w, ops_per_s_per_mm2;
} run_peak_t;

/* The largest window of completion intervals a period may be the mean of
 * (--period-window, and the window the jitter doubles it to). */
#define RUN_PERIOD_WINDOW_MAX 256
/* A window's mean more than this below the busiest resource's time per
 * inference (period_floor_s: a stream's crossbars, buffer or unit, or a
 * tile's bus or unit kind its streams share) is no steady state but the slack
 * the fill built up being used: judging goes on (docs/run.md). */
#define RUN_PERIOD_FLOOR_SLACK 0.005

typedef struct run_result {
    char arch[64], model[64];
    int batch;                       /* inferences the totals are for */
    int inferences;                  /* inferences simulated (more than a small batch, docs/run.md) */
    int steady;                      /* period_s: 1 converged, -1 not converged within the
                                        inferences simulated */
    double clock_ghz;                /* the cycle clock of latency_cycles */
    uint64_t latency_cycles;         /* input of inference 0 to its last output at the host */
    uint64_t total_cycles;           /* the whole batch */
    double latency_s, total_s;
    double period_s;                 /* steady-state interval between inferences */
    int period_window;               /* W: the window of completion intervals judged */
    int period_intervals;            /* period_s: the mean of that many (W, or more of a
                                        batch that goes on past the window) */
    double period_jitter_s;          /* how far the completions' jitter could move that mean */
    double period_floor_s;           /* the busiest resource's time per inference: no steady
                                        state is faster (docs/run.md, "Results") */
    double period_min_s, period_max_s; /* the shortest and longest of them */
    double *completions_s;           /* when the host had each simulated inference's last
                                        output (`inferences` of them) */
    double throughput_inferences_per_s; /* 1 / period_s */
    /* counts for the batch */
    uint64_t macs, crossbar_reads, adc_conversions, adc_clipped, flits,
        offchip_bytes, host_bytes, mvm_ops;
    /* energy of the batch: dynamic, and static power over total_s */
    double dynamic_j_by_class[COMP_CLASS_COUNT_];
    double static_j_by_class[COMP_CLASS_COUNT_];
    /* steady state, per inference: dynamic energy, and static power x period_s */
    double inference_dynamic_j_by_class[COMP_CLASS_COUNT_];
    double inference_static_j_by_class[COMP_CLASS_COUNT_];
    double static_w_by_class[COMP_CLASS_COUNT_]; /* static power of what is powered */
    double utilization_by_class[COMP_CLASS_COUNT_]; /* busy per inference / (instances x period) */
    /* 1 where the class's busy time is counted (not: S+H, registers,
       extras, VFUs without VFUs, off-chip links on one chip, their static
       power, the host's I/O): JSON null and "-" for the others */
    unsigned char utilization_measured[COMP_CLASS_COUNT_];
    /* the NoC's own bound on the period: the flits of one inference through
       its busiest router output (a link or an ejection port), one a cycle */
    double noc_busiest_port_flits, noc_bound_period_s;
    double area_mm2;
    double peak_ops_per_s, peak_ops_per_s_per_w, peak_ops_per_s_per_mm2;
    run_peak_t level_peak[3];        /* CE, tile, chip (one instance each) */
    int n_layers;
    run_layer_t *layers;
    int n_tiles;
    run_tile_t *tiles;
    int chips, tiles_powered;
    int band_rows;           /* the placement's (chip.placement: search sets it) */
    int64_t crossbars_used;
    /* the analytic estimate of the same mapping, written beside the run's
       figures (not freed with the result: the run owns it) */
    estimate_t estimate;
    const model_t *estimate_model;
    struct func_result *functional; /* functional run (functional.h), or NULL; owned */
} run_result_t;

/* Energy of the batch: all, dynamic, static (J). */
double run_energy_total(const run_result_t *r);
double run_energy_dynamic(const run_result_t *r);
double run_energy_static(const run_result_t *r);
/* Steady-state energy of one inference (J): dynamic + static power x period. */
double run_energy_per_inference(const run_result_t *r);
void run_result_free(run_result_t *r);

void run_write_json(const run_result_t *r, FILE *f);
void run_write_summary(const run_result_t *r, FILE *f);
#define RUN_CSV_LAYERS "layers.csv" /* run_write_csv()'s files in its directory */
#define RUN_CSV_TILES "tiles.csv"
/* Writes DIR/layers.csv and DIR/tiles.csv; 0 ok, -1 with errno set. */
int run_write_csv(const run_result_t *r, const char *dir);

#ifdef __cplusplus
}
#endif
#endif
