/* spec-json.h: what the config.json writer (spec-json-write.c) and reader (spec-json-read*.c)
 * share: the annotation names, the name tables and limits. The functions themselves are public
 * (sbx_spec_to_json, sbx_spec_load_json, sbx_spec_load_json_string in sandbox.h). The mapping is
 * documented in docs/oci.md; keep the two in step. */
#ifndef SANDBOX_SPEC_JSON_H
#define SANDBOX_SPEC_JSON_H

#include "spec.h"

#include <jansson.h>

static inline void cleanup_jsonp(json_t **j) { json_decref(*j); }
#define _cleanup_json_ __attribute__((cleanup(cleanup_jsonp)))

/* The largest config.json the reader accepts, and the most mounts it reads from one. */
#define SPEC_JSON_MAX_BYTES  (4 * 1024 * 1024)
#define SPEC_JSON_MAX_MOUNTS 4096

/* Settings OCI has no field for travel as these annotations (all values are strings). */
#define ANN_ROOT          SBX_ANNOTATION_PREFIX "root"                /* "tmpfs": fresh root */
#define ANN_WALL_TIME     SBX_ANNOTATION_PREFIX "limits.wall-time-us" /* decimal microseconds */
#define ANN_CPU_TIME      SBX_ANNOTATION_PREFIX "limits.cpu-time-us"  /* decimal microseconds */
#define ANN_OUTPUT        SBX_ANNOTATION_PREFIX "limits.output-bytes" /* decimal bytes */
#define ANN_SWAP          SBX_ANNOTATION_PREFIX "limits.swap-bytes"   /* decimal or "max" */
#define ANN_NETWORK       SBX_ANNOTATION_PREFIX "network"             /* none|loopback|host */
#define ANN_STDIN         SBX_ANNOTATION_PREFIX "stdin"               /* inherit|null|file */
#define ANN_STDIN_PATH    SBX_ANNOTATION_PREFIX "stdin.path"          /* host path */
#define ANN_STDOUT        SBX_ANNOTATION_PREFIX "stdout"              /* inherit|null|file */
#define ANN_STDOUT_PATH   SBX_ANNOTATION_PREFIX "stdout.path"         /* host path */
#define ANN_STDERR        SBX_ANNOTATION_PREFIX "stderr"              /* inherit|null|file */
#define ANN_STDERR_PATH   SBX_ANNOTATION_PREFIX "stderr.path"         /* host path */
#define ANN_CGROUP        SBX_ANNOTATION_PREFIX "cgroup"              /* auto|required|... */
#define ANN_CGROUP_PARENT SBX_ANNOTATION_PREFIX "cgroup.parent"       /* cgroup path */
#define ANN_OPTIONAL      SBX_ANNOTATION_PREFIX "mounts.optional"     /* JSON array of paths */
/* The id mapping asked for, "host_uid=auto,host_gid=auto,count=1" (ids or auto): written when
 * the spec has no explicit mappings. linux.uidMappings/gidMappings then hold what the policy
 * decided for the writer's caller (runc needs them); a reader takes the intent instead, so the
 * run decides for its own caller. */
#define ANN_ID_MAPPING SBX_ANNOTATION_PREFIX "id-mapping"
/* A fresh root's /etc: "generated" (absent) or "none" (root.etc). */
#define ANN_ETC SBX_ANNOTATION_PREFIX "etc"
/* "off": the spec has no seccomp policy, and linux.seccomp holds only the rules every filter of
 * the engine has (seccomp-fixed.h), written for runc. */
#define ANN_SECCOMP       SBX_ANNOTATION_PREFIX "seccomp"
#define SECCOMP_OFF_VALUE "off"
/* limits.kill_grace_us in decimal microseconds; written when not 0. */
#define ANN_KILL_GRACE SBX_ANNOTATION_PREFIX "limits.kill-grace-us"

/* The value of ANN_ROOT for a fresh empty root, and the root.path written for other runtimes. */
#define FRESH_ROOT_VALUE "tmpfs"
#define FRESH_ROOT_PATH  "rootfs"

/* Names of the enumerations in annotations, indexed by their values. */
extern const char *const spec_json_network_names[3];
extern const char *const spec_json_stdio_names[3];
/* The annotations of process.stdio[i]: its mode (written unless inherit) and its path. */
extern const char *const spec_json_stdio_keys[3];
extern const char *const spec_json_stdio_path_keys[3];
extern const char *const spec_json_cgroup_names[4];
extern const char *const spec_json_etc_names[2];

/* The namespaces in the order they are written. */
extern const unsigned spec_json_ns_order[7];

/* The seccomp architectures OCI names (libseccomp's, with the SCMP_ARCH_ prefix). */
#define SPEC_JSON_N_ARCHES 19
extern const char *const spec_json_oci_arches[SPEC_JSON_N_ARCHES];

/* The rlimits we write and read, in the order they are written. */
enum { RL_NOFILE, RL_FSIZE, RL_STACK, RL_CORE, RL_CPU, RL_COUNT };
extern const char *const spec_json_rlimit_names[RL_COUNT];

/* The index of `s` in `names` (n entries, NULL entries skipped), or -1. */
int spec_json_index_of(const char *const *names, size_t n, const char *s);

/* The two OCI mounts that complete the minimal /dev after its tmpfs (which = 0: /dev/pts,
 * 1: /dev/shm), exactly as written; the reader folds them back into SBX_MOUNT_DEV when they
 * follow a tmpfs on /dev unchanged. A new reference. */
json_t *spec_json_dev_extra_mount(int which);

struct idmap_host;
/* sbx_spec_to_json for a given caller (NULL: this process's ids and the system's files), whose
 * id mappings the intent is resolved to. */
char *spec_json_write(const sbx_spec *s, const struct idmap_host *caller, sbx_error **err);
/* The intent annotation's value: written (malloc'd) and read back (-1 when malformed). */
char *spec_json_intent_format(const sbx_id_intent *in);
int spec_json_intent_parse(const char *v, sbx_id_intent *in);

#endif
