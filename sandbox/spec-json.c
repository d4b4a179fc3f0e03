/* spec-json.c: the spec as an OCI runtime-spec config.json: what the writer
 * (spec-json-write.c) and the reader (spec-json-read*.c) share. The mapping, field by field and
 * annotation by annotation, is documented in docs/oci.md. */
#include "spec-json.h"

#include "util.h"

const char *const spec_json_network_names[3] = {
    [SBX_NET_NONE] = "none", [SBX_NET_LOOPBACK] = "loopback", [SBX_NET_HOST] = "host"};
const char *const spec_json_stdio_names[3] = {
    [SBX_STDIO_INHERIT] = "inherit", [SBX_STDIO_NULL] = "null", [SBX_STDIO_FILE] = "file"};
const char *const spec_json_stdio_keys[3] = {ANN_STDIN, ANN_STDOUT, ANN_STDERR};
const char *const spec_json_stdio_path_keys[3] = {ANN_STDIN_PATH, ANN_STDOUT_PATH, ANN_STDERR_PATH};
const char *const spec_json_cgroup_names[4] = {[SBX_CGROUP_AUTO] = "auto",
                                               [SBX_CGROUP_REQUIRED] = "required",
                                               [SBX_CGROUP_OPTIONAL] = "optional",
                                               [SBX_CGROUP_OFF] = "off"};
const char *const spec_json_etc_names[2] = {
    [SBX_ETC_GENERATED] = "generated", [SBX_ETC_NONE] = "none"};

const unsigned spec_json_ns_order[7] = {SBX_NS_PID, SBX_NS_NET,  SBX_NS_MOUNT, SBX_NS_IPC,
                                        SBX_NS_UTS, SBX_NS_USER, SBX_NS_CGROUP};

const char *const spec_json_oci_arches[SPEC_JSON_N_ARCHES] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
};

const char *const spec_json_rlimit_names[RL_COUNT] = {[RL_NOFILE] = "RLIMIT_NOFILE",
                                                      [RL_FSIZE] = "RLIMIT_FSIZE",
                                                      [RL_STACK] = "RLIMIT_STACK",
                                                      [RL_CORE] = "RLIMIT_CORE",
                                                      [RL_CPU] = "RLIMIT_CPU"};

int spec_json_index_of(const char *const *names, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (names[i] && strcmp(names[i], s) == 0) return (int)i;
  return -1;
}

json_t *spec_json_dev_extra_mount(int which) {
  json_t *m;
  if (which == 0)
    m = json_pack("{s:s, s:s, s:s, s:[s,s,s,s,s]}", "destination", "/dev/pts", "type", "devpts",
                  "source", "devpts", "options", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                  "mode=0620");
  else
    m = json_pack("{s:s, s:s, s:s, s:[s,s,s,s,s]}", "destination", "/dev/shm", "type", "tmpfs",
                  "source", "shm", "options", "nosuid", "nodev", "noexec", "mode=1777",
                  "size=65536k");
  if (!m) {
    static const char msg[] = "sandbox: out of memory\n";
    ssize_t r = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)r;
    abort();
  }
  return m;
}
