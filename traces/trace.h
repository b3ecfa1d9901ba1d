/* Per-layer traces: what each tile does for one layer of one inference.
 *
 * A trace file holds one layer: a header, then one stream per tile (per
 * replica on the tile, for weight layers) that
 * works on the layer. A stream is executed in order by the run engine, once
 * per inference; streams of different layers on the same tile run
 * concurrently and contend for the tile's CEs, buffer and units.
 *
 * Records are 16 bytes. Counts are per inference. Values are activations of
 * the layer's act_bits; bytes are rounded up. See docs/trace-format.md. */
#ifndef IMC_TRACE_H
#define IMC_TRACE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    TR_WAIT = 1,   /* a = producer layer (0xFFFFFFFF = network input), b = values of
                      that producer this tile must have received (cumulative) for
                      this record's layer (SENDs whose c is this layer) */
    TR_READ,       /* a = bytes read from the tile buffer */
    TR_MVM,        /* a = global CE index, b = crossbars used, c = rows | cols << 16,
                      arg = input bits */
    TR_PSUM_SEND,  /* a = destination tile, b = bytes of partial sums (at the layer's
                      activation precision), c = replica + 1 */
    TR_ACCUM,      /* a = partial-sum messages of replica c - 1 to wait for (cumulative),
                      b = values added, c = replica + 1 */
    TR_ACT,        /* arg = act_kind_t, a = values */
    TR_POOL,       /* arg = 0 max / 1 avg, a = output values, b = window size */
    TR_ADD,        /* a = values (residual add / LSTM elementwise) */
    TR_WRITE,      /* a = bytes written to the tile buffer */
    TR_SEND,       /* a = destination tile (TRACE_HOST: off the chip), b = values sent
                      to it (layer's output), c = consumer layer whose WAITs on that tile
                      count these values (TRACE_NETWORK_OUTPUT for the host);
                      arg = TRACE_SEND_MORE: the next record is another destination of
                      the same message (one multicast) */
    TR_POS,        /* a = output position: the records up to the next POS compute it */
    TR_OP_COUNT_
} trace_op_t;

#define TRACE_NETWORK_INPUT 0xFFFFFFFFu
#define TRACE_NETWORK_OUTPUT 0xFFFFFFFFu /* SEND consumer: the host */
#define TRACE_HOST 0xFFFFFFFEu           /* SEND destination: off the chip, to the host */
#define TRACE_SEND_MORE 1u               /* SEND arg: the message has more destinations */

typedef struct trace_rec {
    uint8_t op;     /* trace_op_t */
    uint8_t arg;
    uint16_t layer; /* the layer this record belongs to */
    uint32_t a, b, c;
} trace_rec_t;

#ifdef __cplusplus
}
#endif
#endif
