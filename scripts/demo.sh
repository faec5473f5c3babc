#!/usr/bin/env bash
# The main job: install what is missing, build, and run the instrumented quickstart example exporting
# real OTLP/HTTP to a local otelc-receiver, then print the trace trees the receiver got.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${OTELC_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target quickstart otelc-receiver >/dev/null

work="$(mktemp -d)"
receiver_pid=""
cleanup() {
  if [ -n "$receiver_pid" ] && kill -0 "$receiver_pid" 2>/dev/null; then
    kill "$receiver_pid" 2>/dev/null || true
    wait "$receiver_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Port 0: the receiver picks a free loopback port and writes it to a file we wait for.
"$build/tools/otelc-receiver/otelc-receiver" --host 127.0.0.1 --port 0 --port-file "$work/port" \
  --output "$work/traces.txt" 2>"$work/receiver.log" &
receiver_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/port" ] && break
  if ! kill -0 "$receiver_pid" 2>/dev/null; then
    echo "demo: otelc-receiver failed to start:" >&2
    cat "$work/receiver.log" >&2
    exit 1
  fi
  sleep 0.05
done
if [ ! -s "$work/port" ]; then
  echo "demo: otelc-receiver did not report its port" >&2
  exit 1
fi
port="$(cat "$work/port")"

echo "== otelc-receiver listening on http://127.0.0.1:$port =="
echo "== quickstart: 3 orders, exported as OTLP/HTTP protobuf =="
OTEL_SERVICE_NAME=otelc-demo OTEL_TRACES_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" \
  OTEL_LOG_LEVEL="${OTEL_LOG_LEVEL:-warn}" "$build/examples/quickstart" 3

# quickstart flushes on exit; stop the receiver so its output file is complete.
kill "$receiver_pid"
wait "$receiver_pid" 2>/dev/null || true
receiver_pid=""

echo
echo "== traces received by otelc-receiver =="
if [ ! -s "$work/traces.txt" ]; then
  echo "demo: the receiver got no spans" >&2
  cat "$work/receiver.log" >&2
  exit 1
fi
cat "$work/traces.txt"
