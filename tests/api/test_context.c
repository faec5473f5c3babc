/* Context: the per-thread scope stack, parent selection, contexts handed across threads, listeners and
 * baggage scopes, with a real SDK provider so parent/child relations can be checked. */
#include "../sdk/test_util.h"

CAPTURE_FIXTURE()

static otelc_span *start(const char *name, const otelc_span_start_options *o) {
    return otelc_tracer_start_span(g_t, name, o);
}
static bool is_child_of(otelc_span *child, otelc_span *parent) {
    otelc_span_context c = otelc_span_get_context(child), p = otelc_span_get_context(parent);
    return memcmp(c.trace_id, p.trace_id, 16) == 0;
}

static void test_scope_nesting(void **state) {
    (void)state;
    assert_null(otelc_current_span());
    otelc_span *a = start("a", NULL);
    otelc_scope sa = otelc_scope_enter(a);
    assert_ptr_equal(otelc_current_span(), a);
    otelc_span *b = start("b", NULL);
    assert_true(is_child_of(b, a));
    otelc_scope sb = otelc_scope_enter(b);
    assert_ptr_equal(otelc_current_span(), b);
    otelc_span *c = start("c", NULL);
    otelc_span_end(c, 0);
    const otelc_span_data *dc = capture_last(&g_cap);
    otelc_span_context bc = otelc_span_get_context(b);
    assert_true(dc->has_parent);
    assert_false(dc->parent_is_remote);
    assert_memory_equal(dc->parent_span_id, bc.span_id, 8);
    otelc_scope_exit(sb);
    assert_ptr_equal(otelc_current_span(), a);
    otelc_span_end(b, 0);
    otelc_scope_exit(sa);
    assert_null(otelc_current_span());
    otelc_span_end(a, 0);
    /* No active span: a root. */
    otelc_span *r = start("r", NULL);
    otelc_span_end(r, 0);
    assert_false(capture_last(&g_cap)->has_parent);
    capture_release(&g_cap);
}

static void test_span_ended_while_active_stays_valid(void **state) {
    (void)state;
    otelc_span *a = start("a", NULL);
    otelc_scope sa = otelc_scope_enter(a);
    otelc_span_end(a, 0); /* the scope still holds a reference */
    assert_ptr_equal(otelc_current_span(), a);
    assert_false(otelc_span_is_recording(a));
    otelc_span *b = start("b", NULL);
    assert_true(is_child_of(b, a));
    otelc_span_end(b, 0);
    otelc_scope_exit(sa);
    assert_null(otelc_current_span());
    capture_release(&g_cap);
}

static void test_out_of_order_and_double_exit(void **state) {
    (void)state;
    logs_start(OTELC_LOG_DEBUG);
    otelc_span *a = start("a", NULL), *b = start("b", NULL), *c = start("c", NULL);
    otelc_scope sa = otelc_scope_enter(a);
    otelc_scope sb = otelc_scope_enter(b);
    otelc_scope sc = otelc_scope_enter(c);
    int before = logs_count();
    otelc_scope_exit(sb); /* exits c's scope too */
    assert_ptr_equal(otelc_current_span(), a);
    assert_true(logs_count() > before);
    otelc_scope_exit(sc); /* already gone: ignored */
    otelc_scope_exit(sb); /* double exit: ignored */
    assert_ptr_equal(otelc_current_span(), a);
    /* A new scope reuses depth 2; the stale token must not exit it. */
    otelc_scope sb2 = otelc_scope_enter(b);
    otelc_scope_exit(sb);
    assert_ptr_equal(otelc_current_span(), b);
    otelc_scope_exit(sb2);
    assert_ptr_equal(otelc_current_span(), a);
    /* The out-of-order report is given once per thread. */
    otelc_scope s1 = otelc_scope_enter(b);
    otelc_scope s2 = otelc_scope_enter(c);
    (void)s2;
    int mid = logs_count();
    otelc_scope_exit(s1);
    assert_int_equal(logs_count(), mid);
    otelc_scope_exit(sa);
    assert_null(otelc_current_span());
    otelc_scope zero = {0, 0};
    otelc_scope_exit(zero);
    logs_stop();
    otelc_span_end(a, 0);
    otelc_span_end(b, 0);
    otelc_span_end(c, 0);
    capture_release(&g_cap);
}

static void test_null_scope(void **state) {
    (void)state;
    otelc_span *a = start("a", NULL);
    otelc_scope sa = otelc_scope_enter(a);
    otelc_scope sn = otelc_scope_enter(NULL); /* no active span inside */
    assert_null(otelc_current_span());
    otelc_span *r = start("r", NULL);
    otelc_span_end(r, 0);
    assert_false(capture_last(&g_cap)->has_parent);
    otelc_scope_exit(sn);
    assert_ptr_equal(otelc_current_span(), a);
    otelc_scope_exit(sa);
    otelc_span_end(a, 0);
    capture_release(&g_cap);
}

static void test_deep_stack(void **state) {
    (void)state;
    enum { N = 100 }; /* beyond the inline capacity */
    otelc_span *s[N];
    otelc_scope sc[N];
    for (int i = 0; i < N; i++) {
        s[i] = start("d", NULL);
        sc[i] = otelc_scope_enter(s[i]);
        assert_ptr_equal(otelc_current_span(), s[i]);
    }
    for (int i = N - 1; i >= 0; i--) {
        assert_ptr_equal(otelc_current_span(), s[i]);
        otelc_scope_exit(sc[i]);
        otelc_span_end(s[i], 0);
    }
    assert_null(otelc_current_span());
    capture_release(&g_cap);
}

static void test_parent_selection(void **state) {
    (void)state;
    otelc_span *active = start("active", NULL);
    otelc_span *explicit_parent = start("explicit", NULL);
    otelc_scope sa = otelc_scope_enter(active);

    otelc_span_start_options o;
    otelc_span_start_options_init(&o);
    /* parent_span wins over the active span */
    o.parent_span = explicit_parent;
    otelc_span *c1 = start("c1", &o);
    assert_true(is_child_of(c1, explicit_parent));
    assert_false(is_child_of(c1, active));
    otelc_span_end(c1, 0);
    otelc_span_context ep = otelc_span_get_context(explicit_parent);
    assert_memory_equal(capture_last(&g_cap)->parent_span_id, ep.span_id, 8);

    /* parent context wins over the active span; parent_span wins over parent context */
    otelc_span_context remote;
    memset(&remote, 0, sizeof remote);
    memset(remote.trace_id, 0xab, 16);
    memset(remote.span_id, 0xcd, 8);
    remote.trace_flags = OTELC_TRACE_FLAGS_SAMPLED;
    remote.is_remote = true;
    otelc_context *ctx = otelc_context_create_remote(&remote, NULL);
    o.parent_span = NULL;
    o.parent = ctx;
    otelc_span *c2 = start("c2", &o);
    otelc_span_end(c2, 0);
    const otelc_span_data *d2 = capture_last(&g_cap);
    assert_memory_equal(d2->context.trace_id, remote.trace_id, 16);
    assert_memory_equal(d2->parent_span_id, remote.span_id, 8);
    assert_true(d2->parent_is_remote);
    assert_false(d2->context.is_remote);
    o.parent_span = explicit_parent;
    otelc_span *c3 = start("c3", &o);
    assert_true(is_child_of(c3, explicit_parent));
    otelc_span_end(c3, 0);

    /* root=true wins over everything */
    o.root = true;
    otelc_span *c4 = start("c4", &o);
    otelc_span_end(c4, 0);
    const otelc_span_data *d4 = capture_last(&g_cap);
    assert_false(d4->has_parent);
    assert_memory_not_equal(d4->context.trace_id, remote.trace_id, 16);

    /* context with an SDK span */
    otelc_context *ctx2 = otelc_context_create(explicit_parent, NULL);
    assert_ptr_equal(otelc_context_get_span(ctx2), explicit_parent);
    otelc_span_start_options_init(&o);
    o.parent = ctx2;
    otelc_span *c5 = start("c5", &o);
    assert_true(is_child_of(c5, explicit_parent));
    otelc_span_end(c5, 0);
    /* context with an empty span: root, even though a span is active */
    otelc_context *ctx3 = otelc_context_with_span(ctx2, NULL);
    o.parent = ctx3;
    otelc_span *c6 = start("c6", &o);
    otelc_span_end(c6, 0);
    /* an explicit parent context without a span means a root span, not the active one */
    assert_false(capture_last(&g_cap)->has_parent);

    otelc_context_release(ctx);
    otelc_context_release(ctx2);
    otelc_context_release(ctx3);
    otelc_scope_exit(sa);
    otelc_span_end(active, 0);
    otelc_span_end(explicit_parent, 0);
    capture_release(&g_cap);
}

typedef struct thread_arg {
    otelc_context *ctx;
    otelc_span_context child;
    bool saw_active;
} thread_arg;

static void *worker(void *p) {
    thread_arg *a = p;
    if (otelc_current_span() != NULL) return NULL; /* a new thread starts with no active span */
    otelc_scope s = otelc_context_attach(a->ctx);
    a->saw_active = otelc_current_span() == otelc_context_get_span(a->ctx);
    otelc_span *c = start("in-thread", NULL);
    a->child = otelc_span_get_context(c);
    otelc_span_end(c, 0);
    otelc_scope_exit(s);
    otelc_context_release(a->ctx);
    /* Leave a scope open on purpose: thread exit must release it without leaking. */
    otelc_span *leak = start("left-open", NULL);
    otelc_scope_enter(leak);
    otelc_span_end(leak, 0);
    return NULL;
}

static void test_context_to_other_thread(void **state) {
    (void)state;
    otelc_span *a = start("a", NULL);
    otelc_scope sa = otelc_scope_enter(a);
    thread_arg arg = {otelc_context_current(), {{0}, {0}, 0, false, NULL}, false};
    assert_non_null(arg.ctx);
    otelc_scope_exit(sa);
    otelc_span_end(a, 0); /* the context keeps the span alive */
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, worker, &arg), 0);
    pthread_join(th, NULL);
    assert_true(arg.saw_active);
    /* a's handle is gone after end; compare through the capture */
    const otelc_span_data *da = g_cap.data[0];
    assert_string_equal(da->name, "a");
    assert_memory_equal(arg.child.trace_id, da->context.trace_id, 16);
    capture_release(&g_cap);
}

typedef struct listener_log {
    int calls;
    otelc_span *last;
} listener_log;
static void listener_fn(otelc_span *span, void *ud) {
    listener_log *l = ud;
    l->calls++;
    l->last = span;
}

static void test_listeners(void **state) {
    (void)state;
    listener_log l1 = {0, NULL}, l2 = {0, NULL};
    assert_int_equal(otelc_context_listener_add(listener_fn, &l1), OTELC_OK);
    assert_int_equal(otelc_context_listener_add(listener_fn, &l2), OTELC_OK);
    otelc_span *a = start("a", NULL), *b = start("b", NULL);
    otelc_scope sa = otelc_scope_enter(a);
    assert_int_equal(l1.calls, 1);
    assert_ptr_equal(l1.last, a);
    otelc_scope sb = otelc_scope_enter(b);
    assert_ptr_equal(l1.last, b);
    assert_ptr_equal(l2.last, b);
    otelc_scope_exit(sb);
    assert_ptr_equal(l1.last, a);
    assert_int_equal(l1.calls, 3);
    /* remove the first: the second keeps being told */
    assert_int_equal(otelc_context_listener_remove(listener_fn, &l1), OTELC_OK);
    assert_int_equal(otelc_context_listener_remove(listener_fn, &l1), OTELC_ERR_NOT_FOUND);
    otelc_scope_exit(sa);
    assert_int_equal(l1.calls, 3);
    assert_int_equal(l2.calls, 4);
    assert_null(l2.last);
    /* attach tells too */
    otelc_context *ctx = otelc_context_create(b, NULL);
    otelc_scope sc = otelc_context_attach(ctx);
    assert_ptr_equal(l2.last, b);
    otelc_scope_exit(sc);
    assert_null(l2.last);
    otelc_context_release(ctx);
    assert_int_equal(otelc_context_listener_remove(listener_fn, &l2), OTELC_OK);
    /* at most 8 listeners */
    listener_log many[9];
    int added = 0;
    for (int i = 0; i < 9; i++)
        if (otelc_context_listener_add(listener_fn, &many[i]) == OTELC_OK) added++;
    assert_int_equal(added, 8);
    for (int i = 0; i < 8; i++) assert_int_equal(otelc_context_listener_remove(listener_fn, &many[i]), OTELC_OK);
    assert_int_equal(otelc_context_listener_remove(listener_fn, &many[8]), OTELC_ERR_NOT_FOUND);
    otelc_span_end(a, 0);
    otelc_span_end(b, 0);
    capture_release(&g_cap);
}

static void test_baggage_scope(void **state) {
    (void)state;
    otelc_baggage *bg = otelc_baggage_set(NULL, "user", "alice", NULL);
    assert_non_null(bg);
    otelc_span *a = start("a", NULL);
    otelc_scope sa = otelc_scope_enter(a);
    otelc_scope sb = otelc_scope_enter_baggage(bg);
    otelc_baggage_release(bg); /* the scope holds a reference */
    assert_ptr_equal(otelc_current_span(), a); /* span kept */
    assert_string_equal(otelc_baggage_get(otelc_current_baggage(), "user"), "alice");
    /* a span scope keeps the baggage */
    otelc_span *b = start("b", NULL);
    otelc_scope sbb = otelc_scope_enter(b);
    assert_string_equal(otelc_baggage_get(otelc_current_baggage(), "user"), "alice");
    otelc_context *ctx = otelc_context_current();
    assert_ptr_equal(otelc_context_get_span(ctx), b);
    assert_string_equal(otelc_baggage_get(otelc_context_get_baggage(ctx), "user"), "alice");
    otelc_scope_exit(sbb);
    otelc_scope_exit(sb);
    assert_null(otelc_current_baggage());
    /* with_baggage / with_span / retain */
    otelc_context *c2 = otelc_context_with_baggage(ctx, NULL);
    assert_null(otelc_context_get_baggage(c2));
    assert_ptr_equal(otelc_context_get_span(c2), b);
    otelc_context *c3 = otelc_context_retain(c2);
    assert_ptr_equal(c3, c2);
    otelc_context_release(c3);
    otelc_scope sx = otelc_context_attach(ctx);
    assert_string_equal(otelc_baggage_get(otelc_current_baggage(), "user"), "alice");
    otelc_scope_exit(sx);
    otelc_context_release(c2);
    otelc_context_release(ctx);
    otelc_scope_exit(sa);
    otelc_span_end(a, 0);
    otelc_span_end(b, 0);
    /* attach(NULL) makes nothing active */
    otelc_scope sn = otelc_context_attach(NULL);
    assert_null(otelc_current_span());
    otelc_scope_exit(sn);
    capture_release(&g_cap);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_nesting),
        cmocka_unit_test(test_span_ended_while_active_stays_valid),
        cmocka_unit_test(test_out_of_order_and_double_exit),
        cmocka_unit_test(test_null_scope),
        cmocka_unit_test(test_deep_stack),
        cmocka_unit_test(test_parent_selection),
        cmocka_unit_test(test_context_to_other_thread),
        cmocka_unit_test(test_listeners),
        cmocka_unit_test(test_baggage_scope),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
