/* host.c: facts about the machine, and the per-test mount-table check (see host.h). */
#include "host.h"

#include "util.h"

#include <sched.h>
#include <sys/wait.h>
#include <time.h>

bool userns_available(void) {
  static int ok = -1;
  if (ok < 0) {
    pid_t p = fork();
    if (p == 0) _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
    int st = 1;
    while (p > 0 && waitpid(p, &st, 0) < 0 && errno == EINTR) {
    }
    ok = p > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }
  return ok;
}

double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool wait_for_file(const char *path, double seconds) {
  for (int i = 0; i < (int)(seconds * 100); i++) {
    if (access(path, F_OK) == 0) return true;
    usleep(10000);
  }
  return access(path, F_OK) == 0;
}

/* ---- the mount table ------------------------------------------------------------------------- */

static int strcmp_p(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char *host_mounts(void) {
  _cleanup_free_ char *text = NULL;
  sbx_error *err = NULL;
  if (read_file_max("/proc/self/mountinfo", 16 << 20, &text, NULL, &err) < 0) {
    char *m = xstrdup(err->message);
    sbx_error_free(err);
    return m;
  }
  _cleanup_strv_ char **lines = NULL;
  size_t n = 0;
  char *save = NULL;
  for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    /* id parent major:minor root mountpoint options [optional...] - fstype source superopts */
    char mp[1024], type[64], source[1024];
    const char *dash = strstr(l, " - ");
    if (!dash || sscanf(l, "%*s %*s %*s %*s %1023s", mp) != 1 ||
        sscanf(dash + 3, "%63s %1023s", type, source) != 2)
      continue;
    _cleanup_free_ char *line = xasprintf("%s %s %s", mp, type, source);
    strv_push(&lines, &n, line);
  }
  if (n) qsort(lines, n, sizeof *lines, strcmp_p);
  size_t len = 0;
  for (size_t i = 0; i < n; i++) len += strlen(lines[i]) + 1;
  char *acc = xcalloc(1, len + 1), *w = acc;
  for (size_t i = 0; i < n; i++) w = stpcpy(stpcpy(w, lines[i]), "\n");
  return acc;
}

/* "+ line" for each line of `after` missing from `before`, "- line" for the reverse (both
 * sorted, as host_mounts writes them). */
static char *line_diff(const char *before, const char *after) {
  char *acc = xstrdup("");
  const char *b = before, *a = after;
  while (*b || *a) {
    size_t lb = strcspn(b, "\n"), la = strcspn(a, "\n");
    int c = !*b ? 1 : !*a ? -1 : strncmp(b, a, lb < la ? lb + 1 : la + 1);
    const char *line = c < 0 ? b : a;
    size_t len = c < 0 ? lb : la;
    if (c != 0) {
      char *next =
          xasprintf("%s%s%c %.*s", acc, *acc ? "; " : "", c < 0 ? '-' : '+', (int)len, line);
      free(acc);
      acc = next;
    }
    if (c <= 0) b += lb + (b[lb] == '\n');
    if (c >= 0) a += la + (a[la] == '\n');
  }
  return acc;
}

static char *mounts_at_start; /* of the running test */

static void snapshot_mounts(void) {
  free(mounts_at_start);
  mounts_at_start = host_mounts();
}

static void compare_mounts(void) {
  char *now = test_own(host_mounts());
  if (strcmp(now, mounts_at_start) != 0)
    TEST_FAIL("the host's mount table changed during the test: %s",
              (char *)test_own(line_diff(mounts_at_start, now)));
}

static void free_snapshot(void) {
  free(mounts_at_start);
  mounts_at_start = NULL;
}

void host_mounts_check_each_test(void) {
  static bool on;
  if (on) return;
  on = true;
  tests_each(snapshot_mounts, compare_mounts);
  atexit(free_snapshot);
}
