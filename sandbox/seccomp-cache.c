/* seccomp-cache.c: compiled filters kept per distinct policy: in this process's memory (keyed by
 * the canonical serialisation) and, with a cache directory, on disk for every later process
 * (hardening.h has the safety rules: owner, mode, symlinks, size, contents). sc_filter_build_in
 * takes a filter from a cache or compiles it (seccomp.c). */
#include "seccomp-internal.h"

#include "util.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/uio.h>

/* ---- the caches --------------------------------------------------------------------------- */

#define MEMORY_CACHE_SIZE 32
#define DISK_MAGIC        "SBXBPF01"

typedef struct cache_entry {
  char *policy;
  size_t policy_len;
  sc_filter *filter;
  uint64_t used;
} cache_entry;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cache_entry memory_cache[MEMORY_CACHE_SIZE];
static uint64_t cache_clock;
static char *cache_dir;
static __thread sc_cache_source last_source;

sc_cache_source sc_cache_last_source(void) { return last_source; }

void sc_cache_clear_memory(void) {
  pthread_mutex_lock(&cache_lock);
  for (size_t i = 0; i < MEMORY_CACHE_SIZE; i++) {
    free(memory_cache[i].policy);
    sc_filter_free(memory_cache[i].filter);
    memory_cache[i] = (cache_entry){0};
  }
  pthread_mutex_unlock(&cache_lock);
}

static sc_filter *memory_lookup(const buf *policy) {
  sc_filter *f = NULL;
  pthread_mutex_lock(&cache_lock);
  for (size_t i = 0; i < MEMORY_CACHE_SIZE; i++) {
    cache_entry *e = &memory_cache[i];
    if (e->filter && e->policy_len == policy->len &&
        memcmp(e->policy, policy->data, policy->len) == 0) {
      e->used = ++cache_clock;
      f = sc_filter_new(e->filter->insns, e->filter->len);
      break;
    }
  }
  pthread_mutex_unlock(&cache_lock);
  return f;
}

static void memory_store(const buf *policy, const sc_filter *f) {
  pthread_mutex_lock(&cache_lock);
  cache_entry *victim = &memory_cache[0];
  for (size_t i = 0; i < MEMORY_CACHE_SIZE; i++) {
    cache_entry *e = &memory_cache[i];
    if (e->filter && e->policy_len == policy->len &&
        memcmp(e->policy, policy->data, policy->len) == 0) {
      victim = NULL; /* another thread stored it meanwhile */
      break;
    }
    if (!e->filter || e->used < victim->used) victim = e;
  }
  if (victim) {
    free(victim->policy);
    sc_filter_free(victim->filter);
    victim->policy = xmalloc(policy->len);
    memcpy(victim->policy, policy->data, policy->len);
    victim->policy_len = policy->len;
    victim->filter = sc_filter_new(f->insns, f->len);
    victim->used = ++cache_clock;
  }
  pthread_mutex_unlock(&cache_lock);
}

/* Opens the cache directory, checking that only we can write to it. -1 (errno set) if not. */
/* mkdir -p with mode 0700 for what it creates. */
static int mkdir_parents(const char *dir, sbx_error **err) {
  _cleanup_free_ char *p = xstrdup(dir);
  for (char *c = p + 1;; c++) {
    if (*c != '/' && *c != '\0') continue;
    char saved = *c;
    *c = '\0';
    if (mkdir(p, 0700) < 0 && errno != EEXIST)
      return sbx_set_errno(err, "seccomp cache: creating directory %s", p);
    *c = saved;
    if (!saved) return 0;
  }
}

static int cache_dir_open(const char *dir, bool create, sbx_error **err) {
  if (create && mkdir_parents(dir, err) < 0) return -1;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return sbx_set_errno(err, "seccomp cache: opening directory %s", dir);
  struct stat st;
  if (fstat(fd, &st) < 0) {
    sbx_set_errno(err, "seccomp cache: fstat of %s", dir);
    close(fd);
    return -1;
  }
  if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    close(fd);
    errno = EPERM;
    return sbx_set_error(err, EPERM,
                         "seccomp cache: directory %s must be owned by uid %u with mode 0700 "
                         "(it is owned by %u with mode %04o)",
                         dir, (unsigned)geteuid(), (unsigned)st.st_uid,
                         (unsigned)(st.st_mode & 07777));
  }
  return fd;
}

int sc_cache_set_dir(const char *dir, sbx_error **err) {
  if (dir) {
    if (dir[0] != '/')
      return sbx_set_error(err, EINVAL, "seccomp cache: '%s' is not an absolute path", dir);
    int fd = cache_dir_open(dir, true, err);
    if (fd < 0) return -1;
    close(fd);
  }
  pthread_mutex_lock(&cache_lock);
  free(cache_dir);
  cache_dir = dir ? xstrdup(dir) : NULL;
  pthread_mutex_unlock(&cache_lock);
  return 0;
}

static char *cache_dir_get(void) {
  pthread_mutex_lock(&cache_lock);
  char *d = cache_dir ? xstrdup(cache_dir) : NULL;
  pthread_mutex_unlock(&cache_lock);
  return d;
}

typedef struct disk_header {
  char magic[8];
  uint64_t policy_len;
  uint64_t n_insns;
} disk_header;

static sc_filter *disk_lookup(const char *dir, const char *name, const buf *policy) {
  _cleanup_close_ int dfd = cache_dir_open(dir, false, NULL);
  if (dfd < 0) return NULL;
  _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & 022) != 0)
    return NULL;
  size_t expect_max = sizeof(disk_header) + policy->len + BPF_MAXINSNS * sizeof(struct sock_filter);
  if ((size_t)st.st_size < sizeof(disk_header) || (size_t)st.st_size > expect_max) return NULL;
  size_t size = (size_t)st.st_size;
  _cleanup_free_ char *data = xmalloc(size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = pread(fd, data + got, size - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return NULL;
    got += (size_t)n;
  }
  disk_header h;
  memcpy(&h, data, sizeof h);
  if (memcmp(h.magic, DISK_MAGIC, 8) != 0 || h.policy_len != policy->len || h.n_insns == 0 ||
      h.n_insns > BPF_MAXINSNS ||
      size != sizeof h + h.policy_len + h.n_insns * sizeof(struct sock_filter))
    return NULL;
  if (memcmp(data + sizeof h, policy->data, policy->len) != 0) return NULL;
  return sc_filter_new((const struct sock_filter *)(data + sizeof h + policy->len), h.n_insns);
}

static int write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Best effort: a cache that cannot be written only costs the next run a compile. */
static void disk_store(const char *dir, const char *name, const buf *policy, const sc_filter *f) {
  _cleanup_close_ int dfd = cache_dir_open(dir, false, NULL);
  if (dfd < 0) return;
  static unsigned counter;
  char tmp[64];
  snprintf(tmp, sizeof tmp, ".tmp-%d-%u", (int)getpid(), __atomic_add_fetch(&counter, 1, 0));
  _cleanup_close_ int fd =
      openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  disk_header h = {.policy_len = policy->len, .n_insns = f->len};
  memcpy(h.magic, DISK_MAGIC, 8);
  if (write_all(fd, &h, sizeof h) < 0 || write_all(fd, policy->data, policy->len) < 0 ||
      write_all(fd, f->insns, f->len * sizeof *f->insns) < 0 || renameat(dfd, tmp, dfd, name) < 0)
    unlinkat(dfd, tmp, 0);
}

int sc_filter_build(const sbx_seccomp *sc, sc_filter **out, sbx_error **err) {
  return sc_filter_build_in(sc, NULL, out, NULL, err);
}

int sc_filter_build_in(const sbx_seccomp *sc, const char *dir_arg, sc_filter **out,
                       sbx_error **cache_err, sbx_error **err) {
  *out = NULL;
  /* Without a policy the job still gets the rules every filter has (seccomp-fixed.h). */
  sbx_seccomp fixed_only = {.enabled = true, .default_action = SBX_SECCOMP_ALLOW};
  if (!sc->enabled) sc = &fixed_only;
  buf policy = {0};
  sc_policy_serialise(sc, &policy);
  _cleanup_free_ char *policy_data = policy.data;
  sc_filter *f = memory_lookup(&policy);
  if (f) {
    last_source = SC_FROM_MEMORY;
    *out = f;
    return 0;
  }
  _cleanup_free_ char *dir = NULL;
  if (!dir_arg) {
    dir = cache_dir_get();
  } else if (dir_arg[0] != '/') {
    sbx_set_error(cache_err, EINVAL, "seccomp cache: '%s' is not an absolute path", dir_arg);
  } else {
    /* Created (0700, with its parents) and checked here; unusable means memory only. */
    int dfd = cache_dir_open(dir_arg, true, cache_err);
    if (dfd >= 0) {
      close(dfd);
      dir = xstrdup(dir_arg);
    }
  }
  char name[32];
  snprintf(name, sizeof name, "%016llx.bpf",
           (unsigned long long)sc_policy_hash(policy.data, policy.len));
  if (dir && (f = disk_lookup(dir, name, &policy))) {
    last_source = SC_FROM_DISK;
    memory_store(&policy, f);
    *out = f;
    return 0;
  }
  if (sc_compile(sc, &f, err) < 0) return sbx_error_prefix(err, "building the seccomp filter");
  last_source = SC_FROM_COMPILE;
  memory_store(&policy, f);
  if (dir) disk_store(dir, name, &policy, f);
  *out = f;
  return 0;
}
