/* Atomic output files and a checked standard output (outfile.h). */
#define _DEFAULT_SOURCE /* realpath */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_in_place(const char *path)
{
    struct stat st;
    return !strcmp(path, "-") || (!stat(path, &st) && !S_ISREG(st.st_mode));
}

/* The directory part of path ("." when none), malloc'd. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, slash ? path : ".", n);
        d[n] = '\0';
    }
    return d;
}

/* Creates a new, empty temporary file beside path (mode 0666 less the
 * umask, as fopen would); returns its name and the open descriptor. */
static char *make_tmp(const char *path, int *fd)
{
    static unsigned serial; /* names differ within a process too */
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dlen = (size_t)(base - path), n = strlen(path) + 48;
    char *tmp = malloc(n);
    if (!tmp)
        return NULL;
    for (int tries = 0; tries < 100; tries++) {
        snprintf(tmp, n, "%.*s.%s.%ld.%u.tmp", (int)dlen, path, base, (long)getpid(), serial++);
        *fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (*fd >= 0)
            return tmp;
        if (errno != EEXIST)
            break;
    }
    int err = errno;
    free(tmp);
    errno = err;
    return NULL;
}

char *outfile_tmpname(const char *path)
{
    int fd;
    char *tmp = make_tmp(path, &fd);
    if (tmp)
        close(fd); /* the name stays reserved: the writer reopens it */
    return tmp;
}

static void sync_dir(const char *path)
{
    char *d = dir_of(path);
    int fd = d ? open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        fsync(fd); /* durability only: a failure here loses nothing now */
        close(fd);
    }
    free(d);
}

int outfile_rename(const char *tmp, const char *path)
{
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    if (rc || rename(tmp, path)) {
        if (!rc)
            err = errno;
        unlink(tmp);
        errno = err;
        return -1;
    }
    sync_dir(path);
    return 0;
}

int outfile_open(outfile_t *o, const char *path)
{
    memset(o, 0, sizeof *o);
    char *target = NULL;
    if (!strcmp(path, "-")) {
        o->f = stdout;
        o->is_stdout = 1;
    } else if (outfile_in_place(path)) {
        o->f = fopen(path, "w");
    } else {
        /* a symbolic link stays one: the file it points to is replaced */
        struct stat st;
        target = !lstat(path, &st) && S_ISLNK(st.st_mode) ? realpath(path, NULL) : NULL;
        if (target)
            path = target;
        int fd;
        o->tmp = make_tmp(path, &fd);
        if (o->tmp) {
            o->f = fdopen(fd, "w");
            if (!o->f) {
                int err = errno;
                close(fd);
                unlink(o->tmp);
                errno = err;
            }
        }
    }
    o->path = o->f ? strdup(path) : NULL;
    free(target);
    if (!o->f || !o->path) {
        int err = errno ? errno : ENOMEM;
        if (o->f && !o->is_stdout)
            fclose(o->f);
        if (o->tmp)
            unlink(o->tmp);
        free(o->tmp);
        memset(o, 0, sizeof *o);
        errno = err;
        return -1;
    }
    return 0;
}

static void release(outfile_t *o)
{
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof *o);
}

int outfile_commit(outfile_t *o)
{
    int err = 0;
    if (o->is_stdout) {
        if (fflush(o->f) || ferror(o->f))
            err = errno ? errno : EIO;
    } else {
        if (fflush(o->f) || ferror(o->f))
            err = errno ? errno : EIO;
        if (o->tmp && !err && fsync(fileno(o->f)))
            err = errno;
        if (fclose(o->f) && !err)
            err = errno ? errno : EIO;
        if (o->tmp) {
            if (!err && rename(o->tmp, o->path))
                err = errno;
            if (err)
                unlink(o->tmp);
            else
                sync_dir(o->path);
        }
    }
    release(o);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

void outfile_abort(outfile_t *o)
{
    if (o->f && !o->is_stdout)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    release(o);
}

int outfile_close_stdout(void)
{
    int failed_before = ferror(stdout); /* its errno is gone */
    errno = 0;
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int err = failed_before ? 0 : errno;
    /* EBADF with nothing left to write: stdout was closed (>&-), and
       nothing was lost */
    if (fclose(stdout) && !bad && errno != EBADF) {
        bad = 1;
        err = errno;
    }
    return bad ? (err ? err : -1) : 0;
}
