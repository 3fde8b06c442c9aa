#!/usr/bin/env bash
# Shows the live progress lines of `hnn run` in a real terminal (tmux) and keeps what the terminal showed:
#   bash scripts/progress-capture.sh [OUT.txt] [--set key=value ...]
# Runs pipelines/paper/henon-heiles.yaml at width 1000 (by default) in a detached tmux session into a fresh store,
# captures the pane (tmux capture-pane -p) every second, and writes to OUT.txt (default
# docs/images/progress-henon-heiles-w1000.txt) the first capture that shows a learned model's rollout status line
# 30-89 % done, followed by the last capture (the finished run). Needs tmux (apt-get install tmux).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/images/progress-henon-heiles-w1000.txt}
shift || true
command -v tmux >/dev/null || { echo "tmux is not installed (apt-get install -y tmux)" >&2; exit 2; }
dotnet build src/Pipeline -c Release -nologo -clp:ErrorsOnly >/dev/null
store=$(mktemp -d /tmp/hnn-progress.XXXXXX)
cp -r src/Pipeline/bin/Release/net10.0 "$store/bin" # a copy: a rebuild meanwhile does not touch the running program
hnn=$store/bin/hnn
session=hnn-progress-$$
done_file=$store/exit-code
args=(run pipelines/paper/henon-heiles.yaml --store "$store" --set model.widths=[1000] --no-report "$@")
tmux new-session -d -s "$session" -x 150 -y 45 \
  "cd '$PWD' && TERM=xterm-256color '$hnn' $(printf "'%s' " "${args[@]}"); echo \$? > '$done_file'; sleep 3600"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$store"' EXIT
first=""
start=$(date +%s)
while [ ! -s "$done_file" ]; do
  sleep 1
  pane=$(tmux capture-pane -p -t "$session")
  # a learned model's rollout, some way in (its bar, fraction, elapsed time and time to go all meaningful)
  if [ -z "$first" ] && grep -Eq '^rollout (elm|u-swim|a-swim|swim|adam) .* ([3-8][0-9])% ' <<<"$pane"; then
    first=$pane
    echo "captured a rollout status line after $(( $(date +%s) - start )) s" >&2
  fi
done
last=$(tmux capture-pane -p -t "$session")
{
  echo "# hnn ${args[*]/#$store/STORE}"
  echo "# tmux capture-pane -p of a 150x45 pane, $(date -u +%Y-%m-%dT%H:%M:%SZ), exit code $(cat "$done_file")"
  echo "# 1) while the rollouts ran (the last line is the live status line: stage, bar, %, elapsed, time to go;"
  echo "#    the bar's done and remaining parts differ only in colour, which capture-pane -p leaves out):"
  printf '%s\n' "${first:-(no rollout status line was seen)}" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
  echo "# 2) after the run (status lines are cleared when their stage ends):"
  printf '%s\n' "$last" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
} > "$out"
echo "wrote $out" >&2
[ -n "$first" ]
