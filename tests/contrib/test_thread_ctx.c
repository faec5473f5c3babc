/* contrib/thread_ctx: the calling thread's OTEP 4947 record follows the active span through scope
 * enter/exit/attach (nesting, out-of-order exits, remote parents, sampled-out spans, no span), install
 * and uninstall behave, and each thread only ever sees its own spans. */
#include "../sdk/test_util.h"

#include "otelc/contrib/thread_ctx.h"

CAPTURE_FIXTURE()

static int setup_installed(void **state) {
    setup(state);
    assert_int_equal(otelc_thread_ctx_install(), OTELC_OK);
    return 0;
}
static int teardown_installed(void **state) {
    otelc_thread_ctx_uninstall();
    return teardown(state);
}

/* The record must hold exactly sc's ids and flags. */
static void assert_record_is(const otelc_span_context *sc) {
    otelc_thread_ctx_record r;
    assert_true(otelc_thread_ctx_read(&r));
    assert_memory_equal(r.trace_id, sc->trace_id, 16);
    assert_memory_equal(r.span_id, sc->span_id, 8);
    assert_int_equal(r.valid, 1);
    assert_int_equal(r.trace_flags, sc->trace_flags);
    assert_int_equal(r.attrs_data_size, 0);
    const otelc_thread_ctx_record *p = otelc_thread_ctx_current();
    assert_non_null(p);
    assert_int_equal(((uintptr_t)p) % 2, 0); /* OTEP: records start 2-byte aligned */
}
static void assert_record_span(otelc_span *s) {
    otelc_span_context sc = otelc_span_get_context(s);
    assert_record_is(&sc);
}
static void assert_no_record(void) {
    otelc_thread_ctx_record r;
    memset(&r, 0xab, sizeof r);
    assert_false(otelc_thread_ctx_read(&r));
    assert_null(otelc_thread_ctx_current());
    static const otelc_thread_ctx_record zero;
    assert_memory_equal(&r, &zero, sizeof r);
}

static void test_enter_exit_nesting(void **state) {
    (void)state;
    assert_no_record();
    otelc_span *a = otelc_tracer_start_span(g_t, "a", NULL);
    otelc_scope sa = otelc_scope_enter(a);
    assert_record_span(a);
    otelc_thread_ctx_record ra;
    otelc_thread_ctx_read(&ra);
    assert_int_equal(ra.trace_flags & OTELC_TRACE_FLAGS_SAMPLED, OTELC_TRACE_FLAGS_SAMPLED);
    otelc_span *b = otelc_tracer_start_span(g_t, "b", NULL);
    otelc_scope sb = otelc_scope_enter(b);
    assert_record_span(b);
    otelc_span *c = otelc_tracer_start_span(g_t, "c", NULL);
    otelc_scope sc = otelc_scope_enter(c);
    assert_record_span(c);
    otelc_scope_exit(sc);
    assert_record_span(b); /* the parent is restored */
    otelc_scope_exit(sb);
    assert_record_span(a);
    /* Same span entered twice in a row: still that span. */
    otelc_scope again = otelc_scope_enter(a);
    assert_record_span(a);
    otelc_scope_exit(again);
    assert_record_span(a);
    otelc_scope_exit(sa);
    assert_no_record(); /* cleared at the outermost exit */
    otelc_span_end(c, 0);
    otelc_span_end(b, 0);
    otelc_span_end(a, 0);
}

static void test_out_of_order_exits(void **state) {
    (void)state;
    otelc_span *a = otelc_tracer_start_span(g_t, "a", NULL);
    otelc_span *b = otelc_tracer_start_span(g_t, "b", NULL);
    otelc_span *c = otelc_tracer_start_span(g_t, "c", NULL);
    otelc_scope sa = otelc_scope_enter(a);
    otelc_scope sb = otelc_scope_enter(b);
    otelc_scope sc = otelc_scope_enter(c);
    assert_record_span(c);
    otelc_scope_exit(sb); /* exits b and c */
    assert_record_span(a);
    otelc_scope_exit(sc); /* already gone: ignored, nothing published */
    assert_record_span(a);
    otelc_scope_exit(sb); /* twice: ignored */
    assert_record_span(a);
    otelc_scope_exit(sa);
    assert_no_record();
    otelc_scope_exit(sa);
    assert_no_record();
    otelc_span_end(a, 0);
    otelc_span_end(b, 0);
    otelc_span_end(c, 0);
}

static void test_no_span_and_baggage_scopes(void **state) {
    (void)state;
    otelc_span *a = otelc_tracer_start_span(g_t, "a", NULL);
    otelc_scope sa = otelc_scope_enter(a);
    otelc_scope none = otelc_scope_enter(NULL); /* a scope with no active span */
    assert_no_record();
    otelc_scope_exit(none);
    assert_record_span(a);
    otelc_context *empty = otelc_context_create(NULL, NULL); /* a context with no span */
    otelc_scope se = otelc_context_attach(empty);
    assert_no_record();
    otelc_scope_exit(se);
    assert_record_span(a);
    otelc_context_release(empty);
    /* A baggage scope keeps the active span, and so does the record. */
    otelc_scope sbag = otelc_scope_enter_baggage(NULL);
    assert_record_span(a);
    otelc_scope_exit(sbag);
    assert_record_span(a);
    /* A span with an invalid (all-zero) context, e.g. the no-op span: no record. */
    otelc_span *noop = otelc_span_noop();
    otelc_span_context z = otelc_span_get_context(noop);
    assert_false(otelc_span_context_is_valid(&z));
    otelc_scope snoop = otelc_scope_enter(noop);
    assert_no_record();
    otelc_scope_exit(snoop);
    assert_record_span(a);
    otelc_span_end(noop, 0);
    otelc_scope_exit(sa);
    assert_no_record();
    otelc_span_end(a, 0);
}

static void test_remote_parent_and_sampled_out(void **state) {
    (void)state;
    otelc_span_context remote;
    memset(&remote, 0, sizeof remote);
    for (int i = 0; i < 16; i++) remote.trace_id[i] = (uint8_t)(0xa0 + i);
    for (int i = 0; i < 8; i++) remote.span_id[i] = (uint8_t)(0x10 + i);
    remote.is_remote = true;
    for (uint8_t flags = 0; flags <= 3; flags++) {
        remote.trace_flags = flags;
        otelc_context *ctx = otelc_context_create_remote(&remote, NULL);
        assert_non_null(ctx);
        otelc_scope s = otelc_context_attach(ctx);
        assert_false(otelc_span_is_recording(otelc_current_span()));
        assert_record_is(&remote); /* the remote parent's ids and flags, sampled or not */
        otelc_scope_exit(s);
        assert_no_record();
        otelc_context_release(ctx);
    }
    /* A span the sampler drops is non-recording but has a valid context: published, sampled bit 0. */
    otelc_tracer_provider *off = provider_with(otelc_processor_create(&capture_ops, &g_cap), otelc_sampler_always_off());
    otelc_tracer *t = test_tracer(off);
    otelc_span *d = otelc_tracer_start_span(t, "dropped", NULL);
    assert_false(otelc_span_is_recording(d));
    otelc_scope sd = otelc_scope_enter(d);
    assert_record_span(d);
    otelc_thread_ctx_record r;
    otelc_thread_ctx_read(&r);
    assert_int_equal(r.trace_flags & OTELC_TRACE_FLAGS_SAMPLED, 0);
    otelc_scope_exit(sd);
    assert_no_record();
    otelc_span_end(d, 0);
    otelc_tracer_provider_destroy(off);
}

static void test_install_twice_and_uninstall(void **state) {
    (void)state;
    assert_false(otelc_thread_ctx_is_installed());
    otelc_span *a = otelc_tracer_start_span(g_t, "a", NULL);
    otelc_scope sa = otelc_scope_enter(a);
    assert_no_record(); /* not installed: nothing published */
    assert_int_equal(otelc_thread_ctx_install(), OTELC_OK);
    assert_true(otelc_thread_ctx_is_installed());
    assert_record_span(a); /* install publishes the caller's current span */
    assert_int_equal(otelc_thread_ctx_install(), OTELC_OK); /* idempotent */
    otelc_span *b = otelc_tracer_start_span(g_t, "b", NULL);
    otelc_scope sb = otelc_scope_enter(b);
    assert_record_span(b);
    otelc_scope_exit(sb);
    assert_record_span(a);
    /* One uninstall removes the (single) listener: later scope changes publish nothing. */
    otelc_thread_ctx_uninstall();
    assert_false(otelc_thread_ctx_is_installed());
    assert_no_record();
    sb = otelc_scope_enter(b);
    assert_no_record();
    otelc_scope_exit(sb);
    otelc_thread_ctx_uninstall(); /* no-op */
    assert_int_equal(otelc_thread_ctx_install(), OTELC_OK);
    assert_record_span(a);
    otelc_scope_exit(sa);
    assert_no_record();
    otelc_thread_ctx_uninstall();
    otelc_span_end(a, 0);
    otelc_span_end(b, 0);
}

/* ---- several threads ---- */

#define NTHREADS 4
#define ROUNDS 2000

typedef struct worker {
    pthread_t th;
    otelc_tracer *t;
    pthread_barrier_t *barrier;
    int failures;
} worker;

static bool record_equals(otelc_span *s) {
    otelc_span_context sc = otelc_span_get_context(s);
    otelc_thread_ctx_record r;
    if (!otelc_thread_ctx_read(&r)) return false;
    return memcmp(r.trace_id, sc.trace_id, 16) == 0 && memcmp(r.span_id, sc.span_id, 8) == 0 &&
           r.trace_flags == sc.trace_flags;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    if (otelc_thread_ctx_current() != NULL) w->failures++; /* a new thread starts with no record */
    pthread_barrier_wait(w->barrier);
    for (int i = 0; i < ROUNDS; i++) {
        otelc_span *p = otelc_tracer_start_span(w->t, "p", NULL);
        otelc_scope sp = otelc_scope_enter(p);
        if (!record_equals(p)) w->failures++;
        otelc_span *c = otelc_tracer_start_span(w->t, "c", NULL);
        otelc_scope sc = otelc_scope_enter(c);
        if (!record_equals(c)) w->failures++;
        otelc_scope_exit(sc);
        if (!record_equals(p)) w->failures++;
        otelc_scope_exit(sp);
        if (otelc_thread_ctx_current() != NULL) w->failures++;
        otelc_span_end(c, 0);
        otelc_span_end(p, 0);
    }
    return NULL;
}

static void test_per_thread_isolation(void **state) {
    (void)state;
    otelc_span *mine = otelc_tracer_start_span(g_t, "main", NULL);
    otelc_scope sm = otelc_scope_enter(mine);
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, NTHREADS + 1);
    worker w[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (worker){.t = g_t, .barrier = &barrier};
        assert_int_equal(pthread_create(&w[i].th, NULL, worker_main, &w[i]), 0);
    }
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < ROUNDS; i++) assert_true(record_equals(mine));
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(w[i].th, NULL);
        assert_int_equal(w[i].failures, 0);
    }
    pthread_barrier_destroy(&barrier);
    assert_record_span(mine); /* untouched by the other threads */
    otelc_scope_exit(sm);
    assert_no_record();
    otelc_span_end(mine, 0);
    capture_release(&g_cap);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enter_exit_nesting, setup_installed, teardown_installed),
        cmocka_unit_test_setup_teardown(test_out_of_order_exits, setup_installed, teardown_installed),
        cmocka_unit_test_setup_teardown(test_no_span_and_baggage_scopes, setup_installed, teardown_installed),
        cmocka_unit_test_setup_teardown(test_remote_parent_and_sampled_out, setup_installed, teardown_installed),
        cmocka_unit_test_setup_teardown(test_install_twice_and_uninstall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_per_thread_isolation, setup_installed, teardown_installed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
