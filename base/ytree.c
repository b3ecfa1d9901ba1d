#include "ytree.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strutil.h"

int ynode_is_map(const ynode_t *n) { return n && n->type == YAML_MAPPING_NODE; }
int ynode_is_seq(const ynode_t *n) { return n && n->type == YAML_SEQUENCE_NODE; }
int ynode_is_scalar(const ynode_t *n) { return n && n->type == YAML_SCALAR_NODE; }
int ynode_quoted(const ynode_t *n)
{
    return ynode_is_scalar(n) && n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
}

const char *ynode_scalar(const ynode_t *n)
{
    return ynode_is_scalar(n) ? (const char *)n->data.scalar.value : NULL;
}

int ynode_line(const ynode_t *n) { return n ? (int)n->start_mark.line + 1 : 0; }
int ynode_col(const ynode_t *n) { return n ? (int)n->start_mark.column + 1 : 0; }

size_t ynode_map_size(const ynode_t *n)
{
    if (!ynode_is_map(n))
        return 0;
    return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

ynode_t *ynode_map_key(ytree_t *t, const ynode_t *n, size_t i)
{
    return yaml_document_get_node(&t->doc, n->data.mapping.pairs.start[i].key);
}

ynode_t *ynode_map_val(ytree_t *t, const ynode_t *n, size_t i)
{
    return yaml_document_get_node(&t->doc, n->data.mapping.pairs.start[i].value);
}

ynode_t *ynode_map_get(ytree_t *t, const ynode_t *n, const char *key)
{
    size_t sz = ynode_map_size(n);
    for (size_t i = 0; i < sz; i++) {
        const char *k = ynode_scalar(ynode_map_key(t, n, i));
        if (k && strcmp(k, key) == 0)
            return ynode_map_val(t, n, i);
    }
    return NULL;
}

size_t ynode_seq_len(const ynode_t *n)
{
    if (!ynode_is_seq(n))
        return 0;
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

ynode_t *ynode_seq_at(ytree_t *t, const ynode_t *n, size_t i)
{
    return yaml_document_get_node(&t->doc, n->data.sequence.items.start[i]);
}

static void vat(ytree_t *t, imc_diag_t *d, const ynode_t *n, int warn,
                const char *fmt, va_list ap)
{
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (warn)
        diag_warning(d, t->file, ynode_line(n), ynode_col(n), "%s", msg);
    else
        diag_error(d, t->file, ynode_line(n), ynode_col(n), "%s", msg);
}

void yerror(ytree_t *t, imc_diag_t *d, const ynode_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vat(t, d, n, 0, fmt, ap);
    va_end(ap);
}

void ywarning(ytree_t *t, imc_diag_t *d, const ynode_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vat(t, d, n, 1, fmt, ap);
    va_end(ap);
}

#define YTREE_MAX_DEPTH 64
#define YTREE_MAX_VISITS 1000000 /* aliases can make a small file a huge tree */

/* libyaml's document loader recurses once per nesting level with no limit,
 * so a file of many '[' overflows the stack: measure the depth with the
 * (iterative) event parser first. */
static int check_depth(const char *name, const char *text, size_t len, imc_diag_t *d)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return -1;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int depth = 0, rc = 0;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e))
            break; /* the loader reports syntax errors with their position */
        yaml_event_type_t type = e.type;
        if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
            if (++depth > YTREE_MAX_DEPTH) {
                diag_error(d, name, (int)e.start_mark.line + 1, (int)e.start_mark.column + 1,
                           "nesting deeper than %d levels", YTREE_MAX_DEPTH);
                rc = -1;
            }
        } else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
            depth--;
        }
        yaml_event_delete(&e);
        if (rc || type == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&p);
    return rc;
}

/* Reject what libyaml accepts but we cannot honour: non-scalar or duplicate
 * keys, unapplied '<<' merges, an alias inside the node it names (a cycle)
 * and trees that aliases make too deep or too large. Returns 0, 1 (errors,
 * reported; the walk goes on to report more), or 2 (a limit: reported once,
 * and the walk stops, so a self-referencing map of a few bytes costs one
 * message, not millions). `path` holds the nodes from the root to n. */
static int check_node(ytree_t *t, imc_diag_t *d, ynode_t *n, int depth, long *visits,
                      ynode_t **path)
{
    int bad = 0;
    if (depth > YTREE_MAX_DEPTH) {
        yerror(t, d, n, "nesting deeper than %d levels", YTREE_MAX_DEPTH);
        return 2;
    }
    for (int i = 0; i < depth; i++)
        if (path[i] == n) {
            yerror(t, d, n, "an alias refers to a node that contains it (expected a tree, "
                            "not a cycle)");
            return 2;
        }
    if (++*visits > YTREE_MAX_VISITS) {
        yerror(t, d, n, "more than %d nodes once aliases are expanded (expected a "
                        "description, not an alias bomb)", YTREE_MAX_VISITS);
        return 2;
    }
    path[depth] = n;
    if (ynode_is_seq(n)) {
        size_t len = ynode_seq_len(n);
        for (size_t i = 0; i < len && bad < 2; i++) {
            int rc = check_node(t, d, ynode_seq_at(t, n, i), depth + 1, visits, path);
            bad = rc > bad ? rc : bad;
        }
    } else if (ynode_is_map(n)) {
        size_t sz = ynode_map_size(n);
        for (size_t i = 0; i < sz && bad < 2; i++) {
            ynode_t *k = ynode_map_key(t, n, i);
            const char *ks = ynode_scalar(k);
            if (!ks) {
                yerror(t, d, k, "mapping key is not a scalar (expected a name)");
                bad = 1;
                continue;
            }
            if (strcmp(ks, "<<") == 0) {
                yerror(t, d, k, "merge keys ('<<') are not supported "
                                "(expected explicit keys, or 'base:' for presets)");
                bad = 1;
                continue;
            }
            for (size_t j = 0; j < i; j++) {
                ynode_t *prev = ynode_map_key(t, n, j);
                const char *ps = ynode_scalar(prev);
                if (ps && strcmp(ps, ks) == 0) {
                    yerror(t, d, k, "duplicate key '%s' (first defined at line %d)",
                           ks, ynode_line(prev));
                    bad = 1;
                    break;
                }
            }
            int rc = check_node(t, d, ynode_map_val(t, n, i), depth + 1, visits, path);
            bad = rc > bad ? rc : bad;
        }
    }
    return bad;
}

int ytree_load_string(ytree_t *t, const char *name, const char *text,
                      size_t len, imc_diag_t *d)
{
    memset(t, 0, sizeof *t);
    t->file = strdup(name ? name : "<input>");
    if (!t->file)
        return -1;
    if (len > YTREE_MAX_BYTES) {
        diag_error(d, t->file, 0, 0, "input is %zu bytes (expected at most %u)",
                   len, YTREE_MAX_BYTES);
        return -1;
    }
    if (memchr(text, '\0', len)) {
        diag_error(d, t->file, 0, 0, "input contains a NUL byte (expected YAML text)");
        return -1;
    }
    if (check_depth(t->file, text, len, d))
        return -1;
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        diag_error(d, t->file, 0, 0, "cannot initialise the YAML parser");
        return -1;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &t->doc)) {
        const char *problem = p.problem ? p.problem : "malformed YAML";
        if (p.context)
            diag_error(d, t->file, (int)p.problem_mark.line + 1,
                       (int)p.problem_mark.column + 1, "YAML syntax: %s %s",
                       problem, p.context);
        else
            diag_error(d, t->file, (int)p.problem_mark.line + 1,
                       (int)p.problem_mark.column + 1, "YAML syntax: %s", problem);
        yaml_parser_delete(&p);
        return -1;
    }
    t->loaded = 1;
    /* A second document in the stream is ambiguous: refuse it. */
    yaml_document_t extra;
    if (yaml_parser_load(&p, &extra)) {
        int more = yaml_document_get_root_node(&extra) != NULL;
        int line = more ? (int)yaml_document_get_root_node(&extra)->start_mark.line + 1 : 0;
        yaml_document_delete(&extra);
        if (more) {
            diag_error(d, t->file, line, 1,
                       "a second YAML document (expected exactly one)");
            yaml_parser_delete(&p);
            return -1;
        }
    } else {
        diag_error(d, t->file, (int)p.problem_mark.line + 1,
                   (int)p.problem_mark.column + 1, "YAML syntax: %s",
                   p.problem ? p.problem : "malformed YAML");
        yaml_parser_delete(&p);
        return -1;
    }
    yaml_parser_delete(&p);
    ynode_t *root = yaml_document_get_root_node(&t->doc);
    if (!root) {
        diag_error(d, t->file, 0, 0, "empty document (expected a mapping)");
        return -1;
    }
    long visits = 0;
    ynode_t *path[YTREE_MAX_DEPTH + 1];
    return check_node(t, d, root, 0, &visits, path) ? -1 : 0;
}

int ytree_read_file(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || cap > YTREE_MAX_BYTES)
            break;
        char *nb = realloc(buf, cap * 2 + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int err = ferror(f) ? EIO : 0;
    fclose(f);
    if (!buf || err) {
        free(buf);
        errno = buf ? err : ENOMEM;
        return -1;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

int ytree_load_file(ytree_t *t, const char *path, imc_diag_t *d)
{
    memset(t, 0, sizeof *t);
    char *buf;
    size_t len;
    if (ytree_read_file(path, &buf, &len)) {
        diag_error(d, path, 0, 0, "cannot read the file: %s", strerror(errno));
        t->file = strdup(path);
        return -1;
    }
    int rc = ytree_load_string(t, path, buf, len, d);
    free(buf);
    return rc;
}

void ytree_free(ytree_t *t)
{
    if (t->loaded)
        yaml_document_delete(&t->doc);
    free(t->file);
    memset(t, 0, sizeof *t);
}

ynode_t *ytree_root(ytree_t *t)
{
    return t->loaded ? yaml_document_get_root_node(&t->doc) : NULL;
}

/* Whole text only: strtoll and strtod skip leading white space, which made
 * --set 'k= 4' valid where 'k=4 ' was not. */
int parse_int64(const char *s, int64_t *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s)
        return -1;
    *out = v;
    return 0;
}

int parse_double(const char *s, double *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int parse_bool(const char *s, int *out)
{
    static const char *yes[] = {"true", "yes", "on"}, *no[] = {"false", "no", "off"};
    if (!s)
        return -1;
    for (int i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

const char *yget_scalar(ytree_t *t, imc_diag_t *d, const ynode_t *n, const char *what,
                        const char *expected, int plain)
{
    const char *s = ynode_scalar(n);
    if (!s)
        yerror(t, d, n, "'%s' is a %s (expected %s)", what,
               ynode_is_map(n) ? "mapping" : "sequence", expected);
    else if (plain && ynode_quoted(n)) {
        yerror(t, d, n, "'%s' is the string '%.80s' (expected %s, without quotes)", what, s,
               expected);
        return NULL;
    }
    return s;
}

int yget_int64(ytree_t *t, imc_diag_t *d, const ynode_t *n, const char *what,
               int64_t *out)
{
    const char *s = yget_scalar(t, d, n, what, "an integer", 1);
    if (!s)
        return -1;
    if (parse_int64(s, out)) {
        yerror(t, d, n, "'%s' is '%s' (expected an integer)", what, s);
        return -1;
    }
    return 0;
}

int yget_double(ytree_t *t, imc_diag_t *d, const ynode_t *n, const char *what,
                double *out)
{
    const char *s = yget_scalar(t, d, n, what, "a number", 1);
    if (!s)
        return -1;
    if (parse_double(s, out)) {
        yerror(t, d, n, "'%s' is '%s' (expected a number)", what, s);
        return -1;
    }
    return 0;
}

int yget_bool(ytree_t *t, imc_diag_t *d, const ynode_t *n, const char *what,
              int *out)
{
    const char *s = yget_scalar(t, d, n, what, "true or false", 1);
    if (!s)
        return -1;
    if (parse_bool(s, out)) {
        yerror(t, d, n, "'%s' is '%s' (expected true or false)", what, s);
        return -1;
    }
    return 0;
}

const char *yget_string(ytree_t *t, imc_diag_t *d, const ynode_t *n,
                        const char *what)
{
    return yget_scalar(t, d, n, what, "a string", 0);
}

void yaml_put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (int n; *s; s += n) {
        long c = utf8_decode(s, &n);
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", (int)c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0)
            fprintf(f, "\\x%02x", (unsigned char)*s);
        else if (c < 0x20 || (c >= 0x7F && c < 0xA0))
            fprintf(f, "\\x%02lx", c);
        else if (c == 0x2028 || c == 0x2029 || c == 0xFEFF || c == 0xFFFE || c == 0xFFFF)
            fprintf(f, "\\u%04lx", c);
        else
            fwrite(s, 1, (size_t)n, f);
    }
    fputc('"', f);
}
