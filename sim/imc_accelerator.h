// imc::Accelerator: the IMC accelerator as a memory-mapped device of a
// SystemC/TLM-2.0 virtual platform (docs/vp.md).
//
//   regs  TLM-2.0 target socket: the register map below (32- and 64-bit
//         registers, little-endian, blocking transport, no delay added)
//   dma   TLM-2.0 initiator socket: reads the model image and the inputs from
//         system memory, writes the outputs back (DMI when the target grants it)
//   irq   interrupt output, level: IRQ_STATUS & IRQ_ENABLE != 0
//
// The architecture is fixed at construction. A job (CTRL.START) reads the
// image (imcsim compile --image) and BATCH inputs by DMA, runs them through
// the same engine as `imcsim run` (with the inputs in the tiles' buffers, as
// the DMA left them, in place of the off-chip link model) and through the
// functional model for the output values, writes the outputs by DMA and
// raises the interrupt at the simulated completion time:
//   start + DMA(image) + DMA(inputs) + the run's time + DMA(outputs).
// Loosely timed: DMA transactions carry the job's local time offset (a
// tlm_quantumkeeper on the global quantum) and sync when the quantum is used
// up; the interrupt time does not depend on the quantum.
#ifndef IMC_ACCELERATOR_H
#define IMC_ACCELERATOR_H

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace imc {

// Register offsets (docs/vp.md, "Register map").
namespace reg {
enum : uint64_t {
    ID = 0x00,              // RO 32: kAcceleratorId
    VERSION = 0x04,         // RO 32: kAcceleratorVersion (major << 16 | minor)
    CTRL = 0x08,            // WO 32 (reads 0): CTRL_START | CTRL_RESET | CTRL_ABORT
    STATUS = 0x0C,          // RO 32: STATUS_BUSY | STATUS_DONE | STATUS_START_REFUSED, error << 8
    IRQ_STATUS = 0x10,      // W1C 32: IRQ_DONE | IRQ_ERROR
    IRQ_ENABLE = 0x14,      // RW 32: IRQ_DONE | IRQ_ERROR
    BATCH = 0x18,           // RW 32: inferences per job (reset 1)
    IMAGE_SIZE = 0x1C,      // RW 32: bytes of the image at IMAGE_ADDR
    IMAGE_ADDR = 0x20,      // RW 64
    INPUT_ADDR = 0x28,      // RW 64: BATCH x IN_VALUES float32, HWC
    OUTPUT_ADDR = 0x30,     // RW 64: BATCH x OUT_VALUES float32
    ERROR_INFO = 0x38,      // RO 64: image byte offset, or the bus address, of the error
    CYCLES = 0x40,          // RO 64 counters, latched at completion: accelerator cycles
    INFERENCES = 0x48,      //   inferences
    MACS = 0x50,            //   multiply-accumulates
    ADC_CONVERSIONS = 0x58, //   ADC conversions
    ENERGY_PJ = 0x60,       //   energy of the job (dynamic + static), pJ
    IN_VALUES = 0x68,       // RO 32: input values per inference of the last image
    OUT_VALUES = 0x6C,      // RO 32: output values per inference (0: no weights)
    SIZE = 0x70             // bytes of the register window
};
} // namespace reg

constexpr uint32_t kAcceleratorId = 0x494D4353; // "IMCS"
constexpr uint32_t kAcceleratorVersion = 0x00010000;

enum : uint32_t { CTRL_START = 1, CTRL_RESET = 2, CTRL_ABORT = 4 };
enum : uint32_t { STATUS_BUSY = 1, STATUS_DONE = 2, STATUS_START_REFUSED = 4 };
enum : uint32_t { IRQ_DONE = 1, IRQ_ERROR = 2 };

// STATUS bits 8..15: why the last job failed (0: it did not).
enum AcceleratorError : uint32_t {
    ERR_NONE = 0,
    ERR_IMAGE_MAGIC = 1,
    ERR_IMAGE_VERSION = 2,
    ERR_IMAGE_BOUNDS = 3,   // truncated, or a size or offset out of range
    ERR_IMAGE_CHECKSUM = 4,
    ERR_IMAGE_ARCH = 5,     // compiled for another architecture
    ERR_IMAGE_CONTENT = 6,  // a section that does not load
    ERR_DMA = 7,            // the bus answered a DMA transaction with an error
    ERR_CONFIG = 8,         // BATCH 0, IMAGE_SIZE 0, an input or output that does not fit
    ERR_ABORTED = 9,
    ERR_INTERNAL = 10       // the engine could not finish (deadlock) or crashed
};

struct AcceleratorConfig {
    std::string arch = "isaac";        // preset name or architecture YAML file
    std::vector<std::string> sets;     // --set KEY=VALUE overrides
    unsigned dma_burst_bytes = 4096;   // bytes per DMA transaction
    uint64_t seed = 1;                 // the non-idealities' random streams
};

class Accelerator : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<Accelerator> regs;
    tlm_utils::simple_initiator_socket<Accelerator> dma;
    sc_core::sc_out<bool> irq;

    // Loads the architecture; an sc_report error (SC_REPORT_ERROR) if it does
    // not load. Call during elaboration (the engine runs in a helper process
    // forked here, so that each job elaborates its own SystemC model).
    Accelerator(sc_core::sc_module_name name, const AcceleratorConfig &cfg = AcceleratorConfig());
    ~Accelerator() override;

    uint64_t arch_hash() const;       // what an image must have been compiled for
    const std::string &last_error() const; // the last job's message ("" if none)
    double clock_ghz() const;         // the accelerator clock (CYCLES)

    SC_HAS_PROCESS(Accelerator);

    struct Impl; // the state behind the registers (accelerator.cpp)

  private:
    std::unique_ptr<Impl> p_;
    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload &gp);
    void invalidate_dmi(sc_dt::uint64 start, sc_dt::uint64 end);
    void job_thread();
    void drive_irq();
    void end_of_elaboration() override;
};

} // namespace imc

#endif
