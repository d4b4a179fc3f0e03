/* attack: a static helper that tries one attack from inside the sandbox and says what happened.
 *
 *   attack NAME [ARG]     try attack NAME
 *   attack --list         the names, one a line, with what each tries
 *
 * Exit status: 0 the attack was blocked as expected; 1 it was NOT blocked; 2 usage; 3 the
 * attack could not be tried here (a precondition is missing: stdin is no terminal, the kernel
 * has no such entry point). Attacks whose expected outcome is the death of the process (int80,
 * x32, and any syscall a profile kills) print "trying ..." first and then die: the calling
 * test checks the wait status or the report (status forbidden_syscall).
 *
 * Each attack is harmless when it is NOT blocked, even as root on the host: the calls use
 * arguments that the kernel rejects after its permission checks (a bad magic number, a missing
 * file, an invalid flag), so "reached the kernel's argument checks" is distinguishable from
 * "denied" without changing anything. Libc only; link statically. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/quota.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

enum { BLOCKED = 0, NOT_BLOCKED = 1, USAGE = 2, UNTRIED = 3 };

static const char *attack_name;

static int blocked(const char *what) {
  printf("attack %s: blocked: %s\n", attack_name, what);
  return BLOCKED;
}
static int not_blocked(const char *what) {
  printf("attack %s: NOT BLOCKED: %s\n", attack_name, what);
  return NOT_BLOCKED;
}
static int untried(const char *why) {
  printf("attack %s: not tried: %s\n", attack_name, why);
  return UNTRIED;
}
static void trying(const char *what) {
  printf("attack %s: trying %s\n", attack_name, what);
  fflush(stdout);
}

/* The common case: the call must fail. `reached` is the errno that proves the call got past
 * the permission checks into the kernel's argument checks (0: success proves it). */
static int expect_fail(long rc, int reached) {
  int e = errno;
  char buf[160];
  if (rc >= 0) {
    snprintf(buf, sizeof buf, "the call succeeded (returned %ld)", rc);
    return not_blocked(buf);
  }
  if (reached && e == reached) {
    snprintf(buf, sizeof buf, "the call reached the kernel's argument checks (%s)", strerror(e));
    return not_blocked(buf);
  }
  snprintf(buf, sizeof buf, "%s (errno %d)", strerror(e), e);
  return blocked(buf);
}

/* ---- foreign ABIs ------------------------------------------------------------------------- */

static int a_int80(const char *arg) {
  (void)arg;
#ifdef __x86_64__
  trying("the i386 entry point (int 0x80, getpid)");
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
  if (ret == -ENOSYS) return blocked("ENOSYS (the kernel has no i386 emulation, or the filter)");
  if (ret < 0) return blocked(strerror((int)-ret));
  return not_blocked("int 0x80 getpid returned a pid");
#else
  return untried("int 0x80 exists on x86_64 only");
#endif
}

static int a_x32(const char *arg) {
  (void)arg;
#ifdef __x86_64__
  trying("the x32 entry point (getpid | 0x40000000)");
  long rc = syscall(0x40000000 | 39);
  if (rc < 0 && errno == ENOSYS) return blocked("ENOSYS (the kernel has no x32, or the filter)");
  return expect_fail(rc, 0);
#else
  return untried("x32 exists on x86_64 only");
#endif
}

/* ---- terminals ---------------------------------------------------------------------------- */

static int tiocxxx(unsigned long req, const char *label) {
  if (!isatty(0)) return untried("stdin is not a terminal (the test gives a pty slave)");
  trying(label);
  if (req == TIOCSTI) {
    char c = '#';
    return expect_fail(ioctl(0, TIOCSTI, &c), 0);
  }
  char sub = 0; /* TIOCL subcommand 0 is invalid: EINVAL when reached */
  return expect_fail(ioctl(0, TIOCLINUX, &sub), EINVAL);
}
static int a_tiocsti(const char *arg) {
  (void)arg;
  return tiocxxx(TIOCSTI, "ioctl(0, TIOCSTI)");
}
static int a_tiocsti_highbits(const char *arg) {
  (void)arg;
  if (!isatty(0)) return untried("stdin is not a terminal (the test gives a pty slave)");
  trying("ioctl(0, TIOCSTI | 1 << 32) (the kernel ignores the upper bits)");
  char c = '#';
  return expect_fail(syscall(SYS_ioctl, 0, (1ul << 32) | TIOCSTI, &c), 0);
}
static int a_tioclinux(const char *arg) {
  (void)arg;
  return tiocxxx(TIOCLINUX, "ioctl(0, TIOCLINUX)");
}

/* The caller's terminal through /dev/tty: the job must have no controlling terminal, so the
 * open fails with ENXIO. Were it open, the attack writes to it, turns its echo off and reads
 * a line from it for up to 10 s (what a password prompt of the caller would get). */
static int a_tty_read(const char *arg) {
  (void)arg;
  trying("open /dev/tty, write to it, turn its echo off and read from it");
  int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    char buf[160];
    snprintf(buf, sizeof buf, "open /dev/tty: %s (errno %d)", strerror(e), e);
    return blocked(buf);
  }
  static const char msg[] = "attack tty-read: the job wrote this to the caller's terminal\n";
  ssize_t w = write(fd, msg, sizeof msg - 1);
  struct termios t;
  int echo_off =
      tcgetattr(fd, &t) == 0 && (t.c_lflag &= ~(tcflag_t)ECHO, tcsetattr(fd, TCSANOW, &t) == 0);
  struct pollfd p = {.fd = fd, .events = POLLIN};
  char line[128] = "";
  ssize_t n = poll(&p, 1, 10000) > 0 ? read(fd, line, sizeof line - 1) : -1;
  if (n > 0) line[n] = '\0';
  char buf[300];
  snprintf(buf, sizeof buf, "opened /dev/tty; wrote %zd bytes; echo %s; read '%s'", w,
           echo_off ? "turned off" : "unchanged", n > 0 ? strtok(line, "\n") : "");
  return not_blocked(buf);
}

/* ARG: stdin is the caller's terminal (stdin inherit): a new session, then make it the
 * controlling terminal. It is the caller's session's: TIOCSCTTY must fail (EPERM). */
static int a_tty_steal(const char *arg) {
  (void)arg;
  if (!isatty(0)) return untried("stdin is not a terminal (the test runs under script)");
  trying("setsid, then ioctl(0, TIOCSCTTY)");
  if (setsid() < 0) {
    char buf[100];
    snprintf(buf, sizeof buf, "setsid: %s (errno %d)", strerror(errno), errno);
    return blocked(buf);
  }
  return expect_fail(ioctl(0, TIOCSCTTY, 0), 0);
}

/* ARG: the most ptys the sandbox allows. Opens /dev/ptmx until it fails: blocked when that is
 * ENOSPC after at most ARG. */
static int a_ptmx_exhaust(const char *arg) {
  long max = arg ? strtol(arg, NULL, 10) : 0;
  if (max <= 0) return untried("needs ARG, the most ptys allowed");
  trying("open /dev/ptmx until it fails");
  long n = 0;
  int e = 0;
  for (; n < 4096; n++) { /* the fds stay open until exit */
    if (open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC) < 0) {
      e = errno;
      break;
    }
  }
  char buf[160];
  snprintf(buf, sizeof buf, "opened %ld ptys, then %s (errno %d)", n, e ? strerror(e) : "stopped",
           e);
  return n <= max && e == ENOSPC ? blocked(buf) : not_blocked(buf);
}

/* ARG: the size of /dev/shm in MiB. Writes up to twice that into /dev/shm: blocked when a
 * write fails with ENOSPC by ARG MiB. */
static int a_shm_fill(const char *arg) {
  long mib = arg ? strtol(arg, NULL, 10) : 0;
  if (mib <= 0) return untried("needs ARG, the size of /dev/shm in MiB");
  trying("fill /dev/shm");
  int fd = open("/dev/shm/attack-fill", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return untried("cannot create /dev/shm/attack-fill");
  static char chunk[1 << 20];
  memset(chunk, 'x', sizeof chunk);
  long long total = 0;
  int e = 0;
  while (total < 2LL * mib * (long long)sizeof chunk) {
    ssize_t w = write(fd, chunk, sizeof chunk);
    if (w < 0) {
      e = errno;
      break;
    }
    total += w;
  }
  close(fd);
  unlink("/dev/shm/attack-fill");
  char buf[160];
  snprintf(buf, sizeof buf, "wrote %lld bytes, then %s (errno %d)", total,
           e ? strerror(e) : "stopped", e);
  return total <= mib * (long long)sizeof chunk && e == ENOSPC ? blocked(buf) : not_blocked(buf);
}

/* ---- privileges --------------------------------------------------------------------------- */

/* ARG: a setuid-root copy of `id`. Under no_new_privs its euid stays ours. */
static int a_setuid(const char *arg) {
  if (!arg) return untried("give the path of a setuid-root copy of id");
  if (access(arg, X_OK) < 0) return untried("the setuid binary is not there");
  if (geteuid() == 0) return untried("we are uid 0 already: run the job as another user");
  trying("running a setuid-root binary");
  int p[2];
  if (pipe(p) < 0) return untried("pipe failed");
  pid_t pid = fork();
  if (pid < 0) return untried("fork failed");
  if (pid == 0) {
    dup2(p[1], 1);
    execl(arg, arg, "-u", (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  char out[64] = {0};
  ssize_t n = read(p[0], out, sizeof out - 1);
  int st;
  waitpid(pid, &st, 0);
  if (n <= 0) return blocked("the setuid binary did not run or printed nothing");
  long euid = strtol(out, NULL, 10);
  char buf[128];
  snprintf(buf, sizeof buf, "its effective uid is %ld, ours is %ld", euid, (long)geteuid());
  return euid == (long)geteuid() ? blocked(buf) : not_blocked(buf);
}

/* ---- setuid, setgid and file-capability files (the rules of every filter) ---------------
 *
 * Each call works on files in a fresh directory under $TMPDIR or /tmp (inside a job, the
 * sandbox's own /tmp), removed with its files before the helper exits; each must fail with the
 * engine's errno exactly: EPERM for a mode with S_ISUID or S_ISGID, EOPNOTSUPP for an extended
 * attribute, ENOSYS for openat2. */

static char file_dir[256];

static const char *file_at(const char *name) {
  static char path[2][300];
  static int k;
  k ^= 1;
  snprintf(path[k], sizeof path[k], "%s/%s", file_dir, name);
  return path[k];
}

static void file_cleanup(void) {
  unlink(file_at("f"));
  unlink(file_at("new"));
  rmdir(file_dir);
}

/* The directory and its file "f" (mode 0644); -1 when they cannot be made. */
static int file_setup(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(file_dir, sizeof file_dir, "%s/attack-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(file_dir)) return -1;
  atexit(file_cleanup);
  int fd = open(file_at("f"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

/* The call must fail with exactly `want`. */
static int expect_errno_is(long rc, int want) {
  int e = errno;
  char buf[160];
  if (rc >= 0) {
    snprintf(buf, sizeof buf, "the call succeeded (returned %ld)", rc);
    return not_blocked(buf);
  }
  if (e != want) {
    snprintf(buf, sizeof buf, "failed with %s (errno %d), not with the engine's errno %d",
             strerror(e), e, want);
    return not_blocked(buf);
  }
  snprintf(buf, sizeof buf, "%s (errno %d)", strerror(e), e);
  return blocked(buf);
}

#define FILE_ATTACK(fn, label, call, want)                                                 \
  static int fn(const char *arg) {                                                         \
    (void)arg;                                                                             \
    if (file_setup() < 0) return untried("cannot make a file in the temporary directory"); \
    trying(label);                                                                         \
    return expect_errno_is(call, want);                                                    \
  }

static const char cap_v2[20] = {0, 0, 0, 2, 0, 0x20}; /* VFS_CAP_REVISION_2, cap_net_raw */
static const struct { uint64_t flags, mode, resolve; } how_suid = {O_CREAT | O_WRONLY, 04755, 0};

FILE_ATTACK(a_chmod_setuid, "chmod(f, 04755)", syscall(SYS_chmod, file_at("f"), 04755), EPERM)
FILE_ATTACK(a_chmod_setgid, "chmod(f, 02755)", syscall(SYS_chmod, file_at("f"), 02755), EPERM)
FILE_ATTACK(a_chmod_setuid_high, "chmod(f, 1 << 32 | 04755)",
            syscall(SYS_chmod, file_at("f"), (1ul << 32) | 04755), EPERM)
FILE_ATTACK(a_fchmod_setuid, "fchmod(fd, 06755)",
            syscall(SYS_fchmod, open(file_at("f"), O_RDONLY), 06755), EPERM)
FILE_ATTACK(a_fchmodat_setgid, "fchmodat(f, 02711)",
            syscall(SYS_fchmodat, AT_FDCWD, file_at("f"), 02711, 0), EPERM)
FILE_ATTACK(a_fchmodat2_setuid, "fchmodat2(f, 04755)",
            syscall(452, AT_FDCWD, file_at("f"), 04755, 0), EPERM)
FILE_ATTACK(a_open_setuid, "open(new, O_CREAT, 04755)",
            syscall(SYS_open, file_at("new"), O_CREAT | O_WRONLY, 04755), EPERM)
FILE_ATTACK(a_openat_setgid, "openat(new, O_CREAT, 02755)",
            syscall(SYS_openat, AT_FDCWD, file_at("new"), O_CREAT | O_WRONLY, 02755), EPERM)
FILE_ATTACK(a_creat_setuid, "creat(new, 04711)", syscall(SYS_creat, file_at("new"), 04711), EPERM)
FILE_ATTACK(a_mknod_setgid, "mknod(new, S_IFIFO | 02644)",
            syscall(SYS_mknod, file_at("new"), S_IFIFO | 02644, 0), EPERM)
FILE_ATTACK(a_mknodat_setuid, "mknodat(new, S_IFREG | 04755)",
            syscall(SYS_mknodat, AT_FDCWD, file_at("new"), S_IFREG | 04755, 0), EPERM)
FILE_ATTACK(a_setxattr_cap, "setxattr(f, security.capability)",
            syscall(SYS_setxattr, file_at("f"), "security.capability", cap_v2, sizeof cap_v2, 0),
            EOPNOTSUPP)
FILE_ATTACK(a_lsetxattr_user, "lsetxattr(f, user.x)",
            syscall(SYS_lsetxattr, file_at("f"), "user.x", "1", 1, 0), EOPNOTSUPP)
FILE_ATTACK(a_fsetxattr_cap, "fsetxattr(fd, security.capability)",
            syscall(SYS_fsetxattr, open(file_at("f"), O_RDONLY), "security.capability", cap_v2,
                    sizeof cap_v2, 0),
            EOPNOTSUPP)
FILE_ATTACK(a_setxattrat_cap, "setxattrat(f, security.capability)",
            syscall(463, AT_FDCWD, file_at("f"), 0, "security.capability", NULL, 0), EOPNOTSUPP)
FILE_ATTACK(a_openat2_setuid, "openat2(new, O_CREAT, 04755)",
            syscall(SYS_openat2, AT_FDCWD, file_at("new"), &how_suid, sizeof how_suid), ENOSYS)

/* ---- sockets ------------------------------------------------------------------------------ */

static int sock(int family, int type, int high, const char *label) {
  trying(label);
  long fam = family;
  if (high) fam |= 1l << 32;
  int proto = family == AF_INET && type == SOCK_RAW ? 1 /* ICMP */ : 0;
  long rc = syscall(SYS_socket, fam, type, proto);
  if (rc >= 0) close((int)rc);
  return expect_fail(rc, 0);
}
static int a_socket_packet(const char *a) {
  (void)a;
  return sock(AF_PACKET, SOCK_RAW, 0, "socket(AF_PACKET)");
}
static int a_socket_raw(const char *a) {
  (void)a;
  return sock(AF_INET, SOCK_RAW, 0, "socket(AF_INET, SOCK_RAW)");
}
static int a_socket_raw6(const char *a) {
  (void)a;
  trying("socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, ICMPV6)");
  long rc = syscall(SYS_socket, AF_INET6, SOCK_RAW | SOCK_CLOEXEC, 58);
  if (rc >= 0) close((int)rc);
  return expect_fail(rc, 0);
}
static int a_socket_inet_packet(const char *a) {
  (void)a;
  /* The kernel turns AF_INET + SOCK_PACKET into an AF_PACKET socket. */
  trying("socket(AF_INET, SOCK_PACKET)");
  long rc = syscall(SYS_socket, AF_INET, SOCK_PACKET, 0x0300 /* htons(ETH_P_ALL) */);
  if (rc >= 0) close((int)rc);
  return expect_fail(rc, 0);
}
static int a_socket_netlink(const char *a) {
  (void)a;
  trying("socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT)");
  long rc = syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 9 /* NETLINK_AUDIT */);
  if (rc >= 0) close((int)rc);
  return expect_fail(rc, 0);
}
static int a_socket_netlink_high(const char *a) {
  (void)a;
  /* NETLINK_ROUTE in the upper half does not make a denied protocol pass. */
  trying("socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT | 1 << 32)");
  long rc = syscall(SYS_socket, AF_NETLINK, SOCK_RAW, (1l << 32) | 15);
  if (rc >= 0) close((int)rc);
  return expect_fail(rc, 0);
}
static int a_socket_vsock(const char *a) {
  (void)a;
  return sock(AF_VSOCK, SOCK_STREAM, 0, "socket(AF_VSOCK)");
}
static int a_socket_vsock_high(const char *a) {
  (void)a;
  return sock(AF_VSOCK, SOCK_STREAM, 1, "socket(AF_VSOCK | 1 << 32)");
}
static int a_socket_alg(const char *a) {
  (void)a;
  return sock(AF_ALG, SOCK_SEQPACKET, 0, "socket(AF_ALG)");
}
static int a_socket_key(const char *a) {
  (void)a;
  return sock(AF_KEY, SOCK_RAW, 0, "socket(AF_KEY)");
}

/* ---- namespaces --------------------------------------------------------------------------- */

static int clone_ns(unsigned long flags, const char *label) {
  trying(label);
  long rc = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
  if (rc == 0) _exit(0);
  if (rc > 0) waitpid((pid_t)rc, NULL, 0);
  return expect_fail(rc, 0);
}
static int a_clone_newuser(const char *a) {
  (void)a;
  return clone_ns(CLONE_NEWUSER, "clone(CLONE_NEWUSER)");
}
static int a_clone_newns(const char *a) {
  (void)a;
  return clone_ns(CLONE_NEWNS, "clone(CLONE_NEWNS)");
}
static int a_clone_newnet(const char *a) {
  (void)a;
  return clone_ns(CLONE_NEWNET, "clone(CLONE_NEWNET)");
}

static int a_clone_newpid(const char *a) {
  (void)a;
  return clone_ns(CLONE_NEWPID, "clone(CLONE_NEWPID)");
}
static int a_clone_newuts(const char *a) {
  (void)a;
  return clone_ns(CLONE_NEWUTS, "clone(CLONE_NEWUTS)");
}
static int a_clone_newipc(const char *a) {
  (void)a;
  return clone_ns(CLONE_NEWIPC, "clone(CLONE_NEWIPC)");
}
static int a_clone_newcgroup(const char *a) {
  (void)a;
  return clone_ns(CLONE_NEWCGROUP, "clone(CLONE_NEWCGROUP)");
}

static int a_clone3(const char *arg) {
  (void)arg;
  trying("clone3(CLONE_NEWUSER)");
  struct clone_args ca;
  memset(&ca, 0, sizeof ca);
  ca.flags = CLONE_NEWUSER;
  ca.exit_signal = SIGCHLD;
  long rc = syscall(SYS_clone3, &ca, sizeof ca);
  if (rc == 0) _exit(0);
  if (rc > 0) waitpid((pid_t)rc, NULL, 0);
  return expect_fail(rc, 0);
}

static int a_unshare(const char *arg) {
  (void)arg;
  trying("unshare(CLONE_NEWUSER)");
  return expect_fail(unshare(CLONE_NEWUSER), 0);
}

static int a_setns(const char *arg) {
  (void)arg;
  int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return untried("/proc/self/ns/net cannot be opened");
  trying("setns(own net namespace)");
  int rc = expect_fail(setns(fd, CLONE_NEWNET), 0);
  close(fd);
  return rc;
}

/* ---- filesystem --------------------------------------------------------------------------- */

static int a_mount(const char *arg) {
  (void)arg;
  trying("mount(tmpfs on /nonexistent-sbx)");
  return expect_fail(mount("none", "/nonexistent-sbx", "tmpfs", 0, NULL), ENOENT);
}
static int a_umount(const char *arg) {
  (void)arg;
  trying("umount2(/nonexistent-sbx)");
  return expect_fail(umount2("/nonexistent-sbx", 0), ENOENT);
}
static int a_pivot_root(const char *arg) {
  (void)arg;
  trying("pivot_root(/nonexistent-sbx, /nonexistent-sbx)");
  return expect_fail(syscall(SYS_pivot_root, "/nonexistent-sbx", "/nonexistent-sbx"), ENOENT);
}
static int a_chroot(const char *arg) {
  (void)arg;
  trying("chroot(/nonexistent-sbx)");
  return expect_fail(chroot("/nonexistent-sbx"), ENOENT);
}
static int a_open_by_handle_at(const char *arg) {
  (void)arg;
  trying("open_by_handle_at(-1, ...)");
  /* A well-formed handle on a bad mount fd: EBADF comes before the capability check. */
  struct {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[8];
  } h = {8, 1, {0}};
  return expect_fail(syscall(SYS_open_by_handle_at, -1, &h, O_RDONLY), EBADF);
}
static int a_name_to_handle_at(const char *arg) {
  (void)arg;
  trying("name_to_handle_at(/nonexistent-sbx)");
  struct {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[128];
  } h = {128, 0, {0}};
  int mount_id;
  return expect_fail(syscall(SYS_name_to_handle_at, AT_FDCWD, "/nonexistent-sbx", &h, &mount_id, 0),
                     ENOENT);
}
static int a_fsopen(const char *arg) {
  (void)arg;
  trying("fsopen(sbx-no-such-fs)");
  long rc = syscall(SYS_fsopen, "sbx-no-such-fs", 0);
  if (rc >= 0) close((int)rc);
  return expect_fail(rc, ENODEV);
}
static int a_lookup_dcookie(const char *arg) {
  (void)arg;
#ifdef SYS_lookup_dcookie
  trying("lookup_dcookie(0)");
  /* Removed from recent kernels (ENOSYS there), a bad cookie elsewhere: both mean reached. */
  char buf[16];
  long rc = syscall(SYS_lookup_dcookie, 0ull, buf, sizeof buf);
  if (rc < 0 && errno == ENOSYS) return not_blocked("the call reached the kernel (ENOSYS)");
  return expect_fail(rc, EINVAL);
#else
  return untried("no lookup_dcookie on this architecture");
#endif
}
static int a_uselib(const char *arg) {
  (void)arg;
#ifdef SYS_uselib
  trying("uselib(/nonexistent-sbx) (@obsolete)");
  long rc = syscall(SYS_uselib, "/nonexistent-sbx");
  if (rc < 0 && errno == ENOSYS) return not_blocked("the call reached the kernel (ENOSYS)");
  return expect_fail(rc, ENOENT);
#else
  return untried("no uselib on this architecture");
#endif
}
static int a_quotactl(const char *arg) {
  (void)arg;
  trying("quotactl(Q_GETINFO, /nonexistent-sbx)");
  char buf[64];
  return expect_fail(quotactl(QCMD(Q_GETINFO, USRQUOTA), "/nonexistent-sbx", 0, buf), ENOENT);
}

/* ---- kernel ------------------------------------------------------------------------------- */

static int a_kexec(const char *arg) {
  (void)arg;
  trying("kexec_load(invalid flags)");
  return expect_fail(syscall(SYS_kexec_load, 0, 0, NULL, 0xdead0000ul), EINVAL);
}
static int a_init_module(const char *arg) {
  (void)arg;
  trying("finit_module(-1)");
  return expect_fail(syscall(SYS_finit_module, -1, "", 0), EBADF);
}
static int a_delete_module(const char *arg) {
  (void)arg;
  trying("delete_module(sbx_no_such_module)");
  return expect_fail(syscall(SYS_delete_module, "sbx_no_such_module", O_NONBLOCK), ENOENT);
}
static int a_bpf(const char *arg) {
  (void)arg;
  trying("bpf(BPF_MAP_CREATE, array)");
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = 4;
  attr.max_entries = 1;
  long rc = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
  if (rc >= 0) close((int)rc);
  return expect_fail(rc, 0);
}
static int a_perf_event_open(const char *arg) {
  (void)arg;
  trying("perf_event_open(software cpu clock, self)");
  struct perf_event_attr pa;
  memset(&pa, 0, sizeof pa);
  pa.size = sizeof pa;
  pa.type = PERF_TYPE_SOFTWARE;
  pa.config = PERF_COUNT_SW_CPU_CLOCK;
  pa.disabled = 1;
  pa.exclude_kernel = 1;
  pa.exclude_hv = 1;
  long rc = syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0);
  if (rc >= 0) close((int)rc);
  return expect_fail(rc, 0);
}
static int a_userfaultfd(const char *arg) {
  (void)arg;
  trying("userfaultfd(user mode only)");
  long rc = syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */);
  if (rc >= 0) close((int)rc);
  return expect_fail(rc, 0);
}
static int a_io_uring(const char *arg) {
  (void)arg;
  trying("io_uring_setup(1)");
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  long rc = syscall(SYS_io_uring_setup, 1, &p);
  if (rc >= 0) close((int)rc);
  return expect_fail(rc, 0);
}
static int a_keyctl(const char *arg) {
  (void)arg;
  trying("keyctl(KEYCTL_GET_KEYRING_ID, session)");
  return expect_fail(syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* SESSION */, 0), 0);
}
static int a_add_key(const char *arg) {
  (void)arg;
  trying("add_key(user, process keyring)");
  return expect_fail(syscall(SYS_add_key, "user", "sbx-attack", "x", 1, -2 /* PROCESS */), 0);
}
static int a_request_key(const char *arg) {
  (void)arg;
  trying("request_key(user, sbx-no-such-key)");
  return expect_fail(syscall(SYS_request_key, "user", "sbx-no-such-key", NULL, 0), ENOKEY);
}
static int a_ptrace(const char *arg) {
  (void)arg;
  trying("ptrace(PTRACE_TRACEME)");
  return expect_fail(ptrace(PTRACE_TRACEME, 0, NULL, NULL), 0);
}
static int a_process_vm(const char *arg) {
  (void)arg;
  trying("process_vm_readv(self)");
  char src[8] = "secret", dst[8];
  struct iovec l = {dst, sizeof dst}, r = {src, sizeof src};
  return expect_fail(syscall(SYS_process_vm_readv, getpid(), &l, 1, &r, 1, 0), 0);
}
static int a_reboot(const char *arg) {
  (void)arg;
  trying("reboot(bad magic)");
  return expect_fail(syscall(SYS_reboot, 0x12345678, 0x12345678, LINUX_REBOOT_CMD_CAD_OFF, NULL),
                     EINVAL);
}
static int a_swapon(const char *arg) {
  (void)arg;
  trying("swapon(/nonexistent-sbx)");
  return expect_fail(syscall(SYS_swapon, "/nonexistent-sbx", 0), ENOENT);
}
static int a_syslog(const char *arg) {
  (void)arg;
  trying("syslog(SIZE_BUFFER)");
  return expect_fail(syscall(SYS_syslog, 10, NULL, 0), 0);
}
static int a_acct(const char *arg) {
  (void)arg;
  trying("acct(/nonexistent-sbx/x)");
  return expect_fail(syscall(SYS_acct, "/nonexistent-sbx/x"), ENOENT);
}
static int a_clock_settime(const char *arg) {
  (void)arg;
  trying("clock_settime(REALTIME, invalid time)");
  struct timespec ts = {0, -1};
  return expect_fail(syscall(SYS_clock_settime, CLOCK_REALTIME, &ts), EINVAL);
}
static int a_settimeofday(const char *arg) {
  (void)arg;
  trying("settimeofday(invalid time)");
  struct timeval tv = {0, -1};
  return expect_fail(syscall(SYS_settimeofday, &tv, NULL), EINVAL);
}
static int a_iopl(const char *arg) {
  (void)arg;
#ifdef SYS_iopl
  trying("iopl(3)");
  long rc = syscall(SYS_iopl, 3);
  if (rc == 0) syscall(SYS_iopl, 0);
  return expect_fail(rc, 0);
#else
  return untried("no iopl on this architecture");
#endif
}
static int a_ioperm(const char *arg) {
  (void)arg;
#ifdef SYS_ioperm
  trying("ioperm(0x80, 1, on)");
  long rc = syscall(SYS_ioperm, 0x80, 1, 1);
  if (rc == 0) syscall(SYS_ioperm, 0x80, 1, 0);
  return expect_fail(rc, 0);
#else
  return untried("no ioperm on this architecture");
#endif
}

static const struct attack {
  const char *name;
  int (*fn)(const char *arg);
  const char *what;
} attacks[] = {
    {"int80", a_int80, "i386 getpid through int 0x80 (expect the job killed)"},
    {"x32", a_x32, "x32 getpid (expect the job killed)"},
    {"tiocsti", a_tiocsti, "push a character into the terminal on stdin"},
    {"tiocsti-highbits", a_tiocsti_highbits, "TIOCSTI with the upper 32 bits set"},
    {"tioclinux", a_tioclinux, "TIOCLINUX on stdin"},
    {"tty-read", a_tty_read, "read from and write to the caller's terminal through /dev/tty"},
    {"tty-steal", a_tty_steal, "make the terminal on stdin our controlling terminal"},
    {"ptmx-exhaust", a_ptmx_exhaust, "ARG: open more than ARG ptys"},
    {"shm-fill", a_shm_fill, "ARG: write more than ARG MiB to /dev/shm"},
    {"setuid", a_setuid, "ARG: run a setuid-root id; its euid must stay ours"},
    {"chmod-setuid", a_chmod_setuid, "chmod with S_ISUID (expect EPERM)"},
    {"chmod-setgid", a_chmod_setgid, "chmod with S_ISGID (expect EPERM)"},
    {"chmod-setuid-highbits", a_chmod_setuid_high, "chmod with S_ISUID, upper bits set"},
    {"fchmod-setuid", a_fchmod_setuid, "fchmod with S_ISUID and S_ISGID (expect EPERM)"},
    {"fchmodat-setgid", a_fchmodat_setgid, "fchmodat with S_ISGID (expect EPERM)"},
    {"fchmodat2-setuid", a_fchmodat2_setuid, "fchmodat2 with S_ISUID (expect EPERM)"},
    {"open-setuid", a_open_setuid, "open(O_CREAT) with mode 04755 (expect EPERM)"},
    {"openat-setgid", a_openat_setgid, "openat(O_CREAT) with mode 02755 (expect EPERM)"},
    {"creat-setuid", a_creat_setuid, "creat with mode 04711 (expect EPERM)"},
    {"mknod-setgid", a_mknod_setgid, "mknod of a fifo with S_ISGID (expect EPERM)"},
    {"mknodat-setuid", a_mknodat_setuid, "mknodat of a file with S_ISUID (expect EPERM)"},
    {"setxattr-capability", a_setxattr_cap, "setxattr security.capability (expect EOPNOTSUPP)"},
    {"lsetxattr-user", a_lsetxattr_user, "lsetxattr user.x (expect EOPNOTSUPP)"},
    {"fsetxattr-capability", a_fsetxattr_cap, "fsetxattr security.capability (EOPNOTSUPP)"},
    {"setxattrat-capability", a_setxattrat_cap, "setxattrat (463) (expect EOPNOTSUPP)"},
    {"openat2-setuid", a_openat2_setuid, "openat2 with mode 04755 (expect ENOSYS)"},
    {"socket-packet", a_socket_packet, "socket(AF_PACKET)"},
    {"socket-raw", a_socket_raw, "socket(AF_INET, SOCK_RAW)"},
    {"socket-raw6", a_socket_raw6, "socket(AF_INET6, SOCK_RAW)"},
    {"socket-inet-packet", a_socket_inet_packet, "socket(AF_INET, SOCK_PACKET): a packet socket"},
    {"socket-netlink", a_socket_netlink, "socket(AF_NETLINK, NETLINK_AUDIT)"},
    {"socket-netlink-highbits", a_socket_netlink_high, "netlink uevents, upper 32 bits set"},
    {"socket-vsock", a_socket_vsock, "socket(AF_VSOCK)"},
    {"socket-vsock-highbits", a_socket_vsock_high, "socket(AF_VSOCK | 1 << 32)"},
    {"socket-alg", a_socket_alg, "socket(AF_ALG)"},
    {"socket-key", a_socket_key, "socket(AF_KEY)"},
    {"clone-newuser", a_clone_newuser, "clone(CLONE_NEWUSER)"},
    {"clone-newns", a_clone_newns, "clone(CLONE_NEWNS)"},
    {"clone-newnet", a_clone_newnet, "clone(CLONE_NEWNET)"},
    {"clone-newpid", a_clone_newpid, "clone(CLONE_NEWPID)"},
    {"clone-newuts", a_clone_newuts, "clone(CLONE_NEWUTS)"},
    {"clone-newipc", a_clone_newipc, "clone(CLONE_NEWIPC)"},
    {"clone-newcgroup", a_clone_newcgroup, "clone(CLONE_NEWCGROUP)"},
    {"clone3", a_clone3, "clone3(CLONE_NEWUSER) (expect ENOSYS)"},
    {"unshare", a_unshare, "unshare(CLONE_NEWUSER)"},
    {"setns", a_setns, "setns into a namespace"},
    {"mount", a_mount, "mount a tmpfs"},
    {"umount", a_umount, "umount2"},
    {"pivot_root", a_pivot_root, "pivot_root"},
    {"chroot", a_chroot, "chroot"},
    {"open_by_handle_at", a_open_by_handle_at, "open_by_handle_at"},
    {"name_to_handle_at", a_name_to_handle_at, "name_to_handle_at"},
    {"fsopen", a_fsopen, "fsopen (the new mount API)"},
    {"lookup_dcookie", a_lookup_dcookie, "lookup_dcookie"},
    {"uselib", a_uselib, "uselib (@obsolete)"},
    {"quotactl", a_quotactl, "quotactl"},
    {"kexec", a_kexec, "kexec_load"},
    {"init_module", a_init_module, "finit_module"},
    {"delete_module", a_delete_module, "delete_module"},
    {"bpf", a_bpf, "bpf(BPF_MAP_CREATE)"},
    {"perf_event_open", a_perf_event_open, "perf_event_open on itself"},
    {"userfaultfd", a_userfaultfd, "userfaultfd"},
    {"io_uring", a_io_uring, "io_uring_setup"},
    {"keyctl", a_keyctl, "keyctl"},
    {"add_key", a_add_key, "add_key"},
    {"request_key", a_request_key, "request_key"},
    {"ptrace", a_ptrace, "ptrace(PTRACE_TRACEME)"},
    {"process_vm_readv", a_process_vm, "process_vm_readv"},
    {"reboot", a_reboot, "reboot (bad magic: harmless if reached)"},
    {"swapon", a_swapon, "swapon"},
    {"syslog", a_syslog, "syslog (read the kernel log size)"},
    {"acct", a_acct, "acct"},
    {"clock_settime", a_clock_settime, "clock_settime"},
    {"settimeofday", a_settimeofday, "settimeofday"},
    {"iopl", a_iopl, "iopl(3)"},
    {"ioperm", a_ioperm, "ioperm"},
};

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    fprintf(stderr, "usage: attack NAME [ARG] | attack --list\n");
    return USAGE;
  }
  if (strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++)
      printf("%-22s %s\n", attacks[i].name, attacks[i].what);
    return 0;
  }
  for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
    if (strcmp(attacks[i].name, argv[1]) == 0) {
      attack_name = attacks[i].name;
      return attacks[i].fn(argc > 2 ? argv[2] : NULL);
    }
  }
  fprintf(stderr, "attack: unknown attack '%s' (attack --list shows them)\n", argv[1]);
  return USAGE;
}
