/* ZigZag-IMC analytic ADC (Houshmand, Sun, Verhelst, arXiv:2305.18335, 2023):
 *   E = (100 fF * B + 0.001 fF * 4^B) * VDD^2
 *   A = 1e-6 * 10^(-0.0369 B + 1.206) * 2^B mm^2   (B < 12)
 *   t = B * (0.00653 * n_in + 0.640) ns, n_in = rows summed on a bitline. */
#include <math.h>
#include <stdio.h>

#include "adc_model.h"

static int zigzag_eval(const adc_model_in_t *in, adc_model_out_t *out,
                       char *why, size_t n)
{
    int b = in->bits;
    if (b >= 12) {
        snprintf(why, n, "the zigzag area fit holds below 12 bits (got %d)", b);
        return -1;
    }
    double v2 = in->vdd_v * in->vdd_v;
    out->energy_pj = (100.0 * b + 0.001 * pow(4.0, b)) * v2 * 1e-3; /* fJ -> pJ */
    out->area_mm2 = 1e-6 * pow(10.0, -0.0369 * b + 1.206) * pow(2.0, b);
    out->latency_ns = b * (0.00653 * in->rows + 0.640);
    return 0;
}

const adc_model_ops_t adc_model_zigzag = {
    "zigzag", "ZigZag-IMC analytic energy/area/latency (VDD, rows)",
    zigzag_eval, NULL};
