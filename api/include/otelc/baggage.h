/* W3C Baggage: an immutable, reference-counted set of name/value entries (each with an optional
 * properties string) that travels with the context. Modifying calls return a new baggage.
 * All functions are thread-safe. */
#ifndef OTELC_BAGGAGE_H
#define OTELC_BAGGAGE_H

#include <stddef.h>

#include "otelc/export.h"
#include "otelc/status.h"

OTELC_BEGIN_DECLS

typedef struct otelc_baggage otelc_baggage;

/* W3C Baggage limits: the serialised header is at most 8192 bytes and 180 entries (list-members);
 * a single entry at most 4096 bytes. Entries beyond them are dropped on set and on parse. */
#define OTELC_BAGGAGE_MAX_ENTRIES 180
#define OTELC_BAGGAGE_MAX_ENTRY_BYTES 4096
#define OTELC_BAGGAGE_MAX_TOTAL_BYTES 8192

/* New baggage with name set to value (replacing an existing entry). properties (may be NULL) is the
 * raw ";"-separated metadata kept verbatim. b may be NULL (empty). Returns NULL on invalid name
 * (empty or not an RFC 7230 token), properties holding ',' or control bytes, out-of-memory, or when
 * the entry would break a limit. Caller owns the result. */
OTELC_API otelc_baggage *otelc_baggage_set(const otelc_baggage *b, const char *name, const char *value,
                                           const char *properties);
/* New baggage without name. Caller owns the result; NULL if the result is empty. */
OTELC_API otelc_baggage *otelc_baggage_remove(const otelc_baggage *b, const char *name);
/* Value of name, borrowed from b (valid while held), or NULL. */
OTELC_API const char *otelc_baggage_get(const otelc_baggage *b, const char *name);
OTELC_API size_t otelc_baggage_count(const otelc_baggage *b);
/* Borrowed access to entry i (insertion order); properties may come back NULL. Returns OTELC_OK or
 * OTELC_ERR_NOT_FOUND. */
OTELC_API int otelc_baggage_entry(const otelc_baggage *b, size_t i, const char **name, const char **value,
                                  const char **properties);

OTELC_API otelc_baggage *otelc_baggage_retain(const otelc_baggage *b);
OTELC_API void otelc_baggage_release(const otelc_baggage *b);

OTELC_END_DECLS
#endif
