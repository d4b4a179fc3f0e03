/* test-attacks: the hardening through the engine. Each attack of tests/helper/attack runs as a
 * job of sbx_run() under the seccomp policy of the real stock profiles, loaded from profiles/ by
 * the library's loader (default: each denial answered with an errno; judge: the job killed and
 * the call named), and must be blocked; real tools (gcc and make on a multi-file program,
 * python3, sh, a program whose threads go through clone3) must work under the same policy. As
 * root and as an unprivileged user. */
#define TEST_FILE "test-attacks"
#include "harness.h"

#include "lib/attacks.h"
#include "lib/host.h"
#include "lib/jobs.h"
#include "lib/profiles.h"
#include "lib/scratch.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

__attribute__((constructor)) static void each_test(void) { host_mounts_check_each_test(); }

/* A fresh root with the host's /usr, /proc, /dev, a 256 MiB /tmp, and the seccomp policy of the
 * stock profile `profile`, as it ships. */
static sbx_spec *job_spec(const char *profile) {
  sbx_spec *s = job_host_root_spec();
  s->mounts[s->n_mounts - 1].size = 256 << 20; /* /tmp, for gcc */
  spec_env_set(s, "HOME", "/tmp");
  s->limits.wall_time_us = 120 * 1000000ull;
  sbx_spec *stock = stock_profile(profile, NULL, 0);
  sbx_seccomp mine = s->seccomp;
  s->seccomp = stock->seccomp;
  stock->seccomp = mine;
  return s;
}

/* A pty whose slave is the job's stdin, as a terminal the sandbox was started from would be;
 * returns the slave. */
static int pty_slave(void) {
  int master = test_own_fd(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
  int slave = test_own_fd(open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC));
  CHECK(slave >= 0);
  return slave;
}

/* Runs the spec with stdout and stderr in one capture, stdin from `in` (-1: the spec's). */
static job_run *run_job(const sbx_spec *s, int in) {
  sbx_run_options o;
  sbx_run_options_init(&o);
  o.stdin_fd = in;
  return job_run_spec(s, &o, JOB_STDERR_MERGED);
}

/* The output on one line, for a failure message (the test's own). */
static const char *one_line(const char *out) {
  char *c = test_own(xstrdup(out));
  for (char *p = c; *p; p++)
    if (*p == '\n') *p = ' ';
  return c;
}

static void set_args(sbx_spec *s, const char *a0, const char *a1, const char *a2) {
  job_set_args(s, (const char *const[]){a0, a1, a2, NULL});
}

/* ---- attacks ------------------------------------------------------------------------------ */

/* Runs every attack the host can make under the stock profile `profile`, the helper bound on
 * /helper/attack and the job's stdin the slave of a pty (as a terminal the sandbox was started
 * from would be). Each must be blocked: answered with an errno (the helper exits 0), or, under
 * a kill profile and for the calls through another ABI under any profile, killed with the call
 * named in the report. */
static void check_attacks(const char *profile, bool kill_profile) {
  NEED_USERNS();
  const char *helper = attack_helper();
  if (!helper) SKIP_TEST("tests/helper/attack is not built");
  int slave = pty_slave();
  sbx_spec *s = job_spec(profile);
  spec_add_mount(s, SBX_MOUNT_BIND, helper, "/helper/attack", SBX_MNT_RO | SBX_MNT_NODEV);
  s->process.stdio[SBX_STDIN].mode = SBX_STDIO_INHERIT;
  char failures[8192] = "";
  for (size_t i = 0; i < n_stock_attacks; i++) {
    const stock_attack *a = &stock_attacks[i];
    bool killed = a->foreign_abi || (kill_profile && a->syscall);
    if (!stock_attack_possible(a) || (kill_profile && !killed && !a->every_filter)) continue;
    set_args(s, "/helper/attack", a->name, NULL);
    job_run *r = run_job(s, slave);
    bool ok = r->rc == 0 && (killed ? r->res.status == SBX_STATUS_FORBIDDEN_SYSCALL &&
                                          r->res.syscall && strcmp(r->res.syscall, a->syscall) == 0
                                    : r->res.status == SBX_STATUS_OK);
    if (!ok) {
      size_t len = strlen(failures);
      snprintf(failures + len, sizeof failures - len,
               "[%s: %s, exit %d, signal %d, syscall %s: %s%s] ", a->name,
               r->rc < 0 ? "setup error" : sbx_status_name(r->res.status), r->res.exit_code,
               r->res.signal, r->res.syscall ? r->res.syscall : "(none)",
               r->rc < 0 ? job_error(r) : "", one_line(r->out));
    }
  }
  if (failures[0]) TEST_FAIL("%s", failures);
}

/* Under the default profile each attack fails with an errno; those made through another ABI are
 * killed, and the report names the call. */
TEST(attacks_are_blocked_in_the_sandbox) { check_attacks("default", false); }

/* Under the judge profile (deny_action kill_process) each denied call ends the job, and the
 * report names the call. */
TEST(attacks_are_reported_by_name_when_killed) { check_attacks("judge", true); }

/* A setuid-root copy of id in a bind-mounted directory gives the job nothing. */
TEST(setuid_binary_in_a_bind_gains_nothing) {
  NEED_USERNS();
  if (geteuid() != 0) SKIP_TEST("making a setuid-root binary needs root");
  const char *helper = attack_helper();
  if (!helper) SKIP_TEST("tests/helper/attack is not built");
  const char *suid = scratch_mkdir("suid", 0755);
  scratch_copy("suid/id", "/usr/bin/id", 04755); /* root's, as the tests run as root */
  sbx_spec *s = job_spec("default");
  spec_add_mount(s, SBX_MOUNT_BIND, helper, "/helper/attack", SBX_MNT_RO | SBX_MNT_NODEV);
  spec_add_mount(s, SBX_MOUNT_BIND, suid, "/suid", SBX_MNT_RO);
  s->process.uid = 1000;
  s->process.gid = 1000;
  set_args(s, "/helper/attack", "setuid", "/suid/id");
  job_run *r = run_job(s, -1);
  if (r->rc < 0) TEST_FAIL("setup error: %s", job_error(r));
  if (r->res.status != SBX_STATUS_OK)
    TEST_FAIL("status %s exit %d: %s", sbx_status_name(r->res.status), r->res.exit_code, r->out);
  CHECK_CONTAINS(r->out, "blocked: its effective uid is 1000, ours is 1000");
}

/* ---- real tools -------------------------------------------------------------------------------
 */

TEST(real_tools_work_under_the_stock_policy) {
  NEED_USERNS();
  if (access("/usr/bin/gcc", X_OK) < 0 || access("/usr/bin/make", X_OK) < 0 ||
      access("/usr/bin/python3", X_OK) < 0)
    SKIP_TEST("gcc, make or python3 is missing from /usr/bin");
  const char *work = scratch_mkdir("work", 0777); /* as root the job is host uid 65534 */
  scratch_write("work/util.h", "int twice(int x);\n", 0644);
  scratch_write("work/util.c", "#include \"util.h\"\nint twice(int x) { return 2 * x; }\n", 0644);
  scratch_write("work/main.c",
                "#include <stdio.h>\n#include \"util.h\"\n"
                "int main(void) { printf(\"twice 21 is %d\\n\", twice(21)); return 0; }\n",
                0644);
  scratch_write("work/Makefile",
                "prog: main.o util.o\n\tgcc -o $@ main.o util.o\n"
                "%.o: %.c util.h\n\tgcc -O2 -c -o $@ $<\n",
                0644);
  /* glibc 2.34+ creates threads with clone3 and falls back to clone on ENOSYS. */
  scratch_write(
      "work/threads.c",
      "#include <errno.h>\n#include <linux/sched.h>\n#include <pthread.h>\n"
      "#include <signal.h>\n#include <stdio.h>\n#include <string.h>\n"
      "#include <sys/syscall.h>\n#include <sys/wait.h>\n#include <unistd.h>\n"
      "static void *run(void *a) { return a; }\n"
      "int main(void) {\n"
      "  struct clone_args ca; memset(&ca, 0, sizeof ca); ca.exit_signal = SIGCHLD;\n"
      "  long r = syscall(SYS_clone3, &ca, sizeof ca);\n"
      "  if (r == 0) _exit(0);\n"
      "  printf(\"clone3: %s\\n\", r < 0 && errno == ENOSYS ? \"ENOSYS\" : \"not ENOSYS\");\n"
      "  pthread_t t; void *v;\n"
      "  if (pthread_create(&t, NULL, run, (void *)42) != 0) return 1;\n"
      "  pthread_join(t, &v);\n"
      "  pid_t p = fork(); if (p == 0) _exit(7);\n"
      "  int st; waitpid(p, &st, 0);\n"
      "  printf(\"thread %ld, fork %d\\n\", (long)v, WEXITSTATUS(st));\n"
      "  return 0;\n}\n",
      0644);
  sbx_spec *s = job_spec("default");
  spec_add_mount(s, SBX_MOUNT_BIND, work, "/work", 0);
  sbx_spec_set_cwd(s, "/work", NULL);
  set_args(s, "/bin/sh", "-c",
           "set -e; make -s prog && ./prog; gcc -O2 -pthread -o threads threads.c && ./threads; "
           "python3 -c 'import threading, subprocess; t = threading.Thread(target=print, "
           "args=(\"python thread\",)); t.start(); t.join(); "
           "print(subprocess.run([\"echo\", \"python subprocess\"], capture_output=True, "
           "text=True).stdout.strip())'; "
           "for i in 1 2 3; do echo $i; done | (read a; read b; read c; echo sh $a$b$c)");
  job_run *r = run_job(s, -1);
  if (r->rc < 0) TEST_FAIL("setup error: %s", job_error(r));
  if (r->res.status != SBX_STATUS_OK)
    TEST_FAIL("status %s exit %d signal %d: %s", sbx_status_name(r->res.status), r->res.exit_code,
              r->res.signal, r->out);
  CHECK_CONTAINS(r->out, "twice 21 is 42\n");
  CHECK_CONTAINS(r->out, "clone3: ENOSYS\n");
  CHECK_CONTAINS(r->out, "thread 42, fork 7\n");
  CHECK_CONTAINS(r->out, "python thread\npython subprocess\n");
  CHECK_CONTAINS(r->out, "sh 123\n");
}

/* ---- network -------------------------------------------------------------------------------- */

static const char net_script[] =
    "import socket, sys\n"
    "def attempt(port):\n"
    "    c = socket.socket()\n"
    "    c.settimeout(5)\n"
    "    try:\n"
    "        c.connect(('127.0.0.1', port))\n"
    "        return 'connected'\n"
    "    except OSError as e:\n"
    "        return 'errno %d' % e.errno\n"
    "if sys.argv[1] == 'loopback':\n"
    "    l = socket.socket()\n"
    "    l.bind(('127.0.0.1', 0))\n"
    "    l.listen(1)\n"
    "    c = socket.create_connection(('127.0.0.1', l.getsockname()[1]))\n"
    "    s, _ = l.accept()\n"
    "    c.sendall(b'ping')\n"
    "    print('own server got', s.recv(4).decode())\n"
    "else:\n"
    "    print('own', attempt(9))\n"
    "print('host', attempt(int(sys.argv[2])))\n"
    "print('interfaces', ' '.join(sorted(n for i, n in socket.if_nameindex())))\n";

TEST(network_loopback_and_none) {
  NEED_USERNS();
  if (access("/usr/bin/python3", X_OK) < 0) SKIP_TEST("python3 is missing from /usr/bin");
  /* A server on the host's 127.0.0.1, which no job may reach. */
  int l = test_own_fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (l < 0 || bind(l, (struct sockaddr *)&a, len) < 0 || listen(l, 4) < 0 ||
      getsockname(l, (struct sockaddr *)&a, &len) < 0)
    SKIP_TEST("no host loopback to listen on");
  char port[16];
  snprintf(port, sizeof port, "%d", ntohs(a.sin_port));
  sbx_spec *s = job_spec("default");
  for (int mode = 0; mode < 2; mode++) {
    s->network = mode ? SBX_NET_LOOPBACK : SBX_NET_NONE;
    job_set_args(s, (const char *const[]){"/usr/bin/python3", "-c", net_script,
                                          mode ? "loopback" : "none", port, NULL});
    job_run *r = run_job(s, -1);
    if (r->rc < 0) TEST_FAIL("setup error: %s", job_error(r));
    if (r->res.status != SBX_STATUS_OK)
      TEST_FAIL("status %s exit %d: %s", sbx_status_name(r->res.status), r->res.exit_code, r->out);
    const char *out = r->out;
    if (mode) {
      CHECK_CONTAINS(out, "own server got ping\n");
      CHECK_CONTAINS(out, "host errno 111\n"); /* ECONNREFUSED: another namespace's loopback */
    } else {
      CHECK_CONTAINS(out, "own errno 101\n"); /* ENETUNREACH: lo is down */
      CHECK_CONTAINS(out, "host errno 101\n");
    }
    CHECK_CONTAINS(out, "interfaces lo\n");
  }
}

RUN_TESTS()
