/* Out-of-memory: a failing allocator (otelc_set_allocator) wraps malloc/realloc/free and only decides
 * whether an allocation fails, so memory is always freed by the allocator that made it even when the
 * hook were swapped. For N = 1..K (K = allocations of one clean run, plus margin) a realistic workflow
 * runs with allocation N failing (mode "nth") and with every allocation from N on failing (mode
 * "from"). Everything must either work or degrade: no crash, start_span never NULL, exported spans are
 * well formed, and under ASan no leak (LeakSanitizer at exit) — plus, in every build, the allocator's
 * own balance: each run frees exactly what it allocated through the hook. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <setjmp.h>
#ifdef OOM_BACKTRACE
#include <execinfo.h>
#endif
#include <cmocka.h>

#include "otelc/baggage.h"
#include "otelc/context.h"
#include "otelc/exporters/memory.h"
#include "otelc/log.h"
#include "otelc/propagation.h"
#include "otelc/sdk/processor.h"
#include "otelc/sdk/propagators.h"
#include "carrier.h"
#include "otelc/sdk/provider.h"
#include "otelc/sdk/sampler.h"
#include "otelc/trace.h"
#include "otelc/trace_state.h"

/* ---- the failing allocator -------------------------------------------------------------------------- */

enum { MODE_NEVER = 0, MODE_NTH = 1, MODE_FROM = 2 };
static atomic_long g_calls;    /* allocation attempts (malloc and realloc) since arm() */
static atomic_long g_fail_at;  /* 1-based attempt that fails (MODE_NTH) or from which all fail */
static atomic_int g_mode;
static atomic_long g_failed;   /* attempts refused */
static atomic_long g_live;     /* successful mallocs minus frees, through the hook */

#ifdef OOM_BACKTRACE
/* Debug build only (-DOOM_BACKTRACE -rdynamic): remembers where each live hooked allocation came from. */
typedef struct track { void *p; void *bt[16]; int n; } track;
static track g_track[8192];
static pthread_mutex_t g_track_lock = PTHREAD_MUTEX_INITIALIZER;
static void track_add(void *p) {
    pthread_mutex_lock(&g_track_lock);
    for (int i = 0; i < 8192; i++)
        if (!g_track[i].p) { g_track[i].p = p; g_track[i].n = backtrace(g_track[i].bt, 16); break; }
    pthread_mutex_unlock(&g_track_lock);
}
static void track_del(void *p) {
    pthread_mutex_lock(&g_track_lock);
    for (int i = 0; i < 8192; i++)
        if (g_track[i].p == p) { g_track[i].p = NULL; break; }
    pthread_mutex_unlock(&g_track_lock);
}
static void track_dump(void) {
    int n = 0;
    for (int i = 0; i < 8192; i++) n += g_track[i].p != NULL;
    fprintf(stderr, "tracked live: %d\n", n);
    for (int i = 0; i < 8192; i++)
        if (g_track[i].p) { fprintf(stderr, "--- live %p\n", g_track[i].p); backtrace_symbols_fd(g_track[i].bt, g_track[i].n, 2); }
}
#endif

static bool should_fail(void) {
    long k = atomic_fetch_add(&g_calls, 1) + 1;
    int mode = atomic_load(&g_mode);
    long at = atomic_load(&g_fail_at);
    bool fail = (mode == MODE_NTH && k == at) || (mode == MODE_FROM && k >= at);
    if (fail) atomic_fetch_add(&g_failed, 1);
#ifdef OOM_BACKTRACE
    if (fail && atomic_load(&g_failed) == 1) {
        void *bt[32];
        backtrace_symbols_fd(bt, backtrace(bt, 32), 2);
    }
#endif
    return fail;
}
static void *t_malloc(size_t n, void *ud) {
    (void)ud;
    if (should_fail()) return NULL;
    void *p = malloc(n ? n : 1);
    if (p) atomic_fetch_add(&g_live, 1);
#ifdef OOM_BACKTRACE
    if (p) track_add(p);
#endif
    return p;
}
static void *t_realloc(void *p, size_t n, void *ud) {
    (void)ud;
    if (should_fail()) return NULL;
#ifdef OOM_BACKTRACE
    if (p) track_del(p);
#endif
    void *q = realloc(p, n ? n : 1);
    if (q && !p) atomic_fetch_add(&g_live, 1);
#ifdef OOM_BACKTRACE
    if (q) track_add(q);
#endif
    return q;
}
static void t_free(void *p, void *ud) {
    (void)ud;
    if (!p) return;
    atomic_fetch_sub(&g_live, 1);
#ifdef OOM_BACKTRACE
    track_del(p);
#endif
    free(p);
}

static const otelc_allocator k_alloc = {t_malloc, t_realloc, t_free, NULL};

static void disarm(void) { atomic_store(&g_mode, MODE_NEVER); }

static void arm(int mode, long at) {
    atomic_store(&g_mode, MODE_NEVER);
    atomic_store(&g_calls, 0);
    atomic_store(&g_failed, 0);
    atomic_store(&g_fail_at, at);
    atomic_store(&g_mode, mode);
}

/* ---- the workflow ------------------------------------------------------------------------------------ */

static const char *const k_names[] = {"root", "root-renamed", "child", "grandchild", "from-remote",
                                      "global-span", "ctx-thread"};

static bool known_name(const char *n) {
    for (size_t i = 0; i < sizeof k_names / sizeof *k_names; i++)
        if (!strcmp(n, k_names[i])) return true;
    return false;
}

typedef struct run_result {
    bool provider_created;
    size_t exported;
} run_result;

static otelc_span *must_start(otelc_tracer *t, const char *name, const otelc_span_start_options *o) {
    otelc_span *s = otelc_tracer_start_span(t, name, o);
    assert_non_null(s);
    return s;
}

static void *ctx_thread(void *arg) {
    const otelc_context *ctx = arg;
    otelc_scope sc = otelc_context_attach(ctx);
    otelc_span *s = must_start(otelc_get_tracer("oom-global", "1.0", NULL), "ctx-thread", NULL);
    otelc_span_set_attr_str(s, "thread", "second");
    otelc_span_end(s, 0);
    otelc_scope_exit(sc);
    return NULL;
}

/* With tp NULL this is a global proxy tracer: created once, kept for the process lifetime. */
static otelc_tracer *scoped_tracer(otelc_tracer_provider *tp) {
    otelc_scope_options so = {sizeof so, "oom-test", "1.0", "https://example.com/schema", NULL, 0};
    otelc_attr scope_attr = otelc_attr_bool("scoped", true);
    so.attributes = &scope_attr;
    so.attribute_count = 1;
    return otelc_tracer_provider_get_tracer(tp, &so);
}

static void workflow(bool batch, run_result *res) {
    memset(res, 0, sizeof *res);
    otelc_memory_store *store = otelc_memory_store_create(64);
    otelc_exporter *exp = store ? otelc_memory_exporter_create(store) : NULL;
    otelc_processor *proc = NULL;
    if (exp) {
        if (batch) {
            otelc_batch_options bo;
            otelc_batch_options_init(&bo);
            bo.schedule_delay_ms = 3600000; /* exported by flush/shutdown only */
            bo.max_queue_size = 16;
            bo.max_export_batch_size = 4;
            otelc_error berr = {OTELC_OK, ""};
            proc = otelc_batch_processor_create(exp, &bo, &berr);
            if (!proc) assert_int_not_equal(berr.code, OTELC_OK);
        } else {
            proc = otelc_simple_processor_create(exp);
        }
    }
    otelc_tracer_provider_options po;
    otelc_tracer_provider_options_init(&po);
    po.sampler = otelc_sampler_parent_based(otelc_sampler_always_on(), NULL, NULL, NULL, NULL);
    po.processors = proc ? &proc : NULL;
    po.processor_count = proc ? 1 : 0;
    otelc_attr rattr = otelc_attr_str("service.name", "oom-svc");
    po.resource = otelc_resource_create(&rattr, 1, NULL);
    otelc_error err = {OTELC_OK, ""};
    otelc_tracer_provider *tp = otelc_tracer_provider_create(&po, &err);
    if (!tp) {
        assert_int_not_equal(err.code, OTELC_OK);
    }
    res->provider_created = tp != NULL;
    otelc_set_tracer_provider(tp); /* NULL keeps the no-op provider: the API must still work */

    otelc_tracer *tracer = scoped_tracer(tp);
    assert_non_null(tracer);
    otelc_tracer *global = otelc_get_tracer("oom-global", "1.0", NULL);
    assert_non_null(global);

    /* Trace state and a link to a remote span. */
    otelc_trace_state *ts = otelc_trace_state_parse("vendor=abc, other=1,k3=v3", 25);
    otelc_trace_state *ts2 = otelc_trace_state_set(ts, "mine", "xyz");
    char tsbuf[256];
    int tslen = otelc_trace_state_to_header(ts2, tsbuf, sizeof tsbuf);
    assert_true(tslen >= 0);
    if (ts2) assert_non_null(strstr(tsbuf, "mine=xyz"));
    otelc_trace_state *ts3 = otelc_trace_state_remove(ts2, "other");

    otelc_span_context remote;
    memset(&remote, 0, sizeof remote);
    for (int i = 0; i < 16; i++) remote.trace_id[i] = (uint8_t)(i + 1);
    for (int i = 0; i < 8; i++) remote.span_id[i] = (uint8_t)(i + 0x40);
    remote.trace_flags = 1;
    remote.is_remote = true;
    remote.trace_state = ts3;

    otelc_attr link_attrs[] = {otelc_attr_str("link.kind", "follows")};
    otelc_link_options link = {remote, link_attrs, 1};
    int64_t ints[] = {1, 2, 3};
    const char *strs[] = {"a", "bb", "ccc"};
    otelc_attr start_attrs[] = {
        otelc_attr_str("http.method", "GET"),
        otelc_attr_int("http.status_code", 200),
        otelc_attr_double("ratio", 0.5),
        otelc_attr_make("ints", otelc_value_int_array(ints, 3)),
        otelc_attr_make("strs", otelc_value_str_array(strs, 3)),
    };
    otelc_span_start_options so1;
    otelc_span_start_options_init(&so1);
    so1.kind = OTELC_SPAN_KIND_SERVER;
    so1.root = true;
    so1.attributes = start_attrs;
    so1.attribute_count = sizeof start_attrs / sizeof *start_attrs;
    so1.links = &link;
    so1.link_count = 1;
    otelc_span *root = must_start(tracer, "root", &so1);
    otelc_span_set_attr_str(root, "user", "alice");
    otelc_span_set_attr_bool(root, "cached", false);
    otelc_span_set_attr_str(root, "user", "bob"); /* replace */
    otelc_attr ev_attrs[] = {otelc_attr_int("bytes", 1024), otelc_attr_str("phase", "read")};
    otelc_span_add_event(root, "read", ev_attrs, 2, 0);
    otelc_span_record_exception(root, "IOError", "disk gone", "frame1\nframe2", NULL, 0);
    otelc_span_add_link(root, &link);
    otelc_span_update_name(root, "root-renamed");

    otelc_scope s1 = otelc_scope_enter(root);
    otelc_span *child = must_start(global, "child", NULL); /* parent: the active span */
    /* Enough attributes for the span's key index (built past 32, grown past 32 entries), replacements
     * included, so its allocations fail too. */
    static const char *const many[] = {"m00", "m01", "m02", "m03", "m04", "m05", "m06", "m07", "m08", "m09",
                                       "m10", "m11", "m12", "m13", "m14", "m15", "m16", "m17", "m18", "m19",
                                       "m20", "m21", "m22", "m23", "m24", "m25", "m26", "m27", "m28", "m29",
                                       "m30", "m31", "m32", "m33", "m34", "m35", "m36", "m37", "m38", "m39"};
    for (size_t i = 0; i < sizeof many / sizeof *many; i++) otelc_span_set_attr_int(child, many[i], (int64_t)i);
    for (size_t i = 0; i < sizeof many / sizeof *many; i += 4) otelc_span_set_attr_str(child, many[i], "replaced");
    otelc_scope s2 = otelc_scope_enter(child);
    otelc_span *grand = must_start(tracer, "grandchild", NULL);
    otelc_span_set_status(grand, OTELC_STATUS_ERROR, "failed");
    otelc_span_end(grand, 0);

    /* Baggage on the scope stack, snapshot, propagate and extract. */
    otelc_baggage *b1 = otelc_baggage_set(NULL, "tenant", "t-1", NULL);
    otelc_baggage *b2 = otelc_baggage_set(b1, "region", "eu", "prop=1");
    if (b1 && b2) assert_string_equal(otelc_baggage_get(b2, "tenant"), "t-1");
    otelc_scope s3 = otelc_scope_enter_baggage(b2);
    otelc_context *snapshot = otelc_context_current();

    otelc_propagator *prop = otelc_propagator_from_names("tracecontext,baggage,b3multi,datadog", NULL);
    carrier h; /* allocates with libc, not through the failing hook */
    carrier_init(&h);
    otelc_carrier_setter set = carrier_setter(&h);
    otelc_propagator_inject(prop, snapshot, &set); /* prop or snapshot NULL: no-op */
    otelc_carrier_getter get = carrier_getter(&h);
    otelc_context *extracted = otelc_propagator_extract(prop, NULL, &get);
    otelc_span_start_options so2;
    otelc_span_start_options_init(&so2);
    so2.parent = extracted;
    so2.kind = OTELC_SPAN_KIND_CONSUMER;
    otelc_span *from_remote = must_start(tracer, "from-remote", &so2);
    otelc_span_end(from_remote, 0);

    /* Hand the context to another thread. */
    if (snapshot) {
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, ctx_thread, snapshot), 0);
        pthread_join(th, NULL);
    }
    otelc_context *with_remote = otelc_context_with_remote(snapshot, &remote);
    otelc_context *with_bag = otelc_context_with_baggage(with_remote, b1);
    otelc_span_start_options so3;
    otelc_span_start_options_init(&so3);
    so3.parent = with_bag;
    otelc_span *gs = must_start(global, "global-span", &so3);
    otelc_span_retain(gs);
    otelc_span_end(gs, 0);
    otelc_span_set_attr_int(gs, "ignored-after-end", 1);
    otelc_span_release(gs);

    otelc_scope_exit(s3);
    otelc_scope_exit(s2);
    otelc_span_end(child, 0);
    otelc_scope_exit(s1);
    otelc_span_set_status(root, OTELC_STATUS_OK, NULL);
    otelc_span_end(root, 0);

    otelc_context_release(with_bag);
    otelc_context_release(with_remote);
    otelc_context_release(extracted);
    carrier_free(&h);
    otelc_context_release(snapshot);
    otelc_propagator_destroy(prop);
    otelc_baggage_release(b2);
    otelc_baggage_release(b1);
    otelc_trace_state_release(ts3);
    otelc_trace_state_release(ts2);
    otelc_trace_state_release(ts);

    if (tp) {
        otelc_tracer_provider_force_flush(tp, 10000);
        otelc_tracer_provider_shutdown(tp, 10000);
        otelc_tracer_provider_destroy(tp);
    }
    assert_false(otelc_tracer_provider_is_sdk(otelc_get_tracer_provider()));

    if (store) {
        res->exported = otelc_memory_store_count(store);
        if (getenv("OOM_DEBUG")) for (size_t i = 0; i < res->exported; i++) fprintf(stderr, "exported %s\n", otelc_memory_store_get(store, i)->name);
        assert_true(res->exported <= 6);
        for (size_t i = 0; i < res->exported; i++) {
            const otelc_span_data *d = otelc_memory_store_get(store, i);
            assert_non_null(d);
            assert_non_null(d->name);
            assert_true(known_name(d->name));
            assert_true(otelc_span_context_is_valid(&d->context));
            assert_true(d->end_time_unix_nano >= d->start_time_unix_nano);
        }
        otelc_memory_store_destroy(store);
    }
}

/* ---- driving ----------------------------------------------------------------------------------------- */

/* Every run must free exactly what it allocated through the hook. The SDK's span pool keeps finished
 * span storage for reuse, so each measurement first hands it back with otelc_sdk_release_cached_memory(). */
/* When batch_processor_create fails after starting its worker, the detached worker frees the state
 * on its own: wait for it (bounded only by ctest's timeout in the worst case; normally microseconds). */
static long settle(long target) {
    otelc_sdk_release_cached_memory();
    long live = atomic_load(&g_live);
    for (int i = 0; live != target && i < 20000; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        otelc_sdk_release_cached_memory(); /* a detached worker hands its cache back when it exits */
        live = atomic_load(&g_live);
    }
    return live;
}

/* One run under the hook; checks the hook's balance (what the run allocated, it freed). */
static void run_once(bool batch, int mode, long at, run_result *res) {
    otelc_sdk_release_cached_memory();
    long live0 = atomic_load(&g_live);
    arm(mode, at);
    workflow(batch, res);
    disarm();
    long live1 = settle(live0);
    if (live1 != live0)
        fail_msg("batch=%d mode=%d N=%ld: %ld allocation(s) made through the hook were not freed",
                 (int)batch, mode, at, live1 - live0);
}

static void sweep(bool batch) {
    run_result res;
    /* Warm-up: process-lifetime caches (global tracer proxies, per-thread state) are filled before the
     * counted runs, so the per-run balance below is exact. */
    assert_non_null(scoped_tracer(NULL));
    workflow(batch, &res);
    assert_true(res.provider_created);
    assert_int_equal(res.exported, 6);

    /* A clean run through the hook counts the allocations K. */
    run_once(batch, MODE_NEVER, 0, &res);
    long k = atomic_load(&g_calls);
    assert_true(k > 10);
    assert_true(res.provider_created);
    assert_int_equal(res.exported, 6);
    print_message("batch=%d: %ld allocations in a clean run\n", (int)batch, k);

    long degraded = 0;
    otelc_sdk_release_cached_memory();
    long live_start = atomic_load(&g_live);
    for (int mode = MODE_NTH; mode <= MODE_FROM; mode++) {
        for (long n = 1; n <= k + 5; n++) {
            if (getenv("OOM_VERBOSE")) fprintf(stderr, "case: %d %d %ld\n", (int)batch, mode, n);
            run_once(batch, mode, n, &res);
            if (atomic_load(&g_failed) > 0 && res.exported < 6) degraded++;
            /* Allocations from the very first one failing: nothing can be created. */
            if (mode == MODE_FROM && n == 1) {
                assert_false(res.provider_created);
                assert_int_equal(res.exported, 0);
            }
        }
    }
    long growth = settle(live_start) - live_start;
    print_message("batch=%d: hooked allocations still live after the sweep: %ld\n", (int)batch, growth);
    assert_int_equal(growth, 0);
    /* Sanity of the sweep itself: failures were injected and did change the outcome sometimes. */
    assert_true(degraded > 0);

    /* And the library is fully usable afterwards. */
    workflow(batch, &res);
    assert_true(res.provider_created);
    assert_int_equal(res.exported, 6);
}

static void test_oom_simple(void **state) {
    (void)state;
    sweep(false);
}

static void test_oom_batch(void **state) {
    (void)state;
    sweep(true);
}

/* Every allocation fails from the start: the API still hands out spans, contexts degrade to NULL or
 * empty, and parsing returns NULL instead of crashing. */
static void test_all_fail_api(void **state) {
    (void)state;
    arm(MODE_FROM, 1);
    otelc_span *s = otelc_tracer_start_span(otelc_get_tracer("never-seen-scope", NULL, NULL), "x", NULL);
    assert_non_null(s);
    assert_false(otelc_span_is_recording(s));
    otelc_span_set_attr_str(s, "k", "v");
    otelc_scope sc = otelc_scope_enter(s);
    otelc_span_end(s, 0);
    otelc_scope_exit(sc);
    assert_null(otelc_trace_state_parse("a=1", 3));
    assert_null(otelc_baggage_set(NULL, "k", "v", NULL));
    otelc_error err = {OTELC_OK, ""};
    assert_null(otelc_propagator_from_names("tracecontext", &err));
    assert_int_equal(err.code, OTELC_ERR_NO_MEMORY);
    otelc_tracer_provider_options po;
    otelc_tracer_provider_options_init(&po);
    assert_null(otelc_tracer_provider_create(&po, &err));
    assert_int_not_equal(err.code, OTELC_OK);
    assert_true(atomic_load(&g_failed) > 0);
    disarm();
}

int main(void) {
    /* Debugging aid: OOM_ONLY="<batch 0|1> <mode 1|2> <N>" runs that single case outside cmocka, so a
     * leak checker reports its stacks. */
    const char *only = getenv("OOM_ONLY");
    if (only) {
        int b = 0, m = 0;
        long n = 0;
        if (sscanf(only, "%d %d %ld", &b, &m, &n) != 3) return 2;
        run_result res;
        otelc_set_allocator(&k_alloc);
        assert_non_null(scoped_tracer(NULL));
        workflow(b != 0, &res);
        arm(m, n);
        workflow(b != 0, &res);
        disarm();
        printf("failed=%ld exported=%zu live=%ld\n", atomic_load(&g_failed), res.exported, atomic_load(&g_live));
#ifdef OOM_BACKTRACE
        track_dump();
#endif
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_fail_api),
        cmocka_unit_test(test_oom_simple),
        cmocka_unit_test(test_oom_batch),
    };
    /* The hook is installed once, before any other otelc call, as otelc_set_allocator requires: between
     * cases it is disarmed (plain malloc/free) rather than swapped, because a batch worker detached by
     * a failed create may still be freeing through it, and swapping the hook under it is a data race. */
    otelc_set_allocator(&k_alloc);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
