#!/bin/sh
# Builds the libFuzzer targets with clang (-DOTELC_BUILD_FUZZERS=ON) in BUILD_DIR and runs each for
# SECONDS, starting from the committed seed corpus (tests/fuzz/corpus/<target>; new inputs go to
# BUILD_DIR/corpus, the committed corpus is never modified). Exits non-zero on any crash, leak,
# sanitizer report or invariant failure; the reproducer is left in BUILD_DIR/artifacts.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS
set -eu
if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build=$1
secs=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v clang >/dev/null 2>&1; then
  echo "fuzz: clang not found" >&2
  exit 1
fi
mkdir -p "$build"
build=$(cd "$build" && pwd)

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DOTELC_BUILD_FUZZERS=ON -DOTELC_BUILD_TESTS=ON -DOTELC_BUILD_EXAMPLES=OFF -DOTELC_BUILD_TOOLS=OFF \
  -DOTELC_BUILD_BENCH=OFF -DOTELC_BUILD_SHARED=OFF -DOTELC_ENABLE_OTLP=OFF \
  -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  >"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; exit 1; }
cmake --build "$build" --target fuzzers -j2 >"$build/build.log" 2>&1 || { tail -40 "$build/build.log" >&2; exit 1; }

status=0
for t in tracecontext baggage datadog b3; do
  work="$build/corpus/$t"
  mkdir -p "$work" "$build/artifacts"
  printf 'fuzz_%s: %ss ... ' "$t" "$secs"
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=20000 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$build/artifacts/$t-" "$work" "$root/tests/fuzz/corpus/$t" \
       >"$build/fuzz_$t.log" 2>&1; then
    echo "ok ($(grep -o 'Done [0-9]* runs' "$build/fuzz_$t.log" | tail -1))"
  else
    echo "FAILED (see $build/fuzz_$t.log)"
    tail -30 "$build/fuzz_$t.log" >&2
    status=1
  fi
done
exit $status
