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

/* Component classes energy and utilization are reported by. */
typedef enum {
    CLS_CROSSBAR, CLS_DAC, CLS_SH, CLS_ADC, CLS_SA, CLS_REGISTER, CLS_BUFFER,
    CLS_BUS, CLS_ACTIVATION, CLS_POOL, CLS_EXTRA, CLS_ROUTER, CLS_LINK,
    CLS_OFFCHIP, CLS_COUNT_
} run_class_t;

extern const char *const run_class_names[CLS_COUNT_];

typedef struct run_layer {
    char name[64];
    char type[16];
    int replication;
    int64_t crossbars;
    uint64_t start_cycle, end_cycle; /* first and last activity, inference 0 */
    uint64_t busy_cycles;            /* cycles with at least one op in flight */
    uint64_t mvms;
    int64_t macs;
    double energy_j;
    int bound;                       /* this layer limits the pipeline rate */
} run_layer_t;

typedef struct run_tile {
    int id, chip, x, y;
    double utilization;              /* CE busy fraction over the run */
    double energy_j;
} run_tile_t;

/* Peak of one instance of a level (an op is half a MAC at the arch's
 * weight x input bits): the CE (a macro), the tile, the chip. */
typedef struct run_peak {
    double ops_per_s, ops_per_s_per_w, ops_per_s_per_mm2;
} run_peak_t;

typedef struct run_result {
    char arch[64], model[64];
    int batch;
    double clock_ghz;                /* the cycle clock of latency_cycles */
    uint64_t latency_cycles;         /* first input to last output, inference 0 */
    uint64_t total_cycles;           /* whole batch */
    double latency_s, total_s;
    double throughput_inferences_per_s;
    uint64_t macs, crossbar_reads, adc_conversions, adc_clipped, flits,
        offchip_bytes, mvm_ops;
    double dynamic_j_by_class[CLS_COUNT_];
    double leakage_j_by_class[CLS_COUNT_]; /* off-chip constant power counts here */
    double utilization_by_class[CLS_COUNT_];
    double area_mm2;
    double peak_ops_per_s, peak_ops_per_s_per_w, peak_ops_per_s_per_mm2;
    run_peak_t level_peak[3];        /* CE, tile, chip (one instance each) */
    int n_layers;
    run_layer_t *layers;
    int n_tiles;
    run_tile_t *tiles;
    int chips;
    int64_t crossbars_used;
    struct func_result *functional; /* functional run (functional.h), or NULL; owned */
} run_result_t;

double run_energy_total(const run_result_t *r);
double run_energy_dynamic(const run_result_t *r);
void run_result_free(run_result_t *r);

void run_write_json(const run_result_t *r, FILE *f);
void run_write_summary(const run_result_t *r, FILE *f);
/* Writes DIR/layers.csv and DIR/tiles.csv; 0 ok, -1 with errno set. */
int run_write_csv(const run_result_t *r, const char *dir);

#ifdef __cplusplus
}
#endif
#endif
