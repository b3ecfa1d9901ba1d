/* Parsing an architecture: defaults, then the preset or file chain ('base:'),
 * then --set overrides, each recorded with its position so later checks can
 * blame the line that set a value. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "arch_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_internal.h"
#include "strutil.h"
#include "ytree.h"

#define MAX_BASE_DEPTH 8

static int apply_text(arch_ctx_t *c, const char *name, const char *text, size_t len,
                      const char *path, int depth, char *base_out);

static const char *kind_name(const ynode_t *n)
{
    return ynode_is_map(n) ? "a mapping" : ynode_is_seq(n) ? "a sequence" : "a scalar";
}

static int has_path_syntax(const char *s)
{
    size_t n = strlen(s);
    return strchr(s, '/') || (n > 5 && !strcmp(s + n - 5, ".yaml")) ||
           (n > 4 && !strcmp(s + n - 4, ".yml"));
}

/* Push a file (or preset) on the chain being applied; a repeat is a cycle. */
static int enter(arch_ctx_t *c, const char *id, const char *shown, ytree_t *t,
                 const ynode_t *at)
{
    for (int i = 0; i < c->nchain; i++)
        if (!strcmp(c->chain[i], id)) {
            if (t)
                yerror(t, c->d, at, "'base' cycle: '%.200s' is already being loaded "
                                    "(expected a chain that ends in a preset)", shown);
            else
                diag_error(c->d, shown, 0, 0, "'base' cycle (expected a chain that ends in a "
                                           "preset)");
            return -1;
        }
    if (c->nchain == ARCH_MAX_NAMES) {
        diag_error(c->d, id, 0, 0, "'base' chain too deep");
        return -1;
    }
    c->chain[c->nchain] = strdup(id);
    if (!c->chain[c->nchain])
        return -1;
    c->nchain++;
    return 0;
}

static void leave(arch_ctx_t *c) { free(c->chain[--c->nchain]); }

/* A preset by name, or a file by path (relative to the including file). */
static int apply_spec(arch_ctx_t *c, const char *spec, const char *from_path, int depth,
                      char *base_out, ytree_t *t, const ynode_t *at)
{
    const char *pt = arch_preset_text(spec);
    if (pt) {
        char name[96];
        snprintf(name, sizeof name, "preset:%s", spec);
        if (enter(c, name, spec, t, at))
            return -1;
        int rc = apply_text(c, name, pt, strlen(pt), NULL, depth, base_out);
        leave(c);
        return rc;
    }
    char path[1024];
    if (from_path && spec[0] != '/' && strrchr(from_path, '/'))
        snprintf(path, sizeof path, "%.*s/%s",
                 (int)(strrchr(from_path, '/') - from_path), from_path, spec);
    else
        snprintf(path, sizeof path, "%s", spec);
    char *text = NULL;
    size_t len = 0;
    if (ytree_read_file(path, &text, &len)) {
        int n;
        const char *const *names = arch_preset_names(&n);
        const char *best = str_closest(spec, names, (size_t)n);
        char expect[256];
        if (best)
            snprintf(expect, sizeof expect, "did you mean the preset '%s'?", best);
        else {
            size_t used = (size_t)snprintf(expect, sizeof expect, "expected a preset (");
            for (int i = 0; i < n; i++)
                used += (size_t)snprintf(expect + used, sizeof expect - used, "%s%s",
                                         i ? ", " : "", names[i]);
            snprintf(expect + used, sizeof expect - used, ") or a readable YAML file");
        }
        if (t)
            yerror(t, c->d, at, "unknown preset or unreadable file '%.200s' (%s)", spec,
                   expect);
        else if (has_path_syntax(spec))
            diag_error(c->d, spec, 0, 0, "cannot read the file: %s (%s)", strerror(errno),
                       expect);
        else
            diag_error(c->d, spec, 0, 0, "unknown preset or unreadable file (%s)", expect);
        return -1;
    }
    if (len > YTREE_MAX_BYTES) {
        diag_error(c->d, path, 0, 0, "input is %zu bytes (expected at most %u)", len,
                   YTREE_MAX_BYTES);
        free(text);
        return -1;
    }
    char *real = realpath(path, NULL);
    int rc = enter(c, real ? real : path, spec, t, at);
    free(real);
    if (!rc) {
        rc = apply_text(c, path, text, len, path, depth, base_out);
        leave(c);
    }
    free(text);
    return rc;
}

/* Anything but blanks and comments? */
static int has_content(const char *s, size_t len)
{
    int in_comment = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n' || s[i] == '\r') /* YAML breaks lines at CR alone too */
            in_comment = 0;
        else if (s[i] == '#' && !in_comment)
            in_comment = 1;
        else if (!in_comment && s[i] != ' ' && s[i] != '\t')
            return 1;
    }
    return 0;
}

static int apply_text(arch_ctx_t *c, const char *name, const char *text, size_t len,
                      const char *path, int depth, char *base_out)
{
    ytree_t t;
    /* Positions for what ytree reports without one. */
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        int line = 1, col = 1;
        for (const char *q = text; q < nul; q++, col++)
            if (*q == '\n') {
                line++;
                col = 0;
            }
        diag_error(c->d, name, line, col, "NUL byte at offset %zu (expected YAML text)",
                   (size_t)(nul - text));
        return -1;
    }
    if (!has_content(text, len)) {
        diag_error(c->d, name, 1, 1, "empty file (expected a mapping of architecture keys)");
        return -1;
    }
    if (ytree_load_string(&t, name, text, len, c->d)) {
        ytree_free(&t);
        return -1;
    }
    ynode_t *root = ytree_root(&t);
    if (!ynode_is_map(root)) {
        if (ynode_is_scalar(root) && !*ynode_scalar(root))
            yerror(&t, c->d, root, "empty document (expected a mapping of architecture keys)");
        else
            yerror(&t, c->d, root, "the top level is %s (expected a mapping of architecture "
                                   "keys)", kind_name(root));
        ytree_free(&t);
        return -1;
    }
    ynode_t *bn = ynode_map_get(&t, root, "base");
    if (bn) {
        const char *b = ynode_scalar(bn);
        if (!b || !*b) {
            yerror(&t, c->d, bn, "'base' is %s (expected a preset name or a file path)",
                   b ? "empty" : kind_name(bn));
            ytree_free(&t);
            return -1;
        }
        if (depth >= MAX_BASE_DEPTH) {
            yerror(&t, c->d, bn, "'base' chain deeper than %d files (expected no cycle)",
                   MAX_BASE_DEPTH);
            ytree_free(&t);
            return -1;
        }
        if (base_out)
            snprintf(base_out, ARCH_NAME_MAX, "%s", b);
        if (apply_spec(c, b, path, depth + 1, NULL, &t, bn)) {
            ytree_free(&t);
            return -1;
        }
    }
    int bad = arch_walk(c, &t, root, "", 1);
    ytree_free(&t);
    return bad ? -1 : 0;
}

static int apply_set(arch_ctx_t *c, const char *set)
{
    const char *eq = strchr(set, '=');
    char where[300];
    snprintf(where, sizeof where, "--set %.280s", set);
    if (!eq || eq == set) {
        diag_error(c->d, where, 0, 0, "malformed override (expected key=value, e.g. "
                                      "adc.bits=6)");
        return -1;
    }
    char key[256];
    size_t kl = (size_t)(eq - set);
    if (kl >= sizeof key) {
        diag_error(c->d, where, 0, 0, "key too long (expected a parameter name)");
        return -1;
    }
    memcpy(key, set, kl);
    key[kl] = '\0';
    const arch_param_t *p = arch_param_find(key);
    if (!p) {
        size_t np;
        const arch_param_t *t = arch_params(&np);
        const char *keys[256];
        size_t nk = 0;
        for (size_t i = 0; i < np && nk < 256; i++)
            keys[nk++] = t[i].d.name;
        const char *best = str_closest(key, keys, nk);
        if (best)
            diag_error(c->d, where, 0, 0, "unknown key '%s' (did you mean '%s'?)", key, best);
        else
            diag_error(c->d, where, 0, 0, "unknown key '%s' (expected a parameter listed by "
                                          "'imcsim arch params')", key);
        return -1;
    }
    char why[300];
    if (p->d.type == DESC_LIST) {
        diag_error(c->d, where, 0, 0, "'%s' is a list (expected it in a YAML file, not "
                                      "--set)", key);
        return -1;
    }
    if (arch_param_set_text(c->a, p, eq + 1, why, sizeof why)) {
        diag_error(c->d, where, 0, 0, "'%s' is '%.80s' (%s)", key, eq + 1, why);
        return -1;
    }
    arch_mark(c, p, where, 0, 0);
    if (!strcmp(key, "name"))
        c->name_set = 1;
    return 0;
}

static void file_stem(const char *path, char *out, size_t n)
{
    const char *s = strrchr(path, '/');
    s = s ? s + 1 : path;
    size_t len = strcspn(s, ".");
    if (len == 0)
        len = strlen(s);
    if (len >= n)
        len = n - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

int arch_load(const char *spec, const char *const *sets, int nsets, arch_t *out,
              imc_diag_t *d)
{
    size_t np;
    arch_params(&np);
    arch_params_defaults(out);
    arch_ctx_t c = {.a = out, .d = d};
    c.loc = calloc(np, sizeof *c.loc);
    if (!c.loc) {
        diag_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    int errs0 = d->errors;
    if (!spec || !*spec) {
        diag_error(d, NULL, 0, 0, "no architecture given (expected a preset name or a file)");
    } else if (!apply_spec(&c, spec, NULL, 0, out->base, NULL, NULL)) {
        if (arch_preset_text(spec)) {
            snprintf(out->source, sizeof out->source, "preset:%s", spec);
        } else {
            snprintf(out->source, sizeof out->source, "%s", spec);
            if (!c.name_set)
                file_stem(spec, out->name, sizeof out->name);
        }
        c.name_set = 0;
        for (int i = 0; i < nsets; i++)
            apply_set(&c, sets[i]);
        if (d->errors == errs0)
            arch_check(&c);
    }
    for (int i = 0; i < c.nnames; i++)
        free(c.names[i]);
    free(c.loc);
    if (d->errors != errs0)
        return -1;
    out->hash = arch_config_hash(out);
    return 0;
}
