# dropin.sh: a wrapped build behaves like the bare build, byte for byte, owner for owner, path
# for path. Real projects are built twice in the same directory, once bare and once with every
# compiler call wrapped in `sandbox run -p compile --`, and their outputs compared: a Makefile
# project (objects in a directory make itself created, a static library, a program, -g so that
# the debug info holds the paths), a recursive make whose subdirectory includes ../include, a
# configure-and-make run wholly inside the sandbox, and a CMake out-of-tree build with the
# compiler launcher set. Runs as root (outputs owned by root) and rootless (by the caller).
. "$(dirname "$0")/lib.sh"

for tool in cc make ar cmp; do
  if ! command -v "$tool" >/dev/null; then
    skip "$tool" "$tool is not installed"
    exit 0
  fi
done
me="$(id -u):$(id -g)"
WRAP="$SBX run -q -p compile --"

# same_outputs NAME DIR_A DIR_B FILES...: each file is byte-identical in both trees.
same_outputs() {
  name=$1 a=$2 b=$3
  shift 3
  bad=
  for f in "$@"; do
    [ -f "$a/$f" ] || { bad="$bad $f(missing bare)"; continue; }
    [ -f "$b/$f" ] || { bad="$bad $f(missing wrapped)"; continue; }
    cmp -s "$a/$f" "$b/$f" || bad="$bad $f(differs)"
  done
  check_eq "$name" "${bad# }" ""
}

# owned_by_caller NAME DIR: every file below DIR belongs to the caller.
owned_by_caller() {
  bad=$(find "$2" -mindepth 1 ! -user "$(id -u)" -printf '%U:%G %p\n' | head -n 5)
  bad="$bad$(find "$2" -mindepth 1 ! -group "$(id -g)" -printf '%U:%G %p\n' | head -n 5)"
  check_eq "$1" "$bad" ""
}

# ---- a Makefile project ------------------------------------------------------------------------
mk=$T/mk
mkdir -p "$mk/src" "$mk/include"
cat >"$mk/include/calc.h" <<'EOF'
int add(int a, int b);
int mul(int a, int b);
EOF
cat >"$mk/src/add.c" <<'EOF'
#include "calc.h"
int add(int a, int b) { return a + b; }
EOF
cat >"$mk/src/mul.c" <<'EOF'
#include "calc.h"
int mul(int a, int b) { int r = 0; for (int i = 0; i < b; i++) r = add(r, a); return r; }
EOF
cat >"$mk/src/main.c" <<'EOF'
#include <stdio.h>
#include "calc.h"
int main(void) { printf("%d %d\n", add(2, 3), mul(4, 5)); return 0; }
EOF
# objs/ is made by make itself (bare), then written into by the wrapped compiler.
cat >"$mk/Makefile" <<'EOF'
CC ?= cc
CFLAGS = -g -O1 -Iinclude -MMD -MP
OBJS = objs/add.o objs/mul.o
all: calc
objs:
	mkdir -p objs
objs/%.o: src/%.c | objs
	$(CC) $(CFLAGS) -c $< -o $@
libcalc.a: $(OBJS)
	ar rcs $@ $(OBJS)
calc: objs/main.o libcalc.a
	$(CC) -g -o $@ objs/main.o libcalc.a
clean:
	rm -rf objs libcalc.a calc
-include $(OBJS:.o=.d) objs/main.d
EOF
mk_outputs="objs/add.o objs/mul.o objs/main.o objs/add.d libcalc.a calc"
(cd "$mk" && make -s CC=cc) >"$T/out" 2>&1
check_eq make-bare $? 0
mkdir "$T/mk-bare"
for f in $mk_outputs; do mkdir -p "$T/mk-bare/$(dirname "$f")" && cp "$mk/$f" "$T/mk-bare/$f"; done
(cd "$mk" && make -s clean)
(cd "$mk" && make -s CC="$WRAP cc") >"$T/out" 2>&1
check_eq make-wrapped $? 0
[ -s "$T/out" ] && fail make-wrapped-quiet "the wrapped build printed: $(head -c 600 "$T/out")" ||
  pass make-wrapped-quiet
same_outputs make-byte-identical "$T/mk-bare" "$mk" $mk_outputs
owned_by_caller make-owned-by-caller "$mk"
check_eq make-runs "$("$mk/calc")" "5 20"
# The depfile names the header by its path as the compiler saw it, the same as bare.
check_grep make-depfile "$mk/objs/add.d" "include/calc.h"
# Nothing rebuilt: make's view of the wrapped outputs is the bare one's.
(cd "$mk" && make -q CC="$WRAP cc")
check_eq make-up-to-date $? 0

# ---- a recursive make whose subdirectory reaches ../include (the project is a git tree) ----------
rec=$T/rec
mkdir -p "$rec/include" "$rec/lib" "$rec/app"
cp "$mk/include/calc.h" "$rec/include/"
cp "$mk/src/add.c" "$mk/src/mul.c" "$rec/lib/"
cp "$mk/src/main.c" "$rec/app/"
mkdir "$rec/.git" # the project's top, as a checkout has it
cat >"$rec/lib/Makefile" <<'EOF'
libcalc.a: add.o mul.o
	ar rcs $@ add.o mul.o
%.o: %.c
	$(CC) -g -I../include -c $< -o $@
EOF
cat >"$rec/app/Makefile" <<'EOF'
calc: main.o ../lib/libcalc.a
	$(CC) -g -o $@ main.o ../lib/libcalc.a
%.o: %.c
	$(CC) -g -I../include -c $< -o $@
EOF
cat >"$rec/Makefile" <<'EOF'
all:
	$(MAKE) -C lib
	$(MAKE) -C app
clean:
	rm -f lib/*.o lib/*.a app/*.o app/calc
EOF
rec_outputs="lib/add.o lib/mul.o lib/libcalc.a app/main.o app/calc"
(cd "$rec" && make -s CC=cc) >"$T/out" 2>&1
check_eq recursive-bare $? 0
mkdir -p "$T/rec-bare/lib" "$T/rec-bare/app"
for f in $rec_outputs; do cp "$rec/$f" "$T/rec-bare/$f"; done
(cd "$rec" && make -s clean)
(cd "$rec" && make -s CC="$WRAP cc") >"$T/out" 2>&1
check_eq recursive-wrapped $? 0
[ -s "$T/out" ] && sed 's/^/    /' "$T/out" | head -n 5
same_outputs recursive-byte-identical "$T/rec-bare" "$rec" $rec_outputs
owned_by_caller recursive-owned-by-caller "$rec"

# ---- configure and make, wholly inside the sandbox -----------------------------------------------
cfg=$T/cfg
mkdir "$cfg"
cp "$mk/src/add.c" "$mk/src/mul.c" "$mk/src/main.c" "$mk/include/calc.h" "$cfg/"
cat >"$cfg/configure" <<'EOF'
#!/bin/sh
# A configure script's habits: a test compile, a generated header and Makefile.
set -e
cat >conftest.c <<'C'
int main(void) { return 0; }
C
${CC:-cc} -o conftest conftest.c
./conftest
rm -f conftest conftest.c
echo '#define CONFIGURED 1' >config.h
printf 'calc: add.o mul.o main.o\n\t$(CC) -o calc add.o mul.o main.o\n%%.o: %%.c\n\t$(CC) -O2 -I. -c $< -o $@\n' >Makefile
echo "configured in $(pwd)"
EOF
chmod 755 "$cfg/configure"
(cd "$cfg" && $WRAP sh -c './configure && make -s') >"$T/out" 2>&1
check_eq configure-make $? 0
check_grep configure-same-path "$T/out" "configured in $cfg"
owned_by_caller configure-owned-by-caller "$cfg"
check_eq configure-runs "$("$cfg/calc")" "5 20"
# make distclean, bare, then the wrapped build again: nothing in the tree is in the way.
(cd "$cfg" && rm -f calc ./*.o config.h Makefile && $WRAP sh -c './configure && make -s') \
  >"$T/out" 2>&1
check_eq configure-after-bare-clean $? 0

# ---- CMake, out of tree, with the compiler launcher set ------------------------------------------
if command -v cmake >/dev/null; then
  cm=$T/cm
  mkdir -p "$cm/src"
  cp "$mk/src/add.c" "$mk/src/mul.c" "$mk/src/main.c" "$mk/include/calc.h" "$cm/src/"
  mkdir "$cm/.git"
  cat >"$cm/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.13)
project(calc C)
add_library(calc STATIC src/add.c src/mul.c)
target_include_directories(calc PUBLIC src)
add_executable(app src/main.c)
target_link_libraries(app calc)
EOF
  cm_outputs="CMakeFiles/calc.dir/src/add.c.o CMakeFiles/calc.dir/src/mul.c.o CMakeFiles/app.dir/src/main.c.o libcalc.a app"
  cmake_build() { # extra cmake arguments...
    rm -rf "$cm/build"
    (cd "$cm" && cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$T/cmake.log" 2>&1 &&
      cmake --build build >>"$T/cmake.log" 2>&1)
  }
  cmake_build
  check_eq cmake-bare $? 0
  mkdir "$T/cm-bare"
  for f in $cm_outputs; do mkdir -p "$T/cm-bare/$(dirname "$f")" && cp "$cm/build/$f" "$T/cm-bare/$f"; done
  cmake_build "-DCMAKE_C_COMPILER_LAUNCHER=$SBX;run;-p;compile;--"
  rc=$?
  check_eq cmake-wrapped $rc 0
  [ $rc -ne 0 ] && tail -n 15 "$T/cmake.log" | sed 's/^/    /'
  check_grep cmake-launcher-used "$cm/build/CMakeCache.txt" "CMAKE_C_COMPILER_LAUNCHER:UNINITIALIZED=$SBX;run"
  same_outputs cmake-byte-identical "$T/cm-bare" "$cm/build" $cm_outputs
  owned_by_caller cmake-owned-by-caller "$cm/build"
else
  skip cmake-wrapped "cmake is not installed"
fi
