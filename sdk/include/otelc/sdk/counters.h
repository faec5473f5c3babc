/* SDK self-counters: process-wide, monotonically increasing, cheap to bump from any thread.
 * Exporters and contrib modules add to them through otelc_sdk_counter_add(). Thread-safe. */
#ifndef OTELC_SDK_COUNTERS_H
#define OTELC_SDK_COUNTERS_H

#include <stdint.h>

#include "otelc/export.h"

OTELC_BEGIN_DECLS

typedef enum otelc_counter_id {
    OTELC_COUNTER_SPANS_STARTED = 0,      /* recording spans started */
    OTELC_COUNTER_SPANS_ENDED,            /* recording spans ended */
    OTELC_COUNTER_SPANS_NOT_SAMPLED,      /* spans the sampler dropped */
    OTELC_COUNTER_SPANS_DROPPED_QUEUE,    /* ended spans dropped because the batch queue was full */
    OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN, /* ended after their processor shut down */
    OTELC_COUNTER_LIMIT_ATTRIBUTES,       /* attributes dropped by count limits */
    OTELC_COUNTER_LIMIT_TRUNCATED,        /* attribute values truncated by the length limit */
    OTELC_COUNTER_LIMIT_EVENTS,           /* events dropped by the limit */
    OTELC_COUNTER_LIMIT_LINKS,            /* links dropped by the limit */
    OTELC_COUNTER_SPANS_EXPORTED,         /* spans an exporter reported as delivered */
    OTELC_COUNTER_SPANS_EXPORT_FAILED,    /* spans in failed exports */
    OTELC_COUNTER_EXPORT_RETRIES,         /* export attempts retried */
    OTELC_COUNTER_EXPORT_BYTES,           /* bytes sent by exporters */
    OTELC_COUNTER_SPANS_REJECTED,         /* spans a collector rejected (partial success) */
    OTELC_COUNTER_BAD_INPUT,              /* API calls with invalid input that were dropped */
    OTELC_COUNTER__COUNT
} otelc_counter_id;

typedef struct otelc_sdk_counters {
    uint64_t value[OTELC_COUNTER__COUNT];
} otelc_sdk_counters;

OTELC_API void otelc_sdk_counter_add(otelc_counter_id id, uint64_t n);
/* A snapshot of every counter. */
OTELC_API void otelc_sdk_counters_read(otelc_sdk_counters *out);
OTELC_API uint64_t otelc_sdk_counter_get(otelc_counter_id id);
/* Stable snake_case name, e.g. "spans_dropped_queue". */
OTELC_API const char *otelc_sdk_counter_name(otelc_counter_id id);

OTELC_END_DECLS
#endif
