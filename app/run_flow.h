// The load -> compile -> trace -> simulate flow shared by `imcsim run` and
// `imcsim compare`, and their common options.
#ifndef IMC_RUN_FLOW_H
#define IMC_RUN_FLOW_H

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "compile.h"
#include "diag.h"
#include "model.h"
#include "run_result.h"

struct RunArgs {
    std::string arch, model, json, csv, timeline, traces;
    std::vector<const char *> sets;
    int batch = 1;
    replicate_policy_t policy = REPLICATE_BALANCED;
    bool quiet = false;
    uint64_t perturb_order = 0;
    // --functional (docs/functional.md): accuracy on a data set
    bool functional = false;
    std::string data, calib;
    int limit = 0;
    uint64_t seed = 1;
    model_opts_t model_opts{};  // --weight-bits, --act-bits, --input-shape, --quant
};

// 0 ok, 2 usage error (message printed), 1 for --help (caller exits 0).
int parse_run_args(const char *cmd, int argc, char **argv, RunArgs &ra, bool multi_arch);
void print_diag(imc_diag_t *d);
// The whole flow for one architecture; returns the process exit status.
int run_one(const char *cmd, const RunArgs &ra, const std::string &arch_spec, run_result_t *res,
            imc_diag_t *d);

#endif
