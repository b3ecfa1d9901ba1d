/* STT-MRAM: one bit per magnetic tunnel junction, a small on/off ratio.
 * Sources:
 *  [V] NVSim sample_STTRAM.cell: R_on 6 kOhm, R_off 12 kOhm (on/off 2),
 *      57.5 F^2, 5 ns write pulses of 0.194 pJ.
 *  [A] imcsim assumption: endurance 1e12 writes; no variation, noise or
 *      drift values (set device.* to model them). */
#include "device_model.h"

const device_model_t device_mram = {
    "mram", "STT-MRAM: 1 bit, on/off ratio 2, fast low-energy writes", 1,
    {
        .bits_per_cell = 1,
        .on_off_ratio = 2,               /* [V] */
        .g_on_us = 166.667,              /* [V] 1 / 6 kOhm */
        .variation_sigma = 0,
        .read_noise_sigma = 0,
        .drift_nu = 0,
        .drift_t0_s = 1,
        .stuck_on_rate = 0,
        .stuck_off_rate = 0,
        .write_energy_pj = 0.194,        /* [V] */
        .write_latency_ns = 5,           /* [V] */
        .program_verify_iterations = 1,
        .endurance_cycles = 1e12,        /* [A] */
        .cell_area_f2 = 57.5,            /* [V] */
    },
    "on/off, G_on, write energy and latency, cell area: NVSim sample_STTRAM; endurance: "
    "assumption",
};
