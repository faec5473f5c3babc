/* Processor handle, the simple processor and the multi processor. */
#include <string.h>

#include "internal.h"
#include "otelc/sdk/fork.h"
#include "otelc/sdk/processor.h"

struct otelc_processor {
    const otelc_processor_ops *ops;
    void *impl;
    otelc__adopt_fn adopt; /* NULL for processors built from public ops */
    atomic_bool shut_down;
};

otelc_processor *otelc_processor_create(const otelc_processor_ops *ops, void *impl) {
    if (!ops || !ops->on_end) {
        if (ops && ops->destroy) ops->destroy(impl);
        return NULL;
    }
    otelc_processor *p = otelc_malloc(sizeof *p);
    if (!p) {
        if (ops->destroy) ops->destroy(impl);
        return NULL;
    }
    p->ops = ops;
    p->impl = impl;
    p->adopt = NULL;
    atomic_init(&p->shut_down, false);
    return p;
}

bool otelc__processor_has_on_start(const otelc_processor *p) { return p && p->ops->on_start; }

void otelc__processor_on_start(otelc_processor *p, otelc_span *span, const otelc_context *parent) {
    if (p->ops->on_start && !atomic_load_explicit(&p->shut_down, memory_order_relaxed))
        p->ops->on_start(p->impl, span, parent);
}

void otelc__processor_on_end(otelc_processor *p, otelc_span *span, const otelc_span_data *data) {
    if (atomic_load_explicit(&p->shut_down, memory_order_relaxed)) {
        if (data->context.trace_flags & OTELC_TRACE_FLAGS_SAMPLED) otelc__count(OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN, 1);
        return;
    }
    p->ops->on_end(p->impl, span, data);
}

void otelc__processor_set_adopt(otelc_processor *p, otelc__adopt_fn adopt) { p->adopt = adopt; }

bool otelc__processor_adopts(const otelc_processor *p) { return p && p->adopt; }

void otelc__processor_on_end_last(otelc_processor *p, otelc_span *span, const otelc_span_data *data) {
    if (p->adopt) { /* data may be NULL: adopting processors build views at export */
        if (!atomic_load_explicit(&p->shut_down, memory_order_relaxed)) {
            p->adopt(p->impl, span);
            return;
        }
        if (span->context.trace_flags & OTELC_TRACE_FLAGS_SAMPLED) otelc__count(OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN, 1);
        otelc_span_release(span);
        return;
    }
    otelc__processor_on_end(p, span, data);
    otelc_span_release(span);
}

otelc_status otelc_processor_force_flush(otelc_processor *p, uint32_t timeout_ms) {
    if (!p) return OTELC_ERR_INVALID_ARGUMENT;
    if (atomic_load(&p->shut_down)) return OTELC_ERR_ALREADY_SHUTDOWN;
    return p->ops->force_flush ? p->ops->force_flush(p->impl, timeout_ms) : OTELC_OK;
}

otelc_status otelc_processor_shutdown(otelc_processor *p, uint32_t timeout_ms) {
    if (!p) return OTELC_ERR_INVALID_ARGUMENT;
    if (atomic_exchange(&p->shut_down, true)) return OTELC_OK;
    return p->ops->shutdown ? p->ops->shutdown(p->impl, timeout_ms) : OTELC_OK;
}

void otelc_processor_destroy(otelc_processor *p) {
    if (!p) return;
    if (!atomic_load(&p->shut_down)) otelc_processor_shutdown(p, 5000);
    if (p->ops->destroy) p->ops->destroy(p->impl);
    otelc_free(p);
}

/* ---- simple ---- */

typedef struct simple_processor {
    otelc_exporter *exporter;
    pthread_mutex_t lock; /* exporters are never called concurrently */
    otelc_fork_hook *fork_hook;
} simple_processor;

/* In a fork child: the lock may have been held by a parent thread inside an export (the exporter's
 * own hook deals with the exporter's state). */
static void simple_after_fork(void *self) {
    simple_processor *sp = self;
    otelc_fork_reset_mutex(&sp->lock);
}

static void simple_on_end(void *self, otelc_span *span, const otelc_span_data *data) {
    (void)span;
    simple_processor *sp = self;
    if (!(data->context.trace_flags & OTELC_TRACE_FLAGS_SAMPLED)) return;
    pthread_mutex_lock(&sp->lock);
    otelc_export_result r = otelc_exporter_export(sp->exporter, &data, 1);
    pthread_mutex_unlock(&sp->lock);
    otelc__count(r == OTELC_EXPORT_SUCCESS ? OTELC_COUNTER_SPANS_EXPORTED : OTELC_COUNTER_SPANS_EXPORT_FAILED, 1);
}

static otelc_status simple_flush(void *self, uint32_t timeout_ms) {
    simple_processor *sp = self;
    pthread_mutex_lock(&sp->lock);
    otelc_status st = otelc_exporter_force_flush(sp->exporter, timeout_ms);
    pthread_mutex_unlock(&sp->lock);
    return st;
}

static otelc_status simple_shutdown(void *self, uint32_t timeout_ms) {
    simple_processor *sp = self;
    pthread_mutex_lock(&sp->lock);
    otelc_status st = otelc_exporter_shutdown(sp->exporter, timeout_ms);
    pthread_mutex_unlock(&sp->lock);
    return st;
}

static void simple_destroy(void *self) {
    simple_processor *sp = self;
    otelc_fork_hook_remove(sp->fork_hook);
    otelc_exporter_destroy(sp->exporter);
    pthread_mutex_destroy(&sp->lock);
    otelc_free(sp);
}

static const otelc_processor_ops simple_ops = {NULL, simple_on_end, simple_flush, simple_shutdown, simple_destroy};

otelc_processor *otelc_simple_processor_create(otelc_exporter *exporter) {
    if (!exporter) return NULL;
    simple_processor *sp = otelc_malloc(sizeof *sp);
    if (!sp) {
        otelc_exporter_destroy(exporter);
        return NULL;
    }
    sp->exporter = exporter;
    pthread_mutex_init(&sp->lock, NULL);
    /* Without the hook (out of memory) a fork during an export could leave the child's lock held. */
    sp->fork_hook = otelc_fork_hook_add(simple_after_fork, sp);
    return otelc_processor_create(&simple_ops, sp);
}

/* ---- multi ---- */

typedef struct multi_processor {
    otelc_processor **parts;
    size_t count;
} multi_processor;

static void multi_on_start(void *self, otelc_span *span, const otelc_context *parent) {
    multi_processor *m = self;
    for (size_t i = 0; i < m->count; i++) otelc__processor_on_start(m->parts[i], span, parent);
}
static void multi_on_end(void *self, otelc_span *span, const otelc_span_data *data) {
    multi_processor *m = self;
    for (size_t i = 0; i < m->count; i++) otelc__processor_on_end(m->parts[i], span, data);
}

otelc_status otelc__processors_each(otelc_processor *const *ps, size_t n, uint32_t timeout_ms,
                                    otelc_status (*fn)(otelc_processor *, uint32_t)) {
    otelc_status worst = OTELC_OK;
    uint64_t deadline = otelc__mono_ns() + (uint64_t)timeout_ms * 1000000u;
    for (size_t i = 0; i < n; i++) {
        uint64_t now = otelc__mono_ns();
        uint32_t left = now >= deadline ? 0 : (uint32_t)((deadline - now) / 1000000u);
        otelc_status st = fn(ps[i], left);
        if (st != OTELC_OK && worst == OTELC_OK) worst = st;
    }
    return worst;
}
static otelc_status multi_flush(void *self, uint32_t t) {
    multi_processor *m = self;
    return otelc__processors_each(m->parts, m->count, t, otelc_processor_force_flush);
}
static otelc_status multi_shutdown(void *self, uint32_t t) {
    multi_processor *m = self;
    return otelc__processors_each(m->parts, m->count, t, otelc_processor_shutdown);
}
static void multi_destroy(void *self) {
    multi_processor *m = self;
    for (size_t i = 0; i < m->count; i++) otelc_processor_destroy(m->parts[i]);
    otelc_free(m->parts);
    otelc_free(m);
}
static const otelc_processor_ops multi_ops = {multi_on_start, multi_on_end, multi_flush, multi_shutdown, multi_destroy};

otelc_processor *otelc_multi_processor_create(otelc_processor **parts, size_t count) {
    multi_processor *m = otelc_calloc(1, sizeof *m);
    if (m) m->parts = otelc_calloc(count ? count : 1, sizeof *m->parts);
    if (!m || !m->parts) {
        for (size_t i = 0; i < count; i++) otelc_processor_destroy(parts[i]);
        if (m) otelc_free(m);
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        if (parts[i]) m->parts[m->count++] = parts[i];
    return otelc_processor_create(&multi_ops, m);
}
