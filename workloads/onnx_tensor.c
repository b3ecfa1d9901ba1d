/* ONNX tensors: describe where values lie at load, read them on request
 * (onnx_internal.h). Payloads stay in the file until read. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model_internal.h"
#include "onnx_internal.h"

enum {
    DT_FLOAT = 1, DT_UINT8, DT_INT8, DT_UINT16, DT_INT16, DT_INT32, DT_INT64, DT_STRING,
    DT_BOOL, DT_FLOAT16, DT_DOUBLE, DT_UINT32, DT_UINT64, DT_COMPLEX64, DT_COMPLEX128,
    DT_BFLOAT16
};

/* Data fields of TensorProto. */
enum { F_FLOAT = 4, F_INT32 = 5, F_INT64 = 7, F_RAW = 9, F_DOUBLE = 10, F_UINT64 = 11 };

#define MAX_ELEMENTS (1LL << 40)

int onnx_dtype_size(int dt)
{
    switch (dt) {
    case DT_UINT8: case DT_INT8: case DT_BOOL: return 1;
    case DT_UINT16: case DT_INT16: case DT_FLOAT16: case DT_BFLOAT16: return 2;
    case DT_FLOAT: case DT_INT32: case DT_UINT32: return 4;
    case DT_INT64: case DT_DOUBLE: case DT_UINT64: return 8;
    default: return 0;
    }
}

const char *onnx_dtype_name(int dt)
{
    static const char *const n[] = {"undefined", "float", "uint8", "int8", "uint16", "int16",
                                    "int32", "int64", "string", "bool", "float16", "double",
                                    "uint32", "uint64", "complex64", "complex128", "bfloat16"};
    return dt >= 0 && dt < (int)(sizeof n / sizeof n[0]) ? n[dt] : "unknown";
}

int onnx_dtype_int_bits(int dt, int *is_signed)
{
    *is_signed = dt == DT_INT8 || dt == DT_INT16 || dt == DT_INT32 || dt == DT_INT64;
    switch (dt) {
    case DT_UINT8: case DT_INT8: return 8;
    case DT_UINT16: case DT_INT16: return 16;
    case DT_UINT32: case DT_INT32: return 32;
    case DT_UINT64: case DT_INT64: return 64;
    case DT_BOOL: return 1;
    default: return 0;
    }
}

static char *store_strdup(model_t *m, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = model_store_alloc(m, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* The external data file: relative, inside the model's directory. */
static int check_location(const char *loc, char *err, size_t errlen)
{
    if (!*loc || loc[0] == '/') {
        snprintf(err, errlen, "external data location '%s' is not a relative path (expected "
                 "a file beside the model)", loc);
        return -1;
    }
    for (const char *p = loc; *p; p++)
        if (p[0] == '.' && p[1] == '.' && (p == loc || p[-1] == '/') &&
            (p[2] == '/' || p[2] == '\0')) {
            snprintf(err, errlen, "external data location '%s' leaves the model's directory "
                     "(expected a file beside the model)", loc);
            return -1;
        }
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!*s || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int external(const Onnx__TensorProto *t, const onnx_src_t *src, onnx_tensor_t *o,
                    model_t *m, char *err, size_t errlen)
{
    const char *loc = NULL;
    int has_len = 0;
    for (size_t i = 0; i < t->n_external_data; i++) {
        const Onnx__StringStringEntryProto *e = t->external_data[i];
        const char *k = e->key ? e->key : "", *v = e->value ? e->value : "";
        if (!strcmp(k, "location")) {
            loc = v;
        } else if (!strcmp(k, "offset") || !strcmp(k, "length")) {
            uint64_t x;
            if (parse_u64(v, &x)) {
                snprintf(err, errlen, "external data %s '%s' (expected a byte count)", k, v);
                return -1;
            }
            if (k[0] == 'o')
                o->ext_off = x;
            else
                o->ext_len = x, has_len = 1;
        }
    }
    if (!loc) {
        snprintf(err, errlen, "external data without a 'location' (expected the name of "
                 "the file holding the values)");
        return -1;
    }
    if (check_location(loc, err, errlen))
        return -1;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", src->dir ? src->dir : ".", loc);
    struct stat st;
    if (stat(path, &st) || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "external data file '%.400s' %s (expected a file beside the model)",
                 path, errno == ENOENT ? "does not exist" : "cannot be read");
        return -1;
    }
    uint64_t need = (uint64_t)o->n * (uint64_t)onnx_dtype_size(o->dtype);
    if (!has_len)
        o->ext_len = o->ext_off <= (uint64_t)st.st_size ? (uint64_t)st.st_size - o->ext_off : 0;
    if (o->ext_len != need) {
        snprintf(err, errlen, "external data of %" PRIu64 " bytes (expected %" PRIu64 " for "
                 "%" PRId64 " %s values)", o->ext_len, need, o->n, onnx_dtype_name(o->dtype));
        return -1;
    }
    if (o->ext_off > (uint64_t)st.st_size || o->ext_len > (uint64_t)st.st_size - o->ext_off) {
        snprintf(err, errlen, "external data file '%.400s' has %lld bytes but the values lie at "
                 "%" PRIu64 "..%" PRIu64 " (expected a complete file)", path,
                 (long long)st.st_size, o->ext_off, o->ext_off + o->ext_len);
        return -1;
    }
    o->ext = store_strdup(m, loc);
    return o->ext ? 0 : -1;
}

int onnx_tensor_from_proto(model_t *m, const onnx_wire_t *w, const Onnx__TensorProto *t,
                           const onnx_src_t *src, onnx_tensor_t *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->name = store_strdup(m, t->name ? t->name : "");
    o->dtype = t->has_data_type ? t->data_type : 0;
    if (!o->name) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (!onnx_dtype_size(o->dtype)) {
        snprintf(err, errlen, "data type %d (%s) (expected a numeric type: float, float16, "
                 "double, int8..int64, uint8..uint64, bool)", o->dtype,
                 onnx_dtype_name(o->dtype));
        return -1;
    }
    if (t->n_dims > ONNX_MAX_RANK) {
        snprintf(err, errlen, "rank %zu (expected at most %d)", t->n_dims, ONNX_MAX_RANK);
        return -1;
    }
    o->rank = (int)t->n_dims;
    o->n = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        int64_t dv = t->dims[i];
        if (dv < 0 || (dv > 0 && o->n > MAX_ELEMENTS / dv)) {
            snprintf(err, errlen, "dimension %zu is %" PRId64 " (expected 0..%lld elements in all)",
                     i, dv, MAX_ELEMENTS);
            return -1;
        }
        o->dims[i] = dv;
        o->n *= dv;
    }
    if (t->segment) {
        snprintf(err, errlen, "a segmented tensor (expected the whole tensor in one message)");
        return -1;
    }
    int first = onnx_wire_spans(w, t, &o->n_spans);
    if (o->n_spans) {
        o->spans = model_store_alloc(m, sizeof *o->spans * (size_t)o->n_spans);
        if (!o->spans) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        memcpy(o->spans, w->spans + first, sizeof *o->spans * (size_t)o->n_spans);
    }
    size_t n_inl = t->n_float_data + t->n_int32_data + t->n_int64_data + t->n_double_data +
                   t->n_uint64_data;
    if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
        if (o->n_spans || n_inl) {
            snprintf(err, errlen, "values both in the file and in external data (expected one)");
            return -1;
        }
        return external(t, src, o, m, err, errlen);
    }
    if (n_inl) {
        if (o->n_spans) {
            snprintf(err, errlen, "values both packed and unpacked (expected one encoding)");
            return -1;
        }
        o->inl = model_store_alloc(m, sizeof *o->inl * n_inl);
        o->inl_i = model_store_alloc(m, sizeof *o->inl_i * n_inl);
        if (!o->inl || !o->inl_i) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        size_t k = 0;
        for (size_t i = 0; i < t->n_float_data; i++, k++)
            o->inl[k] = t->float_data[i], o->inl_i[k] = onnx_f2i(t->float_data[i]);
        for (size_t i = 0; i < t->n_int32_data; i++, k++)
            o->inl[k] = t->int32_data[i], o->inl_i[k] = t->int32_data[i];
        for (size_t i = 0; i < t->n_int64_data; i++, k++)
            o->inl[k] = (double)t->int64_data[i], o->inl_i[k] = t->int64_data[i];
        for (size_t i = 0; i < t->n_double_data; i++, k++)
            o->inl[k] = t->double_data[i], o->inl_i[k] = onnx_f2i(t->double_data[i]);
        for (size_t i = 0; i < t->n_uint64_data; i++, k++)
            o->inl[k] = (double)t->uint64_data[i], o->inl_i[k] = (int64_t)t->uint64_data[i];
        o->n_inl = (int64_t)n_inl;
        if (o->n_inl != o->n) {
            snprintf(err, errlen, "%" PRId64 " values (expected %" PRId64 " from its shape)",
                     o->n_inl, o->n);
            return -1;
        }
        return 0;
    }
    if (!o->n_spans && o->n) {
        snprintf(err, errlen, "no values (expected %" PRId64 " in raw_data, a typed data field "
                 "or external data)", o->n);
        return -1;
    }
    /* One data field, sized as the shape says (varint fields are counted when read). */
    int f = o->n_spans ? o->spans[0].field : 0;
    uint64_t bytes = 0;
    for (int i = 0; i < o->n_spans; i++) {
        if (o->spans[i].field != f) {
            snprintf(err, errlen, "values in two data fields (%d and %d) (expected one)", f,
                     o->spans[i].field);
            return -1;
        }
        bytes = f == F_RAW ? o->spans[i].len : bytes + o->spans[i].len;
    }
    int es = onnx_dtype_size(o->dtype), ok = 1;
    switch (f) {
    case F_RAW: ok = bytes == (uint64_t)o->n * es; break;
    case F_FLOAT: ok = o->dtype == DT_FLOAT && bytes == (uint64_t)o->n * 4; break;
    case F_DOUBLE: ok = o->dtype == DT_DOUBLE && bytes == (uint64_t)o->n * 8; break;
    case F_INT64: ok = o->dtype == DT_INT64; break;
    case F_UINT64: ok = o->dtype == DT_UINT32 || o->dtype == DT_UINT64; break;
    case F_INT32: ok = es <= 4 && o->dtype != DT_FLOAT && o->dtype != DT_UINT32; break;
    default: break;
    }
    if (!ok) {
        static const char *const fn[12] = {"", "", "", "", "float_data", "int32_data", "",
                                           "int64_data", "", "raw_data", "double_data",
                                           "uint64_data"};
        snprintf(err, errlen, "%s of %" PRIu64 " bytes for %" PRId64 " %s values (expected %s)",
                 fn[f], bytes, o->n, onnx_dtype_name(o->dtype),
                 f == F_RAW || f == F_FLOAT || f == F_DOUBLE ? "a size matching the shape"
                                                             : "the field of its data type");
        return -1;
    }
    return 0;
}

/* Bytes [off, off + len) of the model file or of an external data file. */
static int fetch(const onnx_src_t *src, const char *ext, uint64_t off, uint64_t len, void *out,
                 char *err, size_t errlen)
{
    if (!ext && src->mem) {
        if (off > src->mem_len || len > src->mem_len - off) {
            snprintf(err, errlen, "bytes %" PRIu64 "..%" PRIu64 " lie outside the model",
                     off, off + len);
            return -1;
        }
        memcpy(out, src->mem + off, len);
        return 0;
    }
    char path[PATH_MAX];
    if (ext)
        snprintf(path, sizeof path, "%s/%s", src->dir ? src->dir : ".", ext);
    else
        snprintf(path, sizeof path, "%s", src->path ? src->path : "");
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open '%.400s': %s", path, strerror(errno));
        return -1;
    }
    uint64_t done = 0;
    while (done < len) {
        size_t chunk = len - done > (1u << 30) ? (1u << 30) : (size_t)(len - done);
        ssize_t r = pread(fd, (char *)out + done, chunk, (off_t)(off + done));
        if (r <= 0) {
            snprintf(err, errlen, "'%.400s' ends before byte %" PRIu64 " (it changed since it was "
                     "loaded?)", path, off + len);
            close(fd);
            return -1;
        }
        done += (uint64_t)r;
    }
    close(fd);
    return 0;
}

static float half_to_float(uint16_t h)
{
    uint32_t s = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1f, f = h & 0x3ff, u;
    if (e == 0) {
        if (!f) {
            u = s;
        } else { /* subnormal */
            e = 127 - 15 + 1;
            while (!(f & 0x400)) {
                f <<= 1;
                e--;
            }
            u = s | (e << 23) | ((f & 0x3ff) << 13);
        }
    } else if (e == 31) {
        u = s | 0x7f800000u | (f << 13);
    } else {
        u = s | ((e + 127 - 15) << 23) | (f << 13);
    }
    float v;
    memcpy(&v, &u, 4);
    return v;
}

/* One element of a little-endian raw buffer, as double and as integer. */
static void raw_elem(const uint8_t *p, int dt, double *f, int64_t *i)
{
    uint64_t u = 0;
    int es = onnx_dtype_size(dt);
    for (int k = es - 1; k >= 0; k--)
        u = u << 8 | p[k];
    switch (dt) {
    case DT_FLOAT: { float v; uint32_t b = (uint32_t)u; memcpy(&v, &b, 4); *f = v; *i = onnx_f2i(v); return; }
    case DT_DOUBLE: { double v; memcpy(&v, &u, 8); *f = v; *i = onnx_f2i(v); return; }
    case DT_FLOAT16: *f = half_to_float((uint16_t)u); *i = onnx_f2i(*f); return;
    case DT_BFLOAT16: { uint32_t b = (uint32_t)u << 16; float v; memcpy(&v, &b, 4); *f = v; *i = onnx_f2i(v); return; }
    case DT_INT8: *i = (int8_t)u; break;
    case DT_INT16: *i = (int16_t)u; break;
    case DT_INT32: *i = (int32_t)u; break;
    case DT_INT64: *i = (int64_t)u; break;
    case DT_BOOL: *i = u != 0; break;
    default: *i = (int64_t)u; break; /* unsigned */
    }
    *f = (double)*i;
}

/* A decoded varint element of int32_data / int64_data / uint64_data as the
 * tensor's type means it. */
static void varint_elem(uint64_t v, int field, int dt, double *f, int64_t *i)
{
    if (field == F_INT32) {
        int32_t x = (int32_t)(uint32_t)v;
        if (dt == DT_FLOAT16 || dt == DT_BFLOAT16) {
            uint8_t b[2] = {(uint8_t)x, (uint8_t)(x >> 8)};
            raw_elem(b, dt, f, i);
            return;
        }
        *i = dt == DT_UINT8 ? (uint8_t)x : dt == DT_UINT16 ? (uint16_t)x
                                         : dt == DT_BOOL ? x != 0 : x;
    } else {
        *i = (int64_t)v;
    }
    *f = field == F_UINT64 ? (double)v : (double)*i;
}

typedef struct sink {
    float *f;
    int64_t *i;
} sink_t;

static void emit(sink_t *s, int64_t k, double f, int64_t i)
{
    if (s->f)
        s->f[k] = (float)f;
    else
        s->i[k] = i;
}

static int read_any(const onnx_src_t *src, const onnx_tensor_t *t, sink_t *s, imc_diag_t *d,
                    const char *file, const char *what)
{
    char err[512] = "";
    int es = onnx_dtype_size(t->dtype);
    if (t->n_inl || t->n == 0) {
        for (int64_t k = 0; k < t->n_inl; k++)
            emit(s, k, t->inl[k], t->inl_i[k]);
        return 0;
    }
    uint64_t len = 0, off = 0;
    int field = F_RAW;
    if (t->ext) {
        len = t->ext_len, off = t->ext_off;
    } else {
        field = t->spans[0].field;
        for (int k = 0; k < t->n_spans; k++)
            len = field == F_RAW ? t->spans[k].len : len + t->spans[k].len;
    }
    /* Floats stored as floats go straight to the caller's array. */
    int direct = s->f && t->dtype == DT_FLOAT && (field == F_RAW || field == F_FLOAT);
    uint8_t *buf = direct ? (uint8_t *)s->f : malloc(len ? len : 1);
    if (!buf) {
        diag_error(d, file, 0, 0, "%s: out of memory for %" PRIu64 " bytes", what, len);
        return -1;
    }
    int rc = 0;
    if (t->ext) {
        rc = fetch(src, t->ext, off, len, buf, err, sizeof err);
    } else if (field == F_RAW) {
        const onnx_span_t *sp = &t->spans[t->n_spans - 1]; /* a repeated bytes field: the last */
        rc = fetch(src, NULL, sp->off, sp->len, buf, err, sizeof err);
    } else {
        uint64_t at = 0;
        for (int k = 0; k < t->n_spans && !rc; k++) {
            rc = fetch(src, NULL, t->spans[k].off, t->spans[k].len, buf + at, err, sizeof err);
            at += t->spans[k].len;
        }
    }
    if (!rc && !direct) {
        if (field == F_RAW || field == F_FLOAT || field == F_DOUBLE) {
            int dt = field == F_FLOAT ? DT_FLOAT : field == F_DOUBLE ? DT_DOUBLE : t->dtype;
            int sz = field == F_RAW ? es : onnx_dtype_size(dt);
            for (int64_t k = 0; k < t->n; k++) {
                double f;
                int64_t i;
                raw_elem(buf + k * sz, dt, &f, &i);
                emit(s, k, f, i);
            }
        } else { /* packed varints: count them as they come */
            uint64_t pos = 0;
            int64_t k = 0;
            while (pos < len && k <= t->n) {
                uint64_t v = 0;
                int sh = 0;
                uint8_t b;
                do {
                    b = buf[pos++];
                    if (sh < 64)
                        v |= (uint64_t)(b & 0x7f) << sh;
                    sh += 7;
                } while ((b & 0x80) && pos < len);
                if (k < t->n) {
                    double f;
                    int64_t i;
                    varint_elem(v, field, t->dtype, &f, &i);
                    emit(s, k, f, i);
                }
                k++;
            }
            if (k != t->n) {
                snprintf(err, sizeof err, "%" PRId64 "%s values (expected %" PRId64 " from its "
                         "shape)", k, k > t->n ? " or more" : "", t->n);
                rc = -1;
            }
        }
    }
    if (!direct)
        free(buf);
    if (rc)
        diag_error(d, file, 0, 0, "%s: %s", what, err);
    return rc;
}

int onnx_read_f32(const onnx_src_t *src, const onnx_tensor_t *t, float *out, imc_diag_t *d,
                  const char *file, const char *what)
{
    sink_t s = {out, NULL};
    return read_any(src, t, &s, d, file, what);
}

int onnx_read_i64(const onnx_src_t *src, const onnx_tensor_t *t, int64_t *out,
                  imc_diag_t *d, const char *file, const char *what)
{
    int sg;
    if (!onnx_dtype_int_bits(t->dtype, &sg)) {
        diag_error(d, file, 0, 0, "%s: %s values (expected integers)", what,
                   onnx_dtype_name(t->dtype));
        return -1;
    }
    sink_t s = {NULL, out};
    return read_any(src, t, &s, d, file, what);
}
