# mount-race.sh: a hostile job cannot lead another run's init out of the new root by swapping a
# component of a bind target (the class of runc's CVE-2021-30465). Two runs share a writable
# working directory, bound on /work in both. The hostile job (probe swap) keeps exchanging
# /work/x between an empty directory and a symlink that climbs out of the new root to a host
# directory outside every bind ($victim); meanwhile the other run is started $N times with a
# read-only bind on /work/x/sub/mnt, whose mount points init must create. Afterwards nothing
# may have been created in $victim and no mount may be left on the host. Each victim run
# either succeeds or is refused naming its target (the swap makes the path lead outside, or
# removes what init made); nothing else.
#
# SBX_RACE_RUNS sets N (500 by default). SBX_RACE_CLI runs both sides with another build's CLI
# (the probe stays this build's): how the test was seen to find the escape in the code before
# the fd-based mounts (mounts-at.c).
. "$(dirname "$0")/lib.sh"

P=$SBX_BUILDDIR/tests/helper/probe
SBX=${SBX_RACE_CLI:-$SBX}
N=${SBX_RACE_RUNS:-500}
if [ ! -x "$SBX" ] || [ ! -x "$P" ]; then
  fail build "$SBX or $P is missing: run ninja"
  exit 1
fi
if [ ! -d /usr/share/doc ]; then
  skip swap_race "no /usr/share/doc to bind"
  exit 0
fi

host_mounts() { awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo | sort; }
host_mounts >"$T/mounts-before"

mkdir -p "$T/bin" "$T/work"
cp "$P" "$T/bin/probe"
chmod 755 "$T/bin" "$T/bin/probe"
W=$T/work
victim=$(mktemp -d "${TMPDIR:-/tmp}/sbx-victim.XXXXXX") || exit 1
on_exit "rm -rf '$victim'"
# Writable by the runs' host id (65534 as root, the caller rootless), so that only the
# resolution stands between init and the victim directory.
if is_root; then chown 65534:65534 "$W" "$victim"; fi
chmod 755 "$victim"

# Both runs: the shared directory on /work (a fixed target), the probe on /probe. $limit: the
# timeout in seconds.
limit=60
run() {
  timeout $limit "$SBX" run --set "filesystem.workdir.source=$W" --set filesystem.workdir.target=/work \
    --bind "$T/bin:/probe:ro" "$@"
}

# The symlink climbs from /work to init's own root (".." stops there), then into the host's
# root, which init sees on /oldroot while it builds the new one.
link="../../../../../../../../oldroot$victim"
limit=330 run -- /probe/probe swap /work "$link" /work/ready /work/stop 300 >"$T/hostile" 2>&1 &
hostile=$!
on_exit "touch '$W/stop'; kill $hostile 2>/dev/null; wait $hostile 2>/dev/null"
i=0
while [ ! -e "$W/ready" ] && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
if [ ! -e "$W/ready" ]; then
  fail hostile_started "the swapping job did not start: $(head -c 600 "$T/hostile")"
  exit 0
fi

ok=0 refused=0 other=0 escapes=0 first_other= first_escape=
i=0
while [ $i -lt "$N" ]; do
  run --bind /usr/share/doc:/work/x/sub/mnt:ro -- /bin/true >/dev/null 2>"$T/victim-err"
  rc=$?
  if [ -n "$(ls -A "$victim")" ]; then
    escapes=$((escapes + 1))
    [ -n "$first_escape" ] || first_escape="run $i: $(cd "$victim" && find . | tr '\n' ' ')"
    # Emptied, so that each run's escape is counted on its own.
    find "$victim" -mindepth 1 -delete
  fi
  if [ $rc -eq 0 ]; then
    ok=$((ok + 1))
  elif [ $rc -eq 125 ] && grep -q "/work/x/sub/mnt" "$T/victim-err"; then
    refused=$((refused + 1))
  else
    other=$((other + 1))
    [ -n "$first_other" ] || first_other="run $i: status $rc: $(head -c 300 "$T/victim-err")"
  fi
  i=$((i + 1))
done
touch "$W/stop"
wait $hostile
hostile_rc=$?

swaps=$(sed -n 's/^swaps=//p' "$T/hostile")
if [ $hostile_rc -eq 0 ] && [ "${swaps:-0}" -gt 0 ]; then pass hostile_swapped; else
  fail hostile_swapped "status $hostile_rc: $(head -c 600 "$T/hostile")"
fi
echo "# $N victim runs: $ok ran, $refused refused under the swap, $other otherwise;" \
  "$escapes wrote outside; ${swaps:-0} swaps"
if [ $escapes -eq 0 ]; then pass nothing_outside; else
  fail nothing_outside "$escapes of $N runs created something in $victim, first: $first_escape"
fi
if [ $other -eq 0 ]; then pass victims_ran_or_refused; else
  fail victims_ran_or_refused "$other of $N runs failed otherwise, first: $first_other"
fi
host_mounts >"$T/mounts-after"
if cmp -s "$T/mounts-before" "$T/mounts-after" && ! grep -qF "$victim" /proc/self/mountinfo; then
  pass no_host_mount
else
  fail no_host_mount "$(diff "$T/mounts-before" "$T/mounts-after" | head -c 600)"
fi
