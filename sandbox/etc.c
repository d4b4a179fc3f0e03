/* etc.c: the small generated /etc of a fresh root (etc.h), so that the usual tools work in the
 * job: whoami, id -un, git's identity and Python's getpass find the job's name in passwd and
 * group, getaddrinfo finds localhost and the sandbox's own name in hosts, and the C library is
 * told by nsswitch.conf to look nowhere but in these files (and DNS with the host's network).
 *
 * What reaches the job from the host is the caller's user and group names (the entry's other
 * fields are made up here), the host name when the spec keeps it, and with network host the
 * host's resolv.conf. main formats everything before the first fork; init only writes bytes. */
#include "etc.h"

#include "parse.h"
#include "util.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <sys/stat.h>

/* ---- formatting --------------------------------------------------------------------------- */

static SBX_PRINTF(2, 3) void append(char **s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *more = xvasprintf(fmt, ap);
  va_end(ap);
  char *joined = xasprintf("%s%s", *s ? *s : "", more);
  free(*s);
  *s = joined;
}

bool etc_name_ok(const char *name) {
  if (!name) return false;
  size_t n = strlen(name);
  if (n == 0 || n > 255 || name[0] == '+' || name[0] == '-') return false;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    if (*p == ':' || *p < 0x20 || *p == 0x7f) return false;
  return true;
}

bool etc_hostname_ok(const char *name) {
  if (!name) return false;
  size_t n = strlen(name);
  if (n == 0 || n > 64 || name[0] == '-' || name[0] == '.' || name[n - 1] == '.' ||
      strstr(name, ".."))
    return false;
  for (const char *p = name; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '-' || *p == '_' || *p == '.'))
      return false;
  return true;
}

/* A home directory for passwd: absolute, and nothing that would break the line. */
static bool home_ok(const char *home) {
  if (!home || home[0] != '/' || strlen(home) > PATH_MAX) return false;
  for (const unsigned char *p = (const unsigned char *)home; *p; p++)
    if (*p == ':' || *p < 0x20 || *p == 0x7f) return false;
  return true;
}

/* One of the fixed entries (root, nobody; root, nogroup). */
typedef struct fixed_entry {
  uint32_t id;
  const char *name;
  const char *rest; /* the passwd fields after the ids, or "" for group */
} fixed_entry;

char *etc_passwd_format(uint32_t uid, uint32_t gid, const char *name, const char *home) {
  static const fixed_entry fixed[] = {
      {0, "root", "root:/root:/bin/sh"},
      {65534, "nobody", "nobody:/nonexistent:/usr/sbin/nologin"},
  };
  const char *me = etc_name_ok(name) ? name : ETC_FALLBACK_NAME;
  char *s = NULL;
  append(&s, "%s:x:%u:%u::%s:/bin/sh\n", me, uid, gid, home_ok(home) ? home : "/");
  for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
    if (fixed[i].id == uid || strcmp(fixed[i].name, me) == 0) continue;
    append(&s, "%s:x:%u:%u:%s\n", fixed[i].name, fixed[i].id, fixed[i].id, fixed[i].rest);
  }
  return s;
}

char *etc_group_format(uint32_t gid, const char *name) {
  static const fixed_entry fixed[] = {{0, "root", ""}, {65534, "nogroup", ""}};
  const char *me = etc_name_ok(name) ? name : ETC_FALLBACK_NAME;
  char *s = NULL;
  append(&s, "%s:x:%u:\n", me, gid);
  for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
    if (fixed[i].id == gid || strcmp(fixed[i].name, me) == 0) continue;
    append(&s, "%s:x:%u:\n", fixed[i].name, fixed[i].id);
  }
  return s;
}

char *etc_hosts_format(const char *hostname) {
  char *s = xstrdup("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
  if (!etc_hostname_ok(hostname) || strcmp(hostname, "localhost") == 0) return s;
  const char *dot = strchr(hostname, '.');
  if (dot)
    append(&s, "127.0.1.1\t%s %.*s\n", hostname, (int)(dot - hostname), hostname);
  else
    append(&s, "127.0.1.1\t%s.localdomain %s\n", hostname, hostname);
  return s;
}

char *etc_nsswitch_format(bool dns) {
  return xasprintf(
      "passwd:    files\n"
      "group:     files\n"
      "shadow:    files\n"
      "gshadow:   files\n"
      "hosts:     files%s\n"
      "networks:  files\n"
      "protocols: files\n"
      "services:  files\n"
      "ethers:    files\n"
      "rpc:       files\n"
      "netgroup:  files\n",
      dns ? " dns" : "");
}

/* ---- the plan ----------------------------------------------------------------------------- */

/* Whether a mount of the spec covers /etc/`name` (name NULL: /etc itself). */
static bool covered(const sbx_spec *spec, char *const *sources, const char *name) {
  for (size_t i = 0; i < spec->n_mounts; i++) {
    const sbx_mount *m = &spec->mounts[i];
    _cleanup_free_ char *t = path_canonical(m->target);
    bool hit = strcmp(t, "/") == 0 || strcmp(t, "/etc") == 0 ||
               (name && strncmp(t, "/etc/", 5) == 0 && strcmp(t + 5, name) == 0);
    if (!hit) continue;
    /* An optional bind whose source is missing is skipped at the mount: the file stays. */
    struct stat st;
    if (m->type == SBX_MOUNT_BIND && (m->flags & SBX_MNT_OPTIONAL) && sources && sources[i] &&
        lstat(sources[i], &st) < 0 && errno == ENOENT)
      continue;
    return true;
  }
  return false;
}

static void plan_add(etc_plan *plan, const sbx_spec *spec, char *const *sources, const char *name,
                     char *content, size_t len) {
  if (plan->n >= ETC_MAX_FILES || covered(spec, sources, name)) {
    free(content);
    return;
  }
  plan->files[plan->n++] = (etc_file){name, content, len};
}

static void plan_add_text(etc_plan *plan, const sbx_spec *spec, char *const *sources,
                          const char *name, char *content) {
  plan_add(plan, spec, sources, name, content, strlen(content));
}

void etc_plan_make(const sbx_spec *spec, char *const *sources, const etc_host *host,
                   etc_plan *plan) {
  memset(plan, 0, sizeof *plan);
  if (covered(spec, sources, NULL)) return;
  const char *hostname = spec->hostname ? spec->hostname : host->hostname;
  plan_add_text(plan, spec, sources, "passwd",
                etc_passwd_format(spec->process.uid, spec->process.gid, host->user,
                                  spec_env_get(spec, "HOME")));
  plan_add_text(plan, spec, sources, "group", etc_group_format(spec->process.gid, host->group));
  plan_add_text(plan, spec, sources, "hosts", etc_hosts_format(hostname));
  plan_add_text(plan, spec, sources, "host.conf", xstrdup("multi on\n"));
  bool dns = spec->network == SBX_NET_HOST && host->resolv;
  plan_add_text(plan, spec, sources, "nsswitch.conf", etc_nsswitch_format(dns));
  if (etc_hostname_ok(hostname))
    plan_add_text(plan, spec, sources, "hostname", xasprintf("%s\n", hostname));
  if (dns)
    plan_add(plan, spec, sources, "resolv.conf", xstrndup(host->resolv, host->resolv_len),
             host->resolv_len);
}

void etc_plan_free(etc_plan *plan) {
  for (size_t i = 0; i < plan->n; i++) free(plan->files[i].content);
  memset(plan, 0, sizeof *plan);
}

/* ---- the host's facts, in main ------------------------------------------------------------ */

#define RESOLV_MAX (64 * 1024)

/* getpwuid_r / getgrgid_r with a buffer grown on ERANGE; NULL when there is no entry (or the
 * lookup failed: the entry then gets the fallback name). */
static char *user_name(uid_t uid) {
  for (size_t cap = 1024; cap <= 1024 * 1024; cap *= 4) {
    _cleanup_free_ char *buf = xmalloc(cap);
    struct passwd pw, *res = NULL;
    int e = getpwuid_r(uid, &pw, buf, cap, &res);
    if (e == ERANGE) continue;
    return e == 0 && res ? xstrdup(res->pw_name) : NULL;
  }
  return NULL;
}

static char *group_name(gid_t gid) {
  for (size_t cap = 1024; cap <= 1024 * 1024; cap *= 4) {
    _cleanup_free_ char *buf = xmalloc(cap);
    struct group gr, *res = NULL;
    int e = getgrgid_r(gid, &gr, buf, cap, &res);
    if (e == ERANGE) continue;
    return e == 0 && res ? xstrdup(res->gr_name) : NULL;
  }
  return NULL;
}

int etc_host_probe(const sbx_spec *spec, etc_host *host, sbx_error **err) {
  memset(host, 0, sizeof *host);
  host->user = user_name(geteuid());
  host->group = group_name(getegid());
  if (!spec->hostname) {
    char buf[HOST_NAME_MAX + 1];
    if (gethostname(buf, sizeof buf) < 0) return sbx_set_errno(err, "gethostname");
    buf[HOST_NAME_MAX] = '\0';
    host->hostname = xstrdup(buf);
  }
  if (spec->network != SBX_NET_HOST) return 0;
  /* Read with the caller's rights; a host without one gives the job none. */
  sbx_error *e = NULL;
  if (read_file_max("/etc/resolv.conf", RESOLV_MAX, &host->resolv, &host->resolv_len, &e) < 0) {
    if (e && e->code == ENOENT) {
      sbx_error_free(e);
      return 0;
    }
    if (err && !*err)
      *err = e;
    else
      sbx_error_free(e);
    return sbx_error_prefix(err, "the host's resolv.conf for the job (network host)");
  }
  return 0;
}

void etc_host_clear(etc_host *host) {
  free(host->user);
  free(host->group);
  free(host->hostname);
  free(host->resolv);
  memset(host, 0, sizeof *host);
}

int etc_prepare(const sbx_spec *spec, const char *root_path, char *const *sources, etc_plan *plan,
                sbx_error **err) {
  memset(plan, 0, sizeof *plan);
  if (root_path || spec->root.etc != SBX_ETC_GENERATED || !(spec->namespaces & SBX_NS_MOUNT))
    return 0;
  etc_host host;
  if (etc_host_probe(spec, &host, err) < 0) {
    etc_host_clear(&host);
    return sbx_error_prefix(err, "preparing the job's /etc");
  }
  etc_plan_make(spec, sources, &host, plan);
  etc_host_clear(&host);
  return 0;
}

/* ---- writing, in init --------------------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Safe as init (root of the job's user namespace, before the root is read-only): every step
 * is relative to the fd of the directory just made, nothing follows a symlink, and O_EXCL
 * refuses a file that is already there, so nothing outside the new root can be written. */
int etc_write(const etc_plan *plan, int dirfd, const char *root, sbx_error **err) {
  if (plan->n == 0) return 0;
  _cleanup_close_ int rootfd = openat(dirfd, root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rootfd < 0) return sbx_set_errno(err, "generated /etc: open the new root");
  if (mkdirat(rootfd, "etc", 0755) < 0) return sbx_set_errno(err, "generated /etc: create /etc");
  _cleanup_close_ int etc = openat(rootfd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (etc < 0) return sbx_set_errno(err, "generated /etc: open /etc");
  /* Whatever the umask init inherited from the caller. */
  if (fchmod(etc, 0755) < 0) return sbx_set_errno(err, "generated /etc: chmod /etc");
  for (size_t i = 0; i < plan->n; i++) {
    const etc_file *f = &plan->files[i];
    _cleanup_close_ int fd =
        openat(etc, f->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
    if (fd < 0) return sbx_set_errno(err, "generated /etc: create /etc/%s", f->name);
    if (fchmod(fd, 0644) < 0 || write_all(fd, f->content, f->len) < 0)
      return sbx_set_errno(err, "generated /etc: write /etc/%s", f->name);
    if (close(steal_fd(&fd)) < 0)
      return sbx_set_errno(err, "generated /etc: write /etc/%s", f->name);
  }
  return 0;
}
