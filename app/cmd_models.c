/* imcsim models: the model zoo, or one model's layers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "job.h"
#include "json.h"
#include "model.h"
#include "opts.h"

static int count_weight_layers(const model_t *m)
{
    int n = 0;
    for (int i = 0; i < m->n_layers; i++)
        n += m->layers[i].weights > 0;
    return n;
}

static void model_json(json_w_t *w, const model_t *m, int with_layers)
{
    char hx[32];
    jw_obj_begin(w, NULL);
    jw_str(w, "name", m->name);
    jw_ints(w, "input_shape_hwc", (const int[]){m->in_h, m->in_w, m->in_c}, 3);
    jw_int(w, "layers", m->n_layers);
    jw_int(w, "weight_layers", count_weight_layers(m));
    jw_int(w, "weights", model_weights(m));
    jw_int(w, "macs", model_macs(m));
    snprintf(hx, sizeof hx, "%016" PRIx64, m->hash);
    jw_str(w, "hash", hx);
    if (with_layers) {
        jw_arr_begin(w, "layer_list");
        for (int i = 0; i < m->n_layers; i++) {
            const layer_t *L = &m->layers[i];
            jw_obj_begin(w, NULL);
            jw_str(w, "name", L->name);
            jw_str(w, "type", layer_label(L));
            jw_str(w, "activation", act_kind_name(L->act));
            jw_arr_begin(w, "inputs");
            for (int k = 0; k < L->n_inputs; k++)
                jw_str(w, NULL, L->inputs[k] < 0 ? "input" : m->layers[L->inputs[k]].name);
            jw_arr_end(w);
            jw_ints(w, "out_shape_hwc", (const int[]){L->out_h, L->out_w, L->out_c}, 3);
            jw_int(w, "weights", L->weights);
            jw_int(w, "macs", L->macs);
            jw_int(w, "weight_bits", L->weight_bits);
            jw_int(w, "act_bits", L->act_bits);
            if (L->act_max > 0) /* only where set: zoo listings stay as they were */
                jw_num(w, "act_max", L->act_max);
            if (L->quant.scheme != QUANT_DEFAULT) {
                jw_obj_begin(w, "quant");
                jw_str(w, "scheme", quant_scheme_name(L->quant.scheme));
                jw_int(w, "per_channel", L->quant.per_channel);
                jw_int(w, "scales", L->quant.n_w_scale);
                jw_obj_end(w);
            }
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

static int show_model(const char *spec, int json, const model_opts_t *mo)
{
    imc_diag_t d;
    diag_init(&d);
    model_t m;
    if (model_load_opts(spec, mo, &m, &d)) {
        fputs(d.text ? d.text : "error: cannot load the model\n", stderr);
        diag_free(&d);
        return 2;
    }
    diag_free(&d);
    if (json) {
        json_w_t w;
        jw_init(&w, stdout);
        model_json(&w, &m, 1);
        jw_finish(&w);
    } else {
        printf("model %s: input %dx%dx%d (HxWxC), %d layers, %" PRId64 " weights, %" PRId64
               " MACs per inference\n", m.name, m.in_h, m.in_w, m.in_c, m.n_layers,
               model_weights(&m), model_macs(&m));
        /* Columns widen for long (ONNX) names; bits show when the model sets any. */
        int nw = 18, iw = 20, bits = 0;
        for (int i = 0; i < m.n_layers; i++) {
            const layer_t *L = &m.layers[i];
            size_t in_len = 0;
            nw = (int)strlen(L->name) > nw ? (int)strlen(L->name) : nw;
            for (int k = 0; k < L->n_inputs; k++)
                in_len += strlen(L->inputs[k] < 0 ? "input" : m.layers[L->inputs[k]].name) + 1;
            iw = nw > 18 && (int)in_len > iw ? ((int)in_len > 95 ? 95 : (int)in_len) : iw;
            bits |= L->weight_bits || L->act_bits;
        }
        printf("%-*s %-14s %-8s %-*s %16s %11s %14s%s\n", nw, "layer", "type", "act", iw,
               "inputs", "output (HxWxC)", "weights", "MACs", bits ? "  bits(w/a)" : "");
        for (int i = 0; i < m.n_layers; i++) {
            const layer_t *L = &m.layers[i];
            char in[96] = "", shp[32];
            for (int k = 0; k < L->n_inputs; k++) {
                const char *nm = L->inputs[k] < 0 ? "input" : m.layers[L->inputs[k]].name;
                if (k)
                    strncat(in, ",", sizeof in - strlen(in) - 1);
                strncat(in, nm, sizeof in - strlen(in) - 1);
            }
            snprintf(shp, sizeof shp, "%dx%dx%d", L->out_h, L->out_w, L->out_c);
            char prec[32] = "";
            if (bits)
                snprintf(prec, sizeof prec, "  %d/%d", L->weight_bits, L->act_bits);
            printf("%-*.*s %-14s %-8s %-*.*s %16s %11" PRId64 " %14" PRId64 "%s\n", nw, nw,
                   L->name, layer_label(L),
                   L->act == ACT_RELU && L->act_max == 6 ? "relu6" : act_kind_name(L->act), iw,
                   iw, in, shp, L->weights, L->macs, prec);
        }
    }
    model_free(&m);
    return 0;
}

int imc_cmd_models(int argc, char **argv)
{
    static const opts_cmd_t c = {
        "models", "models [MODEL] [--json] [options]",
        "Without MODEL, list the model zoo: layers, parameters and MACs per\n"
        "inference. With MODEL (a zoo name, a YAML or an ONNX file, see\n"
        "docs/model-format.md), load it, report any error as file:line:col (the\n"
        "node and operator for ONNX), and print its layers after batchnorm folding\n"
        "and activation fusion.\n",
        NULL, 0, 1, "MODEL"};
    int json = 0;
    const char *spec = NULL;
    model_flags_t mf = MODEL_FLAGS_INIT;
    const opt_t opts[] = {OPT_FLAG(0, "json", &json, "machine-readable output on stdout"),
                          MODEL_OPTIONS(&mf), OPT_END};
    int rc = opts_parse(&c, opts, argc, argv, &spec, NULL);
    if (rc != OPTS_GO)
        return rc;
    model_opts_t mo = model_flags_opts(&mf);
    if (spec)
        return show_model(spec, json, &mo);
    if (mf.weight_bits || mf.act_bits || mf.input_shape || mf.quant)
        return opts_usage_error(&c, "model options apply to one MODEL");
    int n;
    const char *const *names = model_zoo_names(&n);
    json_w_t w;
    if (json) {
        jw_init(&w, stdout);
        jw_arr_begin(&w, NULL);
    } else {
        printf("%-9s %-16s %7s %14s %12s %15s %9s\n", "model", "input (HxWxC)", "layers",
               "weight layers", "weights", "MACs", "GMACs");
    }
    rc = 0;
    for (int i = 0; i < n; i++) {
        imc_diag_t d;
        diag_init(&d);
        model_t m;
        if (model_load(names[i], &m, &d)) {
            fputs(d.text ? d.text : "error: cannot load a zoo model\n", stderr);
            diag_free(&d);
            rc = 1;
            continue;
        }
        diag_free(&d);
        if (json) {
            model_json(&w, &m, 0);
        } else {
            char shp[32];
            snprintf(shp, sizeof shp, "%dx%dx%d", m.in_h, m.in_w, m.in_c);
            printf("%-9s %-16s %7d %14d %12" PRId64 " %15" PRId64 " %9.3f\n", m.name, shp,
                   m.n_layers, count_weight_layers(&m), model_weights(&m), model_macs(&m),
                   (double)model_macs(&m) / 1e9);
        }
        model_free(&m);
    }
    if (json) {
        jw_arr_end(&w);
        jw_finish(&w);
    }
    return rc;
}

