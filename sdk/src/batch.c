/* The batch span processor.
 *
 * Application threads push ended spans into a bounded multi-producer queue: no lock, no allocation, and
 * a full queue drops the span and counts it (OTELC_COUNTER_SPANS_DROPPED_QUEUE) instead of blocking.
 * One worker thread drains it and exports when a batch is full, the schedule delay passes, or a
 * flush/shutdown asks.
 *
 * The queue (span_queue.c): a ring per producing thread, so producers on different cores share no
 * cache line per span; a bound of max_queue_size spans over all rings, taken in chunks; the worker reads
 * span pointers only, and each thread releases its own exported spans. Spans keep no order across
 * threads (the specification asks for none).
 *
 * Waking the worker. A producer's futex wake costs microseconds in a paravirtualised VM, and the worker's
 * sleep/wake round trips are most of its CPU per span. So while spans keep flowing the worker naps: it
 * measures the arrival rate and sleeps on a timed wait until the queue is expected to hold a full batch
 * (state NAPPING), and producers signal it only when the queue passes a high-water mark (3/4 full) as
 * they take room. When the rate is low (a batch takes longer than NAP_MAX_NS to arrive) the worker
 * sleeps until the schedule delay (state IDLE) and the producer that fills a batch signals it, as the
 * specification describes. Signals are sent after unlocking, so the woken worker does not block on the
 * mutex the producer still holds, and only the producer that flips the state signals.
 *
 * A full queue. With as many busy producers as CPUs the worker can be runnable yet not scheduled for
 * milliseconds, while the queue fills in a fraction of one. So a producer that finds the queue full
 * while the worker is woken or draining (state WOKEN or RUNNING), but NOT inside an exporter call,
 * gives up its CPU (sched_yield) for at most full_queue_yield_us (default 50 us, CLOCK_MONOTONIC),
 * retrying, before dropping. It never waits on the network: when the worker is inside export (state
 * EXPORTING) or gone, the span is dropped at once. This bounds the extra latency of a span end at the
 * budget; 0 disables it.
 *
 * Lifetime: the processor handle and the worker each hold a reference to the shared state. If shutdown
 * times out (an exporter stuck on a dead network), the worker is detached and frees the state itself
 * when its export returns; shutdown still returns within its timeout.
 *
 * Fork: in the child the queue is emptied without exporting (those spans belong to the parent), the
 * locks are re-created and a new worker starts with the first span the child ends (if it cannot be
 * created, spans stay queued and the start is retried a second later or at the next flush). The atfork
 * handlers installed here also run the hooks of otelc/sdk/fork.h (fork_hooks.c). */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "internal.h"
#include "otelc/sdk/processor.h"
#include "span_queue.h"

#define NAP_MIN_NS 10000ull    /* shortest nap: below this the worker would mostly pay for waking */
#define NAP_MAX_NS 5000000ull  /* a batch arriving slower than this: sleep until signalled (IDLE) */
#define IDLE_RECHECK_NS 1000000ull /* the first idle wait after running looks at the queue again this soon */
#define YIELD_MAX_US 1000000u
#define START_RETRY_NS 1000000000ull /* a worker that could not start is tried again after this long */

/* Worker states, read by producers to decide whether to signal and whether a full queue is worth a yield. */
enum {
    W_RUNNING = 0, /* awake, not inside the exporter */
    W_WOKEN,       /* signalled by a producer, not yet running */
    W_IDLE,        /* waiting for a signal (a full batch) or the schedule delay */
    W_NAPPING,     /* short timed wait; producers signal only past the high-water mark */
    W_EXPORTING,   /* inside the exporter: may wait on the network, producers never wait for it */
    W_EXITED,      /* no worker (not started after fork, or gone) */
};

/* refs holds REF_HANDLE per handle reference and REF_WORKER while a worker thread holds its own: one word,
 * so a fork child can tell in one load whether the parent's worker had dropped its reference (it may fork
 * between the worker's exit and that drop). */
#define REF_WORKER 1u
#define REF_HANDLE 2u

typedef struct batch {
    atomic_uint refs;
    otelc_exporter *exporter;
    otelc_batch_options o;
    span_queue *q;
    size_t low_room; /* producers in NAPPING signal when the room left falls below this (3/4 full) */
    size_t full_room; /* room left when a batch's worth is taken (capacity - batch): see batch_ready */
    uint64_t yield_ns;
    _Alignas(64) atomic_int wstate;
    _Alignas(64) pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t done;
    bool stop;
    atomic_bool abandoned; /* shutdown timed out: the worker drops instead of exporting */
    bool worker_exited;
    bool worker_started;
    uint64_t flush_requested, flush_completed;
    atomic_uint fork_generation; /* read by producers without the lock */
    _Atomic uint64_t next_start_ns; /* CLOCK_MONOTONIC time of the next start attempt; UINT64_MAX: none due */
    bool start_failed;              /* the last start failed (logged once until one succeeds) */
    pthread_t thread;
    otelc_span **scratch;
    otelc__views view_store; /* the views' storage, kept between batches (worker only) */
    struct batch *next_live;
} batch;

static pthread_mutex_t g_live_lock = PTHREAD_MUTEX_INITIALIZER;
static batch *g_live;
static atomic_uint g_fork_generation;
static pthread_once_t g_hooks_once = PTHREAD_ONCE_INIT;


/* ---- shared state lifetime ---- */

static void live_remove(batch *b);

static void batch_free(batch *b) {
    /* Normally shutdown took it off the list already; not in a fork child whose parent forked during
     * shutdown (the child's destroy skips the shutdown the parent had started). */
    live_remove(b);
    /* Releases what is still queued: spans a thread pushed after shutdown's last drop (its end had passed
     * the processor's shut-down check just before) are counted here, not lost silently. */
    size_t late = otelc__sq_destroy(b->q);
    if (late) otelc__count(OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN, late);
    otelc_exporter_destroy(b->exporter);
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->wake);
    pthread_cond_destroy(&b->done);
    otelc_free(b->scratch);
    otelc__views_free(&b->view_store);
    otelc_free(b);
}

static void batch_unref(batch *b, unsigned ref) {
    if (atomic_fetch_sub_explicit(&b->refs, ref, memory_order_acq_rel) == ref) batch_free(b);
}

/* ---- worker ---- */

static void drop_all_queued(batch *b) {
    size_t n = otelc__sq_drop_all(b->q);
    if (n) otelc__count(OTELC_COUNTER_SPANS_DROPPED_SHUTDOWN, n);
}

static size_t queued_consumer(batch *b) { return otelc__sq_queued(b->q); }

/* A batch is ready: a full one is queued, or the room taken by producers covers one and some of it is
 * queued. Room is taken before a span is queued (a push in flight) and threads may hold a little unused
 * room (span_queue.h), so counting queued spans alone could wait forever for a batch that cannot form
 * (a batch as large as the queue) and miss a push that was in flight when the worker looked. Producers
 * in IDLE signal on the same room test, so both sides agree. */
static bool batch_ready(batch *b) {
    size_t queued = queued_consumer(b);
    return queued >= b->o.max_export_batch_size || (queued && otelc__sq_room(b->q) <= b->full_room);
}

/* Exports one batch; returns how many spans it took from the queue. */
static size_t export_one_batch(batch *b) {
    size_t n = otelc__sq_take(b->q, b->scratch, b->o.max_export_batch_size);
    if (n == 0) return 0;
    atomic_store(&b->wstate, W_EXPORTING);
    /* Views are built only for the spans the exporter reads (span_batch.c). */
    otelc_export_result r = otelc__views_begin(&b->view_store, n) == n
                                ? otelc__exporter_export_ended(b->exporter, b->scratch, n, &b->view_store)
                                : OTELC_EXPORT_FAILURE;
    atomic_store(&b->wstate, W_RUNNING);
    otelc__count(r == OTELC_EXPORT_SUCCESS ? OTELC_COUNTER_SPANS_EXPORTED : OTELC_COUNTER_SPANS_EXPORT_FAILED, n);
    otelc__sq_settle(b->q); /* the threads that queued them release them */
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

static uint64_t ts_ns(const struct timespec *ts) { return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec; }

/* The worker's estimate of the arrival rate, from the queue's enqueue positions between two looks. */
typedef struct rate_probe {
    uint64_t t;
    size_t enq;
} rate_probe;

/* How long to nap until the queue is expected to hold a full batch; 0: the rate is too low to be worth
 * it (sleep until signalled). Updates the probe. */
static uint64_t next_nap(batch *b, rate_probe *rp) {
    uint64_t now = otelc__mono_ns();
    size_t e = otelc__sq_pushed(b->q);
    size_t arrived = e - rp->enq;
    uint64_t dt = now - rp->t;
    rp->t = now;
    rp->enq = e;
    if (arrived == 0 || dt == 0) return 0;
    size_t q = queued_consumer(b);
    size_t want = b->o.max_export_batch_size;
    if (q >= want) return NAP_MIN_NS;
    /* Time for (want - q) more spans at arrived/dt, in floating point: no overflow for any rate. */
    double ns = (double)(want - q) * (double)dt / (double)arrived;
    if (ns > (double)NAP_MAX_NS) return 0;
    return ns < (double)NAP_MIN_NS ? NAP_MIN_NS : (uint64_t)ns;
}

static void set_timer_slack(void) {
#ifdef __linux__
    /* Naps are tens of microseconds; the default 50 us slack would stretch each one past a batch. */
    (void)prctl(PR_SET_TIMERSLACK, 5000UL, 0UL, 0UL, 0UL);
#endif
}

static void *worker_main(void *arg) {
    batch *b = arg;
    set_timer_slack();
    struct timespec deadline;
    rate_probe rp = {otelc__mono_ns(), otelc__sq_pushed(b->q)};
    uint64_t nap_ns = 0;
    pthread_mutex_lock(&b->lock);
    deadline_after(&deadline, b->o.schedule_delay_ms);
    for (;;) {
        bool timed_out = false;
        bool first_wait = true;
        while (!b->stop && b->flush_requested == b->flush_completed) {
            int mode = nap_ns ? W_NAPPING : W_IDLE;
            atomic_store(&b->wstate, mode);
            atomic_thread_fence(memory_order_seq_cst); /* the state, then the queue check below */
            if (batch_ready(b)) break; /* a producer raced the state */
            struct timespec until = deadline;
            /* The first idle wait after running is short: a producer that pushed just as we published
             * IDLE may have read the old state and not signalled (batch_enqueue has no fence between its
             * push and that read), while our check above missed its push, still in its CPU's store
             * buffer. Looking again shortly after bounds that span's wait without a fence per span. */
            uint64_t wait_ns = mode == W_NAPPING ? nap_ns : first_wait ? IDLE_RECHECK_NS : 0;
            first_wait = false;
            if (wait_ns) {
                uint64_t wake_at = otelc__mono_ns() + wait_ns;
                if (wake_at < ts_ns(&deadline)) {
                    until.tv_sec = (time_t)(wake_at / 1000000000ull);
                    until.tv_nsec = (long)(wake_at % 1000000000ull);
                }
            }
            int rc = pthread_cond_timedwait(&b->wake, &b->lock, &until);
            atomic_store(&b->wstate, W_RUNNING);
            if (rc == ETIMEDOUT) {
                if (otelc__mono_ns() >= ts_ns(&deadline)) {
                    timed_out = true;
                    break;
                }
                nap_ns = next_nap(b, &rp); /* the nap ended: look at the rate again */
            }
        }
        atomic_store(&b->wstate, W_RUNNING);
        bool stopping = b->stop; /* read under the lock: shutdown sets it while we drain */
        bool drain = stopping || b->flush_requested != b->flush_completed;
        uint64_t flush_target = b->flush_requested;
        pthread_mutex_unlock(&b->lock);

        if (atomic_load(&b->abandoned)) {
            drop_all_queued(b);
        } else if (drain) {
            while (!atomic_load(&b->abandoned) && export_one_batch(b)) {}
            if (!stopping) {
                atomic_store(&b->wstate, W_EXPORTING);
                otelc_exporter_force_flush(b->exporter, b->o.export_timeout_ms);
                atomic_store(&b->wstate, W_RUNNING);
            }
        } else {
            while (batch_ready(b) && export_one_batch(b)) {}
            if (timed_out && !export_one_batch(b)) {
                /* Idle: free the rings of threads that exited, release what idle threads still hold. */
                otelc__sq_settle(b->q);
                otelc__sq_release_exported(b->q);
            }
        }
        nap_ns = next_nap(b, &rp);

        pthread_mutex_lock(&b->lock);
        if (timed_out || drain) deadline_after(&deadline, b->o.schedule_delay_ms);
        if (drain && flush_target > b->flush_completed) {
            b->flush_completed = flush_target;
            pthread_cond_broadcast(&b->done);
        }
        if (atomic_load(&b->abandoned)) drop_all_queued(b);
        if (b->stop && queued_consumer(b) == 0) break;
    }
    b->worker_exited = true;
    atomic_store(&b->wstate, W_EXITED);
    bool detached = atomic_load(&b->abandoned);
    pthread_cond_broadcast(&b->done);
    pthread_mutex_unlock(&b->lock);
    if (detached) otelc_exporter_shutdown(b->exporter, 0);
    /* The worker's own reference (taken in start_worker_locked). Dropped on every exit, joined or
     * detached: when detached and the handle is gone, this frees the state. */
    batch_unref(b, REF_WORKER);
    return NULL;
}

/* Called with b->lock held. */
static bool start_worker_locked(batch *b) {
    if (b->worker_started) return true;
    atomic_fetch_add(&b->refs, REF_WORKER);
    atomic_store(&b->wstate, W_RUNNING);
    if (pthread_create(&b->thread, NULL, worker_main, b) != 0) {
        atomic_store(&b->wstate, W_EXITED);
        atomic_fetch_sub(&b->refs, REF_WORKER);
        return false;
    }
    b->worker_started = true;
    b->worker_exited = false;
    return true;
}

/* Called with b->lock held: starts the worker unless stopping or running. When the thread cannot be
 * created (in a fork child under a thread limit, say) the spans stay queued, up to the queue's bound, and
 * the next span end after START_RETRY_NS tries again; the failure is logged once until a start works. */
static void start_worker_or_retry_later(batch *b) {
    if (b->stop || b->worker_started) return;
    if (start_worker_locked(b)) {
        atomic_store(&b->next_start_ns, UINT64_MAX);
        if (b->start_failed) otelc_log(OTELC_LOG_INFO, "batch processor: export thread started");
        b->start_failed = false;
        return;
    }
    atomic_store(&b->next_start_ns, otelc__mono_ns() + START_RETRY_NS);
    if (!b->start_failed)
        otelc_log(OTELC_LOG_WARN, "batch processor: cannot start the export thread; spans stay queued (dropped "
                                  "once the queue is full) and the start is retried every second");
    b->start_failed = true;
}

/* A start attempt is due: the worker could not be started and the retry interval has passed. */
static inline bool start_retry_due(batch *b) {
    uint64_t due = atomic_load_explicit(&b->next_start_ns, memory_order_relaxed);
    return due != UINT64_MAX && otelc__mono_ns() >= due;
}

/* Tries the due start (any thread). */
static void retry_start(batch *b) {
    pthread_mutex_lock(&b->lock);
    if (start_retry_due(b)) start_worker_or_retry_later(b);
    pthread_mutex_unlock(&b->lock);
}

/* ---- processor ops ---- */

/* Wakes a worker seen sleeping in state `seen`; only the producer that flips the state signals (until
 * the woken worker runs, the others would otherwise each pay a futex wake for nothing). Taking and
 * dropping the lock guarantees the worker, which checks the queue under the lock after publishing its
 * state, is inside its wait; the signal itself is sent after unlocking, so the woken worker does not
 * then block on a mutex this thread still holds. */
static void wake_worker(batch *b, int seen) {
    if (!atomic_compare_exchange_strong(&b->wstate, &seen, W_WOKEN)) return;
    pthread_mutex_lock(&b->lock);
    pthread_mutex_unlock(&b->lock);
    pthread_cond_signal(&b->wake);
}

/* The queue is full. If the worker can drain it soon without waiting on the network (woken, draining,
 * or about to be woken by us), give it the CPU for up to yield_ns, retrying; otherwise drop at once. */
static bool push_when_full(batch *b, otelc_span *span) {
    if (b->yield_ns == 0) return false;
    uint64_t deadline = 0;
    for (;;) {
        int st = atomic_load(&b->wstate);
        if (st == W_EXPORTING || st == W_EXITED) return false;
        if (st == W_IDLE || st == W_NAPPING) wake_worker(b, st);
        if (deadline == 0) {
            deadline = otelc__mono_ns() + b->yield_ns;
        } else if (otelc__mono_ns() >= deadline) {
            return false;
        }
        sched_yield();
        bool took_room = false;
        if (otelc__sq_push(b->q, span, false, &took_room)) return true;
    }
}

/* Queues span, consuming one reference to it (kept by the queue, or dropped when the queue is full). */
static void batch_enqueue(batch *b, otelc_span *span) {
    if (__builtin_expect(atomic_load_explicit(&b->fork_generation, memory_order_relaxed) !=
                             atomic_load_explicit(&g_fork_generation, memory_order_relaxed), 0)) {
        pthread_mutex_lock(&b->lock);
        atomic_store_explicit(&b->fork_generation, atomic_load(&g_fork_generation), memory_order_relaxed);
        start_worker_or_retry_later(b);
        pthread_mutex_unlock(&b->lock);
    }
    bool took_room = false;
    bool low_rate = atomic_load_explicit(&b->wstate, memory_order_relaxed) == W_IDLE;
    if (__builtin_expect(!otelc__sq_push(b->q, span, low_rate, &took_room), 0) && !push_when_full(b, span)) {
        /* A worker that could not start leaves the queue full: retry its start here too, or no span end
         * would ever reach the retry below. */
        if (!start_retry_due(b) || (retry_start(b), !push_when_full(b, span))) {
            otelc_span_release(span);
            otelc__count(OTELC_COUNTER_SPANS_DROPPED_QUEUE, 1);
            return;
        }
    }
    /* Pairs with the worker's store of its state then its queue check. Without a full barrier between
     * the push's store of the ring's tail and this read (x86 has none: the room counter's atomic comes
     * before that store), a producer that pushes just as the worker goes idle can read the old state
     * while the worker misses the push, and no one signals. The worker covers that by looking at the
     * queue again IDLE_RECHECK_NS after going idle (and, napping, at the nap's end), so the span waits at
     * most that long; a fence per span would cost more. Elsewhere the fence is cheap enough to keep. */
#if !defined(__x86_64__) && !defined(__i386__)
    atomic_thread_fence(memory_order_seq_cst);
#endif
    int st = atomic_load_explicit(&b->wstate, memory_order_relaxed);
    if (__builtin_expect(st < W_IDLE, 1)) return; /* running or already woken: the common case under load */
    if (st == W_IDLE) {
        /* Low rate: the specification's trigger, a full batch queued (room is taken a span at a time),
         * tested on the room taken as batch_ready does. */
        if (otelc__sq_room(b->q) <= b->full_room) wake_worker(b, st);
    } else if (st == W_NAPPING && took_room) {
        /* The worker wakes by itself when a batch should be ready; wake it early only when spans come
         * faster than it estimated and the queue is filling up. */
        if (otelc__sq_room(b->q) < b->low_room) wake_worker(b, st);
    } else if (st == W_EXITED && start_retry_due(b)) {
        retry_start(b);
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
    /* A flush does not wait for the retry interval, but starts no thread for an empty queue (at exit,
     * say, in a fork child that never ended a span). */
    if (queued_consumer(b) > 0) start_worker_or_retry_later(b);
    if (!b->worker_started || b->worker_exited) {
        /* No worker (stopped, or it cannot start): nothing can be exported, so only an empty queue is
         * flushed. */
        bool empty = queued_consumer(b) == 0;
        pthread_mutex_unlock(&b->lock);
        return empty ? OTELC_OK : OTELC_ERR_INTERNAL;
    }
    uint64_t target = ++b->flush_requested;
    pthread_cond_signal(&b->wake);
    bool ok = wait_until(b, &deadline, flushed, target);
    pthread_mutex_unlock(&b->lock);
    return ok ? OTELC_OK : OTELC_ERR_TIMEOUT;
}

/* Off the list of live processors (fork handler, exit flush). Only once the worker is joined or
 * abandoned: a fork() meanwhile must still re-create this processor's locks in the child and account
 * for its vanished worker. */
static void live_remove(batch *b) {
    pthread_mutex_lock(&g_live_lock);
    for (batch **pp = &g_live; *pp; pp = &(*pp)->next_live) {
        if (*pp == b) {
            *pp = b->next_live;
            break;
        }
    }
    pthread_mutex_unlock(&g_live_lock);
}

static otelc_status batch_shutdown(void *self, uint32_t timeout_ms) {
    batch *b = self;
    struct timespec deadline;
    deadline_after(&deadline, timeout_ms);
    pthread_mutex_lock(&b->lock);
    b->stop = true;
    atomic_store(&b->next_start_ns, UINT64_MAX);
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
        live_remove(b);
        return OTELC_ERR_TIMEOUT;
    }
    /* Spans that raced in after the worker exited are dropped and counted. */
    drop_all_queued(b);
    /* Release the exported spans their threads have not released yet, so that once shutdown returns
     * every span this processor exported has been released (memory accounting does not leak into later
     * work). */
    otelc__sq_release_exported(b->q);
    live_remove(b);
    return otelc_exporter_shutdown(b->exporter, timeout_ms);
}

static void batch_destroy(void *self) { batch_unref(self, REF_HANDLE); }

static const otelc_processor_ops batch_ops = {NULL, batch_on_end, batch_flush, batch_shutdown, batch_destroy};

/* ---- process hooks ---- */

void otelc__batch_release_exported_all(void) {
    pthread_mutex_lock(&g_live_lock);
    for (batch *b = g_live; b; b = b->next_live) otelc__sq_release_exported(b->q);
    pthread_mutex_unlock(&g_live_lock);
}

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
    otelc__intern_after_fork();
    otelc__counters_after_fork();
    pthread_mutex_init(&g_live_lock, NULL);
    otelc__sq_fork_child_init();
    for (batch *b = g_live; b; b = b->next_live) {
        pthread_mutex_init(&b->lock, NULL);
        init_conds(b);
        /* That worker is gone; its reference too, unless it dropped it before the fork (worker_exited
         * is set before the drop, so it cannot tell). */
        if (atomic_load(&b->refs) & REF_WORKER) atomic_fetch_sub(&b->refs, REF_WORKER);
        b->worker_started = false;
        b->worker_exited = false;
        atomic_store(&b->wstate, W_EXITED);
        b->flush_completed = b->flush_requested;
        otelc__sq_after_fork_child(b->q);
    }
    atomic_fetch_add(&g_fork_generation, 1);
    otelc__fork_hooks_child(); /* exporters' and processors' own resets (otelc/sdk/fork.h) */
}

static void install_hooks(void) {
    atexit(at_exit_flush);
    pthread_atfork(otelc__fork_hooks_prepare, otelc__fork_hooks_parent, after_fork_child);
}

void otelc__fork_init(void) { pthread_once(&g_hooks_once, install_hooks); }

/* ---- options and create ---- */

#define MAX_QUEUE_LIMIT (1u << 24) /* 16 Mi spans */

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
    o->queue_lanes = 0;
    o->full_queue_yield_us = 50;
    otelc__env_uint32("OTELC_BSP_FULL_QUEUE_YIELD_US", 0, &o->full_queue_yield_us);
    if (o->full_queue_yield_us > YIELD_MAX_US) {
        otelc_log(OTELC_LOG_WARN, "OTELC_BSP_FULL_QUEUE_YIELD_US=%u is above the limit %u; using the default 50",
                  o->full_queue_yield_us, YIELD_MAX_US);
        o->full_queue_yield_us = 50;
    }
}

otelc_processor *otelc_batch_processor_create(otelc_exporter *exporter, const otelc_batch_options *opts,
                                              otelc_error *err) {
    otelc_batch_options o;
    otelc_batch_options_init(&o);
    /* A caller built against an older, shorter struct keeps the defaults of the fields it lacks. */
    if (opts && opts->struct_size >= offsetof(otelc_batch_options, queue_lanes)) {
        memcpy(&o, opts, opts->struct_size < sizeof o ? opts->struct_size : sizeof o);
        o.struct_size = sizeof o;
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
        b->q = otelc__sq_create(o.max_queue_size);
        b->scratch = otelc_calloc(o.max_export_batch_size, sizeof *b->scratch);
    }
    if (!b || !b->q || !b->scratch) {
        if (b) {
            otelc__sq_destroy(b->q);
            otelc_free(b->scratch);
            otelc_free(b);
        }
        otelc_exporter_destroy(exporter);
        otelc_error_set(err, OTELC_ERR_NO_MEMORY, "batch processor: out of memory");
        return NULL;
    }
    atomic_init(&b->refs, REF_HANDLE);
    b->exporter = exporter;
    b->o = o;
    size_t high_water = o.max_queue_size - o.max_queue_size / 4;
    if (high_water < o.max_export_batch_size) high_water = o.max_export_batch_size;
    b->low_room = o.max_queue_size - high_water;
    b->full_room = o.max_queue_size - o.max_export_batch_size; /* batch <= queue (options_init clamps) */
    b->yield_ns = (uint64_t)(o.full_queue_yield_us > YIELD_MAX_US ? YIELD_MAX_US : o.full_queue_yield_us) * 1000u;
    atomic_init(&b->wstate, W_EXITED);
    pthread_mutex_init(&b->lock, NULL);
    init_conds(b);
    atomic_init(&b->fork_generation, atomic_load(&g_fork_generation));
    atomic_init(&b->next_start_ns, UINT64_MAX);

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
