/* The batch span processor.
 *
 * Application threads push ended spans into a bounded multi-producer ring (Vyukov's sequence-numbered
 * cells): no lock, no allocation, and a full ring drops the span and counts it instead of blocking.
 * One worker thread drains the ring and exports when a batch is full, the schedule delay passes, or a
 * flush/shutdown asks. Producers take the mutex only to wake a sleeping worker once a batch is ready.
 *
 * Lifetime: the processor handle and the worker each hold a reference to the shared state. If shutdown
 * times out (an exporter stuck on a dead network), the worker is detached and frees the state itself
 * when its export returns; shutdown still returns within its timeout.
 *
 * Fork: in the child the ring is emptied without exporting (those spans belong to the parent), the
 * locks are re-created and a new worker starts with the first span the child ends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "otelc/sdk/processor.h"
#include "span_pool.h"

typedef struct cell {
    atomic_size_t seq;
    otelc_span *span;
    park_owner *owner; /* the span's allocating thread, carried so the worker never reads the span */
} cell;

typedef struct batch {
    atomic_uint refs;
    otelc_exporter *exporter;
    otelc_batch_options o;
    cell *cells;
    size_t cap;
    size_t mask; /* cap - 1 when cap is a power of two (the default 2048): no division per push */
    _Alignas(64) atomic_size_t enq_pos;
    _Alignas(64) atomic_size_t deq_pos;
    _Alignas(64) atomic_bool worker_sleeping;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t done;
    bool stop;
    atomic_bool abandoned; /* shutdown timed out: the worker drops instead of exporting */
    bool worker_exited;
    bool worker_started;
    uint64_t flush_requested, flush_completed;
    unsigned fork_generation;
    pthread_t thread;
    otelc_span **scratch;
    park_owner **owners;
    const otelc_span_data **views;
    struct batch *next_live;
} batch;

static pthread_mutex_t g_live_lock = PTHREAD_MUTEX_INITIALIZER;
static batch *g_live;
static atomic_uint g_fork_generation;
static pthread_once_t g_hooks_once = PTHREAD_ONCE_INIT;

static inline const otelc_span_data *span_data(otelc_span *s) { return &((sdk_span *)s)->data; }

/* ---- ring ---- */

static inline cell *cell_at(batch *b, size_t pos) {
    return &b->cells[b->mask ? (pos & b->mask) : (pos % b->cap)];
}

static bool ring_push(batch *b, otelc_span *span, park_owner *owner) {
    size_t pos = atomic_load_explicit(&b->enq_pos, memory_order_relaxed);
    cell *c;
    for (;;) {
        c = cell_at(b, pos);
        size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t dif = (intptr_t)seq - (intptr_t)pos;
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&b->enq_pos, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed))
                break;
        } else if (dif < 0) {
            return false; /* full */
        } else {
            pos = atomic_load_explicit(&b->enq_pos, memory_order_relaxed);
        }
    }
    c->span = span;
    c->owner = owner;
    atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
    return true;
}

/* Single consumer (the worker, or the forking thread in the child). owner may be NULL. */
static otelc_span *ring_pop_owned(batch *b, park_owner **owner) {
    size_t pos = atomic_load_explicit(&b->deq_pos, memory_order_relaxed);
    cell *c = cell_at(b, pos);
    size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
    if ((intptr_t)seq - (intptr_t)(pos + 1) < 0) return NULL; /* empty (or a push still in flight) */
    otelc_span *s = c->span;
    if (owner) *owner = c->owner;
    atomic_store_explicit(&b->deq_pos, pos + 1, memory_order_relaxed);
    atomic_store_explicit(&c->seq, pos + b->cap, memory_order_release);
    return s;
}

static otelc_span *ring_pop(batch *b) { return ring_pop_owned(b, NULL); }

static size_t ring_size(batch *b) {
    size_t e = atomic_load_explicit(&b->enq_pos, memory_order_acquire);
    size_t d = atomic_load_explicit(&b->deq_pos, memory_order_acquire);
    return e > d ? e - d : 0;
}

/* ---- shared state lifetime ---- */

static void batch_free(batch *b) {
    otelc_span *s;
    while ((s = ring_pop(b))) otelc_span_release(s);
    otelc_exporter_destroy(b->exporter);
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->wake);
    pthread_cond_destroy(&b->done);
    otelc_free(b->cells);
    otelc_free(b->scratch);
    otelc_free(b->owners);
    otelc_free(b->views);
    otelc_free(b);
}

static void batch_unref(batch *b) {
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) batch_free(b);
}

/* ---- worker ---- */

/* Exports one batch; returns how many spans it took from the ring. */
static size_t export_one_batch(batch *b) {
    size_t n = 0;
    while (n < b->o.max_export_batch_size) {
        otelc_span *s = ring_pop_owned(b, &b->owners[n]);
        if (!s) break;
        b->scratch[n] = s;
        b->views[n] = span_data(s);
        n++;
    }
    if (n == 0) return 0;
    otelc_export_result r = otelc_exporter_export(b->exporter, b->views, n);
    otelc__count(r == OTELC_EXPORT_SUCCESS ? OTELC_COUNTER_SPANS_EXPORTED : OTELC_COUNTER_SPANS_EXPORT_FAILED, n);
    otelc__spans_release_deferred(b->scratch, b->owners, n);
    return n;
}

static void deadline_after(struct timespec *ts, uint32_t ms) {
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *worker_main(void *arg) {
    batch *b = arg;
    struct timespec deadline;
    pthread_mutex_lock(&b->lock);
    deadline_after(&deadline, b->o.schedule_delay_ms);
    for (;;) {
        bool timed_out = false;
        while (!b->stop && b->flush_requested == b->flush_completed && ring_size(b) < b->o.max_export_batch_size) {
            atomic_store(&b->worker_sleeping, true); /* seq_cst: ordered before the queue check below */
            if (ring_size(b) >= b->o.max_export_batch_size) break; /* a producer raced the flag */
            int rc = pthread_cond_timedwait(&b->wake, &b->lock, &deadline);
            atomic_store(&b->worker_sleeping, false);
            if (rc == ETIMEDOUT) {
                timed_out = true;
                break;
            }
        }
        atomic_store(&b->worker_sleeping, false);
        bool drain = b->stop || b->flush_requested != b->flush_completed;
        uint64_t flush_target = b->flush_requested;
        pthread_mutex_unlock(&b->lock);

        if (atomic_load(&b->abandoned)) {
            otelc_span *s;
            while ((s = ring_pop(b))) {
                otelc__count(OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN, 1);
                otelc_span_release(s);
            }
        } else if (drain) {
            while (!atomic_load(&b->abandoned) && export_one_batch(b)) {}
            if (!b->stop) otelc_exporter_force_flush(b->exporter, b->o.export_timeout_ms);
        } else if (timed_out || ring_size(b) >= b->o.max_export_batch_size) {
            while (ring_size(b) >= b->o.max_export_batch_size && export_one_batch(b)) {}
            if (timed_out && !export_one_batch(b)) otelc__span_release_all_parked(); /* idle: tidy up */
        }

        pthread_mutex_lock(&b->lock);
        if (timed_out || drain) deadline_after(&deadline, b->o.schedule_delay_ms);
        if (drain && flush_target > b->flush_completed) {
            b->flush_completed = flush_target;
            pthread_cond_broadcast(&b->done);
        }
        if (atomic_load(&b->abandoned)) {
            otelc_span *s;
            while ((s = ring_pop(b))) {
                otelc__count(OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN, 1);
                otelc_span_release(s);
            }
        }
        if (b->stop && ring_size(b) == 0) break;
    }
    b->worker_exited = true;
    bool detached = atomic_load(&b->abandoned);
    pthread_cond_broadcast(&b->done);
    pthread_mutex_unlock(&b->lock);
    if (detached) otelc_exporter_shutdown(b->exporter, 0);
    /* The worker's own reference (taken in start_worker_locked). Dropped on every exit, joined or
     * detached: when detached and the handle is gone, this frees the state. */
    batch_unref(b);
    return NULL;
}

/* Called with b->lock held. */
static bool start_worker_locked(batch *b) {
    if (b->worker_started) return true;
    atomic_fetch_add(&b->refs, 1);
    if (pthread_create(&b->thread, NULL, worker_main, b) != 0) {
        atomic_fetch_sub(&b->refs, 1);
        return false;
    }
    b->worker_started = true;
    b->worker_exited = false;
    return true;
}

/* ---- processor ops ---- */

/* Queues span, consuming one reference to it (kept by the queue, or dropped when the queue is full). */
static void batch_enqueue(batch *b, otelc_span *span) {
    if (__builtin_expect(b->fork_generation != atomic_load_explicit(&g_fork_generation, memory_order_relaxed), 0)) {
        pthread_mutex_lock(&b->lock);
        b->fork_generation = atomic_load(&g_fork_generation);
        start_worker_locked(b);
        pthread_mutex_unlock(&b->lock);
    }
    if (!ring_push(b, span, ((sdk_span *)span)->owner)) {
        otelc_span_release(span);
        otelc__count(OTELC_COUNTER_SPANS_DROPPED_QUEUE, 1);
        return;
    }
    /* Pairs with the worker's store of worker_sleeping then its queue check. On x86 the CAS in ring_push
     * is already a full barrier; elsewhere a fence orders our push before reading the flag. */
#if !defined(__x86_64__) && !defined(__i386__)
    atomic_thread_fence(memory_order_seq_cst);
#endif
    /* Only the producer that flips the flag signals: until the woken worker runs, the others would
     * otherwise each pay a futex wake for nothing. */
    if (atomic_load_explicit(&b->worker_sleeping, memory_order_relaxed) &&
        ring_size(b) >= b->o.max_export_batch_size && atomic_exchange(&b->worker_sleeping, false)) {
        pthread_mutex_lock(&b->lock);
        pthread_cond_signal(&b->wake);
        pthread_mutex_unlock(&b->lock);
    }
}

static void batch_on_end(void *self, otelc_span *span, const otelc_span_data *data) {
    if (!(data->context.trace_flags & OTELC_TRACE_FLAGS_SAMPLED)) return;
    batch_enqueue(self, otelc_span_retain(span));
}

/* The ending thread's reference becomes the queue's (see otelc__processor_on_end_last). */
static void batch_adopt(void *self, otelc_span *span) {
    if (!(span->context.trace_flags & OTELC_TRACE_FLAGS_SAMPLED)) {
        otelc_span_release(span);
        return;
    }
    batch_enqueue(self, span);
}

static bool wait_until(batch *b, const struct timespec *deadline, bool (*cond)(batch *, uint64_t), uint64_t arg) {
    while (!cond(b, arg)) {
        if (pthread_cond_timedwait(&b->done, &b->lock, deadline) == ETIMEDOUT) return cond(b, arg);
    }
    return true;
}
static bool flushed(batch *b, uint64_t target) { return b->flush_completed >= target || b->worker_exited; }
static bool exited(batch *b, uint64_t unused) { (void)unused; return b->worker_exited; }

static otelc_status batch_flush(void *self, uint32_t timeout_ms) {
    batch *b = self;
    struct timespec deadline;
    deadline_after(&deadline, timeout_ms);
    pthread_mutex_lock(&b->lock);
    if (!b->worker_started || b->worker_exited) {
        pthread_mutex_unlock(&b->lock);
        return OTELC_OK;
    }
    uint64_t target = ++b->flush_requested;
    pthread_cond_signal(&b->wake);
    bool ok = wait_until(b, &deadline, flushed, target);
    pthread_mutex_unlock(&b->lock);
    return ok ? OTELC_OK : OTELC_ERR_TIMEOUT;
}

static otelc_status batch_shutdown(void *self, uint32_t timeout_ms) {
    batch *b = self;
    struct timespec deadline;
    deadline_after(&deadline, timeout_ms);
    pthread_mutex_lock(&g_live_lock);
    for (batch **pp = &g_live; *pp; pp = &(*pp)->next_live) {
        if (*pp == b) {
            *pp = b->next_live;
            break;
        }
    }
    pthread_mutex_unlock(&g_live_lock);

    pthread_mutex_lock(&b->lock);
    b->stop = true;
    pthread_cond_signal(&b->wake);
    bool ok = !b->worker_started || wait_until(b, &deadline, exited, 0);
    if (!ok) atomic_store(&b->abandoned, true);
    bool join = b->worker_started && ok;
    pthread_mutex_unlock(&b->lock);
    if (join) {
        pthread_join(b->thread, NULL);
    } else if (!ok) {
        otelc_log(OTELC_LOG_WARN, "batch processor: shutdown timed out after %u ms; queued spans are dropped",
                  timeout_ms);
        pthread_detach(b->thread);
        return OTELC_ERR_TIMEOUT;
    }
    /* Spans that raced in after the worker exited are dropped and counted. */
    otelc_span *s;
    while ((s = ring_pop(b))) {
        otelc__count(OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN, 1);
        otelc_span_release(s);
    }
    /* Settle the exported spans the worker parked, so that once shutdown returns every span this
     * processor exported has been released (memory accounting does not leak into later work). */
    otelc__span_release_all_parked();
    return otelc_exporter_shutdown(b->exporter, timeout_ms);
}

static void batch_destroy(void *self) { batch_unref(self); }

static const otelc_processor_ops batch_ops = {NULL, batch_on_end, batch_flush, batch_shutdown, batch_destroy};

/* ---- process hooks ---- */

static void at_exit_flush(void) {
    pthread_mutex_lock(&g_live_lock);
    for (batch *b = g_live; b; b = b->next_live) {
        uint32_t t = b->o.export_timeout_ms < 10000 ? b->o.export_timeout_ms : 10000;
        batch_flush(b, t);
    }
    pthread_mutex_unlock(&g_live_lock);
}

/* Every deadline is on CLOCK_MONOTONIC (deadline_after), so the condition variables must wait on that
 * clock too, also when the fork handler re-creates them: with the default (realtime) clock every
 * timed wait in the child expired at once, so the child's worker spun and flush/shutdown timed out. */
static void init_conds(batch *b) {
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->wake, &ca);
    pthread_cond_init(&b->done, &ca);
    pthread_condattr_destroy(&ca);
}

/* In the child of fork(): only this thread exists. Locks may have been held by threads that are gone,
 * so re-create them; drop the parent's queued spans; the worker restarts lazily. */
static void after_fork_child(void) {
    otelc__ids_after_fork();
    otelc__pool_after_fork();
    otelc__counters_after_fork();
    pthread_mutex_init(&g_live_lock, NULL);
    for (batch *b = g_live; b; b = b->next_live) {
        pthread_mutex_init(&b->lock, NULL);
        init_conds(b);
        if (b->worker_started && !b->worker_exited) atomic_fetch_sub(&b->refs, 1); /* that worker is gone */
        b->worker_started = false;
        b->worker_exited = false;
        atomic_store(&b->worker_sleeping, false);
        b->flush_completed = b->flush_requested;
        otelc_span *s;
        while ((s = ring_pop(b))) otelc_span_release(s);
    }
    atomic_fetch_add(&g_fork_generation, 1);
}

static void install_hooks(void) {
    atexit(at_exit_flush);
    pthread_atfork(NULL, NULL, after_fork_child);
}

void otelc__fork_init(void) { pthread_once(&g_hooks_once, install_hooks); }

/* ---- options and create ---- */

#define MAX_QUEUE_LIMIT (1u << 24) /* 16 Mi spans: the ring alone is then 256 MiB */

void otelc_batch_options_init(otelc_batch_options *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    o->max_queue_size = 2048;
    o->schedule_delay_ms = 5000;
    o->export_timeout_ms = 30000;
    o->max_export_batch_size = 512;
    otelc__env_uint32("OTEL_BSP_MAX_QUEUE_SIZE", 1, &o->max_queue_size);
    if (o->max_queue_size > MAX_QUEUE_LIMIT) {
        otelc_log(OTELC_LOG_WARN, "OTEL_BSP_MAX_QUEUE_SIZE=%u is above the limit %u; using the default 2048",
                  o->max_queue_size, MAX_QUEUE_LIMIT);
        o->max_queue_size = 2048;
    }
    otelc__env_uint32("OTEL_BSP_SCHEDULE_DELAY", 0, &o->schedule_delay_ms);
    otelc__env_uint32("OTEL_BSP_EXPORT_TIMEOUT", 0, &o->export_timeout_ms);
    otelc__env_uint32("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 1, &o->max_export_batch_size);
    if (o->max_export_batch_size > o->max_queue_size) {
        otelc_log(OTELC_LOG_WARN, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE (%u) exceeds OTEL_BSP_MAX_QUEUE_SIZE (%u); using %u",
                  o->max_export_batch_size, o->max_queue_size, o->max_queue_size);
        o->max_export_batch_size = o->max_queue_size;
    }
}

otelc_processor *otelc_batch_processor_create(otelc_exporter *exporter, const otelc_batch_options *opts,
                                              otelc_error *err) {
    otelc_batch_options o;
    if (opts && opts->struct_size >= sizeof o) {
        o = *opts;
    } else {
        otelc_batch_options_init(&o);
    }
    if (!exporter) {
        otelc_error_set(err, OTELC_ERR_INVALID_ARGUMENT, "batch processor: exporter is NULL");
        return NULL;
    }
    if (o.max_queue_size == 0 || o.max_queue_size > MAX_QUEUE_LIMIT || o.max_export_batch_size == 0 ||
        o.max_export_batch_size > o.max_queue_size) {
        otelc_error_set(err, OTELC_ERR_INVALID_ARGUMENT,
                        "batch processor: need 1 <= max_export_batch_size (%u) <= max_queue_size (%u) <= %u",
                        o.max_export_batch_size, o.max_queue_size, MAX_QUEUE_LIMIT);
        otelc_exporter_destroy(exporter);
        return NULL;
    }
    otelc__fork_init();
    batch *b = otelc_calloc(1, sizeof *b);
    if (b) {
        b->cells = otelc_calloc(o.max_queue_size, sizeof *b->cells);
        b->scratch = otelc_calloc(o.max_export_batch_size, sizeof *b->scratch);
        b->owners = otelc_calloc(o.max_export_batch_size, sizeof *b->owners);
        b->views = otelc_calloc(o.max_export_batch_size, sizeof *b->views);
    }
    if (!b || !b->cells || !b->scratch || !b->owners || !b->views) {
        if (b) { otelc_free(b->cells); otelc_free(b->scratch); otelc_free(b->owners); otelc_free(b->views); otelc_free(b); }
        otelc_exporter_destroy(exporter);
        otelc_error_set(err, OTELC_ERR_NO_MEMORY, "batch processor: out of memory");
        return NULL;
    }
    atomic_init(&b->refs, 1);
    b->exporter = exporter;
    b->o = o;
    b->cap = o.max_queue_size;
    b->mask = (b->cap & (b->cap - 1)) == 0 ? b->cap - 1 : 0;
    for (size_t i = 0; i < b->cap; i++) atomic_init(&b->cells[i].seq, i);
    pthread_mutex_init(&b->lock, NULL);
    init_conds(b);
    b->fork_generation = atomic_load(&g_fork_generation);

    pthread_mutex_lock(&b->lock);
    bool started = start_worker_locked(b);
    pthread_mutex_unlock(&b->lock);
    if (!started) {
        batch_free(b);
        otelc_error_set(err, OTELC_ERR_INTERNAL, "batch processor: cannot start the worker thread");
        return NULL;
    }
    otelc_processor *p = otelc_processor_create(&batch_ops, b);
    if (p) otelc__processor_set_adopt(p, batch_adopt);
    if (!p) {
        /* processor_create already dropped the handle's reference; the worker holds the last one and
         * frees the state when it sees it is abandoned. */
        pthread_mutex_lock(&b->lock);
        b->stop = true;
        atomic_store(&b->abandoned, true);
        pthread_cond_signal(&b->wake);
        /* Detach while holding the lock: once it is released the worker may exit and free b. */
        pthread_detach(b->thread);
        pthread_mutex_unlock(&b->lock);
        otelc_error_set(err, OTELC_ERR_NO_MEMORY, "batch processor: out of memory");
        return NULL;
    }
    pthread_mutex_lock(&g_live_lock);
    b->next_live = g_live;
    g_live = b;
    pthread_mutex_unlock(&g_live_lock);
    otelc_error_set(err, OTELC_OK, NULL);
    return p;
}
