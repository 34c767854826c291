#!/usr/bin/env bash
# The run command: installs what it needs, then starts Azurite (in memory, 127.0.0.1:10000-10002), the Front simulator
# (http://127.0.0.1:7072, unless Front__ApiBaseUrl points elsewhere) and the local Functions host (http://127.0.0.1:7071,
# HTTP routes + the queue listener), and prints the URLs. Ctrl+C stops everything.
# With it running, `bash scripts/demo.sh` imports a few conversations through the simulator and prints the map.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
source scripts/azurite.sh

install_azurite
dotnet build LocalHost -c Debug --nologo -v quiet
dotnet build FrontSimulator -c Debug --nologo -v quiet
if [[ ! -f local.settings.json ]]; then
  cp local.settings.sample.json local.settings.json
  echo "Created local.settings.json from local.settings.sample.json"
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_azurite
}
trap cleanup EXIT INT TERM

start_azurite 10000 10001 10002

# The simulator stands in for Front unless Front__ApiBaseUrl (environment) names another API.
simulator_url=http://127.0.0.1:7072
if [[ -z "${Front__ApiBaseUrl:-}" || "${Front__ApiBaseUrl%/}" == "$simulator_url" ]]; then
  if port_in_use 7072; then
    echo "error: port 7072 on 127.0.0.1 is already taken (the Front simulator's port)." >&2
    exit 1
  fi
  dotnet run --project FrontSimulator --no-build --no-launch-profile -- --urls "$simulator_url" &
  pids+=($!)
fi

if port_in_use 7071; then
  echo "error: port 7071 on 127.0.0.1 is already taken (the local host's port)." >&2
  exit 1
fi
dotnet run --project LocalHost --no-build --no-launch-profile -- --urls "http://127.0.0.1:7071" &
pids+=($!)
wait -n "${pids[@]}"
