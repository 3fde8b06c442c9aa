#!/usr/bin/env bash
# Runs every paper pipeline (docs/ALGORITHM.md §4 rows) and keeps each results table under docs/paper-runs/<name>.txt.
# Usage: bash scripts/paper.sh [pipeline.yaml ...]   (default: all of pipelines/paper/)
set -euo pipefail
cd "$(dirname "$0")/.."
# Run from a private copy of the build, so rebuilding the tree meanwhile does not touch the running binary.
bin=$(mktemp -d)
dotnet publish src/Pipeline -c Release -nologo -clp:ErrorsOnly -o "$bin" > /dev/null
mkdir -p docs/paper-runs
files=("$@")
if [ ${#files[@]} -eq 0 ]; then files=(pipelines/paper/*.yaml); fi
for f in "${files[@]}"; do
  name=$(basename "$f" .yaml)
  echo "== $name"
  start=$(date +%s)
  dotnet "$bin/hnn.dll" run "$f" -q > "docs/paper-runs/$name.txt"
  echo "wall: $(( $(date +%s) - start )) s" >> "docs/paper-runs/$name.txt"
  cat "docs/paper-runs/$name.txt"
done
