/* The parameter table: one row per architecture parameter. A row is a
 * descriptor (base/desc.h: dotted YAML key, unit, description, offset into
 * arch_t, type), the same type the components' stats tables use, plus what
 * only a parameter has: bounds, default, enum names. It drives YAML parsing,
 * --set, validation of ranges, defaults, `imcsim arch params` and the dump of
 * the effective configuration. Rows sharing a key prefix are contiguous, so
 * the dump can nest them by walking the table once. */
#ifndef IMC_ARCH_PARAMS_H
#define IMC_ARCH_PARAMS_H

#include <stddef.h>

#include "arch.h"
#include "desc.h"

#define PF_GT_MIN 1u /* lower bound is exclusive */

typedef struct arch_param {
    desc_t d;            /* d.name is the dotted key; d.offset is into arch_t
                            (DESC_LIST: the n_extras counter); d.type is
                            INT, F64, BOOL, ENUM, STR or LIST */
    double min, max;     /* INT, F64 */
    unsigned flags;
    const char *def;     /* default, as YAML text */
    size_t offset2;      /* LIST: the extras array; STR: size */
    const char *const *names; /* ENUM: NULL-terminated, index = value */
    const char *(*name_of)(int i); /* ENUM without names: value i's name, NULL past the last */
} arch_param_t;

const arch_param_t *arch_params(size_t *n);
/* Name of value i of an ENUM parameter; NULL past the last. */
const char *arch_param_enum_name(const arch_param_t *p, int i);
const arch_param_t *arch_param_find(const char *key);
int arch_param_index(const arch_param_t *p);

/* Human text for the type and bounds: "int [1, 16]", "enum {mesh, torus}". */
void arch_param_describe_type(const arch_param_t *p, char *buf, size_t n);

/* What a valid value is, as the tail of "(expected ...)": "an integer in
 * [1, 16]", "true or false", "one of {mesh, torus, cmesh}". */
void arch_param_expect(const arch_param_t *p, char *buf, size_t n);

/* Set a parameter from text. 0 ok; -1 with why = "(expected ...)" reason
 * phrase such as "expected an integer in [1, 16]". Not for DESC_LIST. */
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
