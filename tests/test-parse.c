/* test-parse.c: the leaf rules both front-ends share (sandbox/parse.c): decimal numbers, the
 * two size grammars, durations, octal modes, environment variable names and path components.
 * The profile's wording of the same grammars is tested in test-jobspec.c (units_*). */
#define TEST_FILE "test-parse"
#include "harness.h"
#include "parse.h"
#include "util.h"

TEST(decimal) {
  uint64_t v = 7;
  CHECK_EQ_INT(parse_decimal("0", &v), PARSE_OK);
  CHECK_EQ_INT(v, 0);
  CHECK_EQ_INT(parse_decimal("042", &v), PARSE_OK);
  CHECK_EQ_INT(v, 42);
  CHECK_EQ_INT(parse_decimal("18446744073709551615", &v), PARSE_OK);
  CHECK(v == UINT64_MAX);
  CHECK_EQ_INT(parse_decimal("18446744073709551616", &v), PARSE_RANGE);
  static const char *const junk[] = {"", "-1", "+1", " 1", "1 ", "0x10", "1.0", "1e3"};
  for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
    CHECK_EQ_INT(parse_decimal(junk[i], &v), PARSE_JUNK);
}

TEST(nano) {
  uint64_t v = 0;
  CHECK_EQ_INT(parse_nano("1.5", &v), PARSE_OK);
  CHECK_EQ_INT(v, 1500000000);
  CHECK_EQ_INT(parse_nano("0.0123456789", &v), PARSE_OK); /* the tenth decimal is dropped */
  CHECK_EQ_INT(v, 12345678);
  CHECK_EQ_INT(parse_nano("007", &v), PARSE_OK);
  CHECK_EQ_INT(v, 7000000000);
  CHECK_EQ_INT(parse_nano("1000000001", &v), PARSE_RANGE);
  static const char *const junk[] = {"",    "1.",  ".5",  "+1",   "-1",
                                     "1,5", "1e1", "0x1", "1.5.", "inf"};
  for (size_t i = 0; i < ARRAY_SIZE(junk); i++) CHECK_EQ_INT(parse_nano(junk[i], &v), PARSE_JUNK);
}

TEST(size_profile_units) {
  uint64_t v = 0;
  static const struct {
    const char *s;
    uint64_t want;
  } good[] = {{"4096", 4096},
              {"100B", 100},
              {"512k", 512 << 10},
              {"512KiB", 512 << 10},
              {"2mb", 2 << 20},
              {"1.5G", 3ull << 29},
              {"0.5K", 512},
              {"1P", 1ull << 50},
              {"9223372036854775807", INT64_MAX},
              {"8191.99P", 8191ull * (1ull << 50) + (99ull << 50) / 100}};
  for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
    CHECK_EQ_INT(parse_size(good[i].s, PARSE_SIZE_PROFILE, &v), PARSE_OK);
    CHECK(v == good[i].want);
  }
  /* The documented grammar: a number and a unit, nothing around them (docs/profile.md). */
  static const char *const junk[] = {"", "1.5", "M", "12Q", "+1G", " 1G", "1 G", "1G ", "1E"};
  for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
    CHECK_EQ_INT(parse_size(junk[i], PARSE_SIZE_PROFILE, &v), PARSE_JUNK);
  CHECK_EQ_INT(parse_size("-5M", PARSE_SIZE_PROFILE, &v), PARSE_NEGATIVE);
  CHECK_EQ_INT(parse_size("8192P", PARSE_SIZE_PROFILE, &v), PARSE_RANGE);
  CHECK_EQ_INT(parse_size("9223372036854775808", PARSE_SIZE_PROFILE, &v), PARSE_RANGE);
  CHECK_EQ_INT(parse_size("99999999999999999999", PARSE_SIZE_PROFILE, &v), PARSE_RANGE);
}

TEST(size_mount_option) {
  uint64_t v = 0;
  CHECK_EQ_INT(parse_size("65536k", PARSE_SIZE_OPTION, &v), PARSE_OK);
  CHECK_EQ_INT(v, 65536 << 10);
  CHECK_EQ_INT(parse_size("2G", PARSE_SIZE_OPTION, &v), PARSE_OK);
  CHECK_EQ_INT(v, 2ull << 30);
  CHECK_EQ_INT(parse_size("1048576", PARSE_SIZE_OPTION, &v), PARSE_OK);
  CHECK_EQ_INT(v, 1048576);
  /* tmpfs's size= as docs/oci.md has it: whole numbers, k, m or g; no %, no other unit */
  static const char *const junk[] = {"", "10%", "1.5g", "1KiB", "1KB", "1t", "1B", "k"};
  for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
    CHECK_EQ_INT(parse_size(junk[i], PARSE_SIZE_OPTION, &v), PARSE_JUNK);
  CHECK_EQ_INT(parse_size("8589934592g", PARSE_SIZE_OPTION, &v), PARSE_RANGE);
}

TEST(duration) {
  uint64_t v = 0;
  static const struct {
    const char *s;
    uint64_t want;
  } good[] = {{"10", 10000000},      {"1.5", 1500000},    {"100us", 100},
              {"500ms", 500000},     {"2m", 120000000},   {"2min", 120000000},
              {"1h", 3600000000ull}, {"1d", 86400000000}, {"0.0000001s", 0}};
  for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
    CHECK_EQ_INT(parse_duration(good[i].s, &v), PARSE_OK);
    CHECK(v == good[i].want);
  }
  static const char *const junk[] = {"", "1S", "10 parsecs", "1 s", "s", "1.s"};
  for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
    CHECK_EQ_INT(parse_duration(junk[i], &v), PARSE_JUNK);
  CHECK_EQ_INT(parse_duration("-1", &v), PARSE_NEGATIVE);
  CHECK_EQ_INT(parse_duration("9223372036854775808us", &v), PARSE_RANGE);
}

TEST(octal) {
  uint32_t v = 0;
  CHECK_EQ_INT(parse_octal("0755", 07777, &v), PARSE_OK);
  CHECK_EQ_INT(v, 0755);
  CHECK_EQ_INT(parse_octal("7777", 07777, &v), PARSE_OK);
  CHECK_EQ_INT(parse_octal("17777", 07777, &v), PARSE_RANGE);
  CHECK_EQ_INT(parse_octal("00000000000000000000022", 0777, &v), PARSE_OK);
  CHECK_EQ_INT(v, 022);
  static const char *const junk[] = {"", "8", "0o22", "-1", "1 "};
  for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
    CHECK_EQ_INT(parse_octal(junk[i], 07777, &v), PARSE_JUNK);
}

TEST(env_names) {
  static const char *const good[] = {"PATH", "_", "a1", "X.Y", "é"};
  for (size_t i = 0; i < ARRAY_SIZE(good); i++) CHECK(parse_env_name(good[i], strlen(good[i])));
  static const char *const bad[] = {"", "1A", "A=B", "A B", "A\tB", "A\n"};
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++) CHECK(!parse_env_name(bad[i], strlen(bad[i])));
  CHECK(parse_env_name("A=B", 1)); /* the name of "A=B" */
}

TEST(path_components) {
  size_t len = 0;
  const char *p = "/a/./b";
  CHECK(path_dot_component(p, &len) == p + 3 && len == 1);
  p = "x/..";
  CHECK(path_dot_component(p, &len) == p + 2 && len == 2);
  CHECK(path_dot_component("/a..b/.c/c./...", &len) == NULL);
  CHECK(path_is_inside("/"));
  CHECK(path_is_inside("/work//..data/x."));
  CHECK(!path_is_inside("work"));
  CHECK(!path_is_inside(""));
  CHECK(!path_is_inside("/a/.."));
  CHECK(!path_is_inside("//."));
  CHECK(path_is_plain_relative("ci/jobs"));
  CHECK(path_is_plain_relative("a.b/..c"));
  static const char *const not_plain[] = {"", "/a", "a/", "a//b", ".", "a/./b", "a/.."};
  for (size_t i = 0; i < ARRAY_SIZE(not_plain); i++) CHECK(!path_is_plain_relative(not_plain[i]));
  CHECK_EQ_INT(path_depth("/"), 0);
  CHECK_EQ_INT(path_depth("/a//b/"), 2);
  CHECK_EQ_INT(path_depth("a/b"), 1);
  char *c = path_canonical("//a///b//");
  CHECK_EQ_STR(c, "/a/b");
  free(c);
  c = path_canonical("//");
  CHECK_EQ_STR(c, "/");
  free(c);
}

RUN_TESTS()
