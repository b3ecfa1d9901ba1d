/* The trace generator: turns a compiled mapping into the per-tile record
 * streams of every layer (semantics in docs/trace-format.md). */
#ifndef IMC_TRACEGEN_H
#define IMC_TRACEGEN_H

#include "mapping.h"
#include "trace_io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of one partial sum sent between tiles (32-bit accumulators). */
#define TRACEGEN_PSUM_BYTES 4

/* Builds model->n_layers layers into a malloc'd array (free it with
 * trace_layers_free(layers, n)). 0 on success; -1 with a message in d when
 * the mapping is inconsistent (e.g. CEs beyond the system). Deterministic:
 * the same mapping gives the same records. */
int tracegen_build(const mapping_t *m, trace_layer_t **layers_out, imc_diag_t *d);

/* Builds the layers and writes DIR/L000_name.imct ... plus DIR/index.txt;
 * creates DIR (one level) when it does not exist. model_source (zoo name or
 * absolute file path; NULL if unknown) is recorded in the index. */
int tracegen_write_dir(const mapping_t *m, const char *dir, const char *model_source,
                       imc_diag_t *d);

#ifdef __cplusplus
}
#endif
#endif
