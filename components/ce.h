/* Compute element (ISAAC IMA, PUMA MVMU/core): crossbars + DACs + S+H + ADCs
 * + shift-and-add + input/output registers. Executes MVM ops.
 *
 * Functional path (ce_program + ce_mvm): exact integer MVM with weight
 * bit-slicing over b_cell-bit cells, signed weights (offset + unit column, or
 * differential columns), ISAAC column flipping, bit-serial inputs of b_DAC
 * bits (a signed input's sign bit gets its own cycle and is subtracted), ADC
 * saturation at 2^b_ADC-1 with a clipped count. With non-idealities on
 * (arch nonideal.*), analog column currents (nonideal.h) and a non-ideal ADC.
 *
 * Timing path (ce_mvm_timing / ce_mvm_run): closed form, same cycles as the
 * per-read stepping (ce_mvm_timing_stepwise), O(1) per op. */
#ifndef IMC_CE_H
#define IMC_CE_H

#include <stdint.h>

#include "comp_common.h"
#include "periph.h"
#include "xbar.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One MVM as the timing model sees it. */
typedef struct ce_req {
    int xbars;          /* crossbars used (1..ce crossbars) */
    int rows;           /* active rows per crossbar */
    int cols;           /* active data columns per crossbar (unit columns added) */
    int input_bits;
    int signed_inputs;
    /* Sums over the crossbars used when they differ (the last row or column
     * block of a layer is partly filled): counts and energy use these, the
     * timing the per-crossbar maxima above. 0 = xbars x rows / cols. */
    int rows_total, cols_total;
} ce_req_t;

typedef struct ce_timing {
    uint64_t reads;           /* input slices (bit-serial cycles) */
    uint64_t read_cycles;     /* one analog read */
    uint64_t adc_cycles;      /* one read's ADC batch on the busiest ADC */
    uint64_t period;          /* read issue interval: max(read, ADC batch) */
    uint64_t sa_cycles;       /* S+A merge after the last batch (then 1 cycle OR write) */
    uint64_t xbar_cycles;     /* start -> last read sampled: (reads-1)*period + read */
    uint64_t frontend_cycles; /* start -> last ADC batch done (crossbars/ADCs free) */
    uint64_t issue_cycles;    /* start -> the crossbars take the next MVM: every read
                                 slot issued ((reads + extra slots) x period); the last
                                 batch's conversion overlaps the next MVM's first read */
    uint64_t total_cycles;    /* start -> result in the output register */
    uint64_t conversions;     /* ADC conversions, all ADCs */
    uint64_t conv_per_adc;    /* per read, busiest ADC */
    double energy_pj;         /* dynamic energy of the op (leakage separate) */
} ce_timing_t;

typedef struct ce_stats {
    uint64_t mvms;
    uint64_t reads;           /* bit-serial input cycles executed */
    uint64_t busy_cycles;     /* front end busy */
    uint64_t clipped;         /* ADC-saturated conversions in functional MVMs */
    uint64_t sense_decisions; /* sense-amplifier decisions (binary layers, ce_mvm_sense) */
    double dynamic_energy_pj; /* sum over the CE's components, registers included */
    double reg_energy_pj;     /* input/output registers: power x share of CE x op time */
    double reg_leakage_pj;    /* input/output registers: leakage x simulated time */
    double extra_energy_pj;   /* CE extras, always on: (power + leakage) x time */
} ce_stats_t;
extern const desc_t ce_stat_desc[];
extern const int ce_stat_count;

/* The part of the matrix one crossbar holds: inputs [r0, r0+nr) of outputs
 * [o0, o0+no) (each output's slices and groups in adjacent columns). */
typedef struct ce_block {
    int r0, nr, o0, no;
} ce_block_t;

/* How to program a matrix (ce_program_ex). */
typedef struct ce_prog {
    int weight_bits;
    arch_signed_scheme_t scheme;  /* SIGNED_NONE: unsigned weights 0..2^wb-1 */
    int n_blocks;                 /* 0: the compiler's grid (row blocks x column blocks) */
    const ce_block_t *blocks;     /* crossbar i holds blocks[i] */
} ce_prog_t;

/* How a logical n_in x n_out weight matrix sits on the crossbars. */
typedef struct ce_map {
    int n_in, n_out, weight_bits;
    arch_signed_scheme_t scheme;
    int slices;          /* cells per weight magnitude: ceil(wb / b_cell) */
    int groups;          /* 2 for differential (+, -), else 1 */
    int cols_per_out;    /* slices * groups */
    int outs_per_xbar;
    int row_blocks, col_blocks; /* of the grid (0 with given blocks) */
    int n_blocks;
    ce_block_t *blocks;
    int rlo, rhi;        /* rows the blocks cover: [rlo, rhi) */
    int *pack_src;       /* per block: the first block reading the same rows */
    uint8_t *transparent;/* per block: no read can reach the ADC's full scale */
} ce_map_t;

typedef struct ce {
    const arch_t *a;
    int n_xbars;
    xbar_t *xb;
    dac_t dac;
    sh_t sh;
    adc_t adc;
    sa_t sa;
    ce_map_t map;
    int programmed;
    uint64_t busy_until;      /* tile cycles: the crossbars take the next MVM */
    uint64_t stage_cycles;    /* synchronous pipeline stage (0 = none), see tile_set_stage_ns */
    uint64_t extra_read_slots;/* read slots per MVM beyond the input slices (pipeline fill) */
    ce_stats_t st;
    /* one-entry memo of ce_mvm_timing: trace ops repeat the same shape; and
     * what ce_mvm_run derives from it (DAC drives, ADC busy cycles, register
     * energy: divisions, for every MVM of a run) */
    ce_req_t memo_req;
    ce_timing_t memo_t;
    uint64_t memo_drives, memo_adc_busy;
    double memo_reg_pj;
    int memo_ok;
    /* functional model: non-idealities, seeds, random streams */
    ni_model_t ni;
    uint64_t seed, stream;
    ni_rng_t rng;             /* read noise and ADC noise, per read stream */
    /* scratch */
    uint32_t *slice;          /* input slice of every matrix row */
    int slice_cap;
    int64_t *sums, *usum, *part;
    uint64_t *packed;         /* per crossbar: input bit planes of its rows (32 x words) */
    int *packed_q;            /* per crossbar: planes used */
    double *volts, *currents, *scratch;
} ce_t;

int ce_init(ce_t *ce, const arch_t *a);
void ce_free(ce_t *ce);

/* Input slicing: returns the number of reads and fills shift[i], negate[i]
 * (arrays of at least input_bits entries may be NULL). */
int ce_input_slices(int input_bits, int dac_bits, int signed_inputs, int *shift,
                    int *width, int *negate);

/* Maps W (n_in x n_out, row-major) on the crossbars. Weights are unsigned
 * (weight_bits) for SIGNED_NONE, else two's-complement weight_bits values.
 * Returns 0, or -1 with a message in err (size errn) when it does not fit or a
 * weight is out of range. */
int ce_program(ce_t *ce, const int64_t *W, int n_in, int n_out, int weight_bits,
               char *err, int errn);
/* The same with the encoding and the crossbar blocks given (W is still the
 * whole n_in x n_out matrix; only the blocks' parts are read). */
int ce_program_ex(ce_t *ce, const int64_t *W, int n_in, int n_out, const ce_prog_t *p,
                  char *err, int errn);
/* Random streams of the non-idealities: devices of crossbar i are drawn from
 * (seed, stream, i) when programmed; reads from (seed, stream, id) after
 * ce_set_read_stream(id) (e.g. the image index), so results do not depend on
 * what ran before. */
void ce_set_seed(ce_t *ce, uint64_t seed, uint64_t stream);
void ce_set_read_stream(ce_t *ce, uint64_t id);
/* Allocates the functional scratch for n_in inputs; -1 when out of memory. */
int ce_scratch(ce_t *ce, int n_in);
/* The timing request of the programmed matrix for the given input format. */
ce_req_t ce_program_req(const ce_t *ce, int input_bits, int signed_inputs);

/* Timing only (pure). */
void ce_mvm_timing(const ce_t *ce, const ce_req_t *r, ce_timing_t *t);
void ce_mvm_timing_stepwise(const ce_t *ce, const ce_req_t *r, ce_timing_t *t);
/* Timing + stats at cycle `start` (fast path for the simulator). */
void ce_mvm_run(ce_t *ce, const ce_req_t *r, uint64_t start, ce_timing_t *t);
/* Functional MVM of the programmed matrix: y[n_out] from x[n_in] (input_bits,
 * signed or not), plus timing and stats like ce_mvm_run. Returns the number of
 * clipped conversions, or -1 (message in err) on bad input. */
int64_t ce_mvm(ce_t *ce, const int64_t *x, int input_bits, int signed_inputs, int64_t *y,
               uint64_t start, ce_timing_t *t, char *err, int errn);
/* A binary (XNOR) layer sensed instead of converted: x are 0/1 row drives,
 * each output's column (1-bit weights, one cell per weight) is compared by a
 * sense amplifier with ref[o] (column-sum units; a flipped column mirrored
 * against the unit count, the ADC's offset/gain/noise as the amplifier's):
 * out[o] = +1 when the column reaches ref[o], else -1. Timing as ce_mvm_run
 * of one 1-bit read. Returns the decisions made, or -1 (message in err). */
int64_t ce_mvm_sense(ce_t *ce, const int64_t *x, const double *ref, int8_t *out,
                     ce_timing_t *t, char *err, int errn);
/* Leakage of every component of the CE over `cycles`. */
void ce_leak(ce_t *ce, uint64_t cycles);
/* Writes {"ce": {...}, "crossbars": [...], "dac": ..} members. */
void ce_stats_json(const ce_t *ce, json_w_t *w);
/* Total energy (dynamic + leakage) so far, pJ. */
double ce_energy_pj(const ce_t *ce);

#ifdef __cplusplus
}
#endif
#endif
