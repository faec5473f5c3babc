/* OTEL_EXPORTER_OTLP_HEADERS parsing: comma-separated key=value pairs, percent-encoded (W3C Baggage
 * format without properties), surrounding whitespace trimmed. Headers given in code are validated at
 * create, and a malformed entry fails it with one message. Headers from the environment are cleaned
 * when the options are read: a malformed entry gets one warning and is left out, the rest are kept, as
 * the configuration rules ask of every invalid variable. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "otelc/log.h"
#include "otelc/span_context.h"
#include "otlp_internal.h"

/* Percent-decodes s[0..n) trimmed into out (size >= n+1). Returns decoded length or -1. */
static int decode(const char *s, size_t n, char *out) {
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            uint8_t b;
            if (i + 2 >= n || !otelc_hex_decode(s + i + 1, 1, &b, true)) return -1;
            if (b == 0) return -1; /* %00 would cut the header short */
            out[o++] = (char)b;
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = 0;
    return (int)o;
}

static int valid_name(const char *k) {
    if (!*k) return 0;
    for (; *k; k++) {
        unsigned char c = (unsigned char)*k;
        if (c <= 0x20 || c >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", c)) return 0;
    }
    return 1;
}

static int valid_value(const char *v) {
    for (; *v; v++)
        if (*v == '\r' || *v == '\n') return 0; /* header injection */
    return 1;
}

/* True when spec[0..n) is a well-formed key=value entry (or blank). k and v must hold n+1 bytes. */
static int entry_ok(const char *p, size_t n, char *k, char *v) {
    const char *eq = memchr(p, '=', n);
    return eq && decode(p, (size_t)(eq - p), k) > 0 && valid_name(k) && decode(eq + 1, n - (size_t)(eq - p) - 1, v) >= 0 &&
           valid_value(v);
}

void otelc__otlp_headers_clean(char *spec, const char *var) {
    size_t len = strlen(spec);
    char *k = otelc_malloc(len + 1), *v = otelc_malloc(len + 1), *out = otelc_malloc(len + 1);
    if (!k || !v || !out) {
        otelc_log(OTELC_LOG_WARN, "otlp: out of memory reading %s; no extra headers are sent", var);
        spec[0] = '\0';
    } else {
        size_t o = 0;
        for (const char *p = spec; *p;) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            int blank = 1;
            for (size_t i = 0; i < n; i++) if (!isspace((unsigned char)p[i])) blank = 0;
            if (!blank && entry_ok(p, n, k, v)) {
                if (o) out[o++] = ',';
                memcpy(out + o, p, n);
                o += n;
            } else if (!blank) {
                otelc_log(OTELC_LOG_WARN, "otlp: %s: entry \"%.*s\" is not key=value (percent-encoded); left out", var,
                          (int)(n > 80 ? 80 : n), p);
            }
            p += n;
            if (*p == ',') p++;
        }
        out[o] = '\0';
        memcpy(spec, out, o + 1);
    }
    otelc_free(k);
    otelc_free(v);
    otelc_free(out);
}

otelc_status otelc__otlp_parse_headers(const char *spec, struct curl_slist **list, otelc_error *err) {
    *list = NULL;
    if (!spec || !*spec) return OTELC_OK;
    size_t len = strlen(spec);
    char *k = otelc_malloc(len + 1), *v = otelc_malloc(len + 1), *line = otelc_malloc(2 * len + 4);
    otelc_status st = OTELC_OK;
    if (!k || !v || !line) {
        st = otelc_error_set(err, OTELC_ERR_NO_MEMORY, "otlp: out of memory parsing headers");
        goto done;
    }
    for (const char *p = spec; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        int blank = 1;
        for (size_t i = 0; i < n; i++) if (!isspace((unsigned char)p[i])) blank = 0;
        if (!blank) {
            if (!eq || !entry_ok(p, n, k, v)) {
                st = otelc_error_set(err, OTELC_ERR_PARSE, "otlp: malformed header entry \"%.*s\" (want key=value, "
                                     "percent-encoded)", (int)(n > 80 ? 80 : n), p);
                goto done;
            }
            snprintf(line, 2 * len + 4, "%s: %s", k, v);
            struct curl_slist *nl = curl_slist_append(*list, line);
            if (!nl) {
                st = otelc_error_set(err, OTELC_ERR_NO_MEMORY, "otlp: out of memory parsing headers");
                goto done;
            }
            *list = nl;
        }
        p += n;
        if (*p == ',') p++;
    }
done:
    if (st != OTELC_OK) {
        curl_slist_free_all(*list);
        *list = NULL;
    }
    otelc_free(k);
    otelc_free(v);
    otelc_free(line);
    return st;
}
