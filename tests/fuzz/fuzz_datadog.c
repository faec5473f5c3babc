/* Fuzzes Datadog extraction, alone and combined with W3C: lines are x-datadog-trace-id,
 * -parent-id, -sampling-priority, -origin, -tags, then traceparent and tracestate. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static otelc_propagator *dd, *both;
    static const char *const names[] = {"x-datadog-trace-id", "x-datadog-parent-id", "x-datadog-sampling-priority",
                                        "x-datadog-origin", "x-datadog-tags", "traceparent", "tracestate", NULL};
    if (!dd) {
        dd = otelc_propagator_datadog();
        both = otelc_propagator_from_names("tracecontext,datadog", NULL);
    }
    fuzz_run(dd, names, data, size);
    fuzz_run(both, names, data, size);
    return 0;
}
