/* read.c: typed reads of a profile's nodes, for the translation of every section: a map's keys
 * against the schema, strings, booleans, whole numbers, names from a list, lists of strings,
 * sizes, durations and modes. Each bad value is one located error. */
#include "jobspec.h"

#include "parse.h"
#include "util.h"

#include <strings.h>

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

bool js_get_uint(js_errors *e, const js_node *n, const char *path, uint64_t max, uint64_t *out) {
  const char *s;
  if (!js_get_string(e, n, path, &s)) return false;
  uint64_t v = 0;
  int r = parse_decimal(s, &v);
  if (r == PARSE_JUNK) {
    if (s[0] == '-')
      js_error(e, n, path, "%s is negative: expected a whole number from 0 to %llu", s,
               (unsigned long long)max);
    else
      js_error(e, n, path, "expected a whole number, not '%s'", s);
    return false;
  }
  if (r == PARSE_RANGE || v > max) {
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
  if (single && n->kind == JS_SCALAR) {
    if (n->bad) return false;
    char **v = xcalloc(1, sizeof *v);
    size_t nv = 0;
    strv_push(&v, &nv, n->str);
    *out = v;
    return true;
  }
  if (n->kind != JS_SEQ) {
    js_error(e, n, path, "expected a list of strings%s, not %s", single ? " or a string" : "",
             js_kind_name(n));
    return false;
  }
  _cleanup_strv_ char **v = xcalloc(1, sizeof *v);
  size_t nv = 0;
  bool ok = true;
  for (size_t i = 0; i < n->n; i++) {
    _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i);
    const char *s;
    if (js_get_string(e, n->items[i], p, &s))
      strv_push(&v, &nv, s);
    else
      ok = false;
  }
  if (!ok) return false;
  *out = steal_pointer(&v);
  return true;
}

/* A value of a units.c grammar, its message located at the node. */
static bool get_unit(js_errors *e, const js_node *n, const char *path, bool unlimited,
                     int (*parse)(const char *, bool, uint64_t *, char **), uint64_t *out) {
  const char *s;
  if (!js_get_string(e, n, path, &s)) return false;
  _cleanup_free_ char *why = NULL;
  if (parse(s, unlimited, out, &why) < 0) {
    js_error(e, n, path, "%s", why);
    return false;
  }
  return true;
}

bool js_get_size(js_errors *e, const js_node *n, const char *path, bool unlimited, uint64_t *out) {
  return get_unit(e, n, path, unlimited, js_parse_size, out);
}

bool js_get_duration(js_errors *e, const js_node *n, const char *path, bool unlimited,
                     uint64_t *out) {
  return get_unit(e, n, path, unlimited, js_parse_duration, out);
}

bool js_get_mode(js_errors *e, const js_node *n, const char *path, uint32_t *out) {
  const char *s;
  if (!js_get_string(e, n, path, &s)) return false;
  _cleanup_free_ char *why = NULL;
  if (js_parse_mode(s, out, &why) < 0) {
    js_error(e, n, path, "%s", why);
    return false;
  }
  return true;
}
