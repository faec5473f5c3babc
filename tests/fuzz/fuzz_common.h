/* Shared harness for the extractor fuzzers. The input is split on '\n' into header values, assigned
 * in order to the target's header names (a value may be empty; a missing line means the header is
 * absent). Each value is handed out as an exact-length heap copy without a terminating NUL, so any
 * read past a value is caught by AddressSanitizer.
 * Invariants checked for every input:
 *   - extraction returns a context (never NULL when memory is available) and never crashes;
 *   - the result is either a valid remote span context or none;
 *   - injecting what was extracted and extracting again gives back the same ids and flags
 *     (and the same baggage entries), i.e. whatever we accept we can re-emit faithfully. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "otelc/sdk/propagators.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs the invariants for propagator p over input split across the names (NULL-terminated). */
void fuzz_run(otelc_propagator *p, const char *const *names, const uint8_t *data, size_t size);

#endif
