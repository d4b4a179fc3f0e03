/* test-json.c: the OCI config.json writer and reader (sandbox/spec-json*.c): round trips, the
 * golden text, and what each refuses (the reader's errors as a table, load_errors). */
#define TEST_FILE "test-json"
#include "harness.h"

#include "engine.h"
#include "seccomp-fixed.h"
#include "spec-json.h"
#include "spec.h"
#include "util.h"

#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>

/* Writes `s`, reads it back and checks the two specs are equal; returns the JSON. */
static char *roundtrip(const sbx_spec *s, const char *where) {
  sbx_error *err = NULL;
  char *json = sbx_spec_to_json(s, &err);
  if (!json) TEST_FAIL("%s: to_json failed: %s", where, err ? err->message : "(no error)");
  sbx_spec *back = NULL;
  if (sbx_spec_load_json_string(json, strlen(json), &back, &err) < 0)
    TEST_FAIL("%s: reading back failed: %s\n%s", where, err ? err->message : "(no error)", json);
  bool eq = spec_equal(s, back);
  /* And the second generation writes the same text. */
  char *again = sbx_spec_to_json(back, NULL);
  sbx_spec_free(back);
  if (!eq) TEST_FAIL("%s: the spec read back differs\n%s", where, json);
  if (!again || strcmp(again, json) != 0)
    TEST_FAIL("%s: writing the spec read back gives other text:\n%s\n---\n%s", where, json,
              again ? again : "(null)");
  free(again);
  return json;
}

/* Reads `text` and returns the error message (malloc'd), failing the test when it loads. */
static char *load_error(const char *text) {
  sbx_spec *s = NULL;
  sbx_error *err = NULL;
  int rc = sbx_spec_load_json_string(text, strlen(text), &s, &err);
  if (rc == 0) {
    sbx_spec_free(s);
    TEST_FAIL("loaded, expected an error: %s", text);
  }
  if (s) TEST_FAIL("*out is set on failure");
  if (!err || !err->message) TEST_FAIL("failure without an error: %s", text);
  char *msg = xstrdup(err->message);
  sbx_error_free(err);
  return msg;
}

#define CHECK_LOAD_ERROR(text, want)                             \
  do {                                                           \
    char *m_ = load_error(text);                                 \
    if (strcmp(m_, want) != 0) {                                 \
      static char buf_[1024];                                    \
      snprintf(buf_, sizeof buf_, "%s", m_);                     \
      free(m_);                                                  \
      TEST_FAIL("error is \"%s\", expected \"%s\"", buf_, want); \
    }                                                            \
    free(m_);                                                    \
  } while (0)

/* A minimal valid document, a string literal, with `process_extra` spliced into "process",
 * `linux_extra` into "linux" and `top_extra` at the top (literals too). */
#define DOC(process_extra, linux_extra, top_extra)                                  \
  "{\"ociVersion\": \"1.0.2\",\n"                                                   \
  " \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": \"/\"" process_extra \
  "},\n"                                                                            \
  " \"root\": {\"path\": \"rootfs\"},\n"                                            \
  " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}]" linux_extra "}" top_extra "}"

static sbx_spec *full_spec(void) {
  sbx_spec *s = spec_new();
  const char *argv[] = {"/usr/bin/cc", "-O2", "-o", "a b", "x.c"};
  CHECK(sbx_spec_set_args(s, argv, 5, NULL) == 0);
  spec_env_set(s, "PATH", "/usr/bin:/bin");
  spec_env_set(s, "LANG", "C.UTF-8");
  spec_env_set(s, "EMPTY", "");
  spec_env_set(s, "QUOTE", "say \"hi\"\n\ttab \\ é");
  free(s->process.cwd);
  s->process.cwd = xstrdup("/work");
  s->process.uid = 1000;
  s->process.gid = 1001;
  s->process.umask = 077;
  s->process.stdio[SBX_STDIN] = (sbx_stdio){SBX_STDIO_FILE, xstrdup("/srv/tests/1.in")};
  s->process.stdio[SBX_STDOUT] = (sbx_stdio){SBX_STDIO_FILE, xstrdup("/srv/tests/1.out")};
  s->process.stdio[SBX_STDERR] = (sbx_stdio){SBX_STDIO_NULL, NULL};
  s->process.no_new_privileges = false;
  s->process.capabilities = (UINT64_C(1) << 0) | (UINT64_C(1) << 10) | (UINT64_C(1) << 40);
  s->root.path = xstrdup("/srv/rootfs");
  s->root.readonly = true;
  spec_add_mount(s, SBX_MOUNT_BIND, "/usr", "/usr",
                 SBX_MNT_RO | SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_RECURSIVE);
  spec_add_mount(s, SBX_MOUNT_BIND, "/home/u/src", "/work", SBX_MNT_NOEXEC);
  spec_add_mount(s, SBX_MOUNT_BIND, "/opt/maybe", "/opt/maybe",
                 SBX_MNT_OPTIONAL | SBX_MNT_RO | SBX_MNT_RECURSIVE);
  sbx_mount *m = spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/tmp", SBX_MNT_NOSUID | SBX_MNT_NODEV);
  m->size = 64 << 20;
  m->mode = 01777;
  m = spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/run", SBX_MNT_RO);
  m->mode = 0700; /* no size: the kernel's default */
  spec_add_mount(s, SBX_MOUNT_PROC, NULL, "/proc", SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC);
  m = spec_add_mount(s, SBX_MOUNT_DEV, NULL, "/dev", SBX_MNT_NOSUID | SBX_MNT_NOEXEC);
  m->size = 1 << 20;
  spec_add_mount(s, SBX_MOUNT_DEVPTS, NULL, "/dev/pts2", SBX_MNT_NOSUID);
  spec_add_mount(s, SBX_MOUNT_MQUEUE, NULL, "/dev/mqueue", SBX_MNT_NODEV);
  spec_add_mount(s, SBX_MOUNT_SYSFS, NULL, "/sys", SBX_MNT_RO | SBX_MNT_NOEXEC);
  strv_push(&s->masked_paths, &s->n_masked_paths, "/proc/kcore");
  strv_push(&s->masked_paths, &s->n_masked_paths, "/sys/firmware");
  strv_push(&s->readonly_paths, &s->n_readonly_paths, "/proc/sys");
  s->hostname = xstrdup("sandbox");
  sbx_limits *l = &s->limits;
  l->wall_time_us = 10500000;
  l->cpu_time_us = 2000001;
  l->memory = 256 << 20;
  l->swap = 16 << 20;
  l->pids = 64;
  l->cpu_quota_us = 50000;
  l->cpu_period_us = 100000;
  l->open_files = 256;
  l->file_size = 1 << 30;
  l->stack = 8 << 20;
  l->core = 0;
  l->output = 1 << 20;
  l->kill_grace_us = 2500000;
  s->namespaces = SBX_NS_USER | SBX_NS_PID | SBX_NS_MOUNT | SBX_NS_NET | SBX_NS_UTS;
  s->uid_mappings = xcalloc(2, sizeof *s->uid_mappings);
  s->uid_mappings[0] = (sbx_id_mapping){0, 100000, 1};
  s->uid_mappings[1] = (sbx_id_mapping){1000, 1000, 1};
  s->n_uid_mappings = 2;
  s->gid_mappings = xcalloc(1, sizeof *s->gid_mappings);
  s->gid_mappings[0] = (sbx_id_mapping){1001, 1001, 1};
  s->n_gid_mappings = 1;
  s->network = SBX_NET_LOOPBACK;
  s->cgroup_mode = SBX_CGROUP_REQUIRED;
  s->cgroup_parent = xstrdup("ci.slice/sandbox");
  sbx_seccomp *sc = &s->seccomp;
  sc->enabled = true;
  sc->default_action = SBX_SECCOMP_ERRNO;
  sc->default_errno = ENOSYS;
  strv_push(&sc->architectures, &sc->n_architectures, "SCMP_ARCH_X86_64");
  strv_push(&sc->architectures, &sc->n_architectures, "SCMP_ARCH_X86");
  strv_push(&sc->architectures, &sc->n_architectures, "SCMP_ARCH_X32");
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, SBX_SECCOMP_ALLOW, 0);
  spec_rule_add_name(r, "read");
  spec_rule_add_name(r, "write");
  r = spec_add_seccomp_rule(s, SBX_SECCOMP_ERRNO, EPERM);
  spec_rule_add_name(r, "mount");
  r = spec_add_seccomp_rule(s, SBX_SECCOMP_KILL_PROCESS, 0);
  spec_rule_add_name(r, "ptrace");
  r = spec_add_seccomp_rule(s, SBX_SECCOMP_KILL, 0);
  spec_rule_add_name(r, "kexec_load");
  r = spec_add_seccomp_rule(s, SBX_SECCOMP_TRAP, 0);
  spec_rule_add_name(r, "bpf");
  r = spec_add_seccomp_rule(s, SBX_SECCOMP_LOG, 0);
  spec_rule_add_name(r, "acct");
  r = spec_add_seccomp_rule(s, SBX_SECCOMP_ERRNO, EAFNOSUPPORT);
  spec_rule_add_name(r, "socket");
  spec_rule_add_arg(r, 0, SBX_OP_EQ, 17, 0);
  r = spec_add_seccomp_rule(s, SBX_SECCOMP_ERRNO, EPERM);
  spec_rule_add_name(r, "clone");
  spec_rule_add_arg(r, 0, SBX_OP_MASKED_EQ, 0x7E020000, 0x10000000);
  spec_rule_add_arg(r, 1, SBX_OP_NE, 1, 0);
  spec_rule_add_arg(r, 2, SBX_OP_LT, 2, 0);
  spec_rule_add_arg(r, 3, SBX_OP_LE, 3, 0);
  spec_rule_add_arg(r, 4, SBX_OP_GT, 4, 0);
  spec_rule_add_arg(r, 5, SBX_OP_GE, INT64_MAX, 0);
  spec_add_annotation(s, "com.example.owner", "ci");
  spec_add_annotation(s, "org.opencontainers.image.title", "x");
  return s;
}

TEST(roundtrip_defaults) {
  sbx_spec *s = spec_new();
  free(roundtrip(s, "defaults"));
  sbx_spec_free(s);
}

TEST(roundtrip_every_field) {
  sbx_spec *s = full_spec();
  CHECK(sbx_spec_validate(s, NULL) == 0);
  char *json = roundtrip(s, "full");
  /* A few things the text must say for runc. */
  CHECK_CONTAINS(json, "\"ociVersion\": \"" SBX_OCI_VERSION "\"");
  CHECK_CONTAINS(json, "\"swap\": 285212672");                             /* memory + swap */
  CHECK_CONTAINS(json, "\"type\": \"RLIMIT_CPU\",\n        \"hard\": 3,"); /* rounded up */
  CHECK_CONTAINS(json,
                 "\"CAP_CHOWN\",\n        \"CAP_NET_BIND_SERVICE\",\n        "
                 "\"CAP_CHECKPOINT_RESTORE\"");
  CHECK_CONTAINS(json, "\"org.sandbox.mounts.optional\": \"[\\\"/opt/maybe\\\"]\"");
  CHECK_CONTAINS(json, "\"destination\": \"/dev/pts\"");
  CHECK_CONTAINS(json, "\"errnoRet\": 97");
  CHECK_CONTAINS(json, "\"org.sandbox.limits.kill-grace-us\": \"2500000\"");
  free(json);
  sbx_spec_free(s);
}

/* Each spec differs from the full one in a setting that takes another path through the code. */
TEST(roundtrip_variants) {
  for (int v = 0; v < 13; v++) {
    sbx_spec *s = full_spec();
    switch (v) {
    case 0: /* fresh root, read-only */
      free(s->root.path);
      s->root.path = NULL;
      break;
    case 1: s->limits.swap = SBX_UNSET; break;                    /* memory limit, swap unlimited */
    case 2: s->limits.memory = SBX_UNSET; break;                  /* swap alone: the annotation */
    case 3: s->limits.memory = s->limits.swap = SBX_UNSET; break; /* "max" */
    case 4:
      s->limits.memory = SBX_UNSET;
      s->limits.swap = 0;
      break;
    case 5: /* host network, no net namespace; stdio inherited; cgroup off */
      s->network = SBX_NET_HOST;
      s->namespaces = SBX_NS_ALL & ~SBX_NS_NET;
      for (int i = 0; i < 3; i++) {
        free(s->process.stdio[i].path);
        s->process.stdio[i] = (sbx_stdio){SBX_STDIO_INHERIT, NULL};
      }
      s->cgroup_mode = SBX_CGROUP_OFF;
      break;
    case 6: /* seccomp off, no limits at all, no hostname, no mappings */
      s->seccomp.enabled = false;
      memset(&s->limits, 0xff, sizeof s->limits);
      s->limits.kill_grace_us = 0; /* not a limit: 0 is "SIGKILL at once" */
      free(s->hostname);
      s->hostname = NULL;
      free(s->uid_mappings);
      free(s->gid_mappings);
      s->uid_mappings = s->gid_mappings = NULL;
      s->n_uid_mappings = s->n_gid_mappings = 0;
      break;
    case 7: /* no architectures, kill as the default, no foreign annotations */
      strv_free(s->seccomp.architectures);
      s->seccomp.architectures = xcalloc(1, sizeof(char *));
      s->seccomp.n_architectures = 0;
      s->seccomp.default_action = SBX_SECCOMP_KILL_PROCESS;
      for (size_t i = 0; i < s->n_annotations; i++) {
        free(s->annotations[i].key);
        free(s->annotations[i].value);
      }
      s->n_annotations = 0;
      break;
    case 8:
      s->namespaces = 0;
      s->network = SBX_NET_HOST;
      break;
    case 9:
      s->cgroup_mode = SBX_CGROUP_OPTIONAL;
      s->limits.cpu_time_us = 3000000;
      break;
    case 10: s->limits.cpu_quota_us = SBX_UNSET; break;  /* a period alone */
    case 11: s->limits.cpu_period_us = SBX_UNSET; break; /* a quota alone */
    case 12:                                             /* a fresh root with an empty /etc */
      free(s->root.path);
      s->root.path = NULL;
      s->root.etc = SBX_ETC_NONE;
      break;
    }
    char where[32];
    snprintf(where, sizeof where, "variant %d", v);
    free(roundtrip(s, where));
    sbx_spec_free(s);
  }
}

/* A small deterministic generator (xorshift64*), so a failure can be replayed. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Dull;
}
static uint64_t pick(uint64_t n) { return rnd() % n; }
/* A limit: unset, zero, small or huge (but within a JSON integer). */
static uint64_t rnd_limit(void) {
  switch (pick(4)) {
  case 0: return SBX_UNSET;
  case 1: return 0;
  case 2: return pick(1 << 20);
  default: return rnd() >> 2;
  }
}
static const char *rnd_str(void) {
  static const char *const s[] = {"", "/", "/usr", "a b", "x=y", "\"q\"", "tab\t", "é", "/dev"};
  return s[pick(sizeof s / sizeof s[0])];
}

/* A random spec the writer accepts. */
static sbx_spec *random_spec(void) {
  sbx_spec *s = spec_new();
  size_t n = pick(4);
  for (size_t i = 0; i < n; i++) strv_push(&s->process.args, &s->process.n_args, rnd_str());
  n = pick(4);
  for (size_t i = 0; i < n; i++) {
    char name[16];
    snprintf(name, sizeof name, "V%zu", i);
    spec_env_set(s, name, rnd_str());
  }
  s->process.uid = (uint32_t)rnd();
  s->process.gid = (uint32_t)rnd();
  s->process.umask = (uint32_t)pick(01000);
  for (int i = 0; i < 3; i++) {
    s->process.stdio[i].mode = (sbx_stdio_mode)pick(3);
    if (s->process.stdio[i].mode == SBX_STDIO_FILE && pick(2))
      s->process.stdio[i].path = xstrdup(i ? "/out" : "/in");
  }
  s->process.no_new_privileges = pick(2);
  s->process.capabilities = rnd() & ((UINT64_C(1) << (caps_last() + 1)) - 1);
  if (pick(2)) s->root.path = xstrdup(pick(2) ? "rootfs" : "/srv/root");
  s->root.readonly = pick(2);
  s->root.etc = pick(2) ? SBX_ETC_NONE : SBX_ETC_GENERATED;
  n = pick(6);
  for (size_t i = 0; i < n; i++) {
    sbx_mount_type type = (sbx_mount_type)pick(7);
    unsigned flags = (unsigned)pick(16);
    static const char *const targets[] = {"/m0", "/m1", "/dev/pts", "/dev/shm", "/tmp"};
    char target[32];
    snprintf(target, sizeof target, "%s", targets[pick(5)]);
    if (type == SBX_MOUNT_BIND) flags |= (unsigned)pick(4) << 4;
    if (type == SBX_MOUNT_DEV) snprintf(target, sizeof target, "/dev");
    sbx_mount *m = spec_add_mount(s, type, type == SBX_MOUNT_BIND ? "/src" : NULL, target, flags);
    if (type == SBX_MOUNT_TMPFS || type == SBX_MOUNT_DEV) {
      m->mode = (uint32_t)pick(010000);
      m->size = pick(2) ? SBX_UNSET : pick(UINT64_C(1) << 40);
    }
  }
  /* Optional and required binds on one target cannot be told apart: make them agree. */
  for (size_t i = 0; i < s->n_mounts; i++)
    for (size_t j = 0; j < s->n_mounts; j++)
      if (s->mounts[i].type == SBX_MOUNT_BIND && s->mounts[j].type == SBX_MOUNT_BIND &&
          strcmp(s->mounts[i].target, s->mounts[j].target) == 0)
        s->mounts[j].flags = (s->mounts[j].flags & ~(unsigned)SBX_MNT_OPTIONAL) |
                             (s->mounts[i].flags & SBX_MNT_OPTIONAL);
  n = pick(3);
  for (size_t i = 0; i < n; i++) strv_push(&s->masked_paths, &s->n_masked_paths, rnd_str());
  n = pick(3);
  for (size_t i = 0; i < n; i++) strv_push(&s->readonly_paths, &s->n_readonly_paths, rnd_str());
  if (pick(2)) s->hostname = xstrdup(rnd_str());
  sbx_limits *l = &s->limits;
  l->wall_time_us = rnd_limit();
  l->cpu_time_us = rnd_limit();
  l->memory = rnd_limit();
  l->swap = rnd_limit();
  if (l->memory != SBX_UNSET && l->swap != SBX_UNSET) l->swap %= (UINT64_C(1) << 60);
  if (l->memory != SBX_UNSET) l->memory %= (UINT64_C(1) << 60);
  l->pids = rnd_limit();
  if (l->pids == 0) l->pids = 1; /* 0 means "none" to OCI */
  l->cpu_quota_us = rnd_limit();
  if (l->cpu_quota_us == 0) l->cpu_quota_us = SBX_UNSET;
  l->cpu_period_us = rnd_limit();
  if (l->cpu_period_us == 0) l->cpu_period_us = SBX_UNSET;
  l->open_files = rnd_limit();
  l->file_size = rnd_limit();
  l->stack = rnd_limit();
  l->core = rnd_limit();
  l->output = rnd_limit();
  l->kill_grace_us = pick(2) ? 0 : (uint64_t)pick(SPEC_KILL_GRACE_MAX_US + 1);
  s->namespaces = (unsigned)pick(SBX_NS_ALL + 1);
  n = pick(3);
  if (n) {
    s->uid_mappings = xcalloc(n, sizeof *s->uid_mappings);
    s->gid_mappings = xcalloc(n, sizeof *s->gid_mappings);
    for (size_t i = 0; i < n; i++) {
      s->uid_mappings[i] = (sbx_id_mapping){(uint32_t)rnd(), (uint32_t)rnd(), (uint32_t)rnd()};
      s->gid_mappings[i] = (sbx_id_mapping){(uint32_t)rnd(), (uint32_t)rnd(), (uint32_t)rnd()};
    }
    s->n_uid_mappings = n;
    s->n_gid_mappings = pick(n + 1);
  }
  s->network = (sbx_network)pick(3);
  s->cgroup_mode = (sbx_cgroup_mode)pick(4);
  if (pick(2)) s->cgroup_parent = xstrdup("a/b");
  sbx_seccomp *sc = &s->seccomp;
  sc->enabled = pick(2);
  sc->default_action = (sbx_seccomp_action)pick(6);
  sc->default_errno = (uint32_t)pick(200);
  if (pick(2)) strv_push(&sc->architectures, &sc->n_architectures, "SCMP_ARCH_AARCH64");
  n = pick(4);
  for (size_t i = 0; i < n; i++) {
    sbx_seccomp_rule *r = spec_add_seccomp_rule(s, (sbx_seccomp_action)pick(6), (uint32_t)rnd());
    spec_rule_add_name(r, "read");
    size_t na = pick(3);
    for (size_t k = 0; k < na; k++)
      spec_rule_add_arg(r, (unsigned)pick(6), (sbx_seccomp_op)pick(7), rnd() >> 1, rnd() >> 1);
  }
  if (pick(2)) spec_add_annotation(s, "com.example.a", rnd_str());
  return s;
}

TEST(roundtrip_random) {
  for (int i = 0; i < 2000; i++) {
    sbx_spec *s = random_spec();
    char where[32];
    snprintf(where, sizeof where, "random spec %d", i);
    free(roundtrip(s, where));
    sbx_spec_free(s);
  }
}

static const char small_golden[] =
    "{\n"
    "  \"ociVersion\": \"1.0.2\",\n"
    "  \"process\": {\n"
    "    \"terminal\": false,\n"
    "    \"user\": {\n"
    "      \"uid\": 0,\n"
    "      \"gid\": 0,\n"
    "      \"umask\": 18\n"
    "    },\n"
    "    \"args\": [\n"
    "      \"/bin/true\"\n"
    "    ],\n"
    "    \"env\": [\n"
    "      \"PATH=/usr/bin:/bin\"\n"
    "    ],\n"
    "    \"cwd\": \"/\",\n"
    "    \"capabilities\": {\n"
    "      \"bounding\": [],\n"
    "      \"effective\": [],\n"
    "      \"inheritable\": [],\n"
    "      \"permitted\": [],\n"
    "      \"ambient\": []\n"
    "    },\n"
    "    \"rlimits\": [\n"
    "      {\n"
    "        \"type\": \"RLIMIT_CORE\",\n"
    "        \"hard\": 0,\n"
    "        \"soft\": 0\n"
    "      },\n"
    "      {\n"
    "        \"type\": \"RLIMIT_CPU\",\n"
    "        \"hard\": 2,\n"
    "        \"soft\": 2\n"
    "      }\n"
    "    ],\n"
    "    \"noNewPrivileges\": true\n"
    "  },\n"
    "  \"root\": {\n"
    "    \"path\": \"rootfs\",\n"
    "    \"readonly\": true\n"
    "  },\n"
    "  \"hostname\": \"box\",\n"
    "  \"mounts\": [\n"
    "    {\n"
    "      \"destination\": \"/usr\",\n"
    "      \"type\": \"bind\",\n"
    "      \"source\": \"/usr\",\n"
    "      \"options\": [\n"
    "        \"rbind\",\n"
    "        \"ro\",\n"
    "        \"nosuid\",\n"
    "        \"nodev\"\n"
    "      ]\n"
    "    },\n"
    "    {\n"
    "      \"destination\": \"/tmp\",\n"
    "      \"type\": \"tmpfs\",\n"
    "      \"source\": \"tmpfs\",\n"
    "      \"options\": [\n"
    "        \"nosuid\",\n"
    "        \"nodev\",\n"
    "        \"mode=1777\",\n"
    "        \"size=1048576\"\n"
    "      ]\n"
    "    }\n"
    "  ],\n"
    "  \"linux\": {\n"
    "    \"uidMappings\": [\n"
    "      {\n"
    "        \"containerID\": 0,\n"
    "        \"hostID\": 1000,\n"
    "        \"size\": 1\n"
    "      }\n"
    "    ],\n"
    "    \"gidMappings\": [\n"
    "      {\n"
    "        \"containerID\": 0,\n"
    "        \"hostID\": 1000,\n"
    "        \"size\": 1\n"
    "      }\n"
    "    ],\n"
    "    \"resources\": {\n"
    "      \"memory\": {\n"
    "        \"limit\": 67108864,\n"
    "        \"swap\": 67108864\n"
    "      }\n"
    "    },\n"
    "    \"namespaces\": [\n"
    "      {\n"
    "        \"type\": \"pid\"\n"
    "      },\n"
    "      {\n"
    "        \"type\": \"network\"\n"
    "      },\n"
    "      {\n"
    "        \"type\": \"mount\"\n"
    "      },\n"
    "      {\n"
    "        \"type\": \"ipc\"\n"
    "      },\n"
    "      {\n"
    "        \"type\": \"uts\"\n"
    "      },\n"
    "      {\n"
    "        \"type\": \"user\"\n"
    "      },\n"
    "      {\n"
    "        \"type\": \"cgroup\"\n"
    "      }\n"
    "    ],\n"
    "    \"seccomp\": {\n"
    "      \"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
    "      \"architectures\": [\n"
    "        \"SCMP_ARCH_X86_64\"\n"
    "      ],\n"
    "      \"syscalls\": [\n";
/* ... the engine's rules (fixed_rules_text), then: */
static const char small_golden_tail[] =
    "        {\n"
    "          \"names\": [\n"
    "            \"mount\"\n"
    "          ],\n"
    "          \"action\": \"SCMP_ACT_ERRNO\",\n"
    "          \"errnoRet\": 1\n"
    "        }\n"
    "      ]\n"
    "    },\n"
    "    \"maskedPaths\": [],\n"
    "    \"readonlyPaths\": []\n"
    "  },\n"
    "  \"annotations\": {\n"
    "    \"org.sandbox.root\": \"tmpfs\",\n"
    "    \"org.sandbox.limits.wall-time-us\": \"5000000\",\n"
    "    \"org.sandbox.limits.cpu-time-us\": \"1500000\",\n"
    "    \"org.sandbox.network\": \"none\",\n"
    "    \"org.sandbox.id-mapping\": \"host_uid=auto,host_gid=auto,count=1\"\n"
    "  }\n"
    "}\n";

TEST(id_mapping_intent_travels_as_an_annotation) {
  /* The intent (no explicit mappings) reads back as the intent: the maps in the document are
   * the writer's caller's, and the reader leaves them to the run's caller. */
  sbx_spec *s = spec_new();
  const char *argv[] = {"/bin/true"};
  CHECK(sbx_spec_set_args(s, argv, 1, NULL) == 0);
  s->id_intent = (sbx_id_intent){200000, SBX_ID_AUTO, 65536};
  /* Written for root (another caller could not map 200000), read back equal. */
  idmap_host root = {.euid = 0, .egid = 0};
  sbx_error *err = NULL;
  char *json = spec_json_write(s, &root, &err);
  if (!json) TEST_FAIL("spec_json_write: %s", err->message);
  CHECK_CONTAINS(json, "\"org.sandbox.id-mapping\": \"host_uid=200000,host_gid=auto,count=65536\"");
  CHECK_CONTAINS(json, "\"hostID\": 200000");
  sbx_spec *back = NULL;
  CHECK(sbx_spec_load_json_string(json, strlen(json), &back, &err) == 0);
  CHECK(spec_equal(s, back));
  sbx_spec_free(back);
  free(json);
  /* Written for an unprivileged caller (its own ids), read back by anyone: no explicit maps. */
  s->id_intent = (sbx_id_intent){SBX_ID_AUTO, SBX_ID_AUTO, 1};
  idmap_host user = {.euid = 1000, .egid = 1000};
  json = spec_json_write(s, &user, &err);
  CHECK(json != NULL);
  CHECK_CONTAINS(json, "\"hostID\": 1000");
  back = NULL;
  CHECK(sbx_spec_load_json_string(json, strlen(json), &back, &err) == 0);
  CHECK_EQ_INT(back->n_uid_mappings, 0);
  CHECK_EQ_INT(back->n_gid_mappings, 0);
  CHECK_EQ_INT(back->id_intent.host_uid, SBX_ID_AUTO);
  CHECK_EQ_INT(back->id_intent.count, 1);
  sbx_spec_free(back);
  free(json);
  /* What the policy refuses for the writer's caller is the writer's error. */
  s->id_intent.host_uid = 5;
  CHECK(spec_json_write(s, &user, &err) == NULL);
  CHECK_CONTAINS(err->message, "id_mapping.host_uid: an unprivileged caller (uid 1000)");
  sbx_error_free(err);
  err = NULL;
  /* Explicit mappings are written as they are, without the annotation, and read back. */
  s->id_intent.host_uid = SBX_ID_AUTO;
  s->uid_mappings = xcalloc(1, sizeof *s->uid_mappings);
  s->uid_mappings[0] = (sbx_id_mapping){0, 300000, 1};
  s->n_uid_mappings = 1;
  json = roundtrip(s, "explicit");
  CHECK(strstr(json, "org.sandbox.id-mapping") == NULL);
  free(json);
  sbx_spec_free(s);
}

TEST(id_mapping_annotation_malformed) {
  static const char *const bad[] = {
      "auto",
      "host_uid=auto,host_gid=auto",
      "host_uid=auto,host_gid=auto,count=0",
      "host_uid=auto,host_gid=auto,count=1,",
      "host_uid=-1,host_gid=auto,count=1",
      "host_uid=4294967295,host_gid=auto,count=1",
      "host_gid=auto,host_uid=auto,count=1",
      "host_uid=auto,host_gid=auto,count=1,x=2",
  };
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
    _cleanup_free_ char *doc =
        xasprintf(DOC("", "", ", \"annotations\": {\"org.sandbox.id-mapping\": \"%s\"}"), bad[i]);
    _cleanup_free_ char *msg = load_error(doc);
    _cleanup_free_ char *want = xasprintf(
        "config.json: annotations[\"org.sandbox.id-mapping\"]: expected "
        "host_uid=ID|auto,host_gid=ID|auto,count=N, not '%s'",
        bad[i]);
    CHECK_EQ_STR(msg, want);
  }
}

/* The engine's rules (sandbox/seccomp-fixed.c) as the writer puts them first in
 * linux.seccomp.syscalls: one entry per row, a masked compare of the mode argument or none. */
static char *fixed_rules_text(void) {
  char *t = xstrdup("");
  for (size_t i = 0; i < sc_n_fixed_rules; i++) {
    const sc_fixed_rule *f = &sc_fixed_rules[i];
    char args[512] = "";
    if (f->mode_arg >= 0)
      snprintf(args, sizeof args,
               ",\n          \"args\": [\n            {\n              \"index\": %d,\n"
               "              \"value\": %u,\n              \"valueTwo\": %u,\n"
               "              \"op\": \"SCMP_CMP_MASKED_EQ\"\n            }\n          ]",
               f->mode_arg, f->mode_bit, f->mode_bit);
    char *n = xasprintf(
        "%s        {\n          \"names\": [\n            \"%s\"\n          ],\n"
        "          \"action\": \"SCMP_ACT_ERRNO\",\n          \"errnoRet\": %u%s\n"
        "        },\n",
        t, f->name, f->errno_ret, args);
    free(t);
    t = n;
  }
  return t;
}

TEST(golden_small) {
  sbx_spec *s = spec_new();
  const char *argv[] = {"/bin/true"};
  CHECK(sbx_spec_set_args(s, argv, 1, NULL) == 0);
  spec_env_set(s, "PATH", "/usr/bin:/bin");
  s->root.readonly = true;
  s->hostname = xstrdup("box");
  spec_add_mount(s, SBX_MOUNT_BIND, "/usr", "/usr",
                 SBX_MNT_RECURSIVE | SBX_MNT_RO | SBX_MNT_NOSUID | SBX_MNT_NODEV);
  sbx_mount *m = spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/tmp", SBX_MNT_NOSUID | SBX_MNT_NODEV);
  m->size = 1 << 20;
  m->mode = 01777;
  s->limits.memory = 64 << 20;
  s->limits.wall_time_us = 5000000;
  s->limits.cpu_time_us = 1500000;
  s->seccomp.enabled = true;
  strv_push(&s->seccomp.architectures, &s->seccomp.n_architectures, "SCMP_ARCH_X86_64");
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, SBX_SECCOMP_ERRNO, EPERM);
  spec_rule_add_name(r, "mount");
  char *json = roundtrip(s, "small");
  free(json);
  /* The text, written for a caller with uid and gid 1000 (the mappings the policy decides for
   * it; the annotation keeps the intent). */
  idmap_host caller = {.euid = 1000, .egid = 1000};
  sbx_error *err = NULL;
  json = spec_json_write(s, &caller, &err);
  if (!json) TEST_FAIL("spec_json_write: %s", err->message);
  char *fixed = fixed_rules_text();
  char *want = test_own(xasprintf("%s%s%s", small_golden, fixed, small_golden_tail));
  free(fixed);
  if (strcmp(json, want) != 0) {
    /* Show where it starts to differ. */
    size_t i = 0;
    while (json[i] && json[i] == want[i]) i++;
    static char got[4096];
    snprintf(got, sizeof got, "%s", json);
    free(json);
    TEST_FAIL("differs from the golden at byte %zu; got:\n%s", i, got);
  }
  free(json);
  sbx_spec_free(s);
}

TEST(output_is_deterministic) {
  sbx_spec *s = full_spec();
  sbx_spec *c = sbx_spec_copy(s);
  char *a = sbx_spec_to_json(s, NULL), *b = sbx_spec_to_json(c, NULL);
  CHECK(a && b);
  CHECK_EQ_STR(a, b);
  CHECK(a[strlen(a) - 1] == '\n');
  free(a);
  free(b);
  sbx_spec_free(s);
  sbx_spec_free(c);
}

TEST(load_from_file) {
  sbx_spec *s = full_spec();
  char *json = sbx_spec_to_json(s, NULL);
  CHECK(json);
  char dir[] = "/tmp/test-json.XXXXXX";
  CHECK(mkdtemp(dir));
  char *path = xasprintf("%s/config.json", dir);
  FILE *f = fopen(path, "w");
  CHECK(f);
  fputs(json, f);
  CHECK(fclose(f) == 0);
  sbx_spec *back = NULL;
  sbx_error *err = NULL;
  int rc = sbx_spec_load_json(path, &back, &err);
  bool eq = rc == 0 && spec_equal(s, back);
  sbx_spec_free(back);
  sbx_error_free(err);
  err = NULL;
  /* A directory and a missing file are errors that name the path. */
  rc = sbx_spec_load_json(dir, &back, &err);
  char *dir_msg = err ? xstrdup(err->message) : NULL;
  sbx_error_free(err);
  err = NULL;
  unlink(path);
  int rc2 = sbx_spec_load_json(path, &back, &err);
  char *missing_msg = err ? xstrdup(err->message) : NULL;
  sbx_error_free(err);
  char *want_dir = xasprintf("read %s: Is a directory", dir);
  char *want_missing = xasprintf("open %s: No such file or directory", path);
  rmdir(dir);
  bool ok_dir = rc < 0 && dir_msg && strcmp(dir_msg, want_dir) == 0;
  bool ok_missing = rc2 < 0 && missing_msg && strcmp(missing_msg, want_missing) == 0;
  free(json);
  free(path);
  sbx_spec_free(s);
  CHECK(eq);
  if (!ok_dir) TEST_FAIL("directory: %s", dir_msg ? dir_msg : "(no error)");
  if (!ok_missing) TEST_FAIL("missing: %s", missing_msg ? missing_msg : "(no error)");
  free(dir_msg);
  free(missing_msg);
  free(want_dir);
  free(want_missing);
}

TEST(error_paths_in_file_messages) {
  /* A file's errors start with its path. */
  char path[] = "/tmp/test-json-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  const char *text = "{\"ociVersion\": 2}";
  CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
  close(fd);
  sbx_spec *s = NULL;
  sbx_error *err = NULL;
  int rc = sbx_spec_load_json(path, &s, &err);
  char *want = xasprintf("%s: ociVersion: expected a string, not an integer", path);
  char *got = err ? xstrdup(err->message) : xstrdup("(none)");
  sbx_error_free(err);
  unlink(path);
  bool ok = rc < 0 && strcmp(got, want) == 0;
  if (!ok) {
    static char buf[512];
    snprintf(buf, sizeof buf, "%s", got);
    free(got);
    free(want);
    TEST_FAIL("error is \"%s\"", buf);
  }
  free(got);
  free(want);
}

/* ---- what the reader refuses ------------------------------------------------------------- */

/* Each input, read, fails with exactly this error (or one containing it, for jansson's own
 * wording). */
static const struct {
  const char *input;
  const char *error;
  bool contains;
} load_errors[] = {
    {"{}", "config.json: ociVersion: missing", false},
    {"[1]", "config.json: (top): expected an object, not an array", false},
    {"{\"ociVersion\": \"2.0.0\"}",
     "config.json: ociVersion: unsupported version '2.0.0' (expected 1.x)", false},
    {"{\"ociVersion\": \"1.0.2\"}", "config.json: process: missing", false},
    {DOC("", ", \"resources\": {\"memory\": {\"limit\": \"1G\"}}", ""),
     "config.json: linux.resources.memory.limit: expected an integer, not a string", false},
    {DOC("", ", \"resources\": {\"memory\": {\"limit\": 1.5}}", ""),
     "config.json: linux.resources.memory.limit: expected an integer, not a number", false},
    {DOC("", ", \"resources\": {\"memory\": {\"limit\": -2}}", ""),
     "config.json: linux.resources.memory.limit: -2 is out of range (-1 to 9223372036854775807)",
     false},
    {DOC("", ", \"resources\": {\"memory\": {\"limit\": 1000000, \"swap\": 10}}", ""),
     "config.json: linux.resources.memory.swap: 10 is below the memory limit 1000000 (OCI's swap "
     "counts memory plus swap)",
     false},
    {DOC(", \"args\": [\"a\", 3]", "", ""),
     "config.json: process.args[1]: expected a string, not an integer", false},
    {DOC(", \"env\": [\"A=1\", \"B\"]", "", ""),
     "config.json: process.env: entry 1 'B' is not NAME=value", false},
    {DOC(", \"env\": [\"A=1\", \"A=2\"]", "", ""),
     "config.json: process.env: entry 1: variable 'A' is set twice", false},
    /* One rule for the names of variables, a profile's and config.json's (sandbox/parse.c). */
    {DOC(", \"env\": [\"A=1\", \"1B=2\"]", "", ""),
     "config.json: process.env: entry 1: '1B' is not a valid environment variable name", false},
    {DOC(", \"env\": [\"A B=1\"]", "", ""),
     "config.json: process.env: entry 0: 'A B' is not a valid environment variable name", false},
    /* The checker's rules of form, located in the document. */
    {"{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0, \"umask\": "
     "512}, "
     "\"cwd\": \"/\"}, \"root\": {\"path\": \"r\"}, \"linux\": {}}",
     "config.json: process.user.umask: 01000 is not a umask: the most is 0777", false},
    {DOC("", "",
         ", \"mounts\": [{\"destination\": \"/dev\", \"type\": \"tmpfs\"}, {\"destination\": "
         "\"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\", \"options\": [\"nosuid\", "
         "\"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"]}, {\"destination\": "
         "\"/x\", "
         "\"options\": [\"bind\"]}]"),
     "config.json: mounts[2].source: a bind needs a source", false},
    /* tmpfs's size= grammar (docs/oci.md), at most 2^63 - 1 bytes like every size */
    {DOC("", "",
         ", \"mounts\": [{\"destination\": \"/t\", \"type\": \"tmpfs\", \"options\": "
         "[\"size=10000000000000000000\"]}]"),
     "config.json: mounts[0].options[0]: bad size '10000000000000000000' (bytes, with an optional "
     "k, m or g)",
     false},
    {DOC(", \"terminal\": true", "", ""),
     "config.json: process.terminal: a terminal is not supported", false},
    {DOC(", \"noNewPrivileges\": \"yes\"", "", ""),
     "config.json: process.noNewPrivileges: expected a boolean, not a string", false},
    {"{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": 0}, \"cwd\": \"/\"}}",
     "config.json: process.user.gid: missing", false},
    {"{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": 4294967296, \"gid\": 0}, "
     "\"cwd\": \"/\"}}",
     "config.json: process.user.uid: 4294967296 is out of range (0 to 4294967295)", false},
    {"{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}}}",
     "config.json: process.cwd: missing", false},
    {"{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": "
     "\"/\"}, \"linux\": {}}",
     "config.json: root: missing", false},
    {DOC(", \"rlimits\": [{\"type\": \"RLIMIT_AS\", \"hard\": 1, \"soft\": 1}]", "", ""),
     "config.json: process.rlimits[0].type: unsupported rlimit 'RLIMIT_AS' (supported: "
     "RLIMIT_NOFILE, RLIMIT_FSIZE, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_CPU)",
     false},
    {DOC(", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1, \"soft\": 2}]", "", ""),
     "config.json: process.rlimits[0]: soft limit 2 is above the hard limit 1", false},
    {DOC(", \"capabilities\": {\"bounding\": [\"CAP_FLY\"]}", "", ""),
     "config.json: process.capabilities.bounding[0]: unknown capability 'CAP_FLY'", false},
    {DOC("",
         ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
         "[\"read\"], \"action\": \"SCMP_ACT_FOO\"}]}",
         ""),
     "config.json: linux.seccomp.syscalls[0].action: unknown action 'SCMP_ACT_FOO'", false},
    {DOC("", ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", ""),
     "config.json: linux.seccomp.defaultAction: unknown action 'SCMP_ACT_NOTIFY'", false},
    {DOC("",
         ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
         "[\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, "
         "\"op\": \"SCMP_CMP_EQ\"}]}]}",
         ""),
     "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is out of range: the most is 5",
     false},
    {DOC("",
         ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
         "[\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, "
         "\"op\": \"SCMP_CMP_ABOUT\"}]}]}",
         ""),
     "config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator 'SCMP_CMP_ABOUT'", false},
    {DOC("",
         ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
         "[\"SCMP_ARCH_Z80\"]}",
         ""),
     "config.json: linux.seccomp.architectures: unknown architecture 'SCMP_ARCH_Z80'", false},
    {DOC("",
         ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], "
         "\"action\": \"SCMP_ACT_ERRNO\"}]}",
         ""),
     "config.json: linux.seccomp.syscalls[0].names: no syscall names", false},
    /* "namespaces" twice in one object is caught by the parser first. */
    {DOC("", ", \"namespaces\": [{\"type\": \"time\"}]", ""), "duplicate object key", true},
    {"{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": "
     "\"/\"}, \"root\": {\"path\": \"r\"}, \"linux\": {\"namespaces\": [{\"type\": \"time\"}]}}",
     "config.json: linux.namespaces[0].type: unknown namespace 'time'", false},
    {"{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": "
     "\"/\"}, \"root\": {\"path\": \"r\"}, \"linux\": {\"namespaces\": [{\"type\": \"net\", "
     "\"path\": \"/proc/1/ns/net\"}]}}",
     "config.json: linux.namespaces[0].type: unknown namespace 'net'", false},
    {"{\"ociVersion\": \"1.0.2\", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": "
     "\"/\"}, \"root\": {\"path\": \"r\"}, \"linux\": {\"namespaces\": [{\"type\": \"network\", "
     "\"path\": \"/proc/1/ns/net\"}]}}",
     "config.json: linux.namespaces[0]: joining an existing namespace (path) is not supported",
     false},
    {DOC("", "", ", \"annotations\": {\"org.sandbox.network\": \"wifi\"}"),
     "config.json: annotations[\"org.sandbox.network\"]: unknown value 'wifi' (expected 'none', "
     "'loopback', 'host')",
     false},
    {DOC("", "", ", \"annotations\": {\"org.sandbox.limits.wall-time-us\": \"1.5s\"}"),
     "config.json: annotations[\"org.sandbox.limits.wall-time-us\"]: '1.5s' is not a decimal "
     "integer below 2^64-1",
     false},
    {DOC("", "", ", \"annotations\": {\"org.sandbox.wall-time\": \"1\"}"),
     "config.json: annotations[\"org.sandbox.wall-time\"]: unknown sandbox annotation (known: "
     "root, limits.wall-time-us, limits.cpu-time-us, limits.output-bytes, limits.swap-bytes, "
     "network, stdin, stdin.path, stdout, stdout.path, stderr, stderr.path, cgroup, "
     "cgroup.parent, mounts.optional, id-mapping, etc, seccomp, limits.kill-grace-us)",
     false},
    {DOC("", "", ", \"annotations\": {\"org.sandbox.etc\": \"host\"}"),
     "config.json: annotations[\"org.sandbox.etc\"]: unknown value 'host' (expected "
     "'generated', 'none')",
     false},
    {DOC("", "", ", \"annotations\": {\"x\": 1}"),
     "config.json: annotations[\"x\"]: expected a string, not an integer", false},
    {DOC("", "", ", \"annotations\": {\"org.sandbox.mounts.optional\": \"[\\\"/x\\\"]\"}"),
     "config.json: annotations[\"org.sandbox.mounts.optional\"]: '/x' is not a bind mount's "
     "destination",
     false},
    {DOC("", "", ", \"annotations\": {\"org.sandbox.mounts.optional\": \"/x\"}"),
     "config.json: annotations[\"org.sandbox.mounts.optional\"]: expected a JSON array of mount "
     "destinations in a string",
     false},
    {DOC("", "", ", \"annotations\": {\"org.sandbox.stdin.path\": \"/in\"}"),
     "config.json: annotations[\"org.sandbox.stdin.path\"]: only used with stdin 'file'", false},
    {DOC("", "",
         ", \"annotations\": {\"org.sandbox.stderr\": \"null\", \"org.sandbox.stderr.path\": "
         "\"/e\"}"),
     "config.json: annotations[\"org.sandbox.stderr.path\"]: only used with stderr 'file'", false},
    {DOC("", "", ", \"annotations\": {\"org.sandbox.stdout\": \"devnull\"}"),
     "config.json: annotations[\"org.sandbox.stdout\"]: unknown value 'devnull' (expected "
     "'inherit', 'null', 'file')",
     false},
    {DOC("", ", \"resources\": {\"memory\": {\"limit\": 1000000}}",
         ", \"annotations\": {\"org.sandbox.limits.swap-bytes\": \"5\"}"),
     "config.json: annotations[\"org.sandbox.limits.swap-bytes\"]: only used without a memory "
     "limit (else linux.resources.memory.swap)",
     false},
    {DOC("", "",
         ", \"mounts\": [{\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": "
         "\"cgroup\"}]"),
     "config.json: mounts[0].type: unsupported mount type 'cgroup' (supported: bind, tmpfs, proc, "
     "devpts, mqueue, sysfs)",
     false},
    {DOC("", "",
         ", \"mounts\": [{\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"options\": "
         "[\"size=10%\"]}]"),
     "config.json: mounts[0].options[0]: bad size '10%' (bytes, with an optional k, m or g)",
     false},
    {DOC("", "",
         ", \"mounts\": [{\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"options\": "
         "[\"mode=999\"]}]"),
     "config.json: mounts[0].options[0]: bad mode '999'", false},
    {DOC("", "",
         ", \"mounts\": [{\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"options\": "
         "[\"nr_inodes=5\"]}]"),
     "config.json: mounts[0].options[0]: unsupported option 'nr_inodes=5' for a tmpfs mount",
     false},
    {DOC("", "",
         ", \"mounts\": [{\"destination\": \"/x\", \"type\": \"bind\", \"options\": [\"rbind\"]}]"),
     "config.json: mounts[0].source: a bind needs a source", false},
    {DOC("", "", ", \"mounts\": [{\"destination\": \"/x\"}]"),
     "config.json: mounts[0].type: missing (and no bind option)", false},
    {DOC("", "", ", \"mounts\": [{\"type\": \"proc\"}]"),
     "config.json: mounts[0].destination: missing", false},
    {DOC("", "",
         ", \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"options\": "
         "[\"rbind\"]}]"),
     "config.json: mounts[0].options[0]: 'rbind' on a proc mount", false},
    {DOC("", "", ", \"mounts\": {}"), "config.json: mounts: expected an array, not an object",
     false},
    {"{\"ociVersion\": \"1.0.2\",\n  \"process\": {\n    \"args\": [1,]\n",
     "config.json:3:16: unexpected token near ']'", false},
    {"", "config.json:1:0: '[' or '{' expected near end of file", false},
    {"{\"a\": 1, \"a\": 2}", "config.json:1:12: duplicate object key near '\"a\"'", false},
    {"{\"ociVersion\": \"1.0\\u0000x\"}",
     "config.json:1:27: \\u0000 is not allowed in a string near '\"1.0\\u0000x\"'", false},
    /* Integers beyond int64. */
    {"{\"x\": 18446744073709551615}",
     "config.json:1:26: too big integer near '18446744073709551615'", false},
    /* A NUL byte in the text. */
    /* Invalid UTF-8. */
    {"{\"ociVersion\": \"\xff\"}", "unable to decode byte 0xff", true},
};

TEST(load_errors) {
  int failed = 0;
  for (size_t i = 0; i < ARRAY_SIZE(load_errors); i++) {
    const char *in = load_errors[i].input, *want = load_errors[i].error;
    sbx_spec *s = NULL;
    sbx_error *err = NULL;
    int rc = sbx_spec_load_json_string(in, strlen(in), &s, &err);
    const char *got = rc == 0 ? "(it loaded)" : err ? err->message : "(failure without an error)";
    bool ok = rc < 0 && !s && err &&
              (load_errors[i].contains ? strstr(got, want) != NULL : strcmp(got, want) == 0);
    if (!ok) {
      printf("FAIL: %s:load_errors[%zu]: error is \"%s\", expected \"%s\"%s\n  input: %s\n",
             TEST_FILE, i, got, want, load_errors[i].contains ? " in it" : "", in);
      failed++;
    }
    sbx_spec_free(s);
    sbx_error_free(err);
  }
  if (failed) TEST_FAIL("%d of %zu cases failed", failed, ARRAY_SIZE(load_errors));
}

/* A NUL byte in the text (not a \\u0000 escape) is jansson's error, located. */
TEST(load_error_nul_byte) {
  sbx_spec *s = NULL;
  sbx_error *err = NULL;
  CHECK(sbx_spec_load_json_string("{\"a\"\0: 1}", 9, &s, &err) < 0);
  CHECK(err && strncmp(err->message, "config.json:1:", 14) == 0);
  sbx_error_free(err);
}

TEST(errors_hostile_sizes) {
  /* Over the cap: refused before parsing. */
  size_t n = SPEC_JSON_MAX_BYTES + 1;
  char *big = xmalloc(n + 1);
  memset(big, ' ', n);
  big[0] = '{';
  big[n - 1] = '}';
  big[n] = 0;
  sbx_spec *s = NULL;
  sbx_error *err = NULL;
  CHECK(sbx_spec_load_json_string(big, n, &s, &err) < 0);
  CHECK(s == NULL);
  CHECK(err);
  CHECK_EQ_STR(err->message, "config.json: 4194305 bytes is more than the 4194304 allowed");
  CHECK_EQ_INT(err->code, EFBIG);
  sbx_error_free(err);
  err = NULL;
  /* A nesting bomb: refused by the parser's depth limit, without exhausting the stack. */
  size_t depth = 1000000;
  memset(big, '[', depth);
  big[depth] = 0;
  CHECK(sbx_spec_load_json_string(big, depth, &s, &err) < 0);
  CHECK(err);
  CHECK_CONTAINS(err->message, "maximum parsing depth reached");
  sbx_error_free(err);
  err = NULL;
  /* Deep but within the parser's limit, in a place we read. */
  size_t k = 2000;
  char *doc = xmalloc(100 + 2 * k);
  int off = sprintf(doc, "{\"ociVersion\": \"1.0.2\", \"process\": ");
  memset(doc + off, '[', k);
  off += (int)k;
  doc[off++] = '1';
  memset(doc + off, ']', k);
  off += (int)k;
  strcpy(doc + off, "}");
  CHECK(sbx_spec_load_json_string(doc, strlen(doc), &s, &err) < 0);
  CHECK_EQ_STR(err->message, "config.json: process: expected an object, not an array");
  sbx_error_free(err);
  free(doc);
  free(big);
}

/* Every prefix of a valid document, and every single-byte change of it, fails cleanly or loads:
 * never a crash (run under the sanitizers in CI). */
TEST(hostile_mutations) {
  sbx_spec *s = full_spec();
  char *json = sbx_spec_to_json(s, NULL);
  CHECK(json);
  size_t n = strlen(json);
  char *buf = xmalloc(n + 1);
  size_t loaded = 0, failed = 0;
  for (size_t i = 0; i < n; i += 3) {
    sbx_spec *out = NULL;
    sbx_error *err = NULL;
    if (sbx_spec_load_json_string(json, i, &out, &err) == 0) {
      loaded++;
      sbx_spec_free(out);
    } else {
      if (!err) TEST_FAIL("prefix of %zu bytes: failure without an error", i);
      failed++;
    }
    sbx_error_free(err);
  }
  static const char subst[] = "0\"x[{}]:,-1 ";
  for (size_t i = 0; i < n; i += 2) {
    memcpy(buf, json, n + 1);
    buf[i] = subst[i % (sizeof subst - 1)];
    sbx_spec *out = NULL;
    sbx_error *err = NULL;
    if (sbx_spec_load_json_string(buf, n, &out, &err) == 0) {
      loaded++;
      sbx_spec_free(out);
    } else {
      if (!err) TEST_FAIL("mutation at %zu: failure without an error", i);
      failed++;
    }
    sbx_error_free(err);
  }
  CHECK(failed > 0 && loaded > 0);
  free(buf);
  free(json);
  sbx_spec_free(s);
}

/* runc's own `runc spec` output (1.1), minus the cgroup mount we do not support. */
static const char runc_default[] =
    "{\"ociVersion\": \"1.0.2-dev\", \"process\": {\"terminal\": true, \"user\": {\"uid\": 0, "
    "\"gid\": 0}, \"args\": [\"sh\"], \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
    "/usr/bin:/sbin:/bin\", \"TERM=xterm\"], \"cwd\": \"/\", \"capabilities\": {\"bounding\": "
    "[\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"], \"effective\": "
    "[\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"], \"permitted\": "
    "[\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"], \"ambient\": "
    "[\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]}, \"rlimits\": [{\"type\": "
    "\"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}], \"noNewPrivileges\": true}, \"root\": "
    "{\"path\": \"rootfs\", \"readonly\": true}, \"hostname\": \"runc\", \"mounts\": "
    "[{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"}, {\"destination\": "
    "\"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"nosuid\", "
    "\"strictatime\", \"mode=755\", \"size=65536k\"]}, {\"destination\": \"/dev/pts\", \"type\": "
    "\"devpts\", \"source\": \"devpts\", \"options\": [\"nosuid\", \"noexec\", \"newinstance\", "
    "\"ptmxmode=0666\", \"mode=0620\", \"gid=5\"]}, {\"destination\": \"/dev/shm\", \"type\": "
    "\"tmpfs\", \"source\": \"shm\", \"options\": [\"nosuid\", \"noexec\", \"nodev\", "
    "\"mode=1777\", \"size=65536k\"]}, {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", "
    "\"source\": \"mqueue\", \"options\": [\"nosuid\", \"noexec\", \"nodev\"]}, {\"destination\": "
    "\"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\", \"options\": [\"nosuid\", \"noexec\", "
    "\"nodev\", \"ro\"]}], \"linux\": {\"resources\": {\"devices\": [{\"allow\": false, "
    "\"access\": \"rwm\"}]}, \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, "
    "{\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"}], \"maskedPaths\": "
    "[\"/proc/acpi\", \"/proc/kcore\"], \"readonlyPaths\": [\"/proc/bus\", \"/proc/sys\"]}}";

TEST(foreign_runc_spec) {
  /* runc's default asks for a terminal; ours never does. */
  CHECK_LOAD_ERROR(runc_default, "config.json: process.terminal: a terminal is not supported");
  char *text = xstrdup(runc_default);
  char *t = strstr(text, "\"terminal\": true");
  memcpy(t, "\"terminal\":false", 16);
  sbx_spec *s = NULL;
  sbx_error *err = NULL;
  if (sbx_spec_load_json_string(text, strlen(text), &s, &err) < 0) TEST_FAIL("%s", err->message);
  free(text);
  CHECK_EQ_STR(s->process.args[0], "sh");
  CHECK_EQ_INT(s->process.n_env, 2);
  /* Kept: in bounding, effective and permitted at once. */
  CHECK_EQ_INT(s->process.capabilities, (1ull << caps_from_name("CAP_AUDIT_WRITE")) |
                                            (1ull << caps_from_name("CAP_KILL")) |
                                            (1ull << caps_from_name("CAP_NET_BIND_SERVICE")));
  CHECK_EQ_INT(s->limits.open_files, 1024);
  CHECK(s->limits.core == SBX_UNSET);
  CHECK(s->limits.cpu_time_us == SBX_UNSET);
  CHECK_EQ_STR(s->root.path, "rootfs");
  CHECK(s->root.readonly);
  CHECK_EQ_STR(s->hostname, "runc");
  /* /dev is our minimal /dev; runc's devpts (with gid=5) differs from ours, so it stays. */
  CHECK_EQ_INT(s->n_mounts, 6);
  CHECK_EQ_INT(s->mounts[0].type, SBX_MOUNT_PROC);
  CHECK_EQ_INT(s->mounts[1].type, SBX_MOUNT_DEV);
  CHECK_EQ_INT(s->mounts[1].flags, SBX_MNT_NOSUID);
  CHECK_EQ_INT(s->mounts[1].mode, 0755);
  CHECK_EQ_INT(s->mounts[1].size, 65536 * 1024);
  CHECK_EQ_INT(s->mounts[2].type, SBX_MOUNT_DEVPTS);
  CHECK_EQ_INT(s->mounts[3].type, SBX_MOUNT_TMPFS);
  CHECK_EQ_STR(s->mounts[3].target, "/dev/shm");
  CHECK_EQ_INT(s->mounts[3].mode, 01777);
  CHECK_EQ_INT(s->mounts[4].type, SBX_MOUNT_MQUEUE);
  CHECK_EQ_INT(s->mounts[5].type, SBX_MOUNT_SYSFS);
  CHECK_EQ_INT(s->mounts[5].flags, SBX_MNT_RO | SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC);
  CHECK_EQ_INT(s->namespaces, SBX_NS_PID | SBX_NS_NET | SBX_NS_IPC | SBX_NS_UTS | SBX_NS_MOUNT);
  /* No annotation: runc brings lo up in a new network namespace. */
  CHECK_EQ_INT(s->network, SBX_NET_LOOPBACK);
  CHECK(!s->seccomp.enabled);
  CHECK_EQ_INT(s->n_masked_paths, 2);
  CHECK_EQ_STR(s->readonly_paths[1], "/proc/sys");
  /* Written and read again, it stays the same spec. */
  free(roundtrip(s, "runc default"));
  sbx_spec_free(s);
}

TEST(dev_mounts_fold_back) {
  sbx_spec *s = spec_new();
  spec_add_mount(s, SBX_MOUNT_DEV, NULL, "/dev", SBX_MNT_NOSUID);
  char *json = roundtrip(s, "dev");
  /* One spec mount, three OCI mounts. */
  CHECK_CONTAINS(json, "\"destination\": \"/dev\",\n      \"type\": \"tmpfs\"");
  CHECK_CONTAINS(json, "\"destination\": \"/dev/pts\",\n      \"type\": \"devpts\"");
  CHECK_CONTAINS(json, "\"destination\": \"/dev/shm\",\n      \"type\": \"tmpfs\"");
  free(json);
  sbx_spec_free(s);
}

TEST(cpu_rlimit_without_annotation) {
  const char *d =
      DOC(", \"rlimits\": [{\"type\": \"RLIMIT_CPU\", \"hard\": 7, \"soft\": 5}]", "", "");
  sbx_spec *s = NULL;
  CHECK(sbx_spec_load_json_string(d, strlen(d), &s, NULL) == 0);
  CHECK_EQ_INT(s->limits.cpu_time_us, 7000000);
  sbx_spec_free(s);
  /* With the annotation, it is only the backstop. */
  d = DOC(", \"rlimits\": [{\"type\": \"RLIMIT_CPU\", \"hard\": 7, \"soft\": 7}]", "",
          ", \"annotations\": {\"org.sandbox.limits.cpu-time-us\": \"6500000\"}");
  CHECK(sbx_spec_load_json_string(d, strlen(d), &s, NULL) == 0);
  CHECK_EQ_INT(s->limits.cpu_time_us, 6500000);
  /* No network annotation and no net namespace: the host's network. */
  CHECK_EQ_INT(s->network, SBX_NET_HOST);
  sbx_spec_free(s);
}

TEST(writer_errors) {
  sbx_error *err = NULL;
  sbx_spec *s = spec_new();
  const char *argv[] = {"/bin/echo", "bad \xff byte"};
  CHECK(sbx_spec_set_args(s, argv, 2, NULL) == 0);
  CHECK(sbx_spec_to_json(s, &err) == NULL);
  CHECK_EQ_STR(err->message,
               "config.json: process.args[1]: 'bad \xff byte' is not valid UTF-8, "
               "which JSON cannot hold");
  sbx_error_free(err);
  err = NULL;
  sbx_spec_free(s);

  s = spec_new();
  spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/dev", 0);
  CHECK(sbx_spec_to_json(s, &err) == NULL);
  CHECK_EQ_STR(err->message,
               "config.json: mounts[0]: a tmpfs on /dev reads back as the minimal "
               "/dev; use a dev mount");
  sbx_error_free(err);
  err = NULL;
  sbx_spec_free(s);

  s = spec_new();
  spec_add_annotation(s, "org.sandbox.network", "host");
  CHECK(sbx_spec_to_json(s, &err) == NULL);
  CHECK_EQ_STR(err->message,
               "config.json: annotations[0]: 'org.sandbox.network' is under the "
               "prefix reserved for the sandbox's own settings");
  sbx_error_free(err);
  err = NULL;
  sbx_spec_free(s);

  s = spec_new();
  spec_add_mount(s, SBX_MOUNT_BIND, "/a", "/x", SBX_MNT_OPTIONAL);
  spec_add_mount(s, SBX_MOUNT_BIND, "/b", "/x", 0);
  CHECK(sbx_spec_to_json(s, &err) == NULL);
  CHECK_EQ_STR(err->message,
               "config.json: mounts[0]: an optional bind and a required bind on "
               "the same target '/x' cannot be told apart in config.json");
  sbx_error_free(err);
  err = NULL;
  sbx_spec_free(s);

  s = spec_new();
  spec_add_mount(s, SBX_MOUNT_TMPFS, "tmpfs", "/tmp", 0);
  CHECK(sbx_spec_to_json(s, &err) == NULL);
  CHECK_EQ_STR(err->message,
               "config.json: mounts[0]: only binds have a source (it would read "
               "back as NULL)");
  sbx_error_free(err);
  err = NULL;
  sbx_spec_free(s);

  s = spec_new();
  strv_push(&s->process.env, &s->process.n_env, "NOEQUALS");
  s->process.umask = 01000;
  CHECK(sbx_spec_to_json(s, &err) == NULL);
  CHECK_EQ_STR(err->message, "config.json: process.umask: 01000 is not a umask: the most is 0777");
  sbx_error_free(err);
  err = NULL;
  s->process.umask = 022;
  CHECK(sbx_spec_to_json(s, &err) == NULL);
  CHECK_EQ_STR(err->message, "config.json: process.env[0]: 'NOEQUALS' is not NAME=value");
  sbx_error_free(err);
  err = NULL;
  sbx_spec_free(s);

  s = spec_new();
  s->seccomp.enabled = true;
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, SBX_SECCOMP_ERRNO, EPERM);
  CHECK(sbx_spec_to_json(s, &err) == NULL);
  CHECK_EQ_STR(err->message, "config.json: seccomp.rules[0].names: no syscall names");
  sbx_error_free(err);
  err = NULL;
  spec_rule_add_name(r, "socket");
  spec_rule_add_arg(r, 6, SBX_OP_EQ, 1, 0);
  CHECK(sbx_spec_to_json(s, &err) == NULL);
  CHECK_EQ_STR(err->message,
               "config.json: seccomp.rules[0].args[0].index: 6 is out of range: the most is 5");
  sbx_error_free(err);
  err = NULL;
  sbx_spec_free(s);

  s = spec_new();
  s->process.stdio[SBX_STDIN].path = xstrdup("/in");
  CHECK(sbx_spec_to_json(s, &err) == NULL);
  CHECK_EQ_STR(err->message, "config.json: process.stdio[0].path: set, but stdin is not a file");
  sbx_error_free(err);
  err = NULL;
  sbx_spec_free(s);

  s = spec_new();
  s->process.stdio[SBX_STDOUT] = (sbx_stdio){SBX_STDIO_NULL, xstrdup("/out")};
  CHECK(sbx_spec_to_json(s, &err) == NULL);
  CHECK_EQ_STR(err->message, "config.json: process.stdio[1].path: set, but stdout is not a file");
  sbx_error_free(err);
  err = NULL;
  sbx_spec_free(s);

  s = spec_new();
  s->limits.memory = UINT64_MAX - 1;
  CHECK(sbx_spec_to_json(s, &err) == NULL);
  CHECK_EQ_STR(err->message,
               "config.json: limits.memory: 18446744073709551614 is too large for "
               "a JSON integer");
  sbx_error_free(err);
  sbx_spec_free(s);
}

/* ---- the engine's rules against setuid, setgid and file-capability files ------------------ */

/* The number of entries of linux.seccomp.syscalls in `json`, and whether the first `n` are the
 * table's rows that apply (in order). */
static size_t count_syscalls(const char *json, json_t **out) {
  json_error_t e;
  json_t *doc = json_loads(json, 0, &e);
  if (!doc) TEST_FAIL("the written config.json does not parse: %s", e.text);
  json_t *sc = json_object_get(json_object_get(doc, "linux"), "seccomp");
  if (!sc) TEST_FAIL("no linux.seccomp in the written config.json");
  *out = doc;
  return json_array_size(json_object_get(sc, "syscalls"));
}

static const char *entry_name(json_t *doc, size_t i) {
  json_t *sys =
      json_object_get(json_object_get(json_object_get(doc, "linux"), "seccomp"), "syscalls");
  return json_string_value(json_array_get(json_object_get(json_array_get(sys, i), "names"), 0));
}

/* Every config.json carries the rules, first, so that runc enforces them; read back, they are
 * gone again (the engine adds them to every filter), and the rule after them keeps its place
 * in error messages. */
TEST(fixed_rules_written_first_and_dropped) {
  sbx_spec *s = spec_new();
  CHECK(sbx_spec_set_args(s, (const char *[]){"/bin/true"}, 1, NULL) == 0);
  s->seccomp.enabled = true;
  spec_rule_add_name(spec_add_seccomp_rule(s, SBX_SECCOMP_ERRNO, EPERM), "mount");
  char *json = test_own(roundtrip(s, "one rule"));
  json_t *doc;
  CHECK_EQ_INT(count_syscalls(json, &doc), sc_n_fixed_rules + 1);
  for (size_t i = 0; i < sc_n_fixed_rules; i++)
    CHECK_EQ_STR(entry_name(doc, i), sc_fixed_rules[i].name);
  CHECK_EQ_STR(entry_name(doc, sc_n_fixed_rules), "mount");
  json_decref(doc);
  /* An error in the policy's first rule names its index in the file. */
  char *bad = test_own(xstrdup(json));
  char *m = strstr(bad, "[\n            \"mount\"");
  CHECK(m);
  memset(m + 14, ' ', 7); /* a rule without names */
  char *msg = test_own(load_error(bad));
  char *want = test_own(xasprintf("linux.seccomp.syscalls[%zu]", sc_n_fixed_rules));
  if (!strstr(msg, want)) TEST_FAIL("error \"%s\" does not name %s", msg, want);
  /* A policy that denies openat2 itself keeps its own action: the engine's row is left out. */
  spec_rule_add_name(spec_add_seccomp_rule(s, SBX_SECCOMP_KILL_PROCESS, 0), "openat2");
  json = test_own(roundtrip(s, "openat2 killed"));
  CHECK_EQ_INT(count_syscalls(json, &doc), sc_n_fixed_rules + 1);
  json_decref(doc);
  sbx_spec_free(s);
}

/* Seccomp off: linux.seccomp holds the engine's rules over an allow default, the annotation
 * says so, and the spec reads back without a policy. The annotation with anything more is an
 * error; a foreign config.json without linux.seccomp has no policy either (and the engine then
 * loads its rules alone). */
TEST(fixed_rules_without_a_policy) {
  sbx_spec *s = spec_new();
  CHECK(sbx_spec_set_args(s, (const char *[]){"/bin/true"}, 1, NULL) == 0);
  char *json = test_own(roundtrip(s, "seccomp off"));
  CHECK_CONTAINS(json, "\"org.sandbox.seccomp\": \"off\"");
  CHECK_CONTAINS(json, "\"defaultAction\": \"SCMP_ACT_ALLOW\"");
  json_t *doc;
  CHECK_EQ_INT(count_syscalls(json, &doc), sc_n_fixed_rules);
  json_decref(doc);
  char *more = test_own(xstrdup(json));
  char *a = strstr(more, "SCMP_ACT_ALLOW");
  memcpy(a, "SCMP_ACT_TRAP\" ", 15);
  CHECK_LOAD_ERROR(more,
                   "config.json: linux.seccomp: with the annotation org.sandbox.seccomp=off, "
                   "only the engine's own rules over an allow default");
  CHECK_LOAD_ERROR(DOC("", "", ", \"annotations\": {\"org.sandbox.seccomp\": \"on\"}"),
                   "config.json: annotations[\"org.sandbox.seccomp\"]: unknown value 'on' "
                   "(expected 'off')");
  sbx_spec *back = NULL;
  sbx_error *err = NULL;
  const char *plain = DOC("", "", "");
  if (sbx_spec_load_json_string(plain, strlen(plain), &back, &err) < 0)
    TEST_FAIL("%s", err->message);
  CHECK(!back->seccomp.enabled);
  sbx_spec_free(back);
  sbx_spec_free(s);
}

RUN_TESTS()
