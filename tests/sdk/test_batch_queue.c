/* The batch queue (a ring per thread, span_queue.c) and the full-queue yield: every span exported
 * exactly once from many threads, the capacity bound over all threads (max_queue_size), one thread
 * alone filling the whole capacity, the room of exited threads coming back, rings of exited threads
 * exported and freed, one thread feeding many processors, producers never waiting while the worker is
 * inside a blocked exporter, and the otelc options (struct_size versioning,
 * OTELC_BSP_FULL_QUEUE_YIELD_US). */
#include "test_util.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static otelc_processor *batch_queue(rec_exporter *rec, uint32_t queue, uint32_t batch, uint32_t yield_us) {
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    bo.max_queue_size = queue;
    bo.max_export_batch_size = batch;
    bo.schedule_delay_ms = 3600000;
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

/* Many threads, a queue smaller than the load, batches and naps in between: each span is exported once
 * or counted as dropped, never lost or exported twice; the threads have exited (their rings retired)
 * before shutdown drains what they left. */
static void exactly_once(uint32_t queue, uint32_t batch, uint32_t yield_us) {
    enum { THREADS = 5, PER_THREAD = 4000 };
    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_queue(&rec, queue, batch, yield_us), NULL);
    counter_snap cs;
    snap(&cs);
    run_producers(test_tracer(tp), THREADS, PER_THREAD, "s");
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 60000), OTELC_OK);
    const uint64_t total = (uint64_t)THREADS * PER_THREAD;
    uint64_t exported = rec_count(&rec), dropped = delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE);
    print_message("queue %u batch %u yield %u us: exported %llu, dropped %llu of %llu\n", queue, batch, yield_us,
                  (unsigned long long)exported, (unsigned long long)dropped, (unsigned long long)total);
    assert_int_equal(exported + dropped, total);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_EXPORTED), exported);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN), 0);
    assert_true(rec.max_batch <= batch);
    assert_unique_ids(&rec);
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

static void test_many_threads_exactly_once(void **state) {
    (void)state;
    exactly_once(4096, 256, 50);   /* roomy queue, default yield */
    exactly_once(64, 16, 50);      /* small queue */
    exactly_once(24, 8, 0);        /* no yield: drops at once */
    exactly_once(2048, 512, 1000); /* the defaults, a large yield budget */
}

/* queue 8, `threads` threads, the worker blocked inside export: at most 8 spans are queued at once, the
 * rest are dropped and counted at once (no yield while the worker is in the exporter, even with the
 * largest yield budget). */
static void capacity_bound(int threads) {
    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_queue(&rec, 8, 1, 1000000), NULL);
    otelc_tracer *t = test_tracer(tp);
    counter_snap cs;
    snap(&cs);
    rec.hang = true;
    end_n(t, "stuck", 1);
    rec_wait_in_export(&rec); /* the worker holds 1 span in a blocked export */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run_producers(t, threads, 10, "p");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE), (uint64_t)threads * 10 - 8);
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
    capacity_bound(3);
    capacity_bound(8);
    capacity_bound(16); /* more threads than spans fit */
}

/* One thread alone fills the whole capacity before dropping. */
static void test_one_thread_fills_the_queue(void **state) {
    (void)state;
    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_queue(&rec, 10, 2, 50), NULL);
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
    exactly_once(8, 8, 1000000);
    exactly_once(8, 4, 200);
}

/* Ends `n` spans, then waits on `hold` (if given) before exiting. */
typedef struct holder_arg {
    otelc_tracer *tracer;
    int n;
    pthread_barrier_t *ended, *hold;
} holder_arg;

static void *holder(void *p) {
    holder_arg *a = p;
    end_n(a->tracer, "other", a->n);
    pthread_barrier_wait(a->ended);
    if (a->hold) pthread_barrier_wait(a->hold);
    return NULL;
}

/* With `queued` spans already in the queue (and the worker blocked), ends spans from this thread until
 * one is dropped (or limit spans were tried); returns how many are queued then. */
static size_t fill_until_dropped(otelc_tracer *t, size_t queued, size_t limit) {
    counter_snap cs;
    snap(&cs);
    while (delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE) == 0 && queued < limit) {
        end_n(t, "main", 1);
        queued++;
    }
    return queued - 1; /* the last one was dropped */
}

/* Threads take room in chunks; what they took and did not use either comes back when they exit, or, while
 * they live, stays a small share of the queue: the main thread, alone afterwards, can still queue all of
 * the capacity (they exited) or nearly all of it (they are alive and idle). The worker is blocked in
 * export meanwhile, so nothing leaves the queue. */
static size_t queued_until_full(bool others_exit) {
    enum { QUEUE = 1024, OTHERS = 8 };
    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_queue(&rec, QUEUE, 1, 0), NULL);
    otelc_tracer *t = test_tracer(tp);
    rec.hang = true;
    end_n(t, "stuck", 1);
    rec_wait_in_export(&rec); /* holds 1 span, out of the queue */
    pthread_barrier_t ended, hold;
    pthread_barrier_init(&ended, NULL, OTHERS + 1);
    pthread_barrier_init(&hold, NULL, OTHERS + 1);
    pthread_t th[OTHERS];
    holder_arg a = {t, 1, &ended, others_exit ? NULL : &hold};
    for (int i = 0; i < OTHERS; i++) assert_int_equal(pthread_create(&th[i], NULL, holder, &a), 0);
    pthread_barrier_wait(&ended); /* each queued one span (and took its chunk of room) */
    if (others_exit)
        for (int i = 0; i < OTHERS; i++) pthread_join(th[i], NULL);
    size_t queued = fill_until_dropped(t, OTHERS /* theirs */, 2 * QUEUE);
    if (!others_exit) {
        pthread_barrier_wait(&hold);
        for (int i = 0; i < OTHERS; i++) pthread_join(th[i], NULL);
    }
    pthread_barrier_destroy(&ended);
    pthread_barrier_destroy(&hold);
    rec_release_hang(&rec);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 30000), OTELC_OK);
    assert_int_equal(rec_count(&rec), 1 + queued); /* everything queued was exported, dropped ones were not */
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
    return queued;
}

static void test_room_of_other_threads(void **state) {
    (void)state;
    size_t after_exit = queued_until_full(true);
    print_message("queued with the other threads exited: %zu of 1024\n", after_exit);
    assert_int_equal(after_exit, 1024);
    size_t while_idle = queued_until_full(false);
    print_message("queued with the other threads alive and idle: %zu of 1024\n", while_idle);
    assert_true(while_idle <= 1024);
    assert_true(while_idle >= 1024 - 1024 / 32); /* the share idle threads may hold (span_queue.h) */
}

/* Spans ended from a thread-exit destructor that runs after the SDK's own (a key created later, in every
 * destructor round, the last included): each is exported, the room it took comes back exactly, and the
 * self-counters survive. (In the last round, the thread re-attached a ring that was never orphaned, its
 * credits stayed taken and its ring table leaked; its counter block stayed listed after the thread's
 * storage was reused.) */
/* ThreadSanitizer tears its own thread state down in the last destructor round, before this key's
 * destructor runs in it: anything intercepted crashes there. Under TSan the last round is left out. */
#if defined(__SANITIZE_THREAD__)
#define LATE_ROUNDS (PTHREAD_DESTRUCTOR_ITERATIONS - 1)
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LATE_ROUNDS (PTHREAD_DESTRUCTOR_ITERATIONS - 1)
#endif
#endif
#ifndef LATE_ROUNDS
#define LATE_ROUNDS PTHREAD_DESTRUCTOR_ITERATIONS
#endif
static otelc_tracer *g_late_tracer;
static pthread_key_t g_late_key;
static int g_late_ended;
static void late_destructor(void *v) {
    end_n(g_late_tracer, "late", 1);
    g_late_ended++;
    uintptr_t round = (uintptr_t)v;
    if (round < LATE_ROUNDS) pthread_setspecific(g_late_key, (void *)(round + 1));
}
static void *late_thread(void *p) {
    (void)p;
    end_n(g_late_tracer, "before-exit", 1); /* this thread's ring, with a chunk of room */
    pthread_setspecific(g_late_key, (void *)(uintptr_t)1);
    return NULL;
}
static void test_span_ended_after_thread_exit(void **state) {
    (void)state;
    enum { QUEUE = 1024 };
    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_queue(&rec, QUEUE, 1, 0), NULL);
    g_late_tracer = test_tracer(tp);
    rec.hang = true;
    end_n(g_late_tracer, "stuck", 1);
    rec_wait_in_export(&rec); /* holds 1 span, out of the queue; nothing else leaves it */
    assert_int_equal(pthread_key_create(&g_late_key, late_destructor), 0); /* runs after the queue's */
    g_late_ended = 0;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, late_thread, NULL), 0);
    pthread_join(th, NULL);
    assert_int_equal(g_late_ended, LATE_ROUNDS);
    /* Another thread, likely on the exited one's thread storage: the self-counters' list of thread
     * blocks must not still hold the old one (it did: reading the counters then looped forever). */
    run_producers(g_late_tracer, 1, 1, "next-thread");
    size_t queued = fill_until_dropped(g_late_tracer, 2 + (size_t)g_late_ended, 2 * QUEUE);
    assert_int_equal(queued, QUEUE);
    rec_release_hang(&rec);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 30000), OTELC_OK);
    assert_int_equal(rec_count(&rec), 1 + queued);
    size_t late = 0;
    for (size_t i = 0; i < rec_count(&rec); i++) late += strcmp(rec.spans[i].name, "late") == 0;
    assert_int_equal(late, (size_t)LATE_ROUNDS);
    pthread_key_delete(g_late_key);
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

/* One thread feeding more processors than its first table of rings holds, all of them destroyed and
 * replaced by new ones (often at the same addresses) each round: each exporter gets its own spans only,
 * and nothing queued is lost. */
static void test_one_thread_many_processors(void **state) {
    (void)state;
    enum { ROUNDS = 3, PROCS = 6, SPANS = 300 };
    for (int round = 0; round < ROUNDS; round++) {
        rec_exporter rec[PROCS];
        otelc_tracer_provider *tp[PROCS];
        for (int i = 0; i < PROCS; i++) {
            rec_init(&rec[i]);
            tp[i] = provider_with(batch_queue(&rec[i], 256, 64, 1000), NULL);
        }
        char name[16];
        uint64_t dropped[PROCS];
        for (int i = 0; i < PROCS; i++) {
            /* Processors run one at a time here, so the drop counter's delta is this one's. */
            snprintf(name, sizeof name, "p%d", i);
            counter_snap cs;
            snap(&cs);
            for (int k = 0; k < SPANS; k++) end_n(test_tracer(tp[i]), name, 1);
            assert_int_equal(otelc_tracer_provider_shutdown(tp[i], 30000), OTELC_OK);
            dropped[i] = delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE);
        }
        for (int i = 0; i < PROCS; i++) {
            snprintf(name, sizeof name, "p%d", i);
            assert_int_equal(rec_count(&rec[i]) + dropped[i], SPANS);
            assert_true(rec_count(&rec[i]) >= SPANS / 2);
            for (size_t j = 0; j < rec_count(&rec[i]); j++) assert_string_equal(rec[i].spans[j].name, name);
            otelc_tracer_provider_destroy(tp[i]);
            rec_fini(&rec[i]);
        }
    }
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

/* Batch 1, schedule delay 1 h: each span, ended just after the previous one's export (as the worker goes
 * back to sleep), must wake the worker. A push in flight when the worker looked at the queue (room taken,
 * span not yet visible) was once missed: the worker slept on, and the span waited for the delay. */
static void test_each_span_wakes_the_idle_worker(void **state) {
    (void)state;
    enum { ROUNDS = 20000 };
    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_queue(&rec, 8, 1, 50), NULL);
    otelc_tracer *t = test_tracer(tp);
    for (size_t i = 0; i < ROUNDS; i++) {
        end_n(t, "p", 1);
        if (!rec_wait_count_for(&rec, i + 1, 5000)) fail_msg("span %zu not exported within 5 s", i);
    }
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 30000), OTELC_OK);
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

/* A batch as large as the queue, and another thread holding unused room (it took a chunk while the
 * worker was exporting, then went quiet): the spans that fit are exported at once, not after the
 * schedule delay, and later span ends do not find the queue full meanwhile. */
static void test_batch_as_large_as_the_queue(void **state) {
    (void)state;
    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_queue(&rec, 64, 64, 50), NULL);
    otelc_tracer *t = test_tracer(tp);
    rec.hang = true;
    end_n(t, "first", 64); /* a full batch (taken a span's room at a time: the worker was idle) */
    rec_wait_in_export(&rec); /* the worker is exporting: the other thread's push takes a chunk */
    pthread_barrier_t ended, hold;
    pthread_barrier_init(&ended, NULL, 2);
    pthread_barrier_init(&hold, NULL, 2);
    holder_arg ha = {t, 1, &ended, &hold};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, holder, &ha), 0);
    pthread_barrier_wait(&ended);
    rec_release_hang(&rec);
    assert_true(rec_wait_count_for(&rec, 64, 5000));
    counter_snap cs;
    snap(&cs);
    end_n(t, "full", 64);
    uint64_t dropped = delta(&cs, OTELC_COUNTER_SPANS_DROPPED_QUEUE);
    /* The queue was full with 62 spans (the other thread's and 61 of these; it holds 2 of the 64 slots'
     * room): those go at once, the rest (pushed after that export, or dropped) wait for shutdown. */
    if (!rec_wait_count_for(&rec, 64 + 62, 5000))
        fail_msg("%zu of 62 queued spans exported after 5 s (the schedule delay is 1 h)", rec_count(&rec) - 64);
    pthread_barrier_wait(&hold);
    pthread_join(th, NULL);
    pthread_barrier_destroy(&ended);
    pthread_barrier_destroy(&hold);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 30000), OTELC_OK);
    assert_int_equal(rec_count(&rec), 64 + 1 + 64 - dropped);
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_threads_exactly_once),
        cmocka_unit_test(test_capacity_bound),
        cmocka_unit_test(test_one_thread_fills_the_queue),
        cmocka_unit_test(test_full_queue_yield_accounting),
        cmocka_unit_test(test_room_of_other_threads),
        cmocka_unit_test(test_span_ended_after_thread_exit),
        cmocka_unit_test(test_one_thread_many_processors),
        cmocka_unit_test(test_options_versioning),
        cmocka_unit_test(test_yield_env),
        cmocka_unit_test(test_each_span_wakes_the_idle_worker),
        cmocka_unit_test(test_batch_as_large_as_the_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
