/* Propagator objects, the composite, and the global text-map propagator slot (no-op by default). */
#include <string.h>

#include "otelc/log.h"
#include "otelc/propagation.h"
#include "otelc/impl/provider_impl.h"

struct otelc_propagator {
    const otelc_propagator_ops *ops;
    void *impl;
};

otelc_propagator *otelc_propagator_create(const otelc_propagator_ops *ops, void *impl) {
    if (!ops) return NULL;
    otelc_propagator *p = otelc_malloc(sizeof *p);
    if (!p) {
        if (ops->destroy) ops->destroy(impl);
        return NULL;
    }
    p->ops = ops;
    p->impl = impl;
    return p;
}

void otelc_propagator_destroy(otelc_propagator *p) {
    if (!p) return;
    if (p->ops->destroy) p->ops->destroy(p->impl);
    otelc_free(p);
}

const char *otelc_propagator_name(const otelc_propagator *p) {
    return p && p->ops->name ? p->ops->name : "";
}

void otelc_propagator_inject(const otelc_propagator *p, const otelc_context *ctx, const otelc_carrier_setter *setter) {
    if (!p || !setter || !setter->set || !p->ops->inject) return;
    p->ops->inject(p->impl, ctx, setter);
}

otelc_context *otelc_propagator_extract(const otelc_propagator *p, const otelc_context *base,
                                        const otelc_carrier_getter *getter) {
    if (!p || !getter || !getter->get || !p->ops->extract) {
        return base ? otelc_context_retain(base) : otelc_context_create(NULL, NULL);
    }
    return p->ops->extract(p->impl, base, getter);
}

/* ---- composite ---- */

typedef struct composite {
    otelc_propagator **parts;
    size_t count;
    const char **fields; /* union of the parts' fields, NULL-terminated */
} composite;

static void composite_inject(void *self, const otelc_context *ctx, const otelc_carrier_setter *setter) {
    composite *c = self;
    for (size_t i = 0; i < c->count; i++) otelc_propagator_inject(c->parts[i], ctx, setter);
}

static otelc_context *composite_extract(void *self, const otelc_context *base, const otelc_carrier_getter *getter) {
    composite *c = self;
    otelc_context *cur = base ? otelc_context_retain(base) : otelc_context_create(NULL, NULL);
    for (size_t i = 0; i < c->count && cur; i++) {
        otelc_context *next = otelc_propagator_extract(c->parts[i], cur, getter);
        otelc_context_release(cur);
        cur = next;
    }
    return cur;
}

static const char *const *composite_fields(void *self) { return ((composite *)self)->fields; }

static void composite_destroy(void *self) {
    composite *c = self;
    for (size_t i = 0; i < c->count; i++) otelc_propagator_destroy(c->parts[i]);
    otelc_free(c->parts);
    otelc_free(c->fields);
    otelc_free(c);
}

static const otelc_propagator_ops composite_ops = {
    "composite", composite_inject, composite_extract, composite_fields, composite_destroy,
};

otelc_propagator *otelc_propagator_composite(otelc_propagator **parts, size_t count) {
    composite *c = otelc_calloc(1, sizeof *c);
    size_t nfields = 0;
    for (size_t i = 0; i < count; i++) {
        const char *const *f = parts[i] && parts[i]->ops->fields ? parts[i]->ops->fields(parts[i]->impl) : NULL;
        while (f && *f) { nfields++; f++; }
    }
    if (c) {
        c->parts = otelc_calloc(count ? count : 1, sizeof *c->parts);
        c->fields = otelc_calloc(nfields + 1, sizeof *c->fields);
    }
    if (!c || !c->parts || !c->fields) {
        for (size_t i = 0; i < count; i++) otelc_propagator_destroy(parts[i]);
        if (c) { otelc_free(c->parts); otelc_free(c->fields); otelc_free(c); }
        return NULL;
    }
    size_t nf = 0;
    for (size_t i = 0; i < count; i++) {
        if (!parts[i]) continue;
        c->parts[c->count++] = parts[i];
        const char *const *f = parts[i]->ops->fields ? parts[i]->ops->fields(parts[i]->impl) : NULL;
        for (; f && *f; f++) {
            bool dup = false;
            for (size_t j = 0; j < nf; j++) dup |= strcmp(c->fields[j], *f) == 0;
            if (!dup) c->fields[nf++] = *f;
        }
    }
    return otelc_propagator_create(&composite_ops, c);
}

/* ---- global slot ---- */

static void noop_inject(void *s, const otelc_context *c, const otelc_carrier_setter *st) { (void)s; (void)c; (void)st; }
static otelc_context *noop_extract(void *s, const otelc_context *base, const otelc_carrier_getter *g) {
    (void)s; (void)g;
    return base ? otelc_context_retain(base) : otelc_context_create(NULL, NULL);
}
static const char *const no_fields[] = {NULL};
static const char *const *noop_fields(void *s) { (void)s; return no_fields; }
static const otelc_propagator_ops noop_ops = {"none", noop_inject, noop_extract, noop_fields, NULL};
static otelc_propagator g_noop = {&noop_ops, NULL};
static _Atomic(otelc_propagator *) g_global;

void otelc_set_text_map_propagator(otelc_propagator *p) { atomic_store(&g_global, p); }

otelc_propagator *otelc_get_text_map_propagator(void) {
    otelc_propagator *p = atomic_load_explicit(&g_global, memory_order_acquire);
    return p ? p : &g_noop;
}

void otelc_inject_current(const otelc_carrier_setter *setter) {
    otelc_context *ctx = otelc_context_current();
    if (!ctx) return;
    otelc_propagator_inject(otelc_get_text_map_propagator(), ctx, setter);
    otelc_context_release(ctx);
}

otelc_context *otelc_extract(const otelc_carrier_getter *getter) {
    return otelc_propagator_extract(otelc_get_text_map_propagator(), NULL, getter);
}
