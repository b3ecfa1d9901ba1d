// The run flow shared by imcsim run and imcsim compare (run_flow.h).
#include <systemc>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "arch_load.h"
#include "cli.h"
#include "compile.h"
#include "engine.h"
#include "functional_run.h"
#include "model.h"
#include "model_flags.h"
#include "tracegen.h"
#include "ytree.h"

#include "run_flow.h"

namespace {

constexpr int kMaxSets = 64;

// Loads the traces of DIR, checking they were made for this arch and model.
int load_traces(const std::string &dir, const arch_t *a, const model_t *m,
                trace_layer_t **layers, imc_diag_t *d)
{
    trace_read_opts_t o{};
    o.check_arch = 1;
    o.arch_hash = a->hash;
    o.check_model = 1;
    o.model_hash = m->hash;
    int n = 0;
    if (trace_dir_read(dir.c_str(), &o, layers, &n, d))
        return -1;
    if (n != m->n_layers) {
        diag_error(d, dir.c_str(), 0, 0, "traces have %d layers but model '%s' has %d", n, m->name,
                   m->n_layers);
        return -1;
    }
    return 0;
}


} // namespace

// 0 ok, 2 usage error (message printed), 1 for --help (caller exits 0).
int parse_run_args(const char *cmd, int argc, char **argv, RunArgs &ra, bool multi_arch)
{
    for (int i = 1; i < argc; i++) {
        std::string o = argv[i];
        if (o == "--help" || o == "-h")
            return 1;
        if (o == "--quiet") {
            ra.quiet = true;
            continue;
        }
        if (o == "--functional" && !multi_arch) {
            ra.functional = true;
            continue;
        }
        int mf = model_flag(cmd, argc, argv, &i, &ra.model_opts);
        if (mf < 0)
            return 2;
        if (mf)
            continue;
        if (i + 1 >= argc) {
            std::fprintf(stderr, "imcsim %s: error: '%s' needs a value (see --help)\n", cmd, o.c_str());
            return 2;
        }
        const char *v = argv[++i];
        if (o == "--arch")
            ra.arch = v;
        else if (o == "--model")
            ra.model = v;
        else if (o == "--json")
            ra.json = v;
        else if (o == "--csv")
            ra.csv = v;
        else if (o == "--timeline" && !multi_arch)
            ra.timeline = v;
        else if (o == "--traces" && !multi_arch)
            ra.traces = v;
        else if (o == "--set") {
            if ((int)ra.sets.size() >= kMaxSets) {
                std::fprintf(stderr, "imcsim %s: error: more than %d --set options\n", cmd, kMaxSets);
                return 2;
            }
            ra.sets.push_back(v);
        } else if (o == "--batch") {
            int64_t b;
            if (parse_int64(v, &b) || b < 1 || b > 100000) {
                std::fprintf(stderr, "imcsim %s: error: --batch '%s' (expected an integer 1..100000)\n", cmd, v);
                return 2;
            }
            ra.batch = (int)b;
        } else if (o == "--perturb-order") {
            int64_t sd;
            if (parse_int64(v, &sd) || sd < 1) {
                std::fprintf(stderr, "imcsim %s: error: --perturb-order '%s' (expected a positive integer)\n", cmd, v);
                return 2;
            }
            ra.perturb_order = (uint64_t)sd;
        } else if ((o == "--data" || o == "--calib") && !multi_arch) {
            (o == "--data" ? ra.data : ra.calib) = v;
        } else if ((o == "--limit" || o == "--seed") && !multi_arch) {
            int64_t n;
            if (parse_int64(v, &n) || n < (o == "--limit" ? 1 : 0) || (o == "--limit" && n > 1 << 24)) {
                std::fprintf(stderr, "imcsim %s: error: %s '%s' (expected %s)\n", cmd, o.c_str(), v,
                             o == "--limit" ? "an integer 1..16777216" : "a non-negative integer");
                return 2;
            }
            if (o == "--limit")
                ra.limit = (int)n;
            else
                ra.seed = (uint64_t)n;
        } else if (o == "--replicate") {
            int p = replicate_policy_parse(v);
            if (p < 0) {
                std::fprintf(stderr, "imcsim %s: error: --replicate '%s' (expected none, balanced or max)\n", cmd, v);
                return 2;
            }
            ra.policy = (replicate_policy_t)p;
        } else {
            std::fprintf(stderr, "imcsim %s: error: unknown option '%s' (see --help)\n", cmd, o.c_str());
            return 2;
        }
    }
    if (ra.arch.empty() || ra.model.empty()) {
        std::fprintf(stderr, "imcsim %s: error: --arch and --model are required (see --help)\n", cmd);
        return 2;
    }
    if (ra.functional != !ra.data.empty()) {
        std::fprintf(stderr, "imcsim %s: error: %s (expected --functional --data FILE together)\n",
                     cmd, ra.functional ? "--functional needs --data" : "--data without --functional");
        return 2;
    }
    return 0;
}

void print_diag(imc_diag_t *d)
{
    if (d->len)
        std::fputs(d->text, stderr);
    diag_clear(d);
}

// The whole flow for one architecture; returns the process exit status.
int run_one(const char *cmd, const RunArgs &ra, const std::string &arch_spec, run_result_t *res,
            imc_diag_t *d)
{
    arch_t a;
    if (arch_load(arch_spec.c_str(), ra.sets.data(), (int)ra.sets.size(), &a, d)) {
        print_diag(d);
        return 2;
    }
    print_diag(d); // warnings
    model_t m;
    if (model_load_opts(ra.model.c_str(), &ra.model_opts, &m, d)) {
        print_diag(d);
        return 2;
    }
    mapping_t mp;
    if (compile_model(&a, &m, ra.policy, &mp, d)) {
        print_diag(d);
        model_free(&m);
        return 2;
    }
    trace_layer_t *layers = nullptr;
    int rc = 0;
    if (!ra.traces.empty()) {
        if (load_traces(ra.traces, &a, &m, &layers, d))
            rc = 2;
    } else if (tracegen_build(&mp, &layers, d)) {
        rc = 2;
    }
    func_result_t *fres = nullptr;
    if (!rc && ra.functional) { // before the timing run: bad data fails fast
        func_run_args_t fa{ra.data.c_str(), ra.calib.empty() ? nullptr : ra.calib.c_str(), ra.limit,
                           ra.seed};
        if (func_run_prepare(&a, &mp, &fa, &fres, d))
            rc = 2;
    }
    if (!rc) {
        imc_run_config cfg;
        cfg.batch = ra.batch;
        cfg.timeline_path = ra.timeline.empty() ? nullptr : ra.timeline.c_str();
        cfg.progress = true;
        cfg.perturb_order = ra.perturb_order;
        rc = imc_simulate(&a, &mp, layers, cfg, res, d);
        if (fres)
            func_run_attach(fres, res);
    }
    print_diag(d);
    (void)cmd;
    // Simulation objects refer to the mapping and traces until exit.
    return rc;
}
