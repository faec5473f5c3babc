/* otelc_sdk_setup / otelc_sdk_teardown driven by the OTEL_* environment.
 *
 * Most cases run in-process (setenv/unsetenv between cases, diagnostics captured with a log handler at
 * an explicitly set level). Cases that need a fresh process — the log level is read from OTEL_LOG_LEVEL
 * only once, the console exporter chosen by name writes to stdout, and the flush at exit — re-run this
 * binary (execv of /proc/self/exe with "--child <scenario>") with stdout/stderr redirected to files, and
 * the parent reads them. A child never calls cmocka; it reports through its output and exit status. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "otelc/context.h"
#include "otelc/exporters/console.h"
#include "otelc/exporters/memory.h"
#include "otelc/log.h"
#include "otelc/propagation.h"
#include "otelc/sdk/counters.h"
#include "otelc/sdk/exporter.h"
#include "otelc/sdk/provider.h"
#include "otelc/sdk/resource.h"
#include "carrier.h"
#include "otelc/setup.h"
#include "otelc/trace.h"

/* ---- environment ----------------------------------------------------------------------------------- */

static const char *const k_env_vars[] = {
    "OTEL_SDK_DISABLED", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_EXPORTER",
    "OTEL_PROPAGATORS", "OTEL_LOG_LEVEL", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_EXPORT_TIMEOUT",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_PROTOCOL", NULL};

static void env_reset(void) {
    for (size_t i = 0; k_env_vars[i]; i++) unsetenv(k_env_vars[i]);
}

static void env_set(const char *name, const char *value) { assert_int_equal(setenv(name, value, 1), 0); }

/* ---- diagnostics capture --------------------------------------------------------------------------- */

typedef struct log_capture {
    pthread_mutex_t lock;
    int count;
    char all[4096]; /* every message, one per line */
} log_capture;
static log_capture g_logs = {PTHREAD_MUTEX_INITIALIZER, 0, ""};

static void log_fn(otelc_log_level level, const char *msg, void *ud) {
    (void)level; (void)ud;
    pthread_mutex_lock(&g_logs.lock);
    g_logs.count++;
    size_t n = strlen(g_logs.all);
    snprintf(g_logs.all + n, sizeof g_logs.all - n, "%s\n", msg);
    pthread_mutex_unlock(&g_logs.lock);
}
static void logs_start(otelc_log_level level) {
    pthread_mutex_lock(&g_logs.lock);
    g_logs.count = 0;
    g_logs.all[0] = '\0';
    pthread_mutex_unlock(&g_logs.lock);
    otelc_set_log_handler(log_fn, NULL);
    otelc_set_log_level(level);
}
static int logs_count(void) {
    pthread_mutex_lock(&g_logs.lock);
    int n = g_logs.count;
    pthread_mutex_unlock(&g_logs.lock);
    return n;
}
static bool logs_contain(const char *s) {
    pthread_mutex_lock(&g_logs.lock);
    bool r = strstr(g_logs.all, s) != NULL;
    pthread_mutex_unlock(&g_logs.lock);
    return r;
}

static int case_setup(void **state) {
    (void)state;
    env_reset();
    logs_start(OTELC_LOG_WARN);
    return 0;
}
static int case_teardown(void **state) {
    (void)state;
    env_reset();
    otelc_set_log_level(OTELC_LOG_NONE);
    otelc_set_log_handler(NULL, NULL);
    return 0;
}

/* Injects (with the global propagator) a remote sampled context plus one baggage entry. */
static void inject_sample(carrier *h) {
    carrier_free(h); /* empty again (also fine on a freshly initialised carrier) */
    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    for (int i = 0; i < 16; i++) sc.trace_id[i] = (uint8_t)(0x10 + i);
    for (int i = 0; i < 8; i++) sc.span_id[i] = (uint8_t)(0xa0 + i);
    sc.trace_flags = 1;
    sc.is_remote = true;
    otelc_baggage *b = otelc_baggage_set(NULL, "user", "alice", NULL);
    assert_non_null(b);
    otelc_context *ctx = otelc_context_create_remote(&sc, b);
    assert_non_null(ctx);
    otelc_carrier_setter set = carrier_setter(h);
    otelc_propagator_inject(otelc_get_text_map_propagator(), ctx, &set);
    otelc_context_release(ctx);
    otelc_baggage_release(b);
}

/* ---- helpers --------------------------------------------------------------------------------------- */

static void end_spans(const char *prefix, int n) {
    otelc_tracer *t = otelc_get_tracer("setup-test", "1.0", NULL);
    for (int i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s-%d", prefix, i);
        otelc_span *s = otelc_tracer_start_span(t, name, NULL);
        assert_non_null(s);
        otelc_span_end(s, 0);
    }
}

static otelc_sdk setup_ok(const otelc_sdk_options *o) {
    otelc_sdk sdk;
    otelc_error err = {OTELC_OK, ""};
    assert_int_equal(otelc_sdk_setup(o, &sdk, &err), OTELC_OK);
    assert_int_equal(err.code, OTELC_OK);
    assert_non_null(sdk.propagator);
    assert_ptr_equal(otelc_get_text_map_propagator(), sdk.propagator);
    return sdk;
}

static void teardown_ok(otelc_sdk *sdk) {
    assert_int_equal(otelc_sdk_teardown(sdk, 10000), OTELC_OK);
    assert_null(sdk->provider);
    assert_null(sdk->propagator);
    assert_false(otelc_tracer_provider_is_sdk(otelc_get_tracer_provider()));
}

/* A factory-registered exporter writing into a test-owned memory store, to observe which exporters
 * OTEL_TRACES_EXPORTER builds. */
static otelc_memory_store *g_factory_store;
static int g_factory_calls;
static otelc_exporter *memtest_factory(otelc_error *err) {
    (void)err;
    g_factory_calls++;
    return otelc_memory_exporter_create(g_factory_store);
}

/* ---- OTEL_SDK_DISABLED ------------------------------------------------------------------------------ */

static void test_disabled_true(void **state) {
    (void)state;
    const char *values[] = {"true", "TRUE", " True "};
    for (size_t v = 0; v < sizeof values / sizeof *values; v++) {
        logs_start(OTELC_LOG_WARN);
        env_set("OTEL_SDK_DISABLED", values[v]);
        env_set("OTEL_PROPAGATORS", "b3multi");
        otelc_sdk sdk = setup_ok(NULL);
        assert_null(sdk.provider);
        assert_int_equal(logs_count(), 0);
        assert_false(otelc_tracer_provider_is_sdk(otelc_get_tracer_provider()));
        otelc_span *s = otelc_tracer_start_span(otelc_get_tracer("disabled", NULL, NULL), "x", NULL);
        assert_non_null(s);
        assert_false(otelc_span_is_recording(s));
        otelc_span_end(s, 0);
        /* The propagator is installed even though tracing is off. */
        carrier h;
        carrier_init(&h);
        inject_sample(&h);
        assert_string_equal(carrier_value(&h, "X-B3-TraceId"), "101112131415161718191a1b1c1d1e1f");
        carrier_free(&h);
        teardown_ok(&sdk);
    }
}

static void test_disabled_other_values(void **state) {
    (void)state;
    struct { const char *value; int diagnostics; } cases[] = {
        {"false", 0}, {"FALSE", 0}, {"", 0}, {"yes", 1}, {"1", 1}, {"truex", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        logs_start(OTELC_LOG_WARN);
        env_set("OTEL_SDK_DISABLED", cases[i].value);
        env_set("OTEL_TRACES_EXPORTER", "none");
        otelc_sdk sdk = setup_ok(NULL);
        assert_non_null(sdk.provider);
        assert_ptr_equal(otelc_get_tracer_provider(), sdk.provider);
        otelc_span *s = otelc_tracer_start_span(otelc_get_tracer("enabled", NULL, NULL), "x", NULL);
        assert_true(otelc_span_is_recording(s));
        otelc_span_end(s, 0);
        assert_int_equal(logs_count(), cases[i].diagnostics);
        if (cases[i].diagnostics) assert_true(logs_contain("OTEL_SDK_DISABLED"));
        teardown_ok(&sdk);
    }
}

/* ---- service name ----------------------------------------------------------------------------------- */

static void test_service_name(void **state) {
    (void)state;
    env_set("OTEL_TRACES_EXPORTER", "none");
    env_set("OTEL_SERVICE_NAME", "svc-from-env");
    env_set("OTEL_RESOURCE_ATTRIBUTES", "service.name=svc-from-attrs,team=core");
    otelc_sdk sdk = setup_ok(NULL);
    const otelc_resource *r = otelc_tracer_provider_resource(sdk.provider);
    assert_non_null(r);
    assert_string_equal(otelc_resource_get_str(r, "service.name"), "svc-from-env");
    assert_string_equal(otelc_resource_get_str(r, "team"), "core");
    teardown_ok(&sdk);

    otelc_sdk_options o;
    otelc_sdk_options_init(&o);
    o.service_name = "svc-from-code";
    sdk = setup_ok(&o);
    r = otelc_tracer_provider_resource(sdk.provider);
    assert_string_equal(otelc_resource_get_str(r, "service.name"), "svc-from-code");
    assert_string_equal(otelc_resource_get_str(r, "team"), "core");
    teardown_ok(&sdk);
    assert_int_equal(logs_count(), 0);
}

/* ---- exporters -------------------------------------------------------------------------------------- */

static void test_opts_exporter_memory_simple(void **state) {
    (void)state;
    env_set("OTEL_TRACES_EXPORTER", "bogus-never-used"); /* opts.exporter wins: no diagnostic */
    env_set("OTEL_BSP_SCHEDULE_DELAY", "60000");
    otelc_memory_store *store = otelc_memory_store_create(0);
    assert_non_null(store);
    otelc_sdk_options o;
    otelc_sdk_options_init(&o);
    o.exporter = otelc_memory_exporter_create(store);
    o.use_simple_processor = 1;
    o.service_name = "mem-svc";
    otelc_sdk sdk = setup_ok(&o);
    assert_non_null(sdk.provider);
    end_spans("simple", 3);
    /* Simple processor: exported synchronously, before any flush. */
    assert_int_equal(otelc_memory_store_count(store), 3);
    const otelc_span_data *d = otelc_memory_store_find(store, "simple-1");
    assert_non_null(d);
    assert_string_equal(otelc_resource_get_str(d->resource, "service.name"), "mem-svc");
    teardown_ok(&sdk);
    assert_int_equal(otelc_memory_store_count(store), 3);
    assert_int_equal(logs_count(), 0);
    otelc_memory_store_destroy(store);
}

static void test_teardown_flushes_batch(void **state) {
    (void)state;
    env_set("OTEL_BSP_SCHEDULE_DELAY", "60000"); /* nothing leaves the queue on its own during the test */
    otelc_memory_store *store = otelc_memory_store_create(0);
    assert_non_null(store);
    otelc_sdk_options o;
    otelc_sdk_options_init(&o);
    o.exporter = otelc_memory_exporter_create(store);
    otelc_sdk sdk = setup_ok(&o);
    end_spans("queued", 7);
    teardown_ok(&sdk);
    assert_int_equal(otelc_memory_store_count(store), 7);
    for (int i = 0; i < 7; i++) {
        char name[32];
        snprintf(name, sizeof name, "queued-%d", i);
        assert_non_null(otelc_memory_store_find(store, name));
    }
    otelc_memory_store_destroy(store);
}

static void test_tracer_before_setup(void **state) {
    (void)state;
    otelc_tracer *early = otelc_get_tracer("early-lib", "2.0", NULL);
    otelc_span *before = otelc_tracer_start_span(early, "before-setup", NULL);
    assert_false(otelc_span_is_recording(before));

    otelc_memory_store *store = otelc_memory_store_create(0);
    otelc_sdk_options o;
    otelc_sdk_options_init(&o);
    o.exporter = otelc_memory_exporter_create(store);
    o.use_simple_processor = 1;
    otelc_sdk sdk = setup_ok(&o);
    otelc_span *after = otelc_tracer_start_span(early, "after-setup", NULL);
    assert_true(otelc_span_is_recording(after));
    assert_false(otelc_span_is_recording(before));
    otelc_span_end(after, 0);
    otelc_span_end(before, 0);
    assert_int_equal(otelc_memory_store_count(store), 1);
    const otelc_span_data *d = otelc_memory_store_get(store, 0);
    assert_string_equal(d->name, "after-setup");
    assert_non_null(d->scope);
    teardown_ok(&sdk);

    /* After teardown the same tracer is a no-op again. */
    otelc_span *late = otelc_tracer_start_span(early, "after-teardown", NULL);
    assert_false(otelc_span_is_recording(late));
    otelc_span_end(late, 0);
    otelc_memory_store_destroy(store);
}

static void test_traces_exporter_names(void **state) {
    (void)state;
    g_factory_store = otelc_memory_store_create(0);
    assert_non_null(g_factory_store);
    otelc_status rs = otelc_exporter_factory_register("memtest", memtest_factory);
    assert_true(rs == OTELC_OK || otelc_exporter_factory_find("memtest") == memtest_factory);

    struct { const char *names; int factory_calls; size_t exported; int diagnostics; } cases[] = {
        {"memtest", 1, 4, 0},
        {"none", 0, 0, 0},
        {"memtest,none", 1, 4, 0},
        {" memtest , none ", 1, 4, 0},
        {"no-such-exporter", 0, 0, 1},
        {"no-such-exporter,memtest", 1, 4, 1},
        {"memtest,memtest", 2, 8, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        logs_start(OTELC_LOG_WARN);
        env_set("OTEL_TRACES_EXPORTER", cases[i].names);
        otelc_memory_store_clear(g_factory_store);
        g_factory_calls = 0;
        otelc_sdk_options o;
        otelc_sdk_options_init(&o);
        o.use_simple_processor = 1;
        otelc_sdk sdk = setup_ok(&o);
        assert_non_null(sdk.provider);
        assert_int_equal(g_factory_calls, cases[i].factory_calls);
        uint64_t ended0 = otelc_sdk_counter_get(OTELC_COUNTER_SPANS_ENDED);
        end_spans("named", 4);
        assert_int_equal(otelc_sdk_counter_get(OTELC_COUNTER_SPANS_ENDED) - ended0, 4); /* recorded even with none */
        teardown_ok(&sdk);
        assert_int_equal(otelc_memory_store_count(g_factory_store), cases[i].exported);
        assert_int_equal(logs_count(), cases[i].diagnostics);
        if (cases[i].diagnostics) assert_true(logs_contain("no-such-exporter"));
    }

    /* The options' traces_exporter overrides the environment. */
    logs_start(OTELC_LOG_WARN);
    env_set("OTEL_TRACES_EXPORTER", "no-such-exporter");
    otelc_memory_store_clear(g_factory_store);
    otelc_sdk_options o;
    otelc_sdk_options_init(&o);
    o.traces_exporter = "memtest";
    otelc_sdk sdk = setup_ok(&o); /* batch this time: teardown flushes */
    end_spans("override", 2);
    teardown_ok(&sdk);
    assert_int_equal(otelc_memory_store_count(g_factory_store), 2);
    assert_int_equal(logs_count(), 0);

    otelc_memory_store_destroy(g_factory_store);
    g_factory_store = NULL;
}

static void test_traces_exporter_otlp(void **state) {
    (void)state;
    /* Creation needs no network; with no span ended, teardown sends nothing. */
    env_set("OTEL_TRACES_EXPORTER", "otlp");
    env_set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1");
    otelc_sdk sdk = setup_ok(NULL);
    assert_non_null(sdk.provider);
    if (!otelc_exporter_factory_find("otlp")) {
        /* Built without OTLP: the name is unknown, so one diagnostic and an empty pipeline. */
        assert_int_equal(logs_count(), 1);
        teardown_ok(&sdk);
        return;
    }
    assert_int_equal(logs_count(), 0);
    teardown_ok(&sdk);

    /* Proof that the OTLP exporter really is created from the name: an invalid endpoint makes its
     * creation fail, which is reported once, and setup still succeeds with no exporter. */
    logs_start(OTELC_LOG_WARN);
    env_set("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://127.0.0.1:1");
    sdk = setup_ok(NULL);
    assert_non_null(sdk.provider);
    assert_int_equal(logs_count(), 1);
    assert_true(logs_contain("otlp"));
    teardown_ok(&sdk);

    /* Unset OTEL_TRACES_EXPORTER means otlp (the specification's default). */
    logs_start(OTELC_LOG_WARN);
    unsetenv("OTEL_TRACES_EXPORTER");
    sdk = setup_ok(NULL);
    assert_int_equal(logs_count(), 1);
    assert_true(logs_contain("otlp"));
    teardown_ok(&sdk);
}

/* ---- propagators ------------------------------------------------------------------------------------ */

static void test_propagators(void **state) {
    (void)state;
    env_set("OTEL_TRACES_EXPORTER", "none");
    carrier h;
    carrier_init(&h);

    /* Default: tracecontext,baggage. */
    otelc_sdk sdk = setup_ok(NULL);
    inject_sample(&h);
    assert_string_equal(carrier_value(&h, "traceparent"), "00-101112131415161718191a1b1c1d1e1f-a0a1a2a3a4a5a6a7-01");
    assert_string_equal(carrier_value(&h, "baggage"), "user=alice");
    assert_null(carrier_value(&h, "b3"));
    teardown_ok(&sdk);

    /* b3 (single header) only. */
    env_set("OTEL_PROPAGATORS", "b3");
    sdk = setup_ok(NULL);
    inject_sample(&h);
    assert_int_equal(h.count, 1);
    assert_string_equal(carrier_value(&h, "b3"), "101112131415161718191a1b1c1d1e1f-a0a1a2a3a4a5a6a7-1");
    assert_null(carrier_value(&h, "traceparent"));
    /* ... and extraction with the global propagator reads it back. */
    otelc_carrier_getter get = carrier_getter(&h);
    otelc_context *ctx = otelc_extract(&get);
    assert_non_null(ctx);
    otelc_span_context sc = otelc_context_get_span_context(ctx);
    assert_int_equal(sc.span_id[7], 0xa7);
    assert_true(sc.is_remote);
    otelc_context_release(ctx);
    teardown_ok(&sdk);

    /* none: nothing injected. */
    env_set("OTEL_PROPAGATORS", "none");
    sdk = setup_ok(NULL);
    inject_sample(&h);
    assert_int_equal(h.count, 0);
    teardown_ok(&sdk);
    assert_int_equal(logs_count(), 0);

    /* Unknown names: one diagnostic each, skipped; the known ones work. */
    logs_start(OTELC_LOG_WARN);
    env_set("OTEL_PROPAGATORS", "nosuchprop,b3multi,alsobogus");
    sdk = setup_ok(NULL);
    assert_int_equal(logs_count(), 2);
    assert_true(logs_contain("nosuchprop"));
    assert_true(logs_contain("alsobogus"));
    inject_sample(&h);
    assert_string_equal(carrier_value(&h, "X-B3-TraceId"), "101112131415161718191a1b1c1d1e1f");
    assert_string_equal(carrier_value(&h, "X-B3-SpanId"), "a0a1a2a3a4a5a6a7");
    assert_null(carrier_value(&h, "traceparent"));
    teardown_ok(&sdk);

    /* The options' propagators override the environment. */
    logs_start(OTELC_LOG_WARN);
    otelc_sdk_options o;
    otelc_sdk_options_init(&o);
    o.propagators = "tracecontext";
    sdk = setup_ok(&o);
    inject_sample(&h);
    assert_int_equal(h.count, 1);
    assert_non_null(carrier_value(&h, "traceparent"));
    teardown_ok(&sdk);
    assert_int_equal(logs_count(), 0);

    /* After teardown the global propagator is the no-op again. */
    inject_sample(&h);
    assert_int_equal(h.count, 0);
    carrier_free(&h);
}

static void test_setup_null_sdk(void **state) {
    (void)state;
    otelc_memory_store *store = otelc_memory_store_create(0);
    otelc_sdk_options o;
    otelc_sdk_options_init(&o);
    o.exporter = otelc_memory_exporter_create(store); /* owned by setup, also on this error */
    otelc_error err = {OTELC_OK, ""};
    assert_int_not_equal(otelc_sdk_setup(&o, NULL, &err), OTELC_OK);
    assert_int_equal(err.code, OTELC_ERR_INVALID_ARGUMENT);
    assert_false(otelc_tracer_provider_is_sdk(otelc_get_tracer_provider()));
    assert_int_equal(otelc_sdk_teardown(NULL, 0), OTELC_ERR_INVALID_ARGUMENT);
    otelc_memory_store_destroy(store);
}

/* ---- child processes -------------------------------------------------------------------------------- */

static char g_self[4096];

typedef struct child_out {
    int status;
    char out[16384];
    char err[16384];
} child_out;

static void read_file(const char *path, char *buf, size_t size) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Runs this binary with "--child scenario" in the current environment; stdout/stderr captured. */
static void run_child(const char *scenario, child_out *co) {
    char out_path[] = "/tmp/otelc_setup_outXXXXXX";
    char err_path[] = "/tmp/otelc_setup_errXXXXXX";
    int ofd = mkstemp(out_path);
    int efd = mkstemp(err_path);
    assert_true(ofd >= 0 && efd >= 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(ofd, 1);
        dup2(efd, 2);
        char *argv[] = {g_self, (char *)"--child", (char *)scenario, NULL};
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    close(ofd);
    close(efd);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    co->status = WEXITSTATUS(st);
    read_file(out_path, co->out, sizeof co->out);
    read_file(err_path, co->err, sizeof co->err);
    unlink(out_path);
    unlink(err_path);
}

static int count_prefix_lines(const char *text, const char *prefix) {
    int n = 0;
    size_t pl = strlen(prefix);
    for (const char *p = text; p && *p;) {
        if (!strncmp(p, prefix, pl)) n++;
        p = strchr(p, '\n');
        if (p) p++;
    }
    return n;
}

/* Child side of the scenarios. Stdout carries console span lines ("span ..."), handler lines
 * ("LOG <level> <message>") and "level=<n>". */
static void child_log_fn(otelc_log_level level, const char *msg, void *ud) {
    (void)ud;
    printf("LOG %d %s\n", (int)level, msg);
    fflush(stdout);
}

static int child_main(const char *scenario) {
    otelc_sdk sdk;
    otelc_error err = {OTELC_OK, ""};
    if (!strcmp(scenario, "exit-flush")) {
        /* Batch processor with the console exporter on stdout; returns from main without teardown. */
        otelc_sdk_options o;
        otelc_sdk_options_init(&o);
        o.exporter = otelc_console_exporter_create(NULL);
        if (otelc_sdk_setup(&o, &sdk, &err) != OTELC_OK || !sdk.provider) return 3;
        otelc_tracer *t = otelc_get_tracer("exit-flush", NULL, NULL);
        for (int i = 0; i < 5; i++) otelc_span_end(otelc_tracer_start_span(t, "at-exit", NULL), 0);
        return 0;
    }
    bool with_handler = !strcmp(scenario, "spans-handler");
    if (!with_handler && strcmp(scenario, "spans")) return 2;
    if (with_handler) otelc_set_log_handler(child_log_fn, NULL);
    if (otelc_sdk_setup(NULL, &sdk, &err) != OTELC_OK) return 4;
    otelc_tracer *t = otelc_get_tracer("child", NULL, NULL);
    for (int i = 0; i < 3; i++) {
        otelc_span *s = otelc_tracer_start_span(t, "child-span", NULL);
        otelc_span_set_attr_int(s, "i", i);
        otelc_span_end(s, 0);
    }
    if (otelc_sdk_teardown(&sdk, 10000) != OTELC_OK) return 5;
    printf("level=%d\n", (int)otelc_get_log_level());
    return 0;
}

static void test_console_exporter_by_name(void **state) {
    (void)state;
    child_out *co = calloc(1, sizeof *co);
    assert_non_null(co);
    const char *lists[] = {"console", "console,none", "none,console", "logging"};
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
        env_set("OTEL_TRACES_EXPORTER", lists[i]);
        run_child("spans", co);
        assert_int_equal(co->status, 0);
        assert_int_equal(count_prefix_lines(co->out, "span "), 3);
        assert_non_null(strstr(co->out, "name=\"child-span\""));
        assert_non_null(strstr(co->out, "i=2"));
        assert_string_equal(co->err, ""); /* OTEL_LOG_LEVEL unset: nothing written */
    }
    env_set("OTEL_TRACES_EXPORTER", "none");
    run_child("spans", co);
    assert_int_equal(co->status, 0);
    assert_int_equal(count_prefix_lines(co->out, "span "), 0);
    env_set("OTEL_TRACES_EXPORTER", "console,console");
    run_child("spans", co);
    assert_int_equal(co->status, 0);
    assert_int_equal(count_prefix_lines(co->out, "span "), 6);
    free(co);
}

static void test_log_level_env(void **state) {
    (void)state;
    child_out *co = calloc(1, sizeof *co);
    assert_non_null(co);
    /* Problems that each produce a diagnostic: an unknown exporter and an unknown propagator. */
    env_set("OTEL_TRACES_EXPORTER", "bogus-exporter");
    env_set("OTEL_PROPAGATORS", "tracecontext,bogus-prop");

    /* Unset: level none, nothing written anywhere. */
    run_child("spans", co);
    assert_int_equal(co->status, 0);
    assert_string_equal(co->err, "");
    assert_string_equal(co->out, "level=0\n");
    run_child("spans-handler", co);
    assert_int_equal(co->status, 0);
    assert_int_equal(count_prefix_lines(co->out, "LOG "), 0);

    /* "none" explicitly. */
    env_set("OTEL_LOG_LEVEL", "none");
    run_child("spans", co);
    assert_string_equal(co->err, "");
    assert_string_equal(co->out, "level=0\n");

    /* warn without handler: the default writer, stderr, one line per diagnostic. */
    env_set("OTEL_LOG_LEVEL", "warn");
    run_child("spans", co);
    assert_int_equal(co->status, 0);
    assert_int_equal(count_prefix_lines(co->err, "otelc: [warn]"), 2);
    assert_non_null(strstr(co->err, "bogus-exporter"));
    assert_non_null(strstr(co->err, "bogus-prop"));
    assert_non_null(strstr(co->out, "level=2"));

    /* warn with a handler: both to the handler, nothing to stderr; no info/debug messages. */
    run_child("spans-handler", co);
    assert_int_equal(co->status, 0);
    assert_string_equal(co->err, "");
    assert_int_equal(count_prefix_lines(co->out, "LOG "), 2);
    assert_int_equal(count_prefix_lines(co->out, "LOG 2 "), 2);

    /* debug: at least those two, and info-level ones such as the disabled notice. */
    env_set("OTEL_LOG_LEVEL", "debug");
    env_set("OTEL_SDK_DISABLED", "true");
    run_child("spans-handler", co);
    assert_int_equal(co->status, 0);
    assert_string_equal(co->err, "");
    assert_non_null(strstr(co->out, "LOG 3 OTEL_SDK_DISABLED"));
    assert_non_null(strstr(co->out, "bogus-prop"));
    assert_non_null(strstr(co->out, "level=4"));
    unsetenv("OTEL_SDK_DISABLED");

    /* Invalid value: one diagnostic on stderr naming it, then warn. */
    env_set("OTEL_LOG_LEVEL", "loudest");
    env_set("OTEL_TRACES_EXPORTER", "none");
    env_set("OTEL_PROPAGATORS", "tracecontext");
    run_child("spans", co);
    assert_int_equal(co->status, 0);
    assert_int_equal(count_prefix_lines(co->err, "otelc: "), 1);
    assert_non_null(strstr(co->err, "OTEL_LOG_LEVEL"));
    assert_non_null(strstr(co->err, "loudest"));
    assert_non_null(strstr(co->out, "level=2"));
    free(co);
}

static void test_flush_at_exit(void **state) {
    (void)state;
    child_out *co = calloc(1, sizeof *co);
    assert_non_null(co);
    env_set("OTEL_BSP_SCHEDULE_DELAY", "60000");
    run_child("exit-flush", co);
    assert_int_equal(co->status, 0);
    assert_int_equal(count_prefix_lines(co->out, "span "), 5);
    assert_non_null(strstr(co->out, "name=\"at-exit\""));
    free(co);
}

int main(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "--child")) return child_main(argv[2]);
    snprintf(g_self, sizeof g_self, "%s", argv[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_disabled_true, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_disabled_other_values, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_service_name, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_opts_exporter_memory_simple, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_teardown_flushes_batch, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_tracer_before_setup, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_traces_exporter_names, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_traces_exporter_otlp, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_propagators, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_setup_null_sdk, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_console_exporter_by_name, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_log_level_env, case_setup, case_teardown),
        cmocka_unit_test_setup_teardown(test_flush_at_exit, case_setup, case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
