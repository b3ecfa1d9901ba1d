/* ISAAC's ADC (Shafiee et al. 2016, Table I: 16 mW for 8 ADCs): power linear in the
 * bits, 0.25 mW per bit at 1.28 GS/s, i.e. 0.25/1.28 pJ per bit per
 * conversion (8 bits: 1.5625 pJ); area from the Accelergy-scaled table
 * (8 bits: 1200 um^2 = 0.0012 mm^2); one conversion per sample. */
#include <math.h>
#include <stdio.h>

#include "adc_model.h"

double adc_isaac_energy_pj(int bits) { return 0.25 / 1.28 * bits; }

double adc_isaac_area_mm2(int bits)
{
    /* um^2 for 4..10 bits: Accelergy's table scaled from ISAAC (Wu et al. 2019). */
    static const double um2[] = {361, 477, 627, 845, 1200, 1828, 3002};
    int lo = 4, hi = 10;
    if (bits >= lo && bits <= hi)
        return um2[bits - lo] * 1e-6;
    /* Outside the table: continue the ratio of the nearest two entries. */
    double r = bits < lo ? um2[1] / um2[0] : um2[6] / um2[5];
    double base = bits < lo ? um2[0] : um2[6];
    int steps = bits < lo ? bits - lo : bits - hi;
    return base * pow(r, steps) * 1e-6;
}

static int isaac_eval(const adc_model_in_t *in, adc_model_out_t *out,
                      char *why, size_t n)
{
    (void)why;
    (void)n;
    out->energy_pj = adc_isaac_energy_pj(in->bits);
    out->latency_ns = 1.0 / in->sample_rate_gsps;
    out->area_mm2 = adc_isaac_area_mm2(in->bits);
    return 0;
}

const adc_model_ops_t adc_model_isaac = {
    "isaac", "ISAAC linear: 0.25 mW/bit at 1.28 GS/s, Accelergy area table",
    isaac_eval, NULL};
