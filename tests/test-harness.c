/* test-harness.c: the harness itself (tests/harness.h, tests/lib/harness.c). Each test runs inner
 * tests in a child process whose stdout is a pipe (so that their FAIL lines are not counted) and
 * checks, in the parent, what they printed: a failing check still runs the test's cleanups, in
 * reverse order, and restores what TEST_SET changed; a failing cleanup fails a test; the
 * registry has no cap; an each-test check can fail a test; the scratch directory goes away. */
#define TEST_FILE "test-harness"
#include "harness.h"

#include "lib/host.h"
#include "lib/scratch.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>

/* Runs fn in a child with stdout on a pipe; returns what it printed (the test's own) and fails
 * the test unless the child exited 0. */
static const char *in_child(void (*fn)(void)) {
  int p[2];
  if (pipe(p) < 0) TEST_FAIL("pipe: %s", strerror(errno));
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) TEST_FAIL("fork: %s", strerror(errno));
  if (pid == 0) {
    close(p[0]);
    if (dup2(p[1], STDOUT_FILENO) < 0) _exit(120);
    fn();
    fflush(stdout);
    _exit(0);
  }
  close(p[1]);
  size_t cap = 1 << 16, len = 0;
  char *buf = test_own(xmalloc(cap));
  ssize_t r;
  while ((r = read(p[0], buf + len, cap - len - 1)) > 0 || (r < 0 && errno == EINTR))
    if (r > 0) len += (size_t)r;
  buf[len] = '\0';
  close(p[0]);
  int st;
  if (waitpid(pid, &st, 0) != pid) TEST_FAIL("waitpid: %s", strerror(errno));
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    TEST_FAIL("the child ended with status 0x%x; it printed: %s", st, buf);
  return buf;
}

/* Checks that `first` comes before `second` in `out`. */
static void check_order(const char *out, const char *first, const char *second) {
  const char *a = strstr(out, first), *b = strstr(out, second);
  if (!a || !b || a > b) TEST_FAIL("\"%s\" does not come before \"%s\" in: %s", first, second, out);
}

static void note(void *text) { printf("# cleanup %s\n", (const char *)text); }

/* ---- a failing check runs the cleanups ---------------------------------------------------------
 */

static int hook = 7; /* stands in for a test hook of the library */

static void inner_fails(void) {
  TEST_SET(hook, 42);
  test_defer(note, "first");
  test_defer(note, "second");
  printf("# hook inside %d\n", hook);
  CHECK(hook == 1);
  printf("# not reached\n");
}

static void inner_sees_hook(void) { CHECK_EQ_INT(hook, 7); }

static void run_failing(void) {
  enum test_outcome o = test_run("inner_fails", inner_fails);
  printf("# outcome %d, hook after %d\n", (int)o, hook);
  test_run("inner_sees_hook", inner_sees_hook);
}

TEST(failing_check_runs_the_cleanups_in_reverse) {
  const char *out = in_child(run_failing);
  CHECK_CONTAINS(out, "# hook inside 42\n");
  CHECK_CONTAINS(out, "FAIL: test-harness:inner_fails: check failed: hook == 1 (at ");
  check_order(out, "FAIL: test-harness:inner_fails", "# cleanup second\n");
  check_order(out, "# cleanup second\n", "# cleanup first\n");
  CHECK(!strstr(out, "not reached"));
  CHECK(!strstr(out, "PASS: test-harness:inner_fails"));
  CHECK_CONTAINS(out, "# outcome 1, hook after 7\n");
  CHECK_CONTAINS(out, "PASS: test-harness:inner_sees_hook\n");
}

/* ---- a skip and a pass run them too; a failing cleanup fails the test ------------------------ */

static void inner_skips(void) {
  test_defer(note, "of the skipped test");
  SKIP_TEST("nothing to do here");
}

static void inner_passes(void) {
  test_defer(note, "one");
  test_defer(note, "two");
}

static void failing_cleanup(void *arg) {
  (void)arg;
  CHECK_EQ_INT(1 + 1, 3);
}

static void inner_cleanup_fails(void) {
  test_defer(note, "after the failing one");
  test_defer(failing_cleanup, NULL);
}

static void inner_fails_twice(void) {
  test_defer(failing_cleanup, NULL);
  TEST_FAIL("the body failed");
}

static void run_others(void) {
  printf("# skip %d\n", (int)test_run("inner_skips", inner_skips));
  printf("# pass %d\n", (int)test_run("inner_passes", inner_passes));
  printf("# cleanup-fails %d\n", (int)test_run("inner_cleanup_fails", inner_cleanup_fails));
  printf("# fails-twice %d\n", (int)test_run("inner_fails_twice", inner_fails_twice));
}

TEST(skips_passes_and_failing_cleanups) {
  const char *out = in_child(run_others);
  check_order(out, "SKIP: test-harness:inner_skips: nothing to do here\n",
              "# cleanup of the skipped test\n");
  CHECK_CONTAINS(out, "# skip 2\n");
  check_order(out, "# cleanup two\n", "# cleanup one\n");
  check_order(out, "# cleanup one\n", "PASS: test-harness:inner_passes\n");
  CHECK_CONTAINS(out, "# pass 0\n");
  check_order(out, "FAIL: test-harness:inner_cleanup_fails: 1 + 1 == 2, expected 3 == 3",
              "# cleanup after the failing one\n");
  CHECK_CONTAINS(out, "# cleanup-fails 1\n");
  CHECK(!strstr(out, "PASS: test-harness:inner_cleanup_fails"));
  /* The second failure of a failed test is a note, not a second FAIL line. */
  check_order(out, "FAIL: test-harness:inner_fails_twice: the body failed",
              "# and then: test-harness:inner_fails_twice: 1 + 1 == 2");
  CHECK_CONTAINS(out, "# fails-twice 1\n");
}

/* ---- no cap on the number of tests ----------------------------------------------------------- */

static int many_ran;
static void inner_many(void) { many_ran++; }

static void run_many(void) {
  for (int i = 0; i < 1500; i++) {
    char *name = xasprintf("zz-many-%04d", i);
    test_register(name, inner_many); /* (kept until the child exits) */
  }
  char *argv[] = {"test-harness", "zz-many-", NULL};
  int rc = test_main(2, argv, "test-harness");
  printf("# ran %d, rc %d\n", many_ran, rc);
}

TEST(registry_has_no_cap) {
  const char *out = in_child(run_many);
  CHECK_CONTAINS(out, "# ran 1500, rc 0\n");
  int n = 0;
  for (const char *p = out; (p = strstr(p, "PASS: test-harness:zz-many-")); p++) n++;
  CHECK_EQ_INT(n, 1500);
  CHECK_CONTAINS(out, "PASS: test-harness:zz-many-1499\n");
}

/* ---- the scratch directory and the mount-table check ----------------------------------------- */

static char *scratch_seen;
static void inner_uses_scratch(void) {
  scratch_seen = xstrdup(scratch_path("f"));
  scratch_write("f", "x", 0644);
  scratch_mkdir("d/e", 0500); /* removed although not writable */
  printf("# scratch made %d\n", access(scratch_seen, F_OK) == 0);
}

static void run_scratch(void) {
  test_run("inner_uses_scratch", inner_uses_scratch);
  printf("# scratch left %d\n", access(scratch_seen, F_OK) == 0);
}

TEST(scratch_directory_is_removed) {
  const char *out = in_child(run_scratch);
  check_order(out, "# scratch made 1\n", "PASS: test-harness:inner_uses_scratch\n");
  CHECK_CONTAINS(out, "# scratch left 0\n");
}

static const char *mount_point; /* made by the parent, mounted on in the child's namespace */

static void inner_mounts(void) {
  if (mount("none", mount_point, "tmpfs", 0, NULL) < 0)
    TEST_FAIL("mount tmpfs on %s: %s", mount_point, strerror(errno));
  test_defer(note, "of the mounting test");
}

static void run_mounts(void) {
  /* A mount namespace of the child's own: the tmpfs never reaches the host's table. */
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 && unshare(CLONE_NEWNS) < 0) {
    printf("# no mount namespace: %s\n", strerror(errno));
    return;
  }
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    printf("# no private mount namespace: %s\n", strerror(errno));
    return;
  }
  host_mounts_check_each_test();
  printf("# mounts %d\n", (int)test_run("inner_mounts", inner_mounts));
}

TEST(mount_check_fails_a_test_that_leaves_a_mount) {
  mount_point = scratch_mkdir("mnt", 0755);
  const char *out = in_child(run_mounts);
  if (strstr(out, "# no "))
    SKIP_TEST("no mount namespace to mount in: %s", strstr(out, "# no ") + 2);
  char *want = test_own(xasprintf(
      "FAIL: test-harness:inner_mounts: the host's mount table changed during the test: + %s "
      "tmpfs none",
      mount_point));
  check_order(out, "# cleanup of the mounting test\n", want);
  CHECK_CONTAINS(out, "# mounts 1\n");
}

/* An after-each check fails a test that passed, and runs after the test's cleanups. */
static bool leak;
static void check_no_leak(void) {
  printf("# checked\n");
  if (leak) TEST_FAIL("the test leaked");
}
static void inner_leaks(void) {
  test_defer(note, "of the leaking test");
  leak = true;
}

static void run_each(void) {
  tests_each(NULL, check_no_leak);
  printf("# leaks %d\n", (int)test_run("inner_leaks", inner_leaks));
}

TEST(each_test_check_fails_a_test) {
  const char *out = in_child(run_each);
  check_order(out, "# cleanup of the leaking test\n", "# checked\n");
  check_order(out, "# checked\n", "FAIL: test-harness:inner_leaks: the test leaked");
  CHECK_CONTAINS(out, "# leaks 1\n");
  CHECK(!strstr(out, "PASS: test-harness:inner_leaks"));
}

/* ---- a check failing in a child process of a test ---------------------------------------------
 */

static void inner_child_fails(void) {
  test_defer(note, "in the parent only");
  pid_t pid = fork();
  if (pid == 0) CHECK(0 == 1); /* ends the child: the parent's cleanups are not its to run */
  int st;
  waitpid(pid, &st, 0);
  printf("# child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void run_child_fails(void) { test_run("inner_child_fails", inner_child_fails); }

TEST(failing_check_in_a_child_process) {
  const char *out = in_child(run_child_fails);
  CHECK_CONTAINS(out, "FAIL: test-harness:inner_child_fails: check failed: 0 == 1");
  CHECK_CONTAINS(out, "# child status 1\n");
  const char *c = strstr(out, "# cleanup in the parent only\n");
  CHECK(c && !strstr(c + 1, "# cleanup in the parent only\n")); /* exactly once */
}

RUN_TESTS()
