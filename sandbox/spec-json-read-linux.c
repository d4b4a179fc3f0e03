/* spec-json-read-linux.c: config.json's `linux`: id mappings, resources, namespaces, devices,
 * seccomp, and the masked and read-only paths (docs/oci.md, "linux"). */
#include "spec-json-read.h"

#include "seccomp-fixed.h"

#include "util.h"

#include <inttypes.h>

static int read_mappings(jr_ctx *r, const char *path, const json_t *j, sbx_id_mapping **out,
                         size_t *n) {
  if (jr_array(r, path, j) < 0) return -1;
  free(*out);
  *n = json_array_size(j);
  *out = *n ? xcalloc(*n, sizeof **out) : NULL;
  for (size_t i = 0; i < *n; i++) {
    _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i), *fp = NULL;
    const json_t *e = json_array_get(j, i), *x;
    if (jr_object(r, p, e) < 0) return -1;
    if (!(x = jr_need(r, e, p, "containerID", &fp)) ||
        jr_u32(r, fp, x, &(*out)[i].container_id) < 0)
      return -1;
    if (!(x = jr_need(r, e, p, "hostID", &fp)) || jr_u32(r, fp, x, &(*out)[i].host_id) < 0)
      return -1;
    if (!(x = jr_need(r, e, p, "size", &fp)) || jr_u32(r, fp, x, &(*out)[i].size) < 0) return -1;
  }
  return 0;
}

/* An OCI limit where -1 (and, as runc reads it, 0) means "none". */
static int read_limit(jr_ctx *r, const char *path, const json_t *j, bool zero_is_unset,
                      uint64_t *out) {
  int64_t v;
  if (jr_int(r, path, j, -1, INT64_MAX, &v) < 0) return -1;
  *out = v < 0 || (v == 0 && zero_is_unset) ? SBX_UNSET : (uint64_t)v;
  return 0;
}

static int read_resources(jr_ctx *r, const json_t *j, sbx_spec *s, bool swap_annotated) {
  if (jr_object(r, "linux.resources", j) < 0) return -1;
  _cleanup_free_ char *path = NULL, *sub = NULL;
  const json_t *o, *x;
  sbx_limits *l = &s->limits;
  if ((o = jr_member(j, "linux.resources", "memory", &path))) {
    if (jr_object(r, path, o) < 0) return -1;
    uint64_t total = SBX_UNSET;
    if ((x = jr_member(o, path, "limit", &sub)) && read_limit(r, sub, x, false, &l->memory) < 0)
      return -1;
    if ((x = jr_member(o, path, "swap", &sub)) && read_limit(r, sub, x, false, &total) < 0)
      return -1;
    /* runc reads a swap of 0 as "not set"; it can only mean a total of 0 with a limit of 0. */
    if (x && total == 0 && l->memory != 0) total = SBX_UNSET;
    if (l->memory != SBX_UNSET) {
      if (swap_annotated)
        return jr_fail(r, "annotations[\"" ANN_SWAP "\"]",
                       "only used without a memory limit (else linux.resources.memory.swap)");
      if (!x || total == SBX_UNSET)
        l->swap = SBX_UNSET;
      else if (total < l->memory)
        return jr_fail(r, sub,
                       "%" PRIu64 " is below the memory limit %" PRIu64
                       " (OCI's swap counts memory plus swap)",
                       total, l->memory);
      else
        l->swap = total - l->memory;
    } else if (x && total != SBX_UNSET) {
      return jr_fail(r, sub, "a swap limit without a memory limit is not supported");
    }
  }
  if ((o = jr_member(j, "linux.resources", "pids", &path))) {
    if (jr_object(r, path, o) < 0) return -1;
    if (!(x = jr_need(r, o, path, "limit", &sub))) return -1;
    if (read_limit(r, sub, x, true, &l->pids) < 0) return -1;
  }
  if ((o = jr_member(j, "linux.resources", "cpu", &path))) {
    if (jr_object(r, path, o) < 0) return -1;
    if ((x = jr_member(o, path, "quota", &sub)) &&
        read_limit(r, sub, x, true, &l->cpu_quota_us) < 0)
      return -1;
    if ((x = jr_member(o, path, "period", &sub)) &&
        read_limit(r, sub, x, true, &l->cpu_period_us) < 0)
      return -1;
  }
  return 0;
}

/* The argument conditions of one rule. */
static int read_seccomp_args(jr_ctx *r, const char *path, const json_t *args,
                             sbx_seccomp_rule *rule) {
  if (jr_array(r, path, args) < 0) return -1;
  _cleanup_free_ char *sub = NULL;
  size_t k;
  const json_t *ao, *x;
  json_array_foreach(args, k, ao) {
    _cleanup_free_ char *p = xasprintf("%s[%zu]", path, k);
    uint32_t index;
    uint64_t value, value_two = 0;
    const char *v;
    if (jr_object(r, p, ao) < 0 || !(x = jr_need(r, ao, p, "index", &sub)) ||
        jr_u32(r, sub, x, &index) < 0 || !(x = jr_need(r, ao, p, "value", &sub)) ||
        jr_u64(r, sub, x, &value) < 0 ||
        ((x = jr_member(ao, p, "valueTwo", &sub)) && jr_u64(r, sub, x, &value_two) < 0) ||
        !(x = jr_need(r, ao, p, "op", &sub)) || jr_string(r, sub, x, &v) < 0)
      return -1;
    int op = sc_op_from_oci(v);
    if (op < 0) return jr_fail(r, sub, "unknown operator '%s'", v);
    spec_rule_add_arg(rule, index, (sbx_seccomp_op)op, value, value_two);
  }
  return 0;
}

/* The engine's own rules (seccomp-fixed.h), which the writer puts first, in the table's order
 * (the rules for every call only where the policy does not deny the syscall itself): dropped,
 * since the engine adds them to every filter, so that a spec written and read back is the
 * same spec. A policy whose first rule is one of those rows reads back without it: the same
 * filter, and the same config.json when written again. */
static void drop_fixed_rules(jr_ctx *r, sbx_seccomp *sc) {
  size_t k = 0;
  for (size_t t = 0; t < sc_n_fixed_rules && k < sc->n_rules; t++)
    if (sc_fixed_is(&sc_fixed_rules[t], &sc->rules[k])) k++;
  for (size_t i = 0; i < k; i++) {
    strv_free(sc->rules[i].names);
    free(sc->rules[i].args);
  }
  memmove(sc->rules, sc->rules + k, (sc->n_rules - k) * sizeof *sc->rules);
  sc->n_rules -= k;
  r->seccomp_fixed = k;
}

static int read_seccomp(jr_ctx *r, const json_t *j, sbx_spec *s) {
  const char *P = "linux.seccomp";
  sbx_seccomp *sc = &s->seccomp;
  if (jr_object(r, P, j) < 0) return -1;
  sc->enabled = true;
  _cleanup_free_ char *path = NULL, *sub = NULL;
  const json_t *x;
  const char *v;
  if (!(x = jr_need(r, j, P, "defaultAction", &path)) || jr_string(r, path, x, &v) < 0) return -1;
  int a = sc_action_from_oci(v);
  if (a < 0) return jr_fail(r, path, "unknown action '%s'", v);
  sc->default_action = (sbx_seccomp_action)a;
  sc->default_errno = EPERM; /* runc's default for SCMP_ACT_ERRNO */
  if ((x = jr_member(j, P, "defaultErrnoRet", &path)) && jr_u32(r, path, x, &sc->default_errno) < 0)
    return -1;
  if ((x = jr_member(j, P, "architectures", &path))) {
    if (jr_strv(r, path, x, &sc->architectures, &sc->n_architectures) < 0) return -1;
    for (size_t i = 0; i < sc->n_architectures; i++)
      if (spec_json_index_of(spec_json_oci_arches, ARRAY_SIZE(spec_json_oci_arches),
                             sc->architectures[i]) < 0)
        return jr_fail(r, path, "unknown architecture '%s'", sc->architectures[i]);
  }
  if ((x = jr_member(j, P, "listenerPath", &path)))
    return jr_fail(r, path, "seccomp user notification is not supported");
  const json_t *rules = jr_member(j, P, "syscalls", &path);
  if (!rules) return 0;
  if (jr_array(r, path, rules) < 0) return -1;
  size_t i;
  const json_t *e;
  json_array_foreach(rules, i, e) {
    _cleanup_free_ char *rp = xasprintf("%s.syscalls[%zu]", P, i);
    if (jr_object(r, rp, e) < 0) return -1;
    if (!(x = jr_need(r, e, rp, "action", &sub)) || jr_string(r, sub, x, &v) < 0) return -1;
    if ((a = sc_action_from_oci(v)) < 0) return jr_fail(r, sub, "unknown action '%s'", v);
    sbx_seccomp_rule *rule = spec_add_seccomp_rule(s, (sbx_seccomp_action)a, EPERM);
    if ((x = jr_member(e, rp, "errnoRet", &sub)) && jr_u32(r, sub, x, &rule->errno_ret) < 0)
      return -1;
    if (!(x = jr_need(r, e, rp, "names", &sub)) ||
        jr_strv(r, sub, x, &rule->names, &rule->n_names) < 0)
      return -1;
    const json_t *args = jr_member(e, rp, "args", &sub);
    if (args && read_seccomp_args(r, sub, args, rule) < 0) return -1;
  }
  drop_fixed_rules(r, sc);
  return 0;
}

int jr_linux(jr_ctx *r, const json_t *doc, sbx_spec *s, bool swap_annotated) {
  const json_t *l = json_object_get(doc, "linux");
  if (!l) return jr_fail(r, "linux", "missing");
  if (jr_object(r, "linux", l) < 0) return -1;
  _cleanup_free_ char *path = NULL;
  const json_t *x;
  if ((x = jr_member(l, "linux", "uidMappings", &path)) &&
      read_mappings(r, path, x, &s->uid_mappings, &s->n_uid_mappings) < 0)
    return -1;
  if ((x = jr_member(l, "linux", "gidMappings", &path)) &&
      read_mappings(r, path, x, &s->gid_mappings, &s->n_gid_mappings) < 0)
    return -1;
  if ((x = jr_member(l, "linux", "resources", &path)) &&
      read_resources(r, x, s, swap_annotated) < 0)
    return -1;
  s->namespaces = 0;
  if ((x = jr_member(l, "linux", "namespaces", &path))) {
    if (jr_array(r, path, x) < 0) return -1;
    size_t i;
    const json_t *e;
    json_array_foreach(x, i, e) {
      _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i), *fp = NULL;
      if (jr_object(r, p, e) < 0) return -1;
      const json_t *t = jr_need(r, e, p, "type", &fp);
      const char *type;
      if (!t) return -1;
      if (jr_string(r, fp, t, &type) < 0) return -1;
      unsigned bit = ns_from_oci(type);
      if (!bit) return jr_fail(r, fp, "unknown namespace '%s'", type);
      if (s->namespaces & bit) return jr_fail(r, fp, "namespace '%s' is given twice", type);
      if (json_object_get(e, "path"))
        return jr_fail(r, p, "joining an existing namespace (path) is not supported");
      s->namespaces |= bit;
    }
  }
  if ((x = jr_member(l, "linux", "devices", &path))) {
    if (jr_array(r, path, x) < 0) return -1;
    if (json_array_size(x)) return jr_fail(r, path, "extra devices are not supported");
  }
  if ((x = jr_member(l, "linux", "seccomp", &path)) && read_seccomp(r, x, s) < 0) return -1;
  if ((x = jr_member(l, "linux", "maskedPaths", &path)) &&
      jr_strv(r, path, x, &s->masked_paths, &s->n_masked_paths) < 0)
    return -1;
  if ((x = jr_member(l, "linux", "readonlyPaths", &path)) &&
      jr_strv(r, path, x, &s->readonly_paths, &s->n_readonly_paths) < 0)
    return -1;
  return 0;
}
