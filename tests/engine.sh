# engine.sh: `sandbox run` end to end, through the CLI ($SBX), with the static probe
# (tests/helper/probe.c) bound read-only on /probe. The default profile binds the current
# directory, $W, read-write at its own path (the job's cwd); as root the job's ids map to uid/gid
# 65534, so the work directory is handed to 65534 there. Runs as root and as an unprivileged user.
. "$(dirname "$0")/lib.sh"

P=$SBX_BUILDDIR/tests/helper/probe
if [ ! -x "$SBX" ] || [ ! -x "$P" ]; then
  fail build "$SBX or $P is missing: run ninja (the engine and the CLI must be built)"
  exit 1
fi

mounts_before=$T/mounts-before
# Mount point, type and source of every host mount, to find any left behind at the end.
host_mounts() { awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo | sort; }
host_mounts >"$mounts_before"

mkdir -p "$T/bin" "$T/work"
cp "$P" "$T/bin/probe"
printf '#!/bin/sh\necho not reached\n' >"$T/bin/notexec"
chmod 755 "$T/bin" "$T/bin/probe"
chmod 644 "$T/bin/notexec"
W=$T/work
if is_root; then chown 65534:65534 "$W"; fi
job_uid=$(id -u) job_gid=$(id -g)
if is_root; then job_uid=65534 job_gid=65534; fi
cd "$W" || exit 1

# sbx ARGS...: `sandbox run` with the probe, under a timeout.
sbx() { timeout 60 "$SBX" run --bind "$T/bin:/probe:ro" "$@"; }

# gone PIDS...: waits up to 5 s until none of PIDS runs any more; prints those left.
gone() {
  i=0
  while [ $i -lt 50 ]; do
    left=
    for p in "$@"; do [ -d "/proc/$p" ] && left="$left $p"; done
    [ -z "$left" ] && return 0
    sleep 0.1
    i=$((i + 1))
  done
  echo "$left"
  return 1
}

# ---- it runs --------------------------------------------------------------------------------
check_status true 0 timeout 60 "$SBX" run -- /bin/true
check_status false 1 timeout 60 "$SBX" run -- /bin/false
check_status exit-code 7 sbx -- /probe/probe exit 7
check_status signal-status 143 sbx -- /probe/probe kill TERM
check_status sigkill-status 137 sbx -- /probe/probe kill KILL
check_status shell 3 sbx -- /bin/sh -c 'exit 3'

# ---- the view from inside -------------------------------------------------------------------
export SBX_HOST_SECRET=leaked-value
sbx -- /probe/probe report /root /home "$T/bin" "$SBX_SRCDIR" "$W/out" /probe/probe /work \
  7</dev/null 8>"$T/eight" >"$T/view" 2>"$T/err"
check_eq view-status $? 0
check_grep view-cwd "$T/view" "cwd=$W"
# The job's ids (whatever the profile makes them) map to the caller's, or to 65534 as root.
check_grep view-uid-map "$T/view" "uid_map=$(sed -n 's/^uid=//p' "$T/view") $job_uid 1"
check_grep view-gid-map "$T/view" "gid_map=$(sed -n 's/^gid=//p' "$T/view") $job_gid 1"
check_no_grep view-not-host-root "$T/view" "uid_map=0 0 "
pid=$(sed -n 's/^pid=//p' "$T/view")
nprocs=$(sed -n 's/^nprocs=//p' "$T/view")
case $pid in 1 | 2) pass view-pid ;; *) fail view-pid "pid=$pid, expected 1 or 2" ;; esac
check_eq view-nprocs "$nprocs" "$pid"
host=$(sed -n 's/^hostname=//p' "$T/view")
if [ -n "$host" ] && [ "$host" != "$(hostname)" ]; then pass view-hostname; else
  fail view-hostname "hostname '$host' (the host's is '$(hostname)')"
fi
# Only 0, 1 and 2, though the CLI was given 7 and 8.
check_eq view-fds "$(sed -n 's/^fd=//p' "$T/view" | tr '\n' ' ')" "0 1 2 "
# No host variable: neither ours nor the runner's.
check_no_grep view-env-secret "$T/view" "SBX_HOST_SECRET"
check_no_grep view-env-builddir "$T/view" "env=SBX_BUILDDIR="
if [ -n "${HOME:-}" ]; then check_no_grep view-env-home "$T/view" "env=HOME=$HOME"; fi
# Host paths that are not bound are invisible.
check_grep view-hidden-root "$T/view" "exists=/root no"
check_grep view-hidden-home "$T/view" "exists=/home no"
check_grep view-hidden-tmp "$T/view" "exists=$T/bin no"
check_grep view-no-work "$T/view" "exists=/work no"
check_grep view-hidden-src "$T/view" "exists=$SBX_SRCDIR no"
check_grep view-probe "$T/view" "exists=/probe/probe yes"
check_grep view-proc "$T/view" "mount=/proc proc "
check_grep view-work-rw "$T/view" "mount=$W "
if grep "^mount=$W " "$T/view" | grep -q ' rw,'; then pass view-work-rw-flag; else
  fail view-work-rw-flag "$(grep "^mount=$W " "$T/view")"
fi
if grep '^mount=/usr ' "$T/view" | grep -q ' ro,'; then pass view-usr-ro; else
  fail view-usr-ro "$(grep '^mount=/usr ' "$T/view")"
fi
if grep '^mount=/probe ' "$T/view" | grep -q ' ro,'; then pass view-bind-ro; else
  fail view-bind-ro "$(grep '^mount=/probe ' "$T/view")"
fi
unset SBX_HOST_SECRET

# --env and --cwd reach the job.
sbx --env FOO=bar --cwd /probe -- /probe/probe report >"$T/view2" 2>"$T/err"
check_eq env-cwd-status $? 0
check_grep env-set "$T/view2" "env=FOO=bar"
check_grep cwd-set "$T/view2" "cwd=/probe"

# The working directory is writable and shared with the host; /usr is not writable.
sbx -- /probe/probe write "$W/out" >"$T/w" 2>&1
check_grep write-work "$T/w" "write=$W/out ok"
check_eq write-work-host "$(cat "$W/out" 2>/dev/null)" "probe"
sbx -- /probe/probe write /usr/sbx-probe-test >"$T/w" 2>&1
check_grep write-usr-refused "$T/w" "write=/usr/sbx-probe-test error"
[ ! -e /usr/sbx-probe-test ] && pass write-usr-host || fail write-usr-host "/usr/sbx-probe-test exists"

# ---- errors: exact message, exit status -----------------------------------------------------
# check_error NAME STATUS MESSAGE ARGS...: `sandbox run ARGS` exits STATUS and prints exactly
# MESSAGE on stderr.
check_error() {
  name=$1 want_status=$2 want_msg=$3
  shift 3
  timeout 60 "$SBX" run "$@" >"$T/out" 2>"$T/err"
  got=$?
  check_eq "$name-status" "$got" "$want_status"
  check_eq "$name-message" "$(cat "$T/err")" "$want_msg"
}
check_error missing-command 127 "sandbox: cannot run 'nosuchcmd': No such file or directory" \
  -- nosuchcmd
check_error missing-command-path 127 \
  "sandbox: cannot run '/probe/nosuchcmd': No such file or directory" \
  --bind "$T/bin:/probe:ro" -- /probe/nosuchcmd
check_error not-executable 126 "sandbox: cannot run '/probe/notexec': Permission denied" \
  --bind "$T/bin:/probe:ro" -- /probe/notexec
check_error missing-bind-source 125 \
  "sandbox: bind mount /nonexistent-src on /mnt: No such file or directory" \
  --bind /nonexistent-src:/mnt -- /bin/true
check_error bad-cwd 125 \
  "sandbox: cannot change to the working directory '/nonexistent-cwd': No such file or directory" \
  --cwd /nonexistent-cwd -- /bin/true
# /usr is a read-only bind: a mount point cannot be made in it.
check_error unwritable-target 125 \
  "sandbox: create the mount point /usr/sbx-newdir: Read-only file system" \
  --bind "$T/bin:/usr/sbx-newdir:ro" -- /bin/true
[ ! -e /usr/sbx-newdir ] && pass unwritable-target-host || fail unwritable-target-host "/usr/sbx-newdir exists"
# Invalid specs are refused before anything runs.
check_error invalid-cwd 125 "sandbox: working directory 'relative/dir' is not an absolute path" \
  --cwd relative/dir -- /bin/true
check_error invalid-bind-target 125 \
  "sandbox: --bind /tmp:relative: bind target 'relative' is not an absolute path" \
  --bind /tmp:relative -- /bin/true
printf 'extends: default\nfilesystem:\n  tmpfs:\n    - {target: relative, size: 1M}\n' >"$T/bad.yaml"
check_error invalid-profile 125 \
  "sandbox: $T/bad.yaml:4:16: filesystem.tmpfs[0].target: 'relative' is not an absolute path" \
  -p "$T/bad.yaml" -- /bin/true
check_error invalid-set 125 \
  "sandbox: --set 'limits.memory=abc': limits.memory: bad size 'abc': expected a number with a unit such as 256M, or unlimited" \
  --set limits.memory=abc -- /bin/true

# ---- processes ------------------------------------------------------------------------------
marker=sbx-engine-test-$$

# Supervisor death: SIGKILL to the CLI while the job sleeps; every process of the job dies.
"$SBX" run --bind "$T/bin:/probe:ro" -- /probe/probe sleep 60 "$W/ready" "$marker-kill" \
  >/dev/null 2>&1 &
cli=$!
if wait_for "$W/ready"; then
  job_pids=$(marked_pids "$marker-kill" | grep -vx "$cli" | tr '\n' ' ')
  if [ -n "$job_pids" ]; then pass kill-job-seen; else fail kill-job-seen "no job process found"; fi
  # Seen from the host, every process of the job (init and the probe) runs as the mapped id,
  # never as host root.
  uids=
  for p in $job_pids; do uids="$uids $(awk '/^Uid:/ { print $2 "," $3 "," $4 "," $5 }' "/proc/$p/status" 2>/dev/null)"; done
  bad_uids=$(echo "$uids" | tr ' ' '\n' | grep -v "^$job_uid,$job_uid,$job_uid,$job_uid\$" | grep -v '^$')
  if [ -n "$uids" ] && [ -z "$bad_uids" ]; then pass kill-job-host-uid; else
    fail kill-job-host-uid "host uids of the job's processes:$uids (expected $job_uid)"
  fi
  kill -KILL $cli
  wait $cli 2>/dev/null
  # shellcheck disable=SC2086
  if left=$(gone $job_pids); then pass kill-job-gone; else
    fail kill-job-gone "still running after the CLI was killed:$left"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null
  fi
else
  fail kill-job-seen "the job did not start within 10 s"
  kill -KILL $cli 2>/dev/null
fi
rm -f "$W/ready"

# SIGKILL at any moment of the start-up: after each of 20 kills at 0-19 ms, nothing of the job
# survives.
survivors=
i=0
while [ $i -lt 20 ]; do
  "$SBX" run --bind "$T/bin:/probe:ro" -- /probe/probe sleep 60 "$marker-early-$i" \
    >/dev/null 2>&1 &
  cli=$!
  sleep "0.0$(printf '%02d' $i)" 2>/dev/null || sleep 0
  kill -KILL $cli 2>/dev/null
  wait $cli 2>/dev/null
  i=$((i + 1))
done
sleep 0.5
i=0
while [ $i -lt 20 ]; do
  # shellcheck disable=SC2046
  left=$(gone $(marked_pids "$marker-early-$i")) || survivors="$survivors$left"
  i=$((i + 1))
done
if [ -z "$survivors" ]; then pass kill-early-job-gone; else
  fail kill-early-job-gone "processes survived a killed CLI:$survivors"
  # shellcheck disable=SC2086
  kill -KILL $survivors 2>/dev/null
fi

# Signal forwarding: SIGTERM and SIGINT to the CLI reach the job, whose handler writes a marker
# and exits 42. (Background jobs of sh start with SIGINT ignored: env resets it.)
for sig in TERM INT; do
  rm -f "$W/ready" "$W/caught"
  env --default-signal=INT "$SBX" run --bind "$T/bin:/probe:ro" -- \
    /probe/probe trap $sig "$W/caught" "$W/ready" 60 >/dev/null 2>"$T/err" &
  cli=$!
  if wait_for "$W/ready"; then
    kill -$sig $cli
    wait $cli
    check_eq "forward-$sig-status" $? 42
    num=15
    [ "$sig" = INT ] && num=2
    check_eq "forward-$sig-marker" "$(cat "$W/caught" 2>/dev/null)" "caught $num"
  else
    fail "forward-$sig" "the job did not start within 10 s: $(cat "$T/err")"
    kill -KILL $cli 2>/dev/null
  fi
done

# Orphans: the job double-forks a sleeper and exits; the sandbox ends at once and the sleeper
# is gone.
start=$(date +%s)
sbx -- /probe/probe orphan 60 "$marker-orphan" >"$T/orphan" 2>&1
check_eq orphan-status $? 0
check_grep orphan-started "$T/orphan" "orphan="
[ $(($(date +%s) - start)) -lt 30 ] && pass orphan-quick || fail orphan-quick "the run took $(($(date +%s) - start)) s"
# shellcheck disable=SC2046
if left=$(gone $(marked_pids "$marker-orphan")); then pass orphan-gone; else
  fail orphan-gone "the sleeper survived:$left"
  # shellcheck disable=SC2086
  kill -KILL $left 2>/dev/null
fi

# Orphans that exit while the job runs are reaped.
sbx -- /probe/probe zombies 5 >"$T/z" 2>&1
check_grep zombies-reaped "$T/z" "zombies=0"

# ---- a real tool ----------------------------------------------------------------------------
if command -v gcc >/dev/null 2>&1; then
  mkdir "$W/src"
  is_root && chown 65534:65534 "$W/src"
  printf '#include <stdio.h>\nint main(void) { puts("hello, world"); return 0; }\n' >"$W/src/hello.c"
  (cd "$W/src" && timeout 120 "$SBX" run -- gcc -o hello hello.c) >"$T/gcc" 2>&1
  check_eq gcc-status $? 0
  [ -x "$W/src/hello" ] && pass gcc-output || fail gcc-output "no hello in $W/src: $(head -c 600 "$T/gcc")"
  (cd "$W/src" && timeout 60 "$SBX" run -q -- ./hello) >"$T/hello" 2>&1
  check_eq gcc-run "$(cat "$T/hello")" "hello, world"
else
  skip gcc "gcc is not installed"
fi

# ---- same paths -----------------------------------------------------------------------------
# The working directory is where it is on the host (filesystem.workdir.target: same), and the
# job starts there; its ancestors are empty mount points; there is no /work.
sbx -q -- /bin/sh -c 'pwd; echo "home=$HOME"; ls -A "$1"' sh "$T" >"$T/same" 2>&1
check_eq same-path-cwd "$(sed -n 1p "$T/same")" "$W"
check_eq same-path-home "$(sed -n 2p "$T/same")" "home=/tmp"
check_eq same-path-ancestor-empty "$(sed -n '3,$p' "$T/same" | tr '\n' ' ')" "work "
# The job's dotfiles go to the private /tmp, not into the project.
sbx -- /bin/sh -c 'echo x >"$HOME/.dotfile"' >/dev/null 2>&1
[ ! -e "$W/.dotfile" ] && pass same-path-no-dotfile || fail same-path-no-dotfile "$W/.dotfile exists"
# --bind SRC without a target binds it at its own path.
check_status bind-same-path 7 sbx --bind "$T/bin" -- "$T/bin/probe" exit 7
# --bind $PWD/.. (read-only) does not hide the read-write working directory below it, and the
# job's `..` is that bind; so does --bind .. (the same path, in physical form).
check_status bind-parent-keeps-workdir 0 sbx --bind "$W/.." -- /bin/sh -c 'touch x && ls ../bin/probe'
[ -e "$W/x" ] && pass bind-parent-workdir-written || fail bind-parent-workdir-written "$W/x is missing"
check_status bind-parent-ro 0 sbx --bind .. -- /bin/sh -c 'touch x2 && ! touch ../y 2>/dev/null'
[ ! -e "$T/y" ] && pass bind-parent-ro-host || fail bind-parent-ro-host "$T/y was written"
rm -f "$W/x" "$W/x2"
# A symlinked working directory is bound at its physical path (what getcwd() and the kernel's
# `..` give), as the job sees it too.
ln -s "$W" "$T/worklink"
(cd "$T/worklink" && sbx -- /bin/sh -c 'pwd; ls -d ../bin 2>/dev/null || echo no-parent') >"$T/link" 2>&1
check_eq same-path-symlink-physical "$(sed -n 1p "$T/link")" "$W"
# A working directory under /tmp stays visible and writable over the job's private /tmp.
tw=$(mktemp -d /tmp/sbx-wd.XXXXXX)
on_exit "rm -rf '$tw'"
mkdir -p "$tw/a/b"
echo from-host >"$tw/a/b/in"
is_root && chown -R 65534:65534 "$tw"
(cd "$tw/a/b" && sbx -q -- /bin/sh -c 'cat in && echo from-job >out && pwd') >"$T/tmpwd" 2>&1
check_eq workdir-under-tmp "$(cat "$T/tmpwd" | tr '\n' ' ')" "from-host $tw/a/b "
check_eq workdir-under-tmp-host "$(cat "$tw/a/b/out" 2>/dev/null)" from-job
# A working directory under /usr: a bind over the read-only /usr bind, with the host's files.
(cd /usr/share && sbx -q -- /bin/sh -c 'pwd; LC_ALL=C ls | head -3') >"$T/usrwd" 2>&1
check_eq workdir-under-usr "$(cat "$T/usrwd" | tr '\n' ' ')" "/usr/share $(LC_ALL=C ls /usr/share | head -3 | tr '\n' ' ')"

# Run from /, or from a directory that is or holds the home (or /etc, /usr), the read-write
# workdir is refused (125) with the way to ask for it; asked for, it runs.
(cd / && timeout 60 "$SBX" run -- /bin/true) >"$T/out" 2>"$T/err"
check_eq refuse-root-status $? 125
check_grep refuse-root-message "$T/err" "refusing to mount the working directory / read-write: it holds /etc, /usr"
check_grep refuse-root-how "$T/err" "--set filesystem.workdir.source=/ (or read-only with --set filesystem.workdir.mode=ro)"
(cd / && timeout 60 "$SBX" run --set filesystem.workdir.source=/ -- /bin/sh -c 'pwd') >"$T/out" 2>"$T/err"
check_eq refuse-root-asked "$?:$(cat "$T/out")" "0:/"
(cd / && timeout 60 "$SBX" run --set filesystem.workdir.mode=ro -- /bin/true) >"$T/out" 2>"$T/err"
check_eq refuse-root-read-only-runs $? 0
mkdir -p "$W/home"
HOME=$W/home timeout 60 "$SBX" run -- /bin/true >"$T/out" 2>"$T/err"
check_eq refuse-holds-home-status $? 125
check_grep refuse-holds-home-message "$T/err" "working directory $W read-write: it holds the home $W/home."
(cd "$W/home" && HOME=$W/home timeout 60 "$SBX" run -p compile -- /bin/true) >"$T/out" 2>"$T/err"
check_grep refuse-is-home-message "$T/err" "working directory $W/home read-write: it is the home $W/home."
(cd /etc && timeout 60 "$SBX" run -p test -- /bin/true) >"$T/out" 2>"$T/err"
check_eq refuse-etc "$?:$(grep -c 'it is /etc\.' "$T/err")" "125:1"
rmdir "$W/home"

# ---- an out-of-tree build: the objects are the bare build's ---------------------------------
# From build/, `cc -c ../src/a.c` and `cc -c $PWD/../src/b.c` (the tree bound read-only with
# --bind .., build/ the read-write working directory) give the debug information, the
# DW_AT_comp_dir included, and the depfiles of a bare compile in the same place: byte for byte.
if command -v cc >/dev/null 2>&1 && command -v readelf >/dev/null 2>&1; then
  oot=$W/oot
  mkdir -p "$oot/src" "$oot/include" "$oot/build" "$oot/bare"
  printf 'int twice(int x);\n' >"$oot/include/a.h"
  printf '#include "a.h"\nint twice(int x) { return 2 * x; }\n' >"$oot/src/a.c"
  printf '#include <a.h>\nint four(int x) { return twice(twice(x)); }\n' >"$oot/src/b.c"
  is_root && chown -R 65534:65534 "$oot"
  # compile DIR: the two compiles, in DIR, with PREFIX before cc (empty: bare).
  compile() {
    (cd "$1" && shift && "$@" cc -g -O1 -I../include -MD -MF a.d -MT a.o -c ../src/a.c -o a.o &&
      "$@" cc -g -O1 -I"$PWD/../include" -MD -MF b.d -MT b.o -c "$PWD/../src/b.c" -o b.o)
  }
  # The bare compile runs in build/ too (the directory is part of the output), then moves away.
  if is_root; then bare_as="setpriv --reuid=65534 --regid=65534 --clear-groups"; else bare_as=; fi
  if compile "$oot/build" $bare_as >"$T/bare" 2>&1; then
    mv "$oot/build/a.o" "$oot/build/b.o" "$oot/build/a.d" "$oot/build/b.d" "$oot/bare/"
    if compile "$oot/build" timeout 120 "$SBX" run -p compile --bind .. -- >"$T/oot" 2>&1; then
      pass oot-compiles
      dir=$(readelf --debug-dump=info "$oot/build/a.o" | sed -n 's/.*DW_AT_comp_dir.*: \(\/.*\)$/\1/p' | head -1)
      check_eq oot-comp-dir "$dir" "$oot/build"
      for f in a.o b.o a.d b.d; do
        if cmp -s "$oot/build/$f" "$oot/bare/$f"; then pass "oot-same-$f"; else
          fail "oot-same-$f" "differs from the bare build's: $(readelf --debug-dump=info "$oot/build/$f" 2>/dev/null | grep -E 'comp_dir|DW_AT_name' | head -4 | tr '\n' ' ')"
        fi
      done
      check_grep oot-depfile-absolute "$oot/build/b.d" "$oot/build/../include/a.h"
    else
      fail oot-compiles "$(head -c 600 "$T/oot")"
    fi
  else
    fail oot-bare "the bare compile failed: $(head -c 600 "$T/bare")"
  fi
else
  skip oot "cc or readelf is not installed"
fi

# ---- nothing left behind --------------------------------------------------------------------
left=$(marked_pids "$marker" | tr '\n' ' ')
check_eq no-processes-left "$left" ""
host_mounts >"$T/mounts-after"
new=$(comm -13 "$mounts_before" "$T/mounts-after")
check_eq no-mounts-left "$new" ""
