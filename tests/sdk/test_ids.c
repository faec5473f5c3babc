/* Ids: random ids are valid and unique, a custom generator is used (and its all-zero ids are
 * replaced); the SDK self-counters. */
#include "test_util.h"

#include <stdio.h>

static int cmp16(const void *a, const void *b) { return memcmp(a, b, 16); }
static int cmp8(const void *a, const void *b) { return memcmp(a, b, 8); }

static void test_random_ids(void **state) {
    (void)state;
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = capture_provider(&c, NULL);
    otelc_tracer *t = test_tracer(tp);
    enum { N = 20000 };
    uint8_t(*tids)[16] = malloc(N * 16);
    uint8_t(*sids)[8] = malloc(N * 8);
    assert_non_null(tids);
    assert_non_null(sids);
    otelc_span_start_options so;
    otelc_span_start_options_init(&so);
    so.root = true;
    for (int i = 0; i < N; i++) {
        otelc_span *s = otelc_tracer_start_span(t, "id", &so);
        otelc_span_context sc = otelc_span_get_context(s);
        assert_true(otelc_span_context_is_valid(&sc));
        /* W3C level 2: the SDK's own generator sets the random flag on roots */
        assert_true(sc.trace_flags & OTELC_TRACE_FLAGS_RANDOM);
        memcpy(tids[i], sc.trace_id, 16);
        memcpy(sids[i], sc.span_id, 8);
        otelc_span_end(s, 0);
        capture_release(&c);
    }
    qsort(tids, N, 16, cmp16);
    qsort(sids, N, 8, cmp8);
    for (int i = 1; i < N; i++) {
        assert_memory_not_equal(tids[i - 1], tids[i], 16);
        assert_memory_not_equal(sids[i - 1], sids[i], 8);
    }
    free(tids);
    free(sids);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
}

typedef struct gen_state {
    int trace_calls, span_calls;
    int zero_first; /* return all-zero ids for this many calls first */
    uint8_t next;
} gen_state;
static void gen_trace(uint8_t out[16], void *ud) {
    gen_state *g = ud;
    g->trace_calls++;
    if (g->trace_calls <= g->zero_first) memset(out, 0, 16);
    else memset(out, ++g->next, 16);
}
static void gen_span(uint8_t out[8], void *ud) {
    gen_state *g = ud;
    g->span_calls++;
    if (g->span_calls <= g->zero_first) memset(out, 0, 8);
    else memset(out, 0xA0, 8);
}

static otelc_tracer_provider *gen_provider(capture *c, gen_state *g) {
    otelc_tracer_provider_options o;
    otelc_tracer_provider_options_init(&o);
    otelc_processor *p = otelc_processor_create(&capture_ops, c);
    o.processors = &p;
    o.processor_count = 1;
    o.sampler = otelc_sampler_always_on();
    otelc_id_generator gen = {gen_trace, gen_span, g};
    o.id_generator = &gen; /* copied: going out of scope is fine */
    otelc_tracer_provider *tp = otelc_tracer_provider_create(&o, NULL);
    assert_non_null(tp);
    return tp;
}

static void test_custom_generator(void **state) {
    (void)state;
    capture c;
    capture_init(&c);
    gen_state g = {0, 0, 0, 0};
    otelc_tracer_provider *tp = gen_provider(&c, &g);
    otelc_tracer *t = test_tracer(tp);
    otelc_span *root = otelc_tracer_start_span(t, "root", NULL);
    otelc_span_context rc = otelc_span_get_context(root);
    uint8_t want_t[16], want_s[8];
    memset(want_t, 1, 16);
    memset(want_s, 0xA0, 8);
    assert_memory_equal(rc.trace_id, want_t, 16);
    assert_memory_equal(rc.span_id, want_s, 8);
    assert_false(rc.trace_flags & OTELC_TRACE_FLAGS_RANDOM); /* the SDK cannot vouch for custom ids */
    otelc_scope sc = otelc_scope_enter(root);
    otelc_span *child = otelc_tracer_start_span(t, "child", NULL);
    assert_int_equal(g.trace_calls, 1); /* a child reuses its parent's trace id */
    assert_int_equal(g.span_calls, 2);
    otelc_span_end(child, 0);
    otelc_scope_exit(sc);
    otelc_span_end(root, 0);
    capture_release(&c);
    otelc_tracer_provider_destroy(tp);

    /* A generator that returns zeros a few times is retried; one that always does is replaced. */
    gen_state g2 = {0, 0, 3, 0};
    tp = gen_provider(&c, &g2);
    otelc_span *s = otelc_tracer_start_span(test_tracer(tp), "retry", NULL);
    otelc_span_context s2 = otelc_span_get_context(s);
    assert_true(otelc_span_context_is_valid(&s2));
    assert_int_equal(s2.trace_id[0], 1);
    assert_int_equal(s2.span_id[0], 0xA0);
    otelc_span_end(s, 0);
    capture_release(&c);
    otelc_tracer_provider_destroy(tp);

    gen_state g3 = {0, 0, 1 << 30, 0};
    tp = gen_provider(&c, &g3);
    s = otelc_tracer_start_span(test_tracer(tp), "zeros", NULL);
    otelc_span_context s3 = otelc_span_get_context(s);
    assert_true(otelc_span_context_is_valid(&s3));
    otelc_span_end(s, 0);
    capture_release(&c);
    otelc_tracer_provider_destroy(tp);

    /* An incomplete generator (one callback NULL) is ignored: the built-in one is used. */
    otelc_tracer_provider_options o;
    otelc_tracer_provider_options_init(&o);
    otelc_id_generator half = {gen_trace, NULL, &g};
    o.id_generator = &half;
    o.sampler = otelc_sampler_always_on();
    int before = g.trace_calls;
    tp = otelc_tracer_provider_create(&o, NULL);
    s = otelc_tracer_start_span(test_tracer(tp), "builtin", NULL);
    otelc_span_context s4 = otelc_span_get_context(s);
    assert_true(otelc_span_context_is_valid(&s4));
    assert_int_equal(g.trace_calls, before);
    otelc_span_end(s, 0);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
}

static void test_counters(void **state) {
    (void)state;
    otelc_sdk_counters a, b;
    otelc_sdk_counters_read(&a);
    otelc_sdk_counter_add(OTELC_COUNTER_EXPORT_BYTES, 100);
    otelc_sdk_counter_add(OTELC_COUNTER_EXPORT_RETRIES, 2);
    otelc_sdk_counter_add(OTELC_COUNTER__COUNT, 5);          /* out of range: ignored */
    otelc_sdk_counter_add((otelc_counter_id)-1, 5);
    otelc_sdk_counters_read(&b);
    assert_int_equal(b.value[OTELC_COUNTER_EXPORT_BYTES] - a.value[OTELC_COUNTER_EXPORT_BYTES], 100);
    assert_int_equal(b.value[OTELC_COUNTER_EXPORT_RETRIES] - a.value[OTELC_COUNTER_EXPORT_RETRIES], 2);
    assert_int_equal(otelc_sdk_counter_get(OTELC_COUNTER__COUNT), 0);
    otelc_sdk_counters_read(NULL);
    assert_string_equal(otelc_sdk_counter_name(OTELC_COUNTER_SPANS_STARTED), "spans_started");
    assert_string_equal(otelc_sdk_counter_name(OTELC_COUNTER_SPANS_DROPPED_QUEUE), "spans_dropped_queue");
    assert_string_equal(otelc_sdk_counter_name(OTELC_COUNTER__COUNT), "unknown");
    /* every counter has a distinct snake_case name */
    for (int i = 0; i < OTELC_COUNTER__COUNT; i++) {
        const char *n = otelc_sdk_counter_name((otelc_counter_id)i);
        assert_non_null(n);
        for (const char *p = n; *p; p++) assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
        for (int j = 0; j < i; j++) assert_string_not_equal(n, otelc_sdk_counter_name((otelc_counter_id)j));
    }

    /* started / ended / not sampled */
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = capture_provider(&c, otelc_sampler_trace_id_ratio(0.0));
    counter_snap cs;
    snap(&cs);
    for (int i = 0; i < 5; i++) otelc_span_end(otelc_tracer_start_span(test_tracer(tp), "n", NULL), 0);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_NOT_SAMPLED), 5);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_STARTED), 0);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_ENDED), 0);
    assert_int_equal(c.count, 0);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_ids),
        cmocka_unit_test(test_custom_generator),
        cmocka_unit_test(test_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
