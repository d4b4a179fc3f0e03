/* mounts.h: the fd-based primitives mounts.c builds the new root with (mounts-at.c).
 *
 * Every target is named by a path in the new root, resolved from an O_PATH fd of that root
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), one step at a time when directories
 * must be made; what is created is created relative to its parent's fd, and mounts are moved
 * onto the fd of the resolved target. No step walks a path that another process can redirect
 * between a check and a use (runc's CVE-2021-30465): the kernel resolves each path in one go
 * and refuses any way out of the root. */
#ifndef SANDBOX_MOUNTS_H
#define SANDBOX_MOUNTS_H

#include "sandbox.h"

#include <stdbool.h>

/* What the missing components of a target are made into. */
typedef enum at_make {
  AT_MAKE_NONE, /* nothing: a missing target is ENOENT */
  AT_MAKE_DIR,  /* every missing component a directory (mkdir -p) */
  AT_MAKE_FILE, /* missing parents directories, a missing last component an empty file */
} at_make;

/* An O_PATH fd (close-on-exec) of `target` (absolute, in the new root) resolved beneath
 * `root`, making what is missing as `make` says; symlinks met on the way (the last component
 * included) are followed as long as they stay beneath `root`. -1 and err otherwise, located by
 * target: "create the mount point T: ...", "T leads outside the sandbox's root through a
 * symlink", or, with AT_MAKE_NONE, "`verb` T: ..." (err's code ENOENT for a missing target). */
int at_open(int root, const char *target, at_make make, const char *verb, sbx_error **err);
/* The parent directory of `target` (made if missing, as AT_MAKE_DIR), as an O_PATH fd; *name
 * points into `target` at its last component. For what is made by name in that directory. */
int at_open_parent(int root, const char *target, const char **name, sbx_error **err);

/* Adds the attributes SBX_MNT_RO/NOSUID/NODEV/NOEXEC of `flags` to the mount `fd` is the root
 * of (attached or a detached tree), its submounts too when `recursive`. */
int at_set_attrs(int fd, unsigned flags, bool recursive, const char *target, sbx_error **err);
/* A fresh mount of `fstype` (fsopen, the comma-separated `opts` as fsconfig keys and flags,
 * fsmount with the MOUNT_ATTR_* `attrs`), detached: the fd of its root. "mount `what` on
 * `target`: ..." on error. */
int at_new_fs(const char *fstype, const char *opts, unsigned attrs, const char *what,
              const char *target, sbx_error **err);
/* Attaches the detached tree `tree` on the file or directory `target_fd` (move_mount between
 * two fds: nothing is looked up by path). "`what` on `target`: ..." on error. */
int at_attach(int tree, int target_fd, const char *what, const char *target, sbx_error **err);

#endif
