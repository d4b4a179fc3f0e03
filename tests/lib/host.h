/* host.h: facts about the machine the tests run on, and the per-test check that the host's mount
 * table is left as it was. */
#ifndef SANDBOX_TESTS_HOST_H
#define SANDBOX_TESTS_HOST_H

#include "harness.h"

#include <stdbool.h>

/* Whether this process may create a user namespace (tried once, in a child). */
bool userns_available(void);

#define NEED_USERNS()                                                             \
  do {                                                                            \
    if (!userns_available()) SKIP_TEST("user namespaces are not available here"); \
  } while (0)

/* CLOCK_MONOTONIC in seconds. */
double now_s(void);

/* Waits up to `seconds` for a host file to exist. */
bool wait_for_file(const char *path, double seconds);

/* "mountpoint fstype source" of every mount of this process's mount namespace, sorted, one a
 * line (malloc'd); on a read error, the error's message. */
char *host_mounts(void);

/* From now on every test of the program fails when the host's mount table differs after it (its
 * cleanups done) from what it was when it began: no tmpfs, bind or proc of a run may stay behind,
 * and no scratch directory may be left a mount point. */
void host_mounts_check_each_test(void);

#endif
