/* The ONNX front end: an ONNX graph becomes the layers the YAML format
 * describes (docs/model-format.md, "ONNX models").
 *
 * Nodes are visited in dependency order. Each tensor becomes a value: a
 * constant (an initializer, a Constant, a folded shape computation, a
 * dequantized weight), an activation (the output of an imcsim layer, seen as
 * H x W x C) or a sequence (what an LSTM reads and writes). An operator
 * either folds constants, emits a layer, or passes an activation through
 * (Identity, Dropout, a Reshape that only flattens, quantization pairs).
 * The layers then go through the same shape checks, folding and fusion as a
 * YAML model (model_build_layers). Weights are described, never read. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checked.h"
#include "intheap.h"
#include "model_internal.h"
#include "onnx_internal.h"
#include "strutil.h"

#define OPSET_MIN 11
#define OPSET_MAX 17
#define MAX_FOLD 65536           /* elements of a folded constant */

enum { V_CONST = 1, V_ACT, V_SEQ, V_HOST, V_RUNTIME };

typedef struct val {
    const char *name;
    int kind;
    int dtype;
    int rank;
    int64_t dims[ONNX_MAX_RANK];
    /* V_CONST: stored values (t) or folded ones (iv/fv, n = product of dims) */
    const onnx_tensor_t *t;
    int64_t *iv;
    double *fv;
    /* V_CONST from DequantizeLinear (or QuantizeLinear) of a constant */
    int deq, quantized;          /* deq: float values (q - zero) * scale; quantized: integers */
    const onnx_tensor_t *q_t, *q_scale, *q_zero;
    int q_axis, q_bits, q_signed, q_fake;
    /* V_ACT / V_SEQ: the raw layer producing it, or LAYER_INPUT_NETWORK */
    int layer;
    int h, w, c;
    int steps;                   /* V_SEQ */
    int qint;                    /* holds integers (QuantizeLinear, QLinear* output) */
    int int_acc;                 /* the int32 accumulator of ConvInteger/MatMulInteger */
    int64_t pad;                 /* a Pad's zeros on every side, for the next window */
    int abits, has_ascale;       /* its quantization, when known */
    double ascale;
    int32_t azero;
    int node;                    /* producing node, -1 for inputs and initializers */
    int consumers;               /* node inputs and graph outputs using it */
} val_t;

typedef struct cv {
    const char *file;
    imc_diag_t *d;
    model_t *m;
    const model_opts_t *o;
    onnx_src_t src;              /* where values are read while converting */
    onnx_src_t keep;             /* where the model's weights are read later */
    onnx_wire_t w;
    const Onnx__GraphProto *g;
    val_t **v;                   /* each value allocated on its own: pointers stay valid */
    int n_v, cap_v;
    int *hash;                   /* open addressing over v by name */
    int hcap;
    raw_t *r;
    int n_r, cap_r;
    wspec_t *ws;                 /* per raw layer */
    const Onnx__NodeProto *node; /* being converted, for messages */
    int node_i;
    int opset;
    int in_h, in_w, in_c, has_input;
    const char *input_name;
    char **names;                /* layer names in use */
} cv_t;

/* ------------------------------------------------------------ messages */

static int nerr(cv_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *node_name(const Onnx__NodeProto *n, int i, char *buf, size_t len)
{
    if (n->name && *n->name)
        return n->name;
    snprintf(buf, len, "#%d", i);
    return buf;
}

/* "FILE: error: node 'x' (Op): ..." */
static int nerr(cv_t *c, const char *fmt, ...)
{
    char msg[1024], nb[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->node)
        diag_error(c->d, c->file, 0, 0, "node '%s' (%s): %s",
                   node_name(c->node, c->node_i, nb, sizeof nb),
                   c->node->op_type ? c->node->op_type : "", msg);
    else
        diag_error(c->d, c->file, 0, 0, "%s", msg);
    return -1;
}

static void *alloc(cv_t *c, size_t n)
{
    void *p = model_store_alloc(c->m, n);
    if (!p)
        nerr(c, "out of memory");
    return p;
}

static void dims_str(const int64_t *dims, int rank, char *out, size_t len)
{
    size_t k = (size_t)snprintf(out, len, "[");
    for (int i = 0; i < rank && k < len; i++)
        k += (size_t)snprintf(out + k, len - k, "%s%" PRId64, i ? ", " : "", dims[i]);
    if (k < len)
        snprintf(out + k, len - k, "]");
}

/* ------------------------------------------------------------ values */

static uint64_t str_hash(const char *s)
{
    uint64_t h = 14695981039346656037ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int find_val(const cv_t *c, const char *name)
{
    if (!c->hcap)
        return -1;
    for (uint64_t i = str_hash(name) & (uint64_t)(c->hcap - 1);; i = (i + 1) & (uint64_t)(c->hcap - 1)) {
        int k = c->hash[i];
        if (k < 0)
            return -1;
        if (!strcmp(c->v[k]->name, name))
            return k;
    }
}

static int rehash(cv_t *c, int cap)
{
    int *h = malloc(sizeof *h * (size_t)cap);
    if (!h)
        return -1;
    for (int i = 0; i < cap; i++)
        h[i] = -1;
    free(c->hash);
    c->hash = h;
    c->hcap = cap;
    for (int k = 0; k < c->n_v; k++) {
        uint64_t i = str_hash(c->v[k]->name) & (uint64_t)(cap - 1);
        while (h[i] >= 0)
            i = (i + 1) & (uint64_t)(cap - 1);
        h[i] = k;
    }
    return 0;
}

/* A new value named `name` (a copy of *proto when given). */
static val_t *add_val(cv_t *c, const char *name, const val_t *proto)
{
    if (find_val(c, name) >= 0) {
        nerr(c, "tensor '%s' is defined twice (expected each tensor name once: an "
             "initializer, a graph input or one node output)", name);
        return NULL;
    }
    if (c->n_v == c->cap_v) {
        int cap = c->cap_v ? 2 * c->cap_v : 256;
        val_t **vs = realloc(c->v, sizeof *vs * (size_t)cap);
        if (!vs) {
            nerr(c, "out of memory");
            return NULL;
        }
        c->v = vs;
        c->cap_v = cap;
    }
    val_t *v = proto ? malloc(sizeof *v) : calloc(1, sizeof *v);
    if (!v) {
        nerr(c, "out of memory");
        return NULL;
    }
    if (proto)
        *v = *proto;
    v->name = name;
    v->node = c->node ? c->node_i : -1;
    v->consumers = 0;
    c->v[c->n_v++] = v;
    if (2 * c->n_v > c->hcap) { /* rehash places every value, this one too */
        if (rehash(c, c->hcap ? 2 * c->hcap : 1024)) {
            nerr(c, "out of memory");
            return NULL;
        }
    } else {
        uint64_t i = str_hash(name) & (uint64_t)(c->hcap - 1);
        while (c->hash[i] >= 0)
            i = (i + 1) & (uint64_t)(c->hcap - 1);
        c->hash[i] = c->n_v - 1;
    }
    return v;
}

/* Products of sizes saturate (files may hold any size; a saturated count is
 * then refused as too large). */
static int64_t smul(int64_t a, int64_t b)
{
    int64_t p;
    return __builtin_mul_overflow(a, b, &p) ? INT64_MAX : p;
}

static int64_t dims_prod(const int64_t *d, int rank)
{
    int64_t n = 1;
    for (int i = 0; i < rank; i++)
        n = smul(n, d[i]);
    return n;
}

static int64_t numel(const val_t *v)
{
    return dims_prod(v->dims, v->rank);
}

/* ------------------------------------------------------------ node access */

static const Onnx__AttributeProto *attr(const Onnx__NodeProto *n, const char *name)
{
    for (size_t i = 0; i < n->n_attribute; i++)
        if (n->attribute[i]->name && !strcmp(n->attribute[i]->name, name))
            return n->attribute[i];
    return NULL;
}

static const char *attr_type_name(int t)
{
    switch (t) {
    case 1: return "FLOAT";
    case 2: return "INT";
    case 3: return "STRING";
    case 4: return "TENSOR";
    case 5: return "GRAPH";
    case 6: return "FLOATS";
    case 7: return "INTS";
    case 8: return "STRINGS";
    default: return "another type";
    }
}

/* The attribute's type, checked (an old file may leave `type` unset). */
static int attr_is(cv_t *c, const Onnx__AttributeProto *a, int want)
{
    int t = a->has_type ? (int)a->type : 0;
    if (t == 0) /* infer it from the field that is set */
        t = a->has_f ? 1 : a->has_i ? 2 : a->has_s ? 3 : a->t ? 4 : a->n_floats ? 6
          : a->n_ints ? 7 : 0;
    if (t != want) {
        nerr(c, "attribute '%s' is %s (expected %s)", a->name, attr_type_name(t),
             attr_type_name(want));
        return 0;
    }
    return 1;
}

/* The node's attribute `name` when it is there with type `want`: 1 (in *a),
 * 0 when absent, -1 (reported) when of another type. */
static int attr_typed(cv_t *c, const char *name, int want, const Onnx__AttributeProto **a)
{
    *a = attr(c->node, name);
    return !*a ? 0 : attr_is(c, *a, want) ? 1 : -1;
}

static int attr_int(cv_t *c, const char *name, int64_t def, int64_t *out)
{
    const Onnx__AttributeProto *a;
    int k = attr_typed(c, name, 2, &a);
    *out = k > 0 ? a->i : def;
    return k < 0 ? -1 : 0;
}

static int attr_float(cv_t *c, const char *name, double def, double *out)
{
    const Onnx__AttributeProto *a;
    int k = attr_typed(c, name, 1, &a);
    *out = k > 0 ? a->f : def;
    return k < 0 ? -1 : 0;
}

/* INTS of exactly `want` entries (any count when want < 0); *n = 0 if absent. */
static int attr_ints(cv_t *c, const char *name, int want, const int64_t **out, size_t *n)
{
    const Onnx__AttributeProto *a;
    int k = attr_typed(c, name, 7, &a);
    *out = k > 0 ? a->ints : NULL;
    *n = k > 0 ? a->n_ints : 0;
    if (k > 0 && want >= 0 && a->n_ints != (size_t)want)
        return nerr(c, "attribute '%s' has %zu values (expected %d)", name, a->n_ints, want);
    return k < 0 ? -1 : 0;
}

static int attr_str(cv_t *c, const char *name, const char *def, char *out, size_t len)
{
    const Onnx__AttributeProto *a;
    int k = attr_typed(c, name, 3, &a);
    if (k > 0)
        snprintf(out, len, "%.*s", (int)a->s.len, a->s.data ? (const char *)a->s.data : "");
    else
        snprintf(out, len, "%s", def);
    return k < 0 ? -1 : 0;
}

/* Every attribute of the node must be one the converter reads. */
static int known_attrs(cv_t *c, const char *const *names)
{
    for (size_t i = 0; i < c->node->n_attribute; i++) {
        const char *a = c->node->attribute[i]->name ? c->node->attribute[i]->name : "";
        int ok = 0;
        for (int k = 0; names && names[k]; k++)
            ok |= !strcmp(a, names[k]);
        if (!ok) {
            char list[512] = "";
            for (int k = 0; names && names[k]; k++) {
                strncat(list, k ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, names[k], sizeof list - strlen(list) - 1);
            }
            return nerr(c, "attribute '%s' is not supported (expected %s%s)", a,
                        names && names[0] ? "only " : "none", list);
        }
    }
    return 0;
}

static int n_in(const cv_t *c)
{
    return (int)c->node->n_input;
}

/* Input i of the node, or NULL when absent (beyond the list or ""). */
static val_t *in(cv_t *c, int i)
{
    if (i >= (int)c->node->n_input || !c->node->input[i] || !*c->node->input[i])
        return NULL;
    int k = find_val(c, c->node->input[i]);
    return k >= 0 ? c->v[k] : NULL;
}

static const char *out_name(const cv_t *c, int i)
{
    return i < (int)c->node->n_output && c->node->output[i] ? c->node->output[i] : "";
}

/* Output i is produced but must not be used by anything. */
static int unused_output(cv_t *c, int i, const char *what)
{
    if (i >= (int)c->node->n_output || !*out_name(c, i))
        return 0;
    for (size_t k = 0; k < c->g->n_node; k++)
        for (size_t j = 0; j < c->g->node[k]->n_input; j++)
            if (!strcmp(c->g->node[k]->input[j], out_name(c, i)))
                return nerr(c, "its output %d (%s) is used by node '%s' (expected it unused: "
                            "imcsim does not compute it)", i, what,
                            c->g->node[k]->name ? c->g->node[k]->name : "");
    for (size_t k = 0; k < c->g->n_output; k++)
        if (!strcmp(c->g->output[k]->name ? c->g->output[k]->name : "", out_name(c, i)))
            return nerr(c, "its output %d (%s) is a graph output (expected it unused: "
                        "imcsim does not compute it)", i, what);
    return 0;
}

/* ------------------------------------------------------------ constants */

static int is_int_type(int dt)
{
    int sg;
    return onnx_dtype_int_bits(dt, &sg) > 0;
}

static int is_const(const val_t *v)
{
    return v && v->kind == V_CONST;
}

/* The values of a small constant (shape arithmetic, scales), read once
 * from its tensor into both forms: integers exact for integer types. */
static int const_values(cv_t *c, val_t *v, const char *what)
{
    int64_t n = numel(v);
    if (v->deq || v->quantized)
        return nerr(c, "%s '%s' is a quantized constant (expected plain values)", what, v->name);
    if (v->iv && v->fv)
        return 0;
    if (n > MAX_FOLD)
        return nerr(c, "%s '%s' has %" PRId64 " values (expected at most %d)", what, v->name,
                    n, MAX_FOLD);
    if (!v->t)
        return nerr(c, "%s '%s' has no values here (expected a constant)", what, v->name);
    int64_t *iv = alloc(c, sizeof *iv * (size_t)(n ? n : 1));
    double *fv = alloc(c, sizeof *fv * (size_t)(n ? n : 1));
    float *f = malloc(sizeof *f * (size_t)(n ? n : 1));
    int rc = !iv || !fv || !f ? -1 : 0;
    if (!rc && is_int_type(v->dtype)) {
        rc = onnx_read_i64(&c->src, v->t, iv, c->d, c->file, v->name);
        for (int64_t i = 0; !rc && i < n; i++)
            fv[i] = (double)iv[i];
    } else if (!rc) {
        rc = onnx_read_f32(&c->src, v->t, f, c->d, c->file, v->name);
        for (int64_t i = 0; !rc && i < n; i++)
            fv[i] = f[i], iv[i] = onnx_f2i(f[i]);
    }
    free(f);
    if (rc)
        return f ? -1 : nerr(c, "out of memory");
    v->iv = iv, v->fv = fv;
    return 0;
}

static int const_ints(cv_t *c, val_t *v, int64_t **out, const char *what)
{
    if (const_values(c, v, what))
        return -1;
    *out = v->iv;
    return 0;
}

static int const_floats(cv_t *c, val_t *v, double **out, const char *what)
{
    if (const_values(c, v, what))
        return -1;
    *out = v->fv;
    return 0;
}

/* A scalar constant input (a one-element tensor of any rank). */
static int scalar(cv_t *c, val_t *v, const char *what, double *out)
{
    *out = 0; /* set on error paths too: with deeper inlining GCC 12 warns otherwise */
    if (!is_const(v))
        return nerr(c, "its %s is not a constant (expected an initializer or a Constant)",
                    what);
    if (numel(v) != 1) {
        char ds[128];
        dims_str(v->dims, v->rank, ds, sizeof ds);
        return nerr(c, "its %s '%s' has shape %s (expected one value)", what, v->name, ds);
    }
    double *f;
    if (const_floats(c, v, &f, what))
        return -1;
    *out = f[0];
    return 0;
}

/* A folded constant output with these dims and values (iv or fv). */
static val_t *fold_out(cv_t *c, int oi, int dtype, int rank, const int64_t *dims, int64_t *iv,
                       double *fv)
{
    if (rank > ONNX_MAX_RANK) {
        nerr(c, "a rank-%d result (expected at most %d)", rank, ONNX_MAX_RANK);
        return NULL;
    }
    int64_t n = dims_prod(dims, rank);
    if (n > MAX_FOLD) {
        nerr(c, "a folded constant of %" PRId64 " values (expected at most %d)", n, MAX_FOLD);
        return NULL;
    }
    /* Both forms of the values, and a tensor holding them, so a folded
     * constant serves wherever a stored one does (a scale, a bias). */
    if (!iv && !(iv = alloc(c, sizeof *iv * (size_t)(n ? n : 1))))
        return NULL;
    if (!fv && !(fv = alloc(c, sizeof *fv * (size_t)(n ? n : 1))))
        return NULL;
    for (int64_t i = 0; i < n; i++) {
        if (is_int_type(dtype))
            fv[i] = (double)iv[i];
        else
            iv[i] = onnx_f2i(fv[i]);
    }
    onnx_tensor_t *t = alloc(c, sizeof *t);
    val_t *o = t ? add_val(c, out_name(c, oi), NULL) : NULL;
    if (!o)
        return NULL;
    if (!(t->name = alloc(c, strlen(o->name) + 1)))
        return NULL;
    strcpy((char *)t->name, o->name);
    t->derived = 1;
    t->dtype = dtype;
    t->rank = rank;
    memcpy(t->dims, dims, sizeof *dims * (size_t)rank);
    t->n = t->n_inl = n;
    t->inl = fv;
    t->inl_i = iv;
    o->kind = V_CONST;
    o->dtype = dtype;
    o->rank = rank;
    memcpy(o->dims, dims, sizeof *dims * (size_t)rank);
    o->iv = iv;
    o->fv = fv;
    o->t = t;
    return o;
}


/* ------------------------------------------------------------ activations */

static int check_act(cv_t *c, const val_t *v, const char *what)
{
    if (!v)
        return nerr(c, "its %s is missing (expected an input tensor)", what);
    if (v->kind == V_ACT && v->pad) {
        const char *op = c->node->op_type;
        if (strcmp(op, "Conv") && strcmp(op, "ConvInteger") && strcmp(op, "QLinearConv") &&
            strcmp(op, "AveragePool"))
            return nerr(c, "its %s '%s' is zero-padded by a Pad node (expected the Pad before "
                        "a Conv or AveragePool, which take the padding)", what, v->name);
    }
    if (v->kind == V_ACT)
        return 0;
    if (v->kind == V_HOST)
        return nerr(c, "its %s '%s' is the output of a Softmax, which imcsim leaves to the "
                    "host (expected Softmax only at the end of the network)", what, v->name);
    if (v->kind == V_SEQ)
        return nerr(c, "its %s '%s' is a sequence (expected a tensor: after an LSTM, only "
                    "its last hidden state)", what, v->name);
    if (v->kind == V_RUNTIME)
        return nerr(c, "its %s '%s' is computed at run time by a quantization node "
                    "(expected an activation)", what, v->name);
    return nerr(c, "its %s '%s' is a constant (expected an activation: imcsim computes "
                "layers on the network's data)", what, v->name);
}

/* The H x W x C view of an ONNX activation shape: [1, C, H, W], [1, F],
 * [1, 1, F] (an LSTM state); 0 if it has none. */
static int view_of(const int64_t *dims, int rank, int *h, int *w, int *ch)
{
    if (rank == 4 && dims[0] == 1) {
        *ch = (int)dims[1], *h = (int)dims[2], *w = (int)dims[3];
        return 1;
    }
    if (rank == 2 && dims[0] == 1) {
        *h = *w = 1, *ch = (int)dims[1];
        return 1;
    }
    if (rank == 3 && dims[0] == 1 && dims[1] == 1) {
        *h = *w = 1, *ch = (int)dims[2];
        return 1;
    }
    return 0;
}

/* An activation output that passes the input through (same layer). */
static val_t *pass(cv_t *c, const val_t *src, int oi, int rank, const int64_t *dims)
{
    val_t *o = add_val(c, out_name(c, oi), src);
    if (!o)
        return NULL;
    if (dims) {
        o->rank = rank;
        memcpy(o->dims, dims, sizeof *dims * (size_t)rank);
        if (o->kind == V_ACT && !view_of(dims, rank, &o->h, &o->w, &o->c)) {
            nerr(c, "an activation of rank %d (expected [1, C, H, W] or [1, N])", rank);
            return NULL;
        }
    }
    return o;
}

/* A layer name: the node's (else its first output's), unique, at most
 * MODEL_NAME_MAX - 1 characters (a long name keeps its end). */
static int layer_name(cv_t *c, char *out)
{
    const char *s = c->node->name && *c->node->name ? c->node->name : out_name(c, 0);
    char base[MODEL_NAME_MAX];
    size_t n = strlen(s);
    if (!*s)
        snprintf(base, sizeof base, "%s_%d", c->node->op_type, c->node_i);
    else if (n < MODEL_NAME_MAX)
        snprintf(base, sizeof base, "%s", s);
    else
        snprintf(base, sizeof base, "...%s", s + n - (MODEL_NAME_MAX - 4));
    if (!strcmp(base, "input"))
        snprintf(base, sizeof base, "input_");
    snprintf(out, MODEL_NAME_MAX, "%s", base);
    for (int k = 2;; k++) {
        int clash = 0;
        for (int i = 0; i < c->n_r && !clash; i++)
            clash = !strcmp(c->r[i].name, out);
        if (!clash)
            return 0;
        char sfx[16];
        int sl = snprintf(sfx, sizeof sfx, "_%d", k);
        size_t bl = strlen(base);
        if (bl + (size_t)sl >= MODEL_NAME_MAX)
            bl = MODEL_NAME_MAX - 1 - (size_t)sl;
        snprintf(out, MODEL_NAME_MAX, "%.*s%s", (int)bl, base, sfx);
    }
}

/* A new raw layer of YAML type `type`, reading the given activations. */
static raw_t *emit(cv_t *c, const char *type, val_t *const *ins, int n)
{
    if (n > LAYER_MAX_INPUTS) {
        nerr(c, "%d inputs (expected at most %d)", n, LAYER_MAX_INPUTS);
        return NULL;
    }
    if (c->n_r == c->cap_r) {
        int cap = c->cap_r ? 2 * c->cap_r : 64;
        raw_t *r = realloc(c->r, sizeof *r * (size_t)cap);
        wspec_t *ws = realloc(c->ws, sizeof *ws * (size_t)cap);
        if (r)
            c->r = r;
        if (ws)
            c->ws = ws;
        if (!r || !ws) {
            nerr(c, "out of memory");
            return NULL;
        }
        c->cap_r = cap;
    }
    raw_t *r = &c->r[c->n_r];
    memset(r, 0, sizeof *r);
    memset(&c->ws[c->n_r], 0, sizeof c->ws[0]);
    layer_name(c, r->name);
    r->type = model_raw_type(type, &r->kind);
    r->wspec = -1;
    r->nlayers = 1;
    r->groups = 1;
    r->stride = 1;
    r->n_in = n;
    char nb[32], org[MODEL_NAME_MAX + 96];
    snprintf(org, sizeof org, "node '%s' (%s)",
             node_name(c->node, c->node_i, nb, sizeof nb), c->node->op_type);
    char *o = alloc(c, strlen(org) + 1);
    if (!o)
        return NULL;
    strcpy(o, org);
    r->origin = o;
    for (int i = 0; i < n; i++) {
        r->in[i] = ins[i]->layer;
        if (ins[i]->abits && !r->abits)
            r->abits = ins[i]->abits;
    }
    c->n_r++;
    return r;
}

/* The activation output of the layer just emitted. */
static val_t *layer_out(cv_t *c, int oi, int rank, const int64_t *dims)
{
    val_t *o = add_val(c, out_name(c, oi), NULL);
    if (!o)
        return NULL;
    o->kind = V_ACT;
    o->dtype = 1;
    o->layer = c->n_r - 1;
    o->rank = rank;
    memcpy(o->dims, dims, sizeof *dims * (size_t)rank);
    if (!view_of(dims, rank, &o->h, &o->w, &o->c)) {
        nerr(c, "an activation of rank %d (expected [1, C, H, W] or [1, N])", rank);
        return NULL;
    }
    return o;
}

/* The output of a layer that moves values without computing new ones
 * (flatten, max pools, concat, relu): the input's quantization stays. */
static int keep_quant(cv_t *c, const val_t *x, int rank, const int64_t *dims)
{
    val_t *o = layer_out(c, 0, rank, dims);
    if (!o)
        return -1;
    o->qint = x->qint, o->dtype = x->dtype, o->abits = x->abits;
    o->has_ascale = x->has_ascale, o->ascale = x->ascale, o->azero = x->azero;
    return 0;
}

/* Layers that compute new values (averages, sums) need floats. */
static int floats_in(cv_t *c, const val_t *x)
{
    if (x->qint || x->int_acc)
        return nerr(c, "its input '%s' holds integers (expected floats: a DequantizeLinear "
                    "before it)", x->name);
    return 0;
}

/* ------------------------------------------------------------ weights */

/* A weight input must be a stored constant of this rank, or the
 * DequantizeLinear of one. */
static int check_weight(cv_t *c, const val_t *v, const char *what, int rank)
{
    if (!v)
        return nerr(c, "its %s is missing (expected an initializer)", what);
    if (v->kind != V_CONST || (!v->t && !v->deq && !v->q_t))
        return nerr(c, "its %s '%s' is %s (expected an initializer, a Constant or a "
                    "DequantizeLinear of one)", what, v->name,
                    v->kind == V_CONST ? "computed from other constants"
                                       : "computed from the network's input");
    if (v->rank != rank) {
        char ds[128];
        dims_str(v->dims, v->rank, ds, sizeof ds);
        return nerr(c, "its %s '%s' has shape %s (expected rank %d)", what, v->name, ds, rank);
    }
    if (v->quantized && !v->deq)
        return nerr(c, "its %s '%s' is the integer output of a QuantizeLinear (expected "
                    "floats: a DequantizeLinear after it)", what, v->name);
    if (v->deq && (v->q_bits < 2 || v->q_bits > 32))
        return nerr(c, "its %s '%s' are %d-bit integers (expected 2..32 bits)", what, v->name,
                    v->q_bits);
    if (!v->deq && is_int_type(v->dtype))
        return nerr(c, "its %s '%s' holds %s values (expected floats, or a "
                    "DequantizeLinear of them)", what, v->name, onnx_dtype_name(v->dtype));
    return 0;
}

/* A weight input into ws; the layer's quantization (bits, scales, zero
 * points) comes with a dequantized one. */
static int weight(cv_t *c, val_t *v, const char *what, int rank, wspec_t *ws, raw_t *r)
{
    if (check_weight(c, v, what, rank))
        return -1;
    if (!v->deq) {
        ws->w = v->t;
        return 0;
    }
    ws->w = v->q_t;
    ws->w_scale = v->q_scale;
    ws->w_zero = v->q_zero;
    ws->q_axis = v->q_axis;
    ws->fake_quant = v->q_fake;
    if (v->q_fake) {
        ws->q_lo = v->q_signed ? -(1 << (v->q_bits - 1)) : 0;
        ws->q_hi = v->q_signed ? (1 << (v->q_bits - 1)) - 1 : (1 << v->q_bits) - 1;
    }
    /* The layer's quant block: bits from the integer type, scales as stored. */
    layer_quant_t *q = &r->qs.q;
    r->has_quant = 1;
    q->scheme = QUANT_UNIFORM;
    q->weight_bits = v->q_bits;
    r->qs.given |= QG_SCHEME | QG_WBITS | QG_SYM | QG_PERCH | QG_WSCALE;
    /* ConvInteger and MatMulInteger weights have zero points but no scale: 1. */
    int64_t ns = v->q_scale ? v->q_scale->n : v->q_zero ? v->q_zero->n : 1;
    double *sc = alloc(c, sizeof *sc * (size_t)(ns ? ns : 1));
    float *f = malloc(sizeof *f * (size_t)(ns ? ns : 1));
    if (!sc || !f ||
        (v->q_scale && onnx_read_f32(&c->src, v->q_scale, f, c->d, c->file, v->q_scale->name))) {
        free(f);
        return -1;
    }
    for (int64_t i = 0; i < ns; i++) {
        sc[i] = v->q_scale ? f[i] : 1;
        if (!(sc[i] > 0) || !isfinite(sc[i])) {
            free(f);
            return nerr(c, "scale %" PRId64 " of '%s' is %g (expected positive scales)", i,
                        v->q_scale->name, sc[i]);
        }
    }
    free(f);
    q->n_w_scale = (int)ns;
    q->w_scale = sc;
    q->per_channel = ns > 1;
    q->symmetric = 1;
    if (v->q_zero) {
        int64_t *z = malloc(sizeof *z * (size_t)(ns ? ns : 1));
        int32_t *zz = alloc(c, sizeof *zz * (size_t)ns);
        if (!z || !zz || onnx_read_i64(&c->src, v->q_zero, z, c->d, c->file, v->q_zero->name)) {
            free(z);
            return -1;
        }
        for (int64_t i = 0; i < ns; i++) {
            zz[i] = (int32_t)z[i];
            q->symmetric &= z[i] == 0;
        }
        free(z);
        q->w_zero = zz;
    }
    return 0;
}

/* The quantization of an activation the layer reads. */
static void act_quant(raw_t *r, const val_t *x)
{
    if (!x->abits)
        return;
    layer_quant_t *q = &r->qs.q;
    r->has_quant = 1;
    if (!(r->qs.given & QG_SCHEME))
        q->scheme = QUANT_UNIFORM, q->symmetric = 1;
    q->act_bits = x->abits;
    r->qs.given |= QG_SCHEME | QG_ABITS;
    if (x->has_ascale) {
        q->has_a_scale = 1;
        q->a_scale = x->ascale;
        q->a_zero = x->azero;
        r->qs.given |= QG_ASCALE | QG_AZERO;
    }
}

/* The spec of weight layer r (just emitted): its weights from w, and the
 * quantization of those and of the activation x it reads. */
static wspec_t *weight_layer(cv_t *c, raw_t *r, int kind, val_t *w, const char *what, int rank,
                             const val_t *x)
{
    wspec_t *ws = &c->ws[c->n_r - 1];
    ws->kind = kind;
    ws->alpha = ws->beta = ws->out_mul = 1;
    r->wspec = c->n_r - 1;
    if (weight(c, w, what, rank, ws, r))
        return NULL;
    act_quant(r, x);
    return ws;
}

static int vector_of(cv_t *c, const val_t *v, int64_t n, const char *what)
{
    if (!v)
        return 0;
    if (v->kind != V_CONST || !v->t)
        return nerr(c, "its %s '%s' is not an initializer or Constant (expected %" PRId64
                    " stored values)", what, v->name, n);
    if (numel(v) != n) {
        char ds[128];
        dims_str(v->dims, v->rank, ds, sizeof ds);
        return nerr(c, "its %s '%s' has shape %s (expected %" PRId64 " values)", what,
                    v->name, ds, n);
    }
    return 0;
}

/* A bias: stored values, or the DequantizeLinear of stored integers. */
static int bias(cv_t *c, const val_t *b, int64_t n, int int_ok, wspec_t *ws)
{
    if (b->kind == V_CONST && b->deq && !b->q_fake && numel(b) == n) {
        ws->b = b->q_t;
        ws->b_scale_t = b->q_scale;
        ws->b_zero = b->q_zero;
        return 0;
    }
    if (vector_of(c, b, n, "bias"))
        return -1;
    if (is_int_type(b->dtype) && !int_ok)
        return nerr(c, "its bias '%s' holds %s values (expected floats, or a DequantizeLinear "
                    "of integers)", b->name, onnx_dtype_name(b->dtype));
    ws->b = b->t;
    return 0;
}

/* ------------------------------------------------------------ windows */

typedef struct window {
    int64_t k[2], s[2], d[2], p[4]; /* kernel, strides, dilations, pads (hb, wb, he, we) */
    int64_t out[2];
} window_t;

/* ONNX's window arithmetic (auto_pad, ceil_mode), then whether imcsim's one
 * stride and one padding describe it. */
static int window(cv_t *c, const val_t *x, const int64_t *kernel, int pool, window_t *wd)
{
    const int64_t *ks, *st, *dl, *pd;
    size_t nk, ns, nd, np;
    char ap[32];
    int64_t ceil_mode = 0;
    if (attr_ints(c, "kernel_shape", 2, &ks, &nk) || attr_ints(c, "strides", 2, &st, &ns) ||
        attr_ints(c, "dilations", 2, &dl, &nd) || attr_ints(c, "pads", 4, &pd, &np) ||
        attr_str(c, "auto_pad", "NOTSET", ap, sizeof ap) ||
        (pool && attr_int(c, "ceil_mode", 0, &ceil_mode)))
        return -1;
    int64_t in[2] = {x->h, x->w};
    for (int a = 0; a < 2; a++) {
        wd->k[a] = nk ? ks[a] : kernel ? kernel[a] : 0;
        wd->s[a] = ns ? st[a] : 1;
        wd->d[a] = nd ? dl[a] : 1;
        wd->p[a] = np ? pd[a] : 0;
        wd->p[a + 2] = np ? pd[a + 2] : 0;
        if (!nk && !kernel)
            return nerr(c, "it has no 'kernel_shape' (expected the window size)");
        if (kernel && nk && ks[a] != kernel[a])
            return nerr(c, "'kernel_shape' [%" PRId64 ", %" PRId64 "] differs from its "
                        "weights' [%" PRId64 ", %" PRId64 "] (expected the same)", ks[0],
                        ks[1], kernel[0], kernel[1]);
        if (wd->k[a] < 1 || wd->k[a] > 4096 || wd->s[a] < 1 || wd->s[a] > 4096 ||
            wd->d[a] < 1 || wd->d[a] > 4096 || wd->p[a] < 0 || wd->p[a] > 4096 ||
            wd->p[a + 2] < 0 || wd->p[a + 2] > 4096)
            return nerr(c, "kernel %" PRId64 ", stride %" PRId64 ", dilation %" PRId64
                        ", pads %" PRId64 "/%" PRId64 " on axis %d (expected kernel, stride "
                        "and dilation in 1..4096, pads in 0..4096)", wd->k[a], wd->s[a],
                        wd->d[a], wd->p[a], wd->p[a + 2], a + 2);
        int64_t ke = (wd->k[a] - 1) * wd->d[a] + 1;
        if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
            int64_t o = (in[a] + wd->s[a] - 1) / wd->s[a];
            int64_t tot = (o - 1) * wd->s[a] + ke - in[a];
            tot = tot < 0 ? 0 : tot;
            int64_t small = tot / 2, big = tot - small;
            wd->p[a] = ap[5] == 'U' ? small : big;
            wd->p[a + 2] = ap[5] == 'U' ? big : small;
        } else if (!strcmp(ap, "VALID")) {
            wd->p[a] = wd->p[a + 2] = 0;
        } else if (strcmp(ap, "NOTSET")) {
            return nerr(c, "auto_pad '%s' (expected NOTSET, SAME_UPPER, SAME_LOWER or VALID)",
                        ap);
        }
        wd->p[a] += x->pad, wd->p[a + 2] += x->pad; /* a Pad node before the window */
        int64_t span = in[a] + wd->p[a] + wd->p[a + 2] - ke;
        if (span < 0)
            return nerr(c, "its %" PRId64 "-wide window does not fit the %" PRId64 "-wide "
                        "input with pads %" PRId64 "/%" PRId64 " on axis %d (expected a "
                        "window no larger than the padded input)", ke, in[a], wd->p[a],
                        wd->p[a + 2], a + 2);
        wd->out[a] = span / wd->s[a] + 1;
        if (ceil_mode && span % wd->s[a])
            return nerr(c, "ceil_mode gives %" PRId64 " outputs on axis %d where imcsim's "
                        "floor gives %" PRId64 " (expected ceil_mode 0, or sizes where both "
                        "agree)", wd->out[a] + 1, a + 2, wd->out[a]);
    }
    if (wd->d[0] != 1 || wd->d[1] != 1)
        return nerr(c, "dilations [%" PRId64 ", %" PRId64 "] (expected 1: imcsim's compiler "
                    "and trace generator model undilated windows)", wd->d[0], wd->d[1]);
    if (wd->s[0] != wd->s[1])
        return nerr(c, "strides [%" PRId64 ", %" PRId64 "] (expected equal strides: imcsim's "
                    "layers have one stride)", wd->s[0], wd->s[1]);
    if (wd->p[0] != wd->p[1] || wd->p[0] != wd->p[2] || wd->p[0] != wd->p[3])
        return nerr(c, "pads [%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 "] (expected "
                    "the same padding on every side: imcsim's layers have one padding)",
                    wd->p[0], wd->p[1], wd->p[2], wd->p[3]);
    return 0;
}

/* ------------------------------------------------------------ operators */

typedef struct op op_t;
struct op {
    const char *name;
    int (*fn)(cv_t *c, const op_t *op);
    int min_in, max_in;          /* inputs */
    const char *const *attrs;    /* accepted attributes */
    int variant;                 /* what fn distinguishes */
};

#define ATTRS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Bits of a zero point's type (uint8 when absent, as ONNX defaults). */
static int zp_bits(const val_t *zp, int *sg)
{
    if (!zp) {
        *sg = 0;
        return 8;
    }
    return onnx_dtype_int_bits(zp->dtype, sg);
}

/* A quantization parameter pair (scale, zero point) given as constants. */
static int qparams(cv_t *c, val_t *scale, val_t *zero, const char *what, double *s, int32_t *z)
{
    *z = 0;
    if (scalar(c, scale, what, s))
        return -1;
    if (!(*s > 0) || !isfinite(*s))
        return nerr(c, "its %s is %g (expected a positive scale)", what, *s);
    if (zero) {
        double zz;
        if (scalar(c, zero, "zero point", &zz))
            return -1;
        *z = onnx_f2i32(zz);
    }
    return 0;
}

/* A deq constant standing for integer weights w with per-axis scale/zero. */
static int int_weight(cv_t *c, val_t *w, val_t *scale, val_t *zero, int axis, val_t *out)
{
    if (!w || w->kind != V_CONST || !w->t || !is_int_type(w->dtype) ||
        (zero && (zero->kind != V_CONST || !zero->t)) ||
        (scale && (scale->kind != V_CONST || !scale->t)))
        return nerr(c, "its weights '%s' are not stored integers with stored scales and zero "
                    "points (expected int8/uint8 initializers)", w ? w->name : "");
    *out = *w;
    out->deq = 1;
    out->q_t = w->t;
    out->q_scale = scale ? scale->t : NULL;
    out->q_zero = zero ? zero->t : NULL;
    out->q_axis = axis;
    out->q_bits = onnx_dtype_int_bits(w->dtype, &out->q_signed);
    if (zero && zero->dtype != w->dtype)
        return nerr(c, "its weight zero point is %s but the weights are %s (expected the same "
                    "type)", onnx_dtype_name(zero->dtype), onnx_dtype_name(w->dtype));
    int64_t along = axis < w->rank ? w->dims[axis] : 1;
    for (int k = 0; k < 2; k++) { /* one for all, or one per entry along the axis */
        const val_t *p = k ? zero : scale;
        if (p && numel(p) != 1 && numel(p) != along)
            return nerr(c, "its weight %s '%s' has %" PRId64 " values (expected 1 or %" PRId64
                        ")", k ? "zero point" : "scale", p->name, numel(p), along);
    }
    if (scale && zero && numel(scale) != numel(zero))
        return nerr(c, "%" PRId64 " weight scales but %" PRId64 " zero points (expected as "
                    "many)", numel(scale), numel(zero));
    return 0;
}

/* The forms of Conv and MatMul: float, ConvInteger/MatMulInteger, QLinear*. */
enum { FORM_FLOAT, FORM_INTEGER, FORM_QLINEAR };

/* The quantized forms' inputs, QLinear (x, x_scale, x_zero, w, w_scale,
 * w_zero, ...) and Integer (x, w, x_zero, w_zero): the input must hold
 * integers, whose scale and zero point are noted; *wq describes the integer
 * weights (per channel along axis). */
static int quantized_inputs(cv_t *c, int form, val_t *x, int axis, val_t *wq)
{
    if (!x->qint)
        return nerr(c, "its input '%s' holds floats (expected the integers of a "
                    "QuantizeLinear or a quantized operator)", x->name);
    if (form == FORM_QLINEAR) {
        double s;
        int32_t z;
        if (qparams(c, in(c, 1), in(c, 2), "input scale", &s, &z))
            return -1;
        x->has_ascale = 1, x->ascale = s, x->azero = z;
        return int_weight(c, in(c, 3), in(c, 4), in(c, 5), axis, wq);
    }
    val_t *xz = in(c, 2);
    if (xz && xz->kind == V_CONST) { /* else found at run time (DynamicQuantizeLinear) */
        double z;
        if (scalar(c, xz, "input zero point", &z))
            return -1;
        x->azero = onnx_f2i32(z);
    }
    return int_weight(c, in(c, 1), NULL, in(c, 3), axis, wq);
}

/* A quantized form's output: an integer accumulator (Integer), or integers
 * with the scale and zero point of inputs 6 and 7 (QLinear). */
static int quantized_output(cv_t *c, int form, val_t *o)
{
    if (form == FORM_INTEGER) {
        o->int_acc = 1;
        o->dtype = 6;
    } else if (form == FORM_QLINEAR) {
        double s;
        int32_t z;
        int sg;
        if (qparams(c, in(c, 6), in(c, 7), "output scale", &s, &z))
            return -1;
        o->qint = 1;
        o->abits = zp_bits(in(c, 7), &sg);
        if (o->abits < 2 || o->abits > 16)
            return nerr(c, "its output zero point is %s (expected 8- or 16-bit integers)",
                        onnx_dtype_name(in(c, 7)->dtype));
        o->has_ascale = 1, o->ascale = s, o->azero = z;
    }
    return 0;
}

static int op_conv(cv_t *c, const op_t *op)
{
    int v = op->variant;
    val_t *x = in(c, 0), *b = NULL, wq;
    if (check_act(c, x, "input"))
        return -1;
    if (x->rank != 4)
        return nerr(c, "its input '%s' has rank %d (expected [1, C, H, W]: 2-D convolution)",
                    x->name, x->rank);
    val_t *w = in(c, 1);
    if (v != FORM_FLOAT) {
        if (quantized_inputs(c, v, x, 0, &wq))
            return -1;
        w = &wq;
        b = v == FORM_QLINEAR ? in(c, 8) : NULL;
    } else {
        b = in(c, 2);
    }
    if (check_weight(c, w, "weights", 4))
        return -1;
    int64_t g, M = w->dims[0], C = x->c;
    if (attr_int(c, "group", 1, &g))
        return -1;
    if (g < 1 || C % g || M % g || w->dims[1] * g != C) {
        char ds[128];
        dims_str(w->dims, w->rank, ds, sizeof ds);
        return nerr(c, "weights '%s' %s with group %" PRId64 " do not fit its %" PRId64
                    " input channels (expected [M, C/group, kH, kW] with group dividing C "
                    "and M)", w->name, ds, g, C);
    }
    window_t wd;
    if (window(c, x, w->dims + 2, 0, &wd))
        return -1;
    if (b && v == FORM_QLINEAR && b->dtype != 6)
        return nerr(c, "its bias '%s' is %s (expected int32)", b->name,
                    onnx_dtype_name(b->dtype));
    raw_t *r = emit(c, "conv2d", &x, 1);
    if (!r)
        return -1;
    r->outc = M;
    r->ky = wd.k[0], r->kx = wd.k[1];
    r->stride = wd.s[0];
    r->pad = wd.p[0];
    r->groups = g;
    wspec_t *ws = weight_layer(c, r, WS_CONV, w, "weights", 4, x);
    if (!ws)
        return -1;
    if (b && bias(c, b, M, v == FORM_QLINEAR, ws))
        return -1;
    if (b && v == FORM_QLINEAR)
        ws->b_scale = x->ascale;
    int64_t od[4] = {1, M, wd.out[0], wd.out[1]};
    val_t *o = layer_out(c, 0, 4, od);
    return o ? quantized_output(c, v, o) : -1;
}

/* Gemm, MatMul and MatMul's quantized forms: a linear layer. */
enum { LN_GEMM = FORM_QLINEAR + 1 };

static int op_linear(cv_t *c, const op_t *op)
{
    int v = op->variant;
    val_t *x = in(c, 0), *w = in(c, 1), *b = NULL, wq;
    if (check_act(c, x, "input"))
        return -1;
    int64_t K = (int64_t)x->h * x->w * x->c;
    if (x->rank != 2 && !(x->rank == 3 && x->dims[0] == 1 && x->dims[1] == 1)) {
        char ds[128];
        dims_str(x->dims, x->rank, ds, sizeof ds);
        return nerr(c, "its input '%s' has shape %s (expected [1, K]: a Flatten before it)",
                    x->name, ds);
    }
    int64_t transA = 0, transB = 0;
    double alpha = 1, beta = 1;
    if (v == LN_GEMM) {
        if (attr_int(c, "transA", 0, &transA) || attr_int(c, "transB", 0, &transB) ||
            attr_float(c, "alpha", 1, &alpha) || attr_float(c, "beta", 1, &beta))
            return -1;
        if (transA)
            return nerr(c, "transA 1 (expected 0: the activation as rows)");
        b = in(c, 2);
    }
    if (v == FORM_INTEGER || v == FORM_QLINEAR) {
        if (quantized_inputs(c, v, x, 1, &wq))
            return -1;
        w = &wq;
    }
    if (check_weight(c, w, "weights", 2))
        return -1;
    int64_t wk = transB ? w->dims[1] : w->dims[0], N = transB ? w->dims[0] : w->dims[1];
    if (wk != K) {
        char ds[128];
        dims_str(w->dims, w->rank, ds, sizeof ds);
        return nerr(c, "weights '%s' %s%s take %" PRId64 " inputs but its input '%s' has %"
                    PRId64 " (expected the same)", w->name, ds, transB ? " (transposed)" : "",
                    wk, x->name, K);
    }
    raw_t *r = emit(c, "linear", &x, 1);
    if (!r)
        return -1;
    r->outf = N;
    wspec_t *ws = weight_layer(c, r, WS_LINEAR, w, "weights", 2, x);
    if (!ws)
        return -1;
    ws->transpose = !transB;
    ws->alpha = alpha;
    ws->beta = beta;
    if (b && bias(c, b, numel(b) == 1 ? 1 : N, 0, ws))
        return -1;
    int64_t od[2] = {1, N};
    val_t *o = layer_out(c, 0, 2, od);
    return o ? quantized_output(c, v == LN_GEMM ? FORM_FLOAT : v, o) : -1;
}

static int op_batchnorm(cv_t *c, const op_t *op)
{
    (void)op;
    val_t *x = in(c, 0);
    if (check_act(c, x, "input") || floats_in(c, x))
        return -1;
    int64_t train;
    double eps;
    if (attr_int(c, "training_mode", 0, &train) || attr_float(c, "epsilon", 1e-5, &eps))
        return -1;
    if (train)
        return nerr(c, "training_mode 1 (expected inference: training_mode 0)");
    static const char *const what[4] = {"scale", "bias", "mean", "variance"};
    for (int i = 0; i < 4; i++) {
        if (!in(c, i + 1))
            return nerr(c, "its %s is missing (expected %d stored values)", what[i], x->c);
        if (vector_of(c, in(c, i + 1), x->c, what[i]))
            return -1;
    }
    for (int i = 1; i < 3; i++)
        if (unused_output(c, i, i == 1 ? "running mean" : "running variance"))
            return -1;
    raw_t *r = emit(c, "batchnorm", &x, 1);
    if (!r)
        return -1;
    wspec_t *ws = &c->ws[c->n_r - 1];
    ws->kind = WS_BN;
    ws->bn_scale = in(c, 1)->t, ws->bn_bias = in(c, 2)->t;
    ws->bn_mean = in(c, 3)->t, ws->bn_var = in(c, 4)->t;
    ws->bn_eps = eps;
    r->wspec = c->n_r - 1;
    return layer_out(c, 0, x->rank, x->dims) ? 0 : -1;
}

/* Relu, Sigmoid, Tanh, and Clip(0, max) as a clipped ReLU. */
static int op_act(cv_t *c, const op_t *op)
{
    val_t *x = in(c, 0);
    if (check_act(c, x, "input"))
        return -1;
    double lo = -INFINITY, hi = INFINITY;
    if (op->variant == ACT_NONE) { /* Clip */
        if (c->opset < 11)
            return nerr(c, "opset %d Clip (expected opset 11 or later)", c->opset);
        if ((in(c, 1) && scalar(c, in(c, 1), "min", &lo)) ||
            (in(c, 2) && scalar(c, in(c, 2), "max", &hi)))
            return -1;
        if (lo != 0 || !(hi > 0))
            return nerr(c, "Clip(%g, %g) (expected Clip(0, max) with max > 0: a ReLU, "
                        "clipped as ReLU6 is)", lo, hi);
    }
    raw_t *r = emit(c, "activation", &x, 1);
    if (!r)
        return -1;
    r->act = op->variant == ACT_NONE ? ACT_RELU : (act_kind_t)op->variant;
    r->act_max = isfinite(hi) ? hi : 0;
    if (r->act != ACT_RELU && floats_in(c, x))
        return -1;
    return keep_quant(c, x, x->rank, x->dims);
}

enum { PL_MAX, PL_AVG, PL_GMAX, PL_GAVG };

static int op_pool(cv_t *c, const op_t *op)
{
    val_t *x = in(c, 0);
    if (check_act(c, x, "input"))
        return -1;
    if (x->rank != 4)
        return nerr(c, "its input '%s' has rank %d (expected [1, C, H, W])", x->name, x->rank);
    int v = op->variant;
    if ((v == PL_AVG || v == PL_GAVG) && floats_in(c, x))
        return -1;
    if (v == PL_GMAX || v == PL_GAVG) {
        if (!emit(c, v == PL_GMAX ? "global_maxpool" : "global_avgpool", &x, 1))
            return -1;
        int64_t od[4] = {1, x->c, 1, 1};
        return keep_quant(c, x, 4, od);
    }
    window_t wd;
    if (window(c, x, NULL, 1, &wd))
        return -1;
    if (v == PL_MAX) {
        int64_t so;
        if (unused_output(c, 1, "indices") || attr_int(c, "storage_order", 0, &so))
            return -1;
    } else {
        int64_t cip;
        if (attr_int(c, "count_include_pad", 0, &cip))
            return -1;
        /* A Pad node's zeros are data, counted like count_include_pad 1. */
        if (!cip && wd.p[0] > x->pad)
            return nerr(c, "count_include_pad 0 with padding %" PRId64 " (expected "
                        "count_include_pad 1, or no padding)", wd.p[0] - x->pad);
        if (wd.k[0] == 1 && wd.k[1] == 1 && wd.s[0] == 1 && !wd.p[0]) /* AdaptiveAvgPool at size */
            return pass(c, x, 0, 0, NULL) ? 0 : -1;
    }
    raw_t *r = emit(c, v == PL_MAX ? "maxpool" : "avgpool", &x, 1);
    if (!r)
        return -1;
    r->ky = wd.k[0], r->kx = wd.k[1];
    r->stride = wd.s[0];
    r->pad = wd.p[0];
    int64_t od[4] = {1, x->c, wd.out[0], wd.out[1]};
    return keep_quant(c, x, 4, od);
}

/* ------------------------------------------------------------ shapes */

/* A constant with new dims and the same values. */
static val_t *reshape_const(cv_t *c, const val_t *x, int oi, int rank, const int64_t *dims)
{
    val_t *o = add_val(c, out_name(c, oi), x);
    if (!o)
        return NULL;
    o->rank = rank;
    memcpy(o->dims, dims, sizeof *dims * (size_t)rank);
    if (x->t) { /* the stored tensor, seen with the new dims */
        onnx_tensor_t *t = alloc(c, sizeof *t);
        if (!t)
            return NULL;
        *t = *x->t;
        t->derived = 1;
        t->rank = rank;
        memcpy(t->dims, dims, sizeof *dims * (size_t)rank);
        o->t = t;
    }
    return o;
}

/* An activation given new dims: a flatten to [1, N] (a flatten layer when
 * it changes the H x W x C layout), or the same layout seen otherwise. */
static int reshape_act(cv_t *c, val_t *x, int rank, const int64_t *dims)
{
    int h, w, ch;
    char a[128], b[128];
    if (x->kind == V_SEQ) { /* an LSTM's sequence keeps its steps on axis 0 */
        if (rank < 2 || dims[0] != x->dims[0])
            goto bad;
        return pass(c, x, 0, rank, dims) ? 0 : -1;
    }
    if (rank == 2 && dims[0] == 1 && (x->h > 1 || x->w > 1)) {
        if (!emit(c, "flatten", &x, 1))
            return -1;
        return keep_quant(c, x, rank, dims);
    }
    if (view_of(dims, rank, &h, &w, &ch) && h == x->h && w == x->w && ch == x->c)
        return pass(c, x, 0, rank, dims) ? 0 : -1;
bad:
    dims_str(x->dims, x->rank, a, sizeof a);
    dims_str(dims, rank, b, sizeof b);
    return nerr(c, "it turns %s into %s (expected only a flatten to [1, N], or the same "
                "values in the same order)", a, b);
}

static int apply_shape(cv_t *c, val_t *x, int rank, const int64_t *dims)
{
    if (x->kind == V_CONST)
        return reshape_const(c, x, 0, rank, dims) ? 0 : -1;
    if (x->kind == V_ACT || x->kind == V_SEQ)
        return reshape_act(c, x, rank, dims);
    return check_act(c, x, "input");
}

static int norm_axis(cv_t *c, int64_t axis, int rank, int extra, int *out)
{
    if (axis < -(rank + extra) || axis >= rank + extra)
        return nerr(c, "axis %" PRId64 " of a rank-%d tensor (expected %d..%d)", axis, rank,
                    -(rank + extra), rank + extra - 1);
    *out = (int)(axis < 0 ? axis + rank + extra : axis);
    return 0;
}

static int op_flatten(cv_t *c, const op_t *op)
{
    (void)op;
    val_t *x = in(c, 0);
    int64_t axis;
    int a = 0;
    if (!x)
        return nerr(c, "its input is missing");
    if (attr_int(c, "axis", 1, &axis) || norm_axis(c, axis, x->rank, 1, &a))
        return -1;
    int64_t d[2] = {1, 1};
    for (int i = 0; i < x->rank; i++)
        d[i >= a] *= x->dims[i];
    return apply_shape(c, x, 2, d);
}

static int op_reshape(cv_t *c, const op_t *op)
{
    (void)op;
    val_t *x = in(c, 0), *sh = in(c, 1);
    int64_t *s, allowzero;
    if (!x)
        return nerr(c, "its input is missing");
    if (!is_const(sh))
        return nerr(c, "its shape is not a constant (expected a shape known when loading: "
                    "a Constant, an initializer or a folded Shape computation)");
    if (sh->rank != 1 || numel(sh) > ONNX_MAX_RANK || attr_int(c, "allowzero", 0, &allowzero) ||
        const_ints(c, sh, &s, "shape"))
        return sh->rank != 1 || numel(sh) > ONNX_MAX_RANK
                   ? nerr(c, "its shape '%s' has %" PRId64 " entries (expected a list of at "
                          "most %d)", sh->name, numel(sh), ONNX_MAX_RANK)
                   : -1;
    int rank = (int)numel(sh), infer = -1;
    int64_t d[ONNX_MAX_RANK], known = 1, total = numel(x);
    for (int i = 0; i < rank; i++) {
        d[i] = s[i];
        if (s[i] == 0 && !allowzero) {
            if (i >= x->rank)
                return nerr(c, "shape entry %d is 0 (copy) beyond the input's rank %d", i,
                            x->rank);
            d[i] = x->dims[i];
        }
        if (d[i] == -1) {
            if (infer >= 0)
                return nerr(c, "two -1 entries in its shape (expected at most one)");
            infer = i;
            continue;
        }
        if (d[i] < 0)
            return nerr(c, "shape entry %d is %" PRId64 " (expected -1, 0 or a size)", i, d[i]);
        known = smul(known, d[i] ? d[i] : 1);
    }
    if (infer >= 0)
        d[infer] = known ? total / known : 0;
    int64_t n = dims_prod(d, rank);
    if (n != total) {
        char a[128], b[128];
        dims_str(x->dims, x->rank, a, sizeof a);
        dims_str(d, rank, b, sizeof b);
        return nerr(c, "it turns %s (%" PRId64 " values) into %s (%" PRId64 ") (expected the "
                    "same number of values)", a, total, b, n);
    }
    return apply_shape(c, x, rank, d);
}

/* Squeeze and Unsqueeze: axes from the attribute (opset < 13) or input 1. */
static int op_squeeze(cv_t *c, const op_t *op)
{
    int unsq = op->variant;
    val_t *x = in(c, 0);
    if (!x)
        return nerr(c, "its input is missing");
    const int64_t *ax = NULL;
    int64_t *axv;
    size_t na = 0;
    if (c->opset < 13) {
        if (attr_ints(c, "axes", -1, &ax, &na))
            return -1;
    } else if (in(c, 1)) {
        if (!is_const(in(c, 1)))
            return nerr(c, "its axes are not a constant (expected them known when loading)");
        if (const_ints(c, in(c, 1), &axv, "axes"))
            return -1;
        ax = axv;
        na = (size_t)numel(in(c, 1));
    } else if (attr(c->node, "axes")) {
        return nerr(c, "attribute 'axes' in opset %d (expected the axes as input 2 since "
                    "opset 13)", c->opset);
    }
    if (unsq && !na)
        return nerr(c, "no axes (expected the axes to insert)");
    int rank = unsq ? x->rank + (int)na : x->rank;
    if (rank > ONNX_MAX_RANK || na > ONNX_MAX_RANK)
        return nerr(c, "a rank-%d result (expected at most %d)", rank, ONNX_MAX_RANK);
    int mark[ONNX_MAX_RANK] = {0};
    for (size_t i = 0; i < na; i++) {
        int a = 0;
        if (norm_axis(c, ax[i], x->rank, unsq ? (int)na : 0, &a))
            return -1;
        if (mark[a])
            return nerr(c, "axis %d given twice", a);
        mark[a] = 1;
    }
    int64_t d[ONNX_MAX_RANK];
    int k = 0;
    if (unsq) {
        for (int i = 0, j = 0; i < rank; i++)
            d[k++] = mark[i] ? 1 : x->dims[j++];
    } else {
        for (int i = 0; i < x->rank; i++) {
            int drop = na ? mark[i] : x->dims[i] == 1;
            if (drop && x->dims[i] != 1)
                return nerr(c, "axis %d has size %" PRId64 " (expected 1 to squeeze it)", i,
                            x->dims[i]);
            if (!drop)
                d[k++] = x->dims[i];
        }
        rank = k;
    }
    return apply_shape(c, x, rank, d);
}

static int op_identity(cv_t *c, const op_t *op)
{
    val_t *x = in(c, 0);
    if (!x)
        return nerr(c, "its input is missing");
    if (op->variant == 1) { /* Dropout: the mask output is not computed */
        int64_t seed;
        if (attr_int(c, "seed", 0, &seed) || unused_output(c, 1, "mask"))
            return -1;
        val_t *tm = in(c, 2);
        if (tm) {
            double t;
            if (scalar(c, tm, "training_mode", &t))
                return -1;
            if (t != 0)
                return nerr(c, "training_mode true (expected inference)");
        }
    }
    val_t *o = pass(c, x, 0, 0, NULL);
    if (o && op->variant == 2) /* Softmax, LogSoftmax: the host's */
        o->kind = o->kind == V_ACT ? V_HOST : o->kind;
    return o ? 0 : -1;
}

static int op_cast(cv_t *c, const op_t *op)
{
    (void)op;
    val_t *x = in(c, 0);
    int64_t to;
    if (!x)
        return nerr(c, "its input is missing");
    if (attr_int(c, "to", 0, &to) || (attr(c->node, "to") ? 0 : nerr(c, "no 'to' type")))
        return -1;
    if (x->kind == V_CONST) {
        val_t *o;
        if (is_int_type((int)to)) {
            int64_t *iv;
            if (const_ints(c, x, &iv, "input"))
                return -1;
            o = fold_out(c, 0, (int)to, x->rank, x->dims, iv, NULL);
        } else {
            double *fv;
            if (const_floats(c, x, &fv, "input"))
                return -1;
            o = fold_out(c, 0, (int)to, x->rank, x->dims, NULL, fv);
        }
        return o ? 0 : -1;
    }
    val_t *o = pass(c, x, 0, 0, NULL);
    if (o)
        o->dtype = (int)to;
    return o ? 0 : -1;
}

static int op_concat(cv_t *c, const op_t *op)
{
    (void)op;
    int n = n_in(c), nc = 0;
    val_t *xs[LAYER_MAX_INPUTS + 1];
    int64_t axis;
    int a = 0;
    if (attr_int(c, "axis", 0, &axis) || (!attr(c->node, "axis") && nerr(c, "no 'axis'")))
        return -1;
    for (int i = 0; i < n; i++) {
        if (!in(c, i))
            return nerr(c, "input %d is missing", i);
        nc += is_const(in(c, i));
    }
    val_t *x0 = in(c, 0);
    if (norm_axis(c, axis, x0->rank, 0, &a))
        return -1;
    int64_t d[ONNX_MAX_RANK];
    memcpy(d, x0->dims, sizeof d);
    d[a] = 0;
    for (int i = 0; i < n; i++) {
        val_t *x = in(c, i);
        int same = x->rank == x0->rank;
        for (int k = 0; same && k < x->rank; k++)
            same = k == a || x->dims[k] == x0->dims[k];
        if (!same) {
            char s0[128], s1[128];
            dims_str(x0->dims, x0->rank, s0, sizeof s0);
            dims_str(x->dims, x->rank, s1, sizeof s1);
            return nerr(c, "input '%s' is %s but input '%s' is %s (expected the same shape "
                        "but along axis %d)", x0->name, s0, x->name, s1, a);
        }
        d[a] += x->dims[a];
    }
    if (nc == n) { /* shape arithmetic */
        int64_t total = dims_prod(d, x0->rank), *out;
        if (total > MAX_FOLD)
            return nerr(c, "a folded constant of %" PRId64 " values (expected at most %d)",
                        total, MAX_FOLD);
        int64_t outer = 1, inner = 1;
        for (int k = 0; k < a; k++)
            outer = smul(outer, d[k]);
        for (int k = a + 1; k < x0->rank; k++)
            inner = smul(inner, d[k]);
        out = alloc(c, sizeof *out * (size_t)(total ? total : 1));
        if (!out)
            return -1;
        int64_t at = 0;
        for (int64_t o = 0; total && o < outer; o++) /* no values: no loop over outer */
            for (int i = 0; i < n; i++) {
                int64_t *iv, chunk = in(c, i)->dims[a] * inner;
                if (const_ints(c, in(c, i), &iv, "input"))
                    return -1;
                memcpy(out + at, iv + o * chunk, sizeof *out * (size_t)chunk);
                at += chunk;
            }
        return fold_out(c, 0, 7, x0->rank, d, out, NULL) ? 0 : -1;
    }
    if (nc)
        return nerr(c, "it joins constants and activations (expected activations only)");
    if (n == 1) /* a concat of one tensor is that tensor */
        return check_act(c, x0, "input") ? -1 : pass(c, x0, 0, 0, NULL) ? 0 : -1;
    if (n > LAYER_MAX_INPUTS)
        return nerr(c, "%d inputs (expected at most %d)", n, LAYER_MAX_INPUTS);
    for (int i = 0; i < n; i++) {
        if (check_act(c, in(c, i), "input"))
            return -1;
        xs[i] = in(c, i);
    }
    if (!((x0->rank == 4 && a == 1) || (x0->rank == 2 && a == 1)))
        return nerr(c, "axis %d of a rank-%d tensor (expected the channel axis 1)", a,
                    x0->rank);
    for (int i = 1; i < n; i++)
        if (xs[i]->qint != x0->qint || xs[i]->ascale != x0->ascale)
            return nerr(c, "it joins tensors quantized differently ('%s' and '%s') (expected "
                        "the same scale)", x0->name, xs[i]->name);
    if (!emit(c, "concat", xs, n))
        return -1;
    return keep_quant(c, x0, x0->rank, d);
}

/* Softmax at the end, Identity, Dropout: see op_identity. */

static int op_softmax(cv_t *c, const op_t *op)
{
    if (check_act(c, in(c, 0), "input"))
        return -1;
    return op_identity(c, op);
}

/* ------------------------------------------------------------ constants */

/* A tensor written in the model (an initializer, a Constant's value), known
 * by `name` (a Constant's by its output, as `weights:` references find it). */
static val_t *stored(cv_t *c, const char *name, const Onnx__TensorProto *tp)
{
    onnx_tensor_t *t = alloc(c, sizeof *t);
    char err[600], *nm = alloc(c, strlen(name) + 1);
    if (!t || !nm)
        return NULL;
    if (onnx_tensor_from_proto(c->m, &c->w, tp, &c->src, t, err, sizeof err)) {
        nerr(c, "%s '%s': %s", c->node ? "its value" : "initializer", name, err);
        return NULL;
    }
    t->name = strcpy(nm, name);
    val_t *v = add_val(c, name, NULL);
    if (!v)
        return NULL;
    v->kind = V_CONST;
    v->t = t;
    v->dtype = t->dtype;
    v->rank = t->rank;
    memcpy(v->dims, t->dims, sizeof v->dims);
    return v;
}

static int op_constant(cv_t *c, const op_t *op)
{
    (void)op;
    if (c->node->n_attribute != 1)
        return nerr(c, "%zu attributes (expected exactly one value)", c->node->n_attribute);
    const Onnx__AttributeProto *a = c->node->attribute[0];
    const char *an = a->name ? a->name : "";
    if (!strcmp(an, "value")) {
        if (!attr_is(c, a, 4))
            return -1;
        return stored(c, out_name(c, 0), a->t) ? 0 : -1;
    }
    int ints = !strcmp(an, "value_int") || !strcmp(an, "value_ints");
    int list = !strcmp(an, "value_ints") || !strcmp(an, "value_floats");
    if (!ints && strcmp(an, "value_float") && strcmp(an, "value_floats"))
        return nerr(c, "attribute '%s' (expected value, value_float(s) or value_int(s))", an);
    if (!attr_is(c, a, list ? (ints ? 7 : 6) : (ints ? 2 : 1)))
        return -1;
    int64_t n = list ? (int64_t)(ints ? a->n_ints : a->n_floats) : 1, d[1] = {n};
    int64_t *iv = alloc(c, sizeof *iv * (size_t)(n ? n : 1));
    double *fv = alloc(c, sizeof *fv * (size_t)(n ? n : 1));
    if (!iv || !fv)
        return -1;
    for (int64_t i = 0; i < n; i++) {
        fv[i] = ints ? (double)(list ? a->ints[i] : a->i) : (list ? a->floats[i] : a->f);
        iv[i] = ints ? (list ? a->ints[i] : a->i) : onnx_f2i(fv[i]);
    }
    return fold_out(c, 0, ints ? 7 : 1, list, d, iv, fv) ? 0 : -1;
}

static int op_shape(cv_t *c, const op_t *op)
{
    (void)op;
    val_t *x = in(c, 0);
    int64_t st, en;
    if (!x)
        return nerr(c, "its input is missing");
    if (attr_int(c, "start", 0, &st) || attr_int(c, "end", x->rank, &en))
        return -1;
    st = st < 0 ? st + x->rank : st;
    en = en < 0 ? en + x->rank : en;
    st = st < 0 ? 0 : st > x->rank ? x->rank : st;
    en = en < 0 ? 0 : en > x->rank ? x->rank : en;
    int64_t n = en > st ? en - st : 0, d[1] = {n};
    int64_t *iv = alloc(c, sizeof *iv * (size_t)(n ? n : 1));
    if (!iv)
        return -1;
    for (int64_t i = 0; i < n; i++)
        iv[i] = x->dims[st + i];
    return fold_out(c, 0, 7, 1, d, iv, NULL) ? 0 : -1;
}

static int op_constant_of_shape(cv_t *c, const op_t *op)
{
    (void)op;
    val_t *sh = in(c, 0);
    int64_t *s;
    if (!is_const(sh) || sh->rank != 1 || numel(sh) > ONNX_MAX_RANK)
        return nerr(c, "its shape is not a constant list (expected one known when loading)");
    if (const_ints(c, sh, &s, "shape"))
        return -1;
    int rank = (int)numel(sh);
    int64_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (s[i] < 0 || (s[i] && n > MAX_FOLD / s[i]))
            return nerr(c, "shape entry %d is %" PRId64 " (expected at most %d values in all)",
                        i, s[i], MAX_FOLD);
        n *= s[i];
    }
    double val = 0;
    int dt = 1;
    const Onnx__AttributeProto *a = attr(c->node, "value");
    if (a) {
        if (!attr_is(c, a, 4))
            return -1;
        onnx_tensor_t t;
        char err[600];
        float f;
        if (onnx_tensor_from_proto(c->m, &c->w, a->t, &c->src, &t, err, sizeof err))
            return nerr(c, "its value: %s", err);
        if (t.n != 1)
            return nerr(c, "its value has %" PRId64 " elements (expected one)", t.n);
        if (onnx_read_f32(&c->src, &t, &f, c->d, c->file, "its value"))
            return -1;
        val = f;
        dt = t.dtype;
    }
    int64_t *iv = alloc(c, sizeof *iv * (size_t)(n ? n : 1));
    double *fv = alloc(c, sizeof *fv * (size_t)(n ? n : 1));
    if (!iv || !fv)
        return -1;
    for (int64_t i = 0; i < n; i++)
        iv[i] = onnx_f2i(val), fv[i] = val;
    return fold_out(c, 0, dt, rank, s, is_int_type(dt) ? iv : NULL, is_int_type(dt) ? NULL : fv)
               ? 0 : -1;
}

/* Gather: constants fold; the last step of an LSTM sequence is its last
 * hidden state. */
static int op_gather(cv_t *c, const op_t *op)
{
    (void)op;
    val_t *x = in(c, 0), *ix = in(c, 1);
    int64_t axis, *idx;
    int a = 0;
    if (!x || !is_const(ix))
        return nerr(c, "its %s (expected constant indices)", !x ? "data is missing"
                                                                : "indices are not constant");
    if (attr_int(c, "axis", 0, &axis) || norm_axis(c, axis, x->rank, 0, &a) ||
        const_ints(c, ix, &idx, "indices"))
        return -1;
    int64_t ni = numel(ix), dn = x->dims[a];
    for (int64_t i = 0; i < ni; i++) {
        if (idx[i] < -dn || idx[i] >= dn)
            return nerr(c, "index %" PRId64 " on an axis of %" PRId64 " (expected %" PRId64
                        "..%" PRId64 ")", idx[i], dn, -dn, dn - 1);
    }
    int rank = x->rank - 1 + ix->rank;
    if (rank > ONNX_MAX_RANK)
        return nerr(c, "a rank-%d result (expected at most %d)", rank, ONNX_MAX_RANK);
    int64_t d[ONNX_MAX_RANK];
    int k = 0;
    for (int i = 0; i < a; i++)
        d[k++] = x->dims[i];
    for (int i = 0; i < ix->rank; i++)
        d[k++] = ix->dims[i];
    for (int i = a + 1; i < x->rank; i++)
        d[k++] = x->dims[i];
    if (x->kind == V_SEQ) {
        if (a != 0 || ni != 1 || ix->rank != 0 || (idx[0] != -1 && idx[0] != dn - 1))
            return nerr(c, "it selects from an LSTM sequence other than its last step "
                        "(expected index -1 on axis 0: imcsim keeps the last hidden state)");
        val_t *o = pass(c, x, 0, 0, NULL);
        if (!o)
            return -1;
        o->kind = V_ACT;
        o->rank = rank;
        memcpy(o->dims, d, sizeof d);
        if (!view_of(d, rank, &o->h, &o->w, &o->c))
            return nerr(c, "a last step of shape rank %d (expected [1, hidden])", rank);
        return 0;
    }
    if (x->kind != V_CONST)
        return nerr(c, "it gathers from activation '%s' (expected constants, or the last step "
                    "of an LSTM)", x->name);
    int64_t outer = 1, inner = 1, total;
    for (int i = 0; i < a; i++)
        outer = smul(outer, x->dims[i]);
    for (int i = a + 1; i < x->rank; i++)
        inner = smul(inner, x->dims[i]);
    total = smul(smul(outer, ni), inner);
    if (total > MAX_FOLD || numel(x) > MAX_FOLD)
        return nerr(c, "a folded constant of %" PRId64 " values (expected at most %d)", total,
                    MAX_FOLD);
    double *fv = alloc(c, sizeof *fv * (size_t)(total ? total : 1));
    int64_t *iv = alloc(c, sizeof *iv * (size_t)(total ? total : 1));
    int ints = is_int_type(x->dtype);
    if (!fv || !iv || const_values(c, x, "data"))
        return -1;
    const int64_t *isrc = x->iv;
    const double *src = x->fv;
    int64_t at = 0;
    for (int64_t o = 0; total && o < outer; o++)
        for (int64_t i = 0; i < ni; i++) {
            int64_t j = idx[i] < 0 ? idx[i] + dn : idx[i];
            for (int64_t q = 0; q < inner; q++, at++) {
                int64_t from = (o * dn + j) * inner + q;
                iv[at] = ints ? isrc[from] : onnx_f2i(src[from]);
                fv[at] = ints ? (double)isrc[from] : src[from];
            }
        }
    return fold_out(c, 0, x->dtype, rank, d, ints ? iv : NULL, ints ? NULL : fv) ? 0 : -1;
}

/* Pad: zeros around H and W, taken by the Conv or AveragePool after it
 * (what PyTorch's avg_pool2d exports); no pads at all is an identity. */
static int op_pad(cv_t *c, const op_t *op)
{
    (void)op;
    val_t *x = in(c, 0), *pv = in(c, 1), *cv_ = in(c, 2);
    char mode[32];
    int64_t *p;
    if (attr_str(c, "mode", "constant", mode, sizeof mode) || check_act(c, x, "input"))
        return -1;
    if (!is_const(pv) || numel(pv) != 2 * x->rank || const_ints(c, pv, &p, "pads"))
        return is_const(pv) && numel(pv) == 2 * x->rank ? -1
               : nerr(c, "its pads are not %d constant values (expected them known when "
                      "loading)", 2 * x->rank);
    double v = 0;
    if (cv_ && scalar(c, cv_, "constant_value", &v))
        return -1;
    int64_t pad = x->rank == 4 ? p[2] : 0;
    int even = pad >= 0 && pad <= 4096;
    for (int i = 0; i < 2 * x->rank; i++)
        even &= p[i] == (x->rank == 4 && i % 4 >= 2 ? pad : 0);
    if (strcmp(mode, "constant"))
        return nerr(c, "mode '%s' (expected constant zeros)", mode);
    if (v != 0)
        return nerr(c, "constant_value %g (expected zeros)", v);
    if (!even) {
        char ds[160];
        dims_str(p, 2 * x->rank, ds, sizeof ds);
        return nerr(c, "pads %s (expected the same zeros on every side of H and W, none on N "
                    "and C)", ds);
    }
    val_t *o = pass(c, x, 0, 0, NULL);
    if (o)
        o->pad += pad;
    return o ? 0 : -1;
}

/* Expand of a constant (an LSTM's initial state): numpy broadcasting. */
static int op_expand(cv_t *c, const op_t *op)
{
    (void)op;
    val_t *x = in(c, 0), *sh = in(c, 1);
    int64_t *s, *xi;
    double *xf;
    if (!is_const(x))
        return nerr(c, "it broadcasts '%s', which is not a constant (expected constants only)",
                    x ? x->name : "");
    if (!is_const(sh) || sh->rank != 1 || numel(sh) > ONNX_MAX_RANK)
        return nerr(c, "its shape is not a constant list of at most %d sizes", ONNX_MAX_RANK);
    if (const_ints(c, sh, &s, "shape") || const_ints(c, x, &xi, "input") ||
        const_floats(c, x, &xf, "input"))
        return -1;
    int rs = (int)numel(sh), rank = rs > x->rank ? rs : x->rank;
    int64_t d[ONNX_MAX_RANK], xd[ONNX_MAX_RANK], n = 1;
    for (int i = 0; i < rank; i++) { /* align both shapes on the right */
        int64_t a = i - (rank - x->rank) >= 0 ? x->dims[i - (rank - x->rank)] : 1;
        int64_t b = i - (rank - rs) >= 0 ? s[i - (rank - rs)] : 1;
        if (a != b && a != 1 && b != 1)
            return nerr(c, "sizes %" PRId64 " and %" PRId64 " on axis %d do not broadcast", a,
                        b, i);
        xd[i] = a;
        d[i] = a == 1 ? b : a;
        if (d[i] < 0 || (d[i] && n > MAX_FOLD / d[i]))
            return nerr(c, "a folded constant of more than %d values", MAX_FOLD);
        n *= d[i];
    }
    int64_t *iv = alloc(c, sizeof *iv * (size_t)(n ? n : 1));
    double *fv = alloc(c, sizeof *fv * (size_t)(n ? n : 1));
    if (!iv || !fv)
        return -1;
    for (int64_t k = 0; k < n; k++) {
        int64_t rem = k, src = 0, stride = 1;
        for (int i = rank - 1; i >= 0; i--) {
            int64_t idx = rem % d[i];
            rem /= d[i];
            src += (xd[i] == 1 ? 0 : idx) * stride;
            stride *= xd[i];
        }
        iv[k] = xi[src];
        fv[k] = xf[src];
    }
    return fold_out(c, 0, x->dtype, rank, d, iv, fv) ? 0 : -1;
}

/* Slice of a constant (shape arithmetic). */
static int op_slice(cv_t *c, const op_t *op)
{
    (void)op;
    val_t *x = in(c, 0);
    if (!is_const(x))
        return nerr(c, "it slices '%s', which is not a constant (expected shape arithmetic "
                    "only)", x ? x->name : "");
    if (x->rank != 1)
        return nerr(c, "it slices a rank-%d constant (expected a list)", x->rank);
    int64_t *st, *en, *ax = NULL, *sp = NULL, *iv;
    for (int i = 1; i < 5; i++)
        if (in(c, i) && (!is_const(in(c, i)) || numel(in(c, i)) != 1))
            return nerr(c, "input %d is not one constant value (expected a slice of one axis)",
                        i);
    if (!in(c, 1) || !in(c, 2) || const_ints(c, in(c, 1), &st, "starts") ||
        const_ints(c, in(c, 2), &en, "ends") || (in(c, 3) && const_ints(c, in(c, 3), &ax, "axes")) ||
        (in(c, 4) && const_ints(c, in(c, 4), &sp, "steps")) || const_ints(c, x, &iv, "data"))
        return in(c, 1) && in(c, 2) ? -1 : nerr(c, "no starts or ends");
    if ((ax && ax[0] != 0 && ax[0] != -1) || (sp && sp[0] != 1))
        return nerr(c, "axis or step other than 0 and 1 (expected a plain slice of a list)");
    int64_t n = x->dims[0], s0 = st[0] < 0 ? st[0] + n : st[0], e0 = en[0] < 0 ? en[0] + n : en[0];
    s0 = s0 < 0 ? 0 : s0 > n ? n : s0;
    e0 = e0 < 0 ? 0 : e0 > n ? n : e0;
    int64_t d[1] = {e0 > s0 ? e0 - s0 : 0};
    int64_t *out = alloc(c, sizeof *out * (size_t)(d[0] ? d[0] : 1));
    if (!out)
        return -1;
    memcpy(out, iv + s0, sizeof *out * (size_t)d[0]);
    return fold_out(c, 0, x->dtype, 1, d, out, NULL) ? 0 : -1;
}

/* ------------------------------------------------------------ arithmetic */

enum { AR_ADD, AR_SUB, AR_MUL, AR_DIV, AR_SUM };

/* Both constants: elementwise, one of them may be a single value. */
static int fold_arith(cv_t *c, int opv)
{
    val_t *a = in(c, 0), *b = in(c, 1);
    int64_t na = numel(a), nb = numel(b);
    if (na != nb && na != 1 && nb != 1)
        return nerr(c, "constants of %" PRId64 " and %" PRId64 " values (expected equal "
                    "shapes or a single value)", na, nb);
    const val_t *big = na >= nb ? a : b;
    int64_t n = na > nb ? na : nb;
    int ints = is_int_type(a->dtype) && is_int_type(b->dtype);
    double *fa, *fb, *fv = alloc(c, sizeof *fv * (size_t)(n ? n : 1));
    int64_t *ia, *ib, *iv = alloc(c, sizeof *iv * (size_t)(n ? n : 1));
    if (!fv || !iv || const_floats(c, a, &fa, "input") || const_floats(c, b, &fb, "input") ||
        const_ints(c, a, &ia, "input") || const_ints(c, b, &ib, "input"))
        return -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t x = ia[na == 1 ? 0 : i], y = ib[nb == 1 ? 0 : i];
        double p = fa[na == 1 ? 0 : i], q = fb[nb == 1 ? 0 : i];
        if (!ints) {
            fv[i] = opv == AR_ADD ? p + q : opv == AR_SUB ? p - q : opv == AR_MUL ? p * q : p / q;
            iv[i] = onnx_f2i(fv[i]);
            continue;
        }
        if (opv == AR_DIV && y == 0)
            return nerr(c, "an integer division by zero");
        int over;
        if (opv == AR_ADD)
            over = ck_add_i64(x, y, &iv[i]);
        else if (opv == AR_SUB)
            over = ck_sub_i64(x, y, &iv[i]);
        else if (opv == AR_MUL)
            over = ck_mul_i64(x, y, &iv[i]);
        else if (!(over = x == INT64_MIN && y == -1))
            iv[i] = x / y;
        if (over) /* 64-bit constants (shapes, indices) that no model means */
            return nerr(c, "the integer result of %" PRId64 " and %" PRId64 " does not fit in "
                        "64 bits", x, y);
        fv[i] = (double)iv[i];
    }
    return fold_out(c, 0, ints ? a->dtype : 1, big->rank, big->dims, ints ? iv : NULL,
                    ints ? NULL : fv) ? 0 : -1;
}

static int op_arith(cv_t *c, const op_t *op)
{
    int opv = op->variant, n = n_in(c);
    for (int i = 0; i < n; i++)
        if (!in(c, i))
            return nerr(c, "input %d is missing", i);
    if (opv != AR_SUM && n != 2)
        return nerr(c, "%d inputs (expected 2)", n);
    val_t *a = in(c, 0), *b = n > 1 ? in(c, 1) : NULL;
    if (opv != AR_SUM && is_const(a) && is_const(b))
        return fold_arith(c, opv);
    if (opv != AR_SUM && (a->kind == V_RUNTIME || b->kind == V_RUNTIME) &&
        (is_const(a) || is_const(b) || (a->kind == V_RUNTIME && b->kind == V_RUNTIME))) {
        val_t *o = pass(c, a->kind == V_RUNTIME ? a : b, 0, 0, NULL); /* a run-time scale */
        return o ? 0 : -1;
    }
    if (opv == AR_MUL) { /* the scale an integer layer's output is multiplied by */
        val_t *x = a->kind == V_ACT ? a : b, *k = x == a ? b : a;
        if (x->kind == V_ACT && x->int_acc && (is_const(k) || k->kind == V_RUNTIME)) {
            double s = 1;
            if (is_const(k) && scalar(c, k, "scale", &s))
                return -1;
            if (x->layer >= 0 && c->r[x->layer].wspec >= 0 && x->consumers == 1)
                c->ws[c->r[x->layer].wspec].out_mul *= s;
            val_t *o = pass(c, x, 0, 0, NULL);
            if (o)
                o->int_acc = 0, o->dtype = 1;
            return o ? 0 : -1;
        }
    }
    if (opv == AR_ADD && (is_const(a) || is_const(b))) { /* a MatMul's bias */
        val_t *x = is_const(a) ? b : a, *k = x == a ? b : a;
        if (check_act(c, x, "input"))
            return -1;
        int ok = x->layer >= 0 && c->r[x->layer].kind == RK_LINEAR && x->consumers == 1 &&
                 c->r[x->layer].wspec >= 0 && !c->ws[c->r[x->layer].wspec].b;
        if (!ok)
            return nerr(c, "it adds constant '%s' to '%s' (expected a constant added only as "
                        "the bias of the MatMul that produces the other input)", k->name,
                        x->name);
        if (bias(c, k, numel(k) == 1 ? 1 : x->c, 0, &c->ws[c->r[x->layer].wspec]))
            return -1;
        return pass(c, x, 0, 0, NULL) ? 0 : -1;
    }
    if (opv != AR_ADD && opv != AR_SUM)
        return nerr(c, "%s of activations (expected %s only on constants: shape arithmetic)",
                    c->node->op_type, c->node->op_type);
    val_t *xs[LAYER_MAX_INPUTS];
    if (n > LAYER_MAX_INPUTS)
        return nerr(c, "%d inputs (expected at most %d)", n, LAYER_MAX_INPUTS);
    for (int i = 0; i < n; i++) {
        xs[i] = in(c, i);
        if (check_act(c, xs[i], "input"))
            return -1;
        int same = xs[i]->rank == a->rank;
        for (int k = 0; same && k < a->rank; k++)
            same = xs[i]->dims[k] == a->dims[k];
        if (!same) {
            char s0[128], s1[128];
            dims_str(a->dims, a->rank, s0, sizeof s0);
            dims_str(xs[i]->dims, xs[i]->rank, s1, sizeof s1);
            return nerr(c, "input '%s' is %s but input '%s' is %s (expected identical shapes: "
                        "imcsim's add does not broadcast)", a->name, s0, xs[i]->name, s1);
        }
    }
    if (n == 1)
        return pass(c, a, 0, 0, NULL) ? 0 : -1;
    for (int i = 0; i < n; i++)
        if (floats_in(c, xs[i]))
            return -1;
    if (!emit(c, "add", xs, n))
        return -1;
    return layer_out(c, 0, a->rank, a->dims) ? 0 : -1;
}

/* ------------------------------------------------------------ quantization */

enum { Q_QUANTIZE, Q_DEQUANTIZE, Q_DYNAMIC };

static int op_quant(cv_t *c, const op_t *op)
{
    val_t *x = in(c, 0), *sc = in(c, 1), *zp = in(c, 2);
    int64_t axis;
    int sg;
    if (!x)
        return nerr(c, "its input is missing");
    if (op->variant == Q_DYNAMIC) {
        if (check_act(c, x, "input"))
            return -1;
        val_t *o = pass(c, x, 0, 0, NULL);
        if (!o)
            return -1;
        o->qint = 1, o->abits = 8, o->has_ascale = 0, o->dtype = 2;
        for (int i = 1; i < 3; i++) {
            val_t *rt = add_val(c, out_name(c, i), NULL);
            if (!rt)
                return -1;
            rt->kind = V_RUNTIME;
        }
        return 0;
    }
    if (attr_int(c, "axis", 1, &axis))
        return -1;
    if (!sc || sc->kind != V_CONST || !sc->t || (zp && (zp->kind != V_CONST || !zp->t)))
        return nerr(c, "its scale and zero point are not stored constants (expected "
                    "initializers or Constants)");
    int bits = zp_bits(zp, &sg);
    if (!bits)
        return nerr(c, "its zero point is %s (expected an integer type)",
                    onnx_dtype_name(zp->dtype));
    if (zp && numel(zp) != numel(sc))
        return nerr(c, "%" PRId64 " scales but %" PRId64 " zero points (expected as many)",
                    numel(sc), numel(zp));
    if (x->kind == V_CONST) { /* weights (or a bias) */
        int a = 0;
        if (numel(sc) > 1) {
            if (norm_axis(c, axis, x->rank, 0, &a))
                return -1;
            if (x->dims[a] != numel(sc))
                return nerr(c, "%" PRId64 " scales along axis %d of size %" PRId64 " (expected "
                            "one per entry, or one in all)", numel(sc), a, x->dims[a]);
        }
        val_t *o = add_val(c, out_name(c, 0), x);
        if (!o)
            return -1;
        o->iv = NULL, o->fv = NULL; /* values that are not these */
        o->q_scale = sc->t;
        o->q_zero = zp ? zp->t : NULL;
        o->q_axis = a;
        if (op->variant == Q_QUANTIZE) {
            if (!x->t || is_int_type(x->dtype) || x->deq)
                return nerr(c, "it quantizes '%s', which is not a stored float tensor "
                            "(expected float weights)", x->name);
            o->quantized = 1, o->q_fake = 1, o->q_t = x->t;
            o->q_bits = bits, o->q_signed = sg;
            o->dtype = zp ? zp->dtype : 2;
            return 0;
        }
        if (x->quantized) { /* DequantizeLinear(QuantizeLinear(w)) */
            if (x->q_scale != sc->t)
                return nerr(c, "it dequantizes with scale '%s' what was quantized with '%s' "
                            "(expected the same scale)", sc->name, x->q_scale->name);
            o->deq = 1, o->quantized = 0, o->dtype = 1;
            return 0;
        }
        if (!x->t || !is_int_type(x->dtype))
            return nerr(c, "it dequantizes '%s', which holds %s values (expected stored "
                        "integers)", x->name, onnx_dtype_name(x->dtype));
        o->deq = 1, o->q_t = x->t, o->q_bits = onnx_dtype_int_bits(x->dtype, &o->q_signed);
        o->dtype = 1;
        return 0;
    }
    if (check_act(c, x, "input"))
        return -1;
    double s;
    int32_t z;
    if (numel(sc) != 1)
        return nerr(c, "%" PRId64 " scales for activation '%s' (expected one: per-channel "
                    "activation quantization is not supported)", numel(sc), x->name);
    if (qparams(c, sc, zp, "scale", &s, &z))
        return -1;
    if (bits > 16 || bits < 2)
        return nerr(c, "its zero point is %s (expected 8- or 16-bit integers for an "
                    "activation)", onnx_dtype_name(zp->dtype));
    if (op->variant == Q_QUANTIZE ? x->qint : !x->qint)
        return nerr(c, "its input '%s' holds %s (expected %s)", x->name,
                    x->qint ? "integers" : "floats", x->qint ? "floats" : "integers");
    val_t *o = pass(c, x, 0, 0, NULL);
    if (!o)
        return -1;
    o->qint = op->variant == Q_QUANTIZE;
    o->dtype = o->qint ? (zp ? zp->dtype : 2) : 1;
    o->abits = bits;
    o->has_ascale = 1, o->ascale = s, o->azero = z;
    return 0;
}

/* ------------------------------------------------------------ LSTM */

static int op_lstm(cv_t *c, const op_t *op)
{
    (void)op;
    val_t *x = in(c, 0);
    char dir[32];
    int64_t hs, layout, inf;
    const Onnx__AttributeProto *acts = attr(c->node, "activations");
    if (!x)
        return nerr(c, "its input is missing");
    if (attr_str(c, "direction", "forward", dir, sizeof dir) ||
        attr_int(c, "hidden_size", 0, &hs) || attr_int(c, "layout", 0, &layout) ||
        attr_int(c, "input_forget", 0, &inf))
        return -1;
    if (strcmp(dir, "forward"))
        return nerr(c, "direction '%s' (expected forward: one direction per layer)", dir);
    if (layout)
        return nerr(c, "layout %" PRId64 " (expected 0: [steps, batch, features])", layout);
    if (inf)
        return nerr(c, "input_forget 1 (expected 0: the standard LSTM cell)");
    if (attr(c->node, "clip"))
        return nerr(c, "a cell clip (expected none: the standard LSTM cell)");
    if (acts) {
        static const char *const std[3] = {"Sigmoid", "Tanh", "Tanh"};
        if (!attr_is(c, acts, 8))
            return -1;
        for (size_t i = 0; i < acts->n_strings; i++)
            if (i >= 3 || acts->strings[i].len != strlen(std[i]) ||
                memcmp(acts->strings[i].data, std[i], acts->strings[i].len))
                return nerr(c, "activations other than Sigmoid, Tanh, Tanh (expected the "
                            "standard LSTM cell)");
    }
    if (!((x->kind == V_SEQ || (x->kind == V_ACT && x->dims[0] == 1)) && x->rank == 3 &&
          x->dims[1] == 1))
        return nerr(c, "its input '%s' is not a sequence [steps, 1, features] (expected the "
                    "network input or an LSTM's output)", x->name);
    int64_t T = x->dims[0], I = x->dims[2];
    val_t *w = in(c, 1), *r = in(c, 2), *b = in(c, 3);
    if (check_weight(c, w, "W", 3) || check_weight(c, r, "R", 3))
        return -1;
    if (r->deq)
        return nerr(c, "its R '%s' is quantized (expected float recurrent weights)", r->name);
    int64_t H = hs ? hs : w->dims[1] / 4;
    if (w->dims[0] != 1 || w->dims[1] != 4 * H || w->dims[2] != I || r->dims[0] != 1 ||
        r->dims[1] != 4 * H || r->dims[2] != H || H < 1) {
        char ws_[128], rs[128];
        dims_str(w->dims, w->rank, ws_, sizeof ws_);
        dims_str(r->dims, r->rank, rs, sizeof rs);
        return nerr(c, "W %s and R %s do not fit hidden size %" PRId64 " and %" PRId64
                    " inputs (expected [1, 4*hidden, inputs] and [1, 4*hidden, hidden])",
                    ws_, rs, H, I);
    }
    if (b && vector_of(c, b, 8 * H, "bias B"))
        return -1;
    val_t *sl = in(c, 4), *p = in(c, 7);
    if (p)
        return nerr(c, "peephole weights P (expected none: the standard LSTM cell)");
    if (sl) {
        int64_t *lens;
        if (!is_const(sl) || const_ints(c, sl, &lens, "sequence_lens"))
            return is_const(sl) ? -1 : nerr(c, "sequence_lens is not a constant (expected "
                                                "every sequence %" PRId64 " steps long)", T);
        for (int64_t i = 0; i < numel(sl); i++)
            if (lens[i] != T)
                return nerr(c, "sequence_lens %" PRId64 " (expected %" PRId64 ", the input's "
                            "steps)", lens[i], T);
    }
    for (int i = 5; i < 7; i++) { /* initial state: zero, as imcsim starts */
        val_t *s0 = in(c, i);
        double *f;
        if (!s0)
            continue;
        if (!is_const(s0) || const_floats(c, s0, &f, i == 5 ? "initial_h" : "initial_c"))
            return is_const(s0) ? -1 : nerr(c, "its %s is not a constant (expected a zero "
                                                "initial state)", i == 5 ? "initial_h" : "initial_c");
        for (int64_t k = 0; k < numel(s0); k++)
            if (f[k] != 0)
                return nerr(c, "a non-zero %s (expected the zero initial state)",
                            i == 5 ? "initial_h" : "initial_c");
    }
    if (unused_output(c, 2, "Y_c"))
        return -1;
    raw_t *rl = emit(c, "lstm", &x, 1);
    if (!rl)
        return -1;
    rl->hidden = H;
    rl->steps = T;
    wspec_t *ws = weight_layer(c, rl, WS_LSTM, w, "W", 3, x);
    if (!ws)
        return -1;
    ws->r = r->t;
    ws->b = b ? b->t : NULL;
    if (*out_name(c, 0)) { /* Y: [steps, 1, batch, hidden] */
        val_t *y = add_val(c, out_name(c, 0), NULL);
        if (!y)
            return -1;
        y->kind = V_SEQ;
        y->layer = c->n_r - 1;
        y->rank = 4;
        y->dims[0] = T, y->dims[1] = 1, y->dims[2] = 1, y->dims[3] = H;
        y->h = y->w = 1, y->c = (int)H;
        y->steps = (int)T;
    }
    if (*out_name(c, 1)) { /* Y_h: [1, batch, hidden] */
        int64_t d[3] = {1, 1, H};
        if (!layer_out(c, 1, 3, d))
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ the table */

#define WINDOW_ATTRS "auto_pad", "dilations", "kernel_shape", "pads", "strides"
static const op_t ops[] = {
    {"Conv", op_conv, 2, 3, ATTRS(WINDOW_ATTRS, "group"), FORM_FLOAT},
    {"ConvInteger", op_conv, 2, 4, ATTRS(WINDOW_ATTRS, "group"), FORM_INTEGER},
    {"QLinearConv", op_conv, 8, 9, ATTRS(WINDOW_ATTRS, "group"), FORM_QLINEAR},
    {"Gemm", op_linear, 2, 3, ATTRS("alpha", "beta", "transA", "transB"), LN_GEMM},
    {"MatMul", op_linear, 2, 2, NULL, FORM_FLOAT},
    {"MatMulInteger", op_linear, 2, 4, NULL, FORM_INTEGER},
    {"QLinearMatMul", op_linear, 8, 8, NULL, FORM_QLINEAR},
    {"BatchNormalization", op_batchnorm, 5, 5, ATTRS("epsilon", "momentum", "training_mode"), 0},
    {"Relu", op_act, 1, 1, NULL, ACT_RELU},
    {"Sigmoid", op_act, 1, 1, NULL, ACT_SIGMOID},
    {"Tanh", op_act, 1, 1, NULL, ACT_TANH},
    {"Clip", op_act, 1, 3, NULL, ACT_NONE},
    {"MaxPool", op_pool, 1, 1, ATTRS(WINDOW_ATTRS, "ceil_mode", "storage_order"), PL_MAX},
    {"AveragePool", op_pool, 1, 1, ATTRS(WINDOW_ATTRS, "ceil_mode", "count_include_pad"), PL_AVG},
    {"GlobalMaxPool", op_pool, 1, 1, NULL, PL_GMAX},
    {"GlobalAveragePool", op_pool, 1, 1, NULL, PL_GAVG},
    {"Add", op_arith, 2, 2, NULL, AR_ADD},
    {"Sum", op_arith, 1, LAYER_MAX_INPUTS, NULL, AR_SUM},
    {"Sub", op_arith, 2, 2, NULL, AR_SUB},
    {"Mul", op_arith, 2, 2, NULL, AR_MUL},
    {"Div", op_arith, 2, 2, NULL, AR_DIV},
    {"Concat", op_concat, 1, 64, ATTRS("axis"), 0},
    {"Flatten", op_flatten, 1, 1, ATTRS("axis"), 0},
    {"Reshape", op_reshape, 2, 2, ATTRS("allowzero"), 0},
    {"Squeeze", op_squeeze, 1, 2, ATTRS("axes"), 0},
    {"Unsqueeze", op_squeeze, 1, 2, ATTRS("axes"), 1},
    {"Identity", op_identity, 1, 1, NULL, 0},
    {"Dropout", op_identity, 1, 3, ATTRS("seed", "ratio"), 1},
    {"Softmax", op_softmax, 1, 1, ATTRS("axis"), 2},
    {"LogSoftmax", op_softmax, 1, 1, ATTRS("axis"), 2},
    {"Cast", op_cast, 1, 1, ATTRS("to"), 0},
    {"Constant", op_constant, 0, 0, ATTRS("value", "value_float", "value_floats", "value_int",
                                          "value_ints", "sparse_value", "value_string",
                                          "value_strings"), 0},
    {"Shape", op_shape, 1, 1, ATTRS("start", "end"), 0},
    {"ConstantOfShape", op_constant_of_shape, 1, 1, ATTRS("value"), 0},
    {"Gather", op_gather, 2, 2, ATTRS("axis"), 0},
    {"Slice", op_slice, 3, 5, NULL, 0},
    {"Expand", op_expand, 2, 2, NULL, 0},
    {"Pad", op_pad, 2, 3, ATTRS("mode"), 0},
    {"QuantizeLinear", op_quant, 2, 3, ATTRS("axis"), Q_QUANTIZE},
    {"DequantizeLinear", op_quant, 2, 3, ATTRS("axis"), Q_DEQUANTIZE},
    {"DynamicQuantizeLinear", op_quant, 1, 1, NULL, Q_DYNAMIC},
    {"LSTM", op_lstm, 3, 8, ATTRS("activation_alpha", "activation_beta", "activations",
                                  "clip", "direction", "hidden_size", "input_forget",
                                  "layout"), 0},
};
#define N_OPS ((int)(sizeof ops / sizeof ops[0]))

static const op_t *find_op(const char *name)
{
    for (int i = 0; i < N_OPS; i++)
        if (!strcmp(ops[i].name, name))
            return &ops[i];
    return NULL;
}

static int convert_node(cv_t *c)
{
    const Onnx__NodeProto *n = c->node;
    if (!n->op_type || !*n->op_type)
        return nerr(c, "no op_type (expected an ONNX operator)");
    if (n->domain && *n->domain && strcmp(n->domain, "ai.onnx"))
        return nerr(c, "operator of domain '%s' (expected the default ONNX domain)", n->domain);
    const op_t *op = find_op(n->op_type);
    if (!op) {
        char list[1024] = "";
        for (int i = 0; i < N_OPS; i++) {
            strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
            strncat(list, ops[i].name, sizeof list - strlen(list) - 1);
        }
        const char *cand[N_OPS];
        for (int i = 0; i < N_OPS; i++)
            cand[i] = ops[i].name;
        const char *best = str_closest(n->op_type, cand, N_OPS);
        if (best)
            return nerr(c, "operator '%s' is not supported (did you mean '%s'? imcsim reads "
                        "%s)", n->op_type, best, list);
        return nerr(c, "operator '%s' is not supported (expected one of: %s)", n->op_type,
                    list);
    }
    int ni = n_in(c);
    if (ni < op->min_in || ni > op->max_in)
        return nerr(c, "%d inputs (expected %d..%d)", ni, op->min_in, op->max_in);
    if (n->n_output < 1 || !*out_name(c, 0))
        return nerr(c, "no output (expected at least one)");
    if (known_attrs(c, op->attrs))
        return -1;
    if (op->fn(c, op))
        return -1;
    for (int i = 0; i < (int)n->n_output; i++)
        if (*out_name(c, i) && find_val(c, out_name(c, i)) < 0 &&
            unused_output(c, i, "an output imcsim does not compute"))
            return -1;
    return 0;
}

/* ------------------------------------------------------------ the graph */

/* A name -> index map over a node list's output or input names. */
typedef struct smap {
    const char **key;
    int *val;
    int cap;
} smap_t;

static int smap_init(smap_t *m, size_t n)
{
    int cap = 64;
    while ((size_t)cap < 2 * n + 2)
        cap *= 2;
    m->key = calloc((size_t)cap, sizeof *m->key);
    m->val = calloc((size_t)cap, sizeof *m->val);
    m->cap = cap;
    return m->key && m->val ? 0 : -1;
}

static int *smap_slot(smap_t *m, const char *k, int add)
{
    for (uint64_t i = str_hash(k) & (uint64_t)(m->cap - 1);; i = (i + 1) & (uint64_t)(m->cap - 1)) {
        if (!m->key[i]) {
            if (!add)
                return NULL;
            m->key[i] = k;
            m->val[i] = -1;
            return &m->val[i];
        }
        if (!strcmp(m->key[i], k))
            return &m->val[i];
    }
}

static void smap_free(smap_t *m)
{
    free(m->key);
    free(m->val);
}

static const char *op_of(const Onnx__NodeProto *n)
{
    return n->op_type ? n->op_type : "";
}

/* Nodes in dependency order (Kahn's algorithm, file order among the ready
 * ones); an input nobody defines and a cycle are errors. */
static int node_order(cv_t *c, int *order)
{
    const Onnx__GraphProto *g = c->g;
    int nn = (int)g->n_node, rc = -1;
    size_t n_out = 0, n_edges = 0;
    for (int i = 0; i < nn; i++)
        n_out += g->node[i]->n_output, n_edges += g->node[i]->n_input;
    smap_t prod;
    int *indeg = calloc((size_t)nn + 1, sizeof *indeg), *head = malloc(sizeof *head * ((size_t)nn + 1));
    int *next = malloc(sizeof *next * (n_edges + 1)), *to = malloc(sizeof *to * (n_edges + 1));
    int *queue = malloc(sizeof *queue * ((size_t)nn + 1));
    if (smap_init(&prod, n_out) || !indeg || !head || !next || !to || !queue) {
        nerr(c, "out of memory");
        goto done;
    }
    for (int i = 0; i < nn; i++) {
        head[i] = -1;
        for (size_t k = 0; k < g->node[i]->n_output; k++) {
            const char *o = g->node[i]->output[k];
            if (!*o)
                continue;
            int *s = smap_slot(&prod, o, 1);
            if (*s >= 0 || find_val(c, o) >= 0) {
                char nb[32];
                c->node = g->node[i], c->node_i = i;
                nerr(c, "output '%s' is already defined%s%s (expected each tensor name once)",
                     o, *s >= 0 ? " by node " : " as an initializer or input",
                     *s >= 0 ? node_name(g->node[*s], *s, nb, sizeof nb) : "");
                goto done;
            }
            *s = i;
        }
    }
    int ne = 0;
    for (int i = 0; i < nn; i++)
        for (size_t k = 0; k < g->node[i]->n_input; k++) {
            const char *x = g->node[i]->input[k];
            if (!*x)
                continue;
            int *s = smap_slot(&prod, x, 0);
            if (s && *s >= 0) {
                indeg[i]++;
                to[ne] = i;
                next[ne] = head[*s];
                head[*s] = ne++;
            } else if (find_val(c, x) < 0) {
                c->node = g->node[i], c->node_i = i;
                nerr(c, "input '%s' is not an initializer, a graph input or a node's output "
                     "(expected every input defined: a missing initializer?)", x);
                goto done;
            }
        }
    /* Ready nodes leave lowest file position first (a min-heap), so a file
     * already in order keeps its order. */
    int nq = 0, done_n = 0;
    char *ready = calloc((size_t)nn + 1, 1);
    if (!ready) {
        nerr(c, "out of memory");
        goto done;
    }
    for (int i = 0; i < nn; i++)
        if (!indeg[i])
            intheap_push(queue, &nq, i), ready[i] = 1;
    while (nq) {
        int i = intheap_pop(queue, &nq);
        order[done_n++] = i;
        for (int e = head[i]; e >= 0; e = next[e])
            if (--indeg[to[e]] == 0 && !ready[to[e]])
                intheap_push(queue, &nq, to[e]), ready[to[e]] = 1;
    }
    if (done_n < nn) { /* follow unresolved inputs back until a node repeats */
        int at = -1;
        for (int i = 0; i < nn && at < 0; i++)
            if (!ready[i])
                at = i;
        memset(ready, 0, (size_t)nn);
        while (!ready[at]) {
            ready[at] = 1;
            int up = -1;
            for (size_t k = 0; k < g->node[at]->n_input && up < 0; k++) {
                int *s = smap_slot(&prod, g->node[at]->input[k], 0);
                if (s && *s >= 0 && indeg[*s] > 0)
                    up = *s;
            }
            if (up < 0)
                break;
            at = up;
        }
        char nb[32];
        c->node = g->node[at], c->node_i = at;
        nerr(c, "it is on a cycle (node '%s' (%s) depends on its own output; expected an "
             "acyclic graph)", node_name(g->node[at], at, nb, sizeof nb), op_of(g->node[at]));
        free(ready);
        goto done;
    }
    free(ready);
    rc = 0;
done:
    c->node = NULL;
    smap_free(&prod);
    free(indeg);
    free(head);
    free(next);
    free(to);
    free(queue);
    return rc;
}

/* How many node inputs and graph outputs read each tensor. */
static int count_consumers(cv_t *c, smap_t *uses)
{
    const Onnx__GraphProto *g = c->g;
    size_t n = g->n_output;
    for (size_t i = 0; i < g->n_node; i++)
        n += g->node[i]->n_input;
    if (smap_init(uses, n))
        return nerr(c, "out of memory");
    for (size_t i = 0; i < g->n_node; i++)
        for (size_t k = 0; k < g->node[i]->n_input; k++)
            if (*g->node[i]->input[k]) {
                int *s = smap_slot(uses, g->node[i]->input[k], 1);
                *s = *s < 0 ? 1 : *s + 1;
            }
    for (size_t i = 0; i < g->n_output; i++) {
        const char *o = g->output[i]->name ? g->output[i]->name : "";
        int *s = smap_slot(uses, o, 1);
        *s = *s < 0 ? 1 : *s + 1;
    }
    return 0;
}

/* The model file, mapped: its payloads are paged in only if read. */
typedef struct map {
    const uint8_t *data;
    size_t size;
} map_t;

static int onnx_map_file(const char *file, map_t *m, imc_diag_t *d)
{
    int fd = open(file, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        diag_error(d, file, 0, 0, "cannot read the file: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        diag_error(d, file, 0, 0, "not a regular file (expected an ONNX model)");
        return -1;
    }
    m->size = (size_t)st.st_size;
    if (m->size) {
        void *p = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            diag_error(d, file, 0, 0, "cannot map the file: %s", strerror(errno));
            close(fd);
            return -1;
        }
        m->data = p;
    }
    close(fd);
    return 0;
}

static void onnx_unmap_file(map_t *m)
{
    if (m->data)
        munmap((void *)m->data, m->size);
}

/* --input-shape: "1x3x224x224" (or with commas). */
static int parse_dims(const char *s, int64_t *d, int *rank)
{
    *rank = 0;
    while (*s) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s || v < 1 || *rank == ONNX_MAX_RANK)
            return -1;
        d[(*rank)++] = v;
        s = end;
        if (*s == 'x' || *s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return *rank ? 0 : -1;
}

static int graph_input(cv_t *c, const Onnx__ValueInfoProto *vi)
{
    const char *name = vi->name ? vi->name : "";
    const Onnx__TypeProto *tp = vi->type;
    if (c->has_input)
        return nerr(c, "graph inputs '%s' and '%s' (expected one network input; weights "
                    "belong in initializers)", c->input_name, name);
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type ||
        !tp->tensor_type->shape)
        return nerr(c, "graph input '%s' has no tensor type with a shape (expected e.g. "
                    "float [1, 3, 224, 224])", name);
    const Onnx__TensorShapeProto *sh = tp->tensor_type->shape;
    int rank = (int)sh->n_dim, dt = tp->tensor_type->elem_type, given_rank = 0;
    int64_t d[ONNX_MAX_RANK], given[ONNX_MAX_RANK];
    if (rank < 2 || rank > 4)
        return nerr(c, "graph input '%s' has rank %d (expected [1, C, H, W], [1, features] "
                    "or [steps, 1, features] for an LSTM)", name, rank);
    if (c->o && c->o->input_shape) {
        if (parse_dims(c->o->input_shape, given, &given_rank))
            return nerr(c, "--input-shape '%s' (expected sizes such as 1x3x224x224)",
                        c->o->input_shape);
        if (given_rank != rank)
            return nerr(c, "--input-shape '%s' has %d dimensions but input '%s' has %d "
                        "(expected the input's own dimensions)", c->o->input_shape,
                        given_rank, name, rank);
    }
    int64_t total = 1;
    for (int i = 0; i < rank; i++) {
        const Onnx__TensorShapeProto__Dimension *dm = sh->dim[i];
        int fixed = dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        if (fixed && dm->dim_value < 1)
            return nerr(c, "graph input '%s' has dimension %d of size %" PRId64 " (expected "
                        "a positive size)", name, i, dm->dim_value);
        if (given_rank) {
            if (fixed && dm->dim_value != given[i])
                return nerr(c, "--input-shape '%s' gives %" PRId64 " on axis %d where input "
                            "'%s' fixes %" PRId64 " (expected the same)", c->o->input_shape,
                            given[i], i, name, dm->dim_value);
            d[i] = given[i];
        } else if (fixed) {
            d[i] = dm->dim_value;
        } else if (i == (rank == 3 ? 1 : 0)) {
            d[i] = 1; /* a symbolic batch: one inference */
        } else {
            return nerr(c, "graph input '%s' has a symbolic dimension '%s' on axis %d "
                        "(expected a fixed size: give --input-shape)", name,
                        dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                            ? dm->dim_param : "?", i);
        }
        if (d[i] > (1 << 24) || (total *= d[i]) > (1 << 30))
            return nerr(c, "graph input '%s' is too large (expected at most 2^30 values)", name);
    }
    if (d[rank == 3 ? 1 : 0] != 1)
        return nerr(c, "graph input '%s' has a batch of %" PRId64 " (expected 1: imcsim "
                    "simulates one inference, `run --batch` several)", name, d[rank == 3]);
    int sg;
    int ints = onnx_dtype_int_bits(dt, &sg);
    if ((!ints && dt != 1 && dt != 10 && dt != 11 && dt != 16) || ints > 16 || ints == 1)
        return nerr(c, "graph input '%s' is %s (expected floats, or 8- or 16-bit integers)",
                    name, onnx_dtype_name(dt));
    val_t *v = add_val(c, name, NULL);
    if (!v)
        return -1;
    v->kind = rank == 3 ? V_SEQ : V_ACT;
    v->dtype = dt;
    v->rank = rank;
    memcpy(v->dims, d, sizeof *d * (size_t)rank);
    v->layer = LAYER_INPUT_NETWORK;
    if (rank == 3 && d[0] == 1) { /* one step: an activation [1, 1, F] */
        v->kind = V_ACT;
        v->h = v->w = 1, v->c = (int)d[2];
    } else if (rank == 3) {
        v->h = v->w = 1, v->c = (int)d[2];
        v->steps = (int)d[0];
    } else {
        view_of(d, rank, &v->h, &v->w, &v->c);
    }
    if (ints)
        v->qint = 1, v->abits = ints;
    c->in_h = v->h, c->in_w = v->w, c->in_c = v->c;
    c->has_input = 1;
    c->input_name = v->name;
    return 0;
}

static int check_opset(cv_t *c, const Onnx__ModelProto *mp)
{
    c->opset = -1;
    for (size_t i = 0; i < mp->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = mp->opset_import[i];
        const char *dom = o->domain ? o->domain : "";
        if (!*dom || !strcmp(dom, "ai.onnx"))
            c->opset = o->has_version ? (int)o->version : 0;
    }
    if (c->opset < 0)
        return nerr(c, "no opset for the default domain (expected opset_import with a version "
                    "in %d..%d)", OPSET_MIN, OPSET_MAX);
    if (c->opset < OPSET_MIN || c->opset > OPSET_MAX)
        return nerr(c, "opset %d (expected %d..%d: export with opset_version in that range)",
                    c->opset, OPSET_MIN, OPSET_MAX);
    return 0;
}

/* metadata_props "imcsim.quant" (every weight layer) and "imcsim.quant:NODE"
 * (the layer of that node): quant blocks in YAML flow form. */
static int metadata_quant(cv_t *c, const Onnx__ModelProto *mp, const int *raw_node)
{
    for (int pass_ = 0; pass_ < 2; pass_++)
        for (size_t i = 0; i < mp->n_metadata_props; i++) {
            const char *k = mp->metadata_props[i]->key ? mp->metadata_props[i]->key : "";
            const char *val = mp->metadata_props[i]->value ? mp->metadata_props[i]->value : "";
            int all = !strcmp(k, "imcsim.quant");
            if (!all && strncmp(k, "imcsim.quant:", 13))
                continue;
            if (all != !pass_)
                continue; /* the model-wide block first, then the per-node ones */
            char where[600];
            snprintf(where, sizeof where, "%s metadata_props['%.500s']", c->file, k);
            ytree_t t;
            quant_spec_t qs;
            if (ytree_load_string(&t, where, val, strlen(val), c->d)) {
                ytree_free(&t);
                return -1;
            }
            int rc = !ytree_root(&t) ? (diag_error(c->d, where, 0, 0, "an empty value (expected "
                                                   "a quant block such as {weight_bits: 4})"), -1)
                                     : quant_parse_yaml(&t, c->d, ytree_root(&t), c->m, &qs);
            ytree_free(&t);
            if (rc)
                return -1;
            int hit = 0;
            for (int r = 0; r < c->n_r; r++) {
                int kind = c->r[r].kind;
                if (kind != RK_CONV && kind != RK_LINEAR && kind != RK_LSTM)
                    continue;
                const Onnx__NodeProto *n = c->g->node[raw_node[r]];
                if (all || (n->name && !strcmp(n->name, k + 13))) {
                    model_layer_quant(c->m, c->r[r].target, &qs);
                    hit = 1;
                }
            }
            if (!hit && !all) {
                const char **cand = malloc(sizeof *cand * (c->g->n_node + 1));
                size_t nc = 0;
                for (size_t q = 0; cand && q < c->g->n_node; q++)
                    if (c->g->node[q]->name)
                        cand[nc++] = c->g->node[q]->name;
                const char *best = cand ? str_closest(k + 13, cand, nc) : NULL;
                int found = 0;
                for (size_t q = 0; q < nc && !found; q++)
                    found = !strcmp(cand[q], k + 13);
                if (found)
                    diag_error(c->d, c->file, 0, 0, "metadata_props key '%s' names node '%s', "
                               "which is not a Conv, Gemm, MatMul or LSTM (expected a weight "
                               "layer's node)", k, k + 13);
                else if (best)
                    diag_error(c->d, c->file, 0, 0, "metadata_props key '%s' names no node "
                               "(did you mean '%s'?)", k, best);
                else
                    diag_error(c->d, c->file, 0, 0, "metadata_props key '%s' names no node "
                               "(expected imcsim.quant:NODE_NAME)", k);
                free(cand);
                return -1;
            }
        }
    return 0;
}

/* Whether s is valid UTF-8 (ONNX requires it of names; the YAML and JSON
 * imcsim writes carry them). */
static int utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2
              : (*p & 0xf8) == 0xf0 ? 3 : -1;
        if (n < 0 || (n == 1 && *p < 0xc2))
            return 0;
        for (int k = 1; k <= n; k++)
            if ((p[k] & 0xc0) != 0x80)
                return 0;
        p += n + 1;
    }
    return 1;
}

/* Every name the converter may print or write. */
static int check_names(cv_t *c)
{
    const Onnx__GraphProto *g = c->g;
    for (size_t i = 0; i < g->n_node; i++) {
        const Onnx__NodeProto *n = g->node[i];
        int ok = utf8_ok(n->name) && utf8_ok(n->op_type) && utf8_ok(n->domain);
        for (size_t k = 0; k < n->n_input; k++)
            ok &= utf8_ok(n->input[k]);
        for (size_t k = 0; k < n->n_output; k++)
            ok &= utf8_ok(n->output[k]);
        if (!ok)
            return nerr(c, "node #%zu has a name, operator or tensor name that is not UTF-8 "
                        "(expected UTF-8 strings, as ONNX requires)", i);
    }
    for (size_t i = 0; i < g->n_initializer; i++)
        if (!utf8_ok(g->initializer[i]->name))
            return nerr(c, "initializer #%zu has a name that is not UTF-8 (expected UTF-8)", i);
    for (size_t i = 0; i < g->n_input + g->n_output; i++) {
        const Onnx__ValueInfoProto *v = i < g->n_input ? g->input[i] : g->output[i - g->n_input];
        if (!utf8_ok(v->name))
            return nerr(c, "graph %s #%zu has a name that is not UTF-8 (expected UTF-8)",
                        i < g->n_input ? "input" : "output",
                        i < g->n_input ? i : i - g->n_input);
    }
    return 0;
}

static int convert(cv_t *c, model_t *out)
{
    const Onnx__ModelProto *mp = c->w.model;
    if (!mp->graph)
        return nerr(c, "no graph (expected an ONNX model)");
    c->g = mp->graph;
    if (check_names(c))
        return -1;
    if (check_opset(c, mp))
        return -1;
    const Onnx__GraphProto *g = c->g;
    if (g->n_sparse_initializer)
        return nerr(c, "sparse initializers (expected dense ones)");
    for (size_t i = 0; i < g->n_initializer; i++) {
        const char *nm = g->initializer[i]->name ? g->initializer[i]->name : "";
        if (!*nm)
            return nerr(c, "initializer %zu has no name (expected named initializers)", i);
        if (!stored(c, nm, g->initializer[i]))
            return -1;
    }
    for (size_t i = 0; i < g->n_input; i++) {
        const char *nm = g->input[i]->name ? g->input[i]->name : "";
        if (find_val(c, nm) >= 0 && c->v[find_val(c, nm)]->kind == V_CONST)
            continue; /* IR < 4 lists initializers among the inputs */
        if (graph_input(c, g->input[i]))
            return -1;
    }
    if (!c->has_input)
        return nerr(c, "no graph input (expected the network's input tensor)");
    int nn = (int)g->n_node;
    int *order = malloc(sizeof *order * (size_t)(nn + 1));
    int *raw_node = NULL;
    smap_t uses = {0};
    int rc = -1;
    if (!order || node_order(c, order) || count_consumers(c, &uses))
        goto done;
    for (int k = 0; k < nn; k++) {
        c->node_i = order[k];
        c->node = g->node[order[k]];
        int n0 = c->n_v, r0 = c->n_r;
        if (convert_node(c))
            goto done;
        for (int i = n0; i < c->n_v; i++) {
            int *s = smap_slot(&uses, c->v[i]->name, 0);
            c->v[i]->consumers = s && *s > 0 ? *s : 0;
        }
        if (c->n_r > r0) { /* the node of each raw layer, for metadata keys */
            int *rn = realloc(raw_node, sizeof *rn * (size_t)c->cap_r);
            if (!rn) {
                nerr(c, "out of memory");
                goto done;
            }
            raw_node = rn;
            for (int i = r0; i < c->n_r; i++)
                raw_node[i] = order[k];
        }
    }
    c->node = NULL;
    for (size_t i = 0; i < g->n_output; i++) {
        const char *nm = g->output[i]->name ? g->output[i]->name : "";
        if (find_val(c, nm) < 0) {
            nerr(c, "graph output '%s' is not computed by any node (expected a node's output)",
                 nm);
            goto done;
        }
    }
    if (!c->n_r) {
        nerr(c, "the graph has no layer imcsim computes (expected Conv, Gemm, MatMul, LSTM, "
             "pools, adds, ...)");
        goto done;
    }
    char name[MODEL_NAME_MAX];
    model_base_name(c->file, name, sizeof name);
    if (model_build_layers(c->file, name, c->r, c->n_r, c->in_h, c->in_w, c->in_c, out, c->d))
        goto done;
    wspec_t *spec = calloc((size_t)out->n_layers, sizeof *spec);
    if (!spec) {
        nerr(c, "out of memory");
        goto done;
    }
    for (int i = 0; i < c->n_r; i++) {
        if (c->r[i].wspec < 0 || c->r[i].target < 0)
            continue;
        const wspec_t *ws = &c->ws[c->r[i].wspec];
        wspec_t *t = &spec[c->r[i].target];
        if (ws->kind == WS_BN) {
            t->bn_scale = ws->bn_scale, t->bn_bias = ws->bn_bias;
            t->bn_mean = ws->bn_mean, t->bn_var = ws->bn_var, t->bn_eps = ws->bn_eps;
        } else {
            *t = *ws;
        }
    }
    rc = model_weights_attach(out, &c->keep, spec, c->d);
    free(spec);
    if (!rc)
        rc = metadata_quant(c, mp, raw_node);
    if (!rc)
        model_rehash(out); /* the metadata's bits are part of the model */
done:
    free(order);
    free(raw_node);
    smap_free(&uses);
    return rc;
}

int onnx_load(const char *file, const uint8_t *mem, size_t len, const model_opts_t *o,
              model_t *out, imc_diag_t *d)
{
    memset(out, 0, sizeof *out);
    cv_t c = {.file = file, .d = d, .m = out, .o = o};
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    /* The source outlives this call: its strings go into the model's store. */
    char *pdir = model_store_alloc(out, strlen(dir) + 1);
    char *ppath = model_store_alloc(out, strlen(file) + 1);
    if (!pdir || !ppath) {
        diag_error(d, file, 0, 0, "out of memory");
        model_free(out);
        return -1;
    }
    strcpy(pdir, dir);
    strcpy(ppath, file);
    c.src.dir = pdir;
    const uint8_t *data = mem;
    size_t size = len;
    map_t map = {0};
    if (!mem) {
        if (onnx_map_file(file, &map, d)) {
            model_free(out);
            return -1;
        }
        data = map.data;
        size = map.size;
        c.src.path = ppath;
    } else {
        c.src.mem = mem;
        c.src.mem_len = len;
    }
    /* While converting, small values are read from the mapping. */
    c.keep = c.src;
    c.src.mem = data;
    c.src.mem_len = size;
    int rc = onnx_wire_decode(data, size, file, &c.w, d);
    if (!rc)
        rc = convert(&c, out);
    onnx_wire_free(&c.w);
    onnx_unmap_file(&map);
    for (int i = 0; i < c.n_v; i++)
        free(c.v[i]);
    free(c.v);
    free(c.hash);
    free(c.r);
    free(c.ws);
    if (rc)
        model_free(out);
    return rc;
}

/* ------------------------------------------------------------ tensors by name */

/* An ONNX file opened for the tensors a YAML model's `weights:` names. */
struct onnx_file {
    map_t map;
    onnx_wire_t w;
    onnx_src_t src;              /* persistent: strings in the model's store */
    smap_t names;                /* tensor name -> initializer (>= 0) or Constant node (-2 - i) */
    model_t *m;
};

onnx_file_t *onnx_file_open(const char *path, model_t *m, imc_diag_t *d)
{
    onnx_file_t *f = calloc(1, sizeof *f);
    if (!f) {
        diag_error(d, path, 0, 0, "out of memory");
        return NULL;
    }
    f->m = m;
    char *p = model_store_alloc(m, strlen(path) + 1), *dir = model_store_alloc(m, strlen(path) + 2);
    if (!p || !dir) {
        diag_error(d, path, 0, 0, "out of memory");
        free(f);
        return NULL;
    }
    strcpy(p, path);
    strcpy(dir, path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    f->src.path = p;
    f->src.dir = dir;
    if (onnx_map_file(path, &f->map, d) ||
        onnx_wire_decode(f->map.data, f->map.size, path, &f->w, d)) {
        onnx_file_close(f);
        return NULL;
    }
    const Onnx__GraphProto *g = f->w.model->graph;
    size_t n = g ? g->n_initializer + g->n_node : 0;
    if (smap_init(&f->names, n)) {
        diag_error(d, path, 0, 0, "out of memory");
        onnx_file_close(f);
        return NULL;
    }
    for (size_t i = 0; g && i < g->n_initializer; i++)
        if (g->initializer[i]->name)
            *smap_slot(&f->names, g->initializer[i]->name, 1) = (int)i;
    for (size_t i = 0; g && i < g->n_node; i++) {
        const Onnx__NodeProto *nd = g->node[i];
        if (nd->op_type && !strcmp(nd->op_type, "Constant") && nd->n_output == 1 &&
            nd->n_attribute == 1 && nd->attribute[0]->t && *nd->output[0])
            *smap_slot(&f->names, nd->output[0], 1) = -2 - (int)i;
    }
    return f;
}

void onnx_file_close(onnx_file_t *f)
{
    if (!f)
        return;
    onnx_wire_free(&f->w);
    onnx_unmap_file(&f->map);
    smap_free(&f->names);
    free(f);
}

const onnx_src_t *onnx_file_src(const onnx_file_t *f)
{
    return &f->src;
}

/* The tensor called `name` (an initializer or a Constant's value), described
 * in the model's store; NULL with the reason in err. */
const onnx_tensor_t *onnx_file_tensor(onnx_file_t *f, const char *name, char *err,
                                      size_t errlen)
{
    int *s = f->names.key ? smap_slot(&f->names, name, 0) : NULL;
    if (!s) {
        snprintf(err, errlen, "'%s' is not an initializer or a Constant of '%s'", name,
                 f->src.path);
        return NULL;
    }
    const Onnx__GraphProto *g = f->w.model->graph;
    const Onnx__TensorProto *tp = *s >= 0 ? g->initializer[*s] : g->node[-2 - *s]->attribute[0]->t;
    onnx_tensor_t *t = model_store_alloc(f->m, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char why[512];
    onnx_src_t during = f->src; /* read small values from the mapping */
    during.mem = f->map.data;
    during.mem_len = f->map.size;
    if (onnx_tensor_from_proto(f->m, &f->w, tp, &during, t, why, sizeof why)) {
        snprintf(err, errlen, "tensor '%s': %s", name, why);
        return NULL;
    }
    char *nm = model_store_alloc(f->m, strlen(name) + 1); /* a Constant's: by its output */
    if (!nm) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->name = strcpy(nm, name);
    return t;
}
