/* contrib/thread_ctx, reader side: a sampling thread interrupts an application thread that switches
 * scopes in a tight loop, and reads that thread's record the way OTEP 4947 says readers do: while the
 * thread is interrupted (here by a signal whose handler runs on it, as a profiler's perf-event or
 * SIGPROF sampler does). Every sample must be NULL or exactly one of the spans the loop enters (ids
 * and flags all from the same span, valid = 1): a torn record (fields from two spans, or a record
 * caught half-written) fails the test.
 *
 * Why a signal and not a plain concurrent read: the OTEP's write protocol orders the record stores
 * before the pointer store with compiler fences only ("signal handler-like semantics"); it promises
 * nothing to a reader that runs concurrently on another CPU without stopping the thread. The handler
 * reads the thread's own TLS, so the test is race-free and runs under ThreadSanitizer as is (which
 * delivers the signal at its next safe point instead of at an arbitrary instruction: there the test
 * checks the protocol less sharply but still checks every sample). */
#include "../sdk/test_util.h"

#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include "otelc/contrib/thread_ctx.h"

CAPTURE_FIXTURE()

enum { K_NULL, K_PARENT, K_CHILD, K_REMOTE, K_SAMPLED_OUT, K_COUNT };
static otelc_span_context g_expect[K_COUNT]; /* written before the threads start, read-only after */

static atomic_int g_requests;   /* samples asked for by the sampler */
static atomic_int g_answers;    /* samples taken by the handler */
static atomic_int g_seen[K_COUNT];
static atomic_int g_torn;
static atomic_bool g_stop;

/* Runs on the interrupted application thread. Async-signal-safe: TLS reads, memcmp, atomics. */
static void on_sample(int sig) {
    (void)sig;
    const otelc_thread_ctx_record *p = otelc_thread_ctx_current();
    int kind = -1;
    if (!p) {
        kind = K_NULL;
    } else {
        otelc_thread_ctx_record r;
        memcpy(&r, p, sizeof r);
        for (int k = K_PARENT; k < K_COUNT; k++) {
            if (r.valid == 1 && r.attrs_data_size == 0 && memcmp(r.trace_id, g_expect[k].trace_id, 16) == 0 &&
                memcmp(r.span_id, g_expect[k].span_id, 8) == 0 && r.trace_flags == g_expect[k].trace_flags) {
                kind = k;
                break;
            }
        }
    }
    if (kind < 0) atomic_fetch_add(&g_torn, 1);
    else atomic_fetch_add(&g_seen[kind], 1);
    atomic_fetch_add(&g_answers, 1);
}

typedef struct app {
    otelc_span *parent, *child, *dropped;
    otelc_context *remote;
    atomic_long loops;
} app;

static void *app_main(void *arg) {
    app *a = arg;
    long n = 0;
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        otelc_scope sp = otelc_scope_enter(a->parent);
        otelc_scope sc = otelc_scope_enter(a->child);
        otelc_scope_exit(sc);
        otelc_scope sr = otelc_context_attach(a->remote);
        otelc_scope sd = otelc_scope_enter(a->dropped);
        otelc_scope_exit(sd);
        otelc_scope_exit(sr);
        otelc_scope sn = otelc_scope_enter(NULL);
        otelc_scope_exit(sn);
        otelc_scope_exit(sp);
        n++;
    }
    atomic_store(&a->loops, n);
    return NULL;
}

static void test_sampled_records_are_never_torn(void **state) {
    (void)state;
    assert_int_equal(otelc_thread_ctx_install(), OTELC_OK);
    app a;
    memset(&a, 0, sizeof a);
    a.parent = otelc_tracer_start_span(g_t, "parent", NULL);
    otelc_span_start_options o;
    otelc_span_start_options_init(&o);
    o.parent_span = a.parent;
    a.child = otelc_tracer_start_span(g_t, "child", &o);
    otelc_span_context remote;
    memset(&remote, 0, sizeof remote);
    for (int i = 0; i < 16; i++) remote.trace_id[i] = (uint8_t)(0xc0 + i);
    for (int i = 0; i < 8; i++) remote.span_id[i] = (uint8_t)(0x30 + i);
    remote.trace_flags = OTELC_TRACE_FLAGS_SAMPLED;
    remote.is_remote = true;
    a.remote = otelc_context_create_remote(&remote, NULL);
    otelc_tracer_provider *off = provider_with(otelc_processor_create(&capture_ops, &g_cap), otelc_sampler_always_off());
    a.dropped = otelc_tracer_start_span(test_tracer(off), "dropped", NULL); /* child of nothing: own trace */
    g_expect[K_PARENT] = otelc_span_get_context(a.parent);
    g_expect[K_CHILD] = otelc_span_get_context(a.child);
    g_expect[K_REMOTE] = remote;
    g_expect[K_SAMPLED_OUT] = otelc_span_get_context(a.dropped);
    /* parent and child share the trace id and differ in the span id: a torn span id would show. */
    assert_memory_equal(g_expect[K_PARENT].trace_id, g_expect[K_CHILD].trace_id, 16);
    assert_int_equal(g_expect[K_SAMPLED_OUT].trace_flags & OTELC_TRACE_FLAGS_SAMPLED, 0);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sample;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    assert_int_equal(sigaction(SIGPROF, &sa, NULL), 0);

    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, app_main, &a), 0);
    /* Sample for about a second (or 20000 samples), one at a time, waiting for each answer. */
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int missed = 0;
    for (int i = 0; i < 20000; i++) {
        int want = atomic_fetch_add(&g_requests, 1) + 1;
        pthread_kill(th, SIGPROF);
        struct timespec nap = {0, 20000};
        int waited = 0;
        while (atomic_load(&g_answers) < want && waited < 5000) { /* at most ~100 ms per sample */
            nanosleep(&nap, NULL);
            waited++;
        }
        if (atomic_load(&g_answers) < want) missed++;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= 2) break;
        if (missed > 10) break;
    }
    atomic_store(&g_stop, true);
    pthread_join(th, NULL);
    /* Wait out signals still in flight before the handler goes away. */
    for (int i = 0; i < 100 && atomic_load(&g_answers) < atomic_load(&g_requests); i++) {
        struct timespec nap = {0, 1000000};
        nanosleep(&nap, NULL);
    }
    signal(SIGPROF, SIG_IGN);

    int answers = atomic_load(&g_answers);
    print_message("samples %d (missed %d) over %ld loops: null %d parent %d child %d remote %d sampled-out %d torn %d\n",
                  answers, missed, atomic_load(&a.loops), atomic_load(&g_seen[K_NULL]),
                  atomic_load(&g_seen[K_PARENT]), atomic_load(&g_seen[K_CHILD]), atomic_load(&g_seen[K_REMOTE]),
                  atomic_load(&g_seen[K_SAMPLED_OUT]), atomic_load(&g_torn));
    assert_int_equal(atomic_load(&g_torn), 0);
    assert_true(answers > 0);

    otelc_thread_ctx_uninstall();
    otelc_span_end(a.dropped, 0);
    otelc_span_end(a.child, 0);
    otelc_span_end(a.parent, 0);
    otelc_context_release(a.remote);
    otelc_tracer_provider_destroy(off);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sampled_records_are_never_torn, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
