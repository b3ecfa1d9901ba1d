/* A model written back in the YAML format (docs/model-format.md): what
 * `imcsim import` makes of an ONNX file. Loading the text again gives the
 * same layers, quantization, hash and weights (referenced, not copied). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_internal.h"
#include "onnx_internal.h"
#include "weights.h"

/* A YAML double-quoted string. */
static void quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(f, "\\x%02x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static int has_bn_refs(const wspec_t *s)
{
    return s && s->bn_scale;
}

/* The entry name a consumer of layer i reads: after a written-out
 * batchnorm and activation (only with weight references), the last of them. */
static void ref_name(const model_t *m, int i, int refs, char *out, size_t n)
{
    const layer_t *L = &m->layers[i];
    if (refs && has_bn_refs(model_layer_wspec(m, i)))
        snprintf(out, n, L->act != ACT_NONE ? "~act%d" : "~bn%d", i);
    else
        snprintf(out, n, "%s", L->name);
}

static const char *type_of(const layer_t *L)
{
    switch (L->kind) {
    case LAYER_GLOBALPOOL: return L->pool_avg ? "global_avgpool" : "global_maxpool";
    default: return layer_kind_name(L->kind);
    }
}

static void act_keys(FILE *f, const layer_t *L, const char *key)
{
    if (L->act == ACT_RELU && L->act_max == 6)
        fprintf(f, ", %s: relu6", key);
    else if (L->act != ACT_NONE || L->kind == LAYER_ACT)
        fprintf(f, ", %s: %s", key, act_kind_name(L->act));
    if (L->act_max > 0 && L->act_max != 6)
        fprintf(f, ", act_max: %.17g", L->act_max);
}

static void quant_block(FILE *f, const layer_quant_t *q)
{
    fprintf(f, ",\n     quant: {scheme: %s", quant_scheme_name(q->scheme));
    if (q->weight_bits && q->scheme != QUANT_BINARY && q->scheme != QUANT_TERNARY)
        fprintf(f, ", weight_bits: %d", q->weight_bits);
    if (q->act_bits && q->scheme != QUANT_BINARY)
        fprintf(f, ", act_bits: %d", q->act_bits);
    if (q->scheme == QUANT_UNIFORM)
        fprintf(f, ", symmetric: %s", q->symmetric ? "true" : "false");
    if (q->scheme != QUANT_CODEBOOK)
        fprintf(f, ", per_channel: %s", q->per_channel ? "true" : "false");
    if (q->scheme == QUANT_POW2)
        fprintf(f, ", log_base: %d", q->log_base);
    if (q->scheme == QUANT_CODEBOOK && q->levels) {
        fprintf(f, ", levels: [");
        for (int i = 0; i < q->n_levels; i++)
            fprintf(f, "%s%.17g", i ? ", " : "", q->levels[i]);
        fprintf(f, "]");
    } else if (q->scheme == QUANT_CODEBOOK && q->n_levels) {
        fprintf(f, ", levels: %d", q->n_levels);
    }
    if (q->has_a_scale)
        fprintf(f, ", act_scale: %.17g, act_zero_point: %d", q->a_scale, (int)q->a_zero);
    fprintf(f, "}");
}

/* A tensor by name, or in place when the graph computed it (its values are
 * then small: folded constants, at most a few thousand). */
static int tensor_key(FILE *f, const model_t *m, const char *key, const onnx_tensor_t *t,
                      int *first)
{
    if (!t)
        return 0;
    fprintf(f, "%s%s: ", *first ? "" : ", ", key);
    *first = 0;
    if (!t->derived) {
        quoted(f, t->name);
        return 0;
    }
    float *v = t->n <= (1 << 20) ? malloc(sizeof *v * (size_t)(t->n ? t->n : 1)) : NULL;
    imc_diag_t d;
    diag_init(&d);
    int rc = v && !model_weights_read(m, t, v, &d) ? 0 : -1;
    diag_free(&d);
    if (!rc) {
        if (t->rank)
            fputc('[', f);
        for (int64_t i = 0; i < t->n; i++)
            fprintf(f, "%s%.9g", i ? ", " : "", v[i]);
        if (t->rank)
            fputc(']', f);
    }
    free(v);
    return rc;
}

static int weight_refs(FILE *f, const model_t *m, const layer_t *L, const wspec_t *s)
{
    int first = 1;
    fprintf(f, ",\n     weights: {");
    if (tensor_key(f, m, "tensor", s->w, &first) || tensor_key(f, m, "recurrent", s->r, &first) ||
        tensor_key(f, m, "bias", s->b, &first) || tensor_key(f, m, "scale", s->w_scale, &first) ||
        tensor_key(f, m, "zero_point", s->w_zero, &first) ||
        tensor_key(f, m, "bias_scale", s->b_scale_t, &first) ||
        tensor_key(f, m, "bias_zero_point", s->b_zero, &first))
        return -1;
    if (s->w_scale && s->q_axis)
        fprintf(f, ", axis: %d", s->q_axis);
    if (s->fake_quant)
        fprintf(f, ", fake_quant: true");
    if (s->b_scale > 0)
        fprintf(f, ", bias_int32: true");
    if (L->kind == LAYER_LINEAR) {
        if (s->transpose)
            fprintf(f, ", transpose: true");
        if (s->alpha != 1)
            fprintf(f, ", alpha: %.17g", s->alpha);
        if (s->beta != 1)
            fprintf(f, ", beta: %.17g", s->beta);
    }
    if (s->out_mul != 1 && s->out_mul != 0)
        fprintf(f, ", output_scale: %.17g", s->out_mul);
    fprintf(f, "}");
    return 0;
}

int model_write_yaml(const model_t *m, FILE *f, const char *weights_ref, const char *source)
{
    if (source)
        fprintf(f, "# Imported from %s by imcsim import (docs/model-format.md).\n", source);
    fprintf(f, "name: ");
    quoted(f, m->name);
    fprintf(f, "\n");
    if (m->in_h == 1 && m->in_w == 1)
        fprintf(f, "input: {features: %d}\n", m->in_c);
    else
        fprintf(f, "input: {height: %d, width: %d, channels: %d}\n", m->in_h, m->in_w, m->in_c);
    if (weights_ref && model_has_weights(m)) {
        fprintf(f, "weights: ");
        quoted(f, weights_ref);
        fprintf(f, "   # tensors are named per layer; the values stay in that file\n");
    }
    fprintf(f, "layers:\n");
    for (int i = 0; i < m->n_layers; i++) {
        const layer_t *L = &m->layers[i];
        const wspec_t *s = weights_ref ? model_layer_wspec(m, i) : NULL;
        int bn = has_bn_refs(s);
        char nm[MODEL_NAME_MAX + 16];
        fprintf(f, "  - {name: ");
        quoted(f, L->name);
        fprintf(f, ", type: %s, inputs: [", type_of(L));
        for (int k = 0; k < L->n_inputs; k++) {
            if (L->inputs[k] < 0) {
                fprintf(f, "%sinput", k ? ", " : "");
                continue;
            }
            ref_name(m, L->inputs[k], weights_ref != NULL, nm, sizeof nm);
            fprintf(f, "%s", k ? ", " : "");
            quoted(f, nm);
        }
        fprintf(f, "]");
        switch (L->kind) {
        case LAYER_CONV:
            fprintf(f, ", out_channels: %d", L->out_c);
            if (L->kx == L->ky)
                fprintf(f, ", kernel: %d", L->kx);
            else
                fprintf(f, ", kernel: [%d, %d]", L->ky, L->kx);
            fprintf(f, ", stride: %d, padding: %d", L->stride, L->pad);
            if (L->groups > 1)
                fprintf(f, ", groups: %d", L->groups);
            break;
        case LAYER_LINEAR: fprintf(f, ", out_features: %d", L->out_c); break;
        case LAYER_MAXPOOL:
        case LAYER_AVGPOOL:
            if (L->kx == L->ky)
                fprintf(f, ", kernel: %d", L->kx);
            else
                fprintf(f, ", kernel: [%d, %d]", L->ky, L->kx);
            fprintf(f, ", stride: %d, padding: %d", L->stride, L->pad);
            break;
        case LAYER_LSTM: fprintf(f, ", hidden: %d, steps: %d", L->lstm_hidden, L->lstm_steps); break;
        default: break;
        }
        if (L->kind == LAYER_ACT)
            act_keys(f, L, "function");
        else if (!bn && (L->kind == LAYER_CONV || L->kind == LAYER_LINEAR || L->kind == LAYER_ADD))
            act_keys(f, L, "activation");
        if (L->weight_bits)
            fprintf(f, ", weight_bits: %d", L->weight_bits);
        if (L->act_bits)
            fprintf(f, ", act_bits: %d", L->act_bits);
        if (L->quant.scheme != QUANT_DEFAULT)
            quant_block(f, &L->quant);
        if (s && s->w && weight_refs(f, m, L, s))
            return -1;
        fprintf(f, "}\n");
        if (bn) { /* the batchnorm the layer folds, and then its activation */
            fprintf(f, "  - {name: \"~bn%d\", type: batchnorm, weights: {", i);
            int first = 1;
            if (tensor_key(f, m, "scale", s->bn_scale, &first) ||
                tensor_key(f, m, "bias", s->bn_bias, &first) ||
                tensor_key(f, m, "mean", s->bn_mean, &first) ||
                tensor_key(f, m, "var", s->bn_var, &first))
                return -1;
            fprintf(f, ", epsilon: %.17g}}\n", s->bn_eps);
            if (L->act != ACT_NONE) {
                fprintf(f, "  - {name: \"~act%d\", type: activation", i);
                act_keys(f, L, "function");
                fprintf(f, "}\n");
            }
        }
    }
    return ferror(f) ? -1 : 0;
}
