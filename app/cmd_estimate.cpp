// imcsim estimate: ISAAC's analytic pipeline model of a mapping, in
// milliseconds (sim/estimate.h, docs/validation.md).
#include <cstdio>
#include <string>

#include "cli.h"
#include "estimate.h"
#include "run_flow.h"

namespace {

void usage(FILE *f)
{
    std::fprintf(f,
        "usage: imcsim estimate --arch A --model M [--set key=value ...] [--replicate P]\n"
        "                       [--json FILE|-]\n\n"
        "Compiles model M onto architecture A and evaluates ISAAC's analytic pipeline model:\n"
        "per weight layer its MVM steps per inference, ceil(positions / replication); the\n"
        "period, the slowest layer's steps x one MVM time; the fill latency; throughput; and\n"
        "energy per inference, the CEs' dynamic energy plus static power x period. It is the\n"
        "first-order answer `imcsim run` is checked against (docs/validation.md); it does\n"
        "not model the NoC, buffers or the tiles' units.\n");
}

} // namespace

int imc_cmd_estimate(int argc, char **argv)
{
    RunArgs ra;
    int p = parse_run_args("estimate", argc, argv, ra, true);
    if (p == 1) {
        usage(stdout);
        return 0;
    }
    if (p)
        return p;
    imc_diag_t d;
    diag_init(&d);
    arch_t a;
    model_t m;
    mapping_t mp;
    int rc = load_and_compile(ra, ra.arch, &a, &m, &mp, &d);
    estimate_t e;
    if (!rc && estimate_run(&mp, &e, &d)) {
        print_diag(&d);
        rc = 2;
    }
    if (!rc) {
        if (!ra.json.empty()) {
            FILE *f = ra.json == "-" ? stdout : std::fopen(ra.json.c_str(), "w");
            if (!f) {
                std::perror(ra.json.c_str());
                return 1;
            }
            json_w_t w;
            jw_init(&w, f);
            jw_obj_begin(&w, nullptr);
            jw_str(&w, "arch", a.name);
            jw_str(&w, "model", m.name);
            estimate_write_json(&e, &m, &w);
            jw_obj_end(&w);
            jw_finish(&w);
            if (f != stdout && std::fclose(f)) {
                std::perror(ra.json.c_str());
                return 1;
            }
        }
        if (ra.json != "-") {
            std::printf("%s on %s (analytic pipeline model)\n", m.name, a.name);
            std::printf("  period         %.6g us (%s: %lld MVM steps x %.6g us)\n", e.period_s * 1e6,
                        m.layers[e.bottleneck].name, (long long)e.bottleneck_steps,
                        e.layers[0].mvm_s * 1e6);
            std::printf("  throughput     %.6g inferences/s\n", e.throughput_inferences_per_s);
            std::printf("  latency        %.6g us (fill)\n", e.latency_s * 1e6);
            std::printf("  energy         %.6g uJ per inference (dynamic %.6g uJ, static %.6g W x period)\n",
                        e.energy_per_inference_j * 1e6, e.dynamic_j * 1e6, e.static_w);
            std::printf("\n  %-20s %10s %6s %6s %12s %12s\n", "layer", "positions", "repl", "steps",
                        "busy (us)", "last (us)");
            for (int k = 0; k < e.n; k++) {
                const estimate_layer_t &l = e.layers[k];
                std::printf("  %-20s %10lld %6lld %6lld %12.6g %12.6g%s\n", m.layers[l.layer].name,
                            (long long)l.positions, (long long)l.replication, (long long)l.steps,
                            l.busy_s * 1e6, l.last_s * 1e6, l.layer == e.bottleneck ? "  <- bottleneck" : "");
            }
        }
        estimate_free(&e);
        mapping_free(&mp);
        model_free(&m);
    }
    diag_free(&d);
    return rc;
}
