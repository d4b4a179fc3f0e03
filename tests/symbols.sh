# symbols.sh: the library's boundary. Only the API's sbx_* names are global in the installed
# libsandbox.a and libsandbox.so; a program that links the archive with libcap gets libcap's
# own cap_from_name/cap_to_name (a clash would silently link ours instead).
. "$(dirname "$0")/lib.sh"

globals() { nm -g --defined-only "$1" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u; }

for lib in libsandbox.a libsandbox.so; do
  f=$SBX_BUILDDIR/$lib
  [ "$lib" = libsandbox.so ] && f=$(readlink -f "$f")
  all=$(globals "$f")
  if [ -z "$all" ]; then
    fail "${lib}_has_globals" "nm found no global symbol in $f"
    continue
  fi
  # The .so also defines the version node SANDBOX_0.1 (an absolute symbol): not a function.
  other=$(printf '%s\n' "$all" | grep -v '^sbx_' | grep -v '^SANDBOX_[0-9.]*$' | head -n 20)
  check_eq "${lib}_only_sbx_globals" "$other" ""
  # And every API function is there.
  api=$(sed -n 's/^SBX_PUBLIC [^(]*[ *]\(sbx_[a-z_0-9]*\)(.*/\1/p' "$SBX_SRCDIR/sandbox/sandbox.h" | sort -u)
  missing=$(printf '%s\n' "$api" | while read -r n; do printf '%s\n' "$all" | grep -qx "$n" || echo "$n"; done)
  check_eq "${lib}_exports_the_api" "$missing" ""
done

# The internal archive, which the tests link, keeps its internal names: the public one is built
# from it, so an empty difference would mean the localisation did nothing.
internal=$(globals "$SBX_BUILDDIR/libsandbox-internal.a" | grep -vc '^sbx_')
if [ "$internal" -gt 50 ]; then pass internal_archive_keeps_internal_names; else
  fail internal_archive_keeps_internal_names "only $internal non-sbx globals in libsandbox-internal.a"
fi

out=$("$SBX_BUILDDIR/tests/libcap-user" 2>&1)
check_eq libcap_cap_from_name_is_libcaps "$out" "cap_from_name=0 value=5 cap_to_name=cap_net_raw load=0"
