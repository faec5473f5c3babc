/* otelc_now_unix_nano: the span clock.
 *
 * Span timestamps are Unix nanoseconds, so the reference is CLOCK_REALTIME. Reading it costs about
 * 26 ns in a VM (two reads per span), while the CPU's invariant TSC costs about 12 ns. When the CPU
 * says its TSC is invariant (CPUID 0x80000007 EDX bit 8), the clock:
 *   1. calibrates: it answers with CLOCK_REALTIME for about 50 ms while it measures the TSC rate over
 *      two ~25 ms halves. A preemption, step or slew during one half makes the halves disagree; unless
 *      they agree within 500 ppm calibration starts again (after 8 failures in a row the TSC is not
 *      used). The rate is the one over both halves.
 *   2. then converts TSC ticks with that fixed-point rate, from an anchor: a (tsc, realtime) pair read
 *      as rdtsc, clock_gettime, rdtsc, keeping the midpoint of the two TSC reads, and retried (up to 4
 *      tries, the tightest kept) when the reads were far apart, i.e. interrupted or preempted.
 *   3. re-anchors every second. When CLOCK_REALTIME agrees with the extrapolation from the previous
 *      anchor (within 250 us + 500 ppm of the elapsed time), the rate is refined over the whole
 *      baseline: since calibration, the last step, or the last gap of over 2 s without readings (over
 *      so long a gap the drift allowance could hide a step). Otherwise the wall clock was stepped, if
 *      only by a few ms that the long baseline would hide as a small rate error: the clock re-anchors
 *      on it, starts a new baseline and checks again 100 ms later; disagreeing again so soon means the
 *      rate itself is wrong (e.g. a VM moved to another host), and it recalibrates.
 *   4. treats a TSC reading below the anchor (a thread migrated across unsynchronised sockets, a VM) as
 *      a step: it re-anchors rather than standing still; the third time, it abandons the TSC.
 *   5. does not go backwards on a thread by up to 1 ms (a re-anchor that finds no step moves the clock
 *      by less); a larger regression is a real step of the wall clock and is followed.
 * Anchors are published with a sequence lock. One thread at a time re-anchors (a try-lock), and
 * answers from its new anchor; a thread that finds the anchor due while another re-anchors, or cannot
 * read a stable anchor within 1000 tries (the writer descheduled mid-write), answers with
 * CLOCK_REALTIME, which is always right, only slower. A pthread_atfork child handler frees the
 * try-lock and the sequence in case fork() happened while another thread held them, and recalibrates
 * then since the state may be half written. Elsewhere (no invariant TSC, not x86-64, or
 * OTELC_FAST_CLOCK=false) it is clock_gettime(CLOCK_REALTIME) with the same 1 ms clamp.
 *
 * Tests (tests/api/test_clock_steps.c) #include this file after defining OTELC_CLOCK_TEST_TSC,
 * OTELC_CLOCK_TEST_WALL and OTELC_CLOCK_TEST_INVARIANT as names of functions returning the fake TSC,
 * the fake CLOCK_REALTIME and whether the fake TSC is invariant: steps, jumps and preemptions cannot
 * be produced on the real clocks. The library never defines them. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "otelc/log.h"
#include "otelc/trace.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <x86intrin.h>
#define X86_TSC 1
#endif

#ifdef OTELC_CLOCK_TEST_WALL
#define wall_ns() OTELC_CLOCK_TEST_WALL()
#else
static uint64_t wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

#if defined(OTELC_CLOCK_TEST_TSC)
#define read_tsc() OTELC_CLOCK_TEST_TSC()
#define HAVE_TSC 1
#elif defined(X86_TSC)
#define read_tsc() __rdtsc()
#define HAVE_TSC 1
#endif

#define CLAMP_NS 1000000ull /* regressions a thread does not see; larger ones are real steps */
static _Thread_local uint64_t t_last;

/* A re-anchor may move the clock back a little (the rate is never exact); hiding that keeps span
 * durations non-negative. A step of the wall clock back by more is followed at once: clamping it would
 * stop this thread's clock for as long as the step. */
static inline uint64_t clamp_on_thread(uint64_t now) {
    uint64_t last = t_last;
    if (__builtin_expect(now < last, 0) && last - now <= CLAMP_NS) return last;
    t_last = now;
    return now;
}

#ifdef HAVE_TSC

enum { MODE_UNKNOWN = 0, MODE_CALIBRATING = 1, MODE_TSC = 2, MODE_SYSTEM = 3 };
#define CAL_HALF_NS 25000000ull      /* each of the two calibration halves */
#define CAL_AGREE_PPM 500u           /* how well the halves' rates must agree */
#define CAL_MAX_FAILURES 8u          /* calibrations failed in a row before giving up on the TSC */
#define REANCHOR_NS 1000000000ull    /* follow the wall clock every second */
#define RECHECK_NS 100000000ull      /* after a step, look again this soon */
#define STEP_SLACK_NS 250000ull      /* an extrapolation off by more than this ... */
#define STEP_PPM 500u                /* ... plus this much of the elapsed time is a step */
#define SHIFT 32                     /* ns per tick as a 32.32 fixed-point number */
#define SEQ_SPINS 1000u              /* reads of an odd sequence before answering with realtime */
#define PAIR_TRIES 4
#define PAIR_TIGHT_NS 1000ull        /* a (tsc, realtime) pair wider than this was interrupted */
#define TSC_BACK_SLACK_NS 1000ull    /* rdtsc may run a little ahead of the loads that precede it */
#define TSC_BACK_MAX 3u              /* TSC jumps backwards before giving up on it */

static atomic_int g_mode;
/* The published anchor, under the sequence lock g_seq (odd while being written). A reading uses it
 * while fewer than period ticks have passed since tsc; past that, or below tsc, it is due. */
static atomic_uint g_seq;
static _Atomic uint64_t g_anchor_tsc, g_anchor_ns, g_mult, g_period;
/* Calibrating: realtime of the last calibration point, read by every caller to see if the next is due. */
static _Atomic uint64_t g_cal_last_ns;

/* Everything below is read and written only by the thread holding g_anchoring. */
static atomic_flag g_anchoring = ATOMIC_FLAG_INIT;
static uint64_t g_origin_tsc, g_origin_ns; /* start of the rate's baseline, or of the calibration */
static uint64_t g_half_tsc, g_half_ns;     /* calibration: end of the first half ... */
static bool g_second_half;                 /* ... once it is reached */
static bool g_step_seen;                   /* the last anchor followed a step: the next checks the rate */
static unsigned g_cal_failures, g_tsc_backwards;
static bool g_atfork_registered;

struct anchor {
    uint64_t tsc, ns, mult, period;
};

static inline void cpu_relax(void) {
#ifdef X86_TSC
    _mm_pause();
#endif
}

static inline uint64_t scale(uint64_t ticks, uint64_t mult) {
    return (uint64_t)(((unsigned __int128)ticks * mult) >> SHIFT);
}

static bool tsc_usable(void) {
    const char *env = getenv("OTELC_FAST_CLOCK");
    if (env && (!strcasecmp(env, "false") || !strcmp(env, "0"))) return false;
#if defined(OTELC_CLOCK_TEST_INVARIANT)
    return OTELC_CLOCK_TEST_INVARIANT();
#elif defined(X86_TSC)
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u) return false;
    __get_cpuid(0x80000007u, &a, &b, &c, &d);
    return (d >> 8) & 1u; /* invariant TSC: constant rate, runs in every C-state */
#else
    return false;
#endif
}

static uint64_t ticks_for(uint64_t ns, uint64_t mult) {
    uint64_t t = (uint64_t)(((unsigned __int128)ns << SHIFT) / mult);
    return t ? t : 1;
}

/* ns per tick between two pairs; 0 when the interval is unusable (a clock went back, no ticks). */
static uint64_t rate(uint64_t tsc0, uint64_t ns0, uint64_t tsc1, uint64_t ns1) {
    if (tsc1 <= tsc0 || ns1 <= ns0) return 0;
    return (uint64_t)(((unsigned __int128)(ns1 - ns0) << SHIFT) / (tsc1 - tsc0));
}

static bool rates_agree(uint64_t a, uint64_t b, unsigned ppm) {
    uint64_t d = a > b ? a - b : b - a;
    return (unsigned __int128)d * 1000000u <= (unsigned __int128)b * ppm;
}

/* The TSC at the moment CLOCK_REALTIME was read: the midpoint of a TSC read on each side, so the error
 * is at most half the pair's width. An interrupt or preemption between the reads makes the pair wide;
 * then it is read again, keeping the tightest. Before the rate is known (mult 0) all tries are made. */
static void read_pair(uint64_t mult, uint64_t *tsc, uint64_t *ns) {
    uint64_t tight = mult ? ticks_for(PAIR_TIGHT_NS, mult) : 0, best = 0;
    for (int i = 0; i < PAIR_TRIES; i++) {
        uint64_t t0 = read_tsc();
        uint64_t w = wall_ns();
        uint64_t width = read_tsc() - t0; /* huge if the thread moved to a TSC behind: never kept first */
        if (i == 0 || width < best) {
            best = width;
            *tsc = t0 + width / 2;
            *ns = w;
        }
        if (best <= tight) break;
    }
}

static bool try_lock(void) { return !atomic_flag_test_and_set_explicit(&g_anchoring, memory_order_acquire); }
static void unlock(void) { atomic_flag_clear_explicit(&g_anchoring, memory_order_release); }

/* Publishes an anchor; the caller holds g_anchoring, so it is the only writer. */
static void publish(uint64_t tsc, uint64_t ns, uint64_t mult, uint64_t period_ns) {
    atomic_fetch_add_explicit(&g_seq, 1, memory_order_acq_rel);
    atomic_store_explicit(&g_anchor_tsc, tsc, memory_order_relaxed);
    atomic_store_explicit(&g_anchor_ns, ns, memory_order_relaxed);
    atomic_store_explicit(&g_mult, mult, memory_order_relaxed);
    atomic_store_explicit(&g_period, ticks_for(period_ns, mult), memory_order_relaxed);
    atomic_fetch_add_explicit(&g_seq, 1, memory_order_release);
}

static void give_up(const char *why) {
    atomic_store_explicit(&g_mode, MODE_SYSTEM, memory_order_release);
    otelc_log(OTELC_LOG_INFO, "span clock: %s; using CLOCK_REALTIME from now on", why);
}

static void calibration_start(uint64_t tsc, uint64_t ns) {
    g_origin_tsc = tsc;
    g_origin_ns = ns;
    g_second_half = false;
    atomic_store_explicit(&g_cal_last_ns, ns, memory_order_relaxed);
    atomic_store_explicit(&g_mode, MODE_CALIBRATING, memory_order_release);
}

static void calibration_failed(uint64_t tsc, uint64_t ns) {
    if (++g_cal_failures >= CAL_MAX_FAILURES) give_up("the TSC rate never measured consistently");
    else calibration_start(tsc, ns);
}

/* A calibration point is due (about 25 ms after the last one): it ends the first half, or ends the
 * calibration when both halves measured the same rate. */
static void calibration_point(void) {
    uint64_t tsc, ns;
    read_pair(0, &tsc, &ns);
    uint64_t last = g_second_half ? g_half_ns : g_origin_ns;
    if (ns >= last && ns - last < CAL_HALF_NS) return; /* another thread took this point already */
    if (!g_second_half) {
        if (!rate(g_origin_tsc, g_origin_ns, tsc, ns)) {
            calibration_failed(tsc, ns);
            return;
        }
        g_half_tsc = tsc;
        g_half_ns = ns;
        g_second_half = true;
        atomic_store_explicit(&g_cal_last_ns, ns, memory_order_relaxed);
        return;
    }
    uint64_t first = rate(g_origin_tsc, g_origin_ns, g_half_tsc, g_half_ns);
    uint64_t second = rate(g_half_tsc, g_half_ns, tsc, ns);
    if (!second || !rates_agree(first, second, CAL_AGREE_PPM)) {
        calibration_failed(tsc, ns);
        return;
    }
    g_cal_failures = 0;
    g_step_seen = false;
    publish(tsc, ns, rate(g_origin_tsc, g_origin_ns, tsc, ns), REANCHOR_NS);
    atomic_store_explicit(&g_mode, MODE_TSC, memory_order_release); /* after the anchor it needs */
}

/* Re-anchors on the wall clock with a new baseline for the rate. */
static void restart_baseline(uint64_t tsc, uint64_t ns, uint64_t mult, uint64_t period_ns) {
    g_origin_tsc = tsc;
    g_origin_ns = ns;
    publish(tsc, ns, mult, period_ns);
}

/* The wall clock is not where the TSC says (or the TSC went back): follow the wall clock from here,
 * keeping the rate, and look again soon. A second disagreement then means the rate is wrong: measure
 * it again. */
static void follow_step(uint64_t tsc, uint64_t ns, uint64_t mult) {
    if (g_step_seen) {
        calibration_start(tsc, ns);
        return;
    }
    g_step_seen = true;
    restart_baseline(tsc, ns, mult, RECHECK_NS);
}

static void reanchor(void) {
    uint64_t at = atomic_load_explicit(&g_anchor_tsc, memory_order_relaxed);
    uint64_t an = atomic_load_explicit(&g_anchor_ns, memory_order_relaxed);
    uint64_t mult = atomic_load_explicit(&g_mult, memory_order_relaxed);
    uint64_t tsc, ns;
    read_pair(mult, &tsc, &ns);
    if (tsc < at) {
        if (++g_tsc_backwards >= TSC_BACK_MAX) give_up("the TSC went backwards repeatedly");
        else follow_step(tsc, ns, mult);
        return;
    }
    uint64_t elapsed = scale(tsc - at, mult), expected = an + elapsed;
    uint64_t off = ns > expected ? ns - expected : expected - ns;
    if (off > STEP_SLACK_NS + elapsed / 1000000u * STEP_PPM) {
        follow_step(tsc, ns, mult);
        return;
    }
    g_step_seen = false;
    if (elapsed > 2 * REANCHOR_NS) {
        /* Nobody read the clock for a while: over so long a gap the allowance for drift would hide a
         * step of the wall clock, which must not leak into the rate. */
        restart_baseline(tsc, ns, mult, REANCHOR_NS);
        return;
    }
    uint64_t refined = rate(g_origin_tsc, g_origin_ns, tsc, ns);
    publish(tsc, ns, refined ? refined : mult, REANCHOR_NS);
}

/* One consistent snapshot of the anchor; false when the writer kept it odd for SEQ_SPINS reads (it
 * was descheduled mid-write), so the caller answers with realtime instead of waiting for it. */
static inline bool read_anchor(struct anchor *a) {
    for (unsigned spins = 0; spins < SEQ_SPINS; spins++) {
        unsigned s = atomic_load_explicit(&g_seq, memory_order_acquire);
        if (__builtin_expect(s & 1u, 0)) {
            cpu_relax();
            continue;
        }
        a->tsc = atomic_load_explicit(&g_anchor_tsc, memory_order_relaxed);
        a->ns = atomic_load_explicit(&g_anchor_ns, memory_order_relaxed);
        a->mult = atomic_load_explicit(&g_mult, memory_order_relaxed);
        a->period = atomic_load_explicit(&g_period, memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        if (__builtin_expect(atomic_load_explicit(&g_seq, memory_order_relaxed) == s, 1)) return true;
    }
    return false;
}

/* The anchor is due, or the TSC reads below it. Re-anchors unless another thread is at it, then
 * answers from the newest anchor. */
__attribute__((noinline, cold)) static uint64_t tsc_due(uint64_t tsc, uint64_t at, uint64_t an,
                                                      uint64_t mult) {
    /* Just below an anchor another thread published a moment ago: rdtsc ran ahead of our loads. */
    if (tsc < at && at - tsc <= ticks_for(TSC_BACK_SLACK_NS, mult)) return an;
    if (!try_lock()) return wall_ns();
    /* Someone may have re-anchored (or left TSC mode) since our snapshot: then that anchor answers. */
    if (atomic_load_explicit(&g_mode, memory_order_relaxed) == MODE_TSC &&
        atomic_load_explicit(&g_anchor_tsc, memory_order_relaxed) == at)
        reanchor();
    unlock();
    struct anchor b;
    if (atomic_load_explicit(&g_mode, memory_order_acquire) != MODE_TSC || !read_anchor(&b)) return wall_ns();
    uint64_t delta = read_tsc() - b.tsc;
    return delta < b.period ? b.ns + scale(delta, b.mult) : wall_ns();
}

static inline uint64_t tsc_now(void) {
    struct anchor a;
    if (__builtin_expect(!read_anchor(&a), 0)) return wall_ns();
    uint64_t tsc = read_tsc();
    uint64_t delta = tsc - a.tsc; /* wraps to a huge value when the TSC is below the anchor */
    if (__builtin_expect(delta < a.period, 1)) return a.ns + scale(delta, a.mult);
    return tsc_due(tsc, a.tsc, a.ns, a.mult); /* by value: the snapshot stays in registers */
}

/* fork() copies the try-lock and the sequence as they were, held or odd if another thread was
 * anchoring, and that thread does not exist in the child: free them. What it was writing may be half
 * written, so then measure again from scratch. */
static void clock_atfork_child(void) {
    bool held = atomic_flag_test_and_set_explicit(&g_anchoring, memory_order_relaxed);
    unsigned seq = atomic_load_explicit(&g_seq, memory_order_relaxed);
    if (held || (seq & 1u)) {
        atomic_store_explicit(&g_seq, seq + (seq & 1u), memory_order_relaxed);
        if (atomic_load_explicit(&g_mode, memory_order_relaxed) != MODE_SYSTEM)
            atomic_store_explicit(&g_mode, MODE_UNKNOWN, memory_order_relaxed);
    }
    atomic_flag_clear_explicit(&g_anchoring, memory_order_relaxed);
}

static void start(void) {
    if (!g_atfork_registered)
        g_atfork_registered = pthread_atfork(NULL, NULL, clock_atfork_child) == 0;
    if (!tsc_usable()) {
        atomic_store_explicit(&g_mode, MODE_SYSTEM, memory_order_release);
        return;
    }
    uint64_t tsc, ns;
    read_pair(0, &tsc, &ns);
    g_cal_failures = 0;
    calibration_start(tsc, ns);
}

/* Before the rate is known the wall clock answers; the caller that finds a calibration point due
 * takes it, and answers with a wall-clock reading taken after it. */
__attribute__((noinline, cold)) static uint64_t not_ready(int mode) {
    if (mode == MODE_CALIBRATING) {
        uint64_t ns = wall_ns();
        uint64_t last = atomic_load_explicit(&g_cal_last_ns, memory_order_relaxed);
        if (ns >= last && ns - last < CAL_HALF_NS) return ns;
    }
    if (try_lock()) {
        int now_mode = atomic_load_explicit(&g_mode, memory_order_relaxed);
        if (now_mode == MODE_UNKNOWN) start();
        else if (now_mode == MODE_CALIBRATING) calibration_point();
        unlock();
    }
    return wall_ns();
}

uint64_t otelc_now_unix_nano(void) {
    int mode = atomic_load_explicit(&g_mode, memory_order_acquire);
    uint64_t now;
    if (__builtin_expect(mode == MODE_TSC, 1)) now = tsc_now();
    else if (mode == MODE_SYSTEM) now = wall_ns();
    else now = not_ready(mode);
    return clamp_on_thread(now);
}

#ifdef OTELC_CLOCK_TEST_TSC
/* Tests start each case from a process that never read the clock. */
static void clock_test_reset(void) {
    atomic_store(&g_mode, MODE_UNKNOWN);
    atomic_store(&g_seq, 0);
    atomic_store(&g_anchor_tsc, 0);
    atomic_store(&g_anchor_ns, 0);
    atomic_store(&g_mult, 0);
    atomic_store(&g_period, 0);
    atomic_store(&g_cal_last_ns, 0);
    atomic_flag_clear(&g_anchoring);
    g_origin_tsc = g_origin_ns = g_half_tsc = g_half_ns = 0;
    g_second_half = g_step_seen = false;
    g_cal_failures = g_tsc_backwards = 0;
    t_last = 0;
}
#endif

#else

uint64_t otelc_now_unix_nano(void) { return clamp_on_thread(wall_ns()); }

#endif
