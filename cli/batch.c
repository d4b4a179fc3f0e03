/* batch.c: `sandbox batch`, the supervisor: it reads request lines from stdin, hands each to an
 * idle worker process (batch-worker.c; -j of them, forked at start-up with the default
 * profile's spec in their cache), and writes each report line to stdout as it comes back.
 * Every line read gets exactly one report line. It stays single-threaded: the runs happen in
 * the workers, one at a time each, never in threads (fork in a multi-threaded process is not
 * safe for every allocator, ASan's among them). */
#include "batch.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 64
/* After SIGINT or SIGTERM, how long the running jobs have to end on the signal (forwarded to
 * them) before their workers are killed and their cgroups removed. */
#define STOP_GRACE_S 2.0

void usage_batch(FILE *f) {
  fprintf(f,
          "Usage: sandbox batch [-j N] [-p PROFILE] [-q]\n"
          "Runs jobs for a judge or a build worker: one JSON request per line on stdin, one\n"
          "JSON report per request on stdout, in the order the jobs end. A request:\n"
          "  {\"id\": ANY, \"profile\": \"judge\", \"argv\": [\"./sol\"], \"set\": "
          "{\"limits.memory\":\n"
          "   \"64M\"}, \"env\": {\"K\": \"V\"}, \"cwd\": DIR, \"stdin\": FILE, \"stdout\": FILE,\n"
          "   \"stderr\": FILE}\n"
          "(all optional but a command, from argv or the profile). A report is the object of\n"
          "'sandbox run --report' with \"id\" and \"line\" added; a bad request is answered with\n"
          "status \"setup_error\" and a message, and the batch goes on.\n"
          "\n"
          "  -j, --jobs=N           run up to N jobs at once (default 1, at most 64)\n"
          "  -p, --profile=NAME|PATH  the profile of requests without \"profile\" (default:\n"
          "                         'default')\n"
          "  -q, --quiet            no warning of limits not enforced\n"
          "  -h, --help             show this help\n"
          "\n"
          "Exit status: 0 at the end of the input, once every job has ended; 128+N when\n"
          "signal N stopped the batch; 125 when the batch itself failed (stdout unwritable).\n");
}

struct worker {
  pid_t pid; /* 0: none (not started, or ended) */
  int fd;
  bool busy;
  uint64_t line;
  char *req; /* the request it runs, for a report of its own when the worker dies */
  size_t len;
};

typedef struct batch {
  struct worker w[MAX_WORKERS];
  int n;
  const char *profile;
  bool quiet;
  pid_t self;
  int sigfd;
  char *buf; /* input read and not yet taken */
  size_t len, cap;
  bool eof, skipping, closed;
  uint64_t lines;    /* the number of the last line taken */
  int stop_signal;   /* the signal that stopped the batch */
  bool stopping;     /* no more requests: SIGINT/SIGTERM or a failure */
  double deadline;   /* when stopping: when the workers left are killed */
  bool failed;       /* stdout could not be written, or a worker could not be started */
  bool warned;       /* the degraded-limits warning was printed */
  bool need_gc;      /* a worker died in a run: its cgroup is left */
  char **gc_parents; /* cgroup parents given in the "set" of the runs killed */
  size_t n_gc;
} batch;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void begin_stop(batch *b, int signo);

/* The degraded-limits warning, once per batch: each report says it too. */
static void note_degraded(batch *b, const char *line) {
  if (b->quiet || b->warned) return;
  json_t *r = json_loads(line, 0, NULL);
  json_t *deg = json_object_get(r, "degraded");
  const char *status = json_string_value(json_object_get(r, "status"));
  if (json_array_size(deg) > 0 && status && strcmp(status, "setup_error") != 0) {
    const char *cause = json_string_value(json_object_get(r, "degraded_cause"));
    fprintf(stderr, "%s: batch: warning: %s: ", prog, cause ? cause : "limits not enforced");
    for (size_t i = 0; i < json_array_size(deg); i++)
      fprintf(stderr, "%s%s", i ? ", " : "", json_string_value(json_array_get(deg, i)) ?: "?");
    fprintf(stderr, " not enforced (each report's \"degraded\" says which, for its job)\n");
    b->warned = true;
  }
  json_decref(r);
}

static void emit(batch *b, char *line) {
  if (!line) {
    complain("batch: out of memory building a report");
    b->failed = true;
    begin_stop(b, 0);
    return;
  }
  size_t n = strlen(line);
  const char *p = line;
  while (!b->failed && n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      complain("batch: write a report to stdout: %s", strerror(errno));
      b->failed = true;
      begin_stop(b, 0);
      break;
    }
    p += w;
    n -= (size_t)w;
  }
  if (!b->failed) note_degraded(b, line);
  free(line);
}

static void emit_error(batch *b, const char *req, size_t len, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void emit_error(batch *b, const char *req, size_t len, uint64_t line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *m = NULL;
  if (vasprintf(&m, fmt, ap) < 0) m = NULL;
  va_end(ap);
  emit(b, m ? batch_error_line(req, len, line, m) : NULL);
  free(m);
}

static int spawn(batch *b, int i) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
    complain("batch: socketpair for a worker: %s", strerror(errno));
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    complain("batch: fork a worker: %s", strerror(errno));
    close(sv[0]);
    close(sv[1]);
    return -1;
  }
  if (pid == 0) {
    close(sv[0]);
    close(b->sigfd);
    for (int k = 0; k < b->n; k++)
      if (k != i && b->w[k].pid > 0) close(b->w[k].fd);
    batch_worker_main(sv[1], b->self, b->profile);
  }
  close(sv[1]);
  b->w[i] = (struct worker){.pid = pid, .fd = sv[0]};
  return 0;
}

static const char *signame(int s) {
  static char buf[32];
  snprintf(buf, sizeof buf, "SIG%s", sigabbrev_np(s) ?: "?");
  return buf;
}

/* The request's "set" names a cgroup parent: its cgroup is there, for the gc after a kill. */
static void remember_gc_parent(batch *b, const struct worker *w) {
  json_t *req = json_loadb(w->req, w->len, JSON_DECODE_ANY, NULL);
  const char *p = json_string_value(json_object_get(json_object_get(req, "set"), "cgroup_parent"));
  char **v = p ? realloc(b->gc_parents, (b->n_gc + 1) * sizeof *v) : NULL;
  if (v) {
    b->gc_parents = v;
    if ((v[b->n_gc] = strdup(p))) b->n_gc++;
  }
  json_decref(req);
}

/* A worker's end: reaped, and its run's request answered when it had one. `why` is NULL for a
 * worker that ended at the end of its input. */
static void worker_ended(batch *b, int i, const char *why) {
  struct worker *w = &b->w[i];
  close(w->fd);
  int st = 0;
  while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR) {
  }
  char how[64];
  if (WIFSIGNALED(st))
    snprintf(how, sizeof how, "killed by %s", signame(WTERMSIG(st)));
  else
    snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(st));
  if (w->busy) {
    b->need_gc = true;
    remember_gc_parent(b, w);
    if (why)
      emit_error(b, w->req, w->len, w->line, "%s", why);
    else
      emit_error(b, w->req, w->len, w->line,
                 "the batch's worker process %d ended (%s) before the job's report", (int)w->pid,
                 how);
  } else if (!why && !(WIFEXITED(st) && WEXITSTATUS(st) == 0) && !b->stopping) {
    complain("batch: worker process %d ended (%s)", (int)w->pid, how);
  }
  free(w->req);
  *w = (struct worker){.fd = -1};
  /* A worker lost while requests may still come is replaced. */
  if (!b->stopping && !b->closed && spawn(b, i) < 0) {
    b->failed = true;
    begin_stop(b, 0);
  }
}

/* The next complete line in the input (the last one may end without a newline at EOF). */
static bool next_line(const batch *b, size_t *len, size_t *used) {
  char *nl = b->len ? memchr(b->buf, '\n', b->len) : NULL;
  if (nl) {
    *len = (size_t)(nl - b->buf);
    *used = *len + 1;
    return true;
  }
  if (b->eof && b->len > 0) {
    *len = *used = b->len;
    return true;
  }
  return false;
}

static void consume(batch *b, size_t used) {
  memmove(b->buf, b->buf + used, b->len - used);
  b->len -= used;
}

static int idle_worker(const batch *b) {
  for (int i = 0; i < b->n; i++)
    if (b->w[i].pid > 0 && !b->w[i].busy) return i;
  return -1;
}

static int alive_workers(const batch *b) {
  int n = 0;
  for (int i = 0; i < b->n; i++) n += b->w[i].pid > 0;
  return n;
}

static void dispatch(batch *b) {
  size_t len, used;
  int i;
  while (!b->stopping && (i = idle_worker(b)) >= 0 && next_line(b, &len, &used)) {
    uint64_t line = ++b->lines;
    if (len > BATCH_MAX_LINE) {
      emit_error(b, NULL, 0, line, "request line %llu is longer than %u bytes",
                 (unsigned long long)line, BATCH_MAX_LINE);
      consume(b, used);
      continue;
    }
    struct worker *w = &b->w[i];
    w->req = malloc(len + 1);
    if (!w->req) {
      emit_error(b, NULL, 0, line, "out of memory");
      consume(b, used);
      continue;
    }
    memcpy(w->req, b->buf, len);
    w->req[len] = '\0';
    w->len = len;
    w->line = line;
    w->busy = true;
    consume(b, used);
    if (batch_send(w->fd, line, w->req, len) < 0) worker_ended(b, i, NULL);
  }
}

static void read_input(batch *b) {
  if (b->cap - b->len < 65536) {
    size_t cap = b->cap ? b->cap * 2 : 131072;
    char *buf = realloc(b->buf, cap);
    if (!buf) {
      complain("batch: out of memory reading the requests");
      b->failed = true;
      begin_stop(b, 0);
      return;
    }
    b->buf = buf;
    b->cap = cap;
  }
  ssize_t r = read(0, b->buf + b->len, b->cap - b->len);
  if (r < 0) {
    if (errno == EINTR || errno == EAGAIN) return;
    complain("batch: read the requests from stdin: %s", strerror(errno));
    b->failed = true;
    begin_stop(b, 0);
    return;
  }
  if (r == 0) {
    b->eof = true;
    if (b->skipping) b->len = 0;
    return;
  }
  size_t start = b->len;
  b->len += (size_t)r;
  if (b->skipping) { /* the rest of an overlong line, up to its newline */
    char *nl = memchr(b->buf + start, '\n', b->len - start);
    if (!nl) {
      b->len = start;
      return;
    }
    size_t rest = (size_t)(b->buf + b->len - (nl + 1));
    memmove(b->buf + start, nl + 1, rest);
    b->len = start + rest;
    b->skipping = false;
  }
  /* A line longer than the limit is answered now and skipped, not kept in memory. */
  if (b->len > BATCH_MAX_LINE && !memchr(b->buf, '\n', b->len)) {
    uint64_t line = ++b->lines;
    emit_error(b, NULL, 0, line, "request line %llu is longer than %u bytes",
               (unsigned long long)line, BATCH_MAX_LINE);
    b->len = 0;
    b->skipping = true;
  }
}

/* No more requests: the lines read and not started are answered, the running jobs get SIGTERM
 * (their workers forward it), and every worker ends after its job. `signo`: the signal that
 * stopped the batch, 0 for a failure. A second signal kills what is left at once. */
static void begin_stop(batch *b, int signo) {
  if (b->stopping) {
    if (signo) b->deadline = 0;
    return;
  }
  b->stopping = true;
  b->stop_signal = signo;
  b->deadline = now_s() + STOP_GRACE_S;
  size_t len, used;
  while (!b->failed && next_line(b, &len, &used)) {
    uint64_t line = ++b->lines;
    emit_error(b, b->buf, len, line, "not run: the batch was stopped%s%s", signo ? " by " : "",
               signo ? signame(signo) : "");
    consume(b, used);
  }
  b->len = 0;
  for (int i = 0; i < b->n; i++) {
    if (b->w[i].pid <= 0) continue;
    if (b->w[i].busy) kill(b->w[i].pid, SIGTERM);
    shutdown(b->w[i].fd, SHUT_WR);
  }
}

/* The stop's grace is over: the workers left are killed (their runs' init processes die with
 * them, and the pid namespace with init), their requests answered. */
static void kill_left(batch *b) {
  for (int i = 0; i < b->n; i++) {
    struct worker *w = &b->w[i];
    if (w->pid <= 0) continue;
    kill(w->pid, SIGKILL);
    char why[160];
    snprintf(
        why, sizeof why, "the batch was stopped%s%s and the job did not end within %.0f s: killed",
        b->stop_signal ? " by " : "", b->stop_signal ? signame(b->stop_signal) : "", STOP_GRACE_S);
    worker_ended(b, i, w->busy ? why : "");
  }
}

/* The cgroups of runs whose worker was killed: removed, as `sandbox gc` would. */
static void collect_cgroups(batch *b) {
  if (!b->need_gc) return;
  for (size_t i = 0; i <= b->n_gc; i++) {
    sbx_error *err = NULL;
    if (sbx_gc(i < b->n_gc ? b->gc_parents[i] : NULL, NULL, &err) < 0) {
      print_error_chain(err);
      sbx_error_free(err);
    }
    if (i < b->n_gc) free(b->gc_parents[i]);
  }
  free(b->gc_parents);
}

static void serve(batch *b) {
  for (;;) {
    dispatch(b);
    if (b->eof && !b->stopping && !b->closed && b->len == 0) {
      /* The end of the input: each worker ends after its job. */
      b->closed = true;
      for (int i = 0; i < b->n; i++)
        if (b->w[i].pid > 0) shutdown(b->w[i].fd, SHUT_WR);
    }
    if (alive_workers(b) == 0) return;
    if (b->stopping && now_s() >= b->deadline) {
      kill_left(b);
      return;
    }
    struct pollfd p[MAX_WORKERS + 2];
    int idx[MAX_WORKERS + 2], np = 0;
    size_t len, used;
    bool want_input = !b->eof && !b->stopping && idle_worker(b) >= 0 && !next_line(b, &len, &used);
    p[np] = (struct pollfd){.fd = want_input ? 0 : -1, .events = POLLIN};
    idx[np++] = -1;
    p[np] = (struct pollfd){.fd = b->sigfd, .events = POLLIN};
    idx[np++] = -2;
    for (int i = 0; i < b->n; i++)
      if (b->w[i].pid > 0) {
        p[np] = (struct pollfd){.fd = b->w[i].fd, .events = POLLIN};
        idx[np++] = i;
      }
    int timeout = -1;
    if (b->stopping) {
      double left = b->deadline - now_s();
      timeout = left <= 0 ? 0 : (int)(left * 1000) + 1;
    }
    if (poll(p, (nfds_t)np, timeout) < 0) {
      if (errno == EINTR) continue;
      complain("batch: poll: %s", strerror(errno));
      b->failed = true;
      begin_stop(b, 0);
      b->deadline = 0;
      continue;
    }
    if (p[1].revents) {
      struct signalfd_siginfo si;
      while (read(b->sigfd, &si, sizeof si) == (ssize_t)sizeof si) begin_stop(b, (int)si.ssi_signo);
    }
    for (int k = 2; k < np; k++) {
      if (!p[k].revents) continue;
      int i = idx[k];
      struct worker *w = &b->w[i];
      uint64_t line;
      char *report = NULL;
      size_t n;
      int r = batch_recv(w->fd, &line, &report, &n);
      if (r > 0 && w->busy && line == w->line) {
        free(w->req);
        w->req = NULL;
        w->busy = false;
        emit(b, report);
      } else {
        free(report);
        worker_ended(b, i, NULL);
      }
    }
    if (p[0].revents) read_input(b);
  }
}

static int parse_jobs(const char *s, int *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < 1 || v > MAX_WORKERS) {
    complain("batch: -j %s: the number of jobs at once is 1 to %d", s, MAX_WORKERS);
    return -1;
  }
  *out = (int)v;
  return 0;
}

int cmd_batch(int argc, char **argv) {
  static const struct option opts[] = {
      {"jobs", required_argument, NULL, 'j'},
      {"profile", required_argument, NULL, 'p'},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  static batch b;
  b.n = 1;
  b.profile = NULL;
  int c;
  while ((c = getopt_long(argc, argv, "j:p:qh", opts, NULL)) != -1) {
    switch (c) {
    case 'j':
      if (parse_jobs(optarg, &b.n) < 0) return 2;
      break;
    case 'p': b.profile = optarg; break;
    case 'q': b.quiet = true; break;
    case 'h': usage_batch(stdout); return 0;
    default: usage_batch(stderr); return 2;
    }
  }
  if (optind < argc) {
    complain("batch: unexpected argument '%s' (requests come on stdin)", argv[optind]);
    return 2;
  }
  /* The default profile is read once, here, and the workers inherit its spec. Named with -p, it
   * must load; the stock default may fail here (run from a home directory, say) and still
   * serve requests that name another profile or cwd. */
  sbx_error *err = NULL;
  if (batch_cache_warm(b.profile ? b.profile : "default", &err) < 0 && b.profile) {
    print_error_chain(err);
    sbx_error_free(err);
    return EXIT_SANDBOX_FAILURE;
  }
  sbx_error_free(err);
  if (!b.profile) b.profile = "default";
  /* The stop signals are read from a signalfd; the workers inherit the mask, so that a signal
   * reaches a job only through its worker's sbx_run, which forwards it. */
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGHUP);
  sigaddset(&mask, SIGQUIT);
  if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
      (b.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
    complain("batch: signalfd: %s", strerror(errno));
    return EXIT_SANDBOX_FAILURE;
  }
  signal(SIGPIPE, SIG_IGN); /* a closed stdout is an EPIPE, reported */
  b.self = getpid();
  for (int i = 0; i < b.n; i++) b.w[i] = (struct worker){.fd = -1};
  for (int i = 0; i < b.n; i++)
    if (spawn(&b, i) < 0) {
      b.failed = true;
      begin_stop(&b, 0);
      break;
    }
  serve(&b);
  collect_cgroups(&b);
  free(b.buf);
  close(b.sigfd);
  if (b.failed) return EXIT_SANDBOX_FAILURE;
  return b.stop_signal ? 128 + b.stop_signal : 0;
}
