/* W3C Trace Context: traceparent and tracestate extraction and injection, table-driven from the
 * recommendation's rules and the cases of the W3C test suite (w3c/trace-context test/test.py). */
#include "prop_test.h"

#define T "4bf92f3577b34da6a3ce929d0e0e4736"
#define S "00f067aa0ba902b7"

typedef struct tp_case {
    const char *header;
    bool valid;
    uint8_t flags; /* expected when valid */
} tp_case;

static const tp_case tp_cases[] = {
    {"00-" T "-" S "-01", true, 0x01},
    {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", true, 0x01},
    {"00-" T "-" S "-00", true, 0x00},
    {"00-" T "-" S "-02", true, 0x02},          /* Level 2 random flag alone */
    {"00-" T "-" S "-03", true, 0x03},          /* sampled + random */
    {"00-" T "-" S "-ff", true, 0x03},          /* unknown flags are not propagated */
    {"  00-" T "-" S "-01\t ", true, 0x01},     /* optional whitespace around the value */
    {"01-" T "-" S "-01", true, 0x01},          /* a future version, same layout */
    {"cc-" T "-" S "-01-what-the-future-will-be-like", true, 0x01},
    {"fe-" T "-" S "-09-", true, 0x01},         /* future version: extra fields after '-' ignored */
    {"cc-" T "-" S "-01.what", false, 0},       /* future fields must start with '-' */
    {"ff-" T "-" S "-01", false, 0},            /* version ff is invalid */
    {"00-" T "-" S "-01-extra", false, 0},      /* version 00 is exactly 55 characters */
    {"00-" T "-" S "-01 extra", false, 0},
    {"0A-" T "-" S "-01", false, 0},            /* uppercase hex */
    {"00-4BF92F3577B34DA6A3CE929D0E0E4736-" S "-01", false, 0},
    {"00-" T "-00F067AA0BA902B7-01", false, 0},
    {"00-" T "-" S "-0A", false, 0},
    {"00-00000000000000000000000000000000-" S "-01", false, 0}, /* all-zero trace id */
    {"00-" T "-0000000000000000-01", false, 0},                 /* all-zero parent id */
    {"00-4bf92f3577b34da6a3ce929d0e0e473-" S "-01", false, 0},  /* short trace id */
    {"00-" T "-00f067aa0ba902b-01", false, 0},
    {"00-" T "-" S "-1", false, 0},
    {"00_" T "-" S "-01", false, 0},
    {"00-" T "_" S "-01", false, 0},
    {"00-" T "-" S "_01", false, 0},
    {"00-4bf92f3577b34da6a3ce929d0e0e473g-" S "-01", false, 0}, /* non-hex */
    {"0-" T "-" S "-01", false, 0},
    {"000-" T "-" S "-01", false, 0},
    {"", false, 0},
    {"   ", false, 0},
    {"00-" T "-" S "-01,00-" T "-" S "-01", false, 0}, /* duplicated header, joined */
    {"00", false, 0},
    {"00-" T, false, 0},
};

static void test_traceparent_table(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_tracecontext();
    for (size_t i = 0; i < sizeof tp_cases / sizeof tp_cases[0]; i++) {
        carrier c;
        carrier_init(&c);
        carrier_add(&c, "traceparent", tp_cases[i].header);
        otelc_context *ctx = extract_from(p, &c);
        otelc_span_context sc = otelc_context_get_span_context(ctx);
        if (otelc_span_context_is_valid(&sc) != tp_cases[i].valid) fail_msg("case %zu: \"%s\"", i, tp_cases[i].header);
        if (tp_cases[i].valid) {
            assert_true(sc.is_remote);
            assert_int_equal(sc.trace_flags, tp_cases[i].flags);
            assert_null(otelc_context_get_baggage(ctx));
        }
        otelc_context_release(ctx);
        carrier_free(&c);
    }
    otelc_propagator_destroy(p);
}

static void test_traceparent_ids(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_tracecontext();
    carrier c;
    carrier_init(&c);
    carrier_add(&c, "TraceParent", "00-" T "-" S "-01"); /* header names are case-insensitive */
    otelc_context *ctx = extract_from(p, &c);
    otelc_span_context sc = otelc_context_get_span_context(ctx);
    assert_ids(&sc, T, S);
    assert_null(sc.trace_state);
    otelc_context_release(ctx);
    carrier_free(&c);
    otelc_propagator_destroy(p);
}

typedef struct ts_case {
    const char *header;
    const char *expect; /* NULL: the tracestate is discarded */
} ts_case;

static char long_key[300], long_value[300], max_key[300], max_value[300], members32[600], members33[600];

static void build_long_cases(void) {
    memset(max_key, 'k', 256);
    max_key[256] = '\0';
    memcpy(long_key, max_key, 257);
    strcat(long_key, "k");
    memset(max_value, 'v', 256);
    max_value[256] = '\0';
    memcpy(long_value, max_value, 257);
    strcat(long_value, "v");
    members32[0] = members33[0] = '\0';
    for (int i = 0; i < 33; i++) {
        char m[16];
        snprintf(m, sizeof m, "%sk%d=%d", i ? "," : "", i, i);
        if (i < 32) strcat(members32, m);
        strcat(members33, m);
    }
}

static void test_tracestate_table(void **state) {
    (void)state;
    build_long_cases();
    char kv_max[700], kv_long_key[700], kv_long_value[700];
    snprintf(kv_max, sizeof kv_max, "%s=%s", max_key, max_value);
    snprintf(kv_long_key, sizeof kv_long_key, "%s=1", long_key);
    snprintf(kv_long_value, sizeof kv_long_value, "a=%s", long_value);
    const ts_case cases[] = {
        {"foo=1,bar=2", "foo=1,bar=2"},
        {"bar=2,foo=1", "bar=2,foo=1"}, /* order kept */
        {"foo=1,,bar=2", "foo=1,bar=2"}, /* empty members are skipped */
        {" foo=1 ,\tbar=2 ", "foo=1,bar=2"},
        {",foo=1,", "foo=1"},
        {"foo=b ar", "foo=b ar"},        /* inner space is a valid value character */
        {"tenant@system=1", "tenant@system=1"},
        {"1tenant@sys=x", "1tenant@sys=x"}, /* a tenant id may start with a digit */
        {"a-_*/b=!\"#$%&'()*+-./09:;<>?@AZ[\\]^_`az{|}~", "a-_*/b=!\"#$%&'()*+-./09:;<>?@AZ[\\]^_`az{|}~"},
        {"foo=1,foo=2", NULL},          /* duplicate key */
        {"Foo=1", NULL},                /* uppercase key */
        {"1foo=1", NULL},               /* simple keys start with a letter */
        {"foo", NULL},
        {"foo=", NULL},
        {"=1", NULL},
        {"foo=b=ar", NULL},
        {"foo=1,bar", NULL},            /* one bad member voids the header */
        {"t@=1", NULL},
        {"@s=1", NULL},
        {"tenant@1sys=1", NULL},        /* system id starts with a letter */
        {"tenant@systemsystem155=1", NULL}, /* system id at most 14 */
        {"tenant@systemsystem15=1", "tenant@systemsystem15=1"},
        {"foo=\x7f", NULL},
        {"foo=caf\xc3\xa9", NULL},       /* non-ASCII */
        {kv_max, kv_max},
        {kv_long_key, NULL},
        {kv_long_value, NULL},
        {members32, members32},
        {members33, NULL},              /* over 32 members */
    };
    otelc_propagator *p = otelc_propagator_tracecontext();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        carrier c;
        carrier_init(&c);
        carrier_add(&c, "traceparent", "00-" T "-" S "-01");
        carrier_add(&c, "tracestate", cases[i].header);
        otelc_context *ctx = extract_from(p, &c);
        otelc_span_context sc = otelc_context_get_span_context(ctx);
        assert_true(otelc_span_context_is_valid(&sc)); /* a bad tracestate never voids traceparent */
        char buf[20000];
        if (cases[i].expect) {
            if (!sc.trace_state) fail_msg("case %zu rejected: \"%s\"", i, cases[i].header);
            assert_string_equal(ts_text(&sc, buf, sizeof buf), cases[i].expect);
        } else if (sc.trace_state) {
            fail_msg("case %zu accepted: \"%s\"", i, cases[i].header);
        }
        otelc_context_release(ctx);
        carrier_free(&c);
    }
    otelc_propagator_destroy(p);
}

static void test_tracestate_repeated_headers(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_tracecontext();
    carrier c;
    carrier_init(&c);
    carrier_add(&c, "traceparent", "00-" T "-" S "-01");
    carrier_add(&c, "tracestate", "foo=1");
    carrier_add(&c, "tracestate", "bar=2");
    otelc_context *ctx = extract_from(p, &c);
    otelc_span_context sc = otelc_context_get_span_context(ctx);
    char buf[256];
    assert_string_equal(ts_text(&sc, buf, sizeof buf), "foo=1,bar=2");
    otelc_context_release(ctx);
    carrier_free(&c);

    /* tracestate alone is not a context */
    carrier_init(&c);
    carrier_add(&c, "tracestate", "foo=1");
    ctx = extract_from(p, &c);
    sc = otelc_context_get_span_context(ctx);
    assert_false(otelc_span_context_is_valid(&sc));
    otelc_context_release(ctx);
    carrier_free(&c);
    otelc_propagator_destroy(p);
}

static void test_inject(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_tracecontext();
    otelc_context *ctx = make_ctx(T, S, 0x03, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", NULL);
    carrier c;
    carrier_init(&c);
    otelc_carrier_setter s = carrier_setter(&c);
    otelc_propagator_inject(p, ctx, &s);
    assert_string_equal(carrier_value(&c, "traceparent"), "00-" T "-" S "-03");
    assert_string_equal(carrier_value(&c, "tracestate"), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    carrier_free(&c);
    otelc_context_release(ctx);

    /* our own member updated: moved to the front, the others keep their order */
    otelc_trace_state *ts = otelc_trace_state_parse("rojo=1,congo=2,ours=old", 23);
    otelc_trace_state *ts2 = otelc_trace_state_set(ts, "ours", "new");
    char buf[128];
    assert_int_equal(otelc_trace_state_to_header(ts2, buf, sizeof buf), 23);
    assert_string_equal(buf, "ours=new,rojo=1,congo=2");
    otelc_trace_state_release(ts);
    otelc_trace_state_release(ts2);

    /* an invalid context injects nothing */
    carrier_init(&c);
    s = carrier_setter(&c);
    otelc_propagator_inject(p, NULL, &s);
    otelc_context *empty = otelc_context_create(NULL, NULL);
    otelc_propagator_inject(p, empty, &s);
    assert_int_equal(c.count, 0);
    otelc_context_release(empty);
    carrier_free(&c);
    otelc_propagator_destroy(p);
}

static void test_extract_keeps_base_baggage(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_tracecontext();
    otelc_baggage *bag = otelc_baggage_set(NULL, "k", "v", NULL);
    otelc_context *base = otelc_context_create(NULL, bag);
    carrier c;
    carrier_init(&c);
    carrier_add(&c, "traceparent", "00-" T "-" S "-01");
    otelc_carrier_getter g = carrier_getter(&c);
    otelc_context *ctx = otelc_propagator_extract(p, base, &g);
    assert_string_equal(otelc_baggage_get(otelc_context_get_baggage(ctx), "k"), "v");
    otelc_span_context sc = otelc_context_get_span_context(ctx);
    assert_true(otelc_span_context_is_valid(&sc));
    otelc_context_release(ctx);
    /* nothing found: base comes back */
    carrier_free(&c);
    carrier_init(&c);
    g = carrier_getter(&c);
    ctx = otelc_propagator_extract(p, base, &g);
    assert_ptr_equal(ctx, base);
    otelc_context_release(ctx);
    carrier_free(&c);
    otelc_context_release(base);
    otelc_baggage_release(bag);
    otelc_propagator_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traceparent_table),
        cmocka_unit_test(test_traceparent_ids),
        cmocka_unit_test(test_tracestate_table),
        cmocka_unit_test(test_tracestate_repeated_headers),
        cmocka_unit_test(test_inject),
        cmocka_unit_test(test_extract_keeps_base_baggage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
