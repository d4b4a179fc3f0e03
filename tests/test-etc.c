/* test-etc.c: the generated /etc of a fresh root (sandbox/etc.c): the formatting of each file,
 * the rule that every uid and name appears once, names from the host that would break a line,
 * the plan (which files, which a mount covers) and the writing into a directory, all without a
 * sandbox. tests/etc.sh runs the tools that read the files inside real jobs. */
#define TEST_FILE "test-etc"
#include "harness.h"

#include "etc.h"
#include "spec.h"
#include "util.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>

/* ---- names -------------------------------------------------------------------------------- */

TEST(name_ok) {
  static const char *const good[] = {"root",      "nobody", "alice",        "a",
                                     "user.name", "x-y_z",  "DOMAIN\\user", "john smith",
                                     "jörg",      "u$",     "1000"};
  for (size_t i = 0; i < ARRAY_SIZE(good); i++)
    if (!etc_name_ok(good[i])) TEST_FAIL("'%s' was refused", good[i]);
  static const char *const bad[] = {"",           "a:b",       "a\nroot:x:0:0::/:/bin/sh",
                                    "tab\t",      "\x7f",      "+nis",
                                    "-nis",       "esc\x1b[m", "cr\rlf",
                                    "trailing\n", ":"};
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
    if (etc_name_ok(bad[i])) TEST_FAIL("bad name %zu was accepted", i);
  CHECK(!etc_name_ok(NULL));
  char long_name[300];
  memset(long_name, 'a', sizeof long_name);
  long_name[255] = '\0';
  CHECK(etc_name_ok(long_name));
  long_name[255] = 'a';
  long_name[256] = '\0';
  CHECK(!etc_name_ok(long_name));
}

TEST(hostname_ok) {
  static const char *const good[] = {"sandbox", "build-01", "a.b.c", "host_x", "x"};
  for (size_t i = 0; i < ARRAY_SIZE(good); i++)
    if (!etc_hostname_ok(good[i])) TEST_FAIL("'%s' was refused", good[i]);
  static const char *const bad[] = {"",   "-x",   ".x",   "x.",  "a..b",   "a b",
                                    "a#", "a\nb", "a\tb", "a:b", "ünicode"};
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
    if (etc_hostname_ok(bad[i])) TEST_FAIL("bad host name '%s' was accepted", bad[i]);
  CHECK(!etc_hostname_ok(NULL));
  char name[80];
  memset(name, 'h', sizeof name);
  name[64] = '\0';
  CHECK(etc_hostname_ok(name));
  name[64] = 'h';
  name[65] = '\0';
  CHECK(!etc_hostname_ok(name));
}

/* ---- passwd and group --------------------------------------------------------------------- */

#define NOBODY_LINE "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
#define ROOT_LINE   "root:x:0:0:root:/root:/bin/sh\n"

static void check_passwd(uint32_t uid, uint32_t gid, const char *name, const char *home,
                         const char *want) {
  char *got = test_own(etc_passwd_format(uid, gid, name, home));
  CHECK_EQ_STR(got, want);
}

TEST(passwd_as_root_and_rootless) {
  /* root, job uid 0 (every stock profile): one entry for 0, nobody for overflow ids. */
  check_passwd(0, 0, "root", "/work", "root:x:0:0::/work:/bin/sh\n" NOBODY_LINE);
  /* Rootless as nobody (CI): uid 0 inside is named nobody; the fixed root entry would reuse
   * uid 0 and the fixed nobody entry the name: neither is written. */
  check_passwd(0, 0, "nobody", "/work", "nobody:x:0:0::/work:/bin/sh\n");
  /* Rootless as alice, job uid 0. */
  check_passwd(0, 0, "alice", "/work", "alice:x:0:0::/work:/bin/sh\n" NOBODY_LINE);
  /* A profile that runs the job as 1000: root and nobody keep their own entries. */
  check_passwd(1000, 1000, "alice", "/home/alice",
               "alice:x:1000:1000::/home/alice:/bin/sh\n" ROOT_LINE NOBODY_LINE);
  /* The caller is root but the job is 1000: the name is the caller's, so no second root. */
  check_passwd(1000, 100, "root", "/work", "root:x:1000:100::/work:/bin/sh\n" NOBODY_LINE);
  /* The job is 65534 inside. */
  check_passwd(65534, 65534, "alice", "/", "alice:x:65534:65534::/:/bin/sh\n" ROOT_LINE);
}

TEST(passwd_guards_what_comes_from_the_host) {
  /* No name (a caller without a passwd entry), or one that would break the file. */
  check_passwd(0, 0, NULL, "/work", ETC_FALLBACK_NAME ":x:0:0::/work:/bin/sh\n" NOBODY_LINE);
  check_passwd(0, 0, "evil\nroot:x:0:0::/:/bin/sh", "/work",
               ETC_FALLBACK_NAME ":x:0:0::/work:/bin/sh\n" NOBODY_LINE);
  check_passwd(0, 0, "a:b", "/work", ETC_FALLBACK_NAME ":x:0:0::/work:/bin/sh\n" NOBODY_LINE);
  /* A home that is not absolute, would add a field, or a line: "/". */
  check_passwd(0, 0, "root", NULL, "root:x:0:0::/:/bin/sh\n" NOBODY_LINE);
  check_passwd(0, 0, "root", "work", "root:x:0:0::/:/bin/sh\n" NOBODY_LINE);
  check_passwd(0, 0, "root", "/w:/bin/evil", "root:x:0:0::/:/bin/sh\n" NOBODY_LINE);
  check_passwd(0, 0, "root", "/w\nx:x:0:0::/:/bin/sh", "root:x:0:0::/:/bin/sh\n" NOBODY_LINE);
  check_passwd(0, 0, "root", "", "root:x:0:0::/:/bin/sh\n" NOBODY_LINE);
}

TEST(group_as_root_and_rootless) {
  char *g = test_own(etc_group_format(0, "root"));
  CHECK_EQ_STR(g, "root:x:0:\nnogroup:x:65534:\n");
  g = test_own(etc_group_format(0, "nogroup"));
  CHECK_EQ_STR(g, "nogroup:x:0:\n");
  g = test_own(etc_group_format(1000, "staff"));
  CHECK_EQ_STR(g, "staff:x:1000:\nroot:x:0:\nnogroup:x:65534:\n");
  g = test_own(etc_group_format(65534, "users"));
  CHECK_EQ_STR(g, "users:x:65534:\nroot:x:0:\n");
  g = test_own(etc_group_format(5, "a:b"));
  CHECK_EQ_STR(g, ETC_FALLBACK_NAME ":x:5:\nroot:x:0:\nnogroup:x:65534:\n");
  g = test_own(etc_group_format(5, NULL));
  CHECK_EQ_STR(g, ETC_FALLBACK_NAME ":x:5:\nroot:x:0:\nnogroup:x:65534:\n");
}

/* Parses `text` with the C library's own reader (fgetpwent); checks that every line is an
 * entry, that the first one is (uid, name) and that no uid or name appears twice. */
static void check_unique_passwd(const char *text, uint32_t uid, const char *name) {
  FILE *f = fmemopen((void *)text, strlen(text), "r");
  CHECK(f != NULL);
  uint32_t uids[8];
  char names[8][300];
  size_t n = 0;
  struct passwd *pw;
  while ((pw = fgetpwent(f)) && n < 8) {
    for (size_t i = 0; i < n; i++) {
      if (uids[i] == pw->pw_uid) TEST_FAIL("uid %u twice in:\n%s", (unsigned)pw->pw_uid, text);
      if (strcmp(names[i], pw->pw_name) == 0) TEST_FAIL("'%s' twice in:\n%s", pw->pw_name, text);
    }
    uids[n] = pw->pw_uid;
    snprintf(names[n], sizeof names[n], "%s", pw->pw_name);
    n++;
  }
  fclose(f);
  size_t lines = 0;
  for (const char *p = text; *p; p++) lines += *p == '\n';
  if (n != lines) TEST_FAIL("%zu entries read from %zu lines:\n%s", n, lines, text);
  CHECK(n >= 1);
  CHECK_EQ_INT(uids[0], uid);
  CHECK_EQ_STR(names[0], name);
}

TEST(passwd_every_uid_and_name_once) {
  static const uint32_t ids[] = {0, 1, 1000, 65534, 4294967294u};
  static const char *const names[] = {"root", "nobody", "alice", NULL, "x:y", "sandbox"};
  for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
    for (size_t j = 0; j < ARRAY_SIZE(names); j++) {
      char *p = test_own(etc_passwd_format(ids[i], ids[i], names[j], "/work"));
      check_unique_passwd(p, ids[i], etc_name_ok(names[j]) ? names[j] : ETC_FALLBACK_NAME);
    }
}

/* ---- hosts, nsswitch.conf ----------------------------------------------------------------- */

#define LOCALHOST_LINES "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"

TEST(hosts) {
  char *h = test_own(etc_hosts_format("sandbox"));
  CHECK_EQ_STR(h, LOCALHOST_LINES "127.0.1.1\tsandbox.localdomain sandbox\n");
  h = test_own(etc_hosts_format("build.example.com"));
  CHECK_EQ_STR(h, LOCALHOST_LINES "127.0.1.1\tbuild.example.com build\n");
  /* No name, localhost itself (no second address for it), a name that would break the line. */
  h = test_own(etc_hosts_format(NULL));
  CHECK_EQ_STR(h, LOCALHOST_LINES);
  h = test_own(etc_hosts_format("localhost"));
  CHECK_EQ_STR(h, LOCALHOST_LINES);
  h = test_own(etc_hosts_format("a b\n10.0.0.1 evil"));
  CHECK_EQ_STR(h, LOCALHOST_LINES);
}

TEST(nsswitch) {
  char *n = test_own(etc_nsswitch_format(false));
  CHECK_CONTAINS(n, "\nhosts:     files\n");
  CHECK_CONTAINS(n, "passwd:    files\n");
  CHECK_CONTAINS(n, "\ngroup:     files\n");
  CHECK(strstr(n, "dns") == NULL);
  CHECK(strstr(n, "systemd") == NULL);
  n = test_own(etc_nsswitch_format(true));
  CHECK_CONTAINS(n, "\nhosts:     files dns\n");
}

/* ---- the plan ----------------------------------------------------------------------------- */

static void free_spec(void *s) { sbx_spec_free(s); }
static void free_plan(void *p) {
  etc_plan_free(p);
  free(p);
}

static sbx_spec *plan_spec(void) {
  sbx_spec *s = spec_new();
  test_defer(free_spec, s);
  spec_env_set(s, "HOME", "/work");
  s->hostname = xstrdup("sandbox");
  return s;
}

static etc_plan *make_plan(const sbx_spec *s, char *const *sources, const etc_host *h) {
  etc_plan *p = xcalloc(1, sizeof *p);
  test_defer(free_plan, p);
  etc_plan_make(s, sources, h, p);
  return p;
}

static const etc_file *plan_file(const etc_plan *p, const char *name) {
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->files[i].name, name) == 0) return &p->files[i];
  return NULL;
}

/* The plan's file names, space-separated. */
static char *plan_names(const etc_plan *p) {
  char *s = xstrdup("");
  for (size_t i = 0; i < p->n; i++) {
    char *n = xasprintf("%s%s%s", s, i ? " " : "", p->files[i].name);
    free(s);
    s = n;
  }
  return test_own(s);
}

TEST(plan_files) {
  sbx_spec *s = plan_spec();
  etc_host h = {.user = "alice", .group = "staff", .hostname = "hostbox"};
  etc_plan *p = make_plan(s, NULL, &h);
  CHECK_EQ_STR(plan_names(p), "passwd group hosts host.conf nsswitch.conf hostname");
  CHECK_EQ_STR(plan_file(p, "passwd")->content, "alice:x:0:0::/work:/bin/sh\n" NOBODY_LINE);
  CHECK_EQ_STR(plan_file(p, "group")->content, "staff:x:0:\nnogroup:x:65534:\n");
  CHECK_CONTAINS(plan_file(p, "hosts")->content, "127.0.1.1\tsandbox.localdomain sandbox\n");
  CHECK_EQ_STR(plan_file(p, "hostname")->content, "sandbox\n");
  CHECK_EQ_STR(plan_file(p, "host.conf")->content, "multi on\n");
  CHECK_CONTAINS(plan_file(p, "nsswitch.conf")->content, "\nhosts:     files\n");
  for (size_t i = 0; i < p->n; i++) CHECK_EQ_INT(p->files[i].len, strlen(p->files[i].content));
  /* Without a hostname of its own, the job keeps the host's, and the files say that one. */
  free(s->hostname);
  s->hostname = NULL;
  p = make_plan(s, NULL, &h);
  CHECK_EQ_STR(plan_file(p, "hostname")->content, "hostbox\n");
  CHECK_CONTAINS(plan_file(p, "hosts")->content, "127.0.1.1\thostbox.localdomain hostbox\n");
  /* A host name that cannot be written: no hostname file and no line in hosts. */
  h.hostname = "bad name";
  p = make_plan(s, NULL, &h);
  CHECK_EQ_STR(plan_names(p), "passwd group hosts host.conf nsswitch.conf");
  CHECK_EQ_STR(plan_file(p, "hosts")->content, LOCALHOST_LINES);
}

TEST(plan_resolv_conf_only_for_the_host_network) {
  sbx_spec *s = plan_spec();
  static const char resolv[] = "nameserver 192.0.2.53\nsearch example.com\n";
  etc_host h = {
      .user = "root", .group = "root", .resolv = (char *)resolv, .resolv_len = sizeof resolv - 1};
  s->network = SBX_NET_LOOPBACK;
  etc_plan *p = make_plan(s, NULL, &h);
  CHECK(plan_file(p, "resolv.conf") == NULL);
  CHECK_CONTAINS(plan_file(p, "nsswitch.conf")->content, "\nhosts:     files\n");
  s->network = SBX_NET_NONE;
  p = make_plan(s, NULL, &h);
  CHECK(plan_file(p, "resolv.conf") == NULL);
  s->network = SBX_NET_HOST;
  p = make_plan(s, NULL, &h);
  CHECK_EQ_STR(plan_names(p), "passwd group hosts host.conf nsswitch.conf hostname resolv.conf");
  CHECK_EQ_STR(plan_file(p, "resolv.conf")->content, resolv);
  CHECK_EQ_INT(plan_file(p, "resolv.conf")->len, sizeof resolv - 1);
  CHECK_CONTAINS(plan_file(p, "nsswitch.conf")->content, "\nhosts:     files dns\n");
  /* A host without a resolv.conf: none, and no DNS in nsswitch.conf either. */
  h.resolv = NULL;
  h.resolv_len = 0;
  p = make_plan(s, NULL, &h);
  CHECK(plan_file(p, "resolv.conf") == NULL);
  CHECK_CONTAINS(plan_file(p, "nsswitch.conf")->content, "\nhosts:     files\n");
}

TEST(plan_mounts_win) {
  etc_host h = {.user = "root", .group = "root"};
  /* A bind on one file (however the target is spelt) leaves that file out. */
  sbx_spec *s = plan_spec();
  spec_add_mount(s, SBX_MOUNT_BIND, "/srv/hosts", "/etc//hosts", SBX_MNT_RO);
  spec_add_mount(s, SBX_MOUNT_BIND, "/srv/group", "/etc/group/", SBX_MNT_RO);
  spec_add_mount(s, SBX_MOUNT_BIND, "/etc/ssl/certs", "/etc/ssl/certs", SBX_MNT_RO);
  etc_plan *p = make_plan(s, NULL, &h);
  CHECK_EQ_STR(plan_names(p), "passwd host.conf nsswitch.conf hostname");
  /* A mount on /etc itself (a bind or a tmpfs): nothing is generated. */
  s = plan_spec();
  spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/etc", 0);
  CHECK_EQ_INT(make_plan(s, NULL, &h)->n, 0);
  s = plan_spec();
  spec_add_mount(s, SBX_MOUNT_BIND, "/etc", "/etc/", SBX_MNT_RO);
  CHECK_EQ_INT(make_plan(s, NULL, &h)->n, 0);
  /* An optional bind covers the file when its source exists, and not when it is missing (the
   * mount is then skipped, and the generated file stays). */
  _cleanup_free_ char *dir =
      xasprintf("%s/sbx-etc.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  CHECK(mkdtemp(dir) != NULL);
  _cleanup_free_ char *there = xasprintf("%s/passwd", dir);
  _cleanup_free_ char *missing = xasprintf("%s/missing", dir);
  int fd = open(there, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  CHECK(fd >= 0);
  close(fd);
  s = plan_spec();
  spec_add_mount(s, SBX_MOUNT_BIND, there, "/etc/passwd", SBX_MNT_RO | SBX_MNT_OPTIONAL);
  spec_add_mount(s, SBX_MOUNT_BIND, missing, "/etc/hosts", SBX_MNT_RO | SBX_MNT_OPTIONAL);
  char *sources[] = {there, missing, NULL};
  p = make_plan(s, sources, &h);
  unlink(there);
  rmdir(dir);
  CHECK_EQ_STR(plan_names(p), "group hosts host.conf nsswitch.conf hostname");
}

TEST(prepare_only_for_a_generated_fresh_root) {
  etc_plan p;
  sbx_spec *s = plan_spec();
  CHECK(etc_prepare(s, NULL, NULL, &p, NULL) == 0);
  CHECK(p.n >= 4);
  /* The caller's own name, as getpwuid_r has it (or the fallback). */
  struct passwd *pw = getpwuid(geteuid());
  char *want =
      test_own(xasprintf("%s:x:0:0::/work:/bin/sh\n",
                         pw && etc_name_ok(pw->pw_name) ? pw->pw_name : ETC_FALLBACK_NAME));
  CHECK(strncmp(p.files[0].content, want, strlen(want)) == 0);
  etc_plan_free(&p);
  CHECK(etc_prepare(s, "/srv/rootfs", NULL, &p, NULL) == 0);
  CHECK_EQ_INT(p.n, 0);
  s->root.etc = SBX_ETC_NONE;
  CHECK(etc_prepare(s, NULL, NULL, &p, NULL) == 0);
  CHECK_EQ_INT(p.n, 0);
  s->root.etc = SBX_ETC_GENERATED;
  s->namespaces &= ~(unsigned)SBX_NS_MOUNT;
  CHECK(etc_prepare(s, NULL, NULL, &p, NULL) == 0);
  CHECK_EQ_INT(p.n, 0);
}

/* ---- writing ------------------------------------------------------------------------------ */

static void remove_tree(void *path) {
  _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", (char *)path);
  CHECK(system(cmd) == 0);
  free(path);
}

static char *scratch_dir(void) {
  const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  char *dir = xasprintf("%s/sbx-etc.XXXXXX", tmp);
  CHECK(mkdtemp(dir) != NULL);
  test_defer(remove_tree, dir);
  return dir;
}

static void restore_umask(void *old) { umask((mode_t)(uintptr_t)old); }

TEST(write_files) {
  char *dir = scratch_dir();
  /* What the caller's umask would take away, the files keep. */
  test_defer(restore_umask, (void *)(uintptr_t)umask(077));
  sbx_spec *s = plan_spec();
  etc_host h = {.user = "alice", .group = "staff"};
  etc_plan *p = make_plan(s, NULL, &h);
  sbx_error *e = NULL;
  if (etc_write(p, AT_FDCWD, dir, &e) < 0) TEST_FAIL("%s", e->message);
  _cleanup_free_ char *etc = xasprintf("%s/etc", dir);
  struct stat st;
  CHECK(lstat(etc, &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK_EQ_INT(st.st_mode & 07777, 0755);
  for (size_t i = 0; i < p->n; i++) {
    _cleanup_free_ char *f = xasprintf("%s/%s", etc, p->files[i].name);
    CHECK(lstat(f, &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ_INT(st.st_mode & 07777, 0644);
    char *text = NULL;
    CHECK(read_file_max(f, 1 << 16, &text, NULL, NULL) == 0);
    test_own(text);
    CHECK_EQ_STR(text, p->files[i].content);
  }
  /* A second time: /etc is there already, which a fresh root never has: refused. */
  CHECK(etc_write(p, AT_FDCWD, dir, &e) < 0);
  CHECK_EQ_INT(e->code, EEXIST);
  CHECK_CONTAINS(e->message, "create /etc");
  sbx_error_free(e);
}

TEST(write_follows_no_symlink) {
  char *dir = scratch_dir();
  char *outside = scratch_dir();
  sbx_spec *s = plan_spec();
  etc_host h = {.user = "alice", .group = "staff"};
  etc_plan *p = make_plan(s, NULL, &h);
  /* The root itself a symlink to elsewhere. */
  _cleanup_free_ char *link = xasprintf("%s/root", dir);
  CHECK(symlink(outside, link) == 0);
  sbx_error *e = NULL;
  CHECK(etc_write(p, AT_FDCWD, link, &e) < 0);
  CHECK_CONTAINS(e->message, "open the new root");
  sbx_error_free(e);
  e = NULL;
  /* /etc a symlink planted before (mkdirat refuses it: it exists). */
  _cleanup_free_ char *root = xasprintf("%s/r2", dir);
  _cleanup_free_ char *etc = xasprintf("%s/etc", root);
  CHECK(mkdir(root, 0755) == 0);
  CHECK(symlink(outside, etc) == 0);
  CHECK(etc_write(p, AT_FDCWD, root, &e) < 0);
  CHECK_EQ_INT(e->code, EEXIST);
  sbx_error_free(e);
  _cleanup_free_ char *leaked = xasprintf("%s/passwd", outside);
  struct stat st;
  CHECK(lstat(leaked, &st) < 0 && errno == ENOENT);
}

TEST(write_nothing_for_an_empty_plan) {
  char *dir = scratch_dir();
  etc_plan p = {0};
  CHECK(etc_write(&p, AT_FDCWD, dir, NULL) == 0);
  _cleanup_free_ char *etc = xasprintf("%s/etc", dir);
  struct stat st;
  CHECK(lstat(etc, &st) < 0 && errno == ENOENT);
}

RUN_TESTS()
