/* Crossbar core: rows x (cols + unit_cols) cells of b_cell bits. A read takes
 * one input slice per row (b_DAC bits) and yields exact integer column sums
 * (bit planes of the cells and the inputs, AND and popcount), or with
 * non-idealities analog column currents from per-cell conductances
 * (nonideal.h); the ADC digitises them afterwards. Column flags record
 * ISAAC's flipped columns (cell c stored as 2^b_cell-1-c). */
#ifndef IMC_XBAR_H
#define IMC_XBAR_H

#include <stdint.h>

#include "comp_common.h"
#include "nonideal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xbar_stats {
    uint64_t reads;            /* analog reads (one input slice each) */
    uint64_t active_rows;      /* summed over reads */
    uint64_t cells_read;       /* active rows x active columns, summed */
    uint64_t busy_cycles;      /* array held biased (read period per read) */
    uint64_t cells_programmed;
    uint64_t program_cycles;
    double read_energy_pj;
    double write_energy_pj;
    double leakage_energy_pj;
} xbar_stats_t;

extern const desc_t xbar_stat_desc[];
extern const int xbar_stat_count;

typedef struct xbar {
    const arch_t *a;
    int rows, cols, unit_cols, phys_cols, cell_bits;
    int words;      /* 64-row words of a bit plane */
    uint8_t *cell;  /* rows * phys_cols, row-major */
    uint8_t *flip;  /* per physical column */
    uint64_t *plane;/* bit b of column c's cells: plane[(c * cell_bits + b) * words + w] */
    float *g;       /* with non-idealities: conductances (level units), rows * phys_cols */
    xbar_stats_t st;
} xbar_t;

int xbar_init(xbar_t *x, const arch_t *a);
void xbar_free(xbar_t *x);
/* Zeroes the cells (allocating them on first use); -1 when out of memory. */
int xbar_clear(xbar_t *x);
/* Programs cell values (0..2^b_cell-1) into rows [0,nrows) of columns
 * [c0, c0+ncols): values row-major nrows x ncols. Counts write energy/time
 * (one row at a time, all columns of the row in parallel). Unit columns are
 * set to 1 in the rows programmed. */
void xbar_program(xbar_t *x, const uint8_t *vals, int nrows, int c0, int ncols,
                  const uint8_t *flip);
/* Exact column sums for input slice in[0..nrows) over columns [c0,c0+ncols)
 * (physical indices; unit columns are cols..phys_cols-1). */
void xbar_read(const xbar_t *x, const uint32_t *in, int nrows, int c0, int ncols,
               int64_t *sums);
/* The same in two steps, so several crossbars reading the same rows share
 * the packing: xbar_pack writes the input bit planes (32 * ceil(nrows/64)
 * words at most) and returns their count Q. */
int xbar_pack(const uint32_t *in, int nrows, uint64_t *packed);
void xbar_read_packed(const xbar_t *x, const uint64_t *packed, int Q, int nrows, int c0,
                      int ncols, int64_t *sums);
/* Gives every cell its conductance under the model m (variation, stuck-at,
 * finite on/off, drift drawn from r, row by row): call after programming.
 * -1 when out of memory. */
int xbar_condition(xbar_t *x, const ni_model_t *m, ni_rng_t *r);
/* Analog column currents of all phys_cols columns for row voltages v[0..rows)
 * (DAC units; rows not driven are 0): IR drop and read noise as m says.
 * scratch: ni_scratch_doubles(rows, phys_cols) doubles. */
void xbar_read_analog(const xbar_t *x, const ni_model_t *m, const double *v, int nrows,
                      double *currents, double *scratch, ni_rng_t *r);
/* Accounts reads done by the timing path on the n crossbars x[0..n) (of one
 * arch): on each, reads of rows x cols held for hold_cycles each. */
void xbar_account(xbar_t *x, int n, uint64_t reads, int rows, int cols, uint64_t hold_cycles);
void xbar_leak(xbar_t *x, uint64_t cycles);

#ifdef __cplusplus
}
#endif
#endif
