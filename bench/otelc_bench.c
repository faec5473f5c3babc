/* otelc-bench: the figures behind the performance budget (DESIGN.md, issue 5). Every scenario runs
 * after a warm-up, several timed repetitions, and reports the median. stdout carries one JSON object per
 * scenario; stderr carries a human-readable summary with each goal beside its figure. Nothing here
 * passes or fails: it prints what it measured, next to the floor (two CLOCK_REALTIME reads plus 24 bytes
 * from a fast PRNG) measured in the same process, so ratios stay meaningful on a noisy machine. */
#include <malloc.h>
#include <pthread.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otelc/context.h"
#include "otelc/trace.h"
#include "otelc/sdk/counters.h"
#include "otelc/sdk/exporter.h"
#include "otelc/sdk/processor.h"
#include "otelc/sdk/provider.h"
#include "otelc/sdk/sampler.h"
#ifdef OTELC_BENCH_HAVE_OTLP
#include <zlib.h>
#include "otelc/exporters/otlp_http.h"
#endif

/* ---- configuration ------------------------------------------------------------------------------ */

typedef struct config {
    uint64_t spans;  /* measured spans in span_sampled_attrs4_batch (split over the repetitions) */
    int reps;        /* timed repetitions per scenario */
    double scale;    /* multiplies iteration counts of the cheap scenarios */
    const char *only; /* run only this scenario (plus floor) */
    bool summary;
} config;

static config g_cfg = {2000000, 5, 1.0, NULL, true};

/* ---- time and helpers --------------------------------------------------------------------------- */

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Keeps the compiler from deleting work whose result is otherwise unused. */
#define SINK(x) __asm__ volatile("" : : "r"(x) : "memory")

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static uint64_t scaled(uint64_t n) {
    uint64_t r = (uint64_t)((double)n * g_cfg.scale);
    return r ? r : 1;
}

static uint64_t dropped_now(void) { return otelc_sdk_counter_get(OTELC_COUNTER_SPANS_DROPPED_QUEUE); }

/* CPU time (user + system) of the whole process and of the calling thread, in ns; -1 where the system
 * cannot say (RUSAGE_THREAD is Linux's). */
typedef struct cpu_times {
    double process, thread;
} cpu_times;
static double tv_ns(struct timeval tv) { return (double)tv.tv_sec * 1e9 + (double)tv.tv_usec * 1e3; }
static cpu_times cpu_now(void) {
    cpu_times c = {-1, -1};
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) c.process = tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
#ifdef RUSAGE_THREAD
    if (getrusage(RUSAGE_THREAD, &ru) == 0) c.thread = tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
#endif
    return c;
}

/* ---- results and output ------------------------------------------------------------------------- */

/* UNIT_NS_MACHINE: nanoseconds that describe the machine, not a cost (no ratio to the floor). */
typedef enum unit { UNIT_NS, UNIT_NS_MACHINE, UNIT_SPANS_PER_S, UNIT_B_PER_SPAN } unit;
static const char *unit_name(unit u) {
    return u == UNIT_NS || u == UNIT_NS_MACHINE ? "ns" : u == UNIT_SPANS_PER_S ? "spans/s" : "B/span";
}

#define MAX_RESULTS 24
typedef struct result {
    const char *name;
    bool available;
    double value;
    unit u;
    double ratio; /* < 0: not applicable */
    long long dropped; /* < 0: not applicable */
    const char *note;
} result;

static result g_results[MAX_RESULTS];
static int g_nresults;
static double g_floor_ns;

static void json_escape(const char *s) {
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        putchar(*s);
    }
}

static result *emit(const char *name, double value, unit u, long long dropped, const char *note) {
    result *r = &g_results[g_nresults < MAX_RESULTS ? g_nresults++ : MAX_RESULTS - 1];
    r->name = name;
    r->available = true;
    r->value = value;
    r->u = u;
    r->dropped = dropped;
    r->note = note;
    /* Ratios against the floor: ns figures directly; throughput as wall-clock ns per span
     * (1e9 / spans/s); bytes have no time ratio. */
    r->ratio = -1;
    if (g_floor_ns > 0 && value > 0) {
        if (u == UNIT_NS) r->ratio = value / g_floor_ns;
        else if (u == UNIT_SPANS_PER_S) r->ratio = (1e9 / value) / g_floor_ns;
    }
    printf("{\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", \"floor_ns\": %.3f, \"ratio_to_floor\": ", name,
           value, unit_name(u), g_floor_ns);
    if (r->ratio >= 0) printf("%.3f", r->ratio);
    else printf("null");
    printf(", \"dropped\": ");
    if (dropped >= 0) printf("%lld", dropped);
    else printf("null");
    if (note) {
        printf(", \"note\": \"");
        json_escape(note);
        printf("\"");
    }
    printf("}\n");
    fflush(stdout);
    return r;
}

static void emit_unavailable(const char *name, const char *why) {
    result *r = &g_results[g_nresults < MAX_RESULTS ? g_nresults++ : MAX_RESULTS - 1];
    memset(r, 0, sizeof *r);
    r->name = name;
    r->available = false;
    r->note = why;
    printf("{\"name\": \"%s\", \"value\": null, \"unit\": null, \"floor_ns\": %.3f, \"ratio_to_floor\": null, "
           "\"dropped\": null, \"unavailable\": \"",
           name, g_floor_ns);
    json_escape(why);
    printf("\"}\n");
    fflush(stdout);
}

static const result *find_result(const char *name) {
    for (int i = 0; i < g_nresults; i++)
        if (strcmp(g_results[i].name, name) == 0 && g_results[i].available) return &g_results[i];
    return NULL;
}

static bool wanted(const char *name) { return !g_cfg.only || strcmp(g_cfg.only, name) == 0; }

/* ---- the floor ---------------------------------------------------------------------------------- */

/* wyrand: one multiply per 8 bytes, the kind of PRNG an SDK should use for ids. */
static _Thread_local uint64_t t_prng = 0x9E3779B97F4A7C15ull;
static inline uint64_t wyrand(void) {
    t_prng += 0xa0761d6478bd642full;
    __uint128_t m = (__uint128_t)t_prng * (t_prng ^ 0xe7037ed1a0b428dbull);
    return (uint64_t)(m >> 64) ^ (uint64_t)m;
}

static double floor_once(uint64_t iters) {
    uint8_t ids[24];
    uint64_t t0 = mono_ns();
    for (uint64_t i = 0; i < iters; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_REALTIME, &a);
        uint64_t r0 = wyrand(), r1 = wyrand(), r2 = wyrand();
        memcpy(ids, &r0, 8);
        memcpy(ids + 8, &r1, 8);
        memcpy(ids + 16, &r2, 8);
        clock_gettime(CLOCK_REALTIME, &b);
        SINK(a.tv_nsec);
        SINK(b.tv_nsec);
        SINK(ids);
    }
    return (double)(mono_ns() - t0) / (double)iters;
}

static void bench_floor(void) {
    uint64_t n = scaled(1000000);
    double v[64];
    floor_once(n / 4);
    for (int r = 0; r < g_cfg.reps; r++) v[r] = floor_once(n);
    g_floor_ns = median(v, g_cfg.reps);
    emit("floor", g_floor_ns, UNIT_NS, -1, NULL);
}

/* ---- exporters and providers -------------------------------------------------------------------- */

/* Discards without reading: through export_batch no span view is built (the SDK builds views only for
 * the spans an exporter asks for), so the figures are the pipeline's cost without any encoding. */
static otelc_export_result discard_export(void *self, otelc_span_batch *batch) {
    (void)self;
    size_t n = otelc_span_batch_count(batch);
    SINK(n);
    return OTELC_EXPORT_SUCCESS;
}
static const otelc_exporter_ops discard_ops = {.name = "discard", .export_batch = discard_export};

/* An exporter whose export blocks until released: keeps every queued span alive (span_memory). */
typedef struct gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool open;
} gate;
static otelc_export_result gated_export(void *self, const otelc_span_data *const *spans, size_t n) {
    gate *g = self;
    (void)spans;
    (void)n;
    pthread_mutex_lock(&g->lock);
    while (!g->open) pthread_cond_wait(&g->cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
    return OTELC_EXPORT_SUCCESS;
}
static const otelc_exporter_ops gated_ops = {.name = "gated", .export_spans = gated_export};

typedef enum proc_kind { PROC_BATCH, PROC_SIMPLE } proc_kind;

static otelc_tracer_provider *make_provider(otelc_sampler *sampler, otelc_processor *proc) {
    otelc_tracer_provider_options o;
    otelc_tracer_provider_options_init(&o);
    o.sampler = sampler;
    otelc_processor *procs[1] = {proc};
    o.processors = procs;
    o.processor_count = proc ? 1 : 0;
    otelc_error err;
    memset(&err, 0, sizeof err);
    otelc_tracer_provider *p = otelc_tracer_provider_create(&o, &err);
    if (!p) {
        fprintf(stderr, "otelc-bench: provider create failed: %s\n", err.message);
        exit(1);
    }
    otelc_set_tracer_provider(p);
    return p;
}

static otelc_processor *make_processor(proc_kind k, const otelc_exporter_ops *ops, void *impl,
                                       const otelc_batch_options *bo) {
    otelc_exporter *e = otelc_exporter_create(ops, impl);
    if (!e) {
        fprintf(stderr, "otelc-bench: exporter create failed\n");
        exit(1);
    }
    if (k == PROC_SIMPLE) return otelc_simple_processor_create(e);
    otelc_error err;
    memset(&err, 0, sizeof err);
    otelc_processor *p = otelc_batch_processor_create(e, bo, &err);
    if (!p) {
        fprintf(stderr, "otelc-bench: batch processor create failed: %s\n", err.message);
        exit(1);
    }
    return p;
}

static otelc_tracer_provider *default_provider(otelc_sampler *sampler, proc_kind k) {
    otelc_batch_options bo;
    otelc_batch_options_init(&bo); /* the default options (OTEL_BSP_* if set) */
    return make_provider(sampler, make_processor(k, &discard_ops, NULL, &bo));
}

static void teardown(otelc_tracer_provider *p) {
    otelc_set_tracer_provider(NULL);
    otelc_tracer_provider_shutdown(p, 30000);
    otelc_tracer_provider_destroy(p);
}

/* Instrumentation gets its tracer from the global provider, as libraries do. */
static otelc_tracer *bench_tracer(void) { return otelc_get_tracer("otelc-bench", "0.1.0", NULL); }

/* ---- the span workload: start + 2 strings, an int, a double + end ------------------------------- */

static inline void one_span(otelc_tracer *t) {
    otelc_span *s = otelc_tracer_start_span(t, "GET /api/v1/orders", NULL);
    otelc_span_set_attr_str(s, "http.request.method", "GET");
    otelc_span_set_attr_str(s, "url.path", "/api/v1/orders");
    otelc_span_set_attr_int(s, "http.response.status_code", 200);
    otelc_span_set_attr_double(s, "server.duration_ratio", 0.25);
    otelc_span_end(s, 0);
}

static double spans_once(otelc_tracer *t, uint64_t iters) {
    uint64_t t0 = mono_ns();
    for (uint64_t i = 0; i < iters; i++) one_span(t);
    return (double)(mono_ns() - t0) / (double)iters;
}

/* Warm-up, then reps x per_rep spans; returns the median ns/span and the queue drops while timed, and
 * (when other_cpu_ns is given) the CPU time per span of the process's other threads meanwhile (-1 if
 * unknown): with the batch processor, its worker. */
static double time_spans(otelc_tracer *t, uint64_t per_rep, long long *dropped, double *other_cpu_ns) {
    double v[64];
    spans_once(t, per_rep / 4 ? per_rep / 4 : 1);
    uint64_t d0 = dropped_now();
    cpu_times c0 = cpu_now();
    for (int r = 0; r < g_cfg.reps; r++) v[r] = spans_once(t, per_rep);
    cpu_times c1 = cpu_now();
    if (dropped) *dropped = (long long)(dropped_now() - d0);
    if (other_cpu_ns) {
        *other_cpu_ns = -1;
        if (c0.process >= 0 && c0.thread >= 0) {
            double other = (c1.process - c0.process) - (c1.thread - c0.thread);
            *other_cpu_ns = (other > 0 ? other : 0) / ((double)per_rep * g_cfg.reps);
        }
    }
    return median(v, g_cfg.reps);
}

static void bench_span(const char *name, otelc_sampler *sampler, proc_kind k, uint64_t total) {
    if (!wanted(name)) {
        otelc_sampler_destroy(sampler);
        return;
    }
    otelc_tracer_provider *p = default_provider(sampler, k);
    long long dropped = 0;
    uint64_t per_rep = total / (uint64_t)g_cfg.reps;
    double other_cpu = -1;
    double ns = time_spans(bench_tracer(), per_rep ? per_rep : 1, &dropped, &other_cpu);
    teardown(p);
    emit(name, ns, UNIT_NS, dropped, NULL);
    /* What the batch worker costs besides the producer: on 2 CPUs it bounds the 2-thread figure. */
    if (k == PROC_BATCH && !strcmp(name, "span_sampled_attrs4_batch")) {
        if (other_cpu >= 0)
            emit("batch_worker_cpu", other_cpu, UNIT_NS, -1,
                 "CPU time per span of the threads other than the producer (the batch worker) during "
                 "span_sampled_attrs4_batch, from getrusage");
        else
            emit_unavailable("batch_worker_cpu", "no per-thread CPU time on this system");
    }
}

static void bench_api_noop(void) {
    if (!wanted("api_noop")) return;
    otelc_set_tracer_provider(NULL);
    uint64_t per_rep = scaled(5000000);
    double ns = time_spans(bench_tracer(), per_rep, NULL, NULL);
    emit("api_noop", ns, UNIT_NS, -1, NULL);
}

/* ---- two producer threads ----------------------------------------------------------------------- */

typedef struct producer {
    pthread_t th;
    otelc_tracer *tracer;
    pthread_barrier_t *start;
    const atomic_bool *stop;
    uint64_t spans;  /* out: spans ended */
    uint64_t end_ns; /* out: when it saw the stop */
    double cpu_ns;   /* out: its CPU time (-1 if unknown) */
} producer;

static void *producer_main(void *arg) {
    producer *pr = arg;
    pthread_barrier_wait(pr->start);
    double c0 = cpu_now().thread;
    uint64_t n = 0;
    while (!atomic_load_explicit(pr->stop, memory_order_relaxed)) {
        for (int i = 0; i < 64; i++) one_span(pr->tracer);
        n += 64;
    }
    pr->end_ns = mono_ns();
    double c1 = cpu_now().thread;
    pr->cpu_ns = c0 >= 0 && c1 >= 0 ? c1 - c0 : -1;
    pr->spans = n;
    return NULL;
}

/* Two producers run together for window_ns; returns the total spans/s over the time both ran, and
 * (when cpu_per_span is given) the producers' CPU time per span. Both run for the same time, so the
 * figure is the throughput of two busy threads: with a fixed count per thread, the thread that shares its
 * CPU with the batch worker finished a third later than the other, and the figure mixed in that tail
 * with one thread running and a CPU idle. */
static double two_threads_once(otelc_tracer *t, uint64_t window_ns, double *cpu_per_span) {
    producer pr[2];
    pthread_barrier_t start;
    atomic_bool stop = false;
    pthread_barrier_init(&start, NULL, 3);
    for (int i = 0; i < 2; i++) {
        pr[i] = (producer){.tracer = t, .start = &start, .stop = &stop};
        if (pthread_create(&pr[i].th, NULL, producer_main, &pr[i]) != 0) {
            fprintf(stderr, "otelc-bench: pthread_create failed\n");
            exit(1);
        }
    }
    pthread_barrier_wait(&start);
    uint64_t t0 = mono_ns();
    struct timespec w = {(time_t)(window_ns / 1000000000u), (long)(window_ns % 1000000000u)};
    while (nanosleep(&w, &w) != 0) {}
    atomic_store_explicit(&stop, true, memory_order_relaxed);
    uint64_t last = t0, spans = 0;
    double cpu = 0;
    for (int i = 0; i < 2; i++) {
        pthread_join(pr[i].th, NULL);
        if (pr[i].end_ns > last) last = pr[i].end_ns;
        spans += pr[i].spans;
        cpu = cpu >= 0 && pr[i].cpu_ns >= 0 ? cpu + pr[i].cpu_ns : -1;
    }
    pthread_barrier_destroy(&start);
    if (cpu_per_span) *cpu_per_span = cpu >= 0 && spans ? cpu / (double)spans : -1;
    return (double)spans * 1e9 / (double)(last - t0);
}

/* The window of one repetition: as long as per_rep spans take at 10M spans/s (40 ms by default). */
static uint64_t two_thread_window_ns(uint64_t per_rep) { return per_rep ? per_rep * 100u : 100u; }

/* Warm-up, then reps windows of 2 threads; the median total spans/s (and the median producer CPU/span). */
static double time_two_threads(otelc_tracer *t, uint64_t per_rep, long long *dropped, double *cpu_per_span) {
    double v[64], c[64];
    two_threads_once(t, two_thread_window_ns(per_rep / 4), NULL);
    uint64_t d0 = dropped_now();
    for (int r = 0; r < g_cfg.reps; r++) v[r] = two_threads_once(t, two_thread_window_ns(per_rep), &c[r]);
    if (dropped) *dropped = (long long)(dropped_now() - d0);
    if (cpu_per_span) *cpu_per_span = median(c, g_cfg.reps);
    return median(v, g_cfg.reps);
}

static void bench_two_threads(void) {
    const char *name = "span_sampled_attrs4_batch_2threads";
    if (!wanted(name)) return;
    otelc_tracer_provider *p = default_provider(otelc_sampler_always_on(), PROC_BATCH);
    uint64_t per_rep = g_cfg.spans / (uint64_t)g_cfg.reps;
    long long dropped = 0;
    double cpu = -1;
    double v = time_two_threads(bench_tracer(), per_rep, &dropped, &cpu);
    teardown(p);
    static char note[160];
    snprintf(note, sizeof note, "2 threads for %.0f ms per repetition; producers' CPU time %.1f ns/span",
             (double)two_thread_window_ns(per_rep) / 1e6, cpu);
    emit(name, v, UNIT_SPANS_PER_S, dropped, note);
}

/* The machine's own 2-thread scaling: the same spans with a processor that keeps nothing (no queue, no
 * worker; each span is freed on the thread that ends it), on 1 thread and on 2. Their ratio is the most
 * any processor could reach here; on a VM whose two vCPUs are not equally fast it is well below 2. */
static void keep_nothing(void *self, otelc_span *span, const otelc_span_data *data) {
    (void)self;
    (void)span;
    (void)data;
}
static const otelc_processor_ops keep_nothing_ops = {.on_end = keep_nothing};

/* A thread that naps nap_ns at a time until stopped (timer slack 5 us, as the batch worker's). */
typedef struct napper {
    pthread_t th;
    uint64_t nap_ns;
    atomic_bool stop;
    uint64_t wakes;
} napper;

static void *napper_main(void *arg) {
    napper *n = arg;
#ifdef __linux__
    (void)prctl(PR_SET_TIMERSLACK, 5000UL, 0UL, 0UL, 0UL);
#endif
    while (!atomic_load_explicit(&n->stop, memory_order_relaxed)) {
        struct timespec w = {(time_t)(n->nap_ns / 1000000000u), (long)(n->nap_ns % 1000000000u)};
        nanosleep(&w, NULL);
        n->wakes++;
    }
    return NULL;
}

static void bench_noproc(void) {
    const char *one = "span_sampled_attrs4_noproc", *two = "span_sampled_attrs4_noproc_2threads",
               *three = "span_sampled_attrs4_noproc_2threads_napper";
    if (!wanted(one) && !wanted(two) && !wanted(three)) return;
    otelc_processor *proc = otelc_processor_create(&keep_nothing_ops, NULL);
    if (!proc) {
        emit_unavailable(one, "processor create failed");
        return;
    }
    otelc_tracer_provider *p = make_provider(otelc_sampler_always_on(), proc);
    uint64_t per_rep = g_cfg.spans / (uint64_t)g_cfg.reps;
    double ns = time_spans(bench_tracer(), per_rep ? per_rep : 1, NULL, NULL);
    emit(one, ns, UNIT_NS, -1, "the span workload with a processor that keeps nothing: reference for the next line");
    double cpu = -1;
    double v = time_two_threads(bench_tracer(), per_rep, NULL, &cpu);
    static char note[160];
    snprintf(note, sizeof note, "the same on 2 threads: this machine's ceiling for 2-thread scaling; "
             "producers' CPU time %.1f ns/span", cpu);
    emit(two, v, UNIT_SPANS_PER_S, -1, note);
    /* The same again beside a third thread that only wakes up, as often as the batch worker naps at this
     * rate (one default batch's time): on 2 CPUs it preempts a producer at every wake. This bounds what
     * the batch processor can reach here, whatever its per-span costs. */
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    uint64_t nap_ns = v > 0 ? (uint64_t)((double)bo.max_export_batch_size * 1e9 / v) : 50000;
    if (nap_ns < 10000) nap_ns = 10000; /* the batch worker's shortest nap */
    napper nap = {.nap_ns = nap_ns};
    if (pthread_create(&nap.th, NULL, napper_main, &nap) == 0) {
        double vn = time_two_threads(bench_tracer(), per_rep, NULL, &cpu);
        atomic_store(&nap.stop, true);
        pthread_join(nap.th, NULL);
        static char note2[200];
        snprintf(note2, sizeof note2, "%s beside a thread that does nothing but nap %.0f us at a time (%llu wakes): "
                 "what is left for 2 producers when a thread wakes as often as the batch worker does", two, (double)nap_ns / 1e3,
                 (unsigned long long)nap.wakes);
        emit(three, vn, UNIT_SPANS_PER_S, -1, note2);
    }
    teardown(p);
}

/* ---- how late this machine runs a napping thread ------------------------------------------------ */

/* The batch worker naps on the CPU the producer leaves free and must run again before the queue fills.
 * This measures, without otelc, how late such a thread wakes here: the main thread naps 50 us at a time
 * (timer slack 5 us, as the worker's) beside one busy thread, for wake_probe_ns. A delay longer than the
 * queue's slack (the time the spans beyond one batch take to fill the default queue at
 * span_sampled_attrs4_batch's rate, plus the full-queue yield budget) makes any export thread of that
 * queue late enough for spans to be dropped. */
static void *busy_main(void *arg) {
    const atomic_bool *stop = arg;
    uint64_t n = 0;
    while (!atomic_load_explicit(stop, memory_order_relaxed)) n++;
    SINK(n);
    return NULL;
}

static long long g_wake_over = -1; /* wakes later than the slack (for the summary) */
static double g_wake_slack_ns;

static void bench_wake_delay(void) {
    const char *name = "wake_delay_max";
    const result *one = find_result("span_sampled_attrs4_batch");
    if (!wanted(name)) return;
    if (!one) {
        emit_unavailable(name, "needs span_sampled_attrs4_batch's rate: run without --only");
        return;
    }
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    double slack_ns = (double)(bo.max_queue_size - bo.max_export_batch_size) * one->value +
                      (double)bo.full_queue_yield_us * 1e3;
    uint64_t probe_ns = scaled(1000000000u), nap_ns = 50000;
#ifdef __linux__
    int old_slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    (void)prctl(PR_SET_TIMERSLACK, 5000UL, 0UL, 0UL, 0UL);
#endif
    atomic_bool stop = false;
    pthread_t th;
    if (pthread_create(&th, NULL, busy_main, &stop) != 0) {
        emit_unavailable(name, "pthread_create failed");
        return;
    }
    uint64_t worst = 0, over = 0, naps = 0, end = mono_ns() + probe_ns;
    for (uint64_t t0 = mono_ns(); t0 < end; naps++) {
        struct timespec w = {0, (long)nap_ns};
        nanosleep(&w, NULL);
        uint64_t t1 = mono_ns();
        uint64_t late = t1 - t0 > nap_ns ? t1 - t0 - nap_ns : 0;
        if (late > worst) worst = late;
        if ((double)late > slack_ns) over++;
        t0 = t1;
    }
    atomic_store(&stop, true);
    pthread_join(th, NULL);
#ifdef __linux__
    if (old_slack > 0) (void)prctl(PR_SET_TIMERSLACK, (unsigned long)old_slack, 0UL, 0UL, 0UL);
#endif
    static char note[320];
    snprintf(note, sizeof note,
             "a thread napping 50 us beside a busy one, for %.1f s (%llu naps): its latest wake; %llu wakes were "
             "later than the default queue's slack of %.0f us at span_sampled_attrs4_batch's rate, each one "
             "enough to drop spans with any export thread",
             (double)probe_ns / 1e9, (unsigned long long)naps, (unsigned long long)over, slack_ns / 1e3);
    g_wake_over = (long long)over;
    g_wake_slack_ns = slack_ns;
    emit(name, (double)worst, UNIT_NS_MACHINE, -1, note);
}

/* ---- scope switches ----------------------------------------------------------------------------- */

#ifdef OTELC_BENCH_HAVE_THREAD_CTX
/* The real module: contrib/thread_ctx's listener (OTEP 4947 record behind otel_thread_ctx_v1). */
#include "otelc/contrib/thread_ctx.h"
static otelc_status thread_ctx_on(void) { return otelc_thread_ctx_install(); }
static void thread_ctx_off(void) { otelc_thread_ctx_uninstall(); }
#define THREAD_CTX_NOTE "contrib/thread_ctx (otelc_thread_ctx_install)"
#else
/* Fallback when contrib/thread_ctx is not built (non-Linux, OTELC_BUILD_CONTRIB=OFF): a stand-in
 * listener writing a thread-local record the same way (invalidate, compiler fence, copy trace id/span
 * id/flags, fence, validate). */
typedef struct bench_thread_record {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    volatile uint8_t valid;
    uint8_t trace_flags;
} bench_thread_record;

static _Thread_local bench_thread_record t_record;

static void mirror_listener(otelc_span *span, void *user_data) {
    (void)user_data;
    bench_thread_record *r = &t_record;
    r->valid = 0;
    atomic_signal_fence(memory_order_seq_cst);
    if (!span) return;
    otelc_span_context sc = otelc_span_get_context(span);
    memcpy(r->trace_id, sc.trace_id, 16);
    memcpy(r->span_id, sc.span_id, 8);
    r->trace_flags = sc.trace_flags;
    atomic_signal_fence(memory_order_seq_cst);
    r->valid = 1;
}
static otelc_status thread_ctx_on(void) { return otelc_context_listener_add(mirror_listener, NULL); }
static void thread_ctx_off(void) { otelc_context_listener_remove(mirror_listener, NULL); }
#define THREAD_CTX_NOTE "bench stand-in listener (contrib/thread_ctx not built)"
#endif

static double scope_once(otelc_span *s, uint64_t iters) {
    uint64_t t0 = mono_ns();
    for (uint64_t i = 0; i < iters; i++) {
        otelc_scope sc = otelc_scope_enter(s);
        otelc_scope_exit(sc);
    }
    return (double)(mono_ns() - t0) / (double)iters;
}

static void bench_scopes(void) {
    bool a = wanted("scope_switch"), b = wanted("scope_switch_thread_ctx");
    if (!a && !b) return;
    otelc_tracer_provider *p = default_provider(otelc_sampler_always_on(), PROC_BATCH);
    otelc_span *span = otelc_tracer_start_span(bench_tracer(), "scope-target", NULL);
    uint64_t n = scaled(2000000);
    double v[64];
    if (a) {
        scope_once(span, n / 4);
        for (int r = 0; r < g_cfg.reps; r++) v[r] = scope_once(span, n);
        emit("scope_switch", median(v, g_cfg.reps), UNIT_NS, -1, NULL);
    }
    if (b) {
        if (thread_ctx_on() != OTELC_OK) {
            emit_unavailable("scope_switch_thread_ctx", "installing the thread-context listener failed");
        } else {
            scope_once(span, n / 4);
            for (int r = 0; r < g_cfg.reps; r++) v[r] = scope_once(span, n);
            thread_ctx_off();
            emit("scope_switch_thread_ctx", median(v, g_cfg.reps), UNIT_NS, -1, THREAD_CTX_NOTE);
        }
    }
    otelc_span_end(span, 0);
    teardown(p);
}

/* ---- OTLP encoding ------------------------------------------------------------------------------ */

#ifdef OTELC_BENCH_HAVE_OTLP
/* A processor that keeps every ended span (with a reference), so the encoder sees real SDK spans. */
typedef struct capture {
    otelc_span **spans;
    const otelc_span_data **views;
    size_t n, cap;
} capture;

/* Compressed size of buf with the OTLP exporter's gzip settings; -1 on failure. */
static long gzip_size(const uint8_t *buf, size_t len) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    size_t cap = deflateBound(&z, (uLong)len);
    uint8_t *out = malloc(cap);
    long r = -1;
    if (out) {
        z.next_in = (Bytef *)(uintptr_t)buf;
        z.avail_in = (uInt)len;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END) r = (long)z.total_out;
        free(out);
    }
    deflateEnd(&z);
    return r;
}

static void capture_on_end(void *self, otelc_span *span, const otelc_span_data *data) {
    capture *c = self;
    (void)data; /* borrowed for this call only: keep a view of our own */
    if (c->n < c->cap) {
        c->spans[c->n] = otelc_span_retain(span);
        c->views[c->n++] = otelc_span_data_view(span);
    }
}
static const otelc_processor_ops capture_ops = {NULL, capture_on_end, NULL, NULL, NULL};

static void bench_otlp_encode(void) {
    enum { BATCH = 512 };
    if (!wanted("otlp_encode")) return;
    static otelc_span *spans[BATCH];
    static const otelc_span_data *views[BATCH];
    capture c = {spans, views, 0, BATCH};
    otelc_tracer_provider *p = make_provider(otelc_sampler_always_on(), otelc_processor_create(&capture_ops, &c));
    otelc_tracer *t = bench_tracer();
    /* Typical spans: children of one request span, the same four attributes as the span scenarios. */
    otelc_span *root = otelc_tracer_start_span(t, "request", NULL);
    otelc_scope sc = otelc_scope_enter(root);
    for (int i = 0; i < BATCH - 1; i++) one_span(t);
    otelc_scope_exit(sc);
    otelc_span_end(root, 0);

    int size = otelc_otlp_encoded_size((const otelc_span_data *const *)views, c.n);
    if (size <= 0) {
        emit_unavailable("otlp_encode", "otelc_otlp_encoded_size failed");
    } else {
        uint8_t *buf = malloc((size_t)size + 4096);
        uint64_t iters = scaled(400);
        double v[64];
        int len = 0;
        for (int r = -1; r < g_cfg.reps; r++) { /* r == -1: warm-up */
            uint64_t t0 = mono_ns();
            for (uint64_t i = 0; i < iters; i++) {
                len = otelc_otlp_encode_traces((const otelc_span_data *const *)views, c.n, buf, (size_t)size + 4096);
                SINK(buf);
            }
            if (r >= 0) v[r] = (double)(c.n * iters) * 1e9 / (double)(mono_ns() - t0);
        }
        if (len <= 0) {
            emit_unavailable("otlp_encode", "otelc_otlp_encode_traces failed");
        } else {
            emit("otlp_encode", median(v, g_cfg.reps), UNIT_SPANS_PER_S, -1, NULL);
            emit("otlp_encode_bytes", (double)len / (double)c.n, UNIT_B_PER_SPAN, -1,
                 "bytes per span of the 512-span request, resource and scope included");
            /* What goes on the wire with OTEL_EXPORTER_OTLP_COMPRESSION=gzip (the exporter's settings). */
            long gz = gzip_size(buf, (size_t)len);
            if (gz > 0)
                emit("otlp_encode_bytes_gzip", (double)gz / (double)c.n, UNIT_B_PER_SPAN, -1,
                     "the same request gzip-compressed as the exporter does (level 6)");
        }
        free(buf);
    }
    for (size_t i = 0; i < c.n; i++) {
        otelc_span_data_free((otelc_span_data *)views[i]);
        otelc_span_release(spans[i]);
    }
    teardown(p);
}
#else
static void bench_otlp_encode(void) {
    if (!wanted("otlp_encode")) return;
    emit_unavailable("otlp_encode", "otelc_otlp_http was not built (OTELC_ENABLE_OTLP off or the exporter is missing)");
}
#endif

/* ---- memory held per queued span ---------------------------------------------------------------- */

static size_t heap_in_use(void) {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static void bench_span_memory(void) {
    if (!wanted("span_memory")) return;
    enum { N = 100000 };
    gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    bo.max_queue_size = 1u << 17; /* > N: nothing is dropped */
    bo.max_export_batch_size = 512;
    bo.schedule_delay_ms = 60000;
    size_t h0 = heap_in_use();
    otelc_tracer_provider *p = make_provider(otelc_sampler_always_on(), make_processor(PROC_BATCH, &gated_ops, &g, &bo));
    otelc_tracer *t = bench_tracer();
    one_span(t); /* first-use allocations (tracer cache, thread state) stay out of the delta */
    size_t h1 = heap_in_use();
    uint64_t d0 = dropped_now();
    for (int i = 0; i < N; i++) one_span(t);
    size_t h2 = heap_in_use();
    long long dropped = (long long)(dropped_now() - d0);
    pthread_mutex_lock(&g.lock);
    g.open = true;
    pthread_cond_broadcast(&g.cond);
    pthread_mutex_unlock(&g.lock);
    teardown(p);
    double per_span = (double)(h2 > h1 ? h2 - h1 : 0) / (double)N;
    static char note[160];
    snprintf(note, sizeof note, "mallinfo2 delta over %d queued spans; fixed queue cost %.1f B/slot not included",
             N, (double)(h1 > h0 ? h1 - h0 : 0) / (double)bo.max_queue_size);
    emit("span_memory", per_span, UNIT_B_PER_SPAN, dropped, note);
}

/* ---- summary ------------------------------------------------------------------------------------ */

static void summary_line(const char *name, const char *goal, bool met, bool known, const char *figure) {
    fprintf(stderr, "  %-36s %-28s goal: %-44s %s\n", name, figure, goal,
            !known ? "[n/a]" : met ? "[met]" : "[NOT met]");
}

static void print_summary(void) {
    char fig[96];
    fprintf(stderr, "\notelc-bench summary (floor = %.1f ns: 2 CLOCK_REALTIME reads + 24 PRNG bytes)\n", g_floor_ns);
    const result *r;
    const double fl = g_floor_ns;
#define FIG_NS(r) snprintf(fig, sizeof fig, "%.1f ns (%.2fx floor)", (r)->value, (r)->ratio)
    if ((r = find_result("span_sampled_attrs4_batch"))) {
        FIG_NS(r);
        summary_line(r->name, "<= 2.0x floor, 0 dropped/2M", r->ratio <= 2.0 && r->dropped == 0, true, fig);
        fprintf(stderr, "  %-36s dropped %lld\n", "", r->dropped);
        const result *w = find_result("wake_delay_max");
        if (w)
            fprintf(stderr, "  %-36s this machine woke a napping thread up to %.0f us late; %lld wakes in %.1f s were later\n"
                            "  %-36s than the %.0f us the default queue gives its export thread at this rate\n",
                    "", w->value / 1e3, g_wake_over, (double)scaled(1000000000u) / 1e9, "", g_wake_slack_ns / 1e3);
    }
    if ((r = find_result("span_sampled_attrs4_simple"))) {
        FIG_NS(r);
        summary_line(r->name, "<= 2.5x floor", r->ratio <= 2.5, true, fig);
    }
    if ((r = find_result("span_unsampled"))) {
        FIG_NS(r);
        summary_line(r->name, "<= 0.5x floor (DESIGN: < 25 ns)", r->ratio <= 0.5, true, fig);
    }
    if ((r = find_result("api_noop"))) {
        FIG_NS(r);
        summary_line(r->name, "< 2 ns", r->value < 2.0, true, fig);
    }
    if ((r = find_result("span_sampled_attrs4_batch_2threads"))) {
        const result *one = find_result("span_sampled_attrs4_batch");
        double single = one && one->value > 0 ? 1e9 / one->value : 0;
        snprintf(fig, sizeof fig, "%.3g spans/s (%.2fx 1-thread)", r->value, single > 0 ? r->value / single : 0);
        summary_line(r->name, ">= 1.8x single-thread, 0 dropped",
                     single > 0 && r->value >= 1.8 * single && r->dropped == 0, single > 0, fig);
        fprintf(stderr, "  %-36s dropped %lld\n", "", r->dropped);
        const result *n1 = find_result("span_sampled_attrs4_noproc"), *n2 = find_result("span_sampled_attrs4_noproc_2threads");
        if (n1 && n2 && n1->value > 0)
            fprintf(stderr, "  %-36s this machine's ceiling: %.2fx (the spans with no processor at all, 2 threads vs 1)\n",
                    "", n2->value / (1e9 / n1->value));
        const result *n3 = find_result("span_sampled_attrs4_noproc_2threads_napper");
        if (n1 && n3 && n1->value > 0)
            fprintf(stderr, "  %-36s %.2fx with a third thread that only wakes, as often as the batch worker does\n", "",
                    n3->value / (1e9 / n1->value));
        const result *w = find_result("batch_worker_cpu");
        if (w && one && one->value > 0)
            fprintf(stderr, "  %-36s batch worker CPU %.1f ns/span (%.0f%% of the producer's %.1f ns)\n", "", w->value,
                    100.0 * w->value / one->value, one->value);
    }
    const result *s0 = find_result("scope_switch"), *s1 = find_result("scope_switch_thread_ctx");
    if (s0) {
        FIG_NS(s0);
        summary_line(s0->name, "(reference for the next line)", true, false, fig);
    }
    if (s0 && s1) {
        snprintf(fig, sizeof fig, "%.1f ns (+%.1f ns)", s1->value, s1->value - s0->value);
        summary_line(s1->name, "thread_ctx - plain < 5 ns", s1->value - s0->value < 5.0, true, fig);
        fprintf(stderr, "  %-36s (%s)\n", "", THREAD_CTX_NOTE);
    }
    if ((r = find_result("otlp_encode"))) {
        const result *b = find_result("otlp_encode_bytes");
        snprintf(fig, sizeof fig, "%.3g spans/s, %.0f B/span", r->value, b ? b->value : 0);
        summary_line(r->name, ">= 8M spans/s, <= 180 B/span", r->value >= 8e6 && b && b->value <= 180, true, fig);
        const result *g = find_result("otlp_encode_bytes_gzip");
        if (g) fprintf(stderr, "  %-36s %.0f B/span with gzip (the protobuf bytes are the content's: keys, values, ids)\n", "", g->value);
    } else {
        summary_line("otlp_encode", ">= 8M spans/s, <= 180 B/span", false, false, "unavailable");
    }
    if ((r = find_result("span_memory"))) {
        snprintf(fig, sizeof fig, "%.0f B/span", r->value);
        summary_line(r->name, "<= 256 B", r->value <= 256, true, fig);
    }
    (void)fl;
    fprintf(stderr, "  figures are medians of %d repetitions after a warm-up; nothing here asserts on time\n",
            g_cfg.reps);
}

/* ---- main --------------------------------------------------------------------------------------- */

static void usage(void) {
    fprintf(stderr,
            "usage: otelc-bench [--spans N] [--reps N] [--scale F] [--only NAME] [--no-summary]\n"
            "  --spans N     spans timed in the batch scenarios (default 2000000, split over the repetitions)\n"
            "  --reps N      timed repetitions per scenario, median reported (default 5, max 63)\n"
            "  --scale F     multiply the iteration counts of the cheap scenarios (default 1.0)\n"
            "  --only NAME   run the floor and this one scenario\n"
            "  --no-summary  JSON lines only (the summary goes to stderr otherwise)\n");
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--spans") && v) { g_cfg.spans = strtoull(v, NULL, 10); i++; }
        else if (!strcmp(a, "--reps") && v) { g_cfg.reps = atoi(v); i++; }
        else if (!strcmp(a, "--scale") && v) { g_cfg.scale = atof(v); i++; }
        else if (!strcmp(a, "--only") && v) { g_cfg.only = v; i++; }
        else if (!strcmp(a, "--no-summary")) g_cfg.summary = false;
        else if (!strcmp(a, "--summary")) g_cfg.summary = true;
        else { usage(); return !strcmp(a, "--help") || !strcmp(a, "-h") ? 0 : 2; }
    }
    if (g_cfg.reps < 1) g_cfg.reps = 1;
    if (g_cfg.reps > 63) g_cfg.reps = 63;
    if (g_cfg.scale <= 0) g_cfg.scale = 1.0;
    if (g_cfg.spans < (uint64_t)g_cfg.reps) g_cfg.spans = (uint64_t)g_cfg.reps;

    bench_floor();
    bench_span("span_sampled_attrs4_batch", otelc_sampler_always_on(), PROC_BATCH, g_cfg.spans);
    bench_span("span_sampled_attrs4_simple", otelc_sampler_always_on(), PROC_SIMPLE, scaled(1000000));
    bench_span("span_unsampled", otelc_sampler_always_off(), PROC_BATCH, scaled(5000000));
    bench_wake_delay();
    bench_api_noop();
    bench_two_threads();
    bench_noproc();
    bench_scopes();
    bench_otlp_encode();
    bench_span_memory();
    if (g_cfg.summary) print_summary();
    return 0;
}
