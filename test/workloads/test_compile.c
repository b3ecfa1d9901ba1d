/* The compiler: crossbar counts against hand derivations, replication,
 * placement, multi-chip spread, does-not-fit errors, determinism. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_run.h"

#include "compile.h"
#include "model.h"
#include "arch_load.h"

static void get_arch(const char *name, arch_t *a)
{
    imc_diag_t d;
    diag_init(&d);
    int rc = arch_load(name, NULL, 0, a, &d);
    ck_assert_msg(rc == 0, "%s", d.text ? d.text : "");
    diag_free(&d);
}

static void get_model(const char *name, model_t *m)
{
    imc_diag_t d;
    diag_init(&d);
    int rc = model_load(name, m, &d);
    ck_assert_msg(rc == 0, "%s", d.text ? d.text : "");
    diag_free(&d);
}

static void compile_ok(const arch_t *a, const model_t *m, replicate_policy_t p,
                       mapping_t *mp)
{
    imc_diag_t d;
    diag_init(&d);
    int rc = compile_model(a, m, p, mp, &d);
    ck_assert_msg(rc == 0, "%s", d.text ? d.text : "");
    diag_free(&d);
}

/* The premises of the hand derivations below (ISAAC, Shafiee et al. 2016):
 * 128x128 crossbars of 2-bit cells, 16-bit weights -> 8 slices in adjacent
 * columns -> 16 weights per crossbar row; 8 crossbars per CE. */
static void get_isaac(arch_t *a)
{
    get_arch("isaac", a);
    ck_assert_int_eq(a->crossbar.rows, 128);
    ck_assert_int_eq(a->crossbar.cols, 128);
    ck_assert_int_eq(a->device.bits_per_cell, 2);
    ck_assert_int_eq(a->precision.weight_bits, 16);
    ck_assert_int_ne(a->crossbar.signed_scheme, SIGNED_DIFFERENTIAL);
    ck_assert_int_eq(a->ce.crossbars, 8);
    ck_assert_int_eq(a->tile.ces, 12);
    ck_assert_int_eq(a->chip.tiles, 168);
}

struct xb { const char *layer; int rows, cols, xbars; };

static void check_xbars(const char *model, const struct xb *want, int n, int64_t total)
{
    arch_t a;
    model_t m;
    mapping_t mp;
    get_isaac(&a);
    get_model(model, &m);
    compile_ok(&a, &m, REPLICATE_NONE, &mp);
    int seen = 0;
    for (int i = 0; i < m.n_layers; i++) {
        if (!m.layers[i].weights)
            continue;
        ck_assert_int_lt(seen, n);
        ck_assert_str_eq(m.layers[i].name, want[seen].layer);
        ck_assert_int_eq(mp.layers[i].rows, want[seen].rows);
        ck_assert_int_eq(mp.layers[i].cols, want[seen].cols);
        ck_assert_msg(mp.layers[i].crossbars == want[seen].xbars, "%s: %lld crossbars, "
                      "derived %d", want[seen].layer, (long long)mp.layers[i].crossbars,
                      want[seen].xbars);
        ck_assert_int_eq(mp.layers[i].replication, 1);
        seen++;
    }
    ck_assert_int_eq(seen, n);
    ck_assert_int_eq(mp.crossbars_used, total);
    mapping_free(&mp);
    model_free(&m);
}

/* crossbars = ceil(rows / 128) * ceil(cols / 16), rows = K*K*Cin. */
START_TEST(test_vgg8_crossbars)
{
    static const struct xb want[] = {
        {"conv1", 27, 128, 1 * 8},      /* 3x3x3 */
        {"conv2", 1152, 128, 9 * 8},    /* 3x3x128 */
        {"conv3", 1152, 256, 9 * 16},
        {"conv4", 2304, 256, 18 * 16},  /* 3x3x256 */
        {"conv5", 2304, 512, 18 * 32},
        {"conv6", 4608, 512, 36 * 32},  /* 3x3x512 */
        {"fc7", 8192, 1024, 64 * 64},
        {"fc8", 1024, 10, 8 * 1},
    };
    check_xbars("vgg8", want, 8, 8 + 72 + 144 + 288 + 576 + 1152 + 4096 + 8);
}
END_TEST

START_TEST(test_resnet18_crossbars)
{
    static const struct xb want[] = {
        {"conv1", 147, 64, 2 * 4},       /* 7x7x3: 147 rows -> 2 blocks */
        {"l1b0_conv1", 576, 64, 5 * 4},  /* 3x3x64: 576 rows -> 5 blocks (4.5) */
        {"l1b0_conv2", 576, 64, 5 * 4},
        {"l1b1_conv1", 576, 64, 5 * 4},
        {"l1b1_conv2", 576, 64, 5 * 4},
        {"l2b0_conv1", 576, 128, 5 * 8},
        {"l2b0_conv2", 1152, 128, 9 * 8},
        {"l2b0_down", 64, 128, 1 * 8},   /* 1x1x64 projection */
        {"l2b1_conv1", 1152, 128, 9 * 8},
        {"l2b1_conv2", 1152, 128, 9 * 8},
        {"l3b0_conv1", 1152, 256, 9 * 16},
        {"l3b0_conv2", 2304, 256, 18 * 16},
        {"l3b0_down", 128, 256, 1 * 16},
        {"l3b1_conv1", 2304, 256, 18 * 16},
        {"l3b1_conv2", 2304, 256, 18 * 16},
        {"l4b0_conv1", 2304, 512, 18 * 32},
        {"l4b0_conv2", 4608, 512, 36 * 32},
        {"l4b0_down", 256, 512, 2 * 32},
        {"l4b1_conv1", 4608, 512, 36 * 32},
        {"l4b1_conv2", 4608, 512, 36 * 32},
        {"fc", 512, 1000, 4 * 63},       /* 1000 outputs / 16 -> 63 blocks */
    };
    check_xbars("resnet18", want, 21, 5724);
}
END_TEST

/* Every zoo model on both presets under every policy: a consistent mapping
 * or the does-not-fit error with the numbers. */
START_TEST(test_zoo_on_presets)
{
    static const char *const presets[] = {"isaac", "puma"};
    int n;
    const char *const *names = model_zoo_names(&n);
    int fits = 0;
    for (int pi = 0; pi < 2; pi++) {
        arch_t a;
        get_arch(presets[pi], &a);
        int64_t avail = (int64_t)a.chip.chips * a.chip.tiles * a.tile.ces * a.ce.crossbars;
        for (int i = 0; i < n; i++)
            for (int p = REPLICATE_NONE; p <= REPLICATE_MAX; p++) {
                model_t m;
                get_model(names[i], &m);
                mapping_t mp;
                imc_diag_t d;
                diag_init(&d);
                int64_t min_xbars = 0; /* weights / (128 rows * weights per row) */
                int rc = compile_model(&a, &m, (replicate_policy_t)p, &mp, &d);
                if (rc) {
                    char head[256];
                    snprintf(head, sizeof head, "error: model '%s' does not fit "
                             "architecture '%s': it needs ", m.name, a.name);
                    ck_assert_msg(d.text && !strncmp(d.text, head, strlen(head)), "%s",
                                  d.text ? d.text : "");
                    char tail[96];
                    snprintf(tail, sizeof tail, "the system has %lld crossbars",
                             (long long)avail);
                    ck_assert_msg(strstr(d.text, tail), "%s", d.text);
                    min_xbars = model_weights(&m) / (128 * 16);
                    ck_assert_int_gt(min_xbars, avail); /* truly too large */
                    ck_assert_int_eq(mp.layers == NULL, 1);
                } else {
                    fits++;
                    ck_assert_int_eq(mp.macs, model_macs(&m));
                    ck_assert_int_le(mp.crossbars_used, mp.crossbars_available);
                    ck_assert_int_eq(mp.crossbars_available, avail);
                    ck_assert_int_le(mp.ces_used, mp.ces_available);
                    ck_assert(mp.cell_utilization > 0 && mp.cell_utilization <= 1);
                    int64_t next = 0;
                    for (int l = 0; l < m.n_layers; l++) {
                        const layer_map_t *lm = &mp.layers[l];
                        ck_assert_int_ge(lm->replication, 1);
                        if (!m.layers[l].weights)
                            continue;
                        if (p == REPLICATE_NONE)
                            ck_assert_int_eq(lm->replication, 1);
                        /* consecutive CEs, layer after layer (mapping.h contract) */
                        ck_assert_int_eq(lm->first_ce, next);
                        ck_assert_int_eq(lm->n_ces, lm->ces_per_replica * lm->replication);
                        for (int k = 0; k < lm->n_ces; k++)
                            ck_assert_int_eq(lm->ces[k], lm->first_ce + k);
                        next += lm->n_ces;
                        ck_assert_int_le(lm->xbars_per_replica,
                                         lm->ces_per_replica * a.ce.crossbars);
                        ck_assert_int_eq(lm->first_tile, lm->first_ce / a.tile.ces);
                    }
                    ck_assert_int_eq(next, mp.ces_used);
                    mapping_free(&mp);
                }
                diag_free(&d);
                model_free(&m);
            }
    }
    ck_assert_int_ge(fits, 2 * 6 * 3); /* only alexnet and vgg16 exceed one chip */
}
END_TEST

START_TEST(test_vgg16_multichip)
{
    arch_t a;
    model_t m;
    mapping_t mp;
    get_isaac(&a);
    get_model("vgg16", &m);
    imc_diag_t d;
    diag_init(&d);
    /* Derived from configuration D: ceil(rows / 128) * ceil(cols / 16) per
     * layer, ceil(crossbars / 8) CEs. */
    static const int cfg[] = {64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512};
    static const int fc[3][2] = {{25088, 4096}, {4096, 4096}, {4096, 1000}};
    int64_t xbars = 0, ces = 0, cin = 3;
    for (int i = 0; i < 16; i++) {
        int64_t rows = i < 13 ? 9 * cin : fc[i - 13][0], cols = i < 13 ? cfg[i] : fc[i - 13][1];
        int64_t x = ((rows + 127) / 128) * ((cols + 15) / 16);
        xbars += x;
        ces += (x + 7) / 8;
        if (i < 13)
            cin = cfg[i];
    }
    ck_assert_int_eq(xbars, 67576);
    ck_assert_int_eq(ces, 8448); /* > 4 chips of 2,016 CEs */
    a.chip.chips = 4;
    ck_assert_int_eq(compile_model(&a, &m, REPLICATE_NONE, &mp, &d), -1);
    ck_assert_msg(strstr(d.text, "it needs 67576 crossbars (8448 CEs of 8 crossbars) "
                                 "without replication, the system has 64512 crossbars (8064 CEs "
                                 "on 4 chips); 5 chips would hold it"), "%s", d.text);
    diag_free(&d);
    a.chip.chips = 5;
    compile_ok(&a, &m, REPLICATE_NONE, &mp);
    ck_assert_int_eq(mp.chips_used, 5);
    ck_assert_int_eq(mp.ces_used, ces);
    ck_assert_int_eq(mp.crossbars_used, xbars);
    int fc6 = model_find(&m, "fc6"), fc8 = model_find(&m, "fc8");
    /* fc6 alone: 25088/128 = 196 row blocks x 4096/16 = 256 column blocks */
    ck_assert_int_eq(mp.layers[fc6].crossbars, 196 * 256);
    ck_assert_int_lt(mp.layers[fc6].chip, mp.layers[fc8].chip);
    ck_assert_int_eq(mp.layers[fc8].chip, 4);
    mapping_free(&mp);
    model_free(&m);
}
END_TEST

START_TEST(test_replication)
{
    arch_t a;
    model_t m;
    mapping_t mp;
    get_isaac(&a);
    get_model("vgg8", &m);
    compile_ok(&a, &m, REPLICATE_BALANCED, &mp);
    /* Balanced within the one chip the model needs. */
    ck_assert_int_le(mp.ces_used, 2016);
    int c1 = model_find(&m, "conv1"), c2 = model_find(&m, "conv2"),
        c3 = model_find(&m, "conv3"), c5 = model_find(&m, "conv5"),
        f7 = model_find(&m, "fc7");
    /* A layer feeding a stride-2 pool makes 4 outputs per consumer output:
     * 32x32 layers get 4x the replication of 16x16 ones (up to rounding). */
    ck_assert_int_eq(mp.layers[c1].replication, mp.layers[c2].replication);
    ck_assert_int_ge(mp.layers[c2].replication, 4 * mp.layers[c3].replication - 3);
    ck_assert_int_ge(mp.layers[c3].replication, 4 * mp.layers[c5].replication - 3);
    ck_assert_int_gt(mp.layers[c5].replication, 1);
    ck_assert_int_eq(mp.layers[f7].replication, 1);
    int64_t T = mp.bottleneck_positions;
    for (int i = 0; i < m.n_layers; i++)
        if (m.layers[i].weights)
            ck_assert_int_le((mp.layers[i].positions + mp.layers[i].replication - 1) /
                                 mp.layers[i].replication, T);
    int64_t bal_ces = mp.ces_used;
    int rep1 = mp.layers[c1].replication;
    mapping_free(&mp);
    /* max: every chip of the system. */
    a.chip.chips = 2;
    compile_ok(&a, &m, REPLICATE_BALANCED, &mp);
    ck_assert_int_eq(mp.ces_used, bal_ces); /* still one chip's worth */
    mapping_free(&mp);
    compile_ok(&a, &m, REPLICATE_MAX, &mp);
    ck_assert_int_gt(mp.ces_used, 2016);
    ck_assert_int_le(mp.ces_used, 4032);
    ck_assert_int_gt(mp.layers[c1].replication, rep1);
    mapping_free(&mp);
    model_free(&m);
}
END_TEST

static void load_text(const char *y, model_t *m)
{
    imc_diag_t d;
    diag_init(&d);
    int rc = model_load_string("t.yaml", y, strlen(y), m, &d);
    ck_assert_msg(rc == 0, "%s", d.text ? d.text : "");
    diag_free(&d);
}

START_TEST(test_grouped_precision_lstm)
{
    arch_t a;
    get_isaac(&a);
    model_t m;
    mapping_t mp;
    load_text("input: {height: 16, width: 16, channels: 32}\nlayers:\n"
              "  - {name: dw, type: conv2d, out_channels: 32, kernel: 3, groups: 32}\n"
              "  - {name: g2, type: conv2d, out_channels: 256, kernel: 5, groups: 2,\n"
              "     padding: 2, inputs: input}\n"
              "  - {name: q8, type: linear, inputs: input, out_features: 100, weight_bits: 8}\n",
              &m);
    compile_ok(&a, &m, REPLICATE_NONE, &mp);
    /* Depthwise: 32 groups of 9 rows x 1 weight; 14 fit one crossbar
     * block-diagonally (128/9 = 14 row bands) -> 3 crossbars. */
    ck_assert_int_eq(mp.layers[0].groups_per_crossbar, 14);
    ck_assert_int_eq(mp.layers[0].crossbars, 3);
    /* Two groups of 5x5x16 = 400 rows x 128 outputs: 4 x 8 crossbars each. */
    ck_assert_int_eq(mp.layers[1].crossbars, 2 * 4 * 8);
    ck_assert_int_eq(mp.layers[1].rows, 400);
    /* 8-bit weights: 4 slices, 32 weights per row: 8192 rows -> 64 x 4. */
    ck_assert_int_eq(mp.layers[2].slices, 4);
    ck_assert_int_eq(mp.layers[2].weights_per_row, 32);
    ck_assert_int_eq(mp.layers[2].crossbars, 64 * 4);
    mapping_free(&mp);
    /* The differential scheme doubles the columns: 8 weights per row. */
    a.crossbar.signed_scheme = SIGNED_DIFFERENTIAL;
    compile_ok(&a, &m, REPLICATE_NONE, &mp);
    ck_assert_int_eq(mp.layers[2].slices, 8);
    ck_assert_int_eq(mp.layers[2].crossbars, 64 * 7); /* 100 outputs / 16 per row */
    mapping_free(&mp);
    model_free(&m);

    get_isaac(&a);
    get_model("lstm", &m);
    compile_ok(&a, &m, REPLICATE_BALANCED, &mp);
    /* [(1024 + 1024) x 4096] per layer: 16 row blocks x 256 column blocks. */
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(mp.layers[i].rows, 2048);
        ck_assert_int_eq(mp.layers[i].cols, 4096);
        ck_assert_int_eq(mp.layers[i].xbars_per_replica, 16 * 256);
        ck_assert_int_eq(mp.layers[i].positions, 50);
        ck_assert_int_eq(mp.layers[i].replication, 1); /* steps are serial */
    }
    ck_assert_int_eq(mp.bottleneck_positions, 50);
    mapping_free(&mp);
    model_free(&m);
}
END_TEST

static char *json_of(const arch_t *a, const model_t *m, replicate_policy_t p, size_t *len)
{
    mapping_t mp;
    compile_ok(a, m, p, &mp);
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    mapping_write_json(&mp, f);
    fclose(f);
    mapping_free(&mp);
    return buf;
}

START_TEST(test_determinism)
{
    arch_t a;
    get_isaac(&a);
    model_t m1, m2;
    get_model("resnet50", &m1);
    get_model("resnet50", &m2);
    size_t l1, l2;
    char *j1 = json_of(&a, &m1, REPLICATE_BALANCED, &l1);
    char *j2 = json_of(&a, &m2, REPLICATE_BALANCED, &l2);
    ck_assert_int_eq(l1, l2);
    ck_assert_int_eq(memcmp(j1, j2, l1), 0);
    ck_assert_ptr_nonnull(strstr(j1, "\"crossbars_used\": "));
    ck_assert_ptr_nonnull(strstr(j1, "\"cell_utilization\": "));
    ck_assert_ptr_nonnull(strstr(j1, "\"replication\": "));
    free(j1);
    free(j2);
    model_free(&m1);
    model_free(&m2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compile");
    TCase *tc = tcase_create("compile");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_vgg8_crossbars);
    tcase_add_test(tc, test_resnet18_crossbars);
    tcase_add_test(tc, test_zoo_on_presets);
    tcase_add_test(tc, test_vgg16_multichip);
    tcase_add_test(tc, test_replication);
    tcase_add_test(tc, test_grouped_precision_lstm);
    tcase_add_test(tc, test_determinism);
    suite_add_tcase(s, tc);
    return check_run(s);
}
