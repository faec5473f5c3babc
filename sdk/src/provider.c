/* The SDK tracer provider and its tracers (one per instrumentation scope, cached). */
#include <string.h>

#include "internal.h"
#include "otelc/sdk/provider.h"

#define PROVIDER_MAGIC 0x6f74656cu

/* Providers whose shutdown timed out: see otelc_tracer_provider_destroy. */
static pthread_mutex_t g_parked_lock = PTHREAD_MUTEX_INITIALIZER;
static sdk_provider *g_parked;

static otelc_span *tracer_start_span(otelc_tracer *t, const char *name, const otelc_span_start_options *opts) {
    return otelc__span_start((sdk_tracer *)t, name, opts);
}
static const otelc_tracer_ops sdk_tracer_ops = {tracer_start_span};

static bool streq(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }

static void free_scope_attrs(otelc_attr *a, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        otelc_free((void *)a[i].key);
        if (a[i].value.type == OTELC_VALUE_STRING) otelc_free((void *)a[i].value.u.s);
    }
    otelc_free(a);
}

static void tracer_free(sdk_tracer *t) {
    otelc_free((void *)t->scope.name);
    otelc_free((void *)t->scope.version);
    otelc_free((void *)t->scope.schema_url);
    free_scope_attrs((otelc_attr *)t->scope.attributes, t->scope.attribute_count);
    otelc_free(t);
}

/* Scope attributes: scalar and string values are kept (array values are rare on scopes and dropped
 * with a debug diagnostic). */
static bool copy_scope_attrs(sdk_tracer *t, const otelc_scope_options *so) {
    if (!so->attributes || !so->attribute_count) return true;
    otelc_attr *a = otelc_calloc(so->attribute_count, sizeof *a);
    if (!a) return false;
    uint32_t n = 0;
    for (size_t i = 0; i < so->attribute_count; i++) {
        const otelc_attr *src = &so->attributes[i];
        if (!src->key || !*src->key || src->value.type < OTELC_VALUE_STRING || src->value.type > OTELC_VALUE_DOUBLE) {
            otelc_log(OTELC_LOG_DEBUG, "scope attribute %zu dropped (empty key or array value)", i);
            continue;
        }
        a[n].key = otelc_strdup(src->key);
        a[n].value = src->value;
        if (src->value.type == OTELC_VALUE_STRING) a[n].value.u.s = otelc_strndup(src->value.u.s, src->value.len);
        if (!a[n].key || (src->value.type == OTELC_VALUE_STRING && !a[n].value.u.s)) {
            free_scope_attrs(a, n + 1);
            return false;
        }
        n++;
    }
    t->scope.attributes = a;
    t->scope.attribute_count = n;
    return true;
}

static otelc_tracer *provider_get_tracer(otelc_tracer_provider *base, const otelc_scope_options *so) {
    sdk_provider *p = (sdk_provider *)base;
    pthread_mutex_lock(&p->tracers_lock);
    for (sdk_tracer *t = p->tracers; t; t = t->next) {
        /* Scopes are identified by name, version and schema URL (attributes are not part of identity). */
        if (streq(t->scope.name, so->name) && streq(t->scope.version, so->version) &&
            streq(t->scope.schema_url, so->schema_url)) {
            pthread_mutex_unlock(&p->tracers_lock);
            return &t->base;
        }
    }
    sdk_tracer *t = otelc_calloc(1, sizeof *t);
    if (t) {
        t->base.ops = &sdk_tracer_ops;
        t->provider = p;
        t->scope.name = otelc_strdup(so->name ? so->name : "");
        t->scope.version = otelc_strdup(so->version ? so->version : "");
        t->scope.schema_url = otelc_strdup(so->schema_url ? so->schema_url : "");
    }
    if (!t || !t->scope.name || !t->scope.version || !t->scope.schema_url || !copy_scope_attrs(t, so)) {
        if (t) tracer_free(t);
        pthread_mutex_unlock(&p->tracers_lock);
        return NULL;
    }
    t->next = p->tracers;
    p->tracers = t;
    pthread_mutex_unlock(&p->tracers_lock);
    return &t->base;
}

static const otelc_tracer_provider_ops sdk_provider_ops = {provider_get_tracer};

void otelc_tracer_provider_options_init(otelc_tracer_provider_options *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    otelc_span_limits_init(&o->limits);
}

otelc_tracer_provider *otelc_tracer_provider_create(const otelc_tracer_provider_options *o, otelc_error *err) {
    otelc_tracer_provider_options defaults;
    if (!o || o->struct_size < sizeof *o) {
        if (o) otelc_log(OTELC_LOG_WARN, "tracer provider options have an unknown struct_size; using defaults");
        otelc_tracer_provider_options_init(&defaults);
        if (o) { /* keep the ownership contract: take what was handed over */
            defaults.resource = o->resource;
            defaults.sampler = o->sampler;
        }
        o = &defaults;
    }
    sdk_provider *p = otelc_calloc(1, sizeof *p);
    otelc_processor **procs = o->processor_count ? otelc_calloc(o->processor_count, sizeof *procs) : NULL;
    if (!p || (o->processor_count && !procs)) {
        otelc_free(p);
        otelc_free(procs);
        otelc_resource_destroy(o->resource);
        otelc_sampler_destroy(o->sampler);
        for (size_t i = 0; i < o->processor_count; i++) otelc_processor_destroy(o->processors[i]);
        otelc_error_set(err, OTELC_ERR_NO_MEMORY, "tracer provider: out of memory");
        return NULL;
    }
    p->base.ops = &sdk_provider_ops;
    p->magic = PROVIDER_MAGIC;
    p->limits = o->limits;
    if (p->limits.struct_size < sizeof p->limits) otelc_span_limits_init(&p->limits);
    p->resource = o->resource ? o->resource : otelc_resource_default();
    p->sampler = o->sampler ? o->sampler : otelc__sampler_from_env();
    for (size_t i = 0; i < o->processor_count; i++) {
        if (!o->processors[i]) continue;
        procs[p->processor_count++] = o->processors[i];
        p->has_on_start |= otelc__processor_has_on_start(o->processors[i]);
    }
    p->processors = procs;
    p->adopting_only = p->processor_count == 1 && otelc__processor_adopts(procs[0]);
    if (o->id_generator && o->id_generator->trace_id && o->id_generator->span_id) {
        p->ids = *o->id_generator;
        p->custom_ids = true;
    }
    pthread_mutex_init(&p->tracers_lock, NULL);
    if (!p->resource || !p->sampler) {
        otelc_error_set(err, OTELC_ERR_NO_MEMORY, "tracer provider: out of memory");
        otelc_tracer_provider_destroy(&p->base);
        return NULL;
    }
    otelc__fork_init();
    otelc_error_set(err, OTELC_OK, NULL);
    return &p->base;
}

static sdk_provider *as_sdk(const otelc_tracer_provider *base) {
    if (!base || base->ops != &sdk_provider_ops) return NULL;
    return (sdk_provider *)base;
}

int otelc_tracer_provider_is_sdk(const otelc_tracer_provider *p) { return as_sdk(p) != NULL; }

const otelc_resource *otelc_tracer_provider_resource(const otelc_tracer_provider *base) {
    sdk_provider *p = as_sdk(base);
    return p ? p->resource : NULL;
}

otelc_status otelc_tracer_provider_force_flush(otelc_tracer_provider *base, uint32_t timeout_ms) {
    sdk_provider *p = as_sdk(base);
    if (!p) return OTELC_ERR_INVALID_ARGUMENT;
    if (atomic_load(&p->shut_down)) return OTELC_ERR_ALREADY_SHUTDOWN;
    return otelc__processors_each(p->processors, p->processor_count, timeout_ms, otelc_processor_force_flush);
}

otelc_status otelc_tracer_provider_shutdown(otelc_tracer_provider *base, uint32_t timeout_ms) {
    sdk_provider *p = as_sdk(base);
    if (!p) return OTELC_ERR_INVALID_ARGUMENT;
    if (atomic_exchange(&p->shut_down, true)) return OTELC_OK;
    otelc_status worst = otelc__processors_each(p->processors, p->processor_count, timeout_ms, otelc_processor_shutdown);
    p->shutdown_result = worst;
    return worst;
}

void otelc_tracer_provider_destroy(otelc_tracer_provider *base) {
    sdk_provider *p = as_sdk(base);
    if (!p) return;
    otelc__tracer_provider_uninstall(base); /* only if still the installed one, atomically */
    otelc_tracer_provider_shutdown(base, 5000);
    otelc_status st = p->shutdown_result;
    for (size_t i = 0; i < p->processor_count; i++) otelc_processor_destroy(p->processors[i]);
    otelc_free(p->processors);
    otelc_sampler_destroy(p->sampler);
    if (st == OTELC_ERR_TIMEOUT) {
        /* A detached export may still read the resource and scopes of spans in flight, so they must
         * outlive this call. They are parked (reachable, bounded by the number of timed-out shutdowns)
         * rather than freed. */
        otelc_log(OTELC_LOG_DEBUG, "tracer provider: keeping resource and tracers alive for an abandoned export");
        pthread_mutex_lock(&g_parked_lock);
        p->parked_next = g_parked;
        g_parked = p;
        pthread_mutex_unlock(&g_parked_lock);
        return;
    }
    sdk_tracer *t = p->tracers;
    while (t) {
        sdk_tracer *n = t->next;
        tracer_free(t);
        t = n;
    }
    otelc_resource_destroy(p->resource);
    pthread_mutex_destroy(&p->tracers_lock);
    p->magic = 0;
    otelc_free(p);
}
