/* FeFET (HfO2 ferroelectric FET) cells.
 * Sources:
 *  [K] Krestinskaya et al. (survey) Table I: FeFET IMC with 3-bit weights
 *      (Matsui et al., VLSI 2021), ternary FeFET arrays (Saito et al. 2021).
 *  [A] imcsim assumptions (no published table used): 2 bits per cell,
 *      on/off 100, G_on 1 uS, 5 % programming error, 1 % read noise, 100 ns
 *      write pulses of 1 pJ, 5 program-and-verify pulses, 1e5 cycles
 *      endurance, 10 F^2. Override with --set device.* for a specific device. */
#include "device_model.h"

const device_model_t device_fefet = {
    "fefet", "FeFET: multi-level, assumed values (see the source file)", 3,
    {
        .bits_per_cell = 2,
        .on_off_ratio = 100,
        .g_on_us = 1,
        .variation_sigma = 0.05,
        .read_noise_sigma = 0.01,
        .drift_nu = 0,
        .drift_t0_s = 1,
        .stuck_on_rate = 0,
        .stuck_off_rate = 0,
        .write_energy_pj = 1,
        .write_latency_ns = 100,
        .program_verify_iterations = 5,
        .endurance_cycles = 1e5,
        .cell_area_f2 = 10,
    },
    "multi-level cells: Krestinskaya et al. (survey) Table I; all values: assumptions",
};
