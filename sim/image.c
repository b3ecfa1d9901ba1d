/* The model image (image.h, docs/vp.md). */
#include "image.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "weights.h"

/* ---------------------------------------------------------------- bytes */

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
    int oom;
} buf_t;

static void put(buf_t *b, const void *src, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n) /* src may be NULL then (an empty string) */
        memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put_u32(buf_t *b, uint32_t v)
{
    uint8_t x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    put(b, x, 4);
}

static void put_u64(buf_t *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static void put_str(buf_t *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    put_u32(b, (uint32_t)n);
    put(b, s, n);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p) { return get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }

static void set_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* CRC-32 of the image with its checksum field read as zero. */
static uint32_t image_crc(const uint8_t *p, size_t len)
{
    static const uint8_t zero[4] = {0, 0, 0, 0};
    uint32_t c = trace_crc32(0, p, IMAGE_OFF_CHECKSUM);
    c = trace_crc32(c, zero, 4);
    return trace_crc32(c, p + IMAGE_OFF_CHECKSUM + 4, len - IMAGE_OFF_CHECKSUM - 4);
}

/* ---------------------------------------------------------------- writer */

typedef struct section {
    uint32_t type, index;
    buf_t data;
} section_t;

static char *mapping_json_text(const mapping_t *mp, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        return NULL;
    mapping_write_json(mp, f);
    if (fclose(f)) {
        free(text);
        return NULL;
    }
    return text;
}

int image_write(const image_src_t *s, uint8_t **out, size_t *out_len, imc_diag_t *d)
{
    *out = NULL;
    *out_len = 0;
    const model_t *m = s->model;
    const int n = 4 + m->n_layers;
    section_t *sec = calloc((size_t)n, sizeof *sec);
    if (!sec) {
        diag_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    int rc = 0;
    sec[0].type = s->model_onnx ? IMAGE_SEC_MODEL_ONNX : IMAGE_SEC_MODEL_YAML;
    put(&sec[0].data, s->model_bytes, s->model_len);
    sec[1].type = IMAGE_SEC_OPTS;
    put_u32(&sec[1].data, (uint32_t)s->mopts.weight_bits);
    put_u32(&sec[1].data, (uint32_t)s->mopts.act_bits);
    put_str(&sec[1].data, m->name);
    put_str(&sec[1].data, s->mopts.input_shape);
    sec[2].type = IMAGE_SEC_CALIB;
    const uint32_t in_values = (uint32_t)m->in_h * (uint32_t)m->in_w * (uint32_t)m->in_c;
    put_u32(&sec[2].data, (uint32_t)s->n_calib);
    put_u32(&sec[2].data, in_values);
    for (size_t i = 0; i < (size_t)s->n_calib * in_values; i++) {
        uint32_t bits;
        memcpy(&bits, &s->calib[i], 4);
        put_u32(&sec[2].data, bits);
    }
    sec[3].type = IMAGE_SEC_MAPPING;
    size_t jl = 0;
    char *json = mapping_json_text(s->mapping, &jl);
    if (!json)
        rc = -1;
    else
        put(&sec[3].data, json, jl);
    free(json);
    for (int l = 0; l < m->n_layers && !rc; l++) {
        uint8_t *t;
        size_t tl;
        if (trace_encode(&s->layers[l], &t, &tl)) {
            diag_error(d, NULL, 0, 0, "the traces of layer '%s' are too large for an image",
                       m->layers[l].name);
            rc = -1;
            break;
        }
        sec[4 + l].type = IMAGE_SEC_TRACE;
        sec[4 + l].index = (uint32_t)l;
        put(&sec[4 + l].data, t, tl);
        free(t);
    }
    buf_t b = {0};
    if (!rc) {
        uint64_t off = IMAGE_HEADER_BYTES + (uint64_t)n * IMAGE_SECTION_BYTES;
        uint64_t total = off;
        for (int i = 0; i < n; i++)
            total += sec[i].data.len;
        put(&b, IMAGE_MAGIC, 8);
        put_u32(&b, IMAGE_VERSION);
        put_u32(&b, IMAGE_HEADER_BYTES);
        put_u64(&b, total);
        put_u64(&b, s->arch->hash);
        put_u64(&b, m->hash);
        put_u32(&b, (uint32_t)n);
        put_u32(&b, 0); /* the CRC, below */
        put_u32(&b, in_values);
        put_u32(&b, s->out_values);
        put_u32(&b, (uint32_t)s->policy);
        put_u32(&b, 0);
        for (int i = 0; i < n; i++) {
            put_u32(&b, sec[i].type);
            put_u32(&b, sec[i].index);
            put_u64(&b, off);
            put_u64(&b, sec[i].data.len);
            off += sec[i].data.len;
        }
        for (int i = 0; i < n; i++)
            put(&b, sec[i].data.p, sec[i].data.len);
        if (total > IMAGE_MAX_BYTES) {
            diag_error(d, NULL, 0, 0, "the image would be %llu bytes (expected at most %llu)",
                       (unsigned long long)total, (unsigned long long)IMAGE_MAX_BYTES);
            rc = -1;
        }
    }
    for (int i = 0; i < n; i++) {
        if (sec[i].data.oom)
            rc = -1;
        free(sec[i].data.p);
    }
    free(sec);
    if (b.oom || (rc && !d->len)) {
        diag_error(d, NULL, 0, 0, "out of memory");
        rc = -1;
    }
    if (rc) {
        free(b.p);
        return -1;
    }
    set_u32(b.p + IMAGE_OFF_CHECKSUM, image_crc(b.p, b.len));
    *out = b.p;
    *out_len = b.len;
    return 0;
}

/* ---------------------------------------------------------------- reader */

#define U(x) ((unsigned long long)(x))

__attribute__((format(printf, 5, 6))) static image_err_t
fail_at(image_err_t e, uint64_t off, uint64_t *err_off, imc_diag_t *d, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(d, "image", 0, 0, "byte %llu: %s", (unsigned long long)off, msg);
    *err_off = off;
    return e;
}

/* A length-prefixed string of section [p, end) into out (NUL-terminated). */
static int get_str(const uint8_t **p, const uint8_t *end, char *out, size_t cap)
{
    if (end - *p < 4)
        return -1;
    uint32_t n = get_u32(*p);
    *p += 4;
    if (n >= cap || (uint64_t)(end - *p) < n)
        return -1;
    memcpy(out, *p, n);
    out[n] = 0;
    *p += n;
    return 0;
}

image_err_t image_parse(const void *buf, size_t len, uint64_t arch_hash, image_view_t *v,
                        uint64_t *err_off, imc_diag_t *d)
{
    const uint8_t *p = buf;
    memset(v, 0, sizeof *v);
    *err_off = 0;
    if (len < 8 || memcmp(p, IMAGE_MAGIC, 8))
        return fail_at(IMAGE_ERR_MAGIC, 0, err_off, d, "bad magic (expected \"IMCSIMG\" and a NUL)");
    if (len < IMAGE_HEADER_BYTES)
        return fail_at(IMAGE_ERR_BOUNDS, len, err_off, d,
                       "truncated header: %llu bytes (expected %llu)", U(len), U(IMAGE_HEADER_BYTES));
    if (get_u32(p + 8) != IMAGE_VERSION)
        return fail_at(IMAGE_ERR_VERSION, 8, err_off, d, "version %llu (expected %llu)", U(get_u32(p + 8)), U(IMAGE_VERSION));
    if (get_u32(p + 12) != IMAGE_HEADER_BYTES)
        return fail_at(IMAGE_ERR_BOUNDS, 12, err_off, d, "header of %llu bytes (expected %llu)", U(get_u32(p + 12)), U(IMAGE_HEADER_BYTES));
    const uint64_t total = get_u64(p + 16);
    const uint32_t n = get_u32(p + 40);
    if (n < 4 || n > IMAGE_MAX_SECTIONS)
        return fail_at(IMAGE_ERR_BOUNDS, 40, err_off, d, "%llu sections (expected 4..%llu)", U(n), U(IMAGE_MAX_SECTIONS));
    const uint64_t table_end = IMAGE_HEADER_BYTES + (uint64_t)n * IMAGE_SECTION_BYTES;
    if (total < table_end || total > IMAGE_MAX_BYTES)
        return fail_at(IMAGE_ERR_BOUNDS, 16, err_off, d, "total size %llu (expected %llu..2^31)", U(total), U(table_end));
    if (len < total)
        return fail_at(IMAGE_ERR_BOUNDS, len, err_off, d, "truncated at byte %llu (the header says %llu bytes)", U(len), U(total));
    const uint32_t crc = get_u32(p + IMAGE_OFF_CHECKSUM), want = image_crc(p, (size_t)total);
    if (crc != want)
        return fail_at(IMAGE_ERR_CHECKSUM, IMAGE_OFF_CHECKSUM, err_off, d,
                       "checksum 0x%08llx (expected 0x%08llx: the image is corrupt)", U(crc), U(want));
    if (get_u64(p + 24) != arch_hash)
        return fail_at(IMAGE_ERR_ARCH, 24, err_off, d,
                       "compiled for architecture 0x%016llx (expected 0x%016llx, this accelerator's)", U(get_u64(p + 24)), U(arch_hash));
    v->total = total;
    v->arch_hash = arch_hash;
    v->model_hash = get_u64(p + 32);
    v->in_values = get_u32(p + 48);
    v->out_values = get_u32(p + 52);
    v->policy = get_u32(p + 56);
    if (!v->in_values)
        return fail_at(IMAGE_ERR_BOUNDS, 48, err_off, d, "%llu input values (expected at least %llu)", U(0), U(1));
    if (v->policy > REPLICATE_MAX)
        return fail_at(IMAGE_ERR_BOUNDS, 56, err_off, d, "replication policy %llu (expected 0..%llu)", U(v->policy), U(REPLICATE_MAX));
    uint32_t n_traces = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = p + IMAGE_HEADER_BYTES + (size_t)i * IMAGE_SECTION_BYTES;
        const uint64_t eo = (uint64_t)(e - p);
        const uint64_t off = get_u64(e + 8), sl = get_u64(e + 16);
        if (off < table_end || off > total || sl > total - off)
            return fail_at(IMAGE_ERR_BOUNDS, eo + 8, err_off, d,
                           "section at %llu of %llu bytes lies outside the image", U(off), U(sl));
        if (get_u32(e) == IMAGE_SEC_TRACE)
            n_traces++;
    }
    v->trace = calloc(n_traces ? n_traces : 1, sizeof *v->trace);
    v->trace_len = calloc(n_traces ? n_traces : 1, sizeof *v->trace_len);
    if (!v->trace || !v->trace_len) {
        image_view_free(v);
        diag_error(d, "image", 0, 0, "out of memory");
        return IMAGE_ERR_BOUNDS;
    }
    v->n_traces = n_traces;
    int have_model = 0, have_opts = 0, have_calib = 0;
    image_err_t rc = IMAGE_OK;
    for (uint32_t i = 0; i < n && !rc; i++) {
        const uint8_t *e = p + IMAGE_HEADER_BYTES + (size_t)i * IMAGE_SECTION_BYTES;
        const uint64_t eo = (uint64_t)(e - p);
        const uint32_t type = get_u32(e), index = get_u32(e + 4);
        const uint8_t *s = p + get_u64(e + 8), *end = s + get_u64(e + 16);
        const uint64_t so = (uint64_t)(s - p);
        switch (type) {
        case IMAGE_SEC_MODEL_ONNX:
        case IMAGE_SEC_MODEL_YAML:
            if (have_model++)
                return image_view_free(v), fail_at(IMAGE_ERR_CONTENT, eo, err_off, d, "a second model section");
            v->model = s;
            v->model_len = (size_t)(end - s);
            v->model_onnx = type == IMAGE_SEC_MODEL_ONNX;
            break;
        case IMAGE_SEC_OPTS: {
            const uint8_t *q = s + 8;
            if (have_opts++ || end - s < 8 || get_str(&q, end, v->name, sizeof v->name) ||
                get_str(&q, end, v->input_shape, sizeof v->input_shape) || q != end || !v->name[0])
                rc = fail_at(IMAGE_ERR_BOUNDS, so, err_off, d, "malformed options section (%llu bytes)", U((uint64_t)(end - s)));
            else {
                v->weight_bits = (int32_t)get_u32(s);
                v->act_bits = (int32_t)get_u32(s + 4);
            }
            break;
        }
        case IMAGE_SEC_CALIB: {
            uint64_t cn = end - s >= 8 ? get_u32(s) : 0, cv = end - s >= 8 ? get_u32(s + 4) : 0;
            const uint64_t room = end - s >= 8 ? (uint64_t)(end - s) - 8 : 0;
            if (have_calib++ || end - s < 8 || cv != v->in_values || cn > room / 4 / cv ||
                room != 4 * cn * cv)
                rc = fail_at(IMAGE_ERR_BOUNDS, so, err_off, d,
                             "calibration section of %llu bytes (expected 8 + 4 x samples x %llu)", U((uint64_t)(end - s)), U(v->in_values));
            else {
                float *c = malloc(4 * cn * cv + 4);
                if (c)
                    memcpy(c, s + 8, 4 * cn * cv);
                v->calib = c;
                v->n_calib = (uint32_t)cn;
                v->calib_values = (uint32_t)cv;
            }
            break;
        }
        case IMAGE_SEC_MAPPING:
            v->mapping_json = (const char *)s;
            v->mapping_len = (size_t)(end - s);
            break;
        case IMAGE_SEC_TRACE:
            if (index >= n_traces || v->trace[index])
                rc = fail_at(IMAGE_ERR_BOUNDS, eo + 4, err_off, d, "trace of layer %llu (expected one each of 0..%llu)", U(index), U(n_traces - 1));
            else {
                v->trace[index] = s;
                v->trace_len[index] = (size_t)(end - s);
            }
            break;
        default:
            rc = fail_at(IMAGE_ERR_BOUNDS, eo, err_off, d, "section type %llu (expected 1..%llu)", U(type), U(IMAGE_SEC_TRACE));
        }
    }
    if (!rc && (!have_model || !have_opts || !have_calib || !v->mapping_json))
        rc = fail_at(IMAGE_ERR_BOUNDS, 40, err_off, d, "a model, options, calibration and mapping section are all "
                     "required (%llu sections)", U(n));
    if (rc)
        image_view_free(v);
    return rc;
}

void image_view_free(image_view_t *v)
{
    free((void *)v->calib);
    free(v->trace);
    free(v->trace_len);
    memset(v, 0, sizeof *v);
}

/* ---------------------------------------------------------------- loading */

image_err_t image_load(const image_view_t *v, const arch_t *a, image_job_t *j, imc_diag_t *d)
{
    memset(j, 0, sizeof *j);
    model_opts_t mo = {v->weight_bits, v->act_bits, v->input_shape[0] ? v->input_shape : NULL, NULL};
    int rc = v->model_onnx ? model_load_onnx_mem(v->name, v->model, v->model_len, &mo, &j->model, d)
                           : model_load_string(v->name, (const char *)v->model, v->model_len, &j->model, d);
    if (rc)
        return IMAGE_ERR_CONTENT;
    if (j->model.hash != v->model_hash || (uint64_t)v->in_values !=
                                              (uint64_t)j->model.in_h * j->model.in_w * j->model.in_c) {
        diag_error(d, "image", 0, 0, "the model section loads as model '%s' 0x%016llx (expected the "
                   "header's 0x%016llx)", j->model.name, (unsigned long long)j->model.hash,
                   (unsigned long long)v->model_hash);
        image_job_free(j);
        return IMAGE_ERR_CONTENT;
    }
    j->has_weights = model_has_weights(&j->model);
    if (compile_model(a, &j->model, (replicate_policy_t)v->policy, &j->mapping, d)) {
        image_job_free(j);
        return IMAGE_ERR_CONTENT;
    }
    size_t jl = 0;
    char *json = mapping_json_text(&j->mapping, &jl);
    if (!json || jl != v->mapping_len || memcmp(json, v->mapping_json, jl)) {
        diag_error(d, "image", 0, 0, "the image's mapping differs from this accelerator's compile "
                   "of its model (another imcsim version?)");
        free(json);
        image_job_free(j);
        return IMAGE_ERR_CONTENT;
    }
    free(json);
    if (v->n_traces != (uint32_t)j->model.n_layers) {
        diag_error(d, "image", 0, 0, "%u trace sections (expected %d, one per layer of model '%s')",
                   v->n_traces, j->model.n_layers, j->model.name);
        image_job_free(j);
        return IMAGE_ERR_CONTENT;
    }
    j->layers = calloc((size_t)v->n_traces, sizeof *j->layers);
    if (!j->layers) {
        image_job_free(j);
        return IMAGE_ERR_CONTENT;
    }
    trace_read_opts_t o = {1, a->hash, 1, j->model.hash, 0};
    for (uint32_t l = 0; l < v->n_traces; l++) {
        char name[32];
        snprintf(name, sizeof name, "image trace %u", l);
        if (trace_read_mem(name, v->trace[l], v->trace_len[l], &o, &j->layers[l], d) ||
            j->layers[l].layer != l) {
            if (!d->len)
                diag_error(d, name, 0, 0, "holds layer %u", j->layers[l].layer);
            image_job_free(j);
            return IMAGE_ERR_CONTENT;
        }
        j->n_layers = (int)l + 1;
    }
    return IMAGE_OK;
}

void image_job_free(image_job_t *j)
{
    if (j->layers)
        trace_layers_free(j->layers, j->n_layers);
    mapping_free(&j->mapping);
    model_free(&j->model);
    memset(j, 0, sizeof *j);
}
