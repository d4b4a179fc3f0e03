/* translate.h: what the sections of the translation share (translate-*.c): the state of one
 * translation, and where the profile wrote each spec field the checker may find fault with
 * (check.c). translate.c calls the sections in order; a section reads nodes (read.c) and fills
 * the spec, and leaves every rule the spec's checker has (spec_check) to it. */
#ifndef SANDBOX_JOBSPEC_TRANSLATE_H
#define SANDBOX_JOBSPEC_TRANSLATE_H

#include "jobspec.h"

/* ---- where a field was written (check.c) -------------------------------------------------- */

/* One place in the profile. */
typedef struct js_at {
  const js_node *node; /* NULL: nowhere (a default) */
  char *path;          /* the profile's key path */
  char *prefix;        /* NULL, or words that put a problem in context ("bad bind '/a:b': ") */
  size_t seq;          /* the order of translation, which problems are reported in */
} js_at;

/* The fields a problem may be found with, one place each. */
typedef enum js_field {
  JS_AT_CWD,
  JS_AT_UMASK,
  JS_AT_NETWORK,
  JS_AT_NS_NET, /* namespaces.net, written explicitly */
  JS_AT_HOSTNAME,
  JS_AT_ID_MAPPING,
  JS_AT_HOST_UID, /* id_mapping.host_uid */
  JS_AT_HOST_GID,
  JS_AT_ID_COUNT, /* id_mapping.count */
  JS_AT_MEMORY,
  JS_AT_PIDS,
  JS_AT_CPU_QUOTA,
  JS_AT_CPU_PERIOD,
  JS_AT_KILL_GRACE,
  JS_AT_COUNT,
} js_field;

typedef struct js_mount_at {
  js_at mount, source, target;
} js_mount_at;

#define JS_MAX_ARGS 6 /* argument conditions of one seccomp rule */

typedef struct js_rule_at {
  js_at rule;
  js_at index[JS_MAX_ARGS]; /* args[i].index */
} js_rule_at;

/* The places of the spec's fields; the arrays are parallel to the spec's own. */
typedef struct js_origins {
  size_t seq;
  js_at fields[JS_AT_COUNT];
  js_mount_at *mounts;
  size_t n_mounts;
  js_at *masked, *readonly;
  size_t n_masked, n_readonly;
  js_rule_at *rules;
  size_t n_rules;
} js_origins;

/* Sets a place (node may be NULL: nowhere); path is copied, prefix (may be NULL) taken. */
void js_at_set(js_origins *o, js_at *at, const js_node *node, const char *path, char *prefix);
/* A copy of a place, which keeps its sequence number: problems of the two are one problem. */
void js_at_copy(js_at *dst, const js_at *src);
/* The place of element i of an array of places, grown (zeroed) as needed. */
js_mount_at *js_origins_mount(js_origins *o, size_t i);
js_at *js_origins_list(js_at **list, size_t *n, size_t i);
js_rule_at *js_origins_rule(js_origins *o, size_t i);
void js_origins_clear(js_origins *o);

/* Runs the spec's checker on what the profile gave (every rule but a command to run, which
 * the command line may give) and reports each problem where the profile wrote the field, in the
 * order of translation. Problems with a field of no place are located at `root`. */
void js_check(const js_node *root, const sbx_spec *spec, const js_origins *o, js_errors *e);

/* ---- the sections ------------------------------------------------------------------------- */

typedef struct js_tr {
  js_errors *e;
  const js_context *ctx;
  sbx_spec *spec;
  js_origins *at;
  bool cwd_set; /* process.cwd was given: the workdir does not change it */
} js_tr;

void js_tr_namespaces(js_tr *t, const js_node *ns);
void js_tr_process(js_tr *t, const js_node *proc);
void js_tr_capabilities(js_tr *t, const js_node *caps);
/* fs may be NULL: no filesystem section (the default /proc and /dev). */
void js_tr_filesystem(js_tr *t, const js_node *fs);
void js_tr_limits(js_tr *t, const js_node *lim);
/* network and hostname (either may be NULL). */
void js_tr_network(js_tr *t, const js_node *net, const js_node *hostname);
void js_tr_cgroup(js_tr *t, const js_node *mode, const js_node *parent);
void js_tr_seccomp(js_tr *t, const js_node *sec);
/* id_mapping (may be NULL): the intent, decided for the caller at run time (idmap-policy.c). */
void js_tr_id_mapping(js_tr *t, const js_node *idm);

#endif
