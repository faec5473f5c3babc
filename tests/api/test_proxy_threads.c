/* Proxy tracers under concurrency: threads start spans through one proxy while the global provider is
 * swapped; afterwards the proxy must be bound to the provider installed last (never stuck on an older one). */
#include "../sdk/test_util.h"

enum { THREADS = 3, SWAPS = 2000 };
static atomic_bool g_stop;
static otelc_tracer *g_proxy;

static void *spinner(void *arg) {
    (void)arg;
    while (!atomic_load(&g_stop)) otelc_span_end(otelc_tracer_start_span(g_proxy, "spin", NULL), 0);
    return NULL;
}

static void test_proxy_rebinds_under_swaps(void **state) {
    (void)state;
    capture ca, cb;
    capture_init(&ca);
    capture_init(&cb);
    otelc_tracer_provider *a = capture_provider(&ca, NULL);
    otelc_tracer_provider *b = capture_provider(&cb, NULL);
    g_proxy = otelc_get_tracer("swapped", NULL, NULL);
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_create(&th[i], NULL, spinner, NULL), 0);
    for (int i = 0; i < SWAPS; i++) otelc_set_tracer_provider(i % 2 ? a : b);
    otelc_set_tracer_provider(b);
    atomic_store(&g_stop, true);
    for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
    capture_release(&ca);
    capture_release(&cb);
    otelc_tracer_provider_destroy(a); /* a is gone: the proxy must not touch it */
    otelc_span_end(otelc_tracer_start_span(g_proxy, "final", NULL), 0);
    assert_int_equal(cb.count, 1);
    assert_string_equal(capture_last(&cb)->name, "final");
    capture_release(&cb);
    otelc_tracer_provider_destroy(b);
    assert_false(otelc_tracer_provider_is_sdk(otelc_get_tracer_provider()));
    capture_fini(&ca);
    capture_fini(&cb);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proxy_rebinds_under_swaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
