// A tiny SystemC program built out of tree against an installed libimcsim
// (test/vp/out_of_tree.sh): an accelerator whose DMA goes nowhere, its ID,
// version and reset values read through its target socket.
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdio>

#include "imc_accelerator.h"

struct Nowhere : sc_core::sc_module {
    tlm_utils::simple_target_socket<Nowhere> socket;
    explicit Nowhere(sc_core::sc_module_name n) : sc_module(n), socket("socket")
    {
        socket.register_b_transport(this, &Nowhere::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &)
    {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    }
};

struct Cpu : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Cpu> bus;
    explicit Cpu(sc_core::sc_module_name n) : sc_module(n), bus("bus") {}
};

static uint32_t read32(Cpu &c, uint64_t off)
{
    uint32_t v = 0xdeadbeef;
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(off);
    gp.set_data_ptr(reinterpret_cast<unsigned char *>(&v));
    gp.set_data_length(4);
    gp.set_streaming_width(4);
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    c.bus->b_transport(gp, t);
    return gp.is_response_ok() ? v : 0xffffffff;
}

int sc_main(int, char **)
{
    imc::Accelerator acc("acc");
    Nowhere mem("mem");
    Cpu cpu("cpu");
    cpu.bus.bind(acc.regs);
    sc_core::sc_signal<bool> irq("irq");
    acc.dma.bind(mem.socket);
    acc.irq.bind(irq);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    const uint32_t id = read32(cpu, imc::reg::ID), ver = read32(cpu, imc::reg::VERSION),
                   batch = read32(cpu, imc::reg::BATCH);
    std::printf("id 0x%08x version 0x%08x batch %u arch 0x%016llx\n", id, ver, batch,
                (unsigned long long)acc.arch_hash());
    return id == imc::kAcceleratorId && ver == imc::kAcceleratorVersion && batch == 1 ? 0 : 1;
}
