/* util.c: allocation and string vectors: a leaf (nothing of ours below it; error.c builds on it).
 */
#include "util.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/stat.h>

static void out_of_memory(void) {
  static const char msg[] = "sandbox: out of memory\n";
  ssize_t r = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)r;
  abort();
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) out_of_memory();
  return p;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) out_of_memory();
  return p;
}

void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) out_of_memory();
  return q;
}

void *xrealloc_grow(void *p, size_t need) {
  /* Geometric growth without a stored capacity: the allocator knows what a block holds. A
   * realloc per element is quadratic where realloc cannot grow in place (sanitizers). */
  if (p && malloc_usable_size(p) >= need) return p;
  size_t c = 64;
  while (c < need) {
    if (c > SIZE_MAX / 2) out_of_memory();
    c *= 2;
  }
  return xrealloc(p, c);
}

void xgrow(void *pp, size_t *cap, size_t need, size_t size) {
  void **p = (void **)pp;
  if (need <= *cap) return;
  size_t c = *cap ? *cap : 4;
  while (c < need) {
    if (c > SIZE_MAX / 2 / size) out_of_memory();
    c *= 2;
  }
  *p = xrealloc(*p, c * size);
  *cap = c;
}

char *xstrdup(const char *s) {
  char *d = strdup(s);
  if (!d) out_of_memory();
  return d;
}

char *xstrndup(const char *s, size_t n) {
  char *d = strndup(s, n);
  if (!d) out_of_memory();
  return d;
}

char *xvasprintf(const char *fmt, va_list ap) {
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0) out_of_memory();
  return s;
}

char *xasprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = xvasprintf(fmt, ap);
  va_end(ap);
  return s;
}

void strv_free(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

size_t strv_len(char *const *v) {
  size_t n = 0;
  if (v)
    while (v[n]) n++;
  return n;
}

char **strv_copy(char *const *v) {
  size_t n = strv_len(v);
  char **c = xcalloc(n + 1, sizeof *c);
  for (size_t i = 0; i < n; i++) c[i] = xstrdup(v[i]);
  return c;
}

void strv_push(char ***v, size_t *n, const char *s) {
  *v = xrealloc_grow(*v, (*n + 2) * sizeof **v);
  (*v)[(*n)++] = xstrdup(s);
  (*v)[*n] = NULL;
}

bool strv_equal(char *const *a, char *const *b) {
  size_t na = strv_len(a), nb = strv_len(b);
  if (na != nb) return false;
  for (size_t i = 0; i < na; i++)
    if (strcmp(a[i], b[i]) != 0) return false;
  return true;
}

bool strv_contains(char *const *v, const char *s) {
  for (; v && *v; v++)
    if (strcmp(*v, s) == 0) return true;
  return false;
}
