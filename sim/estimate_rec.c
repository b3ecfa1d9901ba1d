/* The estimate's recurrence bound (estimate.h). ISAAC's pipeline model
 * treats an LSTM layer's steps as independent positions, one MVM time each;
 * but step t's MVM needs h(t-1) on every tile of the layer, so the steps
 * run one after another and each takes the whole chain below. The chain
 * follows what the traces make each tile do (docs/trace-format.md, "LSTM"):
 * the MVM, the sums of a block's CEs on the tile added (ACCUM), the sums of
 * a block that straddles tiles sent to and added by its owner, the gates and
 * updates of the tile's hidden units, WRITE, its h multicast to every tile
 * of the layer, all of the layer's h arriving at each tile, and READ of the
 * next step's inputs. A stacked LSTM producer's h is not on the chain: the
 * producer runs its own chain, from the network input, and keeps ahead (it
 * only loads the same ejection ports). Hop latencies and the units'
 * pipeline fill are left out (tens of cycles). */
#include <math.h>
#include <string.h>

#include "estimate.h"

const char *const estimate_rec_part_names[EST_REC_PARTS] = {
    "mvm", "local_sums", "sums_in", "gates", "updates", "write", "h_out", "h_in", "read",
};

/* Values the units of a tile function take per cycle: the tile's units, or
 * the VFU lanes of one CE (a stream's function ops run on the vector unit
 * of its first CE, sim/stream.cpp). */
static double unit_rate(const arch_t *a, arch_unit_kind_t k)
{
    const arch_unit_t *u = arch_unit_of(a, k);
    return (double)u->count * (u->lanes > 0 ? u->lanes : 1);
}

/* One step of LSTM layer i in tile cycles, by part, its MVM taking
 * mvm_cycles; -1 when a unit it needs takes no values (a count of 0). */
static int step_cycles(const mapping_t *m, int i, double mvm_cycles, double *part)
{
    const arch_t *a = m->arch;
    const layer_map_t *lm = &m->layers[i];
    const double act = unit_rate(a, a->tile.act_unit), add = unit_rate(a, a->tile.add_unit),
                 acc = unit_rate(a, a->tile.accum_unit);
    if (act <= 0 || add <= 0 || acc <= 0 || lm->col_blocks <= 0 || lm->n_ces <= 0)
        return -1;
    const double b = lm->act_bits, flit = a->chip.noc.flit_bits, bus = a->tile.buffer.bus_width_bits;
    const int64_t H = lm->cols / 4; /* four gates per hidden unit */
    const int ces_per_block = lm->n_ces / lm->col_blocks > 0 ? lm->n_ces / lm->col_blocks : 1;
    const int64_t cols_per_block = lm->cols / lm->col_blocks;
    /* the blocks one tile owns, CE by CE; a block that straddles two tiles
     * is its owner's, which adds the other's sums */
    const int on_tile = a->tile.ces < lm->n_ces ? a->tile.ces : lm->n_ces;
    const int whole = on_tile / ces_per_block;
    const int64_t own_cols = whole * cols_per_block;
    const int split = a->tile.ces % ces_per_block && lm->n_ces > a->tile.ces;
    const double units = ceil((double)H * (double)(own_cols + split * cols_per_block) / lm->cols);
    part[0] = mvm_cycles;
    part[1] = ceil((double)(whole * cols_per_block * (ces_per_block - 1)) / acc);
    part[2] = ceil(split * cols_per_block * b / flit) + ceil(split * cols_per_block / acc);
    part[3] = ceil(5 * units / act); /* 3 sigmoids and 2 tanh per unit */
    part[4] = ceil(4 * units / add); /* c = f c + i g, h = o tanh(c) */
    part[5] = ceil(units * b / bus);
    part[6] = ceil(units * b / flit);
    part[7] = ceil((double)H * b / flit);
    part[8] = ceil((double)lm->rows * b / bus);
    return 0;
}

void estimate_recurrence(const mapping_t *m, estimate_t *e)
{
    const double hz = m->arch->tech.clock_ghz * 1e9;
    double best = -1;
    e->rec_layer = -1;
    for (int k = 0; k < e->n; k++) {
        const int i = e->layers[k].layer;
        double part[EST_REC_PARTS], sum = 0;
        if (m->model->layers[i].kind != LAYER_LSTM ||
            step_cycles(m, i, round(e->layers[k].mvm_latency_s * hz), part))
            continue;
        for (int q = 0; q < EST_REC_PARTS; q++)
            sum += part[q];
        if (sum <= best)
            continue;
        best = sum;
        e->rec_layer = i;
        e->rec_steps = m->layers[i].positions;
        memcpy(e->rec_part_cycles, part, sizeof part);
        e->rec_step_s = sum / hz;
        e->rec_bound_s = (double)e->rec_steps * e->rec_step_s;
    }
}
