// A two-tile chip runs a 2-layer MLP (128 -> 16 -> 16): the pipelined
// latency and throughput of the SystemC run equal a hand derivation from
// the architecture's parameters (issue 6).
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
// exposed; then S+A (1 cycle) and the output-register write (1 cycle).
uint64_t mvm_cycles(const arch_t &a)
{
    const double cycle_ns = 1.0 / a.tech.clock_ghz;
    const uint64_t R = (uint64_t)std::ceil(a.crossbar.read_latency_ns / cycle_ns - 1e-9);
    const uint64_t reads = (uint64_t)a.precision.act_bits / (uint64_t)a.dac.bits;
    double batch_ns = (a.crossbar.cols + a.crossbar.unit_cols) * a.adc.latency_ns;
    ck_assert(batch_ns <= 1.01 * a.crossbar.read_latency_ns);
    const uint64_t A = R;
    return (reads - 1) * R + R + A + (uint64_t)a.ce.sa.latency_cycles + 1;
}

// fc1's 16 outputs of 16 bits are 8 flits: packets of packet_flits from
// tile 0 to tile 1 (same router). The NoC part is measured on a bare NoC core
// with the same configuration (its zero-load latency is tested against the
// analytic formula in test/noc).
uint64_t noc_cycles(const arch_t &a)
{
    noc_config_t c;
    imc_diag_t d;
    diag_init(&d);
    ck_assert(noc_config_from_arch(&c, &a, &d) == 0);
    noc_t *n = noc_create(&c, &d);
    ck_assert_ptr_nonnull(n);
    uint64_t flits = ceil_div(16 * 16, (uint64_t)a.chip.noc.flit_bits), left = flits;
    while (left) {
        uint64_t f = left < (uint64_t)a.chip.noc.packet_flits ? left : (uint64_t)a.chip.noc.packet_flits;
        ck_assert(noc_inject(n, 0, 0, 1, (int)f, 0) == 0);
        left -= f;
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

    // fc1 on tile 0: READ 128 inputs (256 B), MVM, WRITE 16 outputs (32 B),
    // SEND them to tile 1; fc2 on tile 1: READ 32 B, MVM, WRITE 32 B.
    const uint64_t fc1 = buffer_cycles(a, 256) + mvm_cycles(a) + buffer_cycles(a, 32);
    const uint64_t fc2 = buffer_cycles(a, 32) + mvm_cycles(a) + buffer_cycles(a, 32);
    const uint64_t net = noc_cycles(a);
    ck_assert_uint_eq(fc1, 9 + 2042 + 2);  // the numbers, for the reader
    ck_assert_uint_eq(r.layers[0].end_cycle, fc1);
    ck_assert_uint_eq(r.layers[1].start_cycle, fc1 + net);
    ck_assert_uint_eq(r.latency_cycles, fc1 + net + fc2);
    // Inference 1 enters fc1 as soon as fc1 is free (cycle fc1) and reaches
    // fc2 at 2*fc1 + net; fc2 is then free (fc1 + net + fc2 < 2*fc1 + net), so
    // completions are fc1 apart: fc1 bounds the pipeline.
    ck_assert(fc1 + net + fc2 <= 2 * fc1 + net);
    ck_assert_uint_eq(r.total_cycles, 2 * fc1 + net + fc2);
    ck_assert(std::fabs(r.throughput_inferences_per_s - a.tech.clock_ghz * 1e9 / (double)fc1) < 1e-6);
    ck_assert_int_eq(r.layers[0].bound, 1);
    // Counts: 2 x (128x16 + 16x16) MACs; 2 x 2 MVMs of 16 reads converting
    // 128 + 1 columns each.
    ck_assert_uint_eq(r.macs, 2 * (128 * 16 + 16 * 16));
    ck_assert_uint_eq(r.adc_conversions, 2 * 2 * 16 * 129);
    ck_assert_uint_eq(r.flits, 2 * 8);
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
