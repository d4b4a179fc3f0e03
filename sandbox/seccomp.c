/* seccomp.c: the job's seccomp filter.
 *
 * Build (main, before any fork): the spec's policy is compiled with libseccomp, exported once as
 * BPF (seccomp_export_bpf into a memfd, read back) and kept as a plain array of instructions.
 * The job process then only runs seccomp(SECCOMP_SET_MODE_FILTER) on that array: no allocation,
 * no libseccomp context work after the fork.
 *
 * Policy decisions (docs/security.md explains them for users):
 *  - Architectures: the native one, plus those the spec lists (OCI "architectures"). Any other
 *    ABI hits the bad-architecture action, which is kill-process: on x86_64 an i386 `int 0x80`
 *    and an x32 syscall (nr | 0x40000000, same audit arch) kill the job. libseccomp itself
 *    sends x32 numbers to the bad-arch action when x32 is not in the filter.
 *  - `kill` and `kill_process` both kill the whole process (SCMP_ACT_KILL_PROCESS): killing one
 *    thread of a job leaves the rest running without it, which helps no one.
 *  - `errno` with errno 0 means EPERM (the OCI default for a missing errnoRet): a filter never
 *    fakes success.
 *  - 32-bit arguments: the kernel reads some arguments as int (socket's family, ioctl's
 *    request, ...) and ignores their upper 32 bits, which a job can set freely, while seccomp
 *    compares all 64. An `==` or masked `==` on such an argument is therefore compared on the
 *    lower 32 bits only (the kernel's view), so `socket(AF_VSOCK | 1 << 32)` cannot slip past
 *    a rule for AF_VSOCK. The table below lists those arguments; `!=`, `<`, `>` on them are
 *    compared as given (a policy should not build on them).
 *  - A rule whose action is the default action is dropped (libseccomp refuses it; it changes
 *    nothing).
 *  - A syscall name libseccomp does not know is skipped where skipping is safe (allow rules, or
 *    any rule when the default action denies), and is an error where it would silently open a
 *    hole (a deny rule of a deny-list, whose default allows).
 *
 * Syscalls newer than the policy return ENOSYS, so that libc falls back to an older call
 * (clone3 -> clone, fchmodat2 -> fchmodat, ...): glibc supports kernels back to 3.2, so every
 * newer call it makes has an ENOSYS fallback, and no other errno. This applies when the
 * default action denies (errno, kill, trap); a deny-list (default allow or log) lets new
 * syscalls reach the kernel, which is what a deny-list means. Two parts:
 *  - Known to libseccomp, not named by the policy, and from Linux 5.1 on (pidfd_send_signal,
 *    424, where every architecture's numbers became the same, and the calls a policy older
 *    than the kernel would not know): one ERRNO(ENOSYS) rule each. A policy that names such a
 *    call (io_uring_setup in a kill rule) keeps its own action; a call numbered below 424 that
 *    the policy does not name gets the default action.
 *  - Unknown to libseccomp: libseccomp 2.5 has no action for "a number I do not know", so
 *    after export a short prefix goes in front of libseccomp's program: for every architecture
 *    of the filter, a number above the highest one libseccomp knows returns ENOSYS (the same
 *    idea as runc's patchbpf). On x86_64 the prefix leaves the x32 range (>= 0x40000000) to
 *    libseccomp, which kills it unless x32 is in the filter, in which case the x32 range has
 *    its own upper bound.
 *
 * Cache: a filter is compiled once per distinct policy per process (memory cache, keyed by the
 * canonical serialisation of the policy) and, when a cache directory is set, once per policy
 * per machine (disk cache; see hardening.h for the safety rules).
 */
#include "hardening.h"

#include "util.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#define X32_SYSCALL_BIT 0x40000000u

struct sc_filter {
  size_t len;
  struct sock_filter insns[];
};

static sc_filter *filter_new(const struct sock_filter *insns, size_t len) {
  sc_filter *f = xmalloc(sizeof *f + len * sizeof *insns);
  f->len = len;
  memcpy(f->insns, insns, len * sizeof *insns);
  return f;
}

void sc_filter_free(sc_filter *f) { free(f); }

const void *sc_filter_program(const sc_filter *f, size_t *len) {
  *len = f->len;
  return f->insns;
}

/* ---- the canonical policy ----------------------------------------------------------------- */

typedef struct buf {
  char *data;
  size_t len, cap;
} buf;

static void buf_add(buf *b, const void *p, size_t n) {
  xgrow(&b->data, &b->cap, b->len + n, 1);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}
static void buf_u64(buf *b, uint64_t v) { buf_add(b, &v, sizeof v); }
static void buf_str(buf *b, const char *s) {
  size_t n = s ? strlen(s) : 0;
  buf_u64(b, n);
  buf_add(b, s ? s : "", n);
}

static uint32_t errno_or_eperm(uint32_t e) { return e ? e : EPERM; }

/* Every field that changes the BPF, and the libseccomp version and native architecture, which
 * change what the same policy compiles to. */
static void policy_serialise(const sbx_seccomp *sc, buf *b) {
  const struct scmp_version *v = seccomp_version();
  buf_str(b, "sandbox-seccomp-policy-2");
  buf_u64(b, ((uint64_t)v->major << 32) | (v->minor << 16) | v->micro);
  buf_u64(b, seccomp_arch_native());
  buf_u64(b, sc->default_action);
  buf_u64(b, sc->default_action == SBX_SECCOMP_ERRNO ? errno_or_eperm(sc->default_errno) : 0);
  buf_u64(b, sc->n_architectures);
  for (size_t i = 0; i < sc->n_architectures; i++) buf_str(b, sc->architectures[i]);
  buf_u64(b, sc->n_rules);
  for (size_t i = 0; i < sc->n_rules; i++) {
    const sbx_seccomp_rule *r = &sc->rules[i];
    buf_u64(b, r->action);
    buf_u64(b, r->action == SBX_SECCOMP_ERRNO ? errno_or_eperm(r->errno_ret) : 0);
    buf_u64(b, r->n_names);
    for (size_t j = 0; j < r->n_names; j++) buf_str(b, r->names[j]);
    buf_u64(b, r->n_args);
    for (size_t j = 0; j < r->n_args; j++) {
      buf_u64(b, r->args[j].index);
      buf_u64(b, r->args[j].op);
      buf_u64(b, r->args[j].value);
      buf_u64(b, r->args[j].value_two);
    }
  }
}

static uint64_t fnv1a64(const void *p, size_t n) {
  const unsigned char *s = p;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3ull;
  return h;
}

void sc_policy_key(const sbx_seccomp *sc, char out[17]) {
  buf b = {0};
  policy_serialise(sc, &b);
  snprintf(out, 17, "%016llx", (unsigned long long)fnv1a64(b.data, b.len));
  free(b.data);
}

/* ---- compiling ---------------------------------------------------------------------------- */

static void ctx_releasep(scmp_filter_ctx *c) {
  if (*c) seccomp_release(*c);
}
#define _cleanup_scmp_ __attribute__((cleanup(ctx_releasep)))

static uint32_t action_to_scmp(sbx_seccomp_action a, uint32_t errno_ret) {
  switch (a) {
  case SBX_SECCOMP_ALLOW: return SCMP_ACT_ALLOW;
  case SBX_SECCOMP_ERRNO: return SCMP_ACT_ERRNO(errno_or_eperm(errno_ret));
  case SBX_SECCOMP_KILL:
  case SBX_SECCOMP_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
  case SBX_SECCOMP_TRAP: return SCMP_ACT_TRAP;
  case SBX_SECCOMP_LOG: return SCMP_ACT_LOG;
  }
  return SCMP_ACT_KILL_PROCESS;
}

static int action_check(const char *what, sbx_seccomp_action a, uint32_t errno_ret,
                        sbx_error **err) {
  if ((unsigned)a > SBX_SECCOMP_LOG)
    return sbx_set_error(err, EINVAL, "%s: unknown action %d", what, (int)a);
  if (a == SBX_SECCOMP_ERRNO && errno_ret > 4095)
    return sbx_set_error(err, EINVAL, "%s: errno %u is over 4095, the largest the kernel returns",
                         what, errno_ret);
  return 0;
}

static bool action_denies(sbx_seccomp_action a) {
  return a != SBX_SECCOMP_ALLOW && a != SBX_SECCOMP_LOG;
}

static const struct {
  enum scmp_compare scmp;
  const char *name;
} ops[] = {
    [SBX_OP_EQ] = {SCMP_CMP_EQ, "=="},
    [SBX_OP_NE] = {SCMP_CMP_NE, "!="},
    [SBX_OP_LT] = {SCMP_CMP_LT, "<"},
    [SBX_OP_LE] = {SCMP_CMP_LE, "<="},
    [SBX_OP_GT] = {SCMP_CMP_GT, ">"},
    [SBX_OP_GE] = {SCMP_CMP_GE, ">="},
    [SBX_OP_MASKED_EQ] = {SCMP_CMP_MASKED_EQ, "&"},
};

/* "SCMP_ARCH_X86_64" (OCI) or "x86_64" (libseccomp) -> the token; 0 when unknown. */
static uint32_t arch_from_name(const char *name) {
  const char *bare = strncmp(name, "SCMP_ARCH_", 10) == 0 ? name + 10 : name;
  char lower[32];
  size_t n = strlen(bare);
  if (n == 0 || n >= sizeof lower) return 0;
  for (size_t i = 0; i <= n; i++)
    lower[i] = (char)(bare[i] >= 'A' && bare[i] <= 'Z' ? bare[i] - 'A' + 'a' : bare[i]);
  return seccomp_arch_resolve_name(lower);
}

/* Syscalls whose listed arguments the kernel reads as 32-bit values (bit n = argument n). */
static const struct {
  const char *name;
  unsigned args;
} int_args[] = {
    {"socket", 07},     {"socketpair", 07}, {"ioctl", 02},       {"fcntl", 02}, {"setsockopt", 06},
    {"getsockopt", 06}, {"prctl", 01},      {"personality", 01}, {"kill", 02},  {"tkill", 02},
    {"tgkill", 04},     {"setns", 02},      {"keyctl", 01},      {"bpf", 01},
};

static unsigned int_args_of(const char *name) {
  for (size_t i = 0; i < ARRAY_SIZE(int_args); i++)
    if (strcmp(int_args[i].name, name) == 0) return int_args[i].args;
  return 0;
}

/* The comparison as the kernel sees the argument (see "32-bit arguments" above). */
static struct scmp_arg_cmp narrow_cmp(struct scmp_arg_cmp c, unsigned int_mask) {
  if (!(int_mask & (1u << c.arg))) return c;
  if (c.op == SCMP_CMP_EQ) {
    c.op = SCMP_CMP_MASKED_EQ;
    c.datum_b = c.datum_a & 0xffffffffu;
    c.datum_a = 0xffffffffu;
  } else if (c.op == SCMP_CMP_MASKED_EQ) {
    c.datum_a &= 0xffffffffu;
  }
  return c;
}

static int add_rule(scmp_filter_ctx ctx, const sbx_seccomp *sc, size_t i, sbx_error **err) {
  const sbx_seccomp_rule *r = &sc->rules[i];
  char what[64];
  snprintf(what, sizeof what, "seccomp rule %zu", i);
  if (action_check(what, r->action, r->errno_ret, err) < 0) return -1;
  uint32_t action = action_to_scmp(r->action, r->errno_ret);
  if (action == action_to_scmp(sc->default_action, sc->default_errno)) return 0;
  if (r->n_args > 6)
    return sbx_set_error(err, EINVAL, "%s: %zu argument conditions", what, r->n_args);
  struct scmp_arg_cmp cmp[6];
  for (size_t j = 0; j < r->n_args; j++) {
    const sbx_seccomp_arg *a = &r->args[j];
    if (a->index > 5)
      return sbx_set_error(err, EINVAL, "%s: argument index %u is over 5", what, a->index);
    if ((unsigned)a->op >= ARRAY_SIZE(ops))
      return sbx_set_error(err, EINVAL, "%s: unknown comparison %d", what, (int)a->op);
    cmp[j] = (struct scmp_arg_cmp){a->index, ops[a->op].scmp, a->value, a->value_two};
    /* libseccomp: for MASKED_EQ, datum_a is the mask and datum_b the value, as in OCI. */
  }
  for (size_t k = 0; k < r->n_names; k++) {
    const char *name = r->names[k];
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) {
      if (action_denies(r->action) && !action_denies(sc->default_action)) {
        const struct scmp_version *v = seccomp_version();
        return sbx_set_error(err, EINVAL,
                             "%s: syscall '%s' is unknown to libseccomp %u.%u.%u, so it cannot "
                             "be denied (check the name, or update libseccomp)",
                             what, name, v->major, v->minor, v->micro);
      }
      continue; /* unknown to libseccomp: the ENOSYS prefix or the default action covers it */
    }
    struct scmp_arg_cmp narrowed[6];
    unsigned int_mask = int_args_of(name);
    for (size_t j = 0; j < r->n_args; j++) narrowed[j] = narrow_cmp(cmp[j], int_mask);
    int rc = seccomp_rule_add_array(ctx, action, nr, (unsigned)r->n_args, narrowed);
    if (rc < 0) {
      if (rc == -EINVAL && r->n_args)
        return sbx_set_error(err, EINVAL,
                             "%s: syscall '%s': libseccomp rejected the argument conditions "
                             "(one condition per argument, and none on a multiplexed syscall)",
                             what, name);
      return sbx_set_error(err, -rc, "%s: adding syscall '%s'", what, name);
    }
  }
  return 0;
}

/* The first syscall of Linux 5.1, numbered alike on every architecture (plus its base). */
#define FIRST_UNIFIED_SYSCALL "pidfd_send_signal"

/* ENOSYS for the syscalls libseccomp knows, from Linux 5.1 on, that the policy does not name
 * (see the top of the file). */
static int add_newer_than_policy(scmp_filter_ctx ctx, const sbx_seccomp *sc, uint32_t def,
                                 sbx_error **err) {
  if (!action_denies(sc->default_action) || def == SCMP_ACT_ERRNO(ENOSYS)) return 0;
  uint32_t native = seccomp_arch_native();
  int first = seccomp_syscall_resolve_name(FIRST_UNIFIED_SYSCALL);
  int max = sc_max_known_syscall(native);
  if (first < 0 || max < first) return 0; /* cannot happen with libseccomp >= 2.4 */
  _cleanup_free_ bool *named = xcalloc((size_t)(max - first + 1), sizeof *named);
  for (size_t i = 0; i < sc->n_rules; i++)
    for (size_t k = 0; k < sc->rules[i].n_names; k++) {
      int nr = seccomp_syscall_resolve_name(sc->rules[i].names[k]);
      if (nr >= first && nr <= max) named[nr - first] = true;
    }
  for (int nr = first; nr <= max; nr++) {
    if (named[nr - first]) continue;
    char *name = seccomp_syscall_resolve_num_arch(native, nr);
    if (!name) continue;
    free(name);
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
    if (rc < 0) return sbx_set_error(err, -rc, "seccomp: ENOSYS for syscall %d", nr);
  }
  return 0;
}

static pthread_mutex_t max_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  uint32_t arch;
  int max;
} max_cache[16];
static size_t n_max_cache;

int sc_max_known_syscall(uint32_t arch) {
  pthread_mutex_lock(&max_lock);
  for (size_t i = 0; i < n_max_cache; i++) {
    if (max_cache[i].arch == arch) {
      int m = max_cache[i].max;
      pthread_mutex_unlock(&max_lock);
      return m;
    }
  }
  pthread_mutex_unlock(&max_lock);
  /* libseccomp 2.5 has no way to list its table: scan the ranges where architectures put
   * their numbers (MIPS o32/n64/n32 from 4000/5000/6000, x32 from 0x40000000, ARM's private
   * calls from 0xf0000, everything else from 0; no table reaches 2048 above its base). */
  static const struct {
    uint32_t arch, base, n;
  } ranges[] = {
      {SCMP_ARCH_MIPS, 4000, 1000},
      {SCMP_ARCH_MIPSEL, 4000, 1000},
      {SCMP_ARCH_MIPS64, 5000, 1000},
      {SCMP_ARCH_MIPSEL64, 5000, 1000},
      {SCMP_ARCH_MIPS64N32, 6000, 1000},
      {SCMP_ARCH_MIPSEL64N32, 6000, 1000},
      {SCMP_ARCH_X32, X32_SYSCALL_BIT, 2048},
      {SCMP_ARCH_ARM, 0xf0000, 16},
      {0, 0, 2048}, /* every architecture, including ARM's ordinary calls */
  };
  int max = -1;
  for (size_t r = 0; r < ARRAY_SIZE(ranges); r++) {
    if (ranges[r].arch && ranges[r].arch != arch) continue;
    if (!ranges[r].arch && (arch == SCMP_ARCH_X32 || (arch & 0xffff) == 8 /* EM_MIPS */)) continue;
    for (uint32_t nr = ranges[r].base; nr < ranges[r].base + ranges[r].n; nr++) {
      char *name = seccomp_syscall_resolve_num_arch(arch, (int)nr);
      if (name) {
        if ((int)nr > max) max = (int)nr;
        free(name);
      }
    }
  }
  pthread_mutex_lock(&max_lock);
  if (n_max_cache < ARRAY_SIZE(max_cache)) {
    max_cache[n_max_cache].arch = arch;
    max_cache[n_max_cache++].max = max;
  }
  pthread_mutex_unlock(&max_lock);
  return max;
}

static uint32_t audit_arch_of(uint32_t scmp_arch) {
  /* SCMP_ARCH_* tokens are the AUDIT_ARCH_* values, except x32, which shares x86_64's. */
  return scmp_arch == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : scmp_arch;
}

/* The ENOSYS prefix (see the top of the file). `arches` are the filter's SCMP_ARCH_* tokens.
 * Each architecture gets one block:
 *     A = arch; if (A != token) goto next_block
 *     A = nr
 *     [x86_64 only: if (A >= X32_BIT) goto x32_check or libseccomp]
 *     if (A > max) return ERRNO(ENOSYS)
 *     goto libseccomp
 * libseccomp's program starts by loading the arch itself, so it runs unchanged after us. */
static void prefix_build(const uint32_t *arches, size_t n, struct sock_filter *out, size_t *len) {
  size_t k = 0;
  bool has64 = false, has32 = false;
  for (size_t i = 0; i < n; i++) {
    if (arches[i] == SCMP_ARCH_X86_64) has64 = true;
    if (arches[i] == SCMP_ARCH_X32) has32 = true;
  }
  /* Blocks are emitted back to back; every "goto libseccomp" jumps past the whole prefix, so
   * the jump offsets are patched at the end (they are forward and below 256 by size). */
  size_t exits[64], n_exits = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t arch = arches[i];
    if (arch == SCMP_ARCH_X32 && has64) continue; /* handled in the x86_64 block */
    uint32_t audit = audit_arch_of(arch);
    int max64 = arch == SCMP_ARCH_X32 ? -1 : sc_max_known_syscall(arch);
    int max32 = has32 ? sc_max_known_syscall(SCMP_ARCH_X32) : -1;
    bool x86 = audit == SCMP_ARCH_X86_64;
    out[k++] =
        (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    size_t jarch = k++; /* if (A != audit) goto next block: patched below */
    out[k++] =
        (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    if (x86) {
      /* Native range [0, X32_BIT): if (A >= X32_BIT) goto x32 part */
      size_t jx32 = k++;
      if (max64 >= 0 && arch != SCMP_ARCH_X32) {
        out[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max64, 0, 1);
        out[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
      }
      exits[n_exits++] = k++;
      out[jx32] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT,
                                               (uint8_t)(k - jx32 - 1), 0);
      if (has32 && max32 >= 0) {
        out[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max32, 0, 1);
        out[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
      }
      exits[n_exits++] = k++;
    } else {
      if (max64 >= 0) {
        out[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max64, 0, 1);
        out[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
      }
      exits[n_exits++] = k++;
    }
    out[jarch] =
        (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, audit, 0, (uint8_t)(k - jarch - 1));
  }
  for (size_t e = 0; e < n_exits; e++)
    out[exits[e]] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)(k - exits[e] - 1));
  *len = k;
}

static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **insns, size_t *len,
                      sbx_error **err) {
  _cleanup_close_ int fd = memfd_create("sandbox-seccomp-bpf", MFD_CLOEXEC);
  if (fd < 0) return sbx_set_errno(err, "seccomp: memfd_create for the BPF export");
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) return sbx_set_error(err, -rc, "seccomp: exporting the filter as BPF");
  struct stat st;
  if (fstat(fd, &st) < 0) return sbx_set_errno(err, "seccomp: fstat of the BPF export");
  size_t size = (size_t)st.st_size;
  if (size == 0 || size % sizeof(struct sock_filter) != 0)
    return sbx_set_error(err, EINVAL, "seccomp: the BPF export has %zu bytes, not a program", size);
  _cleanup_free_ struct sock_filter *p = xmalloc(size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = pread(fd, (char *)p + got, size - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sbx_set_errno(err, "seccomp: reading the BPF export back");
    if (n == 0) return sbx_set_error(err, EIO, "seccomp: the BPF export is shorter than its size");
    got += (size_t)n;
  }
  *len = size / sizeof *p;
  *insns = steal_pointer(&p);
  return 0;
}

static int compile(const sbx_seccomp *sc, sc_filter **out, sbx_error **err) {
  if (action_check("seccomp default action", sc->default_action, sc->default_errno, err) < 0)
    return -1;
  uint32_t def = action_to_scmp(sc->default_action, sc->default_errno);
  _cleanup_scmp_ scmp_filter_ctx ctx = seccomp_init(def);
  if (!ctx) return sbx_set_error(err, EINVAL, "seccomp: libseccomp could not create a filter");
  int rc;
  /* Any ABI not in the filter (i386 int 0x80, x32 on x86_64) kills the whole process. */
  if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0)
    return sbx_set_error(err, -rc, "seccomp: setting the bad-architecture action");
  /* Binary search over syscall numbers: a long allow-list costs log(n), not n, per syscall. */
  if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
    return sbx_set_error(err, -rc, "seccomp: asking libseccomp for a binary-tree filter");
  uint32_t arches[16];
  size_t n_arches = 0;
  arches[n_arches++] = seccomp_arch_native();
  for (size_t i = 0; i < sc->n_architectures; i++) {
    uint32_t a = arch_from_name(sc->architectures[i]);
    if (!a)
      return sbx_set_error(err, EINVAL, "seccomp: unknown architecture '%s'", sc->architectures[i]);
    bool seen = false;
    for (size_t j = 0; j < n_arches; j++) seen = seen || arches[j] == a;
    if (seen) continue;
    if (n_arches == ARRAY_SIZE(arches))
      return sbx_set_error(err, EINVAL, "seccomp: too many architectures");
    if ((rc = seccomp_arch_add(ctx, a)) < 0)
      return sbx_set_error(err, -rc, "seccomp: adding architecture '%s'", sc->architectures[i]);
    arches[n_arches++] = a;
  }
  for (size_t i = 0; i < sc->n_rules; i++)
    if (add_rule(ctx, sc, i, err) < 0) return -1;
  if (add_newer_than_policy(ctx, sc, def, err) < 0) return -1;

  _cleanup_free_ struct sock_filter *body = NULL;
  size_t body_len = 0;
  if (export_bpf(ctx, &body, &body_len, err) < 0) return -1;
  struct sock_filter prefix[16 * 10];
  size_t prefix_len = 0;
  if (action_denies(sc->default_action)) prefix_build(arches, n_arches, prefix, &prefix_len);
  size_t total = prefix_len + body_len;
  if (total > BPF_MAXINSNS)
    return sbx_set_error(err, E2BIG,
                         "seccomp: the filter has %zu instructions, over the kernel's limit of %d",
                         total, BPF_MAXINSNS);
  sc_filter *f = xmalloc(sizeof *f + total * sizeof *body);
  f->len = total;
  memcpy(f->insns, prefix, prefix_len * sizeof *prefix);
  memcpy(f->insns + prefix_len, body, body_len * sizeof *body);
  *out = f;
  return 0;
}

/* ---- the caches --------------------------------------------------------------------------- */

#define MEMORY_CACHE_SIZE 32
#define DISK_MAGIC        "SBXBPF01"

typedef struct cache_entry {
  char *policy;
  size_t policy_len;
  sc_filter *filter;
  uint64_t used;
} cache_entry;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cache_entry memory_cache[MEMORY_CACHE_SIZE];
static uint64_t cache_clock;
static char *cache_dir;
static __thread sc_cache_source last_source;

sc_cache_source sc_cache_last_source(void) { return last_source; }

void sc_cache_clear_memory(void) {
  pthread_mutex_lock(&cache_lock);
  for (size_t i = 0; i < MEMORY_CACHE_SIZE; i++) {
    free(memory_cache[i].policy);
    sc_filter_free(memory_cache[i].filter);
    memory_cache[i] = (cache_entry){0};
  }
  pthread_mutex_unlock(&cache_lock);
}

static sc_filter *memory_lookup(const buf *policy) {
  sc_filter *f = NULL;
  pthread_mutex_lock(&cache_lock);
  for (size_t i = 0; i < MEMORY_CACHE_SIZE; i++) {
    cache_entry *e = &memory_cache[i];
    if (e->filter && e->policy_len == policy->len &&
        memcmp(e->policy, policy->data, policy->len) == 0) {
      e->used = ++cache_clock;
      f = filter_new(e->filter->insns, e->filter->len);
      break;
    }
  }
  pthread_mutex_unlock(&cache_lock);
  return f;
}

static void memory_store(const buf *policy, const sc_filter *f) {
  pthread_mutex_lock(&cache_lock);
  cache_entry *victim = &memory_cache[0];
  for (size_t i = 0; i < MEMORY_CACHE_SIZE; i++) {
    cache_entry *e = &memory_cache[i];
    if (e->filter && e->policy_len == policy->len &&
        memcmp(e->policy, policy->data, policy->len) == 0) {
      victim = NULL; /* another thread stored it meanwhile */
      break;
    }
    if (!e->filter || e->used < victim->used) victim = e;
  }
  if (victim) {
    free(victim->policy);
    sc_filter_free(victim->filter);
    victim->policy = xmalloc(policy->len);
    memcpy(victim->policy, policy->data, policy->len);
    victim->policy_len = policy->len;
    victim->filter = filter_new(f->insns, f->len);
    victim->used = ++cache_clock;
  }
  pthread_mutex_unlock(&cache_lock);
}

/* Opens the cache directory, checking that only we can write to it. -1 (errno set) if not. */
/* mkdir -p with mode 0700 for what it creates. */
static int mkdir_parents(const char *dir, sbx_error **err) {
  _cleanup_free_ char *p = xstrdup(dir);
  for (char *c = p + 1;; c++) {
    if (*c != '/' && *c != '\0') continue;
    char saved = *c;
    *c = '\0';
    if (mkdir(p, 0700) < 0 && errno != EEXIST)
      return sbx_set_errno(err, "seccomp cache: creating directory %s", p);
    *c = saved;
    if (!saved) return 0;
  }
}

static int cache_dir_open(const char *dir, bool create, sbx_error **err) {
  if (create && mkdir_parents(dir, err) < 0) return -1;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return sbx_set_errno(err, "seccomp cache: opening directory %s", dir);
  struct stat st;
  if (fstat(fd, &st) < 0) {
    sbx_set_errno(err, "seccomp cache: fstat of %s", dir);
    close(fd);
    return -1;
  }
  if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    close(fd);
    errno = EPERM;
    return sbx_set_error(err, EPERM,
                         "seccomp cache: directory %s must be owned by uid %u with mode 0700 "
                         "(it is owned by %u with mode %04o)",
                         dir, (unsigned)geteuid(), (unsigned)st.st_uid,
                         (unsigned)(st.st_mode & 07777));
  }
  return fd;
}

int sc_cache_set_dir(const char *dir, sbx_error **err) {
  if (dir) {
    if (dir[0] != '/')
      return sbx_set_error(err, EINVAL, "seccomp cache: '%s' is not an absolute path", dir);
    int fd = cache_dir_open(dir, true, err);
    if (fd < 0) return -1;
    close(fd);
  }
  pthread_mutex_lock(&cache_lock);
  free(cache_dir);
  cache_dir = dir ? xstrdup(dir) : NULL;
  pthread_mutex_unlock(&cache_lock);
  return 0;
}

static char *cache_dir_get(void) {
  pthread_mutex_lock(&cache_lock);
  char *d = cache_dir ? xstrdup(cache_dir) : NULL;
  pthread_mutex_unlock(&cache_lock);
  return d;
}

typedef struct disk_header {
  char magic[8];
  uint64_t policy_len;
  uint64_t n_insns;
} disk_header;

static sc_filter *disk_lookup(const char *dir, const char *name, const buf *policy) {
  _cleanup_close_ int dfd = cache_dir_open(dir, false, NULL);
  if (dfd < 0) return NULL;
  _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & 022) != 0)
    return NULL;
  size_t expect_max = sizeof(disk_header) + policy->len + BPF_MAXINSNS * sizeof(struct sock_filter);
  if ((size_t)st.st_size < sizeof(disk_header) || (size_t)st.st_size > expect_max) return NULL;
  size_t size = (size_t)st.st_size;
  _cleanup_free_ char *data = xmalloc(size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = pread(fd, data + got, size - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return NULL;
    got += (size_t)n;
  }
  disk_header h;
  memcpy(&h, data, sizeof h);
  if (memcmp(h.magic, DISK_MAGIC, 8) != 0 || h.policy_len != policy->len || h.n_insns == 0 ||
      h.n_insns > BPF_MAXINSNS ||
      size != sizeof h + h.policy_len + h.n_insns * sizeof(struct sock_filter))
    return NULL;
  if (memcmp(data + sizeof h, policy->data, policy->len) != 0) return NULL;
  return filter_new((const struct sock_filter *)(data + sizeof h + policy->len), h.n_insns);
}

static int write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Best effort: a cache that cannot be written only costs the next run a compile. */
static void disk_store(const char *dir, const char *name, const buf *policy, const sc_filter *f) {
  _cleanup_close_ int dfd = cache_dir_open(dir, false, NULL);
  if (dfd < 0) return;
  static unsigned counter;
  char tmp[64];
  snprintf(tmp, sizeof tmp, ".tmp-%d-%u", (int)getpid(), __atomic_add_fetch(&counter, 1, 0));
  _cleanup_close_ int fd =
      openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  disk_header h = {.policy_len = policy->len, .n_insns = f->len};
  memcpy(h.magic, DISK_MAGIC, 8);
  if (write_all(fd, &h, sizeof h) < 0 || write_all(fd, policy->data, policy->len) < 0 ||
      write_all(fd, f->insns, f->len * sizeof *f->insns) < 0 || renameat(dfd, tmp, dfd, name) < 0)
    unlinkat(dfd, tmp, 0);
}

int sc_filter_build(const sbx_seccomp *sc, sc_filter **out, sbx_error **err) {
  return sc_filter_build_in(sc, NULL, out, NULL, err);
}

int sc_filter_build_in(const sbx_seccomp *sc, const char *dir_arg, sc_filter **out,
                       sbx_error **cache_err, sbx_error **err) {
  *out = NULL;
  if (!sc->enabled) return 0;
  buf policy = {0};
  policy_serialise(sc, &policy);
  _cleanup_free_ char *policy_data = policy.data;
  sc_filter *f = memory_lookup(&policy);
  if (f) {
    last_source = SC_FROM_MEMORY;
    *out = f;
    return 0;
  }
  _cleanup_free_ char *dir = NULL;
  if (!dir_arg) {
    dir = cache_dir_get();
  } else if (dir_arg[0] != '/') {
    sbx_set_error(cache_err, EINVAL, "seccomp cache: '%s' is not an absolute path", dir_arg);
  } else {
    /* Created (0700, with its parents) and checked here; unusable means memory only. */
    int dfd = cache_dir_open(dir_arg, true, cache_err);
    if (dfd >= 0) {
      close(dfd);
      dir = xstrdup(dir_arg);
    }
  }
  char name[32];
  snprintf(name, sizeof name, "%016llx.bpf", (unsigned long long)fnv1a64(policy.data, policy.len));
  if (dir && (f = disk_lookup(dir, name, &policy))) {
    last_source = SC_FROM_DISK;
    memory_store(&policy, f);
    *out = f;
    return 0;
  }
  if (compile(sc, &f, err) < 0) return sbx_error_prefix(err, "building the seccomp filter");
  last_source = SC_FROM_COMPILE;
  memory_store(&policy, f);
  if (dir) disk_store(dir, name, &policy, f);
  *out = f;
  return 0;
}

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
