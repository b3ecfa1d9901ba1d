#include "run_result.h"

#include "functional.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "json.h"
#include "strutil.h"

static double sum(const double *v)
{
    double e = 0;
    for (int c = 0; c < COMP_CLASS_COUNT_; c++)
        e += v[c];
    return e;
}

double run_energy_dynamic(const run_result_t *r) { return sum(r->dynamic_j_by_class); }
double run_energy_static(const run_result_t *r) { return sum(r->static_j_by_class); }
double run_energy_total(const run_result_t *r) { return run_energy_dynamic(r) + run_energy_static(r); }

double run_energy_per_inference(const run_result_t *r)
{
    return sum(r->inference_dynamic_j_by_class) + sum(r->inference_static_j_by_class);
}

void run_result_free(run_result_t *r)
{
    if (r->functional)
        func_result_free(r->functional);
    free(r->functional);
    free(r->layers);
    free(r->tiles);
    free(r->completions_s);
    estimate_free(&r->estimate); /* the result owns its estimate's layers */
    memset(r, 0, sizeof *r);
}

/* Steady state: 2 ops per MAC of one inference over its energy and period. */
static double inference_macs(const run_result_t *r)
{
    return r->batch > 0 ? (double)r->macs / r->batch : 0;
}

static double ops_per_joule(const run_result_t *r)
{
    double e = run_energy_per_inference(r);
    return e > 0 ? 2.0 * inference_macs(r) / e : 0;
}

static double achieved_ops_per_s(const run_result_t *r)
{
    return r->period_s > 0 ? 2.0 * inference_macs(r) / r->period_s : 0;
}

/* {"total": .., <class>: ..} of one per-class array, or of two summed. */
static void by_class(json_w_t *w, const char *key, const double *x, const double *y)
{
    jw_obj_begin(w, key);
    for (int c = 0; c < COMP_CLASS_COUNT_; c++)
        jw_num(w, comp_class_names[c], x[c] + (y ? y[c] : 0));
    jw_obj_end(w);
}

void run_write_json(const run_result_t *r, FILE *f)
{
    json_w_t w;
    jw_init(&w, f);
    jw_obj_begin(&w, NULL);
    jw_str(&w, "arch", r->arch);
    jw_str(&w, "model", r->model);
    jw_int(&w, "batch", r->batch);
    jw_int(&w, "inferences_simulated", r->inferences);
    jw_str(&w, "period_from", r->steady > 0 ? "converged" : "not_converged");
    jw_int(&w, "chips", r->chips);
    jw_int(&w, "tiles_powered", r->tiles_powered);
    jw_int(&w, "band_rows", r->band_rows);
    jw_num(&w, "clock_ghz", r->clock_ghz);
    jw_uint(&w, "latency_cycles", r->latency_cycles);
    jw_num(&w, "latency_s", r->latency_s);
    jw_uint(&w, "total_cycles", r->total_cycles);
    jw_num(&w, "total_s", r->total_s);
    jw_num(&w, "period_s", r->period_s);
    jw_int(&w, "period_window", r->period_window);
    jw_int(&w, "period_intervals", r->period_intervals);
    jw_num(&w, "period_jitter_s", r->period_jitter_s);
    jw_num(&w, "period_floor_s", r->period_floor_s);
    jw_obj_begin(&w, "period_intervals_s");
    jw_num(&w, "min", r->period_min_s);
    jw_num(&w, "max", r->period_max_s);
    jw_obj_end(&w);
    jw_num(&w, "throughput_inferences_per_s", r->throughput_inferences_per_s);
    jw_uint(&w, "macs", r->macs);
    jw_uint(&w, "mvm_ops", r->mvm_ops);
    jw_uint(&w, "crossbar_reads", r->crossbar_reads);
    jw_uint(&w, "adc_conversions", r->adc_conversions);
    jw_uint(&w, "adc_clipped", r->adc_clipped);
    jw_uint(&w, "flits", r->flits);
    jw_uint(&w, "offchip_bytes", r->offchip_bytes);
    jw_uint(&w, "host_bytes", r->host_bytes);
    jw_int(&w, "crossbars_used", r->crossbars_used);

    jw_obj_begin(&w, "energy_j");
    jw_num(&w, "total", run_energy_total(r));
    jw_num(&w, "dynamic", run_energy_dynamic(r));
    jw_num(&w, "static", run_energy_static(r));
    by_class(&w, "by_class", r->dynamic_j_by_class, r->static_j_by_class);
    by_class(&w, "dynamic_by_class", r->dynamic_j_by_class, NULL);
    by_class(&w, "static_by_class", r->static_j_by_class, NULL);
    jw_obj_end(&w);
    jw_obj_begin(&w, "energy_per_inference_j");
    jw_num(&w, "total", run_energy_per_inference(r));
    jw_num(&w, "dynamic", sum(r->inference_dynamic_j_by_class));
    jw_num(&w, "static", sum(r->inference_static_j_by_class));
    by_class(&w, "by_class", r->inference_dynamic_j_by_class, r->inference_static_j_by_class);
    by_class(&w, "dynamic_by_class", r->inference_dynamic_j_by_class, NULL);
    by_class(&w, "static_by_class", r->inference_static_j_by_class, NULL);
    jw_obj_end(&w);
    jw_obj_begin(&w, "static_power_w");
    jw_num(&w, "total", sum(r->static_w_by_class));
    by_class(&w, "by_class", r->static_w_by_class, NULL);
    jw_obj_end(&w);

    jw_obj_begin(&w, "noc");
    jw_num(&w, "busiest_port_flits_per_inference", r->noc_busiest_port_flits);
    jw_num(&w, "bound_period_s", r->noc_bound_period_s);
    jw_obj_end(&w);

    jw_obj_begin(&w, "utilization");
    jw_obj_begin(&w, "by_class");
    for (int c = 0; c < COMP_CLASS_COUNT_; c++) {
        if (r->utilization_measured[c])
            jw_num(&w, comp_class_names[c], r->utilization_by_class[c]);
        else
            jw_null(&w, comp_class_names[c]);
    }
    jw_obj_end(&w);
    jw_obj_end(&w);

    jw_num(&w, "area_mm2", r->area_mm2);
    jw_num(&w, "ops_per_s", achieved_ops_per_s(r));
    jw_num(&w, "ops_per_s_per_w", ops_per_joule(r));
    jw_num(&w, "ops_per_s_per_mm2", r->area_mm2 > 0 ? achieved_ops_per_s(r) / r->area_mm2 : 0);
    jw_obj_begin(&w, "peak");
    jw_num(&w, "ops_per_s", r->peak_ops_per_s);
    jw_num(&w, "ops_per_s_per_w", r->peak_ops_per_s_per_w);
    jw_num(&w, "ops_per_s_per_mm2", r->peak_ops_per_s_per_mm2);
    jw_obj_end(&w);
    jw_obj_begin(&w, "peak_by_level");
    static const char *const level_names[3] = {"ce", "tile", "chip"};
    for (int i = 0; i < 3; i++) {
        jw_obj_begin(&w, level_names[i]);
        jw_num(&w, "ops_per_s", r->level_peak[i].ops_per_s);
        jw_num(&w, "ops_per_s_per_w", r->level_peak[i].ops_per_s_per_w);
        jw_num(&w, "ops_per_s_per_mm2", r->level_peak[i].ops_per_s_per_mm2);
        jw_obj_end(&w);
    }
    jw_obj_end(&w);

    if (r->estimate_model) {
        jw_obj_begin(&w, "estimate");
        estimate_write_json(&r->estimate, r->estimate_model, &w);
        jw_obj_end(&w);
    }
    jw_arr_begin(&w, "completions_s");
    for (int i = 0; i < r->inferences; i++)
        jw_num(&w, NULL, r->completions_s[i]);
    jw_arr_end(&w);

    double to_s = r->clock_ghz > 0 ? 1e-9 / r->clock_ghz : 0;
    jw_arr_begin(&w, "layers");
    for (int i = 0; i < r->n_layers; i++) {
        const run_layer_t *l = &r->layers[i];
        jw_obj_begin(&w, NULL);
        jw_str(&w, "name", l->name);
        jw_str(&w, "type", l->type);
        jw_int(&w, "replication", l->replication);
        jw_int(&w, "crossbars", l->crossbars);
        jw_int(&w, "macs", l->macs);
        jw_uint(&w, "mvms", l->mvms);
        jw_uint(&w, "start_cycle", l->start_cycle);
        jw_uint(&w, "end_cycle", l->end_cycle);
        jw_uint(&w, "busy_cycles", l->busy_cycles);
        jw_num(&w, "start_s", (double)l->start_cycle * to_s);
        jw_num(&w, "end_s", (double)l->end_cycle * to_s);
        jw_num(&w, "busy_s", (double)l->busy_cycles * to_s);
        jw_num(&w, "energy_j", l->energy_j);
        jw_bool(&w, "bound", l->bound);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);

    jw_arr_begin(&w, "tiles");
    for (int i = 0; i < r->n_tiles; i++) {
        const run_tile_t *t = &r->tiles[i];
        jw_obj_begin(&w, NULL);
        jw_int(&w, "id", t->id);
        jw_int(&w, "chip", t->chip);
        jw_int(&w, "x", t->x);
        jw_int(&w, "y", t->y);
        jw_bool(&w, "powered", t->powered);
        jw_num(&w, "utilization", t->utilization);
        jw_num(&w, "energy_j", t->energy_j);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    if (r->functional)
        func_result_json(r->functional, &w);
    jw_obj_end(&w);
    jw_finish(&w);
}

/* The analytic estimate beside the run's period: its own, and the bounds it
 * gives beside ISAAC's model (the NoC's links, an LSTM's recurrence, the
 * host's input). */
static void write_estimate_line(const run_result_t *r, FILE *f)
{
    const estimate_t *e = &r->estimate;
    char a[48], b[48];
    double d = e->period_s > 0 ? 100 * (r->period_s - e->period_s) / e->period_s : 0.0;
    fprintf(f, "  estimate       period %s (the run %+.1f %%)", fmt_si(a, sizeof a, e->period_s, "s"),
            fabs(d) < 0.05 ? 0.0 : d); /* no "-0.0" */
    if (e->noc_bounded)
        fprintf(f, ", NoC bound %s", fmt_si(b, sizeof b, e->noc_bound_s, "s"));
    if (e->rec_layer >= 0)
        fprintf(f, ", recurrence bound %s", fmt_si(b, sizeof b, e->rec_bound_s, "s"));
    if (estimate_host_shown(e))
        fprintf(f, ", host bound %s", fmt_si(b, sizeof b, e->host_bound_s, "s"));
    fprintf(f, " (imcsim estimate)\n");
}

void run_write_summary(const run_result_t *r, FILE *f)
{
    char a[48], b[48], c[48], e[48];
    double per = run_energy_per_inference(r);
    fprintf(f, "%s on %s, batch %d (%d chip%s, %d tiles powered, %lld crossbars)\n", r->model,
            r->arch, r->batch, r->chips, r->chips == 1 ? "" : "s", r->tiles_powered,
            (long long)r->crossbars_used);
    fprintf(f, "  latency        %s (%llu cycles at %.4g GHz)\n", fmt_si(a, sizeof a, r->latency_s, "s"),
            (unsigned long long)r->latency_cycles, r->clock_ghz);
    double jitter_pct = r->period_s > 0 ? 100 * r->period_jitter_s / r->period_s : 0.0;
    fprintf(f, "  throughput     %.6g inferences/s (period %s +- %.*f %%, %s)\n",
            r->throughput_inferences_per_s, fmt_si(b, sizeof b, r->period_s, "s"),
            jitter_pct < 10 ? 1 : 0, jitter_pct,
            r->steady > 0 ? "steady state" : "NOT converged: run a larger --batch or --period-window");
    if (r->steady <= 0 && r->period_s < r->period_floor_s * (1 - RUN_PERIOD_FLOOR_SLACK))
        fprintf(f, "                 (below the busiest resource's %s per inference: the "
                   "pipeline's fill, not a steady state)\n",
                fmt_si(a, sizeof a, r->period_floor_s, "s"));
    /* a mean of a few intervals that spread is a sample of them (docs/run.md) */
    if (r->period_s > 0 && (r->period_max_s > 1.1 * r->period_s || r->period_min_s < 0.9 * r->period_s))
        fprintf(f, "                 (its %d completion intervals jitter from %s to %s%s)\n",
                r->period_intervals, fmt_si(a, sizeof a, r->period_min_s, "s"),
                fmt_si(c, sizeof c, r->period_max_s, "s"),
                r->period_intervals > r->period_window     ? ": a larger --batch averages more"
                : r->period_window < RUN_PERIOD_WINDOW_MAX ? ": a larger --period-window averages more"
                                                           : "");
    /* No resource busy for the period: the pipeline waits (an LSTM's chain,
     * round trips between chips, full buffers), which no bound names. */
    const double links_s = r->utilization_by_class[COMP_OFFCHIP] * r->period_s;
    const double busiest = fmax(fmax(r->period_floor_s, r->noc_bound_period_s), links_s);
    if (r->steady > 0 && busiest > 0 && r->period_s > 1.1 * busiest)
        fprintf(f, "                 (its busiest resource, %s, is busy %s of it per inference; "
                   "the other %s are waits on data and buffer space)\n",
                busiest == r->noc_bound_period_s ? "the NoC's busiest port"
                : busiest == links_s             ? "the off-chip links"
                                                 : "a tile's",
                fmt_si(a, sizeof a, busiest, "s"), fmt_si(c, sizeof c, r->period_s - busiest, "s"));
    if (r->estimate_model)
        write_estimate_line(r, f);
    fprintf(f, "  energy         %s per inference (dynamic %s, static %s over the period)\n",
            fmt_si(a, sizeof a, per, "J"), fmt_si(b, sizeof b, sum(r->inference_dynamic_j_by_class), "J"),
            fmt_si(c, sizeof c, sum(r->inference_static_j_by_class), "J"));
    fprintf(f, "  efficiency     %s/W (peak %s/W), %s/mm2 (peak %s/mm2)\n",
            fmt_si(a, sizeof a, ops_per_joule(r), "OPS"), fmt_si(b, sizeof b, r->peak_ops_per_s_per_w, "OPS"),
            fmt_si(c, sizeof c, r->area_mm2 > 0 ? achieved_ops_per_s(r) / r->area_mm2 : 0, "OPS"),
            fmt_si(e, sizeof e, r->peak_ops_per_s_per_mm2, "OPS"));
    fprintf(f, "  counts         %llu MACs, %llu crossbar reads, %llu ADC conversions (%llu clipped), %llu flits\n",
            (unsigned long long)r->macs, (unsigned long long)r->crossbar_reads,
            (unsigned long long)r->adc_conversions, (unsigned long long)r->adc_clipped,
            (unsigned long long)r->flits);
    if (r->functional)
        func_result_summary(r->functional, f);
    fprintf(f, "\n  %-14s %12s %12s %8s %12s\n", "class", "dynamic", "static", "share", "utilization");
    fprintf(f, "  %-14s %12s %12s\n", "", "(inference)", "(period)");
    for (int k = 0; k < COMP_CLASS_COUNT_; k++) {
        double d = r->inference_dynamic_j_by_class[k], st = r->inference_static_j_by_class[k];
        char u[16] = "-"; /* no busy time counted for the class */
        if (r->utilization_measured[k])
            snprintf(u, sizeof u, "%.2f%%", 100.0 * r->utilization_by_class[k]);
        fprintf(f, "  %-14s %12s %12s %7.2f%% %12s\n", comp_class_names[k],
                fmt_si(a, sizeof a, d, "J"), fmt_si(b, sizeof b, st, "J"), per > 0 ? 100.0 * (d + st) / per : 0,
                u);
    }
    fprintf(f, "\n  %-20s %-14s %5s %9s %12s %12s %12s\n", "layer", "type", "repl", "crossbars",
            "start", "end", "busy");
    double to_s = r->clock_ghz > 0 ? 1e-9 / r->clock_ghz : 0;
    for (int i = 0; i < r->n_layers; i++) {
        const run_layer_t *l = &r->layers[i];
        char mark[96] = "";
        if (l->bound && r->noc_bound_period_s > (double)l->busy_cycles * to_s)
            /* its busiest port needs longer per inference than any layer */
            snprintf(mark, sizeof mark, "  <- busiest layer; the NoC's busiest port needs %s",
                     fmt_si(e, sizeof e, r->noc_bound_period_s, "s"));
        else if (l->bound)
            snprintf(mark, sizeof mark, "  <- bounds the pipeline");
        fprintf(f, "  %-20s %-14s %5d %9lld %12s %12s %12s%s\n", l->name, l->type, l->replication,
                (long long)l->crossbars, fmt_si(a, sizeof a, (double)l->start_cycle * to_s, "s"),
                fmt_si(b, sizeof b, (double)l->end_cycle * to_s, "s"),
                fmt_si(c, sizeof c, (double)l->busy_cycles * to_s, "s"), mark);
    }
}

int run_write_csv(const run_result_t *r, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/" RUN_CSV_LAYERS, dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    double to_s = r->clock_ghz > 0 ? 1e-9 / r->clock_ghz : 0;
    fprintf(f, "layer,type,replication,crossbars,macs,mvms,start_s,end_s,busy_s,energy_j,bound\n");
    for (int i = 0; i < r->n_layers; i++) {
        const run_layer_t *l = &r->layers[i];
        char s0[32], s1[32], s2[32], e[32];
        json_format_double(s0, sizeof s0, (double)l->start_cycle * to_s);
        json_format_double(s1, sizeof s1, (double)l->end_cycle * to_s);
        json_format_double(s2, sizeof s2, (double)l->busy_cycles * to_s);
        json_format_double(e, sizeof e, l->energy_j);
        csv_put(f, l->name); /* RFC 4180: a name may hold ',', '"' or a newline */
        fputc(',', f);
        csv_put(f, l->type);
        fprintf(f, ",%d,%lld,%lld,%llu,%s,%s,%s,%s,%d\n", l->replication,
                (long long)l->crossbars, (long long)l->macs, (unsigned long long)l->mvms, s0, s1,
                s2, e, l->bound);
    }
    if (fclose(f))
        return -1;
    snprintf(path, sizeof path, "%s/" RUN_CSV_TILES, dir);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "tile,chip,x,y,powered,utilization,energy_j\n");
    for (int i = 0; i < r->n_tiles; i++) {
        const run_tile_t *t = &r->tiles[i];
        char u[32], e[32];
        json_format_double(u, sizeof u, t->utilization);
        json_format_double(e, sizeof e, t->energy_j);
        fprintf(f, "%d,%d,%d,%d,%d,%s,%s\n", t->id, t->chip, t->x, t->y, t->powered, u, e);
    }
    return fclose(f) ? -1 : 0;
}
