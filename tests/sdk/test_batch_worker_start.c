/* The batch worker thread cannot always be created (a thread limit, say, in a fork child). Then spans
 * stay queued, a flush tries to start it at once, and span ends retry after a second (also with the
 * queue full); nothing queued is lost once a start works, a child without spans starts no thread, and
 * processor creation fails cleanly when the very first start fails.
 * pthread_create is wrapped (-Wl,--wrap=pthread_create) so a test can make the next calls fail. */
#include "test_util.h"

#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static atomic_int g_fail_creates; /* the next this many pthread_create calls fail with EAGAIN */
static atomic_int g_creates;      /* pthread_create calls (failed ones included) */

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg) {
    atomic_fetch_add(&g_creates, 1);
    int left = atomic_load(&g_fail_creates);
    while (left > 0 && !atomic_compare_exchange_weak(&g_fail_creates, &left, left - 1)) {}
    if (left > 0) return EAGAIN;
    return __real_pthread_create(t, a, fn, arg);
}

static otelc_processor *batch_for(rec_exporter *rec, otelc_error *err, uint32_t queue) {
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    bo.schedule_delay_ms = 3600000; /* nothing leaves the queue unless flushed */
    bo.max_queue_size = queue;
    bo.max_export_batch_size = queue < 512 ? queue : 512;
    return otelc_batch_processor_create(rec_exporter_make(rec), &bo, err);
}

static void test_create_fails_cleanly(void **state) {
    (void)state;
    static rec_exporter rec;
    rec_init(&rec);
    otelc_error err;
    memset(&err, 0, sizeof err);
    atomic_store(&g_fail_creates, 1);
    assert_null(batch_for(&rec, &err, 2048));
    assert_int_equal(err.code, OTELC_ERR_INTERNAL);
    assert_int_equal(atomic_load(&g_fail_creates), 0);
    rec_fini(&rec);
}

/* In a fork child whose first start of the worker fails: the span stays queued, a span end within the
 * retry interval does not start it, the one after does, and every span is exported. A second child
 * checks that a flush starts the worker without waiting. Results come back through the exit status. */
enum { CHILD_OK = 0, CHILD_EARLY_EXPORT = 10, CHILD_FLUSH_NO_WORKER, CHILD_MISSING, CHILD_SHUTDOWN,
       CHILD_ATTEMPTS, CHILD_EXIT_FLUSH_STARTED };

/* Start attempts are counted before any flush (a flush tries a start by itself). */
static int child_retry_on_span_end(otelc_tracer_provider *tp, rec_exporter *rec) {
    otelc_tracer *t = test_tracer(tp);
    atomic_store(&g_fail_creates, 1);
    atomic_store(&g_creates, 0);
    otelc_span_end(otelc_tracer_start_span(t, "a", NULL), 0); /* first span in the child: start fails */
    if (atomic_load(&g_creates) != 1) return CHILD_ATTEMPTS;
    otelc_span_end(otelc_tracer_start_span(t, "b", NULL), 0); /* within the interval: no new attempt */
    if (atomic_load(&g_creates) != 1) return CHILD_ATTEMPTS;
    usleep(1100 * 1000);
    otelc_span_end(otelc_tracer_start_span(t, "c", NULL), 0); /* retried: the worker starts */
    if (atomic_load(&g_creates) != 2) return CHILD_ATTEMPTS;
    if (rec_count(rec) != 0) return CHILD_EARLY_EXPORT;
    if (otelc_tracer_provider_force_flush(tp, 30000) != OTELC_OK) return CHILD_FLUSH_NO_WORKER;
    if (atomic_load(&g_creates) != 2) return CHILD_ATTEMPTS; /* the running worker is not started again */
    if (rec_count(rec) != 3) return CHILD_MISSING;
    return otelc_tracer_provider_shutdown(tp, 30000) == OTELC_OK ? CHILD_OK : CHILD_SHUTDOWN;
}

/* With the queue full while no worker runs, a span end still retries the start once it is due. */
static int child_retry_with_full_queue(otelc_tracer_provider *tp, rec_exporter *rec) {
    otelc_tracer *t = test_tracer(tp);
    atomic_store(&g_fail_creates, 1);
    atomic_store(&g_creates, 0);
    for (int i = 0; i < 6; i++) otelc_span_end(otelc_tracer_start_span(t, "fill", NULL), 0); /* queue of 4 */
    if (atomic_load(&g_creates) != 1) return CHILD_ATTEMPTS;
    usleep(1100 * 1000);
    otelc_span_end(otelc_tracer_start_span(t, "after", NULL), 0);
    if (atomic_load(&g_creates) != 2) return CHILD_ATTEMPTS;
    if (otelc_tracer_provider_force_flush(tp, 30000) != OTELC_OK) return CHILD_FLUSH_NO_WORKER;
    if (rec_count(rec) < 4) return CHILD_MISSING;
    return otelc_tracer_provider_shutdown(tp, 30000) == OTELC_OK ? CHILD_OK : CHILD_SHUTDOWN;
}

/* A child that ends no span starts no export thread, not even in the flush at exit. */
static int child_no_spans_no_thread(otelc_tracer_provider *tp, rec_exporter *rec) {
    (void)rec;
    atomic_store(&g_creates, 0);
    if (otelc_tracer_provider_force_flush(tp, 30000) != OTELC_OK) return CHILD_FLUSH_NO_WORKER;
    return atomic_load(&g_creates) == 0 ? CHILD_OK : CHILD_EXIT_FLUSH_STARTED;
}

static int child_flush_starts_worker(otelc_tracer_provider *tp, rec_exporter *rec) {
    otelc_tracer *t = test_tracer(tp);
    atomic_store(&g_fail_creates, 2); /* the start at the first span end and the one at the first flush */
    otelc_span_end(otelc_tracer_start_span(t, "a", NULL), 0);
    /* The worker still cannot start: the flush says the span was not exported. */
    if (otelc_tracer_provider_force_flush(tp, 30000) == OTELC_OK) return CHILD_FLUSH_NO_WORKER;
    if (rec_count(rec) != 0) return CHILD_EARLY_EXPORT;
    /* Now it can: this flush starts it and exports the queued span, without waiting for a retry. */
    if (otelc_tracer_provider_force_flush(tp, 30000) != OTELC_OK) return CHILD_FLUSH_NO_WORKER;
    if (rec_count(rec) != 1) return CHILD_MISSING;
    return otelc_tracer_provider_shutdown(tp, 30000) == OTELC_OK ? CHILD_OK : CHILD_SHUTDOWN;
}

static void in_fork_child(int (*child)(otelc_tracer_provider *, rec_exporter *), uint32_t queue) {
    static rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider *tp = provider_with(batch_for(&rec, NULL, queue), NULL);
    /* The parent's worker parks in its wait before fork() (see test_fork.c for why). */
    assert_int_equal(otelc_tracer_provider_force_flush(tp, 30000), OTELC_OK);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(child(tp, &rec));
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), CHILD_OK);
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 30000), OTELC_OK);
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

static void test_fork_child_retries_on_span_end(void **state) {
    (void)state;
    in_fork_child(child_retry_on_span_end, 2048);
}

static void test_fork_child_retries_with_full_queue(void **state) {
    (void)state;
    in_fork_child(child_retry_with_full_queue, 4);
}

static void test_fork_child_flush_starts_worker(void **state) {
    (void)state;
    in_fork_child(child_flush_starts_worker, 2048);
}

static void test_fork_child_without_spans_starts_no_thread(void **state) {
    (void)state;
    in_fork_child(child_no_spans_no_thread, 2048);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_fails_cleanly),
        cmocka_unit_test(test_fork_child_retries_on_span_end),
        cmocka_unit_test(test_fork_child_retries_with_full_queue),
        cmocka_unit_test(test_fork_child_flush_starts_worker),
        cmocka_unit_test(test_fork_child_without_spans_starts_no_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
