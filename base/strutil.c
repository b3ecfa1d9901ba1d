#include "strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t str_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 255 || lb > 255)
        return la > lb ? la : lb;
    size_t row[256];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *str_closest(const char *word, const char *const *candidates,
                        size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = str_edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    size_t len = strlen(word);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    return best_d <= limit ? best : NULL;
}

const char *fmt_si(char *buf, size_t n, double v, const char *unit)
{
    static const struct { double f; const char *p; } pre[] = {
        {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""},
        {1e-3, "m"}, {1e-6, "u"}, {1e-9, "n"}, {1e-12, "p"},
    };
    size_t np = sizeof pre / sizeof pre[0], i = 0;
    double a = v < 0 ? -v : v;
    while (i + 1 < np && a < pre[i].f)
        i++;
    const char *sep = *pre[i].p || *unit ? " " : ""; /* "722.4", not "722.4 " */
    snprintf(buf, n, "%.4g%s%s%s", v / pre[i].f, sep, pre[i].p, unit);
    return buf;
}

const char *fmt_exact(char *buf, size_t n, double v)
{
    snprintf(buf, n, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, n, "%.17g", v);
    return buf;
}
