/* spec-json-read-process.c: config.json's `process`: the user, command, environment, working
 * directory, capabilities and rlimits (docs/oci.md, "process"). */
#include "spec-json-read.h"

#include "parse.h"
#include "util.h"

#include <inttypes.h>

static int read_caps(jr_ctx *r, const char *path, const json_t *j, uint64_t *out) {
  _cleanup_strv_ char **names = NULL;
  size_t n = 0;
  if (jr_strv(r, path, j, &names, &n) < 0) return -1;
  uint64_t caps = 0;
  for (size_t i = 0; i < n; i++) {
    int c = caps_from_name(names[i]);
    if (c < 0) {
      _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i);
      return jr_fail(r, p, "unknown capability '%s'", names[i]);
    }
    caps |= UINT64_C(1) << c;
  }
  *out = caps;
  return 0;
}

int jr_rlimits(jr_ctx *r, const json_t *j, sbx_spec *s, bool cpu_from_annotation) {
  if (jr_array(r, "process.rlimits", j) < 0) return -1;
  size_t i;
  const json_t *e;
  unsigned seen = 0;
  json_array_foreach(j, i, e) {
    _cleanup_free_ char *p = xasprintf("process.rlimits[%zu]", i), *fp = NULL;
    if (jr_object(r, p, e) < 0) return -1;
    const char *type;
    const json_t *t = jr_need(r, e, p, "type", &fp);
    if (!t) return -1;
    if (jr_string(r, fp, t, &type) < 0) return -1;
    int which = spec_json_index_of(spec_json_rlimit_names, RL_COUNT, type);
    if (which < 0)
      return jr_fail(r, fp,
                     "unsupported rlimit '%s' (supported: RLIMIT_NOFILE, RLIMIT_FSIZE, "
                     "RLIMIT_STACK, RLIMIT_CORE, RLIMIT_CPU)",
                     type);
    if (seen & (1u << which)) return jr_fail(r, fp, "'%s' is given twice", type);
    seen |= 1u << which;
    uint64_t hard, soft;
    const json_t *h = jr_need(r, e, p, "hard", &fp);
    if (!h) return -1;
    if (jr_u64(r, fp, h, &hard) < 0) return -1;
    const json_t *so = jr_need(r, e, p, "soft", &fp);
    if (!so) return -1;
    if (jr_u64(r, fp, so, &soft) < 0) return -1;
    if (soft > hard)
      return jr_fail(r, p, "soft limit %" PRIu64 " is above the hard limit %" PRIu64, soft, hard);
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
          return jr_fail(r, p, "%" PRIu64 " seconds is out of range", hard);
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
static int check_env(jr_ctx *r, const char *path, char **env, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *eq = strchr(env[i], '=');
    if (!eq || eq == env[i]) return jr_fail(r, path, "entry %zu '%s' is not NAME=value", i, env[i]);
    if (!parse_env_name(env[i], (size_t)(eq - env[i])))
      return jr_fail(r, path, "entry %zu: '%.*s' is not a valid environment variable name", i,
                     (int)(eq - env[i]), env[i]);
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
  return jr_fail(r, path, "entry %zu: variable '%.*s' is set twice", first_dup,
                 (int)env_name_len(e), e);
}

int jr_process(jr_ctx *r, const json_t *doc, sbx_spec *s) {
  const json_t *p = json_object_get(doc, "process");
  if (!p) return jr_fail(r, "process", "missing");
  if (jr_object(r, "process", p) < 0) return -1;
  _cleanup_free_ char *path = NULL, *sub = NULL;
  const json_t *j;
  if ((j = jr_member(p, "process", "terminal", &path))) {
    bool t;
    if (jr_bool(r, path, j, &t) < 0) return -1;
    if (t) return jr_fail(r, path, "a terminal is not supported");
  }
  const json_t *user = jr_need(r, p, "process", "user", &path);
  if (!user) return -1;
  if (jr_object(r, path, user) < 0) return -1;
  _cleanup_free_ char *upath = xstrdup(path);
  if (!(j = jr_need(r, user, upath, "uid", &sub)) || jr_u32(r, sub, j, &s->process.uid) < 0)
    return -1;
  if (!(j = jr_need(r, user, upath, "gid", &sub)) || jr_u32(r, sub, j, &s->process.gid) < 0)
    return -1;
  if ((j = jr_member(user, upath, "umask", &sub))) {
    if (jr_u32(r, sub, j, &s->process.umask) < 0) return -1;
  }
  if ((j = jr_member(user, upath, "additionalGids", &sub))) {
    if (jr_array(r, sub, j) < 0) return -1;
    if (json_array_size(j)) return jr_fail(r, sub, "additional groups are not supported");
  }
  if ((j = jr_member(p, "process", "args", &path)) &&
      jr_strv(r, path, j, &s->process.args, &s->process.n_args) < 0)
    return -1;
  if ((j = jr_member(p, "process", "env", &path))) {
    if (jr_strv(r, path, j, &s->process.env, &s->process.n_env) < 0) return -1;
    if (check_env(r, path, s->process.env, s->process.n_env) < 0) return -1;
  }
  if (!(j = jr_need(r, p, "process", "cwd", &path)) || jr_dup(r, path, j, &s->process.cwd) < 0)
    return -1;
  if ((j = jr_member(p, "process", "noNewPrivileges", &path)))
    if (jr_bool(r, path, j, &s->process.no_new_privileges) < 0) return -1;
  /* A capability is kept when the job can use it under any OCI runtime: in the bounding,
   * permitted and effective sets at once. Missing sets are empty. */
  if ((j = jr_member(p, "process", "capabilities", &path))) {
    if (jr_object(r, path, j) < 0) return -1;
    _cleanup_free_ char *cpath = xstrdup(path);
    static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable",
                                       "ambient"};
    uint64_t kept = ~UINT64_C(0);
    for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
      const json_t *set_j = jr_member(j, cpath, sets[i], &sub);
      uint64_t v = 0;
      if (set_j && read_caps(r, sub, set_j, &v) < 0) return -1;
      if (i < 3) kept &= v;
    }
    s->process.capabilities = kept;
  } else {
    s->process.capabilities = 0;
  }
  return 0;
}
