#!/usr/bin/env bash
# Screenshots of three run reports in headless Chromium, for docs/images/ (linked from the README):
#   bash scripts/screenshots.sh [OUT_DIR]
# 1. the quickstart (mass-spring, 1 dof), as shipped;
# 2. a small Henon-Heiles run (2 dof: H maps on two planes, Poincare section);
# 3. the same with forward Euler first, whose rollouts escape near t = 97 (the failures section, clipped curves).
# ONLY="quickstart henon-heiles henon-heiles-euler" (any of them) shoots only those.
# Each report is shot three times at 1400 x 3000 px: its top (summary, tables, failures), its figures from the first
# (the H maps) and its line and point figures (trajectories, errors, phase portraits, energy, Poincare section).
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

shoot() { # NAME REPORT_HTML [PARTS]
  local name=$1 html=$2 parts=${3:-top maps curves} dir
  dir=$(dirname "$html")
  # 1. the top of the page as it is (summary, tables, failures, first figures); then copies beside it with everything
  # above the figures hidden (a headless screenshot does not scroll to #figures): 2. the figures from the first (the H
  # maps), 3. only the line and point figures (those embedded as SVG).
  local hide='#results, #failures, nav, p.summary, p.description, h1 { display: none; }'
  sed "s|</style>|$hide\n</style>|" "$html" > "$dir/shot-maps.html"
  sed "s|</style>|$hide figure:has(img[src^=\"data:image/png\"]) { display: none; }\n</style>|" "$html" > "$dir/shot-curves.html"
  for part in $parts; do
    local page=$html
    [ "$part" != top ] && page=$dir/shot-$part.html
    "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$out/report-$name-$part.png" \
      --window-size=1400,3000 "file://$page" 2>/dev/null
    echo "$out/report-$name-$part.png" >&2
  done
  rm -f "$dir/shot-maps.html" "$dir/shot-curves.html"
}

small_hh=(--set data.train=4000 --set data.test=1000 --set model.widths=[300] --set rollout.steps=12000)
want() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; } # ONLY="name ...": shoot only these
want quickstart && shoot quickstart "$(report_of pipelines/quickstart.yaml)"
want henon-heiles && shoot henon-heiles "$(report_of pipelines/paper/henon-heiles.yaml "${small_hh[@]}")"
# Forward Euler first, so that the per-method figures (q1(t), errors, phase portraits) show its rollouts (its H maps
# are those of run 2: same data and models).
want henon-heiles-euler && shoot henon-heiles-euler "$(report_of pipelines/paper/henon-heiles.yaml "${small_hh[@]}" --set 'rollout.integrators=[euler,symplectic-euler]')" "top curves"
