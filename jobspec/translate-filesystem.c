/* translate-filesystem.c: the `filesystem` section: the root, binds, tmpfs mounts, /proc and
 * /dev, masked and read-only paths and the workdir; and the order of the mounts (parents
 * first). docs/profile.md documents every key. The shape of paths inside the sandbox is the
 * checker's rule (spec_check); what is left here is what only a profile can get wrong. */
#include "translate.h"

#include "parse.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

/* A bind of the profile: where it was written, and its target in canonical form (parse.h), for
 * the optional/required check. */
typedef struct bind_seen {
  const js_node *at;
  char *path;
  char *target;
  bool optional;
  size_t order;
} bind_seen;

typedef struct fs_tr {
  js_tr *t;
  bind_seen *binds;
  size_t n_binds;
} fs_tr;

/* Adds a mount, and notes where the profile wrote it (at may be NULL: a default mount). */
static sbx_mount *add_mount(js_tr *t, sbx_mount_type type, const char *source, const char *target,
                            unsigned flags, const js_node *at, const char *path) {
  sbx_mount *m = spec_add_mount(t->spec, type, source, target, flags);
  js_mount_at *o = js_origins_mount(t->at, t->spec->n_mounts - 1);
  if (at) js_at_set(t->at, &o->mount, at, path, NULL);
  return m;
}

static js_mount_at *last_mount_at(js_tr *t) { return &t->at->mounts[t->spec->n_mounts - 1]; }

static void note_bind(fs_tr *f, const js_node *at, const char *path, const char *target,
                      unsigned flags) {
  f->binds = xrealloc_grow(f->binds, (f->n_binds + 1) * sizeof *f->binds);
  f->binds[f->n_binds] = (bind_seen){at, xstrdup(path), path_canonical(target),
                                     (flags & SBX_MNT_OPTIONAL) != 0, f->n_binds};
  f->n_binds++;
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
static void check_bind_targets(fs_tr *f) {
  if (f->n_binds > 1) qsort(f->binds, f->n_binds, sizeof *f->binds, compare_binds);
  for (size_t i = 0; i < f->n_binds;) {
    size_t j = i, required = SIZE_MAX;
    while (j < f->n_binds && strcmp(f->binds[j].target, f->binds[i].target) == 0) {
      if (!f->binds[j].optional && required == SIZE_MAX) required = j;
      j++;
    }
    for (size_t k = i; k < j && required != SIZE_MAX; k++)
      if (f->binds[k].optional)
        js_error(f->t->e, f->binds[k].at, f->binds[k].path,
                 "an optional bind on '%s', where %s binds a required one: config.json cannot "
                 "tell them apart; make both optional or both required",
                 f->binds[k].target, f->binds[required].path);
    i = j;
  }
  for (size_t i = 0; i < f->n_binds; i++) {
    free(f->binds[i].path);
    free(f->binds[i].target);
  }
  free(f->binds);
}

/* "SRC[:DST[:ro|rw]]" */
static void bind_from_string(fs_tr *f, const js_node *n, const char *path) {
  js_tr *t = f->t;
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
  add_mount(t, SBX_MOUNT_BIND, src, dst, flags, n, path);
  /* Both are this one value: a problem with either is put as a problem with the bind. */
  js_mount_at *o = last_mount_at(t);
  js_at_set(t->at, &o->source, n, path, xasprintf("bad bind '%s': the source ", s));
  js_at_copy(&o->target, &o->source);
  free(o->target.prefix);
  o->target.prefix = xasprintf("bad bind '%s': the target ", s);
  note_bind(f, n, path, dst, flags);
}

/* Reads ro|rw into the SBX_MNT_RO bit. */
static void get_ro_rw(js_tr *t, const js_node *map, const char *path, unsigned *flags) {
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

static void get_flag(js_tr *t, const js_node *map, const char *path, const char *key, unsigned bit,
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

static void tr_bind(fs_tr *f, const js_node *n, const char *path) {
  js_tr *t = f->t;
  if (n->kind == JS_SCALAR) {
    bind_from_string(f, n, path);
    return;
  }
  if (!js_check_keys(t->e, n, path,
                     JS_KEYS("source", "target", "mode", "optional", "noexec", "nosuid", "nodev")))
    return;
  const js_node *src_n = js_map_get(n, "source"), *dst_n = js_map_get(n, "target");
  const char *src = NULL, *dst = NULL;
  _cleanup_free_ char *sp = js_path(path, "source");
  _cleanup_free_ char *tp = js_path(path, "target");
  if (!src_n) js_error(t->e, n, path, "a bind needs a source");
  bool ok = src_n && js_get_string(t->e, src_n, sp, &src);
  if (dst_n && !js_get_string(t->e, dst_n, tp, &dst)) ok = false;
  unsigned flags = SBX_MNT_RECURSIVE | SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_RO;
  get_ro_rw(t, n, path, &flags);
  get_flag(t, n, path, "optional", SBX_MNT_OPTIONAL, &flags);
  get_flag(t, n, path, "noexec", SBX_MNT_NOEXEC, &flags);
  get_flag(t, n, path, "nosuid", SBX_MNT_NOSUID, &flags);
  get_flag(t, n, path, "nodev", SBX_MNT_NODEV, &flags);
  if (!ok) return;
  add_mount(t, SBX_MOUNT_BIND, src, dst ? dst : src, flags, n, path);
  js_mount_at *o = last_mount_at(t);
  js_at_set(t->at, &o->source, src_n, sp, NULL);
  if (dst_n)
    js_at_set(t->at, &o->target, dst_n, tp, NULL);
  else
    js_at_copy(&o->target, &o->source); /* the target is the source */
  if (!dst_n) o->target.prefix = xstrdup("as the target: ");
  note_bind(f, n, path, dst ? dst : src, flags);
}

/* A tmpfs target; not /dev, which config.json can only hold as the minimal /dev. */
static bool get_tmpfs_target(js_tr *t, const js_node *n, const char *path, const char **out) {
  if (!js_get_string(t->e, n, path, out)) return false;
  _cleanup_free_ char *c = path_canonical(*out);
  if (strcmp(c, "/dev") == 0) {
    js_error(t->e, n, path,
             "a tmpfs on /dev is not possible (config.json would read it back as the minimal "
             "/dev): use filesystem.dev: true for the minimal /dev");
    return false;
  }
  return true;
}

static void tr_tmpfs(js_tr *t, const js_node *n, const char *path) {
  const char *target;
  unsigned flags = SBX_MNT_NOSUID | SBX_MNT_NODEV;
  if (n->kind == JS_SCALAR) {
    if (!get_tmpfs_target(t, n, path, &target)) return;
    sbx_mount *m = add_mount(t, SBX_MOUNT_TMPFS, NULL, target, flags, n, path);
    m->mode = strcmp(target, "/tmp") == 0 ? 01777 : 0755;
    return;
  }
  if (!js_check_keys(t->e, n, path, JS_KEYS("target", "size", "mode", "noexec"))) return;
  const js_node *v, *tn = js_map_get(n, "target");
  _cleanup_free_ char *tp = js_path(path, "target");
  _cleanup_free_ char *sp = js_path(path, "size");
  _cleanup_free_ char *mp = js_path(path, "mode");
  if (!tn) js_error(t->e, n, path, "a tmpfs needs a target");
  bool ok = tn && get_tmpfs_target(t, tn, tp, &target);
  uint64_t size = SBX_UNSET;
  uint32_t mode = ok && strcmp(target, "/tmp") == 0 ? 01777 : 0755;
  if ((v = js_map_get(n, "size")) && js_get_size(t->e, v, sp, true, &size) && size == 0)
    js_error(t->e, v, sp, "a tmpfs of size 0 holds nothing");
  if ((v = js_map_get(n, "mode"))) js_get_mode(t->e, v, mp, &mode);
  get_flag(t, n, path, "noexec", SBX_MNT_NOEXEC, &flags);
  if (!ok) return;
  sbx_mount *m = add_mount(t, SBX_MOUNT_TMPFS, NULL, target, flags, n, path);
  m->size = size;
  m->mode = mode;
  js_at_set(t->at, &last_mount_at(t)->target, tn, tp, NULL);
}

/* `p` as the kernel resolves it when it can (a symlinked $HOME), else in canonical form. */
static char *resolved(const char *p) {
  char buf[PATH_MAX];
  return realpath(p, buf) ? xstrdup(buf) : path_canonical(p);
}

/* Whether the directory `dir` is `p` or one of its ancestors (both canonical). */
static bool holds(const char *dir, const char *p) {
  size_t n = strlen(dir);
  if (strcmp(dir, "/") == 0) return true;
  return strncmp(dir, p, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* What a read-write workdir at `src` would hand the job beyond a project: the whole of /etc,
 * /usr or the caller's home (its dotfiles, keys and shell start-up files). NULL when nothing;
 * else an allocated phrase for the message: "holds /etc, /usr and the home /root", "is /etc". */
static char *workdir_holds_too_much(const char *src, const char *home) {
  _cleanup_free_ char *dir = resolved(src);
  _cleanup_free_ char *written = path_canonical(src);
  const char *what[3] = {"/etc", "/usr", home && home[0] == '/' ? home : NULL};
  char *list = NULL;
  size_t found = 0;
  bool is = true; /* every one found is the directory itself */
  for (size_t i = 0; i < ARRAY_SIZE(what); i++) {
    if (!what[i]) continue;
    _cleanup_free_ char *w = resolved(what[i]);
    _cleanup_free_ char *wc = path_canonical(what[i]);
    if (!holds(dir, w) && !holds(written, wc)) continue;
    if (strcmp(dir, w) != 0 && strcmp(written, wc) != 0) is = false;
    char *item = i == 2 ? xasprintf("the home %s", what[i]) : xstrdup(what[i]);
    char *next = !list ? xstrdup(item) : xasprintf("%s, %s", list, item);
    free(item);
    free(list);
    list = next;
    found++;
  }
  if (!list) return NULL;
  if (found > 1) { /* "a, b, c" -> "a, b and c" */
    char *comma = strrchr(list, ',');
    char *next = xasprintf("%.*s and%s", (int)(comma - list), list, comma + 1);
    free(list);
    list = next;
  }
  char *phrase = xasprintf("%s %s", is ? "is" : "holds", list);
  free(list);
  return phrase;
}

/* The top of the version-controlled project that holds `dir`: the nearest of `dir` and its
 * ancestors with a .git (a directory, or the file of a worktree or submodule), .hg, .svn, .bzr,
 * .jj, _darcs or .pijul; never / nor the home or above it (a home kept in git must not become
 * the workdir). `dir` itself when none. */
static char *project_top(const char *dir, const char *home) {
  static const char *const markers[] = {".git", ".hg", ".svn", ".bzr", ".jj", "_darcs", ".pijul"};
  _cleanup_free_ char *h = home && home[0] == '/' ? resolved(home) : NULL;
  _cleanup_free_ char *d = resolved(dir);
  for (;;) {
    if (strcmp(d, "/") == 0 || (h && holds(d, h))) break;
    for (size_t i = 0; i < ARRAY_SIZE(markers); i++) {
      _cleanup_free_ char *m = xasprintf("%s/%s", d, markers[i]);
      struct stat st;
      if (lstat(m, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) return xstrdup(d);
    }
    char *slash = strrchr(d, '/');
    if (slash == d) break;
    *slash = '\0';
  }
  return xstrdup(dir);
}

static void tr_workdir(fs_tr *f, const js_node *n) {
  js_tr *t = f->t;
  if (!js_check_keys(t->e, n, "filesystem.workdir", JS_KEYS("source", "target", "mode", "project")))
    return;
  const js_node *src_n = js_map_get(n, "source"), *dst_n = js_map_get(n, "target"),
                *proj_n = js_map_get(n, "project");
  const char *src = t->ctx->pwd, *dst = "same";
  bool ok = true, project = false;
  if (src_n && !js_get_string(t->e, src_n, "filesystem.workdir.source", &src)) ok = false;
  if (dst_n && !js_get_string(t->e, dst_n, "filesystem.workdir.target", &dst)) ok = false;
  if (proj_n && !js_get_bool(t->e, proj_n, "filesystem.workdir.project", &project)) ok = false;
  unsigned flags = SBX_MNT_RECURSIVE | SBX_MNT_NOSUID | SBX_MNT_NODEV;
  get_ro_rw(t, n, "filesystem.workdir", &flags);
  if (!ok) return;
  /* `project`: the whole project the directory is in is bound, and the job starts in the
   * directory, so that a build directory's `../src`, a subdirectory's `../include` and a
   * recursive make's `../lib` resolve inside as outside. */
  _cleanup_free_ char *top = project && src[0] == '/' ? project_top(src, t->ctx->home) : NULL;
  _cleanup_free_ char *start_in = NULL; /* the job's cwd below the target, when widened */
  if (top && strcmp(top, src) != 0 && holds(top, src)) {
    start_in = xstrdup(src + strlen(top));
    src = top;
  }
  /* `same`: the directory is where it is on the host, so that absolute paths, `../` paths,
   * depfiles and debug information mean inside what they mean outside. */
  bool same = strcmp(dst, "same") == 0;
  if (same) dst = src;
  /* The caller's directory by default: running from / or $HOME by mistake must not hand the
   * job the whole system or the caller's dotfiles to write. Writing `source` asks for it. */
  _cleanup_free_ char *too_much =
      !src_n && !(flags & SBX_MNT_RO) ? workdir_holds_too_much(src, t->ctx->home) : NULL;
  if (too_much) {
    js_error(t->e, n, "filesystem.workdir",
             "refusing to mount the working directory %s read-write: it %s. Run from a "
             "project's directory, or ask for exactly this with --set "
             "filesystem.workdir.source=%s (or read-only with --set filesystem.workdir.mode=ro)",
             src, too_much, src);
    return;
  }
  sbx_mount *m = add_mount(t, SBX_MOUNT_BIND, src, dst, flags, n, "filesystem.workdir");
  js_mount_at *o = last_mount_at(t);
  if (src_n) js_at_set(t->at, &o->source, src_n, "filesystem.workdir.source", NULL);
  if (dst_n && !same) {
    js_at_set(t->at, &o->target, dst_n, "filesystem.workdir.target", NULL);
  } else if (src_n) {
    js_at_copy(&o->target, &o->source); /* the target is the source */
    free(o->target.prefix);
    o->target.prefix = xstrdup("as the target (target: same): ");
  }
  note_bind(f, n, "filesystem.workdir", dst, flags);
  if (t->cwd_set) return;
  /* The job starts in the workdir: a problem with it is the target's. */
  free(t->spec->process.cwd);
  t->spec->process.cwd =
      start_in ? xasprintf("%s%s", strcmp(m->target, "/") == 0 ? "" : m->target, start_in)
               : xstrdup(m->target);
  js_at_copy(&t->at->fields[JS_AT_CWD], dst_n || src_n ? &o->target : &o->mount);
}

static void tr_path_list(js_tr *t, const js_node *n, const char *path, char ***v, size_t *nv,
                         js_at **at, size_t *n_at) {
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
    if (!js_get_string(t->e, n->items[i], p, &s) || !js_strset_add(&seen, s)) continue;
    strv_push(v, nv, s);
    js_at_set(t->at, js_origins_list(at, n_at, *nv - 1), n->items[i], p, NULL);
  }
}

/* Parents before children, by the spec's one mount order (spec_sort_mounts); the places of the
 * mounts move with them. */
static void sort_mounts(js_tr *t) {
  sbx_spec *s = t->spec;
  if (s->n_mounts < 2) return;
  size_t *order = xcalloc(s->n_mounts, sizeof *order);
  spec_sort_mounts(s, order);
  js_mount_at *places = xcalloc(s->n_mounts, sizeof *places);
  for (size_t i = 0; i < s->n_mounts; i++) places[i] = t->at->mounts[order[i]];
  free(t->at->mounts);
  t->at->mounts = places;
  free(order);
}

static void add_proc_dev(js_tr *t, bool proc, bool dev) {
  if (proc)
    add_mount(t, SBX_MOUNT_PROC, NULL, "/proc", SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC,
              NULL, NULL);
  if (dev) add_mount(t, SBX_MOUNT_DEV, NULL, "/dev", SBX_MNT_NOSUID | SBX_MNT_NOEXEC, NULL, NULL);
}

/* Without a mount namespace nothing can be mounted: every explicit setting is an error. */
static void refuse_without_mount_ns(js_tr *t, const js_node *fs) {
  for (size_t i = 0; i < fs->n; i++) {
    const char *k = fs->keys[i]->str;
    _cleanup_free_ char *p = js_path("filesystem", k);
    bool on = true;
    if (strcmp(k, "proc") == 0 || strcmp(k, "dev") == 0) {
      if (!js_get_bool(t->e, fs->items[i], p, &on)) continue;
      if (!on) continue;
    }
    js_error(t->e, fs->keys[i], p, "needs the mount namespace, which namespaces.mount turns off");
  }
}

static void tr_root(js_tr *t, const js_node *n) {
  sbx_spec *s = t->spec;
  js_errors *e = t->e;
  if (n->kind == JS_SCALAR) {
    if (!n->bad && !*n->str) {
      js_error(e, n, "filesystem.root", "expected tmpfs or a directory, not an empty string");
    } else if (!n->bad && strcmp(n->str, "tmpfs") != 0) {
      s->root.path = xstrdup(n->str);
      s->root.readonly = true;
    }
    return;
  }
  if (!js_check_keys(e, n, "filesystem.root", JS_KEYS("path", "readonly"))) return;
  const js_node *v = js_map_get(n, "path");
  const char *path;
  bool ro = true;
  if (!v)
    js_error(e, n, "filesystem.root", "needs a path (or write root: tmpfs)");
  else if (!js_get_string(e, v, "filesystem.root.path", &path))
    ;
  else if (!*path)
    js_error(e, v, "filesystem.root.path", "expected tmpfs or a directory, not an empty string");
  else if (strcmp(path, "tmpfs") != 0)
    s->root.path = xstrdup(path);
  if ((v = js_map_get(n, "readonly")) && js_get_bool(e, v, "filesystem.root.readonly", &ro))
    s->root.readonly = s->root.path ? ro : true;
  else
    s->root.readonly = true;
}

/* generated | none: a fresh root's /etc (sandbox/etc.c). A root directory has its own. */
static void tr_etc(js_tr *t, const js_node *n) {
  int mode;
  if (!js_get_enum(t->e, n, "filesystem.etc", (const char *const[]){"generated", "none"}, 2, &mode))
    return;
  if (mode == 0 && t->spec->root.path) {
    js_error(t->e, n, "filesystem.etc",
             "generated needs a fresh root (root: tmpfs); the root directory '%s' keeps its own "
             "/etc",
             t->spec->root.path);
    return;
  }
  t->spec->root.etc = mode == 0 ? SBX_ETC_GENERATED : SBX_ETC_NONE;
}

void js_tr_filesystem(js_tr *t, const js_node *fsn) {
  sbx_spec *s = t->spec;
  js_errors *e = t->e;
  bool mount_ns = s->namespaces & SBX_NS_MOUNT;
  if (!fsn) {
    /* The default /proc and /dev. */
    if (mount_ns) add_proc_dev(t, true, true);
    return;
  }
  if (!js_check_keys(
          e, fsn, "filesystem",
          JS_KEYS("root", "binds", "tmpfs", "proc", "dev", "masked", "readonly", "workdir", "etc")))
    return;
  if (!mount_ns) {
    refuse_without_mount_ns(t, fsn);
    return;
  }
  fs_tr f = {.t = t};
  const js_node *n;
  if ((n = js_map_get(fsn, "root"))) tr_root(t, n);
  /* A fresh root holds only mount points and links, and the engine always makes it read-only;
   * say so in the spec too, so that runc does the same with the bundle's directory. */
  if (!s->root.path) s->root.readonly = true;
  if ((n = js_map_get(fsn, "etc"))) tr_etc(t, n);
  if ((n = js_map_get(fsn, "binds")) && n->kind != JS_SEQ) {
    js_error(e, n, "filesystem.binds", "expected a list of binds, not %s", js_kind_name(n));
  } else if (n) {
    for (size_t i = 0; i < n->n; i++) {
      _cleanup_free_ char *p = xasprintf("filesystem.binds[%zu]", i);
      tr_bind(&f, n->items[i], p);
    }
  }
  bool proc = true, dev = true;
  if ((n = js_map_get(fsn, "proc"))) js_get_bool(e, n, "filesystem.proc", &proc);
  if ((n = js_map_get(fsn, "dev"))) js_get_bool(e, n, "filesystem.dev", &dev);
  add_proc_dev(t, proc, dev);
  if ((n = js_map_get(fsn, "tmpfs")) && n->kind != JS_SEQ) {
    js_error(e, n, "filesystem.tmpfs", "expected a list of tmpfs mounts, not %s", js_kind_name(n));
  } else if (n) {
    for (size_t i = 0; i < n->n; i++) {
      _cleanup_free_ char *p = xasprintf("filesystem.tmpfs[%zu]", i);
      tr_tmpfs(t, n->items[i], p);
    }
  }
  if ((n = js_map_get(fsn, "workdir"))) tr_workdir(&f, n);
  if ((n = js_map_get(fsn, "masked")))
    tr_path_list(t, n, "filesystem.masked", &s->masked_paths, &s->n_masked_paths, &t->at->masked,
                 &t->at->n_masked);
  if ((n = js_map_get(fsn, "readonly")))
    tr_path_list(t, n, "filesystem.readonly", &s->readonly_paths, &s->n_readonly_paths,
                 &t->at->readonly, &t->at->n_readonly);
  check_bind_targets(&f);
  sort_mounts(t);
}
