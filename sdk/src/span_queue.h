/* The batch processor's queue (private to the SDK): one ring per producing thread, a bound shared by all.
 *
 * Why per thread. With one queue shared by the threads, every span end moves a cache line between cores
 * (the shared position, the cells, and the span itself when the worker frees it). Here each thread
 * writes span pointers into its own ring, the worker only reads them (8 bytes a span, once per batch),
 * and exported spans are released by the thread that queued them, at its later span ends, while their
 * lines are still in its cache: the worker never touches a span.
 *
 * The bound. At most `capacity` spans are queued in all rings together, as max_queue_size requires.
 * Threads take room from one shared counter in chunks of up to 32 (so not one shared atomic per span)
 * into their ring's credits, and the worker gives room back per batch. Credits a thread took and has not
 * used yet are lent, and all threads together may have at most capacity / 32 lent: a thread alone can
 * queue the whole capacity but for what idle threads still hold, at most 1/32 of it (3%; none with a
 * queue under 32, where room is taken a span at a time). A thread's credits come back when it pushes
 * again or exits. (Taking credits back from a live thread would need an atomic read-modify-write on
 * every push; it measured slower.)
 *
 * Rings grow (doubling) to the most spans their thread had in flight, queued plus exported and not yet
 * released; that is at most twice the capacity. A thread's rings outlive it until the worker has
 * exported what it queued.
 *
 * Threads: push from any thread (each thread uses its own ring); take/settle/queued/pushed/drop_all from
 * one consumer thread at a time (the worker, or whoever owns the queue after it stopped);
 * release_exported and room from any thread. */
#ifndef OTELC_SDK_SPAN_QUEUE_H
#define OTELC_SDK_SPAN_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"

typedef struct span_queue span_queue;

/* NULL when out of memory. */
OTELC_HIDDEN span_queue *otelc__sq_create(size_t capacity);
/* Releases every span the queue still holds (no thread may push any more) and frees it with all its
 * rings; threads still alive forget theirs (their entries name a queue id no longer live). Returns how
 * many of those spans were queued, never taken (the caller counts them as dropped). */
OTELC_HIDDEN size_t otelc__sq_destroy(span_queue *q);

/* Queues span (the queue keeps the caller's reference) and returns true; false when the queue is full
 * or out of memory (the reference stays the caller's). low_rate: take room one span at a time, so that
 * otelc__sq_room stays exact while spans are rare. *took_room: this push took room from the shared
 * counter (the only time otelc__sq_room changes because of a producer). */
OTELC_HIDDEN bool otelc__sq_push(span_queue *q, otelc_span *span, bool low_rate, bool *took_room);
/* Room no thread has taken yet: capacity minus queued spans minus credits held by threads. */
OTELC_HIDDEN size_t otelc__sq_room(const span_queue *q);

/* Consumer. Takes up to max queued spans into out (their room is given back at once); the queue keeps
 * its references until otelc__sq_settle, after which their threads release them. */
OTELC_HIDDEN size_t otelc__sq_take(span_queue *q, otelc_span **out, size_t max);
/* Consumer: the spans taken so far are done with; frees the rings of exited threads that are empty. */
OTELC_HIDDEN void otelc__sq_settle(span_queue *q);
/* Consumer: spans queued and not taken (exact but for pushes in flight). */
OTELC_HIDDEN size_t otelc__sq_queued(span_queue *q);
/* Consumer: spans ever pushed (for the arrival rate). */
OTELC_HIDDEN size_t otelc__sq_pushed(span_queue *q);
/* Consumer, with nothing taken and not settled: releases every queued span; returns how many. */
OTELC_HIDDEN size_t otelc__sq_drop_all(span_queue *q);
/* Any thread: releases the exported spans their threads have not released yet (idle threads, shutdown). */
OTELC_HIDDEN void otelc__sq_release_exported(span_queue *q);
/* In the child after fork(), before the per-queue call below: re-creates the module's own lock. */
OTELC_HIDDEN void otelc__sq_fork_child_init(void);
/* In the child after fork(): only this thread exists. Re-creates the locks, releases every span (they
 * are the parent's) and retires the rings of the threads that did not survive. */
OTELC_HIDDEN void otelc__sq_after_fork_child(span_queue *q);

#endif
