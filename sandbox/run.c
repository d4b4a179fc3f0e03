/* run.c: the main process's start of a run and the public sbx_run(). The start validates the
 * spec, prepares everything the children need (id maps, the seccomp filter, resolved paths,
 * stdio, channels), makes the cgroup, forks the intermediate, serves its id-map request, learns
 * init's pid and waits until the job reports itself set up and blocked before execve. Then
 * supervise.c takes over; verdict.c makes the result.
 *
 * main waits for its own children only (waitpid on their pids, never -1) and every fd it opens
 * is close-on-exec and closed on every path, so a program can call sbx_run() many times. */
#include "run.h"

#include "hardening.h"
#include "streams.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

void sbx_run_options_init(sbx_run_options *opts) {
  memset(opts, 0, sizeof *opts);
  opts->stdin_fd = opts->stdout_fd = opts->stderr_fd = -1;
}

void sbx_result_clear(sbx_result *result) {
  if (!result) return;
  strv_free(result->degraded);
  free(result->message);
  free(result->syscall);
  free(result->degraded_cause);
  free(result->limit);
  memset(result, 0, sizeof *result);
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
static bool job_may_be(const engine_run *st, uid_t uid) {
  const idmap_plan *p = &st->ctx.idmap;
  if (!p->userns) return st->ctx.spec->process.uid == uid;
  for (size_t i = 0; i < p->n_uids; i++)
    if (uid >= p->uids[i].host_id && uid - p->uids[i].host_id < p->uids[i].size) return true;
  return false;
}

/* Whether `dir` is inside (or is) the source of a bind that the job writes through as the
 * caller (an idmapped one), or contains one. */
static bool idmapped_over(const engine_run *st, const char *dir) {
  if (!st->ctx.bind_fds) return false;
  char real[PATH_MAX];
  const char *d = realpath(dir, real) ? real : dir;
  for (size_t i = 0; i < st->ctx.spec->n_mounts; i++) {
    if (st->ctx.bind_fds[i] < 0) continue;
    const char *s = st->ctx.sources[i];
    size_t n = strlen(s), k = strlen(d);
    if (strcmp(s, "/") == 0) return true;
    if ((strncmp(d, s, n) == 0 && (d[n] == '/' || d[n] == '\0')) ||
        (strncmp(s, d, k) == 0 && (s[k] == '/' || s[k] == '\0')))
      return true;
  }
  return false;
}

static int prepare(engine_run *st, sbx_error **err) {
  const sbx_spec *spec = st->ctx.spec;
  const sbx_run_options *o = st->opts;
  idmap_host host;
  idmap_host_probe(spec, geteuid(), getegid(), st->hooks ? &st->hooks->idmap : NULL, &host);
  if (idmap_plan_make(spec, &host, &st->ctx.idmap, err) < 0) return -1;
  st->ctx.sources = xcalloc(spec->n_mounts + 1, sizeof *st->ctx.sources);
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (spec->mounts[i].type == SBX_MOUNT_BIND)
      st->ctx.sources[i] = resolve_source(spec->mounts[i].source);
  if (idmount_prepare(spec, &st->ctx.idmap, st->ctx.sources, &st->ctx.bind_fds, err) < 0) return -1;
  if (st->ctx.bind_fds) run_log(st, "read-write binds: idmapped to the caller's ids");
  phase_mark_now(st->ctx.phases, PH_IDMAP);

  /* Compiled (or taken from the cache) here, before any fork: the job only loads it. The disk
   * cache belongs to the caller's uid; a job that runs as that uid (an unprivileged caller's
   * job does) could rewrite a cached filter through a read-write bind and so switch off the
   * filter of every later run. Such runs keep filters in memory only. */
  sbx_error *cache_err = NULL;
  const char *cache_dir = o->seccomp_cache_dir;
  if (cache_dir && job_may_be(st, geteuid())) {
    run_log(st, "seccomp filter: not cached on disk, since the job runs as uid %u, the owner of %s",
            (unsigned)geteuid(), cache_dir);
    cache_dir = NULL;
  }
  /* Through an idmapped bind the job writes as the caller: not when the cache is in one. */
  if (cache_dir && idmapped_over(st, cache_dir)) {
    run_log(st, "seccomp filter: not cached on disk, since %s is in an idmapped read-write bind",
            cache_dir);
    cache_dir = NULL;
  }
  int rc = sc_filter_build_in(&spec->seccomp, cache_dir, &st->filter, &cache_err, err);
  if (rc < 0) {
    sbx_error_free(cache_err);
    return -1;
  }
  if (cache_err) run_log(st, "%s (the seccomp filter is not cached on disk)", cache_err->message);
  sbx_error_free(cache_err);
  if (st->filter) {
    static const char *const how[] = {"compiled", "taken from the memory cache",
                                      "loaded from the disk cache"};
    sc_cache_source src = sc_cache_last_source();
    run_log(st, "seccomp filter: %s", src <= SC_FROM_DISK ? how[src] : "built");
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

  phase_mark_now(st->ctx.phases, PH_SECCOMP);

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
  if (etc_prepare(spec, st->ctx.root_path, st->ctx.sources, &st->ctx.etc, err) < 0) return -1;

  if (streams_prepare(st, err) < 0) return -1;

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
  phase_mark_now(st->ctx.phases, PH_PREPARE);
  return 0;
}

/* A required cgroup that cannot be had: the error names the limits that would go unenforced
 * and says how to get a cgroup (an unprivileged caller needs a delegated one). */
static int limits_unenforceable(const sbx_spec *spec, sbx_error **err) {
  if (!err || !*err) return -1;
  _cleanup_strv_ char **names = cgroup_degraded_without(&spec->limits);
  _cleanup_free_ char *list = NULL;
  for (char **n = names; n && *n; n++) {
    char *t = list ? xasprintf("%s, %s", list, *n) : xstrdup(*n);
    free(list);
    list = t;
  }
  char *msg = xasprintf(
      "%s%s%s%s. Without root, a run needs a delegated cgroup: start it in one with "
      "`systemd-run --user --scope -p Delegate=yes sandbox run ...`, or give a cgroup subtree "
      "it may write with --cgroup-parent (sbx_spec_set_cgroup_parent)",
      list ? "cannot enforce the limits " : "", list ? list : "", list ? ": " : "",
      (*err)->message);
  free((*err)->message);
  (*err)->message = msg;
  return -1;
}

/* Makes the run's cgroup and writes its limits, before the first fork; fills the result's
 * cgroup fields. Without a usable cgroup (optional or off), the run goes on with rlimits and
 * rusage, and the limits that cannot be enforced are listed as degraded. */
static int setup_cgroup(engine_run *st, sbx_result *res, sbx_error **err) {
  const sbx_spec *spec = st->ctx.spec;
  cgroup_options o = {.mode = spec->cgroup_mode, .parent = spec->cgroup_parent, .privileged = -1};
  _cleanup_free_ char *why = NULL;
  cgroup_gc_for_run(&o, NULL, NULL); /* best effort: the cgroups of dead supervisors */
  if (cgroup_create(&o, &st->ctx.cg, &why, err) < 0) return limits_unenforceable(spec, err);
  if (!st->ctx.cg) {
    res->degraded = cgroup_degraded_without(&spec->limits);
    if (res->degraded) res->degraded_cause = xasprintf("no cgroup (%s)", why ? why : "off");
    run_log(st, "no cgroup: %s", why ? why : "off");
    return 0;
  }
  run_log(st, "created cgroup %s (v%d)", cgroup_path(st->ctx.cg), cgroup_version(st->ctx.cg));
  if (cgroup_apply_limits(st->ctx.cg, &spec->limits, err) < 0)
    return limits_unenforceable(spec, err);
  res->cgroup = true;
  res->cgroup_version = cgroup_version(st->ctx.cg);
  char *const *d = cgroup_degraded(st->ctx.cg);
  if (d) {
    res->degraded = strv_copy(d);
    res->degraded_cause = cgroup_degraded_cause(st->ctx.cg);
  }
  return 0;
}

/* ---- the start: fork, id maps, init's pid, the job ready ----------------------------------- */

/* Listens to the up channel during the start until one of `want` (a CHAN_ALLOW set) came,
 * taking what may come on the way: init's pid (once), the children's errors and, once the maps
 * are written, the job's readiness or its early end, which may come before the intermediate's
 * report of init's pid. It watches the intermediate through its pidfd (reaped as soon as it
 * exits) and, with `watch_init`, init. Returns 1 when a wanted message came (its type in *got;
 * a readiness taken earlier counts); 0 when the process waited on (init with `watch_init`,
 * else the intermediate) has exited and every message it sent is taken, or the job ended
 * before it was ready; -1 with *err on a channel error or a message out of place. */
static int start_wait(engine_run *st, unsigned want, bool watch_init, uint32_t *got,
                      sbx_error **err) {
  bool exited = false;
  for (;;) {
    if ((want & CHAN_ALLOW(MSG_JOB_READY)) && st->job_ready) {
      *got = MSG_JOB_READY;
      return 1;
    }
    unsigned allowed = want | CHAN_ALLOW_ERRORS | (st->init > 0 ? 0 : CHAN_ALLOW(MSG_INIT_PID));
    if (st->maps_written) allowed |= CHAN_ALLOW(MSG_JOB_READY) | CHAN_ALLOW(MSG_JOB_EXIT);
    chan_msg msg;
    sbx_error *e = NULL;
    int r = chan_recv(st->ctx.up.rd, &msg, allowed, "sandbox setup", &e);
    if (r == 1) {
      switch (msg.type) {
      case MSG_INIT_PID:
        if (msg.u.pid <= 0)
          return sbx_set_error(err, EPROTO, "the sandbox reported init's pid as %d", msg.u.pid);
        st->init = msg.u.pid;
        break;
      case MSG_JOB_READY: st->job_ready = true; continue;
      case MSG_JOB_EXIT:
        st->facts.exit = msg.u.exit;
        st->job_ended_early = true;
        return 0;
      case MSG_ERROR:
      case MSG_EXEC_FAILED: supervise_note_child_error(st, &msg); break;
      default: break;
      }
      if (want & CHAN_ALLOW(msg.type)) {
        *got = msg.type;
        return 1;
      }
      continue;
    }
    if (r < 0 && e) { /* without *err: EAGAIN, nothing queued */
      if (err && !*err)
        *err = e;
      else
        sbx_error_free(e);
      return -1;
    }
    sbx_error_free(e);
    if (r == 0 || exited) {
      /* It has exited (or every writer is gone): what it sent is taken. */
      if (st->intermediate > 0) {
        reap(&st->intermediate, &st->intermediate_status);
        close_fd(&st->intermediate_pidfd);
      }
      return 0;
    }
    struct pollfd p[3] = {{.fd = st->ctx.up.rd, .events = POLLIN},
                          {.fd = st->intermediate_pidfd, .events = POLLIN},
                          {.fd = watch_init ? st->init_pidfd : -1, .events = POLLIN}};
    if (poll(p, 3, -1) < 0 && errno != EINTR) return sbx_set_errno(err, "poll the channel");
    if (p[1].revents && watch_init) {
      reap(&st->intermediate, &st->intermediate_status);
      close_fd(&st->intermediate_pidfd);
    } else if (p[1].revents || p[2].revents) {
      exited = true; /* one more look at the channel first */
    }
  }
}

/* A child ended without doing its part: its own error, or how it ended. */
static int start_failed(engine_run *st, const char *who, int status, const char *what,
                        sbx_error **err) {
  if (st->child_err) {
    if (err && !*err) *err = steal_pointer(&st->child_err);
    return -1;
  }
  _cleanup_free_ char *how = supervise_describe_wait(status);
  return sbx_set_error(err, EPIPE, "the sandbox's %s process ended (%s) %s", who, how, what);
}

/* The job (or init) ended before the job was ready: the job's own report (run() hands it on),
 * or how it ended. */
static int job_ended_early(engine_run *st, sbx_error **err) {
  if (st->child_err) return -1;
  if (!st->job_ended_early)
    return sbx_set_error(err, EPIPE, "the sandbox's init process ended before the job started");
  _cleanup_free_ char *how = supervise_describe_wait(st->facts.exit.wstatus);
  return sbx_set_error(err, EPIPE, "the job ended (%s) before it was set up", how);
}

/* On an error path: lets the intermediate finish (EOF on the down channel ends its wait for
 * the maps), so that init, if it was started, is known and can be killed and reaped. */
static void finish_intermediate(engine_run *st) {
  if (st->intermediate <= 0) return;
  channel_close_end(&st->ctx.down.wr);
  for (int i = 0; i < 4 && st->intermediate > 0; i++) {
    sbx_error *e = NULL;
    uint32_t got;
    int r = start_wait(st, CHAN_ALLOW(MSG_MAP_REQUEST), false, &got, &e);
    sbx_error_free(e);
    if (r < 0) break;
  }
  if (st->intermediate > 0) {
    kill(st->intermediate, SIGKILL);
    reap(&st->intermediate, NULL);
  }
}

/* Forks the intermediate, serves its id-map request, learns init's pid and waits for the job
 * to be set up, blocked before execve. */
static int start(engine_run *st, sbx_error **err) {
  sigset_t all, saved;
  sigfillset(&all);
  /* The child starts with every signal blocked so that none of the caller's handlers runs in
   * it before it resets them. */
  int e = pthread_sigmask(SIG_SETMASK, &all, &saved);
  if (e) return sbx_set_error(err, e, "block signals around fork");
  clock_gettime(CLOCK_MONOTONIC, &st->start);
  pid_t pid = fork();
  if (pid == 0) intermediate_main(&st->ctx);
  int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  if (pid < 0) return sbx_set_error(err, fork_errno, "fork the sandbox's intermediate process");
  st->intermediate = pid;
  /* The children have their copies of the idmapped trees: init attaches them. */
  idmount_close(st->ctx.bind_fds, st->ctx.spec->n_mounts);
  st->ctx.bind_fds = NULL;
  output_close_write_ends(&st->out);
  channel_close_end(&st->ctx.up.wr);
  channel_close_end(&st->ctx.down.rd);
  st->intermediate_pidfd = pidfd_open(pid, 0);
  if (st->intermediate_pidfd < 0) return sbx_set_errno(err, "pidfd_open the intermediate");
  run_log(st, "started the intermediate process %d", (int)pid);

  uint32_t got = 0;
  int r;
  st->maps_written = !st->ctx.idmap.userns;
  if (st->ctx.idmap.userns) {
    r = start_wait(st, CHAN_ALLOW(MSG_MAP_REQUEST), false, &got, err);
    if (r < 0) return -1;
    if (r == 0)
      return start_failed(st, "intermediate", st->intermediate_status,
                          "before creating the user namespace", err);
    if (idmap_write(pid, &st->ctx.idmap, err) < 0) return -1;
    run_log(st, "wrote the id maps of process %d", (int)pid);
    if (chan_maps_done(st->ctx.down.wr, err) < 0) return -1;
    st->maps_written = true;
  }
  /* The intermediate reports init's pid and exits. */
  if (st->init <= 0) {
    r = start_wait(st, CHAN_ALLOW(MSG_INIT_PID), false, &got, err);
    if (r < 0) return -1;
    if (st->job_ended_early) return job_ended_early(st, err);
    if (r == 0 || st->init <= 0)
      return start_failed(st, "intermediate", st->intermediate_status, "before starting init", err);
  }
  st->init_pidfd = pidfd_open(st->init, 0);
  if (st->init_pidfd < 0) return sbx_set_errno(err, "pidfd_open the init process %d", st->init);
  run_log(st, "init is process %d", (int)st->init);
  /* The intermediate exits after its report (reaped on the way); init sets up and forks the
   * job, which sets itself up and reports. */
  r = start_wait(st, CHAN_ALLOW(MSG_JOB_READY), true, &got, err);
  if (r < 0) return -1;
  if (r == 0 || st->child_err) return job_ended_early(st, err);
  phase_mark_now(st->ctx.phases, PH_READY);
  return 0;
}

/* ---- the end ------------------------------------------------------------------------------ */

static void run_cleanup(engine_run *st) {
  /* Whatever is still running is ours to end: init's death takes the pid namespace with it. */
  finish_intermediate(st);
  if (st->init > 0) {
    kill(st->init, SIGKILL);
    reap(&st->init, NULL);
  }
  if (st->ctx.cg) {
    /* Always removed, on every path; whatever is left in it is killed first. */
    sbx_error *e = NULL;
    if (cgroup_destroy(st->ctx.cg, &e) < 0) run_log(st, "%s", e->message);
    sbx_error_free(e);
    st->ctx.cg = NULL;
  }
  output_close(&st->out);
  channel_close(&st->ctx.up);
  channel_close(&st->ctx.down);
  close_fd(&st->intermediate_pidfd);
  close_fd(&st->init_pidfd);
  streams_close(st);
  close_fd(&st->sigfd);
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
  idmount_close(st->ctx.bind_fds, st->ctx.spec->n_mounts);
  st->ctx.bind_fds = NULL;
  etc_plan_free(&st->ctx.etc);
  sbx_error_free(st->child_err);
  st->child_err = NULL;
}

static int run(engine_run *st, sbx_result *result, sbx_error **err) {
  if (sbx_spec_validate(st->ctx.spec, err) < 0) return -1;
  phase_mark_now(st->ctx.phases, PH_VALIDATE);
  if (prepare(st, err) < 0 || setup_cgroup(st, result, err) < 0) return -1;
  if (st->ctx.cg) phase_mark_now(st->ctx.phases, PH_CGROUP);
  int r = start(st, err) < 0 || supervise_run(st, err) < 0 ? -1 : 0;
  /* A child's own report of a failure (a set-up step, the exec) is the run's error. */
  if (st->exec_failed) {
    result->exec_failed = true;
    result->exec_errno = st->exec_errno;
  }
  if (st->child_err) {
    if (err && !*err) *err = steal_pointer(&st->child_err);
    return -1;
  }
  if (r < 0) return -1;
  verdict_fill(&st->facts, &st->ctx.spec->limits, result);
  return 0;
}

int sbx_run(const sbx_spec *spec, const sbx_run_options *opts, sbx_result *result,
            sbx_error **err) {
  return engine_run_hooked(spec, opts, NULL, result, err);
}

/* The options' and spec's own checks, before anything is made: NULL, or what is wrong. */
static sbx_error *check_arguments(const sbx_spec *spec, const sbx_run_options *opts) {
  sbx_error *e = NULL;
  if (!spec) {
    sbx_set_error(&e, EINVAL, "no spec given");
    return e;
  }
  for (size_t i = 0; i < ARRAY_SIZE(opts->reserved); i++)
    if (opts->reserved[i]) {
      sbx_set_error(&e, EINVAL,
                    "sbx_run_options: reserved slot %zu is set (options of another version "
                    "of libsandbox?)",
                    i);
      return e;
    }
  return NULL;
}

int engine_run_hooked(const sbx_spec *spec, const sbx_run_options *opts, const engine_hooks *hooks,
                      sbx_result *result, sbx_error **err) {
  sbx_run_options defaults;
  if (!opts) {
    sbx_run_options_init(&defaults);
    opts = &defaults;
  }
  sbx_result scratch;
  if (!result) result = &scratch;
  memset(result, 0, sizeof *result);
  sbx_error *e = check_arguments(spec, opts);
  engine_run st = {
      .opts = opts,
      .hooks = hooks,
      .opened_stdio = {-1, -1, -1},
      .intermediate = -1,
      .init = -1,
      .intermediate_pidfd = -1,
      .init_pidfd = -1,
      .sigfd = -1,
  };
  int r = -1;
  if (!e) {
    st.ctx.spec = spec;
    st.ctx.up = st.ctx.down = (channel){-1, -1};
    st.ctx.stdin_fd = st.ctx.stdout_fd = st.ctx.stderr_fd = -1;
    output_init(&st.out);
    /* The steps' times, for the log only (phase.h). */
    if (opts->log && (st.ctx.phases = phase_map())) phase_mark_now(st.ctx.phases, PH_BEGIN);
    r = run(&st, result, &e);
    run_cleanup(&st);
    if (st.ctx.phases) {
      phase_mark_now(st.ctx.phases, PH_TEARDOWN);
      phase_report(st.ctx.phases, opts->log, opts->log_ctx);
      phase_unmap(&st.ctx.phases);
    }
  }
  if (r < 0) {
    result->status = SBX_STATUS_SETUP_ERROR;
    result->message = xstrdup(e && e->message ? e->message : "setup failed");
    if (result->wall_time_s == 0 && st.start.tv_sec) result->wall_time_s = run_elapsed_s(&st.start);
    if (err && !*err)
      *err = e;
    else
      sbx_error_free(e);
  }
  if (result == &scratch) sbx_result_clear(result);
  return r;
}
