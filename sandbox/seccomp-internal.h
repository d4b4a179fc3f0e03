/* seccomp-internal.h: what the seccomp files share: the filter's layout, the canonical
 * serialisation of a policy (the caches' key) and the compiler. seccomp.c compiles;
 * seccomp-cache.c keeps compiled filters (memory, disk) and builds through it; seccomp-run.c
 * installs, names syscalls and handles notifications. */
#ifndef SANDBOX_SECCOMP_INTERNAL_H
#define SANDBOX_SECCOMP_INTERNAL_H

#include "hardening.h"

#include <linux/filter.h>

/* x32 syscalls: the x86_64 audit arch, with this bit in the number. */
#define X32_SYSCALL_BIT 0x40000000u

struct sc_filter {
  size_t len;
  struct sock_filter insns[];
};

/* A growing byte buffer (the serialised policy). */
typedef struct buf {
  char *data;
  size_t len, cap;
} buf;

sc_filter *sc_filter_new(const struct sock_filter *insns, size_t len);
/* The canonical serialisation of a policy: equal policies, equal bytes. */
void sc_policy_serialise(const sbx_seccomp *sc, buf *b);
/* FNV-1a of bytes (the disk cache's file name). */
uint64_t sc_policy_hash(const void *p, size_t n);
/* Compiles a policy with libseccomp into a filter (never cached). */
int sc_compile(const sbx_seccomp *sc, sc_filter **out, sbx_error **err);

#endif
