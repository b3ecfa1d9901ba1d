/* Mapping a model onto crossbars, CEs, tiles and chips (docs/compiler.md). */
#include "compile.h"
#include "quant_cells.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"

static int is_weight_layer(const layer_t *L)
{
    return L->kind == LAYER_CONV || L->kind == LAYER_LINEAR || L->kind == LAYER_LSTM;
}

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* Replication policies: each gives the CE budget replication may fill. The
 * replication itself is the same for all (replicate() below). Adding a
 * policy = one function, one line here, one replicate_policy_t value. */
static int64_t budget_none(int64_t base, int64_t ces_chip, int64_t ces_total)
{
    (void)ces_chip, (void)ces_total;
    return base; /* no room for a second replica of anything */
}

static int64_t budget_balanced(int64_t base, int64_t ces_chip, int64_t ces_total)
{
    (void)ces_total;
    return cdiv(base, ces_chip) * ces_chip; /* the chips the model occupies anyway */
}

static int64_t budget_max(int64_t base, int64_t ces_chip, int64_t ces_total)
{
    (void)base, (void)ces_chip;
    return ces_total; /* every chip of the system */
}

static const struct {
    const char *name;
    int64_t (*budget)(int64_t base_ces, int64_t ces_per_chip, int64_t ces_total);
} policies[] = {
    [REPLICATE_NONE] = {"none", budget_none},
    [REPLICATE_BALANCED] = {"balanced", budget_balanced},
    [REPLICATE_MAX] = {"max", budget_max},
};
#define N_POLICIES ((int)(sizeof policies / sizeof policies[0]))

const char *replicate_policy_name(replicate_policy_t p)
{
    return (unsigned)p < (unsigned)N_POLICIES ? policies[p].name : NULL;
}

int mapping_tile_chip(const arch_t *a, int global_tile)
{
    return a->chip.tiles > 0 ? global_tile / a->chip.tiles : 0;
}

/* Unroll, slice and tile one weight layer (one replica). */
static int shape_layer(const arch_t *a, const layer_t *L, layer_map_t *lm,
                       int64_t *cells_per_replica, imc_diag_t *d)
{
    int R = a->crossbar.rows, C = a->crossbar.cols, bpc = a->device.bits_per_cell;
    /* the scheme decides the bits stored per weight (docs/functional.md) */
    lm->weight_bits = quant_storage_bits(&L->quant, L->weight_bits ? L->weight_bits
                                                                   : a->precision.weight_bits);
    lm->act_bits = L->act_bits ? L->act_bits : a->precision.act_bits;
    if (R <= 0 || C <= 0 || bpc <= 0 || a->ce.crossbars <= 0 || lm->weight_bits <= 0) {
        diag_error(d, NULL, 0, 0, "architecture '%s' has %dx%d crossbars, %d bits per "
                   "cell, %d crossbars per CE, %d-bit weights (expected all positive)",
                   a->name, R, C, bpc, a->ce.crossbars, lm->weight_bits);
        return -1;
    }
    lm->slices = (int)cdiv(lm->weight_bits, bpc) *
                 (a->crossbar.signed_scheme == SIGNED_DIFFERENTIAL ? 2 : 1);
    lm->weights_per_row = C / lm->slices;
    if (lm->weights_per_row == 0) {
        diag_error(d, NULL, 0, 0, "layer '%s': a %d-bit weight needs %d columns of %d-bit "
                   "cells but a crossbar has %d columns (expected fewer weight bits or "
                   "wider crossbars)", L->name, lm->weight_bits, lm->slices, bpc, C);
        return -1;
    }
    int64_t g = 1, rg, cg;
    if (L->kind == LAYER_CONV) {
        g = L->groups > 0 ? L->groups : 1;
        rg = (int64_t)L->kx * L->ky * (L->in_c / g);
        cg = L->out_c / g;
        lm->positions = (int64_t)L->out_h * L->out_w;
    } else if (L->kind == LAYER_LINEAR) {
        rg = (int64_t)L->in_h * L->in_w * L->in_c;
        cg = L->out_c;
        lm->positions = 1;
    } else { /* LSTM: [x_t, h_{t-1}] times the four gate matrices, once per step */
        rg = (int64_t)L->in_h * L->in_w * L->in_c + L->lstm_hidden;
        cg = 4 * (int64_t)L->lstm_hidden;
        lm->positions = L->lstm_steps;
    }
    rg *= quant_rows_per_input(&L->quant); /* binary: XNOR row pairs */
    /* the unrolled matrix must be describable: rows and columns are ints
       (a 4096x4096 kernel on 1024 channels unrolls to 2^34 rows) */
    if (rg > INT32_MAX / 2 || cg * g > INT32_MAX / 2) {
        diag_error(d, NULL, 0, 0, "layer '%s' unrolls to a %lld x %lld matrix (expected at "
                   "most %d rows and columns)", L->name, (long long)rg, (long long)(cg * g),
                   INT32_MAX / 2);
        return -1;
    }
    lm->rows = (int)rg;
    lm->cols = (int)(cg * g);
    int64_t wpr = lm->weights_per_row;
    lm->groups_per_crossbar = 1;
    if (g > 1 && rg <= R && cg <= wpr) {
        /* Small groups share a crossbar block-diagonally: each group's inputs
         * drive its own rows, so one MVM serves them all. */
        int64_t gpx = R / rg < wpr / cg ? R / rg : wpr / cg;
        if (gpx > g)
            gpx = g;
        lm->groups_per_crossbar = (int)gpx;
        lm->row_blocks = 1;
        lm->col_blocks = (int)cdiv(g, gpx);
    } else {
        lm->row_blocks = (int)cdiv(rg, R);
        lm->col_blocks = (int)(g * cdiv(cg, wpr));
    }
    /* MVMU granularity: a row block's column blocks fill whole MVMUs */
    int64_t mvmu = a->ce.mvmu_crossbars > 1 ? a->ce.mvmu_crossbars : 1;
    int64_t xpr = (int64_t)lm->row_blocks * (cdiv(lm->col_blocks, mvmu) * mvmu);
    if (xpr > INT32_MAX / 2) {
        diag_error(d, NULL, 0, 0, "layer '%s' needs %lld crossbars (expected fewer than "
                   "%d per layer)", L->name, (long long)xpr, INT32_MAX / 2);
        return -1;
    }
    lm->xbars_per_replica = (int)xpr;
    lm->ces_per_replica = (int)cdiv(lm->xbars_per_replica, a->ce.crossbars);
    *cells_per_replica = g * rg * cg * lm->slices;
    lm->cell_utilization = (double)*cells_per_replica /
                           ((double)lm->xbars_per_replica * R * C);
    return 0;
}

/* Replicas a layer gets for a target of T MVM steps per inference. An LSTM
 * step needs the previous step's hidden state, so its steps are serial and
 * a second replica would sit idle: LSTMs are never replicated. */
static int64_t reps_for(const layer_t *L, const layer_map_t *lm, int64_t T)
{
    return L->kind == LAYER_LSTM ? 1 : cdiv(lm->positions, T);
}

/* CEs all layers need at T steps; INT64_MAX when that does not fit (it is
 * then more than any budget, never a wrapped small number). */
static int64_t ces_needed(const model_t *m, const layer_map_t *lms, int64_t T)
{
    int64_t s = 0, n;
    for (int i = 0; i < m->n_layers; i++)
        if (is_weight_layer(&m->layers[i]) &&
            (ck_mul_i64(lms[i].ces_per_replica, reps_for(&m->layers[i], &lms[i], T), &n) ||
             ck_add_i64(s, n, &s)))
            return INT64_MAX;
    return s;
}

/* Replicate so that every weight layer needs about the same number of MVM
 * steps per inference (positions / replication <= T). This is ISAAC's rule
 * read backwards from the last layer: a layer feeding a stride-S layer
 * produces S^2 outputs per consumer output, i.e. its replication scales with
 * its output positions. T is the smallest that fits the CE budget. */
static void replicate(const model_t *m, layer_map_t *lms, int64_t budget)
{
    int64_t lo = 1, hi = 1;
    for (int i = 0; i < m->n_layers; i++)
        if (is_weight_layer(&m->layers[i]) && m->layers[i].kind != LAYER_LSTM &&
            lms[i].positions > hi)
            hi = lms[i].positions;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (ces_needed(m, lms, mid) <= budget)
            hi = mid;
        else
            lo = mid + 1;
    }
    for (int i = 0; i < m->n_layers; i++)
        if (is_weight_layer(&m->layers[i]))
            lms[i].replication = (int)reps_for(&m->layers[i], &lms[i], lo);
}

static int64_t window_values(const layer_t *L)
{
    switch (L->kind) {
    case LAYER_CONV:
    case LAYER_MAXPOOL:
    case LAYER_AVGPOOL:
        return ((int64_t)L->in_w * (L->ky - 1) + L->kx) * L->in_c;
    case LAYER_LINEAR:
        return (int64_t)L->in_h * L->in_w * L->in_c;
    case LAYER_LSTM:
        return (int64_t)L->in_h * L->in_w * L->in_c + L->lstm_hidden;
    default:
        return L->in_c;
    }
}

int compile_model(const arch_t *a, const model_t *m, replicate_policy_t policy,
                  mapping_t *out, imc_diag_t *d)
{
    memset(out, 0, sizeof *out);
    out->arch = a;
    out->model = m;
    out->policy = policy;
    if ((unsigned)policy >= (unsigned)N_POLICIES) {
        diag_error(d, NULL, 0, 0, "replication policy %d (expected none, balanced or max)",
                   (int)policy);
        return -1;
    }
    if (m->n_layers <= 0) {
        diag_error(d, NULL, 0, 0, "model '%s' has no layers", m->name);
        return -1;
    }
    int cpt = a->tile.ces, tpc = a->chip.tiles, chips = a->chip.chips;
    if (cpt <= 0 || tpc <= 0 || chips <= 0) {
        diag_error(d, NULL, 0, 0, "architecture '%s' has %d CEs per tile, %d tiles per "
                   "chip, %d chips (expected all positive)", a->name, cpt, tpc, chips);
        return -1;
    }
    if ((int64_t)cpt * tpc * chips > INT32_MAX / 2) {
        diag_error(d, NULL, 0, 0, "architecture '%s' has %lld CEs (expected fewer than %d: "
                   "CE indices are 32-bit)", a->name, (long long)cpt * tpc * chips,
                   INT32_MAX / 2);
        return -1;
    }
    layer_map_t *lms = calloc((size_t)m->n_layers, sizeof *lms);
    int64_t *cells = calloc((size_t)m->n_layers, sizeof *cells);
    if (!lms || !cells) {
        free(lms);
        free(cells);
        diag_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    out->layers = lms;
    int64_t xb_per_ce = a->ce.crossbars;
    int64_t ces_chip = (int64_t)cpt * tpc, ces_total = ces_chip * chips;
    out->ces_available = ces_total;
    out->tiles_available = (int64_t)tpc * chips;
    out->crossbars_available = ces_total * xb_per_ce;

    int64_t base = 0, base_xb = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const layer_t *L = &m->layers[i];
        layer_map_t *lm = &lms[i];
        lm->window_values = window_values(L);
        lm->replication = 1;
        if (!is_weight_layer(L)) {
            lm->positions = (int64_t)L->out_h * L->out_w;
            lm->act_bits = L->act_bits ? L->act_bits : a->precision.act_bits;
            continue;
        }
        if (shape_layer(a, L, lm, &cells[i], d)) {
            free(cells);
            mapping_free(out);
            return -1;
        }
        base += lm->ces_per_replica;
        base_xb += lm->xbars_per_replica;
    }
    if (base > ces_total) {
        diag_error(d, NULL, 0, 0, "model '%s' does not fit architecture '%s': it needs %lld "
                   "crossbars (%lld CEs of %lld crossbars) without replication, the system has "
                   "%lld crossbars (%lld CEs on %d chip%s); %lld chips would hold it "
                   "(expected a larger system, e.g. --set chip.chips=%lld)",
                   m->name, a->name, (long long)base_xb, (long long)base,
                   (long long)xb_per_ce, (long long)out->crossbars_available,
                   (long long)ces_total, chips, chips == 1 ? "" : "s",
                   (long long)cdiv(base, ces_chip), (long long)cdiv(base, ces_chip));
        free(cells);
        mapping_free(out);
        return -1;
    }
    replicate(m, lms, policies[policy].budget(base, ces_chip, ces_total));

    /* Placement: weight layers in model order on consecutive global CEs
     * (tile * ces_per_tile + ce), tile after tile, chip after chip. Tiles are
     * numbered row by row over the routers (noc/noc.h), so a layer's
     * consumer sits on the same or the next tiles; keeping each layer's CEs
     * consecutive is the mapping.h contract the trace generator relies on. */
    int64_t slot = 0;
    int64_t mapped = 0, used = 0;
    char *tile_used = calloc((size_t)out->tiles_available, 1);
    char *chip_used = calloc((size_t)chips, 1);
    int rc = tile_used && chip_used ? 0 : -1;
    for (int i = 0; i < m->n_layers && !rc; i++) {
        const layer_t *L = &m->layers[i];
        layer_map_t *lm = &lms[i];
        if (ck_add_i64(out->macs, L->macs, &out->macs) ||
            ck_add_i64(out->weights, L->weights, &out->weights)) {
            rc = -2;
            break;
        }
        if (!is_weight_layer(L)) {
            int p = L->inputs[0];
            lm->home_tile = p >= 0 ? lms[p].home_tile : 0; /* the network input's tile */
            lm->first_tile = lm->home_tile;
            lm->n_tiles = 1;
            lm->tiles = malloc(sizeof *lm->tiles);
            if (!lm->tiles) {
                rc = -1;
                break;
            }
            lm->tiles[0] = lm->home_tile;
            lm->chip = mapping_tile_chip(a, lm->home_tile);
            lm->first_ce = -1;
            continue;
        }
        lm->crossbars = (int64_t)lm->xbars_per_replica * lm->replication;
        lm->n_ces = lm->ces_per_replica * lm->replication;
        lm->ces = malloc(sizeof *lm->ces * (size_t)lm->n_ces);
        lm->tiles = malloc(sizeof *lm->tiles * (size_t)lm->n_ces);
        if (!lm->ces || !lm->tiles) {
            rc = -1;
            break;
        }
        for (int k = 0; k < lm->n_ces; k++, slot++) {
            int tile = (int)(slot / cpt), chip = tile / tpc;
            lm->ces[k] = (int)slot;
            if (lm->n_tiles == 0 || lm->tiles[lm->n_tiles - 1] != tile)
                lm->tiles[lm->n_tiles++] = tile;
            if (!tile_used[tile]) {
                tile_used[tile] = 1;
                out->tiles_used++;
            }
            if (!chip_used[chip]) {
                chip_used[chip] = 1;
                out->chips_used++;
            }
        }
        lm->first_ce = lm->ces[0];
        lm->first_tile = lm->tiles[0];
        lm->home_tile = lm->first_tile;
        lm->chip = mapping_tile_chip(a, lm->first_tile);
        int64_t bn = cdiv(lm->positions, lm->replication);
        if (bn > out->bottleneck_positions)
            out->bottleneck_positions = bn;
        out->ces_used += lm->n_ces;
        out->crossbars_used += lm->crossbars;
        int64_t m_i, u_i;
        if (ck_mul_i64(cells[i], lm->replication, &m_i) || ck_add_i64(mapped, m_i, &mapped) ||
            ck_mul_i64(lm->crossbars, (int64_t)a->crossbar.rows * a->crossbar.cols, &u_i) ||
            ck_add_i64(used, u_i, &used))
            rc = -2;
    }
    free(tile_used);
    free(chip_used);
    free(cells);
    if (rc) {
        if (rc == -2)
            diag_error(d, NULL, 0, 0, "model '%s' on '%s': its MACs, weights or crossbar cells "
                       "exceed 2^63 - 1 (expected a smaller model or system)", m->name, a->name);
        else
            diag_error(d, NULL, 0, 0, "out of memory");
        mapping_free(out);
        return -1;
    }
    out->cells_mapped = mapped;
    out->cells_used = used;
    out->cell_utilization = used ? (double)mapped / (double)used : 0.0;
    return 0;
}

void mapping_free(mapping_t *mp)
{
    if (mp->layers && mp->model)
        for (int i = 0; i < mp->model->n_layers; i++) {
            free(mp->layers[i].ces);
            free(mp->layers[i].tiles);
        }
    free(mp->layers);
    memset(mp, 0, sizeof *mp);
}
