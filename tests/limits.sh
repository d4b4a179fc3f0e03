# limits.sh: limits and the run report through the CLI: `sandbox run --report FILE --stats`
# with wall time, output, exit codes, signals and (with a cgroup) memory; rootless, the report
# says which limits were degraded.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
is_root && chown 65534:65534 "$T"

# field FILE KEY: a top-level field of a JSON report (nested "signal" as signal.name).
field() {
  python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
v = d
for k in sys.argv[2].split("."):
    v = v[k] if v is not None else None
print("null" if v is None else (str(v).lower() if isinstance(v, bool) else v))' "$1" "$2" 2>/dev/null
}

# Wall time: sleep 10 under 1 s ends as wall_time_limit, and the CLI returns within 1.2 s.
# The default profile's kill_grace sends SIGTERM first, which ends sleep: 128 + 15.
start=$(date +%s%N)
"$SBX" run --set limits.wall_time=1s --report "$T/wall.json" -- sleep 10 >"$T/out" 2>"$T/err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
check_eq wall_exit_status "$rc" 143
check_eq wall_signal "$(field "$T/wall.json" signal.name)" SIGTERM
check_eq wall_status "$(field "$T/wall.json" status)" wall_time_limit
if [ "$ms" -lt 1200 ]; then pass wall_returns_in_time; else fail wall_returns_in_time "took $ms ms"; fi
w=$(field "$T/wall.json" wall_time_s)
if python3 -c "import sys; sys.exit(0 if 1.0 <= $w < 1.05 else 1)"; then pass wall_time_reported
else fail wall_time_reported "wall_time_s $w"; fi

# Output: 100 MB to stdout under a 1M cap: output_limit, exactly the first 1 MiB delivered.
"$SBX" run --set limits.output=1M --report "$T/out.json" -- sh -c 'head -c 100000000 /dev/zero' >"$T/big" 2>"$T/err"
check_eq output_status "$(field "$T/out.json" status)" output_limit
check_eq output_delivered "$(wc -c <"$T/big")" 1048576
check_eq output_counted "$(field "$T/out.json" stdout_bytes)" 1048576

# Output through a pipe to a reader that starts late: nothing is lost (the supervisor waits for
# room in the caller's pipe without blocking, and the job waits for the supervisor).
n=$("$SBX" run --set limits.output=10M -- sh -c 'head -c 3000000 /dev/zero' 2>"$T/err" | (sleep 1; wc -c))
check_eq output_through_slow_pipe "$n" 3000000

# Exit codes and signals.
check_status exit_three 3 "$SBX" run --report "$T/e.json" -- sh -c 'exit 3'
check_eq exit_status_name "$(field "$T/e.json" status)" exit_nonzero
check_eq exit_code_field "$(field "$T/e.json" exit_code)" 3
check_status segv 139 "$SBX" run --report "$T/s.json" -- sh -c 'kill -SEGV $$'
check_eq segv_status "$(field "$T/s.json" status)" signaled
check_eq segv_name "$(field "$T/s.json" signal.name)" SIGSEGV
check_status ok_run 0 "$SBX" run --stats --report - -- /bin/true
check_grep stats_line "$T/err" "sandbox: ok exit=0"
check_grep report_on_stdout "$T/out" '"status": "ok"'

# Memory: with a cgroup (root), 1 GiB under 64M is memory_limit with oom_killed; rootless, the
# cgroup is optional and the report says the memory limit was not enforced.
if is_root; then
  "$SBX" run --set limits.memory=64M --report "$T/m.json" -- python3 -c 'b = bytearray(1 << 30)' >"$T/out" 2>"$T/err"
  check_eq memory_status "$(field "$T/m.json" status)" memory_limit
  check_eq memory_oom "$(field "$T/m.json" oom_killed)" true
  check_eq memory_cgroup "$(field "$T/m.json" cgroup)" true
else
  "$SBX" run --set limits.memory=64M --report "$T/m.json" -- /bin/true >"$T/out" 2>"$T/err"
  if [ "$(field "$T/m.json" cgroup)" = true ]; then
    skip rootless_degraded "a delegated cgroup is writable here, so nothing is degraded"
  else
    check_grep rootless_degraded "$T/m.json" '"memory"'
    check_eq rootless_status "$(field "$T/m.json" status)" ok
  fi
fi
