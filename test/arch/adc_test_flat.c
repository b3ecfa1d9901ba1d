/* A test ADC model, to show what adding a model takes: this one file (its
 * ops table) and one registry line (adc_test_registry.h, which the test
 * build includes in arch/adc_model.c's registry). Flat costs whatever the
 * bits, so the test can tell them apart from every shipped model. */
#include <stdio.h>

#include "adc_model.h"

static int flat_eval(const adc_model_in_t *in, adc_model_out_t *out, char *why, size_t n)
{
    if (in->bits > 12) {
        snprintf(why, n, "the test_flat model stops at 12 bits (got %d)", in->bits);
        return -1;
    }
    out->energy_pj = 2.5;
    out->latency_ns = 0.5;
    out->area_mm2 = 0.002;
    return 0;
}

const adc_model_ops_t adc_model_test_flat = {
    "test_flat", "test: 2.5 pJ and 0.5 ns per conversion, 0.002 mm2, up to 12 bits", flat_eval,
    NULL};
