/* cli.h: what the commands of the `sandbox` CLI share (main.c: spec, check, gc, the
 * dispatch; run.c: run). Parsing and printing only: every action is a call into libsandbox. */
#ifndef SANDBOX_CLI_H
#define SANDBOX_CLI_H

#include "sandbox.h"

#include <stdio.h>

/* Exit statuses of the CLI itself (the job's own status passes through otherwise). */
enum {
  EXIT_SANDBOX_FAILURE = 125, /* the sandbox could not be set up; bad usage or profile */
  EXIT_NOT_EXECUTABLE = 126,
  EXIT_NOT_FOUND = 127,
};

/* A growing list of strings taken from argv (not copied). */
struct strlist {
  const char **v;
  size_t n;
};

void strlist_add(struct strlist *l, const char *s);

/* Long options without a short form. */
enum {
  OPT_SET = 256,
  OPT_BUNDLE,
  OPT_BIND,
  OPT_ENV,
  OPT_CWD,
  OPT_REPORT,
  OPT_STATS,
  OPT_VERSION,
  OPT_CGROUP_PARENT,
  OPT_QUIET,
  OPT_ROOTFS,
  OPT_STDIN,
  OPT_STDOUT,
  OPT_STDERR,
};

/* The program's name in messages ("sandbox"). */
extern const char *prog;

void print_error_chain(const sbx_error *err);
__attribute__((format(printf, 1, 2))) void complain(const char *fmt, ...);
/* The run's log callback (sandbox run -v). */
void log_verbose(void *ctx, const char *msg);
/* Writes text to path ('-': stdout); complains and returns -1 on failure. */
int write_text(const char *path, const char *text);
/* Loads a profile by name or path with the --set overrides, printing every error. */
int load_profile(const char *profile, struct strlist *sets, sbx_spec **spec);
/* The same, the errors returned in *err (chained) instead of printed. */
int load_profile_err(const char *profile, const char *const *sets, size_t n_sets, sbx_spec **spec,
                     sbx_error **err);

/* run.c: `sandbox run`. */
void usage_run(FILE *f);
int cmd_run(int argc, char **argv);

/* batch.c: `sandbox batch`. */
void usage_batch(FILE *f);
int cmd_batch(int argc, char **argv);

#endif
