/* Exporter options: specification defaults, then OTEL_EXPORTER_OTLP_* with the signal-specific
 * (TRACES_) variable winning over the generic one. Bad values get one diagnostic and keep the default
 * (a malformed header entry is left out, the others kept). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "otelc/log.h"
#include "otlp_internal.h"

#define DEFAULT_ENDPOINT "http://localhost:4318/v1/traces"

/* The signal-specific variable if set and non-empty, else the generic one; *name says which. */
static const char *env_pick(const char *suffix, char *name, size_t name_size) {
    snprintf(name, name_size, "OTEL_EXPORTER_OTLP_TRACES_%s", suffix);
    const char *v = getenv(name);
    if (v && *v) return v;
    snprintf(name, name_size, "OTEL_EXPORTER_OTLP_%s", suffix);
    v = getenv(name);
    return v && *v ? v : NULL;
}

static void copy_str(char *dst, size_t size, const char *src, const char *var) {
    size_t n = strlen(src);
    if (n >= size) {
        otelc_log(OTELC_LOG_WARN, "otlp: %s is longer than %zu bytes; ignored", var, size - 1);
        return;
    }
    memcpy(dst, src, n + 1);
}

/* Only http:// and https:// URLs can be exported to; anything else keeps the default endpoint. */
static int url_ok(const char *v, const char *var, const char *keep) {
    if (!strncasecmp(v, "http://", 7) || !strncasecmp(v, "https://", 8)) return 1;
    otelc_log(OTELC_LOG_WARN, "otlp: %s=\"%.100s\" is not an http:// or https:// URL; using %s", var, v, keep);
    return 0;
}

static void endpoint_from_env(otelc_otlp_http_options *o) {
    const char *v = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    if (v && *v) {
        if (url_ok(v, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", o->endpoint))
            copy_str(o->endpoint, sizeof o->endpoint, v, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        return;
    }
    v = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    if (!v || !*v || !url_ok(v, "OTEL_EXPORTER_OTLP_ENDPOINT", o->endpoint)) return;
    /* The generic endpoint is a base URL: the signal path is appended (without doubling the slash). */
    size_t n = strlen(v);
    while (n > 0 && v[n - 1] == '/') n--;
    char url[OTELC_OTLP_URL_MAX];
    int w = snprintf(url, sizeof url, "%.*s/v1/traces", (int)n, v);
    if (w < 0 || (size_t)w >= sizeof url) {
        otelc_log(OTELC_LOG_WARN, "otlp: OTEL_EXPORTER_OTLP_ENDPOINT is too long; using %s", o->endpoint);
        return;
    }
    memcpy(o->endpoint, url, (size_t)w + 1);
}

void otelc_otlp_http_options_init(otelc_otlp_http_options *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    memcpy(o->endpoint, DEFAULT_ENDPOINT, sizeof DEFAULT_ENDPOINT);
    o->protocol = OTELC_OTLP_HTTP_PROTOBUF;
    o->timeout_ms = 10000;
    o->compression = OTELC_OTLP_COMPRESSION_NONE;
    o->retry_initial_ms = 1000;
    o->retry_max_ms = 5000;

    char name[64];
    endpoint_from_env(o);
    const char *v;
    if ((v = env_pick("PROTOCOL", name, sizeof name))) {
        if (!strcmp(v, "http/protobuf")) {
            o->protocol = OTELC_OTLP_HTTP_PROTOBUF;
        } else if (!strcmp(v, "http/json")) {
            o->protocol = OTELC_OTLP_HTTP_JSON;
        } else if (!strcmp(v, "grpc")) {
            otelc_log(OTELC_LOG_ERROR, "otlp: %s=grpc is not supported by otelc (OTLP/HTTP only); using "
                      "http/protobuf: point the endpoint at the collector's HTTP port (4318)", name);
        } else {
            otelc_log(OTELC_LOG_WARN, "otlp: %s=\"%s\" is not http/protobuf or http/json; using http/protobuf", name, v);
        }
    }
    if ((v = env_pick("HEADERS", name, sizeof name))) {
        copy_str(o->headers, sizeof o->headers, v, name);
        otelc__otlp_headers_clean(o->headers, name);
    }
    if ((v = env_pick("TIMEOUT", name, sizeof name))) {
        char *end;
        errno = 0;
        unsigned long ms = strtoul(v, &end, 10);
        if (errno || end == v || *end || v[0] == '-' || ms == 0 || ms > 3600000ul) {
            otelc_log(OTELC_LOG_WARN, "otlp: %s=\"%s\" is not a timeout in milliseconds (1..3600000); using %u",
                      name, v, o->timeout_ms);
        } else {
            o->timeout_ms = (uint32_t)ms;
        }
    }
    if ((v = env_pick("COMPRESSION", name, sizeof name))) {
        if (!strcasecmp(v, "gzip")) o->compression = OTELC_OTLP_COMPRESSION_GZIP;
        else if (!strcasecmp(v, "none")) o->compression = OTELC_OTLP_COMPRESSION_NONE;
        else otelc_log(OTELC_LOG_WARN, "otlp: %s=\"%s\" is not gzip or none; using none", name, v);
    }
    if ((v = env_pick("CERTIFICATE", name, sizeof name))) copy_str(o->certificate, sizeof o->certificate, v, name);
    if ((v = env_pick("CLIENT_CERTIFICATE", name, sizeof name)))
        copy_str(o->client_certificate, sizeof o->client_certificate, v, name);
    if ((v = env_pick("CLIENT_KEY", name, sizeof name))) copy_str(o->client_key, sizeof o->client_key, v, name);
}
