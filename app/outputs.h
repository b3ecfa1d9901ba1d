/* The files one command writes, published together (docs/run.md, "Outputs
 * and the manifest").
 *
 * Each file is written to a temporary file beside its destination
 * (base/outfile.h). outputs_commit then removes the previous manifest,
 * renames every file into place, and writes the manifest last: the command,
 * a run id and each file's role, path, size and SHA-256. A reader holding a
 * manifest whose checksums match has a complete set from one run; no
 * manifest, or a checksum that differs, is a torn set (a run killed while
 * publishing, or files from different runs). A command killed before
 * outputs_commit leaves the previous set as it was. */
#ifndef IMC_OUTPUTS_H
#define IMC_OUTPUTS_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct outputs outputs_t;

typedef struct out_file {
    char *role, *path, *tmp; /* tmp NULL: written in place (stdout, a device) */
    int listed;              /* a file the manifest lists (it had a tmp) */
    FILE *f;                 /* while open for the command's writers */
    struct out_hook *hook;   /* the test hook's wrapper of f, or NULL */
} out_file_t;

struct outputs {
    const char *cmd;         /* for messages: "imcsim CMD: error: ..." */
    int n, cap;
    out_file_t *v;
    char *tmpdir, *dir, *dir_role; /* outputs_dir */
    long kill_at, step;      /* the test hook (outputs_fault_point) */
};

void outputs_init(outputs_t *o, const char *cmd);
/* A file the command writes with stdio; "-" is standard output. NULL with
 * the reason on stderr. */
FILE *outputs_open(outputs_t *o, const char *role, const char *path);
/* A file some other code creates by name: the temporary name to give it
 * (owned by o). NULL with the reason on stderr. */
const char *outputs_reserve(outputs_t *o, const char *role, const char *path);
/* For a writer that fills a directory (DIR/layers.csv, DIR/tiles.csv):
 * a fresh temporary directory inside dir to write in. outputs_commit moves
 * each file it then holds to dir, with role `role`. NULL with the reason on
 * stderr. One per outputs_t. */
const char *outputs_dir(outputs_t *o, const char *role, const char *dir);
/* Publishes the files: closes those opened here (a write error fails now,
 * with nothing published), removes the previous manifest, renames each
 * file into place, then writes the manifest at `manifest` (NULL: none; no
 * manifest either when every output went to stdout or a device). 0, or 1
 * with the reason on stderr; the outputs are freed either way. */
int outputs_commit(outputs_t *o, const char *manifest);
/* Drops everything: temporaries removed, destinations untouched. */
void outputs_abort(outputs_t *o);

/* The default manifest of a command's outputs: DIR/manifest.json for an
 * output directory, else FILE.manifest beside the first output file; NULL
 * when there is no file output. malloc'd. */
char *outputs_default_manifest(const char *dir, const char *file1, const char *file2);

/* Test hook: with IMC_TEST_KILL_AT=N in the environment, the process kills
 * itself (SIGKILL) at the N-th step of writing and publishing its outputs
 * (each 512-byte buffer written, the removal of the old manifest, each
 * rename, the new manifest), so a test can check that no instant leaves a
 * torn set that looks complete. IMC_TEST_KILL_AT=count prints the number of
 * steps on stderr instead. */

#ifdef __cplusplus
}
#endif
#endif
