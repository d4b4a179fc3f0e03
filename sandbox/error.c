/* error.c: errors as values (sbx_error), with context added as they travel up. */
#include "util.h"

void sbx_error_free(sbx_error *err) {
  while (err) {
    sbx_error *next = err->next;
    free(err->message);
    free(err);
    err = next;
  }
}

static sbx_error *error_new(int code, const char *fmt, va_list ap, bool with_strerror) {
  sbx_error *e = xcalloc(1, sizeof *e);
  char *msg = xvasprintf(fmt, ap);
  e->code = code;
  if (with_strerror && code > 0) {
    e->message = xasprintf("%s: %s", msg, strerror(code));
    free(msg);
  } else {
    e->message = msg;
  }
  return e;
}

int sbx_set_error(sbx_error **err, int code, const char *fmt, ...) {
  if (err && !*err) {
    va_list ap;
    va_start(ap, fmt);
    *err = error_new(code, fmt, ap, true);
    va_end(ap);
  }
  return -1;
}

int sbx_set_invalid(sbx_error **err, const char *fmt, ...) {
  if (err && !*err) {
    va_list ap;
    va_start(ap, fmt);
    *err = error_new(EINVAL, fmt, ap, false);
    va_end(ap);
  }
  return -1;
}

int sbx_set_errno(sbx_error **err, const char *fmt, ...) {
  int code = errno;
  if (err && !*err) {
    va_list ap;
    va_start(ap, fmt);
    *err = error_new(code, fmt, ap, true);
    va_end(ap);
  }
  errno = code;
  return -1;
}

int sbx_error_prefix(sbx_error **err, const char *fmt, ...) {
  if (!err || !*err) return -1;
  va_list ap;
  va_start(ap, fmt);
  char *prefix = xvasprintf(fmt, ap);
  va_end(ap);
  char *msg = xasprintf("%s: %s", prefix, (*err)->message);
  free(prefix);
  free((*err)->message);
  (*err)->message = msg;
  return -1;
}

void sbx_error_append(sbx_error **err, int code, const char *fmt, ...) {
  if (!err) return;
  va_list ap;
  va_start(ap, fmt);
  sbx_error *e = error_new(code, fmt, ap, false);
  va_end(ap);
  while (*err) err = &(*err)->next;
  *err = e;
}

size_t sbx_error_count(const sbx_error *err) {
  size_t n = 0;
  for (; err; err = err->next) n++;
  return n;
}
