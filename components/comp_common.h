/* Shared pieces of the component cores: the tile clock domain and the stats
 * tables (name/unit/description per counter: base/desc.h).
 *
 * Every core counts time in cycles of the tile clock domain ("tile",
 * period 1/arch->tech.clock_ghz ns) as uint64_t; ns appear only when a cost
 * is converted. Energies are in pJ, power in mW. */
#ifndef IMC_COMP_COMMON_H
#define IMC_COMP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "desc.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The classes energy, static power and utilization are reported by: one
 * table for the components, the NoC and the off-chip links, which every
 * output walks (comp_class_names). */
typedef enum {
    COMP_CROSSBAR, COMP_DAC, COMP_SH, COMP_ADC, COMP_SA, COMP_REGISTER, COMP_BUFFER,
    COMP_BUS, COMP_ACTIVATION, COMP_POOL, COMP_VFU, COMP_EXTRA, COMP_ROUTER, COMP_LINK,
    COMP_OFFCHIP, COMP_OFFCHIP_STATIC, COMP_HOST_IO, COMP_CLASS_COUNT_
} comp_class_t;
extern const char *const comp_class_names[COMP_CLASS_COUNT_];

/* Tile clock period, ns. */
double comp_cycle_ns(const arch_t *a);
/* Smallest whole number of cycles covering ns (0 for ns <= 0). */
uint64_t comp_ns_to_cycles(const arch_t *a, double ns);
/* Cycles from a latency given in (possibly fractional) cycles. */
uint64_t comp_cycles_ceil(double cycles);

#ifdef __cplusplus
}
#endif
#endif
