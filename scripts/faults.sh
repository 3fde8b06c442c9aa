#!/usr/bin/env bash
# Fault-injection suite (docs/RELIABILITY.md): kills a real `hnn run` at seeded random moments — SIGKILL, SIGTERM,
# two SIGTERMs or SIGINT (Ctrl-C) — then reruns the same command and checks: the exit code of each kind (128 + the
# signal's number for a stopped run: 137, 143, 130; 0 if it had finished); that a run which had started
# left a manifest (status interrupted) unless it was SIGKILLed; that the rerun completes; that after `hnn clean` no
# temporary file is left; and that every artifact is byte-identical to a clean run's. Bounded (about a minute); no
# timing is asserted. Usage: bash scripts/faults.sh [TRIALS] [SEED] (defaults 9 and 1). Exit 1 on any failed check.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-9}
RANDOM=${2:-1}
hnn=src/Pipeline/bin/Release/net10.0/hnn
[ -x "$hnn" ] || dotnet build src/Pipeline -c Release -nologo -clp:ErrorsOnly
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(run pipelines/quickstart.yaml --set data.train=2000 --set data.test=500 --set "model.widths=[200]" --no-report)
failures=0
fail() { echo "  FAIL: $*"; failures=$((failures + 1)); }
sums() { (cd "$1/artifacts" && find . -name '*.parquet' -type f | sort | xargs sha256sum); }

"$hnn" "${args[@]}" --store "$work/ref" > /dev/null 2> "$work/ref.log"
sums "$work/ref" > "$work/ref.sums"
echo "reference run: $(wc -l < "$work/ref.sums") artifacts"

kinds=(kill term term-term int)
# Job control: background runs get their own process group and keep SIGINT (a non-interactive shell would start them
# with SIGINT ignored, and the runtime leaves an ignored SIGINT ignored).
set -m
declare -A seen=()
for i in $(seq 1 "$trials"); do
  kind=${kinds[$(( (i - 1) % 4 ))]}
  store="$work/s$i"
  delay_ms=$(( 300 + RANDOM % 2700 ))
  "$hnn" "${args[@]}" --store "$store" > "$work/out$i" 2> "$work/err$i" &
  pid=$!
  sleep "$(printf '0.%03d' $((delay_ms % 1000)))"; sleep $((delay_ms / 1000))
  case $kind in
    kill) kill -KILL "$pid" 2>/dev/null || true ;;
    term) kill -TERM "$pid" 2>/dev/null || true ;;
    term-term) kill -TERM "$pid" 2>/dev/null || true; sleep 0.05; kill -TERM "$pid" 2>/dev/null || true ;;
    int) kill -INT "$pid" 2>/dev/null || true ;;
  esac
  set +e; wait "$pid"; code=$?; set -e
  started=$(grep -c "Run .*: pipeline" "$work/err$i" || true)
  manifests=$( (find "$store/runs" -name manifest.json 2>/dev/null || true) | wc -l)
  status=$( [ "$manifests" -gt 0 ] && jq -r .status "$store"/runs/*/manifest.json | head -1 || echo none)
  echo "trial $i: $kind after ${delay_ms} ms -> exit $code, run started: $([ "$started" -gt 0 ] && echo yes || echo no), manifest: $status"
  seen["$kind/$code"]=1
  case $kind in
    kill) [ "$code" -eq 137 ] || [ "$code" -eq 0 ] || fail "SIGKILL gave exit $code (expected 137, or 0 if it had finished)" ;;
    term) [ "$code" -eq 143 ] || [ "$code" -eq 0 ] || fail "SIGTERM gave exit $code (expected 143 interrupted, 0 finished)" ;;
    term-term) [ "$code" -eq 143 ] || [ "$code" -eq 0 ] || fail "two SIGTERMs gave exit $code (expected 143, or 0 if it had finished)" ;;
    int) [ "$code" -eq 130 ] || [ "$code" -eq 0 ] || fail "SIGINT gave exit $code (expected 130 interrupted, 0 finished)" ;;
  esac
  if [ "$kind" != kill ] && [ "$started" -gt 0 ] && [ "$manifests" -eq 0 ]; then fail "a started run left no manifest"; fi
  if { [ "$code" -eq 130 ] || [ "$code" -eq 143 ]; } && [ "$started" -gt 0 ] && [ "$status" != interrupted ]; then fail "exit $code but manifest status '$status'"; fi
  # Resume, clean, compare.
  if ! "$hnn" "${args[@]}" --store "$store" > /dev/null 2> "$work/rerun$i"; then fail "rerun failed: $(tail -1 "$work/rerun$i")"; continue; fi
  "$hnn" clean --store "$store" > /dev/null
  temps=$(find "$store" -name '*.tmp*' | wc -l)
  [ "$temps" -eq 0 ] || fail "$temps temp file(s) left after clean"
  sums "$store" > "$work/s$i.sums"
  cmp -s "$work/ref.sums" "$work/s$i.sums" || fail "artifacts differ from the clean run's: $(diff "$work/ref.sums" "$work/s$i.sums" | head -2 | tr '\n' ' ')"
done
echo "outcomes (kind/exit): ${!seen[*]}"
if [ "$failures" -eq 0 ]; then echo "fault suite: $trials trials, all checks passed"; else echo "fault suite: $failures failed check(s)"; exit 1; fi
