/* scripts/bench func: host time of functional runs (a benchmark, never a
 * test). The digits test split (360 images) through the small CNN, and one
 * resnet18 image (torchvision export, random weights), both on the isaac
 * preset with ideal devices. Data come from test/func/train_digits.py and
 * test/func/export_resnet18.py, run here when missing.
 * usage: bench_func [DIR]   (default build/func_data) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch_load.h"
#include "compile.h"
#include "functional.h"
#include "model.h"

static double now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int bench(const char *arch, const char *model, const char *data, int limit)
{
    imc_diag_t d;
    diag_init(&d);
    arch_t a;
    model_t m;
    mapping_t mp;
    dataset_t ds;
    func_result_t r;
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    if (arch_load(arch, NULL, 0, &a, &d) || model_load(model, &m, &d) ||
        compile_model(&a, &m, REPLICATE_BALANCED, &mp, &d) || dataset_read(data, &ds, &d)) {
        fprintf(stderr, "%s", d.text ? d.text : "bench_func: load failed\n");
        return 1;
    }
    func_opts_t o = {.limit = limit};
    if (func_evaluate(&a, &mp, &ds, &o, &r, &d)) {
        fprintf(stderr, "%s", d.text);
        return 1;
    }
    double w = now(CLOCK_MONOTONIC) - w0, c = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    printf("%-10s %-40s %6d images  %8.2f s wall  %8.2f s CPU  %10.3g conversions/image  "
           "top-1 %.2f %%\n", arch, strrchr(model, '/') ? strrchr(model, '/') + 1 : model,
           r.images, w, c, (double)r.conversions / r.images, 100 * r.top1);
    func_result_free(&r);
    dataset_free(&ds);
    mapping_free(&mp);
    model_free(&m);
    diag_free(&d);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "build/func_data";
    char cmd[4096], p1[2048], p2[2048];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 test/func/train_digits.py %s >&2 && "
             "/usr/bin/python3 test/func/export_resnet18.py %s >&2", dir, dir);
    if (system(cmd)) {
        fprintf(stderr, "bench_func: could not make the data (%s)\n", cmd);
        return 1;
    }
    printf("functional runs, ideal devices (host time; the whole evaluation: quantization, "
           "programming, float, integer and hardware passes)\n");
    snprintf(p1, sizeof p1, "%s/cnn.onnx", dir);
    snprintf(p2, sizeof p2, "%s/digits_test.imcd", dir);
    int rc = bench("isaac", p1, p2, 0);
    snprintf(p1, sizeof p1, "%s/resnet18.onnx", dir);
    snprintf(p2, sizeof p2, "%s/resnet18_img.imcd", dir);
    rc |= bench("isaac", p1, p2, 1);
    return rc;
}
