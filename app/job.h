/* What `imcsim compile` and `imcsim run` share: the options naming the inputs
 * (--arch, --model, --set, --replicate) and the load -> compile step. */
#ifndef IMC_JOB_H
#define IMC_JOB_H

#include "arch.h"
#include "compile.h"
#include "diag.h"
#include "model.h"
#include "opts.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The options of every command that loads a model (docs/model-format.md). */
typedef struct model_flags {
    int64_t weight_bits, act_bits; /* 0: not given */
    const char *input_shape, *quant;
} model_flags_t;

#define MODEL_FLAGS_INIT {0, 0, NULL, NULL}

/* The rows of an option table for a model_flags_t. */
#define MODEL_OPTIONS(f)                                                                    \
    OPT_INT(0, "weight-bits", &(f)->weight_bits, "N", 1, 32,                                \
            "bits of the weights a model leaves unset\n(default: the architecture's)"),     \
    OPT_INT(0, "act-bits", &(f)->act_bits, "N", 1, 32,                                      \
            "bits of the activations a model leaves unset"),                                \
    OPT_STRING(0, "input-shape", &(f)->input_shape, "DIMS",                                 \
               "an ONNX input's dimensions where the file leaves\n"                         \
               "them symbolic, e.g. 1x3x224x224"),                                          \
    OPT_STRING(0, "quant", &(f)->quant, "FILE",                                             \
               "per-layer quantization overrides (docs/model-format.md)")

/* The model_load_opts() options the flags give. */
model_opts_t model_flags_opts(const model_flags_t *f);

typedef struct job_opts {
    const char *arch, *model;
    opt_list_t sets;
    int policy;            /* replicate_policy_t */
    model_flags_t mflags;
} job_opts_t;

#define JOB_OPTS_INIT {NULL, NULL, {NULL, 0, 0}, REPLICATE_BALANCED, MODEL_FLAGS_INIT}

/* Name of replication policy i (NULL past the last), for OPT_ENUM. */
const char *job_policy_name(int i);

/* The rows of an option table for a job_opts_t. */
#define JOB_OPTIONS(j)                                                                      \
    OPT_STRING(0, "arch", &(j)->arch, "A", "preset (imcsim arch presets) or architecture YAML file"), \
    OPT_STRING(0, "model", &(j)->model, "M",                                                \
               "zoo model (imcsim models), model YAML or ONNX file"),                       \
    OPT_SET(&(j)->sets),                                                                    \
    OPT_ENUM(0, "replicate", &(j)->policy, "P", job_policy_name,                            \
             "none | balanced (default: fill the chips the model needs)\n"                 \
             "| max (fill every chip of the system)"),                                      \
    MODEL_OPTIONS(&(j)->mflags)

typedef struct job {
    arch_t *arch;
    model_t model;
    mapping_t mapping;
} job_t;

/* Loads the architecture (with the overrides) and the model, and compiles.
 * 0 on success (warnings may be in d); otherwise 2 (bad input, incl. a model
 * that does not fit) or 1 (out of memory), messages in d. Free with
 * job_free, also after a failure. */
int job_compile(const job_opts_t *o, job_t *j, imc_diag_t *d);
void job_free(job_t *j);

/* Where the model of a job comes from, to be found again from another
 * directory: the zoo name, or the absolute path of the model file. */
void job_model_source(const job_opts_t *o, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
