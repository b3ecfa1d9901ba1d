/* The model image (docs/vp.md, "Model image"): what `imcsim compile --image`
 * writes and imc::Accelerator reads from system memory. One little-endian
 * blob: a 64-byte header, a table of sections, then the sections: the model
 * (ONNX bytes with its weights, or YAML text), its load options, the
 * calibration inputs that fix activation scales, the mapping (JSON, checked
 * against the accelerator's own compile) and one trace file per layer
 * (docs/trace-format.md). Everything is checked before use: magic, version,
 * sizes and bounds, a CRC-32 of the whole image, the architecture it was
 * compiled for; each error names its byte offset. */
#ifndef IMC_IMAGE_H
#define IMC_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "diag.h"
#include "mapping.h"
#include "model.h"
#include "trace_io.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IMAGE_MAGIC "IMCSIMG\0"     /* 8 bytes, with the NUL */
#define IMAGE_VERSION 1
#define IMAGE_HEADER_BYTES 64
#define IMAGE_SECTION_BYTES 24
#define IMAGE_MAX_SECTIONS 4096
#define IMAGE_MAX_BYTES (1ull << 31)
#define IMAGE_OFF_CHECKSUM 44        /* the CRC field, zero while the CRC is computed */

typedef enum {
    IMAGE_SEC_MODEL_ONNX = 1, /* the ONNX file's bytes */
    IMAGE_SEC_MODEL_YAML = 2, /* YAML model text (no weights: timing only) */
    IMAGE_SEC_OPTS = 3,       /* model name and load options */
    IMAGE_SEC_CALIB = 4,      /* u32 n, u32 values, float32[n x values] */
    IMAGE_SEC_MAPPING = 5,    /* mapping JSON (imcsim compile --json) */
    IMAGE_SEC_TRACE = 6       /* one layer's trace file; index = the layer */
} image_section_t;

/* Why an image is refused (the accelerator's STATUS error codes 1..6). */
typedef enum {
    IMAGE_OK = 0,
    IMAGE_ERR_MAGIC = 1,
    IMAGE_ERR_VERSION = 2,
    IMAGE_ERR_BOUNDS = 3,   /* truncated, or a size or offset out of range */
    IMAGE_ERR_CHECKSUM = 4,
    IMAGE_ERR_ARCH = 5,     /* compiled for another architecture */
    IMAGE_ERR_CONTENT = 6   /* a section that does not load (model, traces, mapping) */
} image_err_t;

/* What image_write packs. */
typedef struct image_src {
    const arch_t *arch;
    const model_t *model;
    const mapping_t *mapping;
    const trace_layer_t *layers;      /* model->n_layers */
    const void *model_bytes;          /* the ONNX file or the YAML text */
    size_t model_len;
    int model_onnx;
    model_opts_t mopts;               /* quant_file must be NULL (not carried) */
    int policy;                       /* replicate_policy_t */
    const float *calib;               /* n_calib inputs of the model's input size */
    int n_calib;
    uint32_t out_values;              /* outputs per inference (0: no weights) */
} image_src_t;

/* The encoded image in a malloc'd buffer; 0, or -1 with a message in d. */
int image_write(const image_src_t *s, uint8_t **buf, size_t *len, imc_diag_t *d);

/* A parsed image: views into the buffer it was parsed from. */
typedef struct image_view {
    uint64_t total, arch_hash, model_hash;
    uint32_t in_values, out_values, policy;
    const uint8_t *model;
    size_t model_len;
    int model_onnx;
    char name[64], input_shape[64];
    int32_t weight_bits, act_bits;
    const float *calib;     /* unaligned-safe copy owned by the view (image_view_free) */
    uint32_t n_calib, calib_values;
    const char *mapping_json;
    size_t mapping_len;
    uint32_t n_traces;
    const uint8_t **trace;  /* by layer; owned by the view */
    size_t *trace_len;
} image_view_t;

/* Checks the container (magic, version, header and section bounds against
 * len, the CRC, the architecture hash) and fills v. IMAGE_OK, or the error
 * with "image: byte N: error: ..." in d and the offset in *err_off. */
image_err_t image_parse(const void *buf, size_t len, uint64_t arch_hash, image_view_t *v,
                        uint64_t *err_off, imc_diag_t *d);
void image_view_free(image_view_t *v);

/* What a parsed image holds, loaded: the model (from the image's bytes, which
 * must outlive it), its mapping compiled for a (and compared with the
 * image's), and the traces. IMAGE_OK or IMAGE_ERR_CONTENT with a message. */
typedef struct image_job {
    model_t model;
    mapping_t mapping;
    trace_layer_t *layers;
    int n_layers;
    int has_weights;
} image_job_t;

image_err_t image_load(const image_view_t *v, const arch_t *a, image_job_t *j, imc_diag_t *d);
void image_job_free(image_job_t *j);

#ifdef __cplusplus
}
#endif
#endif
