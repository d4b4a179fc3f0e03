#!/bin/sh
# attacks.sh: issue 5 end to end, through the real CLI and the stock profiles. The static
# attack helper (build/tests/helper/attack) is bind-mounted read-only on /helper and tries one
# attack per run; each denied group must fail with the profile's action (an errno under compile
# and test, a kill that the report names under judge and under --set seccomp.deny_action=kill);
# int 0x80 and x32 are killed and named; TIOCSTI on a pty fails; capabilities are zero,
# NoNewPrivs 1, Seccomp 2; a setuid-root binary gains nothing; gcc, make, python3, sh and a
# clone3 caller work; the loopback network is the job's own; the on-disk seccomp cache is used
# and distrusted. As root and as an unprivileged user (what cannot work rootless SKIPs).
. "$(dirname "$0")/lib.sh"

H=$SBX_BUILDDIR/tests/helper
# The host-side helpers (pty, the server on the host's loopback) need a python3 any user can run.
PY=/usr/bin/python3
export XDG_CACHE_HOME="$T/cache"
W=$T/work # the job's working directory (${PWD} of the stock profiles; /work under judge)
mkdir -p "$W" && chmod 777 "$W" # as root the job runs as host uid 65534
host_server_pid=
on_exit '[ -n "$host_server_pid" ] && kill "$host_server_pid" 2>/dev/null'

if [ ! -x "$H/attack" ]; then
  fail helper "$H/attack is not built (ninja)"
  exit 0
fi
if ! (cd "$W" && timeout 30 "$SBX" run -- /bin/true) >"$T/out" 2>"$T/err"; then
  skip all "the sandbox cannot run here: $(head -c 300 "$T/err")"
  exit 0
fi

# sbx NAME WANT_STATUS ARGS...: `sandbox run --report $T/report.json ARGS` in $W; stdout and
# stderr in $T/out and $T/err. Passes when the exit status is WANT_STATUS.
sbx() {
  name=$1 want=$2
  shift 2
  rm -f "$T/report.json"
  (cd "$W" && timeout 120 "$SBX" run $CG_RELAX --report "$T/report.json" "$@") >"$T/out" 2>"$T/err" </dev/null
  got=$?
  if [ "$got" -eq "$want" ]; then
    return 0
  fi
  fail "$name" "exit status $got, expected $want; out: $(head -c 300 "$T/out"); err: $(head -c 300 "$T/err")"
  return 1
}

# report KEY: a field of $T/report.json.
report() {
  "$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' \
    "$T/report.json" "$1" 2>/dev/null
}

# The kernel runs int 0x80 only with IA32 emulation (it may be compiled out or turned off).
"$H/attack" int80 >/dev/null 2>&1
[ $? -eq 1 ] && has_int80=1 || has_int80=0

# attack  group  errno under errno profiles  syscall a kill report names
attacks='int80 abi kill getpid+(x86)
x32 abi kill getpid+(x32)
socket-packet socket 97 socket
socket-raw socket 1 socket
socket-raw6 socket 1 socket
socket-inet-packet socket 1 socket
socket-netlink socket 93 socket
socket-netlink-highbits socket 93 socket
socket-vsock socket 97 socket
socket-vsock-highbits socket 97 socket
socket-alg socket 97 socket
socket-key socket 97 socket
clone-newuser clone 1 clone
clone-newns clone 1 clone
clone-newpid clone 1 clone
clone-newnet clone 1 clone
clone-newuts clone 1 clone
clone-newipc clone 1 clone
clone-newcgroup clone 1 clone
clone3 clone3 38 -
unshare @namespaces 1 unshare
setns @namespaces 1 setns
mount @mount 1 mount
umount @mount 1 umount2
pivot_root @mount 1 pivot_root
chroot @mount 1 chroot
fsopen @mount 1 fsopen
init_module @module 1 finit_module
delete_module @module 1 delete_module
kexec @kexec 1 kexec_load
bpf @bpf 1 bpf
perf_event_open @perf 1 perf_event_open
keyctl @keyring 1 keyctl
add_key @keyring 1 add_key
request_key @keyring 1 request_key
ptrace @debug 1 ptrace
process_vm_readv @debug 1 process_vm_readv
clock_settime @clock 1 clock_settime
settimeofday @clock 1 settimeofday
swapon @swap 1 swapon
reboot @reboot 1 reboot
iopl @raw-io 1 iopl
ioperm @raw-io 1 ioperm
userfaultfd @userfaultfd 1 userfaultfd
open_by_handle_at @file-handles 1 open_by_handle_at
name_to_handle_at @file-handles 1 name_to_handle_at
acct @admin 1 acct
syslog @admin 1 syslog
quotactl @admin 1 quotactl
lookup_dcookie @admin 1 lookup_dcookie
io_uring @io-uring 1 io_uring_setup
uselib @obsolete 1 uselib'

# check_attack PROFILE MODE ATTACK GROUP ERRNO SYSCALL [--set ...]: MODE errno: the helper
# must report the call blocked with ERRNO; MODE kill: the job must end as forbidden_syscall
# naming SYSCALL. An errno of "kill" (the foreign ABIs) is a kill in every mode, and an
# explicit errno rule (clone3's ENOSYS) stays an errno in every mode.
check_attack() {
  profile=$1 mode=$2 a=$3 group=$4 want_errno=$5 want_sc=$(echo "$6" | tr + ' ')
  shift 6
  name="$profile:$mode:$group:$a"
  if [ "$group" = abi ] && [ "$a" = int80 ] && [ "$has_int80" = 0 ]; then
    skip "$name" "this kernel has no IA32 emulation (int 0x80 faults before seccomp)"
    return
  fi
  [ "$want_errno" = kill ] && mode=kill
  [ "$want_sc" = - ] && mode=errno
  if [ "$mode" = errno ]; then
    sbx "$name" 0 -p "$profile" "$@" --bind "$H:/helper" -- /helper/attack "$a" || return
    if grep -q "blocked: .*(errno $want_errno)\$" "$T/out"; then
      pass "$name"
    else
      fail "$name" "expected errno $want_errno: $(cat "$T/out")"
    fi
  else
    sbx "$name" 159 -p "$profile" "$@" --bind "$H:/helper" -- /helper/attack "$a" || return
    st=$(report status) sc=$(report syscall)
    if [ "$st" = forbidden_syscall ] && [ "$sc" = "$want_sc" ]; then
      pass "$name"
    else
      fail "$name" "report: status '$st', syscall '$sc'; expected forbidden_syscall, '$want_sc'"
    fi
  fi
}

# ---- one test per denied group, under each stock profile --------------------------------------
echo "$attacks" | while read -r a group errno sc; do
  check_attack compile errno "$a" "$group" "$errno" "$sc"
  check_attack test errno "$a" "$group" "$errno" "$sc"
  check_attack judge kill "$a" "$group" "$errno" "$sc"
  check_attack compile kill "$a" "$group" "$errno" "$sc" --set seccomp.deny_action=kill
  check_attack test kill "$a" "$group" "$errno" "$sc" --set seccomp.deny_action=kill_process
done

# ---- TIOCSTI and TIOCLINUX on a pty: the job's stdin is the slave of a pty opened here ------
cat >"$T/pty.py" <<'EOF'
import os, subprocess, sys
master, slave = os.openpty()
p = subprocess.run(sys.argv[1:], stdin=slave)
os.close(slave)
os.close(master)
sys.exit(p.returncode)
EOF
for p in compile test judge; do
  for a in tiocsti tiocsti-highbits tioclinux; do
    name=$p:ioctl:$a
    rm -f "$T/report.json"
    (cd "$W" && timeout 60 "$PY" "$T/pty.py" "$SBX" run $CG_RELAX --report "$T/report.json" -p "$p" \
      --set process.stdin=inherit --bind "$H:/helper" -- /helper/attack "$a") >"$T/out" 2>"$T/err"
    got=$?
    if [ $p = judge ]; then
      if [ $got -eq 159 ] && [ "$(report status)" = forbidden_syscall ] && [ "$(report syscall)" = ioctl ]; then
        pass "$name"
      else
        fail "$name" "exit $got, report $(report status) $(report syscall): $(cat "$T/out" "$T/err")"
      fi
    elif [ $got -eq 0 ] && grep -q "blocked: .*(errno 1)\$" "$T/out"; then
      pass "$name"
    else
      fail "$name" "exit $got: $(cat "$T/out" "$T/err")"
    fi
  done
done

# ---- capabilities, no_new_privs, seccomp as the job sees them --------------------------------
for p in default compile test judge; do
  if sbx "$p:proc-status" 0 -p "$p" -- /bin/cat /proc/self/status; then
    bad=
    for f in CapInh CapPrm CapEff CapBnd CapAmb; do
      grep -q "^$f:[[:space:]]*0000000000000000\$" "$T/out" || bad="$bad $f"
    done
    grep -q "^NoNewPrivs:[[:space:]]*1\$" "$T/out" || bad="$bad NoNewPrivs"
    grep -q "^Seccomp:[[:space:]]*2\$" "$T/out" || bad="$bad Seccomp"
    if [ -z "$bad" ]; then pass "$p:proc-status"; else fail "$p:proc-status" "wrong:$bad: $(grep -E '^(Cap|NoNew|Seccomp)' "$T/out")"; fi
  fi
done

# ---- a setuid-root binary in a bind-mounted directory gains nothing -------------------------
if is_root; then
  # Owned by the host's root: not even mapped in the job's user namespace.
  mkdir -p "$T/suid" && cp /usr/bin/id "$T/suid/id" && chown 0:0 "$T/suid/id" && chmod 4755 "$T/suid/id"
  if sbx setuid-host-root 0 -p compile --set process.user.uid=1000 --set process.user.gid=1000 \
    --bind "$H:/helper" --bind "$T/suid:/suid" -- /helper/attack setuid /suid/id; then
    check_grep setuid-host-root "$T/out" "blocked: its effective uid is 1000, ours is 1000"
  fi
  # Owned by the root of the job's user namespace (host 100000 with 65536 ids mapped): without
  # no_new_privs, exec would make the job uid 0 there.
  mkdir -p "$T/suid2" && cp /usr/bin/id "$T/suid2/id" && chown 100000:100000 "$T/suid2/id" &&
    chmod 4755 "$T/suid2/id"
  if sbx setuid-namespace-root 0 -p compile --set id_mapping.count=65536 \
    --set process.user.uid=1000 --set process.user.gid=1000 \
    --bind "$H:/helper" --bind "$T/suid2:/suid" -- /helper/attack setuid /suid/id; then
    check_grep setuid-namespace-root "$T/out" "blocked: its effective uid is 1000, ours is 1000"
  fi
else
  skip setuid-host-root "making a setuid-root binary needs root"
  skip setuid-namespace-root "mapping 65536 ids and chown to them needs root"
fi

# ---- real tools under compile and test -------------------------------------------------------
mkdir -p "$W/prog"
cat >"$W/prog/main.c" <<'EOF'
#include <stdio.h>
int add(int, int);
int main(void) { printf("sum=%d\n", add(40, 2)); return 0; }
EOF
cat >"$W/prog/add.c" <<'EOF'
int add(int a, int b) { return a + b; }
EOF
printf 'prog: main.o add.o\n\t$(CC) -o $@ main.o add.o\n%%.o: %%.c\n\t$(CC) -O2 -c $<\n' >"$W/prog/Makefile"
# clone3 is answered with ENOSYS; threads (glibc >= 2.34 creates them with clone3), fork and
# posix_spawn must fall back to clone.
cat >"$W/prog/clone3.c" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
static void *thread(void *p) { return p; }
int main(void) {
  struct clone_args ca;
  memset(&ca, 0, sizeof ca);
  ca.exit_signal = SIGCHLD;
  long rc = syscall(SYS_clone3, &ca, sizeof ca);
  if (rc == 0) _exit(0);
  if (rc > 0 || errno != ENOSYS) { printf("clone3: rc %ld errno %d\n", rc, errno); return 1; }
  pthread_t t;
  void *r = NULL;
  if (pthread_create(&t, NULL, thread, (void *)42) || pthread_join(t, &r) || r != (void *)42) {
    printf("threads fail\n"); return 2;
  }
  pid_t pid = fork();
  if (pid == 0) _exit(7);
  int st;
  if (pid < 0 || waitpid(pid, &st, 0) != pid || WEXITSTATUS(st) != 7) { printf("fork\n"); return 3; }
  char *argv[] = {"/bin/true", NULL};
  if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) || waitpid(pid, &st, 0) != pid ||
      st != 0) { printf("posix_spawn\n"); return 4; }
  printf("clone3 falls back\n");
  return 0;
}
EOF
cat >"$W/prog/script.sh" <<'EOF'
set -e
n=0
for i in 1 2 3; do n=$((n + i)); done
echo "$n" | grep -q 6
x=$(echo sub | tr a-z A-Z)
[ "$x" = SUB ]
(sleep 0.01 &) ; wait
echo script-ok
EOF
chmod -R a+rwX "$W/prog"
for p in compile test; do
  rm -f "$W/prog"/*.o "$W/prog/prog" "$W/prog/clone3"
  if sbx "$p:make" 0 -p "$p" --cwd "$W/prog" -- make -s CC=gcc; then
    if sbx "$p:make-runs" 0 -p "$p" -- "$W/prog/prog"; then check_grep "$p:make-output" "$T/out" "sum=42"; fi
  fi
  if sbx "$p:gcc-clone3" 0 -p "$p" --cwd "$W/prog" -- gcc -O2 -pthread -o clone3 clone3.c; then
    if sbx "$p:clone3-falls-back" 0 -p "$p" -- "$W/prog/clone3"; then
      check_grep "$p:clone3-output" "$T/out" "clone3 falls back"
    fi
  fi
  if sbx "$p:python3" 0 -p "$p" -- python3 -c 'import os, subprocess, threading, json
t = threading.Thread(target=lambda: None); t.start(); t.join()
print(json.dumps({"ok": subprocess.run(["/bin/echo", "x"], capture_output=True).stdout.decode().strip()}))'; then
    check_grep "$p:python3-output" "$T/out" '{"ok": "x"}'
  fi
  if sbx "$p:sh-script" 0 -p "$p" -- sh "$W/prog/script.sh"; then check_grep "$p:sh-output" "$T/out" script-ok; fi
done

# ---- the network -----------------------------------------------------------------------------
# A server on the host's 127.0.0.1, on a free port it picks; killed at exit (on_exit above).
"$PY" -c 'import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); __import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept(); c.sendall(b"host"); c.close()' "$T/host-port" &
host_server_pid=$!
i=0
while [ ! -s "$T/host-port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
host_port=$(cat "$T/host-port" 2>/dev/null)

cat >"$W/net.py" <<'EOF'
import socket, sys, threading
what = sys.argv[1]
if what == "own":
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
    port = s.getsockname()[1]
    def serve():
        c, _ = s.accept(); c.sendall(c.recv(16).upper()); c.close()
    threading.Thread(target=serve).start()
    c = socket.create_connection(("127.0.0.1", port), timeout=5); c.sendall(b"ping")
    print("own:", c.recv(16).decode())
elif what == "host":
    try:
        c = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=5)
        print("host: CONNECTED", c.recv(16))
    except OSError as e:
        print("host: refused", e.errno)
elif what == "ifaces":
    print("ifaces:", sorted(n for _, n in socket.if_nameindex()))
elif what == "none":
    try:
        s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
        c = socket.create_connection(("127.0.0.1", s.getsockname()[1]), timeout=5)
        print("none: CONNECTED")
    except OSError as e:
        print("none: failed", e.errno)
EOF
chmod 644 "$W/net.py"
if sbx test:loopback-own-server 0 -p test -- python3 net.py own; then
  check_grep test:loopback-own-server "$T/out" "own: PING"
fi
if [ -z "$host_port" ]; then
  fail test:loopback-host-server "the server on the host's 127.0.0.1 did not start"
else
  # The host's server answers the host (so that the refusal inside means something).
  if "$PY" -c 'import socket,sys; print(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).recv(16))' "$host_port" | grep -q host; then
    pass test:host-server-reachable-from-host
  else
    fail test:host-server-reachable-from-host "cannot reach our own server on port $host_port"
  fi
  if sbx test:loopback-host-server 0 -p test -- python3 net.py host "$host_port"; then
    check_grep test:loopback-host-server-refused "$T/out" "host: refused 111"
  fi
fi
if sbx test:getifaddrs 0 -p test -- python3 net.py ifaces; then
  check_grep test:getifaddrs-only-lo "$T/out" "ifaces: ['lo']"
fi
if [ -x /usr/sbin/ip ] || [ -x /sbin/ip ]; then
  # iproute2 over NETLINK_ROUTE (allowed): lo has 127.0.0.1 and nothing else exists.
  if sbx test:ip-addr 0 -p test -- ip -o addr; then
    if grep -q "lo[[:space:]]*inet 127.0.0.1/8" "$T/out" && ! grep -v "^[0-9]*: lo " "$T/out" | grep -q .; then
      pass test:ip-addr-only-lo
    else
      fail test:ip-addr-only-lo "$(cat "$T/out")"
    fi
  fi
else
  skip test:ip-addr "no ip command"
fi
for p in default compile judge; do
  if sbx "$p:network-none" 0 -p "$p" -- python3 net.py none; then
    check_grep "$p:network-none-no-loopback" "$T/out" "none: failed"
  fi
done

# ---- the on-disk seccomp cache ---------------------------------------------------------------
export XDG_CACHE_HOME="$T/cache2"
if ! is_root; then
  # An unprivileged caller's job runs as the caller's uid, which owns the cache: it could rewrite
  # a cached filter (a poisoned entry would switch off seccomp for later runs), so the disk cache
  # is not used at all.
  if sbx cache-unprivileged-unused 0 -v -- /bin/true; then
    check_grep cache-unprivileged-explained "$T/err" "not cached on disk, since the job runs as uid $(id -u)"
    if ls "$XDG_CACHE_HOME/sandbox/seccomp/"*.bpf >/dev/null 2>&1; then
      fail cache-unprivileged-nothing-written "$(ls -la "$XDG_CACHE_HOME/sandbox/seccomp/")"
    else
      pass cache-unprivileged-nothing-written
    fi
  fi
else
cdir=$XDG_CACHE_HOME/sandbox/seccomp
# cache_run NAME EXPECTED-LOG: a verbose run of /bin/true; the log names where the filter came from.
cache_run() {
  if sbx "$1" 0 -v -- /bin/true; then check_grep "$1" "$T/err" "seccomp filter: $2"; fi
}
cache_run cache-first-run compiled
check_eq cache-dir-mode "$(stat -c %a "$cdir" 2>/dev/null)" 700
entry=$(ls "$cdir"/*.bpf 2>/dev/null | head -n 1)
if [ -n "$entry" ] && [ "$(stat -c %a "$entry")" = 600 ]; then pass cache-entry-written; else fail cache-entry-written "no 0600 entry in $cdir: $(ls -la "$cdir" 2>&1)"; fi
cache_run cache-second-run "loaded from the disk cache"
if [ -n "$entry" ]; then
  cp "$entry" "$T/good.bpf"
  # Corrupted: ignored, compiled, rewritten.
  head -c 100 /dev/urandom >"$entry"
  cache_run cache-corrupt-ignored compiled
  cache_run cache-corrupt-rewritten "loaded from the disk cache"
  # Truncated (a header that promises more).
  head -c 40 "$T/good.bpf" >"$entry"
  cache_run cache-truncated-ignored compiled
  # A symlink (to a good entry): not followed, replaced by a file.
  rm -f "$entry" && cp "$T/good.bpf" "$T/elsewhere.bpf" && ln -s "$T/elsewhere.bpf" "$entry"
  cache_run cache-symlink-ignored compiled
  if [ -f "$entry" ] && [ ! -L "$entry" ]; then pass cache-symlink-replaced; else fail cache-symlink-replaced "$(ls -la "$entry")"; fi
  # Writable by others: ignored.
  chmod 666 "$entry"
  cache_run cache-world-writable-ignored compiled
  check_eq cache-world-writable-rewritten "$(stat -c %a "$entry")" 600
  # The entry of another policy under this name (a hash collision): the policy is compared.
  (cd "$W" && XDG_CACHE_HOME="$T/cache3" "$SBX" run -p judge $CG_RELAX -- /bin/true) >/dev/null 2>&1
  other=$(ls "$T/cache3/sandbox/seccomp/"*.bpf 2>/dev/null | head -n 1)
  if [ -n "$other" ]; then
    cp "$other" "$entry"
    cache_run cache-foreign-policy-ignored compiled
  else
    fail cache-foreign-policy-ignored "the judge run wrote no cache entry"
  fi
  if is_root; then
    chown 12345 "$entry"
    cache_run cache-foreign-owner-ignored compiled
    check_eq cache-foreign-owner-rewritten "$(stat -c %u "$entry")" 0
  else
    skip cache-foreign-owner-ignored "giving a file to another user needs root"
  fi
fi
# A cache directory others may write to is not used at all; the job still runs.
chmod 777 "$cdir"
cache_run cache-open-dir-unused compiled
check_grep cache-open-dir-explained "$T/err" "must be owned by uid $(id -u) with mode 0700"
cache_run cache-open-dir-still-unused compiled
chmod 700 "$cdir"
# An existing $XDG_CACHE_HOME of another user (sudo -E keeps the user's): nothing is created in it.
if is_root; then
  mkdir -p "$T/other-home" && chown 12345:12345 "$T/other-home"
  export XDG_CACHE_HOME="$T/other-home"
  cache_run cache-foreign-home-unused compiled
  check_eq cache-foreign-home-untouched "$(ls -A "$T/other-home")" ""
else
  skip cache-foreign-home-unused "giving a directory to another user needs root"
fi
fi
