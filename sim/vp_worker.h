// The job runner behind imc::Accelerator (docs/vp.md, "Inside"): SystemC
// elaborates once per process and not while a simulation runs, so the engine
// of each job runs in a process of its own. A server process is forked when
// the accelerator is constructed (during elaboration, before the platform's
// simulation starts: no coroutine of the platform is live in it); per job it
// forks a worker that loads the image, runs the functional model for the
// outputs and imc_simulate (with the inputs preloaded in the tiles, as the
// DMA leaves them) for the time and the counters, and sends the result back.
#ifndef IMC_VP_WORKER_H
#define IMC_VP_WORKER_H

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "arch.h"

namespace imc_vp {

struct JobResult {
    uint32_t error = 0;       // imc::AcceleratorError
    uint64_t err_off = 0;     // image byte offset of an image error
    std::string message;
    uint64_t compute_ps = 0;  // the run's total_cycles at the accelerator clock
    uint64_t cycles = 0, inferences = 0, macs = 0, adc_conversions = 0, energy_pj = 0;
    std::vector<float> outputs; // batch x out_values
};

// One job, in this process: what the worker does (tests call it directly).
void run_job(arch_t *a, const uint8_t *image, size_t image_len, const float *inputs,
             size_t n_inputs, uint32_t batch, uint64_t seed, JobResult *r);

class Worker {
  public:
    // Forks the server with its own copy of the architecture; false with a
    // message when the system refuses.
    bool start(const arch_t &a, std::string *err);
    // One job in a fresh worker process; the result (ERR_INTERNAL when the
    // worker died).
    void run(const std::vector<uint8_t> &image, const std::vector<float> &inputs, uint32_t batch,
             uint64_t seed, JobResult *r);
    ~Worker();

  private:
    int to_server_ = -1, from_server_ = -1;
    pid_t server_ = -1;
};

} // namespace imc_vp

#endif
