// imcsim run: compile (or load traces), simulate, report.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/stat.h>

#include "cli.h"
#include "run_flow.h"
#include "model_flags.h"

namespace {

void run_usage(FILE *f)
{
    std::fprintf(f,
        "usage: imcsim run --arch A --model M [options]\n\n"
        "Compiles model M onto architecture A (a preset name or a YAML file), runs a batch of\n"
        "inferences through the cycle-level SystemC model and reports latency, throughput,\n"
        "energy and utilization (schema: docs/stats.md).\n\n"
        "options:\n"
        "  --arch A            preset (isaac, puma) or architecture YAML file\n"
        "  --model M           zoo model (imcsim models), model YAML or ONNX file\n"
        "  --set key=value     override an architecture parameter (repeatable)\n"
        "  --batch N           inferences to run through the pipeline (default 1)\n"
        "  --replicate P       none | balanced | max (default balanced)\n"
        "  --traces DIR        run traces written by 'imcsim compile -o DIR' instead of compiling\n"
        "  --json FILE         write the results as JSON ('-' for stdout)\n"
        "  --csv DIR           write DIR/layers.csv and DIR/tiles.csv\n"
        "  --timeline FILE     write a Chrome trace-event / Perfetto timeline\n"
        "  --quiet             no summary on stdout\n"
        "  --functional        also run real values through the same cores: accuracy on --data\n"
        "                      (docs/functional.md); JSON 'functional', adc_clipped the real count\n"
        "  --data FILE         labelled data set (scripts/make-dataset writes one)\n"
        "  --limit N           only the first N samples of --data\n"
        "  --calib FILE        data set whose first 32 samples fix activation ranges (default\n"
        "                      --data) when the model gives no scales\n"
        "  --seed S            seed of the non-idealities' random streams (default 1)\n"
        "  --perturb-order S   check: run the processes of each instant in another order\n"
        "                      (seed S > 0); the results must be identical\n"
        MODEL_FLAGS_HELP);
}


int write_outputs(const char *cmd, const RunArgs &ra, const run_result_t &r)
{
    if (!ra.json.empty()) {
        FILE *f = ra.json == "-" ? stdout : std::fopen(ra.json.c_str(), "w");
        if (!f) {
            std::fprintf(stderr, "imcsim %s: error: cannot write '%s': %s\n", cmd, ra.json.c_str(),
                         std::strerror(errno));
            return 1;
        }
        run_write_json(&r, f);
        if (f != stdout && std::fclose(f)) {
            std::fprintf(stderr, "imcsim %s: error: writing '%s' failed\n", cmd, ra.json.c_str());
            return 1;
        }
    }
    if (!ra.csv.empty()) {
        mkdir(ra.csv.c_str(), 0777);
        if (run_write_csv(&r, ra.csv.c_str())) {
            std::fprintf(stderr, "imcsim %s: error: cannot write CSV files in '%s': %s\n", cmd,
                         ra.csv.c_str(), std::strerror(errno));
            return 1;
        }
    }
    if (!ra.quiet && ra.json != "-")
        run_write_summary(&r, stdout);
    return 0;
}

// A run in a child process (SystemC elaborates once per process); the
} // namespace

int imc_cmd_run(int argc, char **argv)
{
    RunArgs ra;
    int p = parse_run_args("run", argc, argv, ra, false);
    if (p == 1) {
        run_usage(stdout);
        return 0;
    }
    if (p)
        return p;
    imc_diag_t d;
    diag_init(&d);
    run_result_t r;
    int rc = run_one("run", ra, ra.arch, &r, &d);
    if (rc == 0)
        rc = write_outputs("run", ra, r);
    diag_free(&d);
    return rc;
}

