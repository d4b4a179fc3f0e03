/* spec-json-read.c: an OCI runtime-spec config.json into a spec (sbx_spec_load_json and
 * sbx_spec_load_json_string).
 *
 * The input is treated as hostile: at most SPEC_JSON_MAX_BYTES, duplicate keys rejected, nesting
 * bounded by jansson's parser (JSON_PARSER_MAX_DEPTH), every value type-checked, nothing
 * quadratic in the input's size, and every error located by its JSON path ("config.json:
 * linux.resources.memory.limit: expected an integer, not a string"). Unknown keys are ignored,
 * as the OCI spec asks of runtimes; unknown values of known enumerations, and annotations under
 * our prefix that we do not know, are errors. The mapping is documented in docs/oci.md. */
#include "spec-json.h"

#include "util.h"

#include <inttypes.h>

typedef struct rctx {
  const char *name; /* "config.json" or the file's path, first in every message */
  sbx_error **err;
} rctx;

SBX_PRINTF(3, 4) static int r_fail(rctx *r, const char *path, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  if (r->err && !*r->err) sbx_error_append(r->err, EINVAL, "%s: %s: %s", r->name, path, msg);
  return -1;
}

static const char *type_name(const json_t *j) {
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

static int r_expect(rctx *r, const char *path, const json_t *j, json_type t, const char *what) {
  if (json_typeof(j) == t || (t == JSON_TRUE && json_is_boolean(j))) return 0;
  return r_fail(r, path, "expected %s, not %s", what, type_name(j));
}

static int r_object(rctx *r, const char *path, const json_t *j) {
  return r_expect(r, path, j, JSON_OBJECT, "an object");
}
static int r_array(rctx *r, const char *path, const json_t *j) {
  return r_expect(r, path, j, JSON_ARRAY, "an array");
}

static int r_string(rctx *r, const char *path, const json_t *j, const char **out) {
  if (r_expect(r, path, j, JSON_STRING, "a string") < 0) return -1;
  /* JSON allows "\u0000", which C strings cannot hold; jansson rejects it without
   * JSON_ALLOW_NUL, and this keeps it so. */
  *out = json_string_value(j);
  return 0;
}

static int r_dup(rctx *r, const char *path, const json_t *j, char **out) {
  const char *s;
  if (r_string(r, path, j, &s) < 0) return -1;
  free(*out);
  *out = xstrdup(s);
  return 0;
}

static int r_bool(rctx *r, const char *path, const json_t *j, bool *out) {
  if (r_expect(r, path, j, JSON_TRUE, "a boolean") < 0) return -1;
  *out = json_is_true(j);
  return 0;
}

static int r_int(rctx *r, const char *path, const json_t *j, int64_t min, int64_t max,
                 int64_t *out) {
  if (r_expect(r, path, j, JSON_INTEGER, "an integer") < 0) return -1;
  json_int_t v = json_integer_value(j);
  if (v < min || v > max)
    return r_fail(r, path, "%lld is out of range (%lld to %lld)", (long long)v, (long long)min,
                  (long long)max);
  *out = v;
  return 0;
}

static int r_u32(rctx *r, const char *path, const json_t *j, uint32_t *out) {
  int64_t v;
  if (r_int(r, path, j, 0, UINT32_MAX, &v) < 0) return -1;
  *out = (uint32_t)v;
  return 0;
}

static int r_u64(rctx *r, const char *path, const json_t *j, uint64_t *out) {
  int64_t v;
  if (r_int(r, path, j, 0, INT64_MAX, &v) < 0) return -1;
  *out = (uint64_t)v;
  return 0;
}

/* Reads an array of strings into a fresh NULL-terminated vector. */
static int r_strv(rctx *r, const char *path, const json_t *j, char ***v, size_t *n) {
  if (r_array(r, path, j) < 0) return -1;
  strv_free(*v);
  *v = xcalloc(1, sizeof(char *));
  *n = 0;
  size_t i;
  const json_t *e;
  json_array_foreach(j, i, e) {
    if (!json_is_string(e)) {
      _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i);
      return r_fail(r, p, "expected a string, not %s", type_name(e));
    }
    strv_push(v, n, json_string_value(e));
  }
  return 0;
}

/* Member `key` of object `o` (NULL when absent), with its path in *path (caller frees). */
static json_t *member(const json_t *o, const char *parent, const char *key, char **path) {
  free(*path);
  *path = parent ? xasprintf("%s.%s", parent, key) : xstrdup(key);
  return json_object_get(o, key);
}

/* Reads a decimal unsigned annotation value. */
static int parse_u64(const char *s, uint64_t *out) {
  if (*s < '0' || *s > '9') return -1; /* strtoull would take spaces and signs */
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v == UINT64_MAX) return -1;
  *out = v;
  return 0;
}

/* Parses a size as the kernel does for tmpfs: digits with an optional k, m or g suffix. */
static int parse_size(const char *s, uint64_t *out) {
  if (!*s || *s < '0' || *s > '9') return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno) return -1;
  unsigned shift = 0;
  if (*end) {
    switch (*end) {
    case 'k':
    case 'K': shift = 10; break;
    case 'm':
    case 'M': shift = 20; break;
    case 'g':
    case 'G': shift = 30; break;
    default: return -1;
    }
    if (end[1]) return -1;
  }
  if (v > (UINT64_MAX >> shift) || (v << shift) == UINT64_MAX) return -1;
  *out = v << shift;
  return 0;
}

static int parse_mode(const char *s, uint32_t *out) {
  if (!*s || *s < '0' || *s > '7') return -1;
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 8);
  if (errno || *end || v > 07777) return -1;
  *out = (uint32_t)v;
  return 0;
}

static bool has_prefix(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* What the annotations say, gathered before the rest of the document is read. */
typedef struct ann_state {
  bool fresh_root;
  json_t *optional; /* array of destination strings, or NULL */
} ann_state;

static int r_ann_enum(rctx *r, const char *path, const char *v, const char *const *names, size_t n,
                      int *out) {
  int i = spec_json_index_of(names, n, v);
  if (i < 0) {
    _cleanup_free_ char *list = xstrdup("");
    for (size_t k = 0; k < n; k++) {
      char *l = xasprintf("%s%s'%s'", list, k ? ", " : "", names[k]);
      free(list);
      list = l;
    }
    return r_fail(r, path, "unknown value '%s' (expected %s)", v, list);
  }
  *out = i;
  return 0;
}

static int r_ann_u64(rctx *r, const char *path, const char *v, uint64_t *out) {
  if (parse_u64(v, out) < 0)
    return r_fail(r, path, "'%s' is not a decimal integer below 2^64-1", v);
  return 0;
}

static int r_annotations(rctx *r, const json_t *doc, sbx_spec *s, ann_state *st) {
  const json_t *o = json_object_get(doc, "annotations");
  if (!o) return 0;
  if (r_object(r, "annotations", o) < 0) return -1;
  const char *key;
  const json_t *val;
  json_object_foreach((json_t *)o, key, val) {
    _cleanup_free_ char *path = xasprintf("annotations[\"%s\"]", key);
    const char *v;
    if (r_string(r, path, val, &v) < 0) return -1;
    if (!has_prefix(key, SBX_ANNOTATION_PREFIX)) {
      spec_add_annotation(s, key, v);
      continue;
    }
    int e;
    if (strcmp(key, ANN_ROOT) == 0) {
      if (strcmp(v, FRESH_ROOT_VALUE) != 0)
        return r_fail(r, path, "unknown value '%s' (expected '" FRESH_ROOT_VALUE "')", v);
      st->fresh_root = true;
    } else if (strcmp(key, ANN_WALL_TIME) == 0) {
      if (r_ann_u64(r, path, v, &s->limits.wall_time_us) < 0) return -1;
    } else if (strcmp(key, ANN_CPU_TIME) == 0) {
      if (r_ann_u64(r, path, v, &s->limits.cpu_time_us) < 0) return -1;
    } else if (strcmp(key, ANN_OUTPUT) == 0) {
      if (r_ann_u64(r, path, v, &s->limits.output) < 0) return -1;
    } else if (strcmp(key, ANN_SWAP) == 0) {
      if (strcmp(v, "max") == 0)
        s->limits.swap = SBX_UNSET;
      else if (r_ann_u64(r, path, v, &s->limits.swap) < 0)
        return -1;
    } else if (strcmp(key, ANN_NETWORK) == 0) {
      if (r_ann_enum(r, path, v, spec_json_network_names, ARRAY_SIZE(spec_json_network_names), &e) <
          0)
        return -1;
      s->network = (sbx_network)e;
    } else if (strcmp(key, ANN_STDIN) == 0) {
      if (r_ann_enum(r, path, v, spec_json_stdin_names, ARRAY_SIZE(spec_json_stdin_names), &e) < 0)
        return -1;
      s->process.stdin_mode = (sbx_stdin_mode)e;
    } else if (strcmp(key, ANN_STDIN_PATH) == 0) {
      s->process.stdin_path = xstrdup(v);
    } else if (strcmp(key, ANN_CGROUP) == 0) {
      if (r_ann_enum(r, path, v, spec_json_cgroup_names, ARRAY_SIZE(spec_json_cgroup_names), &e) <
          0)
        return -1;
      s->cgroup_mode = (sbx_cgroup_mode)e;
    } else if (strcmp(key, ANN_CGROUP_PARENT) == 0) {
      s->cgroup_parent = xstrdup(v);
    } else if (strcmp(key, ANN_OPTIONAL) == 0) {
      json_error_t jerr;
      json_t *list = json_loads(v, JSON_REJECT_DUPLICATES, &jerr);
      if (!list || !json_is_array(list)) {
        json_decref(list);
        return r_fail(r, path, "expected a JSON array of mount destinations in a string");
      }
      st->optional = list;
      if (json_array_size(list) > SPEC_JSON_MAX_MOUNTS)
        return r_fail(r, path, "more than %d destinations", SPEC_JSON_MAX_MOUNTS);
      size_t i;
      const json_t *d;
      json_array_foreach(list, i, d) {
        if (!json_is_string(d))
          return r_fail(r, path, "element %zu: expected a string, not %s", i, type_name(d));
      }
    } else {
      return r_fail(r, path,
                    "unknown sandbox annotation (known: root, limits.wall-time-us, "
                    "limits.cpu-time-us, limits.output-bytes, limits.swap-bytes, "
                    "network, stdin, stdin.path, cgroup, cgroup.parent, "
                    "mounts.optional)");
    }
  }
  return 0;
}

static int r_caps(rctx *r, const char *path, const json_t *j, uint64_t *out) {
  if (r_array(r, path, j) < 0) return -1;
  uint64_t caps = 0;
  size_t i;
  const json_t *e;
  json_array_foreach(j, i, e) {
    _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i);
    const char *name;
    if (r_string(r, p, e, &name) < 0) return -1;
    int c = caps_from_name(name);
    if (c < 0) return r_fail(r, p, "unknown capability '%s'", name);
    caps |= UINT64_C(1) << c;
  }
  *out = caps;
  return 0;
}

static int r_rlimits(rctx *r, const json_t *j, sbx_spec *s, bool cpu_from_annotation) {
  if (r_array(r, "process.rlimits", j) < 0) return -1;
  size_t i;
  const json_t *e;
  unsigned seen = 0;
  json_array_foreach(j, i, e) {
    _cleanup_free_ char *p = xasprintf("process.rlimits[%zu]", i), *fp = NULL;
    if (r_object(r, p, e) < 0) return -1;
    const char *type;
    const json_t *t = member(e, p, "type", &fp);
    if (!t) return r_fail(r, fp, "missing");
    if (r_string(r, fp, t, &type) < 0) return -1;
    int which = spec_json_index_of(spec_json_rlimit_names, RL_COUNT, type);
    if (which < 0)
      return r_fail(r, fp,
                    "unsupported rlimit '%s' (supported: RLIMIT_NOFILE, RLIMIT_FSIZE, "
                    "RLIMIT_STACK, RLIMIT_CORE, RLIMIT_CPU)",
                    type);
    if (seen & (1u << which)) return r_fail(r, fp, "'%s' is given twice", type);
    seen |= 1u << which;
    uint64_t hard, soft;
    const json_t *h = member(e, p, "hard", &fp);
    if (!h) return r_fail(r, fp, "missing");
    if (r_u64(r, fp, h, &hard) < 0) return -1;
    const json_t *so = member(e, p, "soft", &fp);
    if (!so) return r_fail(r, fp, "missing");
    if (r_u64(r, fp, so, &soft) < 0) return -1;
    if (soft > hard)
      return r_fail(r, p, "soft limit %" PRIu64 " is above the hard limit %" PRIu64, soft, hard);
    /* The spec holds one value per limit: the hard one, which the job cannot raise. */
    switch (which) {
    case RL_NOFILE: s->limits.open_files = hard; break;
    case RL_FSIZE: s->limits.file_size = hard; break;
    case RL_STACK: s->limits.stack = hard; break;
    case RL_CORE: s->limits.core = hard; break;
    case RL_CPU:
      /* Only a backstop when the annotation carries the precise limit. */
      if (!cpu_from_annotation) {
        if (hard > UINT64_MAX / 1000000 - 1)
          return r_fail(r, p, "%" PRIu64 " seconds is out of range", hard);
        s->limits.cpu_time_us = hard * 1000000;
      }
      break;
    }
  }
  return 0;
}

/* The length of the name in "NAME=value". */
static size_t env_name_len(const char *e) { return strcspn(e, "="); }

/* Orders indices into an environment vector by name, then by position. */
static int env_index_cmp(const void *a, const void *b, void *ctx) {
  char *const *env = ctx;
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  size_t ni = env_name_len(env[i]), nj = env_name_len(env[j]);
  int c = memcmp(env[i], env[j], ni < nj ? ni : nj);
  if (c) return c;
  if (ni != nj) return ni < nj ? -1 : 1;
  return i < j ? -1 : i > j;
}

/* Every entry is NAME=value and no name is set twice, in O(n log n) for hostile sizes. */
static int r_env_check(rctx *r, const char *path, char **env, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *eq = strchr(env[i], '=');
    if (!eq || eq == env[i]) return r_fail(r, path, "entry %zu '%s' is not NAME=value", i, env[i]);
  }
  if (n < 2) return 0;
  _cleanup_free_ size_t *order = xcalloc(n, sizeof *order);
  for (size_t i = 0; i < n; i++) order[i] = i;
  qsort_r(order, n, sizeof *order, env_index_cmp, env);
  /* In a run of one name, every entry after the first is a duplicate: report the earliest. */
  size_t first_dup = n;
  for (size_t i = 1; i < n; i++) {
    const char *x = env[order[i - 1]], *y = env[order[i]];
    size_t len = env_name_len(y);
    if (len == env_name_len(x) && memcmp(x, y, len) == 0 && order[i] < first_dup)
      first_dup = order[i];
  }
  if (first_dup == n) return 0;
  const char *e = env[first_dup];
  return r_fail(r, path, "entry %zu: variable '%.*s' is set twice", first_dup, (int)env_name_len(e),
                e);
}

static int r_process(rctx *r, const json_t *doc, sbx_spec *s) {
  const json_t *p = json_object_get(doc, "process");
  if (!p) return r_fail(r, "process", "missing");
  if (r_object(r, "process", p) < 0) return -1;
  _cleanup_free_ char *path = NULL, *sub = NULL;
  const json_t *j;
  if ((j = member(p, "process", "terminal", &path))) {
    bool t;
    if (r_bool(r, path, j, &t) < 0) return -1;
    if (t) return r_fail(r, path, "a terminal is not supported");
  }
  const json_t *user = member(p, "process", "user", &path);
  if (!user) return r_fail(r, path, "missing");
  if (r_object(r, path, user) < 0) return -1;
  _cleanup_free_ char *upath = xstrdup(path);
  if (!(j = member(user, upath, "uid", &sub))) return r_fail(r, sub, "missing");
  if (r_u32(r, sub, j, &s->process.uid) < 0) return -1;
  if (!(j = member(user, upath, "gid", &sub))) return r_fail(r, sub, "missing");
  if (r_u32(r, sub, j, &s->process.gid) < 0) return -1;
  if ((j = member(user, upath, "umask", &sub))) {
    int64_t v;
    if (r_int(r, sub, j, 0, 0777, &v) < 0) return -1;
    s->process.umask = (uint32_t)v;
  }
  if ((j = member(user, upath, "additionalGids", &sub))) {
    if (r_array(r, sub, j) < 0) return -1;
    if (json_array_size(j)) return r_fail(r, sub, "additional groups are not supported");
  }
  if ((j = member(p, "process", "args", &path)) &&
      r_strv(r, path, j, &s->process.args, &s->process.n_args) < 0)
    return -1;
  if ((j = member(p, "process", "env", &path))) {
    if (r_strv(r, path, j, &s->process.env, &s->process.n_env) < 0) return -1;
    if (r_env_check(r, path, s->process.env, s->process.n_env) < 0) return -1;
  }
  if (!(j = member(p, "process", "cwd", &path))) return r_fail(r, path, "missing");
  if (r_dup(r, path, j, &s->process.cwd) < 0) return -1;
  if ((j = member(p, "process", "noNewPrivileges", &path)))
    if (r_bool(r, path, j, &s->process.no_new_privileges) < 0) return -1;
  /* A capability is kept when the job can use it under any OCI runtime: in the bounding,
   * permitted and effective sets at once. Missing sets are empty. */
  if ((j = member(p, "process", "capabilities", &path))) {
    if (r_object(r, path, j) < 0) return -1;
    _cleanup_free_ char *cpath = xstrdup(path);
    static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable",
                                       "ambient"};
    uint64_t kept = ~UINT64_C(0);
    for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
      const json_t *set_j = member(j, cpath, sets[i], &sub);
      uint64_t v = 0;
      if (set_j && r_caps(r, sub, set_j, &v) < 0) return -1;
      if (i < 3) kept &= v;
    }
    s->process.capabilities = kept;
  } else {
    s->process.capabilities = 0;
  }
  return 0;
}

static int r_option_flag(const char *o, unsigned *flags) {
  static const struct {
    const char *name;
    unsigned set, clear;
  } table[] = {
      {"ro", SBX_MNT_RO, 0},         {"rw", 0, SBX_MNT_RO},       {"nosuid", SBX_MNT_NOSUID, 0},
      {"suid", 0, SBX_MNT_NOSUID},   {"nodev", SBX_MNT_NODEV, 0}, {"dev", 0, SBX_MNT_NODEV},
      {"noexec", SBX_MNT_NOEXEC, 0}, {"exec", 0, SBX_MNT_NOEXEC},
  };
  for (size_t i = 0; i < ARRAY_SIZE(table); i++)
    if (strcmp(table[i].name, o) == 0) {
      *flags = (*flags | table[i].set) & ~table[i].clear;
      return 1;
    }
  return 0;
}

/* Options that change nothing our engine does differently: atime policy, propagation (our
 * mounts are always private), and the devpts/mqueue details runtimes set anyway. */
static bool ignored_option(const char *o, sbx_mount_type type) {
  static const char *const any[] = {"defaults",    "atime",       "noatime",       "relatime",
                                    "norelatime",  "strictatime", "nostrictatime", "diratime",
                                    "nodiratime",  "private",     "rprivate",      "slave",
                                    "rslave",      "shared",      "rshared",       "unbindable",
                                    "runbindable", "sync",        "async"};
  if (spec_json_index_of(any, ARRAY_SIZE(any), o) >= 0) return true;
  if (type == SBX_MOUNT_DEVPTS)
    return strcmp(o, "newinstance") == 0 || has_prefix(o, "ptmxmode=") || has_prefix(o, "mode=") ||
           has_prefix(o, "gid=");
  return false;
}

static int r_mount(rctx *r, const char *path, const json_t *j, sbx_spec *s) {
  if (r_object(r, path, j) < 0) return -1;
  _cleanup_free_ char *fp = NULL;
  const char *dest, *type = NULL, *source = NULL;
  const json_t *x = member(j, path, "destination", &fp);
  if (!x) return r_fail(r, fp, "missing");
  if (r_string(r, fp, x, &dest) < 0) return -1;
  if ((x = member(j, path, "type", &fp)) && r_string(r, fp, x, &type) < 0) return -1;
  if ((x = member(j, path, "source", &fp)) && r_string(r, fp, x, &source) < 0) return -1;
  const json_t *opts = member(j, path, "options", &fp);
  _cleanup_free_ char *opath = xstrdup(fp);
  if (opts && r_array(r, opath, opts) < 0) return -1;
  bool bind = false, rbind = false;
  size_t i;
  const json_t *o;
  json_array_foreach(opts, i, o) {
    _cleanup_free_ char *p = xasprintf("%s[%zu]", opath, i);
    const char *name;
    if (r_string(r, p, o, &name) < 0) return -1;
    if (strcmp(name, "bind") == 0) bind = true;
    if (strcmp(name, "rbind") == 0) rbind = true;
  }
  sbx_mount_type mt;
  _cleanup_free_ char *tpath = xasprintf("%s.type", path);
  if ((!type || strcmp(type, "bind") == 0 || strcmp(type, "none") == 0) && (bind || rbind))
    mt = SBX_MOUNT_BIND;
  else if (!type)
    return r_fail(r, tpath, "missing (and no bind option)");
  else if (strcmp(type, "bind") == 0)
    mt = SBX_MOUNT_BIND;
  else if (strcmp(type, "tmpfs") == 0)
    mt = strcmp(dest, "/dev") == 0 ? SBX_MOUNT_DEV : SBX_MOUNT_TMPFS;
  else if (strcmp(type, "proc") == 0)
    mt = SBX_MOUNT_PROC;
  else if (strcmp(type, "devpts") == 0)
    mt = SBX_MOUNT_DEVPTS;
  else if (strcmp(type, "mqueue") == 0)
    mt = SBX_MOUNT_MQUEUE;
  else if (strcmp(type, "sysfs") == 0)
    mt = SBX_MOUNT_SYSFS;
  else
    return r_fail(r, tpath,
                  "unsupported mount type '%s' (supported: bind, tmpfs, proc, devpts, mqueue, "
                  "sysfs)",
                  type);
  if (mt == SBX_MOUNT_BIND && !source) return r_fail(r, path, "a bind mount needs a source");
  sbx_mount *m = spec_add_mount(s, mt, mt == SBX_MOUNT_BIND ? source : NULL, dest, 0);
  if (mt == SBX_MOUNT_TMPFS) m->mode = 01777; /* the kernel's default for a tmpfs root */
  if (rbind) m->flags |= SBX_MNT_RECURSIVE;
  json_array_foreach(opts, i, o) {
    _cleanup_free_ char *p = xasprintf("%s[%zu]", opath, i);
    const char *name = json_string_value(o);
    if (strcmp(name, "bind") == 0 || strcmp(name, "rbind") == 0) {
      if (mt != SBX_MOUNT_BIND) return r_fail(r, p, "'%s' on a %s mount", name, type);
      continue;
    }
    if (r_option_flag(name, &m->flags) || ignored_option(name, mt)) continue;
    if (mt == SBX_MOUNT_TMPFS || mt == SBX_MOUNT_DEV) {
      if (has_prefix(name, "mode=")) {
        if (parse_mode(name + 5, &m->mode) < 0) return r_fail(r, p, "bad mode '%s'", name + 5);
        continue;
      }
      if (has_prefix(name, "size=")) {
        if (parse_size(name + 5, &m->size) < 0)
          return r_fail(r, p, "bad size '%s' (bytes, with an optional k, m or g)", name + 5);
        continue;
      }
    }
    return r_fail(r, p, "unsupported option '%s' for a %s mount", name,
                  mt == SBX_MOUNT_BIND ? "bind" : type);
  }
  return 0;
}

static int r_mounts(rctx *r, const json_t *doc, sbx_spec *s) {
  const json_t *a = json_object_get(doc, "mounts");
  if (!a) return 0;
  if (r_array(r, "mounts", a) < 0) return -1;
  size_t n = json_array_size(a);
  if (n > SPEC_JSON_MAX_MOUNTS)
    return r_fail(r, "mounts", "%zu mounts is more than the %d allowed", n, SPEC_JSON_MAX_MOUNTS);
  for (size_t i = 0; i < n; i++) {
    _cleanup_free_ char *path = xasprintf("mounts[%zu]", i);
    if (r_mount(r, path, json_array_get(a, i), s) < 0) return -1;
    /* The devpts and shm mounts we write after the minimal /dev belong to it. */
    if (s->mounts[s->n_mounts - 1].type == SBX_MOUNT_DEV) {
      for (int k = 0; k < 2 && i + 1 < n; k++) {
        _cleanup_json_ json_t *want = spec_json_dev_extra_mount(k);
        if (!json_equal(want, json_array_get(a, i + 1))) break;
        i++;
      }
    }
  }
  return 0;
}

static int r_mappings(rctx *r, const char *path, const json_t *j, sbx_id_mapping **out, size_t *n) {
  if (r_array(r, path, j) < 0) return -1;
  free(*out);
  *n = json_array_size(j);
  *out = *n ? xcalloc(*n, sizeof **out) : NULL;
  for (size_t i = 0; i < *n; i++) {
    _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i), *fp = NULL;
    const json_t *e = json_array_get(j, i), *x;
    if (r_object(r, p, e) < 0) return -1;
    if (!(x = member(e, p, "containerID", &fp))) return r_fail(r, fp, "missing");
    if (r_u32(r, fp, x, &(*out)[i].container_id) < 0) return -1;
    if (!(x = member(e, p, "hostID", &fp))) return r_fail(r, fp, "missing");
    if (r_u32(r, fp, x, &(*out)[i].host_id) < 0) return -1;
    if (!(x = member(e, p, "size", &fp))) return r_fail(r, fp, "missing");
    if (r_u32(r, fp, x, &(*out)[i].size) < 0) return -1;
  }
  return 0;
}

/* An OCI limit where -1 (and, as runc reads it, 0) means "none". */
static int r_limit(rctx *r, const char *path, const json_t *j, bool zero_is_unset, uint64_t *out) {
  int64_t v;
  if (r_int(r, path, j, -1, INT64_MAX, &v) < 0) return -1;
  *out = v < 0 || (v == 0 && zero_is_unset) ? SBX_UNSET : (uint64_t)v;
  return 0;
}

static int r_resources(rctx *r, const json_t *j, sbx_spec *s, bool swap_annotated) {
  if (r_object(r, "linux.resources", j) < 0) return -1;
  _cleanup_free_ char *path = NULL, *sub = NULL;
  const json_t *o, *x;
  sbx_limits *l = &s->limits;
  if ((o = member(j, "linux.resources", "memory", &path))) {
    if (r_object(r, path, o) < 0) return -1;
    uint64_t total = SBX_UNSET;
    if ((x = member(o, path, "limit", &sub)) && r_limit(r, sub, x, false, &l->memory) < 0)
      return -1;
    if ((x = member(o, path, "swap", &sub)) && r_limit(r, sub, x, false, &total) < 0) return -1;
    /* runc reads a swap of 0 as "not set"; it can only mean a total of 0 with a limit of 0. */
    if (x && total == 0 && l->memory != 0) total = SBX_UNSET;
    if (l->memory != SBX_UNSET) {
      if (swap_annotated)
        return r_fail(r, "annotations[\"" ANN_SWAP "\"]",
                      "only used without a memory limit (else linux.resources.memory.swap)");
      if (!x || total == SBX_UNSET)
        l->swap = SBX_UNSET;
      else if (total < l->memory)
        return r_fail(r, sub,
                      "%" PRIu64 " is below the memory limit %" PRIu64
                      " (OCI's swap counts memory plus swap)",
                      total, l->memory);
      else
        l->swap = total - l->memory;
    } else if (x && total != SBX_UNSET) {
      return r_fail(r, sub, "a swap limit without a memory limit is not supported");
    }
  }
  if ((o = member(j, "linux.resources", "pids", &path))) {
    if (r_object(r, path, o) < 0) return -1;
    if (!(x = member(o, path, "limit", &sub))) return r_fail(r, sub, "missing");
    if (r_limit(r, sub, x, true, &l->pids) < 0) return -1;
  }
  if ((o = member(j, "linux.resources", "cpu", &path))) {
    if (r_object(r, path, o) < 0) return -1;
    if ((x = member(o, path, "quota", &sub)) && r_limit(r, sub, x, true, &l->cpu_quota_us) < 0)
      return -1;
    if ((x = member(o, path, "period", &sub)) && r_limit(r, sub, x, true, &l->cpu_period_us) < 0)
      return -1;
  }
  return 0;
}

static int r_seccomp(rctx *r, const json_t *j, sbx_spec *s) {
  const char *P = "linux.seccomp";
  sbx_seccomp *sc = &s->seccomp;
  if (r_object(r, P, j) < 0) return -1;
  sc->enabled = true;
  _cleanup_free_ char *path = NULL, *sub = NULL;
  const json_t *x;
  const char *v;
  if (!(x = member(j, P, "defaultAction", &path))) return r_fail(r, path, "missing");
  if (r_string(r, path, x, &v) < 0) return -1;
  int a = sc_action_from_oci(v);
  if (a < 0) return r_fail(r, path, "unknown action '%s'", v);
  sc->default_action = (sbx_seccomp_action)a;
  sc->default_errno = EPERM; /* runc's default for SCMP_ACT_ERRNO */
  if ((x = member(j, P, "defaultErrnoRet", &path)) && r_u32(r, path, x, &sc->default_errno) < 0)
    return -1;
  if ((x = member(j, P, "architectures", &path))) {
    if (r_strv(r, path, x, &sc->architectures, &sc->n_architectures) < 0) return -1;
    for (size_t i = 0; i < sc->n_architectures; i++)
      if (spec_json_index_of(spec_json_oci_arches, ARRAY_SIZE(spec_json_oci_arches),
                             sc->architectures[i]) < 0)
        return r_fail(r, path, "unknown architecture '%s'", sc->architectures[i]);
  }
  if ((x = member(j, P, "listenerPath", &path)))
    return r_fail(r, path, "seccomp user notification is not supported");
  const json_t *rules = member(j, P, "syscalls", &path);
  if (!rules) return 0;
  if (r_array(r, path, rules) < 0) return -1;
  size_t i;
  const json_t *e;
  json_array_foreach(rules, i, e) {
    _cleanup_free_ char *rp = xasprintf("%s.syscalls[%zu]", P, i);
    if (r_object(r, rp, e) < 0) return -1;
    if (!(x = member(e, rp, "action", &sub))) return r_fail(r, sub, "missing");
    if (r_string(r, sub, x, &v) < 0) return -1;
    if ((a = sc_action_from_oci(v)) < 0) return r_fail(r, sub, "unknown action '%s'", v);
    sbx_seccomp_rule *rule = spec_add_seccomp_rule(s, (sbx_seccomp_action)a, EPERM);
    if ((x = member(e, rp, "errnoRet", &sub)) && r_u32(r, sub, x, &rule->errno_ret) < 0) return -1;
    if (!(x = member(e, rp, "names", &sub))) return r_fail(r, sub, "missing");
    if (r_strv(r, sub, x, &rule->names, &rule->n_names) < 0) return -1;
    if (rule->n_names == 0) return r_fail(r, sub, "no syscall names");
    const json_t *args = member(e, rp, "args", &sub);
    if (!args) continue;
    _cleanup_free_ char *apath = xstrdup(sub);
    if (r_array(r, apath, args) < 0) return -1;
    size_t k;
    const json_t *ao;
    json_array_foreach(args, k, ao) {
      _cleanup_free_ char *p = xasprintf("%s[%zu]", apath, k);
      if (r_object(r, p, ao) < 0) return -1;
      int64_t index;
      uint64_t value, value_two = 0;
      if (!(x = member(ao, p, "index", &sub))) return r_fail(r, sub, "missing");
      if (r_int(r, sub, x, 0, 5, &index) < 0) return -1;
      if (!(x = member(ao, p, "value", &sub))) return r_fail(r, sub, "missing");
      if (r_u64(r, sub, x, &value) < 0) return -1;
      if ((x = member(ao, p, "valueTwo", &sub)) && r_u64(r, sub, x, &value_two) < 0) return -1;
      if (!(x = member(ao, p, "op", &sub))) return r_fail(r, sub, "missing");
      if (r_string(r, sub, x, &v) < 0) return -1;
      int op = sc_op_from_oci(v);
      if (op < 0) return r_fail(r, sub, "unknown operator '%s'", v);
      spec_rule_add_arg(rule, (unsigned)index, (sbx_seccomp_op)op, value, value_two);
    }
  }
  return 0;
}

static int r_linux(rctx *r, const json_t *doc, sbx_spec *s, bool swap_annotated) {
  const json_t *l = json_object_get(doc, "linux");
  if (!l) return r_fail(r, "linux", "missing");
  if (r_object(r, "linux", l) < 0) return -1;
  _cleanup_free_ char *path = NULL;
  const json_t *x;
  if ((x = member(l, "linux", "uidMappings", &path)) &&
      r_mappings(r, path, x, &s->uid_mappings, &s->n_uid_mappings) < 0)
    return -1;
  if ((x = member(l, "linux", "gidMappings", &path)) &&
      r_mappings(r, path, x, &s->gid_mappings, &s->n_gid_mappings) < 0)
    return -1;
  if ((x = member(l, "linux", "resources", &path)) && r_resources(r, x, s, swap_annotated) < 0)
    return -1;
  s->namespaces = 0;
  if ((x = member(l, "linux", "namespaces", &path))) {
    if (r_array(r, path, x) < 0) return -1;
    size_t i;
    const json_t *e;
    json_array_foreach(x, i, e) {
      _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i), *fp = NULL;
      if (r_object(r, p, e) < 0) return -1;
      const json_t *t = member(e, p, "type", &fp);
      const char *type;
      if (!t) return r_fail(r, fp, "missing");
      if (r_string(r, fp, t, &type) < 0) return -1;
      unsigned bit = ns_from_oci(type);
      if (!bit) return r_fail(r, fp, "unknown namespace '%s'", type);
      if (s->namespaces & bit) return r_fail(r, fp, "namespace '%s' is given twice", type);
      if (json_object_get(e, "path"))
        return r_fail(r, p, "joining an existing namespace (path) is not supported");
      s->namespaces |= bit;
    }
  }
  if ((x = member(l, "linux", "devices", &path))) {
    if (r_array(r, path, x) < 0) return -1;
    if (json_array_size(x)) return r_fail(r, path, "extra devices are not supported");
  }
  if ((x = member(l, "linux", "seccomp", &path)) && r_seccomp(r, x, s) < 0) return -1;
  if ((x = member(l, "linux", "maskedPaths", &path)) &&
      r_strv(r, path, x, &s->masked_paths, &s->n_masked_paths) < 0)
    return -1;
  if ((x = member(l, "linux", "readonlyPaths", &path)) &&
      r_strv(r, path, x, &s->readonly_paths, &s->n_readonly_paths) < 0)
    return -1;
  return 0;
}

/* Marks the binds whose destinations the mounts.optional annotation lists. */
static int r_apply_optional(rctx *r, const json_t *list, sbx_spec *s) {
  size_t i;
  const json_t *d;
  json_array_foreach(list, i, d) {
    const char *dest = json_string_value(d);
    bool found = false;
    for (size_t k = 0; k < s->n_mounts; k++)
      if (s->mounts[k].type == SBX_MOUNT_BIND && strcmp(s->mounts[k].target, dest) == 0) {
        s->mounts[k].flags |= SBX_MNT_OPTIONAL;
        found = true;
      }
    if (!found)
      return r_fail(r, "annotations[\"" ANN_OPTIONAL "\"]",
                    "'%s' is not a bind mount's destination", dest);
  }
  return 0;
}

static int r_document(rctx *r, const json_t *doc, sbx_spec *s) {
  if (!json_is_object(doc)) return r_fail(r, "(top)", "expected an object, not %s", type_name(doc));
  const json_t *v = json_object_get(doc, "ociVersion");
  const char *version;
  if (!v) return r_fail(r, "ociVersion", "missing");
  if (r_string(r, "ociVersion", v, &version) < 0) return -1;
  if (strncmp(version, "1.", 2) != 0)
    return r_fail(r, "ociVersion", "unsupported version '%s' (expected 1.x)", version);
  ann_state st = {0};
  int rc = r_annotations(r, doc, s, &st);
  _cleanup_json_ json_t *optional = st.optional;
  if (rc < 0) return -1;
  if (s->process.stdin_path && s->process.stdin_mode != SBX_STDIN_FILE)
    return r_fail(r, "annotations[\"" ANN_STDIN_PATH "\"]", "only used with stdin 'file'");
  bool swap_annotated = json_object_get(json_object_get(doc, "annotations"), ANN_SWAP) != NULL;
  bool cpu_annotated = s->limits.cpu_time_us != SBX_UNSET;
  if (r_process(r, doc, s) < 0) return -1;
  /* Absent rlimits are no limits, whatever spec_new's defaults. */
  s->limits.core = SBX_UNSET;
  const json_t *rl = json_object_get(json_object_get(doc, "process"), "rlimits");
  if (rl && r_rlimits(r, rl, s, cpu_annotated) < 0) return -1;
  const json_t *root = json_object_get(doc, "root");
  _cleanup_free_ char *path = NULL;
  if (!root && !st.fresh_root) return r_fail(r, "root", "missing");
  if (root) {
    if (r_object(r, "root", root) < 0) return -1;
    const json_t *x = member(root, "root", "path", &path);
    if (!x) return r_fail(r, path, "missing");
    if (st.fresh_root) {
      const char *ignored;
      if (r_string(r, path, x, &ignored) < 0) return -1;
    } else if (r_dup(r, path, x, &s->root.path) < 0) {
      return -1;
    }
    if ((x = member(root, "root", "readonly", &path)) && r_bool(r, path, x, &s->root.readonly) < 0)
      return -1;
  }
  if ((v = member(doc, NULL, "hostname", &path)) && r_dup(r, path, v, &s->hostname) < 0) return -1;
  if (r_mounts(r, doc, s) < 0) return -1;
  if (optional && r_apply_optional(r, optional, s) < 0) return -1;
  if (r_linux(r, doc, s, swap_annotated) < 0) return -1;
  /* Without the annotation, the network follows the namespaces as runc has it: a new network
   * namespace gets its loopback up, no namespace is the host's network. */
  if (!json_object_get(json_object_get(doc, "annotations"), ANN_NETWORK))
    s->network = (s->namespaces & SBX_NS_NET) ? SBX_NET_LOOPBACK : SBX_NET_HOST;
  return 0;
}

static int load_json(const char *name, const char *text, size_t len, sbx_spec **out,
                     sbx_error **err) {
  rctx r = {.name = name, .err = err};
  *out = NULL;
  if (len > SPEC_JSON_MAX_BYTES) {
    if (err && !*err)
      sbx_error_append(err, EFBIG, "%s: %zu bytes is more than the %d allowed", name, len,
                       SPEC_JSON_MAX_BYTES);
    return -1;
  }
  json_error_t jerr;
  /* Duplicate keys would let two readers see two different specs: reject them. Nesting depth
   * is bounded by jansson's parser (JSON_PARSER_MAX_DEPTH), so hostile input cannot exhaust
   * the stack. */
  _cleanup_json_ json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!doc) {
    /* jansson names its flag; a user needs to know what is wrong with the text. */
    static const char nul[] = "\\u0000 is not allowed without JSON_ALLOW_NUL";
    const char *text_msg = jerr.text;
    _cleanup_free_ char *fixed = NULL;
    if (strncmp(text_msg, nul, strlen(nul)) == 0)
      text_msg = fixed = xasprintf("\\u0000 is not allowed in a string%s", jerr.text + strlen(nul));
    if (err && !*err)
      sbx_error_append(err, EINVAL, "%s:%d:%d: %s", name, jerr.line, jerr.column, text_msg);
    return -1;
  }
  sbx_spec *s = spec_new();
  if (r_document(&r, doc, s) < 0) {
    sbx_spec_free(s);
    return -1;
  }
  *out = s;
  return 0;
}

int sbx_spec_load_json_string(const char *text, size_t len, sbx_spec **out, sbx_error **err) {
  if (!out) return sbx_set_error(err, EINVAL, "config.json: no place for the spec");
  if (!text) {
    *out = NULL;
    return sbx_set_error(err, EINVAL, "config.json: no text");
  }
  return load_json("config.json", text, len, out, err);
}

int sbx_spec_load_json(const char *path, sbx_spec **out, sbx_error **err) {
  if (!out) return sbx_set_error(err, EINVAL, "config.json: no place for the spec");
  *out = NULL;
  if (!path) return sbx_set_error(err, EINVAL, "config.json: no path");
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (read_file_max(path, SPEC_JSON_MAX_BYTES, &text, &len, err) < 0) return -1;
  return load_json(path, text, len, out, err);
}
