/* Resource: default detection, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES (percent-decoding, malformed
 * entries), create and merge precedence. */
#include "test_util.h"

#include <stdio.h>
#include <unistd.h>

#include "otelc/sdk/resource.h"

static void clear_env(void) {
    unsetenv("OTEL_SERVICE_NAME");
    unsetenv("OTEL_RESOURCE_ATTRIBUTES");
}

static void test_default_resource(void **state) {
    (void)state;
    clear_env();
    otelc_resource *r = otelc_resource_default();
    assert_non_null(r);
    assert_string_equal(otelc_resource_get_str(r, "service.name"), "unknown_service:test_resource");
    assert_string_equal(otelc_resource_get_str(r, "telemetry.sdk.name"), "otelc");
    assert_string_equal(otelc_resource_get_str(r, "telemetry.sdk.language"), "c");
    const char *ver = otelc_resource_get_str(r, "telemetry.sdk.version");
    assert_non_null(ver);
    assert_true(strlen(ver) > 0);
    size_t n = 0;
    const otelc_attr *attrs = otelc_resource_attributes(r, &n);
    const otelc_attr *pid = otelc_attrs_find(attrs, n, "process.pid");
    assert_non_null(pid);
    assert_int_equal(pid->value.type, OTELC_VALUE_INT);
    assert_int_equal(pid->value.u.i, getpid());
    assert_string_equal(otelc_resource_get_str(r, "process.executable.name"), "test_resource");
    assert_non_null(otelc_resource_get_str(r, "host.name"));
    assert_non_null(otelc_resource_get_str(r, "host.arch"));
    assert_string_equal(otelc_resource_get_str(r, "os.type"), "linux");
    assert_non_null(otelc_resource_get_str(r, "os.description"));
    assert_null(otelc_resource_get_str(r, "process.pid")); /* not a string */
    assert_null(otelc_resource_get_str(r, "absent"));
    assert_string_equal(otelc_resource_schema_url(r), "");
    /* every key is unique */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) assert_string_not_equal(attrs[i].key, attrs[j].key);
    otelc_resource_destroy(r);
}

static void test_service_name_env(void **state) {
    (void)state;
    clear_env();
    setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,deployment.environment=prod", 1);
    otelc_resource *r = otelc_resource_default();
    assert_string_equal(otelc_resource_get_str(r, "service.name"), "from-attrs");
    assert_string_equal(otelc_resource_get_str(r, "deployment.environment"), "prod");
    otelc_resource_destroy(r);
    setenv("OTEL_SERVICE_NAME", "checkout", 1); /* wins over OTEL_RESOURCE_ATTRIBUTES */
    r = otelc_resource_default();
    assert_string_equal(otelc_resource_get_str(r, "service.name"), "checkout");
    otelc_resource_destroy(r);
    setenv("OTEL_SERVICE_NAME", "", 1); /* empty: ignored */
    unsetenv("OTEL_RESOURCE_ATTRIBUTES");
    r = otelc_resource_default();
    assert_string_equal(otelc_resource_get_str(r, "service.name"), "unknown_service:test_resource");
    otelc_resource_destroy(r);
    clear_env();
}

static void test_resource_attributes_decoding(void **state) {
    (void)state;
    clear_env();
    setenv("OTEL_RESOURCE_ATTRIBUTES",
           "a=hello%20world%2C%3D%25, b = spaced ,c=x=y,,d=%e2%82%ac,e=,telemetry.sdk.name=override", 1);
    logs_start(OTELC_LOG_WARN);
    otelc_resource *r = otelc_resource_default();
    logs_stop();
    assert_int_equal(logs_count(), 0);
    assert_string_equal(otelc_resource_get_str(r, "a"), "hello world,=%");
    assert_string_equal(otelc_resource_get_str(r, "b"), "spaced");
    assert_string_equal(otelc_resource_get_str(r, "c"), "x=y");
    assert_string_equal(otelc_resource_get_str(r, "d"), "\xe2\x82\xac");
    assert_string_equal(otelc_resource_get_str(r, "e"), "");
    assert_string_equal(otelc_resource_get_str(r, "telemetry.sdk.name"), "override");
    otelc_resource_destroy(r);
    clear_env();
}

static void test_resource_attributes_malformed(void **state) {
    (void)state;
    clear_env();
    setenv("OTEL_RESOURCE_ATTRIBUTES", "novalue,=v,ok=1,bad=%zz,bad2=%4,bad3=%,k2=v2", 1);
    logs_start(OTELC_LOG_WARN);
    otelc_resource *r = otelc_resource_default();
    logs_stop();
    assert_non_null(r);
    assert_int_equal(logs_count(), 5); /* one diagnostic per malformed entry */
    assert_string_equal(otelc_resource_get_str(r, "ok"), "1");
    assert_string_equal(otelc_resource_get_str(r, "k2"), "v2");
    assert_null(otelc_resource_get_str(r, "novalue"));
    assert_null(otelc_resource_get_str(r, "bad"));
    assert_null(otelc_resource_get_str(r, "bad2"));
    assert_null(otelc_resource_get_str(r, "bad3"));
    assert_null(otelc_resource_get_str(r, ""));
    otelc_resource_destroy(r);

    /* Very many entries: bounded, no crash, service.name still present. */
    size_t cap = 200 * 16;
    char *big = malloc(cap);
    assert_non_null(big);
    size_t off = 0;
    for (int i = 0; i < 200; i++) off += (size_t)snprintf(big + off, cap - off, "k%d=v%d,", i, i);
    setenv("OTEL_RESOURCE_ATTRIBUTES", big, 1);
    free(big);
    r = otelc_resource_default();
    assert_non_null(r);
    assert_non_null(otelc_resource_get_str(r, "service.name"));
    assert_string_equal(otelc_resource_get_str(r, "k0"), "v0");
    otelc_resource_destroy(r);
    clear_env();
}

static void test_create_and_merge(void **state) {
    (void)state;
    int64_t ia[2] = {1, 2};
    const char *sa[2] = {"x", "y"};
    otelc_attr base_attrs[4] = {
        otelc_attr_str("a", "1"), otelc_attr_str("b", "2"),
        otelc_attr_make("ints", otelc_value_int_array(ia, 2)),
        otelc_attr_make("strs", otelc_value_str_array(sa, 2)),
    };
    otelc_resource *base = otelc_resource_create(base_attrs, 4, "https://base");
    ia[0] = 100; /* copied */
    otelc_attr extra_attrs[3] = {otelc_attr_str("b", "3"), otelc_attr_int("c", 4), otelc_attr_str(NULL, "skip")};
    otelc_resource *extra = otelc_resource_create(extra_attrs, 3, NULL);
    assert_non_null(base);
    assert_non_null(extra);
    otelc_resource *m = otelc_resource_merge(base, extra);
    size_t n;
    const otelc_attr *a = otelc_resource_attributes(m, &n);
    assert_int_equal(n, 5);
    assert_string_equal(otelc_resource_get_str(m, "a"), "1");
    assert_string_equal(otelc_resource_get_str(m, "b"), "3"); /* the updating resource wins */
    assert_int_equal(otelc_attrs_find(a, n, "c")->value.u.i, 4);
    assert_int_equal(otelc_attrs_find(a, n, "ints")->value.u.ia[0], 1);
    assert_string_equal(otelc_attrs_find(a, n, "strs")->value.u.sa[1], "y");
    assert_string_equal(otelc_resource_schema_url(m), "https://base"); /* extra has none */
    otelc_resource *m2 = otelc_resource_merge(extra, base);
    assert_string_equal(otelc_resource_get_str(m2, "b"), "2");
    assert_string_equal(otelc_resource_schema_url(m2), "https://base");
    otelc_resource *m3 = otelc_resource_merge(NULL, NULL);
    assert_non_null(m3);
    otelc_resource_attributes(m3, &n);
    assert_int_equal(n, 0);
    otelc_resource *m4 = otelc_resource_merge(NULL, base);
    assert_string_equal(otelc_resource_get_str(m4, "a"), "1");
    /* duplicate keys in create: the last wins */
    otelc_attr dup[2] = {otelc_attr_str("k", "first"), otelc_attr_str("k", "second")};
    otelc_resource *d = otelc_resource_create(dup, 2, NULL);
    otelc_resource_attributes(d, &n);
    assert_int_equal(n, 1);
    assert_string_equal(otelc_resource_get_str(d, "k"), "second");
    /* NULL-safe accessors */
    assert_null(otelc_resource_attributes(NULL, &n));
    assert_int_equal(n, 0);
    assert_string_equal(otelc_resource_schema_url(NULL), "");
    assert_null(otelc_resource_get_str(NULL, "a"));
    otelc_resource_destroy(NULL);
    otelc_resource_destroy(base);
    otelc_resource_destroy(extra);
    otelc_resource_destroy(m);
    otelc_resource_destroy(m2);
    otelc_resource_destroy(m3);
    otelc_resource_destroy(m4);
    otelc_resource_destroy(d);
}

static void test_provider_resource(void **state) {
    (void)state;
    clear_env();
    setenv("OTEL_SERVICE_NAME", "svc", 1);
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = capture_provider(&c, NULL);
    clear_env();
    const otelc_resource *r = otelc_tracer_provider_resource(tp);
    assert_string_equal(otelc_resource_get_str(r, "service.name"), "svc");
    otelc_span_end(otelc_tracer_start_span(test_tracer(tp), "x", NULL), 0);
    assert_ptr_equal(capture_last(&c)->resource, r);
    capture_release(&c);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
    assert_null(otelc_tracer_provider_resource(NULL));
    assert_null(otelc_tracer_provider_resource(otelc_get_tracer_provider()));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_resource),
        cmocka_unit_test(test_service_name_env),
        cmocka_unit_test(test_resource_attributes_decoding),
        cmocka_unit_test(test_resource_attributes_malformed),
        cmocka_unit_test(test_create_and_merge),
        cmocka_unit_test(test_provider_resource),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
