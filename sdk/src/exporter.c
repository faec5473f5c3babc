/* Exporter handle and the by-name factory registry. */
#include <string.h>

#include "internal.h"
#include "otelc/sdk/exporter.h"

struct otelc_exporter {
    const otelc_exporter_ops *ops;
    void *impl;
    atomic_bool shut_down;
};

otelc_exporter *otelc_exporter_create(const otelc_exporter_ops *ops, void *impl) {
    if (!ops || (!ops->export_spans && !ops->export_batch)) {
        if (ops && ops->destroy) ops->destroy(impl);
        return NULL;
    }
    otelc_exporter *e = otelc_malloc(sizeof *e);
    if (!e) {
        if (ops->destroy) ops->destroy(impl);
        return NULL;
    }
    e->ops = ops;
    e->impl = impl;
    atomic_init(&e->shut_down, false);
    return e;
}

otelc_export_result otelc_exporter_export(otelc_exporter *e, const otelc_span_data *const *spans, size_t n) {
    if (!e || atomic_load(&e->shut_down)) return OTELC_EXPORT_FAILURE;
    if (n == 0) return OTELC_EXPORT_SUCCESS;
    if (!spans) return OTELC_EXPORT_FAILURE;
    if (e->ops->export_batch) {
        otelc_span_batch b = {n, NULL, (const otelc_span_data **)spans, NULL};
        return e->ops->export_batch(e->impl, &b);
    }
    return e->ops->export_spans(e->impl, spans, n);
}

otelc_export_result otelc__exporter_export_ended(otelc_exporter *e, otelc_span *const *spans, size_t n,
                                                 otelc__views *store) {
    if (!e || atomic_load(&e->shut_down)) return OTELC_EXPORT_FAILURE;
    if (n == 0) return OTELC_EXPORT_SUCCESS;
    otelc_span_batch b = {n, spans, store->ptrs, store};
    if (e->ops->export_batch) return e->ops->export_batch(e->impl, &b);
    return e->ops->export_spans(e->impl, otelc_span_batch_all(&b), n);
}

otelc_status otelc_exporter_force_flush(otelc_exporter *e, uint32_t timeout_ms) {
    if (!e) return OTELC_ERR_INVALID_ARGUMENT;
    return e->ops->force_flush ? e->ops->force_flush(e->impl, timeout_ms) : OTELC_OK;
}

otelc_status otelc_exporter_shutdown(otelc_exporter *e, uint32_t timeout_ms) {
    if (!e) return OTELC_ERR_INVALID_ARGUMENT;
    if (atomic_exchange(&e->shut_down, true)) return OTELC_OK;
    return e->ops->shutdown ? e->ops->shutdown(e->impl, timeout_ms) : OTELC_OK;
}

void otelc_exporter_destroy(otelc_exporter *e) {
    if (!e) return;
    if (e->ops->destroy) e->ops->destroy(e->impl);
    otelc_free(e);
}

const char *otelc_exporter_name(const otelc_exporter *e) { return e && e->ops->name ? e->ops->name : ""; }

/* ---- factories ---- */
#define MAX_FACTORIES 16
static pthread_mutex_t g_factories_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { char name[32]; otelc_exporter_factory_fn fn; } g_factories[MAX_FACTORIES];
static int g_factory_count;

otelc_status otelc_exporter_factory_register(const char *name, otelc_exporter_factory_fn fn) {
    if (!name || !*name || strlen(name) >= sizeof g_factories[0].name || !fn) return OTELC_ERR_INVALID_ARGUMENT;
    pthread_mutex_lock(&g_factories_lock);
    for (int i = 0; i < g_factory_count; i++) {
        if (strcmp(g_factories[i].name, name) == 0) {
            g_factories[i].fn = fn;
            pthread_mutex_unlock(&g_factories_lock);
            return OTELC_OK;
        }
    }
    if (g_factory_count == MAX_FACTORIES) {
        pthread_mutex_unlock(&g_factories_lock);
        return OTELC_ERR_NO_MEMORY;
    }
    strcpy(g_factories[g_factory_count].name, name);
    g_factories[g_factory_count].fn = fn;
    g_factory_count++;
    pthread_mutex_unlock(&g_factories_lock);
    return OTELC_OK;
}

otelc_exporter_factory_fn otelc_exporter_factory_find(const char *name) {
    otelc_exporter_factory_fn fn = NULL;
    if (!name) return NULL;
    pthread_mutex_lock(&g_factories_lock);
    for (int i = 0; i < g_factory_count; i++)
        if (strcmp(g_factories[i].name, name) == 0) fn = g_factories[i].fn;
    pthread_mutex_unlock(&g_factories_lock);
    return fn;
}
