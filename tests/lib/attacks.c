/* attacks.c: the helper's attacks and the stock policy's answers (see attacks.h). */
#include "attacks.h"

#include "harness.h"
#include "util.h"

#include <limits.h>
#include <sys/wait.h>

const stock_attack stock_attacks[] = {
    {"chmod-setuid", NULL, false, true},
    {"chmod-setgid", NULL, false, true},
    {"chmod-setuid-highbits", NULL, false, true},
    {"fchmod-setuid", NULL, false, true},
    {"fchmodat-setgid", NULL, false, true},
    {"fchmodat2-setuid", NULL, false, true},
    {"open-setuid", NULL, false, true},
    {"openat-setgid", NULL, false, true},
    {"creat-setuid", NULL, false, true},
    {"mknod-setgid", NULL, false, true},
    {"mknodat-setuid", NULL, false, true},
    {"setxattr-capability", NULL, false, true},
    {"lsetxattr-user", NULL, false, true},
    {"fsetxattr-capability", NULL, false, true},
    {"setxattrat-capability", NULL, false, true},
    {"openat2-setuid", NULL, false, true},
    {"tiocsti", "ioctl", false, false},
    {"tiocsti-highbits", "ioctl", false, false},
    {"tioclinux", "ioctl", false, false},
    {"socket-packet", "socket", false, false},
    {"socket-raw", "socket", false, false},
    {"socket-raw6", "socket", false, false},
    {"socket-inet-packet", "socket", false, false},
    {"socket-netlink", "socket", false, false},
    {"socket-netlink-highbits", "socket", false, false},
    {"socket-vsock", "socket", false, false},
    {"socket-vsock-highbits", "socket", false, false},
    {"socket-alg", "socket", false, false},
    {"socket-key", "socket", false, false},
    {"clone-newuser", "clone", false, false},
    {"clone-newns", "clone", false, false},
    {"clone-newpid", "clone", false, false},
    {"clone-newnet", "clone", false, false},
    {"clone-newuts", "clone", false, false},
    {"clone-newipc", "clone", false, false},
    {"clone-newcgroup", "clone", false, false},
    {"clone3", NULL, false, false},
    {"unshare", "unshare", false, false},
    {"setns", "setns", false, false},
    {"mount", "mount", false, false},
    {"umount", "umount2", false, false},
    {"pivot_root", "pivot_root", false, false},
    {"chroot", "chroot", false, false},
    {"open_by_handle_at", "open_by_handle_at", false, false},
    {"name_to_handle_at", "name_to_handle_at", false, false},
    {"fsopen", "fsopen", false, false},
    {"lookup_dcookie", "lookup_dcookie", false, false},
    {"uselib", "uselib", false, false},
    {"quotactl", "quotactl", false, false},
    {"kexec", "kexec_load", false, false},
    {"init_module", "finit_module", false, false},
    {"delete_module", "delete_module", false, false},
    {"bpf", "bpf", false, false},
    {"perf_event_open", "perf_event_open", false, false},
    {"userfaultfd", "userfaultfd", false, false},
    {"io_uring", "io_uring_setup", false, false},
    {"keyctl", "keyctl", false, false},
    {"add_key", "add_key", false, false},
    {"request_key", "request_key", false, false},
    {"ptrace", "ptrace", false, false},
    {"process_vm_readv", "process_vm_readv", false, false},
    {"reboot", "reboot", false, false},
    {"swapon", "swapon", false, false},
    {"syslog", "syslog", false, false},
    {"acct", "acct", false, false},
    {"clock_settime", "clock_settime", false, false},
    {"settimeofday", "settimeofday", false, false},
    {"iopl", "iopl", false, false},
    {"ioperm", "ioperm", false, false},
#ifdef __x86_64__
    {"int80", "getpid (x86)", true, false},
    {"x32", "getpid (x32)", true, false},
#endif
};
const size_t n_stock_attacks = ARRAY_SIZE(stock_attacks);

bool host_has_int80(void) {
#ifdef __x86_64__
  static int has = -1;
  if (has < 0) {
    pid_t pid = fork();
    if (pid == 0) {
      long ret;
      __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
      _exit(ret == (long)getpid() ? 0 : 1);
    }
    int st = 0;
    has = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }
  return has;
#else
  return false;
#endif
}

bool stock_attack_possible(const stock_attack *a) {
  return strcmp(a->name, "int80") != 0 || host_has_int80();
}

const char *attack_helper(void) {
  const char *b = getenv("SBX_BUILDDIR");
  _cleanup_free_ char *p = xasprintf("%s/tests/helper/attack", b ? b : "build");
  if (access(p, X_OK) < 0) return NULL;
  char abs[PATH_MAX];
  if (!realpath(p, abs)) return NULL;
  return test_own(xstrdup(abs));
}
