/* Private SDK types shared by the SDK's source files (not installed). */
#ifndef OTELC_SDK_INTERNAL_H
#define OTELC_SDK_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "otelc/impl/provider_impl.h"
#include "otelc/log.h"
#include "otelc/sdk/counters.h"
#include "otelc/sdk/provider.h"
#include "otelc/sdk/span_data.h"

#define OTELC_HIDDEN __attribute__((visibility("hidden")))

/* ---- environment (env.c) ---- */
/* Each reader returns true and sets *out when the variable is set and valid; when set but invalid it
 * logs one warning naming the variable and the default kept, and returns false. */
OTELC_HIDDEN const char *otelc__env(const char *name); /* NULL when unset or empty (after trimming) */
/* The value trimmed on both sides, copied into buf; NULL when unset, empty or too long (diagnosed). */
OTELC_HIDDEN const char *otelc__env_word(const char *name, char *buf, size_t size);
OTELC_HIDDEN bool otelc__env_bool(const char *name, bool *out);
OTELC_HIDDEN bool otelc__env_uint32(const char *name, uint32_t min, uint32_t *out);
OTELC_HIDDEN bool otelc__env_double(const char *name, double *out);
OTELC_HIDDEN bool otelc__parse_uint32(const char *s, uint32_t *out);
OTELC_HIDDEN bool otelc__parse_double(const char *s, double *out);

/* ---- ids (ids.c) ---- */
OTELC_HIDDEN void otelc__random_trace_id(uint8_t out[16]);
OTELC_HIDDEN void otelc__random_span_id(uint8_t out[8]);
OTELC_HIDDEN void otelc__random_ids(uint8_t trace_id[16], uint8_t span_id[8]); /* both, for a root span */
OTELC_HIDDEN uint64_t otelc__random_u64(void);
OTELC_HIDDEN void otelc__ids_after_fork(void);

/* ---- counters (counters.c) ---- */
typedef struct otelc__thread_counters {
    atomic_uint_fast64_t v[OTELC_COUNTER__COUNT];
    struct otelc__thread_counters *next;
    bool registered;
    bool exited; /* its thread-exit destructor ran: later counts (from other destructors) go to the totals */
} otelc__thread_counters;
OTELC_HIDDEN extern _Thread_local otelc__thread_counters otelc__t_counters;
/* A thread's first count registers its block (counters.c). */
OTELC_HIDDEN void otelc__count_first(otelc_counter_id id, uint64_t n);
static inline void otelc__count(otelc_counter_id id, uint64_t n) {
    otelc__thread_counters *tc = &otelc__t_counters;
    if (__builtin_expect(!tc->registered, 0)) {
        otelc__count_first(id, n);
        return;
    }
    /* Single writer (this thread): a plain load+store, atomic only so readers see whole values. */
    atomic_store_explicit(&tc->v[id], atomic_load_explicit(&tc->v[id], memory_order_relaxed) + n,
                          memory_order_relaxed);
}
OTELC_HIDDEN void otelc__counters_after_fork(void);

/* ---- spans (span.c) ---- */
typedef struct sdk_tracer sdk_tracer;
typedef struct sdk_provider sdk_provider;

/* Spans store what they copy in a packed form (span.c): a fixed header, then attribute records and
 * the name in an inline buffer, with rarely needed parts (events, links, status description, overflow)
 * in a separately allocated extension. Processors and exporters get an otelc_span_data view built from
 * it when they need one (otelc__span_view, span_batch.c). */
#define SPAN_BYTES 232u              /* with malloc's 8-byte chunk header: one 240-byte chunk */
#define SPAN_BUF 128u                /* SPAN_BYTES minus the header below (checked in span.c) */
#define SPAN_ARENA_MAX (1u << 20)    /* bound on the copied data of one span beyond the inline buffer */

typedef struct span_ext span_ext;

typedef struct sdk_span {
    otelc_span base; /* ops, refs, state, span context (owns the trace state reference) */
    sdk_tracer *tracer;
    uint64_t start_time_unix_nano;
    uint64_t end_time_unix_nano;
    uint8_t parent_span_id[8];
    span_ext *ext; /* NULL until something needs it (also the name when not in buf, dropped counts) */
    uint16_t attr_count; /* live attributes; positions are 16-bit */
    uint16_t key_filter; /* a bit per interned key set on this span (0xFFFF once a key was copied) */
    uint16_t used;       /* bytes of attribute records at the start of buf */
    /* One byte between them: the header stays 104 bytes, so the span fits a 240-byte chunk. */
    uint8_t has_parent : 1, parent_is_remote : 1, kind : 3, status_code : 2;
    uint8_t buf_end; /* records may use buf[used, buf_end): the name is at buf[buf_end] when
                      * buf_end < SPAN_BUF, else in the extension */
    char buf[SPAN_BUF];
} sdk_span;

/* Fills *d with a view of the span (an ended one, or one only its owner thread mutates) without
 * writing the span. attrs has room for s->attr_count entries, or is NULL (out of memory): the view then
 * has no attributes and counts them as dropped. Everything else is borrowed from the span and tracer. */
OTELC_HIDDEN void otelc__span_view(const sdk_span *s, otelc_span_data *d, otelc_attr *attrs);

/* Views of ended spans for exporters, built on demand (span_batch.c). The storage belongs to the caller
 * (the batch worker keeps one between batches); one thread at a time. */
typedef struct otelc__attr_block otelc__attr_block;
typedef struct otelc__views {
    otelc_span_data *data;
    const otelc_span_data **ptrs; /* ptrs[i]: the view of span i once built */
    size_t cap;
    otelc__attr_block *blocks;
} otelc__views;
/* Starts a batch of n spans: returns n, or 0 when the view array cannot be allocated. Views of the
 * previous batch become invalid. */
OTELC_HIDDEN size_t otelc__views_begin(otelc__views *v, size_t n);
OTELC_HIDDEN void otelc__views_free(otelc__views *v);

#include "otelc/sdk/exporter.h"
struct otelc_span_batch {
    size_t n;
    otelc_span *const *spans;      /* NULL when the views were given */
    const otelc_span_data **views; /* views[i]: NULL until built */
    otelc__views *store;
};
/* Exports n ended SDK spans (after otelc__views_begin(store, n) == n): through export_batch when the
 * exporter has it, else with every view built for export_spans (exporter.c). */
OTELC_HIDDEN otelc_export_result otelc__exporter_export_ended(otelc_exporter *e, otelc_span *const *spans, size_t n,
                                                              otelc__views *store);

/* ---- interned attribute keys (intern.c) ---- */
/* The process-wide copy of key (NUL-terminated, valid for the life of the process), or NULL when it
 * cannot be interned (then the caller copies it). Thread-safe, never blocks. */
typedef struct otelc__intern_entry {
    const char *src; /* the caller's pointer */
    const char *key; /* its interned copy */
} otelc__intern_entry;
#define OTELC__INTERN_CACHE_SLOTS 64u
/* Per-thread cache of recent (caller pointer -> interned key) pairs, probed inline below. */
OTELC_HIDDEN extern _Thread_local otelc__intern_entry otelc__intern_cache[OTELC__INTERN_CACHE_SLOTS];
OTELC_HIDDEN const char *otelc__intern_key_slow(const char *key, otelc__intern_entry *e);
static inline otelc__intern_entry *otelc__intern_slot(const char *key) {
    uintptr_t a = (uintptr_t)key;
    return &otelc__intern_cache[((a >> 3) ^ (a >> 9)) & (OTELC__INTERN_CACHE_SLOTS - 1)];
}
/* The interned key when this thread's cache knows key, else NULL (the caller then takes its general
 * path, which calls otelc__intern_key). */
static inline const char *otelc__intern_key_cached(const char *key) {
    otelc__intern_entry *e = otelc__intern_slot(key);
    /* The caller's buffer may have been reused for another key: compare the text, not just the pointer. */
    return e->src == key && strcmp(e->key, key) == 0 ? e->key : NULL;
}
static inline const char *otelc__intern_key(const char *key) {
    const char *k = otelc__intern_key_cached(key);
    return __builtin_expect(k != NULL, 1) ? k : otelc__intern_key_slow(key, otelc__intern_slot(key));
}
/* In the child of fork(): releases the insert lock a vanished thread may have held. */
OTELC_HIDDEN void otelc__intern_after_fork(void);

OTELC_HIDDEN otelc_span *otelc__span_start(sdk_tracer *tracer, const char *name,
                                           const otelc_span_start_options *opts);

/* ---- provider / tracer (provider.c) ---- */
struct sdk_tracer {
    otelc_tracer base;
    sdk_provider *provider;
    otelc_instrumentation_scope scope;
    struct sdk_tracer *next;
};

struct sdk_provider {
    otelc_tracer_provider base;
    uint32_t magic;
    otelc_resource *resource;
    otelc_sampler *sampler;
    otelc_processor **processors;
    size_t processor_count;
    bool has_on_start;
    bool adopting_only; /* one processor, which adopts ended spans: span_end builds no view */
    otelc_span_limits limits;
    otelc_id_generator ids;
    bool custom_ids;
    atomic_bool shut_down;
    otelc_status shutdown_result;
    pthread_mutex_t tracers_lock;
    sdk_tracer *tracers;
    struct sdk_provider *parked_next;
};

/* CLOCK_MONOTONIC in ns: every deadline and timeout runs on it (the span clock follows steps of the wall
 * clock: an hour's step back in the middle of a shutdown must not hand a processor an hour more). */
static inline uint64_t otelc__mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Calls fn on each of n processors with what is left of timeout_ms, so the whole call honours it;
 * returns the first failure (processor.c: the multi processor and the provider). */
OTELC_HIDDEN otelc_status otelc__processors_each(otelc_processor *const *ps, size_t n, uint32_t timeout_ms,
                                                 otelc_status (*fn)(otelc_processor *, uint32_t));

/* Processor dispatch used by spans (processor.c). */
OTELC_HIDDEN void otelc__processor_on_start(otelc_processor *p, otelc_span *span, const otelc_context *parent);
OTELC_HIDDEN void otelc__processor_on_end(otelc_processor *p, otelc_span *span, const otelc_span_data *data);
OTELC_HIDDEN bool otelc__processor_has_on_start(const otelc_processor *p);
/* Ends the span in the last processor and consumes the caller's reference (data may be NULL when
 * that processor adopts the span: see adopting_only). A processor that queues the
 * span (the batch processor) keeps that reference instead of taking one of its own and having the
 * caller drop the other: two atomic read-modify-writes fewer per span. */
OTELC_HIDDEN void otelc__processor_on_end_last(otelc_processor *p, otelc_span *span, const otelc_span_data *data);
/* Internal processors that can take over the ending thread's reference (set once, before use). adopt
 * must consume the reference whatever it does with the span. */
typedef void (*otelc__adopt_fn)(void *impl, otelc_span *span);
OTELC_HIDDEN void otelc__processor_set_adopt(otelc_processor *p, otelc__adopt_fn adopt);
OTELC_HIDDEN bool otelc__processor_adopts(const otelc_processor *p);

/* Sampler used when none is given and OTEL_TRACES_SAMPLER is unset or invalid (sampler.c). */
OTELC_HIDDEN otelc_sampler *otelc__sampler_from_env(void);

/* batch.c: releases the exported spans that the threads of every live batch processor have not
 * released yet (otelc_sdk_release_cached_memory). Any thread. */
OTELC_HIDDEN void otelc__batch_release_exported_all(void);

/* Fork handling (fork.c): modules register what to redo in the child. */
OTELC_HIDDEN void otelc__fork_init(void);
/* fork_hooks.c: the registry's side of the atfork handlers installed by otelc__fork_init. */
OTELC_HIDDEN void otelc__fork_hooks_prepare(void);
OTELC_HIDDEN void otelc__fork_hooks_parent(void);
OTELC_HIDDEN void otelc__fork_hooks_child(void);

#endif
