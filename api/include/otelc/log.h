/* Diagnostics. otelc never writes to stdout/stderr unless asked: OTEL_LOG_LEVEL (none, error, warn,
 * info, debug; unset means none) or otelc_set_log_level(). A log handler replaces the
 * default writer (stderr). Thread-safe. */
#ifndef OTELC_LOG_H
#define OTELC_LOG_H

#include <stddef.h>

#include "otelc/export.h"

OTELC_BEGIN_DECLS

typedef enum otelc_log_level {
    OTELC_LOG_NONE = 0,
    OTELC_LOG_ERROR = 1,
    OTELC_LOG_WARN = 2,
    OTELC_LOG_INFO = 3,
    OTELC_LOG_DEBUG = 4
} otelc_log_level;

/* Handler called for each diagnostic at or below the level, from whichever thread logged (including
 * the batch worker); must not block or call back into otelc. */
typedef void (*otelc_log_fn)(otelc_log_level level, const char *message, void *user_data);

/* The level starts from OTEL_LOG_LEVEL when first needed (unset: none, so nothing is written). */
OTELC_API void otelc_set_log_level(otelc_log_level level);
OTELC_API otelc_log_level otelc_get_log_level(void);
/* NULL restores the default stderr writer. */
OTELC_API void otelc_set_log_handler(otelc_log_fn fn, void *user_data);

/* Logs a printf-formatted message (used by the SDK, exporters and contrib modules). */
OTELC_API void otelc_log(otelc_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Allocator hooks for hosts (and out-of-memory tests). Set before any other otelc call; NULL restores
 * libc. free_fn must accept NULL. */
typedef struct otelc_allocator {
    void *(*malloc_fn)(size_t size, void *user_data);
    void *(*realloc_fn)(void *ptr, size_t size, void *user_data);
    void (*free_fn)(void *ptr, void *user_data);
    void *user_data;
} otelc_allocator;
OTELC_API void otelc_set_allocator(const otelc_allocator *allocator);
OTELC_API void *otelc_malloc(size_t size);
OTELC_API void *otelc_calloc(size_t n, size_t size);
OTELC_API void *otelc_realloc(void *ptr, size_t size);
OTELC_API void otelc_free(void *ptr);
OTELC_API char *otelc_strdup(const char *s);
OTELC_API char *otelc_strndup(const char *s, size_t n);

OTELC_END_DECLS
#endif
