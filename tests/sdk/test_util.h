/* Shared helpers for the core cmocka tests: a recording exporter (thread-safe, optionally failing or
 * hanging until released), provider construction, and counter deltas. Header-only so each test binary
 * stays one source file. */
#ifndef OTELC_TESTS_TEST_UTIL_H
#define OTELC_TESTS_TEST_UTIL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <setjmp.h>
#include <cmocka.h>

#include "otelc/context.h"
#include "otelc/impl/provider_impl.h"
#include "otelc/log.h"
#include "otelc/sdk/counters.h"
#include "otelc/sdk/exporter.h"
#include "otelc/sdk/processor.h"
#include "otelc/sdk/provider.h"
#include "otelc/sdk/sampler.h"
#include "otelc/trace.h"

/* What a test exporter remembers of each exported span. */
typedef struct rec_span {
    char name[64];
    uint8_t span_id[8];
    uint8_t trace_id[16];
} rec_span;

typedef struct rec_exporter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    rec_span *spans;
    size_t count, cap;
    size_t calls;          /* export_spans calls */
    size_t max_batch;      /* largest batch seen */
    bool fail;             /* export returns FAILURE */
    bool hang;             /* export blocks until released */
    bool in_export;        /* a hanging export has started */
    size_t shutdowns, flushes;
    bool destroyed;
} rec_exporter;

static inline otelc_export_result rec_export(void *self, const otelc_span_data *const *spans, size_t n) {
    rec_exporter *r = self;
    pthread_mutex_lock(&r->lock);
    r->calls++;
    if (n > r->max_batch) r->max_batch = n;
    while (r->hang) {
        r->in_export = true;
        pthread_cond_broadcast(&r->cond);
        pthread_cond_wait(&r->cond, &r->lock);
    }
    for (size_t i = 0; i < n; i++) {
        if (r->count == r->cap) {
            size_t nc = r->cap ? r->cap * 2 : 64;
            rec_span *ns = realloc(r->spans, nc * sizeof *ns);
            if (!ns) break;
            r->spans = ns;
            r->cap = nc;
        }
        rec_span *d = &r->spans[r->count++];
        memset(d, 0, sizeof *d);
        strncpy(d->name, spans[i]->name, sizeof d->name - 1);
        memcpy(d->span_id, spans[i]->context.span_id, 8);
        memcpy(d->trace_id, spans[i]->context.trace_id, 16);
    }
    otelc_export_result res = r->fail ? OTELC_EXPORT_FAILURE : OTELC_EXPORT_SUCCESS;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
    return res;
}
static inline otelc_status rec_flush(void *self, uint32_t t) {
    (void)t;
    rec_exporter *r = self;
    pthread_mutex_lock(&r->lock);
    r->flushes++;
    pthread_mutex_unlock(&r->lock);
    return OTELC_OK;
}
static inline otelc_status rec_shutdown(void *self, uint32_t t) {
    (void)t;
    rec_exporter *r = self;
    pthread_mutex_lock(&r->lock);
    r->shutdowns++;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
    return OTELC_OK;
}
static inline void rec_destroy(void *self) {
    rec_exporter *r = self;
    pthread_mutex_lock(&r->lock);
    r->destroyed = true;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}
static const otelc_exporter_ops rec_exporter_ops = {
    .name = "rec", .export_spans = rec_export, .force_flush = rec_flush, .shutdown = rec_shutdown, .destroy = rec_destroy,
};

/* The rec_exporter struct is owned by the test (it outlives the otelc_exporter wrapper, so the test can
 * check destroyed/shutdowns afterwards); call rec_fini at the end. */
static inline void rec_init(rec_exporter *r) {
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
}
static inline void rec_fini(rec_exporter *r) {
    free(r->spans);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
}
static inline otelc_exporter *rec_exporter_make(rec_exporter *r) {
    otelc_exporter *e = otelc_exporter_create(&rec_exporter_ops, r);
    assert_non_null(e);
    return e;
}
/* A batch processor around a recording exporter with the given options (created or the test fails). */
static inline otelc_processor *batch_from(rec_exporter *rec, const otelc_batch_options *bo) {
    otelc_error err;
    otelc_processor *p = otelc_batch_processor_create(rec_exporter_make(rec), bo, &err);
    assert_non_null(p);
    assert_int_equal(err.code, OTELC_OK);
    return p;
}
/* Starts and ends n spans named name. */
static inline void end_n(otelc_tracer *t, const char *name, int n) {
    for (int i = 0; i < n; i++) otelc_span_end(otelc_tracer_start_span(t, name, NULL), 0);
}
static inline size_t rec_count(rec_exporter *r) {
    pthread_mutex_lock(&r->lock);
    size_t n = r->count;
    pthread_mutex_unlock(&r->lock);
    return n;
}
/* Blocks (no time limit: ctest's timeout is the guard) until pred holds. */
static inline void rec_wait_count(rec_exporter *r, size_t n) {
    pthread_mutex_lock(&r->lock);
    while (r->count < n) pthread_cond_wait(&r->cond, &r->lock);
    pthread_mutex_unlock(&r->lock);
}
/* Waits up to ms for the exporter to have received n spans; false on timeout. */
static inline bool rec_wait_count_for(rec_exporter *r, size_t n, int ms) {
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->lock);
    int rc = 0;
    while (r->count < n && rc == 0) rc = pthread_cond_timedwait(&r->cond, &r->lock, &dl);
    bool ok = r->count >= n;
    pthread_mutex_unlock(&r->lock);
    return ok;
}
static inline void rec_wait_in_export(rec_exporter *r) {
    pthread_mutex_lock(&r->lock);
    while (!r->in_export) pthread_cond_wait(&r->cond, &r->lock);
    pthread_mutex_unlock(&r->lock);
}
static inline void rec_wait_destroyed(rec_exporter *r) {
    pthread_mutex_lock(&r->lock);
    while (!r->destroyed) pthread_cond_wait(&r->cond, &r->lock);
    pthread_mutex_unlock(&r->lock);
}
static inline void rec_release_hang(rec_exporter *r) {
    pthread_mutex_lock(&r->lock);
    r->hang = false;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}
static inline const rec_span *rec_find(rec_exporter *r, const char *name) {
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->spans[i].name, name) == 0) return &r->spans[i];
    return NULL;
}

/* A "capture" processor: retains each ended span and keeps a view of it (otelc_span_data_view) so the
 * test can inspect the full otelc_span_data after span_end, then releases them all in capture_fini. */
typedef struct capture {
    pthread_mutex_t lock;
    otelc_span *spans[256];
    otelc_span_data *data[256];
    size_t count;
    size_t starts;
} capture;

static inline void cap_on_start(void *self, otelc_span *span, const otelc_context *parent) {
    (void)span; (void)parent;
    capture *c = self;
    pthread_mutex_lock(&c->lock);
    c->starts++;
    pthread_mutex_unlock(&c->lock);
}
static inline void cap_on_end(void *self, otelc_span *span, const otelc_span_data *data) {
    capture *c = self;
    pthread_mutex_lock(&c->lock);
    if (c->count < 256) {
        (void)data; /* borrowed only for this call: keep a view of our own */
        c->spans[c->count] = otelc_span_retain(span);
        c->data[c->count] = otelc_span_data_view(span);
        assert_non_null(c->data[c->count]);
        c->count++;
    }
    pthread_mutex_unlock(&c->lock);
}
static inline void cap_destroy(void *self) { (void)self; }
static const otelc_processor_ops capture_ops = {cap_on_start, cap_on_end, NULL, NULL, cap_destroy};

static inline void capture_init(capture *c) {
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
}
/* Releases the retained spans; must run before the provider is destroyed. */
static inline void capture_release(capture *c) {
    for (size_t i = 0; i < c->count; i++) {
        otelc_span_data_free(c->data[i]);
        otelc_span_release(c->spans[i]);
    }
    c->count = 0;
}
static inline void capture_fini(capture *c) {
    capture_release(c);
    pthread_mutex_destroy(&c->lock);
}
static inline const otelc_span_data *capture_last(capture *c) {
    assert_true(c->count > 0);
    return c->data[c->count - 1];
}

/* A provider with the given sampler (NULL = AlwaysOn) and one capture processor. Limits from env. */
/* A provider around one processor (owned by it) and a sampler (NULL: AlwaysOn). */
static inline otelc_tracer_provider *provider_with(otelc_processor *p, otelc_sampler *sampler) {
    assert_non_null(p);
    otelc_tracer_provider_options o;
    otelc_tracer_provider_options_init(&o);
    o.processors = &p;
    o.processor_count = 1;
    o.sampler = sampler ? sampler : otelc_sampler_always_on();
    otelc_error err;
    otelc_tracer_provider *tp = otelc_tracer_provider_create(&o, &err);
    assert_non_null(tp);
    assert_int_equal(err.code, OTELC_OK);
    return tp;
}

static inline otelc_tracer_provider *capture_provider(capture *c, otelc_sampler *sampler) {
    return provider_with(otelc_processor_create(&capture_ops, c), sampler);
}

/* Defines g_cap, g_tp, g_t and cmocka setup/teardown functions giving each test a fresh provider
 * whose spans land in g_cap. */
#define CAPTURE_FIXTURE()                                         \
    static capture g_cap;                                         \
    static otelc_tracer_provider *g_tp;                           \
    static otelc_tracer *g_t;                                     \
    static int setup(void **state) {                              \
        (void)state;                                              \
        capture_init(&g_cap);                                     \
        g_tp = capture_provider(&g_cap, NULL);                    \
        g_t = test_tracer(g_tp);                                  \
        return 0;                                                 \
    }                                                             \
    static int teardown(void **state) {                           \
        (void)state;                                              \
        capture_release(&g_cap);                                  \
        otelc_tracer_provider_destroy(g_tp);                      \
        capture_fini(&g_cap);                                     \
        return 0;                                                 \
    }

static inline otelc_tracer *test_tracer(otelc_tracer_provider *tp) {
    otelc_scope_options so = {sizeof so, "test", "1.0", "", NULL, 0};
    otelc_tracer *t = otelc_tracer_provider_get_tracer(tp, &so);
    assert_non_null(t);
    return t;
}

/* Counter deltas: counters are process-global, so tests compare before/after. */
typedef struct counter_snap {
    otelc_sdk_counters v;
} counter_snap;
static inline void snap(counter_snap *s) { otelc_sdk_counters_read(&s->v); }
static inline uint64_t delta(const counter_snap *s, otelc_counter_id id) {
    return otelc_sdk_counter_get(id) - s->v.value[id];
}

/* Log capture: counts diagnostics so tests can assert "one clear diagnostic". */
typedef struct log_capture {
    pthread_mutex_t lock;
    int count;
    char last[512];
} log_capture;
static log_capture g_logs = {PTHREAD_MUTEX_INITIALIZER, 0, ""};
static inline void log_capture_fn(otelc_log_level level, const char *msg, void *ud) {
    (void)level; (void)ud;
    pthread_mutex_lock(&g_logs.lock);
    g_logs.count++;
    strncpy(g_logs.last, msg, sizeof g_logs.last - 1);
    pthread_mutex_unlock(&g_logs.lock);
}
static inline void logs_start(otelc_log_level level) {
    pthread_mutex_lock(&g_logs.lock);
    g_logs.count = 0;
    g_logs.last[0] = '\0';
    pthread_mutex_unlock(&g_logs.lock);
    otelc_set_log_handler(log_capture_fn, NULL);
    otelc_set_log_level(level);
}
static inline int logs_count(void) {
    pthread_mutex_lock(&g_logs.lock);
    int n = g_logs.count;
    pthread_mutex_unlock(&g_logs.lock);
    return n;
}
static inline void logs_stop(void) {
    otelc_set_log_level(OTELC_LOG_NONE);
    otelc_set_log_handler(NULL, NULL);
}

#endif
