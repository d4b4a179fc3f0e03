#!/bin/sh
# attacks-dev.sh: the job against the caller's terminal and the shared /dev resources, through
# the real CLI, with the static attack helper bound on /helper (as in attacks.sh).
# - /dev/tty: under `script` (a real terminal, the caller's), the job has no controlling
#   terminal: opening /dev/tty fails with ENXIO, nothing it could type-ahead-read or write
#   reaches the terminal, the terminal's settings are unchanged, and the terminal on an
#   inherited stdin cannot be made its controlling terminal; ^C typed on the terminal still
#   reaches the job (main forwards it).
# - devpts: at most 64 ptys per sandbox (max=64), for the minimal /dev and for a devpts mount
#   of its own (an OCI bundle).
# - /dev/shm: 64 MiB (size=65536k).
# As root and as an unprivileged user.
. "$(dirname "$0")/lib.sh"

H=$SBX_BUILDDIR/tests/helper
W=$T/work # the job's working directory (${PWD} of the stock profiles)
mkdir -p "$W" && chmod 777 "$W" # as root the job runs as host uid 65534

if [ ! -x "$H/attack" ]; then
  fail helper "$H/attack is not built (ninja)"
  exit 0
fi
if ! (cd "$W" && timeout 30 "$SBX" run -- /bin/true) >"$T/out" 2>"$T/err"; then
  skip all "the sandbox cannot run here: $(head -c 300 "$T/err")"
  exit 0
fi

# sbx NAME WANT_STATUS ARGS...: `sandbox run ARGS` in $W, stdin /dev/null; stdout and stderr in
# $T/out and $T/err. Passes when the exit status is WANT_STATUS.
sbx() {
  name=$1 want=$2
  shift 2
  (cd "$W" && timeout 120 "$SBX" run "$@") >"$T/out" 2>"$T/err" </dev/null
  got=$?
  [ "$got" -eq "$want" ] && return 0
  fail "$name" "exit status $got, expected $want; out: $(head -c 300 "$T/out"); err: $(head -c 300 "$T/err")"
  return 1
}

# ---- /dev/tty: the caller's terminal is a pty that `script` opens ---------------------------
if ! command -v script >/dev/null || ! script --version 2>/dev/null | grep -q util-linux; then
  skip tty "util-linux script is not installed"
else
  # In the terminal: its settings, the job trying /dev/tty (while the caller "types" a password
  # 2 s later, which a job that got the terminal would read), the settings again, then the job
  # with the terminal as stdin trying to make it its controlling terminal. The SBX commands run
  # in $W.
  cat >"$T/in-tty.sh" <<EOF
cd "$W" || exit 1
stty -g
timeout 60 "$SBX" run --bind "$H:/helper" -- /helper/attack tty-read
echo "tty-read-status \$?"
stty -g
timeout 60 "$SBX" run --set process.stdin=inherit --bind "$H:/helper" -- /helper/attack tty-steal
echo "tty-steal-status \$?"
EOF
  (
    sleep 2
    printf 'typed-password\n'
  ) | timeout 90 script -qec "sh $T/in-tty.sh" /dev/null >"$T/tty.out" 2>&1
  tr -d '\r' <"$T/tty.out" >"$T/tty"
  check_grep tty-read-blocked "$T/tty" "attack tty-read: blocked: open /dev/tty: No such device or address (errno 6)"
  check_grep tty-read-status "$T/tty" "tty-read-status 0"
  check_no_grep tty-read-nothing-read "$T/tty" "read 'typed-password'"
  check_no_grep tty-write-nothing-written "$T/tty" "the job wrote this to the caller's terminal"
  # The two `stty -g` lines: the terminal's settings before and after the job.
  settings=$(grep -E '^[0-9a-f]+(:[0-9a-f]+){10,}$' "$T/tty")
  if [ "$(echo "$settings" | wc -l)" -eq 2 ] && [ -n "$settings" ] &&
    [ "$(echo "$settings" | sort -u | wc -l)" -eq 1 ]; then
    pass tty-settings-unchanged
  else
    fail tty-settings-unchanged "stty -g before and after: $(echo "$settings" | tr '\n' ' ')"
  fi
  check_grep tty-steal-blocked "$T/tty" "attack tty-steal: blocked: Operation not permitted (errno 1)"
  check_grep tty-steal-status "$T/tty" "tty-steal-status 0"

  # ^C typed on the terminal: the job, in a session of its own, is no longer in the terminal's
  # foreground process group; main is, and forwards SIGINT to it.
  # The ^C is typed once the job says its trap is set (a fixed delay loses the race on a busy
  # machine: the signal would reach a shell that has no trap yet). `exec`: script runs the
  # command with $SHELL -c, and a shell that waits (dash does, when SHELL is unset) would itself
  # die of the ^C.
  rm -f "$W/int-ready"
  (
    i=0
    while [ ! -e "$W/int-ready" ] && [ $i -lt 300 ]; do
      sleep 0.1
      i=$((i + 1))
    done
    sleep 0.2
    printf '\003'
  ) | (cd "$W" && timeout 60 script -qec "exec timeout 30 $SBX run -- sh -c 'trap \"echo job-got-sigint; exit 7\" INT; touch int-ready; sleep 20 & wait'" /dev/null) >"$T/int.out" 2>&1
  got=$?
  if [ "$got" -eq 7 ] && grep -q job-got-sigint "$T/int.out"; then
    pass tty-ctrl-c-reaches-job
  else
    fail tty-ctrl-c-reaches-job "script exited $got: $(head -c 300 "$T/int.out")"
  fi
fi

# ---- devpts: at most 64 ptys ------------------------------------------------------------------
if sbx ptmx-exhaust 0 --bind "$H:/helper" -- /helper/attack ptmx-exhaust 64; then
  check_grep ptmx-exhaust "$T/out" "attack ptmx-exhaust: blocked: opened 64 ptys, then No space left on device (errno 28)"
fi
# The ptys are the sandbox's own: a second sandbox gets its 64 while the first holds its own.
# (run in $W, the job's working directory, and without a subshell: `kill` below reaches the CLI, which
# forwards SIGTERM to the job)
cd "$W" || exit 1
timeout 60 "$SBX" run -- python3 -c 'import os, time
fds = [os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY) for _ in range(64)]
print("holding", len(fds), flush=True)
time.sleep(30)' >"$T/first.out" 2>&1 </dev/null &
first=$!
cd / || exit 1
i=0
while ! grep -q "holding 64" "$T/first.out" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
if ! grep -q "holding 64" "$T/first.out"; then
  fail ptmx-second-sandbox "the first sandbox did not open 64 ptys: $(head -c 300 "$T/first.out")"
elif sbx ptmx-second-sandbox 0 --bind "$H:/helper" -- /helper/attack ptmx-exhaust 64; then
  check_grep ptmx-second-sandbox "$T/out" "opened 64 ptys, then No space left on device"
fi
kill "$first" 2>/dev/null
wait "$first"

# A devpts of its own (an OCI bundle whose /dev/pts is not the one folded into the minimal /dev:
# gid=5 as in runc's default) gets max=64 too.
if ! command -v python3 >/dev/null; then
  skip ptmx-exhaust-devpts-mount "python3 is needed to edit config.json"
else
  B=$T/bundle
  mkdir -p "$B/rootfs"
  if (cd "$W" && "$SBX" spec default -- /helper/attack ptmx-exhaust 64) >"$T/config.json" 2>"$T/err" &&
    python3 - "$T/config.json" "$B/config.json" "$H" <<'EOF' 2>>"$T/err"; then
import json, sys
c = json.load(open(sys.argv[1]))
pts = [m for m in c["mounts"] if m["destination"] == "/dev/pts"]
assert len(pts) == 1 and pts[0]["type"] == "devpts"
pts[0]["options"].append("gid=5")
c["mounts"].append({"destination": "/helper", "type": "bind", "source": sys.argv[3],
                    "options": ["rbind", "ro", "nosuid", "nodev"]})
json.dump(c, open(sys.argv[2], "w"))
EOF
    if sbx ptmx-exhaust-devpts-mount 0 --bundle "$B"; then
      check_grep ptmx-exhaust-devpts-mount "$T/out" "attack ptmx-exhaust: blocked: opened 64 ptys, then No space left on device (errno 28)"
    fi
  else
    fail ptmx-exhaust-devpts-mount "cannot write the bundle: $(head -c 300 "$T/err")"
  fi
fi

# ---- /dev/shm: 64 MiB ---------------------------------------------------------------------------
if sbx shm-fill 0 --bind "$H:/helper" -- /helper/attack shm-fill 64; then
  check_grep shm-fill "$T/out" "attack shm-fill: blocked: wrote 67108864 bytes, then No space left on device (errno 28)"
fi
if sbx shm-size 0 -- /bin/df -k /dev/shm; then
  check_grep shm-size "$T/out" " 65536 "
fi
