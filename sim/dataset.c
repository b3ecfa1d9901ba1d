/* The dataset reader (dataset.h). Header, 32 bytes, little-endian:
 *   0  char[8]  "IMCDATA1"
 *   8  uint32   n (samples, >= 1)
 *  12  uint32   h
 *  16  uint32   w
 *  20  uint32   c          (each 1..65536, h*w*c <= 2^26)
 *  24  uint32   classes    (1..2^20)
 *  28  uint32   0          (reserved)
 * then n*h*w*c float32 values, then n int32 labels, nothing after. */
#include "dataset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void dataset_free(dataset_t *ds)
{
    free(ds->x);
    free(ds->y);
    memset(ds, 0, sizeof *ds);
}

int dataset_parse(const char *name, const unsigned char *buf, size_t len, dataset_t *ds,
                  imc_diag_t *d)
{
    memset(ds, 0, sizeof *ds);
    snprintf(ds->path, sizeof ds->path, "%s", name);
    if (len < DATASET_HEADER_BYTES) {
        diag_error(d, name, 0, 0, "truncated header: %zu bytes (expected %d)", len,
                   DATASET_HEADER_BYTES);
        return -1;
    }
    if (memcmp(buf, DATASET_MAGIC, 8)) {
        diag_error(d, name, 0, 0, "byte 0: bad magic (expected \"%s\": a file written by "
                   "scripts/make-dataset)", DATASET_MAGIC);
        return -1;
    }
    static const struct { const char *what; uint32_t lo, hi; } f[] = {
        {"sample count", 1, 1u << 24}, {"height", 1, 65536}, {"width", 1, 65536},
        {"channels", 1, 65536}, {"class count", 1, 1u << 20}, {"reserved field", 0, 0}};
    uint32_t v[6];
    for (int i = 0; i < 6; i++) {
        v[i] = le32(buf + 8 + 4 * i);
        if (v[i] < f[i].lo || v[i] > f[i].hi) {
            diag_error(d, name, 0, 0, "byte %d: %s %u (expected %u..%u)", 8 + 4 * i, f[i].what,
                       v[i], f[i].lo, f[i].hi);
            return -1;
        }
    }
    uint64_t per = (uint64_t)v[1] * v[2] * v[3];
    if (per > (1u << 26)) {
        diag_error(d, name, 0, 0, "byte 12: samples of %ux%ux%u = %llu values (expected at "
                   "most %u)", v[1], v[2], v[3], (unsigned long long)per, 1u << 26);
        return -1;
    }
    uint64_t nx = per * v[0];
    uint64_t need = DATASET_HEADER_BYTES + 4 * nx + 4 * (uint64_t)v[0];
    if (len != need) {
        diag_error(d, name, 0, 0, "%s at byte %zu (expected %llu bytes: a %d-byte header, "
                   "%u samples of %ux%ux%u float32 and %u int32 labels)",
                   len < need ? "truncated" : "trailing data", len < need ? len : (size_t)need,
                   (unsigned long long)need, DATASET_HEADER_BYTES, v[0], v[1], v[2], v[3], v[0]);
        return -1;
    }
    ds->n = (int)v[0];
    ds->h = (int)v[1];
    ds->w = (int)v[2];
    ds->c = (int)v[3];
    ds->classes = (int)v[4];
    ds->x = malloc(sizeof *ds->x * (nx ? nx : 1));
    ds->y = malloc(sizeof *ds->y * (size_t)ds->n);
    if (!ds->x || !ds->y) {
        dataset_free(ds);
        diag_error(d, name, 0, 0, "out of memory for %llu values", (unsigned long long)nx);
        return -1;
    }
    const unsigned char *p = buf + DATASET_HEADER_BYTES;
    for (uint64_t i = 0; i < nx; i++, p += 4) {
        uint32_t u = le32(p);
        float fv;
        memcpy(&fv, &u, sizeof fv);
        if (!isfinite(fv)) {
            diag_error(d, name, 0, 0, "byte %llu: sample %llu value %llu is not finite "
                       "(expected finite values)", (unsigned long long)(p - buf),
                       (unsigned long long)(i / per), (unsigned long long)(i % per));
            dataset_free(ds);
            return -1;
        }
        ds->x[i] = fv;
    }
    for (int i = 0; i < ds->n; i++, p += 4) {
        int32_t y = (int32_t)le32(p);
        if (y < 0 || y >= ds->classes) {
            diag_error(d, name, 0, 0, "byte %llu: label %d of sample %d (expected 0..%d)",
                       (unsigned long long)(p - buf), y, i, ds->classes - 1);
            dataset_free(ds);
            return -1;
        }
        ds->y[i] = y;
    }
    return 0;
}

int dataset_read(const char *path, dataset_t *ds, imc_diag_t *d)
{
    memset(ds, 0, sizeof *ds);
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(d, path, 0, 0, "cannot read the dataset: %s (expected a file written by "
                   "scripts/make-dataset)", strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    const size_t max = (size_t)1 << 34;
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len < cap)
            break;
        if (cap >= max) {
            free(buf);
            buf = NULL;
            break;
        }
        unsigned char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        free(buf);
        diag_error(d, path, 0, 0, "cannot read the dataset (%s)",
                   err ? "read error" : "larger than 16 GiB or out of memory");
        return -1;
    }
    int rc = dataset_parse(path, buf, len, ds, d);
    free(buf);
    return rc;
}
