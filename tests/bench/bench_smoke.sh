#!/usr/bin/env bash
# bench_smoke.sh <otelc-bench>: runs it with tiny counts and fails when it exits non-zero, prints a line
# that is not a JSON object with name, value, unit, floor_ns, ratio_to_floor and dropped, leaves out a
# scenario issue 5 names, or prints no summary.
set -uo pipefail
bench="$1"
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
if ! "$bench" --scale 0.01 --spans 20000 --reps 1 >"$out" 2>"$err"; then
  echo "otelc-bench exited non-zero"; cat "$err"; exit 1
fi
bad=0
line_re='^\{"name": "[a-z0-9_]+", "value": (null|-?[0-9.e+-]+), "unit": (null|"ns"|"spans/s"|"B/span"), "floor_ns": [0-9.]+, "ratio_to_floor": (null|[0-9.e+-]+), "dropped": (null|[0-9]+)(, "(note|unavailable)": "([^"\\]|\\.)*")?\}$'
while IFS= read -r line; do
  if ! [[ "$line" =~ $line_re ]]; then echo "malformed line: $line"; bad=1; fi
done <"$out"
for name in floor span_sampled_attrs4_batch span_sampled_attrs4_simple span_unsampled api_noop \
  span_sampled_attrs4_batch_2threads scope_switch scope_switch_thread_ctx otlp_encode span_memory \
  batch_worker_cpu wake_delay_max span_sampled_attrs4_noproc span_sampled_attrs4_noproc_2threads \
  span_sampled_attrs4_noproc_2threads_napper; do
  if ! grep -q "^{\"name\": \"$name\"," "$out"; then echo "no line for $name"; bad=1; fi
done
if ! grep -q "otelc-bench summary" "$err"; then echo "no summary on stderr"; cat "$err"; bad=1; fi
[ $bad -eq 0 ] && echo "otelc-bench: $(wc -l <"$out") well-formed lines, every scenario present, summary printed"
exit $bad
