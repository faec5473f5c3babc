/* Deep copy of a finished span. Two passes over the same walker: the first measures, the second
 * copies into a single block, so a stored span is one allocation and one free. */
#include <stdalign.h>
#include <string.h>

#include "otelc/log.h"
#include "span_copy.h"

typedef struct copier {
    char *base; /* NULL while measuring */
    size_t used;
} copier;

static void *take(copier *c, size_t n, size_t align) {
    c->used = (c->used + align - 1) & ~(align - 1);
    void *p = c->base ? c->base + c->used : NULL;
    c->used += n;
    return p;
}

static const char *str(copier *c, const char *s) {
    if (!s) s = "";
    size_t n = strlen(s) + 1;
    char *d = take(c, n, 1);
    if (d) memcpy(d, s, n);
    return d ? d : s;
}

static void value(copier *c, otelc_value *d, const otelc_value *s) {
    if (c->base) *d = *s;
    switch (s->type) {
    case OTELC_VALUE_STRING: {
        char *p = take(c, (size_t)s->len + 1, 1);
        if (p) { memcpy(p, s->u.s, s->len); p[s->len] = '\0'; d->u.s = p; }
        break;
    }
    case OTELC_VALUE_STRING_ARRAY: {
        const char **a = take(c, s->len * sizeof *a, alignof(const char *));
        for (uint32_t i = 0; i < s->len; i++) {
            const char *e = str(c, s->u.sa[i]);
            if (a) a[i] = e;
        }
        if (a) d->u.sa = a;
        break;
    }
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY: {
        size_t el = s->type == OTELC_VALUE_BOOL_ARRAY ? sizeof(bool) : 8;
        void *a = take(c, s->len * el, 8);
        if (a) { if (s->len) memcpy(a, s->u.ia, s->len * el); d->u.ia = a; }
        break;
    }
    default:
        break;
    }
}

static const otelc_attr *attrs(copier *c, const otelc_attr *src, size_t n) {
    otelc_attr *a = take(c, n * sizeof *a, alignof(otelc_attr));
    for (size_t i = 0; i < n; i++) {
        const char *k = str(c, src[i].key);
        if (a) a[i].key = k;
        value(c, a ? &a[i].value : NULL, &src[i].value);
    }
    return a;
}

/* Walks src, writing into c->base when set. Trace states are shared by reference (immutable). */
static otelc_span_data *walk(copier *c, const otelc_span_data *src) {
    otelc_span_data *d = take(c, sizeof *d, alignof(otelc_span_data));
    if (d) *d = *src;
    const char *name = str(c, src->name), *desc = str(c, src->status_description);
    const otelc_attr *a = attrs(c, src->attributes, src->attribute_count);
    otelc_event_data *ev = take(c, src->event_count * sizeof *ev, alignof(otelc_event_data));
    for (uint32_t i = 0; i < src->event_count; i++) {
        if (ev) ev[i] = src->events[i];
        const char *en = str(c, src->events[i].name);
        const otelc_attr *ea = attrs(c, src->events[i].attributes, src->events[i].attribute_count);
        if (ev) { ev[i].name = en; ev[i].attributes = ea; }
    }
    otelc_link_data *ln = take(c, src->link_count * sizeof *ln, alignof(otelc_link_data));
    for (uint32_t i = 0; i < src->link_count; i++) {
        if (ln) ln[i] = src->links[i];
        const otelc_attr *la = attrs(c, src->links[i].attributes, src->links[i].attribute_count);
        if (ln) ln[i].attributes = la;
    }
    otelc_instrumentation_scope *sc = NULL;
    if (src->scope) {
        sc = take(c, sizeof *sc, alignof(otelc_instrumentation_scope));
        const char *n = str(c, src->scope->name), *v = str(c, src->scope->version), *u = str(c, src->scope->schema_url);
        const otelc_attr *sa = attrs(c, src->scope->attributes, src->scope->attribute_count);
        if (sc) { *sc = *src->scope; sc->name = n; sc->version = v; sc->schema_url = u; sc->attributes = sa; }
    }
    if (d) {
        d->name = name;
        d->status_description = desc;
        d->attributes = a;
        d->events = ev;
        d->links = ln;
        d->scope = sc;
        d->resource = NULL; /* filled by the caller: resources are copied separately */
    }
    return d;
}

otelc_span_data *otelc__span_copy(const otelc_span_data *src) {
    copier c = {NULL, 0};
    walk(&c, src);
    c.base = otelc_malloc(c.used ? c.used : 1);
    if (!c.base) return NULL;
    c.used = 0;
    otelc_span_data *d = walk(&c, src);
    /* Trace states are immutable and reference-counted: keep references instead of copies. */
    otelc_trace_state_retain(d->context.trace_state);
    for (uint32_t i = 0; i < d->link_count; i++) otelc_trace_state_retain(d->links[i].context.trace_state);
    return d;
}

void otelc__span_copy_free(otelc_span_data *d) {
    if (!d) return;
    otelc_trace_state_release(d->context.trace_state);
    for (uint32_t i = 0; i < d->link_count; i++) otelc_trace_state_release(d->links[i].context.trace_state);
    otelc_free(d);
}
