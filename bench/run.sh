#!/usr/bin/env bash
# Runs the modelstash benchmark end to end: generates (or reuses) the checkpoint scenarios,
# measures every system on them, and writes the report.
#
#   bench/run.sh [--quick] [--regen] [OUT]
#
# Full mode (default OUT=bench/out) writes OUT/results.json and rewrites docs/BENCHMARKS.md and
# docs/benchmarks.png. --quick (default OUT=bench/out/quick) uses tiny scenarios, takes about
# two minutes and writes its report next to its results, leaving docs/ alone. --regen
# regenerates the scenarios even if OUT already holds ones made by the same script and mode.
# Exits non-zero if any restore is not byte-identical or any system fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${MODELSTASH_PYTHON:-/usr/bin/python3}"

quick=0
regen=0
out=""
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --regen) regen=1 ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $arg" >&2; exit 2 ;;
    *) out="$arg" ;;
  esac
done
if [ -z "$out" ]; then
  if [ "$quick" = 1 ]; then out="$here/bench/out/quick"; else out="$here/bench/out"; fi
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
mode=full
if [ "$quick" = 1 ]; then mode=quick; fi

missing=""
for tool in restic borg gzip zstd sync du findmnt; do
  command -v "$tool" >/dev/null || missing="$missing $tool"
done
if ! "$py" -c 'import torch' 2>/dev/null; then missing="$missing torch(for $py)"; fi
if [ -n "$missing" ]; then
  echo "run.sh: missing:$missing (apt-get install -y restic borgbackup zstd python3-torch" \
    "python3-matplotlib; or set MODELSTASH_PYTHON)" >&2
  exit 2
fi

echo "run.sh: building modelstash" >&2
"$here/bin/modelstash" --version >/dev/null

# Reuse scenarios only if the same script generated them in the same mode.
want_sha="$(sha256sum "$here/bench/scenarios.py" | cut -d' ' -f1)"
have=""
if [ -f "$out/scenarios.json" ]; then
  have="$("$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["mode"], d["script_sha256"])' \
    "$out/scenarios.json" 2>/dev/null || true)"
fi
if [ "$regen" = 1 ] || [ "$have" != "$mode $want_sha" ]; then
  echo "run.sh: generating $mode scenarios in $out" >&2
  args=()
  if [ "$quick" = 1 ]; then args+=(--quick); fi
  "$py" "$here/bench/scenarios.py" "${args[@]}" "$out"
else
  echo "run.sh: reusing the scenarios in $out" >&2
fi

status=0
rm -f "$out/results.json"
"$py" "$here/bench/measure.py" --scenarios "$out" --results "$out/results.json" \
  || status=$?

if [ -f "$out/results.json" ]; then
  if [ "$quick" = 1 ]; then
    "$py" "$here/bench/report.py" --results "$out/results.json" --md "$out/BENCHMARKS.md" \
      --png "$out/benchmarks.png"
  else
    "$py" "$here/bench/report.py" --results "$out/results.json" \
      --md "$here/docs/BENCHMARKS.md" --png "$here/docs/benchmarks.png"
  fi
fi
if [ "$status" != 0 ]; then
  echo "run.sh: FAILED (a restore was not byte-identical or a system failed; see above)" >&2
fi
exit "$status"
