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

#ifdef __cplusplus
}
#endif
#endif
