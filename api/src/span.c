/* API-side span dispatch: validity and end-once checks live here so every implementation gets them,
 * and the no-op / non-recording spans used when no SDK is installed (or a sample is dropped). */
#include <stddef.h>
#include <string.h>

#include "otelc/impl/provider_impl.h"
#include "otelc/log.h"

static void nop_set_attribute(otelc_span *s, const char *k, const otelc_value *v) { (void)s; (void)k; (void)v; }
static void nop_add_event(otelc_span *s, const char *n, const otelc_attr *a, size_t c, uint64_t t) {
    (void)s; (void)n; (void)a; (void)c; (void)t;
}
static void nop_add_link(otelc_span *s, const otelc_link_options *l) { (void)s; (void)l; }
static void nop_set_status(otelc_span *s, otelc_status_code c, const char *d) { (void)s; (void)c; (void)d; }
static void nop_update_name(otelc_span *s, const char *n) { (void)s; (void)n; }
static void nonrec_end(otelc_span *s, uint64_t t) { (void)t; otelc_span_release(s); }
static void nonrec_free(otelc_span *s) {
    otelc_trace_state_release(s->context.trace_state);
    otelc_free(s);
}
static void static_free(otelc_span *s) { (void)s; }

static const otelc_span_ops nonrecording_ops = {
    nop_set_attribute, nop_add_event, nop_add_link, nop_set_status, nop_update_name, nonrec_end, nonrec_free,
};
static const otelc_span_ops static_ops = {
    nop_set_attribute, nop_add_event, nop_add_link, nop_set_status, nop_update_name, nonrec_end, static_free,
};

/* trace.h's inline checks read the state word through their own view of the span's first fields. */
_Static_assert(offsetof(otelc_span, state) == sizeof(void *) + sizeof(unsigned), "state offset used by trace.h");
_Static_assert(sizeof(atomic_uint) == sizeof(unsigned), "atomic_uint layout used by trace.h");

/* Exported (declared in trace.h) so the inline start_span can return it without a call. It is the one
 * no-op span: otelc_span_noop() and the out-of-line paths hand out this same object. In a shared
 * library every reference, ours included, goes through the dynamic symbol, so an executable that took
 * a copy relocation of it still sees one object. Such a copy is sized when the executable is linked,
 * so sizeof(otelc_span) is ABI for it, as it already is for SDKs that embed otelc_span. */
otelc_span otelc__noop_span = {
    &static_ops, 1, OTELC_SPAN_STATE_STATIC, {{0}, {0}, 0, false, NULL},
};

otelc_span *otelc_span_noop(void) { return &otelc__noop_span; }

void otelc_span_base_init(otelc_span *span, const otelc_span_ops *ops, unsigned state,
                          const otelc_span_context *sc) {
    span->ops = ops;
    atomic_init(&span->refs, 1);
    atomic_init(&span->state, state);
    if (sc) {
        span->context = *sc;
        span->context.trace_state = otelc_trace_state_retain(sc->trace_state);
    } else {
        memset(&span->context, 0, sizeof span->context);
    }
}

otelc_span *otelc_span_create_non_recording(const otelc_span_context *sc) {
    if (!otelc_span_context_is_valid(sc)) return &otelc__noop_span;
    otelc_span *s = otelc_malloc(sizeof *s);
    if (!s) return &otelc__noop_span;
    otelc_span_base_init(s, &nonrecording_ops, 0, sc);
    return s;
}

void otelc_span_start_options_init(otelc_span_start_options *opts) {
    if (!opts) return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
    opts->kind = OTELC_SPAN_KIND_INTERNAL;
}

bool otelc_span_start_resolve_parent(const otelc_span_start_options *opts, otelc_span_context *out) {
    const otelc_span *p = NULL;
    if (opts && opts->root) return false;
    if (opts && opts->parent_span) {
        p = opts->parent_span;
    } else if (opts && opts->parent) {
        p = otelc_context_get_span(opts->parent);
    } else {
        p = otelc_current_span();
    }
    if (!p || !otelc_span_context_is_valid(&p->context)) return false;
    *out = p->context;
    return true;
}

/* ---- dispatch ---- */

static inline bool recording(const otelc_span *s) {
    return s && (atomic_load_explicit(&s->state, memory_order_relaxed) &
                 (OTELC_SPAN_STATE_RECORDING | OTELC_SPAN_STATE_ENDED)) == OTELC_SPAN_STATE_RECORDING;
}

/* When the caller holds the only reference, no other thread can reach the span (it would need a
 * reference of its own), so end and release skip the atomic read-modify-writes: the common
 * start/end-on-one-thread case pays two plain loads instead of two locked instructions. */
void otelc_span_end(otelc_span *span, uint64_t end_time_unix_nano) {
    if (!span) return;
    unsigned st = atomic_load_explicit(&span->state, memory_order_relaxed);
    if (st & (OTELC_SPAN_STATE_ENDED | OTELC_SPAN_STATE_STATIC)) return;
    if (atomic_load_explicit(&span->refs, memory_order_acquire) == 1) {
        atomic_store_explicit(&span->state, st | OTELC_SPAN_STATE_ENDED, memory_order_relaxed);
    } else {
        unsigned prev = atomic_fetch_or_explicit(&span->state, OTELC_SPAN_STATE_ENDED, memory_order_acq_rel);
        if (prev & OTELC_SPAN_STATE_ENDED) return;
    }
    span->ops->end(span, end_time_unix_nano);
}

otelc_span *otelc_span_retain(otelc_span *span) {
    if (span && !(atomic_load_explicit(&span->state, memory_order_relaxed) & OTELC_SPAN_STATE_STATIC))
        atomic_fetch_add_explicit(&span->refs, 1, memory_order_relaxed);
    return span;
}

void otelc_span_release(otelc_span *span) {
    if (!span || (atomic_load_explicit(&span->state, memory_order_relaxed) & OTELC_SPAN_STATE_STATIC)) return;
    if (atomic_load_explicit(&span->refs, memory_order_acquire) == 1 ||
        atomic_fetch_sub_explicit(&span->refs, 1, memory_order_acq_rel) == 1)
        span->ops->free(span);
}

bool otelc_span_is_recording(const otelc_span *span) { return recording(span); }

otelc_span_context otelc_span_get_context(const otelc_span *span) {
    if (!span) {
        otelc_span_context z;
        memset(&z, 0, sizeof z);
        return z;
    }
    return span->context;
}

void otelc_span_set_attribute(otelc_span *span, const char *key, otelc_value value) {
    if (recording(span)) span->ops->set_attribute(span, key, &value);
}

void otelc_span_set_attributes(otelc_span *span, const otelc_attr *attrs, size_t count) {
    if (!recording(span) || !attrs) return;
    for (size_t i = 0; i < count; i++) span->ops->set_attribute(span, attrs[i].key, &attrs[i].value);
}

void otelc_span_set_attr_str(otelc_span *span, const char *key, const char *value) {
    if (!recording(span)) return;
    otelc_value v = otelc_value_str(value);
    if (!value) v.type = OTELC_VALUE_NONE;
    span->ops->set_attribute(span, key, &v);
}

void otelc_span_set_attr_bool(otelc_span *span, const char *key, bool value) {
    if (!recording(span)) return;
    otelc_value v = otelc_value_bool(value);
    span->ops->set_attribute(span, key, &v);
}

void otelc_span_set_attr_int(otelc_span *span, const char *key, int64_t value) {
    if (!recording(span)) return;
    otelc_value v = otelc_value_int(value);
    span->ops->set_attribute(span, key, &v);
}

void otelc_span_set_attr_double(otelc_span *span, const char *key, double value) {
    if (!recording(span)) return;
    otelc_value v = otelc_value_double(value);
    span->ops->set_attribute(span, key, &v);
}

void otelc_span_add_event(otelc_span *span, const char *name, const otelc_attr *attrs, size_t count,
                          uint64_t time_unix_nano) {
    if (recording(span)) span->ops->add_event(span, name, attrs, attrs ? count : 0, time_unix_nano);
}

void otelc_span_add_link(otelc_span *span, const otelc_link_options *link) {
    if (recording(span) && link) span->ops->add_link(span, link);
}

void otelc_span_set_status(otelc_span *span, otelc_status_code code, const char *description) {
    if (recording(span)) span->ops->set_status(span, code, description);
}

void otelc_span_update_name(otelc_span *span, const char *name) {
    if (recording(span) && name) span->ops->update_name(span, name);
}

void otelc_span_record_exception(otelc_span *span, const char *type, const char *message,
                                 const char *stacktrace, const otelc_attr *attrs, size_t count) {
    if (!recording(span)) return;
    enum { MAX_EXTRA = 32 };
    otelc_attr all[3 + MAX_EXTRA];
    size_t n = 0;
    if (type) all[n++] = otelc_attr_str("exception.type", type);
    if (message) all[n++] = otelc_attr_str("exception.message", message);
    if (stacktrace) all[n++] = otelc_attr_str("exception.stacktrace", stacktrace);
    if (attrs) {
        if (count > MAX_EXTRA) {
            otelc_log(OTELC_LOG_DEBUG, "record_exception: %zu extra attributes, keeping %d", count, MAX_EXTRA);
            count = MAX_EXTRA;
        }
        for (size_t i = 0; i < count; i++) all[n++] = attrs[i];
    }
    span->ops->add_event(span, "exception", all, n, 0);
}

