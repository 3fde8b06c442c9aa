#!/usr/bin/env bash
# Screenshots of three run reports in headless Chromium, for docs/images/ (linked from the README):
#   bash scripts/screenshots.sh [OUT_DIR]
# 1. the quickstart (mass-spring, 1 dof), as shipped;
# 2. a small Henon-Heiles run (2 dof: H maps on two planes, Poincare section);
# 3. the same with forward Euler, whose rollouts escape near t = 97 (the failures section, clipped curves).
# Each report is shot twice at 1400 x 3000 px: its top (summary, tables, failures) and its first figures.
# Runs go into a temporary store. Needs chromium (apt-get install -y chromium); in CI (CI set) it is installed if
# missing. It need not run in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/images}
mkdir -p "$out"
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
  if [ -n "${CI:-}" ]; then
    apt-get install -y chromium >/dev/null
    chrome=$(command -v chromium)
  else
    echo "chromium is not installed (apt-get install -y chromium)" >&2
    exit 2
  fi
fi
dotnet build src/Pipeline -c Release -nologo -clp:ErrorsOnly >/dev/null
store=$(mktemp -d /tmp/hnn-shots.XXXXXX)
trap 'rm -rf "$store"' EXIT
cp -r src/Pipeline/bin/Release/net10.0 "$store/bin" # a copy: a rebuild meanwhile does not touch the running program
hnn=$store/bin/hnn

# Runs a pipeline, prints the path of its report.html.
report_of() {
  HNN_PROGRESS=plain "$hnn" run "$@" --store "$store" 2>"$store/log.txt" | sed -n 's/^report: //p'
}

shoot() { # NAME REPORT_HTML
  local name=$1 html=$2
  # The top of the page as it is; then its figures: a copy beside it with everything above the figures hidden
  # (a headless screenshot does not scroll to #figures).
  local figures=${html%.html}.figures-only.html
  sed 's|</style>|#results, #failures, nav, p.summary, p.description, h1 { display: none; }\n</style>|' "$html" > "$figures"
  "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$out/report-$name-top.png" \
    --window-size=1400,3000 "file://$html" 2>/dev/null
  "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$out/report-$name-figures.png" \
    --window-size=1400,3000 "file://$figures" 2>/dev/null
  rm -f "$figures"
  echo "$out/report-$name-top.png $out/report-$name-figures.png" >&2
}

small_hh=(--set data.train=4000 --set data.test=1000 --set model.widths=[300] --set rollout.steps=12000)
shoot quickstart "$(report_of pipelines/quickstart.yaml)"
shoot henon-heiles "$(report_of pipelines/paper/henon-heiles.yaml "${small_hh[@]}")"
shoot henon-heiles-euler "$(report_of pipelines/paper/henon-heiles.yaml "${small_hh[@]}" --set 'rollout.integrators=[symplectic-euler,euler]')"
