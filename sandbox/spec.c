/* spec.c: the spec type: defaults, copy, equality, free, the public editing calls, and the one
 * semantic checker (spec_check) both front-ends use and sbx_spec_validate prints. */
#include "spec.h"

#include "parse.h"
#include "util.h"

#include <sys/stat.h>

sbx_spec *spec_new(void) {
  sbx_spec *s = xcalloc(1, sizeof *s);
  s->process.args = xcalloc(1, sizeof(char *));
  s->process.env = xcalloc(1, sizeof(char *));
  s->process.cwd = xstrdup("/");
  s->process.umask = 022;
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
  for (int i = 0; i < 3; i++) free(s->process.stdio[i].path);
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

size_t sbx_spec_check_sources(const sbx_spec *s, sbx_error **problems) {
  sbx_error *found = NULL;
  for (size_t i = 0; s && i < s->n_mounts; i++) {
    const sbx_mount *m = &s->mounts[i];
    struct stat st;
    if (m->type != SBX_MOUNT_BIND || !m->source || (m->flags & SBX_MNT_OPTIONAL)) continue;
    if (lstat(m->source, &st) == 0) continue;
    int e = errno;
    if (e == ENOENT)
      sbx_error_append(&found, e, "bind source %s does not exist", m->source);
    else
      sbx_error_append(&found, e, "bind source %s: %s", m->source, strerror(e));
  }
  size_t n = sbx_error_count(found);
  if (problems)
    *problems = found;
  else
    sbx_error_free(found);
  return n;
}

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
  for (int i = 0; i < 3; i++) c->process.stdio[i].path = dup_or_null(s->process.stdio[i].path);
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
      pa->umask != pb->umask || pa->no_new_privileges != pb->no_new_privileges ||
      pa->capabilities != pb->capabilities)
    return false;
  for (int i = 0; i < 3; i++)
    if (pa->stdio[i].mode != pb->stdio[i].mode || !str_eq(pa->stdio[i].path, pb->stdio[i].path))
      return false;
  if (!str_eq(a->root.path, b->root.path) || a->root.readonly != b->root.readonly ||
      a->root.etc != b->root.etc)
    return false;
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
  if (a->id_intent.host_uid != b->id_intent.host_uid ||
      a->id_intent.host_gid != b->id_intent.host_gid || a->id_intent.count != b->id_intent.count)
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

typedef struct mount_key {
  unsigned depth;
  size_t index;
} mount_key;

static int compare_mount_keys(const void *a, const void *b) {
  const mount_key *x = a, *y = b;
  if (x->depth != y->depth) return x->depth < y->depth ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* By depth, then by position: stable, and O(n log n) (many mounts do not take an insertion
 * sort's quadratic time). */
void spec_sort_mounts(sbx_spec *s, size_t *order) {
  if (s->n_mounts < 2) {
    if (order && s->n_mounts) order[0] = 0;
    return;
  }
  mount_key *keys = xcalloc(s->n_mounts, sizeof *keys);
  for (size_t i = 0; i < s->n_mounts; i++)
    keys[i] = (mount_key){path_depth(s->mounts[i].target), i};
  qsort(keys, s->n_mounts, sizeof *keys, compare_mount_keys);
  sbx_mount *sorted = xcalloc(s->n_mounts, sizeof *sorted);
  for (size_t i = 0; i < s->n_mounts; i++) {
    sorted[i] = s->mounts[keys[i].index];
    if (order) order[i] = keys[i].index;
  }
  free(s->mounts);
  s->mounts = sorted;
  free(keys);
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
  if (!parse_env_name(name, strlen(name)))
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
  /* In depth order, as a profile's binds: a bind of a parent directory must not hide the mounts
   * below it (a read-only `--bind $PWD/..` over the read-write working directory). */
  spec_sort_mounts(s, NULL);
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
  size_t len;
  const char *dot = path_dot_component(p, &len);
  if (dot)
    return sbx_set_invalid(err, "cgroup parent '%s' has a '%.*s' component", parent, (int)len, dot);
  free(s->cgroup_parent);
  s->cgroup_parent = xstrdup(p);
  return 0;
}

static int set_stdio(sbx_spec *s, int fd, sbx_stdio_mode mode, const char *path, sbx_error **err) {
  static const char *const names[3] = {"stdin", "stdout", "stderr"};
  if (!s) return sbx_set_invalid(err, "no spec given");
  if (mode != SBX_STDIO_INHERIT && mode != SBX_STDIO_NULL && mode != SBX_STDIO_FILE)
    return sbx_set_invalid(err, "the job's %s: unknown mode %d", names[fd], (int)mode);
  if (mode != SBX_STDIO_FILE && path)
    return sbx_set_invalid(err, "the job's %s: a path ('%s') is only for a file", names[fd], path);
  char *abs = NULL;
  if (mode == SBX_STDIO_FILE) {
    if (check_string("file name", path, err) < 0)
      return sbx_error_prefix(err, "the job's %s", names[fd]);
    if (!*path) return sbx_set_invalid(err, "the job's %s: the file name is empty", names[fd]);
    if (path[0] == '/') {
      abs = xstrdup(path);
    } else {
      /* Taken from the working directory now, as the shell's `<` would take it: the spec
       * holds host paths, absolute. */
      _cleanup_free_ char *cwd = getcwd(NULL, 0);
      if (!cwd)
        return sbx_set_errno(err, "the job's %s %s: the working directory", names[fd], path);
      abs = xasprintf("%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
    }
  }
  free(s->process.stdio[fd].path);
  s->process.stdio[fd] = (sbx_stdio){mode, abs};
  return 0;
}

int sbx_spec_set_stdin(sbx_spec *s, sbx_stdio_mode mode, const char *path, sbx_error **err) {
  return set_stdio(s, SBX_STDIN, mode, path, err);
}

int sbx_spec_set_stdout(sbx_spec *s, sbx_stdio_mode mode, const char *path, sbx_error **err) {
  return set_stdio(s, SBX_STDOUT, mode, path, err);
}

int sbx_spec_set_stderr(sbx_spec *s, sbx_stdio_mode mode, const char *path, sbx_error **err) {
  return set_stdio(s, SBX_STDERR, mode, path, err);
}

/* ---- the semantic checker ---------------------------------------------------------------- */

typedef struct checker {
  const spec_front *front;
  size_t problems;
} checker;

SBX_PRINTF(3, 4) static void problem(checker *c, const char *path, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  c->front->report(c->front->ctx, path, msg);
  c->problems++;
}

static const char *field_name(const checker *c, const char *path) {
  const char *n = c->front->name ? c->front->name(c->front->ctx, path) : NULL;
  return n ? n : path;
}

static bool field_given(const checker *c, const char *path) {
  return !c->front->given || c->front->given(c->front->ctx, path);
}

/* A path inside the sandbox (parse.h, path_is_inside). */
static void check_inside(checker *c, const char *path, const char *p) {
  if (!p || p[0] != '/')
    problem(c, path, "'%s' is not an absolute path", p ? p : "");
  else if (!path_is_inside(p))
    problem(c, path, "'%s': a path inside the sandbox cannot contain '.' or '..'", p);
}

static void check_inside_list(checker *c, const char *name, char *const *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    _cleanup_free_ char *path = xasprintf("%s[%zu]", name, i);
    check_inside(c, path, v[i]);
  }
}

static void check_process(checker *c, const sbx_process *p, unsigned rules) {
  if ((rules & SPEC_CHECK_COMMAND) && p->n_args == 0)
    problem(c, "process.args", "no command to run");
  if ((rules & SPEC_CHECK_FORM) && p->umask > 0777)
    problem(c, "process.umask", "%#o is not a umask: the most is 0777", p->umask);
  if ((rules & SPEC_CHECK_FORM) && caps_last() < 63 && p->capabilities >> (caps_last() + 1))
    problem(c, "process.capabilities", "unknown capability numbers in 0x%llx",
            (unsigned long long)(p->capabilities >> (caps_last() + 1) << (caps_last() + 1)));
  if (!(rules & SPEC_CHECK_MEANING)) return;
  check_inside(c, "process.cwd", p->cwd);
  static const char *const names[3] = {"stdin", "stdout", "stderr"};
  for (int i = 0; i < 3; i++) {
    const sbx_stdio *io = &p->stdio[i];
    _cleanup_free_ char *path = xasprintf("process.stdio[%d].path", i);
    if (io->mode == SBX_STDIO_FILE && (!io->path || !*io->path))
      problem(c, path, "%s is a file, but no path is given", names[i]);
    else if (io->mode == SBX_STDIO_FILE && io->path[0] != '/')
      problem(c, path, "'%s' is not an absolute path", io->path);
  }
}

static void check_mounts(checker *c, const sbx_spec *s, unsigned rules) {
  for (size_t i = 0; i < s->n_mounts; i++) {
    const sbx_mount *m = &s->mounts[i];
    _cleanup_free_ char *source = xasprintf("mounts[%zu].source", i);
    _cleanup_free_ char *target = xasprintf("mounts[%zu].target", i);
    bool bind = m->type == SBX_MOUNT_BIND;
    if ((rules & SPEC_CHECK_FORM) && bind && !m->source)
      problem(c, source, "a bind needs a source");
    if (!(rules & SPEC_CHECK_MEANING)) continue;
    if (bind && m->source && m->source[0] != '/')
      problem(c, source, "'%s' is not an absolute path", m->source);
    check_inside(c, target, m->target);
  }
}

static const char *const network_names[] = {
    [SBX_NET_NONE] = "none", [SBX_NET_LOOPBACK] = "loopback", [SBX_NET_HOST] = "host"};

static void check_mappings(checker *c, const char *name, const sbx_id_mapping *m, size_t n) {
  for (size_t i = 0; i < n; i++) {
    _cleanup_free_ char *path = xasprintf("%s[%zu]", name, i);
    if (m[i].size == 0)
      problem(c, path, "a mapping of size 0 maps no id");
    else if ((uint64_t)m[i].container_id + m[i].size > (uint64_t)UINT32_MAX + 1 ||
             (uint64_t)m[i].host_id + m[i].size > (uint64_t)UINT32_MAX + 1)
      problem(c, path, "the range goes past the largest id (4294967295)");
  }
}

/* Namespaces and the settings that need them. */
static void check_namespaces(checker *c, const sbx_spec *s) {
  bool net = s->namespaces & SBX_NS_NET;
  if (s->network == SBX_NET_HOST && net)
    problem(c, "namespaces.net",
            "network: host shares the host's network, which contradicts a net namespace of its "
            "own");
  else if (s->network != SBX_NET_HOST && !net)
    problem(c, "namespaces.net",
            "network: %s%s needs the net namespace; use network: host to share the host's "
            "network",
            (size_t)s->network < ARRAY_SIZE(network_names) ? network_names[s->network] : "?",
            field_given(c, "network") ? "" : " (the default)");
  if (s->hostname && !(s->namespaces & SBX_NS_UTS))
    problem(c, "hostname",
            "setting the host name needs the uts namespace, which namespaces.uts turns off");
  const sbx_id_intent *in = &s->id_intent;
  if (!(s->namespaces & SBX_NS_USER) &&
      (in->host_uid != SBX_ID_AUTO || in->host_gid != SBX_ID_AUTO || in->count > 1))
    problem(c, "id_intent", "needs the user namespace, which namespaces.user turns off");
  if ((s->n_uid_mappings || s->n_gid_mappings) && !(s->namespaces & SBX_NS_USER))
    problem(c, s->n_uid_mappings ? "uid_mappings" : "gid_mappings",
            "needs the user namespace, which namespaces.user turns off");
  check_mappings(c, "uid_mappings", s->uid_mappings, s->n_uid_mappings);
  check_mappings(c, "gid_mappings", s->gid_mappings, s->n_gid_mappings);
}

/* The id mapping asked for (used when there are no explicit mappings), whoever the caller:
 * never host root, and a range from 0 must hold the job's own ids. What depends on the caller
 * (an unprivileged one maps only its own ids) is the id-mapping policy's (idmap-policy.c). */
static void check_id_intent(checker *c, const sbx_spec *s) {
  const sbx_id_intent *in = &s->id_intent;
  static const char *const kind[2] = {"uid", "gid"};
  uint32_t host[2] = {in->host_uid, in->host_gid};
  uint32_t inside[2] = {s->process.uid, s->process.gid};
  bool explicit[2] = {s->n_uid_mappings > 0, s->n_gid_mappings > 0};
  for (int i = 0; i < 2; i++) {
    if (explicit[i]) continue;
    _cleanup_free_ char *path = xasprintf("id_intent.host_%s", kind[i]);
    if (host[i] == 0)
      problem(c, path, "the job never runs as the host's root: choose another %s, or auto",
              kind[i]);
    if (in->count > 1 && inside[i] >= in->count)
      problem(c, "id_intent.count",
              "maps %s 0 to %u, which leaves out the job's %s %u (process.user)", kind[i],
              in->count - 1, kind[i], inside[i]);
  }
}

static void check_limits(checker *c, const sbx_limits *l) {
  if (l->memory != SBX_UNSET && l->memory < 4096)
    problem(c, "limits.memory", "%llu bytes is too small: the least is 4K",
            (unsigned long long)l->memory);
  if (l->pids == 0) problem(c, "limits.pids", "0 allows no process at all: the least is 1");
  bool quota = l->cpu_quota_us != SBX_UNSET, period = l->cpu_period_us != SBX_UNSET;
  if (quota && !period)
    problem(c, "limits.cpu_quota_us", "needs %s too", field_name(c, "limits.cpu_period_us"));
  else if (period && !quota)
    problem(c, "limits.cpu_period_us", "needs %s too", field_name(c, "limits.cpu_quota_us"));
  /* The grace between SIGTERM and SIGKILL at the wall-time limit: a job must not be able to
   * stretch its run much past the limit. */
  if (l->kill_grace_us != 0 && l->kill_grace_us > SPEC_KILL_GRACE_MAX_US)
    problem(c, "limits.kill_grace_us", "too long: the most is 10 minutes");
}

static void check_seccomp(checker *c, const sbx_seccomp *sc) {
  for (size_t i = 0; i < sc->n_rules; i++) {
    const sbx_seccomp_rule *r = &sc->rules[i];
    if (r->n_names == 0) {
      _cleanup_free_ char *path = xasprintf("seccomp.rules[%zu].names", i);
      problem(c, path, "no syscall names");
    }
    for (size_t j = 0; j < r->n_args; j++)
      if (r->args[j].index > 5) {
        _cleanup_free_ char *path = xasprintf("seccomp.rules[%zu].args[%zu].index", i, j);
        problem(c, path, "%u is out of range: the most is 5", r->args[j].index);
      }
  }
}

size_t spec_check(const sbx_spec *s, unsigned rules, const spec_front *front) {
  checker c = {.front = front};
  check_process(&c, &s->process, rules);
  check_mounts(&c, s, rules);
  if (rules & SPEC_CHECK_MEANING) {
    check_inside_list(&c, "masked_paths", s->masked_paths, s->n_masked_paths);
    check_inside_list(&c, "readonly_paths", s->readonly_paths, s->n_readonly_paths);
    check_namespaces(&c, s);
    check_id_intent(&c, s);
    check_limits(&c, &s->limits);
  }
  if (rules & SPEC_CHECK_FORM) check_seccomp(&c, &s->seccomp);
  return c.problems;
}

bool spec_path_index(const char *path, const char *name, size_t *i, const char **rest) {
  size_t n = strlen(name);
  if (strncmp(path, name, n) != 0 || path[n] != '[' || path[n + 1] < '0' || path[n + 1] > '9')
    return false;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(path + n + 1, &end, 10);
  if (errno || *end != ']') return false;
  *i = (size_t)v;
  *rest = end + 1;
  return true;
}

static void validate_report(void *ctx, const char *path, const char *msg) {
  sbx_error_append(ctx, EINVAL, "%s: %s", path, msg);
}

int sbx_spec_validate(const sbx_spec *s, sbx_error **err) {
  sbx_error *errs = NULL;
  spec_front front = {.ctx = &errs, .report = validate_report};
  if (!spec_check(s, SPEC_CHECK_ALL, &front)) return 0;
  if (err && !*err)
    *err = errs;
  else
    sbx_error_free(errs);
  return -1;
}

const char *sbx_version(void) { return SBX_VERSION_STRING; }
