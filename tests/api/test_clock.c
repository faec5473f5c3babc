/* The span clock (otelc_now_unix_nano): Unix nanoseconds that agree with CLOCK_REALTIME before and
 * after the TSC calibration, and never go backwards on a thread. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "otelc/trace.h"

static uint64_t realtime(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t diff(uint64_t a, uint64_t b) { return (int64_t)(a - b); }

/* Reading it within [before, after] of CLOCK_REALTIME, allowing tol_ns of conversion error. */
static void assert_agrees(int64_t tol_ns) {
    uint64_t before = realtime();
    uint64_t now = otelc_now_unix_nano();
    uint64_t after = realtime();
    assert_true(diff(now, before) >= -tol_ns);
    assert_true(diff(after, now) >= -tol_ns);
}

static void test_agrees_with_realtime_through_calibration(void **state) {
    (void)state;
    /* The first 50 ms are the calibration interval; go well past it, checking all along. */
    uint64_t start = realtime();
    while (realtime() - start < 150000000ull) {
        assert_agrees(2000000); /* 2 ms: generous for a VM, still catches a wrong rate or epoch */
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    for (int i = 0; i < 1000; i++) assert_agrees(2000000);
}

static void test_rate_over_an_interval(void **state) {
    (void)state;
    /* Elapsed time measured by both clocks over 200 ms agrees to within 1%. */
    uint64_t r0 = realtime(), c0 = otelc_now_unix_nano();
    struct timespec pause = {0, 200000000};
    nanosleep(&pause, NULL);
    uint64_t r1 = realtime(), c1 = otelc_now_unix_nano();
    int64_t dr = diff(r1, r0), dc = diff(c1, c0);
    assert_true(dc > 0);
    assert_true(llabs(dc - dr) < dr / 100);
}

static void test_never_backwards(void **state) {
    (void)state;
    uint64_t last = otelc_now_unix_nano();
    for (int i = 0; i < 2000000; i++) {
        uint64_t now = otelc_now_unix_nano();
        assert_true(now >= last);
        last = now;
    }
}

static void *monotonic_thread(void *arg) {
    int *bad = arg;
    uint64_t last = otelc_now_unix_nano();
    for (int i = 0; i < 300000; i++) {
        uint64_t now = otelc_now_unix_nano();
        if (now < last) (*bad)++;
        last = now;
    }
    return NULL;
}

static void test_never_backwards_threads(void **state) {
    (void)state;
    pthread_t t[4];
    int bad[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_create(&t[i], NULL, monotonic_thread, &bad[i]), 0);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) assert_int_equal(bad[i], 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees_with_realtime_through_calibration),
        cmocka_unit_test(test_rate_over_an_interval),
        cmocka_unit_test(test_never_backwards),
        cmocka_unit_test(test_never_backwards_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
