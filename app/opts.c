/* The option parser (opts.h): the command's table becomes getopt_long's
 * struct option array; values are converted and range-checked here so every
 * command words its errors the same way. */
#define _GNU_SOURCE /* getopt_long */
#include "opts.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ytree.h" /* parse_int64, parse_double */

enum { POSITIONAL = 1, MISSING_VALUE = ':', UNKNOWN = '?', HELP = 'h', LONG_ONLY = 256 };

static int count_opts(const opt_t *o)
{
    int n = 0;
    while (o[n].kind != OPT_K_END)
        n++;
    return n;
}

void opt_list_free(opt_list_t *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static int list_push(opt_list_t *l, const char *s)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        const char **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

static void vreport(const opts_cmd_t *c, const char *fmt, va_list ap)
{
    fprintf(stderr, "imcsim %s: error: ", c->name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'imcsim %s --help')\n", c->name);
}

int opts_usage_error(const opts_cmd_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, fmt, ap);
    va_end(ap);
    return 2;
}

/* "imcsim CMD: error: --batch 'x' (expected an integer in 1..100000)" */
static int bad_value(const opts_cmd_t *c, const opt_t *o, const char *v)
{
    fprintf(stderr, "imcsim %s: error: --%s '%s' (expected ", c->name, o->name, v);
    if (o->kind == OPT_K_INT && o->max == INT64_MAX)
        fprintf(stderr, o->min == 1 ? "a positive integer" : "an integer >= %" PRId64, o->min);
    else if (o->kind == OPT_K_INT)
        fprintf(stderr, "an integer in %" PRId64 "..%" PRId64, o->min, o->max);
    else if (o->kind == OPT_K_DOUBLE)
        fprintf(stderr, "a number in %g..%g", o->dmin, o->dmax);
    else if (o->kind == OPT_K_ENUM) {
        int n = 0;
        while (o->enum_name(n))
            n++;
        for (int i = 0; i < n; i++)
            fprintf(stderr, "%s%s", i ? (i == n - 1 ? " or " : ", ") : "", o->enum_name(i));
    } else
        fprintf(stderr, "a value");
    fprintf(stderr, ")\n");
    return 2;
}

/* Stores the value of one occurrence; 0 ok, 2 bad value (reported). */
static int store(const opts_cmd_t *c, const opt_t *o, const char *v)
{
    switch (o->kind) {
    case OPT_K_FLAG:
        *(int *)o->value = 1;
        return 0;
    case OPT_K_STRING:
        *(const char **)o->value = v;
        return 0;
    case OPT_K_INT: {
        int64_t x;
        if (parse_int64(v, &x) || x < o->min || x > o->max)
            return bad_value(c, o, v);
        *(int64_t *)o->value = x;
        return 0;
    }
    case OPT_K_DOUBLE: {
        double x;
        if (parse_double(v, &x) || !(x >= o->dmin && x <= o->dmax))
            return bad_value(c, o, v);
        *(double *)o->value = x;
        return 0;
    }
    case OPT_K_ENUM:
        for (int i = 0; o->enum_name(i); i++)
            if (!strcmp(o->enum_name(i), v)) {
                *(int *)o->value = i;
                return 0;
            }
        return bad_value(c, o, v);
    case OPT_K_LIST:
        if (list_push(o->value, v)) {
            fprintf(stderr, "imcsim %s: error: out of memory\n", c->name);
            return 2;
        }
        return 0;
    case OPT_K_END:
        break;
    }
    return 2;
}

/* Why getopt_long refused `tok`: a value given to a flag, a prefix of
 * several options, or an option the command does not have. Returns 2. */
static int refused(const opts_cmd_t *c, const opt_t *opts, const char *tok)
{
    if (strncmp(tok, "--", 2))
        return opts_usage_error(c, "unknown option '%s'", tok);
    const char *name = tok + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    char cands[256] = "";
    int matches = 0;
    for (const opt_t *o = opts; o->kind != OPT_K_END; o++) {
        if (eq && o->kind == OPT_K_FLAG && strlen(o->name) == len && !strncmp(o->name, name, len))
            return opts_usage_error(c, "'--%s' takes no value", o->name);
        if (!strncmp(o->name, name, len)) {
            size_t u = strlen(cands);
            snprintf(cands + u, sizeof cands - u, "%s--%s", matches++ ? ", " : "", o->name);
        }
    }
    if (matches > 1)
        return opts_usage_error(c, "ambiguous option '%.*s' (could be %s)", (int)len + 2, tok,
                                cands);
    return opts_usage_error(c, "unknown option '%s'", tok);
}

/* The word getopt_long was reading (argv[optind] before the call), for
 * messages: it does not say which text it rejected. */
static const char *offending(char **argv, int argc, int idx)
{
    return idx > 0 && idx < argc ? argv[idx] : "?";
}

int opts_parse(const opts_cmd_t *c, const opt_t *opts, int argc, char **argv,
               const char **pos, int *npos)
{
    int n = count_opts(opts), np = 0, rc = OPTS_GO;
    struct option *lo = calloc((size_t)n + 2, sizeof *lo);
    /* "-": positional arguments come back in order as POSITIONAL;
     * ":": a missing value comes back as MISSING_VALUE. */
    char *so = malloc(3 + 3 * ((size_t)n + 1) + 1);
    if (!lo || !so) {
        free(lo);
        free(so);
        fprintf(stderr, "imcsim %s: error: out of memory\n", c->name);
        return 2;
    }
    size_t k = 0;
    so[k++] = '-';
    so[k++] = ':';
    so[k++] = 'h';
    for (int i = 0; i < n; i++) {
        const opt_t *o = &opts[i];
        int has_arg = o->kind == OPT_K_FLAG ? no_argument : required_argument;
        lo[i] = (struct option){o->name, has_arg, NULL, o->short_name ? o->short_name : LONG_ONLY + i};
        if (o->short_name) {
            so[k++] = (char)o->short_name;
            if (has_arg == required_argument)
                so[k++] = ':';
        }
    }
    so[k] = '\0';
    lo[n] = (struct option){"help", no_argument, NULL, HELP};
    if (npos)
        *npos = 0;

    optind = 0; /* glibc: start afresh, even when called twice in one process */
    opterr = 0;
    for (;;) {
        int before = optind ? optind : 1;
        int li = -1;
        int ch = getopt_long(argc, argv, so, lo, &li);
        if (ch == -1)
            break;
        const opt_t *o = NULL;
        if (ch >= LONG_ONLY)
            o = &opts[ch - LONG_ONLY];
        else if (ch != POSITIONAL && ch != MISSING_VALUE && ch != UNKNOWN && ch != HELP)
            for (int i = 0; i < n && !o; i++)
                o = opts[i].short_name == ch ? &opts[i] : NULL;
        if (ch == HELP) {
            opts_help(c, opts, stdout);
            rc = 0;
        } else if (ch == POSITIONAL) {
            if (np < c->max_pos)
                pos[np++] = optarg;
            else
                rc = opts_usage_error(c, "unexpected argument '%s'", optarg);
        } else if (ch == MISSING_VALUE) {
            rc = opts_usage_error(c, "'%s' needs a value", offending(argv, argc, before));
        } else if (ch == UNKNOWN || !o) {
            rc = refused(c, opts, offending(argv, argc, before));
        } else {
            rc = store(c, o, optarg) ? 2 : OPTS_GO;
        }
        if (rc != OPTS_GO)
            break;
    }
    /* After "--", the rest are positional. */
    for (; rc == OPTS_GO && optind < argc; optind++) {
        if (np < c->max_pos)
            pos[np++] = argv[optind];
        else
            rc = opts_usage_error(c, "unexpected argument '%s'", argv[optind]);
    }
    if (rc == OPTS_GO && np < c->min_pos)
        rc = opts_usage_error(c, "missing %s", c->pos_name ? c->pos_name : "argument");
    if (npos)
        *npos = np;
    free(lo);
    free(so);
    return rc;
}

/* Writes text indented by `indent` after its first line. */
static void put_continued(FILE *f, const char *text, int indent)
{
    for (const char *s = text; *s; s++) {
        fputc(*s, f);
        if (*s == '\n')
            fprintf(f, "%*s", indent, "");
    }
}

void opts_help(const opts_cmd_t *c, const opt_t *opts, FILE *f)
{
    enum { COL = 24 };
    fprintf(f, "usage: imcsim %s\n", c->usage);
    if (c->about)
        fprintf(f, "\n%s", c->about);
    if (opts[0].kind != OPT_K_END)
        fprintf(f, "\noptions:\n");
    for (const opt_t *o = opts; o->kind != OPT_K_END; o++) {
        char lhs[96];
        int m;
        if (o->short_name)
            m = snprintf(lhs, sizeof lhs, "  -%c, --%s", o->short_name, o->name);
        else
            m = snprintf(lhs, sizeof lhs, "  --%s", o->name);
        if (o->metavar)
            snprintf(lhs + m, sizeof lhs - (size_t)m, " %s", o->metavar);
        if (strlen(lhs) + 2 > COL)
            fprintf(f, "%s\n%*s", lhs, COL, "");
        else
            fprintf(f, "%-*s", COL, lhs);
        put_continued(f, o->help, COL);
        fputc('\n', f);
    }
    fprintf(f, "%-*s%s\n", COL, "  -h, --help", "this text");
    if (c->epilog)
        fprintf(f, "\n%s", c->epilog);
}
