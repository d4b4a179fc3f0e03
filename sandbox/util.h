/* util.h: internal helpers shared by every module: cleanup attributes, allocation that aborts
 * on out-of-memory, string vectors, and error construction. */
#ifndef SANDBOX_UTIL_H
#define SANDBOX_UTIL_H

#include "sandbox.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SBX_INTERNAL     __attribute__((visibility("hidden")))
#define SBX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))

/* ---- cleanup ------------------------------------------------------------------------------ */

static inline void cleanup_freep(void *p) { free(*(void **)p); }
static inline void cleanup_closep(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}
static inline void cleanup_fclosep(FILE **f) {
  if (*f) fclose(*f);
}
void strv_free(char **v);
static inline void cleanup_strvp(char ***v) { strv_free(*v); }
static inline void cleanup_errorp(sbx_error **e) { sbx_error_free(*e); }

#define _cleanup_free_   __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_  __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))
#define _cleanup_strv_   __attribute__((cleanup(cleanup_strvp)))
#define _cleanup_error_  __attribute__((cleanup(cleanup_errorp)))

/* Hands ownership on: returns *pp and sets *pp to NULL (or -1 for fds). */
static inline void *steal_ptr(void *pp) {
  void **p = (void **)pp;
  void *v = *p;
  *p = NULL;
  return v;
}
#define steal_pointer(pp) ((__typeof__(*(pp)))steal_ptr(pp))
static inline int steal_fd(int *fd) {
  int v = *fd;
  *fd = -1;
  return v;
}

/* ---- memory: out of memory aborts (the one case where the library may) ---------------------- */

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Returns a block of at least `need` bytes holding p's contents, growing geometrically: for
 * arrays that grow one element at a time (p may come from any of these allocators). */
void *xrealloc_grow(void *p, size_t need);
/* Grows *p (of *cap elements of `size`) to hold at least `need` elements. */
void xgrow(void *pp, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) SBX_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) SBX_PRINTF(1, 0);

/* ---- string vectors (NULL-terminated) ------------------------------------------------------- */

size_t strv_len(char *const *v);
char **strv_copy(char *const *v);
/* Appends a copy of s to *v of *n entries (keeps the NULL terminator). */
void strv_push(char ***v, size_t *n, const char *s);
bool strv_equal(char *const *a, char *const *b);
bool strv_contains(char *const *v, const char *s);

/* ---- errors ------------------------------------------------------------------------------- */

/* Sets *err (when err != NULL and *err == NULL) to a new error with `code` and the formatted
 * message; when code != 0, ": strerror(code)" is appended. Returns -1 (or -code if asked). */
int sbx_set_error(sbx_error **err, int code, const char *fmt, ...) SBX_PRINTF(3, 4);
/* Sets *err like sbx_set_error with code EINVAL but without strerror: for bad input, where
 * "Invalid argument" would add nothing. Returns -1. */
int sbx_set_invalid(sbx_error **err, const char *fmt, ...) SBX_PRINTF(2, 3);
/* Same, with errno as the code. Returns -1. */
int sbx_set_errno(sbx_error **err, const char *fmt, ...) SBX_PRINTF(2, 3);
/* Prefixes the message of *err with "context: ". Returns -1. */
int sbx_error_prefix(sbx_error **err, const char *fmt, ...) SBX_PRINTF(2, 3);
/* Appends a new error (without strerror) at the end of the chain *err. */
void sbx_error_append(sbx_error **err, int code, const char *fmt, ...) SBX_PRINTF(3, 4);
size_t sbx_error_count(const sbx_error *err);

/* ---- files -------------------------------------------------------------------------------- */

/* Reads a whole regular file of at most `max` bytes into a NUL-terminated buffer. */
int read_file_max(const char *path, size_t max, char **out, size_t *len, sbx_error **err);

#endif
