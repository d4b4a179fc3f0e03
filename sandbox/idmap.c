/* idmap.c: the user namespace's id maps on the host's side: the facts the policy
 * (idmap-policy.c) decides from, gathered in main before forking, and the writing of the maps
 * for the intermediate process (in main, on its request). */
#include "engine.h"

#include "util.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>

/* A decimal field of /etc/subuid: digits only, no sign, no overflow. */
static int parse_decimal(const char *s, uint64_t *out) {
  if (!*s) return -1;
  uint64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10) return -1;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  *out = v;
  return 0;
}

/* The caller's first range of subordinate ids in `file` (by name or number) with at least
 * `need` ids; false if none, or the file cannot be read. */
static bool find_subid(const char *file, uint32_t id, uint64_t need, uint32_t *start) {
  _cleanup_fclose_ FILE *f = fopen(file, "re");
  if (!f) return false;
  char name[256] = "";
  struct passwd pw, *res = NULL;
  char buf[4096];
  if (getpwuid_r(id, &pw, buf, sizeof buf, &res) == 0 && res)
    snprintf(name, sizeof name, "%s", res->pw_name);
  char idstr[16];
  snprintf(idstr, sizeof idstr, "%u", id);
  char line[512];
  while (fgets(line, sizeof line, f)) {
    char *save = NULL;
    char *who = strtok_r(line, ":\n", &save), *s = strtok_r(NULL, ":\n", &save),
         *c = strtok_r(NULL, ":\n", &save);
    if (!who || !s || !c) continue;
    if (strcmp(who, idstr) != 0 && (!*name || strcmp(who, name) != 0)) continue;
    uint64_t sv, cv;
    if (parse_decimal(s, &sv) < 0 || parse_decimal(c, &cv) < 0) continue;
    if (cv < need || sv > UINT32_MAX || sv + cv > (uint64_t)UINT32_MAX + 1) continue;
    *start = (uint32_t)sv;
    return true;
  }
  return false;
}

static const char *executable(const char *path) { return access(path, X_OK) == 0 ? path : NULL; }

void idmap_host_probe(const sbx_spec *spec, uint32_t euid, uint32_t egid, const idmap_paths *paths,
                      idmap_host *host) {
  static const idmap_paths system = {"/etc/subuid", "/etc/subgid", "/usr/bin/newuidmap",
                                     "/usr/bin/newgidmap"};
  const idmap_paths *p = paths ? paths : &system;
  memset(host, 0, sizeof *host);
  host->euid = euid;
  host->egid = egid;
  host->newuidmap = executable(p->newuidmap ? p->newuidmap : system.newuidmap);
  host->newgidmap = executable(p->newgidmap ? p->newgidmap : system.newgidmap);
  /* Subordinate ranges matter only to an unprivileged caller whose intent asks for more ids
   * than its own, and only with the helpers that can map them. */
  uint32_t count = spec->id_intent.count;
  if (euid == 0 || count <= 1) return;
  if (host->newuidmap)
    host->have_subuid =
        find_subid(p->subuid ? p->subuid : system.subuid, euid, count - 1, &host->subuid_start);
  if (host->newgidmap)
    host->have_subgid =
        find_subid(p->subgid ? p->subgid : system.subgid, euid, count - 1, &host->subgid_start);
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
    if (run_helper(plan->gid_helper, pid, plan->gids, plan->n_gids, err) < 0) return -1;
  } else {
    _cleanup_free_ char *g = format_map(plan->gids, plan->n_gids);
    if (write_proc_file(pid, "gid_map", g, err) < 0)
      return sbx_error_prefix(err, "set up the user namespace");
  }
  if (plan->uid_helper) {
    if (run_helper(plan->uid_helper, pid, plan->uids, plan->n_uids, err) < 0) return -1;
  } else {
    _cleanup_free_ char *u = format_map(plan->uids, plan->n_uids);
    if (write_proc_file(pid, "uid_map", u, err) < 0)
      return sbx_error_prefix(err, "set up the user namespace");
  }
  return 0;
}
