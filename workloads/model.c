/* The YAML model loader: parse the layers, resolve their inputs by name,
 * order them topologically, infer shapes (reporting mismatches at the layer),
 * then fold batchnorms and fuse activations into their producers.
 * docs/model-format.md is the user-facing description of what is accepted. */
#include "model.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "intheap.h"
#include "model_internal.h"
#include "onnx_internal.h"
#include "strmap.h"
#include "strutil.h"
#include "weights.h"
#include "ytree.h"

/* Keys, as bits, so each type lists what it accepts. */
enum {
    K_NAME = 1 << 0, K_TYPE = 1 << 1, K_INPUTS = 1 << 2, K_OUTC = 1 << 3,
    K_INC = 1 << 4, K_KERNEL = 1 << 5, K_STRIDE = 1 << 6, K_PAD = 1 << 7,
    K_GROUPS = 1 << 8, K_OUTF = 1 << 9, K_INF = 1 << 10, K_ACTIV = 1 << 11,
    K_FUNC = 1 << 12, K_HIDDEN = 1 << 13, K_STEPS = 1 << 14, K_LAYERS = 1 << 15,
    K_INSIZE = 1 << 16, K_WBITS = 1 << 17, K_ABITS = 1 << 18, K_QUANT = 1 << 19,
    K_ACTMAX = 1 << 20, K_WEIGHTS = 1 << 21, K_NKEYS = 22
};
static const char *const key_names[K_NKEYS] = {
    "name", "type", "inputs", "out_channels", "in_channels", "kernel", "stride",
    "padding", "groups", "out_features", "in_features", "activation", "function",
    "hidden", "steps", "layers", "input_size", "weight_bits", "act_bits", "quant", "act_max", "weights"};

#define K_COMMON (K_NAME | K_TYPE | K_INPUTS)
#define K_PREC (K_WBITS | K_ABITS | K_QUANT | K_WEIGHTS)

static const struct {
    const char *name;
    int kind;
    act_kind_t act;
    unsigned keys;
} types[] = {
    {"conv2d", RK_CONV, ACT_NONE, K_COMMON | K_OUTC | K_INC | K_KERNEL | K_STRIDE | K_PAD | K_GROUPS | K_ACTIV | K_ACTMAX | K_PREC},
    {"linear", RK_LINEAR, ACT_NONE, K_COMMON | K_OUTF | K_INF | K_ACTIV | K_ACTMAX | K_PREC},
    {"maxpool", RK_MAXPOOL, ACT_NONE, K_COMMON | K_KERNEL | K_STRIDE | K_PAD | K_ABITS},
    {"avgpool", RK_AVGPOOL, ACT_NONE, K_COMMON | K_KERNEL | K_STRIDE | K_PAD | K_ABITS},
    {"global_maxpool", RK_GMAXPOOL, ACT_NONE, K_COMMON | K_ABITS},
    {"global_avgpool", RK_GAVGPOOL, ACT_NONE, K_COMMON | K_ABITS},
    {"add", RK_ADD, ACT_NONE, K_COMMON | K_ACTIV | K_ACTMAX | K_ABITS},
    {"concat", RK_CONCAT, ACT_NONE, K_COMMON | K_ABITS},
    {"flatten", RK_FLATTEN, ACT_NONE, K_COMMON | K_ABITS},
    {"activation", RK_ACT, ACT_NONE, K_COMMON | K_FUNC | K_ACTMAX | K_ABITS},
    {"relu", RK_ACT, ACT_RELU, K_COMMON | K_ACTMAX | K_ABITS},
    {"relu6", RK_ACT, ACT_RELU, K_COMMON | K_ABITS},
    {"sigmoid", RK_ACT, ACT_SIGMOID, K_COMMON | K_ABITS},
    {"tanh", RK_ACT, ACT_TANH, K_COMMON | K_ABITS},
    {"batchnorm", RK_BN, ACT_NONE, K_COMMON | K_WEIGHTS},
    {"lstm", RK_LSTM, ACT_NONE, K_COMMON | K_HIDDEN | K_STEPS | K_LAYERS | K_INSIZE | K_PREC},
};
#define N_TYPES (sizeof types / sizeof types[0])

#define MAX_VALUES (1 << 30)    /* values of one layer's output */
#define MAX_WEIGHTS 68719476736.0 /* 2^36 per layer */
#define MAX_MACS 1.152921504606846976e18 /* 2^60 per layer */

typedef struct ctx {
    ytree_t *t;
    imc_diag_t *d;
    raw_t *r;
    int n;
    int in_h, in_w, in_c;
    int64_t def_wbits, def_abits;
    model_t *m;                    /* the model being built (owns the arrays) */
    const char *file;              /* for messages when there is no tree (ONNX) */
    ynode_t *weights_node;         /* the model's `weights:` file */
} ctx_t;

/* An error about layer r: at the value of `key` (or the layer) in a YAML
 * file; after the layer's origin ("node 'x' (Conv)") for other front ends. */
static void rerror(ctx_t *x, const raw_t *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void rerror(ctx_t *x, const raw_t *r, const char *key, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (x->t) {
        const ynode_t *at = key && r->node ? ynode_map_get(x->t, r->node, key) : NULL;
        yerror(x->t, x->d, at ? at : r->node, "%s", msg);
    } else {
        diag_error(x->d, x->file, 0, 0, "%s: %s", r->origin ? r->origin : r->name, msg);
    }
}

static int get_int(ctx_t *x, const ynode_t *n, const char *what, int64_t lo,
                   int64_t hi, int64_t *out)
{
    if (yget_int64(x->t, x->d, n, what, out))
        return -1;
    if (*out < lo || *out > hi) {
        yerror(x->t, x->d, n, "'%s' is %lld (expected an integer in %lld..%lld)",
               what, (long long)*out, (long long)lo, (long long)hi);
        return -1;
    }
    return 0;
}

/* Bounds of a layer's integer keys: the YAML parser checks them as it reads,
 * model_build_layers what other front ends produced, so any model can be
 * written as YAML. */
enum {
    B_OUTC, B_INC, B_KERNEL, B_KERNEL_Y, B_STRIDE, B_PAD, B_GROUPS, B_OUTF, B_INF, B_HIDDEN,
    B_STEPS, B_LAYERS, B_INSIZE, B_WBITS, B_ABITS, B_COUNT
};
static const struct {
    const char *key;
    int64_t lo, hi;
    size_t off;
} bounds[B_COUNT] = {
    [B_OUTC] = {"out_channels", 1, 1 << 20, offsetof(raw_t, outc)},
    [B_INC] = {"in_channels", 1, 1 << 20, offsetof(raw_t, inc)},
    [B_KERNEL] = {"kernel", 1, 4096, offsetof(raw_t, kx)},
    [B_KERNEL_Y] = {"kernel", 1, 4096, offsetof(raw_t, ky)},
    [B_STRIDE] = {"stride", 1, 4096, offsetof(raw_t, stride)},
    [B_PAD] = {"padding", 0, 4096, offsetof(raw_t, pad)},
    [B_GROUPS] = {"groups", 1, 1 << 20, offsetof(raw_t, groups)},
    [B_OUTF] = {"out_features", 1, 1 << 24, offsetof(raw_t, outf)},
    [B_INF] = {"in_features", 1, 1 << 30, offsetof(raw_t, inf)},
    [B_HIDDEN] = {"hidden", 1, 1 << 16, offsetof(raw_t, hidden)},
    [B_STEPS] = {"steps", 1, 1 << 20, offsetof(raw_t, steps)},
    [B_LAYERS] = {"layers", 1, 64, offsetof(raw_t, nlayers)},
    [B_INSIZE] = {"input_size", 1, 1 << 24, offsetof(raw_t, insize)},
    [B_WBITS] = {"weight_bits", 1, 32, offsetof(raw_t, wbits)},
    [B_ABITS] = {"act_bits", 1, 32, offsetof(raw_t, abits)},
};

static int64_t *bound_field(raw_t *r, int b)
{
    return (int64_t *)(void *)((char *)r + bounds[b].off);
}

static int get_bounded(ctx_t *x, const ynode_t *v, int b, raw_t *r)
{
    return get_int(x, v, bounds[b].key, bounds[b].lo, bounds[b].hi, bound_field(r, b));
}

static int find_type(const char *s)
{
    for (size_t i = 0; i < N_TYPES; i++)
        if (strcmp(types[i].name, s) == 0)
            return (int)i;
    return -1;
}

int model_raw_type(const char *type_name, int *kind)
{
    int t = find_type(type_name);
    if (t >= 0)
        *kind = types[t].kind;
    return t;
}

static void unknown_key(ctx_t *x, const ynode_t *k, const char *key,
                        unsigned allowed, const char *where)
{
    const char *cand[K_NKEYS];
    size_t nc = 0;
    for (int i = 0; i < K_NKEYS; i++)
        if (allowed & (1u << i))
            cand[nc++] = key_names[i];
    const char *best = str_closest(key, cand, nc);
    char list[512] = "";
    for (size_t i = 0; i < nc; i++) {
        strncat(list, cand[i], sizeof list - strlen(list) - 1);
        if (i + 1 < nc)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
    }
    if (best)
        yerror(x->t, x->d, k, "unknown key '%s' in %s (did you mean '%s'?)", key,
               where, best);
    else
        yerror(x->t, x->d, k, "unknown key '%s' in %s (expected one of: %s)", key,
               where, list);
}

static int parse_kernel(ctx_t *x, const ynode_t *v, raw_t *r)
{
    if (ynode_is_seq(v)) {
        int64_t k[2];
        if (ynode_seq_len(v) != 2) {
            yerror(x->t, x->d, v, "'kernel' has %zu entries (expected K or [Kh, Kw])",
                   ynode_seq_len(v));
            return -1;
        }
        for (int i = 0; i < 2; i++)
            if (get_int(x, ynode_seq_at(x->t, v, (size_t)i), "kernel", bounds[B_KERNEL].lo,
                        bounds[B_KERNEL].hi, &k[i]))
                return -1;
        r->ky = k[0];
        r->kx = k[1];
        return 0;
    }
    if (get_int(x, v, "kernel", bounds[B_KERNEL].lo, bounds[B_KERNEL].hi, &r->kx))
        return -1;
    r->ky = r->kx;
    return 0;
}

static int parse_act(ctx_t *x, const ynode_t *v, const char *what, raw_t *r)
{
    const char *s = yget_string(x->t, x->d, v, what);
    if (!s)
        return -1;
    const char *const *names = act_kind_names();
    for (int i = 0; i < ACT_KIND_COUNT_; i++)
        if (strcmp(s, names[i]) == 0) {
            r->act = (act_kind_t)i;
            return 0;
        }
    if (strcmp(s, "relu6") == 0) { /* MobileNet's ReLU clipped at 6 */
        r->act = ACT_RELU;
        r->act_max = 6;
        return 0;
    }
    const char *cand[ACT_KIND_COUNT_ + 1];
    for (int i = 0; i < ACT_KIND_COUNT_; i++)
        cand[i] = names[i];
    cand[ACT_KIND_COUNT_] = "relu6";
    const char *best = str_closest(s, cand, ACT_KIND_COUNT_ + 1);
    if (best)
        yerror(x->t, x->d, v, "unknown activation '%s' (did you mean '%s'?)", s, best);
    else
        yerror(x->t, x->d, v, "unknown activation '%s' (expected relu, relu6, sigmoid, "
               "tanh or none)", s);
    return -1;
}

/* A layer's own weight_bits/act_bits and those of its quant block must agree. */
static int quant_conflict(ctx_t *x, const raw_t *r)
{
    const layer_quant_t *q = &r->qs.q;
    for (int act = 0; act < 2; act++) {
        int64_t own = act ? r->abits : r->wbits;
        int qb = act ? q->act_bits : q->weight_bits;
        const char *key = act ? "act_bits" : "weight_bits";
        if (own && (r->qs.given & (act ? QG_ABITS : QG_WBITS)) && own != qb) {
            const ynode_t *at = act ? r->qs.abits_node : r->qs.wbits_node;
            yerror(x->t, x->d, at ? at : r->qnode, "'%s' in 'quant' is %d but the layer's "
                   "%s is %lld (expected equal values, or one of the two)", key, qb, key,
                   (long long)own);
            return -1;
        }
    }
    return 0;
}

/* One layer entry: keys and values only; names and shapes come later. */
static int parse_layer(ctx_t *x, ynode_t *ln, int idx, raw_t *r)
{
    memset(r, 0, sizeof *r);
    r->node = ln;
    r->stride = 0;
    r->groups = 1;
    r->nlayers = 1;
    r->target = -2;
    r->wspec = -1;
    if (!ynode_is_map(ln)) {
        yerror(x->t, x->d, ln, "layer %d is not a mapping (expected keys such as "
               "'name' and 'type')", idx);
        return -1;
    }
    ynode_t *tn = ynode_map_get(x->t, ln, "type");
    if (!tn) {
        yerror(x->t, x->d, ln, "layer %d has no 'type' (expected conv2d, linear, "
               "maxpool, avgpool, global_avgpool, add, concat, flatten, relu, "
               "batchnorm, lstm, ...)", idx);
        return -1;
    }
    const char *ts = yget_string(x->t, x->d, tn, "type");
    if (!ts)
        return -1;
    r->type = find_type(ts);
    if (r->type < 0) {
        const char *cand[N_TYPES];
        for (size_t i = 0; i < N_TYPES; i++)
            cand[i] = types[i].name;
        const char *best = str_closest(ts, cand, N_TYPES);
        if (best)
            yerror(x->t, x->d, tn, "unknown layer type '%s' (did you mean '%s'?)", ts, best);
        else
            yerror(x->t, x->d, tn, "unknown layer type '%s' (expected conv2d, linear, "
                   "maxpool, avgpool, global_maxpool, global_avgpool, add, concat, "
                   "flatten, activation, relu, relu6, sigmoid, tanh, batchnorm or lstm)", ts);
        return -1;
    }
    r->kind = types[r->type].kind;
    r->act = types[r->type].act;
    r->act_max = strcmp(ts, "relu6") ? 0 : 6;
    snprintf(r->name, sizeof r->name, "layer%d", idx);
    unsigned allowed = types[r->type].keys, seen = 0;
    char where[64];
    snprintf(where, sizeof where, "a %s layer", ts);
    int bad = 0;
    size_t nk = ynode_map_size(ln);
    for (size_t i = 0; i < nk; i++) {
        ynode_t *kn = ynode_map_key(x->t, ln, i), *v = ynode_map_val(x->t, ln, i);
        const char *k = ynode_scalar(kn);
        int kb = -1;
        for (int j = 0; j < K_NKEYS; j++)
            if (strcmp(k, key_names[j]) == 0)
                kb = j;
        if (kb < 0 || !(allowed & (1u << kb))) {
            unknown_key(x, kn, k, allowed, where);
            bad = 1;
            continue;
        }
        seen |= 1u << kb;
        int rc = 0;
        switch (1u << kb) {
        case K_NAME: {
            const char *s = yget_string(x->t, x->d, v, "name");
            if (!s)
                rc = -1;
            else if (!*s || strlen(s) >= MODEL_NAME_MAX || strcmp(s, "input") == 0) {
                yerror(x->t, x->d, v, "layer name '%s' is not usable (expected 1..%d "
                       "characters, not 'input')", s, MODEL_NAME_MAX - 1);
                rc = -1;
            } else
                snprintf(r->name, sizeof r->name, "%s", s);
            break;
        }
        case K_TYPE: break;
        case K_INPUTS:
            r->inputs_node = v;
            if (ynode_is_seq(v)) {
                size_t ni = ynode_seq_len(v);
                if (ni < 1 || ni > LAYER_MAX_INPUTS) {
                    yerror(x->t, x->d, v, "'inputs' has %zu names (expected 1..%d)",
                           ni, LAYER_MAX_INPUTS);
                    rc = -1;
                    break;
                }
                r->n_in = (int)ni;
                for (size_t j = 0; j < ni; j++)
                    r->in_nodes[j] = ynode_seq_at(x->t, v, j);
            } else {
                r->n_in = 1;
                r->in_nodes[0] = v;
            }
            for (int j = 0; j < r->n_in && !rc; j++)
                if (!yget_string(x->t, x->d, r->in_nodes[j], "inputs"))
                    rc = -1;
            break;
        case K_OUTC: rc = get_bounded(x, v, B_OUTC, r); break;
        case K_INC: rc = get_bounded(x, v, B_INC, r); break;
        case K_KERNEL: rc = parse_kernel(x, v, r); break;
        case K_STRIDE: rc = get_bounded(x, v, B_STRIDE, r); break;
        case K_PAD: rc = get_bounded(x, v, B_PAD, r); break;
        case K_GROUPS: rc = get_bounded(x, v, B_GROUPS, r); break;
        case K_OUTF: rc = get_bounded(x, v, B_OUTF, r); break;
        case K_INF: rc = get_bounded(x, v, B_INF, r); break;
        case K_ACTIV: rc = parse_act(x, v, "activation", r); break;
        case K_FUNC: rc = parse_act(x, v, "function", r); break;
        case K_ACTMAX:
            r->act_max_node = v;
            break;
        case K_WEIGHTS:
            r->wnode = v;
            break;
        case K_HIDDEN: rc = get_bounded(x, v, B_HIDDEN, r); break;
        case K_STEPS: rc = get_bounded(x, v, B_STEPS, r); break;
        case K_LAYERS: rc = get_bounded(x, v, B_LAYERS, r); break;
        case K_INSIZE: rc = get_bounded(x, v, B_INSIZE, r); break;
        case K_WBITS: rc = get_bounded(x, v, B_WBITS, r); break;
        case K_ABITS: rc = get_bounded(x, v, B_ABITS, r); break;
        case K_QUANT:
            r->qnode = v;
            r->has_quant = 1;
            rc = quant_parse_yaml(x->t, x->d, v, x->m, &r->qs);
            break;
        }
        if (rc)
            bad = 1;
    }
    if (bad)
        return -1;
    if (r->qnode && quant_conflict(x, r))
        return -1;
    if (r->act_max_node) { /* after the activation, in whichever order the keys came */
        double mx;
        if (yget_double(x->t, x->d, r->act_max_node, "act_max", &mx))
            return -1;
        if (!(mx > 0) || r->act != ACT_RELU) {
            yerror(x->t, x->d, r->act_max_node, "'act_max' is %g on a %s activation "
                   "(expected a positive bound on a relu)", mx, act_kind_name(r->act));
            return -1;
        }
        r->act_max = mx;
    }
    unsigned need = 0;
    if (r->kind == RK_CONV)
        need = K_OUTC | K_KERNEL;
    else if (r->kind == RK_LINEAR)
        need = K_OUTF;
    else if (r->kind == RK_MAXPOOL || r->kind == RK_AVGPOOL)
        need = K_KERNEL;
    else if (r->kind == RK_LSTM)
        need = K_HIDDEN | K_STEPS;
    else if (r->kind == RK_ACT && types[r->type].act == ACT_NONE)
        need = K_FUNC;
    for (int j = 0; j < K_NKEYS; j++)
        if ((need & (1u << j)) && !(seen & (1u << j))) {
            yerror(x->t, x->d, ln, "%s layer '%s' has no '%s' (expected it to be set)",
                   ts, r->name, key_names[j]);
            bad = 1;
        }
    if ((r->kind == RK_ADD || r->kind == RK_CONCAT) && r->n_in < 2 && !bad) {
        yerror(x->t, x->d, r->inputs_node ? r->inputs_node : ln,
               "%s layer '%s' has %d input (expected 'inputs' with 2..%d names)", ts,
               r->name, r->n_in, LAYER_MAX_INPUTS);
        bad = 1;
    }
    if (!(r->kind == RK_ADD || r->kind == RK_CONCAT) && r->n_in > 1 && !bad) {
        yerror(x->t, x->d, r->inputs_node, "%s layer '%s' has %d inputs (expected one)",
               ts, r->name, r->n_in);
        bad = 1;
    }
    if (r->stride == 0)
        r->stride = (r->kind == RK_MAXPOOL || r->kind == RK_AVGPOOL) ? r->kx : 1;
    return bad ? -1 : 0;
}

/* Names are looked up in a map, so loading stays linear in the layers. */
static int resolve_inputs(ctx_t *x)
{
    strmap_t names;
    if (strmap_init(&names, (size_t)x->n))
        return -1;
    int bad = 0;
    for (int i = 0; i < x->n; i++) {
        raw_t *r = &x->r[i];
        int first = strmap_put(&names, r->name, i);
        if (first == -2) {
            strmap_free(&names);
            return -1;
        }
        if (first >= 0) {
            ynode_t *nn = ynode_map_get(x->t, r->node, "name");
            yerror(x->t, x->d, nn ? nn : r->node, "duplicate layer name '%s' "
                   "(first used at line %d; expected unique names)", r->name,
                   ynode_line(x->r[first].node));
            bad = 1;
        }
    }
    for (int i = 0; i < x->n; i++) {
        raw_t *r = &x->r[i];
        if (r->n_in == 0) {
            r->n_in = 1;
            r->in[0] = i == 0 ? LAYER_INPUT_NETWORK : i - 1;
            continue;
        }
        for (int k = 0; k < r->n_in; k++) {
            const char *s = ynode_scalar(r->in_nodes[k]);
            if (strcmp(s, "input") == 0) {
                r->in[k] = LAYER_INPUT_NETWORK;
                continue;
            }
            r->in[k] = strmap_get(&names, s);
            if (r->in[k] < 0) {
                const char **cand = malloc(sizeof *cand * (size_t)(x->n + 1));
                if (!cand) {
                    strmap_free(&names);
                    return -1;
                }
                for (int j = 0; j < x->n; j++)
                    cand[j] = x->r[j].name;
                cand[x->n] = "input";
                const char *best = str_closest(s, cand, (size_t)x->n + 1);
                if (best)
                    yerror(x->t, x->d, r->in_nodes[k], "unknown input '%s' of layer "
                           "'%s' (did you mean '%s'?)", s, r->name, best);
                else
                    yerror(x->t, x->d, r->in_nodes[k], "unknown input '%s' of layer "
                           "'%s' (expected a layer name or 'input')", s, r->name);
                free(cand);
                bad = 1;
            } else if (r->in[k] == i) {
                yerror(x->t, x->d, r->in_nodes[k], "layer '%s' takes its own output as "
                       "input (expected an earlier layer)", r->name);
                bad = 1;
            }
        }
    }
    strmap_free(&names);
    return bad ? -1 : 0;
}

/* Kahn's algorithm, lowest file position first, so the order is the file's
 * wherever the file is already ordered. O(n log n) with the consumers of
 * each layer listed once (CSR). */
static int topo_sort(ctx_t *x, int *order)
{
    size_t n = (size_t)x->n;
    int *indeg = calloc(n, sizeof *indeg), *start = calloc(n + 1, sizeof *start);
    int *cons = malloc((n * LAYER_MAX_INPUTS + 1) * sizeof *cons);
    int *heap = malloc((n + 1) * sizeof *heap), *fill = calloc(n + 1, sizeof *fill);
    int rc = -1;
    if (!indeg || !start || !cons || !heap || !fill)
        goto done;
    for (int i = 0; i < x->n; i++)
        for (int k = 0; k < x->r[i].n_in; k++)
            if (x->r[i].in[k] >= 0) {
                indeg[i]++;
                start[x->r[i].in[k] + 1]++;
            }
    for (size_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    for (int i = 0; i < x->n; i++)
        for (int k = 0; k < x->r[i].n_in; k++) {
            int p = x->r[i].in[k];
            if (p >= 0)
                cons[start[p] + fill[p]++] = i;
        }
    int m = 0, hn = 0;
    for (int i = 0; i < x->n; i++)
        if (indeg[i] == 0)
            intheap_push(heap, &hn, i);
    while (hn) {
        int pick = intheap_pop(heap, &hn);
        x->r[pick].order = m;
        order[m++] = pick;
        for (int j = start[pick]; j < start[pick + 1]; j++)
            if (--indeg[cons[j]] == 0)
                intheap_push(heap, &hn, cons[j]);
    }
    rc = 0;
    if (m < x->n) {
        for (int i = 0; i < x->n; i++)
            if (indeg[i] > 0) {
                raw_t *r = &x->r[i];
                yerror(x->t, x->d, r->inputs_node ? r->inputs_node : r->node,
                       "layer '%s' is on a cycle of inputs (expected the layers to "
                       "form a directed acyclic graph)", r->name);
                break;
            }
        rc = -1;
    }
done:
    free(indeg);
    free(start);
    free(cons);
    free(heap);
    free(fill);
    return rc;
}

static void shape_of(ctx_t *x, int i, int *h, int *w, int *c)
{
    if (i == LAYER_INPUT_NETWORK) {
        *h = x->in_h, *w = x->in_w, *c = x->in_c;
    } else {
        *h = x->r[i].h, *w = x->r[i].w, *c = x->r[i].c;
    }
}

static const char *in_name(ctx_t *x, int i)
{
    return i == LAYER_INPUT_NETWORK ? "input" : x->r[i].name;
}

static int window_out(ctx_t *x, raw_t *r, int h, int w, int *oh, int *ow)
{
    int64_t ph = h + 2 * r->pad - r->ky, pw = w + 2 * r->pad - r->kx;
    if (ph < 0 || pw < 0) {
        rerror(x, r, NULL, "%s layer '%s': kernel %lldx%lld does not fit "
               "its %dx%d input with padding %lld (expected a kernel no larger than "
               "the padded input)", types[r->type].name, r->name, (long long)r->ky,
               (long long)r->kx, h, w, (long long)r->pad);
        return -1;
    }
    *oh = (int)(ph / r->stride + 1);
    *ow = (int)(pw / r->stride + 1);
    return 0;
}

static int infer_shape_core(ctx_t *x, raw_t *r)
{
    int h, w, c;
    shape_of(x, r->in[0], &h, &w, &c);
    r->h = h, r->w = w, r->c = c;
    const char *tn = types[r->type].name;
    switch (r->kind) {
    case RK_CONV:
        if (r->inc && r->inc != c) {
            rerror(x, r, "in_channels",
                   "conv2d layer '%s' has in_channels %lld but its input '%s' has %d "
                   "channels (expected in_channels: %d)", r->name, (long long)r->inc,
                   in_name(x, r->in[0]), c, c);
            return -1;
        }
        if (c % r->groups || r->outc % r->groups) {
            rerror(x, r, "groups",
                   "conv2d layer '%s': groups %lld does not divide its %d input and "
                   "%lld output channels (expected a common divisor)", r->name,
                   (long long)r->groups, c, (long long)r->outc);
            return -1;
        }
        if (window_out(x, r, h, w, &r->h, &r->w))
            return -1;
        r->c = (int)r->outc;
        return 0;
    case RK_MAXPOOL:
    case RK_AVGPOOL:
        return window_out(x, r, h, w, &r->h, &r->w);
    case RK_GMAXPOOL:
    case RK_GAVGPOOL:
        r->h = r->w = 1;
        return 0;
    case RK_FLATTEN:
        r->h = r->w = 1;
        r->c = h * w * c;
        return 0;
    case RK_LINEAR:
    case RK_LSTM: {
        int64_t n = (int64_t)h * w * c, want = r->kind == RK_LINEAR ? r->inf : r->insize;
        const char *key = r->kind == RK_LINEAR ? "in_features" : "input_size";
        if (want && want != n) {
            rerror(x, r, key,
                   "%s layer '%s' has %s %lld but its input '%s' gives %dx%dx%d = %lld "
                   "values (expected %s: %lld)", tn, r->name, key, (long long)want,
                   in_name(x, r->in[0]), h, w, c, (long long)n, key, (long long)n);
            return -1;
        }
        r->h = r->w = 1;
        r->c = (int)(r->kind == RK_LINEAR ? r->outf : r->hidden);
        return 0;
    }
    case RK_ADD:
    case RK_CONCAT:
        for (int k = 1; k < r->n_in; k++) {
            int h2, w2, c2;
            shape_of(x, r->in[k], &h2, &w2, &c2);
            int same = r->kind == RK_ADD ? (h2 == h && w2 == w && c2 == c)
                                         : (h2 == h && w2 == w);
            if (!same) {
                rerror(x, r, "inputs",
                       "%s layer '%s': input '%s' is %dx%dx%d but input '%s' is "
                       "%dx%dx%d (expected %s)", tn, r->name, in_name(x, r->in[0]),
                       h, w, c, in_name(x, r->in[k]), h2, w2, c2,
                       r->kind == RK_ADD ? "identical shapes"
                                         : "the same height and width");
                return -1;
            }
            if (r->kind == RK_CONCAT)
                r->c = (int64_t)r->c + c2 > MAX_VALUES ? MAX_VALUES + 1 : r->c + c2;
        }
        return 0;
    default:
        return 0;
    }
}

/* Bounds that keep every count of the model and its mapping in range. */
static int infer_shape(ctx_t *x, raw_t *r)
{
    if (infer_shape_core(x, r))
        return -1;
    double vals = (double)r->h * r->w * r->c, weights = 0, macs = 0;
    int ih, iw, ic;
    shape_of(x, r->in[0], &ih, &iw, &ic);
    double in = (double)ih * iw * ic;
    if (r->kind == RK_CONV) {
        weights = (double)r->kx * r->ky * (ic / r->groups) * r->outc;
        macs = weights * r->h * r->w;
    } else if (r->kind == RK_LINEAR) {
        weights = in * r->outf;
        macs = weights;
    } else if (r->kind == RK_LSTM) {
        weights = (in + r->hidden) * 4.0 * r->hidden * r->nlayers;
        macs = weights * r->steps;
    }
    if (vals > MAX_VALUES || weights > MAX_WEIGHTS || macs > MAX_MACS) {
        rerror(x, r, NULL, "%s layer '%s' is too large: %.0f output values, "
               "%.0f weights, %.0f MACs (expected at most %.0f, %.0f, %.0f)",
               types[r->type].name, r->name, vals, weights, macs, (double)MAX_VALUES,
               MAX_WEIGHTS, MAX_MACS);
        return -1;
    }
    return 0;
}

static void fill_common(ctx_t *x, raw_t *r, layer_t *L)
{
    memset(L, 0, sizeof *L);
    snprintf(L->name, sizeof L->name, "%s", r->name);
    L->n_inputs = r->n_in;
    for (int k = 0; k < r->n_in; k++)
        L->inputs[k] = r->in[k] < 0 ? LAYER_INPUT_NETWORK : x->r[r->in[k]].target;
    shape_of(x, r->in[0], &L->in_h, &L->in_w, &L->in_c);
    L->out_h = r->h, L->out_w = r->w, L->out_c = r->c;
    L->kx = (int)r->kx, L->ky = (int)r->ky, L->stride = (int)r->stride;
    L->pad = (int)r->pad, L->groups = (int)r->groups;
    L->weight_bits = (int)(r->wbits ? r->wbits : x->def_wbits);
    L->act_bits = (int)(r->abits ? r->abits : x->def_abits);
    if (r->has_quant) {
        quant_apply(&L->quant, &r->qs);
        if (r->qs.given & QG_WBITS)
            L->weight_bits = L->quant.weight_bits;
        if (r->qs.given & QG_ABITS)
            L->act_bits = L->quant.act_bits;
    }
    L->act_max = r->act_max;
    L->src_line = r->node ? ynode_line(r->node) : 0;
}

/* Build the final layers: batchnorm folded, activations fused where they
 * directly follow a conv/linear/add that feeds nothing else. */
static int build(ctx_t *x, const int *order, model_t *m)
{
    int cap = 0;
    for (int i = 0; i < x->n; i++)
        cap += x->r[i].kind == RK_LSTM ? (int)x->r[i].nlayers : 1;
    m->layers = calloc((size_t)(cap ? cap : 1), sizeof *m->layers);
    int *fan = calloc((size_t)(cap ? cap : 1), sizeof *fan); /* consumers of a final layer */
    if (!m->layers || !fan) {
        free(fan);
        return -1;
    }
    for (int i = 0; i < x->n; i++)
        for (int k = 0; k < x->r[i].n_in; k++)
            if (x->r[i].in[k] >= 0)
                x->r[x->r[i].in[k]].consumers++;
    int n = 0, rc = 0;
    for (int oi = 0; oi < x->n && !rc; oi++) {
        raw_t *r = &x->r[order[oi]];
        int p = r->in[0];
        int t = p >= 0 ? x->r[p].target : -1;
        layer_t *P = t >= 0 ? &m->layers[t] : NULL;
        if (r->kind == RK_BN) {
            const char *why = NULL;
            if (!P || (P->kind != LAYER_CONV && P->kind != LAYER_LINEAR))
                why = "is not a conv2d or linear layer";
            else if (fan[t] != 1)
                why = "also feeds other layers";
            else if (P->act != ACT_NONE)
                why = "already ends in an activation";
            else if (P->folded_bn)
                why = "already has a batchnorm folded in";
            if (why) {
                rerror(x, r, NULL, "batchnorm '%s' cannot be folded: its input "
                       "'%s' %s (expected it to follow a conv2d or linear layer that "
                       "feeds only it)", r->name, in_name(x, p), why);
                rc = -1;
                break;
            }
            P->folded_bn = 1;
            r->target = t;
            fan[t] = r->consumers;
            continue;
        }
        /* A relu after a relu is one relu, clipped at the lower bound (PyTorch's
         * F.relu6 exports as Relu then Clip(0, 6)). */
        int relu_again = P && P->act == ACT_RELU && r->act == ACT_RELU;
        if (r->kind == RK_ACT && P && fan[t] == 1 && (P->act == ACT_NONE || relu_again) &&
            (P->kind == LAYER_CONV || P->kind == LAYER_LINEAR || P->kind == LAYER_ADD ||
             (relu_again && P->kind == LAYER_ACT))) {
            if (!relu_again || P->act_max == 0 || (r->act_max > 0 && r->act_max < P->act_max))
                P->act_max = r->act_max; /* else the earlier bound is the tighter one */
            P->act = r->act;
            r->target = t;
            fan[t] = r->consumers;
            continue;
        }
        int reps = r->kind == RK_LSTM ? (int)r->nlayers : 1;
        for (int s = 0; s < reps; s++) {
            layer_t *L = &m->layers[n];
            fill_common(x, r, L);
            L->act = r->act;
            switch (r->kind) {
            case RK_CONV: {
                L->kind = LAYER_CONV;
                int64_t k = (int64_t)L->kx * L->ky * (L->in_c / L->groups);
                L->weights = k * L->out_c;
                L->macs = (int64_t)L->out_h * L->out_w * L->out_c * k;
                break;
            }
            case RK_LINEAR:
                L->kind = LAYER_LINEAR;
                L->weights = (int64_t)L->in_h * L->in_w * L->in_c * L->out_c;
                L->macs = L->weights;
                break;
            case RK_MAXPOOL: L->kind = LAYER_MAXPOOL; break;
            case RK_AVGPOOL: L->kind = LAYER_AVGPOOL; L->pool_avg = 1; break;
            case RK_GMAXPOOL:
            case RK_GAVGPOOL:
                L->kind = LAYER_GLOBALPOOL;
                L->pool_avg = r->kind == RK_GAVGPOOL;
                L->kx = L->in_w, L->ky = L->in_h, L->stride = 1;
                break;
            case RK_ADD: L->kind = LAYER_ADD; break;
            case RK_CONCAT: L->kind = LAYER_CONCAT; break;
            case RK_FLATTEN: L->kind = LAYER_FLATTEN; break;
            case RK_ACT: L->kind = LAYER_ACT; break;
            case RK_LSTM: {
                L->kind = LAYER_LSTM;
                if (reps > 1) {
                    char nm[MODEL_NAME_MAX + 16];
                    snprintf(nm, sizeof nm, "%.*s_l%d", MODEL_NAME_MAX - 8, r->name, s);
                    memcpy(L->name, nm, MODEL_NAME_MAX - 1);
                    L->name[MODEL_NAME_MAX - 1] = '\0';
                }
                if (s > 0) {
                    L->n_inputs = 1;
                    L->inputs[0] = n - 1;
                    L->in_h = L->in_w = 1;
                    L->in_c = (int)r->hidden;
                }
                L->lstm_hidden = (int)r->hidden;
                L->lstm_steps = (int)r->steps;
                L->lstm_layers = 1;
                int64_t in = (int64_t)L->in_h * L->in_w * L->in_c;
                L->weights = (in + r->hidden) * 4 * r->hidden;
                L->macs = L->weights * r->steps;
                break;
            }
            }
            if (L->kind != LAYER_CONV && L->kind != LAYER_LINEAR && L->kind != LAYER_LSTM)
                L->weight_bits = 0; /* no weights: the field would only mislead */
            n++;
        }
        r->target = n - 1;
        fan[n - 1] = r->consumers;
    }
    free(fan);
    m->n_layers = n;
    return rc;
}

/* Each layer is bounded (infer_shape); their sums must fit in int64_t too,
 * so model_macs and model_weights never wrap. */
static int check_totals(ctx_t *x, const ynode_t *at, const model_t *m)
{
    int64_t macs = 0, weights = 0;
    for (int i = 0; i < m->n_layers; i++)
        if (ck_add_i64(macs, m->layers[i].macs, &macs) ||
            ck_add_i64(weights, m->layers[i].weights, &weights)) {
            yerror(x->t, x->d, at, "the layers up to '%s' total more than %lld MACs or "
                   "weights per inference (expected at most 2^63 - 1 of each)",
                   m->layers[i].name, (long long)INT64_MAX);
            return -1;
        }
    return 0;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t model_hash(const model_t *m)
{
    char buf[512];
    uint64_t h = 14695981039346656037ull;
    int k = snprintf(buf, sizeof buf, "%s %d %d %d\n", m->name, m->in_h, m->in_w, m->in_c);
    h = fnv(h, buf, (size_t)k);
    for (int i = 0; i < m->n_layers; i++) {
        const layer_t *L = &m->layers[i];
        k = snprintf(buf, sizeof buf,
                     "%s %d [%d %d %d %d] %dx%dx%d %dx%dx%d k%dx%d s%d p%d g%d a%d "
                     "l%d/%d/%d b%d/%d pa%d bn%d\n",
                     L->name, L->kind, L->inputs[0], L->inputs[1], L->inputs[2],
                     L->inputs[3], L->in_h, L->in_w, L->in_c, L->out_h, L->out_w,
                     L->out_c, L->kx, L->ky, L->stride, L->pad, L->groups, L->act,
                     L->lstm_hidden, L->lstm_steps, L->lstm_layers, L->weight_bits,
                     L->act_bits, L->pool_avg, L->folded_bn);
        h = fnv(h, buf, (size_t)(k < (int)sizeof buf ? k : (int)sizeof buf - 1));
        const layer_quant_t *q = &L->quant;
        if (q->scheme == QUANT_DEFAULT && L->act_max == 0)
            continue; /* models without these hash as they always did */
        k = snprintf(buf, sizeof buf, "q%d %d/%d s%d c%d lb%d n%d m%.17g\n", q->scheme,
                     q->weight_bits, q->act_bits, q->symmetric, q->per_channel,
                     q->log_base, q->n_levels, L->act_max);
        h = fnv(h, buf, (size_t)(k < (int)sizeof buf ? k : (int)sizeof buf - 1));
    }
    return h;
}

void model_rehash(model_t *m)
{
    m->hash = model_hash(m);
}

void model_layer_quant(model_t *m, int i, const quant_spec_t *s)
{
    layer_t *L = &m->layers[i];
    quant_apply(&L->quant, s);
    if (s->given & QG_WBITS)
        L->weight_bits = L->quant.weight_bits;
    if (s->given & QG_ABITS)
        L->act_bits = L->quant.act_bits;
}

int model_build_layers(const char *file, const char *name, raw_t *r, int n, int in_h,
                       int in_w, int in_c, model_t *out, imc_diag_t *d)
{
    ctx_t x = {.d = d, .r = r, .n = n, .in_h = in_h, .in_w = in_w, .in_c = in_c, .m = out,
               .file = file};
    snprintf(out->name, sizeof out->name, "%s", name);
    out->in_h = in_h, out->in_w = in_w, out->in_c = in_c;
    int *order = malloc(sizeof *order * (size_t)(n ? n : 1));
    int rc = -1;
    if (!order) {
        diag_error(d, file, 0, 0, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        order[i] = i;
        r[i].order = i;
        r[i].target = -2;
        for (int b = 0; b < B_COUNT; b++) { /* 0: not set (a field of another kind) */
            int64_t v = *bound_field(&r[i], b);
            if (v && (v < bounds[b].lo || v > bounds[b].hi)) {
                rerror(&x, &r[i], NULL, "%s layer '%s' has %s %lld (expected %lld..%lld)",
                       types[r[i].type].name, r[i].name, bounds[b].key, (long long)v,
                       (long long)bounds[b].lo, (long long)bounds[b].hi);
                goto done;
            }
        }
        int joins = r[i].kind == RK_ADD || r[i].kind == RK_CONCAT;
        if (joins ? r[i].n_in < 2 || r[i].n_in > LAYER_MAX_INPUTS : r[i].n_in != 1) {
            rerror(&x, &r[i], NULL, "%s layer '%s' has %d inputs (expected %s)",
                   types[r[i].type].name, r[i].name, r[i].n_in, joins ? "2..4" : "one");
            goto done;
        }
    }
    for (int i = 0; i < n; i++)
        if (infer_shape(&x, &r[i]))
            goto done;
    if (build(&x, order, out))
        goto done;
    out->hash = model_hash(out);
    rc = 0;
done:
    free(order);
    return rc;
}

static int parse_top(ctx_t *x, ynode_t *root, model_t *m, ynode_t **layers)
{
    static const char *const top[] = {"name", "description", "input", "precision", "layers",
                                      "weights"};
    static const char *const inkeys[] = {"height", "width", "channels", "features"};
    static const char *const pkeys[] = {"weight_bits", "act_bits"};
    int bad = 0;
    if (!ynode_is_map(root)) {
        yerror(x->t, x->d, root, "the model is not a mapping (expected keys name, "
               "input, layers)");
        return -1;
    }
    for (size_t i = 0; i < ynode_map_size(root); i++) {
        ynode_t *kn = ynode_map_key(x->t, root, i), *v = ynode_map_val(x->t, root, i);
        const char *k = ynode_scalar(kn);
        size_t j;
        for (j = 0; j < 6 && strcmp(k, top[j]); j++)
            ;
        if (j == 6) {
            const char *best = str_closest(k, top, 6);
            if (best)
                yerror(x->t, x->d, kn, "unknown key '%s' in the model (did you mean '%s'?)",
                       k, best);
            else
                yerror(x->t, x->d, kn, "unknown key '%s' in the model (expected one of: "
                       "name, description, input, precision, layers, weights)", k);
            bad = 1;
            continue;
        }
        if (j == 0) {
            const char *s = yget_string(x->t, x->d, v, "name");
            if (!s || !*s || strlen(s) >= MODEL_NAME_MAX) {
                if (s)
                    yerror(x->t, x->d, v, "model name '%s' is not usable (expected 1..%d "
                           "characters)", s, MODEL_NAME_MAX - 1);
                bad = 1;
            } else
                snprintf(m->name, sizeof m->name, "%s", s);
        } else if (j == 1) {
            if (!yget_string(x->t, x->d, v, "description"))
                bad = 1;
        } else if (j == 2 || j == 3) {
            const char *const *keys = j == 2 ? inkeys : pkeys;
            size_t nkeys = j == 2 ? 4 : 2;
            if (!ynode_is_map(v)) {
                yerror(x->t, x->d, v, "'%s' is not a mapping (expected %s)", k,
                       j == 2 ? "height, width, channels, or features"
                              : "weight_bits, act_bits");
                bad = 1;
                continue;
            }
            int64_t val[4] = {0, 0, 0, 0};
            for (size_t q = 0; q < ynode_map_size(v); q++) {
                ynode_t *kn2 = ynode_map_key(x->t, v, q);
                const char *k2 = ynode_scalar(kn2);
                size_t s;
                for (s = 0; s < nkeys && strcmp(k2, keys[s]); s++)
                    ;
                if (s == nkeys) {
                    const char *best = str_closest(k2, keys, nkeys);
                    yerror(x->t, x->d, kn2, "unknown key '%s' in '%s' (%s%s%s)", k2, k,
                           best ? "did you mean '" : "expected one of: ",
                           best ? best : (j == 2 ? "height, width, channels, features"
                                                 : "weight_bits, act_bits"),
                           best ? "'?" : "");
                    bad = 1;
                    continue;
                }
                if (get_int(x, ynode_map_val(x->t, v, q), k2, 1,
                            j == 2 ? (1 << 24) : 32, &val[s]))
                    bad = 1;
            }
            if (j == 3) {
                x->def_wbits = val[0];
                x->def_abits = val[1];
            } else if (!bad) {
                if (val[3] && (val[0] || val[1] || val[2])) {
                    yerror(x->t, x->d, v, "'input' gives both features and height/width/"
                           "channels (expected one or the other)");
                    bad = 1;
                } else if (val[3]) {
                    x->in_h = x->in_w = 1;
                    x->in_c = (int)val[3];
                } else if (!val[0] || !val[1] || !val[2]) {
                    yerror(x->t, x->d, v, "'input' is incomplete (expected height, width "
                           "and channels, or features)");
                    bad = 1;
                } else if ((double)val[0] * val[1] * val[2] > MAX_VALUES) {
                    yerror(x->t, x->d, v, "'input' has %.0f values (expected at most %d)",
                           (double)val[0] * val[1] * val[2], MAX_VALUES);
                    bad = 1;
                } else {
                    x->in_h = (int)val[0], x->in_w = (int)val[1], x->in_c = (int)val[2];
                }
            }
        } else if (j == 4) {
            *layers = v;
        } else {
            x->weights_node = v;
            if (!yget_string(x->t, x->d, v, "weights"))
                bad = 1;
        }
    }
    if (bad)
        return -1;
    if (!x->in_c) {
        yerror(x->t, x->d, root, "the model has no 'input' (expected input: {height, "
               "width, channels} or input: {features})");
        return -1;
    }
    if (!*layers || !ynode_is_seq(*layers) || ynode_seq_len(*layers) == 0) {
        yerror(x->t, x->d, *layers ? *layers : root, "the model has no layers (expected "
               "'layers:' with a list of layers)");
        return -1;
    }
    if (ynode_seq_len(*layers) > 100000) {
        yerror(x->t, x->d, *layers, "%zu layers (expected at most 100000)",
               ynode_seq_len(*layers));
        return -1;
    }
    return 0;
}

static int ends_with(const char *s, const char *sfx)
{
    size_t n = strlen(s), k = strlen(sfx);
    return n > k && strcmp(s + n - k, sfx) == 0;
}

static int any_wnode(const ctx_t *x)
{
    for (int i = 0; i < x->n; i++)
        if (x->r[i].wnode)
            return 1;
    return 0;
}

/* A layer's `weights:` references (docs/model-format.md, "Weights"). */
enum {
    WK_TENSOR, WK_BIAS, WK_RECURRENT, WK_SCALE, WK_ZERO, WK_AXIS, WK_FAKE, WK_TRANSPOSE,
    WK_ALPHA, WK_BETA, WK_BSCALE, WK_BZERO, WK_BINT32, WK_OUTSCALE, WK_MEAN, WK_VAR, WK_EPS,
    WK_COUNT
};
static const char *const wkey_names[WK_COUNT] = {
    "tensor", "bias", "recurrent", "scale", "zero_point", "axis", "fake_quant", "transpose",
    "alpha", "beta", "bias_scale", "bias_zero_point", "bias_int32", "output_scale", "mean",
    "var", "epsilon"};
#define WB(k) (1u << (k))
#define W_LAYER (WB(WK_TENSOR) | WB(WK_BIAS) | WB(WK_SCALE) | WB(WK_ZERO) | WB(WK_AXIS) | \
                 WB(WK_FAKE) | WB(WK_BSCALE) | WB(WK_BZERO) | WB(WK_BINT32) | WB(WK_OUTSCALE))

static unsigned wkeys_of(int kind)
{
    switch (kind) {
    case RK_CONV: return W_LAYER;
    case RK_LINEAR: return W_LAYER | WB(WK_TRANSPOSE) | WB(WK_ALPHA) | WB(WK_BETA);
    case RK_LSTM: return WB(WK_TENSOR) | WB(WK_RECURRENT) | WB(WK_BIAS);
    default: return WB(WK_SCALE) | WB(WK_BIAS) | WB(WK_MEAN) | WB(WK_VAR) | WB(WK_EPS);
    }
}

/* A tensor of the weights file by name, or values written in place: a
 * number or a list of numbers (what `imcsim import` writes for constants the
 * ONNX graph computes, such as zero points). */
static int ref_tensor(ctx_t *x, onnx_file_t *f, ynode_t *v, const char *key,
                      const onnx_tensor_t **out)
{
    char err[700];
    double num;
    if (ynode_is_seq(v) ||
        (ynode_is_scalar(v) && !ynode_quoted(v) && !parse_double(ynode_scalar(v), &num))) {
        size_t n = ynode_is_seq(v) ? ynode_seq_len(v) : 1;
        onnx_tensor_t *t = model_store_alloc(x->m, sizeof *t);
        double *fv = model_store_alloc(x->m, sizeof *fv * (n ? n : 1));
        int64_t *iv = model_store_alloc(x->m, sizeof *iv * (n ? n : 1));
        if (!t || !fv || !iv || n > (1u << 20)) {
            yerror(x->t, x->d, v, "'%s' has %zu values (expected at most %u)", key, n, 1u << 20);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if (yget_double(x->t, x->d, ynode_is_seq(v) ? ynode_seq_at(x->t, v, i) : v, key,
                            &fv[i]))
                return -1;
            iv[i] = onnx_f2i(fv[i]);
        }
        char *nm = model_store_alloc(x->m, strlen(key) + 1); /* the tree goes away */
        if (!nm)
            return -1;
        t->name = strcpy(nm, key);
        t->dtype = 11; /* double */
        t->rank = ynode_is_seq(v);
        t->dims[0] = (int64_t)n;
        t->n = t->n_inl = (int64_t)n;
        t->inl = fv;
        t->inl_i = iv;
        t->derived = 1;
        *out = t;
        return 0;
    }
    const char *name = yget_string(x->t, x->d, v, key);
    if (!name)
        return -1;
    if (!(*out = onnx_file_tensor(f, name, err, sizeof err))) {
        yerror(x->t, x->d, v, "%s (expected a tensor of the weights file)", err);
        return -1;
    }
    return 0;
}

static int parse_wref(ctx_t *x, onnx_file_t *f, raw_t *r, wspec_t *ws)
{
    ynode_t *n = r->wnode;
    memset(ws, 0, sizeof *ws);
    ws->kind = r->kind == RK_CONV ? WS_CONV : r->kind == RK_LINEAR ? WS_LINEAR
             : r->kind == RK_LSTM ? WS_LSTM : WS_BN;
    ws->alpha = ws->beta = ws->out_mul = 1;
    ws->bn_eps = 1e-5;
    if (!ynode_is_map(n)) {
        yerror(x->t, x->d, n, "'weights' is not a mapping (expected e.g. {tensor: NAME, "
               "bias: NAME})");
        return -1;
    }
    if (r->kind == RK_LSTM && r->nlayers > 1) {
        yerror(x->t, x->d, n, "lstm layer '%s' has layers: %lld and one 'weights' (expected "
               "one lstm entry per layer when naming weights)", r->name, (long long)r->nlayers);
        return -1;
    }
    unsigned allowed = wkeys_of(r->kind), seen = 0;
    int bint32 = 0;
    for (size_t i = 0; i < ynode_map_size(n); i++) {
        ynode_t *kn = ynode_map_key(x->t, n, i), *v = ynode_map_val(x->t, n, i);
        const char *k = ynode_scalar(kn);
        int j;
        for (j = 0; j < WK_COUNT && strcmp(k, wkey_names[j]); j++)
            ;
        if (j == WK_COUNT || !(allowed & WB(j))) {
            const char *cand[WK_COUNT];
            size_t nc = 0;
            char list[400] = "";
            for (int q = 0; q < WK_COUNT; q++)
                if (allowed & WB(q)) {
                    cand[nc++] = wkey_names[q];
                    strncat(list, nc > 1 ? ", " : "", sizeof list - strlen(list) - 1);
                    strncat(list, wkey_names[q], sizeof list - strlen(list) - 1);
                }
            const char *best = str_closest(k, cand, nc);
            yerror(x->t, x->d, kn, "unknown key '%s' in the weights of a %s layer (%s%s%s)", k,
                   types[r->type].name, best ? "did you mean '" : "expected one of: ",
                   best ? best : list, best ? "'?" : "");
            return -1;
        }
        seen |= WB(j);
        int rc = 0, bn = r->kind == RK_BN;
        double num;
        int64_t iv;
        switch (j) {
        case WK_TENSOR: rc = ref_tensor(x, f, v, k, &ws->w); break;
        case WK_BIAS: rc = ref_tensor(x, f, v, k, bn ? &ws->bn_bias : &ws->b); break;
        case WK_RECURRENT: rc = ref_tensor(x, f, v, k, &ws->r); break;
        case WK_SCALE: rc = ref_tensor(x, f, v, k, bn ? &ws->bn_scale : &ws->w_scale); break;
        case WK_ZERO: rc = ref_tensor(x, f, v, k, &ws->w_zero); break;
        case WK_MEAN: rc = ref_tensor(x, f, v, k, &ws->bn_mean); break;
        case WK_VAR: rc = ref_tensor(x, f, v, k, &ws->bn_var); break;
        case WK_BSCALE: rc = ref_tensor(x, f, v, k, &ws->b_scale_t); break;
        case WK_BZERO: rc = ref_tensor(x, f, v, k, &ws->b_zero); break;
        case WK_AXIS:
            rc = get_int(x, v, k, 0, 7, &iv);
            ws->q_axis = (int)iv;
            break;
        case WK_FAKE: rc = yget_bool(x->t, x->d, v, k, &ws->fake_quant); break;
        case WK_TRANSPOSE: rc = yget_bool(x->t, x->d, v, k, &ws->transpose); break;
        case WK_BINT32: rc = yget_bool(x->t, x->d, v, k, &bint32); break;
        case WK_ALPHA:
        case WK_BETA:
        case WK_OUTSCALE:
        case WK_EPS:
            rc = yget_double(x->t, x->d, v, k, &num);
            if (!rc && (j == WK_EPS ? !(num > 0) : num == 0)) {
                yerror(x->t, x->d, v, "'%s' is %g (expected a %s number)", k, num,
                       j == WK_EPS ? "positive" : "non-zero");
                rc = -1;
            }
            *(j == WK_ALPHA ? &ws->alpha : j == WK_BETA ? &ws->beta
              : j == WK_OUTSCALE ? &ws->out_mul : &ws->bn_eps) = num;
            break;
        }
        if (rc)
            return -1;
    }
    static const int need_bn[] = {WK_SCALE, WK_BIAS, WK_MEAN, WK_VAR};
    for (int q = 0; q < (r->kind == RK_BN ? 4 : 1); q++) {
        int k = r->kind == RK_BN ? need_bn[q] : WK_TENSOR;
        if (!(seen & WB(k))) {
            yerror(x->t, x->d, n, "the weights of %s layer '%s' have no '%s' (expected it)",
                   types[r->type].name, r->name, wkey_names[k]);
            return -1;
        }
    }
    if (ws->fake_quant && !ws->w_scale) {
        yerror(x->t, x->d, n, "'fake_quant' without 'scale' (expected the weights' scale too)");
        return -1;
    }
    if (ws->fake_quant) { /* QuantizeLinear's range: the zero point's type, else uint8 */
        int sg = 0, bits = ws->w_zero ? onnx_dtype_int_bits(ws->w_zero->dtype, &sg) : 8;
        ws->q_lo = sg ? -(1 << (bits - 1)) : 0;
        ws->q_hi = sg ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    }
    if (bint32) { /* QLinearConv: int32 bias in units of input scale x weight scale */
        if (!r->has_quant || !r->qs.q.has_a_scale || !ws->w_scale) {
            yerror(x->t, x->d, n, "'bias_int32' without the input's act_scale in 'quant' and "
                   "the weights' 'scale' (expected both)");
            return -1;
        }
        ws->b_scale = r->qs.q.a_scale;
    }
    return 0;
}

/* The model's `weights:` file and every layer's references to its tensors. */
static int yaml_weights(ctx_t *x, model_t *out)
{
    ynode_t *fn = x->weights_node;
    if (!fn) {
        for (int i = 0; i < x->n; i++)
            if (x->r[i].wnode) {
                yerror(x->t, x->d, x->r[i].wnode, "layer '%s' names weights but the model has "
                       "no 'weights:' file (expected weights: FILE.onnx at the top)",
                       x->r[i].name);
                return -1;
            }
    }
    const char *rel = ynode_scalar(fn);
    char path[4096];
    const char *slash = strrchr(x->t->file, '/');
    if (rel[0] == '/' || !slash)
        snprintf(path, sizeof path, "%s", rel);
    else
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - x->t->file), x->t->file, rel);
    if (!ends_with(path, ".onnx")) {
        yerror(x->t, x->d, fn, "weights file '%s' (expected an ONNX file, *.onnx)", rel);
        return -1;
    }
    imc_diag_t sub;
    diag_init(&sub);
    onnx_file_t *f = onnx_file_open(path, out, &sub);
    if (!f) {
        yerror(x->t, x->d, fn, "cannot read weights file '%s': %s", rel,
               sub.text ? sub.text : "");
        diag_free(&sub);
        return -1;
    }
    diag_free(&sub);
    wspec_t *spec = calloc((size_t)out->n_layers, sizeof *spec), ws;
    int rc = spec ? 0 : -1;
    for (int i = 0; i < x->n && !rc; i++) {
        raw_t *r = &x->r[i];
        if (!r->wnode)
            continue;
        if ((rc = parse_wref(x, f, r, &ws)))
            break;
        wspec_t *t = &spec[r->target];
        if (ws.kind == WS_BN) {
            t->bn_scale = ws.bn_scale, t->bn_bias = ws.bn_bias;
            t->bn_mean = ws.bn_mean, t->bn_var = ws.bn_var, t->bn_eps = ws.bn_eps;
        } else {
            ws.bn_scale = t->bn_scale, ws.bn_bias = t->bn_bias; /* keep a fold already seen */
            ws.bn_mean = t->bn_mean, ws.bn_var = t->bn_var, ws.bn_eps = t->bn_eps;
            *t = ws;
        }
    }
    for (int i = 0; i < x->n && !rc; i++) { /* every weight layer needs its tensors */
        raw_t *r = &x->r[i];
        if ((r->kind == RK_CONV || r->kind == RK_LINEAR || r->kind == RK_LSTM) && !r->wnode) {
            yerror(x->t, x->d, r->node, "%s layer '%s' has no 'weights' (expected "
                   "weights: {tensor: NAME} in a model with a weights file)",
                   types[r->type].name, r->name);
            rc = -1;
        }
    }
    if (!rc)
        rc = model_weights_attach(out, onnx_file_src(f), spec, x->d);
    for (int i = 0; i < out->n_layers && !rc; i++) /* the scales a quant block uses */
        rc = model_quant_scales(out, i, &spec[i], x->d);
    free(spec);
    onnx_file_close(f);
    return rc;
}

static int load_tree(ytree_t *t, const char *default_name, model_t *out, imc_diag_t *d)
{
    ctx_t x = {.t = t, .d = d, .m = out};
    ynode_t *layers = NULL;
    snprintf(out->name, sizeof out->name, "%s", default_name);
    if (parse_top(&x, ytree_root(t), out, &layers))
        return -1;
    out->in_h = x.in_h, out->in_w = x.in_w, out->in_c = x.in_c;
    x.n = (int)ynode_seq_len(layers);
    x.r = calloc((size_t)x.n, sizeof *x.r);
    int *order = calloc((size_t)x.n, sizeof *order);
    int rc = -1;
    if (!x.r || !order)
        goto done;
    int bad = 0;
    for (int i = 0; i < x.n; i++)
        if (parse_layer(&x, ynode_seq_at(t, layers, (size_t)i), i, &x.r[i]))
            bad = 1;
    if (bad || resolve_inputs(&x) || topo_sort(&x, order))
        goto done;
    for (int i = 0; i < x.n; i++)
        if (infer_shape(&x, &x.r[order[i]]))
            goto done;
    if (build(&x, order, out) || check_totals(&x, layers, out))
        goto done;
    if ((x.weights_node || any_wnode(&x)) && yaml_weights(&x, out))
        goto done;
    out->hash = model_hash(out);
    rc = 0;
done:
    free(x.r);
    free(order);
    if (rc)
        model_free(out);
    return rc;
}

void model_base_name(const char *path, char *out, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(out, n, "%s", b);
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = '\0';
}

int model_load_string(const char *name, const char *text, size_t len,
                      model_t *out, imc_diag_t *d)
{
    memset(out, 0, sizeof *out);
    ytree_t t;
    char bn[MODEL_NAME_MAX];
    model_base_name(name, bn, sizeof bn);
    int rc = ytree_load_string(&t, name, text, len, d);
    if (rc == 0)
        rc = load_tree(&t, bn, out, d);
    ytree_free(&t);
    return rc;
}

static int is_path(const char *s)
{
    return strchr(s, '/') || ends_with(s, ".yaml") || ends_with(s, ".yml") ||
           ends_with(s, ".onnx");
}

static int load_spec(const char *spec, const model_opts_t *o, model_t *out, imc_diag_t *d)
{
    memset(out, 0, sizeof *out);
    if (!is_path(spec)) {
        size_t len;
        const char *text = model_zoo_text(spec, &len);
        if (!text) {
            int n;
            const char *const *names = model_zoo_names(&n);
            const char *best = str_closest(spec, names, (size_t)n);
            char list[512] = "";
            for (int i = 0; i < n; i++) {
                strncat(list, names[i], sizeof list - strlen(list) - 1);
                if (i + 1 < n)
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
            }
            if (best)
                diag_error(d, NULL, 0, 0, "unknown model '%s' (did you mean '%s'? the zoo "
                           "has %s; a file path needs a '/', .yaml or .onnx)", spec, best, list);
            else
                diag_error(d, NULL, 0, 0, "unknown model '%s' (expected one of %s, or a "
                           "YAML or ONNX file path)", spec, list);
            return -1;
        }
        char fname[128];
        snprintf(fname, sizeof fname, "workloads/models/%s.yaml", spec);
        return model_load_string(fname, text, len, out, d);
    }
    if (ends_with(spec, ".onnx"))
        return onnx_load(spec, NULL, 0, o, out, d);
    ytree_t t;
    char bn[MODEL_NAME_MAX];
    model_base_name(spec, bn, sizeof bn);
    int rc = ytree_load_file(&t, spec, d);
    if (rc == 0)
        rc = load_tree(&t, bn, out, d);
    ytree_free(&t);
    return rc;
}

struct store_block {
    struct store_block *next;
    max_align_t data[];
};

void *model_store_alloc(model_t *m, size_t n)
{
    if (!m->store && !(m->store = calloc(1, sizeof *m->store)))
        return NULL;
    struct store_block *b = calloc(1, sizeof *b + (n ? n : 1));
    if (!b)
        return NULL;
    b->next = m->store->blocks;
    m->store->blocks = b;
    return b->data;
}

void model_store_free(model_t *m)
{
    if (!m->store)
        return;
    model_weights_free(m->store->weights);
    for (struct store_block *b = m->store->blocks, *nx; b; b = nx) {
        nx = b->next;
        free(b);
    }
    free(m->store);
    m->store = NULL;
}

/* A quant override file: `default:` for every weight layer, `layers:` by name. */
static int apply_quant_file(model_t *m, const char *path, imc_diag_t *d)
{
    ytree_t t;
    if (ytree_load_file(&t, path, d)) {
        ytree_free(&t);
        return -1;
    }
    ynode_t *root = ytree_root(&t);
    int rc = -1;
    if (!root || !ynode_is_map(root)) {
        diag_error(d, path, 1, 1, "the quant file is not a mapping (expected 'default:' and/or "
                   "'layers:')");
        goto done;
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ynode_map_size(root); i++) {
            ynode_t *kn = ynode_map_key(&t, root, i), *v = ynode_map_val(&t, root, i);
            const char *k = ynode_scalar(kn);
            quant_spec_t qs;
            if (strcmp(k, "default") && strcmp(k, "layers")) {
                static const char *const keys[] = {"default", "layers"};
                const char *best = str_closest(k, keys, 2);
                yerror(&t, d, kn, "unknown key '%s' in the quant file (%s%s%s)", k,
                       best ? "did you mean '" : "expected default or layers",
                       best ? best : "", best ? "'?" : "");
                goto done;
            }
            if (pass == 0 && !strcmp(k, "default")) {
                if (quant_parse_yaml(&t, d, v, m, &qs))
                    goto done;
                for (int l = 0; l < m->n_layers; l++)
                    if (m->layers[l].kind == LAYER_CONV || m->layers[l].kind == LAYER_LINEAR ||
                        m->layers[l].kind == LAYER_LSTM)
                        model_layer_quant(m, l, &qs);
            }
            if (pass == 1 && !strcmp(k, "layers")) {
                if (!ynode_is_map(v)) {
                    yerror(&t, d, v, "'layers' is not a mapping (expected layer names with "
                           "quant blocks)");
                    goto done;
                }
                for (size_t j = 0; j < ynode_map_size(v); j++) {
                    ynode_t *ln = ynode_map_key(&t, v, j);
                    const char *name = ynode_scalar(ln);
                    int l = model_find(m, name);
                    if (l < 0) {
                        const char **cand = malloc(sizeof *cand * (size_t)(m->n_layers + 1));
                        for (int q = 0; cand && q < m->n_layers; q++)
                            cand[q] = m->layers[q].name;
                        const char *best = cand ? str_closest(name, cand, (size_t)m->n_layers)
                                                : NULL;
                        yerror(&t, d, ln, "model '%s' has no layer '%s'%s%s%s", m->name, name,
                               best ? " (did you mean '" : " (expected a layer name from "
                                                           "`imcsim models`)",
                               best ? best : "", best ? "'?)" : "");
                        free(cand);
                        goto done;
                    }
                    if (quant_parse_yaml(&t, d, ynode_map_val(&t, v, j), m, &qs))
                        goto done;
                    model_layer_quant(m, l, &qs);
                }
            }
        }
    rc = 0;
done:
    ytree_free(&t);
    return rc;
}

int model_load_opts(const char *spec, const model_opts_t *o, model_t *out, imc_diag_t *d)
{
    if (!spec || !*spec) {
        memset(out, 0, sizeof *out);
        diag_error(d, NULL, 0, 0, "no model given (expected a zoo name, a YAML file or an "
                   "ONNX file)");
        return -1;
    }
    if (load_spec(spec, o, out, d))
        return -1;
    if (!o)
        return 0;
    if (o->input_shape && !ends_with(spec, ".onnx")) {
        diag_error(d, NULL, 0, 0, "--input-shape applies to ONNX models only (model '%s' fixes "
                   "its input)", spec);
        model_free(out);
        return -1;
    }
    if (o->quant_file && apply_quant_file(out, o->quant_file, d)) {
        model_free(out);
        return -1;
    }
    for (int i = 0; i < out->n_layers; i++) { /* the model's own bits win */
        layer_t *L = &out->layers[i];
        int wl = L->kind == LAYER_CONV || L->kind == LAYER_LINEAR || L->kind == LAYER_LSTM;
        if (wl && !L->weight_bits)
            L->weight_bits = o->weight_bits;
        if (!L->act_bits)
            L->act_bits = o->act_bits;
    }
    model_rehash(out);
    return 0;
}

int model_load(const char *spec, model_t *out, imc_diag_t *d)
{
    return model_load_opts(spec, NULL, out, d);
}

int model_load_onnx_mem(const char *name, const void *data, size_t len,
                        const model_opts_t *o, model_t *out, imc_diag_t *d)
{
    return onnx_load(name, data, len, o, out, d);
}

void model_free(model_t *m)
{
    free(m->layers);
    model_store_free(m);
    memset(m, 0, sizeof *m);
}

/* A loaded model's sums fit (check_totals); a model_t built by hand that
 * overflows gets INT64_MAX, never a wrapped value. */
static int64_t sum_layers(const model_t *m, size_t off)
{
    int64_t s = 0;
    for (int i = 0; i < m->n_layers; i++)
        if (ck_add_i64(s, *(const int64_t *)((const char *)&m->layers[i] + off), &s))
            return INT64_MAX;
    return s;
}

int64_t model_macs(const model_t *m) { return sum_layers(m, offsetof(layer_t, macs)); }

int64_t model_weights(const model_t *m) { return sum_layers(m, offsetof(layer_t, weights)); }

int model_find(const model_t *m, const char *name)
{
    for (int i = 0; i < m->n_layers; i++)
        if (strcmp(m->layers[i].name, name) == 0)
            return i;
    return -1;
}
