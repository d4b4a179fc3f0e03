/* bench-cgroup: the cost of a run's cgroup: set-up (the gc scan a run does first, + create, +
 * limits, + adding a process) and teardown (kill what is left + remove), on an empty cgroup and
 * with one process added and killed, on this host's layout. Needs root. bench-cgroup [RUNS]
 * (default 200) Prints one line per case: "cgroup vN (LAYOUT), CASE: R runs, mean M us, median D
 * us, p90 P us (set-up median S us, teardown median T us)". */
#include "cgroup.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int one(bool with_task, double *us, double *setup_us, double *teardown_us) {
  sbx_limits l;
  memset(&l, 0xff, sizeof l);
  l.swap = 0;
  l.memory = 256 << 20;
  l.pids = 64;
  l.cpu_quota_us = 100000;
  cgroup_options o = {.mode = SBX_CGROUP_REQUIRED, .privileged = -1};
  cgroup *cg = NULL;
  sbx_error *e = NULL;
  pid_t child = -1;
  if (with_task) {
    child = fork();
    if (child == 0) {
      for (;;) pause();
    }
    if (child < 0) return -1;
  }
  double t0 = now_us();
  cgroup_gc_for_run(&o, NULL, NULL); /* best effort, as in a run */
  int r = cgroup_create(&o, &cg, NULL, &e);
  if (r == 0) r = cgroup_apply_limits(cg, &l, &e);
  if (r == 0 && with_task) r = cgroup_add_pid(cg, child, &e);
  double t1 = now_us();
  if (cgroup_destroy(cg, r == 0 ? &e : NULL) < 0) r = -1;
  double t2 = now_us();
  *us = t2 - t0;
  *setup_us = t1 - t0;
  *teardown_us = t2 - t1;
  if (child > 0) {
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
  }
  if (r < 0) fprintf(stderr, "bench-cgroup: %s\n", e ? e->message : "failed");
  sbx_error_free(e);
  return r;
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 200;
  if (runs < 1) runs = 1;
  if (geteuid() != 0) {
    printf("bench-cgroup: skipped: needs root\n");
    return 0;
  }
  cgroup_layout layout;
  sbx_error *e = NULL;
  if (cgroup_layout_detect(NULL, &layout, &e) < 0 || layout == CGROUP_LAYOUT_NONE) {
    printf("bench-cgroup: skipped: no cgroup filesystem\n");
    sbx_error_free(e);
    return 0;
  }
  double *t = xcalloc((size_t)runs, sizeof *t), *su = xcalloc((size_t)runs, sizeof *su),
         *td = xcalloc((size_t)runs, sizeof *td);
  for (int task = 0; task < 2; task++) {
    for (int i = 0; i < runs; i++)
      if (one(task, &t[i], &su[i], &td[i]) < 0) return 1;
    qsort(t, (size_t)runs, sizeof *t, cmp);
    qsort(su, (size_t)runs, sizeof *su, cmp);
    qsort(td, (size_t)runs, sizeof *td, cmp);
    double sum = 0;
    for (int i = 0; i < runs; i++) sum += t[i];
    printf(
        "cgroup %s (%s), %s: %d runs, mean %.0f us, median %.0f us, p90 %.0f us "
        "(set-up median %.0f us, teardown median %.0f us)\n",
        layout == CGROUP_LAYOUT_UNIFIED ? "v2" : "v1", cgroup_layout_name(layout),
        task ? "create + limits + add a process + kill + remove" : "create + limits + remove", runs,
        sum / runs, t[runs / 2], t[runs * 9 / 10], su[runs / 2], td[runs / 2]);
  }
  free(t);
  free(su);
  free(td);
  return 0;
}
