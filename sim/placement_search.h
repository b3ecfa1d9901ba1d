/* The compiler's placement search (chip.placement: search; docs/compiler.md). */
#ifndef IMC_PLACEMENT_SEARCH_H
#define IMC_PLACEMENT_SEARCH_H

#include "arch.h"
#include "diag.h"
#include "mapping.h"
#include "trace_io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* With a->chip.placement = search: tries chip.band_rows = the given one,
 * then 0 (router rows in order) to grid_y, each on the traces `layers` of
 * mapping m (the tiles' traces do not depend on where the tiles sit), and
 * sets a->chip.band_rows to the one whose busiest NoC port carries the
 * fewest flits per inference (the earlier on a tie), with a note in d.
 * Nothing with placement fixed. 0, or -1 with a message in d (a->chip
 * unchanged). */
int placement_search(arch_t *a, const mapping_t *m, const trace_layer_t *layers, imc_diag_t *d);

#ifdef __cplusplus
}
#endif
#endif
