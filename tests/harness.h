/* harness.h: the unit-test harness. A test binary registers tests with TEST(name) and runs them
 * with RUN_TESTS(); each prints one line that tests/run-tests counts:
 *   PASS: file:name
 *   FAIL: file:name: reason (at file:line)
 *   SKIP: file:name: reason
 * Checks: CHECK(cond), CHECK_EQ_INT(a, b), CHECK_EQ_STR(a, b), CHECK_CONTAINS(hay, needle).
 * SKIP_TEST("why") skips the current test. A failed check ends the current test. */
#ifndef SANDBOX_TESTS_HARNESS_H
#define SANDBOX_TESTS_HARNESS_H

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*test_fn)(void);
struct test_case {
  const char *name;
  test_fn fn;
};

static struct test_case test_cases[512];
static int test_count;
static jmp_buf test_jmp;
static int test_state; /* 0 pass, 1 fail, 2 skip */

#define TEST(name)                                                       \
  static void test_##name(void);                                         \
  __attribute__((constructor)) static void register_##name(void) {       \
    if (test_count < (int)(sizeof test_cases / sizeof test_cases[0]))    \
      test_cases[test_count++] = (struct test_case){#name, test_##name}; \
  }                                                                      \
  static void test_##name(void)

#define TEST_FAIL(...)                                \
  do {                                                \
    printf("FAIL: %s:%s: ", TEST_FILE, test_current); \
    printf(__VA_ARGS__);                              \
    printf(" (at %s:%d)\n", __FILE__, __LINE__);      \
    fflush(stdout);                                   \
    test_state = 1;                                   \
    longjmp(test_jmp, 1);                             \
  } while (0)

#define SKIP_TEST(...)                                \
  do {                                                \
    printf("SKIP: %s:%s: ", TEST_FILE, test_current); \
    printf(__VA_ARGS__);                              \
    printf("\n");                                     \
    fflush(stdout);                                   \
    test_state = 2;                                   \
    longjmp(test_jmp, 1);                             \
  } while (0)

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

static const char *test_current = "";

/* Runs one test; setjmp lives here so that no caller's local is clobbered by longjmp. */
static int test_run_one(int i) {
  test_current = test_cases[i].name;
  test_state = 0;
  if (setjmp(test_jmp) == 0) test_cases[i].fn();
  if (test_state == 0) printf("PASS: %s:%s\n", TEST_FILE, test_current);
  fflush(stdout);
  return test_state == 1;
}

/* Runs the tests whose names contain argv[1] (all without an argument). */
#define RUN_TESTS()                                                                   \
  int main(int argc, char **argv) {                                                   \
    int failed = 0;                                                                   \
    for (int i = 0; i < test_count; i++)                                              \
      if (argc < 2 || strstr(test_cases[i].name, argv[1])) failed += test_run_one(i); \
    return failed ? 1 : 0;                                                            \
  }

#endif
