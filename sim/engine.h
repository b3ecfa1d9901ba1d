// The run engine: elaborates the SystemC hierarchy of an accelerator
// (chips -> tiles -> CEs -> crossbars, DACs, ADCs, S+A; one NoC per chip;
// off-chip links) for a compiled network, executes the per-layer trace
// streams for a batch of inferences and fills a run_result_t.
//
// One elaboration per process (a SystemC rule): call imc_simulate once.
#ifndef IMC_ENGINE_H
#define IMC_ENGINE_H

#include "arch.h"
#include "diag.h"
#include "mapping.h"
#include "run_result.h"
#include "trace_io.h"

// Completions per window of the steady-state test (offchip.cpp
// inference_done) unless --period-window says: 4 covers patterns that repeat
// every 2 inferences.
constexpr int kPeriodWindowDefault = 4;
constexpr int kPeriodWindowMax = RUN_PERIOD_WINDOW_MAX;
// While the completions' jitter could move a window's mean by more than
// this (of the period), the window doubles, up to kPeriodWindowGrowth times
// --period-window (docs/run.md, "Results").
constexpr double kPeriodJitterMax = 0.05;
constexpr int kPeriodWindowGrowth = 8;
constexpr double kPeriodFloorSlack = RUN_PERIOD_FLOOR_SLACK;

struct imc_run_config {
    int batch = 1;
    const char *timeline_path = nullptr; // Chrome trace-event JSON, or null
    bool progress = true;                // progress on stderr after ~2 s
    // Nonzero: streams yield a delta cycle before some records, some lanes
    // whose op answered go on a delta later, and off-chip links yield a
    // delta before some deliveries (chosen by this seed), so the processes
    // of one instant run in another order. Results must not change: a check
    // of the model, not a feature.
    uint64_t perturb_order = 0;
    // The period is the mean of the last W completion intervals once it
    // agrees with the window before within 2 % and their jitter could not
    // move it by more than kPeriodJitterMax (else W doubles), W from
    // period_window (docs/run.md, "Results"); judged on up to 4 windows when
    // the batch is smaller, with one window more simulated behind them.
    int period_window = kPeriodWindowDefault;
    // The directory the traces were read from (run --traces), or null: a
    // refused trace's error names its layer file there.
    const char *trace_dir = nullptr;
};

// 0 on success; 1 when the simulation could not finish (deadlock report in d);
// 2 on inconsistent inputs (message in d).
int imc_simulate(const arch_t *a, const mapping_t *m, const trace_layer_t *layers,
                 const imc_run_config &cfg, run_result_t *out, imc_diag_t *d);

#endif
