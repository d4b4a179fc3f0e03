# build.sh: build.ninja keeps its lists in step: the profile fuzzer is built from exactly the
# library's sources (ninja has no globs, so the list is written twice), and every .c file of
# the library directories is in the library.
. "$(dirname "$0")/lib.sh"

bn=$SBX_SRCDIR/build.ninja
lib=$(sed -n '/^build \$builddir\/libsandbox.a: ar \$$/,/^build /p' "$bn" |
  grep -o '\$builddir/obj/[^ ]*\.o' | sed 's|\$builddir/obj/||; s|\.o$|.c|' | sort)
fuzz=$(sed -n '/^build \$builddir\/fuzz-profile: fuzz_link/,/fuzz_flags/p' "$bn" |
  grep -o '\(sandbox\|jobspec\)/[^ ]*\.c' | sort)
check_eq fuzz_sources_match_library "$fuzz" "$lib"
tree=$(cd "$SBX_SRCDIR" && ls sandbox/*.c jobspec/*.c | sort)
check_eq every_library_source_built "$tree" "$lib"
