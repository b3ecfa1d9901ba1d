/* Private to the trace generator: the crossbar geometry of a weight layer's
 * replica (tracegen_geom.c) shared with the stream emission (tracegen.c). */
#ifndef IMC_TRACEGEN_INTERNAL_H
#define IMC_TRACEGEN_INTERNAL_H

#include <stdint.h>

#include "tracegen.h"

static inline int64_t tg_max(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t tg_min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t tg_cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* What each crossbar of a replica holds. Crossbar k holds row block k % rb of
 * column block k / rb (column-major: a tile gets whole columns, adds their
 * partial sums itself, and needs many inputs), or with row_major row block
 * k / cb of column block k % cb (a tile gets a few row blocks whole: few
 * inputs, partial sums for every column). Its rows belong to a "row slot":
 * inputs that only it and the other crossbars of the slot read (the row
 * block, per group for grouped convs), so distinct slots add up to the
 * layer's inputs. With MVMU granularity (ce.mvmu_crossbars > 1) the column
 * blocks of a row block are padded to whole MVMUs, and every crossbar of an
 * MVMU is read and converted in full. */
typedef struct tg_geom {
    int rb, cb, nx, n_slots;
    int row_major;
    int cb_padded;            /* column blocks per row block, MVMU padding included */
    int *slot;                /* per crossbar (-1: MVMU padding, holds no weights) */
    int64_t *rows, *pcols;    /* per crossbar: rows driven, physical columns read */
    int64_t *lcols;           /* per column block: logical output columns */
    int64_t *slot_rows;       /* per slot */
} tg_geom_t;

/* The CEs of one replica on one tile. */
typedef struct tg_ce {
    uint32_t ce, xbars;
    int64_t rows, cols;       /* sums over the CE's crossbars of the replica */
} tg_ce_t;

typedef struct tg_tile {
    uint32_t tile;
    int n_ces;
    tg_ce_t *ces;
    int64_t rows;             /* distinct rows read on the tile */
    int64_t lcols;            /* logical columns whose (partial) sums the tile holds */
    int64_t local_adds;       /* partial sums added across its CEs per position */
    uint64_t sig;             /* signature of its row-slot set (equal inputs) */
    /* tg_replica_owners (LSTM): the column blocks whose first crossbar is
     * here are its own; their partial sums from other tiles come here */
    int64_t own_cols;         /* logical columns of its own blocks */
    int64_t in_adds;          /* additions of other tiles' sums per position */
    int in_msgs;              /* partial-sum messages it receives per position */
    int n_psum_to;            /* messages it sends per position: */
    int *psum_to;             /* to these tiles (indices in the replica's tiles), */
    int64_t *psum_cols;       /* the sums of this many logical columns */
} tg_tile_t;

typedef struct tg_replica {
    int n_tiles, home;        /* home: index in tiles of the replica's first CE's tile */
    tg_tile_t *tiles;
    int64_t remote_adds;      /* additions at the home tile of sums from other tiles */
} tg_replica_t;

/* Global CE of crossbar k of replica r of weight layer i. */
uint32_t tg_ce_of(const mapping_t *m, int i, int r, int k);
/* 0, or -1 when out of memory. mvmu: crossbars per MVMU (1 = crossbar-granular);
 * multicast: the network replicates one message to many tiles, so the input
 * fan-out costs one injection whatever the order (column-major is taken). */
int tg_geom_init(const mapping_t *m, int i, int multicast, tg_geom_t *q);
void tg_geom_free(tg_geom_t *q);
int tg_replica_build(const mapping_t *m, int i, int r, const tg_geom_t *q, tg_replica_t *R);
/* Column-block owners of replica R (the tile of each block's first
 * crossbar): fills own_cols, in_adds, in_msgs and the psum_to lists. An
 * LSTM's gates and updates run on the tiles that own its columns
 * (tracegen.c). 0, or -1 when out of memory. */
int tg_replica_owners(const mapping_t *m, int i, int r, const tg_geom_t *q, tg_replica_t *R);
void tg_replica_free(tg_replica_t *R);
uint64_t tg_slot_sig(int slot);

#endif
