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
    QG_AZERO = 1 << 8
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

#endif
