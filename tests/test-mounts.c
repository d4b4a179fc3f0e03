/* test-mounts.c: init's side of the idmapped binds (engine_ctx.bind_fds, sandbox/mounts.c),
 * called directly: mounts_setup_root in a child that has a user and mount namespace of its own,
 * as init has. A detached tree given for a mount is attached at its target, with the mount's
 * attributes, instead of the source, and closed once attached. As root the tree is made before
 * the fork in the host's mount namespace, as main makes it; rootless (no open_tree there) in
 * the child's namespace. The idmap itself is main's (not built here). */
#define TEST_FILE "test-mounts"
#include "harness.h"

#include "engine.h"
#include "lib/host.h"
#include "lib/scratch.h"
#include "spec.h"
#include "util.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/wait.h>

__attribute__((constructor)) static void each_test(void) { host_mounts_check_each_test(); }

static int write_text(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* In the child: its own user namespace (mapping the caller's ids to 0) and mount namespace. */
static int enter_namespaces(uid_t uid, gid_t gid) {
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) return -1;
  char map[64];
  snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
  if (write_text("/proc/self/uid_map", map) < 0) return -1;
  if (write_text("/proc/self/setgroups", "deny") < 0 && errno != ENOENT) return -1;
  snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
  return write_text("/proc/self/gid_map", map);
}

/* Runs mounts_setup_root for `spec` with bind_fds[0] = the tree of `tree_dir`, then checks, in
 * the new root, what the job would see. Exit status: 0 or the failed step, its message on the
 * pipe `out`. */
static __attribute__((noreturn)) void child(const sbx_spec *spec, char **sources, int tree,
                                            const char *tree_dir, uid_t uid, gid_t gid, int out) {
  char msg[512] = "";
  int step = 1;
  if (enter_namespaces(uid, gid) < 0) {
    snprintf(msg, sizeof msg, "namespaces: %s", strerror(errno));
    goto done;
  }
  step++;
  if (tree < 0) tree = (int)open_tree(AT_FDCWD, tree_dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0) {
    snprintf(msg, sizeof msg, "open_tree %s: %s", tree_dir, strerror(errno));
    goto done;
  }
  int fds[] = {tree, -1};
  engine_ctx ctx = {.spec = spec, .sources = sources, .bind_fds = fds};
  sbx_error *err = NULL;
  step++;
  if (mounts_setup_root(&ctx, &err) < 0) {
    snprintf(msg, sizeof msg, "mounts_setup_root: %s", err->message);
    goto done;
  }
  step++;
  if (fds[0] != -1 || fcntl(tree, F_GETFD) >= 0 || errno != EBADF) {
    snprintf(msg, sizeof msg, "the tree's fd %d is still open (entry %d)", tree, fds[0]);
    goto done;
  }
  step++;
  char buf[64] = "";
  int fd = open("/mnt/file", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  if (n < 0 || strcmp(buf, "from the tree\n") != 0) {
    snprintf(msg, sizeof msg, "/mnt/file: %s", n < 0 ? strerror(errno) : buf);
    goto done;
  }
  step++;
  fd = open("/mnt/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0 || errno != EROFS) {
    snprintf(msg, sizeof msg, "/mnt/new: %s", fd >= 0 ? "created" : strerror(errno));
    goto done;
  }
  step++;
  fd = open("/bound/file", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(msg, sizeof msg, "/bound/file (entry -1, the source): %s", strerror(errno));
    goto done;
  }
  close(fd);
  step = 0;
done:
  if (write(out, msg, strlen(msg)) < 0) step = 99;
  _exit(step);
}

TEST(bind_fd_is_attached_instead_of_the_source) {
  NEED_USERNS();
  const char *dir = scratch_mkdir("tree", 0755);
  scratch_write("tree/file", "from the tree\n", 0644);
  sbx_spec *s = spec_new();
  /* Mount 0's source does not exist: only the tree can satisfy it. Mount 1 is a normal bind. */
  spec_add_mount(s, SBX_MOUNT_BIND, "/nonexistent-source", "/mnt", SBX_MNT_RO | SBX_MNT_NOSUID);
  spec_add_mount(s, SBX_MOUNT_BIND, dir, "/bound", SBX_MNT_RO);
  char *sources[] = {"/nonexistent-source", (char *)dir, NULL};
  int tree = -1;
  if (geteuid() == 0) {
    tree = (int)open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    CHECK(tree >= 0);
  }
  int p[2];
  CHECK(pipe2(p, O_CLOEXEC) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    child(s, sources, tree, dir, getuid(), getgid(), p[1]);
  }
  close(p[1]);
  if (tree >= 0) close(tree);
  char msg[512] = "";
  ssize_t n = read(p[0], msg, sizeof msg - 1);
  close(p[0]);
  int status;
  CHECK(waitpid(pid, &status, 0) == pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    TEST_FAIL("child: status %#x, step %d: %s", status, WEXITSTATUS(status), n > 0 ? msg : "");
  sbx_spec_free(s);
}

RUN_TESTS()
