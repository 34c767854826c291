#!/usr/bin/env bash
# The demo: with `bash scripts/run-local.sh` running in another terminal, authorizes a channel, imports three
# conversations through the app's import API and prints the id map, with each import's status, as the lookup API answers it.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
[[ -f local.settings.json ]] || cp local.settings.sample.json local.settings.json
dotnet run --project tools/Demo -v quiet
