/* Labelled data sets for functional runs (docs/functional.md, "Dataset
 * format"): a little-endian binary file of N samples of H x W x C float32
 * values (imcsim's HWC activation order) and N int32 labels, written by
 * scripts/make-dataset from any .npz holding x and y. */
#ifndef IMC_DATASET_H
#define IMC_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DATASET_MAGIC "IMCDATA1"
#define DATASET_HEADER_BYTES 32

typedef struct dataset {
    char path[256];
    int n, h, w, c;          /* samples and their shape */
    int classes;             /* labels are 0..classes-1 */
    float *x;                /* n x (h*w*c) */
    int32_t *y;              /* n */
} dataset_t;

/* 0 ok; -1 with one message in d naming the byte offset of the problem
 * (bad magic, bad header field, truncated data, non-finite value, label out
 * of range, trailing bytes). */
int dataset_read(const char *path, dataset_t *out, imc_diag_t *d);
/* The same from memory (name is used in messages). */
int dataset_parse(const char *name, const unsigned char *buf, size_t len, dataset_t *out,
                  imc_diag_t *d);
void dataset_free(dataset_t *ds);
/* Values of one sample. */
static inline size_t dataset_sample_size(const dataset_t *ds)
{
    return (size_t)ds->h * ds->w * ds->c;
}

#ifdef __cplusplus
}
#endif
#endif
