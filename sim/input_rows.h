/* How the host's input rows reach the tiles (docs/run.md, "Chips and the
 * host"): which columns of every row each consumer takes, and the messages
 * of one row on one chip. The engine (sim/offchip.cpp, sim/engine.cpp) and
 * the estimate's NoC bound (sim/estimate_noc.c) both send the input so. */
#ifndef IMC_INPUT_ROWS_H
#define IMC_INPUT_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "trace_io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct input_dest {
    int layer;         /* the consumer layer */
    uint32_t tile;     /* global tile */
    uint64_t total;    /* values per inference: its streams' largest WAIT on the input */
    /* the columns it takes of every row: a conv reading the input by window,
     * the hull of its windows there (traces/tracegen.c); else all of them */
    int64_t x0, x1;
} input_dest_t;

/* The input's consumers of layers[0..md->n_layers), in (layer, tile) order
 * (*out NULL and *n 0 when none; free *out). -1 on failure, *out NULL and
 * the reason in err: out of memory, or a consumer whose total is not whole
 * pixels of its columns over every row (traces that do not follow
 * tracegen's rule); then *bad_layer (when not NULL) is that consumer's
 * layer, else -1. */
int input_dests(const model_t *md, const trace_layer_t *layers, input_dest_t **out, size_t *n,
                char *err, size_t errlen, int *bad_layer);

/* The values dest d takes of input row y: the rows share its total, rounded
 * so that they add up to it exactly. */
uint64_t input_row_values(const model_t *md, const input_dest_t *d, int64_t y);

/* One destination's values in a message. */
typedef struct input_part {
    int dest;          /* an index into the dests */
    uint64_t values;
} input_part_t;

/* The messages of one input row on one chip for the dests idx[0..k) (row
 * values v[0..k)): the row is cut at every dest's first and past-last
 * column; a segment goes, as one message, to every dest that takes it and
 * takes as many values per pixel as the first of them does (a different
 * share of the channels is other data: its own message). emit gets each
 * message's parts (values > 0) and its size in values (the largest part).
 * -1 when out of memory. */
typedef void (*input_msg_fn)(void *ctx, const input_part_t *parts, int n, uint64_t values);
int input_row_messages(const input_dest_t *dests, const int *idx, const uint64_t *v, int k,
                       input_msg_fn emit, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
