/* Process-wide self-counters. Relaxed atomics: they are statistics, read as a snapshot. */
#include "internal.h"

atomic_uint_fast64_t otelc__counters[OTELC_COUNTER__COUNT];

static const char *const names[OTELC_COUNTER__COUNT] = {
    "spans_started", "spans_ended", "spans_not_sampled", "spans_dropped_queue", "spans_dropped_shutdown",
    "limit_attributes_dropped", "limit_values_truncated", "limit_events_dropped", "limit_links_dropped",
    "spans_exported", "spans_export_failed", "export_retries", "export_bytes", "spans_rejected", "bad_input",
};

void otelc_sdk_counter_add(otelc_counter_id id, uint64_t n) {
    if ((unsigned)id < OTELC_COUNTER__COUNT) otelc__count(id, n);
}

uint64_t otelc_sdk_counter_get(otelc_counter_id id) {
    if ((unsigned)id >= OTELC_COUNTER__COUNT) return 0;
    return atomic_load_explicit(&otelc__counters[id], memory_order_relaxed);
}

void otelc_sdk_counters_read(otelc_sdk_counters *out) {
    if (!out) return;
    for (int i = 0; i < OTELC_COUNTER__COUNT; i++)
        out->value[i] = atomic_load_explicit(&otelc__counters[i], memory_order_relaxed);
}

const char *otelc_sdk_counter_name(otelc_counter_id id) {
    return (unsigned)id < OTELC_COUNTER__COUNT ? names[id] : "unknown";
}
