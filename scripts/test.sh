#!/usr/bin/env bash
# The test command: installs what the tests need (Azurite from npm, NuGet packages), starts its own Azurite on free
# loopback ports, runs every test project in FrontFunctions.sln, stops Azurite, and ends with "N passed, N failed".
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
source scripts/azurite.sh

install_azurite
# The operator console's browser tests drive Debian's headless Chromium through its chromedriver (Selenium).
if ! { command -v chromium && command -v chromedriver; } >/dev/null 2>&1; then
  sudo_if_needed() { if ((EUID == 0)); then "$@"; else sudo "$@"; fi; }
  sudo_if_needed apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq chromium chromium-driver >/dev/null
fi
dotnet build FrontFunctions.sln -c Release --nologo -v quiet

trap stop_azurite EXIT
# shellcheck disable=SC2046 # three port numbers
start_azurite $(free_ports 3)

results=$(mktemp -d)
export FRONTFUNCTIONS_SCREENSHOTS="$results/console-screenshots" # the console tests save a PNG of each state here
set +e
dotnet test FrontFunctions.sln -c Release --no-build --nologo --results-directory "$results" \
  --logger "trx" --logger "console;verbosity=normal" "$@" 2>&1 | tee "$results/console.log"
status=${PIPESTATUS[0]}
set -e

# Count from the TRX files (one per test project): the counters element of each.
passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [[ -e "$trx" ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if ((status != 0 && failed == 0)); then
  failed=1 # the run itself failed (build, crash, abort): never report it as green
fi

# The fault ledger run, small (README "Fault ledger run"): its own step on its own fresh Azurite (it freezes that one with
# SIGSTOP), after the xunit run; ≥ 10 minutes because a killed queue listener's messages return only after the 10-minute
# lease. Skipped when arguments were given (a filtered test run); counted as one test in the closing line.
if (($# == 0)); then
  stop_azurite
  # shellcheck disable=SC2046 # three port numbers
  start_azurite $(free_ports 3)
  export AZURITE_PID
  echo "Fault ledger run (small: 240 notifications, 1 SIGKILL, 8 s SIGSTOP; ~12 min): log $results/faults.log"
  if FAULTS_OUTPUT="$results/faults" dotnet bench/Benchmarks/bin/Release/net10.0/Benchmarks.dll faults 240 20 1 8 20 >"$results/faults.log" 2>&1; then
    echo "Fault ledger run: passed ($(ls "$results"/faults/faults-*.json))"
    passed=$((passed + 1))
  else
    tail -n 30 "$results/faults.log"
    echo "Fault ledger run: FAILED (log $results/faults.log)"
    failed=$((failed + 1))
    status=1
  fi
fi
for png in "$FRONTFUNCTIONS_SCREENSHOTS"/*.png; do
  if [[ -e "$png" ]]; then echo "Console screenshot: $png"; fi
done
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
