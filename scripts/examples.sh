#!/usr/bin/env bash
# Builds and runs examples/Hnn.Examples against the Hnn.Api package from a local feed, as a user of the package would,
# and checks that its numbers are the CLI's: `hnn run` (small quickstart), `hnn predict` of the run's A-SWIM model,
# and the example's own fit of the same training rows through the library (saved, loaded, evaluated) must give
# byte-identical prediction files. Usage: bash scripts/examples.sh (about a minute; run by .ci/run).
#
# The feed: `dotnet pack src/Hnn` into a temporary folder; a nuget.config beside the copied example adds that folder
# to the package sources this machine already has (the user's NuGet config, here the registry mirror), and a private
# packages folder keeps a re-packed 0.3.0 from being served out of the global package cache.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hnn=src/Pipeline/bin/Release/net10.0/hnn
[ -x "$hnn" ] || dotnet build src/Pipeline -c Release -nologo -clp:ErrorsOnly

dotnet pack src/Hnn -c Release -o "$work/feed" -nologo -clp:ErrorsOnly > /dev/null
echo "packed: $(cd "$work/feed" && ls ./*.nupkg)"
cp -r examples/Hnn.Examples examples/Directory.Build.props examples/Directory.Packages.props "$work/"
cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="hnn-local" value="$work/feed" />
  </packageSources>
</configuration>
XML
dotnet build "$work/Hnn.Examples" -c Release -nologo -clp:ErrorsOnly --packages "$work/packages" > "$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }

store="$work/store"
"$hnn" run pipelines/quickstart.yaml --store "$store" --no-report -q \
  --set data.train=2000 --set data.test=500 --set "model.widths=[200]" --set "model.methods=[a-swim]" --set rollout.steps=200 > /dev/null
printf 'q1,p1\n1.5,0\n0,1\n-2.25,3.5\n4,-4\n0.1,0.2\n' > "$work/states.csv"
"$hnn" predict latest --store "$store" --method a-swim --input "$work/states.csv" --output "$work/cli.csv" > /dev/null
"$work/Hnn.Examples/bin/Release/net10.0/Hnn.Examples" "$store" latest a-swim 200 992472 "$work/states.csv" "$work/api.csv"
if cmp -s "$work/cli.csv" "$work/api.csv"; then
  echo "examples: the library's fit gives the CLI's predictions byte for byte ($(($(wc -l < "$work/cli.csv") - 1)) states)"
else
  echo "examples: FAIL: the library's predictions differ from the CLI's"; diff "$work/cli.csv" "$work/api.csv" | head -6; exit 1
fi
cd "$repo"
