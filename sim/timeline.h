/* Timeline of a run as Chrome trace-event JSON (opens in Perfetto or
 * chrome://tracing): one track per tile and per CE, counters for the NoC. */
#ifndef IMC_TIMELINE_H
#define IMC_TIMELINE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TIMELINE_MAX_EVENTS 2000000 /* later events are counted, not written */

typedef struct timeline timeline_t;

/* NULL with errno set when the file cannot be created. */
timeline_t *timeline_open(const char *path, double clock_ghz);
/* An op of an inference on a tile (ce < 0) or on CE `ce` of the tile, in tile cycles. */
void timeline_op(timeline_t *t, int chip, int tile, int ce, const char *layer, int kind,
                 int inference, uint64_t start, uint64_t end);
void timeline_counter(timeline_t *t, int chip, const char *name, uint64_t cycle, double value);
/* Finishes the file; NULL is ignored. Returns 0, or -1 when writing failed. */
int timeline_close(timeline_t *t);

#ifdef __cplusplus
}
#endif
#endif
