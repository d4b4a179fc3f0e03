/* spec.c: the spec type: defaults, copy, equality, free, the public editing calls and
 * validation. */
#include "spec.h"

#include "util.h"

sbx_spec *spec_new(void) {
  sbx_spec *s = xcalloc(1, sizeof *s);
  s->process.args = xcalloc(1, sizeof(char *));
  s->process.env = xcalloc(1, sizeof(char *));
  s->process.cwd = xstrdup("/");
  s->process.umask = 022;
  s->process.stdin_mode = SBX_STDIN_NULL;
  s->process.no_new_privileges = true;
  s->masked_paths = xcalloc(1, sizeof(char *));
  s->readonly_paths = xcalloc(1, sizeof(char *));
  sbx_limits *l = &s->limits;
  l->wall_time_us = l->cpu_time_us = l->memory = l->pids = SBX_UNSET;
  l->cpu_quota_us = l->cpu_period_us = SBX_UNSET;
  l->open_files = l->file_size = l->stack = l->output = SBX_UNSET;
  l->core = 0;
  l->swap = 0;
  s->namespaces = SBX_NS_ALL;
  s->id_intent = (sbx_id_intent){SBX_ID_AUTO, SBX_ID_AUTO, 1};
  s->network = SBX_NET_NONE;
  s->cgroup_mode = SBX_CGROUP_AUTO;
  s->seccomp.architectures = xcalloc(1, sizeof(char *));
  s->seccomp.default_action = SBX_SECCOMP_ALLOW;
  return s;
}

void sbx_spec_free(sbx_spec *s) {
  if (!s) return;
  strv_free(s->process.args);
  strv_free(s->process.env);
  free(s->process.cwd);
  free(s->process.stdin_path);
  free(s->root.path);
  for (size_t i = 0; i < s->n_mounts; i++) {
    free(s->mounts[i].source);
    free(s->mounts[i].target);
  }
  free(s->mounts);
  strv_free(s->masked_paths);
  strv_free(s->readonly_paths);
  free(s->hostname);
  free(s->uid_mappings);
  free(s->gid_mappings);
  free(s->cgroup_parent);
  strv_free(s->seccomp.architectures);
  for (size_t i = 0; i < s->seccomp.n_rules; i++) {
    strv_free(s->seccomp.rules[i].names);
    free(s->seccomp.rules[i].args);
  }
  free(s->seccomp.rules);
  for (size_t i = 0; i < s->n_annotations; i++) {
    free(s->annotations[i].key);
    free(s->annotations[i].value);
  }
  free(s->annotations);
  free(s);
}

bool sbx_spec_has_command(const sbx_spec *s) { return s && s->process.n_args > 0; }

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

static void *dup_mem(const void *p, size_t n, size_t size) {
  if (!n) return NULL;
  void *d = xmalloc(n * size);
  memcpy(d, p, n * size);
  return d;
}

sbx_spec *sbx_spec_copy(const sbx_spec *s) {
  if (!s) return NULL;
  sbx_spec *c = xmalloc(sizeof *c);
  *c = *s;
  c->process.args = strv_copy(s->process.args);
  c->process.env = strv_copy(s->process.env);
  c->process.cwd = dup_or_null(s->process.cwd);
  c->process.stdin_path = dup_or_null(s->process.stdin_path);
  c->root.path = dup_or_null(s->root.path);
  c->mounts = dup_mem(s->mounts, s->n_mounts, sizeof *s->mounts);
  for (size_t i = 0; i < s->n_mounts; i++) {
    c->mounts[i].source = dup_or_null(s->mounts[i].source);
    c->mounts[i].target = dup_or_null(s->mounts[i].target);
  }
  c->masked_paths = strv_copy(s->masked_paths);
  c->readonly_paths = strv_copy(s->readonly_paths);
  c->hostname = dup_or_null(s->hostname);
  c->uid_mappings = dup_mem(s->uid_mappings, s->n_uid_mappings, sizeof *s->uid_mappings);
  c->gid_mappings = dup_mem(s->gid_mappings, s->n_gid_mappings, sizeof *s->gid_mappings);
  c->cgroup_parent = dup_or_null(s->cgroup_parent);
  c->seccomp.architectures = strv_copy(s->seccomp.architectures);
  c->seccomp.rules = dup_mem(s->seccomp.rules, s->seccomp.n_rules, sizeof *s->seccomp.rules);
  for (size_t i = 0; i < s->seccomp.n_rules; i++) {
    sbx_seccomp_rule *r = &c->seccomp.rules[i];
    r->names = strv_copy(s->seccomp.rules[i].names);
    r->args = dup_mem(s->seccomp.rules[i].args, r->n_args, sizeof *r->args);
  }
  c->annotations = dup_mem(s->annotations, s->n_annotations, sizeof *s->annotations);
  for (size_t i = 0; i < s->n_annotations; i++) {
    c->annotations[i].key = xstrdup(s->annotations[i].key);
    c->annotations[i].value = xstrdup(s->annotations[i].value);
  }
  return c;
}

static bool str_eq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

static bool mapping_eq(const sbx_id_mapping *a, size_t na, const sbx_id_mapping *b, size_t nb) {
  return na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0);
}

bool spec_equal(const sbx_spec *a, const sbx_spec *b) {
  const sbx_process *pa = &a->process, *pb = &b->process;
  if (!strv_equal(pa->args, pb->args) || !strv_equal(pa->env, pb->env) ||
      !str_eq(pa->cwd, pb->cwd) || pa->uid != pb->uid || pa->gid != pb->gid ||
      pa->umask != pb->umask || pa->stdin_mode != pb->stdin_mode ||
      !str_eq(pa->stdin_path, pb->stdin_path) || pa->no_new_privileges != pb->no_new_privileges ||
      pa->capabilities != pb->capabilities)
    return false;
  if (!str_eq(a->root.path, b->root.path) || a->root.readonly != b->root.readonly) return false;
  if (a->n_mounts != b->n_mounts) return false;
  for (size_t i = 0; i < a->n_mounts; i++) {
    const sbx_mount *ma = &a->mounts[i], *mb = &b->mounts[i];
    if (ma->type != mb->type || !str_eq(ma->source, mb->source) ||
        !str_eq(ma->target, mb->target) || ma->flags != mb->flags || ma->size != mb->size ||
        ma->mode != mb->mode)
      return false;
  }
  if (!strv_equal(a->masked_paths, b->masked_paths) ||
      !strv_equal(a->readonly_paths, b->readonly_paths) || !str_eq(a->hostname, b->hostname))
    return false;
  if (memcmp(&a->limits, &b->limits, sizeof a->limits) != 0) return false;
  if (a->namespaces != b->namespaces || a->network != b->network ||
      a->cgroup_mode != b->cgroup_mode || !str_eq(a->cgroup_parent, b->cgroup_parent))
    return false;
  if (!mapping_eq(a->uid_mappings, a->n_uid_mappings, b->uid_mappings, b->n_uid_mappings) ||
      !mapping_eq(a->gid_mappings, a->n_gid_mappings, b->gid_mappings, b->n_gid_mappings))
    return false;
  const sbx_seccomp *sa = &a->seccomp, *sb = &b->seccomp;
  if (sa->enabled != sb->enabled) return false;
  if (sa->enabled) {
    if (sa->default_action != sb->default_action ||
        (sa->default_action == SBX_SECCOMP_ERRNO && sa->default_errno != sb->default_errno) ||
        !strv_equal(sa->architectures, sb->architectures) || sa->n_rules != sb->n_rules)
      return false;
    for (size_t i = 0; i < sa->n_rules; i++) {
      const sbx_seccomp_rule *ra = &sa->rules[i], *rb = &sb->rules[i];
      if (!strv_equal(ra->names, rb->names) || ra->action != rb->action ||
          (ra->action == SBX_SECCOMP_ERRNO && ra->errno_ret != rb->errno_ret) ||
          ra->n_args != rb->n_args)
        return false;
      for (size_t j = 0; j < ra->n_args; j++) {
        const sbx_seccomp_arg *x = &ra->args[j], *y = &rb->args[j];
        if (x->index != y->index || x->value != y->value || x->value_two != y->value_two ||
            x->op != y->op)
          return false;
      }
    }
  }
  if (a->n_annotations != b->n_annotations) return false;
  for (size_t i = 0; i < a->n_annotations; i++)
    if (!str_eq(a->annotations[i].key, b->annotations[i].key) ||
        !str_eq(a->annotations[i].value, b->annotations[i].value))
      return false;
  return true;
}

sbx_mount *spec_add_mount(sbx_spec *s, sbx_mount_type type, const char *source, const char *target,
                          unsigned flags) {
  s->mounts = xrealloc_grow(s->mounts, (s->n_mounts + 1) * sizeof *s->mounts);
  sbx_mount *m = &s->mounts[s->n_mounts++];
  memset(m, 0, sizeof *m);
  m->type = type;
  m->source = dup_or_null(source);
  m->target = xstrdup(target);
  m->flags = flags;
  m->size = SBX_UNSET;
  m->mode = 0755;
  return m;
}

static ssize_t env_find(const sbx_spec *s, const char *name, size_t len) {
  for (size_t i = 0; i < s->process.n_env; i++) {
    const char *e = s->process.env[i];
    if (strncmp(e, name, len) == 0 && e[len] == '=') return (ssize_t)i;
  }
  return -1;
}

void spec_env_set(sbx_spec *s, const char *name, const char *value) {
  size_t len = strlen(name);
  char *entry = xasprintf("%s=%s", name, value);
  ssize_t i = env_find(s, name, len);
  if (i >= 0) {
    free(s->process.env[i]);
    s->process.env[i] = entry;
    return;
  }
  strv_push(&s->process.env, &s->process.n_env, entry);
  free(entry);
}

const char *spec_env_get(const sbx_spec *s, const char *name) {
  size_t len = strlen(name);
  ssize_t i = env_find(s, name, len);
  return i < 0 ? NULL : s->process.env[i] + len + 1;
}

sbx_seccomp_rule *spec_add_seccomp_rule(sbx_spec *s, sbx_seccomp_action action,
                                        uint32_t errno_ret) {
  sbx_seccomp *sc = &s->seccomp;
  sc->rules = xrealloc_grow(sc->rules, (sc->n_rules + 1) * sizeof *sc->rules);
  sbx_seccomp_rule *r = &sc->rules[sc->n_rules++];
  memset(r, 0, sizeof *r);
  r->names = xcalloc(1, sizeof(char *));
  r->action = action;
  r->errno_ret = errno_ret;
  return r;
}

void spec_rule_add_name(sbx_seccomp_rule *r, const char *name) {
  strv_push(&r->names, &r->n_names, name);
}

void spec_rule_add_arg(sbx_seccomp_rule *r, unsigned index, sbx_seccomp_op op, uint64_t value,
                       uint64_t value_two) {
  r->args = xrealloc_grow(r->args, (r->n_args + 1) * sizeof *r->args);
  r->args[r->n_args++] = (sbx_seccomp_arg){index, value, value_two, op};
}

void spec_add_annotation(sbx_spec *s, const char *key, const char *value) {
  s->annotations = xrealloc_grow(s->annotations, (s->n_annotations + 1) * sizeof *s->annotations);
  s->annotations[s->n_annotations++] = (sbx_annotation){xstrdup(key), xstrdup(value)};
}

/* ---- the public editing calls ------------------------------------------------------------- */

#define ARG_MAX_BYTES (1u << 20) /* a sane cap on one argument or variable */

static int check_string(const char *what, const char *s, sbx_error **err) {
  if (!s) return sbx_set_invalid(err, "%s is missing", what);
  size_t n = strnlen(s, ARG_MAX_BYTES + 1);
  if (n > ARG_MAX_BYTES)
    return sbx_set_error(err, E2BIG, "%s is longer than %u bytes", what, ARG_MAX_BYTES);
  return 0;
}

static int check_abs_path(const char *what, const char *p, sbx_error **err) {
  if (check_string(what, p, err) < 0) return -1;
  if (p[0] != '/') return sbx_set_invalid(err, "%s '%s' is not an absolute path", what, p);
  return 0;
}

int sbx_spec_set_args(sbx_spec *s, const char *const *argv, size_t argc, sbx_error **err) {
  if (argc == 0) return sbx_set_invalid(err, "the command is empty");
  for (size_t i = 0; i < argc; i++)
    if (check_string("command argument", argv[i], err) < 0) return -1;
  strv_free(s->process.args);
  s->process.args = NULL;
  s->process.n_args = 0;
  s->process.args = xcalloc(1, sizeof(char *));
  for (size_t i = 0; i < argc; i++) strv_push(&s->process.args, &s->process.n_args, argv[i]);
  return 0;
}

int sbx_spec_set_env(sbx_spec *s, const char *name, const char *value, sbx_error **err) {
  if (check_string("environment variable name", name, err) < 0 ||
      check_string("environment variable value", value, err) < 0)
    return -1;
  if (!*name || strchr(name, '='))
    return sbx_set_invalid(err, "bad environment variable name '%s'", name);
  spec_env_set(s, name, value);
  return 0;
}

int sbx_spec_set_cwd(sbx_spec *s, const char *cwd, sbx_error **err) {
  if (check_abs_path("working directory", cwd, err) < 0) return -1;
  free(s->process.cwd);
  s->process.cwd = xstrdup(cwd);
  return 0;
}

int sbx_spec_add_bind(sbx_spec *s, const char *source, const char *target, bool read_only,
                      sbx_error **err) {
  if (check_abs_path("bind source", source, err) < 0 ||
      check_abs_path("bind target", target, err) < 0)
    return -1;
  spec_add_mount(s, SBX_MOUNT_BIND, source, target,
                 SBX_MNT_RECURSIVE | SBX_MNT_NOSUID | SBX_MNT_NODEV | (read_only ? SBX_MNT_RO : 0));
  return 0;
}

int sbx_spec_set_rootfs(sbx_spec *s, const char *path, bool read_only, sbx_error **err) {
  if (check_string("root path", path, err) < 0) return -1;
  free(s->root.path);
  s->root.path = xstrdup(path);
  s->root.readonly = read_only;
  return 0;
}

int sbx_spec_set_cgroup_parent(sbx_spec *s, const char *parent, sbx_error **err) {
  if (!parent) {
    free(s->cgroup_parent);
    s->cgroup_parent = NULL;
    return 0;
  }
  if (check_string("cgroup parent", parent, err) < 0) return -1;
  const char *p = parent;
  while (*p == '/') p++;
  if (!*p)
    return sbx_set_invalid(err, "cgroup parent '%s' names the root of the hierarchies", parent);
  for (const char *c = p; *c;) {
    size_t len = strcspn(c, "/");
    if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
      return sbx_set_invalid(err, "cgroup parent '%s' has a '%.*s' component", parent, (int)len, c);
    c += len;
    while (*c == '/') c++;
  }
  free(s->cgroup_parent);
  s->cgroup_parent = xstrdup(p);
  return 0;
}

/* ---- validation --------------------------------------------------------------------------- */

static void check_mappings(const char *what, const sbx_id_mapping *m, size_t n, sbx_error **err) {
  for (size_t i = 0; i < n; i++) {
    if (m[i].size == 0) sbx_error_append(err, EINVAL, "%s %zu: size is 0", what, i);
    if ((uint64_t)m[i].container_id + m[i].size > (uint64_t)UINT32_MAX + 1 ||
        (uint64_t)m[i].host_id + m[i].size > (uint64_t)UINT32_MAX + 1)
      sbx_error_append(err, EINVAL, "%s %zu: range overflows 32 bits", what, i);
  }
}

/* A path inside the sandbox with a "." or ".." component: refused, so that no path the engine
 * creates or mounts on can climb out of the new root while it is assembled. */
static bool has_dot_component(const char *p) {
  for (const char *c = p; *c;) {
    while (*c == '/') c++;
    size_t n = strcspn(c, "/");
    if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) return true;
    c += n;
  }
  return false;
}

int sbx_spec_validate(const sbx_spec *s, sbx_error **err) {
  sbx_error *errs = NULL;
  const sbx_process *p = &s->process;
  if (p->n_args == 0) sbx_error_append(&errs, EINVAL, "process.args: no command to run");
  if (!p->cwd || p->cwd[0] != '/')
    sbx_error_append(&errs, EINVAL, "process.cwd: '%s' is not an absolute path",
                     p->cwd ? p->cwd : "");
  if (p->umask > 0777) sbx_error_append(&errs, EINVAL, "process.umask: %o is not a mode", p->umask);
  if (p->stdin_mode == SBX_STDIN_FILE && (!p->stdin_path || !*p->stdin_path))
    sbx_error_append(&errs, EINVAL, "process.stdin: a file is asked for but no path given");
  for (size_t i = 0; i < s->n_mounts; i++) {
    const sbx_mount *m = &s->mounts[i];
    if (!m->target || m->target[0] != '/')
      sbx_error_append(&errs, EINVAL, "mounts[%zu]: target '%s' is not an absolute path", i,
                       m->target ? m->target : "");
    else if (has_dot_component(m->target))
      sbx_error_append(&errs, EINVAL, "mounts[%zu]: target '%s' has a '.' or '..' component", i,
                       m->target);
    if (m->type == SBX_MOUNT_BIND && (!m->source || m->source[0] != '/'))
      sbx_error_append(&errs, EINVAL, "mounts[%zu]: bind source '%s' is not an absolute path", i,
                       m->source ? m->source : "");
  }
  for (size_t i = 0; i < s->n_masked_paths; i++)
    if (s->masked_paths[i][0] != '/' || has_dot_component(s->masked_paths[i]))
      sbx_error_append(&errs, EINVAL,
                       "maskedPaths: '%s' is not an absolute path without '.' or '..'",
                       s->masked_paths[i]);
  for (size_t i = 0; i < s->n_readonly_paths; i++)
    if (s->readonly_paths[i][0] != '/' || has_dot_component(s->readonly_paths[i]))
      sbx_error_append(&errs, EINVAL,
                       "readonlyPaths: '%s' is not an absolute path without '.' or '..'",
                       s->readonly_paths[i]);
  if (s->network != SBX_NET_HOST && !(s->namespaces & SBX_NS_NET))
    sbx_error_append(&errs, EINVAL, "network: '%s' needs the net namespace, which is turned off",
                     s->network == SBX_NET_LOOPBACK ? "loopback" : "none");
  if (s->network == SBX_NET_HOST && (s->namespaces & SBX_NS_NET))
    sbx_error_append(&errs, EINVAL, "network: 'host' contradicts the net namespace being on");
  if (s->hostname && !(s->namespaces & SBX_NS_UTS))
    sbx_error_append(&errs, EINVAL, "hostname: needs the uts namespace, which is turned off");
  if ((s->n_uid_mappings || s->n_gid_mappings) && !(s->namespaces & SBX_NS_USER))
    sbx_error_append(&errs, EINVAL, "id mappings need the user namespace, which is turned off");
  check_mappings("uidMappings", s->uid_mappings, s->n_uid_mappings, &errs);
  check_mappings("gidMappings", s->gid_mappings, s->n_gid_mappings, &errs);
  if ((s->limits.cpu_quota_us == SBX_UNSET) != (s->limits.cpu_period_us == SBX_UNSET))
    sbx_error_append(&errs, EINVAL, "limits: cpu quota and period go together");
  if (s->limits.memory != SBX_UNSET && s->limits.memory < 4096)
    sbx_error_append(&errs, EINVAL, "limits.memory: %llu bytes is too small",
                     (unsigned long long)s->limits.memory);
  if (s->limits.pids == 0) sbx_error_append(&errs, EINVAL, "limits.pids: 0 allows no process");
  if (s->process.capabilities >> (caps_last() + 1))
    sbx_error_append(&errs, EINVAL, "capabilities: unknown capability number");
  for (size_t i = 0; i < s->seccomp.n_rules; i++) {
    const sbx_seccomp_rule *r = &s->seccomp.rules[i];
    if (r->n_names == 0) sbx_error_append(&errs, EINVAL, "seccomp.syscalls[%zu]: no names", i);
    for (size_t j = 0; j < r->n_args; j++)
      if (r->args[j].index > 5)
        sbx_error_append(&errs, EINVAL, "seccomp.syscalls[%zu]: argument index %u is over 5", i,
                         r->args[j].index);
  }
  if (!errs) return 0;
  if (err && !*err)
    *err = errs;
  else
    sbx_error_free(errs);
  return -1;
}

const char *sbx_version(void) { return SBX_VERSION_STRING; }
