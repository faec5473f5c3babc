/* OTEL_PROPAGATORS: a comma-separated list of propagator names, built into one composite in the
 * listed order. Names are trimmed and compared case-insensitively; an unknown name gets one
 * diagnostic and is skipped (the spec's "safe default" for bad configuration is to keep the rest). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal_prop.h"
#include "otelc/log.h"
#include "otelc/sdk/propagators.h"

#define MAX_PARTS 8
#define DEFAULT_NAMES "tracecontext,baggage"

typedef struct name_ref {
    const char *p;
    size_t n;
} name_ref;

static bool is(name_ref r, const char *name) { return r.n == strlen(name) && strncasecmp(r.p, name, r.n) == 0; }

/* Splits names into trimmed, non-empty items; returns how many (at most max). */
static size_t split(const char *names, name_ref *out, size_t max) {
    size_t n = 0;
    const char *p = names;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *a = p;
        while (len && isspace((unsigned char)*a)) { a++; len--; }
        while (len && isspace((unsigned char)a[len - 1])) len--;
        if (len) {
            if (n == max) {
                otelc_log(OTELC_LOG_WARN, "OTEL_PROPAGATORS: more than %zu names; the rest are ignored", max);
                break;
            }
            out[n++] = (name_ref){a, len};
        }
        if (!end) break;
        p = end + 1;
    }
    return n;
}

otelc_propagator *otelc_propagator_from_names(const char *names, otelc_error *err) {
    name_ref items[MAX_PARTS];
    bool all_blank = true;
    for (const char *c = names; c && *c; c++) all_blank &= isspace((unsigned char)*c) != 0;
    size_t n = split(all_blank ? DEFAULT_NAMES : names, items, MAX_PARTS);
    bool with_dd = false;
    for (size_t i = 0; i < n; i++) with_dd |= is(items[i], "datadog");

    otelc_propagator *parts[MAX_PARTS];
    size_t count = 0;
    bool seen_none = false;
    for (size_t i = 0; i < n; i++) {
        name_ref r = items[i];
        bool dup = false;
        for (size_t j = 0; j < i; j++) dup |= items[j].n == r.n && strncasecmp(items[j].p, r.p, r.n) == 0;
        if (dup) continue; /* listing a propagator twice would inject its headers twice */
        otelc_propagator *p = NULL;
        if (is(r, "none")) {
            seen_none = true;
            continue;
        } else if (is(r, "tracecontext")) {
            p = otelc__propagator_tracecontext(with_dd);
        } else if (is(r, "baggage")) {
            p = otelc_propagator_baggage();
        } else if (is(r, "datadog")) {
            p = otelc_propagator_datadog();
        } else if (is(r, "b3")) {
            p = otelc_propagator_b3(false);
        } else if (is(r, "b3multi")) {
            p = otelc_propagator_b3(true);
        } else {
            otelc_log(OTELC_LOG_WARN, "OTEL_PROPAGATORS: unknown propagator \"%.*s\"; skipped", (int)r.n, r.p);
            continue;
        }
        if (!p) {
            for (size_t j = 0; j < count; j++) otelc_propagator_destroy(parts[j]);
            otelc_error_set(err, OTELC_ERR_NO_MEMORY, "out of memory creating propagators");
            return NULL;
        }
        parts[count++] = p;
    }
    if (seen_none && count) otelc_log(OTELC_LOG_WARN, "OTEL_PROPAGATORS: \"none\" listed with other propagators; "
                                                      "the others are used");
    otelc_propagator *c = otelc_propagator_composite(parts, count);
    if (!c) otelc_error_set(err, OTELC_ERR_NO_MEMORY, "out of memory creating propagators");
    return c;
}

otelc_propagator *otelc_propagator_from_env(otelc_error *err) {
    return otelc_propagator_from_names(getenv("OTEL_PROPAGATORS"), err);
}
