/* For SDK implementers only (not for instrumentation code): the object layouts the API dispatches on.
 * An SDK embeds otelc_span as the first member of its span, fills the ops tables, and installs its
 * provider with otelc_set_tracer_provider(). C11 only (uses stdatomic). */
#ifndef OTELC_IMPL_PROVIDER_IMPL_H
#define OTELC_IMPL_PROVIDER_IMPL_H

#include <stdatomic.h>
#include <stdint.h>

#include "otelc/context.h"
#include "otelc/trace.h"

OTELC_BEGIN_DECLS

typedef struct otelc_span_ops {
    /* All called only while the span is not ended, by the thread mutating the span. value is valid. */
    void (*set_attribute)(otelc_span *span, const char *key, const otelc_value *value);
    void (*add_event)(otelc_span *span, const char *name, const otelc_attr *attrs, size_t count,
                      uint64_t time_unix_nano);
    void (*add_link)(otelc_span *span, const otelc_link_options *link);
    void (*set_status)(otelc_span *span, otelc_status_code code, const char *description);
    void (*update_name)(otelc_span *span, const char *name);
    /* Called exactly once, by the first otelc_span_end(); the ENDED bit is already set. It receives the
     * caller's reference and must release it (or hand it on, e.g. to an export queue). */
    void (*end)(otelc_span *span, uint64_t end_time_unix_nano);
    /* Called when the last reference goes: releases the trace state and frees the span. */
    void (*free)(otelc_span *span);
} otelc_span_ops;

#define OTELC_SPAN_STATE_RECORDING 0x01u
#define OTELC_SPAN_STATE_ENDED 0x02u
#define OTELC_SPAN_STATE_STATIC 0x04u /* never freed; retain/release do nothing */

struct otelc_span {
    const otelc_span_ops *ops;
    atomic_uint refs;
    atomic_uint state;          /* must stay at the offset trace.h's inline checks read (asserted) */
    otelc_span_context context; /* owns one reference to context.trace_state */
};

typedef struct otelc_tracer_ops {
    /* Must never return NULL (return otelc_span_noop() on failure). */
    otelc_span *(*start_span)(otelc_tracer *tracer, const char *name, const otelc_span_start_options *opts);
} otelc_tracer_ops;

struct otelc_tracer {
    const otelc_tracer_ops *ops;
    /* 1 for tracers that dispatch to whichever provider is installed globally (the API's proxies and
     * no-op tracer): start_span may then answer with the static no-op span without a call when no
     * provider is installed. SDK tracers leave it 0. */
    unsigned follows_global;
};

typedef struct otelc_tracer_provider_ops {
    /* Returns a tracer owned by the provider; may return NULL on out-of-memory. */
    otelc_tracer *(*get_tracer)(otelc_tracer_provider *provider, const otelc_scope_options *scope);
} otelc_tracer_provider_ops;

struct otelc_tracer_provider {
    const otelc_tracer_provider_ops *ops;
};

/* Uninstalls provider as the global one if, and only if, it is the installed one (one atomic step: a
 * provider being destroyed never uninstalls one another thread installed meanwhile). Returns whether
 * it did. Thread-safe. */
OTELC_API bool otelc__tracer_provider_uninstall(otelc_tracer_provider *provider);

/* Initialises the base part of a span (refs=1, given state bits, context copied; trace state retained). */
OTELC_API void otelc_span_base_init(otelc_span *span, const otelc_span_ops *ops, unsigned state,
                                    const otelc_span_context *sc);

/* The shared static no-op span (invalid context, not recording). */
OTELC_API otelc_span *otelc_span_noop(void);

/* A non-recording span carrying sc (e.g. a dropped sample, or a remote parent). Caller owns it. Returns
 * the static no-op span on out-of-memory or when sc is NULL or invalid. */
OTELC_API otelc_span *otelc_span_create_non_recording(const otelc_span_context *sc);

/* Resolves the parent span context from start options (root, parent_span, parent context, then the
 * thread's active span). Returns false when there is no valid parent. The trace state is borrowed from
 * the parent span/context, valid during the start call. */
OTELC_API bool otelc_span_start_resolve_parent(const otelc_span_start_options *opts, otelc_span_context *out);

OTELC_END_DECLS
#endif
