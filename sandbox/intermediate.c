/* intermediate.c: the intermediate process. Forked by main, it joins the run's cgroup, creates
 * the user namespace (its maps written by main), then the pid namespace, clones init as main's
 * child (CLONE_PARENT), reports init's pid and exits. It is single-threaded, so a raw clone is
 * safe here. */
#include "engine.h"

#include "util.h"

#include <grp.h>
#include <sched.h>
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

static unsigned clone_flags_for(const sbx_spec *spec) {
  unsigned f = 0;
  if (spec->namespaces & SBX_NS_UTS) f |= CLONE_NEWUTS;
  if (spec->namespaces & SBX_NS_IPC) f |= CLONE_NEWIPC;
  if (spec->namespaces & SBX_NS_NET) f |= CLONE_NEWNET;
  if (spec->namespaces & SBX_NS_CGROUP) f |= CLONE_NEWCGROUP;
  if (spec->namespaces & SBX_NS_MOUNT) f |= CLONE_NEWNS;
  return f;
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

  /* init becomes main's child, so main reaps it and gets its pidfd; the exit signal of a
   * CLONE_PARENT child is ours (SIGCHLD). */
  long pid = syscall(SYS_clone, (unsigned long)(CLONE_PARENT | clone_flags_for(ctx->spec)), NULL,
                     NULL, NULL, NULL);
  if (pid < 0) {
    sbx_set_errno(&err, "create the init process in its new namespaces (clone%s)",
                  ctx->idmap.userns ? "" : "; without a user namespace this needs root");
    child_fail(ctx->up.wr, err, 1);
  }
  if (pid == 0) init_main(ctx);
  if (chan_report_init_pid(ctx->up.wr, (pid_t)pid, &err) < 0) _exit(1);
  _exit(0);
}
