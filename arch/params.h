/* The parameter table: one row per architecture parameter (dotted YAML key,
 * type, unit, bounds, default, description, offset into arch_t). It drives
 * YAML parsing, --set, validation of ranges, defaults, `imcsim arch params`
 * and the dump of the effective configuration. Rows sharing a key prefix are
 * contiguous, so the dump can nest them by walking the table once. */
#ifndef IMC_ARCH_PARAMS_H
#define IMC_ARCH_PARAMS_H

#include <stddef.h>

#include "arch.h"

typedef enum { PT_INT, PT_DOUBLE, PT_BOOL, PT_ENUM, PT_STRING, PT_EXTRAS } param_type_t;

#define PF_GT_MIN 1u /* lower bound is exclusive */

typedef struct arch_param {
    const char *key;
    param_type_t type;
    const char *unit;
    double min, max;     /* PT_INT, PT_DOUBLE */
    unsigned flags;
    const char *def;     /* default, as YAML text */
    const char *desc;
    size_t offset;       /* into arch_t; PT_EXTRAS: the n_extras counter */
    size_t offset2;      /* PT_EXTRAS: the extras array; PT_STRING: size */
    const char *const *names; /* PT_ENUM: NULL-terminated, index = value */
} arch_param_t;

const arch_param_t *arch_params(size_t *n);
const arch_param_t *arch_param_find(const char *key);
int arch_param_index(const arch_param_t *p);

/* Human text for the type and bounds: "int [1, 16]", "enum {mesh, torus}". */
void arch_param_describe_type(const arch_param_t *p, char *buf, size_t n);

/* What a valid value is, as the tail of "(expected ...)": "an integer in
 * [1, 16]", "true or false", "one of {mesh, torus, cmesh}". */
void arch_param_expect(const arch_param_t *p, char *buf, size_t n);

/* Set a parameter from text. 0 ok; -1 with why = "(expected ...)" reason
 * phrase such as "expected an integer in [1, 16]". Not for PT_EXTRAS. */
int arch_param_set_text(arch_t *a, const arch_param_t *p, const char *text,
                        char *why, size_t n);

/* The value of a parameter as YAML text (round-trips exactly). */
void arch_param_get_text(const arch_t *a, const arch_param_t *p, char *buf,
                         size_t n);

/* Set every parameter to its default. */
void arch_params_defaults(arch_t *a);

extern const char *const arch_extra_keys[]; /* keys of one extras item */
#define ARCH_EXTRA_NKEYS 5

#endif
