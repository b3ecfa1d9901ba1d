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
