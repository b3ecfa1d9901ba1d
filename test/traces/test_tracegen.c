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

/* conv0 feeds only the 2x2/2 max-pool, so its 36 positions are produced
 * window by window (ranks 0-3 the pixels (0,0),(0,1),(1,0),(1,1) of window
 * (0,0), ranks 4-7 window (0,1), ...) and dealt in whole windows: in
 * vertical strips of windows (column-major over the 3x3 windows), one chunk
 * per home tile of 18 positions. Replica 0 (home tile 0: CE 1 holds row
 * blocks 0, 1; CE 2 on tile 1 row block 2) takes windows (0,0), (1,0),
 * (2,0), (0,1) and ranks 16, 17 of window (1,1); replica 1 (home tile 1: CE
 * 3; CE 4 on tile 2 row block 2) the rest, from window (0,2) (rank 8, pixel
 * (0,4)) on. Each replica computes its positions in rank order. Tile 0 holds
 * 16 of the 18 rows, so it receives ceil(2 * 16/18) = 2 input values per
 * pixel. The host streams the input row by row, each tile the columns its
 * windows read: replica 0 computes output columns 0-3, so input columns 0-4
 * (3x3, pad 1); replica 1 columns 2-5, so input 1-5; tile 1 holds both: 0-5.
 * Output (0,0) needs input rows 0-1: 2 rows x 5 columns x 2 values = 20. */
START_TEST(conv_first_position_by_hand)
{
    fx_t f;
    fx_cnn(&f);
    trace_layer_t *l = build(&f);
    ck_assert_uint_eq(l[0].n_streams, 4); /* replica 0 on tiles 0, 1; replica 1 on 1, 2 */
    const trace_stream_t *t0 = &l[0].streams[0], *t1r0 = &l[0].streams[1],
                         *t1r1 = &l[0].streams[2], *t2 = &l[0].streams[3];
    ck_assert_uint_eq(t0->tile, 0);
    ck_assert_uint_eq(t1r0->tile, 1);
    ck_assert_uint_eq(t1r1->tile, 1);
    ck_assert_uint_eq(t2->tile, 2);
    REC_EQ(&t0->recs[0], TR_POS, 0, 0, 0, 0);                   /* pixel (0,0) */
    REC_EQ(&t0->recs[1], TR_WAIT, 0, TRACE_NETWORK_INPUT, 2 * 5 * 2, 0);
    REC_EQ(&t0->recs[2], TR_READ, 0, 16, 0, 0);                 /* 16 rows x 8 bits */
    REC_EQ(&t0->recs[3], TR_MVM, 8, 1, 2, 16 | 16 << 16);       /* 2 xbars x 8 cols */
    /* the column block's third row block is on tile 1: its 4 partial sums are
     * added at the home (one message of replica 0, c = 1) */
    REC_EQ(&t0->recs[4], TR_ACCUM, 0, 1, 4, 1);
    REC_EQ(&t0->recs[5], TR_ACT, ACT_RELU, 4, 0, 0);
    REC_EQ(&t0->recs[6], TR_WRITE, 0, 4, 0, 0);
    /* window (0,0) is all replica 0's: the pool computes it here, on tile 0 */
    REC_EQ(&t0->recs[7], TR_SEND, 0, 0, 4, 1);
    /* replica 0's second position is rank 1, pixel (0,1): the same input
     * rows 0-1, so no new WAIT */
    REC_EQ(&t0->recs[8], TR_POS, 0, 1, 0, 0);
    REC_EQ(&t0->recs[9], TR_READ, 0, 16, 0, 0);
    /* tile 1 for replica 0 (row block 2: 2 rows, 8 columns): its partial sums,
     * 4 values of 8 bits, go to the home tile */
    REC_EQ(&t1r0->recs[0], TR_POS, 0, 0, 0, 0);
    REC_EQ(&t1r0->recs[1], TR_WAIT, 0, TRACE_NETWORK_INPUT, 2 * 6 * 2, 0); /* columns 0-5 */
    REC_EQ(&t1r0->recs[2], TR_READ, 0, 2, 0, 0);
    REC_EQ(&t1r0->recs[3], TR_MVM, 8, 2, 1, 2 | 8 << 16);
    REC_EQ(&t1r0->recs[4], TR_PSUM_SEND, 0, 0, 4, 1);
    /* replica 1 on tile 1, its home: rank 8, pixel (0,4), needs rows 0-1 */
    REC_EQ(&t1r1->recs[0], TR_POS, 0, 4, 0, 0);
    REC_EQ(&t1r1->recs[1], TR_WAIT, 0, TRACE_NETWORK_INPUT, 2 * 6 * 2, 0);
    REC_EQ(&t1r1->recs[2], TR_READ, 0, 16, 0, 0);
    REC_EQ(&t1r1->recs[3], TR_MVM, 8, 3, 2, 16 | 16 << 16);
    REC_EQ(&t1r1->recs[4], TR_ACCUM, 0, 1, 4, 2);
    REC_EQ(&t1r1->recs[7], TR_SEND, 0, 1, 4, 1);                /* window (0,2)'s pool, here */
    /* tile 2 holds row block 2 of replica 1: ceil(2 * 2/18) = 1 value per pixel */
    REC_EQ(&t2->recs[1], TR_WAIT, 0, TRACE_NETWORK_INPUT, 2 * 5 * 1, 0); /* columns 1-5 */
    REC_EQ(&t2->recs[4], TR_PSUM_SEND, 0, 1, 4, 2);
    uint32_t last = 0;
    for (uint32_t i = 0; i < t2->n_recs; i++)
        last = t2->recs[i].op == TR_WAIT ? i : last;
    REC_EQ(&t2->recs[last], TR_WAIT, 0, TRACE_NETWORK_INPUT, 6 * 5, 0); /* all 6 rows */
    trace_layers_free(l, f.model.n_layers);
}
END_TEST

/* The pool runs where its windows are produced: tile 0 for the windows of
 * replica 0's strip, tile 1 for the others (window (1,1) straddles: its last
 * pixel is replica 1's). Its output (0,0) goes to conv1's two tiles in
 * proportion to the rows they hold (16 and 20 of 36: ceil(4*16/36) = 2,
 * ceil(4*20/36) = 3; conv1 has one replica, so both read every pixel), and
 * to add, which runs where its first input, the pool, is produced. */
START_TEST(sends_scaled_by_row_share)
{
    fx_t f;
    fx_cnn(&f);
    trace_layer_t *l = build(&f);
    ck_assert_uint_eq(l[1].n_streams, 2);
    const trace_stream_t *s = stream_of(&l[1], 0);
    ck_assert_ptr_nonnull(s);
    /* pool output (0,0), 2x2 stride 2: conv0's ranks 0-3, 4 values each */
    REC_EQ(&s->recs[0], TR_POS, 0, 0, 0, 0);
    REC_EQ(&s->recs[1], TR_WAIT, 0, 0, 16, 0);
    REC_EQ(&s->recs[2], TR_READ, 0, 16, 0, 0);
    REC_EQ(&s->recs[3], TR_POOL, 0, 4, 4, 0);
    REC_EQ(&s->recs[4], TR_WRITE, 0, 4, 0, 0);
    REC_EQ(&s->recs[5], TR_SEND, 0, 2, 2, 2);
    REC_EQ(&s->recs[6], TR_SEND, 0, 3, 3, 2);
    REC_EQ(&s->recs[7], TR_SEND, 0, 0, 4, 3);
    ck_assert_ptr_nonnull(stream_of(&l[1], 1));
    ck_assert_ptr_nonnull(stream_of(&l[3], 0));
    /* window (1,1), pool position 4, runs on tile 1: replica 0 sends it
     * ranks 16, 17, produced on tile 0 */
    const trace_stream_t *p1 = stream_of(&l[1], 1);
    int found = 0;
    for (uint32_t i = 0; i < p1->n_recs; i++)
        found |= p1->recs[i].op == TR_POS && p1->recs[i].a == 4;
    ck_assert(found);
    trace_layers_free(l, f.model.n_layers);
}
END_TEST

/* fc: linear 32 -> 8 from the network input: rows 32 (4 blocks of 8), 8
 * outputs x 2 slices = 16 physical columns (2 blocks of 4 outputs); 8 crossbars
 * on CEs 0-3 = tiles 0 (home) and 1. Column-major, each tile would hold one
 * column block: both read all 32 inputs (2 x 32 x 8 = 512 bits) and tile 1
 * sends 4 sums (32 bits: partial sums travel at the layer's 8 bits): 544.
 * Row-major, each tile holds two row blocks of both column blocks: 16 inputs
 * each (256 bits), tile 1 sends 8 partial sums (64 bits): 320, so without
 * multicast the generator lays it row-major. With multicast the input costs
 * one injection either way, and column-major sends fewer partial sums. */
START_TEST(crossbar_order_moves_fewer_bits)
{
    for (int mc = 0; mc < 2; mc++) {
        fx_t f;
        memset(&f, 0, sizeof f);
        fx_arch(&f.arch);
        f.arch.chip.noc.multicast = mc;
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
        if (!mc) {
            REC_EQ(&t1->recs[1], TR_WAIT, 0, TRACE_NETWORK_INPUT, 16, 0); /* half the inputs */
            REC_EQ(&t1->recs[2], TR_READ, 0, 16, 0, 0);                   /* 16 rows x 8 bits */
            REC_EQ(&t1->recs[3], TR_MVM, 8, 2, 2, 16 | 16 << 16); /* CE 2: rb 2 of cb 0, 1 */
            REC_EQ(&t1->recs[4], TR_MVM, 8, 3, 2, 16 | 16 << 16); /* CE 3: rb 3 */
            REC_EQ(&t1->recs[5], TR_ACCUM, 0, 0, 2 * 4, 1); /* cb 0 and cb 1 each over CEs 2, 3 */
            REC_EQ(&t1->recs[6], TR_PSUM_SEND, 0, 0, 8, 1); /* 8 sums of 8 bits */
            REC_EQ(&t0->recs[1], TR_WAIT, 0, TRACE_NETWORK_INPUT, 16, 0);
            REC_EQ(&t0->recs[2], TR_READ, 0, 16, 0, 0);
        } else {
            REC_EQ(&t1->recs[1], TR_WAIT, 0, TRACE_NETWORK_INPUT, 32, 0); /* all inputs */
            REC_EQ(&t1->recs[2], TR_READ, 0, 32, 0, 0);
            REC_EQ(&t1->recs[3], TR_MVM, 8, 2, 2, 16 | 16 << 16); /* CE 2: rb 0, 1 of cb 1 */
            REC_EQ(&t1->recs[4], TR_MVM, 8, 3, 2, 16 | 16 << 16); /* CE 3: rb 2, 3 */
            REC_EQ(&t1->recs[5], TR_ACCUM, 0, 0, 4, 1); /* cb 1 over CEs 2, 3 */
            REC_EQ(&t1->recs[6], TR_PSUM_SEND, 0, 0, 4, 1); /* its 4 sums, complete */
        }
        trace_layers_free(l, f.model.n_layers);
    }
}
END_TEST

/* Every replica computes at most the compiler's ceil(positions /
 * replication) positions, and together every position once: fx_band's conv1
 * has 4 replicas, each alone on a tile, for 64 positions; no pool after it,
 * so it is dealt in vertical strips of pixels: chunks of 16 of the
 * column-major order, replica r (tile r + 1) columns 2r and 2r + 1. */
START_TEST(dealing_follows_the_compiler)
{
    fx_t f;
    fx_band(&f);
    trace_layer_t *l = build(&f);
    char seen[64] = {0};
    int per_stream[8] = {0};
    for (uint32_t s = 0; s < l[1].n_streams; s++) {
        const trace_stream_t *st = &l[1].streams[s];
        for (uint32_t i = 0; i < st->n_recs; i++)
            if (st->recs[i].op == TR_POS) {
                per_stream[s]++;
                /* replica r = tile - 1 here (one replica per tile) */
                ck_assert_uint_eq(st->recs[i].a % 8 / 2, st->tile - 1);
                if (st->recs[i].c == 0)
                    seen[st->recs[i].a]++;
            }
    }
    /* 4 replicas x 2 CEs each, replica r on tile r + 1 alone: 4 streams... */
    ck_assert_uint_eq(l[1].n_streams, 4);
    for (uint32_t s = 0; s < 4; s++)
        ck_assert_int_eq(per_stream[s], 64 / 4);
    for (int p = 0; p < 64; p++)
        ck_assert_int_eq(seen[p], 1);
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

/* The untimed executor catches a trace that waits for what is never sent. */
START_TEST(executor_detects_deadlock)
{
    fx_t f;
    char msg[512];
    fx_cnn(&f);
    trace_layer_t *l = build(&f);
    trace_stream_t *st = &l[1].streams[0]; /* pool on tile 0 */
    for (uint32_t i = 0; i < st->n_recs; i++)
        if (st->recs[i].op == TR_SEND && st->recs[i].c == 3) {
            st->recs[i].b = 0; /* add on tile 0 never gets this position */
            break;
        }
    ck_assert(check_executable(&f.map, l, msg, sizeof msg));
    ck_assert_msg(!strncmp(msg, "deadlock: layer add tile 0 blocked at record", 44), "%s", msg);
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
    REC_EQ(&s->recs[0], TR_POS, 0, 0, 0, 0);
    REC_EQ(&s->recs[1], TR_WAIT, 0, TRACE_NETWORK_INPUT, 20, 0);
    REC_EQ(&s->recs[2], TR_READ, 0, 8, 0, 0);
    REC_EQ(&s->recs[3], TR_MVM, 8, 2, 2, 16 | 16 << 16);
    REC_EQ(&s->recs[4], TR_MVM, 8, 3, 2, 16 | 16 << 16);
    REC_EQ(&s->recs[5], TR_ACT, ACT_SIGMOID, 12, 0, 0);
    REC_EQ(&s->recs[6], TR_ACT, ACT_TANH, 8, 0, 0);
    REC_EQ(&s->recs[7], TR_ADD, 0, 16, 0, 0);
    REC_EQ(&s->recs[8], TR_WRITE, 0, 4, 0, 0);
    REC_EQ(&s->recs[9], TR_SEND, 0, 1, 4, 0);
    REC_EQ(&s->recs[10], TR_POS, 0, 1, 0, 0);
    REC_EQ(&s->recs[11], TR_WAIT, 0, 0, 4, 0);
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
    REC_EQ(&fc->recs[1], TR_WAIT, 0, 0, 4, 0);
    /* fc is the network's output: it sends its 3 values to the host */
    REC_EQ(&fc->recs[fc->n_recs - 1], TR_SEND, 0, TRACE_HOST, 3, TRACE_NETWORK_OUTPUT);
    trace_layers_free(l, f.model.n_layers);
}
END_TEST

/* An LSTM over four tiles of one CE of 3 crossbars each (multicast on, so
 * column-major): hidden 5, rows 4 + 5 = 9 (row blocks 8, 1), 20 gate columns
 * = 5 column blocks of 4 (4-bit weights in 2-bit cells: 2 slices of 8
 * physical columns), 10 crossbars. Block b is crossbars 2b, 2b + 1; tile t
 * has crossbars 3t..3t+2. So block 1 (crossbars 2, 3) straddles tiles 0 and
 * 1, block 4 (8, 9) tiles 2 and 3; a block's owner is the tile of its first
 * crossbar. Own columns: tile 0 blocks 0, 1 (8), tile 1 block 2 (4), tile 2
 * blocks 3, 4 (8), tile 3 none. Hidden units split by cumulative own columns
 * 0, 8, 12, 20, 20 of 20: floor(5 C / 20) = 0, 2, 3, 5, 5, so tiles 0..3
 * compute 2, 1, 2, 0 units: sigmoid 3u, tanh 2u, elementwise 4u. Tiles 0..2
 * read all 9 rows, so each takes all 5 values of h a step: u from each
 * sender; tile 3 reads row block 1 only (1 row: ceil(5 x 1/9) = 1 value a
 * step), split the same way: floor(1 x 0, 2, 3, 5, 5 / 5) = 0, 0, 0, 1, 1,
 * so it comes from tile 2. Tile 1 sends tile 0 the 4 sums of block 1 (4 bytes at 8
 * bits), tile 3 tile 2 those of block 4; tiles 0 and 2 add them (ACCUM of 1
 * message more per step, 4 values). */
START_TEST(lstm_gates_on_the_tiles_owning_the_columns)
{
    fx_t f;
    memset(&f, 0, sizeof f);
    fx_arch(&f.arch);
    f.arch.tile.ces = 1;
    f.arch.ce.crossbars = 3;
    f.arch.chip.noc.multicast = 1;
    strcpy(f.model.name, "fxlstm4");
    f.model.in_h = 3, f.model.in_w = 1, f.model.in_c = 4;
    f.model.hash = 0x1234123412341234ull;
    layer_t *L = fx_layer(&f, "lstm", LAYER_LSTM, LAYER_INPUT_NETWORK, -2);
    fx_shape(L, 3, 1, 4, 1, 1, 5);
    L->lstm_hidden = 5, L->lstm_steps = 3, L->lstm_layers = 1;
    fx_weights(&f.maps[0], 9, 20, 2, 5, 4, 1, 0, 3);
    f.maps[0].first_tile = f.maps[0].home_tile = 0;
    fx_finish(&f);
    trace_layer_t *l = build(&f);
    ck_assert_uint_eq(l[0].n_streams, 4);
    const int units[4] = {2, 1, 2, 0}, to_tile3[4] = {0, 0, 1, 0};
    const int psum_to[4] = {-1, 0, -1, 2}, accum_in[4] = {1, 0, 1, 0};
    int64_t h_sent_to[4] = {0};
    for (uint32_t t = 0; t < 4; t++) {
        const trace_stream_t *s = stream_of(&l[0], t);
        ck_assert_ptr_nonnull(s);
        int64_t sig = 0, tanh = 0, add = 0, psum = 0, host = 0, remote_msgs = -1;
        for (uint32_t k = 0; k < s->n_recs; k++) {
            const trace_rec_t *r = &s->recs[k];
            if (r->op == TR_ACT && r->arg == ACT_SIGMOID)
                sig += r->a;
            else if (r->op == TR_ACT && r->arg == ACT_TANH)
                tanh += r->a;
            else if (r->op == TR_ADD)
                add += r->a;
            else if (r->op == TR_PSUM_SEND) {
                ck_assert_int_eq((int)r->a, psum_to[t]);
                ck_assert_uint_eq(r->b, 4);
                psum++;
            } else if (r->op == TR_ACCUM && r->b == 4) {
                ck_assert_int_gt((int64_t)r->a, remote_msgs); /* cumulative messages */
                remote_msgs = r->a;
            } else if (r->op == TR_SEND && r->a == TRACE_HOST) {
                host += r->b;
            } else if (r->op == TR_SEND) {
                ck_assert_uint_eq(r->b, (uint32_t)(r->a == 3 ? to_tile3[t] : units[t]));
                h_sent_to[r->a] += r->b;
            }
        }
        ck_assert_int_eq(sig, 3 * 3 * units[t]); /* 3 steps */
        ck_assert_int_eq(tanh, 3 * 2 * units[t]);
        ck_assert_int_eq(add, 3 * 4 * units[t]);
        ck_assert_int_eq(psum, psum_to[t] >= 0 ? 3 : 0);
        ck_assert_int_eq(remote_msgs, accum_in[t] ? 3 : -1); /* 1 message a step */
        ck_assert_int_eq(host, units[t]); /* the last step's h goes to the host */
    }
    /* each step but the last: 5 values of h to tiles 0..2, 1 to tile 3 */
    for (int t = 0; t < 4; t++)
        ck_assert_int_eq(h_sent_to[t], 2 * (t < 3 ? 5 : 1));
    char msg[256];
    ck_assert_msg(!check_invariants(&f.map, l, msg, sizeof msg), "%s", msg);
    ck_assert_msg(!check_executable(&f.map, l, msg, sizeof msg), "%s", msg);
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
    tcase_add_test(tc, dealing_follows_the_compiler);
    tcase_add_test(tc, lstm_recurrence);
    tcase_add_test(tc, lstm_gates_on_the_tiles_owning_the_columns);
    tcase_add_test(tc, executor_detects_deadlock);
    tcase_add_test(tc, deterministic_bytes);
    tcase_add_test(tc, bad_mapping_is_error);
    suite_add_tcase(s, tc);
    return check_run(s);
}
