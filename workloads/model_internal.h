/* Private to workloads/: what the model loaders share beyond model.h. */
#ifndef IMC_MODEL_INTERNAL_H
#define IMC_MODEL_INTERNAL_H

#include <stddef.h>

#include "mapping.h"
#include "ytree.h"

/* Memory a model's layers point into, released with the model. */
struct model_store {
    struct store_block *blocks;
    struct model_weights *weights;   /* weights.c; NULL: the model has no weights */
};

/* n zeroed bytes owned by m (freed by model_free); NULL when out of memory. */
void *model_store_alloc(model_t *m, size_t n);
void model_store_free(model_t *m);

/* weights.c: releases a weights source (NULL is fine). */
void model_weights_free(struct model_weights *w);

/* A `quant:` block as written: the fields it sets (QG_* bits) and their values. */
enum {
    QG_SCHEME = 1 << 0, QG_WBITS = 1 << 1, QG_ABITS = 1 << 2, QG_SYM = 1 << 3,
    QG_PERCH = 1 << 4, QG_LOGBASE = 1 << 5, QG_LEVELS = 1 << 6, QG_ASCALE = 1 << 7,
    QG_AZERO = 1 << 8,
    QG_WSCALE = 1 << 9               /* n_w_scale, w_scale, w_zero (ONNX only) */
};
typedef struct quant_spec {
    layer_quant_t q;
    unsigned given;                  /* QG_* */
    const ynode_t *wbits_node, *abits_node; /* for messages about conflicts */
} quant_spec_t;

/* Parse a `quant:` mapping at n (the YAML model format, metadata_props values
 * and override files share it); arrays are allocated in m. 0 or -1 with a
 * positioned message in d. */
int quant_parse_yaml(ytree_t *t, imc_diag_t *d, const ynode_t *n, model_t *m,
                     quant_spec_t *out);

/* Lay the fields a block sets over q (a later source wins field by field). */
void quant_apply(layer_quant_t *q, const quant_spec_t *s);

/* A layer as a front end (the YAML parser, the ONNX importer) describes it,
 * before batchnorms are folded and activations fused. */
enum {
    RK_CONV, RK_LINEAR, RK_MAXPOOL, RK_AVGPOOL, RK_GMAXPOOL, RK_GAVGPOOL,
    RK_ADD, RK_CONCAT, RK_FLATTEN, RK_ACT, RK_LSTM, RK_BN, RK_COUNT_
};

typedef struct raw {
    char name[MODEL_NAME_MAX];
    int type;                      /* model_raw_type() of the YAML type name */
    int kind;                      /* RK_* */
    ynode_t *node, *inputs_node;   /* YAML only (NULL otherwise) */
    const char *origin;            /* other front ends: "node 'x' (Conv)", for messages */
    int n_in;
    ynode_t *in_nodes[LAYER_MAX_INPUTS];
    int in[LAYER_MAX_INPUTS];      /* raw indices, or LAYER_INPUT_NETWORK */
    int64_t outc, inc, kx, ky, stride, pad, groups, outf, inf;
    int64_t hidden, steps, nlayers, insize, wbits, abits;
    act_kind_t act;
    double act_max;                /* relu6: 6 (act_max key) */
    ynode_t *act_max_node;
    int h, w, c;                   /* output shape */
    int consumers;
    int target;                    /* final layer carrying this one's output */
    int order;                     /* topological position */
    int has_quant;                 /* qs applies */
    quant_spec_t qs;               /* the `quant:` block */
    ynode_t *qnode;
    int wspec;                     /* front end's weight description, or -1 */
    ynode_t *wnode;                /* YAML: the layer's `weights:` references */
} raw_t;

/* The types table index of a YAML layer type ("conv2d"), or -1; *kind gets its RK_*. */
int model_raw_type(const char *type_name, int *kind);

/* Shapes, folding, fusion, bounds and hash for layers a front end produced
 * in topological order (every in[] points backwards). `file` prefixes the
 * messages, which follow each layer's origin. On success r[i].target is the
 * final layer that carries raw layer i (a folded batchnorm: its conv). */
int model_build_layers(const char *file, const char *name, raw_t *r, int n, int in_h,
                       int in_w, int in_c, model_t *out, imc_diag_t *d);

/* The file name without directory and extension ("nets/r18.onnx": "r18"). */
void model_base_name(const char *path, char *out, size_t n);

/* Recompute the hash after a model's layers were changed in place. */
void model_rehash(model_t *m);

/* Apply a quant block to final layer i, its bits becoming the layer's. */
void model_layer_quant(model_t *m, int i, const quant_spec_t *s);

#endif
