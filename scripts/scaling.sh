#!/usr/bin/env bash
# Training time vs K and vs N (issue 3's scaling table): U-SWIM on the double pendulum, one run each, no reference
# solve. Prints one markdown row per point (from `hnn bench`); QR GFLOP/s is compared with the measured dgemm rate.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
dotnet publish src/Pipeline -c Release -nologo -clp:ErrorsOnly -o "$bin" > /dev/null
run() { dotnet "$bin/hnn.dll" bench pipelines/paper/double-pendulum.yaml --no-reference --repeat 1 -q \
          --set model.methods=[u-swim] --set data.test=2000 "$@" | grep "^| double"; }
echo "vs K (N = 1000):"
echo "| system | K | N | method | runs | ours (s) | - | - | test H | - | peak RSS (GB) | - | QR (s) | reduced solve (s) | QR GFLOP/s | QR % of dgemm |"
for k in 10000 30000 100000 300000 1000000; do run --set data.train=$k --set model.widths=[1000]; done
echo "vs N (K = 20000):"
for n in 500 1000 2000 3000 5000; do run --set data.train=20000 --set model.widths=[$n]; done
