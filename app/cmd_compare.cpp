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
#include "run_flow.h"

namespace {

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
    if (ok) { // pointers of the child's memory
        out->estimate_model = nullptr;
        out->estimate.layers = nullptr;
        out->estimate.n = 0;
    }
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
        {"energy per inference", "J", [](const run_result_t &r) { return run_energy_per_inference(&r); }},
        {"ops/s/W", "OPS/W", [](const run_result_t &r) { double e = run_energy_per_inference(&r); return e > 0 ? 2.0 * (double)r.macs / r.batch / e : 0; }},
        {"ops/s/mm2", "OPS/mm2", [](const run_result_t &r) { return r.period_s > 0 && r.area_mm2 > 0 ? 2.0 * (double)r.macs / r.batch / r.period_s / r.area_mm2 : 0; }},
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
    for (int c = 0; c < COMP_CLASS_COUNT_; c++) {
        std::printf("  %-24s", comp_class_names[c]);
        if (csv)
            std::fprintf(csv, "energy_%s,J", comp_class_names[c]);
        for (auto &r : res) {
            double e = r.inference_dynamic_j_by_class[c] + r.inference_static_j_by_class[c];
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
