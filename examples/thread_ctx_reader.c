/* thread_ctx_reader: what an out-of-process profiler sees of an otelc application with
 * contrib/thread_ctx installed (OTEP 4947 thread context).
 *
 * Three worker threads handle "requests" (a span each, with a child span inside). A sampling thread
 * plays the profiler: every 20 ms it interrupts each worker with SIGPROF, and the handler, running on
 * the interrupted worker, copies the record that otel_thread_ctx_v1 points to, the way the eBPF
 * profiler reads a thread's TLS while the thread is stopped. The sampler prints each sample as trace
 * id / span id / flags, or "-" when the thread had no active span. It also prints where a reader finds
 * the OTEL_CTX process context (/proc/self/maps).
 *
 * Run: ./thread_ctx_reader   (exports nothing unless OTEL_TRACES_EXPORTER says so; default none) */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "otelc/context.h"
#include "otelc/contrib/thread_ctx.h"
#include "otelc/otelc.h"
#include "otelc/setup.h"

#define WORKERS 3
#define ROUNDS 10

typedef struct slot {
    atomic_int ready; /* set by the handler once rec/has are written */
    otelc_thread_ctx_record rec;
    int has;
} slot;

static slot g_slots[WORKERS];
static _Thread_local int t_worker = -1;
static atomic_bool g_stop;

/* Runs on the interrupted worker: async-signal-safe (its own TLS, memcpy, an atomic store). */
static void on_sigprof(int sig) {
    (void)sig;
    int w = t_worker;
    if (w < 0) return;
    slot *s = &g_slots[w];
    s->has = otelc_thread_ctx_read(&s->rec);
    atomic_store_explicit(&s->ready, 1, memory_order_release);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

typedef struct worker_arg {
    int index;
    pthread_t th;
} worker_arg;

static void *worker_main(void *p) {
    worker_arg *a = p;
    t_worker = a->index;
    otelc_tracer *tracer = otelc_get_tracer("thread_ctx_reader", "1.0.0", NULL);
    while (!atomic_load(&g_stop)) {
        otelc_span *req = otelc_tracer_start_span(tracer, "handle_request", NULL);
        otelc_scope sr = otelc_scope_enter(req);
        sleep_ms(15 + 5 * a->index); /* "work" under the request span */
        otelc_span *db = otelc_tracer_start_span(tracer, "db.query", NULL);
        otelc_scope sd = otelc_scope_enter(db);
        sleep_ms(10);
        otelc_scope_exit(sd);
        otelc_span_end(db, 0);
        otelc_scope_exit(sr);
        otelc_span_end(req, 0);
        sleep_ms(10); /* idle: no active span */
    }
    return NULL;
}

static void print_process_context(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strstr(line, "OTEL_CTX")) printf("process context mapping: %s", line);
    fclose(f);
}

int main(void) {
    otelc_sdk sdk;
    otelc_error err;
    otelc_sdk_options o;
    otelc_sdk_options_init(&o);
    if (!getenv("OTEL_TRACES_EXPORTER")) o.traces_exporter = "none";
    if (otelc_sdk_setup(&o, &sdk, &err) != OTELC_OK) {
        fprintf(stderr, "setup failed: %s\n", err.message);
        return 1;
    }
    if (otelc_thread_ctx_install() != OTELC_OK) {
        fprintf(stderr, "thread_ctx install failed\n");
        return 1;
    }
    print_process_context();
    printf("TLS symbol a reader looks up in .dynsym: %s\n\n", OTELC_THREAD_CTX_TLS_SYMBOL);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigprof;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGPROF, &sa, NULL);

    worker_arg workers[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        workers[i].index = i;
        pthread_create(&workers[i].th, NULL, worker_main, &workers[i]);
    }
    sleep_ms(5);
    for (int round = 0; round < ROUNDS; round++) {
        printf("sample %d\n", round);
        for (int i = 0; i < WORKERS; i++) {
            slot *s = &g_slots[i];
            atomic_store(&s->ready, 0);
            pthread_kill(workers[i].th, SIGPROF);
            for (int spin = 0; spin < 1000 && !atomic_load_explicit(&s->ready, memory_order_acquire); spin++)
                sleep_ms(1);
            if (!atomic_load_explicit(&s->ready, memory_order_acquire)) {
                printf("  worker %d: (no answer)\n", i);
            } else if (!s->has) {
                printf("  worker %d: -\n", i);
            } else {
                char tid[33], sid[17];
                otelc_hex_encode(s->rec.trace_id, 16, tid);
                otelc_hex_encode(s->rec.span_id, 8, sid);
                printf("  worker %d: trace %s span %s flags %02x\n", i, tid, sid, s->rec.trace_flags);
            }
        }
        sleep_ms(20);
    }
    atomic_store(&g_stop, true);
    for (int i = 0; i < WORKERS; i++) pthread_join(workers[i].th, NULL);
    otelc_thread_ctx_uninstall();
    otelc_sdk_teardown(&sdk, 2000);
    return 0;
}
