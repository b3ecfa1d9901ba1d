/* Weight quantization schemes on plain arrays (docs/functional.md): each turns
 * float weights w (n_out x n_in, row-major) into integers the crossbar stores,
 * with w ~= scale[o] * (q[o][i] - zero[o]):
 *
 *  - uniform, symmetric: q = clamp(round(w/s), -2^(b-1), 2^(b-1)-1), s = max|w| / (2^(b-1)-1);
 *  - uniform, asymmetric: q = clamp(round(w/s) + z, 0, 2^b-1), s = (max-min)/(2^b-1),
 *    z = round(-min/s) (stored unsigned, z x sum(x) removed digitally);
 *  - power of two: a sign and an exponent code e in 0..E, E = 2^(b-1)-1; e = 0 is
 *    zero, else |q| = base^(e-1): the nearest of those magnitudes (boundaries at
 *    the arithmetic mid-values, as the survey's radix-4 example); stored as a
 *    two's-complement integer of qm_pow2_storage_bits(b, base) bits;
 *  - codebook: the nearest of n levels (given, or 1-D k-means on the weights),
 *    the levels themselves on the symmetric b-bit grid;
 *  - ternary: q in {-1, 0, +1}, threshold 0.7 mean|w|, s = mean of |w| above it
 *    (Li and Liu, "Ternary weight networks", 2016);
 *  - binary: q = +1 for w >= 0 else -1, s = mean|w| (XNOR-Net).
 *
 * Scales are per tensor or per output channel; given scales (ONNX QDQ) are
 * used as they are. */
#ifndef IMC_QUANT_MATH_H
#define IMC_QUANT_MATH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { QM_UNIFORM, QM_POW2, QM_CODEBOOK, QM_BINARY, QM_TERNARY } qm_scheme_t;

typedef struct qm_spec {
    qm_scheme_t scheme;
    int bits;              /* weight bits of the scheme (code bits for pow2) */
    int symmetric;         /* uniform */
    int per_channel;
    int log_base;          /* pow2: 2 or 4 */
    int n_levels;          /* codebook (0: 2^bits) */
    const double *levels;  /* codebook levels, ascending, or NULL for k-means */
    int n_scale;           /* given scales: 0, 1 or n_out */
    const double *scale;
    const int32_t *zero;   /* with given scales: zero points, or NULL */
} qm_spec_t;

typedef struct qm_weights {
    int n_out, n_in;
    int64_t *q;            /* n_out x n_in */
    double *scale;         /* n_out */
    int64_t *zero;         /* n_out */
    int storage_bits;      /* bits of q on the crossbar */
    int is_unsigned;       /* q in [0, 2^storage_bits); else two's complement */
} qm_weights_t;

/* 0 ok; -1 with a reason in why (bad bits, bad levels, out of memory). */
int qm_quantize(const float *w, int n_out, int n_in, const qm_spec_t *s, qm_weights_t *out,
                char *why, size_t n);
void qm_weights_free(qm_weights_t *q);

/* Bits of the two's-complement integers of a b-bit power-of-two code. */
int qm_pow2_storage_bits(int bits, int base);

/* 1-D k-means (Lloyd, centres started at quantiles, 50 iterations or until
 * stable): deterministic. centers: k values, ascending. */
void qm_kmeans_1d(const float *x, size_t n, int k, double *centers);

#ifdef __cplusplus
}
#endif
#endif
