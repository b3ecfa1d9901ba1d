/* Per-layer quantization: how a layer's weights and activations are turned
 * into integers. Filled by the YAML model format's `quant:` block, by the
 * ONNX importer (QDQ pairs, QLinear and Integer operators, metadata_props)
 * and by an override file (docs/model-format.md). The timing path reads only
 * the bit widths (layer_t.weight_bits/act_bits carry the resolved ones); the
 * functional path reads the rest. */
#ifndef IMC_QUANT_H
#define IMC_QUANT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    QUANT_DEFAULT,   /* no block: uniform symmetric at the layer/model/arch precision */
    QUANT_UNIFORM,   /* w_q = clamp(round(w/s) + z, lo, hi); symmetric: z = 0 */
    QUANT_POW2,      /* logarithmic: |w| ~ base^n (radix 2 or 4), sign bit */
    QUANT_CODEBOOK,  /* weights snapped to a table of levels (k-means or given) */
    QUANT_BINARY,    /* +-1 weights and activations (XNOR/popcount) */
    QUANT_TERNARY,   /* -1, 0, +1 weights */
    QUANT_SCHEME_COUNT_
} quant_scheme_t;

typedef struct layer_quant {
    quant_scheme_t scheme;
    int weight_bits, act_bits;   /* 0 = inherit (layer field, then model, then arch) */
    int symmetric;               /* uniform: 1 symmetric (zero point 0), 0 asymmetric */
    int per_channel;             /* weights: one scale (and zero point) per output channel */
    int log_base;                /* pow2: 2 or 4 */
    int n_levels;                /* codebook: number of levels (<= 2^weight_bits);
                                    0 = 2^(resolved weight_bits) */
    const double *levels;        /* codebook levels, ascending (NULL = k-means on the
                                    weights at load) */
    int n_w_scale;               /* 0 = computed from the weights; 1 per tensor; out_c per channel */
    const double *w_scale;
    const int32_t *w_zero;       /* n_w_scale zero points; NULL = all zero */
    int has_a_scale;             /* activation scale/zero point given (ONNX QDQ) */
    double a_scale;
    int32_t a_zero;
} layer_quant_t;
/* Arrays are owned by the model_t (freed by model_free). A zeroed
 * layer_quant_t is QUANT_DEFAULT with nothing given. */

/* "uniform", "pow2", ... ("default" for QUANT_DEFAULT); NULL when out of range. */
const char *quant_scheme_name(quant_scheme_t s);
/* The scheme with this name, or -1. */
int quant_scheme_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif
