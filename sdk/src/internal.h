/* Private SDK types shared by the SDK's source files (not installed). */
#ifndef OTELC_SDK_INTERNAL_H
#define OTELC_SDK_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

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
OTELC_HIDDEN uint64_t otelc__random_u64(void);
OTELC_HIDDEN void otelc__ids_after_fork(void);

/* ---- counters (counters.c) ---- */
OTELC_HIDDEN void otelc__count(otelc_counter_id id, uint64_t n);
OTELC_HIDDEN void otelc__counters_after_fork(void);

/* ---- spans (span.c) ---- */
typedef struct sdk_tracer sdk_tracer;
typedef struct sdk_provider sdk_provider;

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    char data[];
} arena_chunk;

#define SPAN_INLINE_ATTRS 8
#define SPAN_ARENA_INLINE 192 /* fits the name, keys and short values of a typical span */
#define SPAN_ARENA_MAX (1u << 20) /* bound on the copied text of one span */

typedef struct park_owner park_owner;

typedef struct sdk_span {
    otelc_span base;
    /* Deferred release (span_pool.c): the thread that allocated the span. Read only on that thread (it
     * travels with the span pointer through the batch queue, so the worker never touches the span). */
    park_owner *owner;
    otelc_span_data data;
    sdk_tracer *tracer;
    uint32_t attr_cap, event_cap, link_cap;
    size_t arena_used, arena_total;
    arena_chunk *chunks;
    otelc_attr inline_attrs[SPAN_INLINE_ATTRS];
    char arena[SPAN_ARENA_INLINE];
} sdk_span;

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
    otelc_span_limits limits;
    otelc_id_generator ids;
    bool custom_ids;
    atomic_bool shut_down;
    otelc_status shutdown_result;
    pthread_mutex_t tracers_lock;
    sdk_tracer *tracers;
    struct sdk_provider *parked_next;
};

/* Processor dispatch used by spans (processor.c). */
OTELC_HIDDEN void otelc__processor_on_start(otelc_processor *p, otelc_span *span, const otelc_context *parent);
OTELC_HIDDEN void otelc__processor_on_end(otelc_processor *p, otelc_span *span, const otelc_span_data *data);
OTELC_HIDDEN bool otelc__processor_has_on_start(const otelc_processor *p);
/* Ends the span in the last processor and consumes the caller's reference. A processor that queues the
 * span (the batch processor) keeps that reference instead of taking one of its own and having the
 * caller drop the other: two atomic read-modify-writes fewer per span. */
OTELC_HIDDEN void otelc__processor_on_end_last(otelc_processor *p, otelc_span *span, const otelc_span_data *data);
/* Internal processors that can take over the ending thread's reference (set once, before use). adopt
 * must consume the reference whatever it does with the span. */
typedef void (*otelc__adopt_fn)(void *impl, otelc_span *span);
OTELC_HIDDEN void otelc__processor_set_adopt(otelc_processor *p, otelc__adopt_fn adopt);

/* Sampler used when none is given and OTEL_TRACES_SAMPLER is unset or invalid (sampler.c). */
OTELC_HIDDEN otelc_sampler *otelc__sampler_from_env(void);

/* Fork handling (fork.c): modules register what to redo in the child. */
OTELC_HIDDEN void otelc__fork_init(void);

#endif
