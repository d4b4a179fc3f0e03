/* idmap.c: the user namespace's id maps: deciding them (in main, before forking) and writing
 * them for the intermediate process (in main, on its request). */
#include "engine.h"

#include "util.h"

#include <fcntl.h>
#include <sys/wait.h>

const char *idmap_newuidmap_path = "/usr/bin/newuidmap";
const char *idmap_newgidmap_path = "/usr/bin/newgidmap";

#define NOBODY_ID 65534u

static sbx_id_mapping *copy_maps(const sbx_id_mapping *m, size_t n) {
  sbx_id_mapping *c = xcalloc(n ? n : 1, sizeof *c);
  if (n) memcpy(c, m, n * sizeof *c);
  return c;
}

/* The host id that container id `cid` maps to, or -1. */
static int64_t map_lookup(const sbx_id_mapping *m, size_t n, uint32_t cid) {
  for (size_t i = 0; i < n; i++)
    if (cid >= m[i].container_id && (uint64_t)cid < (uint64_t)m[i].container_id + m[i].size)
      return (int64_t)m[i].host_id + (cid - m[i].container_id);
  return -1;
}

static bool maps_host_root(const sbx_id_mapping *m, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (m[i].host_id == 0) return true;
  return false;
}

/* Whether an unprivileged caller with id `self` can write these maps without a helper: one
 * line mapping its own id only. */
static bool needs_helper(const sbx_id_mapping *m, size_t n, uint32_t self) {
  return !(n == 1 && m[0].size == 1 && m[0].host_id == self);
}

static bool helper_exists(const char *path) { return path && access(path, X_OK) == 0; }

int idmap_plan_make(const sbx_spec *spec, uid_t euid, gid_t egid, idmap_plan *plan,
                    sbx_error **err) {
  memset(plan, 0, sizeof *plan);
  plan->userns = (spec->namespaces & SBX_NS_USER) != 0;
  plan->privileged = euid == 0;
  if (!plan->userns) {
    /* Without a user namespace the job's uid is a host uid: never host root. */
    if (plan->privileged && spec->process.uid == 0)
      return sbx_set_error(err, EPERM,
                           "the job would run as host root: turn the user namespace on, or "
                           "give the job another uid");
    /* Nor in the host's root group, whose files (0640 root:root) it could then read. */
    if (plan->privileged && spec->process.gid == 0)
      return sbx_set_error(err, EPERM,
                           "the job would run in the host's root group: turn the user "
                           "namespace on, or give the job another gid");
    return 0;
  }
  uint32_t juid = spec->process.uid, jgid = spec->process.gid;

  if (spec->n_uid_mappings) {
    plan->uids = copy_maps(spec->uid_mappings, spec->n_uid_mappings);
    plan->n_uids = spec->n_uid_mappings;
  } else {
    plan->uids = xcalloc(1, sizeof *plan->uids);
    plan->uids[0] = (sbx_id_mapping){juid, plan->privileged ? NOBODY_ID : euid, 1};
    plan->n_uids = 1;
  }
  if (spec->n_gid_mappings) {
    plan->gids = copy_maps(spec->gid_mappings, spec->n_gid_mappings);
    plan->n_gids = spec->n_gid_mappings;
  } else {
    plan->gids = xcalloc(1, sizeof *plan->gids);
    plan->gids[0] = (sbx_id_mapping){jgid, plan->privileged ? NOBODY_ID : egid, 1};
    plan->n_gids = 1;
  }

  if (map_lookup(plan->uids, plan->n_uids, juid) < 0) {
    idmap_plan_free(plan);
    return sbx_set_error(err, EINVAL, "the job's uid %u is not in the uid mappings", juid);
  }
  if (map_lookup(plan->gids, plan->n_gids, jgid) < 0) {
    idmap_plan_free(plan);
    return sbx_set_error(err, EINVAL, "the job's gid %u is not in the gid mappings", jgid);
  }

  if (plan->privileged) {
    /* The job must never run as host root: a mapping onto host id 0 would give it. */
    if (maps_host_root(plan->uids, plan->n_uids) || maps_host_root(plan->gids, plan->n_gids)) {
      idmap_plan_free(plan);
      return sbx_set_error(err, EINVAL,
                           "the id mappings map host root (id 0) into the sandbox; refusing");
    }
    /* The intermediate drops to the host id that becomes root inside when there is one (so
     * that init is root of the namespace), else to the job's. */
    int64_t u = map_lookup(plan->uids, plan->n_uids, 0);
    int64_t g = map_lookup(plan->gids, plan->n_gids, 0);
    plan->drop = true;
    plan->drop_uid = (uid_t)(u >= 0 ? u : map_lookup(plan->uids, plan->n_uids, juid));
    plan->drop_gid = (gid_t)(g >= 0 ? g : map_lookup(plan->gids, plan->n_gids, jgid));
    return 0;
  }

  plan->uid_helper = needs_helper(plan->uids, plan->n_uids, euid);
  plan->gid_helper = needs_helper(plan->gids, plan->n_gids, egid);
  if (plan->uid_helper && !helper_exists(idmap_newuidmap_path)) {
    idmap_plan_free(plan);
    return sbx_set_error(err, ENOENT,
                         "the uid mappings need more than your own uid %u, which needs %s "
                         "(package uidmap) and a range in /etc/subuid",
                         (unsigned)euid, idmap_newuidmap_path);
  }
  if (plan->gid_helper && !helper_exists(idmap_newgidmap_path)) {
    idmap_plan_free(plan);
    return sbx_set_error(err, ENOENT,
                         "the gid mappings need more than your own gid %u, which needs %s "
                         "(package uidmap) and a range in /etc/subgid",
                         (unsigned)egid, idmap_newgidmap_path);
  }
  /* Without a helper an unprivileged process may write gid_map only after giving up
   * setgroups(2) for the namespace (user_namespaces(7)). newgidmap decides that itself. */
  plan->deny_setgroups = !plan->gid_helper;
  return 0;
}

void idmap_plan_free(idmap_plan *plan) {
  free(plan->uids);
  free(plan->gids);
  plan->uids = plan->gids = NULL;
  plan->n_uids = plan->n_gids = 0;
}

static int write_proc_file(pid_t pid, const char *name, const char *text, sbx_error **err) {
  _cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, name);
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return sbx_set_errno(err, "open %s", path);
  size_t n = strlen(text);
  ssize_t w = write(fd, text, n);
  if (w < 0) return sbx_set_errno(err, "write '%.*s' to %s", (int)strcspn(text, "\n"), text, path);
  if ((size_t)w != n) return sbx_set_error(err, EIO, "short write to %s", path);
  return 0;
}

static char *format_map(const sbx_id_mapping *m, size_t n) {
  char *s = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    char *t = xasprintf("%s%u %u %u\n", s, m[i].container_id, m[i].host_id, m[i].size);
    free(s);
    s = t;
  }
  return s;
}

/* Runs newuidmap/newgidmap PID c h s [c h s...] and waits for it (that pid only). */
static int run_helper(const char *helper, pid_t pid, const sbx_id_mapping *m, size_t n,
                      sbx_error **err) {
  size_t argc = 2 + 3 * n;
  _cleanup_strv_ char **argv = xcalloc(argc + 1, sizeof *argv);
  argv[0] = xstrdup(helper);
  argv[1] = xasprintf("%d", (int)pid);
  for (size_t i = 0; i < n; i++) {
    argv[2 + 3 * i] = xasprintf("%u", m[i].container_id);
    argv[3 + 3 * i] = xasprintf("%u", m[i].host_id);
    argv[4 + 3 * i] = xasprintf("%u", m[i].size);
  }
  extern char **environ;
  pid_t child = fork();
  if (child < 0) return sbx_set_errno(err, "fork to run %s", helper);
  if (child == 0) {
    execve(helper, argv, environ);
    _exit(127);
  }
  int st;
  while (waitpid(child, &st, 0) < 0)
    if (errno != EINTR) return sbx_set_errno(err, "wait for %s", helper);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
  if (WIFEXITED(st))
    return sbx_set_error(err, EPERM,
                         "%s %d failed with exit status %d (check /etc/subuid and "
                         "/etc/subgid)",
                         helper, (int)pid, WEXITSTATUS(st));
  return sbx_set_error(err, EPERM, "%s %d was killed by signal %d", helper, (int)pid, WTERMSIG(st));
}

int idmap_write(pid_t pid, const idmap_plan *plan, sbx_error **err) {
  if (plan->deny_setgroups && write_proc_file(pid, "setgroups", "deny", err) < 0)
    return sbx_error_prefix(err, "set up the user namespace");
  if (plan->gid_helper) {
    if (run_helper(idmap_newgidmap_path, pid, plan->gids, plan->n_gids, err) < 0) return -1;
  } else {
    _cleanup_free_ char *g = format_map(plan->gids, plan->n_gids);
    if (write_proc_file(pid, "gid_map", g, err) < 0)
      return sbx_error_prefix(err, "set up the user namespace");
  }
  if (plan->uid_helper) {
    if (run_helper(idmap_newuidmap_path, pid, plan->uids, plan->n_uids, err) < 0) return -1;
  } else {
    _cleanup_free_ char *u = format_map(plan->uids, plan->n_uids);
    if (write_proc_file(pid, "uid_map", u, err) < 0)
      return sbx_error_prefix(err, "set up the user namespace");
  }
  return 0;
}
