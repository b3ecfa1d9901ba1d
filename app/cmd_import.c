/* imcsim import: an ONNX network as a YAML model (docs/model-format.md) that
 * names its weight tensors in the ONNX file instead of copying them. */
#define _DEFAULT_SOURCE /* realpath, strtok_r */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "job.h"
#include "model.h"
#include "opts.h"
#include "outpath.h"
#include "outputs.h"

/* Split a resolved path into its components (in place). */
static int components(char *p, char **c, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(p, "/", &save); t && n < max; t = strtok_r(NULL, "/", &save))
        c[n++] = t;
    return n;
}

/* The path of `target` relative to directory `from` (both resolved). */
static int relative(const char *from, const char *target, char *out, size_t n)
{
    char a[PATH_MAX], b[PATH_MAX], *ca[PATH_MAX / 2], *cb[PATH_MAX / 2];
    if (!realpath(from, a) || !realpath(target, b))
        return -1;
    int na = components(a, ca, PATH_MAX / 2), nb = components(b, cb, PATH_MAX / 2), common = 0;
    while (common < na && common < nb - 1 && !strcmp(ca[common], cb[common]))
        common++;
    size_t k = 0;
    out[0] = '\0';
    for (int i = common; i < na && k + 4 < n; i++) /* up out of what `from` has more */
        k += (size_t)snprintf(out + k, n - k, "../");
    for (int i = common; i < nb && k < n; i++)
        k += (size_t)snprintf(out + k, n - k, "%s%s", cb[i], i + 1 < nb ? "/" : "");
    return 0;
}

int imc_cmd_import(int argc, char **argv)
{
    static const opts_cmd_t c = {
        "import", "import FILE.onnx [-o MODEL.yaml] [options]",
        "Load an ONNX network (docs/model-format.md, \"ONNX models\") and write it in\n"
        "imcsim's YAML model format: the layers after folding and fusion, their\n"
        "quantization, and for each weight layer the names of its tensors in the\n"
        "ONNX file, which the YAML references by a path relative to itself.\n"
        "Loading the YAML gives the same layers, mapping and weights.\n",
        "exit status: 0 ok, 1 the output cannot be written, 2 bad input\n", 1, 1, "FILE.onnx"};
    const char *in = NULL, *outp = NULL;
    model_flags_t mf = MODEL_FLAGS_INIT;
    const opt_t opts[] = {
        OPT_STRING('o', "output", &outp, "FILE", "write the YAML there (default: standard "
                                                  "output;\nits directory is created if missing)"),
        MODEL_OPTIONS(&mf),
        OPT_END,
    };
    int rc = opts_parse(&c, opts, argc, argv, &in, NULL);
    if (rc != OPTS_GO)
        return rc;
    size_t n = strlen(in);
    if (n < 6 || strcmp(in + n - 5, ".onnx"))
        return opts_usage_error(&c, "'%s' is not an .onnx file", in);
    const outpath_use_t uses[] = {{"-o", outp, 1, NULL},
                                  {"the ONNX model", in, 0, NULL},
                                  {"--quant", mf.quant, 0, NULL}};
    const int n_uses = (int)(sizeof uses / sizeof uses[0]);
    if (outp && (outpath_file(c.name, outp, 1) || outpath_clash(c.name, uses, n_uses)))
        return 1;
    imc_diag_t d;
    diag_init(&d);
    model_t m;
    model_opts_t mo = model_flags_opts(&mf);
    if (model_load_opts(in, &mo, &m, &d)) {
        fputs(d.text ? d.text : "error: cannot load the model\n", stderr);
        diag_free(&d);
        return 2;
    }
    diag_free(&d);
    /* Where the YAML goes decides how it names the ONNX file. */
    char dir[PATH_MAX], ref[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", outp ? outp : "./-");
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    if (!slash || !dir[0])
        snprintf(dir, sizeof dir, "%s", slash ? "/" : ".");
    if (relative(dir, in, ref, sizeof ref)) {
        fprintf(stderr, "imcsim import: error: cannot resolve '%s' from '%s': %s\n", in, dir,
                strerror(errno));
        model_free(&m);
        return 1;
    }
    /* -o FILE is replaced at once, never left half written (app/outputs.h) */
    outputs_t out;
    outputs_init(&out, c.name);
    FILE *f = outputs_open(&out, "model", outp ? outp : "-");
    if (!f) {
        outputs_abort(&out);
        model_free(&m);
        return 1;
    }
    if (model_write_yaml(&m, f, ref, in)) {
        fprintf(stderr, "imcsim import: error: cannot write '%s'\n", outp ? outp : "stdout");
        outputs_abort(&out);
        rc = 1;
    } else {
        rc = outputs_commit(&out, NULL);
    }
    model_free(&m);
    return rc;
}
