# bundle.sh: `sandbox run --bundle DIR` end to end: a bundle written by `sandbox spec` with an
# empty rootfs (the fresh root), a real OCI bundle whose root is a directory holding only the
# static probe, broken config.json files (located errors, status 125), and `-- CMD` replacing
# the bundle's command. Runs as root and as an unprivileged user.
. "$(dirname "$0")/lib.sh"

P=$SBX_BUILDDIR/tests/helper/probe
if [ ! -x "$SBX" ] || [ ! -x "$P" ]; then
  fail build "$SBX or $P is missing: run ninja"
  exit 1
fi
if ! command -v python3 >/dev/null; then
  skip all "python3 is needed to edit config.json"
  exit 0
fi
if ! is_root && ! timeout 10 unshare -U true 2>/dev/null; then
  skip all "user namespaces are not available to this user here"
  exit 0
fi
# The work directory of the `sandbox spec` bundles (the profiles bind it at its own path, judge
# on /work); as root the job's ids map to 65534.
mkdir -p "$T/work"
if is_root; then chown 65534:65534 "$T/work"; fi
cd "$T/work" || exit 1

# run NAME WANT ARGS...: `sandbox run ARGS...` under a timeout, status checked.
run() {
  name=$1 want=$2
  shift 2
  check_status "$name" "$want" timeout 60 "$SBX" run "$@"
}

# ---- (a) a `sandbox spec` bundle with an empty rootfs ----------------------------------------

B=$T/spec-bundle
mkdir -p "$B/rootfs"
if "$SBX" spec compile -- /bin/true >"$B/config.json" 2>"$T/err"; then
  pass spec-writes-config
else
  fail spec-writes-config "$(head -c 600 "$T/err")"
fi
run spec-bundle-true 0 --bundle "$B"
"$SBX" spec compile -- /bin/sh -c 'exit 4' >"$B/config.json"
run spec-bundle-exit-code 4 --bundle "$B"

# ---- (b) a real OCI bundle: root.path "rootfs" holding only the probe ---------------------------

R=$T/oci-bundle
mkdir -p "$R/rootfs/proc" "$R/rootfs/dev" "$R/rootfs/tmp"
cp "$P" "$R/rootfs/probe"
chmod 755 "$R" "$R/rootfs" "$R/rootfs/probe"
# From the default profile's spec: its root becomes the directory (no org.sandbox.root
# annotation, so root.path is read as a path, relative to the bundle), its host binds go (the
# root holds nothing but the probe), the command is the probe.
"$SBX" spec default -- /probe report /probe /usr /bin "$T" >"$T/base.json"
if python3 - "$T/base.json" "$R/config.json" <<'EOF'; then
import json, sys
c = json.load(open(sys.argv[1]))
ann = c.get("annotations", {})
ann.pop("org.sandbox.root", None)
ann.pop("org.sandbox.mounts.optional", None)  # it names the binds dropped below
c["root"] = {"path": "rootfs", "readonly": True}
c["mounts"] = [m for m in c["mounts"] if m["type"] != "bind"]
c["process"]["cwd"] = "/tmp"
json.dump(c, open(sys.argv[2], "w"), indent=2)
EOF
  pass oci-config-written
else
  fail oci-config-written "python3 could not edit $T/base.json"
fi
check_no_grep oci-no-root-annotation "$R/config.json" "org.sandbox.root"
run oci-bundle-runs 0 --bundle "$R"
cp "$T/out" "$T/report"
r=$T/report
check_grep oci-uid "$r" "uid=0"
# The job's uid 0 is the caller's uid rootless, and never host root: 65534 as root.
host_uid=$(id -u)
if is_root; then host_uid=65534; fi
check_grep oci-uid-map "$r" "uid_map=0 $host_uid 1"
check_grep oci-pid "$r" "pid=2"
check_grep oci-init-parent "$r" "ppid=1"
check_grep oci-nprocs "$r" "nprocs=2"
check_grep oci-cwd "$r" "cwd=/tmp"
check_grep oci-hostname "$r" "hostname=sandbox"
check_grep oci-probe-visible "$r" "exists=/probe yes"
check_grep oci-no-usr "$r" "exists=/usr no"
check_grep oci-no-bin "$r" "exists=/bin no"
check_grep oci-no-host-dir "$r" "exists=$T no"
# Mounts: the root is the bundle's directory (read-only, as config.json says), with a fresh
# /proc, the minimal /dev and a tmpfs /tmp on it.
root_fs=$(df --output=fstype "$R/rootfs" 2>/dev/null | tail -n 1 | tr -d ' ')
if grep -q "^mount=/ $root_fs ro" "$r"; then pass oci-mount-root; else
  fail oci-mount-root "no 'mount=/ $root_fs ro' line: $(grep '^mount=/ ' "$r")"
fi
check_grep oci-mount-proc "$r" "mount=/proc proc "
check_grep oci-mount-dev "$r" "mount=/dev tmpfs "
check_grep oci-mount-tmp "$r" "mount=/tmp tmpfs "
if grep -q '^mount=/usr ' "$r"; then fail oci-no-usr-mount "$(grep '^mount=/usr ' "$r")"; else
  pass oci-no-usr-mount
fi
# The root is read-only: the probe cannot write to it, only to /tmp.
sed 's#"report",#"write", "/newfile", "x",#' "$R/config.json" >"$R/config.json.new" &&
  mv "$R/config.json.new" "$R/config.json"
run oci-write-root 0 --bundle "$R"
check_grep oci-root-read-only "$T/out" "write=/newfile error Read-only file system"
if [ -e "$R/rootfs/newfile" ]; then fail oci-root-untouched "$R/rootfs/newfile was created"; else
  pass oci-root-untouched
fi

# ---- (d) `-- CMD` replaces the bundle's command -------------------------------------------------

run oci-override-exit 7 --bundle "$R" -- /probe exit 7
run oci-override-report 0 --bundle "$R" -- /probe report
check_grep oci-override-ran "$T/out" "cwd=/tmp"
"$SBX" spec compile -- /bin/false >"$B/config.json"
run spec-bundle-false 1 --bundle "$B"
run spec-bundle-override 0 --bundle "$B" -- /bin/true
run spec-bundle-override-args 5 --bundle "$B" -- /bin/sh -c 'exit 5'

# ---- (c) broken config.json: a located error and 125 ------------------------------------------

X=$T/broken
mkdir -p "$X/rootfs"
printf '{\n  "ociVersion": "1.0.2",\n  "process": {"args": [\n' >"$X/config.json"
run broken-syntax 125 --bundle "$X"
check_grep broken-syntax-located "$T/err" "sandbox: $X/config.json:4:"
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = 5
json.dump(c, open(sys.argv[2], "w"))' "$R/config.json" "$X/config.json"
run broken-type 125 --bundle "$X"
check_grep broken-type-located "$T/err" \
  "sandbox: $X/config.json: process.args: expected an array, not an integer"
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
del c["root"]
json.dump(c, open(sys.argv[2], "w"))' "$R/config.json" "$X/config.json"
run broken-no-root 125 --bundle "$X"
check_grep broken-no-root-located "$T/err" "sandbox: $X/config.json: root: missing"
# A root.path that does not exist: the error names it.
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
c["root"]["path"] = "nosuchroot"
json.dump(c, open(sys.argv[2], "w"))' "$R/config.json" "$X/config.json"
run broken-root-path 125 --bundle "$X"
check_grep broken-root-path-named "$T/err" "nosuchroot"
run broken-missing-bundle 125 --bundle "$T/none"
check_grep broken-missing-bundle-named "$T/err" "$T/none/config.json"
