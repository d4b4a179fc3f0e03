/* Runtime error: a null pointer write (SIGSEGV). */
#include <stdio.h>
int main(int argc, char **argv) {
  volatile int *p = argc > 5 ? (int *)argv : NULL;
  *p = 1;
  puts("unreachable");
  return 0;
}
