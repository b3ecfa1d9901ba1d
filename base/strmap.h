/* A map from names to integers in expected constant time: a loader that
 * looks names up (a model's layers by name) stays linear in the number of
 * names. Keys are not copied: they must outlive the map. */
#ifndef IMC_STRMAP_H
#define IMC_STRMAP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strmap {
    const char **keys; /* open addressing, NULL = empty */
    int *vals;
    size_t cap, n;
} strmap_t;

/* Room for n keys without growing; 0, or -1 when out of memory. */
int strmap_init(strmap_t *m, size_t n);
void strmap_free(strmap_t *m);
/* The value of key, or -1 when absent. */
int strmap_get(const strmap_t *m, const char *key);
/* Adds key (or returns the value it already has, leaving it). Returns -1
 * when added, the existing value otherwise, -2 when out of memory. */
int strmap_put(strmap_t *m, const char *key, int val);

#ifdef __cplusplus
}
#endif
#endif
