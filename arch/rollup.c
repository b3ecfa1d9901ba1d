/* The static roll-up (rollup.h). The tile level carries its share of the
 * router (router/concentration), as ISAAC's Table I does; the chip counts
 * whole routers (grid_x*grid_y) plus the off-chip link. */
#include "rollup.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arch_load.h"
#include "json.h"

static double watts(const arch_cost_t *c) { return c->power_mw + c->leakage_mw; }

static void add(arch_rollup_t *r, const char *cls, arch_roll_level_t lvl, double per_level,
                const arch_cost_t *c)
{
    if (r->nitems == ARCH_ROLLUP_MAX_ITEMS)
        return;
    arch_rollup_item_t *it = &r->items[r->nitems++];
    snprintf(it->cls, sizeof it->cls, "%s", cls);
    it->level = lvl;
    it->per_level = per_level;
    it->power_mw_each = watts(c);
    it->leakage_mw_each = c->leakage_mw;
    it->area_mm2_each = c->area_mm2;
}

void arch_rollup(const arch_t *a, arch_rollup_t *r)
{
    memset(r, 0, sizeof *r);
    const arch_ce_t *ce = &a->ce;
    const arch_tile_t *tl = &a->tile;
    char name[ARCH_NAME_MAX + 16];

    add(r, "crossbar", ROLL_CE, ce->crossbars, &a->crossbar.cost);
    add(r, "dac", ROLL_CE, (double)ce->crossbars * a->dac.per_crossbar, &a->dac.cost);
    /* At peak an ADC converts its columns in each input slice, busy that share
     * of the slice (1 where the conversions set the slice, as in ISAAC and
     * PUMA; less where the crossbar read is slower): its dynamic power counts
     * at that duty, so ADCs a run leaves idle do not lower the peak below a
     * run's efficiency (a run pays per conversion). */
    r->adc_peak_duty = arch_adc_peak_duty(a);
    arch_cost_t adc = {a->adc.cost.power_mw * r->adc_peak_duty, a->adc.cost.leakage_mw,
                       a->adc.cost.area_mm2};
    add(r, "adc", ROLL_CE, ce->adcs, &adc);
    add(r, "sample_hold", ROLL_CE, (double)ce->crossbars * ce->sh.count, &ce->sh.cost);
    add(r, "ce_shift_add", ROLL_CE, ce->sa.count, &ce->sa.cost);
    /* a VFU's cost is per lane; the roll-up counts peak_activity of its lanes */
    const int lanes = ce->vfu.lanes > 0 ? ce->vfu.lanes : 1;
    arch_cost_t vfu = {ce->vfu.cost.power_mw * ce->vfu_peak_activity, ce->vfu.cost.leakage_mw,
                       ce->vfu.cost.area_mm2};
    add(r, "vfu", ROLL_CE, (double)ce->vfu.count * lanes, &vfu);
    add(r, "ce_input_reg", ROLL_CE, 1, &ce->input_reg.cost);
    add(r, "ce_output_reg", ROLL_CE, 1, &ce->output_reg.cost);
    for (int i = 0; i < ce->n_extras; i++) {
        snprintf(name, sizeof name, "ce_extra_%s", ce->extras[i].name);
        add(r, name, ROLL_CE, ce->extras[i].count, &ce->extras[i].cost);
    }
    add(r, "buffer", ROLL_TILE, 1, &tl->buffer.cost);
    add(r, "bus", ROLL_TILE, 1, &tl->bus);
    add(r, "activation", ROLL_TILE, tl->activation.count, &tl->activation.cost);
    add(r, "tile_shift_add", ROLL_TILE, tl->sa.count, &tl->sa.cost);
    add(r, "pool", ROLL_TILE, tl->pool.count, &tl->pool.cost);
    add(r, "tile_output_reg", ROLL_TILE, 1, &tl->output_reg.cost);
    for (int i = 0; i < tl->n_extras; i++) {
        snprintf(name, sizeof name, "tile_extra_%s", tl->extras[i].name);
        add(r, name, ROLL_TILE, tl->extras[i].count, &tl->extras[i].cost);
    }
    int routers = a->chip.grid_x * a->chip.grid_y;
    add(r, "router", ROLL_CHIP, routers, &a->chip.noc.router);
    arch_cost_t off = {a->chip.offchip.power_w * 1e3, 0, a->chip.offchip.area_mm2};
    add(r, "offchip", ROLL_CHIP, 1, &off);

    double ces_chip = (double)a->chip.tiles * tl->ces;
    double ce_mw = 0, ce_mm2 = 0, tile_mw = 0, tile_mm2 = 0, adc_mw = 0, adc_mm2 = 0;
    double chip_mw = 0, chip_mm2 = 0, ce_leak = 0, tile_leak = 0, chip_leak = 0;
    for (int i = 0; i < r->nitems; i++) {
        arch_rollup_item_t *it = &r->items[i];
        double p = it->per_level * it->power_mw_each, ar = it->per_level * it->area_mm2_each;
        double lk = it->per_level * it->leakage_mw_each;
        if (it->level == ROLL_CE) {
            ce_mw += p;
            ce_leak += lk;
            ce_mm2 += ar;
            it->per_chip = it->per_level * ces_chip;
        } else if (it->level == ROLL_TILE) {
            tile_mw += p;
            tile_leak += lk;
            tile_mm2 += ar;
            it->per_chip = it->per_level * a->chip.tiles;
        } else {
            it->per_chip = it->per_level;
        }
        it->power_w_chip = it->per_chip * it->power_mw_each * 1e-3;
        it->area_mm2_chip = it->per_chip * it->area_mm2_each;
        chip_mw += it->power_w_chip * 1e3;
        chip_mm2 += it->area_mm2_chip;
        chip_leak += it->per_chip * it->leakage_mw_each;
        if (!strcmp(it->cls, "adc")) {
            adc_mw = it->per_level * it->power_mw_each * tl->ces;
            adc_mm2 = it->per_level * it->area_mm2_each * tl->ces;
        }
    }
    int conc = a->chip.noc.concentration;
    tile_mw += tl->ces * ce_mw + watts(&a->chip.noc.router) / conc;
    tile_leak += tl->ces * ce_leak + a->chip.noc.router.leakage_mw / conc;
    tile_mm2 += tl->ces * ce_mm2 + a->chip.noc.router.area_mm2 / conc;

    r->ce = (arch_level_cost_t){.count = (int64_t)ces_chip, .power_w = ce_mw * 1e-3,
                                .dynamic_w = (ce_mw - ce_leak) * 1e-3,
                                .leakage_w = ce_leak * 1e-3, .area_mm2 = ce_mm2};
    r->tile = (arch_level_cost_t){.count = a->chip.tiles, .power_w = tile_mw * 1e-3,
                                  .dynamic_w = (tile_mw - tile_leak) * 1e-3,
                                  .leakage_w = tile_leak * 1e-3, .area_mm2 = tile_mm2};
    r->chip = (arch_level_cost_t){.count = 1, .power_w = chip_mw * 1e-3,
                                  .dynamic_w = (chip_mw - chip_leak) * 1e-3,
                                  .leakage_w = chip_leak * 1e-3, .area_mm2 = chip_mm2};
    r->tile_adc_power_fraction = tile_mw > 0 ? adc_mw / tile_mw : 0;
    r->tile_adc_area_fraction = tile_mm2 > 0 ? adc_mm2 / tile_mm2 : 0;

    const arch_derived_t *dv = &a->derived;
    r->macs_per_mvm = (double)a->crossbar.rows * dv->weights_per_crossbar_row;
    r->peak_ops_per_s =
        arch_peak_ops_per_s_at(a, dv->weights_per_crossbar_row, a->precision.act_bits);
    r->peak_ops_per_s_per_w = r->chip.power_w > 0 ? r->peak_ops_per_s / r->chip.power_w : 0;
    r->peak_ops_per_s_per_mm2 = r->chip.area_mm2 > 0 ? r->peak_ops_per_s / r->chip.area_mm2 : 0;
    /* The same peak at every level: a macro (CE) paper's TOPS/W compares
     * with the CE, a system paper's with the chip (periphery, buffers, NoC
     * and off-chip links included). */
    double per_xbar = dv->crossbars_per_chip > 0 ? r->peak_ops_per_s / dv->crossbars_per_chip : 0;
    arch_level_cost_t *lv[3] = {&r->ce, &r->tile, &r->chip};
    double xbars[3] = {ce->crossbars, (double)ce->crossbars * tl->ces, (double)dv->crossbars_per_chip};
    for (int i = 0; i < 3; i++) {
        lv[i]->peak_ops_per_s = per_xbar * xbars[i];
        lv[i]->peak_ops_per_s_per_w = lv[i]->power_w > 0 ? lv[i]->peak_ops_per_s / lv[i]->power_w : 0;
        lv[i]->peak_ops_per_s_per_mm2 =
            lv[i]->area_mm2 > 0 ? lv[i]->peak_ops_per_s / lv[i]->area_mm2 : 0;
    }
}

double arch_adc_peak_duty(const arch_t *a)
{
    /* each ADC converts its cols_per_adc columns a slice (arch_check: the
     * CE's ADCs cover its columns exactly) */
    const arch_derived_t *dv = &a->derived;
    return dv->slice_ns > 0 ? fmin(1, dv->adc_busy_ns / dv->slice_ns) : 1;
}

double arch_peak_ops_per_s_at(const arch_t *a, int weights_per_row, int act_bits)
{
    const arch_derived_t *dv = &a->derived;
    double mvm_ns = (arch_input_cycles(a, act_bits) + a->crossbar.extra_read_cycles) * dv->slice_ns;
    if (mvm_ns <= 0)
        return 0;
    return (double)dv->crossbars_per_chip * a->crossbar.rows * weights_per_row * 2.0 /
           (mvm_ns * 1e-9);
}

static const char *level_name(arch_roll_level_t l)
{
    return l == ROLL_CE ? "ce" : l == ROLL_TILE ? "tile" : "chip";
}

void arch_rollup_print(const arch_t *a, const arch_rollup_t *r, FILE *f)
{
    const arch_derived_t *dv = &a->derived;
    fprintf(f, "architecture %s (%s)\n", a->name, a->source);
    const int own = a->chip.offchip.gateway_port == GATEWAY_PORT_OWN;
    fprintf(f, "hierarchy: %d chip(s) > %d tiles (%s %dx%d routers, %d tiles/router, %d "
               "off-chip gateway%s%s) > %d CEs/tile > %d crossbars/CE\n",
            a->chip.chips, a->chip.tiles, arch_topology_name(a->chip.noc.topology),
            a->chip.grid_x, a->chip.grid_y, a->chip.noc.concentration, arch_gateways(a),
            arch_gateways(a) > 1 ? "s" : "", own ? " on ports of their own" : "", a->tile.ces,
            a->ce.crossbars);
    fprintf(f, "crossbar: %dx%d (+%d unit cols), %d bits/cell, %s; weights %d bits = %d "
               "slices, %d weights/row; inputs %d bits in %d cycles of %d bits\n",
            a->crossbar.rows, a->crossbar.cols, a->crossbar.unit_cols,
            a->device.bits_per_cell, arch_device_name(a->device.type),
            a->precision.weight_bits, dv->slices_per_weight, dv->weights_per_crossbar_row,
            a->precision.act_bits, dv->input_cycles, a->precision.input_bits_per_cycle);
    fprintf(f, "adc: %d bits (lossless needs %d), model %s: %.4g pJ/conversion, %.4g "
               "ns/conversion, %.4g mW at %.4g GS/s, %.4g mm2\n",
            a->adc.bits, dv->lossless_adc_bits, arch_adc_model_name(a->adc.model),
            a->adc.energy_pj, a->adc.latency_ns, a->adc.cost.power_mw,
            a->adc.latency_ns > 0 ? 1 / a->adc.latency_ns : a->adc.sample_rate_gsps,
            a->adc.cost.area_mm2);
    fprintf(f, "timing: input slice %.4g ns, MVM (one crossbar, full precision) %.6g ns\n\n",
            dv->slice_ns, dv->mvm_latency_ns);

    fprintf(f, "%-30s %-5s %12s %12s %14s %14s %12s %13s\n", "component", "level",
            "count/level", "count/chip", "power_each_mW", "area_each_mm2", "chip_power_W",
            "chip_area_mm2");
    for (int i = 0; i < r->nitems; i++) {
        const arch_rollup_item_t *it = &r->items[i];
        fprintf(f, "%-30s %-5s %12g %12.0f %14.6g %14.6g %12.6g %13.6g\n", it->cls,
                level_name(it->level), it->per_level, it->per_chip, it->power_mw_each,
                it->area_mm2_each, it->power_w_chip, it->area_mm2_chip);
    }
    fprintf(f, "\n%-6s %10s %14s %14s %14s\n", "level", "count/chip", "power (one)",
            "of it leakage", "area (one)");
    const arch_level_cost_t *lv[3] = {&r->ce, &r->tile, &r->chip};
    const char *nm[3] = {"CE", "tile", "chip"};
    for (int i = 0; i < 3; i++) {
        if (lv[i]->power_w < 1)
            fprintf(f, "%-6s %10lld %11.5g mW %11.5g mW %10.5g mm2\n", nm[i],
                    (long long)lv[i]->count, lv[i]->power_w * 1e3, lv[i]->leakage_w * 1e3,
                    lv[i]->area_mm2);
        else
            fprintf(f, "%-6s %10lld %12.5g W %12.5g W %10.5g mm2\n", nm[i],
                    (long long)lv[i]->count, lv[i]->power_w, lv[i]->leakage_w, lv[i]->area_mm2);
    }
    fprintf(f, "(tile includes 1/%d of a router)\n", a->chip.noc.concentration);
    fprintf(f, "\nADC share of tile: %.1f%% of power, %.1f%% of area\n",
            100 * r->tile_adc_power_fraction, 100 * r->tile_adc_area_fraction);
    if (r->adc_peak_duty < 1)
        fprintf(f, "ADCs busy %.3g%% of an input slice at peak (%d columns x %.4g ns of %.4g "
                   "ns): their power above counts that share of %.4g mW each\n",
                100 * r->adc_peak_duty, a->adc.cols_per_adc, a->adc.latency_ns, a->derived.slice_ns,
                a->adc.cost.power_mw);
    fprintf(f, "peak (one chip, MAC = 2 ops): %.4g TOPS, %.4g GOPS/W, %.4g GOPS/s/mm2\n",
            r->peak_ops_per_s * 1e-12, r->peak_ops_per_s_per_w * 1e-9,
            r->peak_ops_per_s_per_mm2 * 1e-9);
    fprintf(f, "\npeak by level (one instance; an op is half a MAC of %d-bit weights x %d-bit "
               "inputs)\n", a->precision.weight_bits, a->precision.act_bits);
    fprintf(f, "%-6s %14s %14s %16s\n", "level", "GOPS", "GOPS/W", "GOPS/s/mm2");
    for (int i = 0; i < 3; i++)
        fprintf(f, "%-6s %14.5g %14.5g %16.5g\n", nm[i], lv[i]->peak_ops_per_s * 1e-9,
                lv[i]->peak_ops_per_s_per_w * 1e-9, lv[i]->peak_ops_per_s_per_mm2 * 1e-9);
}

static void level_json(json_w_t *w, const char *key, const arch_level_cost_t *l)
{
    jw_obj_begin(w, key);
    jw_int(w, "count", l->count);
    jw_num(w, "power_w", l->power_w);
    jw_num(w, "dynamic_power_w", l->dynamic_w);
    jw_num(w, "leakage_power_w", l->leakage_w);
    jw_num(w, "area_mm2", l->area_mm2);
    jw_num(w, "peak_ops_per_s", l->peak_ops_per_s);
    jw_num(w, "peak_ops_per_s_per_w", l->peak_ops_per_s_per_w);
    jw_num(w, "peak_ops_per_s_per_mm2", l->peak_ops_per_s_per_mm2);
    jw_obj_end(w);
}

void arch_rollup_json(const arch_t *a, const arch_rollup_t *r, FILE *f)
{
    json_w_t w;
    jw_init(&w, f);
    jw_obj_begin(&w, NULL);
    jw_str(&w, "name", a->name);
    jw_str(&w, "source", a->source);
    char hash[20];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)a->hash);
    jw_str(&w, "hash", hash);

    jw_obj_begin(&w, "hierarchy");
    jw_int(&w, "chips", a->chip.chips);
    jw_int(&w, "tiles_per_chip", a->chip.tiles);
    jw_int(&w, "routers_per_chip", a->derived.routers);
    jw_int(&w, "ces_per_tile", a->tile.ces);
    jw_int(&w, "crossbars_per_ce", a->ce.crossbars);
    jw_int(&w, "adcs_per_ce", a->ce.adcs);
    jw_int(&w, "crossbars_per_chip", a->derived.crossbars_per_chip);
    jw_obj_end(&w);

    jw_obj_begin(&w, "derived");
    jw_int(&w, "slices_per_weight", a->derived.slices_per_weight);
    jw_int(&w, "weights_per_crossbar_row", a->derived.weights_per_crossbar_row);
    jw_int(&w, "input_cycles", a->derived.input_cycles);
    jw_int(&w, "lossless_adc_bits", a->derived.lossless_adc_bits);
    jw_num(&w, "slice_ns", a->derived.slice_ns);
    jw_num(&w, "mvm_latency_ns", a->derived.mvm_latency_ns);
    jw_num(&w, "macs_per_mvm", r->macs_per_mvm);
    jw_int(&w, "gateways", arch_gateways(a));
    jw_obj_end(&w);

    jw_obj_begin(&w, "adc");
    jw_str(&w, "model", arch_adc_model_name(a->adc.model));
    jw_int(&w, "bits", a->adc.bits);
    jw_num(&w, "energy_pj", a->adc.energy_pj);
    jw_num(&w, "latency_ns", a->adc.latency_ns);
    jw_num(&w, "power_mw", a->adc.cost.power_mw);
    jw_num(&w, "peak_duty", r->adc_peak_duty);
    jw_num(&w, "area_mm2", a->adc.cost.area_mm2);
    jw_obj_end(&w);

    jw_obj_begin(&w, "levels");
    level_json(&w, "ce", &r->ce);
    level_json(&w, "tile", &r->tile);
    level_json(&w, "chip", &r->chip);
    jw_obj_end(&w);

    jw_obj_begin(&w, "peak");
    jw_num(&w, "ops_per_s", r->peak_ops_per_s);
    jw_num(&w, "ops_per_s_per_w", r->peak_ops_per_s_per_w);
    jw_num(&w, "ops_per_s_per_mm2", r->peak_ops_per_s_per_mm2);
    jw_obj_end(&w);

    jw_num(&w, "tile_adc_power_fraction", r->tile_adc_power_fraction);
    jw_num(&w, "tile_adc_area_fraction", r->tile_adc_area_fraction);

    jw_obj_begin(&w, "components");
    for (int i = 0; i < r->nitems; i++) {
        const arch_rollup_item_t *it = &r->items[i];
        jw_obj_begin(&w, it->cls);
        jw_str(&w, "level", level_name(it->level));
        jw_num(&w, "count_per_level", it->per_level);
        jw_num(&w, "count_per_chip", it->per_chip);
        jw_num(&w, "power_mw_each", it->power_mw_each);
        jw_num(&w, "leakage_mw_each", it->leakage_mw_each);
        jw_num(&w, "area_mm2_each", it->area_mm2_each);
        jw_obj_end(&w);
    }
    jw_obj_end(&w);

    jw_obj_begin(&w, "power_w_by_class");
    for (int i = 0; i < r->nitems; i++)
        jw_num(&w, r->items[i].cls, r->items[i].power_w_chip);
    jw_obj_end(&w);
    jw_obj_begin(&w, "area_mm2_by_class");
    for (int i = 0; i < r->nitems; i++)
        jw_num(&w, r->items[i].cls, r->items[i].area_mm2_chip);
    jw_obj_end(&w);
    jw_obj_end(&w);
    jw_finish(&w);
}
