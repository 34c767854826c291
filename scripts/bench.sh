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
if [[ "${1:-}" =~ ^(budget|faults)$ ]]; then
  dotnet build LocalHost -c Release --nologo -v quiet # these benchmarks start it as separate processes
fi
trap stop_azurite EXIT
# shellcheck disable=SC2046 # three port numbers
start_azurite $(free_ports 3)
export AZURITE_PID # the fault ledger run freezes this Azurite (SIGSTOP/SIGCONT), and no other
dotnet bench/Benchmarks/bin/Release/net10.0/Benchmarks.dll "$@"
