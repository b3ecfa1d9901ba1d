/* The host's input rows (sim/input_rows.h) against a brute-force count,
 * column by column: every dest gets exactly its row's values, no dest twice
 * in a message, and each column crosses the gateway once per share of the
 * channels (hull dests, whole pixels), where one message per dest sent it
 * once per dest; and the consumers as input_dests reads them off traces,
 * with its exact error for a total that is not whole pixels. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "input_rows.h"

#include <check.h>

#include "check_run.h"

enum { W = 40, K = 12 };

typedef struct got {
    uint64_t per_dest[K];
    uint64_t sent;  /* sum of message sizes */
    int messages;
    int twice;      /* a dest twice in one message */
} got_t;

static void tally(void *ctx, const input_part_t *parts, int n, uint64_t values)
{
    got_t *g = ctx;
    g->messages++;
    g->sent += values;
    for (int i = 0; i < n; i++) {
        g->per_dest[parts[i].dest] += parts[i].values;
        for (int j = 0; j < i; j++)
            g->twice |= parts[j].dest == parts[i].dest;
    }
}

START_TEST(hulls_cross_once_per_share)
{
    srand(7);
    for (int trial = 0; trial < 2000; trial++) {
        input_dest_t d[K];
        int idx[K];
        uint64_t v[K];
        int k = 1 + rand() % K;
        for (int i = 0; i < k; i++) {
            int64_t x0 = rand() % W, x1 = x0 + rand() % (W - x0);
            uint64_t s = 1 + (uint64_t)(rand() % 3); /* values per pixel */
            d[i] = (input_dest_t){0, (uint32_t)i, 0, x0, x1};
            idx[i] = i;
            v[i] = s * (uint64_t)(x1 - x0 + 1);
        }
        got_t g;
        memset(&g, 0, sizeof g);
        ck_assert_int_eq(input_row_messages(d, idx, v, k, tally, &g), 0);
        /* brute force: per share s, the columns some dest of that share takes */
        uint64_t once = 0;
        for (uint64_t s = 1; s <= 3; s++)
            for (int64_t x = 0; x < W; x++) {
                int taken = 0;
                for (int i = 0; i < k; i++)
                    taken |= v[i] == s * (uint64_t)(d[i].x1 - d[i].x0 + 1) && d[i].x0 <= x &&
                             x <= d[i].x1;
                once += taken ? s : 0;
            }
        for (int i = 0; i < k; i++)
            ck_assert_uint_eq(g.per_dest[i], v[i]);
        ck_assert_int_eq(g.twice, 0);
        ck_assert_uint_eq(g.sent, once);
    }
}
END_TEST

/* Whole rows of unequal values (a linear layer's tiles, each its share of
 * the channels): values that do not split into whole pixels still add up
 * exactly, and dests of different shares get their own messages. */
START_TEST(whole_rows_by_share)
{
    input_dest_t d[4] = {{0, 0, 0, 0, W - 1}, {0, 1, 0, 0, W - 1}, {0, 2, 0, 0, W - 1},
                         {1, 2, 0, 5, 9}};
    int idx[4] = {0, 1, 2, 3};
    uint64_t v[4] = {77, 77, 50, 10}; /* 77 and 50 values over 40 columns */
    got_t g;
    memset(&g, 0, sizeof g);
    ck_assert_int_eq(input_row_messages(d, idx, v, 4, tally, &g), 0);
    ck_assert_uint_eq(g.per_dest[0], 77);
    ck_assert_uint_eq(g.per_dest[1], 77);
    ck_assert_uint_eq(g.per_dest[2], 50);
    ck_assert_uint_eq(g.per_dest[3], 10);
    /* cuts at 5 and 10: three segments, each one message for the two 77s
     * and one for the 50 (dest 3 takes 2 per pixel, as no other does) */
    ck_assert_int_eq(g.messages, 7);
    ck_assert_uint_eq(g.sent, 77 + 50 + 10);
}
END_TEST

/* The consumers read off traces: LeNet-5's conv1 (5x5 windows, no padding,
 * on a 32x32x1 input) on tile 3 computing output (0,0) and (0,2) reads
 * input columns 0..6, 7 of them over 32 rows; a total that is not whole
 * pixels of them is refused with the numbers, not sent as something else. */
static int dests_of(uint32_t wait, input_dest_t **d, size_t *n, char *err, size_t errlen,
                    int *bad)
{
    model_t md;
    imc_diag_t diag;
    diag_init(&diag);
    ck_assert_int_eq(model_load("lenet5", &md, &diag), 0);
    diag_free(&diag);
    trace_rec_t recs[] = {{TR_POS, 0, 0, 0, 0, 0}, {TR_WAIT, 0, 0, TRACE_NETWORK_INPUT, wait, 0},
                          {TR_POS, 0, 0, 2, 0, 0}};
    trace_stream_t ts = {3, 3, recs};
    trace_layer_t *layers = calloc((size_t)md.n_layers, sizeof *layers);
    layers[0].n_streams = 1;
    layers[0].streams = &ts;
    int rc = input_dests(&md, layers, d, n, err, errlen, bad);
    free(layers);
    model_free(&md);
    return rc;
}

START_TEST(dests_from_traces)
{
    input_dest_t *d;
    size_t n;
    char err[256] = "";
    int bad = 7;
    ck_assert_int_eq(dests_of(7 * 32, &d, &n, err, sizeof err, &bad), 0);
    ck_assert_int_eq(bad, 7); /* untouched on success */
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(d[0].layer, 0);
    ck_assert_uint_eq(d[0].tile, 3);
    ck_assert_int_eq(d[0].x0, 0);
    ck_assert_int_eq(d[0].x1, 6);
    ck_assert_uint_eq(d[0].total, 7 * 32);
    free(d);
    ck_assert_int_eq(dests_of(7 * 32 + 1, &d, &n, err, sizeof err, &bad), -1);
    ck_assert_int_eq(bad, 0); /* the layer whose traces are refused */
    ck_assert_str_eq(err, "layer 0 on tile 3 waits for 225 input values, not whole pixels of the "
                          "7 columns its windows read over 32 rows");
    ck_assert_ptr_null(d);
    ck_assert_uint_eq(n, 0);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {hulls_cross_once_per_share, whole_rows_by_share, dests_from_traces};
    return check_run(check_suite("input_rows", tests, 3));
}
