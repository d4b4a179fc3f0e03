/* sandbox.h: the public API of libsandbox.
 *
 * libsandbox runs untrusted build and job steps in a Linux sandbox. A job is described by a spec
 * (sbx_spec), loaded from a YAML job profile or from an OCI runtime-spec config.json, and run by
 * sbx_run().
 *
 * Conventions:
 *  - Every fallible function returns a negative value (or NULL) on failure and, when `err` is
 *    not NULL, stores a newly allocated error in *err. The caller frees it with sbx_error_free().
 *  - The library never prints and never exits.
 *  - Unless a function says otherwise, it is safe to call from several threads at once on
 *    different objects; one object must not be used by two threads at once.
 */
#ifndef SANDBOX_SANDBOX_H
#define SANDBOX_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SBX_BUILDING_LIBRARY)
#define SBX_PUBLIC __attribute__((visibility("default")))
#else
#define SBX_PUBLIC
#endif

#define SBX_VERSION_MAJOR  0
#define SBX_VERSION_MINOR  1
#define SBX_VERSION_PATCH  0
#define SBX_VERSION_STRING "0.1.0"

/* The version of the library that is loaded, such as "0.1.0". */
SBX_PUBLIC const char *sbx_version(void);

/* ---- errors ------------------------------------------------------------------------------- */

/* An error. `code` is an errno value (0 when none applies); `message` is a complete sentence
 * without a trailing newline, such as "bind mount /nonexistent on /work: No such file or
 * directory". Profile errors are located: "job.yaml:3:5: limits.memory: bad size 'x'".
 * A validation may report several errors: they are chained through `next`. */
typedef struct sbx_error {
  int code;
  char *message;
  struct sbx_error *next;
} sbx_error;

/* Frees an error and every error chained after it. NULL is allowed. */
SBX_PUBLIC void sbx_error_free(sbx_error *err);

/* ---- specs -------------------------------------------------------------------------------- */

typedef struct sbx_spec sbx_spec;

typedef struct sbx_load_options {
  /* Overrides applied to the profile after `extends` and before translation, each
   * "key.path=value" where value is a YAML scalar or flow collection ("limits.memory=256M",
   * "seccomp.allow=[read, write]"). */
  const char *const *sets;
  size_t n_sets;
  /* Directories searched for a profile given by name, in order. NULL: $SANDBOX_PROFILE_PATH
   * (colon-separated), then the installed profile directory. */
  const char *const *search_path;
  size_t n_search_path;
  /* Values of ${PWD} and ${HOME}; NULL: the process's working directory and $HOME. */
  const char *pwd;
  const char *home;
  /* The values of ${UID} and ${GID}; ignored unless set_ids (else: the effective ids). The
   * user mapping is not decided at load: the run decides it for its caller. */
  bool set_ids;
  uint32_t uid, gid;
  /* Most errors collected before the loader stops; 0: 20. */
  size_t max_errors;
  /* Room for options of later versions without a change of the struct's size: must be zero
   * (initialise the struct with `= {0}`); a non-zero slot is refused with EINVAL. */
  void *reserved[8];
} sbx_load_options;

/* Loads a YAML job profile. `name_or_path` is a path when it contains a '/' or ends in
 * ".yaml"/".yml", else a stock profile name looked up in the search path. `opts` may be NULL.
 * On failure *err holds every error found (chained), each located as file:line:column. */
SBX_PUBLIC int sbx_spec_load_profile(const char *name_or_path, const sbx_load_options *opts,
                                     sbx_spec **out, sbx_error **err);

/* Loads a YAML job profile from memory; `name` is used in error locations. */
SBX_PUBLIC int sbx_spec_load_profile_string(const char *name, const char *text, size_t len,
                                            const sbx_load_options *opts, sbx_spec **out,
                                            sbx_error **err);

/* Reads an OCI runtime-spec config.json (as written by sbx_spec_to_json or another tool). */
SBX_PUBLIC int sbx_spec_load_json(const char *path, sbx_spec **out, sbx_error **err);
SBX_PUBLIC int sbx_spec_load_json_string(const char *text, size_t len, sbx_spec **out,
                                         sbx_error **err);

/* Writes the spec as an OCI runtime-spec config.json document (indented, ending in a newline).
 * Returns a malloc'd string, or NULL on failure. */
SBX_PUBLIC char *sbx_spec_to_json(const sbx_spec *spec, sbx_error **err);

/* Checks the spec for contradictions and bad values. */
SBX_PUBLIC int sbx_spec_validate(const sbx_spec *spec, sbx_error **err);

/* Looks on this host for the sources of the spec's binds that are not optional: one problem
 * per source that lstat() cannot find ("bind source /x does not exist", code ENOENT) or reach
 * ("bind source /x: Permission denied"), chained in *problems (NULL when none; the caller frees
 * it). A run fails on each of them. Returns the number of problems. */
SBX_PUBLIC size_t sbx_spec_check_sources(const sbx_spec *spec, sbx_error **problems);

/* Whether the spec has a command to run (process.args is not empty). */
SBX_PUBLIC bool sbx_spec_has_command(const sbx_spec *spec);

SBX_PUBLIC sbx_spec *sbx_spec_copy(const sbx_spec *spec);
SBX_PUBLIC void sbx_spec_free(sbx_spec *spec);

/* Edits, for a caller such as the CLI. Each copies its arguments. */
SBX_PUBLIC int sbx_spec_set_args(sbx_spec *spec, const char *const *argv, size_t argc,
                                 sbx_error **err);
SBX_PUBLIC int sbx_spec_set_env(sbx_spec *spec, const char *name, const char *value,
                                sbx_error **err);
SBX_PUBLIC int sbx_spec_set_cwd(sbx_spec *spec, const char *cwd, sbx_error **err);
/* Adds a recursive, nosuid, nodev bind of the host path `source` on `target` (both absolute),
 * in depth order: the mounts are kept sorted, stably, by the depth of their target, the order
 * the profile loader gives them, so that a bind of a parent directory never hides a mount
 * below it. */
SBX_PUBLIC int sbx_spec_add_bind(sbx_spec *spec, const char *source, const char *target,
                                 bool read_only, sbx_error **err);
/* Sets the root filesystem directory (as `root.path` of an OCI bundle). */
SBX_PUBLIC int sbx_spec_set_rootfs(sbx_spec *spec, const char *path, bool read_only,
                                   sbx_error **err);
/* Sets the parent of the run's cgroup, a path below the root of each cgroup hierarchy
 * ("ci/jobs"; a leading '/' is allowed and dropped) in place of the default ("sandbox" as root,
 * "<own cgroup>/sandbox" rootless). Components "." and ".." are refused; NULL restores the
 * default. Missing directories of the path are created for the run and removed after it
 * when empty. */
SBX_PUBLIC int sbx_spec_set_cgroup_parent(sbx_spec *spec, const char *parent, sbx_error **err);

/* Where one of the job's standard streams (stdin, stdout, stderr) goes. */
typedef enum sbx_stdio_mode {
  /* The caller's stream: sbx_run_options' stdin_fd, stdout_fd or stderr_fd, else the caller's
   * fd 0, 1 or 2 (the default for a new spec, a profile and a config.json). */
  SBX_STDIO_INHERIT = 0,
  SBX_STDIO_NULL, /* /dev/null */
  /* A host file, opened by sbx_run with the caller's rights before the sandbox is made: stdin
   * read-only; stdout and stderr created if missing (mode 0666 & ~umask) and truncated, as
   * the shell's `<` and `>` do. stdout and stderr naming the same file share one open file,
   * as `>FILE 2>&1` does. */
  SBX_STDIO_FILE,
} sbx_stdio_mode;

/* Sets the job's stdin, stdout or stderr. `path` is the file for SBX_STDIO_FILE (a relative
 * path is taken from the working directory now) and must be NULL for the other modes. The
 * file is not opened here: a path that cannot be opened fails sbx_run. */
SBX_PUBLIC int sbx_spec_set_stdin(sbx_spec *spec, sbx_stdio_mode mode, const char *path,
                                  sbx_error **err);
SBX_PUBLIC int sbx_spec_set_stdout(sbx_spec *spec, sbx_stdio_mode mode, const char *path,
                                   sbx_error **err);
SBX_PUBLIC int sbx_spec_set_stderr(sbx_spec *spec, sbx_stdio_mode mode, const char *path,
                                   sbx_error **err);

/* ---- running ------------------------------------------------------------------------------ */

typedef struct sbx_run_options {
  /* The directory relative paths in the spec (root.path) are taken from; NULL: the working
   * directory. */
  const char *bundle_dir;
  /* The job's standard streams where the spec inherits them (SBX_STDIO_INHERIT, the
   * default); -1: the caller's 0, 1, 2. */
  int stdin_fd, stdout_fd, stderr_fd;
  /* Progress messages ("creating cgroup ..."), for `sandbox run -v`; NULL: none. */
  void (*log)(void *ctx, const char *message);
  void *log_ctx;
  /* Forward SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to the caller to the job while it runs.
   * The signals are blocked in the calling thread for the run (pthread_sigmask) and read with a
   * signalfd; the signal dispositions are never changed and the mask is restored at the end,
   * after which a signal that arrived once the job had ended is delivered to the caller as
   * usual. In a multi-threaded program the other threads must block these signals too, or
   * the kernel may deliver them there instead. */
  bool forward_signals;
  /* A directory for the on-disk cache of compiled seccomp filters (absolute), so that a new
   * process only loads a filter that an earlier run compiled. Created with its missing
   * parents (mode 0700); it must belong to the caller's effective uid and allow no access to
   * group or others, and entries that fail a check (owner, mode, symlink, size, contents) are
   * ignored and rewritten. A directory that cannot be used is not an error (the log says why).
   * The disk cache is not used for a job that may run as the caller's own host uid (an
   * unprivileged caller's job does): such a job could rewrite a cached filter through a
   * read-write bind and switch off the filter of later runs; it is used when root runs jobs
   * mapped to other ids. NULL: filters are cached in this process's memory only. `sandbox run`
   * passes $XDG_CACHE_HOME/sandbox/seccomp (~/.cache/sandbox/seccomp). */
  const char *seccomp_cache_dir;
  /* Room for options of later versions without a change of the struct's size: must be zero
   * (sbx_run_options_init clears it); a non-zero slot is refused with EINVAL. */
  void *reserved[8];
} sbx_run_options;

/* Initialises options with the defaults (fds -1, everything else NULL or false). */
SBX_PUBLIC void sbx_run_options_init(sbx_run_options *opts);

typedef enum sbx_status {
  SBX_STATUS_OK = 0,       /* exited 0 */
  SBX_STATUS_EXIT_NONZERO, /* exited with another code */
  SBX_STATUS_SIGNALED,     /* killed by a signal not caused by a limit */
  SBX_STATUS_WALL_TIME_LIMIT,
  SBX_STATUS_CPU_TIME_LIMIT,
  SBX_STATUS_MEMORY_LIMIT,
  SBX_STATUS_PIDS_LIMIT,
  SBX_STATUS_OUTPUT_LIMIT,
  SBX_STATUS_FILE_SIZE_LIMIT,
  SBX_STATUS_FORBIDDEN_SYSCALL,
  SBX_STATUS_SETUP_ERROR, /* the sandbox could not be set up or the command not run */
} sbx_status;

/* "ok", "exit_nonzero", ... as in the report. */
SBX_PUBLIC const char *sbx_status_name(sbx_status status);

/* Where sbx_result.memory_peak_bytes comes from. */
typedef enum sbx_memory_peak_source {
  SBX_MEMORY_PEAK_NONE = 0, /* no figure (the job never ran) */
  SBX_MEMORY_PEAK_CGROUP,   /* the cgroup's peak (v2 memory.peak, v1 memory.max_usage_in_bytes) */
  SBX_MEMORY_PEAK_RUSAGE,   /* no cgroup peak: the largest single process (ru_maxrss) */
} sbx_memory_peak_source;

/* "cgroup", "rusage", or NULL for SBX_MEMORY_PEAK_NONE, as in the report. */
SBX_PUBLIC const char *sbx_memory_peak_source_name(sbx_memory_peak_source source);

typedef struct sbx_result {
  sbx_status status;
  int exit_code; /* the job's exit code when it exited, else 0 */
  int signal;    /* the signal that killed it, else 0 */
  /* Setup errors: the command could not be executed (exec failed), with errno in exec_errno:
   * the CLI exits 127 for ENOENT and 126 for the others. */
  bool exec_failed;
  int exec_errno;
  double wall_time_s, cpu_time_s, cpu_user_s, cpu_system_s;
  uint64_t memory_peak_bytes; /* the whole job (cgroup), or ru_maxrss: see memory_peak_source */
  sbx_memory_peak_source memory_peak_source;
  uint64_t max_rss_bytes; /* the largest single process */
  bool oom_killed;
  uint64_t pids_peak;
  uint64_t csw_voluntary, csw_forced;
  uint64_t stdout_bytes, stderr_bytes;
  /* Under an output limit, stdout and stderr went to one open file or terminal (as with
   * `2>&1`): one pipe carried both, in the order the job wrote them, and stdout_bytes counts
   * the bytes of both (stderr_bytes is 0). */
  bool output_merged;
  bool cgroup;        /* a cgroup was used */
  int cgroup_version; /* 1 or 2; 0 without a cgroup */
  char **degraded;    /* NULL-terminated names of limits not enforced; may be NULL */
  char *message;      /* setup error message; NULL otherwise */
  char *syscall;      /* the forbidden syscall's name, SBX_STATUS_FORBIDDEN_SYSCALL only */
  /* Why the limits in `degraded` are not enforced ("no cgroup: ...", or the controllers the
   * cgroup lacks); NULL when nothing is degraded. */
  char *degraded_cause;
  /* The limit that ended the run, for the *_LIMIT statuses: "wall time limit 2s reached",
   * "memory limit 256 MiB reached"; NULL otherwise. */
  char *limit;
} sbx_result;

/* Runs the job described by `spec` and waits for it to end. Returns 0 when the job ran (its
 * fate is in result->status), or -1 when the sandbox could not be set up or the command not
 * executed (status SBX_STATUS_SETUP_ERROR, *err says why; when the command could not be
 * executed, result->exec_failed and exec_errno are set too). `opts` may be NULL. The result
 * must be released with sbx_result_clear(). A call leaves the caller's fds, signal mask and
 * dispositions, memory and child processes as they were.
 *
 * Processes: sbx_run forks; the sandbox's processes are children of the caller until the call
 * returns, and it waits for exactly those pids (never for any child). The job's standard
 * streams are the caller's 0, 1, 2 (or opts' fds) unless the spec sets them (/dev/null or a
 * file, sbx_spec_set_stdin...); no other fd of the caller reaches it.
 *
 * Threads: sbx_run may be called from several threads at once (with different results), and
 * from a multi-threaded program, provided that while a run lasts
 *  - no thread reaps children it did not create: wait(), waitpid(-1, ...) or waitid(P_ALL, ...)
 *    could take the sandbox's processes (the run would then miss the setup's exit status, though
 *    not the job's, which comes over a channel), and SIGCHLD is not set to SIG_IGN;
 *  - with forward_signals, the other threads block SIGINT, SIGTERM, SIGHUP and SIGQUIT; when
 *    several runs forward signals at once, each signal goes to one of them.
 * Other threads that fork while a run starts may hold a copy of its close-on-exec channel fds
 * until they exec or exit; the run does not depend on those fds closing. */
SBX_PUBLIC int sbx_run(const sbx_spec *spec, const sbx_run_options *opts, sbx_result *result,
                       sbx_error **err);
SBX_PUBLIC void sbx_result_clear(sbx_result *result);

/* The run report: one JSON object (schema in docs/report.md), ending in a newline. */
SBX_PUBLIC char *sbx_result_to_json(const sbx_result *result, sbx_error **err);

/* ---- maintenance -------------------------------------------------------------------------- */

/* Removes the cgroups that runs of supervisors that no longer exist left behind (a supervisor
 * killed with SIGKILL cannot remove its own): in every hierarchy, below `cgroup_parent` (as in
 * sbx_spec_set_cgroup_parent; NULL: the default parent of this user, as sbx_run places them).
 * Only directories named as sbx_run names a run's cgroup ("sbx-<pid>-<start time>-<n>") whose
 * supervisor process (that pid with that start time) is gone are touched: what is left in them
 * is killed and they are removed. Every other cgroup is left alone, including runs whose
 * processes this process cannot see (another pid namespace's). *removed (may be NULL) counts
 * the runs removed. Runs of sbx_run remove such leftovers under their own parent too. */
SBX_PUBLIC int sbx_gc(const char *cgroup_parent, size_t *removed, sbx_error **err);

#ifdef __cplusplus
}
#endif
#endif
