/* Functional inference (functional.h, docs/functional.md). */
#include "functional.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ce.h"
#include "compile.h"
#include "model.h"
#include "quant_cells.h"
#include "quant_math.h"

enum { P_FLOAT, P_INT, P_HW, P_COUNT };

typedef struct tensor {
    int h, w, c;
    float *v;
} tensor_t;

static size_t tsize(const tensor_t *t) { return (size_t)t->h * t->w * t->c; }

/* A weight layer as programmed. */
typedef struct wlayer {
    int n_out, n_in;        /* per-group matrix of the weights API */
    int groups, n_in_g;     /* conv groups; inputs per output */
    int xnor;               /* binary: two rows per input (w, not w) */
    int mrows;              /* crossbar inputs: groups * n_in (x2 for xnor) */
    qm_weights_t qw;
    float *wref;            /* float reference weights, n_out x n_in */
    float *bias;            /* n_out or NULL */
    int64_t *qsum;          /* per output: sum of its integer weights */
    /* input activations: code = clamp(round(x / a_scale) + a_zero, 0, 2^a_bits - 1);
     * the crossbar sees code - a_off */
    int a_bits;
    double a_scale;
    int64_t a_zero, a_off;
    int in_signed;          /* crossbar inputs two's complement */
    /* crossbars */
    int n_rep, ces_per_rep;
    ce_t *ces;
    /* LSTM state sizes */
    int hidden;
    /* binary layers whose consumers binarize: sense amplifiers compare each
     * column with sref[o] (matches m) instead of converting it */
    int sense;
    double *sref;
    int8_t *sbits;
} wlayer_t;

struct func_net {
    const arch_t *a;
    const mapping_t *mp;
    const model_t *m;
    func_opts_t o;
    wlayer_t *wl;                 /* per layer (zeroed for non-weight layers) */
    tensor_t *out[P_COUNT];       /* per layer, per pass */
    tensor_t in;                  /* the network input */
    double *amin, *amax;          /* calibration: per layer, range of its input */
    int calibrating;
    uint64_t input_id;            /* the image (or calibration input) being run */
    /* scratch */
    int64_t *xin, *ycol, *yacc;
    double *yreal;
    size_t xin_cap, y_cap;
    /* per layer, accumulated over func_infer calls */
    uint64_t *conv, *clip, *sense;
    uint64_t image_clipped;
    func_capture_t *cap;          /* image 0's operands and results, or NULL */
};

static int is_weight(const layer_t *L)
{
    return L->kind == LAYER_CONV || L->kind == LAYER_LINEAR || L->kind == LAYER_LSTM;
}

/* ------------------------------------------------------------ quantization */

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static int64_t act_code(const wlayer_t *w, float x)
{
    int64_t top = ((int64_t)1 << w->a_bits) - 1;
    /* far outside the calibrated range x / s exceeds int64 (llround's result
     * would be undefined): clamp first, to where the code saturates anyway */
    double q = x / w->a_scale, lim = 0x1p62;
    q = q > lim ? lim : q < -lim ? -lim : q;
    return clamp64(llround(q) + w->a_zero, 0, top);
}

static float act_apply(const layer_t *L, float v)
{
    switch (L->act) {
    case ACT_RELU:
        v = v < 0 ? 0 : v;
        return L->act_max > 0 && v > L->act_max ? (float)L->act_max : v;
    case ACT_SIGMOID:
        return (float)(1.0 / (1.0 + exp(-(double)v)));
    case ACT_TANH:
        return (float)tanh((double)v);
    default:
        return v;
    }
}

static int code_bits(const arch_t *a, const layer_t *L)
{
    return L->weight_bits ? L->weight_bits : a->precision.weight_bits;
}

static int quantize_weights(const arch_t *a, const layer_t *L, const layer_weights_t *lw,
                            wlayer_t *w, imc_diag_t *d)
{
    const layer_quant_t *q = &L->quant;
    qm_spec_t s;
    memset(&s, 0, sizeof s);
    s.bits = code_bits(a, L);
    s.symmetric = 1;
    switch (q->scheme) {
    case QUANT_DEFAULT:
        s.scheme = QM_UNIFORM;
        break;
    case QUANT_UNIFORM:
        s.scheme = QM_UNIFORM;
        s.symmetric = q->symmetric;
        break;
    case QUANT_POW2:
        s.scheme = QM_POW2;
        s.log_base = q->log_base ? q->log_base : 2;
        break;
    case QUANT_CODEBOOK:
        s.scheme = QM_CODEBOOK;
        s.n_levels = q->n_levels;
        s.levels = q->levels;
        break;
    case QUANT_BINARY:
        s.scheme = QM_BINARY;
        s.bits = 1;
        break;
    case QUANT_TERNARY:
        s.scheme = QM_TERNARY;
        s.bits = 2;
        break;
    default:
        diag_error(d, NULL, 0, 0, "layer '%s': quantization scheme %d (expected one of "
                   "imcsim's schemes)", L->name, (int)q->scheme);
        return -1;
    }
    s.per_channel = q->per_channel;
    s.n_scale = q->n_w_scale;
    s.scale = q->w_scale;
    s.zero = q->w_zero;
    char why[256];
    if (qm_quantize(lw->w, lw->n_out, lw->n_in, &s, &w->qw, why, sizeof why)) {
        diag_error(d, NULL, 0, 0, "layer '%s': cannot quantize its weights: %s", L->name, why);
        return -1;
    }
    int want = quant_storage_bits(q, s.bits);
    if (w->qw.storage_bits != want) { /* the compiler's rule and the quantizer disagree */
        diag_error(d, NULL, 0, 0, "layer '%s': %s weights stored in %d bits, the compiler "
                   "assumed %d", L->name, quant_scheme_name(q->scheme), w->qw.storage_bits, want);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ crossbar cut */

/* The compiler's blocks of one replica (compile.c shape_layer): groups packed
 * block-diagonally, or each group's rows in blocks of R and its outputs in
 * blocks of weights_per_row. Listed row block by row block, so the crossbars
 * of a CE mostly read the same rows and share one packing of the inputs (the
 * trace generator may order them column-major; values do not depend on it). */
static ce_block_t *layer_blocks(const arch_t *a, const layer_map_t *lm, const wlayer_t *w,
                                int *n)
{
    int R = a->crossbar.rows, wpr = lm->weights_per_row, g = w->groups;
    int rg = w->mrows / g, cg = w->n_out / g;
    int gpx = lm->groups_per_crossbar > 0 ? lm->groups_per_crossbar : 1;
    int64_t cnt = 0;
    ce_block_t *b = malloc(sizeof *b * (size_t)(lm->xbars_per_replica > 0 ? lm->xbars_per_replica : 1));
    if (!b)
        return NULL;
    if (gpx > 1) {
        for (int k = 0; k * gpx < g && cnt < lm->xbars_per_replica; k++) {
            int ng = g - k * gpx < gpx ? g - k * gpx : gpx;
            b[cnt++] = (ce_block_t){k * gpx * rg, ng * rg, k * gpx * cg, ng * cg};
        }
    } else {
        int rb = (rg + R - 1) / R, cb = (cg + wpr - 1) / wpr;
        for (int gi = 0; gi < g; gi++)
            for (int r = 0; r < rb; r++)
                for (int c = 0; c < cb && cnt < lm->xbars_per_replica; c++) {
                    int r0 = r * R, o0 = c * wpr;
                    b[cnt++] = (ce_block_t){gi * rg + r0, rg - r0 < R ? rg - r0 : R,
                                            gi * cg + o0, cg - o0 < wpr ? cg - o0 : wpr};
                }
        if ((int64_t)rb * cb * g != lm->xbars_per_replica)
            cnt = -1;
    }
    if (cnt != lm->xbars_per_replica) {
        free(b);
        return NULL;
    }
    *n = (int)cnt;
    return b;
}

/* The dense matrix the crossbars hold: mrows x n_out, block-diagonal over
 * groups; binary weights as XNOR pairs (row 2i: w = +1, row 2i+1: w = -1). */
static int64_t *layer_matrix(const wlayer_t *w)
{
    int64_t *M = calloc((size_t)w->mrows * w->n_out, sizeof *M);
    if (!M)
        return NULL;
    int cg = w->n_out / w->groups;
    for (int o = 0; o < w->n_out; o++) {
        int g = o / cg;
        for (int i = 0; i < w->n_in_g; i++) {
            int64_t q = w->qw.q[(size_t)o * w->n_in + i];
            if (w->xnor) {
                int r = (g * w->n_in_g + i) * 2;
                M[(size_t)r * w->n_out + o] = q > 0;
                M[(size_t)(r + 1) * w->n_out + o] = q < 0;
            } else {
                M[(size_t)(g * w->n_in_g + i) * w->n_out + o] = q;
            }
        }
    }
    return M;
}

static int program_layer(func_net_t *n, int li, imc_diag_t *d)
{
    const arch_t *a = n->a;
    const layer_t *L = &n->m->layers[li];
    const layer_map_t *lm = &n->mp->layers[li];
    wlayer_t *w = &n->wl[li];
    int nb;
    ce_block_t *blocks = layer_blocks(a, lm, w, &nb);
    if (!blocks || lm->rows * w->groups != w->mrows) {
        free(blocks);
        diag_error(d, NULL, 0, 0, "layer '%s': the compiler cut %d x %d crossbars of %d rows "
                   "and %d outputs (expected a cut of %d matrix rows x %d outputs)", L->name,
                   lm->row_blocks, lm->col_blocks, a->crossbar.rows, lm->weights_per_row,
                   w->mrows, w->n_out);
        return -1;
    }
    int64_t *M = layer_matrix(w);
    ce_prog_t p = {.weight_bits = w->qw.storage_bits, .scheme = a->crossbar.signed_scheme};
    if (w->xnor || w->qw.is_unsigned)
        p.scheme = a->crossbar.signed_scheme == SIGNED_DIFFERENTIAL ? SIGNED_DIFFERENTIAL
                                                                    : SIGNED_NONE;
    else if (p.scheme == SIGNED_NONE) {
        free(blocks);
        free(M);
        diag_error(d, NULL, 0, 0, "layer '%s': signed %s weights on crossbar.signed_scheme = "
                   "none (expected offset or differential, or asymmetric uniform weights)",
                   L->name, quant_scheme_name(L->quant.scheme));
        return -1;
    }
    if (p.weight_bits != lm->weight_bits) {
        free(blocks);
        free(M);
        diag_error(d, NULL, 0, 0, "layer '%s': weights of %d bits, the compiler mapped %d",
                   L->name, p.weight_bits, lm->weight_bits);
        return -1;
    }
    int X = a->ce.crossbars;
    w->ces_per_rep = (nb + X - 1) / X;
    /* every replica has its own devices when they are drawn at random */
    ni_model_t ni;
    ni_model_init(&ni, a);
    w->n_rep = ni.per_cell && lm->replication > 0 ? lm->replication : 1;
    w->ces = calloc((size_t)w->n_rep * w->ces_per_rep, sizeof *w->ces);
    int rc = M && w->ces ? 0 : -1;
    char err[256] = "out of memory";
    for (int r = 0; r < w->n_rep && !rc; r++)
        for (int j = 0; j < w->ces_per_rep && !rc; j++) {
            ce_t *ce = &w->ces[r * w->ces_per_rep + j];
            if (ce_init(ce, a)) {
                rc = -1;
                break;
            }
            ce_set_seed(ce, n->o.seed, ((uint64_t)li << 40) | ((uint64_t)r << 20) | (uint64_t)j);
            p.blocks = blocks + j * X;
            p.n_blocks = nb - j * X < X ? nb - j * X : X;
            rc = ce_program_ex(ce, M, w->mrows, w->n_out, &p, err, sizeof err);
        }
    free(blocks);
    free(M);
    if (rc) {
        diag_error(d, NULL, 0, 0, "layer '%s': %s", L->name, err);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ evaluation */

static int ensure(func_net_t *n, size_t xin, size_t y)
{
    if (xin > n->xin_cap) {
        int64_t *p = realloc(n->xin, sizeof *p * xin);
        if (!p)
            return -1;
        n->xin = p;
        n->xin_cap = xin;
    }
    if (y > n->y_cap) {
        int64_t *a = realloc(n->ycol, sizeof *a * y), *b = realloc(n->yacc, sizeof *b * y);
        double *c = realloc(n->yreal, sizeof *c * y);
        if (a)
            n->ycol = a;
        if (b)
            n->yacc = b;
        if (c)
            n->yreal = c;
        if (!a || !b || !c)
            return -1;
        n->y_cap = y;
    }
    return 0;
}

static int tensor_alloc(tensor_t *t, int h, int w, int c)
{
    size_t need = (size_t)h * w * c;
    if (!t->v || tsize(t) != need) {
        free(t->v);
        t->v = malloc(sizeof *t->v * (need ? need : 1));
    }
    t->h = h;
    t->w = w;
    t->c = c;
    return t->v ? 0 : -1;
}

static const tensor_t *input_of(const func_net_t *n, int pass, const layer_t *L, int k)
{
    int p = L->inputs[k];
    return p == LAYER_INPUT_NETWORK ? &n->in : &n->out[pass][p];
}

/* What the crossbars take for an input value: the activation code shifted
 * into the crossbar's input range, or for binary layers its sign. */
static int64_t input_code(const wlayer_t *w, float v)
{
    return w->xnor ? (v >= 0 ? 1 : -1) : act_code(w, v) - w->a_off;
}

/* Codes of n values (each value is coded once, not once per window). */
static int64_t *code_all(const wlayer_t *w, const float *v, size_t n)
{
    int64_t *c = malloc(sizeof *c * (n ? n : 1));
    for (size_t i = 0; c && i < n; i++)
        c[i] = input_code(w, v[i]);
    return c;
}

/* Sensed layers keep their +-1 decisions as the MVM results of image 0. */
static void capture_sense(func_net_t *n, int li, int pass, int64_t pos)
{
    func_capture_t *c = n->cap ? &n->cap[li] : NULL;
    if (!c || !c->y_hw || pass == P_FLOAT)
        return;
    int64_t *y = (pass == P_HW ? c->y_hw : c->y_int) + pos * c->n_out;
    for (int o = 0; o < c->n_out; o++)
        y[o] = (int64_t)n->yreal[o];
}

/* y = W x for one output position: float reference (patch), integer
 * reference or the CEs (codes). Writes the real outputs into n->yreal. */
static int mvm_position(func_net_t *n, int li, int pass, const float *patch,
                        const int64_t *codes, int64_t pos, imc_diag_t *d)
{
    const layer_t *L = &n->m->layers[li];
    wlayer_t *w = &n->wl[li];
    int cg = w->n_out / w->groups;
    if (pass == P_FLOAT) {
        for (int o = 0; o < w->n_out; o++) {
            const float *pr = patch + (size_t)(o / cg) * w->n_in_g;
            const float *wr = w->wref + (size_t)o * w->n_in;
            double s = 0;
            if (w->xnor)
                for (int i = 0; i < w->n_in_g; i++)
                    s += (double)wr[i] * (pr[i] >= 0 ? 1.0 : -1.0);
            else
                for (int i = 0; i < w->n_in_g; i++)
                    s += (double)wr[i] * pr[i];
            n->yreal[o] = s + (w->bias ? w->bias[o] : 0);
            if (w->sense)
                n->yreal[o] = n->yreal[o] >= 0 ? 1 : -1;
        }
        return 0;
    }
    int ng = w->groups * w->n_in_g;
    const int64_t *x = codes; /* codes shifted into the crossbar's input range */
    int64_t *y = n->yacc;
    if (pass == P_INT) {
        /* the ideal integer reference: a plain dot product */
        for (int o = 0; o < w->n_out; o++) {
            const int64_t *qr = w->qw.q + (size_t)o * w->n_in;
            const int64_t *xr = x + (size_t)(o / cg) * w->n_in_g;
            int64_t s = 0;
            for (int i = 0; i < w->n_in_g; i++)
                s += qr[i] * xr[i];
            y[o] = s;
        }
    } else {
        /* the hardware: every CE of the position's replica, partial sums added */
        const int64_t *v = x;
        if (w->xnor) { /* the row pair of input i carries (x = +1, x = -1) */
            int64_t *e = n->xin;
            for (int i = 0; i < ng; i++) {
                e[2 * i] = x[i] > 0;
                e[2 * i + 1] = x[i] < 0;
            }
            v = e;
        }
        int rep = (int)(pos % w->n_rep);
        memset(y, 0, sizeof *y * w->n_out);
        if (w->sense) { /* sense amplifiers: the sign itself, no conversion */
            for (int j = 0; j < w->ces_per_rep; j++) {
                ce_t *ce = &w->ces[rep * w->ces_per_rep + j];
                char err[256];
                int64_t c = ce_mvm_sense(ce, v, w->sref, w->sbits, NULL, err, sizeof err);
                if (c < 0) {
                    diag_error(d, NULL, 0, 0, "layer '%s': %s", L->name, err);
                    return -1;
                }
                n->sense[li] += (uint64_t)c;
            }
            for (int o = 0; o < w->n_out; o++)
                n->yreal[o] = w->sbits[o];
            capture_sense(n, li, pass, pos);
            return 0;
        }

        for (int j = 0; j < w->ces_per_rep; j++) {
            ce_t *ce = &w->ces[rep * w->ces_per_rep + j];
            ce_timing_t t;
            char err[256];
            int64_t c = ce_mvm(ce, v, w->xnor ? 1 : w->a_bits, w->xnor ? 0 : w->in_signed,
                               n->ycol, 0, &t, err, sizeof err);
            if (c < 0) {
                diag_error(d, NULL, 0, 0, "layer '%s': %s", L->name, err);
                return -1;
            }
            n->clip[li] += (uint64_t)c;
            n->image_clipped += (uint64_t)c;
            n->conv[li] += t.conversions;
            for (int o = 0; o < w->n_out; o++)
                y[o] += n->ycol[o];
        }
        if (w->xnor) /* matches m of n_in -> sum of x w = 2m - n */
            for (int o = 0; o < w->n_out; o++)
                y[o] = 2 * y[o] - w->n_in_g;
    }
    if (n->cap && n->cap[li].y_hw && !w->sense) {
        func_capture_t *c = &n->cap[li];
        memcpy((pass == P_HW ? c->y_hw : c->y_int) + pos * w->n_out, y, sizeof *y * w->n_out);
        if (pass == P_HW) /* what the crossbars saw */
            memcpy(c->x + pos * ng, x, sizeof *x * ng);
    }
    /* dequantize: w ~ s_w (q - z_w), x ~ s_a (code - z_a), code = x_in + off */
    for (int o = 0; o < w->n_out; o++) {
        double sw = w->qw.scale[o], r;
        if (w->xnor) {
            r = sw * (double)y[o];
        } else {
            int64_t zw = w->qw.zero[o], k = w->a_off - w->a_zero, sx = 0;
            const int64_t *xr = x + (size_t)(o / cg) * w->n_in_g;
            if (zw)
                for (int i = 0; i < w->n_in_g; i++)
                    sx += xr[i];
            int64_t acc = y[o] + k * w->qsum[o] - zw * sx - zw * k * w->n_in_g;
            r = sw * w->a_scale * (double)acc;
        }
        n->yreal[o] = r + (w->bias ? w->bias[o] : 0);
    }
    if (w->sense) { /* the references give what the sense amplifiers give: the sign */
        for (int o = 0; o < w->n_out; o++)
            n->yreal[o] = n->yreal[o] >= 0 ? 1 : -1;
        capture_sense(n, li, pass, pos);
    }
    return 0;
}

static void record_range(func_net_t *n, int li, const float *v, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (v[i] < n->amin[li])
            n->amin[li] = v[i];
        if (v[i] > n->amax[li])
            n->amax[li] = v[i];
    }
}

static int eval_conv(func_net_t *n, int li, int pass, imc_diag_t *d)
{
    const layer_t *L = &n->m->layers[li];
    wlayer_t *w = &n->wl[li];
    const tensor_t *in = input_of(n, pass, L, 0);
    tensor_t *out = &n->out[pass][li];
    if (tensor_alloc(out, L->out_h, L->out_w, L->out_c))
        return -1;
    int cin_g = L->in_c / w->groups, ng = w->groups * w->n_in_g;
    int coded = pass != P_FLOAT;
    float *patch = malloc(sizeof *patch * (size_t)ng);
    int64_t *cpatch = malloc(sizeof *cpatch * (size_t)ng);
    int64_t *cin = coded ? code_all(w, in->v, tsize(in)) : NULL;
    int64_t pad = coded ? input_code(w, 0.0f) : 0; /* padding is a real 0 */
    int rc = patch && cpatch && (cin || !coded) ? 0 : -1;
    if (n->calibrating && pass == P_FLOAT)
        record_range(n, li, in->v, tsize(in));
    int64_t pos = 0;
    for (int oy = 0; oy < L->out_h && !rc; oy++)
        for (int ox = 0; ox < L->out_w && !rc; ox++, pos++) {
            /* HWC patch per group: (ky*KX + kx)*Cin_g + c */
            for (int g = 0; g < w->groups; g++)
                for (int ky = 0; ky < L->ky; ky++)
                    for (int kx = 0; kx < L->kx; kx++) {
                        int iy = oy * L->stride - L->pad + ky, ix = ox * L->stride - L->pad + kx;
                        size_t at = (size_t)g * w->n_in_g + ((size_t)ky * L->kx + kx) * cin_g;
                        int inside = iy >= 0 && iy < in->h && ix >= 0 && ix < in->w;
                        size_t src = ((size_t)iy * in->w + ix) * in->c + (size_t)g * cin_g;
                        if (coded) {
                            for (int c = 0; c < cin_g; c++)
                                cpatch[at + c] = inside ? cin[src + c] : pad;
                        } else if (inside) {
                            memcpy(patch + at, in->v + src, sizeof *patch * cin_g);
                        } else {
                            memset(patch + at, 0, sizeof *patch * cin_g);
                        }
                    }
            rc = mvm_position(n, li, pass, patch, cpatch, pos, d);
            float *o = out->v + ((size_t)oy * out->w + ox) * out->c;
            for (int c = 0; c < L->out_c && !rc; c++)
                o[c] = act_apply(L, (float)n->yreal[c]);
        }
    free(patch);
    free(cpatch);
    free(cin);
    return rc;
}

static int eval_linear(func_net_t *n, int li, int pass, imc_diag_t *d)
{
    const layer_t *L = &n->m->layers[li];
    const tensor_t *in = input_of(n, pass, L, 0);
    tensor_t *out = &n->out[pass][li];
    if (tensor_alloc(out, 1, 1, L->out_c))
        return -1;
    if (n->calibrating && pass == P_FLOAT)
        record_range(n, li, in->v, tsize(in));
    int64_t *codes = pass != P_FLOAT ? code_all(&n->wl[li], in->v, tsize(in)) : NULL;
    int rc = pass != P_FLOAT && !codes ? -1 : mvm_position(n, li, pass, in->v, codes, 0, d);
    free(codes);
    for (int c = 0; c < L->out_c && !rc; c++)
        out->v[c] = act_apply(L, (float)n->yreal[c]);
    return rc;
}

static double sigm(double v) { return 1.0 / (1.0 + exp(-v)); }

/* One LSTM layer over its steps: every step the crossbars take [x, h] and give
 * the gates i, f, g, o; the input vector is the same at every step. */
static int eval_lstm(func_net_t *n, int li, int pass, imc_diag_t *d)
{
    const layer_t *L = &n->m->layers[li];
    wlayer_t *w = &n->wl[li];
    const tensor_t *in = input_of(n, pass, L, 0);
    int H = w->hidden, nx = (int)tsize(in);
    tensor_t *out = &n->out[pass][li];
    if (tensor_alloc(out, 1, 1, H))
        return -1;
    float *v = calloc((size_t)nx + H, sizeof *v);
    double *c = calloc((size_t)H, sizeof *c);
    int rc = v && c ? 0 : -1;
    if (!rc)
        memcpy(v, in->v, sizeof *v * nx);
    for (int t = 0; t < L->lstm_steps && !rc; t++) {
        if (n->calibrating && pass == P_FLOAT)
            record_range(n, li, v, (size_t)nx + H);
        int64_t *codes = pass != P_FLOAT ? code_all(w, v, (size_t)nx + H) : NULL;
        rc = pass != P_FLOAT && !codes ? -1 : mvm_position(n, li, pass, v, codes, t, d);
        free(codes);
        for (int j = 0; j < H && !rc; j++) {
            double ig = sigm(n->yreal[j]), fg = sigm(n->yreal[H + j]);
            double gg = tanh(n->yreal[2 * H + j]), og = sigm(n->yreal[3 * H + j]);
            c[j] = fg * c[j] + ig * gg;
            v[nx + j] = (float)(og * tanh(c[j]));
        }
    }
    if (!rc)
        memcpy(out->v, v + nx, sizeof *out->v * H);
    free(v);
    free(c);
    return rc;
}

static int eval_pool(func_net_t *n, int li, int pass)
{
    const layer_t *L = &n->m->layers[li];
    const tensor_t *in = input_of(n, pass, L, 0);
    tensor_t *out = &n->out[pass][li];
    if (tensor_alloc(out, L->out_h, L->out_w, L->out_c))
        return -1;
    int avg = L->kind == LAYER_AVGPOOL || (L->kind == LAYER_GLOBALPOOL && L->pool_avg);
    int kx = L->kind == LAYER_GLOBALPOOL ? in->w : L->kx, ky = L->kind == LAYER_GLOBALPOOL ? in->h : L->ky;
    int s = L->kind == LAYER_GLOBALPOOL ? 1 : (L->stride > 0 ? L->stride : 1);
    int pad = L->kind == LAYER_GLOBALPOOL ? 0 : L->pad;
    for (int oy = 0; oy < out->h; oy++)
        for (int ox = 0; ox < out->w; ox++)
            for (int c = 0; c < out->c; c++) {
                double acc = avg ? 0 : -INFINITY;
                int cnt = 0;
                for (int y = oy * s - pad; y < oy * s - pad + ky; y++)
                    for (int x = ox * s - pad; x < ox * s - pad + kx; x++) {
                        if (y < 0 || y >= in->h || x < 0 || x >= in->w)
                            continue; /* padding takes no part (ONNX count_include_pad = 0) */
                        double v = in->v[((size_t)y * in->w + x) * in->c + c];
                        acc = avg ? acc + v : (v > acc ? v : acc);
                        cnt++;
                    }
                out->v[((size_t)oy * out->w + ox) * out->c + c] =
                    (float)(avg ? (cnt ? acc / cnt : 0) : (cnt ? acc : 0));
            }
    return 0;
}

static int eval_other(func_net_t *n, int li, int pass)
{
    const layer_t *L = &n->m->layers[li];
    tensor_t *out = &n->out[pass][li];
    if (tensor_alloc(out, L->out_h, L->out_w, L->out_c))
        return -1;
    size_t sz = tsize(out);
    const tensor_t *in0 = input_of(n, pass, L, 0);
    switch (L->kind) {
    case LAYER_ADD:
        for (size_t i = 0; i < sz; i++) {
            double s = 0;
            for (int k = 0; k < L->n_inputs; k++)
                s += input_of(n, pass, L, k)->v[i];
            out->v[i] = act_apply(L, (float)s);
        }
        return 0;
    case LAYER_CONCAT: {
        size_t px = (size_t)out->h * out->w;
        int c0 = 0;
        for (int k = 0; k < L->n_inputs; k++) {
            const tensor_t *t = input_of(n, pass, L, k);
            for (size_t p = 0; p < px; p++)
                memcpy(out->v + p * out->c + c0, t->v + p * t->c, sizeof *out->v * t->c);
            c0 += t->c;
        }
        return 0;
    }
    case LAYER_FLATTEN:
        memcpy(out->v, in0->v, sizeof *out->v * sz);
        return 0;
    case LAYER_ACT:
        for (size_t i = 0; i < sz; i++)
            out->v[i] = act_apply(L, in0->v[i]);
        return 0;
    default:
        return -1;
    }
}

/* Layer outputs are floats: a finite input can still give a value beyond
 * their range (an inf, then NaN errors and statistics). Stop at the first. */
static int check_finite(const func_net_t *n, int li, int pass, imc_diag_t *d)
{
    static const char *const pass_name[P_COUNT] = {"float reference", "integer reference",
                                                   "hardware"};
    const tensor_t *t = &n->out[pass][li];
    size_t sz = tsize(t);
    for (size_t i = 0; i < sz; i++) {
        if (isfinite(t->v[i]))
            continue;
        diag_error(d, NULL, 0, 0, "layer '%s': output %zu is %g in the %s pass on %s %llu "
                   "(expected a value a float holds, |x| <= %g: scale the inputs down)",
                   n->m->layers[li].name, i, (double)t->v[i], pass_name[pass],
                   n->calibrating ? "calibration input" : "image",
                   (unsigned long long)n->input_id, (double)FLT_MAX);
        return -1;
    }
    return 0;
}

static int run_pass(func_net_t *n, int pass, imc_diag_t *d)
{
    for (int li = 0; li < n->m->n_layers; li++) {
        const layer_t *L = &n->m->layers[li];
        int rc;
        switch (L->kind) {
        case LAYER_CONV:
            rc = eval_conv(n, li, pass, d);
            break;
        case LAYER_LINEAR:
            rc = eval_linear(n, li, pass, d);
            break;
        case LAYER_LSTM:
            rc = eval_lstm(n, li, pass, d);
            break;
        case LAYER_MAXPOOL:
        case LAYER_AVGPOOL:
        case LAYER_GLOBALPOOL:
            rc = eval_pool(n, li, pass);
            break;
        default:
            rc = eval_other(n, li, pass);
        }
        if (rc) {
            if (!d->errors)
                diag_error(d, NULL, 0, 0, "layer '%s' (%s): out of memory", L->name,
                           layer_kind_name(L->kind));
            return -1;
        }
        if (check_finite(n, li, pass, d))
            return -1;
    }
    return 0;
}

static int set_input(func_net_t *n, const float *x)
{
    if (tensor_alloc(&n->in, n->m->in_h, n->m->in_w, n->m->in_c))
        return -1;
    memcpy(n->in.v, x, sizeof *x * tsize(&n->in));
    return 0;
}

/* ------------------------------------------------------------ open/close */

/* The activation format of weight layer li's input. */
static void act_format(func_net_t *n, int li)
{
    const arch_t *a = n->a;
    const layer_t *L = &n->m->layers[li];
    wlayer_t *w = &n->wl[li];
    int b = n->mp->layers[li].act_bits > 0 ? n->mp->layers[li].act_bits : a->precision.act_bits;
    w->a_bits = b;
    w->in_signed = a->precision.signed_inputs;
    int64_t half = (int64_t)1 << (b - 1), top = ((int64_t)1 << b) - 1;
    w->a_off = w->in_signed ? half : 0;
    double lo = n->amin[li], hi = n->amax[li];
    if (L->quant.has_a_scale) {
        w->a_scale = L->quant.a_scale;
        w->a_zero = L->quant.a_zero;
        /* a signed (int8-style) zero point, or zero for a signed tensor: codes
         * centred on half of the unsigned range */
        if (w->a_zero < 0 || (w->a_zero == 0 && lo < 0))
            w->a_zero += half;
    } else if (lo >= 0) {
        w->a_scale = hi > 0 ? hi / (double)top : 1;
        w->a_zero = 0;
    } else {
        double m = fabs(lo) > hi ? fabs(lo) : hi;
        w->a_scale = m > 0 ? m / (double)(half - 1) : 1;
        w->a_zero = half;
    }
}

/* Whether layer li's outputs reach only layers that binarize them (binary
 * weight layers, through flatten layers). */
static int feeds_only_binary(const model_t *m, int li)
{
    int any = 0;
    for (int k = li + 1; k < m->n_layers; k++) {
        const layer_t *C = &m->layers[k];
        for (int j = 0; j < C->n_inputs; j++) {
            if (C->inputs[j] != li)
                continue;
            if (C->kind == LAYER_FLATTEN) {
                if (!feeds_only_binary(m, k))
                    return 0;
            } else if (!is_weight(C) || C->quant.scheme != QUANT_BINARY) {
                return 0;
            }
            any = 1;
        }
    }
    return any;
}

/* A binary layer senses instead of converting when its consumers binarize
 * and each output's column is one crossbar column (one row block): the sign
 * of s (2m - n) + b is m >= (n - b/s)/2, a reference a sense amplifier holds. */
static int sense_setup(func_net_t *n, int li)
{
    const layer_t *L = &n->m->layers[li];
    const layer_map_t *lm = &n->mp->layers[li];
    wlayer_t *w = &n->wl[li];
    if (!w->xnor || L->kind == LAYER_LSTM || w->groups != 1 || lm->row_blocks != 1 ||
        L->act != ACT_NONE ||
        w->n_out < 1 || !feeds_only_binary(n->m, li))
        return 0;
    for (int o = 0; o < w->n_out; o++)
        if (!(w->qw.scale[o] > 0))
            return 0;
    w->sref = malloc(sizeof *w->sref * (size_t)w->n_out);
    w->sbits = malloc(sizeof *w->sbits * (size_t)(unsigned)w->n_out);
    if (!w->sref || !w->sbits)
        return -1;
    for (int o = 0; o < w->n_out; o++)
        w->sref[o] = (w->n_in - (w->bias ? w->bias[o] : 0) / w->qw.scale[o]) / 2;
    w->sense = 1;
    return 0;
}

static int load_layer(func_net_t *n, int li, imc_diag_t *d)
{
    const layer_t *L = &n->m->layers[li];
    wlayer_t *w = &n->wl[li];
    layer_weights_t lw;
    memset(&lw, 0, sizeof lw);
    int rc = n->o.weights ? n->o.weights(n->o.weights_ctx, n->m, li, &lw, d)
                          : model_layer_weights(n->m, li, &lw, d);
    if (rc)
        return -1;
    int groups = L->kind == LAYER_CONV && L->groups > 1 ? L->groups : 1;
    int want_in = L->kind == LAYER_CONV ? L->kx * L->ky * (L->in_c / groups)
                  : L->kind == LAYER_LINEAR ? L->in_h * L->in_w * L->in_c
                                            : L->in_h * L->in_w * L->in_c + L->lstm_hidden;
    int want_out = L->kind == LAYER_LSTM ? 4 * L->lstm_hidden : L->out_c;
    if (lw.n_in != want_in || lw.n_out != want_out || !lw.w) {
        diag_error(d, NULL, 0, 0, "layer '%s': weights of %d x %d (expected %d outputs x %d "
                   "inputs)", L->name, lw.n_out, lw.n_in, want_out, want_in);
        layer_weights_free(&lw);
        return -1;
    }
    if (L->kind == LAYER_LSTM && L->lstm_layers > 1) {
        diag_error(d, NULL, 0, 0, "layer '%s': functional runs take single-layer LSTMs "
                   "(expected layers: 1, got %d)", L->name, L->lstm_layers);
        layer_weights_free(&lw);
        return -1;
    }
    w->n_out = lw.n_out;
    w->n_in = lw.n_in;
    w->groups = groups;
    w->n_in_g = lw.n_in;
    w->hidden = L->lstm_hidden;
    w->xnor = L->quant.scheme == QUANT_BINARY;
    w->mrows = groups * lw.n_in * (w->xnor ? 2 : 1);
    rc = quantize_weights(n->a, L, &lw, w, d);
    if (!rc) {
        size_t N = (size_t)w->n_out * w->n_in;
        w->wref = malloc(sizeof *w->wref * N);
        w->qsum = calloc((size_t)w->n_out, sizeof *w->qsum);
        rc = w->wref && w->qsum ? 0 : -1;
        /* binary and ternary layers are defined by their quantized weights
         * (alpha sign(w), alpha t(w)); the others compute with the float ones */
        int defq = L->quant.scheme == QUANT_BINARY || L->quant.scheme == QUANT_TERNARY;
        for (size_t i = 0; i < N && !rc; i++) {
            int o = (int)(i / w->n_in);
            w->wref[i] = defq ? (float)(w->qw.scale[o] * (double)(w->qw.q[i] - w->qw.zero[o]))
                              : lw.w[i];
            w->qsum[o] += w->qw.q[i];
        }
        if (!rc && lw.bias) {
            w->bias = malloc(sizeof *w->bias * (size_t)w->n_out);
            if (w->bias)
                memcpy(w->bias, lw.bias, sizeof *w->bias * (size_t)w->n_out);
            else
                rc = -1;
        }
        if (rc)
            diag_error(d, NULL, 0, 0, "layer '%s': out of memory", L->name);
    }
    layer_weights_free(&lw);
    return rc;
}

static void no_weights(const model_t *m, imc_diag_t *d)
{
    diag_error(d, NULL, 0, 0, "model '%s' has no weights (expected an ONNX model, or a YAML "
               "model with 'weights:', for functional runs)", m->name);
}

void func_close(func_net_t *n)
{
    if (!n)
        return;
    for (int li = 0; n->wl && li < n->m->n_layers; li++) {
        wlayer_t *w = &n->wl[li];
        for (int k = 0; w->ces && k < w->n_rep * w->ces_per_rep; k++)
            ce_free(&w->ces[k]);
        free(w->ces);
        qm_weights_free(&w->qw);
        free(w->wref);
        free(w->bias);
        free(w->qsum);
        free(w->sref);
        free(w->sbits);
        for (int p = 0; p < P_COUNT; p++)
            if (n->out[p])
                free(n->out[p][li].v);
    }
    for (int p = 0; p < P_COUNT; p++)
        free(n->out[p]);
    free(n->in.v);
    free(n->wl);
    free(n->amin);
    free(n->amax);
    free(n->xin);
    free(n->ycol);
    free(n->yacc);
    free(n->yreal);
    free(n->conv);
    free(n->clip);
    free(n->sense);
    free(n);
}

int func_open(func_net_t **out, const arch_t *a, const mapping_t *mp, const func_opts_t *o,
              const float *calib, int n_calib, imc_diag_t *d)
{
    *out = NULL;
    const model_t *m = mp->model;
    func_net_t *n = calloc(1, sizeof *n);
    if (!n) {
        diag_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    n->a = a;
    n->mp = mp;
    n->m = m;
    if (o)
        n->o = *o;
    if (!n->o.seed)
        n->o.seed = 1;
    int L = m->n_layers;
    n->wl = calloc((size_t)L, sizeof *n->wl);
    n->amin = calloc((size_t)L, sizeof *n->amin);
    n->amax = calloc((size_t)L, sizeof *n->amax);
    n->conv = calloc((size_t)L, sizeof *n->conv);
    n->clip = calloc((size_t)L, sizeof *n->clip);
    n->sense = calloc((size_t)L, sizeof *n->sense);
    for (int p = 0; p < P_COUNT; p++)
        n->out[p] = calloc((size_t)L, sizeof *n->out[p]);
    int rc = n->wl && n->amin && n->amax && n->conv && n->clip && n->sense && n->out[0] && n->out[1] &&
                     n->out[2] ? 0 : -1;
    if (rc)
        diag_error(d, NULL, 0, 0, "out of memory");
    if (!rc && !n->o.weights && !model_has_weights(m)) {
        no_weights(m, d);
        rc = -1;
    }
    if (!rc && a->ce.mvmu_crossbars > 1) { /* the cut below is crossbar by crossbar */
        diag_error(d, NULL, 0, 0, "functional runs program crossbar by crossbar: "
                   "ce.mvmu_crossbars = %d is not supported (expected 1, e.g. --set "
                   "ce.mvmu_crossbars=1: the values do not depend on it, an MVMU's crossbars "
                   "beyond the layer's hold no weights)", a->ce.mvmu_crossbars);
        rc = -1;
    }
    size_t maxin = 0, maxout = 0;
    for (int li = 0; li < L && !rc; li++) {
        if (!is_weight(&m->layers[li]))
            continue;
        rc = load_layer(n, li, d);
        wlayer_t *w = &n->wl[li];
        size_t xi = (size_t)w->mrows * 2 + 2;
        maxin = xi > maxin ? xi : maxin;
        maxout = (size_t)w->n_out > maxout ? (size_t)w->n_out : maxout;
    }
    if (!rc && ensure(n, maxin, maxout)) {
        diag_error(d, NULL, 0, 0, "out of memory");
        rc = -1;
    }
    /* activation ranges from the calibration inputs (float passes) */
    for (int li = 0; li < L && !rc; li++) {
        n->amin[li] = INFINITY;
        n->amax[li] = -INFINITY;
    }
    n->calibrating = 1;
    for (int k = 0; k < n_calib && !rc; k++) {
        n->input_id = (uint64_t)k;
        if (set_input(n, calib + (size_t)k * m->in_h * m->in_w * m->in_c))
            rc = -1;
        else
            rc = run_pass(n, P_FLOAT, d);
    }
    n->calibrating = 0;
    for (int li = 0; li < L && !rc; li++) {
        if (!is_weight(&m->layers[li]))
            continue;
        if (!(n->amin[li] <= n->amax[li])) {
            n->amin[li] = 0;
            n->amax[li] = 1;
        }
        act_format(n, li);
        rc = sense_setup(n, li);
        if (!rc)
            rc = program_layer(n, li, d);
    }
    if (rc) {
        func_close(n);
        return -1;
    }
    *out = n;
    return 0;
}

int func_output_size(const func_net_t *n)
{
    const layer_t *L = &n->m->layers[n->m->n_layers - 1];
    return L->out_h * L->out_w * L->out_c;
}

static int infer_passes(func_net_t *n, const float *x, uint64_t id, imc_diag_t *d)
{
    if (set_input(n, x)) {
        diag_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    for (int li = 0; li < n->m->n_layers; li++) {
        wlayer_t *w = &n->wl[li];
        for (int k = 0; w->ces && k < w->n_rep * w->ces_per_rep; k++)
            ce_set_read_stream(&w->ces[k], id);
    }
    n->image_clipped = 0;
    n->input_id = id;
    for (int p = 0; p < P_COUNT; p++)
        if (run_pass(n, p, d))
            return -1;
    return 0;
}

int func_infer(func_net_t *n, const float *x, uint64_t id, float *out, int n_out, imc_diag_t *d)
{
    if (infer_passes(n, x, id, d))
        return -1;
    const tensor_t *t = &n->out[P_HW][n->m->n_layers - 1];
    if (out)
        memcpy(out, t->v, sizeof *out * (size_t)(n_out < (int)tsize(t) ? n_out : (int)tsize(t)));
    return 0;
}

/* ------------------------------------------------------------ evaluation */

static int argmax(const float *v, int n)
{
    int b = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[b])
            b = i;
    return b;
}

static int in_top5(const float *v, int n, int label)
{
    int above = 0;
    for (int i = 0; i < n; i++)
        above += v[i] > v[label] || (v[i] == v[label] && i < label);
    return above < 5;
}

void func_result_free(func_result_t *r)
{
    free(r->layers);
    free(r->clipped_per_image);
    for (int i = 0; r->capture && i < r->n_layers; i++) {
        func_capture_t *c = &r->capture[i];
        free(c->out_hw);
        free(c->out_int);
        free(c->out_float);
        free(c->q);
        free(c->x);
        free(c->y_hw);
        free(c->y_int);
    }
    free(r->capture);
    memset(r, 0, sizeof *r);
}

/* Programming every replica of every weight layer once: cells of the blocks
 * (data columns and unit columns of the rows used), pulses per cell from the
 * device; all crossbars program in parallel, one row at a time. */
static void programming_cost(const func_net_t *n, func_result_t *r)
{
    const arch_t *a = n->a;
    double pulses = a->device.program_verify_iterations > 1 ? a->device.program_verify_iterations : 1;
    uint64_t cells = 0;
    int max_rows = 0;
    for (int li = 0; li < n->m->n_layers; li++) {
        const wlayer_t *w = &n->wl[li];
        if (!w->ces)
            continue;
        uint64_t per_rep = 0;
        for (int j = 0; j < w->ces_per_rep; j++) {
            const ce_t *ce = &w->ces[j];
            for (int b = 0; b < ce->map.n_blocks; b++) {
                const ce_block_t *k = &ce->map.blocks[b];
                per_rep += (uint64_t)k->nr * ((uint64_t)k->no * ce->map.cols_per_out +
                                              (uint64_t)a->crossbar.unit_cols);
                max_rows = k->nr > max_rows ? k->nr : max_rows;
            }
        }
        int reps = n->mp->layers[li].replication > 0 ? n->mp->layers[li].replication : 1;
        cells += per_rep * (uint64_t)reps;
    }
    r->cells_programmed = cells;
    r->program_pulses_per_cell = pulses;
    r->program_energy_j = (double)cells * pulses * a->device.write_energy_pj * 1e-12;
    r->program_time_s = (double)max_rows * pulses * a->device.write_latency_ns * 1e-9;
    r->lifetime_programmings = a->device.endurance_cycles / pulses;
}

static int shapes_fit(const model_t *m, const dataset_t *ds, imc_diag_t *d)
{
    size_t need = (size_t)m->in_h * m->in_w * m->in_c;
    int same = ds->h == m->in_h && ds->w == m->in_w && ds->c == m->in_c;
    int flat = m->in_h == 1 && m->in_w == 1 && dataset_sample_size(ds) == need;
    if (same || flat)
        return 0;
    diag_error(d, ds->path, 0, 0, "samples of %dx%dx%d (HxWxC) do not fit model '%s', which "
               "takes %dx%dx%d (expected the same shape, or %zu values for a 1x1xC input)",
               ds->h, ds->w, ds->c, m->name, m->in_h, m->in_w, m->in_c, need);
    return -1;
}

int func_evaluate(const arch_t *a, const mapping_t *mp, const dataset_t *ds, const func_opts_t *o,
                  func_result_t *r, imc_diag_t *d)
{
    memset(r, 0, sizeof *r);
    const model_t *m = mp->model;
    func_opts_t opt = o ? *o : (func_opts_t){0};
    if (!opt.weights && !model_has_weights(m)) {
        no_weights(m, d);
        return -1;
    }
    if (shapes_fit(m, ds, d))
        return -1;
    int N = opt.limit > 0 && opt.limit < ds->n ? opt.limit : ds->n;
    int nc = opt.calib_images > 0 ? opt.calib_images : 32;
    if (nc > ds->n)
        nc = ds->n;
    func_net_t *n;
    const float *cx = opt.calib ? opt.calib : ds->x;
    if (opt.calib)
        nc = opt.n_calib;
    if (func_open(&n, a, mp, &opt, cx, nc, d))
        return -1;
    int L = m->n_layers, classes = func_output_size(n);
    r->images = N;
    r->classes = classes;
    r->n_layers = L;
    r->layers = calloc((size_t)L, sizeof *r->layers);
    r->clipped_per_image = calloc((size_t)N, sizeof *r->clipped_per_image);
    /* per layer: squared errors against the float and the integer pass, and
     * the squares of those passes' values */
    func_sumsq_t *e_f = calloc((size_t)L, sizeof *e_f), *e_i = calloc((size_t)L, sizeof *e_i);
    func_sumsq_t *n_f = calloc((size_t)L, sizeof *n_f), *n_i = calloc((size_t)L, sizeof *n_i);
    int rc = r->layers && r->clipped_per_image && e_f && e_i && n_f && n_i ? 0 : -1;
    if (!rc && opt.keep_outputs) {
        r->capture = calloc((size_t)L, sizeof *r->capture);
        rc = r->capture ? 0 : -1;
        for (int li = 0; li < L && !rc; li++) {
            const layer_t *Ly = &m->layers[li];
            const wlayer_t *w = &n->wl[li];
            func_capture_t *c = &r->capture[li];
            if (!is_weight(Ly))
                continue;
            c->positions = Ly->kind == LAYER_CONV ? Ly->out_h * Ly->out_w
                           : Ly->kind == LAYER_LSTM ? Ly->lstm_steps : 1;
            c->n_in = w->n_in;
            c->n_out = w->n_out;
            c->groups = w->groups;
            size_t ny = (size_t)c->positions * c->n_out, nx = (size_t)c->positions * w->groups * w->n_in;
            c->q = malloc(sizeof *c->q * (size_t)w->n_out * w->n_in);
            c->x = malloc(sizeof *c->x * nx);
            c->y_hw = malloc(sizeof *c->y_hw * ny);
            c->y_int = malloc(sizeof *c->y_int * ny);
            rc = c->q && c->x && c->y_hw && c->y_int ? 0 : -1;
            if (!rc)
                memcpy(c->q, w->qw.q, sizeof *c->q * (size_t)w->n_out * w->n_in);
        }
        n->cap = r->capture;
    }
    if (rc)
        diag_error(d, NULL, 0, 0, "out of memory");
    int hits = 0, hits5 = 0, fhits = 0, ihits = 0, agf = 0, agi = 0;
    size_t per = dataset_sample_size(ds);
    for (int k = 0; k < N && !rc; k++) {
        if (infer_passes(n, ds->x + (size_t)k * per, (uint64_t)k, d)) {
            rc = -1;
            break;
        }
        r->clipped_per_image[k] = n->image_clipped;
        for (int li = 0; li < L; li++) {
            const tensor_t *h = &n->out[P_HW][li], *fi = &n->out[P_FLOAT][li], *ii = &n->out[P_INT][li];
            size_t sz = tsize(h);
            for (size_t j = 0; j < sz; j++) {
                func_sumsq_add(&e_f[li], (double)h->v[j] - fi->v[j]);
                func_sumsq_add(&n_f[li], fi->v[j]);
                func_sumsq_add(&e_i[li], (double)h->v[j] - ii->v[j]);
                func_sumsq_add(&n_i[li], ii->v[j]);
                r->layers[li].mismatches += h->v[j] != ii->v[j];
            }
            r->layers[li].outputs += sz;
            if (k == 0 && r->capture) {
                func_capture_t *c = &r->capture[li];
                c->size = (int)sz;
                c->out_hw = malloc(sizeof(float) * sz);
                c->out_int = malloc(sizeof(float) * sz);
                c->out_float = malloc(sizeof(float) * sz);
                if (c->out_hw && c->out_int && c->out_float) {
                    memcpy(c->out_hw, h->v, sizeof(float) * sz);
                    memcpy(c->out_int, ii->v, sizeof(float) * sz);
                    memcpy(c->out_float, fi->v, sizeof(float) * sz);
                }
            }
        }
        n->cap = NULL; /* image 0 only */
        const float *yh = n->out[P_HW][L - 1].v, *yf = n->out[P_FLOAT][L - 1].v,
                    *yi = n->out[P_INT][L - 1].v;
        int ph = argmax(yh, classes), pf = argmax(yf, classes), pi = argmax(yi, classes);
        int lab = ds->y[k];
        hits += ph == lab;
        fhits += pf == lab;
        ihits += pi == lab;
        agf += ph == pf;
        agi += ph == pi;
        if (lab < classes)
            hits5 += in_top5(yh, classes, lab);
    }
    if (!rc) {
        r->top1 = (double)hits / N;
        r->top5 = classes > 5 ? (double)hits5 / N : -1;
        r->float_top1 = (double)fhits / N;
        r->int_top1 = (double)ihits / N;
        r->agreement_float = (double)agf / N;
        r->agreement_int = (double)agi / N;
        for (int li = 0; li < L; li++) {
            func_layer_result_t *lr = &r->layers[li];
            const layer_t *Ly = &m->layers[li];
            snprintf(lr->name, sizeof lr->name, "%s", Ly->name);
            snprintf(lr->type, sizeof lr->type, "%s", layer_kind_name(Ly->kind));
            lr->rel_rmse = func_rel_rmse(&e_f[li], &n_f[li]);
            lr->rel_rmse_int = func_rel_rmse(&e_i[li], &n_i[li]);
            lr->conversions = n->conv[li];
            lr->sense_decisions = n->sense[li];
            lr->clipped = n->clip[li];
            lr->clipped_fraction = lr->conversions ? (double)lr->clipped / lr->conversions : 0;
            r->conversions += lr->conversions;
            r->clipped += lr->clipped;
        }
        programming_cost(n, r);
    }
    free(e_f);
    free(e_i);
    free(n_f);
    free(n_i);
    func_close(n);
    if (rc)
        func_result_free(r);
    return rc;
}

void func_sumsq_add(func_sumsq_t *q, double x)
{
    if (x == 0)
        return;
    if (!isfinite(x)) {
        q->s = NAN;
        return;
    }
    int e;
    frexp(x, &e); /* |x| < 2^e */
    if (q->s == 0 || e > q->k) { /* a new largest value: rescale, exactly */
        q->s = q->s == 0 ? 0 : ldexp(q->s, 2 * (q->k - e));
        q->k = e;
    }
    double t = ldexp(x, -q->k);
    q->s += t * t;
}

double func_rel_rmse(const func_sumsq_t *err, const func_sumsq_t *ref)
{
    /* sqrt(s_e 4^k_e / (s_r 4^k_r)) = sqrt(s_e / s_r) 2^(k_e - k_r) */
    if (ref->s > 0)
        return ldexp(sqrt(err->s / ref->s), err->k - ref->k);
    return ldexp(sqrt(err->s), err->k);
}

uint64_t func_batch_clipped(const func_result_t *r, int batch)
{
    uint64_t s = 0;
    for (int i = 0; r->images > 0 && i < batch; i++)
        s += r->clipped_per_image[i % r->images];
    return s;
}

/* ------------------------------------------------------------ output */

void func_result_json(const func_result_t *r, json_w_t *w)
{
    jw_obj_begin(w, "functional");
    jw_int(w, "images", r->images);
    jw_int(w, "classes", r->classes);
    jw_num(w, "top1", r->top1);
    if (r->top5 >= 0)
        jw_num(w, "top5", r->top5);
    jw_num(w, "float_top1", r->float_top1);
    jw_num(w, "int_top1", r->int_top1);
    jw_num(w, "agreement_float", r->agreement_float);
    jw_num(w, "agreement_int", r->agreement_int);
    jw_uint(w, "adc_conversions", r->conversions);
    jw_uint(w, "adc_clipped", r->clipped);
    jw_obj_begin(w, "programming");
    jw_uint(w, "cells", r->cells_programmed);
    jw_num(w, "pulses_per_cell", r->program_pulses_per_cell);
    jw_num(w, "energy_j", r->program_energy_j);
    jw_num(w, "time_s", r->program_time_s);
    jw_num(w, "lifetime_programmings", r->lifetime_programmings);
    jw_obj_end(w);
    jw_arr_begin(w, "layers");
    for (int i = 0; i < r->n_layers; i++) {
        const func_layer_result_t *l = &r->layers[i];
        jw_obj_begin(w, NULL);
        jw_str(w, "name", l->name);
        jw_str(w, "type", l->type);
        jw_num(w, "rel_rmse", l->rel_rmse);
        jw_num(w, "rel_rmse_int", l->rel_rmse_int);
        jw_uint(w, "adc_conversions", l->conversions);
        jw_uint(w, "adc_clipped", l->clipped);
        jw_num(w, "clipped_fraction", l->clipped_fraction);
        jw_uint(w, "sense_decisions", l->sense_decisions);
        jw_uint(w, "mismatches_int", l->mismatches);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

void func_result_summary(const func_result_t *r, FILE *f)
{
    fprintf(f, "  functional     %d images: top-1 %.2f %%", r->images, 100 * r->top1);
    if (r->top5 >= 0)
        fprintf(f, ", top-5 %.2f %%", 100 * r->top5);
    fprintf(f, " (float %.2f %%, ideal integer %.2f %%)\n", 100 * r->float_top1,
            100 * r->int_top1);
    fprintf(f, "                 agreement %.2f %% with float, %.2f %% with ideal integer; "
               "%llu of %llu ADC conversions clipped\n", 100 * r->agreement_float,
            100 * r->agreement_int, (unsigned long long)r->clipped,
            (unsigned long long)r->conversions);
    fprintf(f, "  programming    %llu cells x %.3g pulses: %.4g J, %.4g s; lifetime %.3g "
               "reprogrammings\n", (unsigned long long)r->cells_programmed,
            r->program_pulses_per_cell, r->program_energy_j, r->program_time_s,
            r->lifetime_programmings);
}
