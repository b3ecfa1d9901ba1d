/* libFuzzer target: the ONNX reader on arbitrary bytes (wire checks,
 * protobuf-c decoding, the graph converter), then, for what loads, every
 * weight layer's weights and the YAML `imcsim import` writes, which must load
 * again to the same hash when no batchnorm was folded (the YAML without
 * weight references cannot say a batchnorm was there). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "weights.h"

const int imc_zoo_count = 0;
const char *const imc_zoo_names[] = {NULL};
const char *const imc_zoo_texts[] = {NULL};
const size_t imc_zoo_lens[] = {0};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    model_t m;
    imc_diag_t d;
    diag_init(&d);
    if (model_load_onnx_mem("fuzz.onnx", data, size, NULL, &m, &d)) {
        if (!d.text || !strstr(d.text, "error: "))
            abort(); /* a failure always explains itself */
        diag_free(&d);
        return 0;
    }
    int folded = 0;
    for (int i = 0; i < m.n_layers; i++) {
        layer_weights_t w;
        folded |= m.layers[i].folded_bn;
        if (m.layers[i].weights < 4096 && model_layer_weights(&m, i, &w, &d) == 0)
            layer_weights_free(&w);
        diag_clear(&d);
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f && model_write_yaml(&m, f, NULL, NULL) == 0 && fclose(f) == 0) {
        model_t y;
        if (model_load_string("import.yaml", text, len, &y, &d)) {
            fprintf(stderr, "the imported YAML does not load:\n%s\n%s", text, d.text);
            abort();
        }
        if (!folded && y.hash != m.hash)
            abort();
        model_free(&y);
    } else if (f) {
        abort();
    }
    free(text);
    model_free(&m);
    diag_free(&d);
    return 0;
}
