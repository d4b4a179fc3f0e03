/* report.c: the run report, a JSON object with a versioned schema (docs/report.md). */
#include "util.h"

#include <jansson.h>
#include <signal.h>

#define SBX_REPORT_VERSION 1

static const char *const status_names[] = {
    [SBX_STATUS_OK] = "ok",
    [SBX_STATUS_EXIT_NONZERO] = "exit_nonzero",
    [SBX_STATUS_SIGNALED] = "signaled",
    [SBX_STATUS_WALL_TIME_LIMIT] = "wall_time_limit",
    [SBX_STATUS_CPU_TIME_LIMIT] = "cpu_time_limit",
    [SBX_STATUS_MEMORY_LIMIT] = "memory_limit",
    [SBX_STATUS_PIDS_LIMIT] = "pids_limit",
    [SBX_STATUS_OUTPUT_LIMIT] = "output_limit",
    [SBX_STATUS_FILE_SIZE_LIMIT] = "file_size_limit",
    [SBX_STATUS_FORBIDDEN_SYSCALL] = "forbidden_syscall",
    [SBX_STATUS_SETUP_ERROR] = "setup_error",
};

const char *sbx_status_name(sbx_status status) {
  if ((size_t)status < ARRAY_SIZE(status_names) && status_names[status])
    return status_names[status];
  return "unknown";
}

const char *sbx_memory_peak_source_name(sbx_memory_peak_source source) {
  switch (source) {
  case SBX_MEMORY_PEAK_CGROUP: return "cgroup";
  case SBX_MEMORY_PEAK_RUSAGE: return "rusage";
  case SBX_MEMORY_PEAK_NONE: break;
  }
  return NULL;
}

/* A JSON string of text that may not be UTF-8 (a message naming a file whose name is not):
 * every byte of an invalid sequence becomes U+FFFD, so the report is always written. */
static json_t *text_string(const char *t) {
  json_t *j = json_string(t);
  if (j) return j;
  size_t n = strlen(t);
  char *buf = xmalloc(n * 3 + 1);
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)t[i];
    size_t len = c < 0x80             ? 1
                 : (c & 0xE0) == 0xC0 ? 2
                 : (c & 0xF0) == 0xE0 ? 3
                 : (c & 0xF8) == 0xF0 ? 4
                                      : 0;
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; k++) ok = ((unsigned char)t[i + k] & 0xC0) == 0x80;
    if (ok && len > 1) {
      /* One sequence at a time through jansson's own check (overlong forms, surrogates). */
      char one[5] = {0};
      memcpy(one, t + i, len);
      json_t *probe = json_string(one);
      ok = probe != NULL;
      json_decref(probe);
    }
    if (ok) {
      memcpy(buf + o, t + i, len);
      o += len;
      i += len;
    } else {
      memcpy(buf + o, "\xEF\xBF\xBD", 3);
      o += 3;
      i++;
    }
  }
  buf[o] = '\0';
  j = json_string(buf);
  free(buf);
  return j;
}

static int set_new(json_t *obj, const char *key, json_t *value) {
  if (!value) return -1;
  return json_object_set_new(obj, key, value);
}

char *sbx_result_to_json(const sbx_result *r, sbx_error **err) {
  json_t *o = json_object();
  if (!o) {
    sbx_set_error(err, ENOMEM, "building the report");
    return NULL;
  }
  int bad = 0;
  bad |= set_new(o, "version", json_integer(SBX_REPORT_VERSION));
  bad |= set_new(o, "status", json_string(sbx_status_name(r->status)));
  bad |= set_new(o, "exit_code", json_integer(r->exit_code));
  if (r->signal > 0) {
    json_t *sig = json_object();
    const char *abbrev = sigabbrev_np(r->signal);
    char name[32];
    snprintf(name, sizeof name, "SIG%s", abbrev ? abbrev : "UNKNOWN");
    bad |= set_new(sig, "number", json_integer(r->signal));
    bad |= set_new(sig, "name", json_string(name));
    bad |= set_new(o, "signal", sig);
  } else {
    bad |= set_new(o, "signal", json_null());
  }
  bad |= set_new(o, "wall_time_s", json_real(r->wall_time_s));
  bad |= set_new(o, "cpu_time_s", json_real(r->cpu_time_s));
  bad |= set_new(o, "cpu_user_s", json_real(r->cpu_user_s));
  bad |= set_new(o, "cpu_system_s", json_real(r->cpu_system_s));
  bad |= set_new(o, "memory_peak_bytes", json_integer((json_int_t)r->memory_peak_bytes));
  const char *peak_source = sbx_memory_peak_source_name(r->memory_peak_source);
  bad |= set_new(o, "memory_peak_source", peak_source ? json_string(peak_source) : json_null());
  bad |= set_new(o, "max_rss_bytes", json_integer((json_int_t)r->max_rss_bytes));
  bad |= set_new(o, "oom_killed", json_boolean(r->oom_killed));
  bad |= set_new(o, "pids_peak", json_integer((json_int_t)r->pids_peak));
  bad |= set_new(o, "csw_voluntary", json_integer((json_int_t)r->csw_voluntary));
  bad |= set_new(o, "csw_forced", json_integer((json_int_t)r->csw_forced));
  bad |= set_new(o, "stdout_bytes", json_integer((json_int_t)r->stdout_bytes));
  bad |= set_new(o, "stderr_bytes", json_integer((json_int_t)r->stderr_bytes));
  bad |= set_new(o, "output_merged", json_boolean(r->output_merged));
  bad |= set_new(o, "cgroup", json_boolean(r->cgroup));
  bad |= set_new(o, "cgroup_version", r->cgroup ? json_integer(r->cgroup_version) : json_null());
  json_t *deg = json_array();
  for (char **d = r->degraded; d && *d; d++) bad |= json_array_append_new(deg, text_string(*d));
  bad |= set_new(o, "degraded", deg);
  bad |= set_new(o, "syscall", r->syscall ? text_string(r->syscall) : json_null());
  bad |= set_new(o, "message", r->message ? text_string(r->message) : json_null());
  bad |= set_new(o, "degraded_cause",
                 r->degraded_cause ? text_string(r->degraded_cause) : json_null());
  bad |= set_new(o, "limit", r->limit ? text_string(r->limit) : json_null());
  char *text =
      bad ? NULL : json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
  json_decref(o);
  if (!text) {
    sbx_set_error(err, ENOMEM, "building the report");
    return NULL;
  }
  /* jansson's memory comes from malloc by default; hand the caller a string with a newline. */
  char *out = xasprintf("%s\n", text);
  free(text);
  return out;
}
