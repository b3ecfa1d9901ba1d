/* Hand-filled ISAAC-like and PUMA-like architectures with the values of
 * REFERENCE.md sections 2 and 3, for the compiler only (geometry and
 * precision; no costs). No loader involved, so tests and fuzz targets can
 * compile models without arch/; imcsim itself uses arch_load(). */
#include "arch_builtin.h"

#include <stdio.h>
#include <string.h>

int workloads_builtin_arch(const char *name, arch_t *a)
{
    memset(a, 0, sizeof *a);
    int puma = !strcmp(name, "puma");
    if (!puma && strcmp(name, "isaac"))
        return -1;
    snprintf(a->name, sizeof a->name, "%s", name);
    snprintf(a->base, sizeof a->base, "%s", name);
    a->device.bits_per_cell = 2;
    a->crossbar.rows = 128;
    a->crossbar.cols = 128;
    a->crossbar.unit_cols = puma ? 0 : 1;
    a->crossbar.signed_scheme = SIGNED_OFFSET;
    a->dac.bits = 1;
    a->precision.weight_bits = 16;
    a->precision.act_bits = 16;
    a->precision.input_bits_per_cycle = 1;
    /* ISAAC: 8 crossbars per IMA, 12 IMAs per tile, 168 tiles (7x6 routers
     * of 4). PUMA: a core's 2 MVMUs of 8 physical crossbars, 8 cores per
     * tile, 138 tiles per node. */
    a->ce.crossbars = puma ? 16 : 8;
    a->tile.ces = puma ? 8 : 12;
    a->chip.tiles = puma ? 138 : 168;
    a->chip.grid_x = puma ? 0 : 7;
    a->chip.grid_y = puma ? 0 : 6;
    a->chip.noc.concentration = 4;
    a->chip.chips = 1;
    a->derived.slices_per_weight = 8;
    a->derived.weights_per_crossbar_row = 16;
    a->derived.crossbars_per_chip = (int64_t)a->ce.crossbars * a->tile.ces * a->chip.tiles;
    a->hash = puma ? 0x9e3779b97f4a7c15ull : 0x2545f4914f6cdd1dull;
    return 0;
}
