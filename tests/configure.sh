# configure.sh: ./configure finds what is missing and names the Debian package; it writes
# build settings for its options. Runs configure in a scratch copy with a stand-in pkg-config.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/src" "$T/bin"
mkdir -p "$T/src/tools" "$T/src/sandbox" "$T/src/jobspec" "$T/src/tests"
cp "$SBX_SRCDIR/configure" "$T/src/"
cp "$SBX_SRCDIR/tools/gen-sources" "$T/src/tools/"
touch "$T/src/sandbox/a.c" "$T/src/jobspec/b.c" "$T/src/tests/test-c.c"
real_pc=$(command -v pkg-config)
# A pkg-config that pretends jansson and libcap are not installed.
cat >"$T/bin/pkg-config" <<PC
#!/bin/sh
for a in "\$@"; do case \$a in jansson|libcap) exit 1 ;; esac; done
exec $real_pc "\$@"
PC
chmod +x "$T/bin/pkg-config"

(cd "$T/src" && PATH="$T/bin:$PATH" ./configure) >"$T/out" 2>"$T/err"
check_eq missing_module_fails "$?" 1
check_grep names_debian_package_jansson "$T/err" "configure: missing jansson (Debian package: libjansson-dev)"
check_grep names_debian_package_libcap "$T/err" "configure: missing libcap (Debian package: libcap-dev)"
check_grep says_how_to_install "$T/err" "apt-get install libcap-dev libjansson-dev"

(cd "$T/src" && ./configure --prefix=/opt/sbx --sanitize=address,undefined --debug CFLAGS=-DEXTRA_FLAG) >"$T/out" 2>"$T/err"
check_eq options_accepted "$?" 0
check_grep prefix_written "$T/src/build/config.ninja" "prefix = /opt/sbx"
check_grep sanitize_written "$T/src/build/config.ninja" "-fsanitize=address,undefined"
check_grep debug_written "$T/src/build/config.ninja" "-O0 -g3"
check_grep cflags_written "$T/src/build/config.ninja" "-DEXTRA_FLAG"

(cd "$T/src" && ./configure --bogus) >"$T/out" 2>"$T/err"
check_eq unknown_option_fails "$?" 1
check_grep unknown_option_named "$T/err" "unknown option '--bogus'"

(cd "$T/src" && ./configure --prefix=relative) >"$T/out" 2>"$T/err"
check_eq relative_prefix_fails "$?" 1

(cd "$T/src" && ./configure CC=/nonexistent/cc) >"$T/out" 2>"$T/err"
check_eq missing_compiler_fails "$?" 1
check_grep missing_compiler_named "$T/err" "missing cc (Debian package: gcc)"
# configure writes the list of sources from the source directories.
check_grep sources_listed "$T/src/build/sources.ninja" 'build $builddir/obj/sandbox/a.o: cc sandbox/a.c'
check_grep tests_listed "$T/src/build/sources.ninja" 'build $builddir/tests/test-c: link'
