/* Fuzzes B3 extraction: lines are b3, X-B3-TraceId, X-B3-SpanId, X-B3-Sampled, X-B3-Flags; both
 * the single- and the multi-header propagator run on each input. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static otelc_propagator *single, *multi;
    static const char *const names[] = {"b3", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-flags", NULL};
    if (!single) {
        single = otelc_propagator_b3(false);
        multi = otelc_propagator_b3(true);
    }
    fuzz_run(single, names, data, size);
    fuzz_run(multi, names, data, size);
    return 0;
}
