/* phase.c: the start-up's steps timed for the run's log (phase.h). */
#include "phase.h"

#include "util.h"

#include <stdio.h>
#include <sys/mman.h>
#include <time.h>

static const char *const phase_names[PH_COUNT] = {
    [PH_BEGIN] = "begin",
    [PH_VALIDATE] = "validate",
    [PH_IDMAP] = "idmap",
    [PH_SECCOMP] = "seccomp",
    [PH_PREPARE] = "prepare",
    [PH_CGROUP] = "cgroup",
    [PH_FORK] = "fork",
    [PH_CGROUP_JOIN] = "cgroup-join",
    [PH_USERNS] = "userns",
    [PH_ID_MAPS] = "id-maps",
    [PH_CLONE_INIT] = "clone-init",
    [PH_INIT_START] = "init-start",
    [PH_NETWORK] = "network",
    [PH_MOUNTS] = "mounts",
    [PH_FORK_JOB] = "fork-job",
    [PH_JOB_SETUP] = "job-setup",
    [PH_READY] = "ready",
    [PH_GO] = "go",
    [PH_HARDEN] = "caps",
    [PH_SECCOMP_LOAD] = "seccomp-load",
    [PH_JOB_END] = "exec-run",
    [PH_RUN] = "init-exit",
    [PH_TEARDOWN] = "teardown",
};

phase_page *phase_map(void) {
  void *p =
      mmap(NULL, sizeof(phase_page), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void phase_unmap(phase_page **p) {
  if (*p) munmap(*p, sizeof(phase_page));
  *p = NULL;
}

void phase_mark_now(phase_page *p, phase_mark m) {
  if (!p || m >= PH_COUNT) return;
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  p->ns[m] = (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void phase_report(const phase_page *p, void (*line)(void *ctx, const char *text), void *ctx) {
  if (!p || !p->ns[PH_BEGIN]) return;
  /* A copy: the children may have written it; every figure is checked to go forward. */
  phase_page c = *p;
  uint64_t prev = c.ns[PH_BEGIN];
  char text[96];
  for (int m = PH_BEGIN + 1; m < PH_COUNT; m++) {
    if (!c.ns[m] || c.ns[m] < prev) continue;
    snprintf(text, sizeof text, "phase %s %llu us", phase_names[m],
             (unsigned long long)((c.ns[m] - prev) / 1000));
    line(ctx, text);
    prev = c.ns[m];
  }
  snprintf(text, sizeof text, "phase total %llu us",
           (unsigned long long)((prev - c.ns[PH_BEGIN]) / 1000));
  line(ctx, text);
}
