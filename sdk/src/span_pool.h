/* Recycling of span storage between threads (private to the SDK).
 *
 * Spans are allocated on one thread and may be freed on another (a span ended by another thread, a
 * thread's cache overflowing). Through malloc that costs the threads a shared arena lock on every span;
 * here freed spans go to a small per-thread cache, and past it to a bounded lock-free ring that
 * allocating threads take from, so the steady state does no malloc at all (with the batch processor
 * each thread releases its own exported spans: span_queue.c). Memory stays bounded: the ring and each
 * cache have fixed capacities and anything beyond them goes back to malloc.
 *
 * Under AddressSanitizer parked spans are poisoned, so use-after-free stays detectable.
 * otelc_sdk_release_cached_memory() (provider.h) hands the parked storage back to malloc. */
#ifndef OTELC_SDK_SPAN_POOL_H
#define OTELC_SDK_SPAN_POOL_H

#include <stddef.h>

#include "internal.h"

typedef enum span_pool_class {
    SPAN_POOL_RECORDING = 0, /* sizeof(sdk_span) */
    SPAN_POOL_SMALL = 1,     /* non-recording spans: sizeof(otelc_span) */
    SPAN_POOL__COUNT
} span_pool_class;

OTELC_HIDDEN void *otelc__pool_alloc(span_pool_class c);
OTELC_HIDDEN void otelc__pool_free(span_pool_class c, void *p);

#endif
