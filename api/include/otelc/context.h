/* Context: which span is active on this thread, what baggage travels with it, and how to hand both to
 * another thread.
 *
 * Each thread has a stack of scopes. otelc_scope_enter() makes a span the active one (holding a
 * reference to it until the scope exits); new spans without an explicit parent use it. Scopes should
 * exit in reverse order; an out-of-order exit also exits the scopes above it and is reported once at
 * debug level. A scope belongs to the thread that entered it.
 *
 * An otelc_context is an immutable, reference-counted snapshot (span + baggage) that any thread can
 * attach. All functions are thread-safe. */
#ifndef OTELC_CONTEXT_H
#define OTELC_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "otelc/baggage.h"
#include "otelc/export.h"
#include "otelc/trace.h"

OTELC_BEGIN_DECLS

/* Token returned by scope enter/attach; pass it back to otelc_scope_exit(). */
typedef struct otelc_scope {
    uint32_t depth;  /* stack depth after enter; 0 for a scope that did nothing */
    uint32_t serial; /* detects exiting a scope twice */
} otelc_scope;

/* Makes span the thread's active span (span may be NULL: no active span in this scope). */
OTELC_API otelc_scope otelc_scope_enter(otelc_span *span);
/* Makes baggage the thread's active baggage, keeping the active span. */
OTELC_API otelc_scope otelc_scope_enter_baggage(const otelc_baggage *baggage);
OTELC_API void otelc_scope_exit(otelc_scope scope);

/* Active span of this thread, borrowed (valid while its scope is active), or NULL. */
OTELC_API otelc_span *otelc_current_span(void);
/* Active baggage of this thread, borrowed (valid while its scope is active), or NULL. */
OTELC_API const otelc_baggage *otelc_current_baggage(void);

/* Snapshot of this thread's active span and baggage; caller owns it. Never NULL unless out of memory. */
OTELC_API otelc_context *otelc_context_current(void);
/* A context with a span (retained), or with a remote span context (e.g. from a propagator), and a
 * baggage. Any argument may be NULL. Caller owns the result. */
OTELC_API otelc_context *otelc_context_create(otelc_span *span, const otelc_baggage *baggage);
OTELC_API otelc_context *otelc_context_create_remote(const otelc_span_context *remote,
                                                     const otelc_baggage *baggage);
/* Copies of ctx with the span, remote parent or baggage replaced. ctx may be NULL (empty). */
OTELC_API otelc_context *otelc_context_with_span(const otelc_context *ctx, otelc_span *span);
OTELC_API otelc_context *otelc_context_with_remote(const otelc_context *ctx, const otelc_span_context *remote);
OTELC_API otelc_context *otelc_context_with_baggage(const otelc_context *ctx, const otelc_baggage *baggage);
/* Borrowed parts (valid while ctx is held). */
OTELC_API otelc_span *otelc_context_get_span(const otelc_context *ctx);
OTELC_API otelc_span_context otelc_context_get_span_context(const otelc_context *ctx);
OTELC_API const otelc_baggage *otelc_context_get_baggage(const otelc_context *ctx);
/* Makes ctx's span and baggage active on this thread until the scope exits. */
OTELC_API otelc_scope otelc_context_attach(const otelc_context *ctx);
OTELC_API otelc_context *otelc_context_retain(const otelc_context *ctx);
OTELC_API void otelc_context_release(const otelc_context *ctx);

/* Context listeners: told on this thread whenever its active span changes (enter, exit, attach).
 * The callback runs on the application thread, inside the scope call: it must be fast, must not block
 * and must not enter or exit scopes. `span` is the new active span or NULL. With no listener
 * registered, a scope change costs one predictable branch. At most 8 listeners. */
typedef void (*otelc_context_listener_fn)(otelc_span *span, void *user_data);
OTELC_API otelc_status otelc_context_listener_add(otelc_context_listener_fn fn, void *user_data);
OTELC_API otelc_status otelc_context_listener_remove(otelc_context_listener_fn fn, void *user_data);

OTELC_END_DECLS
#endif
