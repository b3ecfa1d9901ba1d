/* One descriptor type for the fields of a C struct that a table documents:
 * the architecture's parameters (arch/params.h builds its rows on it) and
 * the components' stats counters. A descriptor says what the field is called
 * (the YAML or JSON key), its unit, one line of description, where it is
 * (offset) and what it is (type), so one piece of code finds a field by
 * name, reads its value and writes it as JSON, whichever table it is in. */
#ifndef IMC_DESC_H
#define IMC_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    DESC_U64,   /* uint64_t (counters) */
    DESC_F64,   /* double */
    DESC_INT,   /* int */
    DESC_BOOL,  /* int, 0 or 1 */
    DESC_ENUM,  /* int: an index into names the table's owner gives */
    DESC_STR,   /* char array; its size is the owner's to give */
    DESC_LIST,  /* a list only the owner reads (the arch's extras) */
} desc_type_t;

typedef struct desc {
    const char *name;   /* key: dotted YAML key, or JSON key with the unit
                           suffixed ("energy_pj") */
    const char *unit;   /* "pJ", "cycles", ...; "1" or "" when dimensionless */
    const char *desc;   /* one line, for the docs */
    size_t offset;      /* of the field in its struct */
    desc_type_t type;
} desc_t;

/* Rows of a stats table: a uint64_t or double field f of struct S, named f. */
#define STAT_U(S, f, u, d) {#f, u, d, offsetof(S, f), DESC_U64}
#define STAT_F(S, f, u, d) {#f, u, d, offsetof(S, f), DESC_F64}

/* Rows in a table. */
#define DESC_COUNT(t) ((int)(sizeof(t) / sizeof((t)[0])))

/* The descriptor named `name` in a table of n rows that each begin with a
 * desc_t and are `stride` bytes apart (sizeof the row type), or NULL. */
const desc_t *desc_find(const void *table, size_t stride, size_t n, const char *name);

/* The value of a numeric field (U64, F64, INT, BOOL, ENUM) as a double;
 * NaN for the others. */
double desc_num(const void *obj, const desc_t *d);

/* Stats tables (U64 and F64 rows, stride sizeof(desc_t)): */
/* writes every field as a member of the current JSON object; */
void desc_write_json(json_w_t *w, const void *obj, const desc_t *t, int n);
/* adds the fields of b into a; */
void desc_add(void *a, const void *b, const desc_t *t, int n);
/* the value of the field called name, NaN when there is none. */
double desc_get(const void *obj, const desc_t *t, int n, const char *name);

#ifdef __cplusplus
}
#endif
#endif
