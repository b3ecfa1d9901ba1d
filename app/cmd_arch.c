/* imcsim arch: show, check, dump, params, presets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_load.h"
#include "cli.h"
#include "opts.h"
#include "rollup.h"

static const char *const usage_text =
    "usage: imcsim arch <subcommand> [options]\n"
    "\n"
    "subcommands:\n"
    "  show NAME|FILE [--json] [--set KEY=VALUE]...\n"
    "                 hierarchy, power/area per component and level, peak throughput\n"
    "  check FILE [--set KEY=VALUE]...\n"
    "                 validate; print warnings; exit 0 when valid, 2 when not\n"
    "  dump NAME|FILE [--set KEY=VALUE]...\n"
    "                 the effective configuration as YAML (loads back to the same arch)\n"
    "  params [--markdown]\n"
    "                 every parameter: key, type and bounds, unit, default, description\n"
    "  presets        the shipped presets\n"
    "\n"
    "NAME is a preset (see 'imcsim arch presets'); FILE a YAML architecture, which\n"
    "may start from a preset with 'base: NAME'. --set overrides any parameter by its\n"
    "dotted YAML key, e.g. --set adc.bits=6 --set chip.noc.topology=torus.\n"
    "'imcsim arch <subcommand> --help' describes one subcommand.\n";

/* Options of the subcommands that load an architecture. */
typedef struct arch_args {
    const char *spec;
    opt_list_t sets;
    int json;
} arch_args_t;

/* Loads o->spec; prints the diagnostics to stderr. 0 ok, 2 invalid. */
static int load(const arch_args_t *o, arch_t *a)
{
    imc_diag_t d;
    diag_init(&d);
    int rc = arch_load(o->spec, o->sets.v, o->sets.n, a, &d);
    if (d.text)
        fputs(d.text, stderr);
    diag_free(&d);
    return rc ? 2 : 0;
}

static int cmd_show(int argc, char **argv)
{
    static const opts_cmd_t c = {
        "arch show", "arch show NAME|FILE [--json] [--set KEY=VALUE]...",
        "Print the hierarchy with component counts, power (dynamic at full activity\n"
        "+ leakage) and area per component class and per level (one CE, one tile\n"
        "with its share of the router, the chip with its off-chip link), and the\n"
        "peak throughput of one chip (a MAC counts 2 ops), per W and per mm2.\n",
        NULL, 1, 1, "NAME|FILE"};
    arch_args_t o = {0};
    const opt_t opts[] = {
        OPT_FLAG(0, "json", &o.json,
                 "print the same as JSON: levels.{ce,tile,chip}.{count,power_w,\n"
                 "area_mm2}, peak.{ops_per_s,ops_per_s_per_w,ops_per_s_per_mm2},\n"
                 "power_w_by_class, area_mm2_by_class (chip totals), components, ..."),
        OPT_SET(&o.sets),
        OPT_END,
    };
    int rc = opts_parse(&c, opts, argc, argv, &o.spec, NULL);
    if (rc == OPTS_GO) {
        arch_t *a = malloc(sizeof *a);
        arch_rollup_t *r = malloc(sizeof *r);
        rc = !a || !r ? 1 : load(&o, a);
        if (!rc) {
            arch_rollup(a, r);
            if (o.json)
                arch_rollup_json(a, r, stdout);
            else
                arch_rollup_print(a, r, stdout);
        }
        free(a);
        free(r);
    }
    opt_list_free(&o.sets);
    return rc;
}

/* check and dump: load, then print one thing. */
static int load_and(const opts_cmd_t *c, int argc, char **argv, int dump)
{
    arch_args_t o = {0};
    const opt_t opts[] = {OPT_SET(&o.sets), OPT_END};
    int rc = opts_parse(c, opts, argc, argv, &o.spec, NULL);
    if (rc == OPTS_GO) {
        arch_t *a = malloc(sizeof *a);
        rc = a ? load(&o, a) : 1;
        if (!rc && dump)
            arch_dump_yaml(a, stdout);
        else if (!rc)
            printf("%s: valid (%s)\n", o.spec, a->name);
        free(a);
    }
    opt_list_free(&o.sets);
    return rc;
}

static int cmd_check(int argc, char **argv)
{
    static const opts_cmd_t c = {
        "arch check", "arch check FILE [--set KEY=VALUE]...",
        "Validate an architecture file (or preset) with its overrides. Errors and\n"
        "warnings go to stderr as 'file:line:col: error: ...'.\n",
        "exit status: 0 valid (warnings allowed), 2 invalid\n", 1, 1, "NAME|FILE"};
    return load_and(&c, argc, argv, 0);
}

static int cmd_dump(int argc, char **argv)
{
    static const opts_cmd_t c = {
        "arch dump", "arch dump NAME|FILE [--set KEY=VALUE]...",
        "Print the effective configuration (preset, file and overrides applied,\n"
        "defaults filled) as YAML with every parameter. The output loads back to\n"
        "the same architecture.\n",
        NULL, 1, 1, "NAME|FILE"};
    return load_and(&c, argc, argv, 1);
}

static int cmd_params(int argc, char **argv)
{
    static const opts_cmd_t c = {
        "arch params", "arch params [--markdown]",
        "Print every architecture parameter: dotted YAML key, type and bounds, unit,\n"
        "default and description.\n",
        NULL, 0, 0, NULL};
    int markdown = 0;
    const opt_t opts[] = {OPT_FLAG(0, "markdown", &markdown, "print a Markdown table"), OPT_END};
    int rc = opts_parse(&c, opts, argc, argv, NULL, NULL);
    if (rc != OPTS_GO)
        return rc;
    arch_print_params(stdout, markdown);
    return 0;
}

static int cmd_presets(int argc, char **argv)
{
    static const opts_cmd_t c = {
        "arch presets", "arch presets",
        "List the shipped presets (usable as NAME or 'base: NAME').\n", NULL, 0, 0, NULL};
    const opt_t opts[] = {OPT_END};
    int rc = opts_parse(&c, opts, argc, argv, NULL, NULL);
    if (rc != OPTS_GO)
        return rc;
    int n;
    const char *const *names = arch_preset_names(&n);
    for (int i = 0; i < n; i++)
        printf("%s\n", names[i]);
    return 0;
}

int imc_cmd_arch(int argc, char **argv)
{
    static const cli_sub_t subs[] = {{"show", cmd_show}, {"check", cmd_check}, {"dump", cmd_dump},
                                     {"params", cmd_params}, {"presets", cmd_presets}, {NULL, NULL}};
    return cli_dispatch("arch", subs, usage_text, argc, argv);
}
