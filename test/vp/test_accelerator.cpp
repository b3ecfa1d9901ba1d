// imc::Accelerator's registers and error paths (docs/vp.md), in the example
// platform's memory and router. Each test elaborates its own platform (Check
// runs each in its own process). Needs the digits CNN's image
// ($IMC_VP_IMAGE, from the vp_image fixture).
#include <systemc>
#include <tlm>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "../../examples/vp/platform.h"
#include "imc_accelerator.h"
#include "trace_io.h" /* trace_crc32: the image's CRC-32 */

#include "check_run.h"

using namespace sc_core;

namespace {

constexpr uint64_t kRam = 1 << 20, kRegs = 0x40000000, kIn = 0x80000, kOut = 0xC0000;

// The CPU stand-in: an initiator the test drives from sc_main's context (no
// wait: the router, memory and registers answer at once), and the times of
// the interrupt's rising edges.
struct Cpu : sc_module {
    tlm_utils::simple_initiator_socket<Cpu> bus;
    sc_in<bool> irq;
    std::vector<sc_time> edges;
    SC_HAS_PROCESS(Cpu);
    explicit Cpu(sc_module_name n) : sc_module(n), bus("bus"), irq("irq")
    {
        SC_METHOD(on_irq);
        sensitive << irq.pos();
        dont_initialize();
    }
    void on_irq() { edges.push_back(sc_time_stamp()); }

    tlm::tlm_response_status access(bool write, uint64_t a, void *d, unsigned len,
                                    const unsigned char *be = nullptr, unsigned bel = 0,
                                    unsigned sw = 0)
    {
        tlm::tlm_generic_payload gp;
        gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        gp.set_address(a);
        gp.set_data_ptr(static_cast<unsigned char *>(d));
        gp.set_data_length(len);
        gp.set_streaming_width(sw ? sw : len);
        gp.set_byte_enable_ptr(const_cast<unsigned char *>(be));
        gp.set_byte_enable_length(bel);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time t = SC_ZERO_TIME;
        bus->b_transport(gp, t);
        return gp.get_response_status();
    }
    uint32_t rd32(uint64_t off)
    {
        uint32_t v = 0xdeadbeef;
        ck_assert_int_eq(access(false, kRegs + off, &v, 4), tlm::TLM_OK_RESPONSE);
        return v;
    }
    uint64_t rd64(uint64_t off)
    {
        uint64_t v = 0xdeadbeef;
        ck_assert_int_eq(access(false, kRegs + off, &v, 8), tlm::TLM_OK_RESPONSE);
        return v;
    }
    void wr32(uint64_t off, uint32_t v) { ck_assert_int_eq(access(true, kRegs + off, &v, 4), tlm::TLM_OK_RESPONSE); }
    void wr64(uint64_t off, uint64_t v) { ck_assert_int_eq(access(true, kRegs + off, &v, 8), tlm::TLM_OK_RESPONSE); }
};

// Runs the deltas of the current instant (the interrupt line follows a
// register write two deltas later: the driving method, then the signal).
void settle()
{
    sc_start(SC_ZERO_TIME);
    while (sc_pending_activity_at_current_time())
        sc_start(SC_ZERO_TIME);
}

struct Platform {
    vp::Memory ram{"ram", kRam, sc_time(10, SC_NS), sc_time(100, SC_PS)};
    // the register window is wider than the map: the accelerator itself
    // answers offsets past its registers
    vp::Router bus{"bus", 2, {{0, kRam}, {kRegs, 0x1000}}};
    imc::Accelerator acc;
    Cpu cpu{"cpu"};
    sc_signal<bool> irq{"irq"};
    std::vector<unsigned char> image;

    explicit Platform(const imc::AcceleratorConfig &cfg = imc::AcceleratorConfig()) : acc("acc", cfg)
    {
        bus.out[0]->bind(ram.socket);
        bus.out[1]->bind(acc.regs);
        cpu.bus.bind(*bus.in[0]);
        acc.dma.bind(*bus.in[1]);
        acc.irq.bind(irq);
        cpu.irq.bind(irq);
        sc_start(SC_ZERO_TIME);
    }
    // The digits CNN's image at 0 and a zero input at kIn, registers set.
    void program(uint32_t batch = 1)
    {
        const char *path = std::getenv("IMC_VP_IMAGE");
        ck_assert_msg(path, "IMC_VP_IMAGE is not set");
        std::ifstream f(path, std::ios::binary);
        image.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
        ck_assert_uint_gt(image.size(), 64);
        std::copy(image.begin(), image.end(), ram.mem);
        std::fill(ram.mem + kIn, ram.mem + kIn + 64 * 4 * batch, 0);
        cpu.wr64(imc::reg::IMAGE_ADDR, 0);
        cpu.wr32(imc::reg::IMAGE_SIZE, (uint32_t)image.size());
        cpu.wr64(imc::reg::INPUT_ADDR, kIn);
        cpu.wr64(imc::reg::OUTPUT_ADDR, kOut);
        cpu.wr32(imc::reg::BATCH, batch);
        cpu.wr32(imc::reg::IRQ_ENABLE, imc::IRQ_DONE | imc::IRQ_ERROR);
    }
    // Starts a job and runs until the platform is idle; the STATUS error code.
    uint32_t run_job()
    {
        const size_t before = cpu.edges.size();
        cpu.wr32(imc::reg::CTRL, imc::CTRL_START);
        ck_assert_uint_eq(cpu.rd32(imc::reg::STATUS) & imc::STATUS_BUSY, imc::STATUS_BUSY);
        sc_start();
        const uint32_t st = cpu.rd32(imc::reg::STATUS);
        ck_assert_uint_eq(st & (imc::STATUS_BUSY | imc::STATUS_DONE), imc::STATUS_DONE);
        ck_assert_uint_eq(cpu.edges.size(), before + 1); // one interrupt
        ck_assert(irq.read());
        return (st >> 8) & 0xff;
    }
    void ack()
    {
        cpu.wr32(imc::reg::IRQ_STATUS, imc::IRQ_DONE | imc::IRQ_ERROR);
        settle();
        ck_assert(!irq.read());
    }
};

Platform *make(const imc::AcceleratorConfig &cfg = imc::AcceleratorConfig())
{
    return new Platform(cfg); // SystemC objects live until the process ends
}

} // namespace

START_TEST(reset_values)
{
    Platform &p = *make();
    Cpu &c = p.cpu;
    ck_assert_uint_eq(c.rd32(imc::reg::ID), 0x494D4353u);
    ck_assert_uint_eq(c.rd32(imc::reg::VERSION), 0x00010000u);
    ck_assert_uint_eq(c.rd32(imc::reg::CTRL), 0);
    ck_assert_uint_eq(c.rd32(imc::reg::STATUS), 0);
    ck_assert_uint_eq(c.rd32(imc::reg::IRQ_STATUS), 0);
    ck_assert_uint_eq(c.rd32(imc::reg::IRQ_ENABLE), 0);
    ck_assert_uint_eq(c.rd32(imc::reg::BATCH), 1);
    ck_assert_uint_eq(c.rd32(imc::reg::IMAGE_SIZE), 0);
    for (uint64_t off : {imc::reg::IMAGE_ADDR, imc::reg::INPUT_ADDR, imc::reg::OUTPUT_ADDR,
                         imc::reg::ERROR_INFO, imc::reg::CYCLES, imc::reg::INFERENCES, imc::reg::MACS,
                         imc::reg::ADC_CONVERSIONS, imc::reg::ENERGY_PJ})
        ck_assert_uint_eq(c.rd64(off), 0);
    ck_assert_uint_eq(c.rd32(imc::reg::IN_VALUES), 0);
    ck_assert_uint_eq(c.rd32(imc::reg::OUT_VALUES), 0);
    ck_assert(!p.irq.read());
    // and again after a RESET
    c.wr32(imc::reg::BATCH, 7);
    c.wr64(imc::reg::INPUT_ADDR, 0x1234);
    c.wr32(imc::reg::IRQ_ENABLE, 3);
    c.wr32(imc::reg::CTRL, imc::CTRL_RESET);
    ck_assert_uint_eq(c.rd32(imc::reg::BATCH), 1);
    ck_assert_uint_eq(c.rd64(imc::reg::INPUT_ADDR), 0);
    ck_assert_uint_eq(c.rd32(imc::reg::IRQ_ENABLE), 0);
}
END_TEST

START_TEST(read_only_and_w1c)
{
    Platform &p = *make();
    Cpu &c = p.cpu;
    uint32_t v = 0x1234;
    uint64_t v64 = 99;
    for (uint64_t off : {imc::reg::ID, imc::reg::VERSION, imc::reg::STATUS, imc::reg::IN_VALUES,
                         imc::reg::OUT_VALUES})
        ck_assert_int_eq(c.access(true, kRegs + off, &v, 4), tlm::TLM_COMMAND_ERROR_RESPONSE);
    for (uint64_t off : {imc::reg::ERROR_INFO, imc::reg::CYCLES, imc::reg::ENERGY_PJ})
        ck_assert_int_eq(c.access(true, kRegs + off, &v64, 8), tlm::TLM_COMMAND_ERROR_RESPONSE);
    ck_assert_uint_eq(c.rd32(imc::reg::ID), 0x494D4353u);
    ck_assert_uint_eq(c.rd64(imc::reg::CYCLES), 0);
    c.wr32(imc::reg::IRQ_ENABLE, 0xffffffff); // bits beyond DONE and ERROR read 0
    ck_assert_uint_eq(c.rd32(imc::reg::IRQ_ENABLE), 3);
    c.wr32(imc::reg::IRQ_STATUS, 0xffffffff); // nothing to clear
    ck_assert_uint_eq(c.rd32(imc::reg::IRQ_STATUS), 0);
    // a job that fails at once (IMAGE_SIZE 0): ERROR set, DONE not
    c.wr32(imc::reg::IRQ_ENABLE, imc::IRQ_ERROR);
    ck_assert_uint_eq(p.run_job(), imc::ERR_CONFIG);
    ck_assert_uint_eq(c.rd32(imc::reg::IRQ_STATUS), imc::IRQ_ERROR);
    c.wr32(imc::reg::IRQ_STATUS, imc::IRQ_DONE); // one to another bit: ERROR stays
    settle();
    ck_assert_uint_eq(c.rd32(imc::reg::IRQ_STATUS), imc::IRQ_ERROR);
    ck_assert(p.irq.read());
    c.wr32(imc::reg::IRQ_ENABLE, 0); // masked: the line falls, the status stays
    settle();
    ck_assert(!p.irq.read());
    ck_assert_uint_eq(c.rd32(imc::reg::IRQ_STATUS), imc::IRQ_ERROR);
    c.wr32(imc::reg::IRQ_STATUS, imc::IRQ_ERROR);
    ck_assert_uint_eq(c.rd32(imc::reg::IRQ_STATUS), 0);
}
END_TEST

START_TEST(bad_accesses)
{
    Platform &p = *make();
    Cpu &c = p.cpu;
    uint64_t v = 0;
    // unmapped offsets (the accelerator's window), and past the router's map
    for (uint64_t off : {(uint64_t)imc::reg::SIZE, (uint64_t)0x74, (uint64_t)0x800, (uint64_t)0xffc})
        ck_assert_int_eq(c.access(false, kRegs + off, &v, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    ck_assert_int_eq(c.access(false, kRegs + 0x1000, &v, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    // misaligned: inside a register
    for (uint64_t off : {(uint64_t)0x01, (uint64_t)0x02, (uint64_t)0x24, (uint64_t)0x44})
        ck_assert_int_eq(c.access(false, kRegs + off, &v, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    // the wrong width, or streaming
    ck_assert_int_eq(c.access(false, kRegs + imc::reg::ID, &v, 8), tlm::TLM_BURST_ERROR_RESPONSE);
    ck_assert_int_eq(c.access(false, kRegs + imc::reg::ID, &v, 2), tlm::TLM_BURST_ERROR_RESPONSE);
    ck_assert_int_eq(c.access(false, kRegs + imc::reg::CYCLES, &v, 4), tlm::TLM_BURST_ERROR_RESPONSE);
    ck_assert_int_eq(c.access(true, kRegs + imc::reg::IMAGE_ADDR, &v, 4), tlm::TLM_BURST_ERROR_RESPONSE);
    ck_assert_int_eq(c.access(false, kRegs + imc::reg::ID, &v, 4, nullptr, 0, 2),
                     tlm::TLM_BURST_ERROR_RESPONSE);
    // byte enables: all enabled is fine, a disabled byte is refused
    const unsigned char all[4] = {0xff, 0xff, 0xff, 0xff}, part[4] = {0xff, 0, 0xff, 0xff};
    ck_assert_int_eq(c.access(false, kRegs + imc::reg::ID, &v, 4, all, 4), tlm::TLM_OK_RESPONSE);
    uint32_t b = 5;
    ck_assert_int_eq(c.access(true, kRegs + imc::reg::BATCH, &b, 4, part, 4),
                     tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    ck_assert_uint_eq(c.rd32(imc::reg::BATCH), 1); // nothing written
    ck_assert_int_eq(c.access(true, kRegs + imc::reg::BATCH, &b, 4, all, 1), tlm::TLM_OK_RESPONSE);
    ck_assert_uint_eq(c.rd32(imc::reg::BATCH), 5);
    ck_assert(!p.irq.read());
}
END_TEST

START_TEST(start_while_busy)
{
    Platform &p = *make();
    Cpu &c = p.cpu;
    p.program();
    c.wr32(imc::reg::CTRL, imc::CTRL_START);
    sc_start(sc_time(1, SC_US)); // the image takes ~7 us over this memory
    ck_assert_uint_eq(c.rd32(imc::reg::STATUS), imc::STATUS_BUSY);
    c.wr32(imc::reg::CTRL, imc::CTRL_START);
    ck_assert_uint_eq(c.rd32(imc::reg::STATUS), imc::STATUS_BUSY | imc::STATUS_START_REFUSED);
    sc_start();
    // the first job went on and finished; the refusal stays visible
    ck_assert_uint_eq(c.rd32(imc::reg::STATUS), imc::STATUS_DONE | imc::STATUS_START_REFUSED);
    ck_assert_uint_eq(p.cpu.edges.size(), 1);
    ck_assert_uint_eq(c.rd64(imc::reg::INFERENCES), 1);
    ck_assert_uint_eq(c.rd64(imc::reg::MACS), 84224); // the digits CNN: 9216 + 73728 + 1280
    ck_assert_uint_eq(c.rd32(imc::reg::IN_VALUES), 64);
    ck_assert_uint_eq(c.rd32(imc::reg::OUT_VALUES), 10);
    p.ack();
    ck_assert_uint_eq(p.run_job(), imc::ERR_NONE); // the next start clears it
    ck_assert_uint_eq(c.rd32(imc::reg::STATUS), imc::STATUS_DONE);
}
END_TEST

// A bad image ends the job with its code, an interrupt and the byte offset;
// the platform then runs a good job.
static void bad_image(void (*spoil)(Platform &), uint32_t code, int64_t info,
                      const imc::AcceleratorConfig &cfg = imc::AcceleratorConfig())
{
    Platform &p = *make(cfg);
    p.program();
    spoil(p);
    ck_assert_uint_eq(p.run_job(), code);
    ck_assert_uint_eq(p.cpu.rd32(imc::reg::IRQ_STATUS), imc::IRQ_ERROR);
    if (info >= 0)
        ck_assert_uint_eq(p.cpu.rd64(imc::reg::ERROR_INFO), (uint64_t)info);
    ck_assert_uint_eq(p.cpu.rd64(imc::reg::CYCLES), 0); // latched only by a good job
    ck_assert(!p.acc.last_error().empty());
    if (code == imc::ERR_IMAGE_ARCH)
        return;
    p.ack();
    p.program();
    ck_assert_uint_eq(p.run_job(), imc::ERR_NONE);
    ck_assert_uint_eq(p.cpu.rd32(imc::reg::IRQ_STATUS), imc::IRQ_DONE);
    ck_assert_uint_eq(p.cpu.rd64(imc::reg::MACS), 84224);
}

START_TEST(corrupt_image)
{
    bad_image([](Platform &p) { p.ram.mem[p.image.size() / 2] ^= 0x10; }, imc::ERR_IMAGE_CHECKSUM, 44);
}
END_TEST

START_TEST(truncated_image)
{
    Platform &p = *make();
    p.program();
    const uint32_t n = (uint32_t)p.image.size() - 100;
    p.cpu.wr32(imc::reg::IMAGE_SIZE, n);
    ck_assert_uint_eq(p.run_job(), imc::ERR_IMAGE_BOUNDS);
    ck_assert_uint_eq(p.cpu.rd64(imc::reg::ERROR_INFO), n); // where the bytes ended
    ck_assert_ptr_nonnull(std::strstr(p.acc.last_error().c_str(), "truncated"));
    p.ack();
    p.program();
    ck_assert_uint_eq(p.run_job(), imc::ERR_NONE);
}
END_TEST

START_TEST(truncated_header)
{
    Platform &q = *make();
    q.program();
    q.cpu.wr32(imc::reg::IMAGE_SIZE, 40); // shorter than the header
    ck_assert_uint_eq(q.run_job(), imc::ERR_IMAGE_BOUNDS);
    ck_assert_uint_eq(q.cpu.rd64(imc::reg::ERROR_INFO), 40);
}
END_TEST

START_TEST(bad_magic)
{
    bad_image([](Platform &p) { p.ram.mem[0] = 'X'; }, imc::ERR_IMAGE_MAGIC, 0);
}
END_TEST

START_TEST(bad_version)
{
    bad_image([](Platform &p) { p.ram.mem[8] = 9; }, imc::ERR_IMAGE_VERSION, 8);
}
END_TEST

START_TEST(other_architecture)
{
    imc::AcceleratorConfig cfg;
    cfg.sets = {"adc.bits=7"};
    bad_image([](Platform &) {}, imc::ERR_IMAGE_ARCH, 24, cfg);
}
END_TEST

// Little-endian fields of the image in the platform's memory.
static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

// Recomputes the CRC of the image in memory (a hostile image passes it).
static void fix_crc(Platform &p)
{
    unsigned char *m = p.ram.mem;
    std::memset(m + 44, 0, 4);
    uint32_t c = trace_crc32(0, m, p.image.size());
    for (int i = 0; i < 4; i++)
        m[44 + i] = (unsigned char)(c >> (8 * i));
}

// The table entry of the first section of `type`; its byte offset in the image.
static uint64_t section_entry(Platform &p, uint32_t type)
{
    const uint32_t n = p.ram.mem[40] | p.ram.mem[41] << 8;
    for (uint32_t i = 0; i < n; i++)
        if (p.ram.mem[64 + 24 * i] == type)
            return 64 + 24 * (uint64_t)i;
    ck_abort_msg("no section of type %u", type);
    return 0;
}

START_TEST(hostile_mapping)
{
    // a mapping that is not this accelerator's compile, behind a valid CRC
    bad_image([](Platform &p) {
        const uint64_t e = section_entry(p, 5), off = get64(p.ram.mem + e + 8);
        p.ram.mem[off + 2] ^= 1;
        fix_crc(p);
    }, imc::ERR_IMAGE_CONTENT, -1);
}
END_TEST

START_TEST(hostile_section_bounds)
{
    // a section reaching past the image, behind a valid CRC: the entry's offset
    bad_image([](Platform &p) {
        const uint64_t e = section_entry(p, 6);
        p.ram.mem[e + 16 + 3] = 0x7f; // length ~2^31
        fix_crc(p);
    }, imc::ERR_IMAGE_BOUNDS, (int64_t)(64 + 24 * 4 + 8));
}
END_TEST

START_TEST(dma_to_unmapped_address)
{
    bad_image([](Platform &p) { p.cpu.wr64(imc::reg::INPUT_ADDR, 0x90000000); }, imc::ERR_DMA,
              0x90000000);
}
END_TEST

START_TEST(dma_past_the_memory)
{
    Platform &q = *make();
    q.program();
    q.cpu.wr64(imc::reg::OUTPUT_ADDR, kRam - 8); // the outputs run past the memory's end
    ck_assert_uint_eq(q.run_job(), imc::ERR_DMA);
    ck_assert_uint_eq(q.cpu.rd64(imc::reg::ERROR_INFO), kRam - 8);
}
END_TEST

START_TEST(abort_and_reset)
{
    Platform &p = *make();
    Cpu &c = p.cpu;
    p.program();
    c.wr32(imc::reg::CTRL, imc::CTRL_START);
    sc_start(sc_time(1, SC_US));
    c.wr32(imc::reg::CTRL, imc::CTRL_ABORT);
    sc_start();
    ck_assert_uint_eq(c.rd32(imc::reg::STATUS), imc::STATUS_DONE | (imc::ERR_ABORTED << 8));
    ck_assert_uint_eq(p.cpu.edges.size(), 1);
    ck_assert(p.cpu.edges[0] <= sc_time(1, SC_US)); // it ended when aborted
    p.ack();
    c.wr32(imc::reg::CTRL, imc::CTRL_START);
    sc_start(sc_time(1, SC_US));
    c.wr32(imc::reg::CTRL, imc::CTRL_RESET); // no interrupt, registers at reset
    sc_start();
    ck_assert_uint_eq(c.rd32(imc::reg::STATUS), 0);
    ck_assert_uint_eq(p.cpu.edges.size(), 1);
    ck_assert(!p.irq.read());
    p.program();
    ck_assert_uint_eq(p.run_job(), imc::ERR_NONE);
}
END_TEST

int sc_main(int, char **)
{
    const TTest *t[] = {reset_values, read_only_and_w1c, bad_accesses, start_while_busy,
                        corrupt_image, truncated_image, truncated_header, bad_magic, bad_version,
                        other_architecture, hostile_mapping, hostile_section_bounds,
                        dma_to_unmapped_address, dma_past_the_memory, abort_and_reset};
    return check_run(check_suite("accelerator", t, (int)(sizeof t / sizeof *t)));
}
