// The run flow shared by imcsim run and imcsim compare (run_flow.h).
#include <systemc>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine.h"
#include "estimate.h"
#include "functional_run.h"
#include "outpath.h"
#include "outputs.h"
#include "tracegen.h"

#include "run_flow.h"

namespace {

// Loads the traces of DIR, checking they were made for this arch and model.
int load_traces(const char *dir, const arch_t *a, const model_t *m, trace_layer_t **layers,
                imc_diag_t *d)
{
    trace_read_opts_t o{};
    o.check_arch = 1;
    o.arch_hash = a->hash;
    o.check_model = 1;
    o.model_hash = m->hash;
    int n = 0;
    if (trace_dir_read(dir, &o, layers, &n, d))
        return -1;
    if (n != m->n_layers) {
        diag_error(d, dir, 0, 0, "traces have %d layers but model '%s' has %d", n, m->name,
                   m->n_layers);
        trace_layers_free(*layers, n);
        *layers = nullptr;
        return -1;
    }
    return 0;
}

// SystemC counts time in picoseconds in 64 bits, but the clocks' periods are
// fractional picoseconds (833.33 ps at 1.2 GHz), and cycles and picoseconds
// convert through doubles, exact below 2^53 ps (9,007 s, about 2.5 hours of
// simulated time): past it a cycle maps to the wrong picosecond, a NoC
// packet looks late and the streams blocked. Say what happened, rather than
// the engine's deadlock or a figure from the wrong cycles.
int check_horizon(int rc, imc_diag_t *d)
{
    const uint64_t horizon = UINT64_C(1) << 53;
    if (sc_core::sc_time_stamp().value() < horizon)
        return rc;
    diag_clear(d);
    diag_error(d, nullptr, 0, 0, "the simulated time passed 2^53 ps (%.6g s; the limit is 9007 s), "
               "beyond which cycles and picoseconds no longer convert exactly (expected "
               "shorter latencies, faster clocks or a smaller batch)",
               sc_core::sc_time_stamp().to_seconds());
    return 1;
}

} // namespace

char *run_manifest_path(const RunArgs &ra, bool multi_arch)
{
    if (ra.manifest)
        return strdup(ra.manifest);
    // compare's --csv is a file, run's a directory
    return multi_arch ? outputs_default_manifest(nullptr, ra.json, ra.csv)
                      : outputs_default_manifest(ra.csv, ra.json, ra.timeline);
}

// No output overwrites another output or an input of the run.
static bool no_clash(const char *cmd, const RunArgs &ra, bool multi_arch)
{
    std::string csv_dir = ra.csv && !multi_arch ? ra.csv : "";
    std::string layers = csv_dir + "/" RUN_CSV_LAYERS, tiles = csv_dir + "/" RUN_CSV_TILES;
    char *manifest = run_manifest_path(ra, multi_arch);
    std::string t = ra.traces ? ra.traces : "";
    std::string index = t + "/" TRACE_INDEX_NAME, mapping = t + "/" TRACE_MAPPING_NAME;
    char *tman = outputs_default_manifest(ra.traces, nullptr, nullptr); // nullptr without --traces
    const bool tr = ra.traces != nullptr, dir = !csv_dir.empty();
    const outpath_use_t u[] = {
        {"--json", ra.json, 1, nullptr},
        {"--timeline", ra.timeline, 1, nullptr},
        {"--outputs", ra.outputs, 1, nullptr},
        {"--csv", dir ? layers.c_str() : ra.csv, 1, nullptr},
        {"--csv", dir ? tiles.c_str() : nullptr, 1, nullptr},
        {ra.manifest ? "--manifest" : "the manifest", manifest, 1, nullptr},
        {"--arch", ra.job.arch, 0, nullptr},
        {"--model", ra.job.model, 0, nullptr},
        {"--quant", ra.job.mflags.quant, 0, nullptr},
        {"--data", ra.data, 0, nullptr},
        {"--calib", ra.calib, 0, nullptr},
        {"the trace index of --traces", tr ? index.c_str() : nullptr, 0, nullptr},
        {"the mapping of --traces", tr ? mapping.c_str() : nullptr, 0, nullptr},
        {"the manifest of --traces", tman, 0, nullptr},
        {"a trace (*.imct) of --traces", ra.traces, 0, ".imct"},
    };
    const bool clash = outpath_clash(cmd, u, (int)(sizeof u / sizeof u[0]));
    std::free(manifest);
    std::free(tman);
    return !clash;
}

int parse_run_args(const opts_cmd_t &c, int argc, char **argv, RunArgs &ra, bool multi_arch)
{
    std::vector<opt_t> t = {JOB_OPTIONS(&ra.job)};
    t.push_back(OPT_INT(0, "batch", &ra.batch, "N", 1, 100000,
                        "inferences to run through the pipeline (default 1); the part of\n"
                        "a batch past the window that converged joins the period's mean"));
    t.push_back(OPT_INT(0, "period-window", &ra.period_window, "W", 2, kPeriodWindowMax,
                        "the period is the mean of the last W completion intervals once\n"
                        "it agrees with the W before within 2 % (default 4; judged on up\n"
                        "to 4 W inferences when the batch is smaller, W more run behind\n"
                        "them; W doubles, up to 8 x, while the completions' jitter could\n"
                        "move the mean by more than 5 %; a mean more than 0.5 % below the\n"
                        "busiest resource's time per inference is the fill's slack, and\n"
                        "judging goes on; docs/run.md)"));
    if (!multi_arch) {
        t.push_back(OPT_STRING(0, "traces", &ra.traces, "DIR",
                               "run the traces written by 'imcsim compile -o DIR' instead of\n"
                               "compiling; the model is the one DIR was compiled from"));
        t.push_back(OPT_STRING(0, "json", &ra.json, "FILE", "write the results as JSON ('-' for stdout)"));
        t.push_back(OPT_STRING(0, "csv", &ra.csv, "DIR", "write DIR/layers.csv and DIR/tiles.csv"));
        t.push_back(OPT_STRING(0, "timeline", &ra.timeline, "FILE",
                               "write a Chrome trace-event / Perfetto timeline ('-' for stdout)"));
        t.push_back(OPT_STRING(0, "manifest", &ra.manifest, "FILE",
                               "where the manifest of the output files goes (default:\n"
                               "DIR/manifest.json with --csv DIR, else FILE.manifest beside\n"
                               "the JSON or the timeline)"));
        t.push_back(OPT_FLAG(0, "quiet", &ra.quiet, "no summary on stdout"));
        t.push_back(OPT_FLAG(0, "functional", &ra.functional,
                             "also run real values through the same cores: accuracy on --data\n"
                             "(docs/functional.md); JSON 'functional', adc_clipped the real count"));
        t.push_back(OPT_STRING(0, "data", &ra.data, "FILE",
                               "labelled data set for --functional (scripts/make-dataset)"));
        t.push_back(OPT_INT(0, "limit", &ra.limit, "N", 1, 1 << 24,
                            "only the first N samples of --data"));
        t.push_back(OPT_STRING(0, "calib", &ra.calib, "FILE",
                               "data set whose first 32 samples fix activation ranges where\n"
                               "the model gives none (default --data)"));
        t.push_back(OPT_STRING(0, "outputs", &ra.outputs, "FILE",
                               "write the network's outputs for the first sample of --data\n"
                               "(one value per line; what a virtual platform reads back)"));
        t.push_back(OPT_INT(0, "seed", &ra.seed, "S", 0, INT64_MAX,
                            "seed of the non-idealities' random streams (default 1)"));
    } else {
        t.push_back(OPT_STRING(0, "json", &ra.json, "FILE", "write an array of run results as JSON ('-' for stdout)"));
        t.push_back(OPT_STRING(0, "csv", &ra.csv, "FILE", "write the table as CSV (full precision)"));
    }
    t.push_back(OPT_INT(0, "perturb-order", &ra.perturb_order, "S", 1, INT64_MAX,
                        "check: run the processes of each instant in another order\n"
                        "(seed S); the results must be identical"));
    t.push_back(OPT_END);
    int rc = opts_parse(&c, t.data(), argc, argv, nullptr, nullptr);
    if (rc != OPTS_GO)
        return rc;
    if (!ra.job.arch || (!ra.job.model && !ra.traces))
        return opts_usage_error(&c, ra.traces ? "--arch is required" : "--arch and --model are required");
    if (!ra.functional != !ra.data)
        return opts_usage_error(&c, ra.functional ? "--functional needs --data FILE"
                                                  : "--data needs --functional");
    if (!ra.functional && (ra.calib || ra.limit || ra.seed != 1 || ra.outputs))
        return opts_usage_error(&c, "--calib, --limit, --seed and --outputs need --functional");
    // stdout takes one output
    {
        int dash = 0;
        for (const char *o : {ra.json, ra.timeline, ra.outputs, ra.manifest})
            dash += o && !std::strcmp(o, "-");
        if (dash > 1)
            return opts_usage_error(&c, "only one of --json, --timeline, --outputs and "
                                        "--manifest can be '-' (stdout)");
    }
    // A bad output path fails now, not after the simulation. The timeline
    // is opened when the simulation starts: its directory is made now.
    if ((ra.json && outpath_file(c.name, ra.json, 0)) || (ra.timeline && outpath_file(c.name, ra.timeline, 1)) ||
        (ra.manifest && outpath_file(c.name, ra.manifest, 0)) ||
        (ra.outputs && outpath_file(c.name, ra.outputs, 0)) ||
        (ra.csv && (multi_arch ? outpath_file(c.name, ra.csv, 0) : outpath_dir(c.name, ra.csv, 0))))
        return 1;
    return no_clash(c.name, ra, multi_arch) ? OPTS_GO : 1;
}

void print_diag(imc_diag_t *d)
{
    if (d->len)
        std::fputs(d->text, stderr);
    diag_clear(d);
}

// The whole flow for one architecture; returns the process exit status.
int run_one(const RunArgs &ra, const char *arch_spec, run_result_t *res, imc_diag_t *d)
{
    job_opts_t jo = ra.job;
    jo.arch = arch_spec;
    trace_index_t ix{};
    int rc = 0;
    if (!jo.model) { // --traces DIR alone: DIR's index names the model
        if (trace_index_read(ra.traces, &ix, d))
            rc = 2;
        else if (!ix.source[0]) {
            diag_error(d, ra.traces, 0, 0, "the trace index (format 1) does not name the model "
                       "(expected --model M, or traces written again by 'imcsim compile -o')");
            rc = 2;
        }
        if (rc) {
            print_diag(d);
            trace_index_free(&ix);
            return rc;
        }
        jo.model = ix.source;
    }
    // The simulation objects refer to the job (arch, mapping) until exit.
    job_t *j = new job_t;
    rc = job_compile(&jo, j, d);
    print_diag(d); // errors, or the architecture's warnings
    trace_layer_t *layers = nullptr;
    if (!rc && (ra.traces ? load_traces(ra.traces, j->arch, &j->model, &layers, d)
                          : tracegen_build(&j->mapping, &layers, d)))
        rc = 2;
    func_result_t *fres = nullptr;
    if (!rc && ra.functional) { // before the timing run: bad data fails fast
        func_run_args_t fa{ra.data, ra.calib, (int)ra.limit, (uint64_t)ra.seed, ra.outputs != nullptr};
        if (func_run_prepare(j->arch, &j->mapping, &fa, &fres, d))
            rc = 2;
    }
    if (!rc) {
        imc_run_config cfg;
        cfg.batch = (int)ra.batch;
        cfg.timeline_path = ra.timeline;
        cfg.progress = true;
        cfg.perturb_order = (uint64_t)ra.perturb_order;
        cfg.period_window = (int)ra.period_window;
        cfg.trace_dir = ra.traces;
        rc = imc_simulate(j->arch, &j->mapping, layers, cfg, res, d);
        rc = check_horizon(rc, d);
        if (fres)
            func_run_attach(fres, res);
    }
    // the analytic estimate of the same mapping, beside the run's figures
    estimate_t e;
    if (!rc && !estimate_run(&j->mapping, &e, d)) {
        if (estimate_noc(&j->mapping, layers, &e, d))
            rc = 2;
        res->estimate = e;
        res->estimate_model = &j->model;
    }
    if (layers)
        trace_layers_free(layers, j->model.n_layers);
    print_diag(d);
    trace_index_free(&ix);
    // A failure before anything was elaborated leaves nothing that refers to
    // the job: free it (no leak for LeakSanitizer to see).
    if (rc && sc_core::sc_get_top_level_objects().empty()) {
        job_free(j);
        delete j;
    }
    return rc;
}
