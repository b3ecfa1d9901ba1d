// Streams cost no SystemC thread (issue 16, item 6): a run with 1152 streams
// elaborates a number of thread processes that does not depend on the
// streams, and its peak address space grows by far less than one coroutine
// stack per stream. Before, every stream was an SC_THREAD with a 128 KiB
// stack and a memory mapping: 20-39k streams failed with (E518) stack setup
// failed.
#include <systemc>

#include <cstdio>
#include <cstring>
#include <string>

#include "arch_load.h"
#include "compile.h"
#include "engine.h"
#include "model.h"
#include "tracegen.h"

#include <check.h>

#include "check_run.h"

namespace {

// A 1x1 convolution of one channel over 48 x 48 positions: with
// --replicate max each of 1152 CEs holds a replica and runs its own stream.
const char kModel[] = "name: many_streams\n"
                      "input: {height: 48, width: 48, channels: 1}\n"
                      "layers:\n"
                      "  - {name: c1, type: conv2d, out_channels: 1, kernel: 1}\n";

// Peak virtual memory of this process (VmPeak of /proc/self/status), in KiB.
long vm_peak_kib()
{
    FILE *f = std::fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "VmPeak: %ld kB", &kib) == 1)
            break;
    std::fclose(f);
    return kib;
}

void count_processes(const std::vector<sc_core::sc_object *> &objs, int &threads, int &methods)
{
    for (sc_core::sc_object *o : objs) {
        if (!std::strcmp(o->kind(), "sc_thread_process") || !std::strcmp(o->kind(), "sc_cthread_process"))
            threads++;
        else if (!std::strcmp(o->kind(), "sc_method_process"))
            methods++;
        count_processes(o->get_child_objects(), threads, methods);
    }
}

START_TEST(streams_are_not_threads)
{
    imc_diag_t d;
    diag_init(&d);
    arch_t a;
    model_t m{};
    mapping_t mp{};
    trace_layer_t *layers = nullptr;
    ck_assert_msg(arch_load("isaac", nullptr, 0, &a, &d) == 0, "%s", d.text);
    ck_assert_msg(model_load_string("many_streams.yaml", kModel, sizeof kModel - 1, &m, &d) == 0,
                  "%s", d.text);
    ck_assert_msg(compile_model(&a, &m, REPLICATE_MAX, &mp, &d) == 0, "%s", d.text);
    ck_assert_msg(tracegen_build(&mp, &layers, &d) == 0, "%s", d.text);
    uint32_t streams = 0;
    for (int l = 0; l < m.n_layers; l++)
        streams += layers[l].n_streams;
    ck_assert_uint_eq(streams, 1152); // 48 * 48 positions, two per replica

    const long before = vm_peak_kib();
    ck_assert_int_gt(before, 0);
    imc_run_config cfg;
    cfg.batch = 1;
    cfg.progress = false;
    run_result_t r{};
    ck_assert_msg(imc_simulate(&a, &mp, layers, cfg, &r, &d) == 0, "%s", d.text ? d.text : "");
    const long grown = vm_peak_kib() - before;
    ck_assert_uint_eq(r.macs, 48 * 48);

    int threads = 0, methods = 0;
    count_processes(sc_core::sc_get_top_level_objects(), threads, methods);
    // the engine's few threads (off-chip links, host input) and none per
    // stream; the old engine had one per stream
    ck_assert_msg(threads < 64, "%d thread processes for %u streams", threads, streams);
    // one 128 KiB stack per stream alone was 144 MiB; what grows now is the
    // tiles' elaboration heap (96 tiles x 256 KiB reserved)
    ck_assert_msg(grown < (long)streams * 64, "peak address space grew %ld KiB for %u streams",
                  grown, streams);
    std::printf("streams %u: %d thread and %d method processes; peak address space +%ld KiB\n",
                streams, threads, methods, grown);
    run_result_free(&r);
    trace_layers_free(layers, m.n_layers);
    mapping_free(&mp);
    model_free(&m);
    diag_free(&d);
}
END_TEST

} // namespace

int sc_main(int, char **)
{
    const TTest *tests[] = {streams_are_not_threads};
    return check_run(check_suite("streams", tests, 1));
}
