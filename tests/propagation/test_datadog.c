/* Datadog headers, the `dd=` tracestate member, and agreement between the W3C and Datadog views of
 * one trace (sampling priority <-> sampled flag both ways, _dd.p.tid <-> the 128-bit trace id). */
#include <stdlib.h>

#include "prop_test.h"

typedef struct dd_case {
    const char *trace_id, *parent_id, *priority, *origin, *tags;
    bool valid;
    const char *trace_hex, *span_hex;
    uint8_t flags;
    const char *tracestate; /* expected dd member + others */
} dd_case;

#define LO "112210f47de98115" /* 1234567890123456789 */
#define SP "000000003ade68b1" /* 987654321 */

static const dd_case cases[] = {
    {"1234567890123456789", "987654321", "1", NULL, NULL, true, "0000000000000000" LO, SP, 1, "dd=s:1;p:" SP},
    {"1234567890123456789", "987654321", "2", "synthetics", "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000", true,
     "640cfd8d00000000" LO, SP, 1, "dd=s:2;p:" SP ";o:synthetics;t.dm:-4"},
    {"1234567890123456789", "987654321", "0", NULL, NULL, true, "0000000000000000" LO, SP, 0, "dd=s:0;p:" SP},
    {"1234567890123456789", "987654321", "-1", NULL, NULL, true, "0000000000000000" LO, SP, 0, "dd=s:-1;p:" SP},
    {"1234567890123456789", "987654321", NULL, NULL, NULL, true, "0000000000000000" LO, SP, 0, "dd=s:0;p:" SP},
    {" 1234567890123456789 ", "987654321", "x", NULL, NULL, true, "0000000000000000" LO, SP, 0, "dd=s:0;p:" SP},
    {"18446744073709551615", "1", "1", NULL, NULL, true, "0000000000000000ffffffffffffffff", "0000000000000001", 1,
     "dd=s:1;p:0000000000000001"},
    /* tags: bad tid ignored, non-propagation tags dropped, '=' in values survives as '~' */
    {"1234567890123456789", "987654321", "1", "rum", "_dd.p.tid=XYZ,foo=bar,_dd.p.usr=a=b", true,
     "0000000000000000" LO, SP, 1, "dd=s:1;p:" SP ";o:rum;t.usr:a~b"},
    {"1234567890123456789", "987654321", "1", NULL, "_dd.p.tid=640CFD8D00000000", true, "0000000000000000" LO, SP, 1,
     "dd=s:1;p:" SP},
    {"0", "987654321", "1", NULL, NULL, false, NULL, NULL, 0, NULL},
    {"1234567890123456789", "0", "1", NULL, NULL, false, NULL, NULL, 0, NULL},
    {"18446744073709551616", "1", "1", NULL, NULL, false, NULL, NULL, 0, NULL}, /* overflow */
    {"-1", "1", "1", NULL, NULL, false, NULL, NULL, 0, NULL},
    {"+1", "1", "1", NULL, NULL, false, NULL, NULL, 0, NULL},
    {"12a", "1", "1", NULL, NULL, false, NULL, NULL, 0, NULL},
    {"", "1", "1", NULL, NULL, false, NULL, NULL, 0, NULL},
    {"1234567890123456789", NULL, "1", NULL, NULL, false, NULL, NULL, 0, NULL},
    {NULL, "987654321", "1", NULL, NULL, false, NULL, NULL, 0, NULL},
    {"00000000000000000000000001", "1", "1", NULL, NULL, false, NULL, NULL, 0, NULL}, /* over 20 digits */
};

static void test_extract_table(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_datadog();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const dd_case *k = &cases[i];
        carrier c;
        carrier_init(&c);
        if (k->trace_id) carrier_add(&c, "x-datadog-trace-id", k->trace_id);
        if (k->parent_id) carrier_add(&c, "X-Datadog-Parent-Id", k->parent_id);
        if (k->priority) carrier_add(&c, "x-datadog-sampling-priority", k->priority);
        if (k->origin) carrier_add(&c, "x-datadog-origin", k->origin);
        if (k->tags) carrier_add(&c, "x-datadog-tags", k->tags);
        otelc_context *ctx = extract_from(p, &c);
        otelc_span_context sc = otelc_context_get_span_context(ctx);
        if (otelc_span_context_is_valid(&sc) != k->valid) fail_msg("case %zu validity", i);
        if (k->valid) {
            assert_ids(&sc, k->trace_hex, k->span_hex);
            assert_int_equal(sc.trace_flags, k->flags);
            assert_true(sc.is_remote);
            char buf[512];
            assert_string_equal(ts_text(&sc, buf, sizeof buf), k->tracestate);
        }
        otelc_context_release(ctx);
        carrier_free(&c);
    }
    otelc_propagator_destroy(p);
}

static void test_oversized_tags_ignored(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_datadog();
    char tags[700] = "_dd.p.tid=640cfd8d00000000,_dd.p.big=";
    memset(tags + strlen(tags), 'x', 600);
    carrier c;
    carrier_init(&c);
    carrier_add(&c, "x-datadog-trace-id", "1234567890123456789");
    carrier_add(&c, "x-datadog-parent-id", "987654321");
    carrier_add(&c, "x-datadog-tags", tags);
    otelc_context *ctx = extract_from(p, &c);
    otelc_span_context sc = otelc_context_get_span_context(ctx);
    assert_ids(&sc, "0000000000000000" LO, SP); /* the context survives, the tags do not */
    otelc_context_release(ctx);
    carrier_free(&c);
    otelc_propagator_destroy(p);
}

static void test_inject(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_datadog();
    otelc_context *ctx = make_ctx("640cfd8d00000000" LO, SP, 1, "dd=s:2;o:synthetics;t.dm:-4;t.usr:a~b,foo=bar", NULL);
    carrier c;
    carrier_init(&c);
    otelc_carrier_setter s = carrier_setter(&c);
    otelc_propagator_inject(p, ctx, &s);
    assert_string_equal(carrier_value(&c, "x-datadog-trace-id"), "1234567890123456789");
    assert_string_equal(carrier_value(&c, "x-datadog-parent-id"), "987654321");
    assert_string_equal(carrier_value(&c, "x-datadog-sampling-priority"), "2");
    assert_string_equal(carrier_value(&c, "x-datadog-origin"), "synthetics");
    assert_string_equal(carrier_value(&c, "x-datadog-tags"), "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-4,_dd.p.usr=a=b");
    carrier_free(&c);
    otelc_context_release(ctx);

    /* A priority contradicting the sampled flag yields to the flag; no dd member: 1 or 0. */
    const struct { uint8_t flags; const char *ts; const char *want; } prio[] = {
        {0, "dd=s:2", "0"}, {1, "dd=s:-1", "1"}, {1, "dd=s:0", "1"}, {0, "dd=s:-1", "-1"}, {1, NULL, "1"}, {0, NULL, "0"},
    };
    for (size_t i = 0; i < sizeof prio / sizeof prio[0]; i++) {
        ctx = make_ctx("0000000000000000" LO, SP, prio[i].flags, prio[i].ts, NULL);
        carrier_init(&c);
        s = carrier_setter(&c);
        otelc_propagator_inject(p, ctx, &s);
        assert_string_equal(carrier_value(&c, "x-datadog-sampling-priority"), prio[i].want);
        assert_null(carrier_value(&c, "x-datadog-tags")); /* 64-bit trace id: no tid */
        carrier_free(&c);
        otelc_context_release(ctx);
    }
    otelc_propagator_destroy(p);
}

/* Datadog headers in, W3C out: the traceparent carries the full 128-bit id and the flag, and
 * the dd member leads the tracestate with this hop's span id. */
static void test_datadog_to_w3c(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_from_names("datadog,tracecontext", NULL);
    carrier in;
    carrier_init(&in);
    carrier_add(&in, "x-datadog-trace-id", "1234567890123456789");
    carrier_add(&in, "x-datadog-parent-id", "987654321");
    carrier_add(&in, "x-datadog-sampling-priority", "2");
    carrier_add(&in, "x-datadog-origin", "synthetics");
    carrier_add(&in, "x-datadog-tags", "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-4");
    otelc_context *ctx = extract_from(p, &in);
    carrier out;
    carrier_init(&out);
    otelc_carrier_setter s = carrier_setter(&out);
    otelc_propagator_inject(p, ctx, &s);
    assert_string_equal(carrier_value(&out, "traceparent"), "00-640cfd8d00000000" LO "-" SP "-01");
    assert_string_equal(carrier_value(&out, "tracestate"), "dd=s:2;p:" SP ";o:synthetics;t.dm:-4");
    assert_string_equal(carrier_value(&out, "x-datadog-sampling-priority"), "2");
    assert_string_equal(carrier_value(&out, "x-datadog-tags"), "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-4");
    carrier_free(&out);
    carrier_free(&in);
    otelc_context_release(ctx);
    otelc_propagator_destroy(p);
}

/* W3C in, Datadog out; and the sampled flag wins over a contradicting s: value. */
static void test_w3c_to_datadog(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_from_names("tracecontext,datadog", NULL);
    carrier in;
    carrier_init(&in);
    carrier_add(&in, "traceparent", "00-640cfd8d00000000" LO "-" SP "-00");
    carrier_add(&in, "tracestate", "foo=bar,dd=s:2;o:rum;t.dm:-4;p:0000000000000005");
    otelc_context *ctx = extract_from(p, &in);
    otelc_span_context sc = otelc_context_get_span_context(ctx);
    assert_int_equal(sc.trace_flags, 0);
    carrier out;
    carrier_init(&out);
    otelc_carrier_setter s = carrier_setter(&out);
    otelc_propagator_inject(p, ctx, &s);
    assert_string_equal(carrier_value(&out, "x-datadog-trace-id"), "1234567890123456789");
    assert_string_equal(carrier_value(&out, "x-datadog-sampling-priority"), "0");
    assert_string_equal(carrier_value(&out, "x-datadog-origin"), "rum");
    assert_string_equal(carrier_value(&out, "x-datadog-tags"), "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-4");
    /* our dd member is updated and moved to the front; foo keeps its place after it */
    assert_string_equal(carrier_value(&out, "tracestate"), "dd=s:0;p:" SP ";o:rum;t.dm:-4,foo=bar");
    carrier_free(&out);
    carrier_free(&in);
    otelc_context_release(ctx);
    otelc_propagator_destroy(p);
}

/* Both header sets of one trace: the Datadog extraction keeps the W3C members of other vendors. */
static void test_both_styles_same_trace(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_from_names("tracecontext,datadog", NULL);
    carrier in;
    carrier_init(&in);
    carrier_add(&in, "traceparent", "00-0000000000000000" LO "-" SP "-03");
    carrier_add(&in, "tracestate", "foo=bar");
    carrier_add(&in, "x-datadog-trace-id", "1234567890123456789");
    carrier_add(&in, "x-datadog-parent-id", "987654321");
    carrier_add(&in, "x-datadog-sampling-priority", "1");
    otelc_context *ctx = extract_from(p, &in);
    otelc_span_context sc = otelc_context_get_span_context(ctx);
    char buf[256];
    assert_string_equal(ts_text(&sc, buf, sizeof buf), "dd=s:1;p:" SP ",foo=bar");
    assert_int_equal(sc.trace_flags, 0x03); /* the random flag of the W3C view is kept */
    carrier_free(&in);
    otelc_context_release(ctx);
    otelc_propagator_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_table),
        cmocka_unit_test(test_oversized_tags_ignored),
        cmocka_unit_test(test_inject),
        cmocka_unit_test(test_datadog_to_w3c),
        cmocka_unit_test(test_w3c_to_datadog),
        cmocka_unit_test(test_both_styles_same_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
