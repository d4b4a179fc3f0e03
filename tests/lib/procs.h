/* procs.h: processes and fds, as the tests count them: host processes carrying a marker, this
 * process's children and fds, and the caller's whole state around sbx_run. */
#ifndef SANDBOX_TESTS_PROCS_H
#define SANDBOX_TESTS_PROCS_H

#include "harness.h"

#include <signal.h>
#include <stdbool.h>

/* Host processes whose command line (arguments joined by spaces; its first 16 KiB) contains
 * `marker`: on a shared machine a count of every process would see unrelated noise. */
int procs_count_marked(const char *marker);
/* Polls procs_count_marked every 10 ms until it is `want` or `ms` passed; returns the last
 * count. */
int procs_wait_marked(const char *marker, int want, int ms);

/* Whether this process has no child at all (not even a zombie). */
bool no_children(void);
/* "fd:target\n" for each open fd of this process (malloc'd). */
char *fds_list(void);
/* The pids of this process's children, as /proc/self/task/ * /children lists them (malloc'd). */
char *children_list(void);
/* "[pid (comm) state] " for each pid of a children list (malloc'd), for messages. */
char *children_describe(const char *children);

#define CHECK_NO_CHILDREN(children)                                                         \
  do {                                                                                      \
    if ((children)[0])                                                                      \
      TEST_FAIL("child processes left: %s", (char *)test_own(children_describe(children))); \
  } while (0)

/* What sbx_run promises to leave as it was: fds, children, signal mask and dispositions. */
typedef struct caller_state {
  char *fds;      /* fds_list(), the test's own */
  char *children; /* children_list(), the test's own */
  sigset_t mask;
  struct sigaction act[NSIG];
} caller_state;

void caller_state_capture(caller_state *st);
/* pthread_sigmask(how, set) in the calling (the test's) thread for the rest of the test. */
void caller_sigmask(int how, const sigset_t *set);
/* sigaction(sig, act) for the rest of the test. */
void caller_sigaction(int sig, const struct sigaction *act);
/* Fails the test unless `after` has the fds, mask and dispositions of `before` and neither has
 * a child. */
void caller_state_check_same(const caller_state *before, const caller_state *after);

#endif
