/* Checked arithmetic for counts that grow with the input (MACs, weights,
 * bytes, cycles, times): each returns nonzero when the exact result does
 * not fit, so the caller reports an error instead of using a wrapped value.
 * *r is only meaningful when the call returned 0. */
#ifndef IMC_CHECKED_H
#define IMC_CHECKED_H

#include <stdint.h>

static inline int ck_add_i64(int64_t a, int64_t b, int64_t *r) { return __builtin_add_overflow(a, b, r); }
static inline int ck_sub_i64(int64_t a, int64_t b, int64_t *r) { return __builtin_sub_overflow(a, b, r); }
static inline int ck_mul_i64(int64_t a, int64_t b, int64_t *r) { return __builtin_mul_overflow(a, b, r); }
static inline int ck_add_u64(uint64_t a, uint64_t b, uint64_t *r) { return __builtin_add_overflow(a, b, r); }
static inline int ck_mul_u64(uint64_t a, uint64_t b, uint64_t *r) { return __builtin_mul_overflow(a, b, r); }

/* a*b*...: the product of n factors, or nonzero on overflow. */
static inline int ck_prod_i64(const int64_t *f, int n, int64_t *r)
{
    int64_t p = 1;
    for (int i = 0; i < n; i++)
        if (__builtin_mul_overflow(p, f[i], &p))
            return 1;
    *r = p;
    return 0;
}

#endif
