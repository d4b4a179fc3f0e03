/* load.c: the public loaders: read a profile, find and resolve `extends` (merging each profile
 * over its parent, merge.c), apply --set overrides, expand variables (vars.c) and translate
 * into a spec (translate.c). */
#include "jobspec.h"

#include "util.h"

#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>

#ifndef SBX_DATADIR
#define SBX_DATADIR "/usr/local/share/sandbox"
#endif

typedef struct loader {
  const sbx_load_options *opts;
  js_files files;
  js_errors errs;
  const char *pwd;
  char **search; /* directories searched for profile names */
  size_t n_search;
} loader;

/* ---- finding profiles --------------------------------------------------------------------- */

static bool is_path(const char *s) {
  size_t n = strlen(s);
  return strchr(s, '/') || (n > 5 && strcmp(s + n - 5, ".yaml") == 0) ||
         (n > 4 && strcmp(s + n - 4, ".yml") == 0);
}

static void search_path_init(loader *L) {
  const sbx_load_options *o = L->opts;
  if (o && o->n_search_path) {
    for (size_t i = 0; i < o->n_search_path; i++)
      if (o->search_path[i] && *o->search_path[i])
        strv_push(&L->search, &L->n_search, o->search_path[i]);
    return;
  }
  const char *env = getenv("SANDBOX_PROFILE_PATH");
  if (env && *env) {
    _cleanup_free_ char *copy = xstrdup(env);
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
      strv_push(&L->search, &L->n_search, d);
    return;
  }
  strv_push(&L->search, &L->n_search, SBX_DATADIR "/profiles");
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "compile, default, judge" from the search directories, for a helpful "not found". */
static char *known_profiles(const loader *L) {
  char **names = NULL;
  size_t n = 0;
  for (size_t i = 0; i < L->n_search; i++) {
    DIR *d = opendir(L->search[i]);
    if (!d) continue;
    struct dirent *e;
    while ((e = readdir(d))) {
      size_t len = strlen(e->d_name);
      if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".yaml") != 0) continue;
      _cleanup_free_ char *name = xstrndup(e->d_name, len - 5);
      if (!strv_contains(names, name)) strv_push(&names, &n, name);
    }
    closedir(d);
  }
  if (!n) return NULL;
  qsort(names, n, sizeof *names, compare_names);
  size_t total = 1;
  for (size_t i = 0; i < n; i++) total += strlen(names[i]) + 2;
  char *out = xcalloc(1, total);
  for (size_t i = 0; i < n; i++) {
    if (i) strcat(out, ", ");
    strcat(out, names[i]);
  }
  strv_free(names);
  return out;
}

/* Finds the file of a profile name; NULL with a message in *why. */
static char *find_profile(const loader *L, const char *name, char **why) {
  if (!*name || name[0] == '.' || strchr(name, '/')) {
    *why = xasprintf("'%s' is not a profile name", name);
    return NULL;
  }
  for (size_t i = 0; i < L->n_search; i++) {
    static const char *const exts[] = {".yaml", ".yml"};
    for (size_t j = 0; j < ARRAY_SIZE(exts); j++) {
      char *p = xasprintf("%s/%s%s", L->search[i], name, exts[j]);
      if (access(p, F_OK) == 0) return p;
      free(p);
    }
  }
  _cleanup_free_ char *dirs = NULL;
  for (size_t i = 0; i < L->n_search; i++) {
    char *d = xasprintf("%s%s%s", dirs ? dirs : "", dirs ? ":" : "", L->search[i]);
    free(dirs);
    dirs = d;
  }
  _cleanup_free_ char *known = known_profiles(L);
  if (known)
    *why =
        xasprintf("no profile '%s' in %s (there are: %s)", name, dirs ? dirs : "(nowhere)", known);
  else
    *why = xasprintf("no profile '%s' in %s", name, dirs ? dirs : "(nowhere)");
  return NULL;
}

/* The directory of a file path, for relative `extends` paths. */
static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return xstrdup(".");
  if (slash == path) return xstrdup("/");
  return xstrndup(path, (size_t)(slash - path));
}

/* Checks that a parsed profile's top level is a map. */
static bool check_top(loader *L, const js_node *root) {
  if (root->kind == JS_MAP) return true;
  if (root->kind == JS_NULL)
    js_error(&L->errs, root, NULL,
             "the profile is empty: expected a map of settings such as 'process:' or 'limits:'");
  else
    js_error(&L->errs, root, NULL,
             "the top level of a profile must be a map of settings such as 'process:', not %s",
             js_kind_name(root));
  return false;
}

static void add_sbx_error(loader *L, sbx_error *e) {
  for (; e; e = e->next) {
    if (js_errors_full(&L->errs)) break;
    sbx_error_append(&L->errs.head, e->code, "%s", e->message);
    L->errs.n++;
  }
}

/* Resolves the `extends` of `tree` (a map) recursively and returns the merged tree, which has
 * no `extends` and no `+` keys. `dir` is where relative paths start; `chain` holds the real
 * paths of the profiles being loaded (for cycles). Consumes tree. */
static js_node *resolve(loader *L, js_node *tree, const char *dir, char ***chain, size_t *n_chain,
                        unsigned hops) {
  js_node *base = js_node_new(JS_MAP, tree->file, tree->line, tree->col);
  ssize_t at = js_map_index(tree, "extends");
  if (at >= 0) {
    js_node *ext = tree->items[at];
    js_node *parent = NULL;
    if (ext->kind != JS_SCALAR) {
      js_error(&L->errs, ext, "extends", "expected a profile name or path, not %s",
               js_kind_name(ext));
    } else if (hops >= JS_MAX_EXTENDS) {
      js_error(&L->errs, ext, "extends", "more than %u levels of extends", JS_MAX_EXTENDS);
    } else {
      _cleanup_free_ char *path = NULL;
      _cleanup_free_ char *why = NULL;
      if (is_path(ext->str))
        path = ext->str[0] == '/' ? xstrdup(ext->str) : xasprintf("%s/%s", dir, ext->str);
      else
        path = find_profile(L, ext->str, &why);
      char real[PATH_MAX];
      if (!path) {
        js_error(&L->errs, ext, "extends", "%s", why);
      } else if (!realpath(path, real)) {
        js_error(&L->errs, ext, "extends", "cannot open '%s': %s", path, strerror(errno));
      } else if (strv_contains(*chain, real)) {
        _cleanup_free_ char *cycle = xstrdup("");
        for (size_t i = 0; i < *n_chain; i++) {
          char *c = xasprintf("%s%s -> ", cycle, (*chain)[i]);
          free(cycle);
          cycle = c;
        }
        js_error(&L->errs, ext, "extends", "profiles extend each other in a cycle: %s%s", cycle,
                 real);
      } else {
        sbx_error *perr = NULL;
        js_node *ptree = js_parse_file(&L->files, path, &perr);
        if (!ptree) {
          add_sbx_error(L, perr);
          sbx_error_free(perr);
        } else if (!check_top(L, ptree)) {
          js_node_free(ptree);
        } else {
          strv_push(chain, n_chain, real);
          _cleanup_free_ char *pdir = dir_of(path);
          parent = resolve(L, ptree, pdir, chain, n_chain, hops + 1);
          free((*chain)[--*n_chain]);
          (*chain)[*n_chain] = NULL;
        }
      }
    }
    js_map_remove(tree, (size_t)at);
    if (parent) {
      js_node_free(base);
      base = parent;
    }
  }
  js_pathbuf path = {0};
  js_merge(base, tree, &path, &L->errs);
  free(path.s);
  return base;
}

/* ---- --set -------------------------------------------------------------------------------- */

static void unlocate(js_node *n) {
  n->line = n->col = 0;
  for (size_t i = 0; i < n->n; i++) {
    unlocate(n->items[i]);
    if (n->kind == JS_MAP) unlocate(n->keys[i]);
  }
}

/* How much of a --set argument its errors echo. */
#define SET_ECHO_MAX 80

static void apply_set(loader *L, js_node *root, const char *arg) {
  /* Errors name the argument, cut short when it is long (without splitting a UTF-8 sequence). */
  size_t alen = strlen(arg), echo = alen;
  if (alen > SET_ECHO_MAX) {
    echo = SET_ECHO_MAX;
    while (echo > 0 && ((unsigned char)arg[echo] & 0xC0) == 0x80) echo--;
  }
  _cleanup_free_ char *label_s =
      xasprintf("--set '%.*s%s'", (int)echo, arg, echo < alen ? "..." : "");
  const char *label = js_files_add(&L->files, label_s);
  js_node where = {.file = label};
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg) {
    js_error(&L->errs, &where, NULL, "expected key.path=value, as in limits.memory=512M");
    return;
  }
  _cleanup_free_ char *path = xstrndup(arg, (size_t)(eq - arg));
  bool append = false;
  size_t plen = strlen(path);
  if (path[plen - 1] == '+') {
    append = true;
    path[--plen] = '\0';
  }
  /* A key path has at most JS_MAX_DEPTH - 1 parts, so that with its value the tree is no deeper
   * than a file may nest (every walk of the tree is recursive). */
  size_t n_dots = 0;
  for (const char *c = path; *c; c++) n_dots += *c == '.';
  if (n_dots + 1 > JS_MAX_DEPTH - 1) {
    js_error(&L->errs, &where, NULL, "the key path has %zu parts: the most is %u", n_dots + 1,
             JS_MAX_DEPTH - 1);
    return;
  }
  char **parts = NULL;
  size_t n_parts = 0;
  {
    const char *p = path;
    for (;;) {
      const char *dot = strchr(p, '.');
      size_t len = dot ? (size_t)(dot - p) : strlen(p);
      if (len == 0) {
        strv_free(parts);
        js_error(&L->errs, &where, NULL, "'%s' is not a key path such as limits.memory", path);
        return;
      }
      _cleanup_free_ char *part = xstrndup(p, len);
      strv_push(&parts, &n_parts, part);
      if (!dot) break;
      p = dot + 1;
    }
  }
  _cleanup_strv_ char **parts_owned = parts;
  if (strcmp(parts[0], "extends") == 0) {
    js_error(&L->errs, &where, NULL, "extends cannot be overridden: it is resolved before --set");
    return;
  }
  sbx_error *perr = NULL;
  const char *value = eq + 1;
  js_node *v = js_parse(label, value, strlen(value), &perr);
  if (!v) {
    /* "--set 'k=v':1:3: msg" -> "--set 'k=v': msg": the argument is one line. */
    const char *msg = perr->message;
    size_t ll = strlen(label);
    if (strncmp(msg, label, ll) == 0 && msg[ll] == ':') {
      const char *rest = strchr(msg + ll + 1, ' ');
      if (rest) msg = rest + 1;
    }
    js_error(&L->errs, &where, NULL, "%s", msg);
    sbx_error_free(perr);
    return;
  }
  unlocate(v);
  if (v->kind == JS_NULL && !*value) {
    /* "key=" is an empty string, not null; "key=~" or "key=null" removes the key. */
    v->kind = JS_SCALAR;
    v->str = xstrdup("");
    v->plain = false;
  }
  if (append && v->kind == JS_SCALAR) {
    /* "seccomp.deny+=ptrace" appends one item */
    js_node *seq = js_node_new(JS_SEQ, label, 0, 0);
    js_seq_push(seq, v);
    v = seq;
  }
  /* The root is level 1 and the value goes n_parts levels below it: the merged tree must not
   * nest deeper than a file may. */
  if (n_parts + js_depth(v) > JS_MAX_DEPTH) {
    js_error(&L->errs, &where, NULL,
             "the value would be nested %zu levels deep, deeper than the %u allowed",
             n_parts + js_depth(v), JS_MAX_DEPTH);
    js_node_free(v);
    return;
  }
  js_node *cur = root;
  for (size_t i = 0; i + 1 < n_parts; i++) {
    ssize_t at = js_map_index(cur, parts[i]);
    if (at < 0) {
      js_node *k = js_node_new(JS_SCALAR, label, 0, 0);
      k->str = xstrdup(parts[i]);
      js_map_push(cur, k, js_node_new(JS_MAP, label, 0, 0));
      at = (ssize_t)cur->n - 1;
    } else if (cur->items[at]->kind == JS_NULL) {
      js_node_free(cur->items[at]);
      cur->items[at] = js_node_new(JS_MAP, label, 0, 0);
    } else if (cur->items[at]->kind != JS_MAP) {
      _cleanup_free_ char *sub = xstrdup(parts[0]);
      for (size_t j = 1; j <= i; j++) {
        char *s2 = xasprintf("%s.%s", sub, parts[j]);
        free(sub);
        sub = s2;
      }
      js_error(&L->errs, &where, sub, "is %s, so it has no key '%s'", js_kind_name(cur->items[at]),
               parts[i + 1]);
      js_node_free(v);
      return;
    }
    cur = cur->items[at];
  }
  js_node *one = js_node_new(JS_MAP, label, 0, 0);
  js_node *k = js_node_new(JS_SCALAR, label, 0, 0);
  k->str = xstrdup(parts[n_parts - 1]);
  k->append = append;
  js_map_push(one, k, v);
  js_pathbuf parent_path = {0};
  for (size_t i = 0; i + 1 < n_parts; i++) js_path_push_key(&parent_path, parts[i]);
  js_merge(cur, one, &parent_path, &L->errs);
  free(parent_path.s);
}

/* ---- the public loaders ------------------------------------------------------------------- */

static int load(const char *name_or_path, const char *text, size_t len,
                const sbx_load_options *opts, sbx_spec **out, sbx_error **err) {
  for (size_t i = 0; opts && i < ARRAY_SIZE(opts->reserved); i++)
    if (opts->reserved[i])
      return sbx_set_error(err, EINVAL,
                           "sbx_load_options: reserved slot %zu is set (options of another "
                           "version of libsandbox?)",
                           i);
  loader L = {.opts = opts};
  L.errs.max = opts && opts->max_errors ? opts->max_errors : 20;
  _cleanup_free_ char *cwd = NULL;
  if (opts && opts->pwd) {
    L.pwd = opts->pwd;
  } else {
    cwd = getcwd(NULL, 0);
    if (!cwd) return sbx_set_errno(err, "cannot get the working directory for ${PWD}");
    L.pwd = cwd;
  }
  search_path_init(&L);
  char **chain = NULL;
  size_t n_chain = 0;
  js_node *root = NULL;
  _cleanup_free_ char *dir = NULL;
  sbx_error *perr = NULL;
  if (text) {
    const char *label = js_files_add(&L.files, name_or_path ? name_or_path : "<string>");
    root = js_parse(label, text, len, &perr);
    dir = xstrdup(L.pwd);
  } else {
    _cleanup_free_ char *why = NULL;
    _cleanup_free_ char *path = NULL;
    if (!name_or_path || !*name_or_path) {
      perr = NULL;
      sbx_set_error(&perr, 0, "no profile given");
    } else if (is_path(name_or_path)) {
      path = xstrdup(name_or_path);
    } else {
      path = find_profile(&L, name_or_path, &why);
      if (!path) sbx_set_error(&perr, 0, "%s", why);
    }
    if (path) {
      root = js_parse_file(&L.files, path, &perr);
      char real[PATH_MAX];
      if (root && realpath(path, real)) strv_push(&chain, &n_chain, real);
      dir = dir_of(path);
    }
  }
  if (!root) {
    add_sbx_error(&L, perr);
    sbx_error_free(perr);
  } else if (!check_top(&L, root)) {
    js_node_free(root);
    root = NULL;
  } else {
    root = resolve(&L, root, dir, &chain, &n_chain, 0);
  }
  strv_free(chain);
  sbx_spec *spec = NULL;
  if (root) {
    for (size_t i = 0; opts && i < opts->n_sets; i++)
      if (opts->sets[i]) apply_set(&L, root, opts->sets[i]);
    js_vars vars = {.pwd = L.pwd,
                    .home = opts && opts->home ? opts->home : getenv("HOME"),
                    .uid = opts && opts->set_ids ? opts->uid : (uint32_t)geteuid(),
                    .gid = opts && opts->set_ids ? opts->gid : (uint32_t)getegid()};
    js_expand_vars(root, &vars, &L.errs);
    js_context ctx = {.pwd = L.pwd, .home = vars.home};
    spec = spec_new();
    js_translate(root, &ctx, spec, &L.errs);
    js_node_free(root);
  }
  strv_free(L.search);
  js_files_clear(&L.files);
  if (L.errs.head) {
    sbx_spec_free(spec);
    if (err && !*err)
      *err = L.errs.head;
    else
      sbx_error_free(L.errs.head);
    return -1;
  }
  *out = spec;
  return 0;
}

int sbx_spec_load_profile(const char *name_or_path, const sbx_load_options *opts, sbx_spec **out,
                          sbx_error **err) {
  return load(name_or_path, NULL, 0, opts, out, err);
}

int sbx_spec_load_profile_string(const char *name, const char *text, size_t len,
                                 const sbx_load_options *opts, sbx_spec **out, sbx_error **err) {
  if (!text) return sbx_set_error(err, EINVAL, "no profile text given");
  if (len > JS_MAX_FILE_BYTES)
    return sbx_set_error(err, 0, "%s: profile is %zu bytes, larger than the %u allowed",
                         name ? name : "<string>", len, JS_MAX_FILE_BYTES);
  return load(name ? name : "<string>", text, len, opts, out, err);
}
