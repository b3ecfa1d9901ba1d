/* Functional inference (docs/functional.md): real values through the same
 * component cores the timing uses. Each weight layer's weights are quantized
 * by its scheme, cut into crossbar blocks exactly as the compiler's mapping
 * cuts them and programmed into CE cores (ce_program_ex); activations are
 * quantized at the layer's act_bits and streamed through ce_mvm (DAC slices,
 * cells, non-idealities, ADC, shift-and-add), partial sums of row blocks and
 * CEs are reduced, then bias, activation, pooling, residual adds, concat,
 * flatten and LSTM steps run digitally. Beside it run a float reference
 * forward pass and an ideal integer reference (plain loops, no component
 * code), for agreement and per-layer error.
 *
 * A library call without SystemC: func_open programs a network once,
 * func_infer runs one input (a virtual platform calls these), func_evaluate
 * runs a labelled data set and fills a func_result_t. */
#ifndef IMC_FUNCTIONAL_H
#define IMC_FUNCTIONAL_H

#include <stdint.h>

#include "arch.h"
#include "dataset.h"
#include "diag.h"
#include "json.h"
#include "mapping.h"
#include "weights.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where weight layer i's float weights come from (default: model_layer_weights). */
typedef int (*func_weights_fn)(void *ctx, const model_t *m, int layer, layer_weights_t *out,
                               imc_diag_t *d);

typedef struct func_opts {
    uint64_t seed;          /* non-idealities' random streams (default 1) */
    int limit;              /* images evaluated (0: all) */
    int calib_images;       /* activation ranges from the first images of the data when
                               the model gives no scales (0: 32) */
    const float *calib;     /* or from these n_calib inputs instead */
    int n_calib;
    func_weights_fn weights;
    void *weights_ctx;
    int keep_outputs;       /* func_evaluate: keep every layer's outputs of image 0 */
} func_opts_t;

typedef struct func_layer_result {
    char name[64];
    char type[16];
    double rel_rmse;        /* vs the float reference, over all images */
    double rel_rmse_int;    /* vs the ideal integer reference */
    uint64_t conversions;   /* ADC conversions (all images) */
    uint64_t clipped;       /* of them saturated */
    double clipped_fraction;
    uint64_t sense_decisions; /* binary layers sensed instead of converted */
    uint64_t mismatches;    /* outputs differing from the integer reference */
    uint64_t outputs;       /* outputs compared */
} func_layer_result_t;

/* One layer of image 0 (func_opts_t.keep_outputs), for tests that recompute
 * it independently. Weight layers also keep their integer operands. */
typedef struct func_capture {
    int size;                /* output values */
    float *out_hw, *out_int, *out_float;
    /* weight layers: y_int[p][o] = sum_i q[o][i] x[p][g(o) * n_in + i] */
    int n_in, n_out, groups, positions;
    int64_t *q;              /* n_out x n_in integer weights */
    int64_t *x;              /* positions x (groups * n_in) inputs of the hardware pass
                                (crossbar input codes; binary: +-1) */
    int64_t *y_hw, *y_int;   /* positions x n_out integer MVM results */
} func_capture_t;

typedef struct func_result {
    int images, classes;
    double top1, top5;      /* top5 < 0 when classes <= 5 */
    double float_top1, int_top1;
    double agreement_float, agreement_int;
    uint64_t conversions, clipped;
    uint64_t *clipped_per_image;   /* images entries */
    int n_layers;
    func_layer_result_t *layers;
    /* programming the weights once (docs/functional.md, "Programming cost") */
    uint64_t cells_programmed;     /* crossbar cells written, all replicas */
    double program_pulses_per_cell;
    double program_energy_j, program_time_s;
    double lifetime_programmings;  /* endurance / pulses per cell */
    /* keep_outputs: what image 0 did, layer by layer */
    struct func_capture *capture;  /* n_layers entries */
} func_result_t;

typedef struct func_net func_net_t;

/* Programs the network of mapping mp (arch a, model mp->model). calib: n_calib
 * inputs (HWC floats, the model's input size each) that fix activation ranges
 * where the model gives no scales. 0 ok; -1 with one message in d (model
 * without weights, scheme that does not fit the arch, ...). */
int func_open(func_net_t **out, const arch_t *a, const mapping_t *mp, const func_opts_t *o,
              const float *calib, int n_calib, imc_diag_t *d);
/* One inference of input x; the hardware's outputs (the last layer's, n_out of
 * them, may be NULL). id selects the read-noise streams (e.g. the image index).
 * 0 ok, -1 with a message in d. */
int func_infer(func_net_t *n, const float *x, uint64_t id, float *out, int n_out,
               imc_diag_t *d);
int func_output_size(const func_net_t *n);
void func_close(func_net_t *n);

/* The whole data set (the first o->limit images): accuracy, agreement,
 * per-layer error and clipping, programming cost. Errors as func_open, plus a
 * data set that does not fit the model's input. */
int func_evaluate(const arch_t *a, const mapping_t *mp, const dataset_t *ds,
                  const func_opts_t *o, func_result_t *r, imc_diag_t *d);
void func_result_free(func_result_t *r);

/* A sum of squares kept as s * 4^k, k the binary exponent of the largest |x|
 * added: the largest term is in [1/4, 1), so the sum never overflows and only
 * terms 2^-1000 times smaller than it underflow (rounding drops them anyway);
 * where plain double sums neither overflow nor underflow, the result has their
 * bits (scaling by powers of two is exact). Zero-initialise it. A value that
 * is not finite makes s NaN. */
typedef struct func_sumsq {
    double s;
    int k;
} func_sumsq_t;
void func_sumsq_add(func_sumsq_t *q, double x);
/* sqrt(err / ref), or sqrt(err) when ref is 0: a relative RMSE from the sums
 * of squares of the errors and of the reference values. */
double func_rel_rmse(const func_sumsq_t *err, const func_sumsq_t *ref);

/* Writes the "functional" object (docs/stats.md) into an open JSON object. */
void func_result_json(const func_result_t *r, json_w_t *w);
/* A short text summary (every number with its unit). */
void func_result_summary(const func_result_t *r, FILE *f);
/* Clipped conversions of a batch of `batch` inferences where inference i
 * runs image i mod images (the run's adc_clipped). */
uint64_t func_batch_clipped(const func_result_t *r, int batch);

#ifdef __cplusplus
}
#endif
#endif
