#include <stdio.h>

int main(void) {
  printf("hello from inside the sandbox\n");
  return 0;
}
