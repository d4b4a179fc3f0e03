# cgroup-cli.sh: the CLI's cgroup options end to end: `sandbox run --cgroup-parent=PATH` puts
# the run's cgroup there (seen from the host in the job's /proc/PID/cgroup), a supervisor killed
# with SIGKILL leaves its cgroup behind and `sandbox gc` removes it (and nothing else), and the
# run never joins the v1 cpuset hierarchy. The placement and gc checks need root (a cgroup as
# root); the option checks run as any user.
. "$(dirname "$0")/lib.sh"

P=$SBX_BUILDDIR/tests/helper/probe
if [ ! -x "$SBX" ] || [ ! -x "$P" ]; then
  fail build "$SBX or $P is missing: run ninja"
  exit 1
fi
CG=/sys/fs/cgroup

# ---- options, as any user ---------------------------------------------------------------------

check_status gc-help 0 "$SBX" gc --help
check_grep gc-help-parent "$T/out" "--cgroup-parent=PATH"
check_status help-gc 0 "$SBX" help gc
check_grep help-gc-usage "$T/out" "Usage: sandbox gc"
check_status main-help-gc 0 "$SBX" --help
check_grep main-help-lists-gc "$T/out" "gc "
check_status run-help 0 "$SBX" run --help
check_grep run-help-parent "$T/out" "--cgroup-parent=PATH"
check_status gc-extra-argument 2 "$SBX" gc extra
check_grep gc-extra-argument-named "$T/err" "unexpected argument 'extra'"

check_status run-bad-parent 125 "$SBX" run --cgroup-parent=../escape -- /bin/true
check_grep run-bad-parent-message "$T/err" \
  "sandbox: --cgroup-parent ../escape: cgroup parent '../escape' has a '..' component"
check_status run-root-parent 125 "$SBX" run --cgroup-parent=/ -- /bin/true
check_grep run-root-parent-message "$T/err" "cgroup parent '/' names the root"
check_status gc-bad-parent 1 "$SBX" gc --cgroup-parent=a/../b
check_grep gc-bad-parent-message "$T/err" "cgroup parent 'a/../b' has a '..' component"
check_no_grep gc-bad-parent-no-count "$T/out" "removed"

# gc as this user: it finds the leftovers under this user's parent (as root the "sandbox"
# subtrees, rootless its delegated cgroup, if any) and says how many it removed.
check_status gc-runs 0 timeout 60 "$SBX" gc
if grep -Eq '^removed [0-9]+ cgroups? of dead runs$' "$T/out"; then pass gc-count; else
  fail gc-count "unexpected output: $(cat "$T/out")"
fi

# Where the memory peak comes from, in the report and the --stats line: without a cgroup,
# ru_maxrss (the largest single process), and the report says so.
cat >"$T/nocg.yaml" <<'EOF'
description: the sandbox without a cgroup (so no cgroup-backed limit)
filesystem:
  root: tmpfs
  binds:
    - /usr
    - {source: /bin, optional: true}
    - {source: /lib, optional: true}
    - {source: /lib64, optional: true}
cgroup: off
EOF
check_status report-no-cgroup 0 timeout 60 "$SBX" run -p "$T/nocg.yaml" --stats --report - \
  -- /bin/true
check_grep report-no-cgroup-source "$T/out" '"memory_peak_source": "rusage"'
check_grep report-no-cgroup-flag "$T/out" '"cgroup": false'
check_grep stats-no-cgroup-source "$T/err" "(rusage)"
if is_root && [ -e "$CG/memory/cgroup.procs" ]; then
  check_status report-cgroup 0 timeout 60 "$SBX" run --stats --report - -- /bin/true
  check_grep report-cgroup-source "$T/out" '"memory_peak_source": "cgroup"'
  check_grep stats-cgroup-source "$T/err" "(cgroup)"
elif ! is_root; then
  # Rootless: "cgroup" only in a delegated subtree with the memory controller.
  check_status report-rootless 0 timeout 60 "$SBX" run --report - -- /bin/true
  if grep -q '"cgroup": false' "$T/out"; then
    check_grep report-rootless-source "$T/out" '"memory_peak_source": "rusage"'
  else
    pass report-rootless-source
  fi
fi

if ! is_root; then
  for t in parent-placement parent-kill-leaves-cgroup parent-gc default-kill-leaves-cgroup \
    default-gc gc-leaves-others cpuset-untouched; do
    skip "$t" "needs root: a run's cgroup is made in the root's hierarchies only as root"
  done
  exit 0
fi
if [ ! -e "$CG/pids/cgroup.procs" ] || [ ! -e "$CG/memory/cgroup.procs" ]; then
  for t in parent-placement parent-gc default-gc gc-leaves-others cpuset-untouched; do
    skip "$t" "no cgroup v1 pids and memory hierarchies at $CG (these checks are for v1)"
  done
  exit 0
fi

# ---- as root: placement, leftovers, gc ---------------------------------------------------------

mkdir -p "$T/bin" "$T/work"
cp "$P" "$T/bin/probe"
chmod 755 "$T/bin" "$T/bin/probe"
chown 65534:65534 "$T/work" # the job's host uid as root
cd "$T/work" || exit 1
parent=sbx-cli-test-$$
# The hierarchies a run's cgroup goes in (v1 controllers, and the hybrid's cgroup2).
hiers=
for h in memory pids cpu cpuacct freezer unified; do
  [ -e "$CG/$h/cgroup.procs" ] && hiers="$hiers $h"
done
cleanup() {
  for h in $hiers; do
    for d in "$CG/$h/$parent"/*/ "$CG/$h/$parent/"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
  done
  [ -n "${sleeper:-}" ] && kill "$sleeper" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

# Host pids whose command line contains $1.
marked_pids() {
  for d in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$d/cmdline" | grep -qF -- "$1" && echo "${d#/proc/}"
  done
}

# start_job MARKER ARGS...: starts `sandbox run ARGS... -- /probe/probe sleep 30 READY MARKER`
# in the background ($cli: the CLI's pid, the supervisor's, which names the run's cgroup) and
# waits until the job runs ($job: its host pid). The probe's sleep bounds it.
start_job() {
  marker=$1
  shift
  rm -f "$T/work/ready"
  "$SBX" run --bind "$T/bin:/probe:ro" "$@" -- /probe/probe sleep 30 "$T/work/ready" "$marker" \
    >"$T/job.out" 2>"$T/job.err" &
  cli=$!
  i=0
  while [ ! -e "$T/work/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  job=
  # The job's process is the probe: its command line starts with /probe/probe (the CLI's
  # carries the marker too).
  for p in $(marked_pids "$marker"); do
    case $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) in /probe/probe*) job=$p ;; esac
  done
  [ -n "$job" ]
}

# kill_cli: SIGKILL to the CLI; waits until its job is gone too (its pid namespace dies).
kill_cli() {
  kill -KILL "$cli"
  wait "$cli" 2>/dev/null
  i=0
  while [ -d "/proc/$job" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  [ ! -d "/proc/$job" ]
}

# run_dirs PARENT: the cgroup directories of the run of $cli below PARENT, in every hierarchy.
run_dirs() {
  for h in $hiers; do
    for d in "$CG/$h/$1/sbx-$cli-"*; do [ -d "$d" ] && echo "$d"; done
  done
}

# --cgroup-parent: the job sits in <parent>/sbx-<cli pid>-... in each hierarchy, as the host
# sees it in /proc/PID/cgroup, and in the cpuset hierarchy where the CLI sits (not in ours).
if start_job "cgparent-$$" --cgroup-parent="$parent"; then
  ok=yes
  for h in memory pids cpu cpuacct freezer; do
    [ -e "$CG/$h/cgroup.procs" ] || continue
    line=$(grep -E "^[0-9]+:([^:]*,)?$h(,[^:]*)?:" "/proc/$job/cgroup")
    case $line in
    *":/$parent/sbx-$cli-"*) ;;
    *) ok="no: $h line '$line'" ;;
    esac
  done
  if [ "$ok" = yes ]; then pass parent-placement; else fail parent-placement "$ok"; fi
  own_cpuset=$(grep -E '^[0-9]+:cpuset:' /proc/self/cgroup)
  job_cpuset=$(grep -E '^[0-9]+:cpuset:' "/proc/$job/cgroup")
  if [ -n "$own_cpuset" ]; then
    check_eq cpuset-untouched "$job_cpuset" "$own_cpuset"
  else
    skip cpuset-untouched "no v1 cpuset hierarchy here"
  fi
  if [ -e "$CG/cpuset/$parent" ]; then fail cpuset-no-dir "$CG/cpuset/$parent exists"; else
    pass cpuset-no-dir
  fi
  kill_cli || fail parent-job-dies "the job $job outlived its killed supervisor"
  dirs=$(run_dirs "$parent")
  if [ -n "$dirs" ]; then pass parent-kill-leaves-cgroup; else
    fail parent-kill-leaves-cgroup "no cgroup sbx-$cli-* under $parent after the kill"
  fi
  check_status parent-gc 0 timeout 60 "$SBX" gc --cgroup-parent="$parent"
  check_eq parent-gc-count "$(cat "$T/out")" "removed 1 cgroup of dead runs"
  left=$(run_dirs "$parent")
  check_eq parent-gc-removed "$left" ""
  check_status parent-gc-again 0 timeout 60 "$SBX" gc --cgroup-parent="$parent"
  check_eq parent-gc-again-count "$(cat "$T/out")" "removed 0 cgroups of dead runs"
else
  fail parent-placement "the job did not start: $(head -c 600 "$T/job.err")"
  kill "$cli" 2>/dev/null
fi

# gc never touches what it did not make: a directory not named as a run, a run-like name
# that is not ours to judge (no number where one goes), and a run whose owner is alive.
sleep 60 &
sleeper=$!
start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$sleeper/stat")
for n in not-ours sbx-junk "sbx-$sleeper-$start-0"; do
  mkdir -p "$CG/pids/$parent/$n"
done
check_status gc-others 0 timeout 60 "$SBX" gc --cgroup-parent="$parent"
check_eq gc-others-count "$(cat "$T/out")" "removed 0 cgroups of dead runs"
ok=yes
for n in not-ours sbx-junk "sbx-$sleeper-$start-0"; do
  [ -d "$CG/pids/$parent/$n" ] || ok="no: $n was removed"
done
if [ "$ok" = yes ]; then pass gc-leaves-others; else fail gc-leaves-others "$ok"; fi
kill "$sleeper" 2>/dev/null
wait "$sleeper" 2>/dev/null
sleeper=
# With its owner dead, the run-named one is a leftover like any other.
check_status gc-dead-owner 0 timeout 60 "$SBX" gc --cgroup-parent="$parent"
check_eq gc-dead-owner-count "$(cat "$T/out")" "removed 1 cgroup of dead runs"
check_eq gc-dead-owner-others \
  "$(find "$CG/pids/$parent" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | tr '\n' ' ')" "not-ours sbx-junk "

# The default parent: "sandbox" at the root of each hierarchy. Another root run on this
# machine (another test suite) reaps such leftovers too when it starts; when one got there
# first, the checks say so and skip (the --cgroup-parent case above has no such neighbours).
if start_job "cgdefault-$$"; then
  own=$(run_dirs sandbox)
  kill_cli || fail default-job-dies "the job $job outlived its killed supervisor"
  dirs=$(run_dirs sandbox)
  if [ -z "$own" ]; then
    fail default-kill-leaves-cgroup "the run had no cgroup sbx-$cli-* under sandbox"
  elif [ -n "$dirs" ]; then
    pass default-kill-leaves-cgroup
  else
    skip default-kill-leaves-cgroup "another run on this machine removed the leftover first"
  fi
  check_status default-gc 0 timeout 60 "$SBX" gc
  n=$(sed -n 's/^removed \([0-9]*\) cgroups\{0,1\} of dead runs$/\1/p' "$T/out")
  if [ -z "$n" ]; then
    fail default-gc-count "output: $(cat "$T/out")"
  elif [ "$n" -ge 1 ]; then
    pass default-gc-count # this one, and maybe other runs' leftovers
  elif [ -z "$(run_dirs sandbox)" ]; then
    skip default-gc-count "another run on this machine removed the leftover first"
  else
    fail default-gc-count "removed none, and $(run_dirs sandbox) is left"
  fi
  check_eq default-gc-removed "$(run_dirs sandbox)" ""
else
  fail default-kill-leaves-cgroup "the job did not start: $(head -c 600 "$T/job.err")"
  kill "$cli" 2>/dev/null
fi

# Nothing of ours in the cpuset hierarchy, which runs never join.
if [ -e "$CG/cpuset/cgroup.procs" ]; then
  left=$(find "$CG/cpuset" -maxdepth 3 -type d -name 'sbx-*' 2>/dev/null)
  check_eq cpuset-nothing-left "$left" ""
fi
