/* Span context validity and hex helpers. */
#include <string.h>

#include "otelc/span_context.h"

static bool all_zero(const uint8_t *b, size_t n) {
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) acc |= b[i];
    return acc == 0;
}

bool otelc_trace_id_is_valid(const uint8_t trace_id[16]) { return trace_id && !all_zero(trace_id, 16); }
bool otelc_span_id_is_valid(const uint8_t span_id[8]) { return span_id && !all_zero(span_id, 8); }

bool otelc_span_context_is_valid(const otelc_span_context *sc) {
    return sc && !all_zero(sc->trace_id, 16) && !all_zero(sc->span_id, 8);
}

void otelc_hex_encode(const uint8_t *bytes, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0xf];
    }
    out[2 * n] = '\0';
}

static int hex_val(char c, bool allow_upper) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (allow_upper && c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool otelc_hex_decode(const char *hex, size_t n, uint8_t *bytes, bool allow_upper) {
    if (!hex || !bytes) return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_val(hex[2 * i], allow_upper);
        if (hi < 0) return false;
        int lo = hex_val(hex[2 * i + 1], allow_upper);
        if (lo < 0) return false;
        bytes[i] = (uint8_t)((hi << 4) | lo);
    }
    return true;
}
