// A two-tile chip runs a 2-layer MLP (128 -> 16 -> 16): the pipelined
// latency and throughput of the SystemC run equal a hand derivation from
// the architecture's parameters (issues 6 and 17): the input streamed in
// over the off-chip link, each CE taking its next MVM when its crossbars are
// free, the output streamed out to the host.
#include <systemc>

#include <cmath>
#include <cstdlib>
#include <string>

#include "arch_load.h"
#include "compile.h"
#include "engine.h"
#include "model.h"
#include "noc.h"
#include "tracegen.h"

#include <check.h>

#include "check_run.h"

namespace {

std::string src(const char *rel) { return std::string(std::getenv("IMC_SRC") ? std::getenv("IMC_SRC") : ".") + "/" + rel; }

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// Buffer READ/WRITE of n bytes: access latency, then one beat per bus width.
uint64_t buffer_cycles(const arch_t &a, uint64_t bytes)
{
    return (uint64_t)a.tile.buffer.access_latency_cycles + ceil_div(8 * bytes, a.tile.buffer.bus_width_bits);
}

// One MVM on one crossbar of a CE with one ADC (docs/components.md): 16
// bit-serial reads of R cycles each; the ADC converts the 128 data + 1 unit
// columns of read k while read k+1 settles (129 x 0.78125 ns = 100.8 ns fits
// the 100 ns read within the 1% the S+H absorbs), so only the last batch is
// exposed; then S+A (1 cycle) and the output-register write (1 cycle). The
// crossbars take the next MVM after the 16 reads (issue interval).
uint64_t read_cycles(const arch_t &a)
{
    const double cycle_ns = 1.0 / a.tech.clock_ghz;
    return (uint64_t)std::ceil(a.crossbar.read_latency_ns / cycle_ns - 1e-9);
}
uint64_t reads(const arch_t &a) { return (uint64_t)a.precision.act_bits / (uint64_t)a.dac.bits; }
uint64_t mvm_cycles(const arch_t &a)
{
    double batch_ns = (a.crossbar.cols + a.crossbar.unit_cols) * a.adc.latency_ns;
    ck_assert(batch_ns <= 1.01 * a.crossbar.read_latency_ns);
    const uint64_t R = read_cycles(a), A = R;
    return (reads(a) - 1) * R + R + A + (uint64_t)a.ce.sa.latency_cycles + 1;
}

// 16 values of 16 bits are 8 flits: packets of packet_flits from endpoint
// src to dst (one router). Measured on a bare NoC core with the same
// configuration (its zero-load latency is tested against the analytic
// formula in test/noc): the cycle the last packet's tail arrives, from an
// injection at cycle 0, and that packet's flits.
uint64_t noc_cycles(const arch_t &a, int src, int dst, uint64_t bits, uint64_t *last_flits)
{
    noc_config_t c;
    imc_diag_t d;
    diag_init(&d);
    ck_assert(noc_config_from_arch(&c, &a, &d) == 0);
    noc_t *n = noc_create(&c, &d);
    ck_assert_ptr_nonnull(n);
    uint64_t flits = ceil_div(bits, (uint64_t)a.chip.noc.flit_bits), left = flits;
    while (left) {
        uint64_t f = left < (uint64_t)a.chip.noc.packet_flits ? left : (uint64_t)a.chip.noc.packet_flits;
        ck_assert(noc_inject(n, 0, src, dst, (int)f, 0) == 0);
        left -= f;
        *last_flits = f;
    }
    uint64_t last = 0;
    auto on_eject = [](void *ctx, uint64_t, int, uint64_t cycle) {
        *(uint64_t *)ctx = cycle;
        return 0;
    };
    while (noc_next_event(n) != UINT64_MAX) {
        uint64_t k = noc_next_event(n) + 1;
        noc_advance(n, k, on_eject, &last);
        noc_deliver(n, k, on_eject, &last);
    }
    noc_destroy(n);
    diag_free(&d);
    return last;
}

START_TEST(mlp_on_two_tiles)
{
    arch_t a;
    model_t m;
    mapping_t mp;
    trace_layer_t *layers = nullptr;
    imc_diag_t d;
    diag_init(&d);
    ck_assert_msg(arch_load(src("test/sim/two_tile.yaml").c_str(), nullptr, 0, &a, &d) == 0, "%s", d.text);
    ck_assert_msg(model_load(src("test/sim/mlp2.yaml").c_str(), &m, &d) == 0, "%s", d.text);
    ck_assert_msg(compile_model(&a, &m, REPLICATE_NONE, &mp, &d) == 0, "%s", d.text);
    ck_assert_int_eq(mp.layers[0].first_tile, 0);
    ck_assert_int_eq(mp.layers[1].first_tile, 1);
    ck_assert_msg(tracegen_build(&mp, &layers, &d) == 0, "%s", d.text);
    imc_run_config cfg;
    cfg.batch = 2;
    cfg.progress = false;
    run_result_t r;
    ck_assert_msg(imc_simulate(&a, &mp, layers, cfg, &r, &d) == 0, "%s", d.text);

    const double P_ns = 1.0 / a.tech.clock_ghz;
    const double link_bytes_per_ns = a.chip.offchip.bandwidth_gbps * a.chip.offchip.links;
    // The host streams the 128 inputs (256 B) in over the links: they reach
    // the gateway, endpoint 0, 10 ns later (cycle 12). The chip's last tile,
    // tile 1 (fc2), sits there; tile 0 (fc1) at endpoint 1: the input crosses
    // the NoC to it (2,048 bits).
    const uint64_t in = (uint64_t)std::ceil(256 / link_bytes_per_ns / P_ns - 1e-9);
    ck_assert_uint_eq(in, 12);
    ck_assert_int_eq(arch_tile_endpoint(&a, 0), 1);
    ck_assert_int_eq(arch_tile_endpoint(&a, 1), 0);
    uint64_t last_flits;
    const uint64_t net_in = noc_cycles(a, 0, 1, 128 * 16, &last_flits);
    // fc1 on tile 0: READ 256 B, MVM, WRITE 16 outputs (32 B), SEND them to
    // tile 1; fc2 there: READ 32 B, MVM, WRITE 32 B, SEND to the host: at the
    // gateway, straight onto the outbound link.
    const uint64_t fc1 =
        in + net_in + buffer_cycles(a, 256) + mvm_cycles(a) + buffer_cycles(a, 32);
    const uint64_t net = noc_cycles(a, 1, 0, 16 * 16, &last_flits);
    ck_assert_uint_eq(fc1, 12 + net_in + 9 + 2042 + 2); // the numbers, for the reader
    ck_assert_uint_eq(r.layers[0].start_cycle, in + net_in);
    ck_assert_uint_eq(r.layers[0].end_cycle, fc1);
    ck_assert_uint_eq(r.layers[1].start_cycle, fc1 + net);
    const uint64_t fc2 = fc1 + net + buffer_cycles(a, 32) + mvm_cycles(a) + buffer_cycles(a, 32);
    ck_assert_uint_eq(r.layers[1].end_cycle, fc2);
    // the host has the output once its 32 B crossed the link
    const double out_ns = (double)fc2 * P_ns + 32.0 / link_bytes_per_ns;
    ck_assert_uint_eq(r.latency_cycles, (uint64_t)std::llround(out_ns / P_ns));
    // Inference 1's input is there long before fc1's crossbar is free: its
    // MVM starts one issue interval (16 reads) after inference 0's, and
    // everything after it follows that far behind (fc2's crossbar is free by
    // then too): completions are one MVM issue interval apart, ISAAC's rate.
    const uint64_t issue = reads(a) * read_cycles(a);
    ck_assert_uint_eq(issue, 1920);
    ck_assert(std::fabs(r.period_s - (double)issue * P_ns * 1e-9) < 1e-15);
    ck_assert(std::fabs(r.throughput_inferences_per_s * (double)issue * P_ns * 1e-9 - 1) < 1e-9);
    ck_assert_uint_eq(r.total_cycles, (uint64_t)std::llround(out_ns / P_ns + (double)issue));
    // Counts: 2 x (128x16 + 16x16) MACs; 2 x 2 MVMs of 16 reads converting
    // 128 + 1 columns each; 64 input flits to fc1 and 8 to fc2 per inference.
    ck_assert_uint_eq(r.macs, 2 * (128 * 16 + 16 * 16));
    ck_assert_uint_eq(r.adc_conversions, 2 * 2 * 16 * 129);
    ck_assert_uint_eq(r.flits, 2 * (64 + 8));
    ck_assert_uint_eq(r.host_bytes, 2 * (256 + 32));
    diag_free(&d);
}
END_TEST

} // namespace

int sc_main(int, char **)
{
    Suite *s = suite_create("two_tile");
    TCase *tc = tcase_create("pipeline");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, mlp_on_two_tiles);
    suite_add_tcase(s, tc);
    return check_run(s);
}
