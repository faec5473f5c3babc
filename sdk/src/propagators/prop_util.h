/* Small, bounds-checked text helpers shared by the propagators. Every parser works on (pointer,
 * length) slices of carrier values, which are untrusted and need not be NUL-terminated, so nothing
 * here ever reads past `len`. */
#ifndef OTELC_PROP_UTIL_H
#define OTELC_PROP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otelc/propagation.h"
#include "otelc/span_context.h"

typedef struct otelc__slice {
    const char *p;
    size_t n;
} otelc__slice;

/* Reads key through the getter, with HTTP optional whitespace (SP, HTAB) trimmed on both sides.
 * Returns false (and an empty slice) when the key is absent. */
bool otelc__get_trimmed(const otelc_carrier_getter *g, const char *key, otelc__slice *out);

/* Trims SP/HTAB from both ends. */
otelc__slice otelc__trim(otelc__slice s);

/* Unsigned decimal, 1..20 digits, no sign, no overflow past UINT64_MAX. */
bool otelc__parse_u64_dec(otelc__slice s, uint64_t *out);
/* Signed decimal int in [-1e6, 1e6] (sampling priorities), optional leading '-'. */
bool otelc__parse_small_int(otelc__slice s, int *out);

/* Writes v in decimal into buf (at least 21 bytes); returns the length. */
size_t otelc__u64_to_dec(uint64_t v, char *buf);

/* Big-endian conversions between 8 id bytes and a 64-bit number. */
uint64_t otelc__be64_load(const uint8_t *b);
void otelc__be64_store(uint64_t v, uint8_t *b);

/* Result of an extraction: base with a new remote span context (trace_state retained by the
 * context), or a new reference to base / an empty context when sc is NULL. NULL only on OOM. */
otelc_context *otelc__extract_result(const otelc_context *base, const otelc_span_context *sc);

#endif
