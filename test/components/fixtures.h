/* Hand-filled arch_t fixtures with the published ISAAC and PUMA values
 * (REFERENCE.md sections 2 and 3), used until the presets are merged.
 * Power of a group in ISAAC's Table I is divided by the group's instance
 * count (arch_t holds one instance). */
#ifndef TEST_COMPONENTS_FIXTURES_H
#define TEST_COMPONENTS_FIXTURES_H

#include <string.h>

#include "arch.h"

static inline void fx_isaac(arch_t *a)
{
    memset(a, 0, sizeof *a);
    strcpy(a->name, "isaac-like");
    a->tech = (arch_tech_t){32, 1.2, 1.0};
    a->device.type = DEV_RRAM;
    a->device.bits_per_cell = 2;
    a->device.write_latency_ns = 100;
    a->device.write_energy_pj = 1;
    a->crossbar.rows = 128;
    a->crossbar.cols = 128;
    a->crossbar.unit_cols = 1;
    a->crossbar.signed_scheme = SIGNED_OFFSET;
    a->crossbar.column_flip = 1;
    a->crossbar.read_latency_ns = 100;
    a->crossbar.cost = (arch_cost_t){2.4 / 8, 0, 0.0002 / 8};
    a->dac.bits = 1;
    a->dac.per_crossbar = 128;
    a->dac.cost = (arch_cost_t){4.0 / 1024, 0, 0.00017 / 1024};
    a->adc.bits = 8;
    a->adc.model = ADC_MODEL_ISAAC;
    a->adc.cols_per_adc = 128;
    a->adc.sample_rate_gsps = 1.28;
    a->adc.energy_pj = 2.0 / 1.28;      /* 2 mW at 1.28 GS/s */
    a->adc.latency_ns = 1.0 / 1.28;
    a->adc.cost = (arch_cost_t){2.0, 0, 0.0096 / 8};
    a->ce.crossbars = 8;
    a->ce.adcs = 8;
    a->ce.sh = (arch_unit_t){1024, 1, {0.01 / 1024, 0, 0.00004 / 1024}};
    /* S+A merge and output-register write: the paper's "S+A and OR" = 2
     * stages of 100 ns = 240 cycles at 1.2 GHz */
    a->ce.sa = (arch_unit_t){4, 240, {0.2 / 4, 0, 0.00024 / 4}};
    a->ce.input_reg = (arch_reg_t){2048, {1.24, 0, 0.0021}};
    a->ce.output_reg = (arch_reg_t){256, {0.23, 0, 0.00077}};
    a->tile.ces = 12;
    a->tile.buffer = (arch_buffer_t){BUF_EDRAM, 64, 2, 256, 112, {20.7, 0, 0.083}};
    a->tile.bus = (arch_cost_t){7, 0, 0.090};
    a->tile.bus_wires = 384;
    /* 2 sigmoid units; latency 57 makes a 128-value pass one 100 ns stage
     * (57 + 128/2 - 1 = 120 cycles) as in the paper's pipeline */
    a->tile.activation = (arch_unit_t){2, 57, {0.52 / 2, 0, 0.0006 / 2}};
    a->tile.sa = (arch_unit_t){1, 1, {0.05, 0, 0.00006}};
    a->tile.pool = (arch_unit_t){1, 1, {0.4, 0, 0.00024}};
    a->tile.output_reg = (arch_reg_t){3072, {1.68, 0, 0.0032}};
    a->precision = (arch_precision_t){16, 16, 1, 1};
}

/* PUMA (Ankit et al. 2019) with PUMAsim's component table. One CE = one MVMU:
 * 8 crossbars of 128x128 2-bit cells (one 128x128 16-bit logical matrix),
 * 2 ADCs converting its 1024 columns per 128 ns input cycle (0.25 ns per
 * conversion), 1 GHz. */
static inline void fx_puma(arch_t *a)
{
    memset(a, 0, sizeof *a);
    strcpy(a->name, "puma-like");
    a->tech = (arch_tech_t){32, 1.0, 1.0};
    a->device.type = DEV_RRAM;
    a->device.bits_per_cell = 2;
    a->crossbar.rows = 128;
    a->crossbar.cols = 128;
    a->crossbar.unit_cols = 0;
    a->crossbar.signed_scheme = SIGNED_OFFSET;
    a->crossbar.read_latency_ns = 100;
    a->crossbar.cost = (arch_cost_t){1.70, 0, 2.5e-5};
    a->dac.bits = 1;
    a->dac.per_crossbar = 128;
    a->dac.cost = (arch_cost_t){0.00350625, 0.000390625, 1.67e-7};
    a->adc.bits = 8;
    a->adc.model = ADC_MODEL_ISAAC;
    a->adc.latency_ns = 0.25;
    a->adc.energy_pj = 0; /* power x conversion time */
    a->adc.cost = (arch_cost_t){1.8, 0.2, 0.0012};
    a->ce.crossbars = 8;
    a->ce.adcs = 2;
    a->ce.sh = (arch_unit_t){1024, 1, {8.73e-6, 9.7e-7, 3.9e-8}};
    a->ce.sa = (arch_unit_t){1, 1, {0.045, 0.005, 6e-5}};
    a->ce.input_reg = (arch_reg_t){256, {1.7, 0.04, 0.00078}};
    a->ce.output_reg = (arch_reg_t){256, {0.16, 0.04, 0.00078}};
    a->tile.ces = 16;
    a->tile.buffer = (arch_buffer_t){BUF_EDRAM, 64, 1, 256, 2, {8.6, 0.46, 0.086}};
    a->tile.bus = (arch_cost_t){3, 0.5, 0.090};
    a->tile.activation = (arch_unit_t){1, 1, {0.234, 0.026, 0.0003}};
    a->tile.sa = (arch_unit_t){4, 1, {1.707, 0.192, 0.00403}};
    a->tile.pool = (arch_unit_t){4, 1, {1.707, 0.192, 0.00403}};
    a->precision = (arch_precision_t){16, 16, 1, 1};
}

#endif
