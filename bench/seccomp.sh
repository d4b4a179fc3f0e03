#!/bin/sh
# seccomp.sh [ITERATIONS]: builds and runs bench/seccomp-bench, the cost of the job's hardening:
# seccomp compile vs cached build (memory, disk) vs install, and the net namespace + loopback
# set-up. Run from the source tree after ./configure; as root and as a user, the figures differ.
set -eu
cd "$(dirname "$0")/.."
[ -f build/config.ninja ] || ./configure >/dev/null
ninja build/bench/seccomp-bench >/dev/null
exec build/bench/seccomp-bench "${1:-200}"
