/* An instrumented HTTP/1.1 service in plain C: every incoming request becomes a SERVER span whose
 * parent is the context extracted from the request headers (OTEL_PROPAGATORS decides which header
 * formats), and every outgoing call a CLIENT span with the context injected. Spans go to the
 * exporter OTEL_TRACES_EXPORTER names (console, otlp, ...), set up by otelc_sdk_setup().
 *
 *   http_service [port]          (default 5000; listens on 127.0.0.1 only)
 *
 * Routes:
 *   GET  /health            "ok"
 *   GET  /whoami            JSON: this request's trace id, span id, remote parent, flags, tracestate, baggage
 *   GET  /chain?port=N      calls GET http://127.0.0.1:N/whoami and returns both views as JSON
 *   POST /test              W3C trace-context test-harness protocol: the body is a JSON list of
 *                           {"url": ..., "arguments": [...]}; each `arguments` list is POSTed as JSON
 *                           to its url, carrying the received context on. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"
#include "http_server.h"
#include "otelc/otelc.h"
#include "otelc/setup.h"

#define HARNESS_MAX_CALLS 32

static volatile int g_stop;
static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static otelc_tracer *tracer(void) { return otelc_get_tracer("http_service", "0.1.0", NULL); }

static void hex_id(const uint8_t *b, size_t n, char *out) { otelc_hex_encode(b, n, out); }

/* GET /whoami: what this service saw, so that a caller (or a test) can check propagation. */
static void whoami(const otelc_context *extracted, otelc_span *server_span, http_response *resp) {
    otelc_span_context me = otelc_span_get_context(server_span);
    otelc_span_context parent = otelc_context_get_span_context(extracted);
    char trace[33], span[17], pspan[17] = "";
    hex_id(me.trace_id, 16, trace);
    hex_id(me.span_id, 8, span);
    if (otelc_span_context_is_valid(&parent)) hex_id(parent.span_id, 8, pspan);
    char ts[1024] = "";
    otelc_trace_state_to_header(me.trace_state, ts, sizeof ts);

    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "trace_id", trace);
    cJSON_AddStringToObject(o, "span_id", span);
    cJSON_AddStringToObject(o, "parent_span_id", pspan);
    cJSON_AddBoolToObject(o, "parent_is_remote", parent.is_remote);
    cJSON_AddBoolToObject(o, "sampled", otelc_span_context_is_sampled(&me));
    cJSON_AddStringToObject(o, "tracestate", ts);
    cJSON *bag = cJSON_AddObjectToObject(o, "baggage");
    const otelc_baggage *b = otelc_context_get_baggage(extracted);
    for (size_t i = 0; i < otelc_baggage_count(b); i++) {
        const char *n, *v;
        otelc_baggage_entry(b, i, &n, &v, NULL);
        cJSON_AddStringToObject(bag, n, v);
    }
    char *text = cJSON_PrintUnformatted(o);
    http_respond(resp, 200, "application/json", text ? text : "{}");
    free(text);
    cJSON_Delete(o);
}

/* GET /chain?port=N: one hop further, returning our view and the downstream's. */
static void chain(const http_request *req, otelc_span *server_span, http_response *resp) {
    unsigned port = 0;
    if (sscanf(req->query, "port=%u", &port) != 1 || port == 0 || port > 65535) {
        http_respond(resp, 400, "text/plain", "usage: /chain?port=N");
        return;
    }
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/whoami", port);
    http_result r;
    http_call("GET", url, NULL, NULL, &r); /* parent: the active SERVER span */
    otelc_span_context me = otelc_span_get_context(server_span);
    char trace[33], span[17];
    hex_id(me.trace_id, 16, trace);
    hex_id(me.span_id, 8, span);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "trace_id", trace);
    cJSON_AddStringToObject(o, "span_id", span);
    cJSON *down = r.status == 200 ? cJSON_Parse(r.body) : NULL;
    if (down) cJSON_AddItemToObject(o, "downstream", down);
    else cJSON_AddStringToObject(o, "downstream_error", r.error[0] ? r.error : "bad response");
    char *text = cJSON_PrintUnformatted(o);
    http_respond(resp, down ? 200 : 502, "application/json", text ? text : "{}");
    free(text);
    cJSON_Delete(o);
    free(r.body);
}

/* POST /test: the W3C trace-context test harness. */
static void harness(const http_request *req, http_response *resp) {
    cJSON *list = cJSON_ParseWithLength(req->body, req->body_len);
    if (!cJSON_IsArray(list)) {
        cJSON_Delete(list);
        http_respond(resp, 400, "text/plain", "expected a JSON list");
        return;
    }
    int calls = 0, failed = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list) {
        if (calls == HARNESS_MAX_CALLS) break;
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(item, "url");
        const cJSON *args = cJSON_GetObjectItemCaseSensitive(item, "arguments");
        if (!cJSON_IsString(url) || !cJSON_IsArray(args)) {
            failed++;
            continue;
        }
        char *body = cJSON_PrintUnformatted(args);
        http_result r;
        http_call("POST", url->valuestring, body ? body : "[]", NULL, &r);
        if (r.status != 200) failed++;
        calls++;
        free(r.body);
        cJSON_free(body);
    }
    cJSON_Delete(list);
    char text[64];
    snprintf(text, sizeof text, "{\"calls\":%d,\"failed\":%d}", calls, failed);
    http_respond(resp, 200, "application/json", text);
}

static void handle(const http_request *req, http_response *resp, void *user_data) {
    (void)user_data;
    /* 1. the caller's context (span context and baggage) from the headers */
    otelc_carrier_getter g = http_request_getter((http_request *)req);
    otelc_context *extracted = otelc_extract(&g);

    /* 2. a SERVER span, child of the remote parent when there is one */
    char name[96];
    snprintf(name, sizeof name, "%s %.80s", req->method, req->path);
    otelc_span_start_options so;
    otelc_span_start_options_init(&so);
    so.kind = OTELC_SPAN_KIND_SERVER;
    so.parent = extracted;
    otelc_span *span = otelc_tracer_start_span(tracer(), name, &so);
    otelc_span_set_attr_str(span, "http.request.method", req->method);
    otelc_span_set_attr_str(span, "url.path", req->path);

    /* 3. active for the handler: outgoing calls become its children and carry the baggage on */
    otelc_context *active = otelc_context_with_span(extracted, span);
    otelc_scope scope = otelc_context_attach(active);

    if (!strcmp(req->path, "/health")) http_respond(resp, 200, "text/plain", "ok");
    else if (!strcmp(req->path, "/whoami")) whoami(extracted, span, resp);
    else if (!strcmp(req->path, "/chain")) chain(req, span, resp);
    else if (!strcmp(req->path, "/test") && !strcmp(req->method, "POST")) harness(req, resp);
    else http_respond(resp, 404, "text/plain", "not found");

    otelc_scope_exit(scope);
    otelc_span_set_attr_int(span, "http.response.status_code", resp->status);
    if (resp->status >= 500) otelc_span_set_status(span, OTELC_STATUS_ERROR, NULL);
    otelc_span_end(span, 0);
    otelc_context_release(active);
    otelc_context_release(extracted);
}

int main(int argc, char **argv) {
    unsigned long port = 5000;
    if (argc > 1) {
        char *end;
        port = strtoul(argv[1], &end, 10);
        if (*end || port == 0 || port > 65535) {
            fprintf(stderr, "usage: %s [port]   (1-65535, default 5000)\n", argv[0]);
            return 2;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    otelc_sdk_options opts;
    otelc_sdk_options_init(&opts);
    if (!getenv("OTEL_SERVICE_NAME")) opts.service_name = "http_service";
    otelc_sdk sdk;
    otelc_error err;
    if (otelc_sdk_setup(&opts, &sdk, &err) != OTELC_OK) {
        fprintf(stderr, "http_service: tracing setup failed: %s\n", err.message);
        return 1;
    }
    fprintf(stderr, "http_service: listening on 127.0.0.1:%lu (propagators: %s)\n", port,
            getenv("OTEL_PROPAGATORS") ? getenv("OTEL_PROPAGATORS") : "tracecontext,baggage");
    int rc = http_server_run((unsigned short)port, handle, NULL, &g_stop);
    if (rc != 0) fprintf(stderr, "http_service: cannot listen on 127.0.0.1:%lu\n", port);
    otelc_sdk_teardown(&sdk, 5000);
    curl_global_cleanup();
    return rc == 0 ? 0 : 1;
}
