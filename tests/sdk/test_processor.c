/* Processors: simple, batch (options from OTEL_BSP_*, size and delay triggers, flush, shutdown, full
 * queue, hanging exporter), multi; spans in flight at provider shutdown. No timed assertions: waits
 * block until the expected state, and ctest's timeout is the guard. */
#include "test_util.h"

#include <stdio.h>

static const char *bsp_vars[] = {"OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT",
                                 "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"};
static void clear_bsp_env(void) {
    for (size_t i = 0; i < 4; i++) unsetenv(bsp_vars[i]);
}

static otelc_processor *batch_with(rec_exporter *rec, uint32_t queue, uint32_t batch, uint32_t delay_ms) {
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    bo.max_queue_size = queue;
    bo.max_export_batch_size = batch;
    bo.schedule_delay_ms = delay_ms;
    return batch_from(rec, &bo);
}

static void test_simple_processor(void **state) {
    (void)state;
    rec_exporter rec;
    rec_init(&rec);
    otelc_processor *p = otelc_simple_processor_create(rec_exporter_make(&rec));
    assert_non_null(p);
    otelc_tracer_provider *tp = provider_with(p, NULL);
    otelc_tracer *t = test_tracer(tp);
    counter_snap cs;
    snap(&cs);
    end_n(t, "a", 3);
    assert_int_equal(rec.count, 3); /* synchronous */
    assert_int_equal(rec.calls, 3);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_EXPORTED), 3);
    rec.fail = true;
    end_n(t, "f", 2);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_EXPORT_FAILED), 2);
    rec.fail = false;
    assert_int_equal(otelc_tracer_provider_force_flush(tp, 1000), OTELC_OK);
    assert_int_equal(rec.flushes, 1);

    otelc_span *in_flight = otelc_tracer_start_span(t, "in-flight", NULL);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 1000), OTELC_OK);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 1000), OTELC_OK); /* idempotent */
    assert_int_equal(rec.shutdowns, 1);
    assert_int_equal(otelc_tracer_provider_force_flush(tp, 10), OTELC_ERR_ALREADY_SHUTDOWN);
    snap(&cs);
    otelc_span_end(in_flight, 0); /* ended after shutdown: dropped and counted, never exported */
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN), 1);
    otelc_span *after = otelc_tracer_start_span(t, "after", NULL);
    assert_false(otelc_span_is_recording(after));
    otelc_span_end(after, 0);
    assert_int_equal(rec.count, 5);
    assert_null(rec_find(&rec, "in-flight"));
    otelc_tracer_provider_destroy(tp);
    assert_true(rec.destroyed);
    rec_fini(&rec);

    assert_null(otelc_simple_processor_create(NULL));
    assert_int_equal(otelc_processor_force_flush(NULL, 0), OTELC_ERR_INVALID_ARGUMENT);
    assert_int_equal(otelc_processor_shutdown(NULL, 0), OTELC_ERR_INVALID_ARGUMENT);
    otelc_processor_destroy(NULL);
    assert_int_equal(otelc_tracer_provider_force_flush(NULL, 0), OTELC_ERR_INVALID_ARGUMENT);
    assert_int_equal(otelc_tracer_provider_shutdown(NULL, 0), OTELC_ERR_INVALID_ARGUMENT);
    otelc_tracer_provider_destroy(NULL);
}

static void test_unsampled_not_exported(void **state) {
    (void)state;
    rec_exporter rec;
    rec_init(&rec);
    otelc_processor *parts[2] = {otelc_simple_processor_create(rec_exporter_make(&rec)), NULL};
    rec_exporter rec2;
    rec_init(&rec2);
    parts[1] = batch_with(&rec2, 16, 4, 3600000);
    otelc_tracer_provider *tp =
        provider_with(otelc_multi_processor_create(parts, 2), otelc_sampler_parent_based(NULL, NULL, NULL, NULL, NULL));
    otelc_tracer *t = test_tracer(tp);
    /* A child of a not-sampled remote parent: non-recording; nothing exported. */
    otelc_span_context parent;
    memset(&parent, 0, sizeof parent);
    memset(parent.trace_id, 1, 16);
    memset(parent.span_id, 1, 8);
    parent.is_remote = true;
    otelc_context *ctx = otelc_context_create_remote(&parent, NULL);
    otelc_span_start_options so;
    otelc_span_start_options_init(&so);
    so.parent = ctx;
    otelc_span_end(otelc_tracer_start_span(t, "unsampled", &so), 0);
    otelc_context_release(ctx);
    otelc_tracer_provider_shutdown(tp, 5000);
    assert_int_equal(rec.count, 0);
    assert_int_equal(rec2.count, 0);
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
    rec_fini(&rec2);
}

static void test_batch_options_env(void **state) {
    (void)state;
    clear_bsp_env();
    otelc_batch_options o;
    otelc_batch_options_init(&o);
    assert_int_equal(o.struct_size, sizeof o);
    assert_int_equal(o.max_queue_size, 2048);
    assert_int_equal(o.schedule_delay_ms, 5000);
    assert_int_equal(o.export_timeout_ms, 30000);
    assert_int_equal(o.max_export_batch_size, 512);
    setenv("OTEL_BSP_MAX_QUEUE_SIZE", "100", 1);
    setenv("OTEL_BSP_SCHEDULE_DELAY", "250", 1);
    setenv("OTEL_BSP_EXPORT_TIMEOUT", "0", 1);
    setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10", 1);
    otelc_batch_options_init(&o);
    assert_int_equal(o.max_queue_size, 100);
    assert_int_equal(o.schedule_delay_ms, 250);
    assert_int_equal(o.export_timeout_ms, 0);
    assert_int_equal(o.max_export_batch_size, 10);
    /* batch larger than queue: clamped to the queue, with one diagnostic */
    setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1000", 1);
    logs_start(OTELC_LOG_WARN);
    otelc_batch_options_init(&o);
    logs_stop();
    assert_int_equal(logs_count(), 1);
    assert_int_equal(o.max_export_batch_size, 100);
    /* invalid values: one diagnostic each, default kept */
    const char *bad[] = {"0x", "-5", "1e3", "abc", "4294967296"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (size_t v = 0; v < 4; v++) setenv(bsp_vars[v], bad[i], 1);
        logs_start(OTELC_LOG_WARN);
        otelc_batch_options_init(&o);
        logs_stop();
        assert_int_equal(logs_count(), 4);
        assert_int_equal(o.max_queue_size, 2048);
        assert_int_equal(o.schedule_delay_ms, 5000);
        assert_int_equal(o.export_timeout_ms, 30000);
        assert_int_equal(o.max_export_batch_size, 512);
    }
    /* zero queue or batch size is invalid (minimum 1) */
    setenv("OTEL_BSP_MAX_QUEUE_SIZE", "0", 1);
    setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0", 1);
    unsetenv("OTEL_BSP_SCHEDULE_DELAY");
    unsetenv("OTEL_BSP_EXPORT_TIMEOUT");
    otelc_batch_options_init(&o);
    assert_int_equal(o.max_queue_size, 2048);
    assert_int_equal(o.max_export_batch_size, 512);
    /* a queue size above the ring limit (2^24) is refused with one diagnostic, keeping the default, so
     * the processor can still be created */
    setenv("OTEL_BSP_MAX_QUEUE_SIZE", "100000000", 1);
    unsetenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
    logs_start(OTELC_LOG_WARN);
    otelc_batch_options_init(&o);
    logs_stop();
    assert_int_equal(logs_count(), 1);
    assert_int_equal(o.max_queue_size, 2048);
    {
        rec_exporter big;
        rec_init(&big);
        otelc_processor *bp = otelc_batch_processor_create(rec_exporter_make(&big), NULL, NULL);
        assert_non_null(bp);
        otelc_processor_destroy(bp);
        assert_true(big.destroyed);
        rec_fini(&big);
    }
    /* a processor created with NULL options uses the environment */
    setenv("OTEL_BSP_MAX_QUEUE_SIZE", "3", 1);
    setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "2", 1);
    setenv("OTEL_BSP_SCHEDULE_DELAY", "3600000", 1);
    rec_exporter rec;
    rec_init(&rec);
    otelc_processor *p = otelc_batch_processor_create(rec_exporter_make(&rec), NULL, NULL);
    clear_bsp_env();
    assert_non_null(p);
    otelc_tracer_provider *tp = provider_with(p, NULL);
    counter_snap cs;
    snap(&cs);
    /* hold the worker in export so the queue fills deterministically */
    rec.hang = true;
    end_n(test_tracer(tp), "x", 2);
    rec_wait_in_export(&rec);
    end_n(test_tracer(tp), "x", 5); /* 3 fit, 2 dropped */
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE), 2);
    rec_release_hang(&rec);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 30000), OTELC_OK);
    assert_int_equal(rec.count, 5);
    assert_true(rec.max_batch <= 2);
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

static void test_batch_create_invalid(void **state) {
    (void)state;
    otelc_error err;
    assert_null(otelc_batch_processor_create(NULL, NULL, &err));
    assert_int_equal(err.code, OTELC_ERR_INVALID_ARGUMENT);
    struct { uint32_t q, b; } bad[] = {{0, 1}, {10, 0}, {10, 11}, {(1u << 24) + 1, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rec_exporter rec;
        rec_init(&rec);
        otelc_batch_options o;
        otelc_batch_options_init(&o);
        o.max_queue_size = bad[i].q;
        o.max_export_batch_size = bad[i].b;
        memset(&err, 0, sizeof err);
        assert_null(otelc_batch_processor_create(rec_exporter_make(&rec), &o, &err));
        assert_int_equal(err.code, OTELC_ERR_INVALID_ARGUMENT);
        assert_true(strlen(err.message) > 0);
        assert_true(rec.destroyed); /* ownership taken also on failure */
        rec_fini(&rec);
    }
    /* unknown (smaller) struct_size: defaults */
    rec_exporter rec;
    rec_init(&rec);
    otelc_batch_options o;
    memset(&o, 0, sizeof o);
    o.struct_size = 1;
    otelc_processor *p = otelc_batch_processor_create(rec_exporter_make(&rec), &o, &err);
    assert_non_null(p);
    otelc_processor_destroy(p);
    assert_true(rec.destroyed);
    assert_int_equal(rec.shutdowns, 1);
    rec_fini(&rec);
}

static void test_batch_size_trigger_and_flush(void **state) {
    (void)state;
    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_with(&rec, 64, 10, 3600000), NULL);
    otelc_tracer *t = test_tracer(tp);
    end_n(t, "s", 10);
    rec_wait_count(&rec, 10); /* a full batch goes without waiting for the (one hour) delay */
    assert_int_equal(rec.max_batch, 10);
    end_n(t, "f", 5);
    assert_int_equal(otelc_tracer_provider_force_flush(tp, 30000), OTELC_OK);
    assert_int_equal(rec_count(&rec), 15);
    assert_true(rec.flushes >= 1);
    assert_int_equal(otelc_tracer_provider_force_flush(tp, 30000), OTELC_OK); /* empty flush */
    end_n(t, "z", 25);
    assert_int_equal(otelc_tracer_provider_force_flush(tp, 30000), OTELC_OK);
    assert_int_equal(rec_count(&rec), 40);
    assert_true(rec.max_batch <= 10);
    otelc_tracer_provider_destroy(tp);
    assert_int_equal(rec.shutdowns, 1);
    assert_true(rec.destroyed);
    rec_fini(&rec);
}

static void test_batch_delay_trigger(void **state) {
    (void)state;
    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_with(&rec, 64, 32, 5), NULL);
    end_n(test_tracer(tp), "d", 3);
    rec_wait_count(&rec, 3); /* under the batch size: only the delay exports them */
    end_n(test_tracer(tp), "d", 2);
    rec_wait_count(&rec, 5);
    otelc_tracer_provider_destroy(tp);
    assert_int_equal(rec.count, 5);
    rec_fini(&rec);
}

static void test_batch_shutdown_exports_queued(void **state) {
    (void)state;
    rec_exporter rec;
    rec_init(&rec);
    otelc_processor *p = batch_with(&rec, 64, 32, 3600000);
    otelc_tracer_provider *tp = provider_with(p, NULL);
    otelc_tracer *t = test_tracer(tp);
    end_n(t, "q", 7);
    otelc_span *in_flight = otelc_tracer_start_span(t, "in-flight", NULL);
    counter_snap cs;
    snap(&cs);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 30000), OTELC_OK);
    assert_int_equal(rec_count(&rec), 7);
    assert_int_equal(otelc_processor_shutdown(p, 0), OTELC_OK); /* idempotent, returns at once */
    assert_int_equal(otelc_processor_force_flush(p, 0), OTELC_ERR_ALREADY_SHUTDOWN);
    assert_int_equal(rec.shutdowns, 1);
    otelc_span_end(in_flight, 0);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN), 1);
    assert_int_equal(rec_count(&rec), 7);
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

static void test_batch_full_queue_never_blocks(void **state) {
    (void)state;
    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_with(&rec, 4, 4, 3600000), NULL);
    otelc_tracer *t = test_tracer(tp);
    counter_snap cs;
    snap(&cs);
    rec.hang = true;
    end_n(t, "first", 4);
    rec_wait_in_export(&rec); /* the worker holds 4 spans in a stuck export */
    end_n(t, "queued", 4);
    end_n(t, "dropped", 3); /* queue full: these return at once, dropped and counted */
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE), 3);
    rec_release_hang(&rec);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 30000), OTELC_OK);
    assert_int_equal(rec_count(&rec), 8);
    assert_null(rec_find(&rec, "dropped"));
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_EXPORTED), 8);
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

static void test_batch_shutdown_with_hanging_exporter(void **state) {
    (void)state;
    rec_exporter rec;
    rec_init(&rec);
    otelc_processor *p = batch_with(&rec, 16, 1, 3600000);
    otelc_tracer_provider *tp = provider_with(p, NULL);
    otelc_tracer *t = test_tracer(tp);
    counter_snap cs;
    snap(&cs);
    rec.hang = true;
    end_n(t, "stuck", 1);
    rec_wait_in_export(&rec);
    end_n(t, "queued", 2);
    /* Shutdown gives up after its timeout instead of waiting for the stuck export. */
    assert_int_equal(otelc_processor_shutdown(p, 50), OTELC_ERR_TIMEOUT);
    assert_int_equal(otelc_processor_shutdown(p, 50), OTELC_OK);
    /* The detached worker finishes once the export returns; the state is freed exactly once. */
    rec_release_hang(&rec);
    pthread_mutex_lock(&rec.lock);
    while (rec.shutdowns == 0) pthread_cond_wait(&rec.cond, &rec.lock);
    pthread_mutex_unlock(&rec.lock);
    otelc_tracer_provider_destroy(tp);
    rec_wait_destroyed(&rec);
    /* every span is accounted for: exported, or dropped because of the shutdown */
    assert_true(rec.count >= 1);
    assert_int_equal(rec.count + delta(&cs, OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN), 3);
    assert_int_equal(rec.count, delta(&cs, OTELC_COUNTER_SPANS_EXPORTED));
    assert_int_equal(rec.shutdowns, 1);
    rec_fini(&rec);
}

/* on_start may set attributes; multi fans out to every part and shuts each down. */
static void ps_on_start(void *self, otelc_span *span, const otelc_context *parent) {
    (void)parent;
    (*(int *)self)++;
    otelc_span_set_attr_str(span, "added.on_start", "yes");
}
static void ps_on_end(void *self, otelc_span *span, const otelc_span_data *d) { (void)self; (void)span; (void)d; }
static otelc_status ps_flush(void *self, uint32_t t) { (void)self; (void)t; return OTELC_ERR_TIMEOUT; }
static const otelc_processor_ops ps_ops = {ps_on_start, ps_on_end, ps_flush, NULL, NULL};

static void test_multi_processor(void **state) {
    (void)state;
    rec_exporter r1, r2;
    rec_init(&r1);
    rec_init(&r2);
    int starts = 0;
    capture c;
    capture_init(&c);
    otelc_processor *parts[5] = {
        otelc_processor_create(&ps_ops, &starts), otelc_simple_processor_create(rec_exporter_make(&r1)), NULL,
        batch_with(&r2, 16, 16, 3600000), otelc_processor_create(&capture_ops, &c),
    };
    otelc_processor *m = otelc_multi_processor_create(parts, 5);
    assert_non_null(m);
    otelc_tracer_provider *tp = provider_with(m, NULL);
    end_n(test_tracer(tp), "m", 3);
    assert_int_equal(starts, 3);
    assert_int_equal(c.starts, 3);
    assert_int_equal(r1.count, 3);
    const otelc_span_data *d = capture_last(&c);
    assert_string_equal(otelc_attrs_find(d->attributes, d->attribute_count, "added.on_start")->value.u.s, "yes");
    /* the worst status of the parts is reported */
    assert_int_equal(otelc_tracer_provider_force_flush(tp, 30000), OTELC_ERR_TIMEOUT);
    assert_int_equal(rec_count(&r2), 3);
    capture_release(&c);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 30000), OTELC_OK);
    assert_int_equal(r1.shutdowns, 1);
    assert_int_equal(r2.shutdowns, 1);
    otelc_tracer_provider_destroy(tp);
    assert_true(r1.destroyed && r2.destroyed);
    rec_fini(&r1);
    rec_fini(&r2);
    capture_fini(&c);
    otelc_processor *empty = otelc_multi_processor_create(NULL, 0);
    assert_non_null(empty);
    otelc_processor_destroy(empty);
    assert_null(otelc_processor_create(NULL, NULL));
}

static void test_provider_options(void **state) {
    (void)state;
    /* Empty provider: no processors, defaults everywhere. */
    otelc_tracer_provider *tp = otelc_tracer_provider_create(NULL, NULL);
    assert_non_null(tp);
    otelc_span *s = otelc_tracer_start_span(test_tracer(tp), "x", NULL);
    assert_true(otelc_span_is_recording(s)); /* default sampler: ParentBased(AlwaysOn) */
    otelc_span_end(s, 0);
    assert_int_equal(otelc_tracer_provider_force_flush(tp, 10), OTELC_OK);
    otelc_tracer_provider_destroy(tp);

    /* A bad struct_size: defaults, but owned parts are still taken (no leak). */
    otelc_tracer_provider_options o;
    otelc_tracer_provider_options_init(&o);
    o.struct_size = 4;
    o.sampler = otelc_sampler_always_off();
    tp = otelc_tracer_provider_create(&o, NULL);
    assert_non_null(tp);
    s = otelc_tracer_start_span(test_tracer(tp), "x", NULL);
    assert_false(otelc_span_is_recording(s));
    otelc_span_end(s, 0);
    otelc_tracer_provider_destroy(tp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_processor),
        cmocka_unit_test(test_unsampled_not_exported),
        cmocka_unit_test(test_batch_options_env),
        cmocka_unit_test(test_batch_create_invalid),
        cmocka_unit_test(test_batch_size_trigger_and_flush),
        cmocka_unit_test(test_batch_delay_trigger),
        cmocka_unit_test(test_batch_shutdown_exports_queued),
        cmocka_unit_test(test_batch_full_queue_never_blocks),
        cmocka_unit_test(test_batch_shutdown_with_hanging_exporter),
        cmocka_unit_test(test_multi_processor),
        cmocka_unit_test(test_provider_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
