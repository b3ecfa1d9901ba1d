/* The options of every command that loads a model (docs/model-format.md):
 * --weight-bits N, --act-bits N, --input-shape DIMS, --quant FILE. Until
 * one option parser serves every command, each command's parser offers its
 * arguments here first. */
#ifndef IMC_MODEL_FLAGS_H
#define IMC_MODEL_FLAGS_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when argv[*i] is one of these options (its value consumed, *i on it),
 * 0 when it is not, -1 on a missing or bad value (message printed). */
int model_flag(const char *cmd, int argc, char **argv, int *i, model_opts_t *o);

#define MODEL_FLAGS_HELP                                                                   \
    "  --weight-bits N   bits of the weights a model leaves unset (default: the arch's)\n" \
    "  --act-bits N      bits of the activations a model leaves unset\n"                    \
    "  --input-shape D   an ONNX input's dimensions where the file leaves them\n"          \
    "                    symbolic, e.g. 1x3x224x224\n"                                      \
    "  --quant FILE      per-layer quantization overrides (docs/model-format.md)\n"

#ifdef __cplusplus
}
#endif
#endif
