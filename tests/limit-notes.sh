# limit-notes.sh: limits are never silently dropped, and a limit kill is never silent, through
# the CLI:
#  - each limit that ends a run (wall time, CPU time, output, file size; memory and pids with a
#    cgroup) prints one line on stderr, and the report's "limit" says the same; --quiet drops it;
#  - limits a run cannot enforce are one warning line (--quiet drops it);
#  - limits.kill_grace: SIGTERM to the job's whole tree at the wall-time limit, SIGKILL after the
#    grace; grace 0 kills at once; the verdict stays wall_time_limit;
#  - an unprivileged caller without a delegated cgroup: `judge` fails with exit 125 before the
#    job starts, naming the limits, the real cause (EACCES) and the ways to a delegated cgroup;
#    `--set cgroup=required` says EACCES, not ENOENT;
#  - as root: a cgroup subtree delegated to uid 65534 (each v1 hierarchy the engine uses and the
#    unified one), where 65534's `judge` with --cgroup-parent enforces every limit.
# As root, the unprivileged cases run as uid 65534 (setpriv), so both kinds of caller are tested.
. "$(dirname "$0")/lib.sh"

if [ ! -x "$SBX" ]; then
  fail build "$SBX is missing: run ninja"
  exit 1
fi
mkdir -p "$T/work"
is_root && chown -R 65534:65534 "$T"
cd "$T/work" || exit 1
CG=/sys/fs/cgroup

# field FILE KEY: a top-level field of a report as it is printed (sandbox.h's writer: two
# spaces of indent, one key a line), or signal.name; strings without their quotes.
field() {
  case $2 in
  signal.name) sed -n 's/^    "name": "\(.*\)"$/\1/p' "$1" ;;
  *) sed -n "s/^  \"$2\": \(.*\)\$/\1/p" "$1" | sed 's/,$//; s/^"\(.*\)"$/\1/' ;;
  esac
}

# between LOW HIGH X: LOW <= X < HIGH (decimals).
between() { awk -v x="$3" -v lo="$1" -v hi="$2" 'BEGIN { exit !(x >= lo && x < hi) }'; }

# nobody CMD...: CMD as an unprivileged user: this one, or uid 65534 when root.
nobody() {
  if is_root; then
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all env -i \
      PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$T" XDG_CACHE_HOME="$T/nobody-cache" \
      SANDBOX_PROFILE_PATH="$SANDBOX_PROFILE_PATH" "$@"
  else
    "$@"
  fi
}

# ---- the limit lines, as any user -----------------------------------------------------------

check_status wall-kill 137 "$SBX" run --set limits.wall_time=1s --set limits.kill_grace=0 \
  --report "$T/w.json" -- sleep 10
check_grep wall-line "$T/err" "sandbox: wall time limit 1s reached: job killed (cpu "
check_eq wall-line-once "$(grep -c 'limit' "$T/err")" 1
check_eq wall-report-limit "$(field "$T/w.json" limit)" "wall time limit 1s reached"
check_status wall-quiet 137 "$SBX" run -q --set limits.wall_time=1s --set limits.kill_grace=0 \
  -- sleep 10
check_eq wall-quiet-silent "$(cat "$T/err")" ""
check_status wall-quiet-long 137 "$SBX" run --quiet --set limits.wall_time=1s \
  --set limits.kill_grace=0 -- sleep 10
check_eq wall-quiet-long-silent "$(cat "$T/err")" ""

check_status output-kill 137 "$SBX" run --set limits.output=1M --report "$T/o.json" -- \
  sh -c 'head -c 5000000 /dev/zero'
check_grep output-line "$T/err" "sandbox: output limit 1 MiB reached: job killed (cpu "
check_eq output-report-limit "$(field "$T/o.json" limit)" "output limit 1 MiB reached"

check_status file-size 153 "$SBX" run --set limits.file_size=1M --report "$T/f.json" -- \
  sh -c 'exec head -c 5000000 /dev/zero >/tmp/big'
check_grep file-size-line "$T/err" "sandbox: file size limit 1 MiB reached: job ended by SIGXFSZ"
check_eq file-size-status "$(field "$T/f.json" status)" file_size_limit

# CPU time: with a cgroup the supervisor kills the tree; without one RLIMIT_CPU ends the
# process (SIGXCPU): a line either way.
"$SBX" run --set limits.cpu_time=1s --set limits.wall_time=60s --report "$T/c.json" -- \
  sh -c 'while :; do :; done' >"$T/out" 2>"$T/err"
check_eq cpu-status "$(field "$T/c.json" status)" cpu_time_limit
check_grep cpu-line "$T/err" "sandbox: cpu time limit 1s reached: job "

# No limit, no line (rootless, the warning of limits not enforced may be there).
check_status no-limit 3 "$SBX" run -- sh -c 'exit 3'
check_no_grep no-limit-silent "$T/err" "reached"

# ---- kill_grace -------------------------------------------------------------------------------

# A job that traps TERM writes its marker within the grace and exits by itself; a child of its
# own (another process of the tree) gets the SIGTERM too.
cat >"$T/work/trap.sh" <<'EOF'
sh -c 'trap "echo child > child-marker; exit 0" TERM; while :; do sleep 0.05; done' &
trap 'echo main > marker; wait; exit 3' TERM
while :; do sleep 0.05; done
EOF
chmod 644 "$T/work/trap.sh"
rm -f "$T/work/marker" "$T/work/child-marker"
check_status grace-trap 3 "$SBX" run --set limits.wall_time=3s --set limits.kill_grace=20s \
  --report "$T/g.json" -- sh trap.sh
check_eq grace-trap-marker "$(cat "$T/work/marker" 2>/dev/null)" main
check_eq grace-trap-child-marker "$(cat "$T/work/child-marker" 2>/dev/null)" child
check_eq grace-trap-status "$(field "$T/g.json" status)" wall_time_limit
check_eq grace-trap-exit-code "$(field "$T/g.json" exit_code)" 3
check_grep grace-trap-line "$T/err" "sandbox: wall time limit 3s reached: job exited with status 3"
# It ended on the SIGTERM, not at the end of the 20 s grace.
w=$(field "$T/g.json" wall_time_s)
if between 3.0 15 "$w"; then pass grace-trap-early
else fail grace-trap-early "wall_time_s $w"; fi

# A job that ignores TERM is killed when the grace is over, not before (it is alive 1 s into
# the grace).
rm -f "$T/work/marker"
check_status grace-ignore 137 "$SBX" run --set limits.wall_time=2s --set limits.kill_grace=3s \
  --report "$T/i.json" -- sh -c "trap '' TERM; sleep 3; echo alive > marker; sleep 60"
check_eq grace-ignore-alive-in-grace "$(cat "$T/work/marker" 2>/dev/null)" alive
check_eq grace-ignore-status "$(field "$T/i.json" status)" wall_time_limit
check_eq grace-ignore-signal "$(field "$T/i.json" signal.name)" SIGKILL
w=$(field "$T/i.json" wall_time_s)
if between 5.0 30 "$w"; then pass grace-ignore-after-grace
else fail grace-ignore-after-grace "wall_time_s $w"; fi

# Grace 0: killed at once, the trap never runs.
rm -f "$T/work/marker" "$T/work/child-marker"
check_status grace-zero 137 "$SBX" run --set limits.wall_time=1s --set limits.kill_grace=0 \
  -- sh trap.sh
if [ -e "$T/work/marker" ]; then fail grace-zero-no-trap "the TERM trap ran"; else
  pass grace-zero-no-trap
fi

# The stock profiles: judge kills at once, the others give 5 s.
"$SBX" spec judge >"$T/judge.json" 2>"$T/err"
check_no_grep judge-no-grace "$T/judge.json" "kill-grace"
"$SBX" spec compile >"$T/compile.json" 2>"$T/err"
check_grep compile-grace "$T/compile.json" '"org.sandbox.limits.kill-grace-us": "5000000"'

# ---- limits not enforced: one warning ----------------------------------------------------------

cat >"$T/nocg.yaml" <<'EOF'
extends: default
limits: {memory: unlimited, pids: unlimited}
cgroup: off
EOF
check_status degraded-warning 0 "$SBX" run -p "$T/nocg.yaml" --set limits.cpu_time=10s -- true
check_eq degraded-warning-line "$(cat "$T/err")" \
  "sandbox: warning: no cgroup (cgroups are off in the profile): cpu_time not enforced"
check_status degraded-quiet 0 "$SBX" run -q -p "$T/nocg.yaml" --set limits.cpu_time=10s -- true
check_eq degraded-quiet-silent "$(cat "$T/err")" ""

# ---- an unprivileged caller without a delegated cgroup ------------------------------------------

nobody "$SBX" run --report "$T/probe.json" -- true >"$T/out" 2>"$T/err"
if [ "$(field "$T/probe.json" cgroup)" = true ]; then
  for t in rootless-judge rootless-required rootless-warning; do
    skip "$t" "this unprivileged user has a delegated cgroup here"
  done
else
  check_grep rootless-warning "$T/err" "sandbox: warning: no cgroup ("
  check_grep rootless-warning-names "$T/err" "memory, pids"
  check_eq rootless-warning-once "$(grep -c warning "$T/err")" 1
  rm -f "$T/work/ran"
  nobody "$SBX" run -p judge -- sh -c 'echo > /work/ran' >"$T/out" 2>"$T/err"
  check_eq rootless-judge-exit "$?" 125
  if [ -e "$T/work/ran" ]; then fail rootless-judge-before-job "the job ran"; else
    pass rootless-judge-before-job
  fi
  check_grep rootless-judge-limits "$T/err" "cannot enforce the limits memory, pids, cpu, cpu_time"
  check_grep rootless-judge-eacces "$T/err" "Permission denied"
  check_no_grep rootless-judge-not-enoent "$T/err" "No such file"
  check_grep rootless-judge-delegate "$T/err" "systemd-run --user --scope -p Delegate=yes"
  check_grep rootless-judge-parent "$T/err" "--cgroup-parent"
  nobody "$SBX" run --set cgroup=required -- true >"$T/out" 2>"$T/err"
  check_eq rootless-required-exit "$?" 125
  check_grep rootless-required-eacces "$T/err" "not writable (not a delegated subtree): Permission denied"
  check_no_grep rootless-required-not-enoent "$T/err" "No such file"
fi

# ---- as root: a subtree delegated to 65534, where judge enforces every limit --------------------

dtests="delegated-memory delegated-pids delegated-cpu delegated-wall delegated-clean"
if ! is_root; then
  for t in $dtests; do skip "$t" "needs root: the delegation of a cgroup subtree to 65534"; done
  exit 0
fi
if [ ! -e "$CG/memory/cgroup.procs" ] || [ ! -e "$CG/pids/cgroup.procs" ]; then
  for t in $dtests; do skip "$t" "not the v1/hybrid layout (v2 runs in tests/vm)"; done
  exit 0
fi
parent=sbx-delegated-test-$$
hiers=
for h in memory pids cpu cpuacct freezer unified; do
  [ -e "$CG/$h/cgroup.procs" ] && hiers="$hiers $h"
done
# Only what this script made: the run directories a failed run left (none, checked below), the
# unified "launch" cgroup, the parent.
cleanup_cgroups() {
  for h in $hiers; do
    [ -d "$CG/$h/$parent" ] || continue
    for d in "$CG/$h/$parent"/*/; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
    rmdir "$CG/$h/$parent" 2>/dev/null
  done
}
on_exit cleanup_cgroups
for h in $hiers; do
  mkdir "$CG/$h/$parent" || { fail delegated-setup "mkdir $CG/$h/$parent"; exit 0; }
  # What a delegation gives: the directory and its process lists.
  chown 65534:65534 "$CG/$h/$parent" "$CG/$h/$parent/cgroup.procs"
  [ -e "$CG/$h/$parent/tasks" ] && chown 65534:65534 "$CG/$h/$parent/tasks"
done
# The unified hierarchy moves a process only between cgroups below one its mover may write:
# the caller starts inside the delegated subtree, as systemd's Delegate=yes scope does.
launch=
if [ -e "$CG/unified/$parent" ]; then
  mkdir "$CG/unified/$parent/launch" && chown -R 65534:65534 "$CG/unified/$parent/launch" &&
    launch="$CG/unified/$parent/launch/cgroup.procs"
fi
# delegated ARGS...: `sandbox run -p judge --cgroup-parent=$parent ARGS...` as 65534, from the
# delegated unified cgroup.
delegated() {
  sh -c '[ -z "$1" ] || echo $$ >"$1" || exit 99; shift; exec "$@"' sh "$launch" \
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all env -i \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$T" XDG_CACHE_HOME="$T/nobody-cache" \
    SANDBOX_PROFILE_PATH="$SANDBOX_PROFILE_PATH" \
    "$SBX" run -p judge --cgroup-parent="$parent" "$@"
}

delegated --report "$T/dm.json" -- python3 -c 'b = bytearray(1 << 30)' >"$T/out" 2>"$T/err"
check_eq delegated-memory "$(field "$T/dm.json" status)" memory_limit
check_eq delegated-memory-cgroup "$(field "$T/dm.json" cgroup)" true
check_eq delegated-memory-nothing-degraded "$(field "$T/dm.json" degraded)" "[]"
check_grep delegated-memory-line "$T/err" "sandbox: memory limit 256 MiB reached: job killed"
check_no_grep delegated-memory-no-warning "$T/err" "warning"
delegated -q -- python3 -c 'b = bytearray(1 << 30)' >"$T/out" 2>"$T/err"
check_eq delegated-memory-quiet-exit "$?" 137
check_eq delegated-memory-quiet "$(cat "$T/err")" ""

# A fork bomb (bounded: every child sleeps, so the bomb cannot end by itself) is held at 64.
delegated --report "$T/dp.json" -- sh -c 'i=0; while [ $i -lt 500 ]; do sleep 60 & i=$((i+1)); done; wait' \
  >"$T/out" 2>"$T/err"
check_eq delegated-pids "$(field "$T/dp.json" status)" pids_limit
check_grep delegated-pids-line "$T/err" "sandbox: pids limit 64 reached: job"
peak=$(field "$T/dp.json" pids_peak)
if [ -n "$peak" ] && [ "$peak" -le 64 ]; then pass delegated-pids-peak; else
  fail delegated-pids-peak "pids_peak $peak"
fi

delegated --set limits.cpu_time=1s --report "$T/dc.json" -- sh -c 'while :; do :; done' \
  >"$T/out" 2>"$T/err"
check_eq delegated-cpu "$(field "$T/dc.json" status)" cpu_time_limit
check_grep delegated-cpu-line "$T/err" "sandbox: cpu time limit 1s reached: job killed"

delegated --set limits.wall_time=1s --report "$T/dw.json" -- sleep 30 >"$T/out" 2>"$T/err"
check_eq delegated-wall "$(field "$T/dw.json" status)" wall_time_limit
check_grep delegated-wall-line "$T/err" "sandbox: wall time limit 1s reached: job killed"

# Every run removed its own cgroups: only the launch cgroup is left below the parents.
left=$(find $(for h in $hiers; do echo "$CG/$h/$parent"; done) -mindepth 1 -maxdepth 1 -type d \
  -name 'sbx-*' 2>/dev/null)
check_eq delegated-clean "$left" ""
