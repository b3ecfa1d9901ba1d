/* NeuroSim's SAR ADC timing (DNN+NeuroSim, Peng et al. 2019): (B+1) ns per
 * conversion, one cycle per bit plus sampling. No NeuroSim energy or area here:
 * ISAAC's linear energy and area table are used so that only the timing
 * differs from the isaac variant. */
#include <stdio.h>

#include "adc_model.h"

static int sar_eval(const adc_model_in_t *in, adc_model_out_t *out, char *why,
                    size_t n)
{
    (void)why;
    (void)n;
    out->energy_pj = adc_isaac_energy_pj(in->bits);
    out->latency_ns = in->bits + 1.0;
    out->area_mm2 = adc_isaac_area_mm2(in->bits);
    return 0;
}

const adc_model_ops_t adc_model_neurosim_sar = {
    "neurosim_sar", "NeuroSim SAR: (B+1) ns per conversion; isaac energy/area",
    sar_eval, NULL};
