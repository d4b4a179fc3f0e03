/* Wrong answer: the difference instead of the sum (right only when b is 0). */
#include <stdio.h>
int main(void) {
  long a, b;
  if (scanf("%ld %ld", &a, &b) != 2) return 1;
  printf("%ld\n", a - b);
  return 0;
}
