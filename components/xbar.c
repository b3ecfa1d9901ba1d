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
    x->words = (x->rows + 63) / 64;
    /* Cells are allocated when weights are first programmed (xbar_clear):
     * timing-only runs of a whole chip never touch them. */
    return 0;
}

void xbar_free(xbar_t *x)
{
    free(x->cell);
    free(x->flip);
    free(x->plane);
    free(x->g);
    x->cell = x->flip = NULL;
    x->plane = NULL;
    x->g = NULL;
}

static size_t plane_words(const xbar_t *x)
{
    return (size_t)x->phys_cols * x->cell_bits * x->words;
}

int xbar_clear(xbar_t *x)
{
    if (!x->cell)
        x->cell = calloc((size_t)x->rows * x->phys_cols, 1);
    if (!x->flip)
        x->flip = calloc((size_t)x->phys_cols, 1);
    if (!x->plane)
        x->plane = calloc(plane_words(x), sizeof *x->plane);
    if (!x->cell || !x->flip || !x->plane)
        return -1;
    memset(x->cell, 0, (size_t)x->rows * x->phys_cols);
    memset(x->flip, 0, (size_t)x->phys_cols);
    memset(x->plane, 0, plane_words(x) * sizeof *x->plane);
    free(x->g);
    x->g = NULL;
    return 0;
}

/* Sets cell (r, c) to v in the byte array and the bit planes. */
static void set_cell(xbar_t *x, int r, int c, uint8_t v)
{
    x->cell[(size_t)r * x->phys_cols + c] = v;
    uint64_t bit = 1ULL << (r & 63);
    uint64_t *p = x->plane + (size_t)c * x->cell_bits * x->words + (r >> 6);
    for (int b = 0; b < x->cell_bits; b++, p += x->words)
        *p = (v >> b & 1) ? *p | bit : *p & ~bit;
}

void xbar_program(xbar_t *x, const uint8_t *vals, int nrows, int c0, int ncols,
                  const uint8_t *flip)
{
    for (int r = 0; r < nrows; r++) {
        for (int c = 0; c < ncols; c++)
            set_cell(x, r, c0 + c, vals[(size_t)r * ncols + c]);
        for (int u = x->cols; u < x->phys_cols; u++)
            set_cell(x, r, u, 1);
    }
    if (flip)
        memcpy(x->flip + c0, flip, ncols);
    /* Program and verify: each cell takes `pulses` write pulses on average;
     * a row's cells are written in parallel, one row at a time. */
    const arch_device_t *d = &x->a->device;
    double pulses = d->program_verify_iterations > 1 ? d->program_verify_iterations : 1;
    uint64_t cells = (uint64_t)nrows * (ncols + x->unit_cols);
    x->st.cells_programmed += cells;
    x->st.program_cycles += comp_ns_to_cycles(x->a, nrows * pulses * d->write_latency_ns);
    x->st.write_energy_pj += cells * pulses * d->write_energy_pj;
}

int xbar_pack(const uint32_t *in, int nrows, uint64_t *packed)
{
    int W = (nrows + 63) / 64, Q = 0;
    uint32_t any = 0;
    for (int r = 0; r < nrows; r++)
        any |= in[r];
    while (Q < 32 && (any >> Q))
        Q++;
    memset(packed, 0, sizeof *packed * (size_t)Q * W);
    for (int r = 0; r < nrows; r++)
        for (uint32_t v = in[r], q = 0; v; v >>= 1, q++)
            packed[(size_t)q * W + (r >> 6)] |= (uint64_t)(v & 1) << (r & 63);
    return Q;
}

/* x86-64's baseline has no popcount instruction: a clone for CPUs that
 * have one is picked at load time (about 2x faster functional MVMs). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("popcnt", "default")))
#endif
void xbar_read_packed(const xbar_t *x, const uint64_t *packed, int Q, int nrows, int c0,
                      int ncols, int64_t *sums)
{
    /* A column's sum is the sum over input bit q and cell bit b of
     * 2^(q+b) popcount(in_q AND cell_b). */
    int W = (nrows + 63) / 64, B = x->cell_bits;
    if (W <= 2 && Q == 1) { /* the common case (rows <= 128, 1-bit DACs), unrolled */
        uint64_t i0 = packed[0], i1 = W == 2 ? packed[1] : 0;
        for (int c = 0; c < ncols; c++) {
            const uint64_t *p = x->plane + (size_t)(c0 + c) * B * x->words;
            int64_t s = 0;
            for (int b = 0; b < B; b++, p += x->words)
                s += (int64_t)(__builtin_popcountll(i0 & p[0]) +
                               (W == 2 ? __builtin_popcountll(i1 & p[1]) : 0)) << b;
            sums[c] = s;
        }
        return;
    }
    for (int c = 0; c < ncols; c++) {
        const uint64_t *p = x->plane + (size_t)(c0 + c) * B * x->words;
        int64_t s = 0;
        for (int b = 0; b < B; b++, p += x->words)
            for (int q = 0; q < Q; q++) {
                const uint64_t *in = packed + (size_t)q * W;
                int64_t n = 0;
                for (int w = 0; w < W; w++)
                    n += __builtin_popcountll(in[w] & p[w]);
                s += n << (b + q);
            }
        sums[c] = s;
    }
}

void xbar_read(const xbar_t *x, const uint32_t *in, int nrows, int c0, int ncols,
               int64_t *sums)
{
    uint64_t *packed = malloc(sizeof *packed * 32 * (size_t)((nrows + 63) / 64));
    if (!packed) { /* the plain loop needs no memory */
        memset(sums, 0, sizeof *sums * ncols);
        for (int r = 0; r < nrows; r++)
            for (int c = 0; c < ncols && in[r]; c++)
                sums[c] += (int64_t)in[r] * x->cell[(size_t)r * x->phys_cols + c0 + c];
        return;
    }
    int Q = xbar_pack(in, nrows, packed);
    xbar_read_packed(x, packed, Q, nrows, c0, ncols, sums);
    free(packed);
}

int xbar_condition(xbar_t *x, const ni_model_t *m, ni_rng_t *r)
{
    if (!x->g)
        x->g = malloc(sizeof *x->g * (size_t)x->rows * x->phys_cols);
    if (!x->g)
        return -1;
    for (size_t i = 0; i < (size_t)x->rows * x->phys_cols; i++)
        x->g[i] = (float)(m->per_cell ? ni_cell_conductance(m, x->cell[i], r)
                                      : ni_level_conductance(m, x->cell[i]));
    return 0;
}

void xbar_read_analog(const xbar_t *x, const ni_model_t *m, const double *v, int nrows,
                      double *currents, double *scratch, ni_rng_t *r)
{
    /* With IR drop every row is part of the network (undriven rows at 0 V). */
    int R = m->rho > 0 ? x->rows : nrows;
    ni_column_currents(m, x->g, x->phys_cols, R, x->phys_cols, v, currents, scratch, r);
}

void xbar_account(xbar_t *x, int n, uint64_t reads, int rows, int cols, uint64_t hold_cycles)
{
    if (n <= 0)
        return;
    /* every crossbar adds the same: found once (an MVM drives up to a CE's
     * crossbars, and this ran per crossbar for every MVM of a run) */
    const uint64_t active = reads * rows, cells = reads * rows * cols, busy = reads * hold_cycles;
    /* Per-cell read energy when the device gives one, else power x hold. */
    const double e = x->a->device.read_energy_pj > 0
                         ? (double)reads * rows * cols * x->a->device.read_energy_pj
                         : (double)reads * x->a->crossbar.cost.power_mw * hold_cycles *
                               comp_cycle_ns(x->a);
    for (int i = 0; i < n; i++) {
        xbar_stats_t *st = &x[i].st;
        st->reads += reads;
        st->active_rows += active;
        st->cells_read += cells;
        st->busy_cycles += busy;
        st->read_energy_pj += e;
    }
}

void xbar_leak(xbar_t *x, uint64_t cycles)
{
    x->st.leakage_energy_pj += x->a->crossbar.cost.leakage_mw * cycles * comp_cycle_ns(x->a);
}
