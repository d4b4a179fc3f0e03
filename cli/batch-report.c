/* batch-report.c: `sandbox batch`'s messages between the supervisor and its workers, and its
 * report lines (the --report object on one line, with the request's "id" and "line"). */
#include "batch.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct frame {
  uint64_t line;
  uint32_t len;
  uint32_t zero;
};

static int write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

/* 1: all of it; 0: the end of the stream before the first byte; -1: an error (EPROTO: the
 * end in the middle). */
static int read_all(int fd, void *p, size_t n) {
  char *c = p;
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, c + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) {
      if (got == 0) return 0;
      errno = EPROTO;
      return -1;
    }
    got += (size_t)r;
  }
  return 1;
}

int batch_send(int fd, uint64_t line, const char *data, size_t len) {
  if (len > BATCH_MAX_LINE * 2u) {
    errno = EMSGSIZE;
    return -1;
  }
  struct frame f = {.line = line, .len = (uint32_t)len};
  if (write_all(fd, &f, sizeof f) < 0) return -1;
  return write_all(fd, data, len);
}

int batch_recv(int fd, uint64_t *line, char **data, size_t *len) {
  struct frame f;
  int r = read_all(fd, &f, sizeof f);
  if (r <= 0) return r;
  if (f.zero != 0 || f.len > BATCH_MAX_LINE * 2u) {
    errno = EPROTO;
    return -1;
  }
  char *buf = malloc((size_t)f.len + 1);
  if (!buf) return -1;
  if (f.len > 0 && read_all(fd, buf, f.len) <= 0) {
    if (errno == 0) errno = EPROTO;
    free(buf);
    return -1;
  }
  buf[f.len] = '\0';
  *line = f.line;
  *data = buf;
  *len = f.len;
  return 1;
}

char *batch_report_line(const sbx_result *r, const void *id, uint64_t line) {
  char *text = sbx_result_to_json(r, NULL);
  if (!text) return NULL;
  json_t *report = json_loads(text, 0, NULL);
  free(text);
  json_t *out = json_object();
  char *s = NULL;
  if (report && out) {
    int bad = 0;
    if (id) bad |= json_object_set(out, "id", (json_t *)id);
    bad |= json_object_set_new(out, "line", json_integer((json_int_t)line));
    bad |= json_object_update(out, report);
    char *dumped = bad ? NULL
                       : json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY |
                                             JSON_REAL_PRECISION(9));
    if (dumped && asprintf(&s, "%s\n", dumped) < 0) s = NULL;
    free(dumped);
  }
  json_decref(report);
  json_decref(out);
  return s;
}

char *batch_error_line(const char *request, size_t len, uint64_t line, const char *message) {
  json_t *req = request ? json_loadb(request, len, JSON_DECODE_ANY, NULL) : NULL;
  json_t *id = json_is_object(req) ? json_object_get(req, "id") : NULL;
  sbx_result r;
  memset(&r, 0, sizeof r);
  r.status = SBX_STATUS_SETUP_ERROR;
  r.message = (char *)message;
  char *s = batch_report_line(&r, id, line);
  json_decref(req);
  return s;
}

char *batch_error_text(const sbx_error *err) {
  size_t n = 1;
  for (const sbx_error *e = err; e; e = e->next) n += strlen(e->message) + 2;
  char *s = malloc(n);
  if (!s) return NULL;
  s[0] = '\0';
  for (const sbx_error *e = err; e; e = e->next) {
    if (e != err) strcat(s, "; ");
    strcat(s, e->message);
  }
  return s;
}
