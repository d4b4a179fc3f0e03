/* init.c: the init process (pid 1 of the new pid namespace) and the job it forks.
 *
 * init sets the hostname, the network and the root, forks the job, forwards signals to it,
 * reaps every child (the job's orphans too), and when the job ends sends its wait status and
 * rusage to main and exits: the kernel then kills whatever is left in the pid namespace. */
#include "engine.h"

#include "hardening.h"

#include "util.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

static int job_set_ids(const engine_ctx *ctx, sbx_error **err) {
  const sbx_process *p = &ctx->spec->process;
  /* Permitted capabilities survive a switch to a non-zero uid, so that caps_drop() can still
   * lower the bounding set (CAP_SETPCAP) and keep what the spec keeps; it then drops the rest.
   * execve clears keepcaps. */
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
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

/* The program to run: args[0] itself when it has a '/', else the first executable file in a
 * directory of the spec's PATH (the host's PATH plays no part). Resolved before the hardening
 * so that "not found" and "not executable" are reported whatever the seccomp policy allows.
 * Returns NULL with *why set to ENOENT or EACCES (as execvp: EACCES when some candidate exists
 * but cannot be executed). */
static char *exec_resolve(const sbx_spec *spec, int *why) {
  const char *cmd = spec->process.args[0];
  if (strchr(cmd, '/')) {
    struct stat st;
    if (stat(cmd, &st) < 0) {
      *why = errno;
      return NULL;
    }
    if (S_ISDIR(st.st_mode) || access(cmd, X_OK) < 0) {
      *why = EACCES;
      return NULL;
    }
    return xstrdup(cmd);
  }
  if (!*cmd) {
    *why = ENOENT;
    return NULL;
  }
  const char *path = spec_env_get(spec, "PATH");
  if (!path) path = DEFAULT_PATH;
  bool seen_eacces = false;
  for (const char *p = path;; p++) {
    const char *end = strchrnul(p, ':');
    char *c = end == p ? xasprintf("./%s", cmd) : xasprintf("%.*s/%s", (int)(end - p), p, cmd);
    struct stat st;
    if (stat(c, &st) == 0) {
      if (!S_ISDIR(st.st_mode) && access(c, X_OK) == 0) return c;
      seen_eacces = true;
    }
    free(c);
    if (!*end) break;
    p = end;
  }
  *why = seen_eacces ? EACCES : ENOENT;
  return NULL;
}

__attribute__((noreturn)) static void job_exec_failed(int fd, const char *cmd, int e) {
  char msg[CHANNEL_TEXT_MAX];
  snprintf(msg, sizeof msg, "cannot run '%s': %s", cmd, strerror(e));
  channel_send_text(fd, MSG_EXEC_FAILED, e, msg);
  _exit(e == ENOENT ? 127 : 126);
}

static void reset_signals(void) {
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
}

__attribute__((noreturn)) static void job_main(engine_ctx *ctx) {
  const sbx_spec *spec = ctx->spec;
  sbx_error *err = NULL;
  int fd = ctx->up.wr;
  /* The seccomp listener goes to init through HANDOFF_FD, the one fd the notify variant lets
   * sendmsg() use; placed before the rlimits, which may forbid an fd that high. */
  if (ctx->handoff >= 0 && dup3(ctx->handoff, SECCOMP_HANDOFF_FD, O_CLOEXEC) < 0) {
    sbx_set_errno(&err, "place the seccomp hand-off socket on fd %d", SECCOMP_HANDOFF_FD);
    engine_child_fail(fd, err, 125);
  }
  if (job_set_rlimits(&spec->limits, ctx->cg != NULL, &err) < 0 || job_set_ids(ctx, &err) < 0)
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
  int why = 0;
  _cleanup_free_ char *prog = exec_resolve(spec, &why);
  if (!prog) job_exec_failed(fd, spec->process.args[0], why);

  /* The last steps (hardening.h): capabilities, no_new_privs, then the seccomp filter main
   * compiled before the fork; nothing allocates after it. */
  if (caps_drop(spec->process.capabilities, &err) < 0 || set_no_new_privs(&err) < 0)
    engine_child_fail(fd, err, 125);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (ctx->seccomp_notify) {
    int listener = -1;
    if (sc_filter_install_listener(ctx->seccomp, &listener, &err) < 0 ||
        sc_listener_send(SECCOMP_HANDOFF_FD, listener, &err) < 0)
      engine_child_fail(fd, err, 125);
    close(listener);
  } else if (sc_filter_install(ctx->seccomp, &err) < 0) {
    engine_child_fail(fd, err, 125);
  }
  execve(prog, spec->process.args, spec->process.env);
  job_exec_failed(fd, spec->process.args[0], errno);
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
  /* In the new net namespace (owned by our user namespace, so init may configure it): lo is
   * brought up for `loopback` and stays down for `none`. */
  if (spec->network == SBX_NET_LOOPBACK && (spec->namespaces & SBX_NS_NET) &&
      netlink_loopback_up(err) < 0)
    return sbx_error_prefix(err, "network");
  if (spec->namespaces & SBX_NS_MOUNT) {
    if (mounts_setup_root(ctx, err) < 0) return -1;
  } else if (spec->n_mounts || ctx->root_path) {
    return sbx_set_error(err, EINVAL, "mounts need the mount namespace, which is turned off");
  }
  return 0;
}

/* init's end of the forbidden-syscall reporting: the listener the job hands over, and what it
 * saw. */
typedef struct notify_state {
  int sock;     /* init's end of the hand-off socketpair, until the listener came */
  int listener; /* the seccomp user-notification fd */
} notify_state;

/* A notification is a forbidden syscall: it never runs, and the whole job ends (every process
 * of the pid namespace but init, which only the notify variant's user allows). */
static void notify_handle(notify_state *ns, channel_msg *done) {
  uint32_t arch = 0;
  int nr = 0, pid = 0;
  sbx_error *e = NULL;
  if (sc_notify_next(ns->listener, &arch, &nr, &pid, &e) < 0) {
    sbx_error_free(e); /* the caller died in between (ENOENT): nothing to report */
    return;
  }
  if (!done->forbidden) {
    done->forbidden = 1;
    done->sc_arch = arch;
    done->sc_nr = nr;
  }
  kill(-1, SIGKILL);
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
  notify_state ns = {.sock = -1, .listener = -1};
  if (ctx->seccomp_notify) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
      sbx_set_errno(&err, "init: socketpair for the seccomp listener");
      engine_child_fail(ctx->up.wr, err, 1);
    }
    ns.sock = sv[0];
    ctx->handoff = sv[1];
  }

  if (ctx->cg && wait_for_go(ctx, &err) < 0) engine_child_fail(ctx->up.wr, err, 1);

  /* A session of our own, without a controlling terminal, for init and so for the job: the
   * caller's terminal stays out of reach (/dev/tty fails with ENXIO; bubblewrap's
   * CVE-2017-5226), and its keys (^C, ^\) signal main, which forwards them, not the job
   * directly. init is never a process group leader (it was cloned into main's group), so this
   * cannot fail with EPERM unless something is badly wrong. */
  if (setsid() < 0) {
    sbx_set_errno(&err, "init: start a new session without a terminal (setsid)");
    engine_child_fail(ctx->up.wr, err, 1);
  }

  pid_t job = fork();
  if (job < 0) {
    sbx_set_errno(&err, "fork the job");
    engine_child_fail(ctx->up.wr, err, 1);
  }
  if (job == 0) {
    close(sfd);
    if (ns.sock >= 0) close(ns.sock);
    job_main(ctx);
  }
  if (ctx->handoff >= 0) close(ctx->handoff);

  channel_msg done;
  memset(&done, 0, sizeof done);
  done.type = MSG_JOB_EXIT;
  for (;;) {
    struct pollfd p[3] = {{.fd = sfd, .events = POLLIN},
                          {.fd = ns.sock, .events = POLLIN},
                          {.fd = ns.listener, .events = POLLIN}};
    if (poll(p, 3, -1) < 0) {
      if (errno == EINTR) continue;
      sbx_set_errno(&err, "init: poll");
      kill(job, SIGKILL);
      engine_child_fail(ctx->up.wr, err, 1);
    }
    if (p[1].revents) {
      /* The job hands its listener over right after installing the filter, or closes the
       * socket (exec, or a failure before). */
      sbx_error *e = NULL;
      if (sc_listener_recv(ns.sock, &ns.listener, &e) < 0) sbx_error_free(e);
      close(ns.sock);
      ns.sock = -1;
    }
    if (p[2].revents & POLLIN)
      notify_handle(&ns, &done);
    else if (p[2].revents) {
      close(ns.listener); /* every process that used the filter is gone */
      ns.listener = -1;
    }
    if (!p[0].revents) continue;
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
      pid_t pid = wait4(-1, &st, WNOHANG, &ru);
      if (pid <= 0) break; /* 0: none ready; ECHILD: none left */
      if (pid == job) {
        done.wstatus = st;
        done.ru = ru;
        done.pid = pid;
        ended = true;
      }
    }
    if (ended) break;
  }
  /* A notification may still be queued by a process that made a forbidden call as the job
   * ended. */
  if (ns.listener >= 0) {
    struct pollfd p = {.fd = ns.listener, .events = POLLIN};
    if (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) notify_handle(&ns, &done);
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
