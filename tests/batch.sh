# batch.sh: `sandbox batch` end to end: request lines in, one report line out for each (ids
# echoed, line numbers), -j 2, files, cwd and env; isolation between consecutive jobs (files,
# IPC, background processes); a crash and each limit; malformed lines answered and the batch
# going on; the end of the input waiting for the jobs; SIGTERM and SIGKILL to the batch leaving
# no process and no cgroup behind. Root and rootless (limits degraded rootless are skipped).
. "$(dirname "$0")/lib.sh"

H=$SBX_BUILDDIR/tests/limits-helper
if [ ! -x "$SBX" ] || [ ! -x "$H" ]; then
  fail build "$SBX or $H is missing: run ninja"
  exit 1
fi
cd "$T" || exit 1
mkdir -p "$T/w" "$T/sub" "$T/shared"
P=$SBX_BUILDDIR/tests/helper/probe
cp "$H" "$T/w/helper"
cp "$P" "$T/w/probe"
cp "$P" "$T/shared/probe"
chmod 755 "$T/w" "$T/w/helper" "$T/w/probe" "$T/shared/probe" "$T/sub" "$T/shared"
# As root the job's host uid is nobody's: the directories it writes are nobody's.
is_root && chown 65534:65534 "$T/w" "$T/sub" "$T/shared"
# The judge requires a cgroup; rootless (no delegated cgroup) tests of other things relax it.
if is_root; then CG='"cgroup": "required"'; else CG='"cgroup": "optional"'; fi

# rep FILE ID KEY: the field KEY (a.b: nested) of the report line in FILE whose id is ID
# (the id as JSON text: '"a"', 3); "missing" when no such report, "null" for null.
rep() {
  python3 - "$@" <<'EOF'
import json, sys
want = json.loads(sys.argv[2])
for line in open(sys.argv[1]):
    d = json.loads(line)
    if "id" in d and d["id"] == want:
        v = d
        for k in sys.argv[3].split("."):
            v = v.get(k) if isinstance(v, dict) else None
        print("null" if v is None else (str(v).lower() if isinstance(v, bool) else v))
        break
else:
    print("missing")
EOF
}
# lines FILE: the number of lines of FILE, each a JSON object (else "bad").
lines() {
  python3 -c 'import json, sys
n = 0
for l in open(sys.argv[1]):
    assert isinstance(json.loads(l), dict)
    n += 1
print(n)' "$1" 2>/dev/null || echo bad
}

# ---- requests and reports ---------------------------------------------------------------------
echo "from stdin" >"$T/sub/in.txt"
chmod 644 "$T/sub/in.txt"
cat >"$T/req1" <<EOF
{"id": "t1", "argv": ["/bin/echo", "hello"], "stdout": "$T/out1"}
{"id": 2, "argv": ["sh", "-c", "exit 3"]}
{"id": {"k": [1, 2]}, "argv": ["sh", "-c", "cat; pwd; echo \"K=\$K\"; echo oops >&2"], "cwd": "$T/sub", "stdin": "in.txt", "stdout": "o.txt", "stderr": "e.txt", "env": {"K": "V 1"}}
EOF
check_status batch_runs 0 "$SBX" batch -q <"$T/req1"
cp "$T/out" "$T/rep1"
check_eq batch_one_line_each "$(lines "$T/rep1")" 3
check_eq batch_string_id "$(rep "$T/rep1" '"t1"' status)" ok
check_eq batch_line_number "$(rep "$T/rep1" '"t1"' line)" 1
check_eq batch_stdout_file "$(cat "$T/out1" 2>&1)" hello
check_eq batch_number_id "$(rep "$T/rep1" 2 status)" exit_nonzero
check_eq batch_exit_code "$(rep "$T/rep1" 2 exit_code)" 3
check_eq batch_object_id "$(rep "$T/rep1" '{"k": [1, 2]}' status)" ok
check_eq batch_stdin_cwd_env "$(cat "$T/sub/o.txt" 2>&1)" "from stdin
$T/sub
K=V 1"
check_eq batch_stderr_file "$(cat "$T/sub/e.txt" 2>&1)" oops
check_eq batch_nothing_else_on_stdout "$(grep -vc '^{' "$T/rep1")" 0

# -j 2: two jobs at once, each waiting (10 s at most) for the other's file in a shared
# directory: both succeed only when they run together.
wait_other='touch $1; i=0; while [ ! -e $2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; [ -e $2 ]'
{
  printf '{"id": "a", "cwd": "%s", "argv": ["sh", "-c", "%s", "-", "a", "b"]}\n' "$T/shared" "$wait_other"
  printf '{"id": "b", "cwd": "%s", "argv": ["sh", "-c", "%s", "-", "b", "a"]}\n' "$T/shared" "$wait_other"
  for i in 1 2 3 4; do printf '{"id": %d, "argv": ["/bin/true"]}\n' "$i"; done
} >"$T/req2"
check_status batch_j2_runs 0 "$SBX" batch -q -j 2 <"$T/req2"
cp "$T/out" "$T/rep2"
check_eq batch_j2_all_reports "$(lines "$T/rep2")" 6
check_eq batch_j2_together "$(rep "$T/rep2" '"a"' status) $(rep "$T/rep2" '"b"' status)" "ok ok"
check_eq batch_j2_others "$(for i in 1 2 3 4; do rep "$T/rep2" $i status; done | sort -u)" ok

# ---- isolation between consecutive jobs --------------------------------------------------------
# Job 1 leaves files in every place it may write but the host's own workdir, SysV IPC objects,
# and processes in the background (one in a new session); job 2, next in the same worker,
# finds none of them, and none of job 1's processes is left on the host.
mark=sbx-batch-iso-$$
job1="echo s >/tmp/secret; echo s >/dev/shm/secret; ipcmk -M 4096 >/dev/null; ipcmk -Q >/dev/null; \
/work/probe sleep 100 /tmp/r1 $mark-bg & setsid /work/probe sleep 100 /tmp/r2 $mark-ss & \
i=0; while [ ! -e /tmp/r2 ] || [ ! -e /tmp/r1 ]; do sleep 0.1; i=\$((i+1)); [ \$i -lt 100 ] || exit 9; done; \
ls /tmp/secret /dev/shm/secret >/dev/null && ipcs -m | grep -q 4096"
job2="ls -A /tmp; ls -A /dev/shm; ipcs -m -q | grep -c '^0x'; \
for p in /proc/[0-9]*; do tr '\\\\0' ' ' <\$p/cmdline 2>/dev/null; echo; done | grep -c '$mark-[bs][gs]'; true"
printf '{"id": 1, "profile": "judge", "set": {%s}, "argv": ["sh", "-c", "%s"]}\n' "$CG" "$job1" >"$T/req3"
(cd "$T/w" && "$SBX" batch -q <"$T/req3" >"$T/rep3" 2>"$T/err")
check_eq isolation_job1_ran "$(rep "$T/rep3" 1 status) $(rep "$T/rep3" 1 message)" "ok null"
check_eq isolation_no_process_left_on_host "$(marked_pids "$mark" | wc -l)" 0
{
  printf '{"id": 1, "profile": "judge", "set": {%s}, "argv": ["sh", "-c", "%s"]}\n' "$CG" "$job1"
  printf '{"id": 2, "profile": "judge", "set": {%s}, "argv": ["sh", "-c", "%s"], "stdout": "%s"}\n' \
    "$CG" "$job2" "$T/iso2"
} >"$T/req4"
(cd "$T/w" && "$SBX" batch -q <"$T/req4" >"$T/rep4" 2>"$T/err")
check_eq isolation_both_ran "$(rep "$T/rep4" 1 status) $(rep "$T/rep4" 2 status)" "ok ok"
# /tmp and /dev/shm empty, no IPC object, no process of job 1 (0 lines but the two counts).
check_eq isolation_job2_sees_nothing "$(cat "$T/iso2" 2>&1)" "0
0"
check_eq isolation_nothing_left "$(marked_pids "$mark" | wc -l)" 0

# ---- a crash and each limit (the judge profile) ------------------------------------------------
{
  printf '{"id": "segv", "profile": "judge", "set": {%s}, "argv": ["/work/helper", "segv"]}\n' "$CG"
  printf '{"id": "wall", "profile": "judge", "set": {%s, "limits.wall_time": "1s"}, "argv": ["/work/helper", "sleep", "20"]}\n' "$CG"
  printf '{"id": "cpu", "profile": "judge", "set": {%s, "limits.cpu_time": "1s"}, "argv": ["/work/helper", "spin"]}\n' "$CG"
  printf '{"id": "mem", "profile": "judge", "set": {%s, "limits.memory": "64M"}, "argv": ["/work/helper", "hog"]}\n' "$CG"
  printf '{"id": "out", "profile": "judge", "set": {%s, "limits.output": "1M"}, "argv": ["/work/helper", "write", "5000000"], "stdout": "%s"}\n' "$CG" "$T/big"
  # A fork bomb only where a cgroup's pids limit holds it (as root).
  is_root && printf '{"id": "pids", "profile": "judge", "set": {%s, "limits.pids": 8}, "argv": ["/work/helper", "forkbomb", "%s-bomb"]}\n' "$CG" "$mark"
  printf '{"id": "fsize", "profile": "judge", "set": {%s, "limits.file_size": "1M"}, "argv": ["sh", "-c", "exec /work/helper write 3000000 >/tmp/f"]}\n' "$CG"
} >"$T/req5"
(cd "$T/w" && "$SBX" batch -q -j 2 <"$T/req5" >"$T/rep5" 2>"$T/err")
check_eq limits_all_reports "$(lines "$T/rep5")" "$(wc -l <"$T/req5")"
check_eq crash_signaled "$(rep "$T/rep5" '"segv"' status) $(rep "$T/rep5" '"segv"' signal.name)" \
  "signaled SIGSEGV"
# limit_case NAME ID DEGRADED_NAME STATUS: the status, unless the report says the limit was
# not enforced here (rootless without a delegated cgroup).
limit_case() {
  deg=$(rep "$T/rep5" "\"$2\"" degraded)
  case "$deg" in
  *"'$3'"*) skip "$1" "the $3 limit is not enforced here (degraded: $(rep "$T/rep5" "\"$2\"" degraded_cause))" ;;
  *) check_eq "$1" "$(rep "$T/rep5" "\"$2\"" status)" "$4" ;;
  esac
}
limit_case limit_wall_time wall wall_time wall_time_limit
limit_case limit_cpu_time cpu cpu_time cpu_time_limit
limit_case limit_memory mem memory memory_limit
limit_case limit_output out output output_limit
if is_root; then limit_case limit_pids pids pids pids_limit; else
  skip limit_pids "needs root: a fork bomb runs only under a cgroup's pids limit"
fi
limit_case limit_file_size fsize file_size file_size_limit
check_eq limit_output_delivered "$(wc -c <"$T/big")" 1048576
check_eq limits_no_bomb_left "$(marked_pids "$mark-bomb" | wc -l)" 0

# ---- malformed lines ----------------------------------------------------------------------------
# Each bad line is answered (setup_error, its line number, a message naming the problem) and
# the good line after it still runs; the last line has no newline.
long=$(python3 -c 'print("a" * (1 << 20))')
{
  echo 'not json'
  echo '{"id": "g1", "argv": ["/bin/true"]}'
  echo '[1, 2]'
  echo '{"id": "unk", "argv": ["/bin/true"], "colour": "red"}'
  echo '{"id": "argv-str", "argv": "/bin/true"}'
  echo '{"id": "argv-num", "argv": ["/bin/echo", 3]}'
  echo '{"id": "argv-empty", "argv": []}'
  echo '{"id": "prof", "profile": "no-such-profile", "argv": ["/bin/true"]}'
  echo '{"id": "setv", "set": {"limits.memory": "lots"}, "argv": ["/bin/true"]}'
  echo '{"id": "setk", "set": {"limits.nonsense": "1"}, "argv": ["/bin/true"]}'
  echo '{"id": "seta", "set": {"limits.memory": [1]}, "argv": ["/bin/true"]}'
  echo '{"id": "envv", "env": {"A": 1}, "argv": ["/bin/true"]}'
  echo '{"id": "envn", "env": {"A=B": "x"}, "argv": ["/bin/true"]}'
  echo '{"id": "dup", "id": "dup2", "argv": ["/bin/true"]}'
  echo '{"id": "nofile", "stdin": "/nonexistent/in", "argv": ["/bin/true"]}'
  echo '{"id": "nocwd", "cwd": "/nonexistent", "argv": ["/bin/true"]}'
  echo '{"id": "nocmd"}'
  echo ''
  echo '{"id": "trunc", "argv": ["/bin/tr'
  printf '{"id": "long", "argv": ["/bin/true"], "env": {"X": "%s"}}\n' "$long"
  echo '{"id": "noexec", "argv": ["/nonexistent/cmd"]}'
  printf '{"id": "g2", "argv": ["/bin/true"]}'
} >"$T/req6"
check_status malformed_batch_exit 0 "$SBX" batch -q <"$T/req6"
cp "$T/out" "$T/rep6"
check_eq malformed_n_in_n_out "$(lines "$T/rep6")" 22
# by_line N KEY: the field of the report of line N.
by_line() {
  python3 - "$T/rep6" "$1" "$2" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d.get("line") == int(sys.argv[2]):
        print(d.get(sys.argv[3]))
EOF
}
bad_case() { # NAME LINE MESSAGE-PART
  st=$(by_line "$2" status)
  m=$(by_line "$2" message)
  case "$st:$m" in
  "setup_error:"*"$3"*) pass "$1" ;;
  *) fail "$1" "line $2: status '$st', message '$m' (expected setup_error, '$3')" ;;
  esac
}
bad_case malformed_bad_json 1 "request line 1: bad JSON at column"
check_eq malformed_good_after_bad "$(rep "$T/rep6" '"g1"' status)" ok
bad_case malformed_not_object 3 "must be a JSON object, not an array"
bad_case malformed_unknown_key 4 'unknown key "colour"'
check_eq malformed_id_kept "$(by_line 4 id)" unk
bad_case malformed_argv_string 5 '"argv" must be an array of strings, not a string'
bad_case malformed_argv_number 6 '"argv"[1] must be a string, not a number'
bad_case malformed_argv_empty 7 '"argv" is empty'
bad_case malformed_unknown_profile 8 "no profile 'no-such-profile'"
bad_case malformed_bad_set_value 9 "limits.memory: bad size 'lots'"
bad_case malformed_bad_set_key 10 "limits.nonsense"
bad_case malformed_set_array 11 '"set"."limits.memory" must be a string, number or boolean'
bad_case malformed_env_number 12 '"env"."A" must be a string, not a number'
bad_case malformed_env_name 13 '"env"."A=B"'
bad_case malformed_duplicate_key 14 "duplicate object key"
bad_case malformed_missing_file 15 "/nonexistent/in"
bad_case malformed_missing_cwd 16 '"cwd" /nonexistent: No such file or directory'
bad_case malformed_no_command 17 "no command"
bad_case malformed_empty_line 18 "empty request line"
bad_case malformed_truncated 19 "bad JSON"
bad_case malformed_overlong 20 "request line 20 is longer than"
bad_case malformed_not_found 21 "nonexistent/cmd"
check_eq malformed_last_line_runs "$(rep "$T/rep6" '"g2"' status) $(rep "$T/rep6" '"g2"' line)" "ok 22"

# ---- the end of the input and signals ----------------------------------------------------------
# EOF while two jobs run: the batch waits for both, writes both reports and exits 0.
{
  printf '{"id": "e1", "cwd": "%s", "argv": ["sh", "-c", "sleep 1; echo 1 >e1"]}\n' "$T/shared"
  printf '{"id": "e2", "cwd": "%s", "argv": ["sh", "-c", "sleep 1; echo 2 >e2"]}\n' "$T/shared"
} >"$T/req7"
check_status eof_waits_exit 0 "$SBX" batch -q -j 2 <"$T/req7"
check_eq eof_waits_reports "$(rep "$T/out" '"e1"' status) $(rep "$T/out" '"e2"' status)" "ok ok"
check_eq eof_waits_jobs_done "$(cat "$T/shared/e1" "$T/shared/e2" 2>&1)" "1
2"

# run_cgroups PID...: the run cgroups of the supervisors PID... in every hierarchy.
run_cgroups() {
  for p in "$@"; do find /sys/fs/cgroup -maxdepth 7 -type d -name "sbx-$p-*" 2>/dev/null; done
}
# start_stoppable: a batch (-j 2) with three requests, its input left open: a job that ignores
# SIGTERM, one that does not, a third waiting for a worker; returns once both jobs run.
start_stoppable() {
  rm -f "$T/fifo" "$T/shared/r1" "$T/shared/r2"
  mkfifo "$T/fifo"
  "$SBX" batch -q -j 2 <"$T/fifo" >"$T/rep8" 2>"$T/err8" &
  batch_pid=$!
  exec 8>"$T/fifo"
  {
    printf '{"id": "ignores", "cwd": "%s", "argv": ["sh", "-c", "trap \\"\\" TERM; exec ./probe sleep 100 r1 %s-x"]}\n' "$T/shared" "$mark"
    printf '{"id": "plain", "cwd": "%s", "argv": ["./probe", "sleep", "100", "r2", "%s-y"]}\n' "$T/shared" "$mark"
    printf '{"id": "queued", "argv": ["/bin/true"]}\n'
  } >&8
  wait_for "$T/shared/r1" && wait_for "$T/shared/r2"
  sleep 0.3
  workers=$(for d in /proc/[0-9]*; do
    [ "$(awk '{print $4}' "$d/stat" 2>/dev/null)" = "$batch_pid" ] && echo "${d#/proc/}"
  done)
}
# alive PID...: those of the processes PID... that exist and are not zombies.
alive() {
  for p in "$@"; do
    st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)
    [ -n "$st" ] && [ "$st" != Z ] && echo "$p"
  done
}
# wait_gone PID: waits (10 s at most) for PID to end; its exit status in $gone_status.
wait_gone() {
  i=0
  while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  if kill -0 "$1" 2>/dev/null; then gone_status=running; else wait "$1"; gone_status=$?; fi
}

start_stoppable
check_eq sigterm_two_workers "$(echo $workers | wc -w)" 2
before=$(run_cgroups $workers | wc -l)
kill -TERM "$batch_pid"
wait_gone "$batch_pid"
exec 8>&-
check_eq sigterm_exit_status "$gone_status" 143
check_eq sigterm_every_read_line_answered "$(lines "$T/rep8")" 3
check_eq sigterm_plain_job "$(rep "$T/rep8" '"plain"' status) $(rep "$T/rep8" '"plain"' signal.name)" \
  "signaled SIGTERM"
check_eq sigterm_stubborn_job_killed "$(rep "$T/rep8" '"ignores"' status)" setup_error
check_grep sigterm_stubborn_message "$T/rep8" "did not end within"
check_eq sigterm_queued_not_run "$(rep "$T/rep8" '"queued"' message)" \
  "not run: the batch was stopped by SIGTERM"
check_eq sigterm_no_process_left "$(marked_pids "$mark" | wc -l)" 0
check_eq sigterm_no_worker_left "$(alive $workers)" ""
if [ "$before" -gt 0 ]; then
  check_eq sigterm_no_cgroup_left "$(run_cgroups $workers)" ""
else
  skip sigterm_no_cgroup_left "the runs had no cgroup here (rootless without delegation)"
fi

# SIGKILL to the batch: the workers die with it (parent-death signal), the jobs with them;
# `sandbox gc` removes the cgroups left.
start_stoppable
kill -KILL "$batch_pid"
wait_gone "$batch_pid"
exec 8>&-
i=0
while [ -n "$(marked_pids "$mark")" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check_eq sigkill_no_process_left "$(marked_pids "$mark" | wc -l)" 0
check_eq sigkill_no_worker_left "$(alive $workers)" ""
# The workers' zombies are reaped by whoever adopted them: gc leaves a cgroup whose
# supervisor's pid still exists.
i=0
while [ -n "$(for w in $workers; do [ -e "/proc/$w" ] && echo "$w"; done)" ] && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
if [ -n "$(for w in $workers; do [ -e "/proc/$w" ] && echo "$w"; done)" ]; then
  skip sigkill_gc_removes_cgroups "the killed workers' zombies were not reaped by their new parent"
else
  "$SBX" gc >/dev/null 2>&1
  check_eq sigkill_gc_removes_cgroups "$(run_cgroups $workers)" ""
fi

# ---- the batch's own failures and options ------------------------------------------------------
if [ -e /dev/full ]; then
  echo '{"argv": ["/bin/true"]}' >"$T/req9"
  "$SBX" batch -q <"$T/req9" >/dev/full 2>"$T/err"
  check_eq stdout_unwritable_status "$?" 125
  check_grep stdout_unwritable_message "$T/err" "write a report to stdout: No space left on device"
fi
check_status bad_jobs 2 "$SBX" batch -j 0 </dev/null
check_grep bad_jobs_message "$T/err" "-j 0: the number of jobs at once is 1 to 64"
check_status bad_default_profile 125 "$SBX" batch -p no-such-profile </dev/null
check_grep bad_default_profile_message "$T/err" "no profile 'no-such-profile'"
check_status batch_extra_argument 2 "$SBX" batch extra </dev/null
check_status batch_help 0 "$SBX" batch --help
check_grep batch_help_text "$T/out" "Usage: sandbox batch"
check_status help_batch 0 "$SBX" help batch
check_grep help_batch_text "$T/out" "Usage: sandbox batch"
check_status empty_input 0 "$SBX" batch </dev/null
check_eq empty_input_no_report "$(wc -c <"$T/out")" 0
# -p: the profile of requests without one (judge: the workdir is /work).
printf '{"id": 1, "set": {%s}, "argv": ["sh", "-c", "pwd"], "stdout": "%s"}\n' "$CG" "$T/pwd" >"$T/req10"
check_status default_profile_option 0 "$SBX" batch -q -p judge <"$T/req10"
check_eq default_profile_used "$(cat "$T/pwd" 2>&1)" /work
