/* Functional exactness: with ideal devices and a lossless ADC, every layer's
 * output through the CE cores (bit slicing, signed schemes, flipped columns,
 * DAC slices, ADC, shift-and-add, partial sums over row blocks and CEs)
 * equals the ideal integer reference (plain dot products of the same integer
 * weights and activation codes, sharing no crossbar code), bit for bit:
 * every integer MVM result of every position, and the layer outputs of every
 * image. 240 seeded random configurations cover every quantization scheme
 * (uniform symmetric/asymmetric per tensor/channel, pow2 radix 2/4, codebook
 * by k-means, binary XNOR, ternary), both signed schemes, 1/2/4-bit cells and
 * DACs, signed and unsigned inputs, column flipping, with and without a unit
 * column, grouped and depthwise convs, LSTMs, layers over several row
 * blocks, column blocks and CEs. ISAAC's own 8-bit ADC with flipped columns is
 * lossless by construction: the isaac preset at 16 and 8 bits. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_load.h"
#include "compile.h"
#include "functional.h"
#include "model.h"
#include "nonideal.h"

#include "check_run.h"

static ni_rng_t rng; /* the test's own draws: configurations, weights, inputs */
static char arch_desc[1024]; /* the --set list of the configuration, for messages */
static void reseed(uint64_t s) { ni_rng_seed(&rng, s, 0, 0, 0); }
static int pick(int n) { return (int)(ni_rng_u64(&rng) % (uint64_t)n); }
static double unif(void) { return ni_rng_uniform(&rng); }
static double gauss(void) { return ni_rng_normal(&rng); }

/* Random float weights: per-channel scales spread over 4x, some zeros. */
static int rand_weights(void *ctx, const model_t *m, int li, layer_weights_t *out, imc_diag_t *d)
{
    (void)ctx, (void)d;
    const layer_t *L = &m->layers[li];
    int g = L->kind == LAYER_CONV && L->groups > 1 ? L->groups : 1;
    out->n_out = L->kind == LAYER_LSTM ? 4 * L->lstm_hidden : L->out_c;
    out->n_in = L->kind == LAYER_CONV ? L->kx * L->ky * (L->in_c / g)
                : L->in_h * L->in_w * L->in_c + (L->kind == LAYER_LSTM ? L->lstm_hidden : 0);
    out->w = malloc(sizeof(float) * (size_t)out->n_out * out->n_in);
    out->bias = malloc(sizeof(float) * (size_t)out->n_out);
    for (int o = 0; o < out->n_out; o++) {
        double s = 0.25 + unif();
        for (int i = 0; i < out->n_in; i++)
            out->w[(size_t)o * out->n_in + i] = pick(10) ? (float)(s * gauss()) : 0.0f;
        out->bias[o] = (float)(0.1 * gauss());
    }
    return 0;
}

static void check_exact(const arch_t *a, const char *yaml, int images, int nonneg, int *layers_seen)
{
    model_t m;
    imc_diag_t d;
    diag_init(&d);
    ck_assert_msg(model_load_string("rand.yaml", yaml, strlen(yaml), &m, &d) == 0, "%s\n%s",
                  d.text ? d.text : "", yaml);
    mapping_t mp;
    ck_assert_msg(compile_model(a, &m, REPLICATE_NONE, &mp, &d) == 0, "%s\n%s", d.text, yaml);
    dataset_t ds = {.n = images, .h = m.in_h, .w = m.in_w, .c = m.in_c, .classes = 1};
    size_t per = (size_t)ds.h * ds.w * ds.c;
    ds.x = malloc(sizeof(float) * per * images);
    ds.y = calloc((size_t)images, sizeof(int32_t));
    for (size_t i = 0; i < per * images; i++)
        ds.x[i] = (float)(nonneg ? unif() : 2 * unif() - 1);
    func_opts_t o = {.seed = 1, .weights = rand_weights, .keep_outputs = 1};
    func_result_t r;
    ck_assert_msg(func_evaluate(a, &mp, &ds, &o, &r, &d) == 0, "%s\n%s", d.text, yaml);
    for (int li = 0; li < m.n_layers; li++) {
        const func_layer_result_t *l = &r.layers[li];
        const func_capture_t *c = &r.capture[li];
        if (c->y_hw) {
            ck_assert_msg(!memcmp(c->y_hw, c->y_int, sizeof(int64_t) * c->positions * c->n_out),
                          "layer %s: integer MVM results differ\n%s%s", l->name, yaml, arch_desc);
            ck_assert_msg(l->conversions + l->sense_decisions > 0, "layer %s: no conversion\n%s",
                          l->name, yaml);
            (*layers_seen)++;
        }
        ck_assert_msg(l->mismatches == 0, "layer %s: %llu of %llu outputs differ from the "
                      "integer reference\n%s", l->name, (unsigned long long)l->mismatches,
                      (unsigned long long)l->outputs, yaml);
    }
    ck_assert_uint_eq(r.clipped, 0);
    ck_assert(r.agreement_int == 1.0);
    func_result_free(&r);
    free(ds.x);
    free(ds.y);
    mapping_free(&mp);
    model_free(&m);
    diag_free(&d);
}

static const char *quant_block(char *buf, size_t n, int *scheme_out)
{
    int s = pick(8), wb, ab = 2 + pick(7);
    *scheme_out = s;
    switch (s) {
    case 0: /* default: the layer's bits, uniform symmetric per tensor */
        snprintf(buf, n, "weight_bits: %d, act_bits: %d", 2 + pick(7), ab);
        break;
    case 1:
    case 2:
        wb = 2 + pick(7);
        snprintf(buf, n, "quant: {scheme: uniform, weight_bits: %d, act_bits: %d, symmetric: %s, "
                 "per_channel: %s}", wb, ab, s == 1 ? "true" : "false", pick(2) ? "true" : "false");
        break;
    case 3:
        snprintf(buf, n, "quant: {scheme: pow2, weight_bits: %d, act_bits: %d, log_base: %d, "
                 "per_channel: %s}", 3 + pick(2), ab, pick(2) ? 4 : 2, pick(2) ? "true" : "false");
        break;
    case 4:
        wb = 3 + pick(4);
        snprintf(buf, n, "quant: {scheme: codebook, weight_bits: %d, act_bits: %d, levels: %d}",
                 wb, ab, 3 + pick((1 << wb) - 2));
        break;
    case 5:
        snprintf(buf, n, "quant: {scheme: binary}");
        break;
    default:
        snprintf(buf, n, "quant: {scheme: ternary, act_bits: %d, per_channel: %s}", ab,
                 pick(2) ? "true" : "false");
        break;
    }
    return buf;
}

START_TEST(random_layers_bit_exact)
{
    int seen = 0, configs = 0, schemes[8] = {0}, signed_schemes[2] = {0};
    for (int seed = 0; seed < 240; seed++) {
        reseed(1000 + (uint64_t)seed);
        static const int rows[] = {32, 64, 128, 256}, cols[] = {32, 64, 128}, bits[] = {1, 2, 4};
        int R = rows[pick(4)], C = cols[pick(3)], bpc = bits[pick(3)], dac = bits[pick(3)];
        int diff = pick(2), flip = pick(2), unit = diff ? pick(2) : 1, sgn = pick(2);
        int xb = 2 << pick(3);
        char s[16][64];
        int ns = 0;
#define SET(...) snprintf(s[ns++], sizeof s[0], __VA_ARGS__)
        SET("crossbar.rows=%d", R);
        SET("crossbar.cols=%d", C);
        SET("dac.per_crossbar=%d", R);
        SET("device.bits_per_cell=%d", bpc);
        SET("dac.bits=%d", dac);
        SET("precision.input_bits_per_cycle=%d", dac);
        SET("precision.weight_bits=8");
        SET("precision.act_bits=8");
        SET("precision.signed_inputs=%s", sgn ? "true" : "false");
        SET("crossbar.signed_scheme=%s", diff ? "differential" : "offset");
        SET("crossbar.column_flip=%s", flip ? "true" : "false");
        SET("crossbar.unit_cols=%d", unit);
        SET("ce.crossbars=%d", xb);
        SET("ce.adcs=%d", xb);
        SET("adc.cols_per_adc=%d", C);
        const char *sets[17];
        arch_desc[0] = 0;
        for (int i = 0; i < ns; i++) {
            sets[i] = s[i];
            strcat(arch_desc, s[i]);
            strcat(arch_desc, " ");
        }
        arch_t a;
        imc_diag_t d;
        diag_init(&d);
        ck_assert_msg(arch_load("isaac", sets, ns, &a, &d) == 0, "%s", d.text);
        /* the lossless resolution of this crossbar */
        char adc[32];
        snprintf(adc, sizeof adc, "adc.bits=%d", a.derived.lossless_adc_bits);
        sets[ns++] = adc;
        diag_clear(&d);
        ck_assert_msg(arch_load("isaac", sets, ns, &a, &d) == 0, "%s", d.text);
        ck_assert_int_eq(d.warnings, 0);
        diag_free(&d);

        /* one or two weight layers on a small input */
        char q1[256], q2[256], yaml[2048];
        int sc1, sc2;
        quant_block(q1, sizeof q1, &sc1);
        quant_block(q2, sizeof q2, &sc2);
        int kind = pick(4);
        if (kind == 3) { /* an LSTM: [x, h] through the crossbars at every step */
            snprintf(yaml, sizeof yaml,
                     "input: {features: %d}\nlayers:\n"
                     "  - {name: lstm1, type: lstm, hidden: %d, steps: %d, %s}\n"
                     "  - {name: fc, type: linear, out_features: %d, %s}\n",
                     4 + pick(60), 2 + pick(40), 1 + pick(4), q1, 1 + pick(10), q2);
        } else if (kind == 0) { /* linear, possibly over several row and column blocks */
            int in = 8 + pick(300), out = 1 + pick(70);
            snprintf(yaml, sizeof yaml,
                     "input: {features: %d}\nlayers:\n"
                     "  - {name: fc1, type: linear, out_features: %d, activation: relu, %s}\n"
                     "  - {name: fc2, type: linear, out_features: %d, %s}\n",
                     in, out, q1, 1 + pick(20), q2);
        } else { /* conv: grouped or depthwise now and then, then a linear */
            int H = 3 + pick(6), Cin = 1 + pick(8), k = pick(2) ? 3 : 1;
            int g = 1, Cout = 1 + pick(24);
            if (kind == 2 && Cin > 1) {
                g = pick(2) ? Cin : (Cin % 2 ? 1 : 2);
                Cout = g * (1 + pick(4));
            }
            snprintf(yaml, sizeof yaml,
                     "input: {height: %d, width: %d, channels: %d}\nlayers:\n"
                     "  - {name: conv1, type: conv2d, out_channels: %d, kernel: %d, stride: %d, "
                     "padding: %d, groups: %d, activation: relu, %s}\n"
                     "  - {name: fc, type: linear, out_features: %d, %s}\n",
                     H, H, Cin, Cout, k, 1 + pick(2), k == 3 ? pick(2) : 0, g, q1,
                     1 + pick(12), q2);
        }
        check_exact(&a, yaml, 2, pick(2), &seen);
        configs++;
        schemes[sc1]++;
        schemes[sc2]++;
        signed_schemes[diff]++;
    }
    printf("exact: %d configurations, %d weight layers; schemes default %d, uniform sym %d, "
           "asym %d, pow2 %d, codebook %d, binary %d, ternary %d; offset %d, differential %d\n",
           configs, seen, schemes[0], schemes[1], schemes[2], schemes[3], schemes[4], schemes[5],
           schemes[6] + schemes[7], signed_schemes[0], signed_schemes[1]);
    ck_assert_int_ge(configs, 200);
    for (int i = 0; i < 7; i++)
        ck_assert_int_gt(schemes[i], 10);
}
END_TEST

/* ISAAC's 8-bit ADC with flipped columns and the unit column: lossless by
 * construction for 16-bit weights and inputs (and 8-bit ones). */
START_TEST(isaac_adc_is_lossless)
{
    for (int bits = 8; bits <= 16; bits += 8) {
        char wb[32], ab[32];
        snprintf(wb, sizeof wb, "precision.weight_bits=%d", bits);
        snprintf(ab, sizeof ab, "precision.act_bits=%d", bits);
        const char *sets[] = {wb, ab};
        arch_t a;
        imc_diag_t d;
        diag_init(&d);
        ck_assert_int_eq(arch_load("isaac", sets, 2, &a, &d), 0);
        ck_assert_int_eq(a.adc.bits, 8);
        ck_assert_int_eq(a.derived.lossless_adc_bits, 8);
        diag_free(&d);
        int seen = 0;
        reseed(7);
        check_exact(&a,
                    "input: {height: 8, width: 8, channels: 16}\nlayers:\n"
                    "  - {name: c1, type: conv2d, out_channels: 40, kernel: 3, padding: 1, "
                    "activation: relu}\n"
                    "  - {name: fc, type: linear, out_features: 10}\n", 3, 1, &seen);
        ck_assert_int_eq(seen, 2);
    }
}
END_TEST

/* Binary layers whose consumers binarize sense their columns (a comparator
 * per column against (n - b/alpha)/2 matches) instead of converting them: the
 * signs equal the integer reference's, one decision per output and image, and
 * the last layer (its values are the network's output) still converts. */
START_TEST(binary_layers_sense)
{
    for (int diff = 0; diff < 2; diff++) {
        const char *sets[] = {diff ? "crossbar.signed_scheme=differential" : "crossbar.column_flip=true"};
        arch_t a;
        imc_diag_t d;
        diag_init(&d);
        ck_assert_int_eq(arch_load("isaac", sets, 1, &a, &d), 0);
        diag_free(&d);
        int seen = 0;
        reseed(99);
        const char *yaml = "input: {features: 60}\nlayers:\n"
                           "  - {name: b1, type: linear, out_features: 40, quant: {scheme: binary}}\n"
                           "  - {name: b2, type: linear, out_features: 30, quant: {scheme: binary}}\n"
                           "  - {name: out, type: linear, out_features: 10, quant: {scheme: binary}}\n";
        model_t m;
        mapping_t mp;
        diag_init(&d);
        ck_assert_int_eq(model_load_string("b.yaml", yaml, strlen(yaml), &m, &d), 0);
        ck_assert_int_eq(compile_model(&a, &m, REPLICATE_NONE, &mp, &d), 0);
        dataset_t ds = {.n = 5, .h = 1, .w = 1, .c = 60, .classes = 1};
        ds.x = malloc(sizeof(float) * 300);
        ds.y = calloc(5, sizeof(int32_t));
        for (int i = 0; i < 300; i++)
            ds.x[i] = (float)(2 * unif() - 1);
        func_opts_t o = {.weights = rand_weights, .keep_outputs = 1};
        func_result_t r;
        ck_assert_msg(func_evaluate(&a, &mp, &ds, &o, &r, &d) == 0, "%s", d.text);
        ck_assert_uint_eq(r.layers[0].sense_decisions, 5 * 40);
        ck_assert_uint_eq(r.layers[1].sense_decisions, 5 * 30);
        ck_assert_uint_eq(r.layers[2].sense_decisions, 0);
        ck_assert_uint_gt(r.layers[2].conversions, 0);
        for (int li = 0; li < 3; li++) {
            ck_assert_uint_eq(r.layers[li].mismatches, 0);
            const func_capture_t *c = &r.capture[li];
            ck_assert(!memcmp(c->y_hw, c->y_int, sizeof(int64_t) * c->n_out));
        }
        for (int k = 0; k < 40; k++) /* the sensed outputs are signs */
            ck_assert(r.capture[0].out_hw[k] == 1 || r.capture[0].out_hw[k] == -1);
        ck_assert(r.agreement_int == 1.0);
        (void)seen;
        func_result_free(&r);
        free(ds.x);
        free(ds.y);
        mapping_free(&mp);
        model_free(&m);
        diag_free(&d);
    }
}
END_TEST

int main(void)
{
    const TTest *t[] = {random_layers_bit_exact, isaac_adc_is_lossless, binary_layers_sense};
    return check_run(check_suite("functional_exact", t, 3));
}
