/* Samplers decide at span start whether a span records and is exported. Built-in samplers follow the
 * OpenTelemetry specification; implement otelc_sampler_ops to write your own. Samplers are immutable
 * after creation and called concurrently from any thread: should_sample must be thread-safe, fast, and
 * must not block. */
#ifndef OTELC_SDK_SAMPLER_H
#define OTELC_SDK_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "otelc/attr.h"
#include "otelc/span_context.h"
#include "otelc/status.h"
#include "otelc/trace.h"

OTELC_BEGIN_DECLS

typedef enum otelc_sampling_decision {
    OTELC_SAMPLING_DROP = 0,
    OTELC_SAMPLING_RECORD_ONLY = 1,
    OTELC_SAMPLING_RECORD_AND_SAMPLE = 2
} otelc_sampling_decision;

typedef struct otelc_sampling_params {
    const otelc_span_context *parent; /* NULL for a root span */
    const uint8_t *trace_id;          /* 16 bytes: the new span's trace id */
    const char *name;
    otelc_span_kind kind;
    const otelc_attr *attributes;
    size_t attribute_count;
    const otelc_link_options *links;
    size_t link_count;
} otelc_sampling_params;

typedef struct otelc_sampling_result {
    otelc_sampling_decision decision;
    /* Extra attributes to add to the span (borrowed from the sampler for the call), may be NULL. */
    const otelc_attr *attributes;
    size_t attribute_count;
    /* Trace state for the new span: NULL keeps the parent's; otherwise a new reference the SDK takes. */
    otelc_trace_state *trace_state;
} otelc_sampling_result;

typedef struct otelc_sampler otelc_sampler;

typedef struct otelc_sampler_ops {
    otelc_sampling_result (*should_sample)(void *self, const otelc_sampling_params *params);
    /* Writes a description such as "TraceIdRatioBased{0.5}" into buf; returns its length. */
    int (*describe)(void *self, char *buf, size_t size);
    void (*destroy)(void *self);
} otelc_sampler_ops;

/* Wraps a user sampler; ops must outlive it. NULL on OOM (after destroying impl). */
OTELC_API otelc_sampler *otelc_sampler_create(const otelc_sampler_ops *ops, void *impl);
OTELC_API otelc_sampler *otelc_sampler_always_on(void);
OTELC_API otelc_sampler *otelc_sampler_always_off(void);
/* ratio is clamped to [0,1] (NaN becomes 0). The decision depends only on the trace id, so every
 * service (and every SDK using the same rule) agrees: the trace id's randomness R (its last 7 bytes, read
 * big-endian) is compared with the rejection threshold T = round((1 - ratio) * 2^56) and the span is
 * sampled when R >= T, the rule of the specification's TraceIdRatioBased sampler (consistent
 * probability sampling). */
OTELC_API otelc_sampler *otelc_sampler_trace_id_ratio(double ratio);
/* ParentBased: root decides for root spans; the four delegates (NULL = defaults: remote/local sampled
 * -> AlwaysOn, not sampled -> AlwaysOff) decide for spans with a parent. Takes ownership of all five
 * (also on failure). */
OTELC_API otelc_sampler *otelc_sampler_parent_based(otelc_sampler *root, otelc_sampler *remote_sampled,
                                                    otelc_sampler *remote_not_sampled,
                                                    otelc_sampler *local_sampled,
                                                    otelc_sampler *local_not_sampled);
OTELC_API otelc_sampling_result otelc_sampler_should_sample(const otelc_sampler *s,
                                                           const otelc_sampling_params *params);
OTELC_API int otelc_sampler_describe(const otelc_sampler *s, char *buf, size_t size);
OTELC_API void otelc_sampler_destroy(otelc_sampler *s);

OTELC_END_DECLS
#endif
