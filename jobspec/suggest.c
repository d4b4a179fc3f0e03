/* suggest.c: suggestions for misspelt names ("did you mean 'memory'?"), by edit distance. */
#include "jobspec.h"

#include "util.h"

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
