/* Span context: the part of a span that crosses process boundaries. A plain value type; copying it
 * copies the ids and borrows the trace state pointer (see below). Every function here is pure and
 * thread-safe. */
#ifndef OTELC_SPAN_CONTEXT_H
#define OTELC_SPAN_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otelc/export.h"
#include "otelc/trace_state.h"

OTELC_BEGIN_DECLS

#define OTELC_TRACE_FLAGS_SAMPLED 0x01u
/* W3C Trace Context Level 2: the right 7 bytes of the trace id were generated randomly. */
#define OTELC_TRACE_FLAGS_RANDOM 0x02u

typedef struct otelc_span_context {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t trace_flags;
    bool is_remote;
    /* Borrowed: lives as long as the span or context the span context was read from. NULL when empty.
     * Keep it longer with otelc_trace_state_retain(). */
    const otelc_trace_state *trace_state;
} otelc_span_context;

/* Valid when both ids are not all zero. NULL is invalid. */
OTELC_API bool otelc_span_context_is_valid(const otelc_span_context *sc);
static inline bool otelc_span_context_is_sampled(const otelc_span_context *sc) {
    return sc && (sc->trace_flags & OTELC_TRACE_FLAGS_SAMPLED);
}

OTELC_API bool otelc_trace_id_is_valid(const uint8_t trace_id[16]);
OTELC_API bool otelc_span_id_is_valid(const uint8_t span_id[8]);

/* Lowercase hex of n bytes into out (2n chars plus a NUL; out must hold 2n+1). */
OTELC_API void otelc_hex_encode(const uint8_t *bytes, size_t n, char *out);
/* Parses exactly 2n lowercase hex digits into bytes; returns false on any other character.
 * When allow_upper is true, uppercase digits are accepted too. */
OTELC_API bool otelc_hex_decode(const char *hex, size_t n, uint8_t *bytes, bool allow_upper);

OTELC_END_DECLS
#endif
