#include "xbar.h"

#include <stdlib.h>
#include <string.h>

#define S xbar_stats_t
const desc_t xbar_stat_desc[] = {
    STAT_U(S, reads, "1", "analog reads, one input slice each"),
    STAT_U(S, active_rows, "1", "rows driven, summed over reads"),
    STAT_U(S, cells_read, "1", "cells on active rows and columns, summed over reads"),
    STAT_U(S, busy_cycles, "cycles", "cycles the array is held biased for reads"),
    STAT_U(S, cells_programmed, "1", "cells written when weights are loaded"),
    STAT_U(S, program_cycles, "cycles", "cycles spent programming (row by row)"),
    STAT_F(S, read_energy_pj, "pJ", "read energy (power x hold time, or per-cell energy)"),
    STAT_F(S, write_energy_pj, "pJ", "programming energy"),
    STAT_F(S, leakage_energy_pj, "pJ", "leakage power x simulated time"),
};
#undef S
const int xbar_stat_count = sizeof xbar_stat_desc / sizeof xbar_stat_desc[0];

int xbar_init(xbar_t *x, const arch_t *a)
{
    memset(x, 0, sizeof *x);
    x->a = a;
    x->rows = a->crossbar.rows;
    x->cols = a->crossbar.cols;
    x->unit_cols = a->crossbar.unit_cols;
    x->phys_cols = x->cols + x->unit_cols;
    x->cell_bits = a->device.bits_per_cell;
    /* Cells are allocated when weights are first programmed (xbar_clear):
     * timing-only runs of a whole chip never touch them. */
    return 0;
}

void xbar_free(xbar_t *x)
{
    free(x->cell);
    free(x->flip);
    x->cell = x->flip = NULL;
}

int xbar_clear(xbar_t *x)
{
    if (!x->cell)
        x->cell = calloc((size_t)x->rows * x->phys_cols, 1);
    if (!x->flip)
        x->flip = calloc((size_t)x->phys_cols, 1);
    if (!x->cell || !x->flip)
        return -1;
    memset(x->cell, 0, (size_t)x->rows * x->phys_cols);
    memset(x->flip, 0, (size_t)x->phys_cols);
    return 0;
}

void xbar_program(xbar_t *x, const uint8_t *vals, int nrows, int c0, int ncols,
                  const uint8_t *flip)
{
    for (int r = 0; r < nrows; r++) {
        memcpy(x->cell + (size_t)r * x->phys_cols + c0, vals + (size_t)r * ncols, ncols);
        for (int u = x->cols; u < x->phys_cols; u++)
            x->cell[(size_t)r * x->phys_cols + u] = 1;
    }
    if (flip)
        memcpy(x->flip + c0, flip, ncols);
    const arch_device_t *d = &x->a->device;
    uint64_t cells = (uint64_t)nrows * (ncols + x->unit_cols);
    x->st.cells_programmed += cells;
    x->st.program_cycles += comp_ns_to_cycles(x->a, nrows * d->write_latency_ns);
    x->st.write_energy_pj += cells * d->write_energy_pj;
}

void xbar_read(const xbar_t *x, const uint32_t *in, int nrows, int c0, int ncols,
               int64_t *sums)
{
    memset(sums, 0, sizeof *sums * ncols);
    for (int r = 0; r < nrows; r++) {
        if (!in[r])
            continue;
        const uint8_t *row = x->cell + (size_t)r * x->phys_cols + c0;
        for (int c = 0; c < ncols; c++)
            sums[c] += (int64_t)in[r] * row[c];
    }
}

void xbar_account(xbar_t *x, uint64_t reads, int rows, int cols, uint64_t hold_cycles)
{
    x->st.reads += reads;
    x->st.active_rows += reads * rows;
    x->st.cells_read += reads * rows * cols;
    x->st.busy_cycles += reads * hold_cycles;
    /* Per-cell read energy when the device gives one, else power x hold. */
    if (x->a->device.read_energy_pj > 0)
        x->st.read_energy_pj += (double)reads * rows * cols * x->a->device.read_energy_pj;
    else
        x->st.read_energy_pj += (double)reads * x->a->crossbar.cost.power_mw *
                                hold_cycles * comp_cycle_ns(x->a);
}

void xbar_leak(xbar_t *x, uint64_t cycles)
{
    x->st.leakage_energy_pj += x->a->crossbar.cost.leakage_mw * cycles * comp_cycle_ns(x->a);
}
