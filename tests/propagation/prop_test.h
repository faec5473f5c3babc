/* Helpers shared by the propagation tests: build a context from hex ids, extract through a test
 * carrier, and count diagnostics. Included by each test file (static functions, one test binary per
 * file). */
#ifndef PROP_TEST_H
#define PROP_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "carrier.h"
#include "otelc/context.h"
#include "otelc/log.h"
#include "otelc/sdk/propagators.h"

/* A context holding a remote span context from hex ids; tracestate may be NULL. */
static inline otelc_context *make_ctx(const char *trace_hex, const char *span_hex, uint8_t flags,
                                      const char *tracestate, const otelc_baggage *bag) {
    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    assert_true(otelc_hex_decode(trace_hex, 16, sc.trace_id, false));
    assert_true(otelc_hex_decode(span_hex, 8, sc.span_id, false));
    sc.trace_flags = flags;
    sc.is_remote = true;
    otelc_trace_state *ts = tracestate ? otelc_trace_state_parse(tracestate, strlen(tracestate)) : NULL;
    if (tracestate) assert_non_null(ts);
    sc.trace_state = ts;
    otelc_context *ctx = otelc_context_create_remote(&sc, bag);
    otelc_trace_state_release(ts);
    assert_non_null(ctx);
    return ctx;
}

/* Extracts with p from c onto an empty base; the caller releases the result. */
static inline otelc_context *extract_from(const otelc_propagator *p, carrier *c) {
    otelc_carrier_getter g = carrier_getter(c);
    otelc_context *ctx = otelc_propagator_extract(p, NULL, &g);
    assert_non_null(ctx);
    return ctx;
}

static inline void assert_ids(const otelc_span_context *sc, const char *trace_hex, const char *span_hex) {
    char t[33], s[17];
    otelc_hex_encode(sc->trace_id, 16, t);
    otelc_hex_encode(sc->span_id, 8, s);
    assert_string_equal(t, trace_hex);
    assert_string_equal(s, span_hex);
}

/* Header form of a span context's trace state ("" when none). */
static inline const char *ts_text(const otelc_span_context *sc, char *buf, size_t size) {
    int n = otelc_trace_state_to_header(sc->trace_state, buf, size);
    assert_true(n >= 0);
    return buf;
}

static int g_diagnostics;
static inline void count_log(otelc_log_level level, const char *message, void *user_data) {
    (void)level;
    (void)message;
    (void)user_data;
    g_diagnostics++;
}
static inline void capture_logs(void) {
    g_diagnostics = 0;
    otelc_set_log_level(OTELC_LOG_WARN);
    otelc_set_log_handler(count_log, NULL);
}
static inline void release_logs(void) {
    otelc_set_log_handler(NULL, NULL);
    otelc_set_log_level(OTELC_LOG_NONE);
}

#endif
