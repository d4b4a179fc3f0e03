/* seccomp-groups.h: the named syscall groups profiles use in their seccomp section ("@mount",
 * "@baseline"). What each group holds, and why, is documented in docs/security.md ("Syscall
 * groups").
 *
 * Names are libseccomp's. A few exist only on some architectures (iopl and ioperm on x86, for
 * example): libseccomp resolves such a name to a negative pseudo-number where the syscall does
 * not exist, and a filter builder skips it there (seccomp_syscall_resolve_name() < 0). */
#ifndef JOBSPEC_SECCOMP_GROUPS_H
#define JOBSPEC_SECCOMP_GROUPS_H

/* The syscall names of group `name` (with its '@'), NULL-terminated; NULL if there is no such
 * group. The arrays are static: do not free them. */
const char *const *sc_group_syscalls(const char *name);

/* Every group name ("@baseline", ...), NULL-terminated, in a fixed order. */
const char *const *sc_group_names(void);

#endif
