/* Output files written whole or not at all, and standard output checked to
 * the end.
 *
 * outfile_open writes into a temporary file beside the destination
 * (".NAME.PID.N.tmp" in the same directory, so the rename cannot cross file
 * systems); outfile_commit flushes it, syncs it to disk and renames it over
 * the destination: a reader, or a run killed at any instant, sees the old
 * file or the new one, never a part. "-" is standard output, and an
 * existing destination that is not a regular file (/dev/null, a FIFO, a
 * terminal) is written in place: there is nothing to rename over. */
#ifndef IMC_OUTFILE_H
#define IMC_OUTFILE_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct outfile {
    FILE *f;         /* write here */
    char *path;      /* the destination */
    char *tmp;       /* the temporary file; NULL when written in place */
    int is_stdout;
} outfile_t;

/* 0, or -1 with errno (the temporary file cannot be created). */
int outfile_open(outfile_t *o, const char *path);
/* Ends the file and moves it into place: 0, or -1 with errno (a write,
 * flush, sync or rename failed; the temporary file is removed, the
 * destination untouched). Standard output is flushed, not closed. */
int outfile_commit(outfile_t *o);
/* Drops an open file: the temporary file is removed. */
void outfile_abort(outfile_t *o);

/* For a writer that opens its file itself (by name): a fresh temporary name
 * beside `path` (malloc'd; NULL with errno), and the move into place of a
 * file written there (fsync, rename, sync of the directory; 0 or -1 with
 * errno). */
char *outfile_tmpname(const char *path);
int outfile_rename(const char *tmp, const char *path);

/* Whether `path` is written in place rather than through a temporary file
 * ("-", or an existing non-regular file). */
int outfile_in_place(const char *path);

/* Puts a stream in place of stdout that writes to the same descriptor and
 * keeps the errno of the first write that fails, for outfile_close_stdout
 * (printf and the JSON writer do not report theirs): 0, or -1 (stdout left
 * as it was: glibc only). Call before anything is printed. std::cout (only
 * SystemC's reports use it) still writes through the C library's stream. */
int outfile_track_stdout(void);

/* Flushes and closes standard output, so a full disk, a closed pipe or a
 * failing device shows (`> /dev/full`): 0, an errno (that of the first
 * failed write when tracked), or -1 when a write failed earlier for a reason
 * no longer known. Call once, when nothing more will be printed. */
int outfile_close_stdout(void);

#ifdef __cplusplus
}
#endif
#endif
