/* test-seccomp-groups.c: the named syscall groups (jobspec/seccomp-groups.c). */
#define TEST_FILE "test-seccomp-groups"
#include "harness.h"

#include "seccomp-groups.h"

#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>

/* Names that do not exist on x86_64 or aarch64 (libseccomp resolves them to a negative
 * pseudo-number there). Each is in its group for the other ABIs a filter may cover: i386 and x32
 * on x86_64, arm on aarch64. Both directions are checked, so this list cannot go stale. */
static const struct {
  const char *name;
  bool x86_64, aarch64;
} arch_specific[] = {
    /* x86_64 only: the legacy calls aarch64 never had (it has only the *at forms) */
    {"open", true, false},
    {"creat", true, false},
    {"dup2", true, false},
    {"stat", true, false},
    {"lstat", true, false},
    {"access", true, false},
    {"getdents", true, false},
    {"rename", true, false},
    {"mkdir", true, false},
    {"rmdir", true, false},
    {"link", true, false},
    {"unlink", true, false},
    {"symlink", true, false},
    {"readlink", true, false},
    {"chmod", true, false},
    {"chown", true, false},
    {"lchown", true, false},
    {"utime", true, false},
    {"utimes", true, false},
    {"futimesat", true, false},
    {"mknod", true, false},
    {"pipe", true, false},
    {"inotify_init", true, false},
    {"fork", true, false},
    {"vfork", true, false},
    {"getpgrp", true, false},
    {"arch_prctl", true, false},
    {"signalfd", true, false},
    {"pause", true, false},
    {"alarm", true, false},
    {"time", true, false},
    {"poll", true, false},
    {"select", true, false},
    {"epoll_create", true, false},
    {"epoll_wait", true, false},
    {"eventfd", true, false},
    {"iopl", true, false},
    {"ioperm", true, false},
    {"_sysctl", true, false},
    {"afs_syscall", true, false},
    {"create_module", true, false},
    {"get_kernel_syms", true, false},
    {"getpmsg", true, false},
    {"putpmsg", true, false},
    {"query_module", true, false},
    {"security", true, false},
    {"sysfs", true, false},
    {"tuxcall", true, false},
    {"uselib", true, false},
    {"ustat", true, false},
    {"vserver", true, false},
    /* neither: i386 or 32-bit arm (or older) only */
    {"stime", false, false},
    {"pciconfig_read", false, false},
    {"pciconfig_write", false, false},
    {"pciconfig_iobase", false, false},
    {"bdflush", false, false},
    {"break", false, false},
    {"ftime", false, false},
    {"gtty", false, false},
    {"idle", false, false},
    {"lock", false, false},
    {"mpx", false, false},
    {"prof", false, false},
    {"profil", false, false},
    {"sgetmask", false, false},
    {"ssetmask", false, false},
    {"stty", false, false},
    {"ulimit", false, false},
    {"vm86", false, false},
    {"vm86old", false, false},
};

static int mark_of(const char *name) {
  for (size_t i = 0; i < sizeof arch_specific / sizeof arch_specific[0]; i++)
    if (strcmp(arch_specific[i].name, name) == 0) return (int)i;
  return -1;
}

static bool in_list(const char *const *list, const char *name) {
  for (; list && *list; list++)
    if (strcmp(*list, name) == 0) return true;
  return false;
}

static size_t count(const char *const *list) {
  size_t n = 0;
  while (list && list[n]) n++;
  return n;
}

static const char *const required_groups[] = {
    "@baseline", "@privileged",  "@mount",        "@module",   "@kexec",
    "@bpf",      "@perf",        "@keyring",      "@debug",    "@clock",
    "@swap",     "@reboot",      "@raw-io",       "@obsolete", "@namespaces",
    "@io-uring", "@userfaultfd", "@file-handles", "@admin",    NULL};

TEST(every_group_is_listed_and_found) {
  const char *const *names = sc_group_names();
  CHECK(names);
  for (const char *const *g = required_groups; *g; g++)
    if (!in_list(names, *g)) TEST_FAIL("group %s is missing from sc_group_names()", *g);
  CHECK_EQ_INT(count(names), count(required_groups));
  for (const char *const *g = names; *g; g++) {
    const char *const *s = sc_group_syscalls(*g);
    if (!s || !*s) TEST_FAIL("group %s has no syscalls", *g);
    CHECK((*g)[0] == '@');
  }
  CHECK(sc_group_syscalls("@nope") == NULL);
  CHECK(sc_group_syscalls("mount") == NULL); /* without the '@' */
  CHECK(sc_group_syscalls("") == NULL);
  CHECK(sc_group_syscalls(NULL) == NULL);
}

TEST(no_duplicates_in_a_group) {
  for (const char *const *g = sc_group_names(); *g; g++) {
    const char *const *s = sc_group_syscalls(*g);
    for (size_t i = 0; s[i]; i++)
      for (size_t j = i + 1; s[j]; j++)
        if (strcmp(s[i], s[j]) == 0) TEST_FAIL("%s lists %s twice", *g, s[i]);
  }
}

/* Every name is known to libseccomp, and resolves on x86_64 and aarch64 unless marked. */
static void check_arch(uint32_t arch, const char *arch_name, bool x86) {
  for (const char *const *g = sc_group_names(); *g; g++)
    for (const char *const *s = sc_group_syscalls(*g); *s; s++) {
      int nr = seccomp_syscall_resolve_name_arch(arch, *s);
      if (nr == __NR_SCMP_ERROR) TEST_FAIL("%s: '%s' is not a syscall libseccomp knows", *g, *s);
      int m = mark_of(*s);
      bool expected = m < 0 || (x86 ? arch_specific[m].x86_64 : arch_specific[m].aarch64);
      if (expected && nr < 0) TEST_FAIL("%s: '%s' does not resolve on %s", *g, *s, arch_name);
      if (!expected && nr >= 0)
        TEST_FAIL("%s: '%s' resolves on %s (%d) but is marked absent there", *g, *s, arch_name, nr);
    }
}

TEST(names_resolve_on_x86_64) { check_arch(SCMP_ARCH_X86_64, "x86_64", true); }
TEST(names_resolve_on_aarch64) { check_arch(SCMP_ARCH_AARCH64, "aarch64", false); }

TEST(marks_are_used) {
  for (size_t i = 0; i < sizeof arch_specific / sizeof arch_specific[0]; i++) {
    bool found = false;
    for (const char *const *g = sc_group_names(); *g && !found; g++)
      found = in_list(sc_group_syscalls(*g), arch_specific[i].name);
    if (!found) TEST_FAIL("'%s' is marked but in no group", arch_specific[i].name);
  }
}

/* On the machine running the tests, every name resolves unless marked absent on this arch, and
 * a filter can be built from every group (names absent here skipped, as a builder must). */
TEST(names_resolve_natively_and_build_a_filter) {
  uint32_t native = seccomp_arch_native();
  bool x86 = native == SCMP_ARCH_X86_64, arm = native == SCMP_ARCH_AARCH64;
  if (!x86 && !arm) SKIP_TEST("native architecture is neither x86_64 nor aarch64");
  for (const char *const *g = sc_group_names(); *g; g++) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    CHECK(ctx);
    for (const char *const *s = sc_group_syscalls(*g); *s; s++) {
      int nr = seccomp_syscall_resolve_name(*s);
      int m = mark_of(*s);
      bool expected = m < 0 || (x86 ? arch_specific[m].x86_64 : arch_specific[m].aarch64);
      if (expected != (nr >= 0)) {
        seccomp_release(ctx);
        TEST_FAIL("%s: '%s' resolves natively to %d", *g, *s, nr);
      }
      if (nr < 0) continue;
      int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
      if (rc < 0) {
        seccomp_release(ctx);
        TEST_FAIL("%s: seccomp_rule_add(%s): %s", *g, *s, strerror(-rc));
      }
    }
    seccomp_release(ctx);
  }
}

/* @privileged is exactly the union of the groups it is documented to hold. */
TEST(privileged_is_the_union) {
  static const char *const parts[] = {"@mount",       "@module",       "@kexec",  "@bpf",
                                      "@perf",        "@keyring",      "@debug",  "@clock",
                                      "@swap",        "@reboot",       "@raw-io", "@namespaces",
                                      "@userfaultfd", "@file-handles", "@admin",  NULL};
  const char *const *priv = sc_group_syscalls("@privileged");
  size_t total = 0;
  for (const char *const *p = parts; *p; p++) {
    const char *const *s = sc_group_syscalls(*p);
    total += count(s);
    for (; *s; s++)
      if (!in_list(priv, *s)) TEST_FAIL("@privileged lacks %s from %s", *s, *p);
  }
  CHECK_EQ_INT(count(priv), total);
}

/* The baseline allows nothing the dangerous groups hold. */
TEST(baseline_is_disjoint_from_dangerous_groups) {
  static const char *const dangerous[] = {"@privileged", "@io-uring", "@obsolete", NULL};
  const char *const *base = sc_group_syscalls("@baseline");
  for (const char *const *d = dangerous; *d; d++)
    for (const char *const *s = sc_group_syscalls(*d); *s; s++)
      if (in_list(base, *s)) TEST_FAIL("@baseline allows %s, which is in %s", *s, *d);
  /* clone3 carries its flags in memory: it is answered with ENOSYS, never allowed. */
  CHECK(!in_list(base, "clone3"));
}

/* What a real build needs is in the baseline. */
TEST(baseline_has_what_tools_need) {
  static const char *const needed[] = {"read",
                                       "write",
                                       "openat",
                                       "close",
                                       "mmap",
                                       "mprotect",
                                       "brk",
                                       "execve",
                                       "clone",
                                       "wait4",
                                       "exit_group",
                                       "rt_sigaction",
                                       "futex",
                                       "pipe2",
                                       "dup3",
                                       "newfstatat",
                                       "statx",
                                       "getdents64",
                                       "socket",
                                       "connect",
                                       "epoll_wait",
                                       "epoll_pwait",
                                       "ppoll",
                                       "getrandom",
                                       "clock_gettime",
                                       "prlimit64",
                                       "set_robust_list",
                                       "rseq",
                                       "sched_getaffinity",
                                       "fcntl",
                                       "ioctl",
                                       "renameat2",
                                       "unlinkat",
                                       "readlinkat",
                                       "faccessat2",
                                       "kill",
                                       "getpid",
                                       "uname",
                                       "sysinfo",
                                       "madvise",
                                       "memfd_create",
                                       "vfork",
                                       "setpgid",
                                       "umask",
                                       "utimensat",
                                       NULL};
  const char *const *base = sc_group_syscalls("@baseline");
  for (const char *const *n = needed; *n; n++)
    if (!in_list(base, *n)) TEST_FAIL("@baseline lacks %s", *n);
}

/* Issue 5: every stock profile denies at least these; each must be in a group. */
TEST(issue_5_denials_are_grouped) {
  static const char *const must[] = {"mount",
                                     "umount2",
                                     "pivot_root",
                                     "chroot",
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
                                     "reboot",
                                     "swapon",
                                     "swapoff",
                                     "syslog",
                                     "acct",
                                     "settimeofday",
                                     "clock_settime",
                                     "iopl",
                                     "ioperm",
                                     "open_by_handle_at",
                                     "quotactl",
                                     "lookup_dcookie",
                                     NULL};
  const char *const *priv = sc_group_syscalls("@privileged");
  for (const char *const *n = must; *n; n++)
    if (!in_list(priv, *n)) TEST_FAIL("%s is not in @privileged", *n);
  const char *const *uring = sc_group_syscalls("@io-uring");
  CHECK(in_list(uring, "io_uring_setup") && in_list(uring, "io_uring_enter") &&
        in_list(uring, "io_uring_register"));
  CHECK_EQ_INT(count(sc_group_syscalls("@mount")), 11);
}

RUN_TESTS()
