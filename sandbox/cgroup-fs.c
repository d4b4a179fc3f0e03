/* cgroup-fs.c: the cgroupfs helpers (see cgroup-fs.h). */
#include "cgroup-fs.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

/* Removal of a cgroup whose last task is exiting may see EBUSY for a short while. */
#define CG_RMDIR_TIMEOUT_MS 2000

/* ---- time ---------------------------------------------------------------------------------- */

void cg_sleep_ms(unsigned ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

uint64_t cg_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int cg_copy_error(sbx_error **err, const sbx_error *src) {
  if (err && !*err) sbx_error_append(err, src->code, "%s", src->message);
  return -1;
}

/* ---- files in a cgroup directory ------------------------------------------------------------ */

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

int cg_write_u64(const char *dir, const char *file, uint64_t value, sbx_error **err) {
  char buf[32];
  snprintf(buf, sizeof buf, "%" PRIu64, value);
  return cg_write(dir, file, buf, err);
}

int cg_write_limit(const char *dir, const char *file, uint64_t value, sbx_error **err) {
  if (value == UINT64_MAX) return cg_write(dir, file, "max", err);
  return cg_write_u64(dir, file, value, err);
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

/* Calls fn (when not NULL) for every pid in <dir>/cgroup.procs; *count = how many. */
static int for_each_proc(const char *dir, void (*fn)(pid_t), unsigned *count, sbx_error **err) {
  _cleanup_free_ char *text = NULL;
  *count = 0;
  /* No cgroup.procs: the cgroup is gone already, so it is empty. */
  if (cg_read(dir, "cgroup.procs", true, &text, err) < 0) return -1;
  for (char *s = text; s && *s;) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s) break;
    if (errno == 0 && v > 0 && v <= INT_MAX) {
      if (fn) fn((pid_t)v);
      (*count)++;
    }
    s = end;
    while (*s && isspace((unsigned char)*s)) s++;
  }
  return 0;
}

static void kill_one(pid_t pid) {
  /* ESRCH: it is already gone. */
  kill(pid, SIGKILL);
}

int cg_kill_procs(const char *dir, unsigned *count, sbx_error **err) {
  unsigned n;
  int r = for_each_proc(dir, kill_one, &n, err);
  if (count) *count = n;
  return r;
}

int cg_procs_empty(const char *dir, bool *empty, sbx_error **err) {
  unsigned n;
  if (for_each_proc(dir, NULL, &n, err) < 0) return -1;
  *empty = n == 0;
  return 0;
}

/* ---- cgroup directories --------------------------------------------------------------------- */

/* Removes one directory: on a plain tree, its regular files first. */
static int remove_dir(const char *path, bool plain_tree, sbx_error **err) {
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
  uint64_t deadline = cg_now_ms() + CG_RMDIR_TIMEOUT_MS;
  for (;;) {
    if (rmdir(path) == 0 || errno == ENOENT) return 0;
    if (errno != EBUSY || cg_now_ms() >= deadline)
      return sbx_set_errno(err, "remove cgroup %s", path);
    cg_sleep_ms(5);
  }
}

int cg_remove_tree(const char *path, bool plain_tree, sbx_error **err) {
  DIR *d = opendir(path);
  if (!d) return errno == ENOENT ? 0 : sbx_set_errno(err, "open cgroup %s", path);
  int r = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    _cleanup_free_ char *sub = xasprintf("%s/%s", path, de->d_name);
    if (cg_remove_tree(sub, plain_tree, err) < 0) r = -1;
  }
  closedir(d);
  if (remove_dir(path, plain_tree, err) < 0) r = -1;
  return r;
}

/* ---- the record of a run's cgroup ------------------------------------------------------------ */

void cg_record_free(cg_record *rec) {
  strv_free(rec->created);
  strv_free(rec->parents);
  strv_free(rec->degraded);
  strv_free(rec->missing);
  *rec = (cg_record){0};
}

int cg_record_missing(cg_record *rec, const char *limit, const char *what, const char *where,
                      sbx_error **err) {
  if (rec->strict && where)
    return sbx_set_error(err, ENOENT,
                         "the %s limit needs %s, which is not enabled in %s (see "
                         "cgroup.controllers of its parent)",
                         limit, what, where);
  if (rec->strict)
    return sbx_set_error(err, ENOENT, "the %s limit needs %s, which is not available", limit, what);
  if (!strv_contains(rec->degraded, limit)) strv_push(&rec->degraded, &rec->n_degraded, limit);
  if (!strv_contains(rec->missing, what)) strv_push(&rec->missing, &rec->n_missing, what);
  return 0;
}

void cg_record_parent(cg_record *rec, const char *parent) {
  if (!strv_contains(rec->parents, parent)) strv_push(&rec->parents, &rec->n_parents, parent);
}

/* mkdir that records the directory when it made it; an existing one is fine. */
static int make_dir(cg_record *rec, const char *path, sbx_error **err) {
  if (mkdir(path, 0755) == 0)
    strv_push(&rec->created, &rec->n_created, path);
  else if (errno != EEXIST)
    return sbx_set_errno(err, "create cgroup %s", path);
  return 0;
}

int cg_record_mkdir_below(cg_record *rec, const char *base, const char *dir, sbx_error **err) {
  size_t blen = strlen(base);
  _cleanup_free_ char *p = xstrdup(dir);
  for (char *s = p + blen; *s; s++) {
    if (*s != '/' || s == p + blen) continue;
    *s = '\0';
    if (make_dir(rec, p, err) < 0) return -1;
    *s = '/';
  }
  return make_dir(rec, p, err);
}

int cg_record_run_dir(cg_record *rec, const char *base, const char *parent, const char *name,
                      cg_prepare_fn prepare, void *ctx, char **out, sbx_error **err) {
  _cleanup_free_ char *path = xasprintf("%s/%s", parent, name);
  for (int attempt = 0;; attempt++) {
    if (cg_record_mkdir_below(rec, base, parent, err) < 0) return -1;
    if (prepare && prepare(parent, ctx, err) < 0) return -1;
    if (mkdir(path, 0755) == 0) break;
    if (errno == ENOENT && attempt < 5) continue;
    return sbx_set_errno(err, "create cgroup %s", path);
  }
  strv_push(&rec->created, &rec->n_created, path);
  *out = steal_pointer(&path);
  return 0;
}

int cg_record_remove(cg_record *rec, const char *name, bool plain_tree, sbx_error **err) {
  int r = 0;
  for (size_t i = rec->n_created; i-- > 0;) {
    const char *p = rec->created[i];
    const char *slash = strrchr(p, '/');
    bool own = slash && strcmp(slash + 1, name) == 0;
    if (own) {
      if (cg_remove_tree(p, plain_tree, err) < 0) r = -1;
    } else if (rmdir(p) < 0 && errno != EBUSY && errno != ENOTEMPTY && errno != ENOENT &&
               errno != EEXIST) {
      if (r == 0) sbx_set_errno(err, "remove cgroup %s", p);
      r = -1;
    }
  }
  /* The shared default parent goes with the last run out; a run that starts meanwhile makes
   * it again (see cg_record_run_dir). */
  for (size_t i = 0; i < rec->n_parents; i++) rmdir(rec->parents[i]);
  return r;
}
