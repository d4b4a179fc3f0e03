/* cgroup-v1.c: the v1 backend (the legacy layout; the hybrid one builds on it): the run's
 * cgroup in each of the memory, pids, cpu, cpuacct and freezer hierarchies, limits in memory,
 * pids and cpu, figures from cpuacct, memory and pids, and the freezer for freeze-kill-thaw. */
#include "cgroup-internal.h"

/* Whether the host has any swap (a memory limit without memsw then lets the job swap). */
static bool host_has_swap(void) {
  _cleanup_free_ char *text = NULL;
  _cleanup_error_ sbx_error *e = NULL;
  if (read_file_max("/proc/swaps", 1 << 16, &text, NULL, &e) < 0) return true;
  const char *nl = strchr(text, '\n'); /* the header line */
  return nl && nl[1] != '\0';
}

/* ---- creation ------------------------------------------------------------------------------- */

static const cgroup_hier v1_hiers[] = {CG_V1_HIERS};

static int v1_create(cgroup *cg, const cgroup_where *w, sbx_error **err) {
  char *real[CG_V1_COUNT] = {0};
  int made = 0, r = 0;
  const sbx_error *why_not = NULL; /* the first hierarchy's reason for having no place */
  for (int c = 0; c < CG_V1_COUNT && r == 0; c++) {
    const cgroup_place *pl = &w->place[c];
    if (!cg_has(pl->hier, "cgroup.procs")) continue;
    real[c] = realpath(pl->hier, NULL);
    if (!real[c]) {
      r = sbx_set_errno(err, "resolve %s", pl->hier);
      break;
    }
    /* Controllers mounted together (cpu,cpuacct) share the directory. */
    for (int d = 0; d < c; d++)
      if (real[d] && cg->v1_path[d] && strcmp(real[d], real[c]) == 0)
        cg->v1_path[c] = cg->v1_path[d];
    if (cg->v1_path[c]) continue;
    if (!pl->parent) {
      /* Unprivileged: this controller is not delegated to us; its limit degrades. */
      if (w->privileged || w->given_parent) r = cg_copy_error(err, pl->error);
      if (!why_not) why_not = pl->error;
      continue;
    }
    if (!w->given_parent) cg_record_parent(&cg->rec, pl->parent);
    if (cg_record_run_dir(&cg->rec, pl->base, pl->parent, cg->name, NULL, NULL, &cg->v1_path[c],
                          err) < 0) {
      r = -1;
      break;
    }
    made++;
  }
  for (int c = 0; c < CG_V1_COUNT; c++) free(real[c]);
  if (r < 0) return -1;
  if (made == 0 && why_not) {
    /* Not ENOENT: the hierarchies are there, and the first one's reason (EACCES, not
     * delegated, with its path) is the real cause. */
    if (err && !*err)
      sbx_error_append(err, why_not->code, "no usable cgroup v1 hierarchy under %s: %s", w->root,
                       why_not->message);
    return -1;
  }
  if (made == 0) return sbx_set_error(err, ENOENT, "no cgroup v1 hierarchy under %s", w->root);
  for (int c = 0; c < CG_V1_COUNT && !cg->path; c++) cg->path = cg->v1_path[c];
  return 0;
}

/* ---- limits and figures --------------------------------------------------------------------- */

static int v1_apply_limits(cgroup *cg, const sbx_limits *l, sbx_error **err) {
  const char *mem = cg->v1_path[CG_V1_MEMORY];
  if (l->memory != SBX_UNSET) {
    if (!mem || !cg_has(mem, "memory.limit_in_bytes")) {
      if (cg_record_missing(&cg->rec, "memory", "the v1 memory controller", NULL, err) < 0)
        return -1;
    } else {
      if (cg_write_u64(mem, "memory.limit_in_bytes", l->memory, err) < 0) return -1;
      uint64_t swap = l->swap == SBX_UNSET ? 0 : l->swap;
      if (cg_has(mem, "memory.memsw.limit_in_bytes")) {
        /* memsw counts memory + swap: the memory limit plus the swap allowed (none: equal to
         * the memory limit, swap is off). It must not be below memory.limit_in_bytes, which is
         * why it is written second. */
        uint64_t total = l->memory > UINT64_MAX - swap ? UINT64_MAX : l->memory + swap;
        if (cg_write_u64(mem, "memory.memsw.limit_in_bytes", total, err) < 0) return -1;
      } else {
        /* No swap accounting (swapaccount=0): keep the job away from swap as far as the
         * kernel lets us; where the host has swap, the swap limit is not enforced. */
        if (swap == 0 && cg_has(mem, "memory.swappiness") &&
            cg_write(mem, "memory.swappiness", "0", err) < 0)
          return -1;
        if (host_has_swap() &&
            cg_record_missing(&cg->rec, "swap", "memory.memsw (swap accounting)", NULL, err) < 0)
          return -1;
      }
    }
  }
  const char *pids = cg->v1_path[CG_V1_PIDS];
  if (l->pids != SBX_UNSET) {
    if (!pids || !cg_has(pids, "pids.max")) {
      if (cg_record_missing(&cg->rec, "pids", "the v1 pids controller", NULL, err) < 0) return -1;
    } else if (cg_write_u64(pids, "pids.max", l->pids, err) < 0) {
      return -1;
    }
  }
  const char *cpu = cg->v1_path[CG_V1_CPU];
  if (l->cpu_quota_us != SBX_UNSET) {
    if (!cpu || !cg_has(cpu, "cpu.cfs_quota_us")) {
      if (cg_record_missing(&cg->rec, "cpu", "the v1 cpu controller with CFS bandwidth", NULL,
                            err) < 0)
        return -1;
    } else {
      uint64_t period = l->cpu_period_us == SBX_UNSET ? 100000 : l->cpu_period_us;
      if (cg_write_u64(cpu, "cpu.cfs_period_us", period, err) < 0) return -1;
      if (cg_write_u64(cpu, "cpu.cfs_quota_us", l->cpu_quota_us, err) < 0) return -1;
    }
  }
  return 0;
}

static int v1_read_stats(cgroup *cg, cgroup_stats *st, sbx_error **err) {
  const char *acct = cg->v1_path[CG_V1_CPUACCT];
  if (acct) {
    bool has_usage, has_user, has_sys;
    if (cg_read_u64(acct, "cpuacct.usage", &st->cpu_usage_ns, &has_usage, err) < 0) return -1;
    if (cg_read_u64(acct, "cpuacct.usage_user", &st->cpu_user_ns, &has_user, err) < 0) return -1;
    if (cg_read_u64(acct, "cpuacct.usage_sys", &st->cpu_system_ns, &has_sys, err) < 0) return -1;
    if (has_usage && !(has_user && has_sys)) {
      /* Older kernels: user and system only in clock ticks, in cpuacct.stat. */
      _cleanup_free_ char *text = NULL;
      if (cg_read(acct, "cpuacct.stat", true, &text, err) < 0) return -1;
      uint64_t u, s;
      long hz = sysconf(_SC_CLK_TCK);
      if (text && hz > 0 && cg_keyed_u64(text, "user", &u) && cg_keyed_u64(text, "system", &s)) {
        st->cpu_user_ns = u * (1000000000ull / (uint64_t)hz);
        st->cpu_system_ns = s * (1000000000ull / (uint64_t)hz);
      }
    }
    /* usage is exact; the user/system split is charged in ticks and does not add up to it:
     * scale the split to the exact total. */
    uint64_t split = st->cpu_user_ns + st->cpu_system_ns;
    if (has_usage && split > 0) {
      double user_frac = (double)st->cpu_user_ns / (double)split;
      st->cpu_user_ns = (uint64_t)((double)st->cpu_usage_ns * user_frac);
      st->cpu_system_ns = st->cpu_usage_ns - st->cpu_user_ns;
    }
    st->has_cpu = has_usage;
  }
  const char *mem = cg->v1_path[CG_V1_MEMORY];
  if (mem) {
    bool present;
    if (cg_read_u64(mem, "memory.max_usage_in_bytes", &st->memory_peak, &st->has_memory_peak, err) <
        0)
      return -1;
    if (cg_read_u64(mem, "memory.usage_in_bytes", &st->memory_current, &present, err) < 0)
      return -1;
    /* Hits of the limit: with swap accounting, the memsw counter is the one that hits. */
    uint64_t memsw_fails = 0;
    if (cg_read_u64(mem, "memory.failcnt", &st->memory_max_events, &present, err) < 0) return -1;
    if (cg_read_u64(mem, "memory.memsw.failcnt", &memsw_fails, &present, err) < 0) return -1;
    if (memsw_fails > st->memory_max_events) st->memory_max_events = memsw_fails;
    _cleanup_free_ char *oom = NULL;
    if (cg_read(mem, "memory.oom_control", true, &oom, err) < 0) return -1;
    /* "oom_kill N" since Linux 4.13; before, failcnt plus the job's SIGKILL tell. */
    if (oom && cg_keyed_u64(oom, "oom_kill", &st->oom_kills)) st->has_oom_kill_count = true;
  }
  const char *pids = cg->v1_path[CG_V1_PIDS];
  if (pids) {
    bool present;
    if (cg_read_u64(pids, "pids.current", &st->pids_current, &present, err) < 0) return -1;
    if (cg_read_u64(pids, "pids.peak", &st->pids_peak, &st->has_pids_peak, err) < 0) return -1;
    _cleanup_free_ char *ev = NULL;
    if (cg_read(pids, "pids.events", true, &ev, err) < 0) return -1;
    if (ev) cg_keyed_u64(ev, "max", &st->pids_max_events);
  }
  const char *cpu = cg->v1_path[CG_V1_CPU];
  if (cpu) {
    _cleanup_free_ char *text = NULL;
    if (cg_read(cpu, "cpu.stat", true, &text, err) < 0) return -1;
    uint64_t ns;
    if (text) {
      cg_keyed_u64(text, "nr_throttled", &st->cpu_nr_throttled);
      if (cg_keyed_u64(text, "throttled_time", &ns)) st->cpu_throttled_us = ns / 1000;
    }
  }
  return 0;
}

static int v1_cpu_usage(cgroup *cg, uint64_t *ns, sbx_error **err) {
  const char *acct = cg->v1_path[CG_V1_CPUACCT];
  bool present = false;
  if (acct && cg_read_u64(acct, "cpuacct.usage", ns, &present, err) < 0) return -1;
  if (!present)
    return sbx_set_error(err, ENOENT, "no CPU accounting (cpuacct) for cgroup %s", cg->path);
  return 0;
}

/* ---- processes ------------------------------------------------------------------------------ */

static int v1_add_pid(cgroup *cg, const char *pid, sbx_error **err) {
  for (int c = 0; c < CG_V1_COUNT; c++) {
    if (!cg->v1_path[c]) continue;
    bool done = false;
    for (int d = 0; d < c; d++) done |= cg->v1_path[d] == cg->v1_path[c];
    if (!done && cg_write(cg->v1_path[c], "cgroup.procs", pid, err) < 0) return -1;
  }
  return 0;
}

/* Freezes the freezer cgroup `dir`, SIGKILLs every task, thaws it. */
static int freeze_kill_thaw(const char *dir, sbx_error **err) {
  if (cg_write(dir, "freezer.state", "FROZEN", err) < 0) return -1;
  /* Freezing is asynchronous: the state reads FREEZING until every task is frozen. Give it a
   * moment; a task that cannot be frozen (in an uninterruptible sleep) is killed all the same,
   * and dies when thawed. */
  for (int i = 0; i < 1000; i++) {
    _cleanup_free_ char *state = NULL;
    if (cg_read(dir, "freezer.state", false, &state, err) < 0) break;
    if (strncmp(state, "FROZEN", 6) == 0) break;
    cg_sleep_ms(1);
  }
  int r = cg_kill_procs(dir, NULL, err);
  /* Thaw even after a failure: a frozen cgroup would keep its tasks forever. */
  if (cg_write(dir, "freezer.state", "THAWED", err) < 0) r = -1;
  return r;
}

static int v1_kill(cgroup *cg, sbx_error **err) {
  const char *fr = cg->v1_path[CG_V1_FREEZER];
  if (fr && cg_has(fr, "freezer.state")) return freeze_kill_thaw(fr, err);
  /* No freezer: kill what is listed (cgroup_kill repeats until it is empty). */
  for (int c = 0; c < CG_V1_COUNT; c++)
    if (cg->v1_path[c]) return cg_kill_procs(cg->v1_path[c], NULL, err);
  return 0;
}

static int v1_populated(cgroup *cg, bool *populated, sbx_error **err) {
  *populated = false;
  for (int c = 0; c < CG_V1_COUNT; c++) {
    if (!cg->v1_path[c]) continue;
    bool empty;
    if (cg_procs_empty(cg->v1_path[c], &empty, err) < 0) return -1;
    if (!empty) {
      *populated = true;
      return 0;
    }
  }
  return 0;
}

static void v1_kill_stale(const char *dir) {
  if (cg_has(dir, "freezer.state")) freeze_kill_thaw(dir, NULL);
}

const cgroup_ops cgroup_v1_ops = {
    .name = "v1",
    .version = 1,
    .hiers = v1_hiers,
    .n_hiers = ARRAY_SIZE(v1_hiers),
    .create = v1_create,
    .apply_limits = v1_apply_limits,
    .add_pid = v1_add_pid,
    .read_stats = v1_read_stats,
    .cpu_usage = v1_cpu_usage,
    .kill = v1_kill,
    .populated = v1_populated,
    .kill_stale = v1_kill_stale,
};
