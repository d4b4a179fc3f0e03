/* file.c: reading whole files with a size cap (profiles, config.json, cgroupfs and /proc
 * files), with errors that name the file. */
#include "util.h"

#include <fcntl.h>
#include <sys/stat.h>

int read_file_max(const char *path, size_t max, char **out, size_t *len, sbx_error **err) {
  /* O_NONBLOCK: opening a FIFO must not wait for a writer; only regular files are read. */
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return sbx_set_errno(err, "open %s", path);
  struct stat st;
  if (fstat(fd, &st) < 0) return sbx_set_errno(err, "stat %s", path);
  if (S_ISDIR(st.st_mode)) return sbx_set_error(err, EISDIR, "read %s", path);
  if (!S_ISREG(st.st_mode)) return sbx_set_invalid(err, "read %s: not a regular file", path);
  if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
    return sbx_set_error(err, EFBIG, "read %s: file is %lld bytes, larger than the %zu allowed",
                         path, (long long)st.st_size, max);
  size_t cap = 4096, n = 0;
  _cleanup_free_ char *buf = xmalloc(cap);
  for (;;) {
    if (n + 1 >= cap) {
      if (cap > max) break;
      cap *= 2;
      buf = xrealloc(buf, cap);
    }
    ssize_t r = read(fd, buf + n, cap - n - 1);
    if (r < 0) {
      if (errno == EINTR) continue;
      return sbx_set_errno(err, "read %s", path);
    }
    if (r == 0) break;
    n += (size_t)r;
    if (n > max)
      return sbx_set_error(err, EFBIG, "read %s: larger than the %zu bytes allowed", path, max);
  }
  buf[n] = '\0';
  *out = steal_pointer(&buf);
  if (len) *len = n;
  return 0;
}
