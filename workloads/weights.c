/* Weights of a model for the functional path (weights.h): per weight layer,
 * the ONNX tensors that hold them and how to turn them into imcsim's layout
 * (wspec_t, filled by the ONNX importer or a YAML model's `weights:`
 * references). Values are read only here, on request. */
#include "weights.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "onnx_internal.h"

struct model_weights {
    onnx_src_t src;
    const char *file;            /* for messages */
    int n;
    wspec_t *spec;               /* per layer */
};

void model_weights_free(struct model_weights *w)
{
    if (!w)
        return;
    free(w->spec);
    free(w);
}

int model_has_weights(const model_t *m)
{
    return m->store && m->store->weights;
}

static int is_weight_layer(const layer_t *L)
{
    return L->kind == LAYER_CONV || L->kind == LAYER_LINEAR || L->kind == LAYER_LSTM;
}

static void dims_str(const onnx_tensor_t *t, char *out, size_t len)
{
    size_t k = (size_t)snprintf(out, len, "[");
    for (int i = 0; i < t->rank && k < len; i++)
        k += (size_t)snprintf(out + k, len - k, "%s%" PRId64, i ? ", " : "", t->dims[i]);
    if (k < len)
        snprintf(out + k, len - k, "]");
}

static int want_dims(const char *file, const layer_t *L, const char *what,
                     const onnx_tensor_t *t, int rank, const int64_t *dims, imc_diag_t *d)
{
    int ok = t->rank == rank;
    for (int i = 0; ok && i < rank; i++)
        ok = t->dims[i] == dims[i];
    if (ok)
        return 0;
    char have[128], want[128];
    onnx_tensor_t w = {.rank = rank};
    memcpy(w.dims, dims, sizeof *dims * (size_t)rank);
    dims_str(t, have, sizeof have);
    dims_str(&w, want, sizeof want);
    diag_error(d, file, 0, 0, "layer '%s': %s '%s' has shape %s (expected %s)", L->name, what,
               t->name, have, want);
    return -1;
}

/* n values per channel (or one in all). */
static int want_vector(const char *file, const layer_t *L, const char *what,
                       const onnx_tensor_t *t, int64_t n, int one_ok, imc_diag_t *d)
{
    if (!t || t->n == n || (one_ok && t->n == 1))
        return 0;
    diag_error(d, file, 0, 0, "layer '%s': %s '%s' has %" PRId64 " values (expected %" PRId64
               "%s)", L->name, what, t->name, t->n, n, one_ok ? " or one" : "");
    return -1;
}

/* The shapes a layer's tensors must have, checked once at load. */
static int check_spec(const char *file, const layer_t *L, const wspec_t *s, imc_diag_t *d)
{
    int64_t out = L->out_c;
    if (L->kind == LAYER_CONV) {
        int64_t dims[4] = {out, L->in_c / (L->groups ? L->groups : 1), L->ky, L->kx};
        if (want_dims(file, L, "weights", s->w, 4, dims, d))
            return -1;
    } else if (L->kind == LAYER_LINEAR) {
        int64_t k = (int64_t)L->in_h * L->in_w * L->in_c;
        int64_t dims[2] = {s->transpose ? k : out, s->transpose ? out : k};
        if (want_dims(file, L, "weights", s->w, 2, dims, d))
            return -1;
    } else {
        int64_t H = L->lstm_hidden, I = (int64_t)L->in_h * L->in_w * L->in_c;
        int64_t wd[3] = {1, 4 * H, I}, rd[3] = {1, 4 * H, H};
        if (want_dims(file, L, "weights W", s->w, 3, wd, d) ||
            (s->r && want_dims(file, L, "recurrent weights R", s->r, 3, rd, d)) ||
            want_vector(file, L, "bias B", s->b, 8 * H, 0, d))
            return -1;
        if (!s->r) {
            diag_error(d, file, 0, 0, "layer '%s' has no recurrent weights R (expected "
                       "[1, 4*hidden, hidden])", L->name);
            return -1;
        }
        out = 4 * H;
    }
    if (L->kind != LAYER_LSTM && want_vector(file, L, "bias", s->b, out, 1, d))
        return -1;
    if (s->w_scale || s->w_zero) {
        int64_t along = s->w->rank > s->q_axis ? s->w->dims[s->q_axis] : 1;
        if (want_vector(file, L, "weight scale", s->w_scale, along, 1, d) ||
            want_vector(file, L, "weight zero point", s->w_zero,
                        s->w_scale ? s->w_scale->n : along, 1, d))
            return -1;
    }
    if (want_vector(file, L, "bias scale", s->b_scale_t, s->b ? s->b->n : out, 1, d) ||
        want_vector(file, L, "batchnorm scale", s->bn_scale, out, 0, d) ||
        want_vector(file, L, "batchnorm bias", s->bn_bias, out, 0, d) ||
        want_vector(file, L, "batchnorm mean", s->bn_mean, out, 0, d) ||
        want_vector(file, L, "batchnorm variance", s->bn_var, out, 0, d))
        return -1;
    return 0;
}

int model_weights_attach(model_t *m, const onnx_src_t *src, const wspec_t *spec,
                         imc_diag_t *d)
{
    const char *file = src->path ? src->path : "(memory)";
    for (int i = 0; i < m->n_layers; i++) {
        const layer_t *L = &m->layers[i];
        if (!is_weight_layer(L))
            continue;
        if (!spec[i].w) {
            diag_error(d, file, 0, 0, "layer '%s' has no weights (expected a weight tensor "
                       "for every conv2d, linear and lstm layer)", L->name);
            return -1;
        }
        if (check_spec(file, L, &spec[i], d))
            return -1;
    }
    struct model_weights *w = calloc(1, sizeof *w);
    if (!w || !(w->spec = malloc(sizeof *w->spec * (size_t)(m->n_layers ? m->n_layers : 1)))) {
        free(w);
        diag_error(d, file, 0, 0, "out of memory");
        return -1;
    }
    memcpy(w->spec, spec, sizeof *spec * (size_t)m->n_layers);
    w->n = m->n_layers;
    w->src = *src;
    w->file = file;
    if (!m->store && !model_store_alloc(m, 0)) {
        model_weights_free(w);
        diag_error(d, file, 0, 0, "out of memory");
        return -1;
    }
    model_weights_free(m->store->weights);
    m->store->weights = w;
    return 0;
}

/* A tensor's values as floats in a new array (NULL on failure, message in d). */
static float *values(const struct model_weights *mw, const onnx_tensor_t *t, imc_diag_t *d)
{
    float *v = malloc(sizeof *v * (size_t)(t->n ? t->n : 1));
    if (!v) {
        diag_error(d, mw->file, 0, 0, "out of memory for tensor '%s' (%" PRId64 " values)",
                   t->name, t->n);
        return NULL;
    }
    char what[300];
    snprintf(what, sizeof what, "tensor '%.250s'", t->name);
    if (onnx_read_f32(&mw->src, t, v, d, mw->file, what)) {
        free(v);
        return NULL;
    }
    return v;
}

/* Per-channel parameter c of a vector that has one value or one per channel. */
static double at(const float *v, const onnx_tensor_t *t, int64_t c)
{
    return t->n == 1 ? v[0] : v[c];
}

/* (q - zero) * scale along the quantization axis, in place; with fake
 * quantization the floats are first rounded as QuantizeLinear does. */
static int dequantize(const struct model_weights *mw, const wspec_t *s, float *w,
                      imc_diag_t *d)
{
    float *sc = s->w_scale ? values(mw, s->w_scale, d) : NULL;
    float *zp = s->w_zero ? values(mw, s->w_zero, d) : NULL;
    if ((s->w_scale && !sc) || (s->w_zero && !zp)) {
        free(sc);
        free(zp);
        return -1;
    }
    const onnx_tensor_t *t = s->w;
    int64_t inner = 1, along = t->rank > s->q_axis ? t->dims[s->q_axis] : 1;
    int64_t per = s->w_scale ? s->w_scale->n : s->w_zero->n; /* 1: one for all */
    for (int i = s->q_axis + 1; i < t->rank; i++)
        inner *= t->dims[i];
    for (int64_t k = 0; k < t->n; k++) {
        int64_t ch = per == 1 ? 0 : (k / inner) % along;
        double scale = sc ? sc[ch] : 1, z = zp ? zp[ch] : 0, q = w[k];
        if (s->fake_quant) {
            q = nearbyint(w[k] / scale) + z; /* round half to even, as ONNX does */
            q = q < s->q_lo ? s->q_lo : q > s->q_hi ? s->q_hi : q;
        }
        w[k] = (float)((q - z) * scale);
    }
    free(sc);
    free(zp);
    return 0;
}

/* Walk back through activation layers to the flatten (if any) that made the
 * linear layer's input: its input shape is the CHW order ONNX flattened. */
static void flat_origin(const model_t *m, const layer_t *L, int *c, int *h, int *w)
{
    *c = L->in_c, *h = L->in_h, *w = L->in_w;
    int p = L->inputs[0];
    while (p >= 0 && m->layers[p].kind == LAYER_ACT)
        p = m->layers[p].inputs[0];
    if (L->in_h * L->in_w == 1 && p >= 0 && m->layers[p].kind == LAYER_FLATTEN) {
        const layer_t *F = &m->layers[p];
        *c = F->in_c, *h = F->in_h, *w = F->in_w;
    }
}

int model_layer_weights(const model_t *m, int i, layer_weights_t *out, imc_diag_t *d)
{
    memset(out, 0, sizeof *out);
    if (!model_has_weights(m)) {
        diag_error(d, NULL, 0, 0, "model '%s' has no weights", m->name);
        return -1;
    }
    const struct model_weights *mw = m->store->weights;
    if (i < 0 || i >= m->n_layers || !is_weight_layer(&m->layers[i]) || !mw->spec[i].w) {
        diag_error(d, NULL, 0, 0, "model '%s': layer %d is not a conv2d, linear or lstm layer "
                   "(expected a weight layer's index)", m->name, i);
        return -1;
    }
    const layer_t *L = &m->layers[i];
    const wspec_t *s = &mw->spec[i];
    float *src = values(mw, s->w, d), *b = NULL, *r = NULL, *bn[4] = {NULL, NULL, NULL, NULL};
    float *bsc = NULL, *bz = NULL, *wsc = NULL;
    int rc = -1;
    if (!src || ((s->w_scale || s->w_zero) && dequantize(mw, s, src, d)))
        goto done;
    if ((s->b && !(b = values(mw, s->b, d))) || (s->r && !(r = values(mw, s->r, d))) ||
        (s->b_scale_t && !(bsc = values(mw, s->b_scale_t, d))) ||
        (s->b_zero && !(bz = values(mw, s->b_zero, d))) ||
        (s->b_scale > 0 && s->w_scale && !(wsc = values(mw, s->w_scale, d))))
        goto done;
    const onnx_tensor_t *bnt[4] = {s->bn_scale, s->bn_bias, s->bn_mean, s->bn_var};
    for (int k = 0; k < 4; k++)
        if (bnt[k] && !(bn[k] = values(mw, bnt[k], d)))
            goto done;
    if (s->r && s->w_scale) { /* R is read as stored: quantized R is not described */
        diag_error(d, mw->file, 0, 0, "layer '%s': quantized LSTM weights (expected float "
                   "W and R)", L->name);
        goto done;
    }
    int64_t n_out, n_in;
    if (L->kind == LAYER_CONV) {
        n_out = L->out_c;
        n_in = (int64_t)L->ky * L->kx * (L->in_c / L->groups);
    } else if (L->kind == LAYER_LINEAR) {
        n_out = L->out_c;
        n_in = (int64_t)L->in_h * L->in_w * L->in_c;
    } else {
        n_out = 4 * (int64_t)L->lstm_hidden;
        n_in = (int64_t)L->in_h * L->in_w * L->in_c + L->lstm_hidden;
    }
    out->n_out = (int)n_out;
    out->n_in = (int)n_in;
    out->w = malloc(sizeof *out->w * (size_t)(n_out * n_in));
    if (!out->w) {
        diag_error(d, NULL, 0, 0, "out of memory for layer '%s' (%" PRId64 " weights)",
                   L->name, n_out * n_in);
        goto done;
    }
    double mul = (L->kind == LAYER_LINEAR ? s->alpha : 1) * (s->out_mul ? s->out_mul : 1);
    if (L->kind == LAYER_CONV) { /* [O, Cg, KY, KX] -> [O][(ky*KX + kx)*Cg + c] */
        int64_t cg = L->in_c / L->groups, KY = L->ky, KX = L->kx;
        for (int64_t o = 0; o < n_out; o++)
            for (int64_t c = 0; c < cg; c++)
                for (int64_t y = 0; y < KY; y++)
                    for (int64_t x = 0; x < KX; x++)
                        out->w[o * n_in + (y * KX + x) * cg + c] =
                            (float)(src[((o * cg + c) * KY + y) * KX + x] * mul);
    } else if (L->kind == LAYER_LINEAR) { /* input index: CHW (ONNX) -> HWC (imcsim) */
        int C, H, W;
        flat_origin(m, L, &C, &H, &W);
        if ((int64_t)C * H * W != n_in)
            C = (int)n_in, H = W = 1;
        for (int64_t o = 0; o < n_out; o++)
            for (int64_t c = 0; c < C; c++)
                for (int64_t y = 0; y < H; y++)
                    for (int64_t x = 0; x < W; x++) {
                        int64_t kc = (c * H + y) * W + x, kh = (y * W + x) * C + c;
                        double v = s->transpose ? src[kc * n_out + o] : src[o * n_in + kc];
                        out->w[o * n_in + kh] = (float)(v * mul);
                    }
    } else { /* LSTM: ONNX gates i, o, f, c -> imcsim i, f, g, o; columns [x, h] */
        static const int onnx_gate[4] = {0, 2, 3, 1};
        int64_t H = L->lstm_hidden, I = n_in - H;
        for (int g = 0; g < 4; g++)
            for (int64_t j = 0; j < H; j++) {
                int64_t row = g * H + j, orow = onnx_gate[g] * H + j;
                for (int64_t k = 0; k < I; k++)
                    out->w[row * n_in + k] = src[orow * I + k];
                for (int64_t k = 0; k < H; k++)
                    out->w[row * n_in + I + k] = r[orow * H + k];
            }
    }
    if (b || bn[0]) {
        out->bias = calloc((size_t)n_out, sizeof *out->bias);
        if (!out->bias) {
            diag_error(d, NULL, 0, 0, "out of memory");
            goto done;
        }
    }
    if (b) {
        for (int64_t o = 0; o < n_out; o++) {
            double v;
            if (L->kind == LAYER_LSTM) {
                static const int onnx_gate[4] = {0, 2, 3, 1};
                int64_t H = L->lstm_hidden, orow = onnx_gate[o / H] * H + o % H;
                v = (double)b[orow] + b[4 * H + orow]; /* Wb + Rb */
            } else {
                v = at(b, s->b, o);
                if (s->b_scale_t)
                    v = (v - (bz ? at(bz, s->b_zero, o) : 0)) * at(bsc, s->b_scale_t, o);
                if (s->b_scale > 0)
                    v *= s->b_scale * (wsc ? at(wsc, s->w_scale, o) : 1);
                v *= (L->kind == LAYER_LINEAR ? s->beta : 1) * (s->out_mul ? s->out_mul : 1);
            }
            out->bias[o] = (float)v;
        }
    }
    if (bn[0]) { /* y = (x - mean) * scale / sqrt(var + eps) + bias */
        for (int64_t o = 0; o < n_out; o++) {
            double k = bn[0][o] / sqrt((double)bn[3][o] + s->bn_eps);
            for (int64_t j = 0; j < n_in; j++)
                out->w[o * n_in + j] = (float)(out->w[o * n_in + j] * k);
            out->bias[o] = (float)((out->bias[o] - bn[2][o]) * k + bn[1][o]);
        }
    }
    rc = 0;
done:
    free(src);
    free(b);
    free(r);
    free(bsc);
    free(bz);
    free(wsc);
    for (int k = 0; k < 4; k++)
        free(bn[k]);
    if (rc)
        layer_weights_free(out);
    return rc;
}

void layer_weights_free(layer_weights_t *w)
{
    free(w->w);
    free(w->bias);
    w->w = w->bias = NULL;
}

const wspec_t *model_layer_wspec(const model_t *m, int i)
{
    if (!model_has_weights(m) || i < 0 || i >= m->store->weights->n)
        return NULL;
    return &m->store->weights->spec[i];
}

int model_weights_read(const model_t *m, const onnx_tensor_t *t, float *out, imc_diag_t *d)
{
    const struct model_weights *mw = m->store->weights;
    return onnx_read_f32(&mw->src, t, out, d, mw->file, t->name);
}

int model_quant_scales(model_t *m, int i, const wspec_t *s, imc_diag_t *d)
{
    layer_quant_t *q = &m->layers[i].quant;
    if ((!s->w_scale && !s->w_zero) || q->n_w_scale)
        return 0;
    int64_t n = s->w_scale ? s->w_scale->n : s->w_zero->n; /* zero points alone: scale 1 */
    double *sc = model_store_alloc(m, sizeof *sc * (size_t)n);
    int32_t *zz = s->w_zero ? model_store_alloc(m, sizeof *zz * (size_t)n) : NULL;
    float *f = malloc(sizeof *f * (size_t)(n ? n : 1));
    int rc = -1;
    if (!sc || (s->w_zero && !zz) || !f) {
        diag_error(d, NULL, 0, 0, "out of memory");
        goto done;
    }
    if (s->w_scale && model_weights_read(m, s->w_scale, f, d))
        goto done;
    for (int64_t k = 0; k < n; k++)
        sc[k] = s->w_scale ? f[k] : 1;
    if (s->w_zero) {
        if (model_weights_read(m, s->w_zero, f, d))
            goto done;
        for (int64_t k = 0; k < n; k++)
            zz[k] = onnx_f2i32(f[k]);
    }
    q->n_w_scale = (int)n;
    q->w_scale = sc;
    q->w_zero = zz;
    rc = 0;
done:
    free(f);
    return rc;
}
