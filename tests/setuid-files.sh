#!/bin/sh
# setuid-files.sh: no job leaves a setuid, setgid or file-capability file in its working
# directory (docs/security.md, "Setuid, setgid and file-capability files"), through the real
# CLI and real tools: chmod u+s and g+s, install -m 4755, cp -p and cp -a of a setuid and a
# setgid binary, tar xp of a setuid member, Python's os.open/os.chmod/os.mknod with the bits,
# openat2 through ctypes (ENOSYS), setcap, setfattr of security.capability and of user.x; under
# compile, judge (whose deny action kills: these still fail with an errno), a policy turned
# off, and a foreign config.json without linux.seccomp run with --bundle. Afterwards no file of
# the working directory has S_ISUID, S_ISGID or an extended attribute. And nothing else breaks:
# gcc, make, cp -a and cp -p of a tree with symlinks, tar cf/xf, chmod 755, chmod -R u+w,
# install -m 755 and install -d work; mkdir -m 2755 fails (a setgid directory is refused too).
# As root and as an unprivileged user (the setuid sources are then the user's own).
. "$(dirname "$0")/lib.sh"

W=$T/work # the job's working directory
S=$T/src  # bound read-only on /src: the setuid sources and the job's scripts
mkdir -p "$W/prog" "$S" && chmod 777 "$W" "$W/prog" # as root the job runs as host uid 65534
if ! (cd "$W" && timeout 30 "$SBX" run -- /bin/true) >"$T/out" 2>"$T/err"; then
  skip all "the sandbox cannot run here: $(head -c 300 "$T/err")"
  exit 0
fi
for tool in python3 gcc make tar setfattr getfattr; do
  if ! command -v $tool >/dev/null; then
    skip all "$tool is missing"
    exit 0
  fi
done
SETCAP=$(command -v setcap || echo /usr/sbin/setcap)

# Made here, outside the sandbox: a setuid and a setgid copy of id (root's as root, else the
# user's own, which is all a user can make), and a tar archive holding the setuid one.
# As root they belong to the job's host uid (65534), so that cp -p gets as far as the mode: the
# job may keep its own uid on the copy.
cp /usr/bin/id "$S/suid-id" && cp /usr/bin/id "$S/sgid-id"
if is_root; then chown 65534:65534 "$S/suid-id" "$S/sgid-id"; fi
chmod 4755 "$S/suid-id" && chmod 2755 "$S/sgid-id"
(cd "$S" && tar cf suid.tar suid-id)
if [ "$(stat -c %a "$S/suid-id")" != 4755 ] || [ "$(stat -c %a "$S/sgid-id")" != 2755 ]; then
  fail setup "could not make the setuid sources: $(stat -c '%a %n' "$S"/*-id)"
  exit 0
fi

cat >"$S/hostile.sh" <<EOF
# Each attempt: its name, its exit status and its stderr on one line.
try() {
  name=\$1
  shift
  "\$@" >/dev/null 2>/tmp/err
  echo "\$name rc=\$? \$(tr '\n' '|' </tmp/err)"
}
touch f && chmod 755 f
try chmod-u+s chmod u+s f
try chmod-g+s chmod g+s f
try chmod-6755 chmod 6755 f
try install-4755 install -m 4755 f inst
try cp-p-setuid cp -p /src/suid-id cp-p-suid
try cp-a-setuid cp -a /src/suid-id cp-a-suid
try cp-p-setgid cp -p /src/sgid-id cp-p-sgid
try tar-xp-setuid tar xpf /src/suid.tar
try python-open python3 -c 'import os; os.open("py-open", os.O_CREAT | os.O_WRONLY, 0o4755)'
try python-chmod python3 -c 'import os; os.chmod("f", 0o2755)'
try python-mknod python3 -c 'import os, stat; os.mknod("py-fifo", stat.S_IFIFO | 0o2644)'
try python-openat2 python3 -c '
import ctypes, errno, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
how = struct.pack("QQQ", os.O_CREAT | os.O_WRONLY, 0o4755, 0)
r = libc.syscall(437, -100, b"py-openat2", how, len(how))
print(errno.errorcode.get(ctypes.get_errno()), file=sys.stderr)
sys.exit(0 if r >= 0 else 1)'
try setcap $SETCAP cap_net_raw+ep f
try setfattr-capability setfattr -n security.capability -v 0sAQAAAgAgAAAAAAAAAAAAAAAAAAA= f
try setfattr-user setfattr -n user.x -v 1 f
echo hostile-done
EOF

# expect NAME WHAT: the attempt NAME of $T/out failed (a non-zero status) with WHAT in its
# stderr.
expect() {
  line=$(grep "^$2 rc=" "$T/out")
  case "$line" in
  "$2 rc=0 "* | "") fail "$1:$2" "not refused: '$line'" ;;
  *"$3"*) pass "$1:$2" ;;
  *) fail "$1:$2" "refused, but without '$3': $line" ;;
  esac
}

# no_privileged_files NAME: nothing in the working directory is setuid or setgid or has an
# extended attribute (security.capability, user.x, ...).
no_privileged_files() {
  found=$(find "$W" -perm /6000)
  if [ -z "$found" ]; then pass "$1:no-setuid-setgid"; else fail "$1:no-setuid-setgid" "$found"; fi
  attrs=$(getfattr -R -d -m - --absolute-names "$W" 2>/dev/null)
  if [ -z "$attrs" ]; then pass "$1:no-xattr"; else fail "$1:no-xattr" "$attrs"; fi
}

# hostile NAME ARGS...: the attempts under `sandbox run ARGS`, each refused with its errno.
hostile() {
  name=$1
  shift
  rm -rf "${W:?}"/* && mkdir -p "$W/prog" && chmod 777 "$W/prog"
  (cd "$W" && timeout 120 "$SBX" run "$@") >"$T/out" 2>"$T/err" </dev/null
  if ! grep -q '^hostile-done$' "$T/out"; then
    fail "$name" "the job did not finish: $(head -c 600 "$T/out") $(head -c 600 "$T/err")"
    return
  fi
  for a in chmod-u+s chmod-g+s chmod-6755 install-4755 cp-p-setuid cp-a-setuid cp-p-setgid \
    tar-xp-setuid; do
    expect "$name" "$a" "Operation not permitted"
  done
  expect "$name" python-open "PermissionError: [Errno 1]"
  expect "$name" python-chmod "PermissionError: [Errno 1]"
  expect "$name" python-mknod "PermissionError: [Errno 1]"
  expect "$name" python-openat2 "ENOSYS"
  # setcap gives up before it writes anything: the job may not raise CAP_SETFCAP.
  expect "$name" setcap "Operation not permitted"
  expect "$name" setfattr-capability "Operation not supported"
  expect "$name" setfattr-user "Operation not supported"
  no_privileged_files "$name"
}

hostile compile -p compile --bind "$S:/src" -- /bin/sh /src/hostile.sh
hostile judge -p judge $CG_RELAX --bind "$S:/src" -- /bin/sh /src/hostile.sh
hostile seccomp-off -p compile --set seccomp.enabled=false --bind "$S:/src" -- /bin/sh /src/hostile.sh

# A foreign config.json without linux.seccomp (our spec, its seccomp section removed, /src
# added): the engine loads its own rules all the same.
B=$T/bundle
mkdir -p "$B/rootfs"
if (cd "$W" && "$SBX" spec compile -- /bin/sh /src/hostile.sh) >"$T/config.json" &&
  python3 - "$T/config.json" "$B/config.json" "$S" <<'EOF'; then
import json, sys
c = json.load(open(sys.argv[1]))
del c["linux"]["seccomp"]
c["annotations"].pop("org.sandbox.seccomp", None)
c["mounts"].append({"destination": "/src", "type": "bind", "source": sys.argv[3],
                    "options": ["rbind", "ro", "nosuid", "nodev"]})
json.dump(c, open(sys.argv[2], "w"), indent=2)
EOF
  hostile bundle-without-seccomp --bundle "$B"
else
  fail bundle-without-seccomp "could not write the bundle's config.json"
fi

# ---- nothing else breaks ----------------------------------------------------------------------
rm -rf "${W:?}"/* && mkdir -p "$W/prog" && chmod 777 "$W/prog"
cat >"$W/prog/main.c" <<'EOF'
#include <stdio.h>
int add(int, int);
int main(void) { printf("sum=%d\n", add(40, 2)); return 0; }
EOF
echo 'int add(int a, int b) { return a + b; }' >"$W/prog/add.c"
printf 'prog: main.o add.o\n\t$(CC) -o $@ main.o add.o\n%%.o: %%.c\n\t$(CC) -O2 -c $<\n' >"$W/prog/Makefile"
cat >"$S/benign.sh" <<'EOF'
set -e
make -s -C prog
./prog/prog
gcc -O2 -o hello prog/main.c prog/add.c
./hello
mkdir -p tree/a/b
echo x >tree/a/b/f
chmod 640 tree/a/b/f
ln -s b/f tree/a/l
chmod 750 tree/a
cp -a tree tree-a
cp -p tree/a/b/f f-p
tar cf t.tar tree
mkdir out
tar xf t.tar -C out
chmod 755 hello
chmod -R u+w tree-a
install -m 755 hello hello-installed
install -d -m 750 idir
echo benign-done
EOF
if (cd "$W" && timeout 120 "$SBX" run -p compile --bind "$S:/src" -- /bin/sh /src/benign.sh) \
  >"$T/out" 2>"$T/err" </dev/null && grep -q '^benign-done$' "$T/out"; then
  pass benign:runs
  check_grep benign:make "$T/out" "sum=42"
  modes=$(cd "$W" && stat -c '%a %n' tree-a/a tree-a/a/b/f f-p out/tree/a out/tree/a/b/f hello \
    hello-installed idir | tr '\n' ' ')
  check_eq benign:modes "$modes" "750 tree-a/a 640 tree-a/a/b/f 640 f-p 750 out/tree/a 640 out/tree/a/b/f 755 hello 755 hello-installed 750 idir "
  check_eq benign:symlink "$(readlink "$W/tree-a/a/l")" "b/f"
  check_eq benign:tar-symlink "$(readlink "$W/out/tree/a/l")" "b/f"
else
  fail benign:runs "$(head -c 600 "$T/out") $(head -c 600 "$T/err")"
fi
# A setgid directory is refused like any setgid mode: seccomp cannot tell a directory from a
# file. mkdir itself makes it, without the bit.
(cd "$W" && timeout 60 "$SBX" run -p compile -- mkdir -m 2755 sgid-dir) >"$T/out" 2>"$T/err"
check_grep mkdir-2755-refused "$T/err" "Operation not permitted"
check_eq mkdir-2755-without-bit "$(stat -c %a "$W/sgid-dir" 2>&1)" 755
no_privileged_files benign
