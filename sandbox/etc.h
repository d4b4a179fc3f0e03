/* etc.h: the small /etc of a fresh root (etc.c). main gathers the facts and formats the files
 * before the first fork (etc_prepare: etc_host_probe, then the pure etc_plan_make); init writes
 * them into the new root right after its tmpfs is mounted and before the spec's mounts
 * (etc_write), so that a mount on /etc, or on one of its files, covers the generated one.
 * docs/security.md says what the job sees. */
#ifndef SANDBOX_ETC_H
#define SANDBOX_ETC_H

#include "spec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The name a passwd or group entry gets when the caller has none (or one that cannot be written
 * in those files). */
#define ETC_FALLBACK_NAME "sandbox"

#define ETC_MAX_FILES 7

typedef struct etc_file {
  const char *name; /* "passwd", ...: a plain name in /etc (static) */
  char *content;    /* owned */
  size_t len;
} etc_file;

/* The files init writes; n == 0: none (and no /etc is made). */
typedef struct etc_plan {
  etc_file files[ETC_MAX_FILES];
  size_t n;
} etc_plan;

/* What the files say of the host and the caller, gathered in main. Owned strings; NULL: none. */
typedef struct etc_host {
  char *user;     /* the caller's user name (its euid's passwd entry) */
  char *group;    /* the caller's group name (its egid's group entry) */
  char *hostname; /* this host's name, for a spec that keeps it */
  char *resolv;   /* the host's /etc/resolv.conf, read only for network host */
  size_t resolv_len;
} etc_host;

/* ---- pure formatting (unit-tested in tests/test-etc.c) ----------------------------------- */

/* A name that fits the name field of passwd and group: 1..255 bytes, none of them ':', a
 * newline or another control character, not starting with '+' or '-' (the NIS markers). */
bool etc_name_ok(const char *name);
/* A host name for /etc/hosts and /etc/hostname: 1..64 letters, digits, '-', '_' and '.', not
 * starting with '-' or '.', not ending with '.', no "..". */
bool etc_hostname_ok(const char *name);

/* /etc/passwd: first the job's entry (uid, gid, named `name` or ETC_FALLBACK_NAME when it is
 * not etc_name_ok, home `home` or "/" when it is not an absolute path fit for the file, shell
 * /bin/sh, no password, empty gecos); then root (0) and nobody (65534), each only when neither
 * its id nor its name is taken by an entry before it. So every uid and every name appears once,
 * and the job's entry is always there. */
char *etc_passwd_format(uint32_t uid, uint32_t gid, const char *name, const char *home);
/* /etc/group: the job's group (gid, `name` or the fallback), then root (0) and nogroup (65534)
 * by the same rule. No members. */
char *etc_group_format(uint32_t gid, const char *name);
/* /etc/hosts: localhost on 127.0.0.1 and ::1, and `hostname` on 127.0.1.1 as
 * "NAME.localdomain NAME" (a name with a dot: "NAME SHORT"), so that the name has a canonical
 * form with a dot (git accepts an email it made from it); no such line when the name is NULL,
 * not etc_hostname_ok, or localhost. */
char *etc_hosts_format(const char *hostname);
/* /etc/nsswitch.conf: files for every database; hosts "files dns" when `dns` (the job has the
 * host's network and resolv.conf), else files only. */
char *etc_nsswitch_format(bool dns);

/* The files for `spec` (a fresh root, SBX_ETC_GENERATED) from the host's facts: passwd, group,
 * hosts, host.conf ("multi on": getaddrinfo returns every line's address for a name, ::1 and
 * 127.0.0.1 for localhost, not the first one only), nsswitch.conf, hostname (for a valid name) and,
 * for network host, resolv.conf (when the host has one). A file is left out when a mount of the
 * spec covers it: a mount on /etc (or /), or on /etc/NAME, unless that mount is an optional bind
 * whose source `sources[i]` (the host path main resolved, or NULL) does not exist now. Pure but for
 * that lstat. */
void etc_plan_make(const sbx_spec *spec, char *const *sources, const etc_host *host,
                   etc_plan *plan);
void etc_plan_free(etc_plan *plan);

/* ---- the host's side and init's side ------------------------------------------------------ */

/* In main: the plan of a run, empty unless the spec has a fresh root (`root_path` NULL), a
 * mount namespace and SBX_ETC_GENERATED. */
int etc_prepare(const sbx_spec *spec, const char *root_path, char *const *sources, etc_plan *plan,
                sbx_error **err);
/* In main: the caller's names, the host name, and for network host the host's resolv.conf
 * (absent is none; unreadable is an error). */
int etc_host_probe(const sbx_spec *spec, etc_host *host, sbx_error **err);
void etc_host_clear(etc_host *host);

/* In init: creates `root`/etc (relative to `dirfd`; `root` itself must not be a symlink) and
 * the plan's files in it, mode 0755 and 0644 whatever the umask, each created new
 * (O_CREAT | O_EXCL | O_NOFOLLOW) relative to the directory's fd, never by a path a symlink
 * could redirect. Nothing when the plan is empty. */
int etc_write(const etc_plan *plan, int dirfd, const char *root, sbx_error **err);

#endif
