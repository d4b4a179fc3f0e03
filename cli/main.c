/* main.c: the `sandbox` command. Argument parsing and printing only: every action is a call
 * into libsandbox (sandbox.h). */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Exit statuses of the CLI itself (the job's own status passes through otherwise). */
enum {
  EXIT_SANDBOX_FAILURE = 125, /* the sandbox could not be set up; bad usage or profile */
  EXIT_NOT_EXECUTABLE = 126,
  EXIT_NOT_FOUND = 127,
};

static const char *prog = "sandbox";

static void print_error_chain(const sbx_error *err) {
  for (; err; err = err->next) fprintf(stderr, "%s: %s\n", prog, err->message);
}

__attribute__((format(printf, 1, 2))) static void complain(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static void usage_main(FILE *f) {
  fprintf(f,
          "Usage: sandbox COMMAND [OPTION]... \n"
          "Runs untrusted build and job steps in a Linux sandbox.\n"
          "\n"
          "Commands:\n"
          "  run     run a command in the sandbox\n"
          "  spec    print the OCI config.json a profile translates to\n"
          "  check   validate job profiles\n"
          "  gc      remove the cgroups that killed runs left behind\n"
          "  help    show help for a command\n"
          "\n"
          "Options:\n"
          "  -h, --help     show this help\n"
          "      --version  show the version\n"
          "\n"
          "Run 'sandbox COMMAND --help' for a command's options; 'man sandbox' for the rest.\n");
}

static void usage_run(FILE *f) {
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

static void usage_spec(FILE *f) {
  fprintf(f,
          "Usage: sandbox spec [-p] PROFILE [--set KEY.PATH=VALUE]... [--rootfs DIR]\n"
          "                    [-- CMD [ARG]...]\n"
          "Prints the OCI runtime-spec config.json that PROFILE translates to.\n"
          "\n"
          "  -p, --profile=NAME|PATH   the job profile (also accepted as the first argument)\n"
          "      --set=KEY.PATH=VALUE  override a profile key (repeatable)\n"
          "  -o, --output=FILE         write to FILE instead of stdout\n"
          "      --rootfs=DIR          root.path: run the bundle on the root DIR (relative:\n"
          "                            from the bundle's directory) instead of a fresh root\n"
          "  -h, --help                show this help\n");
}

static void usage_check(FILE *f) {
  fprintf(f,
          "Usage: sandbox check PROFILE...\n"
          "Validates job profiles, printing every error as FILE:LINE:COLUMN: KEY: MESSAGE.\n"
          "Exits 0 when all are valid, 1 otherwise. A bind source that is missing on this host\n"
          "(and not optional) is a warning, which leaves the exit status alone.\n"
          "\n"
          "  --set=KEY.PATH=VALUE  override a profile key (repeatable)\n"
          "  -h, --help            show this help\n");
}

static void usage_gc(FILE *f) {
  fprintf(f,
          "Usage: sandbox gc [--cgroup-parent=PATH]\n"
          "Removes the cgroups that runs left behind when their supervisor was killed (a run\n"
          "removes its own otherwise): in every hierarchy, the directories below the parent\n"
          "that are named as a run's cgroup (sbx-PID-START-N) and whose supervisor (PID, with\n"
          "that start time) no longer exists. What is left in them is killed. No other cgroup\n"
          "is touched. Prints how many runs' cgroups were removed.\n"
          "\n"
          "      --cgroup-parent=PATH  the parent given to 'sandbox run --cgroup-parent'\n"
          "                            (default: 'sandbox', or '<own cgroup>/sandbox' rootless)\n"
          "  -h, --help                show this help\n"
          "\n"
          "Exit status: 0 when every leftover found was removed, 1 otherwise.\n");
}

/* A growing list of strings taken from argv (not copied). */
struct strlist {
  const char **v;
  size_t n;
};

static void strlist_add(struct strlist *l, const char *s) {
  const char **v = realloc(l->v, (l->n + 1) * sizeof *v);
  if (!v) {
    complain("out of memory");
    exit(EXIT_SANDBOX_FAILURE);
  }
  v[l->n++] = s;
  l->v = v;
}

static void log_verbose(void *ctx, const char *msg) {
  (void)ctx;
  fprintf(stderr, "%s: %s\n", prog, msg);
}

static int write_text(const char *path, const char *text) {
  if (strcmp(path, "-") == 0) {
    if (fputs(text, stdout) == EOF || fflush(stdout) == EOF) {
      complain("write to stdout: %s", strerror(errno));
      return -1;
    }
    return 0;
  }
  FILE *f = fopen(path, "we");
  if (!f) {
    complain("open %s: %s", path, strerror(errno));
    return -1;
  }
  int bad = fputs(text, f) == EOF;
  if (fclose(f) == EOF) bad = 1;
  if (bad) {
    complain("write %s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

/* Where stock profiles are looked up, in order: $SANDBOX_PROFILE_PATH (colon-separated), the
 * profiles/ directory beside the directory of this program (a build tree: build/sandbox finds
 * profiles/), and the installed profile directory. */
#ifndef SBX_DATADIR
#define SBX_DATADIR "/usr/local/share/sandbox"
#endif
struct search_path {
  char *buf;         /* the strings below point into this */
  const char *v[64]; /* at most 62 from the environment, then the two fixed ones */
  size_t n;
};

static void search_path_make(struct search_path *sp) {
  sp->n = 0;
  sp->buf = NULL;
  const char *env = getenv("SANDBOX_PROFILE_PATH");
  if (env && *env && (sp->buf = strdup(env))) {
    char *save = NULL;
    for (char *d = strtok_r(sp->buf, ":", &save); d && sp->n < 62; d = strtok_r(NULL, ":", &save))
      sp->v[sp->n++] = d;
  }
  static char beside[PATH_MAX];
  char exe[PATH_MAX], rel[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len > 0) {
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      if (snprintf(rel, sizeof rel, "%s/../profiles", exe) < (int)sizeof rel &&
          realpath(rel, beside))
        sp->v[sp->n++] = beside;
    }
  }
  sp->v[sp->n++] = SBX_DATADIR "/profiles";
}

static int load_profile(const char *profile, struct strlist *sets, sbx_spec **spec) {
  struct search_path sp;
  search_path_make(&sp);
  sbx_load_options lo = {0};
  lo.sets = sets->v;
  lo.n_sets = sets->n;
  lo.search_path = sp.v;
  lo.n_search_path = sp.n;
  sbx_error *err = NULL;
  int rc = sbx_spec_load_profile(profile, &lo, spec, &err);
  free(sp.buf);
  if (rc < 0) {
    print_error_chain(err);
    sbx_error_free(err);
    return -1;
  }
  return 0;
}

/* ---- sandbox spec ------------------------------------------------------------------------- */

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

static int cmd_spec(int argc, char **argv) {
  static const struct option opts[] = {
      {"profile", required_argument, NULL, 'p'},
      {"set", required_argument, NULL, OPT_SET},
      {"output", required_argument, NULL, 'o'},
      {"rootfs", required_argument, NULL, OPT_ROOTFS}, /* root.path of the bundle */
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *profile = NULL, *output = "-", *rootfs = NULL;
  struct strlist sets = {0};
  /* Options may come before or after the profile name; the command comes after "--". */
  int dashdash = argc;
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      dashdash = i;
      break;
    }
  int c;
  while ((c = getopt_long(dashdash, argv, "p:o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'p': profile = optarg; break;
    case OPT_SET: strlist_add(&sets, optarg); break;
    case 'o': output = optarg; break;
    case OPT_ROOTFS: rootfs = optarg; break;
    case 'h':
      usage_spec(stdout);
      free(sets.v);
      return 0;
    default:
      usage_spec(stderr);
      free(sets.v);
      return 2;
    }
  }
  if (!profile && optind < dashdash) profile = argv[optind++];
  if (optind < dashdash) {
    complain("spec: unexpected argument '%s' (the command goes after '--')", argv[optind]);
    free(sets.v);
    return 2;
  }
  optind = dashdash < argc ? dashdash + 1 : argc;
  if (!profile) {
    complain("spec: no profile given (try 'sandbox spec default')");
    free(sets.v);
    return 2;
  }
  sbx_spec *spec = NULL;
  int rc = load_profile(profile, &sets, &spec);
  free(sets.v);
  if (rc < 0) return 1;
  sbx_error *err = NULL;
  /* root.path of the bundle (relative: from the bundle's directory); read-only, as a fresh root. */
  if (rootfs && sbx_spec_set_rootfs(spec, rootfs, true, &err) < 0) {
    fprintf(stderr, "%s: --rootfs %s: %s\n", prog, rootfs, err->message);
    sbx_error_free(err);
    sbx_spec_free(spec);
    return 1;
  }
  if (optind < argc && sbx_spec_set_args(spec, (const char *const *)argv + optind,
                                         (size_t)(argc - optind), &err) < 0) {
    print_error_chain(err);
    sbx_error_free(err);
    sbx_spec_free(spec);
    return 1;
  }
  char *json = sbx_spec_to_json(spec, &err);
  sbx_spec_free(spec);
  if (!json) {
    print_error_chain(err);
    sbx_error_free(err);
    return 1;
  }
  rc = write_text(output, json);
  free(json);
  return rc < 0 ? 1 : 0;
}

/* ---- sandbox check ------------------------------------------------------------------------ */

/* A bind source missing here fails a run here, but the profile may be meant for another host:
 * a warning, which leaves the exit status alone. Optional binds are skipped when missing. */
static void warn_missing_sources(const char *profile, const sbx_spec *spec) {
  sbx_error *problems = NULL;
  sbx_spec_check_sources(spec, &problems);
  for (sbx_error *e = problems; e; e = e->next)
    fprintf(stderr, "%s: %s: warning: %s\n", prog, profile, e->message);
  sbx_error_free(problems);
}

static int cmd_check(int argc, char **argv) {
  static const struct option opts[] = {
      {"set", required_argument, NULL, OPT_SET},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  struct strlist sets = {0};
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case OPT_SET: strlist_add(&sets, optarg); break;
    case 'h':
      usage_check(stdout);
      free(sets.v);
      return 0;
    default:
      usage_check(stderr);
      free(sets.v);
      return 2;
    }
  }
  if (optind >= argc) {
    complain("check: no profile given");
    free(sets.v);
    return 2;
  }
  int bad = 0;
  for (int i = optind; i < argc; i++) {
    sbx_spec *spec = NULL;
    if (load_profile(argv[i], &sets, &spec) < 0) {
      bad = 1;
      continue;
    }
    /* What `run` and `spec` would refuse is an error here too: the spec's own validation
     * (with a stand-in command when the profile leaves it to the command line) and the
     * config.json translation. */
    sbx_error *err = NULL;
    static const char *const stand_in[] = {"/bin/true"};
    if (!sbx_spec_has_command(spec)) sbx_spec_set_args(spec, stand_in, 1, NULL);
    char *json = NULL;
    if (sbx_spec_validate(spec, &err) < 0 || !(json = sbx_spec_to_json(spec, &err))) {
      for (sbx_error *e = err; e; e = e->next)
        fprintf(stderr, "%s: %s: %s\n", prog, argv[i], e->message);
      sbx_error_free(err);
      sbx_spec_free(spec);
      bad = 1;
      continue;
    }
    free(json);
    warn_missing_sources(argv[i], spec);
    sbx_spec_free(spec);
    printf("%s: ok\n", argv[i]);
  }
  free(sets.v);
  return bad;
}

/* ---- sandbox gc --------------------------------------------------------------------------- */

static int cmd_gc(int argc, char **argv) {
  static const struct option opts[] = {
      {"cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *parent = NULL;
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case OPT_CGROUP_PARENT: parent = optarg; break;
    case 'h': usage_gc(stdout); return 0;
    default: usage_gc(stderr); return 2;
    }
  }
  if (optind < argc) {
    complain("gc: unexpected argument '%s'", argv[optind]);
    return 2;
  }
  sbx_error *err = NULL;
  size_t removed = 0;
  int rc = sbx_gc(parent, &removed, &err);
  if (rc == 0 || removed > 0)
    printf("removed %zu cgroup%s of dead runs\n", removed, removed == 1 ? "" : "s");
  if (rc < 0) {
    print_error_chain(err);
    sbx_error_free(err);
    return 1;
  }
  return 0;
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

static int cmd_run(int argc, char **argv) {
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
  if (verbose) ro.log = log_verbose;
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
static void open_closed_std_fds(void) {
  for (int fd = 0; fd < 3; fd++) {
    if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (n >= 0 && n != fd) close(n); /* a lower fd was closed too: it took that one */
  }
}

int main(int argc, char **argv) {
  open_closed_std_fds();
  if (argc < 2) {
    usage_main(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    printf("sandbox %s\n", sbx_version());
    return 0;
  }
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
    usage_main(stdout);
    return 0;
  }
  if (strcmp(cmd, "help") == 0) {
    const char *topic = argc > 2 ? argv[2] : "";
    if (strcmp(topic, "run") == 0)
      usage_run(stdout);
    else if (strcmp(topic, "spec") == 0)
      usage_spec(stdout);
    else if (strcmp(topic, "check") == 0)
      usage_check(stdout);
    else if (strcmp(topic, "gc") == 0)
      usage_gc(stdout);
    else
      usage_main(stdout);
    return 0;
  }
  /* Each command parses argv[1..]: argv[0] for getopt is the command name. */
  argc--;
  argv++;
  if (strcmp(cmd, "run") == 0) return cmd_run(argc, argv);
  if (strcmp(cmd, "spec") == 0) return cmd_spec(argc, argv);
  if (strcmp(cmd, "check") == 0) return cmd_check(argc, argv);
  if (strcmp(cmd, "gc") == 0) return cmd_gc(argc, argv);
  complain("unknown command '%s' (see 'sandbox --help')", cmd);
  return 2;
}
