/* fork(): the child gets a working, empty pipeline (the parent's queued spans are not exported there,
 * whichever thread queued them: this one, a thread that has exited, a thread that does not exist in the
 * child),
 * and generates ids different from the parent's. The child reports through its exit status and a pipe
 * (no cmocka calls in the child). */
#include "test_util.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct child_report {
    size_t exported_before;  /* after a flush, before the child ended any span */
    size_t exported_after;   /* after ending one span and flushing */
    char first_name[64];
    uint8_t trace_id[16];
    uint8_t span_id[8];
    int recording;
} child_report;

typedef struct other_thread {
    otelc_tracer *tracer;
    const char *name;
    int n;
    pthread_barrier_t *ended, *resume; /* resume: NULL = exit at once */
} other_thread;

static void *other_main(void *p) {
    other_thread *o = p;
    end_n(o->tracer, o->name, o->n);
    pthread_barrier_wait(o->ended);
    if (o->resume) pthread_barrier_wait(o->resume);
    return NULL;
}

static void test_fork_child_pipeline(void **state) {
    (void)state;
    /* static: a failed assertion leaves this function by longjmp with the provider still live, and the
     * SDK's at-exit flush then calls this exporter; on the stack it would be gone by then. */
    static rec_exporter rec;
    rec_init(&rec);
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    bo.schedule_delay_ms = 3600000; /* nothing leaves the queue unless flushed */
    otelc_tracer_provider *tp = provider_with(otelc_batch_processor_create(rec_exporter_make(&rec), &bo, NULL), NULL);
    otelc_tracer *t = test_tracer(tp);
    /* Let the worker thread finish starting before fork(): once a flush returns it is parked in its timed
     * wait. GCC 12's libasan takes no allocator locks around fork() (LLVM added that in 18), and its
     * thread start allocates (pthread_getattr_np -> calloc), so a fork while the worker was still
     * starting could leave an allocator size-class lock held in the child, where the child's new worker
     * then blocked in its own thread start: force_flush and shutdown timed out (about 1 run in 150 under
     * load). Nothing is queued yet, so this exports nothing. */
    assert_int_equal(otelc_tracer_provider_force_flush(tp, 30000), OTELC_OK);
    assert_int_equal(rec_count(&rec), 0);
    for (int i = 0; i < 5; i++) otelc_span_end(otelc_tracer_start_span(t, "parent-queued", NULL), 0);
    otelc_span *open_span = otelc_tracer_start_span(t, "open-across-fork", NULL);
    /* Spans queued by other threads: one that exits before fork(), one alive in the parent across it. */
    pthread_barrier_t ended, resume;
    pthread_barrier_init(&ended, NULL, 2);
    pthread_barrier_init(&resume, NULL, 2);
    other_thread gone = {t, "exited-thread-queued", 2, &ended, NULL};
    other_thread live = {t, "live-thread-queued", 3, &ended, &resume};
    pthread_t gone_th, live_th;
    assert_int_equal(pthread_create(&gone_th, NULL, other_main, &gone), 0);
    pthread_barrier_wait(&ended);
    pthread_join(gone_th, NULL);
    assert_int_equal(pthread_create(&live_th, NULL, other_main, &live), 0);
    pthread_barrier_wait(&ended);

    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child_report r;
        memset(&r, 0, sizeof r);
        otelc_tracer_provider_force_flush(tp, 30000);
        r.exported_before = rec_count(&rec);
        otelc_span *s = otelc_tracer_start_span(t, "child-span", NULL);
        r.recording = otelc_span_is_recording(s);
        otelc_span_context sc = otelc_span_get_context(s);
        memcpy(r.trace_id, sc.trace_id, 16);
        memcpy(r.span_id, sc.span_id, 8);
        otelc_span_end(s, 0);
        otelc_tracer_provider_force_flush(tp, 30000);
        r.exported_after = rec_count(&rec);
        if (r.exported_after) snprintf(r.first_name, sizeof r.first_name, "%s", rec.spans[rec.count - 1].name);
        otelc_status st = otelc_tracer_provider_shutdown(tp, 30000);
        ssize_t w = write(fds[1], &r, sizeof r);
        if (st != OTELC_OK) fprintf(stderr, "child shutdown: %d\n", st);
        otelc_tracer_provider_destroy(tp); /* the child leaves nothing behind under valgrind either */
        _exit(w == (ssize_t)sizeof r && st == OTELC_OK ? 0 : 3);
    }
    close(fds[1]);
    pthread_barrier_wait(&resume);
    pthread_join(live_th, NULL);
    pthread_barrier_destroy(&ended);
    pthread_barrier_destroy(&resume);
    /* The parent's next ids, drawn at the same point of its generator as the child's. */
    otelc_span *ps = otelc_tracer_start_span(t, "parent-after-fork", NULL);
    otelc_span_context psc = otelc_span_get_context(ps);
    child_report r;
    ssize_t got = read(fds[0], &r, sizeof r);
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(got, (ssize_t)sizeof r);
    assert_int_equal(r.exported_before, 0); /* the parent's queued spans stayed with the parent */
    assert_int_equal(r.exported_after, 1);
    assert_string_equal(r.first_name, "child-span");
    assert_true(r.recording);
    assert_memory_not_equal(r.trace_id, psc.trace_id, 16);
    assert_memory_not_equal(r.span_id, psc.span_id, 8);

    /* The parent's pipeline is untouched by the child. */
    otelc_span_end(ps, 0);
    otelc_span_end(open_span, 0);
    assert_int_equal(otelc_tracer_provider_force_flush(tp, 30000), OTELC_OK);
    assert_int_equal(rec_count(&rec), 7 + 2 + 3);
    assert_non_null(rec_find(&rec, "exited-thread-queued"));
    assert_non_null(rec_find(&rec, "live-thread-queued"));
    assert_null(rec_find(&rec, "child-span"));
    otelc_tracer_provider_destroy(tp);
    rec_fini(&rec);
}

/* fork() while another thread is inside the batch processor's shutdown (its worker stuck in export):
 * the child must still re-create that processor's locks and account for its vanished worker, so that
 * destroying the provider there frees the processor (it used to leave the fork handler's list when its
 * shutdown began, before its worker was joined, and then leaked in the child with a worker reference
 * nobody would drop). The exporter waits with a sleep loop, not a condition variable, so that the child
 * never touches a condition variable a parent thread was waiting on. */
static atomic_int g_export_entered, g_export_release, g_exporter_destroyed;
static otelc_export_result slow_export(void *self, const otelc_span_data *const *spans, size_t n) {
    (void)self;
    (void)spans;
    (void)n;
    atomic_store(&g_export_entered, 1);
    struct timespec ms1 = {0, 1000 * 1000};
    while (!atomic_load(&g_export_release)) nanosleep(&ms1, NULL);
    return OTELC_EXPORT_SUCCESS;
}
static void flag_destroy(void *self) {
    (void)self;
    atomic_store(&g_exporter_destroyed, 1);
}
static const otelc_exporter_ops slow_ops = {.name = "slow", .export_spans = slow_export, .destroy = flag_destroy};

typedef struct shutdown_thread {
    otelc_tracer_provider *tp;
    atomic_int started, done;
    otelc_status st;
} shutdown_thread;

static void *shutdown_main(void *p) {
    shutdown_thread *s = p;
    atomic_store(&s->started, 1);
    s->st = otelc_tracer_provider_shutdown(s->tp, 30000);
    atomic_store(&s->done, 1);
    return NULL;
}

static void test_fork_during_shutdown(void **state) {
    (void)state;
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    bo.schedule_delay_ms = 3600000;
    bo.max_export_batch_size = 1;
    otelc_tracer_provider *tp =
        provider_with(otelc_batch_processor_create(otelc_exporter_create(&slow_ops, NULL), &bo, NULL), NULL);
    end_n(test_tracer(tp), "stuck", 1);
    while (!atomic_load(&g_export_entered)) sched_yield();
    shutdown_thread sd = {.tp = tp};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, shutdown_main, &sd), 0);
    while (!atomic_load(&sd.started)) sched_yield();
    /* Let it reach its wait for the worker (a fork() before that would pass without testing anything). */
    struct timespec ms100 = {0, 100 * 1000 * 1000};
    nanosleep(&ms100, NULL);
    assert_false(atomic_load(&sd.done));
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        otelc_tracer_provider_destroy(tp);
        /* Walks the live processors: the destroyed one must no longer be listed (a use after free under
         * AddressSanitizer when the child's destroy freed it but left it on the list). */
        otelc_sdk_release_cached_memory();
        _exit(atomic_load(&g_exporter_destroyed) ? 0 : 3);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    atomic_store(&g_export_release, 1);
    pthread_join(th, NULL);
    assert_int_equal(sd.st, OTELC_OK);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0); /* 3: the child's processor was never freed */
    assert_false(atomic_load(&g_exporter_destroyed)); /* the parent's is still alive */
    otelc_tracer_provider_destroy(tp);
    assert_true(atomic_load(&g_exporter_destroyed));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fork_child_pipeline),
        cmocka_unit_test(test_fork_during_shutdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
