/* chip.placement: search (placement_search.h). The placement decides which
 * links consecutive layers' traffic crosses (arch/placement.c), and a
 * NoC-bound network's period follows its busiest link: ResNet-50 on isaac
 * with bands of 3 router rows loads one port with 464,048 flits per
 * inference, with bands of 2 with 426,432 (imcsim estimate). The search asks
 * the estimate's link loads (estimate_noc.c: the traces' messages along
 * their fixed routes, milliseconds each) for every band height and keeps the
 * lowest busiest port. */
#include "placement_search.h"

#include "estimate.h"

/* The busiest port's flits per inference with bands of b rows, or -1. */
static int64_t busiest(arch_t *a, const mapping_t *m, const trace_layer_t *layers, int b,
                       imc_diag_t *d)
{
    a->chip.band_rows = b;
    mapping_t on_a = *m; /* read only: the same mapping, its placement a's */
    on_a.arch = a;
    estimate_t e = {0};
    if (estimate_noc_busiest(&on_a, layers, &e, d))
        return -1;
    return (int64_t)e.noc_port_flits;
}

int placement_search(arch_t *a, const mapping_t *m, const trace_layer_t *layers, imc_diag_t *d)
{
    if (a->chip.placement != PLACEMENT_SEARCH)
        return 0;
    const int given = a->chip.band_rows, ky = a->chip.grid_y;
    /* bands of ky rows or more are one band: the grid column by column */
    int best_b = given < ky ? given : ky;
    int64_t best = busiest(a, m, layers, best_b, d), at_given = best;
    for (int b = 0; b <= ky && best >= 0; b++) {
        if (b == best_b || b == given)
            continue;
        int64_t f = busiest(a, m, layers, b, d);
        if (f < 0)
            best = -1;
        else if (f < best) {
            best = f;
            best_b = b;
        }
    }
    if (best < 0) {
        a->chip.band_rows = given;
        return -1;
    }
    a->chip.band_rows = best_b;
    if (best_b == given)
        diag_note(d, NULL, 0, 0, "chip.placement = search: chip.band_rows = %d kept (its busiest "
                  "NoC port carries %lld flits per inference, no band height fewer)", given,
                  (long long)best);
    else
        diag_note(d, NULL, 0, 0, "chip.placement = search: chip.band_rows = %d (its busiest NoC "
                  "port carries %lld flits per inference; %lld with the given %d)", best_b,
                  (long long)best, (long long)at_given, given);
    return 0;
}
