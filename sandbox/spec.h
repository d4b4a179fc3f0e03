/* spec.h: the in-memory job spec. One type serves the YAML loader (jobspec/), the JSON reader
 * and writer (spec-json*.c) and the engine. Field names follow the OCI runtime spec where OCI has
 * the setting; the rest travel in config.json as annotations under SBX_ANNOTATION_PREFIX.
 *
 * Units: sizes in bytes, durations in microseconds. SBX_UNSET (UINT64_MAX) means "no limit" /
 * "not set" for every uint64_t limit. */
#ifndef SANDBOX_SPEC_H
#define SANDBOX_SPEC_H

#include "sandbox.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SBX_UNSET             UINT64_MAX
#define SBX_ANNOTATION_PREFIX "org.sandbox."
#define SBX_OCI_VERSION       "1.0.2"

/* ---- process ------------------------------------------------------------------------------ */

/* One of the job's standard streams (sbx_stdio_mode in sandbox.h): the caller's (the default),
 * /dev/null, or a host file opened by main with the caller's rights. */
typedef struct sbx_stdio {
  sbx_stdio_mode mode;
  char *path; /* SBX_STDIO_FILE only: an absolute host path */
} sbx_stdio;
enum { SBX_STDIN = 0, SBX_STDOUT = 1, SBX_STDERR = 2 }; /* indexes of sbx_process.stdio[] */

typedef struct sbx_process {
  char **args; /* NULL-terminated; n_args entries */
  size_t n_args;
  char **env; /* NULL-terminated "NAME=value"; n_env entries, names unique */
  size_t n_env;
  char *cwd;      /* absolute path inside the sandbox */
  uint32_t uid;   /* inside the sandbox */
  uint32_t gid;   /* inside the sandbox */
  uint32_t umask; /* 0..0777 */
  sbx_stdio stdio[3];
  bool no_new_privileges; /* always true for specs we write; read from OCI */
  uint64_t capabilities;  /* bit n = capability n (CAP_CHOWN = 0 ...): kept capabilities */
} sbx_process;

/* ---- filesystem --------------------------------------------------------------------------- */

typedef enum sbx_mount_type {
  SBX_MOUNT_BIND = 0,
  SBX_MOUNT_TMPFS,
  SBX_MOUNT_PROC,
  SBX_MOUNT_DEV,    /* the minimal /dev: null zero full random urandom tty, pts, shm */
  SBX_MOUNT_DEVPTS, /* OCI "devpts" (only read from foreign specs) */
  SBX_MOUNT_MQUEUE, /* OCI "mqueue" (only read from foreign specs) */
  SBX_MOUNT_SYSFS,  /* OCI "sysfs" (only read from foreign specs) */
} sbx_mount_type;

enum {
  SBX_MNT_RO = 1u << 0,
  SBX_MNT_NOSUID = 1u << 1,
  SBX_MNT_NODEV = 1u << 2,
  SBX_MNT_NOEXEC = 1u << 3,
  SBX_MNT_OPTIONAL = 1u << 4,  /* a missing bind source is skipped, not an error */
  SBX_MNT_RECURSIVE = 1u << 5, /* rbind */
};

typedef struct sbx_mount {
  sbx_mount_type type;
  char *source; /* host path for binds; NULL for the others */
  char *target; /* absolute path inside the sandbox */
  unsigned flags;
  uint64_t size; /* tmpfs: bytes, SBX_UNSET = kernel default */
  uint32_t mode; /* tmpfs: permissions of its root, default 01777 for /tmp and 0755 else */
} sbx_mount;

/* What /etc a fresh root gets (sandbox/etc.c, docs/profile.md filesystem.etc). A root
 * directory keeps its own /etc whatever this says. */
typedef enum sbx_etc_mode {
  SBX_ETC_GENERATED = 0, /* passwd group hosts host.conf nsswitch.conf hostname (resolv.conf) */
  SBX_ETC_NONE,          /* an empty /etc: only what the mounts put there */
} sbx_etc_mode;

typedef struct sbx_root {
  char *path; /* NULL: a fresh empty root (tmpfs) assembled from the mounts */
  bool readonly;
  sbx_etc_mode etc; /* a fresh root's /etc */
} sbx_root;

/* ---- limits ------------------------------------------------------------------------------- */

typedef struct sbx_limits {
  uint64_t wall_time_us; /* annotation */
  uint64_t cpu_time_us;  /* annotation; RLIMIT_CPU backstop */
  uint64_t memory;       /* linux.resources.memory.limit */
  uint64_t swap;         /* extra swap on top of memory; 0 by default (swap off) */
  uint64_t pids;         /* linux.resources.pids.limit */
  uint64_t cpu_quota_us; /* linux.resources.cpu.quota, with cpu_period_us */
  uint64_t cpu_period_us;
  uint64_t open_files; /* RLIMIT_NOFILE */
  uint64_t file_size;  /* RLIMIT_FSIZE */
  uint64_t stack;      /* RLIMIT_STACK */
  uint64_t core;       /* RLIMIT_CORE, 0 by default */
  uint64_t output;     /* annotation: cap on captured stdout + stderr */
  /* annotation: at the wall-time limit, SIGTERM to every process of the job, then SIGKILL
   * after this long; 0 (the default): SIGKILL at once. */
  uint64_t kill_grace_us;
} sbx_limits;

/* ---- namespaces, ids ---------------------------------------------------------------------- */

enum {
  SBX_NS_USER = 1u << 0,
  SBX_NS_PID = 1u << 1,
  SBX_NS_MOUNT = 1u << 2,
  SBX_NS_NET = 1u << 3,
  SBX_NS_IPC = 1u << 4,
  SBX_NS_UTS = 1u << 5,
  SBX_NS_CGROUP = 1u << 6,
  SBX_NS_ALL = (1u << 7) - 1,
};

typedef struct sbx_id_mapping {
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
} sbx_id_mapping;

/* The id mapping asked for, when the spec has no explicit uid/gid mappings: decided for the
 * caller who runs it by the one id-mapping policy (sandbox/idmap-policy.c), so a profile, and a
 * config.json written from it, behave the same for every caller. */
#define SBX_ID_AUTO UINT32_MAX
typedef struct sbx_id_intent {
  uint32_t host_uid, host_gid; /* SBX_ID_AUTO: chosen for the caller */
  uint32_t count;              /* ids mapped, from 0 when > 1; 0 is taken as 1 */
} sbx_id_intent;

typedef enum sbx_network {
  SBX_NET_NONE = 0, /* new net namespace, lo down */
  SBX_NET_LOOPBACK, /* new net namespace, lo up */
  SBX_NET_HOST,     /* the host's network (unsafe) */
} sbx_network;

typedef enum sbx_cgroup_mode {
  SBX_CGROUP_AUTO = 0, /* required as root, optional rootless */
  SBX_CGROUP_REQUIRED,
  SBX_CGROUP_OPTIONAL,
  SBX_CGROUP_OFF,
} sbx_cgroup_mode;

/* ---- seccomp ------------------------------------------------------------------------------ */

typedef enum sbx_seccomp_action {
  SBX_SECCOMP_ALLOW = 0,
  SBX_SECCOMP_ERRNO,        /* fail with `errno_ret` */
  SBX_SECCOMP_KILL,         /* kill the thread (SCMP_ACT_KILL) */
  SBX_SECCOMP_KILL_PROCESS, /* kill the process */
  SBX_SECCOMP_TRAP,         /* SIGSYS */
  SBX_SECCOMP_LOG,          /* allow and log */
} sbx_seccomp_action;

typedef enum sbx_seccomp_op {
  SBX_OP_EQ = 0,
  SBX_OP_NE,
  SBX_OP_LT,
  SBX_OP_LE,
  SBX_OP_GT,
  SBX_OP_GE,
  SBX_OP_MASKED_EQ, /* (arg & value) == value_two */
} sbx_seccomp_op;

typedef struct sbx_seccomp_arg {
  unsigned index; /* 0..5 */
  uint64_t value;
  uint64_t value_two;
  sbx_seccomp_op op;
} sbx_seccomp_arg;

typedef struct sbx_seccomp_rule {
  char **names; /* NULL-terminated syscall names; n_names entries */
  size_t n_names;
  sbx_seccomp_action action;
  uint32_t errno_ret; /* SBX_SECCOMP_ERRNO only */
  sbx_seccomp_arg *args;
  size_t n_args;
} sbx_seccomp_rule;

typedef struct sbx_seccomp {
  bool enabled;
  sbx_seccomp_action default_action;
  uint32_t default_errno; /* SBX_SECCOMP_ERRNO only */
  char **architectures;   /* NULL-terminated OCI names ("SCMP_ARCH_X86_64") */
  size_t n_architectures;
  sbx_seccomp_rule *rules;
  size_t n_rules;
} sbx_seccomp;

/* ---- the spec ----------------------------------------------------------------------------- */

typedef struct sbx_annotation {
  char *key;
  char *value;
} sbx_annotation;

struct sbx_spec {
  sbx_process process;
  sbx_root root;
  sbx_mount *mounts;
  size_t n_mounts;
  char **masked_paths; /* NULL-terminated */
  size_t n_masked_paths;
  char **readonly_paths; /* NULL-terminated */
  size_t n_readonly_paths;
  char *hostname; /* NULL: no UTS change */
  sbx_limits limits;
  unsigned namespaces; /* SBX_NS_* */
  sbx_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  sbx_id_mapping *gid_mappings;
  size_t n_gid_mappings;
  sbx_id_intent id_intent; /* used when there are no explicit mappings */
  sbx_network network;
  sbx_cgroup_mode cgroup_mode;
  char *cgroup_parent; /* NULL: the default ("sandbox") */
  sbx_seccomp seccomp;
  /* Annotations that are not ours, kept so that a foreign config.json round-trips. */
  sbx_annotation *annotations;
  size_t n_annotations;
};

/* The longest limits.kill_grace_us (10 minutes). */
#define SPEC_KILL_GRACE_MAX_US (UINT64_C(600) * 1000000)

/* A spec with every default: no args, empty env, cwd "/", uid/gid 0, umask 022, stdio inherited,
 * no_new_privileges, no capabilities, fresh root, no mounts, every limit SBX_UNSET except
 * core = 0 and swap = 0, every namespace, network none, cgroup auto, seccomp disabled. */
sbx_spec *spec_new(void);

/* Deep equality, for tests and the round trip. */
bool spec_equal(const sbx_spec *a, const sbx_spec *b);

/* Appending helpers; each copies its arguments and aborts on out of memory. */
sbx_mount *spec_add_mount(sbx_spec *spec, sbx_mount_type type, const char *source,
                          const char *target, unsigned flags);
void spec_env_set(sbx_spec *spec, const char *name, const char *value); /* replaces */
const char *spec_env_get(const sbx_spec *spec, const char *name);
sbx_seccomp_rule *spec_add_seccomp_rule(sbx_spec *spec, sbx_seccomp_action action,
                                        uint32_t errno_ret);
void spec_rule_add_name(sbx_seccomp_rule *rule, const char *name);
void spec_rule_add_arg(sbx_seccomp_rule *rule, unsigned index, sbx_seccomp_op op, uint64_t value,
                       uint64_t value_two);
void spec_add_annotation(sbx_spec *spec, const char *key, const char *value);

/* The one mount order: parents before children, a stable sort by the depth of the target (the
 * number of its components), so that a mount is never hidden by one on a parent directory that
 * came later. The profile loader and sbx_spec_add_bind both keep the mounts so. `order` (NULL,
 * or room for n_mounts) receives, for each new position, the mount's old index. */
void spec_sort_mounts(sbx_spec *spec, size_t *order);

/* ---- the semantic checker (spec.c) ------------------------------------------------------- */

/* The rules every spec must follow, checked in one place for both front-ends and for specs built
 * through the API. A problem is reported with the spec path of the offending field, which names
 * it as C would ("process.cwd", "mounts[2].target", "masked_paths[0]",
 * "seccomp.rules[1].args[0].index"; "namespaces.net" is the net bit of `namespaces`), and a
 * message that does not repeat the path. Each front-end maps the path back to where its input
 * said it: the YAML loader to file:line:column and the profile's key path, the config.json
 * reader to the JSON path; sbx_spec_validate prints it as it is. */
enum {
  /* What the spec's types cannot say and config.json must not carry: a umask above 0777, a bind
   * without a source, a seccomp rule without names or with an argument index above 5, unknown
   * capability numbers. The config.json reader and writer check these too. */
  SPEC_CHECK_FORM = 1u << 0,
  /* What a spec means: paths inside the sandbox, bind sources, limits that allow nothing, id
   * mapping ranges, and settings that contradict each other. */
  SPEC_CHECK_MEANING = 1u << 1,
  /* A command to run (a profile may leave it to the command line). */
  SPEC_CHECK_COMMAND = 1u << 2,
  SPEC_CHECK_ALL = SPEC_CHECK_FORM | SPEC_CHECK_MEANING | SPEC_CHECK_COMMAND,
};

/* How a front-end hears of problems and names its fields. */
typedef struct spec_front {
  void *ctx;
  /* One problem with the field at `path`. */
  void (*report)(void *ctx, const char *path, const char *msg);
  /* The front-end's name of a field, for messages that mention another field
   * ("limits.cpu_period_us" is "limits.cpu_period" in a profile); NULL: the spec path. */
  const char *(*name)(void *ctx, const char *path);
  /* False when the input did not give the field (it has its default); NULL: always true. */
  bool (*given)(void *ctx, const char *path);
} spec_front;

/* Checks the rules of the classes in `rules` (SPEC_CHECK_*); returns the number of problems. */
size_t spec_check(const sbx_spec *spec, unsigned rules, const spec_front *front);

/* The index in "NAME[i]..." when `path` starts with it (rest: what follows "]"), else false. */
bool spec_path_index(const char *path, const char *name, size_t *i, const char **rest);

/* ---- name tables (spec-names.c), shared by the YAML and JSON sides ------------------------ */

/* Capability names: "CAP_CHOWN" or "chown" (case-insensitive, with or without CAP_). */
int caps_from_name(const char *name);               /* -1 if unknown */
const char *caps_to_name(int cap);                  /* "CAP_CHOWN"; NULL if unknown */
int caps_last(void);                                /* highest capability number we know */
const char *sc_action_to_oci(sbx_seccomp_action a); /* "SCMP_ACT_ERRNO" */
int sc_action_from_oci(const char *name);           /* -1 if unknown */
const char *sc_op_to_oci(sbx_seccomp_op op);        /* "SCMP_CMP_EQ" */
int sc_op_from_oci(const char *name);
int errno_from_name(const char *name);  /* "EPERM" -> 1; -1 if unknown */
const char *errno_to_name(int e);       /* 1 -> "EPERM"; NULL if unknown */
const char *ns_to_oci(unsigned ns_bit); /* SBX_NS_USER -> "user" */
unsigned ns_from_oci(const char *name); /* 0 if unknown */

#endif
