/* caps.c: capabilities (libcap) and no_new_privs for the job process.
 *
 * Order matters: the bounding set can only be lowered with CAP_SETPCAP in the effective set,
 * so the effective set is first raised to the permitted set; then the bounding set, the
 * ambient set and finally permitted/effective/inheritable are cut down to `keep`. */
#include "hardening.h"

#include "util.h"

#include <sys/capability.h>
#include <sys/prctl.h>

static void capset_freep(cap_t *c) {
  if (*c) cap_free(*c);
}
#define _cleanup_cap_ __attribute__((cleanup(capset_freep)))

static const char *capname(int cap, char buf[32]) {
  const char *n = caps_to_name(cap);
  if (n) return n;
  snprintf(buf, 32, "capability %d", cap);
  return buf;
}

int caps_drop(uint64_t keep, sbx_error **err) {
  char nb[32];
  int n_caps = (int)cap_max_bits(); /* what this kernel has (cap_last_cap + 1) */
  if (n_caps > 64) n_caps = 64;
  _cleanup_cap_ cap_t cur = cap_get_proc();
  if (!cur) return sbx_set_errno(err, "dropping capabilities: reading this process's sets");

  /* Raise effective to permitted, for CAP_SETPCAP. This widens nothing: effective is always a
   * subset of permitted, and the next steps cut both down. */
  _cleanup_cap_ cap_t eff = cap_dup(cur);
  if (!eff) return sbx_set_errno(err, "dropping capabilities: copying the sets");
  for (int c = 0; c < n_caps; c++) {
    cap_flag_value_t v = CAP_CLEAR;
    cap_value_t cv = c;
    if (cap_get_flag(cur, cv, CAP_PERMITTED, &v) == 0 && v == CAP_SET &&
        cap_set_flag(eff, CAP_EFFECTIVE, 1, &cv, CAP_SET) < 0)
      return sbx_set_errno(err, "dropping capabilities: preparing the effective set");
  }
  if (cap_set_proc(eff) < 0)
    return sbx_set_errno(err,
                         "dropping capabilities: raising the effective set to the "
                         "permitted set");

  /* One prctl per capability (n_caps is what this kernel has; dropping one that is already
   * out of the bounding set succeeds), without asking first. */
  for (int c = 0; c < n_caps; c++) {
    if (keep & (UINT64_C(1) << c)) continue;
    if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0)
      return sbx_set_errno(err,
                           "dropping %s from the bounding set (this needs CAP_SETPCAP: a job "
                           "process that switched to a non-zero uid must have set "
                           "PR_SET_KEEPCAPS before the switch)",
                           capname(c, nb));
  }

  /* One call (libcap's cap_reset_ambient asks about each capability first); EINVAL: a kernel
   * before 4.3, without ambient capabilities. */
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return sbx_set_errno(err, "clearing the ambient capability set");

  _cleanup_cap_ cap_t want = cap_init();
  if (!want) return sbx_set_errno(err, "dropping capabilities: allocating a set");
  for (int c = 0; c < n_caps; c++) {
    if (!(keep & (UINT64_C(1) << c))) continue;
    cap_flag_value_t v = CAP_CLEAR;
    cap_value_t cv = c;
    if (cap_get_flag(cur, cv, CAP_PERMITTED, &v) < 0 || v != CAP_SET)
      return sbx_set_error(err, EPERM,
                           "cannot keep %s: the job process does not hold it (a job with a "
                           "non-zero uid needs PR_SET_KEEPCAPS across the uid change)",
                           capname(c, nb));
    if (cap_set_flag(want, CAP_PERMITTED, 1, &cv, CAP_SET) < 0 ||
        cap_set_flag(want, CAP_EFFECTIVE, 1, &cv, CAP_SET) < 0 ||
        cap_set_flag(want, CAP_INHERITABLE, 1, &cv, CAP_SET) < 0)
      return sbx_set_errno(err, "dropping capabilities: building the kept set");
  }
  if (cap_set_proc(want) < 0)
    return sbx_set_errno(err, "setting the permitted, effective and inheritable capabilities");

  /* Kept capabilities survive execve of a non-root job only through the ambient set. */
  for (int c = 0; c < n_caps; c++) {
    if (!(keep & (UINT64_C(1) << c))) continue;
    if (!CAP_AMBIENT_SUPPORTED())
      return sbx_set_error(err, ENOTSUP, "cannot keep %s: the kernel has no ambient capabilities",
                           capname(c, nb));
    if (cap_set_ambient(c, CAP_SET) < 0)
      return sbx_set_errno(err, "raising %s in the ambient set", capname(c, nb));
  }
  return 0;
}

int set_no_new_privs(sbx_error **err) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return sbx_set_errno(err, "setting no_new_privs (prctl PR_SET_NO_NEW_PRIVS)");
  return 0;
}
