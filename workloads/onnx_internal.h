/* Private to workloads/: ONNX tensors as the importer and the weights
 * reader see them (docs/model-format.md, "ONNX"). */
#ifndef IMC_ONNX_INTERNAL_H
#define IMC_ONNX_INTERNAL_H

#include <stdint.h>

#include "diag.h"
#include "mapping.h"
#include "onnx_wire.h"

#define ONNX_MAX_RANK 8

/* A value read as a float, as an integer without undefined behaviour (files
 * may hold anything): NaN is 0, the rest saturates. */
static inline int64_t onnx_f2i(double v)
{
    return v != v ? 0 : v >= 9.2233720368547758e18 ? INT64_MAX
           : v <= -9.2233720368547758e18 ? INT64_MIN : (int64_t)v;
}

static inline int32_t onnx_f2i32(double v)
{
    return v != v ? 0 : v >= 2147483647.0 ? INT32_MAX : v <= -2147483648.0 ? INT32_MIN
           : (int32_t)v;
}

/* Where an ONNX file's bytes are: a path (read with pread when needed) or
 * memory the caller keeps alive; external data files lie in dir. */
typedef struct onnx_src {
    const char *path;
    const uint8_t *mem;
    size_t mem_len;
    const char *dir;
} onnx_src_t;

/* Where one tensor's values lie. All of it is owned by the model_t. */
typedef struct onnx_tensor {
    const char *name;
    int dtype;                      /* TensorProto.DataType */
    int rank;
    int64_t dims[ONNX_MAX_RANK];
    int64_t n;                      /* elements */
    int n_spans;                    /* payloads left in the model file */
    onnx_span_t *spans;
    const char *ext;                /* external data file (relative to the model's dir) */
    uint64_t ext_off, ext_len;
    int64_t n_inl;                  /* values decoded with the model: unpacked elements, */
    double *inl;                    /* Constant value_float(s)/value_int(s) */
    int64_t *inl_i;                 /* the same as integers (exact for int64) */
    int derived;                    /* computed while loading (folded, or a stored tensor
                                       seen with other dims): not in the file by its name */
} onnx_tensor_t;

/* Size in bytes of one element of an ONNX data type, 0 if unsupported. */
int onnx_dtype_size(int dtype);
const char *onnx_dtype_name(int dtype);
/* Bits of an integer type (int8: 8), 0 for others. */
int onnx_dtype_int_bits(int dtype, int *is_signed);

/* Describe TensorProto t (from w->model) in m's store, checking its shape,
 * type and data (external files must exist and be large enough; src->dir
 * is their directory). On failure -1 with "what: ..." in err. */
int onnx_tensor_from_proto(model_t *m, const onnx_wire_t *w, const Onnx__TensorProto *t,
                           const onnx_src_t *src, onnx_tensor_t *out, char *err,
                           size_t errlen);

/* All n values of t, as floats or as 64-bit integers (integer types only).
 * -1 with a message naming `what` in d. */
int onnx_read_f32(const onnx_src_t *src, const onnx_tensor_t *t, float *out, imc_diag_t *d,
                  const char *file, const char *what);
int onnx_read_i64(const onnx_src_t *src, const onnx_tensor_t *t, int64_t *out,
                  imc_diag_t *d, const char *file, const char *what);

#endif

/* How to compute one weight layer's float weights (weights.c) from ONNX
 * tensors; the importer and the YAML `weights:` references fill it. */
typedef struct wspec {
    int kind;                       /* WS_NONE, WS_CONV, WS_LINEAR, WS_LSTM, WS_BN */
    const onnx_tensor_t *w, *b;     /* weights, bias (LSTM: W [1,4H,I], B [1,8H]) */
    const onnx_tensor_t *r;         /* LSTM: R [1,4H,H] */
    /* Quantized weights: w holds integers, (w - zero) * scale along q_axis; with
     * fake_quant, w holds floats that a QuantizeLinear rounds first. */
    const onnx_tensor_t *w_scale, *w_zero;
    int q_axis, fake_quant, q_lo, q_hi;
    double b_scale;                 /* > 0: b holds integers, b * b_scale * w_scale[channel] */
    const onnx_tensor_t *b_scale_t, *b_zero; /* b dequantized: (b - zero) * scale */
    double out_mul;                 /* a constant the graph multiplies the output by (1) */
    int transpose;                  /* linear: w is [in, out] (MatMul, Gemm transB = 0) */
    double alpha, beta;             /* Gemm */
    /* A BatchNormalization folded in (kind WS_BN on its own raw layer). */
    const onnx_tensor_t *bn_scale, *bn_bias, *bn_mean, *bn_var;
    double bn_eps;
} wspec_t;
enum { WS_NONE, WS_CONV, WS_LINEAR, WS_LSTM, WS_BN };

/* Give m its weights: per final layer i, spec[i] (a batchnorm's fields merged
 * into its conv's). path/mem and dir locate the ONNX file. */
int model_weights_attach(model_t *m, const onnx_src_t *src, const wspec_t *spec,
                         imc_diag_t *d);

/* The ONNX front end (onnx.c). */
#include "model.h"
int onnx_load(const char *file, const uint8_t *mem, size_t len, const model_opts_t *o,
              model_t *out, imc_diag_t *d);

/* An ONNX file opened for the tensors a YAML model's `weights:` names. */
typedef struct onnx_file onnx_file_t;
onnx_file_t *onnx_file_open(const char *path, model_t *m, imc_diag_t *d);
void onnx_file_close(onnx_file_t *f);
const onnx_src_t *onnx_file_src(const onnx_file_t *f);
/* The tensor called `name` (an initializer or a Constant's value), described
 * in m's store; NULL with the reason in err. */
const onnx_tensor_t *onnx_file_tensor(onnx_file_t *f, const char *name, char *err,
                                      size_t errlen);
/* The spec of weight layer i (NULL without weights), for writers. */
const wspec_t *model_layer_wspec(const model_t *m, int i);
/* Read a small tensor (scales, zero points) while m's store is alive. */
int model_weights_read(const model_t *m, const onnx_tensor_t *t, float *out, imc_diag_t *d);
/* Give layer i's quant block the scales and zero points its spec names,
 * unless it has some already. */
int model_quant_scales(model_t *m, int i, const wspec_t *s, imc_diag_t *d);
