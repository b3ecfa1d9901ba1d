/* ADC cost models: one ops table per variant (adc/adc_<name>.c), selected by
 * name from YAML (adc.model). A variant fills energy per conversion, latency
 * per conversion and area for one ADC; power at the sample rate follows. */
#ifndef IMC_ADC_MODEL_H
#define IMC_ADC_MODEL_H

#include "arch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a model needs to know about the ADC and its surroundings. */
typedef struct adc_model_in {
    int bits;
    double sample_rate_gsps;
    double vdd_v;
    int rows;              /* rows summed on one bitline (zigzag's n_in) */
    double walden_fom_fj;  /* fJ per conversion step */
    double enob;           /* 0 = bits */
} adc_model_in_t;

typedef struct adc_model_out {
    double energy_pj;      /* per conversion */
    double latency_ns;     /* per conversion */
    double area_mm2;       /* one ADC */
    double power_mw;       /* energy_pj * sample_rate_gsps */
} adc_model_out_t;

typedef struct adc_model_ops {
    const char *name;
    const char *description;
    /* 0 on success; -1 with a reason in why (e.g. outside the model's range). */
    int (*eval)(const adc_model_in_t *in, adc_model_out_t *out, char *why,
                size_t why_len);
} adc_model_ops_t;

/* Registry, indexed by arch_adc_model_t. */
const adc_model_ops_t *adc_model_get(arch_adc_model_t m);
const adc_model_ops_t *adc_model_find(const char *name);
int adc_model_eval(arch_adc_model_t m, const adc_model_in_t *in,
                   adc_model_out_t *out, char *why, size_t why_len);

/* Shared by several variants: ISAAC's linear energy (0.25 mW per bit at
 * 1.28 GS/s) and the Accelergy-scaled ISAAC area table (4..10 bits,
 * log-linear beyond). */
double adc_isaac_energy_pj(int bits);
double adc_isaac_area_mm2(int bits);

#ifdef __cplusplus
}
#endif
#endif
