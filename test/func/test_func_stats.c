/* The functional run's error statistics at any magnitude of the data
 * (docs/functional.md, "JSON"):
 *
 *  - func_sumsq_t, the sums of squares behind rel_rmse: the bits of plain
 *    double sums where those neither overflow nor underflow; at 2^900 and
 *    2^-900, where plain sums give inf/inf and 0, the same result; mixed
 *    magnitudes against long double sums;
 *  - a network without biases (conv, relu, max pool, linear) on noisy devices:
 *    activation scales are calibrated per tensor from the data, so inputs
 *    times 2^k give the same codes and every output times 2^k, exactly, hence
 *    the same rel_rmse bits, for every k whose outputs a float holds; at the
 *    first k whose outputs overflow the run stops with a message naming the
 *    layer (before: exit 0 and null statistics);
 *  - rel_rmse of one image equals its long double recomputation from the
 *    layer outputs (the difference of two outputs is taken in double: in
 *    float it rounds, and overflows for outputs of opposite sign);
 *  - an input far beyond the calibrated range saturates its code (x / s beyond
 *    int64 made llround's result undefined: a huge value coded as 0). */
#include <check.h>
#include <float.h>
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

/* sqrt(sum e^2 / sum r^2) with plain double sums (the old computation). */
static double plain_rel(const double *e, const double *r, int n)
{
    double se = 0, sr = 0;
    for (int i = 0; i < n; i++) {
        se += e[i] * e[i];
        sr += r[i] * r[i];
    }
    return sr > 0 ? sqrt(se / sr) : sqrt(se);
}

static double helper_rel(const double *e, const double *r, int n, int scale)
{
    func_sumsq_t se = {0}, sr = {0};
    for (int i = 0; i < n; i++) {
        func_sumsq_add(&se, ldexp(e[i], scale));
        func_sumsq_add(&sr, ldexp(r[i], scale));
    }
    return func_rel_rmse(&se, &sr);
}

START_TEST(sums_of_squares_at_any_magnitude)
{
    enum { N = 5000 };
    static double e[N], r[N];
    ni_rng_t g;
    ni_rng_seed(&g, 21, 0, 0, 0);
    for (int i = 0; i < N; i++) { /* errors of about 1 %, some exact zeros */
        r[i] = ni_rng_normal(&g) * (1 + 10 * ni_rng_uniform(&g));
        e[i] = i % 7 ? 0.01 * ni_rng_normal(&g) * r[i] : 0;
    }
    double plain = plain_rel(e, r, N), mine = helper_rel(e, r, N, 0);
    ck_assert_msg(!memcmp(&plain, &mine, sizeof plain), "%.17g vs plain %.17g", mine, plain);
    /* scaled out of the range of squares: plain sums fail, the helper does not */
    double up = plain_rel((double[]){ldexp(e[1], 900)}, (double[]){ldexp(r[1], 900)}, 1);
    ck_assert_msg(isnan(up), "plain sums at 2^900: %g (expected NaN: inf / inf)", up);
    for (int s = -900; s <= 900; s += 300) {
        double v = helper_rel(e, r, N, s);
        ck_assert_msg(!memcmp(&v, &plain, sizeof v), "scaled by 2^%d: %.17g vs %.17g", s, v,
                      plain);
    }
    /* one reference value 0 and everything else tiny: sqrt(sum e^2) */
    func_sumsq_t se = {0}, sr = {0};
    func_sumsq_add(&se, 3e-300);
    func_sumsq_add(&se, -4e-300);
    func_sumsq_add(&sr, 0);
    double tiny = func_rel_rmse(&se, &sr);
    ck_assert_msg(fabs(tiny - 5e-300) <= 1e-15 * 5e-300, "%.17g (expected 5e-300)", tiny);
    /* mixed magnitudes, 1e-300 to 1e300, against long double sums */
    long double le = 0, lr = 0;
    func_sumsq_t me = {0}, mr = {0};
    for (int i = 0; i < N; i++) {
        double m = pow(10, -300 + 600.0 * ni_rng_uniform(&g));
        double x = e[i] * m, y = r[i] * m;
        le += (long double)x * x;
        lr += (long double)y * y;
        func_sumsq_add(&me, x);
        func_sumsq_add(&mr, y);
    }
    double want = (double)sqrtl(le / lr), got = func_rel_rmse(&me, &mr);
    printf("rel RMSE %.15g: plain sums the same bits; scaled by 2^+-900 the same; mixed "
           "magnitudes %.15g vs long double %.15g\n", plain, got, want);
    ck_assert_msg(fabs(got - want) <= 1e-13 * want, "%.17g vs long double %.17g", got, want);
    /* a value that is not finite is not hidden */
    func_sumsq_add(&me, INFINITY);
    ck_assert(isnan(func_rel_rmse(&me, &mr)));
}
END_TEST

/* ---- a small network without biases ---- */

static const char *yaml =
    "input: {height: 6, width: 6, channels: 2}\nlayers:\n"
    "  - {name: conv1, type: conv2d, out_channels: 4, kernel: 3, padding: 1, activation: relu}\n"
    "  - {name: pool, type: maxpool, kernel: 2}\n"
    "  - {name: fc, type: linear, out_features: 5}\n";

static int weights_nobias(void *ctx, const model_t *m, int li, layer_weights_t *out, imc_diag_t *d)
{
    (void)ctx, (void)d;
    const layer_t *L = &m->layers[li];
    ni_rng_t g;
    ni_rng_seed(&g, 5, (uint64_t)li, 0, 0);
    out->n_out = L->out_c;
    out->n_in = L->kind == LAYER_CONV ? L->kx * L->ky * L->in_c : L->in_h * L->in_w * L->in_c;
    out->w = malloc(sizeof(float) * (size_t)out->n_out * out->n_in);
    out->bias = NULL; /* a bias would not scale with the inputs */
    for (int i = 0; i < out->n_out * out->n_in; i++)
        out->w[i] = (float)ni_rng_normal(&g);
    return 0;
}

typedef struct net {
    arch_t a;
    model_t m;
    mapping_t mp;
    imc_diag_t d;
} net_t;

/* Device variation and read noise make the hardware inexact; a 4-bit ADC
 * over the full column range (coarse) makes it far off. */
static void net_open(net_t *n, int coarse)
{
    const char *sets[] = {"precision.act_bits=8", "precision.weight_bits=8",
                          "nonideal.variation=true", "nonideal.read_noise=true", "adc.bits=4",
                          "adc.lsb=0"};
    diag_init(&n->d);
    ck_assert_msg(arch_load("isaac", sets, coarse ? 6 : 4, &n->a, &n->d) == 0, "%s", n->d.text);
    ck_assert_msg(model_load_string("nobias.yaml", yaml, strlen(yaml), &n->m, &n->d) == 0, "%s",
                  n->d.text);
    ck_assert_msg(compile_model(&n->a, &n->m, REPLICATE_NONE, &n->mp, &n->d) == 0, "%s",
                  n->d.text);
    diag_clear(&n->d);
}

static void net_close(net_t *n)
{
    mapping_free(&n->mp);
    model_free(&n->m);
    diag_free(&n->d);
}

/* The data set x times 2^k (exact in float while it stays in range). */
static int evaluate(net_t *n, const float *x, int images, int k, const float *calib, int keep,
                    func_result_t *r)
{
    dataset_t ds = {.n = images, .h = 6, .w = 6, .c = 2, .classes = 5};
    size_t per = 72;
    ds.x = malloc(sizeof(float) * per * images);
    ds.y = calloc((size_t)images, sizeof(int32_t));
    for (size_t i = 0; i < per * images; i++)
        ds.x[i] = ldexpf(x[i], k);
    func_opts_t o = {.seed = 1, .weights = weights_nobias, .keep_outputs = keep};
    if (calib) {
        o.calib = calib;
        o.n_calib = 1;
    }
    diag_clear(&n->d);
    int rc = func_evaluate(&n->a, &n->mp, &ds, &o, r, &n->d);
    free(ds.x);
    free(ds.y);
    return rc;
}

static void random_inputs(float *x, size_t n, uint64_t seed)
{
    ni_rng_t g;
    ni_rng_seed(&g, seed, 0, 0, 0);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(2 * ni_rng_uniform(&g) - 1);
}

START_TEST(scaled_inputs_same_rel_rmse_then_a_clear_error)
{
    enum { IMAGES = 6 };
    static float x[72 * IMAGES];
    random_inputs(x, sizeof x / sizeof x[0], 8);
    net_t n;
    net_open(&n, 0);
    func_result_t r0, r;
    ck_assert_msg(evaluate(&n, x, IMAGES, 0, NULL, 0, &r0) == 0, "%s", n.d.text);
    int last = -1;
    for (int k = 1; k <= 127; k++) {
        if (evaluate(&n, x, IMAGES, k, NULL, 0, &r)) {
            /* the first k whose outputs a float cannot hold: one clear message */
            printf("inputs x 2^%d: %s", k, n.d.text);
            ck_assert_int_eq(n.d.errors, 1);
            ck_assert_msg(strstr(n.d.text, "layer '") && strstr(n.d.text, "inf in the") &&
                          strstr(n.d.text, "scale the inputs down"), "%s", n.d.text);
            last = k - 1;
            break;
        }
        for (int li = 0; li < r.n_layers; li++) {
            const func_layer_result_t *a = &r0.layers[li], *b = &r.layers[li];
            ck_assert_msg(isfinite(b->rel_rmse) && !memcmp(&a->rel_rmse, &b->rel_rmse,
                                                           sizeof a->rel_rmse) &&
                          !memcmp(&a->rel_rmse_int, &b->rel_rmse_int, sizeof a->rel_rmse_int),
                          "inputs x 2^%d, layer %s: rel_rmse %.17g, %.17g (expected %.17g, "
                          "%.17g as unscaled)", k, b->name, b->rel_rmse, b->rel_rmse_int,
                          a->rel_rmse, a->rel_rmse_int);
        }
        ck_assert(r.agreement_float == r0.agreement_float && r.top1 == r0.top1);
        func_result_free(&r);
    }
    printf("rel_rmse of conv1, pool, fc: %.6g, %.6g, %.6g; the same bits for inputs x 2^1 to "
           "x 2^%d (|x| up to %.3g)\n", r0.layers[0].rel_rmse, r0.layers[1].rel_rmse,
           r0.layers[2].rel_rmse, last, ldexp(1, last));
    /* the devices make real errors; 2^100 (1.3e30) and more fit */
    ck_assert(r0.layers[2].rel_rmse > 0.01 && r0.layers[2].rel_rmse_int > 0.01);
    ck_assert_int_ge(last, 100);
    func_result_free(&r0);
    net_close(&n);
}
END_TEST

/* sqrt(sum (a - b)^2 / sum b^2) in long double. */
static double ld_rel(const float *a, const float *b, int n)
{
    long double se = 0, sr = 0;
    for (int i = 0; i < n; i++) {
        long double d = (long double)a[i] - b[i];
        se += d * d;
        sr += (long double)b[i] * b[i];
    }
    return (double)(sr > 0 ? sqrtl(se / sr) : sqrtl(se));
}

START_TEST(one_image_against_long_double)
{
    static float x[72];
    random_inputs(x, 72, 9);
    net_t n;
    net_open(&n, 1); /* outputs far from the references: differences that a float rounds */
    for (int k = 0; k <= 116; k += 58) { /* also with outputs near the top of a float */
        func_result_t r;
        ck_assert_msg(evaluate(&n, x, 1, k, NULL, 1, &r) == 0, "%s", n.d.text);
        for (int li = 0; li < r.n_layers; li++) {
            const func_capture_t *c = &r.capture[li];
            double f = ld_rel(c->out_hw, c->out_float, c->size);
            double i = ld_rel(c->out_hw, c->out_int, c->size);
            const func_layer_result_t *l = &r.layers[li];
            ck_assert_msg(fabs(l->rel_rmse - f) <= 1e-14 * f &&
                          fabs(l->rel_rmse_int - i) <= 1e-14 * i,
                          "x 2^%d, layer %s: rel_rmse %.17g, %.17g; long double %.17g, %.17g",
                          k, l->name, l->rel_rmse, l->rel_rmse_int, f, i);
        }
        printf("x 2^%d: rel_rmse of fc %.15g (long double %.15g)\n", k, r.layers[2].rel_rmse,
               ld_rel(r.capture[2].out_hw, r.capture[2].out_float, r.capture[2].size));
        func_result_free(&r);
    }
    net_close(&n);
}
END_TEST

START_TEST(input_beyond_calibration_saturates)
{
    static float x[72], cal[72];
    random_inputs(x, 72, 10);
    random_inputs(cal, 72, 11);
    x[0] = 1e30f; /* input (0,0), channel 0: 1e30 times the calibrated range */
    net_t n;
    net_open(&n, 0);
    func_result_t r;
    ck_assert_msg(evaluate(&n, x, 1, 0, cal, 1, &r) == 0, "%s", n.d.text);
    /* conv1's first window (padding 1): input (0,0) is kernel tap (1,1), row 4 * 2 */
    const func_capture_t *c = &r.capture[0];
    int b = n.a.precision.act_bits;
    int64_t top = ((int64_t)1 << b) - 1, off = n.a.precision.signed_inputs ? top / 2 + 1 : 0;
    printf("an input of 1e30 on a calibrated range of 1: crossbar input %lld (the top code %lld "
           "- %lld)\n", (long long)c->x[8], (long long)top, (long long)off);
    ck_assert_int_eq(c->x[8], top - off);
    func_result_free(&r);
    net_close(&n);
}
END_TEST

int main(void)
{
    const TTest *t[] = {sums_of_squares_at_any_magnitude,
                        scaled_inputs_same_rel_rmse_then_a_clear_error,
                        one_image_against_long_double, input_beyond_calibration_saturates};
    return check_run(check_suite("func_stats", t, 4));
}
