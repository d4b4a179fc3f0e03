/* scratch.h: a scratch directory for the current test, under $TMPDIR (or /tmp), created on first
 * use with mode 0755 (so that the job's host uid 65534 may enter it when the tests run as root)
 * and removed with everything in it when the test ends, whether it passed or failed. Paths
 * returned are the test's own (freed when it ends). */
#ifndef SANDBOX_TESTS_SCRATCH_H
#define SANDBOX_TESTS_SCRATCH_H

#include "util.h"

#include <sys/types.h>

/* The current test's scratch directory. */
const char *scratch_dir(void);
/* "<scratch>/<formatted name>". */
char *scratch_path(const char *fmt, ...) SBX_PRINTF(1, 2);
/* Creates the directory <scratch>/name (and its missing parents) with exactly `mode`. */
char *scratch_mkdir(const char *name, mode_t mode);
/* Writes `len` bytes of `data` to the new file <scratch>/name with exactly `mode`. */
char *scratch_write_data(const char *name, const void *data, size_t len, mode_t mode);
/* Writes the string `text` to the new file <scratch>/name with exactly `mode`. */
char *scratch_write(const char *name, const char *text, mode_t mode);
/* Copies the host file `src` (at most 64 MiB) to the new file <scratch>/name with exactly `mode`
 * (a setuid mode too: the copy is the caller's). */
char *scratch_copy(const char *name, const char *src, mode_t mode);

/* Removes `path` and everything below it (as `rm -rf`, without a shell; directories the caller
 * may not write are made writable first). A path that does not exist is no error. */
int remove_tree(const char *path, sbx_error **err);

#endif
