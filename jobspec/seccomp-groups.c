/* seccomp-groups.c: named groups of system calls, after systemd's groups of the same names.
 * (A minimal version for the profile loader; the full table is maintained separately.) */
#include "seccomp-groups.h"

#include "util.h"

#define G(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct {
  const char *name;
  const char *const *syscalls;
} groups[] = {
    {"@bpf", G("bpf")},
    {"@clock", G("adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64",
                 "settimeofday", "stime")},
    {"@debug", G("lookup_dcookie", "perf_event_open", "pidfd_getfd", "process_vm_readv",
                 "process_vm_writev", "ptrace")},
    {"@keyring", G("add_key", "keyctl", "request_key")},
    {"@kexec", G("kexec_file_load", "kexec_load")},
    {"@module", G("delete_module", "finit_module", "init_module")},
    {"@mount", G("chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr",
                 "move_mount", "open_tree", "pivot_root", "umount", "umount2")},
    {"@obsolete", G("_sysctl", "afs_syscall", "bdflush", "break", "create_module", "ftime",
                    "get_kernel_syms", "getpmsg", "gtty", "idle", "lock", "mpx", "prof", "profil",
                    "putpmsg", "query_module", "security", "sgetmask", "ssetmask", "stty", "sysfs",
                    "tuxcall", "ulimit", "uselib", "ustat", "vserver")},
    {"@perf", G("perf_event_open")},
    {"@raw-io", G("ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
                  "s390_pci_mmio_read", "s390_pci_mmio_write")},
    {"@reboot", G("kexec_load", "kexec_file_load", "reboot")},
    {"@swap", G("swapoff", "swapon")},
};

static const char *const group_names[] = {
    "@bpf",      "@clock", "@debug",  "@keyring", "@kexec", "@module", "@mount",
    "@obsolete", "@perf",  "@raw-io", "@reboot",  "@swap",  NULL,
};

const char *const *seccomp_group_syscalls(const char *name) {
  for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
    if (strcmp(groups[i].name, name) == 0) return groups[i].syscalls;
  return NULL;
}

const char *const *seccomp_group_names(void) { return group_names; }
