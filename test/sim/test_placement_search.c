/* chip.placement: search (sim/placement_search.c) against a brute force: the
 * estimate's busiest port for every band height, the first lowest kept in
 * the documented order (the given height, then 0 to grid_y). */
#include <stdlib.h>
#include <string.h>

#include "arch_load.h"
#include "check_run.h"
#include "compile.h"
#include "estimate.h"
#include "model.h"
#include "placement_search.h"
#include "tracegen.h"

typedef struct job {
    arch_t a;
    model_t md;
    mapping_t m;
    trace_layer_t *layers;
} job_t;

static void job_open(job_t *j, const char *model, const char *placement)
{
    imc_diag_t d;
    diag_init(&d);
    const char *sets[] = {placement};
    ck_assert_int_eq(arch_load("isaac", sets, 1, &j->a, &d), 0);
    ck_assert_int_eq(model_load(model, &j->md, &d), 0);
    ck_assert_int_eq(compile_model(&j->a, &j->md, REPLICATE_BALANCED, &j->m, &d), 0);
    ck_assert_int_eq(tracegen_build(&j->m, &j->layers, &d), 0);
    diag_free(&d);
}

static void job_close(job_t *j)
{
    trace_layers_free(j->layers, j->md.n_layers);
    mapping_free(&j->m);
    model_free(&j->md);
}

/* The estimate's busiest port with bands of b rows. */
static uint64_t busiest(const job_t *j, int b)
{
    arch_t a = j->a;
    a.chip.band_rows = b;
    mapping_t m = j->m;
    m.arch = &a;
    estimate_t e;
    memset(&e, 0, sizeof e);
    imc_diag_t d;
    diag_init(&d);
    ck_assert_int_eq(estimate_noc(&m, j->layers, &e, &d), 0);
    diag_free(&d);
    ck_assert(e.noc_bounded);
    return e.noc_port_flits;
}

START_TEST(fixed_changes_nothing)
{
    job_t j;
    job_open(&j, "vgg8", "chip.placement=fixed");
    imc_diag_t d;
    diag_init(&d);
    ck_assert_int_eq(placement_search(&j.a, &j.m, j.layers, &d), 0);
    ck_assert_int_eq(j.a.chip.band_rows, 3); /* the preset's */
    ck_assert_int_eq(d.errors + d.warnings, 0);
    ck_assert(!d.text || !strstr(d.text, "note"));
    diag_free(&d);
    job_close(&j);
}
END_TEST

/* VGG-8 and LeNet-5 on isaac (7 x 6 routers): every height's load by hand of
 * the estimate, the search's pick the first least of them. VGG-8's is bands
 * of 4: 38,024 flits through its busiest port against 49,160 with 3
 * (imcsim estimate, 2026-12-06). */
static void check_search(const char *model, int given)
{
    job_t j;
    char set[48];
    job_open(&j, model, "chip.placement=search");
    j.a.chip.band_rows = given;
    const int ky = j.a.chip.grid_y;
    int want = given < ky ? given : ky;
    uint64_t least = busiest(&j, want);
    for (int b = 0; b <= ky; b++) {
        uint64_t f = busiest(&j, b);
        if (f < least) {
            least = f;
            want = b;
        }
    }
    imc_diag_t d;
    diag_init(&d);
    ck_assert_int_eq(placement_search(&j.a, &j.m, j.layers, &d), 0);
    ck_assert_int_eq(j.a.chip.band_rows, want);
    ck_assert_uint_eq(busiest(&j, j.a.chip.band_rows), least);
    snprintf(set, sizeof set, "chip.band_rows = %d", want);
    ck_assert_ptr_nonnull(strstr(d.text, set));
    ck_assert_ptr_nonnull(strstr(d.text, "note: chip.placement = search"));
    if (!strcmp(model, "vgg8") && given == 3) {
        ck_assert_int_eq(want, 4);
        ck_assert_uint_eq(least, 38024);
        ck_assert_uint_eq(busiest(&j, 3), 49160);
    }
    diag_free(&d);
    job_close(&j);
}

START_TEST(search_keeps_the_least_loaded)
{
    check_search("vgg8", 3);
    check_search("vgg8", 0);
    check_search("vgg8", 100); /* more rows than the grid: one band */
    check_search("lenet5", 3);
}
END_TEST

/* The search builds the traces once: they name tiles, not where the tiles
 * sit, so every band height gives the same records. */
START_TEST(traces_do_not_depend_on_placement)
{
    job_t j0, j3;
    job_open(&j0, "vgg8", "chip.band_rows=0");
    job_open(&j3, "vgg8", "chip.band_rows=3");
    for (int l = 0; l < j0.md.n_layers; l++) {
        const trace_layer_t *x = &j0.layers[l], *y = &j3.layers[l];
        ck_assert_uint_eq(x->n_streams, y->n_streams);
        for (uint32_t s = 0; s < x->n_streams; s++) {
            ck_assert_uint_eq(x->streams[s].tile, y->streams[s].tile);
            ck_assert_uint_eq(x->streams[s].n_recs, y->streams[s].n_recs);
            ck_assert_int_eq(memcmp(x->streams[s].recs, y->streams[s].recs,
                                    x->streams[s].n_recs * sizeof(trace_rec_t)), 0);
        }
    }
    job_close(&j0);
    job_close(&j3);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {fixed_changes_nothing, search_keeps_the_least_loaded,
                            traces_do_not_depend_on_placement};
    return check_run(check_suite("placement_search", tests, 3));
}
