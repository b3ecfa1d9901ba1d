/* Outputs of a command, checked before the work starts: a bad path fails in
 * milliseconds with the path and the reason, not after a long run. Missing
 * directories are created (mkdir -p) when `create`, else only checked to be
 * creatable, so a run that fails leaves nothing behind. */
#ifndef IMC_OUTPATH_H
#define IMC_OUTPATH_H

#ifdef __cplusplus
extern "C" {
#endif

/* A directory files will be written in. 0 ok; 1 with "imcsim CMD: error:
 * cannot write in 'DIR': REASON" on stderr. */
int outpath_dir(const char *cmd, const char *dir, int create);

/* A file to write: it must be writable, or creatable in its directory (whose
 * missing parents are created when `create`). "-" (stdout) is always fine. */
int outpath_file(const char *cmd, const char *path, int create);

/* One file a command reads or writes, for outpath_clash. A `dir_suffix`
 * entry stands for every file of directory `path` whose name ends in SUFFIX. */
typedef struct outpath_use {
    const char *what;   /* the option, for the message: "--json" */
    const char *path;   /* NULL or "-": none */
    int output;         /* written by the command (else read) */
    const char *dir_suffix;
} outpath_use_t;

/* Does an output name the same file as another output or an input (which
 * it would overwrite)? 1 with "imcsim CMD: error: --json 'a' and --manifest
 * 'b' are the same file" on stderr; inputs that are no file (a preset, a zoo
 * model) never clash. Paths are compared resolved (symbolic links, "..",
 * the working directory), also when the file does not exist yet. */
int outpath_clash(const char *cmd, const outpath_use_t *u, int n);

#ifdef __cplusplus
}
#endif
#endif
