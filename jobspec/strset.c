/* strset.c: sets of strings found by hash, for lists and maps whose size a file controls. */
#include "jobspec.h"

#include "util.h"

/* FNV-1a, finished so that the low bits a power-of-two table uses are mixed well. */
size_t js_hash_str(const char *s) {
  size_t h = 14695981039346656037ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  /* FNV's low bits (the ones a power-of-two table uses) mix poorly: finish as MurmurHash3. */
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

ssize_t js_strset_find(const js_strset *x, const char *s) {
  if (!x->cap) return -1;
  for (size_t h = js_hash_str(s) & (x->cap - 1); x->slots[h]; h = (h + 1) & (x->cap - 1))
    if (strcmp(x->names[x->slots[h] - 1], s) == 0) return (ssize_t)(x->slots[h] - 1);
  return -1;
}

static void strset_put(js_strset *x, size_t i) {
  size_t h = js_hash_str(x->names[i]) & (x->cap - 1);
  while (x->slots[h]) h = (h + 1) & (x->cap - 1);
  x->slots[h] = i + 1;
}

bool js_strset_add(js_strset *x, const char *s) {
  if (js_strset_find(x, s) >= 0) return false;
  xgrow(&x->names, &x->names_cap, x->n + 1, sizeof *x->names);
  x->names[x->n++] = s;
  if (x->n * 2 > x->cap) {
    free(x->slots);
    x->cap = x->cap ? x->cap * 2 : 32;
    x->slots = xcalloc(x->cap, sizeof *x->slots);
    for (size_t i = 0; i < x->n; i++) strset_put(x, i);
  } else {
    strset_put(x, x->n - 1);
  }
  return true;
}

void js_strset_clear(js_strset *x) {
  free(x->names);
  free(x->slots);
  *x = (js_strset){0};
}
