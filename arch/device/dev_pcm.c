/* Phase-change memory.
 * Sources:
 *  [P] IBM aihwkit PCMLikeNoiseModel (Nandakumar et al., ICECS 2019; Joshi et
 *      al., Nature Communications 11:2473, 2020), evaluated at g_T = g_max:
 *      g_max 25 uS; programming noise sigma = 0.26348 + 1.9650 - 1.1731
 *      = 1.055 uS (4.2 %); drift exponent mean 0.049 (the fit's lower clamp),
 *      t_0 = 20 s; 1/f read noise Q_s = 0.0088, integrated from t_read =
 *      250 ns to t_0: 0.0088 * sqrt(ln(20 s / (2 * 250 ns))) = 3.7 %.
 *  [L] Lee et al., "Architecting phase change memory as a scalable DRAM
 *      alternative", ISCA 2009, as NVSim's sample_PCRAM.cell: R_on 1 kOhm,
 *      R_off 1 MOhm (on/off 1000), 9 F^2, set pulse 150 ns, reset 300 uA x
 *      40 ns; endurance 1e8 writes.
 *  [S] Khwa et al., ISSCC 2022 (survey Table I): multi-level PCM cells.
 *  [A] imcsim assumption: write energy 12 pJ per pulse (300 uA x 40 ns at an
 *      assumed 1 V), 10 program-and-verify pulses (cf. Papandreou et al.,
 *      ISCAS 2011). */
#include "device_model.h"

const device_model_t device_pcm = {
    "pcm", "phase-change memory: multi-level, programming noise, 1/f noise, drift", 4,
    {
        .bits_per_cell = 2,              /* [S] */
        .on_off_ratio = 1000,            /* [L] */
        .g_on_us = 25,                   /* [P] */
        .variation_sigma = 0.042,        /* [P] */
        .read_noise_sigma = 0.037,       /* [P] */
        .drift_nu = 0.049,               /* [P] */
        .drift_t0_s = 20,                /* [P] */
        .stuck_on_rate = 0,
        .stuck_off_rate = 0,
        .write_energy_pj = 12,           /* [A] */
        .write_latency_ns = 150,         /* [L] */
        .program_verify_iterations = 10, /* [A] */
        .endurance_cycles = 1e8,         /* [L] */
        .cell_area_f2 = 9,               /* [L] */
    },
    "G_on, variation, read noise, drift: aihwkit PCMLikeNoiseModel (Nandakumar et al. "
    "2019, Joshi et al. 2020); on/off, write latency, endurance, cell area: Lee et al. "
    "ISCA 2009 (NVSim sample_PCRAM); write energy, program-and-verify pulses: assumptions",
};
