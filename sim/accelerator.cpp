// imc::Accelerator (imc_accelerator.h, docs/vp.md): registers, DMA, interrupt.
#include "imc_accelerator.h"

#include <tlm_utils/tlm_quantumkeeper.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>

#include "arch_load.h"
#include "image.h"
#include "vp_worker.h"

using namespace sc_core;

namespace imc {

namespace {

// One register: its offset, width in bytes, and whether software may write it.
struct RegDesc {
    uint64_t off;
    unsigned width;
    bool writable;
};

constexpr RegDesc kRegs[] = {
    {reg::ID, 4, false},          {reg::VERSION, 4, false},   {reg::CTRL, 4, true},
    {reg::STATUS, 4, false},      {reg::IRQ_STATUS, 4, true}, {reg::IRQ_ENABLE, 4, true},
    {reg::BATCH, 4, true},        {reg::IMAGE_SIZE, 4, true}, {reg::IMAGE_ADDR, 8, true},
    {reg::INPUT_ADDR, 8, true},   {reg::OUTPUT_ADDR, 8, true}, {reg::ERROR_INFO, 8, false},
    {reg::CYCLES, 8, false},      {reg::INFERENCES, 8, false}, {reg::MACS, 8, false},
    {reg::ADC_CONVERSIONS, 8, false}, {reg::ENERGY_PJ, 8, false}, {reg::IN_VALUES, 4, false},
    {reg::OUT_VALUES, 4, false},
};

// The register that holds byte offset `off`, or null.
const RegDesc *reg_at(uint64_t off)
{
    for (const RegDesc &r : kRegs)
        if (off >= r.off && off < r.off + r.width)
            return &r;
    return nullptr;
}

constexpr uint32_t kBatchMax = 65536;
// A job's inputs in values (1 GiB of float32): an image header that asks for
// more is refused rather than allocated.
constexpr uint64_t kMaxInputValues = 1ull << 28;

} // namespace

struct Accelerator::Impl {
    arch_t arch{};
    imc_vp::Worker worker;
    std::string last_error;
    // registers
    uint32_t status = 0, irq_status = 0, irq_enable = 0, batch = 1, image_size = 0;
    uint64_t image_addr = 0, input_addr = 0, output_addr = 0, error_info = 0;
    uint64_t cycles = 0, inferences = 0, macs = 0, adc = 0, energy_pj = 0;
    uint32_t in_values = 0, out_values = 0;
    // the job
    sc_event start_ev, abort_ev;
    sc_event irq_ev;           // the interrupt level may have changed
    bool aborted = false;
    uint64_t generation = 0;   // a RESET ends the job in flight without a trace
    tlm_utils::tlm_quantumkeeper qk;
    tlm::tlm_dmi dmi;
    bool dmi_valid = false;
    unsigned burst = 4096;
    uint64_t seed = 1;

    void reset_registers()
    {
        status = irq_status = irq_enable = 0;
        batch = 1;
        image_size = 0;
        image_addr = input_addr = output_addr = error_info = 0;
        cycles = inferences = macs = adc = energy_pj = 0;
        in_values = out_values = 0;
    }
    uint64_t read(uint64_t off) const
    {
        switch (off) {
        case reg::ID: return kAcceleratorId;
        case reg::VERSION: return kAcceleratorVersion;
        case reg::STATUS: return status;
        case reg::IRQ_STATUS: return irq_status;
        case reg::IRQ_ENABLE: return irq_enable;
        case reg::BATCH: return batch;
        case reg::IMAGE_SIZE: return image_size;
        case reg::IMAGE_ADDR: return image_addr;
        case reg::INPUT_ADDR: return input_addr;
        case reg::OUTPUT_ADDR: return output_addr;
        case reg::ERROR_INFO: return error_info;
        case reg::CYCLES: return cycles;
        case reg::INFERENCES: return inferences;
        case reg::MACS: return macs;
        case reg::ADC_CONVERSIONS: return adc;
        case reg::ENERGY_PJ: return energy_pj;
        case reg::IN_VALUES: return in_values;
        case reg::OUT_VALUES: return out_values;
        default: return 0; // CTRL reads 0
        }
    }
};

Accelerator::Accelerator(sc_module_name n, const AcceleratorConfig &cfg)
    : sc_module(n), regs("regs"), dma("dma"), irq("irq"), p_(new Impl)
{
    imc_diag_t d;
    diag_init(&d);
    std::vector<const char *> sets;
    for (const std::string &s : cfg.sets)
        sets.push_back(s.c_str());
    if (arch_load(cfg.arch.c_str(), sets.data(), (int)sets.size(), &p_->arch, &d)) {
        std::string msg = d.len ? std::string(d.text, d.len) : "cannot load the architecture";
        diag_free(&d);
        SC_REPORT_ERROR("imc::Accelerator", msg.c_str());
        return;
    }
    diag_free(&d);
    std::string err;
    if (!p_->worker.start(p_->arch, &err))
        SC_REPORT_ERROR("imc::Accelerator", ("cannot start the engine's process: " + err).c_str());
    p_->burst = std::max(4u, cfg.dma_burst_bytes);
    p_->seed = cfg.seed;
    regs.register_b_transport(this, &Accelerator::b_transport);
    regs.register_transport_dbg(this, &Accelerator::transport_dbg);
    dma.register_invalidate_direct_mem_ptr(this, &Accelerator::invalidate_dmi);
    SC_THREAD(job_thread);
    SC_METHOD(drive_irq); // the one driver of irq
    sensitive << p_->irq_ev;
    dont_initialize();
}

void Accelerator::drive_irq() { irq.write((p_->irq_status & p_->irq_enable) != 0); }

Accelerator::~Accelerator() = default;

uint64_t Accelerator::arch_hash() const { return p_->arch.hash; }
const std::string &Accelerator::last_error() const { return p_->last_error; }
double Accelerator::clock_ghz() const { return p_->arch.tech.clock_ghz; }

void Accelerator::end_of_elaboration() { irq.initialize(false); }

// ------------------------------------------------------------ registers

// Blocking transport: checks the access (docs/vp.md, "Register map"), then
// reads or writes at once; a write to CTRL.START starts the job at the
// transaction's local time (sc_time_stamp() + delay). No delay is added.
void Accelerator::b_transport(tlm::tlm_generic_payload &gp, sc_time &delay)
{
    const uint64_t off = gp.get_address();
    const unsigned len = gp.get_data_length();
    const RegDesc *r = reg_at(off);
    if (!r || r->off != off) { // unmapped, or inside a register: misaligned
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (len != r->width || gp.get_streaming_width() != len || !gp.get_data_ptr()) {
        gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    if (const unsigned char *be = gp.get_byte_enable_ptr()) {
        const unsigned bel = gp.get_byte_enable_length();
        for (unsigned i = 0; i < len; i++)
            if (!bel || be[i % bel] != TLM_BYTE_ENABLED) {
                gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
                return;
            }
    }
    Impl &p = *p_;
    if (gp.is_read()) {
        uint64_t v = p.read(off);
        std::memcpy(gp.get_data_ptr(), &v, len); // little-endian host
    } else if (gp.is_write()) {
        if (!r->writable) {
            gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
        uint64_t v = 0;
        std::memcpy(&v, gp.get_data_ptr(), len);
        const uint32_t v32 = (uint32_t)v;
        switch (off) {
        case reg::CTRL:
            if (v32 & CTRL_RESET) {
                p.generation++;
                p.aborted = true;
                p.start_ev.cancel();
                p.abort_ev.notify(SC_ZERO_TIME);
                p.reset_registers();
                break;
            }
            if ((v32 & CTRL_ABORT) && (p.status & STATUS_BUSY)) {
                p.aborted = true;
                p.abort_ev.notify(delay);
            }
            if (v32 & CTRL_START) {
                if (p.status & STATUS_BUSY) {
                    p.status |= STATUS_START_REFUSED; // the running job goes on
                } else {
                    p.status = STATUS_BUSY;
                    p.aborted = false;
                    p.start_ev.notify(delay);
                }
            }
            break;
        case reg::IRQ_STATUS: p.irq_status &= ~v32; break; // write one to clear
        case reg::IRQ_ENABLE: p.irq_enable = v32 & (IRQ_DONE | IRQ_ERROR); break;
        case reg::BATCH: p.batch = v32; break;
        case reg::IMAGE_SIZE: p.image_size = v32; break;
        case reg::IMAGE_ADDR: p.image_addr = v; break;
        case reg::INPUT_ADDR: p.input_addr = v; break;
        case reg::OUTPUT_ADDR: p.output_addr = v; break;
        default: break;
        }
        p.irq_ev.notify(SC_ZERO_TIME);
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

// Debug access: reads of whole registers, no side effects, no writes.
unsigned int Accelerator::transport_dbg(tlm::tlm_generic_payload &gp)
{
    const RegDesc *r = reg_at(gp.get_address());
    if (!gp.is_read() || !r || r->off != gp.get_address() || gp.get_data_length() != r->width)
        return 0;
    uint64_t v = p_->read(r->off);
    std::memcpy(gp.get_data_ptr(), &v, r->width);
    return r->width;
}

// ------------------------------------------------------------ DMA

void Accelerator::invalidate_dmi(sc_dt::uint64, sc_dt::uint64) { p_->dmi_valid = false; }

namespace {

// The DMA engine of one job: transfers in bursts, each a blocking transaction
// carrying the job's local time (or a copy through DMI, costing the DMI's
// latency per burst); syncs when the quantum is used up or an abort came.
struct Dma {
    Accelerator::Impl *p;
    tlm_utils::simple_initiator_socket<Accelerator> &sock;
    uint64_t bad_addr = 0;

    // false: the bus answered with an error (bad_addr), or the job was aborted.
    bool transfer(bool write, uint64_t addr, uint8_t *data, uint64_t len)
    {
        for (uint64_t done = 0; done < len;) {
            const unsigned n = (unsigned)std::min<uint64_t>(p->burst, len - done);
            const uint64_t a = addr + done;
            tlm::tlm_dmi &dm = p->dmi;
            const bool via_dmi = p->dmi_valid && a >= dm.get_start_address() &&
                                 a + n - 1 <= dm.get_end_address() &&
                                 (write ? dm.is_write_allowed() : dm.is_read_allowed());
            if (via_dmi) {
                unsigned char *m = dm.get_dmi_ptr() + (a - dm.get_start_address());
                if (write)
                    std::memcpy(m, data + done, n);
                else
                    std::memcpy(data + done, m, n);
                p->qk.inc(write ? dm.get_write_latency() : dm.get_read_latency());
            } else {
                tlm::tlm_generic_payload gp;
                gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
                gp.set_address(a);
                gp.set_data_ptr(data + done);
                gp.set_data_length(n);
                gp.set_streaming_width(n);
                gp.set_byte_enable_ptr(nullptr);
                gp.set_dmi_allowed(false);
                gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
                sc_time t = p->qk.get_local_time();
                sock->b_transport(gp, t);
                p->qk.set(t);
                if (gp.is_response_error()) {
                    bad_addr = a;
                    return false;
                }
                if (gp.is_dmi_allowed() && !p->dmi_valid) {
                    tlm::tlm_generic_payload q;
                    q.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
                    q.set_address(a);
                    p->dmi.init();
                    p->dmi_valid = sock->get_direct_mem_ptr(q, p->dmi);
                }
            }
            done += n;
            if (p->qk.need_sync() && !sync())
                return false;
        }
        return true;
    }
    // Catch up with the local time; false if the job was aborted meanwhile.
    bool sync()
    {
        const sc_time t = p->qk.get_local_time();
        const uint64_t gen = p->generation;
        if (t > SC_ZERO_TIME && !p->aborted)
            wait(t, p->abort_ev);
        else if (!p->aborted)
            wait(SC_ZERO_TIME);
        if (gen != p->generation || p->aborted)
            return false;
        p->qk.reset();
        return true;
    }
};

// Sizes v to n elements; false when the host has no memory for them.
template <class T> bool allocate(std::vector<T> &v, size_t n)
{
    try {
        v.resize(n);
        return true;
    } catch (const std::bad_alloc &) {
        return false;
    }
}

} // namespace

// ------------------------------------------------------------ the job

void Accelerator::job_thread()
{
    Impl &p = *p_;
    Dma dma_engine{&p, dma};
    for (;;) {
        wait(p.start_ev);
        const uint64_t gen = p.generation;
        p.qk.reset();
        p.last_error.clear();
        p.error_info = 0;
        uint32_t code = ERR_NONE;
        imc_vp::JobResult res;
        std::vector<uint8_t> image;
        std::vector<float> inputs;
        if (!p.batch || p.batch > kBatchMax || !p.image_size || p.image_size > IMAGE_MAX_BYTES) {
            code = ERR_CONFIG;
            p.last_error = "BATCH must be 1.." + std::to_string(kBatchMax) +
                           " and IMAGE_SIZE 1.." + std::to_string(IMAGE_MAX_BYTES);
        } else if (!allocate(image, p.image_size)) {
            code = ERR_CONFIG;
            p.last_error = "no host memory for an image of " + std::to_string(p.image_size) + " bytes";
        } else if (!dma_engine.transfer(false, p.image_addr, image.data(), image.size())) {
            code = p.aborted ? ERR_ABORTED : ERR_DMA;
        } else {
            image_view_t v;
            imc_diag_t d;
            diag_init(&d);
            image_err_t e = image_parse(image.data(), image.size(), p.arch.hash, &v, &p.error_info, &d);
            if (e) {
                code = (uint32_t)e;
                p.last_error.assign(d.text ? d.text : "", d.len);
            } else {
                p.in_values = v.in_values;
                p.out_values = v.out_values;
                image_view_free(&v);
            }
            diag_free(&d);
        }
        if (!code && (uint64_t)p.in_values * p.batch > kMaxInputValues) {
            code = ERR_CONFIG;
            p.last_error = "the inputs (" + std::to_string(p.in_values) + " values x BATCH " +
                           std::to_string(p.batch) + ") exceed " + std::to_string(kMaxInputValues) +
                           " values";
        }
        if (!code && !allocate(inputs, (size_t)p.in_values * p.batch)) {
            code = ERR_CONFIG;
            p.last_error = "no host memory for the inputs";
        }
        if (!code) {
            if (!dma_engine.transfer(false, p.input_addr, reinterpret_cast<uint8_t *>(inputs.data()),
                                     4 * (uint64_t)inputs.size()))
                code = p.aborted ? ERR_ABORTED : ERR_DMA;
        }
        if (!code) { // host time only: the engine and the functional model
            p.worker.run(image, inputs, p.batch, p.seed, &res);
            code = res.error;
            p.last_error = res.message;
            if (code)
                p.error_info = res.err_off;
            else
                p.qk.inc(sc_time((double)res.compute_ps, SC_PS));
        }
        if (!code && !res.outputs.empty() &&
            !dma_engine.transfer(true, p.output_addr, reinterpret_cast<uint8_t *>(res.outputs.data()),
                                 4 * (uint64_t)res.outputs.size()))
            code = p.aborted ? ERR_ABORTED : ERR_DMA;
        if (code == ERR_DMA) {
            p.error_info = dma_engine.bad_addr;
            char msg[96];
            std::snprintf(msg, sizeof msg, "DMA: the bus answered an error at address 0x%llx",
                          (unsigned long long)dma_engine.bad_addr);
            p.last_error = msg;
        }
        if (code != ERR_ABORTED && !dma_engine.sync()) // the interrupt at the completion time
            code = ERR_ABORTED;
        if (gen != p.generation)
            continue; // reset: registers are at their reset values, no interrupt
        if (code == ERR_ABORTED)
            p.last_error = "aborted";
        if (!code) {
            p.cycles = res.cycles;
            p.inferences = res.inferences;
            p.macs = res.macs;
            p.adc = res.adc_conversions;
            p.energy_pj = res.energy_pj;
        }
        p.status = (p.status & STATUS_START_REFUSED) | STATUS_DONE | (code << 8);
        p.irq_status |= code ? IRQ_ERROR : IRQ_DONE;
        p.irq_ev.notify(SC_ZERO_TIME);
    }
}

} // namespace imc
