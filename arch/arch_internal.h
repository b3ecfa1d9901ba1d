/* Private to arch/: the loading context shared by the parser (arch_load.c)
 * and the consistency checks (arch_check.c). */
#ifndef IMC_ARCH_INTERNAL_H
#define IMC_ARCH_INTERNAL_H

#include "arch.h"
#include "diag.h"
#include "params.h"
#include "ytree.h"

/* Where a parameter got its current value: a YAML node (line > 0), a --set
 * argument (file = "--set k=v", line 0), or the default (file NULL). */
typedef struct arch_loc {
    const char *file;
    int line, col;
    unsigned seq; /* assignment order: the latest wins blame */
} arch_loc_t;

#define ARCH_MAX_NAMES 32

typedef struct arch_ctx {
    arch_t *a;
    imc_diag_t *d;
    arch_loc_t *loc; /* one per parameter */
    unsigned seq;
    char *names[ARCH_MAX_NAMES]; /* interned file names for loc */
    int nnames;
    int name_set;    /* the top file set 'name' */
    char *chain[ARCH_MAX_NAMES]; /* files being applied, to refuse 'base:' cycles */
    int nchain;
} arch_ctx_t;

/* arch_yaml.c: apply one YAML mapping (prefix "" = the document's top,
 * whose 'base' key the caller handles); record positions with arch_mark. */
int arch_walk(arch_ctx_t *c, ytree_t *t, ynode_t *map, const char *prefix, int top);
void arch_mark(arch_ctx_t *c, const arch_param_t *p, const char *file, int line, int col);
const char *arch_intern(arch_ctx_t *c, const char *s);

/* Consistency checks, ADC model resolution and derived values. 0 if valid. */
int arch_check(arch_ctx_t *c);

/* Bits an ADC needs to hold the largest column sum of one read,
 * (2^dac-1)(2^cell-1)*rows (halved, rounded down, with column_flip):
 * ceil(log2(sum + 1)). */
int arch_lossless_bits(const arch_t *a);

/* FNV-1a of the dumped effective configuration. */
uint64_t arch_config_hash(const arch_t *a);

#endif
