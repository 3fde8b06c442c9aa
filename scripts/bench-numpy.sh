#!/usr/bin/env bash
# Our training time against numpy.linalg.lstsq (the paper's reference solver) on the same full systems, on this
# machine, interleaved; prints a markdown table with the ratio. Needs /usr/bin/python3 (or $PYTHON) with numpy.
#   bash scripts/bench-numpy.sh pipelines/paper/single-pendulum-small.yaml [--rounds 3] [--set model.methods=[u-swim,a-swim]]
# Default methods: U-SWIM and A-SWIM, first model seed. Same OpenBLAS kernel on both sides (see bench_numpy.py).
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-/usr/bin/python3}
if ! [ -x "$py" ] || ! "$py" -c "import numpy" 2> /dev/null; then
  echo "skipped: $py with numpy not found (set PYTHON=/path/to/python3)" >&2
  exit 0
fi
[ $# -ge 1 ] || { echo "usage: $0 PIPELINE [--rounds N] [--set key=value ...]" >&2; exit 2; }
pipeline=$1; shift
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
dotnet publish src/Pipeline -c Release -nologo -clp:ErrorsOnly -o "$bin" > /dev/null
"$py" scripts/bench_numpy.py "$pipeline" --hnn "dotnet $bin/hnn.dll" \
  --set "model.methods=[u-swim,a-swim]" --set "model.seeds=[992472]" "$@"
