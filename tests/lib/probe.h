/* probe.h: the static probe (tests/helper/probe.c) as the job: it runs in a root that holds
 * nothing but itself and reports its view as key=value lines. */
#ifndef SANDBOX_TESTS_PROBE_H
#define SANDBOX_TESTS_PROBE_H

#include "jobs.h"

/* The host uid the job's root maps to when the caller is root (the tests' explicit choice). */
#define NOBODY 65534

/* The job's host ids in probe_spec's mapping: nobody as root, else the caller's. */
uint32_t probe_host_uid(void);
uint32_t probe_host_gid(void);

/* The test's copy of the probe, in a directory of its scratch directory that the job's host id
 * can enter (as root, uid 65534 cannot always reach the build tree): "probe", and "notexec", a
 * file without the execute bit. */
const char *probe_dir(void);

/* The test's own spec for the probe: a fresh root with /probe (probe_dir(), read-only, nosuid,
 * nodev), /proc, /dev and a 16 MiB /tmp; the job's uid/gid 0 mapped to probe_host_uid/gid;
 * hostname sbx-test; cwd /tmp; the environment PATH=/probe and SBX_TEST=1. `args` is
 * NULL-terminated; args[0] is a path in /probe. */
sbx_spec *probe_spec(const char *const *args);

/* Binds a host directory of the test's, writable by the job's host id, read-write on /shared;
 * returns its host path. */
const char *probe_add_shared(sbx_spec *s);

/* Every value of KEY in the probe's output, joined with '|' in order, e.g. "0|1|2" (the test's
 * own); "" when absent. */
const char *probe_values(const char *out, const char *key);

#define CHECK_VALUE(out, key, want)                                                   \
  do {                                                                                \
    const char *v_ = probe_values(out, key), *w_ = (want);                            \
    if (strcmp(v_, w_) != 0) TEST_FAIL("%s is \"%s\", expected \"%s\"", key, v_, w_); \
  } while (0)

#endif
