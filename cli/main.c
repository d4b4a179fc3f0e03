/* main.c: the `sandbox` command. Argument parsing and printing only: every action is a call
 * into libsandbox (sandbox.h). */
#include "cli.h"

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

const char *prog = "sandbox";

void print_error_chain(const sbx_error *err) {
  for (; err; err = err->next) fprintf(stderr, "%s: %s\n", prog, err->message);
}

void complain(const char *fmt, ...) {
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
          "  batch   run jobs from JSON request lines, one JSON report line each\n"
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

void strlist_add(struct strlist *l, const char *s) {
  const char **v = realloc(l->v, (l->n + 1) * sizeof *v);
  if (!v) {
    complain("out of memory");
    exit(EXIT_SANDBOX_FAILURE);
  }
  v[l->n++] = s;
  l->v = v;
}

void log_verbose(void *ctx, const char *msg) {
  (void)ctx;
  fprintf(stderr, "%s: %s\n", prog, msg);
}

int write_text(const char *path, const char *text) {
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

int load_profile_err(const char *profile, const char *const *sets, size_t n_sets, sbx_spec **spec,
                     sbx_error **err) {
  struct search_path sp;
  search_path_make(&sp);
  sbx_load_options lo = {0};
  lo.sets = sets;
  lo.n_sets = n_sets;
  lo.search_path = sp.v;
  lo.n_search_path = sp.n;
  int rc = sbx_spec_load_profile(profile, &lo, spec, err);
  free(sp.buf);
  return rc;
}

int load_profile(const char *profile, struct strlist *sets, sbx_spec **spec) {
  sbx_error *err = NULL;
  int rc = load_profile_err(profile, sets->v, sets->n, spec, &err);
  if (rc < 0) {
    print_error_chain(err);
    sbx_error_free(err);
    return -1;
  }
  return 0;
}

/* ---- sandbox spec ------------------------------------------------------------------------- */

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
    else if (strcmp(topic, "batch") == 0)
      usage_batch(stdout);
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
  if (strcmp(cmd, "batch") == 0) return cmd_batch(argc, argv);
  complain("unknown command '%s' (see 'sandbox --help')", cmd);
  return 2;
}
