// The example virtual platform (docs/vp.md): memory, router, one or two
// imc::Accelerator, and a driver thread standing for the CPU. The driver
// loads a model image (imcsim compile --image) and inputs (a data set of
// scripts/make-dataset; zeros without --data) into memory, programs the
// registers, sleeps until the interrupt, then reads the status, the counters
// and the outputs.
//
//   make -C examples/vp          (pkg-config --cflags --libs imcsim systemc)
//   vp_platform --image cnn.img [--data digits_test.imcd] [--index K] [--batch N]
//               [--arch A] [--set KEY=VALUE]... [--accelerators 1|2] [--dmi]
//               [--quantum-ns Q] [--mem-latency-ns L] [--mem-ps-per-byte P]
//               [--start-ns S] [--input-addr A]
//
// Memory map: RAM at 0 (64 MiB); accelerator i's registers at 0x40000000 +
// i x 0x1000. The image sits at 0, the inputs at the next 4 KiB boundary,
// accelerator i's outputs after them.
#include <systemc>
#include <tlm>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "dataset.h"
#include "imc_accelerator.h"
#include "platform.h"

using namespace sc_core;

namespace {

struct Options {
    const char *image = nullptr, *data = nullptr, *arch = "isaac";
    std::vector<std::string> sets;
    int index = 0, accelerators = 1;
    uint32_t batch = 1;
    bool dmi = false;
    double quantum_ns = 1000, latency_ns = 50, start_ns = 1000;
    uint64_t ps_per_byte = 125; // 8 GB/s
    uint64_t input_addr = UINT64_MAX;
};

constexpr uint64_t kRamBytes = 64ull << 20;
constexpr uint64_t kRegBase = 0x40000000, kRegStride = 0x1000;

uint64_t align4k(uint64_t v) { return (v + 4095) & ~4095ull; }

[[noreturn]] void die(const std::string &m)
{
    std::fprintf(stderr, "vp_platform: error: %s\n", m.c_str());
    std::exit(2);
}

// The CPU: programs the accelerators through the bus with blocking
// transactions on its own quantum keeper.
struct Driver : sc_module {
    tlm_utils::simple_initiator_socket<Driver> bus;
    std::vector<std::unique_ptr<sc_in<bool>>> irq;
    const Options &o;
    std::vector<unsigned char> image;
    std::vector<float> inputs;
    uint32_t out_values = 0;
    tlm_utils::tlm_quantumkeeper qk;
    int status = 0;

    SC_HAS_PROCESS(Driver);
    Driver(sc_module_name n, const Options &opt, int accelerators) : sc_module(n), bus("bus"), o(opt)
    {
        for (int i = 0; i < accelerators; i++)
            irq.emplace_back(new sc_in<bool>(("irq" + std::to_string(i)).c_str()));
        SC_THREAD(run);
    }

    void access(bool write, uint64_t addr, void *data, unsigned len)
    {
        tlm::tlm_generic_payload gp;
        gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        gp.set_address(addr);
        gp.set_data_ptr(static_cast<unsigned char *>(data));
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time t = qk.get_local_time();
        bus->b_transport(gp, t);
        qk.set(t);
        if (gp.is_response_error())
            die("bus error at 0x" + std::to_string(addr) + ": " + gp.get_response_string());
        if (qk.need_sync())
            qk.sync();
    }
    void wr32(uint64_t a, uint32_t v) { access(true, a, &v, 4); }
    void wr64(uint64_t a, uint64_t v) { access(true, a, &v, 8); }
    uint32_t rd32(uint64_t a) { uint32_t v; access(false, a, &v, 4); return v; }
    uint64_t rd64(uint64_t a) { uint64_t v; access(false, a, &v, 8); return v; }
    // A loader's copy (debug transport: no simulated time).
    void load(uint64_t addr, void *data, size_t len, bool write)
    {
        tlm::tlm_generic_payload gp;
        gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        gp.set_address(addr);
        gp.set_data_ptr(static_cast<unsigned char *>(data));
        gp.set_data_length((unsigned)len);
        if (bus->transport_dbg(gp) != len)
            die("cannot load " + std::to_string(len) + " bytes at " + std::to_string(addr));
    }

    void run()
    {
        const uint64_t in_addr = o.input_addr != UINT64_MAX ? o.input_addr : align4k(image.size());
        const uint64_t out_bytes = 4ull * out_values * o.batch;
        const uint64_t out0 = align4k(align4k(image.size()) + 4 * inputs.size());
        load(0, image.data(), image.size(), true);
        if (o.input_addr == UINT64_MAX)
            load(in_addr, inputs.data(), 4 * inputs.size(), true);
        wait(sc_time(o.start_ns, SC_NS)); // boot
        std::vector<sc_time> start(irq.size()), done(irq.size());
        for (size_t i = 0; i < irq.size(); i++) {
            const uint64_t r = kRegBase + i * kRegStride;
            if (rd32(r + imc::reg::ID) != imc::kAcceleratorId)
                die("no accelerator at " + std::to_string(r));
            wr64(r + imc::reg::IMAGE_ADDR, 0);
            wr32(r + imc::reg::IMAGE_SIZE, (uint32_t)image.size());
            wr64(r + imc::reg::INPUT_ADDR, in_addr);
            wr64(r + imc::reg::OUTPUT_ADDR, out0 + i * align4k(out_bytes));
            wr32(r + imc::reg::BATCH, o.batch);
            wr32(r + imc::reg::IRQ_ENABLE, imc::IRQ_DONE | imc::IRQ_ERROR);
            start[i] = sc_time_stamp() + qk.get_local_time(); // when CTRL.START takes effect
            wr32(r + imc::reg::CTRL, imc::CTRL_START);
        }
        qk.sync();
        for (size_t seen = 0; seen < irq.size();) { // sleep until every interrupt
            sc_event_or_list any;
            for (auto &q : irq)
                any |= (*q)->posedge_event();
            wait(any);
            for (size_t i = 0; i < irq.size(); i++)
                if ((*irq[i])->read() && done[i] == SC_ZERO_TIME) {
                    done[i] = sc_time_stamp();
                    seen++;
                }
        }
        qk.reset();
        for (size_t i = 0; i < irq.size(); i++) {
            const uint64_t r = kRegBase + i * kRegStride;
            const uint32_t st = rd32(r + imc::reg::STATUS), err = (st >> 8) & 0xff;
            std::printf("acc%zu.start_ps %" PRIu64 "\n", i, (uint64_t)start[i].value());
            std::printf("acc%zu.interrupt_ps %" PRIu64 "\n", i, (uint64_t)done[i].value());
            std::printf("acc%zu.status 0x%08x\n", i, st);
            std::printf("acc%zu.error %u\n", i, err);
            if (err) {
                std::printf("acc%zu.error_info %" PRIu64 "\n", i, rd64(r + imc::reg::ERROR_INFO));
                status = 1;
                continue;
            }
            static const struct { const char *name; uint64_t off; } counters[] = {
                {"cycles", imc::reg::CYCLES}, {"inferences", imc::reg::INFERENCES},
                {"macs", imc::reg::MACS}, {"adc_conversions", imc::reg::ADC_CONVERSIONS},
                {"energy_pj", imc::reg::ENERGY_PJ}};
            for (auto &c : counters)
                std::printf("acc%zu.%s %" PRIu64 "\n", i, c.name, rd64(r + c.off));
            const uint32_t nout = rd32(r + imc::reg::OUT_VALUES);
            std::vector<float> out((size_t)nout * o.batch);
            load(out0 + i * align4k(out_bytes), out.data(), 4 * out.size(), false);
            for (uint32_t b = 0; b < o.batch; b++) {
                std::printf("acc%zu.output %u", i, b);
                int best = 0;
                for (uint32_t k = 0; k < nout; k++) {
                    std::printf(" %.9g", out[(size_t)b * nout + k]);
                    if (out[(size_t)b * nout + k] > out[(size_t)b * nout + (size_t)best])
                        best = (int)k;
                }
                std::printf("\nacc%zu.class %u %d\n", i, b, best);
            }
            wr32(r + imc::reg::IRQ_STATUS, imc::IRQ_DONE | imc::IRQ_ERROR); // acknowledge
        }
        std::fflush(stdout);
        sc_stop();
    }
};

Options parse(int argc, char **argv)
{
    Options o;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto val = [&]() -> const char * {
            if (i + 1 >= argc)
                die(a + " needs a value");
            return argv[++i];
        };
        if (a == "--image") o.image = val();
        else if (a == "--data") o.data = val();
        else if (a == "--arch") o.arch = val();
        else if (a == "--set") o.sets.push_back(val());
        else if (a == "--index") o.index = std::atoi(val());
        else if (a == "--batch") o.batch = (uint32_t)std::atoi(val());
        else if (a == "--accelerators") o.accelerators = std::atoi(val());
        else if (a == "--dmi") o.dmi = true;
        else if (a == "--quantum-ns") o.quantum_ns = std::atof(val());
        else if (a == "--mem-latency-ns") o.latency_ns = std::atof(val());
        else if (a == "--mem-ps-per-byte") o.ps_per_byte = std::strtoull(val(), nullptr, 0);
        else if (a == "--start-ns") o.start_ns = std::atof(val());
        else if (a == "--input-addr") o.input_addr = std::strtoull(val(), nullptr, 0);
        else die("unknown option " + a);
    }
    if (!o.image)
        die("--image FILE is required");
    if (o.accelerators < 1 || o.accelerators > 2 || o.batch < 1)
        die("--accelerators 1 or 2, --batch at least 1");
    return o;
}

// Samples index..index+batch of the data set; the values per sample.
size_t load_inputs(const Options &o, std::vector<float> &inputs)
{
    imc_diag_t d;
    diag_init(&d);
    dataset_t ds;
    if (dataset_read(o.data, &ds, &d))
        die(d.text ? d.text : "cannot read the data set");
    if (o.index < 0 || (uint64_t)o.index + o.batch > (uint64_t)ds.n)
        die("--index and --batch beyond the data set");
    const size_t per = dataset_sample_size(&ds);
    inputs.assign(ds.x + (size_t)o.index * per, ds.x + (size_t)(o.index + o.batch) * per);
    dataset_free(&ds);
    diag_free(&d);
    return per;
}

} // namespace

int sc_main(int argc, char **argv)
{
    const Options o = parse(argc, argv);
    tlm::tlm_global_quantum::instance().set(sc_time(o.quantum_ns, SC_NS));

    vp::Memory ram("ram", kRamBytes, sc_time(o.latency_ns, SC_NS), sc_time((double)o.ps_per_byte, SC_PS));
    ram.dmi = o.dmi;
    std::vector<vp::Router::Range> map = {{0, kRamBytes}};
    for (int i = 0; i < o.accelerators; i++)
        map.push_back({kRegBase + (uint64_t)i * kRegStride, imc::reg::SIZE});
    vp::Router bus("bus", 1 + o.accelerators, map); // initiators: the driver, then each DMA
    Driver cpu("cpu", o, o.accelerators);
    bus.out[0]->bind(ram.socket);
    cpu.bus.bind(*bus.in[0]);

    std::ifstream f(o.image, std::ios::binary);
    if (!f)
        die(std::string("cannot read ") + o.image);
    cpu.image.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    if (cpu.image.size() < 64)
        die(std::string(o.image) + " is not a model image");
    std::memcpy(&cpu.out_values, &cpu.image[52], 4); // the header's outputs per inference

    uint32_t in_values;
    std::memcpy(&in_values, &cpu.image[48], 4); // and inputs
    size_t per = in_values;
    if (o.data)
        per = load_inputs(o, cpu.inputs);
    else
        cpu.inputs.assign((size_t)in_values * o.batch, 0.0f);

    imc::AcceleratorConfig cfg;
    cfg.arch = o.arch;
    cfg.sets = o.sets;
    std::vector<std::unique_ptr<imc::Accelerator>> acc;
    std::vector<std::unique_ptr<sc_signal<bool>>> irq;
    for (int i = 0; i < o.accelerators; i++) {
        acc.emplace_back(new imc::Accelerator(("acc" + std::to_string(i)).c_str(), cfg));
        irq.emplace_back(new sc_signal<bool>(("irq" + std::to_string(i)).c_str()));
        bus.out[(size_t)i + 1]->bind(acc.back()->regs);
        acc.back()->dma.bind(*bus.in[(size_t)i + 1]);
        acc.back()->irq.bind(*irq.back());
        cpu.irq[(size_t)i]->bind(*irq.back());
    }
    std::printf("platform: %d accelerator(s) on %s, image %zu bytes, %u input(s) of %zu values, "
                "memory %g ns + %llu ps/byte, quantum %g ns, DMA burst 4096 bytes%s\n",
                o.accelerators, o.arch, cpu.image.size(), o.batch, per, o.latency_ns,
                (unsigned long long)o.ps_per_byte, o.quantum_ns, o.dmi ? ", DMI" : "");
    sc_start();
    for (size_t i = 0; i < acc.size(); i++)
        if (!acc[i]->last_error().empty())
            std::printf("acc%zu.message %s\n", i, acc[i]->last_error().c_str());
    return cpu.status;
}
