# install.sh: `ninja install` (tools/install) puts everything under DESTDIR + PREFIX: the CLI,
# the shared library with its soname links, the static library, the header, libsandbox.pc, the
# stock profiles and the man pages; a program builds against the installed library and runs;
# the installed CLI finds the installed stock profiles.
. "$(dirname "$0")/lib.sh"

stage=$T/stage
prefix=/opt/sbx-test
check_status install_runs 0 env DESTDIR="$stage" PREFIX="$prefix" sh "$SBX_SRCDIR/tools/install" "$SBX_BUILDDIR"
root=$stage$prefix
for f in bin/sandbox lib/libsandbox.so.0.1.0 lib/libsandbox.a include/sandbox.h \
  lib/pkgconfig/libsandbox.pc share/sandbox/profiles/default.yaml \
  share/sandbox/profiles/judge.yaml share/man/man1/sandbox.1 share/man/man5/sandbox-profile.5; do
  if [ -f "$root/$f" ]; then pass "installed_$f"; else fail "installed_$f" "$root/$f is missing"; fi
done
check_eq soname_link "$(readlink "$root/lib/libsandbox.so.0")" libsandbox.so.0.1.0
check_eq dev_link "$(readlink "$root/lib/libsandbox.so")" libsandbox.so.0
check_grep pc_prefix "$root/lib/pkgconfig/libsandbox.pc" "prefix=$prefix"
soname=$(objdump -p "$root/lib/libsandbox.so.0.1.0" 2>/dev/null | awk '/SONAME/ {print $2}')
check_eq soname "$soname" libsandbox.so.0

# Only the API is exported, under its version node.
exported=$(nm -D --defined-only "$root/lib/libsandbox.so.0.1.0" | awk '$2 == "T" {print $3}')
bad=$(echo "$exported" | grep -v '^sbx_' || true)
if [ -z "$bad" ] && echo "$exported" | grep -q '^sbx_run@@SANDBOX_0.1$'; then
  pass exports_only_api
else
  fail exports_only_api "unexpected exports: $(echo "$bad" | head -5 | tr '\n' ' ')"
fi

# A program compiled against the installed header and library.
cat >"$T/use.c" <<'C'
#include <sandbox.h>
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  sbx_spec *spec = NULL;
  sbx_error *err = NULL;
  if (sbx_spec_load_profile("judge", NULL, &spec, &err) < 0) {
    printf("error: %s\n", err->message);
    sbx_error_free(err);
    return 1;
  }
  char *json = sbx_spec_to_json(spec, NULL);
  printf("%s %s\n", sbx_version(), json ? "json" : "nojson");
  free(json);
  sbx_spec_free(spec);
  return 0;
}
C
cflags=$(PKG_CONFIG_PATH="$root/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage" pkg-config --cflags libsandbox)
libs=$(PKG_CONFIG_PATH="$root/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage" pkg-config --libs libsandbox)
# A sanitizer build's library needs the program linked with the same runtime.
san=$(sed -n 's/^sanitize = //p' "$SBX_BUILDDIR/config.ninja")
sanflags=${san:+-fsanitize=$san}
if cc $sanflags $cflags "$T/use.c" -o "$T/use" $libs 2>"$T/err"; then
  pass compile_against_installed
  check_status run_against_installed 0 env LD_LIBRARY_PATH="$root/lib" SANDBOX_PROFILE_PATH="$root/share/sandbox/profiles" "$T/use"
  check_grep installed_lib_works "$T/out" "0.1.0 json"
else
  fail compile_against_installed "$(head -c 600 "$T/err")"
fi

# The installed CLI finds stock profiles in the installed data directory when built with that
# prefix; this build's prefix may differ, so only check the CLI runs.
check_status installed_cli_version 0 "$root/bin/sandbox" --version
