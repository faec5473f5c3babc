/* Concurrency: many threads start and end spans into a small batch queue while the worker exports.
 * Every ended sampled span must be exported or counted as dropped: none lost, none exported twice.
 * Some spans are ended by a different thread than the one that started them, as the API allows. */
#include "test_util.h"

#include <stdio.h>

enum { THREADS = 4, PER_THREAD = 3000 };

typedef struct worker_arg {
    otelc_tracer *tracer;
    int index;
    otelc_span *handoff[PER_THREAD / 10];
    int handoff_count;
} worker_arg;

static void *worker(void *p) {
    worker_arg *a = p;
    for (int i = 0; i < PER_THREAD; i++) {
        otelc_span *s = otelc_tracer_start_span(a->tracer, "w", NULL);
        otelc_scope sc = otelc_scope_enter(s);
        otelc_span_set_attr_int(s, "thread", a->index);
        otelc_span_set_attr_int(s, "i", i);
        otelc_span *child = otelc_tracer_start_span(a->tracer, "child", NULL);
        otelc_span_end(child, 0);
        otelc_scope_exit(sc);
        if (i % 10 == 0 && a->handoff_count < (int)(sizeof a->handoff / sizeof a->handoff[0]))
            a->handoff[a->handoff_count++] = s; /* ended by the main thread later */
        else
            otelc_span_end(s, 0);
    }
    return NULL;
}

static int cmp_id(const void *x, const void *y) { return memcmp(x, y, 8); }

static void run(uint32_t queue, uint32_t batch, uint32_t delay_ms) {
    rec_exporter rec;
    rec_init(&rec);
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    bo.max_queue_size = queue;
    bo.max_export_batch_size = batch;
    bo.schedule_delay_ms = delay_ms;
    otelc_tracer_provider *tp = provider_with(otelc_batch_processor_create(rec_exporter_make(&rec), &bo, NULL), NULL);
    otelc_tracer *t = test_tracer(tp);

    counter_snap cs;
    snap(&cs);
    static worker_arg args[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&args[i], 0, sizeof args[i]);
        args[i].tracer = t;
        args[i].index = i;
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < THREADS; i++)
        for (int j = 0; j < args[i].handoff_count; j++) otelc_span_end(args[i].handoff[j], 0);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 60000), OTELC_OK);

    const uint64_t total = (uint64_t)THREADS * PER_THREAD * 2;
    uint64_t exported = rec_count(&rec);
    uint64_t dropped = delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE);
    print_message("queue %u batch %u delay %u: exported %llu, dropped %llu of %llu\n", queue, batch, delay_ms,
                  (unsigned long long)exported, (unsigned long long)dropped, (unsigned long long)total);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_STARTED), total);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_ENDED), total);
    assert_int_equal(exported + dropped, total);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_EXPORTED), exported);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN), 0);
    assert_true(rec.max_batch <= batch);
    /* none twice: span ids are unique among the exported spans */
    uint8_t(*ids)[8] = malloc(exported * 8 + 8);
    assert_non_null(ids);
    for (size_t i = 0; i < exported; i++) memcpy(ids[i], rec.spans[i].span_id, 8);
    qsort(ids, exported, 8, cmp_id);
    for (size_t i = 1; i < exported; i++) assert_memory_not_equal(ids[i - 1], ids[i], 8);
    free(ids);
    otelc_tracer_provider_destroy(tp);
    assert_true(rec.destroyed);
    rec_fini(&rec);
}

/* A queue too small for the load: drops happen and are all counted. */
static void test_small_queue(void **state) {
    (void)state;
    run(64, 16, 1);
}

/* A queue large enough with a long delay: size triggers alone drain it. */
static void test_large_queue(void **state) {
    (void)state;
    run(4096, 256, 3600000);
}

/* Flushes from another thread while producers run. */
typedef struct flusher_arg {
    otelc_tracer_provider *tp;
    atomic_bool stop;
    int flushes;
} flusher_arg;
static void *flusher(void *p) {
    flusher_arg *a = p;
    while (!atomic_load(&a->stop)) {
        otelc_status st = otelc_tracer_provider_force_flush(a->tp, 60000);
        if (st == OTELC_OK) a->flushes++;
    }
    return NULL;
}

static void test_concurrent_flush(void **state) {
    (void)state;
    rec_exporter rec;
    rec_init(&rec);
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    bo.max_queue_size = 8192;
    bo.max_export_batch_size = 128;
    bo.schedule_delay_ms = 3600000;
    otelc_processor *p = otelc_batch_processor_create(rec_exporter_make(&rec), &bo, NULL);
    otelc_tracer_provider_options o;
    otelc_tracer_provider_options_init(&o);
    o.processors = &p;
    o.processor_count = 1;
    o.sampler = otelc_sampler_always_on();
    otelc_tracer_provider *tp = otelc_tracer_provider_create(&o, NULL);
    counter_snap cs;
    snap(&cs);
    flusher_arg fa = {tp, false, 0};
    pthread_t f;
    assert_int_equal(pthread_create(&f, NULL, flusher, &fa), 0);
    static worker_arg args[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        memset(&args[i], 0, sizeof args[i]);
        args[i].tracer = test_tracer(tp);
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < args[i].handoff_count; j++) otelc_span_end(args[i].handoff[j], 0);
    atomic_store(&fa.stop, true);
    pthread_join(f, NULL);
    assert_int_equal(otelc_tracer_provider_force_flush(tp, 60000), OTELC_OK);
    uint64_t total = 2ull * PER_THREAD * 2;
    assert_int_equal(rec_count(&rec) + delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE), total);
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_queue),
        cmocka_unit_test(test_large_queue),
        cmocka_unit_test(test_concurrent_flush),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
