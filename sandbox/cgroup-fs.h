/* cgroup-fs.h: the cgroupfs helpers the cgroup manager's files share (cgroup-fs.c): reading and
 * writing the files of a cgroup directory, parsing their numbers and keyed lines, killing what
 * cgroup.procs lists, making and removing cgroup directories, and the record a run's cgroup
 * keeps of the directories it made and the limits it could not enforce. A leaf: it depends on
 * util and the error values only. */
#ifndef SANDBOX_CGROUP_FS_H
#define SANDBOX_CGROUP_FS_H

#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- time ---------------------------------------------------------------------------------- */

void cg_sleep_ms(unsigned ms);
/* CLOCK_MONOTONIC in milliseconds. */
uint64_t cg_now_ms(void);

/* Sets *err (when err is not NULL and *err is NULL) to a copy of `src`. Returns -1. */
int cg_copy_error(sbx_error **err, const sbx_error *src);

/* ---- files in a cgroup directory ------------------------------------------------------------ */

bool cg_has(const char *dir, const char *file);
/* Writes `value` with one write(2), as cgroupfs wants. */
int cg_write(const char *dir, const char *file, const char *value, sbx_error **err);
/* Writes a number in decimal. */
int cg_write_u64(const char *dir, const char *file, uint64_t value, sbx_error **err);
/* Writes a number in decimal, UINT64_MAX as "max" (the v2 spelling of no limit). */
int cg_write_limit(const char *dir, const char *file, uint64_t value, sbx_error **err);
/* Reads a file; ENOENT gives *out = NULL and returns 0 when `optional`. */
int cg_read(const char *dir, const char *file, bool optional, char **out, sbx_error **err);
/* A file holding one number (or "max", read as UINT64_MAX). *present false when missing. */
int cg_read_u64(const char *dir, const char *file, uint64_t *out, bool *present, sbx_error **err);
/* Finds `key` in a flat-keyed text ("key value\n..."); false when absent or malformed. */
bool cg_keyed_u64(const char *text, const char *key, uint64_t *out);
/* Parses a decimal number (or "max") with optional trailing whitespace. */
bool cg_parse_u64(const char *s, uint64_t *out);
/* Sends SIGKILL to every pid listed in <dir>/cgroup.procs; *count = how many were listed. */
int cg_kill_procs(const char *dir, unsigned *count, sbx_error **err);
/* Whether <dir>/cgroup.procs lists no process (no cgroup.procs: the cgroup is gone, so yes). */
int cg_procs_empty(const char *dir, bool *empty, sbx_error **err);

/* ---- cgroup directories --------------------------------------------------------------------- */

/* Removes a cgroup and every cgroup below it, deepest first, waiting a moment on EBUSY (a
 * cgroup whose last task is exiting). On a plain directory tree standing in for cgroupfs, the
 * regular files a test put there are unlinked first. */
int cg_remove_tree(const char *path, bool plain_tree, sbx_error **err);

/* ---- the record of a run's cgroup ------------------------------------------------------------ */

typedef struct cg_record {
  bool strict; /* REQUIRED: a missing controller is an error, not a degraded limit */
  /* Every directory the run made, in the order made; removed in reverse. */
  char **created;
  size_t n_created;
  /* The default parents ("sandbox"), ours whoever made them: removed at the end when empty. */
  char **parents;
  size_t n_parents;
  /* The limits that could not be enforced (NULL-terminated; NULL when none). */
  char **degraded;
  size_t n_degraded;
  /* What they lack ("the v1 pids controller"), for the cause: NULL-terminated; may be NULL. */
  char **missing;
  size_t n_missing;
} cg_record;

void cg_record_free(cg_record *rec);

/* A limit whose controller (`what`) is missing: for a strict record an error saying so (where
 * `where`, the run's cgroup2 directory, says which parent must enable it; NULL on v1, where it
 * is not mounted), else `limit` joins the degraded list and it returns 0. */
int cg_record_missing(cg_record *rec, const char *limit, const char *what, const char *where,
                      sbx_error **err);

/* Remembers a default parent, which any run may remove when it is empty. */
void cg_record_parent(cg_record *rec, const char *parent);

/* Makes every missing directory of `dir` below `base` (which exists), recording each one. */
int cg_record_mkdir_below(cg_record *rec, const char *base, const char *dir, sbx_error **err);

/* Called on the parent after it is made and before the run's directory is: v2 enables the
 * controllers there. */
typedef int (*cg_prepare_fn)(const char *parent, void *ctx, sbx_error **err);

/* Makes <parent>/<name> (and the parent, below `base`, when missing), recording what it made;
 * *out = the run's directory. Another run removing the shared default parent at the same moment
 * gives ENOENT: then it makes the parent again, and calls `prepare` (may be NULL) again. */
int cg_record_run_dir(cg_record *rec, const char *base, const char *parent, const char *name,
                      cg_prepare_fn prepare, void *ctx, char **out, sbx_error **err);

/* Removes the directories made, in reverse: the run's own (the last component is `name`) with
 * everything below them; the parents made on the way unless another run uses them (EBUSY,
 * ENOTEMPTY); then the default parents, when empty. */
int cg_record_remove(cg_record *rec, const char *name, bool plain_tree, sbx_error **err);

#endif
