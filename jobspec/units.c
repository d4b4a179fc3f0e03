/* units.c: sizes, durations and modes as a profile writes them: the grammars of sandbox/parse.c
 * (docs/profile.md, "Units"), the word `unlimited`, and the messages that say what was expected.
 *
 * A number is decimal digits with an optional fraction ("1.5"); the fraction is exact to nine
 * digits and the result is rounded down. Values are at most 2^63 - 1 (INT64_MAX), what the OCI
 * spec's signed integers hold. Sizes use binary multiples (K = 1024) whatever the spelling:
 * "512K", "512k", "512KB", "512KiB" are all 524288 bytes. */
#include "jobspec.h"

#include "parse.h"
#include "util.h"

/* `unlimited` gives SBX_UNSET where it is allowed: 1 when s is the word, 0 when it is not,
 * -1 (with a message) when it is but may not be. */
static int unlimited(const char *s, bool allowed, const char *what, uint64_t *out, char **why) {
  if (strcmp(s, "unlimited") != 0) return 0;
  if (!allowed) {
    *why = xasprintf("this %s cannot be unlimited", what);
    return -1;
  }
  *out = SBX_UNSET;
  return 1;
}

int js_parse_size(const char *s, bool allow_unlimited, uint64_t *out, char **why) {
  int u = unlimited(s, allow_unlimited, "size", out, why);
  if (u) return u < 0 ? -1 : 0;
  int r = parse_size(s, PARSE_SIZE_PROFILE, out);
  if (r == PARSE_OK) return 0;
  if (r == PARSE_RANGE)
    *why = xasprintf("size '%s' is too large: the most is 9223372036854775807 bytes (8E - 1)", s);
  else if (r == PARSE_NEGATIVE)
    *why = xasprintf("bad size '%s': a size cannot be negative", s);
  else
    *why = xasprintf("bad size '%s': expected a number with a unit such as 256M%s", s,
                     allow_unlimited ? ", or unlimited" : "");
  return -1;
}

int js_parse_duration(const char *s, bool allow_unlimited, uint64_t *out, char **why) {
  int u = unlimited(s, allow_unlimited, "duration", out, why);
  if (u) return u < 0 ? -1 : 0;
  int r = parse_duration(s, out);
  if (r == PARSE_OK) return 0;
  if (r == PARSE_RANGE)
    *why = xasprintf(
        "duration '%s' is too long: the most is 9223372036854775807us (about 292000 years)", s);
  else if (r == PARSE_NEGATIVE)
    *why = xasprintf("bad duration '%s': a duration cannot be negative", s);
  else
    *why = xasprintf(
        "bad duration '%s': expected a number with a unit such as 1.5s, 500ms, "
        "100us, 2m or 1h%s",
        s, allow_unlimited ? ", or unlimited" : "");
  return -1;
}

int js_parse_mode(const char *s, uint32_t *out, char **why) {
  const char *digits = s[0] == '0' && (s[1] == 'o' || s[1] == 'O') ? s + 2 : s;
  int r = parse_octal(digits, 07777, out);
  if (r == PARSE_OK) return 0;
  if (r == PARSE_RANGE)
    *why = xasprintf("bad mode '%s': a mode is at most 7777 (octal)", s);
  else
    *why = xasprintf("bad mode '%s': expected an octal number such as 022", s);
  return -1;
}
