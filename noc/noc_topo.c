/* The topology registry: chip.noc.topology -> its ops (noc_internal.h).
 * Adding a topology = one file defining its ops + one line here. */
#include "noc_internal.h"

extern const noc_topo_ops_t noc_topo_mesh, noc_topo_torus;

const noc_topo_ops_t *noc_topo(arch_topology_t t)
{
    switch (t) {
    case TOPO_MESH:
    case TOPO_CMESH: /* a mesh with concentration endpoints per router */
        return &noc_topo_mesh;
    case TOPO_TORUS:
        return &noc_topo_torus;
    }
    return NULL;
}
