/* cgroup-internal.h: what cgroup.c shares with its backends cgroup-v1.c and cgroup-v2.c. */
#ifndef SANDBOX_CGROUP_INTERNAL_H
#define SANDBOX_CGROUP_INTERNAL_H

#include "cgroup.h"
#include "util.h"

/* The v1 controllers we use, in the order they are joined. Not cpuset, by decision: no limit
 * maps to it (limits.cpus is a CPU-time share, written as a cpu quota, not a set of CPUs), and a
 * new v1 cpuset cgroup takes no task until its cpuset.cpus and cpuset.mems are copied from the
 * parent; the job stays in its supervisor's cpuset and nothing of ours is made in that
 * hierarchy (docs/report.md, "The v1 hierarchies a run joins"). */
typedef enum cg_v1_controller {
  CG_V1_MEMORY = 0,
  CG_V1_PIDS,
  CG_V1_CPU,
  CG_V1_CPUACCT,
  CG_V1_FREEZER,
  CG_V1_COUNT,
} cg_v1_controller;

extern const char *const cg_v1_names[CG_V1_COUNT];

struct cgroup {
  int version; /* 1 or 2 */
  cgroup_layout layout;
  bool strict; /* REQUIRED: a missing controller is an error */
  bool plain_tree;
  bool v1_use_freezer;
  char *name;
  /* v2: the run's directory in the unified hierarchy (for hybrid: the companion in
   * <root>/unified, used for cgroup.kill and cgroup.events only; NULL when absent). */
  char *v2_path;
  int v2_fd;
  /* v1: the run's directory in each controller's hierarchy; NULL when the controller is
   * unavailable. Controllers mounted together share one directory (the same string). */
  char *v1_path[CG_V1_COUNT];
  /* Every directory this run made, in the order made; removed in reverse. */
  char **created;
  size_t n_created;
  /* The default parents ("sandbox"), ours whoever made them: removed at the end when empty. */
  char **parents;
  size_t n_parents;
  char **degraded;
  size_t n_degraded;
};

/* ---- files in a cgroup directory (cgroup.c) ---------------------------------------------- */

bool cg_has(const char *dir, const char *file);
/* Writes `value` with one write(2), as cgroupfs wants. */
int cg_write(const char *dir, const char *file, const char *value, sbx_error **err);
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
/* Whether <dir>/cgroup.procs lists no process. */
int cg_procs_empty(const char *dir, bool *empty, sbx_error **err);
void cg_degrade(cgroup *cg, const char *limit);
void cg_sleep_ms(unsigned ms);

/* ---- v1 backend (cgroup-v1.c) -------------------------------------------------------------- */

int cgroup_v1_apply_limits(cgroup *cg, const sbx_limits *limits, sbx_error **err);
int cgroup_v1_read_stats(cgroup *cg, cgroup_stats *st, sbx_error **err);
/* Freezes the freezer cgroup `dir`, SIGKILLs every task, thaws it. */
int cgroup_v1_freeze_kill_thaw(const char *dir, sbx_error **err);
int cgroup_v1_kill(cgroup *cg, sbx_error **err);

/* ---- v2 backend (cgroup-v2.c) -------------------------------------------------------------- */

/* Enables the controllers in `want` (such as "memory") in <dir>/cgroup.subtree_control when
 * <dir>/cgroup.controllers offers them and they are not on yet. Best effort: a controller that
 * cannot be enabled is left off (the child's cgroup.controllers then says so). */
int cgroup_v2_enable_controllers(const char *dir, const char *const *want, sbx_error **err);
int cgroup_v2_apply_limits(cgroup *cg, const sbx_limits *limits, sbx_error **err);
int cgroup_v2_read_stats(const char *dir, cgroup_stats *st, sbx_error **err);
/* Writes 1 to <dir>/cgroup.kill. */
int cgroup_v2_kill(const char *dir, sbx_error **err);
/* <dir>/cgroup.events "populated"; falls back to cgroup.procs. */
int cgroup_v2_populated(const char *dir, bool *populated, sbx_error **err);

#endif
