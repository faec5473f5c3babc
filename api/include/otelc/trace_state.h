/* W3C tracestate: an immutable, reference-counted list of vendor key=value members.
 * Every "modifying" call returns a new list and leaves the input untouched, so a trace state can be
 * shared between threads and spans without locks. All functions are thread-safe. */
#ifndef OTELC_TRACE_STATE_H
#define OTELC_TRACE_STATE_H

#include <stddef.h>

#include "otelc/export.h"
#include "otelc/status.h"

OTELC_BEGIN_DECLS

typedef struct otelc_trace_state otelc_trace_state;

#define OTELC_TRACE_STATE_MAX_MEMBERS 32
#define OTELC_TRACE_STATE_MAX_KEY 256
#define OTELC_TRACE_STATE_MAX_VALUE 256

/* Parses a `tracestate` header value (len bytes, need not be NUL-terminated). Follows W3C Trace Context:
 * empty members and optional whitespace are skipped; if any member is malformed, there are more than
 * 32 members, or a key repeats, the whole header is discarded and NULL is returned (the caller then
 * has no trace state). Returns a new reference owned by the caller, or NULL. */
OTELC_API otelc_trace_state *otelc_trace_state_parse(const char *header, size_t len);

/* Value of key, borrowed from ts (valid while the caller holds ts), or NULL. ts may be NULL. */
OTELC_API const char *otelc_trace_state_get(const otelc_trace_state *ts, const char *key);

/* New list with key=value placed first (replacing any old member with that key); if the list is full,
 * the last member is dropped. Returns NULL (and leaves nothing allocated) when key or value violate the
 * W3C grammar or on out-of-memory. ts may be NULL (empty). Caller owns the result. */
OTELC_API otelc_trace_state *otelc_trace_state_set(const otelc_trace_state *ts, const char *key,
                                                    const char *value);

/* New list without key; returns a new reference (possibly to an equal list). ts may be NULL: returns NULL. */
OTELC_API otelc_trace_state *otelc_trace_state_remove(const otelc_trace_state *ts, const char *key);

/* Number of members (0 for NULL) and borrowed access to member i in header order. */
OTELC_API size_t otelc_trace_state_count(const otelc_trace_state *ts);
OTELC_API int otelc_trace_state_member(const otelc_trace_state *ts, size_t i, const char **key,
                                       const char **value);

/* Writes the header form ("k1=v1,k2=v2") NUL-terminated into buf; returns its length (excluding the
 * NUL), or OTELC_ERR_BUFFER_TOO_SMALL. An empty or NULL list writes "" and returns 0. */
OTELC_API int otelc_trace_state_to_header(const otelc_trace_state *ts, char *buf, size_t size);

/* Reference counting; retain(NULL) returns NULL, release(NULL) is a no-op. */
OTELC_API otelc_trace_state *otelc_trace_state_retain(const otelc_trace_state *ts);
OTELC_API void otelc_trace_state_release(const otelc_trace_state *ts);

OTELC_END_DECLS
#endif
