# cli.sh: the `sandbox` command's own behaviour: help, version, check, spec, usage errors.
# (Running jobs is tested in engine.sh.)
. "$(dirname "$0")/lib.sh"

check_status version 0 "$SBX" --version
check_grep version_text "$T/out" "sandbox 0.1.0"
check_status help 0 "$SBX" --help
check_grep help_lists_run "$T/out" "run     run a command in the sandbox"
for c in run spec check; do
  check_status "help_$c" 0 "$SBX" "$c" --help
  check_grep "help_${c}_usage" "$T/out" "Usage: sandbox $c"
done
check_status no_command 2 "$SBX"
check_status unknown_command 2 "$SBX" frobnicate
check_grep unknown_command_named "$T/err" "sandbox: unknown command 'frobnicate'"

# check: three mistakes, three located errors, exit 1.
check_status check_three_mistakes 1 "$SBX" check "$SBX_SRCDIR/tests/jobspec/three-mistakes.yaml"
check_eq check_three_lines "$(grep -c "three-mistakes.yaml:[0-9]*:[0-9]*: " "$T/err")" 3
check_status check_stock_ok 0 "$SBX" check default compile judge test
check_grep check_reports_ok "$T/out" "judge: ok"
check_status check_missing_file 1 "$SBX" check "$T/nosuch.yaml"
check_grep check_missing_file_named "$T/err" "nosuch.yaml"
check_status check_set_typo 1 "$SBX" check --set limits.memroy=1G default
check_grep check_set_suggests "$T/err" "(did you mean 'memory'?)"

# spec: valid JSON, --set and the command applied, options before or after the profile.
check_status spec_judge 0 "$SBX" spec judge --set limits.memory=1G -- /bin/echo hi
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["process"]["args"]==["/bin/echo","hi"]; assert d["linux"]["resources"]["memory"]["limit"]==1<<30; assert d["ociVersion"]' "$T/out" 2>"$T/py"; then
  pass spec_json_applies_set_and_command
else
  fail spec_json_applies_set_and_command "$(cat "$T/py")"
fi
check_status spec_option_first 0 "$SBX" spec --set network=loopback -p test
check_grep spec_option_first_applied "$T/out" '"org.sandbox.network": "loopback"'
check_status spec_to_file 0 "$SBX" spec compile -o "$T/config.json"
check_grep spec_file_written "$T/config.json" '"ociVersion"'
check_status spec_no_profile 2 "$SBX" spec
check_status spec_extra_argument 2 "$SBX" spec default stray
check_grep spec_extra_argument_named "$T/err" "unexpected argument 'stray'"
check_status spec_unknown_profile 1 "$SBX" spec nosuchprofile
check_grep spec_unknown_profile_named "$T/err" "no profile 'nosuchprofile'"

# run: usage errors are the sandbox's failures (125), never the job's.
check_status run_no_command 125 "$SBX" run
check_status run_bad_bind_mode 125 "$SBX" run --bind /usr:/usr:rx -- /bin/true
check_grep run_bad_bind_mode_named "$T/err" "--bind /usr:/usr:rx: mode 'rx' is neither 'ro' nor 'rw'"
check_status run_bundle_and_profile 125 "$SBX" run --bundle "$T" -p judge -- /bin/true
check_status run_bundle_missing 125 "$SBX" run --bundle "$T/none"
check_grep run_bundle_missing_named "$T/err" "$T/none/config.json"
# --env NAME of a variable that is not set: a warning, and the job runs without it.
unset SANDBOX_TEST_UNSET_VAR
cd "$T" && check_status run_env_unset 0 "$SBX" run -q --env SANDBOX_TEST_UNSET_VAR --env SBX_SET=1 -- /bin/sh -c 'echo "${SANDBOX_TEST_UNSET_VAR-unset} $SBX_SET"'
check_eq run_env_unset_warning "$(cat "$T/err")" "sandbox: warning: --env SANDBOX_TEST_UNSET_VAR: the variable is not set here, so it is not set in the job"
check_eq run_env_unset_not_set "$(cat "$T/out")" "unset 1"

# Stock profiles are found beside the build tree without SANDBOX_PROFILE_PATH.
(cd "$T" && env -u SANDBOX_PROFILE_PATH "$SBX" check judge) >"$T/out" 2>"$T/err"
check_eq profiles_found_from_build_tree "$?" 0
(cd "$T" && env -u SANDBOX_PROFILE_PATH "$SBX" check nosuch) >"$T/out" 2>"$T/err"
check_grep search_path_named "$T/err" "no profile 'nosuch' in $SBX_SRCDIR/profiles:"

# run takes the command from the profile when the command line has none.
cd "$T" && { is_root && chown 65534:65534 "$T"; }
printf 'extends: default\nprocess:\n  command: [echo, hi-from-profile]\n' >"$T/cmd.yaml"
check_status run_profile_command 0 "$SBX" run -p "$T/cmd.yaml"
check_grep run_profile_command_ran "$T/out" "hi-from-profile"
check_status run_no_command_anywhere 125 "$SBX" run -p default
check_grep run_no_command_explained "$T/err" "no command given, on the command line or in the profile's process.command"
# A report path that cannot be written fails before the job runs.
check_status report_unwritable 125 "$SBX" run --report "$T/no/such/dir/r.json" -- sh -c 'echo ran >ran'
check_grep report_unwritable_named "$T/err" "open $T/no/such/dir/r.json: No such file or directory"
if [ -e "$T/ran" ]; then fail report_unwritable_job_not_run "the job ran"; else pass report_unwritable_job_not_run; fi
# check refuses what spec would refuse.
printf 'filesystem:\n  tmpfs: [/dev]\n' >"$T/dev.yaml"
check_status check_writer_refusal 1 "$SBX" check "$T/dev.yaml"
check_grep check_writer_refusal_named "$T/err" "dev.yaml:2:11: filesystem.tmpfs[0]: a tmpfs on /dev is not possible"
# A bundle whose config.json is a FIFO is refused at once, not waited on.
mkdir -p "$T/fifo-bundle" && mkfifo "$T/fifo-bundle/config.json"
check_status bundle_fifo_refused 125 timeout 10 "$SBX" run --bundle "$T/fifo-bundle"
check_grep bundle_fifo_named "$T/err" "not a regular file"

# check warns about a bind source missing on this host (the exit status stays 0, the profile is
# ok); an optional bind that is missing is no warning, nor is a source that exists. One a line,
# in mount order (by the depth of the target: /b first).
printf 'extends: default\nfilesystem:\n  binds+:\n    - /nonexistent/sbx-a\n    - {source: /nonexistent/sbx-opt, optional: true}\n    - /usr/bin\n    - {source: /nonexistent/sbx-b, target: /b}\n' >"$T/missing.yaml"
check_status check_missing_source_ok 0 "$SBX" check "$T/missing.yaml"
check_grep check_missing_source_reported_ok "$T/out" "$T/missing.yaml: ok"
check_eq check_missing_source_warnings "$(cat "$T/err")" "sandbox: $T/missing.yaml: warning: bind source /nonexistent/sbx-b does not exist
sandbox: $T/missing.yaml: warning: bind source /nonexistent/sbx-a does not exist"
check_status check_stock_no_warning 0 "$SBX" check default compile judge test
check_eq check_stock_no_warning_text "$(cat "$T/err")" ""
# run still fails on a missing source that is not optional.
check_status run_missing_source 125 "$SBX" run -p "$T/missing.yaml" -- /bin/true
check_grep run_missing_source_named "$T/err" "bind mount /nonexistent/sbx-b on /b: No such file or directory"

# spec --rootfs DIR sets root.path (read-only) in place of the fresh root.
check_status spec_rootfs 0 "$SBX" spec default --rootfs rootfs -- /bin/true
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["root"]=={"path":"rootfs","readonly":True}, d["root"]; assert "org.sandbox.root" not in d.get("annotations",{})' "$T/out" 2>"$T/py"; then
  pass spec_rootfs_root_path
else
  fail spec_rootfs_root_path "$(cat "$T/py")"
fi
check_status spec_rootfs_absolute 0 "$SBX" spec compile --rootfs "$T/rootfs" -o "$T/rootfs.json"
check_grep spec_rootfs_absolute_path "$T/rootfs.json" "\"path\": \"$T/rootfs\""
check_status spec_rootfs_help 0 "$SBX" spec --help
check_grep spec_rootfs_in_help "$T/out" "--rootfs=DIR"

# -v: each start-up step with its microseconds (phase.h), the CLI's own step first, a total
# last; every step of a run that has them (a cgroup as root, a user namespace, mounts) is
# there, in order. Without -v, no phase line.
mkdir -p "$T/phasedir"
(cd "$T/phasedir" && "$SBX" run -v $CG_RELAX -p judge -- /bin/true >"$T/out" 2>"$T/err")
check_eq phase_run_ok "$?" 0
grep -E '^sandbox: phase [a-z-]+ [0-9]+ us$' "$T/err" | sed 's/^sandbox: phase \([a-z-]*\) .*/\1/' >"$T/phases"
want="profile validate idmap seccomp prepare"
is_root && want="$want cgroup"
want="$want fork"
is_root && want="$want cgroup-join"
want="$want userns id-maps clone-init init-start mounts fork-job job-setup ready go caps seccomp-load exec-run init-exit teardown total"
# A step may take 0 us at this resolution but is still listed; rootless without a delegated
# cgroup there is none to make or join.
# (network: only where the loopback is configured, which judge has not.)
got=$(grep -v '^network$' "$T/phases" | tr '\n' ' ' | sed 's/ $//')
if ! is_root && grep -q '^sandbox: created cgroup' "$T/err"; then
  skip phase_steps_in_order "a delegated cgroup here: the rootless list would include it"
else
  check_eq phase_steps_in_order "$got" "$want"
fi
total=$(sed -n 's/^sandbox: phase total \([0-9]*\) us$/\1/p' "$T/err")
sum=$(grep -E '^sandbox: phase [a-z-]+ [0-9]+ us$' "$T/err" | grep -v ' phase profile \| phase total ' |
  awk '{s += $4} END {print s + 0}')
# The total is the library's steps end to end: their sum, give or take rounding to the us.
if [ -n "$total" ] && [ "$total" -gt 0 ] && [ $((total - sum)) -le 30 ] && [ $((sum - total)) -le 30 ]; then
  pass phase_total_is_the_sum
else
  fail phase_total_is_the_sum "total '$total', sum of the steps $sum: $(cat "$T/err")"
fi
(cd "$T/phasedir" && "$SBX" run $CG_RELAX -p judge -- /bin/true >"$T/out" 2>"$T/err")
check_no_grep phase_not_without_v "$T/err" "phase "
