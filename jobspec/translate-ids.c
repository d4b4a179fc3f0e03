/* translate-ids.c: the `id_mapping` section: how the job's uid and gid map to the host's, for
 * an unprivileged caller and for root. docs/profile.md gives the rules. */
#include "jobspec.h"

#include "parse.h"
#include "util.h"

#include <ctype.h>
#include <pwd.h>

const char *jobspec_subuid_path, *jobspec_subgid_path;
const char *jobspec_newuidmap_path, *jobspec_newgidmap_path;

/* The first range of subordinate ids of the caller with at least `need` ids; false if none. */
static bool find_subid(const char *file, uint32_t id, uint64_t need, uint32_t *start) {
  _cleanup_fclose_ FILE *f = fopen(file, "re");
  if (!f) return false;
  char name[256] = "";
  struct passwd pw, *res = NULL;
  char buf[4096];
  if (getpwuid_r(id, &pw, buf, sizeof buf, &res) == 0 && res)
    snprintf(name, sizeof name, "%s", res->pw_name);
  char idstr[16];
  snprintf(idstr, sizeof idstr, "%u", id);
  char line[512];
  while (fgets(line, sizeof line, f)) {
    char *save = NULL;
    char *who = strtok_r(line, ":\n", &save), *s = strtok_r(NULL, ":\n", &save),
         *c = strtok_r(NULL, ":\n", &save);
    if (!who || !s || !c) continue;
    if (strcmp(who, idstr) != 0 && (!*name || strcmp(who, name) != 0)) continue;
    uint64_t sv, cv;
    if (parse_decimal(s, &sv) < 0 || parse_decimal(c, &cv) < 0) continue;
    if (cv < need || sv > UINT32_MAX || sv + cv > (uint64_t)UINT32_MAX + 1) continue;
    *start = (uint32_t)sv;
    return true;
  }
  return false;
}

typedef struct idmap_in {
  const char *what;      /* "uid" */
  const js_node *host_n; /* id_mapping.host_uid, or NULL */
  bool host_auto;
  uint64_t host;
  uint64_t count;
  const js_node *count_n;
  uint32_t inside; /* process.user.uid */
  uint32_t caller;
  const char *subid_file, *helper;
} idmap_in;

static void make_mapping(js_errors *e, const idmap_in *in, sbx_id_mapping **out, size_t *n_out) {
  sbx_id_mapping *m = xcalloc(2, sizeof *m);
  size_t n = 0;
  _cleanup_free_ char *hp = xasprintf("id_mapping.host_%s", in->what);
  if (in->count > 1 && in->inside >= in->count) {
    js_error(e, in->count_n, "id_mapping.count",
             "maps %s 0 to %llu, which leaves out the job's %s %u (process.user)", in->what,
             (unsigned long long)in->count - 1, in->what, in->inside);
    free(m);
    return;
  }
  if (in->caller == 0) {
    uint64_t host = in->host_auto ? (in->count > 1 ? 100000 : 65534) : in->host;
    if (!in->host_auto && host == 0) {
      js_error(e, in->host_n, hp,
               "the job never runs as the host's root: choose another "
               "%s, or auto",
               in->what);
      free(m);
      return;
    }
    if (host + in->count > (uint64_t)UINT32_MAX + 1) {
      js_error(e, in->host_n ? in->host_n : in->count_n, hp,
               "the range %llu + %llu goes past the largest id", (unsigned long long)host,
               (unsigned long long)in->count);
      free(m);
      return;
    }
    if (in->count == 1)
      m[n++] = (sbx_id_mapping){in->inside, (uint32_t)host, 1};
    else
      m[n++] = (sbx_id_mapping){0, (uint32_t)host, (uint32_t)in->count};
  } else {
    if (!in->host_auto && in->host != in->caller) {
      js_error(e, in->host_n, hp,
               "an unprivileged caller (%s %u) can map only its own %s; "
               "%llu needs root (or leave it auto)",
               in->what, in->caller, in->what, (unsigned long long)in->host);
      free(m);
      return;
    }
    uint32_t start;
    if (in->count > 1 && access(in->helper, X_OK) == 0 &&
        find_subid(in->subid_file, in->caller, in->count - 1, &start)) {
      m[n++] = (sbx_id_mapping){0, in->caller, 1};
      m[n++] = (sbx_id_mapping){1, start, (uint32_t)(in->count - 1)};
    } else {
      m[n++] = (sbx_id_mapping){in->inside, in->caller, 1};
    }
  }
  *out = m;
  *n_out = n;
}

static bool get_host_id(js_errors *e, const js_node *map, const char *key, bool *is_auto,
                        uint64_t *out) {
  const js_node *n = js_map_get(map, key);
  *is_auto = true;
  if (!n) return true;
  _cleanup_free_ char *p = js_path("id_mapping", key);
  if (n->bad) return false;
  if (n->kind == JS_SCALAR && strcmp(n->str, "auto") == 0) return true;
  if (n->kind == JS_SCALAR && !isdigit((unsigned char)n->str[0]) && n->str[0] != '-') {
    js_error(e, n, p, "expected auto or a number, not '%s'", n->str);
    return false;
  }
  if (!js_get_uint(e, n, p, UINT32_MAX - 1, out)) return false;
  *is_auto = false;
  return true;
}

void js_translate_id_mapping(js_errors *e, const js_node *idm, const js_context *ctx, sbx_spec *s) {
  bool uid_auto = true, gid_auto = true;
  uint64_t host_uid = 0, host_gid = 0, count = 1;
  const js_node *count_n = NULL;
  if (idm) {
    if (!js_check_keys(e, idm, "id_mapping", JS_KEYS("host_uid", "host_gid", "count"))) return;
    bool ok = get_host_id(e, idm, "host_uid", &uid_auto, &host_uid);
    ok = get_host_id(e, idm, "host_gid", &gid_auto, &host_gid) && ok;
    if ((count_n = js_map_get(idm, "count"))) {
      if (!js_get_uint(e, count_n, "id_mapping.count", UINT32_MAX, &count)) {
        ok = false;
      } else if (count == 0) {
        js_error(e, count_n, "id_mapping.count", "0 maps no id: the least is 1");
        ok = false;
      }
    }
    if (!ok) return;
  }
  idmap_in u = {"uid",
                idm ? js_map_get(idm, "host_uid") : NULL,
                uid_auto,
                host_uid,
                count,
                count_n,
                s->process.uid,
                ctx->caller_uid,
                jobspec_subuid_path ? jobspec_subuid_path : "/etc/subuid",
                jobspec_newuidmap_path ? jobspec_newuidmap_path : "/usr/bin/newuidmap"};
  idmap_in g = {"gid",
                idm ? js_map_get(idm, "host_gid") : NULL,
                gid_auto,
                host_gid,
                count,
                count_n,
                s->process.gid,
                ctx->caller_gid,
                jobspec_subgid_path ? jobspec_subgid_path : "/etc/subgid",
                jobspec_newgidmap_path ? jobspec_newgidmap_path : "/usr/bin/newgidmap"};
  make_mapping(e, &u, &s->uid_mappings, &s->n_uid_mappings);
  make_mapping(e, &g, &s->gid_mappings, &s->n_gid_mappings);
}
