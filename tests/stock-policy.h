/* stock-policy.h: a seccomp deny-list shaped like the stock profiles' (docs/security.md, "What
 * every stock profile must deny"), for the hardening tests. Header-only, for tests. */
#ifndef SANDBOX_TESTS_STOCK_POLICY_H
#define SANDBOX_TESTS_STOCK_POLICY_H

#include "spec.h"
#include "util.h"

#include <errno.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Turns on the filter of `s` with the stock deny-list (default allow), each denied call
 * answered with `action` (SBX_SECCOMP_ERRNO: EPERM, or EAFNOSUPPORT for socket families).
 * clone3 always gets ENOSYS. */
static inline void stock_policy_apply_with(sbx_spec *s, sbx_seccomp_action action) {
  static const char *const deny[] = {"mount",
                                     "umount2",
                                     "pivot_root",
                                     "chroot",
                                     "move_mount",
                                     "open_tree",
                                     "fsopen",
                                     "fsconfig",
                                     "fsmount",
                                     "fspick",
                                     "mount_setattr",
                                     "unshare",
                                     "setns",
                                     "kexec_load",
                                     "kexec_file_load",
                                     "init_module",
                                     "finit_module",
                                     "delete_module",
                                     "bpf",
                                     "perf_event_open",
                                     "userfaultfd",
                                     "keyctl",
                                     "add_key",
                                     "request_key",
                                     "ptrace",
                                     "process_vm_readv",
                                     "process_vm_writev",
                                     "kcmp",
                                     "pidfd_getfd",
                                     "reboot",
                                     "swapon",
                                     "swapoff",
                                     "syslog",
                                     "acct",
                                     "settimeofday",
                                     "clock_settime",
                                     "clock_adjtime",
                                     "adjtimex",
                                     "iopl",
                                     "ioperm",
                                     "open_by_handle_at",
                                     "name_to_handle_at",
                                     "quotactl",
                                     "lookup_dcookie",
                                     "io_uring_setup",
                                     "io_uring_enter",
                                     "io_uring_register",
                                     "uselib",
                                     NULL};
  s->seccomp.enabled = true;
  s->seccomp.default_action = SBX_SECCOMP_ALLOW;
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, action, EPERM);
  for (size_t i = 0; deny[i]; i++) spec_rule_add_name(r, deny[i]);
  r = spec_add_seccomp_rule(s, SBX_SECCOMP_ERRNO, ENOSYS);
  spec_rule_add_name(r, "clone3");
  static const uint64_t ns[] = {CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,   CLONE_NEWNET,
                                CLONE_NEWUTS,  CLONE_NEWIPC, CLONE_NEWCGROUP};
  for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
    r = spec_add_seccomp_rule(s, action, EPERM);
    spec_rule_add_name(r, "clone");
    spec_rule_add_arg(r, 0, SBX_OP_MASKED_EQ, ns[i], ns[i]);
  }
  static const int fam[] = {AF_PACKET, AF_KEY, AF_ALG, AF_VSOCK, AF_BLUETOOTH, AF_XDP};
  for (size_t i = 0; i < ARRAY_SIZE(fam); i++) {
    r = spec_add_seccomp_rule(s, action, EAFNOSUPPORT);
    spec_rule_add_name(r, "socket");
    spec_rule_add_arg(r, 0, SBX_OP_EQ, (uint64_t)fam[i], 0);
  }
  /* Raw IP sockets, SOCK_PACKET, and netlink other than NETLINK_ROUTE. */
  static const struct {
    int family, type;
  } raw[] = {{AF_INET, SOCK_RAW}, {AF_INET6, SOCK_RAW}, {AF_INET, SOCK_PACKET}};
  for (size_t i = 0; i < ARRAY_SIZE(raw); i++) {
    r = spec_add_seccomp_rule(s, action, EPERM);
    spec_rule_add_name(r, "socket");
    spec_rule_add_arg(r, 0, SBX_OP_EQ, (uint64_t)raw[i].family, 0);
    spec_rule_add_arg(r, 1, SBX_OP_MASKED_EQ, 15, (uint64_t)raw[i].type);
  }
  r = spec_add_seccomp_rule(s, action, EPROTONOSUPPORT);
  spec_rule_add_name(r, "socket");
  spec_rule_add_arg(r, 0, SBX_OP_EQ, AF_NETLINK, 0);
  spec_rule_add_arg(r, 2, SBX_OP_NE, 0, 0);
  static const unsigned long req[] = {TIOCSTI, TIOCLINUX};
  for (size_t i = 0; i < ARRAY_SIZE(req); i++) {
    r = spec_add_seccomp_rule(s, action, EPERM);
    spec_rule_add_name(r, "ioctl");
    spec_rule_add_arg(r, 1, SBX_OP_MASKED_EQ, 0xffffffffu, req[i]);
  }
}

static inline void stock_policy_apply(sbx_spec *s) {
  stock_policy_apply_with(s, SBX_SECCOMP_ERRNO);
}

/* Each attack of tests/helper/attack that the stock policy meets with a rule, and the syscall
 * a kill report names. */
static const struct {
  const char *attack, *syscall;
} stock_attack_syscalls[] = {
    {"tiocsti", "ioctl"},
    {"tiocsti-highbits", "ioctl"},
    {"tioclinux", "ioctl"},
    {"socket-packet", "socket"},
    {"socket-raw", "socket"},
    {"socket-raw6", "socket"},
    {"socket-inet-packet", "socket"},
    {"socket-netlink", "socket"},
    {"socket-netlink-highbits", "socket"},
    {"socket-vsock", "socket"},
    {"socket-vsock-highbits", "socket"},
    {"socket-alg", "socket"},
    {"socket-key", "socket"},
    {"clone-newuser", "clone"},
    {"clone-newns", "clone"},
    {"clone-newpid", "clone"},
    {"clone-newnet", "clone"},
    {"clone-newuts", "clone"},
    {"clone-newipc", "clone"},
    {"clone-newcgroup", "clone"},
    {"unshare", "unshare"},
    {"setns", "setns"},
    {"mount", "mount"},
    {"umount", "umount2"},
    {"pivot_root", "pivot_root"},
    {"chroot", "chroot"},
    {"open_by_handle_at", "open_by_handle_at"},
    {"name_to_handle_at", "name_to_handle_at"},
    {"fsopen", "fsopen"},
    {"lookup_dcookie", "lookup_dcookie"},
    {"uselib", "uselib"},
    {"quotactl", "quotactl"},
    {"kexec", "kexec_load"},
    {"init_module", "finit_module"},
    {"delete_module", "delete_module"},
    {"bpf", "bpf"},
    {"perf_event_open", "perf_event_open"},
    {"userfaultfd", "userfaultfd"},
    {"io_uring", "io_uring_setup"},
    {"keyctl", "keyctl"},
    {"add_key", "add_key"},
    {"request_key", "request_key"},
    {"ptrace", "ptrace"},
    {"process_vm_readv", "process_vm_readv"},
    {"reboot", "reboot"},
    {"swapon", "swapon"},
    {"syslog", "syslog"},
    {"acct", "acct"},
    {"clock_settime", "clock_settime"},
    {"settimeofday", "settimeofday"},
    {"iopl", "iopl"},
    {"ioperm", "ioperm"},
#ifdef __x86_64__
    {"int80", "getpid (x86)"},
    {"x32", "getpid (x32)"},
#endif
};

/* Whether this kernel runs i386 syscalls through int 0x80 (IA32 emulation can be compiled out
 * or turned off with ia32_emulation=0, and then int 0x80 faults before seccomp sees it). */
static inline bool host_has_int80(void) {
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

/* The attacks of tests/helper/attack that the stock policy answers with an error (the helper
 * exits 0), and those it answers by killing the job. */
static const char *const stock_errno_attacks[] = {"tiocsti",
                                                  "tiocsti-highbits",
                                                  "tioclinux",
                                                  "socket-packet",
                                                  "socket-raw",
                                                  "socket-raw6",
                                                  "socket-inet-packet",
                                                  "socket-netlink",
                                                  "socket-netlink-highbits",
                                                  "socket-vsock",
                                                  "socket-vsock-highbits",
                                                  "socket-alg",
                                                  "socket-key",
                                                  "clone-newuser",
                                                  "clone-newns",
                                                  "clone-newnet",
                                                  "clone-newpid",
                                                  "clone-newuts",
                                                  "clone-newipc",
                                                  "clone-newcgroup",
                                                  "clone3",
                                                  "unshare",
                                                  "setns",
                                                  "mount",
                                                  "umount",
                                                  "pivot_root",
                                                  "chroot",
                                                  "open_by_handle_at",
                                                  "name_to_handle_at",
                                                  "fsopen",
                                                  "lookup_dcookie",
                                                  "uselib",
                                                  "quotactl",
                                                  "kexec",
                                                  "init_module",
                                                  "delete_module",
                                                  "bpf",
                                                  "perf_event_open",
                                                  "userfaultfd",
                                                  "io_uring",
                                                  "keyctl",
                                                  "add_key",
                                                  "request_key",
                                                  "ptrace",
                                                  "process_vm_readv",
                                                  "reboot",
                                                  "swapon",
                                                  "syslog",
                                                  "acct",
                                                  "clock_settime",
                                                  "settimeofday",
                                                  "iopl",
                                                  "ioperm",
                                                  NULL};
static const char *const stock_kill_attacks[] = {"int80", "x32", NULL};

#endif
