# ownership.sh: what a job writes through a read-write bind belongs on disk to whom it would
# belong after a bare run. As root every read-write bind is idmapped (sandbox/idmount.c): the
# source's owner appears as the job's own uid inside, and what the job creates belongs to that
# owner on disk (root in root's tree, a user in that user's tree). The job can take on no other
# id: chown to any other fails, other owners' files show as nobody and stay theirs. Where a
# filesystem cannot be idmapped (ramfs), the run fails before the job starts unless the job's
# host id may write there anyway. Rootless the caller's id is the job's: its files stay its own.
. "$(dirname "$0")/lib.sh"

me_uid=$(id -u) me_gid=$(id -g)
sbx() { timeout 60 "$SBX" run "$@"; }

# owners DIR: "uid:gid name" of everything below DIR, sorted.
owners() { (cd "$1" && find . -mindepth 1 -printf '%U:%G %p\n' | sort); }

# make_tree DIR: what the job writes in its working directory: a file, a directory with a file,
# a symlink, an appended-to file that was there before, a renamed file.
job_writes='set -e
echo new >file
mkdir -p dir/sub
echo nested >dir/sub/f
ln -s file link
echo more >>existing
echo x >tmp && mv tmp renamed
cp file copy'

# ---- the caller's own tree ------------------------------------------------------------------
own=$T/own
mkdir "$own"
echo old >"$own/existing"
(cd "$own" && sbx -- sh -c "$job_writes") >"$T/out" 2>"$T/err"
check_eq own-tree-status $? 0
bad=$(owners "$own" | grep -v "^$me_uid:$me_gid " || true)
check_eq own-tree-owned-by-caller "$bad" ""
check_eq own-tree-existing-appended "$(cat "$own/existing")" "old
more"
# Inside, the working directory and the caller's files are the job's own.
(cd "$own" && sbx -- sh -c 'echo "$(id -u) $(stat -c %u .) $(stat -c %u existing)"') >"$T/out" 2>"$T/err"
set -- $(cat "$T/out")
check_eq own-tree-is-jobs-own-inside "${2:-}:${3:-}" "${1:-x}:${1:-x}"

# ---- as root: another user's tree, and other owners inside a tree -----------------------------
if is_root; then
  usr=$T/usr
  mkdir "$usr"
  echo old >"$usr/existing"
  chown -R 1000:1000 "$usr"
  (cd "$usr" && sbx -- sh -c "$job_writes") >"$T/out" 2>"$T/err"
  check_eq user-tree-status $? 0
  bad=$(owners "$usr" | grep -v '^1000:1000 ' || true)
  check_eq user-tree-owned-by-its-owner "$bad" ""

  # A file of another owner inside root's tree: nobody inside, not writable, still its owner's.
  mix=$T/mix
  mkdir "$mix"
  echo theirs >"$mix/theirs"
  chown 1234:1234 "$mix/theirs"
  chmod 644 "$mix/theirs"
  (cd "$mix" && sbx -- sh -c 'stat -c "%u %g" theirs; (echo x >>theirs) || exit 9') >"$T/out" 2>"$T/err"
  check_eq other-owner-write-fails $? 9
  check_eq other-owner-is-nobody "$(head -n 1 "$T/out")" "65534 65534"
  check_eq other-owner-untouched "$(stat -c '%u:%g' "$mix/theirs"):$(cat "$mix/theirs")" \
    "1234:1234:theirs"
  check_grep other-owner-write-error "$T/err" "Permission denied"
else
  skip user-tree-owned-by-its-owner "needs root (another user's tree)"
  skip other-owner-is-nobody "needs root (files of another owner)"
fi

# ---- no other id can be taken on ---------------------------------------------------------------
ch=$T/chown
mkdir "$ch"
(cd "$ch" && sbx -- sh -c '
  touch f; mkdir d
  for id in 1 1000 65534 4294967294; do
    chown "$id" f 2>/dev/null && echo "chown $id: allowed"
    chown ":$id" f 2>/dev/null && echo "chgrp $id: allowed"
  done
  python3 -c "
import os, errno
for i in (1, 1000, 65534):
    try:
        os.chown(\"d\", i, -1)
        print(\"os.chown\", i, \"allowed\")
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.EINVAL):
            print(\"os.chown\", i, e)
"
  true') >"$T/out" 2>"$T/err"
check_eq chown-status $? 0
check_eq chown-other-ids-refused "$(cat "$T/out")" ""
bad=$(owners "$ch" | grep -v "^$me_uid:$me_gid " || true)
check_eq chown-left-caller-owned "$bad" ""

# ---- a filesystem that cannot be idmapped -----------------------------------------------------
if is_root; then
  ram=$T/ram
  mkdir "$ram"
  if mount -t ramfs sbx-ownership-test "$ram" 2>"$T/err"; then
    on_exit "umount '$ram' 2>/dev/null"
    chmod 755 "$ram"
    (cd "$ram" && sbx -- touch f) >"$T/out" 2>"$T/err"
    check_eq no-idmap-refused-status $? 125
    check_grep no-idmap-names-path "$T/err" "read-write bind $ram"
    check_grep no-idmap-names-id "$T/err" "host uid 65534"
    check_grep no-idmap-says-why "$T/err" "cannot be idmapped"
    check_grep no-idmap-gives-fixes "$T/err" "chown -R 65534:65534 $ram"
    check_eq no-idmap-nothing-written "$(ls -A "$ram")" ""
    # Writable by the job's id anyway: a plain bind, and the run goes on.
    chmod 1777 "$ram"
    (cd "$ram" && sbx -- touch f) >"$T/out" 2>"$T/err"
    check_eq no-idmap-writable-runs $? 0
    check_eq no-idmap-writable-owner "$(stat -c %u "$ram/f")" 65534
    umount "$ram"
  else
    skip no-idmap-refused-status "cannot mount a ramfs here: $(cat "$T/err")"
  fi
else
  skip no-idmap-refused-status "needs root (mounts a ramfs, which has no idmap support)"
fi

# ---- the README's first example needs no chown --------------------------------------------------
SANDBOX=$SBX TMPDIR=$T sh "$SBX_SRCDIR/examples/hello/run.sh" >"$T/out" 2>"$T/err"
check_eq example-hello-status $? 0
check_grep example-hello-output "$T/out" "hello from inside the sandbox"
check_grep example-hello-owner "$T/out" " $me_uid $me_gid "
