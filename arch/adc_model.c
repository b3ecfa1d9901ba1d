/* The ADC model registry: adding a variant = one file in adc/ + one line. */
#include "adc_model.h"

#include <stdio.h>
#include <string.h>

/* The registry: one line per model, in index order (the value arch_t's
 * adc.model holds; isaac, the default, first: append new models). A test
 * build adds its models through IMC_ADC_TEST_REGISTRY, a header defining
 * ADC_TEST_MODELS(X) (test/arch/adc_test_registry.h). */
#define ADC_MODELS(X) \
    X(isaac)          \
    X(zigzag)         \
    X(neurosim_sar)   \
    X(mnsim)          \
    X(walden)         \
    ADC_TEST_MODELS(X)

#ifdef IMC_ADC_TEST_REGISTRY
#include IMC_ADC_TEST_REGISTRY
#else
#define ADC_TEST_MODELS(X)
#endif

#define DECLARE(name) extern const adc_model_ops_t adc_model_##name;
ADC_MODELS(DECLARE)
#define ENTRY(name) &adc_model_##name,
static const adc_model_ops_t *const registry[] = {ADC_MODELS(ENTRY)};
#define N_MODELS ((int)(sizeof registry / sizeof registry[0]))

const adc_model_ops_t *adc_model_get(int m)
{
    return m >= 0 && m < N_MODELS ? registry[m] : NULL;
}

const char *adc_model_name(int m)
{
    return m >= 0 && m < N_MODELS ? registry[m]->name : NULL;
}

int adc_model_index(const char *name)
{
    for (int i = 0; i < N_MODELS; i++)
        if (!strcmp(registry[i]->name, name))
            return i;
    return -1;
}

int adc_model_reads(int m, const char *key)
{
    const adc_model_ops_t *ops = adc_model_get(m);
    for (const char *const *k = ops ? ops->params : NULL; k && *k; k++)
        if (!strcmp(*k, key))
            return 1;
    return 0;
}

int adc_model_eval(int m, const adc_model_in_t *in, adc_model_out_t *out, char *why,
                   size_t why_len)
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
    /* converting back to back: one conversion per latency_ns (1 / f_s for the
     * isaac and walden models; mnsim, neurosim_sar and zigzag take several
     * clocks of f_s, and their power at f_s conversions a second overstated
     * it by that factor) */
    out->power_mw = out->latency_ns > 0 ? out->energy_pj / out->latency_ns
                                        : out->energy_pj * in->sample_rate_gsps;
    return 0;
}
