#include "comp_common.h"

#include <math.h>
#include <string.h>

const char *const comp_class_names[COMP_CLASS_COUNT_] = {
    [COMP_CROSSBAR] = "crossbar", [COMP_DAC] = "dac", [COMP_SH] = "sh", [COMP_ADC] = "adc",
    [COMP_SA] = "sa", [COMP_REGISTER] = "register", [COMP_BUFFER] = "buffer", [COMP_BUS] = "bus",
    [COMP_ACTIVATION] = "activation", [COMP_POOL] = "pool", [COMP_VFU] = "vfu",
    [COMP_EXTRA] = "extra", [COMP_ROUTER] = "router", [COMP_LINK] = "link",
    [COMP_OFFCHIP] = "offchip", [COMP_OFFCHIP_STATIC] = "offchip_static",
    [COMP_HOST_IO] = "host_io",
};

void comp_stats_write(json_w_t *w, const void *stats, const stat_desc_t *t, int n)
{
    const char *base = stats;
    for (int i = 0; i < n; i++) {
        if (t[i].type == STAT_U64)
            jw_uint(w, t[i].name, *(const uint64_t *)(base + t[i].offset));
        else
            jw_num(w, t[i].name, *(const double *)(base + t[i].offset));
    }
}

void comp_stats_add(void *a, const void *b, const stat_desc_t *t, int n)
{
    char *pa = a;
    const char *pb = b;
    for (int i = 0; i < n; i++) {
        if (t[i].type == STAT_U64)
            *(uint64_t *)(pa + t[i].offset) += *(const uint64_t *)(pb + t[i].offset);
        else
            *(double *)(pa + t[i].offset) += *(const double *)(pb + t[i].offset);
    }
}

double comp_stats_get(const void *stats, const stat_desc_t *t, int n, const char *name)
{
    const char *base = stats;
    for (int i = 0; i < n; i++) {
        if (strcmp(t[i].name, name))
            continue;
        if (t[i].type == STAT_U64)
            return (double)*(const uint64_t *)(base + t[i].offset);
        return *(const double *)(base + t[i].offset);
    }
    return NAN;
}

double comp_cycle_ns(const arch_t *a)
{
    return a->tech.clock_ghz > 0 ? 1.0 / a->tech.clock_ghz : 1.0;
}

/* The 1e-9 relative slack keeps 100 ns at 1.2 GHz at exactly 120 cycles
 * despite floating-point rounding of the period. */
uint64_t comp_ns_to_cycles(const arch_t *a, double ns)
{
    if (!(ns > 0))
        return 0;
    double c = ns / comp_cycle_ns(a);
    return (uint64_t)ceil(c * (1.0 - 1e-9));
}

uint64_t comp_cycles_ceil(double cycles)
{
    if (!(cycles > 0))
        return 0;
    return (uint64_t)ceil(cycles * (1.0 - 1e-9));
}
