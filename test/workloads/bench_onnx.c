/* Benchmark (not a test): loading an ONNX model for timing only (the
 * weights stay in the file) and with every weight layer's weights read,
 * dequantized, folded and laid out as the functional path asks for them.
 * Usage: scripts/bench onnx [FILE.onnx ...] (default: build/onnx/resnet50.onnx,
 * which the onnx_models test fixture exports). Warm page cache: each figure
 * is the median of several runs after a first one. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "model.h"
#include "weights.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One load, with the weights of every layer when `weights`; -1 on error. */
static double load_once(const char *path, int weights, double *mb)
{
    imc_diag_t d;
    diag_init(&d);
    model_t m;
    double t0 = now_s();
    if (model_load(path, &m, &d)) {
        fprintf(stderr, "%s", d.text ? d.text : "cannot load\n");
        return -1;
    }
    *mb = 0;
    for (int i = 0; weights && i < m.n_layers; i++) {
        layer_t *L = &m.layers[i];
        if (L->kind != LAYER_CONV && L->kind != LAYER_LINEAR && L->kind != LAYER_LSTM)
            continue;
        layer_weights_t w;
        if (model_layer_weights(&m, i, &w, &d)) {
            fprintf(stderr, "%s", d.text ? d.text : "cannot read weights\n");
            return -1;
        }
        *mb += (double)w.n_out * w.n_in * sizeof(float) / 1e6;
        layer_weights_free(&w);
    }
    double t = now_s() - t0;
    model_free(&m);
    diag_free(&d);
    return t;
}

static int bench(const char *path)
{
    enum { REPS = 9 };
    for (int weights = 0; weights < 2; weights++) {
        double t[REPS], mb = 0;
        if (load_once(path, weights, &mb) < 0) /* warm-up */
            return 1;
        for (int r = 0; r < REPS; r++)
            if ((t[r] = load_once(path, weights, &mb)) < 0)
                return 1;
        qsort(t, REPS, sizeof t[0], cmp);
        if (weights)
            printf("%s: load + all weights (%.1f MB as float): %.1f ms median, %.1f ms best\n",
                   path, mb, t[REPS / 2] * 1e3, t[0] * 1e3);
        else
            printf("%s: load for timing (weights left in the file): %.2f ms median, %.2f ms "
                   "best\n", path, t[REPS / 2] * 1e3, t[0] * 1e3);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *def = "build/onnx/resnet50.onnx";
    int rc = 0;
    if (argc < 2) {
        FILE *f = fopen(def, "rb");
        if (!f) {
            fprintf(stderr, "bench_onnx: %s is missing: export it with\n  ctest --test-dir build "
                    "-R onnx_export_small\n(or give ONNX files as arguments)\n", def);
            return 2;
        }
        fclose(f);
        return bench(def);
    }
    for (int i = 1; i < argc; i++)
        rc |= bench(argv[i]);
    return rc;
}
