#!/usr/bin/env bash
# The run command: installs what it needs, then starts Azurite (in memory, 127.0.0.1:10000-10002) and the local
# Functions host on http://127.0.0.1:7071, and prints the URLs. Ctrl+C stops everything.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
source scripts/azurite.sh

npm ci --no-audit --no-fund --loglevel=error
dotnet build LocalHost -c Debug --nologo -v quiet
if [[ ! -f local.settings.json ]]; then
  cp local.settings.sample.json local.settings.json
  echo "Created local.settings.json from local.settings.sample.json"
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  stop_azurite
}
trap cleanup EXIT INT TERM

start_azurite 10000 10001 10002

dotnet run --project LocalHost --no-build -- --urls "${LOCALHOST_URL:-http://127.0.0.1:7071}" &
pids+=($!)
wait -n "${pids[@]}"
