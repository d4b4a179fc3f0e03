/* test-stdio.c: the job's standard streams (sandbox/streams.c): the public setters, the decision
 * whether stdout and stderr are one sink (the pure rule on stand-in facts, then on real fds with
 * and without kcmp), and runs through sbx_run(): files for each stream, errors that name the
 * path, one pipe for stdout and stderr under an output limit when they are one sink (order kept,
 * bytes counted once, the cap still enforced), two pipes when they are not. */
#define TEST_FILE "test-stdio"
#include "harness.h"

#include "lib/host.h"
#include "lib/jobs.h"
#include "lib/scratch.h"
#include "streams.h"

#include <fcntl.h>
#include <sys/stat.h>

__attribute__((constructor)) static void each_test(void) {
  host_mounts_check_each_test();
  tests_watchdog(120);
}

/* ---- the setters -------------------------------------------------------------------------- */

static void restore_cwd(void *arg) {
  if (chdir(arg) < 0) TEST_FAIL("chdir back to %s: %s", (char *)arg, strerror(errno));
}

TEST(setters) {
  sbx_spec *s = own_spec(spec_new());
  sbx_error *err = NULL;
  for (int i = 0; i < 3; i++) CHECK_EQ_INT(s->process.stdio[i].mode, SBX_STDIO_INHERIT);
  CHECK_EQ_INT(sbx_spec_set_stdin(s, SBX_STDIO_FILE, "/data/in", &err), 0);
  CHECK_EQ_INT(sbx_spec_set_stdout(s, SBX_STDIO_NULL, NULL, &err), 0);
  CHECK_EQ_INT(sbx_spec_set_stderr(s, SBX_STDIO_FILE, "/data/err", &err), 0);
  CHECK(err == NULL);
  CHECK_EQ_INT(s->process.stdio[SBX_STDIN].mode, SBX_STDIO_FILE);
  CHECK_EQ_STR(s->process.stdio[SBX_STDIN].path, "/data/in");
  CHECK_EQ_INT(s->process.stdio[SBX_STDOUT].mode, SBX_STDIO_NULL);
  CHECK(s->process.stdio[SBX_STDOUT].path == NULL);
  CHECK_EQ_STR(s->process.stdio[SBX_STDERR].path, "/data/err");
  /* Back to inherit: the path goes. */
  CHECK_EQ_INT(sbx_spec_set_stdin(s, SBX_STDIO_INHERIT, NULL, &err), 0);
  CHECK_EQ_INT(s->process.stdio[SBX_STDIN].mode, SBX_STDIO_INHERIT);
  CHECK(s->process.stdio[SBX_STDIN].path == NULL);
  /* A relative path is taken from the working directory of the call. */
  char *here = test_own(getcwd(NULL, 0));
  test_defer(restore_cwd, here);
  const char *dir = scratch_mkdir("d", 0755);
  CHECK_EQ_INT(chdir(dir), 0);
  char *cwd = test_own(getcwd(NULL, 0)); /* the scratch directory, symlinks resolved */
  CHECK_EQ_INT(sbx_spec_set_stdout(s, SBX_STDIO_FILE, "out.txt", &err), 0);
  CHECK_EQ_STR(s->process.stdio[SBX_STDOUT].path, test_own(xasprintf("%s/out.txt", cwd)));
  /* The spec so made is valid and survives config.json. */
  static const char *const cmd[] = {"/bin/true"};
  CHECK_EQ_INT(sbx_spec_set_args(s, cmd, 1, &err), 0);
  CHECK_EQ_INT(sbx_spec_validate(s, &err), 0);
  char *json = test_own(sbx_spec_to_json(s, &err));
  CHECK(json != NULL);
  CHECK_CONTAINS(json, "\"org.sandbox.stderr\": \"file\"");
  CHECK_CONTAINS(json, "\"org.sandbox.stdout\": \"file\"");
  sbx_spec *back = NULL;
  CHECK_EQ_INT(sbx_spec_load_json_string(json, strlen(json), &back, &err), 0);
  own_spec(back);
  CHECK(spec_equal(s, back));
}

TEST(setters_refuse_bad_input) {
  sbx_spec *s = own_spec(spec_new());
  sbx_error *err = NULL;
  CHECK_EQ_INT(sbx_spec_set_stdin(s, SBX_STDIO_FILE, NULL, &err), -1);
  CHECK_EQ_STR(own_error(err)->message, "the job's stdin: file name is missing");
  err = NULL;
  CHECK_EQ_INT(sbx_spec_set_stdout(s, SBX_STDIO_FILE, "", &err), -1);
  CHECK_EQ_STR(own_error(err)->message, "the job's stdout: the file name is empty");
  err = NULL;
  CHECK_EQ_INT(sbx_spec_set_stderr(s, SBX_STDIO_NULL, "/x", &err), -1);
  CHECK_EQ_STR(own_error(err)->message, "the job's stderr: a path ('/x') is only for a file");
  err = NULL;
  CHECK_EQ_INT(sbx_spec_set_stderr(s, (sbx_stdio_mode)7, NULL, &err), -1);
  CHECK_EQ_STR(own_error(err)->message, "the job's stderr: unknown mode 7");
  err = NULL;
  /* Nothing was changed by the refused calls. */
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(s->process.stdio[i].mode, SBX_STDIO_INHERIT);
    CHECK(s->process.stdio[i].path == NULL);
  }
  /* The checker refuses what a hand-made spec (or a foreign config.json) may hold. */
  static const char *const cmd[] = {"/bin/true"};
  CHECK_EQ_INT(sbx_spec_set_args(s, cmd, 1, &err), 0);
  s->process.stdio[SBX_STDOUT] = (sbx_stdio){SBX_STDIO_FILE, xstrdup("rel/out")};
  CHECK_EQ_INT(sbx_spec_validate(s, &err), -1);
  CHECK_EQ_STR(own_error(err)->message, "process.stdio[1].path: 'rel/out' is not an absolute path");
  err = NULL;
  free(s->process.stdio[SBX_STDOUT].path);
  s->process.stdio[SBX_STDOUT].path = NULL;
  CHECK_EQ_INT(sbx_spec_validate(s, &err), -1);
  CHECK_EQ_STR(own_error(err)->message,
               "process.stdio[1].path: stdout is a file, but no path is given");
}

/* ---- one sink or two: the rule -------------------------------------------------------------- */

static stream_facts facts(mode_t mode, dev_t dev, ino_t ino, dev_t rdev, bool tty, off_t off,
                          int fl) {
  return (stream_facts){.ok = true,
                        .mode = mode,
                        .dev = dev,
                        .ino = ino,
                        .rdev = rdev,
                        .tty = tty,
                        .offset = off,
                        .fl_status = fl};
}

TEST(same_sink_rule) {
  const stream_kcmp same = STREAM_KCMP_SAME, diff = STREAM_KCMP_DIFFERENT,
                    unknown = STREAM_KCMP_UNKNOWN;
  stream_facts file = facts(S_IFREG | 0644, 8, 100, 0, false, 42, O_WRONLY);
  stream_facts file_other_offset = facts(S_IFREG | 0644, 8, 100, 0, false, 0, O_WRONLY);
  stream_facts file_append = facts(S_IFREG | 0644, 8, 100, 0, false, 42, O_WRONLY | O_APPEND);
  stream_facts other_file = facts(S_IFREG | 0644, 8, 101, 0, false, 42, O_WRONLY);
  stream_facts other_dev = facts(S_IFREG | 0644, 9, 100, 0, false, 42, O_WRONLY);
  stream_facts pipe_a = facts(S_IFIFO | 0600, 12, 7, 0, false, -1, O_WRONLY);
  stream_facts pipe_b = facts(S_IFIFO | 0600, 12, 8, 0, false, -1, O_WRONLY);
  stream_facts sock = facts(S_IFSOCK | 0777, 12, 7, 0, false, -1, O_RDWR);
  stream_facts tty1 = facts(S_IFCHR | 0620, 22, 3, 0x8803, true, -1, O_RDWR);
  stream_facts tty1_again = facts(S_IFCHR | 0620, 22, 3, 0x8803, true, -1, O_WRONLY);
  stream_facts tty2 = facts(S_IFCHR | 0620, 22, 4, 0x8804, true, -1, O_RDWR);
  stream_facts null_dev = facts(S_IFCHR | 0666, 5, 4, 0x103, false, 0, O_WRONLY);
  stream_facts bad = {.ok = false};

  /* kcmp's "same" is final, even for facts that disagree (they cannot, then). */
  CHECK(streams_same_sink(same, &file, &file));
  CHECK(streams_same_sink(same, &bad, &bad));
  /* kcmp's "different": apart, unless both are one terminal. */
  CHECK(!streams_same_sink(diff, &file, &file));
  CHECK(!streams_same_sink(diff, &pipe_a, &pipe_a));
  CHECK(streams_same_sink(diff, &tty1, &tty1_again));
  CHECK(!streams_same_sink(diff, &tty1, &tty2));
  CHECK(!streams_same_sink(diff, &null_dev, &null_dev)); /* not a terminal */
  /* No answer from kcmp: inode, then offset and flags for files. */
  CHECK(streams_same_sink(unknown, &file, &file));
  CHECK(!streams_same_sink(unknown, &file, &file_other_offset));
  CHECK(!streams_same_sink(unknown, &file, &file_append));
  CHECK(!streams_same_sink(unknown, &file, &other_file));
  CHECK(!streams_same_sink(unknown, &file, &other_dev));
  CHECK(streams_same_sink(unknown, &pipe_a, &pipe_a));
  CHECK(!streams_same_sink(unknown, &pipe_a, &pipe_b));
  CHECK(!streams_same_sink(unknown, &pipe_a, &sock)); /* same numbers, not the same kind */
  CHECK(streams_same_sink(unknown, &tty1, &tty1_again));
  CHECK(!streams_same_sink(unknown, &tty1, &tty2));
  CHECK(!streams_same_sink(unknown, &tty1, &file));
  /* An fd that cannot be looked at is never merged. */
  CHECK(!streams_same_sink(unknown, &bad, &file));
  CHECK(!streams_same_sink(unknown, &file, &bad));
}

/* ---- one sink or two: real fds ----------------------------------------------------------------
 */

/* streams_same(a, b) with kcmp and without, both expected to be `want`. */
static void check_same(int a, int b, bool want, const char *what) {
  for (int k = 0; k < 2; k++)
    if (streams_same(a, b, k == 0) != want)
      TEST_FAIL("%s: %s %s kcmp", what, want ? "apart" : "one sink", k == 0 ? "with" : "without");
}

TEST(same_sink_on_real_fds) {
  const char *path = scratch_write("f", "", 0644);
  int f = test_own_fd(open(path, O_WRONLY | O_CLOEXEC));
  int f_dup = test_own_fd(fcntl(f, F_DUPFD_CLOEXEC, 0));
  /* Where kcmp answers (not in every container), it says what the fds are. */
  bool have_kcmp = streams_kcmp(f, f) != STREAM_KCMP_UNKNOWN;
  if (have_kcmp) CHECK_EQ_INT(streams_kcmp(f, f_dup), STREAM_KCMP_SAME);
  check_same(f, f, true, "one fd");
  check_same(f, f_dup, true, "a dup of a file");
  /* A second open of the file at another offset is another sink... */
  int f2 = test_own_fd(open(path, O_WRONLY | O_CLOEXEC));
  CHECK_EQ_INT(write(f2, "xy", 2), 2);
  check_same(f, f2, false, "two opens of a file at different offsets");
  /* ... and at the same offset kcmp tells them apart, the fallback cannot (documented). */
  CHECK_EQ_INT(lseek(f2, 0, SEEK_SET), 0);
  if (have_kcmp) {
    CHECK_EQ_INT(streams_kcmp(f, f2), STREAM_KCMP_DIFFERENT);
    CHECK(!streams_same(f, f2, true));
  }
  CHECK(streams_same(f, f2, false));
  /* Pipes: one pipe is one sink, two pipes are two. */
  int p[2], q[2];
  CHECK_EQ_INT(pipe2(p, O_CLOEXEC), 0);
  CHECK_EQ_INT(pipe2(q, O_CLOEXEC), 0);
  for (int i = 0; i < 2; i++) test_own_fd(p[i]), test_own_fd(q[i]);
  int p_dup = test_own_fd(fcntl(p[1], F_DUPFD_CLOEXEC, 0));
  check_same(p[1], p_dup, true, "a dup of a pipe");
  check_same(p[1], q[1], false, "two pipes");
  check_same(p[1], f, false, "a pipe and a file");
  /* A terminal opened twice: two descriptions, one screen. */
  int master = test_own_fd(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
  int t1 = test_own_fd(open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC));
  int t2 = test_own_fd(open(ptsname(master), O_WRONLY | O_NOCTTY | O_CLOEXEC));
  CHECK(t1 >= 0 && t2 >= 0);
  check_same(t1, t2, true, "one terminal opened twice");
  int master2 = test_own_fd(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  CHECK(master2 >= 0 && grantpt(master2) == 0 && unlockpt(master2) == 0);
  int other_tty = test_own_fd(open(ptsname(master2), O_RDWR | O_NOCTTY | O_CLOEXEC));
  check_same(t1, other_tty, false, "two terminals");
  /* /dev/null opened twice is not a terminal: apart as far as kcmp can tell. */
  int n1 = test_own_fd(open("/dev/null", O_WRONLY | O_CLOEXEC));
  int n2 = test_own_fd(open("/dev/null", O_WRONLY | O_CLOEXEC));
  if (have_kcmp) CHECK(!streams_same(n1, n2, true));
  /* A closed fd is no sink. */
  check_same(f, 1000, false, "an fd that is not open");
}

/* ---- runs -------------------------------------------------------------------------------------
 */

static char *slurp(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) TEST_FAIL("open %s: %s", path, strerror(errno));
  char buf[65536];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) TEST_FAIL("read %s: %s", path, strerror(errno));
  buf[n] = '\0';
  return test_own(xstrdup(buf));
}

static void restore_umask(void *arg) { umask((mode_t)(uintptr_t)arg); }

/* The number of fds this process has open. */
static int open_fds(void) {
  int n = 0;
  char path[64];
  for (int fd = 0; fd < 1024; fd++) {
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (access(path, F_OK) == 0) n++;
  }
  return n;
}

TEST(files_for_stdout_and_stderr) {
  NEED_USERNS();
  test_defer(restore_umask, (void *)(uintptr_t)umask(027));
  sbx_spec *s = job_shell_spec("read x; echo \"out $x\"; echo err >&2; echo out2");
  const char *in = scratch_write("in", "line\n", 0644);
  const char *out = scratch_path("out"), *err = scratch_path("err");
  /* An old file is truncated, as by `>`. */
  scratch_write("err", "old contents that are longer\n", 0600);
  CHECK_EQ_INT(sbx_spec_set_stdin(s, SBX_STDIO_FILE, in, NULL), 0);
  CHECK_EQ_INT(sbx_spec_set_stdout(s, SBX_STDIO_FILE, out, NULL), 0);
  CHECK_EQ_INT(sbx_spec_set_stderr(s, SBX_STDIO_FILE, err, NULL), 0);
  int before = open_fds();
  for (int limit = 0; limit < 2; limit++) {
    s->limits.output = limit ? 1 << 20 : SBX_UNSET;
    job_run *j = job_ran(s, NULL, JOB_STDERR_APART);
    CHECK_EQ_STR(sbx_status_name(j->res.status), "ok");
    CHECK_EQ_STR(j->out, ""); /* the caller's stdout and stderr got nothing */
    CHECK_EQ_STR(j->errs, "");
    CHECK_EQ_STR(slurp(out), "out line\nout2\n");
    CHECK_EQ_STR(slurp(err), "err\n");
    /* Two files: counted apart, not merged. */
    CHECK(!j->res.output_merged);
    CHECK_EQ_INT(j->res.stdout_bytes, limit ? 14 : 0);
    CHECK_EQ_INT(j->res.stderr_bytes, limit ? 4 : 0);
  }
  CHECK_EQ_INT(open_fds(), before);
  /* Created with the caller's ids and 0666 & ~umask; an existing file keeps its mode. */
  struct stat st;
  CHECK_EQ_INT(stat(out, &st), 0);
  CHECK_EQ_INT(st.st_mode & 07777, 0640);
  CHECK_EQ_INT(st.st_uid, geteuid());
  CHECK_EQ_INT(st.st_gid, getegid());
  CHECK_EQ_INT(stat(err, &st), 0);
  CHECK_EQ_INT(st.st_mode & 07777, 0600);
  /* The same file for both: one open file, both streams in the order written. */
  CHECK_EQ_INT(sbx_spec_set_stderr(s, SBX_STDIO_FILE, out, NULL), 0);
  for (int limit = 0; limit < 2; limit++) {
    s->limits.output = limit ? 1 << 20 : SBX_UNSET;
    job_run *j = job_ran(s, NULL, JOB_STDERR_APART);
    CHECK_EQ_STR(slurp(out), "out line\nerr\nout2\n");
    CHECK_EQ_INT(j->res.output_merged, limit == 1);
    CHECK_EQ_INT(j->res.stdout_bytes, limit ? 18 : 0);
    CHECK_EQ_INT(j->res.stderr_bytes, 0);
  }
  /* null: nothing read, nothing kept. */
  s = job_shell_spec("cat; echo out; echo end >&2");
  CHECK_EQ_INT(sbx_spec_set_stdin(s, SBX_STDIO_NULL, NULL, NULL), 0);
  CHECK_EQ_INT(sbx_spec_set_stdout(s, SBX_STDIO_NULL, NULL, NULL), 0);
  sbx_run_options o;
  sbx_run_options_init(&o);
  o.stdin_fd = test_own_fd(open(in, O_RDONLY | O_CLOEXEC)); /* not used: stdin is null */
  job_run *j = job_ran(s, &o, JOB_STDERR_APART);
  CHECK_EQ_STR(sbx_status_name(j->res.status), "ok");
  CHECK_EQ_STR(j->out, "");
  CHECK_EQ_STR(j->errs, "end\n");
  CHECK_EQ_INT(open_fds(), before + 1); /* o.stdin_fd, the test's own */
}

TEST(files_that_cannot_be_opened) {
  NEED_USERNS();
  sbx_spec *s = job_shell_spec("true");
  const char *missing = scratch_path("no/such/file");
  CHECK_EQ_INT(sbx_spec_set_stdin(s, SBX_STDIO_FILE, missing, NULL), 0);
  job_check_setup_error(
      s, test_own(xasprintf("open %s for the job's stdin: No such file or directory", missing)), 0);
  CHECK_EQ_INT(sbx_spec_set_stdin(s, SBX_STDIO_INHERIT, NULL, NULL), 0);
  CHECK_EQ_INT(sbx_spec_set_stdout(s, SBX_STDIO_FILE, missing, NULL), 0);
  job_check_setup_error(
      s, test_own(xasprintf("open %s for the job's stdout: No such file or directory", missing)),
      0);
  CHECK_EQ_INT(sbx_spec_set_stdout(s, SBX_STDIO_INHERIT, NULL, NULL), 0);
  const char *dir = scratch_mkdir("dir", 0755);
  CHECK_EQ_INT(sbx_spec_set_stderr(s, SBX_STDIO_FILE, dir, NULL), 0);
  job_check_setup_error(s, test_own(xasprintf("open %s for the job's stderr: Is a directory", dir)),
                        0);
}

TEST(closed_caller_fd_is_dev_null) {
  NEED_USERNS();
  /* fd 900 is not open: the job's stdin is /dev/null, not a closed fd its first open takes. */
  CHECK(fcntl(900, F_GETFD) < 0);
  sbx_spec *s = job_shell_spec("cat; readlink /proc/self/fd/0");
  sbx_run_options o;
  sbx_run_options_init(&o);
  o.stdin_fd = 900;
  job_run *j = job_ran(s, &o, JOB_STDERR_OWN);
  CHECK_EQ_STR(sbx_status_name(j->res.status), "ok");
  CHECK_EQ_STR(j->out, "/dev/null\n");
}

/* A job that writes n lines to stdout and stderr in turn: "o1 e1 o2 e2 ...". */
static sbx_spec *alternating(int n) {
  char script[256];
  snprintf(script, sizeof script,
           "i=1; while [ $i -le %d ]; do echo o$i; echo e$i >&2; i=$((i+1)); done", n);
  return job_shell_spec(script);
}

static char *alternating_text(int n) {
  size_t cap = (size_t)n * 24 + 1, len = 0;
  char *t = test_own(xmalloc(cap));
  t[0] = '\0';
  for (int i = 1; i <= n; i++) len += (size_t)snprintf(t + len, cap - len, "o%d\ne%d\n", i, i);
  return t;
}

TEST(one_sink_keeps_the_order_under_the_output_limit) {
  NEED_USERNS();
  sbx_spec *s = alternating(2000);
  s->limits.output = 1 << 20;
  const char *want = alternating_text(2000);
  /* The caller's stdout and stderr are one fd (JOB_STDERR_MERGED: the same capture file). */
  job_run *j = job_ran(s, NULL, JOB_STDERR_MERGED);
  CHECK_EQ_STR(sbx_status_name(j->res.status), "ok");
  CHECK(j->res.output_merged);
  CHECK_EQ_INT(j->res.stdout_bytes, strlen(want));
  CHECK_EQ_INT(j->res.stderr_bytes, 0);
  if (strcmp(j->out, want) != 0) TEST_FAIL("the lines came out of order");
  /* Two fds of one open file (as `>f 2>&1` gives): the same. */
  const char *path = scratch_write("both", "", 0644);
  sbx_run_options o;
  sbx_run_options_init(&o);
  o.stdout_fd = test_own_fd(open(path, O_WRONLY | O_CLOEXEC));
  o.stderr_fd = test_own_fd(fcntl(o.stdout_fd, F_DUPFD_CLOEXEC, 0));
  j = job_ran(s, &o, JOB_STDERR_OWN);
  CHECK(j->res.output_merged);
  if (strcmp(slurp(path), want) != 0) TEST_FAIL("the lines came out of order in the file");
  /* Different sinks: two pipes, each stream whole and in order, counted apart. */
  j = job_ran(s, NULL, JOB_STDERR_APART);
  CHECK(!j->res.output_merged);
  CHECK_EQ_INT(j->res.stdout_bytes, j->n_out);
  CHECK_EQ_INT(j->res.stderr_bytes, j->n_errs);
  CHECK_EQ_INT(j->n_out + j->n_errs, strlen(want));
  CHECK(strncmp(j->out, "o1\no2\no3\n", 9) == 0);
  CHECK(strncmp(j->errs, "e1\ne2\ne3\n", 9) == 0);
}

TEST(one_pipe_still_stops_at_the_cap) {
  NEED_USERNS();
  sbx_spec *s = alternating(100000); /* about 1.4 MB */
  s->limits.output = 100000;
  job_run *j = job_ran(s, NULL, JOB_STDERR_MERGED);
  CHECK_EQ_STR(sbx_status_name(j->res.status), "output_limit");
  CHECK(j->res.output_merged);
  CHECK_EQ_INT(j->res.stdout_bytes, 100000);
  CHECK_EQ_INT(j->res.stderr_bytes, 0);
  CHECK_EQ_INT(j->n_out, 100000);
  /* Exactly the first 100000 bytes of what it wrote, in order. */
  const char *want = alternating_text(20000);
  CHECK(strlen(want) > 100000);
  if (strncmp(j->out, want, 100000) != 0)
    TEST_FAIL("the capped output is not the job's first bytes");
}

RUN_TESTS()
