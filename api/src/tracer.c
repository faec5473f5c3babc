/* The global provider slot and the proxy tracers handed out by otelc_get_tracer(). A proxy remembers
 * its instrumentation scope and binds lazily to whichever provider is installed when a span starts,
 * so libraries may take their tracer before the application installs the SDK. */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "otelc/impl/provider_impl.h"
#include "otelc/log.h"

static _Atomic(otelc_tracer_provider *) g_provider;
static atomic_uint g_generation = 1;

/* ---- no-op provider ---- */

static otelc_span *noop_start_span(otelc_tracer *t, const char *name, const otelc_span_start_options *opts) {
    (void)t; (void)name;
    otelc_span_context parent;
    /* The spec asks the API without an SDK to propagate the parent's span context. */
    if (otelc_span_start_resolve_parent(opts, &parent)) return otelc_span_create_non_recording(&parent);
    return otelc_span_noop();
}
static const otelc_tracer_ops noop_tracer_ops = {noop_start_span};
static otelc_tracer g_noop_tracer = {&noop_tracer_ops, 1};
static otelc_tracer *noop_get_tracer(otelc_tracer_provider *p, const otelc_scope_options *s) {
    (void)p; (void)s;
    return &g_noop_tracer;
}
static const otelc_tracer_provider_ops noop_provider_ops = {noop_get_tracer};
static otelc_tracer_provider g_noop_provider = {&noop_provider_ops};

/* Starts at 0: no provider, no scope yet. Only the library writes it, always with read-modify-writes:
 * context.c sets OTELC__GLOBAL_SCOPES, set_tracer_provider keeps OTELC__GLOBAL_PROVIDER in step with
 * g_provider, and neither can undo the other's bit. */
unsigned otelc__global_state;

/* trace.h reads follows_global through its own view of the tracer's first fields. */
_Static_assert(offsetof(otelc_tracer, follows_global) == sizeof(void *), "follows_global offset used by trace.h");
_Static_assert(sizeof(((otelc_tracer *)0)->follows_global) == sizeof(unsigned), "follows_global type used by trace.h");

static void provider_changed(void);

void otelc_set_tracer_provider(otelc_tracer_provider *provider) {
    if (provider == &g_noop_provider) provider = NULL;
    atomic_store(&g_provider, provider);
    provider_changed();
}

bool otelc__tracer_provider_uninstall(otelc_tracer_provider *provider) {
    otelc_tracer_provider *expected = provider;
    if (!provider || !atomic_compare_exchange_strong(&g_provider, &expected, NULL)) return false;
    provider_changed();
    return true;
}

static void provider_changed(void) {
    /* The provider bit follows the slot, not the argument: with two threads installing at once, the
     * bit must end up matching whichever store to g_provider came last. Each caller re-reads the slot
     * after its update and goes again if it changed. Why that suffices: the last store's caller L
     * updates the bit after it; if another caller's update U lands after L's in the word's order, U
     * (seq_cst RMW) reads from L's chain, so L's store happens-before U's re-check, which then sees
     * L's provider: if U wrote for another value, U goes again and repairs the bit. No lock, so the
     * call stays safe in a fork child whatever other threads were doing. */
    for (;;) {
        otelc_tracer_provider *p = atomic_load(&g_provider);
        if (p)
            __atomic_fetch_or(&otelc__global_state, OTELC__GLOBAL_PROVIDER, __ATOMIC_SEQ_CST);
        else
            __atomic_fetch_and(&otelc__global_state, ~OTELC__GLOBAL_PROVIDER, __ATOMIC_SEQ_CST);
        if (atomic_load(&g_provider) == p) break;
    }
    atomic_fetch_add(&g_generation, 1);
}

otelc_tracer_provider *otelc_get_tracer_provider(void) {
    otelc_tracer_provider *p = atomic_load_explicit(&g_provider, memory_order_acquire);
    return p ? p : &g_noop_provider;
}

/* ---- proxy tracers ---- */

typedef struct proxy_tracer {
    otelc_tracer base;
    struct proxy_tracer *next;
    char *name, *version, *schema_url;
    otelc_attr *attrs;
    size_t attr_count;
    pthread_mutex_t bind_lock;
    _Atomic(otelc_tracer *) bound;
    atomic_uint bound_generation;
} proxy_tracer;

static pthread_mutex_t g_proxies_lock = PTHREAD_MUTEX_INITIALIZER;
static proxy_tracer *g_proxies;

static otelc_tracer *proxy_resolve(proxy_tracer *px) {
    /* Generation first, then provider: set_tracer_provider stores the provider before bumping the
     * generation, so the provider read here is at least as new as `gen`. The other order could pair an
     * old provider with the new generation and keep a proxy bound to a replaced (maybe destroyed)
     * provider for good. */
    unsigned gen = atomic_load_explicit(&g_generation, memory_order_acquire);
    otelc_tracer_provider *p = atomic_load_explicit(&g_provider, memory_order_acquire);
    if (!p) return NULL;
    if (atomic_load_explicit(&px->bound_generation, memory_order_acquire) == gen)
        return atomic_load_explicit(&px->bound, memory_order_relaxed);
    pthread_mutex_lock(&px->bind_lock);
    otelc_scope_options so = {sizeof so, px->name, px->version, px->schema_url, px->attrs, px->attr_count};
    otelc_tracer *t = p->ops->get_tracer(p, &so);
    atomic_store_explicit(&px->bound, t, memory_order_relaxed);
    atomic_store_explicit(&px->bound_generation, t ? gen : 0, memory_order_release);
    pthread_mutex_unlock(&px->bind_lock);
    return t;
}

static otelc_span *proxy_start_span(otelc_tracer *t, const char *name, const otelc_span_start_options *opts) {
    otelc_tracer *real = proxy_resolve((proxy_tracer *)t);
    if (!real) return noop_start_span(t, name, opts);
    return real->ops->start_span(real, name, opts);
}
static const otelc_tracer_ops proxy_ops = {proxy_start_span};

static bool str_eq(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }

/* Deep copy of attributes: the proxy outlives the caller's arrays. Strings and arrays copied. */
static void free_attrs(otelc_attr *attrs, size_t n) {
    if (!attrs) return;
    for (size_t i = 0; i < n; i++) {
        otelc_free((void *)attrs[i].key);
        otelc_value *v = &attrs[i].value;
        switch (v->type) {
        case OTELC_VALUE_STRING: otelc_free((void *)v->u.s); break;
        case OTELC_VALUE_STRING_ARRAY:
            for (uint32_t j = 0; j < v->len; j++) otelc_free((void *)v->u.sa[j]);
            otelc_free((void *)v->u.sa);
            break;
        case OTELC_VALUE_BOOL_ARRAY: otelc_free((void *)v->u.ba); break;
        case OTELC_VALUE_INT_ARRAY: otelc_free((void *)v->u.ia); break;
        case OTELC_VALUE_DOUBLE_ARRAY: otelc_free((void *)v->u.da); break;
        default: break;
        }
    }
    otelc_free(attrs);
}

static bool copy_value(otelc_value *d, const otelc_value *s) {
    *d = *s;
    switch (s->type) {
    case OTELC_VALUE_STRING: return (d->u.s = otelc_strndup(s->u.s, s->len)) != NULL;
    case OTELC_VALUE_STRING_ARRAY: {
        char **a = otelc_calloc(s->len ? s->len : 1, sizeof *a);
        d->u.sa = (const char *const *)a;
        if (!a) return false;
        for (uint32_t j = 0; j < s->len; j++)
            if (!(a[j] = otelc_strdup(s->u.sa[j] ? s->u.sa[j] : ""))) return false;
        return true;
    }
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY: {
        size_t el = s->type == OTELC_VALUE_BOOL_ARRAY ? sizeof(bool) : 8;
        void *a = otelc_malloc(s->len ? s->len * el : 1);
        if (!a) { d->u.ia = NULL; return false; }
        if (s->len) memcpy(a, s->u.ia, s->len * el);
        d->u.ia = a;
        return true;
    }
    default: return true;
    }
}

static otelc_attr *dup_attrs(const otelc_attr *src, size_t n) {
    if (!src || !n) return NULL;
    otelc_attr *a = otelc_calloc(n, sizeof *a);
    if (!a) return NULL;
    for (size_t i = 0; i < n; i++) {
        a[i].key = otelc_strdup(src[i].key ? src[i].key : "");
        if (!a[i].key || !copy_value(&a[i].value, &src[i].value)) {
            free_attrs(a, i + 1);
            return NULL;
        }
    }
    return a;
}

static otelc_tracer *get_proxy(const otelc_scope_options *so) {
    pthread_mutex_lock(&g_proxies_lock);
    for (proxy_tracer *p = g_proxies; p; p = p->next) {
        if (str_eq(p->name, so->name) && str_eq(p->version, so->version) && str_eq(p->schema_url, so->schema_url)) {
            pthread_mutex_unlock(&g_proxies_lock);
            return &p->base;
        }
    }
    proxy_tracer *p = otelc_calloc(1, sizeof *p);
    if (!p) goto oom;
    p->base.ops = &proxy_ops;
    p->base.follows_global = 1;
    p->name = otelc_strdup(so->name ? so->name : "");
    p->version = otelc_strdup(so->version ? so->version : "");
    p->schema_url = otelc_strdup(so->schema_url ? so->schema_url : "");
    p->attrs = dup_attrs(so->attributes, so->attribute_count);
    p->attr_count = p->attrs ? so->attribute_count : 0;
    if (!p->name || !p->version || !p->schema_url) {
        otelc_free(p->name); otelc_free(p->version); otelc_free(p->schema_url);
        free_attrs(p->attrs, p->attr_count);
        otelc_free(p);
        goto oom;
    }
    pthread_mutex_init(&p->bind_lock, NULL);
    p->next = g_proxies;
    g_proxies = p;
    pthread_mutex_unlock(&g_proxies_lock);
    return &p->base;
oom:
    pthread_mutex_unlock(&g_proxies_lock);
    return &g_noop_tracer;
}

otelc_tracer *otelc_get_tracer(const char *name, const char *version, const char *schema_url) {
    otelc_scope_options so = {sizeof so, name, version, schema_url, NULL, 0};
    return otelc_tracer_provider_get_tracer(NULL, &so);
}

otelc_tracer *otelc_tracer_provider_get_tracer(otelc_tracer_provider *provider, const otelc_scope_options *scope) {
    otelc_scope_options empty = {sizeof empty, "", "", "", NULL, 0};
    if (!scope) scope = &empty;
    if (!scope->name || !*scope->name)
        otelc_log(OTELC_LOG_DEBUG, "tracer requested with an empty instrumentation scope name");
    if (!provider) return get_proxy(scope);
    otelc_tracer *t = provider->ops->get_tracer(provider, scope);
    return t ? t : &g_noop_tracer;
}

extern __attribute__((visibility("hidden"))) _Thread_local uint32_t otelc__scope_depth;

otelc_span *otelc_tracer_start_span(otelc_tracer *tracer, const char *name, const otelc_span_start_options *opts) {
    if (!tracer) tracer = &g_noop_tracer;
    /* No SDK, no options and no active scope: nothing can give this span a parent to propagate, so the
     * answer is the static no-op span, without dispatch. */
    if (tracer->follows_global && !opts && otelc__scope_depth == 0 &&
        !atomic_load_explicit(&g_provider, memory_order_relaxed))
        return otelc_span_noop();
    if (opts && opts->struct_size < sizeof *opts) {
        /* Options from an older or uninitialised struct: reading further fields could go past it. */
        otelc_log(OTELC_LOG_DEBUG, "start_span: options struct_size %zu is not %zu; using defaults",
                  opts->struct_size, sizeof *opts);
        opts = NULL;
    }
    otelc_span *s = tracer->ops->start_span(tracer, name ? name : "", opts);
    return s ? s : otelc_span_noop();
}

/* Proxies are never freed: instrumentation may hold them in statics and call them from any thread up to
 * process exit, so freeing them in a destructor could crash the host. They stay reachable through
 * g_proxies (one small object per distinct scope), which leak checkers report as reachable, not lost. */
