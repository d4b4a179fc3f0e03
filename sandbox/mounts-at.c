/* mounts-at.c: resolving mount targets beneath the new root's fd, and mounting through fds.
 *
 * Why the kernel's resolution and not a check: init builds the root before the job runs, but a
 * bind of a directory that another run's job can write (a shared working directory) lets that
 * job swap a path component between a directory and a symlink while init works (renameat2
 * RENAME_EXCHANGE). A walk that checks (lstat, realpath) and then uses the path (mkdir, mount)
 * can be led out of the new root onto the host between the two. Here every path is resolved by
 * openat2 from the root's O_PATH fd with
 *   RESOLVE_BENEATH        any step out of the root (an absolute symlink, ".." above it, or a
 *                          relative symlink that climbs out) fails with EXDEV, checked by the
 *                          kernel during the lookup itself (it answers EAGAIN, retried, when a
 *                          rename elsewhere could have moved a ".." it walked);
 *   RESOLVE_NO_MAGICLINKS  no /proc/PID/fd-style link, which would jump anywhere.
 * Symlinks that stay beneath the root are followed, as before: the links the spec recreates
 * (/bin -> usr/bin) and those of a root directory. A swapped component is therefore either a
 * directory beneath the root or refused; whatever fd we get is of a file beneath it.
 *
 * What is missing is created relative to the fd of its parent (mkdirat, openat with O_CREAT |
 * O_EXCL | O_NOFOLLOW, neither of which follows a symlink at the name), and the path is then
 * resolved again from the root: the fd used in the end always comes from a resolution beneath
 * the root. A parent fd whose directory is renamed away afterwards can only have been moved,
 * by the hostile job, to a place in that job's own binds (rename never crosses a mount), so
 * what init creates there is no more than that job could create itself; and a mount made
 * there is in init's mount namespace, never the host's. */
#include "mounts.h"

#include "spec.h"
#include "util.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* openat2 has no glibc wrapper. Bounded retries on EAGAIN: a hostile job renaming things in a
 * loop must not keep init here for ever (it then fails with EAGAIN, and the run with it). */
static int open_beneath(int root, const char *rel, int oflags) {
  struct open_how how = {
      .flags = (uint64_t)(O_PATH | O_CLOEXEC | oflags),
      .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
  };
  for (int tries = 0;; tries++) {
    long fd = syscall(SYS_openat2, root, *rel ? rel : ".", &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN || tries == 255) return (int)fd;
  }
}

static int fail(const char *verb, const char *target, sbx_error **err) {
  if (errno == EXDEV)
    return sbx_set_error(err, EXDEV, "%s leads outside the sandbox's root through a symlink",
                         target);
  return sbx_set_errno(err, "%s %s", verb, target);
}

#define MAKE_VERB "create the mount point"

/* The relative form of an absolute target, without trailing slashes. */
static char *relative(const char *target) {
  while (*target == '/') target++;
  char *rel = xstrdup(target);
  for (size_t n = strlen(rel); n > 0 && rel[n - 1] == '/'; n--) rel[n - 1] = '\0';
  return rel;
}

/* mkdir -p of the directories of `rel` up to `end` (exclusive, a '/' in rel, or its end): the
 * O_PATH fd of the last. Each component is looked up from the root again (the prefix, beneath
 * the root); a missing one is made in its parent's fd, which is beneath the root. */
static int make_dirs(int root, char *rel, char *end, const char *target, sbx_error **err) {
  int dir = fcntl(root, F_DUPFD_CLOEXEC, 0);
  if (dir < 0) return fail(MAKE_VERB, target, err);
  char *p = rel;
  while (p < end) {
    char *comp_end = strchr(p, '/');
    if (!comp_end || comp_end > end) comp_end = end;
    if (comp_end == p) { /* an empty component ("a//b") */
      p++;
      continue;
    }
    char saved = *comp_end;
    *comp_end = '\0';
    int fd = open_beneath(root, rel, O_DIRECTORY);
    /* Safe: mkdirat makes one name in a directory beneath the root and follows nothing (an
     * existing name, a symlink too, is EEXIST); what it made is then looked up from the root
     * again, beneath it. */
    if (fd < 0 && errno == ENOENT && (mkdirat(dir, p, 0755) == 0 || errno == EEXIST))
      fd = open_beneath(root, rel, O_DIRECTORY);
    *comp_end = saved;
    if (fd < 0) {
      int e = errno;
      close(dir);
      errno = e;
      return fail(MAKE_VERB, target, err);
    }
    close(dir);
    dir = fd;
    p = comp_end + (comp_end < end);
  }
  return dir;
}

int at_open_parent(int root, const char *target, const char **name, sbx_error **err) {
  _cleanup_free_ char *rel = relative(target);
  char *last = strrchr(rel, '/');
  const char *n = last ? last + 1 : rel;
  if (!*n || strcmp(n, ".") == 0 || strcmp(n, "..") == 0) {
    errno = EINVAL;
    return fail(MAKE_VERB, target, err);
  }
  *name = target + (n - rel) + (size_t)(strspn(target, "/"));
  return make_dirs(root, rel, last ? last : rel, target, err);
}

int at_open(int root, const char *target, at_make make, const char *verb, sbx_error **err) {
  _cleanup_free_ char *rel = relative(target);
  int oflags = make == AT_MAKE_DIR ? O_DIRECTORY : 0;
  int fd = open_beneath(root, rel, oflags);
  if (fd >= 0) return fd;
  if (make == AT_MAKE_NONE || errno != ENOENT) return fail(make ? MAKE_VERB : verb, target, err);
  char *last = strrchr(rel, '/');
  _cleanup_close_ int dir = make_dirs(root, rel, last ? last : rel, target, err);
  if (dir < 0) return -1;
  const char *name = last ? last + 1 : rel;
  if (make == AT_MAKE_DIR) {
    /* Safe: one name in a directory beneath the root, no symlink followed (see make_dirs). */
    if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST) return fail(MAKE_VERB, target, err);
  } else {
    /* Safe: O_EXCL | O_NOFOLLOW creates a new file at that name or fails, never through a
     * symlink planted there; an existing name is taken as it is, looked up below. */
    int f =
        openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
    if (f < 0 && errno != EEXIST) return fail(MAKE_VERB, target, err);
    if (f >= 0) close(f);
  }
  fd = open_beneath(root, rel, oflags);
  if (fd < 0) return fail(MAKE_VERB, target, err);
  return fd;
}

int at_set_attrs(int fd, unsigned flags, bool recursive, const char *target, sbx_error **err) {
  struct mount_attr a = {0};
  if (flags & SBX_MNT_RO) a.attr_set |= MOUNT_ATTR_RDONLY;
  if (flags & SBX_MNT_NOSUID) a.attr_set |= MOUNT_ATTR_NOSUID;
  if (flags & SBX_MNT_NODEV) a.attr_set |= MOUNT_ATTR_NODEV;
  if (flags & SBX_MNT_NOEXEC) a.attr_set |= MOUNT_ATTR_NOEXEC;
  if (!a.attr_set) return 0;
  /* On the mount the fd is the root of: no path is looked up. */
  if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof a) < 0)
    return sbx_set_errno(err, "set the attributes%s%s%s%s of %s (mount_setattr)",
                         flags & SBX_MNT_RO ? " ro" : "", flags & SBX_MNT_NOSUID ? " nosuid" : "",
                         flags & SBX_MNT_NODEV ? " nodev" : "",
                         flags & SBX_MNT_NOEXEC ? " noexec" : "", target);
  return 0;
}

int at_new_fs(const char *fstype, const char *opts, unsigned attrs, const char *what,
              const char *target, sbx_error **err) {
  _cleanup_close_ int fs = fsopen(fstype, FSOPEN_CLOEXEC);
  if (fs < 0) return sbx_set_errno(err, "mount %s on %s", what, target);
  /* The source field of /proc/self/mountinfo says the type, as mount(2) with it would. */
  if (fsconfig(fs, FSCONFIG_SET_STRING, "source", fstype, 0) < 0)
    return sbx_set_errno(err, "mount %s on %s (source)", what, target);
  _cleanup_free_ char *copy = opts ? xstrdup(opts) : NULL;
  char *save = NULL;
  for (char *o = copy ? strtok_r(copy, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(o, '=');
    if (eq) *eq = '\0';
    if (fsconfig(fs, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, o, eq ? eq + 1 : NULL, 0) < 0) {
      if (eq) *eq = '=';
      return sbx_set_errno(err, "mount %s on %s (option %s)", what, target, o);
    }
  }
  if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return sbx_set_errno(err, "mount %s on %s", what, target);
  int mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
  if (mnt < 0) return sbx_set_errno(err, "mount %s on %s", what, target);
  return mnt;
}

int at_attach(int tree, int target_fd, const char *what, const char *target, sbx_error **err) {
  /* Fd to fd: the target is the file or directory resolved beneath the root, whatever its
   * path has become since. */
  if (move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return sbx_set_errno(err, "%s on %s", what, target);
  return 0;
}
