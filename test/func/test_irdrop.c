/* IR drop: the model's column currents (line relaxation, components/nonideal.c)
 * against an exact nodal solve of the same 32x32 crossbar -- every row and
 * column node a KCL equation, the dense 2*R*C system solved by Gaussian
 * elimination with partial pivoting (shares no code with the model) -- at
 * three wire resistances. */
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
    double *work = malloc(sizeof(double) * (4 * R + R * C));
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

int main(void)
{
    const TTest *t[] = {model_within_5_percent_of_nodal_solve};
    return check_run(check_suite("irdrop", t, 1));
}
