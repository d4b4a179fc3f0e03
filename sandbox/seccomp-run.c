/* seccomp-run.c: the filter at run time: installing it in the job, naming a forbidden syscall,
 * and the user-notification variant with which init learns of a forbidden call (hardening.h). */
#include "seccomp-internal.h"

#include "util.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* ---- installing --------------------------------------------------------------------------- */

int sc_filter_install(const sc_filter *f, sbx_error **err) {
  if (!f) return 0;
  struct sock_fprog prog = {.len = (unsigned short)f->len,
                            .filter = (struct sock_filter *)f->insns};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0) return 0;
  if (errno == ENOSYS && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0) return 0;
  if (errno == EACCES)
    return sbx_set_errno(err,
                         "installing the seccomp filter (no_new_privs must be set first, "
                         "or CAP_SYS_ADMIN held)");
  if (errno == EINVAL)
    return sbx_set_errno(err,
                         "installing the seccomp filter (does the kernel support "
                         "seccomp filters? CONFIG_SECCOMP_FILTER)");
  return sbx_set_errno(err, "installing the seccomp filter");
}

/* ---- naming syscalls ---------------------------------------------------------------------- */

static const struct {
  uint32_t arch;
  const char *name;
} arch_names[] = {
    {SCMP_ARCH_X86, "x86"},       {SCMP_ARCH_X86_64, "x86_64"},   {SCMP_ARCH_X32, "x32"},
    {SCMP_ARCH_ARM, "arm"},       {SCMP_ARCH_AARCH64, "aarch64"}, {SCMP_ARCH_MIPS, "mips"},
    {SCMP_ARCH_MIPS64, "mips64"}, {SCMP_ARCH_MIPSEL, "mipsel"},   {SCMP_ARCH_MIPSEL64, "mipsel64"},
    {SCMP_ARCH_PPC, "ppc"},       {SCMP_ARCH_PPC64, "ppc64"},     {SCMP_ARCH_PPC64LE, "ppc64le"},
    {SCMP_ARCH_S390, "s390"},     {SCMP_ARCH_S390X, "s390x"},     {SCMP_ARCH_RISCV64, "riscv64"},
};

static const char *arch_name(uint32_t arch) {
  for (size_t i = 0; i < ARRAY_SIZE(arch_names); i++)
    if (arch_names[i].arch == arch) return arch_names[i].name;
  return NULL;
}

char *sc_syscall_name(uint32_t arch, int nr) {
  uint32_t native = seccomp_arch_native();
  if (arch == 0) arch = native;
  uint32_t lookup = arch;
  /* x32 syscalls carry the x86_64 audit arch and the x32 bit in the number. */
  if (arch == SCMP_ARCH_X86_64 && (uint32_t)nr >= X32_SYSCALL_BIT &&
      (uint32_t)nr < X32_SYSCALL_BIT * 2)
    lookup = SCMP_ARCH_X32;
  _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(lookup, nr);
  const char *an = arch_name(lookup);
  if (lookup == native) {
    if (name) return steal_pointer(&name);
    return xasprintf("syscall %d", nr);
  }
  if (name) return xasprintf("%s (%s)", name, an ? an : "unknown ABI");
  if (an) return xasprintf("syscall %d (%s)", nr, an);
  return xasprintf("syscall %d (audit arch 0x%x)", nr, arch);
}

char *sc_siginfo_syscall_name(const siginfo_t *si) {
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif
  if (si->si_signo != SIGSYS || si->si_code != SYS_SECCOMP) return NULL;
  return sc_syscall_name(si->si_arch, si->si_syscall);
}

/* ---- forbidden-syscall reporting through user notification ---------------------------------
 *
 * A job killed by SECCOMP_RET_KILL_PROCESS dies of SIGSYS, and the syscall's number is in the
 * siginfo of a signal that no one can see: a parent's waitid() only learns "SIGSYS". So the
 * filter that the job gets turns every kill into SECCOMP_RET_USER_NOTIF: the forbidden call
 * blocks (it never runs) and the supervisor, holding the listener, reads (arch, nr), kills
 * the sandbox and reports the name. docs/security.md describes the whole protocol. */

sc_filter *sc_filter_notify_variant(const sc_filter *f, int handoff_fd) {
  enum { PREFIX = 7 };
  sc_filter *n = xmalloc(sizeof *n + (f->len + PREFIX) * sizeof *f->insns);
  n->len = f->len + PREFIX;
  uint32_t arg0_low = offsetof(struct seccomp_data, args[0]);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  arg0_low += 4;
#endif
  /* sendmsg(handoff_fd, ...) of the native ABI is allowed, so that the job can hand the
   * listener over even when the policy denies sendmsg. */
  struct sock_filter prefix[PREFIX] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp_arch_native(), 0, 5),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendmsg, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arg0_low),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)handoff_fd, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  memcpy(n->insns, prefix, sizeof prefix);
  for (size_t i = 0; i < f->len; i++) {
    struct sock_filter in = f->insns[i];
    if (in.code == (BPF_RET | BPF_K) &&
        ((in.k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_KILL_PROCESS ||
         (in.k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_KILL_THREAD))
      in.k = SECCOMP_RET_USER_NOTIF;
    n->insns[PREFIX + i] = in;
  }
  if (n->len > BPF_MAXINSNS) { /* cannot happen for a filter that compile() accepted */
    free(n);
    return NULL;
  }
  return n;
}

int sc_filter_install_listener(const sc_filter *f, int *listener, sbx_error **err) {
  struct sock_fprog prog = {.len = (unsigned short)f->len,
                            .filter = (struct sock_filter *)f->insns};
  int fd =
      (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  if (fd < 0) {
    if (errno == EACCES)
      return sbx_set_errno(err, "installing the seccomp filter (no_new_privs must be set first)");
    if (errno == EINVAL)
      return sbx_set_errno(err,
                           "installing the seccomp filter with a listener (user "
                           "notification needs Linux 5.0)");
    if (errno == EBUSY)
      return sbx_set_errno(err,
                           "installing the seccomp filter with a listener (the process "
                           "already has a filter with a listener)");
    return sbx_set_errno(err, "installing the seccomp filter with a listener");
  }
  *listener = fd; /* close-on-exec, as the kernel creates it */
  return 0;
}

int sc_notify_next(int listener, uint32_t *arch, int *nr, int *pid, sbx_error **err) {
  struct seccomp_notif *req = NULL;
  struct seccomp_notif_resp *resp = NULL;
  int rc = seccomp_notify_alloc(&req, &resp);
  if (rc < 0) return sbx_set_error(err, -rc, "allocating a seccomp notification");
  do rc = seccomp_notify_receive(listener, req);
  while (rc == -EINTR);
  if (rc == -ENOENT) { /* the caller died (killed) between poll and read */
    seccomp_notify_free(req, resp);
    return sbx_set_error(err, ENOENT,
                         "reading a seccomp notification: its caller died first (nothing to "
                         "report)");
  }
  if (rc < 0) {
    seccomp_notify_free(req, resp);
    return sbx_set_error(err, -rc, "reading a seccomp notification");
  }
  *arch = req->data.arch;
  *nr = req->data.nr;
  *pid = (int)req->pid;
  seccomp_notify_free(req, resp);
  return 0;
}
