/* The recording span. Everything a span copies (name, keys, string values, event and link arrays)
 * goes into a per-span bump arena: an inline block in the span itself, then chunks. One span is then a
 * handful of allocations at most, freed together, and exporters read it in place through `data`. */
#include <string.h>

#include "internal.h"
#include "span_pool.h"
#include "otelc/sdk/processor.h"
#include "otelc/sdk/sampler.h"

/* ---- arena ---- */

static void *arena_alloc_slow(sdk_span *s, size_t size) {
    arena_chunk *c = s->chunks;
    if (c && c->used + size <= c->cap) {
        void *p = c->data + c->used;
        c->used += size;
        return p;
    }
    if (s->arena_total + size > SPAN_ARENA_MAX) return NULL; /* bounded: the caller drops and counts */
    size_t cap = size > 512 ? size : 512;
    c = otelc_malloc(sizeof *c + cap);
    if (!c) return NULL;
    c->next = s->chunks;
    c->cap = cap;
    c->used = size;
    s->chunks = c;
    s->arena_total += cap;
    return c->data;
}

/* Bump allocation; the inline block serves a typical span without any call. */
static inline void *arena_alloc(sdk_span *s, size_t size) {
    size = (size + 7u) & ~(size_t)7u;
    if (__builtin_expect(s->arena_used + size <= SPAN_ARENA_INLINE, 1)) {
        void *p = s->arena + s->arena_used;
        s->arena_used += size;
        return p;
    }
    return arena_alloc_slow(s, size);
}

static char *arena_strndup(sdk_span *s, const char *src, size_t n) {
    char *d = arena_alloc(s, n + 1);
    if (!d) return NULL;
    memcpy(d, src, n);
    d[n] = '\0';
    return d;
}

/* Truncates to at most limit bytes without splitting a UTF-8 sequence. */
static size_t truncated_len(const char *s, size_t len, uint32_t limit, bool *truncated) {
    *truncated = false;
    if (limit == OTELC_LIMIT_UNLIMITED || len <= limit) return len;
    size_t n = limit;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    *truncated = true;
    return n;
}

static const otelc_span_limits *limits_of(const sdk_span *s) { return &s->tracer->provider->limits; }

/* Copies v into the arena (strings truncated to the value-length limit). Returns false on arena
 * exhaustion, in which case the caller drops the attribute. */
static bool copy_value(sdk_span *s, otelc_value *dst, const otelc_value *src) {
    uint32_t limit = limits_of(s)->attribute_value_length;
    bool cut = false, any_cut = false;
    *dst = *src;
    switch (src->type) {
    case OTELC_VALUE_STRING: {
        size_t n = truncated_len(src->u.s, src->len, limit, &cut);
        char *d = arena_strndup(s, src->u.s, n);
        if (!d) return false;
        dst->u.s = d;
        dst->len = (uint32_t)n;
        any_cut = cut;
        break;
    }
    case OTELC_VALUE_STRING_ARRAY: {
        const char **a = arena_alloc(s, (src->len ? src->len : 1) * sizeof *a);
        if (!a || (src->len && !src->u.sa)) return false;
        for (uint32_t i = 0; i < src->len; i++) {
            const char *e = src->u.sa[i] ? src->u.sa[i] : "";
            size_t n = truncated_len(e, strlen(e), limit, &cut);
            any_cut |= cut;
            if (!(a[i] = arena_strndup(s, e, n))) return false;
        }
        dst->u.sa = a;
        break;
    }
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY: {
        size_t el = src->type == OTELC_VALUE_BOOL_ARRAY ? sizeof(bool) : 8;
        if (src->len && !src->u.ia) return false;
        void *a = arena_alloc(s, src->len ? src->len * el : 1);
        if (!a) return false;
        if (src->len) memcpy(a, src->u.ia, src->len * el);
        dst->u.ia = a;
        break;
    }
    case OTELC_VALUE_BOOL:
    case OTELC_VALUE_INT:
    case OTELC_VALUE_DOUBLE:
        break;
    default:
        return false;
    }
    if (any_cut) otelc__count(OTELC_COUNTER_LIMIT_TRUNCATED, 1);
    return true;
}

static bool valid_input(const char *key, const otelc_value *v) {
    if (!key || !*key || !v || v->type <= OTELC_VALUE_NONE || v->type > OTELC_VALUE_DOUBLE_ARRAY) return false;
    if (v->type == OTELC_VALUE_STRING && !v->u.s) return false;
    return true;
}

/* Attribute keys in the arena carry their length in the 4 bytes before them, so the duplicate-key
 * scan compares lengths (and first bytes) instead of calling strcmp on every key. */
static char *arena_key(sdk_span *s, const char *key, size_t kn) {
    char *p = arena_alloc(s, 4 + kn + 1);
    if (!p) return NULL;
    uint32_t n = (uint32_t)kn;
    memcpy(p, &n, 4);
    memcpy(p + 4, key, kn + 1);
    return p + 4;
}

static inline uint32_t key_len(const char *k) {
    uint32_t n;
    memcpy(&n, k - 4, 4);
    return n;
}

static void drop_attr(uint32_t *dropped) {
    (*dropped)++;
    otelc__count(OTELC_COUNTER_LIMIT_ATTRIBUTES, 1);
}

/* Adds or replaces key in an attribute list with capacity *cap; grows by copying into the arena. */
static void attrs_put(sdk_span *s, otelc_attr **list, uint32_t *count, uint32_t *cap, uint32_t *dropped,
                      uint32_t limit, const char *key, const otelc_value *v) {
    if (!valid_input(key, v)) {
        otelc__count(OTELC_COUNTER_BAD_INPUT, 1);
        return;
    }
    size_t kn = strlen(key);
    otelc_attr *a = *list;
    for (uint32_t i = 0; i < *count; i++) {
        const char *k = a[i].key;
        if (k[0] == key[0] && key_len(k) == kn && memcmp(k, key, kn) == 0) {
            otelc_value nv;
            if (copy_value(s, &nv, v)) a[i].value = nv;
            else drop_attr(dropped);
            return;
        }
    }
    if (*count >= limit) {
        drop_attr(dropped);
        return;
    }
    if (*count == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 4;
        if (ncap > limit) ncap = limit;
        otelc_attr *na = arena_alloc(s, ncap * sizeof *na);
        if (!na) {
            drop_attr(dropped);
            return;
        }
        if (*count) memcpy(na, a, *count * sizeof *na);
        *list = a = na;
        *cap = ncap;
    }
    char *k = arena_key(s, key, kn);
    if (!k || !copy_value(s, &a[*count].value, v)) {
        drop_attr(dropped);
        return;
    }
    a[*count].key = k;
    (*count)++;
}

/* Copies a fixed attribute list (event or link attributes) with its own count limit. */
static void attrs_copy_list(sdk_span *s, const otelc_attr *src, size_t n, uint32_t limit, const otelc_attr **out,
                            uint32_t *out_count, uint32_t *out_dropped) {
    otelc_attr *list = NULL;
    uint32_t count = 0, cap = 0, dropped = 0;
    if (src && n) {
        cap = (uint32_t)(n < limit ? n : limit);
        list = cap ? arena_alloc(s, cap * sizeof *list) : NULL;
        if (!list) cap = 0;
        for (size_t i = 0; i < n; i++) attrs_put(s, &list, &count, &cap, &dropped, limit, src[i].key, &src[i].value);
    }
    *out = list;
    *out_count = count;
    *out_dropped = dropped;
}

/* ---- span ops ---- */

static void op_set_attribute(otelc_span *base, const char *key, const otelc_value *v) {
    sdk_span *s = (sdk_span *)base;
    otelc_attr *list = (otelc_attr *)s->data.attributes;
    attrs_put(s, &list, &s->data.attribute_count, &s->attr_cap, &s->data.dropped_attributes_count,
              limits_of(s)->attribute_count, key, v);
    s->data.attributes = list;
}

static void op_add_event(otelc_span *base, const char *name, const otelc_attr *attrs, size_t count, uint64_t t) {
    sdk_span *s = (sdk_span *)base;
    const otelc_span_limits *l = limits_of(s);
    if (!name) name = "";
    if (s->data.event_count >= l->event_count) {
        s->data.dropped_events_count++;
        otelc__count(OTELC_COUNTER_LIMIT_EVENTS, 1);
        return;
    }
    if (s->data.event_count == s->event_cap) {
        uint32_t ncap = s->event_cap ? s->event_cap * 2 : 2;
        if (ncap > l->event_count) ncap = l->event_count;
        otelc_event_data *ne = arena_alloc(s, ncap * sizeof *ne);
        if (!ne) { s->data.dropped_events_count++; otelc__count(OTELC_COUNTER_LIMIT_EVENTS, 1); return; }
        if (s->data.event_count) memcpy(ne, s->data.events, s->data.event_count * sizeof *ne);
        s->data.events = ne;
        s->event_cap = ncap;
    }
    otelc_event_data *e = (otelc_event_data *)&s->data.events[s->data.event_count];
    e->name = arena_strndup(s, name, strlen(name));
    if (!e->name) { s->data.dropped_events_count++; otelc__count(OTELC_COUNTER_LIMIT_EVENTS, 1); return; }
    e->time_unix_nano = t ? t : otelc_now_unix_nano();
    attrs_copy_list(s, attrs, count, l->event_attribute_count, &e->attributes, &e->attribute_count,
                    &e->dropped_attributes_count);
    s->data.event_count++;
}

static void op_add_link(otelc_span *base, const otelc_link_options *link) {
    sdk_span *s = (sdk_span *)base;
    const otelc_span_limits *l = limits_of(s);
    /* The spec allows dropping links to invalid contexts unless they carry attributes or trace state. */
    if (!otelc_span_context_is_valid(&link->context) && !link->attribute_count && !link->context.trace_state) return;
    if (s->data.link_count >= l->link_count) {
        s->data.dropped_links_count++;
        otelc__count(OTELC_COUNTER_LIMIT_LINKS, 1);
        return;
    }
    if (s->data.link_count == s->link_cap) {
        uint32_t ncap = s->link_cap ? s->link_cap * 2 : 2;
        if (ncap > l->link_count) ncap = l->link_count;
        otelc_link_data *nl = arena_alloc(s, ncap * sizeof *nl);
        if (!nl) { s->data.dropped_links_count++; otelc__count(OTELC_COUNTER_LIMIT_LINKS, 1); return; }
        if (s->data.link_count) memcpy(nl, s->data.links, s->data.link_count * sizeof *nl);
        s->data.links = nl;
        s->link_cap = ncap;
    }
    otelc_link_data *d = (otelc_link_data *)&s->data.links[s->data.link_count];
    d->context = link->context;
    d->context.trace_state = otelc_trace_state_retain(link->context.trace_state);
    attrs_copy_list(s, link->attributes, link->attribute_count, l->link_attribute_count, &d->attributes,
                    &d->attribute_count, &d->dropped_attributes_count);
    s->data.link_count++;
}

static void op_set_status(otelc_span *base, otelc_status_code code, const char *description) {
    sdk_span *s = (sdk_span *)base;
    if (s->data.status_code == OTELC_STATUS_OK) return; /* OK is final */
    if (code == OTELC_STATUS_OK) {
        s->data.status_code = OTELC_STATUS_OK;
        s->data.status_description = "";
    } else if (code == OTELC_STATUS_ERROR) {
        s->data.status_code = OTELC_STATUS_ERROR;
        const char *d = description ? arena_strndup(s, description, strlen(description)) : NULL;
        s->data.status_description = d ? d : "";
    }
    /* UNSET (or an unknown code) is ignored. */
}

static void op_update_name(otelc_span *base, const char *name) {
    sdk_span *s = (sdk_span *)base;
    char *n = arena_strndup(s, name, strlen(name));
    if (n) s->data.name = n;
}

static void op_end(otelc_span *base, uint64_t t) {
    sdk_span *s = (sdk_span *)base;
    sdk_provider *p = s->tracer->provider;
    s->data.end_time_unix_nano = t ? t : otelc_now_unix_nano();
    if (s->data.end_time_unix_nano < s->data.start_time_unix_nano)
        s->data.end_time_unix_nano = s->data.start_time_unix_nano;
    /* No need to clear RECORDING: the API already set ENDED, which every check looks at. */
    otelc__count(OTELC_COUNTER_SPANS_ENDED, 1);
    size_t n = p->processor_count;
    if (n == 0) {
        otelc_span_release(base);
        return;
    }
    for (size_t i = 0; i + 1 < n; i++) otelc__processor_on_end(p->processors[i], base, &s->data);
    /* The last processor consumes the caller's reference (the batch processor keeps it in its queue). */
    otelc__processor_on_end_last(p->processors[n - 1], base, &s->data);
}

static void op_free(otelc_span *base) {
    sdk_span *s = (sdk_span *)base;
    otelc_trace_state_release(base->context.trace_state);
    for (uint32_t i = 0; i < s->data.link_count; i++) otelc_trace_state_release(s->data.links[i].context.trace_state);
    arena_chunk *c = s->chunks;
    while (c) {
        arena_chunk *n = c->next;
        otelc_free(c);
        c = n;
    }
    otelc__pool_free(SPAN_POOL_RECORDING, s);
}

static const otelc_span_ops sdk_span_ops = {
    op_set_attribute, op_add_event, op_add_link, op_set_status, op_update_name, op_end, op_free,
};

/* ---- non-recording spans for dropped samples ----
 * They must carry their span context (children and propagation use it), so they are real objects; the
 * small pool makes them as cheap as a free-list pop. */

static void nr_set_attribute(otelc_span *s, const char *k, const otelc_value *v) { (void)s; (void)k; (void)v; }
static void nr_add_event(otelc_span *s, const char *n, const otelc_attr *a, size_t c, uint64_t t) {
    (void)s; (void)n; (void)a; (void)c; (void)t;
}
static void nr_add_link(otelc_span *s, const otelc_link_options *l) { (void)s; (void)l; }
static void nr_set_status(otelc_span *s, otelc_status_code c, const char *d) { (void)s; (void)c; (void)d; }
static void nr_update_name(otelc_span *s, const char *n) { (void)s; (void)n; }
static void nr_end(otelc_span *s, uint64_t t) { (void)t; otelc_span_release(s); }
static void nr_free(otelc_span *s) {
    otelc_trace_state_release(s->context.trace_state);
    otelc__pool_free(SPAN_POOL_SMALL, s);
}
static const otelc_span_ops nonrecording_ops = {
    nr_set_attribute, nr_add_event, nr_add_link, nr_set_status, nr_update_name, nr_end, nr_free,
};

static otelc_span *non_recording(const otelc_span_context *sc) {
    otelc_span *s = otelc__pool_alloc(SPAN_POOL_SMALL);
    if (!s) return otelc_span_noop();
    otelc_span_base_init(s, &nonrecording_ops, 0, sc);
    return s;
}

/* ---- start ---- */

static void new_ids(sdk_provider *p, uint8_t *trace_id, uint8_t *span_id) {
    if (!p->custom_ids) {
        if (trace_id) otelc__random_trace_id(trace_id);
        otelc__random_span_id(span_id);
        return;
    }
    for (int tries = 0; trace_id && tries < 8; tries++) {
        p->ids.trace_id(trace_id, p->ids.user_data);
        if (otelc_trace_id_is_valid(trace_id)) break;
        if (tries == 7) otelc__random_trace_id(trace_id);
    }
    for (int tries = 0; tries < 8; tries++) {
        p->ids.span_id(span_id, p->ids.user_data);
        if (otelc_span_id_is_valid(span_id)) return;
    }
    otelc__random_span_id(span_id);
}

otelc_span *otelc__span_start(sdk_tracer *tracer, const char *name, const otelc_span_start_options *opts) {
    sdk_provider *p = tracer->provider;
    otelc_span_context parent;
    bool has_parent = otelc_span_start_resolve_parent(opts, &parent);
    if (atomic_load_explicit(&p->shut_down, memory_order_relaxed))
        return has_parent ? otelc_span_create_non_recording(&parent) : otelc_span_noop();

    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    if (has_parent) {
        memcpy(sc.trace_id, parent.trace_id, 16);
        new_ids(p, NULL, sc.span_id);
        sc.trace_flags = parent.trace_flags & (uint8_t)~OTELC_TRACE_FLAGS_SAMPLED;
        sc.trace_state = parent.trace_state;
    } else {
        new_ids(p, sc.trace_id, sc.span_id);
        if (!p->custom_ids) sc.trace_flags = OTELC_TRACE_FLAGS_RANDOM;
    }

    otelc_span_kind kind = opts ? opts->kind : OTELC_SPAN_KIND_INTERNAL;
    if (kind < OTELC_SPAN_KIND_INTERNAL || kind > OTELC_SPAN_KIND_CONSUMER) kind = OTELC_SPAN_KIND_INTERNAL;
    otelc_sampling_params sp = {
        has_parent ? &parent : NULL, sc.trace_id, name, kind,
        opts ? opts->attributes : NULL, opts ? opts->attribute_count : 0,
        opts ? opts->links : NULL, opts ? opts->link_count : 0,
    };
    otelc_sampling_result r = otelc_sampler_should_sample(p->sampler, &sp);
    if (r.trace_state) sc.trace_state = r.trace_state;

    if (r.decision == OTELC_SAMPLING_DROP) {
        otelc__count(OTELC_COUNTER_SPANS_NOT_SAMPLED, 1);
        otelc_span *ns = non_recording(&sc);
        otelc_trace_state_release(r.trace_state);
        return ns;
    }
    if (r.decision == OTELC_SAMPLING_RECORD_AND_SAMPLE) sc.trace_flags |= OTELC_TRACE_FLAGS_SAMPLED;

    sdk_span *s = otelc__pool_alloc(SPAN_POOL_RECORDING);
    if (!s) {
        otelc_trace_state_release(r.trace_state);
        return otelc_span_noop();
    }
    otelc_span_base_init(&s->base, &sdk_span_ops, OTELC_SPAN_STATE_RECORDING, &sc);
    otelc_trace_state_release(r.trace_state); /* base_init took its own reference */
    memset(&s->data, 0, sizeof s->data);
    s->tracer = tracer;
    s->owner = otelc__pool_owner();
    s->attr_cap = SPAN_INLINE_ATTRS;
    s->event_cap = s->link_cap = 0;
    s->arena_used = s->arena_total = 0;
    s->chunks = NULL;

    s->data.context = s->base.context; /* shares the base's trace state reference */
    if (has_parent) {
        memcpy(s->data.parent_span_id, parent.span_id, 8);
        s->data.has_parent = true;
        s->data.parent_is_remote = parent.is_remote;
    }
    s->data.kind = kind;
    s->data.status_code = OTELC_STATUS_UNSET;
    s->data.status_description = "";
    const char *n = arena_strndup(s, name, strlen(name));
    s->data.name = n ? n : "";
    s->data.start_time_unix_nano = (opts && opts->start_time_unix_nano) ? opts->start_time_unix_nano
                                                                        : otelc_now_unix_nano();
    s->data.attributes = s->inline_attrs;
    s->data.resource = p->resource;
    s->data.scope = &tracer->scope;

    if (opts && opts->attributes) otelc_span_set_attributes(&s->base, opts->attributes, opts->attribute_count);
    if (r.attributes) otelc_span_set_attributes(&s->base, r.attributes, r.attribute_count);
    for (size_t i = 0; opts && opts->links && i < opts->link_count; i++) op_add_link(&s->base, &opts->links[i]);

    otelc__count(OTELC_COUNTER_SPANS_STARTED, 1);
    if (p->has_on_start)
        for (size_t i = 0; i < p->processor_count; i++)
            otelc__processor_on_start(p->processors[i], &s->base, opts ? opts->parent : NULL);
    return &s->base;
}

const otelc_attr *otelc_attrs_find(const otelc_attr *attrs, size_t count, const char *key) {
    if (!attrs || !key) return NULL;
    for (size_t i = 0; i < count; i++)
        if (attrs[i].key && strcmp(attrs[i].key, key) == 0) return &attrs[i];
    return NULL;
}
