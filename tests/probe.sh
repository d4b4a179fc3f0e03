# probe.sh: the probe helper (tests/helper/probe.c) reports the truth on the host, so that what
# it reports inside the sandbox can be trusted.
. "$(dirname "$0")/lib.sh"
P=$SBX_BUILDDIR/tests/helper/probe
if [ ! -x "$P" ]; then
  fail build "$P is missing: run ninja"
  exit 1
fi

# A static binary: it runs in a root that holds nothing else.
if file -L "$P" 2>/dev/null | grep -q 'statically linked'; then pass static; else
  fail static "$(file -L "$P" 2>&1)"
fi

env -i FOO=bar "$P" report /etc /nonexistent-probe-path >"$T/r" 2>"$T/err"
check_eq report-status $? 0
check_grep uid "$T/r" "uid=$(id -u)"
check_grep gid "$T/r" "gid=$(id -g)"
check_grep pid-line "$T/r" "pid="
check_grep hostname "$T/r" "hostname=$(hostname)"
check_grep cwd "$T/r" "cwd=$(pwd -P)"
check_eq env-exact "$(grep '^env=' "$T/r")" "env=FOO=bar"
check_grep exists-yes "$T/r" "exists=/etc yes"
check_grep exists-no "$T/r" "exists=/nonexistent-probe-path no"
check_grep mount-root "$T/r" "mount=/ "
check_grep uid-map "$T/r" "uid_map="

# fds: the ones it was given (the runner may pass others on), with their paths.
"$P" fds 7</dev/null 8>"$T/eight" >"$T/fds"
check_grep fds-stdout "$T/fds" "fd=1"
check_grep fds-7 "$T/fds" "fdpath=7 /dev/null"
check_grep fds-8 "$T/fds" "fdpath=8 $T/eight"

"$P" exit 7
check_eq exit $? 7
"$P" kill TERM
check_eq kill $? 143

# trap: the handler writes the marker and exits 42.
"$P" trap TERM "$T/marker" "$T/ready" 20 &
pid=$!
i=0
while [ ! -e "$T/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -TERM $pid
wait $pid
check_eq trap-status $? 42
check_eq trap-marker "$(cat "$T/marker" 2>/dev/null)" "caught 15"

"$P" write "$T/w" >"$T/wout"
check_grep write-ok "$T/wout" "write=$T/w ok"
"$P" write /proc/version >"$T/wout"
check_grep write-error "$T/wout" "write=/proc/version error"

# orphan and zombies need a reaper: a fresh pid namespace where sh is pid 1.
if unshare -U -r -p -f -m --mount-proc true 2>/dev/null; then
  timeout 30 unshare -U -r -p -f -m --mount-proc sh -c "'$P' orphan 5; '$P' zombies 3; true" \
    >"$T/o" 2>&1
  check_grep orphan-reparented "$T/o" "orphan_ppid=1"
  check_grep zombies-reaped "$T/o" "zombies=0"
  timeout 30 unshare -U -r -p -f -m --mount-proc "$P" report >"$T/ns"
  check_grep pidns-pid1 "$T/ns" "pid=1"
  check_grep pidns-nprocs "$T/ns" "nprocs=1"
  check_grep userns-map "$T/ns" "uid_map=0 $(id -u) 1"
else
  skip orphan "unshare -U -r -p cannot make a pid namespace here"
fi
