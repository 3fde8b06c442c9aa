#!/usr/bin/env bash
# The Orleans executor against the local one on this machine (same cores), and the distributed TSQR's rates
# (docs/BENCHMARKS.md, "Cluster"). Starts SILOS `hnn silo` processes (development clustering, ports 11411.. and
# 30400..), runs the reduced quickstart REPEAT times locally and REPEAT times on the silos, interleaved, each into a
# fresh store (everything computed), prints the wall times and their medians, then `hnn tsqr` at the given widths.
# Usage: bash scripts/cluster-bench.sh [REPEAT=3] [SILOS=2] [WIDTHS="500 1000"] [ROWS=40000]
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=${1:-3}; silos=${2:-2}; widths=${3:-"500 1000"}; rows=${4:-40000}
source scripts/local-silos.sh
start_local_silos "$silos" 11411 30400
sets=(--set data.train=2000 --set data.test=200 --set model.widths=[500] --set rollout.steps=500)
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
: >"$work/local"; : >"$work/cluster"
for r in $(seq 1 "$repeat"); do
  for mode in local cluster; do
    extra=(); [ "$mode" = cluster ] && extra=(--cluster "$cluster")
    start=$(date +%s.%N)
    "$hnn" run pipelines/quickstart.yaml "${sets[@]}" --store "$work/store-$mode-$r" --no-report -q "${extra[@]}" >/dev/null
    end=$(date +%s.%N)
    t=$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')
    echo "$t" >>"$work/$mode"
    printf 'run %d %-7s %.2f s\n' "$r" "$mode" "$t"
  done
done
printf 'median local %.2f s, cluster (%d silos) %.2f s\n' "$(median <"$work/local")" "$silos" "$(median <"$work/cluster")"
for w in $widths; do
  "$hnn" tsqr --cluster "$cluster" --rows "$rows" --width "$w" --lanes 4 --cores "$(nproc)"
done
