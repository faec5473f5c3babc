/* Shared helpers for the propagators: whitespace trimming, strict decimal parsing, id byte order.
 * Kept strict on purpose: a carrier value is attacker-controlled, so anything not exactly in the
 * expected form is rejected rather than repaired. */
#include <string.h>

#include "otelc/context.h"
#include "prop_util.h"

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

otelc__slice otelc__trim(otelc__slice s) {
    if (!s.p) return (otelc__slice){"", 0};
    while (s.n && is_ows(s.p[0])) { s.p++; s.n--; }
    while (s.n && is_ows(s.p[s.n - 1])) s.n--;
    return s;
}

bool otelc__get_trimmed(const otelc_carrier_getter *g, const char *key, otelc__slice *out) {
    size_t len = 0;
    const char *v = g->get(g->carrier, key, &len);
    if (!v) {
        *out = (otelc__slice){"", 0};
        return false;
    }
    *out = otelc__trim((otelc__slice){v, len});
    return true;
}

bool otelc__parse_u64_dec(otelc__slice s, uint64_t *out) {
    if (s.n == 0 || s.n > 20) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c < '0' || c > '9') return false;
        uint64_t d = (uint64_t)(c - '0');
        if (v > (UINT64_MAX - d) / 10) return false; /* would overflow */
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool otelc__parse_small_int(otelc__slice s, int *out) {
    bool neg = s.n && s.p[0] == '-';
    if (neg) { s.p++; s.n--; }
    if (s.n == 0 || s.n > 7) return false;
    int v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') return false;
        v = v * 10 + (s.p[i] - '0');
    }
    if (v > 1000000) return false;
    *out = neg ? -v : v;
    return true;
}

size_t otelc__u64_to_dec(uint64_t v, char *buf) {
    char tmp[21];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

uint64_t otelc__be64_load(const uint8_t *b) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | b[i];
    return v;
}

void otelc__be64_store(uint64_t v, uint8_t *b) {
    for (int i = 7; i >= 0; i--) {
        b[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

otelc_context *otelc__extract_result(const otelc_context *base, const otelc_span_context *sc) {
    if (sc && otelc_span_context_is_valid(sc)) {
        /* With several propagators on one request (e.g. tracecontext then b3), a later one that has no
         * trace state of its own must not erase what an earlier one found for the same trace. */
        otelc_span_context prev = otelc_context_get_span_context(base);
        if (!sc->trace_state && otelc_span_context_is_valid(&prev) && memcmp(prev.trace_id, sc->trace_id, 16) == 0) {
            otelc_span_context merged = *sc;
            merged.trace_state = prev.trace_state;
            merged.trace_flags |= prev.trace_flags & OTELC_TRACE_FLAGS_RANDOM;
            return otelc_context_with_remote(base, &merged);
        }
        return otelc_context_with_remote(base, sc);
    }
    return base ? otelc_context_retain(base) : otelc_context_create(NULL, NULL);
}
