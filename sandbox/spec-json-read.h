/* spec-json-read.h: the parts of the config.json reader (jr_: spec-json-read*.c). The reader
 * is spec-json-read.c (the document, its annotations, the public loaders); it reads the
 * sections with spec-json-read-process.c, -mounts.c and -linux.c, which read values with
 * spec-json-read-value.c. The mapping is documented in docs/oci.md.
 *
 * Every reading function returns 0, or -1 after jr_fail: only the first error is kept, and it
 * names the JSON path of the value ("config.json: linux.resources.memory.limit: ..."). */
#ifndef SANDBOX_SPEC_JSON_READ_H
#define SANDBOX_SPEC_JSON_READ_H

#include "spec-json.h"
#include "util.h"

typedef struct jr_ctx {
  const char *name; /* "config.json" or the file's path, first in every message */
  sbx_error **err;
  size_t *mount_at; /* for each spec mount, the index of its OCI mount */
  size_t n_mount_at;
  size_t seccomp_fixed; /* the engine's rules dropped before the policy's (seccomp-fixed.h) */
} jr_ctx;

/* ---- values (spec-json-read-value.c) ------------------------------------------------------ */

/* Records "NAME: PATH: message" unless an error is recorded already. Returns -1. */
int jr_fail(jr_ctx *r, const char *path, const char *fmt, ...) SBX_PRINTF(3, 4);
const char *jr_type_name(const json_t *j); /* "an object", "a string", ... */
int jr_object(jr_ctx *r, const char *path, const json_t *j);
int jr_array(jr_ctx *r, const char *path, const json_t *j);
int jr_string(jr_ctx *r, const char *path, const json_t *j, const char **out);
int jr_dup(jr_ctx *r, const char *path, const json_t *j, char **out); /* replaces *out */
int jr_bool(jr_ctx *r, const char *path, const json_t *j, bool *out);
int jr_int(jr_ctx *r, const char *path, const json_t *j, int64_t min, int64_t max, int64_t *out);
int jr_u32(jr_ctx *r, const char *path, const json_t *j, uint32_t *out);
int jr_u64(jr_ctx *r, const char *path, const json_t *j, uint64_t *out); /* 0..INT64_MAX */
/* An array of strings into a fresh NULL-terminated vector (replacing *v). */
int jr_strv(jr_ctx *r, const char *path, const json_t *j, char ***v, size_t *n);
/* Member `key` of object `o` (NULL when absent), with its path in *path (replaced). */
json_t *jr_member(const json_t *o, const char *parent, const char *key, char **path);
/* The same, but a required member: NULL after jr_fail when it is absent. */
json_t *jr_need(jr_ctx *r, const json_t *o, const char *parent, const char *key, char **path);
bool jr_has_prefix(const char *s, const char *prefix);

/* ---- sections ----------------------------------------------------------------------------- */

/* process, without its rlimits (spec-json-read-process.c). */
int jr_process(jr_ctx *r, const json_t *doc, sbx_spec *s);
/* process.rlimits; cpu_from_annotation: the CPU limit came from its annotation. */
int jr_rlimits(jr_ctx *r, const json_t *j, sbx_spec *s, bool cpu_from_annotation);
/* mounts (spec-json-read-mounts.c). */
int jr_mounts(jr_ctx *r, const json_t *doc, sbx_spec *s);
/* linux (spec-json-read-linux.c); swap_annotated: the swap-bytes annotation was given. */
int jr_linux(jr_ctx *r, const json_t *doc, sbx_spec *s, bool swap_annotated);

#endif
