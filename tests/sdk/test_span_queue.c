/* The batch processor's span queue (sdk/src/span_queue.h), driven directly: what its destroy reports
 * about the spans it still held. */
#include "test_util.h"

#include "span_queue.h"

/* A provider (capture processor) whose tracer makes the spans, and a 16-span queue. */
typedef struct fixture {
    capture c;
    otelc_tracer_provider *tp;
    otelc_tracer *t;
    span_queue *q;
} fixture;

static void fixture_init(fixture *f) {
    capture_init(&f->c);
    f->tp = capture_provider(&f->c, NULL);
    f->t = test_tracer(f->tp);
    f->q = otelc__sq_create(16);
    assert_non_null(f->q);
}

static void fixture_fini(fixture *f) {
    otelc_tracer_provider_destroy(f->tp);
    capture_fini(&f->c);
}

/* Pushes n ended spans, each with an extra reference for the queue to own. */
static void push_ended(fixture *f, size_t n, bool low_rate) {
    for (size_t i = 0; i < n; i++) {
        otelc_span *s = otelc_tracer_start_span(f->t, "q", NULL);
        assert_non_null(s);
        otelc_span *owned = otelc_span_retain(s);
        otelc_span_end(s, 0);
        bool took_room = false;
        assert_true(otelc__sq_push(f->q, owned, low_rate, &took_room));
    }
}

/* Destroy releases every span it holds and reports the ones never taken (queued, not exported): the
 * batch processor counts those as dropped, so a span pushed after shutdown's last drop is not lost
 * silently. Taken ones are not reported (their batch went to the exporter). */
static void test_destroy_reports_the_queued_spans(void **state) {
    (void)state;
    fixture f;
    fixture_init(&f);
    push_ended(&f, 5, true);
    otelc_span *taken[2];
    assert_int_equal(otelc__sq_take(f.q, taken, 2), 2);
    assert_int_equal(otelc__sq_destroy(f.q), 3);
    assert_int_equal(otelc__sq_destroy(NULL), 0);
    fixture_fini(&f);
}

/* An empty queue, or one whose spans were all taken, reports none. */
static void test_destroy_after_everything_taken_reports_none(void **state) {
    (void)state;
    span_queue *empty = otelc__sq_create(16);
    assert_non_null(empty);
    assert_int_equal(otelc__sq_destroy(empty), 0);
    fixture f;
    fixture_init(&f);
    push_ended(&f, 4, false); /* room taken in a chunk, as when spans come fast */
    otelc_span *taken[4];
    assert_int_equal(otelc__sq_take(f.q, taken, 4), 4);
    assert_int_equal(otelc__sq_destroy(f.q), 0);
    fixture_fini(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_destroy_reports_the_queued_spans),
        cmocka_unit_test(test_destroy_after_everything_taken_reports_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
