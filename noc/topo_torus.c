/* Torus topology: the mesh plus a wrap-around link closing each row and
 * column into a ring (a dimension of 1 or 2 routers has no distinct wrap
 * link). Minimal routes go the shorter way round a ring; ties go the +
 * way. Deadlock-free with dateline VC classes (noc_step.c route()). */
#include "noc_internal.h"

static int neighbor(const noc_config_t *c, int x, int y, int port, int *wrap)
{
    static const int dx[NOC_NET_PORTS] = {1, -1, 0, 0}, dy[NOC_NET_PORTS] = {0, 0, 1, -1};
    int xx = x + dx[port], yy = y + dy[port], k = port < NOC_NORTH ? c->kx : c->ky;
    *wrap = xx < 0 || xx >= c->kx || yy < 0 || yy >= c->ky;
    if (*wrap && k < 3)
        return -1;
    xx = (xx + c->kx) % c->kx;
    yy = (yy + c->ky) % c->ky;
    return yy * c->kx + xx;
}

static int step(int k, int a, int b)
{
    if (a == b)
        return 0;
    if (k < 3)
        return b > a ? 1 : -1;
    return ((b - a) % k + k) % k <= k / 2 ? 1 : -1;
}

static int dist(int k, int a, int b)
{
    int d = a < b ? b - a : a - b;
    return d <= k - d ? d : k - d;
}

const noc_topo_ops_t noc_topo_torus = {"torus", neighbor, step, dist};
