/* exit-qemu: reports the guest's verdict to the host through qemu's isa-debug-exit device
 * (-device isa-debug-exit,iobase=0xf4,iosize=0x04): qemu then exits with (value << 1) | 1.
 * qemu exits 0 on a poweroff and on a kernel panic alike, so the verdict must come this way;
 * the cloud kernel has no /dev/port, hence this static helper with ioperm + outl.
 *
 *   exit-qemu 0   (all passed: qemu exits 1)
 *   exit-qemu 1   (something failed: qemu exits 3) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: exit-qemu CODE\n");
    return 2;
  }
  char *end;
  long code = strtol(argv[1], &end, 10);
  if (*end || code < 0 || code > 0x7fffffff) {
    fprintf(stderr, "exit-qemu: bad code '%s'\n", argv[1]);
    return 2;
  }
  if (ioperm(0xf4, 4, 1) < 0) {
    fprintf(stderr, "exit-qemu: ioperm 0xf4: %s\n", strerror(errno));
    return 1;
  }
  outl((unsigned)code, 0xf4);
  /* Not reached when the device exists. */
  fprintf(stderr, "exit-qemu: qemu did not exit: no isa-debug-exit device at 0xf4?\n");
  return 1;
}
