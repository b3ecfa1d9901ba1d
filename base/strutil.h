/* Small string helpers shared by the loaders and the command line. */
#ifndef IMC_STRUTIL_H
#define IMC_STRUTIL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Edit distance between a and b (bounded inputs: names and keys). */
size_t str_edit_distance(const char *a, const char *b);

/* The candidate closest to `word`, or NULL when none is close enough to be a
 * plausible typo (distance > max(2, len/3)). */
const char *str_closest(const char *word, const char *const *candidates,
                        size_t n);

#ifdef __cplusplus
}
#endif
#endif
