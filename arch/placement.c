/* Where a chip's tiles and off-chip gateways sit on its router grid
 * (chip.band_rows, chip.offchip.gateways; docs/arch-format.md). The compiler
 * fills tiles in order, layer after layer, so the placement decides which
 * links consecutive layers' traffic crosses. Row by row, a small layer sits
 * on one router of a row and its whole output leaves through that router's
 * east link (XY routes go along the row first); in bands of h router rows
 * filled column by column, a layer occupies a block h routers tall and its
 * output leaves through up to h parallel links.
 *
 * A slot is a router's local port, in placement order (router i's ports are
 * slots i*c .. i*c+c-1). The gateways take the first slot of routers spread
 * evenly round the grid's edge, where a chip's off-chip links leave it,
 * starting at router (0, 0); the chip's last tiles, which the compiler fills
 * last (often not at all), share those slots (tile T-1-g at gateway g), so
 * the network input and the traffic to other chips do not queue behind a busy
 * tile's own messages at an injection port they would share. The other tiles
 * fill the other slots in order. With one gateway: tile T-1 at slot 0, tile t
 * at slot t+1. With chip.offchip.gateway_port: own, a gateway has a local port
 * of its own on its router, after the tiles' (the NoC has one more local port
 * per router, unused where no gateway sits), and tile t is at slot t. */
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

/* The placement order of router (x, y): router_at's inverse. */
static int router_index(const arch_t *a, int x, int y)
{
    const int kx = a->chip.grid_x, ky = a->chip.grid_y, band = a->chip.band_rows;
    if (band <= 0)
        return y * kx + x;
    int b = y / band, h = ky - b * band < band ? ky - b * band : band;
    return b * band * kx + x * h + (y - b * band);
}

int arch_gateways(const arch_t *a)
{
    const int set = a->chip.offchip.gateways, links = a->chip.offchip.links;
    if (set >= 1)
        return set;
    const int edge = arch_edge_routers(a);
    int g = links < edge ? links : edge; /* 0: as many as fit */
    if (g > a->chip.tiles)
        g = a->chip.tiles;
    while (g > 1 && links % g)
        g--;
    return g > 1 ? g : 1;
}

int arch_edge_routers(const arch_t *a)
{
    const int kx = a->chip.grid_x, ky = a->chip.grid_y;
    return kx <= 1 || ky <= 1 ? kx * ky : 2 * (kx + ky) - 4;
}

/* The k-th router round the grid's edge, clockwise from (0, 0) (a grid one
 * router wide or tall: its routers in a line). */
static void edge_router(const arch_t *a, int k, int *x, int *y)
{
    const int kx = a->chip.grid_x, ky = a->chip.grid_y;
    if (kx <= 1 || ky <= 1) {
        *x = kx <= 1 ? 0 : k;
        *y = kx <= 1 ? k : 0;
    } else if (k < kx) {
        *x = k, *y = 0;
    } else if (k < kx + ky - 1) {
        *x = kx - 1, *y = k - kx + 1;
    } else if (k < 2 * kx + ky - 2) {
        *x = 2 * kx + ky - 3 - k, *y = ky - 1;
    } else {
        *x = 0, *y = 2 * (kx + ky) - 4 - k;
    }
}

/* Gateway g's router: the edge's routers dealt evenly to the gateways. */
static int gateway_router(const arch_t *a, int g, int *x, int *y)
{
    const int G = arch_gateways(a), P = arch_edge_routers(a);
    edge_router(a, (int)((int64_t)g * P / G), x, y);
    return router_index(a, *x, *y);
}

static int own_ports(const arch_t *a) { return a->chip.offchip.gateway_port == GATEWAY_PORT_OWN; }

int arch_noc_local_ports(const arch_t *a)
{
    return (a->chip.noc.concentration > 0 ? a->chip.noc.concentration : 1) + own_ports(a);
}

static int gateway_slot(const arch_t *a, int g)
{
    int x, y;
    const int c = a->chip.noc.concentration > 0 ? a->chip.noc.concentration : 1;
    return gateway_router(a, g, &x, &y) * c;
}

static int slot_endpoint(const arch_t *a, int slot)
{
    const int c = a->chip.noc.concentration > 0 ? a->chip.noc.concentration : 1;
    int x, y;
    router_at(a, slot / c, &x, &y);
    return (y * a->chip.grid_x + x) * arch_noc_local_ports(a) + slot % c;
}

int arch_gateway_endpoint(const arch_t *a, int g)
{
    if (own_ports(a)) { /* the router's last local port, after its tiles' */
        int x, y;
        gateway_router(a, g, &x, &y);
        return (y * a->chip.grid_x + x + 1) * arch_noc_local_ports(a) - 1;
    }
    return slot_endpoint(a, gateway_slot(a, g));
}

/* Gateway slots at or below `slot`. */
static int gateway_slots_upto(const arch_t *a, int slot)
{
    int n = 0;
    for (int g = 0; g < arch_gateways(a); g++)
        n += gateway_slot(a, g) <= slot;
    return n;
}

int arch_tile_endpoint(const arch_t *a, int tile)
{
    const int G = arch_gateways(a), T = a->chip.tiles;
    if (own_ports(a))
        return slot_endpoint(a, tile);
    if (tile >= T - G)
        return arch_gateway_endpoint(a, T - 1 - tile);
    /* the tile-th slot no gateway holds: slot = tile + the gateway slots up
     * to it, the least such (the count only grows with the slot) */
    int n = 0, m;
    while ((m = gateway_slots_upto(a, tile + n)) != n)
        n = m;
    return slot_endpoint(a, tile + n);
}

int arch_endpoint_gateway(const arch_t *a, int endpoint)
{
    for (int g = 0; g < arch_gateways(a); g++)
        if (arch_gateway_endpoint(a, g) == endpoint)
            return g;
    return -1;
}

int arch_flow_gateway(const arch_t *a, int src_tile, int dst_tile)
{
    const int64_t key = (int64_t)src_tile + (dst_tile > 0 ? dst_tile : 0);
    return (int)(key % arch_gateways(a));
}
