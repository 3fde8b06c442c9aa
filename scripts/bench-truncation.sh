#!/usr/bin/env bash
# solver.truncation: svd against pivoted-qr on the same pipeline, interleaved (docs/BENCHMARKS.md §8): runs
# `hnn bench --no-reference` ROUNDS times per truncation, alternating, and prints each run's table rows with the
# truncation in front. The "reduced solve" column is the fold of the reduced problem (the same for both) plus the
# truncation, so its difference between the two is the truncation's. Usage:
#   bash scripts/bench-truncation.sh PIPELINE [ROUNDS] [--set key=value ...]   (default 3 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
pipeline=$1; shift
rounds=3
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then rounds=$1; shift; fi
hnn=src/Pipeline/bin/Release/net10.0/hnn
[ -x "$hnn" ] || dotnet build src/Pipeline -c Release -nologo -clp:ErrorsOnly
for round in $(seq 1 "$rounds"); do
  for truncation in svd pivoted-qr; do
    out=$("$hnn" bench "$pipeline" --no-reference --repeat 1 --set solver.truncation=$truncation "$@" -q)
    echo "$out" | grep -m1 '^Backend' | sed "s/^/round $round $truncation: /"
    echo "$out" | grep '^| [a-z]' | grep -v '^| system' | sed "s/^/| $round | $truncation /"
  done
done
