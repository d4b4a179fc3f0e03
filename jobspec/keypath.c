/* keypath.c: key paths of a profile ("filesystem.binds[2].source"): built while walking a tree,
 * to name values in errors. */
#include "jobspec.h"

#include "util.h"

char *js_path(const char *parent, const char *key) {
  return parent && *parent ? xasprintf("%s.%s", parent, key) : xstrdup(key);
}

static size_t path_append(js_pathbuf *p, const char *part, size_t n) {
  size_t old = p->len;
  xgrow(&p->s, &p->cap, p->len + n + 1, 1);
  memcpy(p->s + p->len, part, n);
  p->len += n;
  p->s[p->len] = '\0';
  return old;
}

size_t js_path_push_key(js_pathbuf *p, const char *key) {
  size_t old = p->len;
  if (p->len) path_append(p, ".", 1);
  path_append(p, key, strlen(key));
  return old;
}

size_t js_path_push_index(js_pathbuf *p, size_t index) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "[%zu]", index);
  return path_append(p, buf, (size_t)n);
}

void js_path_pop(js_pathbuf *p, size_t len) {
  p->len = len;
  if (p->s) p->s[len] = '\0';
}
