#!/usr/bin/env bash
# Builds the solution (warnings are errors) and runs the whole test suite; prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build Hnn.Pipeline.sln -c Release -nologo -clp:ErrorsOnly
log=$(mktemp)
set +e
dotnet test Hnn.Pipeline.sln -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E 'Failed: +[0-9]+, Passed: +[0-9]+' "$log" | tail -1 || true)
if [ -n "$summary" ]; then
  failed=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$summary")
  passed=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")
  skipped=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$summary")
  echo "${passed} passed, ${failed} failed, ${skipped} skipped"
fi
rm -f "$log"
exit "$status"
