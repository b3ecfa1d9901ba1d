/* MNSIM's ADC timing (Xia et al., IEEE TCAD 2018; docs/references.md): (B+2)/f_s
 * per conversion. Energy and area as the isaac variant (none taken from MNSIM). */
#include <stdio.h>

#include "adc_model.h"

static int mnsim_eval(const adc_model_in_t *in, adc_model_out_t *out,
                      char *why, size_t n)
{
    (void)why;
    (void)n;
    out->energy_pj = adc_isaac_energy_pj(in->bits);
    out->latency_ns = (in->bits + 2.0) / in->sample_rate_gsps;
    out->area_mm2 = adc_isaac_area_mm2(in->bits);
    return 0;
}

const adc_model_ops_t adc_model_mnsim = {
    "mnsim", "MNSIM: (B+2)/f_s per conversion; isaac energy/area", mnsim_eval, NULL};
