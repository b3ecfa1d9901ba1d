/* The per-layer `quant:` block: scheme names and the YAML form shared by
 * model files, ONNX metadata_props and override files (docs/model-format.md). */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "strutil.h"

static const char *const scheme_names[QUANT_SCHEME_COUNT_] = {
    "default", "uniform", "pow2", "codebook", "binary", "ternary"};

const char *quant_scheme_name(quant_scheme_t s)
{
    return (unsigned)s < QUANT_SCHEME_COUNT_ ? scheme_names[s] : NULL;
}

int quant_scheme_parse(const char *name)
{
    for (int i = 1; i < QUANT_SCHEME_COUNT_; i++)
        if (name && strcmp(name, scheme_names[i]) == 0)
            return i;
    return -1;
}

/* Keys of the block, with the schemes each one applies to. */
#define S_ALL ((1u << QUANT_UNIFORM) | (1u << QUANT_POW2) | (1u << QUANT_CODEBOOK) | \
               (1u << QUANT_BINARY) | (1u << QUANT_TERNARY))
static const struct {
    const char *name;
    unsigned bit;
    unsigned schemes;
} qkeys[] = {
    {"scheme", QG_SCHEME, S_ALL},
    {"weight_bits", QG_WBITS, S_ALL},
    {"act_bits", QG_ABITS, S_ALL},
    {"symmetric", QG_SYM, 1u << QUANT_UNIFORM},
    {"per_channel", QG_PERCH, S_ALL & ~(1u << QUANT_CODEBOOK)},
    {"log_base", QG_LOGBASE, 1u << QUANT_POW2},
    {"levels", QG_LEVELS, 1u << QUANT_CODEBOOK},
    {"act_scale", QG_ASCALE, S_ALL},
    {"act_zero_point", QG_AZERO, S_ALL},
};
#define N_QKEYS ((int)(sizeof qkeys / sizeof qkeys[0]))

static int bounded(ytree_t *t, imc_diag_t *d, const ynode_t *n, const char *what,
                   int64_t lo, int64_t hi, int *out)
{
    int64_t v;
    if (yget_int64(t, d, n, what, &v))
        return -1;
    if (v < lo || v > hi) {
        yerror(t, d, n, "'%s' is %lld (expected an integer in %lld..%lld)", what,
               (long long)v, (long long)lo, (long long)hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_levels(ytree_t *t, imc_diag_t *d, const ynode_t *v, model_t *m,
                        layer_quant_t *q)
{
    if (!ynode_is_seq(v)) /* a count: k-means finds the levels at load */
        return bounded(t, d, v, "levels", 2, 65536, &q->n_levels);
    size_t n = ynode_seq_len(v);
    if (n < 2 || n > 65536) {
        yerror(t, d, v, "'levels' has %zu entries (expected 2..65536 levels, or a count)", n);
        return -1;
    }
    double *lv = model_store_alloc(m, n * sizeof *lv);
    if (!lv) {
        yerror(t, d, v, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        ynode_t *e = ynode_seq_at(t, v, i);
        if (yget_double(t, d, e, "levels", &lv[i]))
            return -1;
        if (i > 0 && !(lv[i] > lv[i - 1])) {
            yerror(t, d, e, "level %zu (%g) is not above level %zu (%g) (expected "
                   "ascending levels)", i, lv[i], i - 1, lv[i - 1]);
            return -1;
        }
    }
    q->levels = lv;
    q->n_levels = (int)n;
    return 0;
}

/* Bits a scheme fixes (binary: 1 and 1, ternary: 2 for the weights). */
static int fixed_bits(quant_scheme_t s, int act)
{
    if (s == QUANT_BINARY)
        return 1;
    return s == QUANT_TERNARY && !act ? 2 : 0;
}

int quant_parse_yaml(ytree_t *t, imc_diag_t *d, const ynode_t *n, model_t *m,
                     quant_spec_t *out)
{
    memset(out, 0, sizeof *out);
    layer_quant_t *q = &out->q;
    if (!ynode_is_map(n)) {
        yerror(t, d, n, "'quant' is not a mapping (expected keys such as scheme, "
               "weight_bits, act_bits)");
        return -1;
    }
    /* The scheme first: it decides which other keys apply. */
    q->scheme = QUANT_UNIFORM;
    ynode_t *sn = ynode_map_get(t, n, "scheme");
    if (sn) {
        const char *s = yget_string(t, d, sn, "scheme");
        if (!s)
            return -1;
        int k = quant_scheme_parse(s);
        if (k < 0) {
            const char *best = str_closest(s, scheme_names + 1, QUANT_SCHEME_COUNT_ - 1);
            yerror(t, d, sn, "unknown quantization scheme '%s' (%s%s%s)", s,
                   best ? "did you mean '" : "expected uniform, pow2, codebook, binary or ternary",
                   best ? best : "", best ? "'?" : "");
            return -1;
        }
        q->scheme = (quant_scheme_t)k;
    }
    q->symmetric = 1;
    q->log_base = q->scheme == QUANT_POW2 ? 2 : 0;
    ynode_t *levels_node = NULL;
    int bad = 0;
    for (size_t i = 0; i < ynode_map_size(n); i++) {
        ynode_t *kn = ynode_map_key(t, n, i), *v = ynode_map_val(t, n, i);
        const char *k = ynode_scalar(kn);
        int j;
        for (j = 0; j < N_QKEYS && strcmp(k, qkeys[j].name); j++)
            ;
        if (j == N_QKEYS) {
            const char *cand[N_QKEYS];
            for (int c = 0; c < N_QKEYS; c++)
                cand[c] = qkeys[c].name;
            const char *best = str_closest(k, cand, N_QKEYS);
            if (best)
                yerror(t, d, kn, "unknown key '%s' in 'quant' (did you mean '%s'?)", k, best);
            else
                yerror(t, d, kn, "unknown key '%s' in 'quant' (expected one of: scheme, "
                       "weight_bits, act_bits, symmetric, per_channel, log_base, levels, "
                       "act_scale, act_zero_point)", k);
            bad = 1;
            continue;
        }
        if (!(qkeys[j].schemes & (1u << q->scheme))) {
            yerror(t, d, kn, "'%s' does not apply to the %s scheme (expected it only with "
                   "%s)", k, scheme_names[q->scheme],
                   qkeys[j].bit == QG_SYM ? "scheme: uniform"
                   : qkeys[j].bit == QG_LOGBASE ? "scheme: pow2"
                   : qkeys[j].bit == QG_LEVELS ? "scheme: codebook"
                                               : "a scheme with scales");
            bad = 1;
            continue;
        }
        out->given |= qkeys[j].bit;
        int rc = 0;
        switch (qkeys[j].bit) {
        case QG_SCHEME: break;
        case QG_WBITS:
            rc = bounded(t, d, v, "weight_bits", 1, 32, &q->weight_bits);
            out->wbits_node = v;
            break;
        case QG_ABITS:
            rc = bounded(t, d, v, "act_bits", 1, 32, &q->act_bits);
            out->abits_node = v;
            break;
        case QG_SYM: rc = yget_bool(t, d, v, "symmetric", &q->symmetric); break;
        case QG_PERCH: rc = yget_bool(t, d, v, "per_channel", &q->per_channel); break;
        case QG_LOGBASE:
            rc = bounded(t, d, v, "log_base", 2, 4, &q->log_base);
            if (!rc && q->log_base == 3) {
                yerror(t, d, v, "'log_base' is 3 (expected 2 or 4)");
                rc = -1;
            }
            break;
        case QG_LEVELS:
            levels_node = v;
            rc = parse_levels(t, d, v, m, q);
            break;
        case QG_ASCALE:
            rc = yget_double(t, d, v, "act_scale", &q->a_scale);
            if (!rc && !(q->a_scale > 0)) {
                yerror(t, d, v, "'act_scale' is %g (expected a positive number)", q->a_scale);
                rc = -1;
            }
            q->has_a_scale = 1;
            break;
        case QG_AZERO: {
            int64_t z;
            rc = yget_int64(t, d, v, "act_zero_point", &z);
            if (!rc && (z < -2147483647LL || z > 2147483647LL)) {
                yerror(t, d, v, "'act_zero_point' is %lld (expected a 32-bit integer)",
                       (long long)z);
                rc = -1;
            }
            q->a_zero = (int32_t)z;
            break;
        }
        }
        if (rc)
            bad = 1;
    }
    if (bad)
        return -1;
    /* Combinations. */
    for (int act = 0; act < 2; act++) {
        int fb = fixed_bits(q->scheme, act), *bits = act ? &q->act_bits : &q->weight_bits;
        if (!fb)
            continue;
        if (*bits && *bits != fb) {
            yerror(t, d, act ? out->abits_node : out->wbits_node, "'%s' is %d but the %s "
                   "scheme has %d-bit %s (expected %d or no '%s')",
                   act ? "act_bits" : "weight_bits", *bits, scheme_names[q->scheme], fb,
                   act ? "activations" : "weights", fb, act ? "act_bits" : "weight_bits");
            return -1;
        }
        *bits = fb;
        out->given |= act ? QG_ABITS : QG_WBITS;
    }
    if (q->scheme == QUANT_POW2 && q->weight_bits == 1) {
        yerror(t, d, out->wbits_node, "'weight_bits' is 1 but a pow2 weight needs a sign "
               "bit and an exponent (expected at least 2)");
        return -1;
    }
    /* a pow2 code of b bits is stored in about 2^(b-1) bits (quant_storage_bits):
     * 16 gives 32768, already wider than any crossbar takes */
    if (q->scheme == QUANT_POW2 && q->weight_bits > 16) {
        yerror(t, d, out->wbits_node, "'weight_bits' is %d but a pow2 weight of b bits is "
               "stored in about 2^(b-1) bits (expected at most 16)", q->weight_bits);
        return -1;
    }
    if (q->scheme == QUANT_CODEBOOK && q->n_levels && q->weight_bits &&
        q->weight_bits < 31 && q->n_levels > (1 << q->weight_bits)) {
        yerror(t, d, levels_node, "%d levels do not fit %d-bit weights (expected at most %d)",
               q->n_levels, q->weight_bits, 1 << q->weight_bits);
        return -1;
    }
    if ((out->given & QG_AZERO) && !(out->given & QG_ASCALE)) {
        yerror(t, d, n, "'act_zero_point' without 'act_scale' (expected both or neither)");
        return -1;
    }
    return 0;
}

void quant_apply(layer_quant_t *q, const quant_spec_t *s)
{
    const layer_quant_t *f = &s->q;
    if (s->given & QG_SCHEME && f->scheme != q->scheme) {
        /* A new scheme starts from its own defaults, keeping the scales. */
        q->scheme = f->scheme;
        q->symmetric = f->symmetric;
        q->log_base = f->log_base;
        q->n_levels = f->n_levels;
        q->levels = f->levels;
    }
    if (q->scheme == QUANT_DEFAULT)
        q->scheme = f->scheme, q->symmetric = f->symmetric, q->log_base = f->log_base;
    if (s->given & QG_WBITS)
        q->weight_bits = f->weight_bits;
    if (s->given & QG_ABITS)
        q->act_bits = f->act_bits;
    if (s->given & QG_SYM)
        q->symmetric = f->symmetric;
    if (s->given & QG_PERCH)
        q->per_channel = f->per_channel;
    if (s->given & QG_LOGBASE)
        q->log_base = f->log_base;
    if (s->given & QG_LEVELS)
        q->n_levels = f->n_levels, q->levels = f->levels;
    if (s->given & QG_ASCALE)
        q->has_a_scale = 1, q->a_scale = f->a_scale, q->a_zero = 0;
    if (s->given & QG_AZERO)
        q->a_zero = f->a_zero;
    if (s->given & QG_WSCALE)
        q->n_w_scale = f->n_w_scale, q->w_scale = f->w_scale, q->w_zero = f->w_zero;
}
