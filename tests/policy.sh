# policy.sh: the stock profiles' seccomp policy, probed from inside the sandbox: socket families
# are an allow-list (AF_UNIX, AF_INET, AF_INET6, AF_NETLINK), and a job cannot change the
# resource limits of the sandbox's init (prlimit on another pid) but can change its own.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
is_root && chown 65534:65534 "$T"
helper=$SBX_BUILDDIR/tests/helper
[ -x "$helper/policy" ] || { fail policy-helper "$helper/policy is not built"; exit 0; }

for p in default compile test judge; do
  "$SBX" run -p "$p" $CG_RELAX --bind "$helper:/helper" -- /helper/policy families >"$T/out" 2>"$T/err"
  rc=$?
  if [ "$p" = judge ]; then
    # judge kills on a forbidden call: the first refused family (0) ends the job.
    check_eq "$p:families-kill" "$rc" 159
    continue
  fi
  check_eq "$p:families-ran" "$rc" 0
  allowed=$(awk '$2 == "ok" {print $1}' "$T/out" | tr '\n' ' ')
  check_eq "$p:only-four-families" "$allowed" "1 2 10 16 "
  refused=$(awk '$2 == "EAFNOSUPPORT"' "$T/out" | wc -l)
  check_eq "$p:others-eafnosupport" "$refused" 61
  check_grep "$p:upper-bits-refused" "$T/out" "inet-upper-bits EAFNOSUPPORT"

  "$SBX" run -p "$p" $CG_RELAX --bind "$helper:/helper" -- /helper/policy prlimit-init >"$T/out" 2>"$T/err"
  check_grep "$p:prlimit-init-blocked" "$T/out" "blocked EPERM"
  "$SBX" run -p "$p" $CG_RELAX --bind "$helper:/helper" -- /helper/policy prlimit-self >"$T/out" 2>"$T/err"
  check_grep "$p:prlimit-self-allowed" "$T/out" "ok"
done
# judge names the call in its verdict.
"$SBX" run -p judge $CG_RELAX --report "$T/r.json" --bind "$helper:/helper" -- /helper/policy prlimit-init >"$T/out" 2>"$T/err"
check_grep judge:prlimit-init-verdict "$T/r.json" '"status": "forbidden_syscall"'
check_grep judge:prlimit-init-named "$T/r.json" '"syscall": "prlimit64"'
