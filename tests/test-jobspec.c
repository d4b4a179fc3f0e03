/* test-jobspec.c: the YAML job-profile loader (jobspec/): every key and the spec field it fills,
 * every kind of error with its exact message and location, units, variables, extends, --set,
 * the guards against hostile files, and the stock profiles.
 *
 * Profiles are loaded with fixed variables (PWD /home/user/src, HOME /home/user) and fixed
 * caller ids (1000/1000 unless a test says otherwise), so nothing depends on who runs the test.
 * Fixtures are in tests/jobspec/; the plain error cases are data files there, in errors/ (a
 * profile X.yaml and its exact errors X.err), run by error_files. */
#define TEST_FILE "test-jobspec"
#include "engine.h"
#include "harness.h"
#include "jobspec.h"
#include "lib/scratch.h"
#include "seccomp-groups.h"
#include "spec.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <locale.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* ---- helpers ------------------------------------------------------------------------------ */

static const char *srcdir(void) {
  const char *s = getenv("SBX_SRCDIR");
  return s ? s : ".";
}

static char profiles_dir[4096];
static const char *search[1];

static sbx_load_options opts_base(void) {
  snprintf(profiles_dir, sizeof profiles_dir, "%s/profiles", srcdir());
  search[0] = profiles_dir;
  sbx_load_options o = {0};
  o.search_path = search;
  o.n_search_path = 1;
  o.pwd = "/home/user/src";
  o.home = "/home/user";
  o.set_ids = true;
  o.uid = 1000;
  o.gid = 1000;
  return o;
}

/* The maps the id-mapping policy decides for `s` run by the caller uid/gid (with the host's
 * subordinate ranges and helpers as `paths` has them; NULL: none). The loader records only the
 * intent, whoever loads it. */
static idmap_plan plan_for(const sbx_spec *s, uint32_t uid, uint32_t gid,
                           const idmap_paths *paths) {
  idmap_host h;
  static const idmap_paths none = {"/nonexistent/subuid", "/nonexistent/subgid",
                                   "/nonexistent/newuidmap", "/nonexistent/newgidmap"};
  idmap_host_probe(s, uid, gid, paths ? paths : &none, &h);
  idmap_plan p;
  sbx_error *e = NULL;
  if (idmap_plan_make(s, &h, &p, &e) < 0) TEST_FAIL("idmap_plan_make: %s", e->message);
  return p;
}

/* All error messages, one a line. */
static char *join_errors(const sbx_error *e) {
  char *out = xstrdup("");
  for (; e; e = e->next) {
    char *n = xasprintf("%s%s%s", out, *out ? "\n" : "", e->message);
    free(out);
    out = n;
  }
  return out;
}

static sbx_spec *load_opts(const char *yaml, const sbx_load_options *o) {
  sbx_spec *s = NULL;
  sbx_error *e = NULL;
  if (sbx_spec_load_profile_string("job.yaml", yaml, strlen(yaml), o, &s, &e) < 0) {
    char *m = join_errors(e);
    TEST_FAIL("the profile did not load: %s", m);
  }
  return s;
}

static sbx_spec *load(const char *yaml) {
  sbx_load_options o = opts_base();
  return load_opts(yaml, &o);
}

static char *errors_opts(const char *yaml, const sbx_load_options *o) {
  sbx_spec *s = NULL;
  sbx_error *e = NULL;
  if (sbx_spec_load_profile_string("job.yaml", yaml, strlen(yaml), o, &s, &e) == 0) {
    sbx_spec_free(s);
    TEST_FAIL("the profile loaded, but an error was expected");
  }
  CHECK(s == NULL);
  char *m = join_errors(e);
  sbx_error_free(e);
  return m;
}

/* The errors of a profile that must fail, joined by newlines. */
static char *errors(const char *yaml) {
  sbx_load_options o = opts_base();
  return errors_opts(yaml, &o);
}

#define CHECK_ERRORS(yaml, expected)        \
  do {                                      \
    _cleanup_free_ char *m_ = errors(yaml); \
    CHECK_EQ_STR(m_, expected);             \
  } while (0)

static char *fixture(const char *name) { return xasprintf("%s/tests/jobspec/%s", srcdir(), name); }

static char *file_errors(const char *path, const sbx_load_options *o) {
  sbx_spec *s = NULL;
  sbx_error *e = NULL;
  if (sbx_spec_load_profile(path, o, &s, &e) == 0) {
    sbx_spec_free(s);
    TEST_FAIL("%s loaded, but an error was expected", path);
  }
  char *m = join_errors(e);
  sbx_error_free(e);
  return m;
}

static const sbx_mount *find_mount(const sbx_spec *s, const char *target) {
  for (size_t i = 0; i < s->n_mounts; i++)
    if (strcmp(s->mounts[i].target, target) == 0) return &s->mounts[i];
  return NULL;
}

/* ---- error cases as data files ----------------------------------------------------------- */

static void print_indented(const char *title, const char *text) {
  printf("  %s:\n", title);
  for (const char *l = text; *l;) {
    size_t n = strcspn(l, "\n");
    printf("    %.*s\n", (int)n, l);
    l += n + (l[n] == '\n');
  }
}

/* One case: X.yaml, loaded under the name X.yaml, must fail with exactly the errors of X.err
 * (one a line). Prints its own PASS or FAIL line; true when it passed. */
static bool error_case(const char *dir, const char *yaml) {
  size_t stem = strlen(yaml) - strlen(".yaml");
  _cleanup_free_ char *path = xasprintf("%s/%s", dir, yaml);
  _cleanup_free_ char *err_path = xasprintf("%s/%.*s.err", dir, (int)stem, yaml);
  _cleanup_free_ char *text = NULL, *want = NULL, *got = NULL;
  size_t len = 0;
  sbx_error *e = NULL;
  sbx_spec *s = NULL;
  const char *why = NULL;
  sbx_load_options o = opts_base();
  if (read_file_max(path, JS_MAX_FILE_BYTES, &text, &len, &e) < 0 ||
      read_file_max(err_path, 1 << 20, &want, NULL, &e) < 0) {
    got = xstrdup(e->message);
    why = "cannot read the case";
  } else if (sbx_spec_load_profile_string(yaml, text, len, &o, &s, &e) == 0) {
    got = xstrdup("(it loaded)");
    why = "the profile loaded, but errors were expected";
  } else {
    got = join_errors(e);
    size_t wl = strlen(want);
    if (wl && want[wl - 1] == '\n') want[wl - 1] = '\0';
    if (s)
      why = "a spec was returned with the errors";
    else if (strcmp(got, want) != 0)
      why = "other errors than expected";
  }
  sbx_spec_free(s);
  sbx_error_free(e);
  if (!why) {
    printf("PASS: %s:errors/%.*s\n", TEST_FILE, (int)stem, yaml);
    return true;
  }
  printf("FAIL: %s:errors/%.*s: %s\n", TEST_FILE, (int)stem, yaml, why);
  print_indented("expected", want ? want : "");
  print_indented("got", got);
  return false;
}

/* Every error case of tests/jobspec/errors/ (X.yaml and the exact errors X.err), each a PASS or
 * FAIL line of its own. */
TEST(error_files) {
  _cleanup_free_ char *dir = xasprintf("%s/tests/jobspec/errors", srcdir());
  struct dirent **names = NULL;
  int n = scandir(dir, &names, NULL, alphasort);
  if (n < 0) TEST_FAIL("scandir %s: %s", dir, strerror(errno));
  int cases = 0, failed = 0;
  for (int i = 0; i < n; i++) {
    const char *f = names[i]->d_name;
    size_t len = strlen(f);
    if (len > 5 && strcmp(f + len - 5, ".yaml") == 0) {
      cases++;
      failed += !error_case(dir, f);
    } else if (len > 4 && strcmp(f + len - 4, ".err") == 0) {
      _cleanup_free_ char *yaml = xasprintf("%s/%.*s.yaml", dir, (int)(len - 4), f);
      if (access(yaml, F_OK) != 0) {
        printf("FAIL: %s:errors/%s: no %s for it\n", TEST_FILE, f, yaml);
        failed++;
      }
    }
    free(names[i]);
  }
  free(names);
  fflush(stdout);
  if (cases < 90) TEST_FAIL("only %d error cases in %s", cases, dir);
  if (failed) TEST_FAIL("%d of the error files failed", failed);
}

/* ---- defaults ----------------------------------------------------------------------------- */

TEST(defaults_of_a_minimal_profile) {
  sbx_spec *s = load("description: nothing else\n");
  CHECK_EQ_INT(s->process.n_args, 0);
  CHECK_EQ_STR(s->process.cwd, "/");
  CHECK_EQ_INT(s->process.uid, 0);
  CHECK_EQ_INT(s->process.gid, 0);
  CHECK_EQ_INT(s->process.umask, 022);
  CHECK_EQ_INT(s->process.n_env, 0);
  for (int i = 0; i < 3; i++) CHECK_EQ_INT(s->process.stdio[i].mode, SBX_STDIO_INHERIT);
  CHECK_EQ_INT(s->process.capabilities, 0);
  CHECK(s->root.path == NULL);
  CHECK_EQ_INT(s->n_mounts, 2);
  CHECK_EQ_INT(s->mounts[0].type, SBX_MOUNT_PROC);
  CHECK_EQ_STR(s->mounts[0].target, "/proc");
  CHECK_EQ_INT(s->mounts[1].type, SBX_MOUNT_DEV);
  CHECK_EQ_STR(s->mounts[1].target, "/dev");
  CHECK_EQ_INT(s->namespaces, SBX_NS_ALL);
  CHECK_EQ_INT(s->network, SBX_NET_NONE);
  CHECK(s->hostname == NULL);
  CHECK_EQ_INT(s->cgroup_mode, SBX_CGROUP_AUTO);
  CHECK(!s->seccomp.enabled);
  CHECK(s->limits.memory == SBX_UNSET && s->limits.wall_time_us == SBX_UNSET);
  CHECK_EQ_INT(s->limits.core, 0);
  CHECK_EQ_INT(s->limits.swap, 0);
  /* The intent only: auto, one id; no mapping is decided at load. */
  CHECK_EQ_INT(s->n_uid_mappings, 0);
  CHECK_EQ_INT(s->n_gid_mappings, 0);
  CHECK_EQ_INT(s->id_intent.host_uid, SBX_ID_AUTO);
  CHECK_EQ_INT(s->id_intent.host_gid, SBX_ID_AUTO);
  CHECK_EQ_INT(s->id_intent.count, 1);
  idmap_plan p = plan_for(s, 1000, 1000, NULL);
  CHECK_EQ_INT(p.n_uids, 1);
  CHECK_EQ_INT(p.uids[0].container_id, 0);
  CHECK_EQ_INT(p.uids[0].host_id, 1000);
  CHECK_EQ_INT(p.uids[0].size, 1);
  CHECK_EQ_INT(p.n_gids, 1);
  idmap_plan_free(&p);
  sbx_spec_free(s);
}

/* ---- process ------------------------------------------------------------------------------ */

TEST(process_keys) {
  setenv("JOBSPEC_TEST_INHERIT", "inherited", 1);
  unsetenv("JOBSPEC_TEST_UNSET");
  sbx_spec *s = load(
      "process:\n"
      "  command: [cc, -c, 'a b.c']\n"
      "  cwd: /work/sub\n"
      "  umask: \"027\"\n"
      "  env: {PATH: /usr/bin, EMPTY: '', NUM: 42, JOBSPEC_TEST_INHERIT: default}\n"
      "  env_inherit: [JOBSPEC_TEST_INHERIT, JOBSPEC_TEST_UNSET]\n"
      "  user: {uid: 0, gid: 5}\n"
      "  stdin: 'null'\n"
      "  stdout: inherit\n"
      "  stderr: err.txt\n");
  CHECK_EQ_INT(s->process.n_args, 3);
  CHECK_EQ_STR(s->process.args[0], "cc");
  CHECK_EQ_STR(s->process.args[2], "a b.c");
  CHECK(s->process.args[3] == NULL);
  CHECK_EQ_STR(s->process.cwd, "/work/sub");
  CHECK_EQ_INT(s->process.umask, 027);
  CHECK_EQ_STR(spec_env_get(s, "PATH"), "/usr/bin");
  CHECK_EQ_STR(spec_env_get(s, "EMPTY"), "");
  CHECK_EQ_STR(spec_env_get(s, "NUM"), "42");
  CHECK_EQ_STR(spec_env_get(s, "JOBSPEC_TEST_INHERIT"), "inherited");
  CHECK(spec_env_get(s, "JOBSPEC_TEST_UNSET") == NULL);
  CHECK_EQ_INT(s->process.n_env, 4);
  CHECK_EQ_INT(s->process.uid, 0);
  CHECK_EQ_INT(s->process.gid, 5);
  CHECK_EQ_INT(s->process.stdio[SBX_STDIN].mode, SBX_STDIO_NULL);
  CHECK_EQ_INT(s->process.stdio[SBX_STDOUT].mode, SBX_STDIO_INHERIT);
  CHECK_EQ_INT(s->process.stdio[SBX_STDERR].mode, SBX_STDIO_FILE);
  CHECK_EQ_STR(s->process.stdio[SBX_STDERR].path, "/home/user/src/err.txt");
  /* uid 0 inside maps to the caller */
  idmap_plan p = plan_for(s, 1000, 1000, NULL);
  CHECK_EQ_INT(p.uids[0].container_id, 0);
  CHECK_EQ_INT(p.uids[0].host_id, 1000);
  CHECK_EQ_INT(p.gids[0].container_id, 5);
  idmap_plan_free(&p);
  sbx_spec_free(s);
}

TEST(process_command_string_is_one_argument) {
  sbx_spec *s = load("process: {command: make all}\n");
  CHECK_EQ_INT(s->process.n_args, 1);
  CHECK_EQ_STR(s->process.args[0], "make all");
  sbx_spec_free(s);
}

TEST(process_umask_forms) {
  sbx_spec *s = load("process: {umask: 22}\n");
  CHECK_EQ_INT(s->process.umask, 022);
  sbx_spec_free(s);
  s = load("process: {umask: 0o077}\n");
  CHECK_EQ_INT(s->process.umask, 077);
  sbx_spec_free(s);
}

TEST(process_stdio) {
  static const char *const keys[3] = {"stdin", "stdout", "stderr"};
  for (int i = 0; i < 3; i++) {
    char text[128];
    snprintf(text, sizeof text, "process: {%s: 'null'}\n", keys[i]);
    sbx_spec *s = load(text);
    CHECK_EQ_INT(s->process.stdio[i].mode, SBX_STDIO_NULL);
    CHECK(s->process.stdio[i].path == NULL);
    sbx_spec_free(s);
    /* YAML's own null (unquoted) is an empty value, "not set", as for every key: the
     * default, inherit (docs/profile.md says to quote 'null'). */
    snprintf(text, sizeof text, "process: {%s: null}\n", keys[i]);
    s = load(text);
    CHECK_EQ_INT(s->process.stdio[i].mode, SBX_STDIO_INHERIT);
    sbx_spec_free(s);
    snprintf(text, sizeof text, "process: {%s: input.txt}\n", keys[i]);
    s = load(text);
    CHECK_EQ_INT(s->process.stdio[i].mode, SBX_STDIO_FILE);
    CHECK_EQ_STR(s->process.stdio[i].path, "/home/user/src/input.txt");
    for (int j = 0; j < 3; j++)
      if (j != i) CHECK_EQ_INT(s->process.stdio[j].mode, SBX_STDIO_INHERIT);
    sbx_spec_free(s);
    snprintf(text, sizeof text, "process: {%s: '${PWD}/x/in'}\n", keys[i]);
    s = load(text);
    CHECK_EQ_STR(s->process.stdio[i].path, "/home/user/src/x/in");
    sbx_spec_free(s);
    snprintf(text, sizeof text, "process: {%s: /data/in}\n", keys[i]);
    s = load(text);
    CHECK_EQ_STR(s->process.stdio[i].path, "/data/in");
    sbx_spec_free(s);
    snprintf(text, sizeof text, "process: {%s: inherit}\n", keys[i]);
    s = load(text);
    CHECK_EQ_INT(s->process.stdio[i].mode, SBX_STDIO_INHERIT);
    sbx_spec_free(s);
  }
}

/* ---- filesystem --------------------------------------------------------------------------- */

TEST(filesystem_binds) {
  sbx_spec *s = load(
      "filesystem:\n"
      "  binds:\n"
      "    - /usr\n"
      "    - /data:/in\n"
      "    - /out:/out:rw\n"
      "    - {source: /opt, target: /x/opt, mode: rw, optional: true, noexec: true,\n"
      "       nosuid: false, nodev: false}\n"
      "    - {source: /srv}\n");
  const unsigned base = SBX_MNT_RECURSIVE | SBX_MNT_NOSUID | SBX_MNT_NODEV;
  const sbx_mount *m = find_mount(s, "/usr");
  CHECK(m && m->type == SBX_MOUNT_BIND);
  CHECK_EQ_STR(m->source, "/usr");
  CHECK_EQ_INT(m->flags, base | SBX_MNT_RO);
  m = find_mount(s, "/in");
  CHECK(m != NULL);
  CHECK_EQ_STR(m->source, "/data");
  CHECK_EQ_INT(m->flags, base | SBX_MNT_RO);
  m = find_mount(s, "/out");
  CHECK(m != NULL);
  CHECK_EQ_INT(m->flags, base);
  m = find_mount(s, "/x/opt");
  CHECK(m != NULL);
  CHECK_EQ_STR(m->source, "/opt");
  CHECK_EQ_INT(m->flags, SBX_MNT_RECURSIVE | SBX_MNT_OPTIONAL | SBX_MNT_NOEXEC);
  m = find_mount(s, "/srv");
  CHECK(m != NULL);
  CHECK_EQ_STR(m->source, "/srv");
  CHECK_EQ_INT(m->flags, base | SBX_MNT_RO);
  /* parents before children: /x/opt is mounted after every one-level target */
  CHECK_EQ_STR(s->mounts[s->n_mounts - 1].target, "/x/opt");
  sbx_spec_free(s);
}

/* Names that merely start or end with dots are not "." or ".." components. */
TEST(filesystem_dots_inside_names) {
  sbx_spec *s = load("filesystem:\n  binds: ['/a..b:/c..d/e..']\n");
  CHECK(find_mount(s, "/c..d/e..") != NULL);
  sbx_spec_free(s);
}

TEST(filesystem_tmpfs_proc_dev) {
  sbx_spec *s = load(
      "filesystem:\n"
      "  tmpfs:\n"
      "    - {target: /tmp, size: 64M}\n"
      "    - {target: /scratch, size: 1.5G, mode: '0700', noexec: true}\n"
      "    - /run\n"
      "  proc: false\n"
      "  dev: false\n");
  CHECK_EQ_INT(s->n_mounts, 3);
  const sbx_mount *m = find_mount(s, "/tmp");
  CHECK(m && m->type == SBX_MOUNT_TMPFS);
  CHECK_EQ_INT(m->size, 64ull << 20);
  CHECK_EQ_INT(m->mode, 01777);
  CHECK_EQ_INT(m->flags, SBX_MNT_NOSUID | SBX_MNT_NODEV);
  m = find_mount(s, "/scratch");
  CHECK(m != NULL);
  CHECK_EQ_INT(m->size, 1610612736ull);
  CHECK_EQ_INT(m->mode, 0700);
  CHECK_EQ_INT(m->flags, SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC);
  m = find_mount(s, "/run");
  CHECK(m != NULL);
  CHECK(m->size == SBX_UNSET);
  CHECK_EQ_INT(m->mode, 0755);
  CHECK(find_mount(s, "/proc") == NULL && find_mount(s, "/dev") == NULL);
  sbx_spec_free(s);
}

TEST(filesystem_root) {
  sbx_spec *s = load("filesystem: {root: tmpfs}\n");
  CHECK(s->root.path == NULL);
  sbx_spec_free(s);
  s = load("filesystem: {root: /srv/rootfs}\n");
  CHECK_EQ_STR(s->root.path, "/srv/rootfs");
  CHECK(s->root.readonly);
  sbx_spec_free(s);
  s = load("filesystem: {root: {path: rootfs, readonly: false}}\n");
  CHECK_EQ_STR(s->root.path, "rootfs");
  CHECK(!s->root.readonly);
  sbx_spec_free(s);
}

/* filesystem.etc: a fresh root's /etc, generated by default; none; generated with a root
 * directory is a contradiction at the key. */
TEST(filesystem_etc) {
  sbx_spec *s = load("filesystem: {root: tmpfs}\n");
  CHECK_EQ_INT(s->root.etc, SBX_ETC_GENERATED);
  sbx_spec_free(s);
  s = load("filesystem: {etc: none}\n");
  CHECK_EQ_INT(s->root.etc, SBX_ETC_NONE);
  sbx_spec_free(s);
  s = load("filesystem: {etc: generated}\n");
  CHECK_EQ_INT(s->root.etc, SBX_ETC_GENERATED);
  sbx_spec_free(s);
  s = load("filesystem: {root: /srv/rootfs, etc: none}\n");
  CHECK_EQ_INT(s->root.etc, SBX_ETC_NONE);
  sbx_spec_free(s);
  CHECK_ERRORS("filesystem:\n  etc: host\n",
               "job.yaml:2:8: filesystem.etc: 'host' is not generated or none");
  CHECK_ERRORS("filesystem:\n  root: /srv/rootfs\n  etc: generated\n",
               "job.yaml:3:8: filesystem.etc: generated needs a fresh root (root: tmpfs); the root "
               "directory '/srv/rootfs' keeps its own /etc");
}

TEST(filesystem_masked_readonly_workdir) {
  sbx_spec *s = load(
      "filesystem:\n"
      "  masked: [/proc/kcore, /sys/firmware, /proc/kcore]\n"
      "  readonly: [/proc/sys]\n"
      "  workdir: {}\n");
  CHECK_EQ_INT(s->n_masked_paths, 2);
  CHECK_EQ_STR(s->masked_paths[0], "/proc/kcore");
  CHECK_EQ_STR(s->masked_paths[1], "/sys/firmware");
  CHECK_EQ_INT(s->n_readonly_paths, 1);
  CHECK_EQ_STR(s->readonly_paths[0], "/proc/sys");
  /* The default: ${PWD}, read-write, at its own path (target: same), where the job starts. */
  const sbx_mount *m = find_mount(s, "/home/user/src");
  CHECK(m && m->type == SBX_MOUNT_BIND);
  CHECK_EQ_STR(m->source, "/home/user/src");
  CHECK_EQ_INT(m->flags, SBX_MNT_RECURSIVE | SBX_MNT_NOSUID | SBX_MNT_NODEV);
  CHECK_EQ_STR(s->process.cwd, "/home/user/src");
  CHECK(find_mount(s, "/work") == NULL);
  sbx_spec_free(s);
  /* target: same, written; and a private layout at /work. */
  s = load("filesystem:\n  workdir: {source: /data/x, target: same}\n");
  m = find_mount(s, "/data/x");
  CHECK(m && strcmp(m->source, "/data/x") == 0);
  CHECK_EQ_STR(s->process.cwd, "/data/x");
  sbx_spec_free(s);
  s = load("filesystem:\n  workdir: {target: /work}\n");
  m = find_mount(s, "/work");
  CHECK(m && strcmp(m->source, "/home/user/src") == 0);
  CHECK_EQ_STR(s->process.cwd, "/work");
  sbx_spec_free(s);
  s = load(
      "process: {cwd: /}\n"
      "filesystem:\n  workdir: {source: /data, target: /job, mode: ro}\n");
  m = find_mount(s, "/job");
  CHECK(m != NULL);
  CHECK_EQ_STR(m->source, "/data");
  CHECK(m->flags & SBX_MNT_RO);
  CHECK_EQ_STR(s->process.cwd, "/");
  sbx_spec_free(s);
}

/* ---- limits and units --------------------------------------------------------------------- */

TEST(limits_keys) {
  sbx_spec *s = load(
      "limits:\n"
      "  wall_time: 1.5s\n"
      "  cpu_time: 500ms\n"
      "  memory: 256M\n"
      "  swap: 1G\n"
      "  pids: 64\n"
      "  cpus: 1.5\n"
      "  open_files: 128\n"
      "  file_size: 512K\n"
      "  stack: unlimited\n"
      "  core: 1M\n"
      "  output: 64MiB\n");
  const sbx_limits *l = &s->limits;
  CHECK_EQ_INT(l->wall_time_us, 1500000);
  CHECK_EQ_INT(l->cpu_time_us, 500000);
  CHECK_EQ_INT(l->memory, 256ull << 20);
  CHECK_EQ_INT(l->swap, 1ull << 30);
  CHECK_EQ_INT(l->pids, 64);
  CHECK_EQ_INT(l->cpu_quota_us, 150000);
  CHECK_EQ_INT(l->cpu_period_us, 100000);
  CHECK_EQ_INT(l->open_files, 128);
  CHECK_EQ_INT(l->file_size, 512 << 10);
  CHECK(l->stack == SBX_UNSET);
  CHECK_EQ_INT(l->core, 1 << 20);
  CHECK_EQ_INT(l->output, 64ull << 20);
  sbx_spec_free(s);
  s = load("limits: {cpu_quota: 50ms, cpu_period: 100ms, memory: unlimited, pids: unlimited}\n");
  CHECK_EQ_INT(s->limits.cpu_quota_us, 50000);
  CHECK_EQ_INT(s->limits.cpu_period_us, 100000);
  CHECK(s->limits.memory == SBX_UNSET && s->limits.pids == SBX_UNSET);
  sbx_spec_free(s);
}

static uint64_t size_of(const char *s) {
  uint64_t v = 0;
  _cleanup_free_ char *why = NULL;
  if (js_parse_size(s, true, &v, &why) < 0) TEST_FAIL("size '%s': %s", s, why);
  return v;
}

static uint64_t duration_of(const char *s) {
  uint64_t v = 0;
  _cleanup_free_ char *why = NULL;
  if (js_parse_duration(s, true, &v, &why) < 0) TEST_FAIL("duration '%s': %s", s, why);
  return v;
}

static char *size_error(const char *s, bool unlimited) {
  uint64_t v;
  char *why = NULL;
  if (js_parse_size(s, unlimited, &v, &why) == 0) TEST_FAIL("size '%s' parsed", s);
  return why;
}

static char *duration_error(const char *s) {
  uint64_t v;
  char *why = NULL;
  if (js_parse_duration(s, false, &v, &why) == 0) TEST_FAIL("duration '%s' parsed", s);
  return why;
}

TEST(units_sizes) {
  CHECK_EQ_INT(size_of("4096"), 4096);
  CHECK_EQ_INT(size_of("100B"), 100);
  CHECK_EQ_INT(size_of("512K"), 524288);
  CHECK_EQ_INT(size_of("512k"), 524288);
  CHECK_EQ_INT(size_of("512KiB"), 524288);
  CHECK_EQ_INT(size_of("512KB"), 524288);
  CHECK_EQ_INT(size_of("256M"), 268435456);
  CHECK_EQ_INT(size_of("1G"), 1073741824);
  CHECK_EQ_INT(size_of("1.5G"), 1610612736);
  CHECK_EQ_INT(size_of("0.5K"), 512);
  CHECK_EQ_INT(size_of("2T"), 2ull << 40);
  CHECK_EQ_INT(size_of("1P"), 1ull << 50);
  CHECK(size_of("unlimited") == SBX_UNSET);
  char *w;
  CHECK_EQ_STR(w = size_error("12Q", false),
               "bad size '12Q': expected a number with a unit such as 256M");
  free(w);
  CHECK_EQ_STR(w = size_error("", false),
               "bad size '': expected a number with a unit such as 256M");
  free(w);
  CHECK_EQ_STR(w = size_error("1.5", false),
               "bad size '1.5': expected a number with a unit such as 256M");
  free(w);
  CHECK_EQ_STR(w = size_error("M", false),
               "bad size 'M': expected a number with a unit such as 256M");
  free(w);
  CHECK_EQ_STR(w = size_error("-5M", false), "bad size '-5M': a size cannot be negative");
  free(w);
  CHECK_EQ_STR(w = size_error("16384P", false),
               "size '16384P' is too large: the most is 9223372036854775807 bytes (8E - 1)");
  free(w);
  CHECK_EQ_STR(w = size_error("99999999999999999999", false),
               "size '99999999999999999999' is too large: the most is 9223372036854775807 bytes "
               "(8E - 1)");
  free(w);
  /* the most is INT64_MAX, what config.json holds: 2^63 is refused, 2^63 - 1 is fine */
  CHECK_EQ_INT(size_of("9223372036854775807"), INT64_MAX);
  CHECK_EQ_STR(w = size_error("9223372036854775808", false),
               "size '9223372036854775808' is too large: the most is 9223372036854775807 bytes "
               "(8E - 1)");
  free(w);
  CHECK_EQ_STR(w = size_error("8192P", false),
               "size '8192P' is too large: the most is 9223372036854775807 bytes (8E - 1)");
  free(w);
  CHECK_EQ_INT(size_of("8191.99P"), 8191ull * (1ull << 50) + (99ull << 50) / 100);
  CHECK_EQ_STR(w = size_error("unlimited", false), "this size cannot be unlimited");
  free(w);
}

TEST(units_durations) {
  CHECK_EQ_INT(duration_of("10"), 10000000);
  CHECK_EQ_INT(duration_of("1.5"), 1500000);
  CHECK_EQ_INT(duration_of("1.5s"), 1500000);
  CHECK_EQ_INT(duration_of("500ms"), 500000);
  CHECK_EQ_INT(duration_of("100us"), 100);
  CHECK_EQ_INT(duration_of("2m"), 120000000);
  CHECK_EQ_INT(duration_of("2min"), 120000000);
  CHECK_EQ_INT(duration_of("1h"), 3600000000ull);
  CHECK_EQ_INT(duration_of("1d"), 86400000000ull);
  CHECK_EQ_INT(duration_of("0.0000001s"), 0);
  CHECK(duration_of("unlimited") == SBX_UNSET);
  char *w;
  CHECK_EQ_STR(w = duration_error("10 parsecs"),
               "bad duration '10 parsecs': expected a number with a unit such as 1.5s, 500ms, "
               "100us, 2m or 1h");
  free(w);
  CHECK_EQ_STR(w = duration_error("1S"),
               "bad duration '1S': expected a number with a unit such as 1.5s, 500ms, 100us, 2m "
               "or 1h");
  free(w);
  CHECK_EQ_STR(w = duration_error("-1"), "bad duration '-1': a duration cannot be negative");
  free(w);
  CHECK_EQ_STR(w = duration_error("99999999999999h"),
               "duration '99999999999999h' is too long: the most is 9223372036854775807us (about "
               "292000 years)");
  free(w);
  CHECK_EQ_INT(duration_of("9223372036854775807us"), INT64_MAX);
  CHECK_EQ_STR(w = duration_error("9223372036854775808us"),
               "duration '9223372036854775808us' is too long: the most is 9223372036854775807us "
               "(about 292000 years)");
  free(w);
  CHECK_EQ_STR(w = duration_error("unlimited"), "this duration cannot be unlimited");
  free(w);
}

/* ---- network, hostname, namespaces, contradictions ---------------------------------------- */

TEST(network_hostname_namespaces) {
  sbx_spec *s = load(
      "network: loopback\nhostname: box-1.local\n"
      "namespaces: {ipc: false, cgroup: false}\n");
  CHECK_EQ_INT(s->network, SBX_NET_LOOPBACK);
  CHECK_EQ_STR(s->hostname, "box-1.local");
  CHECK_EQ_INT(s->namespaces, SBX_NS_ALL & ~(unsigned)(SBX_NS_IPC | SBX_NS_CGROUP));
  sbx_spec_free(s);
  /* host turns the net namespace off by itself */
  s = load("network: host\n");
  CHECK_EQ_INT(s->network, SBX_NET_HOST);
  CHECK_EQ_INT(s->namespaces, SBX_NS_ALL & ~(unsigned)SBX_NS_NET);
  sbx_spec_free(s);
  s = load("network: host\nnamespaces: {net: false}\n");
  CHECK_EQ_INT(s->namespaces, SBX_NS_ALL & ~(unsigned)SBX_NS_NET);
  sbx_spec_free(s);
}

TEST(contradictions) {
  sbx_spec *s = load("namespaces: {mount: false}\nfilesystem: {proc: false}\n");
  CHECK_EQ_INT(s->n_mounts, 0);
  sbx_spec_free(s);
  s = load("namespaces: {mount: false}\n");
  CHECK_EQ_INT(s->n_mounts, 0);
  sbx_spec_free(s);
}

/* ---- id mapping --------------------------------------------------------------------------- */

TEST(id_mapping_as_root) {
  /* The caller does not matter to the loader: the same intent for root; the policy decides. */
  sbx_load_options o = opts_base();
  o.uid = o.gid = 0;
  sbx_spec *s = load_opts("description: root caller\n", &o);
  CHECK_EQ_INT(s->n_uid_mappings, 0);
  idmap_plan p = plan_for(s, 0, 0, NULL);
  CHECK_EQ_INT(p.n_uids, 1);
  CHECK_EQ_INT(p.uids[0].container_id, 0);
  CHECK_EQ_INT(p.uids[0].host_id, 65534);
  CHECK_EQ_INT(p.uids[0].size, 1);
  CHECK_EQ_INT(p.gids[0].host_id, 65534);
  idmap_plan_free(&p);
  sbx_spec_free(s);
  s = load_opts("id_mapping: {count: 65536}\n", &o);
  CHECK_EQ_INT(s->id_intent.count, 65536);
  p = plan_for(s, 0, 0, NULL);
  CHECK_EQ_INT(p.n_uids, 1);
  CHECK_EQ_INT(p.uids[0].container_id, 0);
  CHECK_EQ_INT(p.uids[0].host_id, 100000);
  CHECK_EQ_INT(p.uids[0].size, 65536);
  idmap_plan_free(&p);
  sbx_spec_free(s);
  s = load_opts("id_mapping: {host_uid: 200000, host_gid: 300000}\n", &o);
  CHECK_EQ_INT(s->id_intent.host_uid, 200000);
  CHECK_EQ_INT(s->id_intent.host_gid, 300000);
  p = plan_for(s, 0, 0, NULL);
  CHECK_EQ_INT(p.uids[0].host_id, 200000);
  CHECK_EQ_INT(p.gids[0].host_id, 300000);
  idmap_plan_free(&p);
  sbx_spec_free(s);
  /* What no caller may ask for is a located error at load, for root and users alike. */
  _cleanup_free_ char *m = errors_opts("id_mapping: {host_uid: 0}\n", &o);
  CHECK_EQ_STR(m,
               "job.yaml:1:24: id_mapping.host_uid: the job never runs as the host's root: "
               "choose another uid, or auto");
  _cleanup_free_ char *m1 = errors("id_mapping: {host_gid: 0}\n");
  CHECK_EQ_STR(m1,
               "job.yaml:1:24: id_mapping.host_gid: the job never runs as the host's root: "
               "choose another gid, or auto");
  _cleanup_free_ char *m2 =
      errors_opts("process: {user: {uid: 1000, gid: 1000}}\nid_mapping: {count: 100}\n", &o);
  /* One error per value: the gid's, at the same place, is not repeated. */
  CHECK_EQ_STR(m2,
               "job.yaml:2:21: id_mapping.count: maps uid 0 to 99, which leaves out the "
               "job's uid 1000 (process.user)");
}

TEST(id_mapping_unprivileged) {
  char dir[] = "/tmp/test-jobspec-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  _cleanup_free_ char *subuid = xasprintf("%s/subuid", dir);
  _cleanup_free_ char *subgid = xasprintf("%s/subgid", dir);
  FILE *f = fopen(subuid, "w");
  CHECK(f != NULL);
  fputs("other:100000:65536\n1000:200000:10\n1000:300000:65536\n", f);
  fclose(f);
  f = fopen(subgid, "w");
  CHECK(f != NULL);
  fputs("1000:400000:65536\n", f);
  fclose(f);
  /* any executable stands for the helpers */
  idmap_paths paths = {subuid, subgid, "/bin/sh", "/bin/sh"};
  sbx_spec *s = load("id_mapping: {count: 65536}\n");
  idmap_plan p = plan_for(s, 1000, 1000, &paths);
  CHECK_EQ_INT(p.n_uids, 2);
  CHECK_EQ_INT(p.uids[0].container_id, 0);
  CHECK_EQ_INT(p.uids[0].host_id, 1000);
  CHECK_EQ_INT(p.uids[0].size, 1);
  CHECK_EQ_INT(p.uids[1].container_id, 1);
  CHECK_EQ_INT(p.uids[1].host_id, 300000);
  CHECK_EQ_INT(p.uids[1].size, 65535);
  CHECK_EQ_INT(p.n_gids, 2);
  CHECK_EQ_INT(p.gids[1].host_id, 400000);
  idmap_plan_free(&p);
  /* without the helper: one id, the caller's */
  paths.newuidmap = "/nonexistent/newuidmap";
  p = plan_for(s, 1000, 1000, &paths);
  CHECK_EQ_INT(p.n_uids, 1);
  CHECK_EQ_INT(p.uids[0].container_id, 0);
  CHECK_EQ_INT(p.uids[0].host_id, 1000);
  CHECK_EQ_INT(p.uids[0].size, 1);
  CHECK_EQ_INT(p.n_gids, 2);
  idmap_plan_free(&p);
  sbx_spec_free(s);
  unlink(subuid);
  unlink(subgid);
  rmdir(dir);
}

/* ---- cgroup, capabilities ----------------------------------------------------------------- */

TEST(cgroup_and_capabilities) {
  sbx_spec *s = load(
      "cgroup: required\ncgroup_parent: ci/jobs\n"
      "capabilities: [CAP_CHOWN, net_bind_service, Kill]\n");
  CHECK_EQ_INT(s->cgroup_mode, SBX_CGROUP_REQUIRED);
  CHECK_EQ_STR(s->cgroup_parent, "ci/jobs");
  CHECK_EQ_INT(s->process.capabilities, (1ull << 0) | (1ull << 10) | (1ull << 5));
  sbx_spec_free(s);
  s = load("cgroup: optional\n");
  CHECK_EQ_INT(s->cgroup_mode, SBX_CGROUP_OPTIONAL);
  sbx_spec_free(s);
  s = load("cgroup: off\n");
  CHECK_EQ_INT(s->cgroup_mode, SBX_CGROUP_OFF);
  sbx_spec_free(s);
  /* cgroup_parent's refusals are error files (cgroup-parent-*) */
  s = load("cgroup_parent: a.b/..c/c..\n");
  CHECK_EQ_STR(s->cgroup_parent, "a.b/..c/c..");
  sbx_spec_free(s);
}

/* ---- seccomp ------------------------------------------------------------------------------ */

static const char *native_arch_name(void) {
#if defined(__x86_64__)
  return "SCMP_ARCH_X86_64";
#elif defined(__aarch64__)
  return "SCMP_ARCH_AARCH64";
#else
  return NULL;
#endif
}

TEST(seccomp_allow_list) {
  sbx_spec *s = load("seccomp:\n  allow: [read, write, exit_group]\n");
  const sbx_seccomp *sc = &s->seccomp;
  CHECK(sc->enabled);
  CHECK_EQ_INT(sc->default_action, SBX_SECCOMP_ERRNO);
  CHECK_EQ_INT(sc->default_errno, EPERM);
  CHECK_EQ_INT(sc->n_rules, 3);
  CHECK_EQ_INT(sc->rules[0].action, SBX_SECCOMP_ALLOW);
  CHECK_EQ_STR(sc->rules[0].names[0], "read");
  CHECK_EQ_STR(sc->rules[2].names[0], "exit_group");
  if (native_arch_name()) {
    CHECK_EQ_INT(sc->n_architectures, 1);
    CHECK_EQ_STR(sc->architectures[0], native_arch_name());
  }
  sbx_spec_free(s);
  s = load("seccomp:\n  default: kill_process\n  allow: [read]\n");
  CHECK_EQ_INT(s->seccomp.default_action, SBX_SECCOMP_KILL_PROCESS);
  sbx_spec_free(s);
  s = load("seccomp:\n  default: errno\n  errno: ENOSYS\n  allow: [read]\n");
  CHECK_EQ_INT(s->seccomp.default_errno, ENOSYS);
  sbx_spec_free(s);
}

TEST(seccomp_deny_list_and_groups) {
  sbx_spec *s = load(
      "seccomp:\n  deny: ['@mount', mount, '@reboot', unshare]\n"
      "  deny_action: errno\n  deny_errno: EACCES\n");
  const sbx_seccomp *sc = &s->seccomp;
  CHECK_EQ_INT(sc->default_action, SBX_SECCOMP_ALLOW);
  /* `mount` adds nothing: it is in @mount already */
  CHECK_EQ_INT(sc->n_rules, 3);
  CHECK(strv_contains(sc->rules[0].names, "mount"));
  CHECK(strv_contains(sc->rules[0].names, "umount2"));
  CHECK(strv_contains(sc->rules[1].names, "reboot"));
  CHECK_EQ_STR(sc->rules[2].names[0], "unshare");
  /* the rule of a group is its members that exist on this architecture */
  size_t n_native = 0;
  for (const char *const *m = sc_group_syscalls("@mount"); *m; m++)
    if (seccomp_syscall_resolve_name(*m) >= 0) n_native++;
  CHECK_EQ_INT(sc->rules[0].n_names, n_native);
  for (size_t i = 0; i < sc->n_rules; i++) {
    CHECK_EQ_INT(sc->rules[i].action, SBX_SECCOMP_ERRNO);
    CHECK_EQ_INT(sc->rules[i].errno_ret, EACCES);
  }
  sbx_spec_free(s);
  s = load("seccomp:\n  deny: [ptrace]\n  deny_action: kill\n");
  CHECK_EQ_INT(s->seccomp.rules[0].action, SBX_SECCOMP_KILL);
  sbx_spec_free(s);
  s = load("seccomp:\n  enabled: false\n  deny: [ptrace]\n");
  CHECK(!s->seccomp.enabled);
  sbx_spec_free(s);
  /* every group of the table resolves to at least one call of this architecture */
  for (const char *const *g = sc_group_names(); *g; g++) {
    _cleanup_free_ char *y = xasprintf("seccomp: {deny: ['%s']}\n", *g);
    s = load(y);
    CHECK(s->seccomp.n_rules >= 1);
    sbx_spec_free(s);
  }
}

TEST(seccomp_rules_with_arguments) {
  sbx_spec *s = load(
      "seccomp:\n"
      "  rules:\n"
      "    - syscall: socket\n"
      "      action: errno\n"
      "      errno: EAFNOSUPPORT\n"
      "      args: [{index: 0, op: eq, value: AF_PACKET}]\n"
      "    - syscall: [clone, unshare]\n"
      "      action: errno\n"
      "      args: [{index: 0, op: masked_eq, value: CLONE_NEWUSER|CLONE_NEWNET, value_two: 0x0}]\n"
      "    - syscall: ioctl\n"
      "      action: kill\n"
      "      args:\n"
      "        - {index: 1, op: masked_eq, value: 0xffffffff, value_two: TIOCSTI}\n"
      "    - {syscall: ioctl, action: log, args: [{index: 1, value: TIOCLINUX}]}\n"
      "    - {syscall: personality, action: trap, args: [{index: 0, op: ne, value: 8}]}\n");
  const sbx_seccomp *sc = &s->seccomp;
  CHECK_EQ_INT(sc->n_rules, 5);
  const sbx_seccomp_rule *r = &sc->rules[0];
  CHECK_EQ_STR(r->names[0], "socket");
  CHECK_EQ_INT(r->action, SBX_SECCOMP_ERRNO);
  CHECK_EQ_INT(r->errno_ret, EAFNOSUPPORT);
  CHECK_EQ_INT(r->n_args, 1);
  CHECK_EQ_INT(r->args[0].index, 0);
  CHECK_EQ_INT(r->args[0].op, SBX_OP_EQ);
  CHECK_EQ_INT(r->args[0].value, AF_PACKET);
  r = &sc->rules[1];
  CHECK_EQ_INT(r->n_names, 2);
  CHECK_EQ_INT(r->errno_ret, EPERM);
  CHECK_EQ_INT(r->args[0].op, SBX_OP_MASKED_EQ);
  CHECK_EQ_INT(r->args[0].value, CLONE_NEWUSER | CLONE_NEWNET);
  CHECK_EQ_INT(r->args[0].value_two, 0);
  r = &sc->rules[2];
  CHECK_EQ_INT(r->action, SBX_SECCOMP_KILL);
  CHECK_EQ_INT(r->args[0].index, 1);
  CHECK_EQ_INT(r->args[0].value, 0xffffffffull);
  CHECK_EQ_INT(r->args[0].value_two, TIOCSTI);
  r = &sc->rules[3];
  CHECK_EQ_INT(r->action, SBX_SECCOMP_LOG);
  CHECK_EQ_INT(r->args[0].value, TIOCLINUX);
  r = &sc->rules[4];
  CHECK_EQ_INT(r->action, SBX_SECCOMP_TRAP);
  CHECK_EQ_INT(r->args[0].op, SBX_OP_NE);
  CHECK_EQ_INT(r->args[0].value, 8);
  sbx_spec_free(s);
}

/* `action: deny` is the section's deny_action; its errno applies only when that is errno. */
TEST(seccomp_rule_action_deny) {
  static const char *const yaml =
      "seccomp:\n"
      "  deny: [ptrace]\n"
      "  rules:\n"
      "    - {syscall: socket, action: deny, errno: EAFNOSUPPORT, args: [{index: 0, value: 17}]}\n"
      "    - {syscall: clone, action: deny, args: [{index: 0, op: masked_eq, value: "
      "CLONE_NEWNS, value_two: CLONE_NEWNS}]}\n"
      "    - {syscall: clone3, action: errno, errno: ENOSYS}\n";
  sbx_spec *s = load(yaml);
  const sbx_seccomp *sc = &s->seccomp;
  CHECK_EQ_INT(sc->n_rules, 4);
  CHECK_EQ_INT(sc->rules[1].action, SBX_SECCOMP_ERRNO);
  CHECK_EQ_INT(sc->rules[1].errno_ret, EAFNOSUPPORT);
  CHECK_EQ_INT(sc->rules[2].action, SBX_SECCOMP_ERRNO);
  CHECK_EQ_INT(sc->rules[2].errno_ret, EPERM);
  sbx_spec_free(s);
  /* deny_errno is the errno of a deny rule that gives none. */
  char *with_errno = xasprintf("%s  deny_errno: EACCES\n", yaml);
  s = load(with_errno);
  CHECK_EQ_INT(s->seccomp.rules[1].errno_ret, EAFNOSUPPORT);
  CHECK_EQ_INT(s->seccomp.rules[2].errno_ret, EACCES);
  sbx_spec_free(s);
  free(with_errno);
  /* With deny_action: kill (as --set gives it) every deny rule kills; clone3's stays. */
  sbx_load_options o = opts_base();
  const char *sets[] = {"seccomp.deny_action=kill_process"};
  o.sets = sets;
  o.n_sets = 1;
  s = load_opts(yaml, &o);
  sc = &s->seccomp;
  CHECK_EQ_INT(sc->n_rules, 4);
  for (size_t i = 0; i < 3; i++) {
    CHECK_EQ_INT(sc->rules[i].action, SBX_SECCOMP_KILL_PROCESS);
    CHECK_EQ_INT(sc->rules[i].errno_ret, 0);
  }
  CHECK_EQ_INT(sc->rules[3].action, SBX_SECCOMP_ERRNO);
  CHECK_EQ_INT(sc->rules[3].errno_ret, ENOSYS);
  sbx_spec_free(s);
}

/* ---- variables ---------------------------------------------------------------------------- */

TEST(variables) {
  setenv("JOBSPEC_TEST_VAR", "/opt/tool", 1);
  sbx_load_options o = opts_base();
  o.uid = 1234;
  o.gid = 5678;
  sbx_spec *s = load_opts(
      "process:\n  env:\n    A: ${PWD}/x\n    B: ${HOME}\n"
      "    C: ${UID}:${GID}\n    D: ${env:JOBSPEC_TEST_VAR}/bin\n"
      "    E: cost $$5 and $${HOME}\n",
      &o);
  CHECK_EQ_STR(spec_env_get(s, "A"), "/home/user/src/x");
  CHECK_EQ_STR(spec_env_get(s, "B"), "/home/user");
  CHECK_EQ_STR(spec_env_get(s, "C"), "1234:5678");
  CHECK_EQ_STR(spec_env_get(s, "D"), "/opt/tool/bin");
  CHECK_EQ_STR(spec_env_get(s, "E"), "cost $5 and ${HOME}");
  sbx_spec_free(s);
  unsetenv("JOBSPEC_TEST_UNSET");
  CHECK_ERRORS(
      "process:\n  env:\n    A: ${env:JOBSPEC_TEST_UNSET}\n    B: ${USER}\n"
      "    C: $HOME\n    D: ${PWD\n    E: ${env:}\n",
      "job.yaml:3:8: process.env.A: ${env:JOBSPEC_TEST_UNSET} is undefined: the "
      "environment variable JOBSPEC_TEST_UNSET is not set\n"
      "job.yaml:4:8: process.env.B: unknown variable ${USER} (known: ${PWD}, ${HOME}, "
      "${UID}, ${GID}, ${env:NAME})\n"
      "job.yaml:5:8: process.env.C: a '$' must start a variable such as ${HOME}; write "
      "$$ for a literal '$'\n"
      "job.yaml:6:8: process.env.D: unterminated variable '${PWD': expected a closing "
      "'}'\n"
      "job.yaml:7:8: process.env.E: ${env:} needs a variable name, as in ${env:CC}");
  /* HOME undefined */
  _cleanup_free_ char *saved = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
  unsetenv("HOME");
  o = opts_base();
  o.home = NULL;
  _cleanup_free_ char *m = errors_opts("filesystem:\n  binds: ['${HOME}/.cache']\n", &o);
  if (saved) setenv("HOME", saved, 1);
  CHECK_EQ_STR(m, "job.yaml:2:11: filesystem.binds[0]: ${HOME} is undefined: HOME is not set");
  /* variables in a list item of a bind, and the default PWD is the working directory */
  o = opts_base();
  o.pwd = NULL;
  s = load_opts("filesystem:\n  workdir: {source: '${PWD}'}\n", &o);
  char cwd[4096];
  CHECK(getcwd(cwd, sizeof cwd) != NULL);
  const sbx_mount *wm = find_mount(s, cwd);
  CHECK(wm != NULL);
  CHECK_EQ_STR(wm->source, cwd);
  sbx_spec_free(s);
}

/* ---- extends ------------------------------------------------------------------------------ */

TEST(extends_by_path_merges) {
  sbx_load_options o = opts_base();
  _cleanup_free_ char *child = fixture("child.yaml");
  sbx_spec *s = NULL;
  sbx_error *e = NULL;
  if (sbx_spec_load_profile(child, &o, &s, &e) < 0) TEST_FAIL("%s", e->message);
  /* maps merge, the child wins */
  CHECK_EQ_STR(spec_env_get(s, "A"), "from-base");
  CHECK_EQ_STR(spec_env_get(s, "B"), "from-child");
  CHECK_EQ_STR(spec_env_get(s, "C"), "from-child");
  CHECK_EQ_STR(s->process.args[0], "base-cmd");
  /* `masked+:` appends; `readonly:` replaces */
  CHECK_EQ_INT(s->n_masked_paths, 3);
  CHECK_EQ_STR(s->masked_paths[0], "/base1");
  CHECK_EQ_STR(s->masked_paths[2], "/child1");
  CHECK_EQ_INT(s->n_readonly_paths, 1);
  CHECK_EQ_STR(s->readonly_paths[0], "/ro-child");
  /* `memory: ~` removes the inherited value */
  CHECK(s->limits.memory == SBX_UNSET);
  CHECK_EQ_INT(s->limits.pids, 20);
  CHECK_EQ_INT(s->network, SBX_NET_LOOPBACK);
  sbx_spec_free(s);
  _cleanup_free_ char *grand = fixture("grandchild.yaml");
  if (sbx_spec_load_profile(grand, &o, &s, &e) < 0) TEST_FAIL("%s", e->message);
  CHECK_EQ_STR(s->process.args[0], "grandchild-cmd");
  CHECK_EQ_INT(s->n_masked_paths, 3);
  sbx_spec_free(s);
}

TEST(extends_by_name) {
  sbx_load_options o = opts_base();
  sbx_spec *s = load_opts("extends: judge\nlimits:\n  memory: 512M\n", &o);
  CHECK_EQ_INT(s->limits.memory, 512ull << 20);
  CHECK_EQ_INT(s->limits.wall_time_us, 10000000);
  CHECK(find_mount(s, "/usr") != NULL);
  sbx_spec_free(s);
  /* an error in the extended file is located in that file */
  _cleanup_free_ char *fx = xasprintf("%s/tests/jobspec", srcdir());
  const char *sp[] = {fx};
  o.search_path = sp;
  _cleanup_free_ char *m = errors_opts("extends: three-mistakes\n", &o);
  CHECK_CONTAINS(m, "/tests/jobspec/three-mistakes.yaml:5:3: limits.memroy: unknown key");
  /* SANDBOX_PROFILE_PATH is used when the options give no search path */
  o.search_path = NULL;
  o.n_search_path = 0;
  _cleanup_free_ char *saved =
      getenv("SANDBOX_PROFILE_PATH") ? xstrdup(getenv("SANDBOX_PROFILE_PATH")) : NULL;
  _cleanup_free_ char *env = xasprintf("/nonexistent:%s", profiles_dir);
  setenv("SANDBOX_PROFILE_PATH", env, 1);
  s = load_opts("extends: test\n", &o);
  CHECK_EQ_INT(s->network, SBX_NET_LOOPBACK);
  sbx_spec_free(s);
  if (saved)
    setenv("SANDBOX_PROFILE_PATH", saved, 1);
  else
    unsetenv("SANDBOX_PROFILE_PATH");
}

TEST(extends_errors) {
  sbx_load_options o = opts_base();
  const char *sp[] = {"/nonexistent-dir"};
  o.search_path = sp;
  _cleanup_free_ char *m = errors_opts("extends: nosuch\n", &o);
  CHECK_EQ_STR(m, "job.yaml:1:10: extends: no profile 'nosuch' in /nonexistent-dir");
  o = opts_base();
  _cleanup_free_ char *m2 = errors_opts("extends: judg\n", &o);
  _cleanup_free_ char *want2 = xasprintf(
      "job.yaml:1:10: extends: no profile 'judg' in %s (there "
      "are: compile, default, judge, test)",
      profiles_dir);
  CHECK_EQ_STR(m2, want2);
  _cleanup_free_ char *a = fixture("cycle-a.yaml");
  _cleanup_free_ char *m3 = file_errors(a, &o);
  char ra[4096], rb[4096];
  _cleanup_free_ char *b = fixture("cycle-b.yaml");
  CHECK(realpath(a, ra) && realpath(b, rb));
  _cleanup_free_ char *want = xasprintf(
      "%s:2:10: extends: profiles extend each other in a "
      "cycle: %s -> %s -> %s",
      b, ra, rb, ra);
  CHECK_EQ_STR(m3, want);
  /* 8 levels of extends are fine, 9 are not */
  _cleanup_free_ char *c3 = fixture("chain3.yaml");
  sbx_spec *s = NULL;
  sbx_error *e = NULL;
  if (sbx_spec_load_profile(c3, &o, &s, &e) < 0) TEST_FAIL("%s", e->message);
  CHECK_EQ_INT(s->limits.pids, 5);
  sbx_spec_free(s);
  _cleanup_free_ char *c2 = fixture("chain2.yaml");
  _cleanup_free_ char *m4 = file_errors(c2, &o);
  _cleanup_free_ char *c10 = fixture("chain10.yaml");
  _cleanup_free_ char *want4 = xasprintf("%s:1:10: extends: more than 8 levels of extends", c10);
  CHECK_EQ_STR(m4, want4);
  _cleanup_free_ char *missing = fixture("extends-missing.yaml");
  _cleanup_free_ char *m5 = file_errors(missing, &o);
  CHECK_CONTAINS(m5, "extends-missing.yaml:2:10: extends: no profile 'no-such-profile' in ");
  /* `+` without anything inherited is the list itself */
  s = load("filesystem:\n  masked+: [/a]\n");
  CHECK_EQ_INT(s->n_masked_paths, 1);
  sbx_spec_free(s);
}

/* ---- --set -------------------------------------------------------------------------------- */

TEST(set_overrides) {
  sbx_load_options o = opts_base();
  const char *sets[] = {
      "limits.memory=512M",
      "process.command=[make, -j4]",
      "filesystem.masked+=[/x, /y]",
      "process.env.CC=clang",
      "network=loopback",
      "seccomp.deny+=ptrace",
      "limits.wall_time=~",
  };
  o.sets = sets;
  o.n_sets = ARRAY_SIZE(sets);
  sbx_spec *s = load_opts("extends: judge\nseccomp:\n  deny: [bpf]\n", &o);
  CHECK_EQ_INT(s->limits.memory, 512ull << 20);
  CHECK_EQ_INT(s->process.n_args, 2);
  CHECK_EQ_STR(s->process.args[1], "-j4");
  CHECK_EQ_STR(s->masked_paths[s->n_masked_paths - 1], "/y");
  CHECK_EQ_STR(spec_env_get(s, "CC"), "clang");
  CHECK_EQ_STR(spec_env_get(s, "LANG"), "C.UTF-8");
  CHECK_EQ_INT(s->network, SBX_NET_LOOPBACK);
  CHECK(s->limits.wall_time_us == SBX_UNSET);
  /* the profile's deny list replaced the inherited one; --set appended to it */
  bool bpf = false, ptrace = false, mount = false;
  for (size_t i = 0; i < s->seccomp.n_rules; i++) {
    bpf |= strv_contains(s->seccomp.rules[i].names, "bpf");
    ptrace |= strv_contains(s->seccomp.rules[i].names, "ptrace");
    mount |= strv_contains(s->seccomp.rules[i].names, "mount");
  }
  CHECK(bpf && ptrace && !mount);
  sbx_spec_free(s);
}

TEST(set_errors) {
  sbx_load_options o = opts_base();
  const char *sets[] = {"limits.memory=12Q", "novalue",          "limits..x=1",
                        "network.mode=host", "limits.memroy=1G", "process.command=[a",
                        "extends=judge"};
  o.sets = sets;
  o.n_sets = ARRAY_SIZE(sets);
  _cleanup_free_ char *m = errors_opts("network: none\n", &o);
  CHECK_EQ_STR(m,
               "--set 'novalue': expected key.path=value, as in limits.memory=512M\n"
               "--set 'limits..x=1': 'limits..x' is not a key path such as limits.memory\n"
               "--set 'network.mode=host': network: is a string, so it has no key 'mode'\n"
               "--set 'process.command=[a': not valid YAML: did not find expected ',' or ']' "
               "while parsing a flow sequence (line 1)\n"
               "--set 'extends=judge': extends cannot be overridden: it is resolved before --set\n"
               "--set 'limits.memroy=1G': limits.memroy: unknown key 'memroy' (did you mean "
               "'memory'?)\n"
               "--set 'limits.memory=12Q': limits.memory: bad size '12Q': expected a number with "
               "a unit such as 256M, or unlimited");
}

/* ---- hostile and broken files ------------------------------------------------------------- */

TEST(guard_file_too_large) {
  char path[] = "/tmp/test-jobspec-big-XXXXXX.yaml";
  int fd = mkstemps(path, 5);
  CHECK(fd >= 0);
  int r = ftruncate(fd, 100 * 1000 * 1000);
  close(fd);
  sbx_load_options o = opts_base();
  _cleanup_free_ char *m = r == 0 ? file_errors(path, &o) : NULL;
  unlink(path);
  CHECK(r == 0);
  _cleanup_free_ char *want =
      xasprintf("%s: file is 100000000 bytes, larger than the 1048576 allowed", path);
  CHECK_EQ_STR(m, want);
  /* from memory too */
  char *big = xmalloc((1u << 20) + 2);
  memset(big, '#', (1u << 20) + 1);
  big[(1u << 20) + 1] = '\0';
  sbx_spec *s = NULL;
  sbx_error *e = NULL;
  CHECK_EQ_INT(sbx_spec_load_profile_string("big.yaml", big, strlen(big), &o, &s, &e), -1);
  free(big);
  CHECK_EQ_STR(e->message, "big.yaml: profile is 1048577 bytes, larger than the 1048576 allowed");
  sbx_error_free(e);
}

TEST(guard_depth_bomb) {
  size_t n = 100000;
  char *y = xmalloc(2 * n + 1);
  memset(y, '[', n);
  memset(y + n, ']', n);
  y[2 * n] = '\0';
  _cleanup_free_ char *m = errors(y);
  free(y);
  CHECK_EQ_STR(m, "job.yaml:1:65: nesting is deeper than 64 levels");
  /* 63 levels below the top map are fine as YAML (and then rejected by the schema) */
  _cleanup_free_ char *deep = xstrdup("description: ");
  for (int i = 0; i < 63; i++) {
    char *d = xasprintf("%s[", deep);
    free(deep);
    deep = d;
  }
  for (int i = 0; i < 63; i++) {
    char *d = xasprintf("%s]", deep);
    free(deep);
    deep = d;
  }
  _cleanup_free_ char *m2 = errors(deep);
  CHECK_EQ_STR(m2, "job.yaml:1:14: description: expected a string, not a list");
}

TEST(guard_aliases_are_expanded) {
  sbx_spec *s = load(
      "process:\n  env: &env {A: '1'}\n"
      "filesystem:\n  masked: &m [/a, /b]\n  readonly: *m\n");
  CHECK_EQ_STR(spec_env_get(s, "A"), "1");
  CHECK_EQ_INT(s->n_readonly_paths, 2);
  CHECK_EQ_STR(s->readonly_paths[1], "/b");
  sbx_spec_free(s);
}

TEST(guard_broken_files) {
  sbx_load_options o = opts_base();
  _cleanup_free_ char *empty = fixture("empty.yaml");
  _cleanup_free_ char *m = file_errors(empty, &o);
  _cleanup_free_ char *want = xasprintf(
      "%s:1:1: the profile is empty: expected a map of settings "
      "such as 'process:' or 'limits:'",
      empty);
  CHECK_EQ_STR(m, want);
  _cleanup_free_ char *dir = fixture("");
  _cleanup_free_ char *m2 = file_errors(dir, &o);
  _cleanup_free_ char *want2 = xasprintf("%s: is a directory, not a profile file", dir);
  CHECK_EQ_STR(m2, want2);
  _cleanup_free_ char *bad = fixture("not-yaml.yaml");
  _cleanup_free_ char *m3 = file_errors(bad, &o);
  _cleanup_free_ char *want3 = xasprintf(
      "%s:2:7: not valid YAML: did not find expected ',' or "
      "']' while parsing a flow sequence (line 1)",
      bad);
  CHECK_EQ_STR(m3, want3);
  _cleanup_free_ char *list = fixture("list-top.yaml");
  _cleanup_free_ char *m4 = file_errors(list, &o);
  _cleanup_free_ char *want4 = xasprintf(
      "%s:1:1: the top level of a profile must be a map of "
      "settings such as 'process:', not a list",
      list);
  CHECK_EQ_STR(m4, want4);
  _cleanup_free_ char *m5 = file_errors("/nonexistent/job.yaml", &o);
  CHECK_EQ_STR(m5, "/nonexistent/job.yaml: cannot open the profile: No such file or directory");
  _cleanup_free_ char *m6 = file_errors("/dev/null/x.yaml", &o);
  CHECK_EQ_STR(m6, "/dev/null/x.yaml: cannot open the profile: Not a directory");
  static const char binary[] = "net\x01work: \xff\xfe\n";
  _cleanup_free_ char *m7 = errors(binary);
  CHECK_CONTAINS(m7, "job.yaml:1:4: not a valid YAML text: control characters are not allowed");
  /* every prefix of a stock profile fails cleanly or loads: never a crash */
  _cleanup_free_ char *path = xasprintf("%s/default.yaml", profiles_dir);
  char *text = NULL;
  size_t len = 0;
  sbx_error *e = NULL;
  CHECK(read_file_max(path, 1 << 20, &text, &len, &e) == 0);
  for (size_t i = 0; i < len; i += 7) {
    sbx_spec *s = NULL;
    e = NULL;
    if (sbx_spec_load_profile_string("prefix.yaml", text, i, &o, &s, &e) == 0)
      sbx_spec_free(s);
    else
      CHECK(e != NULL && e->message != NULL);
    sbx_error_free(e);
  }
  free(text);
}

TEST(three_mistakes_three_errors) {
  sbx_load_options o = opts_base();
  _cleanup_free_ char *path = fixture("three-mistakes.yaml");
  _cleanup_free_ char *m = file_errors(path, &o);
  _cleanup_free_ char *want = xasprintf(
      "%s:5:3: limits.memroy: unknown key 'memroy' (did you mean 'memory'?)\n"
      "%s:6:14: limits.wall_time: bad duration '10 parsecs': expected a number with a unit such "
      "as 1.5s, 500ms, 100us, 2m or 1h, or unlimited\n"
      "%s:9:8: namespaces.net: network: loopback needs the net namespace; use network: host to "
      "share the host's network",
      path, path, path);
  CHECK_EQ_STR(m, want);
}

TEST(error_cap) {
  _cleanup_free_ char *y = xstrdup("limits:\n");
  for (int i = 0; i < 30; i++) {
    char *n = xasprintf("%s  bad%d: 1\n", y, i);
    free(y);
    y = n;
  }
  sbx_load_options o = opts_base();
  sbx_spec *s = NULL;
  sbx_error *e = NULL;
  CHECK_EQ_INT(sbx_spec_load_profile_string("job.yaml", y, strlen(y), &o, &s, &e), -1);
  CHECK_EQ_INT(sbx_error_count(e), 20);
  CHECK_EQ_STR(e->message, "job.yaml:2:3: limits.bad0: unknown key 'bad0'");
  sbx_error_free(e);
  e = NULL;
  o.max_errors = 3;
  CHECK_EQ_INT(sbx_spec_load_profile_string("job.yaml", y, strlen(y), &o, &s, &e), -1);
  CHECK_EQ_INT(sbx_error_count(e), 3);
  sbx_error_free(e);
}

TEST(suggestions) {
  static const char *const words[] = {"memory", "wall_time", "cpu_time", "pids"};
  CHECK_EQ_STR(js_suggest("memroy", words, 4), "memory");
  CHECK_EQ_STR(js_suggest("memoryy", words, 4), "memory");
  CHECK_EQ_STR(js_suggest("mem", words, 4), "memory");
  CHECK_EQ_STR(js_suggest("walltime", words, 4), "wall_time");
  CHECK(js_suggest("zzzzzz", words, 4) == NULL);
  CHECK(js_suggest("p", words, 4) == NULL);
  CHECK_EQ_INT(js_edit_distance("kitten", "sitting"), 3);
  CHECK_EQ_INT(js_edit_distance("", "abc"), 3);
}

/* ---- the stock profiles ------------------------------------------------------------------- */

static sbx_spec *stock(const char *name) {
  sbx_load_options o = opts_base();
  sbx_spec *s = NULL;
  sbx_error *e = NULL;
  if (sbx_spec_load_profile(name, &o, &s, &e) < 0) {
    char *m = join_errors(e);
    TEST_FAIL("stock profile %s: %s", name, m);
  }
  return s;
}

static void check_stock_common(const sbx_spec *s) {
  CHECK(s->root.path == NULL);
  const sbx_mount *m = find_mount(s, "/usr");
  CHECK(m && (m->flags & SBX_MNT_RO));
  CHECK(find_mount(s, "/bin") && find_mount(s, "/lib") && find_mount(s, "/lib64") &&
        find_mount(s, "/sbin"));
  CHECK(find_mount(s, "/etc/ld.so.cache")->flags & SBX_MNT_OPTIONAL);
  CHECK(find_mount(s, "/etc/alternatives") != NULL);
  CHECK_EQ_INT(find_mount(s, "/proc")->type, SBX_MOUNT_PROC);
  CHECK_EQ_INT(find_mount(s, "/dev")->type, SBX_MOUNT_DEV);
  CHECK_EQ_INT(find_mount(s, "/tmp")->type, SBX_MOUNT_TMPFS);
  /* The job's HOME is the private /tmp: its dotfiles land in no project and are not kept. */
  CHECK_EQ_STR(spec_env_get(s, "HOME"), "/tmp");
  CHECK_EQ_STR(spec_env_get(s, "LANG"), "C.UTF-8");
  CHECK(spec_env_get(s, "PATH") != NULL);
  CHECK_EQ_INT(s->process.capabilities, 0);
  CHECK_EQ_INT(s->limits.core, 0);
  CHECK_EQ_INT(s->limits.swap, 0);
  CHECK(s->seccomp.enabled);
  CHECK_EQ_INT(s->seccomp.default_action, SBX_SECCOMP_ALLOW);
  bool mount = false, unshare = false, clone = false, tiocsti = false, packet = false;
  for (size_t i = 0; i < s->seccomp.n_rules; i++) {
    const sbx_seccomp_rule *r = &s->seccomp.rules[i];
    CHECK(r->action != SBX_SECCOMP_ALLOW);
    if (strv_contains(r->names, "mount")) mount = true;
    if (strv_contains(r->names, "unshare")) unshare = true;
    if (strv_contains(r->names, "clone") && r->n_args == 1) clone = true;
    if (strv_contains(r->names, "ioctl") && r->n_args == 1 && r->args[0].value_two == TIOCSTI)
      tiocsti = true;
    /* AF_PACKET (17) is above the highest allowed family (AF_NETLINK, 16). */
    if (strv_contains(r->names, "socket") && r->args[0].op == SBX_OP_GT &&
        r->args[0].value == AF_NETLINK && AF_PACKET > AF_NETLINK)
      packet = true;
  }
  CHECK(mount && unshare && clone && tiocsti && packet);
  CHECK_EQ_INT(s->n_uid_mappings, 0);
  idmap_plan p = plan_for(s, 1000, 1000, NULL);
  CHECK_EQ_INT(p.uids[0].host_id, 1000);
  idmap_plan_free(&p);
  CHECK(sbx_spec_validate(s, NULL) < 0); /* no command yet: the CLI gives it */
}

/* The workdir of compile, test and default: ${PWD} read-write at its own path, the job's cwd;
 * and no /work. */
static void check_same_path_workdir(const sbx_spec *s) {
  const sbx_mount *m = find_mount(s, "/home/user/src");
  CHECK(m && m->type == SBX_MOUNT_BIND && !(m->flags & SBX_MNT_RO));
  CHECK_EQ_STR(m->source, "/home/user/src");
  CHECK_EQ_STR(s->process.cwd, "/home/user/src");
  CHECK(find_mount(s, "/work") == NULL);
  /* Its ancestors are mount points in the fresh root, so it comes after every mount of depth
   * 2 (/etc/ld.so.cache): nothing shorter hides it. */
  CHECK(s->mounts[s->n_mounts - 1].target == m->target);
}

TEST(stock_default) {
  sbx_spec *s = stock("default");
  check_stock_common(s);
  check_same_path_workdir(s);
  CHECK_EQ_INT(s->network, SBX_NET_NONE);
  CHECK_EQ_INT(s->namespaces, SBX_NS_ALL);
  CHECK_EQ_INT(find_mount(s, "/tmp")->size, 256ull << 20);
  const char *argv[] = {"/bin/true"};
  CHECK(sbx_spec_set_args(s, argv, 1, NULL) == 0);
  sbx_error *e = NULL;
  if (sbx_spec_validate(s, &e) < 0) TEST_FAIL("%s", e->message);
  sbx_spec_free(s);
}

TEST(stock_compile) {
  sbx_spec *s = stock("compile");
  check_stock_common(s);
  check_same_path_workdir(s);
  CHECK_EQ_INT(s->network, SBX_NET_NONE);
  CHECK(s->limits.memory >= (4ull << 30));
  CHECK(s->limits.pids >= 1024);
  sbx_spec_free(s);
}

TEST(stock_judge) {
  sbx_spec *s = stock("judge");
  check_stock_common(s);
  /* A private layout: the submission's directory is /work. */
  const sbx_mount *w = find_mount(s, "/work");
  CHECK(w && !(w->flags & SBX_MNT_RO));
  CHECK_EQ_STR(w->source, "/home/user/src");
  CHECK_EQ_STR(s->process.cwd, "/work");
  CHECK(find_mount(s, "/home/user/src") == NULL);
  const sbx_limits *l = &s->limits;
  CHECK_EQ_INT(l->wall_time_us, 10000000);
  CHECK_EQ_INT(l->cpu_time_us, 5000000);
  CHECK_EQ_INT(l->memory, 256ull << 20);
  CHECK_EQ_INT(l->pids, 64);
  CHECK_EQ_INT(l->output, 64ull << 20);
  CHECK_EQ_INT(l->file_size, 64ull << 20);
  CHECK_EQ_INT(s->network, SBX_NET_NONE);
  /* A forbidden call is a verdict: every denial kills, but clone3's ENOSYS (the fallback). */
  const sbx_seccomp *sc = &s->seccomp;
  CHECK(sc->enabled && sc->n_rules > 20);
  for (size_t i = 0; i < sc->n_rules; i++) {
    bool clone3 = sc->rules[i].n_names == 1 && strcmp(sc->rules[i].names[0], "clone3") == 0;
    CHECK_EQ_INT(sc->rules[i].action, clone3 ? SBX_SECCOMP_ERRNO : SBX_SECCOMP_KILL_PROCESS);
  }
  sbx_spec_free(s);
}

TEST(stock_test) {
  sbx_spec *s = stock("test");
  check_stock_common(s);
  check_same_path_workdir(s);
  CHECK_EQ_INT(s->network, SBX_NET_LOOPBACK);
  CHECK_EQ_INT(s->root.etc, SBX_ETC_GENERATED);
  /* The CA certificates, read-only and optional. */
  const sbx_mount *certs = find_mount(s, "/etc/ssl/certs");
  CHECK(certs != NULL);
  CHECK_EQ_STR(certs->source, "/etc/ssl/certs");
  CHECK(certs->flags & SBX_MNT_RO);
  CHECK(certs->flags & SBX_MNT_OPTIONAL);
  sbx_spec *c = stock("compile");
  CHECK(find_mount(c, "/etc/ssl/certs") == NULL);
  CHECK(s->limits.pids > c->limits.pids);
  CHECK_EQ_INT(s->limits.memory, c->limits.memory);
  sbx_spec_free(c);
  sbx_spec_free(s);
}

TEST(stock_profiles_as_root) {
  /* This test says so: the caller is root, and the job then maps to the host's nobody. */
  sbx_load_options o = opts_base();
  o.uid = o.gid = 0;
  static const char *const names[] = {"default", "compile", "judge", "test"};
  for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
    sbx_spec *s = NULL;
    sbx_error *e = NULL;
    if (sbx_spec_load_profile(names[i], &o, &s, &e) < 0) TEST_FAIL("%s", e->message);
    idmap_plan p = plan_for(s, 0, 0, NULL);
    CHECK_EQ_INT(p.uids[0].host_id, 65534);
    CHECK_EQ_INT(p.uids[0].container_id, 0);
    idmap_plan_free(&p);
    sbx_spec_free(s);
  }
}

/* Run from /, from the home or from a directory that holds /etc, /usr or the home, the stock
 * profiles refuse the default read-write workdir; a written source, or mode ro, asks for it. */
TEST(workdir_that_holds_too_much_is_refused) {
  static const struct {
    const char *pwd, *holds;
  } cases[] = {
      {"/", "holds /etc, /usr and the home /home/user"},
      {"/home", "holds the home /home/user"},
      {"/home/user", "is the home /home/user"},
      {"/home/user/", "is the home /home/user"},
      {"/etc", "is /etc"},
      {"/usr", "is /usr"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    sbx_load_options o = opts_base();
    o.pwd = cases[i].pwd;
    _cleanup_free_ char *m = file_errors("default", &o);
    /* Located at the workdir of default.yaml (whatever its line). */
    _cleanup_free_ char *file = xasprintf("%s/default.yaml:", profiles_dir);
    _cleanup_free_ char *want = xasprintf(
        " filesystem.workdir: refusing to mount the working directory %s read-write: it %s. "
        "Run from a project's directory, or ask for exactly this with --set "
        "filesystem.workdir.source=%s (or read-only with --set filesystem.workdir.mode=ro)",
        cases[i].pwd, cases[i].holds, cases[i].pwd);
    CHECK(strncmp(m, file, strlen(file)) == 0);
    const char *rest = m + strlen(file);
    rest += strspn(rest, "0123456789:");
    CHECK_EQ_STR(rest, want);
  }
  /* Every stock profile, judge's /work included. */
  static const char *const names[] = {"compile", "judge", "test"};
  for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
    sbx_load_options o = opts_base();
    o.pwd = "/";
    _cleanup_free_ char *m = file_errors(names[i], &o);
    CHECK(strstr(m, "refusing to mount the working directory / read-write") != NULL);
  }
  /* Asked for explicitly, or read-only: loaded. */
  static const char *const asks[][1] = {{"filesystem.workdir.source=/"},
                                        {"filesystem.workdir.mode=ro"}};
  for (size_t i = 0; i < ARRAY_SIZE(asks); i++) {
    sbx_load_options o = opts_base();
    o.pwd = "/";
    o.sets = asks[i];
    o.n_sets = 1;
    sbx_spec *s = NULL;
    sbx_error *e = NULL;
    if (sbx_spec_load_profile("default", &o, &s, &e) < 0) TEST_FAIL("%s", e->message);
    CHECK(find_mount(s, "/") != NULL);
    CHECK_EQ_STR(s->process.cwd, "/");
    sbx_spec_free(s);
  }
  /* Neighbours that hold none of them load: /home/username is not the home /home/user, and a
   * project below the home is the usual case. */
  static const char *const fine[] = {"/home/username", "/home/user/src", "/etcetera", "/usr2",
                                     "/tmp/build"};
  for (size_t i = 0; i < ARRAY_SIZE(fine); i++) {
    sbx_load_options o = opts_base();
    o.pwd = fine[i];
    sbx_spec *s = NULL;
    sbx_error *e = NULL;
    if (sbx_spec_load_profile("default", &o, &s, &e) < 0) TEST_FAIL("%s: %s", fine[i], e->message);
    CHECK(find_mount(s, fine[i]) != NULL);
    sbx_spec_free(s);
  }
  /* Without a home (HOME unset), / and /etc are still refused. */
  sbx_load_options o = opts_base();
  o.pwd = "/";
  o.home = NULL;
  _cleanup_free_ char *saved = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
  unsetenv("HOME");
  _cleanup_free_ char *m = file_errors("default", &o);
  if (saved) setenv("HOME", saved, 1);
  CHECK(strstr(m, "it holds /etc and /usr.") != NULL);
}

TEST(stock_name_not_found) {
  sbx_load_options o = opts_base();
  _cleanup_free_ char *m = file_errors("nosuch", &o);
  _cleanup_free_ char *want = xasprintf(
      "no profile 'nosuch' in %s (there are: compile, default, "
      "judge, test)",
      profiles_dir);
  CHECK_EQ_STR(m, want);
}

/* ---- review fixes: values spec/run refuse are refused here, with a location ---------------- */

TEST(limits_refused_like_spec_and_run) {
  sbx_spec *s = load(
      "limits:\n  wall_time: 1us\n  cpu_time: 1ms\n  stack: 64K\n"
      "  cpu_quota: 17592186044415us\n  cpu_period: 1s\n  memory: 4P\n  swap: 8187P\n");
  CHECK_EQ_INT(s->limits.wall_time_us, 1);
  CHECK_EQ_INT(s->limits.cpu_time_us, 1000);
  CHECK_EQ_INT(s->limits.stack, 65536);
  CHECK_EQ_INT(s->limits.cpu_quota_us, (1ull << 44) - 1);
  CHECK_EQ_INT(s->limits.swap, 8187ull << 50);
  sbx_spec_free(s);
}

TEST(filesystem_refused_like_spec_and_run) {
  sbx_spec *s = load("filesystem: {tmpfs: [/dev/shm, /devices]}\n");
  CHECK(find_mount(s, "/dev/shm") && find_mount(s, "/devices"));
  sbx_spec_free(s);

  /* two optional binds, or two required ones, on one target are fine */
  s = load(
      "filesystem:\n  binds:\n    - {source: /a, target: /x, optional: true}\n"
      "    - {source: /b, target: /x, optional: true}\n    - /c:/y\n    - /d:/y\n");
  CHECK_EQ_INT(s->n_mounts, 6);
  sbx_spec_free(s);
}

TEST(cpus_strict_decimal) {
  /* the refusals are error files (cpus-*) */
  static const struct {
    const char *s;
    uint64_t quota;
  } good[] = {{"1.5", 150000},      {"0.01", 1000},         {"1024", 102400000},
              {"2.000005", 200001}, {"0.0123456789", 1235}, {"007", 700000}};
  for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
    _cleanup_free_ char *y = xasprintf("limits:\n  cpus: '%s'\n", good[i].s);
    sbx_spec *s = load(y);
    CHECK_EQ_INT(s->limits.cpu_quota_us, good[i].quota);
    CHECK_EQ_INT(s->limits.cpu_period_us, 100000);
    sbx_spec_free(s);
  }
  /* a locale with a decimal comma changes nothing (where such a locale is installed) */
  if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
    sbx_spec *s = load("limits:\n  cpus: 1.5\n");
    setlocale(LC_NUMERIC, "C");
    CHECK_EQ_INT(s->limits.cpu_quota_us, 150000);
    sbx_spec_free(s);
  }
}

TEST(empty_values_are_absent) {
  /* without anything inherited, an empty value is as if the key were not written */
  sbx_spec *s = load(
      "limits: {memory: , pids: ~, wall_time: 1s}\n"
      "process:\n  env: {A: null, B: b}\n  user: {uid: ~}\n"
      "filesystem:\n  binds: [{source: /opt, target: ~}]\n");
  CHECK(s->limits.memory == SBX_UNSET && s->limits.pids == SBX_UNSET);
  CHECK_EQ_INT(s->limits.wall_time_us, 1000000);
  CHECK(spec_env_get(s, "A") == NULL);
  CHECK_EQ_STR(spec_env_get(s, "B"), "b");
  CHECK_EQ_INT(s->process.uid, 0);
  CHECK(find_mount(s, "/opt") != NULL);
  sbx_spec_free(s);
  sbx_load_options o = opts_base();
  const char *sets[] = {"id_mapping={count: ~}", "limits={memory: ~, pids: 5}"};
  o.sets = sets;
  o.n_sets = ARRAY_SIZE(sets);
  s = load_opts("network: none\n", &o);
  CHECK_EQ_INT(s->id_intent.count, 1);
  CHECK_EQ_INT(s->limits.pids, 5);
  CHECK(s->limits.memory == SBX_UNSET);
  sbx_spec_free(s);
  /* an empty list item is still an error, and so is an empty value to append */
}

/* "a.a.a...a" with n parts */
static char *key_path(size_t n) {
  char *p = xmalloc(2 * n);
  for (size_t i = 0; i < n; i++) {
    p[2 * i] = 'a';
    p[2 * i + 1] = '.';
  }
  p[2 * n - 1] = '\0';
  return p;
}

static char *set_errors(const char *arg) {
  sbx_load_options o = opts_base();
  const char *sets[] = {arg};
  o.sets = sets;
  o.n_sets = 1;
  return errors_opts("network: none\n", &o);
}

TEST(set_key_path_depth) {
  /* 65000 parts used to overflow the stack; the echo of the argument is cut at 80 bytes */
  _cleanup_free_ char *huge = key_path(65000);
  _cleanup_free_ char *arg = xasprintf("%s=1", huge);
  _cleanup_free_ char *m = set_errors(arg);
  CHECK_EQ_STR(m,
               "--set 'a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
               "a.a.a....': the key path has 65000 parts: the most is 63");
  _cleanup_free_ char *p64 = key_path(64);
  _cleanup_free_ char *a64 = xasprintf("%s=1", p64);
  _cleanup_free_ char *m64 = set_errors(a64);
  CHECK_CONTAINS(m64, "...': the key path has 64 parts: the most is 63");
  /* 63 parts and a scalar are 64 levels: allowed (and then an unknown key) */
  _cleanup_free_ char *p63 = key_path(63);
  _cleanup_free_ char *a63 = xasprintf("%s=1", p63);
  _cleanup_free_ char *m63 = set_errors(a63);
  CHECK_CONTAINS(m63, "...': a: unknown key 'a'");
  /* a value nested below the key path may not go deeper than a file may */
  _cleanup_free_ char *a63l = xasprintf("%s=[x]", p63);
  _cleanup_free_ char *m63l = set_errors(a63l);
  CHECK_CONTAINS(m63l,
                 "...': the value would be nested 65 levels deep, deeper than the 64 allowed");
  _cleanup_free_ char *a63p = xasprintf("%s+=x", p63);
  _cleanup_free_ char *m63p = set_errors(a63p);
  CHECK_CONTAINS(m63p,
                 "...': the value would be nested 65 levels deep, deeper than the 64 allowed");
  _cleanup_free_ char *deep = xstrdup("description=");
  for (int i = 0; i < 64; i++) {
    char *d = xasprintf("%s[", deep);
    free(deep);
    deep = d;
  }
  for (int i = 0; i < 64; i++) {
    char *d = xasprintf("%s]", deep);
    free(deep);
    deep = d;
  }
  _cleanup_free_ char *md = set_errors(deep);
  CHECK_CONTAINS(md, "...': the value would be nested 65 levels deep, deeper than the 64 allowed");
  /* a UTF-8 character is not cut in the middle */
  _cleanup_free_ char *u = xasprintf("limits.%s=1",
                                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
  _cleanup_free_ char *mu = set_errors(u);
  CHECK_CONTAINS(mu,
                 "--set 'limits.\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                 "\xc3\xa9\xc3\xa9...': limits.");
}

/* ---- review fixes: inputs that used to take seconds (assert results, never time) ---------- */

/* "HEAD" followed by n items made by fmt (one %zu), joined by sep, then "TAIL". */
static char *generate(const char *head, const char *fmt, size_t n, const char *sep,
                      const char *tail) {
  size_t cap = 1 << 21, len = 0;
  char *y = xmalloc(cap);
  len += (size_t)snprintf(y, cap, "%s", head);
  for (size_t i = 0; i < n; i++) {
    if (i) len += (size_t)snprintf(y + len, cap - len, "%s", sep);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    len += (size_t)snprintf(y + len, cap - len, fmt, i); /* fmt: a literal of the caller */
#pragma GCC diagnostic pop
    if (len >= cap - 64) TEST_FAIL("generated text too large");
  }
  len += (size_t)snprintf(y + len, cap - len, "%s", tail);
  return y;
}

TEST(large_flow_map_duplicate_key) {
  /* 49000 keys and then a duplicate: the check used to compare every key with all before it */
  _cleanup_free_ char *y = generate("process: {env: {", "K%zu: v", 49000, ", ", ", K7: w}}\n");
  CHECK(strlen(y) < JS_MAX_FILE_BYTES);
  _cleanup_free_ char *m = errors(y);
  _cleanup_free_ char *want = xasprintf("job.yaml:1:%zu: duplicate key 'K7'", strlen(y) - 7);
  CHECK_EQ_STR(m, want);
}

TEST(large_top_level_map) {
  /* 49000 unknown top-level keys: parsed, merged into the (empty) base and checked, with the
   * error cap reached after 20 and no suggestion work for the rest */
  _cleanup_free_ char *y = generate("{", "key%zu: 1", 49000, ", ", "}\n");
  sbx_load_options o = opts_base();
  o.max_errors = 3;
  _cleanup_free_ char *m = errors_opts(y, &o);
  CHECK_EQ_STR(m,
               "job.yaml:1:2: key0: unknown key 'key0'\n"
               "job.yaml:1:11: key1: unknown key 'key1'\n"
               "job.yaml:1:20: key2: unknown key 'key2'");
}

TEST(large_seccomp_unknown_names) {
  /* 90000 unknown names: suggestions (1024 resolutions and edit distances each) used to be
   * computed for every one, long after the error list was full */
  _cleanup_free_ char *y = generate("seccomp:\n  deny: [", "zz%zu", 90000, ",", "]\n");
  CHECK(strlen(y) < JS_MAX_FILE_BYTES);
  sbx_load_options o = opts_base();
  o.max_errors = 2;
  _cleanup_free_ char *m = errors_opts(y, &o);
  CHECK_EQ_STR(m,
               "job.yaml:2:10: seccomp.deny[0]: unknown system call 'zz0'\n"
               "job.yaml:2:14: seccomp.deny[1]: unknown system call 'zz1'");
}

static void check_same_rules(const sbx_spec *a, const sbx_spec *b) {
  CHECK_EQ_INT(a->seccomp.n_rules, b->seccomp.n_rules);
  for (size_t i = 0; i < a->seccomp.n_rules; i++) {
    CHECK_EQ_INT(a->seccomp.rules[i].action, b->seccomp.rules[i].action);
    CHECK(strv_equal(a->seccomp.rules[i].names, b->seccomp.rules[i].names));
  }
}

TEST(large_repeated_groups) {
  /* 80000 x @baseline used to resolve and claim the group's calls again for every entry */
  sbx_spec *one = load("seccomp:\n  allow: ['@baseline', read]\n");
  CHECK(one->seccomp.n_rules >= 1);
  CHECK(one->seccomp.rules[0].n_names > 50);
  _cleanup_free_ char *y =
      generate("seccomp:\n  allow: [", "'@baseline'", 80000, ",", ",read,'@baseline']\n");
  CHECK(strlen(y) < JS_MAX_FILE_BYTES);
  sbx_spec *many = load(y);
  check_same_rules(one, many);
  sbx_spec_free(many);
  /* the same in a rule's list of system calls */
  sbx_spec *r1 = load("seccomp:\n  rules: [{syscall: ['@baseline'], action: errno}]\n");
  _cleanup_free_ char *y2 = generate("seccomp:\n  rules: [{action: errno, syscall: [",
                                     "'@baseline'", 80000, ",", "]}]\n");
  sbx_spec *r2 = load(y2);
  check_same_rules(r1, r2);
  CHECK_EQ_INT(r2->seccomp.n_rules, 1);
  sbx_spec_free(r2);
  /* and in many rules: each claims the group's calls in a hash, not a list */
  _cleanup_free_ char *y3 =
      generate("seccomp:\n  rules: [", "{syscall: '@baseline', action: errno}", 19000, ",", "]\n");
  CHECK(strlen(y3) < JS_MAX_FILE_BYTES);
  sbx_spec *r3 = load(y3);
  check_same_rules(r1, r3);
  sbx_spec_free(r3);
  sbx_spec_free(r1);
  sbx_spec_free(one);
}

TEST(large_lists_and_maps_in_translation) {
  /* 49000 variables: each used to be looked up in the whole environment */
  _cleanup_free_ char *y = generate("process: {env: {", "K%zu: v", 49000, ", ", "}}\n");
  sbx_spec *s = load(y);
  CHECK_EQ_INT(s->process.n_env, 49000);
  CHECK_EQ_STR(spec_env_get(s, "K48999"), "v");
  sbx_spec_free(s);
  /* 90000 masked paths, each used to be searched for in all before it; repeats dropped */
  _cleanup_free_ char *y2 =
      generate("filesystem:\n  masked: [/m1, /m2, ", "/m%zu", 90000, ",", ", /m7]\n");
  CHECK(strlen(y2) < JS_MAX_FILE_BYTES);
  s = load(y2);
  CHECK_EQ_INT(s->n_masked_paths, 90000);
  CHECK_EQ_STR(s->masked_paths[0], "/m1");
  CHECK_EQ_STR(s->masked_paths[2], "/m0");
  CHECK_EQ_STR(s->masked_paths[89999], "/m89999");
  sbx_spec_free(s);
  /* 60000 tmpfs mounts of two depths, deepest first: the mount sort used to be an insertion
   * sort; it is still stable */
  _cleanup_free_ char *y3 =
      generate("filesystem:\n  dev: false\n  proc: false\n  tmpfs: [", "/a/b%zu", 30000, ",", "");
  _cleanup_free_ char *y4 = generate(y3, ",/t%zu", 30000, "", "]\n");
  CHECK(strlen(y4) < JS_MAX_FILE_BYTES);
  s = load(y4);
  CHECK_EQ_INT(s->n_mounts, 60000);
  CHECK_EQ_STR(s->mounts[0].target, "/t0");
  CHECK_EQ_STR(s->mounts[29999].target, "/t29999");
  CHECK_EQ_STR(s->mounts[30000].target, "/a/b0");
  CHECK_EQ_STR(s->mounts[59999].target, "/a/b29999");
  sbx_spec_free(s);
}

TEST(large_maps_merged) {
  /* a map of 40000 keys over one of 40000 keys (20000 in common): each key used to be searched
   * for in the whole parent map */
  char path[] = "/tmp/test-jobspec-parent-XXXXXX.yaml";
  int fd = mkstemps(path, 5);
  CHECK(fd >= 0);
  _cleanup_free_ char *parent = generate("process: {env: {", "K%zu: p", 40000, ", ", "}}\n");
  ssize_t w = write(fd, parent, strlen(parent));
  close(fd);
  _cleanup_free_ char *head = xasprintf("extends: %s\nprocess: {env: {", path);
  _cleanup_free_ char *c1 = generate(head, "K%zu: c", 20000, ", ", ", ");
  _cleanup_free_ char *child = generate(c1, "X%zu: c", 20000, ", ", ", K30000: ~}}\n");
  sbx_spec *s = NULL;
  sbx_error *e = NULL;
  sbx_load_options o = opts_base();
  int r = sbx_spec_load_profile_string("job.yaml", child, strlen(child), &o, &s, &e);
  unlink(path);
  CHECK_EQ_INT(w, (ssize_t)strlen(parent));
  if (r < 0) {
    _cleanup_free_ char *m = join_errors(e);
    sbx_error_free(e);
    TEST_FAIL("did not load: %s", m);
  }
  CHECK_EQ_INT(s->process.n_env, 60000 - 1);
  CHECK_EQ_STR(spec_env_get(s, "K0"), "c");
  CHECK(spec_env_get(s, "K30000") == NULL);
  CHECK_EQ_STR(spec_env_get(s, "K19999"), "c");
  CHECK_EQ_STR(spec_env_get(s, "K20000"), "p");
  CHECK_EQ_STR(spec_env_get(s, "X19999"), "c");
  /* the parent's order, then the child's new keys */
  CHECK_EQ_STR(s->process.env[0], "K0=c");
  CHECK_EQ_STR(s->process.env[5], "K5=c");
  CHECK_EQ_STR(s->process.env[30000], "K30001=p");
  CHECK_EQ_STR(s->process.env[39999], "X0=c");
  sbx_spec_free(s);
}

RUN_TESTS()

/* The workdir of a stock profile whose PWD is in a version-controlled tree: the project's top
 * is bound at its own path and the job starts in PWD; without a marker, PWD itself; a marker
 * at the home (dotfiles in git) or above it is not taken; judge keeps its own /work. */
TEST(workdir_project_top) {
  const char *top = scratch_mkdir("proj", 0755);
  CHECK(mkdir(scratch_path("proj/.git"), 0755) == 0);
  CHECK(mkdir(scratch_path("proj/build"), 0755) == 0);
  CHECK(mkdir(scratch_path("proj/build/sub"), 0755) == 0);
  const char *plain = scratch_mkdir("plain", 0755);
  CHECK(mkdir(scratch_path("plain/in"), 0755) == 0);
  /* A home kept in git, with a project below it that is not. */
  const char *home = scratch_mkdir("home", 0755);
  CHECK(mkdir(scratch_path("home/.git"), 0755) == 0);
  CHECK(mkdir(scratch_path("home/work"), 0755) == 0);
  /* A worktree or submodule: .git is a file. */
  const char *wt = scratch_mkdir("wt", 0755);
  int fd = open(scratch_path("wt/.git"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  close(fd);
  CHECK(mkdir(scratch_path("wt/src"), 0755) == 0);
  const struct {
    const char *profile, *pwd, *bound, *target, *cwd;
  } cases[] = {
      {"compile", scratch_path("proj/build/sub"), top, top, scratch_path("proj/build/sub")},
      {"test", scratch_path("proj/build"), top, top, scratch_path("proj/build")},
      {"default", top, top, top, top},
      {"compile", scratch_path("plain/in"), scratch_path("plain/in"), scratch_path("plain/in"),
       scratch_path("plain/in")},
      {"compile", scratch_path("home/work"), scratch_path("home/work"), scratch_path("home/work"),
       scratch_path("home/work")},
      {"compile", scratch_path("wt/src"), wt, wt, scratch_path("wt/src")},
      {"judge", scratch_path("proj/build"), scratch_path("proj/build"), "/work", "/work"},
  };
  (void)plain;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    sbx_load_options o = opts_base();
    o.pwd = cases[i].pwd;
    o.home = home;
    sbx_spec *s = NULL;
    sbx_error *e = NULL;
    if (sbx_spec_load_profile(cases[i].profile, &o, &s, &e) < 0)
      TEST_FAIL("case %zu: %s", i, e->message);
    const sbx_mount *w = NULL;
    for (size_t k = 0; k < s->n_mounts; k++)
      if (s->mounts[k].type == SBX_MOUNT_BIND && !(s->mounts[k].flags & SBX_MNT_RO))
        w = &s->mounts[k];
    CHECK(w != NULL);
    CHECK_EQ_STR(w->source, cases[i].bound);
    CHECK_EQ_STR(w->target, cases[i].target);
    CHECK_EQ_STR(s->process.cwd, cases[i].cwd);
    sbx_spec_free(s);
  }
  /* Off: the directory alone. */
  sbx_load_options o = opts_base();
  o.pwd = scratch_path("proj/build");
  o.home = home;
  const char *sets[] = {"filesystem.workdir.project=false"};
  o.sets = sets;
  o.n_sets = 1;
  sbx_spec *s = NULL;
  CHECK(sbx_spec_load_profile("compile", &o, &s, NULL) == 0);
  CHECK_EQ_STR(s->process.cwd, scratch_path("proj/build"));
  for (size_t k = 0; k < s->n_mounts; k++)
    if (s->mounts[k].type == SBX_MOUNT_BIND && !(s->mounts[k].flags & SBX_MNT_RO))
      CHECK_EQ_STR(s->mounts[k].source, scratch_path("proj/build"));
  sbx_spec_free(s);
}
