/* attacks.c: the helper's attacks and the stock policy's answers (see attacks.h). */
#include "attacks.h"

#include "harness.h"
#include "util.h"

#include <limits.h>
#include <sys/wait.h>

const stock_attack stock_attacks[] = {
    {"tiocsti", "ioctl", false},
    {"tiocsti-highbits", "ioctl", false},
    {"tioclinux", "ioctl", false},
    {"socket-packet", "socket", false},
    {"socket-raw", "socket", false},
    {"socket-raw6", "socket", false},
    {"socket-inet-packet", "socket", false},
    {"socket-netlink", "socket", false},
    {"socket-netlink-highbits", "socket", false},
    {"socket-vsock", "socket", false},
    {"socket-vsock-highbits", "socket", false},
    {"socket-alg", "socket", false},
    {"socket-key", "socket", false},
    {"clone-newuser", "clone", false},
    {"clone-newns", "clone", false},
    {"clone-newpid", "clone", false},
    {"clone-newnet", "clone", false},
    {"clone-newuts", "clone", false},
    {"clone-newipc", "clone", false},
    {"clone-newcgroup", "clone", false},
    {"clone3", NULL, false},
    {"unshare", "unshare", false},
    {"setns", "setns", false},
    {"mount", "mount", false},
    {"umount", "umount2", false},
    {"pivot_root", "pivot_root", false},
    {"chroot", "chroot", false},
    {"open_by_handle_at", "open_by_handle_at", false},
    {"name_to_handle_at", "name_to_handle_at", false},
    {"fsopen", "fsopen", false},
    {"lookup_dcookie", "lookup_dcookie", false},
    {"uselib", "uselib", false},
    {"quotactl", "quotactl", false},
    {"kexec", "kexec_load", false},
    {"init_module", "finit_module", false},
    {"delete_module", "delete_module", false},
    {"bpf", "bpf", false},
    {"perf_event_open", "perf_event_open", false},
    {"userfaultfd", "userfaultfd", false},
    {"io_uring", "io_uring_setup", false},
    {"keyctl", "keyctl", false},
    {"add_key", "add_key", false},
    {"request_key", "request_key", false},
    {"ptrace", "ptrace", false},
    {"process_vm_readv", "process_vm_readv", false},
    {"reboot", "reboot", false},
    {"swapon", "swapon", false},
    {"syslog", "syslog", false},
    {"acct", "acct", false},
    {"clock_settime", "clock_settime", false},
    {"settimeofday", "settimeofday", false},
    {"iopl", "iopl", false},
    {"ioperm", "ioperm", false},
#ifdef __x86_64__
    {"int80", "getpid (x86)", true},
    {"x32", "getpid (x32)", true},
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
