/* Span storage recycling: see span_pool.h for why. A thread-local cache in front of one bounded
 * multi-producer/multi-consumer ring per size class (Vyukov's sequence-numbered cells). */
#include <pthread.h>
#include <stdalign.h>
#include <string.h>

#include "span_pool.h"

/* Under AddressSanitizer pooled spans are poisoned while parked, so a use after the last release is
 * still reported even though the memory is not returned to malloc. */
#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define RING_CAP 4096  /* spans parked globally per class: bounds pooled memory */
#define CACHE_CAP 64   /* spans parked per thread per class */
#define REFILL 16      /* taken from the ring at once when a thread's cache is empty */

static const size_t class_size[SPAN_POOL__COUNT] = {sizeof(sdk_span), sizeof(otelc_span)};

typedef struct pool_cell {
    atomic_size_t seq;
    void *p;
} pool_cell;

typedef struct pool_ring {
    _Alignas(64) atomic_size_t enq;
    _Alignas(64) atomic_size_t deq;
    _Alignas(64) pool_cell cells[RING_CAP];
} pool_ring;

static pool_ring g_rings[SPAN_POOL__COUNT];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_cache_key;

typedef struct thread_cache {
    void *items[SPAN_POOL__COUNT][CACHE_CAP];
    unsigned count[SPAN_POOL__COUNT];
    bool registered;
    /* cache_exit ran: spans started or freed later (from other thread-exit destructors) bypass the cache,
     * since nothing would empty it again. */
    bool exited;
} thread_cache;

static _Thread_local thread_cache t_cache;

static bool ring_put(pool_ring *r, void *p) {
    size_t pos = atomic_load_explicit(&r->enq, memory_order_relaxed);
    for (;;) {
        pool_cell *c = &r->cells[pos % RING_CAP];
        size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t dif = (intptr_t)seq - (intptr_t)pos;
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&r->enq, &pos, pos + 1, memory_order_relaxed, memory_order_relaxed)) {
                c->p = p;
                atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
                return true;
            }
        } else if (dif < 0) {
            return false;
        } else {
            pos = atomic_load_explicit(&r->enq, memory_order_relaxed);
        }
    }
}

static void *ring_take(pool_ring *r) {
    size_t pos = atomic_load_explicit(&r->deq, memory_order_relaxed);
    for (;;) {
        pool_cell *c = &r->cells[pos % RING_CAP];
        size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t dif = (intptr_t)seq - (intptr_t)(pos + 1);
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&r->deq, &pos, pos + 1, memory_order_relaxed, memory_order_relaxed)) {
                void *p = c->p;
                atomic_store_explicit(&c->seq, pos + RING_CAP, memory_order_release);
                return p;
            }
        } else if (dif < 0) {
            return NULL;
        } else {
            pos = atomic_load_explicit(&r->deq, memory_order_relaxed);
        }
    }
}

/* Thread exit: hand the cache back to the rings (or to malloc when they are full). */
static void cache_exit(void *arg) {
    thread_cache *tc = arg;
    for (int c = 0; c < SPAN_POOL__COUNT; c++) {
        while (tc->count[c]) {
            void *p = tc->items[c][--tc->count[c]];
            if (!ring_put(&g_rings[c], p)) {
                UNPOISON(p, class_size[c]);
                otelc_free(p);
            }
        }
    }
    tc->registered = false;
    tc->exited = true;
}

static void pool_init(void) {
    for (int c = 0; c < SPAN_POOL__COUNT; c++)
        for (size_t i = 0; i < RING_CAP; i++) atomic_init(&g_rings[c].cells[i].seq, i);
    pthread_key_create(&g_cache_key, cache_exit);
}

static thread_cache *cache(void) {
    thread_cache *tc = &t_cache;
    if (__builtin_expect(!tc->registered && !tc->exited, 0)) {
        pthread_once(&g_once, pool_init);
        pthread_setspecific(g_cache_key, tc);
        tc->registered = true;
    }
    return tc;
}

void *otelc__pool_alloc(span_pool_class c) {
    thread_cache *tc = cache();
    if (tc->count[c]) {
        void *p = tc->items[c][--tc->count[c]];
        UNPOISON(p, class_size[c]);
        /* With a batch queue a recycled span was last touched thousands of spans ago, so its lines are
         * cold. Prefetch the span the next allocation will get, while this one is being filled. */
        if (tc->count[c]) {
            const char *next = tc->items[c][tc->count[c] - 1];
            for (size_t off = 0; off < class_size[c]; off += 64) __builtin_prefetch(next + off, 1, 3);
        }
        return p;
    }
    /* After cache_exit, one at a time: the cache must stay empty. */
    for (int i = 0, n = tc->exited ? 1 : REFILL; i < n; i++) {
        void *p = ring_take(&g_rings[c]);
        if (!p) break;
        tc->items[c][tc->count[c]++] = p;
    }
    if (tc->count[c]) {
        void *p = tc->items[c][--tc->count[c]];
        UNPOISON(p, class_size[c]);
        return p;
    }
    return otelc_malloc(class_size[c]);
}

void otelc__pool_free(span_pool_class c, void *p) {
    if (!p) return;
    POISON(p, class_size[c]);
    thread_cache *tc = cache();
    if (tc->count[c] < CACHE_CAP && !tc->exited) {
        tc->items[c][tc->count[c]++] = p;
        return;
    }
    if (!ring_put(&g_rings[c], p)) {
        UNPOISON(p, class_size[c]);
        otelc_free(p);
    }
}

void otelc_sdk_release_cached_memory(void) {
    pthread_once(&g_once, pool_init);
    otelc__batch_release_exported_all(); /* exported spans their threads have not released yet */
    thread_cache *tc = cache();
    for (int c = 0; c < SPAN_POOL__COUNT; c++) {
        while (tc->count[c]) {
            void *p = tc->items[c][--tc->count[c]];
            UNPOISON(p, class_size[c]);
            otelc_free(p);
        }
        void *p;
        while ((p = ring_take(&g_rings[c]))) {
            UNPOISON(p, class_size[c]);
            otelc_free(p);
        }
    }
}
