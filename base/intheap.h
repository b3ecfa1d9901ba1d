/* A binary min-heap of ints in a caller's array (room for every value it will
 * hold): the loaders' topological sorts take the ready layer or node with the
 * lowest file position first, in O(log n) each. */
#ifndef IMC_INTHEAP_H
#define IMC_INTHEAP_H

#ifdef __cplusplus
extern "C" {
#endif

/* Adds v to the heap h of *n values. */
void intheap_push(int *h, int *n, int v);
/* Removes and returns the smallest of the *n > 0 values of h. */
int intheap_pop(int *h, int *n);

#ifdef __cplusplus
}
#endif
#endif
