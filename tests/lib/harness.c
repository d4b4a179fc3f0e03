/* harness.c: the test registry, the run of one test with its teardown stack, and the result
 * lines (see tests/harness.h). Only libc: it links into the static test programs of the VM too.
 *
 * A test runs in a frame on the heap (not a local of the function that calls setjmp, whose
 * changes a longjmp could lose): its jmp_buf, its outcome and the depth of the teardown stack
 * at its start. A failed check prints its line, marks the frame and longjmps back to
 * test_run, which then runs the frame's cleanups, each under its own setjmp. */
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

typedef struct test_case {
  const char *name;
  test_fn fn;
} test_case;

typedef struct deferred {
  void (*fn)(void *arg);
  void *arg;
} deferred;

typedef struct frame {
  const char *name;
  jmp_buf jmp;
  enum test_outcome outcome;
  size_t base; /* the teardown stack's depth when the test began */
  size_t hook; /* the each-test hook being run */
  bool in_cleanup;
  pid_t pid;
  pthread_t thread;
  struct frame *outer; /* the test that called test_run, if any */
} frame;

typedef struct each_hook {
  test_fn before, after;
} each_hook;

static test_case *cases;
static size_t n_cases, cap_cases;
static deferred *stack;
static size_t n_stack, cap_stack;
static each_hook *hooks;
static size_t n_hooks, cap_hooks;
static frame *current;
static const char *file_name = "test";
static unsigned watchdog_seconds;

/* Grows *p (of *cap elements of `size`) to hold at least `need`; out of memory ends the
 * program, as it would end any test. */
static void grow(void *pp, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return;
  size_t n = *cap ? *cap * 2 : 16;
  while (n < need) n *= 2;
  void *q = realloc(*(void **)pp, n * size);
  if (!q) {
    fputs("harness: out of memory\n", stderr);
    abort();
  }
  *(void **)pp = q;
  *cap = n;
}

void test_register(const char *name, test_fn fn) {
  grow(&cases, &cap_cases, n_cases + 1, sizeof *cases);
  cases[n_cases++] = (test_case){name, fn};
}

void tests_each(test_fn before, test_fn after) {
  grow(&hooks, &cap_hooks, n_hooks + 1, sizeof *hooks);
  hooks[n_hooks++] = (each_hook){before, after};
}

const char *test_name(void) { return current ? current->name : ""; }

/* Whether the caller is the process and thread that runs the current test. */
static bool in_test_thread(const frame *f) {
  return f && f->pid == getpid() && pthread_equal(f->thread, pthread_self());
}

/* ---- the watchdog ---------------------------------------------------------------------------- */

static char timeout_line[512];

static void on_timeout(int sig) {
  (void)sig;
  ssize_t w = write(STDOUT_FILENO, timeout_line, strlen(timeout_line));
  (void)w;
  _exit(1);
}

void tests_watchdog(unsigned seconds) {
  watchdog_seconds = seconds;
  struct sigaction sa = {.sa_handler = seconds ? on_timeout : SIG_DFL};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, NULL);
  if (!seconds) alarm(0);
}

static void watchdog_arm(const frame *f) {
  if (!watchdog_seconds) return;
  /* The handler may only write: the line is ready before the test starts. */
  snprintf(timeout_line, sizeof timeout_line, "FAIL: %s:%s: timeout: the test hung for %u s\n",
           file_name, f->name, watchdog_seconds);
  alarm(watchdog_seconds);
}

/* ---- results --------------------------------------------------------------------------------- */

static void vreport(const char *kind, const frame *f, const char *file, int line, const char *fmt,
                    va_list ap) {
  printf("%s: %s:%s: ", kind, file_name, f ? f->name : "(no test)");
  vprintf(fmt, ap);
  if (file) printf(" (at %s:%d)", file, line);
  printf("\n");
  fflush(stdout);
}

void test_fail_at(const char *file, int line, const char *fmt, ...) {
  frame *f = current;
  va_list ap;
  va_start(ap, fmt);
  if (!in_test_thread(f)) {
    /* A child process or another thread cannot jump back into the test: it reports and ends,
     * without running the test's cleanups (they belong to the test's own process). */
    vreport("FAIL", f, file, line, fmt, ap);
    va_end(ap);
    _exit(1);
  }
  /* A second failure (in a cleanup of a failed test) is a note: the test counts as one failure. */
  vreport(f->outcome == TEST_FAILED ? "# and then" : "FAIL", f, file, line, fmt, ap);
  va_end(ap);
  f->outcome = TEST_FAILED;
  longjmp(f->jmp, 1);
}

void test_skip(const char *fmt, ...) {
  frame *f = current;
  va_list ap;
  va_start(ap, fmt);
  if (!in_test_thread(f) || f->in_cleanup) {
    printf("FAIL: %s:%s: SKIP_TEST outside the test's own body: ", file_name,
           f ? f->name : "(no test)");
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
    if (!in_test_thread(f)) _exit(1);
    f->outcome = TEST_FAILED;
    longjmp(f->jmp, 1);
  }
  vreport("SKIP", f, NULL, 0, fmt, ap);
  va_end(ap);
  f->outcome = TEST_SKIPPED;
  longjmp(f->jmp, 1);
}

/* ---- the teardown stack ---------------------------------------------------------------------- */

void test_defer(void (*fn)(void *arg), void *arg) {
  if (!in_test_thread(current)) {
    fprintf(stderr, "harness: test_defer outside a test's own process and thread (test '%s')\n",
            test_name());
    abort();
  }
  grow(&stack, &cap_stack, n_stack + 1, sizeof *stack);
  stack[n_stack++] = (deferred){fn, arg};
}

void *test_own(void *p) {
  test_defer(free, p);
  return p;
}

static void close_fd(void *arg) {
  int fd = (int)(intptr_t)arg;
  if (close(fd) < 0) TEST_FAIL("close %d: %s", fd, strerror(errno));
}

int test_own_fd(int fd) {
  if (fd >= 0) test_defer(close_fd, (void *)(intptr_t)fd);
  return fd;
}

typedef struct saved_bytes {
  void *addr;
  size_t size;
  unsigned char bytes[];
} saved_bytes;

static void restore_bytes(void *arg) {
  saved_bytes *s = arg;
  memcpy(s->addr, s->bytes, s->size);
  free(s);
}

void test_save(void *addr, size_t size) {
  saved_bytes *s = malloc(sizeof *s + size);
  if (!s) abort();
  s->addr = addr;
  s->size = size;
  memcpy(s->bytes, addr, size);
  test_defer(restore_bytes, s);
}

typedef struct saved_env {
  char *name, *value; /* value NULL: it was unset */
} saved_env;

static void restore_env(void *arg) {
  saved_env *e = arg;
  int r = e->value ? setenv(e->name, e->value, 1) : unsetenv(e->name);
  char name[128];
  snprintf(name, sizeof name, "%s", e->name);
  free(e->name);
  free(e->value);
  free(e);
  if (r < 0) TEST_FAIL("restoring the environment variable %s failed", name);
}

void test_setenv(const char *name, const char *value) {
  saved_env *e = calloc(1, sizeof *e);
  const char *old = getenv(name);
  if (!e || !(e->name = strdup(name)) || (old && !(e->value = strdup(old)))) abort();
  test_defer(restore_env, e);
  if ((value ? setenv(name, value, 1) : unsetenv(name)) < 0)
    TEST_FAIL("setting the environment variable %s failed", name);
}

/* Runs the cleanups of frame f, newest first. One that fails (or longjmps) does not stop the
 * others. */
static void run_cleanups(frame *f) {
  f->in_cleanup = true;
  while (n_stack > f->base) {
    deferred d = stack[--n_stack];
    if (setjmp(f->jmp) == 0) d.fn(d.arg);
  }
  f->in_cleanup = false;
}

/* ---- running --------------------------------------------------------------------------------- */

enum test_outcome test_run(const char *name, test_fn fn) {
  frame *f = calloc(1, sizeof *f);
  if (!f) abort();
  *f = (frame){.name = name,
               .outcome = TEST_PASSED,
               .base = n_stack,
               .pid = getpid(),
               .thread = pthread_self(),
               .outer = current};
  current = f;
  fflush(stdout);
  watchdog_arm(f);
  /* The hook index lives in the frame: a local changed after setjmp could be lost by the
   * longjmp. */
  if (setjmp(f->jmp) == 0) {
    for (f->hook = 0; f->hook < n_hooks; f->hook++)
      if (hooks[f->hook].before) hooks[f->hook].before();
    fn();
  }
  run_cleanups(f);
  if (f->outcome != TEST_FAILED) {
    for (f->hook = 0; f->hook < n_hooks; f->hook++)
      if (hooks[f->hook].after && setjmp(f->jmp) == 0) hooks[f->hook].after();
    run_cleanups(f);
  }
  if (watchdog_seconds) alarm(0);
  if (f->outcome == TEST_PASSED) printf("PASS: %s:%s\n", file_name, name);
  fflush(stdout);
  enum test_outcome outcome = f->outcome;
  current = f->outer;
  free(f);
  if (current) watchdog_arm(current);
  return outcome;
}

int test_main(int argc, char **argv, const char *file) {
  file_name = file;
  int failed = 0;
  for (size_t i = 0; i < n_cases; i++)
    if (argc < 2 || strstr(cases[i].name, argv[1]))
      failed += test_run(cases[i].name, cases[i].fn) == TEST_FAILED;
  return failed ? 1 : 0;
}
