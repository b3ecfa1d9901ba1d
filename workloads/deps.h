/* Which outputs of a producer layer each output position of a consumer
 * reads: the dependency geometry the trace generator and the analytic
 * estimate share (docs/trace-format.md, "What a position waits for"). */
#ifndef IMC_DEPS_H
#define IMC_DEPS_H

#include <stdint.h>

#include "mapping.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Output positions of a layer per inference (LSTM: its steps). */
int64_t deps_positions(const layer_t *L);

/* Layer j (LAYER_INPUT_NETWORK: the network input) feeds layer c of m only
 * its last hidden state: an LSTM before a layer that is not one. */
int deps_last_only(const model_t *m, int j, int c);

/* Values layer c sends the host per inference: its whole output (an LSTM's
 * the last step's hidden state, out_h x out_w x out_c as the loader shapes
 * it) when no other layer reads it, the network's output; else 0. */
int64_t deps_output_values(const model_t *m, int c);

/* Positions producer j sends to consumer c: all of them, one (the last
 * hidden state), or all but the last (an LSTM feeding its own next step). */
int64_t deps_positions_in(const model_t *m, int j, int c);

/* The producer positions consumer position p reads, as a rectangle of j's
 * position grid (w columns wide): rows y0..y1, columns x0..x1; elementwise
 * layers read {p} (one row of the grid); kind DEPS_ALL: every position;
 * DEPS_NONE: none (step 0 of an LSTM's recurrence). */
typedef enum { DEPS_RECT, DEPS_ALL, DEPS_NONE } deps_kind_t;
typedef struct deps_window {
    deps_kind_t kind;
    int64_t y0, y1, x0, x1, w;
} deps_window_t;
deps_window_t deps_window(const model_t *m, int c, int j, int64_t p);

/* Raster index + 1 of the last producer position p reads (0: none): how
 * many of j's positions, produced in raster order, p waits for. */
int64_t deps_need(const model_t *m, int c, int j, int64_t p);

#ifdef __cplusplus
}
#endif
#endif
