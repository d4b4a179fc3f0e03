/* translate-limits.c: the `limits` section: times, memory and swap, processes, CPUs and the
 * rlimits. docs/profile.md documents every key. */
#include "translate.h"

#include "parse.h"
#include "util.h"

/* The most the kernel takes for cpu.cfs_quota_us / cpu.max's quota: 2^44 - 1 microseconds
 * (about 203 days; kernel/sched/core.c, max_cfs_runtime). */
#define MAX_CPU_QUOTA_US ((UINT64_C(1) << 44) - 1)

/* A time limit above 0, or unlimited. */
static void get_time(js_tr *t, const js_node *n, const char *path, uint64_t *out) {
  if (!js_get_duration(t->e, n, path, true, out) || *out != 0) return;
  js_error(t->e, n, path, "%s is no time at all: give a positive duration or unlimited", n->str);
  *out = SBX_UNSET;
}

/* A whole number up to max, or unlimited. */
static bool get_count(js_tr *t, const js_node *n, const char *path, uint64_t max, uint64_t *out) {
  if (n->kind == JS_SCALAR && strcmp(n->str, "unlimited") == 0) {
    *out = SBX_UNSET;
    return false;
  }
  return js_get_uint(t->e, n, path, max, out);
}

/* cpus, or cpu_quota and cpu_period. That the quota and the period go together is the
 * checker's rule; each is set here when it reads well. */
static void tr_cpu(js_tr *t, const js_node *cpus, const js_node *quota, const js_node *period) {
  js_errors *e = t->e;
  sbx_limits *l = &t->spec->limits;
  if (cpus) {
    const char *s;
    uint64_t nano;
    if (quota || period) {
      js_error(e, cpus, "limits.cpus", "give either cpus or cpu_quota and cpu_period, not both");
      return;
    }
    if (!js_get_string(e, cpus, "limits.cpus", &s)) return;
    if (parse_nano(s, &nano) < 0 || nano < 10000000ull || nano > 1024000000000ull) {
      js_error(e, cpus, "limits.cpus",
               "bad number of CPUs '%s': expected a number from 0.01 to 1024, such as 1.5", s);
      return;
    }
    /* cpus x 100ms per 100ms period, to the nearest microsecond */
    l->cpu_period_us = 100000;
    l->cpu_quota_us = (nano + 5000) / 10000;
    return;
  }
  uint64_t q = SBX_UNSET, p = SBX_UNSET;
  bool ok = true;
  if (quota) {
    if (!js_get_duration(e, quota, "limits.cpu_quota", false, &q)) {
      ok = false;
    } else if (q < 1000) {
      js_error(e, quota, "limits.cpu_quota", "%s is too small: the least is 1ms", quota->str);
      ok = false;
    } else if (q > MAX_CPU_QUOTA_US) {
      js_error(e, quota, "limits.cpu_quota",
               "%s is too large: the kernel takes at most %lluus (about 203 days)", quota->str,
               (unsigned long long)MAX_CPU_QUOTA_US);
      ok = false;
    }
  }
  if (period) {
    if (!js_get_duration(e, period, "limits.cpu_period", false, &p)) {
      ok = false;
    } else if (p < 1000 || p > 1000000) {
      js_error(e, period, "limits.cpu_period", "%s is out of range: from 1ms to 1s", period->str);
      ok = false;
    }
  }
  if (!ok) return;
  l->cpu_quota_us = q;
  l->cpu_period_us = p;
  if (quota) js_at_set(t->at, &t->at->fields[JS_AT_CPU_QUOTA], quota, "limits.cpu_quota", NULL);
  if (period) js_at_set(t->at, &t->at->fields[JS_AT_CPU_PERIOD], period, "limits.cpu_period", NULL);
}

void js_tr_limits(js_tr *t, const js_node *lim) {
  js_errors *e = t->e;
  sbx_limits *l = &t->spec->limits;
  if (!js_check_keys(e, lim, "limits",
                     JS_KEYS("wall_time", "cpu_time", "memory", "swap", "pids", "cpus", "cpu_quota",
                             "cpu_period", "open_files", "file_size", "stack", "core", "output",
                             "kill_grace")))
    return;
  const js_node *n;
  if ((n = js_map_get(lim, "wall_time"))) get_time(t, n, "limits.wall_time", &l->wall_time_us);
  if ((n = js_map_get(lim, "cpu_time"))) get_time(t, n, "limits.cpu_time", &l->cpu_time_us);
  if ((n = js_map_get(lim, "memory")) && js_get_size(e, n, "limits.memory", true, &l->memory))
    js_at_set(t->at, &t->at->fields[JS_AT_MEMORY], n, "limits.memory", NULL);
  if ((n = js_map_get(lim, "swap")) && js_get_size(e, n, "limits.swap", true, &l->swap) &&
      l->swap != SBX_UNSET && l->memory != SBX_UNSET && l->swap > INT64_MAX - l->memory) {
    /* OCI's swap limit is memory plus swap, a signed 64-bit number. */
    js_error(e, n, "limits.swap",
             "%s is too large: memory plus swap is at most 9223372036854775807 bytes", n->str);
    l->swap = SBX_UNSET;
  }
  if ((n = js_map_get(lim, "pids")) && get_count(t, n, "limits.pids", 4194304, &l->pids))
    js_at_set(t->at, &t->at->fields[JS_AT_PIDS], n, "limits.pids", NULL);
  if ((n = js_map_get(lim, "open_files")) &&
      get_count(t, n, "limits.open_files", 1u << 30, &l->open_files) && l->open_files < 3)
    js_error(e, n, "limits.open_files",
             "%s is too small: a process needs at least 3 (stdin, stdout, stderr)", n->str);
  if ((n = js_map_get(lim, "file_size")))
    js_get_size(e, n, "limits.file_size", true, &l->file_size);
  if ((n = js_map_get(lim, "stack")) && js_get_size(e, n, "limits.stack", true, &l->stack) &&
      l->stack < 65536) {
    js_error(e, n, "limits.stack", "%s is too small: the least is 64K", n->str);
    l->stack = SBX_UNSET;
  }
  if ((n = js_map_get(lim, "core"))) js_get_size(e, n, "limits.core", true, &l->core);
  if ((n = js_map_get(lim, "output"))) js_get_size(e, n, "limits.output", true, &l->output);
  if ((n = js_map_get(lim, "kill_grace")) &&
      js_get_duration(e, n, "limits.kill_grace", false, &l->kill_grace_us))
    js_at_set(t->at, &t->at->fields[JS_AT_KILL_GRACE], n, "limits.kill_grace", NULL);
  tr_cpu(t, js_map_get(lim, "cpus"), js_map_get(lim, "cpu_quota"), js_map_get(lim, "cpu_period"));
}
