/* The device model registry: adding a device = one file in device/ + one line. */
#include "device_model.h"

extern const device_model_t device_sram, device_rram, device_pcm, device_mram,
    device_fefet, device_dram;

/* Indexed by arch_device_type_t. */
static const device_model_t *const registry[DEV_COUNT_] = {
    [DEV_SRAM] = &device_sram,
    [DEV_RRAM] = &device_rram,
    [DEV_PCM] = &device_pcm,
    [DEV_MRAM] = &device_mram,
    [DEV_FEFET] = &device_fefet,
    [DEV_DRAM] = &device_dram,
};

const device_model_t *device_model_get(arch_device_type_t t)
{
    return (unsigned)t < DEV_COUNT_ ? registry[t] : NULL;
}

#define F(k, f) {"device." #k, offsetof(device_values_t, f), 0}
static const device_field_t fields[] = {
    {"device.bits_per_cell", offsetof(device_values_t, bits_per_cell), 1},
    F(on_off_ratio, on_off_ratio),
    F(g_on_us, g_on_us),
    F(variation_sigma, variation_sigma),
    F(read_noise_sigma, read_noise_sigma),
    F(drift_nu, drift_nu),
    F(drift_t0_s, drift_t0_s),
    F(stuck_on_rate, stuck_on_rate),
    F(stuck_off_rate, stuck_off_rate),
    F(write_energy_pj, write_energy_pj),
    F(write_latency_ns, write_latency_ns),
    F(program_verify_iterations, program_verify_iterations),
    F(endurance_cycles, endurance_cycles),
    F(cell_area_f2, cell_area_f2),
};
#undef F

const device_field_t *device_fields(int *n)
{
    *n = (int)(sizeof fields / sizeof fields[0]);
    return fields;
}
