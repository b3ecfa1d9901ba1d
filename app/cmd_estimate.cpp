// imcsim estimate: ISAAC's analytic pipeline model of a mapping, in
// milliseconds (sim/estimate.h, docs/validation.md).
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli.h"
#include "estimate.h"
#include "job.h"
#include "opts.h"
#include "outpath.h"
#include "tracegen.h"

int imc_cmd_estimate(int argc, char **argv)
{
    static const opts_cmd_t c = {
        "estimate", "estimate --arch A --model M [--json FILE|-] [options]",
        "Compiles model M onto architecture A and evaluates ISAAC's analytic pipeline model:\n"
        "per weight layer its MVM steps per inference, ceil(positions / replication); the\n"
        "period, the slowest layer's steps x one MVM time; the fill latency; throughput; and\n"
        "energy per inference, the CEs' dynamic energy plus static power x period. It is the\n"
        "first-order answer `imcsim run` is checked against (docs/validation.md); it does\n"
        "not model the NoC, buffers or the tiles' units.\n",
        "exit status: 0 ok, 1 writing the output failed, 2 bad input\n", 0, 0, nullptr};
    job_opts_t jo = JOB_OPTS_INIT;
    const char *json = nullptr;
    const opt_t opts[] = {
        JOB_OPTIONS(&jo),
        OPT_STRING(0, "json", &json, "FILE", "write the estimate as JSON ('-' for stdout)"),
        OPT_END,
    };
    int rc = opts_parse(&c, opts, argc, argv, nullptr, nullptr);
    if (rc == OPTS_GO && (!jo.arch || !jo.model))
        rc = opts_usage_error(&c, "%s is required", !jo.arch ? "--arch" : "--model");
    const outpath_use_t uses[] = {{"--json", json, 1, nullptr},
                                  {"--arch", jo.arch, 0, nullptr},
                                  {"--model", jo.model, 0, nullptr},
                                  {"--quant", jo.mflags.quant, 0, nullptr}};
    const int n_uses = (int)(sizeof uses / sizeof uses[0]);
    if (rc == OPTS_GO && json && (outpath_file(c.name, json, 1) || outpath_clash(c.name, uses, n_uses)))
        rc = 1;
    if (rc != OPTS_GO) {
        opt_list_free(&jo.sets);
        return rc;
    }
    imc_diag_t d;
    diag_init(&d);
    job_t j;
    estimate_t e;
    rc = job_compile(&jo, &j, &d);
    if (!rc && estimate_run(&j.mapping, &e, &d))
        rc = 2;
    trace_layer_t *layers = nullptr; // the NoC bound counts the traces' messages
    if (!rc && (tracegen_build(&j.mapping, &layers, &d) || estimate_noc(&j.mapping, layers, &e, &d))) {
        estimate_free(&e);
        rc = 2;
    }
    if (layers)
        trace_layers_free(layers, j.model.n_layers);
    if (d.text)
        std::fputs(d.text, stderr);
    const model_t &m = j.model;
    const bool to_stdout = json && !std::strcmp(json, "-");
    if (!rc && json) {
        FILE *f = to_stdout ? stdout : std::fopen(json, "w");
        if (!f) {
            std::fprintf(stderr, "imcsim estimate: error: cannot write '%s': %s\n", json,
                         std::strerror(errno));
            rc = 1;
        } else {
            json_w_t w;
            jw_init(&w, f);
            jw_obj_begin(&w, nullptr);
            jw_str(&w, "arch", j.arch->name);
            jw_str(&w, "model", m.name);
            estimate_write_json(&e, &m, &w);
            jw_obj_end(&w);
            jw_finish(&w);
            if (!to_stdout && std::fclose(f)) {
                std::fprintf(stderr, "imcsim estimate: error: writing '%s' failed\n", json);
                rc = 1;
            }
        }
    }
    if (!rc && !to_stdout) {
        std::printf("%s on %s (analytic pipeline model)\n", m.name, j.arch->name);
        std::printf("  period         %.6g us (%s: %lld MVM steps x %.6g us)\n", e.period_s * 1e6,
                    m.layers[e.bottleneck].name, (long long)e.bottleneck_steps,
                    e.period_s / (double)e.bottleneck_steps * 1e6);
        std::printf("  throughput     %.6g inferences/s\n", e.throughput_inferences_per_s);
        std::printf("  latency        %.6g us (fill)\n", e.latency_s * 1e6);
        std::printf("  energy         %.6g uJ per inference (dynamic %.6g uJ, static %.6g W x period)\n",
                    e.energy_per_inference_j * 1e6, e.dynamic_j * 1e6, e.static_w);
        if (!e.noc_bounded) {
            std::printf("  NoC            no bound: odd_even routing is adaptive (link loads "
                        "follow fixed routes only)\n");
        } else {
            char where[96];
            estimate_noc_port_name(&e, j.arch, where, sizeof where);
            std::printf("  NoC            %.6g us per inference through %s (%llu flits, %.0f %% from "
                        "%s; not in the model above%s)\n",
                        e.noc_bound_s * 1e6, where, (unsigned long long)e.noc_port_flits,
                        e.noc_port_flits ? 100.0 * (double)e.noc_top_flits / (double)e.noc_port_flits
                                         : 0.0,
                        e.noc_top_layer >= 0 ? m.layers[e.noc_top_layer].name : "the input",
                        e.noc_bound_s > e.period_s ? ": it BOUNDS the period" : "");
        }
        if (e.rec_layer >= 0)
            std::printf("  recurrence     %.6g us per inference: %s's %lld steps chained, %.6g us "
                        "each (not in the model above%s)\n",
                        e.rec_bound_s * 1e6, m.layers[e.rec_layer].name, (long long)e.rec_steps,
                        e.rec_step_s * 1e6,
                        e.rec_bound_s > e.period_s ? ": it BOUNDS the period" : "");
        if (estimate_host_shown(&e))
            std::printf("  host           %.6g us per inference: an input leaves the host once the "
                        "one %d before it is consumed, %.6g us of link latency away (not in the "
                        "model above%s)\n",
                        e.host_bound_s * 1e6, HOST_INPUTS_AHEAD, e.host_latency_s * 1e6,
                        e.host_bound_s > e.period_s ? ": it BOUNDS the period" : "");
        std::printf("\n  %-20s %10s %6s %6s %12s %12s\n", "layer", "positions", "repl", "steps",
                    "busy (us)", "last (us)");
        for (int k = 0; k < e.n; k++) {
            const estimate_layer_t &l = e.layers[k];
            std::printf("  %-20s %10lld %6lld %6lld %12.6g %12.6g%s\n", m.layers[l.layer].name,
                        (long long)l.positions, (long long)l.replication, (long long)l.steps,
                        l.busy_s * 1e6, l.last_s * 1e6, l.layer == e.bottleneck ? "  <- bottleneck" : "");
        }
    }
    if (!rc)
        estimate_free(&e);
    job_free(&j);
    diag_free(&d);
    opt_list_free(&jo.sets);
    return rc;
}
