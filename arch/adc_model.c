/* The ADC model registry: adding a variant = one file in adc/ + one line. */
#include "adc_model.h"

#include <stdio.h>
#include <string.h>

extern const adc_model_ops_t adc_model_isaac, adc_model_zigzag,
    adc_model_neurosim_sar, adc_model_mnsim, adc_model_walden;

/* Indexed by arch_adc_model_t. */
static const adc_model_ops_t *const registry[ADC_MODEL_COUNT_] = {
    [ADC_MODEL_ISAAC] = &adc_model_isaac,
    [ADC_MODEL_ZIGZAG] = &adc_model_zigzag,
    [ADC_MODEL_NEUROSIM_SAR] = &adc_model_neurosim_sar,
    [ADC_MODEL_MNSIM] = &adc_model_mnsim,
    [ADC_MODEL_WALDEN] = &adc_model_walden,
};

const adc_model_ops_t *adc_model_get(arch_adc_model_t m)
{
    return (unsigned)m < ADC_MODEL_COUNT_ ? registry[m] : NULL;
}

const adc_model_ops_t *adc_model_find(const char *name)
{
    for (int i = 0; i < ADC_MODEL_COUNT_; i++)
        if (!strcmp(registry[i]->name, name))
            return registry[i];
    return NULL;
}

int adc_model_eval(arch_adc_model_t m, const adc_model_in_t *in,
                   adc_model_out_t *out, char *why, size_t why_len)
{
    const adc_model_ops_t *ops = adc_model_get(m);
    memset(out, 0, sizeof *out);
    if (!ops) {
        snprintf(why, why_len, "unknown ADC model %d", (int)m);
        return -1;
    }
    if (in->bits < 1 || in->sample_rate_gsps <= 0) {
        snprintf(why, why_len, "ADC bits and sample rate must be positive");
        return -1;
    }
    if (ops->eval(in, out, why, why_len))
        return -1;
    out->power_mw = out->energy_pj * in->sample_rate_gsps;
    return 0;
}
