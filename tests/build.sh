# build.sh: the build lists every source: tools/gen-sources writes build/sources.ninja from the
# source directories, and the library, the fuzzer and the tests are built from that list.
. "$(dirname "$0")/lib.sh"

gen=$SBX_BUILDDIR/sources.ninja
lib=$(sed -n '/^build \$builddir\/libsandbox-internal.a: ar/,/^$/p' "$gen" |
  grep -o '\$builddir/obj/[^ ]*\.o' | sed 's|\$builddir/obj/||; s|\.o$|.c|' | sort)
fuzz=$(sed -n '/^build \$builddir\/fuzz-profile: fuzz_link/,/fuzz_flags/p' "$gen" |
  grep -o '\(sandbox\|jobspec\)/[^ ]*\.c' | sort)
tree=$(cd "$SBX_SRCDIR" && ls sandbox/*.c jobspec/*.c | sort)
check_eq every_library_source_built "$lib" "$tree"
check_eq fuzz_sources_match_library "$fuzz" "$tree"
tests=$(cd "$SBX_SRCDIR" && ls tests/test-*.c | sed 's/\.c$//' | sort)
built=$(sed -n 's|^build \$builddir/\(tests/test-[^:]*\): link .*|\1|p' "$gen" | sort)
check_eq every_test_program_built "$built" "$tests"
# build.ninja names no library or test source itself: only the generated list does.
named=$(grep -o '\(sandbox\|jobspec\)/[a-z0-9-]*\.c\|tests/test-[a-z0-9-]*\.c' "$SBX_SRCDIR/build.ninja" | sort -u)
check_eq build_ninja_lists_no_source_twice "$named" ""
