/* OTLP/HTTP exporter against a real HTTP server on loopback (the otelc-receiver core): every field
 * round-trips in protobuf, gzip and JSON; headers arrive; retries honour Retry-After and deliver once;
 * 400 is not retried; connection refused is retried then counted failed; a hung server is abandoned at
 * the timeout; shutdown flushes everything queued; partial success is counted. */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "harness.h"
#include "otelc/exporters/otlp_http.h"
#include "otelc/sdk/counters.h"
#include "otelc/sdk/provider.h"

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static otelc_exporter *make_exporter(const char *url, otelc_otlp_protocol proto, otelc_otlp_compression comp,
                                     uint32_t timeout_ms, const char *headers) {
    otelc_otlp_http_options o;
    otelc_otlp_http_options_init(&o);
    snprintf(o.endpoint, sizeof o.endpoint, "%s", url);
    o.protocol = proto;
    o.compression = comp;
    o.timeout_ms = timeout_ms;
    o.retry_initial_ms = 50;
    o.retry_max_ms = 200;
    if (headers) snprintf(o.headers, sizeof o.headers, "%s", headers);
    otelc_error err;
    otelc_exporter *e = otelc_otlp_http_exporter_create(&o, &err);
    if (!e) fprintf(stderr, "create failed: %s\n", err.message);
    assert_non_null(e);
    return e;
}

static const rcv_kv *attr(const rcv_attrs *a, const char *k) {
    const rcv_kv *kv = rcv_attrs_find(a, k);
    assert_non_null(kv);
    return kv;
}

static const rcv_value *item(const rcv_value *arr, unsigned i) {
    const rcv_value *v = arr->items_head;
    while (v && i--) v = v->next;
    assert_non_null(v);
    return v;
}

static rcv_span *find_span(rcv_request *r, uint8_t first_span_id_byte) {
    for (rcv_span *s = r->spans_head; s; s = s->next)
        if (s->span_id[0] == first_span_id_byte) return s;
    fail_msg("span %02x not received", first_span_id_byte);
    return NULL;
}

/* Compares everything the fixture set with what the server decoded. */
static void check_fixture(rcv_request *r, const fixture *f) {
    assert_int_equal(r->span_count, 3);
    rcv_span *s = find_span(r, 0x11);
    const otelc_span_data *d = &f->spans[0];
    assert_memory_equal(s->trace_id, d->context.trace_id, 16);
    assert_memory_equal(s->span_id, d->context.span_id, 8);
    assert_true(s->has_parent);
    assert_memory_equal(s->parent_span_id, d->parent_span_id, 8);
    assert_string_equal(s->trace_state, "vendor=a1,other=b2");
    assert_int_equal(s->flags, 0x301); /* sampled, parent remoteness known, parent remote */
    assert_string_equal(s->name, "GET /orders");
    assert_int_equal(s->kind, 3);
    assert_true(s->start_time_unix_nano == d->start_time_unix_nano);
    assert_true(s->end_time_unix_nano == d->end_time_unix_nano);
    assert_int_equal(s->attrs.count, 8);
    const rcv_kv *kv = attr(&s->attrs, "http.method");
    assert_int_equal(kv->value.type, RCV_STRING);
    assert_string_equal(kv->value.s, "GET");
    kv = attr(&s->attrs, "ok");
    assert_int_equal(kv->value.type, RCV_BOOL);
    assert_true(kv->value.b);
    kv = attr(&s->attrs, "neg");
    assert_int_equal(kv->value.type, RCV_INT);
    assert_int_equal(kv->value.i, -7);
    kv = attr(&s->attrs, "ratio");
    assert_int_equal(kv->value.type, RCV_DOUBLE);
    assert_true(kv->value.d == 0.125);
    kv = attr(&s->attrs, "strs");
    assert_int_equal(kv->value.type, RCV_ARRAY);
    assert_int_equal(kv->value.item_count, 3);
    assert_string_equal(item(&kv->value, 0)->s, "x");
    assert_string_equal(item(&kv->value, 1)->s, "");
    assert_string_equal(item(&kv->value, 2)->s, "zz");
    kv = attr(&s->attrs, "bools");
    assert_int_equal(kv->value.item_count, 2);
    assert_true(item(&kv->value, 0)->b);
    assert_false(item(&kv->value, 1)->b);
    assert_int_equal(item(&kv->value, 1)->type, RCV_BOOL);
    kv = attr(&s->attrs, "ints");
    assert_int_equal(kv->value.item_count, 3);
    assert_int_equal(item(&kv->value, 0)->i, -1);
    assert_int_equal(item(&kv->value, 1)->type, RCV_INT);
    assert_true(item(&kv->value, 2)->i == 9007199254740993LL); /* exact beyond 2^53: JSON uses strings */
    kv = attr(&s->attrs, "dbls");
    assert_true(item(&kv->value, 0)->d == 0.5);
    assert_true(item(&kv->value, 1)->d == -2.25);
    assert_int_equal(s->dropped_attributes_count, 5);
    assert_int_equal(s->event_count, 2);
    assert_string_equal(s->events_head->name, "exception");
    assert_true(s->events_head->time_unix_nano == 1700000000000000500ull);
    assert_string_equal(attr(&s->events_head->attrs, "exception.message")->value.s, "boom \"quoted\"\n");
    assert_int_equal(s->events_head->dropped_attributes_count, 2);
    assert_string_equal(s->events_tail->name, "plain");
    assert_int_equal(s->events_tail->attrs.count, 0);
    assert_int_equal(s->dropped_events_count, 6);
    assert_int_equal(s->link_count, 1);
    assert_memory_equal(s->links_head->trace_id, f->links[0].context.trace_id, 16);
    assert_memory_equal(s->links_head->span_id, f->links[0].context.span_id, 8);
    assert_string_equal(s->links_head->trace_state, "lk=v");
    assert_int_equal(attr(&s->links_head->attrs, "link.n")->value.i, 3);
    assert_int_equal(s->links_head->dropped_attributes_count, 4);
    assert_int_equal(s->links_head->flags, 0x301);
    assert_int_equal(s->dropped_links_count, 7);
    assert_int_equal(s->status_code, 2);
    assert_string_equal(s->status_message, "it failed");

    /* Resource and scope. */
    assert_string_equal(rcv_resource_service(s->resource), "fixture-svc");
    assert_int_equal(attr(&s->resource->attrs, "pid")->value.i, 42);
    assert_string_equal(s->resource->schema_url, "https://opentelemetry.io/schemas/1.24.0");
    assert_string_equal(s->scope->name, "lib.a");
    assert_string_equal(s->scope->version, "1.2.3");
    assert_string_equal(s->scope->schema_url, "https://example.com/schema");
    assert_string_equal(attr(&s->scope->attrs, "scope.attr")->value.s, "s");

    rcv_span *c = find_span(r, 0x31);
    assert_true(c->has_parent);
    assert_memory_equal(c->parent_span_id, s->span_id, 8);
    assert_int_equal(c->flags, 0x101);
    assert_int_equal(c->kind, 1);
    assert_int_equal(c->status_code, 0);
    assert_null(c->status_message);
    assert_ptr_equal(c->scope, s->scope);

    rcv_span *b = find_span(r, 0xd0);
    assert_false(b->has_parent);
    assert_int_equal(b->kind, 2);
    assert_int_equal(b->status_code, 1);
    assert_string_equal(b->scope->name, "lib.b");
    assert_null(b->scope->version);
    assert_ptr_equal(b->resource, s->resource);
}

static void roundtrip(otelc_otlp_protocol proto, otelc_otlp_compression comp) {
    harness h;
    harness_start(&h, NULL);
    fixture f;
    fixture_init(&f);
    otelc_exporter *e = make_exporter(h.url, proto, comp, 5000, NULL);
    uint64_t bytes0 = otelc_sdk_counter_get(OTELC_COUNTER_EXPORT_BYTES);
    assert_int_equal(otelc_exporter_export(e, f.ptrs, 3), OTELC_EXPORT_SUCCESS);
    assert_true(otelc_sdk_counter_get(OTELC_COUNTER_EXPORT_BYTES) > bytes0);
    /* A second batch reuses the connection and buffers. */
    assert_int_equal(otelc_exporter_export(e, f.ptrs, 3), OTELC_EXPORT_SUCCESS);
    assert_int_equal(harness_count(&h), 2);
    assert_int_equal(rcv_server_connections(h.server), 1); /* keep-alive: one connection for both */
    check_fixture(h.reqs[0], &f);
    check_fixture(h.reqs[1], &f);
    assert_string_equal(h.content_type[0], proto == OTELC_OTLP_HTTP_JSON ? "application/json" : "application/x-protobuf");
    if (comp == OTELC_OTLP_COMPRESSION_GZIP) assert_non_null(strcasestr(h.headers[0], "Content-Encoding: gzip"));
    otelc_exporter_destroy(e);
    fixture_free(&f);
    harness_stop(&h);
}

/* After fork() the child exports on a connection of its own: the kept-alive one belongs to the parent
 * (writing to it from two processes would interleave their requests), and the parent's still works. */
static void test_fork_child_opens_own_connection(void **state) {
    (void)state;
    harness h;
    harness_start(&h, NULL);
    fixture f;
    fixture_init(&f);
    otelc_exporter *e = make_exporter(h.url, OTELC_OTLP_HTTP_PROTOBUF, OTELC_OTLP_COMPRESSION_NONE, 5000, NULL);
    assert_int_equal(otelc_exporter_export(e, f.ptrs, 3), OTELC_EXPORT_SUCCESS);
    assert_int_equal(rcv_server_connections(h.server), 1);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(20); /* a hang fails the test instead of stalling it */
        int ok = otelc_exporter_export(e, f.ptrs, 3) == OTELC_EXPORT_SUCCESS &&
                 otelc_exporter_export(e, f.ptrs, 3) == OTELC_EXPORT_SUCCESS;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(otelc_exporter_export(e, f.ptrs, 3), OTELC_EXPORT_SUCCESS);
    assert_int_equal(harness_count(&h), 4);
    /* The parent's connection plus one for the child (kept alive across its two exports). */
    assert_int_equal(rcv_server_connections(h.server), 2);
    for (int i = 0; i < 4; i++) check_fixture(h.reqs[i], &f);
    otelc_exporter_destroy(e);
    fixture_free(&f);
    harness_stop(&h);
}

/* A fork while another thread is inside an export (waiting out a Retry-After): the child leaves the
 * parent's handle and buffers alone, exports with fresh ones on a connection of its own, and the
 * parent's export still completes. */
typedef struct export_arg {
    otelc_exporter *e;
    fixture *f;
    otelc_export_result r;
} export_arg;

static void *export_in_thread(void *p) {
    export_arg *a = p;
    a->r = otelc_exporter_export(a->e, a->f->ptrs, 3);
    return NULL;
}

static void test_fork_during_export(void **state) {
    (void)state;
    rcv_server_options so;
    rcv_server_options_init(&so);
    so.fail_first = 1;
    so.fail_status = 503;
    so.retry_after_s = 2;
    harness h;
    harness_start(&h, &so);
    fixture f;
    fixture_init(&f);
    otelc_exporter *e = make_exporter(h.url, OTELC_OTLP_HTTP_PROTOBUF, OTELC_OTLP_COMPRESSION_NONE, 10000, NULL);
    export_arg a = {e, &f, OTELC_EXPORT_FAILURE};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, export_in_thread, &a), 0);
    /* Wait until the first request was answered 503: the thread is then in its 2 s retry wait. */
    for (int i = 0; i < 5000 && rcv_server_requests(h.server) < 1; i++) usleep(1000);
    assert_int_equal(rcv_server_requests(h.server), 1);
    usleep(100 * 1000);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(20);
        _exit(otelc_exporter_export(e, f.ptrs, 3) == OTELC_EXPORT_SUCCESS ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    pthread_join(th, NULL);
    assert_int_equal(a.r, OTELC_EXPORT_SUCCESS);
    assert_int_equal(harness_count(&h), 2); /* the child's export and the parent's retried one */
    assert_int_equal(rcv_server_connections(h.server), 2);
    for (int i = 0; i < 2; i++) check_fixture(h.reqs[i], &f);
    otelc_exporter_destroy(e);
    fixture_free(&f);
    harness_stop(&h);
}

/* The receiver listens on IPv6 loopback too, and the exporter reaches it at http://[::1]:port. Skipped
 * where the machine has no IPv6 loopback (some containers). */
static void test_ipv6_loopback(void **state) {
    (void)state;
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    bool have = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0) close(fd);
    if (!have) skip();
    rcv_server_options so;
    rcv_server_options_init(&so);
    so.host = "::1";
    harness h;
    harness_start(&h, &so);
    assert_non_null(strstr(h.url, "http://[::1]:"));
    fixture f;
    fixture_init(&f);
    otelc_exporter *e = make_exporter(h.url, OTELC_OTLP_HTTP_PROTOBUF, OTELC_OTLP_COMPRESSION_NONE, 5000, NULL);
    assert_int_equal(otelc_exporter_export(e, f.ptrs, 3), OTELC_EXPORT_SUCCESS);
    assert_int_equal(harness_count(&h), 1);
    check_fixture(h.reqs[0], &f);
    otelc_exporter_destroy(e);
    fixture_free(&f);
    harness_stop(&h);
}

static void test_roundtrip_protobuf(void **state) { (void)state; roundtrip(OTELC_OTLP_HTTP_PROTOBUF, OTELC_OTLP_COMPRESSION_NONE); }
static void test_roundtrip_gzip(void **state) { (void)state; roundtrip(OTELC_OTLP_HTTP_PROTOBUF, OTELC_OTLP_COMPRESSION_GZIP); }
static void test_roundtrip_json(void **state) { (void)state; roundtrip(OTELC_OTLP_HTTP_JSON, OTELC_OTLP_COMPRESSION_NONE); }
static void test_roundtrip_json_gzip(void **state) { (void)state; roundtrip(OTELC_OTLP_HTTP_JSON, OTELC_OTLP_COMPRESSION_GZIP); }

static void test_headers(void **state) {
    (void)state;
    harness h;
    harness_start(&h, NULL);
    fixture f;
    fixture_init(&f);
    otelc_exporter *e = make_exporter(h.url, OTELC_OTLP_HTTP_PROTOBUF, OTELC_OTLP_COMPRESSION_NONE, 5000,
                                      " api-key = secret%20value%2C1 ,x-tenant=t1,");
    assert_int_equal(otelc_exporter_export(e, f.ptrs, 1), OTELC_EXPORT_SUCCESS);
    assert_int_equal(harness_count(&h), 1);
    assert_non_null(strstr(h.headers[0], "api-key: secret value,1\r\n"));
    assert_non_null(strstr(h.headers[0], "x-tenant: t1\r\n"));
    assert_non_null(strstr(h.headers[0], "User-Agent: otelc/" OTELC_VERSION_STRING "\r\n"));
    otelc_exporter_destroy(e);
    fixture_free(&f);
    harness_stop(&h);
}

static void test_retry_after_delivers_once(void **state) {
    (void)state;
    rcv_server_options so;
    rcv_server_options_init(&so);
    so.fail_first = 1;
    so.fail_status = 503;
    so.retry_after_s = 1;
    harness h;
    harness_start(&h, &so);
    fixture f;
    fixture_init(&f);
    otelc_exporter *e = make_exporter(h.url, OTELC_OTLP_HTTP_PROTOBUF, OTELC_OTLP_COMPRESSION_NONE, 5000, NULL);
    uint64_t retries0 = otelc_sdk_counter_get(OTELC_COUNTER_EXPORT_RETRIES);
    uint64_t t0 = now_ms();
    assert_int_equal(otelc_exporter_export(e, f.ptrs, 3), OTELC_EXPORT_SUCCESS);
    uint64_t took = now_ms() - t0;
    assert_true(took >= 950);  /* waited for Retry-After: 1, not our 50 ms backoff */
    assert_true(took < 4000);
    assert_int_equal(rcv_server_requests(h.server), 2);
    assert_int_equal(harness_count(&h), 1); /* delivered exactly once */
    assert_int_equal(harness_spans(&h), 3);
    assert_int_equal(otelc_sdk_counter_get(OTELC_COUNTER_EXPORT_RETRIES) - retries0, 1);
    otelc_exporter_destroy(e);
    fixture_free(&f);
    harness_stop(&h);
}

static void test_retry_after_beyond_timeout_gives_up(void **state) {
    (void)state;
    rcv_server_options so;
    rcv_server_options_init(&so);
    so.fail_first = 100;
    so.fail_status = 429;
    so.retry_after_s = 30;
    harness h;
    harness_start(&h, &so);
    fixture f;
    fixture_init(&f);
    otelc_exporter *e = make_exporter(h.url, OTELC_OTLP_HTTP_PROTOBUF, OTELC_OTLP_COMPRESSION_NONE, 1000, NULL);
    uint64_t t0 = now_ms();
    assert_int_equal(otelc_exporter_export(e, f.ptrs, 1), OTELC_EXPORT_FAILURE);
    assert_true(now_ms() - t0 < 1000); /* the 30 s wait cannot fit: fail now instead of sleeping */
    assert_int_equal(rcv_server_requests(h.server), 1);
    otelc_exporter_destroy(e);
    fixture_free(&f);
    harness_stop(&h);
}

static void test_400_not_retried(void **state) {
    (void)state;
    rcv_server_options so;
    rcv_server_options_init(&so);
    so.fail_first = 5;
    so.fail_status = 400;
    harness h;
    harness_start(&h, &so);
    fixture f;
    fixture_init(&f);
    otelc_exporter *e = make_exporter(h.url, OTELC_OTLP_HTTP_PROTOBUF, OTELC_OTLP_COMPRESSION_NONE, 3000, NULL);
    uint64_t retries0 = otelc_sdk_counter_get(OTELC_COUNTER_EXPORT_RETRIES);
    assert_int_equal(otelc_exporter_export(e, f.ptrs, 3), OTELC_EXPORT_FAILURE);
    assert_int_equal(rcv_server_requests(h.server), 1);
    assert_int_equal(otelc_sdk_counter_get(OTELC_COUNTER_EXPORT_RETRIES), retries0);
    otelc_exporter_destroy(e);
    fixture_free(&f);
    harness_stop(&h);
}

/* Through the SDK: a batch processor wrapping the exporter, spans started and ended normally. */
static otelc_tracer_provider *sdk_provider(otelc_exporter *e, uint32_t delay_ms) {
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    bo.schedule_delay_ms = delay_ms;
    bo.export_timeout_ms = 10000;
    otelc_error err;
    otelc_processor *p = otelc_batch_processor_create(e, &bo, &err);
    assert_non_null(p);
    otelc_tracer_provider_options po;
    otelc_tracer_provider_options_init(&po);
    po.processors = &p;
    po.processor_count = 1;
    otelc_attr ra[] = {otelc_attr_str("service.name", "sdk-test")};
    po.resource = otelc_resource_create(ra, 1, NULL);
    otelc_tracer_provider *prov = otelc_tracer_provider_create(&po, &err);
    assert_non_null(prov);
    return prov;
}

static void make_spans(otelc_tracer_provider *prov, int n) {
    otelc_scope_options so;
    memset(&so, 0, sizeof so);
    so.struct_size = sizeof so;
    so.name = "test.scope";
    otelc_tracer *t = otelc_tracer_provider_get_tracer(prov, &so);
    for (int i = 0; i < n; i++) {
        otelc_span *s = otelc_tracer_start_span(t, "op", NULL);
        otelc_span_set_attr_int(s, "i", i);
        otelc_span_end(s, 0);
    }
}

static void test_connection_refused_counted_failed(void **state) {
    (void)state;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/traces", harness_closed_port());
    otelc_exporter *e = make_exporter(url, OTELC_OTLP_HTTP_PROTOBUF, OTELC_OTLP_COMPRESSION_NONE, 800, NULL);
    otelc_tracer_provider *prov = sdk_provider(e, 60000);
    uint64_t retries0 = otelc_sdk_counter_get(OTELC_COUNTER_EXPORT_RETRIES);
    uint64_t failed0 = otelc_sdk_counter_get(OTELC_COUNTER_SPANS_EXPORT_FAILED);
    make_spans(prov, 4);
    uint64_t t0 = now_ms();
    otelc_tracer_provider_shutdown(prov, 5000);
    assert_true(now_ms() - t0 < 3000);
    assert_true(otelc_sdk_counter_get(OTELC_COUNTER_EXPORT_RETRIES) - retries0 >= 2);
    assert_int_equal(otelc_sdk_counter_get(OTELC_COUNTER_SPANS_EXPORT_FAILED) - failed0, 4);
    otelc_tracer_provider_destroy(prov);
}

static void test_hung_server_abandoned(void **state) {
    (void)state;
    /* Listens but never accepts or answers: the kernel completes the handshake, then silence. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 8), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/traces", ntohs(a.sin_port));
    fixture f;
    fixture_init(&f);
    otelc_exporter *e = make_exporter(url, OTELC_OTLP_HTTP_PROTOBUF, OTELC_OTLP_COMPRESSION_NONE, 700, NULL);
    uint64_t t0 = now_ms();
    assert_int_equal(otelc_exporter_export(e, f.ptrs, 3), OTELC_EXPORT_FAILURE);
    uint64_t took = now_ms() - t0;
    assert_true(took >= 600);
    assert_true(took < 2000);
    otelc_exporter_destroy(e);
    fixture_free(&f);
    close(fd);
}

static void test_shutdown_flushes_all(void **state) {
    (void)state;
    harness h;
    harness_start(&h, NULL);
    otelc_exporter *e = make_exporter(h.url, OTELC_OTLP_HTTP_PROTOBUF, OTELC_OTLP_COMPRESSION_GZIP, 5000, NULL);
    otelc_tracer_provider *prov = sdk_provider(e, 60000); /* the delay never fires: only shutdown exports */
    uint64_t exported0 = otelc_sdk_counter_get(OTELC_COUNTER_SPANS_EXPORTED); /* before: full batches go early */
    make_spans(prov, 1500);
    assert_int_equal(otelc_tracer_provider_shutdown(prov, 10000), OTELC_OK);
    assert_int_equal(harness_spans(&h), 1500);
    assert_int_equal(otelc_sdk_counter_get(OTELC_COUNTER_SPANS_EXPORTED) - exported0, 1500);
    /* The SDK's spans carry the provider's resource and the tracer's scope. */
    rcv_span *s = h.reqs[0]->spans_head;
    assert_string_equal(rcv_resource_service(s->resource), "sdk-test");
    assert_string_equal(s->scope->name, "test.scope");
    assert_string_equal(s->name, "op");
    assert_int_equal(s->kind, 1);
    otelc_tracer_provider_destroy(prov);
    harness_stop(&h);
}

static void partial(otelc_otlp_protocol proto) {
    rcv_server_options so;
    rcv_server_options_init(&so);
    so.partial_rejected = 2;
    harness h;
    harness_start(&h, &so);
    fixture f;
    fixture_init(&f);
    otelc_exporter *e = make_exporter(h.url, proto, OTELC_OTLP_COMPRESSION_NONE, 5000, NULL);
    uint64_t rej0 = otelc_sdk_counter_get(OTELC_COUNTER_SPANS_REJECTED);
    assert_int_equal(otelc_exporter_export(e, f.ptrs, 3), OTELC_EXPORT_SUCCESS);
    assert_int_equal(otelc_exporter_export(e, f.ptrs, 3), OTELC_EXPORT_SUCCESS);
    assert_int_equal(otelc_sdk_counter_get(OTELC_COUNTER_SPANS_REJECTED) - rej0, 4);
    otelc_exporter_destroy(e);
    fixture_free(&f);
    harness_stop(&h);
}
static void test_partial_success_protobuf(void **state) { (void)state; partial(OTELC_OTLP_HTTP_PROTOBUF); }
static void test_partial_success_json(void **state) { (void)state; partial(OTELC_OTLP_HTTP_JSON); }

/* Bad requests get a 400 with one line, and the server keeps serving. */
static void test_receiver_rejects_bad_request(void **state) {
    (void)state;
    harness h;
    harness_start(&h, NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)rcv_server_port(h.server));
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    const char req[] = "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                       "Content-Length: 3\r\n\r\n\x0a\x40\x12";
    assert_int_equal(send(fd, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
    char resp[512] = {0};
    size_t got = 0;
    /* Status line and body may arrive in separate segments: read until the explanation line ends. */
    while (got < sizeof resp - 1 && !strstr(resp, "request: ")) {
        ssize_t n = recv(fd, resp + got, sizeof resp - 1 - got, 0);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_non_null(strstr(resp, "HTTP/1.1 400"));
    assert_non_null(strstr(resp, "cannot decode protobuf request"));
    close(fd);
    /* Still serving. */
    fixture f;
    fixture_init(&f);
    otelc_exporter *e = make_exporter(h.url, OTELC_OTLP_HTTP_PROTOBUF, OTELC_OTLP_COMPRESSION_NONE, 5000, NULL);
    assert_int_equal(otelc_exporter_export(e, f.ptrs, 3), OTELC_EXPORT_SUCCESS);
    otelc_exporter_destroy(e);
    fixture_free(&f);
    harness_stop(&h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_protobuf),
        cmocka_unit_test(test_fork_child_opens_own_connection),
        cmocka_unit_test(test_fork_during_export),
        cmocka_unit_test(test_ipv6_loopback),
        cmocka_unit_test(test_roundtrip_gzip),
        cmocka_unit_test(test_roundtrip_json),
        cmocka_unit_test(test_roundtrip_json_gzip),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_retry_after_delivers_once),
        cmocka_unit_test(test_retry_after_beyond_timeout_gives_up),
        cmocka_unit_test(test_400_not_retried),
        cmocka_unit_test(test_connection_refused_counted_failed),
        cmocka_unit_test(test_hung_server_abandoned),
        cmocka_unit_test(test_shutdown_flushes_all),
        cmocka_unit_test(test_partial_success_protobuf),
        cmocka_unit_test(test_partial_success_json),
        cmocka_unit_test(test_receiver_rejects_bad_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
