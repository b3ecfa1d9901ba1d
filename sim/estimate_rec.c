/* The estimate's recurrence bound (estimate.h). ISAAC's pipeline model
 * treats an LSTM layer's steps as independent positions, one MVM time each;
 * but step t's MVM needs h(t-1) on every tile of the layer, so the steps
 * run one after another and each takes the whole chain below. The chain
 * follows what the traces make each tile do (docs/trace-format.md, "LSTM"):
 * every tile adds the sums of the column blocks it owns and computes the
 * gates and updates of their hidden units, then multicasts its h to every
 * tile of the layer (and of a stacked LSTM layer). Hop latencies and the
 * units' pipeline fill are left out (tens of cycles). */
#include <math.h>
#include <string.h>

#include "estimate.h"

const char *const estimate_rec_part_names[EST_REC_PARTS] = {
    "mvm", "sums_in", "gates", "updates", "write", "h_out", "inputs_in", "read",
};

/* Values one kind of tile unit takes per cycle; 0 when the function runs
 * elsewhere (the CEs' VFU lanes: no tile-level chain to count). */
static double unit_rate(const arch_t *a, arch_unit_kind_t k)
{
    const arch_unit_t *u = k == UNIT_ACTIVATION ? &a->tile.activation
                           : k == UNIT_SA       ? &a->tile.sa
                           : k == UNIT_POOL     ? &a->tile.pool
                                                : NULL;
    return u ? (double)u->count * (u->lanes > 0 ? u->lanes : 1) : 0;
}

/* One step of LSTM layer i in tile cycles, by part; -1 when its gates or
 * updates do not run on tile units. */
static int step_cycles(const mapping_t *m, int i, double *part)
{
    const arch_t *a = m->arch;
    const layer_map_t *lm = &m->layers[i];
    const double act = unit_rate(a, a->tile.act_unit), add = unit_rate(a, a->tile.add_unit);
    if (act <= 0 || add <= 0 || lm->col_blocks <= 0 || lm->n_ces <= 0)
        return -1;
    const double b = lm->act_bits, flit = a->chip.noc.flit_bits, bus = a->tile.buffer.bus_width_bits;
    const int64_t H = lm->cols / 4; /* four gates per hidden unit */
    const int ces_per_block = lm->n_ces / lm->col_blocks > 0 ? lm->n_ces / lm->col_blocks : 1;
    const int64_t cols_per_block = lm->cols / lm->col_blocks;
    /* the blocks one tile owns, CE by CE; a block that straddles two tiles
     * is its owner's, which adds the other's sums */
    const int on_tile = a->tile.ces < lm->n_ces ? a->tile.ces : lm->n_ces;
    const int64_t own_cols = on_tile / ces_per_block * cols_per_block;
    const int split = a->tile.ces % ces_per_block && lm->n_ces > a->tile.ces;
    const double units = ceil((double)H * (double)(own_cols + split * cols_per_block) / lm->cols);
    /* a stacked LSTM producer sends its h of the same step */
    int64_t stacked = 0;
    const layer_t *L = &m->model->layers[i];
    for (int k = 0; k < L->n_inputs; k++) {
        int j = L->inputs[k];
        if (j >= 0 && m->model->layers[j].kind == LAYER_LSTM && m->layers[j].positions == lm->positions)
            stacked += m->layers[j].cols / 4;
    }
    part[0] = a->derived.mvm_latency_ns * a->tech.clock_ghz;
    part[1] = ceil(split * cols_per_block * b / flit);
    part[2] = ceil(5 * units / act); /* 3 sigmoids and 2 tanh per unit */
    part[3] = ceil(4 * units / add); /* c = f c + i g, h = o tanh(c) */
    part[4] = ceil(units * b / bus);
    part[5] = ceil(units * b / flit);
    part[6] = ceil((double)(H + stacked) * b / flit);
    part[7] = ceil((double)lm->rows * b / bus);
    return 0;
}

void estimate_recurrence(const mapping_t *m, estimate_t *e)
{
    double best = -1;
    e->rec_layer = -1;
    for (int i = 0; i < m->model->n_layers; i++) {
        double part[EST_REC_PARTS], sum = 0;
        if (m->model->layers[i].kind != LAYER_LSTM || step_cycles(m, i, part))
            continue;
        for (int k = 0; k < EST_REC_PARTS; k++)
            sum += part[k];
        if (sum <= best)
            continue;
        best = sum;
        e->rec_layer = i;
        e->rec_steps = m->layers[i].positions;
        memcpy(e->rec_part_cycles, part, sizeof part);
        e->rec_step_s = sum / (m->arch->tech.clock_ghz * 1e9);
        e->rec_bound_s = (double)e->rec_steps * e->rec_step_s;
    }
}
