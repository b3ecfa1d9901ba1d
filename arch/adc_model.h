/* ADC cost models: one ops table per variant (adc/adc_<name>.c), selected by
 * name from YAML (adc.model). A variant fills energy per conversion, latency
 * per conversion and area for one ADC; power at the sample rate follows.
 * Adding a variant = one file with its ops table + one line in the registry
 * (adc_model.c); adc.model takes its names from the registry. */
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
    double power_mw;       /* energy_pj / latency_ns: converting back to back */
} adc_model_out_t;

typedef struct adc_model_ops {
    const char *name;
    const char *description;
    /* 0 on success; -1 with a reason in why (e.g. outside the model's range). */
    int (*eval)(const adc_model_in_t *in, adc_model_out_t *out, char *why,
                size_t why_len);
    /* The model-specific parameters it reads, NULL-terminated (NULL: none);
     * set to another model, they change nothing and draw a warning. */
    const char *const *params;
} adc_model_ops_t;

/* The registry; a model's index is the value of arch_t's adc.model. */
const adc_model_ops_t *adc_model_get(int m);      /* NULL when out of range */
const char *adc_model_name(int m);                /* NULL when out of range */
int adc_model_index(const char *name);            /* -1 when unknown */
/* Whether model m reads the model-specific parameter `key`. */
int adc_model_reads(int m, const char *key);
int adc_model_eval(int m, const adc_model_in_t *in, adc_model_out_t *out, char *why,
                   size_t why_len);

/* Shared by several variants: ISAAC's linear energy (0.25 mW per bit at
 * 1.28 GS/s) and the Accelergy-scaled ISAAC area table (4..10 bits,
 * log-linear beyond). */
double adc_isaac_energy_pj(int bits);
double adc_isaac_area_mm2(int bits);

#ifdef __cplusplus
}
#endif
#endif
