/* The YAML side of loading: walk a document's mappings against the
 * parameter table, set values, parse extras lists, and report unknown keys
 * with the closest valid one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_internal.h"
#include "strutil.h"
#include "ytree.h"

const char *arch_intern(arch_ctx_t *c, const char *s)
{
    for (int i = 0; i < c->nnames; i++)
        if (!strcmp(c->names[i], s))
            return c->names[i];
    if (c->nnames == ARCH_MAX_NAMES)
        return c->names[ARCH_MAX_NAMES - 1];
    c->names[c->nnames] = strdup(s);
    return c->names[c->nnames] ? c->names[c->nnames++] : "?";
}

void arch_mark(arch_ctx_t *c, const arch_param_t *p, const char *file, int line, int col)
{
    arch_loc_t *l = &c->loc[arch_param_index(p)];
    l->file = arch_intern(c, file);
    l->line = line;
    l->col = col;
    l->seq = ++c->seq;
}

typedef char seg_t[64];

/* Distinct next key segments under prefix ("" = top level), stored in seg. */
static size_t children(const char *prefix, const char **out, seg_t *seg, size_t max)
{
    size_t np, n = 0, pl = strlen(prefix);
    const arch_param_t *t = arch_params(&np);
    for (size_t i = 0; i < np && n + 1 < max; i++) {
        const char *k = t[i].d.name;
        if (pl && (strncmp(k, prefix, pl) || k[pl] != '.'))
            continue;
        const char *s = pl ? k + pl + 1 : k;
        size_t len = strcspn(s, ".");
        if (len >= sizeof seg[0])
            continue;
        int dup = 0;
        for (size_t j = 0; j < n; j++)
            if (strlen(out[j]) == len && !strncmp(out[j], s, len))
                dup = 1;
        if (dup)
            continue;
        memcpy(seg[n], s, len);
        seg[n][len] = '\0';
        out[n] = seg[n];
        n++;
    }
    if (!pl && n < max)
        out[n++] = "base";
    return n;
}

static int is_prefix(const char *full)
{
    size_t np, fl = strlen(full);
    const arch_param_t *t = arch_params(&np);
    for (size_t i = 0; i < np; i++)
        if (!strncmp(t[i].d.name, full, fl) && t[i].d.name[fl] == '.')
            return 1;
    return 0;
}

static void unknown_key(arch_ctx_t *c, ytree_t *t, const ynode_t *k, const char *prefix,
                        const char *key, const char *full)
{
    const char *cand[64];
    seg_t seg[64];
    size_t n = children(prefix, cand, seg, 64);
    const char *best = str_closest(key, cand, n);
    if (best) {
        yerror(t, c->d, k, "unknown key '%s' (did you mean '%s%s%s'?)", full, prefix,
               *prefix ? "." : "", best);
        return;
    }
    /* A known key at the wrong level ("bits:" at the top)? */
    size_t np;
    const arch_param_t *tab = arch_params(&np);
    for (size_t i = 0; i < np; i++) {
        const char *dot = strrchr(tab[i].d.name, '.');
        if (dot && !strcmp(dot + 1, key)) {
            yerror(t, c->d, k, "unknown key '%s' (did you mean '%s'?)", full, tab[i].d.name);
            return;
        }
    }
    char list[512];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n && used < sizeof list - 64; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", cand[i]);
    yerror(t, c->d, k, "unknown key '%s' (expected one of: %s)", full, list);
}

static const char *kind_name(const ynode_t *n)
{
    return ynode_is_map(n) ? "a mapping" : ynode_is_seq(n) ? "a sequence" : "a scalar";
}

static int parse_extras(arch_ctx_t *c, ytree_t *t, const arch_param_t *p, ynode_t *v,
                        const char *full)
{
    int *count = (int *)((char *)c->a + p->d.offset);
    arch_extra_t *ex = (arch_extra_t *)((char *)c->a + p->offset2);
    if (!ynode_is_seq(v)) {
        yerror(t, c->d, v, "'%s' is %s (expected a sequence of {name, count, power_mw, "
                           "leakage_mw, area_mm2})", full, kind_name(v));
        return -1;
    }
    size_t len = ynode_seq_len(v);
    if (len > ARCH_MAX_EXTRAS) {
        yerror(t, c->d, v, "'%s' has %zu items (expected at most %d)", full, len,
               ARCH_MAX_EXTRAS);
        return -1;
    }
    int bad = 0;
    for (size_t i = 0; i < len; i++) {
        ynode_t *it = ynode_seq_at(t, v, i);
        arch_extra_t e = {.count = 1};
        char what[128];
        if (!ynode_is_map(it)) {
            yerror(t, c->d, it, "'%s[%zu]' is %s (expected a mapping with name, count, "
                                "power_mw, leakage_mw, area_mm2)", full, i, kind_name(it));
            bad = 1;
            continue;
        }
        int has_name = 0;
        for (size_t j = 0; j < ynode_map_size(it); j++) {
            ynode_t *k = ynode_map_key(t, it, j), *val = ynode_map_val(t, it, j);
            const char *ks = ynode_scalar(k);
            snprintf(what, sizeof what, "%s[%zu].%s", full, i, ks);
            if (!strcmp(ks, "name")) {
                const char *s = yget_string(t, c->d, val, what);
                if (!s) {
                    bad = 1;
                } else if (!*s || strlen(s) >= ARCH_NAME_MAX) {
                    yerror(t, c->d, val, "'%s' is '%.80s' (expected a non-empty name of "
                                         "fewer than %d characters)", what, s, ARCH_NAME_MAX);
                    bad = 1;
                } else {
                    snprintf(e.name, sizeof e.name, "%s", s);
                    has_name = 1;
                }
            } else if (!strcmp(ks, "count")) {
                int64_t n;
                if (yget_int64(t, c->d, val, what, &n)) {
                    bad = 1;
                } else if (n < 0 || n > (1 << 20)) {
                    yerror(t, c->d, val, "'%s' is %lld (expected an integer in [0, %d])",
                           what, (long long)n, 1 << 20);
                    bad = 1;
                } else {
                    e.count = (int)n;
                }
            } else if (!strcmp(ks, "power_mw") || !strcmp(ks, "leakage_mw") ||
                       !strcmp(ks, "area_mm2")) {
                double x;
                if (yget_double(t, c->d, val, what, &x)) {
                    bad = 1;
                } else if (x < 0 || x > 1e12) {
                    yerror(t, c->d, val, "'%s' is %g (expected a number in [0, 1e+12])", what, x);
                    bad = 1;
                } else {
                    double *dst = ks[0] == 'p' ? &e.cost.power_mw
                                : ks[0] == 'l' ? &e.cost.leakage_mw : &e.cost.area_mm2;
                    *dst = x;
                }
            } else {
                const char *best = str_closest(ks, arch_extra_keys, ARCH_EXTRA_NKEYS);
                if (best)
                    yerror(t, c->d, k, "unknown key '%s' (did you mean '%s'?)", what, best);
                else
                    yerror(t, c->d, k, "unknown key '%s' (expected one of: name, count, "
                                       "power_mw, leakage_mw, area_mm2)", what);
                bad = 1;
            }
        }
        if (!has_name && !bad) {
            yerror(t, c->d, it, "'%s[%zu]' has no 'name' (expected a name for the component)",
                   full, i);
            bad = 1;
        }
        for (size_t j = 0; j < i && !bad; j++)
            if (!strcmp(ex[j].name, e.name)) {
                yerror(t, c->d, it, "'%s[%zu]' repeats the name '%s' (expected unique names)",
                       full, i, e.name);
                bad = 1;
            }
        if (!bad)
            ex[i] = e;
    }
    if (!bad) {
        *count = (int)len;
        for (size_t i = len; i < ARCH_MAX_EXTRAS; i++)
            memset(&ex[i], 0, sizeof ex[i]);
    }
    return bad ? -1 : 0;
}

int arch_walk(arch_ctx_t *c, ytree_t *t, ynode_t *map, const char *prefix, int top)
{
    int bad = 0;
    for (size_t i = 0; i < ynode_map_size(map); i++) {
        ynode_t *k = ynode_map_key(t, map, i), *v = ynode_map_val(t, map, i);
        const char *ks = ynode_scalar(k);
        char full[256];
        if (snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", ks) >=
            (int)sizeof full) {
            yerror(t, c->d, k, "key '%.60s...' is too long (expected a parameter name)", ks);
            bad = 1;
            continue;
        }
        if (top && !strcmp(ks, "base"))
            continue; /* applied before this walk */
        const arch_param_t *p = arch_param_find(full);
        if (p && p->d.type == DESC_LIST) {
            if (parse_extras(c, t, p, v, full))
                bad = 1;
            else
                arch_mark(c, p, t->file, ynode_line(v), ynode_col(v));
        } else if (p) {
            char ex[300], why[300];
            arch_param_expect(p, ex, sizeof ex);
            const char *s = yget_scalar(t, c->d, v, full, ex,
                                        p->d.type != DESC_STR && p->d.type != DESC_ENUM);
            if (!s) {
                bad = 1;
            } else if (arch_param_set_text(c->a, p, s, why, sizeof why)) {
                yerror(t, c->d, v, "'%s' is '%.80s' (%s)", full, s, why);
                bad = 1;
            } else {
                arch_mark(c, p, t->file, ynode_line(v), ynode_col(v));
                if (top && !strcmp(ks, "name"))
                    c->name_set = 1;
            }
        } else if (is_prefix(full)) {
            if (!ynode_is_map(v)) {
                yerror(t, c->d, v, "'%s' is %s (expected a mapping of '%s' parameters)", full,
                       kind_name(v), full);
                bad = 1;
            } else {
                bad |= arch_walk(c, t, v, full, 0);
            }
        } else {
            unknown_key(c, t, k, prefix, ks, full);
            bad = 1;
        }
    }
    return bad;
}

