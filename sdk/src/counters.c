/* Process-wide self-counters, kept per thread so that counting a span costs an uncontended store
 * instead of an atomic add on a cache line every thread shares (which serialises multi-threaded span
 * production). A read sums the live threads' blocks plus what exited threads left behind. */
#include <string.h>

#include "internal.h"

typedef otelc__thread_counters thread_counters;

/* Read inline by otelc__count (internal.h); the rest of this file owns it. */
_Thread_local thread_counters otelc__t_counters;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static thread_counters *g_threads;
static uint64_t g_retired[OTELC_COUNTER__COUNT]; /* totals of threads that have exited */
static pthread_key_t g_exit_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void thread_exit(void *arg) {
    thread_counters *tc = arg;
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < OTELC_COUNTER__COUNT; i++)
        g_retired[i] += atomic_load_explicit(&tc->v[i], memory_order_relaxed);
    for (thread_counters **pp = &g_threads; *pp; pp = &(*pp)->next) {
        if (*pp == tc) {
            *pp = tc->next;
            break;
        }
    }
    pthread_mutex_unlock(&g_lock);
    memset(tc->v, 0, sizeof tc->v);
    tc->registered = false;
    tc->exited = true;
}

static void make_key(void) { pthread_key_create(&g_exit_key, thread_exit); }

static void register_thread(thread_counters *tc) {
    pthread_once(&g_once, make_key);
    pthread_mutex_lock(&g_lock);
    tc->next = g_threads;
    g_threads = tc;
    pthread_mutex_unlock(&g_lock);
    pthread_setspecific(g_exit_key, tc);
    tc->registered = true;
}

void otelc__count_first(otelc_counter_id id, uint64_t n) {
    if (otelc__t_counters.exited) {
        /* Counted from a thread-exit destructor that ran after ours: registering again could leave the
         * block (thread storage about to be reused) on the list for good. */
        pthread_mutex_lock(&g_lock);
        g_retired[id] += n;
        pthread_mutex_unlock(&g_lock);
        return;
    }
    register_thread(&otelc__t_counters);
    otelc__count(id, n);
}

/* After fork() only the forking thread exists; the others' blocks are gone with them. */
void otelc__counters_after_fork(void) {
    pthread_mutex_init(&g_lock, NULL);
    thread_counters *self = &otelc__t_counters;
    for (thread_counters *t = g_threads; t; t = t->next) {
        if (t == self) continue;
        for (int i = 0; i < OTELC_COUNTER__COUNT; i++)
            g_retired[i] += atomic_load_explicit(&t->v[i], memory_order_relaxed);
    }
    g_threads = self->registered ? self : NULL;
    if (self->registered) self->next = NULL;
}

static const char *const names[OTELC_COUNTER__COUNT] = {
    "spans_started", "spans_ended", "spans_not_sampled", "spans_dropped_queue", "spans_dropped_shutdown",
    "limit_attributes_dropped", "limit_values_truncated", "limit_events_dropped", "limit_links_dropped",
    "spans_exported", "spans_export_failed", "export_retries", "export_bytes", "spans_rejected", "bad_input",
};

void otelc_sdk_counter_add(otelc_counter_id id, uint64_t n) {
    if ((unsigned)id < OTELC_COUNTER__COUNT) otelc__count(id, n);
}

void otelc_sdk_counters_read(otelc_sdk_counters *out) {
    if (!out) return;
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < OTELC_COUNTER__COUNT; i++) out->value[i] = g_retired[i];
    for (thread_counters *t = g_threads; t; t = t->next)
        for (int i = 0; i < OTELC_COUNTER__COUNT; i++)
            out->value[i] += atomic_load_explicit(&t->v[i], memory_order_relaxed);
    pthread_mutex_unlock(&g_lock);
}

uint64_t otelc_sdk_counter_get(otelc_counter_id id) {
    if ((unsigned)id >= OTELC_COUNTER__COUNT) return 0;
    otelc_sdk_counters c;
    otelc_sdk_counters_read(&c);
    return c.value[id];
}

const char *otelc_sdk_counter_name(otelc_counter_id id) {
    return (unsigned)id < OTELC_COUNTER__COUNT ? names[id] : "unknown";
}
