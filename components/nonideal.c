#include "nonideal.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------ rng */

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void ni_rng_seed(ni_rng_t *r, uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    /* Mix the tuple through splitmix so nearby tuples give unrelated states. */
    uint64_t x = seed;
    x = splitmix(&x) ^ a;
    x = splitmix(&x) ^ b;
    x = splitmix(&x) ^ c;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix(&x);
    r->has_spare = 0;
    r->spare = 0;
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t ni_rng_u64(ni_rng_t *r)
{
    uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

double ni_rng_uniform(ni_rng_t *r) { return (double)(ni_rng_u64(r) >> 11) * 0x1.0p-53; }

double ni_rng_normal(ni_rng_t *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    /* Box-Muller on (0,1] x [0,1): both normals of a pair are used. */
    double u = 1.0 - ni_rng_uniform(r), v = ni_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u)), th = 6.283185307179586 * v;
    r->spare = rad * sin(th);
    r->has_spare = 1;
    return rad * cos(th);
}

/* ---------------------------------------------------------------- cells */

void ni_model_init(ni_model_t *m, const arch_t *a)
{
    const arch_nonideal_t *n = &a->nonideal;
    const arch_device_t *d = &a->device;
    memset(m, 0, sizeof *m);
    m->levels = 1 << d->bits_per_cell;
    double top = m->levels - 1;
    /* G_on / G_off = ratio with G_on = top + G_off (level units). */
    if (n->on_off_ratio) /* the ratio is above 1 (arch params) */
        m->g_off = top / (d->on_off_ratio - 1.0);
    m->g_on = top + m->g_off;
    if (n->variation)
        m->variation_sigma = d->variation_sigma;
    if (n->read_noise)
        m->read_sigma = d->read_noise_sigma;
    if (n->stuck_at) {
        m->stuck_on = d->stuck_on_rate;
        m->stuck_off = d->stuck_off_rate;
    }
    m->drift_factor = 1;
    if (n->drift && n->drift_time_s > d->drift_t0_s && d->drift_t0_s > 0)
        m->drift_factor = pow(n->drift_time_s / d->drift_t0_s, -d->drift_nu);
    if (n->ir_drop && a->crossbar.wire_resistance_ohm > 0 && d->g_on_us > 0) {
        /* one level step in siemens: G_on spans top steps above G_off */
        double step_s = d->g_on_us * 1e-6 / m->g_on;
        m->rho = a->crossbar.wire_resistance_ohm * step_s;
        m->ir_iterations = n->ir_drop_iterations > 0 ? n->ir_drop_iterations : 1;
    }
    if (n->adc_error) {
        m->adc_error = 1;
        m->adc_offset = a->adc.offset_lsb;
        m->adc_gain = a->adc.gain_error;
        m->adc_noise = a->adc.noise_lsb;
    }
    m->per_cell = m->variation_sigma > 0 || m->stuck_on > 0 || m->stuck_off > 0;
    m->any = m->per_cell || m->g_off > 0 || m->read_sigma > 0 || m->drift_factor != 1 ||
             m->rho > 0 || m->adc_error;
}

double ni_level_conductance(const ni_model_t *m, int level)
{
    return (level + m->g_off) * m->drift_factor;
}

double ni_cell_conductance(const ni_model_t *m, int level, ni_rng_t *r)
{
    double g = level + m->g_off;
    if (m->variation_sigma > 0) {
        g *= 1.0 + m->variation_sigma * ni_rng_normal(r);
        if (g < 0)
            g = 0; /* a conductance is never negative */
    }
    if (m->stuck_on > 0 || m->stuck_off > 0) {
        double u = ni_rng_uniform(r);
        if (u < m->stuck_on)
            g = m->g_on;
        else if (u < m->stuck_on + m->stuck_off)
            g = m->g_off;
    }
    return g * m->drift_factor;
}

/* ---------------------------------------------------------------- IR drop */

/* Solves the tridiagonal system (sub = sup = -w) with diagonal diag[] and
 * right side rhs[] in place into x[] (Thomas algorithm); cp is scratch. */
static void tridiag(int n, double w, const double *diag, const double *rhs, double *x, double *cp)
{
    double b = diag[0];
    x[0] = rhs[0] / b;
    for (int i = 1; i < n; i++) {
        cp[i] = -w / b;
        b = diag[i] + w * cp[i];
        x[i] = (rhs[i] + w * x[i - 1]) / b;
    }
    for (int i = n - 2; i >= 0; i--)
        x[i] -= cp[i + 1] * x[i + 1];
}

/* g is float (the crossbar's storage) with row stride ld. */
static void irdrop_solve_f(const float *g, int ld, int R, int C, const double *v, double rho,
                           int sweeps, double *vr, double *vc, double *out, double *work)
{
    double w = 1.0 / rho;
    int n = R > C ? R : C;
    double *diag = work, *rhs = work + n, *x = work + 2 * n, *cp = work + 3 * n;
    for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++) {
            vr[(size_t)i * C + j] = v[i];
            vc[(size_t)i * C + j] = 0;
        }
    for (int s = 0; s < sweeps; s++) {
        /* rows: driver at v[i] through w on the left, open at the right end */
        for (int i = 0; i < R; i++) {
            const float *gi = g + (size_t)i * ld;
            for (int j = 0; j < C; j++) {
                diag[j] = (j + 1 < C ? 2 * w : w) + gi[j];
                rhs[j] = gi[j] * vc[(size_t)i * C + j];
            }
            rhs[0] += w * v[i];
            tridiag(C, w, diag, rhs, x, cp);
            memcpy(vr + (size_t)i * C, x, sizeof *x * C);
        }
        /* columns: open at the top (row 0), to virtual ground through w below row R-1 */
        for (int j = 0; j < C; j++) {
            for (int i = 0; i < R; i++) {
                double gij = g[(size_t)i * ld + j];
                diag[i] = (i > 0 ? 2 * w : w) + gij;
                rhs[i] = gij * vr[(size_t)i * C + j];
            }
            if (R == 1)
                diag[0] = w + g[j];
            tridiag(R, w, diag, rhs, x, cp);
            for (int i = 0; i < R; i++)
                vc[(size_t)i * C + j] = x[i];
        }
    }
    for (int j = 0; j < C; j++)
        out[j] = w * vc[(size_t)(R - 1) * C + j];
}

void ni_irdrop_solve(const double *g, int nrows, int ncols, const double *v, double rho,
                     int sweeps, double *vr, double *vc, double *out, double *work)
{
    /* The public form takes doubles: copy into float storage like a crossbar's. */
    float *gf = (float *)(work + 4 * (size_t)(nrows > ncols ? nrows : ncols));
    for (size_t i = 0; i < (size_t)nrows * ncols; i++)
        gf[i] = (float)g[i];
    irdrop_solve_f(gf, ncols, nrows, ncols, v, rho, sweeps, vr, vc, out, work);
}

size_t ni_scratch_doubles(int nrows, int ncols)
{
    size_t n = (size_t)(nrows > ncols ? nrows : ncols);
    return 2 * (size_t)nrows * ncols + 4 * n + (size_t)nrows * ncols;
}

void ni_column_currents(const ni_model_t *m, const float *g, int ld, int R, int C,
                        const double *v, double *out, double *scratch, ni_rng_t *r)
{
    double *vr = NULL, *vc = NULL;
    if (m->rho > 0) {
        vr = scratch;
        vc = scratch + (size_t)R * C;
        double *work = scratch + 2 * (size_t)R * C;
        irdrop_solve_f(g, ld, R, C, v, m->rho, m->ir_iterations, vr, vc, out, work);
    } else {
        memset(out, 0, sizeof *out * C);
        for (int i = 0; i < R; i++) {
            if (v[i] == 0)
                continue;
            const float *gi = g + (size_t)i * ld;
            for (int j = 0; j < C; j++)
                out[j] += v[i] * gi[j];
        }
    }
    if (m->read_sigma <= 0)
        return;
    /* Each cell current I varies by read_sigma * I * z, independently: the
     * column's sum varies by read_sigma * sqrt(sum I^2) * z. */
    for (int j = 0; j < C; j++) {
        double ss = 0;
        for (int i = 0; i < R; i++) {
            double gij = g[(size_t)i * ld + j];
            double cur = vr ? gij * (vr[(size_t)i * C + j] - vc[(size_t)i * C + j]) : gij * v[i];
            ss += cur * cur;
        }
        out[j] += m->read_sigma * sqrt(ss) * ni_rng_normal(r);
    }
}
