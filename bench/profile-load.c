/* profile-load.c: the cost of loading a stock profile and translating it to config.json.
 *   profile-load [ITERATIONS] [PROFILE]...
 * For each profile: the median and 90th percentile of (load YAML + extends + translate) and of
 * (the same + JSON output), over ITERATIONS runs after a warm-up, in microseconds. */
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int measure(const char *profile, int iters, int with_json, double *median, double *p90) {
  double *t = calloc((size_t)iters, sizeof *t);
  if (!t) return -1;
  for (int i = -iters / 10; i < iters; i++) { /* the first tenth warms up, unrecorded */
    double t0 = now_us();
    sbx_spec *spec = NULL;
    sbx_error *err = NULL;
    if (sbx_spec_load_profile(profile, NULL, &spec, &err) < 0) {
      fprintf(stderr, "profile-load: %s: %s\n", profile, err ? err->message : "failed");
      sbx_error_free(err);
      free(t);
      return -1;
    }
    if (with_json) {
      char *json = sbx_spec_to_json(spec, NULL);
      if (!json) {
        fprintf(stderr, "profile-load: %s: JSON output failed\n", profile);
        sbx_spec_free(spec);
        free(t);
        return -1;
      }
      free(json);
    }
    sbx_spec_free(spec);
    if (i >= 0) t[i] = now_us() - t0;
  }
  qsort(t, (size_t)iters, sizeof *t, cmp_double);
  *median = t[iters / 2];
  *p90 = t[iters * 9 / 10];
  free(t);
  return 0;
}

int main(int argc, char **argv) {
  int iters = argc > 1 ? atoi(argv[1]) : 2000;
  if (iters < 10) iters = 10;
  const char *defaults[] = {"default", "compile", "judge", "test"};
  const char **profiles = argc > 2 ? (const char **)argv + 2 : defaults;
  int n = argc > 2 ? argc - 2 : 4;
  printf("%-10s %14s %14s %18s %18s\n", "profile", "load median", "load p90", "load+json median",
         "load+json p90");
  int bad = 0;
  for (int i = 0; i < n; i++) {
    double m1, p1, m2, p2;
    if (measure(profiles[i], iters, 0, &m1, &p1) < 0 ||
        measure(profiles[i], iters, 1, &m2, &p2) < 0) {
      bad = 1;
      continue;
    }
    printf("%-10s %12.1fus %12.1fus %16.1fus %16.1fus\n", profiles[i], m1, p1, m2, p2);
  }
  printf("(%d iterations each; target: load + translation under 1000 us)\n", iters);
  return bad;
}
