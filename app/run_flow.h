// The load -> compile -> trace -> simulate flow shared by `imcsim run` and
// `imcsim compare`, and their common options.
#ifndef IMC_RUN_FLOW_H
#define IMC_RUN_FLOW_H

#include <cstdint>

#include "diag.h"
#include "engine.h"
#include "job.h"
#include "opts.h"
#include "run_result.h"

struct RunArgs {
    job_opts_t job = JOB_OPTS_INIT; // --arch, --model, --set, --replicate
    const char *json = nullptr, *csv = nullptr, *timeline = nullptr, *traces = nullptr;
    const char *manifest = nullptr; // run: where the manifest of the outputs goes
    int64_t batch = 1, perturb_order = 0, period_window = kPeriodWindowDefault;
    int quiet = 0;
    // --functional (docs/functional.md): accuracy on a data set
    int functional = 0;
    const char *data = nullptr, *calib = nullptr;
    const char *outputs = nullptr; // --outputs FILE: image 0's network outputs
    int64_t limit = 0, seed = 1;
};

// Parses the options of run (multi_arch false) or compare; OPTS_GO, or the
// exit status. Checks that the outputs can be written.
int parse_run_args(const opts_cmd_t &c, int argc, char **argv, RunArgs &ra, bool multi_arch);
void print_diag(imc_diag_t *d);
// Where the run's (compare's) manifest goes: --manifest, else the default
// beside the outputs (outputs_default_manifest); malloc'd, NULL for none.
char *run_manifest_path(const RunArgs &ra, bool multi_arch);
// The whole flow for one architecture; returns the process exit status.
int run_one(const RunArgs &ra, const char *arch_spec, run_result_t *res, imc_diag_t *d);

#endif
