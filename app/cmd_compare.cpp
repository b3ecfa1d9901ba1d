// imcsim compare: one network on several architectures, side by side.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "cli.h"
#include "csv.h"
#include "json.h"
#include "outpath.h"
#include "outputs.h"
#include "run_flow.h"
#include "strutil.h"

namespace {

const opts_cmd_t compare_cmd = {
    "compare", "compare --arch A,B[,...] --model M [options]",
    "Runs model M on each architecture (one process each) and prints them side by\n"
    "side, every value with its unit; --csv writes the same table as CSV (base units,\n"
    "full precision), --json an array of run results.\n",
    nullptr, 0, 0, nullptr};

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
        int rc = run_one(ra, arch.c_str(), &r, &d);
        if (rc == 0) {
            FILE *f = fdopen(fd[1], "wb");
            std::fwrite(&r, sizeof r, 1, f);
            std::fwrite(r.layers, sizeof *r.layers, (size_t)r.n_layers, f);
            std::fwrite(r.tiles, sizeof *r.tiles, (size_t)r.n_tiles, f);
            std::fwrite(r.completions_s, sizeof *r.completions_s, (size_t)r.inferences, f);
            if (r.estimate_model) // its layers; the parent names them (name_estimates)
                std::fwrite(r.estimate.layers, sizeof *r.estimate.layers, (size_t)r.estimate.n, f);
            std::fclose(f);
        }
        std::fflush(nullptr);
        _exit(rc);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "rb");
    bool ok = f && std::fread(out, sizeof *out, 1, f) == 1;
    const bool estimated = ok && out->estimate_model; // the run had an estimate
    // pointers into the child's memory: ours replace them, or none; the
    // estimate's layers come too, its model is the parent's (name_estimates)
    out->layers = nullptr;
    out->tiles = nullptr;
    out->completions_s = nullptr;
    out->estimate_model = nullptr;
    out->estimate.layers = nullptr;
    if (!estimated)
        out->estimate.n = 0;
    if (ok) {
        out->layers = (run_layer_t *)std::calloc((size_t)out->n_layers + 1, sizeof *out->layers);
        out->tiles = (run_tile_t *)std::calloc((size_t)out->n_tiles + 1, sizeof *out->tiles);
        out->completions_s = (double *)std::calloc((size_t)out->inferences + 1, sizeof *out->completions_s);
        ok = out->layers && out->tiles && out->completions_s &&
             std::fread(out->layers, sizeof *out->layers, (size_t)out->n_layers, f) == (size_t)out->n_layers &&
             std::fread(out->tiles, sizeof *out->tiles, (size_t)out->n_tiles, f) == (size_t)out->n_tiles &&
             std::fread(out->completions_s, sizeof *out->completions_s, (size_t)out->inferences, f) ==
                 (size_t)out->inferences;
    }
    if (ok && estimated) {
        estimate_t &e = out->estimate;
        e.layers = (estimate_layer_t *)std::calloc((size_t)e.n + 1, sizeof *e.layers);
        ok = e.layers && std::fread(e.layers, sizeof *e.layers, (size_t)e.n, f) == (size_t)e.n;
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

// One row of the table: the CSV gives the value in `unit`, full precision;
// the text shows it as a whole count, or with `shown` as unit, plain or with
// an SI prefix (not for mm2, which would read as milli-m2); an empty `shown`
// puts the unit in the label instead ("throughput (inferences/s)  72.01 k").
enum Show { COUNT, PLAIN, SI };
struct Row {
    const char *name, *unit;
    Show show;
    const char *shown;
    double (*get)(const run_result_t &);
};

// Steady state: one inference's MACs (2 ops each) over its energy, and per
// period over the area.
double ops_per_joule(const run_result_t &r)
{
    double e = run_energy_per_inference(&r);
    return e > 0 ? 2.0 * (double)r.macs / r.batch / e : 0;
}

double ops_per_s_mm2(const run_result_t &r)
{
    return r.period_s > 0 && r.area_mm2 > 0 ? 2.0 * (double)r.macs / r.batch / r.period_s / r.area_mm2 : 0;
}

const Row rows[] = {
    {"latency", "s", SI, "s", [](const run_result_t &r) { return r.latency_s; }},
    {"throughput", "inferences/s", SI, "", [](const run_result_t &r) { return r.throughput_inferences_per_s; }},
    {"period jitter", "s", SI, "s", [](const run_result_t &r) { return r.period_jitter_s; }},
    {"energy per inference", "J", SI, "J", [](const run_result_t &r) { return run_energy_per_inference(&r); }},
    {"ops/s/W", "OPS/W", SI, "OPS/W", ops_per_joule},
    {"ops/s/mm2", "OPS/mm2", SI, "OPS/mm2", ops_per_s_mm2},
    {"area", "mm2", PLAIN, "mm2", [](const run_result_t &r) { return r.area_mm2; }},
    {"chips", "1", COUNT, nullptr, [](const run_result_t &r) { return (double)r.chips; }},
    {"crossbars used", "1", COUNT, nullptr, [](const run_result_t &r) { return (double)r.crossbars_used; }},
    {"MACs", "1", COUNT, nullptr, [](const run_result_t &r) { return (double)r.macs; }},
    {"ADC conversions", "1", COUNT, nullptr, [](const run_result_t &r) { return (double)r.adc_conversions; }},
    {"flits", "1", COUNT, nullptr, [](const run_result_t &r) { return (double)r.flits; }},
};

// Prints one row to the text table (labelled `label`) and the CSV.
void put_row(FILE *csv, const char *label, const Row &row, const std::vector<double> &v)
{
    std::printf("%-26s", label);
    if (csv) {
        csv_put(csv, row.name);
        std::fputc(',', csv);
        csv_put(csv, row.unit);
    }
    for (double x : v) {
        char b[48];
        if (row.show == COUNT)
            std::snprintf(b, sizeof b, "%.0f", x);
        else if (row.show == PLAIN)
            std::snprintf(b, sizeof b, "%.4g %s", x, row.shown);
        else
            fmt_si(b, sizeof b, x, row.shown); // "72.01 k" when shown is ""
        std::printf(" %16s", b);
        if (csv) { // whole numbers exactly, as in the JSON
            json_format_double(b, sizeof b, x);
            std::fprintf(csv, ",%s", b);
        }
    }
    std::printf("\n");
    if (csv)
        std::fprintf(csv, "\n");
}

// Whether r ran model m: the same layers, by name (its file may have
// changed since; an estimate names layers by index into it).
bool same_layers(const run_result_t &r, const model_t &m)
{
    if (r.n_layers != m.n_layers)
        return false;
    for (int k = 0; k < m.n_layers; k++)
        if (std::strcmp(r.layers[k].name, m.layers[k].name))
            return false;
    return true;
}

// The estimates name their layers by the model's, and the children's models
// are gone: the parent loads the same one (a model does not depend on the
// architecture) for the JSON; the runs printed its warnings already.
// 0, or -1 with the error printed.
int name_estimates(const RunArgs &ra, model_t *m, std::vector<run_result_t> &res)
{
    imc_diag_t d;
    diag_init(&d);
    const model_opts_t mo = model_flags_opts(&ra.job.mflags);
    const int rc = model_load_opts(ra.job.model, &mo, m, &d);
    if (rc)
        print_diag(&d);
    diag_free(&d);
    for (auto &r : res) {
        if (rc || !r.estimate.layers) // the run had no estimate
            continue;
        if (!same_layers(r, *m)) {
            std::fprintf(stderr, "imcsim compare: error: model '%s' changed during the runs\n",
                         ra.job.model);
            return -1;
        }
        r.estimate_model = m;
    }
    return rc ? -1 : 0;
}

void write_json(FILE *f, const std::vector<run_result_t> &res)
{
    std::fprintf(f, "[\n");
    for (size_t i = 0; i < res.size(); i++) {
        run_write_json(&res[i], f);
        if (i + 1 < res.size())
            std::fprintf(f, ",\n");
    }
    std::fprintf(f, "]\n");
}

int compare(const RunArgs &ra)
{
    std::vector<std::string> archs;
    std::string list = ra.job.arch;
    for (size_t s = 0, e; s <= list.size(); s = e + 1) {
        e = list.find(',', s);
        if (e == std::string::npos)
            e = list.size();
        if (e > s)
            archs.push_back(list.substr(s, e - s));
    }
    if (archs.size() < 2)
        return opts_usage_error(&compare_cmd, "--arch needs at least two architectures separated by ','");
    std::vector<run_result_t> res(archs.size());
    model_t model{}; // names the estimates' layers in the JSON
    struct Free { // the results' arrays and the model, on every way out
        std::vector<run_result_t> &r;
        model_t &m;
        ~Free() {
            for (auto &x : r)
                run_result_free(&x);
            model_free(&m);
        }
    } free_res{res, model};
    for (size_t i = 0; i < archs.size(); i++) {
        int rc = run_in_child(ra, archs[i], &res[i]);
        if (rc) {
            std::fprintf(stderr, "imcsim compare: error: the run on '%s' failed\n", archs[i].c_str());
            return rc;
        }
    }
    if (ra.json && name_estimates(ra, &model, res))
        return 2;
    // the CSV and the JSON appear together, under a manifest (outputs.h)
    outputs_t out;
    outputs_init(&out, "compare");
    FILE *csv = nullptr, *json = nullptr;
    if ((ra.csv && (outpath_file("compare", ra.csv, 1) || !(csv = outputs_open(&out, "csv", ra.csv)))) ||
        (ra.json && (outpath_file("compare", ra.json, 1) || !(json = outputs_open(&out, "json", ra.json))))) {
        outputs_abort(&out);
        return 1;
    }
    std::printf("%s, batch %lld\n%-26s", ra.job.model, (long long)ra.batch, "metric");
    if (csv)
        std::fprintf(csv, "metric,unit");
    for (auto &a : archs) {
        std::printf(" %16s", a.c_str());
        if (csv) {
            std::fputc(',', csv);
            csv_put(csv, a.c_str());
        }
    }
    std::printf("\n");
    if (csv)
        std::fprintf(csv, "\n");
    std::vector<double> v(res.size());
    for (const Row &row : rows) {
        for (size_t i = 0; i < res.size(); i++)
            v[i] = row.get(res[i]);
        std::string label = row.name;
        if (row.shown && !*row.shown)
            label += std::string(" (") + row.unit + ")";
        put_row(csv, label.c_str(), row, v);
    }
    std::printf("\nenergy by class, per inference\n");
    for (int c = 0; c < COMP_CLASS_COUNT_; c++) {
        for (size_t i = 0; i < res.size(); i++)
            v[i] = res[i].inference_dynamic_j_by_class[c] + res[i].inference_static_j_by_class[c];
        std::string name = std::string("energy_") + comp_class_names[c];
        std::string label = std::string("  ") + comp_class_names[c];
        put_row(csv, label.c_str(), Row{name.c_str(), "J", SI, "J", nullptr}, v);
    }
    if (json)
        write_json(json, res);
    char *manifest = run_manifest_path(ra, true);
    int rc = outputs_commit(&out, manifest);
    std::free(manifest);
    return rc;
}

} // namespace

int imc_cmd_compare(int argc, char **argv)
{
    RunArgs ra;
    int rc = parse_run_args(compare_cmd, argc, argv, ra, true);
    if (rc == OPTS_GO)
        rc = compare(ra);
    opt_list_free(&ra.job.sets);
    return rc;
}
