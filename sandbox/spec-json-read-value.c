/* spec-json-read-value.c: typed reads of config.json values, each failure located by the JSON
 * path of the value (spec-json-read.h). */
#include "spec-json-read.h"

#include "util.h"

int jr_fail(jr_ctx *r, const char *path, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  if (r->err && !*r->err) sbx_error_append(r->err, EINVAL, "%s: %s: %s", r->name, path, msg);
  return -1;
}

const char *jr_type_name(const json_t *j) {
  switch (json_typeof(j)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "an array";
  case JSON_STRING: return "a string";
  case JSON_INTEGER: return "an integer";
  case JSON_REAL: return "a number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  case JSON_NULL: return "null";
  }
  return "a value";
}

static int jr_expect(jr_ctx *r, const char *path, const json_t *j, json_type t, const char *what) {
  if (json_typeof(j) == t || (t == JSON_TRUE && json_is_boolean(j))) return 0;
  return jr_fail(r, path, "expected %s, not %s", what, jr_type_name(j));
}

int jr_object(jr_ctx *r, const char *path, const json_t *j) {
  return jr_expect(r, path, j, JSON_OBJECT, "an object");
}
int jr_array(jr_ctx *r, const char *path, const json_t *j) {
  return jr_expect(r, path, j, JSON_ARRAY, "an array");
}

int jr_string(jr_ctx *r, const char *path, const json_t *j, const char **out) {
  if (jr_expect(r, path, j, JSON_STRING, "a string") < 0) return -1;
  /* JSON allows "\u0000", which C strings cannot hold; jansson rejects it without
   * JSON_ALLOW_NUL, and this keeps it so. */
  *out = json_string_value(j);
  return 0;
}

int jr_dup(jr_ctx *r, const char *path, const json_t *j, char **out) {
  const char *s;
  if (jr_string(r, path, j, &s) < 0) return -1;
  free(*out);
  *out = xstrdup(s);
  return 0;
}

int jr_bool(jr_ctx *r, const char *path, const json_t *j, bool *out) {
  if (jr_expect(r, path, j, JSON_TRUE, "a boolean") < 0) return -1;
  *out = json_is_true(j);
  return 0;
}

int jr_int(jr_ctx *r, const char *path, const json_t *j, int64_t min, int64_t max, int64_t *out) {
  if (jr_expect(r, path, j, JSON_INTEGER, "an integer") < 0) return -1;
  json_int_t v = json_integer_value(j);
  if (v < min || v > max)
    return jr_fail(r, path, "%lld is out of range (%lld to %lld)", (long long)v, (long long)min,
                   (long long)max);
  *out = v;
  return 0;
}

int jr_u32(jr_ctx *r, const char *path, const json_t *j, uint32_t *out) {
  int64_t v;
  if (jr_int(r, path, j, 0, UINT32_MAX, &v) < 0) return -1;
  *out = (uint32_t)v;
  return 0;
}

int jr_u64(jr_ctx *r, const char *path, const json_t *j, uint64_t *out) {
  int64_t v;
  if (jr_int(r, path, j, 0, INT64_MAX, &v) < 0) return -1;
  *out = (uint64_t)v;
  return 0;
}

int jr_strv(jr_ctx *r, const char *path, const json_t *j, char ***v, size_t *n) {
  if (jr_array(r, path, j) < 0) return -1;
  strv_free(*v);
  *v = xcalloc(1, sizeof(char *));
  *n = 0;
  size_t i;
  const json_t *e;
  json_array_foreach(j, i, e) {
    if (!json_is_string(e)) {
      _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i);
      return jr_fail(r, p, "expected a string, not %s", jr_type_name(e));
    }
    strv_push(v, n, json_string_value(e));
  }
  return 0;
}

json_t *jr_member(const json_t *o, const char *parent, const char *key, char **path) {
  free(*path);
  *path = parent ? xasprintf("%s.%s", parent, key) : xstrdup(key);
  return json_object_get(o, key);
}

json_t *jr_need(jr_ctx *r, const json_t *o, const char *parent, const char *key, char **path) {
  json_t *j = jr_member(o, parent, key, path);
  if (!j) jr_fail(r, *path, "missing");
  return j;
}

bool jr_has_prefix(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}
