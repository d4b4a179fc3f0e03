/* startbench: times the start-up of sandboxes. Each command is run many times by fork+exec,
 * timed from before fork() to the return of wait4() with CLOCK_MONOTONIC, the commands
 * alternating (the order rotates every round so that none always runs first). The CPU time of
 * a run is the user + system time of the child and of every descendant it waited for (wait4's
 * rusage). The first command is the floor that the others are compared with.
 *
 *   startbench [-n RUNS] [-w WARMUP] [-o TSV] -- LABEL [--hide=DIR] CMD [ARG]...
 *              [::: LABEL [--hide=DIR] CMD [ARG]...]...
 *
 * --hide=DIR runs that command in a private mount namespace of its own (unshare(CLONE_NEWNS),
 * every mount made private) with an empty tmpfs mounted over DIR: so that a runtime does not
 * see a mount of the host (crun and the cgroup2 mount of a hybrid host), which stays as it is.
 * Needs CAP_SYS_ADMIN; the namespace is part of the timing.
 *
 * Prints, per command, the median, p90, mean, min and max wall time and the median and p90
 * CPU time in milliseconds, and the ratio of its wall median (and p90) to the floor's. -o
 * writes one line per command, "LABEL wall_median wall_p90 cpu_median cpu_p90" (ms, tab
 * separated), for a script. Every run must exit 0: a failure is printed with the command's
 * stderr and ends the benchmark with status 1. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct bench {
  const char *label;
  const char *hide; /* --hide=DIR, or NULL */
  char **argv;
  double *ms, *cpu;
};

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Sorts v and gives its median and 90th percentile. */
static void quantiles(double *v, int n, double *med, double *p90) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  *med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  int i90 = (int)(0.9 * n + 0.5) - 1;
  *p90 = v[i90 < 0 ? 0 : i90];
}

/* In the child: a private mount namespace with an empty tmpfs over `dir`. */
static void hide_dir(const char *dir) {
  if (unshare(CLONE_NEWNS) < 0) {
    fprintf(stderr, "startbench: --hide=%s: unshare(CLONE_NEWNS): %s\n", dir, strerror(errno));
    _exit(126);
  }
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    fprintf(stderr, "startbench: --hide=%s: making / private: %s\n", dir, strerror(errno));
    _exit(126);
  }
  if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=755") < 0) {
    fprintf(stderr, "startbench: --hide=%s: mounting a tmpfs there: %s\n", dir, strerror(errno));
    _exit(126);
  }
}

/* Runs argv once with stdin and stdout on /dev/null and stderr into err_fd; returns the wall
 * time in ms (the CPU time of the child tree in *cpu), or -1 when it did not exit 0 (with
 * *status set). */
static double run_once(const struct bench *b, int null_fd, int err_fd, int *status, double *cpu) {
  char **argv = b->argv;
  double start = now_ms();
  pid_t pid = fork();
  if (pid < 0) {
    perror("startbench: fork");
    exit(1);
  }
  if (pid == 0) {
    dup2(null_fd, 0);
    dup2(null_fd, 1);
    dup2(err_fd, 2);
    if (b->hide) hide_dir(b->hide);
    execvp(argv[0], argv);
    fprintf(stderr, "startbench: cannot run '%s': %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  struct rusage ru;
  while (wait4(pid, status, 0, &ru) < 0) {
    if (errno != EINTR) {
      perror("startbench: wait4");
      exit(1);
    }
  }
  double t = now_ms() - start;
  *cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  return WIFEXITED(*status) && WEXITSTATUS(*status) == 0 ? t : -1;
}

static void fail_run(const struct bench *b, int status, int err_fd) {
  if (WIFEXITED(status))
    fprintf(stderr, "startbench: %s: exited with status %d", b->label, WEXITSTATUS(status));
  else
    fprintf(stderr, "startbench: %s: killed by signal %d", b->label, WTERMSIG(status));
  fprintf(stderr, "; command:");
  for (char **a = b->argv; *a; a++) fprintf(stderr, " %s", *a);
  fprintf(stderr, "\nits stderr:\n");
  char buf[4096];
  ssize_t n;
  lseek(err_fd, 0, SEEK_SET);
  while ((n = read(err_fd, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stderr);
  exit(1);
}

static int usage(void) {
  fprintf(stderr,
          "usage: startbench [-n RUNS] [-w WARMUP] [-o TSV] -- LABEL [--hide=DIR] CMD [ARG]...\n"
          "                  [::: LABEL [--hide=DIR] CMD [ARG]...]...\n");
  return 2;
}

int main(int argc, char **argv) {
  int runs = 200, warmup = 10, opt;
  const char *tsv = NULL;
  while ((opt = getopt(argc, argv, "+n:w:o:")) != -1) {
    if (opt == 'n')
      runs = atoi(optarg);
    else if (opt == 'o')
      tsv = optarg;
    else if (opt == 'w')
      warmup = atoi(optarg);
    else
      return usage();
  }
  if (runs < 1 || warmup < 0 || optind >= argc) return usage();

  struct bench b[16];
  int nb = 0;
  for (int i = optind; i < argc;) {
    if (nb == 16) return usage();
    int end = i;
    while (end < argc && strcmp(argv[end], ":::") != 0) end++;
    if (end - i < 2) return usage();
    argv[end < argc ? end : argc] = NULL; /* argv[argc] is NULL already */
    b[nb].label = argv[i];
    b[nb].argv = argv + i + 1;
    b[nb].hide = NULL;
    if (strncmp(argv[i + 1], "--hide=", 7) == 0) {
      if (end - i < 3 || argv[i + 1][7] != '/') return usage();
      b[nb].hide = argv[i + 1] + 7;
      b[nb].argv++;
    }
    b[nb].ms = calloc((size_t)runs, sizeof(double));
    b[nb].cpu = calloc((size_t)runs, sizeof(double));
    if (!b[nb].ms || !b[nb].cpu) return 1;
    nb++;
    i = end + 1;
  }

  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  char err_path[] = "/tmp/startbench.XXXXXX";
  int err_fd = mkostemp(err_path, O_CLOEXEC);
  if (null_fd < 0 || err_fd < 0) {
    perror("startbench: /dev/null or a temporary file");
    return 1;
  }
  unlink(err_path);

  int status;
  for (int r = 0; r < warmup + runs; r++) {
    for (int k = 0; k < nb; k++) {
      struct bench *x = &b[(r + k) % nb];
      if (ftruncate(err_fd, 0) < 0 || lseek(err_fd, 0, SEEK_SET) < 0) {
        perror("startbench: truncating the stderr file");
        return 1;
      }
      double cpu = 0;
      double t = run_once(x, null_fd, err_fd, &status, &cpu);
      if (t < 0) fail_run(x, status, err_fd);
      if (r >= warmup) {
        x->ms[r - warmup] = t;
        x->cpu[r - warmup] = cpu;
      }
    }
  }

  FILE *out = NULL;
  if (tsv && !(out = fopen(tsv, "we"))) {
    fprintf(stderr, "startbench: %s: %s\n", tsv, strerror(errno));
    return 1;
  }
  printf(
      "%d runs each (after %d warm-up runs), alternating; times in ms; cpu: user+sys of the "
      "child tree\n",
      runs, warmup);
  printf("%-16s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", "", "median", "p90", "mean", "min", "max",
         "cpu med", "cpu p90", "x median", "x p90");
  double floor_med = 0, floor_p90 = 0;
  for (int k = 0; k < nb; k++) {
    double med, p90, cmed, cp90;
    quantiles(b[k].ms, runs, &med, &p90);
    quantiles(b[k].cpu, runs, &cmed, &cp90);
    double sum = 0;
    for (int i = 0; i < runs; i++) sum += b[k].ms[i];
    if (k == 0) {
      floor_med = med;
      floor_p90 = p90;
    }
    printf("%-16s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.2f %8.2f\n", b[k].label, med, p90,
           sum / runs, b[k].ms[0], b[k].ms[runs - 1], cmed, cp90, med / floor_med, p90 / floor_p90);
    if (out) fprintf(out, "%s\t%.3f\t%.3f\t%.3f\t%.3f\n", b[k].label, med, p90, cmed, cp90);
  }
  if (out && fclose(out) == EOF) {
    fprintf(stderr, "startbench: %s: %s\n", tsv, strerror(errno));
    return 1;
  }
  for (int k = 0; k < nb; k++) {
    printf("%s:", b[k].label);
    if (b[k].hide) printf(" [private mount namespace, tmpfs over %s]", b[k].hide);
    for (char **a = b[k].argv; *a; a++) printf(" %s", *a);
    printf("\n");
    free(b[k].ms);
    free(b[k].cpu);
  }
  return 0;
}
