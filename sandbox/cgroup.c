/* cgroup.c: the cgroup manager's common part: layout detection, run names and their owners,
 * where a run's cgroup goes, creation and removal, and the dispatch of every operation to the
 * layout's backend through its ops table (see cgroup-internal.h). */
#include "cgroup-internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/statfs.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

/* ---- layout -------------------------------------------------------------------------------- */

const char *cgroup_layout_name(cgroup_layout layout) {
  switch (layout) {
  case CGROUP_LAYOUT_LEGACY: return "legacy";
  case CGROUP_LAYOUT_HYBRID: return "hybrid";
  case CGROUP_LAYOUT_UNIFIED: return "unified";
  case CGROUP_LAYOUT_NONE: break;
  }
  return "none";
}

cgroup_layout cgroup_layout_classify(long root_magic, bool unified_is_cgroup2, bool has_v1) {
  if (root_magic == CGROUP2_SUPER_MAGIC) return CGROUP_LAYOUT_UNIFIED;
  if (!has_v1) return CGROUP_LAYOUT_NONE;
  return unified_is_cgroup2 ? CGROUP_LAYOUT_HYBRID : CGROUP_LAYOUT_LEGACY;
}

static int detect_uncached(const char *root, cgroup_layout *out, sbx_error **err) {
  struct statfs fs;
  if (statfs(root, &fs) < 0) {
    if (errno == ENOENT) {
      *out = CGROUP_LAYOUT_NONE;
      return 0;
    }
    return sbx_set_errno(err, "statfs %s", root);
  }
  if ((long)fs.f_type == CGROUP2_SUPER_MAGIC) {
    *out = CGROUP_LAYOUT_UNIFIED;
    return 0;
  }
  bool has_v1 = false;
  for (int c = 0; c < CG_V1_COUNT && !has_v1; c++) {
    _cleanup_free_ char *p = xasprintf("%s/%s", root, cgroup_v1_ops.hiers[c].dir);
    struct statfs cfs;
    if (statfs(p, &cfs) == 0 && (long)cfs.f_type == CGROUP_SUPER_MAGIC) has_v1 = true;
  }
  _cleanup_free_ char *u = xasprintf("%s/unified", root);
  struct statfs ufs;
  bool unified = statfs(u, &ufs) == 0 && (long)ufs.f_type == CGROUP2_SUPER_MAGIC;
  *out = cgroup_layout_classify((long)fs.f_type, unified, has_v1);
  return 0;
}

static pthread_mutex_t layout_lock = PTHREAD_MUTEX_INITIALIZER;
static bool layout_cached;
static cgroup_layout layout_cache;

int cgroup_layout_detect(const char *root, cgroup_layout *out, sbx_error **err) {
  if (root && strcmp(root, CGROUP_DEFAULT_ROOT) != 0) return detect_uncached(root, out, err);
  pthread_mutex_lock(&layout_lock);
  int r = 0;
  if (!layout_cached) {
    r = detect_uncached(CGROUP_DEFAULT_ROOT, &layout_cache, err);
    if (r == 0) layout_cached = true;
  }
  if (r == 0) *out = layout_cache;
  pthread_mutex_unlock(&layout_lock);
  return r;
}

const cgroup_ops *cgroup_ops_for(cgroup_layout layout) {
  switch (layout) {
  case CGROUP_LAYOUT_LEGACY: return &cgroup_v1_ops;
  case CGROUP_LAYOUT_HYBRID: return &cgroup_hybrid_ops;
  case CGROUP_LAYOUT_UNIFIED: return &cgroup_v2_ops;
  case CGROUP_LAYOUT_NONE: break;
  }
  return NULL;
}

int cgroup_locate(const cgroup_options *o, const cgroup_ops **ops, sbx_error **err) {
  cgroup_layout layout = o->layout;
  *ops = NULL;
  if (layout == CGROUP_LAYOUT_NONE &&
      cgroup_layout_detect(o->root ? o->root : CGROUP_DEFAULT_ROOT, &layout, err) < 0)
    return -1;
  *ops = cgroup_ops_for(layout);
  return 0;
}

/* ---- names and owners ------------------------------------------------------------------------ */

bool cgroup_proc_start_time(pid_t pid, uint64_t *out, bool *gone) {
  _cleanup_free_ char *path =
      pid ? xasprintf("/proc/%d/stat", (int)pid) : xstrdup("/proc/self/stat");
  _cleanup_free_ char *text = NULL;
  _cleanup_error_ sbx_error *e = NULL;
  *gone = false;
  if (read_file_max(path, 4096, &text, NULL, &e) < 0) {
    *gone = e->code == ENOENT || e->code == ESRCH;
    return false;
  }
  char *p = strrchr(text, ')');
  if (!p) return false;
  p++;
  /* After ") " come the fields from 3 (state) on; the start time is field 22. */
  for (int field = 3; field < 22; field++) {
    while (*p == ' ') p++;
    while (*p && *p != ' ') p++;
    if (!*p) return false;
  }
  while (*p == ' ') p++;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(p, &end, 10);
  if (errno || end == p) return false;
  *out = v;
  return true;
}

static atomic_uint run_seq;

char *cgroup_run_name(void) {
  uint64_t st = 0;
  bool gone;
  if (!cgroup_proc_start_time(0, &st, &gone)) st = 0;
  unsigned seq = atomic_fetch_add(&run_seq, 1);
  return xasprintf(CGROUP_NAME_PREFIX "%d-%" PRIu64 "-%u", (int)getpid(), st, seq);
}

bool cgroup_parse_run_name(const char *name, pid_t *pid, uint64_t *start_time) {
  size_t plen = strlen(CGROUP_NAME_PREFIX);
  if (strncmp(name, CGROUP_NAME_PREFIX, plen) != 0) return false;
  const char *s = name + plen;
  uint64_t parts[3];
  for (int i = 0; i < 3; i++) {
    if (!isdigit((unsigned char)*s)) return false;
    uint64_t v = 0;
    while (isdigit((unsigned char)*s)) {
      unsigned d = (unsigned)(*s - '0');
      if (v > (UINT64_MAX - d) / 10) return false;
      v = v * 10 + d;
      s++;
    }
    parts[i] = v;
    if (i < 2) {
      if (*s != '-') return false;
      s++;
    }
  }
  if (*s || parts[0] == 0 || parts[0] > INT_MAX) return false;
  *pid = (pid_t)parts[0];
  *start_time = parts[1];
  return true;
}

bool cgroup_owner_alive(pid_t pid, uint64_t start_time) {
  uint64_t st;
  bool gone;
  if (cgroup_proc_start_time(pid, &st, &gone)) return st == start_time;
  /* Unreadable but present: count it as alive rather than kill a live run. */
  return !gone;
}

/* ---- where the cgroup goes ------------------------------------------------------------------ */

bool cgroup_privileged(const cgroup_options *o) {
  return o->privileged < 0 ? geteuid() == 0 : o->privileged != 0;
}

/* This process's cgroup path in the hierarchy of `controller` (NULL: the cgroup2 line "0::")
 * from the text of /proc/self/cgroup; NULL when absent. */
static char *self_cgroup_path(const char *text, const char *controller) {
  for (const char *line = text; line && *line;) {
    const char *nl = strchr(line, '\n');
    _cleanup_free_ char *l = nl ? xstrndup(line, (size_t)(nl - line)) : xstrdup(line);
    line = nl ? nl + 1 : NULL;
    char *c1 = strchr(l, ':');
    if (!c1) continue;
    char *c2 = strchr(c1 + 1, ':');
    if (!c2) continue;
    *c2 = '\0';
    const char *ctrls = c1 + 1, *path = c2 + 1;
    if (!controller) {
      if (*ctrls == '\0' && strncmp(l, "0:", 2) == 0) return xstrdup(path);
      continue;
    }
    _cleanup_free_ char *list = xstrdup(ctrls);
    char *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
      if (strcmp(t, controller) == 0) return xstrdup(path);
  }
  return NULL;
}

int cgroup_check_parent(const char *parent, sbx_error **err) {
  const char *s = parent;
  while (*s == '/') s++;
  if (!*s) return sbx_set_error(err, EINVAL, "cgroup parent '%s' names the root", parent);
  _cleanup_free_ char *copy = xstrdup(s);
  char *save = NULL;
  for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save))
    if (strcmp(t, "..") == 0 || strcmp(t, ".") == 0)
      return sbx_set_error(err, EINVAL, "cgroup parent '%s' has a '%s' component", parent, t);
  return 0;
}

/* The place in the hierarchy at pl->hier (whose line in /proc/self/cgroup is found by
 * `controller`, NULL for cgroup2): the options' parent; privileged, "sandbox" at the top;
 * unprivileged, "sandbox" in this process's own cgroup when it is writable. */
static int place_in(cgroup_place *pl, const char *parent, bool privileged, const char *self_text,
                    const char *controller, sbx_error **err) {
  if (parent) {
    while (*parent == '/') parent++;
    pl->base = xstrdup(pl->hier);
    pl->parent = xasprintf("%s/%s", pl->hier, parent);
    return 0;
  }
  if (privileged) {
    pl->base = xstrdup(pl->hier);
    pl->parent = xasprintf("%s/" CGROUP_DEFAULT_PARENT, pl->hier);
    return 0;
  }
  _cleanup_free_ char *own = self_text ? self_cgroup_path(self_text, controller) : NULL;
  if (!own)
    return sbx_set_error(err, ENOENT, "this process's %s cgroup is not in /proc/self/cgroup",
                         controller ? controller : "cgroup2");
  const char *o = own;
  while (*o == '/') o++;
  _cleanup_free_ char *b = *o ? xasprintf("%s/%s", pl->hier, o) : xstrdup(pl->hier);
  if (access(b, W_OK) < 0)
    return sbx_set_errno(err, "this process's cgroup %s is not writable (not a delegated subtree)",
                         b);
  pl->parent = xasprintf("%s/" CGROUP_DEFAULT_PARENT, b);
  pl->base = steal_pointer(&b);
  return 0;
}

int cgroup_where_resolve(const cgroup_options *o, const cgroup_ops *ops, cgroup_where *w,
                         sbx_error **err) {
  *w = (cgroup_where){
      .root = o->root ? o->root : CGROUP_DEFAULT_ROOT,
      .privileged = cgroup_privileged(o),
      .given_parent = o->parent != NULL,
  };
  _cleanup_free_ char *self_text = NULL;
  if (!w->privileged && !o->parent) {
    const char *self = o->proc_self_cgroup ? o->proc_self_cgroup : "/proc/self/cgroup";
    if (read_file_max(self, 1 << 16, &self_text, NULL, err) < 0) return -1;
  }
  for (size_t i = 0; i < ops->n_hiers; i++) {
    const cgroup_hier *h = &ops->hiers[i];
    cgroup_place *pl = &w->place[i];
    pl->hier = *h->dir ? xasprintf("%s/%s", w->root, h->dir) : xstrdup(w->root);
    place_in(pl, o->parent, w->privileged, self_text, h->controller, &pl->error);
  }
  return 0;
}

void cgroup_where_clear(cgroup_where *w) {
  for (size_t i = 0; i < CG_HIER_MAX; i++) {
    cgroup_place *pl = &w->place[i];
    free(pl->hier);
    free(pl->base);
    free(pl->parent);
    sbx_error_free(pl->error);
  }
  *w = (cgroup_where){0};
}

/* ---- creation ------------------------------------------------------------------------------- */

static void cgroup_free(cgroup *cg) {
  if (!cg) return;
  free(cg->name);
  free(cg->v2_path);
  if (cg->v2_fd >= 0) close(cg->v2_fd);
  for (int c = 0; c < CG_V1_COUNT; c++) {
    bool shared = false;
    for (int d = 0; d < c; d++) shared |= cg->v1_path[d] == cg->v1_path[c];
    if (!shared) free(cg->v1_path[c]);
  }
  cg_record_free(&cg->rec);
  free(cg);
}

int cgroup_create(const cgroup_options *o, cgroup **out, char **why, sbx_error **err) {
  *out = NULL;
  if (why) *why = NULL;
  sbx_cgroup_mode mode = o->mode;
  if (mode == SBX_CGROUP_AUTO)
    mode = cgroup_privileged(o) ? SBX_CGROUP_REQUIRED : SBX_CGROUP_OPTIONAL;
  if (mode == SBX_CGROUP_OFF) {
    if (why) *why = xstrdup("cgroups are off in the profile");
    return 0;
  }
  if (o->parent && cgroup_check_parent(o->parent, err) < 0) return -1;

  _cleanup_error_ sbx_error *e = NULL;
  __attribute__((cleanup(cgroup_where_clear))) cgroup_where where = {0};
  const cgroup_ops *ops;
  if (cgroup_locate(o, &ops, &e) < 0) goto fail;
  if (!ops) {
    sbx_set_error(&e, ENOENT, "no cgroup filesystem is mounted at %s",
                  o->root ? o->root : CGROUP_DEFAULT_ROOT);
    goto fail;
  }
  if (cgroup_where_resolve(o, ops, &where, &e) < 0) goto fail;

  for (int attempt = 0;; attempt++) {
    cgroup *cg = xcalloc(1, sizeof *cg);
    cg->ops = ops;
    cg->v2_fd = -1;
    cg->rec.strict = mode == SBX_CGROUP_REQUIRED;
    cg->plain_tree = o->plain_tree;
    cg->v1_use_freezer = o->v1_use_freezer;
    cg->name = cgroup_run_name();
    if (ops->create(cg, &where, &e) == 0) {
      *out = cg;
      return 0;
    }
    bool exists = e && e->code == EEXIST;
    cg_record_remove(&cg->rec, cg->name, cg->plain_tree, NULL);
    cgroup_free(cg);
    if (!exists || attempt >= 3) break;
    sbx_error_free(steal_pointer(&e)); /* a name taken (another pid namespace): a new one */
  }

fail:
  if (mode == SBX_CGROUP_REQUIRED) {
    *err = steal_pointer(&e);
    return sbx_error_prefix(err,
                            "cgroup required (profile `cgroup: required`, the default as "
                            "root) but unusable");
  }
  if (why) *why = xstrdup(e ? e->message : "no usable cgroup");
  return 0;
}

/* ---- operations ------------------------------------------------------------------------------ */

int cgroup_apply_limits(cgroup *cg, const sbx_limits *limits, sbx_error **err) {
  if (cg->ops->apply_limits(cg, limits, err) < 0)
    return sbx_error_prefix(err, "applying the limits to cgroup %s", cgroup_path(cg));
  return 0;
}

int cgroup_add_pid(cgroup *cg, pid_t pid, sbx_error **err) {
  char buf[32];
  snprintf(buf, sizeof buf, "%d", pid ? (int)pid : (int)getpid());
  return cg->ops->add_pid(cg, buf, err);
}

int cgroup_clone_fd(const cgroup *cg) { return cg->v2_fd; }

int cgroup_read_stats(cgroup *cg, cgroup_stats *st, sbx_error **err) {
  memset(st, 0, sizeof *st);
  if (cg->ops->read_stats(cg, st, err) < 0)
    return sbx_error_prefix(err, "reading the figures of cgroup %s", cgroup_path(cg));
  return 0;
}

int cgroup_cpu_usage(cgroup *cg, uint64_t *ns, sbx_error **err) {
  return cg->ops->cpu_usage(cg, ns, err);
}

int cgroup_is_populated(cgroup *cg, bool *populated, sbx_error **err) {
  return cg->ops->populated(cg, populated, err);
}

int cgroup_kill(cgroup *cg, int timeout_ms, sbx_error **err) {
  if (cg->ops->kill(cg, err) < 0)
    return sbx_error_prefix(err, "killing the processes of cgroup %s", cgroup_path(cg));
  if (cg->plain_tree) return 0;
  uint64_t deadline = cg_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
  for (;;) {
    bool populated;
    if (cgroup_is_populated(cg, &populated, err) < 0) return -1;
    if (!populated) return 0;
    if (cg_now_ms() >= deadline)
      return sbx_set_error(err, EBUSY, "cgroup %s still has processes %d ms after the kill",
                           cgroup_path(cg), timeout_ms);
    /* Stragglers (a fork that raced with a kill without cgroup.kill/freezer): again, in every
     * directory of the run. */
    for (int c = 0; c < CG_V1_COUNT; c++)
      if (cg->v1_path[c]) cg_kill_procs(cg->v1_path[c], NULL, NULL);
    if (cg->v2_path) cg_kill_procs(cg->v2_path, NULL, NULL);
    cg_sleep_ms(1);
  }
}

int cgroup_destroy(cgroup *cg, sbx_error **err) {
  if (!cg) return 0;
  int r = 0;
  if (cgroup_kill(cg, CG_KILL_TIMEOUT_MS, err) < 0) r = -1;
  if (cg->v2_fd >= 0) {
    close(cg->v2_fd);
    cg->v2_fd = -1;
  }
  if (cg_record_remove(&cg->rec, cg->name, cg->plain_tree, err) < 0) r = -1;
  cgroup_free(cg);
  return r;
}

int cgroup_version(const cgroup *cg) { return cg->ops->version; }
const char *cgroup_name(const cgroup *cg) { return cg->name; }
const char *cgroup_path(const cgroup *cg) { return cg->path ? cg->path : cg->name; }
char *const *cgroup_degraded(const cgroup *cg) { return cg->rec.degraded; }

char *cgroup_degraded_cause(const cgroup *cg) {
  if (!cg->rec.degraded || !cg->rec.missing) return NULL;
  char *s = xasprintf("cgroup %s lacks %s", cgroup_path(cg), cg->rec.missing[0]);
  for (size_t i = 1; i < cg->rec.n_missing; i++) {
    char *t = xasprintf("%s, %s", s, cg->rec.missing[i]);
    free(s);
    s = t;
  }
  return s;
}

char **cgroup_degraded_without(const sbx_limits *l) {
  char **v = NULL;
  size_t n = 0;
  if (l->memory != SBX_UNSET) strv_push(&v, &n, "memory");
  if (l->pids != SBX_UNSET) strv_push(&v, &n, "pids");
  if (l->cpu_quota_us != SBX_UNSET) strv_push(&v, &n, "cpu");
  if (l->cpu_time_us != SBX_UNSET) strv_push(&v, &n, "cpu_time");
  return v;
}
