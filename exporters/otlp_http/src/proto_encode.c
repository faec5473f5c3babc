/* OTLP protobuf encoding of a batch, straight from the SDK's span storage.
 *
 * Field numbers come from the nanopb headers generated from proto/ (the *_tag macros), so this file and
 * the .proto files cannot disagree. We do not use pb_encode()'s submessage callbacks for the nesting:
 * nanopb sizes each submessage by encoding it once into a sizing stream and then again for real, which
 * at OTLP's depth (request > resource > scope > span > attribute > value) multiplies the work by 2^5.
 * Instead every message has a size function and a write function: sizes are computed bottom-up, span
 * sizes are computed once per batch and cached, and the bytes are written in one pass into a buffer
 * already known to be large enough. Output is canonical proto3 (default scalars omitted; oneof members
 * always written). */
#include <limits.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp_tags.h"
#include "otelc/log.h"
#include "otelc/trace_state.h"
#include "otlp_internal.h"


enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

/* SpanFlags: bit 8 says whether the parent's remoteness is known, bit 9 whether it is remote. */
#define FLAG_HAS_IS_REMOTE 0x100u
#define FLAG_IS_REMOTE 0x200u

/* ---- sizes ---- */

static inline size_t vsz(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}
#define TAGSZ(field) vsz((uint64_t)(field) << 3)
/* A length-delimited field holding len bytes. */
static inline size_t len_field(uint32_t field, size_t len) { return TAGSZ(field) + vsz(len) + len; }
static inline size_t str_field(uint32_t field, const char *s) {
    size_t n = s ? strlen(s) : 0;
    return n ? len_field(field, n) : 0;
}
static inline size_t u32_field(uint32_t field, uint32_t v) { return v ? TAGSZ(field) + vsz(v) : 0; }
static inline size_t f64_field(uint32_t field, uint64_t v) { return v ? TAGSZ(field) + 8 : 0; }

static size_t trace_state_len(const otelc_trace_state *ts) {
    size_t count = otelc_trace_state_count(ts), len = 0;
    for (size_t i = 0; i < count; i++) {
        const char *k, *v;
        if (otelc_trace_state_member(ts, i, &k, &v) != 0) continue;
        len += strlen(k) + 1 + strlen(v) + (len ? 1 : 0);
    }
    return len;
}

/* Body size of one AnyValue element of an array. */
static size_t elem_size(const otelc_value *v, uint32_t i) {
    switch (v->type) {
    case OTELC_VALUE_STRING_ARRAY: return len_field(T_ANY(string_value), v->u.sa[i] ? strlen(v->u.sa[i]) : 0);
    case OTELC_VALUE_BOOL_ARRAY: return TAGSZ(T_ANY(bool_value)) + 1;
    case OTELC_VALUE_INT_ARRAY: return TAGSZ(T_ANY(int_value)) + vsz((uint64_t)v->u.ia[i]);
    case OTELC_VALUE_DOUBLE_ARRAY: return TAGSZ(T_ANY(double_value)) + 8;
    default: return 0;
    }
}

static size_t array_body_size(const otelc_value *v) {
    size_t n = 0;
    for (uint32_t i = 0; i < v->len; i++) n += len_field(T_ARR(values), elem_size(v, i));
    return n;
}

static size_t any_size(const otelc_value *v) {
    switch (v->type) {
    case OTELC_VALUE_STRING: return len_field(T_ANY(string_value), v->len);
    case OTELC_VALUE_BOOL: return TAGSZ(T_ANY(bool_value)) + 1;
    case OTELC_VALUE_INT: return TAGSZ(T_ANY(int_value)) + vsz((uint64_t)v->u.i);
    case OTELC_VALUE_DOUBLE: return TAGSZ(T_ANY(double_value)) + 8;
    case OTELC_VALUE_STRING_ARRAY:
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY: return len_field(T_ANY(array_value), array_body_size(v));
    default: return 0; /* NONE: an empty AnyValue */
    }
}

static size_t kv_size(const otelc_attr *a) {
    return len_field(T_KV(key), strlen(a->key)) + len_field(T_KV(value), any_size(&a->value));
}

static size_t attrs_size(uint32_t field, const otelc_attr *attrs, uint32_t count) {
    size_t n = 0;
    for (uint32_t i = 0; i < count; i++) n += len_field(field, kv_size(&attrs[i]));
    return n;
}

static size_t event_size(const otelc_event_data *e) {
    return f64_field(T_EV(time_unix_nano), e->time_unix_nano) + str_field(T_EV(name), e->name) +
           attrs_size(T_EV(attributes), e->attributes, e->attribute_count) +
           u32_field(T_EV(dropped_attributes_count), e->dropped_attributes_count);
}

static uint32_t link_flags(const otelc_link_data *l) {
    return l->context.trace_flags | FLAG_HAS_IS_REMOTE | (l->context.is_remote ? FLAG_IS_REMOTE : 0);
}

static size_t link_size(const otelc_link_data *l) {
    size_t ts = trace_state_len(l->context.trace_state);
    return len_field(T_LINK(trace_id), 16) + len_field(T_LINK(span_id), 8) + (ts ? len_field(T_LINK(trace_state), ts) : 0) +
           attrs_size(T_LINK(attributes), l->attributes, l->attribute_count) +
           u32_field(T_LINK(dropped_attributes_count), l->dropped_attributes_count) + TAGSZ(T_LINK(flags)) + 4;
}

static size_t status_size(const otelc_span_data *s) {
    return str_field(T_STATUS(message), s->status_description) + u32_field(T_STATUS(code), (uint32_t)s->status_code);
}

static size_t span_size(const otelc_span_data *s) {
    size_t ts = trace_state_len(s->context.trace_state);
    size_t n = len_field(T_SPAN(trace_id), 16) + len_field(T_SPAN(span_id), 8);
    if (ts) n += len_field(T_SPAN(trace_state), ts);
    if (s->has_parent) n += len_field(T_SPAN(parent_span_id), 8);
    n += TAGSZ(T_SPAN(flags)) + 4;
    n += str_field(T_SPAN(name), s->name) + u32_field(T_SPAN(kind), (uint32_t)s->kind);
    n += f64_field(T_SPAN(start_time_unix_nano), s->start_time_unix_nano) +
         f64_field(T_SPAN(end_time_unix_nano), s->end_time_unix_nano);
    n += attrs_size(T_SPAN(attributes), s->attributes, s->attribute_count) +
         u32_field(T_SPAN(dropped_attributes_count), s->dropped_attributes_count);
    for (uint32_t i = 0; i < s->event_count; i++) n += len_field(T_SPAN(events), event_size(&s->events[i]));
    n += u32_field(T_SPAN(dropped_events_count), s->dropped_events_count);
    for (uint32_t i = 0; i < s->link_count; i++) n += len_field(T_SPAN(links), link_size(&s->links[i]));
    n += u32_field(T_SPAN(dropped_links_count), s->dropped_links_count);
    size_t st = status_size(s);
    if (st) n += len_field(T_SPAN(status), st);
    return n;
}

static size_t scope_size(const otelc_instrumentation_scope *sc) {
    return str_field(T_SCOPE(name), sc->name) + str_field(T_SCOPE(version), sc->version) +
           attrs_size(T_SCOPE(attributes), sc->attributes, sc->attribute_count);
}

static size_t resource_size(const otelc_resource *r) {
    size_t count = 0;
    const otelc_attr *attrs = otelc_resource_attributes(r, &count);
    return attrs_size(T_RES(attributes), attrs, (uint32_t)count);
}

/* ---- writing ---- */

static inline uint8_t *put_varint(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}
static inline uint8_t *put_tag(uint8_t *p, uint32_t field, int wt) { return put_varint(p, ((uint64_t)field << 3) | (uint64_t)wt); }
static inline uint8_t *put_len(uint8_t *p, uint32_t field, size_t len) { return put_varint(put_tag(p, field, WT_LEN), len); }
static inline uint8_t *put_bytes(uint8_t *p, uint32_t field, const void *d, size_t len) {
    p = put_len(p, field, len);
    memcpy(p, d, len);
    return p + len;
}
static inline uint8_t *put_str(uint8_t *p, uint32_t field, const char *s) {
    size_t n = s ? strlen(s) : 0;
    return n ? put_bytes(p, field, s, n) : p;
}
static inline uint8_t *put_u32(uint8_t *p, uint32_t field, uint32_t v) {
    return v ? put_varint(put_tag(p, field, WT_VARINT), v) : p;
}
static inline uint8_t *put_le(uint8_t *p, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; i++) *p++ = (uint8_t)(v >> (8 * i));
    return p;
}
static inline uint8_t *put_f64(uint8_t *p, uint32_t field, uint64_t v) {
    return v ? put_le(put_tag(p, field, WT_I64), v, 8) : p;
}
static inline uint8_t *put_double(uint8_t *p, uint32_t field, double d) {
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return put_le(put_tag(p, field, WT_I64), bits, 8);
}

static uint8_t *put_trace_state(uint8_t *p, uint32_t field, const otelc_trace_state *ts) {
    size_t len = trace_state_len(ts);
    if (!len) return p;
    p = put_len(p, field, len);
    size_t count = otelc_trace_state_count(ts);
    int first = 1;
    for (size_t i = 0; i < count; i++) {
        const char *k, *v;
        if (otelc_trace_state_member(ts, i, &k, &v) != 0) continue;
        if (!first) *p++ = ',';
        first = 0;
        size_t kl = strlen(k), vl = strlen(v);
        memcpy(p, k, kl);
        p += kl;
        *p++ = '=';
        memcpy(p, v, vl);
        p += vl;
    }
    return p;
}

static uint8_t *put_elem(uint8_t *p, const otelc_value *v, uint32_t i) {
    p = put_len(p, T_ARR(values), elem_size(v, i));
    switch (v->type) {
    case OTELC_VALUE_STRING_ARRAY: {
        const char *s = v->u.sa[i] ? v->u.sa[i] : "";
        return put_bytes(p, T_ANY(string_value), s, strlen(s));
    }
    case OTELC_VALUE_BOOL_ARRAY: return put_varint(put_tag(p, T_ANY(bool_value), WT_VARINT), v->u.ba[i] ? 1 : 0);
    case OTELC_VALUE_INT_ARRAY: return put_varint(put_tag(p, T_ANY(int_value), WT_VARINT), (uint64_t)v->u.ia[i]);
    case OTELC_VALUE_DOUBLE_ARRAY: return put_double(p, T_ANY(double_value), v->u.da[i]);
    default: return p;
    }
}

static uint8_t *put_any(uint8_t *p, const otelc_value *v) {
    switch (v->type) {
    case OTELC_VALUE_STRING: return put_bytes(p, T_ANY(string_value), v->u.s, v->len);
    case OTELC_VALUE_BOOL: return put_varint(put_tag(p, T_ANY(bool_value), WT_VARINT), v->u.b ? 1 : 0);
    case OTELC_VALUE_INT: return put_varint(put_tag(p, T_ANY(int_value), WT_VARINT), (uint64_t)v->u.i);
    case OTELC_VALUE_DOUBLE: return put_double(p, T_ANY(double_value), v->u.d);
    case OTELC_VALUE_STRING_ARRAY:
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY:
        p = put_len(p, T_ANY(array_value), array_body_size(v));
        for (uint32_t i = 0; i < v->len; i++) p = put_elem(p, v, i);
        return p;
    default: return p;
    }
}

static uint8_t *put_attrs(uint8_t *p, uint32_t field, const otelc_attr *attrs, uint32_t count) {
    for (uint32_t i = 0; i < count; i++) {
        const otelc_attr *a = &attrs[i];
        p = put_len(p, field, kv_size(a));
        p = put_bytes(p, T_KV(key), a->key, strlen(a->key));
        p = put_len(p, T_KV(value), any_size(&a->value));
        p = put_any(p, &a->value);
    }
    return p;
}

static uint8_t *put_span(uint8_t *p, const otelc_span_data *s, size_t body) {
    p = put_len(p, T_SS(spans), body);
    p = put_bytes(p, T_SPAN(trace_id), s->context.trace_id, 16);
    p = put_bytes(p, T_SPAN(span_id), s->context.span_id, 8);
    p = put_trace_state(p, T_SPAN(trace_state), s->context.trace_state);
    if (s->has_parent) p = put_bytes(p, T_SPAN(parent_span_id), s->parent_span_id, 8);
    p = put_str(p, T_SPAN(name), s->name);
    p = put_u32(p, T_SPAN(kind), (uint32_t)s->kind);
    p = put_f64(p, T_SPAN(start_time_unix_nano), s->start_time_unix_nano);
    p = put_f64(p, T_SPAN(end_time_unix_nano), s->end_time_unix_nano);
    p = put_attrs(p, T_SPAN(attributes), s->attributes, s->attribute_count);
    p = put_u32(p, T_SPAN(dropped_attributes_count), s->dropped_attributes_count);
    for (uint32_t i = 0; i < s->event_count; i++) {
        const otelc_event_data *e = &s->events[i];
        p = put_len(p, T_SPAN(events), event_size(e));
        p = put_f64(p, T_EV(time_unix_nano), e->time_unix_nano);
        p = put_str(p, T_EV(name), e->name);
        p = put_attrs(p, T_EV(attributes), e->attributes, e->attribute_count);
        p = put_u32(p, T_EV(dropped_attributes_count), e->dropped_attributes_count);
    }
    p = put_u32(p, T_SPAN(dropped_events_count), s->dropped_events_count);
    for (uint32_t i = 0; i < s->link_count; i++) {
        const otelc_link_data *l = &s->links[i];
        p = put_len(p, T_SPAN(links), link_size(l));
        p = put_bytes(p, T_LINK(trace_id), l->context.trace_id, 16);
        p = put_bytes(p, T_LINK(span_id), l->context.span_id, 8);
        p = put_trace_state(p, T_LINK(trace_state), l->context.trace_state);
        p = put_attrs(p, T_LINK(attributes), l->attributes, l->attribute_count);
        p = put_u32(p, T_LINK(dropped_attributes_count), l->dropped_attributes_count);
        p = put_le(put_tag(p, T_LINK(flags), WT_I32), link_flags(l), 4);
    }
    p = put_u32(p, T_SPAN(dropped_links_count), s->dropped_links_count);
    size_t st = status_size(s);
    if (st) {
        p = put_len(p, T_SPAN(status), st);
        p = put_str(p, T_STATUS(message), s->status_description);
        p = put_u32(p, T_STATUS(code), (uint32_t)s->status_code);
    }
    uint32_t flags = s->context.trace_flags | FLAG_HAS_IS_REMOTE | (s->parent_is_remote ? FLAG_IS_REMOTE : 0);
    return put_le(put_tag(p, T_SPAN(flags), WT_I32), flags, 4);
}

/* ---- batch ---- */

typedef struct plan {
    const otelc_span_data **order; /* grouped spans */
    size_t *span_body;             /* body size of order[i] */
    size_t n;
    size_t total;
} plan;

static int same_group(const otelc_span_data *a, const otelc_span_data *b) {
    return a->resource == b->resource && a->scope == b->scope;
}

/* Size of the ScopeSpans body starting at i; *end receives the first index of the next group. */
static size_t scope_spans_body(const plan *pl, size_t i, size_t *end) {
    const otelc_span_data *first = pl->order[i];
    size_t n = first->scope ? len_field(T_SS(scope), scope_size(first->scope)) : 0;
    size_t j = i;
    for (; j < pl->n && same_group(pl->order[j], first); j++) n += len_field(T_SS(spans), pl->span_body[j]);
    if (first->scope) n += str_field(T_SS(schema_url), first->scope->schema_url);
    *end = j;
    return n;
}

static size_t resource_spans_body(const plan *pl, size_t i, size_t *end) {
    const otelc_resource *r = pl->order[i]->resource;
    size_t n = r ? len_field(T_RS(resource), resource_size(r)) : 0;
    size_t j = i;
    while (j < pl->n && pl->order[j]->resource == r) {
        size_t next;
        n += len_field(T_RS(scope_spans), scope_spans_body(pl, j, &next));
        j = next;
    }
    if (r) n += str_field(T_RS(schema_url), otelc_resource_schema_url(r));
    *end = j;
    return n;
}

static otelc_status plan_make(plan *pl, const otelc_span_data *const *spans, size_t n) {
    memset(pl, 0, sizeof *pl);
    if (n && !spans) return OTELC_ERR_INVALID_ARGUMENT;
    pl->n = n;
    if (!n) return OTELC_OK;
    if (n > SIZE_MAX / (sizeof *pl->order + sizeof *pl->span_body)) return OTELC_ERR_NO_MEMORY;
    pl->order = otelc_malloc(n * (sizeof *pl->order + sizeof *pl->span_body));
    if (!pl->order) return OTELC_ERR_NO_MEMORY;
    pl->span_body = (size_t *)(void *)(pl->order + n);
    for (size_t i = 0; i < n; i++) {
        if (!spans[i]) {
            otelc_free(pl->order);
            pl->order = NULL;
            return OTELC_ERR_INVALID_ARGUMENT;
        }
    }
    otelc__otlp_group(spans, n, pl->order);
    for (size_t i = 0; i < n; i++) pl->span_body[i] = span_size(pl->order[i]);
    for (size_t i = 0; i < n;) {
        size_t end;
        pl->total += len_field(T_REQ(resource_spans), resource_spans_body(pl, i, &end));
        i = end;
    }
    return OTELC_OK;
}

static uint8_t *plan_write(const plan *pl, uint8_t *p) {
    for (size_t i = 0; i < pl->n;) {
        const otelc_resource *r = pl->order[i]->resource;
        size_t rend;
        p = put_len(p, T_REQ(resource_spans), resource_spans_body(pl, i, &rend));
        if (r) {
            size_t count = 0;
            const otelc_attr *attrs = otelc_resource_attributes(r, &count);
            p = put_len(p, T_RS(resource), resource_size(r));
            p = put_attrs(p, T_RES(attributes), attrs, (uint32_t)count);
        }
        while (i < rend) {
            const otelc_span_data *first = pl->order[i];
            size_t send;
            p = put_len(p, T_RS(scope_spans), scope_spans_body(pl, i, &send));
            if (first->scope) {
                const otelc_instrumentation_scope *sc = first->scope;
                p = put_len(p, T_SS(scope), scope_size(sc));
                p = put_str(p, T_SCOPE(name), sc->name);
                p = put_str(p, T_SCOPE(version), sc->version);
                p = put_attrs(p, T_SCOPE(attributes), sc->attributes, sc->attribute_count);
            }
            for (; i < send; i++) p = put_span(p, pl->order[i], pl->span_body[i]);
            if (first->scope) p = put_str(p, T_SS(schema_url), first->scope->schema_url);
        }
        if (r) p = put_str(p, T_RS(schema_url), otelc_resource_schema_url(r));
    }
    return p;
}

int otelc_otlp_encoded_size(const otelc_span_data *const *spans, size_t n) {
    plan pl;
    otelc_status st = plan_make(&pl, spans, n);
    if (st != OTELC_OK) return st;
    otelc_free(pl.order);
    return pl.total > INT_MAX ? OTELC_ERR_BUFFER_TOO_SMALL : (int)pl.total;
}

int otelc_otlp_encode_traces(const otelc_span_data *const *spans, size_t n, uint8_t *buf, size_t size) {
    plan pl;
    otelc_status st = plan_make(&pl, spans, n);
    if (st != OTELC_OK) return st;
    int ret;
    if (pl.total > INT_MAX || pl.total > size) {
        ret = OTELC_ERR_BUFFER_TOO_SMALL;
    } else if (!buf && pl.total) {
        ret = OTELC_ERR_INVALID_ARGUMENT;
    } else {
        uint8_t *end = pl.total ? plan_write(&pl, buf) : buf;
        /* The size pass and the write pass read the same immutable spans, so they agree; a mismatch
         * would be an encoder bug and must not go out on the wire. */
        ret = (size_t)(end - buf) == pl.total ? (int)pl.total : OTELC_ERR_INTERNAL;
        if (ret < 0) otelc_log(OTELC_LOG_ERROR, "otlp: internal encoder size mismatch; batch dropped");
    }
    otelc_free(pl.order);
    return ret;
}
