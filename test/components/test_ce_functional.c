/* CE functional exactness over random configurations (fixed seed):
 * lossless ADC => y == W.x; fewer ADC bits => y and the clipped count equal an
 * independent reference model of saturating conversions. */
#include <check.h>

#include "check_run.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ce.h"
#include "fixtures.h"

static uint64_t rng_state;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static int64_t rint_in(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)); }

typedef struct cfg {
    int rows, cols, bc, d, wb, ib, sgn_in, unit, flip, adc_bits;
    arch_signed_scheme_t scheme;
    int n_in, n_out;
} cfg_t;

/* ---- independent reference: recomputes every column from the weights ---- */
static int64_t enc(const cfg_t *c, int64_t w, int g)
{
    if (c->scheme == SIGNED_OFFSET) return w + ((int64_t)1 << (c->wb - 1));
    if (c->scheme == SIGNED_DIFFERENTIAL) return g ? (w < 0 ? -w : 0) : (w > 0 ? w : 0);
    return w;
}

static uint64_t ref_clip;
static int64_t ref_adc(int64_t s, int bits)
{
    int64_t fs = ((int64_t)1 << bits) - 1;
    if (s > fs) { ref_clip++; return fs; }
    return s;
}

/* y = sum over input slices of +-2^shift * (per-block corrected column sums) */
static void reference(const cfg_t *c, const int64_t *W, const int64_t *x, int64_t *y)
{
    int S = (c->wb + c->bc - 1) / c->bc, G = c->scheme == SIGNED_DIFFERENTIAL ? 2 : 1;
    int opx = c->cols / (S * G), cmax = (1 << c->bc) - 1;
    memset(y, 0, sizeof *y * c->n_out);
    ref_clip = 0;
    /* slices: low bits in chunks of d (ib-1 of them if signed), then sign */
    int nlow = c->sgn_in ? c->ib - 1 : c->ib;
    int nsl = (nlow + c->d - 1) / c->d + (c->sgn_in ? 1 : 0);
    for (int k = 0; k < nsl; k++) {
        int is_sign = c->sgn_in && k == nsl - 1;
        int sh = is_sign ? c->ib - 1 : k * c->d;
        int wdt = is_sign ? 1 : (nlow - sh < c->d ? nlow - sh : c->d);
        for (int r0 = 0; r0 < c->n_in; r0 += c->rows) {
            int nr = c->n_in - r0 < c->rows ? c->n_in - r0 : c->rows;
            int64_t xs[512], ux = 0;
            for (int i = 0; i < nr; i++) {
                uint64_t bits = (uint64_t)x[r0 + i] & ((1ULL << c->ib) - 1);
                xs[i] = (int64_t)((bits >> sh) & ((1ULL << wdt) - 1));
                ux += xs[i];
            }
            for (int o0 = 0; o0 < c->n_out; o0 += opx) {
                int no = c->n_out - o0 < opx ? c->n_out - o0 : opx;
                int64_t u = c->unit ? ref_adc(ux, c->adc_bits) : ux;
                for (int o = o0; o < o0 + no; o++) {
                    int64_t p = 0;
                    for (int g = 0; g < G; g++)
                        for (int s = 0; s < S; s++) {
                            int64_t colsum = 0, sum = 0;
                            for (int i = 0; i < nr; i++)
                                colsum += (enc(c, W[(r0 + i) * c->n_out + o], g) >> (s * c->bc)) & cmax;
                            int fl = c->flip && 2 * colsum > (int64_t)nr * cmax;
                            for (int i = 0; i < nr; i++) {
                                int64_t cell = (enc(c, W[(r0 + i) * c->n_out + o], g) >> (s * c->bc)) & cmax;
                                sum += xs[i] * (fl ? cmax - cell : cell);
                            }
                            int64_t v = ref_adc(sum, c->adc_bits);
                            if (fl) v = cmax * u - v;
                            p += (g ? -1 : 1) * v * ((int64_t)1 << (s * c->bc));
                        }
                    if (c->scheme == SIGNED_OFFSET) p -= ((int64_t)1 << (c->wb - 1)) * u;
                    y[o] += (is_sign ? -1 : 1) * p * ((int64_t)1 << sh);
                }
            }
        }
    }
}

static int bits_for(int64_t maxv)
{
    int b = 1;
    while ((((int64_t)1 << b) - 1) < maxv) b++;
    return b;
}

static int lossless_bits(const cfg_t *c)
{
    int nr = c->n_in < c->rows ? c->n_in : c->rows;
    int64_t dmax = (1 << c->d) - 1, cmax = (1 << c->bc) - 1;
    int64_t col = dmax * (c->flip ? (nr * cmax) / 2 : nr * cmax);
    int64_t uc = c->unit ? dmax * nr : 0;
    return bits_for(col > uc ? col : uc);
}

static void random_cfg(cfg_t *c)
{
    static const int v124[] = {1, 2, 4};
    c->rows = (int)rint_in(32, 512);
    c->bc = v124[rnd() % 3];
    c->d = v124[rnd() % 3];
    c->wb = (int)rint_in(1, 16);
    c->ib = (int)rint_in(1, 16);
    c->sgn_in = (int)(rnd() % 2);
    c->scheme = (arch_signed_scheme_t)(rnd() % 3);
    c->flip = (int)(rnd() % 2);
    c->unit = (int)(rnd() % 2);
    int S = (c->wb + c->bc - 1) / c->bc, G = c->scheme == SIGNED_DIFFERENTIAL ? 2 : 1;
    c->cols = (int)rint_in(S * G, S * G * 8 > 256 ? S * G * 8 : 256);
    int opx = c->cols / (S * G);
    c->n_in = (int)rint_in(1, 2 * c->rows);
    c->n_out = (int)rint_in(1, 2 * opx < 40 ? 2 * opx : 40);
}

static void make_arch(arch_t *a, const cfg_t *c)
{
    fx_isaac(a);
    a->crossbar.rows = c->rows;
    a->crossbar.cols = c->cols;
    a->crossbar.unit_cols = c->unit;
    a->crossbar.signed_scheme = c->scheme;
    a->crossbar.column_flip = c->flip;
    a->device.bits_per_cell = c->bc;
    a->dac.bits = c->d;
    a->adc.bits = c->adc_bits;
    a->ce.crossbars = 4;
    a->ce.adcs = 4;
}

static void run_one(int idx, int lossy)
{
    cfg_t c;
    random_cfg(&c);
    int ll = lossless_bits(&c);
    c.adc_bits = lossy ? (ll > 1 ? (int)rint_in(ll > 4 ? ll - 4 : 1, ll - 1) : 1) : ll;
    arch_t a;
    make_arch(&a, &c);
    int64_t *W = malloc(sizeof *W * c.n_in * c.n_out), *x = malloc(sizeof *x * c.n_in);
    int64_t *y = malloc(sizeof *y * c.n_out), *yr = malloc(sizeof *yr * c.n_out);
    int64_t wlo = c.scheme == SIGNED_NONE ? 0 : -((int64_t)1 << (c.wb - 1));
    int64_t whi = c.scheme == SIGNED_NONE ? ((int64_t)1 << c.wb) - 1 : ((int64_t)1 << (c.wb - 1)) - 1;
    int64_t xlo = c.sgn_in ? -((int64_t)1 << (c.ib - 1)) : 0;
    int64_t xhi = c.sgn_in ? ((int64_t)1 << (c.ib - 1)) - 1 : ((int64_t)1 << c.ib) - 1;
    /* biased draws: some all-max rows/columns stress the ADC range */
    for (int i = 0; i < c.n_in * c.n_out; i++)
        W[i] = rnd() % 4 == 0 ? (rnd() % 2 ? whi : wlo) : rint_in(wlo, whi);
    for (int i = 0; i < c.n_in; i++)
        x[i] = rnd() % 4 == 0 ? (rnd() % 2 ? xhi : xlo) : rint_in(xlo, xhi);
    ce_t ce;
    ck_assert_int_eq(ce_init(&ce, &a), 0);
    char err[200];
    int rc = ce_program(&ce, W, c.n_in, c.n_out, c.wb, err, sizeof err);
    ck_assert_msg(rc == 0, "cfg %d: %s", idx, err);
    int64_t clipped = ce_mvm(&ce, x, c.ib, c.sgn_in, y, 0, NULL, err, sizeof err);
    ck_assert_msg(clipped >= 0, "cfg %d: %s", idx, err);
    char desc[200];
    snprintf(desc, sizeof desc,
             "cfg %d: rows %d cols %d bc %d dac %d wb %d ib %d sgn %d scheme %d flip %d unit %d "
             "adc %d n %dx%d", idx, c.rows, c.cols, c.bc, c.d, c.wb, c.ib, c.sgn_in, c.scheme,
             c.flip, c.unit, c.adc_bits, c.n_in, c.n_out);
    if (!lossy) {
        for (int o = 0; o < c.n_out; o++) {
            int64_t ref = 0;
            for (int i = 0; i < c.n_in; i++)
                ref += W[i * c.n_out + o] * x[i];
            ck_assert_msg(y[o] == ref, "%s: y[%d] = %lld, W.x = %lld", desc, o, (long long)y[o],
                          (long long)ref);
        }
        ck_assert_msg(clipped == 0, "%s: %lld clipped", desc, (long long)clipped);
    } else {
        reference(&c, W, x, yr);
        for (int o = 0; o < c.n_out; o++)
            ck_assert_msg(y[o] == yr[o], "%s: y[%d] = %lld, reference %lld", desc, o,
                          (long long)y[o], (long long)yr[o]);
        ck_assert_msg((uint64_t)clipped == ref_clip, "%s: clipped %lld, reference %llu", desc,
                      (long long)clipped, (unsigned long long)ref_clip);
        ck_assert_uint_eq(ce.adc.st.clipped, ref_clip);
    }
    ce_free(&ce);
    free(W); free(x); free(y); free(yr);
}

START_TEST(lossless_equals_integer_mvm)
{
    rng_state = 20261128;
    for (int i = 0; i < 220; i++)
        run_one(i, 0);
}
END_TEST

START_TEST(lossy_equals_clipping_reference)
{
    rng_state = 424242;
    uint64_t total_clipped = 0;
    for (int i = 0; i < 220; i++) {
        run_one(i, 1);
        total_clipped += ref_clip;
    }
    ck_assert_uint_gt(total_clipped, 0); /* the lossy runs really clip */
}
END_TEST

/* The ISAAC encoding: 16-bit signed weights biased by 2^15, flipped columns,
 * unit column: an 8-bit ADC is lossless for 128 rows of 2-bit cells. */
START_TEST(isaac_8bit_adc_is_lossless)
{
    arch_t a;
    fx_isaac(&a);
    ce_t ce;
    ck_assert_int_eq(ce_init(&ce, &a), 0);
    enum { NI = 128, NO = 128 };
    static int64_t W[NI * NO], x[NI], y[NO];
    rng_state = 7;
    for (int i = 0; i < NI * NO; i++) W[i] = rint_in(-32768, 32767);
    for (int i = 0; i < NI; i++) x[i] = rint_in(-32768, 32767);
    char err[200];
    ck_assert_int_eq(ce_program(&ce, W, NI, NO, 16, err, sizeof err), 0);
    ck_assert_int_eq(ce.map.row_blocks * ce.map.col_blocks, 8); /* 16 outputs per crossbar */
    ck_assert_int_eq(ce_mvm(&ce, x, 16, 1, y, 0, NULL, err, sizeof err), 0);
    for (int o = 0; o < NO; o++) {
        int64_t r = 0;
        for (int i = 0; i < NI; i++) r += W[i * NO + o] * x[i];
        ck_assert_int_eq(y[o], r);
    }
    /* without flipping the same data needs 9 bits: 7-bit-ADC-sized sums clip */
    a.crossbar.column_flip = 0;
    ce_t ce2;
    ce_init(&ce2, &a);
    for (int i = 0; i < NI * NO; i++) W[i] = 32767; /* all cells 3 after bias */
    ck_assert_int_eq(ce_program(&ce2, W, NI, NO, 16, err, sizeof err), 0);
    for (int i = 0; i < NI; i++) x[i] = -1; /* all input bits set */
    ck_assert_int_gt(ce_mvm(&ce2, x, 16, 1, y, 0, NULL, err, sizeof err), 0);
    ce_free(&ce);
    ce_free(&ce2);
}
END_TEST

START_TEST(bad_inputs_are_rejected)
{
    arch_t a;
    fx_isaac(&a);
    ce_t ce;
    ce_init(&ce, &a);
    char err[200];
    int64_t W[4] = {1, 2, 3, 40000}, x[2] = {0, 0}, y[2];
    ck_assert_int_eq(ce_mvm(&ce, x, 16, 1, y, 0, NULL, err, sizeof err), -1);
    ck_assert_str_eq(err, "MVM on a CE with no weights programmed");
    ck_assert_int_eq(ce_program(&ce, W, 2, 2, 16, err, sizeof err), -1);
    ck_assert_str_eq(err, "weight 40000 at (1,1) out of range (expected -32768..32767)");
    W[3] = 4;
    ck_assert_int_eq(ce_program(&ce, W, 2, 2, 16, err, sizeof err), 0);
    x[1] = 1 << 15;
    ck_assert_int_eq(ce_mvm(&ce, x, 16, 1, y, 0, NULL, err, sizeof err), -1);
    ck_assert_str_eq(err, "input 32768 at 1 out of range (expected -32768..32767)");
    static int64_t big[2000 * 200];
    ck_assert_int_eq(ce_program(&ce, big, 2000, 200, 16, err, sizeof err), -1);
    ck_assert_str_eq(err, "2000x200 matrix needs 208 crossbars (expected at most 8)");
    ce_free(&ce);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ce_functional");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, lossless_equals_integer_mvm);
    tcase_add_test(tc, lossy_equals_clipping_reference);
    tcase_add_test(tc, isaac_8bit_adc_is_lossless);
    tcase_add_test(tc, bad_inputs_are_rejected);
    suite_add_tcase(s, tc);
    return check_run(s);
}
