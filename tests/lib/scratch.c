/* scratch.c: the current test's scratch directory, and removing a tree (see scratch.h). */
#include "scratch.h"

#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

/* ---- removing a tree ------------------------------------------------------------------------- */

static int remove_at(int dirfd, const char *name, const char *path, sbx_error **err);

/* Removes every entry of the open directory fd (which it closes); `path` is its name. */
static int remove_entries(int fd, const char *path, sbx_error **err) {
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return sbx_set_errno(err, "opendir %s", path);
  }
  /* The names first: entries removed while readdir goes on might make it skip others. */
  _cleanup_strv_ char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  errno = 0;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      strv_push(&names, &n, e->d_name);
  if (errno) {
    int saved = errno;
    closedir(d);
    errno = saved;
    return sbx_set_errno(err, "readdir %s", path);
  }
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++) {
    _cleanup_free_ char *child = xasprintf("%s/%s", path, names[i]);
    r = remove_at(dirfd(d), names[i], child, err);
  }
  closedir(d);
  return r;
}

static int remove_at(int dirfd, const char *name, const char *path, sbx_error **err) {
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : sbx_set_errno(err, "stat %s", path);
  if (!S_ISDIR(st.st_mode)) {
    if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
      return sbx_set_errno(err, "unlink %s", path);
    return 0;
  }
  /* Its entries can only go when we may read, write and enter it. */
  if ((st.st_mode & 0700) != 0700 && fchmodat(dirfd, name, (st.st_mode & 07777) | 0700, 0) < 0)
    return sbx_set_errno(err, "chmod u+rwx %s", path);
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return sbx_set_errno(err, "open %s", path);
  if (remove_entries(fd, path, err) < 0) return -1;
  if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return sbx_set_errno(err, "rmdir %s", path);
  return 0;
}

int remove_tree(const char *path, sbx_error **err) { return remove_at(AT_FDCWD, path, path, err); }

/* ---- the scratch directory ------------------------------------------------------------------- */

static char *current_dir; /* the current test's, or NULL before its first use */

static void remove_scratch(void *arg) {
  char *dir = arg;
  if (current_dir == dir) current_dir = NULL;
  sbx_error *err = NULL;
  int r = remove_tree(dir, &err);
  test_own(dir);
  if (r < 0) {
    char *why = test_own(xstrdup(err->message));
    sbx_error_free(err);
    TEST_FAIL("removing the scratch directory: %s", why);
  }
}

const char *scratch_dir(void) {
  if (current_dir) return current_dir;
  const char *base = getenv("TMPDIR");
  char *dir = xasprintf("%s/sbx-scratch.XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(dir)) {
    int e = errno;
    test_own(dir);
    TEST_FAIL("mkdtemp %s: %s", dir, strerror(e));
  }
  test_defer(remove_scratch, dir);
  if (chmod(dir, 0755) < 0) TEST_FAIL("chmod 0755 %s: %s", dir, strerror(errno));
  current_dir = dir;
  return dir;
}

char *scratch_path(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *name = xvasprintf(fmt, ap);
  va_end(ap);
  return test_own(xasprintf("%s/%s", scratch_dir(), name));
}

char *scratch_mkdir(const char *name, mode_t mode) {
  char *path = scratch_path("%s", name);
  /* The parents below the scratch directory, then the directory itself. */
  size_t skip = strlen(scratch_dir()) + 1;
  for (char *p = path + skip; (p = strchr(p, '/')); p++) {
    *p = '\0';
    int r = mkdir(path, 0755);
    int e = errno;
    *p = '/';
    if (r < 0 && e != EEXIST) TEST_FAIL("mkdir %s: %s", path, strerror(e));
  }
  if (mkdir(path, mode) < 0) TEST_FAIL("mkdir %s: %s", path, strerror(errno));
  if (chmod(path, mode) < 0) TEST_FAIL("chmod %s: %s", path, strerror(errno));
  return path;
}

char *scratch_write_data(const char *name, const void *data, size_t len, mode_t mode) {
  char *path = scratch_path("%s", name);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) TEST_FAIL("create %s: %s", path, strerror(errno));
  const char *p = data;
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(fd, p + done, len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = w < 0 ? errno : EIO;
      close(fd);
      TEST_FAIL("write %s: %s", path, strerror(e));
    }
    done += (size_t)w;
  }
  if (fchmod(fd, mode) < 0) {
    int e = errno;
    close(fd);
    TEST_FAIL("chmod %s: %s", path, strerror(e));
  }
  if (close(fd) < 0) TEST_FAIL("close %s: %s", path, strerror(errno));
  return path;
}

char *scratch_write(const char *name, const char *text, mode_t mode) {
  return scratch_write_data(name, text, strlen(text), mode);
}

char *scratch_copy(const char *name, const char *src, mode_t mode) {
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  sbx_error *err = NULL;
  if (read_file_max(src, 64 << 20, &data, &len, &err) < 0) {
    char *why = test_own(xstrdup(err->message));
    sbx_error_free(err);
    TEST_FAIL("copying %s: %s", src, why);
  }
  return scratch_write_data(name, data, len, mode);
}
