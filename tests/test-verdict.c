/* test-verdict.c: the verdict rules (sandbox/verdict.c), from made-up facts, without forking:
 * how the run ended, the job's wait status and rusage, the cgroup's figures and events, and
 * the limits decide the status, the exit code or signal and the figures of the result. */
#define TEST_FILE "test-verdict"
#include "harness.h"

#include "run.h"

#include <signal.h>
#include <sys/wait.h>

static sbx_limits no_limits(void) {
  sbx_limits l;
  memset(&l, 0xff, sizeof l); /* every limit SBX_UNSET */
  return l;
}

static run_facts exited(int wstatus) {
  run_facts f;
  memset(&f, 0, sizeof f);
  f.end = END_JOB_EXITED;
  f.exit.wstatus = wstatus;
  f.wall_time_s = 1.5;
  return f;
}

#define EXIT(code)  ((code) << 8)
#define KILLED(sig) (sig)

/* The result of the facts; its `limit` text lives until the next call. */
static sbx_result verdict(const run_facts *f, const sbx_limits *l) {
  static char *last_limit;
  sbx_result r;
  memset(&r, 0, sizeof r);
  verdict_fill(f, l, &r);
  free(last_limit);
  last_limit = r.limit;
  return r;
}

/* The limit behind each *_LIMIT status, with its value in the largest unit that divides it. */
TEST(limit_descriptions) {
  sbx_limits l = no_limits();
  l.wall_time_us = 2000000;
  l.cpu_time_us = 1500000;
  l.memory = 256ull << 20;
  l.pids = 64;
  l.output = 1000;
  l.file_size = 3ull << 30;
  static const struct {
    sbx_status status;
    const char *text;
  } cases[] = {
      {SBX_STATUS_WALL_TIME_LIMIT, "wall time limit 2s reached"},
      {SBX_STATUS_CPU_TIME_LIMIT, "cpu time limit 1500ms reached"},
      {SBX_STATUS_MEMORY_LIMIT, "memory limit 256 MiB reached"},
      {SBX_STATUS_PIDS_LIMIT, "pids limit 64 reached"},
      {SBX_STATUS_OUTPUT_LIMIT, "output limit 1000 bytes reached"},
      {SBX_STATUS_FILE_SIZE_LIMIT, "file size limit 3 GiB reached"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    char *s = verdict_describe_limit(cases[i].status, &l);
    CHECK_EQ_STR(s, cases[i].text);
    free(s);
  }
  static const struct {
    uint64_t us;
    const char *text;
  } times[] = {{7200000000ull, "wall time limit 2h reached"},
               {120000000ull, "wall time limit 2min reached"},
               {90000000ull, "wall time limit 90s reached"},
               {1001ull, "wall time limit 1001us reached"}};
  for (size_t i = 0; i < ARRAY_SIZE(times); i++) {
    l.wall_time_us = times[i].us;
    char *s = verdict_describe_limit(SBX_STATUS_WALL_TIME_LIMIT, &l);
    CHECK_EQ_STR(s, times[i].text);
    free(s);
  }
  CHECK(verdict_describe_limit(SBX_STATUS_OK, &l) == NULL);
  CHECK(verdict_describe_limit(SBX_STATUS_FORBIDDEN_SYSCALL, &l) == NULL);
  CHECK(verdict_describe_limit(SBX_STATUS_SETUP_ERROR, &l) == NULL);
  /* The result carries it for a limit's end only. */
  run_facts f = exited(EXIT(0));
  sbx_result r = verdict(&f, &l);
  CHECK(r.limit == NULL);
  f.end = END_OUTPUT;
  r = verdict(&f, &l);
  CHECK_EQ_STR(r.limit, "output limit 1000 bytes reached");
}

/* The wall-time limit's SIGTERM, then the grace: a job that ended within it keeps its own end
 * (and its rusage), one that did not was killed; the verdict is the wall-time limit's. */
TEST(kill_grace_keeps_wall_time_verdict) {
  sbx_limits l = no_limits();
  l.wall_time_us = 1000000;
  l.kill_grace_us = 5000000;
  run_facts f;
  memset(&f, 0, sizeof f);
  f.end = END_WALL_TIME;
  f.term_sent = true;
  f.exited_in_grace = true;
  f.exit.wstatus = EXIT(3);
  f.exit.ru.ru_maxrss = 100;
  sbx_result r = verdict(&f, &l);
  CHECK_EQ_INT(r.status, SBX_STATUS_WALL_TIME_LIMIT);
  CHECK_EQ_INT(r.exit_code, 3);
  CHECK_EQ_INT(r.signal, 0);
  CHECK(r.max_rss_bytes == 102400);
  CHECK_EQ_STR(r.limit, "wall time limit 1s reached");
  f.exit.wstatus = KILLED(SIGTERM);
  r = verdict(&f, &l);
  CHECK_EQ_INT(r.status, SBX_STATUS_WALL_TIME_LIMIT);
  CHECK_EQ_INT(r.signal, SIGTERM);
  CHECK_EQ_INT(r.exit_code, 0);
  f.exit.wstatus = EXIT(0);
  r = verdict(&f, &l);
  CHECK_EQ_INT(r.status, SBX_STATUS_WALL_TIME_LIMIT); /* exit 0 in the grace: still the limit */
  /* Killed when the grace was over. */
  f.exited_in_grace = false;
  f.exit.wstatus = 0;
  r = verdict(&f, &l);
  CHECK_EQ_INT(r.status, SBX_STATUS_WALL_TIME_LIMIT);
  CHECK_EQ_INT(r.signal, SIGKILL);
  CHECK(r.max_rss_bytes == 0);
}

TEST(exit_codes_and_signals) {
  sbx_limits l = no_limits();
  run_facts f = exited(EXIT(0));
  sbx_result r = verdict(&f, &l);
  CHECK_EQ_INT(r.status, SBX_STATUS_OK);
  CHECK_EQ_INT(r.exit_code, 0);
  CHECK(r.wall_time_s == 1.5);
  f = exited(EXIT(3));
  r = verdict(&f, &l);
  CHECK_EQ_INT(r.status, SBX_STATUS_EXIT_NONZERO);
  CHECK_EQ_INT(r.exit_code, 3);
  f = exited(KILLED(SIGSEGV));
  r = verdict(&f, &l);
  CHECK_EQ_INT(r.status, SBX_STATUS_SIGNALED);
  CHECK_EQ_INT(r.signal, SIGSEGV);
}

TEST(supervisor_kills_name_their_limit) {
  sbx_limits l = no_limits();
  static const struct {
    end_reason end;
    sbx_status status;
  } cases[] = {{END_WALL_TIME, SBX_STATUS_WALL_TIME_LIMIT},
               {END_CPU_TIME, SBX_STATUS_CPU_TIME_LIMIT},
               {END_OUTPUT, SBX_STATUS_OUTPUT_LIMIT}};
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    run_facts f;
    memset(&f, 0, sizeof f);
    f.end = cases[i].end;
    f.wall_time_s = 2.0;
    sbx_result r = verdict(&f, &l);
    CHECK_EQ_INT(r.status, cases[i].status);
    CHECK_EQ_INT(r.signal, SIGKILL);
    CHECK(r.wall_time_s == 2.0);
  }
}

TEST(output_cap_passed_after_the_exit_is_output_limit) {
  sbx_limits l = no_limits();
  run_facts f = exited(EXIT(0));
  f.output_cap_hit = true;
  f.output_bytes[0] = 100;
  f.output_bytes[1] = 7;
  sbx_result r = verdict(&f, &l);
  CHECK_EQ_INT(r.status, SBX_STATUS_OUTPUT_LIMIT);
  CHECK_EQ_INT(r.stdout_bytes, 100);
  CHECK_EQ_INT(r.stderr_bytes, 7);
}

TEST(cpu_time_limit_from_signals_and_rusage) {
  sbx_limits l = no_limits();
  run_facts f = exited(KILLED(SIGXCPU));
  CHECK_EQ_INT(verdict(&f, &l).status, SBX_STATUS_SIGNALED); /* no limit: just a signal */
  l.cpu_time_us = 1000000;
  CHECK_EQ_INT(verdict(&f, &l).status, SBX_STATUS_CPU_TIME_LIMIT);
  /* RLIMIT_CPU's hard SIGKILL, with the CPU time at the limit. */
  f = exited(KILLED(SIGKILL));
  f.exit.ru.ru_utime.tv_sec = 1;
  CHECK_EQ_INT(verdict(&f, &l).status, SBX_STATUS_CPU_TIME_LIMIT);
  f.exit.ru.ru_utime.tv_sec = 0;
  CHECK_EQ_INT(verdict(&f, &l).status, SBX_STATUS_SIGNALED);
  /* Without the cgroup's CPU accounting, a tree past the limit that exited by itself. */
  f = exited(EXIT(0));
  f.exit.ru.ru_utime.tv_sec = 1;
  f.exit.ru.ru_stime.tv_usec = 1;
  CHECK_EQ_INT(verdict(&f, &l).status, SBX_STATUS_CPU_TIME_LIMIT);
  /* With it, the cgroup's figure decides. */
  f.have_cgstats = true;
  f.cgstats.has_cpu = true;
  f.cgstats.cpu_usage_ns = 500000000;
  CHECK_EQ_INT(verdict(&f, &l).status, SBX_STATUS_OK);
}

TEST(file_size_limit) {
  sbx_limits l = no_limits();
  run_facts f = exited(KILLED(SIGXFSZ));
  CHECK_EQ_INT(verdict(&f, &l).status, SBX_STATUS_SIGNALED);
  l.file_size = 4096;
  CHECK_EQ_INT(verdict(&f, &l).status, SBX_STATUS_FILE_SIZE_LIMIT);
}

TEST(forbidden_syscall_is_named) {
  sbx_limits l = no_limits();
  run_facts f = exited(KILLED(SIGKILL));
  f.exit.forbidden = 1;
  f.exit.sc_arch = 0; /* native */
  f.exit.sc_nr = 165; /* mount on x86_64 */
  sbx_result r = verdict(&f, &l);
  CHECK_EQ_INT(r.status, SBX_STATUS_FORBIDDEN_SYSCALL);
  CHECK_EQ_INT(r.signal, SIGSYS);
#if defined(__x86_64__)
  CHECK_EQ_STR(r.syscall, "mount");
#else
  CHECK(r.syscall != NULL);
#endif
  free(r.syscall);
}

TEST(memory_and_pids_limits_from_cgroup_events) {
  sbx_limits l = no_limits();
  run_facts f = exited(KILLED(SIGKILL));
  f.have_cgstats = true;
  f.cgstats.has_oom_kill_count = true;
  f.cgstats.oom_kills = 1;
  sbx_result r = verdict(&f, &l);
  CHECK_EQ_INT(r.status, SBX_STATUS_SIGNALED); /* OOM, but no memory limit of ours */
  CHECK(r.oom_killed);
  l.memory = 64 << 20;
  CHECK_EQ_INT(verdict(&f, &l).status, SBX_STATUS_MEMORY_LIMIT);
  /* Without an OOM-kill count: the limit hit together with a SIGKILL. */
  f.cgstats.has_oom_kill_count = false;
  f.cgstats.memory_max_events = 3;
  CHECK_EQ_INT(verdict(&f, &l).status, SBX_STATUS_MEMORY_LIMIT);
  f = exited(EXIT(0));
  f.have_cgstats = true;
  f.cgstats.memory_max_events = 3;
  r = verdict(&f, &l);
  CHECK_EQ_INT(r.status, SBX_STATUS_OK); /* it hit the limit, reclaimed, and succeeded */
  CHECK(!r.oom_killed);
  /* Refused forks: the verdict only when the job failed and a pids limit is set. */
  f = exited(EXIT(1));
  f.have_cgstats = true;
  f.cgstats.pids_max_events = 5;
  CHECK_EQ_INT(verdict(&f, &l).status, SBX_STATUS_EXIT_NONZERO);
  l.pids = 16;
  CHECK_EQ_INT(verdict(&f, &l).status, SBX_STATUS_PIDS_LIMIT);
  f.exit.wstatus = EXIT(0);
  CHECK_EQ_INT(verdict(&f, &l).status, SBX_STATUS_OK);
}

TEST(figures_from_rusage_and_cgroup) {
  sbx_limits l = no_limits();
  run_facts f = exited(EXIT(0));
  f.exit.ru.ru_utime.tv_sec = 2;
  f.exit.ru.ru_stime.tv_usec = 500000;
  f.exit.ru.ru_maxrss = 2048; /* KiB */
  f.exit.ru.ru_nvcsw = 7;
  f.exit.ru.ru_nivcsw = 9;
  sbx_result r = verdict(&f, &l);
  CHECK(r.cpu_user_s == 2.0 && r.cpu_system_s == 0.5 && r.cpu_time_s == 2.5);
  CHECK_EQ_INT(r.max_rss_bytes, 2048 * 1024);
  CHECK_EQ_INT(r.memory_peak_bytes, 2048 * 1024);
  CHECK_EQ_INT(r.memory_peak_source, SBX_MEMORY_PEAK_RUSAGE);
  CHECK_EQ_INT(r.csw_voluntary, 7);
  CHECK_EQ_INT(r.csw_forced, 9);
  /* The cgroup's figures win: its CPU time less the set-up's (the base), split between user
   * and system in the cgroup's proportion; its memory peak; its pids peak. */
  f.have_cgstats = true;
  f.cgstats.has_cpu = true;
  f.cgstats.cpu_usage_ns = 9000000000ull; /* read after the end: not used when cpu_end is */
  f.cgstats.cpu_user_ns = 3;
  f.cgstats.cpu_system_ns = 1;
  f.have_cpu_end = true;
  f.cpu_end_ns = 4500000000ull;
  f.have_cpu_base = true;
  f.cpu_base_ns = 500000000ull;
  f.cgstats.has_memory_peak = true;
  f.cgstats.memory_peak = 10 << 20;
  f.cgstats.has_pids_peak = true;
  f.cgstats.pids_peak = 4;
  r = verdict(&f, &l);
  CHECK(r.cpu_time_s > 3.999999 && r.cpu_time_s < 4.000001);
  CHECK(r.cpu_user_s > 2.999999 && r.cpu_user_s < 3.000001);
  CHECK(r.cpu_system_s > 0.999999 && r.cpu_system_s < 1.000001);
  CHECK_EQ_INT(r.memory_peak_bytes, 10 << 20);
  CHECK_EQ_INT(r.memory_peak_source, SBX_MEMORY_PEAK_CGROUP);
  CHECK_EQ_INT(r.max_rss_bytes, 2048 * 1024); /* the largest process stays rusage's */
  CHECK_EQ_INT(r.pids_peak, 4);
  /* A base above the total (a counter reset) is no negative time. */
  f.cpu_base_ns = 9900000000ull;
  CHECK(verdict(&f, &l).cpu_time_s == 0);
}

RUN_TESTS()
