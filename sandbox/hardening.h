/* hardening.h: the job's last line of defence: the seccomp filter (libseccomp), capabilities
 * (libcap), no_new_privs, and the loopback interface of a private net namespace (libnl-route-3).
 *
 * The engine calls these in this order (see docs/security.md):
 *   main, before any fork:   sc_filter_build_in()        (compiles or takes from the cache)
 *   init, in the new netns:  netlink_loopback_up()            (network: loopback only)
 *   job, after setresuid:    caps_drop(), set_no_new_privs(), sc_filter_install(), execve
 *   main, after the job:     sc_filter_free()
 */
#ifndef SANDBOX_HARDENING_H
#define SANDBOX_HARDENING_H

#include "spec.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- what the engine calls, stage by stage (see the top of this file) ---------------------- */

typedef struct sc_filter sc_filter;

/* In main, before any fork: compile the spec's policy to BPF (cached per policy). NULL *out
 * when spec->seccomp.enabled is false. */
int sc_filter_build(const sbx_seccomp *sc, sc_filter **out, sbx_error **err);
/* In the job process, as the very last step before execve: no malloc, no libseccomp
 * context work, just the prctl/seccomp() load of the prepared BPF. (Only the error path
 * allocates, to build *err.) A NULL filter is a no-op. */
int sc_filter_install(const sc_filter *f, sbx_error **err);
void sc_filter_free(sc_filter *f);
/* In the job process, after switching to the job's uid/gid: drop every capability not in
 * `keep` from bounding, inheritable, ambient, permitted and effective (libcap). Kept
 * capabilities stay in the bounding, permitted, effective and inheritable sets and are raised
 * in the ambient set, so that they survive execve for a job that does not run as uid 0.
 * Lowering the bounding set needs CAP_SETPCAP in the permitted set: a job process that
 * switches to a non-zero uid must set PR_SET_KEEPCAPS before the switch (always, not only when
 * capabilities are kept; execve clears it), or caps_drop fails with EPERM. */
int caps_drop(uint64_t keep, sbx_error **err);
/* In the init process, inside the new net namespace: bring lo up with libnl-route-3,
 * 127.0.0.1/8 and ::1 present (EEXIST is success). ::1 is skipped when the kernel has no IPv6
 * (booted with ipv6.disable=1) or IPv6 is disabled on lo (net.ipv6.conf.lo.disable_ipv6). */
int netlink_loopback_up(sbx_error **err);
/* Sets PR_SET_NO_NEW_PRIVS. */
int set_no_new_privs(sbx_error **err);

/* ---- the filter in detail: its program, caching, names, notification ------------------------ */

/* The filter's program: `*len` BPF instructions (struct sock_filter), owned by the filter. */
const void *sc_filter_program(const sc_filter *f, size_t *len);

/* The policy's cache key, as printed by the bench: 16 hex digits of a hash of the canonical
 * policy, the libseccomp version and the native architecture. */
void sc_policy_key(const sbx_seccomp *sc, char out[17]);

/* The on-disk BPF cache. Off (NULL) until set; the CLI would use $XDG_CACHE_HOME/sandbox/seccomp.
 * `dir` (absolute) is created with its missing parents (mode 0700) and
 * must be a directory owned by the effective uid with no group or other access; each entry is
 * opened with O_NOFOLLOW, must be a regular file owned by the effective uid of the exact size
 * its header says, and holds the full canonical policy, which must match byte for byte (so a
 * hash collision cannot hand out a wrong filter). Entries are written atomically (a temporary
 * file, then rename). A cache that cannot be used is never an error for sc_filter_build:
 * it compiles instead. Thread-safe. */
int sc_cache_set_dir(const char *dir, sbx_error **err);
/* sc_filter_build with the on-disk cache in `cache_dir` (absolute; created with its
 * missing parents, mode 0700, and checked as above) instead of the one set with
 * sc_cache_set_dir; NULL: that one. A directory that cannot be used is no error: the
 * filter is built without it and, when `cache_err` is not NULL, *cache_err says why. */
int sc_filter_build_in(const sbx_seccomp *sc, const char *cache_dir, sc_filter **out,
                       sbx_error **cache_err, sbx_error **err);
/* Forgets every filter of the in-memory cache (for the bench and the tests). */
void sc_cache_clear_memory(void);
/* How the last sc_filter_build of this thread got its filter. */
typedef enum sc_cache_source {
  SC_FROM_COMPILE = 0,
  SC_FROM_MEMORY,
  SC_FROM_DISK,
} sc_cache_source;
sc_cache_source sc_cache_last_source(void);

/* The highest syscall number libseccomp knows for an architecture (an SCMP_ARCH_* token), or
 * -1 when it knows none. Numbers above it are "unknown": a filter whose default action is not
 * allow or log returns ENOSYS for them (see seccomp.c). */
int sc_max_known_syscall(uint32_t arch);

/* Forbidden-syscall reporting. The name of syscall `nr` of audit architecture `arch` (the
 * si_arch/si_syscall of a seccomp SIGSYS, or seccomp_data.arch/nr of a notification; arch 0
 * is the native one): "mount"; "getpid (x86)" for a non-native ABI; "syscall 1000" when
 * libseccomp does not know the number. Never NULL. */
char *sc_syscall_name(uint32_t arch, int nr);
/* The same, from a siginfo_t of a SIGSYS with si_code SYS_SECCOMP; NULL for any other signal. */
char *sc_siginfo_syscall_name(const siginfo_t *si);

/* Forbidden-syscall reporting under a pid namespace (docs/security.md, "Forbidden syscalls").
 *  main:  v = sc_filter_notify_variant(f, HANDOFF_FD) — a copy of f in which every kill
 *         action is SECCOMP_RET_USER_NOTIF and the native sendmsg(HANDOFF_FD, ...) is allowed.
 *  job:   sc_filter_install_listener(v, &l) as the last step; then
 *         chan_send_listener(HANDOFF_FD, l) (channel.h; the job's end of a socketpair to
 *         init, dup'ed to HANDOFF_FD, close-on-exec); then execve. No allocation on the
 *         success path.
 *  init:  chan_recv_listener(sock, &l); poll l with the other fds; when it is readable,
 *         sc_notify_next(l, &arch, &nr, &pid): the forbidden call is blocked, never
 *         runs; kill(-1, SIGKILL) ends every process of the pid namespace; (arch, nr) go to
 *         main with the wait status, and main names it with sc_syscall_name().
 * If the listener is lost (init died), a notifying syscall fails with ENOSYS: still denied. */
sc_filter *sc_filter_notify_variant(const sc_filter *f, int handoff_fd);
int sc_filter_install_listener(const sc_filter *f, int *listener, sbx_error **err);
/* Blocks until a notification comes; fills the syscall's audit arch, number and the pid (in
 * the caller's pid namespace) of the process that made it. Fails with code ENOENT when that
 * process died before the notification was read (nothing to report). */
int sc_notify_next(int listener, uint32_t *arch, int *nr, int *pid, sbx_error **err);

#endif
