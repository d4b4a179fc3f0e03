/* spec-names.c: name tables shared by the YAML and JSON sides: capabilities, errno values,
 * seccomp actions and operators, namespaces. */
#include "spec.h"

#include "util.h"

#include <strings.h>

static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

int caps_last(void) { return (int)ARRAY_SIZE(cap_names) - 1; }

const char *caps_to_name(int cap) { return cap >= 0 && cap <= caps_last() ? cap_names[cap] : NULL; }

int caps_from_name(const char *name) {
  const char *bare = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
  for (int i = 0; i <= caps_last(); i++)
    if (strcasecmp(cap_names[i] + 4, bare) == 0) return i;
  return -1;
}

#define E(x) \
  { #x, x }
static const struct {
  const char *name;
  int value;
} errno_names[] = {
    E(EPERM),
    E(ENOENT),
    E(ESRCH),
    E(EINTR),
    E(EIO),
    E(ENXIO),
    E(E2BIG),
    E(ENOEXEC),
    E(EBADF),
    E(ECHILD),
    E(EAGAIN),
    E(ENOMEM),
    E(EACCES),
    E(EFAULT),
    E(ENOTBLK),
    E(EBUSY),
    E(EEXIST),
    E(EXDEV),
    E(ENODEV),
    E(ENOTDIR),
    E(EISDIR),
    E(EINVAL),
    E(ENFILE),
    E(EMFILE),
    E(ENOTTY),
    E(ETXTBSY),
    E(EFBIG),
    E(ENOSPC),
    E(ESPIPE),
    E(EROFS),
    E(EMLINK),
    E(EPIPE),
    E(EDOM),
    E(ERANGE),
    E(EDEADLK),
    E(ENAMETOOLONG),
    E(ENOLCK),
    E(ENOSYS),
    E(ENOTEMPTY),
    E(ELOOP),
    E(ENOMSG),
    E(EIDRM),
    E(ECHRNG),
    E(EL2NSYNC),
    E(EL3HLT),
    E(EL3RST),
    E(ELNRNG),
    E(EUNATCH),
    E(ENOCSI),
    E(EL2HLT),
    E(EBADE),
    E(EBADR),
    E(EXFULL),
    E(ENOANO),
    E(EBADRQC),
    E(EBADSLT),
    E(EBFONT),
    E(ENOSTR),
    E(ENODATA),
    E(ETIME),
    E(ENOSR),
    E(ENONET),
    E(ENOPKG),
    E(EREMOTE),
    E(ENOLINK),
    E(EADV),
    E(ESRMNT),
    E(ECOMM),
    E(EPROTO),
    E(EMULTIHOP),
    E(EDOTDOT),
    E(EBADMSG),
    E(EOVERFLOW),
    E(ENOTUNIQ),
    E(EBADFD),
    E(EREMCHG),
    E(ELIBACC),
    E(ELIBBAD),
    E(ELIBSCN),
    E(ELIBMAX),
    E(ELIBEXEC),
    E(EILSEQ),
    E(ERESTART),
    E(ESTRPIPE),
    E(EUSERS),
    E(ENOTSOCK),
    E(EDESTADDRREQ),
    E(EMSGSIZE),
    E(EPROTOTYPE),
    E(ENOPROTOOPT),
    E(EPROTONOSUPPORT),
    E(ESOCKTNOSUPPORT),
    E(EOPNOTSUPP),
    E(EPFNOSUPPORT),
    E(EAFNOSUPPORT),
    E(EADDRINUSE),
    E(EADDRNOTAVAIL),
    E(ENETDOWN),
    E(ENETUNREACH),
    E(ENETRESET),
    E(ECONNABORTED),
    E(ECONNRESET),
    E(ENOBUFS),
    E(EISCONN),
    E(ENOTCONN),
    E(ESHUTDOWN),
    E(ETOOMANYREFS),
    E(ETIMEDOUT),
    E(ECONNREFUSED),
    E(EHOSTDOWN),
    E(EHOSTUNREACH),
    E(EALREADY),
    E(EINPROGRESS),
    E(ESTALE),
    E(EUCLEAN),
    E(ENOTNAM),
    E(ENAVAIL),
    E(EISNAM),
    E(EREMOTEIO),
    E(EDQUOT),
    E(ENOMEDIUM),
    E(EMEDIUMTYPE),
    E(ECANCELED),
    E(ENOKEY),
    E(EKEYEXPIRED),
    E(EKEYREVOKED),
    E(EKEYREJECTED),
    E(EOWNERDEAD),
    E(ENOTRECOVERABLE),
    E(ERFKILL),
    E(EHWPOISON),
};
#undef E

int errno_from_name(const char *name) {
  for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
    if (strcmp(errno_names[i].name, name) == 0) return errno_names[i].value;
  return -1;
}

const char *errno_to_name(int e) {
  for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
    if (errno_names[i].value == e) return errno_names[i].name;
  return NULL;
}

static const char *const action_names[] = {
    [SBX_SECCOMP_ALLOW] = "SCMP_ACT_ALLOW", [SBX_SECCOMP_ERRNO] = "SCMP_ACT_ERRNO",
    [SBX_SECCOMP_KILL] = "SCMP_ACT_KILL",   [SBX_SECCOMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [SBX_SECCOMP_TRAP] = "SCMP_ACT_TRAP",   [SBX_SECCOMP_LOG] = "SCMP_ACT_LOG",
};

const char *sc_action_to_oci(sbx_seccomp_action a) {
  return (size_t)a < ARRAY_SIZE(action_names) ? action_names[a] : NULL;
}

int sc_action_from_oci(const char *name) {
  for (size_t i = 0; i < ARRAY_SIZE(action_names); i++)
    if (strcmp(action_names[i], name) == 0) return (int)i;
  if (strcmp(name, "SCMP_ACT_KILL_THREAD") == 0) return SBX_SECCOMP_KILL;
  return -1;
}

static const char *const op_names[] = {
    [SBX_OP_EQ] = "SCMP_CMP_EQ",
    [SBX_OP_NE] = "SCMP_CMP_NE",
    [SBX_OP_LT] = "SCMP_CMP_LT",
    [SBX_OP_LE] = "SCMP_CMP_LE",
    [SBX_OP_GT] = "SCMP_CMP_GT",
    [SBX_OP_GE] = "SCMP_CMP_GE",
    [SBX_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

const char *sc_op_to_oci(sbx_seccomp_op op) {
  return (size_t)op < ARRAY_SIZE(op_names) ? op_names[op] : NULL;
}

int sc_op_from_oci(const char *name) {
  for (size_t i = 0; i < ARRAY_SIZE(op_names); i++)
    if (strcmp(op_names[i], name) == 0) return (int)i;
  return -1;
}

static const struct {
  unsigned bit;
  const char *name;
} ns_names[] = {
    {SBX_NS_PID, "pid"}, {SBX_NS_NET, "network"}, {SBX_NS_MOUNT, "mount"},   {SBX_NS_IPC, "ipc"},
    {SBX_NS_UTS, "uts"}, {SBX_NS_USER, "user"},   {SBX_NS_CGROUP, "cgroup"},
};

const char *ns_to_oci(unsigned bit) {
  for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++)
    if (ns_names[i].bit == bit) return ns_names[i].name;
  return NULL;
}

unsigned ns_from_oci(const char *name) {
  for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++)
    if (strcmp(ns_names[i].name, name) == 0) return ns_names[i].bit;
  return 0;
}
