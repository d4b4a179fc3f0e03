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
 * Rules every filter has (seccomp-fixed.c says why): no setuid or setgid mode through chmod,
 * open or mknod and their kin (EPERM), no extended attribute written (EOPNOTSUPP), no openat2
 * (ENOSYS). They go in after the policy's rules. libseccomp keeps a single rule for a syscall
 * that has a rule without conditions (a later conditional rule is dropped, an earlier one
 * replaced), so a policy's own rule for such a syscall is changed instead: for the mode rules
 * it is narrowed to calls with neither bit (an extra masked compare on the mode argument), and
 * a rule that compares the mode argument itself is refused unless it denies; for the rules of
 * every call (openat2, the setxattr family) the policy's rule is left out, unless the policy
 * denies the syscall unconditionally, which then keeps its own action (sc_fixed_applies). A
 * spec with seccomp disabled gets a filter too: allow everything but these rules
 * (sc_filter_build_in).
 *
 * Cache: a filter is compiled once per distinct policy per process (memory cache, keyed by the
 * canonical serialisation of the policy) and, when a cache directory is set, once per policy
 * per machine (disk cache; see hardening.h for the safety rules).
 */
#include "seccomp-internal.h"

#include "seccomp-fixed.h"
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

sc_filter *sc_filter_new(const struct sock_filter *insns, size_t len) {
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
void sc_policy_serialise(const sbx_seccomp *sc, buf *b) {
  const struct scmp_version *v = seccomp_version();
  buf_str(b, "sandbox-seccomp-policy-3");
  buf_u64(b, ((uint64_t)v->major << 32) | (v->minor << 16) | v->micro);
  buf_u64(b, seccomp_arch_native());
  buf_u64(b, sc->default_action);
  buf_u64(b, sc->default_action == SBX_SECCOMP_ERRNO ? errno_or_eperm(sc->default_errno) : 0);
  buf_u64(b, sc->n_architectures);
  for (size_t i = 0; i < sc->n_architectures; i++) buf_str(b, sc->architectures[i]);
  buf_u64(b, sc_n_fixed_rules);
  for (size_t i = 0; i < sc_n_fixed_rules; i++) {
    const sc_fixed_rule *f = &sc_fixed_rules[i];
    buf_str(b, f->name);
    buf_u64(b, (uint64_t)(int64_t)f->mode_arg);
    buf_u64(b, f->mode_bit);
    buf_u64(b, f->errno_ret);
    buf_u64(b, (uint64_t)f->unified_nr);
  }
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

uint64_t sc_policy_hash(const void *p, size_t n) {
  const unsigned char *s = p;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3ull;
  return h;
}

void sc_policy_key(const sbx_seccomp *sc, char out[17]) {
  buf b = {0};
  sc_policy_serialise(sc, &b);
  snprintf(out, 17, "%016llx", (unsigned long long)sc_policy_hash(b.data, b.len));
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

/* How a policy's rule for syscall `name` meets the fixed rules (see the top of the file): -1
 * as it is; -3 left out (a fixed rule for every call takes its place); an argument index: add
 * (that argument & SC_FIXED_MODE_BITS) == 0; -2 after an error. */
static int fixed_guard(const sbx_seccomp *sc, const sbx_seccomp_rule *r, const char *name,
                       uint32_t action, const char *what, sbx_error **err) {
  const sc_fixed_rule *f = sc_fixed_find(name);
  if (!f) return -1;
  if (f->mode_arg < 0) return sc_fixed_applies(sc, f) ? -3 : -1;
  if (action == SCMP_ACT_ERRNO(f->errno_ret)) return -1;
  for (size_t j = 0; j < r->n_args; j++) {
    if (r->args[j].index != (unsigned)f->mode_arg) continue;
    if (action_denies(r->action)) return -1; /* denied either way */
    sbx_set_error(err, EINVAL,
                  "%s: syscall '%s': a condition on argument %d (the file mode) cannot be "
                  "combined with the engine's rule against setuid and setgid modes "
                  "(docs/security.md); allow '%s' without it",
                  what, name, f->mode_arg, name);
    return -2;
  }
  return f->mode_arg;
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
    struct scmp_arg_cmp narrowed[7];
    unsigned int_mask = int_args_of(name), n_cmp = (unsigned)r->n_args;
    for (size_t j = 0; j < r->n_args; j++) narrowed[j] = narrow_cmp(cmp[j], int_mask);
    int guard = fixed_guard(sc, r, name, action, what, err);
    if (guard == -2) return -1;
    if (guard == -3) continue; /* the fixed rule for every call replaces this one */
    if (guard >= 0)
      narrowed[n_cmp++] =
          (struct scmp_arg_cmp){(unsigned)guard, SCMP_CMP_MASKED_EQ, SC_FIXED_MODE_BITS, 0};
    int rc = seccomp_rule_add_array(ctx, action, nr, n_cmp, narrowed);
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
#define FIRST_UNIFIED_NR      424

/* The rules every filter has (seccomp-fixed.c), after the policy's. A name libseccomp does
 * not know is added by its number where it can be (the native architecture alone: libseccomp
 * cannot translate an unknown number for another); where it cannot, and the default denies,
 * the ENOSYS prefix answers it. */
static int add_fixed(scmp_filter_ctx ctx, const sbx_seccomp *sc, uint32_t def, size_t n_arches,
                     sbx_error **err) {
  for (size_t i = 0; i < sc_n_fixed_rules; i++) {
    const sc_fixed_rule *f = &sc_fixed_rules[i];
    uint32_t action = SCMP_ACT_ERRNO(f->errno_ret);
    if (action == def || !sc_fixed_applies(sc, f)) continue;
    int nr = seccomp_syscall_resolve_name(f->name);
    if (nr == __NR_SCMP_ERROR) {
      int first = seccomp_syscall_resolve_name(FIRST_UNIFIED_SYSCALL);
      if (!f->unified_nr || first < 0 || n_arches > 1) continue;
      nr = first - FIRST_UNIFIED_NR + f->unified_nr;
      if (nr <= sc_max_known_syscall(seccomp_arch_native())) continue; /* not its number */
    }
    int rc;
    if (f->mode_arg < 0)
      rc = seccomp_rule_add(ctx, action, nr, 0);
    else
      rc = seccomp_rule_add(
          ctx, action, nr, 1,
          SCMP_CMP((unsigned)f->mode_arg, SCMP_CMP_MASKED_EQ, f->mode_bit, f->mode_bit));
    if (rc < 0) return sbx_set_error(err, -rc, "seccomp: the engine's rule for '%s'", f->name);
  }
  return 0;
}

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

int sc_compile(const sbx_seccomp *sc, sc_filter **out, sbx_error **err) {
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
  if (add_fixed(ctx, sc, def, n_arches, err) < 0) return -1;
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
