#!/usr/bin/env bash
# The main job: install what is missing, build, and run the instrumented quickstart example.
# (This first version prints the spans with the console exporter.)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${OTELC_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target quickstart >/dev/null

echo "== quickstart: 3 orders, spans printed by the console exporter =="
OTEL_SERVICE_NAME=otelc-demo OTEL_TRACES_EXPORTER=console "$build/examples/quickstart" 3
