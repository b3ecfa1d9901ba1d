/* The analytic estimate (estimate.h). */
#include "estimate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ce.h"
#include "deps.h"
#include "tile.h"

static int is_weight(layer_kind_t k) { return k == LAYER_CONV || k == LAYER_LINEAR || k == LAYER_LSTM; }
static double dmax(double a, double b) { return a > b ? a : b; }

/* One MVM of a full crossbar block of layer i: its issue interval and its
 * latency, start to result in the output register (s), and the dynamic
 * energy of one position of one replica (pJ). */
static int mvm_cost(const mapping_t *m, int i, ce_t *ce, double *mvm_s, double *latency_s,
                    double *pos_pj)
{
    const arch_t *a = m->arch;
    const layer_map_t *lm = &m->layers[i];
    int mvmu = a->ce.mvmu_crossbars > 1 ? a->ce.mvmu_crossbars : 1;
    int64_t cbp = (lm->col_blocks + mvmu - 1) / mvmu * mvmu;
    int64_t xbars = (int64_t)lm->row_blocks * cbp;
    /* the average crossbar of the layer: its rows and physical columns */
    int rows = (int)((lm->rows + lm->row_blocks - 1) / lm->row_blocks);
    int64_t pcols = mvmu > 1 ? a->crossbar.cols
                             : ((int64_t)lm->cols * lm->slices + lm->col_blocks - 1) / lm->col_blocks;
    if (rows > a->crossbar.rows)
        rows = a->crossbar.rows;
    if (pcols > a->crossbar.cols)
        pcols = a->crossbar.cols;
    /* the CE's busiest: as many crossbars as the replica puts on one CE */
    int on_ce = (int)(xbars < a->ce.crossbars ? xbars : a->ce.crossbars);
    ce_req_t r = {on_ce, rows < 1 ? 1 : rows, pcols < 1 ? 1 : (int)pcols, lm->act_bits,
                  a->precision.signed_inputs, 0, 0};
    ce_timing_t t;
    ce_mvm_timing(ce, &r, &t);
    *mvm_s = (double)t.issue_cycles * comp_cycle_ns(a) * 1e-9;
    *latency_s = (double)t.total_cycles * comp_cycle_ns(a) * 1e-9;
    *pos_pj = t.energy_pj / on_ce * (double)xbars;
    return 0;
}

/* The host's side of one inference (chip.offchip.host_io: links): its input
 * crosses the links at their bandwidth, at the precision of the layers that
 * read it (as the engine sends it), the output back at the output layers'
 * own, each after the links' latency; preloaded: none of it. */
typedef struct host_io {
    double latency_s, row_s, input_s, output_s;
} host_io_t;

static int reads_input(const layer_t *L)
{
    for (int k = 0; k < L->n_inputs; k++)
        if (L->inputs[k] == LAYER_INPUT_NETWORK)
            return 1;
    return 0;
}

static host_io_t host_io(const mapping_t *m)
{
    const model_t *md = m->model;
    const arch_offchip_t *oc = &m->arch->chip.offchip;
    host_io_t h = {0, 0, 0, 0};
    double bw = oc->bandwidth_gbps * (oc->links > 0 ? oc->links : 1) * 1e9; /* bytes/s */
    if (oc->host_io != HOST_IO_LINKS || bw <= 0)
        return h;
    int in_bits = 0;
    double out_bits = 0;
    for (int c = 0; c < md->n_layers; c++) {
        const layer_t *L = &md->layers[c];
        if (reads_input(L) && m->layers[c].act_bits > in_bits)
            in_bits = m->layers[c].act_bits;
        out_bits += (double)deps_output_values(md, c) * m->layers[c].act_bits;
    }
    h.latency_s = oc->latency_ns * 1e-9;
    h.row_s = (double)md->in_w * md->in_c * in_bits / 8.0 / bw;
    h.input_s = h.row_s * md->in_h;
    h.output_s = out_bits / 8.0 / bw;
    return h;
}

/* When each position of every layer exists (s), inference 0: a weight
 * layer's replica r computes positions r, r + R, ... one MVM time each, a
 * position starting once its inputs exist; layers without weights take no
 * time; the network input arrives row by row over the off-chip link, after
 * its latency. */
static int fill(const mapping_t *m, const host_io_t *h, const double *mvm_s, double **avail)
{
    const model_t *md = m->model;
    const double row_s = h->row_s;
    for (int c = 0; c < md->n_layers; c++) {
        const layer_t *L = &md->layers[c];
        int64_t P = deps_positions(L), R = is_weight(L->kind) ? m->layers[c].replication : 1;
        avail[c] = calloc((size_t)P, sizeof **avail);
        double *free_at = calloc((size_t)(R > 0 ? R : 1), sizeof *free_at);
        if (!avail[c] || !free_at) {
            free(free_at);
            return -1;
        }
        int prods[LAYER_MAX_INPUTS + 1], np = 0; /* inputs, and itself for an LSTM */
        for (int k = 0; k < L->n_inputs; k++)
            prods[np++] = L->inputs[k];
        if (L->kind == LAYER_LSTM)
            prods[np++] = c;
        for (int64_t p = 0; p < P; p++) {
            double in = 0;
            for (int k = 0; k < np; k++) {
                int j = prods[k];
                int64_t n = deps_need(md, c, j, p);
                if (!n)
                    continue;
                if (j < 0)
                    in = dmax(in, h->latency_s +
                                      (double)((n - 1) / (md->in_w > 0 ? md->in_w : 1) + 1) * row_s);
                else if (j == c)
                    in = dmax(in, avail[c][n - 1]);
                else
                    in = dmax(in, avail[j][deps_last_only(md, j, c) ? deps_positions(&md->layers[j]) - 1
                                                                    : n - 1]);
            }
            if (is_weight(L->kind)) {
                double *f = &free_at[p % R];
                *f = dmax(*f, in) + mvm_s[c];
                avail[c][p] = *f;
            } else {
                avail[c][p] = in;
            }
        }
        free(free_at);
    }
    return 0;
}

int estimate_run(const mapping_t *m, estimate_t *e, imc_diag_t *d)
{
    const model_t *md = m->model;
    const arch_t *a = m->arch;
    memset(e, 0, sizeof *e);
    e->layers = calloc((size_t)md->n_layers, sizeof *e->layers);
    double *mvm_s = calloc((size_t)md->n_layers, sizeof *mvm_s);
    double **avail = calloc((size_t)md->n_layers, sizeof *avail);
    ce_t ce;
    int rc = -1;
    if (!e->layers || !mvm_s || !avail || ce_init(&ce, a)) {
        diag_error(d, NULL, 0, 0, "out of memory");
        goto out;
    }
    for (int i = 0; i < md->n_layers; i++) {
        const layer_t *L = &md->layers[i];
        e->macs += (double)L->macs;
        if (!is_weight(L->kind))
            continue;
        const layer_map_t *lm = &m->layers[i];
        estimate_layer_t *el = &e->layers[e->n++];
        double pos_pj;
        mvm_cost(m, i, &ce, &mvm_s[i], &el->mvm_latency_s, &pos_pj);
        el->layer = i;
        el->positions = lm->positions;
        el->replication = lm->replication;
        el->steps = (lm->positions + lm->replication - 1) / lm->replication;
        el->mvm_s = mvm_s[i];
        el->busy_s = (double)el->steps * el->mvm_s;
        el->dynamic_j = (double)lm->positions * pos_pj * 1e-12;
        e->dynamic_j += el->dynamic_j;
        if (el->busy_s > e->period_s) {
            e->period_s = el->busy_s;
            e->bottleneck = i;
            e->bottleneck_steps = el->steps;
        }
    }
    const host_io_t h = host_io(m);
    if (fill(m, &h, mvm_s, avail)) {
        diag_error(d, NULL, 0, 0, "out of memory");
        goto out;
    }
    for (int k = 0; k < e->n; k++) {
        int i = e->layers[k].layer;
        int64_t P = deps_positions(&md->layers[i]);
        double first = avail[i][0], last = 0;
        for (int64_t p = 0; p < P; p++) {
            first = avail[i][p] < first ? avail[i][p] : first;
            last = dmax(last, avail[i][p]);
        }
        e->layers[k].first_s = first;
        e->layers[k].last_s = last;
        e->latency_s = dmax(e->latency_s, last);
    }
    /* The host: the output's way back; and inference k's input starts once
     * inference k - HOST_INPUTS_AHEAD's is consumed (sim/offchip.cpp), so the
     * input's round (its latency, then until its last reader is done: a
     * weight-less reader's inputs as they arrive) spans HOST_INPUTS_AHEAD
     * periods; the links' own bandwidth bounds one period too. */
    {
        double round = 0;
        for (int c = 0; c < md->n_layers; c++)
            if (reads_input(&md->layers[c]))
                for (int64_t p = 0; p < deps_positions(&md->layers[c]); p++)
                    round = dmax(round, avail[c][p]);
        e->host_latency_s = h.latency_s;
        e->host_input_s = h.input_s;
        e->host_output_s = h.output_s;
        e->host_bound_s = dmax(dmax(h.input_s, h.output_s), round / HOST_INPUTS_AHEAD);
        e->latency_s += h.output_s + h.latency_s;
    }
    /* static power: powered tiles (the ones the mapping uses, unless idle
     * tiles stay on), the routers and links of the chips used */
    {
        double mw[COMP_CLASS_COUNT_], tile_w = 0;
        tile_static_mw_by_class(a, mw);
        for (int c = 0; c < COMP_CLASS_COUNT_; c++)
            tile_w += mw[c] * 1e-3;
        int chips = m->chips_used > 0 ? m->chips_used : 1;
        double tiles = a->chip.gate_unused_tiles ? (double)m->tiles_used : (double)a->chip.tiles * chips;
        e->static_w = tile_w * tiles +
                      a->chip.noc.router.leakage_mw * 1e-3 * a->chip.grid_x * a->chip.grid_y * chips +
                      (a->chip.offchip.power_scope == OFFCHIP_ALWAYS ? a->chip.offchip.power_w * chips : 0);
    }
    estimate_recurrence(m, e);
    e->throughput_inferences_per_s = e->period_s > 0 ? 1.0 / e->period_s : 0;
    e->energy_per_inference_j = e->dynamic_j + e->static_w * e->period_s;
    rc = 0;
out:
    for (int i = 0; avail && i < md->n_layers; i++)
        free(avail[i]);
    free(avail);
    free(mvm_s);
    ce_free(&ce);
    if (rc)
        estimate_free(e);
    return rc;
}

void estimate_free(estimate_t *e)
{
    free(e->layers);
    memset(e, 0, sizeof *e);
}

void estimate_write_json(const estimate_t *e, const model_t *md, json_w_t *w)
{
    jw_num(w, "period_s", e->period_s);
    jw_num(w, "throughput_inferences_per_s", e->throughput_inferences_per_s);
    jw_num(w, "latency_s", e->latency_s);
    jw_str(w, "bottleneck", md->layers[e->bottleneck].name);
    jw_int(w, "bottleneck_steps", e->bottleneck_steps);
    jw_num(w, "dynamic_j_per_inference", e->dynamic_j);
    jw_num(w, "static_power_w", e->static_w);
    jw_num(w, "energy_per_inference_j", e->energy_per_inference_j);
    if (!e->noc_bounded) { /* odd_even routing: no fixed routes to load */
        jw_null(w, "noc");
    } else {
        jw_obj_begin(w, "noc");
        jw_uint(w, "busiest_port_flits_per_inference", e->noc_port_flits);
        jw_int(w, "chip", e->noc_chip);
        jw_int(w, "router", e->noc_router);
        jw_int(w, "port", e->noc_port);
        jw_num(w, "bound_period_s", e->noc_bound_s);
        jw_str(w, "top_sender", e->noc_top_layer >= 0 ? md->layers[e->noc_top_layer].name : "input");
        jw_uint(w, "top_sender_flits", e->noc_top_flits);
        jw_obj_end(w);
    }
    jw_obj_begin(w, "host");
    jw_num(w, "latency_s", e->host_latency_s);
    jw_num(w, "input_s", e->host_input_s);
    jw_num(w, "output_s", e->host_output_s);
    jw_num(w, "bound_period_s", e->host_bound_s);
    jw_obj_end(w);
    if (e->rec_layer < 0) {
        jw_null(w, "recurrence");
    } else {
        jw_obj_begin(w, "recurrence");
        jw_str(w, "layer", md->layers[e->rec_layer].name);
        jw_int(w, "steps", e->rec_steps);
        jw_num(w, "step_s", e->rec_step_s);
        jw_num(w, "bound_period_s", e->rec_bound_s);
        jw_obj_begin(w, "step_cycles");
        for (int k = 0; k < EST_REC_PARTS; k++)
            jw_num(w, estimate_rec_part_names[k], e->rec_part_cycles[k]);
        jw_obj_end(w);
        jw_obj_end(w);
    }
    jw_arr_begin(w, "layers");
    for (int k = 0; k < e->n; k++) {
        const estimate_layer_t *l = &e->layers[k];
        jw_obj_begin(w, NULL);
        jw_str(w, "name", md->layers[l->layer].name);
        jw_int(w, "positions", l->positions);
        jw_int(w, "replication", l->replication);
        jw_int(w, "steps", l->steps);
        jw_num(w, "mvm_s", l->mvm_s);
        jw_num(w, "busy_s", l->busy_s);
        jw_num(w, "first_output_s", l->first_s);
        jw_num(w, "last_output_s", l->last_s);
        jw_num(w, "dynamic_j", l->dynamic_j);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}
