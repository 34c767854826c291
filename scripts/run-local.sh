#!/usr/bin/env bash
# The run command: installs what it needs, then starts Azurite (in memory, 127.0.0.1:10000-10002), the Front simulator
# (http://127.0.0.1:7072, unless Front__ApiBaseUrl points elsewhere), a small partner receiver (http://127.0.0.1:7073/events,
# unless Partner__OutboundUrl points elsewhere) and the local Functions host (http://127.0.0.1:7071, HTTP routes + the queue
# listener, delivering teammates' replies to the partner receiver signed), and prints the URLs. Ctrl+C stops everything.
# With it running, `bash scripts/demo.sh` imports a few conversations through the app's import API, prints the map, and has
# the simulator send a teammate's reply that the partner receiver shows, signature verified.
# Ports: APP_PORT (7071), SIMULATOR_PORT (7072), PARTNER_PORT (7073), AZURITE_PORTS ("10000 10001 10002": blob, queue,
# table); all are checked before anything is built, and the demo command printed at the end names the ones in use.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
source scripts/azurite.sh

app_port=${APP_PORT:-7071}
simulator_port=${SIMULATOR_PORT:-7072}
partner_port=${PARTNER_PORT:-7073}
read -r blob_port queue_port table_port <<<"${AZURITE_PORTS:-10000 10001 10002}"
simulator_url=http://127.0.0.1:$simulator_port
partner_url=http://127.0.0.1:$partner_port
app_url=http://127.0.0.1:$app_port
uses_simulator() { [[ -z "${Front__ApiBaseUrl:-}" || "${Front__ApiBaseUrl%/}" == "$simulator_url" ]]; }
uses_receiver() { [[ -z "${Partner__OutboundUrl:-}" || "${Partner__OutboundUrl%/}" == "$partner_url/events" ]]; }

# Every port is checked before anything is built: a taken one stops here, naming the variable that moves it.
taken=()
check_port() { if port_in_use "$1"; then taken+=("port $1 ($2; set $3 to move it)"); fi; }
check_port "$app_port" "the local host" APP_PORT
if uses_simulator; then check_port "$simulator_port" "the Front simulator" SIMULATOR_PORT; fi
if uses_receiver; then check_port "$partner_port" "the partner receiver" PARTNER_PORT; fi
for port in "$blob_port" "$queue_port" "$table_port"; do check_port "$port" "Azurite" AZURITE_PORTS; done
if ((${#taken[@]} > 0)); then
  printf 'error: taken on 127.0.0.1: %s\n' "${taken[@]}" >&2
  echo "       e.g. APP_PORT=7171 SIMULATOR_PORT=7172 PARTNER_PORT=7173 AZURITE_PORTS=\"10100 10101 10102\" bash scripts/run-local.sh" >&2
  exit 1
fi

install_azurite
dotnet build LocalHost -c Debug --nologo -v quiet
dotnet build FrontSimulator -c Debug --nologo -v quiet
dotnet build tools/PartnerReceiver -c Debug --nologo -v quiet
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

start_azurite "$blob_port" "$queue_port" "$table_port"

# The simulator stands in for Front unless Front__ApiBaseUrl (environment) names another API.
if uses_simulator; then
  export Front__ApiBaseUrl="$simulator_url"
  dotnet run --project FrontSimulator --no-build --no-launch-profile -- --urls "$simulator_url" &
  pids+=($!)
fi

# The partner system stands in for yours unless Partner__OutboundUrl (environment) names another endpoint. Environment
# variables override local.settings.json for the local host: delivery is switched on, signed with a secret made for this run
# (or Partner__SigningSecret from the environment), which the receiver verifies.
export Partner__SigningSecret="${Partner__SigningSecret:-whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')}"
export AzureWebJobs_DeliverOutboundMessage_Disabled=false
if uses_receiver; then
  export Partner__OutboundUrl="$partner_url/events"
  dotnet run --project tools/PartnerReceiver --no-build --no-launch-profile -- --urls "$partner_url" &
  pids+=($!)
fi

# Front's notifications go to Front__PublicBaseUrl (local.settings.json: the default port): on another port, to this one.
if [[ "$app_port" != 7071 && -z "${Front__PublicBaseUrl:-}" ]]; then export Front__PublicBaseUrl="$app_url"; fi
dotnet run --project LocalHost --no-build --no-launch-profile -- --urls "$app_url" &
pids+=($!)

# Once the host answers HTTP, say what to do next (the key is the one local.settings.json gives the local host).
answers_http() {
  (exec 3<>"/dev/tcp/127.0.0.1/$app_port" && printf 'GET /api/map/cha_0/messages HTTP/1.0\r\n\r\n' >&3 && head -c 12 <&3 | grep -q '^HTTP/') 2>/dev/null
}
deadline=$((SECONDS + 120))
until answers_http; do
  if ! kill -0 "${pids[-1]}" 2>/dev/null || ((SECONDS > deadline)); then
    echo "error: the local host did not start (see its output above)." >&2
    exit 1
  fi
  sleep 0.3
done
key=$(node -p 'require("./local.settings.json").Values.LocalHost__FunctionKey || "(none: set LocalHost__FunctionKey in local.settings.json)"')
demo="bash scripts/demo.sh"
if [[ "$app_port" != 7071 || "$partner_port" != 7073 || "$simulator_port" != 7072 ]]; then
  demo="DEMO_APP_URL=$app_url/ DEMO_PARTNER_URL=$partner_url/ DEMO_FRONT_URL=${Front__ApiBaseUrl%/}/ bash scripts/demo.sh"
fi
cat <<EOF

Running. Next:
  1. In another terminal, the demo (authorizes a channel, imports 9 messages through the import API, prints the map, then a
     teammate's reply from the simulator arrives at the partner receiver, signed and verified):
       $demo
     What the partner receiver got: curl -s $partner_url/events
  2. The lookup API's function key (LocalHost__FunctionKey in local.settings.json): $key
  3. Look a message up; CHANNEL is the channel id the demo printed. External ids must be URL-encoded
     (curl's --data-urlencode does it; a raw '+' arrives as a space and answers 404):
       CHANNEL=cha_demo...   # from the demo's first line
       curl -sG "$app_url/api/map/\$CHANNEL/messages" -H "x-functions-key: $key" --data-urlencode "external_id=sms:+15550100/message-1"
  4. The operator console (channels, backlog, failures, re-queue, lookup; it asks for the key above):
       $app_url/api/console
Ctrl+C stops everything.
EOF
wait -n "${pids[@]}"
