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

# pkg-config --cflags names only our include directory: sandbox.h includes no header of the
# libraries libsandbox is built on (libnl's -I/usr/include/libnl3 must not leak); static linking
# still gets them all.
check_eq pc_cflags_own_only "$(echo $cflags)" "-I$stage$prefix/include"
static_libs=$(PKG_CONFIG_PATH="$root/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage" pkg-config --static --libs libsandbox)
case " $static_libs " in
*" -lnl-route-3 "*) case " $static_libs " in *" -lseccomp "*) pass pc_static_libs ;; *) fail pc_static_libs "no -lseccomp: $static_libs" ;; esac ;;
*) fail pc_static_libs "no -lnl-route-3: $static_libs" ;;
esac

# Installed for real to the default prefix, /usr/local, with DESTDIR empty: the dynamic linker
# finds libsandbox.so without LD_LIBRARY_PATH (tools/install refreshes its cache). Done in a
# mount namespace of its own, where /usr/local is an empty tmpfs and /etc an overlay whose
# upper layer is a tmpfs: the host's /usr/local and /etc/ld.so.cache are never touched.
# Rootless, `unshare -r` maps the caller to root of a new user namespace. Then a real install
# to a prefix the dynamic linker does not search, which must say how to make it found.
cat >"$T/system-install.sh" <<'SH'
set -eu
mount -t tmpfs tmpfs /usr/local
mount -t tmpfs tmpfs "$T/ovl"
mkdir "$T/ovl/up" "$T/ovl/work"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$T/ovl/up,workdir=$T/ovl/work" /etc
echo namespace-ready
env -u DESTDIR PREFIX=/usr/local sh "$SBX_SRCDIR/tools/install" "$SBX_BUILDDIR" >"$T/sys-install.out" 2>&1
pc=/usr/local/lib/pkgconfig
cc $sanflags $(PKG_CONFIG_PATH=$pc pkg-config --cflags libsandbox) "$T/use.c" -o "$T/use-system" \
  $(PKG_CONFIG_PATH=$pc pkg-config --libs libsandbox)
env -u LD_LIBRARY_PATH SANDBOX_PROFILE_PATH=/usr/local/share/sandbox/profiles "$T/use-system"
env -u DESTDIR PREFIX="$T/user-prefix" sh "$SBX_SRCDIR/tools/install" "$SBX_BUILDDIR" >"$T/user-install.out" 2>&1
SH
mkdir -p "$T/ovl"
host_had_lib=no
[ -e /usr/local/lib/libsandbox.so.0 ] && host_had_lib=yes
if is_root; then ns="unshare -m"; else ns="unshare -r -m"; fi
T=$T sanflags=$sanflags SBX_SRCDIR=$SBX_SRCDIR SBX_BUILDDIR=$SBX_BUILDDIR \
  $ns sh "$T/system-install.sh" >"$T/sys.out" 2>&1
rc=$?
if ! grep -q namespace-ready "$T/sys.out"; then
  skip system_prefix_ldconfig "no private mount namespace with a tmpfs /usr/local and an overlay /etc here: $(head -c 300 "$T/sys.out")"
elif [ $rc -eq 0 ] && grep -q "0.1.0 json" "$T/sys.out"; then
  pass system_prefix_ldconfig
  check_no_grep system_prefix_no_note "$T/sys-install.out" "not in the dynamic linker's search path"
  check_grep user_prefix_note "$T/user-install.out" "$T/user-prefix/lib is not in the dynamic linker's search path"
else
  fail system_prefix_ldconfig "exit $rc: $(head -c 800 "$T/sys.out") $(cat "$T/sys-install.out" 2>/dev/null | head -c 400)"
fi
if [ $host_had_lib = no ] && [ -e /usr/local/lib/libsandbox.so.0 ]; then
  fail system_prefix_host_untouched "/usr/local/lib/libsandbox.so.0 appeared on the host"
else
  pass system_prefix_host_untouched
fi
