/* check.c: the spec's checker (spec_check, sandbox/spec.c) run on a translated profile, and its
 * problems located: the sections note where the profile wrote each field the checker may find
 * fault with, and a problem with the field at spec path "mounts[3].target" becomes
 * "job.yaml:7:13: filesystem.binds[2].target: ...". */
#include "translate.h"

#include "util.h"

void js_at_set(js_origins *o, js_at *at, const js_node *node, const char *path, char *prefix) {
  free(at->path);
  free(at->prefix);
  *at = (js_at){node, xstrdup(path), prefix, o->seq++};
}

/* Grows an array of `size`-byte places (zeroed) so that index i exists. */
static void *grow(void *v, size_t *n, size_t i, size_t size) {
  if (i < *n) return v;
  v = xrealloc_grow(v, (i + 1) * size);
  memset((char *)v + *n * size, 0, (i + 1 - *n) * size);
  *n = i + 1;
  return v;
}

void js_at_copy(js_at *dst, const js_at *src) {
  free(dst->path);
  free(dst->prefix);
  *dst = (js_at){src->node, src->path ? xstrdup(src->path) : NULL,
                 src->prefix ? xstrdup(src->prefix) : NULL, src->seq};
}

js_mount_at *js_origins_mount(js_origins *o, size_t i) {
  o->mounts = grow(o->mounts, &o->n_mounts, i, sizeof *o->mounts);
  return &o->mounts[i];
}

js_at *js_origins_list(js_at **list, size_t *n, size_t i) {
  *list = grow(*list, n, i, sizeof **list);
  return &(*list)[i];
}

js_rule_at *js_origins_rule(js_origins *o, size_t i) {
  o->rules = grow(o->rules, &o->n_rules, i, sizeof *o->rules);
  return &o->rules[i];
}

static void at_free(js_at *at) {
  free(at->path);
  free(at->prefix);
}

void js_origins_clear(js_origins *o) {
  for (size_t i = 0; i < JS_AT_COUNT; i++) at_free(&o->fields[i]);
  for (size_t i = 0; i < o->n_mounts; i++) {
    at_free(&o->mounts[i].mount);
    at_free(&o->mounts[i].source);
    at_free(&o->mounts[i].target);
  }
  for (size_t i = 0; i < o->n_masked; i++) at_free(&o->masked[i]);
  for (size_t i = 0; i < o->n_readonly; i++) at_free(&o->readonly[i]);
  for (size_t i = 0; i < o->n_rules; i++) {
    at_free(&o->rules[i].rule);
    for (size_t j = 0; j < JS_MAX_ARGS; j++) at_free(&o->rules[i].index[j]);
  }
  free(o->mounts);
  free(o->masked);
  free(o->readonly);
  free(o->rules);
  *o = (js_origins){0};
}

/* The spec paths of the single fields, and their names in a profile where they differ. */
static const struct {
  const char *path;
  js_field field;
  const char *name;
} fields[] = {
    {"process.cwd", JS_AT_CWD, NULL},
    {"process.umask", JS_AT_UMASK, NULL},
    {"network", JS_AT_NETWORK, NULL},
    {"namespaces.net", JS_AT_NS_NET, NULL},
    {"hostname", JS_AT_HOSTNAME, NULL},
    {"uid_mappings", JS_AT_ID_MAPPING, "id_mapping"},
    {"gid_mappings", JS_AT_ID_MAPPING, "id_mapping"},
    {"id_intent", JS_AT_ID_MAPPING, "id_mapping"},
    {"id_intent.host_uid", JS_AT_HOST_UID, "id_mapping.host_uid"},
    {"id_intent.host_gid", JS_AT_HOST_GID, "id_mapping.host_gid"},
    {"id_intent.count", JS_AT_ID_COUNT, "id_mapping.count"},
    {"limits.memory", JS_AT_MEMORY, NULL},
    {"limits.pids", JS_AT_PIDS, NULL},
    {"limits.cpu_quota_us", JS_AT_CPU_QUOTA, "limits.cpu_quota"},
    {"limits.cpu_period_us", JS_AT_CPU_PERIOD, "limits.cpu_period"},
    {"limits.kill_grace_us", JS_AT_KILL_GRACE, "limits.kill_grace"},
};

static const js_at *placed(const js_at *at) { return at && at->node ? at : NULL; }

/* Where the profile wrote the field at a spec path; NULL when it did not. */
static const js_at *locate(const js_origins *o, const char *path) {
  for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
    if (strcmp(fields[i].path, path) == 0) return placed(&o->fields[fields[i].field]);
  size_t i, j;
  const char *rest;
  if (spec_path_index(path, "uid_mappings", &i, &rest) ||
      spec_path_index(path, "gid_mappings", &i, &rest))
    return placed(&o->fields[JS_AT_ID_MAPPING]);
  if (spec_path_index(path, "mounts", &i, &rest) && i < o->n_mounts) {
    const js_mount_at *m = &o->mounts[i];
    const js_at *part = strcmp(rest, ".source") == 0   ? placed(&m->source)
                        : strcmp(rest, ".target") == 0 ? placed(&m->target)
                                                       : NULL;
    return part ? part : placed(&m->mount);
  }
  if (spec_path_index(path, "masked_paths", &i, &rest) && i < o->n_masked)
    return placed(&o->masked[i]);
  if (spec_path_index(path, "readonly_paths", &i, &rest) && i < o->n_readonly)
    return placed(&o->readonly[i]);
  if (spec_path_index(path, "seccomp.rules", &i, &rest) && i < o->n_rules) {
    const js_rule_at *r = &o->rules[i];
    const char *sub;
    if (rest[0] == '.' && spec_path_index(rest + 1, "args", &j, &sub) && j < JS_MAX_ARGS &&
        strcmp(sub, ".index") == 0 && placed(&r->index[j]))
      return &r->index[j];
    return placed(&r->rule);
  }
  return NULL;
}

typedef struct problem {
  const js_at *at; /* NULL: not placed */
  char *path;      /* the spec path */
  char *msg;
  size_t order; /* the checker's */
} problem;

typedef struct problems {
  const js_origins *o;
  problem *v;
  size_t n;
} problems;

static void collect(void *ctx, const char *path, const char *msg) {
  problems *p = ctx;
  p->v = xrealloc_grow(p->v, (p->n + 1) * sizeof *p->v);
  p->v[p->n] = (problem){locate(p->o, path), xstrdup(path), xstrdup(msg), p->n};
  p->n++;
}

static const char *profile_name(void *ctx, const char *path) {
  (void)ctx;
  for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
    if (strcmp(fields[i].path, path) == 0) return fields[i].name;
  return NULL;
}

static bool given(void *ctx, const char *path) {
  const problems *p = ctx;
  return locate(p->o, path) != NULL;
}

static size_t seq_of(const problem *p) { return p->at ? p->at->seq : SIZE_MAX; }

/* In the order of translation, then in the checker's; problems of no place last. */
static int compare_problems(const void *a, const void *b) {
  const problem *x = a, *y = b;
  size_t sx = seq_of(x), sy = seq_of(y);
  if (sx != sy) return sx < sy ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

void js_check(const js_node *root, const sbx_spec *spec, const js_origins *o, js_errors *e) {
  problems p = {.o = o};
  spec_front front = {.ctx = &p, .report = collect, .name = profile_name, .given = given};
  spec_check(spec, SPEC_CHECK_FORM | SPEC_CHECK_MEANING, &front);
  if (p.n > 1) qsort(p.v, p.n, sizeof *p.v, compare_problems);
  /* One problem for a value: a string bind is its source and its target, and the workdir's
   * target may be the working directory too; such places share a node and a sequence number, so
   * their problems are next to each other. */
  const js_node *last = NULL;
  for (size_t i = 0; i < p.n; i++) {
    const js_at *at = p.v[i].at;
    if (!at)
      js_error(e, root, p.v[i].path, "%s", p.v[i].msg);
    else if (at->node != last)
      js_error(e, at->node, at->path, "%s%s", at->prefix ? at->prefix : "", p.v[i].msg);
    last = at ? at->node : NULL;
    free(p.v[i].path);
    free(p.v[i].msg);
  }
  free(p.v);
}
