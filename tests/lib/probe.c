/* probe.c: the probe as the job (see probe.h). */
#include "probe.h"

#include "scratch.h"

uint32_t probe_host_uid(void) { return getuid() == 0 ? NOBODY : getuid(); }
uint32_t probe_host_gid(void) { return getuid() == 0 ? NOBODY : getgid(); }

/* The current test's probe and shared directories (NULL until made; reset when it ends). */
static const char *probe_copy, *shared_dir;

static void forget(void *slot) { *(const char **)slot = NULL; }

const char *probe_dir(void) {
  if (probe_copy) return probe_copy;
  const char *builddir = getenv("SBX_BUILDDIR");
  _cleanup_free_ char *src = xasprintf("%s/tests/helper/probe", builddir ? builddir : "build");
  char *dir = scratch_mkdir("probe", 0755);
  scratch_copy("probe/probe", src, 0755);
  scratch_write("probe/notexec", "#!/bin/sh\n", 0644);
  test_defer(forget, &probe_copy);
  probe_copy = dir;
  return dir;
}

static void add_mapping(sbx_id_mapping **m, size_t *n, uint32_t inside, uint32_t outside) {
  *m = xrealloc(*m, (*n + 1) * sizeof **m);
  (*m)[(*n)++] = (sbx_id_mapping){.container_id = inside, .host_id = outside, .size = 1};
}

sbx_spec *probe_spec(const char *const *args) {
  const char *dir = probe_dir();
  sbx_spec *s = own_spec(spec_new());
  spec_add_mount(s, SBX_MOUNT_BIND, dir, "/probe", SBX_MNT_RO | SBX_MNT_NOSUID | SBX_MNT_NODEV);
  spec_add_mount(s, SBX_MOUNT_PROC, NULL, "/proc", SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC);
  spec_add_mount(s, SBX_MOUNT_DEV, NULL, "/dev", SBX_MNT_NOSUID | SBX_MNT_NOEXEC);
  sbx_mount *tmp = spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/tmp", SBX_MNT_NOSUID | SBX_MNT_NODEV);
  tmp->mode = 01777;
  tmp->size = 16 << 20;
  free(s->hostname);
  s->hostname = xstrdup("sbx-test");
  add_mapping(&s->uid_mappings, &s->n_uid_mappings, 0, probe_host_uid());
  add_mapping(&s->gid_mappings, &s->n_gid_mappings, 0, probe_host_gid());
  spec_env_set(s, "PATH", "/probe");
  spec_env_set(s, "SBX_TEST", "1");
  free(s->process.cwd);
  s->process.cwd = xstrdup("/tmp");
  job_set_args(s, args);
  return s;
}

const char *probe_add_shared(sbx_spec *s) {
  if (!shared_dir) {
    shared_dir = scratch_mkdir("shared", 0777);
    test_defer(forget, &shared_dir);
  }
  spec_add_mount(s, SBX_MOUNT_BIND, shared_dir, "/shared", SBX_MNT_NOSUID | SBX_MNT_NODEV);
  return shared_dir;
}

const char *probe_values(const char *out, const char *key) {
  size_t kl = strlen(key);
  char *acc = xstrdup("");
  for (const char *l = out; l && *l;) {
    const char *nl = strchr(l, '\n');
    size_t ll = nl ? (size_t)(nl - l) : strlen(l);
    if (ll > kl && strncmp(l, key, kl) == 0 && l[kl] == '=') {
      char *next = xasprintf("%s%s%.*s", acc, *acc ? "|" : "", (int)(ll - kl - 1), l + kl + 1);
      free(acc);
      acc = next;
    }
    l = nl ? nl + 1 : NULL;
  }
  return test_own(acc);
}
