/* The batch processor's per-thread queue: see span_queue.h for the design. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "span_queue.h"

#define RING_MIN 64u      /* a ring's first size; it doubles while its thread has more spans in flight */
#define CHUNK_MAX 32u     /* room taken at once: one shared atomic per this many spans of a busy thread */
#define LEND_DIV 32u      /* all threads together hold at most capacity / LEND_DIV unused credits */
#define RELEASE_EVERY 8u  /* a thread releases its exported spans this many at a time, per as many pushes */

/* The slots and their mask behind one pointer, so that growing swaps both with one store (a fork child
 * never sees one without the other). */
typedef struct sq_slots {
    size_t mask;
    otelc_span *span[];
} sq_slots;

typedef struct sq_ring {
    /* The owner thread's line, written on every push. */
    _Alignas(64) atomic_size_t tail; /* spans pushed; the one pushed at pos is in span[pos & mask] */
    size_t credits;                  /* room this thread took and has not used (owner only) */
    size_t lent;                     /* what its last chunk added to q->lent (owner only) */
    atomic_size_t rel;               /* spans before rel are released (written under lock) */
    sq_slots *_Atomic slots;         /* replaced by the owner only, under lock */
    /* The consumer's line. */
    _Alignas(64) atomic_size_t head; /* spans before head are exported: their thread releases them */
    size_t taken;                    /* spans before taken are out of the queue (consumer, under lock) */
    atomic_bool orphan;              /* the owner thread exited */
    pthread_mutex_t lock;
    pthread_t owner;
    span_queue *q;
    struct sq_ring *next; /* the queue's list (under q->rings_lock) */
    void *mem;
} sq_ring;

struct span_queue {
    _Alignas(64) atomic_size_t room;
    _Alignas(64) pthread_mutex_t rings_lock;
    sq_ring *rings;
    size_t capacity;
    size_t retired_pushes; /* pushes of the rings no longer listed (under rings_lock) */
    atomic_size_t lent;    /* credits handed out beyond the span each refill is for */
    unsigned rotate;       /* consumer: how far into the list the next take starts */
    uint64_t id;
    struct span_queue *next_live; /* g_queues (under g_queues_lock) */
    void *mem;
};

/* A thread's rings, one per queue it pushed into. A ring belongs to its queue, which frees it; the thread
 * keeps a weak reference, used on its own pushes (while the queue is alive, since the thread is pushing
 * into it) and otherwise only after checking, under g_queues_lock, that the queue id is still live. */
typedef struct tls_entry {
    uint64_t qid;
    sq_ring *r;
} tls_entry;
typedef struct tls_rings {
    tls_entry *v;
    unsigned n, cap;
    bool key_set;
    struct tls_rings *next_thread, **prev_thread; /* on g_threads while key_set (under g_queues_lock) */
} tls_rings;

static _Thread_local tls_rings t_rings;
/* Set once thread_exit ran: a span ended later, from another thread-exit destructor, goes through
 * push_late (no ring of its own: nothing would orphan it, since the destructor may not run again). */
static _Thread_local bool t_exited;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_key;
static _Atomic uint64_t g_next_id;
static pthread_mutex_t g_queues_lock = PTHREAD_MUTEX_INITIALIZER;
static span_queue *g_queues;
/* Every thread holding a tls_rings vector: a fork child frees those of the threads it does not have
 * (only their TLS points at them; after fork nothing else would). */
static tls_rings *g_threads;

/* Under g_queues_lock. */
static bool queue_live(uint64_t id) {
    for (span_queue *q = g_queues; q; q = q->next_live)
        if (q->id == id) return true;
    return false;
}

static inline sq_slots *slots_of(sq_ring *r) { return atomic_load_explicit(&r->slots, memory_order_relaxed); }

static void ring_free(sq_ring *r) {
    pthread_mutex_destroy(&r->lock);
    otelc_free(slots_of(r));
    otelc_free(r->mem);
}

/* Under r->lock: releases the spans from rel up to end. rel moves past a span before it is released: a
 * fork child may leak one span, never release one twice. The release store pairs with the owner's
 * acquire load before it reuses the slot. */
static void release_to_locked(sq_ring *r, size_t end) {
    sq_slots *s = slots_of(r);
    size_t rel = atomic_load_explicit(&r->rel, memory_order_relaxed);
    while (rel != end) {
        otelc_span *span = s->span[rel & s->mask];
        atomic_store_explicit(&r->rel, ++rel, memory_order_release);
        otelc_span_release(span);
    }
}

/* Under r->lock: releases the exported spans from rel up to head, at most max of them. */
static void release_exported_locked(sq_ring *r, size_t max) {
    size_t rel = atomic_load_explicit(&r->rel, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    release_to_locked(r, head - rel > max ? rel + max : head);
}

/* Under r->lock: releases every span from rel to tail (exported or queued); returns how many were queued
 * (at or past taken). The caller has nothing taken in flight. */
static size_t release_all_locked(sq_ring *r) {
    size_t rel = atomic_load_explicit(&r->rel, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    /* Positions are free-running counters (they wrap on 32-bit): compare distances to tail, not values. */
    size_t to_taken = tail - r->taken, to_rel = tail - rel;
    size_t queued = to_taken < to_rel ? to_taken : to_rel;
    release_to_locked(r, tail);
    r->taken = tail;
    atomic_store_explicit(&r->head, tail, memory_order_relaxed);
    return queued;
}

/* ---- the owner thread ---- */

/* Thread exit: in each live queue, releases what this thread can, gives its credits back and leaves its
 * queued spans to the worker, which frees the ring once they are exported. */
static void thread_exit(void *arg) {
    tls_rings *t = arg;
    pthread_mutex_lock(&g_queues_lock);
    if ((*t->prev_thread = t->next_thread)) t->next_thread->prev_thread = t->prev_thread;
    for (unsigned i = 0; i < t->n; i++) {
        sq_ring *r = t->v[i].r;
        if (!queue_live(t->v[i].qid)) continue; /* freed with its queue */
        pthread_mutex_lock(&r->lock);
        release_exported_locked(r, SIZE_MAX);
        if (r->credits) atomic_fetch_add_explicit(&r->q->room, r->credits, memory_order_relaxed);
        if (r->lent) atomic_fetch_sub_explicit(&r->q->lent, r->lent, memory_order_relaxed);
        r->credits = r->lent = 0;
        atomic_store(&r->orphan, true);
        pthread_mutex_unlock(&r->lock);
    }
    pthread_mutex_unlock(&g_queues_lock);
    otelc_free(t->v);
    memset(t, 0, sizeof *t);
    t_exited = true;
}

static void key_init(void) { pthread_key_create(&g_key, thread_exit); }

static sq_ring *ring_new(span_queue *q) {
    void *mem = otelc_calloc(1, sizeof(sq_ring) + 63);
    sq_slots *s = otelc_malloc(sizeof(sq_slots) + RING_MIN * sizeof(otelc_span *));
    if (!mem || !s) {
        otelc_free(mem);
        otelc_free(s);
        return NULL;
    }
    sq_ring *r = (sq_ring *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    r->mem = mem;
    s->mask = RING_MIN - 1;
    atomic_init(&r->slots, s);
    atomic_init(&r->tail, 0);
    atomic_init(&r->rel, 0);
    atomic_init(&r->head, 0);
    atomic_init(&r->orphan, false);
    pthread_mutex_init(&r->lock, NULL);
    r->owner = pthread_self();
    r->q = q;
    pthread_mutex_lock(&q->rings_lock);
    r->next = q->rings;
    q->rings = r;
    pthread_mutex_unlock(&q->rings_lock);
    return r;
}

/* The calling thread's first push into q: forgets the rings of queues that are gone, then adds one.
 * NULL once the thread's exit destructor ran (see push_late). */
static sq_ring *ring_attach(span_queue *q, tls_rings *t) {
    if (t_exited) return NULL;
    pthread_mutex_lock(&g_queues_lock);
    for (unsigned i = 0; i < t->n;) {
        if (queue_live(t->v[i].qid))
            i++;
        else
            t->v[i] = t->v[--t->n];
    }
    pthread_mutex_unlock(&g_queues_lock);
    if (t->n == t->cap) {
        /* Not realloc: t->v must name a live block at every instant, since a fork child frees the
         * vectors of the threads it lost (otelc__sq_fork_child_init) wherever they stopped. */
        unsigned cap = t->cap ? 2 * t->cap : 4;
        tls_entry *v = otelc_malloc(cap * sizeof *v), *old = t->v;
        if (!v) return NULL;
        if (t->n) memcpy(v, old, t->n * sizeof *v);
        t->v = v;
        t->cap = cap;
        otelc_free(old);
    }
    if (!t->key_set) {
        pthread_once(&g_key_once, key_init);
        pthread_setspecific(g_key, t);
        t->key_set = true;
        pthread_mutex_lock(&g_queues_lock);
        if ((t->next_thread = g_threads)) g_threads->prev_thread = &t->next_thread;
        t->prev_thread = &g_threads;
        g_threads = t;
        pthread_mutex_unlock(&g_queues_lock);
    }
    sq_ring *r = ring_new(q);
    if (r) t->v[t->n++] = (tls_entry){q->id, r};
    return r;
}

static inline sq_ring *my_ring(span_queue *q) {
    tls_rings *t = &t_rings;
    for (unsigned i = 0; i < t->n; i++)
        if (t->v[i].qid == q->id) return t->v[i].r;
    return ring_attach(q, t);
}

/* The ring has no credit: take a chunk of room, one span's worth used at once. What a chunk holds beyond
 * that span is lent, and all threads together may have at most capacity / LEND_DIV lent (give or take
 * concurrent refills): credits parked in idle threads never take more than that share of the capacity.
 * They come back when those threads push again or exit. */
static bool refill(span_queue *q, sq_ring *r, bool low_rate, bool *took_room) {
    if (r->lent) atomic_fetch_sub_explicit(&q->lent, r->lent, memory_order_relaxed); /* all used by now */
    r->lent = 0;
    size_t lent = atomic_load_explicit(&q->lent, memory_order_relaxed), budget = q->capacity / LEND_DIV;
    size_t spare = low_rate || lent >= budget ? 0 : budget - lent;
    size_t room = atomic_load_explicit(&q->room, memory_order_relaxed);
    while (room > 0) {
        size_t chunk = 1 + (spare < CHUNK_MAX - 1 ? spare : CHUNK_MAX - 1);
        if (chunk > room) chunk = room;
        if (atomic_compare_exchange_weak_explicit(&q->room, &room, room - chunk, memory_order_relaxed,
                                                  memory_order_relaxed)) {
            if (chunk > 1) atomic_fetch_add_explicit(&q->lent, chunk - 1, memory_order_relaxed);
            r->credits = r->lent = chunk - 1;
            *took_room = true;
            return true;
        }
    }
    return false;
}

static inline bool take_credit(span_queue *q, sq_ring *r, bool low_rate, bool *took_room) {
    if (__builtin_expect(r->credits > 0, 1)) {
        r->credits--;
        return true;
    }
    return refill(q, r, low_rate, took_room);
}

/* The ring's slots are all in use at tail: release the exported spans, and grow if that was not enough
 * (queued and in-export spans need at most twice the capacity, so growth stops there). */
static bool make_space(sq_ring *r, size_t tail) {
    pthread_mutex_lock(&r->lock);
    release_exported_locked(r, SIZE_MAX);
    sq_slots *s = slots_of(r);
    size_t rel = atomic_load_explicit(&r->rel, memory_order_relaxed);
    bool ok = tail - rel <= s->mask;
    if (!ok) {
        size_t cap = 2 * (s->mask + 1);
        sq_slots *n = otelc_malloc(sizeof(sq_slots) + cap * sizeof(otelc_span *));
        if (n) {
            n->mask = cap - 1;
            for (size_t p = rel; p != tail; p++) n->span[p & n->mask] = s->span[p & s->mask];
            atomic_store_explicit(&r->slots, n, memory_order_relaxed);
            otelc_free(s);
            ok = true;
        }
    }
    pthread_mutex_unlock(&r->lock);
    return ok;
}

/* A span ended by a thread whose exit destructor already ran: one exact span of room and a ring of its
 * own, orphaned at birth (marked after the span is in it, or the worker could free it first), which the
 * worker frees once it has exported the span. Rare, so two allocations are fine. */
static bool push_late(span_queue *q, otelc_span *span, bool *took_room) {
    size_t room = atomic_load_explicit(&q->room, memory_order_relaxed);
    do {
        if (room == 0) return false;
    } while (!atomic_compare_exchange_weak_explicit(&q->room, &room, room - 1, memory_order_relaxed,
                                                    memory_order_relaxed));
    sq_ring *r = ring_new(q);
    if (!r) {
        atomic_fetch_add_explicit(&q->room, 1, memory_order_relaxed);
        return false;
    }
    *took_room = true;
    slots_of(r)->span[0] = span;
    atomic_store_explicit(&r->tail, 1, memory_order_release);
    atomic_store(&r->orphan, true);
    return true;
}

bool otelc__sq_push(span_queue *q, otelc_span *span, bool low_rate, bool *took_room) {
    sq_ring *r = my_ring(q);
    if (__builtin_expect(!r, 0)) return t_exited && push_late(q, span, took_room);
    if (!take_credit(q, r, low_rate, took_room)) return false;
    size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    sq_slots *s = slots_of(r);
    if (__builtin_expect(t - atomic_load_explicit(&r->rel, memory_order_acquire) > s->mask, 0)) {
        if (!make_space(r, t)) {
            r->credits++; /* out of memory: unused */
            return false;
        }
        s = slots_of(r);
    }
    s->span[t & s->mask] = span;
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    /* Release exported spans as many as are pushed, a few at a time: they go to this thread's span cache
     * and come back at its next span starts (more at once would overflow that cache). trylock: the
     * worker may be taking from this ring; then it is done next time. */
    if ((t & (RELEASE_EVERY - 1)) == 0 &&
        atomic_load_explicit(&r->head, memory_order_relaxed) != atomic_load_explicit(&r->rel, memory_order_relaxed) &&
        pthread_mutex_trylock(&r->lock) == 0) {
        release_exported_locked(r, RELEASE_EVERY);
        pthread_mutex_unlock(&r->lock);
    }
    return true;
}

size_t otelc__sq_room(const span_queue *q) {
    return atomic_load_explicit(&((span_queue *)q)->room, memory_order_relaxed);
}

/* ---- the consumer ---- */

span_queue *otelc__sq_create(size_t capacity) {
    void *mem = otelc_calloc(1, sizeof(span_queue) + 63);
    if (!mem) return NULL;
    span_queue *q = (span_queue *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    q->mem = mem;
    atomic_init(&q->room, capacity);
    pthread_mutex_init(&q->rings_lock, NULL);
    q->capacity = capacity;
    q->id = atomic_fetch_add(&g_next_id, 1) + 1;
    pthread_mutex_lock(&g_queues_lock);
    q->next_live = g_queues;
    g_queues = q;
    pthread_mutex_unlock(&g_queues_lock);
    return q;
}

size_t otelc__sq_destroy(span_queue *q) {
    if (!q) return 0;
    /* Once q is off the live list no exiting thread touches its rings. */
    pthread_mutex_lock(&g_queues_lock);
    for (span_queue **pp = &g_queues; *pp; pp = &(*pp)->next_live) {
        if (*pp == q) {
            *pp = q->next_live;
            break;
        }
    }
    pthread_mutex_unlock(&g_queues_lock);
    size_t queued = 0;
    for (sq_ring *r = q->rings, *next; r; r = next) {
        next = r->next;
        queued += release_all_locked(r);
        ring_free(r);
    }
    pthread_mutex_destroy(&q->rings_lock);
    otelc_free(q->mem);
    return queued;
}

size_t otelc__sq_take(span_queue *q, otelc_span **out, size_t max) {
    size_t n = 0;
    pthread_mutex_lock(&q->rings_lock);
    /* Start one ring further each time, so a busy thread's ring does not always fill the batch first. */
    sq_ring *start = q->rings;
    for (unsigned k = 0; k < q->rotate && start; k++) start = start->next;
    if (!start) {
        start = q->rings;
        q->rotate = 0;
    }
    q->rotate++;
    for (sq_ring *r = start; r && n < max;) {
        size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (tail != r->taken) {
            pthread_mutex_lock(&r->lock);
            sq_slots *s = slots_of(r);
            size_t n0 = n;
            while (r->taken != tail && n < max) out[n++] = s->span[r->taken++ & s->mask];
            pthread_mutex_unlock(&r->lock);
            atomic_fetch_add_explicit(&q->room, n - n0, memory_order_relaxed);
        }
        r = r->next ? r->next : q->rings;
        if (r == start) break;
    }
    pthread_mutex_unlock(&q->rings_lock);
    return n;
}

void otelc__sq_settle(span_queue *q) {
    pthread_mutex_lock(&q->rings_lock);
    for (sq_ring **pp = &q->rings; *pp;) {
        sq_ring *r = *pp;
        bool orphan = atomic_load(&r->orphan);
        if (atomic_load_explicit(&r->head, memory_order_relaxed) == r->taken && !orphan) {
            pp = &r->next;
            continue;
        }
        pthread_mutex_lock(&r->lock);
        atomic_store_explicit(&r->head, r->taken, memory_order_release);
        /* An exited thread's ring, empty: release what is left and forget it. */
        bool gone = orphan && r->taken == atomic_load_explicit(&r->tail, memory_order_acquire);
        if (gone) {
            release_exported_locked(r, SIZE_MAX);
            q->retired_pushes += r->taken;
        }
        pthread_mutex_unlock(&r->lock);
        if (gone) {
            *pp = r->next;
            ring_free(r);
        } else {
            pp = &r->next;
        }
    }
    pthread_mutex_unlock(&q->rings_lock);
}

size_t otelc__sq_queued(span_queue *q) {
    size_t n = 0;
    pthread_mutex_lock(&q->rings_lock);
    for (sq_ring *r = q->rings; r; r = r->next) n += atomic_load_explicit(&r->tail, memory_order_acquire) - r->taken;
    pthread_mutex_unlock(&q->rings_lock);
    return n;
}

size_t otelc__sq_pushed(span_queue *q) {
    pthread_mutex_lock(&q->rings_lock);
    size_t n = q->retired_pushes;
    for (sq_ring *r = q->rings; r; r = r->next) n += atomic_load_explicit(&r->tail, memory_order_relaxed);
    pthread_mutex_unlock(&q->rings_lock);
    return n;
}

size_t otelc__sq_drop_all(span_queue *q) {
    size_t dropped = 0;
    pthread_mutex_lock(&q->rings_lock);
    for (sq_ring *r = q->rings; r; r = r->next) {
        pthread_mutex_lock(&r->lock);
        dropped += release_all_locked(r);
        pthread_mutex_unlock(&r->lock);
    }
    pthread_mutex_unlock(&q->rings_lock);
    if (dropped) atomic_fetch_add_explicit(&q->room, dropped, memory_order_relaxed);
    return dropped;
}

void otelc__sq_release_exported(span_queue *q) {
    pthread_mutex_lock(&q->rings_lock);
    for (sq_ring *r = q->rings; r; r = r->next) {
        if (atomic_load_explicit(&r->head, memory_order_relaxed) == atomic_load_explicit(&r->rel, memory_order_relaxed))
            continue;
        pthread_mutex_lock(&r->lock);
        release_exported_locked(r, SIZE_MAX);
        pthread_mutex_unlock(&r->lock);
    }
    pthread_mutex_unlock(&q->rings_lock);
}

void otelc__sq_fork_child_init(void) {
    pthread_mutex_init(&g_queues_lock, NULL);
    /* The other threads' TLS blocks are still mapped (their stacks are not reused before this child
     * creates a thread): free their vectors; the rings they name are freed per queue below. */
    tls_rings *self = &t_rings, *next;
    for (tls_rings *t = g_threads; t; t = next) {
        next = t->next_thread;
        if (t != self) otelc_free(t->v);
    }
    g_threads = NULL;
    if (self->key_set) {
        self->next_thread = NULL;
        self->prev_thread = &g_threads;
        g_threads = self;
    }
}

void otelc__sq_after_fork_child(span_queue *q) {
    pthread_mutex_init(&q->rings_lock, NULL);
    size_t kept_credits = 0, kept_lent = 0;
    for (sq_ring **pp = &q->rings; *pp;) {
        sq_ring *r = *pp;
        pthread_mutex_init(&r->lock, NULL);
        release_all_locked(r);
        bool orphan = atomic_load(&r->orphan);
        if (!orphan && pthread_equal(r->owner, pthread_self())) {
            kept_credits += r->credits;
            kept_lent += r->lent;
            pp = &r->next;
            continue;
        }
        /* Its thread does not exist in the child: nothing will push into it again. */
        *pp = r->next;
        q->retired_pushes += atomic_load(&r->tail);
        ring_free(r);
    }
    atomic_store(&q->room, q->capacity - kept_credits);
    atomic_store(&q->lent, kept_lent);
}
