/* jobs.h: specs and runs for the tests that go through the engine (sbx_run): the common specs,
 * one run with the job's output captured, and the checks of a run's outcome. Objects a function
 * hands out as "the test's own" are freed when the current test ends. */
#ifndef SANDBOX_TESTS_JOBS_H
#define SANDBOX_TESTS_JOBS_H

#include "harness.h"
#include "spec.h"
#include "util.h"

/* ---- the test's own objects ------------------------------------------------------------------ */

/* Makes s the test's own (sbx_spec_free when it ends); returns s. */
sbx_spec *own_spec(sbx_spec *s);
/* Makes the error chain the test's own; returns it. */
sbx_error *own_error(sbx_error *e);

/* ---- specs ----------------------------------------------------------------------------------- */

/* The test's own spec of a fresh root from the host's /usr (read-only, nosuid, nodev,
 * recursive, with the /bin, /lib, /lib64 and /sbin symlinks of a merged-/usr system), a fresh
 * /proc, the minimal /dev and a 16 MiB /tmp (nosuid, nodev, 01777); PATH=/usr/bin:/bin; no
 * command yet. */
sbx_spec *job_host_root_spec(void);
/* job_host_root_spec() running `/bin/sh -c script`. */
sbx_spec *job_shell_spec(const char *script);
/* Sets the command: the NULL-terminated `args`. */
void job_set_args(sbx_spec *s, const char *const *args);

/* ---- runs ------------------------------------------------------------------------------------ */

typedef enum job_stderr {
  JOB_STDERR_OWN,    /* the job's stderr is the caller's (the test's) */
  JOB_STDERR_MERGED, /* stdout and stderr go to one capture, `out` */
  JOB_STDERR_APART,  /* stderr is captured apart, in `errs` */
} job_stderr;

typedef struct job_run {
  int rc; /* what sbx_run returned */
  sbx_result res;
  sbx_error *err;
  char *out, *errs; /* what the job wrote (NUL-terminated; errs: JOB_STDERR_APART only) */
  size_t n_out, n_errs;
  double took; /* the seconds sbx_run took */
} job_run;

/* Runs s with the options `o` (NULL: the defaults); the job's stdout (and stderr as `how` says)
 * is captured in a memfd unless `o` gives an fd for it. Safe in any thread: it owns nothing of
 * the test's; job_run_clear frees what *r holds. A memfd that cannot be made is a setup error
 * in r->err. */
void job_run_capture(job_run *r, const sbx_spec *s, const sbx_run_options *o, job_stderr how);
void job_run_clear(job_run *r);

/* job_run_capture into a run that is the test's own. */
job_run *job_run_spec(const sbx_spec *s, const sbx_run_options *o, job_stderr how);
/* job_run_spec, and fails the test unless the job ran: sbx_run returned 0 (whatever the job's
 * fate; a setup error fails). */
job_run *job_ran(const sbx_spec *s, const sbx_run_options *o, job_stderr how);
/* The run's error message, or "(no error)". */
const char *job_error(const job_run *r);
/* Runs s (stderr the test's) and fails the test unless the job ran and exited 0; returns its
 * stdout (the test's own). */
const char *job_ok(const sbx_spec *s);
/* Runs s and fails the test unless sbx_run returned -1 with status setup_error and exactly
 * `message` in both the error and the result, exec_failed and exec_errno as `exec_errno` says
 * (0: not an exec failure), and no child left behind. */
void job_check_setup_error(const sbx_spec *s, const char *message, int exec_errno);

#endif
