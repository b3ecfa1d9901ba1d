/* Benchmark (not a test): trace generation, encoding and reading speed for
 * zoo models on the ISAAC-like preset. Usage: scripts/bench traces
 * [MODEL...] (default: resnet18 resnet50 vgg16). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "arch_load.h"
#include "compile.h"
#include "model.h"
#include "tracegen.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int bench(const char *name)
{
    arch_t a;
    model_t m;
    mapping_t mp;
    imc_diag_t d;
    diag_init(&d);
    if (model_load(name, &m, &d)) {
        fprintf(stderr, "%s", d.text ? d.text : "cannot load\n");
        return 1;
    }
    int rc = -1;
    for (int chips = 1; chips <= 8 && rc; chips++) {
        char set[32];
        const char *sets[] = {set};
        snprintf(set, sizeof set, "chip.chips=%d", chips);
        diag_clear(&d);
        if (arch_load("isaac", sets, 1, &a, &d)) {
            fprintf(stderr, "%s", d.text);
            return 1;
        }
        rc = compile_model(&a, &m, REPLICATE_BALANCED, &mp, &d);
    }
    trace_layer_t *l;
    double t0 = now_s();
    if (rc || tracegen_build(&mp, &l, &d)) {
        fprintf(stderr, "%s", d.text);
        return 1;
    }
    double t1 = now_s();
    long long recs = 0, bytes = 0;
    double tread = 0;
    for (int i = 0; i < m.n_layers; i++) {
        uint8_t *b;
        size_t n;
        double e0 = now_s();
        if (trace_encode(&l[i], &b, &n))
            return 1;
        trace_layer_t back;
        double r0 = now_s();
        if (trace_read_mem(name, b, n, NULL, &back, &d))
            return 1;
        tread += now_s() - r0;
        (void)e0;
        bytes += (long long)n;
        for (uint32_t s = 0; s < l[i].n_streams; s++)
            recs += l[i].streams[s].n_recs;
        trace_layer_free(&back);
        free(b);
    }
    double gen = t1 - t0;
    printf("%-10s %6d %12lld %12.1f %12.1f %14.1f %14.1f\n", name, a.chip.chips, recs,
           bytes / 1e6, gen * 1e3, recs / gen / 1e6, recs / tread / 1e6);
    trace_layers_free(l, m.n_layers);
    mapping_free(&mp);
    model_free(&m);
    diag_free(&d);
    return 0;
}

int main(int argc, char **argv)
{
    const char *def[] = {"resnet18", "resnet50", "vgg16"};
    printf("%-10s %6s %12s %12s %12s %14s %14s\n", "model", "chips", "records", "size_mb",
           "gen_ms", "gen_mrec_per_s", "read_mrec_per_s");
    int bad = 0;
    if (argc > 1)
        for (int i = 1; i < argc; i++)
            bad |= bench(argv[i]);
    else
        for (int i = 0; i < 3; i++)
            bad |= bench(def[i]);
    return bad;
}
