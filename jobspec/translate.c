/* translate.c: the profile schema's top level. Checks the top-level keys, hands each section to
 * its translate-*.c file in an order that lets later sections see what earlier ones set, then
 * has the spec checked (check.c). Every problem is a located error, and all of them are
 * collected (up to the cap). docs/profile.md documents every key. */
#include "translate.h"

#include "util.h"

void js_translate(const js_node *root, const js_context *ctx, sbx_spec *spec, js_errors *e) {
  static const char *const top[] = {
      "extends",       "description",  "process",    "filesystem", "limits",
      "network",       "hostname",     "namespaces", "id_mapping", "cgroup",
      "cgroup_parent", "capabilities", "seccomp",
  };
  if (!js_check_keys(e, root, "", top, ARRAY_SIZE(top))) return;
  js_origins at __attribute__((cleanup(js_origins_clear))) = {0};
  js_tr t = {.e = e, .ctx = ctx, .spec = spec, .at = &at};
  /* The job is root of its user namespace by default (mapped to an unprivileged host id): the
   * one id an unprivileged caller can map, and the one runc insists on finding mapped. */
  spec->process.uid = 0;
  spec->process.gid = 0;
  const js_node *n;
  const char *s;
  if ((n = js_map_get(root, "description"))) js_get_string(e, n, "description", &s);
  /* The namespaces first: the filesystem and the network depend on them. */
  if ((n = js_map_get(root, "namespaces"))) js_tr_namespaces(&t, n);
  /* The process before the filesystem: the workdir is the job's directory unless it has one. */
  if ((n = js_map_get(root, "process"))) js_tr_process(&t, n);
  js_tr_filesystem(&t, js_map_get(root, "filesystem"));
  /* The limits before the cgroup, which checks that they can be enforced. */
  if ((n = js_map_get(root, "limits"))) js_tr_limits(&t, n);
  js_tr_network(&t, js_map_get(root, "network"), js_map_get(root, "hostname"));
  /* The id mapping after the process (it maps the job's ids). Written with the user namespace
   * off, it is translated all the same, so that the checker can say it needs one. */
  const js_node *idm = js_map_get(root, "id_mapping");
  if (idm) js_at_set(&at, &at.fields[JS_AT_ID_MAPPING], idm, "id_mapping", NULL);
  if (idm || (spec->namespaces & SBX_NS_USER)) js_translate_id_mapping(e, idm, ctx, spec);
  js_tr_cgroup(&t, js_map_get(root, "cgroup"), js_map_get(root, "cgroup_parent"));
  if ((n = js_map_get(root, "capabilities"))) js_tr_capabilities(&t, n);
  if ((n = js_map_get(root, "seccomp"))) js_tr_seccomp(&t, n);
  js_check(root, spec, &at, e);
}
