/* A small streaming JSON writer with deterministic number formatting, so the
 * same run always yields byte-identical files. Keys are ignored inside arrays
 * and required inside objects. */
#ifndef IMC_JSON_H
#define IMC_JSON_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define JSON_MAX_DEPTH 32

typedef struct json_w {
    FILE *f;
    int depth;
    int count[JSON_MAX_DEPTH]; /* items written at each level */
    char kind[JSON_MAX_DEPTH]; /* '{' or '[' */
} json_w_t;

void jw_init(json_w_t *w, FILE *f);
void jw_obj_begin(json_w_t *w, const char *key);
void jw_obj_end(json_w_t *w);
void jw_arr_begin(json_w_t *w, const char *key);
void jw_arr_end(json_w_t *w);
void jw_num(json_w_t *w, const char *key, double v); /* %.12g; NaN/inf -> null */
void jw_int(json_w_t *w, const char *key, int64_t v);
void jw_uint(json_w_t *w, const char *key, uint64_t v);
/* An array of n ints: [1, 2, 3]. */
void jw_ints(json_w_t *w, const char *key, const int *v, int n);
void jw_str(json_w_t *w, const char *key, const char *s);
void jw_bool(json_w_t *w, const char *key, int v);
void jw_null(json_w_t *w, const char *key);
/* Ends the document with a newline. */
void jw_finish(json_w_t *w);

/* Write s as a JSON string literal (with quotes). */
void json_put_string(FILE *f, const char *s);
/* Deterministic text for a double ("%.12g", "null" when not finite). */
void json_format_double(char *buf, size_t n, double v);

#ifdef __cplusplus
}
#endif
#endif
