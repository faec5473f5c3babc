/* The SDK tracer provider: resource, sampler, processors, limits, id generation. Thread-safe; create
 * and configure once, install with otelc_set_tracer_provider() (or let otelc_sdk_setup do both). */
#ifndef OTELC_SDK_PROVIDER_H
#define OTELC_SDK_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "otelc/sdk/limits.h"
#include "otelc/sdk/processor.h"
#include "otelc/sdk/resource.h"
#include "otelc/sdk/sampler.h"
#include "otelc/status.h"
#include "otelc/trace.h"

OTELC_BEGIN_DECLS

/* ID generator: fills random ids. Called concurrently from application threads; must be fast and
 * thread-safe; must never produce all-zero ids (the SDK retries if it does). */
typedef struct otelc_id_generator {
    void (*trace_id)(uint8_t out[16], void *user_data);
    void (*span_id)(uint8_t out[8], void *user_data);
    void *user_data;
} otelc_id_generator;

typedef struct otelc_tracer_provider_options {
    size_t struct_size;
    otelc_resource *resource;       /* owned by the provider after create; NULL = otelc_resource_default() */
    otelc_sampler *sampler;         /* owned after create; NULL = from OTEL_TRACES_SAMPLER (default
                                       ParentBased(AlwaysOn)) */
    otelc_processor **processors;   /* each owned after create; may be empty */
    size_t processor_count;
    otelc_span_limits limits;       /* filled by options_init from the environment */
    const otelc_id_generator *id_generator; /* NULL = per-thread fast PRNG seeded from the OS; copied */
} otelc_tracer_provider_options;

OTELC_API void otelc_tracer_provider_options_init(otelc_tracer_provider_options *opts);

/* Creates a provider. Ownership of the resource, sampler and processors passes to it, also on failure.
 * Returns NULL and fills err on invalid options or OOM. Not installed globally by itself. */
OTELC_API otelc_tracer_provider *otelc_tracer_provider_create(const otelc_tracer_provider_options *opts,
                                                              otelc_error *err);
/* Flushes all processors within timeout_ms. OTELC_ERR_TIMEOUT when that was not enough;
 * OTELC_ERR_INTERNAL when a batch processor holds spans it cannot export (its export thread could not
 * be started). */
OTELC_API otelc_status otelc_tracer_provider_force_flush(otelc_tracer_provider *p, uint32_t timeout_ms);
/* Shuts down all processors within timeout_ms (exporting what is queued); idempotent. Spans started
 * afterwards are non-recording. */
OTELC_API otelc_status otelc_tracer_provider_shutdown(otelc_tracer_provider *p, uint32_t timeout_ms);
/* Shuts down (if not yet) and frees the provider and its tracers; uninstalls it if it is the global one.
 * No span of this provider may be used afterwards. NULL is a no-op. */
OTELC_API void otelc_tracer_provider_destroy(otelc_tracer_provider *p);

/* True when p is an SDK provider (rather than the API no-op one). */
OTELC_API int otelc_tracer_provider_is_sdk(const otelc_tracer_provider *p);
OTELC_API const otelc_resource *otelc_tracer_provider_resource(const otelc_tracer_provider *p);

/* The SDK keeps the storage of finished spans for reuse (a bounded pool: a shared ring plus a small
 * cache per thread). This returns the shared part and the calling thread's cache to the allocator, after
 * releasing spans whose export finished; other threads' caches go back when those threads exit. Call it
 * after destroying providers, e.g. before an allocator switch or a leak check. Thread-safe. */
OTELC_API void otelc_sdk_release_cached_memory(void);

OTELC_END_DECLS
#endif
