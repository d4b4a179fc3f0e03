#!/bin/sh
# seccomp.sh [ITERATIONS]: the cost of the job's hardening.
#  1. build/bench/seccomp-bench: seccomp compile vs cached build (memory, disk) vs install, the
#     forbidden-syscall naming path, and the net namespace + loopback set-up (see its header);
#  2. the CLI end to end (`sandbox run -p PROFILE -- /bin/true`, median wall time per run):
#     compile with the disk cache cold (an empty $XDG_CACHE_HOME each run) and warm, and the
#     test profile (network: loopback) against compile (network: none).
# Run from the source tree after ./configure; as root and as a user, the figures differ.
set -eu
cd "$(dirname "$0")/.."
[ -f build/config.ninja ] || ./configure >/dev/null
ninja build/bench/seccomp-bench build/sandbox >/dev/null
n=${1:-200}
export SANDBOX_PROFILE_PATH="$PWD/profiles"
build/bench/seccomp-bench "$n"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sbx-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
runs=$((n / 4))
[ "$runs" -ge 10 ] || runs=10
now_us() { echo $(($(date +%s%N) / 1000)); }
# cli NAME PROFILE CACHE: median microseconds of `sandbox run -p PROFILE -- /bin/true`; CACHE is
# "cold" (a fresh, empty cache directory for every run) or "warm" (one directory, filled first).
cli() {
  name=$1 profile=$2 cache=$3
  export XDG_CACHE_HOME="$tmp/warm"
  (cd "$tmp" && build_sbx run -p "$profile" -- /bin/true)
  i=0
  : >"$tmp/times"
  while [ $i -lt $runs ]; do
    [ "$cache" = cold ] && XDG_CACHE_HOME="$tmp/cold-$i"
    t0=$(now_us)
    (cd "$tmp" && build_sbx run -p "$profile" $relax -- /bin/true)
    echo $(($(now_us) - t0)) >>"$tmp/times"
    i=$((i + 1))
  done
  med=$(sort -n "$tmp/times" | sed -n "$((runs / 2 + 1))p")
  p90=$(sort -n "$tmp/times" | sed -n "$((runs * 9 / 10 + 1))p")
  printf '%-12s %-12s median %9d us   p90 %9d us   (n=%d, the whole sandbox run)\n' cli "$name" "$med" "$p90" "$runs"
}
sbx_bin=$PWD/build/sandbox
# judge requires a cgroup, which an unprivileged user has only when delegated one.
relax=
[ "$(id -u)" = 0 ] || relax="--set cgroup=optional"
build_sbx() { "$sbx_bin" "$@"; }
cli compile-cold compile cold
cli compile-warm compile warm
cli test-warm test warm
cli judge-warm judge warm
