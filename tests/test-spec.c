/* test-spec.c: the spec type: defaults, copy and equality, the public editing calls, the checker
 * (its rule classes, what a front-end gives it, validation messages), the name tables, and the
 * run report. */
#define TEST_FILE "test-spec"
#include "harness.h"
#include "spec.h"
#include "util.h"

#include <jansson.h>

TEST(defaults) {
  sbx_spec *s = spec_new();
  CHECK_EQ_INT(s->process.n_args, 0);
  CHECK_EQ_STR(s->process.cwd, "/");
  CHECK_EQ_INT(s->process.umask, 022);
  for (int i = 0; i < 3; i++) CHECK_EQ_INT(s->process.stdio[i].mode, SBX_STDIO_INHERIT);
  CHECK(s->process.no_new_privileges);
  CHECK_EQ_INT(s->process.capabilities, 0);
  CHECK(s->root.path == NULL);
  CHECK_EQ_INT(s->namespaces, SBX_NS_ALL);
  CHECK_EQ_INT(s->network, SBX_NET_NONE);
  CHECK(s->limits.memory == SBX_UNSET && s->limits.wall_time_us == SBX_UNSET);
  CHECK_EQ_INT(s->limits.core, 0);
  CHECK_EQ_INT(s->limits.swap, 0);
  CHECK(!s->seccomp.enabled);
  sbx_spec_free(s);
}

static sbx_spec *full_spec(void) {
  sbx_spec *s = spec_new();
  const char *argv[] = {"/bin/sh", "-c", "echo hi"};
  CHECK(sbx_spec_set_args(s, argv, 3, NULL) == 0);
  spec_env_set(s, "PATH", "/usr/bin:/bin");
  spec_env_set(s, "LANG", "C.UTF-8");
  CHECK(sbx_spec_set_cwd(s, "/work", NULL) == 0);
  CHECK(sbx_spec_add_bind(s, "/usr", "/usr", true, NULL) == 0);
  sbx_mount *m = spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/tmp", SBX_MNT_NOSUID);
  m->size = 64 << 20;
  m->mode = 01777;
  strv_push(&s->masked_paths, &s->n_masked_paths, "/proc/kcore");
  s->hostname = xstrdup("box");
  s->limits.memory = 256 << 20;
  s->uid_mappings = xcalloc(1, sizeof *s->uid_mappings);
  s->uid_mappings[0] = (sbx_id_mapping){1000, 65534, 1};
  s->n_uid_mappings = 1;
  s->seccomp.enabled = true;
  s->seccomp.default_action = SBX_SECCOMP_ERRNO;
  s->seccomp.default_errno = EPERM;
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, SBX_SECCOMP_ALLOW, 0);
  spec_rule_add_name(r, "read");
  spec_rule_add_arg(r, 0, SBX_OP_EQ, 0, 0);
  spec_add_annotation(s, "com.example.key", "value");
  return s;
}

TEST(copy_is_equal_and_deep) {
  sbx_spec *a = full_spec();
  sbx_spec *b = sbx_spec_copy(a);
  CHECK(spec_equal(a, b));
  CHECK(a->process.args != b->process.args);
  CHECK(a->mounts[0].source != b->mounts[0].source);
  CHECK(a->seccomp.rules[0].args != b->seccomp.rules[0].args);
  sbx_spec_free(a);
  /* b lives on after a is gone: nothing shared. */
  CHECK_EQ_STR(b->process.args[2], "echo hi");
  CHECK_EQ_STR(b->mounts[0].source, "/usr");
  sbx_spec_free(b);
}

TEST(equality_sees_every_difference) {
  sbx_spec *a = full_spec();
  sbx_spec *b = sbx_spec_copy(a);
  b->limits.memory++;
  CHECK(!spec_equal(a, b));
  b->limits.memory--;
  b->mounts[1].mode = 0700;
  CHECK(!spec_equal(a, b));
  b->mounts[1].mode = 01777;
  b->seccomp.rules[0].args[0].value = 1;
  CHECK(!spec_equal(a, b));
  b->seccomp.rules[0].args[0].value = 0;
  spec_env_set(b, "LANG", "C");
  CHECK(!spec_equal(a, b));
  spec_env_set(b, "LANG", "C.UTF-8");
  CHECK(spec_equal(a, b));
  b->id_intent.count = 2;
  CHECK(!spec_equal(a, b));
  b->id_intent.count = a->id_intent.count;
  b->id_intent.host_gid = 7;
  CHECK(!spec_equal(a, b));
  b->id_intent.host_gid = a->id_intent.host_gid;
  CHECK(spec_equal(a, b));
  sbx_spec_free(a);
  sbx_spec_free(b);
}

TEST(env_set_replaces) {
  sbx_spec *s = spec_new();
  spec_env_set(s, "A", "1");
  spec_env_set(s, "AB", "2");
  spec_env_set(s, "A", "3");
  CHECK_EQ_INT(s->process.n_env, 2);
  CHECK_EQ_STR(spec_env_get(s, "A"), "3");
  CHECK_EQ_STR(spec_env_get(s, "AB"), "2");
  CHECK(spec_env_get(s, "B") == NULL);
  sbx_spec_free(s);
}

TEST(editing_calls_reject_bad_input) {
  sbx_spec *s = spec_new();
  sbx_error *err = NULL;
  CHECK(sbx_spec_set_args(s, NULL, 0, &err) < 0);
  CHECK_EQ_STR(err->message, "the command is empty");
  sbx_error_free(err);
  err = NULL;
  CHECK(sbx_spec_set_cwd(s, "work", &err) < 0);
  CHECK_EQ_STR(err->message, "working directory 'work' is not an absolute path");
  sbx_error_free(err);
  err = NULL;
  CHECK(sbx_spec_set_env(s, "A=B", "x", &err) < 0);
  CHECK_EQ_STR(err->message, "bad environment variable name 'A=B'");
  sbx_error_free(err);
  err = NULL;
  CHECK(sbx_spec_add_bind(s, "rel", "/x", true, &err) < 0);
  CHECK_EQ_STR(err->message, "bind source 'rel' is not an absolute path");
  sbx_error_free(err);
  err = NULL;
  /* A huge argument is refused with a message, not copied. */
  size_t n = (1u << 20) + 10;
  char *huge = xmalloc(n + 1);
  memset(huge, 'a', n);
  huge[n] = '\0';
  const char *argv[] = {"/bin/echo", huge};
  CHECK(sbx_spec_set_args(s, argv, 2, &err) < 0);
  CHECK_EQ_STR(err->message,
               "command argument is longer than 1048576 bytes: Argument list too long");
  free(huge);
  sbx_error_free(err);
  CHECK_EQ_INT(s->process.n_args, 0);
  sbx_spec_free(s);
}

/* sbx_spec_add_bind keeps the mounts in depth order, stably, as the profile loader does: a bind
 * of a parent directory added after a mount below it goes before it (`--bind $PWD/..` does not
 * hide the read-write working directory), and equal depths keep their order. */
TEST(add_bind_keeps_depth_order) {
  sbx_spec *s = spec_new();
  spec_add_mount(s, SBX_MOUNT_BIND, "/usr", "/usr", SBX_MNT_RO);
  spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/tmp", 0);
  spec_add_mount(s, SBX_MOUNT_BIND, "/home/u/p/build", "/home/u/p/build", 0);
  CHECK(sbx_spec_add_bind(s, "/home/u/p", "/home/u/p", true, NULL) == 0);
  CHECK(sbx_spec_add_bind(s, "/opt", "/opt", true, NULL) == 0);
  CHECK(sbx_spec_add_bind(s, "/data/a/b/c", "/x/y/z/w", false, NULL) == 0);
  CHECK(sbx_spec_add_bind(s, "/srv", "/tmp/srv", true, NULL) == 0);
  static const char *const want[] = {
      "/usr", "/tmp", "/opt", "/tmp/srv", "/home/u/p", "/home/u/p/build", "/x/y/z/w"};
  CHECK_EQ_INT(s->n_mounts, ARRAY_SIZE(want));
  for (size_t i = 0; i < ARRAY_SIZE(want); i++) CHECK_EQ_STR(s->mounts[i].target, want[i]);
  /* The mounts moved whole: flags, sources and types with them. */
  CHECK_EQ_INT(s->mounts[1].type, SBX_MOUNT_TMPFS);
  CHECK(s->mounts[4].flags & SBX_MNT_RO);
  CHECK(!(s->mounts[5].flags & SBX_MNT_RO));
  CHECK_EQ_STR(s->mounts[5].source, "/home/u/p/build");
  CHECK_EQ_STR(s->mounts[6].source, "/data/a/b/c");
  /* spec_sort_mounts reports where each came from. */
  spec_add_mount(s, SBX_MOUNT_BIND, "/a", "/a", 0);
  size_t order[8];
  spec_sort_mounts(s, order);
  static const size_t want_order[] = {0, 1, 2, 7, 3, 4, 5, 6};
  for (size_t i = 0; i < ARRAY_SIZE(want_order); i++) CHECK_EQ_INT(order[i], want_order[i]);
  CHECK_EQ_STR(s->mounts[3].target, "/a");
  sbx_spec_free(s);
}

TEST(check_sources_finds_missing_binds) {
  sbx_spec *s = spec_new();
  CHECK_EQ_INT(sbx_spec_check_sources(s, NULL), 0);
  CHECK(sbx_spec_add_bind(s, "/usr", "/usr", true, NULL) == 0);
  CHECK(sbx_spec_add_bind(s, "/nonexistent/sbx-a", "/a", true, NULL) == 0);
  spec_add_mount(s, SBX_MOUNT_BIND, "/nonexistent/sbx-opt", "/o", SBX_MNT_OPTIONAL);
  spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/tmp", 0);
  CHECK(sbx_spec_add_bind(s, "/nonexistent/sbx-b", "/b/c", true, NULL) == 0);
  sbx_error *e = NULL;
  CHECK_EQ_INT(sbx_spec_check_sources(s, &e), 2);
  CHECK(e && e->next && !e->next->next);
  CHECK_EQ_INT(e->code, ENOENT);
  CHECK_EQ_STR(e->message, "bind source /nonexistent/sbx-a does not exist");
  CHECK_EQ_STR(e->next->message, "bind source /nonexistent/sbx-b does not exist");
  sbx_error_free(e);
  CHECK_EQ_INT(sbx_spec_check_sources(s, NULL), 2);
  sbx_spec_free(s);
}

TEST(validate_reports_every_problem) {
  sbx_spec *s = spec_new();
  s->namespaces &= ~(unsigned)SBX_NS_NET;
  s->network = SBX_NET_LOOPBACK;
  s->limits.pids = 0;
  sbx_error *err = NULL;
  CHECK(sbx_spec_validate(s, &err) < 0);
  CHECK_EQ_INT(sbx_error_count(err), 3);
  CHECK_EQ_STR(err->message, "process.args: no command to run");
  CHECK_EQ_STR(err->next->message,
               "namespaces.net: network: loopback needs the net namespace; use network: host to "
               "share the host's network");
  CHECK_EQ_STR(err->next->next->message, "limits.pids: 0 allows no process at all: the least is 1");
  sbx_error_free(err);
  sbx_spec_free(s);
}

TEST(validate_refuses_dot_components_inside) {
  sbx_spec *s = full_spec();
  CHECK(sbx_spec_add_bind(s, "/tmp", "/../oldroot/etc/evil", false, NULL) == 0);
  strv_push(&s->masked_paths, &s->n_masked_paths, "/proc/./kcore");
  strv_push(&s->readonly_paths, &s->n_readonly_paths, "/proc/sys/..");
  sbx_error *err = NULL;
  CHECK(sbx_spec_validate(s, &err) < 0);
  CHECK_EQ_INT(sbx_error_count(err), 3);
  CHECK_EQ_STR(err->message,
               "mounts[2].target: '/../oldroot/etc/evil': a path inside the sandbox cannot "
               "contain '.' or '..'");
  CHECK_EQ_STR(err->next->message,
               "masked_paths[1]: '/proc/./kcore': a path inside the sandbox cannot contain '.' "
               "or '..'");
  CHECK_EQ_STR(err->next->next->message,
               "readonly_paths[0]: '/proc/sys/..': a path inside the sandbox cannot contain '.' "
               "or '..'");
  sbx_error_free(err);
  sbx_spec_free(s);
  /* A name that merely starts with dots is fine. */
  s = full_spec();
  CHECK(sbx_spec_add_bind(s, "/tmp", "/work/..data/.x", false, NULL) == 0);
  err = NULL;
  int rc = sbx_spec_validate(s, &err);
  if (rc < 0) TEST_FAIL("%s", err->message);
  sbx_spec_free(s);
}

/* The problems spec_check reports, "path: message" a line. */
static void collect(void *ctx, const char *path, const char *msg) {
  char **all = ctx;
  char *n = xasprintf("%s%s%s: %s", *all, **all ? "\n" : "", path, msg);
  free(*all);
  *all = n;
}

static char *problems(const sbx_spec *s, unsigned rules, spec_front front) {
  char *all = xstrdup("");
  front.ctx = &all;
  front.report = collect;
  size_t n = spec_check(s, rules, &front);
  size_t lines = *all ? 1 : 0;
  for (const char *c = all; *c; c++) lines += *c == '\n';
  CHECK_EQ_INT(n, lines);
  return all;
}

/* Each class of rules alone, and the paths the problems are reported at. */
TEST(checker_rule_classes) {
  sbx_spec *s = spec_new();
  s->process.umask = 01000;
  free(s->process.cwd);
  s->process.cwd = xstrdup("work");
  spec_add_mount(s, SBX_MOUNT_BIND, NULL, "/x", 0);
  spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/a/./b", 0);
  s->limits.pids = 0;
  s->seccomp.enabled = true;
  spec_add_seccomp_rule(s, SBX_SECCOMP_ERRNO, EPERM);
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, SBX_SECCOMP_ERRNO, EPERM);
  spec_rule_add_name(r, "socket");
  spec_rule_add_arg(r, 0, SBX_OP_EQ, 1, 0);
  spec_rule_add_arg(r, 9, SBX_OP_EQ, 1, 0);
  _cleanup_free_ char *form = problems(s, SPEC_CHECK_FORM, (spec_front){0});
  CHECK_EQ_STR(form,
               "process.umask: 01000 is not a umask: the most is 0777\n"
               "mounts[0].source: a bind needs a source\n"
               "seccomp.rules[0].names: no syscall names\n"
               "seccomp.rules[1].args[1].index: 9 is out of range: the most is 5");
  _cleanup_free_ char *meaning = problems(s, SPEC_CHECK_MEANING, (spec_front){0});
  CHECK_EQ_STR(meaning,
               "process.cwd: 'work' is not an absolute path\n"
               "mounts[1].target: '/a/./b': a path inside the sandbox cannot contain '.' or '..'\n"
               "limits.pids: 0 allows no process at all: the least is 1");
  _cleanup_free_ char *command = problems(s, SPEC_CHECK_COMMAND, (spec_front){0});
  CHECK_EQ_STR(command, "process.args: no command to run");
  sbx_spec_free(s);
}

/* A front-end names the fields a message mentions, and says which ones its input gave. */
static const char *profile_name(void *ctx, const char *path) {
  (void)ctx;
  return strcmp(path, "limits.cpu_period_us") == 0 ? "limits.cpu_period" : NULL;
}

static bool nothing_given(void *ctx, const char *path) {
  (void)ctx;
  (void)path;
  return false;
}

TEST(checker_front_names_and_defaults) {
  sbx_spec *s = spec_new();
  s->limits.cpu_quota_us = 50000;
  s->namespaces &= ~(unsigned)SBX_NS_NET;
  _cleanup_free_ char *spec_names = problems(s, SPEC_CHECK_MEANING, (spec_front){0});
  CHECK_EQ_STR(spec_names,
               "namespaces.net: network: none needs the net namespace; use network: host to "
               "share the host's network\n"
               "limits.cpu_quota_us: needs limits.cpu_period_us too");
  _cleanup_free_ char *front =
      problems(s, SPEC_CHECK_MEANING, (spec_front){.name = profile_name, .given = nothing_given});
  CHECK_EQ_STR(front,
               "namespaces.net: network: none (the default) needs the net namespace; use "
               "network: host to share the host's network\n"
               "limits.cpu_quota_us: needs limits.cpu_period too");
  sbx_spec_free(s);
}

TEST(spec_paths) {
  size_t i = 0;
  const char *rest = NULL;
  CHECK(spec_path_index("mounts[12].target", "mounts", &i, &rest));
  CHECK_EQ_INT(i, 12);
  CHECK_EQ_STR(rest, ".target");
  CHECK(spec_path_index("seccomp.rules[0]", "seccomp.rules", &i, &rest));
  CHECK_EQ_INT(i, 0);
  CHECK_EQ_STR(rest, "");
  CHECK(!spec_path_index("mounts", "mounts", &i, &rest));
  CHECK(!spec_path_index("mounts[x]", "mounts", &i, &rest));
  CHECK(!spec_path_index("mounts[1", "mounts", &i, &rest));
  CHECK(!spec_path_index("masked_paths[1]", "mounts", &i, &rest));
}

TEST(validate_checks_the_id_intent) {
  /* What no caller may ask for: host id 0, a range from 0 without the job's ids, an intent
   * without a user namespace. Explicit mappings are not the intent's business. */
  sbx_spec *s = spec_new();
  const char *argv[] = {"/bin/true"};
  CHECK(sbx_spec_set_args(s, argv, 1, NULL) == 0);
  CHECK(sbx_spec_validate(s, NULL) == 0);
  s->id_intent = (sbx_id_intent){0, 0, 1};
  s->process.uid = 70000;
  s->id_intent.count = 65536;
  sbx_error *err = NULL;
  CHECK(sbx_spec_validate(s, &err) < 0);
  CHECK_EQ_INT(sbx_error_count(err), 3); /* the gid's count problem is the same value's */
  CHECK_EQ_STR(err->message,
               "id_intent.host_uid: the job never runs as the host's root: choose another uid, "
               "or auto");
  CHECK_EQ_STR(err->next->message,
               "id_intent.count: maps uid 0 to 65535, which leaves out the job's uid 70000 "
               "(process.user)");
  CHECK_EQ_STR(err->next->next->message,
               "id_intent.host_gid: the job never runs as the host's root: choose another gid, "
               "or auto");
  sbx_error_free(err);
  err = NULL;
  s->uid_mappings = xcalloc(1, sizeof *s->uid_mappings);
  s->uid_mappings[0] = (sbx_id_mapping){70000, 100000, 1};
  s->n_uid_mappings = 1;
  s->gid_mappings = xcalloc(1, sizeof *s->gid_mappings);
  s->gid_mappings[0] = (sbx_id_mapping){0, 100000, 1};
  s->n_gid_mappings = 1;
  CHECK(sbx_spec_validate(s, NULL) == 0);
  s->namespaces &= ~(unsigned)SBX_NS_USER;
  s->n_uid_mappings = s->n_gid_mappings = 0;
  s->id_intent = (sbx_id_intent){SBX_ID_AUTO, SBX_ID_AUTO, 1};
  s->process.uid = 1000;
  CHECK(sbx_spec_validate(s, NULL) == 0);
  s->id_intent.count = 2;
  s->process.uid = 1;
  CHECK(sbx_spec_validate(s, &err) < 0);
  CHECK_EQ_STR(err->message,
               "id_intent: needs the user namespace, which namespaces.user turns off");
  sbx_error_free(err);
  sbx_spec_free(s);
}

TEST(validate_accepts_a_good_spec) {
  sbx_spec *s = full_spec();
  sbx_error *err = NULL;
  int rc = sbx_spec_validate(s, &err);
  if (rc < 0) TEST_FAIL("%s", err->message);
  sbx_spec_free(s);
}

TEST(name_tables) {
  CHECK_EQ_INT(caps_from_name("CAP_SYS_ADMIN"), 21);
  CHECK_EQ_INT(caps_from_name("net_bind_service"), 10);
  CHECK_EQ_INT(caps_from_name("CAP_NOPE"), -1);
  CHECK_EQ_STR(caps_to_name(0), "CAP_CHOWN");
  CHECK_EQ_STR(caps_to_name(caps_last()), "CAP_CHECKPOINT_RESTORE");
  CHECK(caps_to_name(caps_last() + 1) == NULL);
  CHECK_EQ_INT(errno_from_name("EPERM"), EPERM);
  CHECK_EQ_INT(errno_from_name("ENOSYS"), ENOSYS);
  CHECK_EQ_INT(errno_from_name("EBOGUS"), -1);
  CHECK_EQ_STR(errno_to_name(EACCES), "EACCES");
  CHECK_EQ_STR(sc_action_to_oci(SBX_SECCOMP_KILL_PROCESS), "SCMP_ACT_KILL_PROCESS");
  CHECK_EQ_INT(sc_action_from_oci("SCMP_ACT_KILL_THREAD"), SBX_SECCOMP_KILL);
  CHECK_EQ_INT(sc_action_from_oci("SCMP_ACT_NOPE"), -1);
  CHECK_EQ_INT(sc_op_from_oci("SCMP_CMP_MASKED_EQ"), SBX_OP_MASKED_EQ);
  CHECK_EQ_STR(ns_to_oci(SBX_NS_NET), "network");
  CHECK_EQ_INT(ns_from_oci("cgroup"), SBX_NS_CGROUP);
  CHECK_EQ_INT(ns_from_oci("time"), 0);
}

TEST(error_chain_and_prefix) {
  sbx_error *err = NULL;
  errno = ENOENT;
  CHECK(sbx_set_errno(&err, "open %s", "/x") == -1);
  sbx_error_prefix(&err, "assembling the root");
  CHECK_EQ_STR(err->message, "assembling the root: open /x: No such file or directory");
  CHECK_EQ_INT(err->code, ENOENT);
  /* A second error does not replace the first. */
  sbx_set_error(&err, EPERM, "other");
  CHECK_EQ_INT(err->code, ENOENT);
  sbx_error_append(&err, 0, "second");
  CHECK_EQ_INT(sbx_error_count(err), 2);
  CHECK_EQ_STR(err->next->message, "second");
  sbx_error_free(err);
}

TEST(report_has_every_field) {
  sbx_result r;
  memset(&r, 0, sizeof r);
  r.status = SBX_STATUS_SIGNALED;
  r.signal = 11;
  r.wall_time_s = 1.5;
  r.memory_peak_bytes = 123456789;
  r.memory_peak_source = SBX_MEMORY_PEAK_RUSAGE;
  char *deg[] = {"memory", "pids", NULL};
  r.degraded = deg;
  char *text = sbx_result_to_json(&r, NULL);
  CHECK(text != NULL);
  json_error_t jerr;
  json_t *o = json_loads(text, 0, &jerr);
  free(text);
  CHECK(o != NULL);
  CHECK_EQ_STR(json_string_value(json_object_get(o, "status")), "signaled");
  CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(o, "signal"), "number")), 11);
  CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(o, "signal"), "name")), "SIGSEGV");
  CHECK_EQ_INT(json_integer_value(json_object_get(o, "memory_peak_bytes")), 123456789);
  CHECK_EQ_STR(json_string_value(json_object_get(o, "memory_peak_source")), "rusage");
  CHECK(json_real_value(json_object_get(o, "wall_time_s")) == 1.5);
  CHECK_EQ_INT(json_array_size(json_object_get(o, "degraded")), 2);
  static const char *const keys[] = {"version",           "status",
                                     "exit_code",         "signal",
                                     "wall_time_s",       "cpu_time_s",
                                     "cpu_user_s",        "cpu_system_s",
                                     "memory_peak_bytes", "memory_peak_source",
                                     "max_rss_bytes",     "oom_killed",
                                     "pids_peak",         "csw_voluntary",
                                     "csw_forced",        "stdout_bytes",
                                     "stderr_bytes",      "cgroup",
                                     "cgroup_version",    "degraded",
                                     "syscall",           "message"};
  for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
    if (!json_object_get(o, keys[i])) TEST_FAIL("the report has no '%s'", keys[i]);
  json_decref(o);
  CHECK_EQ_STR(sbx_status_name(SBX_STATUS_MEMORY_LIMIT), "memory_limit");
  CHECK_EQ_STR(sbx_status_name((sbx_status)99), "unknown");
}

/* memory_peak_source: "cgroup", "rusage", or null when there is no figure. */
TEST(report_memory_peak_source) {
  static const struct {
    sbx_memory_peak_source source;
    const char *want; /* NULL: JSON null */
  } cases[] = {{SBX_MEMORY_PEAK_CGROUP, "cgroup"},
               {SBX_MEMORY_PEAK_RUSAGE, "rusage"},
               {SBX_MEMORY_PEAK_NONE, NULL}};
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    sbx_result r;
    memset(&r, 0, sizeof r);
    r.memory_peak_source = cases[i].source;
    char *text = sbx_result_to_json(&r, NULL);
    CHECK(text != NULL);
    json_t *o = json_loads(text, 0, NULL);
    free(text);
    CHECK(o != NULL);
    json_t *v = json_object_get(o, "memory_peak_source");
    CHECK(v != NULL);
    if (cases[i].want)
      CHECK_EQ_STR(json_string_value(v), cases[i].want);
    else
      CHECK(json_is_null(v));
    json_decref(o);
  }
  CHECK(sbx_memory_peak_source_name((sbx_memory_peak_source)42) == NULL);
}

/* The cgroup parent setter: relative paths (a leading '/' dropped), no '.' or '..' parts. */
TEST(set_cgroup_parent) {
  sbx_spec *s = spec_new();
  sbx_error *err = NULL;
  CHECK_EQ_INT(sbx_spec_set_cgroup_parent(s, "ci/jobs", &err), 0);
  CHECK_EQ_STR(s->cgroup_parent, "ci/jobs");
  CHECK_EQ_INT(sbx_spec_set_cgroup_parent(s, "//ci/x", &err), 0);
  CHECK_EQ_STR(s->cgroup_parent, "ci/x");
  static const char *const bad[] = {"../x", "a/../b", "a/./b", "a/..", "/", "", "."};
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
    err = NULL;
    CHECK_EQ_INT(sbx_spec_set_cgroup_parent(s, bad[i], &err), -1);
    CHECK(err != NULL);
    CHECK_EQ_INT(err->code, EINVAL);
    CHECK_CONTAINS(err->message, "cgroup parent");
    sbx_error_free(err);
  }
  CHECK_EQ_STR(s->cgroup_parent, "ci/x");                          /* unchanged by the refusals */
  CHECK_EQ_INT(sbx_spec_set_cgroup_parent(s, "a..b/.c", NULL), 0); /* dots inside names are fine */
  CHECK_EQ_STR(s->cgroup_parent, "a..b/.c");
  CHECK_EQ_INT(sbx_spec_set_cgroup_parent(s, NULL, NULL), 0);
  CHECK(s->cgroup_parent == NULL);
  sbx_spec_free(s);
}

TEST(report_with_bytes_that_are_not_utf8) {
  sbx_result r;
  memset(&r, 0, sizeof r);
  r.status = SBX_STATUS_SETUP_ERROR;
  r.message = (char *)"cannot run '/tmp/\xff\xc3': No such file or directory";
  char *text = sbx_result_to_json(&r, NULL);
  CHECK(text != NULL);
  json_t *o = json_loads(text, 0, NULL);
  free(text);
  CHECK(o != NULL);
  CHECK_EQ_STR(json_string_value(json_object_get(o, "message")),
               "cannot run '/tmp/\xEF\xBF\xBD\xEF\xBF\xBD': No such file or directory");
  json_decref(o);
}

RUN_TESTS()
