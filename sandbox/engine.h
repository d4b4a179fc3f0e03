/* engine.h: internals shared by the engine's modules: run.c and supervise.c (main process),
 * intermediate.c, init.c, job.c, child.c, mounts.c and idmap.c. The context (engine_ctx) is
 * prepared by main before the first fork and only read afterwards, so the children use it
 * without locks or allocation surprises. */
#ifndef SANDBOX_ENGINE_H
#define SANDBOX_ENGINE_H

#include "cgroup.h"
#include "channel.h"
#include "etc.h"
#include "phase.h"
#include "spec.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* ---- id mapping (idmap-policy.c decides, idmap.c probes the host and writes) -------------- */

/* What the policy needs to know of the host and the caller, gathered by idmap_host_probe. */
typedef struct idmap_host {
  uint32_t euid, egid; /* the caller's effective ids */
  /* The caller's first range in /etc/subuid (/etc/subgid) of at least the ids the intent
   * needs beyond its own; have_* false when there is none. */
  bool have_subuid, have_subgid;
  uint32_t subuid_start, subgid_start;
  /* newuidmap / newgidmap when installed (executable), else NULL. Not owned. */
  const char *newuidmap, *newgidmap;
} idmap_host;

/* Where idmap_host_probe looks; NULL fields: the system's (/etc/subuid, /usr/bin/newuidmap,
 * ...). Tests point them at stand-ins through sbx_run's internal hooks. */
typedef struct idmap_paths {
  const char *subuid, *subgid, *newuidmap, *newgidmap;
} idmap_paths;

typedef struct idmap_plan {
  bool userns;          /* a user namespace is created */
  bool privileged;      /* the caller is root: maps are written directly, any id */
  sbx_id_mapping *uids; /* the uid_map lines; owned */
  size_t n_uids;
  sbx_id_mapping *gids;
  size_t n_gids;
  /* Write through this newuidmap / newgidmap (NULL: write the map directly). */
  const char *uid_helper, *gid_helper;
  bool deny_setgroups; /* write "deny" to setgroups first (unprivileged, no helper) */
  /* As root: the host ids the intermediate drops to before unshare(CLONE_NEWUSER). */
  bool drop;
  uid_t drop_uid;
  gid_t drop_gid;
} idmap_plan;

/* idmap.c: what the policy needs: the caller's ids, its subordinate ranges for the spec's
 * intent, the helpers. Reads /etc/subuid, /etc/subgid and the passwd entry; never fails (what
 * cannot be read is absent). */
void idmap_host_probe(const sbx_spec *spec, uint32_t euid, uint32_t egid, const idmap_paths *paths,
                      idmap_host *host);
/* idmap-policy.c, pure: the maps of a spec run by the caller `host` describes. The spec's
 * explicit mappings when it has them, else its intent (id_intent): as root the job's ids map
 * to an unprivileged host id (65534 for one id, 100000.. for a range), never host root; as
 * another user to the caller's own id, plus a subordinate range through newuidmap when the
 * intent asks for more ids and the caller has one. */
int idmap_plan_make(const sbx_spec *spec, const idmap_host *host, idmap_plan *plan,
                    sbx_error **err);
void idmap_plan_free(idmap_plan *plan);
/* idmap.c, in main: writes the maps of process `pid` (the intermediate, in its new user
 * namespace). */
int idmap_write(pid_t pid, const idmap_plan *plan, sbx_error **err);

/* ---- the run context --------------------------------------------------------------------- */

typedef struct engine_ctx {
  const sbx_spec *spec;
  channel up;   /* children -> main */
  channel down; /* main -> intermediate */
  idmap_plan idmap;
  /* The host paths the mounts' sources resolve to (the directory part resolved with realpath
   * in main, the last component kept so that a symlink stays a symlink); NULL for others. */
  char **sources;
  char *root_path; /* spec->root.path made absolute, or NULL for a fresh root */
  /* The job's stdio on the host side: opened or chosen by main, inherited through fork. */
  int stdin_fd, stdout_fd, stderr_fd;
  sigset_t forward; /* the signals init forwards to the job */
  /* The seccomp filter main compiled; NULL: none. With seccomp_notify (a filter under a pid
   * namespace, always), it is the user-notification variant: the job hands the listener to init
   * over their own socketpair (its end placed on SECCOMP_HANDOFF_FD) and init reports the
   * forbidden syscall. */
  const struct sc_filter *seccomp;
  bool seccomp_notify;
  /* The run's cgroup (made and given its limits by main), which the intermediate joins first
   * thing; NULL when the run has none (cgroup: off, or optional and unusable). */
  cgroup *cg;
  /* Idmapped binds: NULL, or spec->n_mounts entries where entry i >= 0 is a detached mount tree
   * (open_tree(OPEN_TREE_CLONE) with MOUNT_ATTR_IDMAP set, made by main and inherited) that
   * init attaches at mount i's target, with mount i's attributes, instead of cloning the
   * source; -1: the source as usual. init closes them all before it forks the job (mounts.c). */
  int *bind_fds;
  /* The files of a fresh root's generated /etc (etc.c), formatted by main; init writes them. */
  etc_plan etc;
  /* The start-up's step times (phase.h), when the run has a log; else NULL. */
  phase_page *phases;
} engine_ctx;

#define SECCOMP_HANDOFF_FD 100

/* main -> init: terminate the job's tree (the wall-time limit's SIGTERM, before the SIGKILL
 * after limits.kill_grace). init takes it from main only (a sender outside its pid namespace,
 * or main itself without one) and sends SIGTERM to every process of the pid namespace but
 * itself: kill(-1) reaches each one at once, forks included, cgroup or not. A signal, not a
 * message: the down channel is the job's until it execs, and init waits on its signalfd. */
#define ENGINE_SIG_TERMINATE SIGPWR

/* The intermediate process (intermediate.c): never returns. */
__attribute__((noreturn)) void intermediate_main(engine_ctx *ctx);
/* The init process, pid 1 of the new pid namespace (init.c): never returns. */
__attribute__((noreturn)) void init_main(engine_ctx *ctx);
/* The job (job.c), forked by init: sets itself up, reports ready, waits for the go-ahead, then
 * hardens itself and execs; never returns. `handoff`: its end of the socketpair over which the
 * seccomp listener goes to init, or -1. */
__attribute__((noreturn)) void job_main(const engine_ctx *ctx, int handoff);
/* In init: builds the new root from the spec and pivots into it. */
int mounts_setup_root(const engine_ctx *ctx, sbx_error **err);

/* idmount.c, in main before the first fork: the idmapped copies of the read-write binds
 * (ctx->bind_fds) when the caller is root and the job has a user namespace, else *fds = NULL.
 * A bind on a filesystem without idmap support stays plain, unless the job's host id cannot
 * write it: then the run fails, naming the path, the id and the fixes. */
int idmount_prepare(const sbx_spec *spec, const idmap_plan *plan, char *const *sources, int **fds,
                    sbx_error **err);
void idmount_close(int *fds, size_t n);
/* Whether the run idmaps its read-write binds (root, a user namespace, a mount namespace, at
 * least one read-write bind). */
bool idmount_wanted(const sbx_spec *spec, const idmap_plan *plan);
/* The host ids the job's uid and gid map to; false when unmapped. */
bool idmount_job_host_ids(const sbx_spec *spec, const idmap_plan *plan, uint32_t *uid,
                          uint32_t *gid);

/* child.c: sends err (or a generic message) over `fd` as MSG_ERROR and exits with `code`. */
__attribute__((noreturn)) void child_fail(int fd, sbx_error *err, int code);
/* child.c: every signal's disposition back to the default (the caller's handlers must not run
 * in a child). */
void child_reset_signals(void);

#endif
