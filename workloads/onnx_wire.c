/* ONNX wire format: validate, strip tensor payloads, decode (onnx_wire.h).
 *
 * The walk follows the descriptors protoc-c generated, so it knows which
 * fields are messages and which wire type each field takes. It copies the
 * message into a new buffer, leaving out unknown fields and the payloads of
 * TensorProto data fields (recorded as spans, marked in the copy by two
 * fields onnx.proto does not use, which protobuf-c keeps as unknown fields).
 * Sub-message lengths in the copy are written as 5-byte varints, which
 * protobuf-c reads like any other. Whatever passes the walk decodes. */
#include "onnx_wire.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 48                  /* nesting of messages (ONNX needs < 10) */
#define MARK_FIRST 4242               /* unknown fields carrying a tensor's spans */
#define MARK_COUNT 4243
#define MAX_MESSAGE (2147483647u - 16) /* protobuf's 2 GB limit */

typedef struct walker {
    const uint8_t *data;
    size_t size;
    const char *file;
    imc_diag_t *d;
    onnx_wire_t *w;
    char path[512];                   /* field path of the current message */
} walker_t;

static int fail(walker_t *k, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(walker_t *k, size_t off, const char *fmt, ...)
{
    char loc[1200], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(loc, sizeof loc, "%s: offset %zu", k->file, off);
    size_t n = strlen(k->path); /* a deep path keeps its end */
    diag_error(k->d, loc, 0, 0, "%s%s%s%s", msg, n ? " in " : "", n > 120 ? "..." : "",
               k->path + (n > 120 ? n - 117 : 0));
    return -1;
}

static int grow(onnx_wire_t *w, size_t n)
{
    if (w->len + n <= w->cap)
        return 0;
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n)
        cap *= 2;
    uint8_t *b = realloc(w->buf, cap);
    if (!b)
        return -1;
    w->buf = b;
    w->cap = cap;
    return 0;
}

static int put(onnx_wire_t *w, const void *p, size_t n)
{
    if (grow(w, n))
        return -1;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    return 0;
}

static int put_varint(onnx_wire_t *w, uint64_t v)
{
    uint8_t b[10];
    int n = 0;
    do {
        b[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return put(w, b, (size_t)n);
}

/* A varint at *pos (at most 10 bytes), or -1 if it runs past end. */
static int get_varint(const uint8_t *p, size_t *pos, size_t end, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 10 && *pos < end; i++) {
        uint8_t b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

static int wire_of(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT: return PROTOBUF_C_WIRE_TYPE_32BIT;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return PROTOBUF_C_WIRE_TYPE_64BIT;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE: return PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
    default: return PROTOBUF_C_WIRE_TYPE_VARINT;
    }
}

static const char *wire_name(int wt)
{
    static const char *const n[8] = {"varint", "64-bit", "length-delimited", "group start",
                                     "group end", "32-bit", "invalid 6", "invalid 7"};
    return n[wt & 7];
}

/* A packed repeated payload must hold whole elements. */
static int check_packed(walker_t *k, const ProtobufCFieldDescriptor *fd, size_t pos,
                        size_t end)
{
    int wt = wire_of(fd->type);
    if (wt == PROTOBUF_C_WIRE_TYPE_32BIT || wt == PROTOBUF_C_WIRE_TYPE_64BIT) {
        size_t sz = wt == PROTOBUF_C_WIRE_TYPE_32BIT ? 4 : 8;
        if ((end - pos) % sz)
            return fail(k, pos, "packed field '%s' (%u) holds %zu bytes (expected a multiple "
                        "of %zu)", fd->name, fd->id, end - pos, sz);
        return 0;
    }
    while (pos < end) {
        size_t at = pos;
        uint64_t v;
        if (get_varint(k->data, &pos, end, &v))
            return fail(k, at, "packed field '%s' (%u) ends inside a varint (expected "
                        "complete varints)", fd->name, fd->id);
    }
    return 0;
}

static int walk(walker_t *k, const ProtobufCMessageDescriptor *desc, size_t pos, size_t end,
                int depth);

/* Field path bookkeeping: "graph.node[3].attribute[0]". */
static size_t path_push(walker_t *k, const char *name, int index)
{
    size_t n = strlen(k->path);
    if (index >= 0)
        snprintf(k->path + n, sizeof k->path - n, "%s%s[%d]", n ? "." : "", name, index);
    else
        snprintf(k->path + n, sizeof k->path - n, "%s%s", n ? "." : "", name);
    return n;
}

static int walk(walker_t *k, const ProtobufCMessageDescriptor *desc, size_t pos, size_t end,
                int depth)
{
    onnx_wire_t *w = k->w;
    int is_tensor = desc == &onnx__tensor_proto__descriptor;
    int first_span = w->n_spans;
    int seen[64] = {0};               /* occurrences per field number, for paths */
    if (depth > MAX_DEPTH)
        return fail(k, pos, "messages nested more than %d deep (expected an ONNX model)",
                    MAX_DEPTH);
    while (pos < end) {
        size_t at = pos;
        uint64_t key;
        if (get_varint(k->data, &pos, end, &key))
            return fail(k, at, "truncated field key (expected a complete protobuf message)");
        uint64_t field = key >> 3;
        int wt = (int)(key & 7);
        if (field == 0 || field > 0x1fffffff)
            return fail(k, at, "field number %" PRIu64 " (expected 1..536870911)", field);
        size_t pay = pos, pay_end;
        uint64_t v;
        switch (wt) {
        case PROTOBUF_C_WIRE_TYPE_VARINT:
            if (get_varint(k->data, &pos, end, &v))
                return fail(k, pay, "truncated varint of field %" PRIu64, field);
            break;
        case PROTOBUF_C_WIRE_TYPE_64BIT:
        case PROTOBUF_C_WIRE_TYPE_32BIT: {
            size_t sz = wt == PROTOBUF_C_WIRE_TYPE_32BIT ? 4 : 8;
            if (end - pos < sz)
                return fail(k, pay, "field %" PRIu64 " needs %zu bytes but %zu remain "
                            "(expected a complete protobuf message)", field, sz, end - pos);
            pos += sz;
            break;
        }
        case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED:
            if (get_varint(k->data, &pos, end, &v))
                return fail(k, pay, "truncated length of field %" PRIu64, field);
            if (v > end - pos)
                return fail(k, pay, "field %" PRIu64 " is %" PRIu64 " bytes long but %zu "
                            "remain (expected a complete protobuf message)", field, v,
                            end - pos);
            pay = pos;
            pos += (size_t)v;
            break;
        default:
            return fail(k, at, "field %" PRIu64 " has wire type %d (%s) (expected varint, "
                        "64-bit, length-delimited or 32-bit)", field, wt, wire_name(wt));
        }
        pay_end = pos;
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field(desc, (unsigned)field);
        if (!fd)
            continue; /* unknown to onnx.proto: not copied */
        int idx = field < 64 ? seen[field]++ : 0;
        int want = wire_of(fd->type);
        int packed = fd->label == PROTOBUF_C_LABEL_REPEATED &&
                     want != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED &&
                     wt == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
        if (wt != want && !packed) {
            size_t n = path_push(k, fd->name, -1);
            fail(k, at, "field '%s' (%u) of %s has wire type %d (%s) (expected %d, %s)",
                 fd->name, fd->id, desc->name, wt, wire_name(wt), want, wire_name(want));
            k->path[n] = '\0';
            return -1;
        }
        if (packed && check_packed(k, fd, pay, pay_end))
            return -1;
        if (is_tensor && wt == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED &&
            (field == 4 || field == 5 || field == 7 || field == 9 || field == 10 ||
             field == 11)) {
            if (w->n_spans == w->cap_spans) {
                int cap = w->cap_spans ? 2 * w->cap_spans : 64;
                onnx_span_t *s = realloc(w->spans, sizeof *s * (size_t)cap);
                if (!s)
                    return fail(k, at, "out of memory");
                w->spans = s;
                w->cap_spans = cap;
            }
            w->spans[w->n_spans++] = (onnx_span_t){pay, pay_end - pay, (int)field};
            continue;
        }
        if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
            size_t n = path_push(k, fd->name,
                                 fd->label == PROTOBUF_C_LABEL_REPEATED ? idx : -1);
            if (put_varint(w, key) || grow(w, 5))
                return fail(k, at, "out of memory");
            size_t len_at = w->len;
            w->len += 5;
            if (walk(k, fd->descriptor, pay, pay_end, depth + 1))
                return -1;
            k->path[n] = '\0';
            size_t sub = w->len - len_at - 5;
            if (sub > MAX_MESSAGE)
                return fail(k, at, "message of %zu bytes (expected at most 2 GB)", sub);
            for (int i = 0; i < 5; i++) /* a 5-byte varint: protobuf-c reads it as any */
                w->buf[len_at + i] = (uint8_t)(((sub >> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0));
            continue;
        }
        if (put(w, k->data + at, pay_end - at))
            return fail(k, at, "out of memory");
    }
    if (is_tensor && w->n_spans > first_span)
        if (put_varint(w, (uint64_t)MARK_FIRST << 3) || put_varint(w, (uint64_t)first_span) ||
            put_varint(w, (uint64_t)MARK_COUNT << 3) ||
            put_varint(w, (uint64_t)(w->n_spans - first_span)))
            return fail(k, pos, "out of memory");
    return 0;
}

int onnx_wire_decode(const uint8_t *data, size_t size, const char *file, onnx_wire_t *w,
                     imc_diag_t *d)
{
    memset(w, 0, sizeof *w);
    walker_t k = {.data = data, .size = size, .file = file, .d = d, .w = w};
    if (size == 0) {
        diag_error(d, file, 0, 0, "the file is empty (expected an ONNX model)");
        return -1;
    }
    if (size > MAX_MESSAGE) {
        diag_error(d, file, 0, 0, "%zu bytes (expected at most 2 GB: larger ONNX models keep "
                   "their weights in external data files)", size);
        return -1;
    }
    if (walk(&k, &onnx__model_proto__descriptor, 0, size, 0)) {
        onnx_wire_free(w);
        return -1;
    }
    w->model = onnx__model_proto__unpack(NULL, w->len, w->buf);
    if (!w->model) { /* the walk admits only what protobuf-c decodes; memory, then */
        diag_error(d, file, 0, 0, "protobuf-c could not decode the model (out of memory?)");
        onnx_wire_free(w);
        return -1;
    }
    return 0;
}

void onnx_wire_free(onnx_wire_t *w)
{
    if (w->model)
        onnx__model_proto__free_unpacked(w->model, NULL);
    free(w->buf);
    free(w->spans);
    memset(w, 0, sizeof *w);
}

static int mark(const Onnx__TensorProto *t, uint32_t tag, uint64_t *out)
{
    for (unsigned i = 0; i < t->base.n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *u = &t->base.unknown_fields[i];
        size_t pos = 0;
        if (u->tag == tag && u->wire_type == PROTOBUF_C_WIRE_TYPE_VARINT &&
            get_varint(u->data, &pos, u->len, out) == 0)
            return 0;
    }
    return -1;
}

int onnx_wire_spans(const onnx_wire_t *w, const Onnx__TensorProto *t, int *n)
{
    uint64_t first, count;
    *n = 0;
    if (mark(t, MARK_FIRST, &first) || mark(t, MARK_COUNT, &count) ||
        first + count > (uint64_t)w->n_spans)
        return -1;
    *n = (int)count;
    return (int)first;
}
