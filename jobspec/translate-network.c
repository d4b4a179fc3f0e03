/* translate-network.c: `namespaces`, `network` and `hostname`. docs/profile.md documents every
 * key. That the network and the host name need their namespaces is the checker's rule
 * (spec_check); `network: host` turns the net namespace off unless the profile says otherwise. */
#include "translate.h"

#include "util.h"

#include <ctype.h>

static const char *const ns_keys[] = {"user", "pid", "mount", "net", "ipc", "uts", "cgroup"};
static const unsigned ns_bits[] = {SBX_NS_USER, SBX_NS_PID, SBX_NS_MOUNT, SBX_NS_NET,
                                   SBX_NS_IPC,  SBX_NS_UTS, SBX_NS_CGROUP};

void js_tr_namespaces(js_tr *t, const js_node *ns) {
  if (!js_check_keys(t->e, ns, "namespaces", ns_keys, ARRAY_SIZE(ns_keys))) return;
  for (size_t i = 0; i < ARRAY_SIZE(ns_keys); i++) {
    const js_node *n = js_map_get(ns, ns_keys[i]);
    if (!n) continue;
    _cleanup_free_ char *p = js_path("namespaces", ns_keys[i]);
    bool on;
    if (!js_get_bool(t->e, n, p, &on)) continue;
    if (ns_bits[i] == SBX_NS_NET) js_at_set(t->at, &t->at->fields[JS_AT_NS_NET], n, p, NULL);
    if (on)
      t->spec->namespaces |= ns_bits[i];
    else
      t->spec->namespaces &= ~ns_bits[i];
  }
}

static bool hostname_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 64 || s[0] == '-' || s[0] == '.') return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.') return false;
  return true;
}

void js_tr_network(js_tr *t, const js_node *net, const js_node *hostname) {
  sbx_spec *spec = t->spec;
  int mode = SBX_NET_NONE;
  if (net && js_get_enum(t->e, net, "network", (const char *const[]){"none", "loopback", "host"}, 3,
                         &mode)) {
    spec->network = (sbx_network)mode;
    js_at_set(t->at, &t->at->fields[JS_AT_NETWORK], net, "network", NULL);
  }
  /* The host's network is no net namespace of its own, unless namespaces.net says so (which
   * the checker then finds contradictory). */
  if (spec->network == SBX_NET_HOST && !t->at->fields[JS_AT_NS_NET].node)
    spec->namespaces &= ~(unsigned)SBX_NS_NET;
  const char *s;
  if (!hostname || !js_get_string(t->e, hostname, "hostname", &s)) return;
  if (!hostname_ok(s)) {
    js_error(t->e, hostname, "hostname",
             "'%s' is not a host name (letters, digits, '-' and '.', at most 64)", s);
    return;
  }
  spec->hostname = xstrdup(s);
  js_at_set(t->at, &t->at->fields[JS_AT_HOSTNAME], hostname, "hostname", NULL);
}
