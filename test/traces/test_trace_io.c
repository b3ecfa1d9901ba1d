/* Trace files: round trips, and corrupt or truncated inputs, each rejected
 * with its exact message and byte offset. The reference layer below is 216
 * bytes: header 0..119, stream table 120..135 (tile 1 at 120, tile 2 at 128),
 * records from 136 (stream 0: 136, 152, 168; stream 1: 184, 200). */
#include <check.h>

#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "trace_io.h"
#include "tracegen.h"

static trace_rec_t s0[3], s1[2];
static trace_stream_t streams[2];
static trace_layer_t ref;

static void make_ref(void)
{
    s0[0] = (trace_rec_t){TR_WAIT, 0, 1, 0, 10, 0};
    s0[1] = (trace_rec_t){TR_MVM, 8, 1, 3, 2, 16 | 16 << 16};
    s0[2] = (trace_rec_t){TR_SEND, 0, 1, 2, 4, 2};
    s1[0] = (trace_rec_t){TR_READ, 0, 1, 5, 0, 0};
    s1[1] = (trace_rec_t){TR_WRITE, 0, 1, 4, 0, 0};
    streams[0] = (trace_stream_t){1, 3, s0};
    streams[1] = (trace_stream_t){2, 2, s1};
    memset(&ref, 0, sizeof ref);
    ref.arch_hash = 0x1111222233334444ull;
    ref.model_hash = 0xAAAABBBBCCCCDDDDull;
    ref.layer = 1;
    ref.n_layers = 3;
    ref.n_tiles = 4;
    ref.n_ces = 8;
    ref.kind = LAYER_CONV;
    ref.act = ACT_RELU;
    ref.act_bits = 8;
    strcpy(ref.name, "c1");
    ref.n_streams = 2;
    ref.streams = streams;
}

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

static void fix_crc(uint8_t *c, size_t n)
{
    wr32(c + 116, trace_crc32(trace_crc32(0, c, 116), c + 120, n - 120));
}

/* Reads buf and returns the diagnostic text ("" on success). */
static const char *read_err(const uint8_t *b, size_t n, const trace_read_opts_t *o)
{
    static char out[1024];
    trace_layer_t l;
    imc_diag_t d;
    diag_init(&d);
    int rc = trace_read_mem("t.imct", b, n, o, &l, &d);
    snprintf(out, sizeof out, "%s", rc ? (d.text ? d.text : "?") : "");
    if (!rc)
        trace_layer_free(&l);
    diag_free(&d);
    return out;
}

static uint8_t *enc(const trace_layer_t *l, size_t *n)
{
    uint8_t *b;
    ck_assert_int_eq(trace_encode(l, &b, n), 0);
    return b;
}

static void assert_same(const trace_layer_t *a, const trace_layer_t *b)
{
    ck_assert(a->arch_hash == b->arch_hash && a->model_hash == b->model_hash);
    ck_assert_uint_eq(a->layer, b->layer);
    ck_assert_uint_eq(a->n_layers, b->n_layers);
    ck_assert_uint_eq(a->n_tiles, b->n_tiles);
    ck_assert_uint_eq(a->n_ces, b->n_ces);
    ck_assert_uint_eq(a->kind, b->kind);
    ck_assert_uint_eq(a->act, b->act);
    ck_assert_uint_eq(a->act_bits, b->act_bits);
    ck_assert_str_eq(a->name, b->name);
    ck_assert_uint_eq(a->n_streams, b->n_streams);
    for (uint32_t s = 0; s < a->n_streams; s++) {
        ck_assert_uint_eq(a->streams[s].tile, b->streams[s].tile);
        ck_assert_uint_eq(a->streams[s].n_recs, b->streams[s].n_recs);
        for (uint32_t i = 0; i < a->streams[s].n_recs; i++) {
            const trace_rec_t *x = &a->streams[s].recs[i], *y = &b->streams[s].recs[i];
            ck_assert(x->op == y->op && x->arg == y->arg && x->layer == y->layer &&
                      x->a == y->a && x->b == y->b && x->c == y->c);
        }
    }
}

START_TEST(crc32_check_value)
{
    /* The standard CRC-32 check value (IEEE 802.3 / zlib). */
    ck_assert_uint_eq(trace_crc32(0, "123456789", 9), 0xCBF43926u);
}
END_TEST

START_TEST(layout_is_little_endian_field_by_field)
{
    make_ref();
    size_t n;
    uint8_t *b = enc(&ref, &n);
    ck_assert_uint_eq(n, 216);
    ck_assert_int_eq(memcmp(b, "IMCT\2\0\0\0\x44\x44\x33\x33\x22\x22\x11\x11", 16), 0);
    ck_assert_uint_eq(rd32(b + 24), 1);   /* layer */
    ck_assert_uint_eq(rd32(b + 112), 2);  /* streams */
    ck_assert_uint_eq(rd32(b + 120), 1);  /* stream 0 tile */
    ck_assert_uint_eq(rd32(b + 124), 3);  /* stream 0 records */
    /* MVM record at 152: op, arg, layer (LE16), a, b, c */
    ck_assert_int_eq(memcmp(b + 152, "\3\x08\1\0\3\0\0\0\2\0\0\0\x10\0\x10\0", 16), 0);
    ck_assert_uint_eq(rd32(b + 116), trace_crc32(trace_crc32(0, b, 116), b + 120, n - 120));
    free(b);
}
END_TEST

START_TEST(round_trip_hand_built)
{
    make_ref();
    size_t n;
    uint8_t *b = enc(&ref, &n);
    trace_layer_t got;
    imc_diag_t d;
    diag_init(&d);
    trace_read_opts_t o = {1, ref.arch_hash, 1, ref.model_hash, 0};
    ck_assert_int_eq(trace_read_mem("t.imct", b, n, &o, &got, &d), 0);
    assert_same(&ref, &got);
    trace_layer_free(&got);
    free(b);
    diag_free(&d);
}
END_TEST

START_TEST(round_trip_generated_dir)
{
    fx_t f;
    char dir[] = "/tmp/imctrace.XXXXXX", cmd[128];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    imc_diag_t d;
    diag_init(&d);
    for (int which = 0; which < 2; which++) {
        if (which)
            fx_lstm(&f);
        else
            fx_cnn(&f);
        trace_layer_t *mem;
        ck_assert_int_eq(tracegen_build(&f.map, &mem, &d), 0);
        ck_assert_int_eq(tracegen_write_dir(&f.map, dir, NULL, &d), 0);
        trace_index_t ix;
        ck_assert_msg(trace_index_read(dir, &ix, &d) == 0, "%s", d.text);
        ck_assert_int_eq(ix.n_layers, f.model.n_layers);
        ck_assert_str_eq(ix.model, f.model.name);
        ck_assert(ix.model_hash == f.model.hash && ix.arch_hash == f.arch.hash);
        trace_read_opts_t o = {1, f.arch.hash, 1, f.model.hash, 0};
        for (int i = 0; i < ix.n_layers; i++) {
            char path[256], want[64];
            trace_file_name(want, sizeof want, (uint32_t)i, f.layers[i].name);
            ck_assert_str_eq(ix.files[i], want);
            snprintf(path, sizeof path, "%s/%s", dir, ix.files[i]);
            trace_layer_t got;
            ck_assert_msg(trace_read_file(path, &o, &got, &d) == 0, "%s", d.text);
            assert_same(&mem[i], &got);
            trace_layer_free(&got);
        }
        trace_index_free(&ix);
        trace_layer_t *all;
        int n;
        ck_assert_msg(trace_dir_read(dir, &o, &all, &n, &d) == 0, "%s", d.text);
        ck_assert_int_eq(n, f.model.n_layers);
        for (int i = 0; i < n; i++)
            assert_same(&mem[i], &all[i]);
        trace_layers_free(all, n);
        trace_layers_free(mem, f.model.n_layers);
    }
    ck_assert_str_eq(d.text ? d.text : "", "");
    trace_read_opts_t other = {1, 0x77, 0, 0, 0};
    trace_layer_t *all;
    int n;
    ck_assert_int_eq(trace_dir_read(dir, &other, &all, &n, &d), -1);
    char want[300];
    snprintf(want, sizeof want, "%s/index.txt:3:1: error: arch hash 0x1111222233334444 does not "
             "match the architecture's hash 0x0000000000000077 (traces compiled for another "
             "architecture)\n", dir);
    ck_assert_str_eq(d.text, want);
    diag_free(&d);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(file_names)
{
    char b[64];
    trace_file_name(b, sizeof b, 7, "conv3");
    ck_assert_str_eq(b, "L007_conv3.imct");
    trace_file_name(b, sizeof b, 12, "../a b/c");
    ck_assert_str_eq(b, "L012_.._a_b_c.imct");
}
END_TEST

/* Byte-level corruption of a valid file: sizes are checked before the CRC. */
START_TEST(corrupt_bytes)
{
    make_ref();
    size_t n;
    uint8_t *b = enc(&ref, &n), *c = malloc(n + 3);
    ck_assert_str_eq(read_err(b, n, NULL), "");
    ck_assert_str_eq(read_err(b, 205, NULL),
                     "t.imct: offset 200: error: truncated record (expected 16 bytes, got 5)\n");
    ck_assert_str_eq(read_err(b, 184, NULL),
                     "t.imct: offset 184: error: truncated record (expected 16 bytes, got 0)\n");
    ck_assert_str_eq(read_err(b, 50, NULL),
                     "t.imct: offset 0: error: truncated header (expected 120 bytes, got 50)\n");
    ck_assert_str_eq(read_err(b, 0, NULL),
                     "t.imct: offset 0: error: truncated header (expected 120 bytes, got 0)\n");
    ck_assert_str_eq(read_err(b, 125, NULL),
                     "t.imct: offset 120: error: truncated stream table (expected 16 bytes for "
                     "2 streams, got 5)\n");

    memcpy(c, b, n);
    c[0] = 'X';
    c[3] = 0xff;
    ck_assert_str_eq(read_err(c, n, NULL), "t.imct: offset 0: error: bad magic \"XMC\\xff\" "
                                           "(expected \"IMCT\": not an imcsim trace)\n");
    memcpy(c, b, n);
    c[4] = 1;
    ck_assert_str_eq(read_err(c, n, NULL),
                     "t.imct: offset 4: error: unsupported version 1 (expected 2)\n");
    memcpy(c, b, n);
    wr32(c + 112, 9);
    ck_assert_str_eq(read_err(c, n, NULL),
                     "t.imct: offset 112: error: stream count 9 exceeds the CE count 8 "
                     "(at most one stream per replica per tile)\n");
    memcpy(c, b, n);
    wr32(c + 124, 1000);
    ck_assert_str_eq(read_err(c, n, NULL),
                     "t.imct: offset 124: error: record count 1000 of stream 0 exceeds the file "
                     "size (80 bytes hold at most 5 records)\n");
    memcpy(c, b, n);
    wr32(c + 124, 0xFFFFFFFFu); /* a huge count is refused before any allocation */
    ck_assert_str_eq(read_err(c, n, NULL),
                     "t.imct: offset 124: error: record count 4294967295 of stream 0 exceeds the "
                     "file size (80 bytes hold at most 5 records)\n");
    memcpy(c, b, n);
    memcpy(c + n, "abc", 3);
    ck_assert_str_eq(read_err(c, n + 3, NULL),
                     "t.imct: offset 216: error: 3 trailing bytes after the last record\n");

    memcpy(c, b, n);
    c[190] ^= 0x40; /* inside the READ record's byte count */
    char want[200];
    uint32_t crc = trace_crc32(trace_crc32(0, c, 116), c + 120, n - 120);
    snprintf(want, sizeof want, "t.imct: offset 116: error: checksum mismatch (stored 0x%08x, "
             "computed 0x%08x): file corrupt\n", rd32(b + 116), crc);
    ck_assert_uint_ne(crc, rd32(b + 116));
    ck_assert_str_eq(read_err(c, n, NULL), want);
    /* header fields behind a valid checksum */
    memcpy(c, b, n);
    c[48 + 5] = 'x'; /* after the NUL of "c1" */
    fix_crc(c, n);
    ck_assert_str_eq(read_err(c, n, NULL), "t.imct: offset 53: error: layer name padding not "
                                           "zero (expected NUL bytes after the name)\n");
    memset(c + 48, 'x', 64);
    fix_crc(c, n);
    ck_assert_str_eq(read_err(c, n, NULL), "t.imct: offset 48: error: layer name not "
                                           "NUL-terminated within 64 bytes\n");
    memcpy(c, b, n);
    wr32(c + 28, 0);
    fix_crc(c, n);
    ck_assert_str_eq(read_err(c, n, NULL), "t.imct: offset 28: error: layer count 0 out of range "
                                           "(expected 1..65536)\n");
    memcpy(c, b, n);
    c[6] = 1;
    fix_crc(c, n);
    ck_assert_str_eq(read_err(c, n, NULL), "t.imct: offset 6: error: reserved field not zero "
                                           "(expected 0)\n");
    memcpy(c, b, n);
    c[190] ^= 0x40;
    /* the same bytes are accepted when the checksum is skipped (fuzzing) */
    trace_read_opts_t skip = {0, 0, 0, 0, 1};
    ck_assert_str_eq(read_err(c, n, &skip), "");
    free(b);
    free(c);
}
END_TEST

/* Semantic errors in files with a valid checksum (written by the writer,
 * which does not validate). */
static const char *err_of(const trace_read_opts_t *o)
{
    size_t n;
    uint8_t *b = enc(&ref, &n);
    const char *e = read_err(b, n, o);
    free(b);
    make_ref();
    return e;
}

START_TEST(corrupt_fields)
{
    make_ref();
    s1[0].op = 12;
    ck_assert_str_eq(err_of(NULL),
                     "t.imct: offset 184: error: op 12 out of range (expected 1..11)\n");
    s1[0].op = 0;
    ck_assert_str_eq(err_of(NULL),
                     "t.imct: offset 184: error: op 0 out of range (expected 1..11)\n");
    streams[1].tile = 4;
    ck_assert_str_eq(err_of(NULL), "t.imct: offset 128: error: stream 1 tile 4 out of range "
                                   "(system has 4 tiles)\n");
    streams[1].tile = 1; /* a second stream on tile 1 (another replica) is fine */
    ck_assert_str_eq(err_of(NULL), "");
    streams[1].tile = 0;
    ck_assert_str_eq(err_of(NULL), "t.imct: offset 128: error: stream 1 tile 0 before tile 1 "
                                   "(expected tile ids in increasing order)\n");
    s0[1].a = 8;
    ck_assert_str_eq(err_of(NULL), "t.imct: offset 156: error: MVM CE 8 out of range (system "
                                   "has 8 CEs)\n");
    ref.layer = 3;
    ck_assert_str_eq(err_of(NULL), "t.imct: offset 24: error: layer index 3 out of range (model "
                                   "has 3 layers)\n");
    s0[0].a = 2;
    ck_assert_str_eq(err_of(NULL), "t.imct: offset 140: error: WAIT producer layer 2 out of range "
                                   "(expected <= 1, or 0xFFFFFFFF for the network input)\n");
    s0[0].layer = 0;
    ck_assert_str_eq(err_of(NULL), "t.imct: offset 136: error: WAIT record of layer 0 in the "
                                   "file of layer 1\n");
    s0[2].c = 0;
    ck_assert_str_eq(err_of(NULL), "t.imct: offset 180: error: SEND consumer layer 0 out of "
                                   "range (expected 1..2)\n");
    s0[2].a = 9;
    ck_assert_str_eq(err_of(NULL), "t.imct: offset 172: error: SEND destination tile 9 out of "
                                   "range (system has 4 tiles)\n");
    ref.kind = 10;
    ck_assert_str_eq(err_of(NULL), "t.imct: offset 40: error: layer kind 10 out of range "
                                   "(expected 0..9)\n");
    strcpy(ref.name, "");
    ck_assert_str_eq(err_of(NULL), "");
}
END_TEST

START_TEST(hash_mismatch_names_both)
{
    make_ref();
    trace_read_opts_t o = {1, 0x42, 0, 0, 0};
    ck_assert_str_eq(err_of(&o), "t.imct: offset 8: error: arch hash 0x1111222233334444 does not "
                                 "match the architecture's hash 0x0000000000000042 (trace "
                                 "compiled for another architecture)\n");
    trace_read_opts_t m = {1, ref.arch_hash, 1, 7, 0};
    ck_assert_str_eq(err_of(&m), "t.imct: offset 16: error: model hash 0xaaaabbbbccccdddd does "
                                 "not match the model's hash 0x0000000000000007 (trace compiled "
                                 "from another model)\n");
}
END_TEST

START_TEST(missing_file_and_bad_index)
{
    trace_layer_t l;
    imc_diag_t d;
    diag_init(&d);
    ck_assert_int_eq(trace_read_file("/nonexistent/x.imct", NULL, &l, &d), -1);
    ck_assert_str_eq(d.text, "/nonexistent/x.imct: error: cannot read: No such file or directory\n");
    diag_clear(&d);
    char dir[] = "/tmp/imcidx.XXXXXX", path[64], cmd[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/index.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("imcsim-trace-index 1\nmodel m 0x1\narch a 0x2\nlayers x\n", f);
    fclose(f);
    trace_index_t ix;
    ck_assert_int_eq(trace_index_read(dir, &ix, &d), -1);
    char want[256];
    snprintf(want, sizeof want, "%s:4:1: error: bad layers line 'layers x' (expected 'layers N', "
             "1 <= N <= 65536)\n", path);
    ck_assert_str_eq(d.text, want);
    diag_clear(&d);
    f = fopen(path, "w");
    fputs("imcsim-trace-index 1\nmodel m 0x1\narch a 0x2\nlayers 2\nL000_a.imct\n../etc/passwd\n", f);
    fclose(f);
    ck_assert_int_eq(trace_index_read(dir, &ix, &d), -1);
    snprintf(want, sizeof want, "%s:6:1: error: bad layer file name '../etc/passwd' (expected a "
             "plain file name in the directory)\n", path);
    ck_assert_str_eq(d.text, want);
    diag_free(&d);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* imcsim trace: exit 2 with the offset message on a bad file, 0 on good. */
START_TEST(cli_exit_codes)
{
    const char *bin = getenv("IMC_BIN");
    ck_assert_ptr_nonnull(bin);
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1); /* stderr holds only our message */
    char dir[] = "/tmp/imccli.XXXXXX", cmd[512], path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    make_ref();
    size_t n;
    uint8_t *b = enc(&ref, &n);
    snprintf(path, sizeof path, "%s/t.imct", dir);
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, 205, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s/imcsim trace dump %s >/dev/null 2>%s/err", bin, path, dir);
    int st = system(cmd);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    snprintf(cmd, sizeof cmd, "%s/err", dir);
    char line[256] = "", want[256];
    f = fopen(cmd, "r");
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    snprintf(want, sizeof want,
             "%s: offset 200: error: truncated record (expected 16 bytes, got 5)\n", path);
    ck_assert_str_eq(line, want);
    f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s/imcsim trace dump %s --limit 2 >%s/out", bin, path, dir);
    st = system(cmd);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    snprintf(cmd, sizeof cmd, "%s/out", dir);
    f = fopen(cmd, "r");
    int lines = 0;
    char buf[512];
    const char *mvm = "      1        1  MVM       ce=3 xbars=2 rows=16 cols=16 input_bits=8\n";
    int saw_mvm = 0;
    while (fgets(buf, sizeof buf, f)) {
        lines++;
        saw_mvm |= !strcmp(buf, mvm);
    }
    fclose(f);
    ck_assert_int_eq(lines, 3 + 2 + 1); /* 3 header lines, 2 records, "more" line */
    ck_assert(saw_mvm);
    snprintf(cmd, sizeof cmd, "%s/imcsim trace stats %s >/dev/null", bin, path);
    st = system(cmd);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    snprintf(cmd, sizeof cmd, "%s/imcsim trace bogus 2>/dev/null", bin);
    st = system(cmd);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    free(b);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* imcsim trace stats DIR: totals as JSON; a layer file compiled for another
 * arch than the index says is refused with both hashes. */
START_TEST(cli_stats_dir)
{
    const char *bin = getenv("IMC_BIN");
    ck_assert_ptr_nonnull(bin);
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1); /* stderr holds only our message */
    char dir[] = "/tmp/imcdir.XXXXXX", cmd[512], buf[512];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    fx_t f;
    fx_cnn(&f);
    imc_diag_t d;
    diag_init(&d);
    ck_assert_int_eq(tracegen_write_dir(&f.map, dir, NULL, &d), 0);
    snprintf(cmd, sizeof cmd, "%s/imcsim trace stats %s --json >%s/out", bin, dir, dir);
    int st = system(cmd);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    snprintf(cmd, sizeof cmd, "%s/out", dir);
    FILE *o = fopen(cmd, "r");
    int found = 0, depth_mvms = 0;
    while (fgets(buf, sizeof buf, o)) {
        /* conv0: 36 positions x 2 CEs; conv1: 9 x 3; fc: 1 x 1 -> 100 in total */
        found |= !strcmp(buf, "  \"mvms\": 100,\n");
        depth_mvms += !strcmp(buf, "      \"mvms\": 72,\n");
    }
    fclose(o);
    ck_assert(found);
    ck_assert_int_eq(depth_mvms, 1);
    /* replace layer 2 by one compiled for another arch */
    trace_layer_t *l;
    f.arch.hash = 0x99;
    ck_assert_int_eq(tracegen_build(&f.map, &l, &d), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/L002_conv1.imct", dir);
    ck_assert_int_eq(trace_write_file(path, &l[2], &d), 0);
    trace_layers_free(l, f.model.n_layers);
    snprintf(cmd, sizeof cmd, "%s/imcsim trace stats %s >/dev/null 2>%s/err", bin, dir, dir);
    st = system(cmd);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    snprintf(cmd, sizeof cmd, "%s/err", dir);
    o = fopen(cmd, "r");
    ck_assert_ptr_nonnull(fgets(buf, sizeof buf, o));
    fclose(o);
    char want[512];
    snprintf(want, sizeof want, "%s: offset 8: error: arch hash 0x0000000000000099 does not match "
             "the architecture's hash 0x1111222233334444 (trace compiled for another "
             "architecture)\n", path);
    ck_assert_str_eq(buf, want);
    diag_free(&d);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The fuzzer's seeds (test/fuzz/corpus/trace) are files of the current format,
 * each read whole, so fuzzing starts past the header checks (seeds of format
 * 1 were refused at the version, and mutations of them rarely got further). */
START_TEST(fuzz_seeds_are_current)
{
    const char *dir = "test/fuzz/corpus/trace";
    FILE *ls = popen("ls test/fuzz/corpus/trace", "r");
    ck_assert_ptr_nonnull(ls);
    char name[256], path[512];
    int n = 0;
    while (fgets(name, sizeof name, ls)) {
        name[strcspn(name, "\n")] = 0;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        trace_layer_t l;
        imc_diag_t d;
        diag_init(&d);
        ck_assert_msg(trace_read_file(path, NULL, &l, &d) == 0, "%s: %s", path,
                      d.text ? d.text : "");
        ck_assert_int_gt(l.n_streams, 0);
        trace_layer_free(&l);
        diag_free(&d);
        n++;
    }
    pclose(ls);
    ck_assert_int_ge(n, 5);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace_io");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, crc32_check_value);
    tcase_add_test(tc, layout_is_little_endian_field_by_field);
    tcase_add_test(tc, round_trip_hand_built);
    tcase_add_test(tc, round_trip_generated_dir);
    tcase_add_test(tc, file_names);
    tcase_add_test(tc, corrupt_bytes);
    tcase_add_test(tc, corrupt_fields);
    tcase_add_test(tc, hash_mismatch_names_both);
    tcase_add_test(tc, missing_file_and_bad_index);
    tcase_add_test(tc, cli_exit_codes);
    tcase_add_test(tc, cli_stats_dir);
    tcase_add_test(tc, fuzz_seeds_are_current);
    suite_add_tcase(s, tc);
    return check_run(s);
}
