/* seccomp-groups.c: the named syscall groups (see seccomp-groups.h and docs/security.md).
 *
 * Each group's names are kept in one macro so that the union groups (@privileged) are built
 * from the same lists and cannot drift from them. Every name must be known to libseccomp 2.5;
 * tests/test-seccomp-groups.c checks that on x86_64 and aarch64, and that names missing on one
 * of them are listed there as such. */
#include "seccomp-groups.h"

#include "util.h"

/* What real build and test tools need (gcc, clang, make, ninja, sh, python3, node, git), kept
 * generous: a missing call breaks a build in ways that are hard to diagnose. Left out on
 * purpose: clone3 (its flags are in memory a filter cannot read, so the hardening answers it
 * with ENOSYS and libc falls back to clone, whose flags are filtered), and everything in the
 * groups below. ioctl, socket and clone are here; their dangerous arguments (TIOCSTI, raw and
 * netlink sockets, namespace flags) are for argument rules. */
#define BASELINE_FILES                                                                             \
  "read", "write", "open", "openat", "openat2", "creat", "close", "close_range", "lseek",          \
      "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2",        \
      "sendfile", "copy_file_range", "splice", "tee", "vmsplice", "dup", "dup2", "dup3", "fcntl",  \
      "flock", "fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "truncate", "ftruncate", \
      "fallocate", "fadvise64", "readahead", "stat", "fstat", "lstat", "newfstatat", "statx",      \
      "statfs", "fstatfs", "access", "faccessat", "faccessat2", "getdents", "getdents64",          \
      "getcwd", "chdir", "fchdir", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir", \
      "link", "linkat", "unlink", "unlinkat", "symlink", "symlinkat", "readlink", "readlinkat",    \
      "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat", "umask", "utime",    \
      "utimes", "utimensat", "futimesat", "mknod", "mknodat", "pipe", "pipe2", "ioctl",            \
      "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "getxattr",        \
      "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr", "setxattr", "lsetxattr",  \
      "fsetxattr", "removexattr", "lremovexattr", "fremovexattr", "memfd_create"
#define BASELINE_MEMORY                                                                            \
  "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "msync", "mincore", "mlock", "mlock2", \
      "munlock", "mlockall", "munlockall", "membarrier", "pkey_alloc", "pkey_free",                \
      "pkey_mprotect", "get_mempolicy", "set_mempolicy", "mbind"
#define BASELINE_PROCESS                                                                           \
  "fork", "vfork", "clone", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "kill", \
      "tkill", "tgkill", "pidfd_open", "pidfd_send_signal", "getpid", "getppid", "gettid",         \
      "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups", "setuid",   \
      "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "setfsuid",         \
      "setfsgid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid", "capget", "capset",         \
      "prctl", "arch_prctl", "set_tid_address", "set_robust_list", "get_robust_list", "rseq",      \
      "futex", "futex_waitv", "sched_yield", "sched_getaffinity", "sched_setaffinity",             \
      "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler",              \
      "sched_getattr", "sched_setattr", "sched_get_priority_max", "sched_get_priority_min",        \
      "sched_rr_get_interval", "getpriority", "setpriority", "ioprio_get", "ioprio_set",           \
      "getrlimit", "setrlimit", "prlimit64", "getrusage", "times", "sysinfo", "uname", "getcpu",   \
      "getrandom", "seccomp", "landlock_create_ruleset", "landlock_add_rule",                      \
      "landlock_restrict_self"
#define BASELINE_SIGNALS                                                                    \
  "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigpending",       \
      "rt_sigtimedwait", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack", "signalfd", \
      "signalfd4", "pause", "alarm", "restart_syscall"
#define BASELINE_TIME                                                                      \
  "time", "gettimeofday", "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", \
      "getitimer", "setitimer", "timer_create", "timer_settime", "timer_gettime",          \
      "timer_getoverrun", "timer_delete", "timerfd_create", "timerfd_settime", "timerfd_gettime"
#define BASELINE_NET_POLL                                                                        \
  "socket", "socketpair", "bind", "listen", "accept", "accept4", "connect", "getsockname",       \
      "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",         \
      "setsockopt", "getsockopt", "shutdown", "poll", "ppoll", "select", "pselect6",             \
      "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", \
      "eventfd", "eventfd2"
#define BASELINE_IPC                                                                           \
  "shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semctl", "msgget",   \
      "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", \
      "mq_notify", "mq_getsetattr", "io_setup", "io_destroy", "io_submit", "io_cancel",        \
      "io_getevents", "io_pgetevents"

#define MOUNT                                                                                  \
  "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig", \
      "fsmount", "fspick", "mount_setattr"
#define MODULE       "init_module", "finit_module", "delete_module"
#define KEXEC        "kexec_load", "kexec_file_load"
#define BPF          "bpf"
#define PERF         "perf_event_open"
#define KEYRING      "add_key", "request_key", "keyctl"
#define DEBUG        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd"
#define CLOCK        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime"
#define SWAP         "swapon", "swapoff"
#define REBOOT       "reboot"
#define RAW_IO       "iopl", "ioperm", "pciconfig_read", "pciconfig_write", "pciconfig_iobase"
#define NAMESPACES   "unshare", "setns"
#define IO_URING     "io_uring_setup", "io_uring_enter", "io_uring_register"
#define USERFAULTFD  "userfaultfd"
#define FILE_HANDLES "open_by_handle_at", "name_to_handle_at"
#define ADMIN                                                                              \
  "acct", "syslog", "quotactl", "quotactl_fd", "lookup_dcookie", "vhangup", "sethostname", \
      "setdomainname", "fanotify_init", "nfsservctl"
#define OBSOLETE                                                                                   \
  "_sysctl", "afs_syscall", "bdflush", "break", "create_module", "ftime", "get_kernel_syms",       \
      "getpmsg", "gtty", "idle", "lock", "mpx", "prof", "profil", "putpmsg", "query_module",       \
      "security", "sgetmask", "ssetmask", "stty", "sysfs", "tuxcall", "ulimit", "uselib", "ustat", \
      "vserver", "vm86", "vm86old"

static const char *const g_baseline[] = {
    BASELINE_FILES, BASELINE_MEMORY,   BASELINE_PROCESS, BASELINE_SIGNALS,
    BASELINE_TIME,  BASELINE_NET_POLL, BASELINE_IPC,     NULL};
static const char *const g_privileged[] = {
    MOUNT, MODULE, KEXEC,  BPF,        PERF,        KEYRING,      DEBUG, CLOCK,
    SWAP,  REBOOT, RAW_IO, NAMESPACES, USERFAULTFD, FILE_HANDLES, ADMIN, NULL};
static const char *const g_mount[] = {MOUNT, NULL};
static const char *const g_module[] = {MODULE, NULL};
static const char *const g_kexec[] = {KEXEC, NULL};
static const char *const g_bpf[] = {BPF, NULL};
static const char *const g_perf[] = {PERF, NULL};
static const char *const g_keyring[] = {KEYRING, NULL};
static const char *const g_debug[] = {DEBUG, NULL};
static const char *const g_clock[] = {CLOCK, NULL};
static const char *const g_swap[] = {SWAP, NULL};
static const char *const g_reboot[] = {REBOOT, NULL};
static const char *const g_raw_io[] = {RAW_IO, NULL};
static const char *const g_namespaces[] = {NAMESPACES, NULL};
static const char *const g_io_uring[] = {IO_URING, NULL};
static const char *const g_userfaultfd[] = {USERFAULTFD, NULL};
static const char *const g_file_handles[] = {FILE_HANDLES, NULL};
static const char *const g_admin[] = {ADMIN, NULL};
static const char *const g_obsolete[] = {OBSOLETE, NULL};

static const struct {
  const char *name;
  const char *const *syscalls;
} groups[] = {
    {"@baseline", g_baseline},
    {"@privileged", g_privileged},
    {"@mount", g_mount},
    {"@module", g_module},
    {"@kexec", g_kexec},
    {"@bpf", g_bpf},
    {"@perf", g_perf},
    {"@keyring", g_keyring},
    {"@debug", g_debug},
    {"@clock", g_clock},
    {"@swap", g_swap},
    {"@reboot", g_reboot},
    {"@raw-io", g_raw_io},
    {"@namespaces", g_namespaces},
    {"@io-uring", g_io_uring},
    {"@userfaultfd", g_userfaultfd},
    {"@file-handles", g_file_handles},
    {"@admin", g_admin},
    {"@obsolete", g_obsolete},
};

static const char *const group_names[] = {
    "@baseline", "@privileged",  "@mount",        "@module", "@kexec",    "@bpf",    "@perf",
    "@keyring",  "@debug",       "@clock",        "@swap",   "@reboot",   "@raw-io", "@namespaces",
    "@io-uring", "@userfaultfd", "@file-handles", "@admin",  "@obsolete", NULL};

_Static_assert(ARRAY_SIZE(group_names) == ARRAY_SIZE(groups) + 1, "every group has a name");

const char *const *sc_group_syscalls(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
    if (strcmp(groups[i].name, name) == 0) return groups[i].syscalls;
  return NULL;
}

const char *const *sc_group_names(void) { return group_names; }
