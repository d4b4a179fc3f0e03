/* test-golden.c: the config.json of every stock profile, byte for byte, against the golden
 * files in tests/golden/. The profiles are loaded with fixed variables (PWD /home/user/src,
 * HOME /home/user, an unprivileged caller with uid and gid 1000) so the output does not depend
 * on who runs the test. Each must also read back from its JSON as an equal spec. To accept a
 * deliberate change: SBX_UPDATE_GOLDEN=1 build/tests/test-golden rewrites the files; review the
 * diff before committing it. */
#define TEST_FILE "test-golden"
#include "engine.h"
#include "harness.h"
#include "spec-json.h"
#include "spec.h"
#include "util.h"

static void check_golden(const char *profile) {
  const char *src = getenv("SBX_SRCDIR");
  if (!src) src = ".";
  _cleanup_free_ char *profiles = xasprintf("%s/profiles", src);
  const char *search[] = {profiles};
  sbx_load_options opts = {0};
  opts.search_path = search;
  opts.n_search_path = 1;
  opts.pwd = "/home/user/src";
  opts.home = "/home/user";
  opts.set_ids = true;
  opts.uid = 1000;
  opts.gid = 1000;
  sbx_spec *spec = NULL;
  sbx_error *err = NULL;
  if (sbx_spec_load_profile(profile, &opts, &spec, &err) < 0) TEST_FAIL("%s", err->message);
  /* Written for a caller with uid and gid 1000 (no subordinate ranges): the mappings are the
   * policy's decision for that caller, whoever runs the test. */
  idmap_host caller = {.euid = 1000, .egid = 1000};
  char *json = spec_json_write(spec, &caller, &err);
  if (!json) TEST_FAIL("%s", err->message);
  /* The round trip: profile -> spec -> JSON -> spec gives an equal spec. */
  sbx_spec *back = NULL;
  if (sbx_spec_load_json_string(json, strlen(json), &back, &err) < 0) TEST_FAIL("%s", err->message);
  bool equal = spec_equal(spec, back);
  sbx_spec_free(back);
  sbx_spec_free(spec);
  if (!equal) {
    free(json);
    TEST_FAIL("profile '%s' does not read back equal from its config.json", profile);
  }
  _cleanup_free_ char *path = xasprintf("%s/tests/golden/%s.json", src, profile);
  if (getenv("SBX_UPDATE_GOLDEN")) {
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs(json, f);
    CHECK(fclose(f) == 0);
  }
  char *want = NULL;
  if (read_file_max(path, 1 << 20, &want, NULL, &err) < 0) {
    free(json);
    TEST_FAIL("%s (generate it with SBX_UPDATE_GOLDEN=1)", err->message);
  }
  int same = strcmp(json, want) == 0;
  if (!same) {
    _cleanup_free_ char *got = xasprintf("%s.got", path);
    FILE *f = fopen(got, "w");
    if (f) {
      fputs(json, f);
      fclose(f);
    }
    free(json);
    free(want);
    TEST_FAIL("config.json of '%s' differs from %s; see diff -u %s %s.got", profile, path, path,
              path);
  }
  free(json);
  free(want);
}

TEST(golden_default) { check_golden("default"); }
TEST(golden_compile) { check_golden("compile"); }
TEST(golden_judge) { check_golden("judge"); }
TEST(golden_test) { check_golden("test"); }

RUN_TESTS()
