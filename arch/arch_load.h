/* Loading an architecture: a preset name or a YAML file, plus "key=value"
 * overrides, into a fully resolved, validated arch_t (arch.h). */
#ifndef IMC_ARCH_LOAD_H
#define IMC_ARCH_LOAD_H

#include "arch.h"
#include <stdio.h>

#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* spec: a preset name ("isaac", "puma") or the path of a YAML file (which
 * may start from a preset with 'base: isaac').
 * sets: nsets "key=value" overrides with dotted keys exactly as in YAML
 * (e.g. "adc.bits=6", "chip.noc.topology=torus"), applied after the file.
 * Returns 0 on success (warnings may be in d), -1 on error (messages in d,
 * each "file:line:col: error: ..." or "--set k=v: error: ..."). On error
 * *out holds defaults and must not be used. */
int arch_load(const char *spec, const char *const *sets, int nsets,
              arch_t *out, imc_diag_t *d);

/* Names of the shipped presets (static storage). */
const char *const *arch_preset_names(int *n);

/* The embedded YAML text of a preset, or NULL. */
const char *arch_preset_text(const char *name);

/* Write the effective configuration as YAML that loads back to the same
 * arch_t (every parameter, no 'base:'). */
void arch_dump_yaml(const arch_t *a, FILE *f);

/* Print the documented schema (every parameter with type, unit, bounds,
 * default and description) as a Markdown table (markdown != 0) or text. */
void arch_print_params(FILE *f, int markdown);

/* Enum names, for printing. */
const char *arch_device_name(arch_device_type_t t);
const char *arch_adc_model_name(int m);
const char *arch_topology_name(arch_topology_t t);
const char *arch_routing_name(arch_routing_t r);
const char *arch_signed_scheme_name(arch_signed_scheme_t s);
const char *arch_buffer_type_name(arch_buffer_type_t b);

#ifdef __cplusplus
}
#endif
#endif
