/* mounts.c: the new root, built by init in its own mount namespace.
 *
 * The way (bubblewrap's): make / recursively private, mount a scratch tmpfs on the host's /tmp
 * (hidden from the host: it exists only in our mount namespace) and pivot into it, so that the
 * host's root is reachable as /oldroot for the bind sources and the new root is assembled on
 * /newroot; then pivot into /newroot and detach the old root. Nothing is mounted in the host's
 * mount namespace, so nothing can stay behind on the host when the sandbox dies.
 *
 * Mount attributes (ro, nosuid, nodev, noexec) are set with mount_setattr(2) (Linux 5.12), which
 * only adds the flags asked for: a remount would have to repeat the flags the kernel locked on
 * a mount from a more privileged namespace, or fail with EPERM. */
#include "engine.h"

#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define SCRATCH "/tmp"
#define NEWROOT "/newroot"
#define OLDROOT "/oldroot"

static char *in_newroot(const char *target) {
  return xasprintf(NEWROOT "%s", strcmp(target, "/") == 0 ? "" : target);
}

static char *in_oldroot(const char *host) {
  return xasprintf(OLDROOT "%s", strcmp(host, "/") == 0 ? "" : host);
}

/* A path under /newroot must stay there: a symlink (from a root directory or one we recreated)
 * must not lead a mount point onto the old root. */
static int check_inside(const char *path, const char *target, sbx_error **err) {
  char buf[PATH_MAX];
  if (!realpath(path, buf)) return sbx_set_errno(err, "resolve %s in the sandbox", target);
  size_t n = strlen(NEWROOT);
  if (strncmp(buf, NEWROOT, n) != 0 || (buf[n] != '\0' && buf[n] != '/'))
    return sbx_set_error(err, EXDEV, "%s leads outside the sandbox's root through a symlink",
                         target);
  return 0;
}

/* mkdir -p for a path under /newroot; `target` names it in errors. */
static int mkdir_inside(const char *path, const char *target, sbx_error **err) {
  _cleanup_free_ char *p = xstrdup(path);
  size_t start = strlen(NEWROOT);
  for (char *s = p + start;; s++) {
    if (*s != '/' && *s != '\0') continue;
    char saved = *s;
    *s = '\0';
    if (s > p + start && s[-1] != '/') {
      struct stat st;
      if (lstat(p, &st) < 0) {
        if (errno != ENOENT) return sbx_set_errno(err, "create the mount point %s", target);
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
          return sbx_set_errno(err, "create the mount point %s", target);
      } else if (S_ISLNK(st.st_mode)) {
        if (check_inside(p, target, err) < 0) return -1;
      } else if (!S_ISDIR(st.st_mode)) {
        return sbx_set_error(err, ENOTDIR, "create the mount point %s", target);
      }
    }
    if (!saved) break;
    *s = saved;
  }
  return check_inside(path, target, err);
}

static int mkdir_parent_inside(const char *path, const char *target, sbx_error **err) {
  _cleanup_free_ char *parent = xstrdup(path);
  char *slash = strrchr(parent, '/');
  if (slash && slash > parent) *slash = '\0';
  return mkdir_inside(parent, target, err);
}

/* An empty file to bind a file on. */
static int touch_inside(const char *path, const char *target, sbx_error **err) {
  if (mkdir_parent_inside(path, target, err) < 0) return -1;
  struct stat st;
  if (lstat(path, &st) == 0) {
    if (S_ISLNK(st.st_mode)) return check_inside(path, target, err);
    return 0;
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0644);
  if (fd < 0) return sbx_set_errno(err, "create the mount point %s", target);
  close(fd);
  return 0;
}

static int set_attrs(const char *path, unsigned flags, bool recursive, const char *target,
                     sbx_error **err) {
  struct mount_attr a = {0};
  if (flags & SBX_MNT_RO) a.attr_set |= MOUNT_ATTR_RDONLY;
  if (flags & SBX_MNT_NOSUID) a.attr_set |= MOUNT_ATTR_NOSUID;
  if (flags & SBX_MNT_NODEV) a.attr_set |= MOUNT_ATTR_NODEV;
  if (flags & SBX_MNT_NOEXEC) a.attr_set |= MOUNT_ATTR_NOEXEC;
  if (!a.attr_set) return 0;
  if (mount_setattr(AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &a, sizeof a) < 0)
    return sbx_set_errno(err, "set the attributes%s%s%s%s of %s (mount_setattr)",
                         flags & SBX_MNT_RO ? " ro" : "", flags & SBX_MNT_NOSUID ? " nosuid" : "",
                         flags & SBX_MNT_NODEV ? " nodev" : "",
                         flags & SBX_MNT_NOEXEC ? " noexec" : "", target);
  return 0;
}

static int recreate_symlink(const char *src, const char *dst, const sbx_mount *m, sbx_error **err) {
  char link[PATH_MAX];
  ssize_t n = readlink(src, link, sizeof link - 1);
  if (n < 0) return sbx_set_errno(err, "read the symlink %s", m->source);
  link[n] = '\0';
  if (mkdir_parent_inside(dst, m->target, err) < 0) return -1;
  if (symlink(link, dst) == 0) return 0;
  if (errno == EEXIST) {
    char have[PATH_MAX];
    ssize_t h = readlink(dst, have, sizeof have - 1);
    if (h == n && memcmp(have, link, (size_t)n) == 0) return 0;
  }
  return sbx_set_errno(err, "create the symlink %s -> %s", m->target, link);
}

static int mount_bind(const engine_ctx *ctx, size_t i, sbx_error **err) {
  const sbx_mount *m = &ctx->spec->mounts[i];
  _cleanup_free_ char *src = in_oldroot(ctx->sources[i]);
  _cleanup_free_ char *dst = in_newroot(m->target);
  struct stat st;
  if (lstat(src, &st) < 0) {
    if (errno == ENOENT && (m->flags & SBX_MNT_OPTIONAL)) return 0;
    return sbx_set_errno(err, "bind mount %s on %s", m->source, m->target);
  }
  /* A symlink is recreated, not followed: /bin -> usr/bin stays a link to the bound /usr. */
  if (S_ISLNK(st.st_mode)) return recreate_symlink(src, dst, m, err);
  if ((S_ISDIR(st.st_mode) ? mkdir_inside(dst, m->target, err)
                           : touch_inside(dst, m->target, err)) < 0)
    return -1;
  bool rec = m->flags & SBX_MNT_RECURSIVE;
  int tree = ctx->bind_fds ? ctx->bind_fds[i] : -1;
  if (tree >= 0) {
    /* main's idmapped copy of the source (idmount.c): attached here, in our own namespace. */
    int r = move_mount(tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH);
    close(tree);
    if (r < 0) return sbx_set_errno(err, "attach the idmapped bind %s on %s", m->source, m->target);
  } else if (mount(src, dst, NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0) {
    return sbx_set_errno(err, "bind mount %s on %s", m->source, m->target);
  }
  return set_attrs(dst, m->flags, rec, m->target, err);
}

static int mount_tmpfs(const sbx_mount *m, sbx_error **err) {
  _cleanup_free_ char *dst = in_newroot(m->target);
  if (mkdir_inside(dst, m->target, err) < 0) return -1;
  /* size=0 would mean "no limit" to tmpfs: the smallest real size is one page. */
  _cleanup_free_ char *opts =
      m->size == SBX_UNSET
          ? xasprintf("mode=%o", m->mode)
          : xasprintf("mode=%o,size=%llu", m->mode, (unsigned long long)(m->size ? m->size : 1));
  unsigned long ms = MS_NOSUID | MS_NODEV;
  if (m->flags & SBX_MNT_NOEXEC) ms |= MS_NOEXEC;
  if (m->flags & SBX_MNT_RO) ms |= MS_RDONLY;
  if (mount("tmpfs", dst, "tmpfs", ms, opts) < 0)
    return sbx_set_errno(err, "mount a tmpfs on %s", m->target);
  return 0;
}

static int mount_special(const sbx_mount *m, const char *fstype, unsigned long ms, const char *opts,
                         sbx_error **err) {
  _cleanup_free_ char *dst = in_newroot(m->target);
  if (mkdir_inside(dst, m->target, err) < 0) return -1;
  if (m->flags & SBX_MNT_RO) ms |= MS_RDONLY;
  if (mount(fstype, dst, fstype, ms, opts) < 0)
    return sbx_set_errno(err, "mount %s on %s", fstype, m->target);
  return 0;
}

/* Every devpts instance the engine mounts: its own (newinstance), a ptmx any uid of the job can
 * open, and at most 64 ptys (max=64). Without max= a job could take every pty of the host
 * (kernel.pty.max is shared by all devpts instances): other sandboxes, and the host's sshd
 * and terminals, would then fail to open /dev/ptmx with ENOSPC. */
#define DEVPTS_OPTS "newinstance,ptmxmode=0666,mode=0620,max=64"
/* /dev/shm: without size= a tmpfs may take half of the RAM, and a job without a memory cgroup
 * (rootless) would fill the host's memory through it. 64 MiB, what the OCI writer says
 * (size=65536k, noexec) and what Docker gives. */
#define DEV_SHM_OPTS "mode=01777,size=65536k"

/* The minimal /dev: a tmpfs with the harmless devices bound from the host (mknod is not
 * allowed in a user namespace, and binding keeps them working), a private devpts instance,
 * /dev/shm and the stdio links. */
static int mount_dev(const sbx_mount *m, sbx_error **err) {
  static const char *const devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
  static const char *const links[][2] = {
      {"ptmx", "pts/ptmx"},          {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
      {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
  };
  _cleanup_free_ char *dst = in_newroot(m->target);
  if (mkdir_inside(dst, m->target, err) < 0) return -1;
  if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=65536") < 0)
    return sbx_set_errno(err, "mount a tmpfs on %s", m->target);
  for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
    _cleanup_free_ char *src = xasprintf(OLDROOT "/dev/%s", devices[i]);
    _cleanup_free_ char *d = xasprintf("%s/%s", dst, devices[i]);
    int fd = open(d, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
    if (fd < 0) return sbx_set_errno(err, "create %s/%s", m->target, devices[i]);
    close(fd);
    if (mount(src, d, NULL, MS_BIND, NULL) < 0)
      return sbx_set_errno(err, "bind mount /dev/%s on %s/%s", devices[i], m->target, devices[i]);
  }
  _cleanup_free_ char *pts = xasprintf("%s/pts", dst);
  if (mkdir(pts, 0755) < 0) return sbx_set_errno(err, "create %s/pts", m->target);
  if (mount("devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC, DEVPTS_OPTS) < 0)
    return sbx_set_errno(err, "mount devpts on %s/pts", m->target);
  _cleanup_free_ char *shm = xasprintf("%s/shm", dst);
  if (mkdir(shm, 01777) < 0) return sbx_set_errno(err, "create %s/shm", m->target);
  if (mount("tmpfs", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, DEV_SHM_OPTS) < 0)
    return sbx_set_errno(err, "mount a tmpfs on %s/shm", m->target);
  for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
    _cleanup_free_ char *l = xasprintf("%s/%s", dst, links[i][0]);
    if (symlink(links[i][1], l) < 0)
      return sbx_set_errno(err, "create the symlink %s/%s", m->target, links[i][0]);
  }
  return 0;
}

static int mount_one(const engine_ctx *ctx, size_t i, sbx_error **err) {
  const sbx_mount *m = &ctx->spec->mounts[i];
  switch (m->type) {
  case SBX_MOUNT_BIND: return mount_bind(ctx, i, err);
  case SBX_MOUNT_TMPFS: return mount_tmpfs(m, err);
  case SBX_MOUNT_PROC:
    if (mount_special(m, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0) {
      if (!(ctx->spec->namespaces & SBX_NS_PID) && (*err)->code == EPERM)
        sbx_error_prefix(err, "a fresh /proc needs the pid namespace");
      return -1;
    }
    return 0;
  case SBX_MOUNT_DEV: return mount_dev(m, err);
  case SBX_MOUNT_DEVPTS: return mount_special(m, "devpts", MS_NOSUID | MS_NOEXEC, DEVPTS_OPTS, err);
  case SBX_MOUNT_MQUEUE:
    return mount_special(m, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err);
  case SBX_MOUNT_SYSFS:
    return mount_special(m, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL, err);
  }
  return sbx_set_error(err, EINVAL, "mount on %s: unknown mount type %d", m->target, m->type);
}

/* Masked paths: /dev/null over a file, an empty read-only tmpfs over a directory. */
static int mask_path(const char *path, sbx_error **err) {
  _cleanup_free_ char *dst = in_newroot(path);
  struct stat st;
  if (lstat(dst, &st) < 0) {
    if (errno == ENOENT) return 0;
    return sbx_set_errno(err, "mask %s", path);
  }
  if (S_ISLNK(st.st_mode) && check_inside(dst, path, err) < 0) return -1;
  if (stat(dst, &st) < 0) return errno == ENOENT ? 0 : sbx_set_errno(err, "mask %s", path);
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", dst, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555") < 0)
      return sbx_set_errno(err, "mask %s (tmpfs)", path);
    return 0;
  }
  if (mount(OLDROOT "/dev/null", dst, NULL, MS_BIND, NULL) < 0)
    return sbx_set_errno(err, "mask %s (bind /dev/null)", path);
  return set_attrs(dst, SBX_MNT_RO | SBX_MNT_NOSUID | SBX_MNT_NOEXEC, false, path, err);
}

static int readonly_path(const char *path, sbx_error **err) {
  _cleanup_free_ char *dst = in_newroot(path);
  struct stat st;
  if (lstat(dst, &st) < 0) {
    if (errno == ENOENT) return 0;
    return sbx_set_errno(err, "make %s read-only", path);
  }
  if (check_inside(dst, path, err) < 0) return -1;
  if (mount(dst, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
    return sbx_set_errno(err, "make %s read-only (bind)", path);
  return set_attrs(dst, SBX_MNT_RO, true, path, err);
}

static int pivot_root(const char *new_root, const char *put_old) {
  return (int)syscall(SYS_pivot_root, new_root, put_old);
}

/* Step 1: a scratch tmpfs as root, the host's root at /oldroot. */
static int enter_scratch(sbx_error **err) {
  /* Nothing we mount may propagate back to the host's mount namespace. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return sbx_set_errno(err, "make / private in the new mount namespace");
  if (mount("tmpfs", SCRATCH, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=65536") < 0)
    return sbx_set_errno(err, "mount the scratch tmpfs on " SCRATCH);
  if (mkdir(SCRATCH NEWROOT, 0755) < 0 || mkdir(SCRATCH OLDROOT, 0755) < 0)
    return sbx_set_errno(err, "create directories in the scratch tmpfs");
  if (pivot_root(SCRATCH, SCRATCH OLDROOT) < 0)
    return sbx_set_errno(err, "pivot_root into the scratch tmpfs");
  if (chdir("/") < 0) return sbx_set_errno(err, "chdir / in the scratch tmpfs");
  return 0;
}

/* Last step: /newroot becomes /, the old root and the scratch tmpfs are detached. */
static int enter_newroot(sbx_error **err) {
  if (umount2(OLDROOT, MNT_DETACH) < 0) return sbx_set_errno(err, "detach the old root");
  _cleanup_close_ int scratch = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (scratch < 0) return sbx_set_errno(err, "open the scratch root");
  if (chdir(NEWROOT) < 0) return sbx_set_errno(err, "chdir " NEWROOT);
  if (pivot_root(".", ".") < 0) return sbx_set_errno(err, "pivot_root into the new root");
  /* The scratch root is now stacked under the new one: detach it through its fd. */
  if (fchdir(scratch) < 0) return sbx_set_errno(err, "fchdir to the scratch root");
  if (umount2(".", MNT_DETACH) < 0) return sbx_set_errno(err, "detach the scratch root");
  if (chdir("/") < 0) return sbx_set_errno(err, "chdir / in the new root");
  return 0;
}

int mounts_setup_root(const engine_ctx *ctx, sbx_error **err) {
  const sbx_spec *spec = ctx->spec;
  if (enter_scratch(err) < 0) return sbx_error_prefix(err, "assembling the root");
  if (ctx->root_path) {
    _cleanup_free_ char *src = in_oldroot(ctx->root_path);
    if (mount(src, NEWROOT, NULL, MS_BIND | MS_REC, NULL) < 0)
      return sbx_set_errno(err, "bind mount the root %s", ctx->root_path);
  } else if (mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1048576") < 0) {
    return sbx_set_errno(err, "mount the root tmpfs");
  }
  if (etc_write(&ctx->etc, AT_FDCWD, NEWROOT, err) < 0) return -1;
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (mount_one(ctx, i, err) < 0) return -1;
  for (size_t i = 0; i < spec->n_masked_paths; i++)
    if (mask_path(spec->masked_paths[i], err) < 0) return -1;
  for (size_t i = 0; i < spec->n_readonly_paths; i++)
    if (readonly_path(spec->readonly_paths[i], err) < 0) return -1;
  /* A fresh root holds only mount points and links: read-only. A root directory as asked. */
  if ((!ctx->root_path || spec->root.readonly) &&
      set_attrs(NEWROOT, SBX_MNT_RO, false, "/", err) < 0)
    return -1;
  if (enter_newroot(err) < 0) return sbx_error_prefix(err, "assembling the root");
  return 0;
}
