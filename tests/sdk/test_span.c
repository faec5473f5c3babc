/* SDK span operations: attributes of every type, status precedence, events, links, exceptions,
 * end semantics, timestamps, kinds; and span limits from the environment. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>

CAPTURE_FIXTURE()

static const otelc_attr *find(const otelc_span_data *d, const char *k) {
    return otelc_attrs_find(d->attributes, d->attribute_count, k);
}

static void test_attributes_all_types(void **state) {
    (void)state;
    otelc_span *s = otelc_tracer_start_span(g_t, "attrs", NULL);
    assert_true(otelc_span_is_recording(s));
    char key[16], val[16];
    strcpy(key, "str");
    strcpy(val, "hello");
    otelc_span_set_attr_str(s, key, val);
    memset(key, 'X', sizeof key - 1); /* copied, not borrowed */
    memset(val, 'Y', sizeof val - 1);
    otelc_span_set_attr_bool(s, "bool", true);
    otelc_span_set_attr_int(s, "int", INT64_MIN);
    otelc_span_set_attr_double(s, "double", -2.5);
    const char *sa[3] = {"a", "", "ccc"};
    bool ba[2] = {true, false};
    int64_t ia[3] = {1, -2, INT64_MAX};
    double da[2] = {0.5, NAN};
    otelc_span_set_attribute(s, "sa", otelc_value_str_array(sa, 3));
    otelc_span_set_attribute(s, "ba", otelc_value_bool_array(ba, 2));
    otelc_span_set_attribute(s, "ia", otelc_value_int_array(ia, 3));
    otelc_span_set_attribute(s, "da", otelc_value_double_array(da, 2));
    otelc_span_set_attribute(s, "empty_ia", otelc_value_int_array(NULL, 0));
    otelc_span_set_attribute(s, "strn", otelc_value_strn("abcdef", 3));
    otelc_attr many[2] = {otelc_attr_int("m1", 1), otelc_attr_str("m2", "two")};
    otelc_span_set_attributes(s, many, 2);
    sa[0] = "changed";
    ia[0] = 99;
    otelc_span_end(s, 0);

    const otelc_span_data *d = capture_last(&g_cap);
    assert_string_equal(d->name, "attrs");
    const otelc_attr *a;
    assert_non_null(a = find(d, "str"));
    assert_int_equal(a->value.type, OTELC_VALUE_STRING);
    assert_string_equal(a->value.u.s, "hello");
    assert_int_equal(a->value.len, 5);
    assert_non_null(a = find(d, "bool"));
    assert_true(a->value.u.b);
    assert_non_null(a = find(d, "int"));
    assert_true(a->value.u.i == INT64_MIN);
    assert_non_null(a = find(d, "double"));
    assert_true(a->value.u.d == -2.5);
    assert_non_null(a = find(d, "sa"));
    assert_int_equal(a->value.type, OTELC_VALUE_STRING_ARRAY);
    assert_int_equal(a->value.len, 3);
    assert_string_equal(a->value.u.sa[0], "a");
    assert_string_equal(a->value.u.sa[1], "");
    assert_string_equal(a->value.u.sa[2], "ccc");
    assert_non_null(a = find(d, "ba"));
    assert_int_equal(a->value.len, 2);
    assert_true(a->value.u.ba[0]);
    assert_false(a->value.u.ba[1]);
    assert_non_null(a = find(d, "ia"));
    assert_true(a->value.u.ia[0] == 1 && a->value.u.ia[1] == -2 && a->value.u.ia[2] == INT64_MAX);
    assert_non_null(a = find(d, "da"));
    assert_true(a->value.u.da[0] == 0.5 && isnan(a->value.u.da[1]));
    assert_non_null(a = find(d, "empty_ia"));
    assert_int_equal(a->value.len, 0);
    assert_non_null(a = find(d, "strn"));
    assert_string_equal(a->value.u.s, "abc");
    assert_non_null(find(d, "m1"));
    assert_non_null(find(d, "m2"));
    assert_int_equal(d->attribute_count, 12);
    assert_int_equal(d->dropped_attributes_count, 0);
    capture_release(&g_cap);
}

static void test_attribute_replace_and_bad_input(void **state) {
    (void)state;
    counter_snap c;
    snap(&c);
    otelc_span *s = otelc_tracer_start_span(g_t, "r", NULL);
    otelc_span_set_attr_str(s, "k", "first");
    otelc_span_set_attr_int(s, "other", 1);
    otelc_span_set_attr_int(s, "k", 42); /* replaces, with a new type, in place */
    otelc_span_set_attr_str(s, NULL, "v");
    otelc_span_set_attr_str(s, "", "v");
    otelc_span_set_attr_str(s, "nullvalue", NULL);
    otelc_value none = {OTELC_VALUE_NONE, 0, {.s = NULL}};
    otelc_span_set_attribute(s, "none", none);
    otelc_value weird = {(otelc_value_type)77, 0, {.i = 0}};
    otelc_span_set_attribute(s, "weird", weird);
    otelc_value nullarr = otelc_value_int_array(NULL, 3);
    otelc_span_set_attribute(s, "nullarr", nullarr);
    otelc_span_set_attributes(s, NULL, 5);
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&g_cap);
    assert_int_equal(d->attribute_count, 2);
    assert_string_equal(d->attributes[0].key, "k");
    assert_int_equal(d->attributes[0].value.type, OTELC_VALUE_INT);
    assert_int_equal(d->attributes[0].value.u.i, 42);
    assert_null(find(d, "nullvalue"));
    assert_null(find(d, "none"));
    assert_null(find(d, "weird"));
    assert_null(find(d, "nullarr"));
    assert_true(delta(&c, OTELC_COUNTER_BAD_INPUT) >= 5);
    capture_release(&g_cap);
}

static void test_status_precedence(void **state) {
    (void)state;
    otelc_span *s = otelc_tracer_start_span(g_t, "s1", NULL);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "boom");
    otelc_span_set_status(s, OTELC_STATUS_UNSET, "ignored");
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&g_cap);
    assert_int_equal(d->status_code, OTELC_STATUS_ERROR);
    assert_string_equal(d->status_description, "boom");

    s = otelc_tracer_start_span(g_t, "s2", NULL);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "first");
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "second");
    otelc_span_end(s, 0);
    d = capture_last(&g_cap);
    assert_string_equal(d->status_description, "second");

    s = otelc_tracer_start_span(g_t, "s3", NULL);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "e");
    otelc_span_set_status(s, OTELC_STATUS_OK, "ok-desc");
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "after ok");
    otelc_span_end(s, 0);
    d = capture_last(&g_cap);
    assert_int_equal(d->status_code, OTELC_STATUS_OK);
    assert_string_equal(d->status_description, ""); /* only ERROR keeps a description */

    s = otelc_tracer_start_span(g_t, "s4", NULL);
    otelc_span_set_status(s, OTELC_STATUS_UNSET, "x");
    otelc_span_set_status(s, (otelc_status_code)9, "bogus");
    otelc_span_end(s, 0);
    d = capture_last(&g_cap);
    assert_int_equal(d->status_code, OTELC_STATUS_UNSET);
    assert_string_equal(d->status_description, "");

    s = otelc_tracer_start_span(g_t, "s5", NULL);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, NULL);
    otelc_span_end(s, 0);
    d = capture_last(&g_cap);
    assert_int_equal(d->status_code, OTELC_STATUS_ERROR);
    assert_string_equal(d->status_description, "");
    capture_release(&g_cap);
}

static void test_update_name_events_exception(void **state) {
    (void)state;
    otelc_span *s = otelc_tracer_start_span(g_t, "old", NULL);
    otelc_span_update_name(s, "new");
    otelc_span_update_name(s, NULL); /* ignored */
    otelc_attr ea[2] = {otelc_attr_str("ek", "ev"), otelc_attr_int("en", 7)};
    otelc_span_add_event(s, "with-time", ea, 2, 1234567890123ull);
    uint64_t before = otelc_now_unix_nano();
    otelc_span_add_event(s, "now", NULL, 0, 0);
    uint64_t after = otelc_now_unix_nano();
    otelc_span_add_event(s, NULL, NULL, 0, 0);
    otelc_span_add_event(s, "nullattrs", NULL, 3, 0);
    otelc_attr extra[1] = {otelc_attr_bool("exception.escaped", true)};
    otelc_span_record_exception(s, "IOError", "disk full", "at main()", extra, 1);
    otelc_span_record_exception(s, "OnlyType", NULL, NULL, NULL, 0);
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&g_cap);
    assert_string_equal(d->name, "new");
    assert_int_equal(d->event_count, 6);
    assert_string_equal(d->events[0].name, "with-time");
    assert_true(d->events[0].time_unix_nano == 1234567890123ull);
    assert_int_equal(d->events[0].attribute_count, 2);
    assert_string_equal(otelc_attrs_find(d->events[0].attributes, 2, "ek")->value.u.s, "ev");
    assert_true(d->events[1].time_unix_nano >= before && d->events[1].time_unix_nano <= after);
    assert_string_equal(d->events[2].name, "");
    assert_int_equal(d->events[3].attribute_count, 0);
    const otelc_event_data *ex = &d->events[4];
    assert_string_equal(ex->name, "exception");
    assert_int_equal(ex->attribute_count, 4);
    assert_string_equal(otelc_attrs_find(ex->attributes, 4, "exception.type")->value.u.s, "IOError");
    assert_string_equal(otelc_attrs_find(ex->attributes, 4, "exception.message")->value.u.s, "disk full");
    assert_string_equal(otelc_attrs_find(ex->attributes, 4, "exception.stacktrace")->value.u.s, "at main()");
    assert_true(otelc_attrs_find(ex->attributes, 4, "exception.escaped")->value.u.b);
    assert_int_equal(d->events[5].attribute_count, 1);
    assert_null(otelc_attrs_find(d->events[5].attributes, 1, "exception.message"));
    assert_int_equal(d->status_code, OTELC_STATUS_UNSET); /* record_exception does not set status */
    capture_release(&g_cap);
}

static otelc_span_context ctx_of(uint8_t fill) {
    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    memset(sc.trace_id, fill, 16);
    memset(sc.span_id, fill, 8);
    sc.trace_flags = 1;
    return sc;
}

static void test_links(void **state) {
    (void)state;
    otelc_trace_state *ts = otelc_trace_state_parse("a=1,b=2", 7);
    assert_non_null(ts);
    otelc_span_context l1 = ctx_of(0x11);
    l1.trace_state = ts;
    otelc_attr la[1] = {otelc_attr_str("link.kind", "follows")};
    otelc_link_options start_links[1] = {{l1, la, 1}};
    otelc_span_start_options o;
    otelc_span_start_options_init(&o);
    o.links = start_links;
    o.link_count = 1;
    otelc_span *s = otelc_tracer_start_span(g_t, "links", &o);
    otelc_trace_state_release(ts); /* the span keeps its own reference */
    otelc_link_options l2 = {ctx_of(0x22), NULL, 0};
    otelc_span_add_link(s, &l2);
    otelc_link_options invalid_bare = {ctx_of(0), NULL, 0};
    otelc_span_add_link(s, &invalid_bare); /* dropped: invalid, no attributes, no trace state */
    otelc_link_options invalid_attrs = {ctx_of(0), la, 1};
    otelc_span_add_link(s, &invalid_attrs); /* kept */
    otelc_span_add_link(s, NULL);
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&g_cap);
    assert_int_equal(d->link_count, 3);
    assert_memory_equal(d->links[0].context.trace_id, l1.trace_id, 16);
    assert_string_equal(otelc_trace_state_get(d->links[0].context.trace_state, "b"), "2");
    assert_int_equal(d->links[0].attribute_count, 1);
    assert_string_equal(d->links[0].attributes[0].value.u.s, "follows");
    assert_memory_equal(d->links[1].context.span_id, l2.context.span_id, 8);
    assert_false(otelc_span_context_is_valid(&d->links[2].context));
    assert_int_equal(d->links[2].attribute_count, 1);
    capture_release(&g_cap);
}

static void test_end_semantics(void **state) {
    (void)state;
    counter_snap c;
    snap(&c);
    otelc_span *s = otelc_tracer_start_span(g_t, "end", NULL);
    otelc_span *extra = otelc_span_retain(s);
    assert_ptr_equal(extra, s);
    otelc_span_context sc = otelc_span_get_context(s);
    assert_true(otelc_span_context_is_valid(&sc));
    assert_true(otelc_span_context_is_sampled(&sc));
    assert_false(sc.is_remote);
    otelc_span_end(s, 0);
    assert_false(otelc_span_is_recording(extra));
    /* Everything after end is ignored. */
    otelc_span_set_attr_str(extra, "late", "x");
    otelc_span_add_event(extra, "late", NULL, 0, 0);
    otelc_link_options l = {ctx_of(3), NULL, 0};
    otelc_span_add_link(extra, &l);
    otelc_span_set_status(extra, OTELC_STATUS_ERROR, "late");
    otelc_span_update_name(extra, "late");
    otelc_span_record_exception(extra, "t", "m", NULL, NULL, 0);
    otelc_span_end(extra, 0); /* second end: ignored, does not consume a reference */
    otelc_span_context sc2 = otelc_span_get_context(extra);
    assert_memory_equal(sc2.span_id, sc.span_id, 8);
    otelc_span_release(extra);
    assert_int_equal(g_cap.count, 1);
    const otelc_span_data *d = capture_last(&g_cap);
    assert_string_equal(d->name, "end");
    assert_int_equal(d->attribute_count, 0);
    assert_int_equal(d->event_count, 0);
    assert_int_equal(d->link_count, 0);
    assert_int_equal(d->status_code, OTELC_STATUS_UNSET);
    assert_int_equal(delta(&c, OTELC_COUNTER_SPANS_STARTED), 1);
    assert_int_equal(delta(&c, OTELC_COUNTER_SPANS_ENDED), 1);
    capture_release(&g_cap);
}

static void test_timestamps_and_kind(void **state) {
    (void)state;
    otelc_span_start_options o;
    otelc_span_start_options_init(&o);
    o.start_time_unix_nano = 1000000000000ull;
    o.kind = OTELC_SPAN_KIND_SERVER;
    otelc_span *s = otelc_tracer_start_span(g_t, "t", &o);
    otelc_span_end(s, 1000000005000ull);
    const otelc_span_data *d = capture_last(&g_cap);
    assert_true(d->start_time_unix_nano == 1000000000000ull);
    assert_true(d->end_time_unix_nano == 1000000005000ull);
    assert_int_equal(d->kind, OTELC_SPAN_KIND_SERVER);

    /* end before start is clamped to start */
    s = otelc_tracer_start_span(g_t, "t2", &o);
    otelc_span_end(s, 5);
    d = capture_last(&g_cap);
    assert_true(d->end_time_unix_nano == d->start_time_unix_nano);

    /* now-based times are ordered */
    uint64_t before = otelc_now_unix_nano();
    s = otelc_tracer_start_span(g_t, "t3", NULL);
    otelc_span_end(s, 0);
    uint64_t after = otelc_now_unix_nano();
    d = capture_last(&g_cap);
    assert_true(before <= d->start_time_unix_nano && d->start_time_unix_nano <= d->end_time_unix_nano &&
                d->end_time_unix_nano <= after);
    assert_int_equal(d->kind, OTELC_SPAN_KIND_INTERNAL);

    otelc_span_kind kinds[] = {OTELC_SPAN_KIND_UNSPECIFIED, OTELC_SPAN_KIND_CLIENT, OTELC_SPAN_KIND_PRODUCER,
                               OTELC_SPAN_KIND_CONSUMER, (otelc_span_kind)42, (otelc_span_kind)-1};
    otelc_span_kind want[] = {OTELC_SPAN_KIND_INTERNAL, OTELC_SPAN_KIND_CLIENT, OTELC_SPAN_KIND_PRODUCER,
                              OTELC_SPAN_KIND_CONSUMER, OTELC_SPAN_KIND_INTERNAL, OTELC_SPAN_KIND_INTERNAL};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        otelc_span_start_options_init(&o);
        o.kind = kinds[i];
        otelc_span_end(otelc_tracer_start_span(g_t, "k", &o), 0);
        assert_int_equal(capture_last(&g_cap)->kind, want[i]);
    }
    capture_release(&g_cap);
}

static void test_start_attributes_and_long_values(void **state) {
    (void)state;
    otelc_attr sa[2] = {otelc_attr_str("http.method", "GET"), otelc_attr_int("http.status", 200)};
    otelc_span_start_options o;
    otelc_span_start_options_init(&o);
    o.attributes = sa;
    o.attribute_count = 2;
    size_t big = 100000;
    char *longv = malloc(big + 1);
    assert_non_null(longv);
    memset(longv, 'x', big);
    longv[big] = '\0';
    otelc_span *s = otelc_tracer_start_span(g_t, longv, &o);
    otelc_span_set_attr_str(s, "long", longv); /* unlimited by default: kept whole */
    /* the per-span copy bound (1 MiB) drops rather than grows without limit */
    for (int i = 0; i < 20; i++) {
        char k[16];
        snprintf(k, sizeof k, "big%d", i);
        otelc_span_set_attr_str(s, k, longv);
    }
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&g_cap);
    assert_int_equal(strlen(d->name), big);
    assert_string_equal(find(d, "http.method")->value.u.s, "GET");
    assert_int_equal(find(d, "long")->value.len, big);
    assert_true(d->dropped_attributes_count > 0);
    assert_true(d->attribute_count + d->dropped_attributes_count == 23);
    free(longv);
    capture_release(&g_cap);
}

/* ---- limits ---- */

static const char *limit_vars[] = {
    "OTEL_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_SPAN_EVENT_COUNT_LIMIT", "OTEL_SPAN_LINK_COUNT_LIMIT",
    "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
};
static void clear_limit_env(void) {
    for (size_t i = 0; i < sizeof limit_vars / sizeof limit_vars[0]; i++) unsetenv(limit_vars[i]);
}

static void test_limits_defaults(void **state) {
    (void)state;
    clear_limit_env();
    otelc_span_limits l;
    otelc_span_limits_init(&l);
    assert_int_equal(l.struct_size, sizeof l);
    assert_int_equal(l.attribute_count, 128);
    assert_int_equal(l.attribute_value_length, OTELC_LIMIT_UNLIMITED);
    assert_int_equal(l.event_count, 128);
    assert_int_equal(l.link_count, 128);
    assert_int_equal(l.event_attribute_count, 128);
    assert_int_equal(l.link_attribute_count, 128);
    otelc_span_limits_init(NULL);
}

static void test_limits_env_precedence_and_malformed(void **state) {
    (void)state;
    clear_limit_env();
    setenv("OTEL_ATTRIBUTE_COUNT_LIMIT", "5", 1);
    setenv("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "7", 1);
    otelc_span_limits l;
    otelc_span_limits_init(&l);
    assert_int_equal(l.attribute_count, 5);
    assert_int_equal(l.attribute_value_length, 7);
    setenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "3", 1); /* the span-specific one wins */
    setenv("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "4", 1);
    otelc_span_limits_init(&l);
    assert_int_equal(l.attribute_count, 3);
    assert_int_equal(l.attribute_value_length, 4);

    const char *bad[] = {"abc", "-1", "1.5", "99999999999", "12x", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clear_limit_env();
        logs_start(OTELC_LOG_WARN);
        for (size_t v = 0; v < sizeof limit_vars / sizeof limit_vars[0]; v++) setenv(limit_vars[v], bad[i], 1);
        otelc_span_limits_init(&l);
        logs_stop();
        assert_int_equal(logs_count(), 8); /* one diagnostic per bad variable */
        assert_int_equal(l.attribute_count, 128);
        assert_int_equal(l.attribute_value_length, OTELC_LIMIT_UNLIMITED);
        assert_int_equal(l.event_count, 128);
        assert_int_equal(l.link_count, 128);
        assert_int_equal(l.event_attribute_count, 128);
        assert_int_equal(l.link_attribute_count, 128);
    }
    clear_limit_env();
    setenv("OTEL_SPAN_EVENT_COUNT_LIMIT", " 12 ", 1); /* surrounding blanks are tolerated */
    setenv("OTEL_SPAN_LINK_COUNT_LIMIT", "", 1);      /* empty = unset */
    otelc_span_limits_init(&l);
    assert_int_equal(l.event_count, 12);
    assert_int_equal(l.link_count, 128);
    clear_limit_env();
}

/* A provider whose limits come from the environment set by the caller. */
static otelc_tracer_provider *env_provider(capture *c) {
    otelc_tracer_provider *tp = capture_provider(c, NULL);
    clear_limit_env();
    return tp;
}

static void test_limits_enforced(void **state) {
    (void)state;
    clear_limit_env();
    setenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "2", 1);
    setenv("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "4", 1);
    setenv("OTEL_SPAN_EVENT_COUNT_LIMIT", "2", 1);
    setenv("OTEL_SPAN_LINK_COUNT_LIMIT", "1", 1);
    setenv("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "1", 1);
    setenv("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "0", 1);
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = env_provider(&c);
    otelc_tracer *t = test_tracer(tp);
    counter_snap cs;
    snap(&cs);

    otelc_span *s = otelc_tracer_start_span(t, "limited", NULL);
    otelc_span_set_attr_str(s, "a", "abcdefgh");
    otelc_span_set_attr_int(s, "b", 1);
    otelc_span_set_attr_int(s, "c", 2);   /* over the count */
    otelc_span_set_attr_int(s, "a", 3);   /* replacing an existing key is allowed at the limit */
    otelc_span_set_attr_int(s, "d", 4);   /* over */
    otelc_attr ea[3] = {otelc_attr_int("e1", 1), otelc_attr_int("e2", 2), otelc_attr_int("e3", 3)};
    otelc_span_add_event(s, "ev1", ea, 3, 0);
    otelc_span_add_event(s, "ev2", NULL, 0, 0);
    otelc_span_add_event(s, "ev3", NULL, 0, 0);
    otelc_span_add_event(s, "ev4", NULL, 0, 0);
    otelc_link_options l1 = {ctx_of(1), ea, 2};
    otelc_link_options l2 = {ctx_of(2), NULL, 0};
    otelc_span_add_link(s, &l1);
    otelc_span_add_link(s, &l2);
    otelc_span_end(s, 0);

    const otelc_span_data *d = capture_last(&c);
    assert_int_equal(d->attribute_count, 2);
    assert_int_equal(d->dropped_attributes_count, 2);
    assert_int_equal(find(d, "a")->value.u.i, 3);
    assert_int_equal(d->event_count, 2);
    assert_int_equal(d->dropped_events_count, 2);
    assert_int_equal(d->events[0].attribute_count, 1);
    assert_int_equal(d->events[0].dropped_attributes_count, 2);
    assert_int_equal(d->link_count, 1);
    assert_int_equal(d->dropped_links_count, 1);
    assert_int_equal(d->links[0].attribute_count, 0);
    assert_int_equal(d->links[0].dropped_attributes_count, 2);
    assert_int_equal(delta(&cs, OTELC_COUNTER_LIMIT_ATTRIBUTES), 2 + 2 + 2);
    assert_int_equal(delta(&cs, OTELC_COUNTER_LIMIT_EVENTS), 2);
    assert_int_equal(delta(&cs, OTELC_COUNTER_LIMIT_LINKS), 1);

    /* Value-length truncation: strings and string arrays, never splitting UTF-8. */
    snap(&cs);
    s = otelc_tracer_start_span(t, "trunc", NULL);
    otelc_span_set_attr_str(s, "ascii", "abcdefgh");
    otelc_span_set_attr_str(s, "utf8", "a\xc3\xa9\xc3\xa9"); /* a é é: 5 bytes; limit 4 cuts inside é */
    capture_release(&c);
    otelc_span_end(s, 0);
    d = capture_last(&c);
    assert_string_equal(find(d, "ascii")->value.u.s, "abcd");
    assert_int_equal(find(d, "ascii")->value.len, 4);
    assert_string_equal(find(d, "utf8")->value.u.s, "a\xc3\xa9");
    assert_int_equal(delta(&cs, OTELC_COUNTER_LIMIT_TRUNCATED), 2);

    s = otelc_tracer_start_span(t, "trunc2", NULL);
    const char *arr[2] = {"\xe2\x82\xac\xe2\x82\xac", "ok"}; /* €€ (6 bytes) -> € (3 bytes) */
    otelc_span_set_attribute(s, "arr", otelc_value_str_array(arr, 2));
    otelc_span_set_attr_int(s, "n", 123456789); /* numbers are never truncated */
    otelc_span_end(s, 0);
    d = capture_last(&c);
    assert_string_equal(find(d, "arr")->value.u.sa[0], "\xe2\x82\xac");
    assert_string_equal(find(d, "arr")->value.u.sa[1], "ok");
    assert_int_equal(find(d, "n")->value.u.i, 123456789);
    /* event attribute values are truncated too */
    s = otelc_tracer_start_span(t, "trunc3", NULL);
    otelc_attr longa[1] = {otelc_attr_str("x", "0123456789")};
    otelc_span_add_event(s, "e", longa, 1, 0);
    otelc_span_end(s, 0);
    d = capture_last(&c);
    assert_string_equal(d->events[0].attributes[0].value.u.s, "0123");

    capture_release(&c);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
}

static void test_limits_zero_and_code_override(void **state) {
    (void)state;
    clear_limit_env();
    setenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "0", 1);
    setenv("OTEL_SPAN_EVENT_COUNT_LIMIT", "0", 1);
    setenv("OTEL_SPAN_LINK_COUNT_LIMIT", "0", 1);
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = env_provider(&c);
    otelc_tracer *t = test_tracer(tp);
    otelc_span *s = otelc_tracer_start_span(t, "zero", NULL);
    otelc_span_set_attr_int(s, "a", 1);
    otelc_span_add_event(s, "e", NULL, 0, 0);
    otelc_link_options l = {ctx_of(1), NULL, 0};
    otelc_span_add_link(s, &l);
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&c);
    assert_int_equal(d->attribute_count, 0);
    assert_int_equal(d->dropped_attributes_count, 1);
    assert_int_equal(d->event_count, 0);
    assert_int_equal(d->dropped_events_count, 1);
    assert_int_equal(d->link_count, 0);
    assert_int_equal(d->dropped_links_count, 1);
    capture_release(&c);
    otelc_tracer_provider_destroy(tp);

    /* Code-given limits override the environment. */
    setenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "1", 1);
    otelc_tracer_provider_options o;
    otelc_tracer_provider_options_init(&o);
    clear_limit_env();
    assert_int_equal(o.limits.attribute_count, 1);
    o.limits.attribute_count = 3;
    otelc_processor *p = otelc_processor_create(&capture_ops, &c);
    o.processors = &p;
    o.processor_count = 1;
    o.sampler = otelc_sampler_always_on();
    tp = otelc_tracer_provider_create(&o, NULL);
    t = test_tracer(tp);
    s = otelc_tracer_start_span(t, "code", NULL);
    for (int i = 0; i < 5; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i);
        otelc_span_set_attr_int(s, k, i);
    }
    otelc_span_end(s, 0);
    assert_int_equal(capture_last(&c)->attribute_count, 3);
    capture_release(&c);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
}

static void test_many_attributes_events_links(void **state) {
    (void)state;
    /* Growth beyond the inline storage, up to the default limits, and one past them. */
    otelc_span *s = otelc_tracer_start_span(g_t, "many", NULL);
    for (int i = 0; i < 129; i++) {
        char k[16];
        snprintf(k, sizeof k, "key%d", i);
        otelc_span_set_attr_int(s, k, i);
        otelc_span_add_event(s, k, NULL, 0, 0);
        otelc_link_options l = {ctx_of((uint8_t)(i + 1)), NULL, 0};
        otelc_span_add_link(s, &l);
    }
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&g_cap);
    assert_int_equal(d->attribute_count, 128);
    assert_int_equal(d->dropped_attributes_count, 1);
    assert_int_equal(d->event_count, 128);
    assert_int_equal(d->dropped_events_count, 1);
    assert_int_equal(d->link_count, 128);
    assert_int_equal(d->dropped_links_count, 1);
    for (int i = 0; i < 128; i++) {
        char k[16];
        snprintf(k, sizeof k, "key%d", i);
        assert_int_equal(find(d, k)->value.u.i, i);
        assert_string_equal(d->events[i].name, k);
        assert_int_equal(d->links[i].context.span_id[0], (uint8_t)(i + 1));
    }
    capture_release(&g_cap);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attributes_all_types),
        cmocka_unit_test(test_attribute_replace_and_bad_input),
        cmocka_unit_test(test_status_precedence),
        cmocka_unit_test(test_update_name_events_exception),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_end_semantics),
        cmocka_unit_test(test_timestamps_and_kind),
        cmocka_unit_test(test_start_attributes_and_long_values),
        cmocka_unit_test(test_limits_defaults),
        cmocka_unit_test(test_limits_env_precedence_and_malformed),
        cmocka_unit_test(test_limits_enforced),
        cmocka_unit_test(test_limits_zero_and_code_override),
        cmocka_unit_test(test_many_attributes_events_links),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
