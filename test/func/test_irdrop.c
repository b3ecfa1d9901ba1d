/* IR drop: the model's column currents (line relaxation, components/nonideal.c)
 * against an exact nodal solve of the same 32x32 crossbar -- every row and
 * column node a KCL equation, the dense 2*R*C system solved by Gaussian
 * elimination with partial pivoting (shares no code with the model) -- at
 * three wire resistances; and the model's side-by-side line solves against
 * the same relaxation solved one line at a time, bit for bit. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nonideal.h"

#include "check_run.h"

enum { R = 32, C = 32, N = 2 * R * C };

/* Node index: row node (i,j) = i*C+j, column node (i,j) = R*C + i*C+j. */
static int rn(int i, int j) { return i * C + j; }
static int cn(int i, int j) { return R * C + i * C + j; }

/* Solves A x = b in place (A dense N x N, row-major); 0 ok, -1 singular. */
static int gauss(double *A, double *b, int n)
{
    for (int k = 0; k < n; k++) {
        int p = k;
        for (int i = k + 1; i < n; i++)
            if (fabs(A[(size_t)i * n + k]) > fabs(A[(size_t)p * n + k]))
                p = i;
        if (fabs(A[(size_t)p * n + k]) < 1e-300)
            return -1;
        if (p != k) {
            for (int j = 0; j < n; j++) {
                double t = A[(size_t)k * n + j];
                A[(size_t)k * n + j] = A[(size_t)p * n + j];
                A[(size_t)p * n + j] = t;
            }
            double t = b[k];
            b[k] = b[p];
            b[p] = t;
        }
        double *rk = A + (size_t)k * n;
        for (int i = k + 1; i < n; i++) {
            double *ri = A + (size_t)i * n, f = ri[k] / rk[k];
            if (f == 0)
                continue;
            for (int j = k; j < n; j++)
                ri[j] -= f * rk[j];
            b[i] -= f * b[k];
        }
    }
    for (int k = n - 1; k >= 0; k--) {
        double s = b[k];
        for (int j = k + 1; j < n; j++)
            s -= A[(size_t)k * n + j] * b[j];
        b[k] = s / A[(size_t)k * n + k];
    }
    return 0;
}

/* Exact column currents: rows driven at v[i] through wire conductance w into
 * node (i,0); column j sensed at 0 V through w below node (R-1,j). */
static void nodal(const double *g, const double *v, double rho, double *out)
{
    double w = 1.0 / rho;
    double *A = calloc((size_t)N * N, sizeof *A), *b = calloc(N, sizeof *b);
    ck_assert_ptr_nonnull(A);
#define ADD(r, c, val) A[(size_t)(r) * N + (c)] += (val)
    for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++) {
            double gij = g[i * C + j];
            int a = rn(i, j), c = cn(i, j);
            /* row node: left neighbour (or the driver), right neighbour, cell */
            ADD(a, a, w + gij);
            if (j == 0)
                b[a] += w * v[i];
            else
                ADD(a, rn(i, j - 1), -w);
            if (j + 1 < C) {
                ADD(a, a, w);
                ADD(a, rn(i, j + 1), -w);
            }
            ADD(a, c, -gij);
            /* column node: upper neighbour, lower neighbour (or ground), cell */
            ADD(c, c, w + gij);
            if (i > 0) {
                ADD(c, c, w);
                ADD(c, cn(i - 1, j), -w);
            }
            if (i + 1 < R)
                ADD(c, cn(i + 1, j), -w);
            ADD(c, a, -gij);
        }
#undef ADD
    ck_assert_int_eq(gauss(A, b, N), 0);
    for (int j = 0; j < C; j++)
        out[j] = w * b[cn(R - 1, j)];
    free(A);
    free(b);
}


/* 2-bit cells (levels 0..3) with G_off from an on/off ratio of 100, inputs
 * bit-serial (0 or 1 x V_read). rho = r x one level step: RRAM's 40 uS top
 * level over 3 steps (13.3 uS) at 2.12 Ohm (DNN+NeuroSim's 40 nm wire),
 * 10 Ohm and 30 Ohm. */
START_TEST(model_within_5_percent_of_nodal_solve)
{
    static const double ohms[3] = {2.12, 10, 30};
    double g[R * C], v[R], exact[C], model[C], ideal[C];
    double goff = 3.0 / 99.0, step_s = 40e-6 / (3 + goff);
    ni_rng_t r;
    ni_rng_seed(&r, 7, 0, 0, 0);
    for (int i = 0; i < R * C; i++)
        g[i] = (double)(ni_rng_u64(&r) % 4) + goff;
    for (int i = 0; i < R; i++)
        v[i] = (double)(ni_rng_u64(&r) % 4 != 0); /* 3/4 of the rows driven */
    double *vr = malloc(sizeof(double) * R * C), *vc = malloc(sizeof(double) * R * C);
    double *work = malloc(sizeof(double) * ni_irdrop_work_doubles(R, C));
    for (int j = 0; j < C; j++) {
        ideal[j] = 0;
        for (int i = 0; i < R; i++)
            ideal[j] += g[i * C + j] * v[i];
    }
    for (int k = 0; k < 3; k++) {
        double rho = ohms[k] * step_s;
        nodal(g, v, rho, exact);
        ni_irdrop_solve(g, R, C, v, rho, 4, vr, vc, model, work);
        double worst = 0, drop = 0;
        for (int j = 0; j < C; j++) {
            double e = fabs(model[j] - exact[j]) / exact[j];
            worst = e > worst ? e : worst;
            double dj = 1 - exact[j] / ideal[j];
            drop = dj > drop ? dj : drop;
        }
        printf("IR drop %.2f Ohm: largest drop %.2f %%, model error %.4f %% (4 sweeps)\n",
               ohms[k], 100 * drop, 100 * worst);
        ck_assert_msg(worst < 0.05, "%.2f Ohm: model off by %.2f %%", ohms[k], 100 * worst);
        /* the check means something: the drop itself is larger than the error */
        ck_assert_msg(drop > 4 * worst, "%.2f Ohm: drop %.3f %% vs error %.3f %%", ohms[k],
                      100 * drop, 100 * worst);
    }
    /* more sweeps converge on the nodal solution */
    double rho = ohms[2] * step_s, e4 = 0, e16 = 0;
    nodal(g, v, rho, exact);
    ni_irdrop_solve(g, R, C, v, rho, 4, vr, vc, model, work);
    for (int j = 0; j < C; j++)
        e4 = fmax(e4, fabs(model[j] - exact[j]) / exact[j]);
    ni_irdrop_solve(g, R, C, v, rho, 16, vr, vc, model, work);
    for (int j = 0; j < C; j++)
        e16 = fmax(e16, fabs(model[j] - exact[j]) / exact[j]);
    printf("30 Ohm: 4 sweeps %.4f %%, 16 sweeps %.6f %%\n", 100 * e4, 100 * e16);
    ck_assert(e16 < e4 && e16 < 1e-4);
    free(vr);
    free(vc);
    free(work);
}
END_TEST

/* ---- the relaxation one line at a time (the textbook form) ---- */

/* Thomas algorithm, sub = sup = -w, diagonal d, right side y, into x. */
static void thomas(int n, double w, const double *d, const double *y, double *x, double *cp)
{
    double b = d[0];
    x[0] = y[0] / b;
    for (int i = 1; i < n; i++) {
        cp[i] = -w / b;
        b = d[i] + w * cp[i];
        x[i] = (y[i] + w * x[i - 1]) / b;
    }
    for (int i = n - 2; i >= 0; i--)
        x[i] -= cp[i + 1] * x[i + 1];
}

/* Every row solved with the column voltages fixed, then every column, as
 * docs/functional.md states; g float (a crossbar's storage), row stride ld. */
static void relax_lines(const float *g, int ld, int nr, int nc, const double *v, double rho,
                        int sweeps, double *vr, double *vc, double *out)
{
    int n = nr > nc ? nr : nc;
    double w = 1.0 / rho, *d = malloc(sizeof *d * 4 * (size_t)n);
    double *y = d + n, *x = d + 2 * n, *cp = d + 3 * n;
    for (int i = 0; i < nr * nc; i++) {
        vr[i] = v[i / nc];
        vc[i] = 0;
    }
    for (int s = 0; s < sweeps; s++) {
        for (int i = 0; i < nr; i++) { /* driver on the left, open on the right */
            for (int j = 0; j < nc; j++) {
                d[j] = (j + 1 < nc ? 2 * w : w) + g[i * ld + j];
                y[j] = g[i * ld + j] * vc[i * nc + j];
            }
            y[0] += w * v[i];
            thomas(nc, w, d, y, x, cp);
            memcpy(vr + i * nc, x, sizeof *x * nc);
        }
        for (int j = 0; j < nc; j++) { /* open at the top, ground below */
            for (int i = 0; i < nr; i++) {
                d[i] = (i > 0 ? 2 * w : w) + g[i * ld + j];
                y[i] = g[i * ld + j] * vr[i * nc + j];
            }
            thomas(nr, w, d, y, x, cp);
            for (int i = 0; i < nr; i++)
                vc[i * nc + j] = x[i];
        }
    }
    for (int j = 0; j < nc; j++)
        out[j] = w * vc[(nr - 1) * nc + j];
    free(d);
}

/* Index of the first value whose bits differ, or -1. */
static long first_diff(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(a + i, b + i, sizeof *a))
            return (long)i;
    return -1;
}

/* The model solves all rows (all columns) side by side for speed, factors
 * once per read and skips undriven rows and arrays: the same operations per
 * line, so the same bits as one line at a time, on shapes from one cell to
 * ISAAC's 128x129, cells of 0 included, 1 to 5 sweeps, every row, the upper
 * third or no row driven; and
 * ni_column_currents with read noise (its row-by-row column sums) equals the
 * plain per-column sum of squares. */
START_TEST(side_by_side_sweeps_equal_line_by_line)
{
    static const int shape[][2] = {{1, 1}, {1, 9}, {9, 1}, {2, 2}, {5, 13}, {32, 32},
                                   {128, 129}, {128, 129}, {128, 129}};
    ni_rng_t r;
    ni_rng_seed(&r, 11, 0, 0, 0);
    for (size_t t = 0; t < sizeof shape / sizeof shape[0]; t++) {
        int nr = shape[t][0], nc = shape[t][1], ld = nc + 3, sweeps = 1 + (int)(t % 5);
        size_t rc = (size_t)nr * nc;
        double *g = malloc(sizeof *g * rc), *v = malloc(sizeof *v * nr);
        float *gf = malloc(sizeof *gf * (size_t)nr * ld);
        double *vr = malloc(sizeof *vr * rc), *vc = malloc(sizeof *vc * rc);
        double *vr2 = malloc(sizeof *vr2 * rc), *vc2 = malloc(sizeof *vc2 * rc);
        double *out = malloc(sizeof *out * nc), *out2 = malloc(sizeof *out2 * nc);
        double *work = malloc(sizeof *work * ni_irdrop_work_doubles(nr, nc));
        double *scratch = malloc(sizeof *scratch * ni_scratch_doubles(nr, nc));
        for (size_t k = 0; k < rc; k++) { /* levels 0..3 plus a G_off, some exactly 0 */
            uint64_t u = ni_rng_u64(&r);
            g[k] = u % 7 == 0 ? 0 : (double)(u % 4) + 0.0303 * ni_rng_uniform(&r);
            gf[(k / nc) * ld + k % nc] = (float)g[k];
        }
        /* 3/4 of the rows driven; only the upper rows (a small layer's); none */
        int top = t % 3 == 0 ? nr : t % 3 == 1 ? (nr + 2) / 3 : 0;
        for (int i = 0; i < nr; i++)
            v[i] = i < top && ni_rng_u64(&r) % 4 != 0;
        double rho = (0.5 + 10 * ni_rng_uniform(&r)) * 1.3e-5; /* 0.5 to 10.5 Ohm at 13 uS */
        ni_irdrop_solve(g, nr, nc, v, rho, sweeps, vr, vc, out, work);
        relax_lines(gf, ld, nr, nc, v, rho, sweeps, vr2, vc2, out2);
        long dr = first_diff(vr, vr2, rc), dc = first_diff(vc, vc2, rc);
        long dout = first_diff(out, out2, nc);
        ck_assert_msg(dr < 0 && dc < 0 && dout < 0, "%dx%d, %d sweeps: row node %ld, column node "
                      "%ld, column current %ld differ (-1: none)", nr, nc, sweeps, dr, dc, dout);
        /* the crossbar's path, read noise on */
        ni_model_t m;
        memset(&m, 0, sizeof m);
        m.any = 1;
        m.rho = rho;
        m.ir_iterations = sweeps;
        m.read_sigma = 0.05;
        ni_rng_t n1, n2;
        ni_rng_seed(&n1, 5, t, 0, 0);
        ni_rng_seed(&n2, 5, t, 0, 0);
        ni_column_currents(&m, gf, ld, nr, nc, v, out, scratch, &n1);
        for (int j = 0; j < nc; j++) {
            double ss = 0;
            for (int i = 0; i < nr; i++) {
                double cur = gf[i * ld + j] * (vr2[i * nc + j] - vc2[i * nc + j]);
                ss += cur * cur;
            }
            out2[j] += m.read_sigma * sqrt(ss) * ni_rng_normal(&n2);
        }
        dout = first_diff(out, out2, nc);
        ck_assert_msg(dout < 0, "%dx%d read noise: column %ld: %.17g vs %.17g", nr, nc, dout,
                      out[dout < 0 ? 0 : dout], out2[dout < 0 ? 0 : dout]);
        printf("%3dx%-3d %d sweeps, %d upper rows driven: side by side = line by line, bit for "
               "bit (column 0: %.6g)\n", nr, nc, sweeps, top, out[0]);
        free(g);
        free(v);
        free(gf);
        free(vr);
        free(vc);
        free(vr2);
        free(vc2);
        free(out);
        free(out2);
        free(work);
        free(scratch);
    }
}
END_TEST

int main(void)
{
    const TTest *t[] = {model_within_5_percent_of_nodal_solve,
                        side_by_side_sweeps_equal_line_by_line};
    return check_run(check_suite("irdrop", t, 2));
}
