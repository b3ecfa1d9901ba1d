#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void jw_init(json_w_t *w, FILE *f)
{
    memset(w, 0, sizeof *w);
    w->f = f;
}

static void indent(json_w_t *w)
{
    fputc('\n', w->f);
    for (int i = 0; i < w->depth; i++)
        fputs("  ", w->f);
}

/* Separator, indentation and key for the next item at the current level. */
static void item(json_w_t *w, const char *key)
{
    if (w->depth > 0) {
        if (w->count[w->depth - 1]++)
            fputc(',', w->f);
        indent(w);
        if (w->kind[w->depth - 1] == '{') {
            json_put_string(w->f, key ? key : "");
            fputs(": ", w->f);
        }
    }
}

static void open(json_w_t *w, const char *key, char kind)
{
    item(w, key);
    fputc(kind, w->f);
    if (w->depth >= JSON_MAX_DEPTH)
        abort(); /* a programming error, not an input error */
    w->kind[w->depth] = kind;
    w->count[w->depth] = 0;
    w->depth++;
}

static void close_level(json_w_t *w, char kind)
{
    int had = w->count[w->depth - 1];
    w->depth--;
    if (had)
        indent(w);
    fputc(kind, w->f);
}

void jw_obj_begin(json_w_t *w, const char *key) { open(w, key, '{'); }
void jw_obj_end(json_w_t *w) { close_level(w, '}'); }
void jw_arr_begin(json_w_t *w, const char *key) { open(w, key, '['); }
void jw_arr_end(json_w_t *w) { close_level(w, ']'); }

void json_format_double(char *buf, size_t n, double v)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "null");
        return;
    }
    if (v == 0)
        v = 0; /* no "-0" */
    snprintf(buf, n, "%.12g", v);
}

void jw_num(json_w_t *w, const char *key, double v)
{
    char buf[64];
    json_format_double(buf, sizeof buf, v);
    item(w, key);
    fputs(buf, w->f);
}

void jw_int(json_w_t *w, const char *key, int64_t v)
{
    item(w, key);
    fprintf(w->f, "%lld", (long long)v);
}

void jw_uint(json_w_t *w, const char *key, uint64_t v)
{
    item(w, key);
    fprintf(w->f, "%llu", (unsigned long long)v);
}

void jw_str(json_w_t *w, const char *key, const char *s)
{
    item(w, key);
    json_put_string(w->f, s ? s : "");
}

void jw_bool(json_w_t *w, const char *key, int v)
{
    item(w, key);
    fputs(v ? "true" : "false", w->f);
}

void jw_null(json_w_t *w, const char *key)
{
    item(w, key);
    fputs("null", w->f);
}

void jw_finish(json_w_t *w) { fputc('\n', w->f); }

void json_put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\t': fputs("\\t", f); break;
        case '\r': fputs("\\r", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void jw_ints(json_w_t *w, const char *key, const int *v, int n)
{
    jw_arr_begin(w, key);
    for (int i = 0; i < n; i++)
        jw_int(w, NULL, v[i]);
    jw_arr_end(w);
}
