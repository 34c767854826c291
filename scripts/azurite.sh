# Sourced by the run and test scripts: starts Azurite in memory on 127.0.0.1 and exports AzureWebJobsStorage for it.
# Usage: start_azurite <blob-port> <queue-port> <table-port>   (ports must be free; it fails loudly when they are not)
# Azurite is pinned in package.json, and its flags are there, once: the "azurite" script (`npm run azurite` runs it on the
# default ports). --skipApiVersionCheck because the current Azure.Storage.Queues asks for an API version Azurite does not
# know yet (Azurite#2562).

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# N distinct free ports (held open together while chosen, so two calls of free_port cannot return the same one).
free_ports() {
  node -e 'const net=require("net");const n=+process.argv[1];const ss=[];
    const next=()=>{if(ss.length===n){console.log(ss.map(s=>s.address().port).join(" "));ss.forEach(s=>s.close());return;}
      const s=net.createServer();s.listen(0,"127.0.0.1",()=>{ss.push(s);next();});};next();' "${1:-3}"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Both starts: the three ports must be free before, and answer after (AZURITE_PID alive, 60 s at most); then the
# connection string for them is exported.
azurite_ports_free() {
  local port
  for port in "$@"; do
    if port_in_use "$port"; then
      echo "error: port $port on 127.0.0.1 is already taken; stop what uses it or choose other ports." >&2
      return 1
    fi
  done
}

azurite_ready() {
  local blob=$1 queue=$2 table=$3
  local deadline=$((SECONDS + 60))
  until port_in_use "$blob" && port_in_use "$queue" && port_in_use "$table"; do
    if ! kill -0 "$AZURITE_PID" 2>/dev/null || ((SECONDS > deadline)); then
      echo "error: Azurite did not start; its log:" >&2
      cat "$AZURITE_LOG" >&2
      return 1
    fi
    sleep 0.2
  done
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  export AzureWebJobsStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
}

start_azurite() {
  local blob=$1 queue=$2 table=$3
  azurite_ports_free "$blob" "$queue" "$table" || return 1
  AZURITE_LOG=$(mktemp -t azurite.XXXXXX.log)
  local flags
  flags=$(node -p 'require(process.argv[1]).scripts.azurite.replace(/^azurite\s+/, "")' "$REPO_ROOT/package.json")
  # shellcheck disable=SC2086 # the flags are words
  "$REPO_ROOT/node_modules/.bin/azurite" $flags --silent \
    --blobPort "$blob" --queuePort "$queue" --tablePort "$table" >"$AZURITE_LOG" 2>&1 &
  AZURITE_PID=$!
  azurite_ready "$blob" "$queue" "$table" || return 1
  echo "Azurite (pid $AZURITE_PID): blob 127.0.0.1:$blob, queue 127.0.0.1:$queue, table 127.0.0.1:$table"
}

# For benchmarks and the soak run: the three services as three processes (each Azurite service is one single-threaded Node
# process, so one process caps the account at one core), tables and blobs in memory, queues persisted to a folder in
# memory (/dev/shm). Azurite's in-memory queue store keeps an extent per message and its garbage collector, every 60 s,
# blocks the process for seconds once thousands of messages went through (measured: every request stalled for up to
# 2 minutes in `enrich`'s second round, ~10 s a minute in the soak at 55 notifications/s); its file store packs messages
# into large extents. Same ports, same connection string, same AZURITE_PID (the queue process) as start_azurite.
start_azurite_split() {
  local blob=$1 queue=$2 table=$3
  azurite_ports_free "$blob" "$queue" "$table" || return 1
  AZURITE_LOG=$(mktemp -t azurite.XXXXXX.log)
  AZURITE_QUEUE_DIR=$(mktemp -d -p "$( [[ -d /dev/shm ]] && echo /dev/shm || echo "${TMPDIR:-/tmp}")" azurite-queue.XXXXXX)
  "$REPO_ROOT/node_modules/.bin/azurite-blob" --inMemoryPersistence --skipApiVersionCheck --silent --blobHost 127.0.0.1 --blobPort "$blob" >>"$AZURITE_LOG" 2>&1 &
  AZURITE_OTHER_PIDS=$!
  "$REPO_ROOT/node_modules/.bin/azurite-table" --inMemoryPersistence --skipApiVersionCheck --silent --tableHost 127.0.0.1 --tablePort "$table" >>"$AZURITE_LOG" 2>&1 &
  AZURITE_OTHER_PIDS="$AZURITE_OTHER_PIDS $!"
  "$REPO_ROOT/node_modules/.bin/azurite-queue" --location "$AZURITE_QUEUE_DIR" --skipApiVersionCheck --silent --queueHost 127.0.0.1 --queuePort "$queue" >>"$AZURITE_LOG" 2>&1 &
  AZURITE_PID=$!
  azurite_ready "$blob" "$queue" "$table" || return 1
  echo "Azurite, one process per service (queue pid $AZURITE_PID, queues in $AZURITE_QUEUE_DIR): blob 127.0.0.1:$blob, queue 127.0.0.1:$queue, table 127.0.0.1:$table"
}

stop_azurite() {
  local other
  for other in ${AZURITE_OTHER_PIDS:-}; do
    kill "$other" 2>/dev/null || true
  done
  if [[ -n "${AZURITE_OTHER_PIDS:-}" ]]; then
    sleep 0.5
    for other in $AZURITE_OTHER_PIDS; do
      kill -KILL "$other" 2>/dev/null || true
      wait "$other" 2>/dev/null || true
    done
    AZURITE_OTHER_PIDS=
  fi
  if [[ -n "${AZURITE_PID:-}" ]]; then
    kill "$AZURITE_PID" 2>/dev/null || true
    # Azurite closes gracefully and waits for open keep-alive connections; give it 5 s, then end it.
    local deadline=$((SECONDS + 5))
    while kill -0 "$AZURITE_PID" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL "$AZURITE_PID" 2>/dev/null || true
    wait "$AZURITE_PID" 2>/dev/null || true
    AZURITE_PID=
    rm -f "${AZURITE_LOG:-}" # in the temp folder; kept only while Azurite runs (printed when it fails to start)
  fi
  if [[ -n "${AZURITE_QUEUE_DIR:-}" ]]; then
    rm -rf "$AZURITE_QUEUE_DIR"
    AZURITE_QUEUE_DIR=
  fi
}

# npm ci, skipped when node_modules was installed from the same package-lock.json (npm ci always reinstalls from scratch).
install_azurite() {
  if cmp -s package-lock.json node_modules/.installed-from-package-lock.json 2>/dev/null; then
    return 0
  fi
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.installed-from-package-lock.json
}
