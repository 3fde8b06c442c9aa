#!/usr/bin/env bash
# Installs the `hnn` command as a .NET tool from this checkout (no `dotnet run` per call):
#   bash scripts/install.sh            # global tool, for this user: ~/.dotnet/tools/hnn
#   bash scripts/install.sh DIR        # into DIR (a tool path), e.g. /usr/local/lib/hnn, then link DIR/hnn onto PATH
# Needs the .NET 10 SDK; works as root and as a user (no sudo). Reinstalling replaces an older version.
set -euo pipefail
cd "$(dirname "$0")/.."
feed=$(mktemp -d)
trap 'rm -rf "$feed"' EXIT
dotnet pack src/Pipeline -c Release -o "$feed" -nologo -clp:ErrorsOnly
if [ $# -ge 1 ]; then
  dotnet tool uninstall --tool-path "$1" Hnn.Pipeline.Tool >/dev/null 2>&1 || true
  dotnet tool install --tool-path "$1" --add-source "$feed" Hnn.Pipeline.Tool
  echo "installed: $1/hnn (add $1 to PATH, or: ln -s $1/hnn /usr/local/bin/hnn)"
else
  dotnet tool uninstall --global Hnn.Pipeline.Tool >/dev/null 2>&1 || true
  dotnet tool install --global --add-source "$feed" Hnn.Pipeline.Tool
  echo "installed: ~/.dotnet/tools/hnn (make sure ~/.dotnet/tools is on PATH)"
fi
