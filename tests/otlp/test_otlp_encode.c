/* OTLP encoding and configuration without a network: protobuf bytes checked against a hand-computed
 * encoding, size/buffer contract, environment rules, create-time validation of files and protocol. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "model.h"
#include "otelc/exporters/otlp_http.h"
#include "otlp_internal.h"

#include <pb_encode.h>
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

/* trace id 01..10, span id 11..18, name "a", INTERNAL, start 1, end 2, sampled, one int attribute
 * k=1, status ERROR "x"; no resource, no scope. Every byte below is written out by hand from the
 * protobuf wire format and the field numbers of trace.proto. */
static void test_hand_computed_bytes(void **state) {
    (void)state;
    otelc_attr attr = otelc_attr_int("k", 1);
    otelc_span_data s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 16; i++) s.context.trace_id[i] = (uint8_t)(i + 1);
    for (int i = 0; i < 8; i++) s.context.span_id[i] = (uint8_t)(0x11 + i);
    s.context.trace_flags = 1;
    s.kind = OTELC_SPAN_KIND_INTERNAL;
    s.status_code = OTELC_STATUS_ERROR;
    s.status_description = "x";
    s.name = "a";
    s.start_time_unix_nano = 1;
    s.end_time_unix_nano = 2;
    s.attributes = &attr;
    s.attribute_count = 1;
    const uint8_t expect[] = {
        0x0a, 0x4d,             /* request.resource_spans (1, LEN 77) */
        0x12, 0x4b,             /* ResourceSpans.scope_spans (2, LEN 75) */
        0x12, 0x49,             /* ScopeSpans.spans (2, LEN 73) */
        0x0a, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, /* trace_id (1) */
        0x12, 0x08, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,       /* span_id (2) */
        0x2a, 0x01, 'a',        /* name (5) */
        0x30, 0x01,             /* kind (6) = INTERNAL */
        0x39, 1, 0, 0, 0, 0, 0, 0, 0, /* start_time_unix_nano (7, fixed64) */
        0x41, 2, 0, 0, 0, 0, 0, 0, 0, /* end_time_unix_nano (8, fixed64) */
        0x4a, 0x07,             /* attributes (9, LEN 7): KeyValue */
        0x0a, 0x01, 'k',        /*   key (1) */
        0x12, 0x02, 0x18, 0x01, /*   value (2): AnyValue.int_value (3) = 1 */
        0x7a, 0x05,             /* status (15, LEN 5) */
        0x12, 0x01, 'x',        /*   message (2) */
        0x18, 0x02,             /*   code (3) = ERROR */
        0x85, 0x01, 0x01, 0x01, 0x00, 0x00, /* flags (16, fixed32) = sampled | HAS_IS_REMOTE */
    };
    const otelc_span_data *p = &s;
    assert_int_equal(otelc_otlp_encoded_size(&p, 1), sizeof expect);
    uint8_t buf[128];
    int n = otelc_otlp_encode_traces(&p, 1, buf, sizeof buf);
    assert_int_equal(n, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);
    /* Too small a buffer is refused, not overrun. */
    assert_int_equal(otelc_otlp_encode_traces(&p, 1, buf, sizeof expect - 1), OTELC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(otelc_otlp_encoded_size(NULL, 1), OTELC_ERR_INVALID_ARGUMENT);
    assert_int_equal(otelc_otlp_encode_traces(&p, 0, buf, sizeof buf), 0);
}

/* The full fixture encodes and decodes (receiver decoder) with grouping by scope: A's two spans
 * together, B's apart, under one resource. */
static void test_grouping(void **state) {
    (void)state;
    fixture f;
    fixture_init(&f);
    int size = otelc_otlp_encoded_size(f.ptrs, 3);
    assert_true(size > 0);
    uint8_t *buf = malloc((size_t)size);
    assert_int_equal(otelc_otlp_encode_traces(f.ptrs, 3, buf, (size_t)size), size);
    rcv_request *r = rcv_request_new(1u << 20);
    char err[128];
    assert_true(rcv_decode_protobuf(r, buf, (size_t)size, err, sizeof err));
    assert_int_equal(r->span_count, 3);
    assert_non_null(r->resources_head);
    assert_null(r->resources_head->next);
    int scopes = 0;
    for (rcv_scope *sc = r->scopes_head; sc; sc = sc->next) scopes++;
    assert_int_equal(scopes, 2);
    /* Spans of one scope are adjacent. */
    assert_ptr_equal(r->spans_head->scope, r->spans_head->next->scope);
    assert_ptr_not_equal(r->spans_head->scope, r->spans_tail->scope);
    rcv_request_free(r);
    free(buf);
    fixture_free(&f);
}

static void clear_env(void) {
    const char *vars[] = {"ENDPOINT", "PROTOCOL", "HEADERS", "TIMEOUT", "COMPRESSION", "CERTIFICATE",
                          "CLIENT_CERTIFICATE", "CLIENT_KEY"};
    char name[64];
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        snprintf(name, sizeof name, "OTEL_EXPORTER_OTLP_%s", vars[i]);
        unsetenv(name);
        snprintf(name, sizeof name, "OTEL_EXPORTER_OTLP_TRACES_%s", vars[i]);
        unsetenv(name);
    }
}

static void test_env_rules(void **state) {
    (void)state;
    otelc_otlp_http_options o;
    clear_env();
    otelc_otlp_http_options_init(&o);
    assert_string_equal(o.endpoint, "http://localhost:4318/v1/traces");
    assert_int_equal(o.protocol, OTELC_OTLP_HTTP_PROTOBUF);
    assert_int_equal(o.timeout_ms, 10000);
    assert_int_equal(o.compression, OTELC_OTLP_COMPRESSION_NONE);

    setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/", 1);
    setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", 1);
    setenv("OTEL_EXPORTER_OTLP_HEADERS", "a=1", 1);
    setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "2500", 1);
    setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip", 1);
    otelc_otlp_http_options_init(&o);
    assert_string_equal(o.endpoint, "http://collector:4318/v1/traces"); /* generic: path appended */
    assert_int_equal(o.protocol, OTELC_OTLP_HTTP_JSON);
    assert_string_equal(o.headers, "a=1");
    assert_int_equal(o.timeout_ms, 2500);
    assert_int_equal(o.compression, OTELC_OTLP_COMPRESSION_GZIP);

    /* Signal-specific wins, and its endpoint is used as is. */
    setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://x.example/custom", 1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf", 1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=2", 1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "abc", 1); /* invalid: diagnostic, default kept */
    setenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none", 1);
    otelc_otlp_http_options_init(&o);
    assert_string_equal(o.endpoint, "https://x.example/custom");
    assert_int_equal(o.protocol, OTELC_OTLP_HTTP_PROTOBUF);
    assert_string_equal(o.headers, "b=2");
    assert_int_equal(o.timeout_ms, 10000);
    assert_int_equal(o.compression, OTELC_OTLP_COMPRESSION_NONE);

    /* grpc is refused with a diagnostic; http/protobuf is used. */
    clear_env();
    setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", 1);
    otelc_otlp_http_options_init(&o);
    assert_int_equal(o.protocol, OTELC_OTLP_HTTP_PROTOBUF);
    clear_env();
}

static void test_create_validation(void **state) {
    (void)state;
    clear_env();
    otelc_otlp_http_options o;
    otelc_error err;
    otelc_otlp_http_options_init(&o);
    o.protocol = OTELC_OTLP_GRPC;
    assert_null(otelc_otlp_http_exporter_create(&o, &err));
    assert_int_equal(err.code, OTELC_ERR_UNSUPPORTED);

    otelc_otlp_http_options_init(&o);
    snprintf(o.endpoint, sizeof o.endpoint, "ftp://127.0.0.1/v1/traces");
    assert_null(otelc_otlp_http_exporter_create(&o, &err));
    assert_int_equal(err.code, OTELC_ERR_INVALID_ARGUMENT);

    otelc_otlp_http_options_init(&o);
    snprintf(o.certificate, sizeof o.certificate, "/nonexistent/ca.pem");
    assert_null(otelc_otlp_http_exporter_create(&o, &err));
    assert_int_equal(err.code, OTELC_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent/ca.pem"));

    char path[] = "/tmp/otelc-badpemXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char junk[] = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
    assert_int_equal(write(fd, junk, sizeof junk - 1), (ssize_t)(sizeof junk - 1));
    close(fd);
    otelc_otlp_http_options_init(&o);
    snprintf(o.certificate, sizeof o.certificate, "%s", path);
    assert_null(otelc_otlp_http_exporter_create(&o, &err));
    assert_int_equal(err.code, OTELC_ERR_PARSE);
    assert_non_null(strstr(err.message, path));
    otelc_otlp_http_options_init(&o);
    snprintf(o.client_certificate, sizeof o.client_certificate, "%s", path);
    snprintf(o.client_key, sizeof o.client_key, "%s", path);
    assert_null(otelc_otlp_http_exporter_create(&o, &err));
    assert_non_null(strstr(err.message, path));
    unlink(path);

    otelc_otlp_http_options_init(&o);
    snprintf(o.headers, sizeof o.headers, "novalue");
    assert_null(otelc_otlp_http_exporter_create(&o, &err));
    assert_int_equal(err.code, OTELC_ERR_PARSE);

    otelc_otlp_http_options_init(&o);
    otelc_exporter *e = otelc_otlp_http_exporter_create(&o, &err);
    assert_non_null(e);
    assert_string_equal(otelc_exporter_name(e), "otlp");
    otelc_exporter_destroy(e);
    assert_int_equal(otelc_otlp_http_register(), OTELC_OK);
    assert_non_null(otelc_exporter_factory_find("otlp"));
}

/* The receiver's decoder rejects malformed input with a reason, never crashes. */
static void test_decoder_rejects_garbage(void **state) {
    (void)state;
    const uint8_t bad_id[] = {0x0a, 0x08, 0x12, 0x06, 0x12, 0x04, 0x0a, 0x02, 0x01, 0x02};
    const uint8_t truncated[] = {0x0a, 0x40, 0x12};
    const uint8_t wrong_type[] = {0x08, 0x01};
    char err[128];
    rcv_request *r = rcv_request_new(1u << 16);
    assert_false(rcv_decode_protobuf(r, bad_id, sizeof bad_id, err, sizeof err));
    assert_non_null(strstr(err, "trace_id"));
    rcv_request_free(r);
    r = rcv_request_new(1u << 16);
    assert_false(rcv_decode_protobuf(r, truncated, sizeof truncated, err, sizeof err));
    rcv_request_free(r);
    r = rcv_request_new(1u << 16);
    assert_false(rcv_decode_protobuf(r, wrong_type, sizeof wrong_type, err, sizeof err));
    rcv_request_free(r);
    r = rcv_request_new(1u << 16);
    assert_false(rcv_decode_json(r, "{\"resourceSpans\":7}", 19, err, sizeof err));
    rcv_request_free(r);
}

/* Every truncation and every single-byte corruption of a real request decodes or fails cleanly
 * (run under ASan/UBSan this checks the receiver's decoder for memory safety). */
static void test_decoder_survives_corruption(void **state) {
    (void)state;
    fixture f;
    fixture_init(&f);
    int size = otelc_otlp_encoded_size(f.ptrs, 3);
    uint8_t *good = malloc((size_t)size), *buf = malloc((size_t)size);
    assert_int_equal(otelc_otlp_encode_traces(f.ptrs, 3, good, (size_t)size), size);
    char err[128];
    int failures = 0;
    for (int len = 0; len < size; len++) {
        rcv_request *r = rcv_request_new(1u << 20);
        if (!rcv_decode_protobuf(r, good, (size_t)len, err, sizeof err)) failures++;
        rcv_request_free(r);
    }
    assert_true(failures > 0);
    for (int i = 0; i < size; i++) {
        static const uint8_t flips[] = {0x00, 0xff, 0x80, 0x7f};
        for (size_t k = 0; k < sizeof flips; k++) {
            memcpy(buf, good, (size_t)size);
            buf[i] ^= flips[k] ? flips[k] : buf[i];
            rcv_request *r = rcv_request_new(1u << 20);
            (void)rcv_decode_protobuf(r, buf, (size_t)size, err, sizeof err);
            rcv_request_free(r);
        }
    }
    free(good);
    free(buf);
    fixture_free(&f);
}

static void test_retry_after_parsing(void **state) {
    (void)state;
    assert_int_equal(otelc__otlp_retry_after_ms("3", 0), 3000);
    assert_int_equal(otelc__otlp_retry_after_ms(" 0\r\n", 0), 0);
    /* HTTP-date: Sun, 06 Nov 1994 08:49:37 GMT is 784111777 */
    assert_int_equal(otelc__otlp_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT\r\n", 784111770), 7000);
    assert_int_equal(otelc__otlp_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111800), 0); /* past */
    assert_int_equal(otelc__otlp_retry_after_ms("soon", 0), -1);
    assert_int_equal(otelc__otlp_retry_after_ms("5s", 0), -1);
    assert_int_equal(otelc__otlp_retry_after_ms("", 0), -1);
    assert_int_equal(otelc__otlp_retry_after_ms(NULL, 0), -1);
    assert_int_equal(otelc__otlp_retry_after_ms("99999999999999999999", 0), -1);
}

static bool encode_cstr(pb_ostream_t *out, const pb_field_t *field, void *const *arg) {
    const char *str = *arg;
    return pb_encode_tag_for_field(out, field) && pb_encode_string(out, (const pb_byte_t *)str, strlen(str));
}

/* The exporter decodes the response by hand (no generated descriptors in the library); the receiver's
 * generated encoder is the oracle. */
static size_t encode_response(uint8_t *buf, size_t cap, bool has_partial, int64_t rejected, const char *msg) {
    opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse r =
        opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_init_zero;
    r.has_partial_success = has_partial;
    r.partial_success.rejected_spans = rejected;
    if (msg) {
        r.partial_success.error_message.funcs.encode = encode_cstr;
        r.partial_success.error_message.arg = (void *)msg;
    }
    pb_ostream_t out = pb_ostream_from_buffer(buf, cap);
    assert_true(pb_encode(&out, opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_fields, &r));
    return out.bytes_written;
}

static void test_partial_success_decoding(void **state) {
    (void)state;
    uint8_t buf[1024];
    char msg[16];
    int64_t rej = -1;
    size_t n = encode_response(buf, sizeof buf, true, 7, "too old");
    assert_true(otelc__otlp_decode_partial_success(buf, n, &rej, msg, sizeof msg));
    assert_int_equal(rej, 7);
    assert_string_equal(msg, "too old");
    /* An empty body and a response without partial_success: full success. */
    assert_true(otelc__otlp_decode_partial_success(buf, 0, &rej, msg, sizeof msg));
    assert_int_equal(rej, 0);
    assert_string_equal(msg, "");
    n = encode_response(buf, sizeof buf, false, 0, NULL);
    assert_true(otelc__otlp_decode_partial_success(buf, n, &rej, msg, sizeof msg));
    assert_int_equal(rej, 0);
    /* A message longer than the caller's buffer is cut, the rest skipped. */
    n = encode_response(buf, sizeof buf, true, 1, "a message longer than sixteen bytes");
    assert_true(otelc__otlp_decode_partial_success(buf, n, &rej, msg, sizeof msg));
    assert_int_equal(rej, 1);
    assert_string_equal(msg, "a message longe");
    /* Unknown fields (a newer collector) are skipped at both levels: field 9 varint in the response,
     * field 3 fixed64 and field 4 string in partial_success. */
    const uint8_t unknown[] = {0x48, 0x05,                                     /* 9: 5 */
                               0x0a, 0x11,                                     /* 1: partial_success, 17 bytes */
                               0x19, 1, 2, 3, 4, 5, 6, 7, 8,                   /* 3: fixed64 */
                               0x08, 0x03,                                     /* rejected_spans 3 */
                               0x22, 0x01, 'z',                                /* 4: "z" */
                               0x12, 0x01, 'm'};                               /* error_message "m" */
    assert_true(otelc__otlp_decode_partial_success(unknown, sizeof unknown, &rej, msg, sizeof msg));
    assert_int_equal(rej, 3);
    assert_string_equal(msg, "m");
    /* Malformed: truncated, a length past the end, a bad wire type. Nothing is reported. */
    n = encode_response(buf, sizeof buf, true, 7, "too old");
    for (size_t cut = 1; cut < n; cut++) {
        rej = -1;
        assert_false(otelc__otlp_decode_partial_success(buf, cut, &rej, msg, sizeof msg));
        assert_int_equal(rej, 0);
        assert_string_equal(msg, "");
    }
    const uint8_t past_end[] = {0x0a, 0x7f, 0x08, 0x01};
    assert_false(otelc__otlp_decode_partial_success(past_end, sizeof past_end, &rej, msg, sizeof msg));
    const uint8_t bad_wire[] = {0x0f, 0x00};
    assert_false(otelc__otlp_decode_partial_success(bad_wire, sizeof bad_wire, &rej, msg, sizeof msg));
    assert_int_equal(rej, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_computed_bytes), cmocka_unit_test(test_grouping),
        cmocka_unit_test(test_env_rules),           cmocka_unit_test(test_create_validation),
        cmocka_unit_test(test_decoder_rejects_garbage),  cmocka_unit_test(test_decoder_survives_corruption),
        cmocka_unit_test(test_retry_after_parsing),
        cmocka_unit_test(test_partial_success_decoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
