/* The digits networks (test/func/train_digits.py, trained once per test run
 * into $IMC_FUNC_DATA) through the functional model:
 *  - every network bit-exact against the ideal integer reference on isaac
 *    (16 bits, ISAAC's lossless 8-bit ADC), and the float reference equal to
 *    PyTorch's own top-1 (binary/ternary: their defining forward; the QAT
 *    CNN's integer reference against PyTorch's fake-quantized forward);
 *  - the float CNN >= 95 % top-1; its 8-bit version on isaac and puma within
 *    1 point of the float model;
 *  - below the lossless ADC resolution the clipped count equals an independent
 *    count (column sums recomputed here from the layer's integers);
 *  - with a full-range ADC (adc.lsb = 0) accuracy does not rise by more than
 *    1 point as bits drop, and every layer's relative RMSE is non-increasing
 *    with more bits from 3 bits below the lossless resolution up;
 *  - programming energy and time equal the device parameters x cells counted
 *    from the mapping x program-and-verify pulses;
 *  - non-idealities are seeded: the same seed gives the same result. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_load.h"
#include "compile.h"
#include "functional.h"
#include "model.h"

#include "check_run.h"

static char dir[1024];

static void path(char *buf, size_t n, const char *file)
{
    snprintf(buf, n, "%s/%s", dir, file);
}

/* PyTorch's top-1 of a model (reference.json: "name": {"top1": x, ...}). */
static double torch_top1(const char *name)
{
    char p[1200], key[64];
    path(p, sizeof p, "reference.json");
    FILE *f = fopen(p, "r");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    snprintf(key, sizeof key, "\"%s\": {", name);
    char *s = strstr(buf, key);
    ck_assert_ptr_nonnull(s);
    s = strstr(s, "\"top1\":");
    ck_assert_ptr_nonnull(s);
    return strtod(s + 7, NULL);
}

typedef struct run {
    arch_t a;
    model_t m;
    mapping_t mp;
    func_result_t r;
} run_t;

static void run(run_t *x, const char *arch, const char *const *sets, int nsets, const char *model,
                int limit, const func_opts_t *extra)
{
    imc_diag_t d;
    diag_init(&d);
    ck_assert_msg(arch_load(arch, sets, nsets, &x->a, &d) == 0, "%s", d.text);
    char p[1200];
    snprintf(p, sizeof p, "%s/%s.onnx", dir, model);
    ck_assert_msg(model_load(p, &x->m, &d) == 0, "%s", d.text);
    ck_assert_msg(compile_model(&x->a, &x->m, REPLICATE_BALANCED, &x->mp, &d) == 0, "%s", d.text);
    dataset_t ds, cal;
    path(p, sizeof p, "digits_test.imcd");
    ck_assert_msg(dataset_read(p, &ds, &d) == 0, "%s", d.text);
    path(p, sizeof p, "digits_train.imcd");
    ck_assert_msg(dataset_read(p, &cal, &d) == 0, "%s", d.text);
    func_opts_t o = extra ? *extra : (func_opts_t){0};
    o.limit = limit;
    o.calib = cal.x;
    o.n_calib = 32;
    ck_assert_msg(func_evaluate(&x->a, &x->mp, &ds, &o, &x->r, &d) == 0, "%s", d.text);
    dataset_free(&ds);
    dataset_free(&cal);
    diag_free(&d);
}

static void run_free(run_t *x)
{
    func_result_free(&x->r);
    mapping_free(&x->mp);
    model_free(&x->m);
}

START_TEST(networks_exact_and_torch_references)
{
    static const char *names[] = {"mlp", "cnn", "cnn_qat", "mlp_bin", "mlp_ter"};
    for (int i = 0; i < 5; i++) {
        run_t x;
        run(&x, "isaac", NULL, 0, names[i], 0, NULL);
        const func_result_t *r = &x.r;
        for (int li = 0; li < r->n_layers; li++)
            ck_assert_msg(r->layers[li].mismatches == 0, "%s: layer %s differs from the integer "
                          "reference", names[i], r->layers[li].name);
        ck_assert(r->agreement_int == 1.0);
        ck_assert_uint_eq(r->clipped, 0);
        double t = torch_top1(names[i]);
        /* the QAT network's integers are PyTorch's fake quantization; the others'
         * float pass is PyTorch's forward */
        double mine = strcmp(names[i], "cnn_qat") ? r->float_top1 : r->int_top1;
        printf("%-8s imcsim top-1 %.2f %% (float %.2f %%, integer %.2f %%), PyTorch %.2f %%\n",
               names[i], 100 * r->top1, 100 * r->float_top1, 100 * r->int_top1, 100 * t);
        ck_assert_msg(fabs(mine - t) <= 1.0 / 360 + 1e-9, "%s: %.4f vs PyTorch %.4f", names[i],
                      mine, t);
        if (!strcmp(names[i], "cnn"))
            ck_assert(r->float_top1 >= 0.95);
        ck_assert_int_eq(r->images, 360);
        ck_assert(r->top5 >= r->top1);
        run_free(&x);
    }
}
END_TEST

START_TEST(eight_bit_cnn_within_one_point)
{
    const char *sets[] = {"precision.weight_bits=8", "precision.act_bits=8"};
    for (int k = 0; k < 2; k++) {
        const char *arch = k ? "puma" : "isaac";
        run_t x;
        run(&x, arch, sets, 2, "cnn", 0, NULL);
        printf("8-bit cnn on %s: top-1 %.2f %%, float %.2f %%, %llu clipped\n", arch,
               100 * x.r.top1, 100 * x.r.float_top1, (unsigned long long)x.r.clipped);
        ck_assert(fabs(x.r.top1 - x.r.float_top1) <= 0.01 + 1e-9);
        run_free(&x);
    }
}
END_TEST

/* ---- the independent clipped count: every column of every read recomputed */

static uint64_t count_clipped(const arch_t *a, const layer_map_t *lm, const func_capture_t *c,
                              int input_bits, int signed_inputs)
{
    int R = a->crossbar.rows, bc = a->device.bits_per_cell, cmax = (1 << bc) - 1;
    int d = a->dac.bits, wb = lm->weight_bits, wpr = lm->weights_per_row;
    int S = (wb + bc - 1) / bc, G = a->crossbar.signed_scheme == SIGNED_DIFFERENTIAL ? 2 : 1;
    int64_t fs = ((int64_t)1 << a->adc.bits) - 1;
    int nlow = signed_inputs ? input_bits - 1 : input_bits;
    int nsl = (nlow + d - 1) / d + (signed_inputs ? 1 : 0);
    uint64_t clipped = 0;
    for (int p = 0; p < c->positions; p++) {
        const int64_t *x = c->x + (size_t)p * c->n_in;
        for (int k = 0; k < nsl; k++) {
            int sign = signed_inputs && k == nsl - 1;
            int sh = sign ? input_bits - 1 : k * d, wd = sign ? 1 : (nlow - sh < d ? nlow - sh : d);
            for (int r0 = 0; r0 < c->n_in; r0 += R) {
                int nr = c->n_in - r0 < R ? c->n_in - r0 : R;
                int64_t u = 0;
                for (int i = 0; i < nr; i++)
                    u += ((uint64_t)x[r0 + i] >> sh) & ((1u << wd) - 1);
                for (int o0 = 0; o0 < c->n_out; o0 += wpr) {
                    if (a->crossbar.unit_cols > 0)
                        clipped += u > fs;
                    for (int o = o0; o < o0 + wpr && o < c->n_out; o++)
                        for (int g = 0; g < G; g++)
                            for (int s = 0; s < S; s++) {
                                int64_t cs = 0, sum = 0;
                                for (int i = 0; i < nr; i++) {
                                    int64_t w = c->q[(size_t)o * c->n_in + r0 + i];
                                    int64_t e = G == 2 ? (g ? (w < 0 ? -w : 0) : (w > 0 ? w : 0))
                                                       : w + ((int64_t)1 << (wb - 1));
                                    cs += (e >> (s * bc)) & cmax;
                                }
                                int fl = a->crossbar.column_flip && 2 * cs > (int64_t)nr * cmax;
                                for (int i = 0; i < nr; i++) {
                                    int64_t w = c->q[(size_t)o * c->n_in + r0 + i];
                                    int64_t e = G == 2 ? (g ? (w < 0 ? -w : 0) : (w > 0 ? w : 0))
                                                       : w + ((int64_t)1 << (wb - 1));
                                    int64_t cell = (e >> (s * bc)) & cmax;
                                    sum += (int64_t)(((uint64_t)x[r0 + i] >> sh) & ((1u << wd) - 1)) *
                                           (fl ? cmax - cell : cell);
                                }
                                clipped += sum > fs;
                            }
                }
            }
        }
    }
    return clipped;
}

START_TEST(clipped_count_independent)
{
    /* 8-bit layers, a 6-bit ADC saturating at 63 (lossless needs 8 bits) */
    const char *sets[] = {"precision.weight_bits=8", "precision.act_bits=8", "adc.bits=6"};
    func_opts_t o = {.keep_outputs = 1};
    run_t x;
    run(&x, "isaac", sets, 3, "cnn", 1, &o);
    uint64_t total = 0;
    for (int li = 0; li < x.m.n_layers; li++) {
        const func_capture_t *c = &x.r.capture[li];
        if (!c->q)
            continue;
        uint64_t want = count_clipped(&x.a, &x.mp.layers[li], c, x.mp.layers[li].act_bits,
                                      x.a.precision.signed_inputs);
        printf("layer %-12s clipped %llu of %llu conversions (independent count %llu)\n",
               x.r.layers[li].name, (unsigned long long)x.r.layers[li].clipped,
               (unsigned long long)x.r.layers[li].conversions, (unsigned long long)want);
        ck_assert_uint_eq(x.r.layers[li].clipped, want);
        total += want;
    }
    ck_assert_uint_gt(total, 0);
    ck_assert_uint_eq(x.r.clipped, total);
    ck_assert_uint_eq(func_batch_clipped(&x.r, 3), 3 * total); /* 3 inferences of image 0 */
    run_free(&x);
}
END_TEST

START_TEST(adc_bits_monotone)
{
    for (int k = 0; k < 2; k++) {
        const char *arch = k ? "puma" : "isaac";
        int top_bits = k ? 9 : 8; /* lossless: ISAAC 8 (flipped columns), PUMA 9 */
        double top[10] = {0}, rmse[10][16] = {{0}};
        int nl = 0;
        for (int b = top_bits; b >= 2; b--) {
            char bits[32];
            snprintf(bits, sizeof bits, "adc.bits=%d", b);
            const char *sets[] = {"precision.weight_bits=8", "precision.act_bits=8", "adc.lsb=0", bits};
            run_t x;
            run(&x, arch, sets, 4, "cnn", 0, NULL);
            top[b] = x.r.top1;
            nl = x.r.n_layers;
            for (int li = 0; li < nl && li < 16; li++)
                rmse[b][li] = x.r.layers[li].rel_rmse;
            ck_assert_uint_eq(x.r.clipped, 0); /* a full-range ADC rounds, never clips */
            printf("%s adc %d bits (step %d): top-1 %.2f %%, rel. RMSE by layer", arch, b,
                   x.a.adc.lsb, 100 * top[b]);
            for (int li = 0; li < nl && li < 16; li++)
                printf(" %.4f", rmse[b][li]);
            printf("\n");
            run_free(&x);
        }
        for (int b = 3; b <= top_bits; b++)
            ck_assert_msg(top[b - 1] <= top[b] + 0.01, "%s: %d bits %.4f > %d bits %.4f + 1 point",
                          arch, b - 1, top[b - 1], b, top[b]);
        /* down to 3 bits below lossless; further down the outputs collapse
         * (chance accuracy) and their relative error saturates */
        for (int b = top_bits - 2; b <= top_bits; b++)
            for (int li = 0; li < nl && li < 16; li++)
                ck_assert_msg(rmse[b][li] <= rmse[b - 1][li], "%s layer %d: RMSE %.4f at %d bits "
                              "> %.4f at %d", arch, li, rmse[b][li], b, rmse[b - 1][li], b - 1);
    }
}
END_TEST

START_TEST(programming_hand_count)
{
    run_t x;
    run(&x, "isaac", NULL, 0, "cnn", 1, NULL);
    /* cells: per replica, each crossbar block's rows x (its outputs x slices +
     * unit columns), from the mapping's row/column blocks */
    const arch_t *a = &x.a;
    uint64_t cells = 0;
    int rows_max = 0;
    for (int li = 0; li < x.m.n_layers; li++) {
        const layer_map_t *lm = &x.mp.layers[li];
        if (lm->xbars_per_replica == 0)
            continue;
        int R = a->crossbar.rows, wpr = lm->weights_per_row;
        for (int rb = 0; rb < lm->row_blocks; rb++) {
            int nr = lm->rows - rb * R < R ? lm->rows - rb * R : R;
            rows_max = nr > rows_max ? nr : rows_max;
            for (int cb = 0; cb < lm->col_blocks; cb++) {
                int no = lm->cols - cb * wpr < wpr ? lm->cols - cb * wpr : wpr;
                cells += (uint64_t)lm->replication * nr * (no * lm->slices + a->crossbar.unit_cols);
            }
        }
    }
    double pulses = a->device.program_verify_iterations;
    printf("programming: %llu cells x %g pulses x %g pJ = %g J; %d rows x %g pulses x %g ns = "
           "%g s\n", (unsigned long long)cells, pulses, a->device.write_energy_pj,
           cells * pulses * a->device.write_energy_pj * 1e-12, rows_max, pulses,
           a->device.write_latency_ns, rows_max * pulses * a->device.write_latency_ns * 1e-9);
    ck_assert_uint_eq(x.r.cells_programmed, cells);
    ck_assert_double_eq_tol(x.r.program_energy_j, cells * pulses * 0.6e-12, 1e-18);
    ck_assert_double_eq_tol(x.r.program_time_s, rows_max * pulses * 100e-9, 1e-15);
    ck_assert_double_eq_tol(x.r.lifetime_programmings, 1e6 / pulses, 1e-6);
    run_free(&x);
}
END_TEST

START_TEST(nonideal_seeded)
{
    const char *sets[] = {"nonideal.variation=true", "nonideal.read_noise=true",
                          "device.variation_sigma=0.05"};
    double rm[3];
    for (int k = 0; k < 3; k++) {
        func_opts_t o = {.seed = k < 2 ? 11 : 12};
        run_t x;
        run(&x, "isaac", sets, 3, "cnn", 40, &o);
        rm[k] = x.r.layers[x.r.n_layers - 1].rel_rmse;
        ck_assert(rm[k] > 0);
        run_free(&x);
    }
    ck_assert(rm[0] == rm[1]);
    ck_assert(rm[0] != rm[2]);
}
END_TEST

int main(void)
{
    const char *e = getenv("IMC_FUNC_DATA");
    if (!e) {
        fprintf(stderr, "test_digits: IMC_FUNC_DATA is not set (the train_digits fixture)\n");
        return 1;
    }
    snprintf(dir, sizeof dir, "%s", e);
    const TTest *t[] = {networks_exact_and_torch_references, eight_bit_cnn_within_one_point,
                        clipped_count_independent, adc_bits_monotone, programming_hand_count,
                        nonideal_seeded};
    return check_run(check_suite("digits", t, 6));
}
