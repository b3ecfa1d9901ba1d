/* arch/: parameter table, loader, validation, ADC models, roll-up, golden
 * numbers of the ISAAC and PUMA presets. */
#include <check.h>

#include "check_run.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adc_model.h"
#include "arch_load.h"
#include "params.h"
#include "rollup.h"

/* Relative difference, for "within x%" golden checks. */
static double rel(double got, double want) { return fabs(got - want) / fabs(want); }

static arch_t A;
static imc_diag_t D;

static int load(const char *spec, const char *const *sets, int n)
{
    diag_free(&D);
    diag_init(&D);
    return arch_load(spec, sets, n, &A, &D);
}

/* Load YAML text through a temporary file. */
static int load_text(const char *text, const char *const *sets, int n)
{
    char path[] = "/tmp/imc_arch_testXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    int rc = load(path, sets, n);
    remove(path);
    return rc;
}

static const char *first_line(void)
{
    static char buf[1024];
    const char *t = D.text ? D.text : "";
    size_t n = strcspn(t, "\n");
    snprintf(buf, sizeof buf, "%.*s", (int)n, t);
    return buf;
}

/* ---- the parameter table ---- */

START_TEST(table_keys_unique_and_grouped)
{
    size_t n;
    const arch_param_t *t = arch_params(&n);
    ck_assert_int_gt(n, 100);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++)
            ck_assert_msg(strcmp(t[i].d.name, t[j].d.name), "duplicate key %s", t[i].d.name);
        /* Rows of one map are contiguous: once a prefix is left it never returns. */
        const char *dot = strrchr(t[i].d.name, '.');
        if (!dot)
            continue;
        size_t pl = (size_t)(dot - t[i].d.name);
        int left = 0;
        for (size_t j = i + 1; j < n; j++) {
            int same = !strncmp(t[j].d.name, t[i].d.name, pl) && t[j].d.name[pl] == '.';
            if (!same)
                left = 1;
            else
                ck_assert_msg(!left, "key %s is not next to the other %.*s keys", t[j].d.name,
                              (int)pl, t[i].d.name);
        }
        ck_assert(t[i].d.desc && *t[i].d.desc);
    }
}
END_TEST

START_TEST(defaults_alone_are_valid)
{
    ck_assert_int_eq(load_text("name: plain\n", NULL, 0), 0);
    ck_assert_str_eq(A.name, "plain");
    ck_assert_int_eq(A.crossbar.rows, 128);
    ck_assert_int_eq(A.chip.tiles, A.chip.grid_x * A.chip.grid_y * A.chip.noc.concentration);
}
END_TEST

START_TEST(presets_listed_and_load)
{
    int n;
    const char *const *names = arch_preset_names(&n);
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(names[0], "isaac");
    ck_assert_str_eq(names[1], "puma");
    ck_assert_str_eq(names[2], "puma_psim");
    ck_assert_int_eq(load("isaac", NULL, 0), 0);
    ck_assert_int_eq(D.warnings, 0);
    ck_assert_str_eq(A.source, "preset:isaac");
    ck_assert_int_eq(load("puma", NULL, 0), 0);
    /* PUMA's 8-bit ADC without column flipping is lossy (9 bits needed). */
    ck_assert_int_eq(D.warnings, 1);
    ck_assert_ptr_nonnull(strstr(D.text, "adc.bits = 8 is below the lossless resolution of 9"));
}
END_TEST

/* ---- ISAAC golden numbers: ISAAC (Shafiee et al. 2016, Table I
 * totals; Table IV for ops/s/W) ---- */

START_TEST(isaac_golden)
{
    arch_rollup_t r;
    ck_assert_int_eq(load("isaac", NULL, 0), 0);
    arch_rollup(&A, &r);
    ck_assert_double_le(rel(r.ce.power_w, 24.08e-3), 0.01);    /* IMA 24.08 mW */
    ck_assert_double_le(rel(r.ce.area_mm2, 0.01312), 0.01);    /* IMA 0.01312 mm2 */
    ck_assert_double_le(rel(r.tile.power_w, 0.330), 0.01);     /* tile 330 mW */
    ck_assert_double_le(rel(r.tile.area_mm2, 0.372), 0.01);    /* tile 0.372 mm2 */
    ck_assert_double_le(rel(r.chip.power_w, 65.8), 0.01);      /* chip + HT 65.8 W */
    ck_assert_double_le(rel(r.chip.area_mm2, 85.4), 0.01);     /* chip + HT 85.4 mm2 */
    ck_assert_double_le(rel(r.peak_ops_per_s, 41.3e12), 0.01); /* 41.3 TOPS */
    ck_assert_double_le(rel(r.peak_ops_per_s_per_w, 627.5e9), 0.01);   /* Table IV */
    ck_assert_double_le(rel(r.peak_ops_per_s_per_mm2, 483.5e9), 0.01); /* 41.3T/85.4 */
    ck_assert_double_le(fabs(r.tile_adc_power_fraction - 0.58), 0.01); /* ADCs 58% */
    ck_assert_double_le(fabs(r.tile_adc_area_fraction - 0.31), 0.01);  /* ADCs 31% */
    ck_assert_int_eq(r.ce.count, 168 * 12);
    ck_assert_int_eq(A.derived.crossbars_per_chip, 16128);
    ck_assert_double_eq_tol(A.derived.mvm_latency_ns, 1600, 1e-9);  /* 16 x 100 ns */
    ck_assert_int_eq(A.derived.lossless_adc_bits, 8);                /* 9 - 1 (flip) */
    ck_assert_int_eq(A.derived.weights_per_crossbar_row, 16);
    /* One ADC conversion per 16-bit MAC, x129/128 with the unit column (ISAAC). */
    double macs = 128.0 * A.derived.weights_per_crossbar_row;
    ck_assert_double_eq_tol(A.derived.adc_conversions_per_mvm / macs, 129.0 / 128, 1e-12);
    /* Peak by level: an IMA is 8 crossbars x 128 rows x 16 weights x 2 ops per
     * 1.6 us = 20.48 GOPS, over its 24.08 mW and 0.01312 mm2; a tile 12 IMAs
     * over 330 mW and 0.372 mm2; the chip the figures above. */
    ck_assert_double_eq_tol(r.ce.peak_ops_per_s, 20.48e9, 1);
    ck_assert_double_le(rel(r.ce.peak_ops_per_s_per_w, 20.48e9 / 24.08e-3), 0.01);
    ck_assert_double_le(rel(r.ce.peak_ops_per_s_per_mm2, 20.48e9 / 0.01312), 0.01);
    ck_assert_double_eq_tol(r.tile.peak_ops_per_s, 12 * 20.48e9, 1);
    ck_assert_double_le(rel(r.tile.peak_ops_per_s_per_w, 12 * 20.48e9 / 0.330), 0.01);
    ck_assert_double_le(rel(r.tile.peak_ops_per_s_per_mm2, 12 * 20.48e9 / 0.372), 0.01);
    ck_assert_double_eq_tol(r.chip.peak_ops_per_s, r.peak_ops_per_s, 1);
    ck_assert_double_eq_tol(r.chip.peak_ops_per_s_per_w, r.peak_ops_per_s_per_w, 1);
    /* "At full load the chip's ADCs draw ~32 W" (ISAAC): 16128 x 2 mW. */
    for (int i = 0; i < r.nitems; i++)
        if (!strcmp(r.items[i].cls, "adc"))
            ck_assert_double_le(rel(r.items[i].power_w_chip, 32.0), 0.01);
}
END_TEST

/* A crossbar read slower than the ADCs' conversions leaves them idle part of
 * each slice: the peak counts their dynamic power at that duty (a run pays
 * per conversion, so over-provisioned ADCs could otherwise put a run's
 * efficiency above the peak). ISAAC with a 200 ns read: 128 x 0.78125 ns
 * = 100 ns of conversions a slice, duty 0.5; the chip's 65.8 W less half of
 * its 16128 ADCs' 2 mW; half the peak ops (slices of 200 ns). */
START_TEST(adc_duty_at_peak)
{
    arch_rollup_t base, r;
    ck_assert_int_eq(load("isaac", NULL, 0), 0);
    arch_rollup(&A, &base);
    ck_assert_double_eq(base.adc_peak_duty, 1);
    const char *sets[] = {"crossbar.read_latency_ns=200"};
    ck_assert_int_eq(load("isaac", sets, 1), 0);
    arch_rollup(&A, &r);
    ck_assert_double_eq_tol(r.adc_peak_duty, 0.5, 1e-12);
    double adc_w = 16128 * A.adc.cost.power_mw * 1e-3; /* no ADC leakage in the preset */
    ck_assert_double_eq_tol(r.chip.power_w, base.chip.power_w - 0.5 * adc_w, 1e-9);
    ck_assert_double_eq_tol(r.peak_ops_per_s, base.peak_ops_per_s / 2, 1);
    ck_assert_double_le(rel(r.peak_ops_per_s_per_w, 20.64e12 / (65.8 - 16.128)), 0.01);
}
END_TEST

/* ---- PUMA (Ankit et al. 2019; node totals with HT) ---- */

START_TEST(puma_golden)
{
    arch_rollup_t r;
    ck_assert_int_eq(load("puma", NULL, 0), 0);
    arch_rollup(&A, &r);
    ck_assert_double_le(rel(r.chip.power_w, 62.5), 0.02);   /* node 62.5 W */
    ck_assert_double_le(rel(r.chip.area_mm2, 90.6), 0.02);  /* node 90.6 mm2 */
    /* The tile without its router share follows the paper: 373.8 mW, 0.479 mm2. */
    double share_w = (A.chip.noc.router.power_mw + A.chip.noc.router.leakage_mw) * 1e-3 / 4;
    double share_mm2 = A.chip.noc.router.area_mm2 / 4;
    ck_assert_double_le(rel(r.tile.power_w - share_w, 0.3738), 0.001);
    ck_assert_double_le(rel(r.tile.area_mm2 - share_mm2, 0.479), 0.001);
    /* On-chip network: paper 570.6 mW / ~1.6 mm2 for 138/4 routers; we
     * count 35 whole routers of PUMAsim's 16.54 mW / 0.047 mm2. */
    ck_assert_int_eq(A.derived.routers, 35);
    /* One MVMU op (128x128, 16 bit) = (16+2) x 128 ns = 2304 ns. */
    ck_assert_double_eq_tol(A.derived.mvm_latency_ns, 2304, 1e-9);
    /* Peak from the structure: 138 tiles x 8 cores x 16 crossbars, each
     * 128 x 16 MACs per 2304 ns, 2 ops per MAC. */
    double want = 138.0 * 8 * 16 * 128 * 16 * 2 / 2304e-9;
    ck_assert_double_le(rel(r.peak_ops_per_s, want), 1e-12);
    ck_assert_double_le(rel(r.peak_ops_per_s, 31.4e12), 0.01);
    /* Consistency with the paper's 43.97 nJ per MVMU op (PUMA): the MVMU-side
     * power of one core (crossbars, DACs, ADCs, S+H, S+A, xbar registers; not
     * the VFU or the extras)
     * over 2304 ns, per MVMU, is within 5%. */
    double mvmu_mw = 0;
    for (int i = 0; i < r.nitems; i++)
        if (r.items[i].level == ROLL_CE && strncmp(r.items[i].cls, "ce_extra_", 9) &&
            strcmp(r.items[i].cls, "vfu"))
            mvmu_mw += r.items[i].per_level * r.items[i].power_mw_each;
    ck_assert_double_le(rel(mvmu_mw / 2 * 2304e-9 * 1e-3, 43.97e-9), 0.05);
}
END_TEST

/* ---- ADC models, against their sources (docs/arch-format.md) ---- */

static adc_model_out_t adc(const char *m, int bits, double fs, int rows, double fom,
                           double enob, int *rc)
{
    adc_model_in_t in = {.bits = bits, .sample_rate_gsps = fs, .vdd_v = 1.0, .rows = rows,
                         .walden_fom_fj = fom, .enob = enob};
    adc_model_out_t o;
    char why[256];
    *rc = adc_model_eval(adc_model_index(m), &in, &o, why, sizeof why);
    return o;
}

START_TEST(adc_isaac_model)
{
    int rc;
    adc_model_out_t o = adc("isaac", 8, 1.28, 128, 0, 0, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_double_eq_tol(o.power_mw, 2.0, 1e-12);      /* 0.25 mW/bit x 8 */
    ck_assert_double_eq_tol(o.energy_pj, 1.5625, 1e-12);  /* 2 mW / 1.28 GS/s */
    ck_assert_double_eq_tol(o.area_mm2, 0.0012, 1e-15);   /* 1200 um2 */
    ck_assert_double_eq_tol(o.latency_ns, 1 / 1.28, 1e-12);
    o = adc("isaac", 4, 1.28, 128, 0, 0, &rc);
    ck_assert_double_eq_tol(o.area_mm2, 361e-6, 1e-15);   /* Accelergy table, 4 bits */
    ck_assert_double_eq_tol(o.power_mw, 1.0, 1e-12);
    o = adc("isaac", 10, 1.28, 128, 0, 0, &rc);
    ck_assert_double_eq_tol(o.area_mm2, 3002e-6, 1e-15);  /* 10 bits */
    o = adc("isaac", 11, 1.28, 128, 0, 0, &rc);   /* beyond: ratio 3002/1828 */
    ck_assert_double_eq_tol(o.area_mm2, 3002e-6 * 3002 / 1828, 1e-12);
    ck_assert_str_eq(adc_model_get(adc_model_index("isaac"))->name, "isaac");
    ck_assert_int_eq(adc_model_index("flash"), -1);
}
END_TEST

START_TEST(adc_zigzag_model)
{
    int rc;
    adc_model_out_t o = adc("zigzag", 8, 1.0, 128, 0, 0, &rc);
    ck_assert_int_eq(rc, 0);
    /* E = (100 fF x 8 + 0.001 fF x 4^8) x 1 V^2 = 865.536 fJ */
    ck_assert_double_eq_tol(o.energy_pj, 0.865536, 1e-12);
    /* A = 1e-6 x 10^(-0.0369 x 8 + 1.206) x 2^8 mm2 */
    ck_assert_double_eq_tol(o.area_mm2, 1e-6 * pow(10, 1.206 - 0.2952) * 256, 1e-15);
    /* t = 8 x (0.00653 x 128 + 0.640) ns */
    ck_assert_double_eq_tol(o.latency_ns, 8 * (0.00653 * 128 + 0.640), 1e-12);
    adc("zigzag", 12, 1.0, 128, 0, 0, &rc);
    ck_assert_int_eq(rc, -1); /* the area fit holds for B < 12 */
}
END_TEST

START_TEST(adc_latency_models)
{
    int rc;
    adc_model_out_t o = adc("neurosim_sar", 8, 1.28, 128, 0, 0, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_double_eq_tol(o.latency_ns, 9, 1e-12);        /* (B+1) ns */
    ck_assert_double_eq_tol(o.energy_pj, 1.5625, 1e-12);
    o = adc("mnsim", 8, 1.28, 128, 0, 0, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_double_eq_tol(o.latency_ns, 10 / 1.28, 1e-12); /* (B+2)/f_s */
}
END_TEST

START_TEST(adc_walden_model)
{
    int rc;
    adc_model_out_t o = adc("walden", 8, 2.0, 128, 10, 0, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_double_eq_tol(o.energy_pj, 10e-3 * 256, 1e-12); /* FoM x 2^ENOB */
    ck_assert_double_eq_tol(o.power_mw, 2.56 * 2.0, 1e-12);   /* at 2 GS/s */
    o = adc("walden", 8, 2.0, 128, 10, 6.5, &rc);
    ck_assert_double_eq_tol(o.energy_pj, 10e-3 * pow(2, 6.5), 1e-12);
    adc("walden", 8, 2.0, 128, 0, 0, &rc);
    ck_assert_int_eq(rc, -1); /* FoM is required */
}
END_TEST

START_TEST(adc_model_selected_by_name)
{
    const char *sets[] = {"adc.model=zigzag"};
    ck_assert_int_eq(load("isaac", sets, 1), 0);
    ck_assert_int_eq(A.adc.model, adc_model_index("zigzag"));
    ck_assert_double_eq_tol(A.adc.energy_pj, 0.865536, 1e-12);
    /* zigzag takes several clocks of f_s per conversion: its power is its
     * energy over its own conversion time, not at f_s = 1.28 GS/s */
    ck_assert_double_gt(A.adc.latency_ns, 1 / 1.28);
    ck_assert_double_eq_tol(A.adc.cost.power_mw, 0.865536 / A.adc.latency_ns, 1e-12);
}
END_TEST

/* Line breaks of CR alone (YAML allows them): a first-line comment ends at the
 * CR (the file read as "empty"). */
START_TEST(cr_line_breaks)
{
    ck_assert_int_eq(load_text("# a comment\rbase: isaac\rname: crfile\r", NULL, 0), 0);
    ck_assert_str_eq(A.name, "crfile");
    ck_assert_int_ne(load_text("# only a comment\r# and another\r", NULL, 0), 0);
    ck_assert_ptr_nonnull(strstr(D.text, "empty file"));
}
END_TEST

/* A --set value is the whole text: white space before or after it is refused
 * alike (strtol skipped the leading one). */
START_TEST(set_value_with_spaces_refused)
{
    const char *lead[] = {"tile.ces= 4"}, *trail[] = {"tile.ces=4 "}, *fl[] = {"adc.bits= 8"};
    ck_assert_int_ne(load("isaac", lead, 1), 0);
    ck_assert_ptr_nonnull(strstr(D.text, "'tile.ces' is ' 4' (expected an integer in [1, 65536])"));
    ck_assert_int_ne(load("isaac", trail, 1), 0);
    ck_assert_int_ne(load("isaac", fl, 1), 0);
    const char *dbl[] = {"crossbar.read_latency_ns= 200"};
    ck_assert_int_ne(load("isaac", dbl, 1), 0);
}
END_TEST

/* ---- loading, overrides, validation ---- */

/* A setting that cannot matter draws a warning at the latest of it and its
 * cause; the same values where they do matter, or left at the default, draw
 * none. */
START_TEST(moot_settings_warn)
{
    const char *mesh[] = {"chip.noc.topology=mesh"}; /* isaac: 4 tiles per router */
    ck_assert_int_eq(load("isaac", mesh, 1), 0);
    ck_assert_int_eq(D.warnings, 1);
    ck_assert_str_eq(first_line(),
                     "--set chip.noc.topology=mesh: warning: chip.noc.topology = mesh changes "
                     "nothing: mesh and cmesh are the same network, whose tiles per router "
                     "chip.noc.concentration = 4 sets (expected chip.noc.topology = cmesh, or "
                     "another chip.noc.concentration)");
    const char *mesh1[] = {"chip.noc.topology=mesh", "chip.noc.concentration=1",
                           "chip.grid_x=14", "chip.grid_y=12"};
    ck_assert_int_eq(load("isaac", mesh1, 4), 0);
    ck_assert_int_eq(D.warnings, 0);
    const char *fom[] = {"adc.walden_fom_fj=6.1"}; /* isaac's ADC model has no FoM */
    ck_assert_int_eq(load("isaac", fom, 1), 0);
    ck_assert_str_eq(first_line(),
                     "--set adc.walden_fom_fj=6.1: warning: adc.walden_fom_fj = 6.1 changes "
                     "nothing: adc.model = isaac does not read it (expected a model that does: "
                     "walden)");
    /* puma sets a FoM for its walden ADC: switching the model makes it moot,
     * and the switch (the latest change) is blamed. */
    const char *model[] = {"adc.model=zigzag"};
    ck_assert_int_eq(load("puma", model, 1), 0);
    ck_assert_ptr_nonnull(strstr(D.text, "--set adc.model=zigzag: warning: adc.walden_fom_fj = "
                                         "2.8368 changes nothing"));
    ck_assert_int_eq(load("puma", NULL, 0), 0);
    ck_assert_ptr_null(strstr(D.text ? D.text : "", "changes nothing"));
    const char *dflt[] = {"adc.walden_fom_fj=0", "adc.enob=0", "chip.noc.topology=cmesh"};
    ck_assert_int_eq(load("isaac", dflt, 3), 0);
    ck_assert_int_eq(D.warnings, 0);
}
END_TEST

START_TEST(base_file_and_set_precedence)
{
    const char *sets[] = {"adc.bits=7", "chip.noc.topology=torus"};
    ck_assert_int_eq(load_text("base: isaac\nname: mine\nadc:\n  bits: 6\n  model: mnsim\n",
                               sets, 2), 0);
    ck_assert_str_eq(A.name, "mine");
    ck_assert_str_eq(A.base, "isaac");
    ck_assert_int_eq(A.adc.bits, 7);                 /* --set wins over the file */
    ck_assert_int_eq(A.adc.model, adc_model_index("mnsim"));  /* the file wins over the preset */
    ck_assert_int_eq(A.chip.noc.topology, TOPO_TORUS);
    ck_assert_int_eq(A.tile.ces, 12);                /* the preset fills the rest */
    /* 7 bits < 8 lossless (9 - 1 with column flipping): a warning with both numbers. */
    ck_assert_int_eq(D.warnings, 1);
    ck_assert_str_eq(first_line(),
                     "--set adc.bits=7: warning: adc.bits = 7 is below the lossless resolution "
                     "of 8 bits (largest column sum with column_flip max((2^1-1)*floor((2^2-1)"
                     "*128/2), unit column) = 192, ceil(log2(192+1)) = 8): large column sums are "
                     "clipped");
}
END_TEST

START_TEST(lossless_warning_without_flip)
{
    const char *sets[] = {"crossbar.column_flip=false"};
    ck_assert_int_eq(load("isaac", sets, 1), 0);
    ck_assert_int_eq(A.derived.lossless_adc_bits, 9);
    ck_assert_ptr_nonnull(strstr(D.text, "adc.bits = 8 is below the lossless resolution of 9 bits"));
    /* 4-bit DAC, 1-bit cells, 256 rows: ceil(log2(15 x 1 x 256)) = 12. */
    const char *s2[] = {"dac.bits=4", "precision.input_bits_per_cycle=4", "device.bits_per_cell=1",
                        "crossbar.rows=256", "dac.per_crossbar=256", "adc.bits=12"};
    ck_assert_int_eq(load("isaac", s2, 6), 0);
    /* flipping halves the data columns (1920) but the unit column still sums
     * 15 x 256 = 3840: 12 bits */
    ck_assert_int_eq(A.derived.lossless_adc_bits, 12);
    ck_assert_int_eq(D.warnings, 0);
    /* signed 16-bit inputs in 4-bit slices: bits 0-3, 4-7, 8-11, 12-14, and
     * the sign bit in a slice of its own (components/ce.c) */
    ck_assert_int_eq(A.derived.input_cycles, 5);
    ck_assert_int_eq(A.derived.slices_per_weight, 16);
    /* 1-bit cells and DACs over 128 rows: a sum of 128 needs 8 bits, not log2(128) = 7 */
    const char *s3[] = {"device.bits_per_cell=1", "crossbar.column_flip=false", "adc.bits=7"};
    ck_assert_int_eq(load("isaac", s3, 3), 0);
    ck_assert_int_eq(A.derived.lossless_adc_bits, 8);
    ck_assert_int_eq(D.warnings, 1);
}
END_TEST

START_TEST(set_errors)
{
    const char *s1[] = {"adc.bits=x"};
    ck_assert_int_eq(load("isaac", s1, 1), -1);
    ck_assert_str_eq(first_line(),
                     "--set adc.bits=x: error: 'adc.bits' is 'x' (expected an integer in [1, 16])");
    const char *s2[] = {"adc.bitz=6"};
    ck_assert_int_eq(load("isaac", s2, 1), -1);
    ck_assert_str_eq(first_line(),
                     "--set adc.bitz=6: error: unknown key 'adc.bitz' (did you mean 'adc.bits'?)");
    const char *s3[] = {"chip.noc.topology=ring"};
    ck_assert_int_eq(load("isaac", s3, 1), -1);
    ck_assert_str_eq(first_line(), "--set chip.noc.topology=ring: error: 'chip.noc.topology' is "
                                   "'ring' (expected one of {mesh, torus, cmesh})");
    const char *s4[] = {"dac.bits=2"};
    ck_assert_int_eq(load("isaac", s4, 1), -1);
    ck_assert_ptr_nonnull(strstr(first_line(), "--set dac.bits=2: error: dac.bits = 2 differs"));
}
END_TEST

START_TEST(consistency_blames_latest_line)
{
    /* grid from the preset, tiles from line 3 of the file: blame line 3. */
    ck_assert_int_eq(load_text("base: isaac\nchip:\n  tiles: 100\n", NULL, 0), -1);
    ck_assert_ptr_nonnull(strstr(first_line(), ":3:10: error: chip.tiles = 100 does not match"));
    /* A partly filled last router is allowed (PUMA: 138 tiles on 35 routers). */
    const char *s[] = {"chip.tiles=166"};
    ck_assert_int_eq(load("isaac", s, 1), 0);
    const char *s2[] = {"chip.tiles=164"};
    ck_assert_int_eq(load("isaac", s2, 1), -1);
}
END_TEST

START_TEST(extras_parsed)
{
    ck_assert_int_eq(load_text("base: isaac\nce:\n  extras:\n    - {name: a, power_mw: 1.5}\n"
                               "    - name: b\n      count: 3\n      area_mm2: 0.25\n", NULL, 0), 0);
    ck_assert_int_eq(A.ce.n_extras, 2);
    ck_assert_str_eq(A.ce.extras[0].name, "a");
    ck_assert_int_eq(A.ce.extras[0].count, 1);
    ck_assert_double_eq(A.ce.extras[0].cost.power_mw, 1.5);
    ck_assert_int_eq(A.ce.extras[1].count, 3);
    ck_assert_double_eq(A.ce.extras[1].cost.area_mm2, 0.25);
    arch_rollup_t r;
    arch_rollup(&A, &r);
    ck_assert_double_le(rel(r.ce.power_w, 24.08e-3 + 1.5e-3), 1e-9);
    ck_assert_double_le(rel(r.ce.area_mm2, 0.01312 + 0.75), 1e-9);
}
END_TEST

static char *dump(const arch_t *a)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    arch_dump_yaml(a, f);
    fclose(f);
    return buf;
}

START_TEST(dump_round_trips)
{
    const char *presets[] = {"isaac", "puma"};
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(load(presets[i], NULL, 0), 0);
        arch_t first = A;
        char *text = dump(&first);
        ck_assert_int_eq(load_text(text, NULL, 0), 0);
        char *again = dump(&A);
        ck_assert_str_eq(text, again);
        ck_assert_uint_eq(first.hash, A.hash);
        ck_assert(!memcmp(&first.tech, &A.tech, offsetof(arch_t, hash) - offsetof(arch_t, tech)));
        free(text);
        free(again);
    }
}
END_TEST

START_TEST(hash_ignores_name_only)
{
    ck_assert_int_eq(load("isaac", NULL, 0), 0);
    uint64_t h = A.hash;
    const char *s1[] = {"name=renamed"};
    ck_assert_int_eq(load("isaac", s1, 1), 0);
    ck_assert_uint_eq(A.hash, h);
    ck_assert_int_eq(load_text("base: isaac\n", NULL, 0), 0);
    ck_assert_uint_eq(A.hash, h);
    const char *s2[] = {"adc.bits=7"};
    ck_assert_int_eq(load("isaac", s2, 1), 0);
    ck_assert_uint_ne(A.hash, h);
}
END_TEST

START_TEST(leakage_split)
{
    arch_rollup_t r;
    ck_assert_int_eq(load("isaac", NULL, 0), 0);
    arch_rollup(&A, &r);
    ck_assert_double_eq(r.chip.leakage_w, 0); /* Table I gives total power only */
    ck_assert_int_eq(load("puma", NULL, 0), 0);
    arch_rollup(&A, &r);
    /* Router leakage: 35 routers x 0.41 mW of PUMAsim's table. */
    double want = 0;
    for (int i = 0; i < r.nitems; i++)
        want += r.items[i].per_chip * r.items[i].leakage_mw_each * 1e-3;
    ck_assert_double_le(rel(r.chip.leakage_w, want), 1e-12);
    ck_assert_double_le(rel(r.chip.dynamic_w + r.chip.leakage_w, r.chip.power_w), 1e-12);
    ck_assert_double_gt(r.chip.leakage_w, 35 * 0.41e-3);
}
END_TEST

START_TEST(enum_names)
{
    ck_assert_str_eq(arch_device_name(DEV_FEFET), "fefet");
    ck_assert_str_eq(arch_adc_model_name(adc_model_index("neurosim_sar")), "neurosim_sar");
    ck_assert_str_eq(arch_topology_name(TOPO_CMESH), "cmesh");
    ck_assert_str_eq(arch_routing_name(ROUTE_ODD_EVEN), "odd_even");
    ck_assert_str_eq(arch_signed_scheme_name(SIGNED_DIFFERENTIAL), "differential");
    ck_assert_str_eq(arch_buffer_type_name(BUF_SRAM), "sram");
    for (int m = 0; adc_model_get(m); m++)
        ck_assert_str_eq(adc_model_get(m)->name, arch_adc_model_name(m));
}
END_TEST

START_TEST(differential_doubles_slices)
{
    const char *s[] = {"crossbar.signed_scheme=differential"};
    ck_assert_int_eq(load("isaac", s, 1), 0);
    ck_assert_int_eq(A.derived.slices_per_weight, 16);
    ck_assert_int_eq(A.derived.weights_per_crossbar_row, 8);
}
END_TEST

/* Placement by hand (arch/placement.c): 3x4 routers, 2 tiles each, bands of
 * 2 router rows filled column by column: routers in placement order (0,0),
 * (0,1), (1,0), (1,1), (2,0), (2,1), then (0,2), (0,3), ...; slot s is port
 * s % 2 of the (s / 2)-th; with one gateway the last tile takes slot 0 (the
 * gateway's endpoint), tile t slot t + 1; endpoint = (y * 3 + x) * 2 + port. */
START_TEST(placement_by_hand)
{
    const char *sets[] = {"chip.grid_x=3", "chip.grid_y=4", "chip.noc.concentration=2",
                          "chip.tiles=24", "chip.band_rows=2", "chip.offchip.gateways=1"};
    ck_assert_int_eq(load("isaac", sets, 6), 0);
    ck_assert_int_eq(arch_tile_endpoint(&A, 23), 0);  /* slot 0: router (0,0) port 0 */
    ck_assert_int_eq(arch_tile_endpoint(&A, 0), 1);   /* slot 1: router (0,0) port 1 */
    ck_assert_int_eq(arch_tile_endpoint(&A, 1), 6);   /* slot 2: router (0,1) = 3, port 0 */
    ck_assert_int_eq(arch_tile_endpoint(&A, 4), 3);   /* slot 5: router (1,0) = 1, port 1 */
    ck_assert_int_eq(arch_tile_endpoint(&A, 12), 13); /* slot 13: router (0,2) = 6, port 1 */
    ck_assert_int_eq(arch_tile_endpoint(&A, 22), 23); /* slot 23: router (2,3) = 11, port 1 */
    int seen[24] = {0};
    for (int t = 0; t < 24; t++) { /* a permutation of the endpoints */
        int e = arch_tile_endpoint(&A, t);
        ck_assert(e >= 0 && e < 24);
        ck_assert_int_eq(seen[e]++, 0);
    }
    const char *rows[] = {"chip.grid_x=3", "chip.grid_y=4", "chip.noc.concentration=2",
                          "chip.tiles=24", "chip.band_rows=0", "chip.offchip.gateways=1"};
    ck_assert_int_eq(load("isaac", rows, 6), 0);
    for (int t = 0; t < 23; t++) /* row by row: slot order is endpoint order */
        ck_assert_int_eq(arch_tile_endpoint(&A, t), t + 1);
    ck_assert_int_eq(arch_tile_endpoint(&A, 23), 0);
}
END_TEST

/* Gateways with ports of their own (chip.offchip.gateway_port: own) on the
 * same grid: 3 local ports a router (2 tiles' and a gateway's), so endpoint =
 * (y * 3 + x) * 3 + port; tile t at slot t, as placement_by_hand's slots
 * without the gateway's: tile 0 at router (0,0) port 0 = 0, tile 2 at
 * (0,1) = router 3 port 0 = 9, tile 23 at (2,3) = router 11 port 1 = 34;
 * the four gateways on routers 0, 2, 11, 9 (by placement_with_gateways_by_hand's
 * edge walk), port 2: endpoints 2, 8, 35, 29. */
START_TEST(placement_with_own_gateway_ports_by_hand)
{
    const char *sets[] = {"chip.grid_x=3",        "chip.grid_y=4",
                          "chip.noc.concentration=2", "chip.tiles=24",
                          "chip.band_rows=2",     "chip.offchip.gateways=4",
                          "chip.offchip.gateway_port=own"};
    ck_assert_int_eq(load("isaac", sets, 7), 0);
    ck_assert_int_eq(arch_noc_local_ports(&A), 3);
    const int gw_ep[] = {2, 8, 35, 29};
    for (int g = 0; g < 4; g++) {
        ck_assert_int_eq(arch_gateway_endpoint(&A, g), gw_ep[g]);
        ck_assert_int_eq(arch_endpoint_gateway(&A, gw_ep[g]), g);
    }
    ck_assert_int_eq(arch_tile_endpoint(&A, 0), 0);
    ck_assert_int_eq(arch_tile_endpoint(&A, 2), 9);
    ck_assert_int_eq(arch_tile_endpoint(&A, 23), 34);
    int seen[36] = {0};
    for (int t = 0; t < 24; t++) { /* distinct, never a gateway's (port 2) */
        int e = arch_tile_endpoint(&A, t);
        ck_assert(e >= 0 && e < 36 && e % 3 != 2);
        ck_assert_int_eq(seen[e]++, 0);
    }
    /* a router has at most 16 local ports: 16 tiles' leave none for a gateway */
    const char *full[] = {"chip.grid_x=11", "chip.grid_y=1", "chip.noc.concentration=16",
                          "chip.offchip.gateway_port=own"};
    ck_assert_int_ne(load("isaac", full, 4), 0);
    ck_assert_ptr_nonnull(strstr(D.text, "chip.offchip.gateway_port = own needs a local port "
                                         "beyond chip.noc.concentration = 16"));
}
END_TEST

/* Four gateways by hand on the same grid (bands of 2): the edge's 10 routers
 * clockwise from (0,0) are (0,0) (1,0) (2,0) (2,1) (2,2) (2,3) (1,3) (0,3)
 * (0,2) (0,1); gateway g takes the first slot of the (10 g / 4)-th: (0,0),
 * (2,0), (2,3), (0,3), placement orders 0, 4, 11, 7, so slots 0, 8, 22, 14
 * and endpoints 0, 4, 22, 18. Tile 23 - g shares gateway g's; tile t < 20
 * takes the t-th of the other slots: 1..7, 9..13, 15..21, 23. */
START_TEST(placement_with_gateways_by_hand)
{
    const char *sets[] = {"chip.grid_x=3", "chip.grid_y=4", "chip.noc.concentration=2",
                          "chip.tiles=24", "chip.band_rows=2", "chip.offchip.gateways=0"};
    ck_assert_int_eq(load("isaac", sets, 6), 0);
    ck_assert_int_eq(arch_gateways(&A), 4); /* 0: one per link (4 links) */
    const int gw_ep[] = {0, 4, 22, 18};
    for (int g = 0; g < 4; g++) {
        ck_assert_int_eq(arch_gateway_endpoint(&A, g), gw_ep[g]);
        ck_assert_int_eq(arch_endpoint_gateway(&A, gw_ep[g]), g);
        ck_assert_int_eq(arch_tile_endpoint(&A, 23 - g), gw_ep[g]);
    }
    ck_assert_int_eq(arch_endpoint_gateway(&A, 1), -1);
    ck_assert_int_eq(arch_tile_endpoint(&A, 0), 1);   /* slot 1: router (0,0) port 1 */
    ck_assert_int_eq(arch_tile_endpoint(&A, 7), 5);   /* slot 9: router (2,0) port 1 */
    ck_assert_int_eq(arch_tile_endpoint(&A, 12), 19); /* slot 15: router (0,3) port 1 */
    ck_assert_int_eq(arch_tile_endpoint(&A, 19), 23); /* slot 23: router (2,3) port 1 */
    int seen[24] = {0};
    for (int t = 0; t < 24; t++) { /* a permutation of the endpoints */
        int e = arch_tile_endpoint(&A, t);
        ck_assert(e >= 0 && e < 24);
        ck_assert_int_eq(seen[e]++, 0);
    }
    /* a flow's gateway: (sender + first receiving tile) mod 4; the host counts 0 */
    ck_assert_int_eq(arch_flow_gateway(&A, 30, 45), 3);
    ck_assert_int_eq(arch_flow_gateway(&A, 30, -1), 2);
    /* 0 on grids too small for one per link: the most that divide the links */
    const char *line[] = {"chip.grid_x=2", "chip.grid_y=1", "chip.noc.concentration=1",
                          "chip.tiles=2", "chip.noc.topology=mesh", "chip.offchip.gateways=0"};
    ck_assert_int_eq(load("isaac", line, 6), 0);
    ck_assert_int_eq(arch_gateways(&A), 2); /* 2 edge routers, 4 links */
    const char *six[] = {"chip.offchip.links=6", "chip.grid_x=2", "chip.grid_y=2",
                         "chip.tiles=16", "chip.offchip.gateways=0"};
    ck_assert_int_eq(load("isaac", six, 5), 0);
    ck_assert_int_eq(arch_gateways(&A), 3); /* 4 edge routers: 3 divides 6 */
    /* an explicit count must fit: named with what limits it */
    const char *many[] = {"chip.grid_x=2", "chip.grid_y=2", "chip.tiles=16",
                          "chip.offchip.gateways=5"};
    ck_assert_int_ne(load("isaac", many, 4), 0);
    ck_assert_ptr_nonnull(strstr(D.text, "chip.offchip.gateways = 5, but the 2x2 router grid has 4"));
    const char *odd[] = {"chip.offchip.gateways=3"};
    ck_assert_int_ne(load("isaac", odd, 1), 0);
    ck_assert_ptr_nonnull(strstr(D.text, "chip.offchip.links = 4 cannot be split evenly"));
}
END_TEST

/* Multicast trees follow dimension order: odd_even routing is refused when
 * the arch is loaded, naming both parameters, not when the NoC is built. */
START_TEST(multicast_refuses_odd_even)
{
    const char *sets[] = {"chip.noc.routing=odd_even"};
    ck_assert_int_ne(load("isaac", sets, 1), 0); /* the preset multicasts */
    ck_assert_ptr_nonnull(
        strstr(D.text, "chip.noc.multicast = true with chip.noc.routing = odd_even"));
    const char *unicast[] = {"chip.noc.routing=odd_even", "chip.noc.multicast=false"};
    ck_assert_int_eq(load("isaac", unicast, 2), 0);
    /* the placement search compares fixed routes' loads: odd_even has none */
    const char *search[] = {"chip.noc.routing=odd_even", "chip.noc.multicast=false",
                            "chip.placement=search"};
    ck_assert_int_ne(load("isaac", search, 3), 0);
    ck_assert_ptr_nonnull(
        strstr(D.text, "chip.placement = search with chip.noc.routing = odd_even"));
    search[0] = "chip.noc.routing=west_first";
    ck_assert_int_eq(load("isaac", search, 3), 0);
}
END_TEST

/* What the NoC refuses when it is built, the arch refuses when it is loaded
 * (file:line:col or --set), naming the parameters: a grid beyond its 256
 * routers per dimension, and a flit that would reach the next router in the
 * cycle it is granted. */
START_TEST(noc_limits_checked_at_load)
{
    const char *big[] = {"chip.grid_x=257", "chip.grid_y=1", "chip.tiles=1028"};
    ck_assert_int_ne(load("isaac", big, 3), 0);
    ck_assert_ptr_nonnull(strstr(D.text, "chip.grid_x"));
    ck_assert_ptr_nonnull(strstr(D.text, "256"));
    const char *zero[] = {"chip.noc.sw_alloc_delay=0", "chip.noc.st_delay=0",
                          "chip.noc.link_latency=0"};
    ck_assert_int_ne(load("isaac", zero, 3), 0);
    ck_assert_ptr_nonnull(strstr(D.text, "chip.noc.sw_alloc_delay + st_delay + link_latency = 0"));
    ck_assert_int_eq(load("isaac", zero, 2), 0); /* a link cycle is enough */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("arch");
    TCase *tc = tcase_create("arch");
    tcase_add_test(tc, table_keys_unique_and_grouped);
    tcase_add_test(tc, defaults_alone_are_valid);
    tcase_add_test(tc, presets_listed_and_load);
    tcase_add_test(tc, isaac_golden);
    tcase_add_test(tc, adc_duty_at_peak);
    tcase_add_test(tc, set_value_with_spaces_refused);
    tcase_add_test(tc, cr_line_breaks);
    tcase_add_test(tc, puma_golden);
    tcase_add_test(tc, adc_isaac_model);
    tcase_add_test(tc, adc_zigzag_model);
    tcase_add_test(tc, adc_latency_models);
    tcase_add_test(tc, adc_walden_model);
    tcase_add_test(tc, adc_model_selected_by_name);
    tcase_add_test(tc, base_file_and_set_precedence);
    tcase_add_test(tc, lossless_warning_without_flip);
    tcase_add_test(tc, set_errors);
    tcase_add_test(tc, consistency_blames_latest_line);
    tcase_add_test(tc, extras_parsed);
    tcase_add_test(tc, dump_round_trips);
    tcase_add_test(tc, enum_names);
    tcase_add_test(tc, moot_settings_warn);
    tcase_add_test(tc, hash_ignores_name_only);
    tcase_add_test(tc, leakage_split);
    tcase_add_test(tc, differential_doubles_slices);
    tcase_add_test(tc, placement_by_hand);
    tcase_add_test(tc, placement_with_gateways_by_hand);
    tcase_add_test(tc, placement_with_own_gateway_ports_by_hand);
    tcase_add_test(tc, noc_limits_checked_at_load);
    tcase_add_test(tc, multicast_refuses_odd_even);
    suite_add_tcase(s, tc);
    return check_run(s);
}
