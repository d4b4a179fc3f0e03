/* nsfloor: what the kernel alone charges for a process in fresh namespaces, the floor under any
 * sandbox that gives each job new ones (as `sandbox run` and `sandbox batch` do). From a small
 * process (this one), each case RUNS times in a loop, timed with CLOCK_MONOTONIC from before
 * the clone to the return of waitpid:
 *
 *   fork       fork + _exit + wait                     (creating and reaping a process)
 *   exec       fork + execve(/bin/true) + wait         (a bare exec)
 *   ns         clone(user, pid, mount, ipc, uts, cgroup namespaces) + execve(/bin/true) + wait
 *   ns+net     the same with a network namespace too   (the namespaces of `-p judge`)
 *
 * The child of the namespace cases execs as the overflow id (no maps are written): it is the
 * kernel's share only, with no id maps, root assembly, cgroup, seccomp or supervision.
 *
 *   nsfloor [-n RUNS]
 *
 * Prints one line per case: "CASE median_us=M p90_us=P runs_per_s=R" (runs_per_s from the
 * median). Exits 1, saying why, when a case fails (no unprivileged user namespaces, say). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STACK_SIZE (256 * 1024)

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int child(void *arg) {
  if (arg) {
    char *argv[] = {"true", NULL};
    execv("/bin/true", argv);
    _exit(127);
  }
  _exit(0);
}

/* One run of a case: 0, or -1 with a message printed. */
static int run_once(const char *name, int flags, int do_exec, void *stack) {
  pid_t pid = clone(child, (char *)stack + STACK_SIZE, flags | SIGCHLD, do_exec ? (void *)1 : NULL);
  if (pid < 0) {
    fprintf(stderr, "nsfloor: %s: clone: %s\n", name, strerror(errno));
    return -1;
  }
  int st;
  while (waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) {
      fprintf(stderr, "nsfloor: %s: waitpid: %s\n", name, strerror(errno));
      return -1;
    }
  }
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    fprintf(stderr, "nsfloor: %s: the child ended with status %#x\n", name, (unsigned)st);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  int runs = 300, opt;
  while ((opt = getopt(argc, argv, "n:")) != -1) {
    if (opt == 'n' && (runs = atoi(optarg)) >= 1) continue;
    fprintf(stderr, "usage: nsfloor [-n RUNS]\n");
    return 2;
  }
  const int ns =
      CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
  static const struct {
    const char *name;
    int flags, do_exec;
  } cases[] = {
      {"fork", 0, 0},
      {"exec", 0, 1},
      {"ns", ns, 1},
      {"ns+net", ns | CLONE_NEWNET, 1},
  };
  /* A stack of its own for the child (clone without CLONE_VM copies it like fork would). */
  void *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  double *t = calloc((size_t)runs, sizeof *t);
  if (stack == MAP_FAILED || !t) {
    fprintf(stderr, "nsfloor: out of memory\n");
    return 1;
  }
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    for (int w = 0; w < 10; w++) /* warm-up */
      if (run_once(cases[c].name, cases[c].flags, cases[c].do_exec, stack) < 0) return 1;
    for (int i = 0; i < runs; i++) {
      double t0 = now_us();
      if (run_once(cases[c].name, cases[c].flags, cases[c].do_exec, stack) < 0) return 1;
      t[i] = now_us() - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    double med = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    int i90 = (int)(0.9 * runs + 0.5) - 1;
    printf("%s median_us=%.0f p90_us=%.0f runs_per_s=%.0f\n", cases[c].name, med,
           t[i90 < 0 ? 0 : i90], 1e6 / med);
  }
  free(t);
  munmap(stack, STACK_SIZE);
  return 0;
}
