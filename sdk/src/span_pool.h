/* Recycling of span storage between threads (private to the SDK).
 *
 * Spans are allocated on application threads and, with the batch processor, freed on the worker
 * thread. Through malloc that costs the two threads a shared arena lock on every span; here freed
 * spans go to a bounded lock-free ring that allocating threads take from, through a small per-thread
 * cache, so the steady state does no malloc at all. Memory stays bounded: the ring and each cache
 * have fixed capacities and anything beyond them goes back to malloc.
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

/* Deferred release, for the batch worker: instead of dropping its reference itself (which would pull
 * the span's cache lines over to the worker's core and back), the worker parks the span and a thread
 * that allocates spans drops the reference later, while the lines are still in its own cache. Bounded:
 * when the parking ring is full the span is released at once. */
OTELC_HIDDEN void otelc__span_release_deferred(otelc_span *span);
/* Drops up to max parked references on this thread; returns how many. */
OTELC_HIDDEN size_t otelc__span_release_parked(size_t max);

#endif
