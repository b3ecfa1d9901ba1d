/* Network descriptions: the YAML model format (docs/model-format.md) and the
 * zoo of models embedded in the library at build time. */
#ifndef IMC_MODEL_H
#define IMC_MODEL_H

#include <stdio.h>

#include "mapping.h"

#ifdef __cplusplus
extern "C" {
#endif

/* spec: a zoo name ("resnet18"), a path to a YAML file (anything with a
 * '/' or ending in .yaml/.yml) or an ONNX file (ending in .onnx). On success
 * 0 and *out is filled (free with model_free); on failure -1, messages in d
 * and *out is empty. Batchnorm layers are folded and activations fused, so
 * out->layers holds only the layers that do work, in topological order. */
int model_load(const char *spec, model_t *out, imc_diag_t *d);

/* What the commands that load a model may add (docs/model-format.md). */
typedef struct model_opts {
    int weight_bits, act_bits;  /* --weight-bits/--act-bits: the bits of layers the model
                                   leaves at 0 (0: the architecture's) */
    const char *input_shape;    /* --input-shape: the ONNX input's dims ("1x3x224x224")
                                   where the file leaves them symbolic */
    const char *quant_file;     /* --quant: a quant override file */
} model_opts_t;

/* model_load with options (NULL = none). */
int model_load_opts(const char *spec, const model_opts_t *o, model_t *out, imc_diag_t *d);

/* The same from text in memory; `name` is used in messages. */
int model_load_string(const char *name, const char *text, size_t len,
                      model_t *out, imc_diag_t *d);

/* An ONNX model from bytes in memory; `name` is used in messages and as the
 * model's name. The bytes must outlive the model when its weights are read. */
int model_load_onnx_mem(const char *name, const void *data, size_t len,
                        const model_opts_t *o, model_t *out, imc_diag_t *d);

void model_free(model_t *m);

/* Write m in the YAML model format; loading the text gives the same layers
 * and hash. weights_ref: the path of m's ONNX file relative to where the
 * text is saved (its tensors are referenced per layer), or NULL to leave the
 * weights out; source: named in a comment, or NULL. 0 ok, -1 on a write error. */
int model_write_yaml(const model_t *m, FILE *f, const char *weights_ref, const char *source);

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
