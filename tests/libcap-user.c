/* libcap-user.c: a library user's program that links the installed libsandbox.a together with
 * libcap and calls libcap's own cap_from_name() and cap_to_name(). The archive must define no
 * global name but sbx_*: a libsandbox function of the same name would be linked instead of
 * libcap's, with another signature. Prints what libcap answered; tests/symbols.sh checks it. */
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>

int main(void) {
  cap_value_t v = -1;
  int r = cap_from_name("cap_kill", &v);
  char *name = cap_to_name(CAP_NET_RAW);
  /* And the library itself still works from this program. */
  sbx_spec *spec = NULL;
  sbx_error *err = NULL;
  static const char profile[] = "process:\n  command: [\"true\"]\n";
  int lr = sbx_spec_load_profile_string("inline", profile, sizeof profile - 1, NULL, &spec, &err);
  if (lr < 0) fprintf(stderr, "%s\n", err && err->message ? err->message : "?");
  printf("cap_from_name=%d value=%d cap_to_name=%s load=%d\n", r, (int)v, name ? name : "(null)",
         lr);
  sbx_spec_free(spec);
  sbx_error_free(err);
  cap_free(name);
  return 0;
}
