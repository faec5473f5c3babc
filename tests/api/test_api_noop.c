/* The API without an SDK: every call is a safe no-op, start never returns NULL, a parent's span
 * context is propagated, and proxy tracers taken early follow the provider installed later. */
#include "../sdk/test_util.h"

#include <stdio.h>

static void test_noop_span_never_null(void **state) {
    (void)state;
    otelc_tracer_provider *tp = otelc_get_tracer_provider();
    assert_non_null(tp);
    assert_false(otelc_tracer_provider_is_sdk(tp));
    otelc_tracer *t = otelc_get_tracer("lib", "1.0", NULL);
    assert_non_null(t);
    otelc_span *s = otelc_tracer_start_span(t, "op", NULL);
    assert_non_null(s);
    assert_ptr_equal(s, otelc_span_noop());
    assert_false(otelc_span_is_recording(s));
    otelc_span_context sc = otelc_span_get_context(s);
    assert_false(otelc_span_context_is_valid(&sc));

    /* Every operation is accepted and does nothing. */
    otelc_span_set_attr_str(s, "k", "v");
    otelc_span_set_attr_int(s, "k", 1);
    otelc_span_set_attr_bool(s, "k", true);
    otelc_span_set_attr_double(s, "k", 1.5);
    otelc_attr a[1] = {otelc_attr_int("x", 1)};
    otelc_span_set_attributes(s, a, 1);
    otelc_span_add_event(s, "e", a, 1, 0);
    otelc_link_options l = {sc, NULL, 0};
    otelc_span_add_link(s, &l);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "x");
    otelc_span_update_name(s, "n");
    otelc_span_record_exception(s, "t", "m", "st", NULL, 0);
    assert_ptr_equal(otelc_span_retain(s), s);
    otelc_span_release(s);
    otelc_span_end(s, 0);
    otelc_span_end(s, 0); /* the static span survives any number of ends */
    assert_false(otelc_span_is_recording(otelc_span_noop()));

    /* NULL tracer and NULL/empty names still give the no-op span. */
    otelc_span *s2 = otelc_tracer_start_span(NULL, NULL, NULL);
    assert_ptr_equal(s2, otelc_span_noop());
    otelc_span_end(s2, 0);
    otelc_tracer *t2 = otelc_get_tracer(NULL, NULL, NULL);
    assert_non_null(t2);
    assert_ptr_equal(t2, otelc_get_tracer("", "", ""));
    otelc_span_end(otelc_tracer_start_span(t2, "", NULL), 0);
}

static void test_null_everywhere(void **state) {
    (void)state;
    otelc_span_end(NULL, 0);
    assert_null(otelc_span_retain(NULL));
    otelc_span_release(NULL);
    assert_false(otelc_span_is_recording(NULL));
    otelc_span_context sc = otelc_span_get_context(NULL);
    assert_false(otelc_span_context_is_valid(&sc));
    assert_false(otelc_span_context_is_valid(NULL));
    assert_false(otelc_span_context_is_sampled(NULL));
    otelc_span_set_attribute(NULL, "k", otelc_value_int(1));
    otelc_span_set_attributes(NULL, NULL, 3);
    otelc_span_set_attr_str(NULL, "k", "v");
    otelc_span_set_attr_int(NULL, "k", 1);
    otelc_span_set_attr_bool(NULL, "k", true);
    otelc_span_set_attr_double(NULL, "k", 1.0);
    otelc_span_add_event(NULL, "e", NULL, 0, 0);
    otelc_span_add_link(NULL, NULL);
    otelc_span_set_status(NULL, OTELC_STATUS_OK, NULL);
    otelc_span_update_name(NULL, "x");
    otelc_span_record_exception(NULL, NULL, NULL, NULL, NULL, 0);
    otelc_span_start_options_init(NULL);
    assert_false(otelc_trace_id_is_valid(NULL));
    assert_false(otelc_span_id_is_valid(NULL));
    uint8_t b[8];
    assert_false(otelc_hex_decode(NULL, 8, b, false));
    assert_null(otelc_context_get_span(NULL));
    assert_null(otelc_context_get_baggage(NULL));
    otelc_span_context c2 = otelc_context_get_span_context(NULL);
    assert_false(otelc_span_context_is_valid(&c2));
    otelc_context_release(NULL);
    assert_null(otelc_context_retain(NULL));
    for (int st = 1; st >= -12; st--) assert_non_null(otelc_status_str((otelc_status)st));
    assert_non_null(otelc_status_str((otelc_status)-1000));
    assert_int_equal(otelc_context_listener_add(NULL, NULL), OTELC_ERR_INVALID_ARGUMENT);
}

static otelc_span_context make_remote(uint8_t flags) {
    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    assert_true(otelc_hex_decode("4bf92f3577b34da6a3ce929d0e0e4736", 16, sc.trace_id, false));
    assert_true(otelc_hex_decode("00f067aa0ba902b7", 8, sc.span_id, false));
    sc.trace_flags = flags;
    sc.is_remote = true;
    return sc;
}

static void test_noop_propagates_remote_parent(void **state) {
    (void)state;
    otelc_span_context remote = make_remote(OTELC_TRACE_FLAGS_SAMPLED);
    otelc_trace_state *ts = otelc_trace_state_parse("vendor=value", 12);
    assert_non_null(ts);
    remote.trace_state = ts;
    otelc_context *ctx = otelc_context_create_remote(&remote, NULL);
    assert_non_null(ctx);
    otelc_trace_state_release(ts); /* the context's span holds its own reference */

    otelc_span_start_options o;
    otelc_span_start_options_init(&o);
    o.parent = ctx;
    otelc_span *s = otelc_tracer_start_span(otelc_get_tracer("lib", NULL, NULL), "child", &o);
    assert_non_null(s);
    assert_false(otelc_span_is_recording(s));
    otelc_span_context got = otelc_span_get_context(s);
    assert_memory_equal(got.trace_id, remote.trace_id, 16);
    assert_memory_equal(got.span_id, remote.span_id, 8);
    assert_int_equal(got.trace_flags, OTELC_TRACE_FLAGS_SAMPLED);
    assert_string_equal(otelc_trace_state_get(got.trace_state, "vendor"), "value");

    /* Through the active span too. */
    otelc_scope sc = otelc_scope_enter(s);
    otelc_span *s2 = otelc_tracer_start_span(otelc_get_tracer("lib", NULL, NULL), "grandchild", NULL);
    otelc_span_context got2 = otelc_span_get_context(s2);
    assert_memory_equal(got2.trace_id, remote.trace_id, 16);
    otelc_span_end(s2, 0);
    otelc_scope_exit(sc);

    /* root=true ignores the parent. */
    o.root = true;
    otelc_span *s3 = otelc_tracer_start_span(otelc_get_tracer("lib", NULL, NULL), "root", &o);
    assert_ptr_equal(s3, otelc_span_noop());
    otelc_span_end(s3, 0);

    otelc_span_end(s, 0);
    otelc_context_release(ctx);

    /* An invalid remote context gives a context with no span. */
    otelc_span_context bad;
    memset(&bad, 0, sizeof bad);
    otelc_context *c2 = otelc_context_create_remote(&bad, NULL);
    assert_non_null(c2);
    assert_null(otelc_context_get_span(c2));
    otelc_context_release(c2);
}

static void test_start_options_bad_struct_size(void **state) {
    (void)state;
    otelc_span_context remote = make_remote(1);
    otelc_context *ctx = otelc_context_create_remote(&remote, NULL);
    otelc_span_start_options o;
    otelc_span_start_options_init(&o);
    assert_int_equal(o.struct_size, sizeof o);
    assert_int_equal(o.kind, OTELC_SPAN_KIND_INTERNAL);
    o.parent = ctx;
    o.struct_size = 0; /* garbage options are ignored, as if NULL */
    otelc_span *s = otelc_tracer_start_span(otelc_get_tracer("lib", NULL, NULL), "x", &o);
    assert_ptr_equal(s, otelc_span_noop());
    otelc_context_release(ctx);
}

static void test_hex_helpers(void **state) {
    (void)state;
    uint8_t id[8] = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
    char hex[17];
    otelc_hex_encode(id, 8, hex);
    assert_string_equal(hex, "00f067aa0ba902b7");
    uint8_t back[8];
    assert_true(otelc_hex_decode(hex, 8, back, false));
    assert_memory_equal(back, id, 8);
    assert_false(otelc_hex_decode("00F067AA0BA902B7", 8, back, false));
    assert_true(otelc_hex_decode("00F067AA0BA902B7", 8, back, true));
    assert_memory_equal(back, id, 8);
    assert_false(otelc_hex_decode("00f067aa0ba902bg", 8, back, true));
    assert_false(otelc_hex_decode("00f0", 8, back, true)); /* short: stops at the NUL */
    uint8_t zero[16] = {0};
    assert_false(otelc_trace_id_is_valid(zero));
    assert_false(otelc_span_id_is_valid(zero));
    zero[15] = 1;
    assert_true(otelc_trace_id_is_valid(zero));
    otelc_span_context sc = make_remote(0);
    assert_true(otelc_span_context_is_valid(&sc));
    assert_false(otelc_span_context_is_sampled(&sc));
    memset(sc.span_id, 0, 8);
    assert_false(otelc_span_context_is_valid(&sc));
}

static void test_proxy_follows_installed_provider(void **state) {
    (void)state;
    otelc_tracer *early = otelc_get_tracer("early-lib", "2.0", "https://schema");
    assert_ptr_equal(early, otelc_get_tracer("early-lib", "2.0", "https://schema"));
    assert_ptr_not_equal(early, otelc_get_tracer("early-lib", "3.0", "https://schema"));
    otelc_span *s0 = otelc_tracer_start_span(early, "before", NULL);
    assert_false(otelc_span_is_recording(s0));
    otelc_span_end(s0, 0);

    rec_exporter rec;
    rec_init(&rec);
    otelc_tracer_provider_options o;
    otelc_tracer_provider_options_init(&o);
    otelc_processor *p = otelc_simple_processor_create(rec_exporter_make(&rec));
    o.processors = &p;
    o.processor_count = 1;
    o.sampler = otelc_sampler_always_on();
    otelc_tracer_provider *tp = otelc_tracer_provider_create(&o, NULL);
    assert_non_null(tp);
    assert_true(otelc_tracer_provider_is_sdk(tp));
    otelc_set_tracer_provider(tp);
    assert_ptr_equal(otelc_get_tracer_provider(), tp);

    otelc_span *s1 = otelc_tracer_start_span(early, "after", NULL);
    assert_true(otelc_span_is_recording(s1));
    otelc_span_end(s1, 0);
    assert_int_equal(rec_count(&rec), 1);
    assert_string_equal(rec.spans[0].name, "after");

    /* Uninstall: the proxy goes back to no-op. */
    otelc_set_tracer_provider(NULL);
    assert_false(otelc_tracer_provider_is_sdk(otelc_get_tracer_provider()));
    otelc_span *s2 = otelc_tracer_start_span(early, "uninstalled", NULL);
    assert_false(otelc_span_is_recording(s2));
    otelc_span_end(s2, 0);

    /* Install again, then destroying the provider uninstalls it. */
    otelc_set_tracer_provider(tp);
    otelc_span *s3 = otelc_tracer_start_span(early, "again", NULL);
    assert_true(otelc_span_is_recording(s3));
    otelc_span_end(s3, 0);
    otelc_tracer_provider_destroy(tp);
    assert_false(otelc_tracer_provider_is_sdk(otelc_get_tracer_provider()));
    otelc_span *s4 = otelc_tracer_start_span(early, "destroyed", NULL);
    assert_false(otelc_span_is_recording(s4));
    otelc_span_end(s4, 0);
    assert_int_equal(rec.count, 2);
    assert_true(rec.destroyed);
    rec_fini(&rec);
}

static void test_proxy_scope_reaches_sdk(void **state) {
    (void)state;
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = capture_provider(&c, NULL);
    otelc_set_tracer_provider(tp);
    otelc_span *s = otelc_tracer_start_span(otelc_get_tracer("scoped", "1.2.3", "https://s"), "x", NULL);
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&c);
    assert_string_equal(d->scope->name, "scoped");
    assert_string_equal(d->scope->version, "1.2.3");
    assert_string_equal(d->scope->schema_url, "https://s");

    /* A tracer from a specific provider with scope attributes; cached per scope. */
    otelc_attr sa[2] = {otelc_attr_str("lib.kind", "db"), otelc_attr_int("lib.n", 3)};
    otelc_scope_options so = {sizeof so, "direct", NULL, NULL, sa, 2};
    otelc_tracer *t = otelc_tracer_provider_get_tracer(tp, &so);
    assert_ptr_equal(t, otelc_tracer_provider_get_tracer(tp, &so));
    otelc_span_end(otelc_tracer_start_span(t, "y", NULL), 0);
    d = capture_last(&c);
    assert_string_equal(d->scope->name, "direct");
    assert_string_equal(d->scope->version, "");
    assert_int_equal(d->scope->attribute_count, 2);
    const otelc_attr *a = otelc_attrs_find(d->scope->attributes, d->scope->attribute_count, "lib.kind");
    assert_non_null(a);
    assert_string_equal(a->value.u.s, "db");
    /* NULL scope options: a valid tracer with an empty name. */
    otelc_tracer *t0 = otelc_tracer_provider_get_tracer(tp, NULL);
    assert_non_null(t0);
    otelc_span_end(otelc_tracer_start_span(t0, "z", NULL), 0);
    assert_string_equal(capture_last(&c)->scope->name, "");

    capture_release(&c);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
}


/* Uninstall-if-installed: a provider being destroyed never uninstalls another one. */
static const otelc_tracer_provider_ops fake_ops = {NULL};
static void test_uninstall_only_if_installed(void **state) {
    (void)state;
    otelc_tracer_provider a = {&fake_ops}, b = {&fake_ops};
    otelc_set_tracer_provider(&a);
    assert_false(otelc__tracer_provider_uninstall(&b));
    assert_ptr_equal(otelc_get_tracer_provider(), &a);
    assert_false(otelc__tracer_provider_uninstall(NULL));
    assert_true(otelc__tracer_provider_uninstall(&a));
    assert_ptr_not_equal(otelc_get_tracer_provider(), &a);
    assert_false(otelc__tracer_provider_uninstall(&a));
    otelc_set_tracer_provider(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_noop_span_never_null),
        cmocka_unit_test(test_null_everywhere),
        cmocka_unit_test(test_noop_propagates_remote_parent),
        cmocka_unit_test(test_start_options_bad_struct_size),
        cmocka_unit_test(test_hex_helpers),
        cmocka_unit_test(test_uninstall_only_if_installed),
        cmocka_unit_test(test_proxy_follows_installed_provider),
        cmocka_unit_test(test_proxy_scope_reaches_sdk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
