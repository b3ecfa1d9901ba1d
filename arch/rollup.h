/* Static roll-up of an architecture: component counts, power (dynamic at
 * full activity + leakage) and area per component class and per level, and
 * peak throughput (a MAC is 2 ops). Pure arithmetic on arch_t. */
#ifndef IMC_ARCH_ROLLUP_H
#define IMC_ARCH_ROLLUP_H

#include <stdint.h>
#include <stdio.h>

#include "arch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { ROLL_CE, ROLL_TILE, ROLL_CHIP } arch_roll_level_t;

#define ARCH_ROLLUP_MAX_ITEMS (16 + 2 * ARCH_MAX_EXTRAS)

typedef struct arch_rollup_item {
    char cls[ARCH_NAME_MAX + 16];  /* class name, e.g. "adc", "ce_extra_vfu" */
    arch_roll_level_t level;       /* the level that holds it */
    double per_level;              /* instances in one CE / tile / chip */
    double per_chip;               /* instances in the chip */
    double power_mw_each;          /* dynamic + leakage, one instance */
    double leakage_mw_each;
    double area_mm2_each;
    double power_w_chip;           /* per_chip * power */
    double area_mm2_chip;
} arch_rollup_item_t;

typedef struct arch_level_cost {
    int64_t count;                 /* instances per chip (chip: 1) */
    double power_w;                /* one instance: dynamic_w + leakage_w */
    double dynamic_w;              /* one instance, full activity */
    double leakage_w;              /* one instance */
    double area_mm2;               /* one instance */
    /* Peak of one instance with every crossbar busy (an op is half a MAC at
     * precision.weight_bits x precision.act_bits), per W and per mm2 of it. */
    double peak_ops_per_s, peak_ops_per_s_per_w, peak_ops_per_s_per_mm2;
} arch_level_cost_t;

typedef struct arch_rollup {
    int nitems;
    arch_rollup_item_t items[ARCH_ROLLUP_MAX_ITEMS];
    arch_level_cost_t ce, tile, chip; /* tile includes router/concentration */
    double macs_per_mvm;           /* one crossbar, full precision */
    double peak_ops_per_s;         /* one chip */
    double peak_ops_per_s_per_w;
    double peak_ops_per_s_per_mm2;
    double tile_adc_power_fraction;
    double tile_adc_area_fraction;
    double adc_peak_duty;          /* arch_adc_peak_duty() */
} arch_rollup_t;

void arch_rollup(const arch_t *a, arch_rollup_t *r);

/* The share of an input slice an ADC spends converting its columns (at
 * most 1): the roll-up counts the ADCs' dynamic power at that duty. */
double arch_adc_peak_duty(const arch_t *a);

/* The peak of one chip (ops/s) when its crossbars hold weights_per_row
 * weights per row and take act_bits-bit inputs: a layer's own precision,
 * where the roll-up's peak is at precision.weight_bits x precision.act_bits. */
double arch_peak_ops_per_s_at(const arch_t *a, int weights_per_row, int act_bits);

/* The roll-up as text (units on every number) or JSON (json.h). */
void arch_rollup_print(const arch_t *a, const arch_rollup_t *r, FILE *f);
void arch_rollup_json(const arch_t *a, const arch_rollup_t *r, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
