/* limits-helper: a static program that runs inside the sandbox for the limit and measurement
 * tests (tests/test-limits.c), on the host and in the cgroup v2 VM. It measures itself with
 * CLOCK_PROCESS_CPUTIME_ID and prints what it measured on stdout.
 *
 *   burn SECONDS            burn CPU in this process; prints "cpu SECONDS"
 *   burn-threads N SECONDS  burn it in N threads (the process total); prints "cpu SECONDS"
 *   burn-procs N SECONDS    burn it in N child processes (the sum); prints "cpu SECONDS"
 *   touch MIB               touch MIB MiB of anonymous memory; prints "touched MIB"
 *   hog                     allocate and touch 16 MiB chunks until 1 GiB or killed
 *   forkbomb [MARKER [HOLD]]
 *                           fork until refused (children wait); exit 1 when refused, after HOLD
 *                           seconds (default 0) with every process still there; MARKER is
 *                           ignored: tests find the bomb's processes by it on the host
 *   spin                    loop forever
 *   sleep SECONDS           sleep
 *   segv                    die of SIGSEGV
 *   exit CODE               exit with CODE
 *   write N [N2]            write N bytes (byte i is i % 251) to stdout, then N2 to stderr
 *   sendout SOCKET          connect to the unix socket SOCKET, pass it fd 1 (SCM_RIGHTS), wait
 *                           for a byte back, print "sent" and exit: the output-capture attack
 *                           of tests/test-limits.c (a writer outside the sandbox) */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double process_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double target;

static void *burner(void *arg) {
  (void)arg;
  volatile unsigned long x = 0;
  while (process_cpu() < target) x++;
  return NULL;
}

static int burn_threads(int n, double seconds) {
  target = process_cpu() + seconds;
  pthread_t t[64];
  if (n < 1 || n > 64) return 2;
  for (int i = 0; i < n; i++)
    if (pthread_create(&t[i], NULL, burner, NULL) != 0) return 3;
  for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
  printf("cpu %.6f\n", process_cpu());
  return 0;
}

static int burn_procs(int n, double seconds) {
  int p[2];
  if (pipe(p) < 0) return 3;
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) return 3;
    if (pid == 0) {
      target = process_cpu() + seconds / n;
      burner(NULL);
      double own = process_cpu();
      if (write(p[1], &own, sizeof own) != sizeof own) _exit(1);
      _exit(0);
    }
  }
  close(p[1]);
  double sum = 0, v;
  while (read(p[0], &v, sizeof v) == sizeof v) sum += v;
  while (wait(NULL) > 0) {
  }
  printf("cpu %.6f\n", sum + process_cpu());
  return 0;
}

static int sendout(const char *path) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (s < 0 || strlen(path) >= sizeof a.sun_path) return 3;
  strcpy(a.sun_path, path);
  if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
    perror("connect");
    return 3;
  }
  char byte = 'x';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } c;
  memset(&c, 0, sizeof c);
  struct msghdr m = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof c.buf};
  struct cmsghdr *h = CMSG_FIRSTHDR(&m);
  h->cmsg_level = SOL_SOCKET;
  h->cmsg_type = SCM_RIGHTS;
  h->cmsg_len = CMSG_LEN(sizeof(int));
  int one = 1;
  memcpy(CMSG_DATA(h), &one, sizeof one);
  if (sendmsg(s, &m, 0) != 1 || read(s, &byte, 1) != 1) {
    perror("sendmsg");
    return 3;
  }
  printf("sent\n");
  return 0;
}

static int touch(long mib) {
  size_t n = (size_t)mib << 20;
  char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) {
    perror("mmap");
    return 3;
  }
  for (size_t i = 0; i < n; i += 4096) m[i] = 1;
  printf("touched %ld\n", mib);
  return 0;
}

/* term-tree N: N children and this process wait for SIGTERM (blocked from the start, so none is
 * lost); each child then writes "c" and exits, this process waits for them, writes "p\n" and
 * exits 7: the output says that every process of the tree got the SIGTERM. */
static int term_tree(int n) {
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &term, NULL) < 0) return 3;
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) return 3;
    if (pid == 0) {
      int sig;
      sigwait(&term, &sig);
      _exit(write(1, "c", 1) == 1 ? 0 : 5);
    }
  }
  int sig;
  sigwait(&term, &sig);
  while (wait(NULL) > 0) {
  }
  return write(1, "p\n", 2) == 2 ? 7 : 5;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc < 2) return 2;
  const char *cmd = argv[1];
  if (!strcmp(cmd, "burn") && argc == 3) return burn_threads(1, atof(argv[2]));
  if (!strcmp(cmd, "burn-threads") && argc == 4) return burn_threads(atoi(argv[2]), atof(argv[3]));
  if (!strcmp(cmd, "burn-procs") && argc == 4) return burn_procs(atoi(argv[2]), atof(argv[3]));
  if (!strcmp(cmd, "touch") && argc == 3) return touch(atol(argv[2]));
  if (!strcmp(cmd, "hog")) {
    for (int i = 0; i < 64; i++) {
      char *m = malloc(16 << 20);
      if (!m) return 3;
      memset(m, 1, 16 << 20);
    }
    return 0;
  }
  if (!strcmp(cmd, "forkbomb")) {
    for (;;) {
      pid_t pid = fork();
      if (pid < 0) {
        fprintf(stderr, "fork: %s\n", strerror(errno));
        double hold = argc > 3 ? atof(argv[3]) : 0;
        struct timespec ts = {(time_t)hold, (long)((hold - (double)(time_t)hold) * 1e9)};
        while (hold > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR) {
        }
        return 1;
      }
      if (pid == 0) {
        for (;;) pause();
      }
    }
  }
  if (!strcmp(cmd, "term-tree") && argc == 3) return term_tree(atoi(argv[2]));
  if (!strcmp(cmd, "ignore-term")) {
    signal(SIGTERM, SIG_IGN);
    if (fork() < 0) return 3; /* a child that ignores it too */
    for (;;) pause();
  }
  if (!strcmp(cmd, "spin")) {
    volatile unsigned long x = 0;
    for (;;) x++;
  }
  if (!strcmp(cmd, "sleep") && argc == 3) {
    double s = atof(argv[2]);
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
    return 0;
  }
  if (!strcmp(cmd, "segv")) {
    raise(SIGSEGV);
    return 4;
  }
  if (!strcmp(cmd, "sendout") && argc == 3) return sendout(argv[2]);
  if (!strcmp(cmd, "exit") && argc == 3) return atoi(argv[2]);
  if (!strcmp(cmd, "write") && (argc == 3 || argc == 4)) {
    static char buf[65536];
    for (int fd = 1; fd <= argc - 2; fd++) {
      long long n = atoll(argv[fd + 1]), done = 0;
      while (done < n) {
        size_t k = n - done < (long long)sizeof buf ? (size_t)(n - done) : sizeof buf;
        for (size_t i = 0; i < k; i++) buf[i] = (char)((done + (long long)i) % 251);
        ssize_t w = write(fd, buf, k);
        if (w <= 0) return 5;
        done += w;
      }
    }
    return 0;
  }
  fprintf(stderr, "limits-helper: bad arguments\n");
  return 2;
}
