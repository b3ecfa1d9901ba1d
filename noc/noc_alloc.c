/* Separable allocators with a round-robin pointer per resource and per
 * requester (docs/noc.md "Allocators"): the VC allocator's fair variants.
 * A requester asks for a set of resources (bits of a small bitset); each
 * resource has a grant pointer over requester ids, each requester an accept
 * pointer over resources; pointers move only when a grant is accepted, so a
 * requester that keeps asking comes round (the bounds are in docs/noc.md and
 * test_noc checks them). */
#include <string.h>

#include "noc_internal.h"

/* The first resource at or after p (wrapping) among the nres bits of s;
 * -1 if none. */
static int next_bit(const uint64_t *s, int nres, int p)
{
    if (p >= nres)
        p = 0;
    int words = (nres + 63) / 64;
    for (int k = 0; k <= words; k++) {
        int w = (p / 64 + k) % words;
        uint64_t m = s[w];
        if (k == 0)
            m &= ~0ull << (p % 64);
        else if (k == words)
            m &= (p % 64) ? ~(~0ull << (p % 64)) : 0;
        if (m)
            return w * 64 + __builtin_ctzll(m);
    }
    return -1;
}

/* Cyclic distance from pointer p to id among nid ids. */
static inline int rr_dist(int id, int p, int nid)
{
    int d = id - (p >= nid ? 0 : p);
    return d < 0 ? d + nid : d;
}

void noc_alloc_separable_if(noc_alloc_row_t *rows, int nrows, int nres, int nid, uint16_t *gptr)
{
    int best[NOC_ALLOC_WORDS * 64];
    for (int j = 0; j < nres; j++)
        best[j] = -1;
    /* input stage: each requester picks one resource from its pointer */
    for (int i = 0; i < nrows; i++) {
        noc_alloc_row_t *q = &rows[i];
        q->match = -1;
        int j = next_bit(q->req, nres, *q->aptr);
        q->pick = j;
        if (j < 0)
            continue;
        /* output stage: the resource takes the picker nearest its pointer */
        if (best[j] < 0 || rr_dist(q->id, gptr[j], nid) < rr_dist(rows[best[j]].id, gptr[j], nid))
            best[j] = i;
    }
    for (int i = 0; i < nrows; i++) {
        noc_alloc_row_t *q = &rows[i];
        if (q->pick >= 0 && best[q->pick] == i) {
            q->match = q->pick;
            gptr[q->pick] = (uint16_t)(q->id + 1);
            *q->aptr = (uint16_t)(q->pick + 1);
        }
    }
}

void noc_alloc_islip(noc_alloc_row_t *rows, int nrows, int nres, int nid, uint16_t *gptr,
                     int iters)
{
    int best[NOC_ALLOC_WORDS * 64];
    uint64_t taken[NOC_ALLOC_WORDS] = {0};
    for (int i = 0; i < nrows; i++)
        rows[i].match = -1;
    for (int it = 0; it < iters; it++) {
        /* grant: each free resource grants the requester nearest its pointer */
        for (int j = 0; j < nres; j++)
            best[j] = -1;
        int any = 0;
        for (int i = 0; i < nrows; i++) {
            noc_alloc_row_t *q = &rows[i];
            if (q->match >= 0)
                continue;
            for (int w = 0; w < (nres + 63) / 64; w++)
                for (uint64_t m = q->req[w] & ~taken[w]; m; m &= m - 1) {
                    int j = w * 64 + __builtin_ctzll(m);
                    if (best[j] < 0 ||
                        rr_dist(q->id, gptr[j], nid) < rr_dist(rows[best[j]].id, gptr[j], nid))
                        best[j] = i;
                    any = 1;
                }
        }
        if (!any)
            return;
        /* accept: each requester takes the grant nearest its own pointer */
        uint64_t granted[NOC_ALLOC_WORDS];
        for (int i = 0; i < nrows; i++) {
            noc_alloc_row_t *q = &rows[i];
            if (q->match >= 0)
                continue;
            memset(granted, 0, sizeof granted);
            int g = 0;
            for (int w = 0; w < (nres + 63) / 64; w++)
                for (uint64_t m = q->req[w] & ~taken[w]; m; m &= m - 1) {
                    int j = w * 64 + __builtin_ctzll(m);
                    if (best[j] == i) {
                        granted[w] |= 1ull << (j % 64);
                        g = 1;
                    }
                }
            if (!g)
                continue;
            int j = next_bit(granted, nres, *q->aptr);
            q->match = j;
            taken[j / 64] |= 1ull << (j % 64);
            if (it == 0) { /* pointers move on first-iteration accepts only */
                gptr[j] = (uint16_t)(q->id + 1);
                *q->aptr = (uint16_t)(j + 1);
            }
        }
    }
}
