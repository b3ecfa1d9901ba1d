/* `imcsim run --functional`: evaluate a data set through the functional model
 * before the timing run, then attach the result to the run's (JSON
 * `functional`, and the run's adc_clipped becomes the real count: clipped
 * conversions of the batch's inferences, inference i on image i mod N). */
#ifndef IMC_FUNCTIONAL_RUN_H
#define IMC_FUNCTIONAL_RUN_H

#include <stdint.h>

#include "functional.h"
#include "run_result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct func_run_args {
    const char *data;     /* dataset file (docs/functional.md) */
    const char *calib;    /* optional dataset for activation ranges, or NULL */
    int limit;            /* images (0: all) */
    uint64_t seed;        /* non-idealities' seed */
    int keep_outputs;     /* keep image 0's outputs (func_result_t.capture) */
} func_run_args_t;

/* 0 with *out owned by the caller (attach it or func_result_free + free); -1
 * with one message in d (unreadable or malformed dataset, shapes that do not
 * fit, a model without weights, a scheme the arch cannot hold). */
int func_run_prepare(const arch_t *a, const mapping_t *mp, const func_run_args_t *args,
                     func_result_t **out, imc_diag_t *d);
/* Hands fr to res (freed by run_result_free) and sets res->adc_clipped. */
void func_run_attach(func_result_t *fr, run_result_t *res);

#ifdef __cplusplus
}
#endif
#endif
