# judge-example.sh: examples/judge end to end: each submission of examples/judge/submissions
# compiled under `compile` and judged under `judge` through `sandbox batch`, with the verdicts
# AC, WA, TLE, RE (and MLE where a cgroup enforces the memory limit).
. "$(dirname "$0")/lib.sh"

J=$SBX_SRCDIR/examples/judge
if ! command -v python3 >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then
  skip judge_example "python3 and cc are needed"
  exit 0
fi
if is_root; then opt=; else opt=--cgroup-optional; fi
# judge NAME SUBMISSION WANT: the verdicts of the three tests, and the exit status.
judge() {
  out=$(TMPDIR=$T python3 "$J/judge.py" --sandbox "$SBX" --time 1 --memory 64M $opt \
    "$J/submissions/$2.c" "$J/tests" 2>"$T/err")
  rc=$?
  check_eq "$1" "$(printf '%s\n' "$out" | awk '{print $1 " " $2}' | tr '\n' ' ')" "$3"
  if [ "$3" = "1 AC 2 AC 3 AC " ]; then want=0; else want=1; fi
  check_eq "$1_exit" "$rc" "$want"
}
judge accepted ac "1 AC 2 AC 3 AC "
judge wrong_answer wa "1 WA 2 WA 3 WA "
judge time_limit tle "1 TLE 2 TLE 3 TLE "
judge runtime_error re "1 RE 2 RE 3 RE "
if is_root; then
  judge memory_limit mle "1 MLE 2 MLE 3 MLE "
else
  skip memory_limit "needs root: without a delegated cgroup the memory limit is not enforced"
fi
out=$(python3 "$J/judge.py" --sandbox "$SBX" $opt "$J/README.md" "$J/tests" 2>&1)
check_eq compile_error "$(printf '%s\n' "$out" | head -n 1)" CE
