/* init.c: the init process (pid 1 of the new pid namespace) and the job it forks.
 *
 * init sets the hostname, the network and the root, forks the job, forwards signals to it,
 * reaps every child (the job's orphans too), and when the job ends sends its wait status and
 * rusage to main and exits: the kernel then kills whatever is left in the pid namespace. */
#include "engine.h"

#include "util.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* ---- the job: credentials, limits, stdio, hardening, exec --------------------------------- */

static int set_one_rlimit(int resource, const char *name, uint64_t soft, uint64_t hard,
                          sbx_error **err) {
  struct rlimit rl = {
      .rlim_cur = soft == SBX_UNSET ? RLIM_INFINITY : (rlim_t)soft,
      .rlim_max = hard == SBX_UNSET ? RLIM_INFINITY : (rlim_t)hard,
  };
  if (setrlimit(resource, &rl) < 0) {
    if (errno == EPERM) {
      struct rlimit cur;
      if (getrlimit(resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY)
        return sbx_set_errno(err, "set %s to %llu: the hard limit here is %llu", name,
                             (unsigned long long)rl.rlim_cur, (unsigned long long)cur.rlim_max);
    }
    return sbx_set_errno(err, "set %s to %llu", name, (unsigned long long)rl.rlim_cur);
  }
  return 0;
}

/* rlimits are set in the job itself rather than in the intermediate: init then keeps the fds
 * and stack it needs, and RLIMIT_CPU (per process) counts the job's time only. */
static int job_set_rlimits(const sbx_limits *l, bool cgroup_cpu, sbx_error **err) {
  if (l->open_files != SBX_UNSET &&
      set_one_rlimit(RLIMIT_NOFILE, "RLIMIT_NOFILE", l->open_files, l->open_files, err) < 0)
    return -1;
  if (l->file_size != SBX_UNSET &&
      set_one_rlimit(RLIMIT_FSIZE, "RLIMIT_FSIZE", l->file_size, l->file_size, err) < 0)
    return -1;
  if (l->stack != SBX_UNSET &&
      set_one_rlimit(RLIMIT_STACK, "RLIMIT_STACK", l->stack, l->stack, err) < 0)
    return -1;
  if (l->core != SBX_UNSET && set_one_rlimit(RLIMIT_CORE, "RLIMIT_CORE", l->core, l->core, err) < 0)
    return -1;
  if (l->cpu_time_us != SBX_UNSET) {
    /* The backstop behind the supervisor's accounting: SIGXCPU at the limit (seconds rounded
     * up), SIGKILL one second later. */
    uint64_t s = (l->cpu_time_us + 999999) / 1000000;
    if (s == 0) s = 1;
    /* With a cgroup the supervisor enforces the limit on the whole tree from its exact
     * accounting; RLIMIT_CPU, charged in ticks (which can run ahead of the exact figure on a
     * busy or virtualised host), must then not fire first: one second of margin. */
    if (cgroup_cpu) s += 1;
    if (set_one_rlimit(RLIMIT_CPU, "RLIMIT_CPU", s, s + 1, err) < 0) return -1;
  }
  return 0;
}

/* The simplest correct hardening until hardening.h lands (caps_drop, set_no_new_privs and
 * seccomp_filter_install from the `hardening` branch replace these two functions). */
static int job_drop_bounding_set(uint64_t keep, sbx_error **err) {
  /* Needs CAP_SETPCAP, which init has as root of its user namespace: done before the switch to
   * the job's ids. */
  for (int c = 0; c <= cap_last(); c++) {
    if (keep & (1ull << c)) continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
      return sbx_set_errno(err, "drop capability %d from the bounding set", c);
  }
  return 0;
}

static int job_drop_caps_and_privs(uint64_t keep, sbx_error **err) {
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  for (int c = 0; c <= cap_last() && c < 64; c++) {
    if (!(keep & (1ull << c))) continue;
    d[c / 32].effective |= 1u << (c % 32);
    d[c / 32].permitted |= 1u << (c % 32);
    d[c / 32].inheritable |= 1u << (c % 32);
  }
  if (syscall(SYS_capset, &h, d) < 0) return sbx_set_errno(err, "set the job's capabilities");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    return sbx_set_errno(err, "clear the ambient capabilities");
  /* A kept capability survives execve of a program without file capabilities only as an
   * ambient one. */
  for (int c = 0; c <= cap_last(); c++)
    if ((keep & (1ull << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return sbx_set_errno(err, "raise ambient capability %d", c);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return sbx_set_errno(err, "set no_new_privs");
  return 0;
}

static int job_set_ids(const engine_ctx *ctx, sbx_error **err) {
  const sbx_process *p = &ctx->spec->process;
  if (p->capabilities && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return sbx_set_errno(err, "keep capabilities across the uid switch");
  /* With setgroups denied (unprivileged maps) the namespace has no supplementary groups to
   * drop; otherwise clear them. */
  if (!ctx->idmap.deny_setgroups && setgroups(0, NULL) < 0 && errno != EPERM)
    return sbx_set_errno(err, "drop supplementary groups");
  if (setresgid(p->gid, p->gid, p->gid) < 0)
    return sbx_set_errno(err, "switch to gid %u%s", p->gid,
                         errno == EINVAL ? " (not mapped in the user namespace)" : "");
  if (setresuid(p->uid, p->uid, p->uid) < 0)
    return sbx_set_errno(err, "switch to uid %u%s", p->uid,
                         errno == EINVAL ? " (not mapped in the user namespace)" : "");
  return 0;
}

static int job_set_stdio(const engine_ctx *ctx, sbx_error **err) {
  static const char *const names[3] = {"input", "output", "error"};
  int src[3] = {ctx->stdin_fd, ctx->stdout_fd, ctx->stderr_fd};
  int tmp[3] = {-1, -1, -1};
  /* Copies above 2 first, so that sources among 0..2 are not overwritten before use. */
  for (int i = 0; i < 3; i++) {
    tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3);
    if (tmp[i] < 0) return sbx_set_errno(err, "the job's standard %s (fd %d)", names[i], src[i]);
  }
  for (int i = 0; i < 3; i++) {
    if (dup2(tmp[i], i) < 0) return sbx_set_errno(err, "set the job's standard %s", names[i]);
    close(tmp[i]);
  }
  return 0;
}

/* Candidate paths for args[0]: itself when it has a '/', else each directory of the spec's
 * PATH (the host's PATH plays no part). */
static char **exec_candidates(const sbx_spec *spec) {
  const char *cmd = spec->process.args[0];
  char **v = xcalloc(1, sizeof *v);
  size_t n = 0;
  if (strchr(cmd, '/')) {
    strv_push(&v, &n, cmd);
    return v;
  }
  const char *path = spec_env_get(spec, "PATH");
  if (!path) path = DEFAULT_PATH;
  for (const char *p = path;; p++) {
    const char *end = strchrnul(p, ':');
    char *c = end == p ? xasprintf("./%s", cmd) : xasprintf("%.*s/%s", (int)(end - p), p, cmd);
    strv_push(&v, &n, c);
    free(c);
    if (!*end) break;
    p = end;
  }
  return v;
}

static void reset_signals(void) {
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
}

__attribute__((noreturn)) static void job_main(engine_ctx *ctx) {
  const sbx_spec *spec = ctx->spec;
  sbx_error *err = NULL;
  int fd = ctx->up.wr;
  if (job_set_rlimits(&spec->limits, ctx->cg != NULL, &err) < 0 ||
      job_drop_bounding_set(spec->process.capabilities, &err) < 0 || job_set_ids(ctx, &err) < 0)
    engine_child_fail(fd, err, 125);
  if (chdir(spec->process.cwd) < 0) {
    sbx_set_errno(&err, "cannot change to the working directory '%s'", spec->process.cwd);
    engine_child_fail(fd, err, 125);
  }
  umask(spec->process.umask);
  if (job_set_stdio(ctx, &err) < 0) engine_child_fail(fd, err, 125);
  /* Nothing but 0, 1 and 2 reaches the job: every other fd (the caller's, ours, the channel)
   * closes at execve. The channel stays usable until then to report an exec failure. */
  if (close_range(3, ~0u, CLOSE_RANGE_CLOEXEC) < 0) {
    sbx_set_errno(&err, "mark fds close-on-exec (close_range)");
    engine_child_fail(fd, err, 125);
  }
  _cleanup_strv_ char **cands = exec_candidates(spec);
  if (job_drop_caps_and_privs(spec->process.capabilities, &err) < 0)
    engine_child_fail(fd, err, 125);

  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  int saved = ENOENT;
  bool eacces = false;
  for (char **c = cands; *c; c++) {
    execve(*c, spec->process.args, spec->process.env);
    saved = errno;
    if (saved == EACCES) {
      eacces = true;
      continue;
    }
    if (saved != ENOENT && saved != ENOTDIR && saved != ESTALE && saved != ENODEV) break;
  }
  if (eacces && (saved == ENOENT || saved == ENOTDIR)) saved = EACCES;
  char msg[CHANNEL_TEXT_MAX];
  snprintf(msg, sizeof msg, "cannot run '%s': %s", spec->process.args[0], strerror(saved));
  channel_send_text(fd, MSG_EXEC_FAILED, saved, msg);
  _exit(saved == ENOENT ? 127 : 126);
}

/* ---- init ---------------------------------------------------------------------------------- */

/* main's death must take the job with it. init's parent is main (CLONE_PARENT), so the parent
 * death signal fires when main dies; had main died before prctl, the down channel, whose only
 * writer is main, is already at EOF. (getppid() cannot tell: in a new pid namespace it is 0.) */
static int watch_supervisor(engine_ctx *ctx, sbx_error **err) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return sbx_set_errno(err, "set the parent death signal");
  struct pollfd p = {.fd = ctx->down.rd, .events = POLLIN};
  int r = poll(&p, 1, 0);
  if (r < 0) return sbx_set_errno(err, "poll the supervisor channel");
  if (r > 0) _exit(1); /* main is gone: nobody is left to tell */
  /* With a cgroup, main still speaks once on it (MSG_JOB_GO, see init_main). */
  if (!ctx->cg) channel_close_end(&ctx->down.rd);
  return 0;
}

/* With a cgroup: tells main that the set-up is over and waits for its go-ahead, so that main
 * can note the cgroup's CPU time spent on the sandbox's set-up (the intermediate's and init's)
 * and count only the job's. init keeps the down channel (close-on-exec, so not the job) for the
 * second go-ahead, at the job's end. */
static int wait_for_go(engine_ctx *ctx, sbx_error **err) {
  if (channel_send_simple(ctx->up.wr, MSG_JOB_START, 0, err) < 0) return -1;
  channel_msg msg;
  int r = channel_recv(ctx->down.rd, &msg, "supervisor", err);
  if (r == 0) _exit(1); /* main is gone */
  if (r < 0) return -1;
  if (msg.type != MSG_JOB_GO)
    return sbx_set_error(err, EPROTO, "expected the go-ahead, got a %s message",
                         channel_msg_name(msg.type));
  return 0;
}

static int init_setup(engine_ctx *ctx, sbx_error **err) {
  const sbx_spec *spec = ctx->spec;
  if (watch_supervisor(ctx, err) < 0) return -1;
  /* Not dumpable: the job, even with the same ids, cannot ptrace init or read its memory. */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) return sbx_set_errno(err, "set init non-dumpable");
  if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
    return sbx_set_errno(err, "set the hostname to '%s'", spec->hostname);
  /* network: loopback: lo comes up through netlink_loopback_up() from hardening.h (branch
   * `hardening`); until it is merged lo stays down in every mode. */
  if (spec->namespaces & SBX_NS_MOUNT) {
    if (mounts_setup_root(ctx, err) < 0) return -1;
  } else if (spec->n_mounts || ctx->root_path) {
    return sbx_set_error(err, EINVAL, "mounts need the mount namespace, which is turned off");
  }
  return 0;
}

void init_main(engine_ctx *ctx) {
  sbx_error *err = NULL;
  /* main forked the intermediate with every signal blocked; the caller's handlers must not run
   * here. */
  reset_signals();
  if (init_setup(ctx, &err) < 0) engine_child_fail(ctx->up.wr, err, 1);

  sigset_t mask = ctx->forward;
  sigaddset(&mask, SIGCHLD);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (sfd < 0) {
    sbx_set_errno(&err, "init: signalfd");
    engine_child_fail(ctx->up.wr, err, 1);
  }
  if (!(ctx->spec->namespaces & SBX_NS_PID) && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
    sbx_set_errno(&err, "init: become a subreaper");
    engine_child_fail(ctx->up.wr, err, 1);
  }

  if (ctx->cg && wait_for_go(ctx, &err) < 0) engine_child_fail(ctx->up.wr, err, 1);

  pid_t job = fork();
  if (job < 0) {
    sbx_set_errno(&err, "fork the job");
    engine_child_fail(ctx->up.wr, err, 1);
  }
  if (job == 0) {
    close(sfd);
    job_main(ctx);
  }

  channel_msg done;
  memset(&done, 0, sizeof done);
  done.type = MSG_JOB_EXIT;
  for (;;) {
    struct signalfd_siginfo si;
    ssize_t n = read(sfd, &si, sizeof si);
    if (n < 0 && errno == EINTR) continue;
    if (n != (ssize_t)sizeof si) {
      sbx_set_errno(&err, "init: read signalfd");
      kill(job, SIGKILL);
      engine_child_fail(ctx->up.wr, err, 1);
    }
    if (si.ssi_signo != SIGCHLD) {
      kill(job, (int)si.ssi_signo);
      continue;
    }
    bool ended = false;
    for (;;) {
      int st;
      struct rusage ru;
      pid_t p = wait4(-1, &st, WNOHANG, &ru);
      if (p <= 0) break; /* 0: none ready; ECHILD: none left */
      if (p == job) {
        done.wstatus = st;
        done.ru = ru;
        done.pid = p;
        ended = true;
      }
    }
    if (ended) break;
  }
  /* The job's end is the sandbox's end: when init exits, the kernel kills everything left in
   * the pid namespace. */
  channel_send(ctx->up.wr, &done, NULL);
  if (ctx->cg) {
    /* main notes the cgroup's figures before our exit's teardown is charged to it; EOF (main
     * gone) or anything else ends the wait all the same. */
    channel_msg go;
    channel_recv(ctx->down.rd, &go, "supervisor", NULL);
  }
  _exit(0);
}
