/* SRAM cells: one bit each, written in under a nanosecond, no analog
 * non-idealities of the stored value (the bit is exact).
 * Sources:
 *  [K] Krestinskaya, Zhang, Salama, "Towards Efficient In-memory Computing
 *      Hardware for Quantized Neural Networks", §II: ~124 F^2 cell, 1 bit;
 *      §V.B (citing Haensch et al. 2022): SRAM writes below 1 ns.
 *  [A] imcsim assumption, no published table used: read-port on/off ratio,
 *      on conductance, write energy, endurance. */
#include "device_model.h"

const device_model_t device_sram = {
    "sram", "6T/8T SRAM cell: 1 bit, exact, <1 ns writes", 1,
    {
        .bits_per_cell = 1,              /* [K] */
        .on_off_ratio = 1e5,             /* [A] read-transistor Ion/Ioff */
        .g_on_us = 50,                   /* [A] read port on conductance */
        .variation_sigma = 0,            /* digital storage */
        .read_noise_sigma = 0,
        .drift_nu = 0,
        .drift_t0_s = 1,
        .stuck_on_rate = 0,
        .stuck_off_rate = 0,
        .write_energy_pj = 0.001,        /* [A] ~1 fJ per bit */
        .write_latency_ns = 1,           /* [K] < 1 ns */
        .program_verify_iterations = 1,  /* a digital write needs no verify */
        .endurance_cycles = 1e16,        /* [A] unlimited in practice */
        .cell_area_f2 = 124,             /* [K] */
    },
    "bits, cell area, write latency: Krestinskaya et al. (survey) §II, §V.B; "
    "on/off, G_on, write energy, endurance: imcsim assumptions",
};
