#!/bin/sh
# stdio.sh: the job's standard streams through the real CLI. stdin is passed through by default
# (`sandbox run -p judge -- sol < in.txt` reads in.txt), --stdin/--stdout/--stderr and the
# profile keys process.stdin/stdout/stderr name files that the CLI's run opens with the
# caller's rights (a missing one is exit 125, named); under the output limit of the stock
# profiles, `2>&1` keeps stdout and stderr in the order the job wrote them (one pipe carries
# both: to a file, through a pipe, on a terminal, 1000 runs out of 1000), while two different
# sinks keep two pipes, counted apart; the cap still kills with one pipe. As root and as an
# unprivileged user.
. "$(dirname "$0")/lib.sh"

W=$T/work # the job's /work (${PWD} of the stock profiles)
mkdir -p "$W" && chmod 777 "$W" # as root the job runs as host uid 65534
cd "$W" || exit 1
if ! timeout 30 "$SBX" run -q $CG_RELAX -- /bin/true >"$T/out" 2>"$T/err" </dev/null; then
  skip all "the sandbox cannot run here: $(head -c 300 "$T/err")"
  exit 0
fi

# A file only the caller can read: the run opens it, not the job (which, as root, is uid 65534).
printf 'hello judge\nsecond line\n' >"$W/in.txt"
chmod 600 "$W/in.txt"
READ='read x; echo "got $x"'

# ---- stdin ----------------------------------------------------------------------------------
check_status judge_reads_redirected_stdin 0 "$SBX" run -q $CG_RELAX -p judge -- sh -c "$READ" <"$W/in.txt"
check_eq judge_reads_redirected_stdin_line "$(cat "$T/out")" "got hello judge"
check_status judge_stdin_option 0 "$SBX" run -q $CG_RELAX -p judge --stdin in.txt -- sh -c "$READ" </dev/null
check_eq judge_stdin_option_line "$(cat "$T/out")" "got hello judge"
check_status stdin_option_absolute 0 "$SBX" run -q $CG_RELAX --stdin "$W/in.txt" -- cat </dev/null
check_eq stdin_option_whole_file "$(cat "$T/out")" "$(cat "$W/in.txt")"
check_status stdin_dash_inherits 0 "$SBX" run -q $CG_RELAX --stdin - -- sh -c "$READ" <"$W/in.txt"
check_eq stdin_dash_inherits_line "$(cat "$T/out")" "got hello judge"
# Through a pipe, as `producer | sandbox run ...`.
printf 'piped\n' | "$SBX" run -q $CG_RELAX -- sh -c "$READ" >"$T/out" 2>"$T/err"
check_eq stdin_from_a_pipe "$(cat "$T/out")" "got piped"
# The caller's stdin or stdout closed: the job's is /dev/null (not a closed fd that its first
# open would take).
"$SBX" run -q $CG_RELAX -- sh -c 'cat; echo end >&2; readlink /proc/self/fd/0 >&2' <&- >"$T/out" 2>"$T/err"
check_eq closed_stdin_status "$?" 0
check_eq closed_stdin_is_null "$(cat "$T/err" | tr '\n' ' ')" "end /dev/null "
"$SBX" run -q $CG_RELAX -- sh -c 'echo lost; echo end >&2' >&- 2>"$T/err" </dev/null
check_eq closed_stdout_status "$?" 0
check_eq closed_stdout_err "$(cat "$T/err")" "end"
# A profile's 'null' (quoted: a bare null is YAML's "not set") and a profile's file.
check_status set_stdin_null 0 "$SBX" run -q $CG_RELAX --set "process.stdin='null'" -- sh -c 'cat; echo end' <"$W/in.txt"
check_eq set_stdin_null_reads_nothing "$(cat "$T/out")" "end"
cat >"$T/p.yaml" <<'EOF'
extends: judge
process:
  stdin: in.txt
  stdout: ${PWD}/profile-out.txt
EOF
check_status profile_stdin_stdout 0 "$SBX" run -q $CG_RELAX -p "$T/p.yaml" -- sh -c "$READ" </dev/null
check_eq profile_stdout_file "$(cat "$W/profile-out.txt")" "got hello judge"
check_eq profile_stdout_not_ours "$(cat "$T/out")" ""
check_status spec_has_stdio_annotations 0 "$SBX" spec "$T/p.yaml"
check_grep spec_stdin_annotation "$T/out" "\"org.sandbox.stdin.path\": \"$W/in.txt\""
check_grep spec_stdout_annotation "$T/out" '"org.sandbox.stdout": "file"'

check_status stdin_missing_file 125 "$SBX" run -q $CG_RELAX --stdin /nonexistent -- true
check_grep stdin_missing_file_named "$T/err" "sandbox: open /nonexistent for the job's stdin: No such file or directory"
check_status stdout_in_missing_dir 125 "$SBX" run -q $CG_RELAX --stdout "$T/no/such/out" -- true
check_grep stdout_in_missing_dir_named "$T/err" "open $T/no/such/out for the job's stdout: No such file or directory"
check_status stderr_is_a_directory 125 "$SBX" run -q $CG_RELAX --stderr "$T" -- true
check_grep stderr_is_a_directory_named "$T/err" "open $T for the job's stderr: Is a directory"
check_status stdin_empty_name 125 "$SBX" run -q $CG_RELAX --stdin '' -- true
check_grep stdin_empty_name_said "$T/err" "the file name is empty"
if ! is_root; then
  touch "$T/ro" && chmod 444 "$T/ro"
  check_status stdout_not_writable 125 "$SBX" run -q $CG_RELAX --stdout "$T/ro" -- true
  check_grep stdout_not_writable_named "$T/err" "open $T/ro for the job's stdout: Permission denied"
fi

# ---- stdout and stderr to files ---------------------------------------------------------------
printf 'old contents, longer than the new ones\n' >"$W/err.txt"
(umask 027 && "$SBX" run -q $CG_RELAX --stdout out.txt --stderr err.txt -- sh -c 'echo o1; echo e1 >&2; echo o2') \
  >"$T/out" 2>"$T/err"
check_eq files_status "$?" 0
check_eq files_stdout "$(cat "$W/out.txt")" "o1
o2"
check_eq files_stderr_truncated "$(cat "$W/err.txt")" "e1"
check_eq files_caller_got_nothing "$(cat "$T/out" "$T/err")" ""
# Created as `>` creates: the caller's, 0666 & ~umask.
check_eq files_mode "$(stat -c %a "$W/out.txt")" 640
check_eq files_owner "$(stat -c %u:%g "$W/out.txt")" "$(id -u):$(id -g)"
# Both to one file: one open file, in order.
check_status files_same_for_both 0 "$SBX" run -q $CG_RELAX --stdout both.txt --stderr "$W/both.txt" -- \
  sh -c 'echo a; echo b >&2; echo c'
check_eq files_same_in_order "$(cat "$W/both.txt" | tr '\n' ' ')" "a b c "
# '-' keeps the caller's.
check_status stdout_dash 0 "$SBX" run -q $CG_RELAX --stdout - --stderr - -- sh -c 'echo a; echo b >&2'
check_eq stdout_dash_out "$(cat "$T/out")" "a"
check_eq stdout_dash_err "$(cat "$T/err")" "b"

# ---- one pipe for one sink, two for two ------------------------------------------------------
# What the job's fd 1 and 2 are: one pipe under the output limit with `2>&1`, two pipes for two
# files, the caller's file itself without a limit.
FDS='readlink /proc/self/fd/1 /proc/self/fd/2'
"$SBX" run -q $CG_RELAX -- sh -c "$FDS" >"$T/fds" 2>&1 </dev/null
if [ "$(sort -u "$T/fds" | wc -l)" -eq 1 ] && grep -q '^pipe:' "$T/fds"; then
  pass one_sink_one_pipe
else
  fail one_sink_one_pipe "$(tr '\n' ' ' <"$T/fds")"
fi
"$SBX" run -q $CG_RELAX -- sh -c "$FDS >&2; $FDS" >"$T/fds1" 2>"$T/fds2" </dev/null
if [ "$(cat "$T/fds1" "$T/fds2" | sort -u | wc -l)" -eq 2 ] && ! grep -qv '^pipe:' "$T/fds1"; then
  pass two_sinks_two_pipes
else
  fail two_sinks_two_pipes "$(cat "$T/fds1" "$T/fds2" | tr '\n' ' ')"
fi
"$SBX" run -q $CG_RELAX --set limits.output= -- sh -c "$FDS" >"$T/fds" 2>&1 </dev/null
check_no_grep no_limit_no_pipe "$T/fds" "pipe:"

# The report: one sink counts once (stdout_bytes); two count apart.
REPORT_JSON='import json,sys; r=json.load(open(sys.argv[1])); print(r["stdout_bytes"], r["stderr_bytes"], r["output_merged"])'
"$SBX" run -q $CG_RELAX --report "$T/r1.json" -- sh -c 'echo a; echo bb >&2; echo c' >"$T/f" 2>&1 </dev/null
check_eq merged_counts "$(python3 -c "$REPORT_JSON" "$T/r1.json")" "7 0 True"
"$SBX" run -q $CG_RELAX --report "$T/r2.json" -- sh -c 'echo a; echo bb >&2; echo c' >"$T/f1" 2>"$T/f2" </dev/null
check_eq apart_counts "$(python3 -c "$REPORT_JSON" "$T/r2.json")" "4 3 False"
check_eq apart_stdout "$(cat "$T/f1" | tr '\n' ' ')" "a c "
check_eq apart_stderr "$(cat "$T/f2")" "bb"

# The cap with one pipe: the job is killed, the file holds exactly the cap.
"$SBX" run -q $CG_RELAX --set limits.output=1000 --report "$T/r3.json" -- \
  sh -c 'while :; do echo out; echo err >&2; done' >"$T/capped" 2>&1 </dev/null
check_eq cap_one_pipe_exit "$?" 137
check_eq cap_one_pipe_bytes "$(wc -c <"$T/capped")" 1000
check_eq cap_one_pipe_report "$(python3 -c "$REPORT_JSON" "$T/r3.json")" "1000 0 True"
check_grep cap_one_pipe_status "$T/r3.json" '"status": "output_limit"'
if head -c 1000 "$T/capped" | tr '\n' ' ' | grep -qE '^(out err )+(out|err|ou|o|e|er)? ?$'; then
  pass cap_one_pipe_in_order
else
  fail cap_one_pipe_in_order "$(head -c 200 "$T/capped" | tr '\n' ' ')"
fi

# ---- the order, 1000 runs out of 1000 ---------------------------------------------------------
# bad_runs FILE N: how many of the N runs' lines in FILE are not "a b c" (a missing or extra line
# counts too).
bad_runs() {
  awk -v n="$2" '
    { line[NR] = $0 }
    END {
      bad = 0
      for (i = 0; i < n; i++)
        if (line[3*i+1] != "a" || line[3*i+2] != "b" || line[3*i+3] != "c") bad++
      if (NR != 3*n) bad += (NR > 3*n) ? 1 : 0
      print bad
    }' "$1"
}
ABC='echo a; echo b >&2; echo c'
# 2>&1 to a file (the shell's `>f 2>&1`): the issue's case.
N=1000
start=$(date +%s)
i=0
while [ $i -lt $N ]; do
  "$SBX" run -q $CG_RELAX -- sh -c "$ABC" 2>&1
  i=$((i + 1))
done >"$T/order-file" </dev/null
took=$(($(date +%s) - start))
check_eq order_file_1000_of_1000 "$(bad_runs "$T/order-file" $N) bad, $(wc -l <"$T/order-file") lines" \
  "0 bad, $((3 * N)) lines"
echo "# $N runs to a file took ${took}s"
# Through a pipe: `sandbox run ... 2>&1 | cat`.
N=1000
i=0
while [ $i -lt $N ]; do
  "$SBX" run -q $CG_RELAX -- sh -c "$ABC" 2>&1
  i=$((i + 1))
done </dev/null | cat >"$T/order-pipe"
check_eq order_pipe_1000_of_1000 "$(bad_runs "$T/order-pipe" $N) bad, $(wc -l <"$T/order-pipe") lines" \
  "0 bad, $((3 * N)) lines"
# Many interleaved writes in one run: to a file and through a pipe.
MANY='i=1; while [ $i -le 3000 ]; do echo o$i; echo e$i >&2; i=$((i+1)); done'
i=1
while [ $i -le 3000 ]; do
  echo "o$i"
  echo "e$i"
  i=$((i + 1))
done >"$T/many-want"
"$SBX" run -q $CG_RELAX -- sh -c "$MANY" >"$T/many-file" 2>&1 </dev/null
if cmp -s "$T/many-file" "$T/many-want"; then pass many_to_a_file_in_order; else fail many_to_a_file_in_order "$(cmp "$T/many-file" "$T/many-want" 2>&1)"; fi
"$SBX" run -q $CG_RELAX -- sh -c "$MANY" 2>&1 </dev/null | cat >"$T/many-pipe"
if cmp -s "$T/many-pipe" "$T/many-want"; then pass many_through_a_pipe_in_order; else fail many_through_a_pipe_in_order "$(cmp "$T/many-pipe" "$T/many-want" 2>&1)"; fi

# On a terminal (a pty that `script` opens): stdout and stderr the terminal itself (2>&1), and
# the terminal opened twice (>$(tty) 2>$(tty): two open files, one screen).
if ! command -v script >/dev/null || ! script --version 2>/dev/null | grep -q util-linux; then
  skip order_terminal "util-linux script is not installed"
else
  cat >"$T/in-tty.sh" <<EOF
cd "$W" || exit 1
i=0
while [ \$i -lt 100 ]; do "$SBX" run -q $CG_RELAX -- sh -c '$ABC' 2>&1; i=\$((i + 1)); done
echo tty-loop-done
t=\$(tty)
"$SBX" run -q $CG_RELAX -- sh -c '$MANY' >"\$t" 2>"\$t"
echo tty-many-done
"$SBX" run -q $CG_RELAX -- sh -c '$FDS' >"\$t" 2>"\$t"
EOF
  timeout 300 script -qec "sh $T/in-tty.sh" /dev/null >"$T/tty.out" 2>&1 </dev/null
  tr -d '\r' <"$T/tty.out" >"$T/tty"
  sed -n '1,/^tty-loop-done$/p' "$T/tty" | grep -v '^tty-loop-done$' >"$T/tty-loop"
  check_eq order_terminal_100_of_100 "$(bad_runs "$T/tty-loop" 100) bad" "0 bad"
  sed -n '/^tty-loop-done$/,/^tty-many-done$/p' "$T/tty" | sed '1d;$d' >"$T/tty-many"
  if cmp -s "$T/tty-many" "$T/many-want"; then pass terminal_opened_twice_in_order; else fail terminal_opened_twice_in_order "$(cmp "$T/tty-many" "$T/many-want" 2>&1)"; fi
  sed -n '/^tty-many-done$/,$p' "$T/tty" | sed '1d' >"$T/tty-fds"
  if [ "$(sort -u "$T/tty-fds" | wc -l)" -eq 1 ] && grep -q '^pipe:' "$T/tty-fds"; then
    pass terminal_opened_twice_one_pipe
  else
    fail terminal_opened_twice_one_pipe "$(tr '\n' ' ' <"$T/tty-fds")"
  fi
fi
