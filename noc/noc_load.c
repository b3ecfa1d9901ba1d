/* Link loads of a traffic pattern without simulating it (docs/noc.md, "Link
 * loads"): every message adds its flits to each router output port on its
 * route -- the dimension-order path of a unicast, the union of those paths
 * (the tree the routers replicate along) of a multicast. A port moves one
 * flit a cycle, so the busiest port's flits bound the time the pattern
 * takes, whatever the contention does. */
#include <stdlib.h>

#include "noc_internal.h"

struct noc_load {
    noc_config_t c;
    const noc_topo_ops_t *topo;
    int routers, ports;  /* ports per router: 4 network + concentration ejection,
                            + concentration injection channels (counted as ports) */
    uint64_t *flits;     /* [router * ports + port] */
    uint32_t *stamp;     /* [router * ports + port]: the last message that counted it */
    uint32_t message;
};

int noc_load_routes_fixed(const noc_config_t *c) { return c->routing != ROUTE_ODD_EVEN; }

noc_load_t *noc_load_new(const noc_config_t *c, imc_diag_t *d)
{
    if (!noc_load_routes_fixed(c)) {
        diag_error(d, NULL, 0, 0, "link loads follow dimension-order routes, which odd_even "
                                  "routing does not take (expected routing xy, yx or west_first)");
        return NULL;
    }
    noc_load_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->c = *c;
    l->topo = noc_topo(c->topology);
    l->routers = c->kx * c->ky;
    l->ports = NOC_NET_PORTS + 2 * (c->concentration > 0 ? c->concentration : 1);
    l->flits = calloc((size_t)l->routers * (size_t)l->ports, sizeof *l->flits);
    l->stamp = calloc((size_t)l->routers * (size_t)l->ports, sizeof *l->stamp);
    if (!l->topo || !l->flits || !l->stamp) {
        noc_load_free(l);
        return NULL;
    }
    return l;
}

void noc_load_free(noc_load_t *l)
{
    if (!l)
        return;
    free(l->flits);
    free(l->stamp);
    free(l);
}

static void count(noc_load_t *l, int r, int port, uint64_t flits)
{
    size_t i = (size_t)r * (size_t)l->ports + (size_t)port;
    if (l->stamp[i] == l->message)
        return; /* the tree's branch is shared: one copy */
    l->stamp[i] = l->message;
    l->flits[i] += flits;
}

void noc_load_add(noc_load_t *l, int src, const int *dst, int n, uint64_t flits)
{
    const int C = (l->ports - NOC_NET_PORTS) / 2, kx = l->c.kx, ky = l->c.ky;
    if (n > 1 && !l->c.multicast) { /* the network sends a copy per destination */
        for (int k = 0; k < n; k++)
            noc_load_add(l, src, &dst[k], 1, flits);
        return;
    }
    if (++l->message == 0) { /* the stamps wrapped: start them over */
        for (size_t i = 0; i < (size_t)l->routers * (size_t)l->ports; i++)
            l->stamp[i] = 0;
        l->message = 1;
    }
    for (int k = 0; k < n; k++)
        if (dst[k] != src) { /* the source's injection channel, once */
            count(l, src / C, NOC_NET_PORTS + C + src % C, flits);
            break;
        }
    for (int k = 0; k < n; k++) {
        if (dst[k] == src)
            continue;
        int r = src / C, rd = dst[k] / C;
        while (r != rd) {
            int x = r % kx, y = r / kx;
            int sx = l->topo->step(kx, x, rd % kx), sy = l->topo->step(ky, y, rd / kx);
            int px = sx > 0 ? NOC_EAST : NOC_WEST, py = sy > 0 ? NOC_NORTH : NOC_SOUTH;
            int port = l->c.routing == ROUTE_YX ? (sy ? py : px) : (sx ? px : py);
            int wrap;
            count(l, r, port, flits);
            r = l->topo->neighbor(&l->c, x, y, port, &wrap);
            if (r < 0)
                abort(); /* a minimal step always has a link */
        }
        count(l, rd, NOC_NET_PORTS + dst[k] % C, flits);
    }
}

uint64_t noc_load_busiest(const noc_load_t *l, int *router, int *port)
{
    uint64_t best = 0;
    *router = *port = -1;
    for (int r = 0; r < l->routers; r++)
        for (int p = 0; p < l->ports; p++)
            if (l->flits[(size_t)r * (size_t)l->ports + (size_t)p] > best) {
                best = l->flits[(size_t)r * (size_t)l->ports + (size_t)p];
                *router = r;
                *port = p;
            }
    return best;
}

uint64_t noc_load_port(const noc_load_t *l, int router, int port)
{
    if (router < 0 || router >= l->routers || port < 0 || port >= l->ports)
        return 0;
    return l->flits[(size_t)router * (size_t)l->ports + (size_t)port];
}
