/* The tracing API: tracer providers, tracers and spans. Instrumentation code needs only this header
 * (and context.h); without an SDK installed every call is a cheap no-op.
 *
 * Span lifetime: otelc_tracer_start_span() never returns NULL and gives the caller one reference.
 * otelc_span_end() ends the span and consumes that reference, so the handle must not be used after it,
 * unless the caller took another reference with otelc_span_retain(); every operation on an ended
 * span (including a second end) is then ignored, and otelc_span_release() drops the extra reference.
 * A span is mutated by one thread at a time; ending it from another thread is allowed. Every span
 * function is a no-op on NULL. */
#ifndef OTELC_TRACE_H
#define OTELC_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otelc/attr.h"
#include "otelc/export.h"
#include "otelc/span_context.h"
#include "otelc/status.h"

OTELC_BEGIN_DECLS

typedef struct otelc_tracer_provider otelc_tracer_provider;
typedef struct otelc_tracer otelc_tracer;
typedef struct otelc_span otelc_span;
typedef struct otelc_context otelc_context;

typedef enum otelc_span_kind {
    OTELC_SPAN_KIND_UNSPECIFIED = 0, /* treated as INTERNAL */
    OTELC_SPAN_KIND_INTERNAL = 1,
    OTELC_SPAN_KIND_SERVER = 2,
    OTELC_SPAN_KIND_CLIENT = 3,
    OTELC_SPAN_KIND_PRODUCER = 4,
    OTELC_SPAN_KIND_CONSUMER = 5
} otelc_span_kind;

typedef enum otelc_status_code {
    OTELC_STATUS_UNSET = 0,
    OTELC_STATUS_OK = 1,
    OTELC_STATUS_ERROR = 2
} otelc_status_code;

/* A link to another span, given at start or later with otelc_span_add_link(). */
typedef struct otelc_link_options {
    otelc_span_context context;
    const otelc_attr *attributes;
    size_t attribute_count;
} otelc_link_options;

/* Options for otelc_tracer_start_span(). Fill with otelc_span_start_options_init() and change only
 * what you need. Everything pointed to is copied before start returns. */
typedef struct otelc_span_start_options {
    size_t struct_size;
    otelc_span_kind kind;
    /* Parent selection, first match wins: root=true makes a new trace; parent_span; parent (a context,
     * e.g. extracted from headers); otherwise the thread's active span (see context.h). */
    bool root;
    otelc_span *parent_span;
    const otelc_context *parent;
    const otelc_attr *attributes;
    size_t attribute_count;
    const otelc_link_options *links;
    size_t link_count;
    /* Start time in Unix nanoseconds; 0 means now. */
    uint64_t start_time_unix_nano;
} otelc_span_start_options;

OTELC_API void otelc_span_start_options_init(otelc_span_start_options *opts);

/* ---- Provider and tracers ---------------------------------------------------------------------- */

/* Installs the process-wide provider (NULL restores the no-op one). The caller keeps ownership and must
 * keep the provider alive while installed; an SDK provider uninstalls itself when destroyed.
 * Thread-safe. */
OTELC_API void otelc_set_tracer_provider(otelc_tracer_provider *provider);
/* The installed provider (borrowed) or the static no-op provider; never NULL. Thread-safe. */
OTELC_API otelc_tracer_provider *otelc_get_tracer_provider(void);

/* Tracer for an instrumentation scope from the global provider. The tracer follows whichever
 * provider is installed when spans start, so a library may get its tracer before the application
 * installs the SDK. Returned tracers are owned by otelc and live until process exit; calling this
 * again with the same scope returns the same tracer. name NULL or "" gives a valid tracer with an
 * empty name (and one debug diagnostic). Thread-safe. */
OTELC_API otelc_tracer *otelc_get_tracer(const char *name, const char *version, const char *schema_url);

/* Tracer for a scope with attributes, from a specific provider (NULL = global). Owned by the provider
 * (valid until it is destroyed), cached per scope. Thread-safe. */
typedef struct otelc_scope_options {
    size_t struct_size;
    const char *name;
    const char *version;
    const char *schema_url;
    const otelc_attr *attributes;
    size_t attribute_count;
} otelc_scope_options;
OTELC_API otelc_tracer *otelc_tracer_provider_get_tracer(otelc_tracer_provider *provider,
                                                          const otelc_scope_options *scope);

/* ---- Spans --------------------------------------------------------------------------------------- */

/* Starts a span; opts may be NULL (defaults). Never returns NULL. Thread-safe. */
OTELC_API otelc_span *otelc_tracer_start_span(otelc_tracer *tracer, const char *name,
                                              const otelc_span_start_options *opts);

/* Ends the span at end_time_unix_nano (0 = now) and releases the caller's reference. */
OTELC_API void otelc_span_end(otelc_span *span, uint64_t end_time_unix_nano);

OTELC_API otelc_span *otelc_span_retain(otelc_span *span);
OTELC_API void otelc_span_release(otelc_span *span);

/* True while the span records (sampled by the SDK and not yet ended). */
OTELC_API bool otelc_span_is_recording(const otelc_span *span);
/* The span's context (borrowed trace state: valid while the caller holds the span). An invalid
 * (all-zero) context for NULL. */
OTELC_API otelc_span_context otelc_span_get_context(const otelc_span *span);

/* Attribute setters: copy key and value. A key set again replaces the old value. Empty or NULL keys and
 * NONE values are dropped and counted; values longer than the configured limit are truncated. */
OTELC_API void otelc_span_set_attribute(otelc_span *span, const char *key, otelc_value value);
OTELC_API void otelc_span_set_attributes(otelc_span *span, const otelc_attr *attrs, size_t count);
OTELC_API void otelc_span_set_attr_str(otelc_span *span, const char *key, const char *value);
OTELC_API void otelc_span_set_attr_bool(otelc_span *span, const char *key, bool value);
OTELC_API void otelc_span_set_attr_int(otelc_span *span, const char *key, int64_t value);
OTELC_API void otelc_span_set_attr_double(otelc_span *span, const char *key, double value);

/* Adds an event; time 0 means now. Copies name and attributes. */
OTELC_API void otelc_span_add_event(otelc_span *span, const char *name, const otelc_attr *attrs,
                                    size_t count, uint64_t time_unix_nano);
/* Adds a link; links to invalid span contexts are kept only when they carry attributes or trace state,
 * as the specification allows. */
OTELC_API void otelc_span_add_link(otelc_span *span, const otelc_link_options *link);

/* Status precedence (specification): OK is final; ERROR replaces UNSET or ERROR; UNSET is ignored.
 * description is kept only with ERROR. */
OTELC_API void otelc_span_set_status(otelc_span *span, otelc_status_code code, const char *description);
OTELC_API void otelc_span_update_name(otelc_span *span, const char *name);

/* Records an "exception" event with exception.type, exception.message and exception.stacktrace
 * (each may be NULL to omit) plus extra attributes. Does not change the status. */
OTELC_API void otelc_span_record_exception(otelc_span *span, const char *type, const char *message,
                                           const char *stacktrace, const otelc_attr *attrs,
                                           size_t count);

/* Current time in Unix nanoseconds, from the same clock spans use. Thread-safe. It follows the wall
 * clock, steps included; on one thread it hides regressions of up to 1 ms (see api/src/clock.c). */
OTELC_API uint64_t otelc_now_unix_nano(void);

/* ---- Inline fast paths ----------------------------------------------------------------------------
 * The span calls below check in the caller whether the span records before calling into the library,
 * so instrumentation on a no-op, dropped or ended span costs a load and a branch, and start_span with
 * no SDK installed returns the static no-op span without a call. The exported functions stay (bindings
 * and OTELC_NO_INLINE builds call them); with the wrappers on, taking the address of e.g.
 * otelc_span_end gives the wrapper, which behaves the same. Define OTELC_NO_INLINE before including
 * otelc headers to get plain calls. The otelc__ names are not API: they may change in any release. */

/* Process-wide word read by the inline start_span: 0 means the inline wrapper may answer with the
 * static no-op span. OTELC__GLOBAL_PROVIDER is set while a provider is installed; OTELC__GLOBAL_SCOPES
 * is set for good by the first scope entered on any thread (an active span could then be a parent to
 * propagate, which needs the thread's scope stack, i.e. the out-of-line call). Written by the library
 * only, with atomic read-modify-writes; readers load it relaxed. Declared outside the #if so the
 * library's own (OTELC_NO_INLINE) build exports it. */
#define OTELC__GLOBAL_PROVIDER 0x1u
#define OTELC__GLOBAL_SCOPES 0x2u
OTELC_API extern unsigned otelc__global_state;
/* The static no-op span (what otelc_span_noop() returns to SDK code). Declared with the opaque type:
 * callers only take its address. */
OTELC_API extern otelc_span otelc__noop_span;

#if !defined(OTELC_NO_INLINE) && (defined(__GNUC__) || defined(__clang__))
/* The first fields of struct otelc_tracer (otelc/impl/provider_impl.h; offsets asserted in tracer.c). */
struct otelc__tracer_head {
    const void *ops;
    unsigned follows_global;
};
/* With no options, no provider installed and no scope ever entered, nothing can give the span a
 * parent or a recorder: the answer is the static no-op span, exactly what the library would return
 * (a NULL tracer means the no-op tracer, which follows the global provider too). Relaxed load: a
 * provider installed by another thread with no happens-before to this call may be missed by it, as
 * it may be by the out-of-line path; with one (thread start, a lock, the install on this thread),
 * coherence makes the store visible. A scope entered on this thread is always seen (program order). */
static inline otelc_span *otelc__inl_tracer_start_span(otelc_tracer *t, const char *name,
                                                       const otelc_span_start_options *opts) {
    if (!opts && __atomic_load_n(&otelc__global_state, __ATOMIC_RELAXED) == 0 &&
        (!t || ((const struct otelc__tracer_head *)(const void *)t)->follows_global))
        return &otelc__noop_span;
    return otelc_tracer_start_span(t, name, opts);
}
struct otelc__span_head {
    const void *ops;
    unsigned refs;
    unsigned state; /* bit 0: recording, bit 1: ended, bit 2: static */
};
static inline unsigned otelc__span_state(const otelc_span *s) {
    return __atomic_load_n(&((const struct otelc__span_head *)(const void *)s)->state, __ATOMIC_RELAXED);
}
/* The no-op span is tested by address before its state is loaded: after the inline start_span above,
 * the compiler then knows the answer on the no-SDK path and drops every check that follows (start,
 * setters and end compile to start_span's tests alone); on other spans it costs a compare, usually
 * once per span since the compiler carries the result over to later calls on the same pointer. */
static inline int otelc__span_records(const otelc_span *s) {
    return s && s != &otelc__noop_span && (otelc__span_state(s) & 3u) == 1u;
}
static inline void otelc__inl_span_end(otelc_span *s, uint64_t t) {
    if (s && s != &otelc__noop_span && !(otelc__span_state(s) & 6u)) otelc_span_end(s, t);
}
static inline bool otelc__inl_span_is_recording(const otelc_span *s) { return otelc__span_records(s) != 0; }
static inline void otelc__inl_set_attribute(otelc_span *s, const char *k, otelc_value v) {
    if (otelc__span_records(s)) otelc_span_set_attribute(s, k, v);
}
static inline void otelc__inl_set_attributes(otelc_span *s, const otelc_attr *a, size_t n) {
    if (otelc__span_records(s)) otelc_span_set_attributes(s, a, n);
}
static inline void otelc__inl_set_attr_str(otelc_span *s, const char *k, const char *v) {
    if (otelc__span_records(s)) otelc_span_set_attr_str(s, k, v);
}
static inline void otelc__inl_set_attr_bool(otelc_span *s, const char *k, bool v) {
    if (otelc__span_records(s)) otelc_span_set_attr_bool(s, k, v);
}
static inline void otelc__inl_set_attr_int(otelc_span *s, const char *k, int64_t v) {
    if (otelc__span_records(s)) otelc_span_set_attr_int(s, k, v);
}
static inline void otelc__inl_set_attr_double(otelc_span *s, const char *k, double v) {
    if (otelc__span_records(s)) otelc_span_set_attr_double(s, k, v);
}
static inline void otelc__inl_add_event(otelc_span *s, const char *n, const otelc_attr *a, size_t c, uint64_t t) {
    if (otelc__span_records(s)) otelc_span_add_event(s, n, a, c, t);
}
static inline void otelc__inl_set_status(otelc_span *s, otelc_status_code c, const char *d) {
    if (otelc__span_records(s)) otelc_span_set_status(s, c, d);
}
#define otelc_tracer_start_span otelc__inl_tracer_start_span
#define otelc_span_end otelc__inl_span_end
#define otelc_span_is_recording otelc__inl_span_is_recording
#define otelc_span_set_attribute otelc__inl_set_attribute
#define otelc_span_set_attributes otelc__inl_set_attributes
#define otelc_span_set_attr_str otelc__inl_set_attr_str
#define otelc_span_set_attr_bool otelc__inl_set_attr_bool
#define otelc_span_set_attr_int otelc__inl_set_attr_int
#define otelc_span_set_attr_double otelc__inl_set_attr_double
#define otelc_span_add_event otelc__inl_add_event
#define otelc_span_set_status otelc__inl_set_status
#endif

OTELC_END_DECLS
#endif
