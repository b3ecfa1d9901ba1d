/* Crossbar geometry of a weight layer's replica: which rows and columns each
 * crossbar holds, which CEs and tiles hold them, and the partial sums the
 * tiles add (docs/trace-format.md, "How traces are generated"). */
#include <stdlib.h>
#include <string.h>

#include "tracegen_internal.h"

uint32_t tg_ce_of(const mapping_t *m, int i, int r, int k)
{
    const layer_map_t *lm = &m->layers[i];
    int64_t idx = (int64_t)r * lm->ces_per_replica + k / m->arch->ce.crossbars;
    return (uint32_t)(lm->ces ? lm->ces[idx] : lm->first_ce + idx);
}

static int mvmu_of(const arch_t *a) { return a->ce.mvmu_crossbars > 1 ? a->ce.mvmu_crossbars : 1; }

/* Row and column block of crossbar k; column block >= q->cb is MVMU padding.
 * With MVMUs, one MVMU holds one row block and mvmu adjacent column blocks
 * (PUMA: the 8 bit slices of a 128 x 128 block); MVMUs go column-major. */
static void block_of(const tg_geom_t *q, int mvmu, int k, int *rbi, int *cbi)
{
    if (mvmu > 1) {
        int u = k / mvmu;
        *rbi = u % q->rb;
        *cbi = (u / q->rb) * mvmu + k % mvmu;
    } else if (q->row_major) {
        *rbi = k / q->cb_padded;
        *cbi = k % q->cb_padded;
    } else {
        *rbi = k % q->rb;
        *cbi = k / q->rb;
    }
}

/* Splits total units into blocks of at most w, full blocks first; when that
 * would leave a block empty, evenly. */
static void split(int64_t total, int blocks, int64_t w, int64_t *out)
{
    total = tg_max(blocks, tg_min(total, (int64_t)blocks * w));
    for (int b = 0; b < blocks; b++)
        out[b] = total > (int64_t)(blocks - 1) * w ? tg_min(w, total - (int64_t)b * w)
                                                   : total / blocks + (b < total % blocks);
}

/* Bits one inference moves for replica 0 in q's order, when every input
 * copy is its own message: inputs to each tile (the share of the input its
 * distinct row blocks read) and partial sums from each tile but the home. */
static double traffic_bits(const mapping_t *m, int i, const tg_geom_t *q, const int64_t *rbrows)
{
    const layer_t *L = &m->model->layers[i];
    const layer_map_t *lm = &m->layers[i];
    uint32_t cpt = (uint32_t)m->arch->tile.ces;
    uint32_t t0 = UINT32_MAX, t1 = 0, home = tg_ce_of(m, i, 0, 0) / cpt;
    for (int k = 0; k < q->nx; k++) {
        uint32_t t = tg_ce_of(m, i, 0, k) / cpt;
        t0 = t < t0 ? t : t0;
        t1 = t > t1 ? t : t1;
    }
    size_t nt = t1 - t0 + 1, stride = (size_t)(q->rb + q->cb_padded);
    char *seen = calloc(nt * stride, 1);
    if (!seen)
        return -1;
    int64_t rows = 0, all_rows = 0, psum_cols = 0;
    for (int b = 0; b < q->rb; b++)
        all_rows += rbrows[b];
    for (int k = 0; k < q->nx; k++) {
        uint32_t t = tg_ce_of(m, i, 0, k) / cpt;
        char *sn = seen + (t - t0) * stride;
        int rbi, cbi;
        block_of(q, 1, k, &rbi, &cbi);
        if (!sn[rbi]++)
            rows += rbrows[rbi];
        if (t != home && !sn[q->rb + cbi]++)
            psum_cols += q->lcols[cbi];
    }
    free(seen);
    double in_values = (double)tg_max(1, L->in_h) * tg_max(1, L->in_w) * tg_max(1, L->in_c);
    int bits = lm->act_bits > 0 ? lm->act_bits
               : L->act_bits > 0 ? L->act_bits : m->arch->precision.act_bits;
    return (in_values * (double)rows / (double)tg_max(1, all_rows) +
            (double)lm->positions * (double)psum_cols) * bits;
}

/* Row-major when it moves fewer bits (plain convs and linear layers, unicast
 * only: a multicast input costs one injection either way, and column-major
 * then sends fewer partial sums). */
static int choose_order(const mapping_t *m, int i, int multicast, tg_geom_t *q,
                        const int64_t *rbrows)
{
    const layer_t *L = &m->model->layers[i];
    q->row_major = 0;
    if (multicast || mvmu_of(m->arch) > 1 ||
        !(L->kind == LAYER_LINEAR || (L->kind == LAYER_CONV && L->groups <= 1)) || q->rb < 2 ||
        q->cb < 2)
        return 0;
    double col = traffic_bits(m, i, q, rbrows);
    q->row_major = 1;
    double row = traffic_bits(m, i, q, rbrows);
    if (col < 0 || row < 0)
        return -1;
    q->row_major = row < col;
    return 0;
}

int tg_geom_init(const mapping_t *m, int i, int multicast, tg_geom_t *q)
{
    const arch_t *a = m->arch;
    const layer_t *L = &m->model->layers[i];
    const layer_map_t *lm = &m->layers[i];
    int mvmu = mvmu_of(a);
    memset(q, 0, sizeof *q);
    q->rb = lm->row_blocks;
    q->cb = lm->col_blocks;
    q->cb_padded = (int)tg_cdiv(q->cb, mvmu) * mvmu;
    q->nx = q->rb * q->cb_padded;
    int64_t groups = L->kind == LAYER_CONV && L->groups > 1 ? L->groups : 1;
    int64_t gpx = tg_max(1, lm->groups_per_crossbar);
    int packed = groups > 1 && gpx > 1;          /* whole groups share crossbars */
    int per_group = groups > 1 && !packed && q->cb % groups == 0;
    int64_t cpg = per_group ? q->cb / groups : q->cb; /* column blocks per group */
    q->n_slots = packed ? q->cb : per_group ? (int)(groups * q->rb) : q->rb;
    q->slot = calloc((size_t)q->nx, sizeof(int));
    q->rows = calloc((size_t)q->nx, sizeof(int64_t));
    q->pcols = calloc((size_t)q->nx, sizeof(int64_t));
    q->lcols = calloc((size_t)q->cb_padded, sizeof(int64_t));
    q->slot_rows = calloc((size_t)q->n_slots, sizeof(int64_t));
    int64_t *rbrows = calloc((size_t)q->rb, sizeof(int64_t));
    if (!q->slot || !q->rows || !q->pcols || !q->lcols || !q->slot_rows || !rbrows) {
        free(rbrows);
        return -1;
    }
    /* a hand-built mapping may leave the compiler's additions at 0 */
    int wb = lm->weight_bits > 0 ? lm->weight_bits
             : L->weight_bits > 0 ? L->weight_bits : a->precision.weight_bits;
    int bpc = a->device.bits_per_cell > 0 ? a->device.bits_per_cell : 1;
    int64_t slices = lm->slices > 0 ? lm->slices
                     : tg_cdiv(tg_max(1, wb), bpc) *
                           (a->crossbar.signed_scheme == SIGNED_DIFFERENTIAL ? 2 : 1);
    int64_t wpr = lm->weights_per_row > 0 ? lm->weights_per_row
                                          : tg_max(1, a->crossbar.cols / slices);
    int64_t rows_g = tg_max(1, lm->rows); /* per group when groups have their own blocks */
    int64_t cols_g = tg_max(1, lm->cols / groups);
    split(rows_g, q->rb, tg_max(1, a->crossbar.rows), rbrows);
    for (int c = 0; c < q->cb; c++) {
        if (packed) {
            int64_t ng = tg_min(gpx, groups - (int64_t)c * gpx);
            q->lcols[c] = tg_max(1, ng) * cols_g;
        } else {
            int64_t cc = per_group ? c % cpg : c, width = per_group ? cols_g : lm->cols;
            q->lcols[c] = tg_max(1, tg_min(wpr, width - cc * wpr));
        }
    }
    if (choose_order(m, i, multicast, q, rbrows)) { /* grouped convs stay column-major */
        free(rbrows);
        return -1;
    }
    int64_t full = tg_max(1, a->crossbar.cols);
    for (int k = 0; k < q->nx; k++) {
        int rbi, cbi;
        block_of(q, mvmu, k, &rbi, &cbi);
        if (cbi >= q->cb) { /* MVMU padding: driven and converted, holds nothing */
            q->slot[k] = -1;
            q->rows[k] = rbrows[rbi];
            q->pcols[k] = full;
            continue;
        }
        if (packed) {
            q->slot[k] = cbi;
            q->rows[k] = (q->lcols[cbi] / cols_g) * rows_g;
        } else {
            q->slot[k] = per_group ? (int)((cbi / cpg) * q->rb + rbi) : rbi;
            q->rows[k] = rbrows[rbi];
        }
        q->pcols[k] = mvmu > 1 ? full : tg_min(q->lcols[cbi] * slices, full);
        q->slot_rows[q->slot[k]] = q->rows[k];
    }
    free(rbrows);
    return 0;
}

void tg_geom_free(tg_geom_t *q)
{
    free(q->slot);
    free(q->rows);
    free(q->pcols);
    free(q->lcols);
    free(q->slot_rows);
    memset(q, 0, sizeof *q);
}

int tg_replica_owners(const mapping_t *m, int i, int r, const tg_geom_t *q, tg_replica_t *R)
{
    int mvmu = mvmu_of(m->arch), nt = R->n_tiles;
    uint32_t cpt = (uint32_t)m->arch->tile.ces;
    int *owner = malloc((size_t)q->cb * sizeof *owner);
    char *held = calloc((size_t)q->cb * (size_t)nt, 1);           /* [block][tile] */
    int64_t *pair = calloc((size_t)nt * (size_t)nt, sizeof *pair); /* [from][owner] columns */
    int rc = -1;
    if (!owner || !held || !pair)
        goto out;
    for (int c = 0; c < q->cb; c++)
        owner[c] = -1;
    for (int k = 0; k < q->nx; k++) {
        int rbi, cbi, t = 0;
        block_of(q, mvmu, k, &rbi, &cbi);
        if (cbi >= q->cb)
            continue;
        uint32_t tile = tg_ce_of(m, i, r, k) / cpt;
        while (R->tiles[t].tile != tile) /* the replica's tiles hold every crossbar */
            t++;
        if (owner[cbi] < 0)
            owner[cbi] = t;
        held[(size_t)cbi * (size_t)nt + (size_t)t] = 1;
    }
    for (int c = 0; c < q->cb; c++) {
        if (owner[c] < 0)
            continue;
        R->tiles[owner[c]].own_cols += q->lcols[c];
        for (int t = 0; t < nt; t++)
            if (t != owner[c] && held[(size_t)c * (size_t)nt + (size_t)t]) {
                pair[(size_t)t * (size_t)nt + (size_t)owner[c]] += q->lcols[c];
                R->tiles[owner[c]].in_adds += q->lcols[c];
            }
    }
    for (int t = 0; t < nt; t++) {
        tg_tile_t *tw = &R->tiles[t];
        for (int o = 0; o < nt; o++) {
            int64_t cols = pair[(size_t)t * (size_t)nt + (size_t)o];
            if (!cols)
                continue;
            int *to = realloc(tw->psum_to, (size_t)(tw->n_psum_to + 1) * sizeof *to);
            if (to)
                tw->psum_to = to;
            int64_t *pc = to ? realloc(tw->psum_cols, (size_t)(tw->n_psum_to + 1) * sizeof *pc) : NULL;
            if (!pc)
                goto out;
            tw->psum_cols = pc;
            tw->psum_to[tw->n_psum_to] = o;
            tw->psum_cols[tw->n_psum_to++] = cols;
            R->tiles[o].in_msgs++;
        }
    }
    rc = 0;
out:
    free(owner);
    free(held);
    free(pair);
    return rc;
}

void tg_replica_free(tg_replica_t *R)
{
    for (int t = 0; R->tiles && t < R->n_tiles; t++) {
        free(R->tiles[t].ces);
        free(R->tiles[t].psum_to);
        free(R->tiles[t].psum_cols);
    }
    free(R->tiles);
    memset(R, 0, sizeof *R);
}

/* A slot's contribution to a tile's signature: summed, so the signature
 * depends on the set of slots, not the order they were met in. */
uint64_t tg_slot_sig(int slot)
{
    uint64_t h = ((uint64_t)slot + 1) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 31;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 29);
}

/* Per column block: the tiles and CEs of the replica holding its crossbars,
 * which give the partial sums each tile adds locally (across its CEs; the
 * CE's own S+A merges its crossbars) and the home adds (across tiles). */
static int count_adds(const mapping_t *m, int i, int r, const tg_geom_t *q, tg_replica_t *R)
{
    int mvmu = mvmu_of(m->arch);
    uint32_t cpt = (uint32_t)m->arch->tile.ces;
    uint32_t *last_ce = malloc((size_t)q->cb * sizeof *last_ce);
    uint32_t *last_tile = malloc((size_t)q->cb * sizeof *last_tile);
    if (!last_ce || !last_tile) {
        free(last_ce);
        free(last_tile);
        return -1;
    }
    for (int c = 0; c < q->cb; c++)
        last_ce[c] = last_tile[c] = UINT32_MAX;
    /* crossbars go CE by CE in increasing k, so "new CE/tile for this
     * column block" is a change from the last one seen */
    for (int k = 0; k < q->nx; k++) {
        int rbi, cbi;
        block_of(q, mvmu, k, &rbi, &cbi);
        if (cbi >= q->cb)
            continue;
        uint32_t ce = tg_ce_of(m, i, r, k), t = ce / cpt;
        tg_tile_t *tw = NULL;
        for (int j = 0; j < R->n_tiles && !tw; j++)
            if (R->tiles[j].tile == t)
                tw = &R->tiles[j];
        if (last_ce[cbi] != ce) {
            if (last_tile[cbi] == t)
                tw->local_adds += q->lcols[cbi];     /* another CE of this tile */
            else if (last_tile[cbi] != UINT32_MAX)
                R->remote_adds += q->lcols[cbi];     /* another tile: added at home */
            last_ce[cbi] = ce;
            last_tile[cbi] = t;
        }
    }
    free(last_ce);
    free(last_tile);
    return 0;
}

int tg_replica_build(const mapping_t *m, int i, int r, const tg_geom_t *q, tg_replica_t *R)
{
    int mvmu = mvmu_of(m->arch);
    uint32_t cpt = (uint32_t)m->arch->tile.ces;
    int cpr = m->layers[i].ces_per_replica;
    uint32_t t0 = UINT32_MAX, t1 = 0;
    for (int k = 0; k < q->nx; k++) {
        uint32_t t = tg_ce_of(m, i, r, k) / cpt;
        t0 = t < t0 ? t : t0;
        t1 = t > t1 ? t : t1;
    }
    memset(R, 0, sizeof *R);
    size_t stride = (size_t)(q->n_slots + q->cb_padded);
    R->tiles = calloc(t1 - t0 + 1, sizeof *R->tiles);
    char *seen = calloc((size_t)(t1 - t0 + 1) * stride, 1);
    if (!R->tiles || !seen) {
        free(seen);
        return -1;
    }
    R->n_tiles = (int)(t1 - t0 + 1);
    for (int t = 0; t < R->n_tiles; t++) {
        R->tiles[t].tile = t0 + (uint32_t)t;
        R->tiles[t].ces = calloc((size_t)cpr, sizeof(tg_ce_t));
        if (!R->tiles[t].ces) {
            free(seen);
            return -1;
        }
    }
    for (int k = 0; k < q->nx; k++) {
        uint32_t ce = tg_ce_of(m, i, r, k);
        tg_tile_t *tw = &R->tiles[ce / cpt - t0];
        char *sn = seen + (size_t)(ce / cpt - t0) * stride;
        int c;
        for (c = 0; c < tw->n_ces && tw->ces[c].ce != ce; c++)
            ;
        if (c == tw->n_ces)
            tw->ces[tw->n_ces++].ce = ce;
        tg_ce_t *cw = &tw->ces[c];
        cw->xbars++;
        cw->rows += q->rows[k];
        cw->cols += q->pcols[k];
        int rbi, cbi;
        block_of(q, mvmu, k, &rbi, &cbi);
        if (q->slot[k] >= 0 && !sn[q->slot[k]]++) {
            tw->rows += q->slot_rows[q->slot[k]];
            tw->sig += tg_slot_sig(q->slot[k]);
        }
        if (cbi < q->cb && !sn[q->n_slots + cbi]++)
            tw->lcols += q->lcols[cbi];
    }
    free(seen);
    /* Keep the tiles the replica uses, in increasing order; its home is the
     * tile of its first CE. */
    uint32_t home = tg_ce_of(m, i, r, 0) / cpt;
    int n = 0;
    for (int t = 0; t < R->n_tiles; t++) {
        if (R->tiles[t].n_ces) {
            if (R->tiles[t].tile == home)
                R->home = n;
            R->tiles[n++] = R->tiles[t];
        } else {
            free(R->tiles[t].ces);
        }
    }
    R->n_tiles = n;
    return count_adds(m, i, r, q, R);
}
