/* imcsim arch: show, check, dump, params, presets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_load.h"
#include "cli.h"
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

typedef struct opts {
    const char *spec;
    const char **sets;
    int nsets;
    int json, markdown, help;
} opts_t;

static int is_help(const char *s) { return !strcmp(s, "--help") || !strcmp(s, "-h"); }

/* 0 ok, 2 usage error (message printed). */
static int parse(int argc, char **argv, opts_t *o, int want_spec, int allow_json,
                 int allow_md)
{
    memset(o, 0, sizeof *o);
    o->sets = calloc((size_t)argc + 1, sizeof *o->sets);
    if (!o->sets)
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (is_help(s)) {
            o->help = 1;
        } else if (!strcmp(s, "--set") || !strcmp(s, "-s")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "imcsim arch %s: error: --set needs KEY=VALUE\n", argv[0]);
                return 2;
            }
            o->sets[o->nsets++] = argv[++i];
        } else if (!strncmp(s, "--set=", 6)) {
            o->sets[o->nsets++] = s + 6;
        } else if (allow_json && !strcmp(s, "--json")) {
            o->json = 1;
        } else if (allow_md && !strcmp(s, "--markdown")) {
            o->markdown = 1;
        } else if (s[0] == '-' && s[1]) {
            fprintf(stderr, "imcsim arch %s: error: unknown option '%s' (see 'imcsim arch "
                            "%s --help')\n", argv[0], s, argv[0]);
            return 2;
        } else if (want_spec && !o->spec) {
            o->spec = s;
        } else {
            fprintf(stderr, "imcsim arch %s: error: unexpected argument '%s'\n", argv[0], s);
            return 2;
        }
    }
    if (want_spec && !o->spec && !o->help) {
        fprintf(stderr, "imcsim arch %s: error: missing NAME|FILE (see 'imcsim arch %s "
                        "--help')\n", argv[0], argv[0]);
        return 2;
    }
    return 0;
}

/* Loads o->spec; prints the diagnostics to stderr. 0 ok, 2 invalid. */
static int load(const opts_t *o, arch_t *a)
{
    imc_diag_t d;
    diag_init(&d);
    int rc = arch_load(o->spec, o->sets, o->nsets, a, &d);
    if (d.text)
        fputs(d.text, stderr);
    diag_free(&d);
    return rc ? 2 : 0;
}

static int cmd_show(int argc, char **argv)
{
    opts_t o;
    int rc = parse(argc, argv, &o, 1, 1, 0);
    if (!rc && o.help)
        printf("usage: imcsim arch show NAME|FILE [--json] [--set KEY=VALUE]...\n\n"
               "Print the hierarchy with component counts, power (dynamic at full activity\n"
               "+ leakage) and area per component class and per level (one CE, one tile\n"
               "with its share of the router, the chip with its off-chip link), and the\n"
               "peak throughput of one chip (a MAC counts 2 ops), per W and per mm2.\n"
               "--json prints the same as JSON: levels.{ce,tile,chip}.{count,power_w,\n"
               "area_mm2}, peak.{ops_per_s,ops_per_s_per_w,ops_per_s_per_mm2},\n"
               "power_w_by_class, area_mm2_by_class (chip totals), components, ...\n");
    if (!rc && !o.help) {
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
    free(o.sets);
    return rc;
}

static int cmd_check(int argc, char **argv)
{
    opts_t o;
    int rc = parse(argc, argv, &o, 1, 0, 0);
    if (!rc && o.help)
        printf("usage: imcsim arch check FILE [--set KEY=VALUE]...\n\n"
               "Validate an architecture file (or preset) with its overrides. Errors and\n"
               "warnings go to stderr as 'file:line:col: error: ...'. Exit status: 0 valid\n"
               "(warnings allowed), 2 invalid.\n");
    if (!rc && !o.help) {
        arch_t *a = malloc(sizeof *a);
        rc = a ? load(&o, a) : 1;
        if (!rc)
            printf("%s: valid (%s)\n", o.spec, a->name);
        free(a);
    }
    free(o.sets);
    return rc;
}

static int cmd_dump(int argc, char **argv)
{
    opts_t o;
    int rc = parse(argc, argv, &o, 1, 0, 0);
    if (!rc && o.help)
        printf("usage: imcsim arch dump NAME|FILE [--set KEY=VALUE]...\n\n"
               "Print the effective configuration (preset, file and overrides applied,\n"
               "defaults filled) as YAML with every parameter. The output loads back to\n"
               "the same architecture.\n");
    if (!rc && !o.help) {
        arch_t *a = malloc(sizeof *a);
        rc = a ? load(&o, a) : 1;
        if (!rc)
            arch_dump_yaml(a, stdout);
        free(a);
    }
    free(o.sets);
    return rc;
}

static int cmd_params(int argc, char **argv)
{
    opts_t o;
    int rc = parse(argc, argv, &o, 0, 0, 1);
    if (!rc && o.help)
        printf("usage: imcsim arch params [--markdown]\n\n"
               "Print every architecture parameter: dotted YAML key, type and bounds, unit,\n"
               "default and description. --markdown prints a Markdown table.\n");
    else if (!rc)
        arch_print_params(stdout, o.markdown);
    free(o.sets);
    return rc;
}

static int cmd_presets(int argc, char **argv)
{
    opts_t o;
    int rc = parse(argc, argv, &o, 0, 0, 0);
    if (!rc && o.help)
        printf("usage: imcsim arch presets\n\nList the shipped presets (usable as NAME or "
               "'base: NAME').\n");
    else if (!rc) {
        int n;
        const char *const *names = arch_preset_names(&n);
        for (int i = 0; i < n; i++)
            printf("%s\n", names[i]);
    }
    free(o.sets);
    return rc;
}

int imc_cmd_arch(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } subs[] = {{"show", cmd_show}, {"check", cmd_check}, {"dump", cmd_dump},
                {"params", cmd_params}, {"presets", cmd_presets}};
    if (argc < 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (is_help(argv[1]) || !strcmp(argv[1], "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(argv[1], subs[i].name))
            return subs[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "imcsim arch: error: unknown subcommand '%s'\n", argv[1]);
    fputs(usage_text, stderr);
    return 2;
}
