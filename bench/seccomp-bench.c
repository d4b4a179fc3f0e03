/* seccomp-bench: what the job's hardening costs, in microseconds (median and 90th percentile).
 *
 *   seccomp-bench [ITERATIONS]
 *
 * seccomp, for the policies of the stock profiles `default` (compile and test have the same)
 * and `judge` (the same rules, killing), and an allow-list of every syscall libseccomp knows but
 * a deny set, the worst case for libseccomp:
 *   compile      libseccomp: rules, BPF generation, export (in-memory and disk caches cold)
 *   memory-hit   sc_filter_build answered by the in-memory cache
 *   disk-hit     sc_filter_build answered by the on-disk cache (memory cache cold)
 *   install      seccomp(SECCOMP_SET_MODE_FILTER) of the prepared BPF, in a fresh child
 *   +notify      what forbidden-syscall naming adds in the job: the notify variant installed
 *                with a listener, which is handed over a socketpair (the engine's path
 *                whenever a filter is loaded under a pid namespace)
 *   cycle        from fork to waitpid of a child that installs the filter and exits
 *   cycle+notify the same with the engine's notify path: socketpair, install with a listener,
 *                SCM_RIGHTS hand-over, the parent's recvmsg
 * network (each in a fresh child, from fork to the parent's waitpid):
 *   fork         fork + _exit, the floor
 *   userns       + unshare(CLONE_NEWUSER)
 *   userns+net   + unshare(CLONE_NEWUSER | CLONE_NEWNET)
 *   +loopback    + netlink_loopback_up()
 * The net namespace's teardown runs in a kernel worker after the child exits, so it is only
 * partly in these figures. */
#include "channel.h"
#include "hardening.h"
#include "util.h"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void report(const char *policy, const char *what, double *t, int n) {
  qsort(t, (size_t)n, sizeof *t, cmp_double);
  printf("%-12s %-12s median %9.1f us   p90 %9.1f us   (n=%d)\n", policy, what, t[n / 2],
         t[(n * 9) / 10], n);
}

/* A stock profile's policy, loaded as `sandbox run -p NAME` loads it (SANDBOX_PROFILE_PATH, which
 * bench/seccomp.sh points at the source tree's profiles/). */
static sbx_spec *stock(const char *name) {
  sbx_spec *s = NULL;
  sbx_error *err = NULL;
  if (sbx_spec_load_profile(name, NULL, &s, &err) < 0) {
    fprintf(stderr, "seccomp-bench: profile %s: %s\n", name, err->message);
    exit(1);
  }
  return s;
}

static sbx_spec *allow_list(void) {
  sbx_spec *s = spec_new();
  s->seccomp.enabled = true;
  s->seccomp.default_action = SBX_SECCOMP_KILL_PROCESS;
  sbx_seccomp_rule *r = spec_add_seccomp_rule(s, SBX_SECCOMP_ALLOW, 0);
  uint32_t arch = seccomp_arch_native();
  for (int nr = 0; nr <= sc_max_known_syscall(arch); nr++) {
    char *name = seccomp_syscall_resolve_num_arch(arch, nr);
    if (!name) continue;
    if (strcmp(name, "mount") != 0 && strcmp(name, "ptrace") != 0 && strcmp(name, "bpf") != 0)
      spec_rule_add_name(r, name);
    free(name);
  }
  return s;
}

static sc_filter *build(const sbx_spec *s) {
  sc_filter *f = NULL;
  sbx_error *err = NULL;
  if (sc_filter_build(&s->seccomp, &f, &err) < 0) {
    fprintf(stderr, "seccomp-bench: %s\n", err->message);
    exit(1);
  }
  return f;
}

static void bench_policy(const char *name, const sbx_spec *s, const char *cache, int iters) {
  double *t = xcalloc((size_t)iters, sizeof *t);
  char key[17];
  sc_policy_key(&s->seccomp, key);
  sc_filter *f = build(s);
  size_t len;
  sc_filter_program(f, &len);
  printf("%-12s %zu BPF instructions, cache key %s\n", name, len, key);
  sc_filter_free(f);

  sc_cache_set_dir(NULL, NULL);
  for (int i = 0; i < iters; i++) {
    sc_cache_clear_memory();
    double t0 = now_us();
    sc_filter_free(build(s));
    t[i] = now_us() - t0;
  }
  report(name, "compile", t, iters);
  for (int i = 0; i < iters; i++) {
    double t0 = now_us();
    sc_filter_free(build(s));
    t[i] = now_us() - t0;
  }
  report(name, "memory-hit", t, iters);
  sbx_error *err = NULL;
  if (sc_cache_set_dir(cache, &err) < 0) {
    fprintf(stderr, "seccomp-bench: %s\n", err->message);
    exit(1);
  }
  sc_cache_clear_memory();
  sc_filter_free(build(s)); /* writes the entry */
  for (int i = 0; i < iters; i++) {
    sc_cache_clear_memory();
    double t0 = now_us();
    sc_filter_free(build(s));
    t[i] = now_us() - t0;
    if (sc_cache_last_source() != SC_FROM_DISK) {
      fprintf(stderr, "seccomp-bench: the disk cache was not used\n");
      exit(1);
    }
  }
  report(name, "disk-hit", t, iters);
  sc_cache_set_dir(NULL, NULL);

  f = build(s);
  for (int i = 0; i < iters; i++) {
    int p[2];
    if (pipe(p) < 0) exit(1);
    pid_t pid = fork();
    if (pid == 0) {
      close(p[0]);
      if (set_no_new_privs(NULL) < 0) _exit(1);
      double t0 = now_us();
      int rc = sc_filter_install(f, NULL);
      double dt = now_us() - t0;
      _exit(rc == 0 && write(p[1], &dt, sizeof dt) == sizeof dt ? 0 : 1);
    }
    close(p[1]);
    if (pid < 0 || read(p[0], &t[i], sizeof t[i]) != sizeof t[i]) {
      fprintf(stderr, "seccomp-bench: installing the filter failed\n");
      exit(1);
    }
    close(p[0]);
    waitpid(pid, NULL, 0);
  }
  report(name, "install", t, iters);
  sc_filter *nv = sc_filter_notify_variant(f, 100);
  for (int notify = 0; notify <= 1; notify++) {
    double *cyc = xcalloc((size_t)iters, sizeof *cyc);
    for (int i = 0; i < iters; i++) {
      int p[2], sv[2] = {-1, -1};
      double c0 = now_us();
      if (pipe(p) < 0) exit(1);
      if (notify && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) exit(1);
      pid_t pid = fork();
      if (pid == 0) {
        close(p[0]);
        if (notify && (close(sv[0]) < 0 || dup3(sv[1], 100, O_CLOEXEC) < 0)) _exit(1);
        if (set_no_new_privs(NULL) < 0) _exit(1);
        double t0 = now_us();
        int rc, l = -1;
        if (notify)
          rc = sc_filter_install_listener(nv, &l, NULL) < 0 || chan_send_listener(100, l, NULL) < 0
                   ? -1
                   : 0;
        else
          rc = sc_filter_install(f, NULL);
        double dt = now_us() - t0;
        _exit(rc == 0 && write(p[1], &dt, sizeof dt) == sizeof dt ? 0 : 1);
      }
      close(p[1]);
      if (pid < 0 || read(p[0], &t[i], sizeof t[i]) != sizeof t[i]) {
        fprintf(stderr, "seccomp-bench: installing the filter failed\n");
        exit(1);
      }
      close(p[0]);
      if (notify) {
        close(sv[1]);
        int l = -1;
        if (chan_recv_listener(sv[0], &l, NULL) < 0) {
          fprintf(stderr, "seccomp-bench: no listener came\n");
          exit(1);
        }
        close(l);
        close(sv[0]);
      }
      waitpid(pid, NULL, 0);
      cyc[i] = now_us() - c0;
    }
    if (notify) report(name, "+notify", t, iters);
    report(name, notify ? "cycle+notify" : "cycle", cyc, iters);
    free(cyc);
  }
  sc_filter_free(nv);
  sc_filter_free(f);
  free(t);
}

enum { NET_FORK, NET_USERNS, NET_NETNS, NET_LOOPBACK };

static int bench_net(int mode, int iters) {
  static const char *const names[] = {"fork", "userns", "userns+net", "+loopback"};
  double *t = xcalloc((size_t)iters, sizeof *t);
  for (int i = -iters / 10; i < iters; i++) { /* the first tenth warms up, unrecorded */
    double t0 = now_us();
    pid_t pid = fork();
    if (pid == 0) {
      int flags = mode == NET_USERNS  ? CLONE_NEWUSER
                  : mode >= NET_NETNS ? CLONE_NEWUSER | CLONE_NEWNET
                                      : 0;
      if (flags && unshare(flags) < 0) _exit(2);
      if (mode == NET_LOOPBACK && netlink_loopback_up(NULL) < 0) _exit(3);
      _exit(0);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      printf("%-12s %-12s not measured: the kernel refused (status %d)\n", "network", names[mode],
             pid < 0 ? -1 : WEXITSTATUS(st));
      free(t);
      return -1;
    }
    if (i >= 0) t[i] = now_us() - t0;
  }
  report("network", names[mode], t, iters);
  free(t);
  return 0;
}

int main(int argc, char **argv) {
  int iters = argc > 1 ? atoi(argv[1]) : 200;
  if (iters < 10) iters = 10;
  char tmpl[] = "/tmp/sbx-seccomp-bench.XXXXXX";
  if (!mkdtemp(tmpl)) {
    perror("seccomp-bench: mkdtemp");
    return 1;
  }
  char *cache = xasprintf("%s/cache", tmpl);
  const struct scmp_version *v = seccomp_version();
  printf("libseccomp %u.%u.%u, %d iterations\n", v->major, v->minor, v->micro, iters);
  sbx_spec *d = stock("default"), *j = stock("judge"), *a = allow_list();
  bench_policy("default", d, cache, iters);
  bench_policy("judge", j, cache, iters);
  bench_policy("allow-list", a, cache, iters);
  sbx_spec_free(d);
  sbx_spec_free(j);
  sbx_spec_free(a);
  for (int m = NET_FORK; m <= NET_LOOPBACK; m++)
    if (bench_net(m, iters) < 0) break;
  char *cmd = xasprintf("rm -rf '%s'", tmpl);
  int rc = system(cmd);
  free(cmd);
  free(cache);
  return rc == 0 ? 0 : 1;
}
