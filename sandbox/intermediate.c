/* intermediate.c: the intermediate process. Forked by main, it joins the run's cgroup, creates
 * the user namespace (its maps written by main), then the pid namespace, clones init as main's
 * child (CLONE_PARENT), reports init's pid and exits. It is single-threaded, so a raw clone is
 * safe here. */
#include "engine.h"

#include "util.h"

#include <grp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* As root: give up host root before creating the user namespace, so that the namespace (and
 * everything in it) is owned by the unprivileged host id the mapping names. Safe: it only ever
 * lowers privilege, and setresuid() is last so that the earlier calls still may. */
static int drop_host_root(const idmap_plan *plan, sbx_error **err) {
  if (setgroups(0, NULL) < 0) return sbx_set_errno(err, "drop supplementary groups");
  if (setresgid(plan->drop_gid, plan->drop_gid, plan->drop_gid) < 0)
    return sbx_set_errno(err, "switch to host gid %u", (unsigned)plan->drop_gid);
  if (setresuid(plan->drop_uid, plan->drop_uid, plan->drop_uid) < 0)
    return sbx_set_errno(err, "switch to host uid %u", (unsigned)plan->drop_uid);
  return 0;
}

static int create_userns(engine_ctx *ctx, sbx_error **err) {
  const idmap_plan *plan = &ctx->idmap;
  if (plan->drop && drop_host_root(plan, err) < 0) return -1;
  if (unshare(CLONE_NEWUSER) < 0) {
    if (errno == EPERM || errno == EACCES)
      return sbx_set_errno(err,
                           "user namespaces are not permitted here (check "
                           "user.max_user_namespaces / AppArmor)");
    if (errno == ENOSPC)
      return sbx_set_errno(err,
                           "cannot create a user namespace: the limit "
                           "user.max_user_namespaces is reached");
    return sbx_set_errno(err, "create the user namespace (unshare CLONE_NEWUSER)");
  }
  phase_mark_now(ctx->phases, PH_USERNS);
  if (chan_request_maps(ctx->up.wr, err) < 0 || chan_wait_maps_done(ctx->down.rd, err) < 0)
    return -1;
  phase_mark_now(ctx->phases, PH_ID_MAPS);
  return 0;
}

static unsigned long clone_flags_for(const sbx_spec *spec) {
  unsigned long f = 0;
  if (spec->namespaces & SBX_NS_UTS) f |= CLONE_NEWUTS;
  if (spec->namespaces & SBX_NS_IPC) f |= CLONE_NEWIPC;
  if (spec->namespaces & SBX_NS_NET) f |= CLONE_NEWNET;
  if (spec->namespaces & SBX_NS_CGROUP) f |= CLONE_NEWCGROUP;
  if (spec->namespaces & SBX_NS_MOUNT) f |= CLONE_NEWNS;
  return f;
}

/* init takes over the intermediate's address space instead of a copy of it: cloned with
 * CLONE_VM on a stack of its own, while the intermediate only sends init's pid (a message on
 * its own stack, no allocation, errno untouched unless the send fails) and exits. Not copying
 * saves the page tables and a copy-on-write fault for every page init then writes. The kernel
 * must not clear glibc's thread id field (set_tid_address by fork) when the intermediate exits:
 * init, its only user from then on, keeps it. The stack is never unmapped: init uses it to its
 * end. Under AddressSanitizer a plain clone (copy), as its shadow of the stacks assumes. */
#if defined(__SANITIZE_ADDRESS__)
#define INIT_TAKES_VM 0
#else
#define INIT_TAKES_VM 1
#endif
#define INIT_STACK (1024 * 1024)
#define GUARD_PAGE 4096

static int init_entry(void *ctx) { init_main(ctx); }

/* init becomes main's child (CLONE_PARENT), so main reaps it and gets its pidfd; the exit
 * signal of a CLONE_PARENT child is ours (SIGCHLD). Returns its pid, 0 in init (the copying
 * clone), or -1 with errno. */
static long clone_init(engine_ctx *ctx, unsigned long flags) {
  flags |= CLONE_PARENT;
  if (!INIT_TAKES_VM) return syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
  char *stack = mmap(NULL, INIT_STACK + GUARD_PAGE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED) return -1;
  if (mprotect(stack, GUARD_PAGE, PROT_NONE) < 0) return -1; /* an overflow faults */
  syscall(SYS_set_tid_address, NULL);
  return clone(init_entry, stack + GUARD_PAGE + INIT_STACK, (int)(flags | CLONE_VM), ctx);
}

void intermediate_main(engine_ctx *ctx) {
  sbx_error *err = NULL;
  phase_mark_now(ctx->phases, PH_FORK);
  /* Only main writes to the down channel: dropping our copy lets init see main's death as EOF. */
  channel_close_end(&ctx->down.wr);
  channel_close_end(&ctx->up.rd);

  /* The cgroup first, while still the caller's ids (host root, or the owner of a delegated
   * subtree): init and the job inherit it, so the whole tree is limited and measured from its
   * first instruction. (CLONE_INTO_CGROUP would place init directly, but init is cloned after
   * the drop of host root, which can no longer write a root-owned cgroup.procs.) */
  if (ctx->cg && cgroup_add_pid(ctx->cg, 0, &err) < 0) {
    sbx_error_prefix(&err, "join the run's cgroup");
    child_fail(ctx->up.wr, err, 1);
  }
  if (ctx->cg) phase_mark_now(ctx->phases, PH_CGROUP_JOIN);

  if (ctx->idmap.userns && create_userns(ctx, &err) < 0) child_fail(ctx->up.wr, err, 1);
  /* init keeps the down channel's read end: EOF on it tells init that main is gone. */

  if ((ctx->spec->namespaces & SBX_NS_PID) && unshare(CLONE_NEWPID) < 0) {
    sbx_set_errno(&err, "create the pid namespace (unshare CLONE_NEWPID%s)",
                  ctx->idmap.userns ? "" : "; without a user namespace this needs root");
    child_fail(ctx->up.wr, err, 1);
  }

  long pid = clone_init(ctx, clone_flags_for(ctx->spec));
  if (pid < 0) {
    sbx_set_errno(&err, "create the init process in its new namespaces (clone%s)",
                  ctx->idmap.userns ? "" : "; without a user namespace this needs root");
    child_fail(ctx->up.wr, err, 1);
  }
  if (pid == 0) init_main(ctx);
  /* From here on init may be running in this address space: nothing allocates. */
  if (chan_report_init_pid(ctx->up.wr, (pid_t)pid, NULL) < 0) _exit(1);
  _exit(0);
}
