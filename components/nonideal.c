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

/* The line relaxation solves every row (then every column) as a tridiagonal
 * system by the Thomas algorithm. Its elimination -- pivots b and the
 * eliminated super-diagonal cp = -w / b -- depends on the conductances alone,
 * so it is done once per read and kept for all sweeps; each sweep then only
 * substitutes, one division per node. And every line advances side by side,
 * one step of the recurrence for all rows (columns) at once, so one line's
 * chain of divisions does not wait on itself. Each line still does exactly the
 * operations of a solve on its own, in the same order: the same bits. */

/* Row i: driver through w on the left (node 0), open at the right end:
 * diagonal d_j + g_ij with d_j = 2w, w at the last node. */
static double row_diag(int j, int C, double w) { return j + 1 < C ? 2 * w : w; }

/* Column j: open at the top (row 0), to virtual ground through w below row
 * diagonal w at row 0, 2w below. */
static double col_diag(int i, double w) { return i > 0 ? 2 * w : w; }

/* The rows' and the columns' eliminated super-diagonals, rcp[i][j] and
 * ccp[i][j] (R x C each, entries j = 0 and i = 0 unused); b: max(R, C). */
static void irdrop_factor(const float *g, int ld, int R, int C, double w, double *rcp,
                          double *ccp, double *b)
{
    for (int i = 0; i < R; i++)
        b[i] = row_diag(0, C, w) + g[(size_t)i * ld];
    for (int j = 1; j < C; j++)
        for (int i = 0; i < R; i++) {
            double c = -w / b[i];
            rcp[(size_t)i * C + j] = c;
            b[i] = (row_diag(j, C, w) + g[(size_t)i * ld + j]) + w * c;
        }
    for (int j = 0; j < C; j++)
        b[j] = col_diag(0, w) + g[j];
    for (int i = 1; i < R; i++)
        for (int j = 0; j < C; j++) {
            double c = -w / b[j];
            ccp[(size_t)i * C + j] = c;
            b[j] = (col_diag(i, w) + g[(size_t)i * ld + j]) + w * c;
        }
}

/* Every row with the column voltages vc fixed; the pivot of node (i, j) is
 * recomputed from cp as the elimination computed it. */
static void row_sweep(const float *g, int ld, int R, int C, const double *v, double w,
                      const double *cp, const double *vc, double *vr)
{
    for (int i = 0; i < R; i++) {
        size_t k = (size_t)i * C;
        double gij = g[(size_t)i * ld];
        vr[k] = (gij * vc[k] + w * v[i]) / (row_diag(0, C, w) + gij);
    }
    for (int j = 1; j < C; j++)
        for (int i = 0; i < R; i++) {
            size_t k = (size_t)i * C + j;
            double gij = g[(size_t)i * ld + j];
            vr[k] = (gij * vc[k] + w * vr[k - 1]) / ((row_diag(j, C, w) + gij) + w * cp[k]);
        }
    for (int j = C - 2; j >= 0; j--)
        for (int i = 0; i < R; i++) {
            size_t k = (size_t)i * C + j;
            vr[k] -= cp[k + 1] * vr[k + 1];
        }
}

/* Every column with the row voltages vr fixed. */
static void col_sweep(const float *g, int ld, int R, int C, double w, const double *cp,
                      const double *vr, double *vc)
{
    for (int j = 0; j < C; j++)
        vc[j] = (g[j] * vr[j]) / (col_diag(0, w) + g[j]);
    for (int i = 1; i < R; i++)
        for (int j = 0; j < C; j++) {
            size_t k = (size_t)i * C + j;
            double gij = g[(size_t)i * ld + j];
            vc[k] = (gij * vr[k] + w * vc[k - C]) / ((col_diag(i, w) + gij) + w * cp[k]);
        }
    for (int i = R - 2; i >= 0; i--)
        for (int j = 0; j < C; j++) {
            size_t k = (size_t)i * C + j;
            vc[k] -= cp[k + C] * vc[k + C];
        }
}

/* g is float (the crossbar's storage) with row stride ld; work holds
 * irdrop_work_doubles(R, C). */
static void irdrop_solve_f(const float *g, int ld, int R, int C, const double *v, double rho,
                           int sweeps, double *vr, double *vc, double *out, double *work)
{
    double w = 1.0 / rho;
    size_t rc = (size_t)R * C;
    double *rcp = work, *ccp = work + rc, *b = work + 2 * rc;
    int nd = R; /* rows up to the last driven one */
    while (nd > 0 && v[nd - 1] == 0)
        nd--;
    for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++) {
            vr[(size_t)i * C + j] = v[i];
            vc[(size_t)i * C + j] = 0;
        }
    if (nd == 0) { /* nothing driven: every node at 0 V, no current */
        memset(out, 0, sizeof *out * C);
        return;
    }
    irdrop_factor(g, ld, R, C, w, rcp, ccp, b);
    for (int s = 0; s < sweeps; s++) {
        /* in the first sweep the columns are still at 0 V, so a row below
         * the last driven one solves to exactly 0 V: it keeps its v = 0 */
        row_sweep(g, ld, s ? R : nd, C, v, w, rcp, vc, vr);
        col_sweep(g, ld, R, C, w, ccp, vr, vc);
    }
    for (int j = 0; j < C; j++)
        out[j] = w * vc[(size_t)(R - 1) * C + j];
}

/* rcp, ccp (R x C each) and b (one per line). */
static size_t irdrop_work_doubles(int R, int C)
{
    return 2 * (size_t)R * C + (size_t)(R > C ? R : C);
}

size_t ni_irdrop_work_doubles(int nrows, int ncols)
{
    /* and the float copy of g ni_irdrop_solve makes */
    return irdrop_work_doubles(nrows, ncols) + ((size_t)nrows * ncols + 1) / 2;
}

void ni_irdrop_solve(const double *g, int nrows, int ncols, const double *v, double rho,
                     int sweeps, double *vr, double *vc, double *out, double *work)
{
    /* The public form takes doubles: copy into float storage like a crossbar's. */
    float *gf = (float *)(work + irdrop_work_doubles(nrows, ncols));
    for (size_t i = 0; i < (size_t)nrows * ncols; i++)
        gf[i] = (float)g[i];
    irdrop_solve_f(gf, ncols, nrows, ncols, v, rho, sweeps, vr, vc, out, work);
}

size_t ni_scratch_doubles(int nrows, int ncols)
{
    /* vr, vc, then the sweeps' work (or the read noise's column sums) */
    return 2 * (size_t)nrows * ncols + irdrop_work_doubles(nrows, ncols);
}

void ni_column_currents(const ni_model_t *m, const float *g, int ld, int R, int C,
                        const double *v, double *out, double *scratch, ni_rng_t *r)
{
    double *vr = NULL, *vc = NULL, *ss = scratch;
    if (m->rho > 0) {
        vr = scratch;
        vc = scratch + (size_t)R * C;
        ss = scratch + 2 * (size_t)R * C; /* the sweeps' work, free after them */
        irdrop_solve_f(g, ld, R, C, v, m->rho, m->ir_iterations, vr, vc, out, ss);
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
     * column's sum varies by read_sigma * sqrt(sum I^2) * z. Summed row by
     * row (each column still from row 0 down), along the arrays' rows. */
    memset(ss, 0, sizeof *ss * C);
    for (int i = 0; i < R; i++) {
        const float *gi = g + (size_t)i * ld;
        for (int j = 0; j < C; j++) {
            size_t k = (size_t)i * C + j;
            double cur = vr ? gi[j] * (vr[k] - vc[k]) : gi[j] * v[i];
            ss[j] += cur * cur;
        }
    }
    for (int j = 0; j < C; j++)
        out[j] += m->read_sigma * sqrt(ss[j]) * ni_rng_normal(r);
}
