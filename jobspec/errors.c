/* errors.c: the errors of a load, each located ("file:line:column: key.path: message"), up to a
 * cap. */
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
