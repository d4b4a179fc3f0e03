/* startbench: times the start-up of sandboxes. Each command is run many times by fork+exec,
 * timed from before fork() to the return of waitpid() with CLOCK_MONOTONIC, the commands
 * alternating (the order rotates every round so that none always runs first). The first
 * command is the floor that the others are compared with.
 *
 *   startbench [-n RUNS] [-w WARMUP] -- LABEL CMD [ARG]... [::: LABEL CMD [ARG]...]...
 *
 * Prints, per command, the median, p90, mean, min and max in milliseconds and the ratio of its
 * median (and p90) to the floor's. Every run must exit 0: a failure is printed with the
 * command's stderr and ends the benchmark with status 1. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct bench {
  const char *label;
  char **argv;
  double *ms;
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

/* Runs argv once with stdin and stdout on /dev/null and stderr into err_fd; returns the wall
 * time in ms, or -1 when it did not exit 0 (with *status set). */
static double run_once(char **argv, int null_fd, int err_fd, int *status) {
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
    execvp(argv[0], argv);
    fprintf(stderr, "startbench: cannot run '%s': %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  while (waitpid(pid, status, 0) < 0) {
    if (errno != EINTR) {
      perror("startbench: waitpid");
      exit(1);
    }
  }
  double t = now_ms() - start;
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
          "usage: startbench [-n RUNS] [-w WARMUP] -- LABEL CMD [ARG]... [::: LABEL CMD...]...\n");
  return 2;
}

int main(int argc, char **argv) {
  int runs = 200, warmup = 10, opt;
  while ((opt = getopt(argc, argv, "+n:w:")) != -1) {
    if (opt == 'n')
      runs = atoi(optarg);
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
    b[nb].ms = calloc((size_t)runs, sizeof(double));
    if (!b[nb].ms) return 1;
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
      double t = run_once(x->argv, null_fd, err_fd, &status);
      if (t < 0) fail_run(x, status, err_fd);
      if (r >= warmup) x->ms[r - warmup] = t;
    }
  }

  printf("%d runs each (after %d warm-up runs), alternating; times in ms\n", runs, warmup);
  printf("%-10s %9s %9s %9s %9s %9s %9s %9s\n", "", "median", "p90", "mean", "min", "max",
         "x median", "x p90");
  double floor_med = 0, floor_p90 = 0;
  for (int k = 0; k < nb; k++) {
    qsort(b[k].ms, (size_t)runs, sizeof(double), cmp_double);
    double med = runs % 2 ? b[k].ms[runs / 2] : (b[k].ms[runs / 2 - 1] + b[k].ms[runs / 2]) / 2;
    int i90 = (int)(0.9 * runs + 0.5) - 1;
    double p90 = b[k].ms[i90 < 0 ? 0 : i90];
    double sum = 0;
    for (int i = 0; i < runs; i++) sum += b[k].ms[i];
    if (k == 0) {
      floor_med = med;
      floor_p90 = p90;
    }
    printf("%-10s %9.3f %9.3f %9.3f %9.3f %9.3f %9.2f %9.2f\n", b[k].label, med, p90, sum / runs,
           b[k].ms[0], b[k].ms[runs - 1], med / floor_med, p90 / floor_p90);
  }
  for (int k = 0; k < nb; k++) {
    printf("%s:", b[k].label);
    for (char **a = b[k].argv; *a; a++) printf(" %s", *a);
    printf("\n");
    free(b[k].ms);
  }
  return 0;
}
