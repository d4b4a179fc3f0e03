/* test-limits.c: every cgroup-backed limit and measurement through sbx_run(), with the static
 * tests/limits-helper as the job (in a fresh root with nothing else), so that the same tests
 * run on this machine (cgroup v1, hybrid) and in the cgroup v2 VM (`ninja test-v2`).
 * The limit tests need root (a cgroup as root is `required`); the rootless test checks that
 * `optional` degrades cleanly. After each test no cgroup of this process, no child and no mount
 * may be left (checked by the harness after every test). */
#define TEST_FILE "test-limits"
#include "harness.h"

#include "cgroup.h"
#include "lib/host.h"
#include "lib/jobs.h"
#include "lib/procs.h"
#include "lib/scratch.h"
#include "output.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

static char helper[PATH_MAX];

static const char *helper_path(void) {
  if (!helper[0]) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) abort();
    self[n] = '\0';
    snprintf(helper, sizeof helper, "%s/limits-helper", dirname(self));
  }
  return helper;
}

static sbx_spec *helper_spec(const char *const *args, size_t n) {
  sbx_spec *s = spec_new();
  spec_add_mount(s, SBX_MOUNT_BIND, helper_path(), "/helper", SBX_MNT_RO | SBX_MNT_NODEV);
  spec_add_mount(s, SBX_MOUNT_PROC, NULL, "/proc", 0);
  spec_add_mount(s, SBX_MOUNT_DEV, NULL, "/dev", 0);
  sbx_mount *t = spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/tmp", SBX_MNT_NOSUID | SBX_MNT_NODEV);
  t->mode = 01777;
  t->size = 4 << 20;
  const char *argv[8] = {"/helper"};
  for (size_t i = 0; i < n && i < 7; i++) argv[i + 1] = args[i];
  if (sbx_spec_set_args(s, argv, n + 1, NULL) < 0) abort();
  return s;
}

/* The test's own spec for the helper with the given arguments. */
#define SPEC(...)                                          \
  own_spec(helper_spec((const char *const[]){__VA_ARGS__}, \
                       sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)))

/* Runs the spec with stdout and stderr in one capture; a setup error fails the test. */
static job_run *run(const sbx_spec *s) { return job_ran(s, NULL, JOB_STDERR_MERGED); }

/* The figure the job printed as "cpu SECONDS". */
static double printed_cpu(const char *out) {
  const char *p = out ? strstr(out, "cpu ") : NULL;
  return p ? atof(p + 4) : -1;
}

/* No cgroup named after this process is left in any hierarchy (after every test). */
static void check_no_cgroup_left(void) {
  char prefix[64];
  snprintf(prefix, sizeof prefix, CGROUP_NAME_PREFIX "%d-", (int)getpid());
  static const char *const dirs[] = {
      "/sys/fs/cgroup/sandbox",         "/sys/fs/cgroup/memory/sandbox",
      "/sys/fs/cgroup/pids/sandbox",    "/sys/fs/cgroup/cpu/sandbox",
      "/sys/fs/cgroup/cpuacct/sandbox", "/sys/fs/cgroup/freezer/sandbox",
      "/sys/fs/cgroup/unified/sandbox", "/sys/fs/cgroup/cpuset/sandbox" /* never joined */};
  for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
    DIR *d = opendir(dirs[i]);
    if (!d) continue;
    struct dirent *de;
    while ((de = readdir(d)))
      if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
        char name[300];
        snprintf(name, sizeof name, "%s/%s", dirs[i], de->d_name);
        closedir(d);
        TEST_FAIL("cgroup %s left behind", name);
      }
    closedir(d);
  }
  /* And no child process of ours. */
  CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}

static bool have_cgroups(void) {
  cgroup_layout l = CGROUP_LAYOUT_NONE;
  sbx_error *e = NULL;
  if (cgroup_layout_detect(NULL, &l, &e) < 0) sbx_error_free(e);
  return l != CGROUP_LAYOUT_NONE;
}

#define NEED_ROOT_CGROUP()                                           \
  do {                                                               \
    if (geteuid() != 0) SKIP_TEST("needs root (a required cgroup)"); \
    if (!have_cgroups()) SKIP_TEST("no cgroup filesystem");          \
  } while (0)

/* Runs without a cgroup too: as root, or rootless with user namespaces (the limit then holds
 * through the pid namespace's init, not the cgroup). */
#define NEED_RUN()                                         \
  do {                                                     \
    if (geteuid() != 0 && !userns_available())             \
      SKIP_TEST("user namespaces are not available here"); \
  } while (0)

__attribute__((constructor)) static void each_test(void) {
  tests_each(NULL, check_no_cgroup_left);
  host_mounts_check_each_test();
}

static void check_cgroup_used(const sbx_result *r) {
  CHECK(r->cgroup);
  CHECK(r->cgroup_version == 1 || r->cgroup_version == 2);
  CHECK(r->degraded == NULL || r->degraded[0] == NULL);
}

/* The tolerance on this machine: 5% or 20 ms. In the VM, qemu's TCG emulates every
 * instruction, and the CPU the job's tree spends where the job's own clock cannot see it (init
 * forking it, its exit's teardown after its last measurement: well under a millisecond on real
 * hardware) comes to 30-60 ms there: 15% or 100 ms in the VM. */
static bool within(double got, double want) {
  bool vm = getenv("SBX_IN_VM") != NULL;
  double rel = vm ? 0.15 : 0.05, abs_ = vm ? 0.1 : 0.02;
  double tol = want * rel > abs_ ? want * rel : abs_;
  return got >= want - tol && got <= want + tol;
}

/* ---- measurement ------------------------------------------------------------------------- */

static void check_cpu_accuracy(const sbx_spec *s) {
  job_run *j = run(s);
  const sbx_result *r = &j->res;
  CHECK_EQ_INT(r->status, SBX_STATUS_OK);
  check_cgroup_used(r);
  double inside = printed_cpu(j->out);
  CHECK(inside >= 0.5);
  if (!within(r->cpu_time_s, inside))
    TEST_FAIL("cpu_time_s %.4f, the job measured %.4f (output '%s')", r->cpu_time_s, inside,
              j->out);
  double us = r->cpu_user_s + r->cpu_system_s;
  if (us < r->cpu_time_s * 0.9 || us > r->cpu_time_s * 1.1 + 0.02)
    TEST_FAIL("user %.4f + system %.4f, total %.4f", r->cpu_user_s, r->cpu_system_s, r->cpu_time_s);
}

TEST(cpu_time_one_process) {
  NEED_ROOT_CGROUP();
  check_cpu_accuracy(SPEC("burn", "0.5"));
}

TEST(cpu_time_four_threads) {
  NEED_ROOT_CGROUP();
  check_cpu_accuracy(SPEC("burn-threads", "4", "0.5"));
}

TEST(cpu_time_two_processes) {
  NEED_ROOT_CGROUP();
  check_cpu_accuracy(SPEC("burn-procs", "2", "0.5"));
}

TEST(memory_peak) {
  NEED_ROOT_CGROUP();
  job_run *j = run(SPEC("touch", "100"));
  const sbx_result *r = &j->res;
  CHECK_EQ_INT(r->status, SBX_STATUS_OK);
  CHECK_CONTAINS(j->out, "touched 100");
  check_cgroup_used(r);
  CHECK_EQ_INT(r->memory_peak_source, SBX_MEMORY_PEAK_CGROUP);
  if (r->memory_peak_bytes < (100u << 20) || r->memory_peak_bytes > (110u << 20))
    TEST_FAIL("memory_peak_bytes %.1f MiB for 100 MiB touched",
              (double)r->memory_peak_bytes / (1 << 20));
  /* The largest single process (ru_maxrss) is the helper: about 100 MiB too. */
  CHECK(r->max_rss_bytes >= (100u << 20) && r->max_rss_bytes <= (110u << 20));
  CHECK(r->csw_voluntary + r->csw_forced > 0);
}

/* ---- limits -------------------------------------------------------------------------------- */

TEST(cpu_time_limit) {
  NEED_ROOT_CGROUP();
  sbx_spec *s = SPEC("spin");
  s->limits.cpu_time_us = 1000000;
  const sbx_result *r = &run(s)->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "cpu_time_limit");
  if (r->cpu_time_s < 1.0 || r->cpu_time_s > 1.2) TEST_FAIL("cpu_time_s %.3f", r->cpu_time_s);
  CHECK_EQ_INT(r->signal, SIGKILL);
}

TEST(cpu_time_limit_counts_the_whole_tree) {
  NEED_ROOT_CGROUP();
  /* 2 processes burn 0.5 s each: the tree passes 0.6 s although neither does. */
  sbx_spec *s = SPEC("burn-procs", "2", "1.0");
  s->limits.cpu_time_us = 600000;
  const sbx_result *r = &run(s)->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "cpu_time_limit");
  if (r->cpu_time_s < 0.6 || r->cpu_time_s > 0.75) TEST_FAIL("cpu_time_s %.3f", r->cpu_time_s);
}

TEST(wall_time_limit) {
  NEED_RUN();
  sbx_spec *s = SPEC("sleep", "10");
  s->limits.wall_time_us = 1000000;
  job_run *j = run(s);
  const sbx_result *r = &j->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "wall_time_limit");
  if (j->took > 1.2) TEST_FAIL("sbx_run returned after %.3f s", j->took);
  if (r->wall_time_s < 1.0 || r->wall_time_s > 1.05)
    TEST_FAIL("wall_time_s %.3f: the kill did not land within 50 ms", r->wall_time_s);
  if (geteuid() == 0) check_cgroup_used(r);
}

/* limits.kill_grace: at the wall-time limit every process of the job gets SIGTERM (the helper's
 * children and itself say so); the job that ends by itself within the grace keeps its exit
 * code, and the verdict is the wall-time limit's. */
TEST(kill_grace_terms_the_whole_tree) {
  NEED_RUN();
  sbx_spec *s = SPEC("term-tree", "3");
  s->limits.wall_time_us = 2000000;
  s->limits.kill_grace_us = 20000000;
  job_run *j = run(s);
  const sbx_result *r = &j->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "wall_time_limit");
  CHECK_EQ_STR(j->out, "cccp\n");
  CHECK_EQ_INT(r->exit_code, 7);
  CHECK_EQ_INT(r->signal, 0);
  CHECK_EQ_STR(r->limit, "wall time limit 2s reached");
  if (j->took > 10)
    TEST_FAIL("sbx_run returned after %.3f s: the grace was not cut short", j->took);
  /* Grace 0: SIGKILL at once; nobody writes a word. */
  s->limits.kill_grace_us = 0;
  j = run(s);
  r = &j->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "wall_time_limit");
  CHECK_EQ_INT(r->signal, SIGKILL);
  CHECK_EQ_STR(j->out ? j->out : "", "");
}

/* A tree that ignores SIGTERM is killed when the grace is over, not before. */
TEST(kill_grace_ends_with_sigkill) {
  NEED_RUN();
  sbx_spec *s = SPEC("ignore-term");
  s->limits.wall_time_us = 1000000;
  s->limits.kill_grace_us = 1000000;
  job_run *j = run(s);
  const sbx_result *r = &j->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "wall_time_limit");
  CHECK_EQ_INT(r->signal, SIGKILL);
  if (j->took < 2.0 || j->took > 6.0)
    TEST_FAIL("sbx_run returned after %.3f s (wall 1 s + grace 1 s)", j->took);
  if (r->wall_time_s < 2.0) TEST_FAIL("wall_time_s %.3f before the grace's end", r->wall_time_s);
}

TEST(memory_limit) {
  NEED_ROOT_CGROUP();
  sbx_spec *s = SPEC("hog");
  s->limits.memory = 64 << 20;
  const sbx_result *r = &run(s)->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "memory_limit");
  CHECK(r->oom_killed);
  CHECK_EQ_INT(r->signal, SIGKILL);
  CHECK(r->memory_peak_bytes <= (64u << 20));
  check_cgroup_used(r);
}

TEST(memory_within_limit_is_ok) {
  NEED_ROOT_CGROUP();
  sbx_spec *s = SPEC("touch", "16");
  s->limits.memory = 64 << 20;
  const sbx_result *r = &run(s)->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "ok");
  CHECK(!r->oom_killed);
}

typedef struct bomb_watch {
  const char *marker;
  atomic_bool stop;
  int max_seen; /* the most marked processes seen at once while the run lasted */
} bomb_watch;

static void *watch_bomb(void *arg) {
  bomb_watch *w = arg;
  while (!atomic_load(&w->stop)) {
    int n = procs_count_marked(w->marker);
    if (n > w->max_seen) w->max_seen = n;
    usleep(2000);
  }
  return NULL;
}

TEST(pids_limit) {
  NEED_ROOT_CGROUP();
  /* The bomb's processes carry a marker of this run on their command line (every fork keeps
   * the helper's argv), so that the host's count of them can be taken with other jobs about. */
  char marker[64];
  snprintf(marker, sizeof marker, "bomb-marker-%d-%ld", (int)getpid(), (long)time(NULL));
  CHECK_EQ_INT(procs_count_marked(marker), 0);
  /* The bomb holds its processes for 0.3 s once refused, so that the host sees them. */
  sbx_spec *s = SPEC("forkbomb", marker, "0.3");
  s->limits.pids = 16;
  s->limits.wall_time_us = 20000000; /* a backstop: the bomb must end long before */
  bomb_watch w = {.marker = marker};
  pthread_t th;
  CHECK_EQ_INT(pthread_create(&th, NULL, watch_bomb, &w), 0);
  job_run *j = job_run_spec(s, NULL, JOB_STDERR_MERGED);
  atomic_store(&w.stop, true);
  pthread_join(th, NULL);
  if (j->rc < 0) TEST_FAIL("sbx_run: %s", job_error(j));
  const sbx_result *r = &j->res;
  /* Afterwards the host has none of the bomb's processes: its count of them is what it was
   * before (0). A zombie still being reaped may linger for a moment. */
  int left = procs_wait_marked(marker, 0, 500);
  CHECK_EQ_STR(sbx_status_name(r->status), "pids_limit");
  CHECK_EQ_INT(r->exit_code, 1);
  if (r->pids_peak) CHECK(r->pids_peak <= 16);
  CHECK(r->wall_time_s < 10);
  /* The watcher saw the bomb (so the count above can see one) and never more than the limit
   * (16 tasks in the cgroup, one of them the sandbox's init). */
  if (w.max_seen < 2 || w.max_seen > 16)
    TEST_FAIL("the host saw %d of the bomb's processes at once (want 2..16)", w.max_seen);
  if (left != 0) TEST_FAIL("%d of the bomb's processes are left on the host", left);
}

TEST(cpu_quota_throttles) {
  NEED_ROOT_CGROUP();
  sbx_spec *s = SPEC("burn", "0.2");
  s->limits.cpu_quota_us = 20000; /* 20% of one CPU */
  s->limits.cpu_period_us = 100000;
  const sbx_result *r = &run(s)->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "ok");
  /* 0.2 s of CPU at 20 ms per 100 ms: about 0.9 s or more of wall time. */
  if (r->wall_time_s < 0.7) TEST_FAIL("wall_time_s %.3f under a 20%% quota", r->wall_time_s);
}

TEST(signaled_and_exit_code) {
  NEED_RUN();
  const sbx_result *r = &run(SPEC("segv"))->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "signaled");
  CHECK_EQ_INT(r->signal, SIGSEGV);
  CHECK(!r->oom_killed);
  r = &run(SPEC("exit", "3"))->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "exit_nonzero");
  CHECK_EQ_INT(r->exit_code, 3);
  /* exit 3 after the pids limit refused nothing: not pids_limit. */
  sbx_spec *s = SPEC("exit", "3");
  s->limits.pids = 16;
  s->limits.memory = 64 << 20;
  r = &run(s)->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "exit_nonzero");
}

/* Runs with stdout and stderr captured apart; a setup error fails the test. */
static job_run *run_split(const sbx_spec *s) { return job_ran(s, NULL, JOB_STDERR_APART); }

static bool is_pattern(const char *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)b[i] != i % 251) return false;
  return true;
}

TEST(output_limit) {
  NEED_RUN();
  sbx_spec *s = SPEC("write", "100000000");
  s->limits.output = 1 << 20;
  job_run *j = run_split(s);
  const sbx_result *r = &j->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "output_limit");
  CHECK_EQ_INT(r->signal, SIGKILL);
  CHECK_EQ_INT(j->n_out, 1 << 20); /* exactly the first MiB */
  CHECK(is_pattern(j->out, j->n_out));
  CHECK_EQ_INT(r->stdout_bytes, 1 << 20);
  CHECK_EQ_INT(j->n_errs, 0);
  CHECK(r->wall_time_s < 5);
}

TEST(output_under_the_cap_is_whole) {
  NEED_RUN();
  sbx_spec *s = SPEC("write", "300000", "70000");
  s->limits.output = 370000; /* exactly the cap: not past it */
  job_run *j = run_split(s);
  CHECK_EQ_STR(sbx_status_name(j->res.status), "ok");
  CHECK_EQ_INT(j->n_out, 300000);
  CHECK(is_pattern(j->out, j->n_out));
  CHECK_EQ_INT(j->n_errs, 70000);
  CHECK(is_pattern(j->errs, j->n_errs));
  CHECK_EQ_INT(j->res.stdout_bytes, 300000);
  CHECK_EQ_INT(j->res.stderr_bytes, 70000);
  /* One byte more is past it. */
  s = SPEC("write", "300000", "70001");
  s->limits.output = 370000;
  j = run_split(s);
  CHECK_EQ_STR(sbx_status_name(j->res.status), "output_limit");
  CHECK_EQ_INT(j->n_out + j->n_errs, 370000);
  CHECK_EQ_INT(j->res.stdout_bytes + j->res.stderr_bytes, 370000);
}

/* ---- the output capture against its caller and against a writer outside the job ---------- */

static void stop_receiver(void *arg) {
  pid_t pid = (pid_t)(intptr_t)arg;
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

/* A host process outside the sandbox (the second party of the attack): accepts one connection
 * on the unix socket `path`, takes the fd passed over it, acknowledges, and 0.3 s later (the
 * job has ended by then) writes a '.' to that fd every 0.1 s for 5 s. It is killed when the
 * test ends. */
static void start_receiver(const char *path) {
  int l = test_own_fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (l < 0) TEST_FAIL("socket: %s", strerror(errno));
  if (strlen(path) >= sizeof a.sun_path) TEST_FAIL("socket path %s too long", path);
  memcpy(a.sun_path, path, strlen(path) + 1);
  if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0 || chmod(path, 0777) < 0)
    TEST_FAIL("bind/listen %s: %s", path, strerror(errno));
  pid_t pid = fork();
  if (pid < 0) TEST_FAIL("fork: %s", strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_DFL);
    alarm(20);
    int c = accept(l, NULL, NULL);
    char byte;
    union {
      struct cmsghdr h;
      char buf[CMSG_SPACE(sizeof(int))];
    } u;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr m = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    if (c < 0 || recvmsg(c, &m, 0) != 1) _exit(1);
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    if (!h || h->cmsg_type != SCM_RIGHTS) _exit(1);
    int fd;
    memcpy(&fd, CMSG_DATA(h), sizeof fd);
    if (write(c, "k", 1) != 1) _exit(1);
    usleep(300000);
    for (int i = 0; i < 50; i++) {
      if (write(fd, ".", 1) != 1) _exit(2);
      usleep(100000);
    }
    _exit(0);
  }
  test_defer(stop_receiver, (void *)(intptr_t)pid);
}

/* The job passes its stdout pipe's write end out of the sandbox and exits: the run ends when
 * the job does (not when the outside writer lets go), and counts and delivers only the job's
 * own output. */
static void check_fd_passed_out(bool pidns) {
  const char *dir = scratch_mkdir("sock", 0777);
  start_receiver(scratch_path("sock/s"));
  sbx_spec *s = SPEC("sendout", "/sock/s");
  spec_add_mount(s, SBX_MOUNT_BIND, dir, "/sock", SBX_MNT_NODEV);
  if (!pidns) {
    /* A fresh /proc needs the pid namespace: the job goes without one. */
    s->namespaces &= ~(unsigned)SBX_NS_PID;
    for (size_t i = 0; i < s->n_mounts; i++)
      if (s->mounts[i].type == SBX_MOUNT_PROC) s->mounts[i].type = SBX_MOUNT_TMPFS;
  }
  s->limits.output = 1 << 20;
  s->limits.wall_time_us = 5000000;
  job_run *j = run_split(s);
  if (j->res.status != SBX_STATUS_OK)
    TEST_FAIL("status %s, stderr '%s'", sbx_status_name(j->res.status), j->errs);
  if (j->took > 2.0)
    TEST_FAIL("sbx_run returned after %.3f s (the job ended at %.3f s)", j->took,
              j->res.wall_time_s);
  if (pidns) {
    /* Exactly the job's own output: none of the outside writer's dots. */
    CHECK_EQ_STR(j->out, "sent\n");
    CHECK_EQ_INT(j->res.stdout_bytes, 5);
  } else {
    /* Without a pid namespace the pipe is read on for OUTPUT_DRAIN_MS after the job's end. */
    CHECK(strncmp(j->out, "sent\n", 5) == 0);
    CHECK(j->res.stdout_bytes == j->n_out && j->n_out <= 5 + OUTPUT_DRAIN_MS / 100 + 1);
  }
}

TEST(output_fd_passed_out_of_the_sandbox) {
  NEED_RUN();
  check_fd_passed_out(true);
}

TEST(output_fd_passed_out_without_a_pid_namespace) {
  NEED_RUN();
  check_fd_passed_out(false);
}

/* The caller's stdout is a pipe nobody reads: the supervisor keeps the wall-time deadline
 * (the job ends at 1 s), and returns within OUTPUT_IDLE_MS of the job's end. */
TEST(output_to_a_caller_who_does_not_read) {
  NEED_RUN();
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) TEST_FAIL("pipe: %s", strerror(errno));
  test_own_fd(p[0]);
  test_own_fd(p[1]);
  sbx_spec *s = SPEC("write", "100000000");
  s->limits.output = 200 << 20;
  s->limits.wall_time_us = 1000000;
  sbx_run_options o;
  sbx_run_options_init(&o);
  o.stdout_fd = p[1]; /* stderr is captured */
  job_run *j = job_ran(s, &o, JOB_STDERR_APART);
  const sbx_result *r = &j->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "wall_time_limit");
  if (r->wall_time_s < 1.0 || r->wall_time_s > 1.05) TEST_FAIL("wall_time_s %.3f", r->wall_time_s);
  if (j->took > 1.0 + OUTPUT_IDLE_MS / 1000.0 + 0.5)
    TEST_FAIL("sbx_run returned after %.3f s", j->took);
  /* The caller's pipe took its 64 KiB; the job's own pipe holds at most as much more. */
  CHECK(r->stdout_bytes >= 65536 && r->stdout_bytes <= 4 * 65536);
}

/* ---- cpu_time without a cgroup: the tree's rusage ------------------------------------------ */

TEST(cpu_time_limit_without_cgroup_counts_the_tree) {
  NEED_RUN();
  /* 2 processes spin 0.8 s each under 1 s: RLIMIT_CPU stops neither, the tree's 1.6 s is past
   * the limit. */
  sbx_spec *s = SPEC("burn-procs", "2", "1.6");
  s->cgroup_mode = SBX_CGROUP_OFF;
  s->limits.cpu_time_us = 1000000;
  const sbx_result *r = &run(s)->res;
  CHECK(!r->cgroup);
  CHECK_EQ_STR(sbx_status_name(r->status), "cpu_time_limit");
  if (r->cpu_time_s < 1.5) TEST_FAIL("cpu_time_s %.3f", r->cpu_time_s);
  /* The same tree within the limit (0.4 s each) is ok. */
  s = SPEC("burn-procs", "2", "0.8");
  s->cgroup_mode = SBX_CGROUP_OFF;
  s->limits.cpu_time_us = 1000000;
  r = &run(s)->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "ok");
  if (r->cpu_time_s < 0.75 || r->cpu_time_s > 1.0) TEST_FAIL("cpu_time_s %.3f", r->cpu_time_s);
  /* A failing job past the limit is cpu_time_limit too. */
  s = SPEC("burn-procs", "2", "1.6");
  s->cgroup_mode = SBX_CGROUP_OFF;
  s->limits.cpu_time_us = 1000000;
  r = &run(s)->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "cpu_time_limit");
}

/* Whether a cgroup named after `pid` exists in any hierarchy's "sandbox"; *empty says whether
 * its cgroup.procs lists no process (when `empty` is not NULL). */
static bool cgroup_of(pid_t pid, bool *empty) {
  char prefix[64];
  snprintf(prefix, sizeof prefix, CGROUP_NAME_PREFIX "%d-", (int)pid);
  static const char *const dirs[] = {"/sys/fs/cgroup/sandbox", "/sys/fs/cgroup/memory/sandbox",
                                     "/sys/fs/cgroup/pids/sandbox",
                                     "/sys/fs/cgroup/unified/sandbox"};
  bool found = false;
  for (size_t i = 0; i < ARRAY_SIZE(dirs) && !found; i++) {
    DIR *d = opendir(dirs[i]);
    if (!d) continue;
    struct dirent *de;
    while (!found && (de = readdir(d))) {
      if (strncmp(de->d_name, prefix, strlen(prefix)) != 0) continue;
      found = true;
      if (empty) {
        char *procs = xasprintf("%s/%s/cgroup.procs", dirs[i], de->d_name), *text = NULL;
        sbx_error *e = NULL;
        *empty = read_file_max(procs, 1 << 16, &text, NULL, &e) == 0 && text[0] == '\0';
        sbx_error_free(e);
        free(text);
        free(procs);
      }
    }
    closedir(d);
  }
  return found;
}

TEST(killed_supervisor_is_cleaned_up_by_the_next_run) {
  NEED_ROOT_CGROUP();
  /* A supervisor (a child of ours running sbx_run) is killed while its job runs. */
  sbx_spec *sleeper = SPEC("sleep", "30");
  pid_t sup = fork();
  if (sup == 0) {
    sbx_result r;
    sbx_run(sleeper, NULL, &r, NULL);
    _exit(0);
  }
  CHECK(sup > 0);
  bool seen = false;
  for (int i = 0; i < 500 && !seen; i++) {
    seen = cgroup_of(sup, NULL);
    if (!seen) usleep(10000);
  }
  usleep(200000); /* the job is started by now */
  kill(sup, SIGKILL);
  int st;
  waitpid(sup, &st, 0);
  if (!seen) TEST_FAIL("the supervisor's cgroup never appeared");
  /* Its job died with it (init's parent-death signal takes the pid namespace); its cgroup
   * stays behind, empty, until the next run, which removes it. */
  bool empty = false;
  for (int i = 0; i < 200 && !empty; i++) {
    CHECK(cgroup_of(sup, &empty));
    if (!empty) usleep(5000);
  }
  if (!empty) TEST_FAIL("the killed supervisor's job outlived it by 1 s");
  CHECK_EQ_STR(sbx_status_name(run(SPEC("exit", "0"))->res.status), "ok");
  if (cgroup_of(sup, NULL)) TEST_FAIL("the killed supervisor's cgroup survived the next run");
}

TEST(bad_cgroup_parent_is_a_setup_error) {
  NEED_ROOT_CGROUP();
  sbx_spec *s = SPEC("exit", "0");
  s->cgroup_parent = xstrdup("../escape");
  job_run *j = job_run_spec(s, NULL, JOB_STDERR_MERGED);
  CHECK_EQ_INT(j->rc, -1);
  CHECK_EQ_INT(j->res.status, SBX_STATUS_SETUP_ERROR);
  CHECK_CONTAINS(j->err ? j->err->message : NULL, "cgroup parent '../escape'");
}

TEST(cgroup_off_degrades) {
  NEED_ROOT_CGROUP();
  sbx_spec *s = SPEC("exit", "0");
  s->cgroup_mode = SBX_CGROUP_OFF;
  s->limits.memory = 64 << 20;
  s->limits.pids = 16;
  const sbx_result *r = &run(s)->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "ok");
  CHECK(!r->cgroup);
  CHECK_EQ_INT(r->cgroup_version, 0);
  CHECK(strv_contains(r->degraded, "memory"));
  CHECK(strv_contains(r->degraded, "pids"));
}

/* Without a cgroup the memory peak is the largest single process's (ru_maxrss), and the result
 * says so. Runs as root and rootless. */
TEST(memory_peak_without_cgroup_is_rusage) {
  NEED_RUN();
  sbx_spec *s = SPEC("touch", "24");
  s->cgroup_mode = SBX_CGROUP_OFF;
  job_run *j = run(s);
  const sbx_result *r = &j->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "ok");
  CHECK_CONTAINS(j->out, "touched 24");
  CHECK(!r->cgroup);
  CHECK_EQ_INT(r->memory_peak_source, SBX_MEMORY_PEAK_RUSAGE);
  CHECK_EQ_STR(sbx_memory_peak_source_name(r->memory_peak_source), "rusage");
  CHECK(r->memory_peak_bytes == r->max_rss_bytes);
  if (r->memory_peak_bytes < (24u << 20) || r->memory_peak_bytes > (32u << 20))
    TEST_FAIL("memory_peak_bytes %.1f MiB for 24 MiB touched",
              (double)r->memory_peak_bytes / (1 << 20));
}

/* ---- rootless ------------------------------------------------------------------------------- */

TEST(rootless_optional_degrades) {
  if (geteuid() == 0) SKIP_TEST("for an unprivileged user");
  NEED_USERNS();
  sbx_spec *s = SPEC("burn", "0.1");
  s->limits.memory = 64 << 20;
  s->limits.pids = 16;
  s->limits.cpu_time_us = 5000000;
  const sbx_result *r = &run(s)->res;
  CHECK_EQ_STR(sbx_status_name(r->status), "ok");
  if (r->cgroup) {
    /* A delegated subtree was found: the limits may then hold. */
    CHECK(r->cgroup_version == 1 || r->cgroup_version == 2);
  } else {
    CHECK(strv_contains(r->degraded, "memory"));
    CHECK(strv_contains(r->degraded, "pids"));
    CHECK(strv_contains(r->degraded, "cpu_time"));
    /* The figures come from rusage. */
    CHECK(r->cpu_time_s >= 0.09);
    CHECK_EQ_INT(r->memory_peak_source, SBX_MEMORY_PEAK_RUSAGE);
  }
}

RUN_TESTS()
