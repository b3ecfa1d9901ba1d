/* The protobuf layer of the ONNX reader: checks an ONNX file's wire format
 * against the message descriptors protoc-c generated from Debian's
 * onnx.proto (reporting the byte offset and field path of the first fault),
 * then decodes it with protobuf-c. Tensor payloads (packed data fields and
 * raw_data) are not copied: they stay in the file, recorded as spans, and
 * are read only when a value is needed (a shape constant, a scale, or the
 * weights for the functional path). */
#ifndef IMC_ONNX_WIRE_H
#define IMC_ONNX_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "onnx.pb-c.h"

/* A tensor data field left in the file: its payload bytes [off, off + len). */
typedef struct onnx_span {
    uint64_t off, len;
    int field;                  /* TensorProto field number: 4 float_data, 5 int32_data,
                                   7 int64_data, 9 raw_data, 10 double_data, 11 uint64_data */
} onnx_span_t;

typedef struct onnx_wire {
    Onnx__ModelProto *model;    /* decoded, without the spans' payloads */
    uint8_t *buf;               /* the filtered copy protobuf-c decoded */
    size_t len, cap;
    onnx_span_t *spans;
    int n_spans, cap_spans;
} onnx_wire_t;

/* 0 and *w filled, or -1 with "FILE: offset N: error: ..." in d. */
int onnx_wire_decode(const uint8_t *data, size_t size, const char *file, onnx_wire_t *w,
                     imc_diag_t *d);
void onnx_wire_free(onnx_wire_t *w);

/* The spans of tensor t (a TensorProto of w->model): *n of them from the
 * returned index, or -1 when all its data was decoded. */
int onnx_wire_spans(const onnx_wire_t *w, const Onnx__TensorProto *t, int *n);

#endif
