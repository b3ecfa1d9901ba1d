/* DRAM / gain-cell eDRAM compute cells: one exact bit, volatile.
 * Sources:
 *  [K] Krestinskaya et al. (survey) §II and Table I (gain-cell eDRAM IMC,
 *      Xie et al. 2021/2022): 1-bit cells.
 *  [A] imcsim assumptions: as SRAM but 2 ns writes, 60 F^2. */
#include "device_model.h"

const device_model_t device_dram = {
    "dram", "DRAM/eDRAM cell: 1 bit, exact, volatile (assumed values)", 1,
    {
        .bits_per_cell = 1,
        .on_off_ratio = 1e5,
        .g_on_us = 50,
        .variation_sigma = 0,
        .read_noise_sigma = 0,
        .drift_nu = 0,
        .drift_t0_s = 1,
        .stuck_on_rate = 0,
        .stuck_off_rate = 0,
        .write_energy_pj = 0.001,
        .write_latency_ns = 2,
        .program_verify_iterations = 1,
        .endurance_cycles = 1e16,
        .cell_area_f2 = 60,
    },
    "1-bit cells: Krestinskaya et al. (survey); all other values: assumptions",
};
