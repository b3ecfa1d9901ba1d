/* Atomic output files and a checked standard output (outfile.h). */
#define _GNU_SOURCE /* realpath, fopencookie */
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

/* The errno of the first write to standard output that failed, while
 * outfile_track_stdout's stream stands in for the C library's: by the time
 * stdout is closed, the errno of a write that failed mid-output is gone. */
static int stdout_first_err;
static FILE *stdout_orig; /* the C library's stdout, under ours; NULL when not tracked */

#ifdef __GLIBC__
static ssize_t track_write(void *cookie, const char *buf, size_t n)
{
    (void)cookie;
    size_t done = 0;
    while (done < n) {
        ssize_t k = write(fileno(stdout_orig), buf + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (!stdout_first_err)
                stdout_first_err = k < 0 ? errno : EIO;
            break; /* fewer bytes than asked: the stream's error flag */
        }
        done += (size_t)k;
    }
    return (ssize_t)done;
}

/* Closes the descriptor with the C library's stream (empty: every byte went
 * through track_write, but for what std::cout wrote into it, flushed here). */
static int track_close(void *cookie)
{
    (void)cookie;
    return fclose(stdout_orig);
}
#endif

int outfile_track_stdout(void)
{
#ifdef __GLIBC__ /* stdout is assignable there (musl's is const) */
    if (stdout_orig)
        return 0;
    cookie_io_functions_t io = {.read = NULL, .write = track_write, .seek = NULL,
                                .close = track_close};
    fflush(stdout);
    FILE *f = fopencookie(NULL, "w", io);
    /* as the C library buffers stdout: by lines on a terminal, else by blocks */
    if (!f || setvbuf(f, NULL, isatty(fileno(stdout)) ? _IOLBF : _IOFBF, BUFSIZ)) {
        if (f)
            fclose(f);
        return -1;
    }
    stdout_orig = stdout;
    stdout = f;
    return 0;
#else
    return -1;
#endif
}

int outfile_close_stdout(void)
{
    int failed_before = ferror(stdout); /* its errno is gone, unless tracked */
    errno = 0;
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int err = stdout_first_err ? stdout_first_err : failed_before ? 0 : errno;
    /* EBADF with nothing left to write: stdout was closed (>&-), and
       nothing was lost */
    if (fclose(stdout) && !bad && errno != EBADF) {
        bad = 1;
        err = errno;
    }
    if (stdout_orig) { /* closed too: as untracked, stdout is left a closed stream */
        stdout = stdout_orig;
        stdout_orig = NULL;
    }
    return bad ? (err ? err : -1) : 0;
}
