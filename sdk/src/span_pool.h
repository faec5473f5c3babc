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

/* Deferred release, for the batch worker: instead of dropping its references itself (which would pull
 * each span's cache lines over to the worker's core and back), the worker hands the exported spans back
 * to the threads that allocated them, as blocks of pointers, and each thread drops the references a few
 * at a time when it next allocates spans, while the lines are still in its own cache. The worker never
 * reads or writes span memory; owners[i] is spans[i]'s owner (NULL: release at once). */
OTELC_HIDDEN void otelc__spans_release_deferred(otelc_span *const *spans, park_owner *const *owners, size_t n);
/* The calling thread's owner record, for otelc__span_start to put in span->owner (NULL on OOM). */
OTELC_HIDDEN park_owner *otelc__pool_owner(void);
/* Drops every parked reference of every thread (batch shutdown, idle worker, release_cached_memory). */
OTELC_HIDDEN void otelc__span_release_all_parked(void);
/* Re-creates the registry lock in the child after fork(). */
OTELC_HIDDEN void otelc__pool_after_fork(void);

#endif
