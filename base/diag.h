/* Diagnostics: "file:line:col: error: what (expected what)" collected in a
 * buffer, so loaders report every problem and tests can compare exact text. */
#ifndef IMC_DIAG_H
#define IMC_DIAG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct imc_diag {
    char *text;      /* all messages, each ending in '\n'; NUL-terminated */
    size_t len, cap;
    int errors;
    int warnings;
} imc_diag_t;

void diag_init(imc_diag_t *d);
void diag_free(imc_diag_t *d);
void diag_clear(imc_diag_t *d);

/* line and col are 1-based; line == 0 omits them (and file == NULL omits
 * the whole location prefix). */
void diag_error(imc_diag_t *d, const char *file, int line, int col,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diag_warning(imc_diag_t *d, const char *file, int line, int col,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diag_note(imc_diag_t *d, const char *file, int line, int col,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The first message of the given kind ("error", "warning"), or NULL. */
const char *diag_first(const imc_diag_t *d);

#ifdef __cplusplus
}
#endif
#endif
