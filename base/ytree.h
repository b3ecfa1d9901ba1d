/* A loaded YAML document with the checks libyaml leaves to us: duplicate
 * keys and '<<' merge keys are errors, every node keeps its position, and
 * scalar conversions report "file:line:col: error: ..." on failure. Shared by
 * the arch loader, the model loader and anything else that reads YAML. */
#ifndef IMC_YTREE_H
#define IMC_YTREE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <yaml.h>

#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

#define YTREE_MAX_BYTES (16u << 20) /* larger inputs are refused, not parsed */

typedef yaml_node_t ynode_t;

typedef struct ytree {
    yaml_document_t doc;
    int loaded;
    char *file; /* the name used in messages */
} ytree_t;

/* Reads a whole file into a malloc'd, NUL-terminated buffer; stops past
 * YTREE_MAX_BYTES, so *len > YTREE_MAX_BYTES means too large. 0 ok; -1 with
 * errno when it cannot be opened or read. */
int ytree_read_file(const char *path, char **text, size_t *len);

/* 0 on success; on failure a message is in d and the tree is empty. */
int ytree_load_file(ytree_t *t, const char *path, imc_diag_t *d);
int ytree_load_string(ytree_t *t, const char *name, const char *text,
                      size_t len, imc_diag_t *d);
void ytree_free(ytree_t *t);
ynode_t *ytree_root(ytree_t *t);

int ynode_is_map(const ynode_t *n);
int ynode_is_seq(const ynode_t *n);
int ynode_is_scalar(const ynode_t *n);
const char *ynode_scalar(const ynode_t *n); /* NULL unless a scalar */
int ynode_quoted(const ynode_t *n);         /* a scalar in quotes or a block (a string) */
int ynode_line(const ynode_t *n);           /* 1-based */
int ynode_col(const ynode_t *n);            /* 1-based */

size_t ynode_map_size(const ynode_t *n);
ynode_t *ynode_map_key(ytree_t *t, const ynode_t *n, size_t i);
ynode_t *ynode_map_val(ytree_t *t, const ynode_t *n, size_t i);
ynode_t *ynode_map_get(ytree_t *t, const ynode_t *n, const char *key);
size_t ynode_seq_len(const ynode_t *n);
ynode_t *ynode_seq_at(ytree_t *t, const ynode_t *n, size_t i);

/* Report at a node's position ("file:line:col: error: ..."). */
void yerror(ytree_t *t, imc_diag_t *d, const ynode_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ywarning(ytree_t *t, imc_diag_t *d, const ynode_t *n, const char *fmt,
              ...) __attribute__((format(printf, 4, 5)));

/* Strict scalar conversions: 0 on success, else -1 and an error naming
 * `what` (e.g. the key) and the expected type. */
int yget_int64(ytree_t *t, imc_diag_t *d, const ynode_t *n, const char *what,
               int64_t *out);
int yget_double(ytree_t *t, imc_diag_t *d, const ynode_t *n, const char *what,
                double *out);
int yget_bool(ytree_t *t, imc_diag_t *d, const ynode_t *n, const char *what,
              int *out);
const char *yget_string(ytree_t *t, imc_diag_t *d, const ynode_t *n,
                        const char *what);
/* The text of scalar n, else NULL and an error naming `what` and what was
 * `expected`. plain: a number or a boolean, refused in quotes ("4" in quotes
 * is a string in YAML, as --set refuses quoted values). */
const char *yget_scalar(ytree_t *t, imc_diag_t *d, const ynode_t *n, const char *what,
                        const char *expected, int plain);

/* Writes s as a YAML double-quoted scalar that libyaml reads back as the
 * same string: '"' and '\\' escaped, and every character YAML does not
 * take as it is (control characters, the line breaks NEL, LS and PS, C1
 * controls, a BOM) as an escape. A byte that is not UTF-8 is written as
 * \xHH, which reads back as U+00HH: loaders refuse such strings. */
void yaml_put_string(FILE *f, const char *s);

/* Plain-text conversions shared with command-line overrides. */
int parse_int64(const char *s, int64_t *out);
int parse_double(const char *s, double *out);
int parse_bool(const char *s, int *out);

#ifdef __cplusplus
}
#endif
#endif
