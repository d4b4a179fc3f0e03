/* seccomp-fixed.h: the rules every seccomp filter of the engine has, whatever the policy says
 * (docs/security.md, "Setuid, setgid and file-capability files"): no call may give a file the
 * setuid or setgid bit or write an extended attribute (file capabilities), since a read-write
 * bind outlives the job and another user (or root) may run what it left there. One table,
 * used by the filter compiler (seccomp.c) and by the config.json writer and reader, which
 * write the rules for runc and drop them on the way back in. */
#ifndef SANDBOX_SECCOMP_FIXED_H
#define SANDBOX_SECCOMP_FIXED_H

#include "spec.h"

#include <sys/stat.h>

typedef struct sc_fixed_rule {
  const char *name;
  /* The argument that holds the file mode: the call is denied when `mode_bit` is set in it.
   * -1: every call of the syscall is denied. */
  int mode_arg;
  uint32_t mode_bit; /* S_ISUID or S_ISGID */
  uint32_t errno_ret;
  /* For a syscall that libseccomp may not know yet: its number from Linux 5.1 on (where every
   * architecture numbers alike, from its base), else 0. */
  int unified_nr;
} sc_fixed_rule;

/* Both bits: a policy's own rule for a syscall with a mode rule, with another action, is
 * narrowed to the calls with neither bit ((mode & SC_FIXED_MODE_BITS) == 0). */
#define SC_FIXED_MODE_BITS ((uint32_t)(S_ISUID | S_ISGID))

extern const sc_fixed_rule sc_fixed_rules[];
extern const size_t sc_n_fixed_rules;

/* The first row for syscall `name`, or NULL. */
const sc_fixed_rule *sc_fixed_find(const char *name);
/* Whether row `f` goes into the filter of policy `sc`. A mode rule always does; a rule for
 * every call does unless the policy denies the syscall already, unconditionally (then the
 * policy's own action stays: the call is denied either way). */
bool sc_fixed_applies(const sbx_seccomp *sc, const sc_fixed_rule *f);
/* Row `f` as a spec rule (names, an errno action, its one argument condition), in storage
 * the caller provides; nothing to free. */
void sc_fixed_as_rule(const sc_fixed_rule *f, sbx_seccomp_rule *rule, char *names[2],
                      sbx_seccomp_arg *arg);
/* Whether a rule is exactly row `f` (as sc_fixed_as_rule makes it). */
bool sc_fixed_is(const sc_fixed_rule *f, const sbx_seccomp_rule *r);

#endif
