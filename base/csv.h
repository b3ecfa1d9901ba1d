/* CSV fields as RFC 4180 writes them: a field holding a comma, a double
 * quote, CR or LF is enclosed in double quotes, its quotes doubled; any
 * other field is written as it is. Every CSV imcsim writes goes through
 * here, so a layer named `a,"b"` reads back as one field. */
#ifndef IMC_CSV_H
#define IMC_CSV_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

void csv_put(FILE *f, const char *s);

#ifdef __cplusplus
}
#endif
#endif
