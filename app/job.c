/* The load -> compile step of compile and run (job.h). */
#define _DEFAULT_SOURCE /* realpath */
#include "job.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_load.h"
#include "placement_search.h"
#include "tracegen.h"

const char *job_policy_name(int i) { return replicate_policy_name((replicate_policy_t)i); }

model_opts_t model_flags_opts(const model_flags_t *f)
{
    model_opts_t o = {(int)f->weight_bits, (int)f->act_bits, f->input_shape, f->quant};
    return o;
}

int job_compile(const job_opts_t *o, job_t *j, imc_diag_t *d)
{
    memset(j, 0, sizeof *j);
    j->arch = calloc(1, sizeof *j->arch);
    if (!j->arch)
        return 1;
    model_opts_t mo = model_flags_opts(&o->mflags);
    if (arch_load(o->arch, o->sets.v, o->sets.n, j->arch, d) ||
        model_load_opts(o->model, &mo, &j->model, d))
        return 2;
    if (compile_model(j->arch, &j->model, (replicate_policy_t)o->policy, &j->mapping, d))
        return 2;
    if (j->arch->chip.placement == PLACEMENT_SEARCH) { /* the placement the run will use */
        trace_layer_t *layers = NULL;
        int rc = tracegen_build(&j->mapping, &layers, d) ||
                 placement_search(j->arch, &j->mapping, layers, d);
        if (layers)
            trace_layers_free(layers, j->model.n_layers);
        if (rc)
            return 2;
    }
    return 0;
}

void job_free(job_t *j)
{
    mapping_free(&j->mapping);
    model_free(&j->model);
    free(j->arch);
    memset(j, 0, sizeof *j);
}

void job_model_source(const job_opts_t *o, char *buf, size_t n)
{
    char abs[PATH_MAX];
    size_t len;
    if (!model_zoo_text(o->model, &len) && realpath(o->model, abs))
        snprintf(buf, n, "%s", abs);
    else
        snprintf(buf, n, "%s", o->model);
}
