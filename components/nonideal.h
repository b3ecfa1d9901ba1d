/* Device and circuit non-idealities of the functional model
 * (docs/functional.md states each model and its checks):
 *
 *  - conductance of a cell level: level units (one level step = 1), plus
 *    G_off = (2^b - 1) / (on_off - 1) with a finite on/off ratio;
 *  - device-to-device variation: g (1 + sigma z), drawn once per cell;
 *  - stuck-at-ON / OFF: g = G_on / G_off for a fraction of the cells;
 *  - drift: g (t / t0)^-nu for t > t0;
 *  - read noise (cycle-to-cycle): each cell's current varies by sigma z per
 *    read; a column receives their sum, N(0, sigma^2 sum_i I_i^2), drawn once
 *    per column and read (the same distribution, one draw);
 *  - IR drop: rows driven from column 0, columns sensed at virtual ground
 *    below row R-1, wire resistance r between adjacent cells; node voltages by
 *    alternating line relaxation (each row, then each column, solved exactly
 *    as a tridiagonal system), ir_drop_iterations sweeps.
 *
 * Everything random comes from ni_rng_t streams seeded from the run seed and
 * a position (layer, replica, crossbar, image), so results do not depend on
 * the order of evaluation. */
#ifndef IMC_NONIDEAL_H
#define IMC_NONIDEAL_H

#include <stdint.h>

#include "arch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- deterministic random numbers (xoshiro256** seeded by splitmix64) ---- */
typedef struct ni_rng {
    uint64_t s[4];
    double spare;      /* second normal of the last Box-Muller pair */
    int has_spare;
} ni_rng_t;

/* A stream for (seed, a, b, c): distinct tuples give independent streams. */
void ni_rng_seed(ni_rng_t *r, uint64_t seed, uint64_t a, uint64_t b, uint64_t c);
uint64_t ni_rng_u64(ni_rng_t *r);
double ni_rng_uniform(ni_rng_t *r);   /* [0, 1) */
double ni_rng_normal(ni_rng_t *r);    /* N(0, 1) */

/* ---- the cell model resolved from an arch ---- */
typedef struct ni_model {
    int any;                 /* some non-ideality is on: analog column sums */
    int per_cell;            /* cells need their own conductance (variation/stuck) */
    int levels;              /* 2^bits_per_cell */
    double g_off;            /* level units; 0 without the finite on/off ratio */
    double g_on;             /* (levels - 1) + g_off */
    double variation_sigma;  /* 0 when off */
    double read_sigma;       /* 0 when off */
    double stuck_on, stuck_off; /* rates, 0 when off */
    double drift_factor;     /* (t/t0)^-nu, 1 when off */
    double rho;              /* wire resistance x one level step (S): 0 = no IR drop */
    int ir_iterations;
    int adc_error;
    double adc_offset, adc_gain, adc_noise; /* LSB, relative, LSB */
} ni_model_t;

void ni_model_init(ni_model_t *m, const arch_t *a);

/* Conductance (level units) of a cell programmed to `level`, with variation,
 * stuck-at and drift drawn from r. */
double ni_cell_conductance(const ni_model_t *m, int level, ni_rng_t *r);
/* Conductance of a cell without its random parts (finite on/off, drift). */
double ni_level_conductance(const ni_model_t *m, int level);

/* Column currents (level units x DAC units) of rows [0,nrows) x cols
 * [0,ncols) of a conductance array g (row stride ld) for row voltages v (DAC
 * units), with IR drop when m->rho > 0 (ir_iterations sweeps) and read noise
 * when m->read_sigma > 0 (drawn from r). scratch: ni_scratch_doubles(nrows,
 * ncols) doubles. */
void ni_column_currents(const ni_model_t *m, const float *g, int ld, int nrows, int ncols,
                        const double *v, double *out, double *scratch, ni_rng_t *r);
/* Doubles of scratch ni_column_currents needs. */
size_t ni_scratch_doubles(int nrows, int ncols);

/* The IR-drop line relaxation alone (exposed for its test against a nodal
 * solve): node voltages of rows (vr) and columns (vc), nrows x ncols each,
 * and the column currents into the sense amplifiers. rho = r x G unit.
 * work: ni_irdrop_work_doubles(nrows, ncols) doubles. */
void ni_irdrop_solve(const double *g, int nrows, int ncols, const double *v, double rho,
                     int sweeps, double *vr, double *vc, double *out, double *work);
size_t ni_irdrop_work_doubles(int nrows, int ncols);

#ifdef __cplusplus
}
#endif
#endif
