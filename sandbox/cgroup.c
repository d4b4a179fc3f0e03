/* cgroup.c: the cgroup manager's common part: layout detection, run names and their owners,
 * where a run's cgroup goes, creation and removal, gc of leftovers, and the dispatch to the v1
 * and v2 backends. */
#include "cgroup-internal.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/magic.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

const char *const cg_v1_names[CG_V1_COUNT] = {"memory", "pids", "cpu", "cpuacct", "freezer"};

/* Removal of a cgroup whose last task is exiting may see EBUSY for a short while. */
#define CG_RMDIR_TIMEOUT_MS 2000
#define CG_KILL_TIMEOUT_MS  2000

/* ---- files --------------------------------------------------------------------------------- */

void cg_sleep_ms(unsigned ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool cg_has(const char *dir, const char *file) {
  _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
  return access(p, F_OK) == 0;
}

int cg_write(const char *dir, const char *file, const char *value, sbx_error **err) {
  _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
  _cleanup_close_ int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return sbx_set_errno(err, "open %s for writing", p);
  size_t len = strlen(value);
  ssize_t w;
  do {
    w = write(fd, value, len);
  } while (w < 0 && errno == EINTR);
  if (w < 0) return sbx_set_errno(err, "write '%s' to %s", value, p);
  if ((size_t)w != len)
    return sbx_set_error(err, EIO, "write '%s' to %s: short write (%zd of %zu bytes)", value, p, w,
                         len);
  return 0;
}

int cg_read(const char *dir, const char *file, bool optional, char **out, sbx_error **err) {
  _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
  *out = NULL;
  _cleanup_error_ sbx_error *e = NULL;
  if (read_file_max(p, 1 << 20, out, NULL, &e) < 0) {
    if (optional && e->code == ENOENT) return 0;
    if (err && !*err) *err = steal_pointer(&e);
    return -1;
  }
  return 0;
}

bool cg_parse_u64(const char *s, uint64_t *out) {
  if (!s) return false;
  while (*s == ' ' || *s == '\t') s++;
  const char *end;
  if (strncmp(s, "max", 3) == 0) {
    *out = UINT64_MAX;
    end = s + 3;
  } else {
    if (!isdigit((unsigned char)*s)) return false;
    uint64_t v = 0;
    for (end = s; isdigit((unsigned char)*end); end++) {
      unsigned d = (unsigned)(*end - '0');
      if (v > (UINT64_MAX - d) / 10) return false;
      v = v * 10 + d;
    }
    *out = v;
  }
  for (; *end; end++)
    if (!isspace((unsigned char)*end)) return false;
  return true;
}

int cg_read_u64(const char *dir, const char *file, uint64_t *out, bool *present, sbx_error **err) {
  _cleanup_free_ char *text = NULL;
  if (present) *present = false;
  if (cg_read(dir, file, present != NULL, &text, err) < 0) return -1;
  if (!text) return 0;
  if (!cg_parse_u64(text, out))
    return sbx_set_error(err, EINVAL, "%s/%s: expected a number, found '%.40s'", dir, file, text);
  if (present) *present = true;
  return 0;
}

bool cg_keyed_u64(const char *text, const char *key, uint64_t *out) {
  size_t klen = strlen(key);
  for (const char *line = text; line && *line;) {
    const char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    if (len > klen && strncmp(line, key, klen) == 0 && (line[klen] == ' ' || line[klen] == '\t')) {
      _cleanup_free_ char *v = xstrndup(line + klen + 1, len - klen - 1);
      return cg_parse_u64(v, out);
    }
    line = nl ? nl + 1 : NULL;
  }
  return false;
}

/* Calls fn for every pid in <dir>/cgroup.procs. */
static int for_each_proc(const char *dir, void (*fn)(pid_t, void *), void *ctx, unsigned *count,
                         sbx_error **err) {
  _cleanup_free_ char *text = NULL;
  if (count) *count = 0;
  /* No cgroup.procs: the cgroup is gone already, so it is empty. */
  if (cg_read(dir, "cgroup.procs", true, &text, err) < 0) return -1;
  for (char *s = text; s && *s;) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s) break;
    if (errno == 0 && v > 0 && v <= INT_MAX) {
      if (fn) fn((pid_t)v, ctx);
      if (count) (*count)++;
    }
    s = end;
    while (*s && isspace((unsigned char)*s)) s++;
  }
  return 0;
}

static void kill_one(pid_t pid, void *ctx) {
  (void)ctx;
  /* ESRCH: it is already gone. */
  kill(pid, SIGKILL);
}

int cg_kill_procs(const char *dir, unsigned *count, sbx_error **err) {
  return for_each_proc(dir, kill_one, NULL, count, err);
}

int cg_procs_empty(const char *dir, bool *empty, sbx_error **err) {
  unsigned n;
  if (for_each_proc(dir, NULL, NULL, &n, err) < 0) return -1;
  *empty = n == 0;
  return 0;
}

void cg_degrade(cgroup *cg, const char *limit) {
  if (!strv_contains(cg->degraded, limit)) strv_push(&cg->degraded, &cg->n_degraded, limit);
}

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
    _cleanup_free_ char *p = xasprintf("%s/%s", root, cg_v1_names[c]);
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

/* ---- names and owners ------------------------------------------------------------------------ */

/* The start time (field 22 of /proc/PID/stat, clock ticks after boot); false when the process
 * does not exist or the file cannot be parsed. *gone says that it does not exist. */
static bool proc_start_time(pid_t pid, uint64_t *out, bool *gone) {
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
  if (!proc_start_time(0, &st, &gone)) st = 0;
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
  if (proc_start_time(pid, &st, &gone)) return st == start_time;
  /* Unreadable but present: count it as alive rather than kill a live run. */
  return !gone;
}

/* ---- where the cgroup goes ------------------------------------------------------------------ */

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

/* A parent must be a relative path of plain components ("a/b"); a leading '/' is allowed. */
static int check_parent(const char *parent, sbx_error **err) {
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

typedef struct placement {
  const char *root; /* the cgroupfs root */
  const char *parent;
  bool privileged;
  const char *self_text; /* /proc/self/cgroup */
} placement;

/* The parent directory in the hierarchy at `hier` (whose line in /proc/self/cgroup is found by
 * `controller`, NULL for cgroup2), and `base`, the part that must already exist. */
static int parent_dir(const placement *pl, const char *hier, const char *controller, char **base,
                      char **dir, sbx_error **err) {
  if (pl->parent) {
    const char *p = pl->parent;
    while (*p == '/') p++;
    *base = xstrdup(hier);
    *dir = xasprintf("%s/%s", hier, p);
    return 0;
  }
  if (pl->privileged) {
    *base = xstrdup(hier);
    *dir = xasprintf("%s/" CGROUP_DEFAULT_PARENT, hier);
    return 0;
  }
  _cleanup_free_ char *own = pl->self_text ? self_cgroup_path(pl->self_text, controller) : NULL;
  if (!own)
    return sbx_set_error(err, ENOENT, "this process's %s cgroup is not in /proc/self/cgroup",
                         controller ? controller : "cgroup2");
  const char *o = own;
  while (*o == '/') o++;
  _cleanup_free_ char *b = *o ? xasprintf("%s/%s", hier, o) : xstrdup(hier);
  if (access(b, W_OK) < 0)
    return sbx_set_errno(err,
                         "this process's cgroup %s is not writable (not a delegated subtree; "
                         "run as root, or in a delegated cgroup such as one from "
                         "`systemd-run --user --scope -p Delegate=yes`)",
                         b);
  *dir = xasprintf("%s/" CGROUP_DEFAULT_PARENT, b);
  *base = steal_pointer(&b);
  return 0;
}

/* Remembers the default parent, which any run may remove when it is empty. */
static void note_parent(cgroup *cg, const placement *pl, const char *parent) {
  if (!pl->parent && !strv_contains(cg->parents, parent))
    strv_push(&cg->parents, &cg->n_parents, parent);
}

/* Makes every missing directory of `dir` below `base`, recording each one it made. */
static int mkdir_below(cgroup *cg, const char *base, const char *dir, sbx_error **err) {
  size_t blen = strlen(base);
  _cleanup_free_ char *p = xstrdup(dir);
  for (char *s = p + blen; *s; s++) {
    if (*s != '/' || s == p + blen) continue;
    *s = '\0';
    if (mkdir(p, 0755) == 0)
      strv_push(&cg->created, &cg->n_created, p);
    else if (errno != EEXIST)
      return sbx_set_errno(err, "create cgroup %s", p);
    *s = '/';
  }
  if (mkdir(p, 0755) == 0)
    strv_push(&cg->created, &cg->n_created, p);
  else if (errno != EEXIST)
    return sbx_set_errno(err, "create cgroup %s", p);
  return 0;
}

/* Makes <parent>/<name> (and the parent when missing). Another run removing the shared parent
 * at the same moment gives ENOENT: then it tries again. */
static int make_run_dir(cgroup *cg, const char *base, const char *parent, char **out,
                        sbx_error **err) {
  _cleanup_free_ char *path = xasprintf("%s/%s", parent, cg->name);
  for (int attempt = 0;; attempt++) {
    if (mkdir_below(cg, base, parent, err) < 0) return -1;
    if (mkdir(path, 0755) == 0) break;
    if (errno == ENOENT && attempt < 5) continue;
    return sbx_set_errno(err, "create cgroup %s", path);
  }
  strv_push(&cg->created, &cg->n_created, path);
  *out = steal_pointer(&path);
  return 0;
}

static const char *const v2_wanted[] = {"memory", "pids", "cpu", NULL};

/* Enables the controllers at every level from the hierarchy root down to the parent, so that
 * the run's cgroup gets them. */
static int v2_delegate(const char *hier, const char *parent, sbx_error **err) {
  _cleanup_free_ char *p = xstrdup(parent);
  size_t hlen = strlen(hier);
  for (char *s = p + hlen;; s++) {
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

/* Removes a directory we made: on a plain tree, its regular files first. */
static int remove_dir(const char *path, bool plain_tree, bool wait_busy, sbx_error **err) {
  if (plain_tree) {
    DIR *d = opendir(path);
    if (d) {
      struct dirent *de;
      while ((de = readdir(d))) {
        if (de->d_type != DT_REG) continue;
        _cleanup_free_ char *f = xasprintf("%s/%s", path, de->d_name);
        unlink(f);
      }
      closedir(d);
    }
  }
  uint64_t deadline = now_ms() + (wait_busy ? CG_RMDIR_TIMEOUT_MS : 0);
  for (;;) {
    if (rmdir(path) == 0 || errno == ENOENT) return 0;
    if (errno != EBUSY || now_ms() >= deadline) return sbx_set_errno(err, "remove cgroup %s", path);
    cg_sleep_ms(5);
  }
}

/* Removes a cgroup and every cgroup below it, deepest first. */
static int remove_tree(const char *path, bool plain_tree, sbx_error **err) {
  DIR *d = opendir(path);
  if (!d) return errno == ENOENT ? 0 : sbx_set_errno(err, "open cgroup %s", path);
  int r = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    _cleanup_free_ char *sub = xasprintf("%s/%s", path, de->d_name);
    if (remove_tree(sub, plain_tree, err) < 0) r = -1;
  }
  closedir(d);
  if (remove_dir(path, plain_tree, true, err) < 0) r = -1;
  return r;
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
  strv_free(cg->created);
  strv_free(cg->parents);
  strv_free(cg->degraded);
  free(cg);
}

/* Removes the directories made, in reverse. The run's own directories must go; the parents
 * stay when another run uses them (EBUSY/ENOTEMPTY). */
static int remove_created(cgroup *cg, sbx_error **err) {
  int r = 0;
  for (size_t i = cg->n_created; i-- > 0;) {
    const char *p = cg->created[i];
    const char *slash = strrchr(p, '/');
    bool own = slash && strcmp(slash + 1, cg->name) == 0;
    if (own) {
      if (remove_tree(p, cg->plain_tree, err) < 0) r = -1;
    } else if (rmdir(p) < 0 && errno != EBUSY && errno != ENOTEMPTY && errno != ENOENT &&
               errno != EEXIST) {
      if (r == 0) sbx_set_errno(err, "remove cgroup %s", p);
      r = -1;
    }
  }
  /* The shared default parent goes with the last run out; a run that starts meanwhile makes
   * it again (see make_run_dir). */
  for (size_t i = 0; i < cg->n_parents; i++) rmdir(cg->parents[i]);
  return r;
}

static int create_v2(cgroup *cg, const placement *pl, const char *hier, sbx_error **err) {
  _cleanup_free_ char *base = NULL, *parent = NULL;
  if (parent_dir(pl, hier, NULL, &base, &parent, err) < 0) return -1;
  note_parent(cg, pl, parent);
  for (int attempt = 0;; attempt++) {
    if (mkdir_below(cg, base, parent, err) < 0) return -1;
    if (v2_delegate(hier, parent, err) < 0) return -1;
    _cleanup_free_ char *path = xasprintf("%s/%s", parent, cg->name);
    if (mkdir(path, 0755) == 0) {
      strv_push(&cg->created, &cg->n_created, path);
      cg->v2_path = steal_pointer(&path);
      break;
    }
    if (errno == ENOENT && attempt < 5) continue;
    return sbx_set_errno(err, "create cgroup %s", path);
  }
  cg->v2_fd = open(cg->v2_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg->v2_fd < 0) return sbx_set_errno(err, "open cgroup %s", cg->v2_path);
  return 0;
}

static int create_v1(cgroup *cg, const placement *pl, bool with_unified, sbx_error **err) {
  char *real[CG_V1_COUNT] = {0};
  int made = 0, r = 0;
  for (int c = 0; c < CG_V1_COUNT && r == 0; c++) {
    _cleanup_free_ char *hier = xasprintf("%s/%s", pl->root, cg_v1_names[c]);
    if (!cg_has(hier, "cgroup.procs")) continue;
    real[c] = realpath(hier, NULL);
    if (!real[c]) {
      r = sbx_set_errno(err, "resolve %s", hier);
      break;
    }
    /* Controllers mounted together (cpu,cpuacct) share the directory. */
    for (int d = 0; d < c; d++)
      if (real[d] && cg->v1_path[d] && strcmp(real[d], real[c]) == 0)
        cg->v1_path[c] = cg->v1_path[d];
    if (cg->v1_path[c]) continue;
    _cleanup_free_ char *base = NULL, *parent = NULL;
    _cleanup_error_ sbx_error *e = NULL;
    if (parent_dir(pl, hier, cg_v1_names[c], &base, &parent, &e) < 0) {
      /* Unprivileged: this controller is not delegated to us; the limit degrades. */
      if (pl->privileged || pl->parent) {
        *err = steal_pointer(&e);
        r = -1;
      }
      continue;
    }
    note_parent(cg, pl, parent);
    if (make_run_dir(cg, base, parent, &cg->v1_path[c], err) < 0) {
      r = -1;
      break;
    }
    made++;
  }
  for (int c = 0; c < CG_V1_COUNT; c++) free(real[c]);
  if (r < 0) return -1;
  if (made == 0)
    return sbx_set_error(err, ENOENT, "no usable cgroup v1 hierarchy under %s", pl->root);
  if (with_unified) {
    /* The hybrid's empty cgroup2 gives cgroup.kill and cgroup.events: best effort. */
    _cleanup_free_ char *hier = xasprintf("%s/unified", pl->root);
    _cleanup_free_ char *base = NULL, *parent = NULL;
    _cleanup_error_ sbx_error *e = NULL;
    if (parent_dir(pl, hier, NULL, &base, &parent, &e) == 0) {
      note_parent(cg, pl, parent);
      make_run_dir(cg, base, parent, &cg->v2_path, &e);
    }
  }
  return 0;
}

int cgroup_create(const cgroup_options *o, cgroup **out, char **why, sbx_error **err) {
  *out = NULL;
  if (why) *why = NULL;
  bool privileged = o->privileged < 0 ? geteuid() == 0 : o->privileged != 0;
  sbx_cgroup_mode mode = o->mode;
  if (mode == SBX_CGROUP_AUTO) mode = privileged ? SBX_CGROUP_REQUIRED : SBX_CGROUP_OPTIONAL;
  if (mode == SBX_CGROUP_OFF) {
    if (why) *why = xstrdup("cgroups are off in the profile");
    return 0;
  }
  if (o->parent && check_parent(o->parent, err) < 0) return -1;

  _cleanup_error_ sbx_error *e = NULL;
  _cleanup_free_ char *self_text = NULL; /* before the first goto: the cleanup reads it */
  const char *root = o->root ? o->root : CGROUP_DEFAULT_ROOT;
  cgroup_layout layout = o->layout;
  if (layout == CGROUP_LAYOUT_NONE && cgroup_layout_detect(root, &layout, &e) < 0) goto fail;
  if (layout == CGROUP_LAYOUT_NONE) {
    sbx_set_error(&e, ENOENT, "no cgroup filesystem is mounted at %s", root);
    goto fail;
  }

  if (!privileged && !o->parent) {
    const char *self = o->proc_self_cgroup ? o->proc_self_cgroup : "/proc/self/cgroup";
    if (read_file_max(self, 1 << 16, &self_text, NULL, &e) < 0) goto fail;
  }
  placement pl = {
      .root = root, .parent = o->parent, .privileged = privileged, .self_text = self_text};

  cgroup_options gc_opts = *o;
  gc_opts.layout = layout;
  gc_opts.privileged = privileged;
  cgroup_gc(&gc_opts, NULL, NULL); /* best effort: leftovers of dead supervisors */

  for (int attempt = 0;; attempt++) {
    cgroup *cg = xcalloc(1, sizeof *cg);
    cg->v2_fd = -1;
    cg->layout = layout;
    cg->strict = mode == SBX_CGROUP_REQUIRED;
    cg->plain_tree = o->plain_tree;
    cg->v1_use_freezer = o->v1_use_freezer;
    cg->name = cgroup_run_name();
    int r;
    if (layout == CGROUP_LAYOUT_UNIFIED) {
      cg->version = 2;
      r = create_v2(cg, &pl, root, &e);
    } else {
      cg->version = 1;
      r = create_v1(cg, &pl, layout == CGROUP_LAYOUT_HYBRID, &e);
    }
    if (r == 0) {
      *out = cg;
      return 0;
    }
    bool exists = e && e->code == EEXIST;
    remove_created(cg, NULL);
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
  int r = cg->version == 2 ? cgroup_v2_apply_limits(cg, limits, err)
                           : cgroup_v1_apply_limits(cg, limits, err);
  if (r < 0) return sbx_error_prefix(err, "applying the limits to cgroup %s", cgroup_path(cg));
  return 0;
}

int cgroup_add_pid(cgroup *cg, pid_t pid, sbx_error **err) {
  char buf[32];
  snprintf(buf, sizeof buf, "%d", pid ? (int)pid : (int)getpid());
  if (cg->version == 2) return cg_write(cg->v2_path, "cgroup.procs", buf, err);
  for (int c = 0; c < CG_V1_COUNT; c++) {
    if (!cg->v1_path[c]) continue;
    bool done = false;
    for (int d = 0; d < c; d++) done |= cg->v1_path[d] == cg->v1_path[c];
    if (!done && cg_write(cg->v1_path[c], "cgroup.procs", buf, err) < 0) return -1;
  }
  if (cg->v2_path && cg_write(cg->v2_path, "cgroup.procs", buf, err) < 0) return -1;
  return 0;
}

int cgroup_clone_fd(const cgroup *cg) { return cg->version == 2 ? cg->v2_fd : -1; }

int cgroup_read_stats(cgroup *cg, cgroup_stats *st, sbx_error **err) {
  memset(st, 0, sizeof *st);
  int r = cg->version == 2 ? cgroup_v2_read_stats(cg->v2_path, st, err)
                           : cgroup_v1_read_stats(cg, st, err);
  if (r < 0) return sbx_error_prefix(err, "reading the figures of cgroup %s", cgroup_path(cg));
  return 0;
}

int cgroup_cpu_usage(cgroup *cg, uint64_t *ns, sbx_error **err) {
  if (cg->version == 1) {
    const char *acct = cg->v1_path[CG_V1_CPUACCT];
    bool present = false;
    if (acct && cg_read_u64(acct, "cpuacct.usage", ns, &present, err) < 0) return -1;
    if (!present)
      return sbx_set_error(err, ENOENT, "no CPU accounting (cpuacct) for cgroup %s",
                           cgroup_path(cg));
    return 0;
  }
  _cleanup_free_ char *text = NULL;
  if (cg_read(cg->v2_path, "cpu.stat", false, &text, err) < 0) return -1;
  uint64_t us;
  if (!cg_keyed_u64(text, "usage_usec", &us))
    return sbx_set_error(err, EINVAL, "%s/cpu.stat has no usage_usec", cg->v2_path);
  *ns = us * 1000;
  return 0;
}

int cgroup_is_populated(cgroup *cg, bool *populated, sbx_error **err) {
  if (cg->v2_path) return cgroup_v2_populated(cg->v2_path, populated, err);
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

int cgroup_kill(cgroup *cg, int timeout_ms, sbx_error **err) {
  int r;
  if (cg->version == 2) {
    r = cg_has(cg->v2_path, "cgroup.kill") ? cgroup_v2_kill(cg->v2_path, err)
                                           : cg_kill_procs(cg->v2_path, NULL, err);
  } else {
    r = cgroup_v1_kill(cg, err);
  }
  if (r < 0) return sbx_error_prefix(err, "killing the processes of cgroup %s", cgroup_path(cg));
  if (cg->plain_tree) return 0;
  uint64_t deadline = now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
  for (;;) {
    bool populated;
    if (cgroup_is_populated(cg, &populated, err) < 0) return -1;
    if (!populated) return 0;
    if (now_ms() >= deadline)
      return sbx_set_error(err, EBUSY, "cgroup %s still has processes %d ms after the kill",
                           cgroup_path(cg), timeout_ms);
    /* Stragglers (a fork that raced with a kill without cgroup.kill/freezer): again. */
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
  if (remove_created(cg, err) < 0) r = -1;
  cgroup_free(cg);
  return r;
}

int cgroup_version(const cgroup *cg) { return cg->version; }
const char *cgroup_name(const cgroup *cg) { return cg->name; }

const char *cgroup_path(const cgroup *cg) {
  if (cg->version == 2) return cg->v2_path;
  for (int c = 0; c < CG_V1_COUNT; c++)
    if (cg->v1_path[c]) return cg->v1_path[c];
  return cg->name;
}

char *const *cgroup_degraded(const cgroup *cg) { return cg->degraded; }

char **cgroup_degraded_without(const sbx_limits *l) {
  char **v = NULL;
  size_t n = 0;
  if (l->memory != SBX_UNSET) strv_push(&v, &n, "memory");
  if (l->pids != SBX_UNSET) strv_push(&v, &n, "pids");
  if (l->cpu_quota_us != SBX_UNSET) strv_push(&v, &n, "cpu");
  if (l->cpu_time_us != SBX_UNSET) strv_push(&v, &n, "cpu_time");
  return v;
}

/* ---- gc ------------------------------------------------------------------------------------ */

/* A number after `key` ("PPid:") in a /proc/PID/status text; for a line of several numbers
 * (NSpid), the last one. False when absent. */
static bool status_field(const char *text, const char *key, long *out) {
  const char *p = strstr(text, key);
  if (!p || (p != text && p[-1] != '\n')) return false;
  p += strlen(key);
  bool found = false;
  for (;;) {
    while (*p == ' ' || *p == '\t') p++;
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p) return found;
    *out = v;
    found = true;
    p = end;
  }
}

/* Whether the run cgroup `dir`, whose owner (pid, start time) is gone as this process sees
 * pids, may still belong to a live supervisor in another pid namespace, and must be left alone:
 *  - cgroup.procs lists a task as 0: this process cannot see it (its pid namespace is not ours
 *    nor below ours), so neither can it see that task's supervisor;
 *  - a task's parent is the owner as seen from its own pid namespace (the sandbox's processes
 *    are children of their supervisor until it dies): the innermost pid of that parent (NSpid)
 *    is the owner's pid, and its start time the owner's. */
static bool owned_elsewhere(const char *dir, pid_t owner, uint64_t start_time) {
  _cleanup_free_ char *procs = NULL;
  if (cg_read(dir, "cgroup.procs", true, &procs, NULL) < 0 || !procs) return false;
  for (char *s = procs; *s;) {
    char *end;
    long pid = strtol(s, &end, 10);
    if (end == s) break;
    s = end;
    while (isspace((unsigned char)*s)) s++;
    if (pid == 0) return true;
    _cleanup_free_ char *status_path = xasprintf("/proc/%ld/status", pid);
    _cleanup_free_ char *status = NULL;
    _cleanup_error_ sbx_error *e = NULL;
    long ppid;
    if (read_file_max(status_path, 1 << 16, &status, NULL, &e) < 0 ||
        !status_field(status, "PPid:", &ppid) || ppid <= 1)
      continue;
    _cleanup_free_ char *pstatus_path = xasprintf("/proc/%ld/status", ppid);
    _cleanup_free_ char *pstatus = NULL;
    long inner;
    uint64_t st;
    bool gone;
    if (read_file_max(pstatus_path, 1 << 16, &pstatus, NULL, &e) == 0 &&
        status_field(pstatus, "NSpid:", &inner) && inner == (long)owner &&
        proc_start_time((pid_t)ppid, &st, &gone) && st == start_time)
      return true;
  }
  return false;
}

/* Removes the dead runs' cgroups in one parent directory; their names go to *names. */
static int gc_dir(const char *parent, bool plain_tree, char ***names, size_t *n, sbx_error **err) {
  DIR *d = opendir(parent);
  if (!d) return errno == ENOENT || errno == EACCES ? 0 : sbx_set_errno(err, "open %s", parent);
  int r = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_type != DT_DIR) continue;
    pid_t pid;
    uint64_t st;
    if (!cgroup_parse_run_name(de->d_name, &pid, &st) || cgroup_owner_alive(pid, st)) continue;
    _cleanup_free_ char *path = xasprintf("%s/%s", parent, de->d_name);
    if (owned_elsewhere(path, pid, st)) continue;
    if (cg_has(path, "freezer.state")) cgroup_v1_freeze_kill_thaw(path, NULL);
    if (cg_has(path, "cgroup.kill")) cgroup_v2_kill(path, NULL);
    if (cg_has(path, "cgroup.procs")) cg_kill_procs(path, NULL, NULL);
    if (!plain_tree) {
      uint64_t deadline = now_ms() + CG_KILL_TIMEOUT_MS;
      bool empty = false;
      while (cg_procs_empty(path, &empty, NULL) == 0 && !empty && now_ms() < deadline) {
        cg_kill_procs(path, NULL, NULL);
        cg_sleep_ms(2);
      }
    }
    if (remove_tree(path, plain_tree, err) < 0) {
      r = -1;
      continue;
    }
    if (!strv_contains(*names, de->d_name)) strv_push(names, n, de->d_name);
  }
  closedir(d);
  return r;
}

int cgroup_gc(const cgroup_options *o, unsigned *removed, sbx_error **err) {
  if (removed) *removed = 0;
  const char *root = o->root ? o->root : CGROUP_DEFAULT_ROOT;
  if (o->parent && check_parent(o->parent, err) < 0) return -1;
  cgroup_layout layout = o->layout;
  if (layout == CGROUP_LAYOUT_NONE && cgroup_layout_detect(root, &layout, err) < 0) return -1;
  if (layout == CGROUP_LAYOUT_NONE) return 0;
  bool privileged = o->privileged < 0 ? geteuid() == 0 : o->privileged != 0;
  _cleanup_free_ char *self_text = NULL;
  if (!privileged && !o->parent) {
    const char *self = o->proc_self_cgroup ? o->proc_self_cgroup : "/proc/self/cgroup";
    _cleanup_error_ sbx_error *e = NULL;
    if (read_file_max(self, 1 << 16, &self_text, NULL, &e) < 0) return 0;
  }
  placement pl = {
      .root = root, .parent = o->parent, .privileged = privileged, .self_text = self_text};
  _cleanup_strv_ char **names = NULL;
  size_t n = 0;
  int r = 0;
  /* The hierarchies: v1 controllers (freezer first, so that the tasks are frozen before the
   * kill), then the cgroup2 one. */
  static const int order[] = {CG_V1_FREEZER, CG_V1_MEMORY, CG_V1_PIDS, CG_V1_CPU, CG_V1_CPUACCT};
  if (layout != CGROUP_LAYOUT_UNIFIED) {
    for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
      const char *ctrl = cg_v1_names[order[i]];
      _cleanup_free_ char *hier = xasprintf("%s/%s", root, ctrl);
      _cleanup_free_ char *base = NULL, *parent = NULL;
      _cleanup_error_ sbx_error *e = NULL;
      if (!cg_has(hier, "cgroup.procs") || parent_dir(&pl, hier, ctrl, &base, &parent, &e) < 0)
        continue;
      if (gc_dir(parent, o->plain_tree, &names, &n, err) < 0) r = -1;
      if (!o->parent) rmdir(parent); /* the default parent, when nothing else is in it */
    }
  }
  if (layout == CGROUP_LAYOUT_UNIFIED || layout == CGROUP_LAYOUT_HYBRID) {
    _cleanup_free_ char *hier =
        layout == CGROUP_LAYOUT_UNIFIED ? xstrdup(root) : xasprintf("%s/unified", root);
    _cleanup_free_ char *base = NULL, *parent = NULL;
    _cleanup_error_ sbx_error *e = NULL;
    if (parent_dir(&pl, hier, NULL, &base, &parent, &e) == 0) {
      if (gc_dir(parent, o->plain_tree, &names, &n, err) < 0) r = -1;
      if (!o->parent) rmdir(parent);
    }
  }
  if (removed) *removed = (unsigned)n;
  return r;
}

/* ---- the public call ----------------------------------------------------------------------- */

int sbx_gc(const char *cgroup_parent, size_t *removed, sbx_error **err) {
  if (removed) *removed = 0;
  cgroup_options o = {.parent = cgroup_parent, .privileged = -1};
  unsigned n = 0;
  int r = cgroup_gc(&o, &n, err);
  if (removed) *removed = n;
  if (r < 0) return sbx_error_prefix(err, "removing the cgroups of dead runs");
  return 0;
}
