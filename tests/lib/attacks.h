/* attacks.h: the attacks of tests/helper/attack that every stock profile must stop, and what the
 * stock policy does to each (docs/security.md, "What every stock profile must deny"). */
#ifndef SANDBOX_TESTS_ATTACKS_H
#define SANDBOX_TESTS_ATTACKS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct stock_attack {
  const char *name; /* the helper's argument */
  /* The call a report names when the profile kills (deny_action kill_process); NULL when the
   * policy answers with an errno whatever its deny action (clone3 gets ENOSYS). */
  const char *syscall;
  /* Made through another ABI (i386 int 0x80, x32): killed under every profile, errno or not;
   * otherwise an errno profile answers with an error and the helper exits 0. */
  bool foreign_abi;
  /* Denied by the rules every filter of the engine has (sandbox/seccomp-fixed.c), with the same
   * errno under every profile, whatever its deny action: the helper checks the errno. */
  bool every_filter;
} stock_attack;

extern const stock_attack stock_attacks[];
extern const size_t n_stock_attacks;

/* Whether this kernel runs i386 syscalls through int 0x80 (IA32 emulation can be compiled out
 * or turned off with ia32_emulation=0, and then int 0x80 faults before seccomp sees it). */
bool host_has_int80(void);
/* Whether the attack can be tried here (int80 needs host_has_int80). */
bool stock_attack_possible(const stock_attack *a);

/* The absolute path of the built helper ($SBX_BUILDDIR/tests/helper/attack), the test's own;
 * NULL when it is not built. */
const char *attack_helper(void);

#endif
