/* seccomp-fixed.c: the rules every filter has (see seccomp-fixed.h and docs/security.md).
 *
 * Why each row:
 *  - chmod, fchmod, fchmodat, fchmodat2 with S_ISUID or S_ISGID in the mode; open, openat,
 *    creat, mknod, mknodat with either bit in the create mode: EPERM, as the kernel answers a
 *    user who may not set the bit. Two rows per syscall (one masked compare per bit), so that
 *    the rules say "either bit"; libseccomp compares the whole 64-bit argument, and the masks
 *    only look at the two bits, so bits above the kernel's 16-bit umode_t change nothing.
 *  - setxattr, lsetxattr, fsetxattr, setxattrat: the attribute's name is in memory, which
 *    seccomp cannot read, so no name can be told from security.capability: every write fails,
 *    with EOPNOTSUPP ("this file system has no extended attributes"). Not EPERM: cp -a and
 *    cp -p (gnulib's ACL copy) fail on EPERM from fsetxattr, and stop on it, while they treat
 *    EOPNOTSUPP as "nothing to preserve here", as do tar --xattrs, rsync -X and Python's
 *    shutil.copystat. removexattr and its family stay allowed: removing an attribute can take a
 *    file capability or an ACL entry away, never give one.
 *  - openat2: its mode is inside struct open_how in memory; ENOSYS, so that libc and tools
 *    fall back to openat, whose mode the filter sees.
 *  - io_uring_setup: an io_uring's OPENAT, OPENAT2 and SETXATTR operations run in the kernel
 *    without passing the filter, so a ring would get round every rule above; ENOSYS, the
 *    answer of a kernel without io_uring, on which liburing users fall back to plain calls. A
 *    policy that denies it itself (the stock profiles' @io-uring) keeps its own action.
 * A job could otherwise leave a setuid or setgid executable, or one with file capabilities,
 * in a read-write bind (the working directory): whoever runs it later runs the job's code
 * with the file owner's ids, or with the capabilities. With idmapped binds the owner can be
 * host root.
 *
 * The table's contents are part of the filter cache's key (sc_policy_serialise). */
#include "seccomp-fixed.h"

#include "util.h"

#include <errno.h>

#define MODE_RULES(name, arg, nr) \
  {name, arg, S_ISUID, EPERM, nr}, { name, arg, S_ISGID, EPERM, nr }

const sc_fixed_rule sc_fixed_rules[] = {
    MODE_RULES("chmod", 1, 0),
    MODE_RULES("fchmod", 1, 0),
    MODE_RULES("fchmodat", 2, 0),
    MODE_RULES("fchmodat2", 2, 452),
    MODE_RULES("open", 2, 0),
    MODE_RULES("openat", 3, 0),
    MODE_RULES("creat", 1, 0),
    MODE_RULES("mknod", 1, 0),
    MODE_RULES("mknodat", 2, 0),
    {"setxattr", -1, 0, EOPNOTSUPP, 0},
    {"lsetxattr", -1, 0, EOPNOTSUPP, 0},
    {"fsetxattr", -1, 0, EOPNOTSUPP, 0},
    {"setxattrat", -1, 0, EOPNOTSUPP, 463},
    {"openat2", -1, 0, ENOSYS, 0},
    {"io_uring_setup", -1, 0, ENOSYS, 0},
};
const size_t sc_n_fixed_rules = ARRAY_SIZE(sc_fixed_rules);

const sc_fixed_rule *sc_fixed_find(const char *name) {
  for (size_t i = 0; i < sc_n_fixed_rules; i++)
    if (strcmp(sc_fixed_rules[i].name, name) == 0) return &sc_fixed_rules[i];
  return NULL;
}

bool sc_fixed_applies(const sbx_seccomp *sc, const sc_fixed_rule *f) {
  if (f->mode_arg >= 0) return true;
  for (size_t i = 0; i < sc->n_rules; i++) {
    const sbx_seccomp_rule *r = &sc->rules[i];
    if (r->n_args || r->action == SBX_SECCOMP_ALLOW || r->action == SBX_SECCOMP_LOG) continue;
    for (size_t k = 0; k < r->n_names; k++)
      if (strcmp(r->names[k], f->name) == 0) return false;
  }
  return true;
}

void sc_fixed_as_rule(const sc_fixed_rule *f, sbx_seccomp_rule *rule, char *names[2],
                      sbx_seccomp_arg *arg) {
  names[0] = (char *)f->name;
  names[1] = NULL;
  *rule = (sbx_seccomp_rule){
      .names = names, .n_names = 1, .action = SBX_SECCOMP_ERRNO, .errno_ret = f->errno_ret};
  if (f->mode_arg < 0) return;
  *arg = (sbx_seccomp_arg){(unsigned)f->mode_arg, f->mode_bit, f->mode_bit, SBX_OP_MASKED_EQ};
  rule->args = arg;
  rule->n_args = 1;
}

bool sc_fixed_is(const sc_fixed_rule *f, const sbx_seccomp_rule *r) {
  if (r->n_names != 1 || strcmp(r->names[0], f->name) != 0 || r->action != SBX_SECCOMP_ERRNO ||
      r->errno_ret != f->errno_ret)
    return false;
  if (f->mode_arg < 0) return r->n_args == 0;
  const sbx_seccomp_arg *a = r->args;
  return r->n_args == 1 && a->index == (unsigned)f->mode_arg && a->op == SBX_OP_MASKED_EQ &&
         a->value == f->mode_bit && a->value_two == f->mode_bit;
}
