#!/usr/bin/env bash
# The distributed TSQR from a data file and the pipeline's fit on the distributed TSQR (run.distributed_fit) against
# the local structured solve, on this machine (docs/BENCHMARKS.md §11). Starts SILOS `hnn silo` processes
# (development clustering, ports 11511.. and 30500..), writes ROWS mass-spring rows as a Parquet file (the streamed
# path's generate-stream artifact of a local run), then REPEAT times, interleaved:
#   - `hnn tsqr --data FILE` at WIDTH (6 lanes, 1024-row blocks): distributed QR and solve, then the local solve of the
#     same file (the command checks the networks are bit-for-bit equal);
#   - a streamed ELM pipeline (ROWS training rows, WIDTH, 6 lanes) run locally and with --cluster
#     --set run.distributed_fit=true, each into a fresh store: wall time and the fit stage's compute seconds.
# Usage: bash scripts/cluster-fit-bench.sh [REPEAT=3] [SILOS=3] [WIDTH=300] [ROWS=120000]
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=${1:-3}; silos=${2:-3}; width=${3:-300}; rows=${4:-120000}
source scripts/local-silos.sh
start_local_silos "$silos" 11511 30500
cat >"$work/p.yaml" <<YAML
name: fit-bench
system: {name: mass-spring}
domain: {q: [[-5, 5]], p: [[-5, 5]]}
data: {train: $rows, test: 2000, seed: 3943, stream_rows: 20000}
anchor: {x0: [1, 0], h0: 0}
model: {methods: [elm], widths: [$width], seeds: [992472], rcond: 1.0e-13}
solver: {backend: auto, mode: structured, lanes: 6, chunk_rows: 1024}
YAML
"$hnn" run "$work/p.yaml" --store "$work/rows" --no-report -q >/dev/null
file=$(find "$work/rows/artifacts/generate-stream" -name '*.parquet' | head -1)
fit_seconds() { jq -r '[.stages[] | select(.stage == "fit") | .compute_seconds] | add' "$(ls -d "$1"/runs/*/ | tail -1)manifest.json"; }
for r in $(seq 1 "$repeat"); do
  "$hnn" tsqr --cluster "$cluster" --data "$file" --rows "$rows" --width "$width" --lanes 6 --chunk-rows 1024 --cores "$(nproc)" | sed "s/^/tsqr run $r: /"
  for mode in local cluster; do
    extra=(); [ "$mode" = cluster ] && extra=(--cluster "$cluster" --set run.distributed_fit=true)
    start=$(date +%s.%N)
    "$hnn" run "$work/p.yaml" --store "$work/store-$mode-$r" --no-report -q "${extra[@]}" >/dev/null
    end=$(date +%s.%N)
    printf 'pipeline run %d %-7s wall %.2f s, fit %.2f s\n' "$r" "$mode" "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" "$(fit_seconds "$work/store-$mode-$r")"
  done
  cmp <(jq -S '[.[] | del(.train_seconds)]' "$(ls -d "$work/store-local-$r"/runs/*/ | tail -1)results.json") \
      <(jq -S '[.[] | del(.train_seconds)]' "$(ls -d "$work/store-cluster-$r"/runs/*/ | tail -1)results.json") >/dev/null \
    && echo "pipeline run $r: results equal (all fields but train_seconds)" || echo "pipeline run $r: RESULTS DIFFER"
done
