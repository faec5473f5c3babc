/* Human output for the receiver: each trace of a request as an indented tree (children under their
 * parent, in start order), or one JSON object per span per line for scripts. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "otelc/span_context.h"
#include "print.h"

static const char *kind_name(int k) {
    static const char *names[] = {"UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"};
    return k >= 0 && k <= 5 ? names[k] : "?";
}
static const char *status_name(int c) { return c == 1 ? "OK" : c == 2 ? "ERROR" : "UNSET"; }

static void print_value(FILE *f, const rcv_value *v) {
    switch (v->type) {
    case RCV_STRING: fprintf(f, "\"%s\"", v->s); break;
    case RCV_BYTES: fprintf(f, "bytes(%u)", v->len); break;
    case RCV_BOOL: fputs(v->b ? "true" : "false", f); break;
    case RCV_INT: fprintf(f, "%" PRId64, v->i); break;
    case RCV_DOUBLE: fprintf(f, "%g", v->d); break;
    case RCV_ARRAY:
        fputc('[', f);
        for (const rcv_value *e = v->items_head; e; e = e->next) {
            print_value(f, e);
            if (e->next) fputs(", ", f);
        }
        fputc(']', f);
        break;
    case RCV_KVLIST:
        fputc('{', f);
        for (const rcv_kv *kv = v->kvlist.head; kv; kv = kv->next) {
            fprintf(f, "%s=", kv->key);
            print_value(f, &kv->value);
            if (kv->next) fputs(", ", f);
        }
        fputc('}', f);
        break;
    default: fputs("(empty)", f); break;
    }
}

static void print_attrs(FILE *f, const rcv_attrs *a, int indent) {
    for (const rcv_kv *kv = a->head; kv; kv = kv->next) {
        fprintf(f, "%*s%s = ", indent, "", kv->key);
        print_value(f, &kv->value);
        fputc('\n', f);
    }
}

static void print_span(FILE *f, const rcv_span *s, rcv_span **all, size_t n, int depth) {
    int ind = 2 + 2 * depth;
    double ms = s->end_time_unix_nano >= s->start_time_unix_nano
                    ? (double)(s->end_time_unix_nano - s->start_time_unix_nano) / 1e6 : 0.0;
    char sid[17];
    otelc_hex_encode(s->span_id, 8, sid);
    fprintf(f, "%*s%s [%s] %.3f ms  span %s", ind, "", s->name ? s->name : "(unnamed)", kind_name(s->kind), ms, sid);
    if (s->status_code) fprintf(f, "  status=%s", status_name(s->status_code));
    if (s->status_message && *s->status_message) fprintf(f, " \"%s\"", s->status_message);
    fputc('\n', f);
    print_attrs(f, &s->attrs, ind + 4);
    for (const rcv_event *e = s->events_head; e; e = e->next) {
        double at = e->time_unix_nano >= s->start_time_unix_nano ? (double)(e->time_unix_nano - s->start_time_unix_nano) / 1e6 : 0;
        fprintf(f, "%*s* event %s at +%.3f ms\n", ind + 4, "", e->name ? e->name : "", at);
        print_attrs(f, &e->attrs, ind + 8);
    }
    for (const rcv_link *l = s->links_head; l; l = l->next) {
        char t[33], sp[17];
        otelc_hex_encode(l->trace_id, 16, t);
        otelc_hex_encode(l->span_id, 8, sp);
        fprintf(f, "%*s-> link %s/%s\n", ind + 4, "", t, sp);
    }
    if (depth >= 64) return; /* a hostile parent chain cannot recurse forever */
    for (size_t i = 0; i < n; i++) {
        const rcv_span *c = all[i];
        if (c != s && c->has_parent && !memcmp(c->parent_span_id, s->span_id, 8) && !memcmp(c->trace_id, s->trace_id, 16))
            print_span(f, c, all, n, depth + 1);
    }
}

static int by_start(const void *a, const void *b) {
    const rcv_span *x = *(rcv_span *const *)a, *y = *(rcv_span *const *)b;
    return x->start_time_unix_nano < y->start_time_unix_nano ? -1 : x->start_time_unix_nano > y->start_time_unix_nano;
}

/* A span is a root of the printed tree when its parent is not in this request. */
static bool parent_present(const rcv_span *s, rcv_span **all, size_t n) {
    if (!s->has_parent) return false;
    for (size_t i = 0; i < n; i++)
        if (all[i] != s && !memcmp(all[i]->span_id, s->parent_span_id, 8) && !memcmp(all[i]->trace_id, s->trace_id, 16))
            return true;
    return false;
}

void rcv_print_tree(FILE *f, const rcv_request *r) {
    size_t n = r->span_count;
    if (!n) return;
    rcv_span **all = malloc(n * sizeof *all);
    if (!all) return;
    size_t i = 0;
    for (rcv_span *s = r->spans_head; s && i < n; s = s->next) all[i++] = s;
    qsort(all, n, sizeof *all, by_start);
    /* Traces in order of their first span; each printed once. */
    for (size_t t = 0; t < n; t++) {
        bool seen = false;
        for (size_t k = 0; k < t && !seen; k++) seen = !memcmp(all[k]->trace_id, all[t]->trace_id, 16);
        if (seen) continue;
        char tid[33];
        otelc_hex_encode(all[t]->trace_id, 16, tid);
        fprintf(f, "service %s  trace %s\n", rcv_resource_service(all[t]->resource), tid);
        for (size_t k = t; k < n; k++)
            if (!memcmp(all[k]->trace_id, all[t]->trace_id, 16) && !parent_present(all[k], all, n))
                print_span(f, all[k], all, n, 0);
    }
    free(all);
    fflush(f);
}

static cJSON *json_value(const rcv_value *v) {
    switch (v->type) {
    case RCV_STRING:
    case RCV_BYTES: return cJSON_CreateString(v->s ? v->s : "");
    case RCV_BOOL: return cJSON_CreateBool(v->b);
    case RCV_INT: return cJSON_CreateNumber((double)v->i);
    case RCV_DOUBLE: return cJSON_CreateNumber(v->d);
    case RCV_ARRAY: {
        cJSON *a = cJSON_CreateArray();
        for (const rcv_value *e = v->items_head; e && a; e = e->next) cJSON_AddItemToArray(a, json_value(e));
        return a;
    }
    case RCV_KVLIST: {
        cJSON *o = cJSON_CreateObject();
        for (const rcv_kv *kv = v->kvlist.head; kv && o; kv = kv->next) cJSON_AddItemToObject(o, kv->key, json_value(&kv->value));
        return o;
    }
    default: return cJSON_CreateNull();
    }
}

static cJSON *json_attrs(const rcv_attrs *a) {
    cJSON *o = cJSON_CreateObject();
    for (const rcv_kv *kv = a->head; kv && o; kv = kv->next) cJSON_AddItemToObject(o, kv->key, json_value(&kv->value));
    return o;
}

void rcv_print_json_lines(FILE *f, const rcv_request *r) {
    for (const rcv_span *s = r->spans_head; s; s = s->next) {
        char tid[33], sid[17], pid[17] = "";
        otelc_hex_encode(s->trace_id, 16, tid);
        otelc_hex_encode(s->span_id, 8, sid);
        if (s->has_parent) otelc_hex_encode(s->parent_span_id, 8, pid);
        cJSON *o = cJSON_CreateObject();
        if (!o) return;
        cJSON_AddStringToObject(o, "service", rcv_resource_service(s->resource));
        cJSON_AddStringToObject(o, "traceId", tid);
        cJSON_AddStringToObject(o, "spanId", sid);
        cJSON_AddStringToObject(o, "parentSpanId", pid);
        cJSON_AddStringToObject(o, "name", s->name ? s->name : "");
        cJSON_AddStringToObject(o, "kind", kind_name(s->kind));
        char start[24];
        snprintf(start, sizeof start, "%" PRIu64, s->start_time_unix_nano); /* a double would round it */
        cJSON_AddStringToObject(o, "startTimeUnixNano", start);
        cJSON_AddNumberToObject(o, "durationMs",
                                s->end_time_unix_nano >= s->start_time_unix_nano
                                    ? (double)(s->end_time_unix_nano - s->start_time_unix_nano) / 1e6 : 0.0);
        cJSON_AddStringToObject(o, "scope", s->scope && s->scope->name ? s->scope->name : "");
        cJSON_AddItemToObject(o, "attributes", json_attrs(&s->attrs));
        cJSON_AddNumberToObject(o, "events", s->event_count);
        cJSON_AddNumberToObject(o, "links", s->link_count);
        cJSON_AddStringToObject(o, "status", status_name(s->status_code));
        cJSON_AddStringToObject(o, "statusMessage", s->status_message ? s->status_message : "");
        char *line = cJSON_PrintUnformatted(o);
        if (line) {
            fprintf(f, "%s\n", line);
            cJSON_free(line);
        }
        cJSON_Delete(o);
    }
    fflush(f);
}
