# layering.sh: the library's files call one way (no two files, nor a loop of files, call into
# each other) and no production file is longer than about 700 lines (tools/check-layering).
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1 || ! command -v nm >/dev/null 2>&1; then
  skip one_way_calls "python3 and nm are needed"
  exit 0
fi
if out=$(python3 "$SBX_SRCDIR/tools/check-layering" "$SBX_BUILDDIR" 2>&1); then
  pass one_way_calls_and_short_files
else
  fail one_way_calls_and_short_files "$(printf '%s' "$out" | tr '\n' ';' | head -c 1500)"
fi
