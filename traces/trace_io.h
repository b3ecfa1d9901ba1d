/* Trace files: one layer per file (see docs/trace-format.md), and the index
 * file that lists the layers of a trace directory.
 *
 * The reader never trusts a count it has not checked against the bytes it
 * holds, so a corrupt file costs at most its own size in memory, and every
 * problem is reported as "FILE: offset N: error: ..." in the caller's diag. */
#ifndef IMC_TRACE_IO_H
#define IMC_TRACE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TRACE_MAGIC "IMCT"
#define TRACE_VERSION 2
#define TRACE_HEADER_BYTES 120
#define TRACE_STREAM_ENTRY_BYTES 8
#define TRACE_REC_BYTES 16
#define TRACE_NAME_BYTES 64
#define TRACE_MAX_FILE_BYTES (1ull << 31) /* larger files are refused */
#define TRACE_MAX_TILES 1073741823u       /* tiles (and CEs) of a system: 2^30 - 1 */
#define TRACE_INDEX_NAME "index.txt"
#define TRACE_MAPPING_NAME "mapping.json" /* beside the index (imcsim compile) */

/* The records one tile executes for the layer, in order. */
typedef struct trace_stream {
    uint32_t tile;      /* global tile index (chip * tiles_per_chip + tile) */
    uint32_t n_recs;
    trace_rec_t *recs;
} trace_stream_t;

typedef struct trace_layer {
    uint64_t arch_hash, model_hash;
    uint32_t layer;     /* index in the model */
    uint32_t n_layers;  /* layers in the model: bounds WAIT producers */
    uint32_t n_tiles;   /* tiles in the system: bounds stream and SEND tiles */
    uint32_t n_ces;     /* CEs in the system: bounds MVM CE indices */
    uint8_t kind;       /* layer_kind_t */
    uint8_t act;        /* act_kind_t fused after the layer */
    uint16_t act_bits;
    char name[TRACE_NAME_BYTES];
    uint32_t n_streams; /* streams in increasing tile order */
    trace_stream_t *streams;
} trace_layer_t;

typedef struct trace_read_opts {
    int check_arch;     /* refuse a file whose arch hash is not arch_hash */
    uint64_t arch_hash;
    int check_model;    /* refuse a file whose model hash is not model_hash */
    uint64_t model_hash;
    int skip_checksum;  /* for fuzzing: reach the checks behind the CRC */
} trace_read_opts_t;

/* 0 on success; on failure -1, a message in d and *out empty. name is the
 * file name used in messages; opts may be NULL. */
int trace_read_mem(const char *name, const void *buf, size_t len,
                   const trace_read_opts_t *opts, trace_layer_t *out,
                   imc_diag_t *d);
int trace_read_file(const char *path, const trace_read_opts_t *opts,
                    trace_layer_t *out, imc_diag_t *d);

/* The encoded file in a malloc'd buffer (0, or -1 when too large). The writer
 * does not validate records: the reader does. */
int trace_encode(const trace_layer_t *l, uint8_t **buf, size_t *len);
int trace_write_file(const char *path, const trace_layer_t *l, imc_diag_t *d);

void trace_layer_free(trace_layer_t *l);
void trace_layers_free(trace_layer_t *layers, int n);

/* CRC-32 (IEEE 802.3, as zlib), chainable from crc = 0. */
uint32_t trace_crc32(uint32_t crc, const void *buf, size_t len);

const char *trace_op_name(int op);        /* "WAIT", ...; NULL if out of range */
/* A layer's kind and activation are named by layer_kind_name (model.h) and
 * act_kind_name (act.h). */

/* File name of layer i in a trace directory: "L007_conv3.imct" (the layer
 * name with characters outside [A-Za-z0-9_.-] replaced by '_'). */
void trace_file_name(char *buf, size_t n, uint32_t layer, const char *name);

/* The index of a trace directory: the layer files in model order, and (from
 * format 2 on) the source of the model: its zoo name or the absolute path of
 * its file, so `imcsim run --traces DIR` needs no --model. */
#define TRACE_SOURCE_MAX 4096
typedef struct trace_index {
    char model[TRACE_NAME_BYTES], arch[TRACE_NAME_BYTES];
    char source[TRACE_SOURCE_MAX];  /* "" when not recorded (format 1) */
    uint64_t model_hash, arch_hash;
    int n_layers;
    char (*files)[TRACE_NAME_BYTES + 16];
} trace_index_t;

int trace_index_write(const char *dir, const trace_index_t *ix, imc_diag_t *d);
int trace_index_read(const char *dir, trace_index_t *ix, imc_diag_t *d);
void trace_index_free(trace_index_t *ix);

/* Reads a whole trace directory: the index, then every layer file, each
 * checked against the index (its layer index, the index's arch and model
 * hashes, one system size) and against opts when given (e.g. the arch hash
 * of the architecture about to run them). On success *layers holds *n
 * layers (free with trace_layers_free). */
int trace_dir_read(const char *dir, const trace_read_opts_t *opts, trace_layer_t **layers,
                   int *n, imc_diag_t *d);

#ifdef __cplusplus
}
#endif
#endif
