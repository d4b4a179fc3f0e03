/* test-run: the engine (sbx_run) through the library, with specs built by hand. The static probe
 * (tests/helper/probe.c) runs inside and reports its view; the tests assert on that view, on
 * the result, on the errors, and on the caller's state after many runs. Runs as root and as an
 * unprivileged user (the suite is run a second time as nobody). */
#define TEST_FILE "test-run"
#include "harness.h"

#include "sandbox.h"
#include "spec.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static int strcmp_p(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The host uid the job's root maps to when the caller is root (the tests' explicit choice). */
#define NOBODY 65534

static char probe_dir[64]; /* a copy of the probe, bound read-only on /probe in every job */

static void remove_probe_dir(void) {
  if (!probe_dir[0]) return;
  char path[128];
  const char *names[] = {"probe", "notexec"};
  for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
    snprintf(path, sizeof path, "%s/%s", probe_dir, names[i]);
    unlink(path);
  }
  snprintf(path, sizeof path, "%s/newdir", probe_dir);
  rmdir(path);
  rmdir(probe_dir);
}

/* Copies the probe into a fresh directory under /tmp that the job's host id can enter (as root,
 * uid 65534 cannot always reach the build tree), with a non-executable file next to it. */
static void setup_probe(void) {
  if (probe_dir[0]) return;
  const char *builddir = getenv("SBX_BUILDDIR");
  _cleanup_free_ char *src = xasprintf("%s/tests/helper/probe", builddir ? builddir : "build");
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  sbx_error *err = NULL;
  if (read_file_max(src, 64 << 20, &data, &len, &err) < 0) {
    printf("FAIL: %s: the probe: %s\n", TEST_FILE, err->message);
    exit(1);
  }
  strcpy(probe_dir, "/tmp/sbx-test-run.XXXXXX");
  if (!mkdtemp(probe_dir) || chmod(probe_dir, 0755) < 0) {
    printf("FAIL: %s: mkdtemp /tmp/sbx-test-run.XXXXXX: %s\n", TEST_FILE, strerror(errno));
    exit(1);
  }
  atexit(remove_probe_dir);
  char path[128];
  snprintf(path, sizeof path, "%s/probe", probe_dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
  if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) < 0) {
    printf("FAIL: %s: writing %s: %s\n", TEST_FILE, path, strerror(errno));
    exit(1);
  }
  snprintf(path, sizeof path, "%s/notexec", probe_dir);
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, "#!/bin/sh\n", 10) != 10 || close(fd) < 0) {
    printf("FAIL: %s: writing %s: %s\n", TEST_FILE, path, strerror(errno));
    exit(1);
  }
}

static uint32_t host_uid(void) { return getuid() == 0 ? NOBODY : getuid(); }
static uint32_t host_gid(void) { return getuid() == 0 ? NOBODY : getgid(); }

static void add_mapping(sbx_id_mapping **m, size_t *n, uint32_t inside, uint32_t outside) {
  *m = xrealloc(*m, (*n + 1) * sizeof **m);
  (*m)[(*n)++] = (sbx_id_mapping){.container_id = inside, .host_id = outside, .size = 1};
}

/* A spec for the probe: a fresh root with /probe (read-only), /proc, /dev and /tmp; the job's
 * uid/gid 0 mapped to the caller (or to nobody as root); hostname sbx-test; cwd /tmp; an
 * environment of two variables. `args` is NULL-terminated; args[0] is a path in /probe. */
static sbx_spec *probe_spec(const char *const *args) {
  setup_probe();
  sbx_spec *s = spec_new();
  spec_add_mount(s, SBX_MOUNT_BIND, probe_dir, "/probe",
                 SBX_MNT_RO | SBX_MNT_NOSUID | SBX_MNT_NODEV);
  spec_add_mount(s, SBX_MOUNT_PROC, NULL, "/proc", SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC);
  spec_add_mount(s, SBX_MOUNT_DEV, NULL, "/dev", SBX_MNT_NOSUID | SBX_MNT_NOEXEC);
  sbx_mount *tmp = spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/tmp", SBX_MNT_NOSUID | SBX_MNT_NODEV);
  tmp->mode = 01777;
  tmp->size = 16 << 20;
  free(s->hostname);
  s->hostname = xstrdup("sbx-test");
  add_mapping(&s->uid_mappings, &s->n_uid_mappings, 0, host_uid());
  add_mapping(&s->gid_mappings, &s->n_gid_mappings, 0, host_gid());
  spec_env_set(s, "PATH", "/probe");
  spec_env_set(s, "SBX_TEST", "1");
  free(s->process.cwd);
  s->process.cwd = xstrdup("/tmp");
  size_t n = 0;
  while (args[n]) n++;
  sbx_error *err = NULL;
  if (sbx_spec_set_args(s, args, n, &err) < 0) {
    printf("FAIL: %s: sbx_spec_set_args: %s\n", TEST_FILE, err->message);
    exit(1);
  }
  return s;
}

static char shared_dir[64]; /* a host directory bound read-write on /shared */

static void remove_shared_dir(void) {
  if (!shared_dir[0]) return;
  DIR *d = opendir(shared_dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)))
      if (e->d_name[0] != '.') unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
  }
  rmdir(shared_dir);
}

/* Adds /shared (read-write, writable by the job's host id) to a spec; returns the host path. */
static const char *add_shared(sbx_spec *s) {
  if (!shared_dir[0]) {
    strcpy(shared_dir, "/tmp/sbx-test-shared.XXXXXX");
    if (!mkdtemp(shared_dir) || chmod(shared_dir, 0777) < 0) {
      printf("FAIL: %s: mkdtemp %s: %s\n", TEST_FILE, shared_dir, strerror(errno));
      exit(1);
    }
    atexit(remove_shared_dir);
  }
  spec_add_mount(s, SBX_MOUNT_BIND, shared_dir, "/shared", SBX_MNT_NOSUID | SBX_MNT_NODEV);
  return shared_dir;
}

/* Waits up to `seconds` for a host file to exist. */
static bool wait_for_file(const char *path, double seconds) {
  for (int i = 0; i < (int)(seconds * 100); i++) {
    if (access(path, F_OK) == 0) return true;
    usleep(10000);
  }
  return access(path, F_OK) == 0;
}

static void cleanup_specp(sbx_spec **s) { sbx_spec_free(*s); }
#define _cleanup_spec_ __attribute__((cleanup(cleanup_specp)))

/* One run with the job's stdout in a memfd. Returns sbx_run's value; *out gets the output. */
static int run_capture(const sbx_spec *s, sbx_result *res, sbx_error **err, char **out) {
  int fd = memfd_create("probe-out", MFD_CLOEXEC);
  if (fd < 0) return -2;
  sbx_run_options opts;
  sbx_run_options_init(&opts);
  opts.stdout_fd = fd;
  memset(res, 0, sizeof *res);
  int r = sbx_run(s, &opts, res, err);
  if (out) {
    off_t len = lseek(fd, 0, SEEK_END);
    *out = xcalloc(1, (size_t)(len > 0 ? len : 0) + 1);
    if (len > 0 && pread(fd, *out, (size_t)len, 0) != len) (*out)[0] = '\0';
  }
  close(fd);
  return r;
}

/* Every value of KEY in the probe's output, joined with '|' in order, e.g. "0|1|2". */
static char *values(const char *out, const char *key) {
  size_t kl = strlen(key);
  char *acc = xstrdup("");
  for (const char *l = out; l && *l;) {
    const char *nl = strchr(l, '\n');
    size_t ll = nl ? (size_t)(nl - l) : strlen(l);
    if (ll > kl && strncmp(l, key, kl) == 0 && l[kl] == '=') {
      char *next = xasprintf("%s%s%.*s", acc, *acc ? "|" : "", (int)(ll - kl - 1), l + kl + 1);
      free(acc);
      acc = next;
    }
    l = nl ? nl + 1 : NULL;
  }
  return acc;
}

/* The one value of KEY; "" when absent. */
static char *value(const char *out, const char *key) { return values(out, key); }

/* Runs the probe report and checks that it ran and exited 0. */
#define RUN_REPORT(spec, res, out)                                                 \
  do {                                                                             \
    _cleanup_error_ sbx_error *e_ = NULL;                                          \
    int r_ = run_capture(spec, res, &e_, out);                                     \
    if (r_ != 0) TEST_FAIL("sbx_run failed: %s", e_ ? e_->message : "(no error)"); \
    CHECK_EQ_INT((res)->status, SBX_STATUS_OK);                                    \
    CHECK_EQ_INT((res)->exit_code, 0);                                             \
  } while (0)

#define CHECK_VALUE(out, key, want)                                                       \
  do {                                                                                    \
    _cleanup_free_ char *v_ = values(out, key);                                           \
    if (strcmp(v_, want) != 0) TEST_FAIL("%s is \"%s\", expected \"%s\"", key, v_, want); \
  } while (0)

/* ---- the view from inside ----------------------------------------------------------------- */

TEST(view_ids_and_maps) {
  const char *args[] = {"/probe/probe", "report", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  sbx_result res;
  _cleanup_free_ char *out = NULL;
  RUN_REPORT(s, &res, &out);
  CHECK_VALUE(out, "uid", "0");
  CHECK_VALUE(out, "gid", "0");
  CHECK_VALUE(out, "euid", "0");
  CHECK_VALUE(out, "groups", "");
  _cleanup_free_ char *um = xasprintf("0 %u 1", host_uid());
  _cleanup_free_ char *gm = xasprintf("0 %u 1", host_gid());
  CHECK_VALUE(out, "uid_map", um);
  CHECK_VALUE(out, "gid_map", gm);
  /* An unprivileged gid_map can only be written after setgroups is denied. */
  if (getuid() != 0) CHECK_VALUE(out, "setgroups", "deny");
  sbx_result_clear(&res);
}

TEST(view_other_job_uid) {
  const char *args[] = {"/probe/probe", "report", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  s->uid_mappings[0].container_id = 1000;
  s->gid_mappings[0].container_id = 1000;
  s->process.uid = 1000;
  s->process.gid = 1000;
  sbx_result res;
  _cleanup_free_ char *out = NULL;
  RUN_REPORT(s, &res, &out);
  CHECK_VALUE(out, "uid", "1000");
  CHECK_VALUE(out, "gid", "1000");
  CHECK_VALUE(out, "euid", "1000");
  _cleanup_free_ char *um = xasprintf("1000 %u 1", host_uid());
  CHECK_VALUE(out, "uid_map", um);
  /* Not root inside: no capability is effective. */
  CHECK_VALUE(out, "capeff", "0000000000000000");
  sbx_result_clear(&res);
}

/* Without mappings in the spec the engine picks them: the caller's uid when unprivileged, an
 * unprivileged host id (never 0) as root. */
TEST(view_default_mapping) {
  const char *args[] = {"/probe/probe", "report", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  free(s->uid_mappings);
  free(s->gid_mappings);
  s->uid_mappings = s->gid_mappings = NULL;
  s->n_uid_mappings = s->n_gid_mappings = 0;
  sbx_result res;
  _cleanup_free_ char *out = NULL;
  RUN_REPORT(s, &res, &out);
  CHECK_VALUE(out, "uid", "0");
  _cleanup_free_ char *um = value(out, "uid_map");
  unsigned inside = 1, outside = 1, count = 0;
  CHECK(sscanf(um, "%u %u %u", &inside, &outside, &count) == 3);
  CHECK_EQ_INT(inside, 0);
  if (getuid() == 0)
    CHECK(outside != 0);
  else
    CHECK_EQ_INT(outside, getuid());
  sbx_result_clear(&res);
}

TEST(view_pids_hostname_cwd_env) {
  const char *args[] = {"/probe/probe", "report", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  sbx_result res;
  _cleanup_free_ char *out = NULL;
  RUN_REPORT(s, &res, &out);
  /* pid 1 is the job itself or a tiny init that forked it; nothing else is visible. */
  _cleanup_free_ char *pid = value(out, "pid");
  _cleanup_free_ char *nprocs = value(out, "nprocs");
  CHECK(strcmp(pid, "1") == 0 || strcmp(pid, "2") == 0);
  CHECK_EQ_INT(atoi(nprocs), atoi(pid));
  CHECK_VALUE(out, "hostname", "sbx-test");
  CHECK_VALUE(out, "cwd", "/tmp");
  CHECK_VALUE(out, "umask", "0022");
  /* Exactly the spec's environment, nothing from the host. */
  CHECK_VALUE(out, "env", "PATH=/probe|SBX_TEST=1");
  CHECK(res.wall_time_s > 0);
  sbx_result_clear(&res);
}

TEST(view_fds) {
  const char *args[] = {"/probe/probe", "fds", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  /* An fd of ours without CLOEXEC must not reach the job. */
  int leak = open("/dev/null", O_RDONLY);
  CHECK(leak > 2);
  sbx_result res;
  _cleanup_free_ char *out = NULL;
  _cleanup_error_ sbx_error *err = NULL;
  int r = run_capture(s, &res, &err, &out);
  close(leak);
  if (r != 0) TEST_FAIL("sbx_run failed: %s", err ? err->message : "(no error)");
  CHECK_VALUE(out, "fd", "0|1|2");
  /* stdin is /dev/null by default (the sandbox's own). */
  _cleanup_free_ char *fd0 = values(out, "fdpath");
  CHECK_CONTAINS(fd0, "0 /dev/null");
  sbx_result_clear(&res);
}

TEST(view_mounts_and_host_paths) {
  const char *args[] = {
      "/probe/probe", "report",       "/probe/probe", "/dev/null", "/dev/zero", "/dev/full",
      "/dev/random",  "/dev/urandom", "/dev/tty",     "/dev/pts",  "/dev/shm",  "/etc",
      "/home",        "/root",        "/usr",         "/work",     "/bin",      "/var",
      "/sys/kernel",  "/dev/sda",     "/dev/mem",     "/dev/kmsg", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  sbx_result res;
  _cleanup_free_ char *out = NULL;
  RUN_REPORT(s, &res, &out);
  static const char *const present[] = {"/probe/probe", "/dev/null",   "/dev/zero",
                                        "/dev/full",    "/dev/random", "/dev/urandom",
                                        "/dev/tty",     "/dev/pts",    "/dev/shm"};
  static const char *const absent[] = {"/etc",     "/home",    "/root",    "/usr",
                                       "/work",    "/bin",     "/var",     "/sys/kernel",
                                       "/dev/sda", "/dev/mem", "/dev/kmsg"};
  for (size_t i = 0; i < ARRAY_SIZE(present); i++) {
    _cleanup_free_ char *line = xasprintf("exists=%s yes\n", present[i]);
    CHECK_CONTAINS(out, line);
  }
  for (size_t i = 0; i < ARRAY_SIZE(absent); i++) {
    _cleanup_free_ char *line = xasprintf("exists=%s no\n", absent[i]);
    CHECK_CONTAINS(out, line);
  }
  /* The mount table holds our mounts only: the root, /probe read-only, /proc, /dev and its
   * pts and shm, /tmp; nothing of the host's. */
  _cleanup_free_ char *mounts = values(out, "mount");
  CHECK_CONTAINS(out, "mount=/ ");
  CHECK_CONTAINS(out, "mount=/probe ");
  CHECK_CONTAINS(out, "mount=/proc proc ");
  CHECK_CONTAINS(out, "mount=/dev/pts devpts ");
  CHECK_CONTAINS(out, "mount=/tmp tmpfs ");
  char *save = NULL;
  for (char *m = strtok_r(mounts, "|", &save); m; m = strtok_r(NULL, "|", &save)) {
    char mp[256], type[64], opts[1024];
    CHECK(sscanf(m, "%255s %63s %1023s", mp, type, opts) == 3);
    bool ours = strcmp(mp, "/") == 0 || strcmp(mp, "/probe") == 0 || strcmp(mp, "/tmp") == 0 ||
                strncmp(mp, "/proc", 5) == 0 || strncmp(mp, "/dev", 4) == 0;
    if (!ours) TEST_FAIL("unexpected mount in the job: %s", m);
    if (strcmp(mp, "/probe") == 0) {
      CHECK(strncmp(opts, "ro,", 3) == 0);
      CHECK_CONTAINS(opts, "nosuid");
      CHECK_CONTAINS(opts, "nodev");
    }
    if (strcmp(mp, "/tmp") == 0) CHECK_CONTAINS(opts, "nosuid");
  }
  sbx_result_clear(&res);
}

/* ---- results ------------------------------------------------------------------------------ */

TEST(result_exit_code) {
  const char *args[] = {"/probe/probe", "exit", "7", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  sbx_result res;
  _cleanup_error_ sbx_error *err = NULL;
  int r = run_capture(s, &res, &err, NULL);
  if (r != 0) TEST_FAIL("sbx_run failed: %s", err ? err->message : "(no error)");
  CHECK_EQ_INT(res.status, SBX_STATUS_EXIT_NONZERO);
  CHECK_EQ_INT(res.exit_code, 7);
  CHECK_EQ_INT(res.signal, 0);
  CHECK(!res.exec_failed);
  sbx_result_clear(&res);
}

TEST(result_signal) {
  const char *args[] = {"/probe/probe", "kill", "TERM", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  sbx_result res;
  _cleanup_error_ sbx_error *err = NULL;
  int r = run_capture(s, &res, &err, NULL);
  if (r != 0) TEST_FAIL("sbx_run failed: %s", err ? err->message : "(no error)");
  CHECK_EQ_INT(res.status, SBX_STATUS_SIGNALED);
  CHECK_EQ_INT(res.signal, SIGTERM);
  sbx_result_clear(&res);
}

/* The caller's blocked signals do not reach the job (a job with SIGTERM blocked could not be
 * stopped). */
TEST(job_signal_mask_clean) {
  const char *args[] = {"/probe/probe", "report", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  sbx_result res;
  _cleanup_free_ char *out = NULL;
  _cleanup_error_ sbx_error *err = NULL;
  int r = run_capture(s, &res, &err, &out);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (r != 0) TEST_FAIL("sbx_run failed: %s", err ? err->message : "(no error)");
  CHECK_VALUE(out, "sigblk", "0000000000000000");
  sbx_result_clear(&res);
}

/* ---- setup errors: -1, SBX_STATUS_SETUP_ERROR and a message naming the cause -------------- */

static void expect_setup_error(sbx_spec *s, const char *want, bool exact) {
  sbx_result res;
  _cleanup_error_ sbx_error *err = NULL;
  int r = run_capture(s, &res, &err, NULL);
  CHECK_EQ_INT(r, -1);
  CHECK(err != NULL);
  CHECK_EQ_INT(res.status, SBX_STATUS_SETUP_ERROR);
  if (exact)
    CHECK_EQ_STR(err->message, want);
  else
    CHECK_CONTAINS(err->message, want);
  sbx_result_clear(&res);
}

TEST(error_command_not_found) {
  const char *args[] = {"/probe/nosuchcmd", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  sbx_result res;
  _cleanup_error_ sbx_error *err = NULL;
  int r = run_capture(s, &res, &err, NULL);
  CHECK_EQ_INT(r, -1);
  CHECK(res.exec_failed);
  CHECK_EQ_INT(res.exec_errno, ENOENT);
  CHECK(err != NULL);
  CHECK_EQ_STR(err->message, "cannot run '/probe/nosuchcmd': No such file or directory");
  sbx_result_clear(&res);
}

TEST(error_not_executable) {
  const char *args[] = {"/probe/notexec", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  sbx_result res;
  _cleanup_error_ sbx_error *err = NULL;
  int r = run_capture(s, &res, &err, NULL);
  CHECK_EQ_INT(r, -1);
  CHECK(res.exec_failed);
  CHECK_EQ_INT(res.exec_errno, EACCES);
  CHECK(err != NULL);
  CHECK_EQ_STR(err->message, "cannot run '/probe/notexec': Permission denied");
  sbx_result_clear(&res);
}

TEST(error_bad_cwd) {
  const char *args[] = {"/probe/probe", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  free(s->process.cwd);
  s->process.cwd = xstrdup("/nonexistent-cwd");
  expect_setup_error(
      s, "cannot change to the working directory '/nonexistent-cwd': No such file or directory",
      true);
}

TEST(error_missing_bind_source) {
  const char *args[] = {"/probe/probe", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  spec_add_mount(s, SBX_MOUNT_BIND, "/nonexistent-src", "/mnt", SBX_MNT_RO);
  expect_setup_error(s, "bind mount /nonexistent-src on /mnt: No such file or directory", true);
}

TEST(optional_bind_source_skipped) {
  const char *args[] = {"/probe/probe", "report", "/mnt", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  spec_add_mount(s, SBX_MOUNT_BIND, "/nonexistent-src", "/mnt", SBX_MNT_RO | SBX_MNT_OPTIONAL);
  sbx_result res;
  _cleanup_free_ char *out = NULL;
  RUN_REPORT(s, &res, &out);
  CHECK_CONTAINS(out, "exists=/mnt no\n");
  sbx_result_clear(&res);
}

/* A mount point under a read-only bind cannot be created (nor may it appear on the host). */
TEST(error_unwritable_target) {
  const char *args[] = {"/probe/probe", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/probe/newdir", 0);
  expect_setup_error(s, "create the mount point /probe/newdir: Read-only file system", true);
  char path[128];
  snprintf(path, sizeof path, "%s/newdir", probe_dir);
  CHECK(access(path, F_OK) < 0 && errno == ENOENT);
}

/* An invalid spec is refused before anything runs, with the validator's message. */
TEST(error_invalid_spec) {
  const char *args[] = {"/probe/probe", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  free(s->process.cwd);
  s->process.cwd = xstrdup("relative/dir");
  _cleanup_error_ sbx_error *verr = NULL;
  CHECK(sbx_spec_validate(s, &verr) < 0);
  CHECK(verr != NULL);
  expect_setup_error(s, verr->message, false);
}

/* ---- processes ---------------------------------------------------------------------------- */

/* Pids of host processes whose command line holds `marker`. */
static int count_marked(const char *marker) {
  DIR *d = opendir("/proc");
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char path[300], buf[4096];
    snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0) continue;
    for (ssize_t i = 0; i < len; i++)
      if (buf[i] == '\0') buf[i] = ' ';
    buf[len] = '\0';
    if (strstr(buf, marker)) n++;
  }
  closedir(d);
  return n;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The job double-forks a sleeper and exits: the run ends at once and the sleeper is gone. */
TEST(orphan_killed_at_end) {
  char marker[64];
  snprintf(marker, sizeof marker, "sbx-orphan-marker-%d", (int)getpid());
  const char *args[] = {"/probe/probe", "orphan", "60", marker, NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  sbx_result res;
  _cleanup_free_ char *out = NULL;
  double t0 = now_s();
  RUN_REPORT(s, &res, &out);
  CHECK(now_s() - t0 < 20);
  CHECK_CONTAINS(out, "orphan=");
  /* Allow the kernel a moment to finish tearing the pid namespace down. */
  int left = 0;
  for (int i = 0; i < 100 && (left = count_marked(marker)) > 0; i++) usleep(20000);
  CHECK_EQ_INT(left, 0);
  sbx_result_clear(&res);
}

/* Orphans that exit while the job runs are reaped (no zombies pile up). */
TEST(orphans_reaped_while_running) {
  const char *args[] = {"/probe/probe", "zombies", "5", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  sbx_result res;
  _cleanup_free_ char *out = NULL;
  RUN_REPORT(s, &res, &out);
  CHECK_VALUE(out, "zombies", "0");
  sbx_result_clear(&res);
}

/* ---- the caller's state: 200 runs leave it as it was -------------------------------------- */

struct caller_state {
  char *fds;      /* "fd:target\n" for each open fd */
  char *children; /* the contents of /proc/self/task/ * /children */
  sigset_t mask;
  struct sigaction act[NSIG];
};

static char *list_fds(void) {
  char *acc = xstrdup("");
  DIR *d = opendir("/proc/self/fd");
  if (!d) return acc;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d)) continue;
    char path[300], target[512];
    snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    char *next = xasprintf("%s%s:%s\n", acc, e->d_name, target);
    free(acc);
    acc = next;
  }
  closedir(d);
  return acc;
}

static char *list_children(void) {
  char *acc = xstrdup("");
  DIR *d = opendir("/proc/self/task");
  if (!d) return acc;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[300];
    snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
    char *text = NULL;
    size_t len;
    sbx_error *err = NULL;
    if (read_file_max(path, 1 << 20, &text, &len, &err) < 0) {
      sbx_error_free(err);
      continue;
    }
    char *next = xasprintf("%s%s", acc, text);
    free(acc);
    free(text);
    acc = next;
  }
  closedir(d);
  return acc;
}

/* "pid (comm) state" of each pid in a children list, for messages. */
static char *describe_children(const char *children) {
  char *acc = xstrdup("");
  _cleanup_free_ char *copy = xstrdup(children);
  char *save = NULL;
  for (char *p = strtok_r(copy, " \n", &save); p; p = strtok_r(NULL, " \n", &save)) {
    char path[64], stat[256] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", atoi(p));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = read(fd, stat, sizeof stat - 1);
      stat[n > 0 ? n : 0] = '\0';
      close(fd);
    }
    char *end = strchr(stat, ')');
    if (end && end[1] && end[2]) end[3] = '\0';
    char *next = xasprintf("%s[%s] ", acc, stat);
    free(acc);
    acc = next;
  }
  return acc;
}

#define CHECK_NO_CHILDREN(children)                          \
  do {                                                       \
    if ((children)[0]) {                                     \
      _cleanup_free_ char *d_ = describe_children(children); \
      TEST_FAIL("child processes left: %s", d_);             \
    }                                                        \
  } while (0)

static void capture_state(struct caller_state *st) {
  st->fds = list_fds();
  st->children = list_children();
  pthread_sigmask(SIG_SETMASK, NULL, &st->mask);
  /* glibc refuses its internal signals (32, 33) with EINVAL: they read as zero. */
  memset(st->act, 0, sizeof st->act);
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, NULL, &st->act[sig]);
}

static void on_usr1(int sig) { (void)sig; }

TEST(leak_200_runs) {
  /* A caller with handlers (one on a signal that may be forwarded), an ignored signal and a
   * blocked signal of its own. */
  struct sigaction sa = {0}, old_usr1, old_pipe, old_hup;
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, &old_usr1);
  sigaction(SIGHUP, &sa, &old_hup);
  signal(SIGPIPE, SIG_IGN);
  sigaction(SIGPIPE, NULL, &old_pipe);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &block, &old_mask);

  const char *ok[] = {"/probe/probe", "exit", "0", NULL};
  const char *nonzero[] = {"/probe/probe", "exit", "3", NULL};
  const char *killed[] = {"/probe/probe", "kill", "KILL", NULL};
  const char *missing[] = {"/probe/missing", NULL};
  _cleanup_spec_ sbx_spec *s_ok = probe_spec(ok);
  _cleanup_spec_ sbx_spec *s_nonzero = probe_spec(nonzero);
  _cleanup_spec_ sbx_spec *s_killed = probe_spec(killed);
  _cleanup_spec_ sbx_spec *s_missing = probe_spec(missing);
  _cleanup_spec_ sbx_spec *s_badbind = probe_spec(ok);
  spec_add_mount(s_badbind, SBX_MOUNT_BIND, "/nonexistent-src", "/mnt", SBX_MNT_RO);

  /* One run first, so that anything the library sets up once (caches) is in the baseline. */
  sbx_result res;
  sbx_error *err = NULL;
  CHECK_EQ_INT(run_capture(s_ok, &res, &err, NULL), 0);
  sbx_result_clear(&res);

  struct caller_state before, after;
  capture_state(&before);
  sbx_run_options opts;
  sbx_run_options_init(&opts);
  int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  opts.stdout_fd = null;
  opts.stderr_fd = null;
  int failures = 0;
  char first_failure[512] = "";
  for (int i = 0; i < 200; i++) {
    const sbx_spec *s = s_ok;
    int want_r = 0, want_status = SBX_STATUS_OK;
    if (i % 10 == 3) s = s_nonzero, want_status = SBX_STATUS_EXIT_NONZERO;
    if (i % 10 == 5) s = s_killed, want_status = SBX_STATUS_SIGNALED;
    if (i % 10 == 7) s = s_missing, want_r = -1, want_status = SBX_STATUS_SETUP_ERROR;
    if (i % 10 == 9) s = s_badbind, want_r = -1, want_status = SBX_STATUS_SETUP_ERROR;
    /* Every other run forwards the caller's signals (handlers installed for the run only). */
    opts.forward_signals = i % 2 == 1;
    memset(&res, 0, sizeof res);
    int r = sbx_run(s, &opts, &res, &err);
    if (r != want_r || (int)res.status != want_status) {
      if (failures++ == 0)
        snprintf(first_failure, sizeof first_failure, "run %d: returned %d, status %d: %s", i, r,
                 (int)res.status, err ? err->message : "");
    }
    sbx_error_free(err);
    err = NULL;
    sbx_result_clear(&res);
  }
  close(null);
  capture_state(&after);

  sigaction(SIGUSR1, &old_usr1, NULL);
  sigaction(SIGHUP, &old_hup, NULL);
  signal(SIGPIPE, SIG_DFL);
  pthread_sigmask(SIG_SETMASK, &old_mask, NULL);

  if (failures) TEST_FAIL("%d of 200 runs went wrong; the first: %s", failures, first_failure);
  CHECK_EQ_STR(after.fds, before.fds);
  CHECK_NO_CHILDREN(before.children);
  CHECK_NO_CHILDREN(after.children);
  /* No zombie either: the caller has no child at all. */
  CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sigismember(&before.mask, sig) != sigismember(&after.mask, sig))
      TEST_FAIL("signal %d's blocked state changed", sig);
    if (before.act[sig].sa_handler != after.act[sig].sa_handler ||
        before.act[sig].sa_flags != after.act[sig].sa_flags)
      TEST_FAIL("signal %d's disposition changed", sig);
  }
  CHECK(sigismember(&after.mask, SIGUSR2));
  CHECK(after.act[SIGUSR1].sa_handler == on_usr1);
  CHECK(after.act[SIGHUP].sa_handler == on_usr1);
  CHECK(after.act[SIGPIPE].sa_handler == SIG_IGN);
  free(before.fds);
  free(before.children);
  free(after.fds);
  free(after.children);
}

/* ---- threads ------------------------------------------------------------------------------ */

/* sandbox.h: sbx_run may be called from several threads at once, each with its own spec and
 * result. Four threads run jobs with distinct exit codes and outputs at the same time as a
 * fifth allocates memory all along (fork in a threaded program must not deadlock on malloc);
 * every result is right, and the caller is left as it was. */
struct thread_job {
  int index;
  int runs;
  int bad;
  char first_error[256];
};

static volatile int stop_alloc;

static void *alloc_loop(void *arg) {
  (void)arg;
  while (!stop_alloc) {
    void *p[64];
    for (int i = 0; i < 64; i++) p[i] = malloc((size_t)(16 + i * 32));
    for (int i = 0; i < 64; i++) free(p[i]);
  }
  return NULL;
}

static void *run_loop(void *arg) {
  struct thread_job *j = arg;
  char code[16];
  snprintf(code, sizeof code, "%d", 10 + j->index);
  const char *args[] = {"/probe/probe", "exit", code, NULL};
  sbx_spec *s = probe_spec(args);
  char host[32];
  snprintf(host, sizeof host, "thread-%d", j->index);
  free(s->hostname);
  s->hostname = xstrdup(host);
  const char *rargs[] = {"/probe/probe", "report", NULL};
  sbx_spec *r = sbx_spec_copy(s);
  sbx_error *err = NULL;
  sbx_spec_set_args(r, rargs, 2, &err);
  for (int i = 0; i < j->runs; i++) {
    sbx_result res;
    char *out = NULL;
    int ret;
    if (i % 2 == 0) {
      ret = run_capture(s, &res, &err, NULL);
      if (ret != 0 || res.status != SBX_STATUS_EXIT_NONZERO || res.exit_code != 10 + j->index) {
        if (j->bad++ == 0)
          snprintf(j->first_error, sizeof j->first_error, "exit run: %d, status %d, code %d: %s",
                   ret, (int)res.status, res.exit_code, err ? err->message : "");
      }
    } else {
      ret = run_capture(r, &res, &err, &out);
      char want[64];
      snprintf(want, sizeof want, "hostname=%s\n", host);
      if (ret != 0 || res.status != SBX_STATUS_OK || !out || !strstr(out, want) ||
          !strstr(out, "fd=2\n") || strstr(out, "fd=3\n")) {
        if (j->bad++ == 0)
          snprintf(j->first_error, sizeof j->first_error, "report run: %d: %s; output: %.120s", ret,
                   err ? err->message : "", out ? out : "");
      }
    }
    free(out);
    sbx_error_free(err);
    err = NULL;
    sbx_result_clear(&res);
  }
  sbx_spec_free(s);
  sbx_spec_free(r);
  return NULL;
}

TEST(threads_concurrent_runs) {
  setup_probe();
  struct caller_state before, after;
  capture_state(&before);
  pthread_t alloc, t[4];
  struct thread_job jobs[4];
  stop_alloc = 0;
  CHECK_EQ_INT(pthread_create(&alloc, NULL, alloc_loop, NULL), 0);
  for (int i = 0; i < 4; i++) {
    jobs[i] = (struct thread_job){.index = i, .runs = 20};
    CHECK_EQ_INT(pthread_create(&t[i], NULL, run_loop, &jobs[i]), 0);
  }
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  stop_alloc = 1;
  pthread_join(alloc, NULL);
  capture_state(&after);
  for (int i = 0; i < 4; i++)
    if (jobs[i].bad)
      TEST_FAIL("thread %d: %d bad runs; first: %s", i, jobs[i].bad, jobs[i].first_error);
  CHECK_EQ_STR(after.fds, before.fds);
  CHECK_NO_CHILDREN(after.children);
  CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
  free(before.fds);
  free(before.children);
  free(after.fds);
  free(after.children);
}

/* sandbox.h: "it waits for exactly those pids (never for any child)": the caller's own
 * children, one already a zombie and one still running, are left for the caller to reap. */
TEST(own_children_untouched) {
  pid_t done = fork();
  if (done == 0) _exit(33);
  pid_t running = fork();
  if (running == 0) {
    usleep(300000);
    _exit(34);
  }
  CHECK(done > 0 && running > 0);
  usleep(50000); /* `done` is a zombie by now */
  const char *args[] = {"/probe/probe", "exit", "0", NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  sbx_result res;
  _cleanup_error_ sbx_error *err = NULL;
  int r = run_capture(s, &res, &err, NULL);
  sbx_result_clear(&res);
  int st1 = 0, st2 = 0;
  pid_t w1 = waitpid(done, &st1, 0), w2 = waitpid(running, &st2, 0);
  if (r != 0) TEST_FAIL("sbx_run failed: %s", err ? err->message : "(no error)");
  CHECK_EQ_INT(w1, done);
  CHECK(WIFEXITED(st1) && WEXITSTATUS(st1) == 33);
  CHECK_EQ_INT(w2, running);
  CHECK(WIFEXITED(st2) && WEXITSTATUS(st2) == 34);
}

/* forward_signals: SIGTERM sent to the caller reaches the job (its handler exits 42); the
 * caller's SIGTERM disposition and mask are as before, and nothing is left pending. */
TEST(forward_signals_to_job) {
  const char *args[] = {"/probe/probe",      "trap", "TERM", "/tmp/caught",
                        "/shared/ready-fwd", "30",   NULL};
  _cleanup_spec_ sbx_spec *s = probe_spec(args);
  const char *dir = add_shared(s);
  char ready[128];
  snprintf(ready, sizeof ready, "%s/ready-fwd", dir);
  unlink(ready);
  struct caller_state before, after;
  capture_state(&before);
  pid_t parent = getpid();
  pid_t helper = fork();
  if (helper == 0) {
    if (wait_for_file(ready, 20)) kill(parent, SIGTERM);
    _exit(0);
  }
  sbx_run_options opts;
  sbx_run_options_init(&opts);
  opts.forward_signals = true;
  int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  opts.stdout_fd = null;
  sbx_result res;
  memset(&res, 0, sizeof res);
  _cleanup_error_ sbx_error *err = NULL;
  int r = sbx_run(s, &opts, &res, &err);
  close(null);
  int hst;
  waitpid(helper, &hst, 0);
  capture_state(&after);
  sigset_t pending;
  sigpending(&pending);
  if (r != 0) TEST_FAIL("sbx_run failed: %s", err ? err->message : "(no error)");
  CHECK_EQ_INT(res.status, SBX_STATUS_EXIT_NONZERO);
  CHECK_EQ_INT(res.exit_code, 42);
  CHECK(!sigismember(&pending, SIGTERM));
  CHECK(before.act[SIGTERM].sa_handler == after.act[SIGTERM].sa_handler);
  CHECK_EQ_INT(sigismember(&before.mask, SIGTERM), sigismember(&after.mask, SIGTERM));
  CHECK_EQ_STR(after.fds, before.fds);
  sbx_result_clear(&res);
  free(before.fds);
  free(before.children);
  free(after.fds);
  free(after.children);
}

/* sandbox.h: "Other threads that fork while a run starts may hold a copy of its close-on-exec
 * channel fds until they exec or exit; the run does not depend on those fds closing." A thread
 * forks children that keep every fd for 4 s while runs (successful and failing) go on: each run
 * ends in well under 4 s. */
static volatile int stop_forking;

static void *fork_loop(void *arg) {
  (void)arg;
  pid_t kids[64];
  int n = 0;
  while (!stop_forking && n < 64) {
    pid_t p = fork();
    if (p == 0) {
      usleep(4000000);
      _exit(0);
    }
    if (p > 0) kids[n++] = p;
    usleep(50000);
  }
  for (int i = 0; i < n; i++) waitpid(kids[i], NULL, 0);
  return NULL;
}

TEST(threads_forking_neighbour) {
  const char *ok[] = {"/probe/probe", "exit", "5", NULL};
  const char *missing[] = {"/probe/missing", NULL};
  _cleanup_spec_ sbx_spec *s_ok = probe_spec(ok);
  _cleanup_spec_ sbx_spec *s_missing = probe_spec(missing);
  _cleanup_spec_ sbx_spec *s_badbind = probe_spec(ok);
  spec_add_mount(s_badbind, SBX_MOUNT_BIND, "/nonexistent-src", "/mnt", SBX_MNT_RO);
  stop_forking = 0;
  pthread_t forker;
  CHECK_EQ_INT(pthread_create(&forker, NULL, fork_loop, NULL), 0);
  usleep(100000);
  double worst = 0;
  int bad = 0;
  char first[256] = "";
  for (int i = 0; i < 30; i++) {
    const sbx_spec *s = i % 3 == 0 ? s_ok : i % 3 == 1 ? s_missing : s_badbind;
    sbx_result res;
    sbx_error *err = NULL;
    double t0 = now_s();
    int r = run_capture(s, &res, &err, NULL);
    double t = now_s() - t0;
    if (t > worst) worst = t;
    bool right =
        i % 3 == 0 ? r == 0 && res.exit_code == 5 : r == -1 && res.status == SBX_STATUS_SETUP_ERROR;
    if (!right && bad++ == 0)
      snprintf(first, sizeof first, "run %d: %d, status %d: %s", i, r, (int)res.status,
               err ? err->message : "");
    sbx_error_free(err);
    sbx_result_clear(&res);
  }
  stop_forking = 1;
  pthread_join(forker, NULL);
  if (bad) TEST_FAIL("%d wrong results; first: %s", bad, first);
  if (worst > 3.0) TEST_FAIL("a run took %.2f s: it waited for a forked copy of its fds", worst);
}

/* sandbox.h: with forward_signals, "the other threads block SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT; when several runs forward signals at once, each signal goes to one of them." Two
 * threads run trapping jobs; each SIGTERM sent to the process ends exactly one of them. */
struct fwd_job {
  const char *ready;
  sbx_spec *spec;
  int r, status, code;
  volatile int done;
};

static void *fwd_loop(void *arg) {
  struct fwd_job *j = arg;
  sbx_run_options opts;
  sbx_run_options_init(&opts);
  opts.forward_signals = true;
  int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  opts.stdout_fd = null;
  sbx_result res;
  memset(&res, 0, sizeof res);
  sbx_error *err = NULL;
  j->r = sbx_run(j->spec, &opts, &res, &err);
  j->status = (int)res.status;
  j->code = res.exit_code;
  if (err) printf("# %s\n", err->message);
  sbx_error_free(err);
  sbx_result_clear(&res);
  close(null);
  j->done = 1;
  return NULL;
}

TEST(threads_forward_signals_two_runs) {
  sigset_t fwd, old;
  sigemptyset(&fwd);
  sigaddset(&fwd, SIGINT);
  sigaddset(&fwd, SIGTERM);
  sigaddset(&fwd, SIGHUP);
  sigaddset(&fwd, SIGQUIT);
  pthread_sigmask(SIG_BLOCK, &fwd, &old); /* inherited by the threads */
  struct fwd_job jobs[2];
  pthread_t t[2];
  char ready[2][128];
  for (int i = 0; i < 2; i++) {
    char inside[64];
    snprintf(inside, sizeof inside, "/shared/ready-two-%d", i);
    const char *args[] = {"/probe/probe", "trap", "TERM", "/tmp/caught", inside, "30", NULL};
    jobs[i] = (struct fwd_job){.spec = probe_spec(args), .r = -2};
    const char *dir = add_shared(jobs[i].spec);
    snprintf(ready[i], sizeof ready[i], "%s/ready-two-%d", dir, i);
    unlink(ready[i]);
    jobs[i].ready = ready[i];
    CHECK_EQ_INT(pthread_create(&t[i], NULL, fwd_loop, &jobs[i]), 0);
  }
  bool started = wait_for_file(ready[0], 20) && wait_for_file(ready[1], 20);
  int ended_after_first = -1;
  if (started) {
    kill(getpid(), SIGTERM);
    for (int i = 0; i < 500 && !jobs[0].done && !jobs[1].done; i++) usleep(10000);
    usleep(200000); /* a second job ending on the same signal would have ended by now */
    ended_after_first = jobs[0].done + jobs[1].done;
    kill(getpid(), SIGTERM);
  }
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  sigset_t pending;
  sigpending(&pending);
  int drained = 0;
  if (sigismember(&pending, SIGTERM)) { /* take it, so that it does not kill us below */
    sigwait(&fwd, &drained);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  for (int i = 0; i < 2; i++) sbx_spec_free(jobs[i].spec);
  CHECK(started);
  CHECK_EQ_INT(ended_after_first, 1);
  for (int i = 0; i < 2; i++) {
    CHECK_EQ_INT(jobs[i].r, 0);
    CHECK_EQ_INT(jobs[i].status, SBX_STATUS_EXIT_NONZERO);
    CHECK_EQ_INT(jobs[i].code, 42);
  }
  CHECK_EQ_INT(drained, 0);
}

/* ---- nothing left on the host (runs last) ------------------------------------------------ */

/* "mountpoint fstype source" of every mount of ours (this test's mount namespace, the host's),
 * sorted, one a line. */
static char *host_mounts(void) {
  _cleanup_free_ char *text = NULL;
  size_t len;
  sbx_error *err = NULL;
  if (read_file_max("/proc/self/mountinfo", 16 << 20, &text, &len, &err) < 0) {
    char *m = xstrdup(err->message);
    sbx_error_free(err);
    return m;
  }
  char **lines = NULL;
  size_t n = 0;
  char *save = NULL;
  for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    char mp[1024], type[64], source[1024];
    const char *dash = strstr(l, " - ");
    if (!dash || sscanf(l, "%*s %*s %*s %*s %1023s", mp) != 1 ||
        sscanf(dash + 3, "%63s %1023s", type, source) != 2)
      continue;
    _cleanup_free_ char *line = xasprintf("%s %s %s", mp, type, source);
    strv_push(&lines, &n, line);
  }
  qsort(lines, n, sizeof *lines, strcmp_p);
  char *acc = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    char *next = xasprintf("%s%s\n", acc, lines[i]);
    free(acc);
    acc = next;
  }
  strv_free(lines);
  return acc;
}

static char *mounts_at_start;

__attribute__((constructor)) static void snapshot_mounts(void) { mounts_at_start = host_mounts(); }
__attribute__((destructor)) static void free_mounts(void) { free(mounts_at_start); }

/* After every run above: the host's mount table is as it was (no tmpfs, bind or proc of ours
 * stayed behind), and no scratch directory of ours is a mount point. */
TEST(zz_no_host_mounts_left) {
  _cleanup_free_ char *now = host_mounts();
  CHECK_EQ_STR(now, mounts_at_start);
  CHECK(!strstr(now, "/tmp/sbx-test-"));
}

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "FAIL: test-run: timeout: a test hung for 300 s\n";
  ssize_t w = write(1, msg, sizeof msg - 1);
  (void)w;
  _exit(1);
}

__attribute__((constructor)) static void watchdog(void) {
  signal(SIGALRM, on_alarm);
  alarm(300);
}

RUN_TESTS()
