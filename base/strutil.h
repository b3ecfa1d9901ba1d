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

/* The shortest of %.15g and %.17g that reads back as the same double: a
 * number written to a file that loads back exactly. Returns buf. */
const char *fmt_exact(char *buf, size_t n, double v);

/* v with an SI prefix and the unit, 4 significant digits: "1.23 ms",
 * "105.1 GOPS/W" (prefixes p to T). Returns buf. */
const char *fmt_si(char *buf, size_t n, double v, const char *unit);

#ifdef __cplusplus
}
#endif
#endif
