/* Fuzzes W3C Baggage extraction: the whole input (up to the first newline) is the baggage header,
 * a second line is a repeated header joined as HTTP would. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static otelc_propagator *p;
    static const char *const names[] = {"baggage", NULL};
    if (!p) p = otelc_propagator_baggage();
    fuzz_run(p, names, data, size);
    return 0;
}
