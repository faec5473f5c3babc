/* OTLP protobuf request decoding with nanopb's stream primitives and the field numbers of the generated
 * headers. Requests are untrusted: every length is checked by nanopb's substreams, wire types must
 * match the schema, ids must have their exact sizes, nesting of values is bounded, and the decoded form
 * is bounded by the request arena. Unknown fields are skipped, as protobuf requires. */
#include <stdio.h>
#include <string.h>

#include <pb_decode.h>

#include "model.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp_tags.h"


#define MAX_VALUE_DEPTH 16

typedef struct dec {
    rcv_request *r;
    char *err;
    size_t err_size;
    int depth;
} dec;

static bool fail(dec *d, const char *what) {
    if (!d->err[0]) snprintf(d->err, d->err_size, "%s", what);
    return false;
}

static bool need(dec *d, pb_wire_type_t got, pb_wire_type_t want, const char *field) {
    if (got == want) return true;
    char m[128];
    snprintf(m, sizeof m, "field %s has the wrong wire type", field);
    return fail(d, m);
}

static bool read_str(dec *d, pb_istream_t *s, pb_wire_type_t wt, const char *field, char **out, uint32_t *len) {
    if (!need(d, wt, PB_WT_STRING, field)) return false;
    uint32_t n;
    if (!pb_decode_varint32(s, &n) || n > s->bytes_left) return fail(d, "truncated string");
    char *p = rcv_alloc(d->r, (size_t)n + 1);
    if (!p) return fail(d, "request too large to decode");
    if (!pb_read(s, (pb_byte_t *)p, n)) return fail(d, "truncated string");
    p[n] = 0;
    *out = p;
    if (len) *len = n;
    return true;
}

static bool read_id(dec *d, pb_istream_t *s, pb_wire_type_t wt, const char *field, uint8_t *out, size_t size) {
    if (!need(d, wt, PB_WT_STRING, field)) return false;
    uint32_t n;
    if (!pb_decode_varint32(s, &n)) return fail(d, "truncated id");
    if (n == 0) return true; /* absent (e.g. empty parent) */
    if (n != size) {
        char m[96];
        snprintf(m, sizeof m, "%s must be %zu bytes, got %u", field, size, n);
        return fail(d, m);
    }
    return pb_read(s, out, n) || fail(d, "truncated id");
}

static bool read_u32(dec *d, pb_istream_t *s, pb_wire_type_t wt, const char *field, uint32_t *out) {
    if (!need(d, wt, PB_WT_VARINT, field)) return false;
    uint64_t v;
    if (!pb_decode_varint(s, &v)) return fail(d, "bad varint");
    *out = (uint32_t)v;
    return true;
}

static bool read_f64(dec *d, pb_istream_t *s, pb_wire_type_t wt, const char *field, uint64_t *out) {
    if (!need(d, wt, PB_WT_64BIT, field)) return false;
    return pb_decode_fixed64(s, out) || fail(d, "truncated fixed64");
}

static bool read_f32(dec *d, pb_istream_t *s, pb_wire_type_t wt, const char *field, uint32_t *out) {
    if (!need(d, wt, PB_WT_32BIT, field)) return false;
    return pb_decode_fixed32(s, out) || fail(d, "truncated fixed32");
}

typedef bool (*field_fn)(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj);

/* Decodes a length-delimited submessage at the stream position with fn for each field. */
static bool sub(dec *d, pb_istream_t *s, pb_wire_type_t wt, const char *field, field_fn fn, void *obj) {
    if (!need(d, wt, PB_WT_STRING, field)) return false;
    pb_istream_t in;
    if (!pb_make_string_substream(s, &in)) return fail(d, "truncated submessage");
    bool ok = true;
    while (ok && in.bytes_left) {
        pb_wire_type_t w;
        uint32_t tag;
        bool eof;
        if (!pb_decode_tag(&in, &w, &tag, &eof)) {
            ok = eof ? true : fail(d, "bad field tag");
            break;
        }
        ok = fn(d, &in, tag, w, obj);
    }
    if (!pb_close_string_substream(s, &in)) return fail(d, "truncated submessage");
    return ok;
}

static bool skip(dec *d, pb_istream_t *s, pb_wire_type_t wt) { return pb_skip_field(s, wt) || fail(d, "cannot skip unknown field"); }

/* ---- common ---- */

static bool kv_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj);

static bool any_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj);

static bool array_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj) {
    rcv_value *arr = obj;
    if (tag != T_ARR(values)) return skip(d, s, wt);
    rcv_value *v = rcv_alloc(d->r, sizeof *v);
    if (!v) return fail(d, "request too large to decode");
    if (!sub(d, s, wt, "ArrayValue.values", any_field, v)) return false;
    if (arr->items_tail) arr->items_tail->next = v;
    else arr->items_head = v;
    arr->items_tail = v;
    arr->item_count++;
    return true;
}

static bool append_kv(dec *d, pb_istream_t *s, pb_wire_type_t wt, const char *field, rcv_attrs *a) {
    rcv_kv *kv = rcv_alloc(d->r, sizeof *kv);
    if (!kv) return fail(d, "request too large to decode");
    if (!sub(d, s, wt, field, kv_field, kv)) return false;
    if (!kv->key) kv->key = rcv_strdup_n(d->r, "", 0);
    if (!kv->key) return fail(d, "request too large to decode");
    if (a->tail) a->tail->next = kv;
    else a->head = kv;
    a->tail = kv;
    a->count++;
    return true;
}

static bool kvlist_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj) {
    if (tag != T_KVL(values)) return skip(d, s, wt);
    return append_kv(d, s, wt, "KeyValueList.values", obj);
}

static bool any_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj) {
    rcv_value *v = obj;
    uint64_t u;
    switch (tag) {
    case T_ANY(string_value): v->type = RCV_STRING; return read_str(d, s, wt, "AnyValue.string_value", &v->s, &v->len);
    case T_ANY(bytes_value): v->type = RCV_BYTES; return read_str(d, s, wt, "AnyValue.bytes_value", &v->s, &v->len);
    case T_ANY(bool_value):
        if (!need(d, wt, PB_WT_VARINT, "AnyValue.bool_value") || !pb_decode_varint(s, &u)) return fail(d, "bad bool");
        v->type = RCV_BOOL;
        v->b = u != 0;
        return true;
    case T_ANY(int_value):
        if (!need(d, wt, PB_WT_VARINT, "AnyValue.int_value") || !pb_decode_varint(s, &u)) return fail(d, "bad int");
        v->type = RCV_INT;
        v->i = (int64_t)u;
        return true;
    case T_ANY(double_value):
        if (!read_f64(d, s, wt, "AnyValue.double_value", &u)) return false;
        v->type = RCV_DOUBLE;
        memcpy(&v->d, &u, sizeof v->d);
        return true;
    case T_ANY(array_value):
    case T_ANY(kvlist_value): {
        if (++d->depth > MAX_VALUE_DEPTH) return fail(d, "values nested too deeply");
        bool ok;
        if (tag == T_ANY(array_value)) {
            v->type = RCV_ARRAY;
            ok = sub(d, s, wt, "AnyValue.array_value", array_field, v);
        } else {
            v->type = RCV_KVLIST;
            ok = sub(d, s, wt, "AnyValue.kvlist_value", kvlist_field, &v->kvlist);
        }
        d->depth--;
        return ok;
    }
    default: return skip(d, s, wt);
    }
}

static bool kv_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj) {
    rcv_kv *kv = obj;
    if (tag == T_KV(key)) return read_str(d, s, wt, "KeyValue.key", &kv->key, NULL);
    if (tag == T_KV(value)) return sub(d, s, wt, "KeyValue.value", any_field, &kv->value);
    return skip(d, s, wt);
}

/* ---- trace ---- */

static bool status_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj) {
    rcv_span *sp = obj;
    uint32_t code;
    if (tag == T_STATUS(message)) return read_str(d, s, wt, "Status.message", &sp->status_message, NULL);
    if (tag == T_STATUS(code)) {
        if (!read_u32(d, s, wt, "Status.code", &code)) return false;
        sp->status_code = (int)code;
        return true;
    }
    return skip(d, s, wt);
}

static bool event_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj) {
    rcv_event *e = obj;
    switch (tag) {
    case T_EV(time_unix_nano): return read_f64(d, s, wt, "Event.time_unix_nano", &e->time_unix_nano);
    case T_EV(name): return read_str(d, s, wt, "Event.name", &e->name, NULL);
    case T_EV(attributes): return append_kv(d, s, wt, "Event.attributes", &e->attrs);
    case T_EV(dropped_attributes_count): return read_u32(d, s, wt, "Event.dropped_attributes_count", &e->dropped_attributes_count);
    default: return skip(d, s, wt);
    }
}

static bool link_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj) {
    rcv_link *l = obj;
    switch (tag) {
    case T_LINK(trace_id): return read_id(d, s, wt, "Link.trace_id", l->trace_id, 16);
    case T_LINK(span_id): return read_id(d, s, wt, "Link.span_id", l->span_id, 8);
    case T_LINK(trace_state): return read_str(d, s, wt, "Link.trace_state", &l->trace_state, NULL);
    case T_LINK(attributes): return append_kv(d, s, wt, "Link.attributes", &l->attrs);
    case T_LINK(dropped_attributes_count): return read_u32(d, s, wt, "Link.dropped_attributes_count", &l->dropped_attributes_count);
    case T_LINK(flags): return read_f32(d, s, wt, "Link.flags", &l->flags);
    default: return skip(d, s, wt);
    }
}

static bool span_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj) {
    rcv_span *sp = obj;
    uint32_t u;
    switch (tag) {
    case T_SPAN(trace_id): return read_id(d, s, wt, "Span.trace_id", sp->trace_id, 16);
    case T_SPAN(span_id): return read_id(d, s, wt, "Span.span_id", sp->span_id, 8);
    case T_SPAN(trace_state): return read_str(d, s, wt, "Span.trace_state", &sp->trace_state, NULL);
    case T_SPAN(parent_span_id): {
        static const uint8_t zero[8];
        if (!read_id(d, s, wt, "Span.parent_span_id", sp->parent_span_id, 8)) return false;
        sp->has_parent = memcmp(sp->parent_span_id, zero, 8) != 0;
        return true;
    }
    case T_SPAN(flags): return read_f32(d, s, wt, "Span.flags", &sp->flags);
    case T_SPAN(name): return read_str(d, s, wt, "Span.name", &sp->name, NULL);
    case T_SPAN(kind):
        if (!read_u32(d, s, wt, "Span.kind", &u)) return false;
        sp->kind = (int)u;
        return true;
    case T_SPAN(start_time_unix_nano): return read_f64(d, s, wt, "Span.start_time_unix_nano", &sp->start_time_unix_nano);
    case T_SPAN(end_time_unix_nano): return read_f64(d, s, wt, "Span.end_time_unix_nano", &sp->end_time_unix_nano);
    case T_SPAN(attributes): return append_kv(d, s, wt, "Span.attributes", &sp->attrs);
    case T_SPAN(dropped_attributes_count): return read_u32(d, s, wt, "Span.dropped_attributes_count", &sp->dropped_attributes_count);
    case T_SPAN(events): {
        rcv_event *e = rcv_alloc(d->r, sizeof *e);
        if (!e) return fail(d, "request too large to decode");
        if (!sub(d, s, wt, "Span.events", event_field, e)) return false;
        if (sp->events_tail) sp->events_tail->next = e;
        else sp->events_head = e;
        sp->events_tail = e;
        sp->event_count++;
        return true;
    }
    case T_SPAN(dropped_events_count): return read_u32(d, s, wt, "Span.dropped_events_count", &sp->dropped_events_count);
    case T_SPAN(links): {
        rcv_link *l = rcv_alloc(d->r, sizeof *l);
        if (!l) return fail(d, "request too large to decode");
        if (!sub(d, s, wt, "Span.links", link_field, l)) return false;
        if (sp->links_tail) sp->links_tail->next = l;
        else sp->links_head = l;
        sp->links_tail = l;
        sp->link_count++;
        return true;
    }
    case T_SPAN(dropped_links_count): return read_u32(d, s, wt, "Span.dropped_links_count", &sp->dropped_links_count);
    case T_SPAN(status): return sub(d, s, wt, "Span.status", status_field, sp);
    default: return skip(d, s, wt);
    }
}

static bool scope_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj) {
    rcv_scope *sc = obj;
    switch (tag) {
    case T_SCOPE(name): return read_str(d, s, wt, "InstrumentationScope.name", &sc->name, NULL);
    case T_SCOPE(version): return read_str(d, s, wt, "InstrumentationScope.version", &sc->version, NULL);
    case T_SCOPE(attributes): return append_kv(d, s, wt, "InstrumentationScope.attributes", &sc->attrs);
    case T_SCOPE(dropped_attributes_count):
        return read_u32(d, s, wt, "InstrumentationScope.dropped_attributes_count", &sc->dropped_attributes_count);
    default: return skip(d, s, wt);
    }
}

static bool scope_spans_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj) {
    rcv_scope *sc = obj;
    if (tag == T_SS(scope)) return sub(d, s, wt, "ScopeSpans.scope", scope_field, sc);
    if (tag == T_SS(schema_url)) return read_str(d, s, wt, "ScopeSpans.schema_url", &sc->schema_url, NULL);
    if (tag != T_SS(spans)) return skip(d, s, wt);
    rcv_span *sp = rcv_alloc(d->r, sizeof *sp);
    if (!sp) return fail(d, "request too large to decode");
    if (!sub(d, s, wt, "ScopeSpans.spans", span_field, sp)) return false;
    sp->scope = sc; /* the scope message may come after its spans; the pointer stays valid */
    sp->resource = sc->resource;
    rcv_request *r = d->r;
    if (r->spans_tail) r->spans_tail->next = sp;
    else r->spans_head = sp;
    r->spans_tail = sp;
    r->span_count++;
    return true;
}

static bool resource_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj) {
    rcv_resource *res = obj;
    if (tag == T_RES(attributes)) return append_kv(d, s, wt, "Resource.attributes", &res->attrs);
    if (tag == T_RES(dropped_attributes_count))
        return read_u32(d, s, wt, "Resource.dropped_attributes_count", &res->dropped_attributes_count);
    return skip(d, s, wt);
}

static bool resource_spans_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj) {
    rcv_resource *res = obj;
    if (tag == T_RS(resource)) return sub(d, s, wt, "ResourceSpans.resource", resource_field, res);
    if (tag == T_RS(schema_url)) return read_str(d, s, wt, "ResourceSpans.schema_url", &res->schema_url, NULL);
    if (tag != T_RS(scope_spans)) return skip(d, s, wt);
    rcv_scope *sc = rcv_alloc(d->r, sizeof *sc);
    if (!sc) return fail(d, "request too large to decode");
    sc->resource = res;
    if (!sub(d, s, wt, "ResourceSpans.scope_spans", scope_spans_field, sc)) return false;
    rcv_request *r = d->r;
    if (r->scopes_tail) r->scopes_tail->next = sc;
    else r->scopes_head = sc;
    r->scopes_tail = sc;
    return true;
}

static bool request_field(dec *d, pb_istream_t *s, uint32_t tag, pb_wire_type_t wt, void *obj) {
    rcv_request *r = obj;
    if (tag != T_REQ(resource_spans)) return skip(d, s, wt);
    rcv_resource *res = rcv_alloc(r, sizeof *res);
    if (!res) return fail(d, "request too large to decode");
    if (!sub(d, s, wt, "ExportTraceServiceRequest.resource_spans", resource_spans_field, res)) return false;
    if (r->resources_tail) r->resources_tail->next = res;
    else r->resources_head = res;
    r->resources_tail = res;
    return true;
}

bool rcv_decode_protobuf(rcv_request *r, const uint8_t *data, size_t len, char *err, size_t err_size) {
    dec d = {r, err, err_size, 0};
    err[0] = 0;
    pb_istream_t s = pb_istream_from_buffer(data, len);
    while (s.bytes_left) {
        pb_wire_type_t wt;
        uint32_t tag;
        bool eof;
        if (!pb_decode_tag(&s, &wt, &tag, &eof)) return eof || fail(&d, "bad field tag");
        if (!request_field(&d, &s, tag, wt, r)) return false;
    }
    return true;
}
