/* Fuzzes W3C Trace Context extraction: line 1 traceparent, line 2 tracestate. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static otelc_propagator *p;
    static const char *const names[] = {"traceparent", "tracestate", NULL};
    if (!p) p = otelc_propagator_tracecontext();
    fuzz_run(p, names, data, size);
    return 0;
}
