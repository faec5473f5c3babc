/* In-memory exporter: a bounded store of deep-copied spans, for tests of user instrumentation. */
#include <pthread.h>
#include <string.h>

#include "otelc/exporters/memory.h"
#include "otelc/log.h"
#include "otelc/sdk/fork.h"
#include "span_copy.h"

typedef struct stored_resource {
    const otelc_resource *source; /* identity of the provider's resource, compared only */
    otelc_resource *copy;
} stored_resource;

struct otelc_memory_store {
    pthread_mutex_t lock;
    otelc_span_data **spans;
    size_t count, max;
    size_t dropped;
    stored_resource *resources; /* one copy per distinct provider resource seen */
    size_t resource_count;
    otelc_fork_hook *fork_hook;
};

/* In a fork child: when a parent thread held the lock, the store may be half-updated; the child starts
 * with an empty store (what the parent had is left to the parent) and a new lock. */
static void store_after_fork(void *self) {
    otelc_memory_store *s = self;
    if (!otelc_fork_reset_mutex(&s->lock)) return;
    s->spans = NULL;
    s->count = 0;
    s->dropped = 0;
    s->resources = NULL;
    s->resource_count = 0;
}

otelc_memory_store *otelc_memory_store_create(size_t max_spans) {
    otelc_memory_store *s = otelc_calloc(1, sizeof *s);
    if (!s) return NULL;
    s->max = max_spans ? max_spans : 65536;
    pthread_mutex_init(&s->lock, NULL);
    s->fork_hook = otelc_fork_hook_add(store_after_fork, s);
    return s;
}

void otelc_memory_store_clear(otelc_memory_store *s) {
    if (!s) return;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->count; i++) otelc__span_copy_free(s->spans[i]);
    s->count = 0;
    s->dropped = 0;
    pthread_mutex_unlock(&s->lock);
}

void otelc_memory_store_destroy(otelc_memory_store *s) {
    if (!s) return;
    otelc_fork_hook_remove(s->fork_hook);
    otelc_memory_store_clear(s);
    for (size_t i = 0; i < s->resource_count; i++) otelc_resource_destroy(s->resources[i].copy);
    otelc_free(s->resources);
    otelc_free(s->spans);
    pthread_mutex_destroy(&s->lock);
    otelc_free(s);
}

size_t otelc_memory_store_count(otelc_memory_store *s) {
    if (!s) return 0;
    pthread_mutex_lock(&s->lock);
    size_t n = s->count;
    pthread_mutex_unlock(&s->lock);
    return n;
}

size_t otelc_memory_store_dropped(otelc_memory_store *s) {
    if (!s) return 0;
    pthread_mutex_lock(&s->lock);
    size_t n = s->dropped;
    pthread_mutex_unlock(&s->lock);
    return n;
}

const otelc_span_data *otelc_memory_store_get(otelc_memory_store *s, size_t i) {
    if (!s) return NULL;
    pthread_mutex_lock(&s->lock);
    const otelc_span_data *d = i < s->count ? s->spans[i] : NULL;
    pthread_mutex_unlock(&s->lock);
    return d;
}

const otelc_span_data *otelc_memory_store_find(otelc_memory_store *s, const char *name) {
    if (!s || !name) return NULL;
    const otelc_span_data *found = NULL;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->count && !found; i++)
        if (strcmp(s->spans[i]->name, name) == 0) found = s->spans[i];
    pthread_mutex_unlock(&s->lock);
    return found;
}

/* Called with the lock held. Resources are few (one per provider), so a linear search is fine. */
static const otelc_resource *resource_copy(otelc_memory_store *s, const otelc_resource *r) {
    if (!r) return NULL;
    for (size_t i = 0; i < s->resource_count; i++)
        if (s->resources[i].source == r) return s->resources[i].copy;
    stored_resource *n = otelc_realloc(s->resources, (s->resource_count + 1) * sizeof *n);
    if (!n) return NULL;
    s->resources = n;
    size_t count;
    const otelc_attr *a = otelc_resource_attributes(r, &count);
    otelc_resource *copy = otelc_resource_create(a, count, otelc_resource_schema_url(r));
    if (!copy) return NULL;
    s->resources[s->resource_count].source = r;
    s->resources[s->resource_count].copy = copy;
    s->resource_count++;
    return copy;
}

static otelc_export_result mem_export(void *self, const otelc_span_data *const *spans, size_t n) {
    otelc_memory_store *s = self;
    otelc_export_result result = OTELC_EXPORT_SUCCESS;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < n; i++) {
        if (s->count == s->max) {
            s->dropped += n - i;
            result = OTELC_EXPORT_FAILURE;
            break;
        }
        if (s->count % 64 == 0) {
            otelc_span_data **grown = otelc_realloc(s->spans, (s->count + 64) * sizeof *grown);
            if (!grown) { s->dropped += n - i; result = OTELC_EXPORT_FAILURE; break; }
            s->spans = grown;
        }
        otelc_span_data *copy = otelc__span_copy(spans[i]);
        if (!copy) { s->dropped += n - i; result = OTELC_EXPORT_FAILURE; break; }
        copy->resource = resource_copy(s, spans[i]->resource);
        s->spans[s->count++] = copy;
    }
    pthread_mutex_unlock(&s->lock);
    return result;
}

static const otelc_exporter_ops memory_ops = {.name = "memory", .export_spans = mem_export};

otelc_exporter *otelc_memory_exporter_create(otelc_memory_store *store) {
    if (!store) return NULL;
    return otelc_exporter_create(&memory_ops, store);
}
