/* translate-ids.c: the `id_mapping` section: the intent (host ids or auto, and how many ids),
 * which the one id-mapping policy (sandbox/idmap-policy.c) decides for whoever runs the spec.
 * Nothing here depends on the caller: the same profile makes the same spec for root and for a
 * user. docs/profile.md gives the rules. */
#include "translate.h"

#include "util.h"

#include <ctype.h>

/* host_uid or host_gid: auto (SBX_ID_AUTO) or an id. */
static bool get_host_id(js_tr *t, const js_node *map, const char *key, js_field field,
                        uint32_t *out) {
  const js_node *n = js_map_get(map, key);
  if (!n) return true;
  _cleanup_free_ char *p = js_path("id_mapping", key);
  if (n->bad) return false;
  if (n->kind == JS_SCALAR && strcmp(n->str, "auto") == 0) return true;
  if (n->kind == JS_SCALAR && !isdigit((unsigned char)n->str[0]) && n->str[0] != '-') {
    js_error(t->e, n, p, "expected auto or a number, not '%s'", n->str);
    return false;
  }
  uint64_t v;
  if (!js_get_uint(t->e, n, p, UINT32_MAX - 1, &v)) return false;
  js_at_set(t->at, &t->at->fields[field], n, p, NULL);
  *out = (uint32_t)v;
  return true;
}

void js_tr_id_mapping(js_tr *t, const js_node *idm) {
  if (!idm) return;
  js_at_set(t->at, &t->at->fields[JS_AT_ID_MAPPING], idm, "id_mapping", NULL);
  if (!js_check_keys(t->e, idm, "id_mapping", JS_KEYS("host_uid", "host_gid", "count"))) return;
  sbx_id_intent in = {SBX_ID_AUTO, SBX_ID_AUTO, 1};
  bool ok = get_host_id(t, idm, "host_uid", JS_AT_HOST_UID, &in.host_uid);
  ok = get_host_id(t, idm, "host_gid", JS_AT_HOST_GID, &in.host_gid) && ok;
  const js_node *count_n = js_map_get(idm, "count");
  if (count_n) {
    uint64_t count;
    if (!js_get_uint(t->e, count_n, "id_mapping.count", UINT32_MAX, &count)) {
      ok = false;
    } else if (count == 0) {
      js_error(t->e, count_n, "id_mapping.count", "0 maps no id: the least is 1");
      ok = false;
    } else {
      in.count = (uint32_t)count;
      js_at_set(t->at, &t->at->fields[JS_AT_ID_COUNT], count_n, "id_mapping.count", NULL);
    }
  }
  if (ok) t->spec->id_intent = in;
}
