/* Propagators move context across process boundaries through a carrier (HTTP headers, message
 * metadata, a JSON object ...) reached through getter/setter callbacks. The API holds one global
 * text-map propagator, a no-op until the application installs one (the SDK builds them from
 * OTEL_PROPAGATORS). Propagator objects are immutable after creation and thread-safe. */
#ifndef OTELC_PROPAGATION_H
#define OTELC_PROPAGATION_H

#include <stddef.h>

#include "otelc/context.h"
#include "otelc/export.h"

OTELC_BEGIN_DECLS

/* Reads a carrier. get returns the value of key (case-insensitive for HTTP carriers) and its length
 * in *len, or NULL when absent; the value is borrowed for the duration of the extract call. When a
 * header appears several times, the carrier should join the values with "," as HTTP does.
 * Called on the extracting thread; must not block. */
typedef struct otelc_carrier_getter {
    const char *(*get)(void *carrier, const char *key, size_t *len);
    void *carrier;
} otelc_carrier_getter;

/* Writes a carrier: set stores key/value (both NUL-terminated, borrowed for the call; copy them). */
typedef struct otelc_carrier_setter {
    void (*set)(void *carrier, const char *key, const char *value);
    void *carrier;
} otelc_carrier_setter;

typedef struct otelc_propagator otelc_propagator;

/* What a propagator implementation provides. self is the `impl` given to otelc_propagator_create().
 * inject writes ctx's span context / baggage into the carrier. extract returns a new context: `base`
 * (may be NULL) plus what the carrier holds; it returns a new reference to base (or a new empty
 * context) when nothing valid is found, and NULL only on out-of-memory. */
typedef struct otelc_propagator_ops {
    const char *name;
    void (*inject)(void *self, const otelc_context *ctx, const otelc_carrier_setter *setter);
    otelc_context *(*extract)(void *self, const otelc_context *base, const otelc_carrier_getter *getter);
    /* Header names this propagator may set, NULL-terminated; borrowed for the propagator's lifetime. */
    const char *const *(*fields)(void *self);
    void (*destroy)(void *self);
} otelc_propagator_ops;

/* Wraps an implementation; ops must outlive the propagator; destroy(impl) is called on destroy.
 * Returns NULL on out-of-memory (after calling ops->destroy(impl)). */
OTELC_API otelc_propagator *otelc_propagator_create(const otelc_propagator_ops *ops, void *impl);
/* Composite: runs each in order (inject all; extract each on the previous result). Takes ownership of
 * the parts (also on failure). */
OTELC_API otelc_propagator *otelc_propagator_composite(otelc_propagator **parts, size_t count);
OTELC_API void otelc_propagator_destroy(otelc_propagator *p);
OTELC_API const char *otelc_propagator_name(const otelc_propagator *p);

OTELC_API void otelc_propagator_inject(const otelc_propagator *p, const otelc_context *ctx,
                                       const otelc_carrier_setter *setter);
OTELC_API otelc_context *otelc_propagator_extract(const otelc_propagator *p, const otelc_context *base,
                                                  const otelc_carrier_getter *getter);

/* Global propagator: the caller keeps ownership and keeps p alive while installed (NULL = no-op).
 * otelc_get_text_map_propagator() never returns NULL. */
OTELC_API void otelc_set_text_map_propagator(otelc_propagator *p);
OTELC_API otelc_propagator *otelc_get_text_map_propagator(void);

/* Convenience: inject this thread's current context with the global propagator; extract with it. */
OTELC_API void otelc_inject_current(const otelc_carrier_setter *setter);
OTELC_API otelc_context *otelc_extract(const otelc_carrier_getter *getter);

OTELC_END_DECLS
#endif
