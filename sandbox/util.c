/* util.c: allocation, string vectors, files. */
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

int read_file_max(const char *path, size_t max, char **out, size_t *len, sbx_error **err) {
  /* O_NONBLOCK: opening a FIFO must not wait for a writer; only regular files are read. */
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return sbx_set_errno(err, "open %s", path);
  struct stat st;
  if (fstat(fd, &st) < 0) return sbx_set_errno(err, "stat %s", path);
  if (S_ISDIR(st.st_mode)) return sbx_set_error(err, EISDIR, "read %s", path);
  if (!S_ISREG(st.st_mode)) return sbx_set_invalid(err, "read %s: not a regular file", path);
  if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
    return sbx_set_error(err, EFBIG, "read %s: file is %lld bytes, larger than the %zu allowed",
                         path, (long long)st.st_size, max);
  size_t cap = 4096, n = 0;
  _cleanup_free_ char *buf = xmalloc(cap);
  for (;;) {
    if (n + 1 >= cap) {
      if (cap > max) break;
      cap *= 2;
      buf = xrealloc(buf, cap);
    }
    ssize_t r = read(fd, buf + n, cap - n - 1);
    if (r < 0) {
      if (errno == EINTR) continue;
      return sbx_set_errno(err, "read %s", path);
    }
    if (r == 0) break;
    n += (size_t)r;
    if (n > max)
      return sbx_set_error(err, EFBIG, "read %s: larger than the %zu bytes allowed", path, max);
  }
  buf[n] = '\0';
  *out = steal_pointer(&buf);
  if (len) *len = n;
  return 0;
}
