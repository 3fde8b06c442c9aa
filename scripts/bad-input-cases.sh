#!/usr/bin/env bash
# Runs the bad-input cases of docs/RELIABILITY.md ("Bad input") against the built hnn and prints, for each, the exit
# code, wall time, peak RSS and the first stderr line. Build first: dotnet build src/Pipeline -c Release.
set -uo pipefail
cd "$(dirname "$0")/.."
H=${HNN:-src/Pipeline/bin/Release/net10.0/hnn}
Q=pipelines/quickstart.yaml
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
grep -v '^include:' "$Q" > "$T/q.yaml"
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
q = open(f"{t}/q.yaml").read()
open(f"{t}/deep.yaml", "w").write(q + "\nnotes: " + "[" * 10000 + "]" * 10000 + "\n")
bomb = ['  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'] + [f'  a{i}: &a{i} [' + ', '.join([f'*a{i-1}'] * 10) + ']' for i in range(1, 10)]
open(f"{t}/bomb.yaml", "w").write(q + "\nunknown:\n" + "\n".join(bomb) + "\n")
open(f"{t}/incz.yaml", "w").write("include: [/dev/zero]\n" + q)
open(f"{t}/incf.yaml", "w").write("include: [fifo]\n" + q)
open(f"{t}/bin.yaml", "wb").write(q.encode() + bytes([0xff, 0, 1, 2]))
PY
mkfifo "$T/fifo"
run() {
  local label=$1; shift
  /usr/bin/time -o "$T/time" -f '%e s %M KB' timeout 20 "$H" "$@" >/dev/null 2>"$T/err"
  local code=$?
  printf '%-26s exit %s  %-16s %s lines: %s\n' "$label" "$code" "$(tail -1 "$T/time")" "$(wc -l <"$T/err")" "$(head -1 "$T/err" | cut -c1-140)"
}
run "1 nesting 10000" validate "$T/deep.yaml"
run "2 alias bomb" validate "$T/bomb.yaml"
run "4 width 60000" validate "$T/q.yaml" --set 'model.widths=[60000]'
run "4 width 1000000" validate "$T/q.yaml" --set 'model.widths=[1000000]'
run "5 data.file /dev/zero" validate "$T/q.yaml" --set data.file=/dev/zero
run "5 include /dev/zero" validate "$T/incz.yaml"
run "5 data.file FIFO" validate "$T/q.yaml" --set data.file="$T/fifo"
run "5 include FIFO" validate "$T/incf.yaml"
run "6 data.file /etc/shadow" validate "$T/q.yaml" --set data.file=/etc/shadow
run "8 widths []" validate "$T/q.yaml" --set 'model.widths=[]'
run "8 methods []" validate "$T/q.yaml" --set 'model.methods=[]'
run "8 seeds []" validate "$T/q.yaml" --set 'model.seeds=[]'
run "9 name of 300" validate "$T/q.yaml" --set "name=$(printf 'n%.0s' {1..300})"
run "11 rollout.dt 1e308" validate "$T/q.yaml" --set rollout.dt=1e308
run "11 rollout.initial []" validate "$T/q.yaml" --set 'rollout.initial=[]'
run "11 domain 1e308" validate "$T/q.yaml" --set 'domain.q=[[-5, 1e308]]'
run "11 seed 2^63" validate "$T/q.yaml" --set data.seed=9223372036854775808
run "11 --set include" validate "$T/q.yaml" --set 'include=[x.yaml]'
run "11 run.store /" run "$T/q.yaml" --set run.store=/
run "non-finite .nan" validate "$T/q.yaml" --set model.rcond=.nan
run "wrong type" validate "$T/q.yaml" --set 'data.train={a: 1}'
run "binary bytes" validate "$T/bin.yaml"
