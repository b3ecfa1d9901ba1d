#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diag_init(imc_diag_t *d) { memset(d, 0, sizeof *d); }

void diag_free(imc_diag_t *d)
{
    free(d->text);
    diag_init(d);
}

void diag_clear(imc_diag_t *d)
{
    d->len = 0;
    if (d->text)
        d->text[0] = '\0';
    d->errors = d->warnings = 0;
}

static void append(imc_diag_t *d, const char *s, size_t n)
{
    if (d->len + n + 1 > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        while (cap < d->len + n + 1)
            cap *= 2;
        char *t = realloc(d->text, cap);
        if (!t)
            abort(); /* out of memory while reporting: nothing sane left */
        d->text = t;
        d->cap = cap;
    }
    memcpy(d->text + d->len, s, n);
    d->len += n;
    d->text[d->len] = '\0';
}

static void vreport(imc_diag_t *d, const char *kind, const char *file,
                    int line, int col, const char *fmt, va_list ap)
{
    char buf[1024];
    int n = 0;
    if (file && line > 0)
        n = snprintf(buf, sizeof buf, "%s:%d:%d: %s: ", file, line, col, kind);
    else if (file)
        n = snprintf(buf, sizeof buf, "%s: %s: ", file, kind);
    else
        n = snprintf(buf, sizeof buf, "%s: ", kind);
    if (n < 0 || (size_t)n >= sizeof buf)
        n = 0;
    int m = vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
    size_t total = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (total > sizeof buf - 2)
        total = sizeof buf - 2;
    buf[total++] = '\n';
    append(d, buf, total);
}

#define DEFINE_REPORT(fn, kind, counter)                                      \
    void fn(imc_diag_t *d, const char *file, int line, int col,               \
            const char *fmt, ...)                                             \
    {                                                                         \
        va_list ap;                                                           \
        va_start(ap, fmt);                                                    \
        vreport(d, kind, file, line, col, fmt, ap);                           \
        va_end(ap);                                                           \
        counter;                                                              \
    }

DEFINE_REPORT(diag_error, "error", d->errors++)
DEFINE_REPORT(diag_warning, "warning", d->warnings++)
DEFINE_REPORT(diag_note, "note", (void)0)

const char *diag_first(const imc_diag_t *d)
{
    return d->len ? d->text : NULL;
}
