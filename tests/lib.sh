# lib.sh: helpers for shell tests (sourced). Each check prints one PASS/FAIL/SKIP line that
# tests/run-tests counts. Variables: SBX (the CLI), SBX_SRCDIR, SBX_BUILDDIR, T (a scratch
# directory removed at exit). A script adds its own cleanups with on_exit instead of a trap of
# its own.
set -u
: "${SBX_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${SBX_BUILDDIR:=$SBX_SRCDIR/build}"
SBX=$SBX_BUILDDIR/sandbox
export SANDBOX_PROFILE_PATH="$SBX_SRCDIR/profiles"
T=$(mktemp -d "${TMPDIR:-/tmp}/sbx-test.XXXXXX") || exit 1
# `sandbox run` keeps compiled seccomp filters under $XDG_CACHE_HOME: not in the caller's home.
export XDG_CACHE_HOME="$T/cache"
chmod 755 "$T"
test_file=$(basename "$0" .sh)

# on_exit COMMAND: runs the shell command COMMAND (evaluated then, with the variables' values of
# that moment) when the script exits, also on SIGINT and SIGTERM; the commands run newest first,
# then $T is removed.
exit_commands=
on_exit() {
  exit_commands="$1
$exit_commands"
}
trap 'eval "$exit_commands"; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

pass() { echo "PASS: $test_file:$1"; }
fail() { echo "FAIL: $test_file:$1: $2"; }
skip() { echo "SKIP: $test_file:$1: $2"; }
is_root() { [ "$(id -u)" = 0 ]; }

# check NAME EXPECTED_STATUS COMMAND...: runs COMMAND, keeping its stdout in $T/out and stderr
# in $T/err, and checks its exit status.
check_status() {
  name=$1 want=$2
  shift 2
  "$@" >"$T/out" 2>"$T/err"
  got=$?
  if [ "$got" -eq "$want" ]; then
    pass "$name"
  else
    fail "$name" "exit status $got, expected $want; stderr: $(head -c 600 "$T/err")"
  fi
}

# check_grep NAME FILE PATTERN: FILE contains a line matching the fixed string PATTERN.
check_grep() {
  if grep -qF -- "$3" "$2"; then pass "$1"; else fail "$1" "'$3' not in $2: $(head -c 600 "$2")"; fi
}

# check_no_grep NAME FILE PATTERN
check_no_grep() {
  if grep -qF -- "$3" "$2"; then fail "$1" "'$3' unexpectedly in $2: $(head -c 600 "$2")"; else pass "$1"; fi
}

# check_eq NAME GOT WANT
check_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', expected '$3'"; fi
}

# marked_pids TEXT: the host pids whose command line contains TEXT, one per line.
marked_pids() {
  for d in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$d/cmdline" | grep -qF -- "$1" && echo "${d#/proc/}"
  done
}

# wait_for FILE [TENTHS]: waits until FILE exists (default 10 s).
wait_for() {
  i=0
  while [ ! -e "$1" ] && [ $i -lt "${2:-100}" ]; do sleep 0.1; i=$((i + 1)); done
  [ -e "$1" ]
}

# $CG_RELAX: "--set cgroup=optional" for an unprivileged caller, else empty. The stock judge
# requires a cgroup for its limits (an unprivileged caller has one only when delegated): tests
# of something other than the limits pass it, unquoted, to run judge anywhere.
if is_root; then CG_RELAX=; else CG_RELAX="--set cgroup=optional"; fi
