#!/usr/bin/env bash
# Runs otelc-bench and otelcpp-bench (opentelemetry-cpp's SDK on the same scenarios) side by side:
# fetches opentelemetry-cpp when the system lacks it (fetch-otelcpp.sh), builds both in a Release tree
# of their own, runs them alternately and prints each scenario's figures for both. Not part of the test
# suite or CI. Nothing here passes or fails on time.
#
#   bench/peers/run.sh [--runs N] [--build DIR] [-- bench args...]
#     --runs N     runs of each benchmark, alternating otelc / opentelemetry-cpp (default 3)
#     --build DIR  build tree (default <repo>/build-peers); the private prefix goes in DIR/otelcpp-root
#     bench args   passed to both (--spans, --reps, --scale, --only)
#   Environment: JOBS (default nproc), OTELCPP_ROOT (a prefix fetched elsewhere).
#
# Each run's JSON lines are kept in DIR/results/ (otelc-<i>.jsonl, otelcpp-<i>.jsonl), the table in
# DIR/results/table.txt. The host is noisy: compare ratio_to_floor (each process measures its own floor).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs=3
build="$root/build-peers"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --) shift; break ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (bench arguments go after --)" >&2; exit 2 ;;
  esac
done
[[ "$build" = /* ]] || build="$PWD/$build"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

# 1. opentelemetry-cpp: the system's, or Debian 13's in a private prefix (the script's last stdout line;
#    nothing when the system's is usable).
prefix="$(OTELCPP_ROOT="${OTELCPP_ROOT:-$build/otelcpp-root}" "$here/fetch-otelcpp.sh" | tail -1)"

# 2. Both benchmarks, Release, in their own tree (no tests, examples or tools).
mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOTELC_BUILD_BENCH=ON -DOTELC_BENCH_PEERS=ON \
  -DOTELCPP_ROOT="$prefix" -DOTELC_BUILD_TESTS=OFF -DOTELC_BUILD_EXAMPLES=OFF -DOTELC_BUILD_TOOLS=OFF \
  >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  echo "run.sh: configure failed (log: $build/configure.log)" >&2
  exit 1
}
grep -E 'otelcpp-bench|OTELC_BENCH_PEERS' "$build/configure.log" >&2 || true
cmake --build "$build" --target otelc-bench -j "$jobs" >"$build/build.log" 2>&1 || {
  tail -40 "$build/build.log" >&2
  exit 1
}
if ! cmake --build "$build" --target help 2>/dev/null | grep -q otelcpp-bench; then
  echo "run.sh: otelcpp-bench is not configured (see $build/configure.log)" >&2
  exit 1
fi
cmake --build "$build" --target otelcpp-bench -j "$jobs" >>"$build/build.log" 2>&1 || {
  tail -40 "$build/build.log" >&2
  exit 1
}
a="$build/bench/otelc-bench"
b="$build/bench/peers/otelcpp-bench"

# 3. Alternate runs.
out="$build/results"
rm -rf "$out"
mkdir -p "$out"
echo "run.sh: $(nproc 2>/dev/null || echo '?') cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')" >&2
for ((i = 1; i <= runs; i++)); do
  echo "run.sh: run $i/$runs: otelc-bench" >&2
  "$a" --no-summary "$@" >"$out/otelc-$i.jsonl" 2>>"$out/stderr.log"
  echo "run.sh: run $i/$runs: otelcpp-bench" >&2
  "$b" --no-summary "$@" >"$out/otelcpp-$i.jsonl" 2>>"$out/stderr.log"
done

files=()
for ((i = 1; i <= runs; i++)); do files+=("$out/otelc-$i.jsonl" "$out/otelcpp-$i.jsonl"); done
# 4. The table: per scenario (otelc-bench's order), each side's value (ratio to its floor, dropped) for
#    every run.
awk -v runs="$runs" '
  function field(line, key,    i, rest) {
    i = index(line, "\"" key "\": ")
    if (!i) return ""
    rest = substr(line, i + length(key) + 4)
    if (substr(rest, 1, 1) == "\"") { rest = substr(rest, 2); return substr(rest, 1, index(rest, "\"") - 1) }
    match(rest, /^[^,}]*/)
    return substr(rest, 1, RLENGTH)
  }
  FNR == 1 {
    side = FILENAME ~ /otelcpp-[0-9]+\.jsonl$/ ? "otelcpp" : "otelc"
    run = FILENAME; sub(/.*-/, "", run); sub(/\.jsonl$/, "", run)
  }
  /^\{/ {
    name = field($0, "name")
    if (!(name in seen)) { seen[name] = 1; order[++n] = name }
    u = field($0, "unit"); if (u != "null" && u != "") unit[name] = u
    v = field($0, "value")
    if (v == "null") cell = "unavailable"
    else {
      cell = v
      r = field($0, "ratio_to_floor"); if (r != "null" && r != "") cell = cell sprintf(" (%.2fx", r) ; else cell = cell " ("
      d = field($0, "dropped"); if (d != "null" && d != "") cell = cell (r != "null" ? ", " : "") "d=" d
      cell = cell ")"
      sub(/ \(\)$/, "", cell)
    }
    val[name, side, run] = cell
  }
  END {
    printf "%-36s %-8s %-8s", "scenario", "side", "unit"
    for (i = 1; i <= runs; i++) printf "  %-28s", "run " i " value (ratio, dropped)"
    printf "\n"
    for (k = 1; k <= n; k++) {
      name = order[k]
      for (s = 1; s <= 2; s++) {
        side = s == 1 ? "otelc" : "otelcpp"
        printf "%-36s %-8s %-8s", s == 1 ? name : "", side, s == 1 ? unit[name] : ""
        for (i = 1; i <= runs; i++) {
          c = ((name, side, i) in val) ? val[name, side, i] : "-"
          printf "  %-28s", c
        }
        printf "\n"
      }
    }
  }' "${files[@]}" | tee "$out/table.txt"
echo "run.sh: JSON lines and this table are in $out (otelcpp's unavailable reasons and notes are in its JSON)" >&2
