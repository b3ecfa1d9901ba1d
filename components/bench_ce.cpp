// Benchmark (not a test): host nanoseconds per simulated MVM op on the
// ISAAC-like CE (8 crossbars of 128x128, 16-bit inputs and weights), through
// each layer: C timing path, tile core arbitration, SystemC/TLM tile, and the
// functional (bit-exact) path.
#include <systemc>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "imc_sc.h"

using namespace sc_core;
using clk = std::chrono::steady_clock;

static void isaac(arch_t *a)
{
    std::memset(a, 0, sizeof *a);
    a->tech = {32, 1.2, 1.0};
    a->device.bits_per_cell = 2;
    a->crossbar.rows = a->crossbar.cols = 128;
    a->crossbar.unit_cols = 1;
    a->crossbar.signed_scheme = SIGNED_OFFSET;
    a->crossbar.column_flip = 1;
    a->crossbar.read_latency_ns = 100;
    a->crossbar.cost.power_mw = 0.3;
    a->dac.bits = 1;
    a->dac.per_crossbar = 128;
    a->dac.cost.power_mw = 4.0 / 1024;
    a->adc.bits = 8;
    a->adc.latency_ns = 1 / 1.28;
    a->adc.energy_pj = 2 / 1.28;
    a->ce.crossbars = a->ce.adcs = 8;
    a->ce.sh.count = 1024;
    a->ce.sa = {4, 240, {0.05, 0, 0}};
    a->tile.ces = 12;
    a->tile.buffer = {BUF_EDRAM, 64, 2, 256, 112, {20.7, 0, 0.083}};
    a->tile.activation = {2, 57, {0.26, 0, 0}};
    a->tile.sa = a->tile.pool = {1, 1, {0.05, 0, 0}};
}

static double since(clk::time_point t0, long n)
{
    return std::chrono::duration<double, std::nano>(clk::now() - t0).count() / n;
}

struct Driver : sc_module {
    tlm_utils::simple_initiator_socket<Driver> sock{"sock"};
    long n;
    SC_HAS_PROCESS(Driver);
    Driver(sc_module_name nm, long n_) : sc_module(nm), n(n_) { SC_THREAD(run); }
    void run()
    {
        tlm::tlm_generic_payload p;
        imc::ImcOpExt e;
        p.set_command(tlm::TLM_IGNORE_COMMAND);
        p.set_extension(&e);
        for (long i = 0; i < n; i++) {
            e.op = tile_op_t{};
            e.op.kind = TILE_OP_MVM;
            e.op.ce = (int)(i % 12);
            e.op.xbars = 8;
            e.op.rows = e.op.cols = 128;
            e.op.input_bits = 16;
            e.op.signed_inputs = 1;
            sc_time d = SC_ZERO_TIME;
            sock->b_transport(p, d);
        }
        p.clear_extension(&e);
    }
};

int sc_main(int argc, char **argv)
{
    long n = argc > 1 ? std::atol(argv[1]) : 200000;
    arch_t a;
    isaac(&a);

    ce_t ce;
    ce_init(&ce, &a);
    ce_req_t r = {8, 128, 128, 16, 1};
    ce_timing_t t;
    auto t0 = clk::now();
    for (long i = 0; i < n; i++)
        ce_mvm_run(&ce, &r, (uint64_t)i * 2280, &t);
    std::printf("ce_mvm_run (C timing path):       %8.1f ns/op  (%ld ops, %llu cycles each)\n",
                since(t0, n), n, (unsigned long long)t.total_cycles);

    tile_t tl;
    tile_init(&tl, &a);
    tile_result_t res[16];
    t0 = clk::now();
    for (long i = 0; i < n; i++) {
        tile_op_t op{};
        op.kind = TILE_OP_MVM;
        op.ce = (int)(i % 12);
        op.xbars = 8;
        op.rows = op.cols = 128;
        op.input_bits = 16;
        op.signed_inputs = 1;
        tile_request(&tl, &op, tl.st.last_end);
        tile_arbitrate(&tl, tile_next_event(&tl), res, 16);
    }
    std::printf("tile_request+arbitrate (C core):  %8.1f ns/op\n", since(t0, n));
    tile_free(&tl);

    long nf = n / 100 > 0 ? n / 100 : 1;
    std::vector<int64_t> W(128 * 128), x(128), y(128);
    for (size_t i = 0; i < W.size(); i++) W[i] = (int64_t)((i * 7919) % 65536) - 32768;
    for (size_t i = 0; i < x.size(); i++) x[i] = (int64_t)((i * 104729) % 65536) - 32768;
    char err[200];
    ce_program(&ce, W.data(), 128, 128, 16, err, sizeof err);
    t0 = clk::now();
    for (long i = 0; i < nf; i++)
        ce_mvm(&ce, x.data(), 16, 1, y.data(), 0, &t, err, sizeof err);
    std::printf("ce_mvm (functional, bit-exact):   %8.1f ns/op  (%ld ops)\n", since(t0, nf), nf);
    ce_free(&ce);

    imc::Tile tile("tile", &a);
    Driver drv("drv", n);
    drv.sock.bind(tile.tgt);
    t0 = clk::now();
    sc_start();
    std::printf("SystemC Tile via TLM b_transport: %8.1f ns/op  (%ld ops)\n", since(t0, n), n);
    return 0;
}
