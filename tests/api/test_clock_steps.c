/* The span clock against a fake TSC and a fake CLOCK_REALTIME: wall-clock steps forward and back, a TSC
 * that jumps backwards or changes rate, preemption between the reads of an anchor, a skewed
 * calibration, fork() while another thread is anchoring, a writer stuck mid-publish, and four threads
 * re-anchoring at once. None of these can be produced (or not at will) on the real clocks, so this
 * file #includes api/src/clock.c with its test hooks pointing at the fakes below.
 *
 * The fakes share one "true" time. Every read of either clock costs READ_NS of it; the TSC ticks at
 * f_ticks_per_us per microsecond of true time; the wall clock is true time plus an offset (a step
 * changes the offset, a slew makes it grow). Tests that could spin forever on a broken clock run in a
 * child process with a deadline, so they fail instead of hanging the suite. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static uint64_t fake_tsc(void);
static uint64_t fake_wall(void);
static bool fake_invariant(void);
#define OTELC_CLOCK_TEST_TSC fake_tsc
#define OTELC_CLOCK_TEST_WALL fake_wall
#define OTELC_CLOCK_TEST_INVARIANT fake_invariant
#include "clock.c"

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull
#define READ_NS 10u /* what one read of either fake clock costs */

static uint64_t f_true_ns;            /* true time */
static uint64_t f_tsc, f_tsc_frac;    /* the TSC, and thousandths of a tick not yet counted */
static uint64_t f_ticks_per_us;       /* TSC rate */
static int64_t f_wall_offset;         /* wall clock = true time + this */
static int64_t f_slew_ppm;            /* while nonzero the wall clock gains this much per true ns */
static int64_t f_slew_frac;
static uint64_t f_wall_delay_ns;      /* the next wall read is preempted for this long first ... */
static uint64_t f_wall_after_ns;      /* ... or right after it returns */
static bool f_invariant;
static unsigned f_wall_reads;         /* how often the wall clock was read: the fast path never does */

static void advance(uint64_t ns) {
    f_true_ns += ns;
    uint64_t t = ns * f_ticks_per_us + f_tsc_frac;
    f_tsc += t / 1000u;
    f_tsc_frac = t % 1000u;
    if (f_slew_ppm) {
        int64_t s = (int64_t)ns * f_slew_ppm + f_slew_frac;
        f_wall_offset += s / 1000000;
        f_slew_frac = s % 1000000;
    }
}

static uint64_t wall_truth(void) { return f_true_ns + (uint64_t)f_wall_offset; }

/* Threaded tests: from the fakes' state when it starts, true time is one atomic count of ns that
 * every read and every worker advances. Relaxed, so it orders nothing for the clock: what
 * ThreadSanitizer sees synchronise is the clock's own doing. */
static bool f_threaded;
static _Atomic uint64_t f_shared_ns;

static uint64_t shared_advance(uint64_t ns) {
    return atomic_fetch_add_explicit(&f_shared_ns, ns, memory_order_relaxed) + ns;
}

static uint64_t shared_truth(void) {
    return wall_truth() + atomic_load_explicit(&f_shared_ns, memory_order_relaxed);
}

static uint64_t fake_tsc(void) {
    if (f_threaded) return f_tsc + shared_advance(READ_NS) * f_ticks_per_us / 1000u;
    advance(READ_NS);
    return f_tsc;
}

static uint64_t fake_wall(void) {
    if (f_threaded) return wall_truth() + shared_advance(READ_NS);
    f_wall_reads++;
    if (f_wall_delay_ns) {
        advance(f_wall_delay_ns);
        f_wall_delay_ns = 0;
    }
    advance(READ_NS);
    uint64_t w = wall_truth();
    if (f_wall_after_ns) {
        advance(f_wall_after_ns);
        f_wall_after_ns = 0;
    }
    return w;
}

static bool fake_invariant(void) { return f_invariant; }

static uint64_t absdiff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

/* Reads the clock every `every` ns for `span` ns; returns the largest distance from the wall clock. */
static uint64_t run(uint64_t span, uint64_t every) {
    uint64_t worst = 0;
    for (uint64_t t = 0; t < span; t += every) {
        advance(every);
        uint64_t d = absdiff(otelc_now_unix_nano(), wall_truth());
        if (d > worst) worst = d;
    }
    return worst;
}

/* A fresh clock on a 2.7 GHz invariant TSC, read for its first 200 ms: calibrated by then. */
static void fresh(void) {
    clock_test_reset();
    f_true_ns = 1700000000ull * SEC;
    f_tsc = 5000000000000ull;
    f_tsc_frac = 0;
    f_ticks_per_us = 2700;
    f_wall_offset = 0;
    f_slew_ppm = f_slew_frac = 0;
    f_wall_delay_ns = f_wall_after_ns = 0;
    f_invariant = true;
    f_threaded = false;
    atomic_store(&f_shared_ns, 0);
}

static void calibrated(void) {
    fresh();
    run(200 * MS, 1 * MS);
    assert_int_equal(atomic_load(&g_mode), MODE_TSC);
}

static int setup(void **state) {
    (void)state;
    fresh();
    return 0;
}

/* For the child bodies below, which must not longjmp into cmocka. */
#define CHECK(cond)                                                                                 \
    do {                                                                                            \
        if (!(cond)) {                                                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                \
            return 1;                                                                               \
        }                                                                                           \
    } while (0)

/* Runs body in a child process; the test fails if it returns nonzero or is still running after 5 s
 * (a clock spinning forever). */
static void expect_in_child(int (*body)(void)) {
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(body());
    int status = 0;
    pid_t done = 0;
    for (int ms = 0; ms < 5000 && done == 0; ms += 10) {
        done = waitpid(pid, &status, WNOHANG);
        if (done == 0) nanosleep(&(struct timespec){0, 10 * (long)MS}, NULL);
    }
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        fail_msg("the clock in the child was still spinning after 5 s");
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- calibration and rate ---- */

static void test_steady_clock_tracks_the_wall_clock(void **state) {
    (void)state;
    calibrated();
    assert_true(run(10 * SEC, 1 * MS) < 1 * US);
}

/* A 2 ms step 10 ms into the first half skews it by 8%: the halves disagree, calibration is redone,
 * and the rate is right from the start. (A single 50 ms interval would have taken a 4% error and kept
 * it.) */
static void test_step_during_calibration_is_measured_again(void **state) {
    (void)state;
    otelc_now_unix_nano();
    advance(10 * MS);
    f_wall_offset += 2 * MS;
    run(200 * MS, 1 * MS);
    assert_int_equal(atomic_load(&g_mode), MODE_TSC);
    assert_true(run(700 * MS, 1 * MS) < 20 * US); /* before the first re-anchor */
    assert_true(run(3 * SEC, 1 * MS) < 20 * US);
}

/* An NTP slew of 400 ppm during calibration skews both halves alike, so they agree; the re-anchors
 * refine the rate over the longer baseline until it is right. */
static void test_rate_refined_after_slewed_calibration(void **state) {
    (void)state;
    f_slew_ppm = 400;
    run(60 * MS, 1 * MS);
    f_slew_ppm = 0;
    assert_int_equal(atomic_load(&g_mode), MODE_TSC);
    run(10 * SEC, 1 * MS);
    assert_true(run(1 * SEC, 1 * MS) < 10 * US);
}

/* ---- TSC below the anchor ---- */

static void test_tsc_backwards_does_not_freeze(void **state) {
    (void)state;
    calibrated();
    run(500 * MS, 1 * MS);
    f_tsc -= 5 * 2700000000ull; /* 5 s back */
    uint64_t prev = otelc_now_unix_nano();
    for (int i = 0; i < 300; i++) {
        advance(1 * MS);
        uint64_t now = otelc_now_unix_nano();
        assert_true(now > prev);
        assert_true(absdiff(now, wall_truth()) < 20 * US);
        prev = now;
    }
}

static void test_tsc_backwards_repeatedly_falls_back_to_realtime(void **state) {
    (void)state;
    calibrated();
    for (int i = 0; i < 3; i++) {
        run(2 * SEC, 1 * MS);
        f_tsc -= 2700000000ull;
        assert_true(run(10 * MS, 1 * MS) < 20 * US);
    }
    assert_int_equal(atomic_load(&g_mode), MODE_SYSTEM);
    assert_true(run(1 * SEC, 1 * MS) < 1 * US);
}

/* ---- per-thread clamp ---- */

static void test_step_back_one_hour_is_followed(void **state) {
    (void)state;
    calibrated();
    run(500 * MS, 1 * MS);
    f_wall_offset -= 3600 * (int64_t)SEC;
    run(1200 * MS, 1 * MS); /* the next anchor sees it */
    assert_true(run(1 * SEC, 1 * MS) < 20 * US);
}

/* Re-anchoring after a 0.5 ms step back moves the clock back 0.5 ms: the thread does not see it. */
static void test_small_regression_is_clamped(void **state) {
    (void)state;
    calibrated();
    run(500 * MS, 1 * MS);
    f_wall_offset -= 500 * (int64_t)US;
    uint64_t prev = otelc_now_unix_nano();
    for (int i = 0; i < 200000; i++) {
        advance(10 * US);
        uint64_t now = otelc_now_unix_nano();
        assert_true(now >= prev);
        assert_true(absdiff(now, wall_truth()) < 1 * MS);
        prev = now;
    }
}

static void test_system_clock_clamps_small_regressions_and_follows_steps(void **state) {
    (void)state;
    f_invariant = false;
    uint64_t a = otelc_now_unix_nano();
    assert_int_equal(atomic_load(&g_mode), MODE_SYSTEM);
    f_wall_offset -= 500 * (int64_t)US;
    assert_true(otelc_now_unix_nano() == a);
    advance(600 * US);
    assert_true(otelc_now_unix_nano() > a);
    f_wall_offset -= 3600 * (int64_t)SEC;
    assert_true(absdiff(otelc_now_unix_nano(), wall_truth()) < 1 * US);
}

/* ---- fork() while another thread anchors ---- */

/* After the parent's anchoring thread vanished mid-publish, the clock advances, gets back to the TSC
 * (it stops reading the wall clock on every call) and re-anchors: a 10 ms step is followed. */
static int advances_and_follows_a_step(void) {
    uint64_t a = otelc_now_unix_nano();
    advance(1 * MS);
    uint64_t b = otelc_now_unix_nano();
    CHECK(b > a);
    run(300 * MS, 1 * MS);
    f_wall_offset += 10 * (int64_t)MS;
    run(1500 * MS, 1 * MS);
    f_wall_reads = 0;
    CHECK(run(500 * MS, 1 * MS) < 20 * US);
    CHECK(f_wall_reads < 50); /* 500 readings; a re-anchor reads it at most 4 times */
    return 0;
}

static int atfork_child_handler_body(void) {
    atomic_flag_test_and_set(&g_anchoring);
    atomic_fetch_add(&g_seq, 1);
    clock_atfork_child();
    return advances_and_follows_a_step();
}

static void test_atfork_child_handler_frees_a_held_anchor(void **state) {
    (void)state;
    calibrated();
    run(500 * MS, 1 * MS);
    expect_in_child(atfork_child_handler_body);
}

/* The same through a real fork(): the handler the clock registered runs in the child. */
static void test_fork_while_another_thread_anchors(void **state) {
    (void)state;
    calibrated();
    run(500 * MS, 1 * MS);
    atomic_flag_test_and_set(&g_anchoring);
    atomic_fetch_add(&g_seq, 1);
    expect_in_child(advances_and_follows_a_step);
    atomic_fetch_add(&g_seq, 1);
    atomic_flag_clear(&g_anchoring);
}

/* ---- steps of the wall clock ---- */

/* A 10 ms step after 5 s is followed at the next anchor, and not taken for a 0.2% rate change. */
static void test_step_forward_is_followed_and_rate_kept(void **state) {
    (void)state;
    calibrated();
    run(5 * SEC, 1 * MS);
    f_wall_offset += 10 * (int64_t)MS;
    run(1050 * MS, 1 * MS); /* one anchor period */
    assert_true(run(1 * SEC, 1 * MS) < 20 * US);
}

/* Nobody reads the clock for 10 s, during which the wall clock steps 3 ms: less than the drift allowed
 * over 10 s, so not seen as a step, but it must not be taken into the rate either (0.03%). */
static void test_step_during_a_long_gap_does_not_skew_the_rate(void **state) {
    (void)state;
    calibrated();
    run(500 * MS, 1 * MS);
    advance(10 * SEC);
    f_wall_offset += 3 * (int64_t)MS;
    assert_true(run(1 * SEC, 1 * MS) < 20 * US);
}

/* The TSC rate changes by 2% (a VM moved to another host): the first anchor after it takes it for a
 * step, the check 100 ms later disagrees again, and the clock recalibrates. */
static void test_wrong_rate_is_recalibrated(void **state) {
    (void)state;
    calibrated();
    run(3 * SEC, 1 * MS);
    f_ticks_per_us = 2754;
    run(2 * SEC, 1 * MS);
    assert_int_equal(atomic_load(&g_mode), MODE_TSC);
    assert_true(run(1 * SEC, 1 * MS) < 20 * US);
}

/* ---- anchors read with preemption ---- */

/* The re-anchoring thread is preempted for 200 us between its TSC and wall-clock reads. */
static void test_anchor_keeps_the_tight_pair(void **state) {
    (void)state;
    calibrated();
    run(500 * MS, 1 * MS);
    f_wall_delay_ns = 200 * US; /* the fast path reads no wall clock: this hits the next anchor */
    run(600 * MS, 1 * MS);
    assert_int_equal(f_wall_delay_ns, 0);
    assert_true(run(500 * MS, 1 * MS) < 5 * US);
}

/* Preempted for 3 ms before and 1 ms after the wall-clock read of the calibration's first pair
 * (whichever side of it the TSC is read): a rate error of 2% or more if kept. */
static void test_calibration_keeps_the_tight_pair(void **state) {
    (void)state;
    f_wall_delay_ns = 3 * MS;
    f_wall_after_ns = 1 * MS;
    run(200 * MS, 1 * MS);
    run(2 * SEC, 1 * MS);
    assert_int_equal(atomic_load(&g_mode), MODE_TSC);
    assert_true(run(1 * SEC, 1 * MS) < 20 * US);
}

/* ---- a writer stuck mid-publish ---- */

static int stuck_sequence_body(void) {
    atomic_fetch_add(&g_seq, 1); /* odd, and nobody will make it even */
    f_wall_offset += 5 * (int64_t)MS; /* so that the wall clock's answer differs from the anchor's */
    CHECK(absdiff(otelc_now_unix_nano(), wall_truth()) < 1 * US);
    return 0;
}

static void test_stuck_sequence_answers_with_realtime(void **state) {
    (void)state;
    calibrated();
    run(200 * MS, 1 * MS);
    expect_in_child(stuck_sequence_body);
}

/* ---- the re-anchoring thread's own answer ---- */

static void test_reanchoring_thread_answers_from_the_new_anchor(void **state) {
    (void)state;
    calibrated();
    run(300 * MS, 1 * MS);
    f_wall_offset += 10 * (int64_t)MS;
    bool reanchored = false;
    for (int i = 0; i < 1000 && !reanchored; i++) {
        advance(1 * MS);
        uint64_t before = atomic_load(&g_anchor_tsc);
        uint64_t now = otelc_now_unix_nano();
        if (atomic_load(&g_anchor_tsc) != before) {
            reanchored = true;
            assert_true(absdiff(now, wall_truth()) < 20 * US);
        }
    }
    assert_true(reanchored);
}

/* ---- threads ---- */

struct worker {
    int backwards, off; /* readings below the previous one, readings off the wall clock */
};

#define WORKER_CALLS 100000
#define WORKER_STEP_NS (20 * US) /* true time each worker adds per call: 8 s in all, 8 anchors */

static void *worker_main(void *arg) {
    struct worker *w = arg;
    uint64_t last = 0;
    for (int i = 0; i < WORKER_CALLS; i++) {
        shared_advance(WORKER_STEP_NS);
        uint64_t before = shared_truth();
        uint64_t now = otelc_now_unix_nano();
        uint64_t after = shared_truth();
        if (now < last) w->backwards++;
        if (now + 50 * US < before || now > after + 50 * US) w->off++;
        last = now;
    }
    return NULL;
}

/* Four threads through calibration and re-anchoring at once: each reading stays between the wall
 * clock before and after it (50 us allows for an anchor pair that other threads' steps widened; a
 * torn anchor would be off by far more), never goes backwards on a thread, and nothing hangs.
 * scripts/test.sh runs it under ThreadSanitizer (label threads). */
static void test_threads_through_calibration_and_reanchoring(void **state) {
    (void)state;
    f_threaded = true;
    pthread_t t[4];
    struct worker w[4] = {{0, 0}};
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(w[i].backwards, 0);
        assert_int_equal(w[i].off, 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_steady_clock_tracks_the_wall_clock, setup),
        cmocka_unit_test_setup(test_step_during_calibration_is_measured_again, setup),
        cmocka_unit_test_setup(test_rate_refined_after_slewed_calibration, setup),
        cmocka_unit_test_setup(test_tsc_backwards_does_not_freeze, setup),
        cmocka_unit_test_setup(test_tsc_backwards_repeatedly_falls_back_to_realtime, setup),
        cmocka_unit_test_setup(test_step_back_one_hour_is_followed, setup),
        cmocka_unit_test_setup(test_small_regression_is_clamped, setup),
        cmocka_unit_test_setup(test_system_clock_clamps_small_regressions_and_follows_steps, setup),
        cmocka_unit_test_setup(test_atfork_child_handler_frees_a_held_anchor, setup),
        cmocka_unit_test_setup(test_fork_while_another_thread_anchors, setup),
        cmocka_unit_test_setup(test_step_forward_is_followed_and_rate_kept, setup),
        cmocka_unit_test_setup(test_step_during_a_long_gap_does_not_skew_the_rate, setup),
        cmocka_unit_test_setup(test_wrong_rate_is_recalibrated, setup),
        cmocka_unit_test_setup(test_anchor_keeps_the_tight_pair, setup),
        cmocka_unit_test_setup(test_calibration_keeps_the_tight_pair, setup),
        cmocka_unit_test_setup(test_stuck_sequence_answers_with_realtime, setup),
        cmocka_unit_test_setup(test_reanchoring_thread_answers_from_the_new_anchor, setup),
        cmocka_unit_test_setup(test_threads_through_calibration_and_reanchoring, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
