/* Zipkin B3, single and multi header, from the b3-propagation README's examples. */
#include "prop_test.h"

#define T "80f198ee56343ba864fe8b2a57d3eff7"
#define S "e457b5a2e4d86bd1"

typedef struct b3_case {
    const char *single;                          /* b3 header or NULL */
    const char *trace, *span, *sampled, *flags; /* X-B3-* or NULL */
    bool valid;
    const char *trace_hex;
    uint8_t tflags;
} b3_case;

static const b3_case cases[] = {
    {T "-" S "-1-05e3ac9a4f6e3b90", NULL, NULL, NULL, NULL, true, T, 1},
    {T "-" S "-1", NULL, NULL, NULL, NULL, true, T, 1},
    {T "-" S "-d", NULL, NULL, NULL, NULL, true, T, 1}, /* debug implies sampled */
    {T "-" S "-0", NULL, NULL, NULL, NULL, true, T, 0},
    {T "-" S, NULL, NULL, NULL, NULL, true, T, 0},      /* deferred decision */
    {" " T "-" S "-1 ", NULL, NULL, NULL, NULL, true, T, 1},
    {"64fe8b2a57d3eff7-" S "-1", NULL, NULL, NULL, NULL, true, "000000000000000064fe8b2a57d3eff7", 1},
    {"0", NULL, NULL, NULL, NULL, false, NULL, 0}, /* sampling state only: no ids */
    {"1", NULL, NULL, NULL, NULL, false, NULL, 0},
    {"d", NULL, NULL, NULL, NULL, false, NULL, 0},
    {T "-" S "-x", NULL, NULL, NULL, NULL, false, NULL, 0},
    {T "-" S "-1-05e3ac9a4f6e3b9", NULL, NULL, NULL, NULL, false, NULL, 0},
    {T "-" S "-1-05e3ac9a4f6e3b90-extra", NULL, NULL, NULL, NULL, false, NULL, 0},
    {"80F198EE56343BA864FE8B2A57D3EFF7-" S "-1", NULL, NULL, NULL, NULL, false, NULL, 0},
    {"80f198ee56343ba864fe8-" S "-1", NULL, NULL, NULL, NULL, false, NULL, 0},
    {"00000000000000000000000000000000-" S "-1", NULL, NULL, NULL, NULL, false, NULL, 0},
    {T "-0000000000000000-1", NULL, NULL, NULL, NULL, false, NULL, 0},
    {T "--1", NULL, NULL, NULL, NULL, false, NULL, 0},
    {"-", NULL, NULL, NULL, NULL, false, NULL, 0},
    {"", NULL, NULL, NULL, NULL, false, NULL, 0},
    {NULL, T, S, "1", NULL, true, T, 1},
    {NULL, T, S, "0", NULL, true, T, 0},
    {NULL, T, S, NULL, NULL, true, T, 0},
    {NULL, T, S, "true", NULL, true, T, 1},
    {NULL, T, S, "0", "1", true, T, 1}, /* X-B3-Flags: 1 is debug */
    {NULL, "64fe8b2a57d3eff7", S, "1", NULL, true, "000000000000000064fe8b2a57d3eff7", 1},
    {NULL, T, S, "yes", NULL, false, NULL, 0},
    {NULL, T, NULL, "1", NULL, false, NULL, 0},
    {NULL, NULL, S, "1", NULL, false, NULL, 0},
    {NULL, "xyz", S, "1", NULL, false, NULL, 0},
    /* a bad single header falls back to the multi headers */
    {"garbage", T, S, "1", NULL, true, T, 1},
    /* the single header wins when both are valid */
    {"0000000000000000" "64fe8b2a57d3eff7-" S "-0", T, S, "1", NULL, true, "000000000000000064fe8b2a57d3eff7", 0},
};

static void test_extract_table(void **state) {
    (void)state;
    otelc_propagator *props[2] = {otelc_propagator_b3(false), otelc_propagator_b3(true)};
    for (int pi = 0; pi < 2; pi++) /* both forms extract both header styles */
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            const b3_case *k = &cases[i];
            carrier c;
            carrier_init(&c);
            if (k->single) carrier_add(&c, "b3", k->single);
            if (k->trace) carrier_add(&c, "X-B3-TraceId", k->trace);
            if (k->span) carrier_add(&c, "X-B3-SpanId", k->span);
            if (k->sampled) carrier_add(&c, "X-B3-Sampled", k->sampled);
            if (k->flags) carrier_add(&c, "X-B3-Flags", k->flags);
            otelc_context *ctx = extract_from(props[pi], &c);
            otelc_span_context sc = otelc_context_get_span_context(ctx);
            if (otelc_span_context_is_valid(&sc) != k->valid) fail_msg("case %zu validity", i);
            if (k->valid) {
                assert_ids(&sc, k->trace_hex, S);
                assert_int_equal(sc.trace_flags, k->tflags);
                assert_true(sc.is_remote);
            }
            otelc_context_release(ctx);
            carrier_free(&c);
        }
    otelc_propagator_destroy(props[0]);
    otelc_propagator_destroy(props[1]);
}

static void test_inject(void **state) {
    (void)state;
    otelc_propagator *single = otelc_propagator_b3(false), *multi = otelc_propagator_b3(true);
    assert_string_equal(otelc_propagator_name(single), "b3");
    assert_string_equal(otelc_propagator_name(multi), "b3multi");
    otelc_context *ctx = make_ctx(T, S, 0x03, NULL, NULL);
    carrier c;
    carrier_init(&c);
    otelc_carrier_setter s = carrier_setter(&c);
    otelc_propagator_inject(single, ctx, &s);
    assert_string_equal(carrier_value(&c, "b3"), T "-" S "-1");
    assert_int_equal(c.count, 1);
    carrier_free(&c);
    otelc_context_release(ctx);

    ctx = make_ctx(T, S, 0x00, NULL, NULL);
    carrier_init(&c);
    s = carrier_setter(&c);
    otelc_propagator_inject(multi, ctx, &s);
    assert_string_equal(carrier_value(&c, "x-b3-traceid"), T);
    assert_string_equal(carrier_value(&c, "x-b3-spanid"), S);
    assert_string_equal(carrier_value(&c, "x-b3-sampled"), "0");
    assert_null(carrier_value(&c, "b3"));
    carrier_free(&c);
    otelc_context_release(ctx);
    otelc_propagator_destroy(single);
    otelc_propagator_destroy(multi);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_table),
        cmocka_unit_test(test_inject),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
