/* ONNX models that test/workloads/onnx_export.py wrote with PyTorch (the
 * CTest fixture onnx_models, in build/onnx/): the weights imcsim reads equal
 * PyTorch's parameters laid out independently by the exporter (NAME.expect:
 * HWC inputs, batchnorm folded, LSTM gates i, f, g, o, dequantized int8);
 * quantization from QDQ and metadata_props; the model options; the YAML
 * that `imcsim import` writes loads back to the same model and weights. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "model.h"
#include "weights.h"

static char dir[4096];

static void find_dir(void)
{
    const char *bin = getenv("IMC_BIN");
    snprintf(dir, sizeof dir, "%s/../onnx", bin ? bin : "build/bin");
}

static model_t load(const char *name, const model_opts_t *o)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    imc_diag_t d;
    diag_init(&d);
    model_t m;
    ck_assert_msg(model_load_opts(path, o, &m, &d) == 0, "%s: %s", path, d.text ? d.text : "");
    diag_free(&d);
    return m;
}

static int is_weight_layer(const layer_t *L)
{
    return L->kind == LAYER_CONV || L->kind == LAYER_LINEAR || L->kind == LAYER_LSTM;
}

/* Every weight layer against NAME.expect(.bin), in model order. */
static void check_weights(const model_t *m, const char *name, double tol)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.expect", dir, name);
    FILE *txt = fopen(path, "r");
    snprintf(path, sizeof path, "%s/%s.expect.bin", dir, name);
    FILE *bin = fopen(path, "rb");
    ck_assert_msg(txt && bin, "%s: run the onnx_models fixture first", path);
    int checked = 0;
    for (int i = 0; i < m->n_layers; i++) {
        if (!is_weight_layer(&m->layers[i]))
            continue;
        int n_out, n_in, has_bias;
        ck_assert_int_eq(fscanf(txt, "%d %d %d", &n_out, &n_in, &has_bias), 3);
        layer_weights_t w;
        imc_diag_t d;
        diag_init(&d);
        ck_assert_msg(model_layer_weights(m, i, &w, &d) == 0, "%s", d.text ? d.text : "");
        diag_free(&d);
        ck_assert_int_eq(w.n_out, n_out);
        ck_assert_int_eq(w.n_in, n_in);
        ck_assert_int_eq(w.bias != NULL, has_bias);
        size_t n = (size_t)n_out * (size_t)n_in;
        float *want = malloc(sizeof *want * (n + (size_t)n_out));
        ck_assert_uint_eq(fread(want, sizeof *want, n + (has_bias ? (size_t)n_out : 0), bin),
                          n + (has_bias ? (size_t)n_out : 0));
        for (size_t k = 0; k < n; k++)
            ck_assert_msg(fabs(w.w[k] - want[k]) <= tol * (1 + fabs(want[k])),
                          "%s layer %s weight %zu: %.9g, PyTorch %.9g", name,
                          m->layers[i].name, k, w.w[k], want[k]);
        for (int k = 0; has_bias && k < n_out; k++)
            ck_assert_msg(fabs(w.bias[k] - want[n + (size_t)k]) <= tol * (1 + fabs(want[n + (size_t)k])),
                          "%s layer %s bias %d: %.9g, PyTorch %.9g", name, m->layers[i].name,
                          k, w.bias[k], want[n + (size_t)k]);
        free(want);
        layer_weights_free(&w);
        checked++;
    }
    int extra;
    ck_assert_msg(fscanf(txt, "%d", &extra) != 1, "%s: more weight layers than imcsim has", name);
    ck_assert_int_gt(checked, 0);
    fclose(txt);
    fclose(bin);
}

static const char *const weight_models[] = {"small_cnn.onnx", "small_cnn17.onnx",
                                            "small_cnn_ext.onnx", "lstm2.onnx", "mlp3d.onnx",
                                            "qdq8.onnx", "mixed48.onnx", "qlinear.onnx",
                                            "integer.onnx"};

START_TEST(test_weights_match_pytorch)
{
    const char *file = weight_models[_i];
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(strlen(file) - 5), file);
    model_t m = load(file, NULL);
    ck_assert(model_has_weights(&m));
    check_weights(&m, name, 2e-6);
    model_free(&m);
}
END_TEST

/* The YAML `imcsim import` writes: same hash, same weights, through references. */
START_TEST(test_import_round_trip)
{
    const char *file = weight_models[_i];
    char name[64], yaml[4200];
    snprintf(name, sizeof name, "%.*s", (int)(strlen(file) - 5), file);
    model_t m = load(file, NULL);
    snprintf(yaml, sizeof yaml, "%s/%s.roundtrip.yaml", dir, name);
    FILE *f = fopen(yaml, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(model_write_yaml(&m, f, file, file), 0); /* beside the ONNX file */
    fclose(f);
    imc_diag_t d;
    diag_init(&d);
    model_t y;
    ck_assert_msg(model_load(yaml, &y, &d) == 0, "%s", d.text ? d.text : "");
    diag_free(&d);
    ck_assert_uint_eq(y.hash, m.hash);
    ck_assert_int_eq(y.n_layers, m.n_layers);
    for (int i = 0; i < m.n_layers; i++) {
        ck_assert_str_eq(y.layers[i].name, m.layers[i].name);
        ck_assert_int_eq(y.layers[i].quant.n_w_scale, m.layers[i].quant.n_w_scale);
        ck_assert(y.layers[i].quant.has_a_scale == m.layers[i].quant.has_a_scale &&
                  y.layers[i].quant.a_scale == m.layers[i].quant.a_scale);
        for (int k = 0; k < m.layers[i].quant.n_w_scale; k++)
            ck_assert(y.layers[i].quant.w_scale[k] == m.layers[i].quant.w_scale[k]);
    }
    check_weights(&y, name, 2e-6);
    model_free(&y);
    model_free(&m);
    unlink(yaml);
}
END_TEST

START_TEST(test_qdq_bits_and_scales)
{
    model_t m = load("qdq8.onnx", NULL);
    int weight_layers = 0;
    for (int i = 0; i < m.n_layers; i++) {
        const layer_t *L = &m.layers[i];
        if (!is_weight_layer(L))
            continue;
        weight_layers++;
        ck_assert_int_eq(L->weight_bits, 8); /* int8 weights */
        ck_assert_int_eq(L->act_bits, 8);    /* uint8 activations */
        ck_assert_int_eq(L->quant.scheme, QUANT_UNIFORM);
        ck_assert_int_eq(L->quant.per_channel, 1); /* fbgemm: per output channel */
        ck_assert_int_eq(L->quant.n_w_scale, L->out_c);
        ck_assert(L->quant.has_a_scale && L->quant.a_scale > 0);
        ck_assert_int_eq(L->quant.symmetric, 1); /* PyTorch's per-channel int8: zero point 0 */
    }
    ck_assert_int_eq(weight_layers, 3);
    model_free(&m);
    m = load("mixed48.onnx", NULL); /* metadata_props: imcsim.quant:/c2/Conv = 4 bits */
    for (int i = 0; i < m.n_layers; i++) {
        const layer_t *L = &m.layers[i];
        if (!is_weight_layer(L))
            continue;
        int four = !strcmp(L->name, "/c2/Conv");
        ck_assert_int_eq(L->weight_bits, four ? 4 : 8);
        ck_assert_int_eq(L->act_bits, four ? 4 : 8);
        ck_assert_int_eq(L->quant.n_w_scale, L->out_c); /* the QDQ scales stay */
    }
    model_free(&m);

    /* QLinearConv (input uint8, scale 0.05, zero 128) then QLinearMatMul. */
    m = load("qlinear.onnx", NULL);
    const layer_t *qc = &m.layers[model_find(&m, "qconv")], *qm = &m.layers[model_find(&m, "qmm")];
    ck_assert_int_eq(qc->weight_bits, 8);
    ck_assert_int_eq(qc->act_bits, 8);
    ck_assert(qc->quant.has_a_scale && qc->quant.a_scale == 0.05f && qc->quant.a_zero == 128);
    ck_assert_int_eq(qc->quant.n_w_scale, 4);
    ck_assert_int_eq(qm->quant.n_w_scale, 10); /* per output column of the [K, N] weights */
    ck_assert(qm->quant.a_scale == 0.1f && qm->quant.a_zero == 0); /* the conv's output */
    model_free(&m);
    /* DynamicQuantizeLinear + ConvInteger/MatMulInteger: bits and zero points, scale at run time. */
    m = load("integer.onnx", NULL);
    qc = &m.layers[model_find(&m, "iconv")];
    ck_assert_int_eq(qc->weight_bits, 8);
    ck_assert_int_eq(qc->act_bits, 8);
    ck_assert_int_eq(qc->quant.has_a_scale, 0);
    ck_assert_int_eq(qc->quant.n_w_scale, 4);
    ck_assert_int_eq(qc->quant.symmetric, 0); /* non-zero weight zero points */
    ck_assert_ptr_nonnull(qc->quant.w_zero);
    model_free(&m);
}
END_TEST

START_TEST(test_model_options)
{
    /* Unquantized: --weight-bits/--act-bits fill what the model leaves unset. */
    model_opts_t o = {.weight_bits = 6, .act_bits = 7};
    model_t m = load("small_cnn.onnx", &o);
    for (int i = 0; i < m.n_layers; i++) {
        ck_assert_int_eq(m.layers[i].weight_bits, is_weight_layer(&m.layers[i]) ? 6 : 0);
        ck_assert_int_eq(m.layers[i].act_bits, 7);
    }
    uint64_t h6 = m.hash;
    model_free(&m);
    m = load("small_cnn.onnx", NULL);
    ck_assert_uint_ne(m.hash, h6);
    ck_assert_int_eq(m.layers[0].weight_bits, 0); /* the architecture decides */
    model_free(&m);
    /* A quantized model keeps its own bits. */
    m = load("qdq8.onnx", &o);
    ck_assert_int_eq(m.layers[0].weight_bits, 8);
    model_free(&m);

    /* A quant override file: default, then per layer. */
    char qf[4200];
    snprintf(qf, sizeof qf, "%s/override.quant.yaml", dir);
    FILE *f = fopen(qf, "w");
    ck_assert_ptr_nonnull(f);
    fputs("default: {weight_bits: 5}\nlayers:\n  /fc2/Gemm: {scheme: ternary}\n"
          "  /dw/Conv: {scheme: pow2, log_base: 4, act_bits: 3}\n", f);
    fclose(f);
    model_opts_t q = {.quant_file = qf};
    m = load("small_cnn.onnx", &q);
    int fc2 = model_find(&m, "/fc2/Gemm"), dw = model_find(&m, "/dw/Conv"),
        c1 = model_find(&m, "/c1/Conv");
    ck_assert_int_eq(m.layers[fc2].quant.scheme, QUANT_TERNARY);
    ck_assert_int_eq(m.layers[fc2].weight_bits, 2);
    ck_assert_int_eq(m.layers[dw].quant.scheme, QUANT_POW2);
    ck_assert_int_eq(m.layers[dw].quant.log_base, 4);
    ck_assert_int_eq(m.layers[dw].weight_bits, 5);
    ck_assert_int_eq(m.layers[dw].act_bits, 3);
    ck_assert_int_eq(m.layers[c1].weight_bits, 5);
    ck_assert_int_eq(m.layers[c1].quant.scheme, QUANT_UNIFORM);
    model_free(&m);

    /* Its errors are positioned. */
    f = fopen(qf, "w");
    fputs("layers:\n  /fc2/Gem: {weight_bits: 4}\n", f);
    fclose(f);
    imc_diag_t d;
    diag_init(&d);
    char path[4200];
    snprintf(path, sizeof path, "%s/small_cnn.onnx", dir);
    ck_assert_int_eq(model_load_opts(path, &q, &m, &d), -1);
    ck_assert_msg(strstr(d.text, "override.quant.yaml:2:3: error: model 'small_cnn' has no "
                         "layer '/fc2/Gem' (did you mean '/fc2/Gemm'?)"), "%s", d.text);
    diag_free(&d);
    unlink(qf);
}
END_TEST

START_TEST(test_input_shape)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/dynamic.onnx", dir);
    imc_diag_t d;
    diag_init(&d);
    model_t m;
    ck_assert_int_eq(model_load(path, &m, &d), -1);
    ck_assert_msg(strstr(d.text, "dynamic.onnx: error: graph input 'image' has a symbolic "
                         "dimension 'height' on axis 2 (expected a fixed size: give "
                         "--input-shape)"), "%s", d.text);
    diag_clear(&d);
    model_opts_t o = {.input_shape = "1x3x16x16"};
    m = load("dynamic.onnx", &o);
    model_t ref = load("small_cnn.onnx", NULL); /* the same network, fixed shape */
    ck_assert_int_eq(model_macs(&m), model_macs(&ref));
    model_free(&ref);
    model_free(&m);
    o.input_shape = "1x3x16";
    ck_assert_int_eq(model_load_opts(path, &o, &m, &d), -1);
    ck_assert_msg(strstr(d.text, "--input-shape '1x3x16' has 3 dimensions but input 'image' "
                         "has 4"), "%s", d.text);
    diag_clear(&d);
    o.input_shape = "1x3x16x16";
    ck_assert_int_eq(model_load_opts("lenet5", &o, &m, &d), -1); /* YAML fixes its input */
    ck_assert_msg(strstr(d.text, "--input-shape applies to ONNX models only"), "%s", d.text);
    diag_free(&d);
}
END_TEST

START_TEST(test_no_weights)
{
    imc_diag_t d;
    diag_init(&d);
    model_t m;
    ck_assert_int_eq(model_load("lenet5", &m, &d), 0);
    ck_assert(!model_has_weights(&m));
    layer_weights_t w;
    ck_assert_int_eq(model_layer_weights(&m, 0, &w, &d), -1);
    ck_assert_str_eq(d.text, "error: model 'lenet5' has no weights\n");
    ck_assert_ptr_null(w.w);
    model_free(&m);
    diag_clear(&d);
    m = load("small_cnn.onnx", NULL);
    ck_assert_int_eq(model_layer_weights(&m, model_find(&m, "/MaxPool"), &w, &d), -1);
    ck_assert_msg(strstr(d.text, "is not a conv2d, linear or lstm layer"), "%s", d.text);
    model_free(&m);
    diag_free(&d);
}
END_TEST

int main(void)
{
    find_dir();
    Suite *s = suite_create("onnx");
    TCase *tc = tcase_create("onnx");
    int nw = (int)(sizeof weight_models / sizeof weight_models[0]);
    tcase_add_loop_test(tc, test_weights_match_pytorch, 0, nw);
    tcase_add_loop_test(tc, test_import_round_trip, 0, nw);
    tcase_add_test(tc, test_qdq_bits_and_scales);
    tcase_add_test(tc, test_model_options);
    tcase_add_test(tc, test_input_shape);
    tcase_add_test(tc, test_no_weights);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
