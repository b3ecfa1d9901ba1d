/* A network (model_t) and its mapping onto an architecture (mapping_t).
 *
 * The compiler fills these; the trace generator (traces/) and the run engine
 * (sim/) read them. Layers are in topological order; indices refer to
 * model->layers. Fields may be added, none renamed. */
#ifndef IMC_MAPPING_H
#define IMC_MAPPING_H

#include <stdint.h>

#include "act.h"
#include "arch.h"
#include "diag.h"
#include "quant.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MODEL_NAME_MAX 64
#define LAYER_MAX_INPUTS 4
#define LAYER_INPUT_NETWORK (-1) /* producer index of the network input */

/* The kinds of layer that do work; their names are in one table
 * (workloads/layers.c: layer_kind_name, layer_label). */
typedef enum {
    LAYER_CONV, LAYER_LINEAR, LAYER_MAXPOOL, LAYER_AVGPOOL, LAYER_GLOBALPOOL,
    LAYER_ADD, LAYER_CONCAT, LAYER_FLATTEN, LAYER_ACT, LAYER_LSTM, LAYER_KIND_COUNT_
} layer_kind_t;

typedef struct layer {
    char name[MODEL_NAME_MAX];
    layer_kind_t kind;
    int n_inputs;
    int inputs[LAYER_MAX_INPUTS];   /* producer layer indices, or LAYER_INPUT_NETWORK */
    int in_h, in_w, in_c;           /* of inputs[0] */
    int out_h, out_w, out_c;
    int kx, ky, stride, pad, groups;/* conv / pool */
    act_kind_t act;                 /* activation fused after this layer */
    int lstm_hidden, lstm_steps, lstm_layers;
    int weight_bits, act_bits;      /* per-layer precision (defaults from the arch) */
    int src_line;                   /* line in the model file, for messages */
    int64_t macs;                   /* per inference */
    int64_t weights;                /* parameters held in crossbars */
    /* Added by the model loader (docs/model-format.md): */
    int pool_avg;                   /* pools: 0 max, 1 average (= TR_POOL arg) */
    int folded_bn;                  /* a batchnorm was folded into this layer */
    /* Added for quantized and imported models (docs/model-format.md): */
    layer_quant_t quant;            /* weight layers: how weights/activations are quantized */
    double act_max;                 /* > 0: the fused ReLU also clips at this value
                                       (ONNX Clip(0, 6) = ReLU6); 0 = unbounded */
} layer_t;

typedef struct model {
    char name[MODEL_NAME_MAX];
    int in_h, in_w, in_c;
    int n_layers;
    layer_t *layers;
    uint64_t hash;                  /* FNV-1a of the canonical description */
    struct model_store *store;      /* arrays the layers point into (quant levels and
                                       scales) and the weights source (weights.h);
                                       private to workloads/, freed by model_free */
} model_t;

typedef enum { REPLICATE_NONE, REPLICATE_BALANCED, REPLICATE_MAX } replicate_policy_t;

/* Where one layer sits and how it is cut. For weight layers one replica is
 * row_blocks x col_blocks crossbars (col_blocks already counts weight slices
 * and differential columns); replicas are laid on consecutive CEs. Layers
 * without weights run on the tiles of their first producer's home tile. */
typedef struct layer_map {
    int rows, cols;                 /* unrolled logical matrix: Kx*Ky*Cin/groups x Cout */
    int row_blocks, col_blocks;
    int xbars_per_replica;
    int ces_per_replica;
    int replication;
    int64_t crossbars;              /* xbars_per_replica * replication */
    double cell_utilization;        /* mapped cells / cells of the crossbars used */
    int64_t positions;              /* output positions per inference (LSTM: steps) */
    int first_ce;                   /* global CE index of replica 0 */
    int first_tile, n_tiles;        /* global tile indices spanned by the layer */
    int home_tile;                  /* where non-MVM work of this layer happens */
    int chip;                       /* chip of first_tile */
    int64_t window_values;          /* input buffer need: ((Nx*(Ky-1))+Kx)*Ni */
    /* Added by the compiler (docs/compiler.md): */
    int weight_bits, act_bits;      /* resolved precision (layer, else model, else arch) */
    int slices;                     /* physical columns per weight (x2 if differential) */
    int weights_per_row;            /* logical weights one crossbar row holds */
    int groups_per_crossbar;        /* grouped conv: groups packed block-diagonally */
    int n_ces;                      /* ces_per_replica * replication */
    int *ces;                       /* n_ces global CE indices (tile*ces_per_tile + ce);
                                       replica r uses ces[r*ces_per_replica ...] */
    int *tiles;                     /* n_tiles global tile indices, in placement order */
} layer_map_t;

typedef struct mapping {
    const arch_t *arch;
    const model_t *model;
    replicate_policy_t policy;
    layer_map_t *layers;            /* model->n_layers entries */
    int chips_used, tiles_used, ces_used;
    int64_t crossbars_used, crossbars_available;
    int64_t macs, weights;
    double cell_utilization;
    /* Added by the compiler: */
    int64_t ces_available, tiles_available;
    int64_t cells_mapped, cells_used;   /* cell_utilization = mapped / used */
    int64_t bottleneck_positions;       /* max over weight layers of positions/replication */
} mapping_t;

#ifdef __cplusplus
}
#endif
#endif
