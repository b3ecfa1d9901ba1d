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

extern "C" {
#include "arch_load.h"
}

using namespace sc_core;
using clk = std::chrono::steady_clock;

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
    imc_diag_t dg;
    diag_init(&dg);
    if (arch_load("isaac", nullptr, 0, &a, &dg)) {
        std::fprintf(stderr, "%s", dg.text ? dg.text : "arch_load failed\n");
        return 1;
    }
    diag_free(&dg);
    std::printf("isaac preset: 128x128 MVM of 16-bit inputs on all 8 crossbars of a CE\n");

    ce_t ce;
    ce_init(&ce, &a);
    ce_req_t r = {8, 128, 128, 16, 1, 0, 0};
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
