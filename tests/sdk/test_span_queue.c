/* The batch processor's span queue (sdk/src/span_queue.h), driven directly: what its destroy reports
 * about the spans it still held. */
#include "test_util.h"

#include "span_queue.h"

/* Ended spans with an extra reference each, for the queue to own. */
static void make_spans(otelc_tracer *t, otelc_span **out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        otelc_span *s = otelc_tracer_start_span(t, "q", NULL);
        assert_non_null(s);
        out[i] = otelc_span_retain(s);
        otelc_span_end(s, 0);
    }
}

/* Destroy releases every span it holds and reports the ones never taken (queued, not exported): the
 * batch processor counts those as dropped, so a span pushed after shutdown's last drop is not lost
 * silently. Taken ones are not reported (their batch went to the exporter). */
static void test_destroy_reports_the_queued_spans(void **state) {
    (void)state;
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = capture_provider(&c, NULL);
    otelc_tracer *t = test_tracer(tp);
    span_queue *q = otelc__sq_create(16);
    assert_non_null(q);
    otelc_span *spans[5];
    make_spans(t, spans, 5);
    for (size_t i = 0; i < 5; i++) {
        bool took_room = false;
        assert_true(otelc__sq_push(q, spans[i], true, &took_room));
    }
    otelc_span *taken[2];
    assert_int_equal(otelc__sq_take(q, taken, 2), 2);
    assert_int_equal(otelc__sq_destroy(q), 3);
    assert_int_equal(otelc__sq_destroy(NULL), 0);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
}

/* An empty queue, or one whose spans were all taken, reports none. */
static void test_destroy_after_everything_taken_reports_none(void **state) {
    (void)state;
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = capture_provider(&c, NULL);
    otelc_tracer *t = test_tracer(tp);
    span_queue *empty = otelc__sq_create(16);
    assert_non_null(empty);
    assert_int_equal(otelc__sq_destroy(empty), 0);
    span_queue *q = otelc__sq_create(16);
    assert_non_null(q);
    otelc_span *spans[4], *taken[4];
    make_spans(t, spans, 4);
    for (size_t i = 0; i < 4; i++) {
        bool took_room = false;
        assert_true(otelc__sq_push(q, spans[i], false, &took_room));
    }
    assert_int_equal(otelc__sq_take(q, taken, 4), 4);
    assert_int_equal(otelc__sq_destroy(q), 0);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_destroy_reports_the_queued_spans),
        cmocka_unit_test(test_destroy_after_everything_taken_reports_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
