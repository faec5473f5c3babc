#!/usr/bin/env bash
# The test command: install what is missing, then build and run every test
#   1. the whole cmocka suite (ctest) in a RelWithDebInfo build, with a short smoke run of otelc-bench,
#   2. the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. the threaded tests (label "threads") under ThreadSanitizer,
#   4. the libFuzzer targets for a bounded time (tests/fuzz/run.sh), when present.
# Ends with one line "N passed, N failed" over all stages; exits non-zero if anything failed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${OTELC_TEST_DIR:-$root/build-test}"
jobs="$(nproc)"
fuzz_seconds="${OTELC_FUZZ_SECONDS:-20}"

"$root/scripts/install-deps.sh" || { echo "test: dependency installation failed"; exit 1; }

total_pass=0
total_fail=0
failed_stages=()

# run_ctest <stage> <build dir> [ctest args...]
run_ctest() {
  local stage="$1" dir="$2"; shift 2
  local log="$dir/ctest.log"
  (cd "$dir" && ctest --output-on-failure -j"$jobs" "$@") 2>&1 | tee "$log"
  local summary pass fail
  summary=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -1)
  if [ -z "$summary" ]; then
    echo "test: [$stage] ctest produced no summary"
    failed_stages+=("$stage")
    total_fail=$((total_fail + 1))
    return
  fi
  fail=$(echo "$summary" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
  local all
  all=$(echo "$summary" | sed -E 's/.* tests failed out of ([0-9]+).*/\1/')
  pass=$((all - fail))
  total_pass=$((total_pass + pass))
  total_fail=$((total_fail + fail))
  [ "$fail" -eq 0 ] || failed_stages+=("$stage")
}

# build <stage> <dir> <cmake args...>
build() {
  local stage="$1" dir="$2"; shift 2
  echo "== [$stage] configure and build in $dir =="
  if ! cmake -S "$root" -B "$dir" "$@" >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"; echo "test: [$stage] configure failed"; return 1
  fi
  if ! cmake --build "$dir" -j"$jobs" >"$dir.build.log" 2>&1; then
    grep -E "error|Error" -A3 "$dir.build.log" | head -60; echo "test: [$stage] build failed"; return 1
  fi
}

mkdir -p "$out"
san_flags="-fno-omit-frame-pointer -fno-sanitize-recover=all"

if build release "$out/release" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTELC_BUILD_BENCH=ON; then
  run_ctest release "$out/release"
else
  failed_stages+=("release-build"); total_fail=$((total_fail + 1))
fi

if build asan "$out/asan" -DCMAKE_BUILD_TYPE=Debug -DOTELC_BUILD_BENCH=OFF -DOTELC_BUILD_SHARED=OFF \
     "-DCMAKE_C_FLAGS=-fsanitize=address,undefined $san_flags" \
     "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined"; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest asan+ubsan "$out/asan" -LE no_sanitizer
else
  failed_stages+=("asan-build"); total_fail=$((total_fail + 1))
fi

if build tsan "$out/tsan" -DCMAKE_BUILD_TYPE=Debug -DOTELC_BUILD_BENCH=OFF -DOTELC_BUILD_SHARED=OFF \
     -DOTELC_BUILD_EXAMPLES=OFF "-DCMAKE_C_FLAGS=-fsanitize=thread $san_flags" \
     "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread"; then
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 run_ctest tsan "$out/tsan" -L threads
else
  failed_stages+=("tsan-build"); total_fail=$((total_fail + 1))
fi

if [ -x "$root/tests/fuzz/run.sh" ]; then
  echo "== [fuzz] libFuzzer targets, ${fuzz_seconds}s each =="
  if "$root/tests/fuzz/run.sh" "$out/fuzz" "$fuzz_seconds"; then
    total_pass=$((total_pass + 1))
  else
    failed_stages+=("fuzz"); total_fail=$((total_fail + 1))
  fi
fi

echo
if [ ${#failed_stages[@]} -ne 0 ]; then echo "test: failed stages: ${failed_stages[*]}"; fi
echo "${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ]
