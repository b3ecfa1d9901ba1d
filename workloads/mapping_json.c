/* Mapping reports: JSON (deterministic, base/json.h) and text. */
#include <inttypes.h>
#include <stdio.h>

#include "compile.h"
#include "json.h"
#include "model.h"

void mapping_write_json(const mapping_t *mp, FILE *f)
{
    const model_t *m = mp->model;
    const arch_t *a = mp->arch;
    char hx[32];
    json_w_t w;
    jw_init(&w, f);
    jw_obj_begin(&w, NULL);
    jw_str(&w, "model", m->name);
    snprintf(hx, sizeof hx, "%016" PRIx64, m->hash);
    jw_str(&w, "model_hash", hx);
    jw_str(&w, "arch", a->name);
    snprintf(hx, sizeof hx, "%016" PRIx64, a->hash);
    jw_str(&w, "arch_hash", hx);
    jw_str(&w, "replicate", replicate_policy_name(mp->policy));
    jw_int(&w, "macs", mp->macs);
    jw_int(&w, "weights", mp->weights);
    jw_int(&w, "crossbars_used", mp->crossbars_used);
    jw_int(&w, "crossbars_available", mp->crossbars_available);
    jw_int(&w, "ces_used", mp->ces_used);
    jw_int(&w, "ces_available", mp->ces_available);
    jw_int(&w, "tiles_used", mp->tiles_used);
    jw_int(&w, "tiles_available", mp->tiles_available);
    jw_int(&w, "chips_used", mp->chips_used);
    jw_int(&w, "chips_available", a->chip.chips);
    jw_num(&w, "cell_utilization", mp->cell_utilization);
    jw_int(&w, "bottleneck_mvm_steps", mp->bottleneck_positions);
    jw_arr_begin(&w, "layers");
    for (int i = 0; i < m->n_layers; i++) {
        const layer_t *L = &m->layers[i];
        const layer_map_t *lm = &mp->layers[i];
        jw_obj_begin(&w, NULL);
        jw_str(&w, "name", L->name);
        jw_str(&w, "type", layer_label(L));
        jw_str(&w, "activation", act_kind_name(L->act));
        jw_arr_begin(&w, "inputs");
        for (int k = 0; k < L->n_inputs; k++)
            jw_str(&w, NULL, L->inputs[k] < 0 ? "input" : m->layers[L->inputs[k]].name);
        jw_arr_end(&w);
        jw_arr_begin(&w, "consumers"); /* where this layer's outputs go */
        for (int c = i + 1; c < m->n_layers; c++)
            for (int k = 0; k < m->layers[c].n_inputs; k++)
                if (m->layers[c].inputs[k] == i) {
                    jw_str(&w, NULL, m->layers[c].name);
                    break;
                }
        jw_arr_end(&w);
        jw_ints(&w, "in_shape_hwc", (const int[]){L->in_h, L->in_w, L->in_c}, 3);
        jw_ints(&w, "out_shape_hwc", (const int[]){L->out_h, L->out_w, L->out_c}, 3);
        jw_int(&w, "macs", L->macs);
        jw_int(&w, "weights", L->weights);
        jw_int(&w, "act_bits", lm->act_bits);
        if (lm->xbars_per_replica) {
            jw_int(&w, "weight_bits", lm->weight_bits);
            jw_int(&w, "rows", lm->rows);
            jw_int(&w, "cols", lm->cols);
            jw_int(&w, "slices", lm->slices);
            jw_int(&w, "groups_per_crossbar", lm->groups_per_crossbar);
            jw_int(&w, "row_blocks", lm->row_blocks);
            jw_int(&w, "col_blocks", lm->col_blocks);
            jw_int(&w, "crossbars_per_replica", lm->xbars_per_replica);
            jw_int(&w, "ces_per_replica", lm->ces_per_replica);
        }
        jw_int(&w, "replication", lm->replication);
        jw_int(&w, "crossbars", lm->crossbars);
        jw_int(&w, "ces", lm->n_ces);
        jw_num(&w, "cell_utilization", lm->cell_utilization);
        jw_int(&w, "positions", lm->positions);
        jw_int(&w, "window_values", lm->window_values);
        jw_int(&w, "chip", lm->chip);
        jw_int(&w, "home_tile", lm->home_tile);
        jw_int(&w, "first_ce", lm->first_ce);
        jw_arr_begin(&w, "tiles");
        for (int k = 0; k < lm->n_tiles; k++)
            jw_int(&w, NULL, lm->tiles[k]);
        jw_arr_end(&w);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_finish(&w);
}

void mapping_write_text(const mapping_t *mp, FILE *f)
{
    const model_t *m = mp->model;
    const arch_t *a = mp->arch;
    fprintf(f, "model %s on %s (replicate: %s)\n", m->name, a->name,
            replicate_policy_name(mp->policy));
    fprintf(f, "%-18s %-14s %13s %11s %13s %7s %5s %8s %6s %6s %4s %8s\n", "layer",
            "type", "MACs", "weights", "matrix(rows x cols)", "xb/rep", "rep", "xbars", "CEs",
            "tiles", "chip", "util(%)");
    for (int i = 0; i < m->n_layers; i++) {
        const layer_t *L = &m->layers[i];
        const layer_map_t *lm = &mp->layers[i];
        char mat[32] = "-";
        if (lm->xbars_per_replica)
            snprintf(mat, sizeof mat, "%d x %d", lm->rows, lm->cols);
        fprintf(f, "%-18.18s %-14s %13" PRId64 " %11" PRId64 " %19s %7d %5d %8" PRId64
                " %6d %6d %4d %8.1f\n", L->name, layer_label(L), L->macs, L->weights, mat,
                lm->xbars_per_replica, lm->replication, lm->crossbars, lm->n_ces,
                lm->xbars_per_replica ? lm->n_tiles : 0, lm->chip,
                100.0 * lm->cell_utilization);
    }
    fprintf(f, "total: %" PRId64 " MACs, %" PRId64 " weights, %" PRId64 " of %" PRId64
            " crossbars, %d of %" PRId64 " CEs, %d of %" PRId64 " tiles, %d of %d chips, "
            "cell utilization %.1f %%, bottleneck %" PRId64 " MVM steps per inference\n",
            mp->macs, mp->weights, mp->crossbars_used, mp->crossbars_available,
            mp->ces_used, mp->ces_available, mp->tiles_used, mp->tiles_available,
            mp->chips_used, a->chip.chips, 100.0 * mp->cell_utilization,
            mp->bottleneck_positions);
}
