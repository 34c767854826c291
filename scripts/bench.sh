#!/usr/bin/env bash
# Benchmarks (not part of the test command): bash scripts/bench.sh <name> [args…]
#   ingest [count=2000] [concurrency=16] [rounds=3]   webhook ingest vs a plain enqueue loop, same Azurite
#   calls [conversations=200] [per conversation=10] [import concurrency=8]   Front API calls per mapped message, with and without notification metadata
#   drain [messages=450] [window s=180] [warm-up s=60]   drain rate at 100 rpm / burst 5 (share of the limit, 429s per minute)
#   latency [messages=300] [imports/s=10] [lookup concurrency=16] [lookup requests=3000]   notification→lookup p50/p99; lookup API p99 vs a point query
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
source scripts/azurite.sh
install_azurite
dotnet build bench/Benchmarks -c Release --nologo -v quiet
trap stop_azurite EXIT
start_azurite "$(free_port)" "$(free_port)" "$(free_port)"
dotnet bench/Benchmarks/bin/Release/net10.0/Benchmarks.dll "$@"
