/* The index of a trace directory: a small text file naming the layer files
 * in model order, with the model and arch they were compiled for. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_io.h"

static void clean_word(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src[i] && i < n - 1; i++)
        dst[i] = (src[i] <= ' ' || src[i] == 0x7f) ? '_' : src[i];
    if (!i && n > 1)
        dst[i++] = '-';
    dst[i] = 0;
}

/* A source fits its line: not empty, no control characters. */
static int one_line(const char *s)
{
    if (!*s || !strcmp(s, "-"))
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < ' ' || *s == 0x7f)
            return 0;
    return 1;
}

int trace_index_write(const char *dir, const trace_index_t *ix, imc_diag_t *d)
{
    char path[4096], model[TRACE_NAME_BYTES], arch[TRACE_NAME_BYTES];
    snprintf(path, sizeof path, "%s/%s", dir, TRACE_INDEX_NAME);
    clean_word(model, sizeof model, ix->model);
    clean_word(arch, sizeof arch, ix->arch);
    FILE *f = fopen(path, "w");
    if (!f) {
        diag_error(d, path, 0, 0, "cannot write the trace index");
        return -1;
    }
    fprintf(f, "imcsim-trace-index 2\nmodel %s 0x%016" PRIx64 "\narch %s 0x%016" PRIx64
            "\nsource %s\nlayers %d\n", model, ix->model_hash, arch, ix->arch_hash,
            one_line(ix->source) ? ix->source : "-", ix->n_layers);
    for (int i = 0; i < ix->n_layers; i++)
        fprintf(f, "%s\n", ix->files[i]);
    if (fclose(f)) {
        diag_error(d, path, 0, 0, "cannot write the trace index");
        return -1;
    }
    return 0;
}

void trace_index_free(trace_index_t *ix)
{
    free(ix->files);
    memset(ix, 0, sizeof *ix);
}

/* Reads one line without its newline; 0 at end of file, -1 if too long. */
static int get_line(FILE *f, char *buf, size_t n)
{
    if (!fgets(buf, (int)n, f))
        return 0;
    size_t l = strlen(buf);
    if (l && buf[l - 1] == '\n')
        buf[--l] = 0;
    else if (!feof(f))
        return -1;
    if (l && buf[l - 1] == '\r') /* an index that went through a CRLF editor */
        buf[--l] = 0;
    return 1;
}

static int plain_file_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) >= TRACE_NAME_BYTES + 16)
        return 0;
    for (; *s; s++)
        if (*s == '/' || *s <= ' ' || *s == 0x7f)
            return 0;
    return 1;
}

int trace_index_read(const char *dir, trace_index_t *ix, imc_diag_t *d)
{
    char path[4096], line[TRACE_SOURCE_MAX + 16], tail;
    memset(ix, 0, sizeof *ix);
    snprintf(path, sizeof path, "%s/%s", dir, TRACE_INDEX_NAME);
    FILE *f = fopen(path, "r");
    if (!f) {
        diag_error(d, path, 0, 0, "cannot read the trace index (expected a directory written "
                   "by 'imcsim compile')");
        return -1;
    }
    int ln = 0, ver = 0, rc = -1;
    unsigned long long mh = 0, ah = 0;
    const char *want = "imcsim-trace-index 1 or 2";
#define NEXT(expect)                                                                  \
    do {                                                                              \
        ln++;                                                                         \
        int g_ = get_line(f, line, sizeof line);                                      \
        if (g_ <= 0) {                                                                \
            diag_error(d, path, ln, 1, "%s (expected %s)",                            \
                       g_ ? "line too long" : "unexpected end of file", expect);      \
            goto out;                                                                 \
        }                                                                             \
    } while (0)
    NEXT(want);
    if (sscanf(line, "imcsim-trace-index %d %c", &ver, &tail) != 1 || ver < 1 || ver > 2) {
        diag_error(d, path, ln, 1, "unsupported index header '%s' (expected %s)", line, want);
        goto out;
    }
    NEXT("'model NAME 0xHASH'");
    if (sscanf(line, "model %63s 0x%16llx %c", ix->model, &mh, &tail) != 2) {
        diag_error(d, path, ln, 1, "bad model line '%s' (expected 'model NAME 0xHASH')", line);
        goto out;
    }
    NEXT("'arch NAME 0xHASH'");
    if (sscanf(line, "arch %63s 0x%16llx %c", ix->arch, &ah, &tail) != 2) {
        diag_error(d, path, ln, 1, "bad arch line '%s' (expected 'arch NAME 0xHASH')", line);
        goto out;
    }
    ix->model_hash = mh;
    ix->arch_hash = ah;
    if (ver >= 2) {
        NEXT("'source ZOO_NAME|FILE'");
        if (strncmp(line, "source ", 7) || !line[7] || strlen(line + 7) >= sizeof ix->source) {
            diag_error(d, path, ln, 1, "bad source line '%s' (expected 'source ZOO_NAME|FILE', "
                       "or 'source -')", line);
            goto out;
        }
        if (strcmp(line + 7, "-"))
            snprintf(ix->source, sizeof ix->source, "%s", line + 7);
    }
    NEXT("'layers N'");
    if (sscanf(line, "layers %d %c", &ix->n_layers, &tail) != 1 || ix->n_layers < 1 ||
        ix->n_layers > 65536) {
        diag_error(d, path, ln, 1, "bad layers line '%s' (expected 'layers N', 1 <= N <= 65536)",
                   line);
        goto out;
    }
    ix->files = calloc((size_t)ix->n_layers, sizeof *ix->files);
    if (!ix->files) {
        diag_error(d, path, ln, 1, "out of memory");
        goto out;
    }
    for (int i = 0; i < ix->n_layers; i++) {
        NEXT("a layer file name");
        if (!plain_file_name(line)) {
            diag_error(d, path, ln, 1, "bad layer file name '%s' (expected a plain file name in "
                       "the directory)", line);
            goto out;
        }
        snprintf(ix->files[i], sizeof ix->files[i], "%s", line);
    }
    ln++;
    if (get_line(f, line, sizeof line)) {
        diag_error(d, path, ln, 1, "unexpected line after %d layers", ix->n_layers);
        goto out;
    }
    rc = 0;
out:
#undef NEXT
    fclose(f);
    if (rc)
        trace_index_free(ix);
    return rc;
}

int trace_dir_read(const char *dir, const trace_read_opts_t *opts, trace_layer_t **layers,
                   int *n, imc_diag_t *d)
{
    trace_index_t ix;
    *layers = NULL;
    *n = 0;
    if (trace_index_read(dir, &ix, d))
        return -1;
    char ipath[4096];
    snprintf(ipath, sizeof ipath, "%s/%s", dir, TRACE_INDEX_NAME);
    if (opts && opts->check_arch && opts->arch_hash != ix.arch_hash) {
        diag_error(d, ipath, 3, 1, "arch hash 0x%016" PRIx64 " does not match the "
                   "architecture's hash 0x%016" PRIx64 " (traces compiled for another "
                   "architecture)", ix.arch_hash, opts->arch_hash);
        trace_index_free(&ix);
        return -1;
    }
    if (opts && opts->check_model && opts->model_hash != ix.model_hash) {
        diag_error(d, ipath, 2, 1, "model hash 0x%016" PRIx64 " does not match the model's "
                   "hash 0x%016" PRIx64 " (traces compiled from another model)", ix.model_hash,
                   opts->model_hash);
        trace_index_free(&ix);
        return -1;
    }
    trace_read_opts_t o = {1, ix.arch_hash, 1, ix.model_hash, opts ? opts->skip_checksum : 0};
    trace_layer_t *l = calloc((size_t)ix.n_layers, sizeof *l);
    int rc = l ? 0 : -1, i;
    if (!l)
        diag_error(d, ipath, 0, 0, "out of memory");
    for (i = 0; !rc && i < ix.n_layers; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, ix.files[i]);
        rc = trace_read_file(path, &o, &l[i], d);
        if (!rc && (l[i].layer != (uint32_t)i || l[i].n_layers != (uint32_t)ix.n_layers ||
                    l[i].n_tiles != l[0].n_tiles || l[i].n_ces != l[0].n_ces)) {
            diag_error(d, path, 0, 0, "holds layer %u of %u on %u tiles (expected layer %d of "
                       "%d on %u tiles, as listed in %s)", l[i].layer, l[i].n_layers,
                       l[i].n_tiles, i, ix.n_layers, l[0].n_tiles, TRACE_INDEX_NAME);
            rc = -1;
        }
    }
    if (rc) {
        trace_layers_free(l, ix.n_layers);
    } else {
        *layers = l;
        *n = ix.n_layers;
    }
    trace_index_free(&ix);
    return rc;
}
