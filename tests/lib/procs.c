/* procs.c: processes and fds as the tests count them (see procs.h). */
#include "procs.h"

#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>

/* Whether the command line of /proc/<pid> (its first 16 KiB, NULs read as spaces) contains
 * `marker`. No allocation: a watcher thread may count many times a second, and under ASan
 * every freed block would sit in the quarantine and swell this process (and the sandbox's init,
 * a fork of it, whose ru_maxrss the memory tests read). */
static bool cmdline_has(const char *pid, const char *marker) {
  char path[300], buf[16384];
  snprintf(path, sizeof path, "/proc/%s/cmdline", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false; /* gone meanwhile */
  size_t len = 0;
  for (;;) {
    ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
  }
  close(fd);
  for (size_t i = 0; i < len; i++)
    if (buf[i] == '\0') buf[i] = ' ';
  buf[len] = '\0';
  return strstr(buf, marker) != NULL;
}

int procs_count_marked(const char *marker) {
  DIR *d = opendir("/proc");
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (isdigit((unsigned char)e->d_name[0]) && cmdline_has(e->d_name, marker)) n++;
  }
  closedir(d);
  return n;
}

int procs_wait_marked(const char *marker, int want, int ms) {
  int n = procs_count_marked(marker);
  for (int i = 0; i < ms / 10 && n != want; i++) {
    usleep(10000);
    n = procs_count_marked(marker);
  }
  return n;
}

bool no_children(void) { return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD; }

char *fds_list(void) {
  char *acc = xstrdup("");
  DIR *d = opendir("/proc/self/fd");
  if (!d) return acc;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d)) continue;
    char path[300], target[512];
    snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    char *next = xasprintf("%s%s:%s\n", acc, e->d_name, target);
    free(acc);
    acc = next;
  }
  closedir(d);
  return acc;
}

char *children_list(void) {
  char *acc = xstrdup("");
  DIR *d = opendir("/proc/self/task");
  if (!d) return acc;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[300];
    snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
    char *text = NULL;
    sbx_error *err = NULL;
    if (read_file_max(path, 1 << 20, &text, NULL, &err) < 0) { /* the thread is gone */
      sbx_error_free(err);
      continue;
    }
    char *next = xasprintf("%s%s", acc, text);
    free(acc);
    free(text);
    acc = next;
  }
  closedir(d);
  return acc;
}

char *children_describe(const char *children) {
  char *acc = xstrdup("");
  _cleanup_free_ char *copy = xstrdup(children);
  char *save = NULL;
  for (char *p = strtok_r(copy, " \n", &save); p; p = strtok_r(NULL, " \n", &save)) {
    char path[64], stat[256] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", atoi(p));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = read(fd, stat, sizeof stat - 1);
      stat[n > 0 ? n : 0] = '\0';
      close(fd);
    }
    char *end = strchr(stat, ')');
    if (end && end[1] && end[2]) end[3] = '\0';
    char *next = xasprintf("%s[%s] ", acc, stat);
    free(acc);
    acc = next;
  }
  return acc;
}

void caller_state_capture(caller_state *st) {
  st->fds = test_own(fds_list());
  st->children = test_own(children_list());
  pthread_sigmask(SIG_SETMASK, NULL, &st->mask);
  /* glibc refuses its internal signals (32, 33) with EINVAL: they read as zero. */
  memset(st->act, 0, sizeof st->act);
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, NULL, &st->act[sig]);
}

static void restore_mask(void *arg) {
  pthread_sigmask(SIG_SETMASK, arg, NULL);
  free(arg);
}

void caller_sigmask(int how, const sigset_t *set) {
  sigset_t *old = xmalloc(sizeof *old);
  pthread_sigmask(SIG_SETMASK, NULL, old);
  test_defer(restore_mask, old);
  int e = pthread_sigmask(how, set, NULL);
  if (e) TEST_FAIL("pthread_sigmask: %s", strerror(e));
}

typedef struct saved_action {
  int sig;
  struct sigaction act;
} saved_action;

static void restore_action(void *arg) {
  saved_action *a = arg;
  int r = sigaction(a->sig, &a->act, NULL);
  int sig = a->sig;
  free(a);
  if (r < 0) TEST_FAIL("restoring the action of signal %d: %s", sig, strerror(errno));
}

void caller_sigaction(int sig, const struct sigaction *act) {
  saved_action *old = xcalloc(1, sizeof *old);
  old->sig = sig;
  if (sigaction(sig, NULL, &old->act) < 0) {
    free(old);
    TEST_FAIL("sigaction %d: %s", sig, strerror(errno));
  }
  test_defer(restore_action, old);
  if (sigaction(sig, act, NULL) < 0) TEST_FAIL("sigaction %d: %s", sig, strerror(errno));
}

void caller_state_check_same(const caller_state *before, const caller_state *after) {
  CHECK_EQ_STR(after->fds, before->fds);
  CHECK_NO_CHILDREN(before->children);
  CHECK_NO_CHILDREN(after->children);
  /* No zombie either: the caller has no child at all. */
  CHECK(no_children());
  for (int sig = 1; sig < NSIG; sig++) {
    if (sigismember(&before->mask, sig) != sigismember(&after->mask, sig))
      TEST_FAIL("signal %d's blocked state changed", sig);
    if (before->act[sig].sa_handler != after->act[sig].sa_handler ||
        before->act[sig].sa_flags != after->act[sig].sa_flags)
      TEST_FAIL("signal %d's disposition changed", sig);
  }
}
