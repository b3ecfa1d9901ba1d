/* imcsim compile: map a model onto an architecture, write the mapping and traces. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "job.h"
#include "outpath.h"
#include "outputs.h"
#include "tracegen.h"

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
    snprintf(path, sizeof path, "%s/mapping.json", tmp);
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
    char manifest[4096];
    snprintf(manifest, sizeof manifest, "%s/manifest.json", dir);
    if (rc)
        outputs_abort(&out);
    else if (outputs_commit(&out, manifest))
        rc = -1;
    return rc;
}

int imc_cmd_compile(int argc, char **argv)
{
    static const opts_cmd_t c = {
        "compile", "compile --arch A --model M [-o DIR] [--json] [options]",
        "Map model M (zoo name, YAML or ONNX file) onto architecture A (preset name or\n"
        "YAML file): unroll, slice, tile, replicate and place every layer\n"
        "(docs/compiler.md). Prints the mapping report; with -o, writes\n"
        "DIR/mapping.json and the per-layer traces (docs/trace-format.md), published\n"
        "together under DIR/manifest.json (docs/run.md).\n",
        "exit status: 0 ok, 1 writing the output failed, 2 bad input (including a\n"
        "model that does not fit the architecture)\n",
        0, 0, NULL};
    job_opts_t jo = JOB_OPTS_INIT;
    const char *dir = NULL;
    int json = 0;
    const opt_t opts[] = {
        JOB_OPTIONS(&jo),
        OPT_STRING('o', "output", &dir, "DIR", "write DIR/mapping.json and the traces\n"
                                               "(DIR and its parents are created if missing)"),
        OPT_FLAG(0, "json", &json, "print the mapping JSON on stdout instead of the text"),
        OPT_END,
    };
    int rc = opts_parse(&c, opts, argc, argv, NULL, NULL);
    if (rc == OPTS_GO && (!jo.arch || !jo.model))
        rc = opts_usage_error(&c, "%s is required", !jo.arch ? "--arch" : "--model");
    if (rc == OPTS_GO && dir && outpath_dir(c.name, dir, 0))
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
