/* run.h: the main process's state of one run, shared by its stages: run.c prepares and starts
 * a run (up to the job blocked before execve), supervise.c supervises it to its end, verdict.c
 * turns the facts into the result. Calls go one way: run.c -> supervise.c -> verdict.c. */
#ifndef SANDBOX_RUN_H
#define SANDBOX_RUN_H

#include "engine.h"
#include "hardening.h"
#include "output.h"

#include "util.h"

#include <stdarg.h>
#include <time.h>

/* How the run ended, set once (run_end): the first reason wins. */
typedef enum end_reason {
  END_NONE = 0,   /* still running */
  END_JOB_EXITED, /* the job ended by itself: init reported its wait status */
  END_WALL_TIME,  /* the supervisor killed the sandbox at the wall-time limit */
  END_CPU_TIME,   /* ... at the cpu-time limit (the cgroup's accounting) */
  END_OUTPUT,     /* ... when the job wrote past the output cap */
} end_reason;

/* What the verdict is made of: plain data, filled by the supervisor. */
typedef struct run_facts {
  end_reason end;
  double wall_time_s; /* from the start to the job's end (or its kill) */
  chan_job_exit exit; /* with END_JOB_EXITED: the job's wait status, rusage, forbidden call */
  bool have_cpu_base; /* the cgroup's CPU time when the job was let go (the set-up's) */
  uint64_t cpu_base_ns;
  bool have_cpu_end; /* the cgroup's CPU time at the job's end */
  uint64_t cpu_end_ns;
  bool have_cgstats; /* the cgroup's figures, read when the job has ended */
  cgroup_stats cgstats;
  uint64_t output_bytes[2]; /* what the job wrote to stdout, stderr (with an output cap) */
  bool output_merged;       /* one pipe carried both: output_bytes[0] counts them */
  bool output_cap_hit;      /* it wrote past the cap (before or after its end) */
  /* END_WALL_TIME with limits.kill_grace: the job was sent SIGTERM at the limit; it then ended
   * by itself within the grace (its wait status and rusage in `exit`), or was killed after it.
   * wall_time_s and cpu_end_ns are then the figures at its end. */
  bool term_sent;
  bool exited_in_grace;
} run_facts;

/* verdict.c: the result of a run from its facts and limits (status, exit code or signal,
 * figures). Pure: no system call. */
void verdict_fill(const run_facts *facts, const sbx_limits *limits, sbx_result *res);
/* verdict.c: the description of the limit behind a *_LIMIT status ("wall time limit 2s
 * reached"), malloc'd; NULL for the other statuses. */
char *verdict_describe_limit(sbx_status status, const sbx_limits *limits);

/* What tests change of a run, passed in rather than set in globals: where the id-mapping
 * facts are looked up (stand-in /etc/subuid files and helpers). */
typedef struct engine_hooks {
  idmap_paths idmap;
} engine_hooks;

/* run.c: sbx_run() with hooks (NULL: none, as sbx_run). */
int engine_run_hooked(const sbx_spec *spec, const sbx_run_options *opts, const engine_hooks *hooks,
                      sbx_result *result, sbx_error **err);

typedef struct engine_run {
  engine_ctx ctx;
  const sbx_run_options *opts;
  const engine_hooks *hooks;
  sc_filter *filter, *notify_filter;
  int opened_stdio[3]; /* the fds streams.c opened for the job's stdin, stdout, stderr, or -1 */
  pid_t intermediate, init;
  int intermediate_status;
  int intermediate_pidfd, init_pidfd;
  int sigfd;
  bool mask_changed;
  sigset_t old_mask;
  struct timespec start;
  output_capture out;
  /* The start's progress: the maps are written (or need none), so init and the job may run
   * and speak in any order with the intermediate's last report; the job reported ready; the
   * job ended before it was (its wait status in facts.exit). */
  bool maps_written, job_ready, job_ended_early;
  sbx_error *child_err; /* the first MSG_ERROR / MSG_EXEC_FAILED */
  bool exec_failed;
  int exec_errno;
  run_facts facts;
  /* The wall-time limit's grace is running: SIGKILL at grace_end_s (seconds after start). */
  bool grace_running;
  double grace_end_s;
} engine_run;

/* supervise.c: lets the job (blocked before execve) go on, then supervises the run until init
 * exits: the caller's signals forwarded, the wall-time, CPU-time and output limits enforced,
 * the job's end and the cgroup's figures noted in run->facts. -1 with *err when the sandbox
 * failed (run->child_err holds a child's own report). */
int supervise_run(engine_run *run, sbx_error **err);
/* supervise.c: a wait status in words: "exit status 3", "killed by signal 9 (Killed)". */
char *supervise_describe_wait(int status);
/* supervise.c: records a child's MSG_ERROR / MSG_EXEC_FAILED (the first one counts). */
void supervise_note_child_error(engine_run *run, const chan_msg *msg);

/* The log callback of the run's options (sandbox run -v), if any. */
static inline SBX_PRINTF(2, 3) void run_log(const engine_run *run, const char *fmt, ...) {
  if (!run->opts->log) return;
  va_list ap;
  va_start(ap, fmt);
  char *m = xvasprintf(fmt, ap);
  va_end(ap);
  run->opts->log(run->opts->log_ctx, m);
  free(m);
}

/* Seconds since `from` (CLOCK_MONOTONIC). */
static inline double run_elapsed_s(const struct timespec *from) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - from->tv_sec) + (double)(now.tv_nsec - from->tv_nsec) / 1e9;
}

#endif
