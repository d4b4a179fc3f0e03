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

static sbx_result verdict(const run_facts *f, const sbx_limits *l) {
  sbx_result r;
  memset(&r, 0, sizeof r);
  verdict_fill(f, l, &r);
  return r;
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
