/* libloop: throughput of many short runs, through the library in one process or by fork+exec.
 *
 *   libloop [-n RUNS] [-j STREAMS] [-p PROFILE] [-s KEY=VALUE]... lib [CMD [ARG]...]
 *   libloop [-n RUNS] [-j STREAMS] exec CMD [ARG]...
 *
 * lib: loads PROFILE (default judge; -s as `sandbox run --set`) once through the library
 * (sbx_spec_load_profile, the stock profiles found in $SANDBOX_PROFILE_PATH), sets its command
 * (default /bin/true) and calls sbx_run RUNS times, the job's stdin, stdout and stderr on
 * /dev/null; every run must end with status ok. exec: RUNS times fork + execvp + wait4 of CMD
 * (a bare exec loop, or the CLI), every run must exit 0.
 *
 * With -j STREAMS > 1 the RUNS are shared out among STREAMS forked processes (not threads),
 * each doing its share in a loop; the time is from before the first fork to the last wait. With
 * one stream the loop runs in this process itself.
 *
 * Prints one line: "MODE runs=N streams=J seconds=S runs_per_s=R us_per_run=U maxrss_kib=K",
 * where maxrss_kib is this process's own peak RSS (getrusage(RUSAGE_SELF)), or of the largest
 * stream process with -j > 1 (each stream's own, from its report; not its children's). Exits 1,
 * saying why, when a run fails. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SETS 32

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void) {
  fprintf(stderr,
          "usage: libloop [-n RUNS] [-j STREAMS] [-p PROFILE] [-s KEY=VALUE]... lib "
          "[CMD [ARG]...]\n"
          "       libloop [-n RUNS] [-j STREAMS] exec CMD [ARG]...\n");
  return 2;
}

static void print_chain(const char *what, const sbx_error *err) {
  fprintf(stderr, "libloop: %s", what);
  for (const sbx_error *e = err; e; e = e->next) fprintf(stderr, ": %s", e->message);
  fprintf(stderr, "\n");
}

/* The profile, loaded once, with its command set. */
static sbx_spec *load_spec(const char *profile, const char **sets, size_t n_sets, char **cmd,
                           int n_cmd) {
  const char *dirs[64];
  size_t n_dirs = 0;
  char *path = NULL;
  const char *env = getenv("SANDBOX_PROFILE_PATH");
  if (env && *env) {
    path = strdup(env);
    if (!path) return NULL;
    char *save = NULL;
    for (char *d = strtok_r(path, ":", &save); d && n_dirs < 64; d = strtok_r(NULL, ":", &save))
      dirs[n_dirs++] = d;
  }
  sbx_load_options lo = {0};
  lo.sets = sets;
  lo.n_sets = n_sets;
  lo.search_path = n_dirs ? dirs : NULL;
  lo.n_search_path = n_dirs;
  sbx_spec *spec = NULL;
  sbx_error *err = NULL;
  int rc = sbx_spec_load_profile(profile, &lo, &spec, &err);
  free(path);
  if (rc < 0) {
    print_chain(profile, err);
    sbx_error_free(err);
    return NULL;
  }
  static const char *const dflt[] = {"/bin/true"};
  const char *const *argv = n_cmd ? (const char *const *)cmd : dflt;
  if (sbx_spec_set_args(spec, argv, n_cmd ? (size_t)n_cmd : 1, &err) < 0) {
    print_chain("setting the command", err);
    sbx_error_free(err);
    sbx_spec_free(spec);
    return NULL;
  }
  return spec;
}

/* `runs` runs through the library; 0, or -1 after saying why one failed. */
static int loop_lib(const sbx_spec *spec, int runs, int null_fd) {
  sbx_run_options ro;
  sbx_run_options_init(&ro);
  ro.stdin_fd = ro.stdout_fd = ro.stderr_fd = null_fd;
  for (int i = 0; i < runs; i++) {
    sbx_result result;
    sbx_error *err = NULL;
    int rc = sbx_run(spec, &ro, &result, &err);
    if (rc < 0 || result.status != SBX_STATUS_OK) {
      char what[128];
      snprintf(what, sizeof what, "run %d: status %s (exit %d, signal %d)", i + 1,
               sbx_status_name(result.status), result.exit_code, result.signal);
      print_chain(what, err);
      sbx_error_free(err);
      if (rc == 0) sbx_result_clear(&result);
      return -1;
    }
    sbx_result_clear(&result);
  }
  return 0;
}

/* `runs` fork+exec+wait of argv; 0, or -1 after saying why one failed. */
static int loop_exec(char **argv, int runs, int null_fd) {
  for (int i = 0; i < runs; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      perror("libloop: fork");
      return -1;
    }
    if (pid == 0) {
      dup2(null_fd, 0);
      dup2(null_fd, 1);
      execvp(argv[0], argv);
      fprintf(stderr, "libloop: cannot run '%s': %s\n", argv[0], strerror(errno));
      _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) {
        perror("libloop: waitpid");
        return -1;
      }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "libloop: run %d of %s: %s %d\n", i + 1, argv[0],
              WIFEXITED(status) ? "exited with status" : "killed by signal",
              WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
      return -1;
    }
  }
  return 0;
}

static long self_maxrss_kib(void) {
  struct rusage ru;
  return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

int main(int argc, char **argv) {
  int runs = 1000, streams = 1, opt;
  const char *profile = "judge";
  const char *sets[MAX_SETS];
  size_t n_sets = 0;
  while ((opt = getopt(argc, argv, "+n:j:p:s:")) != -1) {
    switch (opt) {
    case 'n': runs = atoi(optarg); break;
    case 'j': streams = atoi(optarg); break;
    case 'p': profile = optarg; break;
    case 's':
      if (n_sets == MAX_SETS) return usage();
      sets[n_sets++] = optarg;
      break;
    default: return usage();
    }
  }
  if (runs < 0 || streams < 1 || optind >= argc) return usage();
  const char *mode = argv[optind];
  bool lib = strcmp(mode, "lib") == 0;
  if (!lib && strcmp(mode, "exec") != 0) return usage();
  char **cmd = argv + optind + 1;
  int n_cmd = argc - optind - 1;
  if (!lib && n_cmd == 0) return usage();

  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) {
    perror("libloop: /dev/null");
    return 1;
  }
  sbx_spec *spec = NULL;
  if (lib && !(spec = load_spec(profile, sets, n_sets, cmd, n_cmd))) return 1;

  double t0 = now_s();
  int bad = 0;
  long maxrss = 0;
  if (streams == 1) {
    bad = (lib ? loop_lib(spec, runs, null_fd) : loop_exec(cmd, runs, null_fd)) < 0;
    maxrss = self_maxrss_kib();
  } else {
    /* Each stream reports its own peak RSS through a pipe: wait4's rusage would be the
     * maximum over the stream and the sandboxes it ran. */
    int pfd[2];
    if (pipe(pfd) < 0) {
      perror("libloop: pipe");
      return 1;
    }
    for (int s = 0; s < streams; s++) {
      int share = runs / streams + (s < runs % streams);
      pid_t pid = fork();
      if (pid < 0) {
        perror("libloop: fork");
        return 1;
      }
      if (pid == 0) {
        close(pfd[0]);
        int rc = lib ? loop_lib(spec, share, null_fd) : loop_exec(cmd, share, null_fd);
        long kib = self_maxrss_kib();
        if (write(pfd[1], &kib, sizeof kib) != (ssize_t)sizeof kib) _exit(1);
        _exit(rc < 0);
      }
    }
    close(pfd[1]);
    long kib;
    while (read(pfd[0], &kib, sizeof kib) == (ssize_t)sizeof kib)
      if (kib > maxrss) maxrss = kib;
    close(pfd[0]);
    int status;
    pid_t pid;
    while ((pid = wait(&status)) > 0 || errno == EINTR)
      if (pid > 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) bad = 1;
  }
  double secs = now_s() - t0;
  sbx_spec_free(spec);
  if (bad) return 1;
  printf("%s runs=%d streams=%d seconds=%.3f runs_per_s=%.1f us_per_run=%.1f maxrss_kib=%ld\n",
         mode, runs, streams, secs, runs ? runs / secs : 0.0, runs ? secs * 1e6 / runs : 0.0,
         maxrss);
  return 0;
}
