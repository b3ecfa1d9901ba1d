/* The dataset reader (sim/dataset.c) on good, malformed, truncated and
 * hostile files: one message naming the byte offset, never a crash. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"

#include "check_run.h"

static unsigned char buf[4096];

/* A valid file of n samples of h x w x c with labels i % classes. */
static size_t make(int n, int h, int w, int c, int classes)
{
    memcpy(buf, DATASET_MAGIC, 8);
    uint32_t hd[6] = {(uint32_t)n, (uint32_t)h, (uint32_t)w, (uint32_t)c, (uint32_t)classes, 0};
    for (int i = 0; i < 6; i++)
        for (int b = 0; b < 4; b++)
            buf[8 + 4 * i + b] = (unsigned char)(hd[i] >> (8 * b));
    size_t off = DATASET_HEADER_BYTES, vals = (size_t)n * h * w * c;
    for (size_t i = 0; i < vals; i++, off += 4) {
        float f = (float)i * 0.5f;
        memcpy(buf + off, &f, 4); /* the test machine is little-endian (x86-64) */
    }
    for (int i = 0; i < n; i++, off += 4) {
        int32_t y = i % classes;
        memcpy(buf + off, &y, 4);
    }
    return off;
}

static const char *parse_err(size_t len)
{
    static char msg[512];
    dataset_t ds;
    imc_diag_t d;
    diag_init(&d);
    int rc = dataset_parse("t.imcd", buf, len, &ds, &d);
    snprintf(msg, sizeof msg, "%s", rc ? (d.text ? d.text : "?") : "");
    if (!rc)
        dataset_free(&ds);
    else
        ck_assert_int_eq(d.errors, 1);
    diag_free(&d);
    return msg;
}

START_TEST(good_file)
{
    size_t len = make(3, 2, 2, 1, 2);
    dataset_t ds;
    imc_diag_t d;
    diag_init(&d);
    ck_assert_int_eq(dataset_parse("t.imcd", buf, len, &ds, &d), 0);
    ck_assert_int_eq(ds.n, 3);
    ck_assert_int_eq(ds.h, 2);
    ck_assert_int_eq(ds.classes, 2);
    ck_assert_float_eq(ds.x[5], 2.5f);
    ck_assert_int_eq(ds.y[2], 0);
    dataset_free(&ds);
    diag_free(&d);
}
END_TEST

START_TEST(malformed_files)
{
    size_t len = make(3, 2, 2, 1, 2);
    ck_assert_ptr_nonnull(strstr(parse_err(10), "truncated header: 10 bytes (expected 32)"));
    ck_assert_ptr_nonnull(strstr(parse_err(len - 1), "truncated at byte 91 (expected 92 bytes"));
    ck_assert_ptr_nonnull(strstr(parse_err(len + 1), "trailing data at byte 92"));
    buf[0] = 'X';
    ck_assert_ptr_nonnull(strstr(parse_err(len), "byte 0: bad magic"));
    make(3, 2, 2, 1, 2);
    buf[12] = 0; /* height 0 */
    ck_assert_ptr_nonnull(strstr(parse_err(len), "byte 12: height 0 (expected 1..65536)"));
    make(3, 2, 2, 1, 2);
    buf[28] = 1; /* reserved */
    ck_assert_ptr_nonnull(strstr(parse_err(len), "byte 28: reserved field 1"));
    make(3, 2, 2, 1, 2);
    float nan = NAN;
    memcpy(buf + 32 + 4 * 6, &nan, 4);
    ck_assert_ptr_nonnull(strstr(parse_err(len), "byte 56: sample 1 value 2 is not finite"));
    make(3, 2, 2, 1, 2);
    int32_t bad = 7;
    memcpy(buf + 32 + 48 + 4, &bad, 4);
    ck_assert_ptr_nonnull(strstr(parse_err(len), "byte 84: label 7 of sample 1 (expected 0..1)"));
}
END_TEST

START_TEST(hostile_sizes)
{
    /* a header claiming 2^24 samples of 65536 x 65536 values: refused before
     * any allocation, by the size check */
    make(1, 1, 1, 1, 1);
    uint32_t big[4] = {1u << 24, 65536, 65536, 1};
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 4; b++)
            buf[8 + 4 * i + b] = (unsigned char)(big[i] >> (8 * b));
    ck_assert_ptr_nonnull(strstr(parse_err(40), "samples of 65536x65536x1"));
    /* every byte flipped in turn: an error or a valid file, never a crash */
    size_t len = make(2, 2, 1, 1, 3);
    for (size_t i = 0; i < len; i++) {
        unsigned char keep = buf[i];
        buf[i] ^= 0xA5;
        parse_err(len);
        buf[i] = keep;
    }
    /* the file reader on a missing file */
    dataset_t ds;
    imc_diag_t d;
    diag_init(&d);
    ck_assert_int_eq(dataset_read("/nonexistent/x.imcd", &ds, &d), -1);
    ck_assert_ptr_nonnull(strstr(d.text, "cannot read the dataset"));
    diag_free(&d);
}
END_TEST

int main(void)
{
    const TTest *t[] = {good_file, malformed_files, hostile_sizes};
    return check_run(check_suite("dataset", t, 3));
}
