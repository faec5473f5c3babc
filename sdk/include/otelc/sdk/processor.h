/* Span processors: hooks at span start and end. The SDK provides simple (export each span as it ends,
 * on the ending thread), batch (queue and export from a worker thread, never blocking the caller) and
 * multi (fan out). Implement otelc_processor_ops for your own. Processors are thread-safe: on_start and
 * on_end are called concurrently from application threads and must not block. */
#ifndef OTELC_SDK_PROCESSOR_H
#define OTELC_SDK_PROCESSOR_H

#include <stddef.h>
#include <stdint.h>

#include "otelc/sdk/exporter.h"
#include "otelc/sdk/span_data.h"
#include "otelc/status.h"

OTELC_BEGIN_DECLS

typedef struct otelc_processor otelc_processor;

/* A finished span as seen by on_end: `data` is the read-only view; the processor may keep the span
 * past the call only by taking a reference with otelc_span_retain() on `span` (and releasing it later). */
typedef struct otelc_processor_ops {
    /* Optional. Called on the starting thread with the new (recording) span; may set attributes. */
    void (*on_start)(void *self, otelc_span *span, const otelc_context *parent);
    void (*on_end)(void *self, otelc_span *span, const otelc_span_data *data);
    otelc_status (*force_flush)(void *self, uint32_t timeout_ms);
    otelc_status (*shutdown)(void *self, uint32_t timeout_ms);
    void (*destroy)(void *self);
} otelc_processor_ops;

OTELC_API otelc_processor *otelc_processor_create(const otelc_processor_ops *ops, void *impl);

/* Simple: exports each span synchronously in on_end. Takes ownership of exporter (also on failure). */
OTELC_API otelc_processor *otelc_simple_processor_create(otelc_exporter *exporter);

/* Batch options; defaults from the specification, then OTEL_BSP_* (see otelc_batch_options_init). */
typedef struct otelc_batch_options {
    size_t struct_size;
    uint32_t max_queue_size;        /* OTEL_BSP_MAX_QUEUE_SIZE, default 2048 */
    uint32_t schedule_delay_ms;     /* OTEL_BSP_SCHEDULE_DELAY, default 5000 */
    uint32_t export_timeout_ms;     /* OTEL_BSP_EXPORT_TIMEOUT, default 30000 */
    uint32_t max_export_batch_size; /* OTEL_BSP_MAX_EXPORT_BATCH_SIZE, default 512 (<= queue size) */
    /* otelc extensions. A caller compiled against the four fields above (smaller struct_size) gets the
     * defaults for these. */
    /* Ignored; kept so that code setting it still compiles and older callers keep the layout. The queue
     * used to be split into this many lanes; it now has one ring per thread (see the batch processor
     * below), which needs no setting. */
    uint32_t queue_lanes;
    /* OTELC_BSP_FULL_QUEUE_YIELD_US, default 50. When the queue is full and the worker is runnable or
     * draining but NOT inside an exporter call, the ending thread gives up its CPU (sched_yield) for at
     * most this many microseconds so the worker can drain, before dropping the span. When the worker is
     * inside export (which may wait on the network) or stopped, the span is dropped at once. 0 = always
     * drop at once. At most 1000000. */
    uint32_t full_queue_yield_us;
} otelc_batch_options;

/* Fills defaults then reads OTEL_BSP_* and OTELC_BSP_* (an invalid value gets one diagnostic and keeps
 * the default). */
OTELC_API void otelc_batch_options_init(otelc_batch_options *opts);

/* Batch: on_end pushes into a bounded lock-free queue (a full queue drops the span and counts it);
 * a worker thread exports when a batch is full or the delay passes. Each thread has its own ring in
 * the queue (max_queue_size bounds them all together), and releases its own spans once they are
 * exported, so producers on different cores share no cache line per span. Shutdown exports what is queued
 * within the timeout. Takes ownership of exporter (also on failure). opts NULL = defaults (+env).
 * Returns NULL and fills err on invalid options or failure to start the worker. */
OTELC_API otelc_processor *otelc_batch_processor_create(otelc_exporter *exporter,
                                                        const otelc_batch_options *opts, otelc_error *err);

/* Multi: calls each in order. Takes ownership of the parts (also on failure). */
OTELC_API otelc_processor *otelc_multi_processor_create(otelc_processor **parts, size_t count);

/* Exports what the processor holds within timeout_ms: OTELC_ERR_TIMEOUT when that was not enough,
 * OTELC_ERR_INTERNAL when the batch processor's export thread cannot be started and spans are queued. */
OTELC_API otelc_status otelc_processor_force_flush(otelc_processor *p, uint32_t timeout_ms);
/* Idempotent: a second call returns OTELC_OK at once. */
OTELC_API otelc_status otelc_processor_shutdown(otelc_processor *p, uint32_t timeout_ms);
OTELC_API void otelc_processor_destroy(otelc_processor *p);

OTELC_END_DECLS
#endif
