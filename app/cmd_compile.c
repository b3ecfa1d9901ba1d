/* imcsim compile: map a model onto an architecture, write the mapping and traces. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dataset.h"
#include "functional.h"
#include "image.h"
#include "job.h"
#include "outpath.h"
#include "outputs.h"
#include "tracegen.h"
#include "weights.h"

/* Reads a whole file into a malloc'd buffer; 0 ok, -1 with a message. */
static int read_file(const char *path, uint8_t **buf, size_t *len, imc_diag_t *d)
{
    FILE *f = fopen(path, "rb");
    *buf = NULL;
    *len = 0;
    if (!f) {
        diag_error(d, path, 0, 0, "cannot read: %s", strerror(errno));
        return -1;
    }
    size_t cap = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            uint8_t *p = realloc(*buf, cap);
            if (!p) {
                fclose(f);
                diag_error(d, path, 0, 0, "out of memory");
                return -1;
            }
            *buf = p;
        }
        size_t n = fread(*buf + *len, 1, cap - *len, f);
        *len += n;
        if (n == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        diag_error(d, path, 0, 0, "cannot read: %s", strerror(errno));
    return bad ? -1 : 0;
}

/* The model image for a virtual platform (docs/vp.md): the model's bytes, the
 * first 32 samples of calib (activation scales, as `imcsim run --functional`
 * takes them from its data), the mapping and the traces. */
static int write_image(const job_opts_t *jo, const job_t *j, const char *path,
                       const char *calib_path, imc_diag_t *d)
{
    const model_t *m = &j->model;
    image_src_t s = {0};
    s.arch = j->arch;
    s.model = m;
    s.mapping = &j->mapping;
    s.mopts = model_flags_opts(&jo->mflags);
    s.policy = jo->policy;
    if (s.mopts.quant_file) {
        diag_error(d, NULL, 0, 0, "--quant is not carried by an image (expected a model file "
                   "with its quant blocks)");
        return 2;
    }
    size_t zl = 0;
    const char *zoo = model_zoo_text(jo->model, &zl);
    uint8_t *bytes = NULL;
    size_t bl = 0;
    s.model_onnx = !zoo && strlen(jo->model) > 5 && !strcmp(jo->model + strlen(jo->model) - 5, ".onnx");
    if (zoo) {
        s.model_bytes = zoo;
        s.model_len = zl;
    } else if (read_file(jo->model, &bytes, &bl, d)) {
        return 2;
    } else {
        s.model_bytes = bytes;
        s.model_len = bl;
    }
    const int weights = model_has_weights(m);
    if (!s.model_onnx && (weights || jo->mflags.weight_bits || jo->mflags.act_bits)) {
        diag_error(d, jo->model, 0, 0, "an image carries a YAML model without weights or "
                   "--weight-bits/--act-bits (expected an ONNX model or a plain YAML model)");
        free(bytes);
        return 2;
    }
    dataset_t cal = {0};
    int rc = 0;
    if (calib_path) {
        if (dataset_read(calib_path, &cal, d))
            rc = 2;
        else if ((size_t)cal.h * cal.w * cal.c != (size_t)m->in_h * m->in_w * m->in_c) {
            diag_error(d, calib_path, 0, 0, "samples of %dx%dx%d (expected %dx%dx%d, model '%s')",
                       cal.h, cal.w, cal.c, m->in_h, m->in_w, m->in_c, m->name);
            rc = 2;
        } else {
            s.calib = cal.x;
            s.n_calib = cal.n < 32 ? cal.n : 32;
        }
    }
    if (!rc && weights) { /* the functional model opens, and says how many outputs */
        func_net_t *fn = NULL;
        func_opts_t fo = {.seed = 1};
        if (func_open(&fn, j->arch, &j->mapping, &fo, s.calib, s.n_calib, d))
            rc = 2;
        else
            s.out_values = (uint32_t)func_output_size(fn);
        func_close(fn);
    }
    trace_layer_t *layers = NULL;
    if (!rc && tracegen_build(&j->mapping, &layers, d))
        rc = 2;
    s.layers = layers;
    uint8_t *img = NULL;
    size_t il = 0;
    if (!rc && image_write(&s, &img, &il, d))
        rc = 2;
    if (!rc && outpath_file("compile", path, 1))
        rc = 1;
    if (!rc) {
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(img, 1, il, f) != il || fclose(f)) {
            diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
            rc = 1;
        }
    }
    if (!rc)
        fprintf(stderr, "imcsim compile: wrote %s: %zu bytes (image format %d, %d layers, "
                "%d calibration samples, %u outputs per inference)\n", path, il, IMAGE_VERSION,
                m->n_layers, s.n_calib, s.out_values);
    free(img);
    if (layers)
        trace_layers_free(layers, m->n_layers);
    if (calib_path)
        dataset_free(&cal);
    free(bytes);
    return rc;
}

/* Does the image overwrite one of the directory's files or an input? */
static int clash(const char *cmd, const job_opts_t *jo, const char *dir, const char *image,
                 const char *calib)
{
    char mapping[4096], index[4096];
    snprintf(mapping, sizeof mapping, "%s/" TRACE_MAPPING_NAME, dir ? dir : "");
    snprintf(index, sizeof index, "%s/" TRACE_INDEX_NAME, dir ? dir : "");
    char *manifest = outputs_default_manifest(dir, NULL, NULL); /* NULL without -o */
    const outpath_use_t u[] = {
        {"--image", image, 1, NULL},
        {"the mapping of -o", dir ? mapping : NULL, 1, NULL},
        {"the trace index of -o", dir ? index : NULL, 1, NULL},
        {"the manifest of -o", manifest, 1, NULL},
        {"a trace (*.imct) of -o", dir, 1, ".imct"},
        {"--arch", jo->arch, 0, NULL},
        {"--model", jo->model, 0, NULL},
        {"--quant", jo->mflags.quant, 0, NULL},
        {"--calib", calib, 0, NULL},
    };
    int rc = outpath_clash(cmd, u, (int)(sizeof u / sizeof u[0]));
    free(manifest);
    return rc;
}

/* mapping.json and the traces are written into a temporary directory inside
 * DIR, then moved into DIR together, under DIR/manifest.json (app/outputs.h):
 * a compile killed half-way leaves the previous set as it was. */
static int write_outputs(const job_opts_t *jo, const mapping_t *mp, const char *dir,
                         imc_diag_t *d)
{
    outputs_t out;
    outputs_init(&out, "compile");
    const char *tmp;
    if (outpath_dir("compile", dir, 1) || !(tmp = outputs_dir(&out, "traces", dir))) {
        outputs_abort(&out);
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/" TRACE_MAPPING_NAME, tmp);
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (!f) {
        diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
        rc = -1;
    } else {
        mapping_write_json(mp, f);
        if (fclose(f)) {
            diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
            rc = -1;
        }
    }
    /* The per-layer traces go beside mapping.json (docs/trace-format.md). */
    char source[4096];
    job_model_source(jo, source, sizeof source);
    if (!rc && tracegen_write_dir(mp, tmp, source, d))
        rc = -1;
    char *manifest = outputs_default_manifest(dir, NULL, NULL); /* DIR/manifest.json */
    if (!manifest) /* out of memory */
        rc = -1;
    if (rc)
        outputs_abort(&out);
    else if (outputs_commit(&out, manifest))
        rc = -1;
    free(manifest);
    return rc;
}

int imc_cmd_compile(int argc, char **argv)
{
    static const opts_cmd_t c = {
        "compile", "compile --arch A --model M [-o DIR] [--json] [--image FILE [--calib D]] [options]",
        "Map model M (zoo name, YAML or ONNX file) onto architecture A (preset name or\n"
        "YAML file): unroll, slice, tile, replicate and place every layer\n"
        "(docs/compiler.md). Prints the mapping report; with -o, writes\n"
        "DIR/mapping.json and the per-layer traces (docs/trace-format.md), published\n"
        "together under DIR/manifest.json (docs/run.md); with --image, the model image of\n"
        "a virtual platform (docs/vp.md).\n",
        "exit status: 0 ok, 1 writing the output failed, 2 bad input (including a\n"
        "model that does not fit the architecture)\n",
        0, 0, NULL};
    job_opts_t jo = JOB_OPTS_INIT;
    const char *dir = NULL, *image = NULL, *calib = NULL;
    int json = 0;
    const opt_t opts[] = {
        JOB_OPTIONS(&jo),
        OPT_STRING('o', "output", &dir, "DIR", "write DIR/mapping.json and the traces\n"
                                               "(DIR and its parents are created if missing)"),
        OPT_FLAG(0, "json", &json, "print the mapping JSON on stdout instead of the text"),
        OPT_STRING(0, "image", &image, "FILE", "write the model image a virtual platform loads\n"
                                               "(docs/vp.md): model, mapping, traces"),
        OPT_STRING(0, "calib", &calib, "FILE", "with --image: data set whose first 32 samples fix\n"
                                               "activation scales (as run --functional's --data)"),
        OPT_END,
    };
    int rc = opts_parse(&c, opts, argc, argv, NULL, NULL);
    if (rc == OPTS_GO && (!jo.arch || !jo.model))
        rc = opts_usage_error(&c, "%s is required", !jo.arch ? "--arch" : "--model");
    if (rc == OPTS_GO && calib && !image)
        rc = opts_usage_error(&c, "--calib needs --image FILE");
    if (rc == OPTS_GO && ((dir && outpath_dir(c.name, dir, 0)) ||
                          (image && outpath_file(c.name, image, 0)) ||
                          clash(c.name, &jo, dir, image, calib)))
        rc = 1;
    if (rc != OPTS_GO) {
        opt_list_free(&jo.sets);
        return rc;
    }
    imc_diag_t d;
    diag_init(&d);
    job_t j;
    rc = job_compile(&jo, &j, &d);
    if (!rc && dir && write_outputs(&jo, &j.mapping, dir, &d))
        rc = 1;
    if (!rc && image)
        rc = write_image(&jo, &j, image, calib, &d);
    if (!rc) {
        if (json)
            mapping_write_json(&j.mapping, stdout);
        else
            mapping_write_text(&j.mapping, stdout);
    }
    if (d.text)
        fputs(d.text, stderr);
    job_free(&j);
    diag_free(&d);
    opt_list_free(&jo.sets);
    return rc;
}
