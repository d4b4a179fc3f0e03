/* translate-cgroup.c: `cgroup` and `cgroup_parent`. docs/profile.md documents both. */
#include "translate.h"

#include "parse.h"
#include "util.h"

void js_tr_cgroup(js_tr *t, const js_node *mode_n, const js_node *parent) {
  int mode;
  if (mode_n &&
      js_get_enum(t->e, mode_n, "cgroup",
                  (const char *const[]){"auto", "required", "optional", "off"}, 4, &mode)) {
    t->spec->cgroup_mode = (sbx_cgroup_mode)mode;
    const sbx_limits *l = &t->spec->limits;
    /* Limits the kernel enforces only through a cgroup (the limits section comes first). */
    const char *need = l->memory != SBX_UNSET         ? "limits.memory"
                       : l->pids != SBX_UNSET         ? "limits.pids"
                       : l->cpu_quota_us != SBX_UNSET ? "limits.cpus"
                                                      : NULL;
    if (mode == SBX_CGROUP_OFF && need)
      js_error(t->e, mode_n, "cgroup", "off, but %s needs a cgroup to be enforced", need);
  }
  const char *s;
  if (!parent || !js_get_string(t->e, parent, "cgroup_parent", &s)) return;
  if (!path_is_plain_relative(s)) {
    js_error(t->e, parent, "cgroup_parent",
             "'%s' is not a relative cgroup path: expected names joined by single '/', without "
             "'.', '..' or a leading or trailing '/'",
             s);
    return;
  }
  t->spec->cgroup_parent = xstrdup(s);
}
