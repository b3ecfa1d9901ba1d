/* Shared pieces of the component cores: the tile clock domain, stats tables
 * (name/unit/description per counter) and their JSON walk.
 *
 * Every core counts time in cycles of the tile clock domain ("tile",
 * period 1/arch->tech.clock_ghz ns) as uint64_t; ns appear only when a cost
 * is converted. Energies are in pJ, power in mW. */
#ifndef IMC_COMP_COMMON_H
#define IMC_COMP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { STAT_U64, STAT_F64 } stat_type_t;

/* One counter of a stats struct: the table drives JSON output and docs. */
typedef struct stat_desc {
    const char *name;   /* JSON key, unit suffixed (e.g. "energy_pj") */
    const char *unit;   /* "pJ", "cycles", "1", ... */
    const char *desc;
    size_t offset;      /* offsetof in the stats struct */
    stat_type_t type;
} stat_desc_t;

#define STAT_U(S, f, u, d) {#f, u, d, offsetof(S, f), STAT_U64}
#define STAT_F(S, f, u, d) {#f, u, d, offsetof(S, f), STAT_F64}

/* Writes the fields of one stats struct as members of the current object. */
void comp_stats_write(json_w_t *w, const void *stats, const stat_desc_t *t, int n);
/* Adds stats struct b into a (same table). */
void comp_stats_add(void *a, const void *b, const stat_desc_t *t, int n);
double comp_stats_get(const void *stats, const stat_desc_t *t, int n, const char *name);

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
