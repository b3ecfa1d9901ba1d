/* Mesh topology (also the concentrated mesh, which only attaches more
 * endpoints to each router): links between grid neighbours, none at the
 * edges. */
#include "noc_internal.h"

static int neighbor(const noc_config_t *c, int x, int y, int port, int *wrap)
{
    static const int dx[NOC_NET_PORTS] = {1, -1, 0, 0}, dy[NOC_NET_PORTS] = {0, 0, 1, -1};
    int xx = x + dx[port], yy = y + dy[port];
    *wrap = 0;
    if (xx < 0 || xx >= c->kx || yy < 0 || yy >= c->ky)
        return -1;
    return yy * c->kx + xx;
}

static int step(int k, int a, int b)
{
    (void)k;
    return (b > a) - (b < a);
}

static int dist(int k, int a, int b)
{
    (void)k;
    return a < b ? b - a : a - b;
}

const noc_topo_ops_t noc_topo_mesh = {"mesh", neighbor, step, dist};
