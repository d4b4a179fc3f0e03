/* test-engine.c: the engine end to end through the library: hand-built specs run by sbx_run(), as
 * root and as an unprivileged user (the suite runs a second time as nobody). Two kinds of job
 * (tests/lib/jobs.h, tests/lib/probe.h): the static probe (tests/helper/probe.c) alone in a fresh
 * root, which reports its view as key=value lines, and /bin/sh in a root built from the host's
 * /usr. The tests assert on that view, on the result, on the errors, and on the caller's state
 * after many runs, also from several threads; after every test the host's mount table must be
 * as it was (no tmpfs, bind or proc of a run left behind). */
#define TEST_FILE "test-engine"
#include "harness.h"

#include "lib/host.h"
#include "lib/jobs.h"
#include "lib/probe.h"
#include "lib/procs.h"
#include "lib/scratch.h"

#include <fcntl.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define PROBE(...) probe_spec((const char *const[]){__VA_ARGS__, NULL})

__attribute__((constructor)) static void each_test(void) {
  host_mounts_check_each_test();
  tests_watchdog(120);
}

/* ---- runs and results ------------------------------------------------------------------------ */

TEST(true_runs) {
  NEED_USERNS();
  sbx_spec *s = job_host_root_spec();
  job_set_args(s, (const char *const[]){"true", NULL});
  CHECK_EQ_STR(job_ok(s), "");
}

TEST(exit_code_and_signal) {
  NEED_USERNS();
  job_run *r = job_ran(PROBE("/probe/probe", "exit", "7"), NULL, JOB_STDERR_OWN);
  CHECK_EQ_INT(r->res.status, SBX_STATUS_EXIT_NONZERO);
  CHECK_EQ_STR(sbx_status_name(r->res.status), "exit_nonzero");
  CHECK_EQ_INT(r->res.exit_code, 7);
  CHECK_EQ_INT(r->res.signal, 0);
  CHECK(!r->res.exec_failed);
  CHECK(r->res.wall_time_s > 0 && r->res.wall_time_s < 10);
  static const struct {
    const char *name;
    int sig;
  } sigs[] = {{"SEGV", SIGSEGV}, {"TERM", SIGTERM}};
  for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
    r = job_ran(PROBE("/probe/probe", "kill", sigs[i].name), NULL, JOB_STDERR_OWN);
    CHECK_EQ_INT(r->res.status, SBX_STATUS_SIGNALED);
    CHECK_EQ_INT(r->res.signal, sigs[i].sig);
    CHECK_EQ_INT(r->res.exit_code, 0);
  }
}

TEST(rusage_is_reported) {
  NEED_USERNS();
  /* Burns a little CPU in the job's own process. */
  job_run *r = job_ran(job_shell_spec("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"), NULL,
                       JOB_STDERR_OWN);
  CHECK_EQ_INT(r->res.status, SBX_STATUS_OK);
  CHECK(r->res.cpu_time_s > 0.01);
  CHECK(r->res.cpu_time_s <= r->res.wall_time_s + 0.05);
  CHECK(r->res.max_rss_bytes > 100 * 1024);
  CHECK(r->res.csw_voluntary + r->res.csw_forced > 0);
}

/* ---- the job's view -------------------------------------------------------------------------- */

/* Without mappings in the spec the engine picks them: the job is root of its namespace, mapped
 * onto nobody (never 0) as root, onto the caller's ids when unprivileged. */
TEST(ids_default_mapping) {
  NEED_USERNS();
  sbx_spec *s = PROBE("/probe/probe", "report");
  free(s->uid_mappings);
  free(s->gid_mappings);
  s->uid_mappings = s->gid_mappings = NULL;
  s->n_uid_mappings = s->n_gid_mappings = 0;
  const char *out = job_ok(s);
  CHECK_VALUE(out, "uid", "0");
  CHECK_VALUE(out, "gid", "0");
  CHECK_VALUE(out, "euid", "0");
  const char *um = test_own(xasprintf("0 %u 1", geteuid() == 0 ? NOBODY : geteuid()));
  const char *gm = test_own(xasprintf("0 %u 1", geteuid() == 0 ? NOBODY : getegid()));
  CHECK_VALUE(out, "uid_map", um);
  CHECK_VALUE(out, "gid_map", gm);
}

TEST(ids_explicit_mapping) {
  NEED_USERNS();
  const char *out = job_ok(PROBE("/probe/probe", "report"));
  CHECK_VALUE(out, "uid", "0");
  CHECK_VALUE(out, "gid", "0");
  CHECK_VALUE(out, "euid", "0");
  CHECK_VALUE(out, "groups", "");
  CHECK_VALUE(out, "uid_map", test_own(xasprintf("0 %u 1", probe_host_uid())));
  CHECK_VALUE(out, "gid_map", test_own(xasprintf("0 %u 1", probe_host_gid())));
  /* An unprivileged gid_map can only be written after setgroups is denied. */
  if (getuid() != 0) CHECK_VALUE(out, "setgroups", "deny");
}

/* A job uid other than 0, with a mapping of the spec's and with the engine's. */
TEST(ids_other_job_uid) {
  NEED_USERNS();
  sbx_spec *s = PROBE("/probe/probe", "report");
  s->uid_mappings[0].container_id = 1000;
  s->gid_mappings[0].container_id = 1000;
  s->process.uid = 1000;
  s->process.gid = 1000;
  const char *out = job_ok(s);
  CHECK_VALUE(out, "uid", "1000");
  CHECK_VALUE(out, "gid", "1000");
  CHECK_VALUE(out, "euid", "1000");
  CHECK_VALUE(out, "uid_map", test_own(xasprintf("1000 %u 1", probe_host_uid())));
  /* Not root inside: no capability is effective. */
  CHECK_VALUE(out, "capeff", "0000000000000000");
  s = job_shell_spec("id -u; id -g");
  s->process.uid = 1000;
  s->process.gid = 1000;
  CHECK_EQ_STR(job_ok(s), "1000\n1000\n");
}

TEST(pids_hostname_cwd_umask_env) {
  NEED_USERNS();
  test_setenv("SBX_HOST_SECRET", "leak"); /* the host's environment must not reach the job */
  sbx_spec *s = PROBE("/probe/probe", "report");
  spec_env_set(s, "FOO", "bar baz");
  job_run *r = job_ran(s, NULL, JOB_STDERR_OWN);
  CHECK_EQ_INT(r->res.status, SBX_STATUS_OK);
  CHECK(r->res.wall_time_s > 0);
  /* init is pid 1 (the job's reaper), the job pid 2; nothing else is visible. */
  CHECK_VALUE(r->out, "pid", "2");
  CHECK_VALUE(r->out, "nprocs", "2");
  CHECK_VALUE(r->out, "hostname", "sbx-test");
  CHECK_VALUE(r->out, "cwd", "/tmp");
  CHECK_VALUE(r->out, "umask", "0022");
  /* Exactly the spec's environment, nothing from the host. */
  CHECK_VALUE(r->out, "env", "PATH=/probe|SBX_TEST=1|FOO=bar baz");
  s->process.umask = 027;
  CHECK_VALUE(job_ok(s), "umask", "0027");
}

TEST(only_stdio_fds_reach_the_job) {
  NEED_USERNS();
  /* fds of the caller's without close-on-exec, a low one and a high one, must not reach it. */
  int leak = test_own_fd(open("/dev/null", O_RDONLY));
  CHECK(leak > 2);
  CHECK_EQ_INT(test_own_fd(dup2(leak, 77)), 77);
  const char *out = job_ok(PROBE("/probe/probe", "fds"));
  CHECK_VALUE(out, "fd", "0|1|2");
  /* stdin is the caller's by default (the test's, whatever it is), /dev/null when asked. */
  sbx_spec *s = PROBE("/probe/probe", "fds");
  s->process.stdio[SBX_STDIN].mode = SBX_STDIO_NULL;
  out = job_ok(s);
  CHECK_VALUE(out, "fd", "0|1|2");
  CHECK_CONTAINS(probe_values(out, "fdpath"), "0 /dev/null");
}

/* Nothing of the host's is visible: the mount table holds the spec's mounts only, and the root
 * holds only their mount points and the generated /etc (tests/test-etc.c, tests/etc.sh). */
TEST(host_paths_are_invisible) {
  NEED_USERNS();
  static const char *const present[] = {"/probe/probe", "/dev/null",   "/dev/zero",
                                        "/dev/full",    "/dev/random", "/dev/urandom",
                                        "/dev/tty",     "/dev/pts",    "/dev/shm"};
  static const char *const absent[] = {"/etc/shadow", "/etc/ssh", "/etc/ssl", "/home",
                                       "/root",       "/usr",     "/work",    "/bin",
                                       "/var",        "/oldroot", "/newroot", "/sys/kernel",
                                       "/dev/sda",    "/dev/mem", "/dev/kmsg"};
  const char *args[ARRAY_SIZE(present) + ARRAY_SIZE(absent) + 4] = {"/probe/probe", "report"};
  size_t n = 2;
  for (size_t i = 0; i < ARRAY_SIZE(present); i++) args[n++] = present[i];
  for (size_t i = 0; i < ARRAY_SIZE(absent); i++) args[n++] = absent[i];
  args[n++] = scratch_dir(); /* the test's own directory on the host */
  const char *out = job_ok(probe_spec(args));
  for (size_t i = 0; i < ARRAY_SIZE(present); i++)
    CHECK_CONTAINS(out, test_own(xasprintf("exists=%s yes\n", present[i])));
  for (size_t i = 0; i < ARRAY_SIZE(absent); i++)
    CHECK_CONTAINS(out, test_own(xasprintf("exists=%s no\n", absent[i])));
  CHECK_CONTAINS(out, test_own(xasprintf("exists=%s no\n", scratch_dir())));
  /* The mount table holds our mounts only: the root, /probe read-only, /proc, /dev and its
   * pts and shm, /tmp; nothing of the host's. */
  CHECK_CONTAINS(out, "mount=/ ");
  CHECK_CONTAINS(out, "mount=/probe ");
  CHECK_CONTAINS(out, "mount=/proc proc ");
  CHECK_CONTAINS(out, "mount=/dev/pts devpts ");
  CHECK_CONTAINS(out, "mount=/tmp tmpfs ");
  char *mounts = test_own(xstrdup(probe_values(out, "mount")));
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
  /* A root from the host's /usr holds its mount points and the recreated links, no more. */
  CHECK_EQ_STR(job_ok(job_shell_spec("ls /")), "bin\ndev\netc\nlib\nlib64\nproc\nsbin\ntmp\nusr\n");
  /* ... and /etc only what the engine generated. */
  sbx_spec *s = job_shell_spec("ls -A /etc");
  s->hostname = xstrdup("sbx-test");
  CHECK_EQ_STR(job_ok(s), "group\nhost.conf\nhostname\nhosts\nnsswitch.conf\npasswd\n");
}

TEST(mounts_have_their_flags) {
  NEED_USERNS();
  const char *out = job_ok(
      job_shell_spec("touch /usr/x 2>/dev/null && echo usr-writable; "
                     "touch /x 2>/dev/null && echo root-writable; "
                     "echo hi > /tmp/f && cat /tmp/f; "
                     "grep -E ' /(usr|tmp|proc|dev|dev/pts|dev/shm) ' /proc/self/mountinfo | "
                     "cut -d' ' -f5,6,9"));
  CHECK(!strstr(out, "writable"));
  CHECK_CONTAINS(out, "hi\n");
  CHECK_CONTAINS(out, "/usr ro,nosuid,nodev");
  CHECK_CONTAINS(out, "/tmp rw,nosuid,nodev");
  CHECK_CONTAINS(out, " tmpfs\n");
  CHECK_CONTAINS(out, "/proc rw,nosuid,nodev,noexec");
  CHECK_CONTAINS(out, "/dev/pts rw,nosuid,noexec");
  CHECK_CONTAINS(out, "devpts");
  CHECK_CONTAINS(out, "/dev/shm rw,nosuid,nodev");
}

TEST(oci_mount_types) {
  NEED_USERNS();
  /* sysfs, mqueue and devpts as foreign specs ask for them; a noexec tmpfs. */
  sbx_spec *s = job_shell_spec(
      "cut -d' ' -f5,6,9 /proc/self/mountinfo | grep -E '^/(sys|mq|pts|x) '; "
      "cp /bin/true /x/t && /x/t 2>/dev/null || echo noexec");
  spec_add_mount(s, SBX_MOUNT_SYSFS, NULL, "/sys", SBX_MNT_RO);
  spec_add_mount(s, SBX_MOUNT_MQUEUE, NULL, "/mq", 0);
  spec_add_mount(s, SBX_MOUNT_DEVPTS, NULL, "/pts", 0);
  spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/x", SBX_MNT_NOEXEC);
  const char *out = job_ok(s);
  CHECK_CONTAINS(out, "/sys ro,nosuid,nodev,noexec");
  CHECK_CONTAINS(out, "sysfs\n");
  CHECK_CONTAINS(out, "/mq rw,nosuid,nodev,noexec");
  CHECK_CONTAINS(out, "mqueue\n");
  CHECK_CONTAINS(out, "/pts rw,nosuid,noexec");
  CHECK_CONTAINS(out, "/x rw,nosuid,nodev,noexec");
  CHECK_CONTAINS(out, "noexec\n");
}

TEST(dev_is_minimal_and_works) {
  NEED_USERNS();
  const char *out =
      job_ok(job_shell_spec("ls /dev | tr '\\n' ' '; echo; echo x > /dev/null && echo null-ok; "
                            "head -c 4 /dev/zero | od -An -tx1; head -c 8 /dev/urandom | wc -c; "
                            "readlink /dev/ptmx /dev/stdout"));
  CHECK_EQ_STR(out,
               "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero \n"
               "null-ok\n 00 00 00 00\n8\npts/ptmx\n/proc/self/fd/1\n");
}

TEST(tmpfs_size_is_enforced) {
  NEED_USERNS();
  sbx_spec *s = job_shell_spec(
      "head -c 3000000 /dev/zero > /tmp/big 2>/dev/null || echo full; "
      "stat -c %s /tmp/big");
  s->mounts[s->n_mounts - 1].size = 1 << 20;
  CHECK_EQ_STR(job_ok(s), "full\n1048576\n");
}

TEST(bind_read_write_and_symlink_source) {
  NEED_USERNS();
  const char *dir = scratch_mkdir("rw", 0777);
  const char *link = scratch_path("link");
  CHECK(symlink("rw", link) == 0);
  sbx_spec *s =
      job_shell_spec("echo out > /work/made && readlink /lnk && ls /lnk/ 2>/dev/null; true");
  CHECK(sbx_spec_add_bind(s, dir, "/work", false, NULL) == 0);
  CHECK(sbx_spec_add_bind(s, link, "/lnk", true, NULL) == 0);
  /* /lnk is recreated as the link "rw", which dangles inside: ls fails, readlink works. */
  CHECK_CONTAINS(job_ok(s), "rw\n");
  char *text = NULL;
  CHECK(read_file_max(scratch_path("rw/made"), 100, &text, NULL, NULL) == 0);
  CHECK_EQ_STR(test_own(text), "out\n");
}

/* What the job creates in a read-write bind belongs on disk to the source's owner (as root the
 * bind is idmapped to it; rootless the caller's id is the job's), and inside, the source is the
 * job's own. */
TEST(bind_read_write_owner) {
  NEED_USERNS();
  const char *dir = scratch_mkdir("own", 0755);
  sbx_spec *s = job_shell_spec("mkdir /own/d && echo x > /own/d/f && stat -c '%u %g' /own");
  CHECK(sbx_spec_add_bind(s, dir, "/own", false, NULL) == 0);
  CHECK_EQ_STR(job_ok(s), "0 0\n");
  struct stat st;
  CHECK(stat(scratch_path("own/d/f"), &st) == 0);
  CHECK_EQ_INT(st.st_uid, geteuid());
  CHECK_EQ_INT(st.st_gid, getegid());
  CHECK(stat(scratch_path("own/d"), &st) == 0);
  CHECK_EQ_INT(st.st_uid, geteuid());
}

TEST(masked_and_readonly_paths) {
  NEED_USERNS();
  const char *dir = scratch_mkdir("data", 0777);
  scratch_write("data/secret", "secret\n", 0666);
  scratch_mkdir("data/subdir", 0777);
  sbx_spec *s = job_shell_spec(
      "cat /data/secret; ls /data/subdir; touch /data/subdir/x 2>/dev/null "
      "&& echo masked-writable; cat /proc/version 2>&1 | wc -c; "
      "(echo x > /data/new) 2>/dev/null && echo ro-writable; echo done");
  CHECK(sbx_spec_add_bind(s, dir, "/data", false, NULL) == 0);
  strv_push(&s->masked_paths, &s->n_masked_paths, "/data/secret");
  strv_push(&s->masked_paths, &s->n_masked_paths, "/data/subdir");
  strv_push(&s->masked_paths, &s->n_masked_paths, "/proc/version");
  strv_push(&s->masked_paths, &s->n_masked_paths, "/does/not/exist");
  strv_push(&s->readonly_paths, &s->n_readonly_paths, "/data");
  CHECK_EQ_STR(job_ok(s), "0\ndone\n");
}

TEST(stdin_modes) {
  NEED_USERNS();
  sbx_spec *s = job_shell_spec("cat; echo end");
  /* The caller's stdin by default. */
  sbx_run_options o;
  sbx_run_options_init(&o);
  o.stdin_fd = test_own_fd(open(scratch_write("caller", "the caller's\n", 0644), O_RDONLY));
  CHECK_EQ_STR(job_ran(s, &o, JOB_STDERR_OWN)->out, "the caller's\nend\n");
  s->process.stdio[SBX_STDIN].mode = SBX_STDIO_NULL;
  CHECK_EQ_STR(job_ok(s), "end\n");
  s->process.stdio[SBX_STDIN] =
      (sbx_stdio){SBX_STDIO_FILE, xstrdup(scratch_write("input", "from a file\n", 0644))};
  CHECK_EQ_STR(job_ok(s), "from a file\nend\n");
}

/* The caller's blocked signals do not reach the job (a job with SIGTERM blocked could not be
 * stopped). */
TEST(job_signal_mask_clean) {
  NEED_USERNS();
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  caller_sigmask(SIG_BLOCK, &block);
  CHECK_VALUE(job_ok(PROBE("/probe/probe", "report")), "sigblk", "0000000000000000");
}

TEST(rlimits) {
  NEED_USERNS();
  sbx_spec *s = job_shell_spec("ulimit -n; ulimit -c; ulimit -f; ulimit -t");
  s->limits.open_files = 64;
  s->limits.file_size = 1 << 20;
  s->limits.cpu_time_us = 1500000;
  /* Without a cgroup RLIMIT_CPU is the cpu_time limit itself; with one it is a backstop a
   * second above the supervisor's limit (see init.c). */
  s->cgroup_mode = SBX_CGROUP_OFF;
  /* dash counts -f in 512-byte blocks */
  CHECK_EQ_STR(job_ok(s), "64\n0\n2048\n2\n");
}

TEST(file_size_limit) {
  NEED_USERNS();
  sbx_spec *s = job_shell_spec("exec head -c 200000 /dev/zero > /tmp/f");
  s->limits.file_size = 100000;
  job_run *r = job_ran(s, NULL, JOB_STDERR_OWN);
  CHECK_EQ_INT(r->res.status, SBX_STATUS_FILE_SIZE_LIMIT);
  CHECK_EQ_INT(r->res.signal, SIGXFSZ);
}

TEST(wall_time_limit) {
  NEED_USERNS();
  sbx_spec *s = job_shell_spec("sleep 30");
  s->limits.wall_time_us = 300000;
  job_run *r = job_ran(s, NULL, JOB_STDERR_OWN);
  CHECK_EQ_INT(r->res.status, SBX_STATUS_WALL_TIME_LIMIT);
  CHECK(r->res.wall_time_s >= 0.3 && r->res.wall_time_s < 1.5);
  CHECK(no_children());
}

TEST(capabilities_no_new_privs_seccomp) {
  NEED_USERNS();
  sbx_spec *s = job_shell_spec(
      "grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/self/status "
      "| tr -s '\\t' ' '; mkdir /tmp/d 2>&1 | sed 's/.*: //'");
  /* Without a policy the job still has a filter: the engine's rules (seccomp-fixed.c). */
  CHECK_EQ_STR(job_ok(s),
               "CapInh: 0000000000000000\nCapPrm: 0000000000000000\n"
               "CapEff: 0000000000000000\nCapBnd: 0000000000000000\n"
               "CapAmb: 0000000000000000\nNoNewPrivs: 1\nSeccomp: 2\n");
  /* A policy that denies mkdir with EPERM. */
  s->seccomp.enabled = true;
  s->seccomp.default_action = SBX_SECCOMP_ALLOW;
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, SBX_SECCOMP_ERRNO, EPERM);
  spec_rule_add_name(r, "mkdir");
  spec_rule_add_name(r, "mkdirat");
  const char *out = job_ok(s);
  CHECK_CONTAINS(out, "Seccomp: 2\n");
  CHECK_CONTAINS(out, "Operation not permitted\n");
}

/* Without a policy, the engine's rules still refuse a setuid mode (docs/security.md). */
TEST(no_policy_still_refuses_setuid_modes) {
  NEED_USERNS();
  sbx_spec *s = job_shell_spec(
      "touch /tmp/f; chmod u+s /tmp/f 2>&1 | sed 's/.*: //'; "
      "chmod 750 /tmp/f; stat -c %a /tmp/f");
  CHECK(!s->seccomp.enabled);
  CHECK_EQ_STR(job_ok(s), "Operation not permitted\n750\n");
}

TEST(forbidden_syscall_is_named) {
  NEED_USERNS();
  /* The shell's child is killed at mkdir; the report names it, and nothing of the job runs on. */
  sbx_spec *s = job_shell_spec("echo before; mkdir /tmp/d; echo after");
  s->seccomp.enabled = true;
  s->seccomp.default_action = SBX_SECCOMP_ALLOW;
  sbx_seccomp_rule *rule = spec_add_seccomp_rule(s, SBX_SECCOMP_KILL_PROCESS, 0);
  spec_rule_add_name(rule, "mkdir");
  spec_rule_add_name(rule, "mkdirat");
  job_run *r = job_ran(s, NULL, JOB_STDERR_OWN);
  CHECK_EQ_INT(r->res.status, SBX_STATUS_FORBIDDEN_SYSCALL);
  CHECK(r->res.syscall &&
        (strcmp(r->res.syscall, "mkdir") == 0 || strcmp(r->res.syscall, "mkdirat") == 0));
  CHECK_EQ_INT(r->res.signal, SIGSYS);
  CHECK_EQ_STR(r->out, "before\n");
  /* Allowed syscalls still work under the same filter. */
  sbx_spec *ok = own_spec(sbx_spec_copy(s));
  job_set_args(ok, (const char *const[]){"/bin/sh", "-c", "echo fine", NULL});
  CHECK_EQ_STR(job_ok(ok), "fine\n");
}

TEST(network_none_and_loopback) {
  NEED_USERNS();
  sbx_spec *s = job_shell_spec(
      "grep -c '127.0.0.1' /proc/net/fib_trie; cat /proc/net/dev | "
      "tail -n +3 | cut -d: -f1 | tr -d ' '");
  CHECK_EQ_STR(job_ok(s), "0\nlo\n"); /* none: lo is down, without addresses; only lo exists */
  s->network = SBX_NET_LOOPBACK;
  const char *out = job_ok(s);
  CHECK(atoi(out) > 0);
  CHECK_CONTAINS(out, "\nlo\n");
}

TEST(gcc_compiles_in_the_sandbox) {
  NEED_USERNS();
  if (access("/usr/bin/gcc", X_OK) < 0) SKIP_TEST("no gcc here");
  const char *dir = scratch_mkdir("src", 0777); /* as root the job is host uid 65534 */
  scratch_write("src/hello.c",
                "#include <stdio.h>\nint main(void) { puts(\"hello, sandbox\"); return 0; }\n",
                0644);
  sbx_spec *s = job_shell_spec("gcc -o hello hello.c && ./hello");
  CHECK(sbx_spec_add_bind(s, dir, "/src", false, NULL) == 0);
  CHECK(sbx_spec_set_cwd(s, "/src", NULL) == 0);
  CHECK_EQ_STR(job_ok(s), "hello, sandbox\n");
  CHECK(access(scratch_path("src/hello"), X_OK) == 0);
}

/* ---- set-up errors: -1, status setup_error and a message naming the cause -------------------- */

TEST(error_missing_command) {
  NEED_USERNS();
  /* Looked up in PATH, and given as a path. */
  sbx_spec *s = job_host_root_spec();
  job_set_args(s, (const char *const[]){"nosuchcmd", NULL});
  job_check_setup_error(s, "cannot run 'nosuchcmd': No such file or directory", ENOENT);
  job_check_setup_error(PROBE("/probe/nosuchcmd"),
                        "cannot run '/probe/nosuchcmd': No such file or directory", ENOENT);
}

TEST(error_not_executable) {
  NEED_USERNS();
  job_check_setup_error(PROBE("/probe/notexec"), "cannot run '/probe/notexec': Permission denied",
                        EACCES);
}

TEST(error_bad_cwd) {
  NEED_USERNS();
  sbx_spec *s = PROBE("/probe/probe");
  CHECK(sbx_spec_set_cwd(s, "/nonexistent", NULL) == 0);
  job_check_setup_error(
      s, "cannot change to the working directory '/nonexistent': No such file or directory", 0);
}

TEST(error_missing_bind_source) {
  NEED_USERNS();
  sbx_spec *s = PROBE("/probe/probe");
  CHECK(sbx_spec_add_bind(s, "/nonexistent", "/work", false, NULL) == 0);
  job_check_setup_error(s, "bind mount /nonexistent on /work: No such file or directory", 0);
}

TEST(optional_bind_is_skipped) {
  NEED_USERNS();
  sbx_spec *s = PROBE("/probe/probe", "report", "/mnt");
  spec_add_mount(s, SBX_MOUNT_BIND, "/nonexistent-src", "/mnt", SBX_MNT_RO | SBX_MNT_OPTIONAL);
  CHECK_CONTAINS(job_ok(s), "exists=/mnt no\n");
}

/* A mount point under a read-only bind cannot be created (nor may it appear on the host). */
TEST(error_unwritable_target) {
  NEED_USERNS();
  sbx_spec *s = PROBE("/probe/probe");
  spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/probe/newdir", 0);
  job_check_setup_error(s, "create the mount point /probe/newdir: Read-only file system", 0);
  const char *host = test_own(xasprintf("%s/newdir", probe_dir()));
  CHECK(access(host, F_OK) < 0 && errno == ENOENT);
}

/* A mount target reached through a symlink that stays inside the new root is followed; the
 * mount point is made at the link's target, in the bind. */
TEST(target_through_symlink_inside) {
  NEED_USERNS();
  const char *dir = scratch_mkdir("data", 0777);
  scratch_mkdir("data/real", 0777);
  CHECK(symlink("real", scratch_path("data/link")) == 0);
  sbx_spec *s = job_shell_spec("grep -c ' /data/real/mnt ' /proc/self/mountinfo");
  CHECK(sbx_spec_add_bind(s, dir, "/data", false, NULL) == 0);
  spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/data/link/mnt", 0);
  CHECK_EQ_STR(job_ok(s), "1\n");
  struct stat st;
  CHECK(lstat(scratch_path("data/real/mnt"), &st) == 0 && S_ISDIR(st.st_mode));
}

/* A symlink that climbs out of the new root (to the host's root, which init sees on /oldroot
 * while it builds the new one), or an absolute one, is refused before anything is made
 * through it: a still of tests/mount-race.sh. */
TEST(target_through_symlink_outside) {
  NEED_USERNS();
  const char *dir = scratch_mkdir("data", 0777);
  const char *outside = scratch_mkdir("outside", 0777);
  char *climb = test_own(xasprintf("../../../../../../oldroot%s", outside));
  CHECK(symlink(climb, scratch_path("data/up")) == 0);
  CHECK(symlink(outside, scratch_path("data/abs")) == 0);
  static const char *const targets[] = {"/data/up/sub/mnt", "/data/abs/sub/mnt"};
  for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
    sbx_spec *s = PROBE("/probe/probe");
    CHECK(sbx_spec_add_bind(s, dir, "/data", false, NULL) == 0);
    spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, targets[i], 0);
    char *want = test_own(xasprintf("%s leads outside the sandbox's root through a symlink: %s",
                                    targets[i], strerror(EXDEV)));
    job_check_setup_error(s, want, 0);
    CHECK(access(scratch_path("outside/sub"), F_OK) < 0 && errno == ENOENT);
  }
}

/* An invalid spec is refused before anything runs, with the validator's message. */
TEST(error_invalid_spec) {
  job_check_setup_error(job_host_root_spec(), "process.args: no command to run", 0);
  sbx_result res;
  sbx_error *err = NULL;
  CHECK_EQ_INT(sbx_run(NULL, NULL, &res, &err), -1);
  own_error(err);
  CHECK_EQ_STR(err->message, "no spec given: Invalid argument");
  CHECK_EQ_STR(res.message, "no spec given: Invalid argument");
  sbx_result_clear(&res);
  sbx_spec *s = PROBE("/probe/probe");
  free(s->process.cwd);
  s->process.cwd = xstrdup("relative/dir");
  sbx_error *verr = NULL;
  CHECK(sbx_spec_validate(s, &verr) < 0);
  CHECK(own_error(verr) != NULL);
  job_check_setup_error(s, verr->message, 0);
}

/* sandbox.h: a reserved slot of sbx_run_options that is set (options of another version of the
 * library) is refused with EINVAL, before anything runs. */
TEST(error_reserved_run_option) {
  sbx_spec *s = PROBE("/probe/probe");
  int other;
  for (size_t slot = 0; slot < 8; slot += 7) {
    sbx_run_options o;
    sbx_run_options_init(&o);
    o.reserved[slot] = &other;
    job_run *r = job_run_spec(s, &o, JOB_STDERR_OWN);
    CHECK_EQ_INT(r->rc, -1);
    CHECK(r->err != NULL);
    CHECK_EQ_INT(r->err->code, EINVAL);
    CHECK_CONTAINS(r->err->message, "sbx_run_options");
    CHECK_CONTAINS(r->err->message, test_own(xasprintf("reserved slot %zu", slot)));
    CHECK_EQ_INT(r->res.status, SBX_STATUS_SETUP_ERROR);
    CHECK_EQ_STR(r->res.message, r->err->message);
    CHECK(no_children());
  }
}

/* sandbox.h: likewise a reserved slot of sbx_load_options for the profile loader. */
TEST(error_reserved_load_option) {
  static const char text[] = "description: a profile that loads\n";
  sbx_load_options o = {0};
  sbx_spec *s = NULL;
  sbx_error *err = NULL;
  if (sbx_spec_load_profile_string("t.yaml", text, strlen(text), &o, &s, &err) < 0)
    TEST_FAIL("without a reserved slot: %s", own_error(err)->message);
  own_spec(s);
  s = NULL;
  int other;
  o.reserved[3] = &other;
  CHECK_EQ_INT(sbx_spec_load_profile_string("t.yaml", text, strlen(text), &o, &s, &err), -1);
  CHECK(own_error(err) != NULL);
  CHECK(s == NULL);
  CHECK_EQ_INT(err->code, EINVAL);
  CHECK_CONTAINS(err->message, "sbx_load_options");
  CHECK_CONTAINS(err->message, "reserved slot 3");
}

TEST(error_namespaces_off) {
  NEED_USERNS();
  /* No pid namespace: a fresh /proc cannot be mounted from a user namespace. */
  sbx_spec *s = job_shell_spec("true");
  s->namespaces &= ~SBX_NS_PID;
  job_check_setup_error(s,
                        "a fresh /proc needs the pid namespace: mount proc on /proc: Operation "
                        "not permitted",
                        0);
  /* No user namespace: as root, uid 0 would be host root; unprivileged, nothing is allowed. */
  static const char no_pidns[] =
      "create the pid namespace (unshare CLONE_NEWPID; without a user namespace this needs "
      "root): Operation not permitted";
  s = job_shell_spec("true");
  s->namespaces &= ~SBX_NS_USER;
  job_check_setup_error(s,
                        geteuid() == 0 ? "the job would run as host root: turn the user namespace "
                                         "on, or give the job another uid: Operation not permitted"
                                       : no_pidns,
                        0);
  /* Nor in the host's root group. */
  s->process.uid = 1000;
  job_check_setup_error(s,
                        geteuid() == 0 ? "the job would run in the host's root group: turn the "
                                         "user namespace on, or give the job another gid: "
                                         "Operation not permitted"
                                       : no_pidns,
                        0);
}

TEST(namespaces_off_still_run) {
  NEED_USERNS();
  /* Only the user and pid namespaces: the host's filesystem, the caller's ids mapped. */
  sbx_spec *s = own_spec(spec_new());
  s->namespaces = SBX_NS_USER | SBX_NS_PID;
  s->network = SBX_NET_HOST;
  job_set_args(s, (const char *const[]){"/bin/sh", "-c", "echo $$; id -u", NULL});
  CHECK_EQ_STR(job_ok(s), "2\n0\n");
}

TEST(error_userns_not_permitted) {
  NEED_USERNS();
  /* A seccomp filter in a child makes unshare() fail with EPERM, as AppArmor or the sysctl
   * would; the message says what to check. */
  sbx_spec *s = job_shell_spec("true");
  int pfd[2];
  CHECK(pipe2(pfd, O_CLOEXEC) == 0);
  test_own_fd(pfd[0]);
  pid_t c = fork();
  CHECK(c >= 0);
  if (c == 0) {
    close(pfd[0]);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0) < 0 ||
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(ctx) < 0)
      _exit(2);
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
  /* An OCI-style root directory with its mount points, given relative to the bundle. */
  const char *bundle = scratch_mkdir("bundle", 0755);
  static const char *const dirs[] = {"usr", "proc", "dev", "tmp"};
  for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
    scratch_mkdir(test_own(xasprintf("bundle/rootfs/%s", dirs[i])), 0755);
  static const char *const links[][2] = {
      {"bin", "usr/bin"}, {"lib", "usr/lib"}, {"lib64", "usr/lib64"}};
  for (size_t i = 0; i < ARRAY_SIZE(links); i++)
    CHECK(symlink(links[i][1], scratch_path("bundle/rootfs/%s", links[i][0])) == 0);
  scratch_write("bundle/rootfs/marker", "from the root directory\n", 0644);

  sbx_spec *s = own_spec(spec_new());
  spec_add_mount(s, SBX_MOUNT_BIND, "/usr", "/usr", SBX_MNT_RO | SBX_MNT_RECURSIVE);
  spec_add_mount(s, SBX_MOUNT_PROC, NULL, "/proc", 0);
  spec_add_mount(s, SBX_MOUNT_DEV, NULL, "/dev", 0);
  spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/tmp", 0)->mode = 01777;
  spec_env_set(s, "PATH", "/usr/bin");
  job_set_args(s, (const char *const[]){"sh", "-c",
                                        "cat /marker; touch /new 2>/dev/null && echo "
                                        "root-writable; ls / | tr '\\n' ' '",
                                        NULL});
  CHECK(sbx_spec_set_rootfs(s, "rootfs", true, NULL) == 0);
  sbx_run_options o;
  sbx_run_options_init(&o);
  o.bundle_dir = bundle;
  job_run *r = job_ran(s, &o, JOB_STDERR_OWN);
  CHECK_EQ_INT(r->res.status, SBX_STATUS_OK);
  CHECK_EQ_STR(r->out, "from the root directory\nbin dev lib lib64 marker proc tmp usr ");
  /* A missing root directory is a setup error naming it. */
  CHECK(sbx_spec_set_rootfs(s, scratch_path("bundle/missing"), true, NULL) == 0);
  job_check_setup_error(
      s, test_own(xasprintf("the root directory %s/missing: No such file or directory", bundle)),
      0);
}

/* ---- processes ------------------------------------------------------------------------------- */

/* The job double-forks a sleeper and exits: the run ends with the job, and the sleeper with it. */
TEST(orphans_do_not_survive) {
  NEED_USERNS();
  char marker[64];
  snprintf(marker, sizeof marker, "sbx-orphan-marker-%d", (int)getpid());
  job_run *r = job_ran(PROBE("/probe/probe", "orphan", "60", marker), NULL, JOB_STDERR_OWN);
  CHECK_EQ_INT(r->res.status, SBX_STATUS_OK);
  CHECK(r->took < 5);
  CHECK_CONTAINS(r->out, "orphan=");
  CHECK_EQ_INT(procs_count_marked(marker), 0);
  CHECK(no_children());
}

/* Orphans that exit while the job runs are reaped (no zombies pile up). */
TEST(orphans_are_reaped_while_running) {
  NEED_USERNS();
  CHECK_VALUE(job_ok(PROBE("/probe/probe", "zombies", "5")), "zombies", "0");
}

/* A supervisor (a child of this test) runs a job that sleeps; SIGKILL to the supervisor must take
 * every process of the job with it. */
TEST(supervisor_death_kills_the_job) {
  NEED_USERNS();
  sbx_spec *s = job_shell_spec("t=1234.7; sleep $t & sleep $t; wait");
  pid_t sup = fork();
  CHECK(sup >= 0);
  if (sup == 0) {
    sbx_result res;
    sbx_run(s, NULL, &res, NULL);
    _exit(0);
  }
  int seen = procs_wait_marked("sleep 1234.7", 2, 5000);
  kill(sup, SIGKILL);
  waitpid(sup, NULL, 0);
  CHECK_EQ_INT(seen, 2);
  CHECK_EQ_INT(procs_wait_marked("sleep 1234.7", 0, 3000), 0);
}

/* forward_signals: SIGTERM sent to the caller reaches the job (its handler exits 42); the
 * caller's dispositions and mask are as before, and nothing is left pending. */
TEST(signals_are_forwarded) {
  NEED_USERNS();
  sbx_spec *s = PROBE("/probe/probe", "trap", "TERM", "/tmp/caught", "/shared/ready-fwd", "30");
  const char *ready = test_own(xasprintf("%s/ready-fwd", probe_add_shared(s)));
  caller_state before, after;
  caller_state_capture(&before);
  pid_t parent = getpid();
  pid_t helper = fork();
  CHECK(helper >= 0);
  if (helper == 0) {
    if (wait_for_file(ready, 20)) kill(parent, SIGTERM);
    _exit(0);
  }
  sbx_run_options o;
  sbx_run_options_init(&o);
  o.forward_signals = true;
  job_run *r = job_run_spec(s, &o, JOB_STDERR_OWN);
  waitpid(helper, NULL, 0);
  caller_state_capture(&after);
  sigset_t pending;
  sigpending(&pending);
  if (r->rc != 0) TEST_FAIL("sbx_run failed: %s", job_error(r));
  CHECK_EQ_INT(r->res.status, SBX_STATUS_EXIT_NONZERO);
  CHECK_EQ_INT(r->res.exit_code, 42);
  CHECK(!sigismember(&pending, SIGTERM));
  caller_state_check_same(&before, &after);
}

/* sandbox.h: "it waits for exactly those pids (never for any child)": the caller's own children,
 * one already a zombie and one still running, are left for the caller to reap. */
TEST(own_children_untouched) {
  NEED_USERNS();
  sbx_spec *s = PROBE("/probe/probe", "exit", "0");
  pid_t done = fork();
  if (done == 0) _exit(33);
  pid_t running = fork();
  if (running == 0) {
    usleep(300000);
    _exit(34);
  }
  CHECK(done > 0 && running > 0);
  usleep(50000); /* `done` is a zombie by now */
  job_run *r = job_run_spec(s, NULL, JOB_STDERR_OWN);
  int st1 = 0, st2 = 0;
  pid_t w1 = waitpid(done, &st1, 0), w2 = waitpid(running, &st2, 0);
  if (r->rc != 0) TEST_FAIL("sbx_run failed: %s", job_error(r));
  CHECK_EQ_INT(w1, done);
  CHECK(WIFEXITED(st1) && WEXITSTATUS(st1) == 33);
  CHECK_EQ_INT(w2, running);
  CHECK(WIFEXITED(st2) && WEXITSTATUS(st2) == 34);
}

/* ---- the caller's state: 200 runs leave it as it was ----------------------------------------- */

static void on_usr1(int sig) { (void)sig; }

TEST(leak_200_runs) {
  NEED_USERNS();
  /* A caller with handlers (one on a signal that may be forwarded), an ignored signal and a
   * blocked signal of its own. */
  struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
  sigemptyset(&sa.sa_mask);
  caller_sigaction(SIGUSR1, &sa);
  caller_sigaction(SIGHUP, &sa);
  struct sigaction ign = {.sa_handler = SIG_IGN};
  sigemptyset(&ign.sa_mask);
  caller_sigaction(SIGPIPE, &ign);
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR2);
  caller_sigmask(SIG_BLOCK, &block);

  sbx_spec *s_ok = PROBE("/probe/probe", "exit", "0");
  sbx_spec *s_nonzero = PROBE("/probe/probe", "exit", "3");
  sbx_spec *s_killed = PROBE("/probe/probe", "kill", "KILL");
  sbx_spec *s_missing = PROBE("/probe/missing");
  sbx_spec *s_badbind = PROBE("/probe/probe", "exit", "0");
  spec_add_mount(s_badbind, SBX_MOUNT_BIND, "/nonexistent-src", "/mnt", SBX_MNT_RO);
  sbx_spec *s_badcwd = PROBE("/probe/probe", "exit", "0");
  CHECK(sbx_spec_set_cwd(s_badcwd, "/nonexistent", NULL) == 0);
  /* A read-write bind: idmapped as root (detached trees and a mapping namespace per run). */
  sbx_spec *s_rw = PROBE("/probe/probe", "exit", "0");
  CHECK(sbx_spec_add_bind(s_rw, scratch_mkdir("leak-rw", 0755), "/rw", false, NULL) == 0);

  /* One run first, so that anything the library sets up once (caches) is in the baseline. */
  job_ran(s_ok, NULL, JOB_STDERR_OWN);

  sbx_run_options opts;
  sbx_run_options_init(&opts);
  int null = test_own_fd(open("/dev/null", O_WRONLY | O_CLOEXEC));
  caller_state before, after;
  caller_state_capture(&before);
  opts.stdout_fd = null;
  opts.stderr_fd = null;
  int failures = 0;
  char first_failure[512] = "";
  for (int i = 0; i < 200; i++) {
    const sbx_spec *s = s_ok;
    int want_r = 0, want_status = SBX_STATUS_OK;
    if (i % 10 == 1) s = s_badcwd, want_r = -1, want_status = SBX_STATUS_SETUP_ERROR;
    if (i % 10 == 3) s = s_nonzero, want_status = SBX_STATUS_EXIT_NONZERO;
    if (i % 10 == 5) s = s_killed, want_status = SBX_STATUS_SIGNALED;
    if (i % 10 == 7) s = s_missing, want_r = -1, want_status = SBX_STATUS_SETUP_ERROR;
    if (i % 10 == 9) s = s_badbind, want_r = -1, want_status = SBX_STATUS_SETUP_ERROR;
    if (i % 10 == 4) s = s_rw;
    /* Every other run forwards the caller's signals (handlers installed for the run only). */
    opts.forward_signals = i % 2 == 1;
    sbx_result res;
    memset(&res, 0, sizeof res);
    sbx_error *err = NULL;
    int r = sbx_run(s, &opts, &res, &err);
    if ((r != want_r || (int)res.status != want_status) && failures++ == 0)
      snprintf(first_failure, sizeof first_failure, "run %d: returned %d, status %d: %s", i, r,
               (int)res.status, err ? err->message : "");
    sbx_error_free(err);
    sbx_result_clear(&res);
  }
  caller_state_capture(&after);
  if (failures) TEST_FAIL("%d of 200 runs went wrong; the first: %s", failures, first_failure);
  caller_state_check_same(&before, &after);
  CHECK(sigismember(&after.mask, SIGUSR2));
  CHECK(after.act[SIGUSR1].sa_handler == on_usr1);
  CHECK(after.act[SIGHUP].sa_handler == on_usr1);
  CHECK(after.act[SIGPIPE].sa_handler == SIG_IGN);
}

/* ---- threads --------------------------------------------------------------------------------- */

/* sandbox.h: sbx_run may be called from several threads at once, each with its own spec and
 * result. Four threads run jobs with distinct exit codes and outputs at the same time as a fifth
 * allocates memory all along (fork in a threaded program must not deadlock on malloc); every
 * result is right, and the caller is left as it was. */
typedef struct thread_job {
  int index;
  int runs;
  const sbx_spec *exit_spec, *report_spec; /* the test's, made before the thread starts */
  int bad;
  char first_error[256];
} thread_job;

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
  thread_job *j = arg;
  char want[64];
  snprintf(want, sizeof want, "hostname=thread-%d\n", j->index);
  for (int i = 0; i < j->runs; i++) {
    job_run r;
    job_run_capture(&r, i % 2 == 0 ? j->exit_spec : j->report_spec, NULL, JOB_STDERR_OWN);
    bool right = i % 2 == 0 ? r.rc == 0 && r.res.status == SBX_STATUS_EXIT_NONZERO &&
                                  r.res.exit_code == 10 + j->index
                            : r.rc == 0 && r.res.status == SBX_STATUS_OK && strstr(r.out, want) &&
                                  strstr(r.out, "fd=2\n") && !strstr(r.out, "fd=3\n");
    if (!right && j->bad++ == 0)
      snprintf(j->first_error, sizeof j->first_error,
               "%s run: %d, status %d, code %d: %s; output: %.120s", i % 2 ? "report" : "exit",
               r.rc, (int)r.res.status, r.res.exit_code, job_error(&r), r.out);
    job_run_clear(&r);
  }
  return NULL;
}

/* Runs started at once from several threads, under ASan. Seen here with gcc 12's libasan: its
 * allocator does not take its size-class locks around fork, so a run forked while another
 * thread allocates inherits a held lock, and the sandbox's init deadlocks at its first
 * allocation of that size (a futex in SizeClassAllocator64LocalCache::Refill; in CI it hung
 * threads_forward_signals_two_runs until its watchdog). glibc's fork resets its own malloc
 * locks: these tests run in every build without ASan. */
#if defined(__SANITIZE_ADDRESS__)
#define SKIP_IF_ASAN_CONCURRENT_FORKS() \
  SKIP_TEST("ASan's allocator is not fork-safe under concurrent allocation (gcc 12 libasan)")
#else
#define SKIP_IF_ASAN_CONCURRENT_FORKS() ((void)0)
#endif

TEST(threads_concurrent_runs) {
  NEED_USERNS();
  SKIP_IF_ASAN_CONCURRENT_FORKS();
  thread_job jobs[4];
  for (int i = 0; i < 4; i++) {
    char code[16], host[32];
    snprintf(code, sizeof code, "%d", 10 + i);
    snprintf(host, sizeof host, "thread-%d", i);
    sbx_spec *e = PROBE("/probe/probe", "exit", code);
    sbx_spec *r = PROBE("/probe/probe", "report");
    free(e->hostname);
    free(r->hostname);
    e->hostname = xstrdup(host);
    r->hostname = xstrdup(host);
    jobs[i] = (thread_job){.index = i, .runs = 20, .exit_spec = e, .report_spec = r};
  }
  caller_state before, after;
  caller_state_capture(&before);
  pthread_t alloc, t[4];
  int started = 0, e = 0;
  stop_alloc = 0;
  bool alloc_started = (e = pthread_create(&alloc, NULL, alloc_loop, NULL)) == 0;
  for (; alloc_started && started < 4; started++)
    if ((e = pthread_create(&t[started], NULL, run_loop, &jobs[started])) != 0) break;
  for (int i = 0; i < started; i++) pthread_join(t[i], NULL);
  stop_alloc = 1;
  if (alloc_started) pthread_join(alloc, NULL);
  if (started < 4) TEST_FAIL("pthread_create: %s", strerror(e));
  caller_state_capture(&after);
  for (int i = 0; i < 4; i++)
    if (jobs[i].bad)
      TEST_FAIL("thread %d: %d bad runs; first: %s", i, jobs[i].bad, jobs[i].first_error);
  caller_state_check_same(&before, &after);
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
  NEED_USERNS();
  sbx_spec *s_ok = PROBE("/probe/probe", "exit", "5");
  sbx_spec *s_missing = PROBE("/probe/missing");
  sbx_spec *s_badbind = PROBE("/probe/probe", "exit", "5");
  spec_add_mount(s_badbind, SBX_MOUNT_BIND, "/nonexistent-src", "/mnt", SBX_MNT_RO);
  stop_forking = 0;
  pthread_t forker;
  CHECK_EQ_INT(pthread_create(&forker, NULL, fork_loop, NULL), 0);
  usleep(100000);
  double worst = 0;
  int bad = 0;
  char first[256] = "";
  for (int i = 0; i < 30; i++) {
    job_run r;
    job_run_capture(&r,
                    i % 3 == 0   ? s_ok
                    : i % 3 == 1 ? s_missing
                                 : s_badbind,
                    NULL, JOB_STDERR_OWN);
    if (r.took > worst) worst = r.took;
    bool right = i % 3 == 0 ? r.rc == 0 && r.res.exit_code == 5
                            : r.rc == -1 && r.res.status == SBX_STATUS_SETUP_ERROR;
    if (!right && bad++ == 0)
      snprintf(first, sizeof first, "run %d: %d, status %d: %s", i, r.rc, (int)r.res.status,
               job_error(&r));
    job_run_clear(&r);
  }
  stop_forking = 1;
  pthread_join(forker, NULL);
  if (bad) TEST_FAIL("%d wrong results; first: %s", bad, first);
  if (worst > 3.0) TEST_FAIL("a run took %.2f s: it waited for a forked copy of its fds", worst);
}

/* sandbox.h: with forward_signals, "the other threads block SIGINT, SIGTERM, SIGHUP and SIGQUIT;
 * when several runs forward signals at once, each signal goes to one of them." Two threads run
 * trapping jobs; each SIGTERM sent to the process ends exactly one of them. */
typedef struct fwd_job {
  const sbx_spec *spec;
  int r, status, code;
  volatile int done;
} fwd_job;

static void *fwd_loop(void *arg) {
  fwd_job *j = arg;
  sbx_run_options o;
  sbx_run_options_init(&o);
  o.forward_signals = true;
  job_run r;
  job_run_capture(&r, j->spec, &o, JOB_STDERR_OWN);
  j->r = r.rc;
  j->status = (int)r.res.status;
  j->code = r.res.exit_code;
  if (r.err) printf("# %s\n", r.err->message);
  job_run_clear(&r);
  j->done = 1;
  return NULL;
}

static sigset_t forwarded_signals(void) {
  sigset_t fwd;
  sigemptyset(&fwd);
  sigaddset(&fwd, SIGINT);
  sigaddset(&fwd, SIGTERM);
  sigaddset(&fwd, SIGHUP);
  sigaddset(&fwd, SIGQUIT);
  return fwd;
}

/* Takes a SIGTERM still pending before the test's mask is restored (it would end the program). */
static void drain_sigterm(void *arg) {
  (void)arg;
  sigset_t pending, term;
  sigpending(&pending);
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  int sig;
  if (sigismember(&pending, SIGTERM)) sigwait(&term, &sig);
}

TEST(threads_forward_signals_two_runs) {
  NEED_USERNS();
  SKIP_IF_ASAN_CONCURRENT_FORKS(); /* two runs start at once, from two threads */
  sigset_t fwd = forwarded_signals();
  caller_sigmask(SIG_BLOCK, &fwd); /* inherited by the threads */
  test_defer(drain_sigterm, NULL);
  fwd_job jobs[2];
  const char *ready[2];
  for (int i = 0; i < 2; i++) {
    char inside[64];
    snprintf(inside, sizeof inside, "/shared/ready-two-%d", i);
    sbx_spec *s = PROBE("/probe/probe", "trap", "TERM", "/tmp/caught", inside, "30");
    ready[i] = test_own(xasprintf("%s/ready-two-%d", probe_add_shared(s), i));
    jobs[i] = (fwd_job){.spec = s, .r = -2};
  }
  pthread_t t[2];
  int started = 0, e = 0;
  for (; started < 2; started++)
    if ((e = pthread_create(&t[started], NULL, fwd_loop, &jobs[started])) != 0) break;
  bool up = started == 2 && wait_for_file(ready[0], 20) && wait_for_file(ready[1], 20);
  int ended_after_first = -1;
  if (up) {
    kill(getpid(), SIGTERM);
    for (int i = 0; i < 500 && !jobs[0].done && !jobs[1].done; i++) usleep(10000);
    usleep(200000); /* a second job ending on the same signal would have ended by now */
    ended_after_first = jobs[0].done + jobs[1].done;
  }
  /* The second signal ends the other job (a job that never got one exits 3 after 30 s). */
  kill(getpid(), SIGTERM);
  for (int i = 0; i < started; i++) pthread_join(t[i], NULL);
  if (started < 2) TEST_FAIL("pthread_create: %s", strerror(e));
  sigset_t pending;
  sigpending(&pending);
  CHECK(up);
  CHECK_EQ_INT(ended_after_first, 1);
  for (int i = 0; i < 2; i++) {
    CHECK_EQ_INT(jobs[i].r, 0);
    CHECK_EQ_INT(jobs[i].status, SBX_STATUS_EXIT_NONZERO);
    CHECK_EQ_INT(jobs[i].code, 42);
  }
  CHECK(!sigismember(&pending, SIGTERM)); /* each signal went to a job */
}

RUN_TESTS()
