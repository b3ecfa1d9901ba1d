/* The compiler: maps a model onto an architecture (docs/compiler.md).
 * Unroll each weight layer into a matrix, slice weights into cells, tile the
 * matrix over crossbars, group crossbars into CEs, replicate layers to balance
 * the pipeline, and place them in order on consecutive CEs over the tiles of
 * one or more chips. */
#ifndef IMC_COMPILE_H
#define IMC_COMPILE_H

#include <stdio.h>

#include "mapping.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 0 on success (free with mapping_free). -1 with a message in d when the
 * model does not fit the system (crossbars needed and available) or the
 * arch cannot hold a weight at all. `a` and `m` must outlive `out`. */
int compile_model(const arch_t *a, const model_t *m, replicate_policy_t policy,
                  mapping_t *out, imc_diag_t *d);
void mapping_free(mapping_t *mp);

/* "none", "balanced", "max"; NULL past the last policy. */
const char *replicate_policy_name(replicate_policy_t p);

/* Chip of a global tile (global tile = chip * tiles_per_chip + tile). */
int mapping_tile_chip(const arch_t *a, int global_tile);

/* The deterministic JSON report (base/json.h). */
void mapping_write_json(const mapping_t *mp, FILE *f);
/* The text report, every figure with its unit in the column header. */
void mapping_write_text(const mapping_t *mp, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
