/* RRAM (1T1R, HfOx-type filamentary cells).
 * Sources:
 *  [I] ISAAC (Shafiee et al., ISCA 2016): 2-bit cells.
 *  [K] Krestinskaya et al. (survey) §II: 1T1R ~12 F^2; §V.B: endurance
 *      ~1e6 cycles, writes of 100-150 ns.
 *  [N] DNN+NeuroSim V1.0, Param.cpp (Inference): R_on 100 kOhm, R_off 10 MOhm
 *      -> on/off ratio 100.
 *  [W] Wan et al., "A compute-in-memory chip based on resistive random-access
 *      memory", Nature 2022, as fitted in IBM aihwkit ReRamWan2022NoiseModel:
 *      g_max 40 uS; programming error at g_max after 1 s: sigma = 1.103 uS
 *      (-16.815 + 45.393 - 43.853 + 16.030 + 0.348), i.e. 2.76 % of g_max;
 *      short-term read noise "about 1 %"; no drift in the usual sense.
 *  [C] C.-Y. Chen et al., "RRAM defect modeling and failure analysis based on
 *      March test and a novel squeeze-search scheme", IEEE Trans. Computers
 *      64(1), 2015: 1.75 % stuck-at-0 (high resistance, OFF) and 9.04 %
 *      stuck-at-1 (low resistance, ON) cells.
 *  [V] NVSim sample_RRAM.cell: 0.6 pJ per set/reset pulse.
 *  [A] imcsim assumption: 10 program-and-verify pulses per cell on average
 *      (iterative write-verify, cf. Milo et al., IRPS 2021). */
#include "device_model.h"

const device_model_t device_rram = {
    "rram", "1T1R RRAM: multi-level, programming error, stuck-at faults", 4,
    {
        .bits_per_cell = 2,              /* [I] */
        .on_off_ratio = 100,             /* [N] */
        .g_on_us = 40,                   /* [W] */
        .variation_sigma = 0.0276,       /* [W] */
        .read_noise_sigma = 0.01,        /* [W] */
        .drift_nu = 0,                   /* [W] */
        .drift_t0_s = 1,
        .stuck_on_rate = 0.0904,         /* [C] */
        .stuck_off_rate = 0.0175,        /* [C] */
        .write_energy_pj = 0.6,          /* [V] */
        .write_latency_ns = 100,         /* [K] */
        .program_verify_iterations = 10, /* [A] */
        .endurance_cycles = 1e6,         /* [K] */
        .cell_area_f2 = 12,              /* [K] */
    },
    "bits: ISAAC; on/off: DNN+NeuroSim V1.0 Param.cpp; G_on, variation, read noise, "
    "drift: Wan et al. Nature 2022 via aihwkit ReRamWan2022NoiseModel; stuck-at: Chen "
    "et al. IEEE TC 2015; write energy: NVSim sample_RRAM; write latency, endurance, "
    "cell area: Krestinskaya et al. (survey); program-and-verify pulses: assumption",
};
