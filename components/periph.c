#include "periph.h"

#include <math.h>
#include <string.h>

/* Every peripheral's table ends with its dynamic and leakage energy. */
#define ENERGY_ROWS(S, dynamic, instances)             \
    STAT_F(S, energy_pj, "pJ", dynamic),               \
    STAT_F(S, leakage_energy_pj, "pJ", "leakage power x simulated time, all " instances)

const desc_t dac_stat_desc[] = {
    STAT_U(dac_stats_t, drives, "1", "row drives (active rows x reads)"),
    STAT_U(dac_stats_t, busy_cycles, "cycles", "drive time summed over drives"),
    ENERGY_ROWS(dac_stats_t, "dynamic energy: DAC power x drive time", "DACs"),
};
const desc_t sh_stat_desc[] = {
    STAT_U(sh_stats_t, samples, "1", "column samples held for conversion"),
    ENERGY_ROWS(sh_stats_t, "dynamic energy: S+H power x hold time", "S+H"),
};
const desc_t adc_stat_desc[] = {
    STAT_U(adc_stats_t, conversions, "1", "analog-to-digital conversions"),
    STAT_U(adc_stats_t, clipped, "1", "conversions saturated at full scale (functional runs)"),
    STAT_U(adc_stats_t, busy_cycles, "cycles", "converting time summed over ADCs"),
    ENERGY_ROWS(adc_stats_t, "conversion energy", "ADCs"),
};
const desc_t sa_stat_desc[] = {
    STAT_U(sa_stats_t, ops, "1", "values shifted and accumulated"),
    STAT_U(sa_stats_t, busy_cycles, "cycles", "busy time summed over units"),
    ENERGY_ROWS(sa_stats_t, "dynamic energy: S+A power x one cycle per op", "units"),
};
const int dac_stat_count = DESC_COUNT(dac_stat_desc), sh_stat_count = DESC_COUNT(sh_stat_desc),
          adc_stat_count = DESC_COUNT(adc_stat_desc), sa_stat_count = DESC_COUNT(sa_stat_desc);

static double leak_pj(const arch_t *a, double mw, int count, uint64_t cycles)
{
    return mw * count * cycles * comp_cycle_ns(a);
}

void dac_init(dac_t *d, const arch_t *a)
{
    memset(d, 0, sizeof *d);
    d->a = a;
    d->count = a->dac.per_crossbar * a->ce.crossbars;
}

void dac_account(dac_t *d, uint64_t drives, uint64_t hold_cycles)
{
    d->st.drives += drives;
    d->st.busy_cycles += drives * hold_cycles;
    d->st.energy_pj += (double)drives * d->a->dac.cost.power_mw * hold_cycles * comp_cycle_ns(d->a);
}

void dac_leak(dac_t *d, uint64_t cycles)
{
    d->st.leakage_energy_pj += leak_pj(d->a, d->a->dac.cost.leakage_mw, d->count, cycles);
}

void sh_init(sh_t *s, const arch_t *a)
{
    memset(s, 0, sizeof *s);
    s->a = a;
    s->count = a->ce.sh.count * (a->ce.crossbars > 0 ? a->ce.crossbars : 1); /* count is per crossbar */
}

void sh_account(sh_t *s, uint64_t samples, uint64_t hold_cycles)
{
    s->st.samples += samples;
    s->st.energy_pj += (double)samples * s->a->ce.sh.cost.power_mw * hold_cycles * comp_cycle_ns(s->a);
}

void sh_leak(sh_t *s, uint64_t cycles)
{
    s->st.leakage_energy_pj += leak_pj(s->a, s->a->ce.sh.cost.leakage_mw, s->count, cycles);
}

void adc_init(adc_t *c, const arch_t *a)
{
    memset(c, 0, sizeof *c);
    c->a = a;
    c->count = a->ce.adcs > 0 ? a->ce.adcs : 1;
    c->bits = a->adc.bits;
    c->lsb = a->adc.lsb > 1 ? a->adc.lsb : 1;
    c->full_scale = c->bits >= 40 ? INT64_MAX : (((int64_t)1 << c->bits) - 1) * c->lsb;
}

int64_t adc_convert(const adc_t *c, const ni_model_t *m, double v, ni_rng_t *r,
                    uint64_t *clipped)
{
    v /= (double)c->lsb;
    if (m->adc_error) {
        v = (1.0 + m->adc_gain) * v + m->adc_offset;
        if (m->adc_noise > 0)
            v += m->adc_noise * ni_rng_normal(r);
    }
    double code = floor(v + 0.5), top = (double)(c->full_scale / c->lsb);
    if (code > top) {
        ++*clipped;
        return c->full_scale;
    }
    return code < 0 ? 0 : (int64_t)code * c->lsb;
}

double adc_energy_per_conversion_pj(const arch_t *a)
{
    if (a->adc.energy_pj > 0)
        return a->adc.energy_pj;
    return a->adc.cost.power_mw * a->adc.latency_ns;
}

void adc_account(adc_t *c, uint64_t conversions, uint64_t busy_cycles)
{
    c->st.conversions += conversions;
    c->st.busy_cycles += busy_cycles;
    c->st.energy_pj += conversions * adc_energy_per_conversion_pj(c->a);
}

void adc_leak(adc_t *c, uint64_t cycles)
{
    c->st.leakage_energy_pj += leak_pj(c->a, c->a->adc.cost.leakage_mw, c->count, cycles);
}

void sa_init(sa_t *s, const arch_t *a, const arch_unit_t *u)
{
    memset(s, 0, sizeof *s);
    s->a = a;
    s->u = u;
}

void sa_account(sa_t *s, uint64_t ops, uint64_t busy_cycles)
{
    s->st.ops += ops;
    s->st.busy_cycles += busy_cycles;
    s->st.energy_pj += (double)ops * s->u->cost.power_mw * comp_cycle_ns(s->a);
}

void sa_leak(sa_t *s, uint64_t cycles)
{
    s->st.leakage_energy_pj += leak_pj(s->a, s->u->cost.leakage_mw, s->u->count, cycles);
}
