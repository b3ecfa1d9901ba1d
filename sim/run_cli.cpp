// imcsim run / imcsim compare: compile (or load traces), simulate, report.
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
#include "model.h"
#include "tracegen.h"
#include "ytree.h"

namespace {

constexpr int kMaxSets = 64;

struct RunArgs {
    std::string arch, model, json, csv, timeline, traces;
    std::vector<const char *> sets;
    int batch = 1;
    replicate_policy_t policy = REPLICATE_BALANCED;
    bool quiet = false;
    uint64_t perturb_order = 0;
};

void run_usage(FILE *f)
{
    std::fprintf(f,
        "usage: imcsim run --arch A --model M [options]\n\n"
        "Compiles model M onto architecture A (a preset name or a YAML file), runs a batch of\n"
        "inferences through the cycle-level SystemC model and reports latency, throughput,\n"
        "energy and utilization (schema: docs/stats.md).\n\n"
        "options:\n"
        "  --arch A            preset (isaac, puma) or architecture YAML file\n"
        "  --model M           zoo model (imcsim models) or model YAML file\n"
        "  --set key=value     override an architecture parameter (repeatable)\n"
        "  --batch N           inferences to run through the pipeline (default 1)\n"
        "  --replicate P       none | balanced | max (default balanced)\n"
        "  --traces DIR        run traces written by 'imcsim compile -o DIR' instead of compiling\n"
        "  --json FILE         write the results as JSON ('-' for stdout)\n"
        "  --csv DIR           write DIR/layers.csv and DIR/tiles.csv\n"
        "  --timeline FILE     write a Chrome trace-event / Perfetto timeline\n"
        "  --quiet             no summary on stdout\n"
        "  --perturb-order S   check: run the processes of each instant in another order\n"
        "                      (seed S > 0); the results must be identical\n");
}

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
    return 0;
}

void print_diag(imc_diag_t *d)
{
    if (d->len)
        std::fputs(d->text, stderr);
    diag_clear(d);
}

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
    if (model_load(ra.model.c_str(), &m, d)) {
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
    if (!rc) {
        imc_run_config cfg;
        cfg.batch = ra.batch;
        cfg.timeline_path = ra.timeline.empty() ? nullptr : ra.timeline.c_str();
        cfg.progress = true;
        cfg.perturb_order = ra.perturb_order;
        rc = imc_simulate(&a, &mp, layers, cfg, res, d);
    }
    print_diag(d);
    (void)cmd;
    // Simulation objects refer to the mapping and traces until exit.
    return rc;
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
// result comes back through a pipe as the struct and its arrays.
int run_in_child(const RunArgs &ra, const std::string &arch, run_result_t *out)
{
    int fd[2];
    if (pipe(fd))
        return 1;
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        close(fd[0]);
        imc_diag_t d;
        diag_init(&d);
        run_result_t r;
        int rc = run_one("compare", ra, arch, &r, &d);
        if (rc == 0) {
            FILE *f = fdopen(fd[1], "wb");
            std::fwrite(&r, sizeof r, 1, f);
            std::fwrite(r.layers, sizeof *r.layers, (size_t)r.n_layers, f);
            std::fwrite(r.tiles, sizeof *r.tiles, (size_t)r.n_tiles, f);
            std::fclose(f);
        }
        std::fflush(nullptr);
        _exit(rc);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "rb");
    bool ok = f && std::fread(out, sizeof *out, 1, f) == 1;
    if (ok) {
        out->layers = (run_layer_t *)std::calloc((size_t)out->n_layers + 1, sizeof *out->layers);
        out->tiles = (run_tile_t *)std::calloc((size_t)out->n_tiles + 1, sizeof *out->tiles);
        ok = std::fread(out->layers, sizeof *out->layers, (size_t)out->n_layers, f) == (size_t)out->n_layers &&
             std::fread(out->tiles, sizeof *out->tiles, (size_t)out->n_tiles, f) == (size_t)out->n_tiles;
    }
    if (f)
        std::fclose(f);
    int st = 0;
    waitpid(pid, &st, 0);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    if (rc == 0 && !ok)
        rc = 1;
    return rc;
}

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

int imc_cmd_compare(int argc, char **argv)
{
    RunArgs ra;
    int p = parse_run_args("compare", argc, argv, ra, true);
    if (p == 1) {
        std::printf("usage: imcsim compare --arch A,B[,...] --model M [--set k=v ...] [--batch N]\n"
                    "                      [--replicate P] [--csv FILE] [--json FILE]\n\n"
                    "Runs model M on each architecture (one process each) and prints them side by\n"
                    "side; --csv writes the same table as CSV, --json an array of run results.\n");
        return 0;
    }
    if (p)
        return p;
    std::vector<std::string> archs;
    for (size_t s = 0, e; s <= ra.arch.size(); s = e + 1) {
        e = ra.arch.find(',', s);
        if (e == std::string::npos)
            e = ra.arch.size();
        if (e > s)
            archs.push_back(ra.arch.substr(s, e - s));
    }
    if (archs.size() < 2) {
        std::fprintf(stderr, "imcsim compare: error: --arch needs at least two architectures separated by ','\n");
        return 2;
    }
    std::vector<run_result_t> res(archs.size());
    for (size_t i = 0; i < archs.size(); i++) {
        int rc = run_in_child(ra, archs[i], &res[i]);
        if (rc) {
            std::fprintf(stderr, "imcsim compare: error: the run on '%s' failed\n", archs[i].c_str());
            return rc;
        }
    }
    struct Row { const char *name, *unit; double (*get)(const run_result_t &); };
    static const Row rows[] = {
        {"latency", "s", [](const run_result_t &r) { return r.latency_s; }},
        {"throughput", "inferences/s", [](const run_result_t &r) { return r.throughput_inferences_per_s; }},
        {"energy per inference", "J", [](const run_result_t &r) { return run_energy_total(&r) / r.batch; }},
        {"ops/s/W", "OPS/W", [](const run_result_t &r) { double e = run_energy_total(&r); return e > 0 ? 2.0 * (double)r.macs / e : 0; }},
        {"ops/s/mm2", "OPS/mm2", [](const run_result_t &r) { return r.total_s > 0 && r.area_mm2 > 0 ? 2.0 * (double)r.macs / r.total_s / r.area_mm2 : 0; }},
        {"area", "mm2", [](const run_result_t &r) { return r.area_mm2; }},
        {"chips", "1", [](const run_result_t &r) { return (double)r.chips; }},
        {"crossbars used", "1", [](const run_result_t &r) { return (double)r.crossbars_used; }},
        {"MACs", "1", [](const run_result_t &r) { return (double)r.macs; }},
        {"ADC conversions", "1", [](const run_result_t &r) { return (double)r.adc_conversions; }},
        {"flits", "1", [](const run_result_t &r) { return (double)r.flits; }},
    };
    FILE *csv = nullptr;
    if (!ra.csv.empty() && !(csv = std::fopen(ra.csv.c_str(), "w"))) {
        std::fprintf(stderr, "imcsim compare: error: cannot write '%s': %s\n", ra.csv.c_str(), std::strerror(errno));
        return 1;
    }
    std::printf("%s, batch %d\n%-26s", ra.model.c_str(), ra.batch, "metric (unit)");
    if (csv)
        std::fprintf(csv, "metric,unit");
    for (auto &a : archs) {
        std::printf(" %16s", a.c_str());
        if (csv)
            std::fprintf(csv, ",%s", a.c_str());
    }
    std::printf("\n");
    if (csv)
        std::fprintf(csv, "\n");
    for (const Row &row : rows) {
        std::string label = std::string(row.name) + " (" + row.unit + ")";
        std::printf("%-26s", label.c_str());
        if (csv)
            std::fprintf(csv, "%s,%s", row.name, row.unit);
        for (auto &r : res) {
            std::printf(" %16.6g", row.get(r));
            if (csv)
                std::fprintf(csv, ",%.12g", row.get(r));
        }
        std::printf("\n");
        if (csv)
            std::fprintf(csv, "\n");
    }
    std::printf("\nenergy by class (J per inference)\n");
    for (int c = 0; c < CLS_COUNT_; c++) {
        std::printf("  %-24s", run_class_names[c]);
        if (csv)
            std::fprintf(csv, "energy_%s,J", run_class_names[c]);
        for (auto &r : res) {
            double e = (r.dynamic_j_by_class[c] + r.leakage_j_by_class[c]) / r.batch;
            std::printf(" %16.6g", e);
            if (csv)
                std::fprintf(csv, ",%.12g", e);
        }
        std::printf("\n");
        if (csv)
            std::fprintf(csv, "\n");
    }
    if (csv && std::fclose(csv)) {
        std::fprintf(stderr, "imcsim compare: error: writing '%s' failed\n", ra.csv.c_str());
        return 1;
    }
    if (!ra.json.empty()) {
        FILE *f = ra.json == "-" ? stdout : std::fopen(ra.json.c_str(), "w");
        if (!f)
            return 1;
        std::fprintf(f, "[\n");
        for (size_t i = 0; i < res.size(); i++) {
            run_write_json(&res[i], f);
            if (i + 1 < res.size())
                std::fprintf(f, ",\n");
        }
        std::fprintf(f, "]\n");
        if (f != stdout)
            std::fclose(f);
    }
    return 0;
}
