#!/usr/bin/env bash
# OpenBLAS kernel table (docs/BENCHMARKS.md section 0): for each kernel, dgemm GFLOP/s (2000 x 2000, best of 3) and
# the pendulum row's U-SWIM / A-SWIM training time (hnn bench, median of --repeat 3), ROUNDS rounds interleaved over
# the kernels; prints every run and then the medians over the rounds.
#   bash scripts/bench-kernels.sh [ROUNDS=3] [KERNELS="Haswell SkylakeX Cooperlake Zen Prescott"] [PIPELINE]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
kernels=${2:-"Haswell SkylakeX Cooperlake Zen Prescott"}
pipeline=${3:-pipelines/paper/single-pendulum-small.yaml}
bin=$(mktemp -d)
runs=$(mktemp)
trap 'rm -rf "$bin" "$runs"' EXIT
dotnet publish src/Pipeline -c Release -nologo -clp:ErrorsOnly -o "$bin" > /dev/null
echo "| round | kernel (asked) | kernel (OpenBLAS) | dgemm GFLOP/s | U-SWIM (s) | A-SWIM (s) | U-SWIM QR GFLOP/s |"
echo "|---|---|---|---|---|---|---|"
for r in $(seq 1 "$rounds"); do
  for k in $kernels; do
    out=$(OPENBLAS_CORETYPE=$k dotnet "$bin/hnn.dll" bench "$pipeline" --no-reference --repeat 3 -q \
            --set "model.methods=[u-swim,a-swim]" --set "model.seeds=[992472]")
    core=$(sed -nE 's/^Backend: .*DYNAMIC_ARCH NO_AFFINITY ([A-Za-z0-9_]+) .*/\1/p' <<< "$out")
    gemm=$(sed -nE 's/.*dgemm ([0-9.]+) GFLOP.*/\1/p' <<< "$out")
    u=$(awk -F'|' '$5 ~ /u-swim/ {gsub(/ /, "", $7); print $7}' <<< "$out")
    uqr=$(awk -F'|' '$5 ~ /u-swim/ {gsub(/ /, "", $16); print $16}' <<< "$out")
    a=$(awk -F'|' '$5 ~ /a-swim/ {gsub(/ /, "", $7); print $7}' <<< "$out")
    echo "| $r | $k | $core | $gemm | $u | $a | $uqr |"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$core" "$gemm" "$u" "$a" "$uqr" >> "$runs"
  done
done
echo
echo "Medians over $rounds rounds:"
echo
echo "| kernel | OpenBLAS reports | dgemm GFLOP/s | U-SWIM (s) | A-SWIM (s) | U-SWIM QR GFLOP/s |"
echo "|---|---|---|---|---|---|"
med() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for k in $kernels; do
  core=$(awk -F'\t' -v k="$k" '$1 == k {print $2; exit}' "$runs")
  cols=""
  for c in 3 4 5 6; do cols="$cols | $(awk -F'\t' -v k="$k" -v c="$c" '$1 == k {print $c}' "$runs" | med)"; done
  echo "| $k | $core$cols |"
done
