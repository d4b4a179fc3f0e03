/* test-engine.c: the engine through the library: hand-built specs run by sbx_run(), as root and
 * as an unprivileged user. Each test builds a small root from the host's /usr (with the /bin,
 * /lib, /lib64, /sbin symlinks of this Debian), a fresh /proc, the minimal /dev and a /tmp. */
#define TEST_FILE "test-engine"
#include "harness.h"

#include "engine.h"
#include "spec.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static char tmpdir[256];

static void cleanup_tmpdir(void) {
  if (!tmpdir[0]) return;
  char *cmd = xasprintf("rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmpdir);
  free(cmd);
}

static void setup_tmpdir(void) {
  if (tmpdir[0]) return;
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/sbx-engine.XXXXXX", base ? base : "/tmp");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    exit(1);
  }
  chmod(tmpdir, 0755);
  atexit(cleanup_tmpdir);
}

/* A spec that runs `sh -c script` in a fresh root. */
static sbx_spec *base_spec(void) {
  sbx_spec *s = spec_new();
  spec_add_mount(s, SBX_MOUNT_BIND, "/usr", "/usr",
                 SBX_MNT_RO | SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_RECURSIVE);
  static const char *const links[] = {"/bin", "/lib", "/lib64", "/sbin"};
  for (size_t i = 0; i < ARRAY_SIZE(links); i++)
    spec_add_mount(s, SBX_MOUNT_BIND, links[i], links[i], SBX_MNT_RO | SBX_MNT_OPTIONAL);
  spec_add_mount(s, SBX_MOUNT_PROC, NULL, "/proc", 0);
  spec_add_mount(s, SBX_MOUNT_DEV, NULL, "/dev", 0);
  sbx_mount *t = spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/tmp", SBX_MNT_NOSUID | SBX_MNT_NODEV);
  t->mode = 01777;
  t->size = 16 << 20;
  spec_env_set(s, "PATH", "/usr/bin:/bin");
  return s;
}

static sbx_spec *sh_spec(const char *script) {
  sbx_spec *s = base_spec();
  const char *argv[] = {"/bin/sh", "-c", script};
  if (sbx_spec_set_args(s, argv, 3, NULL) < 0) abort();
  return s;
}

/* Runs the spec with stdout (and stderr unless keep_stderr) in a memfd; *out gets what the job
 * wrote. */
static int run_out(const sbx_spec *s, sbx_run_options *o, sbx_result *res, sbx_error **err,
                   char **out) {
  sbx_run_options local;
  if (!o) {
    sbx_run_options_init(&local);
    o = &local;
  }
  int fd = memfd_create("job-stdout", MFD_CLOEXEC);
  if (fd < 0) return -2;
  o->stdout_fd = fd;
  int r = sbx_run(s, o, res, err);
  o->stdout_fd = -1;
  off_t n = lseek(fd, 0, SEEK_END);
  char *buf = xcalloc(1, (size_t)n + 1);
  if (n > 0 && pread(fd, buf, (size_t)n, 0) != n) buf[0] = '\0';
  close(fd);
  if (out)
    *out = buf;
  else
    free(buf);
  return r;
}

#define RUN_OK(spec, out)                                                                \
  do {                                                                                   \
    sbx_result res_;                                                                     \
    sbx_error *err_ = NULL;                                                              \
    char **op_ = (out);                                                                  \
    int r_ = run_out(spec, NULL, &res_, &err_, op_);                                     \
    if (r_ != 0) TEST_FAIL("sbx_run failed: %s", err_ ? err_->message : "(no error)");   \
    if (res_.status != SBX_STATUS_OK)                                                    \
      TEST_FAIL("status %s exit %d signal %d; output: %s", sbx_status_name(res_.status), \
                res_.exit_code, res_.signal, op_ &&*op_ ? *op_ : "");                    \
    sbx_result_clear(&res_);                                                             \
  } while (0)

static bool userns_available(void) {
  static int ok = -1;
  if (ok < 0) {
    pid_t p = fork();
    if (p == 0) _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
    int st = 1;
    waitpid(p, &st, 0);
    ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }
  return ok;
}

#define NEED_USERNS()                                                             \
  do {                                                                            \
    if (!userns_available()) SKIP_TEST("user namespaces are not available here"); \
  } while (0)

static char *fd_list(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return xstrdup("?");
  int self = dirfd(d);
  char *s = xstrdup("");
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || atoi(e->d_name) == self) continue;
    char *t = xasprintf("%s %s", s, e->d_name);
    free(s);
    s = t;
  }
  closedir(d);
  return s;
}

static bool no_children(void) { return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD; }

/* ---- basic runs ------------------------------------------------------------------------------ */

TEST(true_runs) {
  NEED_USERNS();
  sbx_spec *s = base_spec();
  const char *argv[] = {"true"};
  CHECK(sbx_spec_set_args(s, argv, 1, NULL) == 0);
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out, "");
  free(out);
  sbx_spec_free(s);
}

TEST(exit_code_and_signal) {
  NEED_USERNS();
  sbx_spec *s = sh_spec("exit 3");
  sbx_result res;
  sbx_error *err = NULL;
  CHECK_EQ_INT(run_out(s, NULL, &res, &err, NULL), 0);
  CHECK_EQ_INT(res.status, SBX_STATUS_EXIT_NONZERO);
  CHECK_EQ_INT(res.exit_code, 3);
  CHECK_EQ_STR(sbx_status_name(res.status), "exit_nonzero");
  CHECK(res.wall_time_s > 0 && res.wall_time_s < 10);
  sbx_result_clear(&res);
  sbx_spec_free(s);

  s = sh_spec("kill -SEGV $$");
  CHECK_EQ_INT(run_out(s, NULL, &res, &err, NULL), 0);
  CHECK_EQ_INT(res.status, SBX_STATUS_SIGNALED);
  CHECK_EQ_INT(res.signal, SIGSEGV);
  CHECK_EQ_INT(res.exit_code, 0);
  sbx_result_clear(&res);
  sbx_spec_free(s);
}

TEST(rusage_is_reported) {
  NEED_USERNS();
  /* Burns a little CPU in the job's own process. */
  sbx_spec *s = sh_spec("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done");
  sbx_result res;
  CHECK_EQ_INT(run_out(s, NULL, &res, NULL, NULL), 0);
  CHECK_EQ_INT(res.status, SBX_STATUS_OK);
  CHECK(res.cpu_time_s > 0.01);
  CHECK(res.cpu_time_s <= res.wall_time_s + 0.05);
  CHECK(res.max_rss_bytes > 100 * 1024);
  CHECK(res.csw_voluntary + res.csw_forced > 0);
  sbx_result_clear(&res);
  sbx_spec_free(s);
}

/* ---- the job's view ------------------------------------------------------------------------- */

TEST(ids_and_uid_map) {
  NEED_USERNS();
  sbx_spec *s = sh_spec("id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map");
  char *out = NULL;
  RUN_OK(s, &out);
  /* The job is root of its namespace, mapped onto nobody as root or onto the caller's ids. */
  char *want =
      geteuid() == 0
          ? xstrdup("0\n0\n         0      65534          1\n         0      65534          1\n")
          : xasprintf("0\n0\n         0 %10u          1\n         0 %10u          1\n", geteuid(),
                      getegid());
  CHECK_EQ_STR(out, want);
  free(want);
  free(out);
  sbx_spec_free(s);

  s = sh_spec("id -u; id -g");
  s->process.uid = 1000;
  s->process.gid = 1000;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out, "1000\n1000\n");
  free(out);
  sbx_spec_free(s);
}

TEST(pid_namespace) {
  NEED_USERNS();
  sbx_spec *s = sh_spec("echo $$; ls /proc | grep -c '^[0-9]'");
  char *out = NULL;
  RUN_OK(s, &out);
  /* init is 1, the job 2; visible: init, sh, ls, grep at most. */
  CHECK_EQ_INT(atoi(out), 2);
  int n = atoi(strchr(out, '\n') + 1);
  CHECK(n >= 2 && n <= 4);
  free(out);
  sbx_spec_free(s);
}

TEST(hostname) {
  NEED_USERNS();
  sbx_spec *s = sh_spec("cat /proc/sys/kernel/hostname");
  s->hostname = xstrdup("sbx-test");
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out, "sbx-test\n");
  free(out);
  sbx_spec_free(s);
}

TEST(environment_is_exactly_the_spec) {
  NEED_USERNS();
  setenv("SBX_HOST_SECRET", "leak", 1);
  sbx_spec *s = sh_spec("env | grep -v '^PWD=' | sort");
  spec_env_set(s, "FOO", "bar baz");
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out, "FOO=bar baz\nPATH=/usr/bin:/bin\n");
  free(out);
  sbx_spec_free(s);
  unsetenv("SBX_HOST_SECRET");
}

TEST(cwd_and_umask) {
  NEED_USERNS();
  sbx_spec *s = sh_spec("pwd; umask");
  free(s->process.cwd);
  s->process.cwd = xstrdup("/tmp");
  s->process.umask = 027;
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out, "/tmp\n0027\n");
  free(out);
  sbx_spec_free(s);
}

TEST(only_stdio_fds_reach_the_job) {
  NEED_USERNS();
  /* An fd the caller leaves open (not close-on-exec) must not reach the job. */
  int leak = open("/dev/null", O_RDONLY);
  CHECK(leak >= 0);
  int high = dup2(leak, 77);
  CHECK(high == 77);
  sbx_spec *s = sh_spec("ls /proc/self/fd | sort -n | tr '\\n' ' '");
  char *out = NULL;
  RUN_OK(s, &out);
  close(leak);
  close(high);
  /* 0 1 2, and 3 for ls's own directory. */
  CHECK_EQ_STR(out, "0 1 2 3 ");
  free(out);
  sbx_spec_free(s);
}

TEST(host_paths_are_invisible) {
  NEED_USERNS();
  setup_tmpdir();
  char *script = xasprintf(
      "for p in /etc/passwd /root /home %s /oldroot /newroot; do "
      "test -e $p && echo visible $p; done; ls /",
      tmpdir);
  sbx_spec *s = sh_spec(script);
  free(script);
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out, "bin\ndev\nlib\nlib64\nproc\nsbin\ntmp\nusr\n");
  free(out);
  sbx_spec_free(s);
}

TEST(mounts_have_their_flags) {
  NEED_USERNS();
  sbx_spec *s = sh_spec(
      "touch /usr/x 2>/dev/null && echo usr-writable; "
      "touch /x 2>/dev/null && echo root-writable; "
      "echo hi > /tmp/f && cat /tmp/f; "
      "grep -E ' /(usr|tmp|proc|dev|dev/pts|dev/shm) ' /proc/self/mountinfo | "
      "cut -d' ' -f5,6,9");
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK(!strstr(out, "writable"));
  CHECK_CONTAINS(out, "hi\n");
  CHECK_CONTAINS(out, "/usr ro,nosuid,nodev");
  CHECK_CONTAINS(out, "/tmp rw,nosuid,nodev");
  CHECK_CONTAINS(out, " tmpfs\n");
  CHECK_CONTAINS(out, "/proc rw,nosuid,nodev,noexec");
  CHECK_CONTAINS(out, "/dev/pts rw,nosuid,noexec");
  CHECK_CONTAINS(out, "devpts");
  CHECK_CONTAINS(out, "/dev/shm rw,nosuid,nodev");
  free(out);
  sbx_spec_free(s);
}

TEST(oci_mount_types) {
  NEED_USERNS();
  /* sysfs, mqueue and devpts as foreign specs ask for them; a noexec tmpfs. */
  sbx_spec *s = sh_spec(
      "cut -d' ' -f5,6,9 /proc/self/mountinfo | grep -E '^/(sys|mq|pts|x) '; "
      "cp /bin/true /x/t && /x/t 2>/dev/null || echo noexec");
  spec_add_mount(s, SBX_MOUNT_SYSFS, NULL, "/sys", SBX_MNT_RO);
  spec_add_mount(s, SBX_MOUNT_MQUEUE, NULL, "/mq", 0);
  spec_add_mount(s, SBX_MOUNT_DEVPTS, NULL, "/pts", 0);
  spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/x", SBX_MNT_NOEXEC);
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_CONTAINS(out, "/sys ro,nosuid,nodev,noexec");
  CHECK_CONTAINS(out, "sysfs\n");
  CHECK_CONTAINS(out, "/mq rw,nosuid,nodev,noexec");
  CHECK_CONTAINS(out, "mqueue\n");
  CHECK_CONTAINS(out, "/pts rw,nosuid,noexec");
  CHECK_CONTAINS(out, "/x rw,nosuid,nodev,noexec");
  CHECK_CONTAINS(out, "noexec\n");
  free(out);
  sbx_spec_free(s);
}

TEST(dev_is_minimal_and_works) {
  NEED_USERNS();
  sbx_spec *s = sh_spec(
      "ls /dev | tr '\\n' ' '; echo; echo x > /dev/null && echo null-ok; "
      "head -c 4 /dev/zero | od -An -tx1; head -c 8 /dev/urandom | wc -c; "
      "readlink /dev/ptmx /dev/stdout");
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out,
               "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero \n"
               "null-ok\n 00 00 00 00\n8\npts/ptmx\n/proc/self/fd/1\n");
  free(out);
  sbx_spec_free(s);
}

TEST(tmpfs_size_is_enforced) {
  NEED_USERNS();
  sbx_spec *s = sh_spec(
      "head -c 3000000 /dev/zero > /tmp/big 2>/dev/null || echo full; "
      "stat -c %s /tmp/big");
  s->mounts[s->n_mounts - 1].size = 1 << 20;
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out, "full\n1048576\n");
  free(out);
  sbx_spec_free(s);
}

TEST(bind_read_write_and_symlink_source) {
  NEED_USERNS();
  setup_tmpdir();
  char *dir = xasprintf("%s/rw", tmpdir);
  CHECK(mkdir(dir, 0777) == 0 || errno == EEXIST);
  chmod(dir, 0777);
  char *link = xasprintf("%s/link", tmpdir);
  unlink(link);
  CHECK(symlink("rw", link) == 0);
  sbx_spec *s = sh_spec("echo out > /work/made && readlink /lnk && ls /lnk/ 2>/dev/null; true");
  CHECK(sbx_spec_add_bind(s, dir, "/work", false, NULL) == 0);
  CHECK(sbx_spec_add_bind(s, link, "/lnk", true, NULL) == 0);
  char *out = NULL;
  RUN_OK(s, &out);
  /* /lnk is recreated as the link "rw", which dangles inside: ls fails, readlink works. */
  CHECK_CONTAINS(out, "rw\n");
  char *made = xasprintf("%s/made", dir);
  char *text = NULL;
  CHECK(read_file_max(made, 100, &text, NULL, NULL) == 0);
  CHECK_EQ_STR(text, "out\n");
  free(text);
  free(made);
  free(out);
  free(link);
  free(dir);
  sbx_spec_free(s);
}

TEST(masked_and_readonly_paths) {
  NEED_USERNS();
  setup_tmpdir();
  char *dir = xasprintf("%s/data", tmpdir);
  CHECK(mkdir(dir, 0777) == 0 || errno == EEXIST);
  chmod(dir, 0777);
  char *f = xasprintf("%s/secret", dir);
  FILE *fp = fopen(f, "w");
  CHECK(fp);
  fputs("secret\n", fp);
  fclose(fp);
  chmod(f, 0666);
  char *sub = xasprintf("%s/subdir", dir);
  CHECK(mkdir(sub, 0777) == 0 || errno == EEXIST);
  chmod(sub, 0777);
  sbx_spec *s = sh_spec(
      "cat /data/secret; ls /data/subdir; touch /data/subdir/x 2>/dev/null "
      "&& echo masked-writable; cat /proc/version 2>&1 | wc -c; "
      "(echo x > /data/new) 2>/dev/null && echo ro-writable; echo done");
  CHECK(sbx_spec_add_bind(s, dir, "/data", false, NULL) == 0);
  strv_push(&s->masked_paths, &s->n_masked_paths, "/data/secret");
  strv_push(&s->masked_paths, &s->n_masked_paths, "/data/subdir");
  strv_push(&s->masked_paths, &s->n_masked_paths, "/proc/version");
  strv_push(&s->masked_paths, &s->n_masked_paths, "/does/not/exist");
  strv_push(&s->readonly_paths, &s->n_readonly_paths, "/data");
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out, "0\ndone\n");
  free(out);
  free(f);
  free(sub);
  free(dir);
  sbx_spec_free(s);
}

TEST(stdin_modes) {
  NEED_USERNS();
  setup_tmpdir();
  sbx_spec *s = sh_spec("cat; echo end");
  char *out = NULL;
  RUN_OK(s, &out); /* /dev/null by default */
  CHECK_EQ_STR(out, "end\n");
  free(out);
  char *path = xasprintf("%s/input", tmpdir);
  FILE *fp = fopen(path, "w");
  CHECK(fp);
  fputs("from a file\n", fp);
  fclose(fp);
  s->process.stdin_mode = SBX_STDIN_FILE;
  s->process.stdin_path = xstrdup(path);
  RUN_OK(s, &out);
  CHECK_EQ_STR(out, "from a file\nend\n");
  free(out);
  free(path);
  sbx_spec_free(s);
}

TEST(rlimits) {
  NEED_USERNS();
  sbx_spec *s = sh_spec("ulimit -n; ulimit -c; ulimit -f; ulimit -t");
  s->limits.open_files = 64;
  s->limits.file_size = 1 << 20;
  s->limits.cpu_time_us = 1500000;
  /* Without a cgroup RLIMIT_CPU is the cpu_time limit itself; with one it is a backstop a
   * second above the supervisor's limit (see init.c). */
  s->cgroup_mode = SBX_CGROUP_OFF;
  char *out = NULL;
  RUN_OK(s, &out);
  /* dash counts -f in 512-byte blocks */
  CHECK_EQ_STR(out, "64\n0\n2048\n2\n");
  free(out);
  sbx_spec_free(s);
}

TEST(file_size_limit) {
  NEED_USERNS();
  sbx_spec *s = sh_spec("exec head -c 200000 /dev/zero > /tmp/f");
  s->limits.file_size = 100000;
  sbx_result res;
  CHECK_EQ_INT(run_out(s, NULL, &res, NULL, NULL), 0);
  CHECK_EQ_INT(res.status, SBX_STATUS_FILE_SIZE_LIMIT);
  CHECK_EQ_INT(res.signal, SIGXFSZ);
  sbx_result_clear(&res);
  sbx_spec_free(s);
}

TEST(wall_time_limit) {
  NEED_USERNS();
  sbx_spec *s = sh_spec("sleep 30");
  s->limits.wall_time_us = 300000;
  sbx_result res;
  CHECK_EQ_INT(run_out(s, NULL, &res, NULL, NULL), 0);
  CHECK_EQ_INT(res.status, SBX_STATUS_WALL_TIME_LIMIT);
  CHECK(res.wall_time_s >= 0.3 && res.wall_time_s < 1.5);
  CHECK(no_children());
  sbx_result_clear(&res);
  sbx_spec_free(s);
}

TEST(capabilities_no_new_privs_seccomp) {
  NEED_USERNS();
  sbx_spec *s = sh_spec(
      "grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/self/status "
      "| tr -s '\\t' ' '; mkdir /tmp/d 2>&1 | sed 's/.*: //'");
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out,
               "CapInh: 0000000000000000\nCapPrm: 0000000000000000\n"
               "CapEff: 0000000000000000\nCapBnd: 0000000000000000\n"
               "CapAmb: 0000000000000000\nNoNewPrivs: 1\nSeccomp: 0\n");
  free(out);
  /* A policy that denies mkdir with EPERM. */
  s->seccomp.enabled = true;
  s->seccomp.default_action = SBX_SECCOMP_ALLOW;
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, SBX_SECCOMP_ERRNO, EPERM);
  spec_rule_add_name(r, "mkdir");
  spec_rule_add_name(r, "mkdirat");
  RUN_OK(s, &out);
  CHECK_CONTAINS(out, "Seccomp: 2\n");
  CHECK_CONTAINS(out, "Operation not permitted\n");
  free(out);
  sbx_spec_free(s);
}

TEST(forbidden_syscall_is_named) {
  NEED_USERNS();
  /* The shell's child is killed at mkdir; the report names it, and nothing of the job runs on. */
  sbx_spec *s = sh_spec("echo before; mkdir /tmp/d; echo after");
  s->seccomp.enabled = true;
  s->seccomp.default_action = SBX_SECCOMP_ALLOW;
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, SBX_SECCOMP_KILL_PROCESS, 0);
  spec_rule_add_name(r, "mkdir");
  spec_rule_add_name(r, "mkdirat");
  sbx_result res;
  sbx_error *err = NULL;
  char *out = NULL;
  int rc = run_out(s, NULL, &res, &err, &out);
  if (rc != 0) TEST_FAIL("sbx_run: %s", err ? err->message : "?");
  CHECK_EQ_INT(res.status, SBX_STATUS_FORBIDDEN_SYSCALL);
  CHECK(res.syscall && (strcmp(res.syscall, "mkdir") == 0 || strcmp(res.syscall, "mkdirat") == 0));
  CHECK_EQ_INT(res.signal, SIGSYS);
  CHECK_EQ_STR(out, "before\n");
  free(out);
  sbx_result_clear(&res);
  /* Allowed syscalls still work under the same filter. */
  sbx_spec *ok = sh_spec("echo fine");
  strv_free(ok->seccomp.architectures);
  ok->seccomp = s->seccomp; /* borrowed for this run */
  RUN_OK(ok, &out);
  CHECK_EQ_STR(out, "fine\n");
  free(out);
  memset(&ok->seccomp, 0, sizeof ok->seccomp);
  ok->seccomp.architectures = xcalloc(1, sizeof(char *));
  sbx_spec_free(ok);
  sbx_spec_free(s);
}

TEST(network_none_and_loopback) {
  NEED_USERNS();
  sbx_spec *s = sh_spec(
      "grep -c '127.0.0.1' /proc/net/fib_trie; cat /proc/net/dev | "
      "tail -n +3 | cut -d: -f1 | tr -d ' '");
  char *out = NULL;
  RUN_OK(s, &out); /* none: lo is down, without addresses; only lo exists */
  CHECK_EQ_STR(out, "0\nlo\n");
  free(out);
  s->network = SBX_NET_LOOPBACK;
  RUN_OK(s, &out);
  CHECK(atoi(out) > 0);
  CHECK_CONTAINS(out, "\nlo\n");
  free(out);
  sbx_spec_free(s);
}

TEST(gcc_compiles_in_the_sandbox) {
  NEED_USERNS();
  if (access("/usr/bin/gcc", X_OK) < 0) SKIP_TEST("no gcc here");
  setup_tmpdir();
  char *dir = xasprintf("%s/src", tmpdir);
  CHECK(mkdir(dir, 0777) == 0 || errno == EEXIST);
  chmod(dir, 0777); /* as root the job is host uid 65534 */
  char *src = xasprintf("%s/hello.c", dir);
  FILE *fp = fopen(src, "w");
  CHECK(fp);
  fputs("#include <stdio.h>\nint main(void) { puts(\"hello, sandbox\"); return 0; }\n", fp);
  fclose(fp);
  chmod(src, 0644);
  sbx_spec *s = sh_spec("gcc -o hello hello.c && ./hello");
  CHECK(sbx_spec_add_bind(s, dir, "/src", false, NULL) == 0);
  CHECK(sbx_spec_set_cwd(s, "/src", NULL) == 0);
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out, "hello, sandbox\n");
  char *bin = xasprintf("%s/hello", dir);
  CHECK(access(bin, X_OK) == 0);
  free(bin);
  free(out);
  free(src);
  free(dir);
  sbx_spec_free(s);
}

/* ---- errors -----------------------------------------------------------------------------------
 */

static void check_setup_error(sbx_spec *s, const char *message, int exec_errno) {
  sbx_result res;
  sbx_error *err = NULL;
  int r = run_out(s, NULL, &res, &err, NULL);
  if (r != -1) TEST_FAIL("sbx_run returned %d, status %s", r, sbx_status_name(res.status));
  CHECK(err != NULL);
  CHECK_EQ_STR(err->message, message);
  CHECK_EQ_INT(res.status, SBX_STATUS_SETUP_ERROR);
  CHECK_EQ_STR(res.message, message);
  CHECK_EQ_INT(res.exec_failed, exec_errno != 0);
  CHECK_EQ_INT(res.exec_errno, exec_errno);
  sbx_error_free(err);
  sbx_result_clear(&res);
  CHECK(no_children());
}

TEST(error_missing_command) {
  NEED_USERNS();
  sbx_spec *s = base_spec();
  const char *argv[] = {"nosuchcmd"};
  CHECK(sbx_spec_set_args(s, argv, 1, NULL) == 0);
  check_setup_error(s, "cannot run 'nosuchcmd': No such file or directory", ENOENT);
  sbx_spec_free(s);
}

TEST(error_not_executable) {
  NEED_USERNS();
  sbx_spec *s = base_spec();
  const char *argv[] = {"/usr/include/stdio.h"};
  if (access(argv[0], R_OK) < 0) SKIP_TEST("no /usr/include/stdio.h here");
  CHECK(sbx_spec_set_args(s, argv, 1, NULL) == 0);
  check_setup_error(s, "cannot run '/usr/include/stdio.h': Permission denied", EACCES);
  sbx_spec_free(s);
}

TEST(error_bad_cwd) {
  NEED_USERNS();
  sbx_spec *s = sh_spec("true");
  CHECK(sbx_spec_set_cwd(s, "/nonexistent", NULL) == 0);
  check_setup_error(
      s, "cannot change to the working directory '/nonexistent': No such file or directory", 0);
  sbx_spec_free(s);
}

TEST(error_missing_bind_source) {
  NEED_USERNS();
  sbx_spec *s = sh_spec("true");
  CHECK(sbx_spec_add_bind(s, "/nonexistent", "/work", false, NULL) == 0);
  check_setup_error(s, "bind mount /nonexistent on /work: No such file or directory", 0);
  sbx_spec_free(s);
}

TEST(error_unwritable_target) {
  NEED_USERNS();
  /* /usr is bound read-only first: a mount point cannot be created below it. */
  sbx_spec *s = sh_spec("true");
  spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/usr/newdir", 0);
  check_setup_error(s, "create the mount point /usr/newdir: Read-only file system", 0);
  sbx_spec_free(s);
}

TEST(error_invalid_spec) {
  sbx_spec *s = base_spec(); /* no command */
  check_setup_error(s, "process.args: no command to run", 0);
  sbx_spec_free(s);
  sbx_result res;
  sbx_error *err = NULL;
  CHECK_EQ_INT(sbx_run(NULL, NULL, &res, &err), -1);
  CHECK_EQ_STR(err->message, "no spec given: Invalid argument");
  CHECK_EQ_STR(res.message, "no spec given: Invalid argument");
  sbx_error_free(err);
  sbx_result_clear(&res);
}

TEST(optional_bind_is_skipped) {
  NEED_USERNS();
  sbx_spec *s = sh_spec("test -e /opt/x && echo there; echo ok");
  spec_add_mount(s, SBX_MOUNT_BIND, "/nonexistent/x", "/opt/x", SBX_MNT_OPTIONAL);
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out, "ok\n");
  free(out);
  sbx_spec_free(s);
}

TEST(error_namespaces_off) {
  NEED_USERNS();
  /* No pid namespace: a fresh /proc cannot be mounted from a user namespace. */
  sbx_spec *s = sh_spec("true");
  s->namespaces &= ~SBX_NS_PID;
  check_setup_error(s,
                    "a fresh /proc needs the pid namespace: mount proc on /proc: Operation not "
                    "permitted",
                    0);
  sbx_spec_free(s);
  /* No user namespace: as root, uid 0 would be host root; unprivileged, nothing is allowed. */
  s = sh_spec("true");
  s->namespaces &= ~SBX_NS_USER;
  if (geteuid() == 0)
    check_setup_error(s,
                      "the job would run as host root: turn the user namespace on, or give the "
                      "job another uid: Operation not permitted",
                      0);
  else
    check_setup_error(s,
                      "create the pid namespace (unshare CLONE_NEWPID; without a user namespace "
                      "this needs root): Operation not permitted",
                      0);
  /* Nor in the host's root group. */
  s->process.uid = 1000;
  if (geteuid() == 0)
    check_setup_error(s,
                      "the job would run in the host's root group: turn the user namespace on, "
                      "or give the job another gid: Operation not permitted",
                      0);
  else
    check_setup_error(s,
                      "create the pid namespace (unshare CLONE_NEWPID; without a user namespace "
                      "this needs root): Operation not permitted",
                      0);
  sbx_spec_free(s);
}

TEST(namespaces_off_still_run) {
  NEED_USERNS();
  /* Only the user and pid namespaces: the host's filesystem, the caller's ids mapped. */
  sbx_spec *s = spec_new();
  s->namespaces = SBX_NS_USER | SBX_NS_PID;
  s->network = SBX_NET_HOST;
  const char *argv[] = {"/bin/sh", "-c", "echo $$; id -u"};
  CHECK(sbx_spec_set_args(s, argv, 3, NULL) == 0);
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out, "2\n0\n");
  free(out);
  sbx_spec_free(s);
}

/* ---- processes and signals ------------------------------------------------------------------ */

static int count_procs_with(const char *needle) {
  DIR *d = opendir("/proc");
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char path[300], buf[512];
    snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0) continue;
    for (ssize_t i = 0; i < r; i++)
      if (!buf[i]) buf[i] = ' ';
    buf[r] = '\0';
    if (strstr(buf, needle)) n++;
  }
  closedir(d);
  return n;
}

TEST(orphans_do_not_survive) {
  NEED_USERNS();
  /* The job double-forks a sleeper and exits: the sandbox ends with the job. */
  sbx_spec *s = sh_spec("(sleep 1234.5 &) ; exit 0");
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  char *out = NULL;
  RUN_OK(s, &out);
  clock_gettime(CLOCK_MONOTONIC, &b);
  CHECK(b.tv_sec - a.tv_sec < 5);
  CHECK_EQ_INT(count_procs_with("sleep 1234.5"), 0);
  CHECK(no_children());
  free(out);
  sbx_spec_free(s);
}

TEST(orphans_are_reaped_while_running) {
  NEED_USERNS();
  /* Orphans that exit become zombies of init unless it reaps them. */
  sbx_spec *s = sh_spec(
      "for i in 1 2 3 4 5; do (true &) ; done; sleep 0.3; "
      "grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l");
  char *out = NULL;
  RUN_OK(s, &out);
  CHECK_EQ_STR(out, "0\n");
  free(out);
  sbx_spec_free(s);
}

static void *send_term_later(void *arg) {
  (void)arg;
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &s, NULL); /* as sandbox.h asks of other threads */
  struct timespec t = {0, 400 * 1000 * 1000};
  nanosleep(&t, NULL);
  kill(getpid(), SIGTERM);
  return NULL;
}

TEST(signals_are_forwarded) {
  NEED_USERNS();
  sbx_spec *s = sh_spec("trap 'echo got-term; exit 42' TERM; sleep 20 & wait");
  struct sigaction before, after;
  sigaction(SIGTERM, NULL, &before);
  sigset_t mask_before, mask_after;
  sigprocmask(SIG_SETMASK, NULL, &mask_before);
  sbx_run_options o;
  sbx_run_options_init(&o);
  o.forward_signals = true;
  pthread_t th;
  CHECK(pthread_create(&th, NULL, send_term_later, NULL) == 0);
  sbx_result res;
  sbx_error *err = NULL;
  char *out = NULL;
  int r = run_out(s, &o, &res, &err, &out);
  pthread_join(th, NULL);
  if (r != 0) TEST_FAIL("sbx_run: %s", err ? err->message : "?");
  CHECK_EQ_INT(res.status, SBX_STATUS_EXIT_NONZERO);
  CHECK_EQ_INT(res.exit_code, 42);
  CHECK_EQ_STR(out, "got-term\n");
  sigaction(SIGTERM, NULL, &after);
  CHECK(after.sa_handler == before.sa_handler);
  sigprocmask(SIG_SETMASK, NULL, &mask_after);
  CHECK(sigismember(&mask_after, SIGTERM) == sigismember(&mask_before, SIGTERM));
  CHECK(sigismember(&mask_after, SIGINT) == sigismember(&mask_before, SIGINT));
  free(out);
  sbx_result_clear(&res);
  sbx_spec_free(s);
}

TEST(no_leaks_over_many_runs) {
  NEED_USERNS();
  sbx_spec *s = base_spec();
  const char *argv[] = {"true"};
  CHECK(sbx_spec_set_args(s, argv, 1, NULL) == 0);
  sbx_spec *bad = sh_spec("true");
  CHECK(sbx_spec_set_cwd(bad, "/nonexistent", NULL) == 0);
  char *before = fd_list();
  for (int i = 0; i < 40; i++) {
    sbx_result res;
    sbx_error *err = NULL;
    if (sbx_run(i % 4 == 3 ? bad : s, NULL, &res, &err) < 0 && i % 4 != 3)
      TEST_FAIL("run %d: %s", i, err ? err->message : "?");
    sbx_error_free(err);
    sbx_result_clear(&res);
  }
  char *after = fd_list();
  CHECK_EQ_STR(after, before);
  CHECK(no_children());
  free(before);
  free(after);
  sbx_spec_free(s);
  sbx_spec_free(bad);
}

static int wait_for_procs(const char *needle, int want, int ms) {
  int n = -1;
  for (int i = 0; i < ms / 10; i++) {
    n = count_procs_with(needle);
    if (n == want) return n;
    usleep(10000);
  }
  return n;
}

TEST(supervisor_death_kills_the_job) {
  NEED_USERNS();
  /* A supervisor (a child of this test) runs a job that sleeps; SIGKILL to the supervisor must
   * take every process of the job with it. */
  sbx_spec *s = sh_spec("t=1234.7; sleep $t & sleep $t; wait");
  pid_t sup = fork();
  CHECK(sup >= 0);
  if (sup == 0) {
    sbx_result res;
    sbx_run(s, NULL, &res, NULL);
    _exit(0);
  }
  int seen = wait_for_procs("sleep 1234.7", 2, 5000);
  kill(sup, SIGKILL);
  waitpid(sup, NULL, 0);
  CHECK_EQ_INT(seen, 2);
  CHECK_EQ_INT(wait_for_procs("sleep 1234.7", 0, 3000), 0);
  sbx_spec_free(s);
}

TEST(error_userns_not_permitted) {
  NEED_USERNS();
  /* A seccomp filter in a child makes unshare() fail with EPERM, as AppArmor or the sysctl
   * would; the message says what to check. */
  int pfd[2];
  CHECK(pipe2(pfd, O_CLOEXEC) == 0);
  pid_t c = fork();
  CHECK(c >= 0);
  if (c == 0) {
    close(pfd[0]);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0) < 0 ||
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(ctx) < 0)
      _exit(2);
    sbx_spec *s = sh_spec("true");
    sbx_result res;
    sbx_error *err = NULL;
    int r = sbx_run(s, NULL, &res, &err);
    const char *m = r < 0 && err ? err->message : "(ran)";
    if (write(pfd[1], m, strlen(m)) < 0) _exit(3);
    _exit(0);
  }
  close(pfd[1]);
  char buf[512] = "";
  ssize_t n = read(pfd[0], buf, sizeof buf - 1);
  close(pfd[0]);
  int st;
  waitpid(c, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK(n > 0);
  buf[n] = '\0';
  CHECK_EQ_STR(buf,
               "user namespaces are not permitted here (check user.max_user_namespaces / "
               "AppArmor): Operation not permitted");
}

TEST(root_directory) {
  NEED_USERNS();
  setup_tmpdir();
  /* An OCI-style root directory with its mount points, given relative to the bundle. */
  char *bundle = xasprintf("%s/bundle", tmpdir);
  char *root = xasprintf("%s/rootfs", bundle);
  CHECK(mkdir(bundle, 0755) == 0 && mkdir(root, 0755) == 0);
  const char *dirs[] = {"usr", "proc", "dev", "tmp"};
  for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
    char *d = xasprintf("%s/%s", root, dirs[i]);
    CHECK(mkdir(d, 0755) == 0);
    free(d);
  }
  const char *links[][2] = {{"bin", "usr/bin"}, {"lib", "usr/lib"}, {"lib64", "usr/lib64"}};
  for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
    char *l = xasprintf("%s/%s", root, links[i][0]);
    CHECK(symlink(links[i][1], l) == 0);
    free(l);
  }
  char *marker = xasprintf("%s/marker", root);
  FILE *fp = fopen(marker, "w");
  CHECK(fp);
  fputs("from the root directory\n", fp);
  fclose(fp);
  chmod(marker, 0644);

  sbx_spec *s = spec_new();
  spec_add_mount(s, SBX_MOUNT_BIND, "/usr", "/usr", SBX_MNT_RO | SBX_MNT_RECURSIVE);
  spec_add_mount(s, SBX_MOUNT_PROC, NULL, "/proc", 0);
  spec_add_mount(s, SBX_MOUNT_DEV, NULL, "/dev", 0);
  spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/tmp", 0)->mode = 01777;
  spec_env_set(s, "PATH", "/usr/bin");
  const char *argv[] = {"sh", "-c",
                        "cat /marker; touch /new 2>/dev/null && echo root-writable; "
                        "ls / | tr '\\n' ' '"};
  CHECK(sbx_spec_set_args(s, argv, 3, NULL) == 0);
  CHECK(sbx_spec_set_rootfs(s, "rootfs", true, NULL) == 0);
  sbx_run_options o;
  sbx_run_options_init(&o);
  o.bundle_dir = bundle;
  sbx_result res;
  sbx_error *err = NULL;
  char *out = NULL;
  int r = run_out(s, &o, &res, &err, &out);
  if (r != 0) TEST_FAIL("sbx_run: %s", err ? err->message : "?");
  CHECK_EQ_INT(res.status, SBX_STATUS_OK);
  CHECK_EQ_STR(out, "from the root directory\nbin dev lib lib64 marker proc tmp usr ");
  free(out);
  sbx_result_clear(&res);
  /* A missing root directory is a setup error naming it. */
  char *missing = xasprintf("%s/missing", bundle);
  CHECK(sbx_spec_set_rootfs(s, missing, true, NULL) == 0);
  free(missing);
  char *want = xasprintf("the root directory %s/missing: No such file or directory", bundle);
  check_setup_error(s, want, 0);
  free(want);
  sbx_spec_free(s);
  free(marker);
  free(root);
  free(bundle);
}

RUN_TESTS()
