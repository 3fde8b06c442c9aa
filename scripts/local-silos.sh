# Sourced by the cluster benchmarks: builds hnn and starts SILOS `hnn silo` processes on this machine (development
# clustering, the first one primary), removed again on exit. Sets hnn, work (a temporary folder), pids and cluster
# (the gateway list for --cluster / run.cluster).
# Usage (after `cd` to the repository): start_local_silos SILOS SILO_PORT_BASE GATEWAY_PORT_BASE
start_local_silos() {
  local silos=$1 port=$2 gateway=$3 i
  dotnet build src/Pipeline -c Release -nologo -clp:ErrorsOnly >/dev/null
  hnn=src/Pipeline/bin/Release/net10.0/hnn
  work=$(mktemp -d)
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
  local gateways=()
  for i in $(seq 0 $((silos - 1))); do
    "$hnn" silo --port $((port + i)) --gateway $((gateway + i)) --primary "$port" -q >"$work/silo$i.log" 2>&1 &
    pids+=($!)
    gateways+=($((gateway + i)))
    sleep 2
  done
  sleep 5
  cluster="localhost:$(IFS=,; echo "${gateways[*]}")"
}
