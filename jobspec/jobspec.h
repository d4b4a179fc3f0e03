/* jobspec.h: internal interface of the YAML job-profile loader (jobspec/).
 *
 * The loader works in four steps:
 *   1. yaml.c parses a file into a tree of nodes (node.c: maps, sequences, scalars); every node
 *      keeps its file, line and column. Size, depth and alias expansion are bounded.
 *   2. load.c resolves `extends` (merge.c merges the child over its parent) and applies --set.
 *   3. vars.c expands ${...} variables in every string scalar.
 *   4. translate.c checks the tree against the schema, one translate-*.c file per section, and
 *      fills a struct sbx_spec; then check.c runs the spec's checker (spec_check) and locates its
 *      problems. Errors are collected ("file:line:column: key.path: message").
 * The sections read nodes with read.c (units.c for sizes, durations and modes); the leaves under
 * them are errors.c, keypath.c, suggest.c, strset.c and node.c. */
#ifndef SANDBOX_JOBSPEC_H
#define SANDBOX_JOBSPEC_H

#include "spec.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JS_MAX_FILE_BYTES (1u << 20) /* a profile file is at most 1 MiB */
#define JS_MAX_DEPTH      64         /* nesting of maps and sequences */
#define JS_MAX_NODES      100000     /* nodes of one file, aliases expanded */
#define JS_MAX_EXTENDS    8          /* length of an `extends` chain */

/* ---- the node tree (node.c) -------------------------------------------------------------- */

typedef enum js_kind {
  JS_NULL = 0, /* an empty value, ~ or null */
  JS_SCALAR,
  JS_SEQ,
  JS_MAP,
} js_kind;

typedef struct js_node js_node;
struct js_node {
  js_kind kind;
  const char *file; /* owned by the js_files list of the load */
  unsigned line;    /* 1-based; 0: no position (a --set argument) */
  unsigned col;
  char *str;       /* JS_SCALAR: the text; map keys: the key without a trailing '+' */
  bool plain;      /* JS_SCALAR: written without quotes */
  bool append;     /* map keys: written `name+:` (append to the inherited list) */
  bool bad;        /* JS_SCALAR: an error was reported for it already (a bad variable) */
  js_node **items; /* JS_SEQ: the items; JS_MAP: the values */
  js_node **keys;  /* JS_MAP: the keys (scalars), parallel to items */
  size_t n;
};

/* The file names nodes point to; freed together at the end of a load. */
typedef struct js_files {
  char **names;
  size_t n;
} js_files;

const char *js_files_add(js_files *files, const char *name);
void js_files_clear(js_files *files);

js_node *js_node_new(js_kind kind, const char *file, unsigned line, unsigned col);
void js_node_free(js_node *n);
static inline void js_node_freep(js_node **n) { js_node_free(*n); }
#define _cleanup_node_ __attribute__((cleanup(js_node_freep)))
js_node *js_node_copy(const js_node *n);
/* Appends to a sequence, or a key/value pair to a map (takes ownership). */
void js_seq_push(js_node *seq, js_node *item);
void js_map_push(js_node *map, js_node *key, js_node *value);
/* The value of `key` in a map, or NULL. */
js_node *js_map_get(const js_node *map, const char *key);
ssize_t js_map_index(const js_node *map, const char *key);
void js_map_remove(js_node *map, size_t i);
/* The levels of a tree: 1 for a scalar or an empty collection, 1 + its deepest child otherwise. */
unsigned js_depth(const js_node *n);

/* A hash index of the keys of a map (for maps whose size a file controls, so that finding every
 * key is not quadratic). It holds positions in map->keys; a NULL key there is skipped. */
typedef struct js_keyset {
  size_t *slots; /* position + 1; 0: empty */
  size_t cap, n;
} js_keyset;

void js_keyset_add(js_keyset *ks, const js_node *map, size_t i);
ssize_t js_keyset_find(const js_keyset *ks, const js_node *map, const char *key);
void js_keyset_clear(js_keyset *ks);
const char *js_kind_name(const js_node *n); /* "a string", "a list", "a map", "empty" */

/* ---- parsing (yaml.c) -------------------------------------------------------------------- */

/* Parses YAML text into a tree whose top level is anything (the caller checks the kind).
 * `file` names the text in errors and must live as long as the tree (see js_files_add).
 * Returns NULL with one located error in *err. An empty text gives a JS_NULL node. */
js_node *js_parse(const char *file, const char *text, size_t len, sbx_error **err);

/* Reads and parses a profile file (at most JS_MAX_FILE_BYTES). */
js_node *js_parse_file(js_files *files, const char *path, sbx_error **err);

/* ---- errors (errors.c) -------------------------------------------------------------------- */

/* The collected errors of a load, up to `max`. */
typedef struct js_errors {
  sbx_error *head;
  size_t n;
  size_t max;
} js_errors;

/* Adds "file:line:column: path: message" (path may be NULL or empty). Returns -1. */
int js_error(js_errors *e, const js_node *at, const char *path, const char *fmt, ...)
    SBX_PRINTF(4, 5);
bool js_errors_full(const js_errors *e);

/* ---- key paths (keypath.c) --------------------------------------------------------------- */

char *js_path(const char *parent, const char *key); /* "parent.key" */

/* A key path being built ("filesystem.binds[2].source") while walking a tree: push a part,
 * walk, pop back to the length push returned. s is NULL until the first push. */
typedef struct js_pathbuf {
  char *s;
  size_t len, cap;
} js_pathbuf;

size_t js_path_push_key(js_pathbuf *p, const char *key);
size_t js_path_push_index(js_pathbuf *p, size_t index);
void js_path_pop(js_pathbuf *p, size_t len);
static inline const char *js_path_str(const js_pathbuf *p) { return p->s ? p->s : ""; }

/* ---- merging (merge.c) -------------------------------------------------------------------- */

/* Merges `child` over the map `parent` in place (child is consumed): maps merge key by key,
 * other values replace, a key written `name+` appends its list to the inherited list, and a key
 * whose value is empty (null) removes the inherited key. `path` is the key path of parent. */
void js_merge(js_node *parent, js_node *child, js_pathbuf *path, js_errors *errs);

/* ---- string sets (strset.c) -------------------------------------------------------------- */

/* A set of strings in the order added, found by hash: a file controls how many entries lists
 * and maps have, and searching a list for each would be quadratic. The strings are not copied:
 * they must outlive the set. */
typedef struct js_strset {
  const char **names;
  size_t n, names_cap;
  size_t *slots; /* position + 1; 0: empty */
  size_t cap;
} js_strset;

size_t js_hash_str(const char *s);
ssize_t js_strset_find(const js_strset *x, const char *s);
/* Adds s unless it is there; true when it was added. */
bool js_strset_add(js_strset *x, const char *s);
void js_strset_clear(js_strset *x);

/* ---- suggestions (suggest.c) ------------------------------------------------------------- */

/* Edit distance between two strings. */
size_t js_edit_distance(const char *a, const char *b);
/* The best suggestion for `word` among `candidates` (within distance 2, or a prefix), or NULL. */
const char *js_suggest(const char *word, const char *const *candidates, size_t n);

/* ---- units (units.c) ------------------------------------------------------------------------ */

/* "256M", "1.5G", "512KiB", "100B", "4096"; "unlimited" gives SBX_UNSET when allowed.
 * Returns 0, or -1 with a message (malloc'd) in *why. */
int js_parse_size(const char *s, bool allow_unlimited, uint64_t *out, char **why);
/* "1.5s", "500ms", "100us", "2m", "1h", "10" (seconds) -> microseconds. */
int js_parse_duration(const char *s, bool allow_unlimited, uint64_t *out, char **why);
/* A mode, always octal: "022", "0022", "0o22" and 22 all mean octal 22; at most 07777. */
int js_parse_mode(const char *s, uint32_t *out, char **why);

/* ---- variables (vars.c) ------------------------------------------------------------------- */

typedef struct js_vars {
  const char *pwd;
  const char *home; /* NULL: undefined */
  uint32_t uid, gid;
} js_vars;

/* Expands ${PWD} ${HOME} ${UID} ${GID} ${env:NAME} and $$ in every scalar value of the tree. */
void js_expand_vars(js_node *root, const js_vars *vars, js_errors *errs);

/* ---- typed reads (read.c) ---------------------------------------------------------------- */

/* A list of keys and its length, for js_check_keys: JS_KEYS("a", "b"). */
#define JS_KEYS(...) \
  ((const char *const[]){__VA_ARGS__}), ARRAY_SIZE(((const char *const[]){__VA_ARGS__}))

/* Typed reads of a node; each reports a located error and returns false on a bad value. */
bool js_check_keys(js_errors *e, const js_node *map, const char *path, const char *const *keys,
                   size_t n_keys);
bool js_get_string(js_errors *e, const js_node *n, const char *path, const char **out);
bool js_get_bool(js_errors *e, const js_node *n, const char *path, bool *out);
bool js_get_uint(js_errors *e, const js_node *n, const char *path, uint64_t max, uint64_t *out);
bool js_get_enum(js_errors *e, const js_node *n, const char *path, const char *const *names,
                 size_t n_names, int *out);
/* A list of strings; `single` also takes one string as a list of one. */
bool js_get_strv(js_errors *e, const js_node *n, const char *path, bool single, char ***out);
bool js_get_size(js_errors *e, const js_node *n, const char *path, bool unlimited, uint64_t *out);
bool js_get_duration(js_errors *e, const js_node *n, const char *path, bool unlimited,
                     uint64_t *out);
bool js_get_mode(js_errors *e, const js_node *n, const char *path, uint32_t *out);

/* ---- translation (translate.c) ------------------------------------------------------------ */

typedef struct js_context {
  const char *pwd;
  const char *home; /* NULL: unknown */
} js_context;

/* Fills `spec` from the merged, expanded tree and checks it. Errors go to `errs`. */
void js_translate(const js_node *root, const js_context *ctx, sbx_spec *spec, js_errors *errs);

#endif
