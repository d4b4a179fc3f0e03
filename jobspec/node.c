/* node.c: the tree a profile is parsed into: located nodes (maps, lists, scalars), the file names
 * they point to, and a hash index of the keys of a map. */
#include "jobspec.h"

#include "util.h"

const char *js_files_add(js_files *files, const char *name) {
  for (size_t i = 0; i < files->n; i++)
    if (strcmp(files->names[i], name) == 0) return files->names[i];
  strv_push(&files->names, &files->n, name);
  return files->names[files->n - 1];
}

void js_files_clear(js_files *files) {
  strv_free(files->names);
  files->names = NULL;
  files->n = 0;
}

js_node *js_node_new(js_kind kind, const char *file, unsigned line, unsigned col) {
  js_node *n = xcalloc(1, sizeof *n);
  n->kind = kind;
  n->file = file;
  n->line = line;
  n->col = col;
  return n;
}

void js_node_free(js_node *n) {
  if (!n) return;
  for (size_t i = 0; i < n->n; i++) {
    js_node_free(n->items[i]);
    if (n->keys) js_node_free(n->keys[i]);
  }
  free(n->items);
  free(n->keys);
  free(n->str);
  free(n);
}

js_node *js_node_copy(const js_node *n) {
  if (!n) return NULL;
  js_node *c = js_node_new(n->kind, n->file, n->line, n->col);
  c->str = n->str ? xstrdup(n->str) : NULL;
  c->plain = n->plain;
  c->append = n->append;
  c->bad = n->bad;
  for (size_t i = 0; i < n->n; i++) {
    if (n->kind == JS_MAP)
      js_map_push(c, js_node_copy(n->keys[i]), js_node_copy(n->items[i]));
    else
      js_seq_push(c, js_node_copy(n->items[i]));
  }
  return c;
}

void js_seq_push(js_node *seq, js_node *item) {
  seq->items = xrealloc_grow(seq->items, (seq->n + 1) * sizeof *seq->items);
  seq->items[seq->n++] = item;
}

void js_map_push(js_node *map, js_node *key, js_node *value) {
  map->items = xrealloc_grow(map->items, (map->n + 1) * sizeof *map->items);
  map->keys = xrealloc_grow(map->keys, (map->n + 1) * sizeof *map->keys);
  map->keys[map->n] = key;
  map->items[map->n++] = value;
}

ssize_t js_map_index(const js_node *map, const char *key) {
  if (!map || map->kind != JS_MAP) return -1;
  for (size_t i = 0; i < map->n; i++)
    if (strcmp(map->keys[i]->str, key) == 0) return (ssize_t)i;
  return -1;
}

js_node *js_map_get(const js_node *map, const char *key) {
  ssize_t i = js_map_index(map, key);
  return i < 0 ? NULL : map->items[i];
}

void js_map_remove(js_node *map, size_t i) {
  js_node_free(map->keys[i]);
  js_node_free(map->items[i]);
  memmove(&map->keys[i], &map->keys[i + 1], (map->n - i - 1) * sizeof *map->keys);
  memmove(&map->items[i], &map->items[i + 1], (map->n - i - 1) * sizeof *map->items);
  map->n--;
}

unsigned js_depth(const js_node *n) {
  unsigned d = 0;
  for (size_t i = 0; i < n->n; i++) {
    unsigned c = js_depth(n->items[i]);
    if (c > d) d = c;
  }
  return d + 1;
}

static void keyset_put(js_keyset *ks, const js_node *map, size_t i) {
  size_t mask = ks->cap - 1;
  for (size_t h = js_hash_str(map->keys[i]->str) & mask;; h = (h + 1) & mask)
    if (!ks->slots[h]) {
      ks->slots[h] = i + 1;
      ks->n++;
      return;
    }
}

void js_keyset_add(js_keyset *ks, const js_node *map, size_t i) {
  if ((ks->n + 1) * 2 > ks->cap) {
    /* Grow (and drop the positions whose keys are gone). */
    size_t *old = ks->slots, old_cap = ks->cap;
    ks->cap = old_cap ? old_cap * 2 : 16;
    ks->slots = xcalloc(ks->cap, sizeof *ks->slots);
    ks->n = 0;
    for (size_t j = 0; j < old_cap; j++)
      if (old[j] && map->keys[old[j] - 1]) keyset_put(ks, map, old[j] - 1);
    free(old);
  }
  keyset_put(ks, map, i);
}

ssize_t js_keyset_find(const js_keyset *ks, const js_node *map, const char *key) {
  if (!ks->cap) return -1;
  size_t mask = ks->cap - 1;
  for (size_t h = js_hash_str(key) & mask; ks->slots[h]; h = (h + 1) & mask) {
    const js_node *k = map->keys[ks->slots[h] - 1];
    if (k && strcmp(k->str, key) == 0) return (ssize_t)(ks->slots[h] - 1);
  }
  return -1;
}

void js_keyset_clear(js_keyset *ks) {
  free(ks->slots);
  *ks = (js_keyset){0};
}

const char *js_kind_name(const js_node *n) {
  switch (n->kind) {
  case JS_NULL: return "empty";
  case JS_SCALAR: return "a string";
  case JS_SEQ: return "a list";
  case JS_MAP: return "a map";
  }
  return "?";
}
