/* The functional part of `imcsim run --functional` (functional_run.h). */
#include "functional_run.h"

#include <stdlib.h>

#include "dataset.h"

int func_run_prepare(const arch_t *a, const mapping_t *mp, const func_run_args_t *args,
                     func_result_t **out, imc_diag_t *d)
{
    *out = NULL;
    dataset_t ds, cal;
    if (dataset_read(args->data, &ds, d))
        return -1;
    int has_cal = args->calib && *args->calib;
    if (has_cal && dataset_read(args->calib, &cal, d)) {
        dataset_free(&ds);
        return -1;
    }
    if (has_cal && (cal.h != ds.h || cal.w != ds.w || cal.c != ds.c)) {
        diag_error(d, args->calib, 0, 0, "calibration samples of %dx%dx%d (expected %dx%dx%d "
                   "as in '%s')", cal.h, cal.w, cal.c, ds.h, ds.w, ds.c, args->data);
        dataset_free(&ds);
        dataset_free(&cal);
        return -1;
    }
    func_opts_t o = {.seed = args->seed, .limit = args->limit, .keep_outputs = args->keep_outputs};
    if (has_cal) {
        o.calib = cal.x;
        o.n_calib = cal.n < 32 ? cal.n : 32;
    }
    func_result_t *r = calloc(1, sizeof *r);
    int rc = r ? func_evaluate(a, mp, &ds, &o, r, d) : -1;
    if (!r)
        diag_error(d, NULL, 0, 0, "out of memory");
    dataset_free(&ds);
    if (has_cal)
        dataset_free(&cal);
    if (rc) {
        free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void func_run_attach(func_result_t *fr, run_result_t *res)
{
    res->functional = fr;
    res->adc_clipped = func_batch_clipped(fr, res->batch);
}
