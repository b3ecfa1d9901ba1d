/* The trace generator on hand-built mappings: records derived by hand for
 * the small fixtures (fixtures.h), and invariants that must hold for any
 * mapping (MVM counts, sends = waits, monotonic waits, determinism). */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "invariants.h"
#include "tracegen.h"

static trace_layer_t *build(fx_t *f)
{
    trace_layer_t *l = NULL;
    imc_diag_t d;
    diag_init(&d);
    int rc = tracegen_build(&f->map, &l, &d);
    ck_assert_msg(rc == 0, "tracegen_build: %s", d.text ? d.text : "?");
    diag_free(&d);
    return l;
}

static const trace_stream_t *stream_of(const trace_layer_t *l, uint32_t tile)
{
    for (uint32_t s = 0; s < l->n_streams; s++)
        if (l->streams[s].tile == tile)
            return &l->streams[s];
    return NULL;
}

#define REC_EQ(r, OP, ARG, A, B, C)                                                      \
    do {                                                                                 \
        const trace_rec_t *r_ = (r);                                                     \
        ck_assert_msg(r_->op == (OP) && r_->arg == (ARG) && r_->a == (uint32_t)(A) &&    \
                          r_->b == (uint32_t)(B) && r_->c == (uint32_t)(C),              \
                      "got %s arg=%u a=%u b=%u c=%u, expected %s arg=%u a=%u b=%u c=%u", \
                      trace_op_name(r_->op), r_->arg, r_->a, r_->b, r_->c,               \
                      trace_op_name(OP), (unsigned)(ARG), (unsigned)(A), (unsigned)(B),  \
                      (unsigned)(C));                                                    \
    } while (0)

/* conv0, position 0 (replica 0: CE 1 on tile 0 holds row blocks 0,1; CE 2 on
 * tile 1 holds row block 2). Tile 0 holds 16 of the 18 rows, so it receives
 * ceil(2 * 16/18) = 2 input values per pixel; output (0,0) of a 3x3 pad-1
 * window needs input pixels up to (1,1): 1*6+1+1 = 8 pixels -> 16 values. */
START_TEST(conv_first_position_by_hand)
{
    fx_t f;
    fx_cnn(&f);
    trace_layer_t *l = build(&f);
    const trace_stream_t *t0 = stream_of(&l[0], 0), *t1 = stream_of(&l[0], 1);
    ck_assert_ptr_nonnull(t0);
    ck_assert_ptr_nonnull(t1);
    /* one stream per replica per tile: replica 0 on tiles 0, 1; replica 1 on 1, 2 */
    ck_assert_uint_eq(l[0].n_streams, 4);
    REC_EQ(&t0->recs[0], TR_WAIT, 0, TRACE_NETWORK_INPUT, 16, 0);
    REC_EQ(&t0->recs[1], TR_READ, 0, 16, 0, 0);                 /* 16 rows x 8 bits */
    REC_EQ(&t0->recs[2], TR_MVM, 8, 1, 2, 16 | 16 << 16);       /* 2 xbars x 8 cols */
    REC_EQ(&t0->recs[3], TR_ACCUM, 0, 1, 2 * 4, 1);             /* (3-1) blocks x 4; replica 0 */
    REC_EQ(&t0->recs[4], TR_ACT, ACT_RELU, 4, 0, 0);
    REC_EQ(&t0->recs[5], TR_WRITE, 0, 4, 0, 0);
    REC_EQ(&t0->recs[6], TR_SEND, 0, 2, 4, 1);                  /* to pool on tile 2 */
    /* position 1 (replica 0 computes output rows 0, 2, 4): output (0,1)
     * needs pixels up to (1,2). */
    REC_EQ(&t0->recs[7], TR_WAIT, 0, TRACE_NETWORK_INPUT, (1 * 6 + 2 + 1) * 2, 0);
    /* tile 1 works first for replica 0 (row block 2: 2 rows, 8 columns). */
    REC_EQ(&t1->recs[0], TR_WAIT, 0, TRACE_NETWORK_INPUT, 16, 0);
    REC_EQ(&t1->recs[1], TR_READ, 0, 2, 0, 0);
    REC_EQ(&t1->recs[2], TR_MVM, 8, 2, 1, 2 | 8 << 16);
    REC_EQ(&t1->recs[3], TR_PSUM_SEND, 0, 0, 4 * TRACEGEN_PSUM_BYTES, 1);
    /* Tile 2 holds only replica 1 (output rows 1, 3, 5), so it receives input
     * rows 0..5 (windows 0-2, 2-4, 4-5), ceil(2 * 2/18) = 1 value per pixel.
     * Its first position, output (1,0), needs up to pixel (2,1): rows 0, 1
     * and 2 pixels of row 2 = 14. */
    const trace_stream_t *t2 = stream_of(&l[0], 2);
    ck_assert_ptr_nonnull(t2);
    REC_EQ(&t2->recs[0], TR_WAIT, 0, TRACE_NETWORK_INPUT, 2 * 6 + 2, 0);
    uint32_t last = 0;
    for (uint32_t i = 0; i < t2->n_recs; i++)
        last = t2->recs[i].op == TR_WAIT ? i : last;
    REC_EQ(&t2->recs[last], TR_WAIT, 0, TRACE_NETWORK_INPUT, 6 * 6, 0); /* all 6 rows */
    trace_layers_free(l, f.model.n_layers);
}
END_TEST

/* pool sends to conv1's two tiles in proportion to the rows they hold
 * (16 and 20 of 36: ceil(4*16/36) = 2, ceil(4*20/36) = 3) and to add. */
START_TEST(sends_scaled_by_row_share)
{
    fx_t f;
    fx_cnn(&f);
    trace_layer_t *l = build(&f);
    const trace_stream_t *s = stream_of(&l[1], 2);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(l[1].n_streams, 1);
    /* pool output (0,0), 2x2 stride 2: input pixels up to (1,1) = 8 pixels x 4. */
    REC_EQ(&s->recs[0], TR_WAIT, 0, 0, 32, 0);
    REC_EQ(&s->recs[1], TR_READ, 0, 16, 0, 0);
    REC_EQ(&s->recs[2], TR_POOL, 0, 4, 4, 0);
    REC_EQ(&s->recs[3], TR_WRITE, 0, 4, 0, 0);
    REC_EQ(&s->recs[4], TR_SEND, 0, 2, 2, 2);
    REC_EQ(&s->recs[5], TR_SEND, 0, 3, 3, 2);
    REC_EQ(&s->recs[6], TR_SEND, 0, 3, 4, 3);
    trace_layers_free(l, f.model.n_layers);
}
END_TEST

/* fc: linear 32 -> 8 from the network input: rows 32 (4 blocks of 8), 8
 * outputs x 2 slices = 16 physical columns (2 blocks of 4 outputs); 8 crossbars
 * on CEs 0-3 = tiles 0 (home) and 1. Column-major, each tile would hold one
 * column block: both read all 32 inputs (2 x 32 x 8 = 512 bits) and tile 1
 * sends 4 partial sums (128 bits): 640. Row-major, each tile holds two row
 * blocks of both column blocks: 16 inputs each (256 bits), tile 1 sends 8
 * partial sums (256 bits): 512, so the generator lays it row-major. */
START_TEST(crossbar_order_moves_fewer_bits)
{
    fx_t f;
    memset(&f, 0, sizeof f);
    fx_arch(&f.arch);
    strcpy(f.model.name, "fxorder");
    f.model.in_h = 1, f.model.in_w = 1, f.model.in_c = 32;
    f.model.hash = 0x1234123412341234ull;
    layer_t *L = fx_layer(&f, "fc", LAYER_LINEAR, LAYER_INPUT_NETWORK, -2);
    fx_shape(L, 1, 1, 32, 1, 1, 8);
    fx_weights(&f.maps[0], 32, 8, 4, 2, 4, 1, 0, 1);
    fx_finish(&f);
    trace_layer_t *l = build(&f);
    const trace_stream_t *t0 = stream_of(&l[0], 0), *t1 = stream_of(&l[0], 1);
    ck_assert_ptr_nonnull(t0);
    ck_assert_ptr_nonnull(t1);
    REC_EQ(&t1->recs[0], TR_WAIT, 0, TRACE_NETWORK_INPUT, 16, 0); /* half the inputs */
    REC_EQ(&t1->recs[1], TR_READ, 0, 16, 0, 0);                   /* 16 rows x 8 bits */
    REC_EQ(&t1->recs[2], TR_MVM, 8, 2, 2, 16 | 16 << 16); /* CE 2: rb 2 of cb 0, 1 (2 x 8 cols) */
    REC_EQ(&t1->recs[3], TR_MVM, 8, 3, 2, 16 | 16 << 16); /* CE 3: rb 3 */
    REC_EQ(&t1->recs[4], TR_PSUM_SEND, 0, 0, 8 * 4, 1);           /* 8 sums of 4 bytes */
    REC_EQ(&t0->recs[0], TR_WAIT, 0, TRACE_NETWORK_INPUT, 16, 0);
    REC_EQ(&t0->recs[1], TR_READ, 0, 16, 0, 0);
    trace_layers_free(l, f.model.n_layers);
}
END_TEST

START_TEST(mvm_count_is_positions_times_ces)
{
    fx_t f;
    fx_cnn(&f);
    trace_layer_t *l = build(&f);
    ck_assert_int_eq(count_op(&l[0], TR_MVM), 36 * 2);
    ck_assert_int_eq(count_op(&l[2], TR_MVM), 9 * 3);
    ck_assert_int_eq(count_op(&l[5], TR_MVM), 1 * 1);
    ck_assert_int_eq(count_op(&l[1], TR_MVM), 0);
    trace_layers_free(l, f.model.n_layers);
    fx_lstm(&f);
    l = build(&f);
    ck_assert_int_eq(count_op(&l[0], TR_MVM), 5 * 2);
    trace_layers_free(l, f.model.n_layers);
}
END_TEST

START_TEST(invariants_cnn_and_lstm)
{
    fx_t f;
    char msg[512];
    fx_cnn(&f);
    trace_layer_t *l = build(&f);
    ck_assert_msg(!check_invariants(&f.map, l, msg, sizeof msg), "%s", msg);
    ck_assert_msg(!check_executable(&f.map, l, msg, sizeof msg), "%s", msg);
    trace_layers_free(l, f.model.n_layers);
    fx_lstm(&f);
    l = build(&f);
    ck_assert_msg(!check_invariants(&f.map, l, msg, sizeof msg), "%s", msg);
    ck_assert_msg(!check_executable(&f.map, l, msg, sizeof msg), "%s", msg);
    trace_layers_free(l, f.model.n_layers);
}
END_TEST

/* conv1 (fx_band) has 4 replicas on tiles 1..4; output rows are dealt to
 * them in turn, so replica r computes rows r and r+4 (16 positions) and reads
 * input rows r-1..r+1 and r+3..r+5 (clipped to 0..7): tiles 1..4 receive
 * 5, 6, 6, 5 rows of conv0's 8x8 output, all 18 weight rows so 2 values per
 * pixel: 80, 96, 96, 80 values, each less than conv0's 128, and each equal to
 * what that tile waits for in total. */
START_TEST(banded_replicas_receive_their_rows)
{
    fx_t f;
    char msg[512];
    fx_band(&f);
    trace_layer_t *l = build(&f);
    ck_assert_msg(!check_invariants(&f.map, l, msg, sizeof msg), "%s", msg);
    ck_assert_msg(!check_executable(&f.map, l, msg, sizeof msg), "%s", msg);
    const int64_t expect[4] = {5 * 8 * 2, 6 * 8 * 2, 6 * 8 * 2, 5 * 8 * 2};
    ck_assert_uint_eq(l[1].n_streams, 4);
    int64_t full = 8 * 8 * 2;
    for (uint32_t t = 1; t <= 4; t++) {
        int64_t sent = 0, waited = 0;
        for (uint32_t i = 0; i < l[0].streams[0].n_recs; i++) {
            const trace_rec_t *r = &l[0].streams[0].recs[i];
            if (r->op == TR_SEND && r->c == 1 && r->a == t)
                sent += r->b;
        }
        const trace_stream_t *s = stream_of(&l[1], t);
        ck_assert_ptr_nonnull(s);
        int mvms = 0;
        for (uint32_t i = 0; i < s->n_recs; i++) {
            if (s->recs[i].op == TR_WAIT && s->recs[i].a == 0)
                waited = s->recs[i].b;
            mvms += s->recs[i].op == TR_MVM;
        }
        ck_assert_int_eq(sent, expect[t - 1]);
        ck_assert_int_eq(waited, sent);
        ck_assert_int_lt(sent, full);
        ck_assert_int_eq(mvms, 16 * 2); /* 16 positions x 2 CEs */
    }
    /* Tile 2 (replica 1, output rows 1 and 5) receives rows 0-2 and 4-6;
     * output (1,0) needs up to pixel (2,1): rows 0, 1 and 2 pixels of row 2
     * = 18 pixels. */
    REC_EQ(&stream_of(&l[1], 2)->recs[0], TR_WAIT, 0, 0, 18 * 2, 0);
    trace_layers_free(l, f.model.n_layers);
}
END_TEST

/* The untimed executor catches a trace that waits for what is never sent. */
START_TEST(executor_detects_deadlock)
{
    fx_t f;
    char msg[512];
    fx_cnn(&f);
    trace_layer_t *l = build(&f);
    trace_stream_t *st = &l[1].streams[0]; /* pool on tile 2 */
    for (uint32_t i = 0; i < st->n_recs; i++)
        if (st->recs[i].op == TR_SEND && st->recs[i].c == 3) {
            st->recs[i].b = 0; /* add on tile 3 never gets this position */
            break;
        }
    ck_assert(check_executable(&f.map, l, msg, sizeof msg));
    ck_assert_msg(!strncmp(msg, "deadlock: layer add tile 3 blocked at record", 44), "%s", msg);
    trace_layers_free(l, f.model.n_layers);
}
END_TEST

/* LSTM step t waits for t outputs of its own (4 values each); it sends each
 * step but the last back to itself, and only the last step to fc. */
START_TEST(lstm_recurrence)
{
    fx_t f;
    fx_lstm(&f);
    trace_layer_t *l = build(&f);
    const trace_stream_t *s = stream_of(&l[0], 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(l[0].n_streams, 1);
    REC_EQ(&s->recs[0], TR_WAIT, 0, TRACE_NETWORK_INPUT, 20, 0);
    REC_EQ(&s->recs[1], TR_READ, 0, 8, 0, 0);
    REC_EQ(&s->recs[2], TR_MVM, 8, 2, 2, 16 | 16 << 16);
    REC_EQ(&s->recs[3], TR_MVM, 8, 3, 2, 16 | 16 << 16);
    REC_EQ(&s->recs[4], TR_ACT, ACT_SIGMOID, 12, 0, 0);
    REC_EQ(&s->recs[5], TR_ACT, ACT_TANH, 8, 0, 0);
    REC_EQ(&s->recs[6], TR_ADD, 0, 16, 0, 0);
    REC_EQ(&s->recs[7], TR_WRITE, 0, 4, 0, 0);
    REC_EQ(&s->recs[8], TR_SEND, 0, 1, 4, 0);
    REC_EQ(&s->recs[9], TR_WAIT, 0, 0, 4, 0);
    int self_sends = 0, fc_sends = 0;
    for (uint32_t i = 0; i < s->n_recs; i++) {
        self_sends += s->recs[i].op == TR_SEND && s->recs[i].c == 0;
        fc_sends += s->recs[i].op == TR_SEND && s->recs[i].c == 1;
    }
    ck_assert_int_eq(self_sends, 4);
    /* fc sees only the last hidden state: one send, after the last step */
    ck_assert_int_eq(fc_sends, 1);
    REC_EQ(&s->recs[s->n_recs - 1], TR_SEND, 0, 2, 4, 1);
    const trace_stream_t *fc = stream_of(&l[1], 2);
    REC_EQ(&fc->recs[0], TR_WAIT, 0, 0, 4, 0);
    trace_layers_free(l, f.model.n_layers);
}
END_TEST

START_TEST(deterministic_bytes)
{
    fx_t f;
    fx_cnn(&f);
    trace_layer_t *a = build(&f), *b = build(&f);
    for (int i = 0; i < f.model.n_layers; i++) {
        uint8_t *ba, *bb;
        size_t na, nb;
        ck_assert_int_eq(trace_encode(&a[i], &ba, &na), 0);
        ck_assert_int_eq(trace_encode(&b[i], &bb, &nb), 0);
        ck_assert_uint_eq(na, nb);
        ck_assert_int_eq(memcmp(ba, bb, na), 0);
        free(ba);
        free(bb);
    }
    trace_layers_free(a, f.model.n_layers);
    trace_layers_free(b, f.model.n_layers);
}
END_TEST

START_TEST(bad_mapping_is_error)
{
    fx_t f;
    fx_cnn(&f);
    f.maps[2].first_ce = 10; /* 3 CEs from 10 in a 12-CE system */
    trace_layer_t *l = (trace_layer_t *)1;
    imc_diag_t d;
    diag_init(&d);
    ck_assert_int_eq(tracegen_build(&f.map, &l, &d), -1);
    ck_assert_ptr_null(l);
    ck_assert_str_eq(d.text, "error: layer 'conv1': CEs 10..12 out of range (system has 12 CEs)\n");
    diag_clear(&d);
    fx_cnn(&f);
    f.maps[3].home_tile = 6;
    ck_assert_int_eq(tracegen_build(&f.map, &l, &d), -1);
    ck_assert_str_eq(d.text, "error: layer 'add': home tile 6 out of range (system has 6 tiles)\n");
    diag_free(&d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tracegen");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, conv_first_position_by_hand);
    tcase_add_test(tc, sends_scaled_by_row_share);
    tcase_add_test(tc, mvm_count_is_positions_times_ces);
    tcase_add_test(tc, crossbar_order_moves_fewer_bits);
    tcase_add_test(tc, invariants_cnn_and_lstm);
    tcase_add_test(tc, banded_replicas_receive_their_rows);
    tcase_add_test(tc, lstm_recurrence);
    tcase_add_test(tc, executor_detects_deadlock);
    tcase_add_test(tc, deterministic_bytes);
    tcase_add_test(tc, bad_mapping_is_error);
    suite_add_tcase(s, tc);
    return check_run(s);
}
