#!/usr/bin/env bash
# Reproducibility check (docs/RELIABILITY.md): runs a pipeline RUNS times into fresh stores, with a busy-loop on the
# other core in the runs marked "busy", and compares every artifact byte for byte and every results.json number.
# Prints one line per run and a verdict; exit 1 on any difference.
# Usage: bash scripts/determinism.sh [RUNS] [MODE] (RUNS default 10). MODE:
#   quickstart (default)  the quickstart at a reduced size, alternating run.parallelism 1 and 2;
#   lanes                 the single pendulum of pipelines/paper/single-pendulum-small.yaml (U-SWIM, width 1000, one
#                         seed, 10k rows) with solver.lanes=2, so the structured fit's two lanes run concurrently;
#   trajectories          pipelines/examples/fput-trajectories.yaml at a small size (8 trajectories, ELM 600): generated
#                         trajectories, midpoint rows, GCV ridge, error bars and the rule's rollouts, alternating
#                         run.parallelism 1 and 2.
# Needs a Release build (scripts/test.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
mode=${2:-quickstart}
hnn=src/Pipeline/bin/Release/net10.0/hnn
[ -x "$hnn" ] || dotnet build src/Pipeline -c Release -nologo -clp:ErrorsOnly
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
case "$mode" in
  quickstart) pipeline=pipelines/quickstart.yaml
    small=(--set data.train=3000 --set data.test=1000 "--set" "model.widths=[400]" --no-report -q) ;;
  lanes) pipeline=pipelines/paper/single-pendulum-small.yaml
    small=(--set "model.methods=[u-swim]" --set "model.seeds=[3]" --set "rollout.integrators=[verlet]" --set solver.lanes=2 --no-report -q) ;;
  trajectories) pipeline=pipelines/examples/fput-trajectories.yaml
    small=(--set data.trajectories.count=8 --set data.trajectories.test=2 "--set" "model.widths=[600]" --set data.test=200 --no-report -q) ;;
  *) echo "determinism.sh: MODE '$mode' is not one of: quickstart, lanes, trajectories" >&2; exit 2 ;;
esac
first=""
status=0
for i in $(seq 1 "$runs"); do
  if [ "$mode" != lanes ]; then par=$(( (i % 2) + 1 )); else par=1; fi
  busy=""
  if [ "$i" -eq 3 ] || [ "$i" -eq 4 ]; then busy="busy"; timeout 120 sh -c 'while :; do :; done' & busy_pid=$!; fi
  store="$work/store-$i"
  "$hnn" run "$pipeline" "${small[@]}" --set run.parallelism=$par --store "$store" > "$work/out-$i.txt"
  if [ -n "$busy" ]; then kill "$busy_pid" 2>/dev/null || true; wait "$busy_pid" 2>/dev/null || true; fi
  # Artifacts by stage/key; results.json without the wall-clock fields (train_seconds, rollout seconds).
  (cd "$store/artifacts" && find . -name '*.parquet' -type f | sort | xargs sha256sum) > "$work/sums-$i.txt"
  jq -S 'walk(if type == "object" then del(.train_seconds, .seconds, .cached) else . end)' "$store"/runs/*/results.json > "$work/results-$i.json"
  n=$(wc -l < "$work/sums-$i.txt")
  if [ -z "$first" ]; then
    first=$i
    verdict="reference"
  elif cmp -s "$work/sums-$first.txt" "$work/sums-$i.txt" && cmp -s "$work/results-$first.json" "$work/results-$i.json"; then
    verdict="identical to run $first"
  else
    verdict="DIFFERENT from run $first"
    diff "$work/sums-$first.txt" "$work/sums-$i.txt" | head -5 || true
    status=1
  fi
  echo "run $i: $mode, parallelism $par ${busy:+(other core busy) }$n artifacts: $verdict"
done
[ "$status" -eq 0 ] && echo "all $runs runs bit-identical" || echo "runs differ"
exit "$status"
