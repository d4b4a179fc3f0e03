# bench.sh: bench/run --quick writes a complete report: every section, numeric figures in the
# tables, every target of issue 10 in the target table, a "left out: reason" line for whatever
# cannot run here, exit 0. Structure only: timing figures are bench/'s business, never a test's.
. "$(dirname "$0")/lib.sh"

R=$T/results.md
BENCH_RESULTS=$R sh "$SBX_SRCDIR/bench/run" --quick "$SBX_BUILDDIR" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ]; then pass quick_exit_0; else
  fail quick_exit_0 "exit status $rc; stderr: $(tail -c 600 "$T/err")"
fi
if [ ! -s "$R" ]; then
  fail results_written "BENCH_RESULTS=$R was not written; stderr: $(tail -c 600 "$T/err")"
  exit 0
fi
pass results_written
check_no_grep no_failure "$R" "FAILED"

# row NAME REGEX: a line of the report matches the extended regular expression.
row() {
  if grep -Eq -- "$2" "$R"; then pass "$1"; else fail "$1" "no line matching '$2' in the report"; fi
}
num='[0-9]+(\.[0-9]+)?'
cell=" $num \|"

# 0. The header: the machine, the versions, the commit, the commands.
for k in date kernel CPU memory cgroups uid sandbox bwrap crun runc; do
  row "header_$k" "^\| $k \| .+ \|$"
done
row header_cgroup_layout '^\| cgroups \| (v1|v2|hybrid|none)'
row header_commands_block '^```$'
row header_lists_sandbox_command '^.*/sandbox run -q -p compile .*-- /bin/true'
row header_lists_startbench '/bench/startbench -n 10 '

# The sections, in order.
prev=0
for s in "1. Start-up" "2. Per-phase" "3. Throughput" "4. A real build" "5. Supervisor" "6. Targets"; do
  n=$(grep -n -F "## $s" "$R" | head -1 | cut -d: -f1)
  if [ -n "$n" ] && [ "$n" -gt "$prev" ]; then
    pass "section_${s%%.*}"
    prev=$n
  else
    fail "section_${s%%.*}" "'## $s' missing or out of order"
  fi
done

# 1. Start-up: the floor, the bare exec and the sandbox without a cgroup always run; with one
# as root; each peer is a row of figures or a left-out line.
for l in bare sandbox-default-nocg sandbox-compile-nocg sandbox-judge-nocg; do
  row "startup_$l" "^\| $l \|$cell$cell$cell$cell$cell\$"
done
for p in default compile judge; do
  if is_root; then
    row "startup_sandbox_${p}_cgroup" "^\| sandbox-$p \|$cell$cell$cell$cell$cell\$"
  else
    row "startup_sandbox_${p}_cgroup_left_out" "^- left out: sandbox-$p \(with its cgroup\): .+"
  fi
done
for peer in unshare bwrap crun runc; do
  row "startup_peer_$peer" "^(\| $peer \|$cell$cell$cell$cell$cell|- left out: $peer: .+)\$"
done
row startup_ratio_compile "^\| sandbox-compile(-nocg)? \|( ($num|—) \|){5}\$"

# 2. Phases: a numeric row per phase, the total and the sum.
n=$(grep -Ec "^\| [a-z-]+ \|( ($num|—) \|){3}\$" "$R")
if [ "$n" -ge 5 ]; then pass phases_rows; else fail phases_rows "$n phase rows, expected 5 or more"; fi
row phases_total "^\| \*\*total\*\* \(median\) \|$cell$cell$cell\$"
row phases_sum "^\| sum of the medians \|$cell$cell$cell\$"

# 3. Throughput: 50 runs each, sequential and 2 streams; batch rows or its left-out line.
for m in "bare exec" "CLI \(sandbox run -p judge\)" "library \(sbx_run, judge\)"; do
  for j in 1 2; do
    row "throughput_$(echo "$m" | cut -d' ' -f1)_$j" "^\| $m \| $j \| 50 \|$cell$cell$cell ($num|—) \|\$"
  done
done
if grep -q '^- left out: batch (sandbox batch): no batch mode in this build' "$R"; then
  pass throughput_batch_left_out
else
  for j in 1 2; do
    row "throughput_batch_$j" "^\| batch \(sandbox batch, judge\) \| $j \| 50 \|$cell$cell$cell $num \|\$"
  done
fi

# 4. The build: -j1 and -j2, bare and wrapped, outputs equal.
for j in 1 2; do
  row "build_j$j" "^\| -j$j \|$cell$cell$cell equal \(cmp of [0-9]+ \.o, program output\) \|\$"
done

# 5. Supervisor cost.
row rss_supervisor "^\| sandbox run \(judge\), the supervisor \| [0-9]+ \| .+ \|\$"
row rss_library "^\| library \(libloop lib, 20 judge runs\), the calling process \| [0-9]+ \|"
row allocations_per_run "(\*\*$num allocations per run\*\*|^- left out: allocations per run: )"

# 6. Every target of the issue, measured (met or missed) or not measured with a reason.
verdict="(($num)(×| runs/s| ms per run| KiB) \| (met|\*\*missed\*\*)|not measured: .+ \| —)"
i=0
for t in '`sandbox run -p compile -- /bin/true` wall vs bwrap' 'CPU vs bwrap' \
  'vs the unshare floor' 'vs crun' 'batch mode, sequential' 'batch mode, `-j 2`' \
  'batch mode overhead over a bare exec' 'wrapped multi-file build vs bare, `-j1`' \
  'wrapped multi-file build vs bare, `-j2`' 'supervisor peak RSS'; do
  i=$((i + 1))
  re=$(printf '%s' "$t" | sed 's/[][\.*^$()|+?{}]/\\&/g')
  row "target_$i" "^\| $re \| (≤|≥) [0-9.]+[^|]* \| $verdict \|\$"
done
n=$(sed -n '/^## 6. Targets/,$p' "$R" | grep -c '^| .* | \(met\|\*\*missed\*\*\|—\) |$')
check_eq target_rows_exactly_ten "$n" 10
if grep -q '| \*\*missed\*\* |$' "$R"; then
  check_grep missed_has_where_it_goes "$R" "### Where it goes"
else
  check_no_grep met_has_no_where_it_goes "$R" "### Where it goes"
fi

# Bad usage is 2, and writes nothing.
BENCH_RESULTS=$T/none.md sh "$SBX_SRCDIR/bench/run" --bogus >"$T/out" 2>"$T/err"
check_eq bad_option_status "$?" 2
check_eq bad_option_writes_nothing "$(ls "$T/none.md" 2>/dev/null)" ""
