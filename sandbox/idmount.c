/* idmount.c: idmapped read-write binds, made by main as root before the first fork.
 *
 * As root the job runs as an unprivileged host id (65534 by default), never as host root. A
 * read-write bind would then show the caller's files as someone else's and leave what the job
 * creates owned by that id. Each read-write bind is instead an idmapped mount (mount_setattr
 * with MOUNT_ATTR_IDMAP, Linux 5.12) that maps the owner of the bind's source (its uid and gid
 * on disk: root for root's own tree) to the job's host ids: through it, the owner's files
 * appear as the job's own, and what the job creates is written to disk as the owner's. So a
 * wrapped build in root's tree leaves root's files, as a bare one does, and one in a CI user's
 * workspace leaves that user's. The mapping is a user namespace of its own that maps exactly
 * one uid and one gid: every other on-disk owner appears as the overflow id (nobody), and the
 * job can neither write as, nor chown to, any of them.
 *
 * Making an idmapped mount needs CAP_SYS_ADMIN over the filesystem (host root) and a mount that
 * has never been attached (open_tree with OPEN_TREE_CLONE), so main makes the detached trees
 * here; the children inherit the fds and init attaches each at its target (mounts.c), then
 * closes them. Rootless, the caller's own id already maps to the job's, and nothing is done.
 *
 * Where a filesystem cannot be idmapped (EINVAL: no FS_ALLOW_IDMAP, such as ramfs, NFS, an
 * old kernel's tmpfs), the bind stays a plain bind, and a pre-flight check asks whether the
 * job's host id can write the source at all: when it cannot, the run fails before the job
 * starts, naming the path, the id and the fixes, instead of failing in the job's first write. */
#include "engine.h"

#include "util.h"

#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* The host id that container id `id` maps to in `maps`; false when unmapped. */
static bool map_to_host(const sbx_id_mapping *maps, size_t n, uint32_t id, uint32_t *host) {
  for (size_t i = 0; i < n; i++)
    if (id >= maps[i].container_id && id - maps[i].container_id < maps[i].size) {
      *host = maps[i].host_id + (id - maps[i].container_id);
      return true;
    }
  return false;
}

bool idmount_job_host_ids(const sbx_spec *spec, const idmap_plan *plan, uint32_t *uid,
                          uint32_t *gid) {
  return map_to_host(plan->uids, plan->n_uids, spec->process.uid, uid) &&
         map_to_host(plan->gids, plan->n_gids, spec->process.gid, gid);
}

bool idmount_wanted(const sbx_spec *spec, const idmap_plan *plan) {
  if (!plan->userns || !plan->privileged || !(spec->namespaces & SBX_NS_MOUNT)) return false;
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (spec->mounts[i].type == SBX_MOUNT_BIND && !(spec->mounts[i].flags & SBX_MNT_RO))
      return true;
  return false;
}

static int write_file(const char *path, const char *text, sbx_error **err) {
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return sbx_set_errno(err, "open %s", path);
  size_t n = strlen(text);
  ssize_t w = write(fd, text, n);
  if (w < 0) return sbx_set_errno(err, "write %s", path);
  if ((size_t)w != n) return sbx_set_error(err, EIO, "write %s: short write", path);
  return 0;
}

/* The process that holds a mapping namespace while main writes its maps: it shares main's
 * memory (CLONE_VM, so that nothing of main's address space is copied) and runs on a stack of
 * its own. It only closes its copy of the pipe's write end and waits for EOF on the read end:
 * no allocation, no lock, nothing of libc's state but errno, with every signal blocked. */
typedef struct ns_holder {
  int rd, wr;
} ns_holder;

__attribute__((no_sanitize_address)) static int hold_userns(void *arg) {
  const ns_holder *h = arg;
  close(h->wr);
  char b;
  while (read(h->rd, &b, 1) < 0 && errno == EINTR) {
  }
  return 0;
}

#define NS_HOLDER_STACK (64 * 1024)

/* A user namespace mapping the caller's uid and gid (on disk) to the job's host ids: a child
 * is cloned into it and waits on a pipe while main writes its maps and opens it; the namespace
 * lives on through the fd. Safe: the namespace holds no process once the child exits, and its
 * maps name only the caller's own ids and the job's. */
static int make_mapping_userns(uid_t disk_uid, gid_t disk_gid, uint32_t job_uid, uint32_t job_gid,
                               int *nsfd, sbx_error **err) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return sbx_set_errno(err, "pipe for the idmap user namespace");
  void *stack = mmap(NULL, NS_HOLDER_STACK, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    int e = errno;
    close(p[0]), close(p[1]);
    return sbx_set_error(err, e, "map a stack for the idmap user namespace's process");
  }
  ns_holder h = {.rd = p[0], .wr = p[1]};
  sigset_t all, saved;
  sigfillset(&all);
  int e = pthread_sigmask(SIG_SETMASK, &all, &saved);
  pid_t child = -1;
  if (e == 0) {
    child =
        clone(hold_userns, (char *)stack + NS_HOLDER_STACK, CLONE_VM | CLONE_NEWUSER | SIGCHLD, &h);
    e = child < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
  }
  close(p[0]);
  int rc = -1;
  if (child < 0) {
    sbx_set_error(err, e, "create the idmap user namespace (clone CLONE_NEWUSER)");
  } else {
    char path[64], map[64];
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)disk_uid, (unsigned)job_uid);
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)child);
    if (write_file(path, map, err) == 0) {
      snprintf(map, sizeof map, "%u %u 1\n", (unsigned)disk_gid, (unsigned)job_gid);
      snprintf(path, sizeof path, "/proc/%d/gid_map", (int)child);
      if (write_file(path, map, err) == 0) {
        snprintf(path, sizeof path, "/proc/%d/ns/user", (int)child);
        *nsfd = open(path, O_RDONLY | O_CLOEXEC);
        if (*nsfd < 0)
          sbx_set_errno(err, "open %s", path);
        else
          rc = 0;
      }
    }
  }
  close(p[1]); /* the child's read ends: it exits */
  if (child > 0)
    while (waitpid(child, NULL, __WALL) < 0 && errno == EINTR) {
    }
  munmap(stack, NS_HOLDER_STACK); /* only once the child, which ran on it, is gone */
  return rc < 0 ? sbx_error_prefix(err, "idmapped binds") : 0;
}

/* Whether host uid:gid can write `path` (a directory also needs search), asked of the kernel by
 * a child with exactly those ids (so that ACLs and every permission rule count): 0 when it
 * can, the errno of the check otherwise (EROFS too; the caller decides). */
static int job_can_write(const char *path, bool dir, uint32_t uid, uint32_t gid) {
  pid_t child = fork();
  if (child < 0) return errno;
  if (child == 0) {
    if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
      _exit(255);
    int r = faccessat(AT_FDCWD, path, W_OK | (dir ? X_OK : 0), AT_EACCESS);
    _exit(r == 0 ? 0 : (errno > 0 && errno < 255 ? errno : EACCES));
  }
  int st = 0;
  while (waitpid(child, &st, __WALL) < 0) {
    if (errno != EINTR) return errno;
  }
  if (!WIFEXITED(st) || WEXITSTATUS(st) == 255) return EPERM;
  return WEXITSTATUS(st);
}

static int not_writable(const sbx_mount *m, int setattr_errno, int e, uint32_t uid, uint32_t gid,
                        sbx_error **err) {
  /* Code 0 (no strerror appended: the message names both causes), then the real code. */
  sbx_set_error(err, 0,
                "the read-write bind %s (on %s) cannot be written by the job: its filesystem "
                "cannot be idmapped to the caller's ids (mount_setattr: %s), and the job's host "
                "uid %u (gid %u) may not write it (%s). Fixes: give that id the directory "
                "(chown -R %u:%u %s), map the job to an id that can write it "
                "(id_mapping.host_uid and host_gid in the profile), bind it read-only, or run "
                "rootless as its owner",
                m->source, m->target, strerror(setattr_errno), (unsigned)uid, (unsigned)gid,
                strerror(e), (unsigned)uid, (unsigned)gid, m->source);
  if (err && *err) (*err)->code = e;
  return -1;
}

/* The mapping namespaces of one run, one per distinct owner (uid, gid) of its binds. */
typedef struct owner_ns {
  uid_t uid;
  gid_t gid;
  int fd;
} owner_ns;

static int ns_for_owner(owner_ns *v, size_t *n, uid_t uid, gid_t gid, uint32_t job_uid,
                        uint32_t job_gid, int *fd, sbx_error **err) {
  for (size_t i = 0; i < *n; i++)
    if (v[i].uid == uid && v[i].gid == gid) {
      *fd = v[i].fd;
      return 0;
    }
  int nsfd = -1;
  if (make_mapping_userns(uid, gid, job_uid, job_gid, &nsfd, err) < 0) return -1;
  v[*n] = (owner_ns){uid, gid, nsfd};
  (*n)++;
  *fd = nsfd;
  return 0;
}

/* The detached, idmapped copy of bind i's source, or -1 in *fd when the bind stays a plain one
 * (a symlink, a missing optional source, a filesystem without idmap support that the job's id
 * can write anyway). */
static int idmount_one(const sbx_mount *m, const char *source, owner_ns *owners, size_t *n_owners,
                       uint32_t uid, uint32_t gid, int *fd, sbx_error **err) {
  *fd = -1;
  struct stat st;
  if (lstat(source, &st) < 0) {
    if (errno == ENOENT && (m->flags & SBX_MNT_OPTIONAL)) return 0;
    return sbx_set_errno(err, "bind mount %s on %s", m->source, m->target);
  }
  if (S_ISLNK(st.st_mode)) return 0; /* recreated as a symlink by init */
  bool rec = m->flags & SBX_MNT_RECURSIVE;
  /* Safe: the clone is detached (attached nowhere, in no namespace) until init moves it onto
   * its target in the sandbox's own mount namespace; AT_SYMLINK_NOFOLLOW: the last component
   * was kept unresolved by main and checked above not to be a symlink. */
  _cleanup_close_ int tree = open_tree(
      AT_FDCWD, source,
      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW | (rec ? AT_RECURSIVE : 0));
  if (tree < 0) return sbx_set_errno(err, "bind mount %s on %s (open_tree)", m->source, m->target);
  int nsfd = -1;
  if (ns_for_owner(owners, n_owners, st.st_uid, st.st_gid, uid, gid, &nsfd, err) < 0) return -1;
  struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)nsfd};
  if (mount_setattr(tree, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &a, sizeof a) == 0) {
    *fd = steal_fd(&tree);
    return 0;
  }
  int e = errno;
  /* A recursive bind whose submounts cannot all be idmapped (a /proc or a FUSE mount below the
   * source): the source's own mount is, its submounts stay as they are. */
  if (rec && e == EINVAL && mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof a) == 0) {
    *fd = steal_fd(&tree);
    return 0;
  }
  if (rec) e = errno;
  if (e != EINVAL && e != EOPNOTSUPP && e != ENOSYS && e != EPERM)
    return sbx_set_error(err, e, "idmap the bind %s on %s (mount_setattr)", m->source, m->target);
  /* No idmapped mount here: a plain bind, if the job's own id may write it. */
  int w = job_can_write(source, S_ISDIR(st.st_mode), uid, gid);
  if (w == 0 || w == EROFS) return 0;
  return not_writable(m, e, w, uid, gid, err);
}

int idmount_prepare(const sbx_spec *spec, const idmap_plan *plan, char *const *sources, int **fds,
                    sbx_error **err) {
  *fds = NULL;
  if (!idmount_wanted(spec, plan)) return 0;
  uint32_t uid, gid;
  if (!idmount_job_host_ids(spec, plan, &uid, &gid))
    return sbx_set_error(err, EINVAL,
                         "idmapped binds: the job's uid %u or gid %u is not mapped to a host id",
                         spec->process.uid, spec->process.gid);
  int *v = xcalloc(spec->n_mounts, sizeof *v);
  owner_ns *owners = xcalloc(spec->n_mounts, sizeof *owners);
  size_t n_owners = 0;
  int rc = 0;
  for (size_t i = 0; i < spec->n_mounts; i++) v[i] = -1;
  for (size_t i = 0; i < spec->n_mounts && rc == 0; i++) {
    const sbx_mount *m = &spec->mounts[i];
    if (m->type != SBX_MOUNT_BIND || (m->flags & SBX_MNT_RO)) continue;
    rc = idmount_one(m, sources[i], owners, &n_owners, uid, gid, &v[i], err);
  }
  for (size_t i = 0; i < n_owners; i++) close(owners[i].fd);
  free(owners);
  if (rc < 0) {
    idmount_close(v, spec->n_mounts);
    return -1;
  }
  *fds = v;
  return 0;
}

void idmount_close(int *fds, size_t n) {
  if (!fds) return;
  for (size_t i = 0; i < n; i++)
    if (fds[i] >= 0) close(fds[i]);
  free(fds);
}
