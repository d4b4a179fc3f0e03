/* cgroup.h: the cgroup manager. One interface over three backends, one per layout:
 *  - v1 (cgroup-v1.c, the legacy layout): the per-controller hierarchies memory, pids, cpu,
 *    cpuacct and freezer;
 *  - hybrid (cgroup-hybrid.c): the v1 hierarchies, plus the empty cgroup2 at <root>/unified,
 *    which we also use, where present, for cgroup.kill and cgroup.events;
 *  - v2 (cgroup-v2.c, the unified layout): the unified hierarchy, with cgroup.subtree_control
 *    delegation, CLONE_INTO_CGROUP, cgroup.kill, memory.peak, memory.events, pids.events and
 *    cpu.stat.
 *
 * A run's cgroup is named "sbx-<owner pid>-<owner start time>-<sequence>": the name records
 * the supervisor that owns it, so that a later run (or `sandbox gc`) can tell the cgroups of
 * dead supervisors and remove them.
 *
 * Every function takes the cgroupfs root in its options, so that unit tests run against a
 * plain directory tree standing in for /sys/fs/cgroup.
 *
 * The life of a run's cgroup:
 *   cgroup_gc_for_run()    (main, first: the leftovers of dead supervisors)
 *   cgroup_create()        (main, before any fork; may fall back to no cgroup: see there)
 *   cgroup_apply_limits()  (main, before the job is placed in it)
 *   cgroup_clone_fd() / cgroup_add_pid()
 *   cgroup_read_stats(), cgroup_kill()
 *   cgroup_destroy()       (always: kills what is left, removes every directory it made) */
#ifndef SANDBOX_CGROUP_H
#define SANDBOX_CGROUP_H

#include "spec.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CGROUP_DEFAULT_ROOT   "/sys/fs/cgroup"
#define CGROUP_DEFAULT_PARENT "sandbox"
#define CGROUP_NAME_PREFIX    "sbx-"

typedef enum cgroup_layout {
  CGROUP_LAYOUT_NONE = 0, /* no cgroup filesystem at the root */
  CGROUP_LAYOUT_LEGACY,   /* v1 hierarchies only */
  CGROUP_LAYOUT_HYBRID,   /* v1 hierarchies, and cgroup2 (without controllers) at <root>/unified */
  CGROUP_LAYOUT_UNIFIED,  /* cgroup2 at the root */
} cgroup_layout;

/* "none", "legacy", "hybrid", "unified". */
const char *cgroup_layout_name(cgroup_layout layout);

/* The layout from the filesystem magic of the root (statfs f_type) and whether <root>/unified
 * is a cgroup2 mount: cgroup2 → unified; tmpfs (or another, with v1 mounts below) → hybrid when
 * unified is cgroup2, else legacy. `has_v1` says whether a v1 hierarchy was found below. */
cgroup_layout cgroup_layout_classify(long root_magic, bool unified_is_cgroup2, bool has_v1);

/* Detects the layout at `root` (NULL: /sys/fs/cgroup) with statfs. The result for the default
 * root is cached for the life of the process. */
int cgroup_layout_detect(const char *root, cgroup_layout *out, sbx_error **err);

typedef struct cgroup_options {
  const char *root;     /* NULL: /sys/fs/cgroup */
  cgroup_layout layout; /* CGROUP_LAYOUT_NONE: detect it */
  const char *parent;   /* relative to each hierarchy's root; NULL: the default (see below) */
  sbx_cgroup_mode mode; /* AUTO: REQUIRED when privileged, OPTIONAL otherwise */
  int privileged;       /* -1: geteuid() == 0 */
  const char *proc_self_cgroup; /* NULL: /proc/self/cgroup (the unprivileged default parent) */
  /* Testing: the root is a plain directory tree standing in for cgroupfs (no statfs checks;
   * removal unlinks the regular files a test put there; waits for emptiness are skipped). */
  bool plain_tree;
  /* Hybrid only: kill with v1's freeze-kill-thaw even where cgroup.kill of the unified
   * companion exists. */
  bool v1_use_freezer;
} cgroup_options;

typedef struct cgroup cgroup;

/* Creates a run's cgroup with a unique name under the parent:
 *  - options->parent when set;
 *  - privileged: "sandbox" under the root of each hierarchy;
 *  - unprivileged: "<own cgroup>/sandbox", where <own cgroup> is this process's cgroup from
 *    /proc/self/cgroup, when it is writable (a delegated subtree).
 * It collects nothing: the leftovers of dead supervisors are cgroup_gc_for_run()'s business.
 * Returns 0 with *out set on success. When no usable cgroup exists and the mode is OPTIONAL
 * (or OFF, which does not even try), returns 0 with *out = NULL and, when `why` is not NULL,
 * *why = the reason (malloc'd). With REQUIRED, that is an error saying why. */
int cgroup_create(const cgroup_options *options, cgroup **out, char **why, sbx_error **err);

/* Writes the limits: memory (with swap off: memsw / memory.swap.max), pids, cpu quota/period.
 * A limit whose controller is missing is added to the degraded list, or is an error when the
 * cgroup is REQUIRED. Other limits (times, output, rlimits) are not the cgroup's business. */
int cgroup_apply_limits(cgroup *cg, const sbx_limits *limits, sbx_error **err);

/* Moves a process (0: the caller) into the cgroup, in every hierarchy. */
int cgroup_add_pid(cgroup *cg, pid_t pid, sbx_error **err);

/* A directory fd for clone3(CLONE_INTO_CGROUP) on a pure v2 layout, else -1. The fd belongs to
 * the cgroup (O_CLOEXEC). A child cloned into it needs no cgroup_add_pid(). */
int cgroup_clone_fd(const cgroup *cg);

typedef struct cgroup_stats {
  bool has_cpu;
  uint64_t cpu_usage_ns, cpu_user_ns, cpu_system_ns;
  bool has_memory_peak;
  uint64_t memory_peak; /* bytes */
  uint64_t memory_current;
  bool has_oom_kill_count; /* v2 memory.events oom_kill, v1 memory.oom_control oom_kill */
  uint64_t oom_kills;
  uint64_t memory_max_events; /* v2 memory.events max, v1 memory.failcnt */
  bool has_pids_peak;
  uint64_t pids_peak, pids_current;
  uint64_t pids_max_events; /* pids.events max: forks refused by pids.max */
  uint64_t cpu_nr_throttled, cpu_throttled_us;
} cgroup_stats;

/* Reads the figures. Missing files leave their has_* false. */
int cgroup_read_stats(cgroup *cg, cgroup_stats *stats, sbx_error **err);

/* The CPU time of the whole tree so far (ns), cheaply, for the supervisor's cpu_time limit:
 * v2 cpu.stat usage_usec, v1 cpuacct.usage. -1 when the cgroup has no CPU accounting. */
int cgroup_cpu_usage(cgroup *cg, uint64_t *ns, sbx_error **err);

/* Kills every process in the cgroup (v2 and hybrid: cgroup.kill; v1: freeze, SIGKILL every
 * task, thaw) and waits, up to timeout_ms, until it is empty. */
int cgroup_kill(cgroup *cg, int timeout_ms, sbx_error **err);

/* Whether any process is left in it. */
int cgroup_is_populated(cgroup *cg, bool *populated, sbx_error **err);

/* Kills what is left, removes every directory this run made (its cgroup, and its parents when
 * it created them and they are empty) and frees it. NULL is allowed. Returns -1 when something
 * could not be removed (it is freed all the same). */
int cgroup_destroy(cgroup *cg, sbx_error **err);

int cgroup_version(const cgroup *cg);           /* 1 (legacy, hybrid) or 2 (unified) */
const char *cgroup_name(const cgroup *cg);      /* "sbx-..." */
const char *cgroup_path(const cgroup *cg);      /* a directory, for messages */
char *const *cgroup_degraded(const cgroup *cg); /* NULL-terminated; may be NULL */
/* Why cgroup_degraded() lists what it lists: "cgroup DIR lacks the v1 pids controller, ..."
 * (malloc'd); NULL when nothing is degraded. */
char *cgroup_degraded_cause(const cgroup *cg);

/* The limits a run without a cgroup cannot enforce ("memory", "pids", "cpu", "cpu_time": the
 * RLIMIT_CPU fallback counts one process only), NULL-terminated, or NULL when none. */
char **cgroup_degraded_without(const sbx_limits *limits);

/* A fresh unique run name for this process. */
char *cgroup_run_name(void);
/* Parses a run name; false when `name` is not one. */
bool cgroup_parse_run_name(const char *name, pid_t *pid, uint64_t *start_time);
/* Whether the process `pid` started at `start_time` (clock ticks after boot) is alive. */
bool cgroup_owner_alive(pid_t pid, uint64_t start_time);

/* Removes the run cgroups of dead owners under the parent of `options` (in every hierarchy):
 * kills their processes and removes them. *removed counts them (may be NULL). The mode is not
 * looked at. */
int cgroup_gc(const cgroup_options *options, unsigned *removed, sbx_error **err);

/* The gc of a run, before its cgroup_create() with the same options: cgroup_gc() under the
 * parent the run's cgroup will go in, unless the mode is OFF (then it does nothing). A run
 * goes on whatever it returns (best effort). */
int cgroup_gc_for_run(const cgroup_options *options, unsigned *removed, sbx_error **err);

#endif
