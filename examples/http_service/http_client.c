/* libcurl client with context injection; see http_client.h. The CLIENT span is made active while the
 * headers are injected, so the downstream service sees it as its parent, as the semantic conventions
 * ask (one CLIENT span per outgoing request). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"
#include "otelc/propagation.h"
#include "otelc/trace.h"

#define MAX_RESPONSE (1u << 20)

int http_url_is_loopback(const char *url) {
    static const char *const prefixes[] = {"http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:",
                                           "http://localhost/"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (!strncmp(url, prefixes[i], strlen(prefixes[i]))) return 1;
    return 0;
}

typedef struct sink {
    char *buf;
    size_t len;
} sink;

static size_t on_data(char *p, size_t size, size_t n, void *ud) {
    sink *s = ud;
    size_t add = size * n;
    if (s->len + add > MAX_RESPONSE) return 0; /* abort the transfer: bounded memory */
    char *nb = realloc(s->buf, s->len + add + 1);
    if (!nb) return 0;
    memcpy(nb + s->len, p, add);
    s->buf = nb;
    s->len += add;
    s->buf[s->len] = '\0';
    return add;
}

/* Carrier setter: appends "key: value" to a curl header list. */
static void set_header(void *carrier, const char *key, const char *value) {
    struct curl_slist **list = carrier;
    size_t n = strlen(key) + strlen(value) + 3;
    char *line = malloc(n);
    if (!line) return;
    snprintf(line, n, "%s: %s", key, value);
    struct curl_slist *nl = curl_slist_append(*list, line);
    if (nl) *list = nl;
    free(line);
}

void http_call(const char *method, const char *url, const char *json_body, const otelc_context *parent,
               http_result *out) {
    memset(out, 0, sizeof *out);
    if (!http_url_is_loopback(url)) {
        snprintf(out->error, sizeof out->error, "refusing non-loopback url");
        return;
    }
    otelc_span_start_options so;
    otelc_span_start_options_init(&so);
    so.kind = OTELC_SPAN_KIND_CLIENT;
    so.parent = parent;
    otelc_span *span = otelc_tracer_start_span(otelc_get_tracer("http_service", "0.1.0", NULL), method, &so);
    otelc_span_set_attr_str(span, "http.request.method", method);
    otelc_span_set_attr_str(span, "url.full", url);

    CURL *h = curl_easy_init();
    struct curl_slist *headers = NULL;
    sink s = {NULL, 0};
    if (!h) {
        snprintf(out->error, sizeof out->error, "curl_easy_init failed");
    } else {
        otelc_scope scope = otelc_scope_enter(span);
        otelc_carrier_setter setter = {set_header, &headers};
        otelc_inject_current(&setter);
        otelc_scope_exit(scope);
        if (json_body) set_header(&headers, "Content-Type", "application/json");
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
        if (!strcmp(method, "POST")) {
            curl_easy_setopt(h, CURLOPT_POST, 1L);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, json_body ? json_body : "");
        }
        CURLcode rc = curl_easy_perform(h);
        if (rc == CURLE_OK) {
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
        } else {
            snprintf(out->error, sizeof out->error, "%s", curl_easy_strerror(rc));
        }
        curl_easy_cleanup(h);
        curl_slist_free_all(headers);
    }
    out->body = s.buf ? s.buf : calloc(1, 1);
    out->body_len = s.len;
    if (out->status) otelc_span_set_attr_int(span, "http.response.status_code", out->status);
    if (!out->status || out->status >= 400) {
        otelc_span_set_status(span, OTELC_STATUS_ERROR, out->error[0] ? out->error : NULL);
        if (out->error[0]) otelc_span_set_attr_str(span, "error.type", out->error);
    }
    otelc_span_end(span, 0);
}
