/* parse.c: the text of values, for both front-ends (parse.h). */
#include "parse.h"

#include "util.h"

#include <strings.h>

int parse_decimal(const char *s, uint64_t *out) {
  if (!*s) return PARSE_JUNK;
  uint64_t v = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9') return PARSE_JUNK;
    if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) return PARSE_RANGE;
    v = v * 10 + (uint64_t)(*p - '0');
  }
  *out = v;
  return PARSE_OK;
}

/* A number "DIGITS[.DIGITS]" at the start of a text: the whole part (saturated, with `overflow`
 * set), and the fraction as `frac` / `scale` with at most nine digits kept. */
typedef struct number {
  uint64_t whole;
  bool overflow;
  bool has_frac;
  uint64_t frac, scale;
} number;

/* The end of the number at the start of s, or NULL when s does not start with one. */
static const char *scan_number(const char *s, number *n) {
  *n = (number){.scale = 1};
  const char *p = s;
  if (*p < '0' || *p > '9') return NULL;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (n->whole > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
      n->overflow = true;
    else
      n->whole = n->whole * 10 + (uint64_t)(*p - '0');
  }
  if (*p != '.') return p;
  p++;
  if (*p < '0' || *p > '9') return NULL;
  n->has_frac = true;
  for (; *p >= '0' && *p <= '9'; p++)
    if (n->scale < 1000000000ull) {
      n->frac = n->frac * 10 + (uint64_t)(*p - '0');
      n->scale *= 10;
    }
  return p;
}

int parse_nano(const char *s, uint64_t *out) {
  number n;
  const char *end = scan_number(s, &n);
  if (!end || *end) return PARSE_JUNK;
  if (n.overflow || n.whole > 1000000000ull) return PARSE_RANGE;
  *out = n.whole * 1000000000ull + n.frac * (1000000000ull / n.scale);
  return PARSE_OK;
}

typedef struct unit {
  const char *name;
  uint64_t mult;
} unit;

static const unit profile_size_units[] = {
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

static const unit option_size_units[] = {
    {"", 1},
    {"k", 1ull << 10},
    {"m", 1ull << 20},
    {"g", 1ull << 30},
};

static const unit duration_units[] = {
    {"", 1000000ull},   {"us", 1ull},         {"ms", 1000ull},      {"s", 1000000ull},
    {"m", 60000000ull}, {"min", 60000000ull}, {"h", 3600000000ull}, {"d", 86400000000ull},
};

/* "NUMBER UNIT" (no space) into whole units of 1, at most PARSE_MAX. */
static int parse_number_unit(const char *s, const unit *units, size_t n_units, bool fold_case,
                             bool fraction_needs_unit, bool fraction_allowed, uint64_t *out) {
  if (*s == '-') return PARSE_NEGATIVE;
  number n;
  const char *p = scan_number(s, &n);
  if (!p) return PARSE_JUNK;
  const unit *u = NULL;
  for (size_t i = 0; i < n_units && !u; i++)
    if (fold_case ? strcasecmp(units[i].name, p) == 0 : strcmp(units[i].name, p) == 0)
      u = &units[i];
  if (!u) return PARSE_JUNK;
  if (n.has_frac && (!fraction_allowed || (fraction_needs_unit && !*p))) return PARSE_JUNK;
  if (n.overflow || n.whole > UINT64_MAX / u->mult) return PARSE_RANGE;
  uint64_t v = n.whole * u->mult;
  /* frac / scale * mult without overflow: frac < 1e9 and mult < 2^57. */
  unsigned __int128 f = (unsigned __int128)n.frac * u->mult / n.scale;
  if (f > UINT64_MAX - v) return PARSE_RANGE;
  v += (uint64_t)f;
  if (v > PARSE_MAX) return PARSE_RANGE;
  *out = v;
  return PARSE_OK;
}

int parse_size(const char *s, parse_size_units units, uint64_t *out) {
  if (units == PARSE_SIZE_OPTION)
    return parse_number_unit(s, option_size_units, ARRAY_SIZE(option_size_units), true, false,
                             false, out);
  return parse_number_unit(s, profile_size_units, ARRAY_SIZE(profile_size_units), true, true, true,
                           out);
}

int parse_duration(const char *s, uint64_t *out) {
  return parse_number_unit(s, duration_units, ARRAY_SIZE(duration_units), false, false, true, out);
}

int parse_octal(const char *s, uint32_t max, uint32_t *out) {
  if (!*s) return PARSE_JUNK;
  uint64_t v = 0;
  bool range = false;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '7') return PARSE_JUNK;
    if (!range) v = v * 8 + (uint64_t)(*p - '0');
    if (v > max) range = true;
  }
  if (range) return PARSE_RANGE;
  *out = (uint32_t)v;
  return PARSE_OK;
}

bool parse_env_name(const char *s, size_t len) {
  if (len == 0 || (s[0] >= '0' && s[0] <= '9')) return false;
  for (size_t i = 0; i < len; i++)
    if (s[i] == '=' || s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) return false;
  return true;
}

/* ---- path components ---------------------------------------------------------------------- */

const char *path_dot_component(const char *p, size_t *len) {
  for (const char *c = p; *c;) {
    while (*c == '/') c++;
    size_t n = strcspn(c, "/");
    if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
      *len = n;
      return c;
    }
    c += n;
  }
  return NULL;
}

bool path_is_inside(const char *p) {
  size_t len;
  return p[0] == '/' && !path_dot_component(p, &len);
}

bool path_is_plain_relative(const char *p) {
  size_t len;
  if (!*p || p[0] == '/' || p[strlen(p) - 1] == '/' || strstr(p, "//")) return false;
  return !path_dot_component(p, &len);
}

unsigned path_depth(const char *p) {
  unsigned d = 0;
  for (; *p; p++)
    if (*p == '/' && p[1] && p[1] != '/') d++;
  return d;
}

char *path_canonical(const char *p) {
  char *c = xstrdup(p), *o = c;
  for (const char *i = p; *i; i++)
    if (*i != '/' || o == c || o[-1] != '/') *o++ = *i;
  if (o > c + 1 && o[-1] == '/') o--;
  *o = '\0';
  return c;
}
