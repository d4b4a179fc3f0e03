/* translate-seccomp.c: the `seccomp` section of a profile: a default action, allow and deny lists
 * of system calls and @groups, and rules with argument conditions.
 *
 * The filter is for the native architecture only. libseccomp's bad-architecture action kills a
 * process that calls through another ABI (int 0x80 i386 calls and x32 calls on x86_64), so such
 * calls cannot bypass the rules. */
#include "translate.h"

#include "seccomp-groups.h"
#include "util.h"

#include <ctype.h>
#include <sched.h>
#include <seccomp.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static const char *const action_names[] = {
    [SBX_SECCOMP_ALLOW] = "allow", [SBX_SECCOMP_ERRNO] = "errno",
    [SBX_SECCOMP_KILL] = "kill",   [SBX_SECCOMP_KILL_PROCESS] = "kill_process",
    [SBX_SECCOMP_TRAP] = "trap",   [SBX_SECCOMP_LOG] = "log",
};

/* A rule's action: an action, or deny (the section's deny_action). */
#define RULE_DENY 6
static const char *const rule_action_names[] = {
    [SBX_SECCOMP_ALLOW] = "allow", [SBX_SECCOMP_ERRNO] = "errno",
    [SBX_SECCOMP_KILL] = "kill",   [SBX_SECCOMP_KILL_PROCESS] = "kill_process",
    [SBX_SECCOMP_TRAP] = "trap",   [SBX_SECCOMP_LOG] = "log",
    [RULE_DENY] = "deny",
};
_Static_assert(ARRAY_SIZE(action_names) == RULE_DENY, "deny follows the actions");

static const char *const op_names[] = {
    [SBX_OP_EQ] = "eq",
    [SBX_OP_NE] = "ne",
    [SBX_OP_LT] = "lt",
    [SBX_OP_LE] = "le",
    [SBX_OP_GT] = "gt",
    [SBX_OP_GE] = "ge",
    [SBX_OP_MASKED_EQ] = "masked_eq",
};

/* Symbolic argument values. */
#define C(x) \
  { #x, (uint64_t)(x) }
static const struct {
  const char *name;
  uint64_t value;
} constants[] = {
    C(AF_UNSPEC),     C(AF_UNIX),         C(AF_LOCAL),     C(AF_INET),        C(AF_AX25),
    C(AF_IPX),        C(AF_APPLETALK),    C(AF_NETROM),    C(AF_BRIDGE),      C(AF_ATMPVC),
    C(AF_X25),        C(AF_INET6),        C(AF_ROSE),      C(AF_DECnet),      C(AF_NETBEUI),
    C(AF_SECURITY),   C(AF_KEY),          C(AF_NETLINK),   C(AF_ROUTE),       C(AF_PACKET),
    C(AF_ASH),        C(AF_ECONET),       C(AF_ATMSVC),    C(AF_RDS),         C(AF_SNA),
    C(AF_IRDA),       C(AF_PPPOX),        C(AF_WANPIPE),   C(AF_LLC),         C(AF_IB),
    C(AF_MPLS),       C(AF_CAN),          C(AF_TIPC),      C(AF_BLUETOOTH),   C(AF_IUCV),
    C(AF_RXRPC),      C(AF_ISDN),         C(AF_PHONET),    C(AF_IEEE802154),  C(AF_CAIF),
    C(AF_ALG),        C(AF_NFC),          C(AF_VSOCK),     C(AF_KCM),         C(AF_QIPCRTR),
    C(AF_SMC),        C(AF_XDP),
#ifdef AF_MCTP
    C(AF_MCTP),
#endif
    C(SOCK_STREAM),   C(SOCK_DGRAM),      C(SOCK_RAW),     C(SOCK_SEQPACKET), C(SOCK_PACKET),
    C(CLONE_NEWNS),   C(CLONE_NEWUTS),    C(CLONE_NEWIPC), C(CLONE_NEWUSER),  C(CLONE_NEWPID),
    C(CLONE_NEWNET),  C(CLONE_NEWCGROUP),
#ifdef CLONE_NEWTIME
    C(CLONE_NEWTIME),
#endif
    C(TIOCSTI),       C(TIOCLINUX),
};
#undef C

#define MAX_GROUPS 64

typedef struct sc {
  js_errors *e;
  sbx_spec *spec;
  js_origins *at;
  sbx_seccomp_action def;
  uint32_t def_errno;
  /* deny_action and deny_errno, which `action: deny` in a rule stands for. */
  sbx_seccomp_action deny;
  uint32_t deny_errno;
  /* Unconditional rules so far: a name has one action. */
  js_strset names;
  sbx_seccomp_action *actions;
  /* "action errno entry" of the entries of unconditional rules so far (see entry_done). */
  js_strset done;
  char **done_keys;
  size_t n_done_keys;
  uint32_t *errnos;
  /* Made once per load, when first needed: the system calls of this architecture (for
   * suggestions) and the members of each group that exist here. */
  char **all;
  size_t n_all;
  bool all_made;
  char **groups[MAX_GROUPS];
} sc;

/* 1: a system call of this architecture; 0: known, but not here; -1: unknown. */
static int syscall_kind(const char *name) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return -1;
  return nr >= 0 ? 1 : 0;
}

static void unknown_syscall(sc *c, const js_node *at, const char *path, const char *name) {
  if (js_errors_full(c->e)) return; /* no suggestion for an error that is not shown */
  if (!c->all_made) {
    c->all_made = true;
    for (int nr = 0; nr < 1024; nr++) {
      char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
      if (s) {
        strv_push(&c->all, &c->n_all, s);
        free(s);
      }
    }
  }
  const char *sug = js_suggest(name, (const char *const *)c->all, c->n_all);
  if (sug)
    js_error(c->e, at, path, "unknown system call '%s' (did you mean '%s'?)", name, sug);
  else
    js_error(c->e, at, path, "unknown system call '%s'", name);
}

static bool get_errno(sc *c, const js_node *n, const char *path, uint32_t *out) {
  const char *s;
  if (!js_get_string(c->e, n, path, &s)) return false;
  int v = errno_from_name(s);
  if (v > 0) {
    *out = (uint32_t)v;
    return true;
  }
  if (isdigit((unsigned char)s[0])) {
    uint64_t u;
    if (!js_get_uint(c->e, n, path, 4095, &u)) return false;
    if (u == 0) {
      js_error(c->e, n, path, "errno 0 would make a denied call succeed: use allow");
      return false;
    }
    *out = (uint32_t)u;
    return true;
  }
  js_error(c->e, n, path, "unknown errno '%s': expected a name such as EPERM or a number", s);
  return false;
}

/* Adds a name to an unconditional rule, unless an earlier rule gave it the same action; an
 * earlier rule with another action is an error. Returns false on error. */
static bool claim(sc *c, const char *name, sbx_seccomp_action a, uint32_t err, const js_node *at,
                  const char *path, bool *dup) {
  *dup = false;
  ssize_t i = js_strset_find(&c->names, name);
  if (i >= 0) {
    if (c->actions[i] == a && (a != SBX_SECCOMP_ERRNO || c->errnos[i] == err)) {
      *dup = true;
      return true;
    }
    js_error(c->e, at, path, "'%s' already has the action %s from an earlier entry", name,
             action_names[c->actions[i]]);
    return false;
  }
  size_t n = c->names.n;
  js_strset_add(&c->names, name);
  c->actions = xrealloc_grow(c->actions, (n + 1) * sizeof *c->actions);
  c->errnos = xrealloc_grow(c->errnos, (n + 1) * sizeof *c->errnos);
  c->actions[n] = a;
  c->errnos[n] = err;
  return true;
}

static bool same_as_default(const sc *c, sbx_seccomp_action a, uint32_t err) {
  return a == c->def && (a != SBX_SECCOMP_ERRNO || err == c->def_errno);
}

/* The members of group number i that exist on this architecture, made once. */
static char *const *group_members(sc *c, size_t i, const char *const *g) {
  if (!c->groups[i]) {
    size_t n = 0;
    c->groups[i] = xcalloc(1, sizeof(char *));
    /* Members that do not exist on this architecture are left out. */
    for (; *g; g++)
      if (syscall_kind(*g) == 1) strv_push(&c->groups[i], &n, *g);
  }
  return c->groups[i];
}

/* Checks one entry (a name or @group); false on error. */
static bool check_entry(sc *c, const js_node *n, const char *path) {
  const char *s;
  if (!js_get_string(c->e, n, path, &s)) return false;
  if (s[0] == '@') {
    const char *const *all = sc_group_names();
    size_t gi = 0;
    while (all[gi] && strcmp(all[gi], s) != 0) gi++;
    if (all[gi] && gi < MAX_GROUPS) return true;
    if (js_errors_full(c->e)) return false; /* no suggestion for an error that is not shown */
    const char *sug = js_suggest(s, all, gi);
    if (all[gi])
      js_error(c->e, n, path, "too many system call groups to resolve '%s'", s);
    else if (sug)
      js_error(c->e, n, path, "unknown system call group '%s' (did you mean '%s'?)", s, sug);
    else
      js_error(c->e, n, path, "unknown system call group '%s'", s);
    return false;
  }
  if (syscall_kind(s) < 0) {
    unknown_syscall(c, n, path, s);
    return false;
  }
  return true;
}

/* Adds the system calls of a checked entry that exist on this architecture to `names`. */
static void expand_entry(sc *c, const char *s, js_strset *names) {
  if (s[0] == '@') {
    const char *const *all = sc_group_names();
    size_t gi = 0;
    while (strcmp(all[gi], s) != 0) gi++;
    for (char *const *m = group_members(c, gi, sc_group_syscalls(s)); *m; m++)
      js_strset_add(names, *m);
  } else if (syscall_kind(s) == 1) {
    js_strset_add(names, s);
  }
}

/* True when an earlier unconditional rule had this entry with this action: all of its calls
 * are claimed already (or were refused with an error), so it adds nothing. Otherwise remembers
 * it. */
static bool entry_done(sc *c, const char *entry, sbx_seccomp_action a, uint32_t err) {
  char *key = xasprintf("%d %u %s", (int)a, a == SBX_SECCOMP_ERRNO ? err : 0, entry);
  if (js_strset_find(&c->done, key) >= 0) {
    free(key);
    return true;
  }
  strv_push(&c->done_keys, &c->n_done_keys, key);
  free(key);
  js_strset_add(&c->done, c->done_keys[c->n_done_keys - 1]);
  return false;
}

/* Claims the calls of `entries` for an unconditional rule, or adds them to a conditional one.
 * `index_at` are the nodes of the arguments' indexes (NULL when n_args is 0). */
static void add_rule(sc *c, const js_strset *entries, sbx_seccomp_action a, uint32_t err,
                     const sbx_seccomp_arg *args, const js_node *const *index_at, size_t n_args,
                     const js_node *at, const char *path) {
  /* A rule with the default action does nothing (and libseccomp refuses it): a conditional one
   * is left out; an unconditional one still claims its calls, so that another action for them
   * is an error. */
  if (n_args && same_as_default(c, a, err)) return;
  js_strset names = {0};
  for (size_t i = 0; i < entries->n; i++)
    if (n_args || !entry_done(c, entries->names[i], a, err))
      expand_entry(c, entries->names[i], &names);
  sbx_seccomp_rule *r = NULL;
  for (size_t j = 0; j < names.n; j++) {
    const char *name = names.names[j];
    if (n_args == 0) {
      bool dup;
      if (!claim(c, name, a, err, at, path, &dup) || dup || same_as_default(c, a, err)) continue;
    } else {
      /* A conditional rule for a name that has an unconditional action would never apply. */
      ssize_t i = js_strset_find(&c->names, name);
      if (i >= 0) {
        js_error(c->e, at, path,
                 "'%s' already has the action %s for every call, so a rule with "
                 "argument conditions never applies",
                 name, action_names[c->actions[i]]);
        continue;
      }
    }
    if (!r) r = spec_add_seccomp_rule(c->spec, a, a == SBX_SECCOMP_ERRNO ? err : 0);
    spec_rule_add_name(r, name);
  }
  if (r) {
    js_rule_at *o = js_origins_rule(c->at, c->spec->seccomp.n_rules - 1);
    js_at_set(c->at, &o->rule, at, path, NULL);
    for (size_t i = 0; i < n_args; i++) {
      spec_rule_add_arg(r, args[i].index, args[i].op, args[i].value, args[i].value_two);
      _cleanup_free_ char *ip = xasprintf("%s.args[%zu].index", path, i);
      js_at_set(c->at, &o->index[i], index_at[i], ip, NULL);
    }
  }
  js_strset_clear(&names);
}

/* allow: and deny: lists: one rule per entry. An entry written again adds nothing (its names
 * have the same action already), so it is skipped without being checked again. */
static void tr_list(sc *c, const js_node *list, const char *path, sbx_seccomp_action a,
                    uint32_t err) {
  if (list->kind != JS_SEQ) {
    js_error(c->e, list, path, "expected a list of system calls and @groups, not %s",
             js_kind_name(list));
    return;
  }
  js_strset seen = {0};
  for (size_t i = 0; i < list->n; i++) {
    const js_node *item = list->items[i];
    if (item->kind == JS_SCALAR && !item->bad && !js_strset_add(&seen, item->str)) continue;
    _cleanup_free_ char *p = xasprintf("%s[%zu]", path, i);
    if (!check_entry(c, item, p)) continue;
    js_strset one = {0};
    js_strset_add(&one, item->str);
    add_rule(c, &one, a, err, NULL, NULL, 0, item, p);
    js_strset_clear(&one);
  }
  js_strset_clear(&seen);
}

static bool parse_value(sc *c, const js_node *n, const char *path, uint64_t *out) {
  const char *s;
  if (!js_get_string(c->e, n, path, &s)) return false;
  uint64_t v = 0;
  _cleanup_free_ char *copy = xstrdup(s);
  char *save = NULL;
  bool any = false;
  for (char *part = strtok_r(copy, "|", &save); part; part = strtok_r(NULL, "|", &save)) {
    while (*part == ' ') part++;
    char *end = part + strlen(part);
    while (end > part && end[-1] == ' ') *--end = '\0';
    any = true;
    if (isdigit((unsigned char)part[0])) {
      char *e;
      errno = 0;
      unsigned long long x = strtoull(part, &e, 0);
      if (*e || errno) {
        js_error(c->e, n, path,
                 "bad value '%s': expected a number or a constant such as "
                 "AF_PACKET",
                 part);
        return false;
      }
      v |= x;
      continue;
    }
    bool found = false;
    for (size_t i = 0; i < ARRAY_SIZE(constants) && !found; i++)
      if (strcmp(constants[i].name, part) == 0) {
        v |= constants[i].value;
        found = true;
      }
    if (!found) {
      if (js_errors_full(c->e)) return false;
      const char *names[ARRAY_SIZE(constants)];
      for (size_t i = 0; i < ARRAY_SIZE(constants); i++) names[i] = constants[i].name;
      const char *sug = js_suggest(part, names, ARRAY_SIZE(constants));
      if (sug)
        js_error(c->e, n, path, "unknown constant '%s' (did you mean '%s'?)", part, sug);
      else
        js_error(c->e, n, path,
                 "unknown constant '%s': expected a number, or an AF_*, SOCK_*, "
                 "CLONE_NEW* constant, TIOCSTI or TIOCLINUX",
                 part);
      return false;
    }
  }
  if (!any) {
    js_error(c->e, n, path, "expected a number or a constant");
    return false;
  }
  *out = v;
  return true;
}

/* One argument condition; *index_at is the node of its index. That the index is at most 5 is
 * the checker's rule. */
static bool tr_arg(sc *c, const js_node *n, const char *path, sbx_seccomp_arg *out,
                   const js_node **index_at) {
  if (!js_check_keys(c->e, n, path, JS_KEYS("index", "op", "value", "value_two"))) return false;
  bool ok = true;
  const js_node *v;
  uint64_t index = 0;
  int op = SBX_OP_EQ;
  _cleanup_free_ char *ip = js_path(path, "index");
  _cleanup_free_ char *opp = js_path(path, "op");
  _cleanup_free_ char *vp = js_path(path, "value");
  _cleanup_free_ char *v2p = js_path(path, "value_two");
  if (!(*index_at = v = js_map_get(n, "index"))) {
    js_error(c->e, n, path, "an argument condition needs an index (0 to 5)");
    ok = false;
  } else if (!js_get_uint(c->e, v, ip, UINT32_MAX, &index)) {
    ok = false;
  }
  if ((v = js_map_get(n, "op")) && !js_get_enum(c->e, v, opp, op_names, ARRAY_SIZE(op_names), &op))
    ok = false;
  out->value = out->value_two = 0;
  if (!(v = js_map_get(n, "value"))) {
    js_error(c->e, n, path, "an argument condition needs a value");
    ok = false;
  } else if (!parse_value(c, v, vp, &out->value)) {
    ok = false;
  }
  v = js_map_get(n, "value_two");
  if (op == SBX_OP_MASKED_EQ) {
    if (!v) {
      js_error(c->e, n, path, "masked_eq needs value (the mask) and value_two (the result)");
      ok = false;
    } else if (!parse_value(c, v, v2p, &out->value_two)) {
      ok = false;
    }
  } else if (v) {
    js_error(c->e, v, v2p, "value_two is only for op: masked_eq");
    ok = false;
  }
  out->index = (unsigned)index;
  out->op = (sbx_seccomp_op)op;
  return ok;
}

static void tr_rule(sc *c, const js_node *n, const char *path) {
  if (!js_check_keys(c->e, n, path, JS_KEYS("syscall", "action", "errno", "args"))) return;
  bool ok = true;
  const js_node *v;
  _cleanup_free_ char *sp = js_path(path, "syscall");
  _cleanup_free_ char *ap = js_path(path, "action");
  _cleanup_free_ char *ep = js_path(path, "errno");
  _cleanup_free_ char *argp = js_path(path, "args");
  /* The entries, checked now and resolved once the rule is complete; one written twice is
   * checked once. */
  js_strset entries __attribute__((cleanup(js_strset_clear))) = {0};
  if (!(v = js_map_get(n, "syscall"))) {
    js_error(c->e, n, path, "a rule needs a syscall (a name, a @group or a list of them)");
    ok = false;
  } else if (v->kind == JS_SEQ) {
    js_strset seen __attribute__((cleanup(js_strset_clear))) = {0};
    for (size_t i = 0; i < v->n; i++) {
      const js_node *item = v->items[i];
      if (item->kind == JS_SCALAR && !item->bad && !js_strset_add(&seen, item->str)) continue;
      _cleanup_free_ char *p = xasprintf("%s[%zu]", sp, i);
      if (check_entry(c, item, p))
        js_strset_add(&entries, item->str);
      else
        ok = false;
    }
  } else if (check_entry(c, v, sp)) {
    js_strset_add(&entries, v->str);
  } else {
    ok = false;
  }
  int action = SBX_SECCOMP_ERRNO;
  /* `action: deny` is the section's deny_action, so that `--set seccomp.deny_action=kill`
   * turns a profile's argument rules into kills too; its errno, if given, is used when that
   * action is errno (deny_errno otherwise). */
  bool deny = false;
  if (!(v = js_map_get(n, "action"))) {
    js_error(c->e, n, path,
             "a rule needs an action (deny, allow, errno, kill, kill_process, trap or "
             "log)");
    ok = false;
  } else if (!js_get_enum(c->e, v, ap, rule_action_names, ARRAY_SIZE(rule_action_names), &action)) {
    ok = false;
  } else if (action == RULE_DENY) {
    deny = true;
    action = c->deny;
  }
  uint32_t err = deny ? c->deny_errno : EPERM;
  if ((v = js_map_get(n, "errno"))) {
    uint32_t given = EPERM;
    if (!deny && action != SBX_SECCOMP_ERRNO) {
      js_error(c->e, v, ep, "errno is only for action: errno or deny");
      ok = false;
    } else if (!get_errno(c, v, ep, &given)) {
      ok = false;
    } else if (action == SBX_SECCOMP_ERRNO) {
      err = given;
    }
  }
  sbx_seccomp_arg args[JS_MAX_ARGS];
  const js_node *index_at[JS_MAX_ARGS];
  size_t n_args = 0;
  if ((v = js_map_get(n, "args"))) {
    if (v->kind != JS_SEQ) {
      js_error(c->e, v, argp, "expected a list of argument conditions, not %s", js_kind_name(v));
      ok = false;
    } else if (v->n > JS_MAX_ARGS) {
      js_error(c->e, v, argp, "%zu conditions: a system call has at most %d arguments", v->n,
               JS_MAX_ARGS);
      ok = false;
    } else {
      for (size_t i = 0; i < v->n; i++) {
        _cleanup_free_ char *p = xasprintf("%s[%zu]", argp, i);
        if (tr_arg(c, v->items[i], p, &args[n_args], &index_at[n_args]))
          n_args++;
        else
          ok = false;
      }
    }
  }
  if (!ok || entries.n == 0) return;
  add_rule(c, &entries, (sbx_seccomp_action)action, err, args, index_at, n_args, n, path);
}

static const char *native_arch(void) {
#if defined(__x86_64__)
  return "SCMP_ARCH_X86_64";
#elif defined(__aarch64__)
  return "SCMP_ARCH_AARCH64";
#elif defined(__i386__)
  return "SCMP_ARCH_X86";
#elif defined(__riscv) && __riscv_xlen == 64
  return "SCMP_ARCH_RISCV64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "SCMP_ARCH_PPC64LE";
#elif defined(__s390x__)
  return "SCMP_ARCH_S390X";
#elif defined(__arm__)
  return "SCMP_ARCH_ARM";
#else
  return NULL;
#endif
}

void js_tr_seccomp(js_tr *t, const js_node *sec) {
  js_errors *e = t->e;
  sbx_spec *spec = t->spec;
  if (!js_check_keys(e, sec, "seccomp",
                     JS_KEYS("enabled", "default", "errno", "allow", "deny", "deny_action",
                             "deny_errno", "rules")))
    return;
  const js_node *n;
  bool enabled = true;
  if ((n = js_map_get(sec, "enabled")) && !js_get_bool(e, n, "seccomp.enabled", &enabled)) return;
  if (!enabled) {
    spec->seccomp.enabled = false;
    return;
  }
  const char *arch = native_arch();
  if (!arch) {
    js_error(e, sec, "seccomp", "seccomp filters are not supported on this architecture");
    return;
  }
  sc c = {.e = e, .spec = spec, .at = t->at, .def_errno = EPERM};
  const js_node *allow = js_map_get(sec, "allow"), *deny = js_map_get(sec, "deny");
  int def = allow ? SBX_SECCOMP_ERRNO : SBX_SECCOMP_ALLOW;
  const js_node *def_n = js_map_get(sec, "default");
  if (def_n &&
      !js_get_enum(e, def_n, "seccomp.default", action_names, ARRAY_SIZE(action_names), &def))
    def = allow ? SBX_SECCOMP_ERRNO : SBX_SECCOMP_ALLOW;
  c.def = (sbx_seccomp_action)def;
  if ((n = js_map_get(sec, "errno"))) {
    if (c.def != SBX_SECCOMP_ERRNO)
      js_error(e, n, "seccomp.errno", "is only for default: errno");
    else
      get_errno(&c, n, "seccomp.errno", &c.def_errno);
  }
  if (allow && def_n && c.def == SBX_SECCOMP_ALLOW)
    js_error(e, allow, "seccomp.allow",
             "allowing system calls does nothing when the default "
             "action is allow; use deny, or another default");
  int deny_action = SBX_SECCOMP_ERRNO;
  uint32_t deny_errno = EPERM;
  if ((n = js_map_get(sec, "deny_action")) &&
      js_get_enum(e, n, "seccomp.deny_action", action_names, ARRAY_SIZE(action_names),
                  &deny_action) &&
      deny_action == SBX_SECCOMP_ALLOW) {
    js_error(e, n, "seccomp.deny_action", "cannot be allow");
    deny_action = SBX_SECCOMP_ERRNO;
  }
  if ((n = js_map_get(sec, "deny_errno"))) {
    if (deny_action != SBX_SECCOMP_ERRNO)
      js_error(e, n, "seccomp.deny_errno", "is only for deny_action: errno");
    else
      get_errno(&c, n, "seccomp.deny_errno", &deny_errno);
  }
  c.deny = (sbx_seccomp_action)deny_action;
  c.deny_errno = deny_errno;
  spec->seccomp.enabled = true;
  spec->seccomp.default_action = c.def;
  spec->seccomp.default_errno = c.def == SBX_SECCOMP_ERRNO ? c.def_errno : 0;
  strv_free(spec->seccomp.architectures);
  spec->seccomp.architectures = xcalloc(1, sizeof(char *));
  spec->seccomp.n_architectures = 0;
  strv_push(&spec->seccomp.architectures, &spec->seccomp.n_architectures, arch);
  if (allow && !(def_n && c.def == SBX_SECCOMP_ALLOW))
    tr_list(&c, allow, "seccomp.allow", SBX_SECCOMP_ALLOW, 0);
  if (deny) tr_list(&c, deny, "seccomp.deny", (sbx_seccomp_action)deny_action, deny_errno);
  if ((n = js_map_get(sec, "rules"))) {
    if (n->kind != JS_SEQ) {
      js_error(e, n, "seccomp.rules", "expected a list of rules, not %s", js_kind_name(n));
    } else {
      for (size_t i = 0; i < n->n; i++) {
        _cleanup_free_ char *p = xasprintf("seccomp.rules[%zu]", i);
        tr_rule(&c, n->items[i], p);
      }
    }
  }
  js_strset_clear(&c.names);
  js_strset_clear(&c.done);
  strv_free(c.done_keys);
  free(c.actions);
  free(c.errnos);
  strv_free(c.all);
  for (size_t i = 0; i < MAX_GROUPS; i++) strv_free(c.groups[i]);
}
