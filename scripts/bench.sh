#!/usr/bin/env bash
# Benchmarks (not part of the test command): bash scripts/bench.sh <name> [args…]
#   ingest [count=2000] [concurrency=16] [rounds=3]   webhook ingest vs a plain enqueue loop, same Azurite
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
source scripts/azurite.sh
install_azurite
dotnet build bench/Benchmarks -c Release --nologo -v quiet
trap stop_azurite EXIT
start_azurite "$(free_port)" "$(free_port)" "$(free_port)"
dotnet bench/Benchmarks/bin/Release/net10.0/Benchmarks.dll "$@"
