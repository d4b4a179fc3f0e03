/* seccomp-groups.h: named groups of system calls ("@mount") for seccomp allow and deny lists. */
#ifndef SANDBOX_SECCOMP_GROUPS_H
#define SANDBOX_SECCOMP_GROUPS_H

/* The system calls of a group, such as "@mount", NULL-terminated; NULL if the group is
 * unknown. Names may include calls that do not exist on every architecture. */
const char *const *seccomp_group_syscalls(const char *name);
/* Every group name ("@mount" ...), NULL-terminated. */
const char *const *seccomp_group_names(void);

#endif
