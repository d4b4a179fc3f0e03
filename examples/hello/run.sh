#!/bin/sh
# run.sh: the README's first job. Copies hello.c into a fresh directory, compiles it with gcc
# inside the sandbox (default profile: that directory read-write at its own path, the system
# read-only, no network) and runs the result, also inside the sandbox. The program it makes
# belongs to you, as a bare gcc's would, root included (read-write binds are idmapped to their
# owner).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
sandbox=${SANDBOX:-$top/build/sandbox}
export SANDBOX_PROFILE_PATH=${SANDBOX_PROFILE_PATH:-$top/profiles}
dir=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-hello.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cp "$top/examples/hello/hello.c" "$dir/"
cd "$dir"
set -x
"$sandbox" run -- gcc -Wall -o hello hello.c
"$sandbox" run -- ./hello
{ set +x; } 2>/dev/null
ls -ln hello
