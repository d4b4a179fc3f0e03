/* cgroup-internal.h: the types the cgroup manager's files share. cgroup.c detects the layout,
 * places the run's cgroup and names it, and dispatches every operation through the ops table
 * of the layout's backend:
 *   legacy  → cgroup_v1_ops      (cgroup-v1.c)
 *   hybrid  → cgroup_hybrid_ops  (cgroup-hybrid.c: v1, plus the empty cgroup2 at <root>/unified)
 *   unified → cgroup_v2_ops      (cgroup-v2.c)
 * The backends use the cgroupfs helpers of cgroup-fs.c (a leaf) and these types only; nothing
 * in a backend calls cgroup.c, and v1 and v2 do not call each other (the hybrid composes them).
 * cgroup-gc.c removes the cgroups of dead runs, with cgroup.c's placement and the backends'
 * kill_stale. */
#ifndef SANDBOX_CGROUP_INTERNAL_H
#define SANDBOX_CGROUP_INTERNAL_H

#include "cgroup-fs.h"
#include "cgroup.h"

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

/* How long a kill waits for the cgroup to empty, at the end of a run and in gc. */
#define CG_KILL_TIMEOUT_MS 2000

typedef struct cgroup_ops cgroup_ops;

struct cgroup {
  const cgroup_ops *ops;
  bool plain_tree;
  bool v1_use_freezer; /* hybrid: kill with the v1 freezer even where cgroup.kill exists */
  char *name;
  const char *path; /* the directory named in messages: one of the paths below */
  /* v2: the run's directory in the unified hierarchy (for hybrid: the companion in
   * <root>/unified, used for cgroup.procs, cgroup.kill and cgroup.events only; NULL when
   * absent). */
  char *v2_path;
  int v2_fd; /* v2 only: the directory, for CLONE_INTO_CGROUP; -1 elsewhere */
  /* v1 and hybrid: the run's directory in each controller's hierarchy; NULL when the
   * controller is unavailable. Controllers mounted together share one directory (the same
   * string). */
  char *v1_path[CG_V1_COUNT];
  cg_record rec;
};

/* ---- where a run's cgroup goes -------------------------------------------------------------- */

/* A hierarchy a backend uses: <root>/<dir> ("": the root itself). */
typedef struct cgroup_hier {
  const char *dir;
  const char *controller; /* its name in /proc/self/cgroup; NULL: the cgroup2 line "0::" */
  bool freezer;           /* gc visits it first: its stale runs are frozen before the kill */
} cgroup_hier;

#define CG_HIER_MAX (CG_V1_COUNT + 1)

/* The v1 hierarchies, indexed like cg_v1_controller (the hybrid's first ones too). */
/* clang-format off */
#define CG_V1_HIERS                                                                            \
  {"memory", "memory", false}, {"pids", "pids", false}, {"cpu", "cpu", false},                 \
  {"cpuacct", "cpuacct", false}, {"freezer", "freezer", true}
/* clang-format on */

/* Where the run's cgroup goes in one hierarchy, as cgroup.c resolved it. */
typedef struct cgroup_place {
  char *hier;       /* the hierarchy's root directory */
  char *base;       /* the part of `parent` that must exist already (not ours) */
  char *parent;     /* the directory the run's cgroup goes in; NULL: see `error` */
  sbx_error *error; /* why this hierarchy has no place for it (unprivileged: not delegated) */
} cgroup_place;

typedef struct cgroup_where {
  const char *root;
  bool privileged;
  bool given_parent;               /* the caller named the parent: not ours to remove */
  cgroup_place place[CG_HIER_MAX]; /* indexed like the backend's hiers */
} cgroup_where;

/* ---- the backends --------------------------------------------------------------------------- */

struct cgroup_ops {
  const char *name;         /* "v1", "v2", "hybrid" */
  int version;              /* what cgroup_version() says */
  const cgroup_hier *hiers; /* the hierarchies a run's cgroup is made in */
  size_t n_hiers;
  /* Makes the run's directories where `where` says (cg->name, cg->rec.strict and the options
   * are set); sets cg->path. On failure cgroup.c removes what cg->rec recorded. An EEXIST error
   * makes cgroup.c try again with another name. */
  int (*create)(cgroup *cg, const cgroup_where *where, sbx_error **err);
  int (*apply_limits)(cgroup *cg, const sbx_limits *limits, sbx_error **err);
  /* Moves the process `pid` (decimal) into every hierarchy. */
  int (*add_pid)(cgroup *cg, const char *pid, sbx_error **err);
  /* Fills the figures it has (the struct is zeroed before). */
  int (*read_stats)(cgroup *cg, cgroup_stats *stats, sbx_error **err);
  int (*cpu_usage)(cgroup *cg, uint64_t *ns, sbx_error **err);
  /* Kills every process once; cgroup.c then waits for the cgroup to empty. */
  int (*kill)(cgroup *cg, sbx_error **err);
  int (*populated)(cgroup *cg, bool *populated, sbx_error **err);
  /* gc: kills (best effort) the processes of a dead run's directory `dir` in one of the
   * hierarchies, by the means that directory offers, before it is emptied and removed. */
  void (*kill_stale)(const char *dir);
};

extern const cgroup_ops cgroup_v1_ops, cgroup_v2_ops, cgroup_hybrid_ops;

/* v2: enables the controllers in `want` (such as "memory") in <dir>/cgroup.subtree_control when
 * <dir>/cgroup.controllers offers them and they are not on yet. Best effort: a controller that
 * cannot be enabled is left off (the child's cgroup.controllers then says so). */
int cgroup_v2_enable_controllers(const char *dir, const char *const *want, sbx_error **err);

/* ---- for cgroup-gc.c (in cgroup.c) ---------------------------------------------------------- */

/* The backend for a layout; NULL for CGROUP_LAYOUT_NONE. */
const cgroup_ops *cgroup_ops_for(cgroup_layout layout);

/* A parent must be a relative path of plain components ("a/b"); a leading '/' is allowed. */
int cgroup_check_parent(const char *parent, sbx_error **err);

/* The backend at the root of `options` (its layout detected unless given); *ops = NULL when
 * there is no cgroup filesystem. */
int cgroup_locate(const cgroup_options *options, const cgroup_ops **ops, sbx_error **err);

/* Resolves where a run's cgroup goes in each hierarchy of `ops` (a hierarchy whose place cannot
 * be found gets its error). Fails when /proc/self/cgroup, needed by an unprivileged run without
 * a parent, cannot be read. Clear it with cgroup_where_clear(), also after a failure. */
int cgroup_where_resolve(const cgroup_options *options, const cgroup_ops *ops, cgroup_where *where,
                         sbx_error **err);
void cgroup_where_clear(cgroup_where *where);

/* Whether options->privileged (-1: the effective uid) says privileged. */
bool cgroup_privileged(const cgroup_options *options);

/* The start time (field 22 of /proc/PID/stat, clock ticks after boot; pid 0: this process);
 * false when the process does not exist or the file cannot be parsed. *gone says that it does
 * not exist. */
bool cgroup_proc_start_time(pid_t pid, uint64_t *out, bool *gone);

#endif
