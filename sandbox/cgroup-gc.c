/* cgroup-gc.c: removes the cgroups of dead runs: the run cgroups (named after their owner, see
 * cgroup.h) whose supervisor is gone, under the parent a run would use, in every hierarchy of
 * the layout. Called on request (`sandbox gc`, sbx_gc) and by the engine before a run
 * (cgroup_gc_for_run); cgroup_create never collects. */
#include "cgroup-internal.h"

#include <ctype.h>
#include <dirent.h>

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
        cgroup_proc_start_time((pid_t)ppid, &st, &gone) && st == start_time)
      return true;
  }
  return false;
}

/* Removes the dead runs' cgroups in one parent directory of a hierarchy of `ops`; their names
 * go to *names. */
static int gc_dir(const cgroup_ops *ops, const char *parent, bool plain_tree, char ***names,
                  size_t *n, sbx_error **err) {
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
    ops->kill_stale(path);
    if (cg_has(path, "cgroup.procs")) cg_kill_procs(path, NULL, NULL);
    if (!plain_tree) {
      uint64_t deadline = cg_now_ms() + CG_KILL_TIMEOUT_MS;
      bool empty = false;
      while (cg_procs_empty(path, &empty, NULL) == 0 && !empty && cg_now_ms() < deadline) {
        cg_kill_procs(path, NULL, NULL);
        cg_sleep_ms(2);
      }
    }
    if (cg_remove_tree(path, plain_tree, err) < 0) {
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
  if (o->parent && cgroup_check_parent(o->parent, err) < 0) return -1;
  const cgroup_ops *ops;
  if (cgroup_locate(o, &ops, err) < 0) return -1;
  if (!ops) return 0;
  __attribute__((cleanup(cgroup_where_clear))) cgroup_where where = {0};
  _cleanup_error_ sbx_error *e = NULL;
  /* Unprivileged without a readable /proc/self/cgroup: no place of ours to look in. */
  if (cgroup_where_resolve(o, ops, &where, &e) < 0) return 0;
  _cleanup_strv_ char **names = NULL;
  size_t n = 0;
  int r = 0;
  /* A run's cgroup is in several hierarchies: the freezer first, so that its tasks are frozen
   * and killed before the other hierarchies' are; the others in the backend's order. */
  for (int freezer_pass = 1; freezer_pass >= 0; freezer_pass--) {
    for (size_t i = 0; i < ops->n_hiers; i++) {
      const cgroup_place *pl = &where.place[i];
      if (ops->hiers[i].freezer != (freezer_pass == 1)) continue;
      if (!pl->parent || !cg_has(pl->hier, "cgroup.procs")) continue;
      if (gc_dir(ops, pl->parent, o->plain_tree, &names, &n, err) < 0) r = -1;
      if (!o->parent) rmdir(pl->parent); /* the default parent, when nothing else is in it */
    }
  }
  if (removed) *removed = (unsigned)n;
  return r;
}

int cgroup_gc_for_run(const cgroup_options *o, unsigned *removed, sbx_error **err) {
  if (removed) *removed = 0;
  if (o->mode == SBX_CGROUP_OFF) return 0;
  return cgroup_gc(o, removed, err);
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
