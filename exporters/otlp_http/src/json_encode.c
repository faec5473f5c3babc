/* OTLP JSON encoding (the OTLP/HTTP JSON mapping): lowerCamelCase field names, trace and span ids as
 * hex strings (OTLP's exception to proto3 JSON's base64), 64-bit integers as decimal strings, enums as
 * integers, default values omitted. Same grouping as the protobuf encoder. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "otelc/log.h"
#include "otelc/trace_state.h"
#include "otlp_internal.h"

typedef otelc__otlp_buf buf;

static void lit(buf *b, const char *s) { otelc__otlp_buf_append(b, s, strlen(s)); }

static void str_n(buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    otelc__otlp_buf_append(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        otelc__otlp_buf_append(b, s + i - run, run);
        run = 0;
        char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
        if (c == '"' || c == '\\') {
            esc[1] = (char)c;
            esc[2] = 0;
        } else if (c == '\n') {
            esc[1] = 'n';
            esc[2] = 0;
        } else if (c == '\t') {
            esc[1] = 't';
            esc[2] = 0;
        } else if (c == '\r') {
            esc[1] = 'r';
            esc[2] = 0;
        }
        lit(b, esc);
    }
    otelc__otlp_buf_append(b, s + n - run, run);
    otelc__otlp_buf_append(b, "\"", 1);
}
static void str(buf *b, const char *s) { str_n(b, s ? s : "", s ? strlen(s) : 0); }

static void key(buf *b, int *first, const char *k) {
    if (!*first) lit(b, ",");
    *first = 0;
    lit(b, "\"");
    lit(b, k);
    lit(b, "\":");
}

static void hex_field(buf *b, int *first, const char *k, const uint8_t *bytes, size_t n) {
    char h[33];
    otelc_hex_encode(bytes, n, h);
    key(b, first, k);
    str(b, h);
}

static void u64_str(buf *b, int *first, const char *k, uint64_t v) {
    if (!v) return;
    char t[24];
    snprintf(t, sizeof t, "\"%" PRIu64 "\"", v);
    key(b, first, k);
    lit(b, t);
}

static void u32_num(buf *b, int *first, const char *k, uint32_t v) {
    if (!v) return;
    char t[12];
    snprintf(t, sizeof t, "%" PRIu32, v);
    key(b, first, k);
    lit(b, t);
}

static void str_field(buf *b, int *first, const char *k, const char *s) {
    if (!s || !*s) return;
    key(b, first, k);
    str(b, s);
}

static void double_val(buf *b, double d) {
    char t[32];
    if (isnan(d)) {
        lit(b, "\"NaN\"");
    } else if (isinf(d)) {
        lit(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    } else {
        snprintf(t, sizeof t, "%.17g", d);
        lit(b, t);
    }
}

static void int_val(buf *b, int64_t i) {
    char t[24];
    snprintf(t, sizeof t, "\"%" PRId64 "\"", i);
    lit(b, t);
}

static void any_value(buf *b, const otelc_value *v) {
    switch (v->type) {
    case OTELC_VALUE_STRING: lit(b, "{\"stringValue\":"); str_n(b, v->u.s, v->len); lit(b, "}"); return;
    case OTELC_VALUE_BOOL: lit(b, v->u.b ? "{\"boolValue\":true}" : "{\"boolValue\":false}"); return;
    case OTELC_VALUE_INT: lit(b, "{\"intValue\":"); int_val(b, v->u.i); lit(b, "}"); return;
    case OTELC_VALUE_DOUBLE: lit(b, "{\"doubleValue\":"); double_val(b, v->u.d); lit(b, "}"); return;
    case OTELC_VALUE_STRING_ARRAY:
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY:
        lit(b, "{\"arrayValue\":{\"values\":[");
        for (uint32_t i = 0; i < v->len; i++) {
            if (i) lit(b, ",");
            otelc_value e;
            memset(&e, 0, sizeof e);
            if (v->type == OTELC_VALUE_STRING_ARRAY) e = otelc_value_str(v->u.sa[i]);
            else if (v->type == OTELC_VALUE_BOOL_ARRAY) e = otelc_value_bool(v->u.ba[i]);
            else if (v->type == OTELC_VALUE_INT_ARRAY) e = otelc_value_int(v->u.ia[i]);
            else e = otelc_value_double(v->u.da[i]);
            any_value(b, &e);
        }
        lit(b, "]}}");
        return;
    default: lit(b, "{}"); return;
    }
}

static void attrs(buf *b, int *first, const char *k, const otelc_attr *a, uint32_t n) {
    if (!n) return;
    key(b, first, k);
    lit(b, "[");
    for (uint32_t i = 0; i < n; i++) {
        if (i) lit(b, ",");
        lit(b, "{\"key\":");
        str(b, a[i].key);
        lit(b, ",\"value\":");
        any_value(b, &a[i].value);
        lit(b, "}");
    }
    lit(b, "]");
}

static void trace_state(buf *b, int *first, const char *k, const otelc_trace_state *ts) {
    if (!otelc_trace_state_count(ts)) return;
    char tmp[256];
    int n = otelc_trace_state_to_header(ts, tmp, sizeof tmp);
    if (n >= 0) {
        str_field(b, first, k, tmp);
        return;
    }
    /* Long trace states (up to 32 members of 512 bytes) do not fit the stack buffer. */
    size_t cap = (size_t)OTELC_TRACE_STATE_MAX_MEMBERS * (OTELC_TRACE_STATE_MAX_KEY + OTELC_TRACE_STATE_MAX_VALUE + 2);
    char *big = otelc_malloc(cap);
    if (!big) {
        b->failed = 1;
        return;
    }
    if (otelc_trace_state_to_header(ts, big, cap) >= 0) str_field(b, first, k, big);
    otelc_free(big);
}

static void span(buf *b, const otelc_span_data *s) {
    int f = 1;
    lit(b, "{");
    hex_field(b, &f, "traceId", s->context.trace_id, 16);
    hex_field(b, &f, "spanId", s->context.span_id, 8);
    trace_state(b, &f, "traceState", s->context.trace_state);
    if (s->has_parent) hex_field(b, &f, "parentSpanId", s->parent_span_id, 8);
    u32_num(b, &f, "flags", s->context.trace_flags | 0x100u | (s->parent_is_remote ? 0x200u : 0));
    str_field(b, &f, "name", s->name);
    u32_num(b, &f, "kind", (uint32_t)s->kind);
    u64_str(b, &f, "startTimeUnixNano", s->start_time_unix_nano);
    u64_str(b, &f, "endTimeUnixNano", s->end_time_unix_nano);
    attrs(b, &f, "attributes", s->attributes, s->attribute_count);
    u32_num(b, &f, "droppedAttributesCount", s->dropped_attributes_count);
    if (s->event_count) {
        key(b, &f, "events");
        lit(b, "[");
        for (uint32_t i = 0; i < s->event_count; i++) {
            const otelc_event_data *e = &s->events[i];
            int g = 1;
            lit(b, i ? ",{" : "{");
            u64_str(b, &g, "timeUnixNano", e->time_unix_nano);
            str_field(b, &g, "name", e->name);
            attrs(b, &g, "attributes", e->attributes, e->attribute_count);
            u32_num(b, &g, "droppedAttributesCount", e->dropped_attributes_count);
            lit(b, "}");
        }
        lit(b, "]");
    }
    u32_num(b, &f, "droppedEventsCount", s->dropped_events_count);
    if (s->link_count) {
        key(b, &f, "links");
        lit(b, "[");
        for (uint32_t i = 0; i < s->link_count; i++) {
            const otelc_link_data *l = &s->links[i];
            int g = 1;
            lit(b, i ? ",{" : "{");
            hex_field(b, &g, "traceId", l->context.trace_id, 16);
            hex_field(b, &g, "spanId", l->context.span_id, 8);
            trace_state(b, &g, "traceState", l->context.trace_state);
            attrs(b, &g, "attributes", l->attributes, l->attribute_count);
            u32_num(b, &g, "droppedAttributesCount", l->dropped_attributes_count);
            u32_num(b, &g, "flags", l->context.trace_flags | 0x100u | (l->context.is_remote ? 0x200u : 0));
            lit(b, "}");
        }
        lit(b, "]");
    }
    u32_num(b, &f, "droppedLinksCount", s->dropped_links_count);
    if (s->status_code != OTELC_STATUS_UNSET || (s->status_description && *s->status_description)) {
        int g = 1;
        key(b, &f, "status");
        lit(b, "{");
        str_field(b, &g, "message", s->status_description);
        u32_num(b, &g, "code", (uint32_t)s->status_code);
        lit(b, "}");
    }
    lit(b, "}");
}

otelc_status otelc__otlp_json_encode(const otelc_span_data *const *spans, size_t n, otelc__otlp_buf *out) {
    const otelc_span_data **order = NULL;
    if (n) {
        order = otelc_malloc(n * sizeof *order);
        if (!order) return OTELC_ERR_NO_MEMORY;
        otelc__otlp_group(spans, n, order);
    }
    lit(out, "{\"resourceSpans\":[");
    for (size_t i = 0; i < n;) {
        const otelc_resource *r = order[i]->resource;
        int f = 1;
        lit(out, i ? ",{" : "{");
        if (r) {
            size_t count = 0;
            const otelc_attr *a = otelc_resource_attributes(r, &count);
            int g = 1;
            key(out, &f, "resource");
            lit(out, "{");
            attrs(out, &g, "attributes", a, (uint32_t)count);
            lit(out, "}");
        }
        key(out, &f, "scopeSpans");
        lit(out, "[");
        int first_scope = 1;
        while (i < n && order[i]->resource == r) {
            const otelc_instrumentation_scope *sc = order[i]->scope;
            int g = 1;
            lit(out, first_scope ? "{" : ",{");
            first_scope = 0;
            if (sc) {
                int h = 1;
                key(out, &g, "scope");
                lit(out, "{");
                str_field(out, &h, "name", sc->name);
                str_field(out, &h, "version", sc->version);
                attrs(out, &h, "attributes", sc->attributes, sc->attribute_count);
                lit(out, "}");
            }
            key(out, &g, "spans");
            lit(out, "[");
            size_t j = i;
            for (; j < n && order[j]->resource == r && order[j]->scope == sc; j++) {
                if (j != i) lit(out, ",");
                span(out, order[j]);
            }
            lit(out, "]");
            if (sc) str_field(out, &g, "schemaUrl", sc->schema_url);
            lit(out, "}");
            i = j;
        }
        lit(out, "]");
        if (r) str_field(out, &f, "schemaUrl", otelc_resource_schema_url(r));
        lit(out, "}");
    }
    lit(out, "]}");
    otelc_free(order);
    return out->failed ? OTELC_ERR_NO_MEMORY : OTELC_OK;
}
