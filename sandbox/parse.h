/* parse.h: the leaf rules both front-ends share for the text of a value: the YAML profile loader
 * (jobspec/) and the config.json reader (spec-json-read*.c) parse decimal numbers, sizes,
 * durations, octal modes, environment variable names and path components with these functions
 * and nothing else. The grammars are the documented ones: docs/profile.md ("Units") for
 * profiles, docs/oci.md for the mount options of config.json.
 *
 * Every function is pure: it reports what is wrong with a code and leaves the wording of the
 * message to its caller, which knows where the value was written. */
#ifndef SANDBOX_PARSE_H
#define SANDBOX_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
  PARSE_OK = 0,
  PARSE_JUNK = -1,     /* not in the grammar */
  PARSE_RANGE = -2,    /* in the grammar, but too large */
  PARSE_NEGATIVE = -3, /* a number with a leading '-' (sizes and durations say so) */
};

/* The most a size or a duration holds: a config.json integer is a signed 64-bit number. */
#define PARSE_MAX INT64_MAX

/* Decimal digits and nothing else ("0", "042"); PARSE_RANGE above UINT64_MAX. */
int parse_decimal(const char *s, uint64_t *out);

/* "DIGITS[.DIGITS]" and nothing else (no sign, exponent, hex or decimal comma; the locale plays
 * no part), in billionths: "1.5" is 1500000000. Digits past the ninth decimal are dropped.
 * PARSE_RANGE when the whole part is above 10^9. */
int parse_nano(const char *s, uint64_t *out);

typedef enum parse_size_units {
  /* A profile's sizes: B, K, M, G, T, P, each optionally followed by B or iB, any case; no unit
   * is bytes; a fraction only with a unit ("1.5G"), rounded down to a byte. */
  PARSE_SIZE_PROFILE,
  /* tmpfs's size= option in config.json: a whole number with an optional k, m or g. */
  PARSE_SIZE_OPTION,
} parse_size_units;

/* A size in bytes, at most PARSE_MAX; binary multiples (K = 1024) whatever the spelling. */
int parse_size(const char *s, parse_size_units units, uint64_t *out);

/* A duration in microseconds, at most PARSE_MAX: "DIGITS[.DIGITS]" and one of us, ms, s, m,
 * min, h, d (case-sensitive); no unit is seconds. */
int parse_duration(const char *s, uint64_t *out);

/* Octal digits and nothing else, at most `max` (PARSE_RANGE above it). */
int parse_octal(const char *s, uint32_t max, uint32_t *out);

/* A name an environment variable may have: not empty, not starting with a digit, without '='
 * or white space. `len` bytes of `s` are the name. */
bool parse_env_name(const char *s, size_t len);

/* ---- path components ---------------------------------------------------------------------- */

/* The first "." or ".." component of `p` (between '/'s, or at either end), its length in *len;
 * NULL when there is none. "/a/..b/c." has none. */
const char *path_dot_component(const char *p, size_t *len);

/* An absolute path without "." or ".." components: a path inside the sandbox, which nothing the
 * engine creates or mounts on can climb out of while the new root is assembled. */
bool path_is_inside(const char *p);

/* A relative path of names joined by single '/', none of them "." or "..", without a leading
 * or trailing '/' ("ci/jobs"; not "a/./b", "a//b", "/a", "a/" or ""). */
bool path_is_plain_relative(const char *p);

/* The number of components of `p` ("/" 0, "/a//b/" 2). */
unsigned path_depth(const char *p);

/* `p` with runs of '/' collapsed and no trailing '/' ("/a//b/" -> "/a/b", "//" -> "/"), so that
 * two spellings of one target compare equal. Allocated. */
char *path_canonical(const char *p);

#endif
