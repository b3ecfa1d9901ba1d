/* Output paths (outpath.h). */
#define _GNU_SOURCE /* realpath */
#include "outpath.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *cmd, const char *what, const char *path, int err)
{
    fprintf(stderr, "imcsim %s: error: cannot write %s'%s': %s\n", cmd, what, path, strerror(err));
    return 1;
}

/* The prefixes of `dir` ("a", "a/b", ...) that exist must be directories;
 * the missing ones are made (create), or must be makeable: the deepest
 * existing one is writable. 0 or an errno. */
static int check_dir(const char *dir, int create)
{
    size_t n = strlen(dir);
    char *p = malloc(n + 1);
    if (!p)
        return ENOMEM;
    memcpy(p, dir, n + 1);
    int err = 0;
    size_t missing = 0; /* end of the first missing prefix, 0: none */
    for (size_t i = 1; i <= n && !err && !missing; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        struct stat st;
        if (!stat(p, &st))
            err = S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
        else if (errno != ENOENT)
            err = errno;
        else if (!create)
            missing = i;
        else if (mkdir(p, 0777) && errno != EEXIST)
            err = errno;
        p[i] = c;
    }
    if (!err && missing) { /* the parent of the first missing prefix */
        p[missing] = '\0';
        char *slash = strrchr(p, '/');
        const char *parent = !slash ? "." : slash == p ? "/" : (*slash = '\0', p);
        if (access(parent, W_OK | X_OK))
            err = errno;
    } else if (!err && access(dir, W_OK | X_OK)) {
        err = errno;
    }
    free(p);
    return err;
}

int outpath_dir(const char *cmd, const char *dir, int create)
{
    int err = check_dir(dir, create);
    return err ? fail(cmd, "in ", dir, err) : 0;
}

int outpath_file(const char *cmd, const char *path, int create)
{
    if (!strcmp(path, "-"))
        return 0;
    struct stat st;
    if (!stat(path, &st)) {
        if (S_ISDIR(st.st_mode))
            return fail(cmd, "", path, EISDIR);
        return access(path, W_OK) ? fail(cmd, "", path, errno) : 0;
    }
    if (errno != ENOENT)
        return fail(cmd, "", path, errno);
    const char *slash = strrchr(path, '/');
    size_t n = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (!dir)
        return fail(cmd, "", path, ENOMEM);
    memcpy(dir, slash ? path : ".", n);
    dir[n] = '\0';
    int err = check_dir(dir, create);
    free(dir);
    return err ? fail(cmd, "", path, err) : 0;
}

/* path made absolute, its existing part resolved (realpath), the rest
 * normalised by hand; malloc'd, NULL when out of memory. */
static char *resolved(const char *path)
{
    char *r = realpath(path, NULL);
    if (r)
        return r;
    /* a file to be made: resolve its deepest existing directory */
    size_t n = strlen(path);
    char *head = malloc(n + 3), *out = NULL;
    if (!head)
        return NULL;
    memcpy(head, path, n + 1);
    const char *rest = "";
    char *base = NULL;
    for (;;) {
        char *slash = strrchr(head, '/');
        if (!slash) { /* relative, nothing of it exists: from the working directory */
            base = realpath(".", NULL);
            rest = path;
            break;
        }
        rest = path + (slash - head) + 1;
        if (slash == head) { /* "/x": the root */
            base = strdup("/");
            break;
        }
        *slash = '\0';
        if ((base = realpath(head, NULL)))
            break;
    }
    if (base) {
        size_t m = strlen(base) + strlen(rest) + 2;
        out = malloc(m);
        if (out) { /* join, then drop "." and resolve ".." lexically */
            size_t k = strlen(base);
            memcpy(out, base, k + 1);
            const char *p = rest;
            while (*p) {
                const char *e = strchr(p, '/');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                if (len == 2 && !strncmp(p, "..", 2)) {
                    char *up = strrchr(out, '/');
                    if (up)
                        *(up == out ? up + 1 : up) = '\0';
                } else if (len && !(len == 1 && *p == '.')) {
                    size_t l = strlen(out);
                    if (l && out[l - 1] != '/')
                        out[l++] = '/';
                    memcpy(out + l, p, len);
                    out[l + len] = '\0';
                }
                p += len + (e != NULL);
            }
        }
    }
    free(base);
    free(head);
    return out;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* Does resolved output file f fall under use v (resolved rv)? */
static int same(const char *f, const outpath_use_t *v, const char *rv)
{
    if (!v->dir_suffix)
        return !strcmp(f, rv);
    const char *slash = strrchr(f, '/');
    size_t d = slash ? (size_t)(slash - f) : 0;
    return strlen(rv) == (d ? d : 1) && !strncmp(f, rv, d ? d : 1) && ends_with(f, v->dir_suffix);
}

int outpath_clash(const char *cmd, const outpath_use_t *u, int n)
{
    char **r = calloc((size_t)(n > 0 ? n : 1), sizeof *r);
    if (!r)
        return fail(cmd, "", "(outputs)", ENOMEM);
    int clash = 0;
    for (int i = 0; i < n; i++) {
        if (!u[i].path || !strcmp(u[i].path, "-"))
            continue;
        struct stat st;
        if (!u[i].output && stat(u[i].path, &st)) /* no file: a preset or zoo name */
            continue;
        r[i] = resolved(u[i].path);
    }
    for (int i = 0; i < n && !clash; i++) {
        if (!r[i] || !u[i].output || u[i].dir_suffix)
            continue;
        for (int j = 0; j < n && !clash; j++) {
            if (j == i || !r[j] || (u[j].output && j < i && !u[j].dir_suffix))
                continue; /* a pair of outputs is seen once */
            if (same(r[i], &u[j], r[j])) {
                fprintf(stderr, "imcsim %s: error: %s '%s' and %s '%s' are the same file%s\n",
                        cmd, u[j].what, u[j].path, u[i].what, u[i].path,
                        u[j].output ? "" : " (the output would overwrite the input)");
                clash = 1;
            }
        }
    }
    for (int i = 0; i < n; i++)
        free(r[i]);
    free(r);
    return clash;
}
