#!/usr/bin/env bash
# check_symbols.sh <nm> <library>...: fails, listing them, when a library defines a global symbol that
# does not start with otelc_. Allowed besides: otel_thread_ctx_v1 (the TLS name the thread-context
# specification fixes for profilers) and what sanitizers generate (__odr_asan.*, __asan_*, ...).
set -euo pipefail
nm_bin="$1"
shift
bad=0
for lib in "$@"; do
  case "$lib" in
    *.so | *.so.*) syms=$("$nm_bin" -D --defined-only "$lib") ;;
    *) syms=$("$nm_bin" -g --defined-only "$lib") ;;
  esac
  offenders=$(printf '%s\n' "$syms" | awk 'NF == 3 { print $3 }' |
    grep -Ev '^(otelc_|otel_thread_ctx_v1$|__odr_asan|__asan|__tsan|__ubsan|__sancov)' | sort -u || true)
  if [[ -n "$offenders" ]]; then
    echo "$lib defines global symbols outside the otelc_ namespace:"
    printf '  %s\n' $offenders | head -20
    bad=1
  fi
done
[[ $bad -eq 0 ]] && echo "checked $# libraries: every global symbol starts with otelc_"
exit $bad
