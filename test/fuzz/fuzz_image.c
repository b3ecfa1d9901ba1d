/* libFuzzer target: the accelerator's model image (sim/image.h, docs/vp.md)
 * on arbitrary bytes: the container parser, then, for what parses, the
 * loader (model, compile on the isaac preset, mapping check, traces).
 *
 * A mutated image almost never carries a valid CRC-32 or this architecture's
 * hash, so the target writes both into its copy of the input (when the header
 * is long enough to hold them) before parsing: the fuzzer then explores the
 * section table and the sections rather than the checksum. The checksum and
 * architecture checks themselves are covered by test/vp/test_image.c.
 *
 * Seeds (test/fuzz/corpus/image): `imcsim compile --arch isaac --model M
 * --image F` for M = mlp_small and the ONNX seeds of the onnx target. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch_load.h"
#include "image.h"

const int imc_zoo_count = 0;
const char *const imc_zoo_names[] = {NULL};
const char *const imc_zoo_texts[] = {NULL};
const size_t imc_zoo_lens[] = {0};

static arch_t isaac;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    imc_diag_t d;
    diag_init(&d);
    if (arch_load("isaac", NULL, 0, &isaac, &d))
        abort(); /* the shipped preset must load */
    diag_free(&d);
    return 0;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* This architecture's hash, and the CRC over the header's total size with the
 * CRC field zero (as image_write computes it). */
static void make_acceptable(uint8_t *b, size_t n)
{
    if (n < IMAGE_HEADER_BYTES)
        return;
    put_le(b + 24, isaac.hash, 8);
    const uint64_t total = get_u64(b + 16);
    if (total < IMAGE_HEADER_BYTES || total > n)
        return;
    memset(b + IMAGE_OFF_CHECKSUM, 0, 4);
    put_le(b + IMAGE_OFF_CHECKSUM, trace_crc32(0, b, (size_t)total), 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *b = malloc(size ? size : 1);
    if (!b)
        return 0;
    memcpy(b, data, size);
    make_acceptable(b, size);

    image_view_t v;
    uint64_t off = ~0ull;
    imc_diag_t d;
    diag_init(&d);
    image_err_t e = image_parse(b, size, isaac.hash, &v, &off, &d);
    if (e) {
        /* one error, naming a byte inside what was given */
        char want[48];
        snprintf(want, sizeof want, "byte %llu: ", (unsigned long long)off);
        if (off > size || !d.text || !strstr(d.text, "error: ") || !strstr(d.text, want))
            abort();
    } else {
        if (v.total > size || !v.in_values)
            abort();
        image_job_t j;
        imc_diag_t dl;
        diag_init(&dl);
        e = image_load(&v, &isaac, &j, &dl);
        if (e) {
            if (e != IMAGE_ERR_CONTENT || !dl.text || !strstr(dl.text, "error: "))
                abort(); /* a refusal always explains itself */
        } else {
            if (j.n_layers != j.model.n_layers || (uint32_t)j.n_layers != v.n_traces)
                abort(); /* one trace per layer, all read */
            for (int l = 0; l < j.n_layers; l++)
                if (j.layers[l].layer != (uint32_t)l)
                    abort();
            image_job_free(&j);
        }
        diag_free(&dl);
        image_view_free(&v);
    }
    diag_free(&d);
    free(b);
    return 0;
}
