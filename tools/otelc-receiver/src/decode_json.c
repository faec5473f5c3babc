/* OTLP JSON request decoding (cJSON): lowerCamelCase keys, hex ids, 64-bit integers as strings or
 * numbers, enums as integers. Untrusted input: wrong types are reported, unknown keys ignored, value
 * nesting bounded. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "otelc/span_context.h"

#define MAX_VALUE_DEPTH 16

typedef struct jdec {
    rcv_request *r;
    char *err;
    size_t err_size;
} jdec;

static bool fail(jdec *d, const char *fmt, const char *what) {
    if (!d->err[0]) snprintf(d->err, d->err_size, fmt, what);
    return false;
}

static cJSON *item(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

static bool get_str(jdec *d, const cJSON *o, const char *k, char **out) {
    const cJSON *v = item(o, k);
    if (!v || cJSON_IsNull(v)) return true;
    if (!cJSON_IsString(v)) return fail(d, "\"%s\" must be a string", k);
    *out = rcv_strdup_n(d->r, v->valuestring, strlen(v->valuestring));
    return *out || fail(d, "%s: request too large to decode", k);
}

/* uint64/int64 from a decimal string or a JSON number. */
static bool get_u64(jdec *d, const cJSON *o, const char *k, uint64_t *out) {
    const cJSON *v = item(o, k);
    if (!v) return true;
    if (cJSON_IsNumber(v)) {
        if (v->valuedouble < 0) return fail(d, "\"%s\" must not be negative", k);
        *out = (uint64_t)v->valuedouble;
        return true;
    }
    if (!cJSON_IsString(v)) return fail(d, "\"%s\" must be an integer or a decimal string", k);
    char *end;
    *out = strtoull(v->valuestring, &end, 10);
    return (end != v->valuestring && !*end) || fail(d, "\"%s\" is not a decimal integer", k);
}

static bool get_u32(jdec *d, const cJSON *o, const char *k, uint32_t *out) {
    uint64_t v = 0;
    if (!get_u64(d, o, k, &v)) return false;
    if (item(o, k)) *out = (uint32_t)v;
    return true;
}

static bool get_id(jdec *d, const cJSON *o, const char *k, uint8_t *out, size_t n, bool *present) {
    const cJSON *v = item(o, k);
    if (present) *present = false;
    if (!v || (cJSON_IsString(v) && !v->valuestring[0])) return true;
    if (!cJSON_IsString(v) || strlen(v->valuestring) != 2 * n || !otelc_hex_decode(v->valuestring, n, out, true))
        return fail(d, "\"%s\" must be a hex id of the right length", k);
    if (present) *present = true;
    return true;
}

static bool attrs(jdec *d, const cJSON *o, const char *k, rcv_attrs *a, int depth);

static bool value(jdec *d, const cJSON *j, rcv_value *v, int depth) {
    if (depth > MAX_VALUE_DEPTH) return fail(d, "%s", "values nested too deeply");
    if (!cJSON_IsObject(j)) return fail(d, "%s", "an AnyValue must be an object");
    const cJSON *x;
    if ((x = item(j, "stringValue"))) {
        if (!cJSON_IsString(x)) return fail(d, "%s", "stringValue must be a string");
        v->type = RCV_STRING;
        v->len = (uint32_t)strlen(x->valuestring);
        v->s = rcv_strdup_n(d->r, x->valuestring, v->len);
        return v->s || fail(d, "%s", "request too large to decode");
    }
    if ((x = item(j, "boolValue"))) {
        if (!cJSON_IsBool(x)) return fail(d, "%s", "boolValue must be a boolean");
        v->type = RCV_BOOL;
        v->b = cJSON_IsTrue(x);
        return true;
    }
    if ((x = item(j, "intValue"))) {
        v->type = RCV_INT;
        if (cJSON_IsNumber(x)) {
            v->i = (int64_t)x->valuedouble;
            return true;
        }
        char *end;
        if (!cJSON_IsString(x)) return fail(d, "%s", "intValue must be a decimal string or number");
        v->i = strtoll(x->valuestring, &end, 10);
        return (end != x->valuestring && !*end) || fail(d, "%s", "intValue is not a decimal integer");
    }
    if ((x = item(j, "doubleValue"))) {
        v->type = RCV_DOUBLE;
        if (cJSON_IsNumber(x)) {
            v->d = x->valuedouble;
            return true;
        }
        if (!cJSON_IsString(x)) return fail(d, "%s", "doubleValue must be a number");
        v->d = strtod(x->valuestring, NULL); /* "NaN", "Infinity", "-Infinity" */
        return true;
    }
    if ((x = item(j, "arrayValue"))) {
        v->type = RCV_ARRAY;
        const cJSON *vals = item(x, "values"), *e;
        if (vals && !cJSON_IsArray(vals)) return fail(d, "%s", "arrayValue.values must be an array");
        cJSON_ArrayForEach(e, vals) {
            rcv_value *iv = rcv_alloc(d->r, sizeof *iv);
            if (!iv) return fail(d, "%s", "request too large to decode");
            if (!value(d, e, iv, depth + 1)) return false;
            if (v->items_tail) v->items_tail->next = iv;
            else v->items_head = iv;
            v->items_tail = iv;
            v->item_count++;
        }
        return true;
    }
    if ((x = item(j, "kvlistValue"))) {
        v->type = RCV_KVLIST;
        return attrs(d, x, "values", &v->kvlist, depth + 1);
    }
    if ((x = item(j, "bytesValue"))) {
        v->type = RCV_BYTES; /* kept base64 as sent: the printer shows it, nothing interprets it */
        if (!cJSON_IsString(x)) return fail(d, "%s", "bytesValue must be a base64 string");
        v->len = (uint32_t)strlen(x->valuestring);
        v->s = rcv_strdup_n(d->r, x->valuestring, v->len);
        return v->s || fail(d, "%s", "request too large to decode");
    }
    v->type = RCV_NONE;
    return true;
}

static bool attrs(jdec *d, const cJSON *o, const char *k, rcv_attrs *a, int depth) {
    const cJSON *arr = item(o, k), *e;
    if (!arr) return true;
    if (!cJSON_IsArray(arr)) return fail(d, "\"%s\" must be an array", k);
    cJSON_ArrayForEach(e, arr) {
        rcv_kv *kv = rcv_alloc(d->r, sizeof *kv);
        if (!kv) return fail(d, "%s", "request too large to decode");
        if (!cJSON_IsObject(e)) return fail(d, "\"%s\" entries must be objects", k);
        if (!get_str(d, e, "key", &kv->key)) return false;
        if (!kv->key && !(kv->key = rcv_strdup_n(d->r, "", 0))) return fail(d, "%s", "request too large to decode");
        const cJSON *val = item(e, "value");
        if (val && !value(d, val, &kv->value, depth)) return false;
        if (a->tail) a->tail->next = kv;
        else a->head = kv;
        a->tail = kv;
        a->count++;
    }
    return true;
}

static bool span(jdec *d, const cJSON *j, rcv_span *sp) {
    if (!cJSON_IsObject(j)) return fail(d, "%s", "spans entries must be objects");
    uint32_t kind = 0;
    if (!get_id(d, j, "traceId", sp->trace_id, 16, NULL) || !get_id(d, j, "spanId", sp->span_id, 8, NULL) ||
        !get_str(d, j, "traceState", &sp->trace_state) ||
        !get_id(d, j, "parentSpanId", sp->parent_span_id, 8, &sp->has_parent) || !get_u32(d, j, "flags", &sp->flags) ||
        !get_str(d, j, "name", &sp->name) || !get_u32(d, j, "kind", &kind) ||
        !get_u64(d, j, "startTimeUnixNano", &sp->start_time_unix_nano) ||
        !get_u64(d, j, "endTimeUnixNano", &sp->end_time_unix_nano) || !attrs(d, j, "attributes", &sp->attrs, 0) ||
        !get_u32(d, j, "droppedAttributesCount", &sp->dropped_attributes_count) ||
        !get_u32(d, j, "droppedEventsCount", &sp->dropped_events_count) ||
        !get_u32(d, j, "droppedLinksCount", &sp->dropped_links_count))
        return false;
    sp->kind = (int)kind;
    const cJSON *e;
    cJSON_ArrayForEach(e, item(j, "events")) {
        rcv_event *ev = rcv_alloc(d->r, sizeof *ev);
        if (!ev) return fail(d, "%s", "request too large to decode");
        if (!get_u64(d, e, "timeUnixNano", &ev->time_unix_nano) || !get_str(d, e, "name", &ev->name) ||
            !attrs(d, e, "attributes", &ev->attrs, 0) || !get_u32(d, e, "droppedAttributesCount", &ev->dropped_attributes_count))
            return false;
        if (sp->events_tail) sp->events_tail->next = ev;
        else sp->events_head = ev;
        sp->events_tail = ev;
        sp->event_count++;
    }
    cJSON_ArrayForEach(e, item(j, "links")) {
        rcv_link *l = rcv_alloc(d->r, sizeof *l);
        if (!l) return fail(d, "%s", "request too large to decode");
        if (!get_id(d, e, "traceId", l->trace_id, 16, NULL) || !get_id(d, e, "spanId", l->span_id, 8, NULL) ||
            !get_str(d, e, "traceState", &l->trace_state) || !attrs(d, e, "attributes", &l->attrs, 0) ||
            !get_u32(d, e, "droppedAttributesCount", &l->dropped_attributes_count) || !get_u32(d, e, "flags", &l->flags))
            return false;
        if (sp->links_tail) sp->links_tail->next = l;
        else sp->links_head = l;
        sp->links_tail = l;
        sp->link_count++;
    }
    const cJSON *st = item(j, "status");
    if (st) {
        uint32_t code = 0;
        if (!get_str(d, st, "message", &sp->status_message) || !get_u32(d, st, "code", &code)) return false;
        sp->status_code = (int)code;
    }
    return true;
}

bool rcv_decode_json(rcv_request *r, const char *data, size_t len, char *err, size_t err_size) {
    jdec d = {r, err, err_size};
    err[0] = 0;
    cJSON *root = cJSON_ParseWithLength(data, len);
    if (!root) return fail(&d, "%s", "body is not valid JSON");
    bool ok = cJSON_IsObject(root) || fail(&d, "%s", "body must be a JSON object");
    const cJSON *rs_arr = ok ? item(root, "resourceSpans") : NULL, *rs;
    if (ok && rs_arr && !cJSON_IsArray(rs_arr)) ok = fail(&d, "%s", "resourceSpans must be an array");
    if (!ok) rs_arr = NULL;
    cJSON_ArrayForEach(rs, rs_arr) {
        rcv_resource *res = rcv_alloc(r, sizeof *res);
        if (!res) { ok = fail(&d, "%s", "request too large to decode"); break; }
        const cJSON *rj = item(rs, "resource");
        if (rj && (!attrs(&d, rj, "attributes", &res->attrs, 0) ||
                   !get_u32(&d, rj, "droppedAttributesCount", &res->dropped_attributes_count))) { ok = false; break; }
        if (!get_str(&d, rs, "schemaUrl", &res->schema_url)) { ok = false; break; }
        if (r->resources_tail) r->resources_tail->next = res;
        else r->resources_head = res;
        r->resources_tail = res;
        const cJSON *ss;
        cJSON_ArrayForEach(ss, item(rs, "scopeSpans")) {
            rcv_scope *sc = rcv_alloc(r, sizeof *sc);
            if (!sc) { ok = fail(&d, "%s", "request too large to decode"); break; }
            sc->resource = res;
            const cJSON *scj = item(ss, "scope");
            if (scj && (!get_str(&d, scj, "name", &sc->name) || !get_str(&d, scj, "version", &sc->version) ||
                        !attrs(&d, scj, "attributes", &sc->attrs, 0))) { ok = false; break; }
            if (!get_str(&d, ss, "schemaUrl", &sc->schema_url)) { ok = false; break; }
            if (r->scopes_tail) r->scopes_tail->next = sc;
            else r->scopes_head = sc;
            r->scopes_tail = sc;
            const cJSON *sj;
            cJSON_ArrayForEach(sj, item(ss, "spans")) {
                rcv_span *sp = rcv_alloc(r, sizeof *sp);
                if (!sp) { ok = fail(&d, "%s", "request too large to decode"); break; }
                if (!span(&d, sj, sp)) { ok = false; break; }
                sp->scope = sc;
                sp->resource = res;
                if (r->spans_tail) r->spans_tail->next = sp;
                else r->spans_head = sp;
                r->spans_tail = sp;
                r->span_count++;
            }
            if (!ok) break;
        }
        if (!ok) break;
    }
    cJSON_Delete(root);
    return ok;
}
