/* Network descriptions: the YAML model format (docs/model-format.md) and the
 * zoo of models embedded in the library at build time. */
#ifndef IMC_MODEL_H
#define IMC_MODEL_H

#include "mapping.h"

#ifdef __cplusplus
extern "C" {
#endif

/* spec: a zoo name ("resnet18") or a path to a YAML file (anything with a
 * '/' or ending in .yaml/.yml). On success 0 and *out is filled (free with
 * model_free); on failure -1, messages in d and *out is empty. Batchnorm
 * layers are folded and activations fused, so out->layers holds only the
 * layers that do work, in topological order. */
int model_load(const char *spec, model_t *out, imc_diag_t *d);

/* The same from text in memory; `name` is used in messages. */
int model_load_string(const char *name, const char *text, size_t len,
                      model_t *out, imc_diag_t *d);

void model_free(model_t *m);

/* Names of the embedded zoo models, in a fixed order. */
const char *const *model_zoo_names(int *n);

/* The embedded YAML text of a zoo model, or NULL. */
const char *model_zoo_text(const char *name, size_t *len);

/* The one name of each layer kind, as the model format spells the type:
 * "conv2d", "linear", "maxpool", "avgpool", "global_pool", "add", "concat",
 * "flatten", "activation", "lstm"; NULL out of range. */
const char *layer_kind_name(int k);
/* What a layer is, in every report (mapping, run results, `imcsim models`):
 * its kind's name, made precise where the kind covers several model types
 * ("global_avgpool" or "global_maxpool"; an activation layer's function). */
const char *layer_label(const layer_t *L);

/* Sums over the layers (parameters held in crossbars, MACs per inference). */
int64_t model_macs(const model_t *m);
int64_t model_weights(const model_t *m);

/* Index of the layer with this name, or -1. */
int model_find(const model_t *m, const char *name);

#ifdef __cplusplus
}
#endif
#endif
