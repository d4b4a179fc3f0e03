/* translate-process.c: the `process` section (the command, its directory, umask, environment,
 * user and standard streams) and the `capabilities` list. docs/profile.md documents every
 * key. */
#include "translate.h"

#include "parse.h"
#include "util.h"

#include <ctype.h>
#include <strings.h>

/* Sets NAME=value in the spec's environment; `names` indexes the names set so far (the spec's
 * own lookup is a linear search, and a profile can hold tens of thousands of variables). The
 * names are the tree's or the caller's environment's, which outlive the index. */
static void env_set(js_tr *t, js_strset *names, const char *name, const char *value) {
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

static bool env_name_ok(js_tr *t, const js_node *at, const char *path, const char *name) {
  if (parse_env_name(name, strlen(name))) return true;
  js_error(t->e, at, path, "'%s' is not a valid environment variable name", name);
  return false;
}

static void tr_env(js_tr *t, const js_node *env, const js_node *inherit) {
  sbx_process *p = &t->spec->process;
  /* The names in the environment, indexed (any there already are copied, for the index). */
  js_strset names __attribute__((cleanup(js_strset_clear))) = {0};
  _cleanup_strv_ char **before = NULL;
  size_t n_before = 0;
  for (size_t i = 0; i < p->n_env; i++) {
    _cleanup_free_ char *name = xstrndup(p->env[i], strcspn(p->env[i], "="));
    strv_push(&before, &n_before, name);
  }
  for (size_t i = 0; i < n_before; i++) js_strset_add(&names, before[i]);
  if (env && env->kind != JS_MAP) {
    js_error(t->e, env, "process.env", "expected a map of NAME: value, not %s", js_kind_name(env));
  } else if (env) {
    for (size_t i = 0; i < env->n; i++) {
      const char *name = env->keys[i]->str;
      _cleanup_free_ char *path = js_path("process.env", name);
      const char *value;
      if (env_name_ok(t, env->keys[i], path, name) &&
          js_get_string(t->e, env->items[i], path, &value))
        env_set(t, &names, name, value);
    }
  }
  _cleanup_strv_ char **inherited = NULL;
  if (!inherit || !js_get_strv(t->e, inherit, "process.env_inherit", false, &inherited)) return;
  for (size_t i = 0; inherited[i]; i++) {
    _cleanup_free_ char *path = xasprintf("process.env_inherit[%zu]", i);
    if (!env_name_ok(t, inherit->items[i], path, inherited[i])) continue;
    const char *v = getenv(inherited[i]);
    if (v) env_set(t, &names, inherit->items[i]->str, v); /* the tree's copy outlives the list */
  }
}

/* process.stdin, process.stdout, process.stderr: null, inherit or a host file (relative to
 * ${PWD}). */
static void tr_stdio(js_tr *t, const js_node *n, int fd) {
  static const char *const keys[3] = {"process.stdin", "process.stdout", "process.stderr"};
  sbx_stdio *io = &t->spec->process.stdio[fd];
  const char *s;
  if (!js_get_string(t->e, n, keys[fd], &s)) return;
  if (!*s) {
    js_error(t->e, n, keys[fd], "expected null, inherit or a file path");
    return;
  }
  free(io->path);
  io->path = NULL;
  if (strcmp(s, "null") == 0) {
    io->mode = SBX_STDIO_NULL;
  } else if (strcmp(s, "inherit") == 0) {
    io->mode = SBX_STDIO_INHERIT;
  } else {
    io->mode = SBX_STDIO_FILE;
    io->path = s[0] == '/' ? xstrdup(s) : xasprintf("%s/%s", t->ctx->pwd, s);
  }
}

void js_tr_process(js_tr *t, const js_node *proc) {
  js_errors *e = t->e;
  sbx_process *p = &t->spec->process;
  if (!js_check_keys(e, proc, "process",
                     JS_KEYS("command", "cwd", "umask", "env", "env_inherit", "user", "stdin",
                             "stdout", "stderr")))
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
  const char *s;
  if ((n = js_map_get(proc, "cwd")) && js_get_string(e, n, "process.cwd", &s)) {
    free(p->cwd);
    p->cwd = xstrdup(s);
    t->cwd_set = true;
    js_at_set(t->at, &t->at->fields[JS_AT_CWD], n, "process.cwd", NULL);
  }
  if ((n = js_map_get(proc, "umask")) && js_get_mode(e, n, "process.umask", &p->umask))
    js_at_set(t->at, &t->at->fields[JS_AT_UMASK], n, "process.umask", NULL);
  tr_env(t, js_map_get(proc, "env"), js_map_get(proc, "env_inherit"));
  if ((n = js_map_get(proc, "user")) &&
      js_check_keys(e, n, "process.user", JS_KEYS("uid", "gid"))) {
    const js_node *v;
    uint64_t id;
    if ((v = js_map_get(n, "uid")) && js_get_uint(e, v, "process.user.uid", UINT32_MAX - 1, &id))
      p->uid = (uint32_t)id;
    if ((v = js_map_get(n, "gid")) && js_get_uint(e, v, "process.user.gid", UINT32_MAX - 1, &id))
      p->gid = (uint32_t)id;
  }
  static const char *const streams[3] = {"stdin", "stdout", "stderr"};
  for (int i = 0; i < 3; i++)
    if ((n = js_map_get(proc, streams[i]))) tr_stdio(t, n, i);
}

void js_tr_capabilities(js_tr *t, const js_node *n) {
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
