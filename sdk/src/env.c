/* Reading OTEL_* variables: every parser is strict, and a bad value is reported once (per read) with
 * the variable's name, then the caller keeps its default. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "internal.h"

const char *otelc__env(const char *name) {
    const char *v = getenv(name);
    if (!v) return NULL;
    while (*v && isspace((unsigned char)*v)) v++;
    return *v ? v : NULL;
}

static size_t trimmed_len(const char *s) {
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) n--;
    return n;
}

const char *otelc__env_word(const char *name, char *buf, size_t size) {
    const char *v = otelc__env(name);
    if (!v || size == 0) return NULL;
    size_t n = trimmed_len(v);
    if (n >= size) {
        otelc_log(OTELC_LOG_WARN, "%s is longer than %zu bytes; ignored", name, size - 1);
        return NULL;
    }
    memcpy(buf, v, n);
    buf[n] = '\0';
    return buf;
}

bool otelc__env_bool(const char *name, bool *out) {
    const char *v = otelc__env(name);
    if (!v) return false;
    size_t n = trimmed_len(v);
    if (n == 4 && !strncasecmp(v, "true", 4)) { *out = true; return true; }
    if (n == 5 && !strncasecmp(v, "false", 5)) { *out = false; return true; }
    otelc_log(OTELC_LOG_WARN, "%s=\"%s\" is not true or false; treating it as false", name, v);
    *out = false; /* the spec: any value other than true is false */
    return true;
}

bool otelc__parse_uint32(const char *s, uint32_t *out) {
    if (!s) return false;
    while (isspace((unsigned char)*s)) s++;
    if (!isdigit((unsigned char)*s)) return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    while (isspace((unsigned char)*end)) end++;
    if (errno || *end || v > UINT32_MAX) return false;
    *out = (uint32_t)v;
    return true;
}

bool otelc__parse_double(const char *s, double *out) {
    if (!s) return false;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s) return false;
    while (isspace((unsigned char)*end)) end++;
    if (errno || *end || isnan(v) || isinf(v)) return false;
    *out = v;
    return true;
}

bool otelc__env_uint32(const char *name, uint32_t min, uint32_t *out) {
    const char *v = otelc__env(name);
    if (!v) return false;
    uint32_t x;
    if (!otelc__parse_uint32(v, &x) || x < min) {
        otelc_log(OTELC_LOG_WARN, "%s=\"%s\" is not an integer >= %u; using the default %u", name, v, min, *out);
        return false;
    }
    *out = x;
    return true;
}

bool otelc__env_double(const char *name, double *out) {
    const char *v = otelc__env(name);
    if (!v) return false;
    double x;
    if (!otelc__parse_double(v, &x)) {
        otelc_log(OTELC_LOG_WARN, "%s=\"%s\" is not a number; using the default %g", name, v, *out);
        return false;
    }
    *out = x;
    return true;
}
