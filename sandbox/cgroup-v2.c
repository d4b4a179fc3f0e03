/* cgroup-v2.c: the v2 backend (the unified layout; the hybrid one borrows its process
 * operations for its empty cgroup2): the run's cgroup with controller delegation through
 * cgroup.subtree_control and a directory fd for CLONE_INTO_CGROUP, limits (memory.max,
 * memory.swap.max, pids.max, cpu.max), figures (cpu.stat, memory.peak, memory.events, pids.peak,
 * pids.events), cgroup.kill and cgroup.events. */
#include "cgroup-internal.h"

#include <fcntl.h>
#include <inttypes.h>

/* Whether the space-separated list `list` holds `word`. */
static bool list_has(const char *list, const char *word) {
  size_t n = strlen(word);
  for (const char *s = list; s && *s;) {
    while (*s == ' ' || *s == '\n') s++;
    const char *e = s;
    while (*e && *e != ' ' && *e != '\n') e++;
    if ((size_t)(e - s) == n && strncmp(s, word, n) == 0) return true;
    s = e;
  }
  return false;
}

int cgroup_v2_enable_controllers(const char *dir, const char *const *want, sbx_error **err) {
  _cleanup_free_ char *avail = NULL, *on = NULL;
  if (cg_read(dir, "cgroup.controllers", true, &avail, err) < 0) return -1;
  if (cg_read(dir, "cgroup.subtree_control", true, &on, err) < 0) return -1;
  if (!avail || !on) return 0;
  for (; *want; want++) {
    if (!list_has(avail, *want) || list_has(on, *want)) continue;
    _cleanup_free_ char *v = xasprintf("+%s", *want);
    /* One at a time: a refused controller (EBUSY: the cgroup has processes of its own, as an
     * unprivileged user's own cgroup does) must not keep the others off. The run's cgroup then
     * lacks it and its limits degrade. */
    _cleanup_error_ sbx_error *e = NULL;
    cg_write(dir, "cgroup.subtree_control", v, &e);
  }
  return 0;
}

/* ---- creation ------------------------------------------------------------------------------- */

static const cgroup_hier v2_hiers[] = {{"", NULL, false}};

static const char *const v2_wanted[] = {"memory", "pids", "cpu", NULL};

/* Enables the controllers at every level from the hierarchy root `ctx` down to `parent`, so
 * that the run's cgroup gets them. */
static int v2_delegate(const char *parent, void *ctx, sbx_error **err) {
  const char *hier = ctx;
  _cleanup_free_ char *p = xstrdup(parent);
  for (char *s = p + strlen(hier);; s++) {
    if (*s == '/' || *s == '\0') {
      char saved = *s;
      *s = '\0';
      if (cgroup_v2_enable_controllers(p, v2_wanted, err) < 0) return -1;
      *s = saved;
      if (!saved) break;
    }
  }
  return 0;
}

static int v2_create(cgroup *cg, const cgroup_where *w, sbx_error **err) {
  const cgroup_place *pl = &w->place[0];
  if (!pl->parent) return cg_copy_error(err, pl->error);
  if (!w->given_parent) cg_record_parent(&cg->rec, pl->parent);
  if (cg_record_run_dir(&cg->rec, pl->base, pl->parent, cg->name, v2_delegate, pl->hier,
                        &cg->v2_path, err) < 0)
    return -1;
  cg->path = cg->v2_path;
  cg->v2_fd = open(cg->v2_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg->v2_fd < 0) return sbx_set_errno(err, "open cgroup %s", cg->v2_path);
  return 0;
}

/* ---- limits and figures --------------------------------------------------------------------- */

static int v2_apply_limits(cgroup *cg, const sbx_limits *l, sbx_error **err) {
  const char *dir = cg->v2_path;
  if (l->memory != SBX_UNSET) {
    if (!cg_has(dir, "memory.max")) {
      if (cg_record_missing(&cg->rec, "memory", "the memory controller", dir, err) < 0) return -1;
    } else {
      if (cg_write_limit(dir, "memory.max", l->memory, err) < 0) return -1;
      /* memory.swap.max is swap on top of memory: 0 turns swap off for the job. */
      uint64_t swap = l->swap == SBX_UNSET ? 0 : l->swap;
      if (cg_has(dir, "memory.swap.max")) {
        if (cg_write_limit(dir, "memory.swap.max", swap, err) < 0) return -1;
      } else if (cg_record_missing(&cg->rec, "swap", "memory.swap.max (swap accounting)", dir,
                                   err) < 0) {
        return -1;
      }
    }
  }
  if (l->pids != SBX_UNSET) {
    if (!cg_has(dir, "pids.max")) {
      if (cg_record_missing(&cg->rec, "pids", "the pids controller", dir, err) < 0) return -1;
    } else if (cg_write_limit(dir, "pids.max", l->pids, err) < 0) {
      return -1;
    }
  }
  if (l->cpu_quota_us != SBX_UNSET) {
    if (!cg_has(dir, "cpu.max")) {
      if (cg_record_missing(&cg->rec, "cpu", "the cpu controller", dir, err) < 0) return -1;
    } else {
      uint64_t period = l->cpu_period_us == SBX_UNSET ? 100000 : l->cpu_period_us;
      char buf[64];
      snprintf(buf, sizeof buf, "%" PRIu64 " %" PRIu64, l->cpu_quota_us, period);
      if (cg_write(dir, "cpu.max", buf, err) < 0) return -1;
    }
  }
  return 0;
}

static int v2_read_stats(cgroup *cg, cgroup_stats *st, sbx_error **err) {
  const char *dir = cg->v2_path;
  _cleanup_free_ char *cpu = NULL, *mev = NULL, *pev = NULL;
  /* cpu.stat exists without the cpu controller (usage, user, system); the throttling figures
   * only with it. */
  if (cg_read(dir, "cpu.stat", true, &cpu, err) < 0) return -1;
  if (cpu) {
    uint64_t us;
    if (cg_keyed_u64(cpu, "usage_usec", &us)) {
      st->has_cpu = true;
      st->cpu_usage_ns = us * 1000;
    }
    if (cg_keyed_u64(cpu, "user_usec", &us)) st->cpu_user_ns = us * 1000;
    if (cg_keyed_u64(cpu, "system_usec", &us)) st->cpu_system_ns = us * 1000;
    cg_keyed_u64(cpu, "nr_throttled", &st->cpu_nr_throttled);
    cg_keyed_u64(cpu, "throttled_usec", &st->cpu_throttled_us);
  }
  bool present;
  /* memory.peak: Linux 5.19 and later. */
  if (cg_read_u64(dir, "memory.peak", &st->memory_peak, &st->has_memory_peak, err) < 0) return -1;
  if (cg_read_u64(dir, "memory.current", &st->memory_current, &present, err) < 0) return -1;
  if (cg_read(dir, "memory.events", true, &mev, err) < 0) return -1;
  if (mev) {
    if (cg_keyed_u64(mev, "oom_kill", &st->oom_kills)) st->has_oom_kill_count = true;
    cg_keyed_u64(mev, "max", &st->memory_max_events);
  }
  if (cg_read_u64(dir, "pids.current", &st->pids_current, &present, err) < 0) return -1;
  if (cg_read_u64(dir, "pids.peak", &st->pids_peak, &st->has_pids_peak, err) < 0) return -1;
  if (cg_read(dir, "pids.events", true, &pev, err) < 0) return -1;
  if (pev) cg_keyed_u64(pev, "max", &st->pids_max_events);
  return 0;
}

static int v2_cpu_usage(cgroup *cg, uint64_t *ns, sbx_error **err) {
  _cleanup_free_ char *text = NULL;
  if (cg_read(cg->v2_path, "cpu.stat", false, &text, err) < 0) return -1;
  uint64_t us;
  if (!cg_keyed_u64(text, "usage_usec", &us))
    return sbx_set_error(err, EINVAL, "%s/cpu.stat has no usage_usec", cg->v2_path);
  *ns = us * 1000;
  return 0;
}

/* ---- processes ------------------------------------------------------------------------------ */

static int v2_add_pid(cgroup *cg, const char *pid, sbx_error **err) {
  return cg_write(cg->v2_path, "cgroup.procs", pid, err);
}

static int v2_kill(cgroup *cg, sbx_error **err) {
  if (cg_has(cg->v2_path, "cgroup.kill")) return cg_write(cg->v2_path, "cgroup.kill", "1", err);
  /* Before Linux 5.14: kill what is listed (cgroup_kill repeats until it is empty). */
  return cg_kill_procs(cg->v2_path, NULL, err);
}

/* cgroup.events "populated"; falls back to cgroup.procs. */
static int v2_populated(cgroup *cg, bool *populated, sbx_error **err) {
  _cleanup_free_ char *ev = NULL;
  if (cg_read(cg->v2_path, "cgroup.events", true, &ev, err) < 0) return -1;
  uint64_t v;
  if (ev && cg_keyed_u64(ev, "populated", &v)) {
    *populated = v != 0;
    return 0;
  }
  bool empty;
  if (cg_procs_empty(cg->v2_path, &empty, err) < 0) return -1;
  *populated = !empty;
  return 0;
}

static void v2_kill_stale(const char *dir) {
  if (cg_has(dir, "cgroup.kill")) cg_write(dir, "cgroup.kill", "1", NULL);
}

const cgroup_ops cgroup_v2_ops = {
    .name = "v2",
    .version = 2,
    .hiers = v2_hiers,
    .n_hiers = ARRAY_SIZE(v2_hiers),
    .create = v2_create,
    .apply_limits = v2_apply_limits,
    .add_pid = v2_add_pid,
    .read_stats = v2_read_stats,
    .cpu_usage = v2_cpu_usage,
    .kill = v2_kill,
    .populated = v2_populated,
    .kill_stale = v2_kill_stale,
};
