/* The per-thread scope stack, immutable contexts, and context listeners. Each stack entry holds one
 * reference to its span and baggage, so a span ended while still active stays valid until its scope
 * exits. Listener dispatch costs one relaxed load and a predictable branch when none is registered. */
#include <pthread.h>
#include <string.h>

#include "otelc/impl/provider_impl.h"
#include "otelc/log.h"

#define STACK_INLINE 16
#define STACK_MAX 4096 /* bound: beyond this depth, enter does nothing and says so once */

typedef struct entry {
    otelc_span *span;
    const otelc_baggage *baggage;
    uint32_t serial;
} entry;

typedef struct scope_stack {
    entry *items;
    uint32_t depth;
    uint32_t cap;
    uint32_t next_serial;
    bool registered;
    bool warned_order;
    bool warned_depth;
    entry inline_items[STACK_INLINE];
} scope_stack;

static _Thread_local scope_stack t_stack;
/* Mirror of t_stack.depth for tracer.c's no-SDK fast path (a plain TLS word, no struct offset). */
__attribute__((visibility("hidden"))) _Thread_local uint32_t otelc__scope_depth;

/* ---- listeners ---- */
#define MAX_LISTENERS 8
typedef struct listener {
    _Atomic(otelc_context_listener_fn) fn;
    _Atomic(void *) user_data;
} listener;
static listener g_listeners[MAX_LISTENERS];
static atomic_int g_listener_count; /* number of occupied slots at the front: slots are compacted */
static pthread_mutex_t g_listener_lock = PTHREAD_MUTEX_INITIALIZER;

static void notify(otelc_span *span) {
    int n = atomic_load_explicit(&g_listener_count, memory_order_acquire);
    if (__builtin_expect(n == 0, 1)) return;
    for (int i = 0; i < n; i++) {
        otelc_context_listener_fn fn = atomic_load_explicit(&g_listeners[i].fn, memory_order_acquire);
        if (fn) fn(span, atomic_load_explicit(&g_listeners[i].user_data, memory_order_relaxed));
    }
}

otelc_status otelc_context_listener_add(otelc_context_listener_fn fn, void *user_data) {
    if (!fn) return OTELC_ERR_INVALID_ARGUMENT;
    pthread_mutex_lock(&g_listener_lock);
    int n = atomic_load(&g_listener_count);
    if (n >= MAX_LISTENERS) {
        pthread_mutex_unlock(&g_listener_lock);
        return OTELC_ERR_NO_MEMORY;
    }
    atomic_store(&g_listeners[n].user_data, user_data);
    atomic_store(&g_listeners[n].fn, fn);
    atomic_store(&g_listener_count, n + 1);
    pthread_mutex_unlock(&g_listener_lock);
    return OTELC_OK;
}

otelc_status otelc_context_listener_remove(otelc_context_listener_fn fn, void *user_data) {
    pthread_mutex_lock(&g_listener_lock);
    int n = atomic_load(&g_listener_count);
    for (int i = 0; i < n; i++) {
        if (atomic_load(&g_listeners[i].fn) == fn && atomic_load(&g_listeners[i].user_data) == user_data) {
            for (int j = i; j + 1 < n; j++) {
                atomic_store(&g_listeners[j].user_data, atomic_load(&g_listeners[j + 1].user_data));
                atomic_store(&g_listeners[j].fn, atomic_load(&g_listeners[j + 1].fn));
            }
            atomic_store(&g_listeners[n - 1].fn, NULL);
            atomic_store(&g_listener_count, n - 1);
            pthread_mutex_unlock(&g_listener_lock);
            return OTELC_OK;
        }
    }
    pthread_mutex_unlock(&g_listener_lock);
    return OTELC_ERR_NOT_FOUND;
}

/* ---- the stack ---- */

static pthread_key_t g_exit_key;
static pthread_once_t g_exit_once = PTHREAD_ONCE_INIT;

/* Thread exit: release what scopes the thread never exited, and the grown array. */
static void stack_thread_exit(void *arg) {
    scope_stack *st = arg;
    while (st->depth) {
        entry e = st->items[--st->depth];
        otelc_span_release(e.span);
        otelc_baggage_release(e.baggage);
    }
    if (st->items != st->inline_items) otelc_free(st->items);
    st->items = NULL;
    st->cap = 0;
    st->registered = false;
    otelc__scope_depth = 0;
}
static void make_exit_key(void) { pthread_key_create(&g_exit_key, stack_thread_exit); }

static bool stack_reserve(scope_stack *st) {
    if (!st->items) {
        st->items = st->inline_items;
        st->cap = STACK_INLINE;
    }
    if (!st->registered) {
        pthread_once(&g_exit_once, make_exit_key);
        pthread_setspecific(g_exit_key, st);
        st->registered = true;
    }
    if (st->depth < st->cap) return true;
    if (st->cap >= STACK_MAX) {
        if (!st->warned_depth) {
            st->warned_depth = true;
            otelc_log(OTELC_LOG_WARN, "scope stack depth limit (%d) reached; further scopes are ignored", STACK_MAX);
        }
        return false;
    }
    uint32_t ncap = st->cap * 2;
    entry *n = otelc_malloc(ncap * sizeof *n);
    if (!n) return false;
    memcpy(n, st->items, st->depth * sizeof *n);
    if (st->items != st->inline_items) otelc_free(st->items);
    st->items = n;
    st->cap = ncap;
    return true;
}

static otelc_scope push(otelc_span *span, const otelc_baggage *baggage) {
    scope_stack *st = &t_stack;
    otelc_scope sc = {0, 0};
    /* From now on a start_span on this thread may have a parent on the stack, so the inline no-SDK
     * shortcut in trace.h must give way to the library (which checks this thread's depth). Sticky for
     * the process: a per-thread answer would need TLS in the caller. Only this thread has to see the
     * bit before its next start_span, which program order guarantees even for a relaxed RMW; the RMW
     * (not a store) keeps the provider bit that tracer.c maintains in the same word. The load first
     * keeps every later scope switch from writing to the shared cache line. */
    if (!(__atomic_load_n(&otelc__global_state, __ATOMIC_RELAXED) & OTELC__GLOBAL_SCOPES))
        __atomic_fetch_or(&otelc__global_state, OTELC__GLOBAL_SCOPES, __ATOMIC_RELAXED);
    if (!stack_reserve(st)) return sc;
    entry *e = &st->items[st->depth++];
    e->span = otelc_span_retain(span);
    e->baggage = otelc_baggage_retain(baggage);
    otelc__scope_depth = st->depth;
    e->serial = ++st->next_serial;
    if (e->serial == 0) e->serial = ++st->next_serial;
    sc.depth = st->depth;
    sc.serial = e->serial;
    notify(span);
    return sc;
}

static inline entry *top(void) {
    scope_stack *st = &t_stack;
    return st->depth ? &st->items[st->depth - 1] : NULL;
}

otelc_scope otelc_scope_enter(otelc_span *span) {
    entry *t = top();
    return push(span, t ? t->baggage : NULL);
}

otelc_scope otelc_scope_enter_baggage(const otelc_baggage *baggage) {
    entry *t = top();
    return push(t ? t->span : NULL, baggage);
}

void otelc_scope_exit(otelc_scope scope) {
    scope_stack *st = &t_stack;
    if (scope.depth == 0 || scope.depth > st->depth || st->items[scope.depth - 1].serial != scope.serial) {
        /* Already exited (possibly by an out-of-order exit below it), or from another thread. */
        if (scope.depth != 0) otelc_log(OTELC_LOG_DEBUG, "scope exit for a scope that is not active; ignored");
        return;
    }
    if (scope.depth != st->depth && !st->warned_order) {
        st->warned_order = true;
        otelc_log(OTELC_LOG_DEBUG, "scope exited out of order: %u scopes above it exited too",
                  st->depth - scope.depth);
    }
    while (st->depth >= scope.depth) {
        entry e = st->items[--st->depth];
        otelc_span_release(e.span);
        otelc_baggage_release(e.baggage);
        if (st->depth == 0) break;
    }
    otelc__scope_depth = st->depth;
    entry *t = top();
    notify(t ? t->span : NULL);
}

otelc_span *otelc_current_span(void) {
    entry *t = top();
    return t ? t->span : NULL;
}

const otelc_baggage *otelc_current_baggage(void) {
    entry *t = top();
    return t ? t->baggage : NULL;
}

/* ---- contexts ---- */

struct otelc_context {
    atomic_uint refs;
    otelc_span *span;
    const otelc_baggage *baggage;
};

otelc_context *otelc_context_create(otelc_span *span, const otelc_baggage *baggage) {
    otelc_context *c = otelc_malloc(sizeof *c);
    if (!c) return NULL;
    atomic_init(&c->refs, 1);
    c->span = otelc_span_retain(span);
    c->baggage = otelc_baggage_retain(baggage);
    return c;
}

otelc_context *otelc_context_create_remote(const otelc_span_context *remote, const otelc_baggage *baggage) {
    otelc_span *s = NULL;
    if (remote && otelc_span_context_is_valid(remote)) {
        s = otelc_span_create_non_recording(remote);
        if (s == otelc_span_noop()) return NULL; /* out of memory */
    }
    otelc_context *c = otelc_context_create(s, baggage);
    otelc_span_release(s); /* the context holds its own reference */
    return c;
}

otelc_context *otelc_context_current(void) {
    entry *t = top();
    return otelc_context_create(t ? t->span : NULL, t ? t->baggage : NULL);
}

otelc_context *otelc_context_with_span(const otelc_context *ctx, otelc_span *span) {
    return otelc_context_create(span, ctx ? ctx->baggage : NULL);
}

otelc_context *otelc_context_with_remote(const otelc_context *ctx, const otelc_span_context *remote) {
    return otelc_context_create_remote(remote, ctx ? ctx->baggage : NULL);
}

otelc_context *otelc_context_with_baggage(const otelc_context *ctx, const otelc_baggage *baggage) {
    return otelc_context_create(ctx ? ctx->span : NULL, baggage);
}

otelc_span *otelc_context_get_span(const otelc_context *ctx) { return ctx ? ctx->span : NULL; }

otelc_span_context otelc_context_get_span_context(const otelc_context *ctx) {
    return otelc_span_get_context(ctx ? ctx->span : NULL);
}

const otelc_baggage *otelc_context_get_baggage(const otelc_context *ctx) { return ctx ? ctx->baggage : NULL; }

otelc_scope otelc_context_attach(const otelc_context *ctx) {
    return push(ctx ? ctx->span : NULL, ctx ? ctx->baggage : NULL);
}

otelc_context *otelc_context_retain(const otelc_context *ctx) {
    otelc_context *c = (otelc_context *)ctx;
    if (c) atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    return c;
}

void otelc_context_release(const otelc_context *ctx) {
    otelc_context *c = (otelc_context *)ctx;
    if (!c) return;
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1) {
        otelc_span_release(c->span);
        otelc_baggage_release(c->baggage);
        otelc_free(c);
    }
}
