/* vars.c: ${PWD} ${HOME} ${UID} ${GID} ${env:NAME} in string values; $$ is a literal '$'.
 * Keys are never expanded. An undefined variable is an error at the value's location. */
#include "jobspec.h"

#include "util.h"

/* Expands one string; returns NULL after reporting an error. */
static char *expand(const char *s, const js_node *at, const char *path, const js_vars *v,
                    js_errors *errs) {
  if (!strchr(s, '$')) return xstrdup(s);
  size_t cap = strlen(s) + 64, n = 0;
  _cleanup_free_ char *out = xmalloc(cap);
#define PUT(str, len)                 \
  do {                                \
    size_t l_ = (len);                \
    xgrow(&out, &cap, n + l_ + 1, 1); \
    memcpy(out + n, (str), l_);       \
    n += l_;                          \
  } while (0)
  for (const char *p = s; *p;) {
    if (*p != '$') {
      PUT(p, 1);
      p++;
      continue;
    }
    if (p[1] == '$') {
      PUT("$", 1);
      p += 2;
      continue;
    }
    if (p[1] != '{') {
      js_error(errs, at, path,
               "a '$' must start a variable such as ${HOME}; write $$ for a "
               "literal '$'");
      return NULL;
    }
    const char *end = strchr(p + 2, '}');
    if (!end) {
      js_error(errs, at, path, "unterminated variable '%s': expected a closing '}'", p);
      return NULL;
    }
    _cleanup_free_ char *name = xstrndup(p + 2, (size_t)(end - p - 2));
    char num[16];
    const char *val = NULL;
    if (strcmp(name, "PWD") == 0) {
      val = v->pwd;
    } else if (strcmp(name, "HOME") == 0) {
      val = v->home;
      if (!val) {
        js_error(errs, at, path, "${HOME} is undefined: HOME is not set");
        return NULL;
      }
    } else if (strcmp(name, "UID") == 0) {
      snprintf(num, sizeof num, "%u", v->uid);
      val = num;
    } else if (strcmp(name, "GID") == 0) {
      snprintf(num, sizeof num, "%u", v->gid);
      val = num;
    } else if (strncmp(name, "env:", 4) == 0) {
      if (!name[4]) {
        js_error(errs, at, path, "${env:} needs a variable name, as in ${env:CC}");
        return NULL;
      }
      val = getenv(name + 4);
      if (!val) {
        js_error(errs, at, path, "${%s} is undefined: the environment variable %s is not set", name,
                 name + 4);
        return NULL;
      }
    } else {
      js_error(errs, at, path,
               "unknown variable ${%s} (known: ${PWD}, ${HOME}, ${UID}, "
               "${GID}, ${env:NAME})",
               name);
      return NULL;
    }
    PUT(val, strlen(val));
    p = end + 1;
  }
#undef PUT
  out[n] = '\0';
  return steal_pointer(&out);
}

static void walk(js_node *n, js_pathbuf *path, const js_vars *v, js_errors *errs) {
  if (js_errors_full(errs)) return;
  switch (n->kind) {
  case JS_SCALAR: {
    if (!strchr(n->str, '$')) break;
    char *e = expand(n->str, n, js_path_str(path), v, errs);
    if (e) {
      free(n->str);
      n->str = e;
    } else {
      n->bad = true;
    }
    break;
  }
  case JS_SEQ:
    for (size_t i = 0; i < n->n; i++) {
      size_t old = js_path_push_index(path, i);
      walk(n->items[i], path, v, errs);
      js_path_pop(path, old);
    }
    break;
  case JS_MAP:
    for (size_t i = 0; i < n->n; i++) {
      size_t old = js_path_push_key(path, n->keys[i]->str);
      walk(n->items[i], path, v, errs);
      js_path_pop(path, old);
    }
    break;
  case JS_NULL: break;
  }
}

void js_expand_vars(js_node *root, const js_vars *vars, js_errors *errs) {
  js_pathbuf path = {0};
  walk(root, &path, vars, errs);
  free(path.s);
}
