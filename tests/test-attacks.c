/* test-attacks: the hardening through the engine. Each attack of tests/helper/attack runs as a
 * job of sbx_run() under a stock-like seccomp policy (tests/stock-policy.h) and must be blocked;
 * real tools (gcc and make on a multi-file program, python3, sh, a program whose threads go
 * through clone3) must work under the same policy. As root and as an unprivileged user. */
#define TEST_FILE "test-attacks"
#include "harness.h"

#include "spec.h"
#include "stock-policy.h"
#include "util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char tmpdir[256];

static void cleanup_tmpdir(void) {
  if (!tmpdir[0]) return;
  char *cmd = xasprintf("rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmpdir);
  free(cmd);
}

static const char *scratch(void) {
  if (!tmpdir[0]) {
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/sbx-attacks.XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
      perror("mkdtemp");
      exit(1);
    }
    chmod(tmpdir, 0755);
    atexit(cleanup_tmpdir);
  }
  return tmpdir;
}

static char *helper_dir(void) {
  const char *b = getenv("SBX_BUILDDIR");
  char *d = xasprintf("%s/tests/helper", b ? b : "build");
  char *p = xasprintf("%s/attack", d);
  bool ok = access(p, X_OK) == 0;
  free(p);
  if (ok && d[0] != '/') {
    char *abs = realpath(d, NULL);
    free(d);
    return abs;
  }
  if (!ok) {
    free(d);
    return NULL;
  }
  return d;
}

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

/* A fresh root with the host's /usr, /proc, /dev, /tmp, and the stock-like policy. */
static sbx_spec *job_spec(void) {
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
  t->size = 256 << 20;
  spec_env_set(s, "PATH", "/usr/bin:/bin");
  spec_env_set(s, "HOME", "/tmp");
  s->limits.wall_time_us = 120 * 1000000ull;
  stock_policy_apply(s);
  return s;
}

/* Runs the spec, stdout and stderr in a memfd (returned in *out), stdin from `in` (-1: none). */
static int run_job(const sbx_spec *s, int in, sbx_result *res, char **out, char *errbuf,
                   size_t errlen) {
  sbx_run_options o;
  sbx_run_options_init(&o);
  int fd = memfd_create("job-output", MFD_CLOEXEC);
  if (fd < 0) return -2;
  o.stdout_fd = fd;
  o.stderr_fd = fd;
  o.stdin_fd = in;
  sbx_error *err = NULL;
  int r = sbx_run(s, &o, res, &err);
  if (r < 0) snprintf(errbuf, errlen, "%s", err ? err->message : "(no message)");
  sbx_error_free(err);
  off_t n = lseek(fd, 0, SEEK_END);
  *out = xcalloc(1, (size_t)n + 1);
  if (n > 0 && pread(fd, *out, (size_t)n, 0) != n) (*out)[0] = '\0';
  close(fd);
  return r;
}

static void set_args(sbx_spec *s, const char *a0, const char *a1, const char *a2) {
  const char *argv[] = {a0, a1, a2};
  size_t n = a2 ? 3 : a1 ? 2 : 1;
  if (sbx_spec_set_args(s, argv, n, NULL) < 0) abort();
}

/* ---- attacks ----------------------------------------------------------------------------------
 */

TEST(attacks_are_blocked_in_the_sandbox) {
  if (!userns_available()) SKIP_TEST("user namespaces are not available here");
  char *dir = helper_dir();
  if (!dir) SKIP_TEST("tests/helper/attack is not built");
  /* The job's stdin is a pty slave, as a terminal the sandbox was started from would be. */
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
  int slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  CHECK(slave >= 0);
  sbx_spec *s = job_spec();
  spec_add_mount(s, SBX_MOUNT_BIND, dir, "/helper", SBX_MNT_RO | SBX_MNT_NODEV);
  s->process.stdin_mode = SBX_STDIN_INHERIT;
  char failures[8192] = "";
  for (int k = 0; k < 2; k++) {
    const char *const *list = k ? stock_kill_attacks : stock_errno_attacks;
    for (size_t i = 0; list[i]; i++) {
      if (strcmp(list[i], "int80") == 0 && !host_has_int80()) continue;
      set_args(s, "/helper/attack", list[i], NULL);
      sbx_result res;
      char *out = NULL, errbuf[512] = "";
      int r = run_job(s, slave, &res, &out, errbuf, sizeof errbuf);
      for (char *c = out; *c; c++)
        if (*c == '\n') *c = ' ';
      bool ok;
      if (r < 0)
        ok = false;
      else if (k == 0)
        ok = res.status == SBX_STATUS_OK;
      else /* the bad-architecture kill of an errno policy is named too */
        ok = res.status == SBX_STATUS_FORBIDDEN_SYSCALL && res.syscall &&
             strcmp(res.syscall, strcmp(list[i], "int80") == 0 ? "getpid (x86)" : "getpid (x32)") ==
                 0;
      if (!ok) {
        size_t len = strlen(failures);
        snprintf(failures + len, sizeof failures - len, "[%s: %s, exit %d, signal %d: %s%s] ",
                 list[i], r < 0 ? "setup error" : sbx_status_name(res.status), res.exit_code,
                 res.signal, errbuf, out);
      }
      free(out);
      sbx_result_clear(&res);
    }
  }
  close(slave);
  close(master);
  sbx_spec_free(s);
  free(dir);
  if (failures[0]) TEST_FAIL("%s", failures);
}

/* With kill as the action, each denied call ends the job, and the report names the call. */
TEST(attacks_are_reported_by_name_when_killed) {
  if (!userns_available()) SKIP_TEST("user namespaces are not available here");
  char *dir = helper_dir();
  if (!dir) SKIP_TEST("tests/helper/attack is not built");
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
  int slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  CHECK(slave >= 0);
  sbx_spec *s = job_spec();
  for (size_t i = 0; i < s->seccomp.n_rules; i++) { /* the errno policy of job_spec(), redone */
    strv_free(s->seccomp.rules[i].names);
    free(s->seccomp.rules[i].args);
  }
  free(s->seccomp.rules);
  s->seccomp.rules = NULL;
  s->seccomp.n_rules = 0;
  stock_policy_apply_with(s, SBX_SECCOMP_KILL_PROCESS);
  spec_add_mount(s, SBX_MOUNT_BIND, dir, "/helper", SBX_MNT_RO | SBX_MNT_NODEV);
  s->process.stdin_mode = SBX_STDIN_INHERIT;
  char failures[8192] = "";
  for (size_t i = 0; i < ARRAY_SIZE(stock_attack_syscalls); i++) {
    if (strcmp(stock_attack_syscalls[i].attack, "int80") == 0 && !host_has_int80()) continue;
    set_args(s, "/helper/attack", stock_attack_syscalls[i].attack, NULL);
    sbx_result res;
    char *out = NULL, errbuf[512] = "";
    int r = run_job(s, slave, &res, &out, errbuf, sizeof errbuf);
    for (char *c = out; *c; c++)
      if (*c == '\n') *c = ' ';
    bool ok = r == 0 && res.status == SBX_STATUS_FORBIDDEN_SYSCALL && res.syscall &&
              strcmp(res.syscall, stock_attack_syscalls[i].syscall) == 0;
    if (!ok) {
      size_t len = strlen(failures);
      snprintf(failures + len, sizeof failures - len, "[%s: %s, syscall %s, signal %d: %s%s] ",
               stock_attack_syscalls[i].attack, r < 0 ? "setup error" : sbx_status_name(res.status),
               res.syscall ? res.syscall : "(none)", res.signal, errbuf, out);
    }
    free(out);
    sbx_result_clear(&res);
  }
  close(slave);
  close(master);
  sbx_spec_free(s);
  free(dir);
  if (failures[0]) TEST_FAIL("%s", failures);
}

/* A setuid-root copy of id in a bind-mounted directory gives the job nothing. */
TEST(setuid_binary_in_a_bind_gains_nothing) {
  if (!userns_available()) SKIP_TEST("user namespaces are not available here");
  if (geteuid() != 0) SKIP_TEST("making a setuid-root binary needs root");
  char *dir = helper_dir();
  if (!dir) SKIP_TEST("tests/helper/attack is not built");
  char *suid = xasprintf("%s/suid", scratch());
  char *cmd = xasprintf(
      "mkdir -p '%s' && cp /usr/bin/id '%s/id' && chown 0:0 '%s/id' && "
      "chmod 4755 '%s/id'",
      suid, suid, suid, suid);
  CHECK_EQ_INT(system(cmd), 0);
  free(cmd);
  sbx_spec *s = job_spec();
  spec_add_mount(s, SBX_MOUNT_BIND, dir, "/helper", SBX_MNT_RO | SBX_MNT_NODEV);
  spec_add_mount(s, SBX_MOUNT_BIND, suid, "/suid", SBX_MNT_RO);
  s->process.uid = 1000;
  s->process.gid = 1000;
  set_args(s, "/helper/attack", "setuid", "/suid/id");
  sbx_result res;
  char *out = NULL, errbuf[512] = "";
  int r = run_job(s, -1, &res, &out, errbuf, sizeof errbuf);
  if (r < 0) TEST_FAIL("setup error: %s", errbuf);
  if (res.status != SBX_STATUS_OK)
    TEST_FAIL("status %s exit %d: %s", sbx_status_name(res.status), res.exit_code, out);
  CHECK_CONTAINS(out, "blocked: its effective uid is 1000, ours is 1000");
  free(out);
  sbx_result_clear(&res);
  sbx_spec_free(s);
  free(suid);
  free(dir);
}

/* ---- real tools -------------------------------------------------------------------------------
 */

static void write_text(const char *dir, const char *name, const char *text) {
  char *p = xasprintf("%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  if (!f || fputs(text, f) < 0 || fclose(f) != 0) TEST_FAIL("writing %s: %s", p, strerror(errno));
  free(p);
}

TEST(real_tools_work_under_the_stock_policy) {
  if (!userns_available()) SKIP_TEST("user namespaces are not available here");
  if (access("/usr/bin/gcc", X_OK) < 0 || access("/usr/bin/make", X_OK) < 0 ||
      access("/usr/bin/python3", X_OK) < 0)
    SKIP_TEST("gcc, make or python3 is missing from /usr/bin");
  char *work = xasprintf("%s/work", scratch());
  CHECK(mkdir(work, 0777) == 0 || errno == EEXIST);
  CHECK(chmod(work, 0777) == 0);
  write_text(work, "util.h", "int twice(int x);\n");
  write_text(work, "util.c", "#include \"util.h\"\nint twice(int x) { return 2 * x; }\n");
  write_text(work, "main.c",
             "#include <stdio.h>\n#include \"util.h\"\n"
             "int main(void) { printf(\"twice 21 is %d\\n\", twice(21)); return 0; }\n");
  write_text(work, "Makefile",
             "prog: main.o util.o\n\tgcc -o $@ main.o util.o\n"
             "%.o: %.c util.h\n\tgcc -O2 -c -o $@ $<\n");
  /* glibc 2.34+ creates threads with clone3 and falls back to clone on ENOSYS. */
  write_text(
      work, "threads.c",
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
      "  return 0;\n}\n");
  sbx_spec *s = job_spec();
  spec_add_mount(s, SBX_MOUNT_BIND, work, "/work", 0);
  sbx_spec_set_cwd(s, "/work", NULL);
  set_args(s, "/bin/sh", "-c",
           "set -e; make -s prog && ./prog; gcc -O2 -pthread -o threads threads.c && ./threads; "
           "python3 -c 'import threading, subprocess; t = threading.Thread(target=print, "
           "args=(\"python thread\",)); t.start(); t.join(); "
           "print(subprocess.run([\"echo\", \"python subprocess\"], capture_output=True, "
           "text=True).stdout.strip())'; "
           "for i in 1 2 3; do echo $i; done | (read a; read b; read c; echo sh $a$b$c)");
  sbx_result res;
  char *out = NULL, errbuf[512] = "";
  int r = run_job(s, -1, &res, &out, errbuf, sizeof errbuf);
  if (r < 0) TEST_FAIL("setup error: %s", errbuf);
  if (res.status != SBX_STATUS_OK)
    TEST_FAIL("status %s exit %d signal %d: %s", sbx_status_name(res.status), res.exit_code,
              res.signal, out);
  CHECK_CONTAINS(out, "twice 21 is 42\n");
  CHECK_CONTAINS(out, "clone3: ENOSYS\n");
  CHECK_CONTAINS(out, "thread 42, fork 7\n");
  CHECK_CONTAINS(out, "python thread\npython subprocess\n");
  CHECK_CONTAINS(out, "sh 123\n");
  free(out);
  sbx_result_clear(&res);
  sbx_spec_free(s);
  free(work);
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
  if (!userns_available()) SKIP_TEST("user namespaces are not available here");
  if (access("/usr/bin/python3", X_OK) < 0) SKIP_TEST("python3 is missing from /usr/bin");
  /* A server on the host's 127.0.0.1, which no job may reach. */
  int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (l < 0 || bind(l, (struct sockaddr *)&a, len) < 0 || listen(l, 4) < 0 ||
      getsockname(l, (struct sockaddr *)&a, &len) < 0)
    SKIP_TEST("no host loopback to listen on");
  char port[16];
  snprintf(port, sizeof port, "%d", ntohs(a.sin_port));
  sbx_spec *s = job_spec();
  for (int mode = 0; mode < 2; mode++) {
    s->network = mode ? SBX_NET_LOOPBACK : SBX_NET_NONE;
    const char *argv[] = {"/usr/bin/python3", "-c", net_script, mode ? "loopback" : "none", port};
    CHECK(sbx_spec_set_args(s, argv, 5, NULL) == 0);
    sbx_result res;
    char *out = NULL, errbuf[512] = "";
    int r = run_job(s, -1, &res, &out, errbuf, sizeof errbuf);
    if (r < 0) TEST_FAIL("setup error: %s", errbuf);
    if (res.status != SBX_STATUS_OK)
      TEST_FAIL("status %s exit %d: %s", sbx_status_name(res.status), res.exit_code, out);
    if (mode) {
      CHECK_CONTAINS(out, "own server got ping\n");
      CHECK_CONTAINS(out, "host errno 111\n"); /* ECONNREFUSED: another namespace's loopback */
    } else {
      CHECK_CONTAINS(out, "own errno 101\n"); /* ENETUNREACH: lo is down */
      CHECK_CONTAINS(out, "host errno 101\n");
    }
    CHECK_CONTAINS(out, "interfaces lo\n");
    free(out);
    sbx_result_clear(&res);
  }
  close(l);
  sbx_spec_free(s);
}

RUN_TESTS()
