/* The acceptance figures on the shipped presets (arch_load): ISAAC (Shafiee
 * et al. 2016) and PUMA (Ankit et al. 2019), docs/references.md. Derivations: docs/presets.md. */
#include <check.h>

#include "check_run.h"
#include <math.h>

#include "arch_load.h"
#include "ce.h"
#include "tile.h"

static void load(const char *name, arch_t *a)
{
    imc_diag_t d;
    diag_init(&d);
    int rc = arch_load(name, NULL, 0, a, &d);
    ck_assert_msg(rc == 0, "%s", d.text ? d.text : "");
    diag_free(&d);
}

START_TEST(isaac_mvm_16_crossbar_cycles)
{
    arch_t a;
    load("isaac", &a);
    ce_t ce;
    ce_init(&ce, &a);
    ce_req_t r = {1, 128, 128, 16, 1, 0, 0};
    ce_timing_t t;
    ce_mvm_run(&ce, &r, 0, &t);
    ck_assert_uint_eq(t.reads, 16);
    ck_assert_uint_eq(t.xbar_cycles, 16 * 120);
    ck_assert_double_eq_tol(t.xbar_cycles * comp_cycle_ns(&a), 1600.0, 1e-9);
    /* ADC conversions per 16-bit MAC: 16 x 129 / (128 rows x 16 weights) */
    ck_assert_double_eq_tol(ce.adc.st.conversions / (128.0 * 16), 129.0 / 128, 1e-12);
    ce_free(&ce);
    a.crossbar.unit_cols = 0;
    ce_init(&ce, &a);
    ce_mvm_run(&ce, &r, 0, &t);
    ck_assert_double_eq_tol(ce.adc.st.conversions / (128.0 * 16), 1.0, 1e-12);
    ce_free(&ce);
}
END_TEST

static uint64_t run(tile_t *t, tile_op_t op, uint64_t at)
{
    tile_result_t r;
    tile_request(t, &op, at);
    ck_assert_int_eq(tile_arbitrate(t, tile_next_event(t), &r, 1), 1);
    ck_assert_int_eq(r.status, 0);
    return r.end;
}

/* eDRAM read + IR (1), crossbars (16), ADC (1), S+A and OR (2), sigmoid
 * (1), eDRAM write (1) = 22 stages of 100 ns in ISAAC's synchronous pipeline. */
START_TEST(isaac_ima_stage_22_cycles)
{
    arch_t a;
    load("isaac", &a);
    tile_t t;
    tile_init(&t, &a);
    tile_set_stage_ns(&t, a.crossbar.read_latency_ns);
    uint64_t c = run(&t, (tile_op_t){.kind = TILE_OP_READ, .bytes = 256}, 0);
    c = run(&t, (tile_op_t){.kind = TILE_OP_MVM, .xbars = 8, .rows = 128, .cols = 128,
                            .input_bits = 16, .signed_inputs = 1}, c);
    c = run(&t, (tile_op_t){.kind = TILE_OP_ACT, .subkind = ACT_SIGMOID, .n = 128}, c);
    c = run(&t, (tile_op_t){.kind = TILE_OP_WRITE, .bytes = 256, .addr = 1 << 15}, c);
    ck_assert_uint_eq(c, 22 * 120);
    tile_free(&t);
}
END_TEST

/* One MVMU op (128x128, 16 bit) on 8 of the PUMA core's 16 crossbars:
 * 2304 ns and 43.97 nJ in the paper. With the preset: slot = max(100 ns
 * read, 516 conversions x 0.25 ns) = 129 ns; (16 + 2 extra) x 129 = 2322
 * front end, + S+A 1 + OR 1 = 2324 ns. Energy: dynamic 39932.0 pJ + half the
 * core's static power (3.75199 mW: leakage and the always-on extras; the VFU
 * is a tile unit, charged per op) x 2324 ns = 4359.8 -> 44291.8 pJ. */
START_TEST(puma_mvmu_op)
{
    arch_t a;
    load("puma", &a);
    ce_t ce;
    ce_init(&ce, &a);
    ce_req_t r = {8, 128, 128, 16, 1, 0, 0};
    ce_timing_t t;
    ce_mvm_run(&ce, &r, 0, &t);
    ck_assert_uint_eq(t.period, 129);
    ck_assert_uint_eq(t.total_cycles, 2324);
    ce_leak(&ce, t.total_cycles);
    double op_pj = t.energy_pj + (ce_energy_pj(&ce) - t.energy_pj) * 8 / 16;
    ck_assert_double_eq_tol(t.energy_pj, 39932.0, 0.5);
    ck_assert_double_eq_tol(op_pj, 44291.8, 0.5);
    ck_assert(fabs(t.total_cycles * comp_cycle_ns(&a) - 2304) / 2304 < 0.10);
    ck_assert(fabs(op_pj - 43970) / 43970 < 0.10);
    ce_free(&ce);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("presets");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, isaac_mvm_16_crossbar_cycles);
    tcase_add_test(tc, isaac_ima_stage_22_cycles);
    tcase_add_test(tc, puma_mvmu_op);
    suite_add_tcase(s, tc);
    return check_run(s);
}
