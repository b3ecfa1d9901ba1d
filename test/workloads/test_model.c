/* The model loader and the zoo: MACs derived here from the published layer
 * shapes, folding/fusion, and exact error lines for malformed models. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_run.h"

#include "model.h"

static model_t load_zoo(const char *name)
{
    imc_diag_t d;
    diag_init(&d);
    model_t m;
    int rc = model_load(name, &m, &d);
    ck_assert_msg(rc == 0, "%s: %s", name, d.text ? d.text : "");
    diag_free(&d);
    return m;
}

/* MACs of a KxK conv with `same`-style output size out_hw. */
static int64_t conv_macs(int64_t out_hw, int64_t cin, int64_t cout, int64_t k)
{
    return out_hw * out_hw * cout * cin * k * k;
}

START_TEST(test_zoo_names_and_embedding)
{
    int n;
    const char *const *names = model_zoo_names(&n);
    static const char *const want[] = {"lenet5", "mlp_small", "mlp_l4", "vgg8", "alexnet",
                                       "vgg16", "resnet18", "resnet50", "lstm"};
    ck_assert_int_eq(n, 9);
    for (int i = 0; i < n; i++)
        ck_assert_str_eq(names[i], want[i]);
    /* Embedded: loads from a directory without the sources. */
    ck_assert_int_eq(chdir("/"), 0);
    for (int i = 0; i < n; i++) {
        model_t m = load_zoo(names[i]);
        ck_assert_str_eq(m.name, names[i]);
        model_free(&m);
    }
}
END_TEST

START_TEST(test_vgg16_macs)
{
    /* Configuration D: 13 3x3 convs with padding 1, pools halve 224. */
    static const int cfg[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0,
                              512, 512, 512, 0, 512, 512, 512, 0};
    int64_t macs = 0, hw = 224, cin = 3;
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        if (!cfg[i]) {
            hw /= 2;
            continue;
        }
        macs += conv_macs(hw, cin, cfg[i], 3);
        cin = cfg[i];
    }
    ck_assert_int_eq(hw * hw * cin, 25088);
    macs += 25088 * 4096 + 4096 * 4096 + 4096 * 1000;
    model_t m = load_zoo("vgg16");
    ck_assert_int_eq(model_macs(&m), macs);
    ck_assert(macs > 15.46e9 && macs < 15.48e9); /* the published 15.47 G */
    ck_assert_int_eq(model_weights(&m), 138344128); /* 138.36 M minus 13,416 biases */
    model_free(&m);
}
END_TEST

/* ResNet basic/bottleneck blocks from the stage table of He et al. (2016),
 * Table 1; the stride sits on the first 3x3 of a stage's first block. */
static int64_t resnet_macs(int bottleneck, const int *blocks)
{
    int64_t macs = conv_macs(112, 3, 64, 7), hw = 56, cin = 64;
    static const int width[4] = {64, 128, 256, 512};
    for (int s = 0; s < 4; s++) {
        int64_t c = width[s], cout = bottleneck ? 4 * c : c;
        for (int b = 0; b < blocks[s]; b++) {
            int64_t in_hw = hw;
            if (s > 0 && b == 0)
                hw /= 2;
            if (bottleneck) {
                macs += conv_macs(in_hw, cin, c, 1) + conv_macs(hw, c, c, 3) +
                        conv_macs(hw, c, cout, 1);
            } else {
                macs += conv_macs(hw, cin, c, 3) + conv_macs(hw, c, c, 3);
            }
            if (cin != cout || in_hw != hw)
                macs += conv_macs(hw, cin, cout, 1); /* projection shortcut */
            cin = cout;
        }
    }
    return macs + cin * 1000;
}

START_TEST(test_resnet_macs)
{
    static const int r18[4] = {2, 2, 2, 2}, r50[4] = {3, 4, 6, 3};
    model_t m = load_zoo("resnet18");
    int64_t want = resnet_macs(0, r18);
    ck_assert_int_eq(model_macs(&m), want);
    ck_assert(want > 1.81e9 && want < 1.82e9); /* published 1.8 G */
    ck_assert_int_eq(model_weights(&m), 11678912);
    model_free(&m);
    m = load_zoo("resnet50");
    want = resnet_macs(1, r50);
    ck_assert_int_eq(model_macs(&m), want);
    ck_assert(want > 4.08e9 && want < 4.12e9); /* published 4.1 G */
    ck_assert_int_eq(model_weights(&m), 25502912);
    model_free(&m);
}
END_TEST

START_TEST(test_alexnet_macs)
{
    /* Krizhevsky et al. (2012), Fig. 2: output size, Cout, K, Cin per group. */
    static const int64_t conv[5][4] = {
        {55, 96, 11, 3}, {27, 256, 5, 48}, {13, 384, 3, 256}, {13, 384, 3, 192},
        {13, 256, 3, 192}};
    int64_t want = 0;
    for (int i = 0; i < 5; i++)
        want += conv_macs(conv[i][0], conv[i][3], conv[i][1], conv[i][2]);
    want += 6 * 6 * 256 * 4096 + 4096 * 4096 + 4096 * 1000;
    model_t m = load_zoo("alexnet");
    ck_assert_int_eq(model_macs(&m), want);
    ck_assert(want > 0.72e9 && want < 0.73e9); /* the published 0.72 G */
    int c2 = model_find(&m, "conv2");
    ck_assert_int_eq(m.layers[c2].groups, 2);
    ck_assert_int_eq(m.layers[c2].weights, 5 * 5 * 48 * 256);
    model_free(&m);
}
END_TEST

START_TEST(test_small_models_macs)
{
    /* VGG-8 from NeuroSim's NetWork.csv (DNN+NeuroSim, Peng et al. 2019): H, C, K, Cout. */
    static const int64_t rows[8][4] = {
        {32, 3, 3, 128}, {32, 128, 3, 128}, {16, 128, 3, 256}, {16, 256, 3, 256},
        {8, 256, 3, 512}, {8, 512, 3, 512}, {1, 8192, 1, 1024}, {1, 1024, 1, 10}};
    int64_t want = 0;
    for (int i = 0; i < 8; i++)
        want += conv_macs(rows[i][0], rows[i][1], rows[i][3], rows[i][2]);
    model_t m = load_zoo("vgg8");
    ck_assert_int_eq(model_macs(&m), want);
    model_free(&m);

    m = load_zoo("lenet5"); /* 28x28x6 (5x5x1), 10x10x16 (5x5x6), 120x400, 84x120, 10x84 */
    ck_assert_int_eq(model_macs(&m), 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 +
                                         120 * 400 + 120 * 84 + 84 * 10);
    model_free(&m);

    m = load_zoo("mlp_l4"); /* 1024-1024-2048-1024-10 */
    ck_assert_int_eq(model_macs(&m), 1024 * 1024 + 1024 * 2048 + 2048 * 1024 + 1024 * 10);
    ck_assert_int_eq(m.n_layers, 4); /* sigmoids fused */
    ck_assert_int_eq(m.layers[0].act, ACT_SIGMOID);
    ck_assert_int_eq(m.layers[3].act, ACT_NONE);
    model_free(&m);

    m = load_zoo("lstm"); /* per layer and step: [x, h] (2048) x 4 gates x 1024 */
    ck_assert_int_eq(m.n_layers, 2);
    ck_assert_int_eq(model_macs(&m), 2LL * 50 * 2048 * 4096);
    ck_assert_str_eq(m.layers[1].name, "lstm_l1");
    ck_assert_int_eq(m.layers[1].inputs[0], 0);
    model_free(&m);
}
END_TEST

START_TEST(test_folding_and_fusion)
{
    model_t m = load_zoo("resnet18");
    /* 20 convs + fc, 8 adds, max-pool, global pool: batchnorms and relus gone. */
    ck_assert_int_eq(m.n_layers, 31);
    int conv1 = model_find(&m, "conv1"), add = model_find(&m, "l2b0_add");
    ck_assert_int_eq(m.layers[conv1].act, ACT_RELU);
    ck_assert(m.layers[conv1].folded_bn);
    ck_assert_int_eq(model_find(&m, "bn1"), -1);
    ck_assert_int_eq(m.layers[add].act, ACT_RELU);
    /* The add takes conv2 and the projection, through their folded batchnorms. */
    ck_assert_int_eq(m.layers[add].inputs[0], model_find(&m, "l2b0_conv2"));
    ck_assert_int_eq(m.layers[add].inputs[1], model_find(&m, "l2b0_down"));
    ck_assert_int_eq(m.layers[model_find(&m, "l2b0_conv2")].act, ACT_NONE);
    /* Shapes after the stem. */
    int pool = model_find(&m, "pool1");
    ck_assert_int_eq(m.layers[pool].out_h, 56);
    ck_assert_int_eq(m.layers[pool].out_c, 64);
    for (int i = 0; i < m.n_layers; i++)
        for (int k = 0; k < m.layers[i].n_inputs; k++)
            ck_assert_int_lt(m.layers[i].inputs[k], i); /* topological */
    model_free(&m);
}
END_TEST

static const char *load_text(const char *text, model_t *m, imc_diag_t *d)
{
    diag_init(d);
    int rc = model_load_string("m.yaml", text, strlen(text), m, d);
    return rc ? d->text : NULL;
}

START_TEST(test_unfused_and_precision)
{
    /* A relu whose producer feeds another layer stays a layer; out-of-order
     * definitions are sorted; per-layer precision overrides the model's. */
    const char *y = "input: {height: 8, width: 8, channels: 4}\n"
                    "precision: {weight_bits: 8}\n"
                    "layers:\n"
                    "  - {name: s, type: add, inputs: [a, r]}\n"
                    "  - {name: a, type: conv2d, inputs: input, out_channels: 4, kernel: 3, padding: 1}\n"
                    "  - {name: r, type: relu, inputs: a}\n"
                    "  - {name: d, type: conv2d, inputs: s, out_channels: 8, kernel: 3, groups: 4,\n"
                    "     weight_bits: 4, act_bits: 6}\n";
    model_t m;
    imc_diag_t d;
    const char *err = load_text(y, &m, &d);
    ck_assert_msg(!err, "%s", err);
    ck_assert_int_eq(m.n_layers, 4);
    ck_assert_str_eq(m.layers[0].name, "a");
    ck_assert_str_eq(m.layers[1].name, "r");
    ck_assert_int_eq(m.layers[1].kind, LAYER_ACT);
    ck_assert_str_eq(m.layers[2].name, "s");
    ck_assert_int_eq(m.layers[0].weight_bits, 8);
    ck_assert_int_eq(m.layers[0].act_bits, 0); /* 0: the arch decides */
    ck_assert_int_eq(m.layers[3].weight_bits, 4);
    ck_assert_int_eq(m.layers[3].act_bits, 6);
    ck_assert_int_eq(m.layers[3].out_h, 6);
    ck_assert_int_eq(m.layers[3].weights, 3 * 3 * 1 * 8);
    ck_assert_int_eq(m.layers[3].macs, 6 * 6 * 8 * 9);
    uint64_t h = m.hash;
    model_free(&m);
    diag_free(&d);
    load_text(y, &m, &d);
    ck_assert_uint_eq(m.hash, h);
    model_free(&m);
    diag_free(&d);
}
END_TEST

START_TEST(test_quant_blocks)
{
    const char *y = "input: {height: 8, width: 8, channels: 4}\n"
                    "precision: {weight_bits: 8}\n"
                    "layers:\n"
                    "  - {name: u, type: conv2d, out_channels: 4, kernel: 3, padding: 1,\n"
                    "     quant: {weight_bits: 4, act_bits: 6, symmetric: false, per_channel: true,\n"
                    "             act_scale: 0.5, act_zero_point: 3}}\n"
                    "  - {name: r6, type: relu6}\n" /* fused: act_max 6 */
                    "  - {name: p, type: conv2d, out_channels: 4, kernel: 1, activation: relu6,\n"
                    "     quant: {scheme: pow2, log_base: 4, weight_bits: 5}}\n"
                    "  - {name: c, type: conv2d, out_channels: 4, kernel: 1, act_bits: 3,\n"
                    "     quant: {scheme: codebook, levels: [-1, -0.25, 0, 0.5, 2]}}\n"
                    "  - {name: k, type: conv2d, out_channels: 4, kernel: 1,\n"
                    "     quant: {scheme: codebook, weight_bits: 3, levels: 6}}\n"
                    "  - {name: b, type: conv2d, out_channels: 4, kernel: 1, quant: {scheme: binary}}\n"
                    "  - {name: t, type: linear, out_features: 10, activation: relu, act_max: 2.5,\n"
                    "     quant: {scheme: ternary, per_channel: true}}\n";
    model_t m;
    imc_diag_t d;
    char *y2 = strdup(y);
    const char *err = load_text(y2, &m, &d);
    ck_assert_msg(!err, "%s", err);
    ck_assert_int_eq(m.n_layers, 6);
    const layer_t *u = &m.layers[0], *p = &m.layers[1], *c = &m.layers[2], *k = &m.layers[3],
                  *b = &m.layers[4], *t = &m.layers[5];
    ck_assert_int_eq(u->quant.scheme, QUANT_UNIFORM);
    ck_assert_int_eq(u->weight_bits, 4); /* the block's bits are the layer's */
    ck_assert_int_eq(u->act_bits, 6);
    ck_assert_int_eq(u->quant.symmetric, 0);
    ck_assert_int_eq(u->quant.per_channel, 1);
    ck_assert_int_eq(u->quant.has_a_scale, 1);
    ck_assert(u->quant.a_scale == 0.5);
    ck_assert_int_eq(u->quant.a_zero, 3);
    ck_assert_int_eq(u->act, ACT_RELU); /* the relu6 layer fused */
    ck_assert(u->act_max == 6);
    ck_assert_int_eq(p->quant.scheme, QUANT_POW2);
    ck_assert_int_eq(p->quant.log_base, 4);
    ck_assert_int_eq(p->weight_bits, 5);
    ck_assert(p->act == ACT_RELU && p->act_max == 6);
    ck_assert_int_eq(c->quant.scheme, QUANT_CODEBOOK);
    ck_assert_int_eq(c->quant.n_levels, 5);
    ck_assert(c->quant.levels[1] == -0.25 && c->quant.levels[4] == 2);
    ck_assert_int_eq(c->weight_bits, 8); /* from the model's precision */
    ck_assert_int_eq(c->act_bits, 3);
    ck_assert_int_eq(k->quant.n_levels, 6);
    ck_assert_ptr_null(k->quant.levels); /* k-means at load */
    ck_assert_int_eq(k->weight_bits, 3);
    ck_assert_int_eq(b->quant.scheme, QUANT_BINARY);
    ck_assert_int_eq(b->weight_bits, 1);
    ck_assert_int_eq(b->act_bits, 1);
    ck_assert_int_eq(t->quant.scheme, QUANT_TERNARY);
    ck_assert_int_eq(t->weight_bits, 2);
    ck_assert_int_eq(t->quant.per_channel, 1);
    ck_assert(t->act == ACT_RELU && t->act_max == 2.5);
    uint64_t h = m.hash;
    model_free(&m);
    diag_free(&d);
    /* The block enters the hash: traces of the 4-bit model are not those of the 8-bit one. */
    char *at = strstr(y2, "weight_bits: 4");
    at[13] = '3';
    err = load_text(y2, &m, &d);
    ck_assert_msg(!err, "%s", err);
    ck_assert_uint_ne(m.hash, h);
    model_free(&m);
    diag_free(&d);
    free(y2);
}
END_TEST

START_TEST(test_file_and_unknown_zoo)
{
    char dir[] = "/tmp/imc_model_XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/tiny.yaml", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("input: {features: 16}\nlayers:\n  - {type: linear, out_features: 4}\n", f);
    fclose(f);
    model_t m;
    imc_diag_t d;
    diag_init(&d);
    ck_assert_int_eq(model_load(path, &m, &d), 0);
    ck_assert_int_eq(model_macs(&m), 64);
    ck_assert_str_eq(m.layers[0].name, "layer0");
    ck_assert_str_eq(m.name, "tiny");
    model_free(&m);
    unlink(path);
    rmdir(dir);
    ck_assert_int_eq(model_load("resnet19", &m, &d), -1);
    ck_assert_str_eq(d.text, "error: unknown model 'resnet19' (did you mean 'resnet18'? "
                             "the zoo has lenet5, mlp_small, mlp_l4, vgg8, alexnet, vgg16, resnet18, "
                             "resnet50, lstm; a file path needs a '/', .yaml or .onnx)\n");
    diag_free(&d);
}
END_TEST

/* Malformed models and the exact first error line each must give. */
static const struct {
    const char *yaml, *error;
} bad[] = {
    {"name: bad\ninputs: {features: 10}\nlayers:\n  - {type: linear, out_features: 10}\n",
     "m.yaml:2:1: error: unknown key 'inputs' in the model (did you mean 'input'?)"},
    {"input: {height: 8, width: 8, channels: 3}\nlayers:\n"
     "  - {name: c1, type: conv2d, out_channels: 4, kernal: 3}\n",
     "m.yaml:3:47: error: unknown key 'kernal' in a conv2d layer (did you mean 'kernel'?)"},
    {"input: {height: 8, width: 8, channels: 3}\nlayers:\n"
     "  - {name: a, type: conv2d, out_channels: 4, kernel: 3, out_features: 5}\n",
     "m.yaml:3:57: error: unknown key 'out_features' in a conv2d layer (expected one of: "
     "name, type, inputs, out_channels, in_channels, kernel, stride, padding, groups, "
     "activation, weight_bits, act_bits, quant, act_max, weights)"},
    {"input: {height: 8, width: 8, channels: 3}\nlayers:\n"
     "  - {name: c1, type: conv2, out_channels: 4, kernel: 3}\n",
     "m.yaml:3:22: error: unknown layer type 'conv2' (did you mean 'conv2d'?)"},
    {"input: {height: 8, width: 8, channels: 3}\nlayers:\n"
     "  - {name: a, type: conv2d, out_channels: 4, kernel: 3, padding: 1}\n"
     "  - {name: b, type: conv2d, out_channels: 8, kernel: 3, padding: 1}\n"
     "  - {name: s, type: add, inputs: [a, b]}\n",
     "m.yaml:5:34: error: add layer 's': input 'a' is 8x8x4 but input 'b' is 8x8x8 "
     "(expected identical shapes)"},
    {"input: {height: 8, width: 8, channels: 3}\nlayers:\n"
     "  - {name: a, type: conv2d, out_channels: 4, kernel: 3}\n"
     "  - {name: fc, type: linear, in_features: 256, out_features: 10}\n",
     "m.yaml:4:43: error: linear layer 'fc' has in_features 256 but its input 'a' gives "
     "6x6x4 = 144 values (expected in_features: 144)"},
    {"input: {height: 8, width: 8, channels: 3}\nlayers:\n"
     "  - {name: conv1, type: conv2d, out_channels: 4, kernel: 3}\n"
     "  - {name: conv2, type: conv2d, inputs: conv_1, out_channels: 4, kernel: 3}\n",
     "m.yaml:4:41: error: unknown input 'conv_1' of layer 'conv2' (did you mean 'conv1'?)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, inputs: c, out_features: 16}\n"
     "  - {name: b, type: linear, out_features: 16}\n"
     "  - {name: c, type: linear, out_features: 16}\n",
     "m.yaml:3:37: error: layer 'a' is on a cycle of inputs (expected the layers to form "
     "a directed acyclic graph)"},
    {"input: {features: 16}\nlayers:\n  - {name: a, type: linear, out_features: 16}\n"
     "  - {name: a, type: linear, out_features: 16}\n",
     "m.yaml:4:12: error: duplicate layer name 'a' (first used at line 3; expected unique "
     "names)"},
    {"input: {height: 4, width: 4, channels: 3}\nlayers:\n"
     "  - {name: a, type: conv2d, out_channels: 4, kernel: 7}\n",
     "m.yaml:3:5: error: conv2d layer 'a': kernel 7x7 does not fit its 4x4 input with "
     "padding 0 (expected a kernel no larger than the padded input)"},
    {"input: {height: 8, width: 8, channels: 3}\nlayers:\n"
     "  - {name: a, type: conv2d, out_channels: 4, kernel: 3, groups: 2}\n",
     "m.yaml:3:65: error: conv2d layer 'a': groups 2 does not divide its 3 input and 4 "
     "output channels (expected a common divisor)"},
    {"input: {height: 8, width: 8, channels: 3}\nlayers:\n"
     "  - {name: a, type: conv2d, kernel: 3}\n",
     "m.yaml:3:5: error: conv2d layer 'a' has no 'out_channels' (expected it to be set)"},
    {"input: {height: 8, width: 8, channels: 3}\nlayers:\n"
     "  - {name: a, type: conv2d, out_channels: four, kernel: 3}\n",
     "m.yaml:3:43: error: 'out_channels' is 'four' (expected an integer)"},
    /* "4" in quotes is a string in YAML, as in an arch file */
    {"input: {height: 8, width: 8, channels: 3}\nlayers:\n"
     "  - {name: a, type: conv2d, out_channels: \"4\", kernel: 3}\n",
     "m.yaml:3:43: error: 'out_channels' is the string '4' (expected an integer, without "
     "quotes)"},
    {"input: {height: 8, width: 8, channels: 3}\nlayers:\n"
     "  - {name: p, type: maxpool, kernel: 2}\n  - {name: bn, type: batchnorm}\n",
     "m.yaml:4:5: error: batchnorm 'bn' cannot be folded: its input 'p' is not a conv2d "
     "or linear layer (expected it to follow a conv2d or linear layer that feeds only it)"},
    {"input: {height: 8, width: 8, channels: 3}\nlayers:\n"
     "  - {name: a, type: conv2d, out_channels: 4, kernel: 3}\n"
     "  - {name: b, type: conv2d, inputs: input, out_channels: 4, kernel: 1}\n"
     "  - {name: c, type: concat, inputs: [a, b]}\n",
     "m.yaml:5:37: error: concat layer 'c': input 'a' is 6x6x4 but input 'b' is 8x8x4 "
     "(expected the same height and width)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, weight_bits: 64}\n",
     "m.yaml:3:60: error: 'weight_bits' is 64 (expected an integer in 1..32)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, activation: rleu}\n",
     "m.yaml:3:59: error: unknown activation 'rleu' (did you mean 'relu'?)"},
    /* The quant block (docs/model-format.md, "Quantization"). */
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, quant: {shceme: pow2}}\n",
     "m.yaml:3:55: error: unknown key 'shceme' in 'quant' (did you mean 'scheme'?)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, quant: {scheme: log}}\n",
     "m.yaml:3:63: error: unknown quantization scheme 'log' (expected uniform, pow2, "
     "codebook, binary or ternary)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, quant: {log_base: 4}}\n",
     "m.yaml:3:55: error: 'log_base' does not apply to the uniform scheme (expected it "
     "only with scheme: pow2)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, quant: {scheme: pow2, log_base: 3}}\n",
     "m.yaml:3:79: error: 'log_base' is 3 (expected 2 or 4)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, quant: {scheme: pow2, weight_bits: 32}}\n",
     "m.yaml:3:82: error: 'weight_bits' is 32 but a pow2 weight of b bits is stored in about "
     "2^(b-1) bits (expected at most 16)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16,\n"
     "     quant: {scheme: codebook, levels: [-1, 0.5, 0.25, 1]}}\n",
     "m.yaml:4:50: error: level 2 (0.25) is not above level 1 (0.5) (expected ascending "
     "levels)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16,\n"
     "     quant: {scheme: codebook, weight_bits: 2, levels: [-2, -1, 0, 1, 2]}}\n",
     "m.yaml:4:56: error: 5 levels do not fit 2-bit weights (expected at most 4)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, quant: {scheme: binary, weight_bits: 2}}\n",
     "m.yaml:3:84: error: 'weight_bits' is 2 but the binary scheme has 1-bit weights "
     "(expected 1 or no 'weight_bits')"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, weight_bits: 4, quant: {weight_bits: 8}}\n",
     "m.yaml:3:84: error: 'weight_bits' in 'quant' is 8 but the layer's weight_bits is 4 "
     "(expected equal values, or one of the two)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, quant: {symmetric: maybe}}\n",
     "m.yaml:3:66: error: 'symmetric' is 'maybe' (expected true or false)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, quant: 8}\n",
     "m.yaml:3:54: error: 'quant' is not a mapping (expected keys such as scheme, "
     "weight_bits, act_bits)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, quant: {act_zero_point: 3}}\n",
     "m.yaml:3:54: error: 'act_zero_point' without 'act_scale' (expected both or neither)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, quant: {act_scale: -0.5}}\n",
     "m.yaml:3:66: error: 'act_scale' is -0.5 (expected a positive number)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, quant: {scheme: codebook, per_channel: true}}\n",
     "m.yaml:3:73: error: 'per_channel' does not apply to the codebook scheme (expected "
     "it only with a scheme with scales)"},
    {"input: {height: 4, width: 4, channels: 3}\nlayers:\n"
     "  - {name: p, type: maxpool, kernel: 2, quant: {act_bits: 4}}\n",
     "m.yaml:3:41: error: unknown key 'quant' in a maxpool layer (expected one of: name, "
     "type, inputs, kernel, stride, padding, act_bits)"},
    {"input: {features: 16}\nlayers:\n"
     "  - {name: a, type: linear, out_features: 16, activation: sigmoid, act_max: 6}\n",
     "m.yaml:3:77: error: 'act_max' is 6 on a sigmoid activation (expected a positive "
     "bound on a relu)"},
    {"input: {features: 16}\nlayers: []\n",
     "m.yaml:2:9: error: the model has no layers (expected 'layers:' with a list of layers)"},
    {"input: {features: 16}\nlayers:\n  - {name: a, type: linear, out_features: 16}\n"
     "  - {name: a2, type: add, inputs: a}\n",
     "m.yaml:4:35: error: add layer 'a2' has 1 input (expected 'inputs' with 2..4 names)"},
    {"input: {features: 16}\nlayers:\n  - {type: linear, out_features: 4, out_features: 5}\n",
     "m.yaml:3:37: error: duplicate key 'out_features' (first defined at line 3)"},
    {"layers:\n  - {type: linear, out_features: 4}\n",
     "m.yaml:1:1: error: the model has no 'input' (expected input: {height, width, "
     "channels} or input: {features})"},
    {"input: {features: 16}\nlayers:\n  - {name: l, type: lstm, hidden: 8}\n",
     "m.yaml:3:5: error: lstm layer 'l' has no 'steps' (expected it to be set)"},
};

START_TEST(test_errors)
{
    model_t m;
    imc_diag_t d;
    const char *err = load_text(bad[_i].yaml, &m, &d);
    ck_assert_msg(err, "case %d loaded", _i);
    char first[512];
    snprintf(first, sizeof first, "%s", err);
    char *nl = strchr(first, '\n');
    if (nl)
        *nl = '\0';
    ck_assert_str_eq(first, bad[_i].error);
    ck_assert_int_eq(m.n_layers, 0);
    ck_assert_ptr_null(m.layers);
    diag_free(&d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, test_zoo_names_and_embedding);
    tcase_add_test(tc, test_vgg16_macs);
    tcase_add_test(tc, test_resnet_macs);
    tcase_add_test(tc, test_alexnet_macs);
    tcase_add_test(tc, test_small_models_macs);
    tcase_add_test(tc, test_folding_and_fusion);
    tcase_add_test(tc, test_unfused_and_precision);
    tcase_add_test(tc, test_quant_blocks);
    tcase_add_test(tc, test_file_and_unknown_zoo);
    tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof bad / sizeof bad[0]));
    suite_add_tcase(s, tc);
    return check_run(s);
}
