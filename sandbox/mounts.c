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
 * a mount from a more privileged namespace, or fail with EPERM.
 *
 * Nothing in the new root is reached by a path walk that another process could redirect: the
 * new root is held by an O_PATH fd, every target is resolved beneath it by the kernel
 * (openat2 RESOLVE_BENEATH, mounts-at.c explains why that is safe against a job of another run
 * that swaps a directory of a shared bind for a symlink), missing mount points are made
 * relative to their parent's fd, and every mount is made detached (open_tree, fsopen/fsmount),
 * given its attributes, and moved onto the target's fd (move_mount). A bind's source (the
 * caller's choice, a host path under /oldroot) is opened once and used through that fd. */
#include "mounts.h"
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

static char *in_oldroot(const char *host) {
  return xasprintf(OLDROOT "%s", strcmp(host, "/") == 0 ? "" : host);
}

/* A symlink source is recreated in the new root, not followed: /bin -> usr/bin stays a link
 * to the bound /usr. `src` is the O_PATH fd of the link itself. */
static int recreate_symlink(int root, int src, const sbx_mount *m, sbx_error **err) {
  char link[PATH_MAX];
  ssize_t n = readlinkat(src, "", link, sizeof link - 1);
  if (n < 0) return sbx_set_errno(err, "read the symlink %s", m->source);
  link[n] = '\0';
  const char *name;
  _cleanup_close_ int dir = at_open_parent(root, m->target, &name, err);
  if (dir < 0) return -1;
  /* Safe: one name in a directory beneath the root; symlinkat never follows the name. */
  if (symlinkat(link, dir, name) == 0) return 0;
  if (errno == EEXIST) {
    char have[PATH_MAX];
    ssize_t h = readlinkat(dir, name, have, sizeof have - 1);
    if (h == n && memcmp(have, link, (size_t)n) == 0) return 0;
    errno = EEXIST;
  }
  return sbx_set_errno(err, "create the symlink %s -> %s", m->target, link);
}

/* A detached tree (a clone of the source, or the idmapped one main made) given its attributes
 * and attached on the resolved target. Setting the attributes before attaching means the tree
 * is never visible in the root without them. */
static int attach_bind(int root, int tree, bool is_dir, const sbx_mount *m, sbx_error **err) {
  bool rec = m->flags & SBX_MNT_RECURSIVE;
  if (at_set_attrs(tree, m->flags, rec, m->target, err) < 0) return -1;
  _cleanup_close_ int target =
      at_open(root, m->target, is_dir ? AT_MAKE_DIR : AT_MAKE_FILE, NULL, err);
  if (target < 0) return -1;
  _cleanup_free_ char *what = xasprintf("bind mount %s", m->source);
  return at_attach(tree, target, what, m->target, err);
}

/* The fd main made for mount i (idmapped, detached), or -1: ctx->bind_fds[i] when given. */
static int take_bind_fd(const engine_ctx *ctx, size_t i) {
  if (!ctx->bind_fds || ctx->bind_fds[i] < 0) return -1;
  int fd = ctx->bind_fds[i];
  ctx->bind_fds[i] = -1; /* ours now: closed once attached (or on failure) */
  return fd;
}

static int mount_bind(const engine_ctx *ctx, int root, size_t i, sbx_error **err) {
  const sbx_mount *m = &ctx->spec->mounts[i];
  struct stat st;
  _cleanup_close_ int given = take_bind_fd(ctx, i);
  if (given >= 0) {
    if (fstatat(given, "", &st, AT_EMPTY_PATH) < 0)
      return sbx_set_errno(err, "bind mount %s on %s (the idmapped tree)", m->source, m->target);
    return attach_bind(root, given, S_ISDIR(st.st_mode), m, err);
  }
  /* The source is the caller's choice (a host path, its directories resolved by main): opened
   * once, the last component not followed, and used only through this fd from here on. */
  _cleanup_free_ char *path = in_oldroot(ctx->sources[i]);
  _cleanup_close_ int src = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (src < 0 || fstatat(src, "", &st, AT_EMPTY_PATH) < 0) {
    if (errno == ENOENT && (m->flags & SBX_MNT_OPTIONAL)) return 0;
    return sbx_set_errno(err, "bind mount %s on %s", m->source, m->target);
  }
  if (S_ISLNK(st.st_mode)) return recreate_symlink(root, src, m, err);
  bool rec = m->flags & SBX_MNT_RECURSIVE;
  /* A detached copy of the source's mount (and its submounts when recursive), in our own mount
   * namespace whose mounts are all private: nothing propagates to the host. */
  _cleanup_close_ int tree = (int)open_tree(
      src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0));
  if (tree < 0) return sbx_set_errno(err, "bind mount %s on %s", m->source, m->target);
  return attach_bind(root, tree, S_ISDIR(st.st_mode), m, err);
}

/* A fresh filesystem (fsopen .. fsmount) attached on the directory `dst` (an fd), `target` in
 * errors. Returns the fd of its root (for /dev to fill it), or -1. */
static int mount_fs_on(int dst, const char *fstype, const char *opts, unsigned attrs,
                       const char *what, const char *target, sbx_error **err) {
  _cleanup_close_ int mnt = at_new_fs(fstype, opts, attrs, what, target, err);
  if (mnt < 0) return -1;
  _cleanup_free_ char *verb = xasprintf("mount %s", what);
  if (at_attach(mnt, dst, verb, target, err) < 0) return -1;
  return steal_fd(&mnt);
}

/* mount_fs_on the directory `target` beneath the root, made if missing. */
static int mount_fs(int root, const char *target, const char *fstype, const char *opts,
                    unsigned attrs, const char *what, sbx_error **err) {
  _cleanup_close_ int dst = at_open(root, target, AT_MAKE_DIR, NULL, err);
  if (dst < 0) return -1;
  return mount_fs_on(dst, fstype, opts, attrs, what, target, err);
}

/* mount_fs for a mount of the spec: the fd is not needed. */
static int mount_fs_at(int root, const sbx_mount *m, const char *fstype, const char *opts,
                       unsigned attrs, const char *what, sbx_error **err) {
  if (m->flags & SBX_MNT_RO) attrs |= MOUNT_ATTR_RDONLY;
  int fd = mount_fs(root, m->target, fstype, opts, attrs, what, err);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

static int mount_tmpfs(int root, const sbx_mount *m, sbx_error **err) {
  /* size=0 would mean "no limit" to tmpfs: the smallest real size is one page. */
  _cleanup_free_ char *opts =
      m->size == SBX_UNSET
          ? xasprintf("mode=%o", m->mode)
          : xasprintf("mode=%o,size=%llu", m->mode, (unsigned long long)(m->size ? m->size : 1));
  unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (m->flags & SBX_MNT_NOEXEC) attrs |= MOUNT_ATTR_NOEXEC;
  return mount_fs_at(root, m, "tmpfs", opts, attrs, "a tmpfs", err);
}

/* Every devpts instance the engine mounts: its own (newinstance), a ptmx any uid of the job can
 * open, and at most 64 ptys (max=64). Without max= a job could take every pty of the host
 * (kernel.pty.max is shared by all devpts instances): other sandboxes, and the host's sshd
 * and terminals, would then fail to open /dev/ptmx with ENOSPC. */
#define DEVPTS_OPTS "newinstance,ptmxmode=0666,mode=0620,max=64"
/* /dev/shm: without size= a tmpfs may take half of the RAM, and a job without a memory cgroup
 * (rootless) would fill the host's memory through it. 64 MiB, what the OCI writer says
 * (size=65536k, noexec) and what Docker gives. */
#define DEV_SHM_OPTS        "mode=01777,size=65536k"
#define NOSUID_NOEXEC       (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC)
#define NOSUID_NODEV_NOEXEC (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

/* A host device bound on a new empty file `name` of the fresh /dev (`dev`, its tmpfs's root:
 * nothing but init can reach it yet). */
static int bind_device(int dev, const char *name, const char *target, sbx_error **err) {
  _cleanup_close_ int dst =
      openat(dev, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0666);
  if (dst < 0) return sbx_set_errno(err, "create %s/%s", target, name);
  _cleanup_free_ char *src = xasprintf(OLDROOT "/dev/%s", name);
  _cleanup_close_ int tree = (int)open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0) return sbx_set_errno(err, "bind mount /dev/%s on %s/%s", name, target, name);
  _cleanup_free_ char *verb = xasprintf("bind mount /dev/%s", name);
  _cleanup_free_ char *where = xasprintf("%s/%s", target, name);
  return at_attach(tree, dst, verb, where, err);
}

/* A directory `name` of the fresh /dev (`dev`) with a fresh `fstype` on it. In the tmpfs that
 * only init can reach yet, by fd: mkdirat and openat O_NOFOLLOW follow no symlink. */
static int dev_fs(int dev, const char *name, mode_t mode, const char *fstype, const char *opts,
                  unsigned attrs, const char *what, const char *target, sbx_error **err) {
  _cleanup_free_ char *path = xasprintf("%s/%s", target, name);
  if (mkdirat(dev, name, mode) < 0) return sbx_set_errno(err, "create %s", path);
  _cleanup_close_ int dst = openat(dev, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0) return sbx_set_errno(err, "create %s", path);
  int fd = mount_fs_on(dst, fstype, opts, attrs, what, path, err);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

/* The minimal /dev: a tmpfs with the harmless devices bound from the host (mknod is not
 * allowed in a user namespace, and binding keeps them working), a private devpts instance,
 * /dev/shm and the stdio links. */
static int mount_dev(int root, const sbx_mount *m, sbx_error **err) {
  static const char *const devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
  static const char *const links[][2] = {
      {"ptmx", "pts/ptmx"},          {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
      {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
  };
  _cleanup_close_ int dev =
      mount_fs(root, m->target, "tmpfs", "mode=0755,size=65536", NOSUID_NOEXEC, "a tmpfs", err);
  if (dev < 0) return -1;
  for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
    if (bind_device(dev, devices[i], m->target, err) < 0) return -1;
  if (dev_fs(dev, "pts", 0755, "devpts", DEVPTS_OPTS, NOSUID_NOEXEC, "devpts", m->target, err) <
          0 ||
      dev_fs(dev, "shm", 01777, "tmpfs", DEV_SHM_OPTS, NOSUID_NODEV_NOEXEC, "a tmpfs", m->target,
             err) < 0)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE(links); i++)
    if (symlinkat(links[i][1], dev, links[i][0]) < 0)
      return sbx_set_errno(err, "create the symlink %s/%s", m->target, links[i][0]);
  return 0;
}

static int mount_one(const engine_ctx *ctx, int root, size_t i, sbx_error **err) {
  const sbx_mount *m = &ctx->spec->mounts[i];
  switch (m->type) {
  case SBX_MOUNT_BIND: return mount_bind(ctx, root, i, err);
  case SBX_MOUNT_TMPFS: return mount_tmpfs(root, m, err);
  case SBX_MOUNT_PROC:
    if (mount_fs_at(root, m, "proc", NULL, NOSUID_NODEV_NOEXEC, "proc", err) < 0) {
      if (!(ctx->spec->namespaces & SBX_NS_PID) && (*err)->code == EPERM)
        sbx_error_prefix(err, "a fresh /proc needs the pid namespace");
      return -1;
    }
    return 0;
  case SBX_MOUNT_DEV: return mount_dev(root, m, err);
  case SBX_MOUNT_DEVPTS:
    return mount_fs_at(root, m, "devpts", DEVPTS_OPTS, NOSUID_NOEXEC, "devpts", err);
  case SBX_MOUNT_MQUEUE:
    return mount_fs_at(root, m, "mqueue", NULL, NOSUID_NODEV_NOEXEC, "mqueue", err);
  case SBX_MOUNT_SYSFS:
    return mount_fs_at(root, m, "sysfs", NULL, NOSUID_NODEV_NOEXEC | MOUNT_ATTR_RDONLY, "sysfs",
                       err);
  }
  return sbx_set_error(err, EINVAL, "mount on %s: unknown mount type %d", m->target, m->type);
}

/* Masked paths: /dev/null over a file, an empty read-only tmpfs over a directory. A path that
 * does not exist is not masked. */
static int mask_path(int root, const char *path, sbx_error **err) {
  _cleanup_close_ int dst = at_open(root, path, AT_MAKE_NONE, "mask", err);
  if (dst < 0) {
    if ((*err)->code != ENOENT) return -1;
    sbx_error_free(steal_pointer(err));
    return 0;
  }
  struct stat st;
  if (fstatat(dst, "", &st, AT_EMPTY_PATH) < 0) return sbx_set_errno(err, "mask %s", path);
  _cleanup_close_ int tree = -1;
  if (S_ISDIR(st.st_mode)) {
    tree = at_new_fs("tmpfs", "mode=0555", NOSUID_NODEV_NOEXEC | MOUNT_ATTR_RDONLY, "a tmpfs", path,
                     err);
    if (tree < 0) return sbx_error_prefix(err, "mask %s", path);
    return at_attach(tree, dst, "mask with a tmpfs", path, err);
  }
  tree = (int)open_tree(AT_FDCWD, OLDROOT "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0) return sbx_set_errno(err, "mask %s (bind /dev/null)", path);
  if (at_set_attrs(tree, SBX_MNT_RO | SBX_MNT_NOSUID | SBX_MNT_NOEXEC, false, path, err) < 0)
    return -1;
  return at_attach(tree, dst, "mask with /dev/null", path, err);
}

/* A read-only path: a recursive bind of itself, read-only, over it. */
static int readonly_path(int root, const char *path, sbx_error **err) {
  _cleanup_close_ int dst = at_open(root, path, AT_MAKE_NONE, "make read-only", err);
  if (dst < 0) {
    if ((*err)->code != ENOENT) return -1;
    sbx_error_free(steal_pointer(err));
    return 0;
  }
  _cleanup_close_ int tree =
      (int)open_tree(dst, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  if (tree < 0) return sbx_set_errno(err, "make %s read-only (bind)", path);
  if (at_set_attrs(tree, SBX_MNT_RO, true, path, err) < 0) return -1;
  return at_attach(tree, dst, "make read-only (bind)", path, err);
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

/* Entries of ctx->bind_fds that no bind took (a mount of another type): closed, never kept. */
static void close_bind_fds(const engine_ctx *ctx) {
  for (size_t i = 0; ctx->bind_fds && i < ctx->spec->n_mounts; i++) {
    int fd = take_bind_fd(ctx, i);
    if (fd >= 0) close(fd);
  }
}

static int populate(const engine_ctx *ctx, int root, sbx_error **err) {
  const sbx_spec *spec = ctx->spec;
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (mount_one(ctx, root, i, err) < 0) return -1;
  close_bind_fds(ctx);
  for (size_t i = 0; i < spec->n_masked_paths; i++)
    if (mask_path(root, spec->masked_paths[i], err) < 0) return -1;
  for (size_t i = 0; i < spec->n_readonly_paths; i++)
    if (readonly_path(root, spec->readonly_paths[i], err) < 0) return -1;
  /* A fresh root holds only mount points and links: read-only. A root directory as asked. */
  if ((!ctx->root_path || spec->root.readonly) &&
      at_set_attrs(root, SBX_MNT_RO, false, "/", err) < 0)
    return -1;
  return 0;
}

int mounts_setup_root(const engine_ctx *ctx, sbx_error **err) {
  if (enter_scratch(err) < 0) return sbx_error_prefix(err, "assembling the root");
  /* NEWROOT is a directory of the scratch tmpfs, which exists only in our mount namespace: no
   * other process can reach it by that path, so mounting on it by path is safe. */
  if (ctx->root_path) {
    _cleanup_free_ char *src = in_oldroot(ctx->root_path);
    if (mount(src, NEWROOT, NULL, MS_BIND | MS_REC, NULL) < 0)
      return sbx_set_errno(err, "bind mount the root %s", ctx->root_path);
  } else if (mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1048576") < 0) {
    return sbx_set_errno(err, "mount the root tmpfs");
  }
  /* The new root's mount, held by fd: every target is resolved beneath it (mounts-at.c). */
  _cleanup_close_ int root = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return sbx_set_errno(err, "open the new root " NEWROOT);
  int r = etc_write(&ctx->etc, AT_FDCWD, NEWROOT, err) < 0 ? -1 : populate(ctx, root, err);
  close_bind_fds(ctx);
  if (r < 0) return -1;
  if (enter_newroot(err) < 0) return sbx_error_prefix(err, "assembling the root");
  return 0;
}
