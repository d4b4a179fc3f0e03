/* harness.h: the unit-test harness (implemented in tests/lib/harness.c, part of the test-support
 * library libtestsupport.a that every test program links). A test program defines TEST_FILE,
 * registers tests with TEST(name) and runs them with RUN_TESTS(); each test prints one line that
 * tests/run-tests counts:
 *   PASS: file:name
 *   FAIL: file:name: reason (at file:line)
 *   SKIP: file:name: reason
 * Checks: CHECK(cond), CHECK_EQ_INT(a, b), CHECK_EQ_STR(a, b), CHECK_CONTAINS(hay, needle).
 * SKIP_TEST("why") skips the current test. A failed check ends the current test.
 *
 * Teardown: test_defer(fn, arg) registers a cleanup that runs when the current test ends, whether
 * it passed, failed (after the failed check's longjmp) or was skipped; cleanups run in reverse
 * order of registration. test_own(p) frees p then, test_own_fd(fd) closes fd; TEST_SET(var, value)
 * sets a global (a test hook) and restores its old value then; test_setenv does the same for the
 * environment. A cleanup may use the checks: its failure fails the test, and the other cleanups
 * still run. Cleanups run only in the process and thread that registered them: a check that fails
 * in a child process or another thread prints its FAIL line and ends that process (_exit(1)).
 *
 * The registry grows as needed (no limit on the number of tests), and tests_each() adds a hook
 * pair that runs before and after every test (after its cleanups), e.g. a check that the test
 * left nothing behind. */
#ifndef SANDBOX_TESTS_HARNESS_H
#define SANDBOX_TESTS_HARNESS_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*test_fn)(void);

enum test_outcome { TEST_PASSED = 0, TEST_FAILED = 1, TEST_SKIPPED = 2 };

/* Adds a test to the registry (TEST does this from a constructor). `name` must outlive it. */
void test_register(const char *name, test_fn fn);
/* Runs the registered tests whose names contain argv[1] (all without an argument), in the order
 * of registration; `file` names the program in the result lines. Returns main's exit status. */
int test_main(int argc, char **argv, const char *file);
/* Runs one test now (its hooks, body and cleanups) and prints its result line. It may be called
 * from inside a test: the outer test's state is kept. */
enum test_outcome test_run(const char *name, test_fn fn);
/* The current test's name ("" between tests). */
const char *test_name(void);

__attribute__((noreturn, format(printf, 3, 4))) void test_fail_at(const char *file, int line,
                                                                  const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void test_skip(const char *fmt, ...);

/* Runs fn(arg) when the current test ends (see above). Only inside a test, from its thread. */
void test_defer(void (*fn)(void *arg), void *arg);
/* Frees p when the current test ends; returns p. */
void *test_own(void *p);
/* Closes fd (when >= 0) when the current test ends; returns fd. */
int test_own_fd(int fd);
/* Saves the `size` bytes at `addr` and puts them back when the current test ends. */
void test_save(void *addr, size_t size);
/* Sets a global (a test hook of the library, say) for the rest of the current test. */
#define TEST_SET(var, value)        \
  do {                              \
    test_save(&(var), sizeof(var)); \
    (var) = (value);                \
  } while (0)
/* setenv(name, value) (value NULL: unsetenv) for the rest of the current test. */
void test_setenv(const char *name, const char *value);

/* Adds hooks run around every test: `before` first in the test, `after` once its cleanups have
 * run (unless it failed already). Either may be NULL; both may use the checks. */
void tests_each(test_fn before, test_fn after);
/* Fails a test that runs longer than `seconds` (then the program ends: a hung test cannot be
 * resumed). 0 turns it off. */
void tests_watchdog(unsigned seconds);

#define TEST(name)                                                 \
  static void test_##name(void);                                   \
  __attribute__((constructor)) static void register_##name(void) { \
    test_register(#name, test_##name);                             \
  }                                                                \
  static void test_##name(void)

#define TEST_FAIL(...) test_fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define SKIP_TEST(...) test_skip(__VA_ARGS__)

#define CHECK(cond)                                    \
  do {                                                 \
    if (!(cond)) TEST_FAIL("check failed: %s", #cond); \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                      \
  do {                                                                          \
    long long a_ = (long long)(a), b_ = (long long)(b);                         \
    if (a_ != b_) TEST_FAIL("%s == %lld, expected %s == %lld", #a, a_, #b, b_); \
  } while (0)

#define CHECK_EQ_STR(a, b)                                                                    \
  do {                                                                                        \
    const char *a_ = (a), *b_ = (b);                                                          \
    if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                    \
      TEST_FAIL("%s is \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
  } while (0)

#define CHECK_CONTAINS(hay, needle)                                                           \
  do {                                                                                        \
    const char *h_ = (hay), *n_ = (needle);                                                   \
    if (!h_ || !strstr(h_, n_))                                                               \
      TEST_FAIL("%s is \"%s\", which does not contain \"%s\"", #hay, h_ ? h_ : "(null)", n_); \
  } while (0)

/* main(): runs the tests named on the command line (see test_main). */
#define RUN_TESTS() \
  int main(int argc, char **argv) { return test_main(argc, argv, TEST_FILE); }

#endif
