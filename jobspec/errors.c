/* errors.c: located errors ("file:line:column: key.path: message") and suggestions for
 * misspelt names. */
#include "jobspec.h"

#include "util.h"

bool js_errors_full(const js_errors *e) { return e->n >= e->max; }

int js_error(js_errors *e, const js_node *at, const char *path, const char *fmt, ...) {
  if (js_errors_full(e)) return -1;
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  _cleanup_free_ char *where = NULL;
  if (at && at->line)
    where = xasprintf("%s:%u:%u: ", at->file, at->line, at->col);
  else if (at && at->file)
    where = xasprintf("%s: ", at->file);
  else
    where = xstrdup("");
  bool has_path = path && *path;
  sbx_error_append(&e->head, EINVAL, "%s%s%s%s", where, has_path ? path : "", has_path ? ": " : "",
                   msg);
  e->n++;
  return -1;
}

size_t js_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64) return SIZE_MAX;
  size_t row[65];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t best = diag + cost;
      if (row[j] + 1 < best) best = row[j] + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      diag = up;
      row[j] = best;
    }
  }
  return row[lb];
}

/* True when b is a with two adjacent characters swapped. */
static bool is_transposition(const char *a, const char *b) {
  size_t la = strlen(a);
  if (la != strlen(b) || la < 2) return false;
  size_t i = 0;
  while (i < la && a[i] == b[i]) i++;
  return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && strcmp(a + i + 2, b + i + 2) == 0;
}

const char *js_suggest(const char *word, const char *const *candidates, size_t n) {
  const char *best = NULL;
  size_t best_d = SIZE_MAX;
  size_t wl = strlen(word);
  for (size_t i = 0; i < n; i++) {
    const char *c = candidates[i];
    size_t d = is_transposition(word, c) ? 1 : js_edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  if (best && best_d <= 2 && best_d < wl) return best;
  /* A prefix of a known name ("mem" for "memory"), at least 3 characters long. */
  if (wl >= 3)
    for (size_t i = 0; i < n; i++)
      if (strncmp(candidates[i], word, wl) == 0) return candidates[i];
  return NULL;
}

static size_t path_append(js_pathbuf *p, const char *part, size_t n) {
  size_t old = p->len;
  xgrow(&p->s, &p->cap, p->len + n + 1, 1);
  memcpy(p->s + p->len, part, n);
  p->len += n;
  p->s[p->len] = '\0';
  return old;
}

size_t js_path_push_key(js_pathbuf *p, const char *key) {
  size_t old = p->len;
  if (p->len) path_append(p, ".", 1);
  path_append(p, key, strlen(key));
  return old;
}

size_t js_path_push_index(js_pathbuf *p, size_t index) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "[%zu]", index);
  return path_append(p, buf, (size_t)n);
}

void js_path_pop(js_pathbuf *p, size_t len) {
  p->len = len;
  if (p->s) p->s[len] = '\0';
}

/* ---- string sets -------------------------------------------------------------------------- */

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
