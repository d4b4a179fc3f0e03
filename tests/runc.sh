#!/bin/sh
# runc.sh: interop: runc accepts the config.json we write. A bundle whose root is an empty
# directory plus our read-only binds of /usr, /bin, /lib and /lib64, running /bin/true, must
# exit 0 (and /bin/false must exit 1, so that we know runc ran our process). Needs root and
# runc; skips with the reason otherwise. Each container has a unique id and its own runc state
# directory under $T, and is deleted even when a check fails.
. "$(dirname "$0")/lib.sh"

TOOL=$SBX_BUILDDIR/tests/json-tool

if ! is_root; then
  skip runc "runc needs root (running as uid $(id -u))"
  exit 0
fi
if ! command -v runc >/dev/null 2>&1; then
  skip runc "runc is not installed (Debian: apt-get install runc)"
  exit 0
fi
if [ ! -x "$TOOL" ]; then
  fail runc "$TOOL is missing; build it with ninja"
  exit 0
fi

state=$T/runc-state
mkdir -p "$state"
containers=
on_exit 'for c in $containers; do timeout 30 runc --root "$state" delete --force "$c" >/dev/null 2>&1; done'

# run_bundle NAME WANT_STATUS: runs the bundle $T/NAME (config.json already there) and checks
# runc's exit status, which is the job's.
run_bundle() {
  name=$1 want=$2
  id="sbx-test-$name-$$-$(date +%s)"
  containers="$containers $id"
  timeout 60 runc --root "$state" run --bundle "$T/$name" "$id" </dev/null >"$T/$name.out" 2>"$T/$name.err"
  got=$?
  timeout 30 runc --root "$state" delete --force "$id" >/dev/null 2>&1
  if [ "$got" -eq "$want" ]; then
    pass "$name"
  else
    fail "$name" "runc run exited $got, expected $want; stderr: $(head -c 800 "$T/$name.err")"
  fi
}

# make_bundle NAME TOOL-ARGS...: writes $T/NAME/config.json with json-tool and an empty rootfs.
make_bundle() {
  name=$1
  shift
  mkdir -p "$T/$name/rootfs"
  if ! "$TOOL" demo "$@" >"$T/$name/config.json" 2>"$T/$name.err"; then
    fail "$name" "json-tool demo failed: $(cat "$T/$name.err")"
    return 1
  fi
  # What we write reads back and writes the same text.
  if "$TOOL" reformat "$T/$name/config.json" >"$T/$name/again.json" 2>"$T/$name.err" &&
    cmp -s "$T/$name/config.json" "$T/$name/again.json"; then
    pass "$name-reads-back"
  else
    fail "$name-reads-back" "reformat differs or failed: $(head -c 400 "$T/$name.err")"
  fi
  rm -f "$T/$name/again.json"
}

make_bundle true -- /bin/true && run_bundle true 0
make_bundle false -- /bin/false && run_bundle false 1

# A job that checks what it sees: the binds are read-only, /tmp is writable, the hostname is
# ours, and the minimal /dev works.
make_bundle inside -- /bin/sh -c '
  [ "$(cat /proc/sys/kernel/hostname)" = sandbox ] || exit 10
  touch /usr/sbx-test 2>/dev/null && exit 11
  echo x >/tmp/x && [ "$(cat /tmp/x)" = x ] || exit 12
  echo x >/dev/null || exit 13
  [ -c /dev/zero ] || exit 14
  [ -d /bin ] || exit 15
  exit 0' && run_bundle inside 0

# An allow-list filter from the @baseline group (default: ENOSYS, carried as defaultErrnoRet):
# a shell and common tools run; unshare(2) is not in the baseline, so a call no rule matches
# fails with ENOSYS (without the filter, the kernel would say EPERM).
make_bundle baseline --baseline -- /bin/sh -c '
  ls / >/dev/null && cat /proc/self/status >/dev/null && echo x | grep -q x || exit 20
  grep -q "^Seccomp:[[:space:]]*2" /proc/self/status || exit 21
  if command -v unshare >/dev/null; then
    unshare -i true 2>&1 | grep -q "Function not implemented" || exit 22
  fi
  exit 0' && run_bundle baseline 0

# The same under a user namespace: root inside maps to an unused range outside.
# runc creates the mount points in rootfs as that root, so rootfs belongs to it.
if make_bundle userns --userns 1000000 -- /bin/true; then
  owner=$("$TOOL" root-owner "$T/userns/config.json") && check_eq userns-owner "$owner" 1000000:1000000 &&
    chown "$owner" "$T/userns/rootfs" && run_bundle userns 0
fi

# spec_and_run NAME "PROFILE [OPTION]..." CMD...: the profile's `sandbox spec` with CMD, in a
# bundle whose rootfs belongs to the container's root (runc creates the mount points in it as
# that user), run by runc with exit status 0 expected.
spec_and_run() {
  name=$1 p=$2
  shift 2
  mkdir -p "$T/$name/rootfs"
  # shellcheck disable=SC2086 # $p is the profile and its options
  if ! (cd "$T" && "$SBX" spec $p -- "$@") >"$T/$name/config.json" 2>"$T/$name.err"; then
    fail "$name" "sandbox spec failed: $(head -c 400 "$T/$name.err")"
    return
  fi
  if owner=$("$TOOL" root-owner "$T/$name/config.json" 2>"$T/$name.err") &&
    chown "$owner" "$T/$name/rootfs" 2>>"$T/$name.err"; then
    run_bundle "$name" 0
  else
    fail "$name" "cannot prepare the bundle: $(head -c 400 "$T/$name.err")"
  fi
}

# The CLI, when it is built: every stock profile's spec runs /bin/true under runc.
if [ -x "$SBX" ] && ls "$SBX_SRCDIR"/profiles/*.yaml >/dev/null 2>&1; then
  for p in "$SBX_SRCDIR"/profiles/*.yaml; do
    spec_and_run "profile-$(basename "$p" .yaml)" "$(basename "$p" .yaml)" /bin/true
  done
else
  skip profiles "no sandbox CLI or stock profiles in this build"
fi

# runc enforces the engine's rules too (docs/security.md, "Setuid, setgid and file-capability
# files"): under every stock profile's spec, and under a spec whose policy is off, a job in
# runc cannot make a setuid or setgid file, nor write an extended attribute, in its /tmp.
hostile='cd /tmp && touch f || exit 30
chmod u+s f 2>/tmp/e && exit 31
grep -q "Operation not permitted" /tmp/e || exit 32
chmod g+s f 2>/dev/null && exit 33
[ "$(stat -c %a f)" = 644 ] || exit 34
if command -v setfattr >/dev/null; then
  setfattr -n user.x -v 1 f 2>&1 | grep -q "Operation not supported" || exit 35
fi
if command -v python3 >/dev/null; then
  python3 -c "import os; os.open(\"g\", os.O_CREAT | os.O_WRONLY, 0o4755)" 2>&1 |
    grep -q "PermissionError" || exit 36
fi
exit 0'
if [ -x "$SBX" ] && ls "$SBX_SRCDIR"/profiles/*.yaml >/dev/null 2>&1; then
  for p in compile judge "compile --set seccomp.enabled=false"; do
    spec_and_run "setuid-$(echo "$p" | tr -c 'a-z\n' -)" "$p" /bin/sh -c "$hostile"
  done
fi
# `sandbox spec --rootfs rootfs` names the bundle's own rootfs directory (root.path) instead of
# the fresh root; prepared as docs/oci.md says (owned by the container's root, here the id root's
# mapping gives: 65534), runc runs it, and so does `sandbox run --bundle`.
if [ -x "$SBX" ]; then
  name=rootfs-option
  mkdir -p "$T/$name/rootfs"
  if (cd "$T" && "$SBX" spec default --rootfs rootfs -- /bin/sh -c 'test "$(pwd)" = "$0" && echo in-rootfs' "$T") \
    >"$T/$name/config.json" 2>"$T/$name.err" &&
    grep -q '"path": "rootfs"' "$T/$name/config.json" &&
    owner=$("$TOOL" root-owner "$T/$name/config.json" 2>>"$T/$name.err") &&
    check_eq rootfs-option-owner "$owner" 65534:65534 &&
    chown "$owner" "$T/$name/rootfs" 2>>"$T/$name.err"; then
    run_bundle "$name" 0
    check_grep rootfs-option-ran "$T/$name.out" in-rootfs
    # The engine: the same config.json, with a fresh rootfs of the same owner (runc left a
    # directory on /bin in the first, where the engine recreates the symlink).
    mkdir -p "$T/$name-engine/rootfs"
    cp "$T/$name/config.json" "$T/$name-engine/"
    chown "$owner" "$T/$name-engine/rootfs"
    (cd "$T" && timeout 60 "$SBX" run --bundle "$T/$name-engine") >"$T/$name.out2" 2>"$T/$name.err2"
    check_eq rootfs-option-sandbox-run "$?:$(cat "$T/$name.out2")" "0:in-rootfs"
  else
    fail "$name" "cannot prepare the bundle: $(head -c 400 "$T/$name.err")"
  fi
fi
