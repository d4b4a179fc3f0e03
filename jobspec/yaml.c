/* yaml.c: YAML text -> a tree of located nodes, with libyaml's event API.
 *
 * Guards: a file is at most JS_MAX_FILE_BYTES, nesting is at most JS_MAX_DEPTH, and a file
 * makes at most JS_MAX_NODES nodes once aliases are expanded (a "billion laughs" document is an
 * error, not an allocation storm). An alias may only name a node that is complete, so a node can
 * never contain itself. */
#include "jobspec.h"

#include "util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <yaml.h>

/* ---- the parser --------------------------------------------------------------------------- */

typedef struct anchor {
  char *name;
  js_node *node;
} anchor;

typedef struct parser {
  yaml_parser_t yp;
  const char *file;
  const char *text;
  size_t len;
  size_t nodes;
  anchor *anchors;
  size_t n_anchors;
  sbx_error **err;
} parser;

static int perr(parser *p, unsigned line, unsigned col, const char *fmt, ...) SBX_PRINTF(4, 5);
static int perr(parser *p, unsigned line, unsigned col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  return sbx_set_error(p->err, 0, "%s:%u:%u: %s", p->file, line, col, msg);
}

/* Line and column (1-based) of a byte offset. */
static void offset_position(const parser *p, size_t off, unsigned *line, unsigned *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off && i < p->len; i++) {
    if (p->text[i] == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

static int yaml_failed(parser *p) {
  const yaml_parser_t *y = &p->yp;
  const char *problem = y->problem ? y->problem : "unknown error";
  if (y->error == YAML_MEMORY_ERROR) {
    fputs("sandbox: out of memory\n", stderr);
    abort();
  }
  if (y->error == YAML_READER_ERROR) {
    unsigned line, col;
    offset_position(p, y->problem_offset, &line, &col);
    return perr(p, line, col, "not a valid YAML text: %s", problem);
  }
  unsigned line = (unsigned)y->problem_mark.line + 1, col = (unsigned)y->problem_mark.column + 1;
  if (y->context)
    return perr(p, line, col, "not valid YAML: %s %s (line %u)", problem, y->context,
                (unsigned)y->context_mark.line + 1);
  return perr(p, line, col, "not valid YAML: %s", problem);
}

static int next_event(parser *p, yaml_event_t *ev) {
  if (!yaml_parser_parse(&p->yp, ev)) return yaml_failed(p);
  return 0;
}

static int count_node(parser *p, unsigned line, unsigned col) {
  if (++p->nodes > JS_MAX_NODES)
    return perr(p, line, col,
                "the profile has more than %u values (aliases expanded); is it an "
                "alias bomb?",
                JS_MAX_NODES);
  return 0;
}

static bool is_null_scalar(const yaml_event_t *ev) {
  if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return false;
  const char *v = (const char *)ev->data.scalar.value;
  return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
         strcmp(v, "NULL") == 0;
}

/* Copies an anchored node for an alias, within the node and depth budgets. */
static js_node *copy_counted(parser *p, const js_node *n, unsigned depth, unsigned line,
                             unsigned col) {
  if (depth > JS_MAX_DEPTH) {
    perr(p, line, col, "nesting is deeper than %u levels", JS_MAX_DEPTH);
    return NULL;
  }
  if (count_node(p, line, col) < 0) return NULL;
  _cleanup_node_ js_node *c = js_node_new(n->kind, n->file, n->line, n->col);
  c->str = n->str ? xstrdup(n->str) : NULL;
  c->plain = n->plain;
  c->append = n->append;
  c->bad = n->bad;
  for (size_t i = 0; i < n->n; i++) {
    js_node *item = copy_counted(p, n->items[i], depth + 1, line, col);
    if (!item) return NULL;
    if (n->kind == JS_MAP)
      js_map_push(c, js_node_copy(n->keys[i]), item);
    else
      js_seq_push(c, item);
  }
  return steal_pointer(&c);
}

static void add_anchor(parser *p, const yaml_char_t *name, js_node *node) {
  if (!name) return;
  p->anchors = xrealloc_grow(p->anchors, (p->n_anchors + 1) * sizeof *p->anchors);
  /* A later anchor of the same name shadows the earlier one (searched from the end). */
  p->anchors[p->n_anchors++] = (anchor){xstrdup((const char *)name), node};
}

static js_node *parse_node(parser *p, yaml_event_t *ev, unsigned depth);

static js_node *parse_seq(parser *p, js_node *seq, unsigned depth) {
  for (;;) {
    yaml_event_t ev;
    if (next_event(p, &ev) < 0) return NULL;
    if (ev.type == YAML_SEQUENCE_END_EVENT) {
      yaml_event_delete(&ev);
      return seq;
    }
    js_node *item = parse_node(p, &ev, depth + 1);
    yaml_event_delete(&ev);
    if (!item) return NULL;
    js_seq_push(seq, item);
  }
}

static js_node *parse_map(parser *p, js_node *map, unsigned depth) {
  /* Duplicate keys are found with a hash index: a flow map of tens of thousands of keys fits in
   * a file, and comparing each with all before it would take seconds. */
  js_keyset seen __attribute__((cleanup(js_keyset_clear))) = {0};
  for (;;) {
    yaml_event_t ev;
    if (next_event(p, &ev) < 0) return NULL;
    if (ev.type == YAML_MAPPING_END_EVENT) {
      yaml_event_delete(&ev);
      return map;
    }
    unsigned line = (unsigned)ev.start_mark.line + 1, col = (unsigned)ev.start_mark.column + 1;
    if (ev.type != YAML_SCALAR_EVENT) {
      yaml_event_delete(&ev);
      perr(p, line, col, "a key must be a plain string, not a list, a map or an alias");
      return NULL;
    }
    if (count_node(p, line, col) < 0) {
      yaml_event_delete(&ev);
      return NULL;
    }
    if (strlen((const char *)ev.data.scalar.value) != ev.data.scalar.length) {
      yaml_event_delete(&ev);
      perr(p, line, col, "a string contains a NUL character");
      return NULL;
    }
    _cleanup_node_ js_node *key = js_node_new(JS_SCALAR, p->file, line, col);
    key->str = xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
    key->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    yaml_event_delete(&ev);
    size_t klen = strlen(key->str);
    if (klen > 1 && key->str[klen - 1] == '+') {
      key->append = true;
      key->str[klen - 1] = '\0';
    }
    if (!*key->str) {
      perr(p, line, col, "empty key");
      return NULL;
    }
    if (js_keyset_find(&seen, map, key->str) >= 0) {
      perr(p, line, col, "duplicate key '%s'", key->str);
      return NULL;
    }
    if (next_event(p, &ev) < 0) return NULL;
    js_node *value = parse_node(p, &ev, depth + 1);
    yaml_event_delete(&ev);
    if (!value) return NULL;
    js_map_push(map, steal_pointer(&key), value);
    js_keyset_add(&seen, map, map->n - 1);
  }
}

static js_node *parse_node(parser *p, yaml_event_t *ev, unsigned depth) {
  unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;
  if (depth > JS_MAX_DEPTH) {
    perr(p, line, col, "nesting is deeper than %u levels", JS_MAX_DEPTH);
    return NULL;
  }
  switch (ev->type) {
  case YAML_ALIAS_EVENT: {
    const char *name = (const char *)ev->data.alias.anchor;
    for (size_t i = p->n_anchors; i-- > 0;)
      if (strcmp(p->anchors[i].name, name) == 0)
        return copy_counted(p, p->anchors[i].node, depth, line, col);
    perr(p, line, col, "alias '*%s' names no complete anchor before it", name);
    return NULL;
  }
  case YAML_SCALAR_EVENT: {
    if (count_node(p, line, col) < 0) return NULL;
    js_node *n;
    if (is_null_scalar(ev)) {
      n = js_node_new(JS_NULL, p->file, line, col);
    } else {
      n = js_node_new(JS_SCALAR, p->file, line, col);
      if (strlen((const char *)ev->data.scalar.value) != ev->data.scalar.length) {
        js_node_free(n);
        perr(p, line, col, "a string contains a NUL character");
        return NULL;
      }
      n->str = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
      n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    }
    add_anchor(p, ev->data.scalar.anchor, n);
    return n;
  }
  case YAML_SEQUENCE_START_EVENT:
  case YAML_MAPPING_START_EVENT: {
    if (count_node(p, line, col) < 0) return NULL;
    bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
    _cleanup_node_ js_node *n = js_node_new(seq ? JS_SEQ : JS_MAP, p->file, line, col);
    const yaml_char_t *anchor_name =
        seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
    _cleanup_free_ char *name = anchor_name ? xstrdup((const char *)anchor_name) : NULL;
    if (!(seq ? parse_seq(p, n, depth) : parse_map(p, n, depth))) return NULL;
    add_anchor(p, (const yaml_char_t *)name, n);
    return steal_pointer(&n);
  }
  default: perr(p, line, col, "unexpected YAML event"); return NULL;
  }
}

js_node *js_parse(const char *file, const char *text, size_t len, sbx_error **err) {
  parser p = {.file = file, .text = text, .len = len, .err = err};
  if (!yaml_parser_initialize(&p.yp)) {
    fputs("sandbox: out of memory\n", stderr);
    abort();
  }
  yaml_parser_set_input_string(&p.yp, (const unsigned char *)text, len);
  js_node *root = NULL;
  yaml_event_t ev;
  bool started = false;
  for (;;) {
    if (next_event(&p, &ev) < 0) goto fail;
    yaml_event_type_t type = ev.type;
    unsigned line = (unsigned)ev.start_mark.line + 1, col = (unsigned)ev.start_mark.column + 1;
    if (type == YAML_STREAM_END_EVENT) {
      yaml_event_delete(&ev);
      break;
    }
    if (type == YAML_STREAM_START_EVENT || type == YAML_DOCUMENT_END_EVENT) {
      yaml_event_delete(&ev);
      continue;
    }
    if (type == YAML_DOCUMENT_START_EVENT) {
      yaml_event_delete(&ev);
      if (started) {
        perr(&p, line, col, "a profile is one YAML document, but a second one starts here");
        goto fail;
      }
      started = true;
      continue;
    }
    root = parse_node(&p, &ev, 1);
    yaml_event_delete(&ev);
    if (!root) goto fail;
  }
  if (!root) root = js_node_new(JS_NULL, file, 1, 1);
  for (size_t i = 0; i < p.n_anchors; i++) free(p.anchors[i].name);
  free(p.anchors);
  yaml_parser_delete(&p.yp);
  return root;
fail:
  js_node_free(root);
  for (size_t i = 0; i < p.n_anchors; i++) free(p.anchors[i].name);
  free(p.anchors);
  yaml_parser_delete(&p.yp);
  return NULL;
}

js_node *js_parse_file(js_files *files, const char *path, sbx_error **err) {
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    sbx_set_errno(err, "%s: cannot open the profile", path);
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    sbx_set_errno(err, "%s: cannot stat the profile", path);
    return NULL;
  }
  if (S_ISDIR(st.st_mode)) {
    sbx_set_error(err, 0, "%s: is a directory, not a profile file", path);
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    sbx_set_error(err, 0, "%s: is not a regular file", path);
    return NULL;
  }
  if ((uint64_t)st.st_size > JS_MAX_FILE_BYTES) {
    sbx_set_error(err, 0, "%s: file is %llu bytes, larger than the %u allowed", path,
                  (unsigned long long)st.st_size, JS_MAX_FILE_BYTES);
    return NULL;
  }
  size_t cap = (size_t)st.st_size + 1, n = 0;
  _cleanup_free_ char *buf = xmalloc(cap + 1);
  for (;;) {
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      sbx_set_errno(err, "%s: cannot read the profile", path);
      return NULL;
    }
    if (r == 0) break;
    n += (size_t)r;
    if (n > JS_MAX_FILE_BYTES) {
      sbx_set_error(err, 0, "%s: file is larger than the %u bytes allowed", path,
                    JS_MAX_FILE_BYTES);
      return NULL;
    }
    if (n == cap) {
      cap *= 2;
      buf = xrealloc(buf, cap + 1);
    }
  }
  buf[n] = '\0';
  const char *file = js_files_add(files, path);
  return js_parse(file, buf, n, err);
}
