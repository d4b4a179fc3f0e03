/* run.c: `sandbox run`: options, the spec's edits from the command line, the run, and what is
 * printed of it (the report, --stats, the limit and degraded-limit lines). */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void usage_run(FILE *f) {
  fprintf(f,
          "Usage: sandbox run [OPTION]... [--] CMD [ARG]...\n"
          "       sandbox run --bundle DIR [OPTION]... [-- CMD [ARG]...]\n"
          "Runs CMD in the sandbox described by a job profile (the stock 'default' profile\n"
          "when none is given: everything isolated, the current directory read-write at its\n"
          "own path, no network) or by an OCI bundle.\n"
          "\n"
          "  -p, --profile=NAME|PATH   the job profile (a stock name or a .yaml path)\n"
          "      --set=KEY.PATH=VALUE  override a profile key (repeatable)\n"
          "      --bundle=DIR          run DIR/config.json with its root\n"
          "      --bind=SRC[:DST[:ro|rw]]  bind-mount a host path (read-only by default)\n"
          "      --env=NAME[=VALUE]    set a variable (without a value: the caller's)\n"
          "      --cwd=DIR             the working directory inside the sandbox\n"
          "      --cgroup-parent=PATH  make the run's cgroup below PATH in each hierarchy\n"
          "                            (default: 'sandbox', or '<own cgroup>/sandbox' rootless)\n"
          "      --stdin=FILE          read the job's stdin from FILE\n"
          "      --stdout=FILE         write the job's stdout to FILE (created or truncated)\n"
          "      --stderr=FILE         write the job's stderr to FILE (created or truncated);\n"
          "                            '-' for any of them: this command's own (the default)\n"
          "      --report=FILE         write the run report as JSON to FILE ('-': stdout)\n"
          "      --stats               print a one-line summary of the run to stderr\n"
          "  -q, --quiet               no warning of limits not enforced, no line when a\n"
          "                            limit ends the run\n"
          "  -v, --verbose             describe each set-up step on stderr\n"
          "  -h, --help                show this help\n"
          "\n"
          "Exit status: the job's exit status; 128+N when a signal N killed it; 125 when the\n"
          "sandbox failed; 126 when CMD is not executable; 127 when CMD is not found.\n");
}

/* ---- sandbox run -------------------------------------------------------------------------- */

/* The physical form of the path `p` (PATH_MAX bytes at `out`; relative: from the current
 * directory): its directory resolved as the kernel resolves it (symlinks, "..", as getcwd()
 * gives the working directory), and its last component kept, so that a source that is a symlink
 * stays one (the engine recreates it); a last component "." or ".." is resolved too. `p` as it
 * is when it does not resolve (a run then reports it missing). */
static void physical_path(const char *p, char *out) {
  char copy[PATH_MAX], real[PATH_MAX];
  snprintf(copy, sizeof copy, "%s", p);
  size_t n = strlen(copy);
  while (n > 1 && copy[n - 1] == '/') copy[--n] = '\0';
  snprintf(out, PATH_MAX, "%s", copy);
  char *slash = strrchr(copy, '/');
  const char *base = slash ? slash + 1 : copy;
  if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strcmp(copy, "/") == 0) {
    if (realpath(copy, real)) snprintf(out, PATH_MAX, "%s", real);
    return;
  }
  if (slash) *slash = '\0';
  const char *dir = !slash ? "." : slash == copy ? "/" : copy;
  char joined[PATH_MAX];
  if (realpath(dir, real) &&
      snprintf(joined, sizeof joined, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base) < PATH_MAX)
    snprintf(out, PATH_MAX, "%s", joined);
}

/* --bind SRC[:DST[:ro|rw]]; a relative SRC is taken from the current directory. Without DST, the
 * source's own path, in the physical form the working directory has (physical_path): so that
 * `--bind ..` is where the job's `..` leads. */
static int add_bind(sbx_spec *spec, const char *arg) {
  char *copy = strdup(arg);
  if (!copy) return -1;
  char *src = copy, *dst = NULL, *mode = NULL;
  char *colon = strchr(src, ':');
  if (colon) {
    *colon = '\0';
    dst = colon + 1;
    colon = strchr(dst, ':');
    if (colon) {
      *colon = '\0';
      mode = colon + 1;
    }
  }
  int rc = -1;
  bool ro = !mode || strcmp(mode, "rw") != 0;
  char phys[PATH_MAX];
  if (ro && mode && strcmp(mode, "ro") != 0) {
    complain("--bind %s: mode '%s' is neither 'ro' nor 'rw'", arg, mode);
  } else if (!*src) {
    complain("--bind %s: the source is empty", arg);
  } else {
    physical_path(src, phys);
    sbx_error *err = NULL;
    rc = sbx_spec_add_bind(spec, phys, dst && *dst ? dst : phys, ro, &err);
    if (rc < 0) {
      fprintf(stderr, "%s: --bind %s: %s\n", prog, arg, err->message);
      sbx_error_free(err);
    }
  }
  free(copy);
  return rc;
}

static int add_env(sbx_spec *spec, const char *arg) {
  const char *eq = strchr(arg, '=');
  char *name = eq ? strndup(arg, (size_t)(eq - arg)) : strdup(arg);
  if (!name) return -1;
  const char *value = eq ? eq + 1 : getenv(name);
  int rc = 0;
  if (!value) {
    /* As `env_inherit` in a profile: an unset name is skipped, but said. */
    complain("warning: --env %s: the variable is not set here, so it is not set in the job", arg);
  } else {
    sbx_error *err = NULL;
    rc = sbx_spec_set_env(spec, name, value, &err);
    if (rc < 0) {
      fprintf(stderr, "%s: --env %s: %s\n", prog, arg, err->message);
      sbx_error_free(err);
    }
  }
  free(name);
  return rc;
}

/* --stdin, --stdout, --stderr FILE: FILE opened by the run with our rights ('-': ours). */
static int set_stream(sbx_spec *spec, int fd, const char *arg) {
  static int (*const setters[3])(sbx_spec *, sbx_stdio_mode, const char *, sbx_error **) = {
      sbx_spec_set_stdin, sbx_spec_set_stdout, sbx_spec_set_stderr};
  static const char *const names[3] = {"stdin", "stdout", "stderr"};
  bool inherit = strcmp(arg, "-") == 0;
  sbx_error *err = NULL;
  if (setters[fd](spec, inherit ? SBX_STDIO_INHERIT : SBX_STDIO_FILE, inherit ? NULL : arg, &err) <
      0) {
    fprintf(stderr, "%s: --%s %s: %s\n", prog, names[fd], arg, err->message);
    sbx_error_free(err);
    return -1;
  }
  return 0;
}

static void print_stats(const sbx_result *r) {
  const char *peak_source = sbx_memory_peak_source_name(r->memory_peak_source);
  fprintf(stderr,
          "%s: %s exit=%d signal=%d wall=%.3fs cpu=%.3fs (user %.3fs, sys %.3fs) "
          "mem_peak=%llu (%s) max_rss=%llu out=%llu err=%llu\n",
          prog, sbx_status_name(r->status), r->exit_code, r->signal, r->wall_time_s, r->cpu_time_s,
          r->cpu_user_s, r->cpu_system_s, (unsigned long long)r->memory_peak_bytes,
          peak_source ? peak_source : "none", (unsigned long long)r->max_rss_bytes,
          (unsigned long long)r->stdout_bytes, (unsigned long long)r->stderr_bytes);
}

/* The lines a run's limits are worth, unless --quiet: limits the run could not enforce (one
 * warning), and the limit that ended it. */
static void print_limit_notes(const sbx_result *r) {
  /* The warning is for a job that ran: a set-up error is the whole story. */
  if (r->degraded && r->degraded[0] && r->status != SBX_STATUS_SETUP_ERROR) {
    fprintf(stderr, "%s: warning: %s: ", prog,
            r->degraded_cause ? r->degraded_cause : "limits not enforced");
    for (char **d = r->degraded; *d; d++) fprintf(stderr, "%s%s", d == r->degraded ? "" : ", ", *d);
    fprintf(stderr, " not enforced\n");
  }
  if (!r->limit) return;
  char how[64];
  if (r->signal == SIGKILL)
    snprintf(how, sizeof how, "job killed");
  else if (r->signal > 0)
    snprintf(how, sizeof how, "job ended by SIG%s", sigabbrev_np(r->signal) ?: "?");
  else
    snprintf(how, sizeof how, "job exited with status %d", r->exit_code);
  fprintf(stderr, "%s: %s: %s (cpu %.2f s, peak %.1f MiB)\n", prog, r->limit, how, r->cpu_time_s,
          (double)r->memory_peak_bytes / (1024.0 * 1024.0));
}

static int exit_status_of(const sbx_result *r) {
  switch (r->status) {
  case SBX_STATUS_OK: return 0;
  case SBX_STATUS_EXIT_NONZERO: return r->exit_code;
  case SBX_STATUS_SETUP_ERROR:
    if (r->exec_failed) return r->exec_errno == ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
    return EXIT_SANDBOX_FAILURE;
  default:
    if (r->signal > 0) return 128 + r->signal;
    if (r->exit_code) return r->exit_code;
    /* Ended well on the wall-time limit's SIGTERM (limits.kill_grace): as SIGTERM would. */
    return r->status == SBX_STATUS_WALL_TIME_LIMIT ? 128 + SIGTERM : EXIT_SANDBOX_FAILURE;
  }
}

/* Where compiled seccomp filters are kept between runs: $XDG_CACHE_HOME/sandbox/seccomp, or
 * ~/.cache/sandbox/seccomp (the library creates it, mode 0700, and checks it). NULL when no
 * home is known, or when the home (or $XDG_CACHE_HOME) exists and belongs to someone else (`sudo
 * -E` keeps the user's HOME: root would otherwise create root-owned directories in it): filters are
 * then compiled by every run. */
static char *seccomp_cache_dir(void) {
  const char *xdg = getenv("XDG_CACHE_HOME");
  const char *base = NULL, *sub = NULL;
  if (xdg && xdg[0] == '/') {
    base = xdg;
    sub = "sandbox/seccomp";
  } else {
    base = getenv("HOME");
    if (!base || base[0] != '/') {
      struct passwd *pw = getpwuid(geteuid());
      base = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
    }
    sub = ".cache/sandbox/seccomp";
  }
  if (!base) return NULL;
  struct stat st;
  if (stat(base, &st) == 0 ? st.st_uid != geteuid() : errno != ENOENT) return NULL;
  char *dir = NULL;
  if (asprintf(&dir, "%s/%s", strcmp(base, "/") == 0 ? "" : base, sub) < 0) return NULL;
  return dir;
}

int cmd_run(int argc, char **argv) {
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0); /* for the profile phase of -v */
  static const struct option opts[] = {
      {"profile", required_argument, NULL, 'p'},
      {"set", required_argument, NULL, OPT_SET},
      {"bundle", required_argument, NULL, OPT_BUNDLE},
      {"bind", required_argument, NULL, OPT_BIND},
      {"env", required_argument, NULL, OPT_ENV},
      {"cwd", required_argument, NULL, OPT_CWD},
      {"report", required_argument, NULL, OPT_REPORT},
      {"stats", no_argument, NULL, OPT_STATS},
      {"cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT},
      {"quiet", no_argument, NULL, 'q'},
      {"stdin", required_argument, NULL, OPT_STDIN},
      {"stdout", required_argument, NULL, OPT_STDOUT},
      {"stderr", required_argument, NULL, OPT_STDERR},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *profile = NULL, *bundle = NULL, *cwd = NULL, *report = NULL, *cgroup_parent = NULL;
  const char *streams[3] = {NULL, NULL, NULL};
  struct strlist sets = {0}, binds = {0}, envs = {0};
  bool stats = false, verbose = false, quiet = false;
  int c, status = EXIT_SANDBOX_FAILURE;
  while ((c = getopt_long(argc, argv, "+p:qvh", opts, NULL)) != -1) {
    switch (c) {
    case 'p': profile = optarg; break;
    case OPT_SET: strlist_add(&sets, optarg); break;
    case OPT_BUNDLE: bundle = optarg; break;
    case OPT_BIND: strlist_add(&binds, optarg); break;
    case OPT_ENV: strlist_add(&envs, optarg); break;
    case OPT_CWD: cwd = optarg; break;
    case OPT_REPORT: report = optarg; break;
    case OPT_STATS: stats = true; break;
    case OPT_CGROUP_PARENT: cgroup_parent = optarg; break;
    case 'q': quiet = true; break;
    case OPT_STDIN: streams[0] = optarg; break;
    case OPT_STDOUT: streams[1] = optarg; break;
    case OPT_STDERR: streams[2] = optarg; break;
    case 'v': verbose = true; break;
    case 'h':
      usage_run(stdout);
      status = 0;
      goto out;
    default: usage_run(stderr); goto out;
    }
  }
  if (bundle && (profile || sets.n)) {
    complain("run: --bundle cannot be combined with --profile or --set");
    goto out;
  }

  sbx_spec *spec = NULL;
  sbx_error *err = NULL;
  char *config = NULL;
  FILE *report_file = NULL;
  if (bundle) {
    if (asprintf(&config, "%s/config.json", bundle) < 0) goto out;
    int rc = sbx_spec_load_json(config, &spec, &err);
    free(config);
    if (rc < 0) {
      print_error_chain(err);
      sbx_error_free(err);
      goto out;
    }
  } else if (load_profile(profile ? profile : "default", &sets, &spec) < 0) {
    goto out;
  }
  if (optind < argc && sbx_spec_set_args(spec, (const char *const *)argv + optind,
                                         (size_t)(argc - optind), &err) < 0)
    goto fail;
  if (!sbx_spec_has_command(spec)) {
    complain(
        "run: no command given, on the command line or in the profile's process.command "
        "(try 'sandbox run -- /bin/true')");
    goto done;
  }
  /* The report file is opened before the job runs, so that a path that cannot be written
   * fails the run up front instead of losing the report of a finished job. */
  if (report && strcmp(report, "-") != 0) {
    report_file = fopen(report, "we");
    if (!report_file) {
      complain("open %s: %s", report, strerror(errno));
      goto done;
    }
  }
  for (size_t i = 0; i < binds.n; i++)
    if (add_bind(spec, binds.v[i]) < 0) goto done;
  for (size_t i = 0; i < envs.n; i++)
    if (add_env(spec, envs.v[i]) < 0) goto done;
  if (cwd && sbx_spec_set_cwd(spec, cwd, &err) < 0) goto fail;
  for (int i = 0; i < 3; i++)
    if (streams[i] && set_stream(spec, i, streams[i]) < 0) goto done;
  if (cgroup_parent && sbx_spec_set_cgroup_parent(spec, cgroup_parent, &err) < 0) {
    fprintf(stderr, "%s: --cgroup-parent %s: %s\n", prog, cgroup_parent, err->message);
    sbx_error_free(err);
    goto done;
  }

  sbx_run_options ro;
  sbx_run_options_init(&ro);
  ro.bundle_dir = bundle;
  ro.forward_signals = true;
  char *cache_dir = seccomp_cache_dir();
  ro.seccomp_cache_dir = cache_dir;
  if (verbose) {
    ro.log = log_verbose;
    /* The CLI's own step: its arguments, the profile loaded and translated, the spec's edits
     * (the exec of the CLI and its dynamic loading come before and are not counted). */
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long us = (t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000;
    fprintf(stderr, "%s: phase profile %lld us\n", prog, us);
  }
  sbx_result result;
  int rc = sbx_run(spec, &ro, &result, &err);
  free(cache_dir);
  if (rc < 0) print_error_chain(err);
  sbx_error_free(err);
  err = NULL;
  status = exit_status_of(&result);
  if (!quiet) print_limit_notes(&result);
  if (stats) print_stats(&result);
  if (report) {
    char *json = sbx_result_to_json(&result, &err);
    if (!json) {
      print_error_chain(err);
      status = EXIT_SANDBOX_FAILURE;
    } else if (report_file) {
      int bad = fputs(json, report_file) == EOF;
      if (fclose(report_file) == EOF) bad = 1;
      report_file = NULL;
      if (bad) {
        complain("write %s: %s", report, strerror(errno));
        status = EXIT_SANDBOX_FAILURE;
      }
    } else if (write_text(report, json) < 0) {
      status = EXIT_SANDBOX_FAILURE;
    }
    free(json);
  }
  sbx_result_clear(&result);
fail:
  if (err) {
    print_error_chain(err);
    sbx_error_free(err);
  }
done:
  if (report_file) fclose(report_file);
  sbx_spec_free(spec);
out:
  free(sets.v);
  free(binds.v);
  free(envs.v);
  return status;
}

/* A standard fd the caller closed (`<&-`) is /dev/null from the start: otherwise the first file
 * this command opens (a --report file) would take its number and reach the job as its stdin
 * or stdout. */