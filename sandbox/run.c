/* run.c: the main process: sbx_run() validates the spec, prepares everything the children
 * need (id maps, resolved paths, stdio), forks the intermediate, serves its id-map request,
 * collects init's pid, supervises the job until it ends and fills the result.
 *
 * main waits for its own children only (waitpid on their pids, never -1) and every fd it opens
 * is close-on-exec and closed on every path, so a program can call sbx_run() many times. */
#include "engine.h"
#include "output.h"

#include "hardening.h"

#include "util.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>

void sbx_run_options_init(sbx_run_options *opts) {
  memset(opts, 0, sizeof *opts);
  opts->stdin_fd = opts->stdout_fd = opts->stderr_fd = -1;
}

void sbx_result_clear(sbx_result *result) {
  if (!result) return;
  strv_free(result->degraded);
  free(result->message);
  free(result->syscall);
  memset(result, 0, sizeof *result);
}

/* ---- the run's state ----------------------------------------------------------------------- */

typedef struct run_state {
  engine_ctx ctx;
  const sbx_run_options *opts;
  sc_filter *filter, *notify_filter;
  int opened_stdin; /* an fd we opened for the job's stdin, or -1 */
  pid_t intermediate, init;
  int intermediate_status;
  int intermediate_pidfd, init_pidfd;
  int sigfd;
  bool mask_changed;
  sigset_t old_mask;
  struct timespec start;
  /* What the children said. */
  bool job_ended;
  int wstatus;
  struct rusage ru;
  sbx_error *child_err; /* first MSG_ERROR / MSG_EXEC_FAILED */
  bool exec_failed;
  int exec_errno;
  bool wall_killed;
  bool forbidden; /* a forbidden syscall ended the job */
  uint32_t sc_arch;
  int sc_nr;
  bool cpu_killed;    /* the supervisor ended the job at its cpu_time limit (cgroup accounting) */
  bool output_killed; /* the job wrote past the output cap */
  output_capture out;
  bool job_start_pending; /* MSG_JOB_START came before init's pid */
  bool have_cpu_base;
  uint64_t cpu_base_ns; /* the cgroup's CPU time when the job was forked (the set-up's) */
  /* The job's end as main saw it (MSG_JOB_EXIT, or the kill at a limit): the wall time and,
   * with a cgroup, its CPU figure then, before init's exit tears the namespaces down. */
  bool ended_at_set;
  double ended_at_s;
  bool have_cpu_end;
  uint64_t cpu_end_ns;
  bool have_cgstats;
  cgroup_stats cgstats; /* read when the job has ended, before the cgroup goes */
} run_state;

static void logf_(const run_state *st, const char *fmt, ...) SBX_PRINTF(2, 3);
static void logf_(const run_state *st, const char *fmt, ...) {
  if (!st->opts->log) return;
  va_list ap;
  va_start(ap, fmt);
  char *m = xvasprintf(fmt, ap);
  va_end(ap);
  st->opts->log(st->opts->log_ctx, m);
  free(m);
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

/* Waits for `pid` (our child) to end. ECHILD (someone else reaped it, or SIGCHLD is ignored)
 * counts as ended. */
static void reap(pid_t *pid, int *status) {
  if (*pid <= 0) return;
  int st = 0;
  while (waitpid(*pid, &st, __WALL) < 0 && errno == EINTR) {
  }
  if (status) *status = st;
  *pid = -1;
}

static void finish_intermediate(run_state *st);

static void run_state_cleanup(run_state *st) {
  /* Whatever is still running is ours to end: init's death takes the pid namespace with it. */
  finish_intermediate(st);
  if (st->init > 0) {
    kill(st->init, SIGKILL);
    reap(&st->init, NULL);
  }
  if (st->ctx.cg) {
    /* Always removed, on every path; whatever is left in it is killed first. */
    sbx_error *e = NULL;
    if (cgroup_destroy(st->ctx.cg, &e) < 0) logf_(st, "%s", e->message);
    sbx_error_free(e);
    st->ctx.cg = NULL;
  }
  output_close(&st->out);
  channel_close(&st->ctx.up);
  channel_close(&st->ctx.down);
  close_fd(&st->intermediate_pidfd);
  close_fd(&st->init_pidfd);
  close_fd(&st->opened_stdin);
  if (st->sigfd >= 0) {
    close_fd(&st->sigfd);
  }
  if (st->mask_changed) pthread_sigmask(SIG_SETMASK, &st->old_mask, NULL);
  st->mask_changed = false;
  idmap_plan_free(&st->ctx.idmap);
  sc_filter_free(st->filter);
  sc_filter_free(st->notify_filter);
  st->filter = st->notify_filter = NULL;
  if (st->ctx.sources) {
    for (size_t i = 0; i < st->ctx.spec->n_mounts; i++) free(st->ctx.sources[i]);
    free(st->ctx.sources);
    st->ctx.sources = NULL;
  }
  free(st->ctx.root_path);
  st->ctx.root_path = NULL;
  sbx_error_free(st->child_err);
  st->child_err = NULL;
}

/* ---- preparation (before the fork) ------------------------------------------------------- */

/* The host path a bind source stands for: its directory resolved (symlinks and ..), the last
 * component kept as it is, so that a source that is a symlink stays one. Unresolvable paths
 * are kept: init reports them missing, or skips them when optional. */
static char *resolve_source(const char *src) {
  if (strcmp(src, "/") == 0) return xstrdup("/");
  _cleanup_free_ char *copy = xstrdup(src);
  size_t n = strlen(copy);
  while (n > 1 && copy[n - 1] == '/') copy[--n] = '\0';
  char *slash = strrchr(copy, '/');
  const char *base = slash + 1;
  *slash = '\0';
  const char *dir = *copy ? copy : "/";
  char buf[PATH_MAX];
  if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || !realpath(dir, buf)) return xstrdup(src);
  return xasprintf("%s/%s", strcmp(buf, "/") == 0 ? "" : buf, base);
}

/* Whether the job may run as host uid `uid`: a mapped id, or its own uid without a user
 * namespace. */
static bool job_may_be(const run_state *st, uid_t uid) {
  const idmap_plan *p = &st->ctx.idmap;
  if (!p->userns) return st->ctx.spec->process.uid == uid;
  for (size_t i = 0; i < p->n_uids; i++)
    if (uid >= p->uids[i].host_id && uid - p->uids[i].host_id < p->uids[i].size) return true;
  return false;
}

static int prepare(run_state *st, sbx_error **err) {
  const sbx_spec *spec = st->ctx.spec;
  const sbx_run_options *o = st->opts;
  if (idmap_plan_make(spec, geteuid(), getegid(), &st->ctx.idmap, err) < 0) return -1;
  /* Compiled (or taken from the cache) here, before any fork: the job only loads it. The disk
   * cache belongs to the caller's uid; a job that runs as that uid (an unprivileged caller's
   * job does) could rewrite a cached filter through a read-write bind and so switch off the
   * filter of every later run. Such runs keep filters in memory only. */
  sbx_error *cache_err = NULL;
  const char *cache_dir = o->seccomp_cache_dir;
  if (cache_dir && job_may_be(st, geteuid())) {
    logf_(st, "seccomp filter: not cached on disk, since the job runs as uid %u, the owner of %s",
          (unsigned)geteuid(), cache_dir);
    cache_dir = NULL;
  }
  int rc = sc_filter_build_in(&spec->seccomp, cache_dir, &st->filter, &cache_err, err);
  if (rc < 0) {
    sbx_error_free(cache_err);
    return -1;
  }
  if (cache_err) logf_(st, "%s (the seccomp filter is not cached on disk)", cache_err->message);
  sbx_error_free(cache_err);
  if (st->filter) {
    static const char *const how[] = {"compiled", "taken from the memory cache",
                                      "loaded from the disk cache"};
    sc_cache_source src = sc_cache_last_source();
    logf_(st, "seccomp filter: %s", src <= SC_FROM_DISK ? how[src] : "built");
  }
  st->ctx.seccomp = st->filter;
  /* Every loaded filter reports a forbidden syscall by name: its kill actions, and the
   * bad-architecture kill that every filter has (i386 int 0x80, x32), become user
   * notifications that init answers by ending the job. Whatever the policy's own actions, an
   * int 0x80 is then a named forbidden_syscall rather than a bare SIGSYS. Only under a pid
   * namespace, where init may kill every process of the job at once (kill(-1)). */
  if (st->filter && (spec->namespaces & SBX_NS_PID)) {
    st->notify_filter = sc_filter_notify_variant(st->filter, SECCOMP_HANDOFF_FD);
    if (!st->notify_filter)
      return sbx_set_error(err, E2BIG,
                           "the seccomp policy is too large for forbidden-syscall "
                           "reporting");
    st->ctx.seccomp = st->notify_filter;
    st->ctx.seccomp_notify = true;
  }

  st->ctx.sources = xcalloc(spec->n_mounts + 1, sizeof *st->ctx.sources);
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (spec->mounts[i].type == SBX_MOUNT_BIND)
      st->ctx.sources[i] = resolve_source(spec->mounts[i].source);

  if (spec->root.path) {
    _cleanup_free_ char *p = NULL;
    if (spec->root.path[0] == '/') {
      p = xstrdup(spec->root.path);
    } else if (o->bundle_dir) {
      p = xasprintf("%s/%s", o->bundle_dir, spec->root.path);
    } else {
      p = xstrdup(spec->root.path);
    }
    char buf[PATH_MAX];
    if (!realpath(p, buf)) return sbx_set_errno(err, "the root directory %s", p);
    st->ctx.root_path = xstrdup(buf);
  }

  switch (spec->process.stdin_mode) {
  case SBX_STDIN_NULL:
    st->opened_stdin = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (st->opened_stdin < 0) return sbx_set_errno(err, "open /dev/null for the job's stdin");
    st->ctx.stdin_fd = st->opened_stdin;
    break;
  case SBX_STDIN_FILE:
    /* Opened here, on the host, with the caller's rights; the job inherits the fd. */
    st->opened_stdin = open(spec->process.stdin_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (st->opened_stdin < 0)
      return sbx_set_errno(err, "open the job's stdin %s", spec->process.stdin_path);
    st->ctx.stdin_fd = st->opened_stdin;
    break;
  case SBX_STDIN_INHERIT: st->ctx.stdin_fd = o->stdin_fd >= 0 ? o->stdin_fd : STDIN_FILENO; break;
  }
  st->ctx.stdout_fd = o->stdout_fd >= 0 ? o->stdout_fd : STDOUT_FILENO;
  st->ctx.stderr_fd = o->stderr_fd >= 0 ? o->stderr_fd : STDERR_FILENO;
  if (spec->limits.output != SBX_UNSET) {
    /* The job writes into pipes that main pumps on to these fds, up to the cap. */
    if (output_open(&st->out, spec->limits.output, st->ctx.stdout_fd, st->ctx.stderr_fd, err) < 0)
      return -1;
    st->ctx.stdout_fd = st->out.wr[0];
    st->ctx.stderr_fd = st->out.wr[1];
  }

  sigemptyset(&st->ctx.forward);
  static const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  for (size_t i = 0; i < ARRAY_SIZE(fwd); i++) sigaddset(&st->ctx.forward, fwd[i]);

  if (channel_open(&st->ctx.up, err) < 0 || channel_open(&st->ctx.down, err) < 0) return -1;
  /* main reads up without blocking: it polls, and a missing writer never hangs it. */
  int fl = fcntl(st->ctx.up.rd, F_GETFL);
  if (fl < 0 || fcntl(st->ctx.up.rd, F_SETFL, fl | O_NONBLOCK) < 0)
    return sbx_set_errno(err, "make the channel non-blocking");

  if (o->forward_signals) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    sigaddset(&s, SIGQUIT);
    int e = pthread_sigmask(SIG_BLOCK, &s, &st->old_mask);
    if (e) return sbx_set_error(err, e, "block the signals to forward");
    st->mask_changed = true;
    st->sigfd = signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK);
    if (st->sigfd < 0) return sbx_set_errno(err, "signalfd for the signals to forward");
  }
  return 0;
}

static double elapsed_s(const struct timespec *from);

/* Notes the end of the job: its wall time and the cgroup's CPU figure at that moment. */
static void note_end(run_state *st) {
  if (st->ended_at_set) return;
  st->ended_at_set = true;
  st->ended_at_s = elapsed_s(&st->start);
  sbx_error *e = NULL;
  if (st->ctx.cg && cgroup_cpu_usage(st->ctx.cg, &st->cpu_end_ns, &e) == 0) st->have_cpu_end = true;
  sbx_error_free(e);
}

/* ---- the cgroup ----------------------------------------------------------------------------- */

/* Makes the run's cgroup and writes its limits, before the first fork; fills the result's
 * cgroup fields. Without a usable cgroup (optional or off), the run goes on with rlimits and
 * rusage, and the limits that cannot be enforced are listed as degraded. */
static int setup_cgroup(run_state *st, sbx_result *res, sbx_error **err) {
  const sbx_spec *spec = st->ctx.spec;
  cgroup_options o = {.mode = spec->cgroup_mode, .parent = spec->cgroup_parent, .privileged = -1};
  _cleanup_free_ char *why = NULL;
  cgroup_gc_for_run(&o, NULL, NULL); /* best effort: the cgroups of dead supervisors */
  if (cgroup_create(&o, &st->ctx.cg, &why, err) < 0) return -1;
  if (!st->ctx.cg) {
    res->degraded = cgroup_degraded_without(&spec->limits);
    logf_(st, "no cgroup: %s", why ? why : "off");
    return 0;
  }
  logf_(st, "created cgroup %s (v%d)", cgroup_path(st->ctx.cg), cgroup_version(st->ctx.cg));
  if (cgroup_apply_limits(st->ctx.cg, &spec->limits, err) < 0) return -1;
  res->cgroup = true;
  res->cgroup_version = cgroup_version(st->ctx.cg);
  char *const *d = cgroup_degraded(st->ctx.cg);
  if (d) res->degraded = strv_copy(d);
  return 0;
}

/* Ends every process of the sandbox: the cgroup's (cgroup.kill, or freeze-kill-thaw on v1),
 * and init, whose death takes the pid namespace with it. */
static void kill_sandbox(run_state *st) {
  note_end(st);
  if (st->ctx.cg) {
    sbx_error *e = NULL;
    if (cgroup_kill(st->ctx.cg, 1000, &e) < 0) logf_(st, "%s", e->message);
    sbx_error_free(e);
  }
  if (st->init > 0) kill(st->init, SIGKILL);
}

/* init finished the set-up: note the cgroup's CPU time so far (the set-up's, not the job's)
 * and let it fork the job. A failure to answer is a setup error (init would wait forever). */
static void job_start(run_state *st) {
  sbx_error *e = NULL;
  if (cgroup_cpu_usage(st->ctx.cg, &st->cpu_base_ns, &e) == 0)
    st->have_cpu_base = true;
  else
    logf_(st, "%s", e->message);
  sbx_error_free(e);
  e = NULL;
  if (channel_send_simple(st->ctx.down.wr, MSG_JOB_GO, 0, &e) < 0 && !st->child_err) {
    sbx_error_prefix(&e, "let init start the job");
    st->child_err = e;
    kill_sandbox(st);
  } else {
    sbx_error_free(e);
  }
}

/* ---- talking to the children ------------------------------------------------------------- */

static void note_child_error(run_state *st, const channel_msg *msg) {
  if (st->child_err) return;
  st->child_err = xcalloc(1, sizeof *st->child_err);
  st->child_err->code = msg->code;
  st->child_err->message = xstrdup(msg->text[0] ? msg->text : "setup failed");
  if (msg->type == MSG_EXEC_FAILED) {
    st->exec_failed = true;
    st->exec_errno = msg->code;
  }
}

/* Records a message that may come at any moment (init and the job run while the intermediate
 * is still reporting): init's pid, the job's end, an error. False for any other type. */
static bool note_message(run_state *st, const channel_msg *msg) {
  switch (msg->type) {
  case MSG_INIT_PID:
    if (msg->pid <= 0 || st->init > 0) return false;
    st->init = msg->pid;
    return true;
  case MSG_JOB_START:
    /* With a cgroup: init finished the set-up and waits for the go-ahead. */
    if (!st->ctx.cg) return false;
    job_start(st);
    return true;
  case MSG_JOB_EXIT:
    st->job_ended = true;
    st->wstatus = msg->wstatus;
    st->ru = msg->ru;
    st->forbidden = msg->forbidden != 0;
    st->sc_arch = msg->sc_arch;
    st->sc_nr = msg->sc_nr;
    note_end(st);
    if (st->ctx.cg) {
      /* init waits for this go-ahead before it exits (its exit tears down the mounts and
       * namespaces, which would be charged to the cgroup): the figures now are the job's. */
      sbx_error *e = NULL;
      if (channel_send_simple(st->ctx.down.wr, MSG_JOB_GO, 0, &e) < 0) logf_(st, "%s", e->message);
      sbx_error_free(e);
    }
    return true;
  case MSG_ERROR:
  case MSG_EXEC_FAILED: note_child_error(st, msg); return true;
  default: return false;
  }
}

static char *describe_status(int status) {
  if (WIFEXITED(status)) return xasprintf("exit status %d", WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return xasprintf("killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return xasprintf("wait status 0x%x", status);
}

/* Listens to the channel while the intermediate runs, watching it through its pidfd. Returns
 * 1 when it asks for its id maps (only if `want_map_request`), 0 once it has exited and every
 * message it sent is taken (then it is reaped), -1 with *err on a channel error or a message
 * out of place. */
static int wait_intermediate(run_state *st, bool want_map_request, sbx_error **err) {
  bool exited = false;
  for (;;) {
    channel_msg msg;
    sbx_error *e = NULL;
    int r = channel_recv(st->ctx.up.rd, &msg, "sandbox setup", &e);
    if (r == 1) {
      if (msg.type == MSG_MAP_REQUEST && want_map_request) return 1;
      if (note_message(st, &msg)) continue;
      return sbx_set_error(err, EPROTO, "unexpected %s message during the sandbox's setup",
                           channel_msg_name(msg.type));
    }
    if (r < 0 && errno != EAGAIN) {
      if (err && !*err)
        *err = e;
      else
        sbx_error_free(e);
      return -1;
    }
    sbx_error_free(e);
    if (r == 0 || exited) {
      /* It has exited (or every writer is gone): what it sent is taken. */
      reap(&st->intermediate, &st->intermediate_status);
      close_fd(&st->intermediate_pidfd);
      return 0;
    }
    struct pollfd p[2] = {{.fd = st->ctx.up.rd, .events = POLLIN},
                          {.fd = st->intermediate_pidfd, .events = POLLIN}};
    if (poll(p, 2, -1) < 0 && errno != EINTR) return sbx_set_errno(err, "poll the channel");
    if (p[1].revents) exited = true; /* one more look at the channel first */
  }
}

/* The intermediate ended without doing its part: its own error, or how it ended. */
static int intermediate_failed(run_state *st, const char *what, sbx_error **err) {
  if (st->child_err) {
    if (err && !*err) *err = steal_pointer(&st->child_err);
    return -1;
  }
  _cleanup_free_ char *how = describe_status(st->intermediate_status);
  return sbx_set_error(err, EPIPE, "the sandbox's intermediate process ended (%s) %s", how, what);
}

/* On an error path: lets the intermediate finish (EOF on the down channel ends its wait for
 * the maps), so that init, if it was started, is known and can be killed and reaped. */
static void finish_intermediate(run_state *st) {
  if (st->intermediate <= 0) return;
  channel_close_end(&st->ctx.down.wr);
  for (int i = 0; i < 4 && st->intermediate > 0; i++) {
    sbx_error *e = NULL;
    int r = wait_intermediate(st, true, &e);
    sbx_error_free(e);
    if (r < 0) break;
  }
  if (st->intermediate > 0) {
    kill(st->intermediate, SIGKILL);
    reap(&st->intermediate, NULL);
  }
}

/* Forks the intermediate, serves its id-map request and learns init's pid. */
static int start(run_state *st, sbx_error **err) {
  sigset_t all, saved;
  sigfillset(&all);
  /* The child starts with every signal blocked so that none of the caller's handlers runs in
   * it before it resets them. */
  int e = pthread_sigmask(SIG_SETMASK, &all, &saved);
  if (e) return sbx_set_error(err, e, "block signals around fork");
  clock_gettime(CLOCK_MONOTONIC, &st->start);
  /* The cgroup is created before this fork (branch `cgroup`). */
  pid_t pid = fork();
  if (pid == 0) intermediate_main(&st->ctx);
  int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  if (pid < 0) return sbx_set_error(err, fork_errno, "fork the sandbox's intermediate process");
  st->intermediate = pid;
  output_close_write_ends(&st->out);
  channel_close_end(&st->ctx.up.wr);
  channel_close_end(&st->ctx.down.rd);
  st->intermediate_pidfd = pidfd_open(pid, 0);
  if (st->intermediate_pidfd < 0) return sbx_set_errno(err, "pidfd_open the intermediate");
  logf_(st, "started the intermediate process %d", (int)pid);

  if (st->ctx.idmap.userns) {
    int r = wait_intermediate(st, true, err);
    if (r < 0) return -1;
    if (r == 0) return intermediate_failed(st, "before creating the user namespace", err);
    if (idmap_write(pid, &st->ctx.idmap, err) < 0) return -1;
    logf_(st, "wrote the id maps of process %d", (int)pid);
    if (channel_send_simple(st->ctx.down.wr, MSG_MAP_DONE, 0, err) < 0) return -1;
  }
  if (wait_intermediate(st, false, err) < 0) return -1;
  if (st->init <= 0) return intermediate_failed(st, "before starting init", err);
  st->init_pidfd = pidfd_open(st->init, 0);
  if (st->init_pidfd < 0) return sbx_set_errno(err, "pidfd_open the init process %d", st->init);
  logf_(st, "init is process %d", (int)st->init);
  return 0;
}

static double elapsed_s(const struct timespec *from) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - from->tv_sec) + (double)(now.tv_nsec - from->tv_nsec) / 1e9;
}

/* Takes every queued message from the up channel. Returns -1 on a garbled message. */
static int drain(run_state *st, bool *closed, sbx_error **err) {
  for (;;) {
    channel_msg msg;
    sbx_error *e = NULL;
    int r = channel_recv(st->ctx.up.rd, &msg, "sandbox", &e);
    if (r == 0) {
      sbx_error_free(e);
      *closed = true;
      return 0;
    }
    if (r < 0) {
      if (!e && errno == EAGAIN) return 0;
      if (err && !*err)
        *err = e;
      else
        sbx_error_free(e);
      return -1;
    }
    if (msg.type == MSG_INIT_PID || !note_message(st, &msg))
      return sbx_set_error(err, EPROTO, "unexpected %s message from the sandbox",
                           channel_msg_name(msg.type));
  }
}

/* Until init exits: forwards the caller's signals, enforces the wall-clock deadline, collects
 * the messages. */
static int supervise(run_state *st, sbx_error **err) {
  const sbx_limits *l = &st->ctx.spec->limits;
  bool closed = false;
  for (;;) {
    int timeout = -1;
    if (l->wall_time_us != SBX_UNSET && !st->wall_killed && !st->cpu_killed && !st->output_killed &&
        !st->job_ended) {
      double left = (double)l->wall_time_us / 1e6 - elapsed_s(&st->start);
      if (left <= 0) {
        logf_(st, "wall time limit reached: killing the sandbox");
        kill_sandbox(st);
        st->wall_killed = true;
        continue;
      }
      timeout = (int)(left * 1000.0) + 1;
    }
    if (st->ctx.cg && l->cpu_time_us != SBX_UNSET && !st->cpu_killed && !st->wall_killed &&
        !st->output_killed && !st->job_ended) {
      /* cpu_time: the whole tree's CPU from the cgroup, checked at least as often as the
       * remaining budget could be spent by every CPU at once. */
      uint64_t used;
      sbx_error *e = NULL;
      if (cgroup_cpu_usage(st->ctx.cg, &used, &e) == 0) {
        used = used > st->cpu_base_ns ? used - st->cpu_base_ns : 0;
        uint64_t limit_ns = l->cpu_time_us * 1000;
        if (used >= limit_ns) {
          logf_(st, "cpu time limit reached: killing the sandbox");
          kill_sandbox(st);
          st->cpu_killed = true;
          continue;
        }
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        uint64_t ms = (limit_ns - used) / 1000000 / (uint64_t)(ncpu > 0 ? ncpu : 1);
        int check = ms < 1 ? 1 : ms > 100 ? 100 : (int)ms;
        if (timeout < 0 || check < timeout) timeout = check;
      }
      sbx_error_free(e);
    }
    /* The output: the job's pipes while nothing waits for the caller's fd, else the caller's
     * fd for room (main never blocks on it, so the deadlines above hold). */
    struct pollfd p[7] = {
        {.fd = closed ? -1 : st->ctx.up.rd, .events = POLLIN},
        {.fd = st->init_pidfd, .events = POLLIN},
        {.fd = st->sigfd, .events = POLLIN},
        {.fd = output_wants_read(&st->out, 0) ? st->out.rd[0] : -1, .events = POLLIN},
        {.fd = output_wants_read(&st->out, 1) ? st->out.rd[1] : -1, .events = POLLIN},
        {.fd = output_wants_write(&st->out, 0) ? st->out.dst[0] : -1, .events = POLLOUT},
        {.fd = output_wants_write(&st->out, 1) ? st->out.dst[1] : -1, .events = POLLOUT}};
    int r = poll(p, 7, timeout);
    if (r < 0) {
      if (errno == EINTR) continue;
      return sbx_set_errno(err, "poll the sandbox");
    }
    if (p[0].revents && drain(st, &closed, err) < 0) return -1;
    for (int i = 0; i < 2; i++)
      if ((p[3 + i].revents || p[5 + i].revents) && output_pump(&st->out, i, err) < 0) return -1;
    if (st->out.exceeded && !st->output_killed && !st->wall_killed && !st->cpu_killed) {
      logf_(st, "output limit reached: killing the sandbox");
      kill_sandbox(st);
      st->output_killed = true;
    }
    if (p[2].revents) {
      struct signalfd_siginfo si;
      while (read(st->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        logf_(st, "forwarding signal %u to the job", si.ssi_signo);
        kill(st->init, (int)si.ssi_signo);
      }
    }
    if (p[1].revents) {
      /* init is gone, and with it every writer of the channel: what it sent is queued. */
      if (drain(st, &closed, err) < 0) return -1;
      int status;
      reap(&st->init, &status);
      /* With a pid namespace, every process of the job is gone with init: what it wrote is
       * queued in the output pipes, and only that goes on to the caller (never wait for EOF:
       * a write end passed out of the sandbox may live on). Without one, the pipes are read
       * until EOF for a short while (output.h). */
      if (st->out.on) {
        output_finish(&st->out, (st->ctx.spec->namespaces & SBX_NS_PID) != 0);
        for (int i = 0; i < 2; i++)
          if (st->out.dropped[i])
            logf_(st, "the caller's %s did not take the job's last %" PRIu64 " bytes: dropped",
                  i ? "stderr" : "stdout", st->out.dropped[i]);
      }
      if (!st->job_ended && !st->child_err && !st->wall_killed && !st->cpu_killed &&
          !st->output_killed) {
        _cleanup_free_ char *how = describe_status(status);
        return sbx_set_error(err, EPIPE,
                             "the sandbox's init process ended (%s) without reporting the job's "
                             "end",
                             how);
      }
      return 0;
    }
  }
}

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

static void fill_result(run_state *st, sbx_result *res) {
  const sbx_limits *l = &st->ctx.spec->limits;
  const cgroup_stats *cs = st->have_cgstats ? &st->cgstats : NULL;
  res->wall_time_s = st->ended_at_set ? st->ended_at_s : elapsed_s(&st->start);
  /* The whole tree's figures from the cgroup; rusage (the job and its reaped descendants) is
   * the fallback, and the source of the largest single process and the context switches. */
  if (st->job_ended) {
    res->cpu_user_s = tv_s(st->ru.ru_utime);
    res->cpu_system_s = tv_s(st->ru.ru_stime);
    res->cpu_time_s = res->cpu_user_s + res->cpu_system_s;
    res->max_rss_bytes = (uint64_t)st->ru.ru_maxrss * 1024;
    res->memory_peak_bytes = res->max_rss_bytes;
    res->memory_peak_source = SBX_MEMORY_PEAK_RUSAGE;
    res->csw_voluntary = (uint64_t)st->ru.ru_nvcsw;
    res->csw_forced = (uint64_t)st->ru.ru_nivcsw;
  }
  if (cs && cs->has_cpu) {
    /* The job's part: the set-up's CPU time (noted at MSG_JOB_START) taken off, from user and
     * system in proportion. */
    uint64_t total = st->have_cpu_end ? st->cpu_end_ns : cs->cpu_usage_ns;
    uint64_t base = st->have_cpu_base ? st->cpu_base_ns : 0;
    uint64_t job = total > base ? total - base : 0;
    uint64_t split = cs->cpu_user_ns + cs->cpu_system_ns;
    double user_frac = split ? (double)cs->cpu_user_ns / (double)split : 0;
    res->cpu_time_s = (double)job / 1e9;
    res->cpu_user_s = res->cpu_time_s * user_frac;
    res->cpu_system_s = res->cpu_time_s - res->cpu_user_s;
  }
  if (cs && cs->has_memory_peak) {
    res->memory_peak_bytes = cs->memory_peak;
    res->memory_peak_source = SBX_MEMORY_PEAK_CGROUP;
  }
  if (cs && cs->has_pids_peak) res->pids_peak = cs->pids_peak;
  res->stdout_bytes = st->out.bytes[0];
  res->stderr_bytes = st->out.bytes[1];
  if (st->wall_killed || st->cpu_killed || st->output_killed) {
    res->status = st->wall_killed  ? SBX_STATUS_WALL_TIME_LIMIT
                  : st->cpu_killed ? SBX_STATUS_CPU_TIME_LIMIT
                                   : SBX_STATUS_OUTPUT_LIMIT;
    res->signal = SIGKILL;
    return;
  }
  if (!st->job_ended) return;
  if (st->forbidden) {
    /* init ended the job at the forbidden call; SIGSYS is what the kernel's own kill action
     * would have shown. */
    res->status = SBX_STATUS_FORBIDDEN_SYSCALL;
    res->signal = SIGSYS;
    res->syscall = sc_syscall_name(st->sc_arch, st->sc_nr);
    return;
  }
  int ws = st->wstatus;
  if (WIFEXITED(ws)) {
    res->exit_code = WEXITSTATUS(ws);
    res->status = res->exit_code == 0 ? SBX_STATUS_OK : SBX_STATUS_EXIT_NONZERO;
  } else if (WIFSIGNALED(ws)) {
    int sig = WTERMSIG(ws);
    res->signal = sig;
    res->status = SBX_STATUS_SIGNALED;
    if (l->cpu_time_us != SBX_UNSET &&
        (sig == SIGXCPU || (sig == SIGKILL && res->cpu_time_s * 1e6 >= (double)l->cpu_time_us)))
      res->status = SBX_STATUS_CPU_TIME_LIMIT;
    else if (sig == SIGXFSZ && l->file_size != SBX_UNSET)
      res->status = SBX_STATUS_FILE_SIZE_LIMIT;
  }
  if (cs) {
    /* OOM: v2 memory.events oom_kill, v1 memory.oom_control oom_kill; on kernels without that
     * count, a hit of the limit (failcnt) together with a SIGKILL. */
    res->oom_killed = cs->has_oom_kill_count
                          ? cs->oom_kills > 0
                          : cs->memory_max_events > 0 && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL;
    /* A limit is the verdict when the job failed and the limit was hit. */
    bool failed = res->status == SBX_STATUS_EXIT_NONZERO || res->status == SBX_STATUS_SIGNALED;
    if (failed && res->oom_killed && l->memory != SBX_UNSET)
      res->status = SBX_STATUS_MEMORY_LIMIT;
    else if (failed && cs->pids_max_events > 0 && l->pids != SBX_UNSET)
      res->status = SBX_STATUS_PIDS_LIMIT;
  }
  /* Without the cgroup's CPU accounting, RLIMIT_CPU holds each process on its own, and the
   * tree's total (rusage: the job and its reaped descendants) is only known now: a tree past
   * the limit is cpu_time_limit, unless a more specific verdict stands (forbidden_syscall and
   * the supervisor's kills above, file_size_limit, memory_limit, pids_limit). */
  bool cgroup_cpu = cs && cs->has_cpu;
  if (!cgroup_cpu && l->cpu_time_us != SBX_UNSET &&
      (res->status == SBX_STATUS_OK || res->status == SBX_STATUS_EXIT_NONZERO ||
       res->status == SBX_STATUS_SIGNALED) &&
      res->cpu_time_s * 1e6 > (double)l->cpu_time_us)
    res->status = SBX_STATUS_CPU_TIME_LIMIT;
}

static int run(run_state *st, sbx_result *result, sbx_error **err) {
  if (sbx_spec_validate(st->ctx.spec, err) < 0) return -1;
  if (prepare(st, err) < 0) return -1;
  if (setup_cgroup(st, result, err) < 0) return -1;
  if (start(st, err) < 0) return -1;
  if (supervise(st, err) < 0) return -1;
  if (st->ctx.cg) {
    sbx_error *e = NULL;
    if (cgroup_read_stats(st->ctx.cg, &st->cgstats, &e) == 0)
      st->have_cgstats = true;
    else
      logf_(st, "%s", e->message);
    sbx_error_free(e);
  }
  if (st->child_err) {
    if (st->exec_failed) {
      result->exec_failed = true;
      result->exec_errno = st->exec_errno;
    }
    if (err && !*err) *err = steal_pointer(&st->child_err);
    return -1;
  }
  fill_result(st, result);
  return 0;
}

int sbx_run(const sbx_spec *spec, const sbx_run_options *opts, sbx_result *result,
            sbx_error **err) {
  sbx_run_options defaults;
  if (!opts) {
    sbx_run_options_init(&defaults);
    opts = &defaults;
  }
  sbx_result scratch;
  if (!result) result = &scratch;
  memset(result, 0, sizeof *result);
  if (!spec) {
    sbx_error *e = NULL;
    sbx_set_error(&e, EINVAL, "no spec given");
    result->status = SBX_STATUS_SETUP_ERROR;
    result->message = xstrdup(e->message);
    if (result == &scratch) sbx_result_clear(result);
    if (err && !*err)
      *err = e;
    else
      sbx_error_free(e);
    return -1;
  }
  for (size_t i = 0; i < ARRAY_SIZE(opts->reserved); i++) {
    if (!opts->reserved[i]) continue;
    sbx_error *e = NULL;
    sbx_set_error(&e, EINVAL,
                  "sbx_run_options: reserved slot %zu is set (options of another version of "
                  "libsandbox?)",
                  i);
    result->status = SBX_STATUS_SETUP_ERROR;
    result->message = xstrdup(e->message);
    if (result == &scratch) sbx_result_clear(result);
    if (err && !*err)
      *err = e;
    else
      sbx_error_free(e);
    return -1;
  }
  run_state st = {
      .opts = opts,
      .opened_stdin = -1,
      .intermediate = -1,
      .init = -1,
      .intermediate_pidfd = -1,
      .init_pidfd = -1,
      .sigfd = -1,
  };
  st.ctx.spec = spec;
  st.ctx.up = st.ctx.down = (channel){-1, -1};
  st.ctx.stdin_fd = st.ctx.stdout_fd = st.ctx.stderr_fd = -1;
  output_init(&st.out);
  st.ctx.handoff = -1;
  sbx_error *e = NULL;
  int r = run(&st, result, &e);
  run_state_cleanup(&st);
  if (r < 0) {
    result->status = SBX_STATUS_SETUP_ERROR;
    result->message = xstrdup(e && e->message ? e->message : "setup failed");
    if (result->wall_time_s == 0 && st.start.tv_sec) result->wall_time_s = elapsed_s(&st.start);
    if (err && !*err)
      *err = e;
    else
      sbx_error_free(e);
  }
  if (result == &scratch) sbx_result_clear(result);
  return r;
}
