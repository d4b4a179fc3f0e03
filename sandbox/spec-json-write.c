/* spec-json-write.c: the spec as an OCI runtime-spec config.json (sbx_spec_to_json).
 *
 * The document is a valid OCI spec that runc accepts; settings OCI has no field for travel as
 * annotations (spec-json.h, docs/oci.md), so that it reads back into an equal spec (spec_equal).
 * The output is deterministic: keys come out in a fixed order (jansson keeps insertion order)
 * and nothing depends on the host, so golden files can be compared byte for byte. */
#include "spec-json.h"

#include "engine.h"

#include "parse.h"
#include "seccomp-fixed.h"
#include "util.h"

#include <inttypes.h>

typedef struct wctx {
  sbx_error **err;
  bool failed;
} wctx;

static void oom_if_null(const void *p) {
  if (!p) {
    static const char msg[] = "sandbox: out of memory\n";
    ssize_t r = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)r;
    abort();
  }
}

SBX_PRINTF(3, 4) static void w_fail(wctx *w, int code, const char *fmt, ...) {
  if (w->failed) return;
  w->failed = true;
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  if (w->err && !*w->err) sbx_error_append(w->err, code, "config.json: %s", msg);
}

static void report_problem(void *ctx, const char *path, const char *msg) {
  w_fail(ctx, EINVAL, "%s: %s", path, msg);
}

/* Adds `value` (a new reference, never NULL) to an object or array. */
static void set(json_t *obj, const char *key, json_t *value) {
  oom_if_null(value);
  if (json_object_set_new(obj, key, value) < 0) oom_if_null(NULL);
}
static void push(json_t *arr, json_t *value) {
  oom_if_null(value);
  if (json_array_append_new(arr, value) < 0) oom_if_null(NULL);
}

static json_t *new_object(void) {
  json_t *o = json_object();
  oom_if_null(o);
  return o;
}
static json_t *new_array(void) {
  json_t *a = json_array();
  oom_if_null(a);
  return a;
}

/* A JSON string. JSON holds only UTF-8 text: anything else is an error on `path`. */
static json_t *w_str(wctx *w, const char *path, const char *s) {
  json_t *j = json_string(s ? s : "");
  if (!j) {
    w_fail(w, EILSEQ, "%s: '%s' is not valid UTF-8, which JSON cannot hold", path, s);
    j = json_null();
  }
  return j;
}

/* A JSON integer from an unsigned value; jansson integers are signed 64-bit. */
static json_t *w_uint(wctx *w, const char *path, uint64_t v) {
  if (v > INT64_MAX) {
    w_fail(w, ERANGE, "%s: %" PRIu64 " is too large for a JSON integer", path, v);
    return json_null();
  }
  return json_integer((json_int_t)v);
}

static json_t *w_strv(wctx *w, const char *path, char *const *v) {
  json_t *a = new_array();
  for (size_t i = 0; v && v[i]; i++) {
    _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i);
    push(a, w_str(w, p, v[i]));
  }
  return a;
}

static json_t *w_caps(uint64_t caps) {
  json_t *a = new_array();
  for (int c = 0; c <= caps_last(); c++)
    if (caps & (UINT64_C(1) << c)) push(a, json_string(caps_to_name(c)));
  return a;
}

static void w_rlimit(wctx *w, json_t *arr, int which, uint64_t v) {
  if (v == SBX_UNSET) return;
  json_t *r = new_object();
  set(r, "type", json_string(spec_json_rlimit_names[which]));
  set(r, "hard", w_uint(w, "process.rlimits", v));
  set(r, "soft", w_uint(w, "process.rlimits", v));
  push(arr, r);
}

static json_t *w_process(wctx *w, const sbx_spec *s) {
  const sbx_process *p = &s->process;
  json_t *o = new_object();
  set(o, "terminal", json_false());
  json_t *user = new_object();
  set(user, "uid", json_integer(p->uid));
  set(user, "gid", json_integer(p->gid));
  set(user, "umask", json_integer(p->umask));
  set(o, "user", user);
  set(o, "args", w_strv(w, "process.args", p->args));
  for (size_t i = 0; p->env && p->env[i]; i++) {
    const char *eq = strchr(p->env[i], '=');
    if (!eq || eq == p->env[i])
      w_fail(w, EINVAL, "process.env[%zu]: '%s' is not NAME=value", i, p->env[i]);
    else if (!parse_env_name(p->env[i], (size_t)(eq - p->env[i])))
      w_fail(w, EINVAL, "process.env[%zu]: '%.*s' is not a valid environment variable name", i,
             (int)(eq - p->env[i]), p->env[i]);
  }
  set(o, "env", w_strv(w, "process.env", p->env));
  if (!p->cwd) w_fail(w, EINVAL, "process.cwd: missing");
  set(o, "cwd", w_str(w, "process.cwd", p->cwd));
  for (int i = 0; i < 3; i++)
    if (p->stdio[i].path && p->stdio[i].mode != SBX_STDIO_FILE)
      w_fail(w, EINVAL, "process.stdio[%d].path: set, but %s is not a file", i,
             spec_json_stdio_keys[i] + strlen(SBX_ANNOTATION_PREFIX));
  json_t *caps = new_object();
  set(caps, "bounding", w_caps(p->capabilities));
  set(caps, "effective", w_caps(p->capabilities));
  set(caps, "inheritable", w_caps(p->capabilities));
  set(caps, "permitted", w_caps(p->capabilities));
  set(caps, "ambient", w_caps(p->capabilities));
  set(o, "capabilities", caps);
  json_t *rl = new_array();
  const sbx_limits *l = &s->limits;
  w_rlimit(w, rl, RL_NOFILE, l->open_files);
  w_rlimit(w, rl, RL_FSIZE, l->file_size);
  w_rlimit(w, rl, RL_STACK, l->stack);
  w_rlimit(w, rl, RL_CORE, l->core);
  /* RLIMIT_CPU is a backstop for the supervisor's CPU-time limit: whole seconds, rounded up. */
  if (l->cpu_time_us != SBX_UNSET)
    w_rlimit(w, rl, RL_CPU, l->cpu_time_us / 1000000 + (l->cpu_time_us % 1000000 != 0));
  set(o, "rlimits", rl);
  set(o, "noNewPrivileges", json_boolean(p->no_new_privileges));
  return o;
}

static void w_flag_options(json_t *opts, unsigned flags) {
  if (flags & SBX_MNT_RO) push(opts, json_string("ro"));
  if (flags & SBX_MNT_NOSUID) push(opts, json_string("nosuid"));
  if (flags & SBX_MNT_NODEV) push(opts, json_string("nodev"));
  if (flags & SBX_MNT_NOEXEC) push(opts, json_string("noexec"));
}

static void w_tmpfs_options(wctx *w, json_t *opts, const sbx_mount *m, const char *path) {
  w_flag_options(opts, m->flags);
  if (m->mode > 07777) w_fail(w, EINVAL, "%s: mode %o is not a file mode", path, m->mode);
  push(opts, json_sprintf("mode=%o", m->mode));
  if (m->size != SBX_UNSET) push(opts, json_sprintf("size=%" PRIu64, m->size));
}

static json_t *w_mount(wctx *w, const sbx_mount *m, const char *path) {
  static const char *const types[] = {
      [SBX_MOUNT_BIND] = "bind",  [SBX_MOUNT_TMPFS] = "tmpfs",   [SBX_MOUNT_PROC] = "proc",
      [SBX_MOUNT_DEV] = "tmpfs",  [SBX_MOUNT_DEVPTS] = "devpts", [SBX_MOUNT_MQUEUE] = "mqueue",
      [SBX_MOUNT_SYSFS] = "sysfs"};
  static const char *const sources[] = {
      [SBX_MOUNT_TMPFS] = "tmpfs",   [SBX_MOUNT_PROC] = "proc",     [SBX_MOUNT_DEV] = "tmpfs",
      [SBX_MOUNT_DEVPTS] = "devpts", [SBX_MOUNT_MQUEUE] = "mqueue", [SBX_MOUNT_SYSFS] = "sysfs"};
  if ((size_t)m->type >= ARRAY_SIZE(types)) {
    w_fail(w, EINVAL, "%s: unknown mount type %d", path, (int)m->type);
    return json_null();
  }
  if (m->flags & ~(unsigned)(SBX_MNT_RO | SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC |
                             SBX_MNT_OPTIONAL | SBX_MNT_RECURSIVE))
    w_fail(w, EINVAL, "%s: unknown mount flags 0x%x", path, m->flags);
  if (m->type != SBX_MOUNT_BIND && (m->flags & (SBX_MNT_OPTIONAL | SBX_MNT_RECURSIVE)))
    w_fail(w, EINVAL, "%s: only bind mounts can be optional or recursive", path);
  if (m->type == SBX_MOUNT_TMPFS && m->target && strcmp(m->target, "/dev") == 0)
    w_fail(w, EINVAL, "%s: a tmpfs on /dev reads back as the minimal /dev; use a dev mount", path);
  if (m->type == SBX_MOUNT_DEV && (!m->target || strcmp(m->target, "/dev") != 0))
    w_fail(w, EINVAL, "%s: the minimal /dev can only be mounted on /dev", path);
  if (!m->target) w_fail(w, EINVAL, "%s: no target", path);
  if (m->type != SBX_MOUNT_BIND && m->source)
    w_fail(w, EINVAL, "%s: only binds have a source (it would read back as NULL)", path);
  json_t *o = new_object();
  _cleanup_free_ char *dpath = xasprintf("%s.destination", path);
  set(o, "destination", w_str(w, dpath, m->target));
  set(o, "type", json_string(types[m->type]));
  if (m->type == SBX_MOUNT_BIND) {
    _cleanup_free_ char *spath = xasprintf("%s.source", path);
    set(o, "source", w_str(w, spath, m->source));
  } else {
    set(o, "source", json_string(sources[m->type]));
  }
  json_t *opts = new_array();
  switch (m->type) {
  case SBX_MOUNT_BIND:
    push(opts, json_string(m->flags & SBX_MNT_RECURSIVE ? "rbind" : "bind"));
    w_flag_options(opts, m->flags);
    break;
  case SBX_MOUNT_TMPFS:
  case SBX_MOUNT_DEV: w_tmpfs_options(w, opts, m, path); break;
  default: w_flag_options(opts, m->flags); break;
  }
  set(o, "options", opts);
  return o;
}

static json_t *w_mounts(wctx *w, const sbx_spec *s) {
  json_t *a = new_array();
  for (size_t i = 0; i < s->n_mounts; i++) {
    _cleanup_free_ char *path = xasprintf("mounts[%zu]", i);
    push(a, w_mount(w, &s->mounts[i], path));
    if (s->mounts[i].type == SBX_MOUNT_DEV) {
      push(a, spec_json_dev_extra_mount(0));
      push(a, spec_json_dev_extra_mount(1));
    }
  }
  return a;
}

/* The OCI destinations of the optional binds, as a JSON array in a string. */
static json_t *w_optional_binds(wctx *w, const sbx_spec *s) {
  _cleanup_json_ json_t *list = new_array();
  for (size_t i = 0; i < s->n_mounts; i++) {
    const sbx_mount *m = &s->mounts[i];
    if (m->type != SBX_MOUNT_BIND || !(m->flags & SBX_MNT_OPTIONAL)) continue;
    /* The annotation names destinations: every bind on the same one must agree. */
    for (size_t j = 0; j < s->n_mounts; j++) {
      const sbx_mount *o = &s->mounts[j];
      if (o->type == SBX_MOUNT_BIND && !(o->flags & SBX_MNT_OPTIONAL) && o->target && m->target &&
          strcmp(o->target, m->target) == 0)
        w_fail(w, EINVAL,
               "mounts[%zu]: an optional bind and a required bind on the same target '%s' "
               "cannot be told apart in config.json",
               i, m->target);
    }
    _cleanup_free_ char *path = xasprintf("mounts[%zu].destination", i);
    push(list, w_str(w, path, m->target));
  }
  if (json_array_size(list) == 0) return NULL;
  char *text = json_dumps(list, JSON_COMPACT);
  oom_if_null(text);
  json_t *j = json_string(text);
  free(text);
  return j;
}

static json_t *w_mappings(const sbx_id_mapping *m, size_t n) {
  json_t *a = new_array();
  for (size_t i = 0; i < n; i++)
    push(a, json_pack("{s:I, s:I, s:I}", "containerID", (json_int_t)m[i].container_id, "hostID",
                      (json_int_t)m[i].host_id, "size", (json_int_t)m[i].size));
  return a;
}

static json_t *w_resources(wctx *w, const sbx_limits *l) {
  json_t *o = new_object();
  if (l->memory != SBX_UNSET) {
    json_t *mem = new_object();
    set(mem, "limit", w_uint(w, "limits.memory", l->memory));
    /* OCI's swap is memory plus swap; -1 is unlimited. */
    if (l->swap == SBX_UNSET)
      set(mem, "swap", json_integer(-1));
    else if (l->swap > INT64_MAX - l->memory)
      w_fail(w, ERANGE, "limits.swap: memory plus swap is too large for a JSON integer");
    else
      set(mem, "swap", json_integer((json_int_t)(l->memory + l->swap)));
    set(o, "memory", mem);
  }
  if (l->pids != SBX_UNSET) {
    json_t *pids = new_object();
    set(pids, "limit", w_uint(w, "limits.pids", l->pids));
    set(o, "pids", pids);
  }
  if (l->cpu_quota_us != SBX_UNSET || l->cpu_period_us != SBX_UNSET) {
    json_t *cpu = new_object();
    if (l->cpu_quota_us != SBX_UNSET)
      set(cpu, "quota", w_uint(w, "limits.cpu_quota", l->cpu_quota_us));
    if (l->cpu_period_us != SBX_UNSET)
      set(cpu, "period", w_uint(w, "limits.cpu_period", l->cpu_period_us));
    set(o, "cpu", cpu);
  }
  return o;
}

static json_t *w_rule(wctx *w, const char *path, const sbx_seccomp_rule *r) {
  json_t *ro = new_object();
  _cleanup_free_ char *npath = xasprintf("%s.names", path);
  set(ro, "names", w_strv(w, npath, r->names));
  const char *a = sc_action_to_oci(r->action);
  if (!a) {
    w_fail(w, EINVAL, "%s: unknown action %d", path, (int)r->action);
    a = "";
  }
  set(ro, "action", json_string(a));
  if (r->action == SBX_SECCOMP_ERRNO) set(ro, "errnoRet", json_integer(r->errno_ret));
  if (r->n_args) {
    json_t *args = new_array();
    for (size_t j = 0; j < r->n_args; j++) {
      const sbx_seccomp_arg *x = &r->args[j];
      _cleanup_free_ char *apath = xasprintf("%s.args[%zu]", path, j);
      const char *op = sc_op_to_oci(x->op);
      if (!op) {
        w_fail(w, EINVAL, "%s: unknown operator %d", apath, (int)x->op);
        op = "";
      }
      json_t *ao = new_object();
      set(ao, "index", json_integer(x->index));
      set(ao, "value", w_uint(w, apath, x->value));
      set(ao, "valueTwo", w_uint(w, apath, x->value_two));
      set(ao, "op", json_string(op));
      push(args, ao);
    }
    set(ro, "args", args);
  }
  return ro;
}

/* The policy, after the engine's rules against setuid, setgid and file-capability files
 * (seccomp-fixed.h), so that runc enforces them too; a disabled policy is written as those
 * rules over an allow default (and ANN_SECCOMP says so). The reader drops them again. */
static json_t *w_seccomp(wctx *w, const sbx_seccomp *given) {
  static const sbx_seccomp fixed_only = {.default_action = SBX_SECCOMP_ALLOW};
  const sbx_seccomp *sc = given->enabled ? given : &fixed_only;
  json_t *o = new_object();
  const char *da = sc_action_to_oci(sc->default_action);
  if (!da) {
    w_fail(w, EINVAL, "seccomp: unknown default action %d", (int)sc->default_action);
    da = "";
  }
  set(o, "defaultAction", json_string(da));
  if (sc->default_action == SBX_SECCOMP_ERRNO)
    set(o, "defaultErrnoRet", json_integer(sc->default_errno));
  for (size_t i = 0; sc->architectures && sc->architectures[i]; i++)
    if (spec_json_index_of(spec_json_oci_arches, ARRAY_SIZE(spec_json_oci_arches),
                           sc->architectures[i]) < 0)
      w_fail(w, EINVAL, "seccomp.architectures[%zu]: unknown architecture '%s'", i,
             sc->architectures[i]);
  if (strv_len(sc->architectures) > 0)
    set(o, "architectures", w_strv(w, "seccomp.architectures", sc->architectures));
  json_t *rules = new_array();
  for (size_t i = 0; i < sc_n_fixed_rules; i++) {
    if (!sc_fixed_applies(sc, &sc_fixed_rules[i])) continue;
    sbx_seccomp_rule r;
    char *names[2];
    sbx_seccomp_arg arg;
    sc_fixed_as_rule(&sc_fixed_rules[i], &r, names, &arg);
    push(rules, w_rule(w, "seccomp (the engine's rules)", &r));
  }
  for (size_t i = 0; i < sc->n_rules; i++) {
    _cleanup_free_ char *path = xasprintf("seccomp.syscalls[%zu]", i);
    push(rules, w_rule(w, path, &sc->rules[i]));
  }
  set(o, "syscalls", rules);
  return o;
}

/* The mappings: the spec's explicit ones, or those the id-mapping policy decides for the
 * writer's caller from the spec's intent (runc needs them; our reader takes the intent from its
 * annotation instead). */
static void w_id_mappings(wctx *w, json_t *o, const sbx_spec *s, const idmap_host *caller) {
  if (s->n_uid_mappings) set(o, "uidMappings", w_mappings(s->uid_mappings, s->n_uid_mappings));
  if (s->n_gid_mappings) set(o, "gidMappings", w_mappings(s->gid_mappings, s->n_gid_mappings));
  /* Explicit mappings (even for one kind only) are written as they are. */
  if (s->n_uid_mappings || s->n_gid_mappings || !(s->namespaces & SBX_NS_USER)) return;
  idmap_host probed;
  if (!caller) {
    idmap_host_probe(s, geteuid(), getegid(), NULL, &probed);
    caller = &probed;
  }
  idmap_plan plan;
  sbx_error *e = NULL;
  if (idmap_plan_make(s, caller, &plan, &e) < 0) {
    w_fail(w, e->code, "%s", e->message);
    sbx_error_free(e);
    return;
  }
  set(o, "uidMappings", w_mappings(plan.uids, plan.n_uids));
  set(o, "gidMappings", w_mappings(plan.gids, plan.n_gids));
  idmap_plan_free(&plan);
}

char *spec_json_intent_format(const sbx_id_intent *in) {
  char u[16] = "auto", g[16] = "auto";
  if (in->host_uid != SBX_ID_AUTO) snprintf(u, sizeof u, "%u", in->host_uid);
  if (in->host_gid != SBX_ID_AUTO) snprintf(g, sizeof g, "%u", in->host_gid);
  return xasprintf("host_uid=%s,host_gid=%s,count=%u", u, g, in->count ? in->count : 1);
}

static json_t *w_linux(wctx *w, const sbx_spec *s, const idmap_host *caller) {
  json_t *o = new_object();
  w_id_mappings(w, o, s, caller);
  set(o, "resources", w_resources(w, &s->limits));
  if (s->namespaces & ~(unsigned)SBX_NS_ALL)
    w_fail(w, EINVAL, "namespaces: unknown namespace bits 0x%x", s->namespaces);
  json_t *ns = new_array();
  for (size_t i = 0; i < ARRAY_SIZE(spec_json_ns_order); i++)
    if (s->namespaces & spec_json_ns_order[i])
      push(ns, json_pack("{s:s}", "type", ns_to_oci(spec_json_ns_order[i])));
  set(o, "namespaces", ns);
  set(o, "seccomp", w_seccomp(w, &s->seccomp));
  set(o, "maskedPaths", w_strv(w, "maskedPaths", s->masked_paths));
  set(o, "readonlyPaths", w_strv(w, "readonlyPaths", s->readonly_paths));
  return o;
}

static void w_ann_u64(json_t *ann, const char *key, uint64_t v) {
  if (v == SBX_UNSET) return;
  set(ann, key, json_sprintf("%" PRIu64, v));
}

static const char *enum_name(wctx *w, const char *what, const char *const *names, size_t n, int v) {
  if (v < 0 || (size_t)v >= n) {
    w_fail(w, EINVAL, "%s: unknown value %d", what, v);
    return "";
  }
  return names[v];
}

static json_t *w_annotations(wctx *w, const sbx_spec *s) {
  json_t *o = new_object();
  if (!s->root.path) set(o, ANN_ROOT, json_string(FRESH_ROOT_VALUE));
  w_ann_u64(o, ANN_WALL_TIME, s->limits.wall_time_us);
  w_ann_u64(o, ANN_CPU_TIME, s->limits.cpu_time_us);
  w_ann_u64(o, ANN_OUTPUT, s->limits.output);
  if (s->limits.kill_grace_us != 0) w_ann_u64(o, ANN_KILL_GRACE, s->limits.kill_grace_us);
  /* Without a memory limit, OCI has nowhere to put swap: the annotation carries it. */
  if (s->limits.memory == SBX_UNSET && s->limits.swap != 0)
    set(o, ANN_SWAP,
        s->limits.swap == SBX_UNSET ? json_string("max")
                                    : json_sprintf("%" PRIu64, s->limits.swap));
  set(o, ANN_NETWORK,
      json_string(enum_name(w, "network", spec_json_network_names,
                            ARRAY_SIZE(spec_json_network_names), (int)s->network)));
  for (int i = 0; i < 3; i++) {
    const sbx_stdio *io = &s->process.stdio[i];
    _cleanup_free_ char *what = xasprintf("process.stdio[%d]", i);
    if (io->mode != SBX_STDIO_INHERIT)
      set(o, spec_json_stdio_keys[i],
          json_string(enum_name(w, what, spec_json_stdio_names, ARRAY_SIZE(spec_json_stdio_names),
                                (int)io->mode)));
    if (io->path) set(o, spec_json_stdio_path_keys[i], w_str(w, what, io->path));
  }
  if (s->cgroup_mode != SBX_CGROUP_AUTO)
    set(o, ANN_CGROUP,
        json_string(enum_name(w, "cgroup", spec_json_cgroup_names,
                              ARRAY_SIZE(spec_json_cgroup_names), (int)s->cgroup_mode)));
  if (!s->seccomp.enabled) set(o, ANN_SECCOMP, json_string(SECCOMP_OFF_VALUE));
  if (s->cgroup_parent) set(o, ANN_CGROUP_PARENT, w_str(w, "cgroup_parent", s->cgroup_parent));
  json_t *opt = w_optional_binds(w, s);
  if (opt) set(o, ANN_OPTIONAL, opt);
  if ((s->namespaces & SBX_NS_USER) && !s->n_uid_mappings && !s->n_gid_mappings) {
    _cleanup_free_ char *intent = spec_json_intent_format(&s->id_intent);
    set(o, ANN_ID_MAPPING, json_string(intent));
  }
  if (s->root.etc != SBX_ETC_GENERATED)
    set(o, ANN_ETC,
        json_string(enum_name(w, "root.etc", spec_json_etc_names, ARRAY_SIZE(spec_json_etc_names),
                              (int)s->root.etc)));
  for (size_t i = 0; i < s->n_annotations; i++) {
    const sbx_annotation *a = &s->annotations[i];
    _cleanup_free_ char *path = xasprintf("annotations[%zu]", i);
    if (!a->key || !*a->key) {
      w_fail(w, EINVAL, "%s: empty key", path);
      continue;
    }
    if (strncmp(a->key, SBX_ANNOTATION_PREFIX, strlen(SBX_ANNOTATION_PREFIX)) == 0) {
      w_fail(w, EINVAL, "%s: '%s' is under the prefix reserved for the sandbox's own settings",
             path, a->key);
      continue;
    }
    if (json_object_get(o, a->key)) {
      w_fail(w, EINVAL, "%s: duplicate key '%s'", path, a->key);
      continue;
    }
    json_t *key_check = json_string(a->key);
    json_decref(key_check);
    if (!key_check) {
      w_fail(w, EILSEQ, "%s: key is not valid UTF-8, which JSON cannot hold", path);
      continue;
    }
    set(o, a->key, w_str(w, path, a->value));
  }
  return o;
}

char *sbx_spec_to_json(const sbx_spec *s, sbx_error **err) { return spec_json_write(s, NULL, err); }

char *spec_json_write(const sbx_spec *s, const idmap_host *caller, sbx_error **err) {
  if (!s) {
    sbx_set_error(err, EINVAL, "config.json: no spec");
    return NULL;
  }
  wctx w = {.err = err};
  /* What the reader would refuse is refused here, so that what we write always reads back: the
   * checker's rules of form, and below what only config.json cannot carry. */
  spec_front front = {.ctx = &w, .report = report_problem};
  if (spec_check(s, SPEC_CHECK_FORM, &front)) return NULL;
  _cleanup_json_ json_t *doc = new_object();
  set(doc, "ociVersion", json_string(SBX_OCI_VERSION));
  set(doc, "process", w_process(&w, s));
  json_t *root = new_object();
  set(root, "path",
      s->root.path ? w_str(&w, "root.path", s->root.path) : json_string(FRESH_ROOT_PATH));
  set(root, "readonly", json_boolean(s->root.readonly));
  set(doc, "root", root);
  if (s->hostname) set(doc, "hostname", w_str(&w, "hostname", s->hostname));
  set(doc, "mounts", w_mounts(&w, s));
  set(doc, "linux", w_linux(&w, s, caller));
  set(doc, "annotations", w_annotations(&w, s));
  if (w.failed) return NULL;
  _cleanup_free_ char *text = json_dumps(doc, JSON_INDENT(2));
  oom_if_null(text);
  return xasprintf("%s\n", text);
}
