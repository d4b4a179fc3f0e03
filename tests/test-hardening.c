/* test-hardening: seccomp filters, capabilities, no_new_privs and the loopback, each tried in a
 * forked child (fork, set up, try, report through the exit status); the attacks of
 * tests/helper/attack under the filter of the real default profile (profiles/default.yaml), with
 * the job's hardening but without the engine. */
#define TEST_FILE "test-hardening"
#include "harness.h"

#include "channel.h"
#include "hardening.h"
#include "lib/attacks.h"
#include "lib/jobs.h"
#include "lib/profiles.h"
#include "lib/scratch.h"
#include "util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/audit.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
/* spec.h declares its own caps_from_name/caps_to_name (capability names of the spec), which clash
 * with libcap's; libcap's are not used here, so its declarations are renamed away. */
#define caps_from_name libcap_cap_from_name
#define caps_to_name   libcap_cap_to_name
#include <sys/capability.h>
#undef caps_from_name
#undef caps_to_name
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <time.h>

/* Exit codes of the children. */
enum { C_OK = 0, C_SKIP = 77, C_SETUP = 78 };

/* Runs fn(arg) in a child and returns its wait status. The child dies after 20 s. */
static int in_child(int (*fn)(void *), void *arg) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) TEST_FAIL("fork: %s", strerror(errno));
  if (pid == 0) {
    alarm(20);
    _exit(fn(arg));
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) TEST_FAIL("waitpid: %s", strerror(errno));
  return st;
}

#define CHECK_EXITED_OK(st)                                                                      \
  do {                                                                                           \
    int s_ = (st);                                                                               \
    if (WIFEXITED(s_) && WEXITSTATUS(s_) == C_SKIP) SKIP_TEST("the kernel refused a namespace"); \
    if (!WIFEXITED(s_) || WEXITSTATUS(s_) != 0)                                                  \
      TEST_FAIL("child: %s %d", WIFEXITED(s_) ? "exit status" : "killed by signal",              \
                WIFEXITED(s_) ? WEXITSTATUS(s_) : WTERMSIG(s_));                                 \
  } while (0)

static sbx_spec *policy(sbx_seccomp_action def, uint32_t def_errno) {
  sbx_spec *s = spec_new();
  s->seccomp.enabled = true;
  s->seccomp.default_action = def;
  s->seccomp.default_errno = def_errno;
  return s;
}

static sbx_seccomp_rule *rule(sbx_spec *s, sbx_seccomp_action a, uint32_t e, const char *name) {
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, a, e);
  spec_rule_add_name(r, name);
  return r;
}

static sc_filter *build_ok(sbx_spec *s) {
  sc_filter *f = NULL;
  sbx_error *err = NULL;
  if (sc_filter_build(&s->seccomp, &f, &err) < 0)
    TEST_FAIL("sc_filter_build: %s", own_error(err)->message);
  if (!f) TEST_FAIL("sc_filter_build gave no filter");
  return f;
}

/* In the child: no_new_privs + the filter. */
static int child_install(const sc_filter *f) {
  sbx_error *err = NULL;
  if (set_no_new_privs(&err) < 0 || sc_filter_install(f, &err) < 0) {
    fprintf(stderr, "child: %s\n", err->message);
    return C_SETUP;
  }
  return 0;
}

/* The expected outcome of one syscall: returns 0 when `rc`/errno match. */
static int expect_errno(long rc, int want) {
  int e = errno;
  if (rc != -1) return 10;
  return e == want ? 0 : 100 + (e % 100);
}

/* ---- seccomp: actions --------------------------------------------------------------------- */

static int child_deny(void *p) {
  if (child_install(p)) return C_SETUP;
  /* mount is denied with EPERM; getppid, which never fails, with EXDEV: proof of the filter. */
  int r;
  if ((r = expect_errno(mount("none", "/nonexistent-sbx", "tmpfs", 0, NULL), EPERM))) return r;
  if ((r = expect_errno(syscall(SYS_getppid), EXDEV))) return 20 + r;
  if (syscall(SYS_getpid) <= 0) return 30; /* the rest is allowed */
  return 0;
}

TEST(seccomp_deny_errno) {
  sbx_spec *s = policy(SBX_SECCOMP_ALLOW, 0);
  rule(s, SBX_SECCOMP_ERRNO, EPERM, "mount");
  rule(s, SBX_SECCOMP_ERRNO, EXDEV, "getppid");
  sc_filter *f = build_ok(s);
  CHECK_EXITED_OK(in_child(child_deny, f));
  sc_filter_free(f);
  sbx_spec_free(s);
}

static int child_getppid(void *p) {
  if (child_install(p)) return C_SETUP;
  syscall(SYS_getppid);
  return 0;
}

TEST(seccomp_kill_sigsys) {
  for (int a = 0; a < 2; a++) {
    sbx_spec *s = policy(SBX_SECCOMP_ALLOW, 0);
    rule(s, a ? SBX_SECCOMP_KILL : SBX_SECCOMP_KILL_PROCESS, 0, "getppid");
    sc_filter *f = build_ok(s);
    int st = in_child(child_getppid, f);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
      TEST_FAIL("action %s: child status 0x%x, expected death by SIGSYS",
                a ? "kill" : "kill_process", st);
    sc_filter_free(f);
    sbx_spec_free(s);
  }
}

static volatile sig_atomic_t trapped;
static char trapped_name[64];
static void on_sigsys(int sig, siginfo_t *si, void *uc) {
  (void)sig, (void)uc;
  /* (Not async-signal-safe, but this test's child does nothing else meanwhile.) */
  char *n = sc_siginfo_syscall_name(si);
  snprintf(trapped_name, sizeof trapped_name, "%s", n ? n : "(none)");
  free(n);
  trapped = 1;
}

static int child_trap(void *p) {
  struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
  if (sigaction(SIGSYS, &sa, NULL) < 0) return C_SETUP;
  if (child_install(p)) return C_SETUP;
  long rc = syscall(SYS_getppid);
  if (!trapped) return 1;
  if (rc != -1 && rc != -ENOSYS && rc != 0) { /* TRAP skips the call; the return is ENOSYS */
  }
  return strcmp(trapped_name, "getppid") == 0 ? 0 : 2;
}

TEST(seccomp_trap_names_the_syscall) {
  sbx_spec *s = policy(SBX_SECCOMP_ALLOW, 0);
  rule(s, SBX_SECCOMP_TRAP, 0, "getppid");
  sc_filter *f = build_ok(s);
  CHECK_EXITED_OK(in_child(child_trap, f));
  sc_filter_free(f);
  sbx_spec_free(s);
}

/* ---- seccomp: argument rules -------------------------------------------------------------- */

static int child_socket(void *p) {
  if (child_install(p)) return C_SETUP;
  int r;
  if ((r = expect_errno(socket(AF_PACKET, SOCK_RAW, 0), EACCES))) return r;
  /* The kernel reads the family as an int: high bits must not get past a masked rule. */
  if ((r = expect_errno(syscall(SYS_socket, (1ul << 32) | AF_PACKET, SOCK_RAW, 0), EACCES)))
    return 20 + r;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return 40;
  close(fd);
  return 0;
}

TEST(seccomp_arg_socket_af_packet) {
  sbx_spec *s = policy(SBX_SECCOMP_ALLOW, 0);
  sbx_seccomp_rule *r = rule(s, SBX_SECCOMP_ERRNO, EACCES, "socket");
  spec_rule_add_arg(r, 0, SBX_OP_MASKED_EQ, 0xffffffffu, AF_PACKET);
  sc_filter *f = build_ok(s);
  CHECK_EXITED_OK(in_child(child_socket, f));
  sc_filter_free(f);
  sbx_spec_free(s);
}

static int child_tiocsti(void *p) {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) return C_SETUP;
  int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
  if (slave < 0) return C_SETUP;
  if (child_install(p)) return C_SETUP;
  char c = 'x';
  int r;
  if ((r = expect_errno(ioctl(slave, TIOCSTI, &c), EPERM))) return r;
  if ((r = expect_errno(syscall(SYS_ioctl, slave, (1ul << 32) | TIOCSTI, &c), EPERM)))
    return 20 + r;
  struct termios t;
  if (tcgetattr(slave, &t) < 0) return 40; /* other ioctls work */
  return 0;
}

/* A plain == on socket's family (an int to the kernel) is compared on the lower 32 bits. */
TEST(seccomp_arg_int_compared_as_int) {
  sbx_spec *s = policy(SBX_SECCOMP_ALLOW, 0);
  sbx_seccomp_rule *r = rule(s, SBX_SECCOMP_ERRNO, EACCES, "socket");
  spec_rule_add_arg(r, 0, SBX_OP_EQ, AF_PACKET, 0);
  sc_filter *f = build_ok(s);
  CHECK_EXITED_OK(in_child(child_socket, f));
  sc_filter_free(f);
  sbx_spec_free(s);
  s = policy(SBX_SECCOMP_ALLOW, 0);
  r = rule(s, SBX_SECCOMP_ERRNO, EPERM, "ioctl");
  spec_rule_add_arg(r, 1, SBX_OP_EQ, TIOCSTI, 0);
  f = build_ok(s);
  CHECK_EXITED_OK(in_child(child_tiocsti, f));
  sc_filter_free(f);
  sbx_spec_free(s);
}

TEST(seccomp_arg_ioctl_tiocsti) {
  sbx_spec *s = policy(SBX_SECCOMP_ALLOW, 0);
  sbx_seccomp_rule *r = rule(s, SBX_SECCOMP_ERRNO, EPERM, "ioctl");
  spec_rule_add_arg(r, 1, SBX_OP_MASKED_EQ, 0xffffffffu, TIOCSTI);
  sc_filter *f = build_ok(s);
  CHECK_EXITED_OK(in_child(child_tiocsti, f));
  sc_filter_free(f);
  sbx_spec_free(s);
}

/* ---- seccomp: unknown syscalls and foreign ABIs ------------------------------------------- */

/* What a child needs after the filter, including under ASan (which may call sigaltstack,
 * futex, gettid, ...). */
static const char *const allow_basics[] = {
    "exit_group",   "exit",        "write",       "writev", "getpid",
    "rt_sigreturn", "brk",         "mmap",        "munmap", "mprotect",
    "madvise",      "sigaltstack", "gettid",      "futex",  "rt_sigprocmask",
    "rt_sigaction", "tgkill",      "sched_yield", NULL};

static sbx_spec *allow_list(sbx_seccomp_action def) {
  sbx_spec *s = policy(def, EPERM);
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, SBX_SECCOMP_ALLOW, 0);
  for (size_t i = 0; allow_basics[i]; i++) spec_rule_add_name(r, allow_basics[i]);
  return s;
}

static int child_unknown(void *p) {
  int max = sc_max_known_syscall(seccomp_arch_native());
  if (child_install(p)) return C_SETUP;
  int r;
  if ((r = expect_errno(syscall(max + 1), ENOSYS))) return r;
  if ((r = expect_errno(syscall(1000), ENOSYS))) return 20 + r;
  if (syscall(SYS_getpid) <= 0) return 40;
  return 0;
}

static int child_listed_default(void *p) {
  if (child_install(p)) return C_SETUP;
  return expect_errno(syscall(SYS_getppid), EPERM); /* known, not listed: the default */
}

TEST(seccomp_unknown_syscall_enosys) {
  sbx_spec *s = allow_list(SBX_SECCOMP_ERRNO);
  sc_filter *f = build_ok(s);
  CHECK_EXITED_OK(in_child(child_unknown, f));
  CHECK_EXITED_OK(in_child(child_listed_default, f));
  sc_filter_free(f);
  sbx_spec_free(s);
  /* With a kill default, unknown syscalls still return ENOSYS (libc falls back). */
  s = allow_list(SBX_SECCOMP_KILL_PROCESS);
  f = build_ok(s);
  CHECK_EXITED_OK(in_child(child_unknown, f));
  int st = in_child(child_listed_default, f);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
  sc_filter_free(f);
  sbx_spec_free(s);
}

/* Newer than the policy: clone3 (Linux 5.3), not named, fails with ENOSYS so that libc falls
 * back to clone; a new syscall the policy names keeps its action. */
static int child_newer_than_policy(void *p) {
  if (child_install(p)) return C_SETUP;
  int r;
  if ((r = expect_errno(syscall(SYS_clone3, NULL, 0), ENOSYS))) return r;
  if ((r = expect_errno(syscall(SYS_getppid), EPERM))) return 20 + r; /* old, not named */
  if ((r = expect_errno(syscall(SYS_io_uring_setup, 1, NULL), EXDEV))) return 40 + r;
  return 0;
}

TEST(seccomp_newer_than_policy_enosys) {
  sbx_spec *s = allow_list(SBX_SECCOMP_ERRNO);
  rule(s, SBX_SECCOMP_ERRNO, EXDEV, "io_uring_setup");
  sc_filter *f = build_ok(s);
  CHECK_EXITED_OK(in_child(child_newer_than_policy, f));
  sc_filter_free(f);
  sbx_spec_free(s);
  /* Under a kill default too: glibc's clone3 attempt must not kill every threaded program. */
  s = allow_list(SBX_SECCOMP_KILL_PROCESS);
  rule(s, SBX_SECCOMP_ERRNO, EXDEV, "io_uring_setup");
  rule(s, SBX_SECCOMP_ERRNO, EPERM, "getppid");
  f = build_ok(s);
  CHECK_EXITED_OK(in_child(child_newer_than_policy, f));
  sc_filter_free(f);
  sbx_spec_free(s);
}

static int child_x32(void *p) {
  if (child_install(p)) return C_SETUP;
#ifdef __x86_64__
  syscall(0x40000000 | 39); /* x32 getpid */
#endif
  return 0;
}

static int child_int80(void *p) {
  if (child_install(p)) return C_SETUP;
#ifdef __x86_64__
  long ret;
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(20L) /* i386 getpid */
                   : "memory", "r8", "r9", "r10", "r11");
#endif
  return 0;
}

TEST(seccomp_foreign_abi_killed) {
#ifndef __x86_64__
  SKIP_TEST("the x32 and i386 entry points exist on x86_64 only");
#endif
  sbx_spec *s = policy(SBX_SECCOMP_ALLOW, 0);
  rule(s, SBX_SECCOMP_ERRNO, EPERM, "mount");
  sc_filter *f = build_ok(s);
  int st = in_child(child_x32, f);
  if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
    TEST_FAIL("x32 syscall: child status 0x%x, expected death by SIGSYS", st);
  if (host_has_int80()) { /* else int 0x80 faults before seccomp: nothing to close */
    st = in_child(child_int80, f);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
      TEST_FAIL("int 0x80: child status 0x%x, expected death by SIGSYS", st);
  }
  sc_filter_free(f);
  sbx_spec_free(s);
}

TEST(seccomp_syscall_names) {
  char *n;
  CHECK(sc_max_known_syscall(seccomp_arch_native()) >= 435); /* clone3 */
  n = sc_syscall_name(0, SYS_mount);
  CHECK_EQ_STR(n, "mount");
  free(n);
  n = sc_syscall_name(0, 100000);
  CHECK_EQ_STR(n, "syscall 100000");
  free(n);
#ifdef __x86_64__
  n = sc_syscall_name(AUDIT_ARCH_X86_64, 0x40000000 | 39);
  CHECK_EQ_STR(n, "getpid (x32)");
  free(n);
  n = sc_syscall_name(AUDIT_ARCH_I386, 20);
  CHECK_EQ_STR(n, "getpid (x86)");
  free(n);
#endif
  siginfo_t si = {.si_signo = SIGSEGV};
  CHECK(sc_siginfo_syscall_name(&si) == NULL);
}

/* ---- seccomp: bad policies ---------------------------------------------------------------- */

static void check_build_fails(sbx_spec *s, const char *needle) {
  sc_filter *f = NULL;
  sbx_error *err = NULL;
  int rc = sc_filter_build(&s->seccomp, &f, &err);
  sbx_spec_free(s);
  if (rc == 0) {
    sc_filter_free(f);
    TEST_FAIL("a bad policy was accepted (expected '%s')", needle);
  }
  CHECK(f == NULL);
  CHECK(own_error(err) != NULL);
  CHECK_CONTAINS(err->message, needle);
}

TEST(seccomp_bad_policies) {
  sbx_spec *s = policy(SBX_SECCOMP_ALLOW, 0);
  rule(s, SBX_SECCOMP_ERRNO, EPERM, "no_such_syscall");
  check_build_fails(s, "'no_such_syscall' is unknown");

  s = policy(SBX_SECCOMP_ALLOW, 0);
  rule(s, SBX_SECCOMP_ERRNO, 5000, "mount");
  check_build_fails(s, "errno 5000");

  s = policy(SBX_SECCOMP_ALLOW, 0);
  strv_push(&s->seccomp.architectures, &s->seccomp.n_architectures, "SCMP_ARCH_PDP11");
  check_build_fails(s, "unknown architecture 'SCMP_ARCH_PDP11'");

  s = policy(SBX_SECCOMP_ALLOW, 0);
  spec_rule_add_arg(rule(s, SBX_SECCOMP_ERRNO, EPERM, "socket"), 7, SBX_OP_EQ, 1, 0);
  check_build_fails(s, "argument index 7");

  s = policy(SBX_SECCOMP_ALLOW, 0);
  rule(s, SBX_SECCOMP_ERRNO, EPERM, "mount")->action = (sbx_seccomp_action)99;
  check_build_fails(s, "unknown action");

  /* Not errors: an unknown name in an allow rule; a rule with the default action. */
  s = allow_list(SBX_SECCOMP_ERRNO);
  rule(s, SBX_SECCOMP_ALLOW, 0, "no_such_syscall");
  rule(s, SBX_SECCOMP_ERRNO, EPERM, "mount");
  sc_filter *f = build_ok(s);
  sc_filter_free(f);
  sbx_spec_free(s);

  /* Names libseccomp knows only for other architectures (vm86, on x86_64) are no error in a
   * deny-list: there is nothing to deny on this one. */
  s = policy(SBX_SECCOMP_ALLOW, 0);
  sbx_seccomp_rule *multi = rule(s, SBX_SECCOMP_ERRNO, EPERM, "vm86");
  spec_rule_add_name(multi, "break");
  spec_rule_add_name(multi, "pciconfig_read");
  spec_rule_add_name(multi, "mount");
  f = build_ok(s);
  sc_filter_free(f);
  sbx_spec_free(s);

  /* A condition of an allow rule on the file mode cannot be kept apart from the engine's
   * setuid rule; a deny rule's can (the call is denied either way). */
  s = policy(SBX_SECCOMP_KILL_PROCESS, 0);
  spec_rule_add_arg(rule(s, SBX_SECCOMP_ALLOW, 0, "chmod"), 1, SBX_OP_MASKED_EQ, 0777, 0755);
  check_build_fails(s, "syscall 'chmod': a condition on argument 1 (the file mode) cannot be");
  s = policy(SBX_SECCOMP_ALLOW, 0);
  spec_rule_add_arg(rule(s, SBX_SECCOMP_ERRNO, EACCES, "chmod"), 1, SBX_OP_EQ, 0700, 0);
  sc_filter_free(build_ok(s));
  sbx_spec_free(s);

  /* Installing NULL does nothing. */
  CHECK_EQ_INT(sc_filter_install(NULL, NULL), 0);
}

/* ---- seccomp: the rules of every filter (sandbox/seccomp-fixed.c) -------------------------- */

/* In the child, under the filter: no setuid or setgid mode through any call that sets one, no
 * extended attribute written, openat2 ENOSYS; the same calls without the bits work. */
typedef struct fixed_case {
  const sc_filter *f;
  const char *dir;
} fixed_case;

static int child_fixed(void *p) {
  const fixed_case *c = p;
  if (chdir(c->dir) < 0) return C_SETUP;
  unlink("f");
  unlink("g");
  unlink("p");
  int fd = open("f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return C_SETUP;
  if (child_install(c->f)) return C_SETUP;
  int r;
  if ((r = expect_errno(syscall(SYS_chmod, "f", 04755), EPERM))) return r;
  if ((r = expect_errno(syscall(SYS_chmod, "f", 02755), EPERM))) return 10 + r;
  /* Bits above the kernel's 16-bit mode change nothing. */
  if ((r = expect_errno(syscall(SYS_chmod, "f", (1ul << 40) | 04755), EPERM))) return 20 + r;
  if ((r = expect_errno(syscall(SYS_fchmod, fd, 06755), EPERM))) return 30 + r;
  if ((r = expect_errno(syscall(SYS_fchmodat, AT_FDCWD, "f", 04700, 0), EPERM))) return 40 + r;
  /* fchmodat2: EPERM, or ENOSYS where the policy is older than the call (glibc falls back). */
  long rc = syscall(452, AT_FDCWD, "f", 04755, 0);
  if (rc != -1 || (errno != EPERM && errno != ENOSYS)) return 50;
  if ((r = expect_errno(syscall(SYS_open, "g", O_CREAT | O_WRONLY, 04755), EPERM))) return 60 + r;
  if ((r = expect_errno(syscall(SYS_openat, AT_FDCWD, "g", O_CREAT | O_WRONLY, 02755), EPERM)))
    return 70 + r;
  if ((r = expect_errno(syscall(SYS_creat, "g", 04755), EPERM))) return 80 + r;
  if ((r = expect_errno(syscall(SYS_mknod, "p", S_IFIFO | 02644, 0), EPERM))) return 90 + r;
  if ((r = expect_errno(syscall(SYS_mknodat, AT_FDCWD, "p", S_IFIFO | 04644, 0), EPERM)))
    return 100 + r;
  static const char cap[20] = {0, 0, 0, 2}; /* VFS_CAP_REVISION_2 */
  if ((r = expect_errno(syscall(SYS_setxattr, "f", "security.capability", cap, sizeof cap, 0),
                        EOPNOTSUPP)))
    return 110 + r;
  if ((r = expect_errno(syscall(SYS_lsetxattr, "f", "user.x", "1", 1, 0), EOPNOTSUPP)))
    return 120 + r;
  if ((r = expect_errno(syscall(SYS_fsetxattr, fd, "trusted.x", "1", 1, 0), EOPNOTSUPP)))
    return 130 + r;
  rc = syscall(463, AT_FDCWD, "f", 0, "user.x", NULL, 0); /* setxattrat */
  if (rc != -1 || (errno != EOPNOTSUPP && errno != ENOSYS)) return 140;
  struct {
    uint64_t flags, mode, resolve;
  } how = {O_RDONLY, 0, 0};
  if ((r = expect_errno(syscall(SYS_openat2, AT_FDCWD, "f", &how, sizeof how), ENOSYS)))
    return 150 + r;
  /* No io_uring, whose operations would not pass the filter. */
  char params[120] = {0};
  if ((r = expect_errno(syscall(SYS_io_uring_setup, 4, params), ENOSYS))) return 190 + r;
  /* Without the bits: allowed. */
  if (syscall(SYS_chmod, "f", 0755) != 0 || syscall(SYS_fchmod, fd, 01700) != 0) return 160;
  int g = (int)syscall(SYS_openat, AT_FDCWD, "g", O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
  if (g < 0 || syscall(SYS_mknodat, AT_FDCWD, "p", S_IFIFO | 0644, 0) != 0) return 170;
  if (syscall(SYS_removexattr, "f", "user.none") != -1 || errno == EPERM) return 180;
  return 0;
}

/* Policies of every shape, and none, each with its own rule for the calls concerned, which
 * libseccomp would let override a later rule for the same syscall. */
static sbx_spec *fixed_policy(int shape) {
  static const char *const file_calls[] = {
      "chmod",          "fchmod",  "fchmodat", "fchmodat2",   "open",       "openat",  "creat",
      "mknod",          "mknodat", "setxattr", "lsetxattr",   "fsetxattr",  "openat2", "close",
      "io_uring_setup", "chdir",   "unlink",   "removexattr", "exit_group", NULL};
  sbx_spec *s;
  switch (shape) {
  case 0: return spec_new(); /* seccomp disabled */
  case 1: return policy(SBX_SECCOMP_ALLOW, 0);
  case 2: s = allow_list(SBX_SECCOMP_KILL_PROCESS); break;
  case 3: s = allow_list(SBX_SECCOMP_ERRNO); break;
  default: /* a deny-list that allows them explicitly (logs them), and a conditional allow */
    s = policy(SBX_SECCOMP_ALLOW, 0);
    for (size_t i = 0; file_calls[i]; i++) rule(s, SBX_SECCOMP_LOG, 0, file_calls[i]);
    spec_rule_add_arg(rule(s, SBX_SECCOMP_ALLOW, 0, "fchmod"), 0, SBX_OP_GE, 0, 0);
    return s;
  }
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, SBX_SECCOMP_ALLOW, 0);
  for (size_t i = 0; file_calls[i]; i++) spec_rule_add_name(r, file_calls[i]);
  /* and once more with a condition on another argument */
  spec_rule_add_arg(rule(s, SBX_SECCOMP_ALLOW, 0, "chmod"), 0, SBX_OP_NE, 0, 0);
  return s;
}

TEST(seccomp_fixed_rules_in_every_filter) {
  const char *dir = scratch_dir();
  for (int shape = 0; shape < 5; shape++) {
    sbx_spec *s = fixed_policy(shape);
    sc_filter *f = NULL;
    sbx_error *err = NULL;
    if (sc_filter_build(&s->seccomp, &f, &err) < 0)
      TEST_FAIL("policy %d: %s", shape, own_error(err)->message);
    if (!f) TEST_FAIL("policy %d: no filter", shape);
    fixed_case c = {f, dir};
    int st = in_child(child_fixed, &c);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
      TEST_FAIL("policy %d: child %s %d", shape, WIFEXITED(st) ? "exit status" : "signal",
                WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    sc_filter_free(f);
    sbx_spec_free(s);
  }
}

/* A policy that denies a call of the table itself, unconditionally, keeps its own action. */
static int child_fixed_own_action(void *p) {
  if (child_install(p)) return C_SETUP;
  return expect_errno(syscall(SYS_fsetxattr, 0, "user.x", "1", 1, 0), EXDEV);
}

TEST(seccomp_fixed_rules_leave_a_policy_denial) {
  sbx_spec *s = policy(SBX_SECCOMP_ALLOW, 0);
  rule(s, SBX_SECCOMP_ERRNO, EXDEV, "fsetxattr");
  sc_filter *f = build_ok(s);
  CHECK_EXITED_OK(in_child(child_fixed_own_action, f));
  sc_filter_free(f);
  sbx_spec_free(s);
}

static int child_no_nnp(void *p) {
  sbx_error *err = NULL;
  if (sc_filter_install(p, &err) == 0) return 1;
  int ok = err->code == EACCES && strstr(err->message, "no_new_privs") != NULL;
  sbx_error_free(err);
  return ok ? 0 : 2;
}

TEST(seccomp_install_needs_nnp) {
  cap_t c = cap_get_proc();
  cap_flag_value_t v = CAP_CLEAR;
  cap_get_flag(c, CAP_SYS_ADMIN, CAP_EFFECTIVE, &v);
  cap_free(c);
  if (v == CAP_SET) SKIP_TEST("CAP_SYS_ADMIN may install a filter without no_new_privs");
  sbx_spec *s = policy(SBX_SECCOMP_ALLOW, 0);
  rule(s, SBX_SECCOMP_ERRNO, EPERM, "mount");
  sc_filter *f = build_ok(s);
  CHECK_EXITED_OK(in_child(child_no_nnp, f));
  sc_filter_free(f);
  sbx_spec_free(s);
}

/* ---- seccomp: the caches ------------------------------------------------------------------ */

static bool same_program(const sc_filter *a, const sc_filter *b) {
  size_t la, lb;
  const void *pa = sc_filter_program(a, &la), *pb = sc_filter_program(b, &lb);
  return la == lb && memcmp(pa, pb, la * 8) == 0;
}

/* The caches are the library's global state: each test that uses them starts from empty ones and
 * leaves them so, pass or fail. */
static void reset_caches(void *arg) {
  (void)arg;
  sc_cache_set_dir(NULL, NULL);
  sc_cache_clear_memory();
}

static void fresh_caches(void) {
  reset_caches(NULL);
  test_defer(reset_caches, NULL);
}

TEST(seccomp_cache_memory) {
  fresh_caches();
  sbx_spec *s = allow_list(SBX_SECCOMP_ERRNO);
  sc_filter *a = build_ok(s);
  CHECK_EQ_INT(sc_cache_last_source(), SC_FROM_COMPILE);
  sc_filter *b = build_ok(s);
  CHECK_EQ_INT(sc_cache_last_source(), SC_FROM_MEMORY);
  CHECK(same_program(a, b));
  /* A different policy is a different entry. */
  rule(s, SBX_SECCOMP_ERRNO, EACCES, "mount");
  sc_filter *c = build_ok(s);
  CHECK_EQ_INT(sc_cache_last_source(), SC_FROM_COMPILE);
  CHECK(!same_program(a, c));
  char k1[17], k2[17];
  sc_policy_key(&s->seccomp, k1);
  s->seccomp.rules[1].errno_ret = EXDEV;
  sc_policy_key(&s->seccomp, k2);
  CHECK(strcmp(k1, k2) != 0);
  sc_filter_free(a);
  sc_filter_free(b);
  sc_filter_free(c);
  sbx_spec_free(s);
}

TEST(seccomp_cache_disk) {
  fresh_caches();
  char *dir = scratch_path("xdg/sandbox/cache"); /* parents are created */
  sbx_error *err = NULL;
  CHECK_EQ_INT(sc_cache_set_dir(dir, &err), 0);
  struct stat st;
  CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);

  sbx_spec *s = allow_list(SBX_SECCOMP_ERRNO);
  rule(s, SBX_SECCOMP_KILL_PROCESS, 0, "ptrace");
  sc_filter *a = build_ok(s);
  CHECK_EQ_INT(sc_cache_last_source(), SC_FROM_COMPILE);
  sc_cache_clear_memory();
  sc_filter *b = build_ok(s);
  CHECK_EQ_INT(sc_cache_last_source(), SC_FROM_DISK);
  CHECK(same_program(a, b));
  sc_filter_free(b);

  char key[17];
  sc_policy_key(&s->seccomp, key);
  char *entry = xasprintf("%s/%s.bpf", dir, key);
  CHECK(stat(entry, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);

  /* A writable-by-others entry is not trusted. */
  CHECK(chmod(entry, 0666) == 0);
  sc_cache_clear_memory();
  b = build_ok(s);
  CHECK_EQ_INT(sc_cache_last_source(), SC_FROM_COMPILE);
  sc_filter_free(b);
  /* (the compile rewrote it, 0600) A truncated entry is not used. */
  CHECK(stat(entry, &st) == 0 && (st.st_mode & 0777) == 0600);
  CHECK(truncate(entry, st.st_size - 8) == 0);
  sc_cache_clear_memory();
  b = build_ok(s);
  CHECK_EQ_INT(sc_cache_last_source(), SC_FROM_COMPILE);
  CHECK(same_program(a, b));
  sc_filter_free(b);
  /* A symlink is not followed. */
  char *other = scratch_path("other");
  CHECK(rename(entry, other) == 0);
  CHECK(symlink(other, entry) == 0);
  sc_cache_clear_memory();
  b = build_ok(s);
  CHECK_EQ_INT(sc_cache_last_source(), SC_FROM_COMPILE);
  sc_filter_free(b);
  /* A cache directory that others can enter is refused. */
  CHECK(chmod(dir, 0755) == 0);
  CHECK(sc_cache_set_dir(NULL, NULL) == 0);
  CHECK(sc_cache_set_dir(dir, &err) < 0);
  CHECK(own_error(err) && strstr(err->message, "mode 0700"));
  CHECK(sc_cache_set_dir("relative/dir", NULL) < 0);

  sc_filter_free(a);
  sbx_spec_free(s);
  free(entry);
}

/* The per-run cache directory (sbx_run_options.seccomp_cache_dir): created, used, and when
 * unusable reported in cache_err while the build still succeeds. */
TEST(seccomp_cache_per_run_dir) {
  fresh_caches();
  char *dir = scratch_path("home/.cache/sandbox/seccomp");
  sbx_spec *s = allow_list(SBX_SECCOMP_ERRNO);
  rule(s, SBX_SECCOMP_KILL_PROCESS, 0, "bpf");
  sc_filter *f = NULL;
  sbx_error *cerr = NULL, *err = NULL;
  CHECK_EQ_INT(sc_filter_build_in(&s->seccomp, dir, &f, &cerr, &err), 0);
  CHECK(f != NULL && cerr == NULL);
  CHECK_EQ_INT(sc_cache_last_source(), SC_FROM_COMPILE);
  sc_filter_free(f);
  struct stat st;
  CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
  sc_cache_clear_memory();
  CHECK_EQ_INT(sc_filter_build_in(&s->seccomp, dir, &f, &cerr, &err), 0);
  CHECK_EQ_INT(sc_cache_last_source(), SC_FROM_DISK);
  sc_filter_free(f);
  /* The global directory (none set) plays no part. */
  sc_cache_clear_memory();
  CHECK_EQ_INT(sc_filter_build_in(&s->seccomp, NULL, &f, &cerr, &err), 0);
  CHECK_EQ_INT(sc_cache_last_source(), SC_FROM_COMPILE);
  sc_filter_free(f);
  /* Unusable directories: the filter is compiled, and cache_err says why. */
  CHECK(chmod(dir, 0770) == 0);
  sc_cache_clear_memory();
  CHECK_EQ_INT(sc_filter_build_in(&s->seccomp, dir, &f, &cerr, &err), 0);
  CHECK(f != NULL && err == NULL);
  CHECK_EQ_INT(sc_cache_last_source(), SC_FROM_COMPILE);
  CHECK(cerr && strstr(cerr->message, "mode 0700"));
  sbx_error_free(cerr);
  cerr = NULL;
  sc_filter_free(f);
  sc_cache_clear_memory();
  CHECK_EQ_INT(sc_filter_build_in(&s->seccomp, "relative/dir", &f, &cerr, &err), 0);
  CHECK(f != NULL && cerr && strstr(cerr->message, "not an absolute path"));
  sbx_error_free(cerr);
  sc_filter_free(f);
  sbx_spec_free(s);
}

static int enter_userns(int extra);
static int write_file(const char *path, const char *text);

/* ---- forbidden-syscall reporting (user notification, under a pid namespace) ---------------- */

#define HANDOFF_FD 100

typedef struct notify_case {
  sc_filter *variant;
  int attack; /* 0 getppid, 1 x32 getpid, 2 int 0x80 getpid */
  const char *want;
} notify_case;

static int job_attack(notify_case *nc, int sock) {
  if (dup2(sock, HANDOFF_FD) < 0) return C_SETUP;
  sbx_error *err = NULL;
  int l = -1;
  if (set_no_new_privs(&err) < 0 || sc_filter_install_listener(nc->variant, &l, &err) < 0 ||
      chan_send_listener(HANDOFF_FD, l, &err) < 0) {
    fprintf(stderr, "job: %s\n", err->message);
    return C_SETUP;
  }
  if (nc->attack == 0) syscall(SYS_getppid);
#ifdef __x86_64__
  if (nc->attack == 1) syscall(0x40000000 | 39);
  if (nc->attack == 2) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
  }
#endif
  return 3; /* the forbidden call returned: it should have blocked until killed */
}

/* pid 1 of a new pid namespace, as the engine's init. */
static int notify_init(notify_case *nc) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return C_SETUP;
  pid_t job = fork();
  if (job < 0) return C_SETUP;
  if (job == 0) _exit(job_attack(nc, sv[1]));
  close(sv[1]);
  sbx_error *err = NULL;
  int l;
  uint32_t arch;
  int nr, pid;
  if (chan_recv_listener(sv[0], &l, &err) < 0 || sc_notify_next(l, &arch, &nr, &pid, &err) < 0) {
    fprintf(stderr, "init: %s\n", err->message);
    return 4;
  }
  if (pid != job) return 5;
  kill(-1, SIGKILL); /* every process of the namespace but init */
  int st;
  if (waitpid(job, &st, 0) != job || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) return 6;
  char *name = sc_syscall_name(arch, nr);
  int ok = strcmp(name, nc->want) == 0;
  if (!ok) fprintf(stderr, "init: got '%s', expected '%s'\n", name, nc->want);
  free(name);
  return ok ? 0 : 7;
}

static int child_notify(void *p) {
  int r = enter_userns(CLONE_NEWPID);
  if (r) return r;
  pid_t init = fork();
  if (init < 0) return C_SETUP;
  if (init == 0) _exit(notify_init(p));
  int st;
  if (waitpid(init, &st, 0) != init) return C_SETUP;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

TEST(seccomp_forbidden_syscall_named_under_pidns) {
  sbx_spec *s = policy(SBX_SECCOMP_ALLOW, 0);
  rule(s, SBX_SECCOMP_KILL_PROCESS, 0, "getppid");
  rule(s, SBX_SECCOMP_KILL_PROCESS, 0, "sendmsg"); /* the hand-off still works */
  sc_filter *f = build_ok(s);
  sc_filter *v = sc_filter_notify_variant(f, HANDOFF_FD);
  CHECK(v != NULL);
  notify_case cases[] = {{v, 0, "getppid"}, {v, 1, "getpid (x32)"}, {v, 2, "getpid (x86)"}};
  size_t n = 1;
#ifdef __x86_64__
  n = 3;
#endif
  for (size_t i = 0; i < n; i++) {
    if (cases[i].attack == 2 && !host_has_int80()) continue;
    int st = in_child(child_notify, &cases[i]);
    if (WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != C_SKIP)
      TEST_FAIL("case '%s': status %d", cases[i].want, WEXITSTATUS(st));
    CHECK_EXITED_OK(st);
  }
  sc_filter_free(v);
  sc_filter_free(f);
  sbx_spec_free(s);
}

static int child_listener_lost(void *p) {
  sbx_error *err = NULL;
  int l = -1;
  if (set_no_new_privs(&err) < 0 || sc_filter_install_listener(p, &l, &err) < 0) return C_SETUP;
  close(l); /* the supervisor is gone */
  return expect_errno(syscall(SYS_getppid), ENOSYS);
}

TEST(seccomp_notify_without_supervisor_still_denies) {
  sbx_spec *s = policy(SBX_SECCOMP_ALLOW, 0);
  rule(s, SBX_SECCOMP_KILL_PROCESS, 0, "getppid");
  sc_filter *f = build_ok(s);
  sc_filter *v = sc_filter_notify_variant(f, HANDOFF_FD);
  CHECK_EXITED_OK(in_child(child_listener_lost, v));
  sc_filter_free(v);
  sc_filter_free(f);
  sbx_spec_free(s);
}

/* ---- capabilities and no_new_privs -------------------------------------------------------- */

/* Reads "Name:\t<hex>" from /proc/self/status; -1 when absent. */
static long long status_field(const char *name) {
  FILE *f = fopen("/proc/self/status", "re");
  if (!f) return -1;
  char line[256];
  long long v = -1;
  size_t n = strlen(name);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, name, n) == 0 && line[n] == ':') {
      v = strtoll(line + n + 1, NULL,
                  strcmp(name, "NoNewPrivs") == 0 || strcmp(name, "Seccomp") == 0 ? 10 : 16);
      break;
    }
  fclose(f);
  return v;
}

static int enter_userns(int extra) {
  if (unshare(CLONE_NEWUSER | extra) < 0) {
    if (errno == EPERM || errno == EINVAL || errno == ENOSPC || errno == EACCES) return C_SKIP;
    return C_SETUP;
  }
  return 0;
}

static int child_caps(void *p) {
  uint64_t keep = *(uint64_t *)p;
  int r = enter_userns(0);
  if (r) return r;
  sbx_error *err = NULL;
  if (caps_drop(keep, &err) < 0) {
    fprintf(stderr, "caps_drop: %s\n", err->message);
    return 1;
  }
  const char *sets[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
  for (int i = 0; i < 5; i++)
    if (status_field(sets[i]) != (long long)keep) return 10 + i;
  return 0;
}

TEST(caps_drop_all_in_userns) {
  uint64_t keep = 0;
  CHECK_EXITED_OK(in_child(child_caps, &keep));
}

TEST(caps_keep_one) {
  uint64_t keep = UINT64_C(1) << CAP_NET_BIND_SERVICE;
  CHECK_EXITED_OK(in_child(child_caps, &keep));
}

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* As the engine does for a job with a non-zero uid: PR_SET_KEEPCAPS, the uid switch, then
 * caps_drop. A kept capability must survive execve through the ambient set. */
static int caps_uid1000_job(int out, int ready, int go) {
  if (unshare(CLONE_NEWUSER) < 0) return C_SKIP;
  char c = 'r';
  if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1 || c != 'g') return C_SETUP;
  if (setresgid(1000, 1000, 1000) < 0 || prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
      setresuid(1000, 1000, 1000) < 0)
    return C_SETUP;
  sbx_error *err = NULL;
  if (caps_drop(UINT64_C(1) << CAP_NET_BIND_SERVICE, &err) < 0) {
    fprintf(stderr, "caps_drop: %s\n", err->message);
    return 1;
  }
  if (dup2(out, 1) < 0) return C_SETUP;
  execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
  return 127;
}

/* The parent writes the job's id maps (a range needs CAP_SETUID in the parent namespace). */
static int child_caps_uid1000(void *p) {
  int *pipefd = p;
  int ready[2], go[2];
  if (pipe(ready) < 0 || pipe(go) < 0) return C_SETUP;
  pid_t pid = fork();
  if (pid < 0) return C_SETUP;
  if (pid == 0) _exit(caps_uid1000_job(pipefd[1], ready[1], go[0]));
  close(ready[1]);
  char c = 0;
  int rc = C_SETUP;
  if (read(ready[0], &c, 1) == 1) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
    int ok = write_file(path, "0 100000 2000\n") == 0;
    snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
    ok = ok && write_file(path, "0 100000 2000\n") == 0;
    c = ok ? 'g' : 'x';
    if (write(go[1], &c, 1) != 1) ok = 0;
    rc = ok ? 0 : C_SETUP;
  }
  int st;
  waitpid(pid, &st, 0);
  if (WIFEXITED(st) && WEXITSTATUS(st) == C_SKIP) return C_SKIP;
  if (rc) return rc;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

TEST(caps_keep_after_uid_switch_survives_exec) {
  if (geteuid() != 0) SKIP_TEST("mapping a range of ids needs root");
  int pipefd[2];
  CHECK(pipe2(pipefd, O_CLOEXEC) == 0);
  int st = in_child(child_caps_uid1000, pipefd);
  close(pipefd[1]);
  char out[8192];
  ssize_t n = read(pipefd[0], out, sizeof out - 1);
  close(pipefd[0]);
  CHECK_EXITED_OK(st);
  CHECK(n > 0);
  out[n] = 0;
  CHECK_CONTAINS(out, "Uid:\t1000\t1000\t1000\t1000");
  CHECK_CONTAINS(out, "CapPrm:\t0000000000000400");
  CHECK_CONTAINS(out, "CapEff:\t0000000000000400");
  CHECK_CONTAINS(out, "CapBnd:\t0000000000000400");
  CHECK_CONTAINS(out, "CapAmb:\t0000000000000400");
}

static int child_caps_no_setpcap(void *p) {
  (void)p;
  sbx_error *err = NULL;
  if (caps_drop(0, &err) == 0) return 1;
  int ok = err->code == EPERM && strstr(err->message, "CAP_SETPCAP");
  sbx_error_free(err);
  return ok ? 0 : 2;
}

TEST(caps_drop_fails_clearly_without_setpcap) {
  if (geteuid() == 0) SKIP_TEST("root holds CAP_SETPCAP");
  if (status_field("CapBnd") == 0) SKIP_TEST("the bounding set is already empty");
  CHECK_EXITED_OK(in_child(child_caps_no_setpcap, NULL));
}

static int child_nnp(void *p) {
  (void)p;
  sbx_error *err = NULL;
  if (status_field("NoNewPrivs") != 0) return 1;
  if (set_no_new_privs(&err) < 0) return 2;
  return status_field("NoNewPrivs") == 1 ? 0 : 3;
}

TEST(no_new_privs) { CHECK_EXITED_OK(in_child(child_nnp, NULL)); }

/* The job's order: user namespace, caps_drop, no_new_privs, filter, execve. The exec'd cat
 * shows the kernel's view of the job. */
static int child_job(void *p) {
  int *pipefd = p;
  int r = enter_userns(0);
  if (r) return r;
  if (dup2(pipefd[1], 1) < 0) return C_SETUP;
  sbx_spec *s = policy(SBX_SECCOMP_ALLOW, 0);
  rule(s, SBX_SECCOMP_ERRNO, EPERM, "mount");
  sc_filter *f = NULL;
  sbx_error *err = NULL;
  if (sc_filter_build(&s->seccomp, &f, &err) < 0 || caps_drop(0, &err) < 0 ||
      set_no_new_privs(&err) < 0 || sc_filter_install(f, &err) < 0) {
    fprintf(stderr, "job: %s\n", err->message);
    return C_SETUP;
  }
  execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
  return 127;
}

TEST(job_sequence_status) {
  int pipefd[2];
  CHECK(pipe2(pipefd, O_CLOEXEC) == 0);
  int st = in_child(child_job, pipefd);
  close(pipefd[1]);
  char out[8192];
  ssize_t n = read(pipefd[0], out, sizeof out - 1);
  close(pipefd[0]);
  CHECK_EXITED_OK(st);
  CHECK(n > 0);
  out[n] = 0;
  CHECK_CONTAINS(out, "NoNewPrivs:\t1");
  CHECK_CONTAINS(out, "Seccomp:\t2");
  CHECK_CONTAINS(out, "CapInh:\t0000000000000000");
  CHECK_CONTAINS(out, "CapPrm:\t0000000000000000");
  CHECK_CONTAINS(out, "CapEff:\t0000000000000000");
  CHECK_CONTAINS(out, "CapBnd:\t0000000000000000");
  CHECK_CONTAINS(out, "CapAmb:\t0000000000000000");
}

/* ---- loopback ----------------------------------------------------------------------------- */

/* Connects to `addr` and checks one byte both ways through an accepted connection, when
 * `listener` >= 0; else returns the connect errno. */
static int tcp_roundtrip(int family, const char *ip) {
  union {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
  } a = {0};
  socklen_t len;
  if (family == AF_INET) {
    a.in4.sin_family = AF_INET;
    inet_pton(AF_INET, ip, &a.in4.sin_addr);
    len = sizeof a.in4;
  } else {
    a.in6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, ip, &a.in6.sin6_addr);
    len = sizeof a.in6;
  }
  int l = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l < 0) return 50;
  if (bind(l, &a.sa, len) < 0 || listen(l, 1) < 0 || getsockname(l, &a.sa, &len) < 0) return 51;
  int c = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c < 0 || connect(c, &a.sa, len) < 0) return 52;
  int s = accept(l, NULL, NULL);
  if (s < 0) return 53;
  char x = 'x', y = 0;
  if (write(c, &x, 1) != 1 || read(s, &y, 1) != 1 || y != 'x') return 54;
  close(s), close(c), close(l);
  return 0;
}

static int connect_errno(const char *ip, int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, ip, &a.sin_addr);
  int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c < 0) return -1;
  int rc = connect(c, (struct sockaddr *)&a, sizeof a);
  int e = errno;
  close(c);
  return rc == 0 ? 0 : e;
}

static int child_loopback(void *p) {
  int host_port = *(int *)p;
  int r = enter_userns(CLONE_NEWNET);
  if (r) return r;
  /* network: none: lo is down, even our own 127.0.0.1 is unreachable. */
  if (connect_errno("127.0.0.1", 9) != ENETUNREACH) return 1;
  sbx_error *err = NULL;
  if (netlink_loopback_up(&err) < 0 || netlink_loopback_up(&err) < 0) { /* twice: EEXIST */
    fprintf(stderr, "netlink_loopback_up: %s\n", err->message);
    return 2;
  }
  if ((r = tcp_roundtrip(AF_INET, "127.0.0.1"))) return r;
  int s6 = socket(AF_INET6, SOCK_STREAM, 0);
  if (s6 >= 0) {
    close(s6);
    if ((r = tcp_roundtrip(AF_INET6, "::1"))) return 10 + r;
  }
  /* The host's listener is in another namespace. */
  if (connect_errno("127.0.0.1", host_port) != ECONNREFUSED) return 3;
  struct ifaddrs *ifs;
  if (getifaddrs(&ifs) < 0) return 4;
  for (struct ifaddrs *i = ifs; i; i = i->ifa_next)
    if (strcmp(i->ifa_name, "lo") != 0) return 5;
  freeifaddrs(ifs);
  return 0;
}

TEST(loopback_in_new_netns) {
  /* A listener on the host's 127.0.0.1, which the child must not reach. */
  int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  socklen_t len = sizeof a;
  int port = -1;
  if (l >= 0 && bind(l, (struct sockaddr *)&a, len) == 0 && listen(l, 1) == 0 &&
      getsockname(l, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  if (port < 0) {
    if (l >= 0) close(l);
    SKIP_TEST("no host loopback to listen on");
  }
  int st = in_child(child_loopback, &port);
  close(l);
  CHECK_EXITED_OK(st);
}

/* IPv6 turned off on lo: lo still comes up, with 127.0.0.1. */
static int child_loopback_no_ipv6(void *p) {
  (void)p;
  int r = enter_userns(CLONE_NEWNET);
  if (r) return r;
  if (access("/proc/sys/net/ipv6/conf/lo/disable_ipv6", F_OK) < 0) return C_SKIP;
  if (write_file("/proc/sys/net/ipv6/conf/lo/disable_ipv6", "1\n") < 0) return C_SETUP;
  sbx_error *err = NULL;
  if (netlink_loopback_up(&err) < 0) {
    fprintf(stderr, "netlink_loopback_up: %s\n", err->message);
    return 1;
  }
  return tcp_roundtrip(AF_INET, "127.0.0.1");
}

TEST(loopback_without_ipv6) { CHECK_EXITED_OK(in_child(child_loopback_no_ipv6, NULL)); }

static int child_loopback_no_caps(void *p) {
  (void)p;
  sbx_error *err = NULL;
  /* Our own net namespace, but a user namespace without CAP_NET_ADMIN over it. */
  int r = enter_userns(CLONE_NEWNET);
  if (r) return r;
  if (caps_drop(0, &err) < 0) return C_SETUP;
  if (netlink_loopback_up(&err) == 0) return 1;
  int ok = strstr(err->message, "lo") != NULL && err->code != 0;
  if (!ok) fprintf(stderr, "message: %s (code %d)\n", err->message, err->code);
  sbx_error_free(err);
  return ok ? 0 : 2;
}

TEST(loopback_error_without_cap_net_admin) {
  CHECK_EXITED_OK(in_child(child_loopback_no_caps, NULL));
}

/* ---- the attack helper under the hardening (without the engine) -------------------------- */

typedef struct attack_job {
  const char *helper;
  const char *name;
  sc_filter *f;
  int out; /* the write end of a pipe for the helper's output */
} attack_job;

static int child_attack(void *p) {
  attack_job *a = p;
  int r = enter_userns(CLONE_NEWNET);
  if (r) return r;
  /* The pty slave is stdin and the controlling terminal, as a job's terminal would be. */
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 || setsid() < 0) return C_SETUP;
  int slave = open(ptsname(master), O_RDWR);
  if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(a->out, 1) < 0 ||
      dup2(a->out, 2) < 0)
    return C_SETUP;
  sbx_error *err = NULL;
  if (netlink_loopback_up(&err) < 0 || caps_drop(0, &err) < 0 || set_no_new_privs(&err) < 0 ||
      sc_filter_install(a->f, &err) < 0) {
    fprintf(stderr, "job: %s\n", err->message);
    return C_SETUP;
  }
  execl(a->helper, "attack", a->name, (char *)NULL);
  return 127;
}

/* Each attack under the default profile's filter: an errno (the helper exits 0), or, through
 * another ABI, the kill. */
TEST(attacks_blocked_by_hardening) {
  const char *helper = attack_helper();
  if (!helper) SKIP_TEST("tests/helper/attack is not built");
  sc_filter *f = build_ok(stock_profile("default", NULL, 0));
  char failures[4096] = "";
  for (size_t i = 0; i < n_stock_attacks; i++) {
    const stock_attack *atk = &stock_attacks[i];
    if (!stock_attack_possible(atk)) continue;
    int p[2];
    CHECK(pipe2(p, O_CLOEXEC) == 0);
    attack_job a = {helper, atk->name, f, p[1]};
    int st = in_child(child_attack, &a);
    close(p[1]);
    char out[1024] = "";
    ssize_t n = read(p[0], out, sizeof out - 1);
    close(p[0]);
    if (n > 0) out[n] = 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == C_SKIP) {
      sc_filter_free(f);
      SKIP_TEST("the kernel refused a namespace");
    }
    bool ok = atk->foreign_abi ? WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS
                               : WIFEXITED(st) && WEXITSTATUS(st) == 0;
    if (!ok) {
      size_t len = strlen(failures);
      for (char *c = out; *c; c++)
        if (*c == '\n') *c = ' ';
      snprintf(failures + len, sizeof failures - len, "[%s: status 0x%x: %s] ", atk->name, st, out);
    }
  }
  sc_filter_free(f);
  if (failures[0]) TEST_FAIL("%s", failures);
}

/* A setuid-root binary gains nothing under no_new_privs; without it, it would (the control). */
static int child_setuid(void *p) {
  attack_job *a = p;
  if (dup2(a->out, 1) < 0) return C_SETUP;
  if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
      setresuid(65534, 65534, 65534) < 0)
    return C_SETUP;
  if (a->f && set_no_new_privs(NULL) < 0) return C_SETUP;
  execl(a->helper, "attack", "setuid", a->name, (char *)NULL);
  return 127;
}

TEST(setuid_binary_gains_nothing_under_nnp) {
  if (geteuid() != 0) SKIP_TEST("making a setuid-root binary needs root");
  const char *helper = attack_helper();
  if (!helper) SKIP_TEST("tests/helper/attack is not built");
  /* A setuid-root copy of id (root's: the test runs as root) in the scratch directory. */
  const char *id = scratch_copy("id", "/usr/bin/id", 04755);
  int results[2];
  for (int nnp = 0; nnp < 2; nnp++) {
    int p[2];
    CHECK(pipe2(p, O_CLOEXEC) == 0);
    attack_job a = {helper, id, nnp ? (sc_filter *)1 : NULL, p[1]};
    int st = in_child(child_setuid, &a);
    close(p[1]);
    close(p[0]);
    results[nnp] = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  if (results[0] != 1) SKIP_TEST("the control did not gain root (is /tmp nosuid?): %d", results[0]);
  CHECK_EQ_INT(results[1], 0);
}

RUN_TESTS()
