/* The per-thread side of OTEP 4947: the exported TLS pointer otel_thread_ctx_v1, two records per thread
 * in static TLS, and the context listener that writes them on the application's hot path. The listener
 * reaches the SDK only through the public context-listener extension point (otelc/context.h).
 *
 * Why two records: the OTEP's "pointer swapping" writer never modifies a record a reader can reach.
 * The listener fills the unpublished record, orders those stores before the pointer store with a
 * compiler fence, then publishes it with one volatile pointer store. Readers read a thread only while it
 * is stopped or interrupted (the OTEP's signal-handler semantics), so compiler ordering is all that is
 * needed and the fences cost nothing at run time. */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "otelc/context.h"
#include "otelc/contrib/thread_ctx.h"
#include "otelc/log.h"
#include "otelc/trace.h"
#include "thread_ctx_internal.h"

_Static_assert(offsetof(otelc_thread_ctx_record, trace_id) == 0, "OTEP 4947 layout: trace-id at 0");
_Static_assert(offsetof(otelc_thread_ctx_record, span_id) == 16, "OTEP 4947 layout: span-id at 16");
_Static_assert(offsetof(otelc_thread_ctx_record, valid) == 24, "OTEP 4947 layout: valid at 24");
_Static_assert(offsetof(otelc_thread_ctx_record, trace_flags) == 25, "OTEP 4947 layout: trace-flags at 25");
_Static_assert(offsetof(otelc_thread_ctx_record, attrs_data_size) == 26, "OTEP 4947 layout: size at 26");
_Static_assert(sizeof(otelc_thread_ctx_record) == OTELC_THREAD_CTX_HEADER_SIZE, "OTEP 4947: 28-byte header");
_Static_assert(_Alignof(otelc_thread_ctx_record) >= 2, "OTEP 4947: records are 2-byte aligned");

/* The discovery symbol. Its name is fixed by the OTEP (not otelc_-prefixed on purpose); default
 * visibility puts it in .dynsym; volatile makes every pointer store a real store the compiler keeps in
 * place relative to the fences. Declared here (not in the public header) so that no caller depends on
 * it; the declaration keeps -Wmissing-variable-declarations-style checks quiet. */
extern __attribute__((visibility("default"))) _Thread_local otelc_thread_ctx_record *volatile otel_thread_ctx_v1;
__attribute__((visibility("default"))) _Thread_local otelc_thread_ctx_record *volatile otel_thread_ctx_v1;

/* The two records of this thread. Static TLS: no allocation, freed with the thread. */
static _Thread_local otelc_thread_ctx_record t_records[2];

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool g_installed;

static inline void publish(otelc_span *span) {
    if (span) {
        otelc_span_context sc = otelc_span_get_context(span);
        uint64_t t0, t1, s;
        memcpy(&t0, sc.trace_id, 8);
        memcpy(&t1, sc.trace_id + 8, 8);
        memcpy(&s, sc.span_id, 8);
        if ((t0 | t1) && s) {
            otelc_thread_ctx_record *cur = otel_thread_ctx_v1;
            otelc_thread_ctx_record *next = cur == &t_records[0] ? &t_records[1] : &t_records[0];
            memcpy(next->trace_id, sc.trace_id, 16);
            memcpy(next->span_id, sc.span_id, 8);
            next->valid = 1;
            next->trace_flags = sc.trace_flags;
            next->attrs_data_size = 0;
            /* Every store to the record above is emitted before the pointer store below. */
            atomic_signal_fence(memory_order_seq_cst);
            otel_thread_ctx_v1 = next;
            return;
        }
    }
    /* No span, or an invalid span context: the OTEP's "no record attached". */
    otel_thread_ctx_v1 = NULL;
}

/* The context listener: runs on the application thread inside every scope enter/exit/attach. */
static void on_scope_change(otelc_span *span, void *user_data) {
    (void)user_data;
    publish(span);
}

otelc_status otelc_thread_ctx_install(void) {
    pthread_mutex_lock(&g_lock);
    if (atomic_load(&g_installed)) {
        pthread_mutex_unlock(&g_lock);
        return OTELC_OK;
    }
    if (otelc__process_ctx_publish() != OTELC_OK)
        otelc_log(OTELC_LOG_WARN, "thread_ctx: process context (OTEL_CTX mapping) not published; "
                                  "out-of-process readers will not find the thread records");
    otelc_status st = otelc_context_listener_add(on_scope_change, NULL);
    if (st == OTELC_OK) {
        atomic_store(&g_installed, true);
        publish(otelc_current_span());
    }
    pthread_mutex_unlock(&g_lock);
    return st;
}

void otelc_thread_ctx_uninstall(void) {
    pthread_mutex_lock(&g_lock);
    if (atomic_load(&g_installed)) {
        otelc_context_listener_remove(on_scope_change, NULL);
        atomic_store(&g_installed, false);
        otel_thread_ctx_v1 = NULL;
    }
    pthread_mutex_unlock(&g_lock);
}

bool otelc_thread_ctx_is_installed(void) { return atomic_load(&g_installed); }

const otelc_thread_ctx_record *otelc_thread_ctx_current(void) { return otel_thread_ctx_v1; }

bool otelc_thread_ctx_read(otelc_thread_ctx_record *out) {
    const otelc_thread_ctx_record *r = otel_thread_ctx_v1;
    /* Read the pointer before the record (pairs with the writer's fence when called from a handler). */
    atomic_signal_fence(memory_order_seq_cst);
    if (!r) {
        memset(out, 0, sizeof *out);
        return false;
    }
    memcpy(out, r, sizeof *out);
    if (out->valid != 1) {
        memset(out, 0, sizeof *out);
        return false;
    }
    return true;
}
