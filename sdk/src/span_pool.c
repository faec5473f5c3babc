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

/* One per thread that allocates recording spans. Owners are never freed (a worker may still push to one
 * whose thread has exited); an exited thread's owner goes on a free list and the next new thread reuses
 * it, so their number is bounded by the most threads alive at once. */
#define PARK_BLOCK_CAP 512 /* a batch's worth of span pointers */
#define PARK_FREE_BLOCKS 64 /* idle blocks kept for reuse; more go back to malloc */

typedef struct park_block {
    struct park_block *next;
    uint32_t count, pos; /* spans[pos..count) still to release */
    otelc_span *spans[PARK_BLOCK_CAP];
} park_block;

struct park_owner {
    _Atomic(park_block *) head;   /* blocks of exported spans; pushed by workers, taken whole */
    struct park_owner *next;      /* registry of all owners */
    struct park_owner *next_free; /* free list of owners whose thread exited */
};
static pthread_mutex_t g_owners_lock = PTHREAD_MUTEX_INITIALIZER;
static park_owner *g_owners;
static park_owner *g_free_owners;
static park_block *g_free_blocks;
static unsigned g_free_block_count;

typedef struct thread_cache {
    void *items[SPAN_POOL__COUNT][CACHE_CAP];
    unsigned count[SPAN_POOL__COUNT];
    park_owner *owner;
    park_block *cur;  /* block being released, a few spans per allocation */
    park_block *more; /* further blocks taken from owner->head */
    bool registered;
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

static park_block *block_get(void) {
    pthread_mutex_lock(&g_owners_lock);
    park_block *b = g_free_blocks;
    if (b) {
        g_free_blocks = b->next;
        g_free_block_count--;
    }
    pthread_mutex_unlock(&g_owners_lock);
    if (!b) b = otelc_malloc(sizeof *b);
    if (b) b->next = NULL, b->count = b->pos = 0;
    return b;
}

static void block_put(park_block *b) {
    pthread_mutex_lock(&g_owners_lock);
    if (g_free_block_count < PARK_FREE_BLOCKS) {
        b->next = g_free_blocks;
        g_free_blocks = b;
        g_free_block_count++;
        b = NULL;
    }
    pthread_mutex_unlock(&g_owners_lock);
    otelc_free(b);
}

/* Releases every span left in a list of blocks and recycles the blocks. */
static void release_blocks(park_block *b) {
    while (b) {
        park_block *next = b->next;
        while (b->pos < b->count) otelc_span_release(b->spans[b->pos++]);
        block_put(b);
        b = next;
    }
}

/* Thread exit: release this thread's parked spans, hand the cache back to the rings (or to malloc when
 * they are full), and put the owner record up for reuse. */
static void cache_exit(void *arg) {
    thread_cache *tc = arg;
    release_blocks(tc->cur);
    release_blocks(tc->more);
    tc->cur = tc->more = NULL;
    if (tc->owner) {
        release_blocks(atomic_exchange(&tc->owner->head, NULL));
        pthread_mutex_lock(&g_owners_lock);
        tc->owner->next_free = g_free_owners;
        g_free_owners = tc->owner;
        pthread_mutex_unlock(&g_owners_lock);
        tc->owner = NULL;
    }
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
}

static void pool_init(void) {
    for (int c = 0; c < SPAN_POOL__COUNT; c++)
        for (size_t i = 0; i < RING_CAP; i++) atomic_init(&g_rings[c].cells[i].seq, i);
    pthread_key_create(&g_cache_key, cache_exit);
}

static thread_cache *cache(void) {
    thread_cache *tc = &t_cache;
    if (__builtin_expect(!tc->registered, 0)) {
        pthread_once(&g_once, pool_init);
        pthread_setspecific(g_cache_key, tc);
        tc->registered = true;
    }
    return tc;
}

park_owner *otelc__pool_owner(void) {
    thread_cache *tc = cache();
    if (__builtin_expect(tc->owner != NULL, 1)) return tc->owner;
    pthread_mutex_lock(&g_owners_lock);
    park_owner *o = g_free_owners;
    if (o) {
        g_free_owners = o->next_free;
    } else if ((o = otelc_calloc(1, sizeof *o))) {
        o->next = g_owners;
        g_owners = o;
    }
    pthread_mutex_unlock(&g_owners_lock);
    tc->owner = o;
    return o;
}

static void push_block(park_owner *o, park_block *b) {
    park_block *head = atomic_load_explicit(&o->head, memory_order_relaxed);
    do {
        b->next = head;
    } while (!atomic_compare_exchange_weak_explicit(&o->head, &head, b, memory_order_release, memory_order_relaxed));
}

void otelc__spans_release_deferred(otelc_span *const *spans, park_owner *const *owners, size_t n) {
    enum { GROUPS = 8 }; /* distinct owners per batch handled this way; spans of others are released */
    struct { park_owner *o; park_block *b; } g[GROUPS];
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        park_owner *o = owners[i];
        size_t k = 0;
        while (k < ng && g[k].o != o) k++;
        if (k == ng) {
            park_block *b = o && ng < GROUPS ? block_get() : NULL;
            if (!b) {
                otelc_span_release(spans[i]);
                continue;
            }
            g[ng].o = o;
            g[ng].b = b;
            ng++;
        }
        g[k].b->spans[g[k].b->count++] = spans[i];
        if (g[k].b->count == PARK_BLOCK_CAP) {
            push_block(g[k].o, g[k].b);
            g[k].b = block_get();
            if (!g[k].b) g[k] = g[--ng]; /* out of memory: the group's later spans are released at once */
        }
    }
    for (size_t k = 0; k < ng; k++) {
        if (g[k].b->count) push_block(g[k].o, g[k].b);
        else block_put(g[k].b);
    }
}

/* Releases up to max of this thread's parked spans. */
static void release_own_parked(thread_cache *tc, size_t max) {
    for (size_t n = 0; n < max; n++) {
        if (!tc->cur || tc->cur->pos == tc->cur->count) {
            if (tc->cur) {
                block_put(tc->cur);
                tc->cur = NULL;
            }
            if (!tc->more) {
                if (!tc->owner || !atomic_load_explicit(&tc->owner->head, memory_order_relaxed)) return;
                tc->more = atomic_exchange_explicit(&tc->owner->head, NULL, memory_order_acquire);
                if (!tc->more) return;
            }
            tc->cur = tc->more;
            tc->more = tc->cur->next;
            tc->cur->next = NULL; /* cur is released on its own: it must not lead into `more` */
        }
        otelc_span_release(tc->cur->spans[tc->cur->pos++]);
    }
}

void otelc__span_release_all_parked(void) {
    pthread_once(&g_once, pool_init);
    thread_cache *tc = cache();
    release_blocks(tc->cur);
    release_blocks(tc->more);
    tc->cur = tc->more = NULL;
    /* Taking a whole stack with an exchange is safe from any thread: blocks are never popped one by one
     * from the shared head, so there is no ABA. Owners are only ever prepended to the registry. */
    pthread_mutex_lock(&g_owners_lock);
    park_owner *all = g_owners;
    pthread_mutex_unlock(&g_owners_lock);
    for (park_owner *o = all; o; o = o->next) release_blocks(atomic_exchange_explicit(&o->head, NULL, memory_order_acquire));
}

void otelc__pool_after_fork(void) { pthread_mutex_init(&g_owners_lock, NULL); }

void *otelc__pool_alloc(span_pool_class c) {
    thread_cache *tc = cache();
    /* Recording spans: first drop parked export references, one per allocation, two while this cache is
     * nearly empty. The freed span lands in this cache and is the one handed out just below, its lines
     * still warm. Releasing two every time had grown the cache by one span per allocation while a batch
     * was parked: past CACHE_CAP they went through the shared ring, and came back from it cold, which
     * cost 10% of a span on one thread and 20% of the throughput on two (every producer and the worker
     * then CAS the ring's positions). */
    if (c == SPAN_POOL_RECORDING) release_own_parked(tc, tc->count[c] < 4 ? 2 : 1);
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
    for (int i = 0; i < REFILL; i++) {
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
    if (tc->count[c] < CACHE_CAP) {
        tc->items[c][tc->count[c]++] = p;
        return;
    }
    if (!ring_put(&g_rings[c], p)) {
        UNPOISON(p, class_size[c]);
        otelc_free(p);
    }
}

void otelc_sdk_release_cached_memory(void) {
    otelc__span_release_all_parked();
    pthread_mutex_lock(&g_owners_lock);
    park_block *blocks = g_free_blocks;
    g_free_blocks = NULL;
    g_free_block_count = 0;
    pthread_mutex_unlock(&g_owners_lock);
    while (blocks) {
        park_block *next = blocks->next;
        otelc_free(blocks);
        blocks = next;
    }
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
