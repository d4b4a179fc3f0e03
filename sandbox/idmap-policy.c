/* idmap-policy.c: the one id-mapping policy. Pure: from a spec and the facts of the caller and
 * host (idmap_host, gathered by idmap.c) it decides the user namespace's uid and gid maps, how
 * they are written (directly, or through newuidmap/newgidmap) and which host ids the
 * intermediate drops to. `sandbox check`, `sandbox spec` and the run all decide through it, so
 * a profile and a config.json written from it behave the same for the same caller.
 * docs/profile.md (id_mapping) states the rules for users. */
#include "engine.h"

#include "util.h"

#define NOBODY_ID   65534u  /* root's host id for a job of one id */
#define RANGE_START 100000u /* root's first host id for a job of a range of ids */

/* The host id that container id `cid` maps to, or -1. */
static int64_t map_lookup(const sbx_id_mapping *m, size_t n, uint32_t cid) {
  for (size_t i = 0; i < n; i++)
    if (cid >= m[i].container_id && (uint64_t)cid < (uint64_t)m[i].container_id + m[i].size)
      return (int64_t)m[i].host_id + (cid - m[i].container_id);
  return -1;
}

static bool maps_host_root(const sbx_id_mapping *m, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (m[i].host_id == 0) return true;
  return false;
}

/* Whether an unprivileged caller with id `self` can write these maps without a helper: one
 * line mapping its own id only. */
static bool needs_helper(const sbx_id_mapping *m, size_t n, uint32_t self) {
  return !(n == 1 && m[0].size == 1 && m[0].host_id == self);
}

/* One kind of id (uid or gid) of the intent. */
typedef struct intent_one {
  const char *what; /* "uid" */
  uint32_t host;    /* SBX_ID_AUTO or the id asked for */
  uint32_t count;
  uint32_t inside; /* the job's id */
  uint32_t caller;
  bool have_sub;
  uint32_t sub_start;
} intent_one;

/* The maps the intent asks for, for this caller. */
static int intent_maps(const intent_one *in, bool root, sbx_id_mapping **out, size_t *n_out,
                       sbx_error **err) {
  uint32_t count = in->count ? in->count : 1;
  if (count > 1 && in->inside >= count)
    return sbx_set_error(err, EINVAL,
                         "id_mapping.count: maps %s 0 to %u, which leaves out the job's %s %u "
                         "(process.user)",
                         in->what, count - 1, in->what, in->inside);
  sbx_id_mapping *m = xcalloc(2, sizeof *m);
  size_t n = 0;
  if (root) {
    uint64_t host = in->host != SBX_ID_AUTO ? in->host : count > 1 ? RANGE_START : NOBODY_ID;
    if (host == 0) {
      free(m);
      return sbx_set_error(err, EINVAL,
                           "id_mapping.host_%s: the job never runs as the host's root: choose "
                           "another %s, or auto",
                           in->what, in->what);
    }
    if (host + count > (uint64_t)UINT32_MAX + 1) {
      free(m);
      return sbx_set_error(err, EINVAL,
                           "id_mapping.host_%s: the range %llu + %u goes past the largest id",
                           in->what, (unsigned long long)host, count);
    }
    if (count == 1)
      m[n++] = (sbx_id_mapping){in->inside, (uint32_t)host, 1};
    else
      m[n++] = (sbx_id_mapping){0, (uint32_t)host, count};
  } else {
    if (in->host != SBX_ID_AUTO && in->host != in->caller) {
      free(m);
      return sbx_set_error(err, EPERM,
                           "id_mapping.host_%s: an unprivileged caller (%s %u) can map only its "
                           "own %s; %u needs root (or leave it auto)",
                           in->what, in->what, in->caller, in->what, in->host);
    }
    if (count > 1 && in->have_sub) {
      m[n++] = (sbx_id_mapping){0, in->caller, 1};
      m[n++] = (sbx_id_mapping){1, in->sub_start, count - 1};
    } else {
      m[n++] = (sbx_id_mapping){in->inside, in->caller, 1};
    }
  }
  *out = m;
  *n_out = n;
  return 0;
}

static sbx_id_mapping *copy_maps(const sbx_id_mapping *m, size_t n) {
  sbx_id_mapping *c = xcalloc(n ? n : 1, sizeof *c);
  if (n) memcpy(c, m, n * sizeof *c);
  return c;
}

/* The spec's explicit maps, or those of its intent. */
static int choose_maps(const sbx_spec *spec, const idmap_host *host, idmap_plan *plan,
                       sbx_error **err) {
  const sbx_id_intent *it = &spec->id_intent;
  if (spec->n_uid_mappings) {
    plan->uids = copy_maps(spec->uid_mappings, spec->n_uid_mappings);
    plan->n_uids = spec->n_uid_mappings;
  } else {
    intent_one u = {"uid",      it->host_uid,      it->count,         spec->process.uid,
                    host->euid, host->have_subuid, host->subuid_start};
    if (intent_maps(&u, plan->privileged, &plan->uids, &plan->n_uids, err) < 0) return -1;
  }
  if (spec->n_gid_mappings) {
    plan->gids = copy_maps(spec->gid_mappings, spec->n_gid_mappings);
    plan->n_gids = spec->n_gid_mappings;
  } else {
    intent_one g = {"gid",      it->host_gid,      it->count,         spec->process.gid,
                    host->egid, host->have_subgid, host->subgid_start};
    if (intent_maps(&g, plan->privileged, &plan->gids, &plan->n_gids, err) < 0) return -1;
  }
  return 0;
}

/* Without a user namespace the job's ids are host ids: never host root, nor the host's root
 * group, whose files (0640 root:root) it could then read. */
static int check_no_userns(const sbx_spec *spec, bool root, sbx_error **err) {
  if (root && spec->process.uid == 0)
    return sbx_set_error(err, EPERM,
                         "the job would run as host root: turn the user namespace on, or give "
                         "the job another uid");
  if (root && spec->process.gid == 0)
    return sbx_set_error(err, EPERM,
                         "the job would run in the host's root group: turn the user namespace "
                         "on, or give the job another gid");
  return 0;
}

static int plan_checked(const sbx_spec *spec, const idmap_host *host, idmap_plan *plan,
                        sbx_error **err) {
  uint32_t juid = spec->process.uid, jgid = spec->process.gid;
  if (choose_maps(spec, host, plan, err) < 0) return -1;
  if (map_lookup(plan->uids, plan->n_uids, juid) < 0)
    return sbx_set_error(err, EINVAL, "the job's uid %u is not in the uid mappings", juid);
  if (map_lookup(plan->gids, plan->n_gids, jgid) < 0)
    return sbx_set_error(err, EINVAL, "the job's gid %u is not in the gid mappings", jgid);

  if (plan->privileged) {
    /* The job must never run as host root: a mapping onto host id 0 would give it. */
    if (maps_host_root(plan->uids, plan->n_uids) || maps_host_root(plan->gids, plan->n_gids))
      return sbx_set_error(err, EINVAL,
                           "the id mappings map host root (id 0) into the sandbox; refusing");
    /* The intermediate drops to the host id that becomes root inside when there is one (so
     * that init is root of the namespace), else to the job's. */
    int64_t u = map_lookup(plan->uids, plan->n_uids, 0);
    int64_t g = map_lookup(plan->gids, plan->n_gids, 0);
    plan->drop = true;
    plan->drop_uid = (uid_t)(u >= 0 ? u : map_lookup(plan->uids, plan->n_uids, juid));
    plan->drop_gid = (gid_t)(g >= 0 ? g : map_lookup(plan->gids, plan->n_gids, jgid));
    return 0;
  }

  if (needs_helper(plan->uids, plan->n_uids, host->euid)) {
    if (!host->newuidmap)
      return sbx_set_error(err, ENOENT,
                           "the uid mappings need more than your own uid %u, which needs "
                           "newuidmap (package uidmap) and a range in /etc/subuid",
                           host->euid);
    plan->uid_helper = host->newuidmap;
  }
  if (needs_helper(plan->gids, plan->n_gids, host->egid)) {
    if (!host->newgidmap)
      return sbx_set_error(err, ENOENT,
                           "the gid mappings need more than your own gid %u, which needs "
                           "newgidmap (package uidmap) and a range in /etc/subgid",
                           host->egid);
    plan->gid_helper = host->newgidmap;
  }
  /* Without a helper an unprivileged process may write gid_map only after giving up
   * setgroups(2) for the namespace (user_namespaces(7)). newgidmap decides that itself. */
  plan->deny_setgroups = !plan->gid_helper;
  return 0;
}

int idmap_plan_make(const sbx_spec *spec, const idmap_host *host, idmap_plan *plan,
                    sbx_error **err) {
  memset(plan, 0, sizeof *plan);
  plan->userns = (spec->namespaces & SBX_NS_USER) != 0;
  plan->privileged = host->euid == 0;
  if (!plan->userns) return check_no_userns(spec, plan->privileged, err);
  if (plan_checked(spec, host, plan, err) < 0) {
    idmap_plan_free(plan);
    return -1;
  }
  return 0;
}

void idmap_plan_free(idmap_plan *plan) {
  free(plan->uids);
  free(plan->gids);
  plan->uids = plan->gids = NULL;
  plan->n_uids = plan->n_gids = 0;
}
