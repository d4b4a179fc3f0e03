/* spec-json-read.c: an OCI runtime-spec config.json into a spec (sbx_spec_load_json and
 * sbx_spec_load_json_string).
 *
 * The input is treated as hostile: at most SPEC_JSON_MAX_BYTES, duplicate keys rejected, nesting
 * bounded by jansson's parser (JSON_PARSER_MAX_DEPTH), every value type-checked, nothing
 * quadratic in the input's size, and every error located by its JSON path ("config.json:
 * linux.resources.memory.limit: expected an integer, not a string"). Unknown keys are ignored,
 * as the OCI spec asks of runtimes; unknown values of known enumerations, and annotations under
 * our prefix that we do not know, are errors. The mapping is documented in docs/oci.md.
 *
 * This file reads the document and its annotations; spec-json-read-*.c read the sections. What
 * config.json must not carry is the checker's to say (spec_check's rules of form), at the JSON
 * path of the field; what a spec means is left to sbx_spec_validate, as for any spec. */
#include "spec-json-read.h"

#include "parse.h"
#include "util.h"

/* What the annotations say, gathered before the rest of the document is read. */
typedef struct ann_state {
  bool fresh_root;
  json_t *optional; /* array of destination strings, or NULL */
  bool intent;      /* the id-mapping intent was given: the mappings are the writer's, not ours */
  bool seccomp_off; /* linux.seccomp holds only the engine's rules: no policy */
} ann_state;

static int r_ann_enum(jr_ctx *r, const char *path, const char *v, const char *const *names,
                      size_t n, int *out) {
  int i = spec_json_index_of(names, n, v);
  if (i < 0) {
    _cleanup_free_ char *list = xstrdup("");
    for (size_t k = 0; k < n; k++) {
      char *l = xasprintf("%s%s'%s'", list, k ? ", " : "", names[k]);
      free(list);
      list = l;
    }
    return jr_fail(r, path, "unknown value '%s' (expected %s)", v, list);
  }
  *out = i;
  return 0;
}

/* A decimal annotation value; 2^64-1 is SBX_UNSET, which the annotation's absence says. */
static int r_ann_u64(jr_ctx *r, const char *path, const char *v, uint64_t *out) {
  uint64_t x;
  if (parse_decimal(v, &x) < 0 || x == UINT64_MAX)
    return jr_fail(r, path, "'%s' is not a decimal integer below 2^64-1", v);
  *out = x;
  return 0;
}

static int r_annotations(jr_ctx *r, const json_t *doc, sbx_spec *s, ann_state *st) {
  const json_t *o = json_object_get(doc, "annotations");
  if (!o) return 0;
  if (jr_object(r, "annotations", o) < 0) return -1;
  const char *key;
  const json_t *val;
  json_object_foreach((json_t *)o, key, val) {
    _cleanup_free_ char *path = xasprintf("annotations[\"%s\"]", key);
    const char *v;
    if (jr_string(r, path, val, &v) < 0) return -1;
    if (!jr_has_prefix(key, SBX_ANNOTATION_PREFIX)) {
      spec_add_annotation(s, key, v);
      continue;
    }
    int e;
    if (strcmp(key, ANN_ROOT) == 0) {
      if (strcmp(v, FRESH_ROOT_VALUE) != 0)
        return jr_fail(r, path, "unknown value '%s' (expected '" FRESH_ROOT_VALUE "')", v);
      st->fresh_root = true;
    } else if (strcmp(key, ANN_WALL_TIME) == 0) {
      if (r_ann_u64(r, path, v, &s->limits.wall_time_us) < 0) return -1;
    } else if (strcmp(key, ANN_CPU_TIME) == 0) {
      if (r_ann_u64(r, path, v, &s->limits.cpu_time_us) < 0) return -1;
    } else if (strcmp(key, ANN_OUTPUT) == 0) {
      if (r_ann_u64(r, path, v, &s->limits.output) < 0) return -1;
    } else if (strcmp(key, ANN_KILL_GRACE) == 0) {
      if (r_ann_u64(r, path, v, &s->limits.kill_grace_us) < 0) return -1;
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
    } else if ((e = spec_json_index_of(spec_json_stdio_keys, 3, key)) >= 0) {
      int mode;
      if (r_ann_enum(r, path, v, spec_json_stdio_names, ARRAY_SIZE(spec_json_stdio_names), &mode) <
          0)
        return -1;
      s->process.stdio[e].mode = (sbx_stdio_mode)mode;
    } else if ((e = spec_json_index_of(spec_json_stdio_path_keys, 3, key)) >= 0) {
      s->process.stdio[e].path = xstrdup(v);
    } else if (strcmp(key, ANN_CGROUP) == 0) {
      if (r_ann_enum(r, path, v, spec_json_cgroup_names, ARRAY_SIZE(spec_json_cgroup_names), &e) <
          0)
        return -1;
      s->cgroup_mode = (sbx_cgroup_mode)e;
    } else if (strcmp(key, ANN_CGROUP_PARENT) == 0) {
      s->cgroup_parent = xstrdup(v);
    } else if (strcmp(key, ANN_ID_MAPPING) == 0) {
      if (spec_json_intent_parse(v, &s->id_intent) < 0)
        return jr_fail(r, path, "expected host_uid=ID|auto,host_gid=ID|auto,count=N, not '%s'", v);
      st->intent = true;
    } else if (strcmp(key, ANN_ETC) == 0) {
      if (r_ann_enum(r, path, v, spec_json_etc_names, ARRAY_SIZE(spec_json_etc_names), &e) < 0)
        return -1;
      s->root.etc = (sbx_etc_mode)e;
    } else if (strcmp(key, ANN_SECCOMP) == 0) {
      if (strcmp(v, SECCOMP_OFF_VALUE) != 0)
        return jr_fail(r, path, "unknown value '%s' (expected '" SECCOMP_OFF_VALUE "')", v);
      st->seccomp_off = true;
    } else if (strcmp(key, ANN_OPTIONAL) == 0) {
      json_error_t jerr;
      json_t *list = json_loads(v, JSON_REJECT_DUPLICATES, &jerr);
      if (!list || !json_is_array(list)) {
        json_decref(list);
        return jr_fail(r, path, "expected a JSON array of mount destinations in a string");
      }
      st->optional = list;
      if (json_array_size(list) > SPEC_JSON_MAX_MOUNTS)
        return jr_fail(r, path, "more than %d destinations", SPEC_JSON_MAX_MOUNTS);
      size_t i;
      const json_t *d;
      json_array_foreach(list, i, d) {
        if (!json_is_string(d))
          return jr_fail(r, path, "element %zu: expected a string, not %s", i, jr_type_name(d));
      }
    } else {
      return jr_fail(r, path,
                     "unknown sandbox annotation (known: root, limits.wall-time-us, "
                     "limits.cpu-time-us, limits.output-bytes, limits.swap-bytes, "
                     "network, stdin, stdin.path, stdout, stdout.path, stderr, "
                     "stderr.path, cgroup, cgroup.parent, mounts.optional, id-mapping, etc, "
                     "seccomp, limits.kill-grace-us)");
    }
  }
  return 0;
}

/* The JSON path of a spec field the checker names (spec.h; only the SPEC_CHECK_FORM rules). */
static char *json_path(const jr_ctx *r, const char *path) {
  size_t i;
  const char *rest;
  if (strcmp(path, "process.umask") == 0) return xstrdup("process.user.umask");
  if (spec_path_index(path, "mounts", &i, &rest) && i < r->n_mount_at)
    return xasprintf("mounts[%zu]%s", r->mount_at[i], rest);
  if (spec_path_index(path, "seccomp.rules", &i, &rest))
    return xasprintf("linux.seccomp.syscalls[%zu]%s", i + r->seccomp_fixed, rest);
  return xstrdup(path);
}

static void report_problem(void *ctx, const char *path, const char *msg) {
  jr_ctx *r = ctx;
  _cleanup_free_ char *where = json_path(r, path);
  jr_fail(r, where, "%s", msg);
}

static int compare_targets(const void *a, const void *b) {
  return strcmp((*(sbx_mount *const *)a)->target, (*(sbx_mount *const *)b)->target);
}

/* Marks the binds whose destinations the mounts.optional annotation lists: the binds sorted by
 * destination, each listed one found by binary search (both lists hold up to 4096). */
static int r_apply_optional(jr_ctx *r, const json_t *list, sbx_spec *s) {
  _cleanup_free_ sbx_mount **binds = xcalloc(s->n_mounts + 1, sizeof *binds);
  size_t n = 0;
  for (size_t k = 0; k < s->n_mounts; k++)
    if (s->mounts[k].type == SBX_MOUNT_BIND) binds[n++] = &s->mounts[k];
  if (n > 1) qsort(binds, n, sizeof *binds, compare_targets);
  size_t i;
  const json_t *d;
  json_array_foreach(list, i, d) {
    sbx_mount key = {.target = (char *)json_string_value(d)}, *kp = &key;
    sbx_mount **hit = n ? bsearch(&kp, binds, n, sizeof *binds, compare_targets) : NULL;
    if (!hit)
      return jr_fail(r, "annotations[\"" ANN_OPTIONAL "\"]",
                     "'%s' is not a bind mount's destination", key.target);
    /* Every bind on that destination: the equal ones next to the one found. */
    size_t first = (size_t)(hit - binds), last = first;
    while (first > 0 && strcmp(binds[first - 1]->target, key.target) == 0) first--;
    while (last + 1 < n && strcmp(binds[last + 1]->target, key.target) == 0) last++;
    for (size_t k = first; k <= last; k++) binds[k]->flags |= SBX_MNT_OPTIONAL;
  }
  return 0;
}

static int r_document(jr_ctx *r, const json_t *doc, sbx_spec *s) {
  if (!json_is_object(doc))
    return jr_fail(r, "(top)", "expected an object, not %s", jr_type_name(doc));
  const json_t *v = json_object_get(doc, "ociVersion");
  const char *version;
  if (!v) return jr_fail(r, "ociVersion", "missing");
  if (jr_string(r, "ociVersion", v, &version) < 0) return -1;
  if (strncmp(version, "1.", 2) != 0)
    return jr_fail(r, "ociVersion", "unsupported version '%s' (expected 1.x)", version);
  ann_state st = {0};
  int rc = r_annotations(r, doc, s, &st);
  _cleanup_json_ json_t *optional = st.optional;
  if (rc < 0) return -1;
  for (int i = 0; i < 3; i++)
    if (s->process.stdio[i].path && s->process.stdio[i].mode != SBX_STDIO_FILE) {
      _cleanup_free_ char *at = xasprintf("annotations[\"%s\"]", spec_json_stdio_path_keys[i]);
      return jr_fail(r, at, "only used with %s 'file'",
                     spec_json_stdio_keys[i] + strlen(SBX_ANNOTATION_PREFIX));
    }
  bool swap_annotated = json_object_get(json_object_get(doc, "annotations"), ANN_SWAP) != NULL;
  bool cpu_annotated = s->limits.cpu_time_us != SBX_UNSET;
  if (jr_process(r, doc, s) < 0) return -1;
  /* Absent rlimits are no limits, whatever spec_new's defaults. */
  s->limits.core = SBX_UNSET;
  const json_t *rl = json_object_get(json_object_get(doc, "process"), "rlimits");
  if (rl && jr_rlimits(r, rl, s, cpu_annotated) < 0) return -1;
  const json_t *root = json_object_get(doc, "root");
  _cleanup_free_ char *path = NULL;
  if (!root && !st.fresh_root) return jr_fail(r, "root", "missing");
  if (root) {
    if (jr_object(r, "root", root) < 0) return -1;
    const json_t *x = jr_need(r, root, "root", "path", &path);
    if (!x) return -1;
    if (st.fresh_root) {
      const char *ignored;
      if (jr_string(r, path, x, &ignored) < 0) return -1;
    } else if (jr_dup(r, path, x, &s->root.path) < 0) {
      return -1;
    }
    if ((x = jr_member(root, "root", "readonly", &path)) &&
        jr_bool(r, path, x, &s->root.readonly) < 0)
      return -1;
  }
  if ((v = jr_member(doc, NULL, "hostname", &path)) && jr_dup(r, path, v, &s->hostname) < 0)
    return -1;
  if (jr_mounts(r, doc, s) < 0) return -1;
  if (optional && r_apply_optional(r, optional, s) < 0) return -1;
  if (jr_linux(r, doc, s, swap_annotated) < 0) return -1;
  if (st.seccomp_off) {
    const sbx_seccomp *sc = &s->seccomp;
    if (sc->enabled &&
        (sc->default_action != SBX_SECCOMP_ALLOW || sc->n_rules || sc->n_architectures))
      return jr_fail(r, "linux.seccomp",
                     "with the annotation " ANN_SECCOMP "=" SECCOMP_OFF_VALUE
                     ", only the engine's own rules over an allow default");
    s->seccomp.enabled = false;
  }
  if (st.intent) {
    /* The maps were decided for the writer's caller; the run decides for its own. */
    free(s->uid_mappings);
    free(s->gid_mappings);
    s->uid_mappings = s->gid_mappings = NULL;
    s->n_uid_mappings = s->n_gid_mappings = 0;
  }
  /* Without the annotation, the network follows the namespaces as runc has it: a new network
   * namespace gets its loopback up, no namespace is the host's network. */
  if (!json_object_get(json_object_get(doc, "annotations"), ANN_NETWORK))
    s->network = (s->namespaces & SBX_NS_NET) ? SBX_NET_LOOPBACK : SBX_NET_HOST;
  /* What config.json must not carry is the checker's to say; what a spec means is left to
   * sbx_spec_validate, as for any spec (docs/oci.md). */
  spec_front front = {.ctx = r, .report = report_problem};
  return spec_check(s, SPEC_CHECK_FORM, &front) ? -1 : 0;
}

/* One "key=value" of the intent: an id or auto (SBX_ID_AUTO), or a count of 1 or more. */
static int intent_field(const char **p, const char *key, bool is_count, uint32_t *out) {
  size_t k = strlen(key);
  if (strncmp(*p, key, k) != 0 || (*p)[k] != '=') return -1;
  const char *v = *p + k + 1;
  size_t n = strcspn(v, ",");
  *p = v + n + (v[n] == ',');
  if (!is_count && n == 4 && strncmp(v, "auto", 4) == 0) {
    *out = SBX_ID_AUTO;
    return 0;
  }
  char buf[16];
  uint64_t x;
  if (n == 0 || n >= sizeof buf) return -1;
  memcpy(buf, v, n);
  buf[n] = '\0';
  if (parse_decimal(buf, &x) < 0 || x >= (is_count ? (uint64_t)UINT32_MAX + 1 : UINT32_MAX) ||
      (is_count && x == 0))
    return -1;
  *out = (uint32_t)x;
  return 0;
}

int spec_json_intent_parse(const char *v, sbx_id_intent *in) {
  sbx_id_intent got;
  const char *p = v;
  if (intent_field(&p, "host_uid", false, &got.host_uid) < 0 ||
      intent_field(&p, "host_gid", false, &got.host_gid) < 0 ||
      intent_field(&p, "count", true, &got.count) < 0 || *p || p[-1] == ',')
    return -1;
  *in = got;
  return 0;
}

static int load_json(const char *name, const char *text, size_t len, sbx_spec **out,
                     sbx_error **err) {
  jr_ctx r = {.name = name, .err = err};
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
  int rc = r_document(&r, doc, s);
  free(r.mount_at);
  if (rc < 0) {
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
