// imcsim run: compile (or load traces), simulate, report.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli.h"
#include "functional.h"
#include "outpath.h"
#include "outputs.h"
#include "run_flow.h"

namespace {

const opts_cmd_t run_cmd = {
    "run", "run --arch A --model M [options]\n       imcsim run --arch A --traces DIR [options]",
    "Compiles model M onto architecture A (a preset name or a YAML file), runs a batch of\n"
    "inferences through the cycle-level SystemC model and reports latency, throughput,\n"
    "energy and utilization (schema: docs/stats.md). Output paths are checked (and\n"
    "their directories created) before the run starts. The output files appear together\n"
    "when the run ends, listed with their checksums in a manifest (docs/run.md).\n",
    nullptr, 0, 0, nullptr};

// --outputs: the last layer's hardware outputs of the first sample.
int write_network_outputs(const char *path, const run_result_t &r)
{
    const func_result_t *f = r.functional;
    const func_capture_t *c = f && f->capture ? &f->capture[f->n_layers - 1] : nullptr;
    FILE *o = outpath_file("run", path, 1) ? nullptr : std::fopen(path, "w");
    if (!o) {
        std::fprintf(stderr, "imcsim run: error: cannot write '%s': %s\n", path, std::strerror(errno));
        return 1;
    }
    for (int i = 0; c && i < c->size; i++)
        std::fprintf(o, "%.9g\n", c->out_hw[i]);
    if (std::fclose(o)) {
        std::fprintf(stderr, "imcsim run: error: writing '%s' failed\n", path);
        return 1;
    }
    return 0;
}

// The JSON and CSVs of a finished run join the timeline the simulation
// wrote, and all are published together under a manifest (app/outputs.h).
int write_outputs(const RunArgs &ra, const run_result_t &r, outputs_t &out)
{
    const char *tmp = nullptr;
    FILE *f = nullptr;
    if ((ra.json && (outpath_file("run", ra.json, 1) || !(f = outputs_open(&out, "json", ra.json)))) ||
        (ra.csv && (outpath_dir("run", ra.csv, 1) || !(tmp = outputs_dir(&out, "csv", ra.csv))))) {
        outputs_abort(&out);
        return 1;
    }
    if (f)
        run_write_json(&r, f);
    if (tmp && run_write_csv(&r, tmp)) {
        std::fprintf(stderr, "imcsim run: error: cannot write CSV files in '%s': %s\n", ra.csv,
                     std::strerror(errno));
        outputs_abort(&out);
        return 1;
    }
    if (ra.outputs && write_network_outputs(ra.outputs, r)) {
        outputs_abort(&out);
        return 1;
    }
    char *manifest = run_manifest_path(ra, false);
    int rc = outputs_commit(&out, manifest);
    std::free(manifest);
    if (!rc && !ra.quiet && !(ra.json && !std::strcmp(ra.json, "-")) &&
        !(ra.timeline && !std::strcmp(ra.timeline, "-")))
        run_write_summary(&r, stdout);
    return rc;
}

} // namespace

int imc_cmd_run(int argc, char **argv)
{
    RunArgs ra;
    int rc = parse_run_args(run_cmd, argc, argv, ra, false);
    if (rc == OPTS_GO) {
        imc_diag_t d;
        diag_init(&d);
        run_result_t r{}; // zero: freed below however far the run got
        outputs_t out;
        outputs_init(&out, "run");
        // the simulation writes the timeline into a temporary file
        RunArgs sim = ra;
        if (ra.timeline && !(sim.timeline = outputs_reserve(&out, "timeline", ra.timeline)))
            rc = 1;
        else
            rc = run_one(sim, ra.job.arch, &r, &d);
        if (rc == 0)
            rc = write_outputs(ra, r, out);
        else
            outputs_abort(&out);
        run_result_free(&r);
        diag_free(&d);
    }
    opt_list_free(&ra.job.sets);
    return rc;
}
