/* test-idmap.c: the id-mapping policy (sandbox/idmap-policy.c, pure: decided from made-up
 * facts of the caller and host), the probe that gathers those facts (idmap.c, from stand-in
 * /etc/subuid files and helpers) and the writing of maps through a newuidmap helper. */
#define TEST_FILE "test-idmap"
#include "harness.h"

#include "engine.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static idmap_host caller(uint32_t uid, uint32_t gid) {
  idmap_host h;
  memset(&h, 0, sizeof h);
  h.euid = uid;
  h.egid = gid;
  return h;
}

/* Plans `s` for `h`, failing the test on an error. */
static idmap_plan plan_ok(const sbx_spec *s, const idmap_host *h) {
  idmap_plan p;
  sbx_error *err = NULL;
  if (idmap_plan_make(s, h, &p, &err) < 0) TEST_FAIL("idmap_plan_make: %s", err->message);
  return p;
}

/* Plans `s` for `h`, which must fail with `code` and a message containing `want`. */
static void plan_fails(const sbx_spec *s, const idmap_host *h, int code, const char *want) {
  idmap_plan p;
  sbx_error *err = NULL;
  if (idmap_plan_make(s, h, &p, &err) == 0) {
    idmap_plan_free(&p);
    TEST_FAIL("idmap_plan_make succeeded; expected '%s'", want);
  }
  if (!err || !strstr(err->message, want) || err->code != code)
    TEST_FAIL("error '%s' (%d), expected '%s' (%d)", err ? err->message : "(none)",
              err ? err->code : 0, want, code);
  sbx_error_free(err);
  CHECK(p.uids == NULL && p.gids == NULL);
}

#define CHECK_MAP(m, c, h, n)          \
  do {                                 \
    CHECK_EQ_INT((m).container_id, c); \
    CHECK_EQ_INT((m).host_id, h);      \
    CHECK_EQ_INT((m).size, n);         \
  } while (0)

TEST(root_maps_the_job_to_nobody) {
  sbx_spec *s = spec_new();
  idmap_host h = caller(0, 0);
  idmap_plan p = plan_ok(s, &h);
  CHECK(p.userns && p.privileged && p.drop && !p.deny_setgroups);
  CHECK(!p.uid_helper && !p.gid_helper);
  CHECK_EQ_INT(p.n_uids, 1);
  CHECK_MAP(p.uids[0], 0, 65534, 1);
  CHECK_MAP(p.gids[0], 0, 65534, 1);
  CHECK_EQ_INT(p.drop_uid, 65534);
  CHECK_EQ_INT(p.drop_gid, 65534);
  idmap_plan_free(&p);
  /* The job's own uid, whatever it is, maps to the one host id. */
  s->process.uid = 1000;
  s->process.gid = 100;
  p = plan_ok(s, &h);
  CHECK_MAP(p.uids[0], 1000, 65534, 1);
  CHECK_MAP(p.gids[0], 100, 65534, 1);
  idmap_plan_free(&p);
  sbx_spec_free(s);
}

TEST(root_maps_a_range_from_100000_or_the_id_asked_for) {
  sbx_spec *s = spec_new();
  idmap_host h = caller(0, 0);
  s->id_intent.count = 65536;
  idmap_plan p = plan_ok(s, &h);
  CHECK_MAP(p.uids[0], 0, 100000, 65536);
  CHECK_MAP(p.gids[0], 0, 100000, 65536);
  CHECK_EQ_INT(p.drop_uid, 100000);
  idmap_plan_free(&p);
  s->id_intent.host_uid = 200000;
  s->id_intent.host_gid = 300000;
  p = plan_ok(s, &h);
  CHECK_MAP(p.uids[0], 0, 200000, 65536);
  CHECK_MAP(p.gids[0], 0, 300000, 65536);
  idmap_plan_free(&p);
  /* One id, asked for. */
  s->id_intent.count = 1;
  p = plan_ok(s, &h);
  CHECK_MAP(p.uids[0], 0, 200000, 1);
  CHECK_EQ_INT(p.drop_gid, 300000);
  idmap_plan_free(&p);
  sbx_spec_free(s);
}

TEST(never_host_root) {
  sbx_spec *s = spec_new();
  idmap_host h = caller(0, 0);
  s->id_intent.host_uid = 0;
  plan_fails(s, &h, EINVAL, "id_mapping.host_uid: the job never runs as the host's root");
  s->id_intent.host_uid = SBX_ID_AUTO;
  s->id_intent.host_gid = 0;
  plan_fails(s, &h, EINVAL, "id_mapping.host_gid: the job never runs as the host's root");
  /* Explicit mappings onto host root, as a config.json may have. */
  s->id_intent.host_gid = SBX_ID_AUTO;
  s->uid_mappings = xcalloc(1, sizeof *s->uid_mappings);
  s->uid_mappings[0] = (sbx_id_mapping){0, 0, 1};
  s->n_uid_mappings = 1;
  plan_fails(s, &h, EINVAL, "map host root (id 0) into the sandbox; refusing");
  /* Without a user namespace, root's uid 0 or gid 0 would be the host's. */
  free(s->uid_mappings);
  s->uid_mappings = NULL;
  s->n_uid_mappings = 0;
  s->namespaces &= ~SBX_NS_USER;
  plan_fails(s, &h, EPERM, "the job would run as host root");
  s->process.uid = 1000;
  plan_fails(s, &h, EPERM, "the job would run in the host's root group");
  s->process.gid = 1000;
  idmap_plan p = plan_ok(s, &h);
  CHECK(!p.userns && p.n_uids == 0);
  idmap_plan_free(&p);
  sbx_spec_free(s);
}

TEST(ranges_that_do_not_fit) {
  sbx_spec *s = spec_new();
  idmap_host h = caller(0, 0);
  s->id_intent.count = 65536;
  s->id_intent.host_uid = 4294960000u;
  plan_fails(s, &h, EINVAL, "the range 4294960000 + 65536 goes past the largest id");
  s->id_intent.host_uid = SBX_ID_AUTO;
  s->process.uid = 70000;
  plan_fails(s, &h, EINVAL, "id_mapping.count: maps uid 0 to 65535, which leaves out the job's");
  /* Explicit mappings without the job's ids. */
  s->process.uid = 5;
  s->id_intent.count = 1;
  s->gid_mappings = xcalloc(1, sizeof *s->gid_mappings);
  s->gid_mappings[0] = (sbx_id_mapping){1, 100000, 10};
  s->n_gid_mappings = 1;
  plan_fails(s, &h, EINVAL, "the job's gid 0 is not in the gid mappings");
  sbx_spec_free(s);
}

TEST(an_unprivileged_caller_maps_its_own_ids) {
  sbx_spec *s = spec_new();
  idmap_host h = caller(1000, 1001);
  idmap_plan p = plan_ok(s, &h);
  CHECK(!p.privileged && !p.drop && p.deny_setgroups);
  CHECK(!p.uid_helper && !p.gid_helper);
  CHECK_MAP(p.uids[0], 0, 1000, 1);
  CHECK_MAP(p.gids[0], 0, 1001, 1);
  idmap_plan_free(&p);
  s->id_intent.host_uid = 1000; /* its own: fine */
  p = plan_ok(s, &h);
  idmap_plan_free(&p);
  s->id_intent.host_uid = 5;
  plan_fails(s, &h, EPERM,
             "id_mapping.host_uid: an unprivileged caller (uid 1000) can map only its own uid; "
             "5 needs root");
  sbx_spec_free(s);
}

TEST(an_unprivileged_range_goes_through_the_helpers) {
  sbx_spec *s = spec_new();
  s->id_intent.count = 65536;
  idmap_host h = caller(1000, 1000);
  /* No subordinate range: the caller's own id only. */
  idmap_plan p = plan_ok(s, &h);
  CHECK_EQ_INT(p.n_uids, 1);
  CHECK_MAP(p.uids[0], 0, 1000, 1);
  CHECK(!p.uid_helper && p.deny_setgroups);
  idmap_plan_free(&p);
  /* With ranges and helpers. */
  h.have_subuid = h.have_subgid = true;
  h.subuid_start = 300000;
  h.subgid_start = 400000;
  h.newuidmap = "/stand-in/newuidmap";
  h.newgidmap = "/stand-in/newgidmap";
  p = plan_ok(s, &h);
  CHECK_EQ_INT(p.n_uids, 2);
  CHECK_MAP(p.uids[0], 0, 1000, 1);
  CHECK_MAP(p.uids[1], 1, 300000, 65535);
  CHECK_MAP(p.gids[1], 1, 400000, 65535);
  CHECK_EQ_STR(p.uid_helper, "/stand-in/newuidmap");
  CHECK_EQ_STR(p.gid_helper, "/stand-in/newgidmap");
  CHECK(!p.deny_setgroups); /* newgidmap decides that itself */
  idmap_plan_free(&p);
  sbx_spec_free(s);
}

TEST(explicit_ranges_need_the_helper) {
  sbx_spec *s = spec_new();
  s->uid_mappings = xcalloc(1, sizeof *s->uid_mappings);
  s->uid_mappings[0] = (sbx_id_mapping){0, 100000, 65536};
  s->n_uid_mappings = 1;
  idmap_host h = caller(1000, 1000);
  plan_fails(s, &h, ENOENT,
             "the uid mappings need more than your own uid 1000, which needs newuidmap");
  h.newuidmap = "/stand-in/newuidmap";
  idmap_plan p = plan_ok(s, &h);
  CHECK_EQ_STR(p.uid_helper, "/stand-in/newuidmap");
  CHECK(!p.gid_helper && p.deny_setgroups);
  idmap_plan_free(&p);
  sbx_spec_free(s);
}

/* ---- the probe: stand-in files ------------------------------------------------------------- */

static char *scratch_file(const char *name, const char *text) {
  char *dir = xasprintf("%s/sbx-idmap.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(dir)) TEST_FAIL("mkdtemp: %s", strerror(errno));
  char *path = xasprintf("%s/%s", dir, name);
  free(dir);
  FILE *f = fopen(path, "w");
  if (!f) TEST_FAIL("create %s: %s", path, strerror(errno));
  fputs(text, f);
  fclose(f);
  return path;
}

static void remove_scratch(char *path) {
  unlink(path);
  char *slash = strrchr(path, '/');
  *slash = '\0';
  rmdir(path);
  free(path);
}

TEST(the_probe_reads_subordinate_ranges) {
  char *subuid = scratch_file("subuid", "nobody:1:2\n1000:200000:10\n1000:300000:65536\nx\n");
  char *subgid = scratch_file("subgid", "1000:400000:65536\n");
  idmap_paths paths = {subuid, subgid, "/bin/sh", "/bin/sh"};
  sbx_spec *s = spec_new();
  s->id_intent.count = 65536;
  idmap_host h;
  idmap_host_probe(s, 1000, 1000, &paths, &h);
  CHECK(h.have_subuid && h.have_subgid);
  CHECK_EQ_INT(h.subuid_start, 300000); /* the first range that is large enough */
  CHECK_EQ_INT(h.subgid_start, 400000);
  CHECK_EQ_STR(h.newuidmap, "/bin/sh");
  /* The policy then maps the range through the helper. */
  idmap_plan p = plan_ok(s, &h);
  CHECK_MAP(p.uids[1], 1, 300000, 65535);
  idmap_plan_free(&p);
  /* A smaller intent takes the first range. */
  s->id_intent.count = 5;
  idmap_host_probe(s, 1000, 1000, &paths, &h);
  CHECK_EQ_INT(h.subuid_start, 200000);
  /* No helper installed: no range is worth reading. */
  paths.newuidmap = "/nonexistent/newuidmap";
  idmap_host_probe(s, 1000, 1000, &paths, &h);
  CHECK(!h.newuidmap && !h.have_subuid && h.have_subgid);
  /* Root needs none; one id needs none. */
  idmap_host_probe(s, 0, 0, &paths, &h);
  CHECK(!h.have_subuid && !h.have_subgid);
  s->id_intent.count = 1;
  paths.newuidmap = "/bin/sh";
  idmap_host_probe(s, 1000, 1000, &paths, &h);
  CHECK(!h.have_subuid);
  sbx_spec_free(s);
  remove_scratch(subuid);
  remove_scratch(subgid);
}

/* ---- writing through newuidmap ------------------------------------------------------------- */

TEST(the_newuidmap_helper_writes_the_map) {
  if (geteuid() != 0) SKIP_TEST("needs root to stand in for a setuid newuidmap");
  pid_t probe = fork();
  if (probe == 0) _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
  int pst = 1;
  waitpid(probe, &pst, 0);
  if (!WIFEXITED(pst) || WEXITSTATUS(pst) != 0) SKIP_TEST("user namespaces are not available");
  /* A stand-in helper (root may write any map) proves the invocation: PID and triples. */
  char *helper = scratch_file("fake-newuidmap", "");
  char *log = xasprintf("%s.log", helper);
  FILE *fp = fopen(helper, "w");
  CHECK(fp);
  fprintf(fp,
          "#!/bin/sh\necho \"$@\" > %s\npid=$1; shift\nprintf '%%s %%s %%s\\n' \"$@\" > "
          "/proc/$pid/uid_map\n",
          log);
  fclose(fp);
  chmod(helper, 0755);
  idmap_plan p = {.userns = true};
  p.uids = xcalloc(2, sizeof *p.uids);
  p.uids[0] = (sbx_id_mapping){0, 100000, 1000};
  p.uids[1] = (sbx_id_mapping){1000, 101000, 10};
  p.n_uids = 2;
  p.uid_helper = helper;
  p.gids = xcalloc(1, sizeof *p.gids);
  p.gids[0] = (sbx_id_mapping){0, 100000, 1};
  p.n_gids = 1;
  int sv[2];
  CHECK(pipe(sv) == 0);
  pid_t child = fork();
  if (child == 0) {
    char c;
    if (unshare(CLONE_NEWUSER) < 0) _exit(1);
    close(sv[1]);
    if (read(sv[0], &c, 1) < 0) _exit(1);
    _exit(0);
  }
  close(sv[0]);
  usleep(100000);
  sbx_error *err = NULL;
  int r = idmap_write(child, &p, &err);
  char *map = NULL;
  char *mp = xasprintf("/proc/%d/uid_map", (int)child);
  read_file_max(mp, 4096, &map, NULL, NULL);
  close(sv[1]);
  waitpid(child, NULL, 0);
  if (r < 0) TEST_FAIL("idmap_write: %s", err->message);
  char *logged = NULL;
  CHECK(read_file_max(log, 4096, &logged, NULL, NULL) == 0);
  char *want = xasprintf("%d 0 100000 1000 1000 101000 10\n", (int)child);
  CHECK_EQ_STR(logged, want);
  CHECK_CONTAINS(map, "100000");
  free(want);
  free(logged);
  free(map);
  free(mp);
  idmap_plan_free(&p);
  unlink(log);
  free(log);
  remove_scratch(helper);
}

RUN_TESTS()
