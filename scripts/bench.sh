#!/usr/bin/env bash
# Builds otelc-bench in a Release tree and runs it. JSON lines go to stdout, the summary (each figure
# beside its goal) to stderr. Nothing here passes or fails on time.
#
#   scripts/bench.sh [BUILD_DIR] [-- otelc-bench args...]
#     BUILD_DIR defaults to build-bench (relative to the repository root).
#   Environment: JOBS (default: nproc), CMAKE_ARGS (extra configure arguments, e.g. -DOTELC_BENCH_PEERS=ON).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="build-bench"
if [[ $# -gt 0 && "$1" != "--" ]]; then
  build="$1"
  shift
fi
[[ $# -gt 0 && "$1" == "--" ]] && shift
[[ "$build" = /* ]] || build="$root/$build"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

# The bench's own tree (and any fresh one) skips tests, examples and tools; an existing tree given on the
# command line keeps its own choices (only the bench targets are built either way).
fresh=()
[[ -f "$build/CMakeCache.txt" && "$build" != "$root/build-bench" ]] || fresh=(-DOTELC_BUILD_TESTS=OFF -DOTELC_BUILD_EXAMPLES=OFF -DOTELC_BUILD_TOOLS=OFF)
mkdir -p "$build"
# shellcheck disable=SC2086
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOTELC_BUILD_BENCH=ON "${fresh[@]}" ${CMAKE_ARGS:-} >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  echo "bench.sh: configure failed (log: $build/configure.log)" >&2
  exit 1
}
cmake --build "$build" --target otelc-bench -j "$jobs" >&2
# The opentelemetry-cpp peer exists only with -DOTELC_BENCH_PEERS=ON and an installed opentelemetry-cpp.
if cmake --build "$build" --target help 2>/dev/null | grep -q otelcpp-bench; then
  cmake --build "$build" --target otelcpp-bench -j "$jobs" >&2
fi

echo "bench.sh: $(nproc 2>/dev/null || echo '?') cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')" >&2
"$build/bench/otelc-bench" "$@"

if [[ -x "$build/bench/peers/otelcpp-bench" ]]; then
  "$build/bench/peers/otelcpp-bench" "$@"
fi
