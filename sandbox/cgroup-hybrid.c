/* cgroup-hybrid.c: the hybrid backend: the v1 hierarchies (limits, figures, CPU time: all
 * v1's), plus a companion of the run's cgroup in the cgroup2 mount at <root>/unified, which has
 * no controllers but gives cgroup.kill (a kill no fork escapes, without freezing) and
 * cgroup.events (whether anything is left). The companion is best effort: without it (not
 * writable, or no such mount at the moment), the run is a v1 run. cgroup_version() says 1: the
 * limits and figures are v1's. Composed of the v1 and v2 backends' operations. */
#include "cgroup-internal.h"

/* The companion's index in the hierarchies, after v1's. */
#define HYBRID_UNIFIED CG_V1_COUNT

static const cgroup_hier hybrid_hiers[] = {CG_V1_HIERS, {"unified", NULL, false}};

_Static_assert(ARRAY_SIZE(hybrid_hiers) == HYBRID_UNIFIED + 1 && HYBRID_UNIFIED < CG_HIER_MAX,
               "the hybrid's hierarchies are v1's and the companion");

static int hybrid_create(cgroup *cg, const cgroup_where *w, sbx_error **err) {
  if (cgroup_v1_ops.create(cg, w, err) < 0) return -1;
  const cgroup_place *pl = &w->place[HYBRID_UNIFIED];
  if (!pl->parent) return 0;
  if (!w->given_parent) cg_record_parent(&cg->rec, pl->parent);
  _cleanup_error_ sbx_error *e = NULL; /* best effort: without it, a v1 run */
  cg_record_run_dir(&cg->rec, pl->base, pl->parent, cg->name, NULL, NULL, &cg->v2_path, &e);
  return 0;
}

static int hybrid_add_pid(cgroup *cg, const char *pid, sbx_error **err) {
  if (cgroup_v1_ops.add_pid(cg, pid, err) < 0) return -1;
  if (cg->v2_path && cgroup_v2_ops.add_pid(cg, pid, err) < 0) return -1;
  return 0;
}

/* cgroup.kill of the companion (Linux 5.14 and later) unless the options ask for the freezer;
 * else v1's kill (freeze-kill-thaw where the freezer is). */
static int hybrid_kill(cgroup *cg, sbx_error **err) {
  if (cg->v2_path && !cg->v1_use_freezer && cg_has(cg->v2_path, "cgroup.kill"))
    return cgroup_v2_ops.kill(cg, err);
  return cgroup_v1_ops.kill(cg, err);
}

static int hybrid_populated(cgroup *cg, bool *populated, sbx_error **err) {
  if (cg->v2_path) return cgroup_v2_ops.populated(cg, populated, err);
  return cgroup_v1_ops.populated(cg, populated, err);
}

/* Limits and figures: v1's (the companion has no controllers). */
static int hybrid_apply_limits(cgroup *cg, const sbx_limits *limits, sbx_error **err) {
  return cgroup_v1_ops.apply_limits(cg, limits, err);
}

static int hybrid_read_stats(cgroup *cg, cgroup_stats *stats, sbx_error **err) {
  return cgroup_v1_ops.read_stats(cg, stats, err);
}

static int hybrid_cpu_usage(cgroup *cg, uint64_t *ns, sbx_error **err) {
  return cgroup_v1_ops.cpu_usage(cg, ns, err);
}

/* A dead run's directory is a v1 one or a companion: each kills by what it offers. */
static void hybrid_kill_stale(const char *dir) {
  cgroup_v1_ops.kill_stale(dir);
  cgroup_v2_ops.kill_stale(dir);
}

const cgroup_ops cgroup_hybrid_ops = {
    .name = "hybrid",
    .version = 1,
    .hiers = hybrid_hiers,
    .n_hiers = ARRAY_SIZE(hybrid_hiers),
    .create = hybrid_create,
    .apply_limits = hybrid_apply_limits,
    .add_pid = hybrid_add_pid,
    .read_stats = hybrid_read_stats,
    .cpu_usage = hybrid_cpu_usage,
    .kill = hybrid_kill,
    .populated = hybrid_populated,
    .kill_stale = hybrid_kill_stale,
};
