/* Crossbar peripherals of a CE, one core per class (all instances of the
 * class in the CE): DACs (dac_), sample-and-hold (sh_), ADCs (adc_) and
 * shift-and-add units (sa_). Energy per action is the arch's per-action
 * energy when it gives one, else component power x action time. */
#ifndef IMC_PERIPH_H
#define IMC_PERIPH_H

#include <stdint.h>

#include "comp_common.h"
#include "nonideal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- DAC: drives one row per input slice ---- */
typedef struct dac_stats {
    uint64_t drives;        /* row drives (one per active row per read) */
    uint64_t busy_cycles;   /* hold time summed over drives */
    double energy_pj;
    double leakage_energy_pj;
} dac_stats_t;
extern const desc_t dac_stat_desc[];
extern const int dac_stat_count;
typedef struct dac {
    const arch_t *a;
    int count;              /* DACs in the CE */
    dac_stats_t st;
} dac_t;
void dac_init(dac_t *d, const arch_t *a);
void dac_account(dac_t *d, uint64_t drives, uint64_t hold_cycles);
void dac_leak(dac_t *d, uint64_t cycles);

/* ---- sample-and-hold: one sample per converted column per read ---- */
typedef struct sh_stats {
    uint64_t samples;
    double energy_pj;
    double leakage_energy_pj;
} sh_stats_t;
extern const desc_t sh_stat_desc[];
extern const int sh_stat_count;
typedef struct sh {
    const arch_t *a;
    int count;
    sh_stats_t st;
} sh_t;
void sh_init(sh_t *s, const arch_t *a);
void sh_account(sh_t *s, uint64_t samples, uint64_t hold_cycles);
void sh_leak(sh_t *s, uint64_t cycles);

/* ---- ADC ---- */
typedef struct adc_stats {
    uint64_t conversions;
    uint64_t clipped;        /* conversions whose input exceeded full scale */
    uint64_t busy_cycles;    /* summed over ADC instances */
    double energy_pj;
    double leakage_energy_pj;
} adc_stats_t;
extern const desc_t adc_stat_desc[];
extern const int adc_stat_count;
typedef struct adc {
    const arch_t *a;
    int count;
    int bits;
    int64_t lsb;             /* column-sum units per step (arch adc.lsb) */
    int64_t full_scale;      /* (2^bits - 1) lsb, in units of one cell level x one DAC level */
    adc_stats_t st;
} adc_t;
void adc_init(adc_t *c, const arch_t *a);
/* A converter of `bits` bits whose step is lsb units of column sum: the sum
 * rounded to a multiple of lsb (half up); above full scale it saturates at
 * (2^bits-1) lsb (counted clipped). Returns the value the code stands for. */
static inline int64_t adc_quantize(const adc_t *c, int64_t sum, uint64_t *clipped)
{
    if (c->lsb > 1)
        sum = (sum + c->lsb / 2) / c->lsb * c->lsb;
    if (sum > c->full_scale) {
        ++*clipped;
        return c->full_scale;
    }
    return sum < 0 ? 0 : sum;
}
/* An analog input v (column-sum units) converted with the non-ideal transfer
 * of m: code = round((1 + gain) v / lsb + offset + noise), noise ~ N(0,
 * noise_lsb) from r; codes above 2^bits-1 saturate (counted clipped), below 0
 * give 0. Returns code x lsb. */
int64_t adc_convert(const adc_t *c, const ni_model_t *m, double v, ni_rng_t *r,
                    uint64_t *clipped);
double adc_energy_per_conversion_pj(const arch_t *a);
void adc_account(adc_t *c, uint64_t conversions, uint64_t busy_cycles);
void adc_leak(adc_t *c, uint64_t cycles);

/* ---- shift-and-add ---- */
typedef struct sa_stats {
    uint64_t ops;            /* column values shifted and accumulated */
    uint64_t busy_cycles;
    double energy_pj;
    double leakage_energy_pj;
} sa_stats_t;
extern const desc_t sa_stat_desc[];
extern const int sa_stat_count;
typedef struct sa {
    const arch_t *a;
    const arch_unit_t *u;
    sa_stats_t st;
} sa_t;
void sa_init(sa_t *s, const arch_t *a, const arch_unit_t *u);
void sa_account(sa_t *s, uint64_t ops, uint64_t busy_cycles);
void sa_leak(sa_t *s, uint64_t cycles);

#ifdef __cplusplus
}
#endif
#endif
