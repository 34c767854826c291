#!/usr/bin/env bash
# Benchmarks (not part of the test command): bash scripts/bench.sh <name> [args…]
# The benchmarks and their arguments: bench/Benchmarks/usage.txt (`bash scripts/bench.sh help` prints it).
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
if [[ "${1:-}" =~ ^(help|--help|-h)$ ]]; then
  cat bench/Benchmarks/usage.txt
  exit 0
fi
source scripts/azurite.sh
install_azurite
dotnet build bench/Benchmarks -c Release --nologo -v quiet
if [[ "${1:-}" =~ ^(budget|faults|soak|all)$ ]]; then
  dotnet build LocalHost -c Release --nologo -v quiet # these benchmarks start it as separate processes
fi
trap stop_azurite EXIT
BENCH=bench/Benchmarks/bin/Release/net10.0/Benchmarks.dll

if [[ "${1:-}" == all ]]; then
  # Every benchmark of bench/Benchmarks/all.txt in turn, each with a fresh Azurite, each writing its result as JSON;
  # then one table: bench-results/latest.md and latest.json, also pasted into docs/benchmarks.md.
  results=$(mktemp -d -t bench-all.XXXXXX)
  echo "bench all: $(nproc) cores; $(uptime)"
  n=0
  while read -r name args; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    n=$((n + 1))
    echo
    echo "=== $name $args ($(date -u +%H:%M:%S) UTC; load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a))"
    # shellcheck disable=SC2046 # three port numbers
    start_azurite_split $(free_ports 3)
    # shellcheck disable=SC2086 # the arguments are words
    dotnet "$BENCH" "$name" $args --result "$results/$(printf %02d $n)-$name.json" || echo "($name: not every goal met)"
    stop_azurite
  done < bench/Benchmarks/all.txt
  echo "bench all done: $(uptime)"
  status=0
  dotnet "$BENCH" report "$results" bench-results docs/benchmarks.md || status=$?
  rm -rf "$results"
  exit "$status"
fi

# shellcheck disable=SC2046 # three port numbers
if [[ "${1:-}" == faults ]]; then
  start_azurite $(free_ports 3) # one process: the fault ledger run freezes this Azurite (SIGSTOP/SIGCONT), and no other
else
  start_azurite_split $(free_ports 3) # one process per service, queues on a memory-backed folder (scripts/azurite.sh)
fi
export AZURITE_PID
dotnet "$BENCH" "$@"
