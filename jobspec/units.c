/* units.c: human units for sizes (bytes) and durations (microseconds).
 *
 * A number is decimal digits with an optional fraction ("1.5"); the fraction is exact to nine
 * digits and the result is rounded down. Values are at most 2^63 - 1 (INT64_MAX), what the OCI
 * spec's signed integers hold. Sizes use binary multiples (K = 1024) whatever the
 * spelling: "512K", "512k", "512KB", "512KiB" are all 524288 bytes. */
#include "jobspec.h"

#include "util.h"

#include <strings.h>

typedef struct unit {
  const char *name;
  uint64_t mult;
} unit;

static const unit size_units[] = {
    {"", 1},
    {"B", 1},
    {"K", 1ull << 10},
    {"KB", 1ull << 10},
    {"KiB", 1ull << 10},
    {"M", 1ull << 20},
    {"MB", 1ull << 20},
    {"MiB", 1ull << 20},
    {"G", 1ull << 30},
    {"GB", 1ull << 30},
    {"GiB", 1ull << 30},
    {"T", 1ull << 40},
    {"TB", 1ull << 40},
    {"TiB", 1ull << 40},
    {"P", 1ull << 50},
    {"PB", 1ull << 50},
    {"PiB", 1ull << 50},
};

static const unit duration_units[] = {
    {"", 1000000ull},   {"us", 1ull},         {"ms", 1000ull},      {"s", 1000000ull},
    {"m", 60000000ull}, {"min", 60000000ull}, {"h", 3600000000ull}, {"d", 86400000000ull},
};

/* Parses "DIGITS[.DIGITS]UNIT". Returns 0, -1 for junk, -2 for overflow, -3 for negative. */
static int parse_number_unit(const char *s, const unit *units, size_t n_units, bool fold_case,
                             bool fraction_needs_unit, uint64_t *out) {
  const char *p = s;
  while (*p == ' ') p++;
  if (*p == '-') return -3;
  if (*p == '+') p++;
  if (*p < '0' || *p > '9') return -1;
  uint64_t whole = 0;
  bool overflow = false;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (whole > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
      overflow = true;
    else
      whole = whole * 10 + (uint64_t)(*p - '0');
  }
  uint64_t frac = 0, frac_scale = 1;
  bool has_frac = false;
  if (*p == '.') {
    p++;
    if (*p < '0' || *p > '9') return -1;
    has_frac = true;
    for (; *p >= '0' && *p <= '9'; p++) {
      if (frac_scale < 1000000000ull) {
        frac = frac * 10 + (uint64_t)(*p - '0');
        frac_scale *= 10;
      }
    }
  }
  while (*p == ' ') p++;
  const unit *u = NULL;
  for (size_t i = 0; i < n_units; i++)
    if (fold_case ? strcasecmp(units[i].name, p) == 0 : strcmp(units[i].name, p) == 0) {
      u = &units[i];
      break;
    }
  if (!u) return -1;
  if (has_frac && fraction_needs_unit && !*p) return -1;
  if (overflow) return -2;
  if (whole > UINT64_MAX / u->mult) return -2;
  uint64_t v = whole * u->mult;
  /* frac / frac_scale * mult without overflow: frac < 1e9 and mult < 2^57. */
  unsigned __int128 f = (unsigned __int128)frac * u->mult / frac_scale;
  if (f > UINT64_MAX - v) return -2;
  v += (uint64_t)f;
  /* The OCI spec, and the kernel's limits, hold signed 64-bit numbers. */
  if (v > INT64_MAX) return -2;
  *out = v;
  return 0;
}

int js_parse_size(const char *s, bool allow_unlimited, uint64_t *out, char **why) {
  if (strcmp(s, "unlimited") == 0) {
    if (allow_unlimited) {
      *out = SBX_UNSET;
      return 0;
    }
    *why = xstrdup("this size cannot be unlimited");
    return -1;
  }
  int r = parse_number_unit(s, size_units, ARRAY_SIZE(size_units), true, true, out);
  if (r == 0) return 0;
  if (r == -2)
    *why = xasprintf("size '%s' is too large: the most is 9223372036854775807 bytes (8E - 1)", s);
  else if (r == -3)
    *why = xasprintf("bad size '%s': a size cannot be negative", s);
  else
    *why = xasprintf("bad size '%s': expected a number with a unit such as 256M%s", s,
                     allow_unlimited ? ", or unlimited" : "");
  return -1;
}

int js_parse_duration(const char *s, bool allow_unlimited, uint64_t *out, char **why) {
  if (strcmp(s, "unlimited") == 0) {
    if (allow_unlimited) {
      *out = SBX_UNSET;
      return 0;
    }
    *why = xstrdup("this duration cannot be unlimited");
    return -1;
  }
  int r = parse_number_unit(s, duration_units, ARRAY_SIZE(duration_units), false, false, out);
  if (r == 0) return 0;
  if (r == -2)
    *why = xasprintf(
        "duration '%s' is too long: the most is 9223372036854775807us (about 292000 years)", s);
  else if (r == -3)
    *why = xasprintf("bad duration '%s': a duration cannot be negative", s);
  else
    *why = xasprintf(
        "bad duration '%s': expected a number with a unit such as 1.5s, 500ms, "
        "100us, 2m or 1h%s",
        s, allow_unlimited ? ", or unlimited" : "");
  return -1;
}
