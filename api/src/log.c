/* Diagnostics and the allocator hook. The level is read lazily from OTEL_LOG_LEVEL so that a library
 * linked into a process writes nothing unless the operator asked for it. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <stdbool.h>

#include "otelc/log.h"

static atomic_int g_level = -1; /* -1: not yet read from the environment */
static pthread_mutex_t g_handler_lock = PTHREAD_MUTEX_INITIALIZER;
static otelc_log_fn g_handler;
static void *g_handler_data;

/* *bad is set when the variable holds something that is not a level. */
static otelc_log_level level_from_env(bool *bad) {
    const char *v = getenv("OTEL_LOG_LEVEL");
    *bad = false;
    if (!v || !*v) return OTELC_LOG_NONE;
    if (!strcasecmp(v, "none") || !strcasecmp(v, "off")) return OTELC_LOG_NONE;
    if (!strcasecmp(v, "error") || !strcasecmp(v, "fatal")) return OTELC_LOG_ERROR;
    if (!strcasecmp(v, "warn") || !strcasecmp(v, "warning")) return OTELC_LOG_WARN;
    if (!strcasecmp(v, "info")) return OTELC_LOG_INFO;
    if (!strcasecmp(v, "debug") || !strcasecmp(v, "trace") || !strcasecmp(v, "all")) return OTELC_LOG_DEBUG;
    /* Unknown value: the operator asked for logs, so keep warnings and say once what was wrong. */
    *bad = true;
    return OTELC_LOG_WARN;
}

otelc_log_level otelc_get_log_level(void) {
    int l = atomic_load_explicit(&g_level, memory_order_relaxed);
    if (l < 0) {
        bool bad;
        int fresh = (int)level_from_env(&bad);
        int expected = -1;
        if (!atomic_compare_exchange_strong(&g_level, &expected, fresh)) {
            fresh = expected;
        } else if (bad) {
            /* Through otelc_log, so an installed handler gets it like any other diagnostic. */
            otelc_log(OTELC_LOG_WARN, "OTEL_LOG_LEVEL=\"%.64s\" is not one of none, error, warn, info, debug; using warn",
                      getenv("OTEL_LOG_LEVEL"));
        }
        l = fresh;
    }
    return (otelc_log_level)l;
}

void otelc_set_log_level(otelc_log_level level) {
    if (level < OTELC_LOG_NONE) level = OTELC_LOG_NONE;
    if (level > OTELC_LOG_DEBUG) level = OTELC_LOG_DEBUG;
    atomic_store(&g_level, (int)level);
}

void otelc_set_log_handler(otelc_log_fn fn, void *user_data) {
    pthread_mutex_lock(&g_handler_lock);
    g_handler = fn;
    g_handler_data = user_data;
    pthread_mutex_unlock(&g_handler_lock);
}

static const char *level_name(otelc_log_level l) {
    switch (l) {
    case OTELC_LOG_ERROR: return "error";
    case OTELC_LOG_WARN: return "warn";
    case OTELC_LOG_INFO: return "info";
    case OTELC_LOG_DEBUG: return "debug";
    default: return "none";
    }
}

void otelc_log(otelc_log_level level, const char *fmt, ...) {
    if (level == OTELC_LOG_NONE || level > otelc_get_log_level()) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&g_handler_lock);
    otelc_log_fn fn = g_handler;
    void *ud = g_handler_data;
    pthread_mutex_unlock(&g_handler_lock);
    if (fn) {
        fn(level, msg, ud);
    } else {
        fprintf(stderr, "otelc: [%s] %s\n", level_name(level), msg);
    }
}

/* ---- allocator ---- */
static otelc_allocator g_alloc;
static atomic_int g_alloc_set;

void otelc_set_allocator(const otelc_allocator *allocator) {
    if (allocator && allocator->malloc_fn && allocator->realloc_fn && allocator->free_fn) {
        g_alloc = *allocator;
        atomic_store(&g_alloc_set, 1);
    } else {
        atomic_store(&g_alloc_set, 0);
    }
}

void *otelc_malloc(size_t size) {
    if (atomic_load_explicit(&g_alloc_set, memory_order_relaxed)) return g_alloc.malloc_fn(size, g_alloc.user_data);
    return malloc(size);
}

void *otelc_calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return NULL;
    void *p = otelc_malloc(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

void *otelc_realloc(void *ptr, size_t size) {
    if (atomic_load_explicit(&g_alloc_set, memory_order_relaxed)) return g_alloc.realloc_fn(ptr, size, g_alloc.user_data);
    return realloc(ptr, size);
}

void otelc_free(void *ptr) {
    if (!ptr) return;
    if (atomic_load_explicit(&g_alloc_set, memory_order_relaxed)) {
        g_alloc.free_fn(ptr, g_alloc.user_data);
        return;
    }
    free(ptr);
}

char *otelc_strndup(const char *s, size_t n) {
    if (!s) return NULL;
    char *d = otelc_malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *otelc_strdup(const char *s) {
    return s ? otelc_strndup(s, strlen(s)) : NULL;
}
