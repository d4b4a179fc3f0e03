/* probe: a static helper that runs inside the sandbox and reports what it sees, one fact per
 * line, or performs one action the tests need. It links nothing but libc (statically), so it
 * runs in a root that holds nothing else.
 *
 *   probe [report] [PATH...]   the view: ids, maps, pids, hostname, mounts, fds, environment,
 *                              cwd, capabilities, signal state, and "exists=PATH yes|no" for
 *                              each PATH
 *   probe fds                  only the "fd=N" lines
 *   probe exit N               exits with status N
 *   probe kill SIG             kills itself with signal SIG (default disposition)
 *   probe sleep SECONDS [READY]
 *                              creates READY (if given), then sleeps
 *   probe spin SECONDS         burns CPU for SECONDS
 *   probe trap SIG MARKER READY SECONDS
 *                              on SIG, writes "caught SIG" to MARKER and exits 42; creates READY
 *                              when the handler is in place; exits 3 after SECONDS without it
 *   probe orphan SECONDS       double-forks a sleeper (re-parented to pid 1) that sleeps
 *                              SECONDS, prints "orphan=PID" and exits 0 at once
 *   probe zombies N            makes N orphans that exit at once, waits up to 5 s for pid 1 to
 *                              reap them, prints "zombies=K" (K still unreaped), exits 0
 *   probe write PATH           tries to create PATH and write to it: "write=PATH ok" or
 *                              "write=PATH error <strerror>"; exits 0 either way
 *   probe swap DIR LINK READY STOP SECONDS
 *                              the hostile half of the mount race (tests/mount-race.sh): makes
 *                              DIR/x an empty directory and DIR/x.swap a symlink to LINK,
 *                              creates READY, then swaps the two names (renameat2
 *                              RENAME_EXCHANGE) as fast as it can, emptying the directory now
 *                              and then, until STOP exists or SECONDS have passed; prints
 *                              "swaps=N"
 *
 * Output lines: key=value. Every argument after the subcommand's own can be a marker that
 * tests look for in /proc/PID/cmdline on the host; the probe ignores extra arguments. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what) {
  fprintf(stderr, "probe: %s: %s\n", what, strerror(errno));
  exit(99);
}

/* Prints each line of FILE as "key=line" (no trailing newline kept). */
static void print_file_lines(const char *key, const char *path) {
  FILE *f = fopen(path, "re");
  if (!f) {
    printf("%s=error %s\n", key, strerror(errno));
    return;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) > 0) {
    if (line[n - 1] == '\n') line[n - 1] = '\0';
    /* Collapse runs of spaces (uid_map pads its columns). */
    char *w = line;
    for (char *r = line; *r; r++) {
      if (isspace((unsigned char)*r)) {
        if (w == line || w[-1] == ' ') continue;
        *w++ = ' ';
      } else {
        *w++ = *r;
      }
    }
    if (w > line && w[-1] == ' ') w--;
    *w = '\0';
    printf("%s=%s\n", key, line);
  }
  free(line);
  fclose(f);
}

/* Prints "key=value" for the /proc/self/status fields named in `fields`. */
static void print_status_fields(void) {
  static const struct {
    const char *field, *key;
  } fields[] = {
      {"CapInh:", "capinh"},   {"CapPrm:", "capprm"}, {"CapEff:", "capeff"},
      {"CapBnd:", "capbnd"},   {"CapAmb:", "capamb"}, {"NoNewPrivs:", "nonewprivs"},
      {"Seccomp:", "seccomp"}, {"SigBlk:", "sigblk"}, {"SigIgn:", "sigign"},
  };
  FILE *f = fopen("/proc/self/status", "re");
  if (!f) {
    printf("status=error %s\n", strerror(errno));
    return;
  }
  char line[512];
  while (fgets(line, sizeof line, f)) {
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
      size_t l = strlen(fields[i].field);
      if (strncmp(line, fields[i].field, l) != 0) continue;
      char *v = line + l;
      while (*v == ' ' || *v == '\t') v++;
      v[strcspn(v, "\n")] = '\0';
      printf("%s=%s\n", fields[i].key, v);
    }
  }
  fclose(f);
}

static int is_number(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s)) return 0;
  return 1;
}

static void print_nprocs(void) {
  DIR *d = opendir("/proc");
  if (!d) {
    printf("nprocs=error %s\n", strerror(errno));
    return;
  }
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (is_number(e->d_name)) n++;
  closedir(d);
  printf("nprocs=%d\n", n);
}

static void print_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) {
    printf("fd=error %s\n", strerror(errno));
    return;
  }
  int self = dirfd(d);
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!is_number(e->d_name)) continue;
    int fd = atoi(e->d_name);
    if (fd == self) continue;
    char path[64], target[4096];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    printf("fd=%d\n", fd);
    printf("fdpath=%d %s\n", fd, target);
  }
  closedir(d);
}

/* mount=<mountpoint> <fstype> <options>: options are the per-mount and the superblock options
 * joined by a comma. */
static void print_mounts(void) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) {
    printf("mount=error %s\n", strerror(errno));
    return;
  }
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    line[strcspn(line, "\n")] = '\0';
    /* id parent major:minor root mountpoint options [optional...] - fstype source superopts */
    char *fields[6] = {0};
    char *save = NULL, *tok = strtok_r(line, " ", &save);
    for (int i = 0; tok && i < 6; i++, tok = strtok_r(NULL, " ", &save)) fields[i] = tok;
    if (!fields[5]) continue;
    char *fstype = NULL, *superopts = NULL;
    for (; tok; tok = strtok_r(NULL, " ", &save)) {
      if (strcmp(tok, "-") == 0) {
        fstype = strtok_r(NULL, " ", &save);
        (void)strtok_r(NULL, " ", &save); /* source */
        superopts = strtok_r(NULL, " ", &save);
        break;
      }
    }
    printf("mount=%s %s %s%s%s\n", fields[4], fstype ? fstype : "?", fields[5],
           superopts ? "," : "", superopts ? superopts : "");
  }
  free(line);
  fclose(f);
}

static void report(int npaths, char **paths) {
  printf("uid=%u\n", (unsigned)getuid());
  printf("gid=%u\n", (unsigned)getgid());
  printf("euid=%u\n", (unsigned)geteuid());
  printf("egid=%u\n", (unsigned)getegid());
  gid_t groups[256];
  int ng = getgroups(256, groups);
  printf("groups=");
  for (int i = 0; i < ng; i++) printf("%s%u", i ? "," : "", (unsigned)groups[i]);
  printf("\n");
  print_file_lines("uid_map", "/proc/self/uid_map");
  print_file_lines("gid_map", "/proc/self/gid_map");
  print_file_lines("setgroups", "/proc/self/setgroups");
  printf("pid=%d\n", (int)getpid());
  printf("ppid=%d\n", (int)getppid());
  print_nprocs();
  char host[256];
  if (gethostname(host, sizeof host) == 0)
    printf("hostname=%s\n", host);
  else
    printf("hostname=error %s\n", strerror(errno));
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd))
    printf("cwd=%s\n", cwd);
  else
    printf("cwd=error %s\n", strerror(errno));
  mode_t m = umask(0);
  umask(m);
  printf("umask=%04o\n", (unsigned)m);
  for (char **e = environ; e && *e; e++) printf("env=%s\n", *e);
  print_status_fields();
  print_fds();
  print_mounts();
  for (int i = 0; i < npaths; i++) {
    struct stat st;
    printf("exists=%s %s\n", paths[i], lstat(paths[i], &st) == 0 ? "yes" : "no");
  }
  fflush(stdout);
}

static void touch(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die(path);
  if (text && write(fd, text, strlen(text)) < 0) die(path);
  if (close(fd) < 0) die(path);
}

static void sleep_seconds(double s) {
  struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

static const char *trap_marker;
static volatile sig_atomic_t trap_sig;

static void on_signal(int sig) {
  /* Only async-signal-safe calls here. */
  int fd = open(trap_marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    char msg[32] = "caught ";
    size_t l = strlen(msg);
    if (sig >= 10) msg[l++] = (char)('0' + sig / 10);
    msg[l++] = (char)('0' + sig % 10);
    msg[l++] = '\n';
    ssize_t w = write(fd, msg, l);
    (void)w;
    close(fd);
  }
  _exit(42);
}

static int parse_signal(const char *s) {
  static const struct {
    const char *name;
    int sig;
  } names[] = {{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
               {"SEGV", SIGSEGV}, {"TERM", SIGTERM}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
               {"ABRT", SIGABRT}, {"PIPE", SIGPIPE}};
  if (strncmp(s, "SIG", 3) == 0) s += 3;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(s, names[i].name) == 0) return names[i].sig;
  return atoi(s);
}

/* probe swap: see the header. Both names live in DIR; after an odd number of exchanges the
 * directory is at x.swap. */
static int swap_loop(const char *dir, const char *link, const char *ready, const char *stop,
                     double seconds) {
  int d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) die("open DIR");
  if (mkdirat(d, "x", 0755) < 0) die("mkdir x");
  if (symlinkat(link, d, "x.swap") < 0) die("symlink x.swap");
  touch(ready, NULL);
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  unsigned long n = 0;
  for (;;) {
    if (renameat2(d, "x", d, "x.swap", RENAME_EXCHANGE) < 0) die("renameat2");
    n++;
    if (n % 64 == 0) {
      /* What a victim made in the real directory would stop its next mkdir: remove it. */
      const char *real = n % 2 ? "x.swap" : "x";
      char p[64];
      snprintf(p, sizeof p, "%s/sub/mnt", real);
      unlinkat(d, p, AT_REMOVEDIR);
      snprintf(p, sizeof p, "%s/sub", real);
      unlinkat(d, p, AT_REMOVEDIR);
    }
    if (n % 1024 == 0) {
      if (access(stop, F_OK) == 0) break;
      clock_gettime(CLOCK_MONOTONIC, &now);
      if ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 >
          seconds)
        break;
    }
  }
  printf("swaps=%lu\n", n);
  return 0;
}

static int usage(void) {
  fprintf(stderr,
          "usage: probe [report] [PATH...] | fds | exit N | kill SIG | sleep S [READY] |"
          " spin S | trap SIG MARKER READY S | orphan S | zombies N | write PATH |"
          " swap DIR LINK READY STOP S\n");
  return 2;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  const char *cmd = argc > 1 ? argv[1] : "report";

  if (strcmp(cmd, "report") == 0) {
    report(argc > 2 ? argc - 2 : 0, argv + 2);
    return 0;
  }
  if (cmd[0] == '/') { /* probe PATH...: a report with paths */
    report(argc - 1, argv + 1);
    return 0;
  }
  if (strcmp(cmd, "fds") == 0) {
    print_fds();
    return 0;
  }
  if (strcmp(cmd, "exit") == 0 && argc > 2) return atoi(argv[2]);
  if (strcmp(cmd, "kill") == 0 && argc > 2) {
    int sig = parse_signal(argv[2]);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    fflush(stdout);
    raise(sig);
    return 98;
  }
  if (strcmp(cmd, "sleep") == 0 && argc > 2) {
    if (argc > 3) touch(argv[3], NULL);
    sleep_seconds(atof(argv[2]));
    return 0;
  }
  if (strcmp(cmd, "spin") == 0 && argc > 2) {
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    double s = atof(argv[2]);
    volatile unsigned long x = 0;
    do {
      for (int i = 0; i < 1000000; i++) x += (unsigned long)i;
      clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 < s);
    return 0;
  }
  if (strcmp(cmd, "trap") == 0 && argc > 5) {
    int sig = parse_signal(argv[2]);
    trap_marker = argv[3];
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) < 0) die("sigaction");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    touch(argv[4], NULL);
    sleep_seconds(atof(argv[5]));
    return 3;
  }
  if (strcmp(cmd, "orphan") == 0 && argc > 2) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) die("pipe");
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
      pid_t grandchild = fork();
      if (grandchild < 0) die("fork");
      if (grandchild == 0) {
        close(p[0]);
        /* Detach from the job's stdio so that nobody waits for our output. */
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
          dup2(null, 0);
          dup2(null, 1);
          dup2(null, 2);
        }
        pid_t me = getpid();
        ssize_t w = write(p[1], &me, sizeof me);
        (void)w;
        close(p[1]);
        sleep_seconds(atof(argv[2]));
        _exit(0);
      }
      _exit(0);
    }
    close(p[1]);
    int status;
    if (waitpid(child, &status, 0) < 0) die("waitpid");
    pid_t orphan = 0;
    if (read(p[0], &orphan, sizeof orphan) != (ssize_t)sizeof orphan) die("read orphan pid");
    close(p[0]);
    /* Wait until the orphan has been re-parented (to pid 1 of our pid namespace). */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)orphan);
    for (int i = 0; i < 500; i++) {
      FILE *f = fopen(path, "re");
      if (!f) break;
      int pid, ppid;
      char comm[64], state;
      int n = fscanf(f, "%d %63s %c %d", &pid, comm, &state, &ppid);
      fclose(f);
      if (n == 4 && ppid != getpid()) {
        printf("orphan_ppid=%d\n", ppid);
        break;
      }
      sleep_seconds(0.01);
    }
    printf("orphan=%d\n", (int)orphan);
    return 0;
  }
  if (strcmp(cmd, "zombies") == 0 && argc > 2) {
    int n = atoi(argv[2]);
    pid_t *pids = calloc((size_t)n, sizeof *pids);
    if (!pids) die("calloc");
    for (int i = 0; i < n; i++) {
      int p[2];
      if (pipe2(p, O_CLOEXEC) < 0) die("pipe");
      pid_t child = fork();
      if (child < 0) die("fork");
      if (child == 0) {
        pid_t parent = getpid();
        pid_t g = fork();
        if (g == 0) {
          /* Exit only once our parent has exited, so that we die as an orphan. */
          close(p[0]);
          close(p[1]);
          while (getppid() == parent) sleep_seconds(0.001);
          _exit(0);
        }
        ssize_t w = write(p[1], &g, sizeof g);
        (void)w;
        _exit(0);
      }
      close(p[1]);
      int status;
      if (waitpid(child, &status, 0) < 0) die("waitpid");
      if (read(p[0], &pids[i], sizeof pids[i]) != (ssize_t)sizeof pids[i]) die("read");
      close(p[0]);
    }
    /* The orphans exit once their parents are gone; pid 1 must reap them while we still run. */
    int left = n;
    for (int t = 0; t < 500 && left > 0; t++) {
      left = 0;
      for (int i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d", (int)pids[i]);
        if (access(path, F_OK) == 0) left++;
      }
      if (left) sleep_seconds(0.01);
    }
    free(pids);
    printf("zombies=%d\n", left);
    return 0;
  }
  if (strcmp(cmd, "write") == 0 && argc > 2) {
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, "probe\n", 6) != 6) {
      printf("write=%s error %s\n", argv[2], strerror(errno));
    } else {
      printf("write=%s ok\n", argv[2]);
    }
    if (fd >= 0) close(fd);
    return 0;
  }
  if (strcmp(cmd, "swap") == 0 && argc > 6)
    return swap_loop(argv[2], argv[3], argv[4], argv[5], atof(argv[6]));
  return usage();
}
