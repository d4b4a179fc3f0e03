/* batch-worker.c: a worker process of `sandbox batch`. It takes one request at a time from the
 * supervisor, builds its spec (a copy of the translated profile from this process's cache,
 * with the request's argv, env and files), runs it with sbx_run and sends the report line
 * back. One run at a time: the process is single-threaded, so that its chdir to a request's
 * cwd and sbx_run's forks concern this request only. */
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* ---- the spec cache ------------------------------------------------------------------------ */

/* A profile is read and translated once per (profile, set overrides, physical working
 * directory): the translation depends on the working directory (${PWD}, the workdir bind, a
 * relative profile path and its search path) and on nothing else that changes between the
 * requests of one batch (the environment, $HOME and the ids are the batch's). The key holds
 * each of them length-prefixed, so that no two different lists make one key. */
#define CACHE_SLOTS 32

struct cached {
  char *key;
  sbx_spec *spec;
  uint64_t used;
};
static struct cached cache[CACHE_SLOTS];
static uint64_t cache_clock;

static char *cache_key(const char *profile, const char *const *sets, size_t n, const char *cwd) {
  char *key = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&key, &size);
  if (!f) return NULL;
  fprintf(f, "%zu:%s;%zu:%s;%zu;", strlen(profile), profile, strlen(cwd), cwd, n);
  for (size_t i = 0; i < n; i++) fprintf(f, "%zu:%s;", strlen(sets[i]), sets[i]);
  if (fclose(f) != 0) {
    free(key);
    return NULL;
  }
  return key;
}

/* A copy of the spec of `profile` with `sets`, loaded from the current directory (`cwd`). */
static int cached_spec(const char *profile, const char *const *sets, size_t n, const char *cwd,
                       sbx_spec **out, sbx_error **err) {
  char *key = cache_key(profile, sets, n, cwd);
  if (!key) return -1;
  struct cached *slot = NULL, *oldest = &cache[0];
  for (size_t i = 0; i < CACHE_SLOTS; i++) {
    if (cache[i].key && strcmp(cache[i].key, key) == 0) {
      slot = &cache[i];
      break;
    }
    if (!cache[i].key || (oldest->key && cache[i].used < oldest->used)) oldest = &cache[i];
  }
  if (!slot) {
    sbx_spec *spec = NULL;
    if (load_profile_err(profile, sets, n, &spec, err) < 0) {
      free(key);
      return -1;
    }
    slot = oldest;
    free(slot->key);
    sbx_spec_free(slot->spec);
    slot->key = key;
    slot->spec = spec;
  } else {
    free(key);
  }
  slot->used = ++cache_clock;
  *out = sbx_spec_copy(slot->spec);
  return *out ? 0 : -1;
}

static void cache_clear(void) {
  for (size_t i = 0; i < CACHE_SLOTS; i++) {
    free(cache[i].key);
    sbx_spec_free(cache[i].spec);
    cache[i] = (struct cached){0};
  }
}

int batch_cache_warm(const char *profile, sbx_error **err) {
  char *cwd = getcwd(NULL, 0);
  if (!cwd) {
    complain("batch: the working directory: %s", strerror(errno));
    return -1;
  }
  sbx_spec *spec = NULL;
  int rc = cached_spec(profile, NULL, 0, cwd, &spec, err);
  sbx_spec_free(spec);
  free(cwd);
  return rc;
}

/* ---- a request ----------------------------------------------------------------------------- */

struct request {
  json_t *root;
  json_t *id; /* borrowed from root; NULL when none */
  const char *profile, *cwd, *stream[3];
  json_t *argv, *set, *env;
};

static const char *type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "an array";
  case JSON_STRING: return "a string";
  case JSON_INTEGER:
  case JSON_REAL: return "a number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  case JSON_NULL: break;
  }
  return "null";
}

__attribute__((format(printf, 1, 2))) static char *msg(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0) s = NULL;
  va_end(ap);
  return s;
}

static char *want_string(const char *key, json_t *v, const char **out) {
  if (!json_is_string(v)) return msg("\"%s\" must be a string, not %s", key, type_name(v));
  if (json_string_length(v) == 0) return msg("\"%s\" is empty", key);
  *out = json_string_value(v);
  return NULL;
}

/* Reads the request's fields; NULL when it is well-formed, else the message (malloc'd). */
static char *parse_request(const char *text, size_t len, struct request *rq) {
  size_t i = 0;
  while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) i++;
  if (i == len) return msg("empty request line (a request is a JSON object)");
  json_error_t je;
  rq->root = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
  if (!rq->root) return msg("bad JSON at column %d: %s", je.column, je.text);
  if (!json_is_object(rq->root))
    return msg("a request must be a JSON object, not %s", type_name(rq->root));
  rq->id = json_object_get(rq->root, "id");
  const char *key;
  json_t *v;
  json_object_foreach(rq->root, key, v) {
    char *bad = NULL;
    if (strcmp(key, "id") == 0) {
      continue;
    } else if (strcmp(key, "profile") == 0) {
      bad = want_string(key, v, &rq->profile);
    } else if (strcmp(key, "cwd") == 0) {
      bad = want_string(key, v, &rq->cwd);
    } else if (strcmp(key, "stdin") == 0) {
      bad = want_string(key, v, &rq->stream[0]);
    } else if (strcmp(key, "stdout") == 0) {
      bad = want_string(key, v, &rq->stream[1]);
    } else if (strcmp(key, "stderr") == 0) {
      bad = want_string(key, v, &rq->stream[2]);
    } else if (strcmp(key, "argv") == 0) {
      if (!json_is_array(v))
        return msg("\"argv\" must be an array of strings, not %s", type_name(v));
      if (json_array_size(v) == 0) return msg("\"argv\" is empty");
      size_t k;
      json_t *a;
      json_array_foreach(v, k, a) if (!json_is_string(a)) return msg(
          "\"argv\"[%zu] must be a string, not %s", k, type_name(a));
      rq->argv = v;
    } else if (strcmp(key, "env") == 0 || strcmp(key, "set") == 0) {
      bool set = key[0] == 's';
      if (!json_is_object(v)) return msg("\"%s\" must be an object, not %s", key, type_name(v));
      const char *name;
      json_t *value;
      json_object_foreach(v, name, value) {
        bool ok =
            json_is_string(value) || (set && (json_is_number(value) || json_is_boolean(value)));
        if (!ok)
          return msg("\"%s\".\"%s\" must be a string%s, not %s", key, name,
                     set ? ", number or boolean" : "", type_name(value));
        if (set && (!*name || strchr(name, '=')))
          return msg("\"set\": bad key '%s' (a profile key path such as limits.memory)", name);
      }
      if (set)
        rq->set = v;
      else
        rq->env = v;
    } else {
      return msg(
          "unknown key \"%s\" (known: id, profile, argv, set, env, cwd, stdin, stdout, stderr)",
          key);
    }
    if (bad) return bad;
  }
  return NULL;
}

/* The request's --set overrides, "key=value" each (malloc'd, *n of them). */
static char **set_list(const json_t *set, size_t *n) {
  *n = set ? json_object_size(set) : 0;
  char **v = calloc(*n + 1, sizeof *v);
  if (!v) return NULL;
  size_t i = 0;
  const char *key;
  json_t *value;
  json_object_foreach((json_t *)set, key, value) {
    int r;
    if (json_is_string(value))
      r = asprintf(&v[i], "%s=%s", key, json_string_value(value));
    else if (json_is_integer(value))
      r = asprintf(&v[i], "%s=%lld", key, (long long)json_integer_value(value));
    else if (json_is_real(value))
      r = asprintf(&v[i], "%s=%.17g", key, json_real_value(value));
    else
      r = asprintf(&v[i], "%s=%s", key, json_is_true(value) ? "true" : "false");
    if (r < 0) v[i] = NULL;
    if (!v[i]) break;
    i++;
  }
  *n = i;
  return v;
}

static void strv_free(char **v) {
  for (char **p = v; p && *p; p++) free(*p);
  free(v);
}

/* The request's own edits of the spec: argv, env, files. NULL, or the message. */
static char *edit_spec(sbx_spec *spec, const struct request *rq) {
  sbx_error *err = NULL;
  char *bad = NULL;
  if (rq->argv) {
    size_t n = json_array_size(rq->argv);
    const char **argv = calloc(n + 1, sizeof *argv);
    if (!argv) return msg("out of memory");
    for (size_t i = 0; i < n; i++) argv[i] = json_string_value(json_array_get(rq->argv, i));
    if (sbx_spec_set_args(spec, argv, n, &err) < 0) bad = batch_error_text(err);
    free(argv);
    if (bad) goto out;
  }
  const char *name;
  json_t *value;
  json_object_foreach(rq->env, name, value) {
    if (sbx_spec_set_env(spec, name, json_string_value(value), &err) < 0) {
      bad = msg("\"env\".\"%s\": %s", name, err->message);
      goto out;
    }
  }
  static int (*const setters[3])(sbx_spec *, sbx_stdio_mode, const char *, sbx_error **) = {
      sbx_spec_set_stdin, sbx_spec_set_stdout, sbx_spec_set_stderr};
  static const char *const names[3] = {"stdin", "stdout", "stderr"};
  for (int i = 0; i < 3; i++)
    if (rq->stream[i] && setters[i](spec, SBX_STDIO_FILE, rq->stream[i], &err) < 0) {
      bad = msg("\"%s\": %s", names[i], err->message);
      goto out;
    }
  if (!sbx_spec_has_command(spec))
    bad = msg("no command: the request has no \"argv\" and the profile no process.command");
out:
  sbx_error_free(err);
  return bad;
}

static char *setup_error_line(const struct request *rq, uint64_t line, const char *message) {
  sbx_result r;
  memset(&r, 0, sizeof r);
  r.status = SBX_STATUS_SETUP_ERROR;
  r.message = (char *)(message ? message : "out of memory");
  return batch_report_line(&r, rq->id, line);
}

/* Runs one request from the directory it names (the worker is back in `home` after it);
 * returns its report line. */
static char *handle(const char *text, size_t len, uint64_t line, const char *default_profile,
                    int home) {
  struct request rq = {0};
  char *bad = parse_request(text, len, &rq);
  char *cwd = NULL, **sets = NULL, *report = NULL;
  sbx_spec *spec = NULL;
  sbx_error *err = NULL;
  if (bad) {
    char *located = msg("request line %llu: %s", (unsigned long long)line, bad);
    if (located) {
      free(bad);
      bad = located;
    }
    goto out;
  }
  if (rq.cwd && chdir(rq.cwd) < 0) {
    bad = msg("\"cwd\" %s: %s", rq.cwd, strerror(errno));
    goto out;
  }
  if (!(cwd = getcwd(NULL, 0))) {
    bad = msg("the working directory%s%s: %s", rq.cwd ? " " : "", rq.cwd ? rq.cwd : "",
              strerror(errno));
    goto out;
  }
  size_t n_sets = 0;
  if (!(sets = set_list(rq.set, &n_sets))) goto out;
  const char *profile = rq.profile ? rq.profile : default_profile;
  if (cached_spec(profile, (const char *const *)sets, n_sets, cwd, &spec, &err) < 0) {
    bad = err ? batch_error_text(err) : msg("profile %s: out of memory", profile);
    goto out;
  }
  if ((bad = edit_spec(spec, &rq))) goto out;
  sbx_run_options ro;
  sbx_run_options_init(&ro);
  ro.forward_signals = true;
  sbx_result r;
  int rc = sbx_run(spec, &ro, &r, &err);
  if (rc < 0 && !r.message) r.message = err ? batch_error_text(err) : NULL;
  report = batch_report_line(&r, rq.id, line);
  sbx_result_clear(&r);
out:
  if (!report) report = setup_error_line(&rq, line, bad);
  if (fchdir(home) < 0) {
    complain("batch: worker %d: return to the batch's directory: %s", (int)getpid(),
             strerror(errno));
    _exit(EXIT_SANDBOX_FAILURE);
  }
  free(bad);
  free(cwd);
  strv_free(sets);
  sbx_spec_free(spec);
  sbx_error_free(err);
  json_decref(rq.root);
  return report;
}

/* ---- the worker ---------------------------------------------------------------------------- */

void batch_worker_main(int fd, pid_t parent, const char *profile) {
  /* The worker dies with the supervisor, and with it the run it supervises (init has its own
   * parent-death signal): no job outlives a killed batch. Checked after the prctl, since the
   * supervisor may have died before it. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent) _exit(1);
  signal(SIGPIPE, SIG_DFL);
  /* The batch's stdin and stdout are the requests and the reports: a job inherits /dev/null in
   * their place, and no worker holds them. */
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0) {
    complain("batch: worker: /dev/null: %s", strerror(errno));
    _exit(EXIT_SANDBOX_FAILURE);
  }
  close(null);
  int home = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (home < 0) {
    complain("batch: worker: open the working directory: %s", strerror(errno));
    _exit(EXIT_SANDBOX_FAILURE);
  }
  for (;;) {
    uint64_t line;
    char *req = NULL;
    size_t len;
    int r = batch_recv(fd, &line, &req, &len);
    if (r == 0) break;
    if (r < 0) {
      complain("batch: worker %d: read a request: %s", (int)getpid(), strerror(errno));
      _exit(EXIT_SANDBOX_FAILURE);
    }
    char *report = handle(req, len, line, profile, home);
    free(req);
    if (!report || batch_send(fd, line, report, strlen(report)) < 0) {
      if (report) complain("batch: worker %d: send a report: %s", (int)getpid(), strerror(errno));
      _exit(EXIT_SANDBOX_FAILURE);
    }
    free(report);
  }
  cache_clear();
  close(home);
  close(fd);
  _exit(0);
}
