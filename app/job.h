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

typedef struct job_opts {
    const char *arch, *model;
    opt_list_t sets;
    int policy;            /* replicate_policy_t */
} job_opts_t;

#define JOB_OPTS_INIT {NULL, NULL, {NULL, 0, 0}, REPLICATE_BALANCED}

/* Name of replication policy i (NULL past the last), for OPT_ENUM. */
const char *job_policy_name(int i);

/* The rows of an option table for a job_opts_t. */
#define JOB_OPTIONS(j)                                                                      \
    OPT_STRING(0, "arch", &(j)->arch, "A", "preset (imcsim arch presets) or architecture YAML file"), \
    OPT_STRING(0, "model", &(j)->model, "M", "zoo model (imcsim models) or model YAML file"), \
    OPT_SET(&(j)->sets),                                                                    \
    OPT_ENUM(0, "replicate", &(j)->policy, "P", job_policy_name,                            \
             "none | balanced (default: fill the chips the model needs)\n"                 \
             "| max (fill every chip of the system)")

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
