/* cgroup-v2.c: the v2 backend: controller delegation through cgroup.subtree_control, limits
 * (memory.max, memory.swap.max, pids.max, cpu.max), figures (cpu.stat, memory.peak,
 * memory.events, pids.peak, pids.events) and cgroup.kill. */
#include "cgroup-internal.h"

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

static int write_u64(const char *dir, const char *file, uint64_t v, sbx_error **err) {
  char buf[32];
  if (v == UINT64_MAX)
    snprintf(buf, sizeof buf, "max");
  else
    snprintf(buf, sizeof buf, "%" PRIu64, v);
  return cg_write(dir, file, buf, err);
}

static int missing(cgroup *cg, const char *limit, const char *what, sbx_error **err) {
  if (cg->strict)
    return sbx_set_error(err, ENOENT,
                         "the %s limit needs %s, which is not enabled in %s (see "
                         "cgroup.controllers of its parent)",
                         limit, what, cg->v2_path);
  cg_degrade(cg, limit);
  return 0;
}

int cgroup_v2_apply_limits(cgroup *cg, const sbx_limits *l, sbx_error **err) {
  const char *dir = cg->v2_path;
  if (l->memory != SBX_UNSET) {
    if (!cg_has(dir, "memory.max")) {
      if (missing(cg, "memory", "the memory controller", err) < 0) return -1;
    } else {
      if (write_u64(dir, "memory.max", l->memory, err) < 0) return -1;
      /* memory.swap.max is swap on top of memory: 0 turns swap off for the job. */
      uint64_t swap = l->swap == SBX_UNSET ? 0 : l->swap;
      if (cg_has(dir, "memory.swap.max")) {
        if (write_u64(dir, "memory.swap.max", swap, err) < 0) return -1;
      } else if (missing(cg, "swap", "memory.swap.max (swap accounting)", err) < 0) {
        return -1;
      }
    }
  }
  if (l->pids != SBX_UNSET) {
    if (!cg_has(dir, "pids.max")) {
      if (missing(cg, "pids", "the pids controller", err) < 0) return -1;
    } else if (write_u64(dir, "pids.max", l->pids, err) < 0) {
      return -1;
    }
  }
  if (l->cpu_quota_us != SBX_UNSET) {
    if (!cg_has(dir, "cpu.max")) {
      if (missing(cg, "cpu", "the cpu controller", err) < 0) return -1;
    } else {
      uint64_t period = l->cpu_period_us == SBX_UNSET ? 100000 : l->cpu_period_us;
      char buf[64];
      snprintf(buf, sizeof buf, "%" PRIu64 " %" PRIu64, l->cpu_quota_us, period);
      if (cg_write(dir, "cpu.max", buf, err) < 0) return -1;
    }
  }
  return 0;
}

int cgroup_v2_read_stats(const char *dir, cgroup_stats *st, sbx_error **err) {
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

int cgroup_v2_kill(const char *dir, sbx_error **err) {
  return cg_write(dir, "cgroup.kill", "1", err);
}

int cgroup_v2_populated(const char *dir, bool *populated, sbx_error **err) {
  _cleanup_free_ char *ev = NULL;
  if (cg_read(dir, "cgroup.events", true, &ev, err) < 0) return -1;
  uint64_t v;
  if (ev && cg_keyed_u64(ev, "populated", &v)) {
    *populated = v != 0;
    return 0;
  }
  bool empty;
  if (cg_procs_empty(dir, &empty, err) < 0) return -1;
  *populated = !empty;
  return 0;
}
