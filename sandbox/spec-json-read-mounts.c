/* spec-json-read-mounts.c: config.json's `mounts`: types, options, and the three OCI mounts that
 * are the minimal /dev (docs/oci.md, "mounts"). */
#include "spec-json-read.h"

#include "parse.h"
#include "util.h"

static int option_flag(const char *o, unsigned *flags) {
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
    return strcmp(o, "newinstance") == 0 || jr_has_prefix(o, "ptmxmode=") ||
           jr_has_prefix(o, "mode=") || jr_has_prefix(o, "gid=");
  return false;
}

static int read_mount(jr_ctx *r, const char *path, const json_t *j, sbx_spec *s) {
  if (jr_object(r, path, j) < 0) return -1;
  _cleanup_free_ char *fp = NULL;
  const char *dest, *type = NULL, *source = NULL;
  const json_t *x = jr_need(r, j, path, "destination", &fp);
  if (!x) return -1;
  if (jr_string(r, fp, x, &dest) < 0) return -1;
  if ((x = jr_member(j, path, "type", &fp)) && jr_string(r, fp, x, &type) < 0) return -1;
  if ((x = jr_member(j, path, "source", &fp)) && jr_string(r, fp, x, &source) < 0) return -1;
  _cleanup_strv_ char **opts = NULL;
  size_t n_opts = 0;
  const json_t *oj = jr_member(j, path, "options", &fp);
  _cleanup_free_ char *opath = xstrdup(fp);
  if (oj && jr_strv(r, opath, oj, &opts, &n_opts) < 0) return -1;
  bool bind = false, rbind = false;
  for (size_t i = 0; i < n_opts; i++) {
    if (strcmp(opts[i], "bind") == 0) bind = true;
    if (strcmp(opts[i], "rbind") == 0) rbind = true;
  }
  sbx_mount_type mt;
  _cleanup_free_ char *tpath = xasprintf("%s.type", path);
  if ((!type || strcmp(type, "bind") == 0 || strcmp(type, "none") == 0) && (bind || rbind))
    mt = SBX_MOUNT_BIND;
  else if (!type)
    return jr_fail(r, tpath, "missing (and no bind option)");
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
    return jr_fail(r, tpath,
                   "unsupported mount type '%s' (supported: bind, tmpfs, proc, devpts, mqueue, "
                   "sysfs)",
                   type);
  sbx_mount *m = spec_add_mount(s, mt, mt == SBX_MOUNT_BIND ? source : NULL, dest, 0);
  if (mt == SBX_MOUNT_TMPFS) m->mode = 01777; /* the kernel's default for a tmpfs root */
  if (rbind) m->flags |= SBX_MNT_RECURSIVE;
  for (size_t i = 0; i < n_opts; i++) {
    _cleanup_free_ char *p = xasprintf("%s[%zu]", opath, i);
    const char *name = opts[i];
    if (strcmp(name, "bind") == 0 || strcmp(name, "rbind") == 0) {
      if (mt != SBX_MOUNT_BIND) return jr_fail(r, p, "'%s' on a %s mount", name, type);
      continue;
    }
    if (option_flag(name, &m->flags) || ignored_option(name, mt)) continue;
    if (mt == SBX_MOUNT_TMPFS || mt == SBX_MOUNT_DEV) {
      if (jr_has_prefix(name, "mode=")) {
        if (parse_octal(name + 5, 07777, &m->mode) < 0)
          return jr_fail(r, p, "bad mode '%s'", name + 5);
        continue;
      }
      if (jr_has_prefix(name, "size=")) {
        if (parse_size(name + 5, PARSE_SIZE_OPTION, &m->size) < 0)
          return jr_fail(r, p, "bad size '%s' (bytes, with an optional k, m or g)", name + 5);
        continue;
      }
    }
    return jr_fail(r, p, "unsupported option '%s' for a %s mount", name,
                   mt == SBX_MOUNT_BIND ? "bind" : type);
  }
  return 0;
}

int jr_mounts(jr_ctx *r, const json_t *doc, sbx_spec *s) {
  const json_t *a = json_object_get(doc, "mounts");
  if (!a) return 0;
  if (jr_array(r, "mounts", a) < 0) return -1;
  size_t n = json_array_size(a);
  if (n > SPEC_JSON_MAX_MOUNTS)
    return jr_fail(r, "mounts", "%zu mounts is more than the %d allowed", n, SPEC_JSON_MAX_MOUNTS);
  r->mount_at = xcalloc(n ? n : 1, sizeof *r->mount_at);
  for (size_t i = 0; i < n; i++) {
    _cleanup_free_ char *path = xasprintf("mounts[%zu]", i);
    if (read_mount(r, path, json_array_get(a, i), s) < 0) return -1;
    r->mount_at[r->n_mount_at++] = i;
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
