/* Every zoo model compiled on the ISAAC-like and PUMA-like presets: the
 * generated traces satisfy the invariants of invariants.h, run to completion
 * on the untimed executor (no deadlock), round-trip through
 * the file format unchanged, and are byte-identical when generated twice.
 * Models larger than one chip get the chips they need (VGG-16 needs five). */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_load.h"
#include "compile.h"
#include "invariants.h"
#include "model.h"
#include "tracegen.h"

static int compile_fit(const char *preset, const char *name, arch_t *a, model_t *m,
                       mapping_t *mp)
{
    imc_diag_t d;
    diag_init(&d);
    ck_assert_msg(model_load(name, m, &d) == 0, "%s", d.text);
    int rc = -1;
    for (int chips = 1; chips <= 8 && rc; chips++) {
        char set[32];
        const char *sets[] = {set};
        snprintf(set, sizeof set, "chip.chips=%d", chips);
        diag_clear(&d);
        ck_assert_msg(arch_load(preset, sets, 1, a, &d) == 0, "%s", d.text);
        rc = compile_model(a, m, REPLICATE_BALANCED, mp, &d);
    }
    ck_assert_msg(rc == 0, "%s on %s: %s", name, preset, d.text);
    diag_free(&d);
    return a->chip.chips;
}

static void check_model(const char *preset, const char *name, int full)
{
    arch_t a;
    model_t m;
    mapping_t mp;
    char msg[512];
    compile_fit(preset, name, &a, &m, &mp);
    trace_layer_t *l, *l2 = NULL;
    imc_diag_t d;
    diag_init(&d);
    ck_assert_msg(tracegen_build(&mp, &l, &d) == 0, "%s: %s", name, d.text);
    ck_assert_msg(!check_invariants(&mp, l, msg, sizeof msg), "%s on %s: %s", name, preset, msg);
    ck_assert_msg(!check_executable(&mp, l, msg, sizeof msg), "%s on %s: %s", name, preset, msg);
    if (full)
        ck_assert_int_eq(tracegen_build(&mp, &l2, &d), 0);
    trace_read_opts_t o = {1, a.hash, 1, m.hash, 0};
    int64_t records = 0, bytes = 0;
    for (int i = 0; i < m.n_layers; i++) {
        uint8_t *b, *b2;
        size_t n, n2;
        ck_assert_int_eq(trace_encode(&l[i], &b, &n), 0);
        bytes += (int64_t)n;
        for (uint32_t s = 0; s < l[i].n_streams; s++)
            records += l[i].streams[s].n_recs;
        if (full) {
            ck_assert_int_eq(trace_encode(&l2[i], &b2, &n2), 0);
            ck_assert_msg(n == n2 && !memcmp(b, b2, n), "%s layer %d not deterministic", name, i);
            free(b2);
            trace_layer_t got;
            ck_assert_msg(trace_read_mem(name, b, n, &o, &got, &d) == 0, "%s", d.text);
            ck_assert_uint_eq(got.n_streams, l[i].n_streams);
            for (uint32_t s = 0; s < got.n_streams; s++) {
                ck_assert_uint_eq(got.streams[s].tile, l[i].streams[s].tile);
                ck_assert_uint_eq(got.streams[s].n_recs, l[i].streams[s].n_recs);
                ck_assert(!memcmp(got.streams[s].recs, l[i].streams[s].recs,
                                  got.streams[s].n_recs * sizeof(trace_rec_t)));
            }
            trace_layer_free(&got);
        }
        free(b);
    }
    printf("%s on %s (%d chip(s)): %d layers, %lld records, %lld bytes\n", name, preset,
           a.chip.chips, m.n_layers, (long long)records, (long long)bytes);
    trace_layers_free(l, m.n_layers);
    trace_layers_free(l2, m.n_layers);
    mapping_free(&mp);
    model_free(&m);
    diag_free(&d);
}

START_TEST(zoo_on_isaac)
{
    int n;
    const char *const *names = model_zoo_names(&n);
    check_model("isaac", names[_i], 1);
}
END_TEST

START_TEST(zoo_on_puma)
{
    int n;
    const char *const *names = model_zoo_names(&n);
    check_model("puma", names[_i], 0);
}
END_TEST

/* The record counts that follow from the shapes alone, for ResNet-18 on
 * ISAAC: conv1 is 112x112 positions on 1 CE per replica (147 rows x 64
 * columns x 8 slices = 2 x 4 crossbars), fc is one position on 32 CEs
 * (512 x 1000: 4 row blocks x 63 column blocks of 16 weights = 252 crossbars).
 * Every weight layer deals its positions as the compiler planned: no replica
 * stream has more than ceil(positions / replication), every position is
 * computed; with multicast, each output of l1b0_conv1 leaves in one message
 * for the tiles of l1b0_conv2 whose windows read it. */
START_TEST(resnet18_mvms)
{
    arch_t a;
    model_t m;
    mapping_t mp;
    compile_fit("isaac", "resnet18", &a, &m, &mp);
    trace_layer_t *l;
    imc_diag_t d;
    diag_init(&d);
    ck_assert_int_eq(tracegen_build(&mp, &l, &d), 0);
    int conv1 = model_find(&m, "conv1"), fc = model_find(&m, "fc");
    ck_assert_int_eq(count_op(&l[conv1], TR_MVM), 112 * 112 * 1);
    ck_assert_int_eq(count_op(&l[fc], TR_MVM), 1 * 32);
    /* every MVM of conv1 drives 2 row blocks (128 + 19 rows) of one column
     * block per crossbar pair: 8 crossbars, 4 x (128 + 19) rows */
    const trace_rec_t *r = NULL;
    for (uint32_t i = 0; !r && i < l[conv1].streams[0].n_recs; i++)
        if (l[conv1].streams[0].recs[i].op == TR_MVM)
            r = &l[conv1].streams[0].recs[i];
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->b, 8);
    ck_assert_uint_eq(r->c & 0xFFFF, 4 * (128 + 19));
    ck_assert_uint_eq(r->c >> 16, 8 * 128);
    for (int i = 0; i < m.n_layers; i++) {
        const layer_map_t *lm = &mp.layers[i];
        if (!lm->crossbars)
            continue;
        int64_t most = (lm->positions + lm->replication - 1) / lm->replication;
        char *seen = calloc((size_t)lm->positions, 1);
        for (uint32_t s = 0; s < l[i].n_streams; s++) {
            int64_t pos = 0;
            for (uint32_t k = 0; k < l[i].streams[s].n_recs; k++)
                if (l[i].streams[s].recs[k].op == TR_POS) {
                    pos++;
                    seen[l[i].streams[s].recs[k].a] = 1;
                }
            ck_assert_msg(pos <= most, "%s: a stream computes %lld positions, more than "
                          "ceil(%lld / %d)", m.layers[i].name, (long long)pos,
                          (long long)lm->positions, lm->replication);
        }
        for (int64_t p = 0; p < lm->positions; p++)
            ck_assert_msg(seen[p], "%s: position %lld never computed", m.layers[i].name,
                          (long long)p);
        free(seen);
    }
    int c1 = model_find(&m, "l1b0_conv1"), c2 = model_find(&m, "l1b0_conv2");
    uint32_t tiles2 = 0, prev = UINT32_MAX;
    for (uint32_t s = 0; s < l[c2].n_streams; s++)
        if (l[c2].streams[s].tile != prev) {
            tiles2++;
            prev = l[c2].streams[s].tile;
        }
    ck_assert_uint_gt(tiles2, 4);
    int64_t msgs = 0, copies = 0;
    for (uint32_t s = 0; s < l[c1].n_streams; s++)
        for (uint32_t k = 0; k < l[c1].streams[s].n_recs; k++) {
            const trace_rec_t *q = &l[c1].streams[s].recs[k];
            if (q->op == TR_SEND && q->c == (uint32_t)c2) {
                copies++;
                msgs += !(q->arg & TRACE_SEND_MORE);
            }
        }
    /* one message per pixel (the tiles that read it hold every row), to
     * fewer tiles than all of l1b0_conv2's: only those whose replicas'
     * windows read it */
    ck_assert_int_eq(msgs, 56 * 56);
    ck_assert_int_gt(copies, 56 * 56);
    ck_assert_int_lt(copies, 56 * 56 * (int64_t)tiles2 / 2);
    trace_layers_free(l, m.n_layers);
    mapping_free(&mp);
    model_free(&m);
    diag_free(&d);
}
END_TEST

/* LeNet-5 on ISAAC: conv1 (28x28 outputs) has 784 replicas of one CE, 12 per
 * tile from CE 0; it feeds only a 2x2/2 pool, so its positions are dealt
 * window by window to consecutive replicas: each window's 4 pixels are on one
 * tile, and the pool runs there (every conv1 value it uses is local). */
START_TEST(pool_windows_stay_in_their_tile)
{
    arch_t a;
    model_t m;
    mapping_t mp;
    compile_fit("isaac", "lenet5", &a, &m, &mp);
    trace_layer_t *l;
    imc_diag_t d;
    diag_init(&d);
    ck_assert_int_eq(tracegen_build(&mp, &l, &d), 0);
    int conv1 = model_find(&m, "conv1"), pool1 = model_find(&m, "pool1");
    ck_assert_int_eq(mp.layers[conv1].replication, 784);
    int64_t sends = 0;
    for (uint32_t s = 0; s < l[conv1].n_streams; s++)
        for (uint32_t k = 0; k < l[conv1].streams[s].n_recs; k++) {
            const trace_rec_t *q = &l[conv1].streams[s].recs[k];
            if (q->op == TR_SEND && q->c == (uint32_t)pool1) {
                ck_assert_uint_eq(q->a, l[conv1].streams[s].tile);
                sends++;
            }
        }
    ck_assert_int_eq(sends, 28 * 28);
    trace_layers_free(l, m.n_layers);
    mapping_free(&mp);
    model_free(&m);
    diag_free(&d);
}
END_TEST

int main(void)
{
    int n;
    model_zoo_names(&n);
    Suite *s = suite_create("zoo_traces");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, zoo_on_isaac, 0, n);
    tcase_add_loop_test(tc, zoo_on_puma, 0, n);
    tcase_add_test(tc, resnet18_mvms);
    tcase_add_test(tc, pool_windows_stay_in_their_tile);
    suite_add_tcase(s, tc);
    return check_run(s);
}
