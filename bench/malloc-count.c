/* malloc-count.so: counts a process's heap allocations, for bench/run (LD_PRELOAD).
 *
 *   LD_PRELOAD=malloc-count.so PROGRAM...
 *
 * malloc, calloc and realloc are interposed: each call is counted, with the bytes it asked
 * for, and passed on to glibc's own allocator (__libc_malloc, __libc_calloc, __libc_realloc:
 * no dlsym, which itself allocates). When the process exits through exit() (not _exit(), so
 * forked children that exec or _exit print nothing) one line goes to stderr:
 *   malloc-count: calls=N bytes=B malloc=N calloc=N realloc=N
 * Only the calls of this process are counted: a forked child's counts are its own copy. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);

static unsigned long long n_malloc, n_calloc, n_realloc, n_bytes;

static void count(unsigned long long *n, size_t bytes) {
  __atomic_fetch_add(n, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&n_bytes, bytes, __ATOMIC_RELAXED);
}

void *malloc(size_t size) {
  count(&n_malloc, size);
  return __libc_malloc(size);
}

void *calloc(size_t n, size_t size) {
  count(&n_calloc, n * size);
  return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size) {
  count(&n_realloc, size);
  return __libc_realloc(p, size);
}

__attribute__((destructor)) static void report(void) {
  char line[160];
  int n = snprintf(line, sizeof line,
                   "malloc-count: calls=%llu bytes=%llu malloc=%llu calloc=%llu realloc=%llu\n",
                   n_malloc + n_calloc + n_realloc, n_bytes, n_malloc, n_calloc, n_realloc);
  if (n > 0 && write(2, line, (size_t)n) < 0) return;
}
