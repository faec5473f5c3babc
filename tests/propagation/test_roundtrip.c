/* Round trips: for every propagator and combination, inject a context and extract it again, and get
 * the same ids, sampled flag, trace state members and baggage back. Also OTEL_PROPAGATORS selection. */
#include <stdlib.h>

#include "prop_test.h"

typedef struct combo {
    const char *names;
    bool span;    /* carries the span context */
    bool bag;     /* carries baggage */
    bool ts;      /* carries the W3C tracestate */
    bool full128; /* carries all 128 bits of the trace id */
} combo;

static const combo combos[] = {
    {"tracecontext", true, false, true, true},
    {"baggage", false, true, false, false},
    {"datadog", true, false, false, true},
    {"b3", true, false, false, true},
    {"b3multi", true, false, false, true},
    {"tracecontext,baggage", true, true, true, true},
    {"datadog,baggage", true, true, false, true},
    {"tracecontext,datadog", true, false, true, true},
    {"datadog,tracecontext", true, false, true, true},
    {"b3,baggage", true, true, false, true},
    {"b3multi,tracecontext,baggage", true, true, true, true},
    {"tracecontext,baggage,datadog,b3,b3multi", true, true, true, true},
    {"none", false, false, false, false},
    {"", true, true, true, true}, /* the default: tracecontext,baggage */
};

typedef struct sample {
    const char *trace, *span;
    uint8_t flags;
    const char *tracestate;
} sample;

static const sample samples[] = {
    {"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 0x01, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"},
    {"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 0x00, NULL},
    {"0000000000000000a3ce929d0e0e4736", "0000000000000001", 0x01, "k=v"},
    {"ffffffffffffffffffffffffffffffff", "ffffffffffffffff", 0x00, NULL},
};

/* Members of ts other than dd (the Datadog member is rewritten per hop by design). */
static void non_dd_members(const otelc_trace_state *ts, char *out, size_t size) {
    out[0] = '\0';
    for (size_t i = 0; i < otelc_trace_state_count(ts); i++) {
        const char *k, *v;
        otelc_trace_state_member(ts, i, &k, &v);
        if (!strcmp(k, "dd")) continue;
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s=%s", len ? "," : "", k, v);
    }
}

static void check_roundtrip(const combo *cb, const sample *sm) {
    otelc_error err;
    otelc_propagator *p = otelc_propagator_from_names(cb->names, &err);
    assert_non_null(p);
    otelc_baggage *b1 = otelc_baggage_set(NULL, "user", "al ice", "p1");
    otelc_baggage *b2 = otelc_baggage_set(b1, "k", "v,=;%", NULL);
    otelc_context *ctx = make_ctx(sm->trace, sm->span, sm->flags, sm->tracestate, b2);
    carrier c;
    carrier_init(&c);
    otelc_carrier_setter s = carrier_setter(&c);
    otelc_propagator_inject(p, ctx, &s);
    otelc_context *back = extract_from(p, &c);
    otelc_span_context in = otelc_context_get_span_context(ctx), out = otelc_context_get_span_context(back);
    if (cb->span) {
        assert_true(otelc_span_context_is_valid(&out));
        assert_true(out.is_remote);
        assert_memory_equal(out.span_id, in.span_id, 8);
        assert_memory_equal(out.trace_id + 8, in.trace_id + 8, 8);
        if (cb->full128) assert_memory_equal(out.trace_id, in.trace_id, 16);
        assert_int_equal(out.trace_flags & OTELC_TRACE_FLAGS_SAMPLED, in.trace_flags & OTELC_TRACE_FLAGS_SAMPLED);
        if (cb->ts) {
            char a[512], b[512];
            non_dd_members(in.trace_state, a, sizeof a);
            non_dd_members(out.trace_state, b, sizeof b);
            assert_string_equal(a, b);
            assert_int_equal(out.trace_flags, in.trace_flags); /* incl. the random flag */
        }
    } else {
        assert_false(otelc_span_context_is_valid(&out));
    }
    const otelc_baggage *bb = otelc_context_get_baggage(back);
    if (cb->bag) {
        assert_int_equal(otelc_baggage_count(bb), 2);
        assert_string_equal(otelc_baggage_get(bb, "user"), "al ice");
        assert_string_equal(otelc_baggage_get(bb, "k"), "v,=;%");
        const char *n, *v, *props;
        otelc_baggage_entry(bb, 0, &n, &v, &props);
        assert_string_equal(props, "p1");
    } else {
        assert_null(bb);
    }
    /* and a second hop gives the same headers again (stable encoding) */
    carrier c2;
    carrier_init(&c2);
    otelc_carrier_setter s2 = carrier_setter(&c2);
    otelc_propagator_inject(p, back, &s2);
    assert_int_equal(c2.count, c.count);
    for (size_t i = 0; i < c.count; i++) assert_string_equal(carrier_value(&c2, c.keys[i]), c.values[i]);
    carrier_free(&c2);
    carrier_free(&c);
    otelc_context_release(back);
    otelc_context_release(ctx);
    otelc_baggage_release(b1);
    otelc_baggage_release(b2);
    otelc_propagator_destroy(p);
}

static void test_roundtrips(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof combos / sizeof combos[0]; i++)
        for (size_t j = 0; j < sizeof samples / sizeof samples[0]; j++) check_roundtrip(&combos[i], &samples[j]);
}

static void test_from_names(void **state) {
    (void)state;
    capture_logs();
    otelc_error err = {OTELC_OK, ""};
    otelc_propagator *p = otelc_propagator_from_names(" TraceContext , bogus, baggage,,also-bogus ", &err);
    assert_non_null(p);
    assert_int_equal(g_diagnostics, 2); /* one per unknown name */
    otelc_baggage *bag = otelc_baggage_set(NULL, "k", "v", NULL);
    otelc_context *ctx = make_ctx("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1, NULL, bag);
    carrier c;
    carrier_init(&c);
    otelc_carrier_setter s = carrier_setter(&c);
    otelc_propagator_inject(p, ctx, &s);
    assert_int_equal(c.count, 2);
    assert_non_null(carrier_value(&c, "traceparent"));
    assert_string_equal(carrier_value(&c, "baggage"), "k=v");
    carrier_free(&c);
    otelc_propagator_destroy(p);

    /* none: nothing injected, extraction returns the base */
    g_diagnostics = 0;
    p = otelc_propagator_from_names("none", &err);
    assert_int_equal(g_diagnostics, 0);
    carrier_init(&c);
    s = carrier_setter(&c);
    otelc_propagator_inject(p, ctx, &s);
    assert_int_equal(c.count, 0);
    carrier_add(&c, "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    otelc_context *back = extract_from(p, &c);
    otelc_span_context sc = otelc_context_get_span_context(back);
    assert_false(otelc_span_context_is_valid(&sc));
    otelc_context_release(back);
    carrier_free(&c);
    otelc_propagator_destroy(p);

    /* from_env reads OTEL_PROPAGATORS; unset means the default */
    setenv("OTEL_PROPAGATORS", "b3multi", 1);
    p = otelc_propagator_from_env(&err);
    carrier_init(&c);
    s = carrier_setter(&c);
    otelc_propagator_inject(p, ctx, &s);
    assert_non_null(carrier_value(&c, "x-b3-traceid"));
    assert_null(carrier_value(&c, "traceparent"));
    carrier_free(&c);
    otelc_propagator_destroy(p);
    unsetenv("OTEL_PROPAGATORS");
    p = otelc_propagator_from_env(&err);
    carrier_init(&c);
    s = carrier_setter(&c);
    otelc_propagator_inject(p, ctx, &s);
    assert_non_null(carrier_value(&c, "traceparent"));
    assert_non_null(carrier_value(&c, "baggage"));
    carrier_free(&c);
    otelc_propagator_destroy(p);
    assert_int_equal(g_diagnostics, 0);

    otelc_context_release(ctx);
    otelc_baggage_release(bag);
    release_logs();
}

/* The global slot: otelc_inject_current / otelc_extract use the installed propagator. */
static void test_global(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_from_names(NULL, NULL);
    otelc_set_text_map_propagator(p);
    otelc_context *ctx = make_ctx("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1, NULL, NULL);
    otelc_scope sc = otelc_context_attach(ctx);
    carrier c;
    carrier_init(&c);
    otelc_carrier_setter s = carrier_setter(&c);
    otelc_inject_current(&s);
    otelc_scope_exit(sc);
    assert_string_equal(carrier_value(&c, "traceparent"), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    otelc_carrier_getter g = carrier_getter(&c);
    otelc_context *back = otelc_extract(&g);
    otelc_span_context got = otelc_context_get_span_context(back);
    assert_true(otelc_span_context_is_valid(&got));
    otelc_context_release(back);
    carrier_free(&c);
    otelc_context_release(ctx);
    otelc_set_text_map_propagator(NULL);
    otelc_propagator_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrips),
        cmocka_unit_test(test_from_names),
        cmocka_unit_test(test_global),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
