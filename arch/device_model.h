/* Memory device models: one parameter set per device type (device/dev_<name>.c),
 * selected by name from YAML (device.type). A set holds published values with
 * their sources; at load time every device.* parameter the configuration does
 * not give itself takes the value of its device type (arch_device_resolve).
 * Adding a device = one file in device/, one registry line, one enum value. */
#ifndef IMC_DEVICE_MODEL_H
#define IMC_DEVICE_MODEL_H

#include <stddef.h>

#include "arch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The device.* values a type supplies (units as in arch_device_t). */
typedef struct device_values {
    int bits_per_cell;            /* levels per cell = 2^bits */
    double on_off_ratio;          /* G_on / G_off */
    double g_on_us;               /* conductance of the highest level */
    double variation_sigma;       /* device-to-device, relative (programming error) */
    double read_noise_sigma;      /* cycle-to-cycle, relative, per read */
    double drift_nu;              /* G(t) = G(t0) (t/t0)^-nu */
    double drift_t0_s;
    double stuck_on_rate, stuck_off_rate;
    double write_energy_pj;       /* one program (or verify) pulse of one cell */
    double write_latency_ns;      /* one pulse of one row (cells of a row in parallel) */
    double program_verify_iterations; /* pulses per cell, mean */
    double endurance_cycles;
    double cell_area_f2;
} device_values_t;

typedef struct device_model {
    const char *name;
    const char *description;
    int max_bits_per_cell;        /* levels the technology can hold reliably */
    device_values_t v;
    const char *sources;          /* where each value comes from */
} device_model_t;

/* Registry, indexed by arch_device_type_t. */
const device_model_t *device_model_get(arch_device_type_t t);

/* One row per device.* parameter a type supplies: the parameter key and the
 * offset of its value in device_values_t (int for bits_per_cell, else double). */
typedef struct device_field {
    const char *key;
    size_t offset;
    int is_int;
} device_field_t;
const device_field_t *device_fields(int *n);

#ifdef __cplusplus
}
#endif
#endif
