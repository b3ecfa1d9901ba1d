/* The model image's reader (sim/image.h, docs/vp.md) on damaged images: every
 * truncation, and every byte of the header and the section table set to
 * hostile values behind a recomputed CRC, gives either the image or one error
 * naming a byte offset inside what it was given; never a crash. Needs the
 * digits CNN's image ($IMC_VP_IMAGE). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

#include "check_run.h"

static uint8_t *load(size_t *n)
{
    const char *path = getenv("IMC_VP_IMAGE");
    ck_assert_msg(path != NULL, "IMC_VP_IMAGE is not set");
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    uint8_t *b = malloc(1 << 24);
    *n = fread(b, 1, 1 << 24, f);
    fclose(f);
    ck_assert_uint_gt(*n, 64);
    return b;
}

static void fix_crc(uint8_t *b, size_t n)
{
    memset(b + IMAGE_OFF_CHECKSUM, 0, 4);
    uint32_t c = trace_crc32(0, b, n);
    for (int i = 0; i < 4; i++)
        b[IMAGE_OFF_CHECKSUM + i] = (uint8_t)(c >> (8 * i));
}

static uint64_t arch_hash(const uint8_t *b)
{
    uint64_t h = 0;
    for (int i = 7; i >= 0; i--)
        h = h << 8 | b[24 + i];
    return h;
}

/* One parse: ok, or an error whose offset lies in [0, n] and whose message
 * names it. */
static image_err_t parse(const uint8_t *b, size_t n, uint64_t hash)
{
    image_view_t v;
    uint64_t off = 12345;
    imc_diag_t d;
    diag_init(&d);
    image_err_t e = image_parse(b, n, hash, &v, &off, &d);
    if (e) {
        char want[48];
        snprintf(want, sizeof want, "byte %llu: ", (unsigned long long)off);
        ck_assert_uint_le(off, n);
        ck_assert_msg(d.text && strstr(d.text, want) && strstr(d.text, "error: "), "%s",
                      d.text ? d.text : "(no message)");
    } else {
        image_view_free(&v);
    }
    diag_free(&d);
    return e;
}

START_TEST(intact)
{
    size_t n;
    uint8_t *b = load(&n);
    ck_assert_int_eq(parse(b, n, arch_hash(b)), IMAGE_OK);
    ck_assert_int_eq(parse(b, n, arch_hash(b) ^ 1), IMAGE_ERR_ARCH);
    free(b);
}
END_TEST

START_TEST(every_truncation)
{
    size_t n;
    uint8_t *b = load(&n);
    for (size_t k = 0; k < n; k += k < 512 ? 1 : 97) {
        image_err_t e = parse(b, k, arch_hash(b));
        ck_assert_msg(e == (k < 8 ? IMAGE_ERR_MAGIC : IMAGE_ERR_BOUNDS), "length %zu: %d", k, e);
    }
    free(b);
}
END_TEST

START_TEST(hostile_header_and_table)
{
    size_t n;
    uint8_t *b = load(&n), *m = malloc(n);
    const uint64_t hash = arch_hash(b);
    const uint32_t sections = b[40] | b[41] << 8;
    const size_t end = IMAGE_HEADER_BYTES + (size_t)sections * IMAGE_SECTION_BYTES;
    static const uint8_t values[] = {0x00, 0x01, 0x03, 0x07, 0x10, 0x7f, 0x80, 0xff};
    int ok = 0, refused = 0;
    for (size_t i = 0; i < end; i++) {
        if (i >= IMAGE_OFF_CHECKSUM && i < IMAGE_OFF_CHECKSUM + 4)
            continue;
        for (size_t j = 0; j < sizeof values; j++) {
            memcpy(m, b, n);
            m[i] = values[j];
            fix_crc(m, n);
            if (parse(m, n, i >= 24 && i < 32 ? arch_hash(m) : hash) == IMAGE_OK)
                ok++;
            else
                refused++;
        }
    }
    ck_assert_int_gt(refused, 0);
    ck_assert_int_gt(ok, 0); /* e.g. the model hash: the container cannot tell */
    free(m);
    free(b);
}
END_TEST

int main(void)
{
    const TTest *t[] = {intact, every_truncation, hostile_header_and_table};
    return check_run(check_suite("image", t, 3));
}
