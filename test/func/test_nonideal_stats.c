/* Non-idealities against their closed forms, over thousands of seeded draws
 * (docs/functional.md): variation and read noise give column-sum errors of
 * standard deviation sigma * sqrt(sum (g x)^2); stuck-at rates give the
 * expected column sum (1 - p_on - p_off) S + (p_on G_on + p_off G_off) sum x;
 * drift scales every conductance by (t/t0)^-nu and the finite on/off ratio
 * adds G_off sum x (both exact to the 1e-6 of float conductance storage); the
 * ADC's offset and gain shift and scale its transfer curve
 * exactly as set. The arch is the isaac preset with --set overrides. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_load.h"
#include "ce.h"
#include "nonideal.h"
#include "periph.h"
#include "xbar.h"

#include "check_run.h"

static arch_t load(const char *const *sets, int n)
{
    arch_t a;
    imc_diag_t d;
    diag_init(&d);
    int rc = arch_load("isaac", sets, n, &a, &d);
    ck_assert_msg(rc == 0, "%s", d.text ? d.text : "");
    diag_free(&d);
    return a;
}

enum { R = 128 };

/* One crossbar with random 2-bit levels in every data column, and a random
 * 0/1 input slice. */
typedef struct bench {
    arch_t a;
    xbar_t x;
    ni_model_t m;
    uint8_t vals[R * 128];
    double v[R];
    double *scratch, cur[129];
} bench_t;

static void bench_init(bench_t *b, const char *const *sets, int n)
{
    b->a = load(sets, n);
    ck_assert_int_eq(xbar_init(&b->x, &b->a), 0);
    ck_assert_int_eq(xbar_clear(&b->x), 0);
    ni_model_init(&b->m, &b->a);
    ni_rng_t r;
    ni_rng_seed(&r, 99, 0, 0, 0);
    for (int i = 0; i < R * 128; i++)
        b->vals[i] = (uint8_t)(ni_rng_u64(&r) % 4);
    for (int i = 0; i < R; i++)
        b->v[i] = (double)(ni_rng_u64(&r) % 2);
    xbar_program(&b->x, b->vals, R, 0, 128, NULL);
    b->scratch = malloc(sizeof(double) * ni_scratch_doubles(R, b->x.phys_cols));
}

static void bench_free(bench_t *b)
{
    xbar_free(&b->x);
    free(b->scratch);
}

/* Ideal column sums S_c = sum_r x_r level_rc and sqrt(sum (x level)^2). */
static void ideal(const bench_t *b, double *S, double *rss, double *sumx)
{
    *sumx = 0;
    for (int r = 0; r < R; r++)
        *sumx += b->v[r];
    for (int c = 0; c < 128; c++) {
        double s = 0, q = 0;
        for (int r = 0; r < R; r++) {
            double t = b->v[r] * b->vals[r * 128 + c];
            s += t;
            q += t * t;
        }
        S[c] = s;
        rss[c] = sqrt(q);
    }
}

/* Device-to-device variation: z-scores of the column errors over 100 device
 * draws x 128 columns have unit standard deviation within 5 %. */
START_TEST(variation_sigma_closed_form)
{
    const char *sets[] = {"nonideal.variation=true", "device.variation_sigma=0.1"};
    bench_t b;
    bench_init(&b, sets, 2);
    double S[128], rss[128], sumx, zz = 0, zsum = 0;
    ideal(&b, S, rss, &sumx);
    int n = 0;
    for (int draw = 0; draw < 100; draw++) {
        ni_rng_t r;
        ni_rng_seed(&r, 1234, (uint64_t)draw, 0, 1);
        ck_assert_int_eq(xbar_condition(&b.x, &b.m, &r), 0);
        xbar_read_analog(&b.x, &b.m, b.v, R, b.cur, b.scratch, &r);
        for (int c = 0; c < 128; c++) {
            if (rss[c] == 0)
                continue;
            double z = (b.cur[c] - S[c]) / (0.1 * rss[c]);
            zz += z * z;
            zsum += z;
            n++;
        }
    }
    double sd = sqrt(zz / n - (zsum / n) * (zsum / n));
    printf("variation: %d column draws, error sd / (sigma sqrt(sum (g x)^2)) = %.4f, mean z %.4f\n",
           n, sd, zsum / n);
    ck_assert_int_ge(n, 1000);
    ck_assert_msg(fabs(sd - 1) < 0.05, "sd ratio %.4f", sd);
    ck_assert_msg(fabs(zsum / n) < 0.05, "mean z %.4f", zsum / n);
    bench_free(&b);
}
END_TEST

/* Read noise: the same closed form over 100 reads of one device instance. */
START_TEST(read_noise_closed_form)
{
    const char *sets[] = {"nonideal.read_noise=true", "device.read_noise_sigma=0.05"};
    bench_t b;
    bench_init(&b, sets, 2);
    double S[128], rss[128], sumx, zz = 0, zsum = 0;
    ideal(&b, S, rss, &sumx);
    ni_rng_t r;
    ni_rng_seed(&r, 5, 0, 0, 1);
    ck_assert_int_eq(xbar_condition(&b.x, &b.m, &r), 0);
    int n = 0;
    for (int read = 0; read < 100; read++) {
        xbar_read_analog(&b.x, &b.m, b.v, R, b.cur, b.scratch, &r);
        for (int c = 0; c < 128; c++) {
            if (rss[c] == 0)
                continue;
            double z = (b.cur[c] - S[c]) / (0.05 * rss[c]);
            zz += z * z;
            zsum += z;
            n++;
        }
    }
    double sd = sqrt(zz / n - (zsum / n) * (zsum / n));
    printf("read noise: %d column reads, sd ratio %.4f, mean z %.4f\n", n, sd, zsum / n);
    ck_assert_int_ge(n, 1000);
    ck_assert_msg(fabs(sd - 1) < 0.05, "sd ratio %.4f", sd);
    bench_free(&b);
}
END_TEST

/* Stuck-at: the mean column sum over 1000 device draws against
 * (1 - p_on - p_off) S + (p_on G_on + p_off G_off) sum x within 2 %, with and
 * without a finite on/off ratio (G_off = 3/(ratio-1) level units). */
START_TEST(stuck_at_closed_form)
{
    for (int finite = 0; finite < 2; finite++) {
        const char *sets[] = {"nonideal.stuck_at=true", "device.stuck_on_rate=0.05",
                              "device.stuck_off_rate=0.1", "nonideal.on_off_ratio=true",
                              "device.on_off_ratio=10"};
        bench_t b;
        bench_init(&b, sets, finite ? 5 : 3);
        double S[128], rss[128], sumx, mean[128] = {0};
        ideal(&b, S, rss, &sumx);
        double goff = finite ? 3.0 / 9.0 : 0, gon = 3 + goff;
        const int draws = 1000;
        for (int draw = 0; draw < draws; draw++) {
            ni_rng_t r;
            ni_rng_seed(&r, 77, (uint64_t)draw, 0, 1);
            ck_assert_int_eq(xbar_condition(&b.x, &b.m, &r), 0);
            xbar_read_analog(&b.x, &b.m, b.v, R, b.cur, b.scratch, &r);
            for (int c = 0; c < 128; c++)
                mean[c] += b.cur[c] / draws;
        }
        double worst = 0;
        for (int c = 0; c < 128; c++) {
            /* S counts levels; with G_off every cell also conducts G_off */
            double s = S[c] + goff * sumx;
            double want = (1 - 0.05 - 0.1) * s + (0.05 * gon + 0.1 * goff) * sumx;
            double e = fabs(mean[c] - want) / want;
            worst = e > worst ? e : worst;
        }
        printf("stuck-at (G_off %.3f): worst column mean off by %.3f %% over %d draws\n", goff,
               100 * worst, draws);
        ck_assert_msg(worst < 0.02, "stuck-at mean off by %.3f %%", 100 * worst);
        bench_free(&b);
    }
}
END_TEST

/* Drift: every column current is the drift-free one times (t/t0)^-nu. The
 * finite on/off ratio alone adds exactly G_off sum x. */
START_TEST(drift_and_on_off_exact)
{
    const char *sets[] = {"nonideal.drift=true", "device.drift_nu=0.05", "device.drift_t0_s=20",
                          "nonideal.drift_time_s=86400"};
    bench_t b;
    bench_init(&b, sets, 4);
    double S[128], rss[128], sumx;
    ideal(&b, S, rss, &sumx);
    ni_rng_t r;
    ni_rng_seed(&r, 1, 0, 0, 0);
    ck_assert_int_eq(xbar_condition(&b.x, &b.m, &r), 0);
    xbar_read_analog(&b.x, &b.m, b.v, R, b.cur, b.scratch, &r);
    double f = pow(86400.0 / 20.0, -0.05);
    for (int c = 0; c < 128; c++)
        ck_assert_double_eq_tol(b.cur[c], S[c] * f, 1e-6 * (1 + S[c]));
    bench_free(&b);

    const char *sets2[] = {"nonideal.on_off_ratio=true", "device.on_off_ratio=31"};
    bench_init(&b, sets2, 2);
    ideal(&b, S, rss, &sumx);
    ck_assert_int_eq(xbar_condition(&b.x, &b.m, &r), 0);
    xbar_read_analog(&b.x, &b.m, b.v, R, b.cur, b.scratch, &r);
    for (int c = 0; c < 128; c++) /* G_off = 3 / (31 - 1) = 0.1 level */
        ck_assert_double_eq_tol(b.cur[c], S[c] + 0.1 * sumx, 1e-6 * (1 + S[c]));
    bench_free(&b);
}
END_TEST

/* The ADC transfer curve: code = clamp(round((1 + gain) v + offset), 0, 255). */
START_TEST(adc_offset_gain_exact)
{
    const char *sets[] = {"nonideal.adc_error=true", "adc.offset_lsb=3.25", "adc.gain_error=-0.04"};
    arch_t a = load(sets, 3);
    adc_t adc;
    adc_init(&adc, &a);
    ni_model_t m;
    ni_model_init(&m, &a);
    ni_rng_t r;
    ni_rng_seed(&r, 1, 0, 0, 0);
    uint64_t clipped = 0, want_clipped = 0;
    for (int i = 0; i <= 3000; i++) {
        double v = i * 0.1;
        double t = 0.96 * v + 3.25, code = floor(t + 0.5);
        int64_t want = code > 255 ? 255 : code < 0 ? 0 : (int64_t)code;
        want_clipped += code > 255;
        ck_assert_int_eq(adc_convert(&adc, &m, v, &r, &clipped), want);
    }
    ck_assert_uint_eq(clipped, want_clipped);
    ck_assert_uint_gt(clipped, 0);
    /* off: the ideal rounding of the same inputs */
    const char *off[] = {"adc.offset_lsb=3.25", "adc.gain_error=-0.04"};
    arch_t b = load(off, 2);
    ni_model_init(&m, &b);
    for (int i = 0; i <= 2550; i++)
        ck_assert_int_eq(adc_convert(&adc, &m, i * 0.1, &r, &clipped), (int64_t)floor(i * 0.1 + 0.5));
}
END_TEST

/* ADC noise: codes of a fixed input have the variance of a rounded Gaussian,
 * sigma^2 + 1/12 (Sheppard), within 5 %, and no bias. */
START_TEST(adc_noise_closed_form)
{
    const char *sets[] = {"nonideal.adc_error=true", "adc.noise_lsb=2"};
    arch_t a = load(sets, 2);
    adc_t adc;
    adc_init(&adc, &a);
    ni_model_t m;
    ni_model_init(&m, &a);
    ni_rng_t r;
    ni_rng_seed(&r, 3, 0, 0, 0);
    uint64_t clipped = 0;
    double s = 0, ss = 0;
    const int n = 20000;
    for (int i = 0; i < n; i++) {
        double v = 100 + (i % 100) * 0.01; /* spread over one LSB */
        double e = (double)adc_convert(&adc, &m, v, &r, &clipped) - v;
        s += e;
        ss += e * e;
    }
    double var = ss / n - (s / n) * (s / n), want = 4 + 1.0 / 12;
    printf("ADC noise: variance %.4f (closed form %.4f), mean %.4f\n", var, want, s / n);
    ck_assert_msg(fabs(var / want - 1) < 0.05, "variance %.4f", var);
    ck_assert_msg(fabs(s / n) < 0.05, "mean %.4f", s / n);
}
END_TEST

/* Same seed, same devices; another seed, other devices. */
START_TEST(seeded_and_deterministic)
{
    const char *sets[] = {"nonideal.variation=true", "nonideal.read_noise=true"};
    bench_t b;
    bench_init(&b, sets, 2);
    double c1[129], c2[129];
    ni_rng_t r;
    for (int k = 0; k < 3; k++) {
        ni_rng_seed(&r, k < 2 ? 42 : 43, 0, 0, 0);
        ck_assert_int_eq(xbar_condition(&b.x, &b.m, &r), 0);
        xbar_read_analog(&b.x, &b.m, b.v, R, k ? c2 : c1, b.scratch, &r);
        if (k == 1)
            ck_assert_mem_eq(c1, c2, sizeof c1);
        if (k == 2)
            ck_assert(memcmp(c1, c2, sizeof c1) != 0);
    }
    bench_free(&b);
}
END_TEST

int main(void)
{
    const TTest *t[] = {variation_sigma_closed_form, read_noise_closed_form, stuck_at_closed_form,
                        drift_and_on_off_exact, adc_offset_gain_exact, adc_noise_closed_form,
                        seeded_and_deterministic};
    return check_run(check_suite("nonideal_stats", t, 7));
}
