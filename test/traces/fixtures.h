/* Hand-built architectures, models and mappings for the trace tests, so the
 * generator is tested without the compiler. Shapes are small enough to
 * derive the expected records by hand (see the comments). */
#ifndef TEST_TRACES_FIXTURES_H
#define TEST_TRACES_FIXTURES_H

#include <string.h>

#include "mapping.h"

/* 6 tiles x 2 CEs x 2 crossbars of 8x8, 2-bit cells, 4-bit weights (2
 * slices, offset encoding), 8-bit activations. */
static inline void fx_arch(arch_t *a)
{
    memset(a, 0, sizeof *a);
    strcpy(a->name, "fx6");
    a->chip.tiles = 6;
    a->chip.chips = 1;
    a->tile.ces = 2;
    a->ce.crossbars = 2;
    a->crossbar.rows = 8;
    a->crossbar.cols = 8;
    a->crossbar.signed_scheme = SIGNED_OFFSET;
    a->device.bits_per_cell = 2;
    a->precision.weight_bits = 4;
    a->precision.act_bits = 8;
    a->hash = 0x1111222233334444ull;
}

typedef struct fx {
    arch_t arch;
    model_t model;
    layer_t layers[8];
    layer_map_t maps[8];
    mapping_t map;
} fx_t;

static inline layer_t *fx_layer(fx_t *f, const char *name, layer_kind_t k, int in0, int in1)
{
    layer_t *L = &f->layers[f->model.n_layers];
    memset(L, 0, sizeof *L);
    strcpy(L->name, name);
    L->kind = k;
    L->inputs[0] = in0;
    L->n_inputs = 1;
    if (in1 != -2) {
        L->inputs[1] = in1;
        L->n_inputs = 2;
    }
    L->kx = L->ky = L->stride = 1;
    L->groups = 1;
    L->weight_bits = 4;
    L->act_bits = 8;
    f->model.n_layers++;
    return L;
}

static inline void fx_shape(layer_t *L, int ih, int iw, int ic, int oh, int ow, int oc)
{
    L->in_h = ih, L->in_w = iw, L->in_c = ic, L->out_h = oh, L->out_w = ow, L->out_c = oc;
}

static inline void fx_weights(layer_map_t *m, int rows, int cols, int rb, int cb, int cpr,
                              int rep, int first_ce, int64_t positions)
{
    m->rows = rows, m->cols = cols, m->row_blocks = rb, m->col_blocks = cb;
    m->xbars_per_replica = rb * cb;
    m->ces_per_replica = cpr;
    m->replication = rep;
    m->first_ce = first_ce;
    m->first_tile = first_ce / 2;
    m->home_tile = first_ce / 2;
    m->positions = positions;
}

static inline void fx_finish(fx_t *f)
{
    f->model.layers = f->layers;
    f->map.arch = &f->arch;
    f->map.model = &f->model;
    f->map.layers = f->maps;
}

/* input 6x6x2
 * 0 conv0   3x3 pad 1, 2 -> 4, relu. rows 18 (blocks 8,8,2), cols 4 -> 8 physical
 *           (1 block); 3 crossbars = 2 CEs per replica; 2 replicas from CE 1:
 *           replica 0 on CEs 1,2 (tiles 0,1), replica 1 on CEs 3,4 (tiles 1,2).
 * 1 pool    maxpool 2x2/2 -> 3x3x4, home tile 2
 * 2 conv1   3x3 pad 1, 4 -> 4. rows 36 (8,8,8,8,4), 5 crossbars = 3 CEs, CEs 5..7
 *           (tiles 2,3)
 * 3 add     pool + conv1, relu, home tile 3
 * 4 gap     global average pool -> 1x1x4, home tile 3
 * 5 fc      linear 4 -> 3: rows 4, 6 physical cols, 1 crossbar on CE 8 (tile 4) */
static inline void fx_cnn(fx_t *f)
{
    memset(f, 0, sizeof *f);
    fx_arch(&f->arch);
    strcpy(f->model.name, "fxcnn");
    f->model.in_h = 6, f->model.in_w = 6, f->model.in_c = 2;
    f->model.hash = 0xAAAABBBBCCCCDDDDull;
    layer_t *L = fx_layer(f, "conv0", LAYER_CONV, LAYER_INPUT_NETWORK, -2);
    fx_shape(L, 6, 6, 2, 6, 6, 4);
    L->kx = L->ky = 3, L->pad = 1, L->act = ACT_RELU;
    fx_weights(&f->maps[0], 18, 4, 3, 1, 2, 2, 1, 36);
    L = fx_layer(f, "pool", LAYER_MAXPOOL, 0, -2);
    fx_shape(L, 6, 6, 4, 3, 3, 4);
    L->kx = L->ky = L->stride = 2;
    f->maps[1].home_tile = 2;
    L = fx_layer(f, "conv1", LAYER_CONV, 1, -2);
    fx_shape(L, 3, 3, 4, 3, 3, 4);
    L->kx = L->ky = 3, L->pad = 1;
    fx_weights(&f->maps[2], 36, 4, 5, 1, 3, 1, 5, 9);
    L = fx_layer(f, "add", LAYER_ADD, 1, 2);
    fx_shape(L, 3, 3, 4, 3, 3, 4);
    L->act = ACT_RELU;
    f->maps[3].home_tile = 3;
    L = fx_layer(f, "gap", LAYER_GLOBALPOOL, 3, -2);
    fx_shape(L, 3, 3, 4, 1, 1, 4);
    L->pool_avg = 1;
    f->maps[4].home_tile = 3;
    L = fx_layer(f, "fc", LAYER_LINEAR, 4, -2);
    fx_shape(L, 1, 1, 4, 1, 1, 3);
    fx_weights(&f->maps[5], 4, 3, 1, 1, 1, 1, 8, 1);
    fx_finish(f);
}

/* input 8x8x2
 * 0 conv0  1x1, 2 -> 2: rows 2, cols 2 -> 4 physical, 1 crossbar on CE 0 (tile 0)
 * 1 conv1  3x3 pad 1, 2 -> 2: rows 18 (blocks 8,8,2), 3 crossbars = 2 CEs per
 *          replica; 4 replicas from CE 2: replica r on tile r+1 */
static inline void fx_band(fx_t *f)
{
    memset(f, 0, sizeof *f);
    fx_arch(&f->arch);
    strcpy(f->model.name, "fxband");
    f->model.in_h = 8, f->model.in_w = 8, f->model.in_c = 2;
    f->model.hash = 0x9999AAAABBBBCCCCull;
    layer_t *L = fx_layer(f, "conv0", LAYER_CONV, LAYER_INPUT_NETWORK, -2);
    fx_shape(L, 8, 8, 2, 8, 8, 2);
    fx_weights(&f->maps[0], 2, 2, 1, 1, 1, 1, 0, 64);
    L = fx_layer(f, "conv1", LAYER_CONV, 0, -2);
    fx_shape(L, 8, 8, 2, 8, 8, 2);
    L->kx = L->ky = 3, L->pad = 1;
    fx_weights(&f->maps[1], 18, 2, 3, 1, 2, 4, 2, 64);
    fx_finish(f);
}

/* input: 5 steps x 4 features (5x1x4)
 * 0 lstm  hidden 4, 5 steps: rows 4+4 = 8, cols 4*4 = 16 -> 32 physical (4 blocks);
 *         4 crossbars = 2 CEs on CEs 2,3 (tile 1)
 * 1 fc    4 -> 3, 1 crossbar on CE 5 (tile 2) */
static inline void fx_lstm(fx_t *f)
{
    memset(f, 0, sizeof *f);
    fx_arch(&f->arch);
    strcpy(f->model.name, "fxlstm");
    f->model.in_h = 5, f->model.in_w = 1, f->model.in_c = 4;
    f->model.hash = 0x5555666677778888ull;
    layer_t *L = fx_layer(f, "lstm", LAYER_LSTM, LAYER_INPUT_NETWORK, -2);
    fx_shape(L, 5, 1, 4, 1, 1, 4);
    L->lstm_hidden = 4, L->lstm_steps = 5, L->lstm_layers = 1;
    fx_weights(&f->maps[0], 8, 16, 1, 4, 2, 1, 2, 5);
    L = fx_layer(f, "fc", LAYER_LINEAR, 0, -2);
    fx_shape(L, 1, 1, 4, 1, 1, 3);
    fx_weights(&f->maps[1], 4, 3, 1, 1, 1, 1, 5, 1);
    fx_finish(f);
}

#endif
