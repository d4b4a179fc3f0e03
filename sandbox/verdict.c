/* verdict.c: a run's result from its facts and limits. Pure: it reads the facts the supervisor
 * gathered (how the run ended, the job's wait status and rusage, the cgroup's figures) and
 * makes no system call, so every rule is unit-tested without forking (tests/test-verdict.c). */
#include "run.h"

#include "hardening.h"

#include <signal.h>
#include <sys/wait.h>

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

/* The figures: the whole tree's from the cgroup; rusage (the job and its reaped descendants) is
 * the fallback, and the source of the largest single process and the context switches. */
static void fill_figures(const run_facts *f, sbx_result *res) {
  const cgroup_stats *cs = f->have_cgstats ? &f->cgstats : NULL;
  res->wall_time_s = f->wall_time_s;
  if (f->end == END_JOB_EXITED || f->exited_in_grace) {
    const struct rusage *ru = &f->exit.ru;
    res->cpu_user_s = tv_s(ru->ru_utime);
    res->cpu_system_s = tv_s(ru->ru_stime);
    res->cpu_time_s = res->cpu_user_s + res->cpu_system_s;
    res->max_rss_bytes = (uint64_t)ru->ru_maxrss * 1024;
    res->memory_peak_bytes = res->max_rss_bytes;
    res->memory_peak_source = SBX_MEMORY_PEAK_RUSAGE;
    res->csw_voluntary = (uint64_t)ru->ru_nvcsw;
    res->csw_forced = (uint64_t)ru->ru_nivcsw;
  }
  if (cs && cs->has_cpu) {
    /* The job's part: the set-up's CPU time (noted when the job was let go) taken off, from
     * user and system in proportion. */
    uint64_t total = f->have_cpu_end ? f->cpu_end_ns : cs->cpu_usage_ns;
    uint64_t base = f->have_cpu_base ? f->cpu_base_ns : 0;
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
  res->stdout_bytes = f->output_bytes[0];
  res->stderr_bytes = f->output_bytes[1];
  res->output_merged = f->output_merged;
}

/* The status of a job that ended by itself, from its wait status. */
static void status_from_wait(const run_facts *f, const sbx_limits *l, sbx_result *res) {
  int ws = f->exit.wstatus;
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
}

/* The cgroup's events: OOM kills and refused forks. A limit is the verdict when the job failed
 * and the limit was hit. */
static void status_from_cgroup(const run_facts *f, const sbx_limits *l, sbx_result *res) {
  const cgroup_stats *cs = &f->cgstats;
  int ws = f->exit.wstatus;
  /* OOM: v2 memory.events oom_kill, v1 memory.oom_control oom_kill; on kernels without that
   * count, a hit of the limit (failcnt) together with a SIGKILL. */
  res->oom_killed = cs->has_oom_kill_count
                        ? cs->oom_kills > 0
                        : cs->memory_max_events > 0 && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL;
  bool failed = res->status == SBX_STATUS_EXIT_NONZERO || res->status == SBX_STATUS_SIGNALED;
  if (failed && res->oom_killed && l->memory != SBX_UNSET)
    res->status = SBX_STATUS_MEMORY_LIMIT;
  else if (failed && cs->pids_max_events > 0 && l->pids != SBX_UNSET)
    res->status = SBX_STATUS_PIDS_LIMIT;
}

/* A duration in the largest unit that divides it: "2s", "1500ms", "2h". */
static char *describe_duration(uint64_t us) {
  static const struct {
    uint64_t us;
    const char *unit;
  } units[] = {{3600000000ull, "h"}, {60000000ull, "min"}, {1000000ull, "s"}, {1000ull, "ms"}};
  for (size_t i = 0; i < ARRAY_SIZE(units); i++)
    if (us >= units[i].us && us % units[i].us == 0)
      return xasprintf("%llu%s", (unsigned long long)(us / units[i].us), units[i].unit);
  return xasprintf("%lluus", (unsigned long long)us);
}

/* A size in the largest binary unit that divides it: "256 MiB", "1000 bytes". */
static char *describe_size(uint64_t bytes) {
  static const char *const units[] = {"EiB", "PiB", "TiB", "GiB", "MiB", "KiB"};
  for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
    uint64_t u = 1ull << (10 * (ARRAY_SIZE(units) - i));
    if (bytes >= u && bytes % u == 0)
      return xasprintf("%llu %s", (unsigned long long)(bytes / u), units[i]);
  }
  return xasprintf("%llu bytes", (unsigned long long)bytes);
}

char *verdict_describe_limit(sbx_status status, const sbx_limits *l) {
  _cleanup_free_ char *v = NULL;
  const char *what;
  switch (status) {
  case SBX_STATUS_WALL_TIME_LIMIT:
    what = "wall time";
    v = describe_duration(l->wall_time_us);
    break;
  case SBX_STATUS_CPU_TIME_LIMIT:
    what = "cpu time";
    v = describe_duration(l->cpu_time_us);
    break;
  case SBX_STATUS_MEMORY_LIMIT:
    what = "memory";
    v = describe_size(l->memory);
    break;
  case SBX_STATUS_PIDS_LIMIT:
    what = "pids";
    v = xasprintf("%llu", (unsigned long long)l->pids);
    break;
  case SBX_STATUS_OUTPUT_LIMIT:
    what = "output";
    v = describe_size(l->output);
    break;
  case SBX_STATUS_FILE_SIZE_LIMIT:
    what = "file size";
    v = describe_size(l->file_size);
    break;
  default: return NULL;
  }
  return xasprintf("%s limit %s reached", what, v);
}

static void verdict_fill_status(const run_facts *f, const sbx_limits *l, sbx_result *res);

void verdict_fill(const run_facts *f, const sbx_limits *l, sbx_result *res) {
  verdict_fill_status(f, l, res);
  free(res->limit);
  res->limit = verdict_describe_limit(res->status, l);
}

static void verdict_fill_status(const run_facts *f, const sbx_limits *l, sbx_result *res) {
  fill_figures(f, res);
  /* Past the output cap: the supervisor killed what was left, even when the job itself had
   * already exited. */
  end_reason end = f->output_cap_hit && f->end == END_JOB_EXITED ? END_OUTPUT : f->end;
  switch (end) {
  case END_NONE: return;
  case END_WALL_TIME:
    res->status = SBX_STATUS_WALL_TIME_LIMIT;
    res->signal = SIGKILL;
    if (f->exited_in_grace) {
      /* It ended by itself on the limit's SIGTERM: how, as it said. */
      int ws = f->exit.wstatus;
      res->signal = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
      res->exit_code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 0;
    }
    return;
  case END_CPU_TIME:
    res->status = SBX_STATUS_CPU_TIME_LIMIT;
    res->signal = SIGKILL;
    return;
  case END_OUTPUT:
    res->status = SBX_STATUS_OUTPUT_LIMIT;
    res->signal = SIGKILL;
    return;
  case END_JOB_EXITED: break;
  }
  if (f->exit.forbidden) {
    /* init ended the job at the forbidden call; SIGSYS is what the kernel's own kill action
     * would have shown. */
    res->status = SBX_STATUS_FORBIDDEN_SYSCALL;
    res->signal = SIGSYS;
    res->syscall = sc_syscall_name(f->exit.sc_arch, f->exit.sc_nr);
    return;
  }
  status_from_wait(f, l, res);
  if (f->have_cgstats) status_from_cgroup(f, l, res);
  /* Without the cgroup's CPU accounting, RLIMIT_CPU holds each process on its own, and the
   * tree's total (rusage: the job and its reaped descendants) is only known now: a tree past
   * the limit is cpu_time_limit, unless a more specific verdict stands (file_size_limit,
   * memory_limit, pids_limit). */
  bool cgroup_cpu = f->have_cgstats && f->cgstats.has_cpu;
  if (!cgroup_cpu && l->cpu_time_us != SBX_UNSET &&
      (res->status == SBX_STATUS_OK || res->status == SBX_STATUS_EXIT_NONZERO ||
       res->status == SBX_STATUS_SIGNALED) &&
      res->cpu_time_s * 1e6 > (double)l->cpu_time_us)
    res->status = SBX_STATUS_CPU_TIME_LIMIT;
}
