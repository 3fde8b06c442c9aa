#!/usr/bin/env bash
# The streamed separable U-SWIM draw (model.separable: true, data.stream_rows): peak memory and the sample stage's
# time of two hnn builds, interleaved (docs/BENCHMARKS.md §6.4). Generates ROWS rows of SYSTEM (double-pendulum: 4-D
# states; fput: the 8-particle chain, 16-D) once as a streamed artifact (row groups of STREAM_ROWS), then REPEAT times,
# for each build in turn (order alternating): a copy of that store (hard links) without the sample / fit / evaluate
# artifacts, `hnn run` under /usr/bin/time -v, separable U-SWIM at width WIDTH with CANDIDATES candidate pairs; prints
# the run's peak RSS (MB), its wall time, the sample stage's compute seconds from the manifest and the hash of the
# sample artifact (the same for both builds when the draws are the same).
# Usage: bash scripts/separable-stream-bench.sh OLD_HNN NEW_HNN [REPEAT=3] [ROWS=2000000] [CANDIDATES=2000000] [WIDTH=100] [SYSTEM=double-pendulum] [STREAM_ROWS=262144]
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1; new=$2; repeat=${3:-3}; rows=${4:-2000000}; candidates=${5:-2000000}; width=${6:-100}; system=${7:-double-pendulum}; stream=${8:-262144}
if [[ $system == fput ]]; then
  sys='{name: fput, params: {n: 8, alpha: 0.25, beta: 0, periodic: 1}}'
  dom="{q: [$(printf '[-0.3, 0.3], %.0s' 1 2 3 4 5 6 7)[-0.3, 0.3]], p: [$(printf '[-0.01, 0.01], %.0s' 1 2 3 4 5 6 7)[-0.01, 0.01]]}"
  x0="[$(printf '0, %.0s' $(seq 1 15))0]"
else
  sys='{name: double-pendulum}'; dom='{q: [[-pi, pi], [-pi, pi]], p: [[-1, 1], [-1, 1]]}'; x0='[0, 0, 0, 0]'
fi
work=$(mktemp -d /tmp/hnn-sep-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/p.yaml" <<YAML
name: separable-stream-bench
system: $sys
domain: $dom
data: {train: $rows, test: 20000, seed: 3943, stream_rows: $stream}
anchor: {x0: $x0}
model: {methods: [u-swim], widths: [$width], seeds: [992472], rcond: 1.0e-13, separable: true, swim_candidates: $candidates}
YAML
"$new" run "$work/p.yaml" --store "$work/base" --no-report -q >/dev/null
sample_seconds() { jq -r '[.stages[] | select(.stage == "sample") | .compute_seconds] | add' "$(ls -d "$1"/runs/*/ | tail -1)manifest.json"; }
for r in $(seq 1 "$repeat"); do
  if (( r % 2 )); then order="old new"; else order="new old"; fi
  for which in $order; do
    bin=$old; [[ $which == new ]] && bin=$new
    store="$work/s-$which-$r"
    cp -al "$work/base" "$store"
    rm -rf "$store"/artifacts/{sample,fit,evaluate}* "$store"/runs
    /usr/bin/time -v "$bin" run "$work/p.yaml" --store "$store" --no-report -q >/dev/null 2>"$work/time"
    rss=$(awk '/Maximum resident set size/ {print int($6 / 1024)}' "$work/time")
    wall=$(awk '/Elapsed \(wall clock\)/ {print $8}' "$work/time")
    echo "run $r $which: peak RSS $rss MB, wall $wall, sample stage $(sample_seconds "$store") s"
    find "$store"/artifacts -path '*sample*' -name '*.parquet' -exec sha256sum {} + | awk '{print "  sample artifact " $1}'
    rm -rf "$store"
  done
done
