/* Walden figure of merit (R. H. Walden, IEEE JSAC 1999): E = FoM * 2^ENOB, FoM in fJ per
 * conversion step (adc.walden_fom_fj), ENOB = adc.enob or the bits. One
 * conversion per sample; area from the isaac table. */
#include <math.h>
#include <stdio.h>

#include "adc_model.h"

static int walden_eval(const adc_model_in_t *in, adc_model_out_t *out,
                       char *why, size_t n)
{
    if (in->walden_fom_fj <= 0) {
        snprintf(why, n, "the walden model needs adc.walden_fom_fj > 0 "
                         "(fJ per conversion step)");
        return -1;
    }
    double enob = in->enob > 0 ? in->enob : in->bits;
    out->energy_pj = in->walden_fom_fj * pow(2.0, enob) * 1e-3;
    out->latency_ns = 1.0 / in->sample_rate_gsps;
    out->area_mm2 = adc_isaac_area_mm2(in->bits);
    return 0;
}

static const char *const walden_params[] = {"adc.walden_fom_fj", "adc.enob", NULL};

const adc_model_ops_t adc_model_walden = {
    "walden", "Walden FoM: E = FoM * 2^ENOB; isaac area", walden_eval, walden_params};
