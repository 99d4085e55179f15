#!/usr/bin/env bash
# Instructions per request of one server on one workload, under callgrind: repeatable where
# requests per second are not (a shared machine's load changes them; it does not change
# how many instructions a request takes).
#
#   bench/callgrind.sh ours a      # or ours-router / rmcp / floor; workloads a (stateless call),
#                                  # b (call in a session), c (10 progress frames), f (tools/list)
#
# Needs valgrind and wrk (apt-get install valgrind wrk) and a release build of the bench
# (cargo build --release -p bench). Prints the count and leaves the profile in
# target/callgrind/ for callgrind_annotate --inclusive=yes --tree=calling.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: bench/callgrind.sh ours|ours-router|rmcp|floor a|b|c|f [seconds]}
workload=${2:?usage: bench/callgrind.sh ours|ours-router|rmcp|floor a|b|c|f [seconds]}
seconds=${3:-8}
out=target/callgrind
mkdir -p "$out"
profile="$out/$kind.$workload"
rm -f "$profile" "$profile".*

# `ours` is a serve() binary: it listens on MCP_ADDR, as users' binaries do.
if [ "$kind" = ours ]; then
  MCP_ADDR=127.0.0.1:$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export MCP_ADDR
fi
valgrind --tool=callgrind --callgrind-out-file="$profile" target/release/bench serve "$kind" \
  >"$out/server.out" 2>"$out/server.err" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q '^PORT' "$out/server.out" && break; sleep 0.5; done
port=$(awk '/^PORT/ {print $2}' "$out/server.out")
url="http://127.0.0.1:$port/mcp"
json=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
envelope='"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"bench","version":"0.1.0"}'

headers=()
case $workload in
  a) body='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"},"_meta":{'"$envelope"'}}}'
     headers=(MCP-Protocol-Version 2026-07-28 Mcp-Method tools/call Mcp-Name echo) ;;
  c) body='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"progress","arguments":{"frames":10,"delay_ms":0},"_meta":{"progressToken":1,'"$envelope"'}}}'
     headers=(MCP-Protocol-Version 2026-07-28 Mcp-Method tools/call Mcp-Name progress) ;;
  f) body='{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{'"$envelope"'}}}'
     headers=(MCP-Protocol-Version 2026-07-28 Mcp-Method tools/list) ;;
  b) # One session shared by every connection: enough to count the per-call work.
     session=$(curl -s -D - -o /dev/null "${json[@]}" \
       -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"0.1.0"}}}' \
       "$url" | awk 'tolower($1) == "mcp-session-id:" {print $2}' | tr -d '\r')
     curl -s -o /dev/null "${json[@]}" -H "Mcp-Session-Id: $session" -H 'MCP-Protocol-Version: 2025-11-25' \
       -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$url"
     body='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}'
     headers=(MCP-Protocol-Version 2025-11-25 Mcp-Session-Id "$session") ;;
  *) echo "unknown workload $workload" >&2; exit 2 ;;
esac

script="$out/request.lua"
{
  echo 'wrk.method = "POST"'
  echo "wrk.body = [==[$body]==]"
  echo 'wrk.headers["Content-Type"] = "application/json"'
  echo 'wrk.headers["Accept"] = "application/json, text/event-stream"'
  for ((i = 0; i < ${#headers[@]}; i += 2)); do
    echo "wrk.headers[\"${headers[i]}\"] = \"${headers[i + 1]}\""
  done
} >"$script"

wrk -t1 -c4 -d2s -s "$script" "$url" >/dev/null # warm up, then count from zero
callgrind_control -z "$server" >/dev/null
wrk -t1 -c4 -d"${seconds}s" -s "$script" "$url" >"$out/wrk.out"
callgrind_control -d "$server" >/dev/null
requests=$(awk '/requests in/ {print $1}' "$out/wrk.out")
instructions=$(callgrind_annotate "$profile.1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "$kind ($workload): $requests requests, $((instructions / requests)) instructions per request ($profile.1)"
