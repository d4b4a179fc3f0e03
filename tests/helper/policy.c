/* policy.c: a static helper that probes the stock seccomp policy from inside the sandbox.
 *   policy families          socket() for every family 0..63 (and AF_INET with upper bits);
 *                            prints "FAMILY ok" or "FAMILY ERRNO-NAME" per line
 *   policy prlimit-init      prlimit(1, RLIMIT_NOFILE) on the sandbox's init: "blocked ERRNO"
 *                            or "allowed"
 *   policy prlimit-self      prlimit(0, ...) and setrlimit on itself: "ok" or the error
 * Exits 0 after printing; the test decides. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *ename(int e) {
  switch (e) {
  case EAFNOSUPPORT: return "EAFNOSUPPORT";
  case EPERM: return "EPERM";
  case EACCES: return "EACCES";
  case EINVAL: return "EINVAL";
  case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
  case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
  case ENOSYS: return "ENOSYS";
  default: return "OTHER";
  }
}

static void family(long fam, const char *label) {
  long fd = syscall(SYS_socket, fam, (long)SOCK_DGRAM, 0L);
  int e = errno;
  if (fd >= 0) {
    close((int)fd);
    printf("%s ok\n", label);
  } else {
    printf("%s %s\n", label, ename(e));
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: policy families|prlimit-init|prlimit-self\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (strcmp(argv[1], "families") == 0) {
    char label[32];
    for (long f = 0; f < 64; f++) {
      snprintf(label, sizeof label, "%ld", f);
      family(f, label);
    }
    family(2L | (1L << 32), "inet-upper-bits");
    return 0;
  }
  if (strcmp(argv[1], "prlimit-init") == 0) {
    struct rlimit zero = {0, 0};
    if (syscall(SYS_prlimit64, 1L, (long)RLIMIT_NOFILE, &zero, NULL) == 0)
      printf("allowed\n");
    else
      printf("blocked %s\n", ename(errno));
    return 0;
  }
  if (strcmp(argv[1], "prlimit-self") == 0) {
    struct rlimit cur;
    if (syscall(SYS_prlimit64, 0L, (long)RLIMIT_CORE, NULL, &cur) != 0 ||
        setrlimit(RLIMIT_CORE, &cur) != 0)
      printf("%s\n", ename(errno));
    else
      printf("ok\n");
    return 0;
  }
  fprintf(stderr, "policy: unknown probe '%s'\n", argv[1]);
  return 2;
}
