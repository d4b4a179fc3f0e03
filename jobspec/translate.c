/* translate.c: the profile schema. Checks the merged tree and fills a struct sbx_spec; every
 * problem is a located error, and all of them are collected (up to the cap). The seccomp section
 * is in translate-seccomp.c. docs/profile.md documents every key handled here. */
#include "jobspec.h"

#include "util.h"

#include <ctype.h>
#include <math.h>
#include <strings.h>

/* ---- typed reads -------------------------------------------------------------------------- */

char *js_path(const char *parent, const char *key) {
  return parent && *parent ? xasprintf("%s.%s", parent, key) : xstrdup(key);
}

bool js_check_keys(js_errors *e, const js_node *map, const char *path, const char *const *keys,
                   size_t n_keys) {
  if (map->kind != JS_MAP) {
    js_error(e, map, path, "expected a map of settings, not %s", js_kind_name(map));
    return false;
  }
  for (size_t i = 0; i < map->n; i++) {
    const char *k = map->keys[i]->str;
    bool known = false;
    for (size_t j = 0; j < n_keys && !known; j++) known = strcmp(keys[j], k) == 0;
    if (known) continue;
    if (js_errors_full(e)) break; /* no suggestions for errors that are not shown */
    _cleanup_free_ char *p = js_path(path, k);
    const char *s = js_suggest(k, keys, n_keys);
    if (s)
      js_error(e, map->keys[i], p, "unknown key '%s' (did you mean '%s'?)", k, s);
    else
      js_error(e, map->keys[i], p, "unknown key '%s'", k);
  }
  return true;
}

bool js_get_string(js_errors *e, const js_node *n, const char *path, const char **out) {
  if (n->bad) return false; /* reported already */
  if (n->kind != JS_SCALAR) {
    js_error(e, n, path, "expected a string, not %s", js_kind_name(n));
    return false;
  }
  *out = n->str;
  return true;
}

bool js_get_bool(js_errors *e, const js_node *n, const char *path, bool *out) {
  if (n->bad) return false;
  if (n->kind == JS_SCALAR) {
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
      if (strcasecmp(n->str, yes[i]) == 0) return *out = true;
      if (strcasecmp(n->str, no[i]) == 0) return !(*out = false);
    }
    js_error(e, n, path, "expected true or false, not '%s'", n->str);
    return false;
  }
  js_error(e, n, path, "expected true or false, not %s", js_kind_name(n));
  return false;
}

/* Decimal digits only; returns -1 for junk, -2 for overflow. */
int js_parse_decimal(const char *s, uint64_t *out) {
  if (!*s) return -1;
  uint64_t v = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9') return -1;
    if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) return -2;
    v = v * 10 + (uint64_t)(*p - '0');
  }
  *out = v;
  return 0;
}

bool js_get_uint(js_errors *e, const js_node *n, const char *path, uint64_t max, uint64_t *out) {
  const char *s;
  if (!js_get_string(e, n, path, &s)) return false;
  uint64_t v = 0;
  int r = js_parse_decimal(s, &v);
  if (r == -1) {
    if (s[0] == '-')
      js_error(e, n, path, "%s is negative: expected a whole number from 0 to %llu", s,
               (unsigned long long)max);
    else
      js_error(e, n, path, "expected a whole number, not '%s'", s);
    return false;
  }
  if (r == -2 || v > max) {
    js_error(e, n, path, "%s is out of range: the most is %llu", s, (unsigned long long)max);
    return false;
  }
  *out = v;
  return true;
}

bool js_get_enum(js_errors *e, const js_node *n, const char *path, const char *const *names,
                 size_t n_names, int *out) {
  const char *s;
  if (!js_get_string(e, n, path, &s)) return false;
  for (size_t i = 0; i < n_names; i++)
    if (strcmp(names[i], s) == 0) {
      *out = (int)i;
      return true;
    }
  if (js_errors_full(e)) return false;
  size_t len = 0;
  for (size_t i = 0; i < n_names; i++) len += strlen(names[i]) + 2;
  _cleanup_free_ char *list = xcalloc(1, len + 1);
  for (size_t i = 0; i < n_names; i++) {
    if (i) strcat(list, i + 1 == n_names ? " or " : ", ");
    strcat(list, names[i]);
  }
  const char *sug = js_suggest(s, names, n_names);
  if (sug)
    js_error(e, n, path, "'%s' is not %s (did you mean '%s'?)", s, list, sug);
  else
    js_error(e, n, path, "'%s' is not %s", s, list);
  return false;
}

bool js_get_strv(js_errors *e, const js_node *n, const char *path, bool single, char ***out) {
  char **v = xcalloc(1, sizeof *v);
  size_t nv = 0;
  if (single && n->kind == JS_SCALAR) {
    if (n->bad) {
      free(v);
      return false;
    }
    strv_push(&v, &nv, n->str);
    *out = v;
    return true;
  }
  if (n->kind != JS_SEQ) {
    free(v);
    js_error(e, n, path, "expected a list of strings%s, not %s", single ? " or a string" : "",
             js_kind_name(n));
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < n->n; i++) {
    _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i);
    const char *s;
    if (js_get_string(e, n->items[i], p, &s))
      strv_push(&v, &nv, s);
    else
      ok = false;
  }
  if (!ok) {
    strv_free(v);
    return false;
  }
  *out = v;
  return true;
}

static bool get_abs_path(js_errors *e, const js_node *n, const char *path, const char **out) {
  if (!js_get_string(e, n, path, out)) return false;
  if ((*out)[0] != '/') {
    js_error(e, n, path, "'%s' is not an absolute path", *out);
    return false;
  }
  return true;
}

static bool has_dotdot(const char *p) {
  for (const char *c = p; (c = strstr(c, "..")); c += 2)
    if ((c == p || c[-1] == '/') && (c[2] == '\0' || c[2] == '/')) return true;
  return false;
}

/* An absolute path inside the sandbox, without '..' components. */
static bool get_inside_path(js_errors *e, const js_node *n, const char *path, const char **out) {
  if (!get_abs_path(e, n, path, out)) return false;
  if (has_dotdot(*out)) {
    js_error(e, n, path, "'%s': a path inside the sandbox cannot contain '..'", *out);
    return false;
  }
  return true;
}

static bool get_size(js_errors *e, const js_node *n, const char *path, bool unlimited,
                     uint64_t *out) {
  const char *s;
  if (!js_get_string(e, n, path, &s)) return false;
  _cleanup_free_ char *why = NULL;
  if (js_parse_size(s, unlimited, out, &why) < 0) {
    js_error(e, n, path, "%s", why);
    return false;
  }
  return true;
}

static bool get_duration(js_errors *e, const js_node *n, const char *path, bool unlimited,
                         uint64_t *out) {
  const char *s;
  if (!js_get_string(e, n, path, &s)) return false;
  _cleanup_free_ char *why = NULL;
  if (js_parse_duration(s, unlimited, out, &why) < 0) {
    js_error(e, n, path, "%s", why);
    return false;
  }
  return true;
}

/* A permission mode, always octal: "022", "0022", "0o22" and 22 all mean octal 22. */
static bool get_mode(js_errors *e, const js_node *n, const char *path, uint32_t max,
                     uint32_t *out) {
  const char *s;
  if (!js_get_string(e, n, path, &s)) return false;
  const char *p = s;
  if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) p += 2;
  uint64_t v = 0;
  bool ok = *p != '\0';
  for (; *p && ok; p++) {
    if (*p < '0' || *p > '7')
      ok = false;
    else
      v = v * 8 + (uint64_t)(*p - '0');
    if (v > max) ok = false;
  }
  if (!ok) {
    js_error(e, n, path, "bad mode '%s': expected an octal number from 0 to %o, such as 022", s,
             max);
    return false;
  }
  *out = (uint32_t)v;
  return true;
}

/* ---- the translation ---------------------------------------------------------------------- */

typedef struct tr {
  js_errors *e;
  const js_context *ctx;
  sbx_spec *spec;
  bool cwd_set;
  const js_node *workdir; /* the workdir target node, for cwd */
  const char *workdir_target;
  const js_node *ns_nodes[7]; /* explicit namespaces.X values */
  struct bind_seen *binds;    /* every bind, for the optional/required check */
  size_t n_binds;
} tr;

/* A bind of the profile: where it was written, and its target with '/' runs collapsed and no
 * trailing '/' ("/a//b/" -> "/a/b"). */
typedef struct bind_seen {
  const js_node *at;
  char *path;
  char *target;
  bool optional;
  size_t order;
} bind_seen;

static char *canonical_target(const char *p) {
  char *c = xstrdup(p), *o = c;
  for (const char *i = p; *i; i++)
    if (*i != '/' || o == c || o[-1] != '/') *o++ = *i;
  if (o > c + 1 && o[-1] == '/') o--;
  *o = '\0';
  return c;
}

static void note_bind(tr *t, const js_node *at, const char *path, const char *target,
                      unsigned flags) {
  t->binds = xrealloc_grow(t->binds, (t->n_binds + 1) * sizeof *t->binds);
  t->binds[t->n_binds] = (bind_seen){at, xstrdup(path), canonical_target(target),
                                     (flags & SBX_MNT_OPTIONAL) != 0, t->n_binds};
  t->n_binds++;
}

static int compare_binds(const void *a, const void *b) {
  const bind_seen *x = a, *y = b;
  int c = strcmp(x->target, y->target);
  if (c) return c;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* config.json lists optional binds by target, so an optional and a required bind on the same
 * target cannot be told apart there (the JSON writer refuses them): an error at the optional
 * one. Sorted by target, so that many binds are not compared pairwise. */
static void check_bind_targets(tr *t) {
  if (t->n_binds > 1) qsort(t->binds, t->n_binds, sizeof *t->binds, compare_binds);
  for (size_t i = 0; i < t->n_binds;) {
    size_t j = i, required = SIZE_MAX;
    while (j < t->n_binds && strcmp(t->binds[j].target, t->binds[i].target) == 0) {
      if (!t->binds[j].optional && required == SIZE_MAX) required = j;
      j++;
    }
    for (size_t k = i; k < j && required != SIZE_MAX; k++)
      if (t->binds[k].optional)
        js_error(t->e, t->binds[k].at, t->binds[k].path,
                 "an optional bind on '%s', where %s binds a required one: config.json cannot "
                 "tell them apart; make both optional or both required",
                 t->binds[k].target, t->binds[required].path);
    i = j;
  }
  for (size_t i = 0; i < t->n_binds; i++) {
    free(t->binds[i].path);
    free(t->binds[i].target);
  }
  free(t->binds);
  t->binds = NULL;
  t->n_binds = 0;
}

static const char *const ns_keys[] = {"user", "pid", "mount", "net", "ipc", "uts", "cgroup"};
static const unsigned ns_bits[] = {SBX_NS_USER, SBX_NS_PID, SBX_NS_MOUNT, SBX_NS_NET,
                                   SBX_NS_IPC,  SBX_NS_UTS, SBX_NS_CGROUP};

static bool env_name_ok(const char *s) {
  if (!*s || isdigit((unsigned char)*s)) return false;
  for (; *s; s++)
    if (*s == '=' || isspace((unsigned char)*s)) return false;
  return true;
}

/* Sets NAME=value in the spec's environment; `names` indexes the names set so far (the spec's
 * own lookup is a linear search, and a profile can hold tens of thousands of variables). The
 * names are the tree's or the caller's environment's, which outlive the index. */
static void env_set(tr *t, js_strset *names, const char *name, const char *value) {
  sbx_process *p = &t->spec->process;
  ssize_t i = js_strset_find(names, name);
  char *entry = xasprintf("%s=%s", name, value);
  if (i >= 0) {
    free(p->env[i]);
    p->env[i] = entry;
    return;
  }
  js_strset_add(names, name);
  strv_push(&p->env, &p->n_env, entry);
  free(entry);
}

static void tr_process(tr *t, const js_node *proc) {
  js_errors *e = t->e;
  sbx_process *p = &t->spec->process;
  if (!js_check_keys(e, proc, "process",
                     JS_KEYS("command", "cwd", "umask", "env", "env_inherit", "user", "stdin")))
    return;
  const js_node *n;
  if ((n = js_map_get(proc, "command"))) {
    char **argv = NULL;
    if (js_get_strv(e, n, "process.command", true, &argv)) {
      if (!argv[0]) {
        js_error(e, n, "process.command",
                 "the command is empty: leave the key out to give the "
                 "command on the command line");
        strv_free(argv);
      } else {
        strv_free(p->args);
        p->args = argv;
        p->n_args = strv_len(argv);
      }
    }
  }
  if ((n = js_map_get(proc, "cwd"))) {
    const char *s;
    if (get_inside_path(e, n, "process.cwd", &s)) {
      free(p->cwd);
      p->cwd = xstrdup(s);
      t->cwd_set = true;
    }
  }
  if ((n = js_map_get(proc, "umask"))) get_mode(e, n, "process.umask", 0777, &p->umask);
  /* The names in the environment, indexed (any there already are copied, for the index). */
  js_strset env_names __attribute__((cleanup(js_strset_clear))) = {0};
  _cleanup_strv_ char **env_before = NULL;
  size_t n_before = 0;
  for (size_t i = 0; i < p->n_env; i++) {
    _cleanup_free_ char *name = xstrndup(p->env[i], strcspn(p->env[i], "="));
    strv_push(&env_before, &n_before, name);
  }
  for (size_t i = 0; i < n_before; i++) js_strset_add(&env_names, env_before[i]);
  if ((n = js_map_get(proc, "env"))) {
    if (n->kind != JS_MAP) {
      js_error(e, n, "process.env", "expected a map of NAME: value, not %s", js_kind_name(n));
    } else {
      for (size_t i = 0; i < n->n; i++) {
        const char *name = n->keys[i]->str;
        _cleanup_free_ char *path = js_path("process.env", name);
        const char *value;
        if (!env_name_ok(name)) {
          js_error(e, n->keys[i], path, "'%s' is not a valid environment variable name", name);
          continue;
        }
        if (js_get_string(e, n->items[i], path, &value)) env_set(t, &env_names, name, value);
      }
    }
  }
  if ((n = js_map_get(proc, "env_inherit"))) {
    _cleanup_strv_ char **names = NULL;
    if (js_get_strv(e, n, "process.env_inherit", false, &names)) {
      for (size_t i = 0; names[i]; i++) {
        if (!env_name_ok(names[i])) {
          _cleanup_free_ char *path = xasprintf("process.env_inherit[%zu]", i);
          js_error(e, n->items[i], path, "'%s' is not a valid environment variable name", names[i]);
          continue;
        }
        const char *v = getenv(names[i]);
        if (v) env_set(t, &env_names, n->items[i]->str, v); /* the tree's copy outlives names */
      }
    }
  }
  if ((n = js_map_get(proc, "user"))) {
    if (js_check_keys(e, n, "process.user", JS_KEYS("uid", "gid"))) {
      const js_node *v;
      uint64_t id;
      if ((v = js_map_get(n, "uid")) && js_get_uint(e, v, "process.user.uid", UINT32_MAX - 1, &id))
        p->uid = (uint32_t)id;
      if ((v = js_map_get(n, "gid")) && js_get_uint(e, v, "process.user.gid", UINT32_MAX - 1, &id))
        p->gid = (uint32_t)id;
    }
  }
  if ((n = js_map_get(proc, "stdin"))) {
    const char *s;
    if (js_get_string(e, n, "process.stdin", &s)) {
      free(p->stdin_path);
      p->stdin_path = NULL;
      if (strcmp(s, "null") == 0) {
        p->stdin_mode = SBX_STDIN_NULL;
      } else if (strcmp(s, "inherit") == 0) {
        p->stdin_mode = SBX_STDIN_INHERIT;
      } else if (!*s) {
        js_error(e, n, "process.stdin", "expected null, inherit or a file path");
      } else {
        p->stdin_mode = SBX_STDIN_FILE;
        p->stdin_path = s[0] == '/' ? xstrdup(s) : xasprintf("%s/%s", t->ctx->pwd, s);
      }
    }
  }
}

/* "SRC[:DST[:ro|rw]]" */
static void bind_from_string(tr *t, const js_node *n, const char *path) {
  if (n->bad) return;
  const char *s = n->str;
  _cleanup_strv_ char **parts = NULL;
  size_t np = 0;
  for (const char *p = s;;) {
    const char *c = strchr(p, ':');
    _cleanup_free_ char *part = c ? xstrndup(p, (size_t)(c - p)) : xstrdup(p);
    strv_push(&parts, &np, part);
    if (!c) break;
    p = c + 1;
  }
  unsigned flags = SBX_MNT_RECURSIVE | SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_RO;
  if (np > 3) {
    js_error(t->e, n, path, "bad bind '%s': expected SOURCE[:TARGET[:ro|rw]]", s);
    return;
  }
  if (np == 3) {
    if (strcmp(parts[2], "rw") == 0) {
      flags &= ~(unsigned)SBX_MNT_RO;
    } else if (strcmp(parts[2], "ro") != 0) {
      js_error(t->e, n, path, "bad bind '%s': the mode '%s' is not ro or rw", s, parts[2]);
      return;
    }
  }
  const char *src = parts[0], *dst = np >= 2 && *parts[1] ? parts[1] : parts[0];
  if (src[0] != '/') {
    js_error(t->e, n, path, "bad bind '%s': the source '%s' is not an absolute path", s, src);
    return;
  }
  if (dst[0] != '/') {
    js_error(t->e, n, path, "bad bind '%s': the target '%s' is not an absolute path", s, dst);
    return;
  }
  if (has_dotdot(dst)) {
    js_error(t->e, n, path, "bad bind '%s': a path inside the sandbox cannot contain '..'", s);
    return;
  }
  spec_add_mount(t->spec, SBX_MOUNT_BIND, src, dst, flags);
  note_bind(t, n, path, dst, flags);
}

/* Reads ro|rw into the SBX_MNT_RO bit. */
static void get_ro_rw(tr *t, const js_node *map, const char *path, unsigned *flags) {
  const js_node *n = js_map_get(map, "mode");
  if (!n) return;
  _cleanup_free_ char *p = js_path(path, "mode");
  int mode;
  if (js_get_enum(t->e, n, p, (const char *const[]){"ro", "rw"}, 2, &mode)) {
    if (mode == 0)
      *flags |= SBX_MNT_RO;
    else
      *flags &= ~(unsigned)SBX_MNT_RO;
  }
}

static void get_flag(tr *t, const js_node *map, const char *path, const char *key, unsigned bit,
                     unsigned *flags) {
  const js_node *n = js_map_get(map, key);
  if (!n) return;
  _cleanup_free_ char *p = js_path(path, key);
  bool b;
  if (js_get_bool(t->e, n, p, &b)) {
    if (b)
      *flags |= bit;
    else
      *flags &= ~bit;
  }
}

static void tr_bind(tr *t, const js_node *n, const char *path) {
  if (n->kind == JS_SCALAR) {
    bind_from_string(t, n, path);
    return;
  }
  if (!js_check_keys(t->e, n, path,
                     JS_KEYS("source", "target", "mode", "optional", "noexec", "nosuid", "nodev")))
    return;
  const js_node *src_n = js_map_get(n, "source"), *dst_n = js_map_get(n, "target");
  const char *src = NULL, *dst = NULL;
  _cleanup_free_ char *sp = js_path(path, "source");
  _cleanup_free_ char *tp = js_path(path, "target");
  bool ok = true;
  if (!src_n) {
    js_error(t->e, n, path, "a bind needs a source");
    ok = false;
  } else if (!get_abs_path(t->e, src_n, sp, &src)) {
    ok = false;
  }
  if (dst_n && !get_inside_path(t->e, dst_n, tp, &dst)) ok = false;
  unsigned flags = SBX_MNT_RECURSIVE | SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_RO;
  get_ro_rw(t, n, path, &flags);
  get_flag(t, n, path, "optional", SBX_MNT_OPTIONAL, &flags);
  get_flag(t, n, path, "noexec", SBX_MNT_NOEXEC, &flags);
  get_flag(t, n, path, "nosuid", SBX_MNT_NOSUID, &flags);
  get_flag(t, n, path, "nodev", SBX_MNT_NODEV, &flags);
  if (ok) {
    spec_add_mount(t->spec, SBX_MOUNT_BIND, src, dst ? dst : src, flags);
    note_bind(t, n, path, dst ? dst : src, flags);
  }
}

/* A tmpfs target; not /dev, which config.json can only hold as the minimal /dev. */
static bool get_tmpfs_target(tr *t, const js_node *n, const char *path, const char **out) {
  if (!get_inside_path(t->e, n, path, out)) return false;
  _cleanup_free_ char *c = canonical_target(*out);
  if (strcmp(c, "/dev") == 0) {
    js_error(t->e, n, path,
             "a tmpfs on /dev is not possible (config.json would read it back as the minimal "
             "/dev): use filesystem.dev: true for the minimal /dev");
    return false;
  }
  return true;
}

static void tr_tmpfs(tr *t, const js_node *n, const char *path) {
  const char *target;
  if (n->kind == JS_SCALAR) {
    if (!get_tmpfs_target(t, n, path, &target)) return;
    sbx_mount *m =
        spec_add_mount(t->spec, SBX_MOUNT_TMPFS, NULL, target, SBX_MNT_NOSUID | SBX_MNT_NODEV);
    m->mode = strcmp(target, "/tmp") == 0 ? 01777 : 0755;
    return;
  }
  if (!js_check_keys(t->e, n, path, JS_KEYS("target", "size", "mode", "noexec"))) return;
  const js_node *v = js_map_get(n, "target");
  _cleanup_free_ char *tp = js_path(path, "target");
  _cleanup_free_ char *sp = js_path(path, "size");
  _cleanup_free_ char *mp = js_path(path, "mode");
  bool ok = true;
  if (!v) {
    js_error(t->e, n, path, "a tmpfs needs a target");
    ok = false;
  } else if (!get_tmpfs_target(t, v, tp, &target)) {
    ok = false;
  }
  uint64_t size = SBX_UNSET;
  uint32_t mode = ok && strcmp(target, "/tmp") == 0 ? 01777 : 0755;
  unsigned flags = SBX_MNT_NOSUID | SBX_MNT_NODEV;
  if ((v = js_map_get(n, "size")) && !get_size(t->e, v, sp, true, &size)) ok = false;
  if ((v = js_map_get(n, "mode")) && !get_mode(t->e, v, mp, 07777, &mode)) ok = false;
  get_flag(t, n, path, "noexec", SBX_MNT_NOEXEC, &flags);
  if (size == 0) {
    js_error(t->e, js_map_get(n, "size"), sp, "a tmpfs of size 0 holds nothing");
    ok = false;
  }
  if (!ok) return;
  sbx_mount *m = spec_add_mount(t->spec, SBX_MOUNT_TMPFS, NULL, target, flags);
  m->size = size;
  m->mode = mode;
}

static void tr_path_list(tr *t, const js_node *n, const char *path, char ***v, size_t *nv) {
  if (n->kind != JS_SEQ) {
    js_error(t->e, n, path, "expected a list of paths, not %s", js_kind_name(n));
    return;
  }
  /* Repeated paths are dropped, found by hash (the list can be long). */
  js_strset seen __attribute__((cleanup(js_strset_clear))) = {0};
  for (size_t i = 0; i < *nv; i++) js_strset_add(&seen, (*v)[i]);
  for (size_t i = 0; i < n->n; i++) {
    _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i);
    const char *s;
    if (get_inside_path(t->e, n->items[i], p, &s) && js_strset_add(&seen, s)) strv_push(v, nv, s);
  }
}

static unsigned path_depth(const char *p) {
  unsigned d = 0;
  for (; *p; p++)
    if (*p == '/' && p[1] && p[1] != '/') d++;
  return d;
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

/* Parents before children: a stable sort by the number of components of the target (by depth,
 * then by position, so that many mounts do not take an insertion sort's quadratic time). */
static void sort_mounts(sbx_spec *s) {
  if (s->n_mounts < 2) return;
  mount_key *keys = xcalloc(s->n_mounts, sizeof *keys);
  for (size_t i = 0; i < s->n_mounts; i++)
    keys[i] = (mount_key){path_depth(s->mounts[i].target), i};
  qsort(keys, s->n_mounts, sizeof *keys, compare_mount_keys);
  sbx_mount *sorted = xcalloc(s->n_mounts, sizeof *sorted);
  for (size_t i = 0; i < s->n_mounts; i++) sorted[i] = s->mounts[keys[i].index];
  free(s->mounts);
  s->mounts = sorted;
  free(keys);
}

static void tr_filesystem(tr *t, const js_node *fs, bool mount_ns) {
  js_errors *e = t->e;
  sbx_spec *s = t->spec;
  if (!js_check_keys(
          e, fs, "filesystem",
          JS_KEYS("root", "binds", "tmpfs", "proc", "dev", "masked", "readonly", "workdir")))
    return;
  /* Without a mount namespace nothing can be mounted: every explicit setting is an error. */
  if (!mount_ns) {
    for (size_t i = 0; i < fs->n; i++) {
      const char *k = fs->keys[i]->str;
      _cleanup_free_ char *p = js_path("filesystem", k);
      bool on = true;
      if (strcmp(k, "proc") == 0 || strcmp(k, "dev") == 0) {
        if (!js_get_bool(e, fs->items[i], p, &on)) continue;
        if (!on) continue;
      }
      js_error(e, fs->keys[i], p, "needs the mount namespace, which namespaces.mount turns off");
    }
    return;
  }
  const js_node *n;
  if ((n = js_map_get(fs, "root"))) {
    if (n->kind == JS_SCALAR) {
      if (!n->bad && !*n->str) {
        js_error(e, n, "filesystem.root", "expected tmpfs or a directory, not an empty string");
      } else if (!n->bad && strcmp(n->str, "tmpfs") != 0) {
        s->root.path = xstrdup(n->str);
        s->root.readonly = true;
      }
    } else if (js_check_keys(e, n, "filesystem.root", JS_KEYS("path", "readonly"))) {
      const js_node *v = js_map_get(n, "path");
      const char *path;
      bool ro = true;
      if (!v)
        js_error(e, n, "filesystem.root", "needs a path (or write root: tmpfs)");
      else if (!js_get_string(e, v, "filesystem.root.path", &path))
        ;
      else if (!*path)
        js_error(e, v, "filesystem.root.path",
                 "expected tmpfs or a directory, not an empty string");
      else if (strcmp(path, "tmpfs") != 0)
        s->root.path = xstrdup(path);
      if ((v = js_map_get(n, "readonly")) && js_get_bool(e, v, "filesystem.root.readonly", &ro))
        s->root.readonly = s->root.path ? ro : true;
      else
        s->root.readonly = true;
    }
  }
  /* A fresh root holds only mount points and links, and the engine always makes it read-only;
   * say so in the spec too, so that runc does the same with the bundle's directory. */
  if (!s->root.path) s->root.readonly = true;
  if ((n = js_map_get(fs, "binds"))) {
    if (n->kind != JS_SEQ) {
      js_error(e, n, "filesystem.binds", "expected a list of binds, not %s", js_kind_name(n));
    } else {
      for (size_t i = 0; i < n->n; i++) {
        _cleanup_free_ char *p = xasprintf("filesystem.binds[%zu]", i);
        tr_bind(t, n->items[i], p);
      }
    }
  }
  bool proc = true, dev = true;
  if ((n = js_map_get(fs, "proc"))) js_get_bool(e, n, "filesystem.proc", &proc);
  if ((n = js_map_get(fs, "dev"))) js_get_bool(e, n, "filesystem.dev", &dev);
  if (proc)
    spec_add_mount(s, SBX_MOUNT_PROC, NULL, "/proc",
                   SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC);
  if (dev) spec_add_mount(s, SBX_MOUNT_DEV, NULL, "/dev", SBX_MNT_NOSUID | SBX_MNT_NOEXEC);
  if ((n = js_map_get(fs, "tmpfs"))) {
    if (n->kind != JS_SEQ) {
      js_error(e, n, "filesystem.tmpfs", "expected a list of tmpfs mounts, not %s",
               js_kind_name(n));
    } else {
      for (size_t i = 0; i < n->n; i++) {
        _cleanup_free_ char *p = xasprintf("filesystem.tmpfs[%zu]", i);
        tr_tmpfs(t, n->items[i], p);
      }
    }
  }
  if ((n = js_map_get(fs, "workdir"))) {
    if (js_check_keys(e, n, "filesystem.workdir", JS_KEYS("source", "target", "mode"))) {
      const js_node *v;
      const char *src = t->ctx->pwd, *dst = "/work";
      bool ok = true;
      if ((v = js_map_get(n, "source")) && !get_abs_path(e, v, "filesystem.workdir.source", &src))
        ok = false;
      if ((v = js_map_get(n, "target")) &&
          !get_inside_path(e, v, "filesystem.workdir.target", &dst))
        ok = false;
      unsigned flags = SBX_MNT_RECURSIVE | SBX_MNT_NOSUID | SBX_MNT_NODEV;
      get_ro_rw(t, n, "filesystem.workdir", &flags);
      if (ok) {
        sbx_mount *m = spec_add_mount(s, SBX_MOUNT_BIND, src, dst, flags);
        note_bind(t, n, "filesystem.workdir", dst, flags);
        t->workdir_target = m->target;
        t->workdir = n;
      }
    }
  }
  if ((n = js_map_get(fs, "masked")))
    tr_path_list(t, n, "filesystem.masked", &s->masked_paths, &s->n_masked_paths);
  if ((n = js_map_get(fs, "readonly")))
    tr_path_list(t, n, "filesystem.readonly", &s->readonly_paths, &s->n_readonly_paths);
  if (t->workdir_target && !t->cwd_set) {
    free(s->process.cwd);
    s->process.cwd = xstrdup(t->workdir_target);
  }
  check_bind_targets(t);
  sort_mounts(s);
}

/* The default /proc and /dev, when the profile has no filesystem section. */
static void default_filesystem(tr *t) {
  spec_add_mount(t->spec, SBX_MOUNT_PROC, NULL, "/proc",
                 SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC);
  spec_add_mount(t->spec, SBX_MOUNT_DEV, NULL, "/dev", SBX_MNT_NOSUID | SBX_MNT_NOEXEC);
}

/* A number of CPUs, "DIGITS[.DIGITS]" and nothing else (no sign, exponent, hex or locale's
 * decimal comma), in billionths; digits past the ninth decimal are ignored. */
static int parse_cpus(const char *s, uint64_t *nano) {
  const char *p = s;
  uint64_t whole = 0;
  if (*p < '0' || *p > '9') return -1;
  for (; *p >= '0' && *p <= '9'; p++) {
    whole = whole * 10 + (uint64_t)(*p - '0');
    if (whole > 1000000) return -1; /* far out of range; stops an overflow */
  }
  uint64_t frac = 0, scale = 1000000000ull;
  if (*p == '.') {
    p++;
    if (*p < '0' || *p > '9') return -1;
    for (; *p >= '0' && *p <= '9'; p++)
      if (scale > 1) {
        scale /= 10;
        frac += (uint64_t)(*p - '0') * scale;
      }
  }
  if (*p) return -1;
  *nano = whole * 1000000000ull + frac;
  return 0;
}

/* The most the kernel takes for cpu.cfs_quota_us / cpu.max's quota: 2^44 - 1 microseconds
 * (about 203 days; kernel/sched/core.c, max_cfs_runtime). */
#define MAX_CPU_QUOTA_US ((UINT64_C(1) << 44) - 1)

static void tr_limits(tr *t, const js_node *lim) {
  js_errors *e = t->e;
  sbx_limits *l = &t->spec->limits;
  if (!js_check_keys(e, lim, "limits",
                     JS_KEYS("wall_time", "cpu_time", "memory", "swap", "pids", "cpus", "cpu_quota",
                             "cpu_period", "open_files", "file_size", "stack", "core", "output")))
    return;
  const js_node *n;
  if ((n = js_map_get(lim, "wall_time")) &&
      get_duration(e, n, "limits.wall_time", true, &l->wall_time_us) && l->wall_time_us == 0) {
    js_error(e, n, "limits.wall_time",
             "%s is no time at all: give a positive duration or unlimited", n->str);
    l->wall_time_us = SBX_UNSET;
  }
  if ((n = js_map_get(lim, "cpu_time")) &&
      get_duration(e, n, "limits.cpu_time", true, &l->cpu_time_us) && l->cpu_time_us == 0) {
    js_error(e, n, "limits.cpu_time", "%s is no time at all: give a positive duration or unlimited",
             n->str);
    l->cpu_time_us = SBX_UNSET;
  }
  if ((n = js_map_get(lim, "memory")) && get_size(e, n, "limits.memory", true, &l->memory) &&
      l->memory < 4096) {
    js_error(e, n, "limits.memory", "%s is too small: the least is 4K", n->str);
    l->memory = SBX_UNSET;
  }
  if ((n = js_map_get(lim, "swap")) && get_size(e, n, "limits.swap", true, &l->swap) &&
      l->swap != SBX_UNSET && l->memory != SBX_UNSET && l->swap > INT64_MAX - l->memory) {
    /* OCI's swap limit is memory plus swap, a signed 64-bit number. */
    js_error(e, n, "limits.swap",
             "%s is too large: memory plus swap is at most 9223372036854775807 bytes", n->str);
    l->swap = SBX_UNSET;
  }
  if ((n = js_map_get(lim, "pids"))) {
    if (n->kind == JS_SCALAR && strcmp(n->str, "unlimited") == 0) {
      l->pids = SBX_UNSET;
    } else if (js_get_uint(e, n, "limits.pids", 4194304, &l->pids) && l->pids == 0) {
      js_error(e, n, "limits.pids", "0 allows no process at all: the least is 1");
      l->pids = SBX_UNSET;
    }
  }
  if ((n = js_map_get(lim, "open_files"))) {
    if (n->kind == JS_SCALAR && strcmp(n->str, "unlimited") == 0)
      l->open_files = SBX_UNSET;
    else if (js_get_uint(e, n, "limits.open_files", 1u << 30, &l->open_files) && l->open_files < 3)
      js_error(e, n, "limits.open_files",
               "%s is too small: a process needs at least 3 (stdin, "
               "stdout, stderr)",
               n->str);
  }
  if ((n = js_map_get(lim, "file_size"))) get_size(e, n, "limits.file_size", true, &l->file_size);
  if ((n = js_map_get(lim, "stack")) && get_size(e, n, "limits.stack", true, &l->stack) &&
      l->stack < 65536) {
    js_error(e, n, "limits.stack", "%s is too small: the least is 64K", n->str);
    l->stack = SBX_UNSET;
  }
  if ((n = js_map_get(lim, "core"))) get_size(e, n, "limits.core", true, &l->core);
  if ((n = js_map_get(lim, "output"))) get_size(e, n, "limits.output", true, &l->output);
  const js_node *cpus = js_map_get(lim, "cpus"), *quota = js_map_get(lim, "cpu_quota"),
                *period = js_map_get(lim, "cpu_period");
  if (cpus) {
    const char *s;
    if (quota || period) {
      js_error(e, cpus, "limits.cpus", "give either cpus or cpu_quota and cpu_period, not both");
    } else if (js_get_string(e, cpus, "limits.cpus", &s)) {
      uint64_t nano;
      if (parse_cpus(s, &nano) < 0 || nano < 10000000ull || nano > 1024000000000ull) {
        js_error(e, cpus, "limits.cpus",
                 "bad number of CPUs '%s': expected a number from 0.01 "
                 "to 1024, such as 1.5",
                 s);
      } else {
        /* cpus x 100ms per 100ms period, to the nearest microsecond */
        l->cpu_period_us = 100000;
        l->cpu_quota_us = (nano + 5000) / 10000;
      }
    }
  } else if (quota || period) {
    uint64_t q = 0, p = 0;
    bool ok = true;
    if (!quota) {
      js_error(e, period, "limits.cpu_period", "needs limits.cpu_quota too");
      ok = false;
    } else if (!get_duration(e, quota, "limits.cpu_quota", false, &q)) {
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
    if (!period) {
      if (quota) js_error(e, quota, "limits.cpu_quota", "needs limits.cpu_period too");
      ok = false;
    } else if (!get_duration(e, period, "limits.cpu_period", false, &p)) {
      ok = false;
    } else if (p < 1000 || p > 1000000) {
      js_error(e, period, "limits.cpu_period", "%s is out of range: from 1ms to 1s", period->str);
      ok = false;
    }
    if (ok) {
      l->cpu_quota_us = q;
      l->cpu_period_us = p;
    }
  }
}

static void tr_namespaces(tr *t, const js_node *ns) {
  if (!js_check_keys(t->e, ns, "namespaces", ns_keys, ARRAY_SIZE(ns_keys))) return;
  for (size_t i = 0; i < ARRAY_SIZE(ns_keys); i++) {
    const js_node *n = js_map_get(ns, ns_keys[i]);
    if (!n) continue;
    _cleanup_free_ char *p = js_path("namespaces", ns_keys[i]);
    bool on;
    if (!js_get_bool(t->e, n, p, &on)) continue;
    t->ns_nodes[i] = n;
    if (on)
      t->spec->namespaces |= ns_bits[i];
    else
      t->spec->namespaces &= ~ns_bits[i];
  }
}

static const js_node *ns_node(const tr *t, unsigned bit) {
  for (size_t i = 0; i < ARRAY_SIZE(ns_bits); i++)
    if (ns_bits[i] == bit) return t->ns_nodes[i];
  return NULL;
}

static bool hostname_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 64 || s[0] == '-' || s[0] == '.') return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.') return false;
  return true;
}

/* "a/b/c": non-empty components, none of them "." or "..", no leading or trailing '/'. */
static bool cgroup_path_ok(const char *s) {
  for (const char *c = s;;) {
    size_t len = strcspn(c, "/");
    if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
      return false;
    c += len;
    if (!*c) return true;
    c++;
  }
}

/* ---- capabilities ------------------------------------------------------------------------- */

static void tr_capabilities(tr *t, const js_node *n) {
  _cleanup_strv_ char **names = NULL;
  if (!js_get_strv(t->e, n, "capabilities", false, &names)) return;
  for (size_t i = 0; names[i]; i++) {
    int cap = caps_from_name(names[i]);
    if (cap >= 0) {
      t->spec->process.capabilities |= 1ull << cap;
      continue;
    }
    if (js_errors_full(t->e)) break;
    _cleanup_free_ char *p = xasprintf("capabilities[%zu]", i);
    /* Suggest in the user's spelling: compare "CAP_X" forms, print the known name. */
    _cleanup_free_ char *up =
        strncasecmp(names[i], "cap_", 4) == 0 ? xstrdup(names[i]) : xasprintf("CAP_%s", names[i]);
    for (char *c = up; *c; c++) *c = (char)toupper((unsigned char)*c);
    const char *all[64];
    size_t na = 0;
    for (int c = 0; c <= caps_last() && na < ARRAY_SIZE(all); c++)
      if (caps_to_name(c)) all[na++] = caps_to_name(c);
    const char *s = js_suggest(up, all, na);
    if (s)
      js_error(t->e, n->items[i], p, "unknown capability '%s' (did you mean '%s'?)", names[i], s);
    else
      js_error(t->e, n->items[i], p, "unknown capability '%s'", names[i]);
  }
}

/* ---- the top level ------------------------------------------------------------------------ */

void js_translate(const js_node *root, const js_context *ctx, sbx_spec *spec, js_errors *e) {
  tr t = {.e = e, .ctx = ctx, .spec = spec};
  static const char *const top[] = {
      "extends",       "description",  "process",    "filesystem", "limits",
      "network",       "hostname",     "namespaces", "id_mapping", "cgroup",
      "cgroup_parent", "capabilities", "seccomp",
  };
  if (!js_check_keys(e, root, "", top, ARRAY_SIZE(top))) return;
  /* The job is root of its user namespace by default (mapped to an unprivileged host id): the
   * one id an unprivileged caller can map, and the one runc insists on finding mapped. */
  spec->process.uid = 0;
  spec->process.gid = 0;
  const js_node *n;
  if ((n = js_map_get(root, "description"))) {
    const char *s;
    js_get_string(e, n, "description", &s);
  }
  if ((n = js_map_get(root, "namespaces"))) tr_namespaces(&t, n);
  if ((n = js_map_get(root, "process"))) tr_process(&t, n);
  bool mount_ns = spec->namespaces & SBX_NS_MOUNT;
  if ((n = js_map_get(root, "filesystem")))
    tr_filesystem(&t, n, mount_ns);
  else if (mount_ns)
    default_filesystem(&t);
  if ((n = js_map_get(root, "limits"))) tr_limits(&t, n);

  /* network, and its contradictions with the net namespace */
  const js_node *net_n = js_map_get(root, "network");
  const js_node *ns_net = ns_node(&t, SBX_NS_NET);
  int net = SBX_NET_NONE;
  if (net_n &&
      !js_get_enum(e, net_n, "network", (const char *const[]){"none", "loopback", "host"}, 3, &net))
    net = SBX_NET_NONE;
  spec->network = (sbx_network)net;
  if (net == SBX_NET_HOST) {
    if (ns_net && (spec->namespaces & SBX_NS_NET))
      js_error(e, ns_net, "namespaces.net",
               "network: host shares the host's network, which "
               "contradicts a net namespace of its own");
    spec->namespaces &= ~(unsigned)SBX_NS_NET;
  } else if (!(spec->namespaces & SBX_NS_NET)) {
    js_error(e, ns_net, "namespaces.net",
             "network: %s%s needs the net namespace; use "
             "network: host to share the host's network",
             net == SBX_NET_NONE ? "none" : "loopback", net_n ? "" : " (the default)");
  }

  if ((n = js_map_get(root, "hostname"))) {
    const char *s;
    if (js_get_string(e, n, "hostname", &s)) {
      if (!hostname_ok(s))
        js_error(e, n, "hostname",
                 "'%s' is not a host name (letters, digits, '-' and '.', at "
                 "most 64)",
                 s);
      else if (!(spec->namespaces & SBX_NS_UTS))
        js_error(e, n, "hostname",
                 "setting the host name needs the uts namespace, which "
                 "namespaces.uts turns off");
      else
        spec->hostname = xstrdup(s);
    }
  }

  const js_node *idm = js_map_get(root, "id_mapping");
  if (spec->namespaces & SBX_NS_USER)
    js_translate_id_mapping(e, idm, ctx, spec);
  else if (idm)
    js_error(e, js_map_get(root, "id_mapping"), "id_mapping",
             "needs the user namespace, which "
             "namespaces.user turns off");

  if ((n = js_map_get(root, "cgroup"))) {
    int mode;
    if (js_get_enum(e, n, "cgroup", (const char *const[]){"auto", "required", "optional", "off"}, 4,
                    &mode)) {
      spec->cgroup_mode = (sbx_cgroup_mode)mode;
      const sbx_limits *l = &spec->limits;
      if (mode == SBX_CGROUP_OFF) {
        const char *need = l->memory != SBX_UNSET         ? "limits.memory"
                           : l->pids != SBX_UNSET         ? "limits.pids"
                           : l->cpu_quota_us != SBX_UNSET ? "limits.cpus"
                                                          : NULL;
        if (need) js_error(e, n, "cgroup", "off, but %s needs a cgroup to be enforced", need);
      }
    }
  }
  if ((n = js_map_get(root, "cgroup_parent"))) {
    const char *s;
    if (js_get_string(e, n, "cgroup_parent", &s)) {
      if (!cgroup_path_ok(s))
        js_error(e, n, "cgroup_parent",
                 "'%s' is not a relative cgroup path: expected names joined by single '/', "
                 "without '.', '..' or a leading or trailing '/'",
                 s);
      else
        spec->cgroup_parent = xstrdup(s);
    }
  }
  if ((n = js_map_get(root, "capabilities"))) tr_capabilities(&t, n);
  if ((n = js_map_get(root, "seccomp"))) js_translate_seccomp(e, n, spec);
}
