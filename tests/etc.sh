# etc.sh: the generated /etc of a fresh root (sandbox/etc.c) through the CLI: the tools that read
# it (whoami, id, getent, Python's getpass and getaddrinfo, git's identity) say inside what they
# say outside; the CA certificates under `test` and not under `default`; a bind on /etc or on
# one of its files wins; `filesystem.etc: none` and a bundle's rootfs get nothing generated;
# the host's resolv.conf only with network host; the job cannot change the files. Runs as root
# and as an unprivileged user.
. "$(dirname "$0")/lib.sh"

P=$SBX_BUILDDIR/tests/helper/probe
if [ ! -x "$SBX" ] || [ ! -x "$P" ]; then
  fail build "$SBX or $P is missing: run ninja"
  exit 1
fi
if ! is_root && ! timeout 10 unshare -U true 2>/dev/null; then
  skip all "user namespaces are not available to this user here"
  exit 0
fi

W=$T/work
mkdir -p "$W"
# As root the job's ids map to 65534, which must be able to write the work directory.
if is_root; then chown 65534:65534 "$W"; fi
cd "$W" || exit 1

# sbx ARGS...: `sandbox run ARGS...` under a timeout; stdout in $T/out, stderr in $T/err.
sbx() { timeout 60 "$SBX" run "$@" >"$T/out" 2>"$T/err"; }

# inside NAME WANT PROFILE COMMAND...: the job's stdout is WANT (and its status 0).
inside() {
  name=$1 want=$2 profile=$3
  shift 3
  if sbx -p "$profile" -- "$@"; then
    check_eq "$name" "$(cat "$T/out")" "$want"
  else
    fail "$name" "exit status $?; stderr: $(head -c 600 "$T/err")"
  fi
}

me=$(id -un)
mygroup=$(id -gn)

# ---- who the job is ----------------------------------------------------------------------------
inside whoami "$me" test whoami
inside id-un "$me" test id -un
inside id-gn "$mygroup" test id -gn
# The job's own entry: the caller's name, the job's ids, the profile's HOME.
inside getent-passwd "$me:x:0:0::/tmp:/bin/sh" test sh -c 'getent passwd "$(id -u)"'
inside getent-group "$mygroup:x:0:" test sh -c 'getent group "$(id -g)"'
# No uid and no name twice.
if sbx -p test -- cat /etc/passwd; then
  dup_ids=$(cut -d: -f3 "$T/out" | sort | uniq -d)
  dup_names=$(cut -d: -f1 "$T/out" | sort | uniq -d)
  check_eq passwd-unique "$dup_ids$dup_names" ""
  if [ "$me" = nobody ]; then
    # Rootless as nobody: uid 0 is nobody, so 65534 has no name of its own.
    check_eq passwd-entries "$(cut -d: -f1,3 "$T/out" | tr '\n' ' ')" "nobody:0 "
  else
    check_grep passwd-overflow-is-nobody "$T/out" "nobody:x:65534:65534:"
  fi
else
  fail passwd-unique "cat /etc/passwd failed: $(head -c 600 "$T/err")"
fi

if [ -x /usr/bin/python3 ]; then
  inside python-getpass "$me" test /usr/bin/python3 -c 'import getpass; print(getpass.getuser())'
  inside python-pwd "$me" test /usr/bin/python3 -c 'import os, pwd; print(pwd.getpwuid(os.getuid()).pw_name)'
else
  skip python-getpass "/usr/bin/python3 is not installed"
fi

# ---- names and addresses -----------------------------------------------------------------------
if sbx -p test -- getent hosts localhost; then
  check_grep getent-hosts-localhost "$T/out" "localhost"
else
  fail getent-hosts-localhost "exit status $?; stderr: $(head -c 600 "$T/err")"
fi
# Both addresses (host.conf's "multi on": every line for the name, not the first one only).
inside getent-ahosts-localhost "127.0.0.1 ::1 " test sh -c \
  'getent ahosts localhost | grep STREAM | cut -d" " -f1 | LC_ALL=C sort | tr "\n" " "'
inside getent-hosts-self "127.0.1.1       sandbox.localdomain sandbox" test getent hosts sandbox
inside hostname-file "sandbox" test cat /etc/hostname
if [ -x /usr/bin/python3 ]; then
  inside python-getaddrinfo "['127.0.0.1', '::1']" test /usr/bin/python3 -c \
    'import socket; print(sorted({a[4][0] for a in socket.getaddrinfo("localhost", 80)}))'
  # The canonical name with a dot, from which git makes its email.
  inside python-fqdn "sandbox.localdomain" test /usr/bin/python3 -c 'import socket; print(socket.getfqdn())'
fi
# An unknown name fails at once (files only, no DNS without a network to ask).
check_status unknown-name-fails 2 timeout 20 "$SBX" run -p test -- getent hosts example.com
inside loopback-no-resolv-conf "absent" test sh -c 'test -e /etc/resolv.conf && echo present || echo absent'
inside nsswitch-files-only "hosts:     files" test grep '^hosts:' /etc/nsswitch.conf

# ---- git finds an identity ---------------------------------------------------------------------
if [ -x /usr/bin/git ]; then
  inside git-commit "$me@sandbox.localdomain" test sh -c \
    'git init -q repo && cd repo && git -c user.name=x commit -q --allow-empty -m m && git log -1 --format=%ae'
else
  skip git-commit "/usr/bin/git is not installed"
fi

# ---- the CA certificates -----------------------------------------------------------------------
if [ -d /etc/ssl/certs ] && [ -n "$(ls /etc/ssl/certs)" ]; then
  inside certs-under-test "$(ls /etc/ssl/certs | wc -l)" test sh -c 'ls /etc/ssl/certs | wc -l'
  if [ -x /usr/bin/python3 ]; then
    if sbx -p test -- /usr/bin/python3 -c \
      'import ssl; n = ssl.create_default_context().cert_store_stats()["x509_ca"]; print(n); assert n > 0'; then
      pass certs-python-ssl
    else
      fail certs-python-ssl "$(cat "$T/out") $(head -c 600 "$T/err")"
    fi
  fi
  # Read-only.
  check_status certs-read-only 1 timeout 60 "$SBX" run -p test -- sh -c 'touch /etc/ssl/certs/x 2>/dev/null'
else
  skip certs-under-test "the host has no /etc/ssl/certs (install ca-certificates)"
fi
inside certs-not-under-default "absent" default sh -c 'test -e /etc/ssl/certs && echo present || echo absent'

# ---- the job cannot change them ----------------------------------------------------------------
check_status passwd-not-writable 1 timeout 60 "$SBX" run -p test -- sh -c 'echo "x::0:0::/:/bin/sh" | tee -a /etc/passwd'
check_grep passwd-read-only-error "$T/err" "Read-only file system"
check_status etc-no-new-file 1 timeout 60 "$SBX" run -p test -- touch /etc/new
check_status etc-no-chmod 1 timeout 60 "$SBX" run -p test -- chmod 666 /etc/passwd
check_status etc-no-rename 1 timeout 60 "$SBX" run -p test -- mv /etc/hosts /etc/hosts.old

# ---- a bind wins -------------------------------------------------------------------------------
printf '10.1.2.3\tspecial\n' >"$T/hosts"
chmod 644 "$T/hosts"
# --bind: the bound file is the only hosts file (sandbox is not in it).
sbx -p test --bind "$T/hosts:/etc/hosts" -- sh -c 'getent hosts special; getent hosts sandbox; cat /etc/hosts'
check_eq bind-hosts-cli "$(cat "$T/out")" "$(printf '10.1.2.3        special\n10.1.2.3\tspecial')"
cat >"$T/hosts.yaml" <<EOF
extends: test
filesystem:
  binds+:
    - {source: $T/hosts, target: /etc/hosts}
EOF
inside bind-hosts-profile "$(printf '10.1.2.3\tspecial')" "$T/hosts.yaml" cat /etc/hosts
# The other generated files stay.
inside bind-hosts-others-stay "$me" "$T/hosts.yaml" whoami
# A bind of a whole directory on /etc: only what it holds.
mkdir -p "$T/myetc"
printf 'custom:x:0:0::/:/bin/sh\n' >"$T/myetc/passwd"
chmod 755 "$T/myetc"
chmod 644 "$T/myetc/passwd"
# (A profile of its own: the default binds under /etc could not make their mount points in a
# read-only bind of this directory.)
cat >"$T/etcdir.yaml" <<EOF
extends: default
filesystem:
  binds:
    - /usr
    - {source: /bin, optional: true}
    - {source: /sbin, optional: true}
    - {source: /lib, optional: true}
    - {source: /lib64, optional: true}
    - {source: $T/myetc, target: /etc}
EOF
if sbx -p "$T/etcdir.yaml" -- sh -c 'ls -A /etc; whoami'; then
  check_eq bind-etc-dir "$(cat "$T/out")" "$(printf 'passwd\ncustom')"
else
  fail bind-etc-dir "exit status $?; stderr: $(head -c 600 "$T/err")"
fi

# ---- filesystem.etc: none ----------------------------------------------------------------------
# What the default profile binds in /etc (both optional): all an empty /etc holds.
plain_etc=
for f in alternatives ld.so.cache; do [ -e "/etc/$f" ] && plain_etc="$plain_etc$f "; done
sbx --set filesystem.etc=none -- sh -c 'ls -A /etc | tr "\n" " "'
check_eq etc-none "$(cat "$T/out")" "$plain_etc"
check_status etc-none-no-whoami 1 timeout 60 "$SBX" run --set filesystem.etc=none -- whoami
inside etc-default-generated "group host.conf hostname hosts nsswitch.conf passwd " default \
  sh -c 'ls -A /etc | grep -v -e alternatives -e ld.so.cache | tr "\n" " "'
# The annotation carries it to config.json and back.
"$SBX" spec --set filesystem.etc=none default -- /bin/true >"$T/none.json" 2>"$T/err"
check_grep etc-none-annotation "$T/none.json" '"org.sandbox.etc": "none"'
"$SBX" spec default -- /bin/true >"$T/gen.json" 2>"$T/err"
check_no_grep etc-generated-no-annotation "$T/gen.json" 'org.sandbox.etc'
B=$T/none-bundle
mkdir -p "$B/rootfs"
cp "$T/none.json" "$B/config.json"
if sbx --bundle "$B" -- sh -c 'ls -A /etc | tr "\n" " "'; then
  check_eq etc-none-bundle "$(cat "$T/out")" "$plain_etc"
else
  fail etc-none-bundle "exit status $?; stderr: $(head -c 600 "$T/err")"
fi
check_status etc-generated-needs-fresh-root 125 timeout 60 "$SBX" run \
  --set filesystem.root="$T" --set filesystem.etc=generated -- /bin/true
check_grep etc-generated-needs-fresh-root-msg "$T/err" "generated needs a fresh root"

# ---- a bundle's rootfs: nothing generated ------------------------------------------------------
if command -v python3 >/dev/null; then
  R=$T/oci-bundle
  mkdir -p "$R/rootfs/proc" "$R/rootfs/dev" "$R/rootfs/tmp" "$R/rootfs/etc"
  cp "$P" "$R/rootfs/probe"
  printf 'bundleuser:x:0:0::/:/bin/sh\n' >"$R/rootfs/etc/passwd"
  chmod 755 "$R" "$R/rootfs" "$R/rootfs/probe" "$R/rootfs/etc"
  chmod 644 "$R/rootfs/etc/passwd"
  "$SBX" spec default -- /probe report /etc/passwd /etc/hosts /etc/nsswitch.conf >"$T/base.json"
  python3 - "$T/base.json" "$R/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
ann = c.get("annotations", {})
ann.pop("org.sandbox.root", None)
ann.pop("org.sandbox.mounts.optional", None)
c["root"] = {"path": "rootfs", "readonly": True}
c["mounts"] = [m for m in c["mounts"] if m["type"] != "bind"]
c["process"]["cwd"] = "/tmp"
json.dump(c, open(sys.argv[2], "w"), indent=2)
EOF
  if sbx --bundle "$R"; then
    check_grep bundle-own-passwd "$T/out" "exists=/etc/passwd yes"
    check_grep bundle-no-hosts "$T/out" "exists=/etc/hosts no"
    check_grep bundle-no-nsswitch "$T/out" "exists=/etc/nsswitch.conf no"
  else
    fail bundle-own-passwd "exit status $?; stderr: $(head -c 600 "$T/err")"
  fi
  if [ "$(cat "$R/rootfs/etc/passwd")" = "bundleuser:x:0:0::/:/bin/sh" ] && [ ! -e "$R/rootfs/etc/hosts" ]; then
    pass bundle-rootfs-untouched
  else
    fail bundle-rootfs-untouched "$(ls -A "$R/rootfs/etc")"
  fi
else
  skip bundle-own-passwd "python3 is needed to edit config.json"
fi

# ---- network host: the host's resolv.conf ------------------------------------------------------
if [ -r /etc/resolv.conf ]; then
  if sbx --set network=host -- cat /etc/resolv.conf; then
    if cmp -s "$T/out" /etc/resolv.conf; then pass host-network-resolv-conf; else
      fail host-network-resolv-conf "differs from the host's: $(head -c 300 "$T/out")"
    fi
  else
    fail host-network-resolv-conf "exit status $?; stderr: $(head -c 600 "$T/err")"
  fi
  sbx --set network=host -- grep '^hosts:' /etc/nsswitch.conf
  check_eq host-network-nsswitch "$(cat "$T/out")" "hosts:     files dns"
else
  skip host-network-resolv-conf "the host has no readable /etc/resolv.conf"
fi
