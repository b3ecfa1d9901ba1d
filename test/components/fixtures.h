/* Hand-filled arch_t fixtures with the values of the isaac and puma presets
 * (arch/presets/isaac.yaml and puma.yaml on the arch branch: ISAAC, Shafiee et al. 2016, and
 * PUMA, Ankit et al. 2019; docs/references.md), used until arch_load() is on main. Table I group power is divided
 * by the group's instance count (arch_t holds one instance). */
#ifndef TEST_COMPONENTS_FIXTURES_H
#define TEST_COMPONENTS_FIXTURES_H

#include <string.h>

#include "adc_model.h"
#include "arch.h"

static inline void fx_isaac(arch_t *a)
{
    memset(a, 0, sizeof *a);
    strcpy(a->name, "isaac-like");
    a->tech = (arch_tech_t){32, 1.2, 1.0};
    a->device.type = DEV_RRAM;
    a->device.bits_per_cell = 2;
    a->device.write_latency_ns = 100;
    a->device.write_energy_pj = 1; /* not in the paper; makes programming visible */
    a->crossbar.rows = 128;
    a->crossbar.cols = 128;
    a->crossbar.unit_cols = 1;
    a->crossbar.signed_scheme = SIGNED_OFFSET;
    a->crossbar.column_flip = 1;
    a->crossbar.read_latency_ns = 100;
    a->crossbar.cost = (arch_cost_t){0.3, 0, 0.000025};
    a->dac.bits = 1;
    a->dac.per_crossbar = 128;
    a->dac.cost = (arch_cost_t){0.00390625, 0, 1.66015625e-7};
    a->adc.bits = 8;
    a->adc.model = adc_model_index("isaac");
    a->adc.cols_per_adc = 128;
    a->adc.sample_rate_gsps = 1.28;
    a->adc.energy_pj = 2.0 / 1.28; /* isaac model: 2 mW at 1.28 GS/s */
    a->adc.latency_ns = 1.0 / 1.28;
    a->adc.cost = (arch_cost_t){2.0, 0, 0.0012};
    a->ce.crossbars = 8;
    a->ce.adcs = 8;
    a->ce.sh = (arch_unit_t){128, 1, {9.765625e-6, 0, 3.90625e-8}, 1};
    a->ce.sa = (arch_unit_t){4, 1, {0.05, 0, 0.00006}, 1};
    a->ce.input_reg = (arch_reg_t){2048, {1.24, 0, 0.0021}};
    a->ce.output_reg = (arch_reg_t){256, {0.23, 0, 0.00077}};
    a->tile.ces = 12;
    a->tile.buffer = (arch_buffer_t){BUF_EDRAM, 64, 2, 256, 1, {20.7, 0, 0.083}};
    a->tile.bus = (arch_cost_t){7, 0, 0.090};
    a->tile.bus_wires = 384;
    a->tile.activation = (arch_unit_t){2, 1, {0.26, 0, 0.0003}, 1};
    a->tile.sa = (arch_unit_t){1, 1, {0.05, 0, 0.00006}, 1};
    a->tile.pool = (arch_unit_t){1, 1, {0.4, 0, 0.00024}, 1};
    a->tile.accum_unit = UNIT_SA;
    a->tile.act_unit = UNIT_ACTIVATION;
    a->tile.pool_unit = UNIT_POOL;
    a->tile.add_unit = UNIT_SA;
    a->tile.output_reg = (arch_reg_t){3072, {1.68, 0, 0.0032}};
    a->precision = (arch_precision_t){16, 16, 1, 1};
}

/* PUMA: the CE is a core of 2 MVMUs x 8 crossbars of 128x128 2-bit cells,
 * 4 ADCs (2 per MVMU, 512 columns each per 128 ns slot: 0.25 ns/conversion),
 * DACs shared by an MVMU's 8 crossbars (16 per crossbar), 1 GHz. */
static inline void fx_puma(arch_t *a)
{
    memset(a, 0, sizeof *a);
    strcpy(a->name, "puma-like");
    a->tech = (arch_tech_t){32, 1.0, 1.0};
    a->device.type = DEV_RRAM;
    a->device.bits_per_cell = 2;
    a->device.write_latency_ns = 100;
    a->crossbar.rows = 128;
    a->crossbar.cols = 128;
    a->crossbar.unit_cols = 1;
    a->crossbar.signed_scheme = SIGNED_OFFSET;
    a->crossbar.read_latency_ns = 100;
    a->crossbar.cost = (arch_cost_t){1.328125, 0, 2.5e-5};
    a->dac.bits = 1;
    a->dac.per_crossbar = 16;
    a->dac.cost = (arch_cost_t){0.00350625, 0.000390625, 1.67e-7};
    a->adc.bits = 8;
    a->adc.model = adc_model_index("walden");
    a->adc.walden_fom_fj = 2.8368;
    a->adc.cols_per_adc = 512;
    a->adc.sample_rate_gsps = 4;
    a->adc.energy_pj = 2.8368e-3 * 256; /* walden: FoM x 2^ENOB */
    a->adc.latency_ns = 0.25;
    a->adc.cost = (arch_cost_t){2.8368e-3 * 256 * 4, 0.2, 0.0012};
    a->ce.crossbars = 16;
    a->ce.adcs = 4;
    a->ce.sh = (arch_unit_t){128, 1, {8.73e-6, 9.7e-7, 3.9e-8}, 1};
    a->ce.sa = (arch_unit_t){2, 1, {0.045, 0.005, 6e-5}, 1};
    a->ce.input_reg = (arch_reg_t){512, {3.4, 0.08, 0.00156}};
    a->ce.output_reg = (arch_reg_t){512, {0.32, 0.08, 0.00156}};
    a->ce.vfu = (arch_unit_t){1, 1, {1.707, 0.192, 0.00403}, 4}; /* per lane */
    a->ce.vfu_peak_activity = 0.25;
    a->ce.n_extras = 3;
    a->ce.extras[0] = (arch_extra_t){"sigmoid", 1, {0.234, 0.026, 0.0003}};
    a->ce.extras[1] = (arch_extra_t){"register_file", 1, {0.57, 0.33, 0.00392}};
    a->ce.extras[2] = (arch_extra_t){"instruction_memory", 1, {1.30, 0.22, 0.00305}};
    a->tile.ces = 8;
    a->tile.buffer = (arch_buffer_t){BUF_EDRAM, 64, 1, 256, 2, {8.6, 0.46, 0.086}};
    a->tile.bus = (arch_cost_t){3, 0.5, 0.090};
    a->tile.bus_wires = 256;
    a->tile.activation = (arch_unit_t){0, 1, {0, 0, 0}, 1};
    a->tile.sa = (arch_unit_t){0, 1, {0, 0, 0}, 1};
    a->tile.pool = (arch_unit_t){0, 1, {0, 0, 0}, 1};
    a->tile.accum_unit = a->tile.act_unit = a->tile.pool_unit = a->tile.add_unit = UNIT_VFU;
    a->tile.n_extras = 2;
    a->tile.extras[0] = (arch_extra_t){"receive_buffer", 1, {8.96, 0.18, 0.0044}};
    a->tile.extras[1] = (arch_extra_t){"instruction_memory", 1, {1.30, 0.22, 0.00305}};
    a->precision = (arch_precision_t){16, 16, 1, 1};
}

#endif
