/* merge.c: a profile written over the one it extends (js_merge), by the rules of
 * docs/profile.md ("extends and merging"). */
#include "jobspec.h"

#include "util.h"

/* Removes the keys whose slots are NULL, keeping the order of the others. */
static void compact_map(js_node *map) {
  size_t j = 0;
  for (size_t i = 0; i < map->n; i++) {
    if (!map->keys[i]) continue;
    map->keys[j] = map->keys[i];
    map->items[j++] = map->items[i];
  }
  map->n = j;
}

/* A subtree that is added whole (nothing inherited under it): `name+:` keys in it append to
 * nothing, so they are plain keys, but their value must still be a list; and a key whose value
 * is empty removes nothing, so it is dropped: the setting is as if absent. */
static void normalize(js_node *n, js_pathbuf *path, js_errors *errs) {
  if (n->kind == JS_SEQ) {
    for (size_t i = 0; i < n->n; i++) {
      size_t old = js_path_push_index(path, i);
      normalize(n->items[i], path, errs);
      js_path_pop(path, old);
    }
    return;
  }
  if (n->kind != JS_MAP) return;
  bool dropped = false;
  for (size_t i = 0; i < n->n; i++) {
    js_node *key = n->keys[i];
    size_t old = js_path_push_key(path, key->str);
    if (key->append) {
      key->append = false;
      if (n->items[i]->kind != JS_SEQ)
        js_error(errs, key, js_path_str(path), "'%s+' appends a list, but its value is %s",
                 key->str, js_kind_name(n->items[i]));
    } else if (n->items[i]->kind == JS_NULL) {
      js_node_free(n->keys[i]);
      js_node_free(n->items[i]);
      n->keys[i] = n->items[i] = NULL;
      dropped = true;
      js_path_pop(path, old);
      continue;
    }
    normalize(n->items[i], path, errs);
    js_path_pop(path, old);
  }
  if (dropped) compact_map(n);
}

static void merge_one(js_node *parent, js_keyset *index, js_node *child, size_t i, js_pathbuf *path,
                      js_errors *errs);

void js_merge(js_node *parent, js_node *child, js_pathbuf *path, js_errors *errs) {
  /* The parent's keys are found through a hash index (both maps may have many keys); a removed
   * key leaves NULL slots, compacted at the end, so that the positions stay valid meanwhile. */
  js_keyset index = {0};
  for (size_t i = 0; i < parent->n; i++) js_keyset_add(&index, parent, i);
  for (size_t i = 0; i < child->n; i++) {
    size_t old_len = js_path_push_key(path, child->keys[i]->str);
    merge_one(parent, &index, child, i, path, errs);
    js_path_pop(path, old_len);
  }
  js_keyset_clear(&index);
  compact_map(parent);
  /* Free what was not moved. */
  for (size_t i = 0; i < child->n; i++) {
    js_node_free(child->keys[i]);
    js_node_free(child->items[i]);
  }
  child->n = 0;
  js_node_free(child);
}

/* One key of js_merge; moves what it keeps out of child (setting its slots to NULL). */
static void merge_one(js_node *parent, js_keyset *index, js_node *child, size_t i, js_pathbuf *path,
                      js_errors *errs) {
  js_node *key = child->keys[i], *value = child->items[i];
  const char *p = js_path_str(path);
  ssize_t at = js_keyset_find(index, parent, key->str);
  js_node *old = at >= 0 ? parent->items[at] : NULL;
  if (key->append) {
    key->append = false;
    if (value->kind != JS_SEQ) {
      js_error(errs, key, p, "'%s+' appends a list, but its value is %s", key->str,
               js_kind_name(value));
      return;
    }
    if (old && old->kind == JS_SEQ) {
      for (size_t j = 0; j < value->n; j++) js_seq_push(old, value->items[j]);
      value->n = 0;
      return;
    }
    if (old && old->kind != JS_NULL) {
      js_error(errs, key, p, "'%s+' appends to a list, but the inherited value is %s", key->str,
               js_kind_name(old));
      return;
    }
  } else if (value->kind == JS_NULL) {
    /* An empty value removes the inherited key: the setting is back to its default. */
    if (at >= 0) {
      js_node_free(parent->keys[at]);
      js_node_free(parent->items[at]);
      parent->keys[at] = parent->items[at] = NULL;
    }
    return;
  } else if (old && old->kind == JS_MAP && value->kind == JS_MAP) {
    child->items[i] = NULL;
    js_merge(old, value, path, errs);
    return;
  }
  /* Replace (or add): the child's key keeps its location. */
  normalize(value, path, errs);
  child->keys[i] = NULL;
  child->items[i] = NULL;
  if (at >= 0) {
    js_node_free(parent->keys[at]);
    js_node_free(parent->items[at]);
    parent->keys[at] = key;
    parent->items[at] = value;
  } else {
    js_map_push(parent, key, value);
    js_keyset_add(index, parent, parent->n - 1);
  }
}
