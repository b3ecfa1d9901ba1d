/* Output paths (outpath.h). */
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
