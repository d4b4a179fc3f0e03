/* json-tool: a helper for tests/runc.sh (and for people) around spec-json.c.
 *
 *   json-tool demo [--userns HOSTID] [--baseline] [--] CMD ARGS...
 *       prints the config.json of a small sandbox spec running CMD: a fresh read-only root with
 *       read-only binds of /usr, /bin, /lib and /lib64 (those that exist), /proc, the minimal
 *       /dev, a /tmp tmpfs, every namespace but user (or with it, root mapped to HOSTID),
 *       resource limits, rlimits and a seccomp filter with an argument rule. With --baseline the
 *       filter is an allow-list: @baseline allowed, everything else failing with ENOSYS.
 *   json-tool reformat FILE
 *       reads an OCI config.json and prints it as sbx_spec_to_json writes it.
 *   json-tool root-owner FILE
 *       prints "UID:GID", the host ids that root inside the user namespace of FILE maps to
 *       ("0:0" without a user namespace or a mapping of id 0), for chown'ing a bundle's rootfs.
 *
 * Exit status: 0, or 1 with the error on stderr. */
#include "seccomp-groups.h"
#include "spec.h"
#include "util.h"

#include <jansson.h>
#include <seccomp.h>

#include <sched.h>
#include <sys/stat.h>

static int usage(void) {
  fprintf(stderr,
          "usage: json-tool demo [--userns HOSTID] [--baseline] [--] CMD ARGS...\n"
          "       json-tool reformat FILE\n"
          "       json-tool root-owner FILE\n");
  return 2;
}

static sbx_spec *demo_spec(char **argv, int argc, long userns_host, bool baseline) {
  sbx_spec *s = spec_new();
  if (sbx_spec_set_args(s, (const char *const *)argv, (size_t)argc, NULL) < 0) return NULL;
  spec_env_set(s, "PATH", "/usr/bin:/bin");
  s->root.readonly = true;
  s->hostname = xstrdup("sandbox");
  static const char *const binds[] = {"/usr", "/bin", "/lib", "/lib64"};
  for (size_t i = 0; i < ARRAY_SIZE(binds); i++) {
    struct stat st;
    /* Sources that are symlinks on the host (/bin -> usr/bin) are bound as written: mount(2)
     * follows them and the destination is created as a directory. */
    if (stat(binds[i], &st) == 0)
      spec_add_mount(s, SBX_MOUNT_BIND, binds[i], binds[i],
                     SBX_MNT_RECURSIVE | SBX_MNT_RO | SBX_MNT_NOSUID | SBX_MNT_NODEV);
  }
  spec_add_mount(s, SBX_MOUNT_PROC, NULL, "/proc", SBX_MNT_NOSUID | SBX_MNT_NODEV | SBX_MNT_NOEXEC);
  spec_add_mount(s, SBX_MOUNT_DEV, NULL, "/dev", SBX_MNT_NOSUID | SBX_MNT_NOEXEC);
  sbx_mount *m = spec_add_mount(s, SBX_MOUNT_TMPFS, NULL, "/tmp", SBX_MNT_NOSUID | SBX_MNT_NODEV);
  m->size = 16 << 20;
  m->mode = 01777;
  strv_push(&s->masked_paths, &s->n_masked_paths, "/proc/kcore");
  strv_push(&s->readonly_paths, &s->n_readonly_paths, "/proc/sys");
  s->limits.memory = 256 << 20;
  s->limits.pids = 64;
  s->limits.cpu_quota_us = 100000;
  s->limits.cpu_period_us = 100000;
  s->limits.open_files = 256;
  s->limits.file_size = 64 << 20;
  s->limits.stack = 8 << 20;
  s->limits.cpu_time_us = 5000000;
  s->limits.wall_time_us = 10000000;
  s->limits.output = 1 << 20;
  s->namespaces = SBX_NS_ALL & ~SBX_NS_USER;
  if (userns_host >= 0) {
    s->namespaces |= SBX_NS_USER;
    s->uid_mappings = xcalloc(1, sizeof *s->uid_mappings);
    s->uid_mappings[0] = (sbx_id_mapping){0, (uint32_t)userns_host, 65536};
    s->n_uid_mappings = 1;
    s->gid_mappings = xcalloc(1, sizeof *s->gid_mappings);
    s->gid_mappings[0] = (sbx_id_mapping){0, (uint32_t)userns_host, 65536};
    s->n_gid_mappings = 1;
  }
  s->network = SBX_NET_LOOPBACK;
  sbx_seccomp *sc = &s->seccomp;
  sc->enabled = true;
  sc->default_action = SBX_SECCOMP_ALLOW;
#if defined(__x86_64__)
  strv_push(&sc->architectures, &sc->n_architectures, "SCMP_ARCH_X86_64");
  strv_push(&sc->architectures, &sc->n_architectures, "SCMP_ARCH_X86");
  strv_push(&sc->architectures, &sc->n_architectures, "SCMP_ARCH_X32");
#elif defined(__aarch64__)
  strv_push(&sc->architectures, &sc->n_architectures, "SCMP_ARCH_AARCH64");
  strv_push(&sc->architectures, &sc->n_architectures, "SCMP_ARCH_ARM");
#endif
  if (baseline) {
    sc->default_action = SBX_SECCOMP_ERRNO;
    sc->default_errno = ENOSYS;
    sbx_seccomp_rule *allow = spec_add_seccomp_rule(s, SBX_SECCOMP_ALLOW, 0);
    /* Names that do not exist on this architecture are left out, as a profile's are. */
    for (const char *const *n = sc_group_syscalls("@baseline"); *n; n++)
      if (seccomp_syscall_resolve_name(*n) >= 0) spec_rule_add_name(allow, *n);
  }
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, SBX_SECCOMP_ERRNO, EPERM);
  spec_rule_add_name(r, "mount");
  spec_rule_add_name(r, "umount2");
  spec_rule_add_name(r, "pivot_root");
  r = spec_add_seccomp_rule(s, SBX_SECCOMP_ERRNO, EPERM);
  spec_rule_add_name(r, "unshare");
  spec_rule_add_arg(r, 0, SBX_OP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER);
  r = spec_add_seccomp_rule(s, SBX_SECCOMP_KILL_PROCESS, 0);
  spec_rule_add_name(r, "kexec_load");
  return s;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  sbx_error *err = NULL;
  sbx_spec *s = NULL;
  if (strcmp(argv[1], "demo") == 0) {
    int i = 2;
    long userns = -1;
    if (i + 1 < argc && strcmp(argv[i], "--userns") == 0) {
      char *end;
      userns = strtol(argv[i + 1], &end, 10);
      if (*end || userns < 0 || userns > UINT32_MAX - 65536) return usage();
      i += 2;
    }
    bool baseline = false;
    if (i < argc && strcmp(argv[i], "--baseline") == 0) {
      baseline = true;
      i++;
    }
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
    if (i >= argc) return usage();
    s = demo_spec(argv + i, argc - i, userns, baseline);
    if (!s) return usage();
  } else if (strcmp(argv[1], "root-owner") == 0 && argc == 3) {
    /* What runc uses: the document's own linux.uidMappings/gidMappings (our reader keeps the
     * id-mapping intent instead when the file has one). Read and checked by our reader first. */
    if (sbx_spec_load_json(argv[2], &s, &err) < 0) {
      fprintf(stderr, "json-tool: %s\n", err->message);
      sbx_error_free(err);
      return 1;
    }
    bool userns = (s->namespaces & SBX_NS_USER) != 0;
    sbx_spec_free(s);
    json_error_t jerr;
    json_t *doc = json_load_file(argv[2], 0, &jerr);
    if (!doc) {
      fprintf(stderr, "json-tool: %s: %s\n", argv[2], jerr.text);
      return 1;
    }
    uint32_t ids[2] = {0, 0};
    static const char *const keys[2] = {"uidMappings", "gidMappings"};
    for (int k = 0; k < 2 && userns; k++) {
      const json_t *maps = json_object_get(json_object_get(doc, "linux"), keys[k]);
      size_t i;
      const json_t *m;
      json_array_foreach(maps, i, m) {
        if (json_integer_value(json_object_get(m, "containerID")) == 0 &&
            json_integer_value(json_object_get(m, "size")) > 0)
          ids[k] = (uint32_t)json_integer_value(json_object_get(m, "hostID"));
      }
    }
    json_decref(doc);
    printf("%u:%u\n", ids[0], ids[1]);
    return fflush(stdout) == 0 ? 0 : 1;
  } else if (strcmp(argv[1], "reformat") == 0 && argc == 3) {
    if (sbx_spec_load_json(argv[2], &s, &err) < 0) {
      fprintf(stderr, "json-tool: %s\n", err->message);
      sbx_error_free(err);
      return 1;
    }
  } else {
    return usage();
  }
  char *json = sbx_spec_to_json(s, &err);
  sbx_spec_free(s);
  if (!json) {
    fprintf(stderr, "json-tool: %s\n", err->message);
    sbx_error_free(err);
    return 1;
  }
  fputs(json, stdout);
  free(json);
  return fflush(stdout) == 0 ? 0 : 1;
}
