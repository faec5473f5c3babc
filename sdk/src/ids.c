/* Random ids from a per-thread xoshiro256** generator seeded from the OS (getrandom). Seeding happens on
 * a thread's first id and again after fork(), so a child never repeats its parent's ids. */
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

typedef struct rng {
    uint64_t s[4];
    unsigned generation; /* 0 = unseeded */
} rng;

static _Thread_local rng t_rng;
static atomic_uint g_generation = 1; /* bumped in the child after fork */

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t splitmix(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void seed(rng *r) {
    uint64_t s[4] = {0};
    ssize_t got = getrandom(s, sizeof s, GRND_NONBLOCK);
    if (got != (ssize_t)sizeof s) {
        /* No entropy yet (early boot) or a sandbox without getrandom: mix what differs per thread. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)getpid() ^
                     (uint64_t)(uintptr_t)&t_rng;
        for (int i = 0; i < 4; i++) s[i] ^= splitmix(&x);
    }
    if (!(s[0] | s[1] | s[2] | s[3])) s[0] = 1; /* xoshiro must not start all-zero */
    memcpy(r->s, s, sizeof s);
    r->generation = atomic_load_explicit(&g_generation, memory_order_relaxed);
}

/* One xoshiro256** step on a state held in locals (s[0..3]), so that several draws cost one load and one
 * store of the thread's state. */
static inline uint64_t step(uint64_t s[4]) {
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* The calling thread's generator, seeded (again after fork) when needed. */
static inline rng *thread_rng(void) {
    rng *r = &t_rng;
    if (__builtin_expect(r->generation != atomic_load_explicit(&g_generation, memory_order_relaxed), 0)) seed(r);
    return r;
}

static inline uint64_t next(void) { return step(thread_rng()->s); }

uint64_t otelc__random_u64(void) { return next(); }

/* Ids are never all zero (invalid in W3C trace context): draw again in that case. */
static inline void fill_trace_id(uint64_t s[4], uint8_t out[16]) {
    uint64_t a, b;
    do {
        a = step(s);
        b = step(s);
    } while (!(a | b));
    memcpy(out, &a, 8);
    memcpy(out + 8, &b, 8);
}

static inline void fill_span_id(uint64_t s[4], uint8_t out[8]) {
    uint64_t a;
    do a = step(s); while (!a);
    memcpy(out, &a, 8);
}

void otelc__random_trace_id(uint8_t out[16]) { fill_trace_id(thread_rng()->s, out); }
void otelc__random_span_id(uint8_t out[8]) { fill_span_id(thread_rng()->s, out); }

/* Both ids of a root span in one call: one thread-local lookup, and the state stays in registers for
 * the three draws. */
void otelc__random_ids(uint8_t trace_id[16], uint8_t span_id[8]) {
    rng *r = thread_rng();
    uint64_t s[4] = {r->s[0], r->s[1], r->s[2], r->s[3]};
    fill_trace_id(s, trace_id);
    fill_span_id(s, span_id);
    memcpy(r->s, s, sizeof s);
}

void otelc__ids_after_fork(void) { atomic_fetch_add_explicit(&g_generation, 1, memory_order_relaxed); }
