/* init.c: the init process (pid 1 of the new pid namespace).
 *
 * init sets the hostname, the network and the root, forks the job (job.c), forwards signals to
 * it, reaps every child (the job's orphans too), answers forbidden syscalls reported through the
 * seccomp listener, and when the job ends sends its wait status and rusage to main, waits until
 * main has taken the cgroup's figures and exits: the kernel then kills whatever is left in the
 * pid namespace. */
#include "engine.h"

#include "hardening.h"

#include "util.h"

#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

/* ---- init ---------------------------------------------------------------------------------- */

/* main's death must take the job with it. init's parent is main (CLONE_PARENT), so the parent
 * death signal (set first thing in init_main) fires when main dies; had main died before prctl, the
 * down channel, whose only writer is main, is already at EOF. (getppid() cannot tell: in a new pid
 * namespace it is 0.) init keeps the down channel for main's last word (MSG_MAY_EXIT); the job
 * reads its go-ahead from it before execve, which closes it. */
static int watch_supervisor(const engine_ctx *ctx, sbx_error **err) {
  struct pollfd p = {.fd = ctx->down.rd, .events = POLLIN};
  int r = poll(&p, 1, 0);
  if (r < 0) return sbx_set_errno(err, "poll the supervisor channel");
  if (r > 0 && (p.revents & (POLLHUP | POLLERR))) _exit(1); /* main is gone: nobody to tell */
  return 0;
}

static int init_setup(const engine_ctx *ctx, sbx_error **err) {
  const sbx_spec *spec = ctx->spec;
  if (watch_supervisor(ctx, err) < 0) return -1;
  /* Not dumpable: the job, even with the same ids, cannot ptrace init or read its memory. */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) return sbx_set_errno(err, "set init non-dumpable");
  if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
    return sbx_set_errno(err, "set the hostname to '%s'", spec->hostname);
  phase_mark_now(ctx->phases, PH_INIT_START);
  /* In the new net namespace (owned by our user namespace, so init may configure it): lo is
   * brought up for `loopback` and stays down for `none`. */
  if (spec->network == SBX_NET_LOOPBACK && (spec->namespaces & SBX_NS_NET)) {
    if (netlink_loopback_up(err) < 0) return sbx_error_prefix(err, "network");
    phase_mark_now(ctx->phases, PH_NETWORK);
  }
  if (spec->namespaces & SBX_NS_MOUNT) {
    if (mounts_setup_root(ctx, err) < 0) return -1;
  } else if (spec->n_mounts || ctx->root_path) {
    return sbx_set_error(err, EINVAL, "mounts need the mount namespace, which is turned off");
  }
  phase_mark_now(ctx->phases, PH_MOUNTS);
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
static void notify_handle(notify_state *ns, chan_job_exit *done) {
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

/* The job is created like posix_spawn's child: clone(CLONE_VM | CLONE_VFORK) on a stack of its
 * own, so that init's address space is not copied (page tables, then a copy-on-write fault for
 * every page either process writes). init is suspended until the job's execve (or its exit),
 * so the job has init's memory to itself meanwhile; init is single-threaded, so libc's state
 * (the heap, errno) is consistent. The job's ids, limits, capabilities, no_new_privs and
 * seccomp filter are its own (not shared by clone without CLONE_THREAD), and execve gives it a
 * fresh mm. Under AddressSanitizer a plain fork: ASan's shadow of the job's stack would outlive
 * the stack. */
#if defined(__SANITIZE_ADDRESS__)
#define JOB_SHARES_VM 0
#else
#define JOB_SHARES_VM 1
#endif
#define JOB_STACK (256 * 1024)

typedef struct job_start {
  const engine_ctx *ctx;
  int sfd, sock, handoff;
} job_start;

static int job_entry(void *arg) {
  const job_start *js = arg;
  close(js->sfd);
  if (js->sock >= 0) close(js->sock);
  job_main(js->ctx, js->handoff);
}

static pid_t clone_job(job_start *js, sbx_error **err) {
  if (!JOB_SHARES_VM) {
    pid_t job = fork();
    if (job < 0) return sbx_set_errno(err, "fork the job");
    if (job == 0) job_entry(js);
    return job;
  }
  /* A guard page below the stack: an overflow faults instead of writing into other memory. */
  char *stack = mmap(NULL, JOB_STACK + 4096, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED) return sbx_set_errno(err, "init: map a stack for the job");
  pid_t job = -1;
  if (mprotect(stack, 4096, PROT_NONE) < 0)
    sbx_set_errno(err, "init: guard page of the job's stack");
  else if ((job = clone(job_entry, stack + 4096 + JOB_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD,
                        js)) < 0)
    sbx_set_errno(err, "clone the job");
  /* Back here once the job has exec'd or exited: its stack is no longer in use. */
  munmap(stack, JOB_STACK + 4096);
  return job;
}

/* Starts the job in a session of its own, without a controlling terminal (for init too): the
 * caller's terminal stays out of reach (/dev/tty fails with ENXIO; bubblewrap's CVE-2017-5226),
 * and its keys (^C, ^\\) signal main, which forwards them, not the job directly. init is never a
 * process group leader (it was cloned into main's group), so setsid cannot fail with EPERM
 * unless something is badly wrong. */
static pid_t fork_job(const engine_ctx *ctx, int sfd, notify_state *ns, sbx_error **err) {
  int handoff = -1;
  if (ctx->seccomp_notify) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
      return sbx_set_errno(err, "init: socketpair for the seccomp listener");
    ns->sock = sv[0];
    handoff = sv[1];
  }
  if (setsid() < 0) return sbx_set_errno(err, "init: start a new session without a terminal");
  job_start js = {.ctx = ctx, .sfd = sfd, .sock = ns->sock, .handoff = handoff};
  pid_t job = clone_job(&js, err);
  if (handoff >= 0) close(handoff);
  return job;
}

/* main's ENGINE_SIG_TERMINATE: SIGTERM to the whole job. With a pid namespace, main is outside
 * it (its pid reads 0 here) and kill(-1) signals every process in it but init; a job's own
 * ENGINE_SIG_TERMINATE to init (pid 1 to it) is ignored. Without one, init is a subreaper in
 * main's namespace and kill(-1) would reach every process of the user: only the job's main
 * process is signalled (main's SIGKILL after the grace still ends them all, by the cgroup). */
static void terminate_tree(const engine_ctx *ctx, const struct signalfd_siginfo *si, pid_t job) {
  if (ctx->spec->namespaces & SBX_NS_PID) {
    if (si->ssi_pid == 0) kill(-1, SIGTERM);
  } else if ((pid_t)si->ssi_pid == getppid()) {
    kill(job, SIGTERM);
  }
}

void init_main(engine_ctx *ctx) {
  sbx_error *err = NULL;
  phase_mark_now(ctx->phases, PH_CLONE_INIT);
  /* The parent death signal first of all, before anything that could block: main's death must
   * take init with it from the start (watch_supervisor checks for a death before this). */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
    sbx_set_errno(&err, "set the parent death signal");
    child_fail(ctx->up.wr, err, 1);
  }
  /* main forked the intermediate with every signal blocked; the caller's handlers must not run
   * here. */
  child_reset_signals();
  if (init_setup(ctx, &err) < 0) child_fail(ctx->up.wr, err, 1);

  sigset_t mask = ctx->forward;
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, ENGINE_SIG_TERMINATE);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (sfd < 0) {
    sbx_set_errno(&err, "init: signalfd");
    child_fail(ctx->up.wr, err, 1);
  }
  if (!(ctx->spec->namespaces & SBX_NS_PID) && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
    sbx_set_errno(&err, "init: become a subreaper");
    child_fail(ctx->up.wr, err, 1);
  }
  notify_state ns = {.sock = -1, .listener = -1};
  pid_t job = fork_job(ctx, sfd, &ns, &err);
  if (job < 0) child_fail(ctx->up.wr, err, 1);
  phase_unmap(&ctx->phases); /* the job's steps are its own to note */

  chan_job_exit done;
  memset(&done, 0, sizeof done);
  for (;;) {
    struct pollfd p[3] = {{.fd = sfd, .events = POLLIN},
                          {.fd = ns.sock, .events = POLLIN},
                          {.fd = ns.listener, .events = POLLIN}};
    if (poll(p, 3, -1) < 0) {
      if (errno == EINTR) continue;
      sbx_set_errno(&err, "init: poll");
      kill(job, SIGKILL);
      child_fail(ctx->up.wr, err, 1);
    }
    if (p[1].revents) {
      /* The job hands its listener over right after installing the filter, or closes the
       * socket (exec, or a failure before). */
      sbx_error *e = NULL;
      if (chan_recv_listener(ns.sock, &ns.listener, &e) < 0) sbx_error_free(e);
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
      child_fail(ctx->up.wr, err, 1);
    }
    if (si.ssi_signo == ENGINE_SIG_TERMINATE) {
      terminate_tree(ctx, &si, job);
      continue;
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
   * the pid namespace. main first notes the cgroup's figures, before our exit's teardown of
   * the mounts and namespaces is charged to it; EOF (main gone) ends the wait all the same. */
  if (chan_report_job_exit(ctx->up.wr, &done, NULL) == 0) chan_wait_may_exit(ctx->down.rd, NULL);
  _exit(0);
}
