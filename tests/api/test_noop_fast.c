/* The no-SDK shortcut of otelc_tracer_start_span (trace.h's inline wrapper, and the library function
 * behind it): it may answer with the static no-op span only while no provider is installed, no scope
 * was ever entered, no options were given and the tracer follows the global provider. Each test below
 * would fail if the shortcut fired when it must not.
 *
 * Built three times (tests/api/CMakeLists.txt): with the inline wrappers, with OTELC_NO_INLINE (plain
 * calls, same expectations), and, when shared libraries are built, against them (the executable then
 * reads the library's exported word and span object, possibly through copy relocations).
 *
 * Order matters: entering a scope sets OTELC__GLOBAL_SCOPES for the rest of the process, so the tests
 * that need the shortcut armed run first, and the scope tests last; each checks the word it expects. */
#include "../sdk/test_util.h"

#include <sched.h>
#include <stdatomic.h>

#include "otelc/context.h"

/* The layering itself: with the wrappers on, the public name is the wrapper (so taking its address
 * gives a function that behaves the same); with OTELC_NO_INLINE it is the exported function. */
#if defined(OTELC_NO_INLINE) && defined(otelc_tracer_start_span)
#error "OTELC_NO_INLINE must give the plain otelc_tracer_start_span"
#endif
#if !defined(OTELC_NO_INLINE) && (defined(__GNUC__) || defined(__clang__)) && !defined(otelc_tracer_start_span)
#error "the inline otelc_tracer_start_span wrapper is not active"
#endif

static unsigned global_state(void) { return __atomic_load_n(&otelc__global_state, __ATOMIC_RELAXED); }

static otelc_span_context make_remote(void) {
    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    assert_true(otelc_hex_decode("4bf92f3577b34da6a3ce929d0e0e4736", 16, sc.trace_id, false));
    assert_true(otelc_hex_decode("00f067aa0ba902b7", 8, sc.span_id, false));
    sc.trace_flags = OTELC_TRACE_FLAGS_SAMPLED;
    sc.is_remote = true;
    return sc;
}

/* A start with no options gives a non-recording span carrying `want` (not the no-op span). */
static void assert_carries(otelc_span *s, const otelc_span_context *want) {
    assert_ptr_not_equal(s, otelc_span_noop());
    assert_false(otelc_span_is_recording(s));
    otelc_span_context got = otelc_span_get_context(s);
    assert_memory_equal(got.trace_id, want->trace_id, 16);
    assert_memory_equal(got.span_id, want->span_id, 8);
}

static void test_shortcut_armed_at_start(void **state) {
    (void)state;
    assert_int_equal(global_state(), 0);
    otelc_tracer *t = otelc_get_tracer("fast", "1", NULL);
    assert_ptr_equal(otelc_tracer_start_span(t, "a", NULL), otelc_span_noop());
    assert_ptr_equal(otelc_tracer_start_span(NULL, "a", NULL), otelc_span_noop());
    assert_ptr_equal(otelc_tracer_start_span(t, NULL, NULL), otelc_span_noop());
    /* Through the address of the public name (the wrapper when inline): same answer. */
    otelc_span *(*start)(otelc_tracer *, const char *, const otelc_span_start_options *) = otelc_tracer_start_span;
    assert_ptr_equal(start(t, "a", NULL), otelc_span_noop());
    /* Installing the no-op provider is "no provider". */
    otelc_set_tracer_provider(otelc_get_tracer_provider());
    assert_int_equal(global_state(), 0);
    otelc_set_tracer_provider(NULL);
    assert_int_equal(global_state(), 0);
}

/* A tracer from an SDK provider that is not installed globally does not follow the global slot: the
 * shortcut must not swallow its spans. */
static void test_sdk_tracer_without_global_provider(void **state) {
    (void)state;
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = capture_provider(&c, NULL);
    assert_int_equal(global_state(), 0);
    otelc_span *s = otelc_tracer_start_span(test_tracer(tp), "direct", NULL);
    assert_true(otelc_span_is_recording(s));
    otelc_span_end(s, 0);
    assert_int_equal(c.count, 1);
    assert_string_equal(capture_last(&c)->name, "direct");
    capture_release(&c);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
    assert_int_equal(global_state(), 0);
}

/* Proxy tracers taken (and used) before the SDK is installed record once it is; uninstalling re-arms
 * the shortcut, reinstalling disarms it, and a destroyed provider uninstalls itself. */
static void test_provider_installed_after_proxy_used(void **state) {
    (void)state;
    otelc_tracer *t = otelc_get_tracer("early", "1", NULL);
    otelc_tracer *t2 = otelc_get_tracer("early-too", "1", NULL);
    for (int i = 0; i < 3; i++) otelc_span_end(otelc_tracer_start_span(t, "before", NULL), 0);

    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = capture_provider(&c, NULL);
    otelc_set_tracer_provider(tp);
    assert_int_equal(global_state(), OTELC__GLOBAL_PROVIDER);
    otelc_span *s = otelc_tracer_start_span(t, "after", NULL);
    assert_true(otelc_span_is_recording(s));
    otelc_span_end(s, 0);
    otelc_span_end(otelc_tracer_start_span(t2, "after-too", NULL), 0);
    otelc_span_end(otelc_tracer_start_span(NULL, "null-tracer", NULL), 0); /* the no-op tracer, by contract */
    assert_int_equal(c.count, 2);
    assert_string_equal(c.data[0]->name, "after");
    assert_string_equal(c.data[1]->name, "after-too");

    otelc_set_tracer_provider(NULL);
    assert_int_equal(global_state(), 0);
    assert_ptr_equal(otelc_tracer_start_span(t, "uninstalled", NULL), otelc_span_noop());

    otelc_set_tracer_provider(tp);
    assert_int_equal(global_state(), OTELC__GLOBAL_PROVIDER);
    s = otelc_tracer_start_span(t, "again", NULL);
    assert_true(otelc_span_is_recording(s));
    otelc_span_end(s, 0);
    assert_int_equal(c.count, 3);

    capture_release(&c);
    otelc_tracer_provider_destroy(tp); /* uninstalls itself */
    capture_fini(&c);
    assert_int_equal(global_state(), 0);
    assert_ptr_equal(otelc_tracer_start_span(t, "destroyed", NULL), otelc_span_noop());
}

/* Options are never short-circuited: an explicit parent is propagated with no SDK installed. */
static void test_options_with_parent(void **state) {
    (void)state;
    assert_int_equal(global_state(), 0);
    otelc_tracer *t = otelc_get_tracer("fast", "1", NULL);
    otelc_span_context remote = make_remote();
    otelc_context *ctx = otelc_context_create_remote(&remote, NULL);
    assert_non_null(ctx);

    otelc_span_start_options o;
    otelc_span_start_options_init(&o);
    o.parent = ctx;
    otelc_span *s = otelc_tracer_start_span(t, "child", &o);
    assert_carries(s, &remote);

    otelc_span_start_options o2;
    otelc_span_start_options_init(&o2);
    o2.parent_span = s;
    otelc_span *s2 = otelc_tracer_start_span(t, "grandchild", &o2);
    assert_carries(s2, &remote);
    otelc_span_end(s2, 0);

    /* Default options and root=true: the no-op span, by the library's own rules. */
    otelc_span_start_options_init(&o2);
    assert_ptr_equal(otelc_tracer_start_span(t, "defaults", &o2), otelc_span_noop());
    o.root = true;
    assert_ptr_equal(otelc_tracer_start_span(t, "root", &o), otelc_span_noop());

    otelc_span_end(s, 0);
    otelc_context_release(ctx);
    assert_int_equal(global_state(), 0); /* contexts are not scopes */
}

/* Two threads installing and uninstalling at once: when both are done, the provider bit agrees with
 * the provider slot, whichever store came last. The main thread and one helper each make one call per
 * round, released together by a spinning start (a blocking barrier would stagger them by more than the
 * few instructions between the slot store and the bit update). */
typedef struct racer {
    otelc_tracer_provider *tp;
    atomic_int go, done; /* round released by main, round finished by the helper */
    int rounds;
} racer;

static void *racer_main(void *arg) {
    racer *r = arg;
    for (int round = 1; round <= r->rounds; round++) {
        while (atomic_load(&r->go) < round) sched_yield();
        otelc_set_tracer_provider((round & 1) ? NULL : r->tp);
        atomic_store(&r->done, round);
    }
    return NULL;
}

static void test_concurrent_installs(void **state) {
    (void)state;
    capture c;
    capture_init(&c);
    racer r = {.tp = capture_provider(&c, NULL), .rounds = 20000};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, racer_main, &r), 0);
    int mismatches = 0;
    for (int round = 1; round <= r.rounds; round++) {
        atomic_store(&r.go, round);
        otelc_set_tracer_provider((round & 1) ? r.tp : NULL); /* the opposite of the helper */
        while (atomic_load(&r.done) < round) sched_yield();
        bool installed = otelc_get_tracer_provider() == r.tp;
        if (global_state() != (installed ? OTELC__GLOBAL_PROVIDER : 0u)) mismatches++;
    }
    pthread_join(th, NULL);
    assert_int_equal(mismatches, 0);

    /* And what instrumentation sees after the race. */
    otelc_tracer *t = otelc_get_tracer("fast", "1", NULL);
    bool installed = otelc_get_tracer_provider() == r.tp;
    otelc_span *s = otelc_tracer_start_span(t, "after-race", NULL);
    assert_int_equal(otelc_span_is_recording(s), installed);
    otelc_span_end(s, 0);
    otelc_set_tracer_provider(NULL);
    capture_release(&c);
    otelc_tracer_provider_destroy(r.tp);
    capture_fini(&c);
    assert_int_equal(global_state(), 0);
}

/* From here on a scope has been entered: the shortcut stays off for the process, and the library
 * propagates the active span exactly as before. */
static void test_scope_with_no_provider(void **state) {
    (void)state;
    assert_int_equal(global_state(), 0);
    otelc_tracer *t = otelc_get_tracer("fast", "1", NULL);
    otelc_span_context remote = make_remote();
    otelc_context *ctx = otelc_context_create_remote(&remote, NULL);
    otelc_scope sc = otelc_context_attach(ctx);
    assert_int_equal(global_state(), OTELC__GLOBAL_SCOPES);
    otelc_span *s = otelc_tracer_start_span(t, "child", NULL);
    assert_carries(s, &remote);
    otelc_scope sc2 = otelc_scope_enter(s); /* a nested scope: its span is the parent now */
    otelc_span *s2 = otelc_tracer_start_span(NULL, "grandchild", NULL);
    assert_carries(s2, &remote);
    otelc_span_end(s2, 0);
    otelc_scope_exit(sc2);
    otelc_span_end(s, 0);
    otelc_scope_exit(sc);
    otelc_context_release(ctx);

    /* Sticky, and still right with no scope active: the library answers with the no-op span. */
    assert_int_equal(global_state(), OTELC__GLOBAL_SCOPES);
    assert_ptr_equal(otelc_tracer_start_span(t, "after", NULL), otelc_span_noop());
}

/* Provider set and back to NULL after a scope: the word is recomputed to "scopes seen", not to 0. */
static void test_provider_round_trip_keeps_scope_bit(void **state) {
    (void)state;
    assert_int_equal(global_state(), OTELC__GLOBAL_SCOPES);
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = capture_provider(&c, NULL);
    otelc_set_tracer_provider(tp);
    assert_int_equal(global_state(), OTELC__GLOBAL_PROVIDER | OTELC__GLOBAL_SCOPES);
    otelc_set_tracer_provider(NULL);
    assert_int_equal(global_state(), OTELC__GLOBAL_SCOPES);
    capture_release(&c);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
    assert_int_equal(global_state(), OTELC__GLOBAL_SCOPES);
}

/* A scope entered while the SDK was installed, still active when it is uninstalled: the next start
 * must carry that span's context, not be the no-op span. */
static void test_scope_outlives_provider(void **state) {
    (void)state;
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = capture_provider(&c, NULL);
    otelc_set_tracer_provider(tp);
    otelc_tracer *t = otelc_get_tracer("fast", "1", NULL);
    otelc_span *parent = otelc_tracer_start_span(t, "parent", NULL);
    assert_true(otelc_span_is_recording(parent));
    otelc_span_context pc = otelc_span_get_context(parent);
    otelc_scope sc = otelc_scope_enter(parent);
    otelc_set_tracer_provider(NULL);
    otelc_span *child = otelc_tracer_start_span(t, "child", NULL);
    assert_carries(child, &pc);
    otelc_span_end(child, 0);
    otelc_scope_exit(sc);
    otelc_span_end(parent, 0);
    capture_release(&c);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
}

/* The scope bit is process-wide: a thread that never entered a scope goes out of line too and gets
 * the no-op span from the library; a thread with its own scope gets its own parent. */
static void *scoped_thread(void *arg) {
    const otelc_span_context *remote = arg;
    otelc_tracer *t = otelc_get_tracer("fast", "1", NULL);
    if (otelc_tracer_start_span(t, "no-scope", NULL) != otelc_span_noop()) return (void *)1;
    otelc_context *ctx = otelc_context_create_remote(remote, NULL);
    otelc_scope sc = otelc_context_attach(ctx);
    otelc_span *s = otelc_tracer_start_span(t, "child", NULL);
    otelc_span_context got = otelc_span_get_context(s);
    bool ok = s != otelc_span_noop() && memcmp(got.trace_id, remote->trace_id, 16) == 0;
    otelc_span_end(s, 0);
    otelc_scope_exit(sc);
    otelc_context_release(ctx);
    return ok ? NULL : (void *)2;
}

static void test_scope_on_another_thread(void **state) {
    (void)state;
    otelc_span_context remote = make_remote();
    pthread_t th;
    void *ret = (void *)3;
    assert_int_equal(pthread_create(&th, NULL, scoped_thread, &remote), 0);
    pthread_join(th, &ret);
    assert_null(ret);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        /* shortcut armed: no scope entered yet */
        cmocka_unit_test(test_shortcut_armed_at_start),
        cmocka_unit_test(test_sdk_tracer_without_global_provider),
        cmocka_unit_test(test_provider_installed_after_proxy_used),
        cmocka_unit_test(test_options_with_parent),
        cmocka_unit_test(test_concurrent_installs),
        /* the first scope: the shortcut is off from here on */
        cmocka_unit_test(test_scope_with_no_provider),
        cmocka_unit_test(test_provider_round_trip_keeps_scope_bit),
        cmocka_unit_test(test_scope_outlives_provider),
        cmocka_unit_test(test_scope_on_another_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
