/* job.c: the job process, forked by init. It sets its limits, ids, working directory and
 * stdio, resolves the program, tells main it is ready and waits for the go-ahead (so that a
 * run is set up, up to the job blocked before execve, before it is supervised), then drops its
 * capabilities, sets no_new_privs, loads the seccomp filter and execs. */
#include "engine.h"

#include "hardening.h"

#include "util.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

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
  chan_report_error(fd, MSG_EXEC_FAILED, e, msg);
  _exit(e == ENOENT ? 127 : 126);
}

void job_main(const engine_ctx *ctx, int handoff) {
  const sbx_spec *spec = ctx->spec;
  sbx_error *err = NULL;
  int fd = ctx->up.wr;
  phase_mark_now(ctx->phases, PH_FORK_JOB);
  /* The seccomp listener goes to init through SECCOMP_HANDOFF_FD, the one fd the notify
   * variant lets sendmsg() use; placed before the rlimits, which may forbid an fd that high. */
  if (handoff >= 0 && dup3(handoff, SECCOMP_HANDOFF_FD, O_CLOEXEC) < 0) {
    sbx_set_errno(&err, "place the seccomp hand-off socket on fd %d", SECCOMP_HANDOFF_FD);
    child_fail(fd, err, 125);
  }
  if (job_set_rlimits(&spec->limits, ctx->cg != NULL, &err) < 0 || job_set_ids(ctx, &err) < 0)
    child_fail(fd, err, 125);
  if (chdir(spec->process.cwd) < 0) {
    sbx_set_errno(&err, "cannot change to the working directory '%s'", spec->process.cwd);
    child_fail(fd, err, 125);
  }
  umask(spec->process.umask);
  if (job_set_stdio(ctx, &err) < 0) child_fail(fd, err, 125);
  /* Nothing but 0, 1 and 2 reaches the job: every other fd (the caller's, ours, the channels)
   * closes at execve. The channels stay usable until then to report an exec failure. */
  if (close_range(3, ~0u, CLOSE_RANGE_CLOEXEC) < 0) {
    sbx_set_errno(&err, "mark fds close-on-exec (close_range)");
    child_fail(fd, err, 125);
  }
  int why = 0;
  _cleanup_free_ char *prog = exec_resolve(spec, &why);
  if (!prog) job_exec_failed(fd, spec->process.args[0], why);

  /* Set up: main may now supervise. The go-ahead comes once main has noted the cgroup's CPU
   * time so far (the set-up's, not the job's); EOF means main is gone, and the job must not
   * run unsupervised. */
  phase_mark_now(ctx->phases, PH_JOB_SETUP);
  if (chan_report_ready(fd, &err) < 0 || chan_wait_go(ctx->down.rd, &err) < 0)
    child_fail(fd, err, 125);

  /* The last steps (hardening.h): capabilities, no_new_privs, then the seccomp filter main
   * compiled before the fork; nothing allocates after it. */
  if (caps_drop(spec->process.capabilities, &err) < 0 || set_no_new_privs(&err) < 0)
    child_fail(fd, err, 125);
  phase_mark_now(ctx->phases, PH_HARDEN);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (ctx->seccomp_notify) {
    int listener = -1;
    if (sc_filter_install_listener(ctx->seccomp, &listener, &err) < 0 ||
        chan_send_listener(SECCOMP_HANDOFF_FD, listener, &err) < 0)
      child_fail(fd, err, 125);
    close(listener);
  } else if (sc_filter_install(ctx->seccomp, &err) < 0) {
    child_fail(fd, err, 125);
  }
  phase_mark_now(ctx->phases, PH_SECCOMP_LOAD);
  execve(prog, spec->process.args, spec->process.env);
  job_exec_failed(fd, spec->process.args[0], errno);
}
