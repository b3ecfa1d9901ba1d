/* A command's output files, published together under a manifest (outputs.h). */
#define _GNU_SOURCE /* fopencookie (the test hook), realpath */
#include "outputs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "outfile.h"
#include "sha256.h"

/* The test hook (outputs.h): one more step, and perhaps the end. */
static void fault(outputs_t *o)
{
    if (o->kill_at && ++o->step == o->kill_at)
        raise(SIGKILL);
}

static void err(const outputs_t *o, const char *what, const char *path, int e)
{
    fprintf(stderr, "imcsim %s: error: cannot %s '%s': %s\n", o->cmd, what, path, strerror(e));
}

void outputs_init(outputs_t *o, const char *cmd)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    const char *at = getenv("IMC_TEST_KILL_AT");
    if (at)
        o->kill_at = !strcmp(at, "count") ? -1 : atol(at);
}

static out_file_t *add(outputs_t *o, const char *role, const char *path, char *tmp)
{
    if (o->n == o->cap) {
        int cap = o->cap ? 2 * o->cap : 4;
        out_file_t *v = realloc(o->v, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        o->v = v, o->cap = cap;
    }
    out_file_t *e = &o->v[o->n];
    memset(e, 0, sizeof *e);
    e->role = strdup(role);
    e->path = strdup(path);
    e->tmp = tmp;
    e->listed = tmp != NULL;
    if (!e->role || !e->path) {
        free(e->role);
        free(e->path);
        return NULL;
    }
    o->n++;
    return e;
}

/* Under the test hook, every buffer written is a step where it may die. */
struct out_hook {
    outputs_t *o;
    FILE *raw;      /* the temporary file */
    char buf[512];  /* a small buffer: many steps (glibc ignores a size without one) */
};

static ssize_t hooked_write(void *cookie, const char *buf, size_t n)
{
    struct out_hook *h = cookie;
    fault(h->o);
    return fwrite(buf, 1, n, h->raw) == n ? (ssize_t)n : -1;
}

static int hooked_close(void *cookie)
{
    struct out_hook *h = cookie;
    return fclose(h->raw);
}

FILE *outputs_open(outputs_t *o, const char *role, const char *path)
{
    char *tmp = NULL;
    FILE *f = NULL;
    if (!strcmp(path, "-"))
        f = stdout;
    else if (outfile_in_place(path))
        f = fopen(path, "w");
    else if ((tmp = outfile_tmpname(path)) && !(f = fopen(tmp, "w")))
        unlink(tmp);
    int why = errno;
    out_file_t *e = f ? add(o, role, path, tmp) : NULL;
    if (!e) {
        err(o, "write", path, f ? ENOMEM : why);
        if (f && f != stdout)
            fclose(f);
        if (tmp)
            unlink(tmp);
        free(tmp);
        return NULL;
    }
    e->f = f;
    if (o->kill_at && tmp && (e->hook = malloc(sizeof *e->hook))) {
        cookie_io_functions_t io = {NULL, hooked_write, NULL, hooked_close};
        e->hook->o = o;
        e->hook->raw = f;
        setvbuf(f, NULL, _IONBF, 0);
        if ((e->f = fopencookie(e->hook, "w", io)))
            setvbuf(e->f, e->hook->buf, _IOFBF, sizeof e->hook->buf);
        else
            e->f = f;
    }
    return e->f;
}

const char *outputs_reserve(outputs_t *o, const char *role, const char *path)
{
    char *tmp = outfile_in_place(path) ? NULL : outfile_tmpname(path);
    if (!tmp && !outfile_in_place(path)) {
        err(o, "write", path, errno);
        return NULL;
    }
    out_file_t *e = add(o, role, path, tmp);
    if (!e) {
        if (tmp)
            unlink(tmp);
        free(tmp);
        err(o, "write", path, ENOMEM);
        return NULL;
    }
    return tmp ? tmp : e->path;
}

const char *outputs_dir(outputs_t *o, const char *role, const char *dir)
{
    size_t n = strlen(dir) + 32;
    char *t = malloc(n);
    if (t)
        snprintf(t, n, "%s/.imcsim-out.XXXXXX", dir);
    if (!t || !mkdtemp(t)) {
        err(o, "write in", dir, t ? errno : ENOMEM);
        free(t);
        return NULL;
    }
    o->tmpdir = t;
    o->dir = strdup(dir);
    o->dir_role = strdup(role);
    return t;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files the writer left in the temporary directory become entries
 * (in name order, so the manifest does not depend on readdir's order). */
static int adopt_dir(outputs_t *o)
{
    DIR *d = opendir(o->tmpdir);
    if (!d)
        return errno;
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (nn == cap) {
            cap = cap ? 2 * cap : 8;
            char **v = realloc(names, cap * sizeof *v);
            if (!v) {
                rc = ENOMEM;
                break;
            }
            names = v;
        }
        if (!(names[nn++] = strdup(de->d_name)))
            rc = ENOMEM;
    }
    closedir(d);
    if (!rc)
        qsort(names, nn, sizeof *names, by_name);
    for (size_t i = 0; i < nn; i++) {
        size_t lt = strlen(o->tmpdir) + strlen(names[i]) + 2;
        size_t lp = strlen(o->dir) + strlen(names[i]) + 2;
        char *tmp = malloc(lt), *path = malloc(lp);
        if (!rc && tmp && path) {
            snprintf(tmp, lt, "%s/%s", o->tmpdir, names[i]);
            snprintf(path, lp, "%s/%s", o->dir, names[i]);
            if (!add(o, o->dir_role, path, tmp)) {
                rc = ENOMEM;
                free(tmp);
            }
        } else {
            rc = rc ? rc : ENOMEM;
            free(tmp);
        }
        free(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

static void free_all(outputs_t *o, int unlink_tmps)
{
    for (int i = 0; i < o->n; i++) {
        out_file_t *e = &o->v[i];
        if (e->f && e->f != stdout)
            fclose(e->f);
        if (unlink_tmps && e->tmp)
            unlink(e->tmp);
        free(e->role);
        free(e->path);
        free(e->tmp);
        free(e->hook);
    }
    if (o->tmpdir) {
        if (unlink_tmps) { /* whatever a writer left there */
            DIR *d = opendir(o->tmpdir);
            struct dirent *de;
            while (d && (de = readdir(d))) {
                char p[PATH_MAX];
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
                    snprintf(p, sizeof p, "%s/%s", o->tmpdir, de->d_name) < (int)sizeof p)
                    unlink(p);
            }
            if (d)
                closedir(d);
        }
        rmdir(o->tmpdir);
    }
    free(o->v);
    free(o->tmpdir);
    free(o->dir);
    free(o->dir_role);
    if (o->kill_at < 0)
        fprintf(stderr, "IMC_TEST_KILL_AT: %ld steps\n", o->step);
    const char *cmd = o->cmd;
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
}

void outputs_abort(outputs_t *o) { free_all(o, 1); }

/* Ends a file opened here: flushed, synced, closed. 0 or an errno. */
static int finish(out_file_t *e)
{
    FILE *f = e->f;
    e->f = NULL;
    if (f == stdout) /* checked when the command ends (app/main.cpp) */
        return 0;
    int rc = fflush(f) || ferror(f) ? (errno ? errno : EIO) : 0;
    FILE *raw = e->hook && f != e->hook->raw ? e->hook->raw : f;
    if (!rc && e->tmp && (fflush(raw) || fsync(fileno(raw))))
        rc = errno;
    if (fclose(f) && !rc)
        rc = errno ? errno : EIO;
    return rc;
}

/* path as the manifest names it: relative to the manifest's directory when
 * inside it, else absolute. malloc'd. */
static char *rel_path(const char *mdir, const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX], real[PATH_MAX];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash == path ? 1 : slash - path) : 1,
             slash ? path : ".");
    const char *base = slash ? slash + 1 : path;
    if (!realpath(dir, real))
        return strdup(path);
    size_t n = strlen(mdir);
    char *out = malloc(strlen(real) + strlen(base) + 2);
    if (!out)
        return NULL;
    if (!strcmp(real, mdir))
        strcpy(out, base);
    else if (!strncmp(real, mdir, n) && real[n] == '/')
        sprintf(out, "%s/%s", real + n + 1, base);
    else
        sprintf(out, "%s%s%s", real, strcmp(real, "/") ? "/" : "", base);
    return out;
}

typedef struct sum {
    char sha[65];
    uint64_t bytes;
} sum_t;

static int write_manifest(outputs_t *o, const char *manifest, const sum_t *sums)
{
    char mdir[PATH_MAX];
    const char *slash = strrchr(manifest, '/');
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%.*s", slash ? (int)(slash == manifest ? 1 : slash - manifest) : 1,
             slash ? manifest : ".");
    if (!realpath(d, mdir)) {
        err(o, "write the manifest", manifest, errno);
        return 1;
    }
    /* the run id names the contents: the digest of the file list */
    sha256_t id;
    sha256_init(&id);
    char **rel = calloc((size_t)o->n, sizeof *rel);
    for (int i = 0; rel && i < o->n; i++)
        if (o->v[i].listed) {
            rel[i] = rel_path(mdir, o->v[i].path);
            char line[256];
            int k = snprintf(line, sizeof line, "%s %llu %s\n", o->v[i].role,
                             (unsigned long long)sums[i].bytes, sums[i].sha);
            sha256_update(&id, rel[i] ? rel[i] : "", rel[i] ? strlen(rel[i]) : 0);
            sha256_update(&id, line, (size_t)k);
        }
    char hex[65];
    sha256_hex(&id, hex);
    hex[16] = '\0';
    outfile_t mf;
    int rc = 0;
    if (!rel || outfile_open(&mf, manifest)) {
        err(o, "write the manifest", manifest, rel ? errno : ENOMEM);
        rc = 1;
    } else {
        json_w_t w;
        jw_init(&w, mf.f);
        jw_obj_begin(&w, NULL);
        jw_str(&w, "format", "imcsim-manifest/1");
        jw_str(&w, "command", o->cmd);
        jw_str(&w, "run_id", hex);
        jw_arr_begin(&w, "files");
        for (int i = 0; i < o->n; i++) {
            if (!o->v[i].listed)
                continue;
            jw_obj_begin(&w, NULL);
            jw_str(&w, "role", o->v[i].role);
            jw_str(&w, "path", rel[i] ? rel[i] : o->v[i].path);
            jw_uint(&w, "bytes", sums[i].bytes);
            jw_str(&w, "sha256", sums[i].sha);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_obj_end(&w);
        jw_finish(&w);
        fault(o);
        if (outfile_commit(&mf)) {
            err(o, "write the manifest", manifest, errno);
            rc = 1;
        }
    }
    for (int i = 0; rel && i < o->n; i++)
        free(rel[i]);
    free(rel);
    return rc;
}

int outputs_commit(outputs_t *o, const char *manifest)
{
    int e = 0, rc = 0;
    for (int i = 0; i < o->n && !e; i++)
        if (o->v[i].f && (e = finish(&o->v[i])))
            err(o, "write", o->v[i].path, e);
    if (!e && o->tmpdir && (e = adopt_dir(o)))
        err(o, "write in", o->dir, e);
    sum_t *sums = e ? NULL : calloc((size_t)o->n + 1, sizeof *sums);
    int files = 0;
    for (int i = 0; sums && i < o->n && !e; i++) {
        if (!o->v[i].listed)
            continue;
        files++;
        if (sha256_file(o->v[i].tmp, sums[i].sha, &sums[i].bytes))
            err(o, "read back", o->v[i].tmp, e = errno);
    }
    if (!e && !sums)
        err(o, "write", o->n ? o->v[0].path : "outputs", e = ENOMEM);
    if (e) {
        free(sums);
        free_all(o, 1);
        return 1;
    }
    /* From here until the new manifest is in place, a reader finds no
       manifest (or a stale one whose checksums fail): a torn set. */
    if (manifest && files) {
        if (unlink(manifest) && errno != ENOENT) {
            err(o, "replace the manifest", manifest, errno);
            rc = 1;
        }
        fault(o);
    }
    for (int i = 0; i < o->n && !rc; i++) {
        out_file_t *f = &o->v[i];
        if (!f->tmp)
            continue;
        if (outfile_rename(f->tmp, f->path)) {
            err(o, "write", f->path, errno);
            rc = 1;
        } else {
            free(f->tmp);
            f->tmp = NULL;
        }
        fault(o);
    }
    if (!rc && manifest && files)
        rc = write_manifest(o, manifest, sums);
    free(sums);
    free_all(o, 1);
    return rc;
}

char *outputs_default_manifest(const char *dir, const char *file1, const char *file2)
{
    const char *f = file1 && strcmp(file1, "-") && !outfile_in_place(file1) ? file1
                    : file2 && strcmp(file2, "-") && !outfile_in_place(file2) ? file2
                                                                               : NULL;
    if (!dir && !f)
        return NULL;
    size_t n = strlen(dir ? dir : f) + 32;
    char *m = malloc(n);
    if (m)
        snprintf(m, n, dir ? "%s/manifest.json" : "%s.manifest", dir ? dir : f);
    return m;
}
