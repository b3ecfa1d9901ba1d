/* imcsim compile: map a model onto an architecture, write the mapping and traces. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "compile.h"
#include "json.h"
#include "model.h"
#include "model_flags.h"

#include "arch_load.h"
#include "tracegen.h"

#define MAX_SETS 64

static void compile_usage(FILE *f)
{
    fprintf(f, "usage: imcsim compile --arch A --model M [-o DIR] [--json]\n"
               "                      [--replicate none|balanced|max] [--set k=v ...]\n\n"
               "Map model M (zoo name, YAML or ONNX file) onto architecture A (preset name or\n"
               "YAML file): unroll, slice, tile, replicate and place every layer\n"
               "(docs/compiler.md). Prints the mapping report; with -o, writes\n"
               "DIR/mapping.json and the per-layer traces (docs/trace-format.md).\n\n"
               "options:\n"
               "  --arch A          architecture preset or YAML file\n"
               "  --model M         model zoo name, YAML or ONNX file\n"
               "  -o DIR            output directory (created if missing)\n"
               "  --json            print the mapping JSON on stdout instead of the text\n"
               "  --replicate P     none | balanced (default: fill the chips the model\n"
               "                    needs) | max (fill every chip of the system)\n"
               "  --set k=v         override an architecture parameter (repeatable)\n"
               MODEL_FLAGS_HELP
               "  --help            this text\n\n"
               "exit status: 0 ok, 1 the model does not fit or output failed, 2 bad input\n");
}

static int write_outputs(const mapping_t *mp, const char *dir, imc_diag_t *d)
{
    if (mkdir(dir, 0777) && errno != EEXIST) {
        diag_error(d, dir, 0, 0, "cannot create the directory: %s", strerror(errno));
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/mapping.json", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
        return -1;
    }
    mapping_write_json(mp, f);
    if (fclose(f)) {
        diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
        return -1;
    }
    /* TRACES HOOK: the trace generator (traces/tracegen.h) writes the
     * per-layer traces beside mapping.json. */
    if (tracegen_write_dir(mp, dir, d))
        return -1;
    return 0;
}

int imc_cmd_compile(int argc, char **argv)
{
    const char *arch_spec = NULL, *model_spec = NULL, *dir = NULL;
    const char *sets[MAX_SETS];
    int nsets = 0, json = 0;
    replicate_policy_t policy = REPLICATE_BALANCED;
    model_opts_t mo = {0};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        int has_val = i + 1 < argc, mf = model_flag("compile", argc, argv, &i, &mo);
        if (mf < 0)
            return 2;
        if (mf)
            continue;
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            compile_usage(stdout);
            return 0;
        } else if (!strcmp(o, "--json")) {
            json = 1;
        } else if (has_val && !strcmp(o, "--arch")) {
            arch_spec = argv[++i];
        } else if (has_val && !strcmp(o, "--model")) {
            model_spec = argv[++i];
        } else if (has_val && !strcmp(o, "-o")) {
            dir = argv[++i];
        } else if (has_val && !strcmp(o, "--replicate")) {
            int p = replicate_policy_parse(argv[++i]);
            if (p < 0) {
                fprintf(stderr, "imcsim compile: error: --replicate '%s' (expected none, "
                        "balanced or max)\n", argv[i]);
                return 2;
            }
            policy = (replicate_policy_t)p;
        } else if (has_val && !strcmp(o, "--set")) {
            if (nsets == MAX_SETS) {
                fprintf(stderr, "imcsim compile: error: more than %d --set\n", MAX_SETS);
                return 2;
            }
            sets[nsets++] = argv[++i];
        } else {
            fprintf(stderr, "imcsim compile: error: %s '%s'\n",
                    o[0] == '-' ? "unknown option or missing value" : "unexpected argument", o);
            compile_usage(stderr);
            return 2;
        }
    }
    if (!arch_spec || !model_spec) {
        fprintf(stderr, "imcsim compile: error: %s is required\n",
                !arch_spec ? "--arch" : "--model");
        compile_usage(stderr);
        return 2;
    }
    imc_diag_t d;
    diag_init(&d);
    arch_t *a = calloc(1, sizeof *a);
    model_t m;
    memset(&m, 0, sizeof m);
    mapping_t mp;
    memset(&mp, 0, sizeof mp);
    int rc = 2;
    if (!a || arch_load(arch_spec, sets, nsets, a, &d) || model_load_opts(model_spec, &mo, &m, &d))
        goto out;
    rc = 1;
    if (compile_model(a, &m, policy, &mp, &d))
        goto out;
    if (dir && write_outputs(&mp, dir, &d))
        goto out;
    if (json)
        mapping_write_json(&mp, stdout);
    else
        mapping_write_text(&mp, stdout);
    rc = 0;
out:
    if (d.text)
        fputs(d.text, stderr);
    mapping_free(&mp);
    model_free(&m);
    free(a);
    diag_free(&d);
    return rc;
}
