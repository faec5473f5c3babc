/* Batch queue lanes and the full-queue yield: every span exported exactly once with more threads than
 * lanes, the total capacity bound (the lanes' capacities add up to max_queue_size), one thread alone
 * using every lane, producers never waiting while the worker is inside a blocked exporter, and the
 * otelc options (struct_size versioning, OTELC_BSP_FULL_QUEUE_YIELD_US). */
#include "test_util.h"

#include <stddef.h>
#include <stdio.h>
#include <time.h>

static otelc_processor *batch_lanes(rec_exporter *rec, uint32_t queue, uint32_t batch, uint32_t lanes,
                                    uint32_t yield_us) {
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    bo.max_queue_size = queue;
    bo.max_export_batch_size = batch;
    bo.schedule_delay_ms = 3600000;
    bo.queue_lanes = lanes;
    bo.full_queue_yield_us = yield_us;
    return batch_from(rec, &bo);
}

typedef struct producer_arg {
    otelc_tracer *tracer;
    pthread_barrier_t *start;
    int n;
    const char *name;
} producer_arg;

static void *producer(void *p) {
    producer_arg *a = p;
    if (a->start) pthread_barrier_wait(a->start);
    end_n(a->tracer, a->name, a->n);
    return NULL;
}

/* Runs `threads` producers of n spans each, started together. */
static void run_producers(otelc_tracer *t, int threads, int n, const char *name) {
    pthread_t th[16];
    producer_arg args[16];
    pthread_barrier_t start;
    assert_true(threads <= 16);
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    for (int i = 0; i < threads; i++) {
        args[i] = (producer_arg){t, &start, n, name};
        assert_int_equal(pthread_create(&th[i], NULL, producer, &args[i]), 0);
    }
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);
}

static int cmp_id(const void *x, const void *y) { return memcmp(x, y, 8); }

static void assert_unique_ids(rec_exporter *rec) {
    size_t n = rec_count(rec);
    uint8_t(*ids)[8] = malloc(n * 8 + 8);
    assert_non_null(ids);
    for (size_t i = 0; i < n; i++) memcpy(ids[i], rec->spans[i].span_id, 8);
    qsort(ids, n, 8, cmp_id);
    for (size_t i = 1; i < n; i++) assert_memory_not_equal(ids[i - 1], ids[i], 8);
    free(ids);
}

/* More threads than lanes, a queue smaller than the load, batches and naps in between: each span is
 * exported once or counted as dropped, never lost or exported twice. */
static void exactly_once(uint32_t queue, uint32_t batch, uint32_t lanes, uint32_t yield_us) {
    enum { THREADS = 5, PER_THREAD = 4000 };
    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_lanes(&rec, queue, batch, lanes, yield_us), NULL);
    counter_snap cs;
    snap(&cs);
    run_producers(test_tracer(tp), THREADS, PER_THREAD, "s");
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 60000), OTELC_OK);
    const uint64_t total = (uint64_t)THREADS * PER_THREAD;
    uint64_t exported = rec_count(&rec), dropped = delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE);
    print_message("queue %u batch %u lanes %u yield %u us: exported %llu, dropped %llu of %llu\n", queue, batch,
                  lanes, yield_us, (unsigned long long)exported, (unsigned long long)dropped,
                  (unsigned long long)total);
    assert_int_equal(exported + dropped, total);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_EXPORTED), exported);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN), 0);
    assert_true(rec.max_batch <= batch);
    assert_unique_ids(&rec);
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

static void test_more_threads_than_lanes(void **state) {
    (void)state;
    exactly_once(4096, 256, 2, 50);   /* roomy queue, default yield */
    exactly_once(64, 16, 3, 50);      /* 64 = 22 + 21 + 21: uneven lanes */
    exactly_once(24, 8, 4, 0);        /* no yield: drops at once */
    exactly_once(2048, 512, 0, 1000); /* automatic lane count */
}

/* queue 8 split over lanes, 3 threads, the worker blocked inside export: at most 8 spans are queued at
 * once, the rest are dropped and counted at once (no yield while the worker is in the exporter, even
 * with the largest yield budget). */
static void capacity_bound(uint32_t lanes) {
    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_lanes(&rec, 8, 1, lanes, 1000000), NULL);
    otelc_tracer *t = test_tracer(tp);
    counter_snap cs;
    snap(&cs);
    rec.hang = true;
    end_n(t, "stuck", 1);
    rec_wait_in_export(&rec); /* the worker holds 1 span in a blocked export */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run_producers(t, 3, 10, "p");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE), 30 - 8);
    /* Not a performance check: a producer yielding its full 1 s budget per drop while the worker is
     * inside the exporter would take 22 s here. */
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs < 10.0);
    rec_release_hang(&rec);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 30000), OTELC_OK);
    assert_int_equal(rec_count(&rec), 1 + 8);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_EXPORTED), 1 + 8);
    assert_unique_ids(&rec);
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

static void test_capacity_bound(void **state) {
    (void)state;
    capacity_bound(1);
    capacity_bound(2);
    capacity_bound(3); /* 3 + 3 + 2 */
    capacity_bound(8); /* one slot each */
    capacity_bound(20); /* clamped to the queue size */
}

/* One thread alone fills every lane before dropping. */
static void test_one_thread_uses_all_lanes(void **state) {
    (void)state;
    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_lanes(&rec, 10, 2, 4, 50), NULL);
    otelc_tracer *t = test_tracer(tp);
    counter_snap cs;
    snap(&cs);
    rec.hang = true;
    end_n(t, "first", 2);
    rec_wait_in_export(&rec);
    end_n(t, "queued", 10);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE), 0);
    end_n(t, "dropped", 3);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE), 3);
    rec_release_hang(&rec);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 30000), OTELC_OK);
    assert_int_equal(rec_count(&rec), 12);
    assert_null(rec_find(&rec, "dropped"));
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

/* A full queue while the worker is free to drain (not blocked in the exporter): producers with a yield
 * budget let it run; whatever happens, the accounting holds and a full batch triggers an export. */
static void test_full_queue_yield_accounting(void **state) {
    (void)state;
    exactly_once(8, 8, 2, 1000000);
    exactly_once(8, 4, 1, 200);
}

/* A caller built against the four specification fields (struct_size up to max_export_batch_size)
 * gets its values, and defaults for the fields it does not know. */
static void test_options_versioning(void **state) {
    (void)state;
    otelc_batch_options o;
    memset(&o, 0xff, sizeof o); /* what an older caller's struct is followed by: anything */
    o.struct_size = offsetof(otelc_batch_options, queue_lanes);
    o.max_queue_size = 4;
    o.max_export_batch_size = 5; /* read: batch above queue is rejected */
    o.schedule_delay_ms = 1000;
    o.export_timeout_ms = 1000;
    rec_exporter rec;
    rec_init(&rec);
    otelc_error err;
    assert_null(otelc_batch_processor_create(rec_exporter_make(&rec), &o, &err));
    assert_int_equal(err.code, OTELC_ERR_INVALID_ARGUMENT);
    rec_fini(&rec);

    o.max_export_batch_size = 2;
    rec_init(&rec);
    otelc_processor *p = otelc_batch_processor_create(rec_exporter_make(&rec), &o, &err);
    assert_non_null(p); /* queue_lanes/full_queue_yield_us beyond struct_size are ignored */
    otelc_tracer_provider *tp = provider_with(p, NULL);
    counter_snap cs;
    snap(&cs);
    rec.hang = true;
    end_n(test_tracer(tp), "x", 2);
    rec_wait_in_export(&rec);
    end_n(test_tracer(tp), "x", 6); /* the queue of 4 was read: 4 fit, 2 dropped */
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE), 2);
    rec_release_hang(&rec);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 30000), OTELC_OK);
    assert_int_equal(rec_count(&rec), 6);
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

static void test_yield_env(void **state) {
    (void)state;
    otelc_batch_options o;
    otelc_batch_options_init(&o);
    assert_int_equal(o.queue_lanes, 0);
    assert_int_equal(o.full_queue_yield_us, 50);
    setenv("OTELC_BSP_FULL_QUEUE_YIELD_US", "0", 1);
    otelc_batch_options_init(&o);
    assert_int_equal(o.full_queue_yield_us, 0);
    setenv("OTELC_BSP_FULL_QUEUE_YIELD_US", "250", 1);
    otelc_batch_options_init(&o);
    assert_int_equal(o.full_queue_yield_us, 250);
    const char *bad[] = {"2000000", "-1", "abc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("OTELC_BSP_FULL_QUEUE_YIELD_US", bad[i], 1);
        logs_start(OTELC_LOG_WARN);
        otelc_batch_options_init(&o);
        logs_stop();
        assert_int_equal(logs_count(), 1);
        assert_int_equal(o.full_queue_yield_us, 50);
    }
    unsetenv("OTELC_BSP_FULL_QUEUE_YIELD_US");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_more_threads_than_lanes),
        cmocka_unit_test(test_capacity_bound),
        cmocka_unit_test(test_one_thread_uses_all_lanes),
        cmocka_unit_test(test_full_queue_yield_accounting),
        cmocka_unit_test(test_options_versioning),
        cmocka_unit_test(test_yield_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
