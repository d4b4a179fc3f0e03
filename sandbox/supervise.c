/* supervise.c: the main process from the job's go-ahead to its end: the poll loop that forwards
 * the caller's signals, enforces the wall-time, CPU-time and output limits (killing the whole
 * sandbox), relays the job's output under its cap, collects init's report of the job's end and
 * the cgroup's figures. Separate from the start (run.c), so that a run set up now can be
 * supervised later. */
#include "run.h"

#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

char *supervise_describe_wait(int status) {
  if (WIFEXITED(status)) return xasprintf("exit status %d", WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return xasprintf("killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return xasprintf("wait status 0x%x", status);
}

void supervise_note_child_error(engine_run *run, const chan_msg *msg) {
  if (run->child_err) return;
  run->child_err = chan_msg_error(msg);
  if (msg->type == MSG_EXEC_FAILED) {
    run->exec_failed = true;
    run->exec_errno = msg->u.error.code;
  }
}

/* Sets how the run ended, once, noting the wall time and, with a cgroup, its CPU figure at that
 * moment (before init's exit tears the namespaces down). False when it had already ended. */
static void note_end_figures(engine_run *run) {
  run_facts *f = &run->facts;
  f->wall_time_s = run_elapsed_s(&run->start);
  sbx_error *e = NULL;
  if (run->ctx.cg && cgroup_cpu_usage(run->ctx.cg, &f->cpu_end_ns, &e) == 0) f->have_cpu_end = true;
  sbx_error_free(e);
}

static bool end_run(engine_run *run, end_reason why) {
  run_facts *f = &run->facts;
  if (f->end != END_NONE) return false;
  f->end = why;
  note_end_figures(run);
  return true;
}

/* Ends every process of the sandbox: the cgroup's (cgroup.kill, or freeze-kill-thaw on v1), and
 * init, whose death takes the pid namespace with it. */
static void kill_sandbox(engine_run *run) {
  if (run->ctx.cg) {
    sbx_error *e = NULL;
    if (cgroup_kill(run->ctx.cg, 1000, &e) < 0) run_log(run, "%s", e->message);
    sbx_error_free(e);
  }
  if (run->init > 0) kill(run->init, SIGKILL);
}

static void kill_at_limit(engine_run *run, end_reason why, const char *what) {
  if (!end_run(run, why)) return;
  run_log(run, "%s limit reached: killing the sandbox", what);
  kill_sandbox(run);
}

/* The wall-time limit with limits.kill_grace: SIGTERM to the job's tree (init does it: see
 * ENGINE_SIG_TERMINATE), and SIGKILL to all when the grace is over (grace_check). Without init
 * to ask, at once. */
static void terminate_at_wall_time(engine_run *run) {
  uint64_t grace = run->ctx.spec->limits.kill_grace_us;
  if (grace == 0 || run->init <= 0) {
    kill_at_limit(run, END_WALL_TIME, "wall time");
    return;
  }
  if (!end_run(run, END_WALL_TIME)) return;
  run->facts.term_sent = true;
  run->grace_running = true;
  run->grace_end_s = run_elapsed_s(&run->start) + (double)grace / 1e6;
  run_log(run, "wall time limit reached: SIGTERM to the job, SIGKILL in %.3fs",
          (double)grace / 1e6);
  if (kill(run->init, ENGINE_SIG_TERMINATE) < 0) {
    run_log(run, "signal init to terminate the job: %s: killing the sandbox", strerror(errno));
    run->grace_running = false;
    kill_sandbox(run);
  }
}

/* During the grace: the poll timeout until its end (-1: no grace running); at its end, the
 * SIGKILL to every process of the sandbox. */
static int grace_check(engine_run *run) {
  if (!run->grace_running) return -1;
  double left = run->grace_end_s - run_elapsed_s(&run->start);
  if (left > 0) return (int)(left * 1000.0) + 1;
  run->grace_running = false;
  run_log(run, "kill grace over: killing the sandbox");
  note_end_figures(run);
  kill_sandbox(run);
  return -1;
}

/* The output cap is found passed while the job runs, or after it ended (the pipes are drained
 * after init's report): either way what is left is killed and the verdict is output_limit. */
static void output_cap_hit(engine_run *run) {
  run_facts *f = &run->facts;
  if (f->output_cap_hit || (f->end != END_NONE && f->end != END_JOB_EXITED)) return;
  f->output_cap_hit = true;
  end_run(run, END_OUTPUT);
  run_log(run, "output limit reached: killing the sandbox");
  kill_sandbox(run);
}

/* The job is set up and blocked before execve: note the cgroup's CPU time so far (the
 * set-up's, not the job's) and let it go on. */
static int let_job_go(engine_run *run, sbx_error **err) {
  run_facts *f = &run->facts;
  sbx_error *e = NULL;
  if (run->ctx.cg) {
    if (cgroup_cpu_usage(run->ctx.cg, &f->cpu_base_ns, &e) == 0)
      f->have_cpu_base = true;
    else
      run_log(run, "%s", e->message);
    sbx_error_free(e);
  }
  if (chan_let_job_exec(run->ctx.down.wr, err) < 0)
    return sbx_error_prefix(err, "let the job start");
  phase_mark_now(run->ctx.phases, PH_GO);
  return 0;
}

/* init reported the job's end: note it, then let init exit (its exit tears down the mounts and
 * namespaces, which would be charged to the cgroup: the figures now are the job's). */
static void job_exited(engine_run *run, const chan_msg *msg) {
  phase_mark_now(run->ctx.phases, PH_JOB_END);
  if (end_run(run, END_JOB_EXITED)) {
    run->facts.exit = msg->u.exit;
  } else if (run->grace_running) {
    /* It ended on the wall-time limit's SIGTERM, within the grace: the verdict stays
     * wall_time_limit, with its own wait status. */
    run->grace_running = false;
    run->facts.exit = msg->u.exit;
    run->facts.exited_in_grace = true;
    note_end_figures(run);
  }
  sbx_error *e = NULL;
  if (chan_let_init_exit(run->ctx.down.wr, &e) < 0) run_log(run, "%s", e->message);
  sbx_error_free(e);
}

/* Takes every queued message from the up channel. Returns -1 on a garbled or misplaced one. */
static int drain(engine_run *run, bool *closed, sbx_error **err) {
  for (;;) {
    chan_msg msg;
    sbx_error *e = NULL;
    int r = chan_recv(run->ctx.up.rd, &msg, CHAN_ALLOW(MSG_JOB_EXIT) | CHAN_ALLOW_ERRORS, "sandbox",
                      &e);
    if (r == 0) {
      sbx_error_free(e);
      *closed = true;
      return 0;
    }
    if (r < 0) {
      if (!e) return 0; /* EAGAIN: nothing more queued */
      if (err && !*err)
        *err = e;
      else
        sbx_error_free(e);
      return -1;
    }
    if (msg.type == MSG_JOB_EXIT)
      job_exited(run, &msg);
    else
      supervise_note_child_error(run, &msg);
  }
}

/* The poll timeout until the next limit check (-1: none), killing the sandbox at a limit. */
static int check_limits(engine_run *run) {
  const sbx_limits *l = &run->ctx.spec->limits;
  if (run->facts.end != END_NONE) return grace_check(run);
  int timeout = -1;
  if (l->wall_time_us != SBX_UNSET) {
    double left = (double)l->wall_time_us / 1e6 - run_elapsed_s(&run->start);
    if (left <= 0) {
      terminate_at_wall_time(run);
      return grace_check(run);
    }
    timeout = (int)(left * 1000.0) + 1;
  }
  if (run->ctx.cg && l->cpu_time_us != SBX_UNSET) {
    /* cpu_time: the whole tree's CPU from the cgroup, checked at least as often as the
     * remaining budget could be spent by every CPU at once. */
    uint64_t used;
    sbx_error *e = NULL;
    if (cgroup_cpu_usage(run->ctx.cg, &used, &e) == 0) {
      used = used > run->facts.cpu_base_ns ? used - run->facts.cpu_base_ns : 0;
      uint64_t limit_ns = l->cpu_time_us * 1000;
      if (used >= limit_ns) {
        kill_at_limit(run, END_CPU_TIME, "cpu time");
        return -1;
      }
      long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
      uint64_t ms = (limit_ns - used) / 1000000 / (uint64_t)(ncpu > 0 ? ncpu : 1);
      int check = ms < 1 ? 1 : ms > 100 ? 100 : (int)ms;
      if (timeout < 0 || check < timeout) timeout = check;
    }
    sbx_error_free(e);
  }
  return timeout;
}

/* init is gone, and with it every writer of the channel: what it sent is queued. */
static int init_ended(engine_run *run, bool *closed, sbx_error **err) {
  if (drain(run, closed, err) < 0) return -1;
  int status = 0;
  while (waitpid(run->init, &status, __WALL) < 0 && errno == EINTR) {
  }
  run->init = -1;
  /* With a pid namespace, every process of the job is gone with init: what it wrote is queued
   * in the output pipes, and only that goes on to the caller (never wait for EOF: a write end
   * passed out of the sandbox may live on). Without one, the pipes are read until EOF for a
   * short while (output.h). */
  if (run->out.on) {
    output_finish(&run->out, (run->ctx.spec->namespaces & SBX_NS_PID) != 0);
    for (int i = 0; i < 2; i++)
      if (run->out.dropped[i])
        run_log(run, "the caller's %s did not take the job's last %" PRIu64 " bytes: dropped",
                i ? "stderr" : "stdout", run->out.dropped[i]);
  }
  if (run->facts.end == END_NONE && !run->child_err) {
    _cleanup_free_ char *how = supervise_describe_wait(status);
    return sbx_set_error(
        err, EPIPE, "the sandbox's init process ended (%s) without reporting the job's end", how);
  }
  return 0;
}

/* Until init exits: forwards the caller's signals, enforces the limits, relays the output,
 * collects the messages. */
static int supervise_loop(engine_run *run, sbx_error **err) {
  output_capture *out = &run->out;
  bool closed = false;
  for (;;) {
    int timeout = check_limits(run);
    /* The output: the job's pipes while nothing waits for the caller's fd, else the caller's
     * fd for room (main never blocks on it, so the deadlines above hold). */
    struct pollfd p[7] = {{.fd = closed ? -1 : run->ctx.up.rd, .events = POLLIN},
                          {.fd = run->init_pidfd, .events = POLLIN},
                          {.fd = run->sigfd, .events = POLLIN},
                          {.fd = output_wants_read(out, 0) ? out->rd[0] : -1, .events = POLLIN},
                          {.fd = output_wants_read(out, 1) ? out->rd[1] : -1, .events = POLLIN},
                          {.fd = output_wants_write(out, 0) ? out->dst[0] : -1, .events = POLLOUT},
                          {.fd = output_wants_write(out, 1) ? out->dst[1] : -1, .events = POLLOUT}};
    int r = poll(p, 7, timeout);
    if (r < 0) {
      if (errno == EINTR) continue;
      return sbx_set_errno(err, "poll the sandbox");
    }
    if (p[0].revents && drain(run, &closed, err) < 0) return -1;
    for (int i = 0; i < 2; i++)
      if ((p[3 + i].revents || p[5 + i].revents) && output_pump(out, i, err) < 0) return -1;
    if (out->exceeded) output_cap_hit(run);
    if (p[2].revents) {
      struct signalfd_siginfo si;
      while (read(run->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        run_log(run, "forwarding signal %u to the job", si.ssi_signo);
        kill(run->init, (int)si.ssi_signo);
      }
    }
    if (p[1].revents) return init_ended(run, &closed, err);
  }
}

int supervise_run(engine_run *run, sbx_error **err) {
  if (let_job_go(run, err) < 0 || supervise_loop(run, err) < 0) return -1;
  phase_mark_now(run->ctx.phases, PH_RUN);
  run_facts *f = &run->facts;
  if (f->end == END_NONE) f->wall_time_s = run_elapsed_s(&run->start);
  f->output_bytes[0] = run->out.bytes[0];
  f->output_bytes[1] = run->out.bytes[1];
  f->output_merged = run->out.merged;
  if (run->ctx.cg) {
    sbx_error *e = NULL;
    if (cgroup_read_stats(run->ctx.cg, &f->cgstats, &e) == 0)
      f->have_cgstats = true;
    else
      run_log(run, "%s", e->message);
    sbx_error_free(e);
  }
  return 0;
}
