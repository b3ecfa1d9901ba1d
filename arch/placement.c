/* Where a chip's tiles sit on its router grid (chip.band_rows,
 * docs/arch-format.md). The compiler fills tiles in order, layer after
 * layer, so the placement decides which links consecutive layers' traffic
 * crosses. Row by row, a small layer sits on one router of a row and its
 * whole output leaves through that router's east link (XY routes go along
 * the row first); in bands of h router rows filled column by column, a
 * layer occupies a block h routers tall and its output leaves through up to
 * h parallel links. The gateway's endpoint takes the last tile (below). */
#include "arch.h"

/* Router (x, y) of the i-th router in placement order. */
static void router_at(const arch_t *a, int i, int *x, int *y)
{
    const int kx = a->chip.grid_x, ky = a->chip.grid_y, band = a->chip.band_rows;
    if (band <= 0) {
        *x = i % kx;
        *y = i / kx;
        return;
    }
    int b = i / (band * kx), j = i % (band * kx);
    int h = ky - b * band < band ? ky - b * band : band; /* the last band may be lower */
    *x = j / h;
    *y = b * band + j % h;
}

/* The chip's last tile, which the compiler fills last (often not at all),
 * sits at endpoint 0, the off-chip gateway: the network input then does not
 * queue behind a busy tile's own messages at the injection port they would
 * share. The other tiles follow from endpoint 1 on. */
int arch_tile_endpoint(const arch_t *a, int tile)
{
    const int c = a->chip.noc.concentration > 0 ? a->chip.noc.concentration : 1;
    const int slot = tile == a->chip.tiles - 1 ? 0 : tile + 1;
    int x, y;
    router_at(a, slot / c, &x, &y);
    return (y * a->chip.grid_x + x) * c + slot % c;
}
