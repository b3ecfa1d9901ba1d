/* Tile core: buffer (banks + shared bus), CEs, activation, pooling, S+A/adder
 * units, output register, and the arbitration of all of them at tile-cycle
 * granularity.
 *
 * Two-phase request/grant, independent of caller order: tile_request() only
 * queues an op stamped with its arrival cycle; tile_arbitrate(now) grants, in
 * fixed priority order (requester id, then request order), every queued op
 * that arrived at or before `now` and whose resources are free at `now`. A
 * granted op's completion cycle is fully determined at grant and returned.
 * tile_next_event() says when to arbitrate next (no per-cycle polling). */
#ifndef IMC_TILE_H
#define IMC_TILE_H

#include <stdint.h>

#include "act.h"
#include "ce.h"
#include "comp_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    TILE_OP_READ,   /* buffer -> CE input register / units: bytes at addr */
    TILE_OP_WRITE,  /* results -> buffer: bytes at addr */
    TILE_OP_MVM,    /* ce, xbars, rows, cols, input_bits, signed_inputs */
    TILE_OP_ACCUM,  /* n partial sums accumulated: out[i] += in[i] */
    TILE_OP_ACT,    /* subkind act_kind_t (act.h; not ACT_NONE) over n values */
    TILE_OP_POOL,   /* subkind tile_pool_t: n outputs of `window` inputs each */
    TILE_OP_ADD,    /* residual add of n values: out = in + in2 */
    /* ACCUM, ACT, POOL and ADD run on the unit the arch gives the function
     * (tile.accum_unit, ...); on vfu, on the VFUs of CE `ce`. */
    TILE_OP_KINDS_
} tile_op_kind_t;

typedef enum { TILE_POOL_MAX, TILE_POOL_AVG } tile_pool_t;

extern const char *const tile_op_names[TILE_OP_KINDS_];

typedef struct tile_op {
    tile_op_kind_t kind;
    uint32_t requester;     /* priority: lower id wins among same-cycle requests */
    uint64_t tag;           /* caller's id, echoed in the result; breaks ties
                               between ops of one requester (lower first) */
    uint64_t bytes, addr;   /* READ/WRITE; bank = addr / bank_bytes % banks */
    int ce, xbars, rows, cols, input_bits, signed_inputs; /* MVM */
    int rows_total, cols_total; /* MVM: sums over the crossbars, 0 = xbars x rows/cols */
    int subkind;            /* ACT / POOL kind */
    uint64_t n;             /* ACCUM/ACT/ADD values, POOL outputs */
    int window;             /* POOL inputs per output */
    /* Optional data for functional runs (NULL = timing only). MVM: in = x,
     * out = y of the CE's programmed matrix. ACT sigmoid/tanh use fixed point
     * with frac_bits fractional bits. POOL avg truncates toward zero. */
    const int64_t *in, *in2;
    int64_t *out;
    int frac_bits;
} tile_op_t;

/* What an op's occupancy holds (tile_result_t.resource): the crossbars, the
 * buffer, or one kind of unit (TILE_RES_UNITS + arch_unit_kind_t). They work
 * in parallel: an S+A unit's ADD overlaps an activation unit's ACT. */
typedef enum { TILE_RES_CROSSBARS, TILE_RES_BUFFER, TILE_RES_UNITS } tile_resource_t;
#define TILE_RESOURCES_ (TILE_RES_UNITS + UNIT_KIND_COUNT_)

typedef struct tile_result {
    uint64_t tag;
    uint64_t seq;                 /* the request's number: tile_request calls so far */
    uint32_t requester;
    tile_op_kind_t kind;
    uint64_t arrival, grant, end; /* tile cycles; end = data available */
    uint64_t occupancy;           /* cycles the op holds its resource (bank, crossbars,
                                     unit) from grant: what limits the next op's rate */
    int resource;                 /* which one: tile_resource_t */
    uint64_t shared;              /* cycles it holds what the tile's streams share: the
                                     bus's beats of a READ/WRITE, a unit op's occupancy of
                                     the tile's units of its kind; 0 for an MVM or a VFU op
                                     (a CE's own); their sum over an inference bounds the
                                     period */
    double energy_pj;             /* dynamic energy of the op */
    int64_t clipped;              /* MVM: ADC-saturated conversions (functional) */
    int status;                   /* 0 ok, -1 bad op (err says why) */
    char err[160];                /* keep last: a grant clears, and the SystemC tile
                                     copies, only the fields before it for an op that
                                     did not fail (tile.c grant, imc_sc.cpp copy_result) */
} tile_result_t;

typedef struct tile_stats {
    uint64_t ops[TILE_OP_KINDS_];
    uint64_t bytes_read, bytes_written;
    uint64_t stall_cycles;        /* grant - arrival, summed */
    uint64_t bus_busy_cycles, bank_busy_cycles;
    uint64_t act_busy_cycles, pool_busy_cycles, sa_busy_cycles, vfu_busy_cycles;
    uint64_t last_end;            /* latest completion cycle */
    double buffer_energy_pj, bus_energy_pj, act_energy_pj, pool_energy_pj, sa_energy_pj,
        vfu_energy_pj;
    double outreg_energy_pj;
    /* leakage x simulated time of tile-level components (CEs count their own) */
    double buffer_leakage_pj, bus_leakage_pj, outreg_leakage_pj, act_leakage_pj,
        pool_leakage_pj, sa_leakage_pj, vfu_leakage_pj;
    double extra_energy_pj;       /* tile extras, counted as always on */
} tile_stats_t;
extern const desc_t tile_stat_desc[];
extern const int tile_stat_count;

struct tile;
/* How a granted MVM is executed (the SystemC tile routes it over TLM to the CE
 * module); the default calls tile_exec_mvm. */
typedef int (*tile_mvm_fn)(void *ctx, struct tile *t, const tile_op_t *op, uint64_t start,
                           tile_result_t *res);

typedef struct tile_pending {
    tile_op_t op;
    uint64_t arrival, seq;
    int on_bus;             /* a buffer op: it waits for the bus too */
    /* the free cycle of the bank, CE or unit it waits for (NULL: op_valid()
     * failed), and a buffer op's access latency, found once at the request */
    const uint64_t *free_at;
    uint64_t bus_lat;
} tile_pending_t;

typedef struct tile {
    const arch_t *a;
    int n_ces;
    ce_t *ces;
    uint64_t *bank_free;
    int n_banks;
    uint64_t bank_bytes;
    uint64_t bus_free, unit_free[UNIT_KIND_COUNT_ - 1]; /* tile units: sa, activation, pool */
    uint64_t *vfu_free;          /* per CE */
    tile_pending_t *q;
    int nq, capq;
    uint64_t seq;
    uint64_t last_ready;         /* the first cycle the op tile_request queued last can be
                                    granted in, as things stand (only a grant changes it) */
    uint64_t leaked_until;       /* leakage accounted up to this cycle */
    uint64_t stage_cycles;       /* synchronous pipeline stage, 0 = none */
    tile_mvm_fn mvm_fn;
    void *mvm_ctx;
    tile_stats_t st;
} tile_t;

int tile_init(tile_t *t, const arch_t *a);
void tile_free(tile_t *t);
/* Synchronous pipeline (ISAAC: every IMA/tile stage is one 100 ns crossbar
 * cycle): each op's duration and resource occupancy, and the CE's ADC, S+A
 * and output-register steps, are rounded up to whole stages. 0 = off. */
void tile_set_stage_ns(tile_t *t, double ns);
/* Queues op arriving at cycle `arrival`. Returns 0, -1 on allocation failure. */
int tile_request(tile_t *t, const tile_op_t *op, uint64_t arrival);
/* Earliest cycle at which a queued op can be granted (UINT64_MAX if none). */
uint64_t tile_next_event(const tile_t *t);
/* Grants at cycle now; writes up to max results; returns how many. */
int tile_arbitrate(tile_t *t, uint64_t now, tile_result_t *res, int max);
/* Executes a granted MVM on its CE (functional when op->in/out are set). */
int tile_exec_mvm(tile_t *t, const tile_op_t *op, uint64_t start, tile_result_t *res);
/* Accounts leakage of the tile and its CEs up to cycle `now`. */
void tile_leak_until(tile_t *t, uint64_t now);
double tile_energy_pj(const tile_t *t); /* tile + CEs, dynamic + leakage */

/* Adds this tile's (and its CEs') energy per class, pJ: dynamic (crossbar
 * programming included) and leakage; and busy cycles per class summed over
 * instances (for utilization = busy / (instances x simulated cycles)). */
void tile_energy_by_class(const tile_t *t, double dyn_pj[COMP_CLASS_COUNT_],
                          double leak_pj[COMP_CLASS_COUNT_]);
/* Static power of one powered tile, mW per class: the leakage of every
 * instance of its CEs and tile units, and the extras' full power (always on,
 * docs/components.md). */
void tile_static_mw_by_class(const arch_t *a, double mw[COMP_CLASS_COUNT_]);
/* Totals over the tile's CEs (for run_result_t). */
typedef struct tile_counts {
    uint64_t mvm_ops, crossbar_reads, adc_conversions, adc_clipped, dac_drives;
} tile_counts_t;
void tile_counts(const tile_t *t, tile_counts_t *c);
void tile_busy_by_class(const tile_t *t, uint64_t busy[COMP_CLASS_COUNT_],
                        uint64_t instances[COMP_CLASS_COUNT_]);
void tile_stats_json(const tile_t *t, json_w_t *w);

#ifdef __cplusplus
}
#endif
#endif
