/* Timing and energy of the CE and tile cores against the ISAAC and PUMA
 * papers (docs/references.md), the closed form against per-read
 * stepping, and the tile arbitration rules. */
#include <check.h>

#include "check_run.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "arch_load.h"
#include "ce.h"
#include "fixtures.h"
#include "tile.h"

/* The architecture's derived input_cycles (arch show's MVM time and peak)
 * is the count of input slices the CE applies: the sign bit of signed
 * inputs a slice of its own (16 bits in 2-bit slices: 9), checked through
 * the CE's own reads of a full MVM. */
START_TEST(derived_input_cycles_are_the_ce_slices)
{
    static const int ipcs[] = {1, 2, 4, 8}, bits[] = {8, 16};
    for (int sg = 0; sg < 2; sg++)
        for (int i = 0; i < 4; i++)
            for (int b = 0; b < 2; b++) {
                char s1[48], s2[48], s3[48], s4[48];
                snprintf(s1, sizeof s1, "precision.input_bits_per_cycle=%d", ipcs[i]);
                snprintf(s2, sizeof s2, "dac.bits=%d", ipcs[i]);
                snprintf(s3, sizeof s3, "precision.act_bits=%d", bits[b]);
                snprintf(s4, sizeof s4, "precision.signed_inputs=%s", sg ? "true" : "false");
                const char *sets[] = {s1, s2, s3, s4};
                imc_diag_t d;
                diag_init(&d);
                arch_t a;
                ck_assert_msg(!arch_load("isaac", sets, 4, &a, &d), "%s", d.text ? d.text : "");
                diag_free(&d);
                const int slices = ce_input_slices(bits[b], ipcs[i], sg, NULL, NULL, NULL);
                ck_assert_int_eq(a.derived.input_cycles, slices);
                ce_t ce;
                ce_init(&ce, &a);
                ce_req_t r = {1, 128, 128, bits[b], sg, 0, 0};
                ce_timing_t t;
                ce_mvm_timing(&ce, &r, &t);
                ck_assert_uint_eq(t.reads, (unsigned)slices);
                ce_free(&ce);
            }
    /* the hand count of the case that differed */
    ck_assert_int_eq(ce_input_slices(16, 2, 1, NULL, NULL, NULL), 9);
}
END_TEST

/* ISAAC: 128x128 crossbar, 16-bit inputs at 1 bit per 100 ns read: 16
 * crossbar cycles = 1.6 us. 1.2 GHz tile clock: 100 ns = 120 cycles. */
START_TEST(isaac_one_crossbar_mvm_is_16_cycles)
{
    arch_t a;
    fx_isaac(&a);
    ce_t ce;
    ce_init(&ce, &a);
    ce_req_t r = {1, 128, 128, 16, 1, 0, 0};
    ce_timing_t t;
    ce_mvm_timing(&ce, &r, &t);
    ck_assert_uint_eq(t.reads, 16);
    ck_assert_uint_eq(t.read_cycles, 120);
    /* 129 conversions x 0.78125 ns = 100.8 ns: absorbed in the 100 ns read */
    ck_assert_uint_eq(t.adc_cycles, 120);
    ck_assert_uint_eq(t.xbar_cycles, 16 * 120);
    ck_assert_double_eq_tol(t.xbar_cycles * comp_cycle_ns(&a), 1600.0, 1e-9);
    /* + last ADC batch + S+A (1 cycle) + output-register write (1 cycle) */
    ck_assert_uint_eq(t.frontend_cycles, 17 * 120);
    ck_assert_uint_eq(t.total_cycles, 17 * 120 + 2);
    /* in ISAAC's synchronous 100 ns pipeline: ADC (1) + S+A and OR (2) */
    ce.stage_cycles = 120;
    ce_mvm_timing(&ce, &r, &t);
    ck_assert_uint_eq(t.total_cycles, (16 + 1 + 2) * 120);
    ce_free(&ce);
}
END_TEST

/* ADC conversions per 16-bit MAC: one read converts 128 data + 1 unit column;
 * a 128x128 crossbar holds 128 x 16 16-bit weights (8 2-bit slices each), so
 * 16 reads do 128*16 MACs with 16*129 conversions: 129/128. */
START_TEST(isaac_conversions_per_mac)
{
    arch_t a;
    fx_isaac(&a);
    for (int unit = 1; unit >= 0; unit--) {
        a.crossbar.unit_cols = unit;
        ce_t ce;
        ce_init(&ce, &a);
        ce_req_t r = {1, 128, 128, 16, 1, 0, 0};
        ce_timing_t t;
        ce_mvm_run(&ce, &r, 0, &t);
        double macs = 128.0 * (128 / 8);
        ck_assert_uint_eq(ce.adc.st.conversions, 16u * (128 + unit));
        ck_assert_double_eq_tol(ce.adc.st.conversions / macs, unit ? 129.0 / 128 : 1.0, 1e-12);
        ce_free(&ce);
    }
}
END_TEST

static tile_result_t run_one(tile_t *t, tile_op_t op, uint64_t at)
{
    tile_result_t res[4];
    ck_assert_int_eq(tile_request(t, &op, at), 0);
    uint64_t nx = tile_next_event(t);
    ck_assert_uint_eq(nx, at);
    ck_assert_int_eq(tile_arbitrate(t, nx, res, 4), 1);
    ck_assert_int_eq(res[0].status, 0);
    return res[0];
}

/* ISAAC IMA stage, buffer read to buffer write = 22 cycles of 100 ns (ISAAC),
 * with the preset's own latencies in ISAAC's synchronous pipeline (every
 * step ends on a 100 ns = 120-cycle stage boundary):
 * eDRAM read + IR (1): 1 access + 256 B / 32 B = 9 cycles -> 1 stage;
 * crossbars (16) + ADC (1) on 8 crossbars, S+A 1 cycle -> 1 stage, OR write
 * 1 cycle -> 1 stage: 19 stages; sigmoid (1): 1 + 128 values / 2 units - 1
 * = 64 cycles -> 1 stage; eDRAM write (1): 9 cycles -> 1 stage. */
START_TEST(isaac_ima_stage_is_22_cycles)
{
    arch_t a;
    fx_isaac(&a);
    tile_t t;
    ck_assert_int_eq(tile_init(&t, &a), 0);
    tile_set_stage_ns(&t, a.crossbar.read_latency_ns);
    tile_op_t rd = {.kind = TILE_OP_READ, .bytes = 256, .addr = 0};
    tile_result_t r1 = run_one(&t, rd, 0);
    ck_assert_uint_eq(r1.end, 120);
    tile_op_t mvm = {.kind = TILE_OP_MVM, .ce = 0, .xbars = 8, .rows = 128, .cols = 128,
                     .input_bits = 16, .signed_inputs = 1};
    tile_result_t r2 = run_one(&t, mvm, r1.end);
    ck_assert_uint_eq(r2.end - r2.grant, 19 * 120);
    tile_op_t act = {.kind = TILE_OP_ACT, .subkind = ACT_SIGMOID, .n = 128};
    tile_result_t r3 = run_one(&t, act, r2.end);
    ck_assert_uint_eq(r3.end - r3.grant, 120);
    tile_op_t wr = {.kind = TILE_OP_WRITE, .bytes = 256, .addr = 40000};
    tile_result_t r4 = run_one(&t, wr, r3.end);
    ck_assert_uint_eq(r4.end, 22 * 120);
    ck_assert_double_eq_tol(r4.end * comp_cycle_ns(&a), 2200.0, 1e-9);
    tile_free(&t);
}
END_TEST

/* PUMA MVMU op (128x128, 16-bit): paper 2304 ns and 43.97 nJ (PUMA).
 * Derivation (docs/presets.md, "PUMA MVMU op"), puma preset values, the op
 * on 8 of the core's 16 crossbars:
 * - 16 reads of 100 ns; 4 crossbars share an ADC, which converts
 *   4 x (128 + 1 unit) = 516 columns x 0.25 ns = 129 ns per read, so reads
 *   issue every 129 ns: 15*129 + 100 + 129 = 2164 (front end), + S+A 1 + OR
 *   write 1 = 2166 ns.
 * - dynamic, power x action time (mW x ns = pJ):
 *   crossbars 8 x 16 reads x 1.328125 x 129            = 21930.0
 *   DACs (16 per crossbar, shared by the MVMU's 8)
 *        16 reads x 128 drives x 0.00350625 x 129       =   926.3
 *   S+H  16512 samples x 8.73e-6 x 129                   =    18.6
 *   ADCs 16512 conversions x 0.7262208 pJ (walden)       = 11991.4
 *   S+A  16512 x 0.045 x 1                               =   743.0
 *   in/out registers (3.4 + 0.32) x 8/16 x 2166          =  4028.8
 * - static share of the core (8 of 16 crossbars) over 2166 ns: DACs
 *   256 x 0.000390625 + ADCs 4 x 0.2 + S+H 2048 x 9.7e-7 + S+A 2 x 0.005 +
 *   registers 0.16 + always-on extras 2.68 (sigmoid, register file, instruction
 *   memory; the VFU is a unit of the tile, charged per op) = 3.75199 mW -> / 2
 *   x 2166 = 4063.4
 * Total 39638.1 + 4063.4 = 43701.5 pJ (-0.6%), 2166 ns (-6.0%). */
START_TEST(puma_mvmu_op_within_10_percent)
{
    arch_t a;
    fx_puma(&a);
    ce_t ce;
    ce_init(&ce, &a);
    ce_req_t r = {8, 128, 128, 16, 1, 0, 0};
    ce_timing_t t;
    ce_mvm_run(&ce, &r, 0, &t);
    ck_assert_uint_eq(t.period, 129);
    ck_assert_uint_eq(t.frontend_cycles, 2164);
    ck_assert_uint_eq(t.total_cycles, 2166);
    double dyn = 8 * 16 * 1.328125 * 129 + 16 * 128 * 0.00350625 * 129 +
                 16512 * 8.73e-6 * 129 + 16512 * 2.8368e-3 * 256 + 16512 * 0.045 +
                 (3.4 + 0.32) * 0.5 * 2166;
    ck_assert_double_eq_tol(t.energy_pj, dyn, 1e-6);
    ce_leak(&ce, t.total_cycles);
    double static_mw = 256 * 0.000390625 + 4 * 0.2 + 2048 * 9.7e-7 + 2 * 0.005 + 0.16 + 2.68;
    double leak = ce_energy_pj(&ce) - t.energy_pj;
    ck_assert_double_eq_tol(leak, static_mw * 2166, 1e-6);
    double op_pj = t.energy_pj + leak * 8 / 16;
    ck_assert_double_eq_tol(op_pj, 43701.5, 0.1);
    double ns = t.total_cycles * comp_cycle_ns(&a);
    ck_assert(fabs(ns - 2304) / 2304 < 0.10);
    ck_assert(fabs(op_pj - 43970) / 43970 < 0.10);
    ce_free(&ce);
}
END_TEST

/* The closed form equals per-read stepping for any read/ADC balance. */
START_TEST(closed_form_equals_stepping)
{
    arch_t a;
    fx_isaac(&a);
    const double lat[] = {0.1, 0.5, 0.78125, 1.0, 3.0};
    const int adcs[] = {1, 2, 8, 16};
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++)
            for (int bits = 1; bits <= 16; bits += 5)
                for (int xb = 1; xb <= 8; xb *= 2) {
                    a.adc.latency_ns = lat[i];
                    a.ce.adcs = adcs[j];
                    ce_t ce;
                    ce_init(&ce, &a);
                    ce_req_t r = {xb, 100, 96, bits, bits & 1, 0, 0};
                    ce_timing_t t1, t2;
                    ce_mvm_timing(&ce, &r, &t1);
                    ce_mvm_timing_stepwise(&ce, &r, &t2);
                    ck_assert_uint_eq(t1.xbar_cycles, t2.xbar_cycles);
                    ck_assert_uint_eq(t1.frontend_cycles, t2.frontend_cycles);
                    ck_assert_uint_eq(t1.total_cycles, t2.total_cycles);
                    ce_free(&ce);
                }
}
END_TEST

/* ADC sharing: with 1 ADC for 8 crossbars, an 8-crossbar op converts
 * 8 x 129 columns per read serially: 1032 x 0.78125 ns = 806.25 ns = 968
 * cycles per read at 1.2 GHz. */
START_TEST(adc_sharing_serialises)
{
    arch_t a;
    fx_isaac(&a);
    a.ce.adcs = 1;
    ce_t ce;
    ce_init(&ce, &a);
    ce_req_t r = {8, 128, 128, 16, 1, 0, 0};
    ce_timing_t t;
    ce_mvm_timing(&ce, &r, &t);
    ck_assert_uint_eq(t.conv_per_adc, 8 * 129);
    ck_assert_uint_eq(t.adc_cycles, 968);
    ck_assert_uint_eq(t.frontend_cycles, 15 * 968 + 120 + 968);
    ce_free(&ce);
}
END_TEST

/* Same-cycle requests are granted by requester id whatever the order they
 * were queued in; a busy CE or bank makes the loser wait. */
START_TEST(arbitration_is_order_independent)
{
    arch_t a;
    fx_isaac(&a);
    tile_op_t m = {.kind = TILE_OP_MVM, .ce = 3, .xbars = 1, .rows = 128, .cols = 128,
                   .input_bits = 16, .signed_inputs = 1};
    tile_op_t rd = {.kind = TILE_OP_READ, .bytes = 64, .addr = 100};
    uint64_t ends[2][4];
    for (int order = 0; order < 2; order++) {
        tile_t t;
        tile_init(&t, &a);
        for (int i = 0; i < 4; i++) {
            int req = order ? 3 - i : i; /* queue 0,1,2,3 or 3,2,1,0 */
            tile_op_t op = req < 2 ? m : rd;
            op.requester = (uint32_t)req;
            op.tag = (uint64_t)req;
            tile_request(&t, &op, 5);
        }
        tile_result_t res[8];
        int done = 0;
        while (done < 4) {
            uint64_t nx = tile_next_event(&t);
            int n = tile_arbitrate(&t, nx, res, 8);
            for (int i = 0; i < n; i++)
                ends[order][res[i].tag] = res[i].end;
            done += n;
        }
        tile_free(&t);
    }
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(ends[0][i], ends[1][i]);
    /* requester 0 gets the CE at cycle 5 (MVM 17 x 120 + 2); requester 1 when
     * its crossbar has issued its 16 reads (16 x 120 later: the last ADC
     * batch overlaps the next MVM's first read) */
    ck_assert_uint_eq(ends[0][0], 5 + 2042);
    ck_assert_uint_eq(ends[0][1], 5 + 1920 + 2042);
    /* two 64 B reads of bank 0: 1 + 2 beats each, second after the first */
    ck_assert_uint_eq(ends[0][2], 5 + 3);
    ck_assert_uint_eq(ends[0][3], 5 + 3 + 3);
}
END_TEST

/* Energy by class adds up to the tile total, leakage included (PUMA fixture
 * has leakage). */
START_TEST(energy_by_class_sums_to_total)
{
    arch_t a;
    fx_puma(&a);
    tile_t t;
    tile_init(&t, &a);
    tile_op_t ops[3] = {{.kind = TILE_OP_READ, .bytes = 256},
                        {.kind = TILE_OP_MVM, .ce = 2, .xbars = 8, .rows = 128, .cols = 128,
                         .input_bits = 16, .signed_inputs = 1},
                        {.kind = TILE_OP_ACT, .subkind = ACT_TANH, .n = 128}};
    tile_result_t r[3];
    for (int i = 0; i < 3; i++) {
        ops[i].requester = (uint32_t)i;
        tile_request(&t, &ops[i], 0);
    }
    ck_assert_int_eq(tile_arbitrate(&t, 0, r, 3), 3);
    tile_leak_until(&t, 5000);
    double dyn[COMP_CLASS_COUNT_] = {0}, leak[COMP_CLASS_COUNT_] = {0}, sum = 0;
    tile_energy_by_class(&t, dyn, leak);
    for (int i = 0; i < COMP_CLASS_COUNT_; i++)
        sum += dyn[i] + leak[i];
    ck_assert_double_eq_tol(sum, tile_energy_pj(&t), 1e-6);
    ck_assert_double_eq_tol(leak[COMP_ADC], 8 * 4 * 0.2 * 5000, 1e-6); /* 8 CEs x 4 ADCs */
    ck_assert_double_eq_tol(dyn[COMP_CROSSBAR], 8 * 16 * 1.328125 * 129, 1e-6);
    uint64_t busy[COMP_CLASS_COUNT_] = {0}, inst[COMP_CLASS_COUNT_] = {0};
    tile_busy_by_class(&t, busy, inst);
    ck_assert_uint_eq(busy[COMP_CROSSBAR], 8 * 16 * 129);
    ck_assert_uint_eq(inst[COMP_CROSSBAR], 8 * 16);
    tile_counts_t c;
    tile_counts(&t, &c);
    ck_assert_uint_eq(c.mvm_ops, 1);
    ck_assert_uint_eq(c.crossbar_reads, 8 * 16);
    ck_assert_uint_eq(c.adc_conversions, 16 * 8 * 129);
    ck_assert_uint_eq(c.dac_drives, 16 * 128);
    tile_free(&t);
}
END_TEST

/* Same requester, same cycle, same CE: the lower tag goes first, whatever the
 * queue order. */
START_TEST(same_requester_ties_broken_by_tag)
{
    arch_t a;
    fx_isaac(&a);
    for (int order = 0; order < 2; order++) {
        tile_t t;
        tile_init(&t, &a);
        tile_op_t m = {.kind = TILE_OP_MVM, .requester = 7, .ce = 0, .xbars = 1, .rows = 128,
                       .cols = 128, .input_bits = 16, .signed_inputs = 1};
        m.tag = order ? 2 : 1;
        tile_request(&t, &m, 0);
        m.tag = order ? 1 : 2;
        tile_request(&t, &m, 0);
        tile_result_t r[2];
        ck_assert_int_eq(tile_arbitrate(&t, 0, r, 2), 1);
        ck_assert_uint_eq(r[0].tag, 1);
        ck_assert_uint_eq(r[0].seq, order ? 1u : 0u);
        tile_free(&t);
    }
}
END_TEST

START_TEST(bad_tile_op_reports)
{
    arch_t a;
    fx_isaac(&a);
    tile_t t;
    tile_init(&t, &a);
    tile_op_t m = {.kind = TILE_OP_MVM, .ce = 12, .xbars = 1, .rows = 1, .cols = 1, .input_bits = 8};
    tile_request(&t, &m, 0);
    tile_result_t r;
    ck_assert_int_eq(tile_arbitrate(&t, 0, &r, 1), 1);
    ck_assert_int_eq(r.status, -1);
    ck_assert_str_eq(r.err, "MVM on CE 12 (expected 0..11)");
    tile_free(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ce_timing");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, isaac_one_crossbar_mvm_is_16_cycles);
    tcase_add_test(tc, derived_input_cycles_are_the_ce_slices);
    tcase_add_test(tc, isaac_conversions_per_mac);
    tcase_add_test(tc, isaac_ima_stage_is_22_cycles);
    tcase_add_test(tc, puma_mvmu_op_within_10_percent);
    tcase_add_test(tc, closed_form_equals_stepping);
    tcase_add_test(tc, adc_sharing_serialises);
    tcase_add_test(tc, arbitration_is_order_independent);
    tcase_add_test(tc, energy_by_class_sums_to_total);
    tcase_add_test(tc, same_requester_ties_broken_by_tag);
    tcase_add_test(tc, bad_tile_op_reports);
    suite_add_tcase(s, tc);
    return check_run(s);
}
